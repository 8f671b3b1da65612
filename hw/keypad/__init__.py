"""Clerk keypads (叫号器): USB numeric keypads through evdev and addressed keypads on an RS-485 bus.

Both kinds deliver *key names* ("0"-"9", "enter", "plus", ...) so one key map serves both, and
both take *signals* back (OK / ERROR / AWAY) so the clerk always learns what became of a key.
The serial frame protocol is specified in docs/hardware.md ("Clerk keypads"); this module is
its reference implementation, master side and (as the fake) keypad side.

Library rules: no imports from the application packages, typed errors, a fake for each driver.
"""

from __future__ import annotations

import asyncio
import contextlib
import enum
import errno
import logging
import os
import threading
from collections.abc import AsyncIterator, Callable, Iterable
from dataclasses import dataclass, field
from typing import Any, Protocol

from ..crc import crc16_modbus

log = logging.getLogger("yimen.hw.keypad")


# ------------------------------------------------------------------ errors


class KeypadError(Exception):
    """Base of every keypad failure."""


class KeypadUnavailable(KeypadError):
    """The device path cannot be opened now (not plugged in, no permission)."""


class KeypadBusy(KeypadError):
    """Another process holds the device (evdev grab or serial lock)."""


class KeypadGone(KeypadError):
    """The device vanished while in use (unplugged): reopen it when it comes back."""


class FrameError(KeypadError):
    """A serial frame is well delimited and checksummed but its content makes no sense."""


class Signal(enum.IntEnum):
    """What the clerk is told about a key: the same codes go on the wire (FEEDBACK frames)."""

    CLEAR = 0  # nothing to report: LEDs off
    OK = 1  # done: green LED, one short beep
    ERROR = 2  # refused or not understood, action discarded: red LED, two beeps
    AWAY = 3  # the queue server cannot be reached, action discarded: red LED blinking, long beep
    PENDING = 4  # digits typed, waiting for the function key: amber LED, no beep


# ------------------------------------------------------------------ key names

KEY_NAMES = ("0", "1", "2", "3", "4", "5", "6", "7", "8", "9", "enter", "plus", "minus", "star",
             "slash", "dot", "equal", "numlock", "backspace", "esc", "tab",
             *(f"f{i}" for i in range(1, 13)))
DIGITS = frozenset("0123456789")


def _evdev_table() -> tuple[dict[int, str], dict[int, str]]:
    """evdev key code -> key name; the second table holds the navigation aliases a keypad sends
    with its own NumLock off (HOME for 7, END for 1 ...), used only when asked for."""
    from evdev import ecodes as e

    main: dict[int, str] = {}
    for d in range(10):
        main[getattr(e, f"KEY_KP{d}")] = str(d)
        main[getattr(e, f"KEY_{d}")] = str(d)
    for code, name in ((e.KEY_KPENTER, "enter"), (e.KEY_ENTER, "enter"), (e.KEY_KPPLUS, "plus"),
                       (e.KEY_KPMINUS, "minus"), (e.KEY_MINUS, "minus"), (e.KEY_KPASTERISK, "star"),
                       (e.KEY_KPSLASH, "slash"), (e.KEY_SLASH, "slash"), (e.KEY_KPDOT, "dot"),
                       (e.KEY_DOT, "dot"), (e.KEY_KPCOMMA, "dot"), (e.KEY_KPEQUAL, "equal"),
                       (e.KEY_EQUAL, "equal"), (e.KEY_NUMLOCK, "numlock"),
                       (e.KEY_BACKSPACE, "backspace"), (e.KEY_ESC, "esc"), (e.KEY_TAB, "tab")):
        main[code] = name
    for i in range(1, 13):
        main[getattr(e, f"KEY_F{i}")] = f"f{i}"
    nav = {e.KEY_INSERT: "0", e.KEY_END: "1", e.KEY_DOWN: "2", e.KEY_PAGEDOWN: "3", e.KEY_LEFT: "4",
           e.KEY_RIGHT: "6", e.KEY_HOME: "7", e.KEY_UP: "8", e.KEY_PAGEUP: "9", e.KEY_DELETE: "dot"}
    return main, nav


_EVDEV_MAIN, _EVDEV_NAV = _evdev_table()
EV_KEY = 1
EV_LED = 17
LED_NUML = 0
KEY_DOWN = 1  # value of a key press; 0 is release, 2 is autorepeat


