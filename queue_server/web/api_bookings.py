"""Staff see and manage the bookings of a day (console and /manage): each with its state, the contact
masked; a cancellation on a citizen's behalf is recorded in the audit log with its reason; managers
see the no-shows counted and how many people are blocked from booking (appointments.py)."""

from __future__ import annotations

from collections import Counter
from datetime import date, timedelta
from typing import Any

from aiohttp import web

from ..appointments import BookingFacts, block_of, history_from, last_booking_day, missed, state_of
from ..errors import Conflict, NotFound
from ..service import HallService
from ..store.bookings import bookings
from .common import MANAGERS, STAFF, actor_of, body_of, reply, service_of
from .routing import BodyError, api, integer, obj, string, whole_number

STATES = ("booked", "checked_in", "late", "no_show", "cancelled")
DAY = r"\d\d\d\d-\d\d-\d\d"  # no braces: the router's {name:pattern} cannot nest them


def _day(text: str, field: str = "day") -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise BodyError(field, "must be a real date, YYYY-MM-DD") from None


def staff_view(svc: HallService, b: BookingFacts, now: float) -> dict[str, Any]:
    matter = svc.config.matter(b.matter) if b.matter else None
    return {"code": b.code, "day": b.day.isoformat(), "slot_start": b.slot_start, "slot_end": b.slot_end,
            "category": b.category, "matter": b.matter, "matter_name": matter.name if matter else "",
            "matter_name_en": (matter.name_en or matter.name) if matter else "", "contact": b.contact or "",
            "via": b.via or "desk", "state": state_of(b, now, svc.config.appointments.late_min), "ticket": b.ticket,
            "cancelled_by": b.cancelled_by}


@api("GET", "/api/v1/bookings", summary="A day's appointments with their state, the contact masked (staff)",
     roles=STAFF, tag="appointments", other_statuses=(400,),
     description="`?day=YYYY-MM-DD` (default today; up to 90 days back and `book_ahead_days` ahead) and optionally "
                 "`&category=E`. `state`: booked, checked_in, late (checked in after the slot's end plus `late_min`, "
                 "served as a walk-in), no_show (not checked in by then), cancelled. `via`: web (the citizen's "
                 "phone) or desk (kiosk or staff). `counts` per state.")
async def list_bookings(request: web.Request) -> web.Response:
    svc = service_of(request)
    today = svc.hall.state.day
    day = _day(request.query["day"]) if request.query.get("day") else today
    if not today - timedelta(days=90) <= day <= last_booking_day(svc.config, today):
        raise BodyError("day", f"must be between {today - timedelta(days=90)} and {last_booking_day(svc.config, today)}")
    category = request.query.get("category") or None
    if category is not None and svc.config.category(category) is None:
        raise BodyError("category", f"unknown category {category[:8]!r}")
    now = svc.clock()
    items = [staff_view(svc, b, now) for b in bookings(svc.store.conn, day, day, category=category)]
    counts = Counter(i["state"] for i in items)
    return reply({"day": day.isoformat(), "today": today.isoformat(), "category": category, "items": items,
                  "counts": {s: counts.get(s, 0) for s in STATES}})


CANCEL_BODY = obj({"day": string(10, pattern=DAY), "reason": string(200, minLength=1)}, ("day", "reason"))


@api("POST", "/api/v1/bookings/{code:[0-9A-Za-z]+}/cancel",
     summary="Cancel a booking on a citizen's behalf (recorded in the audit log with the reason)",
     roles=STAFF, tag="appointments", body=CANCEL_BODY, other_statuses=(404,),
     description="For the citizen who phones or comes to the desk; `day` is the booking's day (codes are unique "
                 "only over the days they can be used). Only a booking that is still open (not checked "
                 "in, not cancelled, its slot not over): 409 `booking_closed` otherwise. The audit entry (area "
                 "`appointments`) is written in the same transaction as the cancellation.")
async def staff_cancel(request: web.Request) -> web.Response:
    data = await body_of(request)
    svc = service_of(request)
    day, code = _day(data["day"]), request.match_info["code"]
    found = bookings(svc.store.conn, day, day, code=code)
    if not found:
        raise NotFound("booking_not_found", f"no booking {code} on {day}")
    b, now = found[0], svc.clock()
    state = state_of(b, now, svc.config.appointments.late_min)
    if state != "booked" or now >= b.slot_end:
        raise Conflict("booking_closed", f"booking {code} is {state.replace('_', ' ')} and can no longer be cancelled")
    actor = str(actor_of(request))
    with svc.store.transaction():  # the entry and the cancellation commit together
        svc.store.audit.add(now, actor, "appointments", "cancel", f"{day} {code}",
                            {"state": "booked", "category": b.category, "matter": b.matter, "slot_start": b.slot_start},
                            {"state": "cancelled"}, data["reason"].strip())
        svc.run(lambda h, t: h.desk.cancel(code, day.isoformat(), "staff", t, actor))
    return reply(staff_view(svc, bookings(svc.store.conn, day, day, code=code)[0], svc.clock()))


NO_SHOWS = obj({"first": string(10), "last": string(10), "missed": integer(0), "booked": integer(0),
                "blocked_people": integer(0), "by_day": {"type": "array"}, "by_category": {"type": "object"}})


@api("GET", "/api/v1/bookings/no-shows", summary="Missed appointments counted over the last days, and how many "
     "people are blocked from booking now (managers)", roles=MANAGERS, tag="appointments", response=NO_SHOWS,
     other_statuses=(400,),
     description="`?days=30` (1–365): the closed days before today. A booking is missed when it was neither "
                 "cancelled nor checked in by its slot's end plus `late_min`; it is counted once its day has closed. "
                 "`blocked_people`: people whose misses block them from booking today (`[appointments] "
                 "no_show_limit`, `no_show_days`, `block_days`). No person is named.")
async def no_shows(request: web.Request) -> web.Response:
    svc = service_of(request)
    days = whole_number(request.query.get("days", "30"), "days")
    if not 1 <= days <= 365:
        raise BodyError("days", "must be between 1 and 365")
    today, rules = svc.hall.state.day, svc.config.appointments
    first, last = today - timedelta(days=days), today - timedelta(days=1)
    period = [b for b in bookings(svc.store.conn, first, last) if not b.cancelled_by]
    lost = [b for b in period if missed(b, today, rules.late_min)]
    by_day = Counter(b.day.isoformat() for b in lost)
    people: dict[str, list[BookingFacts]] = {}
    for b in bookings(svc.store.conn, history_from(today, rules), last):
        if b.person_key:
            people.setdefault(b.person_key, []).append(b)
    blocked = sum(1 for history in people.values() if block_of(history, today, rules) is not None)
    return reply({"first": first.isoformat(), "last": last.isoformat(), "missed": len(lost), "booked": len(period),
                  "blocked_people": blocked, "by_day": [{"day": d, "missed": n} for d, n in sorted(by_day.items())],
                  "by_category": dict(Counter(b.category for b in lost))})
