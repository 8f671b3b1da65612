"""The case service's routes (办件, docs/cases.md): opening a case at the window (from the ticket being
served, its ID-card draft carried over) or without a ticket, its steps, the supervision board, and
the citizen's case page by the unguessable token printed on the notices."""

from __future__ import annotations

import secrets
from typing import Any

from aiohttp import web

from hallapi.protocol import person_key

from ..auth import Principal
from ..cases import CHANNELS, DELIVERIES, OUTCOMES, Case, OpenRequest
from ..casework import CASE_TYPES, FINISHED, REAL_TYPES, TRANSITIONS
from ..errors import Conflict, Forbidden, Invalid
from ..numbering import business_day
from ..service import HallService
from ..state import IssueRequest
from .api_issuing import ISSUE_BODY, issue_and_answer
from .common import KIOSKS, MANAGERS, STAFF, actor_of, body_of, principal_of, reply, service_of
from .common import case_for as _case_for
from .common import may_handle_case as _may_handle
from .routing import api, integer, nullable, obj, one_of_fields, string

ID_NUMBER = string(18, pattern=r"\d{17}[\dX]", **{"x-pattern-message": "must be an 18-character ID number"})
CREDIT_CODE = string(18, pattern=r"[0-9A-HJ-NPQRTUWXY]{2}\d{6}[0-9A-HJ-NPQRTUWXY]{10}",
                     **{"x-pattern-message": "must be an 18-character 统一社会信用代码"})
APPLICANT = obj({"kind": string(8, enum=["person", "company"]), "name": string(60, minLength=1),
                 "id_number": ID_NUMBER, "credit_code": CREDIT_CODE, "phone": string(20), "address": string(120)},
                ("kind", "name"))
OPEN_BODY = obj({
    "matter": string(32, minLength=1),
    "case_type": string(12, enum=[t for t in CASE_TYPES if t != "returned"]),
    "channel": string(12, enum=list(CHANNELS)),
    "window": integer(1, 99),
    "ticket": string(20, minLength=1),
    "applicant": APPLICANT,
    "agent": obj({"name": string(40, minLength=1), "id_number": ID_NUMBER}, ("name",)),
    "materials": {"type": "array", "maxItems": 50, "items": obj(
        {"name": string(80, minLength=1), "form": string(8, enum=["original", "copy", "electronic"]),
         "count": integer(1, 99)}, ("name",))},
    "delivery": string(12, enum=list(DELIVERIES)),
    "ems_address": string(160),
    "departments": {"type": "array", "maxItems": 10, "items": string(40, minLength=1)},
    "lead_window": integer(1, 99),
    "region": string(60, minLength=1),
}, ("matter",))
STEP_BODY = obj({
    "note": string(500), "outcome": string(16, enum=list(OUTCOMES)),
    "missing": {"type": "array", "maxItems": 50, "items": string(80, minLength=1)},
    "case_type": string(12, enum=list(REAL_TYPES)), "delivery": string(12, enum=list(DELIVERIES)),
    "waybill": string(30),
})
ACTIONS = "|".join(TRANSITIONS)
BODIES = frozenset({"body"})
BODY_ACTIONS = ("step", "pause", "resume", "decide")  # what a higher body may record on a case
CASE_PATH = "/api/v1/cases/{case:[0-9]+}"


def _matter_name(svc: HallService, code: str) -> str:
    matter = svc.config.matter(code)
    return matter.name if matter else code


def _staff_view(svc: HallService, case: Case, principal: Principal) -> dict[str, Any]:
    """The case for staff. The applicant's identity in full only for the clerk it is assigned to
    and managers — and each such reading is recorded."""
    view = svc.cases.view(case, business_day(svc.clock()), _matter_name(svc, case.matter))
    if principal.kind == "user" and (principal.has(MANAGERS) or case.clerk == principal.name):
        view["applicant"] = svc.store.applicant(case.number, f"{principal.role}:{principal.name}", svc.clock())
    return view


@api("POST", "/api/v1/cases", summary="Open a case (办件): from the ticket being served, or received by mail, "
     "from a village 代办 point or a 帮办 desk", roles=STAFF, tag="cases", body=OPEN_BODY, status=201,
     other_statuses=(404,),
     description="The case number (region code + date + sequence) is allocated in the transaction that records "
                 "the case. With `ticket` and no `applicant`, the ID-card draft of that ticket is carried over. "
                 "The full ID number is kept beside the event log, shown only to the assigned clerk and "
                 "managers, and every reading is recorded.")
