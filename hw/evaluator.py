"""Five-key serial evaluators (评价器): the small box with five rating keys next to a window.

The device pushes a KEY frame when a key is pressed and repeats it until the host acknowledges it;
the host answers every KEY with an ACK (so the device stops repeating) and drives the key lights
with LIGHTS frames: all five lit alike while a rating is open (never one key singled out: no
hint), a thank-you flash, an error blink, or dark. The protocol is specified in docs/hardware.md
("Review pads and evaluators"); this module is its reference implementation, host side
(`SerialEvaluator`) and device side (`FakeEvaluator`, over a pty, for tests and demos).

Library rules: no imports from the application packages, typed errors, a fake for the driver.
Malformed input never raises: it is counted and skipped.
"""

from __future__ import annotations

import asyncio
import contextlib
import enum
import logging
import os
import threading
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from typing import Protocol

log = logging.getLogger("yimen.hw.evaluator")

# ------------------------------------------------------------------ errors


class EvaluatorError(Exception):
    """Base of every evaluator failure."""


class EvaluatorUnavailable(EvaluatorError):
    """The serial port cannot be opened now (not plugged in, no permission, held by another process)."""


class EvaluatorGone(EvaluatorError):
    """The port failed while in use (USB-serial adapter pulled out): reopen it when it is back."""


class FrameError(EvaluatorError):
    """A frame cannot be built (bad address, command or data); raised only when *sending*."""


# ------------------------------------------------------------------ the wire format

SYNC = 0xAA
MAX_DATA = 8
BROADCAST = 0x00  # the host may address every evaluator on the line; devices never send from it

CMD_KEY = 0x10  # device -> host: [key 1..5, seq 0..255]
CMD_HELLO = 0x11  # device -> host: [firmware version]; sent at power-up, resets the seq memory
CMD_ACK = 0x90  # host -> device: [seq, result]
CMD_LIGHTS = 0x91  # host -> device: [mode]

KEYS = (1, 2, 3, 4, 5)  # physical keys, left to right; which level each means is configuration


class Result(enum.IntEnum):
    """ACK result: what became of a key press (the rating's own outcome is shown by the lights)."""

    ACCEPTED = 0  # taken into the rating in progress
    NOT_NOW = 1  # nothing to rate now, or the citizen is already past this step: ignored


class Lights(enum.IntEnum):
    """Key-light modes, the same for all five keys."""

    OFF = 0  # nothing to rate: keys dark
    OPEN = 1  # a rating is open: all five keys lit alike
    THANKS = 2  # recorded: all keys flash once, then dark
    ERROR = 3  # could not be recorded: all keys blink three times, then dark


LIGHT_CODES = frozenset(int(m) for m in Lights)
RESULT_CODES = frozenset(int(m) for m in Result)


def checksum(body: bytes) -> int:
    """The byte that makes LEN..DATA..SUM add up to 0 modulo 256 (an 8-bit MCU does this in 10 bytes)."""
    return -sum(body) & 0xFF


@dataclass(frozen=True)
class Frame:
    address: int
    command: int
    data: bytes = b""

    def encode(self) -> bytes:
        """SYNC, LEN (= 2 + data), ADDR, CMD, DATA…, SUM."""
        if not 0 <= self.address <= 0xFF or not 0 <= self.command <= 0xFF or len(self.data) > MAX_DATA:
            raise FrameError(f"cannot encode {self!r}")
        body = bytes((2 + len(self.data), self.address, self.command)) + bytes(self.data)
        return bytes((SYNC,)) + body + bytes((checksum(body),))


