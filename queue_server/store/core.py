"""The event log on disk: SQLite in WAL mode with synchronous=FULL, one writer.

The `events` table is the source of truth; the hall's state is rebuilt from it at start. Ticket
numbers are allocated in `ticket_numbers` inside the same transaction that appends the issuing
event, and `issued_numbers` refuses a second ticket with the same number on the same day — so a
crash can neither lose an acknowledged ticket nor hand its number out again.
Devices, users, sessions and the hall's secrets live in the same file.
"""

from __future__ import annotations

import fcntl
import json
import logging
import os
import secrets
import sqlite3
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path

from ..events import Event
from ..history import Rows
from .accounts import AccountRows
from .audit import MIGRATION as AUDIT_TABLE
from .audit import AuditRows
from .followers import FollowerRows
from .history import MIGRATION as HISTORY_TABLES
from .history import MIGRATION_DAY_TALLIES, HistoryRows, write
from .retention import FINISHED, Purged, checkpoint, purge, vacuum

log = logging.getLogger("yimen.store")
DB_NAME = "yimen.db"

# Each entry upgrades the schema by one version; never edit a released entry, append a new one.
MIGRATIONS: list[str] = [
    """
    CREATE TABLE events (
        seq INTEGER PRIMARY KEY,
        type TEXT NOT NULL,
        at REAL NOT NULL,
        day TEXT NOT NULL,
        actor TEXT NOT NULL DEFAULT '',
        data TEXT NOT NULL
    );
    CREATE INDEX events_by_day ON events(day, seq);
    CREATE TABLE ticket_numbers (
        day TEXT NOT NULL, prefix TEXT NOT NULL, last INTEGER NOT NULL,
        PRIMARY KEY (day, prefix)
    );
    CREATE TABLE issued_numbers (
        day TEXT NOT NULL, number TEXT NOT NULL, seq INTEGER NOT NULL,
        PRIMARY KEY (day, number)
    );
    CREATE TABLE devices (
        id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE, kind TEXT NOT NULL,
        window INTEGER, token_hash TEXT NOT NULL UNIQUE, created_at REAL NOT NULL,
        revoked_at REAL
    );
    CREATE TABLE users (
        username TEXT PRIMARY KEY, display_name TEXT NOT NULL DEFAULT '', role TEXT NOT NULL,
        password_hash TEXT NOT NULL, created_at REAL NOT NULL, disabled INTEGER NOT NULL DEFAULT 0
    );
    CREATE TABLE sessions (
        token_hash TEXT PRIMARY KEY, username TEXT NOT NULL, csrf TEXT NOT NULL,
        created_at REAL NOT NULL, expires_at REAL NOT NULL
    );
    CREATE TABLE secrets (name TEXT PRIMARY KEY, value TEXT NOT NULL);
    """,
    """
    CREATE TABLE outbox (
        id INTEGER PRIMARY KEY, key TEXT NOT NULL UNIQUE, kind TEXT NOT NULL, payload TEXT NOT NULL,
        created_at REAL NOT NULL, attempts INTEGER NOT NULL DEFAULT 0, next_at REAL NOT NULL,
        delivered_at REAL, last_error TEXT
    );
    CREATE INDEX outbox_pending ON outbox(delivered_at, id);
    """,
    """
    CREATE TABLE intake_drafts (
        ticket TEXT PRIMARY KEY, day TEXT NOT NULL, data TEXT NOT NULL, created_at REAL NOT NULL
    );
    """,
    """
    ALTER TABLE users ADD COLUMN post TEXT NOT NULL DEFAULT '';
    ALTER TABLE users ADD COLUMN duties TEXT NOT NULL DEFAULT '';
    ALTER TABLE users ADD COLUMN photo BLOB;
    ALTER TABLE users ADD COLUMN photo_type TEXT NOT NULL DEFAULT ''
    """,
    # Forwarding became a follower of the log with its own position (the outbox is gone): the
    # province link starts at its first undelivered rating, or after its last delivered one.
    """
    CREATE TABLE followers (
        name TEXT PRIMARY KEY, position INTEGER NOT NULL, attempts INTEGER NOT NULL DEFAULT 0,
        next_at REAL NOT NULL DEFAULT 0, last_error TEXT, delivered_at REAL
    );
    INSERT INTO followers(name, position) SELECT 'province', coalesce(
        (SELECT min(CAST(substr(key, instr(key, '-') + 1) AS INTEGER)) - 1 FROM outbox WHERE delivered_at IS NULL),
        (SELECT max(CAST(substr(key, instr(key, '-') + 1) AS INTEGER)) FROM outbox),
        0);
    DROP TABLE outbox;
    """,
    # Cases: the applicant's identity (full ID number, phone, address) lives beside the log, not in
    # it, so the log and everything that follows it carry only the masked name and the person key;
    # every reading of it is recorded.
    """
    CREATE TABLE case_applicants (
        "case" TEXT PRIMARY KEY, data TEXT NOT NULL, created_at REAL NOT NULL
    );
    CREATE TABLE case_views (
        id INTEGER PRIMARY KEY, "case" TEXT NOT NULL, viewer TEXT NOT NULL, at REAL NOT NULL
    );
    CREATE INDEX case_views_by_case ON case_views("case", id);
    """,
    # The manager's history: one row per ticket, window span, window-day, booking, case and 差评
    # follow-up, written in the transaction of each event (store/history.py). Filled from the log
    # on the first start after this migration (the stored history version is missing).
    HISTORY_TABLES,
    MIGRATION_DAY_TALLIES,
    AUDIT_TABLE,
]


