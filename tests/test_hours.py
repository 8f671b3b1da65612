"""Opening hours: waits stretch over the lunch break; nothing is added after closing."""

from __future__ import annotations

import pytest

from queue_server.config import Hours
from queue_server.hours import over_breaks
from tests.support.domain import Driver
from tests.support.hall import at

HOURS = Hours((1, 2, 3, 4, 5), (("08:30", "12:00"), ("13:30", "17:00")), 15)


@pytest.mark.parametrize(("now", "wait_min", "expected_min"), [
    ("09:00", 30, 30),             # inside the morning session
    ("11:50", 5, 5),               # ends before lunch
    ("11:50", 30, 30 + 90),        # 10 min before lunch, 20 after: the 90-minute break is waited too
    ("12:30", 10, 60 + 10),        # taken during lunch: the afternoon opens first
    ("08:00", 10, 30 + 10),        # before opening
    ("16:50", 30, 30),             # after the last session nothing is added
    ("11:00", 400, 400 + 90),      # spans the whole afternoon and beyond
])
def test_waits_stretch_over_breaks(now, wait_min, expected_min):
    assert over_breaks(HOURS, at(f"2026-11-23 {now}"), wait_min * 60) == pytest.approx(expected_min * 60)


def test_a_ticket_before_lunch_is_told_about_the_break(township):
    d = Driver(township)
    d.do("open_window", 6)
    d.now = at("2026-11-23 11:40")
    for _ in range(3):
        d.issue(category="E")  # 15-minute services at one window: the third starts after 30 min
    third = d.hall.estimates(d.now)["20261123-E003"]
    assert third.wait_s > 90 * 60  # 20 min before lunch, the rest after 13:30
    assert d.hall.ticket("E003").estimate["wait_s"] > 90 * 60  # and so was the slip
