"""The kiosk's real Kivy screens, offscreen, driven by touches, against the real server on loopback.

Kivy's Window is one per process, so each scenario runs this file as a script in its own process
(`python tests/test_kiosk_app.py SCENARIO OUT URL TOKEN`, see tests/support/kiosk_harness.py); the pytest
side keeps the real server running (and stops/starts it on request), then checks what the scenario
recorded — widget state, screenshots — and what the server recorded.
"""

from __future__ import annotations

import asyncio
import os
import sys
import time
from pathlib import Path

import pytest

from tests.support.kiosk_harness import (
    ROOT,
    Driver,
    FakeClock,
    fits_on_screen,
    main,
    open_windows,
    png_ok,
    start,
    walk,
)
from tests.support.kiosk_harness import run as _run
from tests.support.kiosk_harness import run_scenario as _run_scenario


async def run_scenario(name: str, live, out: Path, timeout_s: float = 150.0) -> dict:  # noqa: F811
    return await _run_scenario(__file__, name, live, out, timeout_s)



def screenshot_region_differs(real: str, tofu: str, box: list[int]) -> float:
    """Share of pixels in `box` (x, y from the top, w, h) that differ between two screenshots."""
    from PIL import Image, ImageChops

    x, y, w, h = box
    a = Image.open(real).convert("L").crop((x, y, x + w, y + h))
    b = Image.open(tofu).convert("L").crop((x, y, x + w, y + h))
    assert a.getextrema()[0] < 100  # the real title has dark glyph pixels in that box
    diff = ImageChops.difference(a, b).point(lambda v: 255 if v > 64 else 0)
    return (diff.histogram()[255]) / (w * h)


async def test_tile_matter_guide_ticket_and_result(live, tmp_path):  # noqa: F811
    open_windows(live, 1, 2, 3, 4, 5, 6, 7)
    r = await run_scenario("flow", live, tmp_path)
    assert r["tiles"][:3] == ["综合业务(个人)", "综合业务(企业)", "跨域通办"]  # the server's categories
    assert r["window_size"] == [1080, 1920]
    assert r["search_sfz"] == ["SFZ-001", "SFZ-002"] and r["search_none"] == []
    assert r["search_chars"] == ["HJ-001"]
    assert "申请材料" in r["guide_text"] and "设定依据" in r["guide_text"]
    assert r["quote"] == ["现在取号，前面还有 0 人", "预计等候 0–2 分钟"]  # before the ticket is taken
    assert r["number"] == "D001" and r["ahead"] == "前面还有 0 人" and r["estimate"].startswith("预计等候")
    assert r["printed_lines_has_number"] and r["printed_qr"] == [r["status_url"]]
    # no tofu: the CJK font draws distinct glyphs where the fallback font draws identical boxes
    assert r["tofu_identical"] is True and r["cjk_identical"] is False
    assert r["title_vs_tofu_diff"] > 0.05
    assert screenshot_region_differs(r["screenshots"][0], r["screenshots"][1], r["title_box"]) > 0.02
    # the result screen stays while touched, then clears itself
    assert r["after_hold"] == "result" and r["after_release"] == "home"
    assert r["help_message"].startswith("已通知工作人员")
    assert [a.kind for a in live.service.hall.state.desk.alerts] == ["help"]
    assert live.service.hall.state.tickets["20261123-D001"].print_failure is None
    assert r["contrast"] == {k: [] for k in r["contrast"]} and len(r["contrast"]) == 6
    for shot in r["screenshots"]:
        assert png_ok(shot), shot


