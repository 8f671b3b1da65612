"""`yimen serve`, `yimen config check|show` and `yimen demo`."""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import signal
import sqlite3
import sys
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

from .listen import listen_error

if TYPE_CHECKING:
    from queue_server.store import StoreProblem

DEFAULT_PORT = 8080
DEFAULT_TLS_PORT = 8443


def default_data_dir() -> str:
    return os.environ.get("YIMEN_DATA_DIR") or str(Path.home() / ".local/share/yimen")


def add_data_dir(p: argparse.ArgumentParser) -> None:
    p.add_argument("--data-dir", default=default_data_dir(), metavar="DIR",
                   help="where the hall's database lives (default: $YIMEN_DATA_DIR or ~/.local/share/yimen)")


def add_config(p: argparse.ArgumentParser) -> None:
    p.add_argument("--config", metavar="FILE",
                   help="hall configuration (TOML), or a preset name: township, village "
                        "(default: the embedded township preset)")


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("serve", help="run the hall's queue server",
                       description="Run the queue server: REST API, event stream and web pages.")
    add_config(p)
    add_data_dir(p)
    p.add_argument("--host", default="0.0.0.0", help="address to listen on (default: 0.0.0.0)")
    p.add_argument("--port", type=int, default=DEFAULT_PORT, help=f"port (default: {DEFAULT_PORT})")
    p.add_argument("--public-url", default="", metavar="URL",
                   help="the address citizens' phones open from the slips' QR codes, e.g. http://192.168.1.10:8080 "
                        "(default: [hall] public_url, else this box's LAN address and --port)")
    p.add_argument("--base-url", dest="public_url", help=argparse.SUPPRESS)  # its name before issue 9
    p.add_argument("--trusted-proxy", action="append", default=[], metavar="ADDRESS",
                   help="a reverse proxy whose X-Forwarded-For is believed (repeatable; docs/api.md)")
    p.add_argument("--tls-port", type=int, default=DEFAULT_TLS_PORT,
                   help=f"where staff and devices reach the server over TLS, once the box has its certificate "
                        f"(yimen tls init); default {DEFAULT_TLS_PORT}")
    p.add_argument("--no-tls", action="store_true", help="plain HTTP only, even with a certificate (behind a TLS proxy)")
    p.add_argument("--log-level", default="INFO", choices=["DEBUG", "INFO", "WARNING", "ERROR"])
    p.set_defaults(func=serve)

    tls = sub.add_parser("tls", help="the box's own TLS certificate",
                         description="Make the box's self-signed certificate (staff and devices then use https and "
                                     "pin its fingerprint), or show its fingerprint. Restart the server afterwards.")
    tsub = tls.add_subparsers(dest="tls_command", required=True, metavar="ACTION")
    make = tsub.add_parser("init", help="make the certificate (replaces an old one)",
                           description="Make a key and a ten-year self-signed certificate in DATA-DIR/tls/ for the "
                                       "names and addresses the box is reached by; prints the fingerprint to give "
                                       "every device (YIMEN_SERVER_FINGERPRINT).")
    make.add_argument("--name", action="append", default=[], metavar="NAME",
                      help="a host name or IP address (repeatable); default: this host's name and LAN address")
    add_data_dir(make)
    make.set_defaults(func=tls_init)
    show = tsub.add_parser("show", help="print the certificate's fingerprint",
                           description="Print the SHA-256 fingerprint devices pin (YIMEN_SERVER_FINGERPRINT).")
    add_data_dir(show)
    show.set_defaults(func=tls_show)

    c = sub.add_parser("config", help="check or show hall configurations",
                       description="Check a hall configuration file, or print a preset to start your own.")
    csub = c.add_subparsers(dest="config_command", required=True, metavar="ACTION")
    check = csub.add_parser("check", help="validate a configuration file",
                            description="Validate FILE; prints every problem with file:line: key: message. "
                                        "Exit status 0 if usable, 1 if not.")
    check.add_argument("file", help="TOML file, or a preset name")
    check.set_defaults(func=config_check)
    show = csub.add_parser("show", help="print an embedded preset (TOML)",
                           description="Print an embedded preset, to copy and adapt: yimen config show township > hall.toml")
    show.add_argument("preset", choices=["township", "village"])
    show.set_defaults(func=config_show)

    d = sub.add_parser("demo", help="run a living demo hall with simulated kiosk and windows",
                       description="Start the server on the embedded township preset with a simulated kiosk "
                                   "and simulated clerks, and print the addresses and demo credentials.")
    add_config(d)
    d.add_argument("--data-dir", default="var/demo", metavar="DIR", help="demo database folder (default: var/demo)")
    d.add_argument("--keep", action="store_true", help="keep the previous demo's data instead of starting fresh")
    d.add_argument("--host", default="127.0.0.1", help="address to listen on (default: 127.0.0.1)")
    d.add_argument("--port", type=int, default=DEFAULT_PORT, help=f"port (default: {DEFAULT_PORT})")
    d.add_argument("--speed", type=float, default=10.0,
                   help="how much faster than real life the simulated hall moves (default: 10)")
    d.add_argument("--duration", type=float, default=0, metavar="SECONDS",
                   help="stop after this many seconds (default: run until Ctrl-C)")
    d.add_argument("--seed", type=int, default=None, help="random seed for the simulated people")
    d.set_defaults(func=demo)


