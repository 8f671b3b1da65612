"""The dispatcher's rules: hand-built cases, then properties over random queues."""

from __future__ import annotations

from dataclasses import replace

from hypothesis import given, settings
from hypothesis import strategies as st

from queue_server.dispatch import (
    REASON_CODES,
    Choice,
    Rules,
    Waiting,
    WindowView,
    choose_next,
    eligible,
    head_starts,
    overtaken_by,
)

RULES = Rules(max_overtake=2, promote_after_s=45 * 60, preference_step_s=120)
W1 = WindowView(1, ("A", "B"))


def w(ticket_id: str, category: str, queued_at: float, *, seq: int | None = None, priority: bool = False,
      overtaken: int = 0, target: int | None = None) -> Waiting:
    return Waiting(ticket_id, category, queued_at, seq if seq is not None else int(queued_at), priority,
                   overtaken, target)


def pick(window: WindowView, waiting: list[Waiting], now: float, rules: Rules) -> Choice:
    """choose_next where someone is to be called."""
    choice = choose_next(window, waiting, now, rules)
    assert choice is not None
    return choice


def test_nobody_to_call():
    assert choose_next(W1, [], 0, RULES) is None
    assert choose_next(W1, [w("c1", "C", 0)], 100, RULES) is None
    assert choose_next(W1, [w("a1", "A", 0, target=2)], 100, RULES) is None


def test_oldest_of_the_first_category():
    choice = choose_next(W1, [w("a2", "A", 20), w("a1", "A", 10), w("c1", "C", 0)], 100, RULES)
    assert choice is not None
    assert (choice.ticket_id, choice.reason_code) == ("a1", "preference")
    assert "preference 1 of window 1" in choice.reason


def test_preference_step_in_minutes():
    # B is the window's 2nd category: it goes first only if it has waited 2 minutes longer.
    near = [w("a1", "A", 100), w("b1", "B", 0)]  # b1 waited 100 s longer: not enough
    assert pick(W1, near, 1000, RULES).ticket_id == "a1"
    far = [w("a1", "A", 200), w("b1", "B", 0)]  # 200 s longer: b1 goes first
    assert pick(W1, far, 1000, RULES).ticket_id == "b1"
    strict = Rules(2, 45 * 60, preference_step_s=10 ** 9)
    assert pick(W1, far, 1000, strict).ticket_id == "a1"


def test_transferred_ticket_first():
    waiting = [w("a1", "A", 0, priority=True), w("b9", "B", 500, target=1), w("a2", "A", 10)]
    choice = pick(W1, waiting, 5000, RULES)
    assert (choice.ticket_id, choice.reason_code) == ("b9", "targeted")


def test_long_waiter_promoted_over_head_starts_but_not_over_priority():
    # a1 waited past the limit: it goes before b1, whose head start would otherwise win...
    rules = replace(RULES, head_start_s={"B": 20 * 60})
    waiting = [w("a1", "A", 0), w("b1", "B", 500)]
    choice = pick(W1, waiting, 45 * 60 + 1, rules)
    assert (choice.ticket_id, choice.reason_code) == ("a1", "promoted")
    assert "45 min" in choice.reason
    assert pick(W1, waiting, 45 * 60 - 1, rules).ticket_id == "b1"
    # ...but a priority ticket still goes first (it may pass a1 at most K times).
    choice = pick(W1, [*waiting, w("p1", "A", 2000, priority=True)], 45 * 60 + 1, rules)
    assert (choice.ticket_id, choice.reason_code) == ("p1", "priority")


def test_head_start_of_quick_and_scarce_business():
    rules = replace(RULES, preference_step_s=0.0, head_start_s={"A": 0.0, "B": 300.0})
    near = [w("a1", "A", 0), w("b1", "B", 200)]  # b1 came 200 s later, but starts 300 s ahead
    choice = pick(W1, near, 1000, rules)
    assert (choice.ticket_id, choice.reason_code) == ("b1", "preference")
    assert "head start (5 min of category B)" in choice.reason
    far = [w("a1", "A", 0), w("b1", "B", 400)]
    assert pick(W1, far, 1000, rules).ticket_id == "a1"


def test_head_start_table():
    # Township-like: G quick (3 min) and served by two windows, E slow (15 min) on its own window.
    table = head_starts({"A": 7, "G": 3, "E": 15, "Z": 5}, [("A", "G"), ("G", "A"), ("E",)])
    # raw minutes: A 20/2 - 14 = -4, G 20/2 - 6 = 4, E 20/1 - 30 = -10; Z has no window
    assert table == {"A": 6 * 60, "G": 14 * 60, "E": 0.0}
    assert head_starts({"A": 7}, []) == {}


