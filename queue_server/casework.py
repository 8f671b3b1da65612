"""The case (办件) rules, pure: its types, its closed lifecycle, its deadline and its supervision colour.

A case moves through a closed set of statuses, and only by the actions listed in `TRANSITIONS`;
anything else is refused with a reason a clerk can act on. The deadline counts working days
(workdays.py) from the day after acceptance, skipping the days the clock was paused (hearings,
inspection, testing, expert review, waiting for missing materials). Supervision (电子监察) colours a
running case green, yellow (few working days left) or red (overdue, with the overdue working
days counted). No I/O and no clock: the day is always passed in.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta

from .errors import Conflict, Invalid
from .workdays import WorkCalendar

# Case types (domain §5), with the names a hall uses.
CASE_TYPES: dict[str, tuple[str, str]] = {
    "immediate": ("即办件", "immediate"),
    "committed": ("承诺件", "committed"),
    "incomplete": ("补办件", "incomplete (materials missing)"),
    "returned": ("退回件", "returned"),
    "forwarded": ("上报件", "forwarded to a higher level"),
    "joint": ("联办件", "joint (several departments)"),
}
# A 补办件 continues as one of these once the missing materials arrive.
REAL_TYPES = ("immediate", "committed", "forwarded", "joint")

STATUSES: dict[str, tuple[str, str]] = {
    "received": ("已收件", "received"),
    "accepted": ("已受理", "accepted"),
    "awaiting_materials": ("待补正", "waiting for materials"),
    "in_progress": ("办理中", "in progress"),
    "decided": ("已决定", "decided"),
    "result_ready": ("待领取", "result ready"),
    "handed_over": ("已送达", "handed over"),
    "archived": ("已归档", "archived"),
    "returned": ("不予受理", "not accepted"),
    "withdrawn": ("已撤回", "withdrawn"),
}
FINISHED = frozenset({"handed_over", "archived", "returned", "withdrawn"})
# The deadline clock runs from acceptance until the decision (the result is then the citizen's to collect).
CLOCK_RUNS = frozenset({"accepted", "awaiting_materials", "in_progress"})

# action → (statuses it may start from, the status it leads to; None = unchanged)
TRANSITIONS: dict[str, tuple[frozenset[str], str | None]] = {
    "accept": (frozenset({"received"}), "accepted"),
    "accept_incomplete": (frozenset({"received"}), "awaiting_materials"),
    "return": (frozenset({"received", "awaiting_materials"}), "returned"),
    "materials_complete": (frozenset({"awaiting_materials"}), "accepted"),
    "step": (frozenset({"accepted", "in_progress"}), "in_progress"),
    "pause": (frozenset({"accepted", "in_progress"}), None),
    "resume": (frozenset({"accepted", "in_progress"}), None),
    "decide": (frozenset({"accepted", "in_progress"}), "decided"),
    "result_ready": (frozenset({"decided"}), "result_ready"),
    "hand_over": (frozenset({"result_ready"}), "handed_over"),
    "delivered": (frozenset({"handed_over"}), None),  # EMS: the applicant signed for the mail
    "archive": (frozenset({"handed_over", "returned", "withdrawn"}), "archived"),
    "withdraw": (frozenset({"received", "accepted", "awaiting_materials", "in_progress"}), "withdrawn"),
    # 跨域通办: the file goes by mail to the responsible region, which decides; its result comes back.
    "send_to_region": (frozenset({"accepted", "in_progress"}), "in_progress"),
    "result_received": (frozenset({"in_progress"}), "result_ready"),
}
CROSS_REGION_ACTIONS = frozenset({"send_to_region", "result_received"})


def next_status(status: str, action: str) -> str:
    """The status after `action`, or a Conflict saying why the case cannot take it now."""
    if action not in TRANSITIONS:
        raise Invalid("unknown_case_action", f"no case action {action!r}; known: {', '.join(TRANSITIONS)}")
    allowed, to = TRANSITIONS[action]
    if status not in allowed:
        zh = STATUSES[status][0]
        raise Conflict("case_not_ready", f"a case that is {STATUSES[status][1]} ({zh}) cannot {action.replace('_', ' ')}; "
                       f"it must be {' or '.join(STATUSES[s][1] for s in sorted(allowed))}")
    return to or status


# ---------------------------------------------------------------- deadlines


@dataclass(frozen=True)
class Pause:
    """The clock stopped from `start` through `end` (inclusive); `end` None: still stopped."""

    start: date
    end: date | None
    reason: str

    def covers(self, day: date) -> bool:
        return self.start <= day and (self.end is None or day <= self.end)


@dataclass(frozen=True)
class Due:
    """A deadline: the day, and whether a year on the way was not yet published (show 预计).
    `day` is None while the clock is paused with no end: no date can be promised then."""

    day: date | None
    provisional: bool


def due_date(accepted: date, limit_days: int, calendar: WorkCalendar, pauses: Iterable[Pause] = ()) -> Due:
    """The `limit_days`-th working day after the day of acceptance, not counting the working days
    on which the clock was paused. The day of acceptance itself is never counted."""
    if limit_days < 0:
        raise ValueError("a time limit is 0 or more working days")
    pauses = tuple(pauses)
    if any(p.end is None for p in pauses):
        open_from = min(p.start for p in pauses if p.end is None)
        counted = _working_days_between(accepted, open_from - timedelta(days=1), calendar, pauses)[0]
        if counted < limit_days:
            return Due(None, False)
    day, counted, provisional = accepted, 0, False
    while counted < limit_days:
        day += timedelta(days=1)
        workday, guessed = calendar.is_workday(day)
        provisional = provisional or guessed
        if workday and not any(p.covers(day) for p in pauses):
            counted += 1
    return Due(day, provisional)


def _working_days_between(after: date, through: date, calendar: WorkCalendar,
                          pauses: tuple[Pause, ...]) -> tuple[int, bool]:
    counted, provisional, day = 0, False, after
    while day < through:
        day += timedelta(days=1)
        workday, guessed = calendar.is_workday(day)
        provisional = provisional or guessed
        counted += workday and not any(p.covers(day) for p in pauses)
    return counted, provisional


# ---------------------------------------------------------------- supervision (电子监察)

GREEN, YELLOW, RED = "green", "yellow", "red"


@dataclass(frozen=True)
class Supervision:
    colour: str
    days_left: int  # working days from today to the deadline (0 on the day itself)
    overdue_days: int  # working days past the deadline (0 unless red)


def supervise(due: date, today: date, calendar: WorkCalendar, yellow_days: int = 1,
              pauses: Iterable[Pause] = ()) -> Supervision:
    """Green while more than `yellow_days` working days are left, yellow at `yellow_days` or fewer,
    red once the deadline has passed, counting the overdue working days (paused days excluded)."""
    pauses = tuple(pauses)
    if today > due:  # overdue days: working days since (0 on the weekend right after: still red)
        return Supervision(RED, 0, _working_days_between(due, today, calendar, pauses)[0])
    left = _working_days_between(today, due, calendar, pauses)[0]
    return Supervision(YELLOW if left <= yellow_days else GREEN, left, 0)
