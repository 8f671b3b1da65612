"""The kiosk's 领取办理结果 (issue 12) on the real Kivy screens, offscreen, against the real server
(tests/support/kiosk_harness.py; each scenario in its own process): the G tile asks for the ID card
or the notice's QR; the card lists the ready case and the pending one with its date, and the pick-up
ticket carries the case on the server; nothing ready says what is pending and when (预计 in a year
whose holidays are not published), in English and elderly mode; a notice's QR scanned at the home
screen while the printer is out. Screenshots of each step, every text at 4.5:1.
"""

from __future__ import annotations

import sys
from datetime import date
from pathlib import Path

import pytest

from tests.support.cases import KIOSK_READY, kiosk_case, pickup_tickets
from tests.support.hall import at
from tests.support.kiosk_harness import (
    ROOT,
    Driver,
    FakeClock,
    choice_problems,
    main,
    open_windows,
    png_ok,
    run_with_devices,
    start,
)
from tests.support.kiosk_harness import run_scenario as _run_scenario

ID_READY = "11010519491231002X"  # 张三丰, a valid GB 11643 number
ID_WAITING = "110105198005010021"  # 李四


async def run_scenario(name: str, live, out: Path) -> dict:
    r = await _run_scenario(__file__, name, live, out, timeout_s=150.0)
    for shot in r["screenshots"]:
        assert png_ok(shot), shot
    assert r["contrast"] == {k: [] for k in r["contrast"]}  # every text at 4.5:1
    return r


async def test_a_ready_result_is_collected_with_the_id_card(live, tmp_path):
    open_windows(live, 1, 2, 4)
    waiting, _ = kiosk_case(live, ID_READY, "MZ-002")
    ready, _ = kiosk_case(live, ID_READY, steps=KIOSK_READY)
    r = await run_scenario("card", live, tmp_path)
    assert r["prompt"] == "请刷身份证，或扫描通知书上的二维码" and r["other_shown"]
    assert r["prompt_en"] == "Place your ID card on the reader, or scan the QR code on your notice"
    assert r["ready"] == ["城乡居民基本养老保险待遇申领", "办件编号：" + ready]
    assert r["pending"] == ["临时救助申请", "办件编号：" + waiting, "进展：已受理，正在办理", "承诺办结：2026年12月7日"]
    assert r["take"] == "取号领取（共 1 件）"
    assert r["number"] == "G001" and r["result_cases"] == "请到窗口领取 1 件办理结果"
    assert "领取结果：1 件" in r["printed"] and r["card_forgotten"]
    (ticket,) = pickup_tickets(live)
    assert ticket.number == "G001" and ticket.cases == (ready,)  # the clerk who calls it sees the case
    assert r["other_matters"] == ["CJ-001", "CJ-002", "CJ-003"]  # a certificate made elsewhere: a plain ticket
    assert r["problems"] == {k: [] for k in r["problems"]}


async def test_nothing_ready_says_what_is_pending_and_when(live, tmp_path):
    live.service.clock.now = at("2026-12-28 09:00")  # accepted now, due in 2027: its holidays are not published
    kiosk_case(live, ID_WAITING, "MZ-002")
    r = await run_scenario("pending", live, tmp_path)
    assert r["message"] == "您的办件还没有可以领取的结果"
    assert r["due"].startswith("预计办结：2027年1月") and "节假日安排未公布" in r["due"]
    assert r["message_en"] == "None of your results is ready to collect yet"
    assert r["name_en"].startswith("Application for temporary assistance") and r["due_en"].startswith("Expected by")
    assert r["elderly_fits"] == [] and r["elderly_stays"] == "cases" and r["standard_idle"] == "home"
    assert r["home_button"] == "home"
    assert r["spoken"] and "预计办结日期" in r["spoken"][-1]
    assert pickup_tickets(live) == []


