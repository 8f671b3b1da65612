"""The harness for the kiosk's real Kivy screens, offscreen, against the real server on loopback.

Kivy's Window is one per process, so each scenario runs a test file as a script in its own process
(`python tests/test_kiosk_x.py SCENARIO OUT URL TOKEN`); the pytest side keeps the real server
running, serves the scenario's requests (stop/start the server, set the hall's clock), then checks
what the scenario recorded — widget state, screenshots — and what the server recorded.

Checks every scenario can make on the live widget tree: `contrast_problems` (every text drawn,
against the colour it is drawn on) and `choice_problems` (a choice cut off, covered or clipped).
"""

from __future__ import annotations

import asyncio
import json
import os
import sys
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
DAY = "2026-11-23"  # the test hall's day (tests/conftest.py's clock)


def open_windows(live, *windows: int) -> None:
    """Open windows on the live server (as clerks would at the start of the day)."""
    for w in windows:
        live.service.run(lambda h, now, w=w: h.open_window(w, now))


def issue(live, category: str, n: int = 1) -> None:
    """Tickets taken at the counter, so the kiosk finds a queue."""
    from queue_server.service import Actor
    from queue_server.state import IssueRequest

    for _ in range(n):
        live.service.issue(IssueRequest(category=category, channel="counter"), Actor("desk", "clerk"))


