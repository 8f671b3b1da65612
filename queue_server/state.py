"""The hall's state for one business day: plain data, changed only by `Hall.apply` (hall.py).

Tickets, windows, the front desk (alerts, devices, the notice, appointments) and the rating
slots; the hall and its parts (frontdesk.py, ratings.py) read and fold into these.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any


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
    cancelled: bool = False  # cancelled (by the citizen or staff): it cannot check in


@dataclass
class FrontDeskState:
    alerts: list[Alert] = field(default_factory=list)
    devices: dict[str, dict[str, Any]] = field(default_factory=dict)
    notice: str = ""
    bookings: dict[str, Booking] = field(default_factory=dict)


@dataclass
class RatingSlot:
    ticket: str
    number: str
    window: int
    clerk: str | None
    matter: str | None
    finished_at: float
    level: int | None = None
    channel: str | None = None
    reasons: tuple[str, ...] = ()
    text: str = ""
    rated_at: float | None = None
    default_level: int | None = None  # set by a province's rule after silence: never the citizen's rating
    case: str | None = None  # the case this service took in (round 1) or handed the result of (round 2)
    round: int = 1  # 评价次数: 1 at intake, 2 when a 承诺件's result is handed over


@dataclass
class RatingState:
    slots: dict[str, RatingSlot] = field(default_factory=dict)  # by ticket id
    requested: dict[int, str] = field(default_factory=dict)  # window → ticket the pad should ask about
    cases: dict[str, tuple[str, int]] = field(default_factory=dict)  # ticket → (case, round) it serves


@dataclass
class Ticket:
    id: str
    number: str
    category: str
    matter: str | None
    priority: str | None
    person_key: str | None
    appointment: dict[str, Any] | None
    issued_at: float
    queued_at: float
    seq: int  # issue order today, across categories: the tie-break between equal queue times
    token: str
    estimate: dict[str, float] | None = None
    status: str = "waiting"
    outcome: str | None = None
    window: int | None = None
    target_window: int | None = None
    first_called_at: float | None = None
    called_at: float | None = None
    started_at: float | None = None
    finished_at: float | None = None
    recalls: int = 0
    overtaken: int = 0
    transfers: int = 0
    channel: str = ""
    issued_by: str = ""  # who issued it (the actor, e.g. "kiosk:kiosk-1"): a kiosk acts only on its own
    request_hash: str | None = None
    issued_category: str = ""  # the category it was taken for; `category` follows transfers
    name: str | None = None  # masked (张*), and only where the hall calls by name
    print_failure: str | None = None  # why the slip did not print (the ticket stays valid, shown on screen)
    cases: tuple[str, ...] = ()  # a pick-up ticket: the cases whose results it collects

    @property
    def active(self) -> bool:
        return self.status != "done"


@dataclass
class WindowState:
    number: int
    status: str = "closed"
    clerk: str | None = None
    pause_reason: str | None = None
    current: str | None = None
    since: float | None = None


@dataclass
class HallState:
    day: date
    tickets: dict[str, Ticket] = field(default_factory=dict)
    by_number: dict[str, str] = field(default_factory=dict)
    windows: dict[int, WindowState] = field(default_factory=dict)
    service_s: dict[str, list[float]] = field(default_factory=dict)
    recent_calls: list[dict[str, Any]] = field(default_factory=list)
    # Idempotency keys are the caller's own: (issuer, key) → ticket id; and those given up on.
    by_request_key: dict[tuple[str, str], str] = field(default_factory=dict)
    void_keys: set[tuple[str, str]] = field(default_factory=set)
    desk: FrontDeskState = field(default_factory=FrontDeskState)
    ratings: RatingState = field(default_factory=RatingState)
    last_seq: int = 0


@dataclass(frozen=True)
class IssueRequest:
    category: str | None = None
    matter: str | None = None
    priority: str | None = None
    birth_date: date | None = None
    person_key: str | None = None
    appointment: dict[str, Any] | None = None
    channel: str = "kiosk"
    request_key: str | None = None  # the caller's idempotency key: a retry gets the same ticket
    request_hash: str | None = None  # what was asked, so a key reused for another request is refused
    name: str | None = None  # the holder's name, kept (masked) only where the hall calls by name
    cases: tuple[str, ...] = ()  # a pick-up ticket's cases (checked ready by the service)
