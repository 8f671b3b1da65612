"""The notices of a case (docs/cases.md, "Notices"): which ones a case has now, each as an A4 PDF
to archive, and as a print view the clerk's browser prints. Both are laid out from the same
`Notice` (notices.py), and both follow the case routes' access rule: the clerk who handles the
case, or a manager. The QR code opens the case page on the hall's public address (public_url.py).
"""

from __future__ import annotations

import base64
import re
from html import escape
from importlib import resources
from urllib.parse import quote

from aiohttp import web

from .. import notices
from ..cases import Case
from ..errors import Conflict, DomainError, Forbidden, NotFound
from ..notice_pdf import NoFont, qr_png, render_pdf
from ..numbering import business_day
from ..service import HallService
from . import keys, pages
from .common import STAFF, case_for, local_port, reply, service_of
from .guard import PoolBusy
from .routing import api, obj, string

CASE_NOTICES = "/api/v1/cases/{case:[0-9]+}/notices"
KIND = "{kind}"  # checked by the handler, after the caller is (an unknown kind: 404 unknown_notice)
_TEMPLATES = resources.files("queue_server.web") / "templates"


def print_url(number: str, kind: str) -> str:
    return f"/cases/{number}/notices/{kind}"


def pdf_url(number: str, kind: str) -> str:
    return f"/api/v1/cases/{number}/notices/{kind}.pdf"


def case_link(request: web.Request, case: Case) -> str | None:
    """The case page the notice's QR code opens, on the address phones reach (None: none known)."""
    base = request.app[keys.PUBLIC_ADDRESS].base(local_port(request))
    return f"{base}/c/{case.token}" if base else None


def _view(svc: HallService, case: Case) -> dict:
    matter = svc.config.matter(case.matter)
    return svc.cases.view(case, business_day(svc.clock()), matter.name if matter else case.matter)


def build(request: web.Request, svc: HallService, case: Case, kind: str, lang: str) -> notices.Notice:
    return notices.notice(kind, _view(svc, case), svc.config.hall, svc.config.cases, svc.config.matter(case.matter),
                          case_link(request, case), lang)


@api("GET", CASE_NOTICES, summary="The notices of a case: which ones it has now, with their print and PDF addresses",
     roles=STAFF, tag="cases",
     response=obj({"case": string(), "notices": {"type": "array", "items": obj(
         {"kind": string(), "title": string(), "available": {"type": "boolean"}, "reason": string(),
          "reason_zh": string(), "print_url": string(), "pdf_url": string()})}}))
async def list_notices(request: web.Request) -> web.Response:
    svc, case = case_for(request)
    items = notices.listing(_view(svc, case), "en" if request.query.get("lang") == "en" else "zh")
    for item in items:
        item.update(print_url=print_url(case.number, item["kind"]), pdf_url=pdf_url(case.number, item["kind"]))
    return reply({"case": case.number, "notices": items})


@api("GET", CASE_NOTICES + "/" + KIND + ".pdf", summary="A notice of a case as an A4 PDF to archive (?lang=en)",
     roles=STAFF, tag="cases", media_type="application/pdf", response={"type": "string", "format": "binary"},
     other_statuses=(409, 503),
     description="`acceptance` (受理通知书, 承诺件通知书 for a 承诺件), `missing` (一次性告知书), `refusal` "
                 "(不予受理/退回通知书), `result` (办结/领取通知). A notice the case does not have now is refused "
                 "(409) with the reason, e.g. a 一次性告知书 for a case that waits for no materials.")
async def notice_pdf(request: web.Request) -> web.Response:
    svc, case = case_for(request)
    notice = build(request, svc, case, request.match_info["kind"], request.query.get("lang", "zh"))
    try:  # seconds of CPU (the font is read and subset): in a worker thread, so the hall keeps moving
        body = await request.app[keys.NOTICE_POOL].run(render_pdf, notice, svc.clock())
    except NoFont as exc:
        return reply({"error": "no_font", "message": str(exc)}, 503)
    except PoolBusy:
        return reply({"error": "notices_busy", "message": "several notices are being made; try again in a moment"},
                     503, headers={"Retry-After": "2"})
    return web.Response(body=body, content_type="application/pdf", headers={
        "Content-Disposition": f'inline; filename="{notice.filename}"', "Cache-Control": "no-store"})


# ------------------------------------------------------------ the print view

