"""Issuing tickets: the request, its checks (self-evident priority only, booked appointments
only), idempotent retries, and giving up on a request whose answer was lost. The kiosk's and the
front desk's issue routes (intake, check-in) all answer through `issue_and_answer`."""

from __future__ import annotations

import dataclasses
import hashlib
import json
import re
from datetime import date
from typing import Any

from aiohttp import web

from ..config import PRIORITY_CLASSES
from ..errors import Forbidden, Invalid
from ..hall import Hall
from ..state import IssueRequest
from ..views import issued_receipt
from . import keys
from .common import ISSUERS, actor_of, body_of, parse_time, principal_of, reply, service_of
from .routing import BodyError, api, date_string, nullable, obj, string, time_string

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


@api("POST", "/api/v1/tickets", summary="Issue a ticket (kiosk or staff)", roles=ISSUERS, tag="tickets",
     body=ISSUE_BODY, status=201,
     description="Give `category` or `matter`. `birth_date` (from the ID card) lets the server grant elderly "
                 "priority; it is not stored. `person_key` enforces one active ticket per person per matter. "
                 "`name` (from the ID card) is masked to its first character (张*) and kept only where the "
                 "hall calls by name (`[calling] show_names`); otherwise it is dropped.")
async def issue_ticket(request: web.Request) -> web.Response:
    data = await body_of(request)
    birth = date.fromisoformat(data["birth_date"]) if "birth_date" in data else None  # checked by the schema
    principal = principal_of(request)
    if principal.kind == "device" and data.get("priority") not in (None, *SELF_EVIDENT_PRIORITY):
        raise Forbidden("staff_verifies_priority", f"{data['priority']} priority is granted by a member of staff "
                        "at the counter, who sees the evidence")
    appointment = None
    if "appointment" in data:
        a = data["appointment"]
        appointment = {"code": a.get("code", ""), "slot_start": parse_time(a["slot_start"], "appointment.slot_start"),
                       "slot_end": parse_time(a["slot_end"], "appointment.slot_end")}
        check_booked(service_of(request).hall, appointment)
    req = IssueRequest(category=data.get("category"), matter=data.get("matter"), priority=data.get("priority"),
                       birth_date=birth, person_key=data.get("person_key"), appointment=appointment,
                       name=data.get("name"), channel=principal.role if principal.kind == "device" else "counter")
    return await issue_and_answer(request, req)


# Priority a device may claim on its own: elderly, which the server checks from the ID card's birth
# date. The other classes (disabled, pregnant, serviceman) need a person to see the evidence.
SELF_EVIDENT_PRIORITY = ("elderly",)


def check_booked(hall: Hall, appointment: dict[str, Any]) -> None:
    """An appointment claimed on an issue request must be one the hall booked, slot and all."""
    booked = hall.state.desk.bookings.get(appointment["code"]) if appointment["code"] else None
    if booked is None or (booked.slot_start, booked.slot_end) != (appointment["slot_start"], appointment["slot_end"]):
        raise Invalid("appointment_not_booked", "no such appointment today; check in with the booking code "
                      "(POST /api/v1/appointments/check-in)")


_KEY = re.compile(r"[A-Za-z0-9_.:-]{8,64}")


async def issue_and_answer(request: web.Request, req: IssueRequest) -> web.Response:
    """Issue, honouring an `Idempotency-Key` header: a device that lost an answer and asks again
    gets the same ticket (200, `Idempotent-Replay: true`), never a second one."""
    key = request.headers.get("Idempotency-Key")
    if key is not None and not _KEY.fullmatch(key):
        raise BodyError("Idempotency-Key", "must be 8–64 letters, digits or . _ : -")
    svc = service_of(request)
    ticket, event = svc.issue(dataclasses.replace(req, request_key=key, request_hash=_fingerprint(req)),
                              actor_of(request))
    receipt = issued_receipt(svc.hall, ticket, request.app[keys.PUBLIC_ADDRESS].base(local_port(request)))
    response = reply(receipt, 201 if event else 200)
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
    event = service_of(request).run(lambda h, now: h.abandon(data["idempotency_key"], now, str(actor_of(request))))
    return reply({"cancelled": event.data["number"], "seq": event.seq})


def local_port(request: web.Request) -> int | None:
    """The port this server answered on (never the caller's Host header, which anyone can set)."""
    sockname = request.transport.get_extra_info("sockname") if request.transport else None
    return sockname[1] if isinstance(sockname, tuple) and len(sockname) >= 2 else None
