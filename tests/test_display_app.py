"""The hall display, rendered for real (Kivy offscreen) and fed by the real server over loopback.

Kivy's Window is one per process, so the app runs in a child process (tests/support/display_screen.py):
it prints what it shows as one JSON line per stream message and saves a screenshot each time; its
Kivy clock is moved forward by the test. The test drives the hall through the HTTP API and cuts the
display's connection with a TCP proxy.
"""

from __future__ import annotations

import json
import re
import time
from typing import Any

import pytest
from PIL import Image

from display.model import clock_text
from tests.support.display_screen import start_screen, states_report
from tests.support.hall import PASSWORD, at
from tests.support.net import Proxy


def pixel(path: str, xy: tuple[int, int]) -> tuple[int, int, int]:
    with Image.open(path) as im:
        return im.convert("RGB").getpixel(xy)


def is_call_colour(rgb: tuple[int, int, int]) -> bool:
    """The latest-call panel is red, or amber while it flashes."""
    r, g, b = rgb
    return r > 150 and b < 60


async def sign_in_manager(hall) -> str:
    r = await hall.client.post("/api/v1/session", json={"username": "manager1", "password": PASSWORD})
    assert r.status == 200
    return (await r.json())["csrf_token"]


async def test_display_follows_calls_pauses_notice_and_catches_up_after_a_cut(hall, tmp_path):
    for w in (1, 2, 3, 5):
        await hall.act(w, "open")
    await hall.act(3, "pause", {"reason": "午休"})
    for cat in ("A", "A", "A", "D"):
        await hall.post("/api/v1/tickets", json={"category": cat}, expect=201)
    csrf = await sign_in_manager(hall)
    r = await hall.client.post("/api/v1/notice", json={"text": "今天下午公安窗口15:00起暂停办理"},
                               headers={"X-CSRF-Token": csrf})
    assert r.status in (200, 201)

    proxy = Proxy(hall.client.port)
    await proxy.start()
    screen = await start_screen(tmp_path, "live", f"http://127.0.0.1:{proxy.port}", hall.tokens["display"], "1920x1080")
    try:
        first = await screen.until(lambda s: s["hall"] != "")
        s = first["state"]
        assert s["hall"] == hall.service.config.hall.name
        assert s["windows"]["3"]["value"] == "暂停服务" and s["windows"]["3"]["look"] == "paused"
        assert s["windows"]["4"]["look"] == "closed" and s["windows"]["4"]["value"] == "未开放"
        assert s["windows"]["1"]["look"] == "idle" and s["windows"]["1"]["value"] == "等候叫号"
        assert s["notice"] == "今天下午公安窗口15:00起暂停办理"
        assert s["queues"][0].startswith("A ") and "3人" in s["queues"][0]
        # Window 6, the only one for E, is closed during the morning session: no time is promised.
        assert [q for q in s["queues"] if q.startswith("E ")] == ["E 不动产与建房(自然资源)  0人  暂无窗口办理"]
        assert s["offline_shown"] is False and s["call"] == {"tag": "", "number": "请留意叫号", "window": ""}

        await hall.act(1, "call-next")
        got = await screen.until(lambda s: s["call"]["number"] == "A001")
        s = got["state"]
        assert s["call"]["window"] == "到1号窗口" and s["call"]["tag"] == "请"
        assert s["flashing"] is True and s["flash_id"] == 1
        assert s["windows"]["1"]["value"] == "A001" and s["windows"]["1"]["look"] == "serving"
        await screen.until(lambda s: "2人" in s["queues"][0])  # the people-waiting figures follow the call
        assert is_call_colour(pixel(got["shot"], (60, 200)))

        # A few blinks, then steady; the manager's new notice scrolls at once; the date is today's.
        steady = await screen.advance(3.5)  # the flash lasts FLASHES × FLASH_S = 2.1 s (display/app.py)
        assert steady["state"]["flashing"] is False and steady["state"]["flash_id"] == 1
        before = time.time()
        r = await hall.client.post("/api/v1/notice", json={"text": "请携带身份证原件"}, headers={"X-CSRF-Token": csrf})
        assert r.status in (200, 201)
        got = await screen.until(lambda s: s["notice"] == "请携带身份证原件")
        s = got["state"]
        assert s["flashing"] is False and s["call"]["number"] == "A001"
        assert s["date"] in {clock_text(before)[0], clock_text(time.time())[0]}
        assert re.fullmatch(r"\d\d:\d\d:\d\d", s["clock"])

        await hall.act(1, "recall")
        got = await screen.until(lambda s: s["call"]["tag"] == "重呼")
        assert got["state"]["call"]["number"] == "A001" and got["state"]["flash_id"] == 2

        await hall.act(5, "call-next")
        got = await screen.until(lambda s: s["call"]["number"] == "D001")
        assert got["state"]["recent"][0] == "重呼 请A001号到1号窗口"

        # The connection drops: the screen says so and keeps everything it showed.
        await proxy.cut()
        got = await screen.until(lambda s: s["offline_shown"])
        s = got["state"]
        assert s["call"]["number"] == "D001" and s["windows"]["1"]["value"] == "A001"
        assert is_call_colour(pixel(got["shot"], (60, 200)))

        # The hall moves on while the screen is away ...
        await hall.act(2, "call-next")
        await hall.act(3, "resume")
        await hall.act(1, "skip")
        seq = hall.service.hall.state.last_seq
        await proxy.restore()
        # ... and after the reconnect it shows exactly the new state (snapshot), replayed events not re-applied.
        got = await screen.until(lambda s: not s["offline_shown"] and s["seq"] == seq, timeout=60)
        s = got["state"]
        assert s["call"]["number"] == "A002" and s["call"]["window"] == "到2号窗口"
        assert s["windows"]["3"]["look"] == "idle" and s["windows"]["1"]["value"] == "等候叫号"
        assert s["windows"]["2"]["value"] == "A002"
        got = await screen.until(lambda s: s["replayed"] >= 3)
        assert got["state"]["call"]["number"] == "A002" and got["state"]["flash_id"] == 3
        with Image.open(got["shot"]) as im:
            assert im.size == (1920, 1080)
    finally:
        await screen.stop()
        await proxy.cut()


