"""The layout advisor: which windows should serve which categories, found by replaying days.

Which categories each window serves (and in what preference order) decides waiting far more than
any calling rule. The advisor searches layouts under the hall's constraints and scores each by
replaying the given days through the production dispatcher (`Replay`): the lowest mean wait of
all tickets wins, ties broken by the P95. It only proposes; it never changes a hall.

The search is a local search, run from two starts: the hall's own layout, and that layout with
every free window also learning the worst-waiting categories up to the limit. Each round looks at the categories in
order of their simulated mean wait, worst first, and tries the moves that could help that
category: a comprehensive window learns it (at the front or the back of its list, or in place of
a category another window also serves), or a window that already serves it moves it up one
place. The best move of the first category that has an improving one is kept, and the next
round starts. It stops when no move improves or when the evaluation budget is spent.

Constraints: dedicated windows (by default the windows that serve a single category) are never
changed; no window the advisor touches ends with more than `max_categories` categories; a
category in `exclusive` is learned by no other window; every category keeps a window.

Pure: scenarios in, a result out; no files, no clock (the CLI in sim/cli.py reads the files).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from .metrics import wait_metrics
from .replay import POOLED, Record, replay
from .scenario import Scenario

Layout = tuple[tuple[int, tuple[str, ...]], ...]  # (window id, categories in preference order)
DEFAULT_MAX_CATEGORIES = 4
DEFAULT_BUDGET = 400  # layouts evaluated at most (each is one replay of every fitted day)
Progress = Callable[[int, int], None]  # (layouts evaluated, budget): told after each evaluation


class AdviseError(ValueError):
    """The days or the constraints cannot be used together; the message is one line."""


@dataclass(frozen=True)
class Constraints:
    max_categories: int = DEFAULT_MAX_CATEGORIES
    dedicated: frozenset[int] | None = None  # None: the windows that serve a single category
    exclusive: frozenset[str] = frozenset()  # categories no further window may learn
    budget: int = DEFAULT_BUDGET


@dataclass(frozen=True)
class Advice:
    hall: Layout
    proposed: Layout
    dedicated: tuple[int, ...]
    fitted: dict[str, Any]  # {"hall", "proposed", "pooled"}: wait_metrics of the fitted days
    held_out: dict[str, Any] | None  # the same on the held-out days, or None without them
    evaluations: int

    def changes(self) -> list[tuple[int, tuple[str, ...], tuple[str, ...]]]:
        """(window, before, after) for each window the proposal changes."""
        before = dict(self.hall)
        return [(w, before[w], serves) for w, serves in self.proposed if before[w] != serves]

    def as_dict(self) -> dict[str, Any]:
        return {
            "hall": {str(w): list(s) for w, s in self.hall},
            "proposed": {str(w): list(s) for w, s in self.proposed},
            "changes": [{"window": w, "before": list(b), "after": list(a)} for w, b, a in self.changes()],
            "dedicated": list(self.dedicated),
            "fitted": self.fitted,
            "held_out": self.held_out,
            "evaluations": self.evaluations,
        }


def layout_of(scenario: Scenario) -> Layout:
    return tuple((w.id, w.serves) for w in scenario.windows)


def with_layout(scenario: Scenario, layout: Layout) -> Scenario:
    """The same day with each window serving what the layout says (pauses kept)."""
    serves = dict(layout)
    return dataclasses.replace(scenario, windows=tuple(
        dataclasses.replace(w, serves=serves[w.id]) for w in scenario.windows))


def _records(days: Sequence[Scenario], layout: Layout | None, policy: str = "production") -> list[Record]:
    out: list[Record] = []
    for day in days:
        out.extend(replay(day if layout is None else with_layout(day, layout), policy))
    return out


def score(days: Sequence[Scenario], layout: Layout) -> dict[str, Any]:
    """wait_metrics of every ticket of the days, replayed under the layout by production."""
    return wait_metrics(_records(days, layout))


def _key(m: dict[str, Any]) -> tuple[float, float]:
    return (m["mean_wait_s"], m["p95_wait_s"])


def _check(days: Sequence[Scenario], hall: Layout, what: str) -> None:
    ids = [w for w, _ in hall]
    for day in days:
        if [w.id for w in day.windows] != ids:
            raise AdviseError(f"{what} day {day.name!r} has windows {[w.id for w in day.windows]}, "
                              f"not the hall's {ids}")


def dedicated_windows(hall: Layout, constraints: Constraints) -> frozenset[int]:
    if constraints.dedicated is not None:
        unknown = constraints.dedicated - {w for w, _ in hall}
        if unknown:
            raise AdviseError(f"no window {', '.join(map(str, sorted(unknown)))} in the hall")
        return constraints.dedicated
    return frozenset(w for w, serves in hall if len(serves) == 1)


def moves(layout: Layout, category: str, categories: Iterable[str], fixed: frozenset[int],
          constraints: Constraints) -> list[Layout]:
    """The layouts one move away that could help `category`, all within the constraints."""
    current = dict(layout)
    servers = {c: sum(1 for s in current.values() if c in s) for c in categories}
    out: list[Layout] = []

    def put(window: int, serves: tuple[str, ...]) -> None:
        new = tuple((w, serves if w == window else s) for w, s in layout)
        if new != layout and new not in out:
            out.append(new)

    for w, serves in layout:
        if w in fixed:
            continue
        if category in serves:
            i = serves.index(category)
            if i > 0:  # move it up one place
                put(w, (*serves[:i - 1], category, serves[i - 1], *serves[i + 1:]))
            continue
        if category in constraints.exclusive:
            continue
        if len(serves) < constraints.max_categories:
            put(w, (category, *serves))
            put(w, (*serves, category))
        for i, old in enumerate(serves):  # in place of a category another window also serves
            if servers[old] > 1 and len(serves) <= constraints.max_categories:
                put(w, (*serves[:i], category, *serves[i + 1:]))
    return out


def search(days: Sequence[Scenario], constraints: Constraints = Constraints(),
           progress: Progress | None = None) -> tuple[Layout, int]:
    """The best layout found for the days, and how many layouts were evaluated."""
    if not days:
        raise AdviseError("give at least one day to fit the layout on")
    if constraints.max_categories < 1:
        raise AdviseError("max categories per window must be at least 1")
    hall = layout_of(days[0])
    _check(days, hall, "fitted")
    fixed = dedicated_windows(hall, constraints)
    categories = tuple(dict.fromkeys(c for d in days for c in d.categories))
    seen = _Scores(constraints.budget, progress)
    seen[hall] = score(days, hall)
    best = hall
    wide = widened(hall, seen[hall], fixed, constraints)
    if wide not in seen:
        seen[wide] = score(days, wide)
    starts = sorted(dict.fromkeys((hall, wide)), key=lambda t: _key(seen[t]))
    for i, start in enumerate(starts):  # the budget left is shared among the starts left
        limit = len(seen) + (constraints.budget - len(seen)) // (len(starts) - i)
        best = min(best, _climb(days, start, categories, fixed, limit, constraints, seen),
                   key=lambda t: _key(seen[t]))
    return best, len(seen)


class _Scores(dict[Layout, dict[str, Any]]):
    """The layouts evaluated so far and their figures; tells `progress` of each new one."""

    def __init__(self, budget: int, progress: Progress | None):
        super().__init__()
        self.budget, self.progress = budget, progress

    def __setitem__(self, layout: Layout, figures: dict[str, Any]) -> None:
        super().__setitem__(layout, figures)
        if self.progress is not None:
            self.progress(len(self), self.budget)


def widened(hall: Layout, metrics: dict[str, Any], fixed: frozenset[int], constraints: Constraints) -> Layout:
    """A second starting point: every free window also learns the worst-waiting categories, up to K."""
    per_cat = metrics["per_category"]
    worst_first = [c for c in sorted(per_cat, key=lambda c: -per_cat[c]["mean"]) if c not in constraints.exclusive]
    out = []
    for w, serves in hall:
        if w not in fixed:
            extra = [c for c in worst_first if c not in serves]
            serves = (*serves, *extra)[:max(constraints.max_categories, len(serves))]
        out.append((w, serves))
    return tuple(out)


def _climb(days: Sequence[Scenario], start: Layout, categories: tuple[str, ...], fixed: frozenset[int],
           limit: int, constraints: Constraints, seen: dict[Layout, dict[str, Any]]) -> Layout:
    """Local search from `start` until `limit` layouts are known: keep the best move of the
    worst-waiting category that has an improving one."""
    best = start
    while len(seen) < limit:
        per_cat = seen[best]["per_category"]
        worst_first = sorted(per_cat, key=lambda c: -per_cat[c]["mean"])
        improved = False
        for category in worst_first:
            tried: list[Layout] = []
            for layout in moves(best, category, categories, fixed, constraints):
                if layout not in seen:
                    if len(seen) >= limit:
                        break
                    seen[layout] = score(days, layout)
                tried.append(layout)
            better = [t for t in tried if _key(seen[t]) < _key(seen[best])]
            if better:
                best = min(better, key=lambda t: _key(seen[t]))
                improved = True
                break
        if not improved:
            break
    return best


def advise(days: Sequence[Scenario], held_out: Sequence[Scenario] = (),
           constraints: Constraints = Constraints(), progress: Progress | None = None) -> Advice:
    """Search a layout on `days`; report hall vs proposed vs the pooled bound, fitted and held out."""
    best, evaluations = search(days, constraints, progress)
    hall = layout_of(days[0])
    _check(held_out, hall, "held-out")

    def figures(group: Sequence[Scenario]) -> dict[str, Any]:
        return {"hall": score(group, hall), "proposed": score(group, best),
                "pooled": wait_metrics(_records(group, None, POOLED))}

    return Advice(hall, best, tuple(sorted(dedicated_windows(hall, constraints))), figures(days),
                  figures(held_out) if held_out else None, evaluations)