def key_name(event: Any, nav_as_digits: bool = True) -> str | None:
    """The key name of one evdev event, or None for anything that is not a fresh key press.

    Releases and autorepeats are ignored on purpose: a clerk resting a finger on 呼叫 must call
    one person, not twenty.
    """
    if event.type != EV_KEY or event.value != KEY_DOWN:
        return None
    name = _EVDEV_MAIN.get(event.code)
    if name is None and nav_as_digits:
        name = _EVDEV_NAV.get(event.code)
    return name


def key_names(events: Iterable[Any], nav_as_digits: bool = True) -> list[str]:
    """Key names of a sequence of evdev events, in order (pure; used by tests and the driver)."""
    return [n for n in (key_name(ev, nav_as_digits) for ev in events) if n is not None]


# ------------------------------------------------------------------ USB keypads (evdev)


class InputDeviceLike(Protocol):
    """The part of evdev.InputDevice the driver uses; the fake implements the same."""

    def grab(self) -> None: ...
    def ungrab(self) -> None: ...
    def close(self) -> None: ...
    def set_led(self, led_num: int, value: int) -> None: ...
    def async_read_loop(self) -> AsyncIterator[Any]: ...


def open_evdev(path: str) -> InputDeviceLike:
    """Open a real input device; map OS errors to typed ones."""
    import evdev

    try:
        return evdev.InputDevice(path)
    except FileNotFoundError as exc:
        raise KeypadUnavailable(f"{path}: not present") from exc
    except PermissionError as exc:
        raise KeypadUnavailable(f"{path}: permission denied (add the user to group 'input')") from exc
    except OSError as exc:
        raise KeypadUnavailable(f"{path}: {exc.strerror or exc}") from exc


GONE_ERRNOS = frozenset({errno.ENODEV, errno.ENXIO, errno.EIO, errno.EBADF, errno.ENOENT})

# LED patterns per signal: (on_s, off_s) pairs; AWAY keeps the LED lit until the next signal.
LED_PATTERNS: dict[Signal, tuple[tuple[float, float], ...]] = {
    Signal.OK: ((0.15, 0.0),),
    Signal.ERROR: ((0.1, 0.1), (0.1, 0.1), (0.1, 0.0)),
    Signal.PENDING: (),
    Signal.CLEAR: (),
}


class EvdevKeypad:
    """One USB keypad at `path` (best a stable /dev/input/by-id/...-event-kbd link).

    The device is grabbed (EVIOCGRAB) so its keys never reach the console or a desktop. `keys()`
    yields key names for ever: when the keypad is pulled out it waits for it to come back and
    grabs it again. Feedback goes to the NumLock LED (most keypads have one).
    """

    def __init__(self, path: str, opener: Callable[[str], InputDeviceLike] = open_evdev,
                 retry_s: float = 1.0, nav_as_digits: bool = True,
                 on_status: Callable[[str, str], None] | None = None):
        self.path = path
        self.opener = opener
        self.retry_s = retry_s
        self.nav_as_digits = nav_as_digits
        self.on_status = on_status or (lambda state, detail: None)
        self.device: InputDeviceLike | None = None
        self.connected = False
        self.opens = 0
        self._blink: asyncio.Task[None] | None = None

    def open(self) -> None:
        device = self.opener(self.path)
        try:
            device.grab()
        except OSError as exc:
            device.close()
            if exc.errno == errno.EBUSY:
                raise KeypadBusy(f"{self.path}: grabbed by another program") from exc
            raise KeypadUnavailable(f"{self.path}: cannot grab ({exc})") from exc
        self.device, self.connected = device, True
        self.opens += 1
        self.on_status("connected", self.path)

    def close(self) -> None:
        device, self.device, self.connected = self.device, None, False
        if self._blink is not None:
            self._blink.cancel()
        if device is not None:
            with contextlib.suppress(OSError):
                device.ungrab()
            with contextlib.suppress(OSError):
                device.close()

    async def keys(self) -> AsyncIterator[str]:
        """Key names, across unplug/replug, until cancelled."""
        while True:
            if self.device is None:
                try:
                    self.open()
                except (KeypadUnavailable, KeypadBusy) as exc:
                    self.on_status("waiting", str(exc))
                    await asyncio.sleep(self.retry_s)
                    continue
            assert self.device is not None
            try:
                async for event in self.device.async_read_loop():
                    name = key_name(event, self.nav_as_digits)
                    if name is not None:
                        yield name
                raise OSError(errno.ENODEV, "event stream ended")
            except OSError as exc:
                if exc.errno not in GONE_ERRNOS:
                    raise
                log.warning("keypad %s gone (%s); waiting for it to come back", self.path, exc)
                self.close()
                self.on_status("unplugged", self.path)

    def signal(self, signal: Signal) -> None:
        """Show a signal on the NumLock LED (fire and forget; a missing LED is not an error)."""
        if self._blink is not None:
            self._blink.cancel()
        if self.device is None:
            return
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            return
        self._blink = loop.create_task(self._show(signal))

    async def _show(self, signal: Signal) -> None:
        device = self.device
        if device is None:
            return
        try:
            if signal == Signal.AWAY:
                device.set_led(LED_NUML, 1)
                return
            for on_s, off_s in LED_PATTERNS.get(signal, ()):
                device.set_led(LED_NUML, 1)
                await asyncio.sleep(on_s)
                device.set_led(LED_NUML, 0)
                await asyncio.sleep(off_s)
            device.set_led(LED_NUML, 0)
        except OSError:
            pass  # the keypad went away mid-blink; keys() notices and reopens


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


