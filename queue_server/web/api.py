"""REST API under /api/v1. Each handler is thin: parse, ask the service, shape the answer."""

from __future__ import annotations

import dataclasses
import hashlib
import json
import logging
import re
import time
from collections.abc import Callable
from dataclasses import asdict
from datetime import date, datetime
from typing import Any

from aiohttp import web

from hallapi.protocol import HALL_TZ

from ..auth import Principal, verify_password
from ..config import PRIORITY_CLASSES
from ..errors import Forbidden, Invalid, NotFound
from ..events import Event
from ..hall import Hall
from ..province import NAME as PROVINCE
from ..province import TYPES as PROVINCE_TYPES
from ..service import Actor
from ..state import IssueRequest
from ..stats import live
from ..views import (
    issued_receipt,
    snapshot,
    ticket_by_token,
    ticket_public,
    ticket_staff,
    windows_public,
)
from . import keys
from .guard import PoolBusy, client_address
from .routing import (
    BodyError,
    api,
    body_required,
    check,
    date_string,
    integer,
    nullable,
    obj,
    route_of,
    string,
    time_string,
    whole_number,
)

log = logging.getLogger("yimen.api")
ISSUERS = frozenset({"kiosk", "clerk"})
WINDOW_ACTORS = frozenset({"keypad", "clerk"})
STAFF = frozenset({"clerk"})
KIOSKS = frozenset({"kiosk"})
DEVICES = frozenset({"kiosk", "display", "keypad", "review"})
MANAGERS = frozenset({"manager"})
SIGNED_IN = frozenset({"clerk", "kiosk", "display", "keypad", "review"})

ERROR = {"$ref": "#/components/schemas/Error"}
ESTIMATE = obj({"ahead": integer(0), "wait_s": nullable({"type": "number"}),
                "low_min": nullable({"type": "integer"}), "high_min": nullable({"type": "integer"}),
                "open_now": {"type": "boolean"}, "opens_at": nullable({"type": "number"}),
                "beyond_closing": {"type": "boolean"}, "closes_at": nullable({"type": "number"})})
WINDOW_PUBLIC = obj({"number": integer(1), "name": string(), "kind": string(), "status": string(),
                     "serves": {"type": "array", "items": string()}, "current": nullable(string()),
                     "current_category": nullable(string())})
TICKET_PUBLIC = {"type": "object", "properties": {
    "number": string(), "status": {"type": "string", "enum": ["waiting", "called", "serving", "held", "done"]},
    "outcome": nullable(string()), "category": {"type": "object"}, "matter": nullable({"type": "object"}),
    "priority": {"type": "boolean"}, "issued_at": {"type": "number"}, "window": nullable({"type": "object"}),
    "estimate": nullable(ESTIMATE), "serving_windows": {"type": "array", "items": {"type": "integer"}},
    "hall": string(), "supervision_phone": string(), "note": string(), "note_en": string()}}
EVENT = {"type": "object", "properties": {"seq": {"type": "integer"}, "type": string(), "at": {"type": "number"},
                                          "data": {"type": "object"}}}
WINDOW_RESULT = {"type": "object", "properties": {"event": EVENT, "window": WINDOW_PUBLIC,
                                                  "ticket": nullable({"type": "object"})}}


def _svc(request: web.Request):
    return request.app[keys.SERVICE]


def _principal(request: web.Request) -> Principal:
    """The caller of a route behind a role (the auth middleware refused anyone else)."""
    principal = request[keys.PRINCIPAL]
    assert principal is not None
    return principal


def _actor(request: web.Request) -> Actor:
    p = _principal(request)
    return Actor(p.name, p.role)


def _json(data: Any, status: int = 200, headers: dict[str, str] | None = None) -> web.Response:
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


def _estimates(request: web.Request):
    return request.app[keys.ESTIMATES].get()


# ---------------------------------------------------------------- public


@api("GET", "/api/v1/health", summary="Liveness and the latest event number", roles=None, tag="public",
     response=obj({"status": string(), "problems": {"type": "array", "items": string()}, "seq": integer(0),
                   "day": string(), "time": {"type": "number"}}))
async def health(request: web.Request) -> web.Response:
    svc = _svc(request)
    hall = svc.hall
    problems = [*(["storage: " + svc.storage_problem[1]] if svc.storage_problem else []),
                *([f"{len(svc.skipped)} event(s) could not be read and were skipped"] if svc.skipped else [])]
    return _json({"status": "storage_problem" if svc.storage_problem else "degraded" if problems else "ok",
                  "problems": problems, "seq": hall.state.last_seq, "day": hall.state.day.isoformat(),
                  "time": svc.clock()})


