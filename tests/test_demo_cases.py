"""`yimen demo`'s case history: written through the real service in the past, it leaves the
supervision board alive today — green, yellow and one red case — and survives a restart."""

from __future__ import annotations

from queue_server.numbering import business_day
from queue_server.service import HallService
from tests.support.hall import at
from yimen.demo_cases import PLANS, seed_cases


def test_the_demo_hall_has_green_yellow_and_one_red_case(township, store):
    now = at("2026-12-03 09:00")
    numbers = seed_cases(store, township, now)
    assert len(numbers) == len(PLANS) == len(set(numbers))
    service = HallService(township, store, clock=lambda: now)  # the demo's own service, today
    board = service.cases.board(business_day(now))
    assert board["counts"]["red"] == 1 and board["counts"]["yellow"] == 2 and board["counts"]["green"] >= 2
    assert board["overdue"][0]["overdue_days"] == 2
    statuses = sorted(service.cases.get(n).status for n in numbers)
    assert {"awaiting_materials", "returned", "handed_over"} <= set(statuses)
    raised = sorted(e.data["kind"] for e in store.events() if e.type == "staff_alert" and e.data["source"].startswith("case:"))
    assert raised.count("case_overdue") == 1 and raised.count("case_due") >= 2  # each case alerted once per colour
    today = [a.kind for a in service.hall.state.desk.alerts if a.source.startswith("case:")]
    assert today.count("case_due") >= 1  # at least the case due today turned yellow today
