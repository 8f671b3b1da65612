"""The kiosk's screens against what issue 9 found on the hall floor, in real offscreen Kivy against
the real server (see tests/support/kiosk_harness.py): what a ticket taken now would be told, before it is
taken (A2/A3) and with every null field (D5); the on-screen ticket that stays (E1); elderly mode
with every choice visible in both orientations (E2); ID-card messages that follow the reader (E3);
every text at 4.5:1 (F1); no English on the Chinese screen.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from tests.support.hall import at
from tests.support.kiosk_harness import (
    ROOT,
    Driver,
    FakeClock,
    choice_problems,
    fits_on_screen,
    issue,
    main,
    open_windows,
    png_ok,
    run,
    run_with_devices,
    start,
)
from tests.support.kiosk_harness import run_scenario as _run_scenario


async def run_scenario(name: str, live, out: Path) -> dict:
    r = await _run_scenario(__file__, name, live, out, timeout_s=150.0)
    for shot in r["screenshots"]:
        assert png_ok(shot), shot
    assert r["contrast"] == {k: [] for k in r["contrast"]}  # F1: every text state at 4.5:1
    return r


def late_afternoon(live) -> None:
    """16:00, window 5 (the only D window) closed, 8 E tickets waiting at E's one window: a ticket
    taken now for E may not be served before 17:00; nothing can be promised for D."""
    live.service.clock.now = at("2026-11-23 16:00")
    open_windows(live, 1, 2, 3, 4, 6, 7)
    issue(live, "E", 8)


async def test_the_quote_before_the_ticket_and_the_ticket_say_the_same(live, tmp_path):
    """A2/A3: the confirm screen shows what a ticket taken now would be told; the result says the
    same from the issue answer; an ID card on the guide screen does not skip the warning."""
    late_afternoon(live)
    r = await run_scenario("estimates", live, tmp_path)
    assert r["quote_e"][0] == "现在取号，前面还有 8 人" and r["quote_e"][1].startswith("预计等候")
    assert r["quote_e"][2] == "今天 17:00 停止办理，现在取号可能当天轮不到，您仍可取号"
    assert r["quote_e_en"][0] == "Take a ticket now: 8 people ahead of you"
    assert r["quote_e_en"][2].startswith("Serving ends at 17:00 today")
    assert r["result_e"] == ["前面还有 8 人", r["quote_e"][1], "今天 17:00 停止办理，您的号可能当天轮不到"]
    # D: no window open, every time field null — no promise, and no crash (D5)
    assert r["quote_d"] == ["现在取号，前面还有 0 人", "暂无窗口办理"]
    assert r["result_d"] == ["前面还有 0 人", "暂无窗口办理"] and r["number_d"] == "D001"
    # the card on the guide screen: the warning is shown first, the person confirms
    assert r["card_on_guide"] == "confirm" and r["e_before_card"] == r["e_after_card_shown"]
    assert r["card_ticket_screen"] == "result"
    # lunch: when serving starts, and the refusal in the screen's language
    assert r["quote_lunch"][1] == "预计 13:30 开始办理" and r["quote_lunch"][2].startswith("预计等候")
    assert r["closed_zh"] == "现在不是办理时间，不能取号。办理时间：周一至周五 08:30–12:00、13:30–17:00"
    assert r["closed_en"] == "The hall is closed now; no tickets. Opening hours: Mon–Fri 08:30–12:00, 13:30–17:00"
    tickets = [t.number for t in live.service.hall.state.tickets.values()]
    assert tickets.count("E010") == 1 and "E011" not in tickets  # E009 by touch, E010 by card; none at lunch


async def test_an_on_screen_ticket_stays_until_done_or_a_minute(live, tmp_path):
    """E1: the ticket shown because the printer is out is the person's only copy."""
    r = await run_scenario("result_hold", live, tmp_path)
    assert r["kind"] == "on_screen"
    assert r["after_59s"] == "result" and r["after_61s"] == "home"
    assert r["held_300s"] == "result" and r["released_59s"] == "result" and r["released_61s"] == "home"
    assert r["done"] == "home"
    assert r["printed_after_11s"] == "home"  # a printed ticket clears as configured (10 s)
    assert r["failed_action"] == "出了点问题，请重试，或请工作人员帮助"  # D5: not "could not call staff"


