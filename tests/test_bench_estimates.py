"""The estimates bench (bench/estimates.py): its scoring counted by hand, on tiny days."""

from __future__ import annotations

import json

import pytest

from bench.estimates import (
    CLOSING_KINDS,
    SCENARIOS,
    Called,
    closing_day,
    closing_scores,
    pooled_scores,
    ql_width,
)
from queue_server.sim.replay import Record
from queue_server.sim.scenario import parse_scenario
from yimen.cli import main


def test_precision_and_recall_are_counted_from_the_four_cases():
    tickets = ([Called(True, False)] * 3  # told "not today", not called: right
               + [Called(True, True)]  # told "not today", yet called: a false alarm
               + [Called(False, False)] * 2  # not warned, not called: missed
               + [Called(False, True)] * 10)
    s = closing_scores(tickets)
    assert (s["true_positive"], s["false_positive"], s["false_negative"]) == (3, 1, 2)
    assert s["precision"] == 0.75 and s["recall"] == 0.6
    assert s["tickets"] == 16 and s["not_called"] == 5 and s["predicted"] == 4
    assert closing_scores([Called(False, True)])["precision"] is None  # nothing predicted, nothing to score


def test_days_are_pooled_ticket_by_ticket():
    a = closing_scores([Called(True, False)] * 9 + [Called(False, True)] * 5)
    b = closing_scores([Called(True, True), Called(False, False)])
    total = pooled_scores([a, b])
    assert (total["precision"], total["recall"]) == (0.9, 0.9)
    assert total["tickets"] == 16 and total["targets"] == {"precision_at_least_0.9": True, "recall_at_least_0.9": True}


def test_a_tiny_day_whose_hall_closes_on_a_queue():
    # One window, one category of exactly 10-minute services (the hall's prior says 10 min too),
    # four people at opening; the hall closes 25 minutes later. Called at 0, 10, 20 and 30 min:
    # the fourth is not called before closing. At issue the hall knows only its prior: the fourth
    # is told about 30 min, after closing — warned; the third about 20 min — not warned.
    scenario = parse_scenario({
        "format": "yimen-scenario/1", "no_show_wait_s": 60, "categories": {"A": {"service_min": 10}},
        "windows": [{"id": 1, "serves": ["A"]}],
        "arrivals": [{"id": f"t{i}", "t": float(i), "category": "A", "service_s": 600.0} for i in range(4)]})
    day = closing_day(scenario, 25 * 60)
    assert day["close_s"] == 1500
    assert (day["tickets"], day["not_called"]) == (4, 1)
    assert (day["true_positive"], day["false_positive"], day["false_negative"]) == (1, 0, 0)
    assert (day["precision"], day["recall"]) == (1.0, 1.0)


def test_the_ql_range_width_is_the_narrowest_band_holding_four_in_five():
    def rec(ql: float, wait: float) -> Record:
        return Record("t", "A", False, 0.0, started_s=wait, ql_s=ql)
    # relative errors 0, 0.1, 0.2, 0.5, 1.0: four in five need a = 0.5 → widths 2·0.5·ql
    records = [rec(100, 100), rec(100, 110), rec(100, 80), rec(200, 300), rec(100, 200)]
    assert ql_width(records) == pytest.approx(sum(2 * 0.5 * r.ql_s for r in records) / 5)


def test_bad_seeds_are_refused_with_a_clear_message(capsys):
    assert main(["bench", "estimates", "--held-out", "306-300"]) == 2
    assert "seeds are A-B with A <= B" in capsys.readouterr().err


@pytest.mark.slow
def test_the_report_covers_every_committed_day_and_one_seed_of_each_kind(capsys):
    assert main(["bench", "estimates", "--held-out", "300", "--closing", "400"]) == 0
    captured = capsys.readouterr()
    report = json.loads(captured.out)
    assert len(report["committed"]) == len(list(SCENARIOS.glob("*.json")))
    assert report["held_out"]["days"] == 11 and report["held_out"]["seeds"] == [300, 300]
    assert len(report["closing"]["days"]) == len(CLOSING_KINDS)
    for day in report["committed"]:
        assert day["targets"]["coverage_at_least_0.8"] == (day["coverage"] >= 0.8)
        assert day["mean_range_width_s"] < day["ql_width_at_80_s"] * 1.2
    total = report["closing"]["all"]
    assert total["tickets"] == sum(d["tickets"] for d in report["closing"]["days"])
    assert total["not_called"] > 0  # overloaded days: some people are not called before closing
    assert "| closing prediction |" in captured.err  # the table for people
