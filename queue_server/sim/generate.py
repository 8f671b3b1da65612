"""Deterministic scenarios from a preset's windows: the same (preset, kind, seed) gives the same file.

How a day is made (docs/dispatch.md §Scenarios has the reasoning):

- Opening time is the preset's sessions put end to end (t = 0 at the first opening; the lunch
  break, when the doors are shut, is left out).
- Demand: every window is given a load — `flex_load` for a window serving several categories,
  `dedicated_load` for a window with a single category (professional windows are rarely as busy)
  — and spends it on its categories by preference (weights 1, 0.3, 0.15, … of its list). A
  category's offered work is the sum of what the windows spend on it, so the hall is as busy as
  the kind says when every window works as it was set up.
- Each category gets the number of tickets its offered work calls for (rounded at random), at
  times drawn from a profile that follows the clock: a morning peak around 09:45 and a smaller
  one around 14:30 (a Poisson day conditioned on its count, so a busy day really is busy); service times are lognormal around the category's `service_min`
  (coefficient of variation 0.6); a few tickets are no-shows, some are priority.
- Kinds: `quiet`, `busy-monday` (hall ~90 % busy, a sharper morning peak, two short window
  pauses), `land-surge` (the land window's demand tripled, from a quiet-ish base),
  `many-elderly` (40 % priority tickets), and the bad days the estimate and the advisor must
  survive (issue 14): `single-overload` (a category whose only window is not the land window —
  公安 in the township — gets 3 × its demand: that window is offered ~135 % of its time),
  `land-morning-surge` (land matters arrive three times as fast between 09:00 and 11:00, the
  rest of the day as usual), `window-closed` (a busy-ish day on which one multi-category window
  is closed for an hour in the morning).
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from ..config import HallConfig, load_preset
from .scenario import FORMAT

KINDS = ("quiet", "busy-monday", "land-surge", "many-elderly", "single-overload", "land-morning-surge",
         "window-closed")
SERVICE_CV = 0.6
RANK_WEIGHTS = (1.0, 0.3, 0.15, 0.1, 0.08, 0.06)


@dataclass(frozen=True)
class Kind:
    flex_load: float
    dedicated_load: float
    priority_share: float
    no_show_share: float
    peak: float  # extra rate at the morning peak, as a share of the base rate
    land_factor: float = 1.0
    pauses: int = 0
    single_factor: float = 1.0  # demand factor of the busiest single-window category (not land)
    surge_hours: tuple[float, float] | None = None  # clock hours when land_factor applies (None: all day)
    closed_hour: bool = False  # one multi-category window closed for 60 min in the morning


KIND_SPECS: dict[str, Kind] = {
    "quiet": Kind(0.55, 0.45, 0.12, 0.05, 0.5),
    "busy-monday": Kind(0.95, 0.85, 0.12, 0.06, 0.9, pauses=2),
    "land-surge": Kind(0.70, 0.40, 0.12, 0.05, 0.6, land_factor=3.0),
    "many-elderly": Kind(0.80, 0.65, 0.40, 0.05, 0.6),
    "single-overload": Kind(0.70, 0.45, 0.12, 0.05, 0.6, single_factor=3.0),
    "land-morning-surge": Kind(0.70, 0.45, 0.12, 0.05, 0.6, land_factor=3.0, surge_hours=(9.0, 11.0)),
    "window-closed": Kind(0.85, 0.60, 0.12, 0.05, 0.7, closed_hour=True),
}


class GenerateError(ValueError):
    pass


def _minutes(hhmm: str) -> float:
    t = datetime.strptime(hhmm, "%H:%M")
    return t.hour * 60 + t.minute


def _clock_hours(config: HallConfig, t: float) -> float:
    """The clock time (hours) at `t` seconds of opening time."""
    left = t / 60
    for start, end in config.hours.sessions:
        a, b = _minutes(start), _minutes(end)
        if left < b - a:
            return (a + left) / 60
        left -= b - a
    return _minutes(config.hours.sessions[-1][1]) / 60


def _open_seconds(config: HallConfig) -> float:
    return sum(_minutes(b) - _minutes(a) for a, b in config.hours.sessions) * 60


def _shape(hour: float, peak: float) -> float:
    return (1.0 + peak * math.exp(-(((hour - 9.75) / 0.75) ** 2))
            + 0.4 * peak * math.exp(-(((hour - 14.5) / 0.75) ** 2)))


def land_category(config: HallConfig) -> str | None:
    """The category of the hall's land (自然资源) window, if it has one."""
    land = [w for w in config.windows if w.kind == "land"]
    return land[0].serves[0] if land else None


def single_category(config: HallConfig) -> str | None:
    """The first category served by exactly one window, that window not being the land window."""
    land = land_category(config)
    for c in config.categories:
        owners = config.windows_serving(c.code)
        if len(owners) == 1 and c.code != land:
            return c.code
    return None


