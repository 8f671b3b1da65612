"""`yimen kiosk`: registered by yimen/cli.py; Kivy is imported only when the kiosk runs."""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "kiosk", help="run the ticket kiosk (Kivy touchscreen, printer, ID card, scanner)",
        description="The ticket kiosk: categories, matters with service guides, tickets printed on an "
                    "ESC/POS printer (or shown on screen with their QR code when it cannot print), the "
                    "ID-card reader, the appointment scanner, elderly mode and spoken guidance. "
                    "Settings come from --config (TOML, see docs/kiosk.md), then these flags.",
    )
    p.add_argument("--config", metavar="FILE", help="kiosk settings (TOML)")
    p.add_argument("--server", metavar="URL", help="queue server, e.g. http://127.0.0.1:8080")
    p.add_argument("--token", metavar="T", help="the kiosk's device token (yimen device add --kind kiosk)")
    p.add_argument("--token-file", metavar="FILE", help="read the device token from FILE")
    p.add_argument("--printer", metavar="SPEC", help="serial:/dev/ttyUSB0 | usb:/dev/usb/lp0 | fake | none")
    p.add_argument("--printer-baud", type=int, metavar="BAUD")
    p.add_argument("--idcard", metavar="PORT", help="ID-card reader serial port")
    p.add_argument("--scanner", metavar="DEVICE", help="barcode scanner input device (/dev/input/...)")
    p.add_argument("--orientation", choices=["portrait", "landscape"])
    p.add_argument("--lang", choices=["zh", "en"])
    p.add_argument("--windowed", action="store_true", help="not full screen (for trying it on a desktop)")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from .config import ConfigError, load
    from .run import run_kiosk

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(levelname)s %(message)s", force=True)
    try:
        cfg = load(args.config, server=args.server, token=args.token, token_file=args.token_file,
                   printer=args.printer, printer_baud=args.printer_baud, idcard=args.idcard,
                   scanner=args.scanner, orientation=args.orientation, lang=args.lang,
                   fullscreen=False if args.windowed else None)
    except ConfigError as exc:
        print(f"yimen kiosk: {exc}", file=sys.stderr)
        return 2
    return asyncio.run(run_kiosk(cfg))
