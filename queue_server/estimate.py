"""Wait estimates: people ahead and a range, for every waiting ticket. Pure code.

The estimate plays the rest of the queue forward with the hall's own dispatcher (the production
`choose_next` unless a simulation plugs in another): each window becomes free when its current
service is expected to end, calls whom the dispatcher would pick, and is busy for the expected
cost of a call — the category's mean service time today, less what no-shows save. A ticket's
estimate is the time that replay reaches it.

The printed range comes from the uncertainty of the work ahead of the ticket on the windows that
can serve it (the spread of service times, learnt from today's services) plus a share of the
wait itself for what the replay cannot know (priority tickets still to come, windows pausing).
The constants were calibrated on simulated days (docs/dispatch.md, `yimen bench dispatch`) so
that about four real waits in five fall inside the range.
"""

from __future__ import annotations

import heapq
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace

from .dispatch import Dispatcher, Rules, Waiting, WindowView, choose_next, overtaken_by

# Calibration of the range (see docs/dispatch.md §Estimates). Half-widths in seconds:
#   below = LOW_Z·σ + LOW_SHARE·wait,   above = HIGH_Z·σ + HIGH_SHARE·wait + HIGH_FLOOR_S
LOW_Z = 1.0
LOW_SHARE = 0.3
HIGH_Z = 2.0
HIGH_SHARE = 0.1
HIGH_FLOOR_S = 120.0
# Priors for a day with little data yet, and how many observations each prior is worth.
PRIOR_NO_SHOW_SHARE = 0.05
PRIOR_NO_SHOW_S = 60.0
PRIOR_SERVICE_CV = 0.6
PRIOR_WEIGHT = 10
# A paused window is expected back this long after its pause began (a quarter of it if overdue).
EXPECTED_PAUSE_S = 15 * 60


@dataclass(frozen=True)
class Busy:
    """An open window and, if it is serving, when the current service began and its category;
    or a paused window (`paused_since`)."""

    window: WindowView
    since: float | None = None
    category: str | None = None
    paused_since: float | None = None


@dataclass(frozen=True)
class Estimate:
    """What a ticket is told. `ahead` counts the waiting tickets that the windows able to serve its
    category will call before it — never the whole hall. The hall adds what the replay cannot know:
    whether a window serving the category is open now, when one is expected to open, and whether
    the call is likely to come before the category stops serving today."""

    ahead: int
    wait_s: float
    low_s: float
    high_s: float
    open_now: bool = True
    opens_at: float | None = None
    closes_at: float | None = None
    beyond_closing: bool = False

    @classmethod
    def from_stored(cls, data: Mapping[str, float | bool | None]) -> Estimate:
        """An estimate as a `ticket_issued` event stored it (None for an infinite time); events
        written before a field existed get its default."""
        def finite(key: str) -> float:
            value = data.get(key)
            return math.inf if value is None else float(value)
        opens, closes = data.get("opens_at"), data.get("closes_at")
        return cls(int(data.get("ahead") or 0), finite("wait_s"), finite("low_s"), finite("high_s"),
                   bool(data.get("open_now", True)), None if opens is None else float(opens),
                   None if closes is None else float(closes), bool(data.get("beyond_closing", False)))

    def stored(self) -> dict[str, float | bool | None]:
        """The form kept in the `ticket_issued` event (JSON has no infinity)."""
        def finite(x: float) -> float | None:
            return round(x, 1) if math.isfinite(x) else None
        return {"ahead": self.ahead, "wait_s": finite(self.wait_s), "low_s": finite(self.low_s),
                "high_s": finite(self.high_s), "open_now": self.open_now, "opens_at": self.opens_at,
                "closes_at": self.closes_at, "beyond_closing": self.beyond_closing}


@dataclass(frozen=True)
class SlotStats:
    """What one call costs a window, beyond the mean service time of its category."""

    no_show_share: float = PRIOR_NO_SHOW_SHARE
    no_show_s: float = PRIOR_NO_SHOW_S
    service_cv: float = PRIOR_SERVICE_CV

    @classmethod
    def from_day(cls, calls: int, missed: int, lost_s: float,
                 cvs: Sequence[tuple[int, float]] = ()) -> SlotStats:
        """From today's finished calls (`missed` of them no-shows, costing `lost_s` in all) and
        (n, squared CV) of each category's services; each prior counts as PRIOR_WEIGHT calls."""
        w = PRIOR_WEIGHT
        share = (PRIOR_NO_SHOW_SHARE * w + missed) / (w + calls)
        lost = (PRIOR_NO_SHOW_S * w + lost_s) / (w + missed)
        n = sum(k for k, _ in cvs)
        cv2 = (PRIOR_SERVICE_CV ** 2 * w + sum(k * c for k, c in cvs)) / (w + n)
        return cls(share, lost, math.sqrt(cv2))

    def cost(self, mean_s: float) -> float:
        """Expected time a window spends on one call of a category with this mean service."""
        return (1 - self.no_show_share) * mean_s + self.no_show_share * self.no_show_s

    def variance(self, mean_s: float) -> float:
        """Variance of that time: service spread plus the come-or-not coin."""
        p = self.no_show_share
        served = (self.service_cv * mean_s) ** 2
        return (1 - p) * served + p * (1 - p) * (mean_s - self.no_show_s) ** 2


def busy_left(busy: Busy, now: float, mean_service_s: Mapping[str, float]) -> float:
    """Expected seconds until `busy` is free: 0 if idle; the rest of the category's mean service
    time, but never less than a quarter of it (a service that runs long is not about to end).
    A paused window likewise: EXPECTED_PAUSE_S after its pause began, at least a quarter of it."""
    if busy.paused_since is not None:
        return max(EXPECTED_PAUSE_S - (now - busy.paused_since), EXPECTED_PAUSE_S * 0.25)
    if busy.since is None or busy.category is None:
        return 0.0
    mean = mean_service_s.get(busy.category, 600.0)
    return max(mean - (now - busy.since), mean * 0.25)


