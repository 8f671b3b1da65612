"""Resident ID card (二代证) reader: the SAM frame protocol over a serial port, and a pty fake.

Frames both ways start with the preamble AA AA AA 96 69, then a 2-byte big-endian length of
what follows. A command carries CMD, PARA, data; an answer carries SW1 SW2 SW3, data. The last
byte is the XOR of the length bytes and everything after them. Reading a card is find (20 01,
SW3 9F) → select (20 02, SW3 90) → read basic information (30 01, SW3 90), whose data is a 2-byte
text length, a 2-byte photo length, the 256-byte UCS-2LE text block and the photo.

The photo is biometric data: it is never decoded or kept. Everything here raises `IdCardError`
subclasses and never anything else, so the kiosk can show a message and carry on.
"""

from __future__ import annotations

import logging
import os
import select
import termios
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from .ptydevice import PtyDevice

log = logging.getLogger("yimen.hw.idcard")

PREAMBLE = b"\xaa\xaa\xaa\x96\x69"
CMD_FIND = (0x20, 0x01)
CMD_SELECT = (0x20, 0x02)
CMD_READ_BASIC = (0x30, 0x01)
SW_OK = 0x90
SW_FOUND = 0x9F
SW_NO_CARD = 0x80
SW_SELECT_FAILED = 0x81
SW_READ_FAILED = 0x41
MAX_LEN = 4096  # a basic-information answer is ~1.3 KB; anything much longer is garbage

# (field, bytes) of the 256-byte text block, UCS-2LE, space padded
TEXT_LAYOUT = (("name", 30), ("sex", 2), ("ethnicity", 4), ("birth", 16), ("address", 70),
               ("id_number", 36), ("authority", 30), ("valid_from", 16), ("valid_to", 16), ("reserved", 36))

ETHNICITIES = ["汉", "蒙古", "回", "藏", "维吾尔", "苗", "彝", "壮", "布依", "朝鲜", "满", "侗", "瑶", "白", "土家", "哈尼", "哈萨克", "傣", "黎", "傈僳", "佤", "畲", "高山", "拉祜", "水", "东乡", "纳西", "景颇", "柯尔克孜", "土", "达斡尔", "仫佬", "羌", "布朗", "撒拉", "毛南", "仡佬", "锡伯", "阿昌", "普米", "塔吉克", "怒", "乌孜别克", "俄罗斯", "鄂温克", "德昂", "保安", "裕固", "京", "塔塔尔", "独龙", "鄂伦春", "赫哲", "门巴", "珞巴", "基诺"]
SEXES = {"0": "未知", "1": "男", "2": "女", "9": "未说明"}


class IdCardError(Exception):
    """Base of every error this module raises."""


class FrameError(IdCardError):
    """Malformed, truncated or corrupted frame (bad preamble, length or checksum)."""


class NoCard(IdCardError):
    """No card on the reader (a normal state, not a fault)."""


class ReaderError(IdCardError):
    """The reader answered with a failure status."""


class TornRead(IdCardError):
    """A card was found but not read whole: lifted or moved during the read (or a noisy line)."""


class ReaderGone(IdCardError):
    """The reader cannot be opened or stopped answering (unplugged)."""


class CardDataError(IdCardError):
    """The card's text does not make sense (e.g. the ID number fails its check digit)."""


# ------------------------------------------------------------------------- ID numbers (pure)

WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)


def check_digit(first17: str) -> str:
    """GB 11643: the 18th character from the first 17 digits (ISO 7064 MOD 11-2)."""
    if len(first17) != 17 or not first17.isdigit():
        raise CardDataError("an ID number starts with 17 digits")
    return "10X98765432"[sum(int(c) * w for c, w in zip(first17, WEIGHTS, strict=True)) % 11]


def valid_id_number(number: str) -> bool:
    n = number.strip().upper()
    if len(n) != 18 or not n[:17].isdigit():
        return False
    try:
        date(int(n[6:10]), int(n[10:12]), int(n[12:14]))
    except ValueError:
        return False
    return check_digit(n[:17]) == n[17]


