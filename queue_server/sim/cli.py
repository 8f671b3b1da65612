"""`yimen bench dispatch` and `yimen sim generate`.

Both print or write JSON; bad input (missing file, bad JSON, wrong format, unknown preset or
kind) is one line on stderr and exit status 2.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

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
weights (priority weight, then the window's category weight, then arrival).
targets: mean <= 1.2 x pooled (only where the skill layout allows pooling), mean and P95 no
worse than the best peer, estimate MAE <= 0.9 x QL MAE, coverage >= 0.75.
exit status: 0 when the report was printed (whatever the targets), 2 on bad input.
example: yimen bench dispatch --scenario benchmarks/scenarios/township-busy-monday.json"""

GENERATE_DESCRIPTION = """\
Write deterministic scenarios (format yimen-scenario/1) from a preset's windows and categories:
the same preset, kind and seed always give the same file. Kinds: quiet; busy-monday (the hall
about 90 % busy, a sharp morning peak, two short window pauses); land-surge (three times the
land/自然资源 demand; needs a land window); many-elderly (40 % priority tickets)."""

GENERATE_EPILOG = """\
examples:
  yimen sim generate --preset township --kind busy-monday --seed 2026 --out day.json
  yimen sim generate --all --seed 2026 --out-dir benchmarks/scenarios"""


def add_bench_dispatch(sub: argparse._SubParsersAction) -> None:
    from .policies import POLICIES

    p = sub.add_parser("dispatch", help="replay a scenario through the production dispatcher",
                       description=BENCH_DESCRIPTION, epilog=BENCH_EPILOG,
                       formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--scenario", required=True, metavar="FILE", help="scenario JSON (yimen-scenario/1)")
    p.add_argument("--policy", default="production", choices=POLICIES,
                   help="the policy whose figures head the report (default: production)")
    p.add_argument("--trace", metavar="OUT.csv",
                   help="write one CSV row per ticket of that policy's run (columns of benchmarks.md §1)")
    p.set_defaults(func=bench_dispatch)


def add_sim_commands(sub: argparse._SubParsersAction) -> None:
    from .generate import KINDS

    p = sub.add_parser("generate", help="write scenarios for the presets",
                       description=GENERATE_DESCRIPTION, epilog=GENERATE_EPILOG,
                       formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--preset", choices=("township", "village"), help="the hall whose windows are used")
    p.add_argument("--kind", choices=KINDS, help="what kind of day")
    p.add_argument("--seed", type=int, default=2026, help="random seed (default 2026)")
    p.add_argument("--out", metavar="FILE", help="write here instead of standard output")
    p.add_argument("--all", action="store_true",
                   help="every kind for both presets (land-surge only where there is a land window), "
                        "one file each in --out-dir, named PRESET-KIND.json")
    p.add_argument("--out-dir", metavar="DIR", help="directory for --all")
    p.set_defaults(func=sim_generate)


def _fail(message: str) -> int:
    print(f"error: {message}", file=sys.stderr)
    return 2


def bench_dispatch(args: argparse.Namespace) -> int:
    from .bench import bench
    from .metrics import trace_csv
    from .scenario import ScenarioError, load_scenario

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


def sim_generate(args: argparse.Namespace) -> int:
    from ..config import load_preset
    from .generate import KINDS, GenerateError, generate, land_category
    from .scenario import dumps as _dump

    if args.all:
        if not args.out_dir:
            return _fail("--all needs --out-dir DIR")
        out_dir = Path(args.out_dir)
        try:
            out_dir.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            return _fail(f"cannot create {out_dir}: {exc.strerror or exc}")
        for preset in ("township", "village"):
            config = load_preset(preset)
            for kind in KINDS:
                if kind == "land-surge" and land_category(config) is None:
                    continue
                path = out_dir / f"{preset}-{kind}.json"
                path.write_text(_dump(generate(preset, kind, args.seed, config)), "utf-8")
                print(path)
        return 0
    if not args.preset or not args.kind:
        return _fail("say --preset and --kind (or --all --out-dir DIR)")
    try:
        doc = generate(args.preset, args.kind, args.seed)
    except GenerateError as exc:
        return _fail(str(exc))
    if args.out:
        try:
            Path(args.out).write_text(_dump(doc), "utf-8")
        except OSError as exc:
            return _fail(f"cannot write {args.out}: {exc.strerror or exc}")
    else:
        sys.stdout.write(_dump(doc))
    return 0