def test_priority_passes_but_at_most_k_times():
    fresh = [w("a1", "A", 0, overtaken=1), w("p1", "A", 50, priority=True)]
    choice = pick(W1, fresh, 100, RULES)
    assert (choice.ticket_id, choice.reason_code) == ("p1", "priority")
    assert overtaken_by(fresh[1], W1, fresh) == ["a1"]
    worn = [w("a1", "A", 0, overtaken=2), w("p1", "A", 50, priority=True)]
    choice = pick(W1, worn, 100, RULES)
    assert (choice.ticket_id, choice.reason_code) == ("a1", "overtake-bound")


def test_passing_counts_only_tickets_this_window_could_serve():
    waiting = [w("c1", "C", 0), w("a1", "A", 10, target=2), w("b1", "B", 20), w("p1", "A", 50, priority=True)]
    assert overtaken_by(waiting[3], W1, waiting) == ["b1"]
    transferred = w("p2", "A", 60, priority=True, target=1)
    assert overtaken_by(transferred, W1, [*waiting, transferred]) == []
    assert overtaken_by(w("a9", "A", 70), W1, waiting) == []


def test_appointment_ordered_by_its_slot():
    # The hall queues a checked-in appointment at its slot start: ahead of later walk-ins.
    waiting = [w("a5", "A", 300, seq=5), w("y1", "A", 120, seq=9)]
    assert pick(W1, waiting, 400, RULES).ticket_id == "y1"


def test_priority_waits_for_overtake_bound_only_on_own_categories():
    # a1 (passed twice already) is at window 2's category only: window 1 may still call p1.
    waiting = [w("c1", "C", 0, overtaken=2), w("p1", "A", 50, priority=True)]
    assert pick(W1, waiting, 100, RULES).ticket_id == "p1"


# ---------------------------------------------------------------- whole days on one window

def serve_day(window: WindowView, arrivals: list[Waiting], service_s: float, rules: Rules) -> tuple[dict[str, float], int]:
    """One window calling with `choose_next` all day, each service `service_s` long, the hall's
    overtaking count kept as the hall keeps it. Returns each ticket's wait and the most passes
    any ticket had when it was called."""
    waiting: list[Waiting] = []
    todo = sorted(arrivals, key=lambda t: t.queued_at)
    now, waits, most = 0.0, {}, 0
    while todo or waiting:
        while todo and todo[0].queued_at <= now:
            waiting.append(todo.pop(0))
        if not waiting:
            now = todo[0].queued_at
            continue
        choice = pick(window, waiting, now, rules)
        called = next(t for t in waiting if t.ticket_id == choice.ticket_id)
        passed = set(overtaken_by(called, window, waiting))
        most = max(most, called.overtaken)
        waiting = [replace(t, overtaken=t.overtaken + (t.ticket_id in passed)) for t in waiting if t is not called]
        waits[called.ticket_id] = now - called.queued_at
        now += service_s
    return waits, most


def overloaded_day(k_every: int = 8) -> list[Waiting]:
    """The 公安 window's bad day: a ticket every 6 minutes for a window that needs 8 per ticket,
    every `k_every`-th of them a priority ticket."""
    return [w(f"{'p' if i % k_every == 3 else 'd'}{i}", "D", i * 360.0, seq=i, priority=i % k_every == 3)
            for i in range(60)]


def test_priority_not_starved_on_an_overloaded_single_window():
    window = WindowView(5, ("D",))
    rules = Rules(max_overtake=3, promote_after_s=45 * 60)
    waits, most = serve_day(window, overloaded_day(), 480.0, rules)
    priority = [x for k, x in waits.items() if k.startswith("p")]
    ordinary = [x for k, x in waits.items() if k.startswith("d")]
    # Ordinary tickets wait well past the promotion limit all afternoon...
    assert max(ordinary) > 2 * 45 * 60
    # ...yet a priority ticket is not handed to the back of that queue: it is called within
    # K + 1 services of the blocked tickets (here: at once, or after at most one service).
    assert max(priority) <= 480.0
    assert most <= 3


def test_overtaking_bound_holds_all_day_whatever_the_priority_share():
    window = WindowView(5, ("D",))
    for k in (0, 1, 2, 3):
        for every in (2, 3, 8):
            waits, most = serve_day(window, overloaded_day(every), 480.0, Rules(max_overtake=k))
            assert len(waits) == 60 and most <= k


