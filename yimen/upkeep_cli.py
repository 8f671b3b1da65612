"""`yimen purge` and `yimen rebuild`: upkeep of a hall's database, with its server stopped.

Both take the folder's lock, as the server does, so neither runs beside a server on the same
hall (whose memory would no longer match the file).
"""

from __future__ import annotations

import argparse
import sys
import time
from datetime import date, datetime
from pathlib import Path

from .serve_cli import add_config, add_data_dir, load_config_or_exit

PURGE_EPILOG = """\
what is cleared, for days before DAY: person keys and masked names in the log's ticket and
appointment events; for cases opened before DAY that are finished (decided, result ready,
handed over, archived, returned, withdrawn) the applicant's masked name, person key and
agent's name in the log, the applicant's identity and the record of who read it; intake
drafts; the personal columns of the history tables. Every figure of every report stays the
same. The file is then VACUUMed, so the values are gone from its bytes.
The server does the same by itself once a day for [retention] personal_days (default 180).
exit status: 0 done (or nothing to do), 1 no database or the folder is in use, 2 bad DAY."""

TABLES = {"tickets": "ticket_facts", "spans": "window_spans", "window_days": "window_days",
          "bookings": "booking_facts", "cases": "case_facts", "follow_ups": "follow_up_facts", "day_tallies": "day_tallies"}


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("purge", help="purge personal data older than the retention (server stopped)",
                       description="Clear personal data (person keys, masked names, case applicants' identities) "
                                   "of the days before DAY from the hall's database, keeping every figure; print "
                                   "what was cleared. Default DAY: today minus [retention] personal_days.",
                       epilog=PURGE_EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--before", metavar="DAY", help="the first day to keep, e.g. 2026-06-01 (at least 30 days ago)")
    p.add_argument("--dry-run", action="store_true", help="count what would be cleared; change nothing")
    add_config(p)
    add_data_dir(p)
    p.set_defaults(func=purge)
    r = sub.add_parser("rebuild", help="rebuild the report tables from the event log (server stopped)",
                       description="Rewrite the history tables the reports read (tickets, window spans, "
                                   "window-days, bookings, cases, 差评 follow-ups) from the event log, in one "
                                   "transaction, and print the rows per table. The server keeps them up to "
                                   "date by itself; use this after restoring a backup or when a report looks wrong.")
    add_config(r)
    add_data_dir(r)
    r.set_defaults(func=rebuild)


def _open(data_dir: str):
    """The hall's store with the folder's lock, or None after saying why not."""
    from queue_server.store import DB_NAME, Store, StoreProblem

    path = Path(data_dir) / DB_NAME
    if not path.exists():
        print(f"yimen: no hall database in {data_dir} (looked for {path}); pass the server's --data-dir, "
              "or set YIMEN_DATA_DIR", file=sys.stderr)
        return None
    try:
        return Store.open(data_dir, exclusive=True)
    except StoreProblem as exc:
        print(f"yimen: {exc.message}. To fix: {exc.fix}.", file=sys.stderr)
        return None


def _history_current(store, config) -> None:
    """A database last used by an older version: its report tables are made first (as the server would)."""
    from queue_server.service import rebuild_history
    from queue_server.store.history import HISTORY_VERSION

    if store.history.version() != HISTORY_VERSION:
        counts = rebuild_history(store, config)
        print(f"the report tables were out of date and were rebuilt first: {sum(counts.values())} rows")


def purge(args: argparse.Namespace) -> int:
    from hallapi.protocol import HALL_TZ
    from queue_server.config import RETENTION_DAYS
    from queue_server.retention import cutoff

    config = load_config_or_exit(args.config)
    today = datetime.now(HALL_TZ).date()
    latest = cutoff(today, RETENTION_DAYS[0])
    if args.before:
        try:
            before = date.fromisoformat(args.before)
        except ValueError:
            print(f"yimen purge: --before {args.before!r} is not a date (write 2026-06-01)", file=sys.stderr)
            return 2
        if before > latest:
            print(f"yimen purge: --before {before} is too recent: the last {RETENTION_DAYS[0]} days are always "
                  f"kept (差评 follow-ups, results to collect); use {latest} or earlier", file=sys.stderr)
            return 2
    else:
        before = cutoff(today, config.retention.personal_days)
    store = _open(args.data_dir)
    if store is None:
        return 1
    try:
        size = store.path.stat().st_size if store.path else 0
        _history_current(store, config)
        purged = store.purge_personal(before.isoformat(), dry_run=args.dry_run, compact=not args.dry_run)
        after = store.path.stat().st_size if store.path else 0
    finally:
        store.close()
    done = purged.as_dict()
    print(f"personal data of the days before {before} "
          f"({'dry run: nothing changed; what would be cleared' if args.dry_run else 'purged; what was cleared'}):")
    for key, label in (("tickets", "tickets' person keys and names (ticket_issued)"),
                       ("calls", "names in calls (ticket_called, ticket_recalled)"),
                       ("bookings", "appointments' person keys (appointment_booked)"),
                       ("cases", "finished cases' applicants (case_opened)"),
                       ("applicants", "applicant identities (case_applicants)"),
                       ("views", "records of reading them (case_views)"),
                       ("intake_drafts", "intake drafts"),
                       ("history_rows", "report table rows (personal columns)")):
        print(f"  {done[key]:>8}  {label}")
    if not args.dry_run:
        print(f"  database file: {size / 1e6:.1f} MB before, {after / 1e6:.1f} MB after VACUUM")
    return 0


def rebuild(args: argparse.Namespace) -> int:
    from queue_server.service import rebuild_history

    config = load_config_or_exit(args.config)
    store = _open(args.data_dir)
    if store is None:
        return 1
    started = time.perf_counter()
    try:
        counts = rebuild_history(store, config)
    finally:
        store.close()
    print(f"rebuilt the report tables from the event log in {time.perf_counter() - started:.1f} s:")
    for name, table in TABLES.items():
        print(f"  {table:<16} {counts[name]:>9} rows")
    return 0
