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

import argparse
import json
import math
import statistics
import sys
from collections.abc import Iterable, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from queue_server.config import load_preset
from queue_server.events import Event
from queue_server.hall import Hall
from queue_server.hallconfig import HallConfig, Hours
from queue_server.sim.generate import KINDS, GenerateError, generate
from queue_server.sim.metrics import estimate_metrics
from queue_server.sim.replay import SIM_DAY, Record, Replay
from queue_server.sim.scenario import Scenario, load_scenario, parse_scenario

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


# ---------------------------------------------------------------- the command

SCENARIOS = Path(__file__).parent / "scenarios"
# Overloaded days for the closing prediction: the hall closes at the end of the day's opening time,
# while the queue is still long (the bad days, and busy days whose afternoon runs into closing).
CLOSING_KINDS = (("township", "single-overload"), ("township", "land-surge"), ("township", "land-morning-surge"),
                 ("township", "busy-monday"), ("township", "window-closed"), ("village", "busy-monday"),
                 ("village", "window-closed"))


def _committed(path: Path) -> dict[str, Any]:
    return {"scenario": path.stem, **estimate_report(Replay(load_scenario(path)).run())}


def _generated(job: tuple[str, str, int]) -> dict[str, Any]:
    preset, kind, seed = job
    return {"scenario": f"{preset}-{kind}-{seed}",
            **estimate_report(Replay(parse_scenario(generate(preset, kind, seed))).run())}


def _closing(job: tuple[str, str, int]) -> dict[str, Any]:
    preset, kind, seed = job
    config = load_preset(preset)
    return closing_day(parse_scenario(generate(preset, kind, seed, config)), open_seconds(config))


def summary(days: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """Averages and worst values of the estimate figures over `days`, and how many met each target."""
    def mean(key: str) -> float:
        return round(statistics.mean(d[key] for d in days), 3)
    return {"days": len(days), "mae_vs_ql_mean": mean("mae_vs_ql"),
            "mae_vs_ql_worst": max(d["mae_vs_ql"] for d in days),
            "coverage_mean": mean("coverage"), "coverage_worst": min(d["coverage"] for d in days),
            "mean_range_width_s": round(mean("mean_range_width_s"), 1),
            "ql_width_at_80_s": round(mean("ql_width_at_80_s"), 1),
            "met": {k: sum(d["targets"][k] for d in days) for k in days[0]["targets"]}}


def run(held_out: range, closing: range, jobs: int = 2) -> dict[str, Any]:
    """The whole report: committed days, held-out generated days, and the closing prediction."""
    presets = {p: load_preset(p) for p in ("township", "village")}
    generated = [(p, k, s) for p, config in presets.items() for k in KINDS for s in held_out
                 if _possible(p, k, config)]
    closing_jobs = [(p, k, s) for p, k in CLOSING_KINDS for s in closing]
    with ProcessPoolExecutor(jobs) as pool:
        committed = list(pool.map(_committed, sorted(SCENARIOS.glob("*.json"))))
        held = list(pool.map(_generated, generated))
        days = list(pool.map(_closing, closing_jobs))
    by_kind = {f"{p} {k}": pooled_scores([d for d, job in zip(days, closing_jobs, strict=True) if job[:2] == (p, k)])
               for p, k in CLOSING_KINDS}
    return {
        "targets": {"mae_vs_ql_at_most": MAE_FACTOR, "coverage_at_least": MIN_COVERAGE,
                    "closing_precision_at_least": MIN_PRECISION, "closing_recall_at_least": MIN_RECALL},
        "committed": committed, "committed_summary": summary(committed),
        "held_out": {"seeds": [held_out.start, held_out.stop - 1], **summary(held),
                     "missed": [d for d in held if not all(d["targets"].values())]},
        "closing": {"seeds": [closing.start, closing.stop - 1], "all": pooled_scores(days), "by_kind": by_kind,
                    "days": [{k: v for k, v in d.items() if k != "estimate"} for d in days]},
    }


def open_seconds(config: HallConfig) -> float:
    """The hall's opening time in a day, its sessions end to end (a generated day's length)."""
    def minutes(hhmm: str) -> int:
        h, m = hhmm.split(":")
        return int(h) * 60 + int(m)
    return sum(minutes(b) - minutes(a) for a, b in config.hours.sessions) * 60.0


def _possible(preset: str, kind: str, config: HallConfig) -> bool:
    try:
        generate(preset, kind, 0, config)
    except GenerateError:
        return False
    return True


def table(report: dict[str, Any]) -> str:
    """The report in Markdown, for people."""
    lines = ["| day | MAE vs QL | coverage | mean range width | QL width at 80 % |", "|---|---|---|---|---|"]
    for d in report["committed"]:
        lines.append(f"| {d['scenario']} | ×{d['mae_vs_ql']:.3f}{'' if d['targets']['mae_within_0.7x_ql'] else ' ✘'} "
                     f"| {d['coverage']:.3f}{'' if d['targets']['coverage_at_least_0.8'] else ' ✘'} "
                     f"| {d['mean_range_width_s'] / 60:.1f} min | {d['ql_width_at_80_s'] / 60:.1f} min |")
    for name, s in (("committed, mean", report["committed_summary"]), ("held out, mean", report["held_out"])):
        lines.append(f"| {name} of {s['days']} | ×{s['mae_vs_ql_mean']:.3f} (worst ×{s['mae_vs_ql_worst']:.3f}) "
                     f"| {s['coverage_mean']:.3f} (worst {s['coverage_worst']:.3f}) "
                     f"| {s['mean_range_width_s'] / 60:.1f} min | {s['ql_width_at_80_s'] / 60:.1f} min |")
    lines += ["", "| closing prediction | tickets | not called | told so | precision | recall |", "|---|---|---|---|---|---|"]
    for name, s in [*report["closing"]["by_kind"].items(), ("all days", report["closing"]["all"])]:
        lines.append(f"| {name} | {s['tickets']} | {s['not_called']} | {s['predicted']} | {s['precision']} | {s['recall']} |")
    return "\n".join(lines)


def add_bench_estimates(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("estimates", help="how honest the wait estimates and the 'not served today' warning are",
                       description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--held-out", default="300-306", metavar="A-B", help="seeds of the held-out generated days (default 300-306)")
    p.add_argument("--closing", default="400-409", metavar="A-B",
                   help="seeds of the overloaded days for the closing prediction (default 400-409)")
    p.set_defaults(func=_main)


def _seeds(text: str) -> range:
    a, _, b = text.partition("-")
    first, last = int(a), int(b or a)
    if last < first:
        raise ValueError(text)
    return range(first, last + 1)


def _main(args: argparse.Namespace) -> int:
    try:
        held, closing = _seeds(args.held_out), _seeds(args.closing)
    except ValueError:
        print("yimen bench estimates: seeds are A-B with A <= B, e.g. 300-306", file=sys.stderr)
        return 2
    report = run(held, closing)
    print(table(report), file=sys.stderr)
    print(json.dumps(report, ensure_ascii=False, indent=2))
    return 0
