"""HTML pages: the public board, the citizen's ticket and case pages, sign-in, the manager's dashboard, the
clerk console, and the pages that say why a page cannot be shown.

The pages are static shells; their data comes from the same API everyone uses, so a page can
never show more than its viewer's API access allows. The server decides only what needs no
script: an anonymous visitor is sent to sign in, a clerk who opens the manager's page is told it
is for managers, an unknown ticket link and an unknown address get a page in the hall's style
and language (never a bare "404: Not Found", and no script that would keep reconnecting).
"""

from __future__ import annotations

from html import escape
from importlib import resources
from urllib.parse import quote

from aiohttp import web

from ..auth import Principal
from ..views import ticket_by_token
from . import keys

_TEMPLATES = resources.files("queue_server.web") / "templates"
_HEADERS = {"Cache-Control": "no-store"}


def _page(name: str) -> web.Response:
    html = (_TEMPLATES / name).read_text("utf-8")
    return web.Response(text=html, content_type="text/html", charset="utf-8", headers=_HEADERS)


def lang_of(request: web.Request) -> str:
    return "en" if request.query.get("lang") == "en" else "zh"


# What each message page says: (title, text) in Chinese and in English.
MESSAGES: dict[str, dict[str, tuple[str, str]]] = {
    "not_found": {"zh": ("页面不存在", "您访问的地址不存在。请检查链接，或回到大厅的排队情况页面。"),
                  "en": ("Page not found", "There is no page at this address. Check the link, or go to the hall's queue overview.")},
    "ticket_not_found": {"zh": ("没有找到这张号", "号票仅在取号当天有效。这张号已过期或链接有误；如需办理，请到大厅重新取号。"),
                         "en": ("Ticket not found", "Tickets are valid on the day they are taken. This one has expired or the "
                                                    "link is wrong; please take a new ticket in the hall.")},
    "case_not_found": {"zh": ("没有找到这个办件", "链接有误或已失效。请核对通知书上的二维码，或拨打监督电话咨询。"),
                       "en": ("Case not found", "The link is wrong or no longer valid. Check the QR code on your notice, "
                                                "or call the supervision hotline.")},
    "managers_only": {"zh": ("此页面仅限中心负责人使用", "管理看板是大厅管理人员的页面，您的账号是窗口工作人员。"
                                                  "请使用窗口工作台，或换用管理人员账号登录。"),
                      "en": ("This page is for managers", "The dashboard is for the hall's managers; your account is a "
                                                         "clerk's. Use the window console, or sign in with a manager's account.")},
    "admins_only": {"zh": ("此页面仅限系统管理员使用", "这一页修改大厅的系统设置，只有管理员账号可以打开。"
                                             "请换用管理员账号登录，或联系县中心的系统管理员。"),
                    "en": ("This page is for administrators", "This page changes the hall's system settings; only "
                                                              "an administrator's account can open it. Sign in as an "
                                                              "administrator, or ask the county centre's administrator.")},
    "error": {"zh": ("出错了", "页面暂时无法显示，请稍后再试。"),
              "en": ("Something went wrong", "The page cannot be shown right now; please try again later.")},
}
LINKS = {"home": ("/", "返回排队情况", "Queue overview"), "console": ("/console", "打开窗口工作台", "Open the window console"),
         "login_manage": ("/login?next=/manage", "换用管理人员账号登录", "Sign in as a manager")}


def message_page(request: web.Request, status: int, message: str, links: tuple[str, ...] = ("home",),
                 title: str | None = None, text: str | None = None) -> web.Response:
    """A page that says, in the visitor's language and the hall's style, why there is nothing else
    (`title` and `text`, already in the page's language, say it more precisely than `message`)."""
    lang = lang_of(request)
    title, text = title or MESSAGES[message][lang][0], text or MESSAGES[message][lang][1]
    config = request.app[keys.SERVICE].config
    hall = config.hall.name_en if lang == "en" and config.hall.name_en else config.hall.name
    anchors = " ".join(f'<a class="button-link" href="{escape(_in_lang(href, lang))}">{escape(zh if lang == "zh" else en)}</a>'
                       for href, zh, en in (LINKS[name] for name in links))
    phone = config.hall.supervision_phone
    footer = f"监督电话 {phone}" if lang == "zh" else f"Supervision hotline {phone}"
    html = (_TEMPLATES / "message.html").read_text("utf-8")
    for key, value in (("lang", "en" if lang == "en" else "zh-CN"), ("title", escape(title)), ("hall", escape(hall)),
                       ("text", escape(text)), ("links", anchors), ("footer", escape(footer))):
        html = html.replace("{" + key + "}", value)
    return web.Response(text=html, status=status, content_type="text/html", charset="utf-8", headers=_HEADERS)


def _in_lang(href: str, lang: str) -> str:
    return href if lang == "zh" else href + ("&" if "?" in href else "?") + "lang=en"


