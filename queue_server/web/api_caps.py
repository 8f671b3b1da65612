"""Daily caps (当日号源上限): the next free appointment slot of a category whose numbers are all
issued today, and the kiosk booking it for the citizen. The rules are in caps.py; docs/api.md."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from ..caps import (
    Slot,
    next_free_slot,
    opens_for_appointments,
    per_slot,
    remaining,
    search_days,
    slot_at,
    taken,
)
from ..errors import Conflict, Invalid
from ..events import Event
from ..hall import Hall
from ..numbering import business_day
from ..service import HallService
from .api_desk import new_code
from .api_issuing import ISSUE_BODY
from .common import ISSUERS, KIOSKS, actor_of, body_of, parse_time, reply, service_of
from .routing import BodyError, api, integer, nullable, obj, string, time_string

SLOT = obj({"day": string(10), "slot_start": {"type": "number"}, "slot_end": {"type": "number"},
            "free": integer(1), "provisional": {"type": "boolean"}})
NEXT_FREE = obj({"category": string(8), "today": string(10), "daily_cap": nullable(integer(1)), "remaining": nullable(integer(0)),
                 "slot": nullable(SLOT)})


def slot_json(slot: Slot) -> dict[str, Any]:
    return {"day": slot.day.isoformat(), "slot_start": slot.start, "slot_end": slot.end, "free": slot.free,
            "provisional": slot.provisional}


def find_slot(svc: HallService, category: str) -> Slot | None:
    """The category's next free slot after today, counted from the bookings in the log."""
    first, last = search_days(svc.config, svc.hall.state.day)
    booked = [start for start, _ in svc.store.bookings_of(first.isoformat(), last.isoformat(), category)]
    return next_free_slot(svc.config, category, svc.hall.state.day, booked)


@api("GET", "/api/v1/appointments/next-free", summary="A category's numbers left today and its next free "
     "appointment slot on a later working day", roles=ISSUERS, tag="appointments", response=NEXT_FREE,
     other_statuses=(404,),
     description="`?category=E`. `remaining` is null where the category has no daily cap. `slot` is the first "
                 "slot with room after today within `[appointments] book_ahead_days` (working days only, "
                 "docs/configuration.md), null when there is none or the category takes no appointments.")
async def next_free(request: web.Request) -> web.Response:
    svc = service_of(request)
    category = request.query.get("category", "")
    found = svc.config.category(category)
    if found is None:
        raise BodyError("category", f"unknown category {category[:8]!r}; known: "
                        + ", ".join(c.code for c in svc.config.categories))
    slot = find_slot(svc, category)
    return reply({"category": category, "today": svc.hall.state.day.isoformat(), "daily_cap": found.daily_cap,
                  "remaining": remaining(svc.config, svc.hall.state)[category],
                  "slot": slot_json(slot) if slot else None})


BOOK_FREE_BODY = obj({"category": string(8, pattern=r"[A-Z][A-Z0-9]{0,3}"), "slot_start": time_string(),
                      "matter": string(32), "person_key": ISSUE_BODY["properties"]["person_key"]},
                     ("category", "slot_start"))
BOOKED = obj({"code": string(16), "day": string(10), "category": string(8), "matter": nullable(string(32)),
              "slot_start": {"type": "number"}, "slot_end": {"type": "number"}, "person": {"type": "boolean"}})


@api("POST", "/api/v1/appointments/next-free", summary="The kiosk books a free slot for a citizen turned away "
     "by the day's cap", roles=KIOSKS, tag="appointments", body=BOOK_FREE_BODY, response=BOOKED, status=201,
     description="Only for a category whose daily cap is reached today (409 `cap_not_reached` otherwise: take a "
                 "ticket), and only a slot of the grid on a later working day within `book_ahead_days` that still "
                 "has room — checked in the same step that books it, so two kiosks never overfill a slot (409 "
                 "`slot_full`: ask GET again). With `person_key` (the scanned ID card) the person checks in on the "
                 "day with the card; one booking per person and category (409 `already_booked`). The answer's "
                 "six-digit `code` is printed on the appointment slip, as text and as a QR code the kiosk's "
                 "scanner checks in.")
async def book_next_free(request: web.Request) -> web.Response:
    data = await body_of(request)
    svc = service_of(request)
    start = parse_time(data["slot_start"], "slot_start")
    category, person = data["category"], data.get("person_key")
    actor = str(actor_of(request))

    def book(h: Hall, now: float) -> Event:
        slot = _bookable(svc, h, category, start, person, data.get("matter"))
        code = new_code(svc.store, business_day(start).isoformat())
        return h.desk.book(code, slot[0], slot[1], now, category, data.get("matter"), person, actor)

    event = svc.run(book)  # decided and written in one step: nothing else books in between
    return reply({"code": event.data["code"], "day": event.day, "category": category, "matter": event.data["matter"],
                  "slot_start": event.data["slot_start"], "slot_end": event.data["slot_end"],
                  "person": person is not None}, 201)


def _bookable(svc: HallService, h: Hall, category: str, start: float, person: str | None,
              matter: str | None) -> tuple[float, float]:
    """The grid slot at `start` if the kiosk may book it now; otherwise the refusal."""
    config = svc.config
    found = config.category(category)
    if found is None:
        raise Invalid("unknown_category", f"unknown category {category!r}")
    known = config.matter(matter) if matter else None
    if known is not None and known.category != category:
        raise Invalid("category_mismatch", f"matter {known.code} belongs to category {known.category}, not {category}")
    if found.daily_cap is None or remaining(config, h.state)[category]:
        raise Conflict("cap_not_reached", f"category {category} still has numbers today: take a ticket")
    slot = slot_at(config, start)
    first, last = search_days(config, h.state.day)
    day = business_day(start)
    if slot is None or not first <= day <= last or not opens_for_appointments(config, day)[0]:
        raise Invalid("not_a_free_slot", "book a slot offered by GET /api/v1/appointments/next-free "
                      f"(a slot of the grid on a working day from {first} to {last})")
    bookings = svc.store.bookings_of(first.isoformat(), last.isoformat(), category)
    if person is not None:
        mine = sorted(s for s, key in bookings if key == person)
        if mine:
            raise Conflict("already_booked", f"this person already has an appointment in category {category} "
                           f"on {business_day(mine[0])}")
    if taken(slot, [s for s, _ in bookings]) >= per_slot(config, category):
        raise Conflict("slot_full", "that slot was taken meanwhile; ask for the next free one")
    return slot
