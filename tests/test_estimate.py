"""The wait estimate: hand-computable cases, the range, and the hall's use of it."""

from __future__ import annotations

import math
from dataclasses import replace
from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from queue_server.dispatch import Rules, Waiting, WindowView, choose_next, overtaken_by
from queue_server.estimate import (
    EXPECTED_PAUSE_S,
    PAUSE_CV,
    Busy,
    QueueFronts,
    ReplayInput,
    SlotStats,
    busy_left,
    estimate_all,
    expected_arrivals,
    priority_shares,
    replay,
    residual,
)
from queue_server.hall import Hall
from queue_server.numbering import day_start
from queue_server.outlook import quote_key
from queue_server.sim.replay import hall_config
from queue_server.sim.scenario import parse_scenario
from queue_server.state import IssueRequest

RULES = Rules(max_overtake=3, promote_after_s=45 * 60, preference_step_s=120)
EXACT = SlotStats(no_show_share=0.0, no_show_s=60.0, service_cv=0.6)  # every call is a full service
A = WindowView(1, ("A",))


def tickets(*queued: float, category: str = "A") -> list[Waiting]:
    return [Waiting(f"t{i}", category, q, i) for i, q in enumerate(queued)]


def median(mean: float, n: int, cv: float = 0.6) -> float:
    """The point told for a wait of `n` full services of mean `mean / n` each: the median of a
    skewed wait, mean / √(1 + (σ/mean)²) with σ = cv · (mean / n) · √n."""
    return mean / math.sqrt(1 + cv * cv / n)


def test_one_window_three_waiting_ten_minutes_each():
    est = estimate_all([Busy(A)], tickets(0, 1, 2), 10, RULES, {"A": 600.0}, EXACT)
    assert [est[f"t{i}"].ahead for i in range(3)] == [0, 1, 2]
    # Means 0, 600 and 1200 s; the point told is the median of the skewed wait: 514 s and 1105 s.
    assert [est[f"t{i}"].wait_s for i in range(3)] == pytest.approx([0.0, median(600, 1), median(1200, 2)])
    assert est["t1"].wait_s == pytest.approx(514.5, abs=0.1)


def test_two_windows_share_the_queue():
    windows = [Busy(A), Busy(WindowView(2, ("A",)))]
    est = estimate_all(windows, tickets(0, 1, 2, 3), 10, RULES, {"A": 600.0}, EXACT)
    # t2 and t3 are called after one service (mean 600 s); σ = √(Σ variance booked on both
    # windows) / 2: one 360-s service each when t2 is called, and t2's own as well for t3.
    var = 360.0 ** 2
    points = [600 / math.sqrt(1 + (math.sqrt(k * var) / 2 / 600) ** 2) for k in (2, 3)]
    assert [est[f"t{i}"].wait_s for i in range(4)] == pytest.approx([0.0, 0.0, *points])


def test_what_is_left_of_a_service_depends_on_how_long_it_has_run():
    # Hand-computed: lognormal, mean 600 s, CV 0.6 → s² = ln 1.36, μ = ln 600 − s²/2. Having run
    # 480 s: d = (μ − ln 480)/s = 0.1251, E[S | S > 480] = 600·Φ(d + s)/Φ(d) = 600·0.7518/0.5498
    # = 820.5 s, so 340 s are left — a service that has run 8 of its typical 10 min is probably
    # one of the long ones, not nearly done.
    left, var = residual(600.0, 0.6, 480.0)
    assert left == pytest.approx(340.5, abs=1.0)
    assert 0 < var < (0.6 * 600) ** 2
    assert residual(600.0, 0.6, 0.0) == (600.0, pytest.approx(360.0 ** 2))  # just begun: the whole mean
    assert residual(600.0, 0.6, 60.0)[0] == pytest.approx(545, abs=5)  # barely begun: about mean − elapsed
    assert residual(600.0, 0.6, 1e7)[0] == 150.0  # far past anything expected: a short, uncertain rest


def test_a_busy_window_is_free_after_the_rest_of_its_service():
    busy = Busy(A, since=720.0, category="A")
    assert busy_left(busy, 1200.0, {"A": 600.0})[0] == pytest.approx(340.5, abs=1.0)
    # One person waiting, the window 8 min into a typical 10-min service: called in about 5.7 min.
    est = estimate_all([busy], tickets(1100), 1200, RULES, {"A": 600.0}, EXACT)
    left, var = residual(600.0, 0.6, 480.0)
    assert est["t0"].wait_s == pytest.approx(left / math.sqrt(1 + var / left ** 2))
    assert est["t0"].ahead == 0
    assert est["t0"].low_s <= est["t0"].wait_s <= est["t0"].high_s < 20 * 60  # not "1–24 min"


def test_the_current_service_s_own_typical_length_counts():
    # The window serves a matter that typically takes 20 min (category mean 10): 8 min in, far more is left.
    short = Busy(A, since=720.0, category="A")
    long = Busy(A, since=720.0, category="A", mean_s=1200.0)
    assert busy_left(long, 1200.0, {"A": 600.0})[0] == pytest.approx(residual(1200.0, 0.6, 480.0)[0])
    assert busy_left(long, 1200.0, {"A": 600.0})[0] > busy_left(short, 1200.0, {"A": 600.0})[0] + 300


