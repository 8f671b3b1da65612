"""The manager's history as rows: one per ticket, per window span, per window-day, per booking,
per case and per 差评 follow-up. Pure code: each row is built from the projections' state after an
event was folded; the store writes them in the same transaction as the event (service.py), and
`yimen rebuild` writes the same rows from the log. Reports read only these rows, never the log.

Personal data (person keys, masked names) stays in the columns listed in `PERSONAL`, so the
retention purge can clear them without touching a figure.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from hallapi.protocol import HALL_TZ

from .cases import Case
from .daytrack import Span
from .events import AppointmentBooked
from .followup import FollowUp
from .hall import Hall
from .state import Ticket
from .workdays import WorkCalendar

Row = tuple[Any, ...]

TICKET_COLUMNS = (
    "id", "day", "number", "issued_category", "category", "matter", "priority", "channel",
    "appointment", "appointment_on_time", "issued_at", "hour", "weekday", "first_called_at", "started_at",
    "finished_at", "wait_s", "service_s", "window", "clerk", "outcome", "recalls", "transfers", "overtaken",
    "rating_level", "rating_default", "rating_channel", "rated_at", "rating_round", "intake_case",
    "person_key", "name",
)
SPAN_COLUMNS = ("day", "window", "start", "end", "state", "reason", "clerk")
WINDOW_DAY_COLUMNS = ("day", "window", "idle_queue_s")
BOOKING_COLUMNS = ("code", "day", "category", "matter", "slot_start", "slot_end", "person_key")
CASE_COLUMNS = (
    "number", "opened_day", "matter", "case_type", "channel", "window", "clerk", "status", "accepted_day",
    "due_day", "legal_due_day", "decided_day", "outcome", "on_time", "closed_day", "applicant_name", "person_key",
)
FOLLOW_UP_COLUMNS = ("id", "day", "number", "window", "clerk", "matter", "level", "state", "deadline",
                     "rectified_day", "appeal")
# Cleared by the retention purge (the statistics never read them).
PERSONAL = {"ticket_facts": ("person_key", "name"), "booking_facts": ("person_key",),
            "case_facts": ("applicant_name", "person_key")}
FINISHED_CASE = ("decided", "result_ready", "handed_over", "archived")  # 办结: a decision was made


@dataclass
class Rows:
    """Rows to upsert, by table."""

    tickets: list[Row] = field(default_factory=list)
    spans: list[Row] = field(default_factory=list)
    window_days: list[Row] = field(default_factory=list)
    bookings: list[Row] = field(default_factory=list)
    cases: list[Row] = field(default_factory=list)
    follow_ups: list[Row] = field(default_factory=list)

    def __bool__(self) -> bool:
        return any((self.tickets, self.spans, self.window_days, self.bookings, self.cases, self.follow_ups))


def local(at: float) -> datetime:
    return datetime.fromtimestamp(at, HALL_TZ)


def ticket_row(hall: Hall, t: Ticket) -> Row:
    """Where a ticket stands: its times, the outcome, who served it, its rating."""
    slot = hall.state.ratings.slots.get(t.id)
    issued = local(t.issued_at)
    appointment = t.appointment or {}
    wait = t.first_called_at - t.issued_at if t.first_called_at is not None else None
    service = (t.finished_at - t.started_at if t.outcome == "served" and t.finished_at is not None
               and t.started_at is not None else None)
    clerk = slot.clerk if slot is not None else hall.track.clerk_of.get(t.id)
    case = hall.state.ratings.cases.get(t.id)
    return (t.id, hall.state.day.isoformat(), t.number, t.issued_category or t.category, t.category, t.matter,
            t.priority, t.channel, appointment.get("code") or None,
            None if not appointment else int(bool(appointment.get("on_time"))),
            t.issued_at, issued.hour, issued.weekday(), t.first_called_at, t.started_at, t.finished_at,
            wait, service, t.window, clerk, t.outcome, t.recalls, t.transfers, t.overtaken,
            slot.level if slot else None, slot.default_level if slot else None, slot.channel if slot else None,
            slot.rated_at if slot else None, slot.round if slot else (case[1] if case else None),
            slot.case if slot and slot.case else (case[0] if case else None),
            t.person_key, t.name)


def span_row(day: date, span: Span) -> Row:
    return (day.isoformat(), span.window, span.start, span.end, span.state, span.reason, span.clerk)


def day_rows(hall: Hall, *, everything: bool = False) -> Rows:
    """The rows the hall's last folded event changed (or, for a rebuild, all of the day's)."""
    day = hall.state.day
    track = hall.track
    touched_tickets = hall.state.tickets if everything else track.touched.tickets
    spans = track.spans if everything else track.touched.spans
    windows = {s.window for s in track.spans} if everything else track.touched.windows
    return Rows(
        tickets=[ticket_row(hall, hall.state.tickets[t]) for t in touched_tickets],
        spans=[span_row(day, s) for s in spans],
        window_days=[(day.isoformat(), w, round(track.idle_s[w], 3)) for w in sorted(windows)],
    )


def booking_row(day: str, e: AppointmentBooked) -> Row:
    return (e.code, day, e.category, e.matter, e.slot_start, e.slot_end, e.person_key)


def case_row(case: Case, calendar: WorkCalendar) -> Row:
    """A case: its deadline (committed, and legal) and whether it was decided in time."""
    due = case.due(calendar)
    legal = case.due(calendar, committed=False)
    due_day = due.day if due else None
    on_time = (None if case.decided_day is None or due_day is None else int(case.decided_day <= due_day))
    closed = case.decided_day if case.status in FINISHED_CASE else None
    return (case.number, case.opened_day.isoformat(), case.matter, case.case_type, case.channel, case.window,
            case.clerk, case.status, _iso(case.accepted_day), _iso(due_day), _iso(legal.day if legal else None),
            _iso(case.decided_day), case.outcome, on_time, _iso(closed), case.applicant_name, case.person_key)


def follow_up_row(fu: FollowUp) -> Row:
    rectified = next((h["at"] for h in fu.history if h["step"] == "rectified"), None)
    return (fu.id, local(fu.opened_at).date().isoformat(), fu.number, fu.window, fu.clerk, fu.matter, fu.level,
            fu.state, fu.deadline.isoformat(), local(rectified).date().isoformat() if rectified else None, fu.appeal)


def _iso(d: date | None) -> str | None:
    return d.isoformat() if d else None


def as_dict(columns: tuple[str, ...], row: Row) -> dict[str, Any]:
    return dict(zip(columns, row, strict=True))