PAGE_WORDS = {
    "zh": {"print": "打印", "pdf": "下载PDF存档", "other": "English", "console": "返回工作台",
           "hint": "请用A4纸打印；盖章后交申请人，PDF存档。", "no_link": "本机没有手机可访问的地址，通知书上不印二维码（见 [hall] public_url）。",
           "unavailable": "无法出具此通知书", "not_yours": "这不是您经办的办件",
           "not_yours_text": "此办件属于{window}号窗口（{clerk}）。请由经办人员或中心负责人打印。"},
    "en": {"print": "Print", "pdf": "Download the PDF to archive", "other": "中文", "console": "Back to the console",
           "hint": "Print on A4; seal it, give it to the applicant, archive the PDF.",
           "no_link": "This box has no address phones can reach: the notice carries no QR code (see [hall] public_url).",
           "unavailable": "This notice cannot be given", "not_yours": "This is not your case",
           "not_yours_text": "This case belongs to window {window} ({clerk}). Its clerk or a manager prints it."},
}


async def notice_page(request: web.Request) -> web.Response:
    """The print view: the notice on an A4 sheet (@page CSS), with a toolbar that is not printed."""
    principal = request.get(keys.PRINCIPAL)
    if principal is None or principal.kind != "user":
        raise web.HTTPSeeOther("/login?next=" + quote(request.path_qs, safe="/"))
    lang = pages.lang_of(request)
    w = PAGE_WORDS[lang]
    if not principal.has(STAFF):
        return pages.message_page(request, 403, "error")
    try:
        svc, case = case_for(request)
        notice = build(request, svc, case, request.match_info["kind"], lang)
    except Forbidden:
        case = service_of(request).cases.get(request.match_info["case"])
        return pages.message_page(request, 403, "error", ("console",), title=w["not_yours"],
                                  text=w["not_yours_text"].format(window=case.window, clerk=case.clerk))
    except NotFound:
        return pages.message_page(request, 404, "not_found", ("console",))
    except Conflict:
        code = notices.unavailable(request.match_info["kind"], _view(svc, case)) or ""
        reason = notices.REASONS.get(code, ("", ""))[0 if lang == "zh" else 1]
        return pages.message_page(request, 409, "error", ("console",), title=w["unavailable"], text=reason)
    except DomainError:  # pragma: no cover - every refusal above is named
        return pages.message_page(request, 409, "error", ("console",))
    return web.Response(text=render_html(notice, case.number, request.match_info["kind"], w), content_type="text/html",
                        charset="utf-8", headers={"Cache-Control": "no-store"})


def render_html(n: notices.Notice, number: str, kind: str, w: dict[str, str]) -> str:
    """The notice as HTML, block by block in the same order as the PDF (notice_pdf.py)."""
    e = escape
    facts = "".join(f"<tr><th>{e(label)}</th><td>{e(value)}</td></tr>" for label, value in n.facts)
    body = [f'<p class="salutation">{e(n.salutation)}</p>']
    body += [f"<p>{e(text)}</p>" for text in n.paragraphs]
    if n.items:
        body.append('<ol class="items">' + "".join(f"<li>{e(item)}</li>" for item in n.items) + "</ol>")
    body += [f"<p>{e(text)}</p>" for text in n.closing]
    if n.link:
        png = base64.b64encode(qr_png(n.link)).decode()
        qr = (f'<figure class="qr"><img id="qr" src="data:image/png;base64,{png}" alt="{e(n.link_caption)}">'
              f'<figcaption>{e(n.link_caption)}<br><span class="link">{e(n.link)}</span></figcaption></figure>')
        warning = ""
    else:
        qr, warning = '<div class="qr"></div>', f'<p class="notice-warning">{e(w["no_link"])}</p>'
    other = "en" if n.lang == "zh" else "zh"
    here = print_url(number, kind)
    values = {
        "lang": "zh-CN" if n.lang == "zh" else "en", "title": e(n.title), "number": e(number), "hall": e(n.hall),
        "print": e(w["print"]), "pdf_href": e(pdf_url(number, kind) + ("?lang=en" if n.lang == "en" else "")),
        "pdf": e(w["pdf"]), "other_href": e(here + ("?lang=en" if other == "en" else "")), "other": e(w["other"]),
        "console_href": "/console" + ("?lang=en" if n.lang == "en" else ""), "console": e(w["console"]),
        "hint": e(w["hint"]), "warning": warning, "kind": e(kind), "facts": facts, "body": "".join(body), "qr": qr,
        "seal": e(n.seal), "issuer": e(n.issuer), "issued_on": e(n.issued_on), "footer": e(n.footer),
    }
    html = (_TEMPLATES / "notice.html").read_text("utf-8")  # one pass: a value is never read as a placeholder
    return re.sub(r"\{(\w+)\}", lambda m: values.get(m.group(1), m.group(0)), html)


def register(app: web.Application) -> None:
    app.router.add_get("/cases/{case:[0-9]+}/notices/" + KIND, notice_page)
