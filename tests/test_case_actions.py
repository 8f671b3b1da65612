"""The steps a case offers now (`actions` in the case view, what the console shows as buttons):
exactly those its lifecycle and its clock allow, checked against the rules they come from."""

from __future__ import annotations

from datetime import date

from queue_server.cases import Case
from queue_server.casework import CROSS_REGION_ACTIONS, STATUSES, TRANSITIONS, Pause, next_status


def case(status: str, paused: bool = False) -> Case:
    c = Case("3301002026112300001", "tok", "SHBX-002", "committed", "person", "张*", None, "window", 1, "clerk1",
             None, [], 20, 10, "window", 0.0, date(2026, 11, 23), status=status)
    if paused:
        c.pauses.append(Pause(date(2026, 11, 23), None, "专家评审"))
    return c


def test_every_offered_step_is_one_the_rules_allow_and_every_allowed_step_is_offered():
    for status in STATUSES:
        offered = case(status).actions()
        for action in TRANSITIONS:
            allowed = (status in TRANSITIONS[action][0] and action != "resume" and action not in CROSS_REGION_ACTIONS
                       and action != "delivered")  # a window delivery: nothing in the mail
            assert (action in offered) == allowed, (status, action)
            if action in offered:
                next_status(status, action)  # would not raise


def test_a_stopped_clock_offers_resume_and_no_decision():
    running, stopped = case("in_progress").actions(), case("in_progress", paused=True).actions()
    assert "pause" in running and "resume" not in running and "decide" in running
    assert "resume" in stopped and "pause" not in stopped
    assert "decide" not in stopped and "withdraw" not in stopped
    assert case("handed_over").actions() == ["archive"] and case("archived").actions() == []


def test_mailing_to_a_region_is_offered_only_for_a_cross_region_case():
    local, cross = case("accepted"), case("accepted")
    cross.region = "四川省成都市武侯区"
    assert "send_to_region" not in local.actions() and "send_to_region" in cross.actions()
    cross.status = "in_progress"
    assert {"send_to_region", "result_received"} <= set(cross.actions())


def test_signing_for_the_mail_is_offered_once_and_only_for_an_ems_delivery():
    mailed = case("handed_over")
    mailed.delivery = "ems"
    assert mailed.actions() == ["delivered", "archive"]
    mailed.delivered_on = date(2026, 12, 11)
    assert mailed.actions() == ["archive"]
