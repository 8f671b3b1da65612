"""ESC/POS receipt printer: paper status, serial/USB transport that survives unplugging, fakes.

The bytes themselves (text, layout, decoding) are in hw/escpos_bytes.py. python-escpos does the
transports; status is a plain function over the DLE EOT answers, so it is tested exactly.
"""

from __future__ import annotations

import contextlib
import logging
import os
import select
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

from escpos.printer import Dummy

from .escpos_bytes import DLE, EOT, PROFILE, Decoded, decode
from .ptydevice import PtyDevice

log = logging.getLogger("yimen.hw.printer")

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


# ------------------------------------------------------------------------- transports


class Link(Protocol):
    """The byte pipe to a printer. Any I/O failure (a vanished device) raises PrinterOffline."""

    def write(self, data: bytes) -> None: ...
    def read1(self, timeout_s: float) -> int | None: ...
    def clear_input(self) -> None: ...
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
            self.close()
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

    def clear_input(self) -> None:
        try:
            self._p.device.reset_input_buffer()
        except Exception as exc:  # noqa: BLE001
            raise PrinterOffline(f"printer on {self.port} is gone: {exc}") from exc

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
        try:
            ready, _, _ = select.select([self.fd], [], [], timeout_s)
            got = os.read(self.fd, 1) if ready else b""
        except BlockingIOError:
            return None
        except OSError as exc:
            raise PrinterOffline(f"{self.path}: {exc}") from exc
        return got[0] if got else None

    def clear_input(self) -> None:
        while self.read1(0) is not None:
            pass

    def close(self) -> None:
        with contextlib.suppress(OSError):
            os.close(self.fd)


# ------------------------------------------------------------------------- the driver


@dataclass(frozen=True)
class PrinterStatus:
    state: str
    raw: tuple[int | None, int | None, int | None]

    @property
    def can_print(self) -> bool:
        return self.state in ("ok", "near_end")


OFFLINE = PrinterStatus("offline", (None, None, None))


