"""The hall display in a child process (Kivy's Window is one per process), and that child.

The child (this file, run as a script) prints what it shows as one JSON line per stream message
and saves a screenshot each time. Its Kivy clock runs on a time source the test moves forward
(`Screen.advance`, tests/support/kivy_time.py), so a flash that lasts seconds is over without
waiting seconds.

Modes: `live URL TOKEN SIZE` (the real stream), `replay FILE LANG SIZE` (recorded messages),
`states FILE LANG SIZE` (a script of states; after each, every text on screen is reported).
"""

from __future__ import annotations

import asyncio
import json
import os
import sys
from pathlib import Path
from typing import Any

from PIL import Image

HERE = Path(__file__).resolve()
ROOT = HERE.parents[2]


class Screen:
    """The display child process and the lines it prints."""

    def __init__(self, proc: asyncio.subprocess.Process):
        self.proc = proc
        self.last: dict[str, Any] = {}

    async def _line(self) -> dict[str, Any]:
        assert self.proc.stdout is not None and self.proc.stderr is not None
        while True:
            line = await self.proc.stdout.readline()
            if not line:
                err = (await self.proc.stderr.read()).decode()[-3000:]
                raise AssertionError(f"display exited: {err}")
            if line.startswith(b"{"):
                self.last = json.loads(line)
                return self.last

    async def until(self, check, timeout: float = 40.0) -> dict[str, Any]:
        """The first report whose state passes `check`."""
        async def loop() -> dict[str, Any]:
            while not check((await self._line())["state"]):
                pass
            return self.last
        return await asyncio.wait_for(loop(), timeout)

    async def advance(self, seconds: float, timeout: float = 40.0) -> dict[str, Any]:
        """Move the display's Kivy clock `seconds` forward; the report made after it has moved."""
        assert self.proc.stdin is not None
        self.proc.stdin.write(json.dumps({"advance": seconds}).encode() + b"\n")
        await self.proc.stdin.drain()

        async def loop() -> dict[str, Any]:
            while (await self._line())["kind"] != "advanced":
                pass
            return self.last
        return await asyncio.wait_for(loop(), timeout)

    async def stop(self) -> None:
        if self.proc.returncode is None:
            self.proc.kill()
            await self.proc.wait()


async def start_screen(tmp_path: Path, *args: str) -> Screen:
    env = {**os.environ, "KIVY_HOME": str(tmp_path / "kivy"), "PYTHONPATH": str(ROOT)}
    proc = await asyncio.create_subprocess_exec(sys.executable, str(HERE), str(tmp_path), *args, env=env,
                                                stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE,
                                                stderr=asyncio.subprocess.PIPE, limit=2**22)
    return Screen(proc)


def states_report(tmp_path: Path, steps: list[dict[str, Any]], lang: str, size: str) -> tuple[list[dict], str]:
    """Run the child over a script of states; its reports (one per step) and its stderr."""
    import subprocess

    script = tmp_path / "states.json"
    script.write_text(json.dumps(steps, ensure_ascii=False))
    env = {**os.environ, "KIVY_HOME": str(tmp_path / "kivy"), "PYTHONPATH": str(ROOT)}
    done = subprocess.run([sys.executable, str(HERE), str(tmp_path), "states", str(script), lang, size], env=env,
                          capture_output=True, text=True, timeout=120)
    return [json.loads(line) for line in done.stdout.splitlines() if line.startswith("{")], done.stderr


# ---------------------------------------------------------------- the child process