async def test_elderly_mode_landscape_english_and_voice(live, tmp_path):  # noqa: F811
    r = await run_scenario("elderly", live, tmp_path)
    assert r["window_size"] == [1920, 1080]
    assert r["elderly_button_text"] == "标准模式"
    assert r["min_font_px"] >= 30 and r["min_button_dp"] >= 60
    assert r["normal_min_button_dp"] < r["min_button_dp"]
    assert r["spoken"][0].startswith("您好") and any("号码" in s for s in r["spoken"])
    # The number is said as the announcer says it (诶零零幺), never with raw Latin letters.
    from display.speech import number_segments, spoken_text

    said = next(s for s in r["spoken"] if "号码" in s)
    assert f"您的号码是{spoken_text(number_segments(r['number']))}，" in said and not any(c.isascii() and c.isalpha() for c in said)
    assert r["wav_count"] >= 2 and r["wav_nonsilent"]
    assert r["stayed_on_matters_elderly"] == "matters" and r["standard_idle"] == "home"
    assert r["english_title"] == "Choose a service" and "Household registration" in " ".join(r["english_tiles"])
    assert r["number"].startswith("A") and r["priority"] is None
    assert r["result_fits"]  # the elderly result screen in landscape shows everything at once
    assert r["contrast"] == {k: [] for k in r["contrast"]} and len(r["contrast"]) == 4
    for shot in r["screenshots"]:
        assert png_ok(shot), shot


async def test_printer_out_and_server_away(live, tmp_path):  # noqa: F811
    r = await run_scenario("trouble", live, tmp_path)
    assert "缺纸" in r["banner_paper"]
    assert r["on_screen_kind"] == "on_screen" and r["qr_shown"] and "拍下" in r["on_screen_message"]
    tickets = live.service.hall.state.tickets
    assert "out" in tickets[r["on_screen_id"]].print_failure
    assert "暂时连不上" in r["banner_away"] and r["tiles_disabled_away"]
    assert r["screen_after_tap_away"] == "home"
    assert r["banner_back"] == "" and not r["tiles_disabled_back"]
    assert r["number_after"] == "A002" and r["printed_after"]
    assert r["maintenance"]["wrong_pin"] == "密码错误" and r["maintenance"]["reprinted"]
    assert r["maintenance"]["exited"]
    # the disabled tiles, the banners, the ticket on screen, the PIN pad and the maintenance screen
    assert r["checklist_disabled"]
    assert r["contrast"] == {k: [] for k in r["contrast"]} and len(r["contrast"]) == 5
    for shot in r["screenshots"]:
        assert png_ok(shot), shot


async def test_id_card_and_appointment_scanner(live, tmp_path):  # noqa: F811
    now = live.service.clock()
    live.service.run(lambda h, t: h.desk.book("246810", now + 600, now + 2400, t, "A", None, None, "test"))
    open_windows(live, 1, 2, 3, 4, 5, 6, 7)  # a ticket that can be served today is issued at once
    r = await run_scenario("devices", live, tmp_path)
    assert "张*" in r["banner_card"] and "张三丰" not in r["banner_card"]
    assert "110" in r["banner_card"] and "11010519491231002X" not in r["banner_card"]
    assert r["card_priority"] == "绿色通道" and r["slip_priority"] and r["card_forgotten"]
    tickets = {t.number: t for t in live.service.hall.state.tickets.values()}
    assert tickets[r["card_ticket"]].priority == "elderly" and tickets[r["card_ticket"]].person_key
    assert r["direct_ticket"].startswith("D") and tickets[r["direct_ticket"]].priority == "elderly"
    assert r["bad_card_message"] == "身份证号码校验不通过，请到咨询台"
    assert tickets[r["appointment_ticket"]].appointment is not None
    assert "预约" in r["unknown_appointment"]
    # The identity is only in the serving clerk's intake draft (deleted with the day), nowhere else.
    dump = [line for line in live.service.store.conn.iterdump() if 'INTO "intake_drafts"' not in line]
    assert not [line for line in dump if "11010519491231002X" in line or "张三丰" in line]
    drafts = live.service.store.conn.execute("SELECT ticket FROM intake_drafts").fetchall()
    assert drafts and all(ticket.split("-")[1] in tickets for (ticket,) in drafts)
    for shot in r["screenshots"]:
        assert png_ok(shot), shot