@pytest.mark.parametrize("orientation", ["portrait", "landscape"])
async def test_elderly_mode_shows_every_choice(live, tmp_path, orientation):
    """E2: every tile and matter, page by page, wholly inside the window and not covered, in both
    orientations, in Chinese and English; the letter keys only when asked for."""
    late_afternoon(live)
    r = await run_scenario(f"pages_{orientation}", live, tmp_path)
    assert r["problems"] == {k: [] for k in r["problems"]}
    assert sorted(r["tiles_seen"]) == list("ABCDEFG")
    assert sorted(r["tiles_seen_en"]) == list("ABCDEFG")
    assert len(r["matters_seen"]) == 16 and len(set(r["matters_seen"])) == 16
    assert len(r["matters_seen_en"]) == 16
    assert r["keys_hidden"] and r["keys_shown_when_asked"] and r["search_gl"] == ["MZ-004"]
    assert r["quote_warned"] and r["confirm_fits"] and r["result_fits"] and r["qr_inside"]
    if orientation == "landscape":
        assert r["home_pages"] == 1  # 7 tiles on one screen
    assert r["min_font_px"] >= 30 and r["min_button_dp"] >= 60


async def test_card_messages_follow_the_reader(live, tmp_path):
    """E3, through a pty reader speaking the real protocol."""
    r = await run_scenario("card_states", live, tmp_path)
    assert r["torn"] == "身份证读取失败，请把身份证重新放好"
    assert r["after_good_read"].startswith("已读取身份证：张*") and "重新放好" not in r["after_good_read"]
    assert r["hint_with_card"] == "已刷身份证，请选择要办理的业务"
    assert r["hint_after_removal"] == "点击业务类别，或刷身份证、扫预约码取号" and r["banner_after_removal"] == ""
    assert r["garbage"] == "身份证读卡器暂时不能读卡，请使用触摸屏取号"
    assert r["garbage_over"] == ""


# =========================================================================== the scenario processes


async def _take(d: Driver, tile: str, matter: str) -> None:
    """Home → category → matter → guide → confirm."""
    await d.screen("home")
    await d.tap(tile)
    await d.screen("matters")
    await d.choose(matter, "matter_list") if d.app.elderly else await d.tap(matter)
    await d.screen("guide")
    await d.tap("take_ticket")
    await d.screen("confirm")


def _quote(app) -> list[str]:
    return [app.w[n].text for n in ("quote_ahead", "quote_opens", "quote_wait", "quote_warn") if n in app.w
            and app.w[n].get_root_window()]


def _told(app) -> list[str]:
    return [app.w[n].text for n in ("ahead", "opens", "estimate", "warning") if n in app.w
            and app.w[n].get_root_window()]


async def scenario_estimates(out: Path, url: str, token: str) -> None:
    from datetime import date

    from hw.idcard import FakeCardReader, IdCard

    reader = FakeCardReader()
    app, service, keeper = await start(out, url, token, idcard=reader.port)
    d = Driver(app, out)
    r = d.result
    card = IdCard(name="李四", sex="女", ethnicity="汉", birth_date=date(1980, 5, 1), address="示范镇二号",
                  id_number="110105198005010021", authority="示范县公安局", valid_from="20200101", valid_to="20400101")

    async def quote_loaded() -> None:
        await d.until(lambda: "quote_wait" in app.w and app.w["quote_wait"].get_root_window()
                      and "…" not in app.w["quote_wait"].text)

    async def body() -> None:
        await _take(d, "tile_E", "matter_BDC-003")
        await quote_loaded()
        r["quote_e"] = _quote(app)
        d.shot("confirm_late")
        d.check_contrast("confirm_late")
        await d.tap("lang")
        await quote_loaded()
        r["quote_e_en"] = _quote(app)
        d.shot("confirm_late_en")
        await d.tap("lang")
        await quote_loaded()
        await d.tap("confirm")
        await d.screen("result")
        r["result_e"] = _told(app)
        d.shot("result_late")
        d.check_contrast("result_late")
        await d.tap("done")
        await _take(d, "tile_D", "matter_HJ-001")
        await quote_loaded()
        r["quote_d"] = _quote(app)
        d.shot("confirm_no_window")
        await d.tap("confirm")
        await d.screen("result")
        r["result_d"], r["number_d"] = _told(app), app.w["number"].text
        d.shot("result_no_window")
        await d.tap("done")
        # an ID card on the guide screen: this ticket may not be served today, so confirm first
        await d.screen("home")
        await d.tap("tile_E")
        await d.screen("matters")
        await d.tap("matter_BDC-001")
        await d.screen("guide")
        r["e_before_card"] = service.last_issued["number"] if service.last_issued else None
        reader.card = card
        await d.screen("confirm")
        await quote_loaded()
        r["card_on_guide"] = app.sm.current
        r["e_after_card_shown"] = service.last_issued["number"] if service.last_issued else None
        d.shot("card_on_guide_confirm")
        await d.tap("confirm")
        await d.screen("result")
        r["card_ticket_screen"] = app.sm.current
        await d.tap("done")
        reader.card = None
        await d.until(lambda: app.reader == "no_card")
        # the lunch break: when serving starts; taking a ticket is refused, in the screen's words
        await d.request("clock-1210")
        await d.request("close-6")  # E's one window closed over lunch
        await _take(d, "tile_E", "matter_BDC-003")
        await quote_loaded()
        r["quote_lunch"] = _quote(app)
        d.shot("confirm_lunch")
        await d.tap("confirm")
        await d.screen("message")
        r["closed_zh"] = app.w["message"].text
        d.check_contrast("hall_closed")
        await d.tap("lang")
        r["closed_en"] = app.w["message"].text
        d.shot("hall_closed_en")

    await run_with_devices(app, keeper, d, body, reader)