@api("GET", "/api/v1/hall", summary="The hall's public configuration: categories, windows, rules", roles=None, tag="public")
async def hall_info(request: web.Request) -> web.Response:
    cfg = _svc(request).config
    return _json({
        "hall": asdict(cfg.hall), "hours": {"days": list(cfg.hours.days), "sessions": [list(s) for s in cfg.hours.sessions]},
        "categories": [asdict(c) for c in cfg.categories],
        "windows": [{**asdict(w), "kind_label": w.kind_label} for w in cfg.windows],
        "priority": {"classes": [{"code": c, "name": PRIORITY_CLASSES[c]} for c in cfg.priority.classes],
                     "elderly_age": cfg.priority.elderly_age, "max_overtake": cfg.priority.max_overtake,
                     "promote_after_min": cfg.priority.promote_after_min},
        "calling": asdict(cfg.calling), "templates": asdict(cfg.templates),
    })


@api("GET", "/api/v1/matters", summary="The matters catalog (service guides)", roles=None, tag="public",
     response={"type": "object", "properties": {"matters": {"type": "array", "items": {"type": "object"}}}})
async def matters(request: web.Request) -> web.Response:
    cfg = _svc(request).config
    category = request.query.get("category")
    items = [asdict(m) for m in cfg.matters if category is None or m.category == category]
    return _json({"matters": items})


@api("GET", "/api/v1/matters/{code}", summary="One matter's service guide", roles=None, tag="public")
async def matter(request: web.Request) -> web.Response:
    found = _svc(request).config.matter(request.match_info["code"])
    if found is None:
        raise NotFound("matter_not_found", f"no matter {request.match_info['code']}")
    return _json(asdict(found))


@api("GET", "/api/v1/queue", summary="Live public snapshot: windows, people waiting per category, recent calls",
     roles=None, tag="public")
async def queue(request: web.Request) -> web.Response:
    return _json(snapshot(_svc(request).hall, _estimates(request)))


@api("GET", "/api/v1/status/{token}", summary="A citizen's own ticket, by the unguessable token on the slip",
     roles=None, tag="public", response=TICKET_PUBLIC)
async def ticket_status(request: web.Request) -> web.Response:
    hall = _svc(request).hall
    token = request.match_info["token"]
    found = ticket_by_token(hall, token)
    if found is None:
        raise NotFound("ticket_not_found", "no such ticket today (tickets are valid on the day they are taken)")
    return _json(ticket_public(hall, found, _estimates(request)))


@api("GET", "/api/v1/events", summary="Websocket: snapshot, then every event live (?since=SEQ to catch up)",
     roles=None, tag="public", other_statuses=(400, 429),
     description="Messages are JSON with `kind`: `snapshot` (first), `event` (each with `seq`; `replayed: true` for "
                 "catch-up), `heartbeat` (every 15 s with the latest `seq`), `pong` (answer to a text `ping`).")
async def events(request: web.Request) -> web.StreamResponse:
    return await request.app[keys.HUB].handle(request)


# ---------------------------------------------------------------- sessions


SIGN_IN_BODY = obj({"username": string(32), "password": string(200)}, ("username", "password"))


@api("POST", "/api/v1/session", summary="Sign in (clerk, manager, admin); sets the session cookie", roles=None,
     tag="session", body=SIGN_IN_BODY,
     response=obj({"username": string(), "role": string(), "csrf_token": string()}),
     public_write_reason="signing in is how an anonymous person becomes a signed-in user",
     other_statuses=(401, 429, 503))