def test_a_waiting_ticket_s_own_service_lengthens_the_wait_behind_it():
    base = estimate_all([Busy(A)], tickets(0, 1), 10, RULES, {"A": 600.0}, EXACT)
    est = replay(ReplayInput((Busy(A),), tuple(tickets(0, 1)), 10, RULES, {"A": 600.0}, EXACT,
                             service_s={"t0": 1200.0}))[0]
    assert est["t0"].wait_s == 0.0
    assert est["t1"].wait_s == pytest.approx(2 * base["t1"].wait_s)  # t0's matter takes 20 min, not 10


def test_a_paused_window_is_counted_on_after_what_is_left_of_a_pause():
    paused = Busy(A, paused_since=0.0)
    assert busy_left(paused, 0.0, {})[0] == EXPECTED_PAUSE_S
    left, _ = busy_left(paused, 60.0, {})
    assert left == pytest.approx(residual(EXPECTED_PAUSE_S, PAUSE_CV, 60.0)[0])
    assert EXPECTED_PAUSE_S - 120 < left < EXPECTED_PAUSE_S  # a minute in: most of a typical pause
    # An hour in, it is no coffee break: it is not expected back in a minute or two.
    assert busy_left(paused, 3600.0, {})[0] > 10 * 60
    est = estimate_all([paused], tickets(0), 60, RULES, {"A": 600.0}, EXACT)
    assert est["t0"].wait_s <= left and est["t0"].high_s > left


def test_no_shows_shorten_the_cost_of_a_call():
    stats = SlotStats(no_show_share=0.5, no_show_s=60.0, service_cv=0.6)
    assert stats.cost(600.0) == 330.0
    est = estimate_all([Busy(A)], tickets(0, 1), 10, RULES, {"A": 600.0}, stats)
    # the mean is 330 s; the point told is its median (σ² = the services' and the coin's variance)
    sigma = math.sqrt(stats.variance(600.0))
    assert est["t1"].wait_s == pytest.approx(330.0 / math.sqrt(1 + (sigma / 330.0) ** 2))


def test_nobody_open_serves_it_gives_an_open_ended_range():
    est = estimate_all([Busy(A)], tickets(0, category="B"), 10, RULES, {"A": 600.0})
    assert math.isinf(est["t0"].wait_s) and math.isinf(est["t0"].high_s)


def test_expected_priority_tickets_go_ahead_and_are_not_people_ahead():
    waiting = tickets(0, 1)
    coming = [Waiting("p", "A", 300, 99, priority=True)]
    plain = estimate_all([Busy(A)], waiting, 10, RULES, {"A": 600.0}, EXACT)
    ahead = estimate_all([Busy(A)], waiting, 10, RULES, {"A": 600.0}, EXACT, expected=coming)
    assert "p" not in ahead
    assert plain["t1"].wait_s == pytest.approx(median(600, 1))
    assert ahead["t1"].wait_s == pytest.approx(median(1200, 2))  # the priority ticket came at 300 s and went first
    assert ahead["t1"].ahead == 1


def test_expected_arrivals_follow_the_recent_pace():
    issued = [(t, "A") for t in range(600, 3601, 600)]  # six in the last hour
    out = expected_arrivals(issued, now=3600, opened_at=0, horizon_s=3600)
    assert [round(t.queued_at) for t in out] == [3900, 4500, 5100, 5700, 6300, 6900]
    assert all(t.priority and t.category == "A" for t in out)
    assert expected_arrivals(issued, now=300, opened_at=0) == []  # too early in the day to tell


def test_expected_priority_tickets_follow_each_category_s_arrivals_times_its_share():
    issued = [(t, "A") for t in range(600, 3601, 600)]  # six A tickets in the last hour
    # Hall share: (0.1·20 + 2 priority) / (20 + 10 tickets) = 0.1333; A's: (0.1333·20 + 1) / (20 + 6).
    shares = priority_shares([("A", True), *[("A", False)] * 5, ("B", True), *[("B", False)] * 3])
    assert shares["A"] == pytest.approx((4 / 30 * 20 + 1) / 26)
    out = expected_arrivals(issued, now=3600, opened_at=0, horizon_s=7200, share={"A": 0.25})
    # 6 × 0.25 = 1.5 an hour: one every 40 min, the first after half a gap
    assert [round(t.queued_at) for t in out] == [4800, 7200, 9600]
    assert expected_arrivals(issued, now=3600, opened_at=0, share={"A": 0.0}) == []


def test_range_contains_the_point_and_widens_with_the_wait():
    est = estimate_all([Busy(A)], tickets(*range(8)), 10, RULES, {"A": 600.0})
    widths = []
    for e in est.values():
        assert 0 <= e.low_s <= e.wait_s <= e.high_s
        widths.append(e.high_s - e.low_s)
    assert widths == sorted(widths)
    assert est["t0"].low_s == 0.0  # a free window: 0 to a couple of minutes


