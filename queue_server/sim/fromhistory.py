"""The hall's own days as scenarios, for the layout advisor: what `ticket_facts` and
`window_spans` (store/history.py) recorded, turned into the replay's arrivals and window pauses.

One working day becomes one `Scenario` with the hall's windows as they are configured now:
- each ticket is an arrival at the moment it was issued (seconds after the first session
  opened; a ticket taken before opening arrives at 0), in the category it was served in, with
  its priority and matter, and the service time it really took;
- a no-show stays a no-show; a ticket never called (expired at closing, or cancelled after
  waiting at least `CANCELLED_KEEP_S`) arrives with its category's mean service time of those
  days — demand the hall had, whatever happened to it; a ticket cancelled at once is left out;
- each window is paused wherever it was not open (closed, paused, not staffed that day) between
  opening and the day's last activity, so the replay staffs the hall as it really was.
Tickets of a category no window serves now (the configuration changed since) are left out and
counted. Appointments are replayed as ordinary arrivals.

`scenario_of_day` is pure; `history_days` reads the history tables of a (read-only) store.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time
from typing import Any

from hallapi.protocol import HALL_TZ

from ..hallconfig import HallConfig
from .scenario import Arrival, Scenario, WindowSpec

TICKET_READ = ("id", "day", "category", "matter", "priority", "issued_at", "first_called_at", "started_at",
               "service_s", "outcome")
SPAN_READ = ("day", "window", "start", "end", "state")
CANCELLED_KEEP_S = 300.0  # a ticket cancelled after waiting this long was real demand
NO_SHOW_SERVICE_S = 60.0  # what a no-show's arrival says it would take (never used: it is skipped)


class HistoryError(ValueError):
    """The history cannot give the days asked for; the message is one line for the manager."""


@dataclass(frozen=True)
class HistoryDay:
    scenario: Scenario
    day: str
    tickets: int
    left_out: int  # tickets of a category no window serves now
    matters: dict[str, str]  # arrival id → matter code, where the ticket had one


def opening(config: HallConfig, day: date) -> float:
    """Epoch seconds of the hall's first session start on `day` (t = 0 of its scenario)."""
    hh, mm = (int(x) for x in config.hours.sessions[0][0].split(":"))
    return datetime.combine(day, time(hh, mm), HALL_TZ).timestamp()


