"""Addressed keypads on an RS-485 bus: the master that polls them and sends them feedback."""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Callable
from typing import Protocol

from .base import FrameError, KeypadBusy, KeypadGone, KeypadUnavailable, Signal
from .link import (
    CMD_ACK,
    CMD_KEYS,
    CMD_POLL,
    NO_ACK,
    Frame,
    FrameParser,
    KeyBatch,
    decode_keys,
    feedback_frame,
)

log = logging.getLogger("yimen.hw.keypad")


class SerialPortLike(Protocol):
    in_waiting: int

    def write(self, data: bytes) -> int | None: ...
    def read(self, size: int = 1) -> bytes: ...
    def reset_input_buffer(self) -> None: ...
    def close(self) -> None: ...


def open_serial(port: str, baud: int = 9600) -> SerialPortLike:
    """Open the RS-485 adapter (exclusive: a bus has one master)."""
    import serial

    try:
        return serial.Serial(port, baud, timeout=0.02, write_timeout=1.0, exclusive=True)
    except serial.SerialException as exc:
        text = str(exc)
        if "lock" in text.lower() or "busy" in text.lower():
            raise KeypadBusy(f"{port}: {text}") from exc
        raise KeypadUnavailable(f"{port}: {text}") from exc


class SerialKeypadBus:
    """The bus master: polls each keypad in turn and sends it feedback (blocking; run it in a
    thread). Lost replies are retried by the sequence/ack scheme, so a key is neither lost nor
    doubled when a frame is damaged. Raises KeypadGone when the adapter disappears."""

    def __init__(self, port: str, baud: int = 9600, reply_timeout_s: float = 0.12,
                 opener: Callable[[str, int], SerialPortLike] = open_serial,
                 clock: Callable[[], float] | None = None):
        import time

        self.port_name, self.baud = port, baud
        self.reply_timeout_s = reply_timeout_s
        self.opener = opener
        self.clock = clock or time.monotonic
        self.port: SerialPortLike | None = None
        self.parser = FrameParser()
        self.acked: dict[int, int] = {}
        self.stats = {"polls": 0, "no_reply": 0, "duplicates": 0, "bad_frames": 0, "reopens": 0}

    def open(self) -> None:
        self.port = self.opener(self.port_name, self.baud)
        self.parser = FrameParser()
        self.stats["reopens"] += 1

    def close(self) -> None:
        port, self.port = self.port, None
        if port is not None:
            with contextlib.suppress(Exception):
                port.close()

    def _transact(self, frame: Frame, want: int) -> Frame | None:
        import termios

        import serial

        if self.port is None:
            raise KeypadGone(f"{self.port_name}: not open")
        try:
            self.port.reset_input_buffer()
            self.parser = FrameParser()
            self.port.write(frame.encode())
            deadline = self.clock() + self.reply_timeout_s
            while self.clock() < deadline:
                data = self.port.read(max(1, self.port.in_waiting))
                for reply in self.parser.feed(data):
                    if reply.address == frame.address and reply.command == want:
                        return reply
                    self.stats["bad_frames"] += 1  # another keypad talking, or an echo
            for reply in self.parser.feed(b"", final=True):
                if reply.address == frame.address and reply.command == want:
                    return reply
        except (serial.SerialException, OSError, termios.error) as exc:
            self.close()
            raise KeypadGone(f"{self.port_name}: {exc}") from exc
        return None

    def poll(self, address: int) -> KeyBatch | None:
        """New keys of one keypad (an empty batch when none), or None when it did not answer
        intelligibly. A batch already accepted before (our ack was lost) comes back empty."""
        self.stats["polls"] += 1
        reply = self._transact(Frame(address, CMD_POLL, bytes((self.acked.get(address, NO_ACK),))), CMD_KEYS)
        if reply is None:
            self.stats["no_reply"] += 1
            return None
        try:
            batch = decode_keys(reply)
        except FrameError as exc:
            self.stats["bad_frames"] += 1
            log.warning("keypad %d sent a bad frame: %s", address, exc)
            return None
        if not batch.keys:
            return batch
        if self.acked.get(address) == batch.seq:
            self.stats["duplicates"] += 1
            return KeyBatch(address, batch.seq, (), 0.0)
        self.acked[address] = batch.seq
        return batch

    def feedback(self, address: int, signal: Signal, text: str = "", tries: int = 3) -> bool:
        """Send a signal; True once the keypad acknowledged it."""
        for _ in range(tries):
            if self._transact(feedback_frame(address, signal, text), CMD_ACK) is not None:
                return True
        return False
