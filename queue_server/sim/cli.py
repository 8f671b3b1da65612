"""`yimen sim generate` (its sibling `yimen bench dispatch` is in bench/cli.py).

It prints or writes JSON; bad input (missing file, bad JSON, wrong format, unknown preset or
kind) is one line on stderr and exit status 2.
"""

from __future__ import annotations

import argparse
import sys
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