# ------------------------------------------------------------------------- frames (pure)


def _xor(data: bytes) -> int:
    x = 0
    for b in data:
        x ^= b
    return x


def _frame(body: bytes) -> bytes:
    length = len(body) + 1
    head = length.to_bytes(2, "big")
    return PREAMBLE + head + body + bytes([_xor(head + body)])


def command(cmd: int, para: int, data: bytes = b"") -> bytes:
    """A host → reader frame."""
    return _frame(bytes([cmd, para]) + data)


def answer(sw3: int, data: bytes = b"", sw1: int = 0, sw2: int = 0) -> bytes:
    """A reader → host frame (for the fake reader and tests)."""
    return _frame(bytes([sw1, sw2, sw3]) + data)


class FrameParser:
    """Pulls whole frames out of a byte stream, skipping noise before a preamble."""

    def __init__(self) -> None:
        self.buf = bytearray()

    def feed(self, data: bytes) -> list[bytes]:
        """Bodies (after length, before checksum) of the complete frames now in the buffer."""
        self.buf += data
        frames = []
        while True:
            start = self.buf.find(PREAMBLE)
            if start < 0:
                del self.buf[:max(0, len(self.buf) - len(PREAMBLE) + 1)]
                return frames
            del self.buf[:start]
            if len(self.buf) < 7:
                return frames
            length = int.from_bytes(self.buf[5:7], "big")
            if length < 2 or length > MAX_LEN:
                del self.buf[:1]  # not a real frame: look for the next preamble
                raise FrameError(f"impossible frame length {length}")
            if len(self.buf) < 7 + length:
                return frames
            frame = bytes(self.buf[:7 + length])
            del self.buf[:7 + length]
            if _xor(frame[5:-1]) != frame[-1]:
                raise FrameError("checksum mismatch")
            frames.append(frame[7:-1])


def parse_answer(body: bytes) -> tuple[int, int, int, bytes]:
    if len(body) < 3:
        raise FrameError("answer too short for its status words")
    return body[0], body[1], body[2], body[3:]


# ------------------------------------------------------------------------- the card's text


@dataclass(frozen=True)
class IdCard:
    name: str
    sex: str
    ethnicity: str
    birth_date: date
    address: str
    id_number: str
    authority: str
    valid_from: str
    valid_to: str

    def __repr__(self) -> str:  # never print a whole identity into a log by accident
        return f"IdCard({self.name[:1]}*, {self.id_number[:3]}…{self.id_number[-2:]})"


def _field(text: str) -> str:
    return text.replace("\x00", "").strip()


def parse_text(block: bytes) -> IdCard:
    """The 256-byte UCS-2LE text block → IdCard; the ID number must pass GB 11643."""
    if len(block) < 256:
        raise CardDataError(f"text block is {len(block)} bytes, expected 256")
    values: dict[str, str] = {}
    at = 0
    for name, size in TEXT_LAYOUT:
        try:
            values[name] = _field(block[at:at + size].decode("utf-16-le"))
        except UnicodeDecodeError as exc:
            raise CardDataError(f"{name}: not UCS-2 text") from exc
        at += size
    number = values["id_number"].upper()
    if not valid_id_number(number):
        raise CardDataError("ID number fails the GB 11643 check")
    try:
        birth = date(int(values["birth"][:4]), int(values["birth"][4:6]), int(values["birth"][6:8]))
    except ValueError as exc:
        raise CardDataError(f"birth date {values['birth']!r}") from exc
    code = values["ethnicity"]
    ethnicity = ETHNICITIES[int(code) - 1] if code.isdigit() and 1 <= int(code) <= len(ETHNICITIES) else code
    return IdCard(name=values["name"], sex=SEXES.get(values["sex"], values["sex"]), ethnicity=ethnicity,
                  birth_date=birth, address=values["address"], id_number=number, authority=values["authority"],
                  valid_from=values["valid_from"], valid_to=values["valid_to"])


