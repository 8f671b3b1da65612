"""REST API under /api/v1. Each handler is thin: parse, ask the service, shape the answer."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import asdict

from aiohttp import web

from ..caps import remaining, walk_ins
from ..case_push import NAME as CASE_PUSH
from ..case_push import TYPES as CASE_PUSH_TYPES
from ..config import PRIORITY_CLASSES
from ..errors import Forbidden, NotFound
from ..events import Event
from ..hall import Hall
from ..province import NAME as PROVINCE
from ..province import TYPES as PROVINCE_TYPES
from ..stats import live
from ..views import (
    snapshot,
    ticket_by_token,
    ticket_public,
    ticket_staff,
    windows_public,
)
from . import keys
from .common import (
    ISSUERS,
    MANAGERS,
    STAFF,
    WINDOW_ACTORS,
    actor_of,
    body_of,
    estimates_of,
    own_ticket,
    principal_of,
    reply,
    service_of,
    staff_event,
    ticket_result,
    window_number,
)
from .routing import (
    api,
    integer,
    nullable,
    obj,
    string,
)

log = logging.getLogger("yimen.api")
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


# ---------------------------------------------------------------- public


@api("GET", "/api/v1/health", summary="Liveness and the latest event number", roles=None, tag="public",
     response=obj({"status": string(), "problems": {"type": "array", "items": string()}, "seq": integer(0),
                   "day": string(), "time": {"type": "number"}}))
async def health(request: web.Request) -> web.Response:
    svc = service_of(request)
    hall = svc.hall
    problems = [*(["storage: " + svc.storage_problem[1]] if svc.storage_problem else []),
                *([f"{len(svc.skipped)} event(s) could not be read and were skipped"] if svc.skipped else [])]
    return reply({"status": "storage_problem" if svc.storage_problem else "degraded" if problems else "ok",
                  "problems": problems, "seq": hall.state.last_seq, "day": hall.state.day.isoformat(),
                  "time": svc.clock()})


@api("GET", "/api/v1/hall", summary="The hall's public configuration: categories, windows, rules", roles=None, tag="public")
async def hall_info(request: web.Request) -> web.Response:
    svc = service_of(request)
    cfg = svc.config
    left = remaining(cfg, svc.hall.state)  # live, so a kiosk's tile says when today's numbers are gone
    return reply({
        "hall": asdict(cfg.hall), "hours": {"days": list(cfg.hours.days), "sessions": [list(s) for s in cfg.hours.sessions],
                  "stop_issuing_min": cfg.hours.stop_issuing_min},
        "categories": [{**asdict(c), "remaining": left[c.code]} for c in cfg.categories],
        "windows": [{**asdict(w), "kind_label": w.kind_label} for w in cfg.windows],
        "priority": {"classes": [{"code": c, "name": PRIORITY_CLASSES[c]} for c in cfg.priority.classes],
                     "elderly_age": cfg.priority.elderly_age, "max_overtake": cfg.priority.max_overtake,
                     "promote_after_min": cfg.priority.promote_after_min},
        "calling": asdict(cfg.calling), "templates": asdict(cfg.templates),
        "cases": {"pickup_category": cfg.cases.pickup_category},  # the kiosk's 领取办理结果 tile
        "appointments": asdict(cfg.appointments),  # the check-in window the appointment slip states
    })


@api("GET", "/api/v1/matters", summary="The matters catalog (service guides)", roles=None, tag="public",
     response={"type": "object", "properties": {"matters": {"type": "array", "items": {"type": "object"}}}})
async def matters(request: web.Request) -> web.Response:
    cfg = service_of(request).config
    category = request.query.get("category")
    items = [asdict(m) for m in cfg.matters if category is None or m.category == category]
    return reply({"matters": items})


@api("GET", "/api/v1/matters/{code}", summary="One matter's service guide", roles=None, tag="public")
async def matter(request: web.Request) -> web.Response:
    found = service_of(request).config.matter(request.match_info["code"])
    if found is None:
        raise NotFound("matter_not_found", f"no matter {request.match_info['code']}")
    return reply(asdict(found))


@api("GET", "/api/v1/queue", summary="Live public snapshot: windows, people waiting per category, recent calls",
     roles=None, tag="public")
async def queue(request: web.Request) -> web.Response:
    return reply(snapshot(service_of(request).hall, estimates_of(request)))


@api("GET", "/api/v1/status/{token}", summary="A citizen's own ticket, by the unguessable token on the slip",
     roles=None, tag="public", response=TICKET_PUBLIC)
async def ticket_status(request: web.Request) -> web.Response:
    hall = service_of(request).hall
    token = request.match_info["token"]
    found = ticket_by_token(hall, token)
    if found is None:
        raise NotFound("ticket_not_found", "no such ticket today (tickets are valid on the day they are taken)")
    return reply(ticket_public(hall, found, estimates_of(request)))


@api("GET", "/api/v1/events", summary="Websocket: snapshot, then every event live (?since=SEQ to catch up)",
     roles=None, tag="public", other_statuses=(400, 429),
     description="Messages are JSON with `kind`: `snapshot` (first), `event` (each with `seq`; `replayed: true` for "
                 "catch-up), `heartbeat` (every 15 s with the latest `seq`), `pong` (answer to a text `ping`).")
async def events(request: web.Request) -> web.StreamResponse:
    return await request.app[keys.HUB].handle(request)


# ---------------------------------------------------------------- tickets

@api("GET", "/api/v1/tickets", summary="Today's tickets (staff); ?status=waiting|called|serving|held|done",
     roles=STAFF, tag="tickets")
async def list_tickets(request: web.Request) -> web.Response:
    hall = service_of(request).hall
    status = request.query.get("status")
    estimates = estimates_of(request)
    items = [ticket_staff(hall, t, estimates) for t in sorted(hall.state.tickets.values(), key=lambda t: t.seq)
             if status is None or t.status == status]
    return reply({"tickets": items})


@api("GET", "/api/v1/tickets/{ticket:[0-9A-Za-z-]*[0-9]}", summary="One ticket by id or today's number (staff)", roles=STAFF, tag="tickets")
async def get_ticket(request: web.Request) -> web.Response:
    hall = service_of(request).hall
    return reply(ticket_staff(hall, hall.ticket(request.match_info["ticket"]), estimates_of(request)))


CANCEL_BODY = obj({"reason": string(200)})


@api("POST", "/api/v1/tickets/{ticket:[0-9A-Za-z-]*[0-9]}/cancel", summary="Cancel a waiting or held ticket", roles=ISSUERS,
     tag="tickets", body=CANCEL_BODY)
async def cancel_ticket(request: web.Request) -> web.Response:
    data = await body_of(request)
    ticket = own_ticket(request, request.match_info["ticket"])
    event = service_of(request).run(lambda h, now: h.cancel(ticket, now, data.get("reason", ""), str(actor_of(request))))
    return ticket_result(request, event)


@api("POST", "/api/v1/tickets/{ticket:[0-9A-Za-z-]*[0-9]}/rejoin", summary="A missed (no-show) ticket rejoins the queue per the hall's rule",
     roles=ISSUERS, tag="tickets")
async def rejoin_ticket(request: web.Request) -> web.Response:
    ticket = own_ticket(request, request.match_info["ticket"])
    event = service_of(request).run(lambda h, now: h.rejoin(ticket, now, str(actor_of(request))))
    return ticket_result(request, event)


# ---------------------------------------------------------------- windows


def _check_clerk_at(request: web.Request, number: int) -> None:
    """A clerk acts on the window they are signed in at (opened); a manager anywhere, as
    themselves. Taking over a colleague's window is its own, recorded step (open with take_over)."""
    p = principal_of(request)
    if p.kind != "user" or p.has(MANAGERS):
        return
    hall = service_of(request).hall
    _, ws = hall.window(number)
    if ws.clerk != p.name:
        mine = [n for n, w in hall.state.windows.items() if w.clerk == p.name and w.status != "closed"]
        where = f"you are signed in at window {mine[0]}" if mine else "you are not signed in at any window"
        raise Forbidden("not_your_window", f"{where}; open window {number} (or take it over) to act on it")


