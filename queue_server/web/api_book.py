"""Citizens book, look up, change and cancel an appointment from their phone (/book). Public routes:
no sign-in, but every write carries the page's CSRF token and passes the booking rate limits
(book_guard.py). A booking is found again only by its code together with the phone or ID number it
was made with, and a wrong pair is answered exactly like an unknown code. The rules are in
appointments.py; docs/appointments.md says them for a hall manager."""

from __future__ import annotations

import base64
import functools
import io
import math
import secrets
from datetime import date
from typing import Any

from aiohttp import web

from hallapi.protocol import person_key

from ..appointments import (
    BookingFacts,
    Contact,
    DaySlot,
    block_of,
    bookable,
    booking_days,
    contact_of,
    contact_problem,
    day_grid,
    history_from,
    last_booking_day,
    next_free,
    state_of,
)
from ..errors import Conflict, Invalid, NotFound
from ..events import Event
from ..hall import Hall
from ..matters import Matter
from ..numbering import business_day
from ..service import HallService
from ..store.bookings import bookings, code_in_use
from . import keys
from .book_guard import BOOK_GUARD, BookingGuard, TooMany, check_csrf
from .common import body_of, reply, service_of
from .guard import client_address
from .routing import BodyError, Handler, api, integer, nullable, obj, string

ACTOR = "citizen:book"
CODE = string(6, pattern=r"\d{6}", **{"x-pattern-message": "is the 6-digit booking code"})
CONTACT = string(24, minLength=1)
WRITE_REASON = ("citizens book from their own phones without an account; the page's CSRF token, rate limits "
                "per address, per person and per code guess, and the code-plus-contact rule guard it")
STATUSES = (403, 404, 429)

SLOT = obj({"start": {"type": "number"}, "end": {"type": "number"}, "free": integer(0), "capacity": integer(0)})
BOOKING = obj({"code": string(6), "day": string(10), "slot_start": {"type": "number"}, "slot_end": {"type": "number"},
               "matter": nullable(string(32)), "matter_name": string(200), "matter_name_en": string(200),
               "category": string(8), "contact": string(24), "state": string(12), "bring": {"type": "array"},
               "qr": string(20000)})


class Refused(Exception):
    """A booking refused with more to say than a message (the free slots instead, the block's end)."""

    def __init__(self, status: int, code: str, message: str, **extra: Any):
        super().__init__(message)
        self.status, self.code, self.message, self.extra = status, code, message, extra


def guarded(handler: Handler) -> Handler:
    """The booking writes' refusals as their answers: 429 with Retry-After, 409 with alternatives."""
    @functools.wraps(handler)
    async def run(request: web.Request) -> web.StreamResponse:
        try:
            return await handler(request)
        except TooMany as exc:
            return reply({"error": exc.code, "message": exc.message, "retry_after": exc.retry_after}, 429,
                         headers={"Retry-After": str(exc.retry_after)})
        except Refused as exc:
            return reply({"error": exc.code, "message": exc.message, **exc.extra}, exc.status)
    return run


def _guard(request: web.Request) -> BookingGuard:
    return request.app[BOOK_GUARD]


def _address(request: web.Request) -> str:
    return client_address(request, request.app[keys.TRUSTED_PROXIES])


def csrf_secret(svc: HallService) -> str:
    return svc.store.secret("book_csrf_key", lambda: secrets.token_hex(32))


async def _write(request: web.Request) -> tuple[dict[str, Any], HallService]:
    """The checks every booking write passes first: the CSRF token, the address's rate, the body."""
    svc = service_of(request)
    check_csrf(request, csrf_secret(svc))
    _guard(request).action(_address(request), svc.clock())
    return await body_of(request), svc


def _contact(text: str) -> Contact:
    found = contact_of(text)
    if found is None:
        raise BodyError("contact", contact_problem(text))
    return found


def _key(svc: HallService, contact: Contact) -> str:
    return person_key(contact.key_text, svc.store.secret("person_key_salt", lambda: secrets.token_hex(32)))


def qr_data_url(text: str) -> str:
    """The code as a QR image (SVG) the kiosk's scanner reads to check in."""
    import qrcode
    import qrcode.image.svg

    out = io.BytesIO()
    qrcode.make(text, image_factory=qrcode.image.svg.SvgPathImage, box_size=10, border=2).save(out)
    return "data:image/svg+xml;base64," + base64.b64encode(out.getvalue()).decode()