# ------------------------------------------------------------------ serial bus: frames

STX = 0x02
MAX_DATA = 32
MAX_KEYS = 16
NO_ACK = 0xFF  # POLL's ack byte before the master has accepted any batch from that keypad
MAX_ADDRESS = 247

CMD_POLL = 0x50  # 'P' master -> keypad: [ack_seq]
CMD_FEEDBACK = 0x46  # 'F' master -> keypad: [signal, text...]
CMD_KEYS = 0x4B  # 'K' keypad -> master: [seq, flags, age_hi, age_lo, key...]
CMD_ACK = 0x41  # 'A' keypad -> master: [] (feedback received)
MASTER_CMDS = frozenset({CMD_POLL, CMD_FEEDBACK})
KEYPAD_CMDS = frozenset({CMD_KEYS, CMD_ACK})
FLAG_OVERFLOW = 0x01  # the keypad dropped keys because its buffer was full

WIRE_TO_KEY: dict[int, str] = {
    **{0x30 + d: str(d) for d in range(10)},
    0x0D: "enter", 0x2B: "plus", 0x2D: "minus", 0x2A: "star", 0x2F: "slash", 0x2E: "dot",
    0x3D: "equal", 0x08: "backspace", 0x1B: "esc", 0x09: "tab", 0x90: "numlock",
    **{0x80 + i: f"f{i}" for i in range(1, 13)},
}
KEY_TO_WIRE = {name: code for code, name in WIRE_TO_KEY.items()}


@dataclass(frozen=True)
class Frame:
    address: int
    command: int
    data: bytes = b""

    def encode(self) -> bytes:
        if not 0 <= self.address <= 0xFF or not 0 <= self.command <= 0xFF or len(self.data) > MAX_DATA:
            raise FrameError(f"cannot encode {self!r}")
        body = bytes((self.address, self.command, len(self.data))) + self.data
        crc = crc16_modbus(body)
        return bytes((STX,)) + body + bytes((crc & 0xFF, crc >> 8))


class FrameParser:
    """Finds frames in a byte stream that may hold noise, torn frames and stray bytes.

    It never raises: bad checksums, impossible lengths and junk are counted in `errors` and
    skipped; scanning restarts one byte after a rejected start byte, so a good frame that follows
    junk is still found.
    """

    def __init__(self) -> None:
        self.buffer = bytearray()
        self.errors = 0

    def feed(self, data: bytes, final: bool = False) -> list[Frame]:
        """Frames completed by `data`. With `final`, a frame start that cannot complete (the
        sender fell silent) is given up so later frames in the buffer are not held back."""
        self.buffer += data
        frames: list[Frame] = []
        buf = self.buffer
        i = 0
        while True:
            start = buf.find(STX, i)
            if start < 0:
                self.errors += 1 if len(buf) > i else 0
                i = len(buf)
                break
            if start > i:
                self.errors += 1
            i = start
            if len(buf) - i < 4:
                if final:
                    self.errors += 1
                    i += 1
                    continue
                break
            length = buf[i + 3]
            if length > MAX_DATA:
                self.errors += 1
                i += 1
                continue
            end = i + 4 + length + 2
            if end > len(buf):
                if final:
                    self.errors += 1
                    i += 1
                    continue
                break
            body = bytes(buf[i + 1:i + 4 + length])
            if crc16_modbus(body) != buf[end - 2] | (buf[end - 1] << 8):
                self.errors += 1
                i += 1
                continue
            frames.append(Frame(body[0], body[1], body[3:]))
            i = end
        del buf[:i]
        return frames


