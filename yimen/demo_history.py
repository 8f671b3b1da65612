"""A fresh demo hall's past: four weeks of working days played through the real service
(queue_server/sim/history.py), with the demo's cases (demo_cases.py) opened and worked on their
own days in between, so that reports, charts, attendance and the case board are alive today.

The history follows the hall's real hours (the live demo runs around the clock), each window
worked by its own clerk account so their names show. A modest load plays in a few seconds; the
fresh demo folder is written without waiting for the disk (`synchronous=OFF`) while it is
seeded — a demo folder is thrown away at the next start anyway — and durably again after.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from hallapi.protocol import HALL_TZ
from queue_server.auth import Accounts
from queue_server.config import HallConfig
from queue_server.service import HallService
from queue_server.sim.history import HistoryPlayer, Load, SimClock, working_days
from queue_server.store import Store

from .demo_cases import planned_cases, work_case

WEEKS = 4
LOAD = Load(tickets_per_day=70)
CLERK_NAMES = ("王芳", "李娜", "张伟", "刘洋", "陈静", "杨磊", "赵敏", "周杰", "吴婷", "孙浩")


@dataclass(frozen=True)
class Seeded:
    days: int  # working days played
    tickets: int
    cases: list[str]


def clerks(config: HallConfig) -> dict[int, tuple[str, str]]:
    """Each window's demo clerk: window → (username, name); clerk1 is the one the banner shows."""
    return {w.number: (f"clerk{w.number}", CLERK_NAMES[i % len(CLERK_NAMES)]) for i, w in enumerate(config.windows)}


def add_clerks(accounts: Accounts, config: HallConfig, password: str, now: float) -> None:
    have = {u["username"] for u in accounts.users()}
    for username, name in clerks(config).values():
        if username not in have:
            accounts.add_user(username, password, "clerk", now, name)


def seed_history(store: Store, config: HallConfig, now: float, seed: int = 1) -> Seeded:
    """Play the `WEEKS` weeks of working days before today (the day of `now`) and the demo's
    cases in time order; the cases opened today come last, before the hall opens."""
    today = datetime.fromtimestamp(now, HALL_TZ).date()
    days = working_days(config, today - timedelta(weeks=WEEKS), today - timedelta(days=1))
    cases = planned_cases(config, now)
    start = min([datetime.combine(d, time(7, 0), HALL_TZ).timestamp() for d in days[:1]]
                + [c.opened_at - 60 for c in cases[:1]], default=now)
    clock = SimClock(start)
    store.conn.execute("PRAGMA synchronous=OFF")
    try:
        service = HallService(config, store, clock)
        player = HistoryPlayer(service, clock, seed, LOAD, {w: u for w, (u, _) in clerks(config).items()})
        numbers: list[str] = []
        for day in sorted({*days, *(c.day for c in cases)}):
            numbers += [work_case(service, clock, c) for c in cases if c.day == day]
            if day in days and day < today:
                player.play([day])
    finally:
        store.conn.execute("PRAGMA synchronous=FULL")
    return Seeded(len(days), player.tickets, numbers)


def history_days(today: date) -> tuple[date, date]:
    """The range the demo's history covers, for a report on it."""
    return today - timedelta(weeks=WEEKS), today - timedelta(days=1)
