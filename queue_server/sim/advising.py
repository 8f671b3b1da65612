"""The layout advisor on the hall's own history: read the recent days (sim/fromhistory.py), search
a layout (sim/advise.py) and describe the result for the manager's page and `yimen advise
--history`. The hall is only read; accepting a proposal is a separate step (a `layout_set` event).

A run takes tens of seconds, so the page starts it as a job (`AdviseJobs`): one at a time per
hall, in a worker thread on its own read-only connection, with progress the page polls.
"""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import Any

from ..errors import Conflict, Invalid
from ..events import LayoutSet
from ..hallconfig import HallConfig
from ..layout import in_force
from ..store import Store
from .advise import AdviseError, Constraints, advise
from .fromhistory import HistoryError, history_days, opening_clock
from .peak import propose_peak

PAGE_BUDGET = 60  # layouts a page's run evaluates at most: about half a minute for five days
MAX_DAYS, MAX_HOLDOUT, MAX_BUDGET = 20, 20, 400


@dataclass(frozen=True)
class Request:
    """What the manager asks for: the days and the constraints."""

    days: int = 5
    holdout: int = 0
    max_categories: int = 4
    dedicated: tuple[int, ...] | None = None  # None: the windows the hall file marks dedicated
    exclusive: tuple[str, ...] = ()
    budget: int = PAGE_BUDGET
    peak: bool = False  # also look for a spare window to open at the busiest hours (sim/peak.py)

    def check(self, config: HallConfig) -> None:
        """Raise `Invalid` with one sentence for a request the hall cannot run."""
        if not 1 <= self.days <= MAX_DAYS:
            raise Invalid("bad_request", f"fit on 1 to {MAX_DAYS} days")
        if not 0 <= self.holdout <= MAX_HOLDOUT:
            raise Invalid("bad_request", f"hold out 0 to {MAX_HOLDOUT} days")
        if not 1 <= self.max_categories <= len(config.categories):
            raise Invalid("bad_request", f"categories per window: 1 to {len(config.categories)}")
        if not 1 <= self.budget <= MAX_BUDGET:
            raise Invalid("bad_request", f"layouts to try: 1 to {MAX_BUDGET}")
        unknown = [w for w in self.dedicated or () if config.window(w) is None]
        if unknown:
            raise Invalid("bad_request", f"there is no window {unknown[0]} in this hall")
        codes = {c.code for c in config.categories}
        bad = [c for c in self.exclusive if c not in codes]
        if bad:
            raise Invalid("bad_request", f"unknown category {bad[0]!r}")


def dedicated_of(config: HallConfig, request: Request) -> frozenset[int]:
    if request.dedicated is not None:
        return frozenset(request.dedicated)
    return frozenset(w.number for w in config.windows if w.dedicated)


def running_config(file_config: HallConfig, store: Store) -> HallConfig:
    """The layout the hall runs now: the hall file with every accepted layout folded in."""
    return in_force(file_config, store.stream_of(LayoutSet.TYPE), "9999-12-31")


def run(store: Store, file_config: HallConfig, today: str, request: Request,
        progress: Callable[[int, int], None] | None = None) -> dict[str, Any]:
    """Search a layout on the hall's last `request.days` working days before `today` (checked on
    the `holdout` days before those). Raises `Invalid` when the history cannot be used."""
    config = running_config(file_config, store)
    request.check(config)
    try:
        fitted, held = history_days(store.history, config, today, request.days, request.holdout)
        constraints = Constraints(request.max_categories, dedicated_of(config, request),
                                  frozenset(request.exclusive), request.budget)
        advice = advise([d.scenario for d in fitted], [d.scenario for d in held], constraints, progress)
    except (HistoryError, AdviseError) as exc:
        raise Invalid("cannot_advise", str(exc)) from None
    doc = advice.as_dict()
    if request.peak:
        peak = propose_peak([d.scenario for d in fitted], [d.scenario for d in held], advice.proposed,
                            constraints.dedicated or frozenset(), constraints)
        doc["peak"] = {**peak, "from": opening_clock(config, peak["from_s"]), "to": opening_clock(config, peak["to_s"])}
    doc["days"] = [{"day": d.day, "tickets": d.tickets, "left_out": d.left_out} for d in fitted]
    doc["held_days"] = [{"day": d.day, "tickets": d.tickets, "left_out": d.left_out} for d in held]
    doc["request"] = asdict(request)
    doc["windows"] = [{"number": w.number, "name": w.name, "kind": w.kind, "dedicated": w.number in doc["dedicated"]}
                      for w in config.windows]
    doc["categories"] = [{"code": c.code, "name": c.name, "name_en": c.name_en} for c in config.categories]
    return doc


@dataclass
class Job:
    id: str
    by: str
    request: Request
    started_at: float
    state: str = "running"  # running | done | failed
    evaluated: int = 0
    budget: int = 0
    finished_at: float | None = None
    result: dict[str, Any] | None = None
    error: str | None = None
    error_code: str | None = None  # the page says it in Chinese from the code
    ended: threading.Event = field(default_factory=threading.Event, repr=False)

    def view(self) -> dict[str, Any]:
        return {"id": self.id, "by": self.by, "state": self.state, "request": asdict(self.request),
                "started_at": self.started_at, "finished_at": self.finished_at,
                "progress": {"evaluated": self.evaluated, "budget": self.budget or self.request.budget},
                "result": self.result, "error": self.error, "error_code": self.error_code}


@dataclass
class AdviseJobs:
    """The hall's advisor runs: at most one at a time, the last one kept for the page."""

    open_reader: Callable[[], Store]
    file_config: Callable[[], HallConfig]
    clock: Callable[[], float] = time.time
    last: Job | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def start(self, request: Request, by: str, today: str) -> Job:
        request.check(self.file_config())
        with self._lock:
            if self.last is not None and self.last.state == "running":
                raise Conflict("advisor_busy", f"the advisor is already running (started by {self.last.by}); "
                                               "wait for it to finish")
            job = self.last = Job(uuid.uuid4().hex[:12], by, request, self.clock())
        threading.Thread(target=self._work, args=(job, today), name="yimen-advise", daemon=True).start()
        return job

    def _work(self, job: Job, today: str) -> None:
        def progress(evaluated: int, budget: int) -> None:
            job.evaluated, job.budget = evaluated, budget

        try:
            store = self.open_reader()
            try:
                job.result = run(store, self.file_config(), today, job.request, progress)
            finally:
                store.close()
            job.state = "done"
        except Invalid as exc:
            job.error, job.error_code, job.state = exc.message, exc.code, "failed"
        except Exception as exc:  # reported on the page, never lost in a thread
            job.error, job.error_code, job.state = f"the advisor failed: {exc!r}", "advisor_failed", "failed"
        job.finished_at = self.clock()
        job.ended.set()

    def wait(self, timeout_s: float = 600.0) -> Job | None:
        """Until the current job ends (tests; the page polls instead)."""
        if self.last is not None:
            self.last.ended.wait(timeout_s)
        return self.last
