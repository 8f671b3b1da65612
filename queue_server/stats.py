"""Waiting statistics for managers. Pure functions over the hall's state.

Definitions (also in docs/statistics.md):
- wait = first call − ticket taken, for every ticket called today (served or not);
- median = the middle value (mean of the two middle values for an even count);
- P90 = nearest rank: the smallest wait that at least 90 % of the waits do not exceed.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Sequence
from typing import Any

from .hall import Hall


def nearest_rank(values: Sequence[float], percent: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    rank = max(1, math.ceil(percent / 100 * len(ordered)))
    return ordered[rank - 1]


def median(values: Sequence[float]) -> float | None:
    return statistics.median(values) if values else None


def summary(values: Sequence[float]) -> dict[str, Any]:
    return {"n": len(values), "median_s": _round(median(values)), "p90_s": _round(nearest_rank(values, 90))}


def live(hall: Hall, now: float) -> dict[str, Any]:
    """What the manager's live page shows."""
    tickets = list(hall.state.tickets.values())
    target_s = hall.config.hall.target_wait_min * 60
    categories = []
    all_waits: list[float] = []
    for c in hall.config.categories:
        mine = [t for t in tickets if t.category == c.code]
        waiting = [t for t in mine if t.status == "waiting"]
        waits = [t.first_called_at - t.issued_at for t in tickets
                 if t.first_called_at is not None and t.issued_category == c.code]
        all_waits += waits
        serving = hall.config.windows_serving(c.code)
        categories.append({
            "code": c.code, "name": c.name, "waiting": len(waiting),
            # Which of the windows that serve it are open or paused now: waiting with none open is a warning.
            "windows_open": [w.number for w in serving if hall.state.windows[w.number].status == "open"],
            "windows_paused": [w.number for w in serving if hall.state.windows[w.number].status == "paused"],
            "longest_wait_s": _round(max((now - t.issued_at for t in waiting), default=None)),
            "waits_today": summary(waits),
            "within_target": _share(waits, target_s),
        })
    waiting_all = [t for t in tickets if t.status == "waiting"]
    windows = []
    for w in hall.config.windows:
        ws = hall.state.windows[w.number]
        current = hall.state.tickets.get(ws.current) if ws.current else None
        windows.append({"number": w.number, "name": w.name, "status": ws.status, "clerk": ws.clerk,
                        "pause_reason": ws.pause_reason, "current": current.number if current else None,
                        "since": ws.since})
    return {
        "day": hall.state.day.isoformat(), "at": now, "target_wait_min": hall.config.hall.target_wait_min,
        "waiting": len(waiting_all),
        "longest_wait_s": _round(max((now - t.issued_at for t in waiting_all), default=None)),
        "issued_today": len(tickets),
        "served_today": sum(1 for t in tickets if t.outcome == "served"),
        "no_show_today": sum(1 for t in tickets if t.outcome == "no_show"),
        "categories": categories, "windows": windows,
        "waits_today": summary(all_waits), "within_target": _share(all_waits, target_s),
        "alerts": [{"id": a.id, "kind": a.kind, "message": a.message, "source": a.source, "at": a.at}
                   for a in hall.state.desk.alerts if a.open],
        "devices": [{"name": name, **info} for name, info in sorted(hall.state.desk.devices.items())],
        "print_failures": [t.number for t in tickets if t.print_failure is not None],
        "ratings": ratings_summary(hall),
    }


def ratings_summary(hall: Hall) -> dict[str, Any]:
    """Rated, 未评 and 差评 for today's finished services (a default rating would never count as rated)."""
    slots = list(hall.state.ratings.slots.values())
    rated = [s for s in slots if s.level is not None]
    bad = [s for s in rated if s.level is not None and s.level <= 2]
    return {
        "services": len(slots), "rated": len(rated), "unrated": len(slots) - len(rated),
        "defaulted": sum(1 for s in slots if s.level is None and s.default_level is not None),
        "good_share": round(sum(1 for s in rated if s.level is not None and s.level >= 4) / len(rated), 4)
        if rated else None,
        "bad": [{"number": s.number, "window": s.window, "clerk": s.clerk, "level": s.level,
                 "reasons": list(s.reasons), "text": s.text, "at": s.rated_at} for s in bad],
    }


def _share(waits: Sequence[float], target_s: float) -> float | None:
    return round(sum(1 for w in waits if w <= target_s) / len(waits), 4) if waits else None


def _round(x: float | None) -> float | None:
    return None if x is None else round(x, 1)


def clerk_today(hall: Hall, clerk: str) -> dict[str, Any]:
    """A clerk's own figures today: services finished at windows they were signed in to, and ratings."""
    mine = [s for s in hall.state.ratings.slots.values() if s.clerk == clerk]
    service = [t.finished_at - t.started_at for t in (hall.state.tickets[s.ticket] for s in mine)
               if t.started_at is not None and t.finished_at is not None]
    rated = [s.level for s in mine if s.level is not None]
    return {
        "clerk": clerk, "served": len(mine),
        "mean_service_s": _round(sum(service) / len(service)) if service else None,
        "ratings": {"rated": len(rated), "unrated": len(mine) - len(rated),
                    "levels": {str(level): rated.count(level) for level in (5, 4, 3, 2, 1)}},
    }
