"""The data `yimen bench stats` measures: a year of a busy township hall, and one busy day as "today".

The year is played through the real `HallService` by `HistoryPlayer` (sim/history.py), so the
history tables are exactly what a hall writes. It takes minutes, so it is generated once into a
folder under var/bench named by `year_key` (the generator's version, the history tables' and the
schema's, the year, the tickets, the seed) and reused by later runs. The generation store runs
with `synchronous=OFF`: it is a fixture, not what is measured, and a power cut would only lose a
cache that is made again.
"""

from __future__ import annotations

import contextlib
import json
import shutil
import sys
import time
from dataclasses import dataclass
from datetime import date, datetime
from datetime import time as dtime
from pathlib import Path
from typing import Any

from hallapi.protocol import HALL_TZ
from queue_server.config import HallConfig, load_preset, parse_config
from queue_server.errors import Conflict, Invalid, NotFound
from queue_server.service import Actor, HallService
from queue_server.sim.history import HistoryPlayer, Load, SimClock, working_days
from queue_server.store import Store
from queue_server.store.core import DB_NAME, MARKER, MIGRATIONS
from queue_server.store.history import HISTORY_VERSION

from .live import around_the_clock

GENERATOR = 2  # bump when what is generated changes (the cache is then made again)
BUSY = 0.7  # the windows' share of open time spent serving, on average (a busy hall, not a jammed one)


@dataclass(frozen=True)
class Plan:
    """What to generate: `tickets` over the working days of `year`, played with `seed`."""

    year: int
    tickets: int
    seed: int

    def key(self) -> str:
        return (f"stats-year-g{GENERATOR}-h{HISTORY_VERSION}-s{len(MIGRATIONS)}-{self.year}"
                f"-{self.tickets}-seed{self.seed}")


def busy_load(config: HallConfig, per_day: float) -> Load:
    """A load of `per_day` tickets the hall can serve: service times scaled down from the
    preset's so the windows are about `BUSY` occupied (a township hall with 600 a day works fast)."""
    open_min = sum(_minutes(b) - _minutes(a) for a, b in config.hours.sessions) * len(config.windows)
    mean = sum(c.service_min for c in config.categories) / len(config.categories)
    scale = min(1.0, BUSY * open_min / (per_day * mean))
    return Load(tickets_per_day=per_day, mean_service_min={c.code: c.service_min * scale for c in config.categories})


def per_day(tickets: int, days: list[date]) -> float:
    """The mean a `Load` needs for `tickets` over `days`: the player makes Mondays ×1.3 and
    Fridays ×0.85 (×1.02 over a year's working days, measured) and adds the appointments'
    check-ins (about 0.9 of 3 a day)."""
    return max(1.0, tickets / len(days) / 1.02 - 0.9 * Load().appointments_per_day)


def _minutes(hhmm: str) -> int:
    h, m = hhmm.split(":")
    return int(h) * 60 + int(m)


def _fast(store: Store) -> Store:
    store.conn.execute("PRAGMA synchronous=OFF")  # a fixture: see the module's docstring
    return store


def year_folder(cache: Path, plan: Plan, say: Any = print) -> tuple[Path, dict[str, Any]]:
    """The generated year's data folder (made now unless cached) and what its generation took."""
    folder = cache / plan.key()
    meta_file = folder / "generated.json"
    if meta_file.exists():
        meta = json.loads(meta_file.read_text("utf-8"))
        return folder, {**meta, "reused": True}
    partial = cache / (plan.key() + ".partial")
    if partial.exists():
        shutil.rmtree(partial)
    config = load_preset("township")
    days = working_days(config, date(plan.year, 1, 1), date(plan.year, 12, 31))
    load = busy_load(config, per_day(plan.tickets, days))
    store = _fast(Store.open(partial))
    clock = SimClock(datetime.combine(days[0], dtime(7, 0), HALL_TZ).timestamp())
    player = HistoryPlayer(HallService(config, store, clock), clock, plan.seed, load)
    started = time.perf_counter()
    for month in range(1, 13):
        player.play([d for d in days if d.month == month])
        say(f"  generated {plan.year}-{month:02d}: {player.tickets} tickets, {time.perf_counter() - started:.0f} s",
            file=sys.stderr, flush=True)
    decide_the_rest(player)
    clock.t = datetime.combine(date(plan.year + 1, 1, 1), dtime(6, 0), HALL_TZ).timestamp()
    player.svc.tick()  # the last day is closed, as the next morning would
    seconds = time.perf_counter() - started
    events = store.last_seq()
    store.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    store.close()
    meta = {"year": plan.year, "working_days": len(days), "tickets": player.tickets, "events": events,
            "generation_s": round(seconds, 1), "ms_per_event": round(seconds / max(1, events) * 1000, 3),
            "tickets_per_day": round(load.tickets_per_day, 1),
            "mean_service_min": {k: round(v, 2) for k, v in load.mean_service_min.items()}}
    (partial / "generated.json").write_text(json.dumps(meta, indent=2), "utf-8")
    partial.rename(folder)
    return folder, {**meta, "reused": False}


def decide_the_rest(player: HistoryPlayer) -> None:
    """The cases the player would decide after the year are decided on its last evening: a year
    later they would otherwise all be overdue, and every one raises an alert on the live page."""
    for _, number in player.pending_cases:
        with contextlib.suppress(Conflict, Invalid, NotFound):
            player.svc.case_step(number, "decide", Actor("history", "clerk"), outcome="approved")
    player.pending_cases = []


def live_config() -> HallConfig:
    """The township hall open around the clock (the live servers' configuration: a run works at any hour)."""
    return parse_config(around_the_clock(), "bench:around-the-clock")


def today_folder(target: Path, year: Path | None, per_day: float, seed: int) -> int:
    """A data folder whose "today" (the real date) is one busy day; after the cached year when
    `year` is given (day 365), alone otherwise (day 1). Returns today's tickets."""
    if target.exists():
        shutil.rmtree(target)
    target.mkdir(parents=True)
    if year is not None:
        for name in (DB_NAME, MARKER):
            shutil.copy2(year / name, target / name)
    config = live_config()
    store = _fast(Store.open(target))
    today = datetime.now(HALL_TZ).date()
    clock = SimClock(datetime.combine(today, dtime(0, 0, 1), HALL_TZ).timestamp())
    load = busy_load(load_preset("township"), per_day)  # the year's service times, around the clock
    player = HistoryPlayer(HallService(config, store, clock), clock, seed, load)
    player.play([today])
    store.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    store.close()
    return player.tickets
