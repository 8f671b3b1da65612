"""`yimen bench advise`: the layout advisor's before/after on the committed overloaded days.

Issue 14's targets for the advisor, on committed days where a category is overloaded:
- the advised layout cuts the mean wait of all tickets by ≥ 30 % against the hall's layout, under
  the hall's own constraints (dedicated windows stay dedicated, ≤ K categories per window);
- where the constraints allow pooling (no window kept dedicated, a window may learn every
  category), the advised layout's mean wait is ≤ 1.15 × the pooled bound.

Each day is fitted alone and the proposal is also scored on held-out days of the same preset and
kind that the search never saw (generated with other seeds), so a layout that only suits its own
day shows here. Figures are simulated seconds; the run time is reported but never judged.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from queue_server.sim.advise import DEFAULT_BUDGET, Advice, Constraints, advise
from queue_server.sim.generate import generate
from queue_server.sim.scenario import Scenario, load_scenario, parse_scenario

SCENARIOS = Path(__file__).parent / "scenarios"
OVERLOADED = ("township-land-surge", "township-single-overload", "township-land-morning-surge")
HELD_OUT_SEEDS = (2027, 2028, 2029)
CUT_TARGET = 0.30
POOLED_FACTOR = 1.15


def held_out_days(name: str, seeds: Sequence[int]) -> list[Scenario]:
    """Days of the same preset and kind as the committed day `name`, from seeds it was not made of."""
    preset, kind = name.split("-", 1)
    return [parse_scenario(generate(preset, kind, seed)) for seed in seeds]


def _cut(figures: dict[str, Any]) -> float | None:
    hall = figures["hall"]["mean_wait_s"]
    return round(1 - figures["proposed"]["mean_wait_s"] / hall, 3) if hall else None


def _vs_pooled(figures: dict[str, Any]) -> float | None:
    pooled = figures["pooled"]["mean_wait_s"]
    return round(figures["proposed"]["mean_wait_s"] / pooled, 3) if pooled else None


def summary(advice: Advice) -> dict[str, Any]:
    """The figures a manager reads: minutes before/after, the cut and the ratio to pooling."""
    out: dict[str, Any] = {"changes": advice.as_dict()["changes"], "dedicated": list(advice.dedicated),
                           "evaluations": advice.evaluations}
    for group, figures in (("fitted", advice.fitted), ("held_out", advice.held_out)):
        if figures is None:
            continue
        out[group] = {
            "tickets": figures["hall"]["tickets"],
            "mean_wait_s": {k: figures[k]["mean_wait_s"] for k in ("hall", "proposed", "pooled")},
            "p95_wait_s": {k: figures[k]["p95_wait_s"] for k in ("hall", "proposed", "pooled")},
            "cut": _cut(figures),
            "vs_pooled": _vs_pooled(figures),
        }
    return out


def pooling_allowed(day: Scenario, budget: int) -> Constraints:
    """No window kept dedicated and any window may learn every category."""
    return Constraints(max_categories=len(day.categories), dedicated=frozenset(), budget=budget)


def bench_day(name: str, day: Scenario, held: Sequence[Scenario], budget: int) -> dict[str, Any]:
    """Both constraint sets on one day, with their targets."""
    started = time.perf_counter()
    own = summary(advise([day], held, Constraints(budget=budget)))
    pooled = summary(advise([day], held, pooling_allowed(day, budget)))
    targets = {
        "cut_at_least_30pct": own["fitted"]["cut"] is not None and own["fitted"]["cut"] >= CUT_TARGET,
        "cut_at_least_30pct_held_out": ("held_out" in own and own["held_out"]["cut"] is not None
                                        and own["held_out"]["cut"] >= CUT_TARGET) if held else None,
        "within_1.15x_pooled_when_allowed": (pooled["fitted"]["vs_pooled"] is not None
                                             and pooled["fitted"]["vs_pooled"] <= POOLED_FACTOR),
        "within_1.15x_pooled_when_allowed_held_out": ("held_out" in pooled
                                                      and pooled["held_out"]["vs_pooled"] is not None
                                                      and pooled["held_out"]["vs_pooled"] <= POOLED_FACTOR)
        if held else None,
    }
    return {"scenario": name, "hall_constraints": own, "pooling_allowed": pooled, "targets": targets,
            "all_targets_met": all(v for v in targets.values() if v is not None),
            "seconds": round(time.perf_counter() - started, 1)}


def run(names: Sequence[str] = OVERLOADED, budget: int = DEFAULT_BUDGET,
        seeds: Sequence[int] = HELD_OUT_SEEDS) -> dict[str, Any]:
    days = [bench_day(n, load_scenario(SCENARIOS / f"{n}.json"), held_out_days(n, seeds), budget) for n in names]
    return {"budget": budget, "held_out_seeds": list(seeds), "cut_target": CUT_TARGET,
            "pooled_factor": POOLED_FACTOR, "days": days,
            "all_targets_met": all(d["all_targets_met"] for d in days)}
