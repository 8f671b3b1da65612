"""ESC/POS receipt printer: slip layout, paper status, serial/USB transport, fakes.

Chinese is sent our own way — FS & (Chinese mode) and GB18030 bytes — because python-escpos's
encoding guesswork turns full-width punctuation into '??'. The QR code is the printer's native
one (GS ( k, ~70 bytes) rather than a raster image (several KB): at 9600 baud that is the
difference between half a second and several seconds per slip. python-escpos does the QR, the
cut and the transports; layout and status are plain functions over bytes, so they are tested
exactly (golden files, decode-back) without a printer.
"""

from __future__ import annotations

import contextlib
import logging
import os
import select
import threading
import time
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

from escpos.constants import QR_ECLEVEL_M
from escpos.printer import Dummy

from .ptydevice import PtyDevice

log = logging.getLogger("yimen.hw.printer")

ESC, GS, FS, DLE, EOT, LF = 0x1B, 0x1D, 0x1C, 0x10, 0x04, 0x0A
INIT = b"\x1b@"
CHINESE_ON = b"\x1c&"
CHINESE_OFF = b"\x1c."
ENCODING = "gb18030"
PROFILE = "TM-T88II"  # a profile with a known paper width; the commands we use are universal


# ------------------------------------------------------------------------- errors


class PrinterError(Exception):
    """Base of printer errors; `state` is the device-status word the server understands."""

    state = "error"

    def __init__(self, message: str, during_print: bool = False):
        super().__init__(message)
        self.during_print = during_print


class PaperOut(PrinterError):
    state = "out"


class CoverOpen(PrinterError):
    state = "cover_open"


class PrinterOffline(PrinterError):
    state = "offline"


class PrinterFault(PrinterError):
    state = "error"


ERRORS: dict[str, type[PrinterError]] = {
    "out": PaperOut, "cover_open": CoverOpen, "offline": PrinterOffline, "error": PrinterFault,
}


# ------------------------------------------------------------------------- status (pure)


def _valid(b: int | None) -> bool:
    """A DLE EOT answer has bit 7 = 0, bit 4 = 1, bit 1 = 1, bit 0 = 0 (fixed bits)."""
    return b is not None and (b & 0b1001_0011) == 0b0001_0010


def parse_status(eot1: int | None, eot2: int | None, eot4: int | None) -> str:
    """The printer's state from the answers to DLE EOT 1 (printer), 2 (offline cause), 4 (paper).

    None means "no answer": a printer that does not answer is offline. A malformed byte is an error.
    Returns one of ok, near_end, out, cover_open, offline, error.
    """
    if eot1 is None:
        return "offline"
    if not _valid(eot1) or (eot2 is not None and not _valid(eot2)) or (eot4 is not None and not _valid(eot4)):
        return "error"
    if eot4 is not None and eot4 & 0x60:
        return "out"
    if eot1 & 0x08:  # offline: ask why
        if eot2 is None:
            return "offline"
        if eot2 & 0x04:
            return "cover_open"
        if eot2 & 0x20:
            return "out"
        if eot2 & 0x40:
            return "error"
        return "offline"
    if eot4 is not None and eot4 & 0x0C:
        return "near_end"
    return "ok"


def status_bytes(state: str) -> tuple[int, int, int]:
    """What a printer in `state` answers to DLE EOT 1, 2, 4 (for fakes and tests)."""
    eot1, eot2, eot4 = 0x16, 0x12, 0x12
    if state == "near_end":
        eot4 |= 0x0C
    elif state == "out":
        eot1 |= 0x08
        eot2 |= 0x20
        eot4 |= 0x6C
    elif state == "cover_open":
        eot1 |= 0x08
        eot2 |= 0x04
    elif state == "error":
        eot1 |= 0x08
        eot2 |= 0x40
    return eot1, eot2, eot4


# ------------------------------------------------------------------------- layout (pure)