class FrameReader:
    """Frames out of a byte stream with noise, torn frames and stray bytes; never raises.

    A rejected candidate (impossible length, wrong sum) costs one byte: scanning resumes right after
    its SYNC, so a good frame hidden behind junk is still found. `errors` counts what was thrown away.
    """

    def __init__(self) -> None:
        self.buffer = bytearray()
        self.errors = 0

    def feed(self, data: bytes) -> list[Frame]:
        self.buffer += data
        buf, frames, i = self.buffer, [], 0
        while True:
            start = buf.find(SYNC, i)
            if start < 0:
                if i < len(buf):
                    self.errors += 1
                i = len(buf)
                break
            if start > i:
                self.errors += 1
            i = start
            if len(buf) - i < 2:
                break
            length = buf[i + 1]
            if not 2 <= length <= 2 + MAX_DATA:
                self.errors += 1
                i += 1
                continue
            end = i + 2 + length + 1
            if end > len(buf):
                break
            body = bytes(buf[i + 1:end - 1])
            if checksum(body) != buf[end - 1]:
                self.errors += 1
                i += 1
                continue
            frames.append(Frame(body[1], body[2], body[3:]))
            i = end
        del buf[:i]
        return frames

    def drop_partial(self) -> None:
        """The line fell silent in the middle of a frame: forget the fragment."""
        if self.buffer:
            self.errors += 1
            self.buffer.clear()


@dataclass(frozen=True)
class KeyPress:
    key: int  # 1..5, left to right
    seq: int
    address: int


@dataclass(frozen=True)
class Hello:
    address: int
    version: int


def key_frame(address: int, key: int, seq: int) -> Frame:
    return Frame(address, CMD_KEY, bytes((key, seq & 0xFF)))


def ack_frame(address: int, seq: int, result: Result) -> Frame:
    return Frame(address, CMD_ACK, bytes((seq & 0xFF, int(result))))


def lights_frame(address: int, mode: Lights) -> Frame:
    return Frame(address, CMD_LIGHTS, bytes((int(mode),)))


def decode_device_frame(frame: Frame) -> KeyPress | Hello | None:
    """What a device frame means, or None when it makes no sense (unknown command, key out of range)."""
    if frame.command == CMD_KEY and len(frame.data) == 2 and frame.data[0] in KEYS:
        return KeyPress(frame.data[0], frame.data[1], frame.address)
    if frame.command == CMD_HELLO and len(frame.data) == 1:
        return Hello(frame.address, frame.data[0])
    return None


# ------------------------------------------------------------------ the host side


class SerialPortLike(Protocol):
    def read(self, size: int = 1) -> bytes: ...
    def write(self, data: bytes) -> int | None: ...
    def close(self) -> None: ...

    @property
    def in_waiting(self) -> int: ...


def open_serial(port: str, baud: int = 9600) -> SerialPortLike:
    """The port as pyserial opens it: 8N1, short read timeout, exclusive (one owner per line)."""
    import serial

    try:
        return serial.Serial(port, baud, timeout=0.05, write_timeout=1.0, exclusive=True)
    except (serial.SerialException, OSError) as exc:
        raise EvaluatorUnavailable(f"{port}: {exc}") from exc


