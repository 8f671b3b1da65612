"""Who is called next: the dispatcher. Pure code over plain data, no clock, no I/O.

The rule, as it is printed on the sign in the hall (docs/dispatch.md has the technical detail):

1. A ticket transferred to this very window is called first.
2. Priority tickets (老年人, 残疾人, 孕妇, 军人) go first, oldest first, but at most K priority
   tickets may pass any one waiting ticket; a ticket that has been passed K times is called before
   the next priority ticket.
3. Anyone who has waited longer than the promotion limit is called next, longest wait first —
   so no category is ever starved by the head starts below.
4. Otherwise the window calls the ticket with the longest wait plus its business's head start
   (a table on the sign): business that is quick to handle, and business that few windows
   handle, starts a few minutes ahead. The hall may also give a window's own main business a
   few minutes ahead of the rest (its "preference"; none by default).

Appointments are ordered by their slot (the hall sets `queued_at` to the slot start at check-in).
The simulator, the benchmarks and the server all call `choose_next`; there is no other copy.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field

# The head start of a business (docs/dispatch.md §2): QUICK_MIN minutes for each minute its usual
# service is shorter than the slowest business's, plus FEW_MIN minutes shared out over the windows
# that handle it (a business one window handles gets all of them, one four windows handle a
# quarter). Measured on generated days (docs/dispatch.md §7): quick errands first cuts everyone's
# mean wait; the scarce business's bonus keeps its queue from being the one the tail is made of.
QUICK_MIN = 2.0
FEW_MIN = 20.0


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
    """The dispatcher's parameters: K, the promotion limit, the head starts, the preference step.

    `head_start_s` is each category's head start in seconds (`head_starts` makes the hall's table;
    a category not in it has none). `preference_step_s` is what one step down a window's category
    list costs, in seconds of waiting (0: the window's list order does not matter).
    """

    max_overtake: int = 3
    promote_after_s: float = 45 * 60
    preference_step_s: float = 0.0
    head_start_s: Mapping[str, float] = field(default_factory=dict, hash=False)


def head_starts(service_min: Mapping[str, float], windows: Iterable[tuple[str, ...]]) -> dict[str, float]:
    """Each category's head start in seconds, whole minutes, the smallest 0 — the sign's table.

    `service_min` is each category's usual service time (the configuration's `service_min`),
    `windows` what each window serves. A category no window serves gets none.
    """
    servers: dict[str, int] = {}
    for serves in windows:
        for c in serves:
            servers[c] = servers.get(c, 0) + 1
    raw = {c: FEW_MIN / servers[c] - QUICK_MIN * m for c, m in service_min.items() if servers.get(c)}
    if not raw:
        return {}
    low = min(raw.values())
    return {c: round(x - low) * 60.0 for c, x in raw.items()}


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
    """Seconds waited, plus the category's head start, less one preference step for each place
    down the window's list."""
    return ((now - t.queued_at) + rules.head_start_s.get(t.category, 0.0)
            - window.serves.index(t.category) * rules.preference_step_s)


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

    priority = [t for t in mine if t.priority]
    if priority:
        p = min(priority, key=_order)
        passed = [t for t in mine if not t.priority and _order(t) < _order(p)]
        blocked = [t for t in passed if t.overtaken >= rules.max_overtake]
        if not blocked:
            return Choice(p.ticket_id, "priority",
                          f"oldest priority ticket; passes {len(passed)} earlier ticket(s), none passed "
                          f"{rules.max_overtake} times yet")
        t = min(blocked, key=_order)
        return Choice(t.ticket_id, "overtake-bound",
                      f"already passed by {t.overtaken} priority tickets (limit {rules.max_overtake})")

    overdue = [t for t in mine if now - t.queued_at >= rules.promote_after_s]
    if overdue:
        t = min(overdue, key=_order)
        minutes = (now - t.queued_at) / 60
        return Choice(t.ticket_id, "promoted",
                      f"waited {minutes:.0f} min, over the {rules.promote_after_s / 60:.0f} min promotion limit")

    t = _best(window, mine, now, rules)
    minutes = (now - t.queued_at) / 60
    head = rules.head_start_s.get(t.category, 0.0) / 60
    reason = f"longest wait ({minutes:.0f} min) plus head start ({head:.0f} min of category {t.category})"
    if rules.preference_step_s:
        position = window.serves.index(t.category) + 1
        reason += (f" less {rules.preference_step_s / 60:.0f} min per preference step; category {t.category} "
                   f"is preference {position} of window {window.number}")
    return Choice(t.ticket_id, "preference", reason)


def overtaken_by(called: Waiting, window: WindowView, waiting: Iterable[Waiting]) -> list[str]:
    """Ids of ordinary tickets that a priority ticket passes when `window` calls it.

    A ticket transferred to the window continues its service there: it passes nobody.
    """
    if not called.priority or called.target_window is not None:
        return []
    return [t.ticket_id for t in eligible(window, waiting)
            if not t.priority and t.ticket_id != called.ticket_id and _order(t) < _order(called)]