def test_slot_stats_learn_from_the_day():
    prior = SlotStats.from_day(0, 0, 0.0)
    assert prior == SlotStats()
    many = SlotStats.from_day(190, 90, 90 * 60.0, [(100, 0.04)])
    assert many.no_show_share == pytest.approx((0.05 * 10 + 90) / 200)
    assert many.service_cv < prior.service_cv


def test_hall_estimate_at_issue_is_the_production_replay():
    scenario = parse_scenario({
        "format": "yimen-scenario/1", "categories": {"A": {"service_min": 10}},
        "windows": [{"id": 1, "serves": ["A"]}], "arrivals": []})
    day = date(2026, 11, 23)
    hall = Hall(hall_config(scenario), day)
    t0 = day_start(day) + 9 * 3600
    hall.apply(hall.open_window(1, t0))
    waits = []
    for seq in range(1, 4):
        event = hall.issue(IssueRequest(category="A"), t0, seq, f"tok{seq}")
        hall.apply(event)
        waits.append(event.data["estimate"]["wait_s"])
    # The 10-min prior, less the 5 % no-show prior (a no-show costs the window 60 s).
    slot = 0.95 * 600 + 0.05 * 60
    var = SlotStats().variance(600.0)  # the services' spread and the no-show coin
    assert waits == [0.0, *(round(k * slot / math.sqrt(1 + k * var / (k * slot) ** 2), 1) for k in (1, 2))]
    live = hall.estimates(t0)
    assert [live[t.id].ahead for t in hall.waiting()] == [0, 1, 2]
    assert live[quote_key("A")].ahead == 3  # what a ticket taken now would be told


# ---------------------------------------------------------------- the replay sees only queue fronts


@st.composite
def queue_states(draw):
    """A random queue in some categories, some priority tickets, some transferred to a window, and
    some priority tickets already called (which passed the ordinary ones queued before them)."""
    categories = "ABC"
    n = draw(st.integers(1, 40))
    tickets = [Waiting(f"t{i}", draw(st.sampled_from(categories)), float(draw(st.integers(0, 3600))), i,
                       priority=draw(st.booleans()) and draw(st.booleans()),
                       target_window=draw(st.sampled_from([None] * 6 + [1, 2])))
               for i in range(n)]
    serves = tuple(draw(st.permutations(categories))[:draw(st.integers(1, 3))])
    return tickets, WindowView(draw(st.sampled_from([1, 2])), serves), draw(st.integers(0, 3)), float(draw(st.integers(0, 7200)))


@given(queue_states())
@settings(max_examples=400, deadline=None)
def test_the_fronts_of_the_queues_give_the_dispatcher_s_own_choice(state):
    """The replay offers a window only the front of each category (QueueFronts): the production
    dispatcher must choose exactly what it would choose seeing every ticket."""
    tickets, window, passes, now = state
    rules = Rules(max_overtake=2, promote_after_s=45 * 60, preference_step_s=120)
    queues = QueueFronts(tickets, rules.max_overtake)
    everyone = list(tickets)
    for _ in range(passes):  # priority tickets called earlier at this window pass those before them
        choice = choose_next(window, queues.candidates(window, now), now, rules)
        if choice is None:
            break
        called = next(t for t in everyone if t.ticket_id == choice.ticket_id)
        passed = set(overtaken_by(called, window, everyone))
        everyone = [replace(t, overtaken=t.overtaken + 1) if t.ticket_id in passed else t
                    for t in everyone if t.ticket_id != called.ticket_id]
        queues.take(called, window)
    present = [t for t in everyone if t.queued_at <= now]
    full = choose_next(window, present, now, rules)
    fronts = choose_next(window, queues.candidates(window, now), now, rules)
    assert (full and full.ticket_id) == (fronts and fronts.ticket_id)


def test_a_quote_without_a_background_replay_is_never_older_than_half_a_minute():
    """A hall without a server's background replay (the simulator) replays before quoting once its
    forecast is older than MAX_AGE_S: a service running long since is not "about to end"."""
    scenario = parse_scenario({
        "format": "yimen-scenario/1", "categories": {"A": {"service_min": 10}},
        "windows": [{"id": 1, "serves": ["A"]}], "arrivals": []})
    day = date(2026, 11, 23)
    hall = Hall(hall_config(scenario), day)
    t0 = day_start(day) + 9 * 3600
    hall.apply(hall.open_window(1, t0))
    hall.apply(hall.issue(IssueRequest(category="A"), t0, 1, "tok1"))
    hall.apply(hall.call_next(1, t0))
    hall.apply(hall.start(1, t0))
    assert hall.quote("A", t0 + 10).wait_s > 400  # a 10-min service just begun
    # 30 min later, nothing has happened: the service has overrun; what is left of it is told
    late = hall.quote("A", t0 + 1800)
    left, var = residual(600.0, 0.6, 1800.0)  # nothing learnt yet: the prior mean and CV
    assert late.wait_s == pytest.approx(left / math.sqrt(1 + var / left ** 2), rel=0.01)
    assert late.wait_s > 4 * 60  # the forecast of 30 min ago would say 0: "any moment now"