async def sign_in(request: web.Request) -> web.Response:
    data = await body_of(request)
    throttle = request.app[keys.THROTTLE]
    username, address = data["username"], client_address(request, request.app[keys.TRUSTED_PROXIES])
    if throttle.blocked(username, address, time.monotonic()):
        log.warning("sign-in refused (throttled): user %r from %s", username, address)
        return _json({"error": "too_many_attempts", "message": "too many failed sign-ins; wait a minute"}, 429,
                     headers={"Retry-After": "60"})
    accounts = request.app[keys.ACCOUNTS]
    user, stored = accounts.password_record(username)
    try:
        good = await request.app[keys.HASH_POOL].run(verify_password, data["password"], stored)
    except PoolBusy:
        return _json({"error": "sign_in_busy", "message": "too many sign-ins at once; try again in a moment"}, 503,
                     headers={"Retry-After": "1"})
    if user is None or not good:
        throttle.failed(username, address, time.monotonic())
        log.warning("failed sign-in: user %r from %s", username, address)
        return _json({"error": "bad_credentials", "message": "wrong username or password"}, 401)
    throttle.succeeded(username, address)
    log.info("signed in: %s (%s) from %s", user.name, user.role, address)
    cookie, csrf = accounts.open_session(user, _svc(request).clock())
    response = _json({"username": user.name, "role": user.role, "csrf_token": csrf})
    response.set_cookie(keys.SESSION_COOKIE, cookie, httponly=True, samesite="Strict", path="/",
                        secure=request.secure, max_age=12 * 3600)
    return response


@api("GET", "/api/v1/session", summary="Who is signed in (and the CSRF token for this session)", roles=SIGNED_IN,
     tag="session")
async def who_am_i(request: web.Request) -> web.Response:
    p = _principal(request)
    card = request.app[keys.ACCOUNTS].staff_card(p.name) if p.kind == "user" else None
    return _json({"kind": p.kind, "name": p.name, "display_name": card["display_name"] if card else p.name,
                  "role": p.role, "window": p.window, "csrf_token": p.csrf})


@api("DELETE", "/api/v1/session", summary="Sign out", roles=STAFF, tag="session")
async def sign_out(request: web.Request) -> web.Response:
    cookie = request.cookies.get(keys.SESSION_COOKIE)
    if cookie:
        request.app[keys.ACCOUNTS].close_session(cookie)
    response = _json({"signed_out": True})
    response.del_cookie(keys.SESSION_COOKIE, path="/")
    return response


# ---------------------------------------------------------------- tickets

ISSUE_BODY = obj({
    "category": string(8, pattern=r"[A-Z][A-Z0-9]{0,3}"),
    "matter": string(32),
    "priority": nullable(string(16, enum=list(PRIORITY_CLASSES))),
    "birth_date": date_string(),
    "person_key": string(64, pattern=r"[0-9a-f]{64}", **{
        "x-pattern-message": "must be the 64-hex salted person key; never send an ID number"}),
    "appointment": obj({"code": string(64), "slot_start": time_string(), "slot_end": time_string()},
                       ("slot_start", "slot_end")),
    "name": string(32),
})


def _parse_time(text: str, field: str) -> float:
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise BodyError(field, "must be an ISO 8601 time, e.g. 2026-11-23T09:30:00+08:00") from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=HALL_TZ)
    return moment.timestamp()


@api("POST", "/api/v1/tickets", summary="Issue a ticket (kiosk or staff)", roles=ISSUERS, tag="tickets",
     body=ISSUE_BODY, status=201,
     description="Give `category` or `matter`. `birth_date` (from the ID card) lets the server grant elderly "
                 "priority; it is not stored. `person_key` enforces one active ticket per person per matter. "
                 "`name` (from the ID card) is masked to its first character (张*) and kept only where the "
                 "hall calls by name (`[calling] show_names`); otherwise it is dropped.")
async def issue_ticket(request: web.Request) -> web.Response:
    data = await body_of(request)
    birth = date.fromisoformat(data["birth_date"]) if "birth_date" in data else None  # checked by the schema
    principal = _principal(request)
    if principal.kind == "device" and data.get("priority") not in (None, *SELF_EVIDENT_PRIORITY):
        raise Forbidden("staff_verifies_priority", f"{data['priority']} priority is granted by a member of staff "
                        "at the counter, who sees the evidence")
    appointment = None
    if "appointment" in data:
        a = data["appointment"]
        appointment = {"code": a.get("code", ""), "slot_start": _parse_time(a["slot_start"], "appointment.slot_start"),
                       "slot_end": _parse_time(a["slot_end"], "appointment.slot_end")}
        _check_booked(_svc(request).hall, appointment)
    req = IssueRequest(category=data.get("category"), matter=data.get("matter"), priority=data.get("priority"),
                       birth_date=birth, person_key=data.get("person_key"), appointment=appointment,
                       name=data.get("name"), channel=principal.role if principal.kind == "device" else "counter")
    return await _issue_and_answer(request, req)