class SerialEvaluator:
    """Host side of one evaluator (one address on the line).

    `poll()` returns new key presses only: a repeated KEY (same seq, the device did not hear our
    ACK) is answered again with the ACK already given and never delivered twice. A HELLO (the
    device restarted) clears that memory and re-sends the current lights.
    """

    def __init__(self, port: str, address: int = 1, baud: int = 9600,
                 opener: Callable[[str, int], SerialPortLike] = open_serial):
        if not 1 <= address <= 0xFF:
            raise EvaluatorError(f"address must be 1..255, not {address}")
        self.port_name, self.address, self.baud, self.opener = port, address, baud, opener
        self.port: SerialPortLike | None = None
        self.reader = FrameReader()
        self.lights = Lights.OFF
        self.foreign = 0  # well-formed frames for another address
        self.nonsense = 0  # well-formed frames that mean nothing (unknown command, bad key)
        self._last_seq: int | None = None
        self._last_result: Result | None = None  # None while the host has not answered _last_seq
        self._lock = threading.Lock()

    def open(self) -> None:
        self.port = self.opener(self.port_name, self.baud)
        self.reader = FrameReader()
        self._send(lights_frame(self.address, self.lights))

    def close(self) -> None:
        if self.port is not None:
            with contextlib.suppress(Exception):
                self.port.close()
            self.port = None

    def _send(self, frame: Frame) -> None:
        if self.port is None:
            raise EvaluatorGone(f"{self.port_name} is not open")
        with self._lock:
            try:
                self.port.write(frame.encode())
            except Exception as exc:  # pyserial raises SerialException/OSError/SerialTimeoutException
                self.close()
                raise EvaluatorGone(f"{self.port_name}: {exc}") from exc

    def poll(self) -> list[KeyPress]:
        """Read what has arrived (waits at most the port's read timeout); new presses, oldest first."""
        if self.port is None:
            raise EvaluatorGone(f"{self.port_name} is not open")
        try:
            data = self.port.read(max(1, self.port.in_waiting))
        except Exception as exc:
            self.close()
            raise EvaluatorGone(f"{self.port_name}: {exc}") from exc
        if not data:
            self.reader.drop_partial()
            return []
        presses = []
        for frame in self.reader.feed(data):
            if frame.address != self.address:
                self.foreign += 1
                continue
            meaning = decode_device_frame(frame)
            if meaning is None:
                self.nonsense += 1
            elif isinstance(meaning, Hello):
                self._last_seq, self._last_result = None, None
                self._send(lights_frame(self.address, self.lights))
            elif meaning.seq == self._last_seq:
                if self._last_result is not None:
                    self._send(ack_frame(self.address, meaning.seq, self._last_result))
            else:
                self._last_seq, self._last_result = meaning.seq, None
                presses.append(meaning)
        return presses

    def ack(self, press: KeyPress, result: Result) -> None:
        if press.seq == self._last_seq:
            self._last_result = result
        self._send(ack_frame(self.address, press.seq, result))

    def set_lights(self, mode: Lights) -> None:
        self.lights = mode
        self._send(lights_frame(self.address, mode))

    @property
    def errors(self) -> int:
        return self.reader.errors + self.nonsense


class EvaluatorLink:
    """An evaluator for an asyncio program: presses arrive as an async stream, the line is read in a
    thread, and a port that fails or is absent is retried every `retry_s` (hot-plug without restart).

    `connected` tells whether the port is open now; `on_state` hears every change of it.
    """

    def __init__(self, evaluator: SerialEvaluator, retry_s: float = 2.0,
                 on_state: Callable[[bool], None] | None = None):
        self.evaluator = evaluator
        self.retry_s = retry_s
        self.on_state = on_state
        self.connected = False
        self._told_absent = False
        self._stop = threading.Event()

    def _set(self, connected: bool) -> None:
        if connected != self.connected:
            self.connected = connected
            if self.on_state:
                self.on_state(connected)

    async def presses(self) -> AsyncIterator[KeyPress]:
        loop = asyncio.get_running_loop()
        queue: asyncio.Queue[KeyPress] = asyncio.Queue()
        thread = threading.Thread(target=self._run, args=(loop, queue), name="evaluator", daemon=True)
        thread.start()
        try:
            while True:
                yield await queue.get()
        finally:
            self._stop.set()

    def _run(self, loop: asyncio.AbstractEventLoop, queue: asyncio.Queue[KeyPress]) -> None:
        while not self._stop.is_set():
            if self.evaluator.port is None:
                try:
                    self.evaluator.open()
                except EvaluatorError as exc:
                    if self.connected or not self._told_absent:
                        log.warning("evaluator not available (%s); retrying every %.0f s", exc, self.retry_s)
                        self._told_absent = True
                    loop.call_soon_threadsafe(self._set, False)
                    self._stop.wait(self.retry_s)
                    continue
                log.info("evaluator open on %s", self.evaluator.port_name)
                self._told_absent = False
                loop.call_soon_threadsafe(self._set, True)
            try:
                for press in self.evaluator.poll():
                    loop.call_soon_threadsafe(queue.put_nowait, press)
            except EvaluatorGone as exc:
                log.warning("evaluator lost: %s", exc)
                loop.call_soon_threadsafe(self._set, False)
        self.evaluator.close()

    def stop(self) -> None:
        self._stop.set()

    def ack(self, press: KeyPress, result: Result) -> bool:
        """Answer a press; False when the line is down (the device will repeat, then give up)."""
        try:
            self.evaluator.ack(press, result)
            return True
        except EvaluatorGone:
            return False

    def set_lights(self, mode: Lights) -> bool:
        try:
            self.evaluator.set_lights(mode)
            return True
        except EvaluatorGone:
            self.evaluator.lights = mode  # sent again when the port is reopened
            return False


