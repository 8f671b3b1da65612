"""The hall's front desk: staff alerts, device health, the display notice and appointments.

These are part of the same state machine as tickets and windows (one event per change, folded by
`apply`), kept apart from `hall.py` so each module holds one job. `Hall` inherits these commands
and fold handlers; they read and write only `self.state`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .config import HallConfig
from .events import Conflict, Event, Invalid, NotFound
from .numbering import business_day

ALERT_KINDS = ("help", "printer", "paper_low", "device", "other")
PRINTER_STATES = ("ok", "near_end", "out", "cover_open", "offline", "error")


@dataclass
class Alert:
    id: int
    kind: str
    message: str
    source: str
    at: float
    acknowledged_by: str | None = None
    cleared_at: float | None = None  # the device reported the problem gone (printer back, paper in)

    @property
    def open(self) -> bool:
        return self.acknowledged_by is None and self.cleared_at is None


@dataclass
class Booking:
    code: str
    slot_start: float
    slot_end: float
    category: str
    matter: str | None
    person_key: str | None
    ticket: str | None = None  # set when checked in


@dataclass
class FrontDeskState:
    alerts: list[Alert] = field(default_factory=list)
    devices: dict[str, dict[str, Any]] = field(default_factory=dict)
    notice: str = ""
    bookings: dict[str, Booking] = field(default_factory=dict)


class FrontDesk:
    """Mixed into `Hall`, which provides these three."""

    config: HallConfig
    state: Any  # HallState, whose `desk` field is a FrontDeskState

    def _event(self, kind: str, now: float, data: dict[str, Any], actor: str) -> Event:
        raise NotImplementedError

    # ------------------------------------------------------------ alerts

    def alert(self, kind: str, message: str, source: str, now: float, actor: str = "") -> Event:
        if kind not in ALERT_KINDS:
            raise Invalid("unknown_alert", f"alert kind must be one of {', '.join(ALERT_KINDS)}")
        return self._event("staff_alert", now, {"alert": len(self.state.desk.alerts) + 1, "kind": kind,
                                                "message": message.strip(), "source": source}, actor)

    def acknowledge(self, alert: int, who: str, now: float, actor: str = "") -> Event:
        if not 1 <= alert <= len(self.state.desk.alerts):
            raise NotFound("alert_not_found", f"no alert {alert} today")
        found = self.state.desk.alerts[alert - 1]
        if found.acknowledged_by:
            raise Conflict("already_acknowledged", f"alert {alert} was acknowledged by {found.acknowledged_by}")
        return self._event("alert_acknowledged", now, {"alert": alert, "by": who}, actor)

    def _on_staff_alert(self, d: dict, at: float) -> None:
        self.state.desk.alerts.append(Alert(d["alert"], d["kind"], d["message"], d["source"], at))

    def _on_alert_acknowledged(self, d: dict, at: float) -> None:
        self.state.desk.alerts[d["alert"] - 1].acknowledged_by = d["by"]

    # ------------------------------------------------------------ devices

    def device_status(self, device: str, kind: str, status: dict[str, Any], now: float, actor: str = "") -> Event | None:
        """A device's reported health; None when nothing changed (no event for a heartbeat)."""
        printer = status.get("printer")
        if printer is not None and printer not in PRINTER_STATES:
            raise Invalid("unknown_printer_state", f"printer must be one of {', '.join(PRINTER_STATES)}")
        known = self.state.desk.devices.get(device)
        if known is not None and known["status"] == status:
            return None
        return self._event("device_status", now, {"device": device, "kind": kind, "status": status}, actor)

    def _on_device_status(self, d: dict, at: float) -> None:
        """A printer reported ready again clears the alerts it raised: `printer` (offline, paper out,
        cover open, fault) when it prints again, `paper_low` too once the paper is plentiful."""
        self.state.desk.devices[d["device"]] = {"kind": d["kind"], "status": d["status"], "since": at}
        printer = d["status"].get("printer")
        gone = {"ok": ("printer", "paper_low"), "near_end": ("printer",)}.get(printer, ())
        for a in self.state.desk.alerts:
            if a.open and a.source == d["device"] and a.kind in gone:
                a.cleared_at = at

    # ------------------------------------------------------------ the display notice

    def set_notice(self, text: str, now: float, actor: str = "") -> Event:
        return self._event("notice_set", now, {"text": text.strip()}, actor)

    def _on_notice_set(self, d: dict, at: float) -> None:
        self.state.desk.notice = d["text"]

    # ------------------------------------------------------------ appointments

    def book(self, code: str, slot_start: float, slot_end: float, now: float, category: str | None = None,
             matter: str | None = None, person_key: str | None = None, actor: str = "") -> Event:
        """An appointment for a slot; its event belongs to the slot's day, so that day loads it."""
        if slot_end <= slot_start:
            raise Invalid("bad_slot", "the slot ends before it starts")
        if business_day(slot_start) < self.state.day:
            raise Invalid("slot_in_past", "the slot is on a day that has passed")
        if matter is not None:
            found = self.config.matter(matter)
            if found is None:
                raise Invalid("unknown_matter", f"unknown matter {matter!r}")
            if not found.appointment:
                raise Invalid("no_appointments", f"matter {found.code} cannot be booked in advance")
            category = found.category
        if category is None or self.config.category(category) is None:
            raise Invalid("unknown_category", "say which known category or matter the appointment is for")
        day = business_day(slot_start)
        if day == self.state.day and code in self.state.desk.bookings:
            raise Conflict("duplicate_code", f"appointment code {code} exists already")
        return Event("appointment_booked", now, day.isoformat(), {
            "code": code, "slot_start": slot_start, "slot_end": slot_end, "category": category,
            "matter": matter, "person_key": person_key}, actor)

    def booking(self, code: str | None = None, person_key: str | None = None) -> Booking:
        """Today's booking by its code, or the one booking a person holds today."""
        if code is not None:
            found = self.state.desk.bookings.get(code)
            if found is None:
                raise NotFound("appointment_not_found", f"no appointment {code} today")
            return found
        mine = [b for b in self.state.desk.bookings.values() if b.person_key and b.person_key == person_key]
        open_ = [b for b in mine if b.ticket is None]
        if not open_:
            raise NotFound("appointment_not_found", "no appointment for this person today")
        return min(open_, key=lambda b: b.slot_start)

    def _on_appointment_booked(self, d: dict, at: float) -> None:
        self.state.desk.bookings[d["code"]] = Booking(d["code"], d["slot_start"], d["slot_end"], d["category"],
                                                      d["matter"], d["person_key"])

    def checked_in(self, code: str, ticket: str) -> None:
        """Called by the ticket fold when an issued ticket carries an appointment code."""
        found = self.state.desk.bookings.get(code)
        if found is not None:
            found.ticket = ticket