def _ticket(rng: random.Random, t: float, code: str, mean_s: float, spec: Kind) -> dict[str, Any]:
    """One arrival at `t`: a lognormal service time around the category's mean, priority, no-show."""
    sigma = math.sqrt(math.log(1 + SERVICE_CV ** 2))
    service = rng.lognormvariate(math.log(mean_s) - sigma ** 2 / 2, sigma)
    return {"t": round(t, 1), "category": code, "service_s": round(min(max(service, 30.0), 6 * mean_s), 1),
            "priority": rng.random() < spec.priority_share, "no_show": rng.random() < spec.no_show_share}


def generate(preset: str, kind: str, seed: int, config: HallConfig | None = None) -> dict[str, Any]:
    """The scenario document for one preset, kind and seed."""
    if kind not in KIND_SPECS:
        raise GenerateError(f"unknown kind {kind!r}; choose one of {', '.join(KINDS)}")
    config = config or load_preset(preset)
    spec = KIND_SPECS[kind]
    land = land_category(config)
    if spec.land_factor != 1.0 and land is None:
        raise GenerateError(f"preset {preset!r} has no land (自然资源) window: a land surge cannot happen there")
    single = single_category(config)
    if spec.single_factor != 1.0 and single is None:
        raise GenerateError(f"preset {preset!r} has no category served by a single window (other than land)")
    rng = random.Random(f"{preset}/{kind}/{seed}")
    means = {c.code: c.service_min * 60 for c in config.categories}

    # Offered work per category, in window-equivalents.
    work = dict.fromkeys(means, 0.0)
    for w in config.windows:
        load = spec.flex_load if len(w.serves) > 1 else spec.dedicated_load
        weights = [RANK_WEIGHTS[min(i, len(RANK_WEIGHTS) - 1)] for i in range(len(w.serves))]
        for code, weight in zip(w.serves, weights, strict=True):
            work[code] += load * weight / sum(weights)
    if land is not None and spec.surge_hours is None:
        work[land] *= spec.land_factor
    if single is not None:
        work[single] *= spec.single_factor

    horizon = _open_seconds(config)
    steps = [_shape(_clock_hours(config, t), spec.peak) for t in range(0, int(horizon), 60)]
    mean_shape = sum(steps) / len(steps)
    top_shape = max(steps) / mean_shape

    arrivals: list[dict[str, Any]] = []
    for code in means:  # category by category, each from the same generator, in config order
        expected = work[code] / means[code] * horizon  # tickets over the day
        count = int(expected) + (1 if rng.random() < expected - int(expected) else 0)
        for _ in range(count):
            while True:  # a time from the day's profile (rejection sampling)
                t = rng.uniform(0, horizon)
                if rng.random() * top_shape <= _shape(_clock_hours(config, t), spec.peak) / mean_shape:
                    break
            arrivals.append(_ticket(rng, t, code, means[code], spec))
    if spec.surge_hours is not None and land is not None:  # the extra land tickets of the surge hours
        lo, hi = spec.surge_hours
        inside = [x for i, x in enumerate(steps) if lo <= _clock_hours(config, i * 60.0) < hi]
        expected = (spec.land_factor - 1) * work[land] / means[land] * horizon * sum(inside) / sum(steps)
        times = [t for t in range(0, int(horizon), 60) if lo <= _clock_hours(config, t) < hi]
        count = int(expected) + (1 if rng.random() < expected - int(expected) else 0)
        for _ in range(count):
            while True:
                t = rng.uniform(times[0], times[-1] + 60.0)
                if rng.random() * top_shape <= _shape(_clock_hours(config, t), spec.peak) / mean_shape:
                    break
            arrivals.append(_ticket(rng, t, land, means[land], spec))
    arrivals.sort(key=lambda a: (a["t"], a["category"]))
    out_arrivals = [{"id": f"t{i + 1}", **a} for i, a in enumerate(arrivals)]

    windows: list[dict[str, Any]] = [{"id": w.number, "serves": list(w.serves)} for w in config.windows]
    flexible = [w for w in windows if len(w["serves"]) > 1]
    for _ in range(spec.pauses):  # a clerk called away for 15–25 min, morning or afternoon
        paused = rng.choice(flexible)
        start = round(rng.uniform(0.25, 0.85) * horizon, 0)
        paused.setdefault("pauses", []).append([start, start + 60 * rng.randint(15, 25)])
        paused["pauses"].sort()
    if spec.closed_hour:  # closed for an hour, starting between 09:00 and 10:30 of opening time
        closed = rng.choice(flexible)
        start = round(rng.uniform(0.5, 2.0) * 3600, 0)
        closed.setdefault("pauses", []).append([start, start + 3600.0])
        closed["pauses"].sort()

    offered = sum(a["service_s"] for a in arrivals if not a["no_show"])
    return {
        "format": FORMAT,
        "name": f"{preset} {kind} (seed {seed})",
        "notes": (f"generated by `yimen sim generate --preset {preset} --kind {kind} --seed {seed}`; "
                  f"{len(arrivals)} tickets over {horizon / 3600:.1f} h of opening time; offered work "
                  f"{offered / (horizon * len(windows)):.0%} of the windows' time"),
        "no_show_wait_s": 60,
        "rules": {"max_overtake": config.priority.max_overtake,
                  "promote_after_min": config.priority.promote_after_min},
        "categories": {c.code: {"service_min": c.service_min} for c in config.categories},
        "windows": windows,
        "arrivals": out_arrivals,
    }
