"""The `yimen` command: one entry point, a subcommand per process or task.

Each subcommand registers itself from the package that owns it and imports its heavy parts only
when it runs, so `yimen --help` is fast and a box without Kivy can still serve.
Every subcommand sets `func(args) -> int` (the exit status).
"""

from __future__ import annotations

import argparse
import sys

from . import admin_cli, report_cli, serve_cli, upkeep_cli


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="yimen",
        description="Yimen (一门): queue management for township government service halls.",
        epilog="Run 'yimen COMMAND --help' for the options of one command.",
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    serve_cli.register(sub)
    admin_cli.register(sub)
    upkeep_cli.register(sub)
    report_cli.register(sub)

    from bench.cli import register as register_bench
    from bridge.cli import register as register_keypad
    from display.cli import register as register_display
    from kiosk.cli import register as register_kiosk
    from queue_server.sim.cli import add_sim_commands, register_advise
    from review.cli import register_review

    register_kiosk(sub)
    register_display(sub)
    register_keypad(sub)
    register_review(sub)
    register_bench(sub)
    sim = sub.add_parser("sim", help="scenarios for the dispatch replay",
                         description="Generate and inspect scenario files (format yimen-scenario/1).")
    add_sim_commands(sim.add_subparsers(dest="sim_command", required=True, metavar="SIM"))
    register_advise(sub, lambda p: (serve_cli.add_config(p), serve_cli.add_data_dir(p)))
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.func(args) or 0)
    except admin_cli.NoDatabase as exc:
        print(f"yimen: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        return 0


if __name__ == "__main__":
    sys.exit(main())
