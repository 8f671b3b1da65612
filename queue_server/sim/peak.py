"""One more window at the busiest hours: the advisor's optional second proposal. Pure code.

The busiest stretch of the day is found from the fitted days' arrivals (the same count the
dashboard's heatmap shows: tickets per hour); a window that is closed or unstaffed for most of
that stretch on most of those days — and not a dedicated one — is a spare window. The proposal
opens one spare window for that stretch only, serving the categories that cut the mean wait most
(found greedily, worst-waiting categories first, at most K), on top of the proposed layout. Its
effect is simulated separately from the layout's, on the fitted and on the held-out days, since
it asks for a clerk, not a new layout.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from typing import Any

from .advise import Constraints, Layout, score
from .scenario import Scenario, WindowSpec

PEAK_S = 7200.0  # the stretch: two hours
STEP_S = 1800.0  # its start is looked for on the half hour
SPARE_SHARE = 0.5  # closed for at least half of the stretch …
SPARE_DAYS = 0.5  # … on at least half of the fitted days
MAX_TRIES = 24  # layouts evaluated for the peak window at most


def busiest(days: Sequence[Scenario], length_s: float = PEAK_S, step_s: float = STEP_S) -> tuple[float, float]:
    """The stretch of `length_s` (seconds after opening) in which most tickets arrived."""
    times = sorted(a.t for d in days for a in d.arrivals)
    if not times:
        return 0.0, length_s
    starts = [i * step_s for i in range(int(times[-1] // step_s) + 1)]
    best = max(starts, key=lambda s: (sum(1 for t in times if s <= t < s + length_s), -s))
    return best, best + length_s


def closed_share(window: WindowSpec, a: float, b: float) -> float:
    """How much of [a, b] the window spends closed or paused."""
    return sum(max(0.0, min(b, q) - max(a, p)) for p, q in window.pauses) / (b - a)


def spare_windows(days: Sequence[Scenario], a: float, b: float, fixed: frozenset[int]) -> list[int]:
    """Windows closed for most of [a, b] on most days, most often closed first."""
    counts: dict[int, int] = {}
    for d in days:
        for w in d.windows:
            if w.id not in fixed and closed_share(w, a, b) >= SPARE_SHARE:
                counts[w.id] = counts.get(w.id, 0) + 1
    return sorted((w for w, n in counts.items() if n >= SPARE_DAYS * len(days)), key=lambda w: (-counts[w], w))


def opened(day: Scenario, window: int, a: float, b: float) -> Scenario:
    """The day with `window` open throughout [a, b] (its pauses cut around the stretch)."""
    def cut(w: WindowSpec) -> WindowSpec:
        if w.id != window:
            return w
        kept: list[tuple[float, float]] = []
        for p, q in w.pauses:
            kept += [(x, y) for x, y in ((p, min(q, a)), (max(p, b), q)) if y - x > 1.0]
        return dataclasses.replace(w, pauses=tuple(kept))
    return dataclasses.replace(day, windows=tuple(cut(w) for w in day.windows))


def _with(layout: Layout, window: int, serves: tuple[str, ...]) -> Layout:
    return tuple((w, serves if w == window else s) for w, s in layout)


def _key(m: dict[str, Any]) -> tuple[float, float]:
    return (m["mean_wait_s"], m["p95_wait_s"])


def propose_peak(days: Sequence[Scenario], held_out: Sequence[Scenario], layout: Layout, fixed: frozenset[int],
                 constraints: Constraints) -> dict[str, Any]:
    """The spare window to open at the busiest stretch, what it should serve, and the simulated
    waits without and with it (`layout`: the proposed one). `window` is None when no window is
    spare then."""
    a, b = busiest(days)
    out: dict[str, Any] = {"from_s": a, "to_s": b, "window": None, "serves": [], "spare": []}
    spares = spare_windows(days, a, b, fixed)
    out["spare"] = spares
    if not spares:
        return out
    base = score(days, layout)
    worst = [c for c in sorted(base["per_category"], key=lambda c: -base["per_category"][c]["mean"])
             if c not in constraints.exclusive]
    tries = 0
    best: tuple[tuple[float, float], int, tuple[str, ...], dict[str, Any]] | None = None
    for window in spares[:2]:
        peak_days = [opened(d, window, a, b) for d in days]
        chosen: tuple[str, ...] = ()
        current: dict[str, Any] | None = None
        while len(chosen) < constraints.max_categories and tries < MAX_TRIES:
            found = None
            for c in [c for c in worst if c not in chosen][:4]:
                if tries >= MAX_TRIES:
                    break
                tries += 1
                m = score(peak_days, _with(layout, window, (*chosen, c)))
                if found is None or _key(m) < _key(found[1]):
                    found = (c, m)
            if found is None or (current is not None and _key(found[1]) >= _key(current)):
                break
            chosen, current = (*chosen, found[0]), found[1]
        if current is not None and (best is None or _key(current) < best[0]):
            best = (_key(current), window, chosen, current)
    if best is None:
        return out
    _, window, serves, fitted = best
    peak_layout = _with(layout, window, serves)
    out.update(window=window, serves=list(serves), evaluations=tries,
               fitted={"proposed": base, "peak": fitted})
    if held_out:
        out["held_out"] = {"proposed": score(held_out, layout),
                           "peak": score([opened(d, window, a, b) for d in held_out], peak_layout)}
    return out
