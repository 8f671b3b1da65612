"""The manager's reports over any period (statistics.md defines every figure). A report reads the
history tables on a read-only connection in a worker thread, so a year's report never holds up a
call at a window."""

from __future__ import annotations

from aiohttp import web

from ..numbering import business_day
from .common import MANAGERS, REPORT_QUERY, period_of, reply, report_for, service_of
from .routing import api


@api("GET", "/api/v1/reports", summary="A report for a period: totals, breakdowns (window, category, matter, clerk, "
     "hour, weekday, day), windows' time, attendance, appointments, 差评 follow-up, cases, chart series "
     f"({REPORT_QUERY})", roles=MANAGERS, tag="statistics")
async def report(request: web.Request) -> web.Response:
    svc = service_of(request)
    p = period_of(request, business_day(svc.clock()))
    return reply(await report_for(request, p, compare=request.query.get("compare") != "0"))