def encode_text(card: IdCard) -> bytes:
    """The inverse of parse_text (for the fake reader and tests)."""
    sex = {v: k for k, v in SEXES.items()}.get(card.sex, card.sex)
    eth = f"{ETHNICITIES.index(card.ethnicity) + 1:02d}" if card.ethnicity in ETHNICITIES else card.ethnicity
    values = {"name": card.name, "sex": sex, "ethnicity": eth, "birth": card.birth_date.strftime("%Y%m%d"),
              "address": card.address, "id_number": card.id_number, "authority": card.authority,
              "valid_from": card.valid_from, "valid_to": card.valid_to, "reserved": ""}
    out = b""
    for name, size in TEXT_LAYOUT:
        raw = values[name].encode("utf-16-le")[:size]
        out += raw + " ".encode("utf-16-le") * ((size - len(raw)) // 2)
    return out


def basic_info(card: IdCard, photo: bytes = b"\x00" * 1024) -> bytes:
    """The data of a read-basic-information answer."""
    text = encode_text(card)
    return len(text).to_bytes(2, "big") + len(photo).to_bytes(2, "big") + text + photo


# ------------------------------------------------------------------------- the serial reader


class SerialCardReader:
    """A reader on a serial port (most are USB-serial at 115200 baud)."""

    def __init__(self, port: str, baudrate: int = 115200, timeout_s: float = 0.6):
        import serial

        self.port, self.timeout_s = port, timeout_s
        try:
            self.ser = serial.Serial(port, baudrate, timeout=0.05)
        except (serial.SerialException, OSError, ValueError) as exc:
            raise ReaderGone(f"cannot open ID-card reader {port}: {exc}") from exc
        self.parser = FrameParser()

    def transact(self, cmd: tuple[int, int]) -> tuple[int, bytes]:
        """Send a command, return (SW3, data) of the answer; FrameError if it never completes."""
        import serial

        self.parser = FrameParser()
        try:
            self.ser.reset_input_buffer()
            self.ser.write(command(*cmd))
            deadline = time.monotonic() + self.timeout_s
            while time.monotonic() < deadline:
                chunk = self.ser.read(2048)
                if chunk:
                    frames = self.parser.feed(chunk)
                    if frames:
                        _, _, sw3, data = parse_answer(frames[0])
                        return sw3, data
        except (serial.SerialException, OSError, termios.error) as exc:
            raise ReaderGone(f"ID-card reader {self.port}: {exc}") from exc
        if self.parser.buf:
            raise FrameError(f"truncated answer ({len(self.parser.buf)} bytes)")
        raise ReaderGone(f"ID-card reader {self.port} does not answer")

    def read_card(self) -> IdCard:
        """find → select → read. NoCard when nothing is on the reader; TornRead when a card was
        found but the rest failed (so a screen can tell "place the card again" from a reader
        that talks nonsense, which fails at find)."""
        sw, _ = self.transact(CMD_FIND)
        if sw == SW_NO_CARD:
            raise NoCard("no card")
        if sw != SW_FOUND:
            raise ReaderError(f"find card: status {sw:#04x}")
        try:
            sw, _ = self.transact(CMD_SELECT)
            if sw != SW_OK:
                raise ReaderError(f"select card: status {sw:#04x}")
            sw, data = self.transact(CMD_READ_BASIC)
            if sw != SW_OK:
                raise ReaderError(f"read card: status {sw:#04x}")
            if len(data) < 4:
                raise FrameError("basic information too short")
            text_len = int.from_bytes(data[:2], "big")
            if text_len < 256 or len(data) < 4 + text_len:
                raise FrameError(f"basic information: text length {text_len} of {len(data) - 4} bytes")
        except (FrameError, ReaderError) as exc:
            raise TornRead(f"card found, then {exc}") from exc
        return parse_text(data[4:4 + 256])

    def close(self) -> None:
        try:
            self.ser.close()
        except Exception:  # noqa: BLE001 - an unplugged port may fail to close; it is gone anyway
            log.debug("closing %s failed", self.port, exc_info=True)


def error_kind(exc: IdCardError) -> str:
    """A short code for the screen to word in its own language: reader_gone, torn_read, invalid_id,
    bad_frame, card_data or reader_error."""
    if isinstance(exc, ReaderGone):
        return "reader_gone"
    if isinstance(exc, TornRead):
        return "torn_read"
    if isinstance(exc, CardDataError):
        return "invalid_id" if "GB 11643" in str(exc) else "card_data"
    if isinstance(exc, FrameError):
        return "bad_frame"
    return "reader_error"


class CardWatcher:
    """Polls a reader on its own thread: on_card once per placed card, on_removed when it goes,
    on_error(kind) for faults (once per distinct fault, see error_kind); reopens a vanished reader.

    After a fault the reader's next good answer is reported too — the card (again) or on_removed
    (no card) — so whatever a screen said about the fault can follow the reader back to normal."""

    def __init__(self, open_reader: Callable[[], SerialCardReader], on_card: Callable[[IdCard], None],
                 on_removed: Callable[[], None], on_error: Callable[[str], None], every_s: float = 0.3):
        self.open_reader, self.on_card, self.on_removed, self.on_error = open_reader, on_card, on_removed, on_error
        self.every_s = every_s
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="idcard", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=2)

    def _run(self) -> None:
        reader: SerialCardReader | None = None
        present: str | None = None
        last_error = ""
        while not self._stop.is_set():
            try:
                if reader is None:
                    reader = self.open_reader()
                card = reader.read_card()
                if card.id_number != present or last_error:
                    present = card.id_number
                    self.on_card(card)
                last_error = ""
            except NoCard:
                if present is not None or last_error:
                    self.on_removed()
                present, last_error = None, ""
            except IdCardError as exc:
                message = str(exc)
                if message != last_error:
                    log.warning("ID card: %s", message)
                    self.on_error(error_kind(exc))
                    last_error = message
                if isinstance(exc, ReaderGone) and reader is not None:
                    reader.close()
                    reader = None
                    self._stop.wait(1.0)
            self._stop.wait(self.every_s)
        if reader is not None:
            reader.close()


