"""The simulator: scenario files, the generator, the replay through the production Hall, the
trace, properties over random replays, and the `yimen sim` / `yimen bench` commands."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bench.cli import bench_dispatch
from bench.dispatch import bench, pooled_applies
from queue_server.events import Event
from queue_server.hall import Hall
from queue_server.sim.generate import generate
from queue_server.sim.metrics import (
    TRACE_COLUMNS,
    estimate_metrics,
    percentile,
    trace_csv,
    wait_metrics,
)
from queue_server.sim.policies import POLICIES, AssignAtIssue
from queue_server.sim.replay import POOLED, Record, Replay, replay
from queue_server.sim.scenario import ScenarioError, dumps, load_scenario, parse_scenario

SCENARIOS = Path(__file__).parent.parent / "bench" / "scenarios"


def scenario(windows: list[dict], arrivals: list[dict], **top) -> dict:
    return {"format": "yimen-scenario/1", "name": "test", "windows": windows, "arrivals": arrivals, **top}


def arrival(i: int, t: float, category: str, service_s: float = 300.0, **kw) -> dict:
    return {"id": f"t{i}", "t": t, "category": category, "service_s": service_s,
            "priority": kw.get("priority", False), "no_show": kw.get("no_show", False),
            **({"appointment_slot": kw["slot"]} if "slot" in kw else {})}


def rows(records: list[Record]) -> list[dict]:
    return list(csv.DictReader(io.StringIO(trace_csv(records))))


def check_trace(s, records: list[Record]) -> None:
    """No window serves a category it cannot serve, or two tickets at once; one row per ticket."""
    table = rows(records)
    assert list(table[0]) == list(TRACE_COLUMNS)
    assert sorted(r["id"] for r in table) == sorted(a.id for a in s.arrivals)
    serves = {w.id: set(w.serves) for w in s.windows}
    by_window: dict[int, list[tuple[float, float]]] = {}
    for r in table:
        window = int(r["window"])
        assert r["category"] in serves[window], r
        arrival_s, called, started, finished = (float(r[k]) for k in ("arrival_s", "called_s", "started_s", "finished_s"))
        assert arrival_s <= called <= started <= finished
        by_window.setdefault(window, []).append((called, finished))
    for spans in by_window.values():
        spans.sort()
        for (_, end), (start, _) in zip(spans, spans[1:], strict=False):
            assert start >= end - 1e-6


# ---------------------------------------------------------------- scenario files


def test_scenario_round_trip_and_defaults():
    doc = scenario([{"id": 1, "serves": ["A"]}], [arrival(1, 5, "A"), arrival(2, 1, "A")])
    s = parse_scenario(doc)
    assert s.no_show_wait_s == 60.0 and [a.id for a in s.arrivals] == ["t2", "t1"]
    assert parse_scenario(json.loads(dumps(doc))) == s


@pytest.mark.parametrize(("change", "message"), [
    ({"format": "yimen-scenario/2"}, "format must be 'yimen-scenario/1'"),
    ({"windows": []}, "windows must be a non-empty list"),
    ({"windows": [{"id": 1, "serves": ["A", "A"]}]}, "windows[0].serves must list distinct"),
    ({"arrivals": [arrival(1, 0, "Z")]}, "arrivals[0].category 'Z' is served by no window"),
    ({"arrivals": [arrival(1, -1, "A")]}, "arrivals[0].t must be at least 0"),
    ({"arrivals": [arrival(1, 0, "A"), arrival(1, 3, "A")]}, "arrivals[1].id 't1' is used twice"),
    ({"rules": {"max_overtake": -1}}, "rules.max_overtake"),
    ({"windows": [{"id": 1, "serves": ["A"], "pauses": [[50, 10]]}]}, "ends before it starts"),
])
def test_scenario_errors_name_the_problem(change, message):
    doc = {**scenario([{"id": 1, "serves": ["A"]}], [arrival(1, 0, "A")]), **change}
    with pytest.raises(ScenarioError, match=message.replace("[", r"\[").replace("]", r"\]")):
        parse_scenario(doc)


def test_load_scenario_errors(tmp_path):
    with pytest.raises(ScenarioError, match="file not found"):
        load_scenario(tmp_path / "missing.json")
    bad = tmp_path / "bad.json"
    bad.write_text("{not json", "utf-8")
    with pytest.raises(ScenarioError, match="not valid JSON"):
        load_scenario(bad)


# ---------------------------------------------------------------- the generator


def test_generator_is_deterministic_and_shaped_by_kind():
    assert generate("village", "quiet", 7) == generate("village", "quiet", 7)
    assert generate("village", "quiet", 7) != generate("village", "quiet", 8)
    quiet = parse_scenario(generate("township", "quiet", 3))
    busy = parse_scenario(generate("township", "busy-monday", 3))
    surge = parse_scenario(generate("township", "land-surge", 3))
    elderly = parse_scenario(generate("township", "many-elderly", 3))
    open_s = 7 * 3600 * len(busy.windows)
    loads = [sum(a.service_s for a in parse_scenario(generate("township", "busy-monday", seed)).arrivals
                 if not a.no_show) / open_s for seed in (1, 2, 3, 4)]
    assert 0.84 <= sum(loads) / len(loads) <= 0.95  # one day varies by a few points either way
    assert sum(a.service_s for a in quiet.arrivals) / open_s < 0.65
    e_quiet = sum(a.category == "E" for a in quiet.arrivals)
    e_surge = sum(a.category == "E" for a in surge.arrivals)
    assert e_surge >= 2 * e_quiet
    share = sum(a.priority for a in elderly.arrivals) / len(elderly.arrivals)
    assert 0.3 <= share <= 0.5
    assert any(w.pauses for w in busy.windows)
    peak = sum(2700 <= a.t < 6300 for a in busy.arrivals)  # 09:15–10:15
    last = sum(21600 <= a.t < 25200 for a in busy.arrivals)  # 16:00–17:00
    assert peak > 1.5 * last


def test_generator_refuses_a_land_surge_without_a_land_window():
    from queue_server.sim.generate import GenerateError

    with pytest.raises(GenerateError, match="no land"):
        generate("village", "land-surge", 1)


def test_committed_scenarios_are_what_the_generator_writes():
    for path in sorted(SCENARIOS.glob("*.json")):
        preset, kind = path.stem.split("-", 1)
        assert path.read_text("utf-8") == dumps(generate(preset, kind, 2026)), path.name


# ---------------------------------------------------------------- the replay


def test_replay_hand_computed_day():
    s = parse_scenario(scenario([{"id": 1, "serves": ["A"]}], [
        arrival(1, 0, "A", 600), arrival(2, 60, "A", 300, no_show=True), arrival(3, 120, "A", 100)]))
    recs = {r.id: r for r in replay(s)}
    assert (recs["t1"].started_s, recs["t1"].finished_s) == (0, 600)
    assert (recs["t2"].called_s, recs["t2"].started_s, recs["t2"].finished_s) == (600, 600, 660)
    assert recs["t2"].outcome == "no_show"
    assert (recs["t3"].started_s, recs["t3"].finished_s) == (660, 760)
    assert [recs[i].wait_s for i in ("t1", "t2", "t3")] == [0, 540, 540]
    assert recs["t3"].ql_s == 2 * 480  # one A waiting ahead, no service finished: the 8-min prior


def test_pause_starts_when_the_window_is_free_and_lasts_its_length():
    s = parse_scenario(scenario([{"id": 1, "serves": ["A"], "pauses": [[100, 400]]}], [
        arrival(1, 0, "A", 200), arrival(2, 10, "A", 50)]))
    recs = {r.id: r for r in replay(s)}
    assert recs["t2"].started_s == 200 + 300  # busy until 200, then a 300 s pause


def test_priority_and_appointment_go_ahead():
    s = parse_scenario(scenario([{"id": 1, "serves": ["A"]}], [
        arrival(1, 0, "A", 600), arrival(2, 10, "A"), arrival(3, 20, "A", priority=True),
        arrival(4, 30, "A", slot=[5, 600])]))
    order = sorted(replay(s), key=lambda r: r.called_s or 0)
    assert [r.id for r in order] == ["t1", "t3", "t4", "t2"]


def test_assign_at_issue_serves_each_ticket_where_it_was_bound():
    s = load_scenario(SCENARIOS / "township-quiet.json")
    called: dict[str, int] = {}  # hall ticket id -> the window that called it

    def on_call(hall, event) -> None:
        called[event.data["ticket"]] = event.data["window"]

    run = Replay(s, "assign-at-issue", on_call=on_call)
    records = run.run()
    assert isinstance(run.dispatcher, AssignAtIssue)
    assert len(called) == len(records) == len(s.arrivals)
    assert {ticket: run.dispatcher.bound[ticket] for ticket in called} == called
    assert sorted(r.window for r in records) == sorted(called.values())


def test_pooled_lets_every_window_serve_everything():
    s = load_scenario(SCENARIOS / "township-quiet.json")
    # Window 6 alone serves E in the township; pooled, E is served all over the hall.
    assert {r.window for r in Replay(s).run() if r.category == "E"} == {6}
    pooled = {r.window for r in Replay(s, POOLED).run() if r.category == "E"}
    assert len(pooled) > 1 and pooled <= {w.id for w in s.windows}


@pytest.mark.parametrize("policy", POLICIES)
def test_trace_is_consistent_on_a_committed_day(policy):
    s = load_scenario(SCENARIOS / "township-busy-monday.json")
    check_trace(s, Replay(s, policy).run())


@pytest.mark.parametrize("policy", ["fifo-own-green", "assign-at-issue-green", "weights-green"])
def test_green_peers_call_a_waiting_priority_ticket_first(policy):
    # One window, busy until 100 s; three ordinary tickets wait, then a priority one arrives.
    s = parse_scenario(scenario([{"id": 1, "serves": ["A"]}], [
        {"id": "t1", "t": 0, "category": "A", "service_s": 100},
        {"id": "t2", "t": 10, "category": "A", "service_s": 50},
        {"id": "t3", "t": 20, "category": "A", "service_s": 50},
        {"id": "p", "t": 30, "category": "A", "service_s": 50, "priority": True}]))
    green = {r.id: r for r in Replay(s, policy).run()}
    blind = {r.id: r for r in Replay(s, policy.removesuffix("-green").replace("weights", "weights-blind")).run()}
    assert green["p"].started_s == 100 and blind["p"].started_s == 200
    assert green["t2"].overtaken == 1 and blind["t2"].overtaken == 0


def test_bad_day_kinds_are_shaped_as_named():
    base = parse_scenario(generate("township", "quiet", 4))
    overload = parse_scenario(generate("township", "single-overload", 4))
    surge = parse_scenario(generate("township", "land-morning-surge", 4))
    closed = parse_scenario(generate("township", "window-closed", 4))
    assert sum(a.category == "D" for a in overload.arrivals) >= 2 * sum(a.category == "D" for a in base.arrivals)
    land = [a.t for a in surge.arrivals if a.category == "E"]
    inside = sum(1800 <= t < 9000 for t in land)  # 09:00–11:00
    assert inside > len(land) - inside  # two hours hold most of the day's land tickets
    assert [(end - start) for w in closed.windows for start, end in w.pauses] == [3600.0]


def test_metrics_by_hand():
    assert percentile([1, 2, 3, 4], 50) == 2.5
    assert percentile([5], 95) == 5
    recs = [Record("a", "A", False, 0, 10, 1, 10, 20, "served", 5, 0, 20, ql_s=30),
            Record("b", "B", True, 0, 30, 1, 30, 40, "served", 40, 35, 45, ql_s=10)]
    w = wait_metrics(recs)
    assert (w["mean_wait_s"], w["max_wait_s"], w["priority"]) == (20.0, 30.0, {"n": 1, "mean": 30.0, "p95": 30.0})
    e = estimate_metrics(recs)
    assert (e["mae_s"], e["ql_mae_s"], e["coverage"], e["mean_range_width_s"]) == (7.5, 20.0, 0.5, 15.0)


# ---------------------------------------------------------------- properties over random replays


@st.composite
def small_days(draw):
    cats = ["A", "B", "C"]
    n_windows = draw(st.integers(1, 3))
    windows = []
    for i in range(n_windows):
        serves = draw(st.permutations(cats))[: draw(st.integers(1, 3))]
        pauses = [[p, p + 300]] if (p := draw(st.sampled_from([None, 600, 2000]))) else []
        windows.append({"id": i + 1, "serves": list(serves), "pauses": pauses})
    served = sorted({c for w in windows for c in w["serves"]})
    n = draw(st.integers(1, 30))
    arrivals = [arrival(i, draw(st.floats(0, 3600)), draw(st.sampled_from(served)),
                        draw(st.floats(30, 900)), priority=draw(st.booleans()),
                        no_show=draw(st.integers(0, 9)) == 0) for i in range(n)]
    rules = {"max_overtake": draw(st.integers(0, 3)), "promote_after_min": draw(st.sampled_from([5, 20, 45]))}
    return parse_scenario(scenario(windows, arrivals, rules=rules))


@settings(max_examples=120, deadline=None)
@given(small_days())
def test_random_replays_respect_skills_bound_and_call_once(s):
    called: list[str] = []
    max_overtaken = 0

    def on_call(hall: Hall, event: Event) -> None:
        nonlocal max_overtaken
        called.append(event.data["ticket"])
        max_overtaken = max([max_overtaken, *(t.overtaken for t in hall.state.tickets.values())])

    run = Replay(s, "production", on_call=on_call)
    records = run.run()
    assert len(called) == len(set(called)) == len(s.arrivals)  # each ticket called exactly once
    assert max_overtaken <= run.rules.max_overtake
    check_trace(s, records)


def test_no_starvation_a_low_preference_ticket_is_promoted():
    # Window 1 prefers A; A tickets arrive faster than it can serve them, all day.
    arrivals = [arrival(i, i * 200.0, "A", 300) for i in range(200)]
    arrivals.append(arrival(999, 10.0, "B", 300))
    s = parse_scenario(scenario([{"id": 1, "serves": ["A", "B"]}], arrivals,
                                rules={"promote_after_min": 20}))
    b = next(r for r in replay(s) if r.id == "t999")
    assert b.wait_s <= 20 * 60 + 300  # promoted at 20 min, called when the current service ends


# ---------------------------------------------------------------- bench and commands


def test_pooled_target_applies_only_where_the_skills_can_pool():
    township = load_scenario(SCENARIOS / "township-quiet.json")
    applies, why = pooled_applies(township)
    assert not applies and "D (window 5)" in why and "E (window 6)" in why
    assert pooled_applies(load_scenario(SCENARIOS / "village-quiet.json"))[0]


def test_bench_is_deterministic_and_complete(tmp_path, capsys):
    path = SCENARIOS / "village-quiet.json"
    args = type("Args", (), {"scenario": str(path), "policy": "production", "trace": str(tmp_path / "t.csv")})
    assert bench_dispatch(args) == 0
    first = capsys.readouterr().out
    assert bench_dispatch(args) == 0
    assert capsys.readouterr().out == first
    report = json.loads(first)
    for key in ("mean_wait_s", "p50_wait_s", "p90_wait_s", "p95_wait_s", "max_wait_s", "per_category", "priority"):
        assert key in report["result"]
    assert set(report["result"]["estimate"]) >= {"mae_s", "ql_mae_s", "coverage", "mean_range_width_s"}
    assert set(report["peers"]) == {"fifo-own-green", "assign-at-issue-green", "weights-green",
                                    "fifo-own", "assign-at-issue", "weights-blind"}
    assert report["best_peer"]["mean"].endswith("-green") and report["best_peer"]["p95"].endswith("-green")
    assert set(report["ratios"]) == {"mean_vs_pooled", "mean_vs_best_peer", "p95_vs_best_peer", "mae_vs_ql",
                                     "priority_mean_vs_fifo_own_green", "mean_vs_best_blind_peer",
                                     "p95_vs_best_blind_peer"}
    assert report["targets"]["overtaken_within_bound"] is True
    assert report["result"]["max_overtaken"] <= report["overtake_bound"]
    assert report["pooled_target_applies"] is True
    trace = (tmp_path / "t.csv").read_text("utf-8").splitlines()
    assert trace[0] == ",".join(TRACE_COLUMNS) and len(trace) == report["tickets"] + 1


def test_bench_for_a_peer_policy_compares_with_the_other_peers():
    report, records = bench(load_scenario(SCENARIOS / "village-quiet.json"), "weights-green")
    assert report["policy"] == "weights-green"
    assert report["result"]["mean_wait_s"] == report["peers"]["weights-green"]["mean_wait_s"]
    assert "weights-green" not in report["best_peer"].values()


def test_cli_through_main(tmp_path, capsys):
    from yimen.cli import main

    out = tmp_path / "day.json"
    assert main(["sim", "generate", "--preset", "village", "--kind", "busy-monday", "--seed", "5",
                 "--out", str(out)]) == 0
    assert out.read_text("utf-8") == dumps(generate("village", "busy-monday", 5))
    assert main(["bench", "dispatch", "--scenario", str(out), "--policy", "fifo-own"]) == 0
    assert json.loads(capsys.readouterr().out)["policy"] == "fifo-own"
    assert main(["sim", "generate", "--all", "--seed", "2026", "--out-dir", str(tmp_path / "all")]) == 0
    assert sorted(p.name for p in (tmp_path / "all").iterdir()) == sorted(p.name for p in SCENARIOS.glob("*.json"))


@pytest.mark.parametrize(("content", "message"), [
    (None, "file not found"),
    ("[1, 2", "not valid JSON"),
    ('{"format": "other"}', "format must be"),
])
def test_cli_bad_input_is_one_line_and_status_2(tmp_path, capsys, content, message):
    from yimen.cli import main

    path = tmp_path / "s.json"
    if content is not None:
        path.write_text(content, "utf-8")
    assert main(["bench", "dispatch", "--scenario", str(path)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and message in err and err.startswith("error: ")


def test_cli_generate_needs_preset_and_kind(capsys):
    from yimen.cli import main

    assert main(["sim", "generate", "--kind", "quiet"]) == 2
    assert main(["sim", "generate", "--preset", "village", "--kind", "land-surge"]) == 2
    assert "no land" in capsys.readouterr().err
