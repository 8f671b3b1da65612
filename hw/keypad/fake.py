"""Fakes at the device boundary, for tests and `yimen demo`: an evdev input device (InputEvent
lists, unplugging) and keypads on the far end of a serial line (a pty), each a KeypadFirmware."""

from __future__ import annotations

import asyncio
import errno
import os
import threading
from collections.abc import AsyncIterator, Callable, Iterable
from typing import Any

from .base import KeypadUnavailable, Signal
from .firmware import KeypadFirmware
from .link import FrameParser


class FakeInputDevice:
    """An InputDevice-like fake: replays InputEvent lists, then can be 'pulled out'.

    `feed(events)` queues events; `unplug()` makes the next read raise OSError(ENODEV) as the
    kernel does. Grabs and LED writes are recorded so tests can assert them.
    """

    def __init__(self, events: Iterable[Any] = ()):
        self.queue: asyncio.Queue[Any] = asyncio.Queue()
        self.grabbed = False
        self.closed = False
        self.leds: list[tuple[int, int]] = []
        self.feed(events)

    def feed(self, events: Iterable[Any]) -> None:
        for ev in events:
            self.queue.put_nowait(ev)

    def unplug(self) -> None:
        self.queue.put_nowait(OSError(errno.ENODEV, "No such device"))

    def grab(self) -> None:
        if self.grabbed:
            raise OSError(errno.EBUSY, "Device or resource busy")
        self.grabbed = True

    def ungrab(self) -> None:
        self.grabbed = False

    def close(self) -> None:
        self.closed = True

    def set_led(self, led_num: int, value: int) -> None:
        if self.closed:
            raise OSError(errno.ENODEV, "No such device")
        self.leds.append((led_num, value))

    async def async_read_loop(self) -> AsyncIterator[Any]:
        while True:
            item = await self.queue.get()
            if isinstance(item, BaseException):
                self.closed = True
                raise item
            yield item


class FakeInputPlug:
    """A fake /dev/input path: `plug(device)` makes it openable, `pull()` unplugs it."""

    def __init__(self) -> None:
        self.device: FakeInputDevice | None = None
        self.opened: list[FakeInputDevice] = []

    def plug(self, device: FakeInputDevice) -> None:
        self.device = device

    def pull(self) -> None:
        if self.device is not None:
            self.device.unplug()
        self.device = None

    def __call__(self, path: str) -> FakeInputDevice:
        if self.device is None or self.device.closed:
            raise KeypadUnavailable(f"{path}: not present")
        self.opened.append(self.device)
        return self.device


class FakeKeypadLine:
    """Keypads hanging on the far end of a serial line (a pty master fd, or a socat end):
    a thread reads master frames and answers as each addressed KeypadFirmware would.
    `inject(raw)` puts junk on the line; `mute(address)` makes a keypad silent."""

    def __init__(self, fd: int, keypads: Iterable[KeypadFirmware], clock: Callable[[], float] | None = None):
        import time

        self.fd = fd
        self.keypads = {k.address: k for k in keypads}
        self.clock = clock or time.monotonic
        self.lock = threading.Lock()
        self.parser = FrameParser()
        self.muted: set[int] = set()
        self.corrupt_next: dict[int, int] = {}
        self.noise_before_reply = b""
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True, name="fake-keypad-line")
        self._thread.start()

    def press(self, address: int, *keys: str) -> None:
        with self.lock:
            for k in keys:
                self.keypads[address].press(k, self.clock())

    def signals(self, address: int) -> list[tuple[Signal, str]]:
        with self.lock:
            return list(self.keypads[address].signals)

    def inject(self, raw: bytes) -> None:
        os.write(self.fd, raw)

    def corrupt_replies(self, address: int, count: int) -> None:
        """Flip a byte in the next `count` replies of that keypad (noise on the line)."""
        with self.lock:
            self.corrupt_next[address] = count

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=2)

    def _run(self) -> None:
        import select

        while not self._stop.is_set():
            try:
                ready, _, _ = select.select([self.fd], [], [], 0.05)
                if not ready:
                    continue
                data = os.read(self.fd, 256)
            except OSError as exc:
                if exc.errno == errno.EIO:  # a pty master reads EIO while nobody has the slave open
                    self._stop.wait(0.02)
                    continue
                return
            if not data:
                return
            for frame in self.parser.feed(data):
                with self.lock:
                    keypad = self.keypads.get(frame.address)
                    if keypad is None or frame.address in self.muted:
                        continue
                    reply = keypad.handle(frame, self.clock())
                    if reply is None:
                        continue
                    raw = bytearray(reply.encode())
                    if self.corrupt_next.get(frame.address, 0) > 0:
                        self.corrupt_next[frame.address] -= 1
                        raw[-1] ^= 0x5A
                    raw = self.noise_before_reply + bytes(raw)
                try:
                    os.write(self.fd, raw)
                except OSError:
                    return
