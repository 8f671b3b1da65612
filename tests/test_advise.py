"""The layout advisor: on a tiny hand-made day the answer is obvious (the overloaded category is
learned by a comprehensive window), the constraints hold, and `yimen advise` prints it."""

from __future__ import annotations

import json

import pytest

from queue_server.sim.advise import AdviseError, Constraints, advise, layout_of, moves, search
from queue_server.sim.scenario import dumps, parse_scenario
from yimen.cli import main


def day(name: str = "tiny", shift: float = 0.0) -> dict:
    """Window 1 alone serves A and twenty A tickets arrive at once; windows 2 and 3 have little to
    do; window 4 is a dedicated D window with a little work of its own."""
    arrivals = [{"id": f"a{i}", "t": shift + i * 20.0, "category": "A", "service_s": 300.0} for i in range(20)]
    arrivals += [{"id": f"b{i}", "t": shift + i * 900.0, "category": "B", "service_s": 200.0} for i in range(4)]
    arrivals += [{"id": f"c{i}", "t": shift + 300 + i * 900.0, "category": "C", "service_s": 200.0}
                 for i in range(4)]
    arrivals += [{"id": f"d{i}", "t": shift + i * 600.0, "category": "D", "service_s": 240.0} for i in range(3)]
    return {"format": "yimen-scenario/1", "name": name,
            "windows": [{"id": 1, "serves": ["A"]}, {"id": 2, "serves": ["B", "C"]},
                        {"id": 3, "serves": ["C", "B"]}, {"id": 4, "serves": ["D"]}],
            "arrivals": arrivals}


def test_a_free_comprehensive_window_learns_the_overloaded_category():
    fitted, held = parse_scenario(day()), parse_scenario(day("later", shift=120.0))
    advice = advise([fitted], [held], Constraints(max_categories=3))
    proposed = dict(advice.proposed)
    assert any("A" in proposed[w] for w in (2, 3))
    for figures in (advice.fitted, advice.held_out):
        assert figures is not None
        assert figures["proposed"]["mean_wait_s"] < 0.7 * figures["hall"]["mean_wait_s"]
        assert figures["proposed"]["per_category"]["A"]["mean"] < figures["hall"]["per_category"]["A"]["mean"]
        assert figures["pooled"]["mean_wait_s"] <= figures["proposed"]["mean_wait_s"] + 1.0


@pytest.mark.parametrize("k", [2, 3])
def test_dedicated_windows_are_untouched_and_no_window_exceeds_k(k):
    advice = advise([parse_scenario(day())], constraints=Constraints(max_categories=k))
    proposed, hall = dict(advice.proposed), dict(advice.hall)
    assert advice.dedicated == (1, 4)
    assert proposed[1] == hall[1] == ("A",) and proposed[4] == hall[4] == ("D",)
    assert all(len(s) <= k for s in proposed.values())
    assert all(any(c in s for s in proposed.values()) for c in "ABCD")  # every category keeps a window
    assert advice.changes(), "learning A must help"


def test_every_move_keeps_the_constraints():
    hall = layout_of(parse_scenario(day()))
    fixed = frozenset({1, 4})
    for category in "ABCD":
        for layout in moves(hall, category, "ABCD", fixed, Constraints(max_categories=2)):
            now = dict(layout)
            assert now[1] == ("A",) and now[4] == ("D",)
            assert all(len(s) <= 2 for s in now.values())
            assert all(any(c in s for s in now.values()) for c in "ABCD")


def test_exclusive_category_and_explicit_dedicated_windows():
    advice = advise([parse_scenario(day())], constraints=Constraints(exclusive=frozenset({"A"})))
    assert [w for w, s in advice.proposed if "A" in s] == [1]
    best, _ = search([parse_scenario(day())], Constraints(dedicated=frozenset({1, 2, 3, 4})))
    assert best == layout_of(parse_scenario(day()))
    with pytest.raises(AdviseError, match="no window 9"):
        search([parse_scenario(day())], Constraints(dedicated=frozenset({9})))


def test_days_must_share_the_hall_windows():
    other = day("other")
    other["windows"] = other["windows"][:3]
    other["arrivals"] = [a for a in other["arrivals"] if a["category"] != "D"]
    with pytest.raises(AdviseError, match="not the hall's"):
        advise([parse_scenario(day())], [parse_scenario(other)])


def test_cli_prints_the_proposal_table_and_json(tmp_path, capsys):
    path = tmp_path / "tiny.json"
    path.write_text(dumps(day()), "utf-8")
    assert main(["advise", "--scenario", str(path), "--holdout", str(path), "--max-categories", "3"]) == 0
    text = capsys.readouterr().out
    assert "Proposed layout" in text and "(dedicated)" in text and "held-out days" in text
    assert "mean wait cut" in text and "pooled bound" in text
    assert main(["advise", "--scenario", str(path), "--json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["hall"]["1"] == ["A"] and doc["proposed"]["1"] == ["A"] and doc["held_out"] is None
    assert any("A" in c["after"] for c in doc["changes"])
    assert doc["fitted"]["proposed"]["mean_wait_s"] < doc["fitted"]["hall"]["mean_wait_s"]


@pytest.mark.parametrize("argv, message", [
    (["--dedicated", "x"], "--dedicated must be window numbers"),
    (["--max-categories", "0"], "at least 1"),
])
def test_cli_bad_input_is_one_line_and_status_2(tmp_path, capsys, argv, message):
    path = tmp_path / "tiny.json"
    path.write_text(dumps(day()), "utf-8")
    assert main(["advise", "--scenario", str(path), *argv]) == 2
    assert message in capsys.readouterr().err
    assert main(["advise", "--scenario", str(tmp_path / "missing.json")]) == 2
    assert "file not found" in capsys.readouterr().err
