"""Who is called next: the dispatcher. Pure code over plain data, no clock, no I/O.

The rule, as it would be written on the sign in the hall:

1. A ticket transferred to this very window is called first.
2. Anyone who has waited longer than the promotion limit is called next, longest wait first —
   so no category and no person is ever starved, whatever the other rules say.
3. Priority tickets (老年人, 残疾人, 孕妇, 军人) go ahead of ordinary tickets, but at most K priority
   tickets may pass any one waiting ticket; a ticket that has been passed K times is called before
   the next priority ticket.
4. Otherwise the window takes its categories in its preference order, oldest ticket first.

Appointments are ordered by their slot (the hall sets `queued_at` to the slot start at check-in).
The simulator, the benchmarks and the server all call `choose_next`; there is no other copy.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
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
    max_overtake: int = 3
    promote_after_s: float = 45 * 60


@dataclass(frozen=True)
class Choice:
    ticket_id: str
    reason_code: str
    reason: str


def _order(t: Waiting) -> tuple[float, int]:
    return (t.queued_at, t.seq)


def eligible(window: WindowView, waiting: Iterable[Waiting]) -> list[Waiting]:
    """Tickets this window may call: its categories, and not reserved for another window."""
    return [t for t in waiting if t.category in window.serves
            and (t.target_window is None or t.target_window == window.number)]


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
        p = min(priority, key=_order)
        passed = [t for t in mine if not t.priority and _order(t) < _order(p)]
        blocked = [t for t in passed if t.overtaken >= rules.max_overtake]
        if not blocked:
            return Choice(p.ticket_id, "priority",
                          f"priority ticket; passes {len(passed)} earlier ticket(s), none passed "
                          f"{rules.max_overtake} times yet")
        t = min(blocked, key=_order)
        return Choice(t.ticket_id, "overtake-bound",
                      f"already passed by {t.overtaken} priority tickets (limit {rules.max_overtake})")

    rank = {code: i for i, code in enumerate(window.serves)}
    t = min(mine, key=lambda t: (rank[t.category], *_order(t)))
    position = rank[t.category] + 1
    return Choice(t.ticket_id, "preference",
                  f"oldest ticket of category {t.category}, preference {position} of window {window.number}")


def overtaken_by(called: Waiting, window: WindowView, waiting: Iterable[Waiting]) -> list[str]:
    """Ids of ordinary tickets that a priority ticket passes when `window` calls it."""
    if not called.priority:
        return []
    return [t.ticket_id for t in eligible(window, waiting)
            if not t.priority and t.ticket_id != called.ticket_id and _order(t) < _order(called)]