# Priority a device may claim on its own: elderly, which the server checks from the ID card's birth
# date. The other classes (disabled, pregnant, serviceman) need a person to see the evidence.
SELF_EVIDENT_PRIORITY = ("elderly",)


def _check_booked(hall: Hall, appointment: dict[str, Any]) -> None:
    """An appointment claimed on an issue request must be one the hall booked, slot and all."""
    booked = hall.state.desk.bookings.get(appointment["code"]) if appointment["code"] else None
    if booked is None or (booked.slot_start, booked.slot_end) != (appointment["slot_start"], appointment["slot_end"]):
        raise Invalid("appointment_not_booked", "no such appointment today; check in with the booking code "
                      "(POST /api/v1/appointments/check-in)")


_KEY = re.compile(r"[A-Za-z0-9_.:-]{8,64}")


async def _issue_and_answer(request: web.Request, req: IssueRequest) -> web.Response:
    """Issue, honouring an `Idempotency-Key` header: a device that lost an answer and asks again
    gets the same ticket (200, `Idempotent-Replay: true`), never a second one."""
    key = request.headers.get("Idempotency-Key")
    if key is not None and not _KEY.fullmatch(key):
        raise BodyError("Idempotency-Key", "must be 8–64 letters, digits or . _ : -")
    svc = _svc(request)
    ticket, event = svc.issue(dataclasses.replace(req, request_key=key, request_hash=_fingerprint(req)),
                              _actor(request))
    receipt = issued_receipt(svc.hall, ticket, request.app[keys.PUBLIC_ADDRESS].base(_local_port(request)))
    response = _json(receipt, 201 if event else 200)
    if event is None:
        response.headers["Idempotent-Replay"] = "true"
    return response


def _fingerprint(req: IssueRequest) -> str:
    """What a request asks for, to tell a retry from a key reused for something else. The birth
    date and the name are left out: the fingerprint is stored, they never are."""
    asked = {k: v for k, v in dataclasses.asdict(req).items() if k not in ("birth_date", "name", "request_key", "request_hash")}
    return hashlib.sha256(json.dumps(asked, sort_keys=True, default=str).encode()).hexdigest()[:32]


ABANDON_BODY = obj({"idempotency_key": string(64, pattern=_KEY.pattern)}, ("idempotency_key",))


@api("POST", "/api/v1/tickets/abandon", summary="A device gives up on an issue request whose answer it never got",
     roles=ISSUERS, tag="tickets", body=ABANDON_BODY,
     description="When the answer to POST /api/v1/tickets was lost (timeout, server restart) the kiosk told the "
                 "citizen that no ticket was issued. It then sends the request's Idempotency-Key here: a ticket "
                 "issued for it after all is cancelled, and the key is refused from now on. So no ticket waits in "
                 "the queue that nobody holds.")
async def abandon_issue(request: web.Request) -> web.Response:
    data = await body_of(request)
    event = _svc(request).run(lambda h, now: h.abandon(data["idempotency_key"], now, str(_actor(request))))
    return _json({"cancelled": event.data["number"], "seq": event.seq})


def _local_port(request: web.Request) -> int | None:
    """The port this server answered on (never the caller's Host header, which anyone can set)."""
    sockname = request.transport.get_extra_info("sockname") if request.transport else None
    return sockname[1] if isinstance(sockname, tuple) and len(sockname) >= 2 else None


@api("GET", "/api/v1/tickets", summary="Today's tickets (staff); ?status=waiting|called|serving|held|done",
     roles=STAFF, tag="tickets")
async def list_tickets(request: web.Request) -> web.Response:
    hall = _svc(request).hall
    status = request.query.get("status")
    estimates = _estimates(request)
    items = [ticket_staff(hall, t, estimates) for t in sorted(hall.state.tickets.values(), key=lambda t: t.seq)
             if status is None or t.status == status]
    return _json({"tickets": items})


@api("GET", "/api/v1/tickets/{ticket:[0-9A-Za-z-]*[0-9]}", summary="One ticket by id or today's number (staff)", roles=STAFF, tag="tickets")
async def get_ticket(request: web.Request) -> web.Response:
    hall = _svc(request).hall
    return _json(ticket_staff(hall, hall.ticket(request.match_info["ticket"]), _estimates(request)))


CANCEL_BODY = obj({"reason": string(200)})