def opening_clock(config: HallConfig, seconds: float) -> str:
    """A scenario time (seconds after the first session opens) as the hall's clock, HH:MM."""
    hh, mm = (int(x) for x in config.hours.sessions[0][0].split(":"))
    total = hh * 60 + mm + int(seconds // 60)
    return f"{total // 60:02d}:{total % 60:02d}"


def _mean_service(tickets: Iterable[dict[str, Any]], config: HallConfig) -> dict[str, float]:
    done: dict[str, list[float]] = defaultdict(list)
    for t in tickets:
        if t["outcome"] == "served" and t["service_s"]:
            done[t["category"]].append(float(t["service_s"]))
    return {c.code: (sum(done[c.code]) / len(done[c.code]) if done[c.code] else c.service_min * 60)
            for c in config.categories}


def _pauses(spans: Sequence[dict[str, Any]], t0: float, end_s: float) -> tuple[tuple[float, float], ...]:
    """The stretches of [0, end_s] (seconds after t0) in which the window was not open."""
    open_ = sorted((max(0.0, s["start"] - t0), (s["end"] - t0) if s["end"] is not None else end_s)
                   for s in spans if s["state"] == "open")
    gaps, at = [], 0.0
    for a, b in open_:
        if a > at + 1.0:
            gaps.append((at, a))
        at = max(at, b)
    if at + 1.0 < end_s:
        gaps.append((at, end_s))
    return tuple(gaps)


def scenario_of_day(config: HallConfig, day: str, tickets: Sequence[dict[str, Any]],
                    spans: Sequence[dict[str, Any]], service_s: dict[str, float] | None = None) -> HistoryDay:
    """One day's history rows (dicts of `TICKET_READ` and `SPAN_READ`) as a scenario on the
    hall's configured windows. `service_s`: the categories' mean service time for tickets never
    served (default: of this day, else the configured prior)."""
    t0 = opening(config, date.fromisoformat(day))
    served_by_now = {c for w in config.windows for c in w.serves}
    means = service_s or _mean_service(tickets, config)
    arrivals: list[Arrival] = []
    matters: dict[str, str] = {}
    left_out = 0
    last = 0.0
    for t in sorted(tickets, key=lambda t: (t["issued_at"], t["id"])):
        if t["category"] not in served_by_now:
            left_out += 1
            continue
        called = t["first_called_at"]
        outcome = t["outcome"]
        if outcome == "cancelled" and called is None:
            ended = t.get("finished_at") or t["issued_at"]
            if ended - t["issued_at"] < CANCELLED_KEEP_S:
                continue
        arrival_s = max(0.0, t["issued_at"] - t0)
        if outcome == "served" and t["service_s"]:
            service = max(1.0, float(t["service_s"]))
        elif outcome == "no_show":
            service = NO_SHOW_SERVICE_S
        else:
            service = max(1.0, means.get(t["category"], config.categories[0].service_min * 60))
        arrivals.append(Arrival(t["id"], arrival_s, t["category"], service, t["priority"] is not None,
                                outcome == "no_show"))
        if t["matter"]:
            matters[t["id"]] = t["matter"]
        if outcome in ("served", "no_show"):  # an expired ticket "finishes" at midnight
            last = max(last, *((x - t0) for x in (called, t.get("finished_at")) if x is not None))
        last = max(last, arrival_s)
    by_window: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for s in spans:
        by_window[s["window"]].append(s)
        last = max(last, *((x - t0) for x in (s["start"], s["end"]) if x is not None))
    hh, mm = (int(x) for x in config.hours.sessions[-1][1].split(":"))
    end_s = max(last, datetime.combine(date.fromisoformat(day), time(hh, mm), HALL_TZ).timestamp() - t0)
    windows = tuple(WindowSpec(w.number, w.serves, _pauses(by_window.get(w.number, []), t0, end_s))
                    for w in config.windows)
    scenario = Scenario(
        f"{config.hall.name} {day}", windows, tuple(arrivals),
        max_overtake=config.priority.max_overtake, promote_after_min=config.priority.promote_after_min,
        service_min={c.code: c.service_min for c in config.categories},
        preference_step_min=config.priority.preference_step_min)
    return HistoryDay(scenario, day, len(arrivals), left_out, matters)


def worked_days(conn_history: Any, before: str, count: int) -> list[str]:
    """The last `count` days before `before` on which tickets were issued, oldest first."""
    rows = conn_history.conn.execute("SELECT DISTINCT day FROM ticket_facts WHERE day < ? ORDER BY day DESC LIMIT ?",
                                     (before, count)).fetchall()
    return sorted(r[0] for r in rows)


def history_days(history: Any, config: HallConfig, today: str, days: int,
                 holdout: int = 0) -> tuple[list[HistoryDay], list[HistoryDay]]:
    """The hall's last `days` working days before `today` to fit on, and the `holdout` days before
    those to check on (`history`: a store's `HistoryRows`, read only)."""
    if days < 1:
        raise HistoryError("fit on at least one day")
    if holdout < 0:
        raise HistoryError("the number of held-out days cannot be negative")
    chosen = worked_days(history, today, days + holdout)
    if not chosen:
        raise HistoryError("the hall has no recorded working day before today")
    first, last = chosen[0], chosen[-1]
    tickets: dict[str, list[dict[str, Any]]] = defaultdict(list)
    read = (*TICKET_READ, "finished_at")
    for row in history.select("ticket_facts", read, first, last):
        tickets[row[1]].append(dict(zip(read, row, strict=True)))
    spans: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for row in history.select("window_spans", SPAN_READ, first, last):
        spans[row[0]].append(dict(zip(SPAN_READ, row, strict=True)))
    means = _mean_service((t for d in chosen for t in tickets[d]), config)
    out = [scenario_of_day(config, d, tickets[d], spans[d], means) for d in chosen]
    out = [d for d in out if d.scenario.arrivals]
    held, fitted = out[:max(0, len(out) - days)], out[max(0, len(out) - days):]
    return fitted, held
