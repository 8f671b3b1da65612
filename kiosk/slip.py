"""The kiosk's paper: the ticket slip (what it says, in the kiosk's language, and how it sits on
the paper), the materials checklist and the maintenance screen's test page.

Pure: `slip_of` reads the server's answer to an issue, `ticket_bytes` turns the slip into ESC/POS
bytes (hw.escpos_bytes's `SlipBuilder` does the bytes; the driver in hw.printer knows no wording). The estimate is worded by `logic.estimate_lines`, the same
lines the screen shows, so paper and screen never differ.
Every text here is GB2312-safe (tests/test_slip.py encodes each one), and anything that comes from
the hall (its name, matter names, the note) is made printable by the builder.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from hw.escpos_bytes import SlipBuilder

from .i18n import t
from .logic import appointment_lines, estimate_lines, local_time, windows_text


@dataclass(frozen=True)
class TicketSlip:
    """What a ticket slip shows (domain §4): no personal data, ever. `told` is the estimate in words
    as (kind, text) lines — people ahead, the wait, and warnings (kind 'warn', printed bold)."""

    hall: str
    number: str
    service: str
    windows: str
    told: tuple[tuple[str, str], ...]
    issued_at: str
    status_url: str | None  # None: the server knows no address a phone can reach; no QR then
    note: str = ""
    supervision_phone: str = "12345"
    priority: bool = False
    cases: int = 0  # a pick-up ticket: how many results it collects
    book_url: str | None = None  # the hall's booking page: printed as text, the next visit booked by phone


SLIP_TEXTS: dict[str, dict[str, str]] = {
    "zh": {"service": "办理事项：", "windows": "办理窗口：", "time": "取号时间：", "valid": "当日有效",
           "scan": "扫码查看排队进度", "phone": "监督电话：", "priority": "【绿色通道】",
           "cases": "领取结果：{n} 件", "bring": "请带身份证原件和受理通知书",
           "book": "下次可手机预约："},
    "en": {"service": "Service: ", "windows": "Go to: ", "time": "Taken: ", "valid": "Valid today only",
           "scan": "Scan to follow your ticket", "phone": "Supervision: ", "priority": "[Priority]",
           "cases": "Results to collect: {n}", "bring": "Bring your ID card and the acceptance notice",
           "book": "Book your next visit: "},
}


def slip_of(issued: dict[str, Any], lang: str = "zh") -> TicketSlip:
    """The printed slip from the server's answer to an issue: numbers and windows, never a person.
    Every field of the estimate may be null (docs/api.md): the slip then says less, never breaks."""
    service = (issued.get("matter") or {}).get("name") or issued["category"]["name"]
    est = dict(issued.get("estimate") or {})
    if issued.get("ahead") is not None:
        est["ahead"] = issued["ahead"]
    return TicketSlip(
        hall=issued.get("hall") or "", number=issued["number"], service=service,
        windows=windows_text(issued.get("windows") or [], lang),
        told=tuple(estimate_lines(est or None, lang, issued=True)),
        issued_at=local_time(float(issued["issued_at"])), status_url=issued.get("status_url"),
        note=issued.get(f"note_{lang}") or issued.get("note") or "",
        supervision_phone=issued.get("supervision_phone") or "12345", priority=bool(issued.get("priority")),
        cases=len(issued.get("cases") or ()), book_url=issued.get("book_url"),
    )


def ticket_bytes(slip: TicketSlip, cols: int = 32, lang: str = "zh") -> bytes:
    """Hall; the number large; people ahead and the estimate; service, windows, time, 当日有效;
    the QR of the ticket's page; the missed-ticket note; where to book the next visit; the
    supervision phone; cut."""
    lab = SLIP_TEXTS[lang]
    b = SlipBuilder(cols)
    b.align("center").size(1, 2).line(slip.hall).size()
    b.rule()
    if slip.priority:
        b.line(lab["priority"])
    b.size(4, 4).bold().line(slip.number, scale=4).bold(False).size()
    for kind, text in slip.told:
        if kind == "warn":
            b.bold().line(text).bold(False)
        else:
            b.line(text)
    b.align("left").rule()
    b.line(lab["service"] + slip.service)
    if slip.cases:
        b.bold().line(lab["cases"].format(n=slip.cases)).bold(False).line(lab["bring"])
    b.line(lab["windows"] + slip.windows)
    b.line(lab["time"] + slip.issued_at)
    b.bold().line(lab["valid"]).bold(False)
    b.align("center")
    if slip.status_url:
        b.qr(slip.status_url).line(lab["scan"])
    if slip.note:
        b.bold().line(slip.note).bold(False)
    if slip.book_url:
        b.line(lab["book"]).line(slip.book_url + ("?lang=en" if lang == "en" else ""))
    b.line(lab["phone"] + slip.supervision_phone)
    return b.cut()


APPOINTMENT_TEXTS: dict[str, dict[str, str]] = {
    "zh": {"title": "预约凭证", "service": "预约业务：", "booked": "预约于：", "phone": "监督电话："},
    "en": {"title": "Appointment", "service": "Service: ", "booked": "Booked: ", "phone": "Supervision: "},
}


def appointment_bytes(booked: dict[str, Any], hall: dict[str, Any] | None, service: str, booked_at: float,
                      cols: int = 32, lang: str = "zh") -> bytes:
    """The appointment slip of a citizen the day's cap turned away: the hall, the service, the
    code large and as a QR code (the kiosk's scanner checks it in on the day), the slot and when to
    check in — the same lines the screen shows (logic.appointment_lines). No personal data."""
    lab = APPOINTMENT_TEXTS[lang]
    info = (hall or {}).get("hall") or {}
    b = SlipBuilder(cols)
    b.align("center").size(1, 2).line(info.get("name") or "").size()
    b.rule()
    b.bold().line(lab["title"]).bold(False)
    b.line(t("cap_code", lang))
    b.size(3, 3).bold().line(booked["code"], scale=3).bold(False).size()
    b.qr(booked["code"])
    b.align("left").rule()
    b.line(lab["service"] + service)
    for line in appointment_lines(booked, hall, lang):
        b.line(line)
    b.line(lab["booked"] + local_time(booked_at))
    b.align("center").line(lab["phone"] + str(info.get("supervision_phone") or "12345"))
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