def booking_view(svc: HallService, b: BookingFacts, now: float) -> dict[str, Any]:
    """A booking as its holder sees it: the contact masked, what to bring from the matter's guide."""
    matter = svc.config.matter(b.matter) if b.matter else None
    return {"code": b.code, "day": b.day.isoformat(), "slot_start": b.slot_start, "slot_end": b.slot_end,
            "matter": b.matter, "matter_name": matter.name if matter else b.category,
            "matter_name_en": (matter.name_en or matter.name) if matter else b.category, "category": b.category,
            "contact": b.contact or "", "state": state_of(b, now, svc.config.appointments.late_min),
            "bring": [{"name": m.name, "form": m.form, "count": m.count, "required": m.required, "notes": m.notes}
                      for m in (matter.materials if matter else ())],
            "qr": qr_data_url(b.code)}


def _slot_json(s: DaySlot) -> dict[str, Any]:
    return {"start": s.start, "end": s.end, "free": s.free, "capacity": s.capacity}


# ---------------------------------------------------------------- what may be booked


@api("GET", "/api/v1/book/options", summary="What citizens may book: the hall and the matters that take appointments",
     roles=None, tag="booking",
     description="Public. The matters of the catalog with `appointment: true` whose category takes appointments "
                 "(`appointments_per_slot` > 0), with what to bring from their guides; the hall's name, address and "
                 "supervision phone for the confirmation page; how many days ahead may be booked.")
async def book_options(request: web.Request) -> web.Response:
    svc = service_of(request)
    config = svc.config
    matters = []
    for m in config.matters:
        if not bookable(config, m):
            continue
        cat = config.category(m.category)
        assert cat is not None
        matters.append({"code": m.code, "name": m.name, "name_en": m.name_en or m.name, "category": m.category,
                        "category_name": cat.name, "category_name_en": cat.name_en or cat.name,
                        "subject": m.subject, "fee": m.fee,
                        "bring": [{"name": x.name, "form": x.form, "count": x.count, "required": x.required,
                                   "notes": x.notes} for x in m.materials]})
    hall = config.hall
    return reply({"hall": {"name": hall.name, "name_en": hall.name_en or hall.name, "address": hall.address,
                           "supervision_phone": hall.supervision_phone},
                  "today": svc.hall.state.day.isoformat(), "book_ahead_days": config.appointments.book_ahead_days,
                  "early_min": config.appointments.early_min, "late_min": config.appointments.late_min,
                  "matters": matters})


def _matter(svc: HallService, code: str, field: str = "matter") -> Matter:
    found = svc.config.matter(code)
    if found is None or not bookable(svc.config, found):
        raise BodyError(field, f"{code[:32]!r} is not a matter that takes appointments; see GET /api/v1/book/options")
    return found


def _grids(svc: HallService, category: str, now: float) -> list[tuple[date, bool, list[DaySlot]]]:
    """Every bookable day of `category` with its slots and what is left in each, from the log."""
    today = svc.hall.state.day
    taken: dict[date, list[float]] = {}
    for b in bookings(svc.store.conn, today, last_booking_day(svc.config, today), category=category):
        if not b.cancelled_by:
            taken.setdefault(b.day, []).append(b.slot_start)
    return [(day, provisional, day_grid(svc.config, category, day, taken.get(day, []), now))
            for day, provisional in booking_days(svc.config, category, today)]


@api("GET", "/api/v1/book/slots", summary="The days and slots a matter can be booked in, with the places left",
     roles=None, tag="booking", other_statuses=(400,),
     description="Public. `?matter=CODE`. Every day from today to `book_ahead_days` ahead on which the matter's "
                 "category is served (holidays and closures have none), each with its slots that have not begun "
                 "and `free` places in each (capacity per category and slot). `provisional`: the year's holidays "
                 "are not published yet (预计). No booking or person is shown, only counts.")
async def book_slots(request: web.Request) -> web.Response:
    svc = service_of(request)
    matter = _matter(svc, request.query.get("matter", ""))
    days = [{"day": d.isoformat(), "provisional": p, "free": sum(s.free for s in grid), "slots": [_slot_json(s) for s in grid]}
            for d, p, grid in _grids(svc, matter.category, svc.clock())]
    return reply({"matter": matter.code, "category": matter.category, "days": days})


# ---------------------------------------------------------------- booking