async def open_case(request: web.Request) -> web.Response:
    data = await body_of(request)
    svc, principal = service_of(request), principal_of(request)
    channel = data.get("channel", "window")
    window = data.get("window")
    ticket_id = None
    applicant = data.get("applicant")
    if "ticket" in data:
        ticket = svc.hall.ticket(data["ticket"])
        window = window or ticket.window
        _, ws = svc.hall.window(ticket.window) if ticket.window else (None, None)
        if ws is None or ws.current != ticket.id or ticket.status != "serving":
            raise Conflict("ticket_not_served", f"ticket {ticket.number} is not being served at a window")
        if not (ws.clerk == principal.name or principal.has(MANAGERS)):
            raise Forbidden("not_your_window", f"ticket {ticket.number} is served at window {ticket.window}, not yours")
        ticket_id = ticket.id
        if applicant is None:
            draft = svc.store.intake(ticket.id)
            if draft is None:
                raise Invalid("applicant_required", f"ticket {ticket.number} has no ID-card draft: give the applicant")
            applicant = {"kind": "person", "name": draft["name"], "id_number": draft["id_number"],
                         **({"address": draft["address"]} if draft.get("address") else {})}
    if applicant is None:
        raise Invalid("applicant_required", "give the applicant (or the ticket whose ID card was read)")
    if channel == "window" and window is None:
        mine = [n for n, w in svc.hall.state.windows.items() if w.clerk == principal.name and w.status != "closed"]
        window = mine[0] if mine else None
    if data.get("delivery") == "ems" and not data.get("ems_address", "").strip():
        raise Invalid("ems_address_required", "an EMS delivery needs the address the result is mailed to")
    key = None
    if applicant.get("id_number"):
        key = person_key(applicant["id_number"], svc.store.secret("person_key_salt", lambda: secrets.token_hex(32)))
    identity = {k: v for k, v in applicant.items() if k != "kind"}
    if data.get("agent"):
        identity["agent"] = data["agent"]
    if data.get("ems_address"):
        identity["ems_address"] = data["ems_address"].strip()
    req = OpenRequest(data["matter"], applicant["kind"], applicant["name"], key, channel, window, ticket_id,
                      tuple(data.get("materials", ())), data.get("delivery", "window"), data.get("case_type"),
                      data["agent"]["name"] if data.get("agent") else None, tuple(data.get("departments", ())),
                      data.get("lead_window"), data.get("region"))
    case = svc.open_case(req, identity, actor_of(request))
    return reply(_staff_view(svc, case, principal), 201)


@api("GET", "/api/v1/cases", summary="Cases: a clerk's own and their window's; managers all "
     "(?status=…&colour=green|yellow|red&open=1)", roles=STAFF, tag="cases")
async def list_cases(request: web.Request) -> web.Response:
    svc, principal = service_of(request), principal_of(request)
    today = business_day(svc.clock())
    status, colour, running = request.query.get("status"), request.query.get("colour"), request.query.get("open")
    out = []
    for case in svc.cases.items.values():
        if not _may_handle(principal, case, svc) or (status and case.status != status):
            continue
        view = svc.cases.view(case, today, _matter_name(svc, case.matter))
        if running == "1" and view["finished"]:
            continue
        if colour and (view["supervision"] or {}).get("colour") != colour:
            continue
        out.append(view)
    out.sort(key=lambda v: v["number"], reverse=True)
    return reply({"cases": out})


@api("GET", "/api/v1/cases/supervision", summary="电子监察: running cases by colour and the overdue list (managers)",
     roles=MANAGERS, tag="cases")
async def supervision_board(request: web.Request) -> web.Response:
    svc = service_of(request)
    return reply(svc.cases.board(business_day(svc.clock())))


@api("GET", CASE_PATH, summary="One case (staff who handle it; the full identity for the assigned clerk and "
     "managers, recorded; a higher body its 上报件 and 联办件)", roles=STAFF | BODIES, tag="cases")
async def get_case(request: web.Request) -> web.Response:
    svc, case = _case_for(request)
    return reply(_staff_view(svc, case, principal_of(request)))


@api("POST", CASE_PATH + "/{action:" + ACTIONS + "}", summary="A step of a case: accept, accept_incomplete, "
     "return, materials_complete, step, pause, resume, decide, result_ready, hand_over, archive, withdraw",
     roles=STAFF | BODIES, tag="cases", body=STEP_BODY,
     description="Every step is an event; a step the case cannot take now is refused (409) with the reason. "
                 "`return`, `withdraw`, `pause` and `step` need a `note`; `accept_incomplete` the `missing` "
                 "materials; `materials_complete` the `case_type` it continues as; `decide` an `outcome` (and a "
                 "`note` when not approved); `hand_over` by EMS a `waybill`. A higher body or department (a `body` "
                 "device) records `step`, `pause`, `resume` and `decide` on the 上报件 and 联办件 sent to it, "
                 "under its own name.")
