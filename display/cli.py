"""`yimen display`, `yimen announcer`, `yimen led` and `yimen bench latency`: registered by yimen/cli.py."""

from __future__ import annotations

import argparse


def register(sub: argparse._SubParsersAction) -> None:
    for name, text in (("display", "run the hall display (Kivy)"), ("announcer", "speak calls (Mandarin voice)"),
                       ("led", "drive the LED window displays")):
        p = sub.add_parser(name, help=text, description=f"{text}: not built yet.")
        p.set_defaults(func=lambda args: 2)


def add_bench_latency(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("latency", help="call-to-display latency", description="Not built yet.")
    p.set_defaults(func=lambda args: 2)
