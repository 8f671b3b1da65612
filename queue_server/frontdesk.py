"""The hall's front desk: staff alerts, device health, the display notice and appointments.

A part of the hall (composed into `Hall`, not inherited): its commands check against the state and
return the one event that records the change; its `on_*` handlers fold those events into
`state.desk`, called from the hall's fold table. Pure code.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

from .errors import Conflict, Invalid, NotFound
from .events import (
    AlertAcknowledged,
    AppointmentBooked,
    AppointmentCancelled,
    DeviceStatus,
    Event,
    NoticeSet,
    Payload,
    StaffAlert,
)
from .hallconfig import HallConfig
from .numbering import business_day
from .state import Alert, Booking, HallState

ALERT_KINDS = ("help", "printer", "paper_low", "device", "other")  # what devices and staff may raise
CASE_ALERT_KINDS = ("case_due", "case_overdue")  # raised by the hall itself (电子监察: yellow, red)
PRINTER_STATES = ("ok", "near_end", "out", "cover_open", "offline", "error")

Emit = Callable[..., Event]  # (payload, now, actor, day=None) -> Event


class FrontDesk:
    def __init__(self, config: HallConfig, state: HallState, emit: Emit):
        self.config, self.state, self.emit = config, state, emit

    # ------------------------------------------------------------ alerts

    def alert(self, kind: str, message: str, source: str, now: float, actor: str = "", system: bool = False) -> Event:
        if kind not in ALERT_KINDS and not (system and kind in CASE_ALERT_KINDS):
            raise Invalid("unknown_alert", f"alert kind must be one of {', '.join(ALERT_KINDS)}")
        return self.emit(StaffAlert(len(self.state.desk.alerts) + 1, kind, message.strip(), source), now, actor)

    def acknowledge(self, alert: int, who: str, now: float, actor: str = "") -> Event:
        if not 1 <= alert <= len(self.state.desk.alerts):
            raise NotFound("alert_not_found", f"no alert {alert} today")
        found = self.state.desk.alerts[alert - 1]
        if found.acknowledged_by:
            raise Conflict("already_acknowledged", f"alert {alert} was acknowledged by {found.acknowledged_by}")
        return self.emit(AlertAcknowledged(alert, who), now, actor)

    def on_staff_alert(self, e: StaffAlert, at: float) -> None:
        self.state.desk.alerts.append(Alert(e.alert, e.kind, e.message, e.source, at))

    def on_alert_acknowledged(self, e: AlertAcknowledged, at: float) -> None:
        self.state.desk.alerts[e.alert - 1].acknowledged_by = e.by

    # ------------------------------------------------------------ devices

    def device_status(self, device: str, kind: str, status: dict[str, Any], now: float, actor: str = "") -> Event | None:
        """A device's reported health; None when nothing changed (no event for a heartbeat)."""
        printer = status.get("printer")
        if printer is not None and printer not in PRINTER_STATES:
            raise Invalid("unknown_printer_state", f"printer must be one of {', '.join(PRINTER_STATES)}")
        known = self.state.desk.devices.get(device)
        if known is not None and known["status"] == status:
            return None
        return self.emit(DeviceStatus(device, kind, status), now, actor)

    def on_device_status(self, e: DeviceStatus, at: float) -> None:
        """A printer reported ready again clears the alerts it raised: `printer` (offline, paper out,
        cover open, fault) when it prints again, `paper_low` too once the paper is plentiful."""
        self.state.desk.devices[e.device] = {"kind": e.kind, "status": e.status, "since": at}
        gone = {"ok": ("printer", "paper_low"), "near_end": ("printer",)}.get(e.status.get("printer") or "", ())
        for a in self.state.desk.alerts:
            if a.open and a.source == e.device and a.kind in gone:
                a.cleared_at = at

    # ------------------------------------------------------------ the display notice

    def set_notice(self, text: str, now: float, actor: str = "") -> Event:
        return self.emit(NoticeSet(text.strip()), now, actor)

    def on_notice_set(self, e: NoticeSet, at: float) -> None:
        self.state.desk.notice = e.text

    # ------------------------------------------------------------ appointments

    def book(self, code: str, slot_start: float, slot_end: float, now: float, category: str | None = None,
             matter: str | None = None, person_key: str | None = None, actor: str = "",
             contact: str | None = None, via: str | None = None) -> Event:
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
        payload: Payload = AppointmentBooked(code, slot_start, slot_end, category, matter, person_key, contact, via)
        return self.emit(payload, now, actor, day=day)

    def booking(self, code: str | None = None, person_key: str | None = None) -> Booking:
        """Today's booking by its code, or the one booking a person holds today."""
        if code is not None:
            found = self.state.desk.bookings.get(code)
            if found is None or found.cancelled:
                raise NotFound("appointment_not_found", f"no appointment {code} today")
            return found
        mine = [b for b in self.state.desk.bookings.values()
                if b.person_key and b.person_key == person_key and not b.cancelled]
        open_ = [b for b in mine if b.ticket is None]
        if not open_:
            raise NotFound("appointment_not_found", "no appointment for this person today")
        return min(open_, key=lambda b: b.slot_start)

    def cancel(self, code: str, day: str, by: str, now: float, actor: str = "", moved_to: str | None = None) -> Event:
        """A booking cancelled (the caller found it open); its event belongs to the slot's day."""
        return self.emit(AppointmentCancelled(code, by, moved_to), now, actor, day=date.fromisoformat(day))

    def on_appointment_booked(self, e: AppointmentBooked, at: float) -> None:
        self.state.desk.bookings[e.code] = Booking(e.code, e.slot_start, e.slot_end, e.category, e.matter, e.person_key)

    def on_appointment_cancelled(self, e: AppointmentCancelled, at: float) -> None:
        found = self.state.desk.bookings.get(e.code)
        if found is not None:
            found.cancelled = True

    def checked_in(self, code: str, ticket: str) -> None:
        """Called by the ticket fold when an issued ticket carries an appointment code."""
        found = self.state.desk.bookings.get(code)
        if found is not None:
            found.ticket = ticket
