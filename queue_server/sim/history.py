"""Weeks or a year of a hall's history, played through the real `HallService` on a simulated clock.

Used by `yimen demo` (a few weeks, so the reports and charts are alive), by the tests (a small
week whose figures are counted by hand) and by `yimen bench stats` (a year of a busy township
hall). Every ticket, call, pause, rating, case and 差评 follow-up goes through the same commands a
real hall's devices send, so the history tables are written exactly as in production.

A working day (by the hall's hours and work calendar): clerks sign in at the first session's start
(some a few minutes late), close their windows for the lunch break and sign out at the end (some
early); one or two windows pause for a while with a reason; citizens arrive by the day's
profile (`sim/generate.py`); a window calls the next ticket whenever it is free; a few do not come
(skipped after a minute), a few cancel, a few are transferred; most services are rated, a few
badly, and their follow-ups move on over the next days; some services open a case, decided a few
working days later; a few appointments are booked, most kept.
"""

from __future__ import annotations

import contextlib
import heapq
import math
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from functools import partial
from typing import Any

from hallapi.protocol import HALL_TZ

from ..cases import OpenRequest
from ..errors import Conflict, Invalid, NotFound
from ..events import Event
from ..hall import Hall
from ..hallconfig import HallConfig
from ..service import Actor, HallService
from ..state import IssueRequest

SYSTEM = Actor("history", "clerk")
PAD = Actor("history-pad", "review")
PAUSE_REASONS = ("临时离岗", "业务咨询", "系统故障")
Push = Callable[..., None]  # (when, what happens, its arguments)
Command = Callable[[Hall, float], Event]
LEVELS = (5, 5, 5, 5, 5, 5, 5, 4, 4, 4, 3, 2, 1)  # a township hall's usual mix: mostly 非常满意


def _call(window: int, hall: Hall, now: float) -> Event:
    return hall.call_next(window, now, actor=str(SYSTEM))


def _start(window: int, hall: Hall, now: float) -> Event:
    return hall.start(window, now, actor=str(SYSTEM))


class SimClock:
    """The service's clock during generation: set by the generator, read by the service."""

    def __init__(self, t: float = 0.0):
        self.t = t

    def __call__(self) -> float:
        return self.t


@dataclass
class Load:
    """How busy the generated hall is."""

    tickets_per_day: float = 120.0  # a mean; Mondays ×1.3, Fridays ×0.85
    rated_share: float = 0.7
    no_show_share: float = 0.05
    cancel_share: float = 0.02
    transfer_share: float = 0.015
    case_share: float = 0.12
    appointments_per_day: int = 3
    mean_service_min: dict[str, float] = field(default_factory=dict)


def _at(day: date, hhmm: str, plus_s: float = 0.0) -> float:
    h, m = hhmm.split(":")
    return datetime.combine(day, time(int(h), int(m)), HALL_TZ).timestamp() + plus_s


def working_days(config: HallConfig, first: date, last: date) -> list[date]:
    days, d = [], first
    while d <= last:
        if d.isoweekday() in config.hours.days and config.calendar.is_workday(d)[0]:
            days.append(d)
        d += timedelta(days=1)
    return days


