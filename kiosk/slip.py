"""The ticket slip: what it says, in the kiosk's language, and how it sits on the paper.

Pure: `ticket_bytes` turns a `TicketSlip` into ESC/POS bytes (hw.escpos_bytes does the bytes);
`estimate_lines` is the same estimate in words for the screen, so paper and screen never differ.
Every text here is GB2312-safe (tests/test_slip.py encodes each one), and anything that comes from
the hall (its name, matter names, the note) is made printable by the builder.
"""

from __future__ import annotations

from dataclasses import dataclass

from hw.escpos_bytes import SlipBuilder


@dataclass(frozen=True)
class TicketSlip:
    """What a ticket slip shows (domain §4): no personal data, ever.

    The estimate follows the server's contract: the range is None when none can be given;
    `open_now` False means no window that serves the ticket is open, and `opens_at` (already
    "HH:MM" in the hall's time) says when serving is expected to start, None when unknown.
    """

    hall: str
    number: str
    service: str
    windows: str
    ahead: int | None
    wait_low_min: int | None
    wait_high_min: int | None
    issued_at: str
    status_url: str | None  # None: the server knows no address a phone can reach; no QR then
    note: str = ""
    supervision_phone: str = "12345"
    priority: bool = False
    open_now: bool = True
    opens_at: str | None = None
    beyond_closing: bool = False


SLIP_TEXTS: dict[str, dict[str, str]] = {
    "zh": {"service": "办理事项：", "windows": "办理窗口：", "ahead": "前面还有 {n} 人",
           "wait": "预计等候 {span} 分钟", "opens_at": "预计 {at} 开始办理", "no_window": "暂无窗口办理",
           "beyond_closing": "今日可能无法办理", "time": "取号时间：", "valid": "当日有效",
           "scan": "扫码查看排队进度", "phone": "监督电话：", "priority": "【绿色通道】"},
    "en": {"service": "Service: ", "windows": "Go to: ", "ahead": "{n} people ahead",
           "wait": "Estimated wait {span} min", "opens_at": "Service expected from {at}",
           "no_window": "No window open for this service now", "beyond_closing": "May not be served today",
           "time": "Taken: ", "valid": "Valid today only", "scan": "Scan to follow your ticket",
           "phone": "Supervision: ", "priority": "[Priority]"},
}


def estimate_lines(slip: TicketSlip, lang: str = "zh") -> list[str]:
    """The estimate in words: when serving starts (or that no window serves it now), the wait
    range when there is one, and the warning when it may not be served today."""
    lab = SLIP_TEXTS[lang]
    lines = []
    if not slip.open_now:
        lines.append(lab["opens_at"].format(at=slip.opens_at) if slip.opens_at else lab["no_window"])
    lo, hi = slip.wait_low_min, slip.wait_high_min
    if lo is not None and hi is not None:
        lines.append(lab["wait"].format(span=f"{lo}" if lo == hi else f"{lo}-{hi}"))
    if slip.beyond_closing:
        lines.append(lab["beyond_closing"])
    return lines


def ticket_bytes(slip: TicketSlip, cols: int = 32, lang: str = "zh") -> bytes:
    """Hall; the number large; people ahead and the estimate; service, windows, time, 当日有效;
    the QR of the ticket's page; the missed-ticket note; the supervision phone; cut."""
    lab = SLIP_TEXTS[lang]
    b = SlipBuilder(cols)
    b.align("center").size(1, 2).line(slip.hall).size()
    b.rule()
    if slip.priority:
        b.line(lab["priority"])
    b.size(4, 4).bold().line(slip.number, scale=4).bold(False).size()
    if slip.ahead is not None:
        b.line(lab["ahead"].format(n=slip.ahead))
    for text in estimate_lines(slip, lang):
        if text == lab["beyond_closing"]:
            b.bold().line(text).bold(False)
        else:
            b.line(text)
    b.align("left").rule()
    b.line(lab["service"] + slip.service)
    b.line(lab["windows"] + slip.windows)
    b.line(lab["time"] + slip.issued_at)
    b.bold().line(lab["valid"]).bold(False)
    b.align("center")
    if slip.status_url:
        b.qr(slip.status_url).line(lab["scan"])
    if slip.note:
        b.bold().line(slip.note).bold(False)
    b.line(lab["phone"] + slip.supervision_phone)
    return b.cut()