def _child(argv: list[str]) -> None:
    out_dir, mode = Path(argv[0]), argv[1]
    size_text = argv[-1]
    width, height = (int(x) for x in size_text.split("x"))
    from display.kivyrun import setup

    setup((width, height), home=out_dir / "kivy")
    from kivy.clock import Clock
    from kivy.core.window import Window

    from display.app import FLASH_S, DisplayApp, run_app
    from tests.support.kivy_time import KivyTime

    kivy_time = KivyTime()
    counter = iter(range(10**6))

    def report(app: DisplayApp, message: dict[str, Any]) -> None:
        def shoot(dt: float) -> None:
            shot = Window.screenshot(name=str(out_dir / f"display-{next(counter):03d}.png"))
            print(json.dumps({"kind": message.get("kind"), "type": message.get("type"), "shot": shot,
                              "state": app.widget_state()}, ensure_ascii=False), flush=True)
        # Two frames later the change has been drawn.
        Clock.schedule_once(lambda dt: Clock.schedule_once(shoot, 0.05), 0)

    if mode == "states":
        _states(out_dir, json.loads(Path(argv[2]).read_text()), argv[3], kivy_time)
        return

    async def commands(app: DisplayApp) -> None:
        """The test's commands on stdin, one JSON line each: {"advance": seconds}."""
        loop = asyncio.get_running_loop()
        reader = asyncio.StreamReader()
        await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), sys.stdin)
        while line := await reader.readline():
            seconds = json.loads(line)["advance"]
            moved = asyncio.Event()
            kivy_time.advance(seconds, moved.set, step=FLASH_S / 2)
            await moved.wait()
            report(app, {"kind": "advanced"})

    async def main() -> None:
        if mode == "live":
            from hallapi.client import HallClient

            client = HallClient(argv[2], argv[3])
            app = DisplayApp(on_update=report)
            messages = _after_build(app, client.events(0.5, markers=True))
        else:
            recorded = json.loads(Path(argv[2]).read_text())

            async def replay():
                for m in recorded:
                    yield m
                    await asyncio.sleep(0.3)
                await asyncio.Event().wait()  # the stream stays open

            app = DisplayApp(lang=argv[3], on_update=report)
            messages = _after_build(app, replay())
        listener = asyncio.ensure_future(commands(app))
        try:
            await run_app(app, messages)
        finally:
            listener.cancel()

    asyncio.run(main())


def _states(out_dir: Path, steps: list[dict[str, Any]], lang: str, kivy_time: Any) -> None:
    """Go through the steps on Kivy's clock (each step's wait moved forward, not waited for);
    after each, report every text on screen and a screenshot."""
    from kivy.clock import Clock
    from kivy.core.window import Window
    from kivy.graphics.opengl import GL_RGBA, GL_UNSIGNED_BYTE, glReadPixels

    from display.app import FLASH_S, DisplayApp, texts_on_screen

    def screenshot(path: Path) -> str:
        """Kivy's Window.screenshot reads RGB rows, which shear at 1366 px (rows of 4098 bytes are
        not 4-byte aligned); RGBA rows always are."""
        w, h = Window.size
        data = glReadPixels(0, 0, w, h, GL_RGBA, GL_UNSIGNED_BYTE)
        Image.frombytes("RGBA", (w, h), data).transpose(Image.Transpose.FLIP_TOP_BOTTOM).convert("RGB").save(path)
        return str(path)

    app = DisplayApp(lang=lang)
    todo = list(steps)

    def step(dt: float) -> None:
        if not todo:
            app.stop()
            return
        current = todo[0]
        for m in current["messages"]:
            app.feed_one(m)
        kivy_time.advance(current["wait"], report, step=FLASH_S / 2)

    def report() -> None:
        """What is on screen now; the screenshot after the next two frames (a busy machine may
        draw late), with the panel's colour of the frame it shows."""
        current = todo.pop(0)
        seen = {"name": current["name"], "state": app.widget_state(), "texts": texts_on_screen(app.root)}
        flips = []

        def flipped(*_: Any) -> None:
            flips.append(1)
            if len(flips) < 2:
                return
            Window.unbind(on_flip=flipped)
            panel = app.call_panel
            seen["panel_corner"] = [int(panel.x) + 4, int(Window.height - panel.top) + 4]  # inside its padding
            seen["panel_rgb"] = [round(c * 255) for c in app.call_color.rgba[:3]]
            seen["shot"] = screenshot(out_dir / f"{current['name'].replace(' ', '-')}.png")
            print(json.dumps(seen, ensure_ascii=False), flush=True)
            Clock.schedule_once(step, 0)

        Window.bind(on_flip=flipped)
        Window.canvas.ask_update()

    Clock.schedule_once(step, 0.3)
    app.run()


async def _after_build(app, messages):
    while app.root is None:
        await asyncio.sleep(0.05)
    async for m in messages:
        yield m


if __name__ == "__main__":
    _child(sys.argv[1:])
