"""Who is called next: the dispatcher. Pure code over plain data, no clock, no I/O.

The rule, as it is printed on the sign in the hall (docs/dispatch.md has the technical detail):

1. A ticket transferred to this very window is called first.
2. Anyone who has waited longer than the promotion limit is called next, longest wait first —
   so no category and no person is ever starved, whatever the other rules say.
3. Priority tickets (老年人, 残疾人, 孕妇, 军人) go ahead of ordinary tickets, but at most K priority
   tickets may pass any one waiting ticket; a ticket that has been passed K times is called before
   the next priority ticket.
4. Otherwise the window calls the ticket that has waited longest, counting a few minutes less
   for each step down the window's own list of categories (its "preference"): a window helps
   other queues, but first the one it is set up for.

Appointments are ordered by their slot (the hall sets `queued_at` to the slot start at check-in).
The simulator, the benchmarks and the server all call `choose_next`; there is no other copy.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Waiting:
    """A waiting ticket as the dispatcher sees it."""

    ticket_id: str
    category: str
    queued_at: float
    seq: int
    priority: bool = False
    overtaken: int = 0
    target_window: int | None = None


@dataclass(frozen=True)
class WindowView:
    number: int
    serves: tuple[str, ...]


@dataclass(frozen=True)
class Rules:
    """The dispatcher's parameters: K, the promotion limit and the preference step.

    `preference_step_s` is what one step down a window's category list costs, in seconds of
    waiting: a ticket of the window's 2nd category is called before one of its 1st category only
    if it has waited that much longer.
    """

    max_overtake: int = 3
    promote_after_s: float = 45 * 60
    preference_step_s: float = 2 * 60


@dataclass(frozen=True)
class Choice:
    ticket_id: str
    reason_code: str
    reason: str


# A dispatcher: (window, waiting tickets, now, rules) -> the choice, or None if it can call nobody.
Dispatcher = Callable[[WindowView, Sequence[Waiting], float, Rules], "Choice | None"]

REASON_CODES = ("targeted", "promoted", "priority", "overtake-bound", "preference")


def _order(t: Waiting) -> tuple[float, int]:
    return (t.queued_at, t.seq)


def eligible(window: WindowView, waiting: Iterable[Waiting]) -> list[Waiting]:
    """Tickets this window may call: its categories, and not reserved for another window."""
    return [t for t in waiting if t.category in window.serves
            and (t.target_window is None or t.target_window == window.number)]


def effective_wait(window: WindowView, t: Waiting, now: float, rules: Rules) -> float:
    """Seconds waited, less one preference step for each place down the window's list."""
    return (now - t.queued_at) - window.serves.index(t.category) * rules.preference_step_s


def _best(window: WindowView, tickets: Iterable[Waiting], now: float, rules: Rules) -> Waiting:
    """Highest effective wait; ties go to the earlier ticket."""
    return min(tickets, key=lambda t: (-effective_wait(window, t, now, rules), *_order(t)))


def choose_next(window: WindowView, waiting: Sequence[Waiting], now: float, rules: Rules) -> Choice | None:
    """The ticket `window` should call at time `now`, with the reason; None if it can call nobody."""
    mine = eligible(window, waiting)
    if not mine:
        return None

    targeted = [t for t in mine if t.target_window == window.number]
    if targeted:
        t = min(targeted, key=_order)
        return Choice(t.ticket_id, "targeted", f"transferred to window {window.number}")

    overdue = [t for t in mine if now - t.queued_at >= rules.promote_after_s]
    if overdue:
        t = min(overdue, key=_order)
        minutes = (now - t.queued_at) / 60
        return Choice(t.ticket_id, "promoted",
                      f"waited {minutes:.0f} min, over the {rules.promote_after_s / 60:.0f} min promotion limit")

    priority = [t for t in mine if t.priority]
    if priority:
        p = _best(window, priority, now, rules)
        passed = [t for t in mine if not t.priority and _order(t) < _order(p)]
        blocked = [t for t in passed if t.overtaken >= rules.max_overtake]
        if not blocked:
            return Choice(p.ticket_id, "priority",
                          f"priority ticket; passes {len(passed)} earlier ticket(s), none passed "
                          f"{rules.max_overtake} times yet")
        t = min(blocked, key=_order)
        return Choice(t.ticket_id, "overtake-bound",
                      f"already passed by {t.overtaken} priority tickets (limit {rules.max_overtake})")

    t = _best(window, mine, now, rules)
    position = window.serves.index(t.category) + 1
    minutes = (now - t.queued_at) / 60
    return Choice(t.ticket_id, "preference",
                  f"longest wait ({minutes:.0f} min) after {rules.preference_step_s / 60:.0f} min per "
                  f"preference step; category {t.category} is preference {position} of window {window.number}")


def overtaken_by(called: Waiting, window: WindowView, waiting: Iterable[Waiting]) -> list[str]:
    """Ids of ordinary tickets that a priority ticket passes when `window` calls it.

    A ticket transferred to the window continues its service there: it passes nobody.
    """
    if not called.priority or called.target_window is not None:
        return []
    return [t.ticket_id for t in eligible(window, waiting)
            if not t.priority and t.ticket_id != called.ticket_id and _order(t) < _order(called)]