RECORDED = [
    {"kind": "snapshot", "seq": 9, "day": "2026-11-23", "notice": "",
     "hall": {"name": "示范镇便民服务中心", "name_en": "Model Town Service Centre"},
     "windows": [{"number": 1, "name": "综合受理一", "status": "open", "current": "A007"},
                 {"number": 2, "name": "综合受理二", "status": "paused", "current": None},
                 {"number": 12, "name": "绿色通道", "status": "closed", "current": None}],
     "queues": [{"code": "A", "prefix": "A", "name": "社会保障", "name_en": "Social security", "waiting": 4,
                 "estimate": {"ahead": 3, "low_min": 8, "high_min": 22}}],
     # A hall that calls by name; the name is masked again on screen whatever arrives.
     "recent_calls": [{"number": "A007", "window": 1, "at": 1795400000.0, "recall": False, "name": "李四"}]},
    {"kind": "event", "seq": 10, "type": "window_opened", "at": 1795400010.0, "data": {"window": 12},
     "windows": [{"number": 1, "name": "综合受理一", "status": "open", "current": "A007"},
                 {"number": 2, "name": "综合受理二", "status": "paused", "current": None},
                 {"number": 12, "name": "绿色通道", "status": "open", "current": None}]},
    {"kind": "event", "seq": 11, "type": "ticket_called", "at": 1795400020.0,
     "data": {"number": "A008", "category": "A", "window": 12, "name": "张*"},
     "windows": [{"number": 1, "name": "综合受理一", "status": "open", "current": "A007"},
                 {"number": 2, "name": "综合受理二", "status": "paused", "current": None},
                 {"number": 12, "name": "绿色通道", "status": "open", "current": "A008"}]},
    {"kind": "queues", "seq": 11,
     "queues": [{"code": "A", "prefix": "A", "name": "社会保障", "name_en": "Social security", "waiting": 3,
                 "estimate": {"ahead": 2, "low_min": 5, "high_min": 15}}]},
]


async def test_portrait_layout_in_english_from_recorded_messages(tmp_path):
    script = tmp_path / "messages.json"
    script.write_text(json.dumps(RECORDED, ensure_ascii=False))
    screen = await start_screen(tmp_path, "replay", str(script), "en", "1080x1920")
    try:
        got = await screen.until(lambda s: s["seq"] == 11 and s["queues"] == ["A Social security  3  5–15 min"])
        s = got["state"]
        assert s["portrait"] is True and s["size"] == [1080, 1920]
        assert s["hall"] == "Model Town Service Centre"
        assert s["call"] == {"tag": "张*", "number": "A008", "window": "to window 12"}
        assert s["windows"]["2"]["value"] == "Paused" and s["windows"]["12"]["value"] == "A008"
        assert s["queues"] == ["A Social security  3  5–15 min"]
        assert s["recent"][0] == "李* A007 to window 1"  # the masked name first, as on the big panel
        with Image.open(got["shot"]) as im:
            assert im.size == (1080, 1920)
        assert is_call_colour(pixel(got["shot"], (540, 400)))
    finally:
        await screen.stop()


# ---------------------------------------------------------------- every text whole and readable