def test_no_category_starves_behind_a_head_start():
    # Quick G tickets keep window 1 busy (one every 3 min, 3 min each) and start 60 min ahead of
    # A (a head start that large takes a 1-minute and a 31-minute business on one window); the
    # one A ticket still goes as soon as it passes the promotion limit.
    window = WindowView(1, ("A", "G"))
    rules = Rules(max_overtake=3, promote_after_s=45 * 60, head_start_s={"A": 0.0, "G": 60 * 60.0})
    day = [w("a1", "A", 30.0, seq=0)] + [w(f"g{i}", "G", 180.0 * i, seq=i + 1) for i in range(60)]
    waits, _ = serve_day(window, day, 180.0, rules)
    assert 45 * 60 <= waits["a1"] <= 45 * 60 + 180
    # Without the promotion limit only the head start bounds it.
    never = replace(rules, promote_after_s=10 ** 9)
    assert serve_day(window, day, 180.0, never)[0]["a1"] >= 60 * 60


# ---------------------------------------------------------------- properties

CATS = ("A", "B", "C", "D")


@st.composite
def queues(draw):
    serves = tuple(draw(st.lists(st.sampled_from(CATS), min_size=1, max_size=4, unique=True)))
    window = WindowView(draw(st.integers(1, 3)), serves)
    n = draw(st.integers(0, 12))
    tickets = []
    for i in range(n):
        tickets.append(Waiting(
            f"t{i}", draw(st.sampled_from(CATS)), draw(st.floats(0, 4000, allow_nan=False)), i,
            draw(st.booleans()), draw(st.integers(0, 3)), draw(st.sampled_from([None, None, None, 1, 2, 3]))))
    now = draw(st.floats(4000, 7000, allow_nan=False))
    rules = Rules(draw(st.integers(0, 3)), draw(st.sampled_from([600.0, 2700.0, 10 ** 6])),
                  draw(st.sampled_from([0.0, 120.0, 600.0])))
    return window, tickets, now, rules


@settings(max_examples=200, deadline=None)
@given(queues())
def test_choice_is_always_callable_here(case):
    window, tickets, now, rules = case
    choice = choose_next(window, tickets, now, rules)
    mine = eligible(window, tickets)
    if not mine:
        assert choice is None
        return
    assert choice is not None
    chosen = next(t for t in tickets if t.ticket_id == choice.ticket_id)
    assert chosen.category in window.serves
    assert chosen.target_window in (None, window.number)
    assert choice.reason_code in REASON_CODES and choice.reason


@settings(max_examples=200, deadline=None)
@given(queues())
def test_earlier_first_within_a_category(case):
    window, tickets, now, rules = case
    choice = choose_next(window, tickets, now, rules)
    if choice is None or choice.reason_code not in ("preference", "priority"):
        return
    chosen = next(t for t in tickets if t.ticket_id == choice.ticket_id)
    same_class = [t for t in eligible(window, tickets) if t.category == chosen.category
                  and t.priority == chosen.priority and t.target_window is None]
    assert min(same_class, key=lambda t: (t.queued_at, t.seq)) == chosen


@settings(max_examples=200, deadline=None)
@given(queues())
def test_priority_never_passes_a_ticket_at_the_bound(case):
    window, tickets, now, rules = case
    choice = choose_next(window, tickets, now, rules)
    if choice is None:
        return
    chosen = next(t for t in tickets if t.ticket_id == choice.ticket_id)
    passed = overtaken_by(chosen, window, tickets)
    if choice.reason_code == "priority":
        assert all(t.overtaken < rules.max_overtake for t in tickets if t.ticket_id in passed)
    if choice.reason_code == "promoted":
        assert passed == []  # the longest waiter passes nobody


def test_the_township_sign_table_is_what_the_hall_runs():
    # docs/dispatch.md §1 prints this table; the hall builds its rules from the configuration.
    from queue_server.config import load_preset
    from queue_server.hall import rules_of

    rules = rules_of(load_preset("township"))
    assert {c: m / 60 for c, m in rules.head_start_s.items()} == {
        "A": 5, "B": 1, "C": 6, "D": 18, "E": 4, "F": 0, "G": 15}
    assert (rules.max_overtake, rules.promote_after_s, rules.preference_step_s) == (3, 45 * 60, 0.0)
    village = rules_of(load_preset("village"))
    assert village.head_start_s == {"A": 4 * 60.0, "C": 0.0} and village.max_overtake == 2


def test_estimate_expects_ordinary_tickets_with_a_head_start_only_within_its_reach():
    from queue_server.estimate import expected_arrivals

    issued = [(600.0 * k, "G") for k in range(1, 7)]  # one G ticket every 10 min in the last hour
    out = expected_arrivals(issued, 3600.0, 0.0, horizon_s=15 * 60, priority=False)
    assert [t.queued_at - 3600 for t in out] == [300.0, 900.0]  # within the 15-minute reach only
    assert not any(t.priority for t in out) and len({t.ticket_id for t in out}) == 2
    assert all(t.priority for t in expected_arrivals(issued, 3600.0, 0.0))
