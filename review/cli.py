"""`yimen review`: the window's review pad. Registered by yimen/cli.py through `register_review(sub)`.

Kivy and the serial driver are imported only when the command runs, so `yimen --help` stays fast.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os


def _key_map(text: str) -> dict[int, int]:
    """'5,4,3,2,1' → key 1 means level 5 … key 5 means level 1."""
    parts = [p.strip() for p in text.split(",")]
    if len(parts) != 5 or sorted(parts) != ["1", "2", "3", "4", "5"]:
        raise argparse.ArgumentTypeError("give the level of keys 1..5 (left to right), e.g. 5,4,3,2,1")
    return {key: int(level) for key, level in enumerate(parts, start=1)}


def register_review(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "review", help="run a window's review pad (好差评, Kivy touchscreen, optional 5-key evaluator)",
        description="The review pad beside a window: shows the staff card; after a service (or when the clerk "
                    "asks) the five levels; reasons for 不满意/非常不满意; thanks. Needs a device token of kind "
                    "'review' bound to the window: yimen device add --kind review --window N.")
    p.add_argument("--window", type=int, required=True, help="the window number this pad stands at")
    p.add_argument("--server", default=os.environ.get("YIMEN_SERVER", "http://127.0.0.1:8080"),
                   help="queue server URL (default $YIMEN_SERVER or http://127.0.0.1:8080)")
    p.add_argument("--token", default=os.environ.get("YIMEN_TOKEN"),
                   help="the pad's device token (default $YIMEN_TOKEN)")
    p.add_argument("--evaluator", metavar="SERIAL_PORT",
                   help="a 5-key serial evaluator on this port (e.g. /dev/ttyUSB0), used beside the touchscreen")
    p.add_argument("--evaluator-address", type=int, default=1, help="the evaluator's bus address (default 1)")
    p.add_argument("--evaluator-baud", type=int, default=9600, help="serial speed (default 9600)")
    p.add_argument("--evaluator-keys", type=_key_map, default=None, metavar="L1,L2,L3,L4,L5",
                   help="level of each key left to right (default 5,4,3,2,1: leftmost is 非常满意)")
    p.add_argument("--lang", choices=("zh", "en"), default="zh", help="default language (citizens can switch)")
    p.add_argument("--size", default="800x480", help="window size, 800x480 or 1024x600 (default 800x480)")
    p.add_argument("--fullscreen", action="store_true", help="fill the panel, hide the cursor (on the pad)")
    p.add_argument("--timeout", type=float, default=None,
                   help="seconds before an unanswered rating screen gives up (default: the hall's pad_timeout_s)")
    p.set_defaults(func=_run)


def _run(args: argparse.Namespace) -> int:
    if not args.token:
        print("yimen review: a device token is needed (--token or $YIMEN_TOKEN)")
        return 2
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    from .env import parse_size, setup

    setup(parse_size(args.size), fullscreen=args.fullscreen)
    from .app import run

    link = None
    if args.evaluator:
        from hw.evaluator import EvaluatorLink, SerialEvaluator

        link = EvaluatorLink(SerialEvaluator(args.evaluator, args.evaluator_address, args.evaluator_baud))
    asyncio.run(run(args.window, args.server, args.token, lang=args.lang, timeout_s=args.timeout,
                    evaluator=link, key_map=args.evaluator_keys))
    return 0
