"""REST API, second part: the front desk — devices, alerts, print failures, the notice, ratings and
their follow-up, intake drafts, appointments, a clerk's own figures. Same conventions as api.py."""

from __future__ import annotations

import secrets

from aiohttp import web

from ..errors import Conflict, Forbidden, NotFound
from ..followup import APPEAL_STEPS, FLOW
from ..frontdesk import ALERT_KINDS, PRINTER_STATES
from ..numbering import business_day
from ..state import IssueRequest
from ..stats import clerk_today
from ..store import Store
from . import keys
from .api_issuing import ISSUE_BODY, issue_and_answer
from .common import (
    DEVICES,
    ISSUERS,
    KIOSKS,
    MANAGERS,
    STAFF,
    actor_of,
    body_of,
    own_ticket,
    parse_time,
    principal_of,
    reply,
    service_of,
    ticket_result,
    window_number,
)
from .routing import (
    api,
    date_string,
    integer,
    obj,
    one_of_fields,
    string,
    time_string,
    whole_number,
)

# ---------------------------------------------------------------- devices

@api("GET", "/api/v1/device/person-key-salt", summary="The hall's salt for person keys (kiosks hash ID numbers with it)",
     roles=KIOSKS, tag="devices", response=obj({"salt": string(64)}),
     description="A kiosk computes person_key = HMAC-SHA256(salt, ID number) (hallapi.protocol.person_key) "
                 "so the ID number never reaches the queue. The salt is made once per hall and kept in its database.")
async def person_key_salt(request: web.Request) -> web.Response:
    salt = service_of(request).store.secret("person_key_salt", lambda: secrets.token_hex(32))
    return reply({"salt": salt})


@api("POST", "/api/v1/tickets/{ticket:[0-9A-Za-z-]*[0-9]}/print-failed", summary="The kiosk could not print this ticket's slip",
     roles=KIOSKS, tag="tickets", body=obj({"reason": string(200)}, ("reason",)),
     description="The ticket stays valid (the kiosk shows it on screen with its QR code); the failure is "
                 "recorded so the ticket is neither lost nor a phantom.")
async def print_failed(request: web.Request) -> web.Response:
    data = await body_of(request)
    ticket = own_ticket(request, request.match_info["ticket"])
    event = service_of(request).run(lambda h, now: h.print_failed(ticket, data["reason"], now, str(actor_of(request))))
    return ticket_result(request, event)


DEVICE_STATUS_BODY = obj({"printer": string(16, enum=list(PRINTER_STATES)), "detail": string(200),
                          "version": string(40)}, minProperties=1)


@api("POST", "/api/v1/devices/status", summary="A device reports its health (printer paper, errors)",
     roles=DEVICES, tag="devices", body=DEVICE_STATUS_BODY,
     description="Send on every change and periodically; an unchanged report records nothing. "
                 "Managers see device health on the live page.")
async def device_status(request: web.Request) -> web.Response:
    data = await body_of(request)
    p = principal_of(request)
    event = service_of(request).run(lambda h, now: h.desk.device_status(p.name, p.role, data, now, str(actor_of(request))))
    return reply({"recorded": event is not None, "seq": event.seq if event else None})


ALERT_BODY = obj({"kind": string(16, enum=list(ALERT_KINDS)), "message": string(200)}, ("kind",))


@api("POST", "/api/v1/alerts", summary="Raise a staff alert (the kiosk's 请工作人员帮助 button, a printer problem)",
     roles=DEVICES | STAFF, tag="alerts", body=ALERT_BODY, status=201)
async def raise_alert(request: web.Request) -> web.Response:
    data = await body_of(request)
    p = principal_of(request)
    event = service_of(request).run(lambda h, now: h.desk.alert(data["kind"], data.get("message", ""), p.name, now,
                                                     str(actor_of(request))))
    return reply({"alert": event.data["alert"], "seq": event.seq}, 201)


@api("POST", "/api/v1/alerts/{alert}/ack", summary="A member of staff takes care of an alert", roles=STAFF,
     tag="alerts")
