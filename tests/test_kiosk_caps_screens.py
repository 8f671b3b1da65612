"""当日号源上限 on the kiosk's real Kivy screens, offscreen, against the real server
(tests/support/kiosk_harness.py; each scenario in its own process): the capped tile says
今日号已发完, its tap offers the next free slot (明天 08:30 还有空位，要预约吗？) with a way back, in
elderly mode and English; booking prints the appointment slip; the last number going while the
person chooses ends on the offer, not an error; an elderly person's ID card still takes a ticket
(绿色通道) and a young one's keeps the booking under the card; landscape with the printer out shows
the code and its QR. Screenshots of each step, every text at 4.5:1.
"""

from __future__ import annotations

import sys
from datetime import date
from pathlib import Path

import pytest

from queue_server.caps import walk_ins
from queue_server.service import HallService
from tests.support.caps import capped
from tests.support.kiosk_harness import (
    ROOT,
    Driver,
    choice_problems,
    issue,
    main,
    open_windows,
    png_ok,
    run,
    run_with_devices,
    start,
)
from tests.support.kiosk_harness import run_scenario as _run_scenario

YOUNG = "110105198005010021"  # 李四, born 1980
OLD = "11010519491231002X"  # 张三丰, born 1949


@pytest.fixture
def service(store, clock):
    """The township hall with E (land) capped at 3 walk-ins a day, one appointment a slot."""
    tokens = iter(f"token-{i:04d}-abcdefghijklmnop" for i in range(100000))
    return HallService(capped({"E": 3}, {"E": 1}), store, clock, new_token=lambda: next(tokens))


async def run_scenario(name: str, live, out: Path) -> dict:
    r = await _run_scenario(__file__, name, live, out, timeout_s=150.0)
    for shot in r["screenshots"]:
        assert png_ok(shot), shot
    assert r["contrast"] == {k: [] for k in r["contrast"]}  # every text at 4.5:1
    assert r.get("problems", {}) == {k: [] for k in r.get("problems", {})}  # every choice wholly visible
    return r


def bookings(live) -> list[tuple[float, str | None]]:
    return live.service.store.bookings_of("2026-11-24", "2026-12-31", "E")


async def test_the_capped_tile_offers_tomorrow_and_prints_the_slip(live, tmp_path):
    open_windows(live, 6)
    issue(live, "E", 2)
    r = await run_scenario("offer", live, tmp_path)
    assert r["tile_before"] == "不动产与建房(自然资源)"  # then the counter takes the last number:
    assert r["tile"] == "不动产与建房(自然资源)\n今日号已发完"  # the tile follows on its own
    assert r["tile_other"] == "户籍与身份证(公安)"
    assert r["offer"] == "明天 08:30 还有空位，要预约吗？" and r["title"] == "今日号已发完"
    assert r["green"] == "60岁以上老人请刷身份证，仍可取号（绿色通道）；残疾人、孕妇、军人请到咨询台"
    assert r["offer_en"] == "There is a free slot tomorrow 08:30. Book it?" and r["title_en"] == "No more numbers today"
    assert r["tile_en"] == "Land, real estate and rural housing\nNo more numbers today"
    assert r["back"] == "home"
    assert r["booked_title"] == "预约成功" and len(r["code"]) == 6
    assert r["lines"] == ["预约时间：2026年11月24日（周二） 08:30-09:00", "请于 08:30-09:15 到取号机扫描预约码签到"]
    assert r["message"] == "请取走预约凭证"
    assert r["printed_qr"] == [r["code"]] and r["code"] in r["printed"] and "预约凭证" in r["printed"]
    assert bookings(live) == [(r["slot"], None)]
    assert r["second_offer"] == "明天 09:00 还有空位，要预约吗？"  # the slot took one: the next is offered
    assert walk_ins(live.service.hall.state, "E") == 3  # nothing issued by the offer
    assert r["home_rebuilt"] >= 2