def load_config_or_exit(path: str | None):
    from queue_server.config import ConfigError, resolve_config

    try:
        return resolve_config(path)
    except ConfigError as exc:
        print("yimen: the configuration cannot be used:", file=sys.stderr)
        for problem in exc.problems:
            print(f"  {problem}", file=sys.stderr)
        raise SystemExit(2) from None


def serve(args: argparse.Namespace) -> int:
    from queue_server.public_url import PublicAddress, url_problem
    from queue_server.web.guard import install_repeat_filter

    logging.basicConfig(level=args.log_level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    install_repeat_filter()  # a flood of failing accepts writes a few lines a minute, not gigabytes
    config = load_config_or_exit(args.config)
    problem = url_problem(args.public_url)
    if problem:
        print(f"yimen: --public-url {problem}", file=sys.stderr)
        return 2
    address = PublicAddress(args.public_url or config.hall.public_url, args.host, args.port)
    return asyncio.run(_serve(args, config, address))


async def _serve(args: argparse.Namespace, config, address) -> int:
    """Listen first, and only then say so: a busy port is one clear line and exit status 1."""
    from aiohttp import web

    from queue_server.auth import Accounts
    from queue_server.service import HallService
    from queue_server.store import Store, StoreProblem
    from queue_server.tls import fingerprint, paths, server_context
    from queue_server.web.app import create_app

    from . import systemd

    try:
        store = Store.open(args.data_dir, exclusive=True)
        service = HallService(config, store)
    except (StoreProblem, sqlite3.DatabaseError) as exc:
        return await _cannot_start(args.data_dir, exc)
    _start_failures(args.data_dir, reset=True)
    tls = None if args.no_tls else server_context(args.data_dir)
    app = create_app(service, Accounts(store), address, args.trusted_proxy,
                     tls_port=args.tls_port if tls is not None else None)
    app.cleanup_ctx.append(systemd.lifecycle)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    sites = [(args.port, None)] + ([(args.tls_port, tls)] if tls is not None else [])
    for port, context in sites:
        try:
            await web.TCPSite(runner, args.host, port, ssl_context=context).start()
        except OSError as exc:
            print(f"yimen: cannot listen on {args.host}:{port}: {listen_error(exc)}", file=sys.stderr)
            await runner.cleanup()
            store.close()
            return 1
    if tls is not None:
        print(f"yimen: TLS on port {args.tls_port} (certificate {fingerprint(paths(args.data_dir)[0])}); "
              f"staff and devices use https, credentials over plain http are refused", flush=True)
    base = address.base()
    print(f"yimen: {config.hall.name} — serving on http://{args.host}:{args.port} (data: {args.data_dir}); "
          f"slips' QR codes open {f'{base}/t/…' if base else 'nothing (no public address; see the warning)'}",
          flush=True)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    try:
        await stop.wait()
    finally:
        await runner.cleanup()
        store.close()
    return 0


EXIT_LASTING = 78  # EX_CONFIG: someone must act first; the unit does not restart on it
EXIT_TRANSIENT = 75  # EX_TEMPFAIL: may pass; the unit restarts, after a growing pause


async def _cannot_start(data_dir: str, exc: StoreProblem | sqlite3.DatabaseError) -> int:
    """One clear line with the fix, then an exit status that tells systemd whether to try again.
    Before a retry the server waits longer each time (2, 4, 8 … 48 s), so a full disk does not
    mean a restart every two seconds."""
    from queue_server.store import StoreProblem, problem_of

    problem = exc if isinstance(exc, StoreProblem) else problem_of(Path(data_dir) / "yimen.db", exc)
    print(f"yimen: cannot start: {problem.message}. To fix: {problem.fix}.", file=sys.stderr, flush=True)
    if problem.lasting:
        return EXIT_LASTING
    await asyncio.sleep(start_backoff_s(_start_failures(data_dir)))
    return EXIT_TRANSIENT


def start_backoff_s(failures: int) -> float:
    """The pause before giving up a start that may succeed later: 2, 4, 8 … at most 48 s (the
    unit's start timeout is 60 s)."""
    return float(min(2 ** failures, 48))


def _start_failures(data_dir: str, reset: bool = False) -> int:
    """How many starts in a row have failed (kept in the data folder, or /tmp if it is not writable)."""
    for folder in (Path(data_dir), Path(tempfile.gettempdir())):
        path = folder / ".yimen-start-failures"
        try:
            if reset:
                path.unlink(missing_ok=True)
                return 0
            count = int(path.read_text() or 0) + 1 if path.exists() else 1
            path.write_text(str(count))
            return count
        except (OSError, ValueError):
            continue
    return 1


def tls_init(args: argparse.Namespace) -> int:
    import socket

    from queue_server.public_url import lan_address
    from queue_server.tls import make_certificate, paths

    names = args.name or [n for n in (socket.gethostname(), lan_address(), "yimen.local") if n]
    print(f"yimen: certificate for {', '.join(names)} in {paths(args.data_dir)[0].parent}")
    print(f"fingerprint (give it to every device as YIMEN_SERVER_FINGERPRINT): {make_certificate(args.data_dir, names)}")
    return 0


def tls_show(args: argparse.Namespace) -> int:
    from queue_server.tls import fingerprint, paths

    cert = paths(args.data_dir)[0]
    if not cert.exists():
        print(f"yimen: no certificate in {cert.parent}; make one with 'yimen tls init'", file=sys.stderr)
        return 1
    print(fingerprint(cert))
    return 0


def config_check(args: argparse.Namespace) -> int:
    from queue_server.config import ConfigError, resolve_config

    try:
        config = resolve_config(args.file)
    except ConfigError as exc:
        for problem in exc.problems:
            print(problem)
        print(f"{len(exc.problems)} problem(s): the hall cannot start with this file.")
        return 1
    print(f"OK: {config.hall.name} — {len(config.windows)} windows, {len(config.categories)} categories, "
          f"{len(config.matters)} matters")
    capped = [c for c in config.categories if c.daily_cap is not None]
    if capped:  # 当日号源上限: say what the kiosk will turn away, and what it offers instead
        a = config.appointments
        print("Daily caps (walk-in numbers a day; green channel and counter still issue): "
              + ", ".join(f"{c.code} {c.daily_cap}" for c in capped)
              + f"; then the kiosk offers a {a.slot_min}-min appointment slot within {a.book_ahead_days} days")
    from queue_server.public_url import PublicAddress

    address = PublicAddress(config.hall.public_url, "0.0.0.0", DEFAULT_PORT)  # as yimen serve runs by default
    warning = address.warning()
    if warning:
        print(f"warning: hall.public_url: {warning}")
    else:
        derived = "" if config.hall.public_url else " (this box's LAN address; set [hall] public_url to fix it)"
        print(f"Slips' QR codes open {address.base()}/t/…{derived}")
    return 0


def config_show(args: argparse.Namespace) -> int:
    from importlib import resources

    sys.stdout.write(resources.files("queue_server.presets").joinpath(f"{args.preset}.toml").read_text("utf-8"))
    return 0


def demo(args: argparse.Namespace) -> int:
    from . import demo as demo_module

    logging.basicConfig(level="WARNING", format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    return demo_module.run(args, load_config_or_exit(args.config))