async def acknowledge_alert(request: web.Request) -> web.Response:
    alert = whole_number(request.match_info["alert"], "alert")
    who = principal_of(request).name
    event = service_of(request).run(lambda h, now: h.desk.acknowledge(alert, who, now, str(actor_of(request))))
    return reply({"alert": event.data["alert"], "by": who})


@api("POST", "/api/v1/notice", summary="Set the scrolling notice on the hall display (empty clears it)",
     roles=MANAGERS, tag="display", body=obj({"text": string(300)}, ("text",)))
async def set_notice(request: web.Request) -> web.Response:
    data = await body_of(request)
    event = service_of(request).run(lambda h, now: h.desk.set_notice(data["text"], now, str(actor_of(request))))
    return reply({"notice": event.data["text"], "seq": event.seq})


# ---------------------------------------------------------------- ratings (好差评)

REVIEWERS = frozenset({"review"})
RATE_BODY = obj({"number": string(12), "level": integer(1, 5), "reasons": {"type": "array", "items": string(40)},
                 "text": string(300), "channel": string(12, enum=["pad", "evaluator", "qr"])}, ("number", "level"))


@api("POST", "/api/v1/ratings", summary="The citizen's rating of a finished service (review pad or evaluator only)",
     roles=REVIEWERS, tag="ratings", body=RATE_BODY, status=201,
     description="level 5 非常满意 … 1 非常不满意; levels 1–2 are 差评 and may carry reasons from the hall's list. "
                 "One rating per finished service; a pad bound to a window rates only that window's services. "
                 "Clerks cannot call this route.", other_statuses=(404,))
async def give_rating(request: web.Request) -> web.Response:
    data = await body_of(request)
    p = principal_of(request)
    event = service_of(request).run(lambda h, now: h.ratings.rate(
        data["number"], data["level"], now, device_window=p.window, channel=data.get("channel", "pad"),
        reasons=data.get("reasons"), text=data.get("text", ""), actor=str(actor_of(request))))
    d = event.data
    return reply({"number": d["number"], "window": d["window"], "level": d["level"], "label": d["label"],
                  "bad": d["bad"], "seq": event.seq}, 201)


@api("GET", "/api/v1/windows/{window}/card", summary="The window's staff card for its review pad and console",
     roles=REVIEWERS | STAFF, tag="ratings")
async def staff_card(request: web.Request) -> web.Response:
    number = window_number(request)
    hall = service_of(request).hall
    config, ws = hall.window(number)
    clerk, post, duties, photo_url = None, "", "", None
    if ws.clerk:
        staff = request.app[keys.ACCOUNTS].staff_card(ws.clerk) or {"display_name": ws.clerk, "post": "", "duties": ""}
        clerk = {"username": ws.clerk, "display_name": staff["display_name"]}
        post, duties = staff["post"], staff["duties"]
        photo_url = f"/api/v1/windows/{number}/card/photo" if staff.get("has_photo") else None
    pending = hall.state.ratings.requested.get(number)
    return reply({"window": number, "window_name": config.name, "kind_label": config.kind_label, "clerk": clerk,
                  "post": post, "duties": duties, "photo_url": photo_url,
                  "commitment": hall.config.hall.service_commitment,
                  "status": ws.status, "pause_reason": ws.pause_reason,
                  "supervision_phone": hall.config.hall.supervision_phone,
                  "rating_requested": hall.state.tickets[pending].number if pending else None,
                  "reasons": list(hall.config.ratings.reasons), "pad_timeout_s": hall.config.ratings.pad_timeout_s})


# ---------------------------------------------------------------- intake drafts (身份证受理草稿)

INTAKE_BODY = obj({
    "name": string(40, minLength=1), "sex": string(4), "ethnicity": string(20),
    "birth_date": date_string(), "address": string(120),
    "id_number": string(18, pattern=r"\d{17}[\dX]", **{"x-pattern-message": "must be an 18-character ID number"}),
    "authority": string(60), "valid_from": string(10), "valid_to": string(10)}, ("name", "id_number"))


