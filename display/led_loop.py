"""The LED window-display loop: every window's LED shows its current ticket, 暂停服务, or its idle text.

What each LED should show is computed from the stream's `windows` (pure, `led_plan`); the loop sends
only what changed, and forgets what it sent whenever the bus fails, so everything is sent again as
soon as the adapter is back. A full refresh every few minutes covers a display that was
power-cycled on its own (the bus is one-way: a display cannot say it lost its text).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import time
import tomllib
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from hallapi.protocol import template_problem
from hw.led import COLOURS, Frame, LedBus, LedEncodingError, LedOffline, clear_frame, text_frame

from .speech import HallNames

log = logging.getLogger("yimen.led")


def check_text(key: str, text: object) -> None:
    """Refuse a display text the loop could not fill, at start: found only when a window first goes
    idle or pauses, it would stop the loop in the middle of the day."""
    if not isinstance(text, str):
        raise ValueError(f"LED setting {key}: must be text, not {text!r}")
    problem = template_problem(text)
    if problem:
        raise ValueError(f"LED setting {key}: {problem}")


@dataclass(frozen=True)
class LedConfig:
    """Configuration is data: a TOML/JSON file or command-line flags fill this."""

    port: str = "/dev/ttyUSB0"
    baudrate: int = 9600
    rs485: bool = False
    addresses: dict[int, int] = field(default_factory=dict)  # window number → bus address; default: the same
    template: str | None = None  # default: the hall's templates.led
    idle_text: str = "{window}号窗口"
    paused_text: str = "暂停服务"
    closed_text: str = ""  # empty: the display is cleared
    serving_colour: str = "red"
    paused_colour: str = "yellow"
    idle_colour: str = "green"
    retry_s: float = 2.0
    refresh_s: float = 300.0

    @classmethod
    def load(cls, path: str | Path) -> LedConfig:
        text = Path(path).read_text(encoding="utf-8")
        data = json.loads(text) if str(path).endswith(".json") else tomllib.loads(text)
        data = dict(data.get("led", data))
        data["addresses"] = {int(k): int(v) for k, v in (data.get("addresses") or {}).items()}
        known = set(cls.__dataclass_fields__)
        unknown = set(data) - known
        if unknown:
            raise ValueError(f"unknown LED setting(s): {', '.join(sorted(unknown))}; known: {', '.join(sorted(known))}")
        return cls(**data)

    def __post_init__(self) -> None:
        """Every setting is checked when the file is loaded (and when flags replace one)."""
        for key in ("template", "idle_text", "paused_text", "closed_text"):
            if key != "template" or self.template is not None:
                check_text(key, getattr(self, key))
        for key in ("serving_colour", "paused_colour", "idle_colour"):
            if getattr(self, key) not in COLOURS:
                raise ValueError(f"LED setting {key}: {getattr(self, key)!r} is not one of {', '.join(COLOURS)}")
        for window, address in self.addresses.items():
            if not 1 <= address <= 247:
                raise ValueError(f"LED setting addresses: window {window} → {address} is outside 1–247")


def led_plan(windows: list[dict[str, Any]], cfg: LedConfig, template: str,
             names: HallNames | None = None) -> dict[int, Frame]:
    """The frame each address should be showing now (`names` fills {window_name} and {category})."""
    names = names or HallNames()
    plan: dict[int, Frame] = {}
    for w in windows:
        number = int(w["number"])
        address = cfg.addresses.get(number, number)
        current = w.get("current") or ""
        fields = {"number": current, "window": number,
                  "window_name": w.get("name") or names.windows.get(number, ""),
                  "category": names.category_of(current) if current else ""}
        status = w.get("status")
        if status == "paused":
            text, colour = cfg.paused_text, cfg.paused_colour
        elif status != "open":
            text, colour = cfg.closed_text, cfg.idle_colour
        elif w.get("current"):
            text, colour = cfg.template or template, cfg.serving_colour
        else:
            text, colour = cfg.idle_text, cfg.idle_colour
        text = text.format(**fields)
        try:
            plan[address] = text_frame(address, text, colour) if text else clear_frame(address)
        except LedEncodingError:
            plan[address] = text_frame(address, text.encode("gbk", "replace").decode("gbk"), colour)
    return plan


class LedLoop:
    def __init__(self, bus: LedBus, cfg: LedConfig, template: str = "请{number}到{window}号窗口",
                 clock: Callable[[], float] = time.monotonic):
        check_text("template (the hall's templates.led)", template)
        self.bus, self.cfg, self.template, self.clock = bus, cfg, template, clock
        self.names = HallNames()
        self.desired: dict[int, Frame] = {}
        self.sent: dict[int, Frame] = {}
        self.online = True
        self.last_full = clock()

    def update(self, windows: list[dict[str, Any]]) -> None:
        self.desired.update(led_plan(windows, self.cfg, self.template, self.names))

    def pending(self, desired: dict[int, Frame] | None = None) -> list[Frame]:
        return [f for a, f in sorted((desired or self.desired).items()) if self.sent.get(a) != f]

    def flush(self, desired: dict[int, Frame] | None = None) -> int:
        """Send what differs from what the displays show; on a bus failure forget everything sent.

        `desired` is a copy taken on the event loop when flushing from a worker thread."""
        if self.clock() - self.last_full >= self.cfg.refresh_s:
            self.sent.clear()
            self.last_full = self.clock()
        count = 0
        for frame in self.pending(desired):
            try:
                self.bus.send(frame)
            except LedOffline as exc:
                if self.online:
                    log.warning("LED bus offline: %s", exc)
                self.online = False
                self.sent.clear()
                return count
            self.sent[frame.address] = frame
            count += 1
        if not self.online:
            log.info("LED bus back: current state sent again")
        self.online = True
        return count

    async def run(self, messages: AsyncIterator[dict[str, Any]]) -> None:
        """Follow the stream until it ends; send on every change, and retry every `retry_s` while offline.

        Whatever breaks the reader or the sender ends this with that exception: displays frozen on
        old numbers while the process looks alive are worse than a process that exits and is
        restarted (systemd), which resends everything on start."""
        wake = asyncio.Event()

        async def read() -> None:
            try:
                async for message in messages:
                    self.names.on_message(message)
                    if message.get("windows") is not None:
                        self.update(message["windows"])
                        wake.set()
            finally:
                wake.set()  # however the reader ended, the sender below must look

        reader = asyncio.create_task(read())
        try:
            while True:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(wake.wait(), self.cfg.retry_s)
                wake.clear()
                await asyncio.to_thread(self.flush, dict(self.desired))
                if reader.done():
                    reader.result()  # raises what broke the reader
                    return
        finally:
            reader.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await reader
