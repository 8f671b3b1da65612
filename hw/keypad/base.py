"""What every clerk keypad shares: its typed errors, the signals a clerk is shown, the key names.

Both drivers (usb.py, bus.py) deliver the same key names and take the same signals, so one key map
(bridge/keymap.py) serves both.
"""

from __future__ import annotations

import enum


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


KEY_NAMES = ("0", "1", "2", "3", "4", "5", "6", "7", "8", "9", "enter", "plus", "minus", "star",
             "slash", "dot", "equal", "numlock", "backspace", "esc", "tab",
             *(f"f{i}" for i in range(1, 13)))
DIGITS = frozenset("0123456789")