async def test_yimen_kiosk_command_connects_and_stops_on_sigterm(live, tmp_path):  # noqa: F811
    """The real entry point: flags → devices → app; it reaches the server, and SIGTERM (systemd's
    stop) ends it cleanly."""
    env = dict(os.environ, KIVY_HOME=str(tmp_path / "kivy"), PYTHONPATH=str(ROOT))
    env.pop("DISPLAY", None)
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "yimen.cli", "kiosk", "--server", live.url, "--token", live.token,
        "--printer", "fake", "--windowed", "--orientation", "landscape", cwd=str(ROOT), env=env,
        stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.PIPE)
    seen = b""
    try:
        while b"server reachable" not in seen:
            line = await asyncio.wait_for(proc.stderr.readline(), 40)
            assert line, seen.decode(errors="replace")[-3000:]
            seen += line
        deadline = time.monotonic() + 20
        while not live.service.hall.state.desk.devices:  # the printer checked and reported
            assert time.monotonic() < deadline and proc.returncode is None, "the kiosk never reported"
            await asyncio.sleep(0.05)
        assert proc.returncode is None
        proc.terminate()
        rest = await asyncio.wait_for(proc.stderr.read(), 20)
        assert await proc.wait() == 0, rest.decode(errors="replace")[-3000:]
    finally:
        if proc.returncode is None:
            proc.kill()
            await proc.wait()
    assert live.service.hall.state.desk.devices  # the kiosk reported its printer


# =========================================================================== the scenario process


def _texture_pixels(text: str, font: str | None) -> bytes:
    from kivy.core.text import Label as CoreLabel

    kw = {"font_size": 48}
    if font:
        kw["font_name"] = font
    lab = CoreLabel(text=text, **kw)
    lab.refresh()
    return bytes(lab.texture.pixels)