def error_page(request: web.Request, status: int) -> web.Response:
    """The HTML answer for an error outside the API (unknown address, wrong method, a failure)."""
    return message_page(request, status, "not_found" if status in (404, 405) else "error")


async def index(request: web.Request) -> web.Response:
    return _page("index.html")


async def ticket_page(request: web.Request) -> web.Response:
    if ticket_by_token(request.app[keys.SERVICE].hall, request.match_info["token"]) is None:
        return message_page(request, 404, "ticket_not_found")
    return _page("ticket.html")


async def case_page(request: web.Request) -> web.Response:
    """The citizen's case page (the notices' QR code): its data comes from the public case-status API."""
    if request.match_info["token"] not in request.app[keys.SERVICE].cases.by_token:
        return message_page(request, 404, "case_not_found")
    return _page("case.html")


async def login_page(request: web.Request) -> web.Response:
    return _page("login.html")


async def manage_page(request: web.Request) -> web.Response:
    principal = request.get(keys.PRINCIPAL)
    if principal is None or principal.kind != "user":
        raise web.HTTPSeeOther("/login?next=" + quote(request.path_qs, safe="/"))
    if not principal.has(frozenset({"manager"})):
        return message_page(request, 403, "managers_only", ("console", "login_manage"))
    return _page("manage.html")


# The administration pages (issue 15): (name, Chinese title, English title, the role that opens
# it). Each is `templates/admin-<name>.html` with `{admin_nav}` where the pages' menu goes; a
# manager sees only the pages that are a manager's job, a clerk none of them.
ADMIN_PAGES: tuple[tuple[str, str, str, str], ...] = (
    ("settings", "大厅设置", "Hall settings", "admin"),
    ("matters", "办事指南", "Matters", "manager"),
    ("hours", "办公时间", "Business hours", "manager"),
    ("staff", "人员账号", "Staff", "manager"),
    ("devices", "设备", "Devices", "admin"),
    ("roster", "值班带班", "Duty roster", "manager"),
    ("audit", "操作记录", "Audit log", "manager"),
)


def admin_nav(principal: Principal, current: str) -> str:
    """The administration pages' menu: the pages this viewer may open, the current one marked."""
    items = ['<a href="/manage" data-en="Dashboard">管理看板</a>']
    for name, zh, en, role in ADMIN_PAGES:
        if not principal.has(frozenset({role})) or not (_TEMPLATES / f"admin-{name}.html").is_file():
            continue
        mark = ' aria-current="page"' if name == current else ""
        items.append(f'<a href="/admin/{name}"{mark} data-en="{escape(en)}">{escape(zh)}</a>')
    return '<nav class="admin-nav" aria-label="系统管理" data-en-label="Administration">' + "".join(items) + "</nav>"


async def admin_page(request: web.Request) -> web.Response:
    name = request.match_info["name"]
    page = next((p for p in ADMIN_PAGES if p[0] == name), None)
    if page is None or not (_TEMPLATES / f"admin-{name}.html").is_file():
        return error_page(request, 404)
    principal = request.get(keys.PRINCIPAL)
    if principal is None or principal.kind != "user":
        raise web.HTTPSeeOther("/login?next=" + quote(request.path_qs, safe="/"))
    if not principal.has(frozenset({page[3]})):
        if page[3] == "admin" and principal.has(frozenset({"manager"})):
            return message_page(request, 403, "admins_only", ("home",))
        return message_page(request, 403, "managers_only", ("console", "login_manage"))
    html = (_TEMPLATES / f"admin-{name}.html").read_text("utf-8").replace("{admin_nav}", admin_nav(principal, name))
    return web.Response(text=html, content_type="text/html", charset="utf-8", headers=_HEADERS)


async def console_page(request: web.Request) -> web.Response:
    principal = request.get(keys.PRINCIPAL)
    if principal is None or principal.kind != "user":
        raise web.HTTPSeeOther("/login?next=" + quote(request.path_qs, safe="/"))
    return _page("console.html")


_STATIC = resources.files("queue_server.web") / "static"


async def static_file(request: web.Request) -> web.StreamResponse:
    """The pages' scripts, styles and icon; anything else is the hall's "page not found"."""
    name = request.match_info["name"]
    found = _STATIC / name
    if "/" in name or name.startswith(".") or not found.is_file():
        raise web.HTTPNotFound()
    return web.FileResponse(str(found))


def register(app: web.Application) -> None:
    app.router.add_get("/static/{name}", static_file)
    app.router.add_get("/", index)
    app.router.add_get("/t/{token}", ticket_page)
    app.router.add_get("/c/{token}", case_page)
    app.router.add_get("/login", login_page)
    app.router.add_get("/manage", manage_page)
    app.router.add_get("/console", console_page)
    app.router.add_get("/admin/{name}", admin_page)
