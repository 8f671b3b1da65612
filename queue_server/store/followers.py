"""Followers' positions in the event log: rows only (queue_server/followers.py reads with them)."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Collection
from contextlib import AbstractContextManager
from typing import Any


class FollowerRows:
    def __init__(self, conn: sqlite3.Connection, transaction: Callable[[], AbstractContextManager[Any]],
                 read: Callable[[Any], list[Any]]):
        self.conn, self.transaction, self._read = conn, transaction, read

    def _ensure(self, name: str) -> None:
        if self.conn.execute("SELECT 1 FROM followers WHERE name = ?", (name,)).fetchone() is None:
            with self.transaction():
                self.conn.execute("INSERT OR IGNORE INTO followers(name, position) VALUES (?, 0)", (name,))

    def next_event(self, name: str, types: Collection[str]) -> Any:
        """The first event of these types after the follower's position, or None."""
        self._ensure(name)
        marks = ", ".join("?" for _ in types)
        rows = self.conn.execute(
            f"SELECT seq, type, at, day, actor, data FROM events WHERE seq > (SELECT position FROM followers "
            f"WHERE name = ?) AND type IN ({marks}) ORDER BY seq LIMIT 1", (name, *types))
        found = self._read(rows)
        return found[0] if found else None

    def delivered(self, name: str, seq: int, now: float) -> None:
        with self.transaction():
            self.conn.execute("UPDATE followers SET position = ?, attempts = 0, next_at = 0, last_error = NULL, "
                              "delivered_at = ? WHERE name = ?", (seq, now, name))

    def failed(self, name: str, error: str, next_at: float) -> int:
        """Record a failed attempt; returns how many in a row."""
        with self.transaction():
            self.conn.execute("UPDATE followers SET attempts = attempts + 1, next_at = ?, last_error = ? WHERE name = ?",
                              (next_at, error[:500], name))
        return self.conn.execute("SELECT attempts FROM followers WHERE name = ?", (name,)).fetchone()[0]

    def state(self, name: str, types: Collection[str]) -> dict[str, Any]:
        """Where a follower stands: events still to deliver, the oldest one's time, the last error."""
        self._ensure(name)
        position, attempts, next_at, error, delivered_at = self.conn.execute(
            "SELECT position, attempts, next_at, last_error, delivered_at FROM followers WHERE name = ?",
            (name,)).fetchone()
        marks = ", ".join("?" for _ in types)
        pending, oldest = self.conn.execute(
            f"SELECT count(*), min(at) FROM events WHERE seq > ? AND type IN ({marks})", (position, *types)).fetchone()
        return {"position": position, "pending": pending, "oldest": oldest, "attempts": attempts,
                "next_at": next_at or None, "last_error": error, "delivered_at": delivered_at}
