"""Bad-review follow-up (差评整改): every 差评 becomes an item worked to the end. Pure code.

verify → call the citizen back → rectify (by a deadline in working days) → feedback → closed.
The window may appeal at any point before it is closed; a manager then upholds the 差评 (the
item continues where it was) or overturns it (the item closes). Items span days, so they are a
projection of their own over every day's events, not part of one day's hall state.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from .errors import Conflict, Invalid, NotFound
from .events import Event, FollowUpStep, RatingGiven
from .numbering import business_day
from .shelf import Shelf
from .workdays import WorkCalendar, add_working_days, working_days_late

FLOW = ("open", "verified", "called_back", "rectified", "feedback", "closed")
APPEAL_STEPS = ("appealed", "appeal_upheld", "appeal_overturned")
STEP_LABELS = {"open": "待核实", "verified": "已核实", "called_back": "已回访", "rectified": "已整改",
               "feedback": "已反馈", "closed": "已办结", "appealed": "申诉中", "appeal_upheld": "申诉未通过",
               "appeal_overturned": "申诉通过"}


@dataclass
class FollowUp:
    id: str  # the rated ticket's id: one rating per service, so one item per 差评
    number: str
    window: int
    clerk: str | None
    matter: str | None
    level: int
    reasons: list[str]
    text: str
    opened_at: float
    deadline: date
    provisional: bool
    state: str = "open"
    appeal: str | None = None  # None | "pending" | "upheld" | "overturned"
    history: list[dict[str, Any]] = field(default_factory=list)

    def overdue_days(self, today: date, calendar: WorkCalendar) -> int:
        """Working days past the rectification deadline while not yet rectified."""
        if FLOW.index(self.state) >= FLOW.index("rectified"):
            return 0
        return working_days_late(self.deadline, today, calendar)


class FollowUps:
    def __init__(self, days: int, calendar: WorkCalendar):
        self.days = days
        self.calendar = calendar
        self.items: Shelf[FollowUp] = Shelf(FollowUp, lambda fu: fu.state == "closed")  # closed ones packed

    def get(self, item: str) -> FollowUp:
        found = self.items.get(item)
        if found is None:
            raise NotFound("follow_up_not_found", f"no follow-up {item}")
        return found

    def advance(self, item: str, step: str, note: str, by: str, now: float, actor: str = "") -> Event:
        """The next step of an item, checked against the flow."""
        fu = self.get(item)
        if step not in FLOW[1:] and step not in APPEAL_STEPS:
            raise Invalid("unknown_step", f"step must be one of {', '.join(FLOW[1:] + APPEAL_STEPS)}")
        if fu.state == "closed":
            raise Conflict("closed", f"follow-up {item} is closed")
        if step == "appealed":
            if fu.appeal is not None:
                raise Conflict("appeal_used", f"follow-up {item} was appealed already ({fu.appeal})")
        elif step in ("appeal_upheld", "appeal_overturned"):
            if fu.appeal != "pending":
                raise Conflict("no_pending_appeal", f"follow-up {item} has no appeal to review")
        else:
            if fu.appeal == "pending":
                raise Conflict("appeal_pending", f"follow-up {item} waits for the appeal to be reviewed")
            expected = FLOW[FLOW.index(fu.state) + 1]
            if step != expected:
                raise Conflict("out_of_order", f"follow-up {item} is {fu.state}; the next step is {expected}")
        if step in ("verified", "called_back", "rectified", "feedback", "appealed", "appeal_overturned") and not note.strip():
            raise Invalid("note_required", f"say what was done for step {step}")
        return Event.of(FollowUpStep(item, step, note.strip(), by), now, business_day(now).isoformat(), actor)

    def touched(self, event: Event) -> list[FollowUp]:
        """The item an event (already applied) opened or moved on, for its history row."""
        key = event.data.get("ticket") if event.type == RatingGiven.TYPE else (
            event.data.get("follow_up") if event.type == FollowUpStep.TYPE else None)
        item = self.items.get(key) if isinstance(key, str) else None
        return [item] if item is not None else []

    def apply(self, event: Event) -> None:
        """Fold the events this projection spans days for: 差评 open items, steps move them on."""
        if event.type not in (RatingGiven.TYPE, FollowUpStep.TYPE):
            return
        e = event.payload()
        if isinstance(e, RatingGiven) and e.bad:
            deadline, provisional = add_working_days(date.fromisoformat(event.day), self.days, self.calendar)
            self.items[e.ticket] = FollowUp(e.ticket, e.number, e.window, e.clerk, e.matter, e.level, list(e.reasons),
                                            e.text, event.at, deadline, provisional)
        elif isinstance(e, FollowUpStep):
            fu = self.items[e.follow_up]
            fu.history.append({"step": e.step, "note": e.note, "by": e.by, "at": event.at})
            if e.step == "appealed":
                fu.appeal = "pending"
            elif e.step == "appeal_upheld":
                fu.appeal = "upheld"
            elif e.step == "appeal_overturned":
                fu.appeal, fu.state = "overturned", "closed"
            else:
                fu.state = e.step
            self.items[e.follow_up] = fu  # stored again: packed once it is closed

    def view(self, fu: FollowUp, today: date) -> dict[str, Any]:
        return {"id": fu.id, "number": fu.number, "window": fu.window, "clerk": fu.clerk, "matter": fu.matter,
                "level": fu.level, "reasons": fu.reasons, "text": fu.text, "opened_at": fu.opened_at,
                "deadline": fu.deadline.isoformat(), "deadline_provisional": fu.provisional,
                "state": fu.state, "state_label": STEP_LABELS[fu.state], "appeal": fu.appeal,
                "overdue_days": fu.overdue_days(today, self.calendar), "history": fu.history}
