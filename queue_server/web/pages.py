"""HTML pages: the citizen's ticket page, sign-in, and the manager's live page.

The pages are static shells; their data comes from the same API everyone uses, so a page can
never show more than its viewer's API access allows. The manager page also checks the session
here, so an anonymous visitor is sent to sign in instead of seeing an empty frame.
"""

from __future__ import annotations

from importlib import resources
from urllib.parse import quote

from aiohttp import web

from . import keys

_TEMPLATES = resources.files("queue_server.web") / "templates"


def _page(name: str) -> web.Response:
    html = (_TEMPLATES / name).read_text("utf-8")
    return web.Response(text=html, content_type="text/html", charset="utf-8",
                        headers={"Cache-Control": "no-store"})


async def index(request: web.Request) -> web.Response:
    return _page("index.html")


async def ticket_page(request: web.Request) -> web.Response:
    return _page("ticket.html")


async def login_page(request: web.Request) -> web.Response:
    return _page("login.html")


async def manage_page(request: web.Request) -> web.Response:
    principal = request.get(keys.PRINCIPAL)
    if principal is None or principal.kind != "user" or not principal.has(frozenset({"manager"})):
        raise web.HTTPSeeOther("/login?next=/manage")
    return _page("manage.html")


async def console_page(request: web.Request) -> web.Response:
    principal = request.get(keys.PRINCIPAL)
    if principal is None or principal.kind != "user":
        raise web.HTTPSeeOther("/login?next=" + quote(request.path_qs, safe="/"))
    return _page("console.html")


def register(app: web.Application) -> None:
    app.router.add_get("/", index)
    app.router.add_get("/t/{token}", ticket_page)
    app.router.add_get("/login", login_page)
    app.router.add_get("/manage", manage_page)
    app.router.add_get("/console", console_page)
