"""The case rules: the lifecycle refuses what a real case cannot do, and deadlines count working days
against the State Council's published arrangements of 2025 and 2026."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from queue_server.casework import (
    FINISHED,
    RED,
    STATUSES,
    TRANSITIONS,
    YELLOW,
    Pause,
    due_date,
    next_status,
    supervise,
)
from queue_server.errors import Conflict, Invalid
from queue_server.workdays import WorkCalendar

CAL = WorkCalendar()


# ---------------------------------------------------------------- lifecycle


def test_a_committed_case_runs_from_receipt_to_archive():
    path = ["accept", "step", "step", "decide", "result_ready", "hand_over", "archive"]
    status = "received"
    seen = []
    for action in path:
        status = next_status(status, action)
        seen.append(status)
    assert seen == ["accepted", "in_progress", "in_progress", "decided", "result_ready", "handed_over", "archived"]


def test_an_incomplete_case_waits_for_materials_then_continues():
    status = next_status("received", "accept_incomplete")
    assert status == "awaiting_materials"
    with pytest.raises(Conflict):
        next_status(status, "decide")  # nothing is decided on half the materials
    assert next_status(status, "materials_complete") == "accepted"


@pytest.mark.parametrize("status", sorted(FINISHED))
def test_a_finished_case_cannot_be_withdrawn_or_decided(status):
    for action in ("withdraw", "decide", "step", "accept"):
        with pytest.raises(Conflict) as refused:
            next_status(status, action)
        assert "cannot" in refused.value.message


def test_withdrawal_is_possible_until_the_decision_only():
    assert next_status("in_progress", "withdraw") == "withdrawn"
    with pytest.raises(Conflict, match="decided"):
        next_status("decided", "withdraw")


def test_every_transition_leads_to_a_known_status_and_unknown_actions_are_invalid():
    for allowed, to in TRANSITIONS.values():
        assert allowed <= STATUSES.keys() and (to is None or to in STATUSES)
    with pytest.raises(Invalid):
        next_status("received", "approve_quickly")


# ---------------------------------------------------------------- deadlines against the published calendar


def test_five_days_accepted_the_day_before_national_day_2025():
    # 2025: 1–8 October off; Saturday 11 October is a make-up working day.
    due = due_date(date(2025, 9, 30), 5, CAL)
    assert due.day == date(2025, 10, 14) and not due.provisional  # 9, 10, 11 (Sat), 13, 14


def test_five_days_accepted_the_day_before_national_day_2026():
    # 2026: 1–7 October off; Saturday 10 October is a make-up working day.
    due = due_date(date(2026, 9, 30), 5, CAL)
    assert due.day == date(2026, 10, 13) and not due.provisional  # 8, 9, 10 (Sat), 12, 13


def test_the_day_of_acceptance_is_not_counted_and_a_weekend_is_skipped():
    assert due_date(date(2026, 12, 3), 1, CAL).day == date(2026, 12, 4)  # Thursday → Friday
    assert due_date(date(2026, 12, 4), 1, CAL).day == date(2026, 12, 7)  # Friday → Monday
    assert due_date(date(2026, 12, 4), 0, CAL).day == date(2026, 12, 4)


def test_a_deadline_in_an_unpublished_year_is_provisional():
    due = due_date(date(2026, 12, 28), 10, CAL)
    assert due.provisional  # 2027's arrangement is not in the calendar: shown as 预计
    assert due.day is not None and due.day.year == 2027 and due.day.isoweekday() <= 5
    assert not due_date(date(2026, 12, 1), 10, CAL).provisional


def test_the_halls_override_table_decides_an_unpublished_year():
    guess = due_date(date(2026, 12, 30), 2, CAL).day
    assert guess == date(2027, 1, 1)  # a weekday by guess
    published = WorkCalendar(holidays=frozenset({date(2027, 1, 1)}))
    assert due_date(date(2026, 12, 30), 2, published).day == date(2027, 1, 4)


def test_a_pause_for_inspection_moves_the_deadline_by_its_working_days():
    plain = due_date(date(2026, 11, 2), 5, CAL).day
    assert plain == date(2026, 11, 9)
    paused = due_date(date(2026, 11, 2), 5, CAL, [Pause(date(2026, 11, 4), date(2026, 11, 5), "现场核查")])
    assert paused.day == date(2026, 11, 11)  # two working days stopped → two later


def test_an_open_pause_gives_no_date_unless_the_deadline_came_first():
    running = [Pause(date(2026, 11, 4), None, "专家评审")]
    assert due_date(date(2026, 11, 2), 5, CAL, running).day is None
    assert due_date(date(2026, 11, 2), 1, CAL, running).day == date(2026, 11, 3)


# ---------------------------------------------------------------- supervision


def test_supervision_colours():
    due = date(2026, 12, 10)  # Thursday
    assert supervise(due, date(2026, 12, 7), CAL).colour == "green"  # 3 working days left
    assert supervise(due, date(2026, 12, 9), CAL) .colour == YELLOW  # 1 left
    assert supervise(due, date(2026, 12, 7), CAL, yellow_days=3).colour == YELLOW
    late = supervise(due, date(2026, 12, 15), CAL)
    assert (late.colour, late.overdue_days) == (RED, 3)  # Fri 11, Mon 14, Tue 15


# ---------------------------------------------------------------- properties

days = st.dates(min_value=date(2025, 1, 1), max_value=date(2026, 12, 31))


@settings(max_examples=200, deadline=None)
@given(start=days, n=st.integers(1, 60))
def test_deadlines_never_fall_on_a_day_off_and_grow_with_n(start, n):
    due = due_date(start, n, CAL).day
    assert due is not None and due > start and CAL.is_workday(due)[0]
    assert due_date(start, n + 1, CAL).day > due


@settings(max_examples=200, deadline=None)
@given(start=days, n=st.integers(1, 40), offset=st.integers(0, 30), length=st.integers(0, 20))
def test_a_pause_only_ever_pushes_the_deadline_later(start, n, offset, length):
    pause = Pause(start + timedelta(days=offset), start + timedelta(days=offset + length), "检测")
    plain, paused = due_date(start, n, CAL).day, due_date(start, n, CAL, [pause]).day
    assert paused >= plain and CAL.is_workday(paused)[0]
    if pause.start > plain:
        assert paused == plain  # a pause after the deadline changes nothing
