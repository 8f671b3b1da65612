"""`yimen bench advise`: the advisor's before/after report and its targets (small search budget)."""

from __future__ import annotations

import json

from bench.advice import CUT_TARGET, bench_day, held_out_days, run
from queue_server.sim.generate import generate
from queue_server.sim.scenario import parse_scenario
from yimen.cli import main


def test_held_out_days_are_other_seeds_of_the_same_kind():
    days = held_out_days("township-land-surge", (2027, 2028))
    assert [d.name for d in days] == [parse_scenario(generate("township", "land-surge", s)).name for s in (2027, 2028)]
    assert days[0].arrivals != days[1].arrivals
    assert [w.id for w in days[0].windows] == [w.id for w in days[1].windows]


def test_a_day_report_judges_the_cut_and_the_pooled_ratio_from_its_own_figures():
    day, *held = held_out_days("township-land-surge", (2027, 2028))
    r = bench_day("township-land-surge", day, held, budget=12)
    own, pooled = r["hall_constraints"], r["pooling_allowed"]
    for part in (own, pooled):
        m = part["fitted"]["mean_wait_s"]
        assert part["fitted"]["cut"] == round(1 - m["proposed"] / m["hall"], 3)
        assert part["fitted"]["vs_pooled"] == round(m["proposed"] / m["pooled"], 3)
        assert part["fitted"]["tickets"] == len(day.arrivals)
        assert part["held_out"]["tickets"] == sum(len(d.arrivals) for d in held)
        # the proposal is never worse than the hall on the day it was fitted on
        assert m["proposed"] <= m["hall"]
    assert r["targets"]["cut_at_least_30pct"] == (own["fitted"]["cut"] >= CUT_TARGET)
    # the hall's constraints keep its single-category windows; with pooling allowed none is kept
    assert own["dedicated"] and pooled["dedicated"] == []
    assert all(c["window"] not in own["dedicated"] for c in own["changes"])
    assert r["all_targets_met"] == all(v for v in r["targets"].values() if v is not None)


def test_the_command_prints_one_json_document(capsys):
    assert main(["bench", "advise", "--scenario", "township-single-overload", "--budget", "3"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["budget"] == 3 and [d["scenario"] for d in doc["days"]] == ["township-single-overload"]
    assert doc["all_targets_met"] == all(d["all_targets_met"] for d in doc["days"])


def test_bad_budget_is_refused(capsys):
    assert main(["bench", "advise", "--budget", "0"]) == 2
    assert "--budget" in capsys.readouterr().err


def test_run_names_every_day_it_was_given():
    assert run([], budget=1)["days"] == []
