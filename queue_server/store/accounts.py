"""Devices, people and sessions in the database: rows only, no rules (queue_server/auth.py has them)."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from contextlib import AbstractContextManager
from typing import Any

DEVICE_COLUMNS = ("name", "kind", "window", "created_at", "revoked_at")
USER_COLUMNS = ("username", "display_name", "role", "disabled", "post", "duties")


class AccountRows:
    def __init__(self, conn: sqlite3.Connection, transaction: Callable[[], AbstractContextManager[Any]]):
        self.conn, self.transaction = conn, transaction

    # ------------------------------------------------------------ devices

    def device_exists(self, name: str) -> bool:
        return self.conn.execute("SELECT 1 FROM devices WHERE name = ?", (name,)).fetchone() is not None

    def add_device(self, name: str, kind: str, window: int | None, token_hash: str, now: float) -> None:
        with self.transaction():
            self.conn.execute("INSERT INTO devices(name, kind, window, token_hash, created_at) VALUES (?, ?, ?, ?, ?)",
                              (name, kind, window, token_hash, now))

    def revoke_device(self, name: str, now: float) -> bool:
        with self.transaction():
            cur = self.conn.execute("UPDATE devices SET revoked_at = ? WHERE name = ? AND revoked_at IS NULL", (now, name))
        return cur.rowcount > 0

    def devices(self) -> list[dict]:
        rows = self.conn.execute(f"SELECT {', '.join(DEVICE_COLUMNS)} FROM devices ORDER BY name")
        return [dict(zip(DEVICE_COLUMNS, row, strict=True)) for row in rows]

    def active_device(self, token_hash: str) -> tuple[str, str, int | None] | None:
        """(name, kind, window) of the unrevoked device with this token hash."""
        return self.conn.execute("SELECT name, kind, window FROM devices WHERE token_hash = ? AND revoked_at IS NULL",
                                 (token_hash,)).fetchone()

    # ------------------------------------------------------------ people

    def user_exists(self, username: str) -> bool:
        return self.conn.execute("SELECT 1 FROM users WHERE username = ?", (username,)).fetchone() is not None

    def add_user(self, username: str, display_name: str, role: str, password_hash: str, now: float) -> None:
        with self.transaction():
            self.conn.execute("INSERT INTO users(username, display_name, role, password_hash, created_at, disabled) "
                              "VALUES (?, ?, ?, ?, ?, 0)", (username, display_name, role, password_hash, now))

    def users(self) -> list[dict]:
        rows = self.conn.execute(f"SELECT {', '.join(USER_COLUMNS)} FROM users ORDER BY username")
        return [dict(zip(USER_COLUMNS, row, strict=True)) for row in rows]

    def user(self, username: str) -> dict | None:
        row = self.conn.execute("SELECT username, display_name, role, disabled FROM users WHERE username = ?",
                                (username,)).fetchone()
        return dict(zip(("username", "display_name", "role", "disabled"), row, strict=True)) if row else None

    def update_user(self, username: str, changes: dict[str, object]) -> None:
        """Set some of: display_name, post, duties, photo, photo_type, password_hash, disabled."""
        allowed = {"display_name", "post", "duties", "photo", "photo_type", "password_hash", "disabled"}
        assert set(changes) <= allowed, f"not a user column: {set(changes) - allowed}"
        with self.transaction():
            self.conn.execute(f"UPDATE users SET {', '.join(f'{k} = ?' for k in changes)} WHERE username = ?",
                              (*changes.values(), username))

    def staff_card(self, username: str) -> tuple[str, str, str, bool] | None:
        return self.conn.execute("SELECT display_name, post, duties, photo IS NOT NULL FROM users WHERE username = ?",
                                 (username,)).fetchone()

    def photo(self, username: str) -> tuple[bytes, str] | None:
        row = self.conn.execute("SELECT photo, photo_type FROM users WHERE username = ?", (username,)).fetchone()
        return (row[0], row[1]) if row and row[0] is not None else None

    def password_row(self, username: str) -> tuple[str, str] | None:
        """(role, password hash) of an active account."""
        return self.conn.execute("SELECT role, password_hash FROM users WHERE username = ? AND disabled = 0",
                                 (username,)).fetchone()

    def set_password_hash(self, username: str, password_hash: str, keep_session_hash: str = "") -> int:
        """A new password, and every other session of the account ended, in one transaction."""
        with self.transaction():
            self.conn.execute("UPDATE users SET password_hash = ? WHERE username = ?", (password_hash, username))
            return self.conn.execute("DELETE FROM sessions WHERE username = ? AND token_hash != ?",
                                     (username, keep_session_hash)).rowcount

    def set_disabled(self, username: str, disabled: bool) -> int:
        """Disable (ending every session) or enable an account, in one transaction."""
        with self.transaction():
            self.conn.execute("UPDATE users SET disabled = ? WHERE username = ?", (int(disabled), username))
            if not disabled:
                return 0
            return self.conn.execute("DELETE FROM sessions WHERE username = ?", (username,)).rowcount

    def active_admins(self) -> list[str]:
        return [r[0] for r in self.conn.execute("SELECT username FROM users WHERE role = 'admin' AND disabled = 0")]

    # ------------------------------------------------------------ sessions

    def open_session(self, token_hash: str, username: str, csrf: str, now: float, expires_at: float) -> None:
        with self.transaction():
            self.conn.execute("DELETE FROM sessions WHERE expires_at < ?", (now,))
            self.conn.execute("INSERT INTO sessions(token_hash, username, csrf, created_at, expires_at) "
                              "VALUES (?, ?, ?, ?, ?)", (token_hash, username, csrf, now, expires_at))

    def session(self, token_hash: str, now: float) -> tuple[str, str, str] | None:
        """(username, role, csrf) of a live session of an active account."""
        return self.conn.execute(
            "SELECT s.username, u.role, s.csrf FROM sessions s JOIN users u USING (username) "
            "WHERE s.token_hash = ? AND s.expires_at > ? AND u.disabled = 0", (token_hash, now)).fetchone()

    def end_sessions(self, username: str, keep_hash: str = "") -> int:
        with self.transaction():
            return self.conn.execute("DELETE FROM sessions WHERE username = ? AND token_hash != ?",
                                     (username, keep_hash)).rowcount

    def close_session(self, token_hash: str) -> None:
        with self.transaction():
            self.conn.execute("DELETE FROM sessions WHERE token_hash = ?", (token_hash,))
