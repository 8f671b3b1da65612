"""The aiohttp application: its routes, its guards (web/middleware.py) and the background tasks
that live as long as it does (each task's loop belongs to its subscriber)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable, Coroutine, Iterable
from typing import Any

from aiohttp import web

from ..auth import Accounts
from ..case_push import push_cases
from ..province import forward_ratings
from ..public_url import PublicAddress
from ..service import HallService
from ..sim.advising import AdviseJobs
from . import api as _api  # noqa: F401  (registers the API routes)
from . import api_advise as _api_advise  # noqa: F401  (registers the layout advisor's routes)
from . import api_bookings as _api_bookings  # noqa: F401  (registers the staff's booking routes)
from . import api_caps as _api_caps  # noqa: F401  (registers the daily-cap routes)
from . import api_cases as _api_cases  # noqa: F401  (registers the case routes)
from . import api_desk as _api_desk  # noqa: F401  (registers the front-desk routes)
from . import api_exports, api_notices, keys, pages  # with print views: the 台账, the notices
from . import api_issuing as _api_issuing  # noqa: F401  (registers the issuing routes)
from . import api_reports as _api_reports  # noqa: F401  (registers the report routes)
from . import api_session as _api_session  # noqa: F401  (registers the session routes)
from . import api_users as _api_users  # noqa: F401  (registers the account routes)
from .book_guard import BOOK_GUARD, BookingGuard
from .book_pages import register as register_booking  # /book, and the public booking API
from .guard import HashPool, SignInThrottle, StreamLimits
from .hub import EstimateCache, Hub
from .middleware import MIDDLEWARES, server_header
from .routing import ROUTES, openapi

log = logging.getLogger("yimen.web")
public_log = logging.getLogger("yimen.public")
VERSION = "0.1.0"


async def _openapi(request: web.Request) -> web.Response:
    return web.json_response(request.app[keys.OPENAPI])


def create_app(service: HallService, accounts: Accounts, public_url: str | PublicAddress = "",
               trusted_proxies: Iterable[str] = (), tls_port: int | None = None) -> web.Application:
    """The server. `public_url` is what slips' links open: a URL (else `[hall] public_url`), or a
    PublicAddress that also knows where the server listens (yimen serve and demo pass one).
    `tls_port`: the box also serves TLS there, and credentials are refused over plain HTTP."""
    app = web.Application(middlewares=MIDDLEWARES, client_max_size=64 * 1024)
    app.on_response_prepare.append(server_header)
    app[keys.SERVICE] = service
    app[keys.ACCOUNTS] = accounts
    app[keys.ESTIMATES] = EstimateCache(service)
    app[keys.HUB] = Hub(service, app[keys.ESTIMATES])
    app[keys.THROTTLE] = SignInThrottle()
    app[keys.HASH_POOL] = HashPool()
    app[keys.NOTICE_POOL] = HashPool(workers=1, max_pending=3)
    app[keys.STREAM_LIMITS] = StreamLimits()
    app[BOOK_GUARD] = BookingGuard()
    app[keys.ADVISE] = AdviseJobs(service.store.reader, lambda: service.file_config, service.clock)
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
    api_notices.register(app)  # the notices' print view (a page)
    api_exports.register(app)  # the 台账's print page
    register_booking(app)  # the citizens' booking page (with its API, api_book.py), the door poster
    app.on_startup.append(_check_public_address)
    app.cleanup_ctx.append(while_serving(service.keep_the_day))
    app.cleanup_ctx.append(while_serving(app[keys.ESTIMATES].keep_fresh, app[keys.ESTIMATES].stop))
    if service.config.ratings.province.endpoint:
        app.cleanup_ctx.append(while_serving(lambda: forward_ratings(
            service.store, service.config.ratings.province, service.config.hall, service.clock)))
    if service.config.cases.province.endpoint:
        app.cleanup_ctx.append(while_serving(lambda: push_cases(service.store, service.cases, service.config,
                                                                service.clock)))
    app.on_shutdown.append(_close_streams)
    app.on_cleanup.append(_close_hash_pool)
    return app


async def _check_public_address(app: web.Application) -> None:
    """Warn at start when no phone could open the slips' QR codes (and say how to fix it)."""
    warning = app[keys.PUBLIC_ADDRESS].warning()
    if warning:
        public_log.warning("%s", warning)


def while_serving(start: Callable[[], Coroutine[Any, Any, None]], stop: Callable[[], None] | None = None):
    """A background task that lives as long as the server: started after start-up, cancelled (and
    `stop` called) on shut-down. Each task's loop belongs to its subscriber, not to the app."""
    async def lifetime(app: web.Application):
        task = asyncio.create_task(start())
        yield
        task.cancel()
        if stop is not None:
            stop()
        with contextlib.suppress(asyncio.CancelledError):
            await task
    return lifetime


async def _close_streams(app: web.Application) -> None:
    await app[keys.HUB].close_all()


async def _close_hash_pool(app: web.Application) -> None:
    app[keys.HASH_POOL].close()
    app[keys.NOTICE_POOL].close()

