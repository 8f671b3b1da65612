"""The manager's reports over any period (statistics.md defines every figure). A report reads the
history tables on a read-only connection in a worker thread, so a year's report never holds up a
call at a window."""

from __future__ import annotations

import asyncio
from dataclasses import asdict
from datetime import date
from typing import Any

from aiohttp import web

from ..casework import CASE_TYPES
from ..numbering import business_day
from ..reporting import build_report
from ..reports import (
    APPOINTMENT_FIGURES,
    ATTENDANCE_FIGURES,
    CASE_FIGURES,
    FIGURES,
    FOLLOW_UP_FIGURES,
    PERIOD_KINDS,
    WINDOW_FIGURES,
    Period,
    period,
)
from .common import MANAGERS, reply, service_of
from .routing import BodyError, api

REPORT_QUERY = ("?period=day|week|month|quarter|year|custom&date=YYYY-MM-DD (a day in the period; custom: the first)"
                "&last=YYYY-MM-DD (custom only)&compare=0 (without the previous period)&lang=en")


def period_of(request: web.Request, today: date) -> Period:
    """The period a request asks for (400 with the reason for anything else)."""
    kind = request.query.get("period", "month")
    if kind not in PERIOD_KINDS:
        raise BodyError("period", f"must be one of {', '.join(PERIOD_KINDS)}")
    days: dict[str, date | None] = {}
    for name in ("date", "last"):
        try:
            days[name] = date.fromisoformat(request.query[name]) if name in request.query else None
        except ValueError:
            raise BodyError(name, "a day written YYYY-MM-DD") from None
    try:
        return period(kind, days["date"] or today, days["last"])
    except ValueError as exc:
        raise BodyError("last", str(exc)) from None


async def report_for(request: web.Request, p: Period, *, compare: bool = True) -> dict[str, Any]:
    svc = service_of(request)
    today = business_day(svc.clock())
    english = request.query.get("lang") == "en"

    def work() -> dict[str, Any]:
        reader = svc.store.reader()
        try:
            return build_report(reader, svc.config, p, today, compare=compare, english=english)
        finally:
            reader.close()

    return await asyncio.to_thread(work)


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
