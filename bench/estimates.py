"""`yimen bench estimates`: how honest the hall's estimates are, on committed and generated days.

Two questions, both answered from the estimate the hall printed at issue (the `ticket_issued`
event), never from anything the hall learnt later:

- **The range.** Against the real wait: MAE (and the QL rule's MAE), coverage (share of real
  waits inside the printed range) and the mean range width. For comparison, the width a QL
  range would need for the same coverage: the narrowest band `QL·(1 ± a)` that holds 80 % of
  the day's real waits — fitted on the day itself, so it flatters QL.
- **"Not served today".** On days whose arrivals run until closing (`with_closing`: the hall
  closes at the end of the day's opening time), a ticket the hall marked `beyond_closing` at
  issue is a prediction "not called before closing"; the truth is whether it was called before
  the close. Precision and recall of that prediction (`closing_scores`).

Targets (issue 14): MAE ≤ 0.7 × QL's and coverage ≥ 80 % on every committed day; precision and
recall of the closing prediction ≥ 0.9 over the generated overloaded days.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from typing import Any

from queue_server.events import Event
from queue_server.hall import Hall
from queue_server.hallconfig import Hours
from queue_server.sim.metrics import estimate_metrics
from queue_server.sim.replay import SIM_DAY, Record, Replay
from queue_server.sim.scenario import Scenario

MAE_FACTOR = 0.7
MIN_COVERAGE = 0.8
MIN_PRECISION = 0.9
MIN_RECALL = 0.9
QL_COVERAGE = 0.8


def ql_width(records: Sequence[Record], coverage: float = QL_COVERAGE) -> float | None:
    """Mean width of the narrowest band QL·(1 ± a) holding `coverage` of the real waits (seconds)."""
    known = [r for r in records if r.ql_s is not None and r.ql_s > 0]
    if not known:
        return None
    # a ticket is inside once a ≥ |wait − ql| / ql; the band needs the coverage-quantile of those
    need = sorted(abs(r.wait_s - (r.ql_s or 0.0)) / (r.ql_s or 1.0) for r in known)
    a = need[min(len(need) - 1, math.ceil(coverage * len(need)) - 1)]
    return round(sum(2 * a * (r.ql_s or 0.0) for r in known) / len(known), 1)


def estimate_report(records: Sequence[Record]) -> dict[str, Any]:
    """The estimate figures of one day, with the targets of issue 14."""
    est = estimate_metrics(records)
    ratio = None if not est["ql_mae_s"] else round(est["mae_s"] / est["ql_mae_s"], 3)
    return {**est, "mae_vs_ql": ratio, "ql_width_at_80_s": ql_width(records),
            "targets": {"mae_within_0.7x_ql": ratio is not None and ratio <= MAE_FACTOR,
                        "coverage_at_least_0.8": est["coverage"] is not None and est["coverage"] >= MIN_COVERAGE}}


@dataclass(frozen=True)
class Called:
    """One ticket of a day with a closing time: told `beyond` at issue; called before closing or not."""

    beyond: bool
    called_before_close: bool


def closing_scores(tickets: Iterable[Called]) -> dict[str, Any]:
    """Precision and recall of "not called before closing" as predicted at issue."""
    tp = fp = fn = tn = 0
    for t in tickets:
        late = not t.called_before_close
        if t.beyond and late:
            tp += 1
        elif t.beyond:
            fp += 1
        elif late:
            fn += 1
        else:
            tn += 1
    return {"tickets": tp + fp + fn + tn, "not_called": tp + fn, "predicted": tp + fp,
            "true_positive": tp, "false_positive": fp, "false_negative": fn,
            "precision": round(tp / (tp + fp), 3) if tp + fp else None,
            "recall": round(tp / (tp + fn), 3) if tp + fn else None}


def _hhmm(seconds_after_0830: float) -> str:
    minutes = 8 * 60 + 30 + math.ceil(seconds_after_0830 / 60)
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


class ClosingReplay(Replay):
    """The production replay of a day whose hall closes `close_s` after opening (the day itself
    runs on until everyone is called, so we can see who would not have been); keeps what each
    ticket was told at issue."""

    def __init__(self, scenario: Scenario, close_s: float):
        super().__init__(scenario)
        config = replace(self.hall.config, hours=Hours((1, 2, 3, 4, 5), (("08:30", _hhmm(close_s)),)))
        self.hall = Hall(config, SIM_DAY, dispatcher=self.dispatcher)
        self.rules = self.hall.rules
        self.close_s = math.ceil(close_s / 60) * 60
        self.told: dict[str, bool] = {}  # hall ticket id -> beyond_closing at issue

    def _do(self, event: Event) -> Event:
        event = super()._do(event)
        if event.type == "ticket_issued":
            self.told[event.data["ticket"]] = bool(event.data["estimate"].get("beyond_closing"))
        return event

    def called(self) -> list[Called]:
        by_arrival = {a: t for t, a in self._by_ticket.items()}
        return [Called(self.told[by_arrival[r.id]], r.called_s is not None and r.called_s < self.close_s)
                for r in self.records.values()]


def closing_day(scenario: Scenario, close_s: float) -> dict[str, Any]:
    """Replay `scenario` with the hall closing at `close_s`; the day's scores and estimate figures."""
    run = ClosingReplay(scenario, close_s)
    records = run.run()
    return {"scenario": scenario.name, "close_s": run.close_s, **closing_scores(run.called()),
            "estimate": estimate_report(records)}


def pooled_scores(days: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """Precision and recall over several days' tickets together, with the targets."""
    tp, fp, fn = (sum(d[k] for d in days) for k in ("true_positive", "false_positive", "false_negative"))
    n = sum(d["tickets"] for d in days)
    out = closing_scores([Called(True, False)] * tp + [Called(True, True)] * fp + [Called(False, False)] * fn
                         + [Called(False, True)] * (n - tp - fp - fn))
    out["targets"] = {"precision_at_least_0.9": out["precision"] is not None and out["precision"] >= MIN_PRECISION,
                      "recall_at_least_0.9": out["recall"] is not None and out["recall"] >= MIN_RECALL}
    return out
