"""The audit log's rows: who changed what in the hall's administration, when, before and after.

Rows only; what an entry means and how two versions differ is `queue_server/audit.py`. Write an
entry inside the transaction of the change it records (`Store.transaction` joins an open one), so
that a change is never made without its entry, nor an entry left for a change that failed.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable
from contextlib import AbstractContextManager
from typing import Any

MIGRATION = """
CREATE TABLE audit_log (
    seq INTEGER PRIMARY KEY, at REAL NOT NULL, actor TEXT NOT NULL, area TEXT NOT NULL,
    action TEXT NOT NULL, target TEXT NOT NULL, before TEXT, after TEXT, note TEXT NOT NULL DEFAULT ''
);
CREATE INDEX audit_log_by_at ON audit_log(at);
CREATE INDEX audit_log_by_area ON audit_log(area, seq);
"""

COLUMNS = ("seq", "at", "actor", "area", "action", "target", "before", "after", "note")


class AuditRows:
    def __init__(self, conn: sqlite3.Connection, transaction: Callable[[], AbstractContextManager[Any]]):
        self.conn, self.transaction = conn, transaction

    def add(self, at: float, actor: str, area: str, action: str, target: str,
            before: Any = None, after: Any = None, note: str = "") -> int:
        """One entry; `before` and `after` are stored as JSON (None: nothing there, as for a new
        account's `before`). Joins the caller's transaction when one is open."""
        with self.transaction():
            cur = self.conn.execute(
                "INSERT INTO audit_log(at, actor, area, action, target, before, after, note) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (at, actor, area, action, target, _json(before), _json(after), note))
        return int(cur.lastrowid or 0)

    def entries(self, *, since: float | None = None, until: float | None = None, area: str | None = None,
                before_seq: int | None = None, limit: int = 200) -> list[dict[str, Any]]:
        """Newest first; `before_seq` pages back from an entry already shown."""
        where: list[str] = []
        args: list[object] = []
        for clause, value in (("at >= ?", since), ("at < ?", until), ("area = ?", area), ("seq < ?", before_seq)):
            if value is not None:
                where.append(clause)
                args.append(value)
        sql = f"SELECT {', '.join(COLUMNS)} FROM audit_log"
        if where:
            sql += " WHERE " + " AND ".join(where)
        rows = self.conn.execute(sql + " ORDER BY seq DESC LIMIT ?", (*args, limit))
        out = []
        for row in rows:
            entry = dict(zip(COLUMNS, row, strict=True))
            entry["before"], entry["after"] = _parsed(entry["before"]), _parsed(entry["after"])
            out.append(entry)
        return out

    def entry(self, seq: int) -> dict[str, Any] | None:
        found = self.entries(before_seq=seq + 1, limit=1)
        return found[0] if found and found[0]["seq"] == seq else None


def _json(value: Any) -> str | None:
    return None if value is None else json.dumps(value, ensure_ascii=False, sort_keys=True)


def _parsed(text: str | None) -> Any:
    return None if text is None else json.loads(text)
