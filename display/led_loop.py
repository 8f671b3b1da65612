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

from hw.led import Frame, LedBus, LedEncodingError, LedOffline, clear_frame, text_frame

log = logging.getLogger("yimen.led")


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


def led_plan(windows: list[dict[str, Any]], cfg: LedConfig, template: str) -> dict[int, Frame]:
    """The frame each address should be showing now."""
    plan: dict[int, Frame] = {}
    for w in windows:
        number = int(w["number"])
        address = cfg.addresses.get(number, number)
        fields = {"number": w.get("current") or "", "window": number, "window_name": w.get("name", ""), "category": ""}
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
        self.bus, self.cfg, self.template, self.clock = bus, cfg, template, clock
        self.desired: dict[int, Frame] = {}
        self.sent: dict[int, Frame] = {}
        self.online = True
        self.last_full = clock()

    def update(self, windows: list[dict[str, Any]]) -> None:
        self.desired.update(led_plan(windows, self.cfg, self.template))

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
        """Follow the stream; send on every change, and retry every `retry_s` while offline."""
        wake = asyncio.Event()

        async def read() -> None:
            async for message in messages:
                if message.get("windows") is not None:
                    self.update(message["windows"])
                    wake.set()

        reader = asyncio.ensure_future(read())
        try:
            while True:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(wake.wait(), self.cfg.retry_s)
                wake.clear()
                await asyncio.to_thread(self.flush, dict(self.desired))
        finally:
            reader.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await reader
