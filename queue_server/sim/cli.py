"""`yimen bench dispatch` and `yimen sim generate` (placeholder until the simulator lands)."""

from __future__ import annotations

import argparse


def add_bench_dispatch(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("dispatch", help="replay a scenario through the production dispatcher")
    p.set_defaults(func=lambda args: 2)


def add_sim_commands(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("generate", help="write scenarios for the presets")
    p.set_defaults(func=lambda args: 2)
