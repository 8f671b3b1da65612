"""The aiohttp application: routes from the declarations, auth before handlers, JSON errors."""

from __future__ import annotations

import asyncio
import contextlib
import ipaddress
import json
import logging
import sqlite3
from collections.abc import Iterable

import aiohttp
from aiohttp import web

from ..auth import Accounts, Principal
from ..errors import Conflict, DomainError, Forbidden, Invalid, NotFound
from ..province import province_follower
from ..public_url import PublicAddress
from ..service import HallService
from . import api as _api  # noqa: F401  (registers the API routes)
from . import api_desk as _api_desk  # noqa: F401  (registers the front-desk routes)
from . import api_users as _api_users  # noqa: F401  (registers the account routes)
from . import keys, pages
from .guard import HashPool, SignInThrottle, StreamLimits, client_address
from .hub import EstimateCache, Hub
from .routing import ROUTES, BodyError, openapi, route_of

log = logging.getLogger("yimen.web")
public_log = logging.getLogger("yimen.public")
access = logging.getLogger("yimen.access")
SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}
VERSION = "0.1.0"


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


async def _server_header(request: web.Request, response: web.StreamResponse) -> None:
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


async def _openapi(request: web.Request) -> web.Response:
    return web.json_response(request.app[keys.OPENAPI])


def create_app(service: HallService, accounts: Accounts, public_url: str | PublicAddress = "",
               trusted_proxies: Iterable[str] = (), tls_port: int | None = None) -> web.Application:
    """The server. `public_url` is what slips' links open: a URL (else `[hall] public_url`), or a
    PublicAddress that also knows where the server listens (yimen serve and demo pass one).
    `tls_port`: the box also serves TLS there, and credentials are refused over plain HTTP."""
    app = web.Application(middlewares=[security_headers, access_log, transport_guard, errors_middleware,
                                       auth_middleware], client_max_size=64 * 1024)
    app.on_response_prepare.append(_server_header)
    app[keys.SERVICE] = service
    app[keys.ACCOUNTS] = accounts
    app[keys.ESTIMATES] = EstimateCache(service)
    app[keys.HUB] = Hub(service, app[keys.ESTIMATES])
    app[keys.THROTTLE] = SignInThrottle()
    app[keys.HASH_POOL] = HashPool()
    app[keys.STREAM_LIMITS] = StreamLimits()
    app[keys.TRUSTED_PROXIES] = frozenset(trusted_proxies)
    app[keys.TLS_PORT] = tls_port
    if not isinstance(public_url, PublicAddress):
        public_url = PublicAddress(public_url or service.config.hall.public_url)
    app[keys.PUBLIC_ADDRESS] = public_url
    app[keys.OPENAPI] = openapi("Yimen queue server", VERSION)
    for route in ROUTES:
        app.router.add_route(route.method, route.path, route.handler)
    app.router.add_get("/api/v1/openapi.json", _openapi)
    pages.register(app)  # with /static/
    app.on_startup.append(_check_public_address)
    app.cleanup_ctx.append(_day_ticker)
    app.cleanup_ctx.append(_estimates)
    if service.config.ratings.province.endpoint:
        app.cleanup_ctx.append(_province_forwarder)
    app.on_shutdown.append(_close_streams)
    app.on_cleanup.append(_close_hash_pool)
    return app


async def _check_public_address(app: web.Application) -> None:
    """Warn at start when no phone could open the slips' QR codes (and say how to fix it)."""
    warning = app[keys.PUBLIC_ADDRESS].warning()
    if warning:
        public_log.warning("%s", warning)


DAY_TICK_S = 10.0  # how soon after midnight the day is closed when nobody acts


async def _day_ticker(app: web.Application):
    """Roll the business day over at midnight even if nobody is acting."""
    async def loop() -> None:
        while True:
            await asyncio.sleep(DAY_TICK_S)
            try:
                app[keys.SERVICE].tick()
            except Exception:
                log.exception("day roll-over failed")
    task = asyncio.create_task(loop())
    yield
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task


async def _estimates(app: web.Application):
    """Replay the estimates in the background, at least every 30 s, for as long as we run."""
    task = asyncio.create_task(app[keys.ESTIMATES].keep_fresh())
    yield
    task.cancel()
    app[keys.ESTIMATES].stop()
    with contextlib.suppress(asyncio.CancelledError):
        await task


async def _province_forwarder(app: web.Application):
    """Forward ratings to the province's 好差评 system, as a follower of the log, while we run."""
    service = app[keys.SERVICE]
    session = aiohttp.ClientSession()
    follower = province_follower(service.store, service.config.ratings.province, service.config.hall,
                                 service.clock, session)
    task = asyncio.create_task(follower.run())
    yield
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task
    await session.close()


async def _close_streams(app: web.Application) -> None:
    await app[keys.HUB].close_all()


async def _close_hash_pool(app: web.Application) -> None:
    app[keys.HASH_POOL].close()

