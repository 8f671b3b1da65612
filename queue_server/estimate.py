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

import bisect
import heapq
import math
from collections.abc import Generator, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace

from .dispatch import Dispatcher, Rules, Waiting, WindowView, choose_next

# Calibration of the range (see docs/dispatch.md §Estimates). Half-widths in seconds:
#   below = LOW_Z·σ + LOW_SHARE·wait,   above = HIGH_Z·σ + HIGH_SHARE·wait + HIGH_FLOOR_S
LOW_Z = 1.0
LOW_SHARE = 0.3
HIGH_Z = 1.3
HIGH_SHARE = 0.1
HIGH_FLOOR_S = 90.0
# Priors for a day with little data yet, and how many observations each prior is worth.
PRIOR_NO_SHOW_SHARE = 0.05
PRIOR_NO_SHOW_S = 60.0
PRIOR_SERVICE_CV = 0.6
PRIOR_WEIGHT = 10
# Share of priority tickets before the day shows its own, and how many tickets that prior is worth.
PRIOR_PRIORITY_SHARE = 0.1
PRIORITY_SHARE_WEIGHT = 20
# A paused window: typical pause, and how much pauses vary (a coffee, or an hour's closure).
EXPECTED_PAUSE_S = 20 * 60
PAUSE_CV = 1.2


@dataclass(frozen=True)
class Busy:
    """An open window and, if it is serving, when the current service began and its category;
    or a paused window (`paused_since`)."""

    window: WindowView
    since: float | None = None
    category: str | None = None
    paused_since: float | None = None
    mean_s: float | None = None  # the current service's typical length (its matter), if known


@dataclass(frozen=True, slots=True)
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
        return ((1 - self.no_show_share) * mean_s + self.no_show_share * self.no_show_s)

    def variance(self, mean_s: float) -> float:
        """Variance of that time: service spread plus the come-or-not coin."""
        p = self.no_show_share
        served = (self.service_cv * mean_s) ** 2
        return (1 - p) * served + p * (1 - p) * (mean_s - self.no_show_s) ** 2


def residual(mean_s: float, cv: float, elapsed_s: float) -> tuple[float, float]:
    """(mean, variance) of the time still to run of a job whose length is lognormal with this mean
    and coefficient of variation, given that it has already run `elapsed_s` and is not over.

    Service times are skewed: most are short, a few run long. So a service that has run past its
    mean is not about to end — it is probably one of the long ones. A 10-min service that has run
    8 min (CV 0.6) has 5.7 min left on average, not 2; one that has just begun, the full 10."""
    if mean_s <= 0:
        return 0.0, 0.0
    if elapsed_s <= 0 or cv <= 0:
        return max(mean_s - max(elapsed_s, 0.0), 0.0), (cv * mean_s) ** 2
    s2 = math.log(1 + cv * cv)
    s = math.sqrt(s2)
    mu = math.log(mean_s) - s2 / 2
    d = (mu - math.log(elapsed_s)) / s
    still = _upper(d)  # P(length > elapsed)
    if still < 1e-12:  # far beyond anything this distribution expects: a short, uncertain rest
        return mean_s * 0.25, (cv * mean_s * 0.25) ** 2
    first = mean_s * _upper(d + s) / still  # E[length | length > elapsed]
    second = math.exp(2 * mu + 2 * s2) * _upper(d + 2 * s) / still
    return first - elapsed_s, max(second - first * first, 0.0)


def _upper(d: float) -> float:
    """Φ(d), the standard normal distribution function (erfc keeps the far tail exact)."""
    return 0.5 * math.erfc(-d / math.sqrt(2))


def busy_left(busy: Busy, now: float, mean_service_s: Mapping[str, float],
              cv: float = PRIOR_SERVICE_CV) -> tuple[float, float]:
    """(expected seconds until `busy` is free, variance of it): 0 if idle; for a service, what is
    left of it given how long it has run (`residual`, with its own typical length if the hall
    knows it, else its category's mean); for a paused window, what is left of a pause that has
    lasted this long (typical pause EXPECTED_PAUSE_S; pauses vary more than services, so a long
    one is probably a long absence — an hour's closure, not a coffee)."""
    if busy.paused_since is not None:
        return residual(EXPECTED_PAUSE_S, PAUSE_CV, now - busy.paused_since)
    if busy.since is None or busy.category is None:
        return 0.0, 0.0
    mean = busy.mean_s if busy.mean_s is not None else mean_service_s.get(busy.category, 600.0)
    return residual(mean, cv, now - busy.since)


