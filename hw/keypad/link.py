"""The keypad bus's frames (docs/hardware.md, "Clerk keypads"), pure: encoding, a parser that
survives noise, the KEYS batch and the FEEDBACK frame. Both ends use it: the master (bus.py) and
the keypad side (firmware.py)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from ..crc import crc16_modbus
from .base import FrameError, Signal

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
