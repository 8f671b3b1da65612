"""The policies the production dispatcher is measured against, as plug-in dispatchers for `Hall`.

- `fifo-own`: each window takes the oldest ticket among its own categories; no preference order,
  no priority (the common Chinese vendor pattern).
- `assign-at-issue`: when issued, the ticket is bound to the least-loaded open window that can
  serve it; each window then serves its own line, first come first served (FQM-like).
- `weights`: fixed weights, oldest first within equal weight: priority class first, then the
  window's weight for the category (its preference order), then arrival (NovoSGA-like: it orders
  by priority weight, then the clerk's service weight, then arrival time).
- `pooled` (the reference bound, not a policy a hall could run): `fifo-own` over a hall where
  every window serves every category.
"""

from __future__ import annotations

from collections.abc import Sequence

from ..dispatch import Choice, Dispatcher, Rules, Waiting, WindowView, choose_next, eligible
from ..hall import Hall

PRODUCTION = "production"
PEERS = ("fifo-own", "assign-at-issue", "weights")
POLICIES = (PRODUCTION, *PEERS)


def _order(t: Waiting) -> tuple[float, int]:
    return (t.queued_at, t.seq)


def fifo_own(window: WindowView, waiting: Sequence[Waiting], now: float, rules: Rules) -> Choice | None:
    mine = eligible(window, waiting)
    if not mine:
        return None
    t = min(mine, key=_order)
    return Choice(t.ticket_id, "fifo", f"oldest ticket window {window.number} can serve")


def weights(window: WindowView, waiting: Sequence[Waiting], now: float, rules: Rules) -> Choice | None:
    mine = eligible(window, waiting)
    if not mine:
        return None
    t = min(mine, key=lambda t: (not t.priority, window.serves.index(t.category), *_order(t)))
    return Choice(t.ticket_id, "weight", "highest weight (priority, then category), oldest first")


class AssignAtIssue:
    """Dispatcher with a memory of which window each ticket was bound to at issue."""

    def __init__(self) -> None:
        self.bound: dict[str, int] = {}

    def bind(self, hall: Hall, ticket_id: str, category: str) -> int:
        """Bind a just-issued ticket to the least-loaded capable window (open ones first)."""
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
        # Tickets not bound yet (only the estimator's probe) may go to any capable window.
        mine = [t for t in eligible(window, waiting) if self.bound.get(t.ticket_id, window.number) == window.number]
        if not mine:
            return None
        t = min(mine, key=_order)
        return Choice(t.ticket_id, "assigned", f"oldest ticket bound to window {window.number} at issue")


def make_dispatcher(name: str) -> Dispatcher:
    """A fresh dispatcher for policy `name` (a new one per replay: assign-at-issue has memory)."""
    if name == PRODUCTION:
        return choose_next
    if name == "fifo-own":
        return fifo_own
    if name == "weights":
        return weights
    if name == "assign-at-issue":
        return AssignAtIssue()
    raise ValueError(f"unknown policy {name!r}; choose one of {', '.join(POLICIES)}")
