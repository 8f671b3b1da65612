"""`yimen report --month 2026-11 --out FILE.xlsx|.pdf`: the monthly 台账 from the command line,
the same file the manager's page gives (/api/v1/reports/ledger), read from the hall's database
without changing it, so it can run beside the hall's server."""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from .serve_cli import add_config, add_data_dir, load_config_or_exit


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "report", help="the monthly 台账 (ledger) as an Excel workbook or an A4 PDF",
        description="Write the hall's monthly 台账 — overview, windows, categories, matters, staff, ratings with 差评 "
                    "follow-up, cases — as an Excel workbook (.xlsx, a sheet per table and the definitions) or an A4 "
                    "PDF (.pdf): the same tables and figures as the manager's print page /manage/ledger. The hall's "
                    "database is only read (never created or changed), so the server may keep running.",
        epilog="Example: yimen report --month 2026-11 --out taizhang-2026-11.pdf --data-dir /var/lib/yimen")
    p.add_argument("--month", required=True, metavar="YYYY-MM", help="the month, e.g. 2026-11")
    p.add_argument("--out", required=True, metavar="FILE", help="where to write it; FILE.xlsx or FILE.pdf (the format "
                                                                  "follows the extension)")
    p.add_argument("--lang", choices=("zh", "en"), default="zh", help="language of the titles (default: zh)")
    add_config(p)
    add_data_dir(p)
    p.set_defaults(func=report)


def _fail(message: str, status: int) -> int:
    print(f"yimen report: {message}", file=sys.stderr)
    return status


def report(args: argparse.Namespace) -> int:
    import sqlite3

    from queue_server import exports
    from queue_server.ledger import LEDGER_FORMATS, ledger_file
    from queue_server.notice_pdf import NoFont
    from queue_server.numbering import business_day
    from queue_server.reporting import build_report
    from queue_server.store import DB_NAME, MIGRATIONS, Store

    from .admin_cli import NoDatabase

    try:
        month = exports.month_period(args.month)
    except ValueError as exc:
        return _fail(str(exc), 2)
    out = Path(args.out)
    fmt = out.suffix.lower().lstrip(".")
    if fmt not in LEDGER_FORMATS:
        return _fail(f"--out must name a .xlsx or .pdf file (got {args.out!r})", 2)
    if not out.parent.is_dir():
        return _fail(f"no folder {out.parent} to write {out.name} in", 2)
    config = load_config_or_exit(args.config)
    path = Path(args.data_dir) / DB_NAME
    if not path.is_file():
        raise NoDatabase(f"no hall database in {args.data_dir} (looked for {path}); pass the server's --data-dir, "
                         "or set YIMEN_DATA_DIR")
    now = time.time()
    store = Store.read_only(path)
    try:
        if store.version < len(MIGRATIONS):
            return _fail(f"the database in {args.data_dir} was written by an older Yimen; start the hall's server once "
                         "(it brings the database up to date), then make the report", 1)
        report = build_report(store, config, month, business_day(now), english=args.lang == "en")
    except sqlite3.DatabaseError as exc:
        return _fail(f"cannot read the hall's database {path}: {exc}", 1)
    finally:
        store.close()
    try:
        body = ledger_file(report, config, args.lang, fmt, now)
    except NoFont as exc:
        return _fail(str(exc), 1)
    out.write_bytes(body)
    issued = report["totals"]["issued"]
    print(f"{out}: {report['hall']} 台账 {report['period']['label']} ({issued} tickets; {len(body) // 1024 + 1} KB)")
    return 0
