"""Cases for `yimen demo`: a fresh demo hall has worked for a few weeks, so a visitor sees the case
service alive — the supervision board with green, yellow and one red case, a case waiting for
materials, one refused, one handed over by EMS. Written through the real service with a clock set
in the past, day by day, exactly as the hall would have recorded them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from hallapi.protocol import HALL_TZ
from queue_server.cases import OpenRequest
from queue_server.casework import due_date
from queue_server.config import HallConfig
from queue_server.matters import Matter
from queue_server.service import Actor, HallService
from queue_server.sim.history import SimClock
from queue_server.store import Store
from queue_server.workdays import WorkCalendar

CLERK = Actor("clerk1", "clerk")
NAMES = ("张建国", "李秀英", "王德福", "刘桂兰", "陈志强", "杨丽华", "赵永红", "黄淑珍")


@dataclass(frozen=True)
class Plan:
    """One demo case: how many working days before its due date today is, and what has happened."""

    left: int  # working days from today to the committed date (negative: overdue)
    steps: tuple[tuple[str, dict], ...]
    delivery: str = "window"


PLANS = (
    Plan(6, (("accept", {}),)),
    Plan(4, (("accept", {}), ("step", {"note": "材料初审通过"}))),
    Plan(1, (("accept", {}), ("step", {"note": "报县级部门审核"}))),  # yellow
    Plan(0, (("accept", {}),)),  # yellow: due today
    Plan(-2, (("accept", {}), ("step", {"note": "等待上级答复"}))),  # red
    Plan(3, (("accept_incomplete", {"missing": None}),)),
    Plan(5, (("return", {"note": "所申请事项不属于本中心受理范围"}),)),
    Plan(8, (("accept", {}), ("decide", {"outcome": "approved"}), ("result_ready", {}),
             ("hand_over", {"delivery": "ems", "waybill": "1100987654321"})), "ems"),
)


def accepted_for(target: date, limit: int, calendar: WorkCalendar, today: date) -> date:
    """The latest working day, not after today, on which a case with `limit` working days would
    have been accepted to fall due on `target` (or before it)."""
    day = min(target, today + timedelta(days=1))
    while True:
        day -= timedelta(days=1)
        due = due_date(day, limit, calendar).day
        if calendar.is_workday(day)[0] and due is not None and due <= target:
            return day


def shift_working_days(today: date, n: int, calendar: WorkCalendar) -> date:
    """`n` working days after today (before, when negative); today itself when n is 0."""
    day, step, left = today, (1 if n > 0 else -1), abs(n)
    while left:
        day += timedelta(days=step)
        left -= calendar.is_workday(day)[0]
    return day


@dataclass(frozen=True)
class Planned:
    """A demo case placed in time: opened at `opened_at` (before the hall opens that day)."""

    opened_at: float
    index: int
    plan: Plan
    matter: Matter

    @property
    def day(self) -> date:
        return datetime.fromtimestamp(self.opened_at, HALL_TZ).date()


def planned_cases(config: HallConfig, now: float) -> list[Planned]:
    """The demo's cases in the order they were opened (none if no matter fits)."""
    calendar = config.calendar
    committed = [m for m in config.matters if m.case_type == "committed" and m.committed_limit_days >= 3]
    if not committed:
        return []
    today = datetime.fromtimestamp(now, HALL_TZ).date()
    out = []
    for i, plan in enumerate(PLANS):
        matter = committed[i % len(committed)]
        target = shift_working_days(today, plan.left, calendar)
        accepted = accepted_for(target, matter.committed_limit_days, calendar, today)
        out.append(Planned(datetime.combine(accepted, time(8, i), HALL_TZ).timestamp(), i, plan, matter))
    return sorted(out, key=lambda p: p.opened_at)


def work_case(service: HallService, clock: SimClock, planned: Planned) -> str:
    """Open one planned case at its time and take its steps, five minutes apart; its number."""
    clock.t = max(clock.t, planned.opened_at)
    i, plan, matter = planned.index, planned.plan, planned.matter
    name = NAMES[i % len(NAMES)]
    request = OpenRequest(matter.code, "person", name, None, "window", 1, None,
                          tuple({"name": m.name, "form": m.form, "count": m.count} for m in matter.materials[:2]),
                          plan.delivery)
    identity = {"name": name, "phone": f"1380000{i:04d}"}
    if plan.delivery == "ems":
        identity["ems_address"] = "某某县某某镇某某村 8 号"
    number = service.open_case(request, identity, CLERK).number
    for action, details in plan.steps:
        clock.t += 5 * 60
        if action == "accept_incomplete":
            details = {"missing": [m.name for m in matter.materials[-1:]]}
        service.case_step(number, action, CLERK, **details)
    return number


def seed_cases(store: Store, config: HallConfig, now: float) -> list[str]:
    """Open and work the demo's cases in the past; returns their numbers (none if no matter fits)."""
    work = planned_cases(config, now)
    if not work:
        return []
    clock = SimClock(work[0].opened_at)
    service = HallService(config, store, clock=clock)
    return [work_case(service, clock, planned) for planned in work]