def longest_hall() -> dict[str, Any]:
    """A hall with the presets' longest names (hall, windows, categories) and the longest figures
    a day can show: 4-digit numbers, 3-digit counts and minutes, masked names, recalls."""
    from queue_server.config import load_preset

    presets = [load_preset(name) for name in ("township", "village")]
    biggest = max(presets, key=lambda c: (len(c.windows), len(c.categories)))
    windows = [{"number": w.number, "name": max((w.name for c in presets for w in c.windows
                                                  if w.number == w_.number), key=len), "status": "open",
                "current": None} for w_ in biggest.windows for w in [w_]]
    looks = {1: ("open", "F1000"), 2: ("paused", None), 4: ("closed", None), 7: ("open", "D9999")}
    for w in windows:
        w["status"], w["current"] = looks.get(w["number"], ("open", None))
    estimate = {"ahead": 127, "wait_s": 9000.0, "low_min": 145, "high_min": 238, "open_now": True, "opens_at": None,
                "beyond_closing": False, "closes_at": at("2026-11-23 17:00")}
    queues = [{"code": c.code, "prefix": c.prefix, "name": c.name, "name_en": c.name_en, "waiting": 128,
               "estimate": estimate} for c in biggest.categories]
    recent = [{"number": f"F{999 - i}", "window": 7, "at": 1.0, "recall": i % 2 == 0, "name": "欧阳娜娜"} for i in range(6)]
    return {"kind": "snapshot", "seq": 1, "day": "2026-11-23", "notice": "今天下午公安窗口15:00起暂停办理",
            "hall": {"name": max((c.hall.name for c in presets), key=len),
                     "name_en": max((c.hall.name_en for c in presets), key=len)},
            "windows": windows, "queues": queues, "recent_calls": recent}


def states_script() -> list[dict[str, Any]]:
    """What the screen goes through: a new call (flashing), the same call steady, categories with
    no open window / opening after lunch / beyond closing / nobody waiting, offline, no call yet."""
    snap = longest_hall()
    call = {"kind": "event", "seq": 2, "type": "ticket_called", "at": 2.0, "windows": snap["windows"],
            "data": {"number": "F1000", "window": 1, "category": "F", "name": "欧阳娜娜"}}
    queues = [dict(q) for q in snap["queues"]]
    queues[3]["estimate"] = {**queues[3]["estimate"], "open_now": False, "low_min": None, "high_min": None,
                             "wait_s": None, "beyond_closing": True}
    queues[4]["estimate"] = {**queues[4]["estimate"], "open_now": False, "opens_at": at("2026-11-23 13:30")}
    queues[5]["estimate"] = {**queues[5]["estimate"], "beyond_closing": True}
    queues[6] = {**queues[6], "waiting": 0, "estimate": {**queues[6]["estimate"], "low_min": 0, "high_min": 2}}
    return [
        {"name": "flash", "messages": [snap, call], "wait": 0.05},
        {"name": "steady", "messages": [], "wait": 2.6},
        {"name": "categories", "messages": [{"kind": "queues", "seq": 2, "queues": queues}], "wait": 0.05},
        {"name": "offline", "messages": [{"kind": "disconnected"}], "wait": 0.05},
        {"name": "no call", "messages": [{**snap, "seq": 3, "recent_calls": []}], "wait": 0.05},
    ]


SIZES = ["1920x1080", "1366x768", "1080x1920"]


@pytest.mark.parametrize("lang", ["zh", "en"])
@pytest.mark.parametrize("size", SIZES)
def test_every_text_is_whole_and_readable_in_every_state(tmp_path, size, lang):
    """F1/F2: at the hall's screen sizes, with the presets' longest names, no text is cut or
    shortened (each label's whole text at its font fits its box) and every text has 4.5:1 against
    what it is drawn on (opacity applied) — including the amber flash of a new call."""
    reports, stderr = states_report(tmp_path, states_script(), lang, size)
    assert [r["name"] for r in reports] == [s["name"] for s in states_script()], stderr[-3000:]
    problems = []
    for r in reports:
        for t in r["texts"]:
            where = f"{r['name']}: {t['text']!r}"
            if t["shorten"] or (not t["scrolls"] and (t["whole"][0] > t["box"][0] or t["whole"][1] > t["box"][1] + 1)):
                problems.append(f"{where} is cut: {t['whole']} in a box of {t['box']}")
            if t["scale"] < 0.6:
                problems.append(f"{where} shrank to {t['scale']:.0%} of its size")
            if t["contrast"] < 4.5:
                problems.append(f"{where} has contrast {t['contrast']}:1")
        with Image.open(r["shot"]) as im:
            assert im.size == tuple(int(x) for x in size.split("x"))
    assert problems == []
    by_name = {r["name"]: r for r in reports}
    flash, steady = by_name["flash"], by_name["steady"]
    assert flash["state"]["flashing"] and not steady["state"]["flashing"]
    for r in reports:  # the screenshot shows the panel's colour (amber while it flashes, else red)
        assert all(abs(a - b) <= 3 for a, b in zip(pixel(r["shot"], tuple(r["panel_corner"])), r["panel_rgb"], strict=True))
    assert steady["panel_rgb"] == [round(c * 255) for c in (0.70, 0.06, 0.06)]  # the flash has ended: red
    texts = [t["text"] for t in by_name["categories"]["texts"]]
    expected = ["暂无窗口办理", "13:30起办理", "今日可能办理不完"] if lang == "zh" else \
        ["No window open", "From 13:30", "May not be served today"]
    assert all(e in texts for e in expected), texts
    assert by_name["offline"]["state"]["offline_shown"]
    assert by_name["no call"]["state"]["call"]["number"] == ("请留意叫号" if lang == "zh" else "Please watch for your number")



