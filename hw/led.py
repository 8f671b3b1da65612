"""LED window displays (窗口屏) on an RS-485 bus: one frame per command, one address per window.

The frame ("Yimen LED frame", documented in docs/hardware.md):

    AA 55 | addr | cmd | attr | len_hi len_lo | payload (len bytes) | crc_lo crc_hi | 0D

- addr: 1–247 (0xFF = every display); cmd: 0x01 show text, 0x02 clear, 0x03 brightness, 0x04 ping
- attr: bits 0–1 colour (0 red, 1 green, 2 yellow), bits 2–3 effect (0 static, 1 scroll, 2 flash)
- payload: GBK text for 0x01, one byte 0–15 for 0x03, empty otherwise; at most 480 bytes
- CRC-16/MODBUS (poly 0xA001 reflected, init 0xFFFF) over addr … end of payload, low byte first

A library module: it imports nothing from Yimen's apps, raises `LedError` subclasses, and comes with
`FakeLedBus` for tests and demos. The serial bus reopens its port on the next send after an unplug.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

from .crc import crc16_modbus

START = b"\xaa\x55"
END = 0x0D
BROADCAST = 0xFF
MAX_PAYLOAD = 480

CMD_TEXT, CMD_CLEAR, CMD_BRIGHTNESS, CMD_PING = 0x01, 0x02, 0x03, 0x04
COLOURS = {"red": 0, "green": 1, "yellow": 2}
EFFECTS = {"static": 0, "scroll": 1, "flash": 2}


class LedError(Exception):
    """Base of every LED display error."""


class LedOffline(LedError):
    """The bus (USB–RS-485 adapter, cable) is not there or stopped answering writes."""


class LedEncodingError(LedError):
    """Text the display cannot show: not encodable in GBK, or too long for one frame."""


class LedFrameError(LedError):
    """Bytes that are not a valid frame (bad start, length, CRC or end byte)."""


@dataclass(frozen=True)
class Frame:
    address: int
    command: int
    attr: int = 0
    payload: bytes = b""

    @property
    def text(self) -> str:
        return self.payload.decode("gbk") if self.command == CMD_TEXT else ""

    @property
    def colour(self) -> str:
        return next(k for k, v in COLOURS.items() if v == self.attr & 0x03)

    @property
    def effect(self) -> str:
        return next((k for k, v in EFFECTS.items() if v == (self.attr >> 2) & 0x03), "static")


def encode_frame(frame: Frame) -> bytes:
    if not (1 <= frame.address <= 247 or frame.address == BROADCAST):
        raise LedEncodingError(f"address {frame.address} is outside 1–247 (or 255 for all)")
    if len(frame.payload) > MAX_PAYLOAD:
        raise LedEncodingError(f"payload of {len(frame.payload)} bytes is longer than {MAX_PAYLOAD}")
    body = bytes([frame.address, frame.command, frame.attr]) + len(frame.payload).to_bytes(2, "big") + frame.payload
    crc = crc16_modbus(body)
    return START + body + bytes([crc & 0xFF, crc >> 8, END])


def decode_frames(data: bytes) -> tuple[list[Frame], bytes]:
    """Every complete frame in `data` and the unparsed rest (bytes before a start marker are skipped)."""
    frames: list[Frame] = []
    i = 0
    while True:
        start = data.find(START, i)
        if start < 0:
            return frames, data[-1:] if data.endswith(START[:1]) else b""
        if len(data) - start < 10:
            return frames, data[start:]
        length = int.from_bytes(data[start + 5:start + 7], "big")
        end = start + 7 + length + 3
        if length > MAX_PAYLOAD:
            raise LedFrameError(f"length {length} is too long")
        if len(data) < end:
            return frames, data[start:]
        body = data[start + 2:start + 7 + length]
        crc = data[start + 7 + length] | data[start + 8 + length] << 8
        if crc != crc16_modbus(body) or data[end - 1] != END:
            raise LedFrameError(f"bad CRC or end byte in frame at offset {start}")
        frames.append(Frame(body[0], body[1], body[2], bytes(body[5:])))
        i = end


def text_frame(address: int, text: str, colour: str = "red", effect: str = "static") -> Frame:
    try:
        payload = text.encode("gbk")
    except UnicodeEncodeError as exc:
        raise LedEncodingError(f"{text!r} has characters GBK cannot encode: {exc.object[exc.start:exc.end]!r}") from None
    return Frame(address, CMD_TEXT, COLOURS[colour] | EFFECTS[effect] << 2, payload)


def clear_frame(address: int) -> Frame:
    return Frame(address, CMD_CLEAR)


def brightness_frame(address: int, level: int) -> Frame:
    if not 0 <= level <= 15:
        raise LedEncodingError("brightness is 0–15")
    return Frame(address, CMD_BRIGHTNESS, 0, bytes([level]))


class LedBus(Protocol):
    """Where frames go. `send` raises LedOffline when the bus is gone; the next send tries again."""

    def send(self, frame: Frame) -> None: ...

    def close(self) -> None: ...


class SerialLedBus:
    """The RS-485 bus through a serial port (USB adapter with automatic direction, or a UART + rs485)."""

    def __init__(self, port: str, baudrate: int = 9600, rs485: bool = False,
                 opener: Callable[..., Any] | None = None, write_timeout: float = 2.0):
        self.port, self.baudrate, self.rs485 = port, baudrate, rs485
        self.write_timeout = write_timeout
        self._opener = opener
        self._serial: Any = None
        self.opens = 0

    def _open(self) -> Any:
        import serial

        opener = self._opener or serial.Serial
        try:
            s = opener(self.port, self.baudrate, bytesize=8, parity="N", stopbits=1, timeout=0,
                       write_timeout=self.write_timeout)
        except (serial.SerialException, OSError) as exc:
            raise LedOffline(f"cannot open {self.port}: {exc}") from None
        if self.rs485:
            import serial.rs485

            s.rs485_mode = serial.rs485.RS485Settings()
        self.opens += 1
        return s

    @property
    def connected(self) -> bool:
        return self._serial is not None

    def send(self, frame: Frame) -> None:
        import serial

        data = encode_frame(frame)
        if self._serial is None:
            self._serial = self._open()
        try:
            self._serial.write(data)
            self._serial.flush()
        except (serial.SerialException, OSError) as exc:
            self.close()
            raise LedOffline(f"write to {self.port} failed: {exc}") from None

    def close(self) -> None:
        if self._serial is not None:
            import serial

            # Closing a port whose device vanished may fail: it is gone anyway.
            with contextlib.suppress(OSError, serial.SerialException):
                self._serial.close()
            self._serial = None


class FakeLedBus:
    """Keeps what each address shows; `online = False` makes sends fail like an unplugged adapter."""

    def __init__(self) -> None:
        self.online = True
        self.frames: list[Frame] = []
        self.showing: dict[int, str] = {}
        self.colours: dict[int, str] = {}

    def send(self, frame: Frame) -> None:
        encode_frame(frame)  # the same checks as the real bus
        if not self.online:
            raise LedOffline("fake bus is unplugged")
        self.frames.append(frame)
        targets = [frame.address] if frame.address != BROADCAST else list(self.showing)
        for address in targets:
            if frame.command == CMD_TEXT:
                self.showing[address] = frame.text
                self.colours[address] = frame.colour
            elif frame.command == CMD_CLEAR:
                self.showing[address] = ""

    def close(self) -> None:
        pass
