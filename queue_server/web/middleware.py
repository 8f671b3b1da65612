"""What every request passes through, outermost first: security headers, the access log, TLS for
credentials, JSON errors (the domain's refusals mapped to HTTP statuses here, not in the domain),
and authentication and authorisation before any handler — and so before any body is read."""

from __future__ import annotations

import ipaddress
import json
import logging
import sqlite3

from aiohttp import web

from ..auth import Principal
from ..errors import Conflict, DomainError, Forbidden, Invalid, NotFound
from . import keys, pages
from .guard import client_address
from .routing import BodyError, route_of

log = logging.getLogger("yimen.web")
access = logging.getLogger("yimen.access")
SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}


# What the hall's refusals mean on the wire (docs/api.md, "Errors").
STATUS_OF: dict[type[DomainError], int] = {Conflict: 409, Invalid: 422, NotFound: 404, Forbidden: 403}


def status_of(exc: DomainError) -> int:
    return next((status for kind, status in STATUS_OF.items() if isinstance(exc, kind)), 409)


def _error(status: int, code: str, message: str, **extra: object) -> web.Response:
    return web.json_response({"error": code, "message": message, **extra}, status=status,
                             dumps=lambda d: json.dumps(d, ensure_ascii=False))


def _resolve(request: web.Request) -> tuple[Principal | None, str | None]:
    """The caller, or None with a reason when credentials were offered but are not valid."""
    accounts = request.app[keys.ACCOUNTS]
    header = request.headers.get("Authorization", "")
    if header:
        scheme, _, token = header.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            return None, "Authorization must be 'Bearer <device token>'"
        device = accounts.device_for_token(token.strip())
        return (device, None) if device else (None, "unknown or revoked device token")
    cookie = request.cookies.get(keys.SESSION_COOKIE)
    if cookie:
        user = accounts.session(cookie, request.app[keys.SERVICE].clock())
        return (user, None) if user else (None, "the session has expired; please sign in again")
    return None, None


@web.middleware
async def errors_middleware(request: web.Request, handler):
    """Every error of the API is the documented JSON; nothing unexpected escapes as a bare 500."""
    try:
        response = await handler(request)
    except DomainError as exc:
        return _error(status_of(exc), exc.code, exc.message)
    except BodyError as exc:
        return _error(400, "bad_request", str(exc), field=exc.field)
    except web.HTTPException as exc:
        if request.path.startswith("/api/") and exc.content_type != "application/json" and exc.status >= 400:
            response = _error(exc.status, exc.reason.lower().replace(" ", "_"), exc.text or exc.reason)
            if "Allow" in exc.headers:
                response.headers["Allow"] = exc.headers["Allow"]
            return response
        if not request.path.startswith("/api/") and exc.status >= 400:
            return pages.error_page(request, exc.status)  # in the hall's style and language, not "404: Not Found"
        raise
    except sqlite3.OperationalError as exc:
        full = "full" in str(exc)
        request.app[keys.SERVICE].storage_trouble(str(exc))
        log.error("database error on %s %s: %s", request.method, request.path, exc)
        if full:
            return _error(503, "storage_full", "the hall's storage is full; staff have been alerted")
        return _error(503, "storage_unavailable", "the hall's database is busy or unavailable; try again")
    except Exception:
        log.exception("unexpected error on %s %s", request.method, request.path)
        if not request.path.startswith("/api/"):
            return pages.error_page(request, 500)  # a page: the hall's error page, not aiohttp's English 500
        return _error(500, "internal_error", "something went wrong inside the server; nothing was changed")
    if response.status >= 400 and not request.path.startswith("/api/") and response.content_type != "text/html":
        return pages.error_page(request, response.status)  # e.g. a missing static file
    return response


@web.middleware
async def access_log(request: web.Request, handler):
    """One line per state change and per refused caller: who (device or person, address), what,
    and the answer — never a body. Staff actions are also events; this adds the refusals."""
    response = await handler(request)
    if request.method not in SAFE_METHODS or response.status in (401, 403, 429):
        principal = request.get(keys.PRINCIPAL)  # set by auth_middleware, further in
        who = f"{principal.role}:{principal.name}" if principal else "anonymous"
        address = client_address(request, request.app[keys.TRUSTED_PROXIES])
        access.info("%s %s %s %s %d", address, who, request.method, request.path, response.status)
    return response


@web.middleware
async def auth_middleware(request: web.Request, handler):
    """Decide on the caller before the handler runs — and so before any body is read."""
    principal, problem = _resolve(request)
    request[keys.PRINCIPAL] = principal
    route = route_of(getattr(request.match_info, "handler", None))
    if route is None or route.roles is None:
        return await handler(request)
    if principal is None:
        return _error(401, "unauthenticated", problem or "sign in, or send a device token")
    if not principal.has(route.roles):
        return _error(403, "forbidden", f"{principal.role} may not {route.summary.lower()}")
    csrf_needed = principal.kind == "user" and request.method not in SAFE_METHODS
    if csrf_needed and request.headers.get(keys.CSRF_HEADER) != principal.csrf:
        return _error(403, "csrf", f"missing or wrong {keys.CSRF_HEADER} header for this session")
    return await handler(request)


STAFF_PAGES = ("/login", "/console", "/manage")


@web.middleware
async def transport_guard(request: web.Request, handler):
    """With TLS on (the box has its certificate), credentials travel over TLS only: a token, a
    session cookie or a sign-in over plain HTTP is refused before it is used, and the staff pages
    send the browser to the https address. Citizens' public pages stay on plain HTTP."""
    tls_port = request.app[keys.TLS_PORT]
    if tls_port is None or request.secure or _on_this_box(request):
        return await handler(request)
    secure_url = f"https://{request.url.host}:{tls_port}{request.path_qs}"
    if request.path.startswith(STAFF_PAGES) and request.method == "GET":
        raise web.HTTPPermanentRedirect(secure_url)
    carries = "Authorization" in request.headers or keys.SESSION_COOKIE in request.cookies
    if carries or request.path == "/api/v1/session":
        return _error(403, "use_https", f"credentials travel only over TLS: use {secure_url}")
    return await handler(request)


def _on_this_box(request: web.Request) -> bool:
    """The kiosk, display and announcer on the box itself talk over loopback: nothing to overhear."""
    try:
        return ipaddress.ip_address(request.remote or "").is_loopback and not request.headers.get("X-Forwarded-For")
    except ValueError:
        return False


async def server_header(request: web.Request, response: web.StreamResponse) -> None:
    response.headers["Server"] = "yimen"  # no versions for a scanner to match


@web.middleware
async def security_headers(request: web.Request, handler):
    response = await handler(request)
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("Referrer-Policy", "no-referrer")
    if not request.path.startswith("/api/"):
        response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault("Content-Security-Policy",
                                    "default-src 'self'; connect-src 'self' ws: wss:; img-src 'self' data:")
    return response


MIDDLEWARES = [security_headers, access_log, transport_guard, errors_middleware, auth_middleware]
