"""A hall with a small generated history behind it, for the dashboard's tests: two working weeks
of the township preset (about 40 tickets a day) played through the REAL service by the history
player, on the test's own clock, which is then left at the Monday after, 09:00.

Two weeks, not one: the reports compare a week with the week before, and both must hold data."""

from __future__ import annotations

from datetime import date

from queue_server.auth import Accounts
from queue_server.service import HallService
from queue_server.sim.history import HistoryPlayer, Load, working_days
from tests.support.hall import PASSWORD, FakeClock, at

FIRST, LAST = date(2026, 11, 9), date(2026, 11, 20)  # Mon 9 – Fri 20 November 2026
TODAY = "2026-11-23 09:00"  # the Monday after: the hall's clock during the test
START = "2026-11-09 07:00"  # the clock when the service is made (before the first day opens)
# Who works at which window (window 1 is the conftest's clerk1, who has no display name).
CLERKS = {1: "clerk1", 2: "wangfang", 3: "lina", 4: "zhaolei", 5: "chenjing", 6: "liuyang", 7: "sunli"}
NAMES = {"wangfang": "王芳", "lina": "李娜", "zhaolei": "赵磊", "chenjing": "陈静", "liuyang": "刘洋", "sunli": "孙丽"}


class _Steer:
    """Lets the history player move the test's FakeClock (the player sets `.t`)."""

    def __init__(self, clock: FakeClock):
        self._clock = clock

    @property
    def t(self) -> float:
        return self._clock.now

    @t.setter
    def t(self, value: float) -> None:
        self._clock.now = value

    def __call__(self) -> float:
        return self._clock.now


def seed_history(service: HallService, clock: FakeClock, *, tickets_per_day: float = 40, seed: int = 13) -> int:
    """Play FIRST..LAST through `service` (made with `clock` at START), add the clerks' accounts
    with their names, and leave the clock at TODAY with the day opened. Returns the tickets issued."""
    accounts = Accounts(service.store)
    for username, name in NAMES.items():
        accounts.add_user(username, PASSWORD, "clerk", clock(), display_name=name)
    days = working_days(service.config, FIRST, LAST)
    tickets = HistoryPlayer(service, _Steer(clock), seed=seed, load=Load(tickets_per_day=tickets_per_day),  # type: ignore[arg-type]
                            clerks=CLERKS).play(days)
    clock.now = at(TODAY)
    service.tick()
    return tickets