async def test_the_last_number_goes_while_choosing_and_the_card_decides(live, tmp_path):
    open_windows(live, 6)
    issue(live, "E", 2)
    r = await run_scenario("race", live, tmp_path)
    assert r["tile_before"] == "不动产与建房(自然资源)"  # one number left when the person started
    assert r["after_confirm"] == "offer"  # the counter took the last one: the offer, not an error
    assert r["card_line"] == "预约将登记在您的身份证上，到时刷身份证即可签到"
    assert r["green_screen"] == "matters"  # 张三丰 (76): the green channel
    assert r["green_number"] == "E004" and r["green_priority"]
    assert walk_ins(live.service.hall.state, "E") == 4


async def test_landscape_elderly_with_the_printer_out_shows_the_code(live, tmp_path):
    issue(live, "E", 3)
    r = await run_scenario("landscape", live, tmp_path)
    assert r["offer"] == "明天 08:30 还有空位，要预约吗？"
    assert r["kind"] == "on_screen" and r["qr_shown"] and r["message"] == "打印机无法打印，请记下或拍下预约码"
    assert r["card_line"] == "请于 08:30-09:15 到取号机扫描预约码或刷身份证签到"
    ((start, key),) = bookings(live)
    assert key is not None and len(key) == 64  # the person key, never the ID number
    assert r["spoken"] and r["spoken"][-1].startswith("预约成功，预约码是")


# =========================================================================== the scenario processes


def card(id_number: str, birth: date):
    from hw.idcard import IdCard

    return IdCard(name="李四" if id_number == YOUNG else "张三丰", sex="男", ethnicity="汉", birth_date=birth,
                  address="示范镇二号", id_number=id_number, authority="示范县公安局", valid_from="20200101",
                  valid_to="20400101")


async def _offer_loaded(d: Driver) -> None:
    await d.screen("offer")
    await d.until(lambda: d.app.offer is not None and d.shown("offer_back"))


async def scenario_offer(out: Path, url: str, token: str) -> None:
    app, service, keeper = await start(out, url, token)
    d = Driver(app, out)
    r = d.result
    r["problems"] = {}

    async def body() -> None:
        await d.screen("home")
        r["tile_before"] = app.w["tile_E"].text
        await d.request("issue-E")
        await d.until(lambda: "今日号已发完" in app.w["tile_E"].text)
        r["tile"], r["tile_other"] = app.w["tile_E"].text, app.w["tile_D"].text
        r["home_rebuilt"] = app.history.count("home")
        d.shot("home_capped")
        d.check_contrast("home_capped")
        await d.tap("lang")
        r["tile_en"] = app.w["tile_E"].text
        await d.tap("lang")
        await d.tap("tile_E")
        await _offer_loaded(d)
        r["offer"], r["title"], r["green"] = (app.w[n].text for n in ("offer_text", "offer_title", "offer_green"))
        d.shot("offer")
        d.check_contrast("offer")
        r["problems"]["offer"] = choice_problems(app, ["offer_book", "offer_back"])
        await d.tap("elderly")
        d.shot("offer_elderly")
        d.check_contrast("offer_elderly")
        r["problems"]["offer_elderly"] = choice_problems(app, ["offer_book", "offer_back"])
        await d.tap("lang")
        r["offer_en"], r["title_en"] = app.w["offer_text"].text, app.w["offer_title"].text
        d.shot("offer_elderly_en")
        r["problems"]["offer_elderly_en"] = choice_problems(app, ["offer_book", "offer_back"])
        await d.tap("lang")
        await d.tap("elderly")
        await d.tap("offer_back")
        await d.screen("home")
        r["back"] = app.sm.current
        await d.tap("tile_E")
        await _offer_loaded(d)
        r["slot"] = app.offer.slot["slot_start"]
        before = len(service.printer.fake.output)
        await d.tap("offer_book")
        await d.screen("booked")
        r["booked_title"], r["code"] = app.w["booked_title"].text, app.w["booked_code"].text
        r["lines"] = [app.w[f"booked_line_{i}"].text for i in range(2)]
        r["message"] = app.w["booked_message"].text
        d.shot("booked")
        d.check_contrast("booked")
        from hw.escpos_bytes import decode

        slip = decode(service.printer.fake.output[before:])
        r["printed"], r["printed_qr"] = "\n".join(slip.lines), slip.qr
        await d.tap("booked_done")
        await d.screen("home")
        await d.tap("tile_E")
        await _offer_loaded(d)
        r["second_offer"] = app.w["offer_text"].text

    try:
        await run(app, keeper, body)
    finally:
        d.finish()


