"""What a citizen is told must be true (issue 9 §A): people ahead counts only those the ticket's own
windows will call first; a category with no open window gets no time promise; a ticket unlikely to
be called before serving stops today says so. On the township preset, through the pure hall and
through the real API."""

from __future__ import annotations

import dataclasses
import math

import pytest

from queue_server.outlook import quote_key
from queue_server.views import missed_note
from tests.support.domain import Driver
from tests.support.hall import at


def open_all_but(d: Driver, *closed: int) -> Driver:
    for w in d.hall.config.windows:
        if w.number not in closed:
            d.do("open_window", w.number)
    return d


@pytest.fixture
def d(township) -> Driver:
    return Driver(township)


def estimate_of(d: Driver, number: str):
    return d.hall.estimates(d.now)[d.ticket(number).id]


def test_an_e_ticket_behind_fifty_a_tickets_sees_only_the_e_tickets(d):
    open_all_but(d)
    for _ in range(50):
        d.issue(category="A")
    for _ in range(2):
        d.issue(category="E")
    third = d.issue(category="E")
    assert third.data["estimate"]["ahead"] == 2  # at issue (the slip)
    assert estimate_of(d, "E003").ahead == 2  # live (ticket page, API)
    assert d.hall.estimates(d.now)[quote_key("E")].ahead == 3  # a ticket taken now (kiosk, /)
    assert estimate_of(d, "E001").ahead == 0


def test_people_ahead_counts_what_the_ticket_s_windows_call_first(d):
    """Windows 3 (B, F, A) and 7 (F, B) serve F; A tickets queued before the F ticket are called
    first by window 3, so they count — tickets taken after it do not make its count grow."""
    open_all_but(d)
    for _ in range(6):
        d.issue(category="A")
    d.issue(category="F")
    before = estimate_of(d, "F001").ahead
    for _ in range(30):
        d.issue(category="A")
        d.issue(category="D")
    assert estimate_of(d, "F001").ahead == before
    assert before <= 6  # never the whole hall


def test_a_category_whose_only_window_is_closed_gets_no_time_promise(d):
    open_all_but(d, 5)  # window 5 is the only D window
    issued = d.issue(category="D").data["estimate"]
    assert issued["open_now"] is False and issued["opens_at"] is None  # a session is on: unknown
    assert issued["wait_s"] is None and issued["low_s"] is None and issued["high_s"] is None
    quote = d.hall.estimates(d.now)[quote_key("D")]
    assert quote.open_now is False and math.isinf(quote.high_s) and quote.ahead == 1
    assert d.hall.estimates(d.now)[quote_key("A")].open_now is True


def test_before_opening_the_estimate_starts_at_the_session(d):
    d.now = at("2026-11-23 08:00")  # the hall opens at 08:30; nobody has opened a window yet
    e = d.issue(category="E").data["estimate"]
    assert e["open_now"] is False and e["opens_at"] == at("2026-11-23 08:30")
    assert e["wait_s"] >= 30 * 60 and e["low_s"] >= 30 * 60


def test_in_the_lunch_break_a_closed_category_opens_after_lunch(d):
    open_all_but(d, 6)
    d.now = at("2026-11-23 12:10")
    quote = d.hall.estimates(d.now)[quote_key("E")]
    assert quote.open_now is False and quote.opens_at == at("2026-11-23 13:30")
    assert quote.wait_s >= 80 * 60


def test_a_ticket_unlikely_before_closing_is_told_so(d):
    open_all_but(d)
    d.now = at("2026-11-23 16:00")  # one hour left; E takes 15 min at its one window
    numbers = [d.issue(category="E").data for _ in range(8)]
    assert numbers[0]["estimate"]["beyond_closing"] is False
    assert numbers[-1]["estimate"]["beyond_closing"] is True
    assert numbers[0]["estimate"]["closes_at"] == at("2026-11-23 17:00")
    assert d.hall.estimates(d.now)[quote_key("E")].beyond_closing is True
    assert d.hall.estimates(d.now)[quote_key("A")].beyond_closing is False


async def test_the_api_tells_the_same_everywhere(hall):
    for w in (1, 2, 3, 4, 6, 7):  # window 5, the only D window, stays closed
        await hall.act(w, "open")
    for _ in range(50):
        await hall.post("/api/v1/tickets", json={"category": "A"}, expect=201)
    for _ in range(2):
        await hall.post("/api/v1/tickets", json={"category": "E"}, expect=201)
    _, e3 = await hall.post("/api/v1/tickets", json={"category": "E"}, expect=201)
    _, d1 = await hall.post("/api/v1/tickets", json={"category": "D"}, expect=201)
    assert e3["ahead"] == 2 and e3["estimate"]["ahead"] == 2
    _, page = await hall.get(f"/api/v1/status/{e3['token']}")
    assert page["estimate"]["ahead"] == 2 and page["estimate"]["open_now"] is True
    assert page["note"] == "过号后30分钟内可到窗口登记，重新排到队尾"
    assert d1["estimate"]["open_now"] is False
    assert d1["estimate"]["low_min"] is None and d1["estimate"]["high_min"] is None
    _, queue = await hall.get("/api/v1/queue")
    by_code = {q["code"]: q for q in queue["queues"]}
    assert by_code["E"]["waiting"] == 3 and by_code["E"]["estimate"]["ahead"] == 3
    assert by_code["D"]["estimate"]["open_now"] is False and by_code["D"]["estimate"]["high_min"] is None
    assert by_code["G"]["waiting"] == 0 and by_code["G"]["estimate"]["open_now"] is True


@pytest.mark.parametrize(("rule", "zh"), [
    ("refuse", "过号请重新取号"),
    ("keep", "过号后20分钟内可到窗口登记，恢复原来的排队位置"),
    ("back", "过号后20分钟内可到窗口登记，重新排到队尾"),
])
def test_the_missed_ticket_note_follows_the_hall_s_rule(township, rule, zh):
    calling = dataclasses.replace(township.calling, no_show_rejoin=rule, rejoin_within_min=20)
    assert missed_note(calling) == zh
    zh.encode("gb2312")  # the slip's printer font has every character
    assert missed_note(calling, "en").isascii()


def test_a_closed_window_planned_for_one_category_does_not_speed_up_another(d):
    """Window 4 (C, A, G) is closed; C is served only by windows 1 and 4. With window 1 also closed,
    C has no open window, and window 4 is planned in for C alone: A's figures are not improved by
    a window nobody sits at."""
    open_all_but(d, 1, 4)
    for _ in range(12):
        d.issue(category="A")
    alone = estimate_of(d, "A012")
    d.issue(category="C")
    assert estimate_of(d, "A012") == alone
    assert estimate_of(d, "C001").open_now is False
