"""`yimen kiosk` (and later `yimen review`): registered by yimen/cli.py."""

from __future__ import annotations

import argparse


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("kiosk", help="run the ticket kiosk (Kivy touchscreen)",
                       description="The ticket kiosk: not built yet.")
    p.set_defaults(func=lambda args: 2)