# ------------------------------------------------------------------------- the fake reader


class FakeCardReader(PtyDevice):
    """A reader behind a pty that speaks the frame protocol: place or remove a card, or make it
    misbehave (`fault`: 'checksum', 'truncate', 'garbage', 'silent', 'bad_id')."""

    def __init__(self, card: IdCard | None = None):
        self.card = card
        self.fault: str | None = None
        self.commands: list[tuple[int, int]] = []
        self._parser = FrameParser()
        super().__init__("fake-idcard")

    def _reply(self, cmd: int, para: int) -> bytes:
        if (cmd, para) == CMD_FIND:
            return answer(SW_FOUND if self.card else SW_NO_CARD)
        if (cmd, para) == CMD_SELECT:
            return answer(SW_OK if self.card else SW_SELECT_FAILED)
        if (cmd, para) == CMD_READ_BASIC:
            if not self.card:
                return answer(SW_READ_FAILED)
            data = basic_info(self.card)
            if self.fault == "bad_id":
                text = bytearray(data[4:260])
                at = 30 + 2 + 4 + 16 + 70 + 34  # the last character of the ID number
                last = text[at:at + 2].decode("utf-16-le")
                text[at:at + 2] = ("0" if last != "0" else "1").encode("utf-16-le")
                data = data[:4] + bytes(text) + data[260:]
            frame = answer(SW_OK, data)
            if self.fault == "checksum":
                frame = frame[:-1] + bytes([frame[-1] ^ 0xFF])
            elif self.fault == "truncate":
                frame = frame[: len(frame) // 2]
            return frame
        return answer(0x21)  # unknown command

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                ready, _, _ = select.select([self.master], [], [], 0.05)
                if not ready:
                    continue
                data = os.read(self.master, 4096)
            except OSError:
                return
            try:
                frames = self._parser.feed(data)
            except FrameError:
                continue
            for body in frames:
                cmd, para = body[0], body[1]
                self.commands.append((cmd, para))
                if self.fault == "silent":
                    continue
                out = os.urandom(40) if self.fault == "garbage" else self._reply(cmd, para)
                try:
                    os.write(self.master, out)
                except OSError:
                    return