async def scenario_result_hold(out: Path, url: str, token: str) -> None:
    from kivy.tests.common import UnitTestTouch

    clock = FakeClock()
    app, service, keeper = await start(out, url, token, now=clock, result_seconds=10)
    d = Driver(app, out)
    r = d.result

    async def ticket() -> None:
        await _take(d, "tile_A", "matter_JY-002")
        await d.tap("confirm")
        await d.screen("result")

    async def body() -> None:
        await d.screen("home")
        service.printer.fake.state = "out"
        await d.until(lambda: service.printer_state == "out")
        await ticket()
        r["kind"] = app.outcome.kind
        d.shot("on_screen_ticket")
        d.check_contrast("on_screen_ticket")
        clock.advance(59)
        await d.ticks()
        r["after_59s"] = app.sm.current
        clock.advance(2)
        await d.ticks()
        r["after_61s"] = app.sm.current
        # a finger on the screen: never cleared while it is down, and the minute starts again after
        await ticket()
        x, y = app.w["number"].to_window(*app.w["number"].center)
        touch = UnitTestTouch(x, y)
        touch.touch_down()
        clock.advance(300)
        await d.ticks()
        r["held_300s"] = app.sm.current
        touch.touch_up()
        clock.advance(59)
        await d.ticks()
        r["released_59s"] = app.sm.current
        clock.advance(2)
        await d.ticks()
        r["released_61s"] = app.sm.current
        await ticket()
        await d.tap("done")
        r["done"] = app.sm.current
        service.printer.fake.state = "ok"
        await d.until(lambda: service.printer_state == "ok")
        await ticket()
        clock.advance(11)
        await d.ticks()
        r["printed_after_11s"] = app.sm.current

        async def broken() -> None:  # any action that fails: a plain sentence, not the help message
            raise RuntimeError("a bug")

        app.spawn(broken())
        await d.screen("message")
        r["failed_action"] = app.w["message"].text

    try:
        await run(app, keeper, body)
    finally:
        d.finish()