BOOK_BODY = obj({"matter": string(32, minLength=1), "slot_start": {"type": "number"}, "contact": CONTACT},
                ("matter", "slot_start", "contact"))


@api("POST", "/api/v1/book", summary="A citizen books a slot with their phone or ID number; answers the booking code",
     roles=None, tag="booking", body=BOOK_BODY, response=BOOKING, status=201, other_statuses=STATUSES,
     public_write_reason=WRITE_REASON,
     description="Public, with the page's token in `X-Book-Token` (403 `csrf` without). `contact`: an 11-digit "
                 "mainland mobile number or an 18-character ID number with its check character (400 naming "
                 "`contact`); it is kept only as the salted person key and masked (138****8000). Decided and "
                 "written in one step, so two phones never overfill a slot. Refusals: 409 `slot_full` with "
                 "`alternatives` (the next free slots), 409 `already_booked` (one booking per person, category and "
                 "day), 409 `booking_blocked` with `until` (too many missed appointments), 422 `not_a_free_slot`, "
                 "429 `too_many_requests` / `too_many_bookings` with `retry_after`. The answer's six-digit `code` "
                 "and its QR (`qr`) check the person in at the kiosk.")
@guarded
async def book(request: web.Request) -> web.Response:
    data, svc = await _write(request)
    matter = _matter(svc, data["matter"])
    contact = _contact(data["contact"])
    key = _key(svc, contact)
    _guard(request).person(key, svc.clock())
    event = svc.run(lambda h, now: _book_event(svc, h, now, matter, float(data["slot_start"]), key, contact))
    found = bookings(svc.store.conn, date.fromisoformat(event.day), date.fromisoformat(event.day),
                     code=event.data["code"])
    return reply(booking_view(svc, found[0], svc.clock()), 201)


def _book_event(svc: HallService, h: Hall, now: float, matter: Matter, start: float, key: str, contact: Contact,
                replacing: BookingFacts | None = None) -> Event:
    """The booking's event if the slot may be booked now (checked against the log in the same step
    that writes it); otherwise the refusal. `replacing`: the booking a change moves from."""
    config, today = svc.config, h.state.day
    if not math.isfinite(start) or not 0 < start < 4_102_444_800:  # NaN passes JSON's reader and every comparison
        raise BodyError("slot_start", "must be a slot's start from GET /api/v1/book/slots (epoch seconds)")
    day = business_day(start)
    grids = _grids(svc, matter.category, now)
    slot = next((s for d, _, grid in grids if d == day for s in grid if s.start == start), None)
    if slot is None:
        raise Invalid("not_a_free_slot", f"book a slot offered by GET /api/v1/book/slots (from {today} to "
                      f"{last_booking_day(config, today)}, not begun)")
    history = bookings(svc.store.conn, history_from(today, config.appointments), last_booking_day(config, today),
                       person_key=key)
    if replacing is None:
        until = block_of(history, today, config.appointments)
        if until is not None:
            raise Refused(409, "booking_blocked", f"booking is blocked after missed appointments; you may book "
                          f"again from {until}", until=until.isoformat())
    same = [b for b in history if b.day == day and b.category == matter.category and not b.cancelled_by
            and (replacing is None or b.code != replacing.code)]
    if same:
        raise Conflict("already_booked", f"this phone or ID number already has an appointment for this matter's "
                       f"category on {day}")
    if slot.free <= 0:
        others = next_free((grid for _, _, grid in grids), start, 3)
        raise Refused(409, "slot_full", "that slot was just taken; choose one of the next free slots",
                      alternatives=[{"day": business_day(s.start).isoformat(), **_slot_json(s)} for s in others])
    code = _new_code(svc, today)
    return h.desk.book(code, slot.start, slot.end, now, matter.category, matter.code, key, ACTOR, contact.masked, "web")


def _new_code(svc: HallService, today: date) -> str:
    """Six digits no booking from today on has (a code and a contact then find exactly one)."""
    while True:
        code = f"{secrets.randbelow(900_000) + 100_000}"
        if not code_in_use(svc.store.conn, code, today):
            return code


# ---------------------------------------------------------------- finding, cancelling, changing

FIND_BODY = obj({"code": CODE, "contact": CONTACT}, ("code", "contact"))
NOT_FOUND = "no booking with this code and this phone or ID number (from today on)"