@dataclass(frozen=True)
class KeyBatch:
    """Keys a keypad reports in one KEYS frame, oldest first; `age_s` is the oldest key's age."""

    address: int
    seq: int
    keys: tuple[str, ...]
    age_s: float
    overflow: bool = False


def decode_keys(frame: Frame) -> KeyBatch:
    """A KEYS frame's content, or FrameError: an unknown key code rejects the whole frame, so a
    damaged frame can never turn into an action."""
    if frame.command != CMD_KEYS:
        raise FrameError(f"not a KEYS frame: command 0x{frame.command:02x}")
    if len(frame.data) < 4 or len(frame.data) - 4 > MAX_KEYS:
        raise FrameError(f"KEYS frame with {len(frame.data)} data bytes")
    seq, flags = frame.data[0], frame.data[1]
    if seq == NO_ACK:
        raise FrameError("sequence number 255 is reserved")
    if flags & ~FLAG_OVERFLOW:
        raise FrameError(f"unknown flags 0x{flags:02x}")
    keys = []
    for code in frame.data[4:]:
        if code not in WIRE_TO_KEY:
            raise FrameError(f"unknown key code 0x{code:02x}")
        keys.append(WIRE_TO_KEY[code])
    age = ((frame.data[2] << 8) | frame.data[3]) / 10
    return KeyBatch(frame.address, seq, tuple(keys), age, bool(flags & FLAG_OVERFLOW))


def encode_keys(address: int, seq: int, keys: Iterable[str], age_s: float = 0.0, overflow: bool = False) -> Frame:
    age = min(0xFFFF, max(0, round(age_s * 10)))
    data = bytes((seq, FLAG_OVERFLOW if overflow else 0, age >> 8, age & 0xFF)) + bytes(KEY_TO_WIRE[k] for k in keys)
    return Frame(address, CMD_KEYS, data)


def feedback_frame(address: int, signal: Signal, text: str = "") -> Frame:
    """FEEDBACK: a signal code and up to 8 ASCII characters for a keypad's small display."""
    raw = text.encode("ascii", "replace")[:8]
    return Frame(address, CMD_FEEDBACK, bytes((int(signal),)) + raw)


# ------------------------------------------------------------------ serial bus: master


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


# ------------------------------------------------------------------ serial bus: fake keypads


@dataclass
class KeypadFirmware:
    """What a keypad on the bus does, as pure logic (time passed in): the fake's brain and the
    executable form of the protocol for firmware writers."""

    address: int
    seq: int = 0
    pending: list[tuple[str, float]] = field(default_factory=list)
    in_flight: list[tuple[str, float]] = field(default_factory=list)
    overflow: bool = False
    signals: list[tuple[Signal, str]] = field(default_factory=list)

    def press(self, key: str, now: float) -> None:
        if key not in KEY_TO_WIRE:
            raise ValueError(f"no such key on a bus keypad: {key}")
        if len(self.pending) + len(self.in_flight) >= MAX_KEYS:
            self.overflow = True
            return
        self.pending.append((key, now))

    def handle(self, frame: Frame, now: float) -> Frame | None:
        if frame.address != self.address or frame.command not in MASTER_CMDS:
            return None
        if frame.command == CMD_FEEDBACK:
            if not frame.data or frame.data[0] not in Signal._value2member_map_:
                return None
            self.signals.append((Signal(frame.data[0]), frame.data[1:].decode("ascii", "replace")))
            return Frame(self.address, CMD_ACK)
        if len(frame.data) != 1:
            return None
        if self.in_flight and frame.data[0] == self.seq:
            self.in_flight = []  # the master has it
            self.seq = (self.seq + 1) % NO_ACK
            self.overflow = False
        if not self.in_flight:
            self.in_flight, self.pending = self.pending[:MAX_KEYS], self.pending[MAX_KEYS:]
        oldest = min((t for _, t in self.in_flight), default=now)
        return encode_keys(self.address, self.seq, [k for k, _ in self.in_flight], now - oldest, self.overflow)


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
