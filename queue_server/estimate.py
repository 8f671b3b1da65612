"""Wait estimates: people ahead and a range, for every waiting ticket. Pure code.

The estimate plays the rest of the queue forward with the production dispatcher: each window
becomes free when its current service is expected to end, calls whom `choose_next` would pick,
and serves for the category's mean service time so far today. A ticket's estimate is the time
that replay reaches it; the printed range widens with the uncertainty of the services before it.
"""

from __future__ import annotations

import heapq
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace

from .dispatch import Rules, Waiting, WindowView, choose_next, overtaken_by


@dataclass(frozen=True)
class Busy:
    """An open window and, if it is serving, when the current service began and its category."""

    window: WindowView
    since: float | None = None
    category: str | None = None


@dataclass(frozen=True)
class Estimate:
    ahead: int
    wait_s: float
    low_s: float
    high_s: float


def estimate_all(
    windows: Sequence[Busy],
    waiting: Sequence[Waiting],
    now: float,
    rules: Rules,
    mean_service_s: Mapping[str, float],
) -> dict[str, Estimate]:
    """Estimate for every ticket in `waiting`, keyed by ticket id."""
    if not waiting:
        return {}
    free_at: list[tuple[float, int, WindowView]] = []
    for i, busy in enumerate(windows):
        start = now
        if busy.since is not None and busy.category is not None:
            mean = mean_service_s.get(busy.category, 600.0)
            start = now + max(mean - (now - busy.since), mean * 0.25)
        heapq.heappush(free_at, (start, i, busy.window))
    remaining = {t.ticket_id: t for t in waiting}
    out: dict[str, Estimate] = {}
    started = 0
    variance = 0.0
    while remaining and free_at:
        at, i, window = heapq.heappop(free_at)
        choice = choose_next(window, list(remaining.values()), max(at, now), rules)
        if choice is None:
            continue  # this window can serve nobody left; it drops out of the replay
        ticket = remaining.pop(choice.ticket_id)
        for passed in overtaken_by(ticket, window, remaining.values()):
            remaining[passed] = replace(remaining[passed], overtaken=remaining[passed].overtaken + 1)
        wait = max(0.0, at - now)
        mean = mean_service_s.get(ticket.category, 600.0)
        spread = _spread(wait, variance, len(windows))
        out[ticket.ticket_id] = Estimate(started, wait, max(0.0, wait - spread), wait + spread)
        started += 1
        variance += mean * mean  # exponential-like services: sd ≈ mean
        heapq.heappush(free_at, (at + mean, i, window))
    for ticket_id in remaining:  # nobody open can serve these: say so with an open-ended range
        out[ticket_id] = Estimate(started, math.inf, math.inf, math.inf)
    return out


def _spread(wait: float, variance: float, windows: int) -> float:
    """Half-width of the printed range: grows with the uncertainty of the work ahead."""
    return 120.0 + 0.25 * wait + math.sqrt(variance) / max(1, windows)