async def case_step(request: web.Request) -> web.Response:
    data = await body_of(request)
    svc, case = _case_for(request)
    action = request.match_info["action"]
    principal = principal_of(request)
    body = principal.name if principal.kind == "device" else None
    if body is not None and action not in BODY_ACTIONS:
        raise Forbidden("not_for_a_body", f"a higher body records {', '.join(BODY_ACTIONS)}; the window does the rest")
    svc.case_step(case.number, action, actor_of(request), note=data.get("note", ""),
                  outcome=data.get("outcome"), missing=data.get("missing"), case_type=data.get("case_type"),
                  delivery=data.get("delivery"), waybill=data.get("waybill"),
                  ticket=_pickup_served(svc, principal, case.number) if action == "hand_over" else None, body=body)
    return reply(_staff_view(svc, svc.cases.get(case.number), principal_of(request)))


def _pickup_served(svc: HallService, principal: Principal, number: str) -> str | None:
    """The pick-up ticket for this case being served at the clerk's window, if any: the result is
    handed to its holder, whose rating of that service is the case's second (评价次数 2)."""
    for ws in svc.hall.state.windows.values():
        ticket = svc.hall.state.tickets.get(ws.current) if ws.current else None
        if ws.clerk == principal.name and ticket is not None and number in ticket.cases:
            return ticket.id
    return None


# ---------------------------------------------------------------- the kiosk's 领取办理结果

WHOSE = obj({"person_key": ISSUE_BODY["properties"]["person_key"], "token": string(64, minLength=8)},
            oneOf=one_of_fields("person_key", "token"))


def _persons_cases(svc: HallService, data: dict[str, Any]) -> tuple[list[Case], str | None]:
    """The cases of the person who swiped their ID card (person key) or scanned a notice (its
    token: that case, and the others of the same person)."""
    if "token" in data:
        found = svc.cases.by_public_token(data["token"])
        key = found.person_key
        cases = [found] + ([c for c in svc.cases.of_person(key) if c.number != found.number] if key else [])
        return cases, key
    key = data["person_key"]
    return svc.cases.of_person(key), key


def _kiosk_line(svc: HallService, case: Case) -> dict[str, Any]:
    view = svc.cases.public_view(case, _matter_name(svc, case.matter))
    matter = svc.config.matter(case.matter)
    return {**{k: view[k] for k in ("number", "matter_name", "status", "status_label", "status_en", "next_step",
                                    "next_step_en", "due", "due_provisional", "applicant_name")},
            "matter_name_en": matter.name_en if matter else ""}  # the kiosk speaks English too


@api("POST", "/api/v1/cases/lookup", summary="The kiosk's 领取办理结果: a person's cases, ready and still pending",
     roles=KIOSKS, tag="cases", body=WHOSE, other_statuses=(404,),
     description="By the person key of the ID card swiped at the kiosk, or the token of a notice's QR code. "
                 "Masked names and matter names only; finished cases are left out.")
async def lookup_cases(request: web.Request) -> web.Response:
    data = await body_of(request)
    svc = service_of(request)
    cases, _ = _persons_cases(svc, data)
    ready = [_kiosk_line(svc, c) for c in cases if c.status == "result_ready"]
    pending = [_kiosk_line(svc, c) for c in cases if c.status not in FINISHED and c.status != "result_ready"]
    return reply({"ready": ready, "pending": pending})


@api("POST", "/api/v1/cases/pickup", summary="The kiosk issues a 领取办理结果 ticket with the person's ready cases attached",
     roles=KIOSKS, tag="cases", body=WHOSE, other_statuses=(404,), status=201,
     description="Answers as POST /api/v1/tickets (an `Idempotency-Key` header is honoured). 409 `nothing_ready` "
                 "when none of the person's cases is ready to collect.")
async def pickup_ticket(request: web.Request) -> web.Response:
    data = await body_of(request)
    svc = service_of(request)
    cases, key = _persons_cases(svc, data)
    ready = tuple(c.number for c in cases if c.status == "result_ready")
    if not ready:
        raise Conflict("nothing_ready", "none of this person's results is ready to collect yet")
    req = IssueRequest(category=svc.config.cases.pickup_category or None, person_key=key, cases=ready, channel="kiosk")
    return await issue_and_answer(request, req)


@api("GET", "/api/v1/case-status/{token}", summary="A citizen's own case, by the unguessable token on the notice",
     roles=None, tag="public",
     response=obj({"number": string(), "status": string(), "status_label": string(), "next_step": string(),
                   "due": nullable(string()), "due_provisional": {"type": "boolean"}}))
async def case_status(request: web.Request) -> web.Response:
    svc = service_of(request)
    case = svc.cases.by_public_token(request.match_info["token"])
    return reply({**svc.cases.public_view(case, _matter_name(svc, case.matter)), "hall": svc.config.hall.name,
                  "supervision_phone": svc.config.hall.supervision_phone})
