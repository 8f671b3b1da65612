"""Who may do what: device tokens, clerk/manager accounts, web sessions with CSRF tokens.

Secrets are stored only as hashes: device tokens (high-entropy, random) as SHA-256, passwords
with scrypt and a per-user salt, session cookies as SHA-256. A device token or a password is
shown once, when it is created, and never again.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass

from .store import Store

DEVICE_KINDS = ("kiosk", "display", "keypad", "review", "body")  # body: a higher body or department (case steps)
# Devices that act on a window must say which one; ANY_WINDOW is the explicit choice of a roaming
# device (a supervisor's keypad) that may act on every window.
WINDOW_DEVICES = ("keypad", "review")
ANY_WINDOW = 0
USER_ROLES = ("clerk", "manager", "admin")
# A role also holds the rights of the roles it includes.
ROLE_INCLUDES = {"admin": {"admin", "manager", "clerk"}, "manager": {"manager", "clerk"}, "clerk": {"clerk"}}
SESSION_HOURS = 12
_SCRYPT = {"n": 2**14, "r": 8, "p": 1}


@dataclass(frozen=True)
class Principal:
    """An authenticated caller: a device (role = its kind) or a signed-in user (role = theirs)."""

    kind: str  # "device" | "user"
    name: str
    role: str
    window: int | None = None  # a keypad or review pad may be bound to one window
    csrf: str | None = None  # set for cookie sessions: state changes must echo it

    def has(self, roles: frozenset[str]) -> bool:
        return bool(ROLE_INCLUDES.get(self.role, {self.role}) & roles)

    @property
    def label(self) -> str:
        return self.name


class AuthError(Exception):
    pass


def _image_type(data: bytes) -> str | None:
    if data.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    return None


def _sha256(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def hash_password(password: str, salt: bytes | None = None) -> str:
    salt = salt or secrets.token_bytes(16)
    digest = hashlib.scrypt(password.encode(), salt=salt, dklen=32, **_SCRYPT)
    encoded_salt, encoded_digest = base64.b64encode(salt).decode(), base64.b64encode(digest).decode()
    return f"scrypt${_SCRYPT['n']}${_SCRYPT['r']}${_SCRYPT['p']}${encoded_salt}${encoded_digest}"


def verify_password(password: str, stored: str) -> bool:
    try:
        scheme, n, r, p, salt, digest = stored.split("$")
    except ValueError:
        return False
    if scheme != "scrypt":
        return False
    got = hashlib.scrypt(password.encode(), salt=base64.b64decode(salt), n=int(n), r=int(r), p=int(p), dklen=32)
    return hmac.compare_digest(got, base64.b64decode(digest))


# A dummy hash, so a sign-in with an unknown username costs as much as one with a wrong password.
_DUMMY_HASH = hash_password("no such user")


class Accounts:
    """Devices, users and sessions in the store."""

    def __init__(self, store: Store):
        self.store = store
        self.rows = store.accounts

    # ------------------------------------------------------------ devices

    def add_device(self, name: str, kind: str, window: int | None, now: float) -> str:
        """A new device and its token (shown once). Keypads and review pads need `window` — a
        window number, or ANY_WINDOW for a roaming device; other kinds take none."""
        if kind not in DEVICE_KINDS:
            raise AuthError(f"unknown device kind {kind!r}; choose one of {', '.join(DEVICE_KINDS)}")
        if kind in WINDOW_DEVICES and window is None:
            raise AuthError(f"a {kind} acts on one window: give --window N (or --any-window for a roaming device)")
        if kind not in WINDOW_DEVICES and window is not None:
            raise AuthError(f"a {kind} does not belong to a window")
        if not re.fullmatch(r"[\w.-]{1,64}", name):
            raise AuthError("device name: 1–64 letters, digits, '.', '_' or '-'")
        if self.rows.device_exists(name):
            raise AuthError(f"a device named {name!r} exists already (revoke it first to replace it)")
        token = "ymd_" + secrets.token_urlsafe(32)
        self.rows.add_device(name, kind, window, _sha256(token), now)
        return token

    def revoke_device(self, name: str, now: float) -> bool:
        return self.rows.revoke_device(name, now)

    def devices(self) -> list[dict]:
        return self.rows.devices()

    def device_for_token(self, token: str) -> Principal | None:
        """The device holding `token`. A keypad or review pad registered without a window (before
        the binding was required) is not accepted: re-add it with its window."""
        row = self.rows.active_device(_sha256(token))
        if row is None or (row[1] in WINDOW_DEVICES and row[2] is None):
            return None
        return Principal("device", row[0], row[1], None if row[2] == ANY_WINDOW else row[2])

    # ------------------------------------------------------------ users

    def add_user(self, username: str, password: str, role: str, now: float, display_name: str = "") -> None:
        if role not in USER_ROLES:
            raise AuthError(f"unknown role {role!r}; choose one of {', '.join(USER_ROLES)}")
        if not re.fullmatch(r"[A-Za-z0-9_.-]{2,32}", username):
            raise AuthError("username: 2–32 letters, digits, '.', '_' or '-'")
        if len(password) < 8:
            raise AuthError("the password needs at least 8 characters")
        if self.rows.user_exists(username):
            raise AuthError(f"user {username!r} exists already")
        self.rows.add_user(username, display_name or username, role, hash_password(password), now)

    def users(self) -> list[dict]:
        return self.rows.users()

    def set_staff_card(self, username: str, post: str | None = None, duties: str | None = None,
                       photo: bytes | None = None) -> None:
        """What the window's review pad shows about the clerk (工作人员信息公示)."""
        if not self.rows.user_exists(username):
            raise AuthError(f"no user {username!r}")
        changes: dict[str, object] = {}
        if post is not None:
            changes["post"] = post.strip()[:40]
        if duties is not None:
            changes["duties"] = duties.strip()[:200]
        if photo is not None:
            kind = _image_type(photo)
            if kind is None:
                raise AuthError("the photo must be a JPEG or PNG file")
            if len(photo) > 512 * 1024:
                raise AuthError("the photo must be at most 512 KB")
            changes["photo"], changes["photo_type"] = photo, kind
        if changes:
            self.rows.update_user(username, changes)

    def staff_card(self, username: str) -> dict | None:
        row = self.rows.staff_card(username)
        if row is None:
            return None
        return {"username": username, "display_name": row[0], "post": row[1], "duties": row[2], "has_photo": bool(row[3])}

    def photo(self, username: str) -> tuple[bytes, str] | None:
        return self.rows.photo(username)

    def check_password(self, username: str, password: str) -> Principal | None:
        user, stored = self.password_record(username)
        return user if verify_password(password, stored) and user is not None else None

    def password_record(self, username: str) -> tuple[Principal | None, str]:
        """The active user and the stored hash to check a password against. An unknown or disabled
        user gets a dummy hash, so checking costs the same and tells a guesser nothing."""
        row = self.rows.password_row(username)
        if row is None:
            return None, _DUMMY_HASH
        return Principal("user", username, row[0]), row[1]

    def user(self, username: str) -> dict | None:
        return self.rows.user(username)

    def set_disabled(self, username: str, disabled: bool) -> int:
        """Disable (or enable again) an account. Disabling ends its sessions at once; the last active
        admin cannot be disabled, so the hall is never left without one. Returns sessions ended."""
        found = self.user(username)
        if found is None:
            raise AuthError(f"no user {username!r}")
        if disabled and found["role"] == "admin" and self._active_admins() == [username]:
            raise AuthError("the last active admin cannot be disabled; create another admin first")
        return self.rows.set_disabled(username, disabled)

    def _active_admins(self) -> list[str]:
        return self.rows.active_admins()

    def set_password(self, username: str, password: str, keep_session: str | None = None) -> int:
        """A new password (a reset, or the user's own change); every other session of the user ends,
        so a password someone else learnt stops working everywhere. Returns sessions ended."""
        if self.user(username) is None:
            raise AuthError(f"no user {username!r}")
        if len(password) < 8:
            raise AuthError("the password needs at least 8 characters")
        return self.rows.set_password_hash(username, hash_password(password),
                                           _sha256(keep_session) if keep_session else "")

    def end_sessions(self, username: str) -> int:
        """Sign a person out everywhere (a lost phone, a clerk who left). Returns sessions ended."""
        return self.rows.end_sessions(username)

    # ------------------------------------------------------------ sessions

    def open_session(self, user: Principal, now: float) -> tuple[str, str]:
        """A new session for `user`: returns (cookie value, CSRF token)."""
        cookie, csrf = secrets.token_urlsafe(32), secrets.token_urlsafe(24)
        self.rows.open_session(_sha256(cookie), user.name, csrf, now, now + SESSION_HOURS * 3600)
        return cookie, csrf

    def session(self, cookie: str, now: float) -> Principal | None:
        row = self.rows.session(_sha256(cookie), now)
        return Principal("user", row[0], row[1], csrf=row[2]) if row else None

    def close_session(self, cookie: str) -> None:
        self.rows.close_session(_sha256(cookie))
