"""The dispatcher's rules: hand-built cases, then properties over random queues."""

from __future__ import annotations

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


def test_long_waiter_promoted_over_priority():
    waiting = [w("b1", "B", 0), w("p1", "A", 2000, priority=True)]
    choice = pick(W1, waiting, 45 * 60 + 1, RULES)
    assert (choice.ticket_id, choice.reason_code) == ("b1", "promoted")
    assert "45 min" in choice.reason


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