def priority_probe(category: str) -> str:
    """The id of the replay's probe for a priority ticket taken now in `category`."""
    return f"__priority_{category}__"


@dataclass
class Forecast:
    """Where the replay left the windows once every waiting ticket was called: when each window is
    free again, which waiting tickets it calls, and the spread of that work; and when a priority
    ticket taken at the replay's time would be called (from the replay's priority probes, which
    follow the overtaking bound). From it a ticket that might be taken now is quoted, and a ticket
    just issued is booked, in time proportional to the number of windows — so issuing does not
    slow down as the queue grows. A fresh replay replaces it (docs/dispatch.md §3)."""

    now: float
    serves: tuple[tuple[str, ...], ...]  # per window, in the replay's order
    free_at: list[float]
    assigned: list[set[str]]  # the waiting tickets each window calls
    spread2: list[float]
    mean_service_s: Mapping[str, float]
    stats: SlotStats
    # category → (when a priority ticket taken at `now` is called, the tickets its windows call first)
    priority: dict[str, tuple[float, set[str]]] = field(default_factory=dict)
    # category → how much later than its windows' end an ordinary probe was called (priority tickets
    # expected meanwhile pass it; a window's preference may hold it back)
    later: dict[str, float] = field(default_factory=dict)
    priority_booked: list[tuple[str, str, float]] = field(default_factory=list)  # (ticket, category, cost)

    def _serving(self, category: str) -> list[int]:
        return [i for i, serves in enumerate(self.serves) if category in serves]

    def _window_for(self, category: str) -> int | None:
        return min(self._serving(category), key=lambda i: (self.free_at[i], i), default=None)

    def quote(self, category: str, now: float, priority: bool = False) -> Estimate:
        """What a ticket taken at `now` in `category` would be told. An ordinary ticket is called when
        the first window that serves it is through the tickets it calls; a priority ticket as the
        replay's probe was, later by the priority tickets issued since. Ahead: those of them still
        waiting (the hall tells the forecast who left, `forget`)."""
        serving = self._serving(category)
        if not serving:
            return Estimate(0, math.inf, math.inf, math.inf)
        sigma = math.sqrt(sum(self.spread2[j] for j in serving)) / len(serving)
        if priority and category in self.priority:
            called_at, first = self.priority[category]
            mine = set(serving)
            since = [(t, cost) for t, c, cost in self.priority_booked if mine & set(self._serving(c))]
            wait = max(called_at - now, 0.0) + sum(cost for _, cost in since) / len(serving)
            return Estimate(len(first) + len(since), *_told(wait, sigma))
        ahead = sum(len(self.assigned[j]) for j in serving)
        wait = max(self.end(category) - now, 0.0) + self.later.get(category, 0.0)
        return Estimate(ahead, *_told(wait, sigma))

    def forget(self, ticket: str) -> None:
        """`ticket` is no longer waiting (called, cancelled…): it is nobody's "ahead" any more."""
        for calls in self.assigned:
            calls.discard(ticket)
        for _, first in self.priority.values():
            first.discard(ticket)
        self.priority_booked = [b for b in self.priority_booked if b[0] != ticket]

    def end(self, category: str) -> float:
        """When the first window that serves `category` is through the tickets it calls."""
        return min((self.free_at[j] for j in self._serving(category)), default=math.inf)

    def book(self, ticket: str, category: str, now: float, priority: bool = False,
             service_s: float | None = None) -> None:
        """A ticket was issued: its window's work grows by one call of its category (or of its own
        typical service `service_s`, its matter's, if the hall knows it)."""
        i = self._window_for(category)
        if i is None:
            return
        mean = service_s or self.mean_service_s.get(category, 600.0)
        cost = self.stats.cost(mean)
        if priority:
            self.priority_booked.append((ticket, category, cost))
        self.free_at[i] = max(self.free_at[i], now) + cost
        self.assigned[i].add(ticket)
        self.spread2[i] += self.stats.variance(mean)


