"""Clerk keypads (叫号器): USB numeric keypads through evdev and addressed keypads on an RS-485 bus.

Both kinds deliver *key names* ("0"-"9", "enter", "plus", ...) so one key map serves both, and
both take *signals* back (OK / ERROR / AWAY) so the clerk always learns what became of a key.
The serial frame protocol is specified in docs/hardware.md ("Clerk keypads"); this package is
its reference implementation, master side and (as the fake) keypad side:

- base.py: typed errors, signals, key names
- usb.py: the evdev driver (`EvdevKeypad`)
- link.py: the bus's frames, pure (encode, parse, KEYS batches, FEEDBACK)
- bus.py: the bus master (`SerialKeypadBus`)
- firmware.py: a bus keypad as plain logic (`KeypadFirmware`)
- fake.py: fakes at the device boundary (`FakeInputDevice`, `FakeInputPlug`, `FakeKeypadLine`)

Library rules: no imports from the application packages, typed errors, a fake for each driver.
The drivers and the link are importable from here; the fakes from `hw.keypad.fake`.
"""

from __future__ import annotations

from .base import (
    DIGITS,
    KEY_NAMES,
    FrameError,
    KeypadBusy,
    KeypadError,
    KeypadGone,
    KeypadUnavailable,
    Signal,
)
from .bus import SerialKeypadBus, open_serial
from .link import (
    CMD_ACK,
    CMD_FEEDBACK,
    CMD_KEYS,
    CMD_POLL,
    FLAG_OVERFLOW,
    KEY_TO_WIRE,
    MAX_KEYS,
    NO_ACK,
    WIRE_TO_KEY,
    Frame,
    FrameParser,
    KeyBatch,
    decode_keys,
    encode_keys,
    feedback_frame,
)
from .usb import LED_NUML, EvdevKeypad, key_name, key_names, open_evdev

__all__ = [
    "CMD_ACK", "CMD_FEEDBACK", "CMD_KEYS", "CMD_POLL", "DIGITS", "FLAG_OVERFLOW", "KEY_NAMES",
    "KEY_TO_WIRE", "LED_NUML", "MAX_KEYS", "NO_ACK", "WIRE_TO_KEY", "EvdevKeypad", "Frame",
    "FrameError", "FrameParser", "KeyBatch", "KeypadBusy", "KeypadError", "KeypadGone",
    "KeypadUnavailable", "SerialKeypadBus", "Signal", "decode_keys", "encode_keys",
    "feedback_frame", "key_name", "key_names", "open_evdev", "open_serial",
]
