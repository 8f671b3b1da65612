"""The cases and 差评 follow-ups span days, so a starting server folds them from the whole log; the
ones done with are kept packed (queue_server/shelf.py), a few hundred bytes instead of objects.
After a restart the server must hold the same open items and serve every other one exactly as before:
a finished case's page, its staff view, a person's cases, a closed follow-up."""

from __future__ import annotations

from datetime import date

from queue_server.casework import CLOCK_RUNS
from queue_server.service import Actor, HallService
from queue_server.store import Store
from tests.support.history import seed_history


def _everything(svc: HallService, today: date) -> dict:
    cases, fus = svc.cases, svc.follow_ups
    return {
        "cases": {n: cases.view(cases.get(n), today) for n in cases.items},
        "pages": {c.token: cases.public_view(cases.by_public_token(c.token), "") for c in cases.items.values()},
        "people": {c.person_key: [x.number for x in cases.of_person(c.person_key)]
                   for c in cases.items.values() if c.person_key},
        "running": [c.number for c in cases.items.live()],
        "board": cases.board(today),
        "follow_ups": {k: fus.view(fus.get(k), today) for k in fus.items},
        "open_follow_ups": [f.id for f in fus.items.live()],
    }


def test_a_restarted_server_has_the_same_open_items_and_serves_the_done_ones(tmp_path, township):
    store = Store.open(tmp_path / "data")
    first = seed_history(store, township, date(2026, 11, 9), date(2026, 11, 20), tickets_per_day=60)
    decided = [c.number for c in first.cases.items.values() if c.status == "decided"]
    assert len(decided) >= 2, "the generated fortnight decides some cases"
    clerk = Actor("clerk1", "clerk")
    for action in ("result_ready", "hand_over", "archive"):  # one case worked to the end: archived
        first.case_step(decided[0], action, clerk)
    today = first.hall.state.day
    before = _everything(first, today)
    assert before["cases"][decided[0]]["status"] == "archived" and before["cases"][decided[0]]["finished"]
    assert before["running"] and len(before["running"]) < len(before["cases"])  # the others are packed
    assert all(before["cases"][n]["status"] in CLOCK_RUNS for n in before["running"])
    closed = [k for k, v in before["follow_ups"].items() if v["state"] == "closed"]
    assert closed and before["open_follow_ups"] and set(closed).isdisjoint(before["open_follow_ups"])

    again = HallService(township, store, first.clock)  # the server started again on the same log
    assert again.skipped == []
    assert _everything(again, today) == before
    # A packed case read is a copy: reading it twice gives equal, separate objects; a step on it is kept.
    assert again.cases.get(decided[1]) == again.cases.get(decided[1])
    again.case_step(decided[1], "result_ready", clerk)
    assert again.cases.get(decided[1]).status == "result_ready"
    assert again.cases.get(decided[1]).history[-1]["action"] == "result_ready"
    store.close()