@api("POST", "/api/v1/tickets/{ticket:[0-9A-Za-z-]*[0-9]}/cancel", summary="Cancel a waiting or held ticket", roles=ISSUERS,
     tag="tickets", body=CANCEL_BODY)
async def cancel_ticket(request: web.Request) -> web.Response:
    data = await body_of(request)
    ticket = _own_ticket(request, request.match_info["ticket"])
    event = _svc(request).run(lambda h, now: h.cancel(ticket, now, data.get("reason", ""), str(_actor(request))))
    return _ticket_result(request, event)


@api("POST", "/api/v1/tickets/{ticket:[0-9A-Za-z-]*[0-9]}/rejoin", summary="A missed (no-show) ticket rejoins the queue per the hall's rule",
     roles=ISSUERS, tag="tickets")
async def rejoin_ticket(request: web.Request) -> web.Response:
    ticket = _own_ticket(request, request.match_info["ticket"])
    event = _svc(request).run(lambda h, now: h.rejoin(ticket, now, str(_actor(request))))
    return _ticket_result(request, event)


def _own_ticket(request: web.Request, ticket: str) -> str:
    """A device acts only on the tickets it issued itself; staff on any. Returns the ticket's id."""
    p = _principal(request)
    t = _svc(request).hall.ticket(ticket)
    if p.kind == "device" and t.issued_by != str(_actor(request)):
        raise Forbidden("not_your_ticket", f"ticket {t.number} was not issued by this device")
    return t.id


def _ticket_result(request: web.Request, event: Event) -> web.Response:
    """The event and the ticket after it: in full for staff; a device gets the public view only."""
    hall = _svc(request).hall
    t = hall.state.tickets[event.data["ticket"]]
    if _principal(request).kind == "device":
        return _json({"event": {"seq": event.seq, "type": event.type}, "ticket": ticket_public(hall, t, _estimates(request))})
    return _json({"event": _staff_event(event), "ticket": ticket_staff(hall, t, _estimates(request))})


def _staff_event(event: Event) -> dict[str, Any]:
    data = {k: v for k, v in event.data.items() if k not in ("person_key", "token")}
    return {"seq": event.seq, "type": event.type, "at": event.at, "data": data}


# ---------------------------------------------------------------- windows


def _window_number(request: web.Request) -> int:
    number = whole_number(request.match_info["window"], "window")
    p = _principal(request)
    if p.window is not None and p.window != number:
        raise Forbidden("wrong_window", f"this device belongs to window {p.window}")
    return number


def _check_clerk_at(request: web.Request, number: int) -> None:
    """A clerk acts on the window they are signed in at (opened); a manager anywhere, as
    themselves. Taking over a colleague's window is its own, recorded step (open with take_over)."""
    p = _principal(request)
    if p.kind != "user" or p.has(MANAGERS):
        return
    hall = _svc(request).hall
    _, ws = hall.window(number)
    if ws.clerk != p.name:
        mine = [n for n, w in hall.state.windows.items() if w.clerk == p.name and w.status != "closed"]
        where = f"you are signed in at window {mine[0]}" if mine else "you are not signed in at any window"
        raise Forbidden("not_your_window", f"{where}; open window {number} (or take it over) to act on it")


async def _window_command(request: web.Request, command: Callable[[Hall, int, float, str], Event]) -> web.Response:
    number = _window_number(request)
    _check_clerk_at(request, number)
    actor = str(_actor(request))
    svc = _svc(request)
    event = svc.run(lambda h, now: command(h, number, now, actor))
    hall = svc.hall
    ticket_id = event.data.get("ticket")
    ticket = hall.state.tickets.get(ticket_id) if ticket_id else None
    window = next(w for w in windows_public(hall) if w["number"] == number)
    # The estimate replays the whole queue: only a ticket sent back to waiting needs it.
    estimates = _estimates(request) if ticket and ticket.status == "waiting" else {}
    return _json({"event": _staff_event(event), "window": window,
                  "ticket": ticket_staff(hall, ticket, estimates) if ticket else None})


def _window_route(name: str, summary: str, body: dict | None = None):
    return api("POST", f"/api/v1/windows/{{window}}/{name}", summary=summary, roles=WINDOW_ACTORS, tag="windows",
               body=body, response=WINDOW_RESULT)


