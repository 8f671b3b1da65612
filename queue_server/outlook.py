"""What the hall tells people about waiting, kept between replays. Pure code.

The estimate replay (estimate.py) costs time in proportion to the queue; issuing a ticket must not.
So the hall keeps the last replay's result — every waiting ticket's estimate and the `Forecast` it
left — and quotes a new ticket from the forecast, booking it in. A server replays again in the
background after changes; a hall without one (the simulator, tests) replays when asked for a quote
after anything but an issue changed the queue.

Every figure goes through `honest()` before anyone sees it: breaks between sessions are waited
too, no time is promised from a closed window, and a ticket unlikely to be called before serving
stops today is marked so (docs/dispatch.md §3).
"""

from __future__ import annotations

import math
from collections.abc import Collection, Iterator, Mapping
from dataclasses import dataclass

from .estimate import Estimate, Forecast
from .hallconfig import Hours
from .hours import next_session_start, over_breaks, serving_ends, session_bounds

# Without a background replay, a forecast older than this is replayed before quoting (the server
# replays every 30 s in the background).
MAX_AGE_S = 30.0


def quote_key(category: str) -> str:
    """Where the estimates keep what a ticket taken now in `category` would be told."""
    return f"__quote_{category}__"


@dataclass(frozen=True)
class Day:
    """The hall's hours as seen from one moment: computed once, applied to many estimates."""

    hours: Hours
    now: float
    bounds: list[tuple[float, float]]
    closes: float | None  # when serving stops today
    opens: float | None  # the next session's start, if `now` is before one (before opening, lunch)

    @classmethod
    def at(cls, hours: Hours, now: float) -> Day:
        return cls(hours, now, session_bounds(hours, now), serving_ends(hours, now), next_session_start(hours, now))


def honest(day: Day, e: Estimate, open_now: bool) -> Estimate:
    """The replay's estimate as the citizen is told it: lunch breaks waited too; no promise
    from a closed window; a warning when the call is unlikely before serving stops today."""
    hours, now, bounds, closes = day.hours, day.now, day.bounds, day.closes
    opens = None if open_now else day.opens
    if not open_now and opens is None:  # a session is on (or over) and no window serves it: no time to promise
        wait = low = high = math.inf
    else:
        wait, low, high = (over_breaks(hours, now, x, bounds) for x in (e.wait_s, e.low_s, e.high_s))
    beyond = closes is None or (now + wait > closes if math.isfinite(wait) else now >= closes)
    return Estimate(e.ahead, wait, low, high, open_now, opens, closes, beyond)


class Told(Mapping[str, Estimate]):
    """Estimates as people are told them, made honest when read: keeping a replay's result costs
    nothing per ticket, and a page asks for one ticket at a time."""

    def __init__(self, raw: Mapping[str, Estimate], day: Day, categories: Mapping[str, str],
                 open_categories: Collection[str], quotes: Mapping[str, Estimate] | None = None):
        self.raw, self.day, self.categories, self.open_categories = raw, day, categories, open_categories
        self.quotes = quotes or {}

    def with_quotes(self, quotes: Mapping[str, Estimate]) -> Told:
        return Told(self.raw, self.day, self.categories, self.open_categories, quotes)

    def __getitem__(self, ticket: str) -> Estimate:
        if ticket in self.quotes:
            return self.quotes[ticket]
        if ticket.startswith("__"):  # the replay's probes belong to the forecast
            raise KeyError(ticket)
        return honest(self.day, self.raw[ticket], self.categories[ticket] in self.open_categories)

    def __iter__(self) -> Iterator[str]:
        yield from self.quotes
        yield from (t for t in self.raw if not t.startswith("__"))

    def __len__(self) -> int:
        return len(self.quotes) + sum(1 for t in self.raw if not t.startswith("__"))


@dataclass
class Outlook:
    """The last replay's honest estimates (per waiting ticket, and per category under
    `quote_key`) and the forecast that new tickets are quoted from and booked into."""

    hours: Hours
    estimates: Told | None = None
    forecast: Forecast | None = None
    stale: bool = True  # the queue changed other than by issuing since the last replay
    background: bool = False  # a server replays in the background: quote from the forecast as it is

    def needs_replay(self, now: float | None = None) -> bool:
        """Before quoting: no forecast yet, or (without a background replay) an outdated one — the
        queue changed, or the forecast is older than MAX_AGE_S (a service running long since is
        not "about to end" any more; the server's background replay keeps the same cadence)."""
        if self.forecast is None:
            return True
        if self.background:
            return False
        return self.stale or (now is not None and now - self.forecast.now > MAX_AGE_S)

    def take(self, raw: Mapping[str, Estimate], forecast: Forecast, categories: Mapping[str, str],
             codes: Collection[str], open_categories: Collection[str], now: float) -> Mapping[str, Estimate]:
        """A finished replay: `raw` estimates of the tickets in `categories` (ticket → category)."""
        self.forecast, self.stale = forecast, False
        self.estimates = Told(raw, Day.at(self.hours, now), categories, frozenset(open_categories))
        return self.current(codes, open_categories, now)

    def current(self, codes: Collection[str], open_categories: Collection[str], now: float) -> Mapping[str, Estimate]:
        """The last replay's estimates of waiting tickets, with the quotes per category made now
        from the forecast (so they include every ticket issued since)."""
        assert self.forecast is not None and self.estimates is not None, "replay first"
        day = Day.at(self.hours, now)
        quotes = {quote_key(code): honest(day, self.forecast.quote(code, now), code in open_categories)
                  for code in codes}
        return self.estimates.with_quotes(quotes)

    def quote(self, category: str, now: float, open_now: bool, priority: bool = False) -> Estimate:
        assert self.forecast is not None, "replay first (needs_replay)"
        return honest(Day.at(self.hours, now), self.forecast.quote(category, now, priority), open_now)

    def forget(self, ticket: str) -> None:
        if self.forecast is not None:
            self.forecast.forget(ticket)

    def book(self, ticket: str, category: str, now: float, priority: bool) -> None:
        if self.forecast is not None:
            self.forecast.book(ticket, category, now, priority)
