"""The hall's state machine: the ticket lifecycle, its refusals, and rebuilding from events."""

from __future__ import annotations

from datetime import date

import pytest

from queue_server.errors import Conflict, Invalid, NotFound
from queue_server.hall import Hall
from tests.support.domain import T0, Driver
from tests.support.hall import at


@pytest.fixture
def d(township) -> Driver:
    driver = Driver(township)
    for w in township.windows:
        driver.do("open_window", w.number)
    return driver


def test_numbers_are_prefix_and_daily_sequence(d):
    numbers = [d.issue(category="A").data["number"] for _ in range(3)] + [d.issue(category="D").data["number"]]
    assert numbers == ["A001", "A002", "A003", "D001"]
    assert d.ticket("A002").id == "20261123-A002"


def test_call_next_completes_the_previous_ticket(d):
    d.issue(category="D")
    d.issue(category="D")
    first = d.do("call_next", 5)
    assert first.data["number"] == "D001" and first.data["finished"] is None
    d.now += 300
    second = d.do("call_next", 5)
    assert second.data["finished"] == {"ticket": "20261123-D001", "number": "D001", "outcome": "served"}
    assert d.ticket("D001").outcome == "served" and d.ticket("D001").finished_at == T0 + 300
    assert d.hall.state.windows[5].current == "20261123-D002"


def test_nothing_waiting_is_a_clear_conflict(d):
    with pytest.raises(Conflict, match="nobody is waiting for window 6") as exc:
        d.do("call_next", 6)
    assert exc.value.code == "nothing_waiting"


def test_window_never_calls_a_category_it_does_not_serve(d):
    d.issue(category="E")
    with pytest.raises(Conflict, match="nobody is waiting for window 5"):
        d.do("call_next", 5)
    with pytest.raises(Conflict, match="window 5 does not serve category E"):
        d.do("call_number", 5, "E001")


def test_recall_limit_turns_into_no_show(d):
    d.issue(category="A")
    d.do("call_next", 1)
    assert d.do("recall", 1).data["recalls"] == 1
    assert d.do("recall", 1).data["recalls"] == 2
    event = d.do("recall", 1)  # the third recall is past the limit of 2
    assert event.type == "ticket_no_show" and event.data["reason"] == "recall_limit"
    assert d.ticket("A001").outcome == "no_show"
    assert d.hall.state.windows[1].current is None


def test_skip_and_rejoin_at_the_back(d):
    d.issue(category="D")
    d.issue(category="D")
    d.do("call_next", 5)
    d.now += 60
    d.do("skip", 5)
    d.now += 60
    d.issue(category="D")
    d.now += 60
    rejoined = d.do("rejoin", "D001")
    assert rejoined.data["queued_at"] == d.now
    assert [t.number for t in d.hall.waiting()] == ["D002", "D003", "D001"]


def test_rejoin_keep_rule_keeps_the_original_place(township):
    d = Driver(township, no_show_rejoin="keep")
    d.do("open_window", 5)
    d.issue(category="D")
    d.now += 10
    d.issue(category="D")
    d.do("call_next", 5)
    d.do("skip", 5)
    d.do("rejoin", "D001")
    assert [t.number for t in d.hall.waiting()] == ["D001", "D002"]


def test_rejoin_refused_too_late_or_not_missed(township):
    d = Driver(township, no_show_rejoin="refuse")
    d.do("open_window", 5)
    d.issue(category="D")
    with pytest.raises(Conflict, match="not a no-show"):
        d.do("rejoin", "D001")
    d.do("call_next", 5)
    d.do("skip", 5)
    with pytest.raises(Conflict, match="does not let missed tickets rejoin"):
        d.do("rejoin", "D001")
    late = Driver(township)
    late.do("open_window", 5)
    late.issue(category="D")
    late.do("call_next", 5)
    late.do("skip", 5)
    late.now += 31 * 60
    with pytest.raises(Conflict, match="missed more than 30 min ago"):
        late.do("rejoin", "D001")


def test_transfer_to_a_category_keeps_the_place_and_to_a_window_reserves_it(d):
    d.issue(category="A")
    d.now += 10
    d.issue(category="F")
    d.do("call_next", 1)
    d.do("start", 1)
    d.now += 120
    moved = d.do("transfer", 1, to_category="F")
    assert moved.data["queued_at"] == T0  # "keep": it stays ahead of F001 who came later
    assert [t.number for t in d.hall.waiting()] == ["A001", "F001"]
    assert d.hall.state.windows[1].current is None
    called = d.do("call_next", 7)
    assert called.data["number"] == "A001"
    reserved = d.do("transfer", 7, to_window=3)
    assert reserved.data["to_window"] == 3
    with pytest.raises(Conflict, match="nobody is waiting for window 2"):
        d.do("call_next", 2)  # window 2 serves A but the ticket is reserved for window 3
    assert d.do("call_next", 3).data["reason_code"] == "targeted"


def test_transfer_needs_exactly_one_target(d):
    d.issue(category="A")
    d.do("call_next", 1)
    with pytest.raises(Invalid, match="exactly one"):
        d.do("transfer", 1)
    with pytest.raises(Invalid, match="unknown category 'Q'"):
        d.do("transfer", 1, to_category="Q")
    with pytest.raises(NotFound, match="no window 42"):
        d.do("transfer", 1, to_window=42)


def test_hold_then_call_back_by_number(d):
    d.issue(category="A")
    d.issue(category="A")
    d.do("call_next", 1)
    d.do("hold", 1)
    assert d.ticket("A001").status == "held"
    assert d.do("call_next", 1).data["number"] == "A002"
    again = d.do("call_number", 1, "A001")
    assert again.data["finished"]["number"] == "A002"
    assert d.ticket("A001").status == "called"
    d.do("hold", 1)
    with pytest.raises(Conflict, match="held by window 1"):
        d.do("call_number", 2, "A001")


