"""The policies the production dispatcher is measured against, as plug-in dispatchers for `Hall`.

Every hall must serve the 绿色通道, and the vendors' systems do it by strict priority, so the peers
production is judged against honour the same strict green channel (`-green`: a waiting priority
ticket goes first, oldest first, at any window that may serve it); the priority-blind variants
stay in the report for information (issue 14, "compare like with like").

- `fifo-own-green` / `fifo-own`: each window takes the oldest ticket among its own categories; no
  preference order (the common Chinese vendor pattern).
- `assign-at-issue-green` / `assign-at-issue`: when issued, an ordinary ticket is bound to the
  least-loaded open window that can serve it; each window then serves its own line, first come
  first served (FQM-like). In the green form priority tickets are not bound: any capable window
  takes them first; the blind form binds and serves them like everyone else.
- `weights-green` / `weights-blind`: fixed weights, oldest first within equal weight: (priority
  class first,) then the window's weight for the category (its preference order), then arrival
  (NovoSGA-like: it orders by priority weight, then the clerk's service weight, then arrival).
- `pooled` (the reference bound, not a policy a hall could run): `fifo-own` over a hall where
  every window serves every category.
"""

from __future__ import annotations

from collections.abc import Sequence

from ..dispatch import Choice, Dispatcher, Rules, Waiting, WindowView, choose_next, eligible
from ..hall import Hall

PRODUCTION = "production"
GREEN_PEERS = ("fifo-own-green", "assign-at-issue-green", "weights-green")
BLIND_PEERS = ("fifo-own", "assign-at-issue", "weights-blind")
PEERS = (*GREEN_PEERS, *BLIND_PEERS)
POLICIES = (PRODUCTION, *PEERS)


def _order(t: Waiting) -> tuple[float, int]:
    return (t.queued_at, t.seq)


def _green(mine: Sequence[Waiting]) -> Choice | None:
    """The strict green channel: the oldest waiting priority ticket, if there is one."""
    priority = [t for t in mine if t.priority]
    if not priority:
        return None
    t = min(priority, key=_order)
    return Choice(t.ticket_id, "priority", "oldest priority ticket (strict green channel)")


def fifo_own(window: WindowView, waiting: Sequence[Waiting], now: float, rules: Rules) -> Choice | None:
    mine = eligible(window, waiting)
    if not mine:
        return None
    t = min(mine, key=_order)
    return Choice(t.ticket_id, "fifo", f"oldest ticket window {window.number} can serve")


def fifo_own_green(window: WindowView, waiting: Sequence[Waiting], now: float, rules: Rules) -> Choice | None:
    return _green(eligible(window, waiting)) or fifo_own(window, waiting, now, rules)


def weights(window: WindowView, waiting: Sequence[Waiting], now: float, rules: Rules) -> Choice | None:
    """Strict green weights: priority first, then the window's category weight, then arrival."""
    mine = eligible(window, waiting)
    if not mine:
        return None
    t = min(mine, key=lambda t: (not t.priority, window.serves.index(t.category), *_order(t)))
    return Choice(t.ticket_id, "weight", "highest weight (priority, then category), oldest first")


def weights_blind(window: WindowView, waiting: Sequence[Waiting], now: float, rules: Rules) -> Choice | None:
    mine = eligible(window, waiting)
    if not mine:
        return None
    t = min(mine, key=lambda t: (window.serves.index(t.category), *_order(t)))
    return Choice(t.ticket_id, "weight", "highest category weight, oldest first")


class AssignAtIssue:
    """Dispatcher with a memory of which window each ticket was bound to at issue."""

    def __init__(self, green: bool = False) -> None:
        self.bound: dict[str, int] = {}
        self.green = green

    def bind(self, hall: Hall, ticket_id: str, category: str, priority: bool = False) -> int | None:
        """Bind a just-issued ticket to the least-loaded capable window (open ones first).

        In the green form a priority ticket is not bound (any capable window calls it first).
        """
        if self.green and priority:
            return None
        waiting = {t.id for t in hall.waiting()}
        load: dict[int, int] = {n: 0 for n in hall.state.windows}
        for tid, n in self.bound.items():
            if tid in waiting and tid != ticket_id:
                load[n] += 1
        candidates = []
        for w in hall.config.windows_serving(category):
            ws = hall.state.windows[w.number]
            busy = 1 if ws.current is not None else 0
            candidates.append((ws.status != "open", load[w.number] + busy, w.serves.index(category), w.number))
        number = min(candidates)[-1]
        self.bound[ticket_id] = number
        return number

    def __call__(self, window: WindowView, waiting: Sequence[Waiting], now: float, rules: Rules) -> Choice | None:
        # Tickets not bound (green priority tickets, the estimator's probe) may go to any capable window.
        mine = [t for t in eligible(window, waiting) if self.bound.get(t.ticket_id, window.number) == window.number]
        if not mine:
            return None
        if self.green and (first := _green(mine)):
            return first
        t = min(mine, key=_order)
        return Choice(t.ticket_id, "assigned", f"oldest ticket bound to window {window.number} at issue")


def make_dispatcher(name: str) -> Dispatcher:
    """A fresh dispatcher for policy `name` (a new one per replay: assign-at-issue has memory)."""
    if name == PRODUCTION:
        return choose_next
    if name == "fifo-own":
        return fifo_own
    if name == "fifo-own-green":
        return fifo_own_green
    if name == "weights-green":
        return weights
    if name == "weights-blind":
        return weights_blind
    if name in ("assign-at-issue", "assign-at-issue-green"):
        return AssignAtIssue(green=name.endswith("-green"))
    raise ValueError(f"unknown policy {name!r}; choose one of {', '.join(POLICIES)}")