@dataclass(frozen=True)
class ReplayInput:
    """Everything a replay reads: plain values, so it can run later, in steps, without the hall."""

    windows: tuple[Busy, ...]
    waiting: tuple[Waiting, ...]
    now: float
    rules: Rules
    mean_service_s: Mapping[str, float]
    stats: SlotStats = field(default_factory=SlotStats)
    choose: Dispatcher = choose_next
    expected: tuple[Waiting, ...] = ()
    probes: tuple[Waiting, ...] = ()
    # A ticket's own typical service (from its matter), where it differs from its category's mean.
    service_s: Mapping[str, float] = field(default_factory=dict)


class QueueFronts:
    """The tickets still to be called, by category, in queue order. A window is offered only the
    front of each of its categories (and tickets transferred to it): every rule of the dispatcher
    picks the earliest ticket of some category, so the fronts are all it needs to see — which keeps
    the replay close to linear in the queue's length."""

    FRONT = 6  # ordinary tickets per category shown to the dispatcher (more than the overtaking bound)

    def __init__(self, tickets: Sequence[Waiting], max_overtake: int):
        self.front = max(self.FRONT, max_overtake + 2)
        self.ordinary: dict[str, list[Waiting]] = {}
        self.priority: dict[str, list[Waiting]] = {}
        self.targeted: dict[int, list[Waiting]] = {}
        for t in sorted(tickets, key=lambda t: (t.queued_at, t.seq)):
            self._tickets_like(t).append(t)
        # Priority tickets passing ordinary ones: (category, order of the passer) per pass; a
        # ticket's count is its own plus the passes by tickets queued after it.
        self.passes: dict[str, list[tuple[float, int]]] = {}

    def _tickets_like(self, t: Waiting) -> list[Waiting]:
        """The list `t` is kept in: its window's if transferred to one, else its category's."""
        if t.target_window is not None:
            return self.targeted.setdefault(t.target_window, [])
        return (self.priority if t.priority else self.ordinary).setdefault(t.category, [])

    def candidates(self, window: WindowView, at: float) -> list[Waiting]:
        out = [t for t in self.targeted.get(window.number, []) if t.queued_at <= at]
        for category in window.serves:
            for t in self.ordinary.get(category, [])[:self.front]:
                if t.queued_at > at:
                    break
                out.append(self._counted(t))
            for t in self.priority.get(category, [])[:2]:
                if t.queued_at <= at:
                    out.append(t)
        return out

    def _counted(self, t: Waiting) -> Waiting:
        passes = self.passes.get(t.category)  # kept sorted
        if not passes:
            return t
        later = len(passes) - bisect.bisect_right(passes, (t.queued_at, t.seq))
        return replace(t, overtaken=t.overtaken + later) if later else t

    def take(self, t: Waiting, window: WindowView, passes: bool = True) -> None:
        """`window` calls `t`; a priority ticket passes the ordinary ones queued before it."""
        tickets = self._tickets_like(t)
        tickets.pop(next(k for k, x in enumerate(tickets) if x.ticket_id == t.ticket_id))
        if passes and t.priority and t.target_window is None:
            for category in window.serves:
                bisect.insort(self.passes.setdefault(category, []), (t.queued_at, t.seq))

    def next_arrival(self, window: WindowView, after: float) -> float:
        """When the next ticket this window could call arrives (inf: none will)."""
        lists = [self.targeted.get(window.number, [])]
        lists += [lane.get(category, []) for category in window.serves for lane in (self.ordinary, self.priority)]
        return min(next((t.queued_at for t in tickets if t.queued_at > after), math.inf) for tickets in lists)