@api("POST", "/api/v1/tickets/{ticket:[0-9A-Za-z-]*[0-9]}/intake", summary="Attach the ID card's identity to a ticket for the serving clerk",
     roles=KIOSKS, tag="tickets", body=INTAKE_BODY,
     description="Kept out of the event log and off every public view; only the clerk signed in at the window "
                 "serving the ticket (or a manager) can read it, and it is deleted when the business day closes.")
async def put_intake(request: web.Request) -> web.Response:
    data = await body_of(request)
    svc = service_of(request)
    ticket = svc.hall.state.tickets[own_ticket(request, request.match_info["ticket"])]
    if not ticket.active:
        raise Conflict("not_active", f"ticket {ticket.number} is finished")
    if svc.store.intake(ticket.id) is not None:
        raise Conflict("intake_exists", f"ticket {ticket.number} has its ID-card draft already")
    svc.store.put_intake(ticket.id, svc.hall.state.day.isoformat(), data, svc.clock())
    return reply({"ticket": ticket.id, "stored": True})


@api("GET", "/api/v1/windows/{window}/intake", summary="The intake draft of the ticket now at this window "
     "(the clerk signed in there, or a manager)", roles=STAFF, tag="windows")
async def get_intake(request: web.Request) -> web.Response:
    p = principal_of(request)
    number = window_number(request)
    svc = service_of(request)
    _, ws = svc.hall.window(number)
    if p.kind != "user" or not (ws.clerk == p.name or p.has(MANAGERS)):
        raise Forbidden("not_your_window", f"only the clerk signed in at window {number} may see its intake draft")
    if ws.current is None:
        raise NotFound("no_current_ticket", f"window {number} has no ticket at the moment")
    draft = svc.store.intake(ws.current)
    if draft is None:
        raise NotFound("no_intake", "the citizen did not use an ID card for this ticket")
    return reply({"ticket": svc.hall.state.tickets[ws.current].number, "intake": draft})


# ---------------------------------------------------------------- bad-review follow-up (差评整改)


@api("GET", "/api/v1/follow-ups", summary="Bad-review follow-up items, open ones first (?all=1 includes closed)",
     roles=MANAGERS, tag="ratings")
async def list_follow_ups(request: web.Request) -> web.Response:
    svc = service_of(request)
    today = svc.hall.state.day
    every = request.query.get("all") == "1"  # else the open ones: the packed closed ones stay unread
    items = [svc.follow_ups.view(fu, today) for fu in (svc.follow_ups.items.values() if every else svc.follow_ups.items.live())
             if every or fu.state != "closed"]
    items.sort(key=lambda v: (v["state"] == "closed", v["deadline"], v["opened_at"]))
    return reply({"follow_ups": items})


STEP_BODY = obj({"step": string(24, enum=[*FLOW[1:], *APPEAL_STEPS]), "note": string(500)}, ("step",))


@api("POST", "/api/v1/follow-ups/{item}/step", summary="Advance a follow-up: verified → called_back → rectified → "
     "feedback → closed; appealed (clerks too) → appeal_upheld / appeal_overturned", roles=STAFF, tag="ratings",
     body=STEP_BODY)
async def follow_up_step(request: web.Request) -> web.Response:
    data = await body_of(request)
    p = principal_of(request)
    if data["step"] != "appealed" and not p.has(MANAGERS):
        raise Forbidden("managers_only", "only a manager works a follow-up; a clerk may appeal")
    item = request.match_info["item"]
    svc = service_of(request)
    if not p.has(MANAGERS) and svc.follow_ups.get(item).clerk != p.name:
        raise Forbidden("not_your_review", "a clerk may appeal only a bad review counted against themselves")
    svc.follow_up(item, data["step"], data.get("note", ""), p.name, actor_of(request))
    return reply(svc.follow_ups.view(svc.follow_ups.get(item), svc.hall.state.day))


@api("GET", "/api/v1/windows/{window}/card/photo", summary="The photo of the clerk signed in at the window",
     roles=REVIEWERS | STAFF, tag="ratings", response={"type": "string", "format": "binary"})
