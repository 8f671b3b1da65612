"""Daily caps per category (当日号源上限) and the next free appointment slot. Pure code.

**What counts against a cap**: the walk-in tickets issued in the category this business day (the
category they were taken for, whatever became of them: called, cancelled, transferred), from the
kiosk and from the counter, the green channel's included — every one of them takes a window's time.
**Not counted**: appointment check-ins (their slot was their capacity, booked ahead) and a ticket a
kiosk abandoned because its answer was lost (nobody holds it).

**Who is refused** once the cap is reached: walk-ins at the kiosk. A priority (绿色通道) ticket is
still issued — a hall must serve the green channel, and an elderly person sent home to come back
tomorrow is what the green channel exists to prevent — and so is a ticket a member of staff issues
at the counter (their judgement, as outside the kiosk's hours). Both are counted, so the cap still
measures the day's load. The count starts again with each business day (Asia/Shanghai), because it
is counted from the day's own tickets.

**The appointment grid**: each opening session is cut into `[appointments] slot_min` slots from its
start (a remainder shorter than a slot is not offered); a slot takes `appointments_per_slot` of the
category (or `[appointments] per_slot`) bookings. Appointments are offered on the hall's working
days: a working day by the calendar (weekends, statutory holidays, 调休, the hall's `[calendar]`
overrides) whose weekday the hall opens, or a make-up working day (调休) on a weekend.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from hallapi.protocol import HALL_TZ

from .hallconfig import HallConfig
from .state import HallState

UNCAPPED_CHANNELS = ("counter",)  # staff at the counter may issue past the cap (and are counted)


def walk_ins(state: HallState, category: str) -> int:
    """Today's walk-in tickets taken for `category` (what counts against its cap)."""
    abandoned = {state.by_request_key[k] for k in state.void_keys if k in state.by_request_key}
    return sum(1 for t in state.tickets.values()
               if t.issued_category == category and not t.appointment and t.id not in abandoned)


def remaining(config: HallConfig, state: HallState) -> dict[str, int | None]:
    """Per category: walk-in numbers left today (0 once the cap is reached); None where uncapped."""
    out: dict[str, int | None] = {}
    for c in config.categories:
        out[c.code] = None if c.daily_cap is None else max(0, c.daily_cap - walk_ins(state, c.code))
    return out


def cap_refusal(config: HallConfig, state: HallState, category: str, priority: str | None, channel: str,
                appointment: object) -> str | None:
    """Why this ticket may not be issued because of the day's cap (for staff and the log); None if it may."""
    found = config.category(category)
    if found is None or found.daily_cap is None or appointment is not None:
        return None
    if priority is not None or channel in UNCAPPED_CHANNELS:
        return None
    if walk_ins(state, category) < found.daily_cap:
        return None
    return (f"today's {found.daily_cap} walk-in numbers of category {category} are all issued; "
            "the kiosk offers an appointment on the next working day with a free slot")


# ---------------------------------------------------------------- the appointment grid


@dataclass(frozen=True)
class Slot:
    start: float
    end: float
    free: int  # bookings the slot still takes
    provisional: bool  # the day is a working day by a guess: the year's holidays are not published yet

    @property
    def day(self) -> date:
        return datetime.fromtimestamp(self.start, HALL_TZ).date()


def per_slot(config: HallConfig, category: str) -> int:
    """Bookings one slot takes in `category` (0: the category takes no appointments)."""
    found = config.category(category)
    if found is None:
        return 0
    return config.appointments.per_slot if found.appointments_per_slot is None else found.appointments_per_slot


def opens_for_appointments(config: HallConfig, day: date) -> tuple[bool, bool]:
    """(does the hall take appointments on `day`, is that a guess)."""
    workday, provisional = config.calendar.is_workday(day)
    return workday and (day.isoweekday() in config.hours.days or day.isoweekday() > 5), provisional


def day_slots(config: HallConfig, day: date) -> list[tuple[float, float]]:
    """The day's slots (epoch seconds), session by session, whole slots only."""
    length = config.appointments.slot_min * 60
    out = []
    for begin, finish in config.hours.sessions:
        start = datetime.combine(day, time.fromisoformat(begin), HALL_TZ).timestamp()
        end = datetime.combine(day, time.fromisoformat(finish), HALL_TZ).timestamp()
        while start + length <= end:
            out.append((start, start + length))
            start += length
    return out


def slot_at(config: HallConfig, start: float) -> tuple[float, float] | None:
    """The grid slot that begins exactly at `start`, if there is one."""
    day = datetime.fromtimestamp(start, HALL_TZ).date()
    return next((s for s in day_slots(config, day) if s[0] == start), None)


def taken(slot: tuple[float, float], booked: Iterable[float]) -> int:
    """Bookings in a slot: those whose slot starts inside it (staff may book off the grid)."""
    return sum(1 for b in booked if slot[0] <= b < slot[1])


def next_free_slot(config: HallConfig, category: str, today: date, booked: Iterable[float]) -> Slot | None:
    """The first slot with room in `category` on a working day after `today`, within
    `[appointments] book_ahead_days`; None when there is none (or the category takes no
    appointments). `booked`: the slot starts of the category's bookings on those days."""
    capacity = per_slot(config, category)
    if capacity <= 0:
        return None
    starts = sorted(booked)
    for ahead in range(1, config.appointments.book_ahead_days + 1):
        day = today + timedelta(days=ahead)
        opens, provisional = opens_for_appointments(config, day)
        if not opens:
            continue
        for slot in day_slots(config, day):
            free = capacity - taken(slot, starts)
            if free > 0:
                return Slot(slot[0], slot[1], free, provisional)
    return None


def search_days(config: HallConfig, today: date) -> tuple[date, date]:
    """The first and last day `next_free_slot` looks at (for reading the bookings it needs)."""
    return today + timedelta(days=1), today + timedelta(days=config.appointments.book_ahead_days)