MARKER = "hall.id"  # written beside the database when a hall is created: its absence later is a loss
LOCK = "serve.lock"  # held by the one server using the folder
RESTORE = "restore it from a backup (docs/install.md, 'Backups and restore')"


class StoreProblem(Exception):
    """The data folder cannot be used as it is. `fix` says what to do; `lasting` is True when
    starting again will not help until someone acts (a missing or damaged database)."""

    def __init__(self, message: str, fix: str, lasting: bool = True):
        super().__init__(f"{message}; {fix}")
        self.message, self.fix, self.lasting = message, fix, lasting


class Store:
    """One connection, used from one thread. Open it with `Store.open(data_dir)`."""

    def __init__(self, conn: sqlite3.Connection, path: Path | None = None):
        self.conn = conn
        self.path = path
        self.unreadable: list[tuple[int, str]] = []  # (seq, why) of event rows that could not be read
        self.accounts = AccountRows(conn, self.transaction)
        self.followers = FollowerRows(conn, self.transaction, self._readable)
        self.history = HistoryRows(conn)
        self.audit = AuditRows(conn, self.transaction)
        self._lock: int | None = None
        self._depth = 0  # transactions open on this connection (inner ones join the outer one)

    @classmethod
    def open(cls, data_dir: str | Path, *, exclusive: bool = False) -> Store:
        """Open (or, in a folder that never held a hall, create) the hall's database. `exclusive`:
        the caller is the hall's server, and no other may use the folder at the same time.
        Raises StoreProblem, with the fix, for a database that should exist and does not, is
        empty or damaged, a full disk, or a folder another server holds."""
        data_dir = Path(data_dir)
        data_dir.mkdir(parents=True, exist_ok=True)
        lock = _lock_folder(data_dir) if exclusive else None
        path, marker = data_dir / DB_NAME, data_dir / MARKER
        empty = path.exists() and path.stat().st_size == 0
        if marker.exists() and (not path.exists() or empty):
            if lock is not None:
                os.close(lock)
            what = "is empty (0 bytes)" if empty else "is missing"
            raise StoreProblem(f"the hall's database {path} {what}, but this folder held a hall ({marker})",
                               f"{RESTORE}; to start a new hall here on purpose, delete {marker}")
        try:
            conn = sqlite3.connect(path, isolation_level=None, timeout=10.0)
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA synchronous=FULL")
            conn.execute("PRAGMA foreign_keys=ON")
            conn.execute("PRAGMA secure_delete=ON")  # what is deleted or purged is overwritten, not left in the file
            store = cls(conn, path)
            store.migrate()
            if not marker.exists():
                marker.write_text(secrets.token_hex(8) + "\n")
        except sqlite3.DatabaseError as exc:
            if lock is not None:
                os.close(lock)
            raise problem_of(path, exc) from None
        store._lock = lock
        return store

    def reader(self) -> Store:
        """A read-only view on its own connection, for a report computed in a worker thread while
        the server goes on writing (WAL lets readers and the one writer work side by side).
        The caller closes it."""
        if self.path is None:
            raise StoreProblem("this store has no file", "open the hall with Store.open(data_dir)", lasting=False)
        return Store.read_only(self.path)

    @classmethod
    def read_only(cls, path: Path) -> Store:
        """The database at `path`, read-only: never created, migrated or changed (`yimen report`
        beside a running server, a report's worker thread). The caller closes it."""
        conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True, isolation_level=None,
                               timeout=10.0, check_same_thread=False)
        return cls(conn, path)

    def close(self) -> None:
        self.conn.close()
        if self._lock is not None:
            os.close(self._lock)
            self._lock = None

    @property
    def version(self) -> int:
        return self.conn.execute("PRAGMA user_version").fetchone()[0]

    def migrate(self) -> None:
        current = self.version
        if current > len(MIGRATIONS):
            raise RuntimeError(f"database schema {current} is newer than this Yimen ({len(MIGRATIONS)}); upgrade Yimen")
        for version, script in enumerate(MIGRATIONS[current:], start=current + 1):
            with self.transaction():
                for statement in statements(script):
                    self.conn.execute(statement)
                self.conn.execute(f"PRAGMA user_version={version}")

    @contextmanager
    def transaction(self) -> Iterator[Transaction]:
        """One SQLite transaction. Opened inside another, it joins the outer one: a change and its
        audit row (`audit.add`) commit together or not at all."""
        if self._depth:
            self._depth += 1
            try:
                yield Transaction(self.conn)
            finally:
                self._depth -= 1
            return
        self.conn.execute("BEGIN IMMEDIATE")
        self._depth = 1
        try:
            yield Transaction(self.conn)
            self.conn.execute("COMMIT")
        except BaseException:
            if self.conn.in_transaction:  # SQLite may have rolled back already (a full disk does)
                self.conn.execute("ROLLBACK")
            raise
        finally:
            self._depth = 0

    # ------------------------------------------------------------ reading events

    def events(self, day: str | None = None, after: int = 0, upto: int | None = None,
               limit: int | None = None) -> list[Event]:
        """Events after seq `after` (up to `upto`, at most `limit`), of one day or all."""
        sql = "SELECT seq, type, at, day, actor, data FROM events WHERE seq > ?"
        args: list = [after]
        if day is not None:
            sql += " AND day = ?"
            args.append(day)
        if upto is not None:
            sql += " AND seq <= ?"
            args.append(upto)
        sql += " ORDER BY seq"
        if limit is not None:
            sql += " LIMIT ?"
            args.append(limit)
        return self._readable(self.conn.execute(sql, args))

    def _readable(self, rows: Iterable[tuple]) -> list[Event]:
        """Events from rows; a row that cannot be read (damaged JSON) is left out and reported, so
        one bad row does not keep the hall from starting."""
        out = []
        for row in rows:
            try:
                out.append(_event(row))
            except (ValueError, TypeError) as exc:
                log.error("event %s cannot be read and is skipped: %s", row[0], exc)
                self.unreadable.append((row[0], f"unreadable data: {exc}"))
        return out

    def first_seq(self, day: str) -> int | None:
        """The first event of a business day (None before anything happened that day)."""
        return self.conn.execute("SELECT min(seq) FROM events WHERE day = ?", (day,)).fetchone()[0]

    def stream_of(self, *types: str, where: str = "") -> Iterator[Event]:
        """Every event of these types across all days (for projections that span days), one at a
        time (a year's log holds hundreds of thousands of them: as a list they would take hundreds
        of MB at start-up), and only those meeting `where` (an SQL condition on the events table);
        an unreadable row is skipped and reported as by `_readable`."""
        marks = ", ".join("?" for _ in types)
        rows = self.conn.execute(f"SELECT seq, type, at, day, actor, data FROM events WHERE type IN ({marks})"
                                 + (f" AND ({where})" if where else "") + " ORDER BY seq", types)
        for row in rows:
            yield from self._readable((row,))

    def event_days(self) -> list[str]:
        """Every business day the log has events of, in order."""
        return [r[0] for r in self.conn.execute("SELECT DISTINCT day FROM events ORDER BY day")]

    def last_seq(self) -> int:
        return self.conn.execute("SELECT coalesce(max(seq), 0) FROM events").fetchone()[0]

    def unclosed_days_before(self, day: str) -> list[str]:
        rows = self.conn.execute(
            "SELECT DISTINCT day FROM events WHERE day < ? AND day NOT IN "
            "(SELECT day FROM events WHERE type = 'day_closed') ORDER BY day", (day,))
        return [r[0] for r in rows]

    def booked(self, day: str, code: str) -> bool:
        return self.conn.execute(
            "SELECT 1 FROM events WHERE day = ? AND type = 'appointment_booked' AND json_extract(data, '$.code') = ?",
            (day, code)).fetchone() is not None

    def bookings_of(self, first: str, last: str, category: str) -> list[tuple[float, str | None]]:
        """(slot start, person key) of a category's appointments booked for the days `first`…`last`
        (inclusive) and not cancelled: what the next free slot is counted from (caps.py)."""
        rows = self.conn.execute(
            "SELECT json_extract(data, '$.slot_start'), json_extract(data, '$.person_key') FROM events AS b "
            "WHERE day BETWEEN ? AND ? AND type = 'appointment_booked' AND json_extract(data, '$.category') = ? "
            "AND NOT EXISTS (SELECT 1 FROM events AS c WHERE c.day = b.day AND c.type = 'appointment_cancelled' "
            "AND json_extract(c.data, '$.code') = json_extract(b.data, '$.code'))",
            (first, last, category))
        return [(float(r[0]), r[1]) for r in rows]

    # ------------------------------------------------------------ intake drafts (personal data)
    # The identity read from the ID card, for the serving clerk only. Kept out of the event log on
    # purpose: the log is permanent, these are deleted when their business day is closed.

    def put_intake(self, ticket: str, day: str, data: dict, now: float) -> None:
        with self.transaction():
            self.conn.execute("INSERT OR REPLACE INTO intake_drafts(ticket, day, data, created_at) VALUES (?, ?, ?, ?)",
                              (ticket, day, json.dumps(data, ensure_ascii=False), now))

    def intake(self, ticket: str) -> dict | None:
        row = self.conn.execute("SELECT data FROM intake_drafts WHERE ticket = ?", (ticket,)).fetchone()
        return json.loads(row[0]) if row else None

    def purge_intake(self, before_day: str) -> int:
        with self.transaction():
            return self.conn.execute("DELETE FROM intake_drafts WHERE day < ?", (before_day,)).rowcount

    def purge_personal(self, before_day: str, *, max_days: int | None = None, compact: bool = False,
                       dry_run: bool = False) -> Purged:
        """Clear personal data of the days before `before_day` (store/retention.py says what),
        then truncate the write-ahead log so the old bytes are gone from the files too.
        `compact`: VACUUM as well (`yimen purge`, no server on the folder); `dry_run`: count only."""
        try:
            with self.transaction():
                purged = purge(self.conn, before_day, max_days)
                if purged.caught_up:  # the cases still to do are found by their history rows: those last
                    purged.history_rows = self.history.purge_personal(before_day, FINISHED)
                if dry_run:
                    raise _RolledBack
        except _RolledBack:
            return purged
        if compact:
            vacuum(self.conn)
        else:
            checkpoint(self.conn)
        return purged

    # ------------------------------------------------------------ case applicants (personal data)

    def applicant(self, case: str, viewer: str, now: float) -> dict | None:
        """The applicant's identity in full; the reading is recorded (who, when) before it is returned."""
        with self.transaction():
            self.conn.execute('INSERT INTO case_views("case", viewer, at) VALUES (?, ?, ?)', (case, viewer, now))
        row = self.conn.execute('SELECT data FROM case_applicants WHERE "case" = ?', (case,)).fetchone()
        return json.loads(row[0]) if row else None

    def applicant_views(self, case: str) -> list[dict]:
        rows = self.conn.execute('SELECT viewer, at FROM case_views WHERE "case" = ? ORDER BY id', (case,)).fetchall()
        return [{"viewer": viewer, "at": at} for viewer, at in rows]

    def days_with(self, kind: str, first: str, last: str) -> list[str]:
        """Days between `first` and `last` (inclusive) that have events of type `kind`."""
        rows = self.conn.execute("SELECT DISTINCT day FROM events WHERE type = ? AND day BETWEEN ? AND ? ORDER BY day",
                                 (kind, first, last))
        return [r[0] for r in rows]

    def issued_count(self, day: str) -> int:
        return self.conn.execute("SELECT count(*) FROM issued_numbers WHERE day = ?", (day,)).fetchone()[0]

    # ------------------------------------------------------------ secrets

    def secret(self, name: str, make: Callable[[], str]) -> str:
        """The named secret, created once with `make()` and kept in the database (never in git)."""
        row = self.conn.execute("SELECT value FROM secrets WHERE name = ?", (name,)).fetchone()
        if row:
            return row[0]
        with self.transaction():
            self.conn.execute("INSERT OR IGNORE INTO secrets(name, value) VALUES (?, ?)", (name, make()))
        return self.conn.execute("SELECT value FROM secrets WHERE name = ?", (name,)).fetchone()[0]