async def staff_photo(request: web.Request) -> web.Response:
    number = window_number(request)
    _, ws = service_of(request).hall.window(number)
    found = request.app[keys.ACCOUNTS].photo(ws.clerk) if ws.clerk else None
    if found is None:
        raise NotFound("no_photo", f"no photo for the clerk at window {number}")
    return web.Response(body=found[0], content_type=found[1], headers={"Cache-Control": "no-store"})


# ---------------------------------------------------------------- appointments

BOOK_BODY = obj({"code": string(16, pattern=r"[A-Za-z0-9]{4,16}"), "category": string(8), "matter": string(32),
                 "slot_start": time_string(), "slot_end": time_string(),
                 "person_key": ISSUE_BODY["properties"]["person_key"]},
                ("slot_start", "slot_end"))


def new_code(store: Store, day: str) -> str:
    """A six-digit appointment code no booking of `day` has (scanned at the kiosk to check in)."""
    code = "".join(secrets.choice("0123456789") for _ in range(6))
    while store.booked(day, code):
        code = "".join(secrets.choice("0123456789") for _ in range(6))
    return code


@api("POST", "/api/v1/appointments", summary="Book an appointment (预约) for a slot; a code is made if none is given",
     roles=STAFF, tag="appointments", body=BOOK_BODY, status=201)
async def book_appointment(request: web.Request) -> web.Response:
    data = await body_of(request)
    start = parse_time(data["slot_start"], "slot_start")
    end = parse_time(data["slot_end"], "slot_end")
    svc = service_of(request)
    day = business_day(start).isoformat()
    code = data.get("code") or new_code(svc.store, day)
    if svc.store.booked(day, code):
        return reply({"error": "duplicate_code", "message": f"appointment code {code} exists already"}, 409)
    event = svc.run(lambda h, now: h.desk.book(code, start, end, now, data.get("category"), data.get("matter"),
                                          data.get("person_key"), str(actor_of(request))))
    return reply({"code": code, "day": event.day, "category": event.data["category"],
                  "matter": event.data["matter"], "slot_start": start, "slot_end": end}, 201)


@api("GET", "/api/v1/appointments", summary="Today's appointments and whether they checked in (staff)",
     roles=STAFF, tag="appointments")
async def list_appointments(request: web.Request) -> web.Response:
    hall = service_of(request).hall
    items = [{"code": b.code, "slot_start": b.slot_start, "slot_end": b.slot_end, "category": b.category,
              "matter": b.matter, "ticket": hall.state.tickets[b.ticket].number if b.ticket else None,
              "cancelled": b.cancelled}
             for b in sorted(hall.state.desk.bookings.values(), key=lambda b: b.slot_start)]
    return reply({"appointments": items})


CHECK_IN_BODY = obj({"code": string(16, minLength=1), "person_key": ISSUE_BODY["properties"]["person_key"]},
                    oneOf=one_of_fields("code", "person_key"))


@api("POST", "/api/v1/appointments/check-in", summary="Check in today's appointment by its code or the person's key; "
     "issues its ticket", roles=ISSUERS, tag="appointments", body=CHECK_IN_BODY, status=201, other_statuses=(404,))
async def check_in(request: web.Request) -> web.Response:
    data = await body_of(request)  # exactly one of code or person_key: the schema says so
    svc = service_of(request)
    booking = svc.hall.desk.booking(code=data.get("code"), person_key=data.get("person_key"))
    principal = principal_of(request)
    req = IssueRequest(category=booking.category, matter=booking.matter, person_key=booking.person_key,
                       appointment={"code": booking.code, "slot_start": booking.slot_start, "slot_end": booking.slot_end},
                       channel=principal.role if principal.kind == "device" else "counter")
    return await issue_and_answer(request, req)


@api("GET", "/api/v1/me/today", summary="A signed-in clerk's own figures today (served, mean service time, ratings)",
     roles=STAFF, tag="statistics")
async def my_day(request: web.Request) -> web.Response:
    p = principal_of(request)
    if p.kind != "user":
        raise Forbidden("people_only", "sign in as a person")
    return reply(clerk_today(service_of(request).hall, p.name))