async def scenario_race(out: Path, url: str, token: str) -> None:
    from hw.idcard import FakeCardReader

    reader = FakeCardReader()
    app, service, keeper = await start(out, url, token, idcard=reader.port)
    d = Driver(app, out)
    r = d.result

    async def body() -> None:
        await d.screen("home")
        r["tile_before"] = app.w["tile_E"].text
        await d.tap("tile_E")
        await d.screen("matters")
        await d.tap("matter_BDC-001")
        await d.screen("guide")
        await d.tap("take_ticket")
        await d.screen("confirm")
        await d.request("issue-E")  # the counter takes the last number meanwhile
        await d.tap("confirm")
        await _offer_loaded(d)
        r["after_confirm"] = app.sm.current
        d.shot("race_offer")
        reader.card = card(YOUNG, date(1980, 5, 1))
        await d.until(lambda: d.shown("offer_card"))
        r["card_line"] = app.w["offer_card"].text
        d.shot("offer_with_card")
        d.check_contrast("offer_with_card")
        reader.card = None
        await d.until(lambda: app.card is None)
        reader.card = card(OLD, date(1949, 12, 31))
        await d.screen("matters")
        r["green_screen"] = app.sm.current
        await d.tap("matter_BDC-001")
        await d.screen("guide")
        await d.tap("take_ticket")
        await d.screen("confirm")
        await d.tap("confirm")
        await d.screen("result")
        r["green_number"] = app.w["number"].text
        r["green_priority"] = d.shown("priority")
        d.shot("green_result")

    await run_with_devices(app, keeper, d, body, reader)


async def scenario_landscape(out: Path, url: str, token: str) -> None:
    from hw.idcard import FakeCardReader

    reader = FakeCardReader()
    app, service, keeper = await start(out, url, token, idcard=reader.port, voice_pack="", audio="sink",
                                       orientation="landscape")
    d = Driver(app, out)
    r = d.result
    r["problems"] = {}

    async def body() -> None:
        await d.screen("home")
        await d.tap("elderly")
        await d.until(lambda: "今日号已发完" in app.w["tile_E"].text)
        d.shot("home_capped_landscape_elderly")
        await d.choose("tile_E", "tiles")
        await _offer_loaded(d)
        r["offer"] = app.w["offer_text"].text
        reader.card = card(YOUNG, date(1980, 5, 1))
        await d.until(lambda: d.shown("offer_card"))
        d.shot("offer_landscape_elderly")
        d.check_contrast("offer_landscape_elderly")
        r["problems"]["offer"] = choice_problems(app, ["offer_book", "offer_back"])
        service.printer.fake.state = "out"
        await service.check_printer()
        await d.tap("offer_book")
        await d.screen("booked")
        r["kind"], r["qr_shown"] = app.booked.kind, d.shown("booked_qr")
        r["message"], r["card_line"] = app.w["booked_message"].text, app.w["booked_line_1"].text
        await d.frames(10)
        d.shot("booked_on_screen_landscape_elderly")
        d.check_contrast("booked_on_screen")
        await d.until(lambda: app.speaker is not None and any(s.startswith("预约成功") for s in app.speaker.spoken))
        r["spoken"] = list(app.speaker.spoken)

    await run_with_devices(app, keeper, d, body, reader)


SCENARIOS = {"offer": scenario_offer, "race": scenario_race, "landscape": scenario_landscape}

if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    main(SCENARIOS, {"landscape": "landscape"}, hang_s=140.0)
else:
    pytestmark = pytest.mark.slow