def test_pause_needs_a_free_window_and_a_reason(d):
    d.issue(category="E")
    d.do("call_next", 6)
    with pytest.raises(Conflict, match="still has ticket E001"):
        d.do("pause", 6, "午休")
    d.do("complete", 6)
    with pytest.raises(Invalid, match="say why"):
        d.do("pause", 6, "  ")
    d.do("pause", 6, "系统故障")
    d.issue(category="E")
    with pytest.raises(Conflict, match=r"window 6 is paused \(系统故障\)"):
        d.do("call_next", 6)
    d.do("resume", 6)
    assert d.do("call_next", 6).data["number"] == "E002"


def test_closed_window_cannot_call(township):
    d = Driver(township)
    d.issue(category="A")
    with pytest.raises(Conflict, match="window 1 is closed; open it first"):
        d.do("call_next", 1)


def test_cancel_only_waiting_or_held(d):
    d.issue(category="A")
    d.issue(category="A")
    d.do("cancel", "A002", reason="changed mind")
    assert d.ticket("A002").outcome == "cancelled"
    d.do("call_next", 1)
    with pytest.raises(Conflict, match="only waiting or held"):
        d.do("cancel", "A001")
    with pytest.raises(NotFound, match="no ticket A099 today"):
        d.do("cancel", "A099")


def test_one_active_ticket_per_person_per_matter(d):
    key = "a" * 64
    d.issue(matter=d.hall.config.matters[0].code, person_key=key)
    with pytest.raises(Conflict, match="already holds ticket A001 for the same matter"):
        d.issue(matter=d.hall.config.matters[0].code, person_key=key)
    other = next(m for m in d.hall.config.matters if m.category == "A" and m.code != d.hall.config.matters[0].code)
    assert d.issue(matter=other.code, person_key=key).data["number"] == "A002"
    d.do("call_next", 1)
    d.do("complete", 1)
    assert d.issue(matter=d.hall.config.matters[0].code, person_key=key).data["number"] == "A003"


def test_elderly_priority_comes_from_the_birth_date(d):
    young = d.issue(category="A", birth_date=date(1990, 1, 1))
    old = d.issue(category="A", birth_date=date(1966, 11, 23))  # 60 today
    assert young.data["priority"] is None and old.data["priority"] == "elderly"
    assert "birth_date" not in old.data  # never stored
    with pytest.raises(Invalid, match="starts at age 60"):
        d.issue(category="A", birth_date=date(1966, 11, 24), priority="elderly")
    with pytest.raises(Invalid, match="needs the birth date"):
        d.issue(category="A", priority="elderly")
    with pytest.raises(Invalid, match="not used in this hall"):
        d.issue(category="A", priority="vip")
    assert d.do("call_next", 1).data["number"] == "A002"


def test_matter_decides_the_category(d):
    matter = next(m for m in d.hall.config.matters if m.category == "E")
    assert d.issue(matter=matter.code).data["number"] == "E001"
    with pytest.raises(Invalid, match=f"matter {matter.code} belongs to category E, not A"):
        d.issue(matter=matter.code, category="A")
    with pytest.raises(Invalid, match="unknown matter"):
        d.issue(matter="NOPE-1")
    with pytest.raises(Invalid, match="say which category or matter"):
        d.issue()


def test_appointment_queues_at_its_slot(d):
    d.now = at("2026-11-23 09:40")
    d.issue(category="E")  # a walk-in at 09:40
    d.now = at("2026-11-23 09:50")
    booked = d.issue(category="E", appointment={"code": "YY123", "slot_start": at("2026-11-23 09:30"),
                                                 "slot_end": at("2026-11-23 10:00")})
    assert booked.data["queued_at"] == at("2026-11-23 09:30")
    assert [t.number for t in d.hall.waiting()] == ["E002", "E001"]
    with pytest.raises(Conflict, match="check-in opens 30 min before"):
        d.issue(category="E", appointment={"slot_start": at("2026-11-23 11:00"), "slot_end": at("2026-11-23 11:30")})
    late = d.issue(category="E", appointment={"slot_start": at("2026-11-23 09:00"), "slot_end": at("2026-11-23 09:30")})
    assert late.data["queued_at"] == d.now and late.data["appointment"]["on_time"] is False


def test_issue_reports_people_ahead_and_a_range(d):
    for _ in range(3):
        d.issue(category="E")
    fourth = d.issue(category="E").data["estimate"]
    assert fourth["ahead"] == 3
    assert fourth["low_s"] <= fourth["wait_s"] <= fourth["high_s"]
    # one window, three 15-minute services ahead: the point estimate is near 45 min
    assert 2 * 15 * 60 < fourth["wait_s"] <= 3.3 * 15 * 60


def test_rebuilding_from_the_events_gives_the_same_state(d):
    d.issue(category="A")
    d.issue(category="D", birth_date=date(1940, 5, 5))
    d.issue(category="A")
    d.do("call_next", 1)
    d.now += 100
    d.do("recall", 1)
    d.do("call_next", 5)
    d.do("hold", 5)
    d.do("transfer", 1, to_category="C")
    d.do("pause", 2, "学习")
    rebuilt = Hall(d.hall.config, d.hall.state.day)
    for event in d.events:
        rebuilt.apply(event)
    assert rebuilt.state == d.hall.state


def test_close_day_expires_what_is_left(d):
    d.issue(category="A")
    d.issue(category="A")
    d.do("call_next", 1)
    event = d.do("close_day")
    assert sorted(event.data["expired"]) == ["20261123-A001", "20261123-A002"]
    assert {t.outcome for t in d.hall.state.tickets.values()} == {"expired"}