class HistoryPlayer:
    def __init__(self, service: HallService, clock: SimClock, seed: int = 1, load: Load | None = None,
                 clerks: dict[int, str] | None = None):
        self.svc, self.clock, self.rng = service, clock, random.Random(seed)
        self.config = service.config
        self.load = load or Load()
        self.clerks = clerks or {w.number: f"clerk{w.number}" for w in self.config.windows}
        self.matters = {c.code: [m.code for m in self.config.matters if m.category == c.code] for c in self.config.categories}
        self.pending_cases: list[tuple[date, str]] = []  # (decide on, case number)
        self.pending_follow_ups: list[tuple[date, int, str, str]] = []  # (on, order, item, step)
        self.tickets = 0

    # ------------------------------------------------------------ the clock and commands

    def _run(self, at: float, command: Command) -> None:
        self.clock.t = max(self.clock.t, at)
        # The hall may refuse (a window already free, a ticket gone): a real clerk would move on.
        with contextlib.suppress(Conflict, Invalid, NotFound):
            self.svc.run(lambda hall, now: command(hall, now))

    def play(self, days: list[date]) -> int:
        """Play each day in order; returns the tickets issued."""
        for day in days:
            self._day(day)
        return self.tickets

    # ------------------------------------------------------------ a day

    def _day(self, day: date) -> None:
        sessions = self.config.hours.sessions
        start, end = _at(day, sessions[0][0]), _at(day, sessions[-1][1])
        self.clock.t = max(self.clock.t, start - 600)
        self._between_days(day)
        weekday_factor = {0: 1.3, 4: 0.85}.get(day.weekday(), 1.0)
        n = self._poisson(self.load.tickets_per_day * weekday_factor)
        open_s = sum(_at(day, b) - _at(day, a) for a, b in sessions)
        heap: list[tuple[float, int, str, tuple[Any, ...]]] = []
        k = 0

        def push(t: float, kind: str, *what: Any) -> None:
            nonlocal k
            k += 1
            heapq.heappush(heap, (t, k, kind, what))

        for w in self.config.windows:
            for i, (a, b) in enumerate(sessions):
                late = self.rng.choice((0, 0, 0, 0, 60, 180, 420)) if i == 0 else self.rng.uniform(0, 120)
                early = self.rng.choice((0, 0, 0, 0, 0, 300)) if i == len(sessions) - 1 else self.rng.uniform(0, 60)
                push(_at(day, a) + late, "open", w.number)
                push(_at(day, b) - early, "close", w.number)
        for _ in range(self.rng.choice((0, 1, 1, 2))):
            paused = self.rng.choice(self.config.windows).number
            push(start + self.rng.uniform(0.2, 0.8) * (end - start), "pause", paused, self.rng.choice(PAUSE_REASONS))
        for _ in range(n):
            push(self._arrival_time(day, open_s), "arrive")
        for _ in range(self.load.appointments_per_day):
            push(start + self.rng.uniform(0.1, 0.7) * (end - start), "appointment")
        self.busy: dict[int, bool] = {w.number: False for w in self.config.windows}
        while heap:
            t, _, kind, what = heapq.heappop(heap)
            self.clock.t = max(self.clock.t, t)
            getattr(self, f"_{kind}")(t, push, *what)
            self._call_free(self.clock.t, push)
        self.svc.tick()

    def _poisson(self, mean: float) -> int:
        return max(0, round(self.rng.gauss(mean, math.sqrt(mean))))

    def _arrival_time(self, day: date, open_s: float) -> float:
        """A moment of opening time, busier mid-morning (the lunch break is skipped)."""
        while True:
            u = self.rng.random()
            if self.rng.random() < 0.6 + 0.4 * math.sin(math.pi * min(1.0, u * 2.2)):
                break
        offset = u * open_s * 0.97
        for a, b in self.config.hours.sessions:
            length = _at(day, b) - _at(day, a)
            if offset < length:
                return _at(day, a) + offset
            offset -= length
        return _at(day, self.config.hours.sessions[-1][1]) - 60

    # ------------------------------------------------------------ what happens

    def _open(self, t: float, push: Push, window: int) -> None:
        self._run(t, lambda h, now: h.open_window(window, now, clerk=self.clerks.get(window), actor=str(SYSTEM)))

    def _close(self, t: float, push: Push, window: int) -> None:
        if self.busy.get(window):
            push(t + 60, "close", window)  # finish the citizen at the window first
            return
        self._run(t, lambda h, now: h.close_window(window, now, actor=str(SYSTEM)))

    def _pause(self, t: float, push: Push, window: int, reason: str) -> None:
        if self.busy.get(window) or self.svc.hall.state.windows[window].status != "open":
            return
        self._run(t, lambda h, now: h.pause(window, reason, now, actor=str(SYSTEM)))
        push(t + self.rng.uniform(300, 1500), "resume", window)

    def _resume(self, t: float, push: Push, window: int) -> None:
        if self.svc.hall.state.windows[window].status == "paused":
            self._run(t, lambda h, now: h.resume(window, now, actor=str(SYSTEM)))

    def _arrive(self, t: float, push: Push) -> None:
        category = self.rng.choice(self.config.categories).code
        matters = self.matters.get(category)
        request = IssueRequest(category=category, matter=self.rng.choice(matters) if matters else None, channel="kiosk")
        self.clock.t = max(self.clock.t, t)
        try:
            ticket, _ = self.svc.issue(request, Actor("history-kiosk", "kiosk"))
        except (Conflict, Invalid, NotFound):
            return
        self.tickets += 1
        if self.rng.random() < self.load.cancel_share:
            push(t + self.rng.uniform(300, 1800), "cancel", ticket.id)

    def _cancel(self, t: float, push: Push, ticket: str) -> None:
        found = self.svc.hall.state.tickets.get(ticket)
        if found is not None and found.status == "waiting":
            self._run(t, lambda h, now: h.cancel(ticket, now, "不办了", actor=str(SYSTEM)))

    def _appointment(self, t: float, push: Push) -> None:
        """A booking for later today, checked in on time (most), late or never."""
        code = f"Y{self.rng.randrange(10**7):07d}"
        start = t + 1800
        category = self.rng.choice(self.config.categories).code
        self._run(t, lambda h, now: h.desk.book(code, start, start + 1800, now, category=category, actor=str(SYSTEM)))
        fate = self.rng.random()
        if fate < 0.75:
            push(start - 300, "check_in", code, start)
        elif fate < 0.9:
            push(start + 3600, "check_in", code, start)

    def _check_in(self, t: float, push: Push, code: str, start: float) -> None:
        self.clock.t = max(self.clock.t, t)
        booking = self.svc.hall.state.desk.bookings.get(code)
        if booking is None:
            return
        try:
            self.svc.issue(IssueRequest(category=booking.category, appointment={
                "code": code, "slot_start": booking.slot_start, "slot_end": booking.slot_end}, channel="kiosk"),
                Actor("history-kiosk", "kiosk"))
            self.tickets += 1
        except (Conflict, Invalid, NotFound):
            pass

    def _call_free(self, t: float, push: Push) -> None:
        hall = self.svc.hall
        for number, ws in hall.state.windows.items():
            if ws.status != "open" or ws.current is not None or self.busy.get(number):
                continue
            if not any(tk.status == "waiting" for tk in hall.state.tickets.values()):
                return
            before = hall.state.windows[number].current
            self._run(t, partial(_call, number))
            ticket = hall.state.windows[number].current
            if ticket is None or ticket == before:
                continue
            self.busy[number] = True
            if self.rng.random() < self.load.no_show_share:
                push(t + 60, "skip", number)
            else:
                self._run(t + 5, partial(_start, number))
                category = hall.state.tickets[ticket].category
                mean = self.load.mean_service_min.get(category) or self.config.category(category).service_min  # type: ignore[union-attr]
                sigma = math.sqrt(math.log(1.36))
                service = min(6 * mean * 60, max(30.0, self.rng.lognormvariate(math.log(mean * 60) - sigma ** 2 / 2, sigma)))
                push(t + 5 + service, "done", number, ticket)

    def _skip(self, t: float, push: Push, window: int) -> None:
        self._run(t, lambda h, now: h.skip(window, now, actor=str(SYSTEM)))
        self.busy[window] = False

    def _done(self, t: float, push: Push, window: int, ticket: str) -> None:
        self.busy[window] = False
        others = [c.code for c in self.config.categories if c.code != self.svc.hall.state.tickets[ticket].category]
        if others and self.rng.random() < self.load.transfer_share:
            self._run(t, lambda h, now: h.transfer(window, now, to_category=self.rng.choice(others), actor=str(SYSTEM)))
            return
        self._run(t, lambda h, now: h.complete(window, now, actor=str(SYSTEM)))
        number = self.svc.hall.state.tickets[ticket].number
        if self.rng.random() < self.load.case_share:
            self._open_case(ticket, window)
        if self.rng.random() < self.load.rated_share:
            level = self.rng.choice(LEVELS)
            reasons = [self.config.ratings.reasons[0]] if level <= 2 and self.config.ratings.reasons else []
            self._run(t + self.rng.uniform(5, 40), lambda h, now: h.ratings.rate(
                number, level, now, device_window=window, reasons=reasons, actor=str(PAD)))
            if level <= 2:
                self._plan_follow_up(ticket)

    def _open_case(self, ticket: str, window: int) -> None:
        t = self.svc.hall.state.tickets[ticket]
        matter = self.config.matter(t.matter) if t.matter else None
        if matter is None:
            return
        materials = tuple({"name": m.name, "form": "original", "count": 1} for m in matter.materials[:1])
        request = OpenRequest(matter.code, "person", "张*", None, "window", window, ticket, materials, "window")
        clerk = Actor(self.clerks.get(window) or "clerk1", "clerk")
        try:
            case = self.svc.open_case(request, None, clerk)
            self.svc.case_step(case.number, "accept", clerk)
        except (Conflict, Invalid, NotFound):
            return
        if case.case_type == "immediate" or not case.committed_limit_days:  # 即办件: decided on the spot
            self.svc.case_step(case.number, "decide", clerk, outcome="approved")
            return
        limit = case.committed_limit_days
        days = self.rng.randint(1, limit) if self.rng.random() < 0.9 else limit + self.rng.randint(2, 5)  # a few late
        self.pending_cases.append((self._day_of(self.clock.t) + timedelta(days=days), case.number))

    def _plan_follow_up(self, ticket: str) -> None:
        today = self._day_of(self.clock.t)
        for i, step in enumerate(("verified", "called_back", "rectified", "feedback", "closed")):
            self.pending_follow_ups.append((today + timedelta(days=1 + i + self.rng.randint(0, 1)), i, ticket, step))

    def _between_days(self, day: date) -> None:
        """Steps that happen in the morning: cases decided, follow-ups moved on."""
        self.clock.t = max(self.clock.t, _at(day, self.config.hours.sessions[0][0], -1800))
        due = [(d, n) for d, n in self.pending_cases if d <= day]
        self.pending_cases = [(d, n) for d, n in self.pending_cases if d > day]
        for _, number in due:
            with contextlib.suppress(Conflict, Invalid, NotFound):
                self.svc.case_step(number, "decide", Actor("history", "clerk"), outcome="approved")
        steps = sorted(x for x in self.pending_follow_ups if x[0] <= day)
        self.pending_follow_ups = [x for x in self.pending_follow_ups if x[0] > day]
        for _, order, item, step in steps:
            try:
                self.svc.follow_up(item, step, "已处理" if step != "closed" else "", "值班主任", Actor("manager", "manager"))
            except (Conflict, Invalid, NotFound):
                self.pending_follow_ups.append((day + timedelta(days=1), order, item, step))

    @staticmethod
    def _day_of(t: float) -> date:
        return datetime.fromtimestamp(t, HALL_TZ).date()
