"""`yimen sim generate` (its sibling `yimen bench dispatch` is in bench/cli.py).

It prints or writes JSON; bad input (missing file, bad JSON, wrong format, unknown preset or
kind) is one line on stderr and exit status 2.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from pathlib import Path

GENERATE_DESCRIPTION = """\
Write deterministic scenarios (format yimen-scenario/1) from a preset's windows and categories:
the same preset, kind and seed always give the same file. Kinds: quiet; busy-monday (the hall
about 90 % busy, a sharp morning peak, two short window pauses); land-surge (three times the
land/自然资源 demand; needs a land window); many-elderly (40 % priority tickets); single-overload (a category's only window offered about
135 % of its time; needs such a category); land-morning-surge (land matters three times as fast
09:00-11:00; needs a land window); window-closed (one window closed for an hour in the morning)."""

GENERATE_EPILOG = """\
examples:
  yimen sim generate --preset township --kind busy-monday --seed 2026 --out day.json
  yimen sim generate --all --seed 2026 --out-dir bench/scenarios"""


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
                   help="every kind for both presets (a kind the layout cannot have, e.g. a land surge without a "
                        "land window, is left out), "
                        "one file each in --out-dir, named PRESET-KIND.json")
    p.add_argument("--out-dir", metavar="DIR", help="directory for --all")
    p.set_defaults(func=sim_generate)


def _fail(message: str) -> int:
    print(f"error: {message}", file=sys.stderr)
    return 2


def sim_generate(args: argparse.Namespace) -> int:
    from ..config import load_preset
    from .generate import KINDS, GenerateError, generate
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
                try:  # a kind the preset's layout cannot have (no land window, …) is left out
                    doc = generate(preset, kind, args.seed, config)
                except GenerateError:
                    continue
                path = out_dir / f"{preset}-{kind}.json"
                path.write_text(_dump(doc), "utf-8")
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


ADVISE_DESCRIPTION = """\
Propose which windows should serve which categories. Every candidate layout is scored by
replaying days through the production dispatcher: lowest mean wait wins, ties by P95. The days
are scenario files, or (--history) the hall's own last working days read from its database
(read only: the server may keep running). Dedicated windows stay as they are (with --history:
those the hall file marks dedicated, by default the police, land and market windows; with
scenario files: those serving a single category); other
windows may learn any category not marked --exclusive, up to --max-categories each. It prints
the proposal and the simulated before/after (mean, P95, per category) on the fitted days and on
the --holdout days, next to the pooled bound (every window serving everything). It changes
nothing: a manager decides."""

ADVISE_EPILOG = """\
examples:
  yimen advise --scenario bench/scenarios/township-land-surge.json
  yimen advise --scenario mon.json tue.json --holdout wed.json --max-categories 3 --json
  yimen advise --scenario day.json --dedicated none --max-categories 7   # may pooling help?
  yimen advise --history --days 5 --holdout 5 --config hall.toml --data-dir /var/lib/yimen"""


def register_advise(sub: argparse._SubParsersAction,
                    hall_options: Callable[[argparse.ArgumentParser], None] | None = None) -> None:
    """`hall_options` adds --config and --data-dir (yimen's own, the same as `yimen serve`'s)."""
    from .advise import DEFAULT_BUDGET, DEFAULT_MAX_CATEGORIES

    p = sub.add_parser("advise", help="propose a window layout from simulated days",
                       description=ADVISE_DESCRIPTION, epilog=ADVISE_EPILOG,
                       formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--scenario", nargs="+", metavar="FILE",
                   help="days to fit the layout on (format yimen-scenario/1, the same windows)")
    p.add_argument("--history", action="store_true",
                   help="fit on the hall's own last working days (its database, read only) instead of scenario files")
    p.add_argument("--days", type=int, default=5, metavar="N", help="with --history: fit on the last N working days "
                                                                     "before today (default 5)")
    p.add_argument("--holdout", nargs="+", default=[], metavar="FILE|M",
                   help="scenario days to check it on; with --history: the number M of working days before the "
                        "fitted ones")
    p.add_argument("--max-categories", type=int, default=DEFAULT_MAX_CATEGORIES, metavar="K",
                   help=f"at most K categories on a window the advisor changes (default {DEFAULT_MAX_CATEGORIES})")
    p.add_argument("--dedicated", metavar="N,N|none",
                   help="windows never changed (default: those serving a single category)")
    p.add_argument("--exclusive", default="", metavar="CODE,CODE",
                   help="categories no further window may learn")
    p.add_argument("--budget", type=int, default=DEFAULT_BUDGET, metavar="N",
                   help=f"layouts evaluated at most (default {DEFAULT_BUDGET})")
    p.add_argument("--peak", action="store_true",
                   help="with --history: also propose one spare window to open at the busiest two hours")
    p.add_argument("--json", action="store_true", help="print JSON instead of the table")
    if hall_options is not None:
        hall_options(p)
    p.set_defaults(func=advise_command)


def _windows(text: str | None) -> frozenset[int] | None:
    if text is None:
        return None
    if text.strip().lower() == "none":
        return frozenset()
    try:
        return frozenset(int(x) for x in text.split(",") if x.strip())
    except ValueError:
        raise ValueError(f"--dedicated must be window numbers like 5,6 or 'none', not {text!r}") from None


def advise_command(args: argparse.Namespace) -> int:
    import json

    from .advise import AdviseError, Constraints, advise
    from .scenario import ScenarioError, load_scenario

    if args.history == bool(args.scenario):
        return _fail("say --scenario FILE… or --history (one of them)")
    if args.history:
        return _advise_history(args)
    try:
        days = [load_scenario(f) for f in args.scenario]
        held = [load_scenario(f) for f in args.holdout]
        constraints = Constraints(args.max_categories, _windows(args.dedicated),
                                  frozenset(c.strip() for c in args.exclusive.split(",") if c.strip()),
                                  args.budget)
        advice = advise(days, held, constraints)
    except (ScenarioError, AdviseError, ValueError) as exc:
        return _fail(str(exc))
    if args.json:
        print(json.dumps(advice.as_dict(), ensure_ascii=False, indent=1))
    else:
        sys.stdout.write(advice_text(advice.as_dict()))
    return 0


def _advise_history(args: argparse.Namespace) -> int:
    """`yimen advise --history`: the hall's database, read only, and its configuration."""
    import json
    import sqlite3
    import time

    from ..config import ConfigError, resolve_config
    from ..errors import Invalid
    from ..numbering import business_day
    from ..store import DB_NAME, Store
    from .advising import Request, run

    try:
        holdout = int(args.holdout[0]) if args.holdout else 0
        if len(args.holdout) > 1:
            raise ValueError
    except ValueError:
        return _fail("with --history, --holdout is a number of days, e.g. --holdout 5")
    try:
        config = resolve_config(getattr(args, "config", None))
    except ConfigError as exc:
        return _fail("the configuration cannot be used: " + "; ".join(str(p) for p in exc.problems))
    data_dir = Path(getattr(args, "data_dir", None) or ".")
    path = data_dir / DB_NAME
    if not path.is_file():
        return _fail(f"no hall database in {data_dir} (looked for {path}); pass the server's --data-dir")
    try:
        dedicated = _windows(args.dedicated)
    except ValueError as exc:
        return _fail(str(exc))
    request = Request(args.days, holdout, args.max_categories, None if dedicated is None else tuple(sorted(dedicated)),
                      tuple(c.strip() for c in args.exclusive.split(",") if c.strip()), args.budget, args.peak)
    store = Store.read_only(path)
    try:
        doc = run(store, config, business_day(time.time()).isoformat(), request)
    except Invalid as exc:
        return _fail(exc.message)
    except sqlite3.DatabaseError as exc:
        return _fail(f"cannot read the hall's database {path}: {exc}")
    finally:
        store.close()
    if args.json:
        print(json.dumps(doc, ensure_ascii=False, indent=1))
    else:
        days = ", ".join(d["day"] for d in doc["days"])
        held = ", ".join(d["day"] for d in doc["held_days"]) or "none"
        sys.stdout.write(f"Fitted on {days}; held out: {held}.\n\n" + advice_text(doc) + peak_text(doc.get("peak")))
    return 0


