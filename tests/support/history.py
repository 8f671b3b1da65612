"""Small generated histories for the report tests, played through the real HallService by the
history player (sim/history.py) into a real store:

- `seeded_folder`/`copy_of` (the exports and the 台账): a week of the township hall (about 40
  tickets a day) in a data folder, copied for each test;
- `seed_two_weeks` (the dashboard): two working weeks played through the test's own service on
  its own clock, which is then left at the Monday after, 09:00. Two weeks, not one: the reports
  compare a week with the week before, and both must hold data.
"""

from __future__ import annotations

import shutil
from datetime import date, datetime, time
from pathlib import Path

from hallapi.protocol import HALL_TZ
from queue_server.auth import Accounts
from queue_server.hallconfig import HallConfig
from queue_server.service import HallService
from queue_server.sim.history import HistoryPlayer, Load, SimClock, working_days
from queue_server.store import Store
from tests.support.hall import PASSWORD, FakeClock, at

WEEK = (date(2026, 11, 16), date(2026, 11, 20))  # Monday to Friday, the week before the tests' clock (11-23)


def seed_history(store: Store, config: HallConfig, first: date = WEEK[0], last: date = WEEK[1], *, seed: int = 7,
                 tickets_per_day: float = 40) -> HallService:
    """Play the working days from `first` to `last` into `store`; the service that played them."""
    days = working_days(config, first, last)
    clock = SimClock(datetime.combine(days[0], time(7, 0), HALL_TZ).timestamp())
    service = HallService(config, store, clock)
    HistoryPlayer(service, clock, seed=seed, load=Load(tickets_per_day=tickets_per_day)).play(days)
    return service


async def report_of(hall, **query) -> dict:
    """The report over the API, as a signed-in manager asks for it."""
    r = await hall.client.get("/api/v1/reports", params=query)
    assert r.status == 200
    return await r.json()


def seeded_folder(folder: Path, config: HallConfig) -> Path:
    """A hall's data folder holding the week, and clerk2's name (王芳) for the tables."""
    store = Store.open(folder)
    seed_history(store, config)
    assert len(store.history.dump("ticket_facts")) > 150
    Accounts(store).add_user("clerk2", PASSWORD, "clerk", datetime.combine(WEEK[0], time(7, 0), HALL_TZ).timestamp(), "王芳")
    store.close()
    return folder


def copy_of(seeded: Path, tmp_path: Path) -> Path:
    """A copy of a seeded folder, for one test to open (and write) on its own."""
    shutil.copytree(seeded, tmp_path / "data")
    return tmp_path / "data"


# ---------------------------------------------------------------- the dashboard's two weeks

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


def seed_two_weeks(service: HallService, clock: FakeClock, *, tickets_per_day: float = 40, seed: int = 13) -> int:
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
