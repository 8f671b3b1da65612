"""Typed keys for what the aiohttp application and requests carry."""

from __future__ import annotations

from typing import TYPE_CHECKING

from aiohttp import web

if TYPE_CHECKING:
    from ..auth import Accounts, Principal
    from ..public_url import PublicAddress
    from ..service import HallService
    from ..sim.advising import AdviseJobs
    from .guard import HashPool, SignInThrottle, StreamLimits
    from .hub import EstimateCache, Hub

SERVICE: web.AppKey[HallService] = web.AppKey("service")
ACCOUNTS: web.AppKey[Accounts] = web.AppKey("accounts")
HUB: web.AppKey[Hub] = web.AppKey("hub")
ESTIMATES: web.AppKey[EstimateCache] = web.AppKey("estimates")
THROTTLE: web.AppKey[SignInThrottle] = web.AppKey("throttle")
HASH_POOL: web.AppKey[HashPool] = web.AppKey("hash_pool")
NOTICE_POOL: web.AppKey[HashPool] = web.AppKey("notice_pool")  # a notice's PDF (seconds of CPU) off the loop
STREAM_LIMITS: web.AppKey[StreamLimits] = web.AppKey("stream_limits")
TRUSTED_PROXIES: web.AppKey[frozenset[str]] = web.AppKey("trusted_proxies")
TLS_PORT: web.AppKey[int | None] = web.AppKey("tls_port")
PUBLIC_ADDRESS: web.AppKey[PublicAddress] = web.AppKey("public_address")
ADVISE: web.AppKey[AdviseJobs] = web.AppKey("advise")  # the layout advisor's runs (one at a time)
PRINCIPAL: web.RequestKey[Principal | None] = web.RequestKey("principal")
OPENAPI: web.AppKey[dict] = web.AppKey("openapi")
SESSION_COOKIE = "yimen_session"
CSRF_HEADER = "X-CSRF-Token"
