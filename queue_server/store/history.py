"""The manager's history tables: rows only. `queue_server/history.py` builds the rows; the
service writes them in the transaction of the event they come from; reports read them here.

Schema changes to these tables bump `HISTORY_VERSION`: on start the server sees the stored
version differ and rebuilds the tables from the log (`yimen rebuild` does the same on demand).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Sequence
from typing import Any

from ..history import (
    BOOKING_COLUMNS,
    CASE_COLUMNS,
    FOLLOW_UP_COLUMNS,
    PERSONAL,
    SPAN_COLUMNS,
    TICKET_COLUMNS,
    WINDOW_DAY_COLUMNS,
    Rows,
)
from ..reports import (
    TICKET_READ,
    Tallies,
    add_tallies,
    day_tally_rows,
    merge_day_tallies,
    tally_tickets,
)

HISTORY_VERSION = 2  # 2: closed days' tallies
DAY_TALLY_COLUMNS = ("day", "dimension", "key", "counts", "waits", "services")
TABLES: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {  # table → (columns, primary key)
    "ticket_facts": (TICKET_COLUMNS, ("id",)),
    "window_spans": (SPAN_COLUMNS, ("window", "start")),
    "window_days": (WINDOW_DAY_COLUMNS, ("day", "window")),
    "booking_facts": (BOOKING_COLUMNS, ("code",)),
    "case_facts": (CASE_COLUMNS, ("number",)),
    "follow_up_facts": (FOLLOW_UP_COLUMNS, ("id",)),
    "day_tallies": (DAY_TALLY_COLUMNS, ("day", "dimension", "key")),
}
_FIELD = {"tickets": "ticket_facts", "spans": "window_spans", "window_days": "window_days",
          "bookings": "booking_facts", "cases": "case_facts", "follow_ups": "follow_up_facts"}

# Appended to core.MIGRATIONS: the tables, and the indexes the reports' period filters use.
MIGRATION = """
CREATE TABLE ticket_facts (
    id TEXT PRIMARY KEY, day TEXT NOT NULL, number TEXT NOT NULL, issued_category TEXT NOT NULL,
    category TEXT NOT NULL, matter TEXT, priority TEXT, channel TEXT, appointment TEXT,
    appointment_on_time INTEGER, issued_at REAL NOT NULL, hour INTEGER NOT NULL, weekday INTEGER NOT NULL,
    first_called_at REAL, started_at REAL, finished_at REAL, wait_s REAL, service_s REAL, window INTEGER,
    clerk TEXT, outcome TEXT, recalls INTEGER NOT NULL, transfers INTEGER NOT NULL, overtaken INTEGER NOT NULL,
    rating_level INTEGER, rating_default INTEGER, rating_channel TEXT, rated_at REAL, rating_round INTEGER,
    intake_case TEXT, person_key TEXT, name TEXT
);
CREATE INDEX ticket_facts_by_day ON ticket_facts(day);
CREATE TABLE window_spans (
    day TEXT NOT NULL, window INTEGER NOT NULL, start REAL NOT NULL, "end" REAL, state TEXT NOT NULL,
    reason TEXT, clerk TEXT, PRIMARY KEY (window, start)
);
CREATE INDEX window_spans_by_day ON window_spans(day);
CREATE TABLE window_days (
    day TEXT NOT NULL, window INTEGER NOT NULL, idle_queue_s REAL NOT NULL, PRIMARY KEY (day, window)
);
CREATE TABLE booking_facts (
    code TEXT PRIMARY KEY, day TEXT NOT NULL, category TEXT NOT NULL, matter TEXT, slot_start REAL NOT NULL,
    slot_end REAL NOT NULL, person_key TEXT
);
CREATE INDEX booking_facts_by_day ON booking_facts(day);
CREATE TABLE case_facts (
    number TEXT PRIMARY KEY, opened_day TEXT NOT NULL, matter TEXT NOT NULL, case_type TEXT NOT NULL,
    channel TEXT NOT NULL, window INTEGER, clerk TEXT, status TEXT NOT NULL, accepted_day TEXT, due_day TEXT,
    legal_due_day TEXT, decided_day TEXT, outcome TEXT, on_time INTEGER, closed_day TEXT,
    applicant_name TEXT, person_key TEXT
);
CREATE TABLE follow_up_facts (
    id TEXT PRIMARY KEY, day TEXT NOT NULL, number TEXT NOT NULL, window INTEGER, clerk TEXT, matter TEXT,
    level INTEGER NOT NULL, state TEXT NOT NULL, deadline TEXT NOT NULL, rectified_day TEXT, appeal TEXT
);
CREATE TABLE history_state (name TEXT PRIMARY KEY, value TEXT NOT NULL);
"""


# A closed day's ticket figures per group, kept so that a long period adds up a few hundred rows per
# day instead of tallying every ticket again (reports.merge_day_tallies); and the indexes a
# period's case figures read by.
MIGRATION_DAY_TALLIES = """
CREATE TABLE day_tallies (
    day TEXT NOT NULL, dimension TEXT NOT NULL, key TEXT NOT NULL, counts TEXT NOT NULL, waits BLOB NOT NULL,
    services BLOB NOT NULL, PRIMARY KEY (day, dimension, key)
);
CREATE INDEX case_facts_by_opened ON case_facts(opened_day);
CREATE INDEX case_facts_by_decided ON case_facts(decided_day);
"""


def _quoted(columns: Iterable[str]) -> str:
    return ", ".join(f'"{c}"' for c in columns)


_UPSERT = {table: f"INSERT OR REPLACE INTO {table}({_quoted(cols)}) VALUES ({', '.join('?' for _ in cols)})"
           for table, (cols, _) in TABLES.items()}


def write(conn: sqlite3.Connection, rows: Rows) -> None:
    """Upsert rows (inside the caller's transaction)."""
    for name, table in _FIELD.items():
        batch = getattr(rows, name)
        if batch:
            conn.executemany(_UPSERT[table], batch)


class HistoryRows:
    """Reading and rebuilding the history tables."""

    def __init__(self, conn: sqlite3.Connection):
        self.conn = conn

    def version(self) -> int:
        row = self.conn.execute("SELECT value FROM history_state WHERE name = 'version'").fetchone()
        return int(row[0]) if row else 0

    def clear(self) -> None:
        """Empty every history table (inside the caller's transaction, before a rebuild)."""
        for table in TABLES:
            self.conn.execute(f"DELETE FROM {table}")

    def mark_built(self) -> None:
        self.conn.execute("INSERT OR REPLACE INTO history_state(name, value) VALUES ('version', ?)",
                          (str(HISTORY_VERSION),))

    def dump(self, table: str) -> list[tuple]:
        """Every row of a table in key order (a rebuild is checked against the maintained rows)."""
        columns, key = TABLES[table]
        return self.conn.execute(f"SELECT {_quoted(columns)} FROM {table} ORDER BY {_quoted(key)}").fetchall()

    def select(self, table: str, columns: Sequence[str], first: str, last: str,
               day_column: str = "day") -> sqlite3.Cursor:
        """Rows of a table whose day falls in [first, last], as tuples of `columns`, in day order."""
        known = TABLES[table][0]
        unknown = [c for c in (*columns, day_column) if c not in known]
        if unknown:
            raise ValueError(f"{table} has no column {unknown[0]}")
        return self.conn.execute(f'SELECT {_quoted(columns)} FROM {table} WHERE "{day_column}" BETWEEN ? AND ? '
                                 f'ORDER BY "{day_column}"', (first, last))

    def retally(self, day: str) -> int:
        """Tally a closed day's tickets into `day_tallies` (inside the caller's transaction): when the
        day closes, and again when a later event changes its tickets (a province's default ratings)."""
        rows = self.conn.execute(f"SELECT {_quoted(TICKET_READ)} FROM ticket_facts WHERE day = ?", (day,))
        tallied = [(day, *row) for row in day_tally_rows(tally_tickets(rows))]
        self.conn.execute("DELETE FROM day_tallies WHERE day = ?", (day,))
        self.conn.executemany("INSERT INTO day_tallies(day, dimension, key, counts, waits, services) "
                              "VALUES (?, ?, ?, ?, ?, ?)", tallied)
        return len(tallied)

    def tallies(self, first: str, last: str) -> Tallies:
        """The tickets of [first, last] tallied: the closed days' kept tallies added up, and the
        days without one (today, a day not closed yet) tallied from their rows."""
        merged = merge_day_tallies(self.conn.execute(
            f"SELECT {_quoted(DAY_TALLY_COLUMNS)} FROM day_tallies WHERE day BETWEEN ? AND ? ORDER BY day", (first, last)))
        rest = self.conn.execute(
            f"SELECT {_quoted(TICKET_READ)} FROM ticket_facts WHERE day BETWEEN ? AND ? AND day NOT IN "
            "(SELECT DISTINCT day FROM day_tallies WHERE day BETWEEN ? AND ?) ORDER BY day", (first, last, first, last))
        return add_tallies(merged, tally_tickets(rest))

    def checked_in(self, first: str, last: str) -> dict[str, int]:
        """Appointment code → 1 (on time) or 0 (late), for the period's tickets that came by
        appointment (filtered here: most tickets did not, and a report should not fetch them twice)."""
        rows = self.conn.execute("SELECT appointment, appointment_on_time FROM ticket_facts WHERE day BETWEEN ? AND ? "
                                 "AND appointment IS NOT NULL", (first, last))
        return dict(rows.fetchall())

    def open_cases(self, columns: Sequence[str], before: str) -> list[tuple]:
        """Cases opened on or before `before` and not closed by then (returned and withdrawn excluded)."""
        return self.conn.execute(
            f"SELECT {_quoted(columns)} FROM case_facts WHERE opened_day <= ? AND (closed_day IS NULL OR closed_day > ?) "
            "AND status NOT IN ('returned', 'withdrawn')", (before, before)).fetchall()

    def days(self) -> tuple[str | None, str | None]:
        """The first and last day with tickets."""
        first, last = self.conn.execute("SELECT min(day), max(day) FROM ticket_facts").fetchone()
        return first, last

    def personal_count(self, before: str) -> int:
        """How many rows before `before` still hold personal data."""
        total = 0
        for table, columns in PERSONAL.items():
            day = "opened_day" if table == "case_facts" else "day"
            cond = " OR ".join(f'"{c}" IS NOT NULL' for c in columns)
            total += self.conn.execute(f"SELECT count(*) FROM {table} WHERE {day} < ? AND ({cond})", (before,)).fetchone()[0]
        return total

    def purge_personal(self, before: str, finished_cases: Sequence[str] | None = None) -> int:
        """Clear the personal columns of rows before `before` (inside the caller's transaction);
        of cases only those in a `finished_cases` status when given (a running case keeps its applicant)."""
        total = 0
        for table, columns in PERSONAL.items():
            day = "opened_day" if table == "case_facts" else "day"
            sets = ", ".join(f'"{c}" = NULL' for c in columns)
            cond = " OR ".join(f'"{c}" IS NOT NULL' for c in columns)
            args: list[str] = [before]
            if table == "case_facts" and finished_cases is not None:
                cond = f"({cond}) AND status IN ({', '.join('?' for _ in finished_cases)})"
                args += finished_cases
            total += self.conn.execute(f"UPDATE {table} SET {sets} WHERE {day} < ? AND ({cond})", args).rowcount
        return total


def as_dicts(columns: Sequence[str], rows: Iterable[tuple]) -> list[dict[str, Any]]:
    return [dict(zip(columns, r, strict=True)) for r in rows]
