"""The review pad, rendered for real (Kivy offscreen), touched for real, against the real server on loopback.

Kivy's Window is one per process, so the pad runs in a child process (this file, run as a script).
The child prints what the pad shows as JSON lines; the parent sends it commands on stdin — tap a
widget (a MotionEvent at the widget's centre, through Kivy's input queue and hit-testing), tap a
point, take a screenshot — and drives the hall through the HTTP API. A TCP proxy between pad and
server can be cut (server away) or can hold back the event stream.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import sys
import threading
from pathlib import Path
from typing import Any

from PIL import Image

from hw.evaluator import FakeEvaluator, Lights, Result
from queue_server.auth import Accounts
from tests.support.hall import PASSWORD

HERE = Path(__file__).resolve()
LEVEL_BG_RGB = (33, 97, 178)  # review.LEVEL_BG as 8-bit


# ---------------------------------------------------------------- the parent side


class Proxy:
    """Loopback relay between the pad and the server: `cut()` drops everything and refuses new
    connections; `hold_stream()` stops passing server→pad bytes on websocket connections."""

    def __init__(self, target_port: int):
        self.target_port = target_port
        self.port = 0
        self.server: asyncio.AbstractServer | None = None
        self.writers: set[asyncio.StreamWriter] = set()
        self.stream_open = asyncio.Event()
        self.stream_open.set()

    async def start(self) -> None:
        self.server = await asyncio.start_server(self._client, "127.0.0.1", self.port)
        self.port = self.server.sockets[0].getsockname()[1]

    async def _client(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            up_reader, up_writer = await asyncio.open_connection("127.0.0.1", self.target_port)
        except OSError:
            writer.close()
            return
        self.writers |= {writer, up_writer}
        first = await reader.read(65536)
        is_ws = b"upgrade: websocket" in first.lower()
        up_writer.write(first)

        async def pump(src: asyncio.StreamReader, dst: asyncio.StreamWriter, gate: bool) -> None:
            with contextlib.suppress(ConnectionError, OSError):
                while data := await src.read(65536):
                    if gate:
                        await self.stream_open.wait()
                    dst.write(data)
                    await dst.drain()
            dst.close()

        await asyncio.gather(pump(reader, up_writer, False), pump(up_reader, writer, is_ws))

    async def cut(self) -> None:
        assert self.server is not None
        self.server.close()
        for w in list(self.writers):
            w.transport.abort()
        self.writers.clear()

    def hold_stream(self) -> None:
        self.stream_open.clear()

    def release_stream(self) -> None:
        self.stream_open.set()


class Pad:
    """The child process: commands in, JSON lines out."""

    def __init__(self, proc: asyncio.subprocess.Process):
        self.proc = proc
        self.state: dict[str, Any] = {}
        self.ids = 0

    async def _line(self) -> dict[str, Any]:
        while True:
            line = await self.proc.stdout.readline()
            if not line:
                err = (await self.proc.stderr.read()).decode()[-4000:]
                raise AssertionError(f"review pad exited: {err}")
            if line.startswith(b"{"):
                message = json.loads(line)
                if "state" in message:
                    self.state = message["state"]
                return message

    async def until(self, check, timeout: float = 30.0) -> dict[str, Any]:
        async def loop() -> dict[str, Any]:
            while not (self.state and check(self.state)):
                await self._line()
            return self.state
        try:
            return await asyncio.wait_for(loop(), timeout)
        except TimeoutError:
            last = json.dumps(self.state, ensure_ascii=False)
            raise AssertionError(f"pad never got there; last state: {last}") from None

    async def command(self, **cmd: Any) -> dict[str, Any]:
        self.ids += 1
        cmd["id"] = self.ids
        self.proc.stdin.write((json.dumps(cmd, ensure_ascii=False) + "\n").encode())
        await self.proc.stdin.drain()

        async def reply() -> dict[str, Any]:
            while True:
                message = await self._line()
                if message.get("id") == cmd["id"]:
                    return message
        return await asyncio.wait_for(reply(), 30)

    async def tap(self, target: str) -> dict[str, Any]:
        answer = await self.command(tap=target)
        assert answer.get("ok"), answer
        return answer

    async def shot(self, name: str) -> str:
        return (await self.command(shot=name))["path"]

    async def stop(self) -> None:
        if self.proc.returncode is None:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self.command(quit=True), 5)
            with contextlib.suppress(ProcessLookupError):
                self.proc.kill()
            await self.proc.wait()


async def start_pad(tmp_path: Path, url: str, token: str, size: str = "800x480", lang: str = "zh",
                    timeout_s: float = 6.0, evaluator: str = "") -> Pad:
    env = {**os.environ, "KIVY_HOME": str(tmp_path / "kivy"), "PYTHONPATH": str(HERE.parent.parent)}
    proc = await asyncio.create_subprocess_exec(
        sys.executable, str(HERE), str(tmp_path), url, token, size, lang, str(timeout_s), evaluator, env=env,
        stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE, limit=2**22)
    return Pad(proc)


async def open_window_as_clerk(hall, window: int, username: str, display_name: str) -> None:
    Accounts(hall.service.store).add_user(username, PASSWORD, "clerk", hall.clock(), display_name=display_name)
    r = await hall.client.post("/api/v1/session", json={"username": username, "password": PASSWORD})
    assert r.status == 200
    csrf = (await r.json())["csrf_token"]
    r = await hall.client.post(f"/api/v1/windows/{window}/open", headers={"X-CSRF-Token": csrf})
    assert r.status == 200, await r.text()


async def serve_one(hall, window: int = 1) -> str:
    """Issue a ticket and serve it to the end at `window`; its number."""
    _, ticket = await hall.post("/api/v1/tickets", json={"category": "A"}, expect=201)
    await hall.act(window, "call-next")
    await hall.act(window, "complete")
    return ticket["number"]


def slot(hall, number: str):
    return next(s for s in hall.service.hall.state.ratings.slots.values() if s.number == number)


def rgb_at(path: str, xy: tuple[float, float]) -> tuple[int, int, int]:
    with Image.open(path) as im:
        return im.convert("RGB").getpixel((int(xy[0]), int(xy[1])))


def level_corners(state: dict[str, Any]) -> list[tuple[float, float]]:
    """A point inside each level button near its top-left corner (clear of the text), image coordinates."""
    height = state["size"][1]
    return [(b["rect"][0] + 6, height - (b["rect"][1] + b["rect"][3]) + 6) for b in state["levels"]]


# ---------------------------------------------------------------- the tests


async def test_pad_rates_a_service_with_touches_and_stays_calm_through_409_timeout_and_outage(hall, tmp_path):
    import io

    await open_window_as_clerk(hall, 1, "wangli", "王丽")
    portrait = io.BytesIO()
    Image.new("RGB", (60, 80), (200, 30, 30)).save(portrait, "PNG")
    Accounts(hall.service.store).set_staff_card("wangli", "综合受理员", "社保、医保业务受理", portrait.getvalue())
    proxy = Proxy(hall.client.port)
    await proxy.start()
    pad = await start_pad(tmp_path, f"http://127.0.0.1:{proxy.port}", hall.tokens["review"])
    try:
        # Idle: the staff card, Chinese by default, nothing about any citizen.
        s = await pad.until(lambda s: s["screen"] == "card" and s["online"] and "工作人员：王丽" in s["texts"])
        assert "监督电话：12345" in s["texts"] and "服务承诺" in s["texts"]
        assert "1号窗口  综合受理一" in s["texts"]
        assert s["levels"] == [] and s["posts"] == 0
        assert s["photo"] and "社保、医保业务受理" in s["texts"] and any("综合受理员" in t for t in s["texts"])
        card_png = await pad.shot("card-800")
        assert Image.open(card_png).size == (800, 480)
        shot = Image.open(card_png).convert("RGB")
        assert any(shot.getpixel((x, y)) == (200, 30, 30) for x in range(0, 260, 4) for y in range(60, 420, 4))

        # A finished service opens the five levels, none chosen, none singled out.
        a1 = await serve_one(hall)
        s = await pad.until(lambda s: s["screen"] == "levels")
        assert s["number"] == a1 and s["level"] is None and s["lights"] == "open"
        names = [b["text"].replace("\n", "") for b in s["levels"]]
        assert names == ["非常满意", "满意", "基本满意", "不满意", "非常不满意"]
        assert {tuple(b["bg"]) for b in s["levels"]} == {tuple(s["levels"][0]["bg"])}
        assert all(b["state"] == "normal" for b in s["levels"])
        assert all(b["rect"][2] >= 120 and b["rect"][3] >= 200 for b in s["levels"])  # big, for a finger
        png = await pad.shot("levels-800")
        assert {rgb_at(png, xy) for xy in level_corners(s)} == {LEVEL_BG_RGB}
        where_4 = next(b["rect"] for b in s["levels"] if b["level"] == 4)

        await pad.tap("level-4")
        s = await pad.until(lambda s: s["screen"] == "thanks")
        assert "感谢您的评价！" in s["texts"]
        rated = slot(hall, a1)
        assert (rated.level, rated.channel, rated.window, rated.clerk, rated.reasons) == (4, "pad", 1, "wangli", ())
        # A second tap where 满意 was: nothing happens, nothing more is sent.
        answer = await pad.command(tap_xy=[where_4[0] + where_4[2] / 2, where_4[1] + where_4[3] / 2])
        assert answer["state"]["screen"] in ("thanks", "card") and answer["state"]["posts"] == 1
        await pad.until(lambda s: s["screen"] == "card")

        # 不满意 → reasons (multi-select from the hall's list) → submit; English switched on by the citizen.
        a2 = await serve_one(hall)
        await pad.until(lambda s: s["screen"] == "levels" and s["number"] == a2)
        await pad.tap("lang")
        s = await pad.until(lambda s: s["lang"] == "en")
        assert [b["text"].replace("\n", " ") for b in s["levels"]][:2] == ["Very satisfied", "Satisfied"]
        await pad.shot("levels-800-en")
        await pad.tap("level-2")
        s = await pad.until(lambda s: s["screen"] == "reasons")
        assert [b["reason"] for b in s["reason_buttons"]] == list(hall.service.config.ratings.reasons)
        assert {tuple(b["bg"]) for b in s["reason_buttons"]} == {(1, 1, 1, 1)}  # nothing ticked for them
        for reason in ("服务态度差", "多次往返", "服务态度差", "办事效率低"):
            await pad.tap(f"reason-{reason}")
        s = await pad.until(lambda s: s["reasons"] == ["办事效率低", "多次往返"])
        await pad.shot("reasons-800-en")
        await pad.tap("submit")
        await pad.until(lambda s: s["screen"] == "thanks")
        rated = slot(hall, a2)
        assert (rated.level, rated.reasons, rated.channel) == (2, ("办事效率低", "多次往返"), "pad")
        s = await pad.until(lambda s: s["screen"] == "card")
        assert s["lang"] == "zh"  # the next citizen starts in Chinese

        # Rated elsewhere while the pad did not hear of it: the server's 409 is told calmly.
        a3 = await serve_one(hall)
        await pad.until(lambda s: s["screen"] == "levels" and s["number"] == a3)
        proxy.hold_stream()
        await hall.post("/api/v1/ratings", "review", {"number": a3, "level": 3, "channel": "qr"}, expect=201)
        await pad.tap("level-5")
        s = await pad.until(lambda s: s["screen"] == "notice")
        assert s["notice"] == "already_rated" and "本次服务已完成评价，谢谢！" in s["texts"]
        assert (slot(hall, a3).level, slot(hall, a3).channel) == (3, "qr")
        proxy.release_stream()
        await pad.until(lambda s: s["screen"] == "card")

        # The clerk asks again for a service; nobody answers: back to the card, nothing sent (未评).
        a4 = await serve_one(hall)
        await pad.until(lambda s: s["screen"] == "levels" and s["number"] == a4)
        await pad.until(lambda s: s["screen"] == "card")  # the pad's timeout (6 s here)
        posts = pad.state["posts"]
        await hall.act(1, "request-rating")
        await pad.until(lambda s: s["screen"] == "levels" and s["number"] == a4)
        s = await pad.until(lambda s: s["screen"] == "card")
        assert slot(hall, a4).level is None and s["posts"] == posts

        # Server away: the card stays, with a discreet note.
        await proxy.cut()
        s = await pad.until(lambda s: not s["online"])
        assert s["screen"] == "card" and "网络连接中断，暂时无法评价" in s["texts"]
        await pad.shot("card-offline-800")
        await proxy.start()
        await pad.until(lambda s: s["online"], timeout=40)

        # A rating given while the server is away is not recorded, says so, and is not sent later.
        a5 = await serve_one(hall)
        await pad.until(lambda s: s["screen"] == "levels" and s["number"] == a5)
        await proxy.cut()
        await pad.until(lambda s: not s["online"])
        await pad.tap("level-5")
        s = await pad.until(lambda s: s["screen"] == "notice")
        assert s["notice"] == "not_recorded" and "抱歉，评价未能记录" in s["texts"]
        assert any("12345" in t for t in s["texts"])
        await pad.shot("not-recorded-800")
        await proxy.start()
        await pad.until(lambda s: s["online"] and s["screen"] == "card", timeout=40)
        await hall.act(1, "open")  # the card is fetched again; the unanswered request for a4 is not reopened
        await asyncio.sleep(1.5)
        assert slot(hall, a5).level is None and slot(hall, a4).level is None
        assert (await pad.command(look=True))["state"]["screen"] == "card"
    finally:
        await pad.stop()
        await proxy.cut()


async def test_pad_1024_english_with_a_five_key_evaluator(hall, tmp_path):
    await open_window_as_clerk(hall, 1, "lina", "李娜")
    device = FakeEvaluator(address=1, link=str(tmp_path / "evaluator"))
    pad = await start_pad(tmp_path, str(hall.client.make_url("")), hall.tokens["review"], size="1024x600",
                          lang="en", evaluator=device.port)

    async def lights(mode: Lights) -> None:
        await asyncio.to_thread(device.received, 20.0, lambda d: bool(d.lights) and d.lights[-1] == mode)
        assert device.lights[-1] == mode

    try:
        s = await pad.until(lambda s: s["screen"] == "card" and s["online"] and "Staff: 李娜" in s["texts"])
        assert "Supervision hotline: 12345" in s["texts"] and s["size"] == [1024, 600]
        png = await pad.shot("card-1024-en")
        assert Image.open(png).size == (1024, 600)
        await lights(Lights.OFF)

        # A key while nothing is open: refused, nothing sent.
        seq = device.press(1)
        await asyncio.to_thread(device.received, 20.0, lambda d: (seq, Result.NOT_NOW) in d.acks)

        a1 = await serve_one(hall)
        s = await pad.until(lambda s: s["screen"] == "levels" and s["number"] == a1)
        assert [b["text"].replace("\n", " ") for b in s["levels"]] == ["Very satisfied", "Satisfied", "Basically satisfied",
                                                    "Dissatisfied", "Very dissatisfied"]
        await lights(Lights.OPEN)
        png = await pad.shot("levels-1024-en")
        assert {rgb_at(png, xy) for xy in level_corners(s)} == {LEVEL_BG_RGB}
        await pad.tap("lang")
        s = await pad.until(lambda s: s["lang"] == "zh")
        assert [b["text"].replace("\n", "") for b in s["levels"]][-1] == "非常不满意"
        assert all(b["rect"][2] >= 160 and b["rect"][3] >= 250 for b in s["levels"])
        png = await pad.shot("levels-1024-zh")
        assert {rgb_at(png, xy) for xy in level_corners(s)} == {LEVEL_BG_RGB}

        # Junk on the line first, then key 2 (满意 by the default key map), then its repeat.
        device.send(b"\x00\xff\xaa\x04\x01\x10\x02\x07\x00" + b"\xaa\x09garbage")
        seq = device.press(2)
        await pad.until(lambda s: s["screen"] == "thanks")
        await asyncio.to_thread(device.received, 20.0, lambda d: (seq, Result.ACCEPTED) in d.acks)
        await lights(Lights.THANKS)
        device.press(2, seq=seq)  # the device missed our ACK and repeats
        await asyncio.to_thread(device.received, 20.0, lambda d: d.acks.count((seq, Result.ACCEPTED)) == 2)
        rated = slot(hall, a1)
        assert (rated.level, rated.channel, rated.clerk) == (4, "evaluator", "lina")
        assert (await pad.command(look=True))["state"]["posts"] == 1

        # 非常不满意 on the evaluator; reasons on the touchscreen.
        await pad.until(lambda s: s["screen"] == "card")
        a2 = await serve_one(hall)
        await pad.until(lambda s: s["screen"] == "levels" and s["number"] == a2)
        device.press(5)
        s = await pad.until(lambda s: s["screen"] == "reasons")
        assert s["level"] == 1
        await pad.shot("reasons-1024-en")
        await pad.tap("reason-告知不清楚")
        await pad.tap("submit")
        await pad.until(lambda s: s["screen"] == "thanks")
        rated = slot(hall, a2)
        assert (rated.level, rated.reasons, rated.channel) == (1, ("告知不清楚",), "evaluator")
    finally:
        await pad.stop()
        device.close()


# ---------------------------------------------------------------- the child side


def child_main(argv: list[str]) -> None:
    tmp, url, token, size, lang, timeout_s, evaluator_port = argv
    from review.env import parse_size, setup

    setup(parse_size(size), home=Path(tmp) / "kivy")
    from kivy.clock import Clock
    from kivy.core.window import Window
    from kivy.tests.common import UnitTestTouch

    from hallapi.client import HallClient
    from hw.evaluator import EvaluatorLink, SerialEvaluator
    from review.app import ReviewPadApp

    def say(message: dict[str, Any]) -> None:
        sys.stdout.write(json.dumps(message, ensure_ascii=False) + "\n")
        sys.stdout.flush()

    def snapshot() -> dict[str, Any]:
        snap = app.snapshot()
        for item in snap["levels"]:
            w = app.targets[f"level-{item['level']}"]
            x, y = w.to_window(w.x, w.y)
            item["rect"] = [x, y, w.width, w.height]
        return snap

    async def tap_at(x: float, y: float) -> None:
        touch = UnitTestTouch(x, y)
        touch.touch_down()
        await asyncio.sleep(0.05)
        touch.touch_up()
        await asyncio.sleep(0.25)

    async def driver(commands: asyncio.Queue[dict[str, Any]]) -> None:
        while True:
            cmd = await commands.get()
            reply: dict[str, Any] = {"id": cmd["id"]}
            if "tap" in cmd:
                w = app.targets.get(cmd["tap"])
                reply["ok"] = w is not None
                if w is not None:
                    await tap_at(*w.to_window(*w.center))
            elif "tap_xy" in cmd:
                await tap_at(*cmd["tap_xy"])
            elif "shot" in cmd:
                await asyncio.sleep(0.3)
                reply["path"] = Window.screenshot(name=str(Path(tmp) / f"{cmd['shot']}.png"))
            elif "quit" in cmd:
                say(reply)
                app.stop()
                return
            reply["state"] = snapshot()
            say(reply)

    async def main() -> None:
        loop = asyncio.get_running_loop()
        commands: asyncio.Queue[dict[str, Any]] = asyncio.Queue()

        def read_stdin() -> None:
            for line in sys.stdin:
                loop.call_soon_threadsafe(commands.put_nowait, json.loads(line))

        threading.Thread(target=read_stdin, daemon=True).start()
        link = EvaluatorLink(SerialEvaluator(evaluator_port), retry_s=0.5) if evaluator_port else None
        async with HallClient(url, token) as client:
            global app
            app = ReviewPadApp(1, client, lang=lang, timeout_s=float(timeout_s), evaluator=link, thanks_s=2.0,
                               notice_s=2.5, on_change=lambda _s: say({"state": snapshot()}))
            Clock.schedule_once(lambda dt: say({"state": snapshot()}), 0.5)
            task = loop.create_task(driver(commands))
            await app.async_run(async_lib="asyncio")
            task.cancel()

    asyncio.run(main())


app: Any = None

if __name__ == "__main__":
    child_main(sys.argv[1:])
