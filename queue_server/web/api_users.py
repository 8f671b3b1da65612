"""People's accounts: a person changes their own password; managers and admins disable, reset and
sign out staff. A manager manages clerks; an admin manages everyone (docs/api.md, "Accounts")."""

from __future__ import annotations

from aiohttp import web

from ..auth import AuthError, verify_password
from ..errors import Forbidden, Invalid, NotFound
from . import keys
from .common import MANAGERS, STAFF, body_of, principal_of, reply
from .guard import PoolBusy
from .routing import api, obj, string

PASSWORD = string(200, minLength=8)


def _managed(request: web.Request) -> str:
    """The account named in the path, if the caller may manage it: an admin anyone but
    themselves (use the own-password route), a manager clerks only."""
    username = request.match_info["username"]
    me = principal_of(request)
    found = request.app[keys.ACCOUNTS].user(username)
    if found is None:
        raise NotFound("user_not_found", f"no user {username!r}")
    if username == me.name:
        raise Forbidden("not_yourself", "change your own account with POST /api/v1/session/password")
    if me.role != "admin" and found["role"] != "clerk":
        raise Forbidden("admins_only", "a manager manages clerks; managers and admins are managed by an admin")
    return username


def _refused(exc: AuthError) -> Invalid:
    return Invalid("account_refused", str(exc))


@api("POST", "/api/v1/session/password", summary="Change your own password (other sessions end)", roles=STAFF,
     tag="session", body=obj({"old_password": string(200), "new_password": PASSWORD}, ("old_password", "new_password")))
async def change_own_password(request: web.Request) -> web.Response:
    data = await body_of(request)
    me = principal_of(request)
    accounts = request.app[keys.ACCOUNTS]
    _, stored = accounts.password_record(me.name)
    try:
        good = await request.app[keys.HASH_POOL].run(verify_password, data["old_password"], stored)
    except PoolBusy:
        return reply({"error": "sign_in_busy", "message": "too many password checks at once; try again"}, 503)
    if not good:
        raise Forbidden("wrong_password", "the current password is wrong")
    try:
        ended = accounts.set_password(me.name, data["new_password"], keep_session=request.cookies.get(keys.SESSION_COOKIE))
    except AuthError as exc:
        raise _refused(exc) from None
    return reply({"username": me.name, "other_sessions_ended": ended})


@api("POST", "/api/v1/users/{username}/password", summary="Reset a staff member's password (their sessions end)",
     roles=MANAGERS, tag="accounts", body=obj({"password": PASSWORD}, ("password",)))
async def reset_password(request: web.Request) -> web.Response:
    data = await body_of(request)
    username = _managed(request)
    try:
        ended = request.app[keys.ACCOUNTS].set_password(username, data["password"])
    except AuthError as exc:
        raise _refused(exc) from None
    return reply({"username": username, "sessions_ended": ended})


@api("POST", "/api/v1/users/{username}/disable", summary="Disable a staff account (its sessions end at once)",
     roles=MANAGERS, tag="accounts")
async def disable_user(request: web.Request) -> web.Response:
    username = _managed(request)
    try:
        ended = request.app[keys.ACCOUNTS].set_disabled(username, True)
    except AuthError as exc:
        raise _refused(exc) from None
    return reply({"username": username, "disabled": True, "sessions_ended": ended})


@api("POST", "/api/v1/users/{username}/enable", summary="Enable a disabled staff account again", roles=MANAGERS,
     tag="accounts")
async def enable_user(request: web.Request) -> web.Response:
    username = _managed(request)
    request.app[keys.ACCOUNTS].set_disabled(username, False)
    return reply({"username": username, "disabled": False})


@api("DELETE", "/api/v1/users/{username}/sessions", summary="Sign a staff member out everywhere", roles=MANAGERS,
     tag="accounts")
async def end_sessions(request: web.Request) -> web.Response:
    username = _managed(request)
    return reply({"username": username, "sessions_ended": request.app[keys.ACCOUNTS].end_sessions(username)})
