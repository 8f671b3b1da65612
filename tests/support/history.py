"""A small history for the report tests: a week of the township hall (about 40 tickets a day)
played through the real HallService on a simulated clock (sim/history.py), into a real store."""

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
from tests.support.hall import PASSWORD

WEEK = (date(2026, 11, 16), date(2026, 11, 20))  # Monday to Friday, the week before the tests' clock (11-23)


def seed_history(store: Store, config: HallConfig, first: date = WEEK[0], last: date = WEEK[1], *, seed: int = 7,
                 tickets_per_day: float = 40) -> int:
    """Play the working days from `first` to `last` into `store`; the tickets issued."""
    days = working_days(config, first, last)
    clock = SimClock(datetime.combine(days[0], time(7, 0), HALL_TZ).timestamp())
    player = HistoryPlayer(HallService(config, store, clock), clock, seed=seed, load=Load(tickets_per_day=tickets_per_day))
    return player.play(days)


def seeded_folder(folder: Path, config: HallConfig) -> Path:
    """A hall's data folder holding the week, and clerk2's name (王芳) for the tables."""
    store = Store.open(folder)
    assert seed_history(store, config) > 150
    Accounts(store).add_user("clerk2", PASSWORD, "clerk", datetime.combine(WEEK[0], time(7, 0), HALL_TZ).timestamp(), "王芳")
    store.close()
    return folder


def copy_of(seeded: Path, tmp_path: Path) -> Path:
    """A copy of a seeded folder, for one test to open (and write) on its own."""
    shutil.copytree(seeded, tmp_path / "data")
    return tmp_path / "data"
