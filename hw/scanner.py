"""USB HID barcode/QR scanner (a "keyboard" that types the code and presses Enter) via evdev.

The device is grabbed, so the codes it types never reach the kiosk's text fields or a desktop.
Key events are turned into text here (US layout, as scanners ship); Enter ends a code.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterable, Iterator
from typing import Any, Protocol

from evdev import InputEvent, ecodes

log = logging.getLogger("yimen.hw.scanner")


class ScannerError(Exception):
    """The scanner could not be opened or stopped working."""


_PLAIN: dict[str, tuple[str, str]] = {  # key name → (unshifted, shifted)
    **{f"KEY_{c}": (c.lower(), c) for c in "ABCDEFGHIJKLMNOPQRSTUVWXYZ"},
    **{f"KEY_{d}": (d, s) for d, s in zip("1234567890", "!@#$%^&*()", strict=True)},
    "KEY_MINUS": ("-", "_"), "KEY_EQUAL": ("=", "+"), "KEY_LEFTBRACE": ("[", "{"), "KEY_RIGHTBRACE": ("]", "}"),
    "KEY_SEMICOLON": (";", ":"), "KEY_APOSTROPHE": ("'", '"'), "KEY_GRAVE": ("`", "~"),
    "KEY_BACKSLASH": ("\\", "|"), "KEY_COMMA": (",", "<"), "KEY_DOT": (".", ">"), "KEY_SLASH": ("/", "?"),
    "KEY_SPACE": (" ", " "),
    **{f"KEY_KP{d}": (d, d) for d in "0123456789"},
    "KEY_KPMINUS": ("-", "-"), "KEY_KPPLUS": ("+", "+"), "KEY_KPDOT": (".", "."), "KEY_KPSLASH": ("/", "/"),
    "KEY_KPASTERISK": ("*", "*"),
}
KEYMAP: dict[int, tuple[str, str]] = {ecodes.ecodes[name]: chars for name, chars in _PLAIN.items()}
SHIFTS = {ecodes.KEY_LEFTSHIFT, ecodes.KEY_RIGHTSHIFT}
ENTERS = {ecodes.KEY_ENTER, ecodes.KEY_KPENTER}
MAX_CODE = 512  # a scanner that never sends Enter must not grow a buffer forever


class ScanDecoder:
    """Key events in, whole codes out."""

    def __init__(self) -> None:
        self.shift = False
        self.buf: list[str] = []

    def feed(self, event: InputEvent) -> str | None:
        if event.type != ecodes.EV_KEY:
            return None
        if event.code in SHIFTS:
            self.shift = event.value != 0
            return None
        if event.value != 1:  # key down only (0 = up, 2 = auto-repeat)
            return None
        if event.code in ENTERS:
            code, self.buf = "".join(self.buf), []
            return code or None
        chars = KEYMAP.get(event.code)
        if chars is not None:
            self.buf.append(chars[1] if self.shift else chars[0])
            if len(self.buf) > MAX_CODE:
                log.warning("scanner sent %d characters without Enter; dropped", len(self.buf))
                self.buf = []
        return None


def decode(events: Iterable[InputEvent]) -> list[str]:
    d = ScanDecoder()
    return [c for e in events if (c := d.feed(e)) is not None]


def events_for(text: str, enter: bool = True, t0: float = 0.0) -> list[InputEvent]:
    """The key events a scanner sends when it reads `text` (for tests and the demo)."""
    reverse = {}
    for code, (plain, shifted) in KEYMAP.items():
        name = ecodes.KEY[code]
        if isinstance(name, (list, tuple)) or "KP" in name:
            continue
        reverse.setdefault(plain, (code, False))
        reverse.setdefault(shifted, (code, True))
    out: list[InputEvent] = []
    t = t0

    def key(code: int, value: int) -> None:
        nonlocal t
        t += 0.001
        sec, usec = int(t), int((t - int(t)) * 1e6)
        out.append(InputEvent(sec, usec, ecodes.EV_KEY, code, value))
        out.append(InputEvent(sec, usec, ecodes.EV_SYN, ecodes.SYN_REPORT, 0))

    for ch in text:
        if ch not in reverse:
            raise ValueError(f"a scanner cannot type {ch!r}")
        code, shifted = reverse[ch]
        if shifted:
            key(ecodes.KEY_LEFTSHIFT, 1)
        key(code, 1)
        key(code, 0)
        if shifted:
            key(ecodes.KEY_LEFTSHIFT, 0)
    if enter:
        key(ecodes.KEY_ENTER, 1)
        key(ecodes.KEY_ENTER, 0)
    return out


class Device(Protocol):
    def grab(self) -> None: ...
    def ungrab(self) -> None: ...
    def read_loop(self) -> Iterator[InputEvent]: ...
    def close(self) -> None: ...


class FakeDevice:
    """An input device that plays a list of events (then ends, like an unplugged device)."""

    def __init__(self, events: Iterable[InputEvent], fail_with: Exception | None = None):
        self.events, self.fail_with = list(events), fail_with
        self.grabbed = False

    def grab(self) -> None:
        self.grabbed = True

    def ungrab(self) -> None:
        self.grabbed = False

    def read_loop(self) -> Iterator[InputEvent]:
        yield from self.events
        if self.fail_with is not None:
            raise self.fail_with

    def close(self) -> None:
        pass


def open_evdev(path: str) -> Device:
    from evdev import InputDevice

    try:
        return InputDevice(path)
    except OSError as exc:
        raise ScannerError(f"cannot open scanner {path}: {exc}") from exc


class ScannerWatcher:
    """Reads a grabbed scanner on its own thread and calls on_code(code) for each scan; reopens a
    scanner that was unplugged (after `retry_s`), reporting the fault once to on_error."""

    def __init__(self, path: str, on_code: Callable[[str], None], on_error: Callable[[str], None] | None = None,
                 open_device: Callable[[str], Any] = open_evdev, retry_s: float = 2.0, reopen: bool = True):
        self.path, self.on_code, self.on_error = path, on_code, on_error or (lambda msg: None)
        self.open_device, self.retry_s, self.reopen = open_device, retry_s, reopen
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="scanner", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()

    def join(self, timeout: float | None = None) -> None:
        self._thread.join(timeout)

    def _run(self) -> None:
        last_error = ""
        while not self._stop.is_set():
            try:
                dev = self.open_device(self.path)
                dev.grab()
                decoder = ScanDecoder()
                last_error = ""
                try:
                    for event in dev.read_loop():
                        if self._stop.is_set():
                            break
                        code = decoder.feed(event)
                        if code is not None:
                            self.on_code(code)
                finally:
                    try:
                        dev.ungrab()
                        dev.close()
                    except OSError:
                        pass
            except (OSError, ScannerError) as exc:
                if str(exc) != last_error:
                    log.warning("scanner %s: %s", self.path, exc)
                    self.on_error(str(exc))
                    last_error = str(exc)
            if not self.reopen:
                return
            self._stop.wait(self.retry_s)