# ------------------------------------------------------------------ the fake device


class FakeEvaluator:
    """The device side on a pty: the host opens `port` like real hardware (pyserial, termios and all).

    `press()` sends a KEY frame (a fresh seq unless one is given, so a repeat can be simulated);
    `received()` collects what the host sent, decoded. `unplug()` closes the pty so the host's
    reads fail as with a pulled USB adapter; `replug()` makes a new pty. With `link`, `port` is a
    symlink that follows the current pty, as a udev by-id link follows the adapter.
    """

    def __init__(self, address: int = 1, link: str | None = None):
        self.address = address
        self.link = link
        self.seq = 0
        self.reader = FrameReader()
        self.lights: list[Lights] = []
        self.acks: list[tuple[int, Result]] = []
        self._open()

    def _open(self) -> None:
        import tty

        self.master, self.slave = os.openpty()
        tty.setraw(self.master)
        tty.setraw(self.slave)
        self.port = os.ttyname(self.slave)
        os.set_blocking(self.master, False)
        if self.link is not None:
            tmp = f"{self.link}.new"
            with contextlib.suppress(FileNotFoundError):
                os.unlink(tmp)
            os.symlink(self.port, tmp)
            os.replace(tmp, self.link)
            self.port = self.link

    def send(self, raw: bytes) -> None:
        os.write(self.master, raw)

    def press(self, key: int, seq: int | None = None) -> int:
        if seq is None:
            self.seq = (self.seq + 1) & 0xFF
            seq = self.seq
        self.send(key_frame(self.address, key, seq).encode())
        return seq

    def hello(self, version: int = 1) -> None:
        self.send(Frame(self.address, CMD_HELLO, bytes((version,))).encode())

    def received(self, wait_s: float = 0.0, until: Callable[[FakeEvaluator], bool] | None = None) -> FakeEvaluator:
        """Read the host's frames (up to `wait_s`, or until `until(self)` holds) into `lights` and `acks`."""
        deadline = time.monotonic() + wait_s
        while True:
            with contextlib.suppress(BlockingIOError, OSError):
                while chunk := os.read(self.master, 4096):
                    for frame in self.reader.feed(chunk):
                        self._take(frame)
            if (until is not None and until(self)) or time.monotonic() >= deadline:
                return self
            time.sleep(0.01)

    def _take(self, frame: Frame) -> None:
        if frame.address not in (self.address, BROADCAST):
            return
        if frame.command == CMD_LIGHTS and len(frame.data) == 1 and frame.data[0] in LIGHT_CODES:
            self.lights.append(Lights(frame.data[0]))
        elif frame.command == CMD_ACK and len(frame.data) == 2 and frame.data[1] in RESULT_CODES:
            self.acks.append((frame.data[0], Result(frame.data[1])))

    def unplug(self) -> None:
        if self.link is not None:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(self.link)
        for fd in (self.master, self.slave):
            with contextlib.suppress(OSError):
                os.close(fd)

    def replug(self) -> str:
        """A new pty; with `link`, the same path points at it (like a udev by-id symlink)."""
        self._open()
        return self.port

    def close(self) -> None:
        self.unplug()

