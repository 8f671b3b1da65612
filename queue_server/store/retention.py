"""The retention purge: personal data of days older than the hall's retention is cleared from the
log and the tables beside it, so that the statistics stay exact and the person is gone.

What is cleared, for days before the cut-off:
- `ticket_issued`: `person_key` (set to null) and the masked `name` (removed); `ticket_called` and
  `ticket_recalled`: the masked `name` (removed); `appointment_booked`: `person_key` (null) and
  the masked `contact` (removed);
- intake drafts (the ID card's reading, normally deleted when their day closes);
- for cases opened before the cut-off that are finished (decided, result ready, handed over,
  archived, returned, withdrawn) — a running case keeps its applicant: `case_opened`'s
  `applicant_name` (set to "": the field is required, and an empty name reads the same in
  both languages), `person_key` (null) and `agent_name` (removed); the applicant's identity
  (`case_applicants`) and the record of who read it (`case_views`);
- the history tables' personal columns (`HistoryRows.purge_personal`).
Every other field stays, so folding the log again (`yimen rebuild`) gives the same figures.

Deleted bytes are overwritten (`PRAGMA secure_delete`, on for every store connection), and a
checkpoint that truncates the write-ahead log follows the purge, so the values are gone from the
files, not only from the tables; `yimen purge` also VACUUMs.

Tickets' events are done day by day from where the last purge stopped (kept in `history_state`),
so the server's daily purge reads one day, not the whole log; `max_days` bounds the days of
tickets and of cases one call reads (the first purge of a long history is done in steps, the
hall answering in between).
"""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass, field
from datetime import date, timedelta

from ..history import PERSONAL

MARK = "personal_purged_before"  # history_state: the log's ticket events before this day are purged
FINISHED = ("decided", "result_ready", "handed_over", "archived", "returned", "withdrawn")
CASE_PERSONAL = ", ".join(f'"{c}" = NULL' for c in PERSONAL["case_facts"])
TICKET_EVENTS = ("ticket_issued", "ticket_called", "ticket_recalled", "appointment_booked")


@dataclass
class Purged:
    """What one purge cleared, for the log line and `yimen purge`'s report."""

    before: str
    tickets: int = 0  # ticket_issued events that held a person key or a name
    calls: int = 0  # ticket_called / ticket_recalled events that held a name
    bookings: int = 0  # appointment_booked events that held a person key
    cases: list[str] = field(default_factory=list)  # cases whose opening still named the applicant
    applicants: int = 0  # case_applicants rows deleted
    views: int = 0  # case_views rows deleted
    intake: int = 0  # intake drafts deleted
    history_rows: int = 0  # history rows whose personal columns were cleared
    done_through: str | None = None  # the log's ticket events are purged before this day now
    caught_up: bool = True  # False when `max_days` stopped it short of `before`

    def as_dict(self) -> dict:
        return {"before": self.before, "tickets": self.tickets, "calls": self.calls, "bookings": self.bookings,
                "cases": len(self.cases), "applicants": self.applicants, "views": self.views,
                "intake_drafts": self.intake, "history_rows": self.history_rows,
                "purged_before": self.done_through, "caught_up": self.caught_up}


def _clear_ticket_event(kind: str, data: dict) -> bool:
    """Clear one ticket event's personal fields in place; True if it held any."""
    held = False
    if kind in ("ticket_issued", "appointment_booked") and data.get("person_key") is not None:
        data["person_key"] = None
        held = True
    if kind != "appointment_booked" and data.pop("name", None) is not None:
        held = True
    if kind == "appointment_booked" and data.pop("contact", None) is not None:  # the masked phone/ID (/book)
        held = True
    return held


def _clear_case_opened(data: dict) -> bool:
    held = bool(data.get("applicant_name")) or data.get("person_key") is not None or data.get("agent_name") is not None
    data["applicant_name"], data["person_key"] = "", None
    data.pop("agent_name", None)
    return held