async def test_the_notice_qr_is_scanned_and_the_printer_is_out(live, tmp_path):
    open_windows(live, 1, 2, 4)
    ready, token = kiosk_case(live, ID_READY, steps=KIOSK_READY)
    other, _ = kiosk_case(live, ID_READY, "MZ-004", steps=KIOSK_READY)
    (tmp_path / "token").write_text(token)
    r = await run_scenario("qr", live, tmp_path)
    assert sorted(r["ready"]) == sorted([ready, other]) and r["take"] == "取号领取（共 2 件）"
    assert r["kind"] == "on_screen" and r["qr_shown"] and r["result_cases"] == "请到窗口领取 2 件办理结果"
    (ticket,) = pickup_tickets(live)
    assert sorted(ticket.cases) == sorted([ready, other]) and "out" in ticket.print_failure
    assert r["bad_qr"] == "无法识别这张通知书的二维码，请刷身份证或到咨询台"


# =========================================================================== the scenario processes


def _texts(app, prefix: str) -> list[str]:
    return [w.text for n, w in sorted(app.w.items()) if n.startswith(prefix) and w.get_root_window()]


async def scenario_card(out: Path, url: str, token: str) -> None:
    from hw.idcard import FakeCardReader, IdCard

    reader = FakeCardReader()
    app, service, keeper = await start(out, url, token, idcard=reader.port)
    d = Driver(app, out)
    r = d.result
    r["problems"] = {}
    card = IdCard(name="张三丰", sex="男", ethnicity="汉", birth_date=date(1949, 12, 31), address="示范镇一号",
                  id_number=ID_READY, authority="示范县公安局", valid_from="20150101", valid_to="长期")

    async def body() -> None:
        await d.screen("home")
        await d.tap("tile_G")
        await d.screen("pickup")
        r["prompt"], r["other_shown"] = app.w["pickup_prompt"].text, d.shown("pickup_other")
        d.shot("pickup_prompt")
        d.check_contrast("pickup_prompt")
        await d.tap("elderly")
        r["problems"]["prompt_elderly"] = choice_problems(app, ["pickup_other"])
        d.shot("pickup_prompt_elderly")
        await d.tap("lang")
        r["prompt_en"] = app.w["pickup_prompt"].text
        d.shot("pickup_prompt_elderly_en")
        d.check_contrast("pickup_prompt_elderly_en")
        await d.tap("lang")
        await d.tap("elderly")
        reader.card = card
        await d.screen("cases")
        ready_name = next(n for n in app.w if n.startswith("ready_") and n.count("_") == 1 and d.shown(n))
        r["ready"] = [app.w[ready_name].text, app.w[ready_name + "_0"].text]
        pending_name = next(n for n in app.w if n.startswith("pending_") and n.count("_") == 1 and d.shown(n))
        r["pending"] = [app.w[pending_name].text] + [app.w[f"{pending_name}_{i}"].text for i in range(3)]
        r["take"] = app.w["pickup_take"].text
        r["problems"]["cases"] = choice_problems(app, ["pickup_take"])
        d.shot("cases_ready")
        d.check_contrast("cases_ready")
        await d.tap("pickup_take")
        await d.screen("result")
        r["number"], r["result_cases"] = app.w["number"].text, app.w["result_cases"].text
        r["printed"] = service.printer.fake.printed().lines
        r["card_forgotten"] = app.card is None
        d.shot("pickup_result")
        d.check_contrast("pickup_result")
        await d.tap("done")
        reader.card = None
        await d.until(lambda: app.reader == "no_card")
        await d.tap("tile_G")
        await d.screen("pickup")
        await d.tap("pickup_other")
        await d.screen("matters")
        r["other_matters"] = [m["code"] for m in app.matters]

    await run_with_devices(app, keeper, d, body, reader)


