"""`yimen bench …`: every benchmark of the project, registered in one place.

`dispatch` replays a scenario (bench/scenarios/) through the production dispatcher; `latency`
times a call to the last of N screens; `printer` times the kiosk's tap to the last printer byte;
`issuing` and `floods` drive a real server process; `stats` times the live page and reports on a
generated year of history. Each prints one JSON document. The heavy parts
are imported only when a benchmark runs, so `yimen --help` stays fast.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from pathlib import Path


def register(sub: argparse._SubParsersAction) -> None:
    """The `bench` command and its benchmarks, in the order `yimen bench --help` lists them."""
    from .floods import add_bench_floods
    from .issuing import add_bench_issuing
    from .stats import add_bench_stats

    bench = sub.add_parser("bench", help="measure performance (prints JSON)",
                           description="Benchmarks: each prints one JSON document on stdout.")
    bench_sub = bench.add_subparsers(dest="bench_command", required=True, metavar="BENCH")
    add_bench_dispatch(bench_sub)
    add_bench_advise(bench_sub)
    add_bench_latency(bench_sub)
    add_printer_bench(bench_sub)
    add_bench_issuing(bench_sub)
    add_bench_floods(bench_sub)
    add_bench_stats(bench_sub)


def _fail(message: str) -> int:
    print(f"error: {message}", file=sys.stderr)
    return 2


# ---------------------------------------------------------------- dispatch (the simulator)

BENCH_DESCRIPTION = """\
Replay a day (a scenario file, format yimen-scenario/1) through the production Hall on a
simulated clock, and print one JSON document: wait figures (mean, P50, P90, P95, max, per
category, priority) and the estimate's accuracy (MAE, the QL estimate's MAE, coverage of the
printed range, mean range width) for the chosen policy; in the same run, the pooled bound, the
pooled-by-component reference, every peer policy, the production dispatcher with priority
ignored, the ratios and whether each target is met. Times are in seconds."""

BENCH_EPILOG = """\
policies: production (the hall's dispatcher), fifo-own (oldest ticket of the window's own
categories), assign-at-issue (bound to the least-loaded capable window when issued),
weights (the window's category weight, then arrival); each in a strict green-channel form
(-green: a waiting priority ticket first at any window that may serve it) and a priority-blind
one (fifo-own, assign-at-issue, weights-blind; reported for information).
targets: mean <= 1.2 x pooled (only where the skill layout allows pooling), mean and P95 no
worse than the best green peer, priority tickets' mean <= 1.25 x fifo-own-green's, no ticket
passed more than K times, estimate MAE <= 0.9 x QL MAE, coverage >= 0.75.
exit status: 0 when the report was printed (whatever the targets), 2 on bad input.
example: yimen bench dispatch --scenario bench/scenarios/township-busy-monday.json"""


def add_bench_dispatch(sub: argparse._SubParsersAction) -> None:
    from queue_server.sim.policies import POLICIES

    p = sub.add_parser("dispatch", help="replay a scenario through the production dispatcher",
                       description=BENCH_DESCRIPTION, epilog=BENCH_EPILOG,
                       formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--scenario", required=True, metavar="FILE", help="scenario JSON (yimen-scenario/1)")
    p.add_argument("--policy", default="production", choices=POLICIES,
                   help="the policy whose figures head the report (default: production)")
    p.add_argument("--trace", metavar="OUT.csv",
                   help="write one CSV row per ticket of that policy's run (columns of benchmarks.md §1)")
    p.set_defaults(func=bench_dispatch)


def bench_dispatch(args: argparse.Namespace) -> int:
    from queue_server.sim.metrics import trace_csv
    from queue_server.sim.scenario import ScenarioError, load_scenario

    from .dispatch import bench

    try:
        scenario = load_scenario(args.scenario)
    except ScenarioError as exc:
        return _fail(str(exc))
    report, records = bench(scenario, args.policy)
    report = {"file": str(args.scenario), **report}
    if args.trace:
        try:
            Path(args.trace).write_text(trace_csv(records), "utf-8")
        except OSError as exc:
            return _fail(f"cannot write the trace {args.trace}: {exc.strerror or exc}")
    print(json.dumps(report, ensure_ascii=False, indent=2))
    return 0


# ---------------------------------------------------------------- advise (the layout advisor)

def add_bench_advise(sub: argparse._SubParsersAction) -> None:
    from queue_server.sim.advise import DEFAULT_BUDGET

    from .advice import CUT_TARGET, HELD_OUT_SEEDS, OVERLOADED, POOLED_FACTOR

    p = sub.add_parser("advise", help="the layout advisor's before/after on the overloaded days",
                       description="Run the layout advisor on each committed day where a category is "
                                   "overloaded, under the hall's constraints and with pooling allowed, and score "
                                   "each proposal on that day and on held-out generated days of the same kind; "
                                   "prints JSON with the simulated mean and P95 before/after, the cut and the "
                                   "ratio to the pooled bound. Takes minutes.",
                       epilog=f"targets: mean wait cut >= {CUT_TARGET:.0%} under the hall's constraints; "
                              f"<= {POOLED_FACTOR} x the pooled bound where pooling is allowed. "
                              f"Days: {', '.join(OVERLOADED)}; held out: seeds "
                              f"{', '.join(map(str, HELD_OUT_SEEDS))}.")
    p.add_argument("--scenario", action="append", choices=OVERLOADED, metavar="NAME",
                   help="only this committed day (repeatable; default: all of them)")
    p.add_argument("--budget", type=int, default=DEFAULT_BUDGET, metavar="N",
                   help=f"layouts evaluated at most per search (default: {DEFAULT_BUDGET})")
    p.set_defaults(func=bench_advise)


def bench_advise(args: argparse.Namespace) -> int:
    from .advice import OVERLOADED, run

    if args.budget < 1:
        return _fail("--budget must be at least 1")
    print(json.dumps(run(args.scenario or OVERLOADED, args.budget), ensure_ascii=False, indent=2))
    return 0


# ---------------------------------------------------------------- latency (call to screens)

def add_bench_latency(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("latency", help="call-to-display latency",
                       description="Start the real server and a bare aiohttp broadcast server on loopback, N websocket "
                                   "clients on each; make K calls through Yimen's HTTP API, interleaved with K "
                                   "broadcasts of a same-sized message by the bare server, and time each to the LAST "
                                   "client's receipt; prints JSON with both and the ratio.")
    p.add_argument("--devices", type=int, default=50, metavar="N", help="websocket clients (default: 50)")
    p.add_argument("--calls", type=int, default=200, metavar="K", help="calls (default: 200)")
    p.add_argument("--waiting", type=int, default=20, metavar="W",
                   help="tickets kept waiting while calling (default: 20; the server re-estimates them after every burst)")
    p.add_argument("--audio-calls", type=int, default=20, metavar="A",
                   help="after the display run, A more calls timed to the announcer starting to play "
                        "(real Mandarin segments, pre-rendered; 0 skips; default: 20)")
    p.add_argument("--data-parent", default=None, metavar="DIR",
                   help="where the temporary database goes (default: the system's temp dir); "
                        "compare a disk or SD card with /dev/shm to see what the durable commit costs")
    p.set_defaults(func=run_bench_latency)


def run_bench_latency(args: argparse.Namespace) -> int:
    if args.devices < 1 or args.calls < 1 or args.waiting < 0:
        print("yimen bench latency: --devices and --calls must be at least 1, --waiting at least 0", file=sys.stderr)
        return 2
    from .latency import run_bench

    print(json.dumps(asyncio.run(run_bench(args.devices, args.calls, args.data_parent, args.waiting,
                                                args.audio_calls)), indent=2))
    return 0


# ---------------------------------------------------------------- printer (the kiosk's tap)

def printer_bench_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--server", help="a running server (default: start one on loopback)")
    parser.add_argument("--token", help="its kiosk device token")
    parser.add_argument("--bauds", default="115200,9600", type=lambda s: [int(x) for x in s.split(",")],
                        help="printer line speeds to measure, comma-separated (default: 115200,9600)")
    parser.add_argument("--tickets", type=int, default=5, help="tickets per baud rate (default: 5)")


def add_printer_bench(sub: argparse._SubParsersAction) -> None:
    """`yimen bench printer`: the kiosk's printing path against the wire's physical limit."""
    p = sub.add_parser("printer", help="tap to last printer byte, bytes per slip (kiosk)",
                       description="Issue tickets through the kiosk service and a pty 'printer' that takes "
                                   "bytes at the given baud rates; prints JSON with the time from confirm to "
                                   "the last byte against bytes × 10 / baud.")
    printer_bench_arguments(p)
    p.set_defaults(func=_printer_bench)


def _printer_bench(args: argparse.Namespace) -> int:
    from .printer import bench

    return bench(args)