def _rewrite(conn: sqlite3.Connection, seq: int, data: dict) -> None:
    conn.execute("UPDATE events SET data = ? WHERE seq = ?", (json.dumps(data, ensure_ascii=False), seq))


def purge(conn: sqlite3.Connection, before: str, max_days: int | None = None) -> Purged:
    """Clear personal data of the days before `before` (inside the caller's transaction)."""
    out = Purged(before)
    row = conn.execute("SELECT value FROM history_state WHERE name = ?", (MARK,)).fetchone()
    start = min(row[0], before) if row else ""
    days = [r[0] for r in conn.execute(
        "SELECT DISTINCT day FROM events WHERE day >= ? AND day < ? ORDER BY day", (start, before))]
    upto = before
    if max_days is not None and len(days) > max_days:
        upto = (date.fromisoformat(days[max_days - 1]) + timedelta(days=1)).isoformat()
        out.caught_up = False
    marks = ", ".join("?" for _ in TICKET_EVENTS)
    rows = conn.execute(f"SELECT seq, type, data FROM events WHERE day >= ? AND day < ? AND type IN ({marks})",
                        (start, upto, *TICKET_EVENTS)).fetchall()
    for seq, kind, text in rows:
        data = json.loads(text)
        if _clear_ticket_event(kind, data):
            _rewrite(conn, seq, data)
            if kind == "ticket_issued":
                out.tickets += 1
            elif kind == "appointment_booked":
                out.bookings += 1
            else:
                out.calls += 1
    if upto > start:
        conn.execute("INSERT OR REPLACE INTO history_state(name, value) VALUES (?, ?)", (MARK, upto))
    out.done_through = max(upto, start)
    _purge_cases(conn, before, out, max_days)
    out.intake = conn.execute("DELETE FROM intake_drafts WHERE day < ?", (before,)).rowcount
    return out


def _purge_cases(conn: sqlite3.Connection, before: str, out: Purged, max_days: int | None) -> None:
    """Finished cases opened before `before` lose their applicant's identity (a running case
    keeps it). The cases still to do are those whose history row still names someone: the
    history purge clears that row with the event, so each case is read once."""
    finished = f"SELECT number FROM case_facts WHERE opened_day < ? AND status IN ({', '.join('?' for _ in FINISHED)})"
    todo: dict[str, set[str]] = {}
    for number, day in conn.execute(finished.replace("SELECT number", "SELECT number, opened_day")
                                    + " AND (coalesce(applicant_name, '') != '' OR person_key IS NOT NULL)",
                                    (before, *FINISHED)):
        todo.setdefault(day, set()).add(number)
    days = sorted(todo.items())
    if max_days is not None and len(days) > max_days:
        days, out.caught_up = days[:max_days], False
    for day, numbers in days:
        for seq, text in conn.execute("SELECT seq, data FROM events WHERE day = ? AND type = 'case_opened'", (day,)).fetchall():
            data = json.loads(text)
            if data.get("case") in numbers and _clear_case_opened(data):
                _rewrite(conn, seq, data)
                out.cases.append(data["case"])
        conn.executemany(f"UPDATE case_facts SET {CASE_PERSONAL} WHERE number = ?",
                         [(n,) for n in sorted(numbers)])  # done: the next step starts after it
    out.applicants = conn.execute(f'DELETE FROM case_applicants WHERE "case" IN ({finished})', (before, *FINISHED)).rowcount
    out.views = conn.execute(f'DELETE FROM case_views WHERE "case" IN ({finished})', (before, *FINISHED)).rowcount


def checkpoint(conn: sqlite3.Connection) -> bool:
    """Copy the write-ahead log into the database and truncate it to nothing, so the purged
    values' old pages are gone from the -wal file too. False if a reader kept it from finishing
    (a report being computed): the next checkpoint overwrites them."""
    busy, _, _ = conn.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
    return busy == 0


def vacuum(conn: sqlite3.Connection) -> None:
    """Rebuild the file: no free page or slack space keeps anything deleted before secure_delete
    was on (a hall upgraded from an earlier version)."""
    conn.execute("VACUUM")
    checkpoint(conn)