def text_width(text: str) -> int:
    """Columns in Font A: a Han character or full-width sign takes two."""
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def wrap(text: str, cols: int) -> list[str]:
    """Break `text` into lines of at most `cols` columns (Chinese has no spaces to break at)."""
    lines: list[str] = []
    for para in text.split("\n"):
        line, width = "", 0
        for c in para:
            w = 2 if unicodedata.east_asian_width(c) in "WF" else 1
            if width + w > cols:
                lines.append(line.rstrip())
                line, width = "", 0
                if c == " ":
                    continue
            line += c
            width += w
        lines.append(line.rstrip())
    return lines


class SlipBuilder:
    """Composes ESC/POS bytes: python-escpos (Dummy) for the QR and the cut, our bytes for the rest."""

    def __init__(self, cols: int = 32):
        self.cols = cols
        self._p = Dummy(profile=PROFILE)
        self._p._raw(INIT + CHINESE_ON)

    def raw(self, data: bytes) -> SlipBuilder:
        self._p._raw(data)
        return self

    def align(self, how: str) -> SlipBuilder:
        return self.raw(bytes([ESC, ord("a"), {"left": 0, "center": 1, "right": 2}[how]]))

    def size(self, width: int = 1, height: int = 1) -> SlipBuilder:
        """GS ! : character magnification 1–8 (applies to Chinese characters too)."""
        return self.raw(bytes([GS, ord("!"), ((width - 1) << 4) | (height - 1)]))

    def bold(self, on: bool = True) -> SlipBuilder:
        return self.raw(bytes([ESC, ord("E"), int(on)]))

    def line(self, text: str = "", scale: int = 1) -> SlipBuilder:
        for part in wrap(text, max(1, self.cols // scale)):
            self.raw(part.encode(ENCODING, errors="replace") + b"\n")
        return self

    def rule(self) -> SlipBuilder:
        return self.raw(b"-" * self.cols + b"\n")

    def qr(self, data: str, module: int = 6) -> SlipBuilder:
        self._p.qr(data, native=True, size=module, ec=QR_ECLEVEL_M)
        return self

    def feed(self, lines: int = 1) -> SlipBuilder:
        return self.raw(bytes([ESC, ord("d"), lines]))

    def cut(self) -> bytes:
        self._p.cut()
        return self._p.output


@dataclass(frozen=True)
class TicketSlip:
    """What a ticket slip shows (domain §4): no personal data, ever."""

    hall: str
    number: str
    service: str
    windows: str
    ahead: int
    wait_low_min: int | None  # None: no range can be given (no window serving it is open)
    wait_high_min: int | None
    issued_at: str
    status_url: str
    note: str = ""
    supervision_phone: str = "12345"
    priority: bool = False


SLIP_LABELS: dict[str, dict[str, str]] = {
    "zh": {"service": "办理事项：", "windows": "办理窗口：", "ahead": "前面还有 {n} 人",
           "wait": "预计等候 {lo}–{hi} 分钟", "no_window": "暂无窗口办理", "time": "取号时间：", "scan": "扫码查看排队进度",
           "phone": "监督电话：", "priority": "【绿色通道】"},
    "en": {"service": "Service: ", "windows": "Window: ", "ahead": "{n} people ahead",
           "wait": "Estimated wait {lo}-{hi} min", "no_window": "No window open for this service", "time": "Taken: ", "scan": "Scan to follow your ticket",
           "phone": "Supervision: ", "priority": "[Priority]"},
}


def ticket_bytes(slip: TicketSlip, cols: int = 32, lang: str = "zh") -> bytes:
    """The ticket slip: hall, the number large, service, windows, ahead, wait range, time, QR, note, cut."""
    lab = SLIP_LABELS[lang]
    b = SlipBuilder(cols)
    b.align("center").size(1, 2).line(slip.hall).size()
    b.rule()
    if slip.priority:
        b.line(lab["priority"])
    b.size(4, 4).bold().line(slip.number, scale=4).bold(False).size()
    b.line(lab["ahead"].format(n=slip.ahead))
    if slip.wait_low_min is None or slip.wait_high_min is None:
        b.line(lab["no_window"])
    else:
        b.line(lab["wait"].format(lo=slip.wait_low_min, hi=slip.wait_high_min))
    b.align("left").rule()
    b.line(lab["service"] + slip.service)
    b.line(lab["windows"] + slip.windows)
    b.line(lab["time"] + slip.issued_at)
    b.align("center").qr(slip.status_url).line(lab["scan"])
    if slip.note:
        b.bold().line(slip.note).bold(False)
    b.line(lab["phone"] + slip.supervision_phone)
    return b.cut()


def checklist_bytes(title: str, sections: list[tuple[str, list[str]]], footer: str = "",
                    cols: int = 32) -> bytes:
    """A printed materials checklist (一次性告知 style): a title, then titled lists with tick boxes."""
    b = SlipBuilder(cols)
    b.align("center").size(1, 2).line(title).size().align("left").rule()
    for heading, items in sections:
        b.bold().line(heading).bold(False)
        for item in items:
            b.line("□ " + item)
        b.line()
    if footer:
        b.rule().line(footer)
    return b.cut()


def printer_test_page(cols: int = 32, when: str = "") -> bytes:
    """The maintenance screen's printer test: Chinese, sizes, a QR, a cut."""
    b = SlipBuilder(cols)
    b.align("center").size(2, 2).line("打印测试", scale=2).size().line("Printer test " + when)
    b.line("中文：一门便民服务中心（全角标点）").line("0123456789 ABCDEFG abc")
    return b.qr("yimen printer test").cut()


# ------------------------------------------------------------------------- decoding (pure)


@dataclass
class Decoded:
    """A byte stream read back as a printer would: text lines and the commands around them."""

    ops: list[tuple[str, Any]] = field(default_factory=list)

    @property
    def lines(self) -> list[str]:
        return [v for k, v in self.ops if k == "line"]

    @property
    def qr(self) -> list[str]:
        return [v for k, v in self.ops if k == "qr"]

    def sized_lines(self) -> list[tuple[str, int]]:
        """Each text line with the GS ! magnification in force (width multiplier)."""
        size, out = 1, []
        for k, v in self.ops:
            if k == "size":
                size = v[0]
            elif k == "line":
                out.append((v, size))
        return out


class DecodeError(ValueError):
    pass


def decode(data: bytes) -> Decoded:
    """Parse the subset of ESC/POS this module writes; unknown commands raise DecodeError."""
    d = Decoded()
    text = bytearray()
    chinese = False
    i, n = 0, len(data)

    def need(k: int) -> bytes:
        if i + k > n:
            raise DecodeError(f"truncated command at byte {i}")
        return data[i:i + k]

    while i < n:
        c = data[i]
        if c == LF:
            d.ops.append(("line", text.decode(ENCODING if chinese else "ascii", errors="strict")))
            text.clear()
            i += 1
        elif c == ESC:
            cmd = need(2)[1]
            if cmd == ord("@"):
                d.ops.append(("init", None))
                chinese = False
                i += 2
            elif cmd in (ord("a"), ord("E"), ord("d"), ord("!"), ord("t")):
                arg = need(3)[2]
                name = {ord("a"): "align", ord("E"): "bold", ord("d"): "feed", ord("!"): "mode",
                        ord("t"): "codepage"}[cmd]
                d.ops.append((name, arg))
                i += 3
            else:
                raise DecodeError(f"unknown ESC {cmd:#x} at byte {i}")
        elif c == GS:
            cmd = need(2)[1]
            if cmd == ord("!"):
                arg = need(3)[2]
                d.ops.append(("size", ((arg >> 4) + 1, (arg & 0x0F) + 1)))
                i += 3
            elif cmd == ord("V"):
                m = need(3)[2]
                i += 3 if m in (0, 1, 48, 49) else 4
                d.ops.append(("cut", m))
            elif cmd == ord("("):
                head = need(5)
                if head[2] != ord("k"):
                    raise DecodeError(f"unknown GS ( {head[2]:#x} at byte {i}")
                length = head[3] | (head[4] << 8)
                body = need(5 + length)[5:]
                if len(body) >= 3 and body[:3] == b"1P0":
                    d.ops.append(("qr", body[3:].decode("utf-8")))
                elif len(body) >= 2 and body[:2] == b"1Q":
                    d.ops.append(("qr_print", None))
                else:
                    d.ops.append(("qr_setup", bytes(body)))
                i += 5 + length
            else:
                raise DecodeError(f"unknown GS {cmd:#x} at byte {i}")
        elif c == FS:
            cmd = need(2)[1]
            if cmd == ord("&"):
                chinese = True
            elif cmd == ord("."):
                chinese = False
            else:
                raise DecodeError(f"unknown FS {cmd:#x} at byte {i}")
            d.ops.append(("chinese", chinese))
            i += 2
        elif c == DLE:
            q = need(3)
            d.ops.append(("status_query", q[2]))
            i += 3
        elif c < 0x20:
            raise DecodeError(f"unexpected control byte {c:#x} at {i}")
        else:
            if c >= 0x80 and not chinese:
                raise DecodeError(f"non-ASCII byte {c:#x} outside Chinese mode at {i}")
            text.append(c)
            i += 1
    if text:
        d.ops.append(("line", text.decode(ENCODING if chinese else "ascii")))
    return d


# ------------------------------------------------------------------------- transports


class Link(Protocol):
    """The byte pipe to a printer."""

    def write(self, data: bytes) -> None: ...
    def read1(self, timeout_s: float) -> int | None: ...
    def close(self) -> None: ...


class SerialLink:
    """python-escpos Serial over pyserial (RS-232 or a USB-serial adapter)."""

    def __init__(self, port: str, baudrate: int = 115200, timeout_s: float = 1.0):
        from escpos.printer import Serial

        self.port, self.baudrate = port, baudrate
        self._p = Serial(devfile=port, baudrate=baudrate, timeout=timeout_s, dsrdtr=False, profile=PROFILE)
        try:
            self._p.open()
        except Exception as exc:  # noqa: BLE001 - escpos raises its own DeviceNotFoundError
            raise PrinterOffline(f"cannot open printer port {port}: {exc}") from exc

    def write(self, data: bytes) -> None:
        try:
            self._p._raw(data)
            self._p.device.flush()
        except Exception as exc:  # noqa: BLE001 - SerialException, OSError (unplugged)
            raise PrinterOffline(f"printer on {self.port} stopped answering: {exc}", during_print=True) from exc

    def read1(self, timeout_s: float) -> int | None:
        try:
            dev = self._p.device
            dev.timeout = timeout_s
            got = dev.read(1)
        except Exception as exc:  # noqa: BLE001
            raise PrinterOffline(f"printer on {self.port} is gone: {exc}") from exc
        return got[0] if got else None

    def close(self) -> None:
        # not escpos's close(): it flushes first, which raises on an unplugged port (even from __del__)
        dev, self._p._device = self._p._device, False
        if dev:
            try:
                dev.close()
            except Exception:  # noqa: BLE001 - closing a vanished device must not crash the kiosk
                log.debug("closing %s failed", self.port, exc_info=True)


class UsbLpLink:
    """A USB printer through the kernel's usblp driver (/dev/usb/lp0): no pyusb needed."""

    def __init__(self, path: str = "/dev/usb/lp0"):
        self.path = path
        try:
            self.fd = os.open(path, os.O_RDWR | os.O_NONBLOCK)
        except OSError as exc:
            raise PrinterOffline(f"cannot open {path}: {exc}") from exc

    def write(self, data: bytes) -> None:
        view = memoryview(data)
        try:
            while view:
                select.select([], [self.fd], [], 5.0)
                view = view[os.write(self.fd, view):]
        except BlockingIOError:
            pass
        except OSError as exc:
            raise PrinterOffline(f"{self.path}: {exc}", during_print=True) from exc

    def read1(self, timeout_s: float) -> int | None:
        ready, _, _ = select.select([self.fd], [], [], timeout_s)
        if not ready:
            return None
        try:
            got = os.read(self.fd, 1)
        except OSError as exc:
            raise PrinterOffline(f"{self.path}: {exc}") from exc
        return got[0] if got else None

    def close(self) -> None:
        os.close(self.fd)


# ------------------------------------------------------------------------- the driver


@dataclass(frozen=True)
class PrinterStatus:
    state: str
    raw: tuple[int | None, int | None, int | None]

    @property
    def can_print(self) -> bool:
        return self.state in ("ok", "near_end")


class EscPosPrinter:
    """Checks paper before and after each job; raises PaperOut / CoverOpen / PrinterOffline / PrinterFault."""

    def __init__(self, link: Link, cols: int = 32, baudrate: int | None = None, lang: str = "zh"):
        self.link, self.cols, self.baudrate, self.lang = link, cols, baudrate, lang
        self.bytes_sent = 0
        self._lock = threading.Lock()

    @classmethod
    def serial(cls, port: str, baudrate: int = 115200, cols: int = 32) -> EscPosPrinter:
        return cls(SerialLink(port, baudrate), cols=cols, baudrate=baudrate)

    @classmethod
    def usb(cls, path: str = "/dev/usb/lp0", cols: int = 32) -> EscPosPrinter:
        return cls(UsbLpLink(path), cols=cols)

    def _query(self, n: int, timeout_s: float) -> int | None:
        self.link.write(bytes([DLE, EOT, n]))
        return self.link.read1(timeout_s)

    def status(self, timeout_s: float = 0.5) -> PrinterStatus:
        """DLE EOT 1, then 2 if offline, then 4: the paper state in the server's words."""
        with self._lock:
            return self._status(timeout_s)

    def _status(self, timeout_s: float) -> PrinterStatus:
        try:
            eot1 = self._query(1, timeout_s)
            if eot1 is None:
                return PrinterStatus("offline", (None, None, None))
            eot2 = self._query(2, timeout_s) if _valid(eot1) and eot1 & 0x08 else None
            eot4 = self._query(4, timeout_s)
        except PrinterOffline as exc:
            log.warning("printer status: %s", exc)
            return PrinterStatus("offline", (None, None, None))
        return PrinterStatus(parse_status(eot1, eot2, eot4), (eot1, eot2, eot4))

    def print_job(self, data: bytes) -> PrinterStatus:
        """Send one job: refuse when the paper/cover/link is bad, confirm the state after sending."""
        with self._lock:
            before = self._status(0.5)
            if not before.can_print:
                raise ERRORS[before.state](f"printer not ready: {before.state}")
            self.link.write(data)
            self.bytes_sent += len(data)
            # the answer comes after the printer has taken the whole job off the wire
            drain = len(data) * 10 / self.baudrate if self.baudrate else 0.0
            after = self._status(0.5 + drain)
            if not after.can_print:
                raise ERRORS[after.state](f"printer failed during the job: {after.state}", during_print=True)
            return after

    def print_ticket(self, slip: TicketSlip) -> PrinterStatus:
        return self.print_job(ticket_bytes(slip, self.cols, self.lang))

    def close(self) -> None:
        self.link.close()


# ------------------------------------------------------------------------- fakes


class FakeLink:
    """An in-memory printer on python-escpos's Dummy: answers DLE EOT from a settable state."""

    def __init__(self, state: str = "ok", fail_after_bytes: int | None = None):
        self.dummy = Dummy(profile=PROFILE)
        self.state = state
        self.fail_after_bytes = fail_after_bytes
        self.answer = True
        self._pending: list[int] = []

    def write(self, data: bytes) -> None:
        if self.state == "offline" and not self.answer:
            raise PrinterOffline("fake printer unplugged", during_print=True)
        if len(data) == 3 and data[0] == DLE and data[1] == EOT:
            if self.answer and self.state != "offline":
                e1, e2, e4 = status_bytes(self.state)
                self._pending.append({1: e1, 2: e2, 4: e4}.get(data[2], 0x12))
            return
        self.dummy._raw(data)
        if self.fail_after_bytes is not None and len(self.dummy.output) >= self.fail_after_bytes:
            self.state = "out"

    def read1(self, timeout_s: float) -> int | None:
        return self._pending.pop(0) if self._pending else None

    def close(self) -> None:
        pass

    @property
    def output(self) -> bytes:
        return self.dummy.output

    def printed(self) -> Decoded:
        return decode(self.dummy.output)


class FakePrinter(EscPosPrinter):
    """EscPosPrinter over a FakeLink (tests, `yimen demo`, a kiosk without a printer)."""

    def __init__(self, state: str = "ok", cols: int = 32, lang: str = "zh"):
        super().__init__(FakeLink(state), cols=cols, lang=lang)

    @property
    def fake(self) -> FakeLink:
        return self.link  # type: ignore[return-value]


class PtyPrinter(PtyDevice):
    """A printer simulated behind a pseudo-terminal: pyserial opens `port` as real hardware.

    It takes bytes at most at `baud`/10 per second (as a wire would), answers DLE EOT queries in
    real time from its state, stops printing when the paper runs out (`paper_out_after` bytes),
    and can be unplugged.
    """

    def __init__(self, baud: int | None = None, paper_out_after: int | None = None, state: str = "ok"):
        self.baud, self.paper_out_after, self.state = baud, paper_out_after, state
        self.received = bytearray()  # everything that came down the wire, queries included
        self.printed = bytearray()  # what reached the paper
        self.last_byte_at: float | None = None
        self.on_byte: Callable[[float], None] | None = None
        super().__init__("pty-printer")

    def _run(self) -> None:
        chunk = max(1, (self.baud or 1_000_000) // 1000)  # ~10 ms of wire time per read
        pending = bytearray()
        while not self._stop.is_set():
            try:
                ready, _, _ = select.select([self.master], [], [], 0.05)
                if not ready:
                    continue
                data = os.read(self.master, chunk)
            except OSError:
                return
            if not data:
                return
            if self.baud:
                time.sleep(len(data) * 10 / self.baud)
            self.last_byte_at = time.perf_counter()
            self.received += data
            pending += data
            while pending:
                k = pending.find(bytes([DLE, EOT]))
                if k == -1:
                    keep = 1 if pending[-1] == DLE else 0
                    self._paper(pending[:len(pending) - keep])
                    del pending[:len(pending) - keep]
                    break
                if k + 2 >= len(pending):
                    self._paper(pending[:k])
                    del pending[:k]
                    break
                self._paper(pending[:k])
                self._answer(pending[k + 2])
                del pending[:k + 3]

    def _paper(self, data: bytes | bytearray) -> None:
        if self.state not in ("ok", "near_end"):
            return
        if self.paper_out_after is not None and len(self.printed) + len(data) >= self.paper_out_after:
            self.printed += data[:max(0, self.paper_out_after - len(self.printed))]
            self.state = "out"
            return
        self.printed += data

    def _answer(self, n: int) -> None:
        if self.state == "offline":
            return
        e1, e2, e4 = status_bytes(self.state)
        with contextlib.suppress(OSError):
            os.write(self.master, bytes([{1: e1, 2: e2, 4: e4}.get(n, 0x12)]))

    def unplug(self) -> None:
        """The cable is pulled: the wire goes dead and nothing answers."""
        self.state = "offline"
        super().unplug()