class EscPosPrinter:
    """Checks paper before and after each job; raises PaperOut / CoverOpen / PrinterOffline / PrinterFault.

    With an `opener` the printer outlives its device: a link that fails (unplugged, power-cycled,
    absent at start) is closed and opened again on a later status check or job — at most once per
    backoff delay (`retry_s`: first, longest; doubling) for checks, at once for a job or when asked.
    """

    def __init__(self, link: Link | None, cols: int = 32, baudrate: int | None = None,
                 opener: Callable[[], Link] | None = None, clock: Callable[[], float] = time.monotonic,
                 retry_s: tuple[float, float] = (1.0, 30.0)):
        self.link, self.cols, self.baudrate, self.opener = link, cols, baudrate, opener
        self.clock, self.retry_s = clock, retry_s
        self.bytes_sent = 0
        self.stray_bytes = 0  # bytes on the line that answered no query (XON/XOFF, noise): skipped
        self.failed_opens = 0
        self._next_open = 0.0
        self._lock = threading.Lock()

    @classmethod
    def serial(cls, port: str, baudrate: int = 115200, cols: int = 32, **kw: Any) -> EscPosPrinter:
        """A serial printer; absent now is not an error: it is offline until the port appears."""
        printer = cls(None, cols=cols, baudrate=baudrate, opener=lambda: SerialLink(port, baudrate), **kw)
        printer._open(force=True)
        return printer

    @classmethod
    def usb(cls, path: str = "/dev/usb/lp0", cols: int = 32, **kw: Any) -> EscPosPrinter:
        printer = cls(None, cols=cols, opener=lambda: UsbLpLink(path), **kw)
        printer._open(force=True)
        return printer

    # -------------------------------------------------------------- the link comes and goes

    def _open(self, force: bool = False) -> Link | None:
        """The link, opened now if it is closed and its backoff delay has passed (or `force`)."""
        if self.link is not None or self.opener is None:
            return self.link
        if not force and self.clock() < self._next_open:
            return None
        try:
            self.link = self.opener()
        except PrinterOffline as exc:
            self.failed_opens += 1
            first, longest = self.retry_s
            self._next_open = self.clock() + min(longest, first * 2 ** (self.failed_opens - 1))
            (log.warning if self.failed_opens == 1 else log.debug)("printer: %s", exc)
            return None
        if self.failed_opens:
            log.info("printer is back after %d failed attempts to open it", self.failed_opens)
        self.failed_opens = 0
        return self.link

    def _lost(self, exc: PrinterError) -> None:
        """The device failed under us: close it; the next check opens it again."""
        log.warning("printer lost: %s", exc)
        if self.link is not None and self.opener is not None:
            self.link.close()
            self.link = None

    # -------------------------------------------------------------- status

    def _query(self, link: Link, n: int, timeout_s: float) -> int | None:
        """DLE EOT n and its answer. The input is cleared first and bytes that cannot be a status
        answer (fixed bits) are skipped, so a stray byte never shifts answers onto later queries."""
        link.clear_input()
        link.write(bytes([DLE, EOT, n]))
        end = time.monotonic() + timeout_s
        while (left := end - time.monotonic()) > 0:
            got = link.read1(left)
            if got is None or _valid(got):
                return got
            self.stray_bytes += 1
            log.debug("skipped a stray byte %#04x waiting for the answer to DLE EOT %d", got, n)
        return None

    def status(self, timeout_s: float = 0.5, reopen_now: bool = False) -> PrinterStatus:
        """DLE EOT 1, then 2 if offline, then 4: the paper state in the server's words."""
        with self._lock:
            return self._status(timeout_s, reopen_now)

    def _status(self, timeout_s: float, reopen_now: bool = False) -> PrinterStatus:
        link = self._open(force=reopen_now)
        if link is None:
            return OFFLINE
        try:
            eot1 = self._query(link, 1, timeout_s)
            if eot1 is None:
                return OFFLINE
            eot2 = self._query(link, 2, timeout_s) if eot1 & 0x08 else None
            eot4 = self._query(link, 4, timeout_s)
        except PrinterOffline as exc:
            self._lost(exc)
            return OFFLINE
        return PrinterStatus(parse_status(eot1, eot2, eot4), (eot1, eot2, eot4))

    # -------------------------------------------------------------- printing

    def print_job(self, data: bytes) -> PrinterStatus:
        """Send one job: refuse when the paper/cover/link is bad, confirm the state after sending."""
        with self._lock:
            before = self._status(0.5, reopen_now=True)
            if not before.can_print:
                raise ERRORS[before.state](f"printer not ready: {before.state}")
            assert self.link is not None
            try:
                self.link.write(data)
            except PrinterOffline as exc:
                self._lost(exc)
                raise
            self.bytes_sent += len(data)
            # the answer comes after the printer has taken the whole job off the wire
            drain = len(data) * 10 / self.baudrate if self.baudrate else 0.0
            after = self._status(0.5 + drain)
            if not after.can_print:
                raise ERRORS[after.state](f"printer failed during the job: {after.state}", during_print=True)
            return after

    def close(self) -> None:
        with self._lock:
            self.opener = None  # closed for good: never reopened
            if self.link is not None:
                self.link.close()
                self.link = None


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

    def clear_input(self) -> None:
        self._pending.clear()

    def close(self) -> None:
        pass

    @property
    def output(self) -> bytes:
        return self.dummy.output

    def printed(self) -> Decoded:
        return decode(self.dummy.output)


class FakePrinter(EscPosPrinter):
    """EscPosPrinter over a FakeLink (tests, `yimen demo`, a kiosk without a printer)."""

    def __init__(self, state: str = "ok", cols: int = 32):
        super().__init__(FakeLink(state), cols=cols)

    @property
    def fake(self) -> FakeLink:
        return self.link  # type: ignore[return-value]


class PtyPrinter(PtyDevice):
    """A printer simulated behind a pseudo-terminal: pyserial opens `port` as real hardware.

    It takes bytes at most at `baud`/10 per second (as a wire would), answers DLE EOT queries in
    real time from its state, stops printing when the paper runs out (`paper_out_after` bytes),
    sends XON whenever it has taken bytes off the line (`xon`, software flow control),
    have stray bytes put on the line (`inject`), and be unplugged.
    """

    def __init__(self, baud: int | None = None, paper_out_after: int | None = None, state: str = "ok",
                 xon: bool = False):
        self.baud, self.paper_out_after, self.state, self.xon = baud, paper_out_after, state, xon
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
            if self.xon:
                self.inject(b"\x11")  # XON: "my buffer has room again", before any answer
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
        if self.state not in ("ok", "near_end") or not data:
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
        self.inject(bytes([{1: e1, 2: e2, 4: e4}.get(n, 0x12)]))

    def inject(self, data: bytes) -> None:
        """Put bytes on the line towards the host (an answer, or noise)."""
        with contextlib.suppress(OSError):
            os.write(self.master, data)

    def unplug(self) -> None:
        """The cable is pulled: the wire goes dead and nothing answers."""
        self.state = "offline"
        super().unplug()