def replay_steps(inp: ReplayInput, chunk: int = 64) -> Generator[None, None, tuple[dict[str, Estimate], Forecast]]:
    """The estimate replay, yielding after every `chunk` calls so that a server can run it between
    requests; returns every waiting ticket's and probe's estimate, and the forecast it leaves.

    `expected` are tickets still to come (queued_at in the future) that may go ahead of those
    waiting — in practice the priority tickets the day's arrival rate promises. They take part in
    the replay but get no estimate and are not counted as people ahead.

    `probes` are tickets that might be taken: each gets its estimate, but a probe costs its window
    no time and passes nobody, so probes change neither each other's estimates nor anyone else's.

    A ticket's `ahead` is the number of waiting tickets called before it, in the replay, by the
    windows that may serve its category.
    """
    now, stats, windows = inp.now, inp.stats, inp.windows
    free_at: list[tuple[float, int, WindowView]] = []
    free = [0.0] * len(windows)
    spread2 = [0.0] * len(windows)  # variance of each window's next free time
    for i, busy in enumerate(windows):
        left, spread2[i] = busy_left(busy, now, inp.mean_service_s, stats.service_cv)
        free[i] = now + left
        heapq.heappush(free_at, (now + left, i, busy.window))
    real = {t.ticket_id for t in inp.waiting}
    probing = {t.ticket_id for t in inp.probes}
    queues = QueueFronts([*inp.waiting, *inp.probes, *inp.expected], inp.rules.max_overtake)
    assigned: list[set[str]] = [set() for _ in windows]
    first_calls: dict[str, tuple[float, set[str]]] = {}  # priority probes: when, after whom
    probe_calls: dict[str, float] = {}  # ordinary probes: when
    called = [0] * len(windows)  # waiting tickets each window has called so far in the replay
    out: dict[str, Estimate] = {}
    steps = 0
    while len(out) < len(real) + len(probing) and free_at:
        steps += 1
        if steps % chunk == 0:
            yield
        at, i, window = heapq.heappop(free_at)
        at = max(at, now)
        candidates = queues.candidates(window, at)
        choice = inp.choose(window, candidates, at, inp.rules)
        if choice is None:  # nobody here for this window: idle until a ticket it serves arrives
            later = queues.next_arrival(window, at)
            if math.isfinite(later):
                heapq.heappush(free_at, (later, i, window))
            continue
        ticket = next(t for t in candidates if t.ticket_id == choice.ticket_id)
        if ticket.ticket_id in real or ticket.ticket_id in probing:
            wait = at - now
            sigma = _sigma(ticket.category, windows, spread2)
            ahead = sum(n for n, b in zip(called, windows, strict=True) if ticket.category in b.window.serves)
            out[ticket.ticket_id] = Estimate(ahead, *_told(wait, sigma))
        if ticket.ticket_id in probing:
            if ticket.priority:
                serving = [j for j, b in enumerate(windows) if ticket.category in b.window.serves]
                first_calls[ticket.category] = (at, set().union(*(assigned[j] for j in serving)))
            else:
                probe_calls[ticket.category] = at
            queues.take(ticket, window, passes=False)  # a probe passes nobody
            heapq.heappush(free_at, (at, i, window))  # a probe takes no time: the window calls again
            continue
        queues.take(ticket, window)
        mean = inp.service_s.get(ticket.ticket_id) or inp.mean_service_s.get(ticket.category, 600.0)
        cost = stats.cost(mean)
        if ticket.ticket_id in real:  # the forecast: each window's end of the waiting tickets it calls
            called[i] += 1
            assigned[i].add(ticket.ticket_id)
            free[i] = at + cost
        spread2[i] += stats.variance(mean)
        heapq.heappush(free_at, (at + cost, i, window))
    for t in [*inp.waiting, *inp.probes]:  # nobody open can serve these: say so with an open-ended range
        if t.ticket_id not in out:
            ahead = sum(1 for w in inp.waiting if w.category == t.category and (w.queued_at, w.seq) < (t.queued_at, t.seq))
            out[t.ticket_id] = Estimate(ahead, math.inf, math.inf, math.inf)
    forecast = Forecast(now, tuple(b.window.serves for b in windows), free, assigned, spread2,
                        dict(inp.mean_service_s), stats, first_calls)
    for category, at in probe_calls.items():
        forecast.later[category] = max(at - max(forecast.end(category), now), 0.0)
    return out, forecast


