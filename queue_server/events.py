"""The event catalogue: every kind of event the hall's log holds, one typed class each.

An `Event` is what the log stores and the stream carries: its type, when, the business day it
belongs to, who caused it, its number in the log, and its data. The data's shape is the event
class's: `event.payload()` reads it as that class (upcasting what older versions wrote, in one
place: defaults for fields added since), `Event.of(payload, …)` writes one. Each class also says
which of its fields may leave the building on the public stream (`public_data`), so no view has
to know. `docs/events.md` is generated from this module and a test keeps the two equal.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import MISSING, asdict, dataclass, field, fields
from typing import Any, ClassVar, TypeVar

P = TypeVar("P", bound="Payload")


class UnknownEvent(ValueError):
    """An event type this version does not know (written by a newer one)."""


@dataclass(frozen=True)
class Payload:
    """What an event says. Subclasses are frozen dataclasses registered with `@event` (the base is
    one too, without fields, so that `fields` and `asdict` are known to apply to every payload)."""

    TYPE: ClassVar[str]
    PUBLIC: ClassVar[tuple[str, ...]] = ()  # fields that may go on the public stream
    ABOUT: ClassVar[str] = ""

    def to_data(self) -> dict[str, Any]:
        """The stored form: every field, except optional ones (`omit_none`) that are None."""
        out = asdict(self)
        for f in fields(self):
            if f.metadata.get("omit_none") and out[f.name] is None:
                del out[f.name]
        return out

    def public_data(self) -> dict[str, Any]:
        """What the public stream may carry: numbers, windows, categories, counts — never a person."""
        data = self.to_data()
        return {k: data[k] for k in self.PUBLIC if k in data}


CATALOGUE: dict[str, type[Payload]] = {}
_FIELD_NAMES: dict[str, frozenset[str]] = {}  # event type → its payload's field names


def event(name: str, about: str, public: tuple[str, ...] = ()) -> Callable[[type[P]], type[P]]:
    """Register a payload class as the event type `name`."""
    def register(cls: type[P]) -> type[P]:
        cls.TYPE, cls.ABOUT, cls.PUBLIC = name, about, public
        CATALOGUE[name] = cls
        return cls
    return register


def optional(default: Any = None) -> Any:
    """A field that older events may lack, left out of the stored form when None."""
    return field(default=default, metadata={"omit_none": True})


# ---------------------------------------------------------------- tickets


@event("ticket_issued", "a ticket was issued (kiosk or counter); its number was allocated in the same transaction",
       ("number", "category", "name"))
@dataclass(frozen=True)
class TicketIssued(Payload):
    ticket: str
    number: str
    sequence: int
    category: str
    matter: str | None
    priority: str | None
    person_key: str | None  # the salted hash of the ID number, for matching only
    appointment: dict[str, Any] | None
    queued_at: float
    token: str  # the citizen's page link (never public)
    estimate: dict[str, Any]  # what the slip said (Estimate.stored())
    channel: str = ""
    request_key: str | None = None
    request_hash: str | None = None
    issued_by: str = ""
    name: str | None = optional()  # masked (张*), only where the hall calls by name
    cases: list[str] | None = optional()  # a pick-up ticket: the cases whose results it collects


@event("ticket_called", "a window called a ticket (the one it served before is finished as served)",
       ("number", "category", "window", "reason_code", "finished", "name"))
@dataclass(frozen=True)
class TicketCalled(Payload):
    ticket: str
    number: str
    category: str
    window: int
    reason_code: str
    reason: str  # the dispatcher's words (staff only)
    finished: dict[str, Any] | None = None  # {ticket, number, outcome} of the ticket served before
    overtaken: list[str] = field(default_factory=list)  # ordinary tickets a priority one passed
    name: str | None = optional()

    def public_data(self) -> dict[str, Any]:
        data = super().public_data()
        if data.get("finished"):
            data["finished"] = {k: v for k, v in data["finished"].items() if k in ("number", "outcome")}
        return data


@event("ticket_recalled", "the window called its ticket again", ("number", "window", "recalls", "name"))
@dataclass(frozen=True)
class TicketRecalled(Payload):
    ticket: str
    number: str
    window: int
    recalls: int
    name: str | None = optional()


@event("service_started", "the called person arrived: service began", ("number", "window"))
@dataclass(frozen=True)
class ServiceStarted(Payload):
    ticket: str
    number: str
    window: int


@event("ticket_completed", "service finished (办结)", ("number", "window", "category"))
@dataclass(frozen=True)
class TicketCompleted(Payload):
    ticket: str
    number: str
    window: int
    category: str
    matter: str | None
    service_s: float


@event("ticket_no_show", "the called person did not come (过号): skipped, or past the recall limit",
       ("number", "window", "reason"))
@dataclass(frozen=True)
class TicketNoShow(Payload):
    ticket: str
    number: str
    window: int
    reason: str  # skipped | recall_limit


@event("ticket_held", "the window parked its ticket (挂起)", ("number", "window"))
@dataclass(frozen=True)
class TicketHeld(Payload):
    ticket: str
    number: str
    window: int


@event("ticket_transferred", "the ticket went to another category or window (转移)",
       ("number", "from_window", "to_category", "to_window"))
@dataclass(frozen=True)
class TicketTransferred(Payload):
    ticket: str
    number: str
    from_window: int
    to_category: str
    to_window: int | None
    queued_at: float


@event("ticket_cancelled", "a waiting or held ticket was cancelled", ("number",))
@dataclass(frozen=True)
class TicketCancelled(Payload):
    ticket: str
    number: str
    reason: str


@event("issue_abandoned", "a device gave up an issue request whose answer it never got", ("number",))
@dataclass(frozen=True)
class IssueAbandoned(Payload):
    request_key: str
    ticket: str | None  # cancelled, if it had been issued after all
    number: str | None
    by: str = ""


@event("ticket_print_failed", "the kiosk could not print the slip; the ticket stays valid", ("number",))
@dataclass(frozen=True)
class TicketPrintFailed(Payload):
    ticket: str
    number: str
    reason: str


@event("ticket_rejoined", "a missed ticket queued again, per the hall's rule", ("number",))
@dataclass(frozen=True)
class TicketRejoined(Payload):
    ticket: str
    number: str
    queued_at: float


# ---------------------------------------------------------------- windows and the day


@event("window_opened", "a window opened; a signed-in clerk is its clerk", ("window",))
@dataclass(frozen=True)
class WindowOpened(Payload):
    window: int
    clerk: str | None = None
    took_over_from: str | None = optional()


@event("window_closed", "a window closed", ("window",))
@dataclass(frozen=True)
class WindowClosed(Payload):
    window: int


@event("window_paused", "a window paused, with a reason (staff only)", ("window",))
@dataclass(frozen=True)
class WindowPaused(Payload):
    window: int
    reason: str


@event("window_resumed", "a paused window opened again", ("window",))
@dataclass(frozen=True)
class WindowResumed(Payload):
    window: int


@event("day_closed", "the business day ended; what was left of it expired", ("expired",))
@dataclass(frozen=True)
class DayClosed(Payload):
    expired: list[str]

    def public_data(self) -> dict[str, Any]:
        return {"expired": len(self.expired)}


@event("layout_set", "a manager accepted a window layout (which windows serve which categories, in preference order; "
       "source: advisor, manager or file = the hall file's layout again); it overrides the hall file's `serves`",
       ("serves",))
@dataclass(frozen=True)
class LayoutSet(Payload):
    serves: dict[str, list[str]]  # window number → categories in preference order, every window
    before: dict[str, list[str]]  # the layout it replaced
    source: str  # advisor | manager | file
    by: str  # the manager's name
    figures: dict[str, Any] | None = optional()  # the advisor's simulated before/after it was accepted on
    note: str = ""


# ---------------------------------------------------------------- the front desk


@event("staff_alert", "a device or a person asked for staff (help, printer, paper)")
@dataclass(frozen=True)
class StaffAlert(Payload):
    alert: int
    kind: str
    message: str
    source: str


@event("alert_acknowledged", "a member of staff took care of an alert")
@dataclass(frozen=True)
class AlertAcknowledged(Payload):
    alert: int
    by: str


@event("device_status", "a device reported its health (printer paper, errors); recorded on change")
@dataclass(frozen=True)
class DeviceStatus(Payload):
    device: str
    kind: str
    status: dict[str, Any]


@event("notice_set", "the manager's scrolling notice on the hall display", ("text",))
@dataclass(frozen=True)
class NoticeSet(Payload):
    text: str


@event("appointment_booked", "an appointment (预约) for a slot; logged today, folded on the slot's day", ("category",))
@dataclass(frozen=True)
class AppointmentBooked(Payload):
    code: str
    slot_start: float
    slot_end: float
    category: str
    matter: str | None
    person_key: str | None
    contact: str | None = optional()  # booked from a phone (/book): the phone or ID number masked (138****8000)
    via: str | None = optional()  # "web": booked by the citizen from a phone; None: the kiosk or staff


@event("appointment_cancelled", "an appointment was cancelled (by the citizen from /book, or by staff for them); "
       "logged today, folded on the slot's day")
@dataclass(frozen=True)
class AppointmentCancelled(Payload):
    code: str
    by: str  # "citizen" or "staff"
    moved_to: str | None = optional()  # changed to another slot: the new booking's code


# ---------------------------------------------------------------- ratings and follow-ups


@event("rating_requested", "the clerk asked the window's review pad to show the rating screen", ("window", "number"))
@dataclass(frozen=True)
class RatingRequested(Payload):
    window: int
    ticket: str
    number: str


@event("rating_given", "the citizen rated a finished service (好差评); 差评 open a follow-up", ("number", "window"))
@dataclass(frozen=True)
class RatingGiven(Payload):
    ticket: str
    number: str
    window: int
    clerk: str | None
    matter: str | None
    level: int
    label: str
    bad: bool
    reasons: list[str]
    text: str
    channel: str
    round: int = 1  # 评价次数: 2 for the hand-over of a 承诺件's result
    case: str | None = optional()  # the case the rated service belongs to


@event("ratings_defaulted", "a province's default rating for services left unrated after N days (never counted as rated)")
@dataclass(frozen=True)
class RatingsDefaulted(Payload):
    tickets: list[str]
    level: int
    label: str
    channel: str


@event("follow_up_step", "a 差评 follow-up moved on: verified, called back, rectified, feedback, closed, appeals")
@dataclass(frozen=True)
class FollowUpStep(Payload):
    follow_up: str
    step: str
    note: str
    by: str


# ---------------------------------------------------------------- cases (办件)


@event("case_opened", "a case (办件) was received at a window, by mail, from a village 代办 point or a 帮办 desk; its "
       "number was allocated in the same transaction (the applicant's ID number is kept beside the log, not in it)")
@dataclass(frozen=True)
class CaseOpened(Payload):
    case: str  # the case number: region code + date + sequence
    token: str  # the citizen's case page link (never public)
    matter: str
    case_type: str
    applicant_kind: str  # person | company
    applicant_name: str  # masked for a person (张*), the company's name for a company
    person_key: str | None  # the salted hash of the applicant's ID number, for matching only
    channel: str  # window | mail | agent_point | help_desk
    window: int | None
    clerk: str
    ticket: str | None
    materials: list[dict[str, Any]]  # received: name, form (original/copy), count
    legal_limit_days: int
    committed_limit_days: int
    delivery: str  # window | ems | electronic
    agent_name: str | None = optional()  # masked
    departments: list[str] = field(default_factory=list)  # 联办件: the departments taking part
    lead_window: int | None = optional()
    region: str | None = optional()  # 跨域通办: the responsible region the file is mailed to


@event("case_step", "a case moved on: accepted (or returned), materials awaited and complete, a step (review, "
       "forwarding and answers, inspection), paused and resumed, decided, result ready, handed over, archived, withdrawn; "
       "跨域通办: mailed to the responsible region and its result received back")
@dataclass(frozen=True)
class CaseStep(Payload):
    case: str
    action: str
    note: str
    by: str
    outcome: str | None = optional()  # decide: approved | not_approved
    missing: list[str] | None = optional()  # accept_incomplete: the materials still missing (一次性告知)
    case_type: str | None = optional()  # materials_complete: the type it continues as
    delivery: str | None = optional()  # hand_over: window | ems | electronic
    waybill: str | None = optional()  # hand_over by EMS
    body: str | None = optional()  # a step posted by a higher body or department
    ticket: str | None = optional()  # hand_over at a window: the pick-up ticket served there


# ---------------------------------------------------------------- the envelope


@dataclass
class Event:
    type: str
    at: float
    day: str
    data: dict[str, Any]
    actor: str = ""
    seq: int = 0

    @classmethod
    def of(cls, payload: Payload, at: float, day: str, actor: str = "") -> Event:
        return cls(payload.TYPE, at, day, payload.to_data(), actor)

    def payload(self) -> Payload:
        """The data as its event class, upcast from whatever version wrote it. Raises UnknownEvent
        for a type this version does not know, and TypeError for data missing a required field."""
        cls = CATALOGUE.get(self.type)
        if cls is None:
            raise UnknownEvent(f"unknown event type {self.type!r}")
        names = _FIELD_NAMES.get(self.type)
        if names is None:  # asked for every event folded: a year's start-up folds 200,000
            names = _FIELD_NAMES[self.type] = frozenset(f.name for f in fields(cls))
        return cls(**{k: v for k, v in self.data.items() if k in names})

    def public(self) -> dict[str, Any]:
        """The event as the public stream carries it."""
        return {"seq": self.seq, "type": self.type, "at": self.at, "data": self.payload().public_data()}

    def as_dict(self) -> dict[str, Any]:
        return {"seq": self.seq, "type": self.type, "at": self.at, "day": self.day,
                "actor": self.actor, "data": self.data}


def reference() -> str:
    """docs/events.md: the catalogue for people (generated; `python -m queue_server.events`)."""
    lines = ["# Event catalogue", "",
             "Generated from `queue_server/events.py` by `python -m queue_server.events > docs/events.md`;",
             "a test keeps the two equal. Each event in the log has `seq`, `type`, `at`, `day`, `actor` and",
             "`data`; the fields of `data` are listed here. **Public** fields are the only ones the public",
             "event stream (`/api/v1/events`) carries; the rest stay with staff and the log.", "",
             "| event | what happened | data fields | public |", "|---|---|---|---|"]
    for name, cls in CATALOGUE.items():
        parts = []
        for f in fields(cls):
            required = f.default is MISSING and f.default_factory is MISSING
            parts.append(f"`{f.name}`" + ("" if required else "?"))
        public = ", ".join(f"`{p}`" for p in cls.PUBLIC) or "—"
        lines.append(f"| `{name}` | {cls.ABOUT} | {', '.join(parts)} | {public} |")
    lines += ["", "`?` marks a field that events written by earlier versions may lack (it then has its default).", ""]
    return "\n".join(lines)


if __name__ == "__main__":
    print(reference(), end="")