def _diff(a: bytes, b: bytes) -> float:
    if len(a) != len(b):
        return 1.0
    return sum(1 for x, y in zip(a[3::4], b[3::4], strict=True) if abs(x - y) > 32) / max(1, len(a) // 4)


async def scenario_flow(out: Path, url: str, token: str) -> None:
    import kivy

    clock = FakeClock()  # the kiosk's timeouts run on this clock: no waiting for them
    app, service, keeper = await start(out, url, token, now=clock, result_seconds=1.5)
    d = Driver(app, out)
    r = d.result

    async def body() -> None:
        from kivy.core.window import Window

        await d.screen("home")
        await d.frames(5)
        r["window_size"] = list(Window.size)
        r["tiles"] = [app.w[f"tile_{c['code']}"].text for c in service.categories()]
        d.shot("home_portrait")
        d.check_contrast("home")
        # tofu check: Roboto (no CJK) draws every Han character as the same box
        roboto = str(Path(kivy.__file__).parent / "data" / "fonts" / "Roboto-Regular.ttf")
        r["tofu_identical"] = _texture_pixels("一门", roboto) == _texture_pixels("便民", roboto)
        r["cjk_identical"] = _texture_pixels("一门", None) == _texture_pixels("便民", None)
        title = app.w["title"].text
        r["title_vs_tofu_diff"] = _diff(_texture_pixels(title, None), _texture_pixels(title, roboto))
        # the same screen with the title in a font without CJK glyphs: the tofu rendering
        lab = app.w["title"]
        x0, y0 = lab.to_window(lab.x, lab.y)
        r["title_box"] = [int(x0), int(Window.height - y0 - lab.height), int(lab.width), int(lab.height)]
        lab.font_name = roboto
        await d.frames(4)
        d.shot("home_tofu")
        lab.font_name = "Roboto"  # the registered CJK default
        await d.frames(4)
        await d.tap("tile_D")
        await d.screen("matters")
        for ch in "SFZ":
            await d.tap(f"key_{ch}")
        r["search_sfz"] = [m["code"] for m in app.found]
        d.shot("matters_search")
        d.check_contrast("matters")
        await d.tap("key_Q")
        r["search_none"] = [m["code"] for m in app.found]
        app.w["search"].text = "出生"  # characters typed on a keyboard / IME
        await d.frames(3)
        r["search_chars"] = [m["code"] for m in app.found]
        app.w["search"].text = ""
        await d.frames(3)
        await d.tap("matter_SFZ-002")
        await d.screen("guide")
        grid = app.w["guide"].children[0]
        r["guide_text"] = " ".join(getattr(c, "text", "") for c in reversed(grid.children))
        d.shot("guide")
        d.check_contrast("guide")
        await d.tap("take_ticket")
        await d.screen("confirm")
        await d.until(lambda: "quote_wait" in app.w and "分钟" in app.w["quote_wait"].text)
        r["quote"] = [app.w[n].text for n in ("quote_ahead", "quote_wait")]
        d.shot("confirm")
        d.check_contrast("confirm")
        await d.tap("confirm")
        await d.screen("result")
        r["number"] = app.w["number"].text
        r["ahead"] = app.w["ahead"].text
        r["estimate"] = app.w["estimate"].text
        r["status_url"] = app.outcome.issued["status_url"]
        printed = service.printer.fake.printed()
        r["printed_lines_has_number"] = "D001" in printed.lines
        r["printed_qr"] = printed.qr
        d.shot("result")
        d.check_contrast("result")
        # hold a finger on the screen well past the timeout: it must stay
        from kivy.tests.common import UnitTestTouch

        touch = UnitTestTouch(500, 500)
        touch.touch_down()
        await d.frames(2)
        clock.advance(2.5)
        await d.ticks()
        r["after_hold"] = app.sm.current
        touch.touch_up()
        await d.frames(2)
        clock.advance(1.5)
        await d.until(lambda: app.sm.current == "home", 6)
        r["after_release"] = app.sm.current
        await d.tap("help")
        await d.screen("message")
        r["help_message"] = app.w["message"].text
        d.shot("help")
        d.check_contrast("message")

    try:
        await _run(app, keeper, body)
    finally:
        d.finish()


async def scenario_elderly(out: Path, url: str, token: str) -> None:
    clock = FakeClock()  # the kiosk's timeouts run on this clock: no waiting for them
    app, service, keeper = await start(out, url, token, now=clock, orientation="landscape", audio="sink",
                                        idle_home_seconds=3.0)
    d = Driver(app, out)
    r = d.result

    def sizes() -> tuple[float, float]:
        from kivy.metrics import dp
        from kivy.uix.button import Button
        from kivy.uix.label import Label

        widgets = [w for w in walk(app.root_box) if isinstance(w, Label) and w.text and w.get_root_window()]
        fonts = [w.font_size for w in widgets if w.text]
        buttons = [w.height / dp(1) for w in widgets if isinstance(w, Button)]
        return min(fonts), min(buttons)

    async def body() -> None:
        from kivy.core.window import Window

        await d.screen("home")
        r["window_size"] = list(Window.size)
        # standard mode: an idle matters screen goes home by itself
        await d.tap("tile_A")
        await d.screen("matters")
        r["normal_min_button_dp"] = sizes()[1]
        clock.advance(4.5)
        await d.until(lambda: app.sm.current == "home", 5)
        r["standard_idle"] = app.sm.current
        await d.tap("elderly")
        r["elderly_button_text"] = app.w["elderly"].text
        r["min_font_px"], r["min_button_dp"] = sizes()
        d.shot("home_elderly_landscape")
        d.check_contrast("home_elderly")
        await d.tap("tile_A")
        await d.screen("matters")
        clock.advance(4.5)  # an elderly person takes their time: no timeout
        await d.ticks()
        r["stayed_on_matters_elderly"] = app.sm.current
        f, b = sizes()
        r["min_font_px"], r["min_button_dp"] = min(r["min_font_px"], f), min(r["min_button_dp"], b)
        d.shot("matters_elderly")
        d.check_contrast("matters_elderly")
        await d.choose("matter_MZ-004", "matter_list")
        await d.screen("guide")
        f, b = sizes()
        r["min_font_px"], r["min_button_dp"] = min(r["min_font_px"], f), min(r["min_button_dp"], b)
        await d.tap("take_ticket")
        await d.screen("confirm")
        await d.tap("confirm")
        await d.screen("result")
        r["number"] = app.w["number"].text
        r["priority"] = app.w["priority"].text if "priority" in app.w and app.w["priority"].get_root_window() else None
        r["result_fits"] = fits_on_screen(app)
        d.shot("result_elderly")
        d.check_contrast("result_elderly")
        await d.until(lambda: len(app.speaker.audio.played) >= 2, 20)
        r["spoken"] = list(app.speaker.spoken)
        import wave
        from array import array

        played = app.speaker.audio.played
        r["wav_count"] = len(played)
        loud = []
        for p in played:
            with wave.open(str(p)) as w:
                a = array("h")
                a.frombytes(w.readframes(w.getnframes()))
                loud.append(max(abs(x) for x in a) > 1000)
        r["wav_nonsilent"] = all(loud)
        await d.tap("done")
        await d.screen("home")
        await d.tap("lang")
        r["english_title"] = app.w["title"].text
        r["english_tiles"] = [app.w[f"tile_{c['code']}"].text for c in service.categories()]
        d.shot("home_elderly_english")
        d.check_contrast("home_elderly_english")

    try:
        await _run(app, keeper, body)
    finally:
        d.finish()


async def scenario_trouble(out: Path, url: str, token: str) -> None:
    app, service, keeper = await start(out, url, token)
    d = Driver(app, out)
    r = d.result

    async def body() -> None:
        await d.screen("home")
        service.printer.fake.state = "out"
        await d.until(lambda: service.printer_state == "out")
        r["banner_paper"] = app.banner.text
        await d.tap("tile_A")
        await d.screen("matters")
        await d.tap("matter_JY-002")
        await d.screen("guide")
        r["checklist_disabled"] = app.w["print_checklist"].disabled
        d.shot("guide_no_printer")
        d.check_contrast("guide_no_printer")  # the disabled checklist button under the banner
        await d.tap("take_ticket")
        await d.tap("confirm")
        await d.screen("result")
        r["on_screen_kind"] = app.outcome.kind
        r["on_screen_id"] = app.outcome.issued["id"]
        r["qr_shown"] = "qr" in app.w and app.w["qr"].get_root_window() is not None
        r["on_screen_message"] = app.w["result_message"].text
        d.shot("ticket_on_screen")
        d.check_contrast("ticket_on_screen")
        await d.tap("done")
        await d.screen("home")
        service.printer.fake.state = "ok"
        await d.request("stop-1")
        await d.until(lambda: not service.server_ok and service.attempts >= 2)
        await d.frames(3)
        r["banner_away"] = app.banner.text
        r["tiles_disabled_away"] = app.w["tile_A"].disabled
        d.shot("server_away")
        d.check_contrast("server_away")
        await d.tap("tile_A")
        r["screen_after_tap_away"] = app.sm.current
        await d.request("start-1")
        await d.until(lambda: service.server_ok and service.printer_state == "ok")
        await d.frames(5)
        r["banner_back"] = app.banner.text
        r["tiles_disabled_back"] = app.w["tile_A"].disabled
        await d.tap("tile_A")
        await d.screen("matters")
        await d.tap("matter_JY-002")
        await d.screen("guide")
        await d.tap("take_ticket")
        await d.tap("confirm")
        await d.screen("result")
        r["number_after"] = app.w["number"].text
        r["printed_after"] = "A002" in service.printer.fake.printed().lines
        # maintenance: five taps on the hall name, a wrong PIN, the right one, reprint, exit
        m = r["maintenance"] = {}
        await d.tap("done")
        await d.screen("home")
        for _ in range(5):
            await d.tap("hall_name")
        await d.screen("pin")
        for k in "1111✓":
            await d.tap(f"pin_{k}")
        m["wrong_pin"] = app.w["pin_dots"].text
        d.check_contrast("pin")
        for k in "2468✓":
            await d.tap(f"pin_{k}")
        await d.screen("admin")
        d.shot("maintenance")
        d.check_contrast("maintenance")
        before = service.printer.fake.printed().lines.count("A002")
        await d.tap("reprint")
        await d.until(lambda: service.printer.fake.printed().lines.count("A002") == before + 1)
        m["reprinted"] = True
        stopped = asyncio.get_event_loop().create_future()
        app.bind(on_stop=lambda *a: stopped.done() or stopped.set_result(True))
        await d.tap("exit")
        await asyncio.wait_for(stopped, 5)
        m["exited"] = True

    try:
        await _run(app, keeper, body)
    finally:
        d.finish()


async def scenario_devices(out: Path, url: str, token: str) -> None:
    from datetime import date

    from hw.idcard import FakeCardReader, IdCard
    from hw.scanner import FakeDevice, events_for
    from kiosk.run import start_devices

    reader = FakeCardReader()
    scans: list[list] = []
    clock = FakeClock()  # the result screen's timeout waits for the test, however slow the machine
    app, service, keeper = await start(out, url, token, now=clock, idcard=reader.port, scanner="/dev/input/fake",
                                        card_forget_seconds=30)

    def open_scanner(path):
        while not scans:  # the watcher asks again until the test "scans" something
            time.sleep(0.05)
        return FakeDevice(scans.pop(0))

    d = Driver(app, out)
    r = d.result
    old = IdCard(name="张三丰", sex="男", ethnicity="汉", birth_date=date(1949, 12, 31), address="示范镇一号",
                 id_number="11010519491231002X", authority="示范县公安局", valid_from="20150101", valid_to="长期")

    async def body() -> None:
        devices = start_devices(app, app.cfg, open_scanner=open_scanner)
        try:
            await d.screen("home")
            reader.card = old
            await d.until(lambda: app.card is not None)
            await d.until(lambda: "check_in" in str(app.history) or app.sm.current == "home")
            await d.frames(10)
            r["banner_card"] = app.banner.text
            d.shot("card_read")
            await d.tap("tile_A")
            await d.screen("matters")
            await d.tap("matter_MZ-004")
            await d.screen("guide")
            await d.tap("take_ticket")
            await d.tap("confirm")
            await d.screen("result")
            r["card_ticket"] = app.outcome.issued["number"]
            r["card_priority"] = app.w["priority"].text
            r["card_forgotten"] = app.card is None
            r["slip_priority"] = "【绿色通道】" in service.printer.fake.printed().lines
            d.shot("card_result")
            await d.tap("done")
            await d.screen("home")
            # the card is still on the reader; lift it, choose another matter, put it back:
            reader.card = None
            await d.until(lambda: app.reader == "no_card")  # the lift seen (the ticket forgot the card already)
            await d.tap("tile_D")
            await d.screen("matters")
            await d.tap("matter_HJ-001")
            await d.screen("guide")
            reader.card = old
            await d.screen("result")  # no further touch needed
            r["direct_ticket"] = app.outcome.issued["number"]
            await d.tap("done")
            await d.screen("home")
            reader.card = None
            await d.until(lambda: app.reader == "no_card")  # the lift seen (the ticket forgot the card already)
            reader.fault = "bad_id"
            reader.card = old
            await d.screen("message")
            r["bad_card_message"] = app.w["message"].text
            reader.card, reader.fault = None, None
            await d.tap("message_ok")
            await d.screen("home")
            scans.append(events_for("246810"))
            await d.screen("result")
            r["appointment_ticket"] = app.outcome.issued["number"]
            d.shot("appointment_result")
            await d.tap("done")
            await d.screen("home")
            scans.append(events_for("000000"))
            await d.screen("message")
            r["unknown_appointment"] = app.w["message"].text
        finally:
            for dev in devices:
                dev.stop()
            reader.close()

    try:
        await _run(app, keeper, body)
    finally:
        d.finish()


ORIENTATION = {"elderly": "landscape"}
SCENARIOS = {"flow": scenario_flow, "elderly": scenario_elderly, "trouble": scenario_trouble,
             "devices": scenario_devices}

if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    main(SCENARIOS, ORIENTATION, hang_s=140.0)
else:
    pytestmark = pytest.mark.slow