def peak_text(peak: dict | None) -> str:
    """The peak-hours window, if one was asked for."""
    if peak is None:
        return ""
    if peak["window"] is None:
        return f"\nBusiest hours {peak['from']}-{peak['to']}: no spare window then (every window is open).\n"
    lines = [f"\nBusiest hours {peak['from']}-{peak['to']}: open window {peak['window']} then, serving "
             f"{' '.join(peak['serves'])} (simulated apart from the layout, minutes):"]
    for title, key in (("fitted", "fitted"), ("held-out", "held_out")):
        if key in peak:
            a, b = peak[key]["proposed"], peak[key]["peak"]
            lines.append(f"  {title:<9} mean {_min(a['mean_wait_s'])} -> {_min(b['mean_wait_s'])}, "
                         f"P95 {_min(a['p95_wait_s'])} -> {_min(b['p95_wait_s'])}")
    return "\n".join(lines) + "\n"


def _min(s: float) -> str:
    return f"{s / 60:.1f}"


def advice_text(doc: dict) -> str:
    """The proposal and the before/after table, in minutes."""
    lines = ["Proposed layout (window: categories in preference order):"]
    changed = {c["window"] for c in doc["changes"]}
    for w, serves in doc["proposed"].items():
        mark = f"   was {' '.join(doc['hall'][w])}" if int(w) in changed else ""
        fixed = " (dedicated)" if int(w) in doc["dedicated"] else ""
        lines.append(f"  {w:>2}: {' '.join(serves)}{fixed}{mark}")
    if not changed:
        lines.append("  no change found that shortens the mean wait")
    for title, fig in (("fitted days", doc["fitted"]), ("held-out days", doc["held_out"])):
        if fig is None:
            continue
        hall, prop, pooled = fig["hall"], fig["proposed"], fig["pooled"]
        cut = 1 - prop["mean_wait_s"] / hall["mean_wait_s"] if hall["mean_wait_s"] else 0.0
        ratio = prop["mean_wait_s"] / pooled["mean_wait_s"] if pooled["mean_wait_s"] else float("nan")
        lines += ["", f"Simulated waits on the {title} ({hall['tickets']} tickets), minutes:",
                  f"  {'':<10}{'hall mean':>10}{'P95':>8}{'proposed':>10}{'P95':>8}{'pooled':>8}{'P95':>8}"]
        rows = [("all", hall["mean_wait_s"], hall["p95_wait_s"], prop["mean_wait_s"], prop["p95_wait_s"],
                 pooled["mean_wait_s"], pooled["p95_wait_s"])]
        for c, h in hall["per_category"].items():
            p, q = prop["per_category"][c], pooled["per_category"][c]
            rows.append((c, h["mean"], h["p95"], p["mean"], p["p95"], q["mean"], q["p95"]))
        for name, *xs in rows:
            lines.append(f"  {name:<10}" + "".join(f"{_min(x):>{10 if i % 2 == 0 else 8}}"
                                                   for i, x in enumerate(xs)))
        lines.append(f"  mean wait cut {cut:.0%} against the hall's layout; {ratio:.2f}x the pooled bound")
    lines.append(f"\n{doc['evaluations']} layouts evaluated. Nothing was changed: the hall decides.")
    return "\n".join(lines) + "\n"
