"""What each part of the calling rule costs, over many generated days (prints JSON).

    .venv/bin/python -m bench.dispatch_ablation [--days 10] [--first-seed 100]

For every preset and kind, `--days` seeds are generated and replayed through the production
dispatcher in four variants (green channel on/off × preference step 2/0 min) and through the
peer policies. Printed: the mean over days of production's ratio to the best peer of each day
(per figure) and to `fifo-own`. docs/dispatch.md §7 quotes a run of this script.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import statistics
from concurrent.futures import ProcessPoolExecutor

from queue_server.sim.generate import generate
from queue_server.sim.metrics import wait_metrics
from queue_server.sim.policies import BLIND_PEERS, PRODUCTION
from queue_server.sim.replay import Replay
from queue_server.sim.scenario import parse_scenario

PEERS = BLIND_PEERS  # the priority-blind peers this study measured (docs/dispatch.md §7)
DAYS = [("township", k) for k in ("quiet", "busy-monday", "land-surge", "many-elderly")] + \
       [("village", k) for k in ("quiet", "busy-monday", "many-elderly")]
VARIANTS = {"green channel, step 2 min (shipped)": (True, 2.0), "green channel, step 0": (True, 0.0),
            "priority-blind, step 2 min": (False, 2.0), "priority-blind, step 0": (False, 0.0)}


def one_day(job: tuple[str, str, int]) -> dict[str, tuple[float, float]]:
    preset, kind, seed = job
    day = parse_scenario(generate(preset, kind, seed))
    out = {}
    for name in PEERS:
        m = wait_metrics(Replay(day, name).run())
        out[name] = (m["mean_wait_s"], m["p95_wait_s"])
    for label, (priority, step) in VARIANTS.items():
        variant = dataclasses.replace(day, preference_step_min=step, arrivals=tuple(
            a if priority else dataclasses.replace(a, priority=False) for a in day.arrivals))
        m = wait_metrics(Replay(variant, PRODUCTION).run())
        out[label] = (m["mean_wait_s"], m["p95_wait_s"])
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--days", type=int, default=10, help="seeds per preset and kind (default 10)")
    parser.add_argument("--first-seed", type=int, default=100)
    args = parser.parse_args()
    jobs = [(p, k, s) for p, k in DAYS for s in range(args.first_seed, args.first_seed + args.days)]
    with ProcessPoolExecutor(2) as pool:
        days = list(pool.map(one_day, jobs))
    report: dict[str, dict[str, float]] = {}
    for label in VARIANTS:
        ratios = {"mean_vs_best_peer": [], "p95_vs_best_peer": [], "mean_vs_fifo_own": [], "p95_vs_fifo_own": []}
        for d in days:
            mean, p95 = d[label]
            ratios["mean_vs_best_peer"].append(mean / min(d[p][0] for p in PEERS))
            ratios["p95_vs_best_peer"].append(p95 / min(d[p][1] for p in PEERS))
            ratios["mean_vs_fifo_own"].append(mean / d["fifo-own"][0])
            ratios["p95_vs_fifo_own"].append(p95 / d["fifo-own"][1])
        report[label] = {k: round(statistics.mean(v), 3) for k, v in ratios.items()}
    print(json.dumps({"days": len(days), "variants": report}, ensure_ascii=False, indent=1))


if __name__ == "__main__":
    main()