async def scenario_pages(out: Path, url: str, token: str, orientation: str) -> None:
    from kivy.metrics import dp
    from kivy.uix.button import Button
    from kivy.uix.label import Label

    from tests.support.kiosk_harness import walk

    app, service, keeper = await start(out, url, token, orientation=orientation)
    d = Driver(app, out)
    r = d.result
    problems = r["problems"] = {}
    sizes: list[tuple[float, float]] = []

    def shown(prefix: str) -> list[str]:
        """The choices on screen named `prefix` + code (not the pager and its buttons)."""
        return [n for n in app.w if n.startswith(prefix) and not n.startswith(("matter_list", "matter_grid"))
                and d.shown(n)]

    def check(where: str, names: list[str]) -> None:
        problems[where] = choice_problems(app, names)
        d.check_contrast(where)
        widgets = [w for w in walk(app.root_box) if isinstance(w, Label) and w.text and w.get_root_window()]
        sizes.append((min(w.font_size for w in widgets),
                      min(w.height / dp(1) for w in widgets if isinstance(w, Button))))

    async def pages(where: str, pager: str, prefix: str, extra: tuple[str, ...] = ()) -> list[str]:
        """Every page of `pager`: check its choices, screenshot it; the choices seen, in order."""
        seen: list[str] = []
        for page in range(1, 10):
            await d.frames(4)
            names = shown(prefix) + [n for n in (f"{pager}_prev", f"{pager}_next", *extra) if d.shown(n)]
            check(f"{where}_{page}", names)
            seen += [n[len(prefix):] for n in shown(prefix)]
            d.shot(f"{where}_{page}")
            if not d.shown(f"{pager}_next") or app.w[f"{pager}_next"].disabled:
                return seen
            await d.tap(f"{pager}_next")
        raise AssertionError(f"{where}: more than 9 pages")

    async def body() -> None:
        await d.screen("home")
        await d.tap("elderly")
        r["tiles_seen"] = await pages("home", "tiles", "tile_")
        r["home_pages"] = int(app.w["tiles_page"].text.split("/")[1].split()[0]) if d.shown("tiles_page") else 1
        await d.tap("lang")
        r["tiles_seen_en"] = await pages("home_en", "tiles", "tile_")
        await d.tap("lang")
        await d.choose("tile_A", "tiles")
        await d.screen("matters")
        r["keys_hidden"] = not shown("key_")
        r["matters_seen"] = await pages("matters", "matter_list", "matter_", ("show_keys",))
        await d.tap("lang")
        r["matters_seen_en"] = await pages("matters_en", "matter_list", "matter_", ("show_keys",))
        await d.tap("lang")
        await d.tap("show_keys")
        r["keys_shown_when_asked"] = len(shown("key_")) == 27  # A–Z and delete
        await d.tap("key_G")
        await d.tap("key_L")
        r["search_gl"] = [m["code"] for m in app.found]
        check("keys", shown("key_") + shown("matter_") + ["show_keys"])
        d.shot("matters_keys")
        await d.tap("home")
        await _take(d, "tile_E", "matter_GH-001")  # the longest matter name
        await d.until(lambda: "quote_warn" in app.w and d.shown("quote_warn"))
        r["quote_warned"] = True
        r["confirm_fits"] = fits_on_screen(app)
        check("confirm", ["confirm", "cancel"])
        d.shot("confirm")
        service.printer.fake.state = "out"  # the fullest result: on screen, with the QR and the warning
        await d.until(lambda: service.printer_state == "out")
        await d.tap("confirm")
        await d.screen("result")
        r["result_fits"] = fits_on_screen(app) and app.outcome.kind == "on_screen"
        check("result", ["done"])
        sm, qr = app.sm, app.w["qr"]
        r["qr_inside"] = (sm.to_window(sm.x, sm.y)[1] <= qr.to_window(qr.x, qr.y)[1]
                          and qr.to_window(qr.x, qr.top)[1] <= sm.to_window(sm.x, sm.top)[1] and qr.height >= 200)
        d.shot("result")
        r["min_font_px"] = min(f for f, _ in sizes)
        r["min_button_dp"] = min(b for _, b in sizes)

    try:
        await run(app, keeper, body)
    finally:
        d.finish()


async def scenario_card_states(out: Path, url: str, token: str) -> None:
    from datetime import date

    from hw.idcard import FakeCardReader, IdCard

    reader = FakeCardReader()
    app, service, keeper = await start(out, url, token, idcard=reader.port)
    d = Driver(app, out)
    r = d.result
    card = IdCard(name="张三丰", sex="男", ethnicity="汉", birth_date=date(1949, 12, 31), address="示范镇一号",
                  id_number="11010519491231002X", authority="示范县公安局", valid_from="20150101", valid_to="长期")

    async def body() -> None:
        await d.screen("home")
        reader.card, reader.fault = card, "truncate"  # lifted during the read
        await d.until(lambda: app.banner.text != "")
        r["torn"] = app.banner.text
        d.shot("torn")
        d.check_contrast("torn")
        reader.fault = None  # placed well: read
        # (a server that answered late on a loaded machine would rightly put its banner first)
        await d.until(lambda: app.card is not None and service.server_ok)
        await d.frames(3)
        r["after_good_read"] = app.banner.text
        await d.until(lambda: app.sm.current == "home" and app.history.count("home") >= 2)
        r["hint_with_card"] = app.w["hint"].text
        d.shot("card_read")
        reader.card = None
        await d.until(lambda: app.card is None)
        await d.frames(3)
        r["hint_after_removal"], r["banner_after_removal"] = app.w["hint"].text, app.banner.text
        reader.fault = "garbage"  # no card; the reader talks nonsense
        await d.until(lambda: app.banner.text != "")
        r["garbage"] = app.banner.text
        d.shot("reader_fault")
        d.check_contrast("reader_fault")
        reader.fault = None
        await d.until(lambda: app.banner.text == "", 5)
        r["garbage_over"] = app.banner.text

    await run_with_devices(app, keeper, d, body, reader)


async def scenario_pages_portrait(out: Path, url: str, token: str) -> None:
    await scenario_pages(out, url, token, "portrait")


async def scenario_pages_landscape(out: Path, url: str, token: str) -> None:
    await scenario_pages(out, url, token, "landscape")


ORIENTATION = {"pages_landscape": "landscape"}
SCENARIOS = {"estimates": scenario_estimates, "result_hold": scenario_result_hold,
             "pages_portrait": scenario_pages_portrait, "pages_landscape": scenario_pages_landscape,
             "card_states": scenario_card_states}

if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    main(SCENARIOS, ORIENTATION, hang_s=140.0)
else:
    pytestmark = pytest.mark.slow