async def run_scenario(script: str, name: str, live, out: Path, timeout_s: float = 60.0) -> dict:
    """Run one scenario process; serve its requests; return its recorded results.

    Requests: `stop-*` / `start-*` the server; `clock-HHMM` sets the hall's clock to that time of
    the test day; `close-N` closes window N; `issue-X` takes a ticket of category X at the counter."""
    from tests.support.hall import at

    out.mkdir(parents=True, exist_ok=True)
    env = dict(os.environ, KIVY_HOME=str(out / "kivy"), PYTHONPATH=str(ROOT))
    proc = await asyncio.create_subprocess_exec(
        sys.executable, script, name, str(out), live.url, live.token, cwd=str(ROOT), env=env,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
    done: set[str] = set()
    waiter = asyncio.ensure_future(proc.communicate())
    deadline = time.monotonic() + timeout_s
    while not waiter.done():
        for req in out.glob("req-*"):
            action = req.name[4:]
            if action not in done:
                if action.startswith("clock-"):
                    hhmm = action[6:]
                    live.service.clock.now = at(f"{DAY} {hhmm[:2]}:{hhmm[2:]}")
                elif action.startswith("issue-"):  # a ticket taken at the counter meanwhile
                    issue(live, action[6:])
                elif action.startswith("close-"):
                    live.service.run(lambda h, now, w=int(action[6:]): h.close_window(w, now))
                else:
                    await (live.stop() if action.startswith("stop") else live.start())
                done.add(action)
                (out / f"ack-{action}").write_text("ok")
        if time.monotonic() > deadline:
            proc.kill()
            break
        await asyncio.sleep(0.05)
    stdout, stderr = await waiter
    (out / "stderr.txt").write_bytes(stderr)
    late = f"scenario {name} still running after {timeout_s:.0f} s: killed\n" if time.monotonic() > deadline else ""
    assert proc.returncode == 0, late + stderr.decode(errors="replace")[-4000:]
    return json.loads((out / "result.json").read_text())


def png_ok(path: str) -> bool:
    from PIL import Image

    img = Image.open(path)
    colours = img.convert("RGB").resize((64, 64)).getcolors(64 * 64)
    return img.size[0] >= 1000 and colours is not None and len(colours) > 3


# =========================================================================== the scenario process


def main(scenarios: dict[str, Callable[..., Awaitable[None]]], orientation: dict[str, str],
         hang_s: float = 80.0) -> None:  # pragma: no cover
    import faulthandler

    faulthandler.dump_traceback_later(hang_s, exit=True)  # a hang shows where it hangs
    name, out, url, token = sys.argv[1], Path(sys.argv[2]), sys.argv[3], sys.argv[4]
    from ui.kivy_env import prepare, register_cjk_font

    prepare(home=out / "kivy", headless=True)
    from kiosk.config import KioskConfig
    from kiosk.run import configure_window

    configure_window(KioskConfig(orientation=orientation.get(name, "portrait"), fullscreen=False))
    register_cjk_font()
    asyncio.run(scenarios[name](out, url, token))


class FakeClock:
    """The kiosk's monotonic clock, moved by the test: timeouts without sleeping."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


class Driver:
    def __init__(self, app, out: Path):
        self.app, self.out = app, out
        self.shots: list[str] = []
        self.result: dict = {}

    async def frames(self, n: int = 3) -> None:
        """At least n of Kivy's own frames (clock ticks), and at least n/30 s: on a loaded machine
        a frame takes longer than a sleep, and a layout is only done once its frame has run."""
        from kivy.base import EventLoop
        from kivy.clock import Clock

        end = Clock.frames + n
        for _ in range(n):
            await asyncio.sleep(1 / 30)
        deadline = time.monotonic() + 30
        while Clock.frames < end and EventLoop.status == "started":  # no frames once the app stopped
            if time.monotonic() > deadline:
                raise AssertionError(f"Kivy drew no frame for 30 s (frame {Clock.frames}, waiting for {end})")
            await asyncio.sleep(1 / 120)

    async def aim(self, name: str) -> tuple[Any, float, float]:
        """The widget `name` and its centre on the window, once it stands still: the same widget at
        the same place over two successive frames. A screen just built moves for a few frames (its
        labels take their height when their text is drawn, a banner comes or goes), and a touch
        aimed before that lands on whatever has moved under it."""
        seen: list[tuple] = []
        for _ in range(300):
            await self.frames(1)
            w = self.app.w.get(name)
            if w is None or w.get_root_window() is None:  # not built yet, or not on the screen shown
                seen.clear()
                continue
            x, y = w.to_window(*w.center)
            seen = (seen + [(id(w), round(x), round(y), round(w.width), round(w.height))])[-3:]
            if len(seen) == 3 and len(set(seen)) == 1:
                return w, x, y
        self.shot("unsettled")
        raise AssertionError(f"{name} is not shown, or did not stand still, on screen {self.app.sm.current}: {seen}")

    async def ticks(self) -> None:
        """Long enough for the app's clock tick (every 0.25 s) to have run twice."""
        await self.frames(18)

    async def tap(self, name: str, hold_s: float = 0.0) -> None:
        """Touch a widget where it stands (see `aim`); an enabled button must then have been pressed:
        a tap that lands elsewhere fails here, naming what was aimed at, not later on a wrong screen."""
        from kivy.tests.common import UnitTestTouch
        from kivy.uix.button import Button

        if name not in self.app.w:  # built when its data arrives (a matter list, from the server)
            await self.until(lambda: name in self.app.w)
        w, _, _ = await self.aim(name)
        parent = w.parent
        for _ in range(12):  # bring it into view when it sits in a scroll view
            if parent is None:
                break
            if parent.__class__.__name__ == "ScrollView":
                x0, y0 = w.to_window(w.x, w.y)
                x1, y1 = w.to_window(w.right, w.top)
                sx0, sy0 = parent.to_window(parent.x, parent.y)
                sx1, sy1 = parent.to_window(parent.right, parent.top)
                if not (sy0 <= y0 and y1 <= sy1):
                    parent.scroll_to(w, padding=10, animate=False)
                    w, _, _ = await self.aim(name)
                break
            parent = parent.parent
        x, y = w.to_window(*w.center)
        self.result.setdefault("taps", []).append([name, round(x), round(y), self.app.sm.current])
        pressed: list[bool] = []
        press = (lambda *_: pressed.append(True)) if isinstance(w, Button) and not w.disabled else None
        if press is not None:
            w.bind(on_press=press)
        touch = UnitTestTouch(x, y)
        touch.touch_down()
        await self.frames(2)
        if hold_s:
            await asyncio.sleep(hold_s)
        touch.touch_up()
        if press is not None:
            w.unbind(on_press=press)
            if not pressed:
                self.shot(f"missed-{name}")
                raise AssertionError(f"the tap at ({x:.0f}, {y:.0f}) aimed at {name} did not press it "
                                     f"(screen {self.app.sm.current})")
        await self.frames(3)

    def shown(self, name: str) -> bool:
        w = self.app.w.get(name)
        return w is not None and w.get_root_window() is not None

    async def choose(self, name: str, pager: str) -> None:
        """Tap a choice that may sit on a later page of `pager` (elderly mode): turn pages to it."""
        await self.frames(4)
        while not self.shown(name):
            if not self.shown(f"{pager}_next") or self.app.w[f"{pager}_next"].disabled:
                raise AssertionError(f"{name} is on no page of {pager}")
            await self.tap(f"{pager}_next")
        await self.tap(name)

    async def until(self, pred, timeout: float = 15.0) -> None:
        end = time.monotonic() + timeout
        while not pred():
            if time.monotonic() > end:
                from kivy.core.window import Window

                self.shot("timeout")
                self.result["history"] = self.app.history
                raise AssertionError(f"timed out waiting; screen={self.app.sm.current}; window={Window.size}")
            await asyncio.sleep(0.05)
        await self.frames(3)

    async def screen(self, name: str, timeout: float = 15.0) -> None:
        await self.until(lambda: self.app.sm.current == name, timeout)

    def shot(self, name: str) -> None:
        from kivy.core.window import Window

        self.shots.append(Window.screenshot(name=str(self.out / f"{name}.png")))

    def check_contrast(self, where: str) -> None:
        """Record every text on screen below 4.5:1 (none expected)."""
        self.result.setdefault("contrast", {})[where] = contrast_problems(self.app)

    async def request(self, action: str) -> None:
        """Ask the pytest side to act (stop/start the server, set the clock), and wait until it did."""
        (self.out / f"req-{action}").write_text("1")
        await self.until(lambda: (self.out / f"ack-{action}").exists(), 20)

    def finish(self) -> None:
        self.result["screenshots"] = self.shots
        (self.out / "result.json").write_text(json.dumps(self.result, ensure_ascii=False, default=str))


async def start(out: Path, url: str, token: str, now=None, **cfg_kw):
    from hallapi.client import HallClient
    from hw.printer import FakePrinter
    from kiosk.app import KioskApp, Speaker
    from kiosk.config import KioskConfig
    from kiosk.service import KioskService

    cfg = KioskConfig(server=url, token=token, fullscreen=False, admin_pin="2468", **cfg_kw)
    client = HallClient(url, token, timeout_s=5.0)  # a loaded machine answers late; a stopped server refuses at once
    service = KioskService(client, FakePrinter(), lang=cfg.lang)
    speaker = None
    if cfg.voice_pack == "" and cfg.audio == "sink":
        from hw.voice import EspeakRenderer, Voice, WavSink

        speaker = Speaker(Voice(out / "voice-cache", renderer=EspeakRenderer()), WavSink(out / "played"))
    await service.connect()
    await service.check_printer()
    app = KioskApp(service, cfg, speaker=speaker, **({"now": now} if now else {}))
    keeper = asyncio.ensure_future(service.keep_connected(every_s=0.3, retry_s=0.2))
    return app, service, keeper


async def run(app, keeper, body) -> None:
    async def drive() -> None:
        try:
            await body()
        finally:
            keeper.cancel()
            app.stop()

    await asyncio.gather(app.async_run(async_lib="asyncio"), drive())


async def run_with_devices(app, keeper, d, body, reader=None, **device_options) -> None:
    """`run` with the kiosk's devices started around `body` (stopped after it, the fake card reader
    closed), then the driver's results written whatever happened."""
    from kiosk.run import start_devices

    async def with_devices() -> None:
        devices = start_devices(app, app.cfg, **device_options)
        try:
            await body()
        finally:
            for dev in devices:
                dev.stop()
            if reader is not None:
                reader.close()

    try:
        await run(app, keeper, with_devices)
    finally:
        d.finish()


def walk(widget):
    yield widget
    for child in widget.children:
        yield from walk(child)


def fits_on_screen(app) -> bool:
    """Every text of the current screen lies inside the screen area (nothing cut off)."""
    from kivy.uix.label import Label

    sm = app.sm
    _, bottom = sm.to_window(sm.x, sm.y)
    _, top = sm.to_window(sm.x, sm.top)
    for w in walk(sm.current_screen):
        if isinstance(w, Label) and w.text:
            _, y0 = w.to_window(w.x, w.y)
            _, y1 = w.to_window(w.x, w.top)
            if y0 < bottom - 1 or y1 > top + 1:
                return False
    return True


def _background(widget) -> tuple[float, ...] | None:
    """The colour a widget's text is drawn on: a button's own colour, else its own or the nearest
    painted ancestor's (kiosk.app._paint keeps it as `yimen_bg`)."""
    from kivy.uix.button import Button
    from kivy.uix.textinput import TextInput

    if isinstance(widget, Button | TextInput):
        return tuple(widget.background_color)
    node = widget
    while node is not None and node is not node.parent:
        if isinstance(node, Button):
            return tuple(node.background_color)
        if getattr(node, "yimen_bg", None) is not None:
            return tuple(node.yimen_bg)
        node = node.parent
    return None


def contrast_problems(app) -> list[str]:
    """Every text the kiosk shows now (labels, buttons, enabled or not, fields and their hints),
    checked against what it is drawn on with the theme's contrast function: 4.5:1 at least."""
    from kivy.uix.button import Button
    from kivy.uix.label import Label
    from kivy.uix.textinput import TextInput

    from kiosk.style import contrast

    problems = []
    for w in walk(app.root_box):
        if w.get_root_window() is None or w.opacity == 0 or w.height <= 0:
            continue
        if isinstance(w, TextInput):
            if w.background_normal or w.background_active:
                problems.append(f"field {w.text or w.hint_text!r}: drawn on an image, not a theme colour")
            colour = w.foreground_color if w.text else w.hint_text_color
        elif isinstance(w, Label) and w.text.strip():
            colour = w.disabled_color if w.disabled else w.color
            if isinstance(w, Button) and (w.background_disabled_normal if w.disabled else w.background_normal):
                problems.append(f"button {w.text[:24]!r}: drawn on an image, not a theme colour")
        else:
            continue
        bg = _background(w)
        ratio = contrast(tuple(colour), bg) if bg else 0.0
        if ratio < 4.5:
            problems.append(f"{(w.text or getattr(w, 'hint_text', ''))[:24]!r}: {ratio:.2f}:1")
    return problems


def choice_problems(app, names: list[str]) -> list[str]:
    """The named choices (buttons) that are not wholly visible: outside the screen area between
    the bars (so cut off or covered by them), clipped by a scroll view, overlapping another
    choice, or with their text running out of the button."""
    sm = app.sm
    sx0, sy0 = sm.to_window(sm.x, sm.y)
    sx1, sy1 = sm.to_window(sm.right, sm.top)
    rects, problems = {}, []
    for name in names:
        w = app.w[name]
        x0, y0 = w.to_window(w.x, w.y)
        x1, y1 = w.to_window(w.right, w.top)
        rects[name] = (x0, y0, x1, y1)
        if x0 < sx0 - 1 or y0 < sy0 - 1 or x1 > sx1 + 1 or y1 > sy1 + 1:
            problems.append(f"{name} {rects[name]} outside the screen area {(sx0, sy0, sx1, sy1)}")
        node = w.parent
        while node is not None and node is not node.parent:  # the Window is its own parent
            if node.__class__.__name__ == "ScrollView":
                vx0, vy0 = node.to_window(node.x, node.y)
                vx1, vy1 = node.to_window(node.right, node.top)
                if y0 < vy0 - 1 or y1 > vy1 + 1:
                    problems.append(f"{name} clipped by a scroll view")
            node = node.parent
        if w.texture_size[1] > w.height + 1 or w.texture_size[0] > w.width + 1:
            problems.append(f"{name}: its text {tuple(w.texture_size)} runs out of {tuple(w.size)}")
    for a in names:
        for b in names:
            if a < b:
                ax0, ay0, ax1, ay1 = rects[a]
                bx0, by0, bx1, by1 = rects[b]
                if min(ax1, bx1) - max(ax0, bx0) > 1 and min(ay1, by1) - max(ay0, by0) > 1:
                    problems.append(f"{a} overlaps {b}")
    return problems