def replay(inp: ReplayInput) -> tuple[dict[str, Estimate], Forecast]:
    """The whole replay at once (the simulator, tests, and a server with nothing to interleave)."""
    steps = replay_steps(inp, chunk=1 << 30)
    while True:
        try:
            next(steps)
        except StopIteration as done:
            result: tuple[dict[str, Estimate], Forecast] = done.value  # what replay_steps returns
            return result


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
    """Estimate for every ticket in `waiting` and every probe, keyed by ticket id (see replay_steps)."""
    return replay(ReplayInput(tuple(windows), tuple(waiting), now, rules, mean_service_s, stats or SlotStats(),
                              choose, tuple(expected), tuple(probes)))[0]


def expected_arrivals(issued: Sequence[tuple[float, str]], now: float, opened_at: float,
                      look_back_s: float = 3600.0, horizon_s: float = 7200.0,
                      share: Mapping[str, float] | None = None, priority: bool = True) -> list[Waiting]:
    """Tickets to expect after `now`, at the pace of those issued in the last `look_back_s`.

    `issued` is (issued_at, category) of today's tickets of one class (the hall passes its
    priority tickets, and the ordinary ones of categories with a head start) — or, with `share` (category →
    the share of its tickets that are priority, `priority_shares`), of all today's tickets: a
    category's few priority tickets of the last hour are too few to tell its pace (none in the
    last hour does not mean none to come), its arrivals times its share are not. The expected
    tickets are spread evenly, one category at a time.
    """
    span = min(look_back_s, now - opened_at)
    if span < 600:  # less than ten minutes of history: no pace to speak of yet
        return []
    counts: dict[str, float] = {}
    for at, category in issued:
        if now - span < at <= now:
            counts[category] = counts.get(category, 0) + (1.0 if share is None else share.get(category, 0.0))
    out: list[Waiting] = []
    for category, n in sorted(counts.items()):
        if n <= 0:
            continue
        gap = span / n
        k = 0
        while (k + 0.5) * gap <= horizon_s and k < 60:
            out.append(Waiting(f"__expected_{'' if priority else 'o_'}{category}_{k}__", category,
                               now + (k + 0.5) * gap, (1 << 61) + len(out), priority=priority))
            k += 1
    return out


def priority_shares(tickets: Iterable[tuple[str, bool]], prior: float = PRIOR_PRIORITY_SHARE,
                    weight: float = PRIORITY_SHARE_WEIGHT) -> dict[str, float]:
    """Share of priority tickets per category today, from (category, priority) of today's tickets:
    the hall's share (after `prior`, worth `weight` tickets) is each category's prior, worth
    `weight` tickets of it."""
    counts: dict[str, list[int]] = {}
    for category, priority in tickets:
        c = counts.setdefault(category, [0, 0])
        c[0] += 1
        c[1] += priority
    n, p = sum(c[0] for c in counts.values()), sum(c[1] for c in counts.values())
    hall = (prior * weight + p) / (weight + n)
    return {category: (hall * weight + k) / (weight + m) for category, (m, k) in counts.items()}


def _sigma(category: str, windows: Sequence[Busy], spread2: Sequence[float]) -> float:
    """Standard deviation of when the first of the windows serving `category` is free: the
    spread of the work booked on them, shared among them."""
    mine = [spread2[i] for i, b in enumerate(windows) if category in b.window.serves]
    if not mine:
        return 0.0
    return math.sqrt(sum(mine)) / len(mine)


def _told(wait: float, sigma: float) -> tuple[float, float, float]:
    """(point, low, high) told for a call expected after `wait` on average, with spread `sigma`.

    The point is the median of the wait — half wait less, half more — which errs less than the
    mean on skewed waits. The range is around the mean (see the constants)."""
    if wait <= 0:
        return 0.0, 0.0, HIGH_FLOOR_S
    point = wait / math.sqrt(1 + (sigma / wait) ** 2)
    low, high = _range(wait, sigma)
    return point, min(low, point), high


def _range(wait: float, sigma: float) -> tuple[float, float]:
    """(low, high) printed around the point estimate `wait`."""
    if wait <= 0:
        return 0.0, HIGH_FLOOR_S
    low = max(0.0, wait - LOW_Z * sigma - LOW_SHARE * wait)
    high = wait + HIGH_Z * sigma + HIGH_SHARE * wait + HIGH_FLOOR_S
    return low, high
