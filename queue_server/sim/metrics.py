"""Figures of a replayed day, and its trace as CSV (columns exactly as benchmarks.md §1)."""

from __future__ import annotations

import csv
import io
import math
from collections.abc import Iterable, Sequence
from typing import Any

from .replay import Record

TRACE_COLUMNS = ("id", "category", "priority", "arrival_s", "called_s", "window", "started_s",
                 "finished_s", "outcome", "estimate_s", "estimate_low_s", "estimate_high_s")


def percentile(values: Sequence[float], q: float) -> float:
    """The q-th percentile (0–100), linear between the two nearest ranks (numpy's default)."""
    if not values:
        return 0.0
    xs = sorted(values)
    pos = (len(xs) - 1) * q / 100
    lo = math.floor(pos)
    hi = min(lo + 1, len(xs) - 1)
    return xs[lo] + (xs[hi] - xs[lo]) * (pos - lo)


def _r(x: float) -> float:
    return round(x, 1)


def _group(waits: Sequence[float]) -> dict[str, Any]:
    n = len(waits)
    return {"n": n, "mean": _r(sum(waits) / n) if n else 0.0, "p95": _r(percentile(waits, 95))}


def wait_metrics(records: Sequence[Record]) -> dict[str, Any]:
    """Wait figures (seconds): start of service − arrival, no-shows included (started = called)."""
    waits = [r.wait_s for r in records]
    n = len(waits)
    by_cat: dict[str, list[float]] = {}
    for r in records:
        by_cat.setdefault(r.category, []).append(r.wait_s)
    return {
        "tickets": n,
        "mean_wait_s": _r(sum(waits) / n) if n else 0.0,
        "p50_wait_s": _r(percentile(waits, 50)),
        "p90_wait_s": _r(percentile(waits, 90)),
        "p95_wait_s": _r(percentile(waits, 95)),
        "max_wait_s": _r(max(waits, default=0.0)),
        "per_category": {c: _group(w) for c, w in sorted(by_cat.items())},
        "priority": _group([r.wait_s for r in records if r.priority]),
    }


def estimate_metrics(records: Sequence[Record]) -> dict[str, Any]:
    """How the estimate printed at issue compared with the real wait, and the QL estimate's error."""
    # (record, estimate, low, high) of the records given a finite estimate (the replay sets all three)
    known = [(r, r.estimate_s, r.estimate_low_s, r.estimate_high_s) for r in records
             if r.estimate_s is not None and math.isfinite(r.estimate_s)
             and r.estimate_low_s is not None and r.estimate_high_s is not None]
    if not known:
        return {"n": 0, "mae_s": None, "ql_mae_s": None, "coverage": None, "mean_range_width_s": None}
    n = len(known)
    mae = sum(abs(est - r.wait_s) for r, est, _, _ in known) / n
    ql = sum(abs((r.ql_s or 0.0) - r.wait_s) for r, _, _, _ in known) / n
    inside = sum(1 for r, _, low, high in known if low <= r.wait_s <= high)
    width = sum(high - low for _, _, low, high in known) / n
    return {"n": n, "mae_s": _r(mae), "ql_mae_s": _r(ql), "coverage": round(inside / n, 3),
            "mean_range_width_s": _r(width)}


def _cell(x: Any) -> str:
    if x is None:
        return ""
    if isinstance(x, bool):
        return "1" if x else "0"
    if isinstance(x, float):
        return "inf" if math.isinf(x) else f"{x:.1f}"
    return str(x)


def trace_csv(records: Iterable[Record]) -> str:
    """One row per ticket, in arrival order."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(TRACE_COLUMNS)
    for r in sorted(records, key=lambda r: r.arrival_s):
        writer.writerow([_cell(getattr(r, c) if c != "priority" else r.priority) for c in TRACE_COLUMNS])
    return out.getvalue()