def estimate_all(
    windows: Sequence[Busy],
    waiting: Sequence[Waiting],
    now: float,
    rules: Rules,
    mean_service_s: Mapping[str, float],
    stats: SlotStats | None = None,
    choose: Dispatcher = choose_next,
    expected: Sequence[Waiting] = (),
    probes: Sequence[Waiting] = (),
) -> dict[str, Estimate]:
    """Estimate for every ticket in `waiting` and every probe, keyed by ticket id.

    `expected` are tickets still to come (queued_at in the future) that may go ahead of those
    waiting — in practice the priority tickets the day's arrival rate promises. They take part in
    the replay but get no estimate and are not counted as people ahead.

    `probes` are tickets that might be taken (what a ticket taken now in each category would be
    told, or the one being issued): each gets its estimate, but a probe costs its window no time
    and passes nobody, so probes change neither each other's estimates nor anyone else's.

    A ticket's `ahead` is the number of waiting tickets called before it, in the replay, by the
    windows that may serve its category.
    """
    if not waiting and not probes:
        return {}
    stats = stats or SlotStats()
    free_at: list[tuple[float, int, WindowView]] = []
    spread2 = [0.0] * len(windows)  # variance of each window's next free time
    for i, busy in enumerate(windows):
        left = busy_left(busy, now, mean_service_s)
        spread2[i] = (stats.service_cv * left) ** 2
        heapq.heappush(free_at, (now + left, i, busy.window))
    real = {t.ticket_id for t in waiting}
    probing = {t.ticket_id for t in probes}
    remaining = {t.ticket_id: t for t in [*waiting, *probes, *expected]}
    called = [0] * len(windows)  # waiting tickets each window has called so far in the replay
    out: dict[str, Estimate] = {}
    while len(out) < len(real) + len(probing) and free_at:
        at, i, window = heapq.heappop(free_at)
        at = max(at, now)
        present = [t for t in remaining.values() if t.queued_at <= at]
        choice = choose(window, present, at, rules)
        if choice is None:  # nobody here for this window: idle until an expected ticket it serves
            later = [t.queued_at for t in remaining.values() if t.queued_at > at and t.category in window.serves]
            if later:
                heapq.heappush(free_at, (min(later), i, window))
            continue
        ticket = remaining.pop(choice.ticket_id)
        if ticket.ticket_id in real or ticket.ticket_id in probing:
            wait = at - now
            sigma = _sigma(ticket.category, windows, spread2)
            ahead = sum(n for n, b in zip(called, windows, strict=True) if ticket.category in b.window.serves)
            out[ticket.ticket_id] = Estimate(ahead, wait, *_range(wait, sigma))
        if ticket.ticket_id in probing:
            heapq.heappush(free_at, (at, i, window))  # a probe takes no time: the window calls again
            continue
        for passed in overtaken_by(ticket, window, present):
            remaining[passed] = replace(remaining[passed], overtaken=remaining[passed].overtaken + 1)
        if ticket.ticket_id in real:
            called[i] += 1
        mean = mean_service_s.get(ticket.category, 600.0)
        spread2[i] += stats.variance(mean)
        heapq.heappush(free_at, (at + stats.cost(mean), i, window))
    for t in [*waiting, *probes]:  # nobody open can serve these: say so with an open-ended range
        if t.ticket_id not in out:
            ahead = sum(1 for w in waiting if w.category == t.category and (w.queued_at, w.seq) < (t.queued_at, t.seq))
            out[t.ticket_id] = Estimate(ahead, math.inf, math.inf, math.inf)
    return out


def expected_arrivals(issued: Sequence[tuple[float, str]], now: float, opened_at: float,
                      look_back_s: float = 3600.0, horizon_s: float = 7200.0) -> list[Waiting]:
    """Tickets to expect after `now`, at the pace of those issued in the last `look_back_s`.

    `issued` is (issued_at, category) of today's tickets of one class (the hall passes its
    priority tickets). The expected tickets are spread evenly, one category at a time.
    """
    span = min(look_back_s, now - opened_at)
    if span < 600:  # less than ten minutes of history: no pace to speak of yet
        return []
    counts: dict[str, int] = {}
    for at, category in issued:
        if now - span < at <= now:
            counts[category] = counts.get(category, 0) + 1
    out = []
    for category, n in sorted(counts.items()):
        gap = span / n
        k = 0
        while (k + 0.5) * gap <= horizon_s and k < 60:
            out.append(Waiting(f"__expected_{category}_{k}__", category, now + (k + 0.5) * gap,
                               (1 << 61) + len(out), priority=True))
            k += 1
    return out


def _sigma(category: str, windows: Sequence[Busy], spread2: Sequence[float]) -> float:
    """Standard deviation of when the first of the windows serving `category` is free: the
    spread of the work booked on them, shared among them."""
    mine = [spread2[i] for i, b in enumerate(windows) if category in b.window.serves]
    if not mine:
        return 0.0
    return math.sqrt(sum(mine)) / len(mine)


def _range(wait: float, sigma: float) -> tuple[float, float]:
    """(low, high) printed around the point estimate `wait`."""
    if wait <= 0:
        return 0.0, HIGH_FLOOR_S
    low = max(0.0, wait - LOW_Z * sigma - LOW_SHARE * wait)
    high = wait + HIGH_Z * sigma + HIGH_SHARE * wait + HIGH_FLOOR_S
    return low, high