async def _window_command(request: web.Request, command: Callable[[Hall, int, float, str], Event]) -> web.Response:
    number = window_number(request)
    _check_clerk_at(request, number)
    actor = str(actor_of(request))
    svc = service_of(request)
    event = svc.run(lambda h, now: command(h, number, now, actor))
    hall = svc.hall
    ticket_id = event.data.get("ticket")
    ticket = hall.state.tickets.get(ticket_id) if ticket_id else None
    window = next(w for w in windows_public(hall) if w["number"] == number)
    # The estimate replays the whole queue: only a ticket sent back to waiting needs it.
    estimates = estimates_of(request) if ticket and ticket.status == "waiting" else {}
    return reply({"event": staff_event(event), "window": window,
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
    number = window_number(request)
    p = principal_of(request)
    clerk = p.name if p.kind == "user" else None
    event = service_of(request).run(lambda h, now: h.open_window(number, now, clerk, str(actor_of(request)),
                                                           take_over=bool(data.get("take_over"))))
    hall = service_of(request).hall
    window = next(w for w in windows_public(hall) if w["number"] == number)
    return reply({"event": staff_event(event), "window": window, "ticket": None})


# ---------------------------------------------------------------- managers


@api("GET", "/api/v1/stats/live", summary="Live waiting statistics for managers", roles=MANAGERS, tag="statistics")
async def stats_live(request: web.Request) -> web.Response:
    svc = service_of(request)
    forwarding = bool(svc.config.ratings.province.endpoint)
    figures = live(svc.hall, svc.clock())
    # People are shown by their name (王芳), not their sign-in name (wangfang).
    names = {u["username"]: u["display_name"] or u["username"] for u in request.app[keys.ACCOUNTS].users()}
    for item in [*figures["windows"], *figures["ratings"]["bad"]]:
        item["clerk_name"] = names.get(item["clerk"], item["clerk"]) if item["clerk"] else None
    problem = svc.storage_problem
    province = svc.store.followers.state(PROVINCE, PROVINCE_TYPES) if forwarding else None
    cases_link = svc.store.followers.state(CASE_PUSH, CASE_PUSH_TYPES) if svc.config.cases.province.endpoint else None
    caps = [{"code": c.code, "daily_cap": c.daily_cap, "walk_ins": walk_ins(svc.hall.state, c.code),
             "remaining": remaining(svc.config, svc.hall.state)[c.code]} for c in svc.config.categories if c.daily_cap]
    return reply({**figures, "caps": caps, "province": province, "province_cases": cases_link,
                  "storage": {"since": problem[0], "problem": problem[1]} if problem else None,
                  "skipped_events": [{"seq": seq, "why": why} for seq, why in svc.skipped]})
