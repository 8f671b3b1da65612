"""The replay engine: a scenario's day played through the production `Hall` on a simulated clock.

The engine plays the citizens and the clerks; the hall decides everything else. A ticket is
issued when its citizen arrives; a free, open window presses "call next" and the hall's
dispatcher picks the ticket; the citizen is at the window at the moment of the call and service
starts at once, or — for a no-show — the window waits `no_show_wait_s` and skips the ticket. A
window's pause begins when the window is next free at or after the pause's start and lasts as
long as the scenario says. Every window opens at t = 0 and works until nobody is left.
"""

from __future__ import annotations

import heapq
import math
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from ..dispatch import Dispatcher, Rules
from ..errors import Conflict
from ..events import Event
from ..hall import Hall
from ..hallconfig import (
    AppointmentRules,
    CallingRules,
    Category,
    HallConfig,
    HallInfo,
    Hours,
    PriorityRules,
    Templates,
    Window,
)
from ..numbering import day_start
from ..state import IssueRequest
from .policies import PRODUCTION, AssignAtIssue, fifo_own, make_dispatcher
from .scenario import Scenario

SIM_DAY = date(2026, 11, 23)  # a Monday; only its calendar matters (appointments check the day)
OPEN_AT = day_start(SIM_DAY) + 8.5 * 3600  # t = 0 of a scenario is 08:30 Asia/Shanghai

POOLED = "pooled"
COMPONENTS = "pooled-by-component"

# Order of simultaneous events: windows get free before new tickets arrive.
_DONE, _SKIP, _RESUME, _PAUSE_DUE, _ARRIVE = range(5)
What = str | int | tuple[int, str]  # an arrival id; a window number; (window, hall ticket id)


@dataclass
class Record:
    """One ticket's day, in seconds after opening (the trace CSV has one row per record)."""

    id: str
    category: str
    priority: bool
    arrival_s: float
    called_s: float | None = None
    window: int | None = None
    started_s: float | None = None
    finished_s: float | None = None
    outcome: str = ""
    estimate_s: float | None = None
    estimate_low_s: float | None = None
    estimate_high_s: float | None = None
    ahead: int | None = None
    ql_s: float | None = None
    overtaken: int = 0  # ordinary ticket: how many priority tickets passed it (Ticket.overtaken at its call)

    @property
    def wait_s(self) -> float:
        assert self.started_s is not None, f"ticket {self.id} was never called"
        return self.started_s - self.arrival_s


def components(scenario: Scenario) -> list[tuple[set[int], set[str]]]:
    """Groups of windows linked by shared categories, with the categories they serve."""
    groups: list[tuple[set[int], set[str]]] = []
    for w in scenario.windows:
        merged = ({w.id}, set(w.serves))
        keep = []
        for g in groups:
            if g[1] & merged[1]:
                merged = (merged[0] | g[0], merged[1] | g[1])
            else:
                keep.append(g)
        groups = [*keep, merged]
    return sorted(groups, key=lambda g: min(g[0]))


def hall_config(scenario: Scenario, layout: str = PRODUCTION) -> HallConfig:
    """A HallConfig for the scenario's windows; `pooled` layouts widen what each window serves."""
    codes = scenario.categories
    categories = tuple(Category(c, c, c, c, scenario.prior_service_min(c)) for c in codes)
    windows = []
    for w in scenario.windows:
        serves = w.serves
        if layout == POOLED:
            serves = codes
        elif layout == COMPONENTS:
            group = next(g for g in components(scenario) if w.id in g[0])[1]
            serves = tuple(c for c in codes if c in group)
        windows.append(Window(w.id, f"window {w.id}", "comprehensive", serves))
    return HallConfig(
        HallInfo(scenario.name or "simulated hall", "", "000000", "Asia/Shanghai", 15, "12345"),
        Hours((1, 2, 3, 4, 5), (("08:30", "17:00"),)),
        categories, tuple(windows),
        PriorityRules(("elderly", "disabled", "pregnant", "serviceman"), 60,
                      3 if scenario.max_overtake is None else scenario.max_overtake,
                      45.0 if scenario.promote_after_min is None else scenario.promote_after_min,
                      0.0 if scenario.preference_step_min is None else scenario.preference_step_min),
        CallingRules(2, "back", 30.0, "keep"),
        AppointmentRules(30.0, 15.0),
        Templates("请{number}号到{window}号窗口办理", "请{number}到{window}号窗口", ""),
        (), source=f"scenario:{scenario.name}")


