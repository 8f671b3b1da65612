"""A report for a period, read from the history tables: the edge between the store and the pure
figures of `reports.py`. The web page, the exports, the 台账 and `yimen report` all call
`build_report`, so every one of them shows the same numbers.
"""

from __future__ import annotations

import bisect
from datetime import date
from typing import Any

from .hallconfig import HallConfig
from .reports import (
    BOOKING_READ,
    CASE_READ,
    DIMENSIONS,
    FOLLOW_UP_READ,
    SPAN_READ,
    WEEKDAYS_EN,
    WEEKDAYS_ZH,
    Period,
    appointments,
    attendance,
    case_figures,
    follow_up_figures,
    heatmap,
    previous,
    waits_over_time,
    window_time,
)
from .store import Store

HISTOGRAM_STEP_MIN = 5  # the wait distribution's bars
HISTOGRAM_BARS = 12  # the last bar holds everything from 55 min up


def build_report(store: Store, config: HallConfig, p: Period, today: date, *, compare: bool = True,
                 english: bool = False) -> dict[str, Any]:
    """Every figure of the period: totals, breakdowns, windows, attendance, appointments, 差评
    follow-up, cases and the charts' series; with the previous period's totals when `compare`."""
    first, last = p.first.isoformat(), p.last.isoformat()
    target_s = config.hall.target_wait_min * 60
    history = store.history
    tallies = history.tallies(first, last)
    waits = tallies.total.waits  # sorted in place by the totals' figures: the histogram's sort is then a check
    time = window_time(history.select("window_spans", SPAN_READ, first, last),
                       history.select("window_days", ("day", "window", "idle_queue_s"), first, last))
    names = {u["username"]: u.get("display_name") or u["username"] for u in store.accounts.users()}
    checked = history.checked_in(first, last)
    report: dict[str, Any] = {
        "hall": config.hall.name_en if english else config.hall.name, "region_code": config.hall.region_code,
        "period": p.as_dict(), "target_wait_min": config.hall.target_wait_min,
        "totals": tallies.total.figures(target_s),
        "by": {d: _breakdown(d, tallies.groups[d], target_s, config, names, english) for d in DIMENSIONS},
        "windows_time": {"open_h": time["open_h"], "pause_h": time["pause_h"], "idle_queue_h": time["idle_queue_h"],
                         "pauses_h": time["pauses_h"]},
        "attendance": list(attendance(time["clerk_days"], config, names).values()),
        "appointments": appointments(history.select("booking_facts", BOOKING_READ, first, last), checked, today),
        "follow_ups": follow_up_figures(history.select("follow_up_facts", FOLLOW_UP_READ, first, last), today, names),
        "cases": case_figures(history.select("case_facts", CASE_READ, first, last, "opened_day").fetchall(),
                              history.select("case_facts", CASE_READ, first, last, "decided_day").fetchall(),
                              history.open_cases(CASE_READ, min(p.last, today).isoformat()),
                              p, today, config.calendar, config.cases.yellow_days),
        "charts": {"wait_histogram": _histogram(waits), "heatmap": heatmap(tallies),
                   "days": waits_over_time(tallies, target_s)},
    }
    for row in report["by"]["window"]:
        row.update(time["windows"].get(row["key"], {"open_h": 0.0, "pause_h": 0.0, "idle_queue_h": 0.0, "pauses_h": {}}))
    for row in report["by"]["clerk"]:
        row.update({k: v for k, v in next((a for a in report["attendance"] if a["clerk"] == row["key"]), {}).items()
                    if k in ("days", "late_days", "early_days", "signed_in_h", "pause_h", "pauses_h")})
    if compare:
        before = previous(p)
        prior = history.tallies(before.first.isoformat(), before.last.isoformat())
        report["previous"] = {"period": before.as_dict(), "totals": prior.total.figures(target_s)}
    return report


def _breakdown(dimension: str, tallies: dict[Any, Any], target_s: float, config: HallConfig,
               names: dict[str, str], english: bool) -> list[dict[str, Any]]:
    rows = [{"key": key, "label": _label(dimension, key, config, names, english), **t.figures(target_s)}
            for key, t in tallies.items()]
    return sorted(rows, key=lambda r: (str(type(r["key"])), r["key"]))


def _label(dimension: str, key: Any, config: HallConfig, names: dict[str, str], english: bool) -> str:
    if dimension == "window":
        window = config.window(key)
        return f"{key}号窗口 {window.name}" if window and not english else (f"Window {key}" if english else f"{key}号窗口")
    if dimension == "category":
        category = next((c for c in config.categories if c.code == key), None)
        return (category.name_en if english else category.name) if category else str(key)
    if dimension == "matter":
        matter = config.matter(key)
        return (matter.name_en or matter.name if english else matter.name) if matter else str(key)
    if dimension == "clerk":
        return names.get(key, key)
    if dimension == "hour":
        return f"{key:02d}:00"
    if dimension == "weekday":
        return (WEEKDAYS_EN if english else WEEKDAYS_ZH)[key]
    return str(key)


def _histogram(waits: list[float]) -> list[dict[str, Any]]:
    """Each bar's count is the distance between two of its bounds in the sorted waits."""
    waits = sorted(waits)
    bounds = [bisect.bisect_left(waits, (i + 1) * HISTOGRAM_STEP_MIN * 60) for i in range(HISTOGRAM_BARS - 1)]
    counts = [b - a for a, b in zip([0, *bounds], [*bounds, len(waits)], strict=True)]
    return [{"from_min": i * HISTOGRAM_STEP_MIN, "to_min": None if i == HISTOGRAM_BARS - 1 else (i + 1) * HISTOGRAM_STEP_MIN,
             "count": c} for i, c in enumerate(counts)]
