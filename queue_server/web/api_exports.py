"""Downloads of the reports and the monthly 台账 (docs/reports.md): every table of a report as CSV
or Excel, the whole report as one workbook, and the 台账 as PDF, workbook or a page to print.
All of them lay out one `build_report` (through exports.py), so a file can never disagree with
the page. Managers only, like the reports.
"""

from __future__ import annotations

import asyncio
import re
from html import escape
from importlib import resources
from typing import Any
from urllib.parse import quote, urlencode

from aiohttp import web

from .. import exports
from ..ledger import EXPORT_FORMATS, LEDGER_FORMATS, export_file, ledger_file
from ..notice_pdf import NoFont
from ..numbering import business_day
from ..reports import Period
from . import keys, pages
from .common import MANAGERS, REPORT_QUERY, period_of, reply, report_for, service_of
from .guard import PoolBusy
from .routing import BodyError, api

CONTENT_TYPES = {"csv": "text/csv; charset=utf-8", "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                 "pdf": "application/pdf"}
_TEMPLATES = resources.files("queue_server.web") / "templates"


def _lang(request: web.Request) -> str:
    return "en" if request.query.get("lang") == "en" else "zh"


def disposition(ascii_name: str, local_name: str) -> str:
    """`attachment` with a name every client keeps and the name in the page's language (RFC 6266)."""
    return f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(local_name, safe='')}"


def _file(body: bytes, fmt: str, names: tuple[str, str]) -> web.Response:
    return web.Response(body=body, headers={"Content-Type": CONTENT_TYPES[fmt], "Content-Disposition": disposition(*names),
                                            "Cache-Control": "no-store"})


def _choice(request: web.Request, name: str, valid: tuple[str, ...], default: str | None = None) -> str:
    """A query parameter that must be one of `valid` (400 naming it and the valid choices)."""
    value = request.query.get(name, default)
    if value not in valid:
        raise BodyError(name, f"must be one of {', '.join(valid)}" + (f" (got {value!r})" if value else ""))
    return value


@api("GET", "/api/v1/reports/export", summary="A table of a report as CSV (UTF-8 with BOM) or Excel, or the whole report "
     f"as one workbook: ?table=NAME|all&format=csv|xlsx and the report's {REPORT_QUERY}",
     roles=MANAGERS, tag="statistics", media_type="text/csv", response={"type": "string", "format": "binary"},
     other_statuses=(400,),
     description="`table`: " + ", ".join(exports.TABLE_NAMES) + "; `all` (xlsx only) is one workbook with a sheet per "
                 "table and the definitions. Every file starts with the hall, region code, period and when it was made; "
                 "times are in minutes and shares in percent (one decimal), as the column titles say.")
async def export(request: web.Request) -> web.Response:
    svc, lang = service_of(request), _lang(request)
    fmt = _choice(request, "format", EXPORT_FORMATS, "csv")
    name = _choice(request, "table", (*exports.TABLE_NAMES, "all"))
    if name == "all" and fmt != "xlsx":
        raise BodyError("table", "all (every table in one workbook) needs format=xlsx")
    p = period_of(request, business_day(svc.clock()))
    report = await report_for(request, p)
    body = await asyncio.to_thread(export_file, report, svc.config, lang, name, fmt, svc.clock())
    title = ("全部报表" if lang == "zh" else "report") if name == "all" else exports.TITLES[name][0 if lang == "zh" else 1]
    return _file(body, fmt, exports.file_names(report, (name, title), fmt, lang))


# ---------------------------------------------------------------- the monthly 台账


def _month(request: web.Request) -> Period:
    text = request.query.get("month")
    if text is None:
        return exports.previous_month(business_day(service_of(request).clock()))
    try:
        return exports.month_period(text)
    except ValueError as exc:
        raise BodyError("month", str(exc)) from None


async def _ledger(request: web.Request, p: Period) -> tuple[dict[str, Any], list[exports.Table], list[tuple[str, str]]]:
    """The month's report, its 台账 tables and heading (for the print page)."""
    svc, lang = service_of(request), _lang(request)
    report = await report_for(request, p)
    return report, exports.ledger(report, svc.config, lang), exports.heading(report, lang, svc.clock())


@api("GET", "/api/v1/reports/ledger", summary="The monthly 台账 as an A4 PDF or an Excel workbook: "
     "?month=YYYY-MM (default: last month)&format=pdf|xlsx&lang=en",
     roles=MANAGERS, tag="statistics", media_type="application/pdf", response={"type": "string", "format": "binary"},
     other_statuses=(400, 503),
     description="The standard tables (overview, windows, categories, matters, staff, ratings with 差评 follow-up, "
                 "cases) of one month, as on the print page /manage/ledger. Making a PDF takes a second or two of "
                 "CPU in a worker thread; more than three at once → 503 `busy` with Retry-After.")
async def ledger(request: web.Request) -> web.Response:
    fmt = _choice(request, "format", LEDGER_FORMATS, "pdf")
    p = _month(request)
    svc, lang = service_of(request), _lang(request)
    report = await report_for(request, p)
    names = exports.file_names(report, ("ledger", exports.LEDGER_WORDS[lang]["title"]), fmt, lang)
    if fmt == "xlsx":
        return _file(await asyncio.to_thread(ledger_file, report, svc.config, lang, fmt, svc.clock()), fmt, names)
    try:  # seconds of CPU (the font is read and subset): in the notices' worker, so the hall keeps moving
        body = await request.app[keys.NOTICE_POOL].run(ledger_file, report, svc.config, lang, fmt, svc.clock())
    except NoFont as exc:
        return reply({"error": "no_font", "message": str(exc)}, 503)
    except PoolBusy:
        return reply({"error": "busy", "message": "several PDFs are being made; try again in a moment"}, 503,
                     headers={"Retry-After": "2"})
    return _file(body, fmt, names)