class _RolledBack(Exception):
    """Undoes a dry run's transaction."""


class Transaction:
    def __init__(self, conn: sqlite3.Connection):
        self.conn = conn

    def next_sequence(self, day: str, prefix: str) -> int:
        """The next ticket sequence for `prefix` on `day`; part of the enclosing transaction."""
        row = self.conn.execute("SELECT last FROM ticket_numbers WHERE day = ? AND prefix = ?", (day, prefix)).fetchone()
        sequence = (row[0] if row else 0) + 1
        self.conn.execute(
            "INSERT INTO ticket_numbers(day, prefix, last) VALUES (?, ?, ?) "
            "ON CONFLICT(day, prefix) DO UPDATE SET last = excluded.last", (day, prefix, sequence))
        return sequence

    def put_applicant(self, case: str, data: dict, now: float) -> None:
        """The applicant's identity, written with the `case_opened` event that names the case."""
        self.conn.execute('INSERT INTO case_applicants("case", data, created_at) VALUES (?, ?, ?)',
                          (case, json.dumps(data, ensure_ascii=False), now))

    def write_history(self, rows: Rows) -> None:
        """The history rows an event changed, in the event's transaction."""
        if rows:
            write(self.conn, rows)

    def tally_day(self, day: str) -> int:
        """Keep a closed day's ticket tallies (after its rows were written, in the same transaction);
        how many rows that took."""
        return HistoryRows(self.conn).retally(day)

    def append(self, event: Event) -> int:
        cur = self.conn.execute(
            "INSERT INTO events(type, at, day, actor, data) VALUES (?, ?, ?, ?, ?)",
            (event.type, event.at, event.day, event.actor, json.dumps(event.data, ensure_ascii=False)))
        assert cur.lastrowid is not None  # an INSERT into a rowid table always sets it
        event.seq = cur.lastrowid
        if event.type == "ticket_issued":
            self.conn.execute("INSERT INTO issued_numbers(day, number, seq) VALUES (?, ?, ?)",
                              (event.day, event.data["number"], event.seq))
        return event.seq


