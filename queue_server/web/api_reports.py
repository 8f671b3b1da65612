"""The manager's reports over any period (statistics.md defines every figure). A report reads the
history tables on a read-only connection in a worker thread, so a year's report never holds up a
call at a window."""

from __future__ import annotations

from dataclasses import asdict

from aiohttp import web

from ..casework import CASE_TYPES
from ..numbering import business_day
from ..reports import (
    APPOINTMENT_FIGURES,
    ATTENDANCE_FIGURES,
    CASE_FIGURES,
    FIGURES,
    FOLLOW_UP_FIGURES,
    WINDOW_FIGURES,
)
from .common import MANAGERS, REPORT_QUERY, period_of, reply, report_for, service_of
from .routing import api


@api("GET", "/api/v1/reports", summary="A report for a period: totals, breakdowns (window, category, matter, clerk, "
     "hour, weekday, day), windows' time, attendance, appointments, 差评 follow-up, cases, chart series "
     f"({REPORT_QUERY})", roles=MANAGERS, tag="statistics")
async def report(request: web.Request) -> web.Response:
    svc = service_of(request)
    p = period_of(request, business_day(svc.clock()))
    return reply(await report_for(request, p, compare=request.query.get("compare") != "0"))


# The figures' definitions as the pages show them (label, unit, formula as a tooltip): the same
# `reports.FIGURES` that docs/statistics.md is generated from.
FIGURE_GROUPS = {"tickets": FIGURES, "windows": WINDOW_FIGURES, "attendance": ATTENDANCE_FIGURES,
                 "cases": CASE_FIGURES, "follow_ups": FOLLOW_UP_FIGURES, "appointments": APPOINTMENT_FIGURES}


@api("GET", "/api/v1/reports/figures", summary="What every report figure means: per group (tickets, windows, "
     "attendance, cases, follow_ups, appointments) its key, Chinese and English label, unit (count, s, share, h), "
     "formula and what it leaves out; and the case types' names", roles=MANAGERS, tag="statistics")
async def figures(request: web.Request) -> web.Response:
    return reply({"figures": {group: [asdict(f) for f in items] for group, items in FIGURE_GROUPS.items()},
                  "case_types": {code: list(names) for code, names in CASE_TYPES.items()}})