class Replay:
    """One run of a scenario under one policy (`production`, a peer, `pooled`, `pooled-by-component`)."""

    def __init__(self, scenario: Scenario, policy: str = PRODUCTION,
                 on_call: Callable[[Hall, Event], None] | None = None):
        self.scenario = scenario
        self.policy = policy
        layout = policy if policy in (POOLED, COMPONENTS) else PRODUCTION
        self.dispatcher: Dispatcher = fifo_own if layout != PRODUCTION else make_dispatcher(policy)
        self.hall = Hall(hall_config(scenario, layout), SIM_DAY, dispatcher=self.dispatcher)
        self.rules: Rules = self.hall.rules
        self.on_call = on_call
        self.records: dict[str, Record] = {}
        self._by_ticket: dict[str, str] = {}  # hall ticket id -> scenario arrival id
        self._arrival = {a.id: a for a in scenario.arrivals}
        self._heap: list[tuple[float, int, int, What]] = []
        self._n = 0
        self._sequence = 0
        self._pauses = {w.id: sorted(w.pauses) for w in scenario.windows}
        self._pausing: set[int] = set()  # windows with a pause due, waiting to be free

    # ------------------------------------------------------------ the clock

    def _at(self, t: float, kind: int, what: What) -> None:
        self._n += 1
        heapq.heappush(self._heap, (t, kind, self._n, what))

    def _do(self, event: Event) -> Event:
        self.hall.apply(event)
        return event

    def run(self) -> list[Record]:
        for w in self.scenario.windows:
            self._do(self.hall.open_window(w.id, OPEN_AT, clerk=f"clerk{w.id}"))
            for start, _ in self._pauses[w.id]:
                self._at(start, _PAUSE_DUE, w.id)
        for a in self.scenario.arrivals:
            self._at(a.t, _ARRIVE, a.id)
        while self._heap:
            now = self._heap[0][0]
            while self._heap and self._heap[0][0] == now:
                _, kind, _, what = heapq.heappop(self._heap)
                self._handle(kind, what, now)
            self._dispatch(now)
        left = [r.id for r in self.records.values() if r.started_s is None]
        if left:
            raise RuntimeError(f"replay ended with tickets never called: {', '.join(left[:5])}")
        return list(self.records.values())

    def _handle(self, kind: int, what: What, now: float) -> None:
        at = OPEN_AT + now
        if kind == _ARRIVE:
            self._issue(str(what), now)
        elif kind in (_DONE, _SKIP):  # (window, hall ticket id)
            assert isinstance(what, tuple)
            window, ticket = what
            self._do(self.hall.complete(window, at) if kind == _DONE else self.hall.skip(window, at))
            self.records[self._by_ticket[ticket]].finished_s = now
        elif kind in (_RESUME, _PAUSE_DUE):  # a window number
            assert isinstance(what, int)
            if kind == _RESUME:
                self._do(self.hall.resume(what, at))
            else:
                self._pausing.add(what)

    # ------------------------------------------------------------ citizens and clerks

    def _issue(self, arrival_id: str, now: float) -> None:
        a = self._arrival[arrival_id]
        at = OPEN_AT + now
        appointment = None
        if a.appointment_slot is not None:
            appointment = {"code": a.id, "slot_start": OPEN_AT + a.appointment_slot[0],
                           "slot_end": OPEN_AT + a.appointment_slot[1]}
        ql = self._ql_estimate(a.category)
        self._sequence += 1
        event = self._do(self.hall.issue(
            IssueRequest(category=a.category, priority="disabled" if a.priority else None,
                         appointment=appointment, channel="sim"),
            at, self._sequence, token=f"sim{self._sequence}"))
        ticket = event.data["ticket"]
        est = event.data["estimate"]
        self._by_ticket[ticket] = a.id
        self.records[a.id] = Record(
            a.id, a.category, a.priority, now, ahead=est["ahead"],
            estimate_s=_or_inf(est["wait_s"]), estimate_low_s=_or_inf(est["low_s"]),
            estimate_high_s=_or_inf(est["high_s"]), ql_s=ql)
        if isinstance(self.dispatcher, AssignAtIssue):
            self.dispatcher.bind(self.hall, ticket, a.category, a.priority)

    def _ql_estimate(self, category: str) -> float:
        """(q + 1) · m / s: the queue-length estimate that benchmarks.md defines."""
        q = sum(1 for t in self.hall.waiting() if t.category == category)
        done = self.hall.state.service_s.get(category, [])
        m = sum(done) / len(done) if done else self.scenario.prior_service_min(category) * 60
        serving = [w for w in self.hall.config.windows_serving(category)
                   if self.hall.state.windows[w.number].status == "open"]
        s = len(serving) or len(self.hall.config.windows_serving(category))
        return (q + 1) * m / s

    def _dispatch(self, now: float) -> None:
        at = OPEN_AT + now
        for number in sorted(self.hall.state.windows):
            ws = self.hall.state.windows[number]
            if ws.status != "open" or ws.current is not None:
                continue
            if number in self._pausing:
                self._pausing.discard(number)
                start, end = self._pauses[number].pop(0)
                self._do(self.hall.pause(number, "scenario pause", at))
                self._at(now + (end - start), _RESUME, number)
                continue
            try:
                event = self._do(self.hall.call_next(number, at))
            except Conflict:
                continue
            if self.on_call is not None:
                self.on_call(self.hall, event)
            record = self.records[self._by_ticket[event.data["ticket"]]]
            arrival = self._arrival[record.id]
            record.called_s, record.window = now, number
            record.overtaken = self.hall.state.tickets[event.data["ticket"]].overtaken
            if arrival.no_show:
                record.started_s, record.outcome = now, "no_show"
                self._at(now + self.scenario.no_show_wait_s, _SKIP, (number, event.data["ticket"]))
            else:
                self._do(self.hall.start(number, at))
                record.started_s, record.outcome = now, "served"
                self._at(now + arrival.service_s, _DONE, (number, event.data["ticket"]))


def _or_inf(x: float | None) -> float:
    return math.inf if x is None else float(x)


def replay(scenario: Scenario, policy: str = PRODUCTION) -> list[Record]:
    return Replay(scenario, policy).run()
