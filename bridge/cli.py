"""`yimen keypad`: the clerk keypad bridge (USB keypad or serial keypad bus); registered by yimen/cli.py."""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import sys

DEFAULT_SERVER = "http://127.0.0.1:8080"


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "keypad", help="bridge clerk keypads (USB or RS-485 bus) to the queue server",
        description="Read a clerk keypad and send its keys as window actions to the queue server. "
                    "USB: --window N --device /dev/input/by-id/...-event-kbd (the keypad is grabbed). "
                    "Serial bus: --bus /dev/ttyUSB0 --windows 1,2,3 (keypad address = window number). "
                    "Every key gets feedback (LED/beep): OK, error, or server away; nothing is replayed later.",
        epilog="Key map: docs/keypad.md; serial protocol: docs/hardware.md (Clerk keypads).")
    mode = p.add_mutually_exclusive_group()
    mode.add_argument("--device", metavar="PATH", help="USB keypad event device (needs --window)")
    mode.add_argument("--bus", metavar="SERIAL_PORT", help="serial port of the RS-485 keypad bus (needs --windows)")
    p.add_argument("--window", type=int, metavar="N", help="the window the USB keypad belongs to")
    p.add_argument("--windows", metavar="LIST", help="bus mode: comma-separated windows, e.g. 1,2,3")
    p.add_argument("--baud", type=int, default=9600, help="bus mode: baud rate (default: 9600)")
    p.add_argument("--server", default=os.environ.get("YIMEN_SERVER", DEFAULT_SERVER), metavar="URL",
                   help=f"queue server address (default: $YIMEN_SERVER or {DEFAULT_SERVER})")
    p.add_argument("--token", default=os.environ.get("YIMEN_TOKEN"), metavar="T",
                   help="keypad device token (default: $YIMEN_TOKEN); bus mode needs a token not bound "
                        "to one window, or one bound to the only window on the bus")
    p.add_argument("--keymap", metavar="FILE", help="TOML file with a [keypad] table overriding the default key map")
    p.add_argument("--show-keymap", action="store_true", help="print the embedded default key map and exit")
    p.add_argument("--status-file", metavar="FILE", help="USB mode: keep the last key's result in this JSON file")
    p.add_argument("--timeout", type=float, default=3.0, help="seconds to wait for the server per key (default: 3)")
    p.add_argument("--log-level", default="INFO", choices=["DEBUG", "INFO", "WARNING", "ERROR"])
    p.set_defaults(func=run)


def parse_windows(text: str) -> list[int]:
    windows = [int(part) for part in text.split(",") if part.strip()]
    if not windows or len(set(windows)) != len(windows) or not all(1 <= w <= 99 for w in windows):
        raise ValueError("windows: distinct numbers 1-99, comma-separated")
    return windows


def run(args: argparse.Namespace) -> int:
    from .keymap import DEFAULT_KEYMAP_TOML

    if args.show_keymap:
        sys.stdout.write(DEFAULT_KEYMAP_TOML)
        return 0
    if args.device and args.window is None:
        print("yimen keypad: --device needs --window N", file=sys.stderr)
        return 2
    if not args.device and not args.bus:
        print("yimen keypad: give --device PATH --window N, or --bus PORT --windows LIST", file=sys.stderr)
        return 2
    if args.bus:
        try:
            args.window_list = parse_windows(args.windows or "")
        except ValueError as exc:
            print(f"yimen keypad: --bus needs --windows: {exc}", file=sys.stderr)
            return 2
    if not args.token:
        print("yimen keypad: no device token (--token or $YIMEN_TOKEN); make one with "
              "'yimen device add --kind keypad --window N'", file=sys.stderr)
        return 2
    keymap_text = None
    if args.keymap:
        try:
            with open(args.keymap, encoding="utf-8") as f:
                keymap_text = f.read()
        except OSError as exc:
            print(f"yimen keypad: cannot read {args.keymap}: {exc.strerror}", file=sys.stderr)
            return 2
    from .keymap import KeymapError, parse_keymap

    try:  # syntax and bindings now; the category codes once the hall is known
        parse_keymap(keymap_text, [])
    except KeymapError as exc:
        for problem in exc.problems:
            print(f"{args.keymap}: {problem}", file=sys.stderr)
        return 2
    logging.basicConfig(level=args.log_level, format="%(asctime)s %(name)s %(levelname)s %(message)s")
    try:
        return asyncio.run(_main(args, keymap_text))
    except KeyboardInterrupt:
        return 130


async def _main(args: argparse.Namespace, keymap_text: str | None) -> int:
    from hallapi.client import ApiError, HallClient, ServerAway
    from hw.keypad import EvdevKeypad, SerialKeypadBus

    from .keymap import KeymapError, parse_keymap
    from .keypad import BusBridge, Desk, ServerState, run_usb, watch_server

    log = logging.getLogger("yimen.keypad")
    async with HallClient(args.server, args.token, timeout_s=args.timeout) as client:
        while True:  # the hall's categories give the default category digits
            try:
                hall = await client.hall()
                break
            except (ServerAway, ApiError) as exc:
                log.warning("waiting for the queue server at %s (%s)", args.server, exc)
                await asyncio.sleep(2)
        try:
            keymap = parse_keymap(keymap_text, [c["code"] for c in hall["categories"]])
        except KeymapError as exc:
            for problem in exc.problems:
                print(f"{args.keymap or 'key map'}: {problem}", file=sys.stderr)
            return 2
        server = ServerState()
        if args.device:
            keypad = EvdevKeypad(args.device, on_status=lambda state, detail: log.info("keypad %s: %s", state, detail))
            desk = Desk(args.window, client, keymap, lambda s, t: keypad.signal(s), server,
                        status_file=args.status_file)
            watcher = asyncio.create_task(watch_server(client, server, [desk]))
            try:
                await run_usb(keypad, desk)
            finally:
                watcher.cancel()
                keypad.close()
            return 0
        desks = {w: Desk(w, client, keymap, lambda s, t: None, server) for w in args.window_list}
        bridge = BusBridge(SerialKeypadBus(args.bus, args.baud), desks)
        watcher = asyncio.create_task(watch_server(client, server, list(desks.values())))
        try:
            await bridge.run()
        finally:
            watcher.cancel()
            bridge.bus.close()
        return 0


if __name__ == "__main__":
    root = argparse.ArgumentParser(prog="yimen")
    register(root.add_subparsers(dest="command", required=True))
    ns = root.parse_args(sys.argv[1:])
    sys.exit(ns.func(ns))