async def scenario_pending(out: Path, url: str, token: str) -> None:
    from hw.idcard import FakeCardReader, IdCard

    reader = FakeCardReader()
    clock = FakeClock()
    app, service, keeper = await start(out, url, token, now=clock, idcard=reader.port, voice_pack="", audio="sink")
    d = Driver(app, out)
    r = d.result
    card = IdCard(name="李四", sex="女", ethnicity="汉", birth_date=date(1980, 5, 1), address="示范镇二号",
                  id_number=ID_WAITING, authority="示范县公安局", valid_from="20200101", valid_to="20400101")

    def due() -> str:
        return next(w.text for n, w in app.w.items() if n.startswith("pending_") and n.endswith("_2")
                    and w.get_root_window())

    async def body() -> None:
        await d.screen("home")
        await d.tap("tile_G")
        await d.screen("pickup")
        reader.card = card
        await d.screen("cases")
        r["message"], r["due"] = app.w["pickup_message"].text, due()
        d.shot("cases_pending")
        d.check_contrast("cases_pending")
        await d.tap("lang")
        r["message_en"], r["due_en"] = app.w["pickup_message"].text, due()
        r["name_en"] = next(w.text for n, w in app.w.items() if n.startswith("pending_") and n.count("_") == 1
                            and w.get_root_window())
        d.shot("cases_pending_en")
        d.check_contrast("cases_pending_en")
        await d.tap("elderly")
        await d.frames(6)
        r["elderly_fits"] = choice_problems(app, ["pickup_home"])
        d.shot("cases_pending_en_elderly")
        await d.tap("lang")
        d.shot("cases_pending_elderly")
        d.check_contrast("cases_pending_elderly")
        r["spoken"] = list(app.speaker.spoken) if app.speaker else []
        clock.advance(600)  # elderly mode: no idle timeout, however slowly someone reads
        await d.ticks()
        r["elderly_stays"] = app.sm.current
        await d.tap("elderly")
        clock.advance(app.cfg.idle_home_seconds + 1)
        await d.ticks()
        r["standard_idle"] = app.sm.current
        reader.card = None
        await d.until(lambda: app.reader == "no_card")
        reader.card = card
        await d.until(lambda: app.card is not None)
        await d.tap("tile_G")  # the card is read already: straight to the cases
        await d.screen("cases")
        await d.tap("pickup_home")
        r["home_button"] = app.sm.current

    await run_with_devices(app, keeper, d, body, reader)


async def scenario_qr(out: Path, url: str, token: str) -> None:
    import time

    from hw.scanner import FakeDevice, events_for

    scans: list[list] = []
    app, service, keeper = await start(out, url, token, scanner="/dev/input/fake")

    def open_scanner(path):
        while not scans:  # the watcher asks again until the test "scans" something
            time.sleep(0.05)
        return FakeDevice(scans.pop(0))

    d = Driver(app, out)
    r = d.result
    case_token = (out / "token").read_text()

    async def body() -> None:
        await d.screen("home")
        service.printer.fake.state = "out"
        await d.until(lambda: service.printer_state == "out")
        scans.append(events_for(f"http://hall.test/c/{case_token}"))  # the notice's QR, at the home screen
        await d.screen("cases")
        r["ready"] = [n.split("_")[1] for n in app.w if n.startswith("ready_") and n.count("_") == 1
                      and d.shown(n)]
        r["take"] = app.w["pickup_take"].text
        d.shot("cases_two_ready")
        await d.tap("pickup_take")
        await d.screen("result")
        r["kind"], r["qr_shown"] = app.outcome.kind, d.shown("qr")
        r["result_cases"] = app.w["result_cases"].text
        d.shot("pickup_on_screen")
        d.check_contrast("pickup_on_screen")
        await d.tap("done")
        await d.screen("home")
        scans.append(events_for("http://hall.test/c/this-token-is-unknown"))
        await d.screen("message")
        r["bad_qr"] = app.w["message"].text

    await run_with_devices(app, keeper, d, body, open_scanner=open_scanner)


SCENARIOS = {"card": scenario_card, "pending": scenario_pending, "qr": scenario_qr}

if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    main(SCENARIOS, {}, hang_s=140.0)
else:
    pytestmark = pytest.mark.slow
