"""`yimen demo`'s past: four weeks of played working days and the demo's cases, in time order, so a
visitor's reports, charts, attendance and case board are alive — and the two never collide."""

from __future__ import annotations

import dataclasses
from datetime import timedelta

from queue_server.auth import Accounts
from queue_server.config import Hours
from queue_server.numbering import business_day
from queue_server.reporting import build_report
from queue_server.reports import period
from queue_server.service import HallService
from queue_server.sim.history import working_days
from tests.support.hall import at
from yimen.demo_cases import PLANS
from yimen.demo_history import add_clerks, history_days, seed_history


def test_a_fresh_demo_hall_has_a_month_of_reports_and_its_case_board(township, store):
    now = at("2026-12-03 08:30")  # a Thursday: the demo's hall clock starts at the opening
    today = business_day(now)
    add_clerks(Accounts(store), township, "demo-pass", now)
    seeded = seed_history(store, township, now)
    first, last = history_days(today)
    assert seeded.days == len(working_days(township, first, last)) >= 18
    assert len(seeded.cases) == len(PLANS) == len(set(seeded.cases))

    report = build_report(store, township, period("custom", today - timedelta(days=30), today), today)
    days = [d for d in report["by"]["day"] if d["issued"]]
    assert len(days) >= 15 and report["totals"]["issued"] == seeded.tickets
    assert report["totals"]["rated"] > 0 and report["totals"]["bad"] > 0
    assert report["cases"]["totals"]["opened"] > len(PLANS) and report["cases"]["totals"]["finished"] > 0
    names = {row["clerk"]: row["name"] for row in report["attendance"]}
    assert names["clerk1"] == "王芳" and len(names) == len(township.windows) and "clerk7" in names
    assert all(row["days"] >= 15 for row in report["attendance"])
    assert report["follow_ups"]["bad_items"] > 0 and report["charts"]["heatmap"]["cells"]

    # The live demo's own service (around the clock) starts on it: nothing skipped, the board as planned.
    live = dataclasses.replace(township, hours=Hours(tuple(range(1, 8)), (("00:00", "23:59"),), 0))
    service = HallService(live, store, clock=lambda: now)
    assert service.skipped == []
    board = service.cases.board(today)
    assert board["counts"]["red"] >= 1 and board["counts"]["yellow"] >= 2
    assert {"awaiting_materials", "returned", "handed_over"} <= {service.cases.get(n).status for n in seeded.cases}
    numbers = [e.data["case"] for e in store.events() if e.type == "case_opened"]
    assert len(numbers) == len(set(numbers))  # one number sequence for the played cases and the demo's
    assert store.events()[-1].at < now  # all of it before the live demo's first moment
