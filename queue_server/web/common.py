"""What every API handler needs: who is asking, the service, JSON answers, and the checks that
several route modules share (a device's own ticket, a device's own window, times in the hall's zone).

Route modules (api, api_session, api_issuing, api_desk, api_users, api_cases, api_notices, api_reports,
api_exports) import from here, never from one another."""

from __future__ import annotations

import asyncio
import json
from datetime import date, datetime
from typing import Any

from aiohttp import web

from hallapi.protocol import HALL_TZ

from ..auth import Principal
from ..cases import Case
from ..errors import Forbidden
from ..events import Event
from ..numbering import business_day
from ..reporting import build_report
from ..reports import PERIOD_KINDS, Period, period
from ..service import Actor, HallService
from ..views import ticket_public, ticket_staff
from . import keys
from .routing import BodyError, body_required, check, route_of, whole_number

ISSUERS = frozenset({"kiosk", "clerk"})
WINDOW_ACTORS = frozenset({"keypad", "clerk"})
STAFF = frozenset({"clerk"})
KIOSKS = frozenset({"kiosk"})
DEVICES = frozenset({"kiosk", "display", "keypad", "review"})
MANAGERS = frozenset({"manager"})
SIGNED_IN = frozenset({"clerk", "kiosk", "display", "keypad", "review"})


def service_of(request: web.Request) -> HallService:
    return request.app[keys.SERVICE]


def principal_of(request: web.Request) -> Principal:
    """The caller of a route behind a role (the auth middleware refused anyone else)."""
    principal = request[keys.PRINCIPAL]
    assert principal is not None
    return principal


def actor_of(request: web.Request) -> Actor:
    p = principal_of(request)
    return Actor(p.name, p.role)


def reply(data: Any, status: int = 200, headers: dict[str, str] | None = None) -> web.Response:
    return web.json_response(data, status=status, headers=headers, dumps=lambda d: json.dumps(d, ensure_ascii=False))


async def body_of(request: web.Request) -> dict[str, Any]:
    """The request's JSON body, checked against the schema its route declares (400 naming the field)."""
    route = route_of(request.match_info.handler)
    assert route is not None and route.body is not None, "body_of() is for routes that declare a body"
    schema = route.body
    if not request.can_read_body:
        if body_required(schema):
            raise BodyError("", "a JSON body is required")
        data: Any = {}
    else:
        try:
            data = await request.json(loads=json.loads)
        except (ValueError, UnicodeDecodeError, RecursionError):  # ValueError: also integers past 4300 digits
            raise BodyError("", "the body is not valid JSON") from None
    check(data, schema)
    return data


def estimates_of(request: web.Request):
    return request.app[keys.ESTIMATES].get()


def parse_time(text: str, field: str) -> float:
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise BodyError(field, "must be an ISO 8601 time, e.g. 2026-11-23T09:30:00+08:00") from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=HALL_TZ)
    return moment.timestamp()


def own_ticket(request: web.Request, ticket: str) -> str:
    """A device acts only on the tickets it issued itself; staff on any. Returns the ticket's id."""
    p = principal_of(request)
    t = service_of(request).hall.ticket(ticket)
    if p.kind == "device" and t.issued_by != str(actor_of(request)):
        raise Forbidden("not_your_ticket", f"ticket {t.number} was not issued by this device")
    return t.id


def ticket_result(request: web.Request, event: Event) -> web.Response:
    """The event and the ticket after it: in full for staff; a device gets the public view only."""
    hall = service_of(request).hall
    t = hall.state.tickets[event.data["ticket"]]
    if principal_of(request).kind == "device":
        return reply({"event": {"seq": event.seq, "type": event.type}, "ticket": ticket_public(hall, t, estimates_of(request))})
    return reply({"event": staff_event(event), "ticket": ticket_staff(hall, t, estimates_of(request))})


def staff_event(event: Event) -> dict[str, Any]:
    data = {k: v for k, v in event.data.items() if k not in ("person_key", "token")}
    return {"seq": event.seq, "type": event.type, "at": event.at, "data": data}


def window_number(request: web.Request) -> int:
    number = whole_number(request.match_info["window"], "window")
    p = principal_of(request)
    if p.window is not None and p.window != number:
        raise Forbidden("wrong_window", f"this device belongs to window {p.window}")
    return number


# The case types a higher body or another department (a `body` device) works on: 上报件, 联办件.
BODY_CASE_TYPES = ("forwarded", "joint")


def may_handle_case(principal: Principal, case: Case, svc: HallService) -> bool:
    """Managers handle every case; a clerk the cases assigned to them and those of the window they
    are signed in at now; a higher body or department (a `body` device) the cases that go up or
    across to it (上报件, 联办件). The case routes and the notices share this one rule."""
    if principal.kind == "device":
        return principal.role == "body" and case.case_type in BODY_CASE_TYPES
    if principal.has(MANAGERS):
        return True
    if case.clerk == principal.name:
        return True
    mine = {n for n, w in svc.hall.state.windows.items() if w.clerk == principal.name and w.status != "closed"}
    return case.window in mine or case.lead_window in mine


def case_for(request: web.Request) -> tuple[HallService, Case]:
    """The case of the path, if the caller may handle it (else 403 saying whose it is)."""
    svc = service_of(request)
    case = svc.cases.get(request.match_info["case"])
    if not may_handle_case(principal_of(request), case, svc):
        raise Forbidden("not_your_case", f"case {case.number} belongs to window {case.window} ({case.clerk})")
    return svc, case


def local_port(request: web.Request) -> int | None:
    """The port this server answered on (never the caller's Host header, which anyone can set)."""
    sockname = request.transport.get_extra_info("sockname") if request.transport else None
    return sockname[1] if isinstance(sockname, tuple) and len(sockname) >= 2 else None


# ---------------------------------------------------------------- reports (api_reports, api_exports)

REPORT_QUERY = ("?period=day|week|month|quarter|year|custom&date=YYYY-MM-DD (a day in the period; custom: the first)"
                "&last=YYYY-MM-DD (custom only)&compare=0 (without the previous period)&lang=en")


def period_of(request: web.Request, today: date) -> Period:
    """The period a request asks for (400 naming the field for anything else)."""
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
