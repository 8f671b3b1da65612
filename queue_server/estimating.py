"""What the hall tells people about waiting: the estimate replay over the live state, kept in the
hall's `Outlook`, and quotes for tickets that might be taken. A part of the hall (composed into
`Hall`): it reads the day's state and never changes it. Pure code.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence

from .dispatch import Dispatcher, Rules, Waiting, WindowView
from .estimate import (
    Busy,
    Estimate,
    Forecast,
    ReplayInput,
    SlotStats,
    expected_arrivals,
    priority_probe,
    priority_shares,
    replay,
)
from .hallconfig import HallConfig
from .hours import serving_ends
from .outlook import Day, Outlook, honest, quote_key
from .state import HallState, Ticket

# A probe in the estimate replay (a ticket that might be taken) sorts after every real ticket.
QUOTE_SEQ = 1 << 60


class Estimating:
    def __init__(self, config: HallConfig, state: HallState, rules: Rules, dispatcher: Dispatcher, outlook: Outlook,
                 waiting: Callable[[], list[Ticket]], dispatch_view: Callable[[Iterable[Ticket]], list[Waiting]]):
        self.config, self.state, self.rules, self.dispatcher, self.outlook = config, state, rules, dispatcher, outlook
        self.waiting, self.dispatch_view = waiting, dispatch_view
        self._views = {w.number: WindowView(w.number, w.serves) for w in config.windows}

    def mean_service_s(self) -> dict[str, float]:
        """Mean service time per category today; the configured prior until there is data."""
        out = {}
        for c in self.config.categories:
            done = self.state.service_s.get(c.code, [])
            prior = c.service_min * 60
            # The prior counts as two observations, so one odd service does not swing estimates.
            out[c.code] = (prior * 2 + sum(done)) / (2 + len(done))
        return out

    def service_of(self, ticket: Ticket, means: Mapping[str, float]) -> float | None:
        """A ticket's own typical service, if its matter says one: the catalogue's typical time,
        stretched as its category runs today against the category's configured time."""
        matter = self.config.matter(ticket.matter) if ticket.matter else None
        category = self.config.category(ticket.category)
        if matter is None or category is None or category.service_min <= 0:
            return None
        return matter.typical_service_min * 60 * means.get(ticket.category, 0.0) / (category.service_min * 60) or None

    def _slot_stats(self) -> SlotStats:
        """What a call costs a window today: no-show share and time lost, service spread."""
        done = [t for t in self.state.tickets.values() if t.outcome in ("served", "no_show")]
        missed = [t for t in done if t.outcome == "no_show"]
        lost = [(t.finished_at or 0.0) - (t.called_at or t.finished_at or 0.0) for t in missed]
        cvs = []
        for c in self.config.categories:
            times = self.state.service_s.get(c.code, [])
            if len(times) >= 2:
                mean = sum(times) / len(times)
                var = sum((x - mean) ** 2 for x in times) / (len(times) - 1)
                cvs.append((len(times), var / mean ** 2 if mean > 0 else 0.0))
        return SlotStats.from_day(len(done), len(missed), sum(lost), cvs)

    def _expected_priority(self, now: float) -> list[Waiting]:
        """Priority tickets to expect soon, at today's recent pace (they may pass those waiting)."""
        tickets = self.state.tickets.values()
        if not tickets:
            return []
        opened = min(t.issued_at for t in tickets)
        closes = serving_ends(self.config.hours, now)  # nobody is issued a ticket after closing
        horizon = 7200.0 if closes is None else max(min(7200.0, closes - now), 0.0)
        share = priority_shares((t.category, t.priority is not None) for t in tickets)
        out = expected_arrivals([(t.issued_at, t.category) for t in tickets], now, opened, horizon_s=horizon,
                                share=share)
        # Ordinary tickets with a head start may pass those waiting too, if they come within the
        # head start's difference (docs/dispatch.md §1): expect them over that horizon only.
        heads = self.rules.head_start_s
        if heads and (reach := max(heads.values()) - min(heads.values())) > 0:
            low = min(heads.values())
            out += expected_arrivals([(t.issued_at, t.category) for t in tickets
                                      if t.priority is None and heads.get(t.category, low) > low],
                                     now, opened, horizon_s=min(reach, horizon), priority=False)
        return out

    def _busy(self, means: Mapping[str, float] | None = None) -> list[Busy]:
        out = []
        for number, ws in self.state.windows.items():
            if ws.status == "paused":  # it will be back: count on it after a typical pause
                out.append(Busy(self._views[number], paused_since=ws.since))
                continue
            if ws.status != "open":
                continue
            current = self.state.tickets.get(ws.current) if ws.current else None
            own = self.service_of(current, means) if current and means is not None else None
            out.append(Busy(self._views[number], current.called_at if current else None,
                            current.category if current else None, mean_s=own))
        return out

    def _waiting_ids(self) -> set[str]:
        return {t.id for t in self.state.tickets.values() if t.status == "waiting"}

    def open_categories(self) -> set[str]:
        """Categories that an open (or paused, soon back) window serves."""
        return {c for b in self._busy() for c in b.window.serves}

    def replay_input(self, now: float, probes: Sequence[Waiting] = ()) -> ReplayInput:
        """What the estimate replay reads, taken from the live state. Windows that are open or
        paused take part; for a category that none of them serves, the closed windows configured
        for it are planned in, for that category only (they serve from the next session, or —
        during a session — nobody can say when, and the estimate says so)."""
        means = self.mean_service_s()
        busy = self._busy(means)
        unserved = {c.code for c in self.config.categories} - {c for b in busy for c in b.window.serves}
        for number, view in self._views.items():
            serves = tuple(c for c in view.serves if c in unserved)
            if serves and self.state.windows[number].status == "closed":
                busy.append(Busy(WindowView(number, serves)))
        waiting = self.waiting()
        own = {t.id: x for t in waiting if (x := self.service_of(t, means)) is not None}
        return ReplayInput(tuple(busy), tuple(self.dispatch_view(waiting)), now, self.rules,
                           means, self._slot_stats(), self.dispatcher,
                           tuple(self._expected_priority(now)), tuple(probes), own)

    def take_replay(self, inp: ReplayInput, raw: dict[str, Estimate], forecast: Forecast,
                    now: float) -> Mapping[str, Estimate]:
        """Keep a finished replay (it may have run while tickets were issued: they are booked in)."""
        replayed = {w.ticket_id for w in inp.waiting}
        waiting = self._waiting_ids()
        means = self.mean_service_s()
        for t in self.waiting():
            if t.id not in replayed:
                forecast.book(t.id, t.category, now, t.priority is not None, self.service_of(t, means))
        for ticket in replayed - waiting:  # called or gone while the replay ran
            forecast.forget(ticket)
        categories = {w.ticket_id: w.category for w in [*inp.waiting, *inp.probes]}
        return self.outlook.take(raw, forecast, categories, [c.code for c in self.config.categories],
                                 self.open_categories(), now)

    def probes(self, now: float) -> list[Waiting]:
        """An ordinary and a priority ticket that might be taken now, per category: the replay finds
        when each would be called (expected priority tickets and the overtaking bound decide it),
        for the forecast that quotes new tickets."""
        n = len(self.config.categories)
        return [Waiting(key(c.code), c.code, now, QUOTE_SEQ + k + n * (key is priority_probe), priority=key is priority_probe)
                for key in (quote_key, priority_probe) for k, c in enumerate(self.config.categories)]

    def estimates(self, now: float) -> Mapping[str, Estimate]:
        """Replay now: people ahead and wait range for every waiting ticket, and under
        `quote_key(category)` what a ticket taken now in each category would be told."""
        inp = self.replay_input(now, self.probes(now))
        raw, forecast = replay(inp)
        return self.take_replay(inp, raw, forecast, now)

    def current_estimates(self, now: float) -> Mapping[str, Estimate]:
        """The last replay's estimates with fresh quotes (replaying first only if there is none)."""
        if self.outlook.forecast is None:
            return self.estimates(now)
        return self.outlook.current([c.code for c in self.config.categories], self.open_categories(), now)

    def quote(self, category: str, now: float, priority: bool = False) -> Estimate:
        """What a ticket taken now in `category` would be told: from the forecast, in time that does
        not grow with the queue (replaying first if the hall has no usable forecast)."""
        if self.outlook.needs_replay(now):
            self.estimates(now)
        return self.outlook.quote(category, now, category in self.open_categories(), priority)

    def probe(self, category: str, queued_at: float, now: float, priority: bool) -> Estimate:
        probe = Waiting("__probe__", category, queued_at, QUOTE_SEQ - 1, priority=priority)
        raw, _ = replay(self.replay_input(now, [probe]))
        return honest(Day.at(self.config.hours, now), raw["__probe__"], category in self.open_categories())