async def _holder(request: web.Request) -> tuple[dict[str, Any], HallService, BookingFacts, str]:
    """The booking of this code and contact, or the one answer for an unknown code and a wrong pair
    (and that miss counted towards the code's and the address's lock-out)."""
    data, svc = await _write(request)
    guard, address, now = _guard(request), _address(request), svc.clock()
    guard.may_guess(data["code"], address, now)
    contact = _contact(data["contact"])
    key = _key(svc, contact)
    today = svc.hall.state.day
    mine = [b for b in bookings(svc.store.conn, today, last_booking_day(svc.config, today), code=data["code"])
            if b.person_key == key]
    if not mine:
        guard.missed(data["code"], address, now)
        raise NotFound("booking_not_found", NOT_FOUND)
    return data, svc, min(mine, key=lambda b: (b.cancelled_by is not None, b.slot_start)), key


@api("POST", "/api/v1/book/find", summary="A citizen looks up their booking by its code and their phone or ID number",
     roles=None, tag="booking", body=FIND_BODY, response=BOOKING, other_statuses=STATUSES,
     public_write_reason=WRITE_REASON,
     description="Public, with `X-Book-Token`. A POST so the phone or ID number never appears in an address or a "
                 "log. An unknown code and a code with another person's number get the same 404 "
                 "`booking_not_found`; five wrong pairs for one code (ten from one address) within 15 minutes lock "
                 "further tries for 15 minutes (429 `too_many_guesses`). The contact is shown back masked.")
@guarded
async def find_booking(request: web.Request) -> web.Response:
    _, svc, found, _ = await _holder(request)
    return reply(booking_view(svc, found, svc.clock()))


def _open(svc: HallService, b: BookingFacts, now: float) -> None:
    state = state_of(b, now, svc.config.appointments.late_min)
    if state != "booked" or now >= b.slot_end:
        raise Conflict("booking_closed", f"this booking is {state.replace('_', ' ')} and can no longer be changed")


@api("POST", "/api/v1/book/cancel", summary="A citizen cancels their booking (code and phone or ID number)",
     roles=None, tag="booking", body=FIND_BODY, response=BOOKING, other_statuses=STATUSES,
     public_write_reason=WRITE_REASON,
     description="Public, with `X-Book-Token`; found as by POST /api/v1/book/find. A booking that checked in, "
                 "was cancelled or whose slot has ended: 409 `booking_closed`. The place is free again at once.")
@guarded
async def cancel_booking(request: web.Request) -> web.Response:
    _, svc, found, key = await _holder(request)
    _guard(request).person(key, svc.clock())
    _open(svc, found, svc.clock())
    svc.run(lambda h, now: h.desk.cancel(found.code, found.day.isoformat(), "citizen", now, ACTOR))
    after = bookings(svc.store.conn, found.day, found.day, code=found.code)
    return reply(booking_view(svc, after[0], svc.clock()))


CHANGE_BODY = obj({"code": CODE, "contact": CONTACT, "slot_start": {"type": "number"}}, ("code", "contact", "slot_start"))


@api("POST", "/api/v1/book/change", summary="A citizen moves their booking to another slot; answers the new booking",
     roles=None, tag="booking", body=CHANGE_BODY, response=BOOKING, status=201, other_statuses=STATUSES,
     public_write_reason=WRITE_REASON,
     description="Public, with `X-Book-Token`; found as by POST /api/v1/book/find. The new slot is checked as for a "
                 "booking (409 `slot_full` with `alternatives`) and booked with a NEW code, and the old booking is "
                 "cancelled in the same step (its code no longer checks in).")
@guarded
async def change_booking(request: web.Request) -> web.Response:
    data, svc, found, key = await _holder(request)
    _guard(request).person(key, svc.clock())
    _open(svc, found, svc.clock())
    matter = _matter(svc, found.matter or "", "code")
    contact = _contact(data["contact"])

    def move(h: Hall, now: float) -> list[Event]:
        booked = _book_event(svc, h, now, matter, float(data["slot_start"]), key, contact, replacing=found)
        return [booked, h.desk.cancel(found.code, found.day.isoformat(), "citizen", now, ACTOR, booked.data["code"])]

    new = svc.run_all(move)[0]
    day = date.fromisoformat(new.day)
    return reply(booking_view(svc, bookings(svc.store.conn, day, day, code=new.data["code"])[0], svc.clock()), 201)
