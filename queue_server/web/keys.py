"""Typed keys for what the aiohttp application and requests carry."""

from __future__ import annotations

from typing import TYPE_CHECKING

from aiohttp import web

if TYPE_CHECKING:
    from ..auth import Accounts, Principal
    from ..service import HallService
    from .app import Throttle
    from .hub import EstimateCache, Hub

SERVICE: web.AppKey[HallService] = web.AppKey("service")
ACCOUNTS: web.AppKey[Accounts] = web.AppKey("accounts")
HUB: web.AppKey[Hub] = web.AppKey("hub")
ESTIMATES: web.AppKey[EstimateCache] = web.AppKey("estimates")
THROTTLE: web.AppKey[Throttle] = web.AppKey("throttle")
BASE_URL: web.AppKey[str] = web.AppKey("base_url")
PRINCIPAL: web.RequestKey[Principal | None] = web.RequestKey("principal")
OPENAPI: web.AppKey[dict] = web.AppKey("openapi")
SESSION_COOKIE = "yimen_session"
CSRF_HEADER = "X-CSRF-Token"
