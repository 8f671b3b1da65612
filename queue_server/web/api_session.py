"""Signing in and out: the session cookie, its CSRF token, and the guards on the way in (a
throttle per name and address, password hashing off the event loop)."""

from __future__ import annotations

import logging
import time

from aiohttp import web

from ..auth import verify_password
from . import keys
from .common import SIGNED_IN, STAFF, body_of, principal_of, reply, service_of
from .guard import PoolBusy, client_address
from .routing import api, obj, string

log = logging.getLogger("yimen.api")

SIGN_IN_BODY = obj({"username": string(32), "password": string(200)}, ("username", "password"))


@api("POST", "/api/v1/session", summary="Sign in (clerk, manager, admin); sets the session cookie", roles=None,
     tag="session", body=SIGN_IN_BODY,
     response=obj({"username": string(), "role": string(), "csrf_token": string()}),
     public_write_reason="signing in is how an anonymous person becomes a signed-in user",
     other_statuses=(401, 429, 503))
async def sign_in(request: web.Request) -> web.Response:
    data = await body_of(request)
    throttle = request.app[keys.THROTTLE]
    username, address = data["username"], client_address(request, request.app[keys.TRUSTED_PROXIES])
    if throttle.blocked(username, address, time.monotonic()):
        log.warning("sign-in refused (throttled): user %r from %s", username, address)
        return reply({"error": "too_many_attempts", "message": "too many failed sign-ins; wait a minute"}, 429,
                     headers={"Retry-After": "60"})
    accounts = request.app[keys.ACCOUNTS]
    user, stored = accounts.password_record(username)
    try:
        good = await request.app[keys.HASH_POOL].run(verify_password, data["password"], stored)
    except PoolBusy:
        return reply({"error": "sign_in_busy", "message": "too many sign-ins at once; try again in a moment"}, 503,
                     headers={"Retry-After": "1"})
    if user is None or not good:
        throttle.failed(username, address, time.monotonic())
        log.warning("failed sign-in: user %r from %s", username, address)
        return reply({"error": "bad_credentials", "message": "wrong username or password"}, 401)
    throttle.succeeded(username, address)
    log.info("signed in: %s (%s) from %s", user.name, user.role, address)
    cookie, csrf = accounts.open_session(user, service_of(request).clock())
    response = reply({"username": user.name, "role": user.role, "csrf_token": csrf})
    response.set_cookie(keys.SESSION_COOKIE, cookie, httponly=True, samesite="Strict", path="/",
                        secure=request.secure, max_age=12 * 3600)
    return response


@api("GET", "/api/v1/session", summary="Who is signed in (and the CSRF token for this session)", roles=SIGNED_IN,
     tag="session")
async def who_am_i(request: web.Request) -> web.Response:
    p = principal_of(request)
    card = request.app[keys.ACCOUNTS].staff_card(p.name) if p.kind == "user" else None
    return reply({"kind": p.kind, "name": p.name, "display_name": card["display_name"] if card else p.name,
                  "role": p.role, "window": p.window, "csrf_token": p.csrf})


@api("DELETE", "/api/v1/session", summary="Sign out", roles=STAFF, tag="session")
async def sign_out(request: web.Request) -> web.Response:
    cookie = request.cookies.get(keys.SESSION_COOKIE)
    if cookie:
        request.app[keys.ACCOUNTS].close_session(cookie)
    response = reply({"signed_out": True})
    response.del_cookie(keys.SESSION_COOKIE, path="/")
    return response