# Window actions that take no body: one declaration each, from this table (action → name, the
# hall's command, summary).
WindowCommand = Callable[[Hall, int, float, str], Event]
SIMPLE_ACTIONS: dict[str, tuple[str, WindowCommand, str]] = {
    "call-next": ("call_next", Hall.call_next, "Call the next ticket (completes the current one as served)"),
    "recall": ("recall", Hall.recall, "Call the current ticket again (past the recall limit it becomes a no-show)"),
    "start": ("start", Hall.start, "The called person has arrived: service starts"),
    "skip": ("skip", Hall.skip, "The called person did not come: no-show"),
    "complete": ("complete", Hall.complete, "Service finished (办结)"),
    "hold": ("hold", Hall.hold, "Park the current ticket (挂起); call it back later by number"),
    "request-rating": ("request_rating", lambda h, n, now, a: h.ratings.request_rating(n, now, a),
                       "Ask the window's review pad to show the rating screen (评价)"),
    "resume": ("resume", Hall.resume, "Resume a paused window"),
    "close": ("close_window", Hall.close_window, "Close the window"),
}


def _simple_action(action: str, name: str, command: WindowCommand, summary: str) -> None:
    async def handler(request: web.Request) -> web.Response:
        return await _window_command(request, command)
    handler.__name__ = name
    _window_route(action, summary)(handler)


for _action, (_name, _command, _summary) in SIMPLE_ACTIONS.items():
    _simple_action(_action, _name, _command, _summary)


CALL_BODY = obj({"number": string(12, pattern=r"[A-Za-z]{1,2}\d{1,4}|\d{8}-[A-Z]{1,2}\d{3,4}")}, ("number",))


@_window_route("call", "Call a specific ticket by number (waiting or held)", CALL_BODY)
async def call_number(request: web.Request) -> web.Response:
    data = await body_of(request)
    return await _window_command(request, lambda h, n, now, a: h.call_number(n, data["number"], now, a))


TRANSFER_BODY = obj({"category": string(8), "window": integer(1, 99)})


@_window_route("transfer", "Transfer the current ticket to a category or a window (转移)", TRANSFER_BODY)
async def transfer(request: web.Request) -> web.Response:
    data = await body_of(request)
    return await _window_command(request, lambda h, n, now, a: h.transfer(
        n, now, to_category=data.get("category"), to_window=data.get("window"), actor=a))


PAUSE_BODY = obj({"reason": string(100, minLength=1)}, ("reason",))


@_window_route("pause", "Pause the window with a reason (暂停)", PAUSE_BODY)
async def pause(request: web.Request) -> web.Response:
    data = await body_of(request)
    return await _window_command(request, lambda h, n, now, a: h.pause(n, data["reason"], now, a))


OPEN_BODY = obj({"take_over": {"type": "boolean"}})


@_window_route("open", "Open the window (a signed-in clerk becomes its clerk); take_over: true to take over a "
               "window a colleague is signed in at", OPEN_BODY)
async def open_window(request: web.Request) -> web.Response:
    data = await body_of(request)
    number = _window_number(request)
    p = _principal(request)
    clerk = p.name if p.kind == "user" else None
    event = _svc(request).run(lambda h, now: h.open_window(number, now, clerk, str(_actor(request)),
                                                           take_over=bool(data.get("take_over"))))
    hall = _svc(request).hall
    window = next(w for w in windows_public(hall) if w["number"] == number)
    return _json({"event": _staff_event(event), "window": window, "ticket": None})


# ---------------------------------------------------------------- managers


@api("GET", "/api/v1/stats/live", summary="Live waiting statistics for managers", roles=MANAGERS, tag="statistics")
async def stats_live(request: web.Request) -> web.Response:
    svc = _svc(request)
    forwarding = bool(svc.config.ratings.province.endpoint)
    figures = live(svc.hall, svc.clock())
    # People are shown by their name (王芳), not their sign-in name (wangfang).
    names = {u["username"]: u["display_name"] or u["username"] for u in request.app[keys.ACCOUNTS].users()}
    for item in [*figures["windows"], *figures["ratings"]["bad"]]:
        item["clerk_name"] = names.get(item["clerk"], item["clerk"]) if item["clerk"] else None
    problem = svc.storage_problem
    province = svc.store.followers.state(PROVINCE, PROVINCE_TYPES) if forwarding else None
    return _json({**figures, "province": province,
                  "storage": {"since": problem[0], "problem": problem[1]} if problem else None,
                  "skipped_events": [{"seq": seq, "why": why} for seq, why in svc.skipped]})