PAGE_WORDS = {
    "zh": {"month": "月份", "show": "查看", "print": "打印", "pdf": "下载PDF", "xlsx": "下载Excel", "other": "English",
           "manage": "返回管理页", "hint": "请用A4纸纵向打印；制表人、负责人签字后报送县政务服务中心。",
           "bad_month": "月份有误", "sep": "："},
    "en": {"month": "Month", "show": "Show", "print": "Print", "pdf": "Download PDF", "xlsx": "Download Excel", "other": "中文",
           "manage": "Back to the manager's page", "hint": "Print on A4, portrait; signed by its maker and the head of the "
           "hall, it goes to the county's service centre.", "bad_month": "Wrong month", "sep": ": "},
}


async def ledger_page(request: web.Request) -> web.Response:
    """The 台账 to print (A4 portrait @page CSS), with a toolbar that is not printed."""
    principal = request.get(keys.PRINCIPAL)
    if principal is None or principal.kind != "user":
        raise web.HTTPSeeOther("/login?next=" + quote(request.path_qs, safe="/"))
    if not principal.has(MANAGERS):
        return pages.message_page(request, 403, "managers_only", ("console", "login_manage"))
    lang = _lang(request)
    try:
        p = _month(request)
    except BodyError as exc:
        text = str(exc).removeprefix("month: ")
        return pages.message_page(request, 400, "error", ("home",), title=PAGE_WORDS[lang]["bad_month"], text=text)
    report, tables, head = await _ledger(request, p)
    return web.Response(text=render_html(report, tables, head, lang), content_type="text/html", charset="utf-8",
                        headers={"Cache-Control": "no-store"})


WRAPPING = ("matter_name",)  # long names that may wrap in their column; every other label stays whole


def _cell(value: Any, unit: str, column: exports.Column) -> str:
    """A cell, with its column's title for the phone's layout (each value beside its title)."""
    label = f' data-label="{escape(column.title)}"'
    if column.unit == "text":
        wrap = ' class="wrap-ok"' if column.key in WRAPPING else ""
        return f"<td{wrap}{label}>{escape(str(value))}</td>"
    return f'<td class="num"{label}>{escape(exports.shown(value, unit))}</td>'


def _head(column: exports.Column) -> str:
    """A column title; a number's breaks before its unit (平均等候 / (分钟)), as in the PDF."""
    title = column.title
    if column.unit == "text" or "(" not in title:
        return f'<th scope="col">{escape(title)}</th>'
    at = title.rindex("(")
    return f'<th class="num" scope="col">{escape(title[:at].rstrip())}<br>{escape(title[at:])}</th>'


def table_html(t: exports.Table) -> str:
    """One table; its header row repeats on every printed page (thead)."""
    rows = []
    for r, values in enumerate(t.rows):
        hall = ' class="hall-row"' if t.keys and t.keys[r] == exports.HALL_KEY else ""
        rows.append(f"<tr{hall}>" + "".join(_cell(v, t.unit(r, c), t.columns[c]) for c, v in enumerate(values)) + "</tr>")
    narrow = " narrow" if len(t.columns) <= 3 else " wide-table"
    return (f'<section class="ledger-table{narrow}"><h3>{escape(t.title)}</h3><div class="table-scroll">'
            f'<table><thead><tr>{"".join(_head(c) for c in t.columns)}</tr></thead><tbody>{"".join(rows)}</tbody>'
            "</table></div></section>")


def render_html(report: dict[str, Any], tables: list[exports.Table], head: list[tuple[str, str]], lang: str) -> str:
    w, lw = PAGE_WORDS[lang], exports.LEDGER_WORDS[lang]
    month = report["period"]["label"]
    query = {"month": month, **({"lang": "en"} if lang == "en" else {})}
    facts = "".join(f"<div><dt>{escape(label)}{w['sep']}</dt><dd>{escape(value)}</dd></div>" for label, value in head[1:])
    signs = "".join(f'<p><span class="nowrap">{escape(label)}{w["sep"]}</span><span class="sign-line"></span></p>'
                    for label in (lw["maker"], lw["head"], lw["date"]))
    title = f"{lw['title']}（{month}）" if lang == "zh" else f"{lw['title']} ({month})"
    values = {
        "lang": "zh-CN" if lang == "zh" else "en", "hall": escape(report["hall"]), "title": escape(lw["title"]),
        "heading": escape(title), "month": escape(month), "month_word": escape(w["month"]), "show": escape(w["show"]),
        "lang_input": '<input type="hidden" name="lang" value="en">' if lang == "en" else "",
        "print": escape(w["print"]), "pdf": escape(w["pdf"]), "xlsx": escape(w["xlsx"]), "other": escape(w["other"]),
        "pdf_href": escape("/api/v1/reports/ledger?" + urlencode({**query, "format": "pdf"})),
        "xlsx_href": escape("/api/v1/reports/ledger?" + urlencode({**query, "format": "xlsx"})),
        "other_href": escape("/manage/ledger?" + urlencode({"month": month, **({} if lang == "en" else {"lang": "en"})})),
        "manage_href": "/manage" + ("?lang=en" if lang == "en" else ""), "manage": escape(w["manage"]),
        "hint": escape(w["hint"]), "facts": facts, "tables": "".join(table_html(t) for t in tables), "signatures": signs,
    }
    html = (_TEMPLATES / "ledger.html").read_text("utf-8")  # one pass: a value is never read as a placeholder
    return re.sub(r"\{(\w+)\}", lambda m: values.get(m.group(1), m.group(0)), html)


def register(app: web.Application) -> None:
    app.router.add_get("/manage/ledger", ledger_page)
