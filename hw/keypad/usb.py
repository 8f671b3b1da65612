"""USB numeric keypads through evdev: key names from input events, feedback on the NumLock LED."""

from __future__ import annotations

import asyncio
import contextlib
import errno
import logging
from collections.abc import AsyncIterator, Callable, Iterable
from typing import Any, Protocol

from .base import KeypadBusy, KeypadUnavailable, Signal

log = logging.getLogger("yimen.hw.keypad")


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