def statements(script: str) -> list[str]:
    """A migration's statements, split where SQLite says one is complete (a ';' inside a string or
    a trigger's body does not end one). Run one by one inside the migration's own transaction."""
    out, buffer = [], ""
    for piece in script.split(";"):
        buffer += piece + ";"
        if sqlite3.complete_statement(buffer):
            if buffer.strip(" \n;"):
                out.append(buffer.strip())
            buffer = ""
    if buffer.strip(" \n;"):
        raise ValueError(f"an incomplete SQL statement at the end of a migration: {buffer.strip()[:60]}")
    return out


def _event(row: tuple) -> Event:
    seq, kind, at, day, actor, data = row
    return Event(kind, at, day, json.loads(data), actor, seq)


def _lock_folder(data_dir: Path) -> int:
    """An exclusive lock on the folder for as long as the process lives (the kernel drops it when
    the process ends, however it ends)."""
    fd = os.open(data_dir / LOCK, os.O_RDWR | os.O_CREAT, 0o640)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        holder = os.read(fd, 32).decode(errors="replace").strip() or "?"
        os.close(fd)
        raise StoreProblem(f"another yimen server (pid {holder}) is using {data_dir}",
                           "stop it first (systemctl stop yimen-serve); two servers on one hall would "
                           "each see half the tickets", lasting=False) from None
    os.ftruncate(fd, 0)
    os.write(fd, f"{os.getpid()}\n".encode())
    return fd


def problem_of(path: Path, exc: sqlite3.DatabaseError) -> StoreProblem:
    text = str(exc)
    if "full" in text:
        return StoreProblem(f"the disk holding {path} is full", "free some space (old backups, logs) and "
                            "start again", lasting=False)
    if "locked" in text or "busy" in text:
        return StoreProblem(f"{path} is locked by another program", "close it and start again", lasting=False)
    return StoreProblem(f"the hall's database {path} is damaged ({text})",
                        f"{RESTORE}; 'sqlite3 {path} .recover' may save what is left")
