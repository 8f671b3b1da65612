"""Citizens' bookings from a phone (/book): the rules as pure functions (contact numbers, the day's
grid, holidays, the no-show block) and the public API over loopback — booking, a full slot with the
next free ones, racing for the last place, finding, changing and cancelling with the code and the
same number (a wrong pair answered exactly like an unknown code), CSRF, rate limits, the block after
no-shows, staff's list and cancellation with its audit entry, and the kiosk's check-in by the code."""

from __future__ import annotations

import asyncio
from datetime import date

import aiohttp
import pytest

from hallapi.protocol import person_key
from queue_server.appointments import (
    BookingFacts,
    block_of,
    blocked_until,
    booking_days,
    contact_of,
    day_grid,
    mask_id,
)
from queue_server.config import parse_config
from tests.support.booking import MATTER, OTHER_PHONE, PHONE, book_post, id_number, page_headers
from tests.support.caps import capped, capped_text
from tests.support.hall import at, signed_in

# ---------------------------------------------------------------- pure rules


def test_contacts_are_mainland_mobiles_or_ids_with_their_check_character():
    assert contact_of(" 138-0013 8000 ").value == PHONE and contact_of("+8613800138000").masked == "138****8000"
    good = id_number()
    assert good == "11010519491231002X"  # GB 11643's own example
    found = contact_of(good.lower())
    assert found.kind == "id" and found.value == good and found.masked == "110***********002X" == mask_id(good)
    assert found.key_text == good and contact_of(PHONE).key_text == "tel:" + PHONE  # a phone never collides with an ID
    for bad in ("1380013800", "23800138000", "12800138000", "110105194912310021", "11010519491331002X", "", "abc"):
        assert contact_of(bad) is None, bad


def test_the_grid_offers_slots_not_begun_with_places_left(township):
    monday = date(2026, 11, 23)
    grid = day_grid(township, "A", monday, [at("2026-11-23 10:00"), at("2026-11-23 10:10")], at("2026-11-23 09:40"))
    assert grid[0].start == at("2026-11-23 10:00") and grid[0].free == 0  # two bookings fill a slot of two
    assert grid[1].start == at("2026-11-23 10:30") and grid[1].free == 2
    assert len(grid) == 4 + 7  # 10:00–12:00 and the afternoon's seven
    assert day_grid(capped({}, {"A": 0}), "A", monday, [], 0) == []  # the category takes no appointments


def test_weekends_holidays_and_closures_have_no_slots():
    text = capped_text({}).replace("[appointments]\n", '[calendar]\nholidays = ["2026-11-25"]\n\n[appointments]\n')
    config = parse_config(text, "hall.toml")
    days = [d for d, _ in booking_days(config, "A", date(2026, 11, 23))]
    assert date(2026, 11, 25) not in days and date(2026, 11, 28) not in days and date(2026, 11, 29) not in days
    assert days[:3] == [date(2026, 11, 23), date(2026, 11, 24), date(2026, 11, 26)]
    assert days[-1] == date(2026, 12, 7)  # 14 days ahead, a Monday
    national = [d for d, _ in booking_days(config, "A", date(2026, 9, 30))]
    assert date(2026, 10, 1) not in national and date(2026, 10, 10) in national  # 国庆 off, 调休 Saturday on


def facts(day: str, kept: bool = False, cancelled: bool = False) -> BookingFacts:
    start = at(f"{day} 09:00")
    return BookingFacts("123456", date.fromisoformat(day), start, start + 1800, "A", MATTER, "k", "138****8000", "web",
                        start if kept else None, "A001" if kept else None, "citizen" if cancelled else None)


def test_no_shows_block_booking_for_a_while():
    rules = capped({}, no_show_limit=2, no_show_days=30, block_days=10).appointments
    # Two misses within 30 days: blocked for 10 days from the second (may book again on the 11th day after).
    assert blocked_until([date(2026, 11, 2), date(2026, 11, 20)], rules) == date(2026, 12, 1)
    assert blocked_until([date(2026, 10, 1), date(2026, 11, 20)], rules) is None  # 50 days apart
    history = [facts("2026-11-19"), facts("2026-11-20"), facts("2026-11-18", kept=True), facts("2026-11-17", cancelled=True)]
    assert block_of(history, date(2026, 11, 23), rules) == date(2026, 12, 1)
    assert block_of(history, date(2026, 12, 1), rules) is None  # over
    assert block_of(history[1:], date(2026, 11, 23), rules) is None  # kept and cancelled bookings are no misses
    # Counted once the day has closed: a miss today is not one yet.
    assert block_of([facts("2026-11-20"), facts("2026-11-23")], date(2026, 11, 23), rules) is None
    never = capped({}, no_show_limit=0).appointments
    assert blocked_until([date(2026, 11, d) for d in range(1, 20)], never) is None


def test_the_new_settings_are_checked_with_their_keys():
    from tests.support.domain import problems

    found = problems(capped_text({}, no_show_limit=21, no_show_days=0, block_days=400))
    assert any(p.endswith("appointments.no_show_limit: must be between 0 (never block) and 20 missed appointments") for p in found)
    assert any(p.endswith("appointments.no_show_days: must be between 1 and 365 days") for p in found)
    assert any(p.endswith("appointments.block_days: must be between 1 and 365 days") for p in found)


# ---------------------------------------------------------------- the public API


async def slots_of(hall, matter: str = MATTER) -> list[dict]:
    status, data = await hall.get(f"/api/v1/book/slots?matter={matter}")
    assert status == 200, data
    return data["days"]


async def test_a_citizen_books_finds_changes_and_cancels(hall):
    c = hall.client
    _, options = await hall.get("/api/v1/book/options")
    assert MATTER in [m["code"] for m in options["matters"]] and options["today"] == "2026-11-23"
    assert all(m["category"] != "G" for m in options["matters"])  # G takes no appointments in the preset
    days = await slots_of(hall)
    assert days[0]["day"] == "2026-11-23" and days[0]["slots"][0]["start"] == at("2026-11-23 09:30")  # begun: not offered
    assert days[1]["day"] == "2026-11-24" and days[1]["free"] == 28
    headers = await page_headers(c)
    start = at("2026-11-24 10:00")
    status, booked = await book_post(c, headers, "/api/v1/book", {"matter": MATTER, "slot_start": start, "contact": PHONE})
    assert status == 201, booked
    assert len(booked["code"]) == 6 and booked["contact"] == "138****8000" and booked["state"] == "booked"
    assert booked["day"] == "2026-11-24" and booked["qr"].startswith("data:image/svg+xml;base64,")
    assert booked["bring"] and PHONE not in str(booked)
    day = (await slots_of(hall))[1]
    assert next(s for s in day["slots"] if s["start"] == start)["free"] == 1
    # The log holds the person key and the masked number, never the number.
    [event] = [e for e in hall.service.store.events() if e.type == "appointment_booked"]
    assert PHONE not in str(event.data) and event.data["contact"] == "138****8000" and event.data["via"] == "web"
    assert event.day == "2026-11-24"
    # Found with the same number; a wrong number and an unknown code get the very same answer.
    status, found = await book_post(c, headers, "/api/v1/book/find", {"code": booked["code"], "contact": PHONE})
    assert status == 200 and found["code"] == booked["code"]
    wrong = await book_post(c, headers, "/api/v1/book/find", {"code": booked["code"], "contact": OTHER_PHONE})
    unknown_code = "999999" if booked["code"] != "999999" else "999998"
    unknown = await book_post(c, headers, "/api/v1/book/find", {"code": unknown_code, "contact": PHONE})
    assert wrong == unknown == (404, {"error": "booking_not_found", "message": "no booking with this code and this "
                                                                               "phone or ID number (from today on)"})
    for path in ("/api/v1/book/cancel", "/api/v1/book/change"):
        assert await book_post(c, headers, path, {"code": booked["code"], "contact": OTHER_PHONE,
                                                  **({"slot_start": start} if "change" in path else {})}) == unknown
    # Changed to Wednesday: a new code; the old one is cancelled in the same step.
    status, moved = await book_post(c, headers, "/api/v1/book/change",
                                    {"code": booked["code"], "contact": PHONE, "slot_start": at("2026-11-25 14:00")})
    assert status == 201 and moved["code"] != booked["code"] and moved["day"] == "2026-11-25"
    status, old = await book_post(c, headers, "/api/v1/book/find", {"code": booked["code"], "contact": PHONE})
    assert status == 200 and old["state"] == "cancelled"
    assert next(s for s in (await slots_of(hall))[1]["slots"] if s["start"] == start)["free"] == 2  # free again
    status, closed = await book_post(c, headers, "/api/v1/book/cancel", {"code": booked["code"], "contact": PHONE})
    assert (status, closed["error"]) == (409, "booking_closed")
    status, gone = await book_post(c, headers, "/api/v1/book/cancel", {"code": moved["code"], "contact": PHONE})
    assert status == 200 and gone["state"] == "cancelled"
    # The reports count neither as booked nor missed.
    assert hall.service.store.conn.execute("SELECT count(*) FROM booking_facts").fetchone()[0] == 0


async def test_bad_numbers_are_refused_naming_the_field(hall):
    headers = await page_headers(hall.client)
    body = {"matter": MATTER, "slot_start": at("2026-11-24 10:00")}
    for contact, message in (("1380013800", "give an 11-digit mobile number"),
                             (id_number()[:17] + "5", "the ID number's check character (the 18th) does not match")):
        status, data = await book_post(hall.client, headers, "/api/v1/book", {**body, "contact": contact})
        assert status == 400 and data["field"] == "contact" and message in data["message"], data
    status, data = await book_post(hall.client, headers, "/api/v1/book", {**body, "matter": "NOPE", "contact": PHONE})
    assert status == 400 and data["field"] == "matter"
    for odd in ("NaN", "Infinity", "1e300", "-5"):  # Python's JSON reader takes NaN: refused all the same
        r = await hall.client.post("/api/v1/book", headers={**headers, "Content-Type": "application/json"},
                                   data=f'{{"matter": "{MATTER}", "contact": "{PHONE}", "slot_start": {odd}}}')
        assert r.status == 400 and (await r.json())["field"] == "slot_start", odd
    status, data = await book_post(hall.client, headers, "/api/v1/book", {**body, "slot_start": at("2026-11-24 10:10"),
                                                                         "contact": PHONE})
    assert (status, data["error"]) == (422, "not_a_free_slot")
    assert hall.service.store.last_seq() == 0


async def test_a_full_slot_offers_the_next_free_ones_and_one_booking_a_day_per_person(hall):
    headers = await page_headers(hall.client)
    start = at("2026-11-24 08:30")
    for phone in (PHONE, OTHER_PHONE):
        assert (await book_post(hall.client, headers, "/api/v1/book", {"matter": MATTER, "slot_start": start, "contact": phone}))[0] == 201
    status, full = await book_post(hall.client, headers, "/api/v1/book",
                                   {"matter": "YB-001", "slot_start": start, "contact": "13700137000"})  # same category A
    assert status == 409 and full["error"] == "slot_full"
    assert [a["start"] for a in full["alternatives"]] == [at("2026-11-24 09:00"), at("2026-11-24 09:30"), at("2026-11-24 10:00")]
    assert full["alternatives"][0] == {"day": "2026-11-24", "start": at("2026-11-24 09:00"), "end": at("2026-11-24 09:30"),
                                       "free": 2, "capacity": 2}
    status, again = await book_post(hall.client, headers, "/api/v1/book",
                                    {"matter": "YB-001", "slot_start": at("2026-11-24 14:00"), "contact": PHONE})
    assert (status, again["error"]) == (409, "already_booked")
    # Another category the same day, or the same category another day, is fine.
    assert (await book_post(hall.client, headers, "/api/v1/book",
                            {"matter": "HJ-001", "slot_start": at("2026-11-24 14:00"), "contact": PHONE}))[0] == 201
    assert (await book_post(hall.client, headers, "/api/v1/book",
                            {"matter": MATTER, "slot_start": at("2026-11-25 14:00"), "contact": PHONE}))[0] == 201


async def test_two_phones_racing_for_the_last_place_exactly_one_wins(live):
    """Eight phones at once against the real server on loopback for the one place left."""
    async with aiohttp.ClientSession(live.url) as s:
        headers = await page_headers(s)
        start = at("2026-11-24 08:30")

        async def book(phone: str) -> tuple[int, dict]:
            return await book_post(s, headers, "/api/v1/book", {"matter": MATTER, "slot_start": start, "contact": phone})

        assert (await book("13100000000"))[0] == 201
        answers = await asyncio.gather(*(book(f"1360000000{i}") for i in range(8)))
    assert sorted(status for status, _ in answers) == [201] + [409] * 7
    assert {a["error"] for status, a in answers if status == 409} == {"slot_full"}
    assert len(live.service.store.bookings_of("2026-11-24", "2026-11-24", "A")) == 2


async def test_every_booking_write_needs_the_page_token(hall):
    headers = await page_headers(hall.client)
    body = {"matter": MATTER, "slot_start": at("2026-11-24 10:00"), "contact": PHONE}
    for path in ("/api/v1/book", "/api/v1/book/find", "/api/v1/book/cancel", "/api/v1/book/change"):
        for sent in ({}, {"Cookie": headers["Cookie"]}, {"X-Book-Token": headers["X-Book-Token"]},
                     {**headers, "X-Book-Token": "0" * 32}, {**headers, "Origin": "http://evil.example"}):
            status, data = await book_post(hall.client, sent, path, body)
            assert (status, data["error"]) == (403, "csrf"), (path, sent)
    # Another browser's cookie with this page's token does not pass either.
    other = await page_headers(hall.client)
    assert other["Cookie"] != headers["Cookie"]
    status, _ = await book_post(hall.client, {"Cookie": other["Cookie"], "X-Book-Token": headers["X-Book-Token"]},
                                "/api/v1/book", body)
    assert status == 403
    assert hall.service.store.last_seq() == 0
    assert (await book_post(hall.client, headers, "/api/v1/book", body))[0] == 201


async def test_wrong_pairs_lock_the_code_and_rates_are_limited(hall):
    headers = await page_headers(hall.client)
    _, booked = await book_post(hall.client, headers, "/api/v1/book",
                                {"matter": MATTER, "slot_start": at("2026-11-24 10:00"), "contact": PHONE})
    for i in range(5):
        assert (await book_post(hall.client, headers, "/api/v1/book/find", {"code": booked["code"], "contact": f"1590000000{i}"}))[0] == 404
    r = await hall.client.post("/api/v1/book/find", json={"code": booked["code"], "contact": PHONE}, headers=headers)
    data = await r.json()
    assert r.status == 429 and data["error"] == "too_many_guesses" and r.headers["Retry-After"] == "901"
    assert "try again in 15 min" in data["message"]
    hall.clock.advance(901)  # the lock is over: the holder finds it
    assert (await book_post(hall.client, headers, "/api/v1/book/find", {"code": booked["code"], "contact": PHONE}))[0] == 200
    # Per person: six bookings, changes or cancellations an hour.
    code = booked["code"]
    for _ in range(2):
        status, moved = await book_post(hall.client, headers, "/api/v1/book/change",
                                        {"code": code, "contact": PHONE, "slot_start": at("2026-11-26 10:00")})
        assert status == 201
        status, moved = await book_post(hall.client, headers, "/api/v1/book/change",
                                        {"code": moved["code"], "contact": PHONE, "slot_start": at("2026-11-24 10:00")})
        code = moved["code"]
    assert (await book_post(hall.client, headers, "/api/v1/book/cancel", {"code": code, "contact": PHONE}))[0] == 200
    status, data = await book_post(hall.client, headers, "/api/v1/book",
                                   {"matter": MATTER, "slot_start": at("2026-11-27 10:00"), "contact": PHONE})
    assert (status, data["error"]) == (429, "too_many_bookings") and data["retry_after"] > 0
    # Per address: thirty booking actions in ten minutes, whatever they were.
    hall.clock.advance(3600)
    wrong = {"matter": MATTER, "slot_start": at("2026-11-24 10:10")}
    for i in range(30):
        assert (await book_post(hall.client, headers, "/api/v1/book", {**wrong, "contact": f"1350000{i:04d}"}))[0] == 422
    status, data = await book_post(hall.client, headers, "/api/v1/book", {**wrong, "contact": "13500009999"})
    assert (status, data["error"]) == (429, "too_many_requests") and "try again in 10 min" in data["message"]


async def test_missed_appointments_block_booking_until_a_day_the_page_names(hall, store, clock):
    hall.service.file_config = capped({}, no_show_limit=2, no_show_days=30, block_days=10)
    hall.service._hall.config = hall.service.file_config  # noqa: SLF001 — the hall's settings for this test
    headers = await page_headers(hall.client)
    for day in ("2026-11-24", "2026-11-25"):
        assert (await book_post(hall.client, headers, "/api/v1/book",
                                {"matter": MATTER, "slot_start": at(f"{day} 10:00"), "contact": PHONE}))[0] == 201
    clock.now = at("2026-11-26 08:00")
    hall.service.tick()
    status, data = await book_post(hall.client, headers, "/api/v1/book",
                                   {"matter": MATTER, "slot_start": at("2026-11-27 10:00"), "contact": PHONE})
    assert (status, data["error"], data["until"]) == (409, "booking_blocked", "2026-12-06")
    assert (await book_post(hall.client, headers, "/api/v1/book",
                            {"matter": MATTER, "slot_start": at("2026-11-27 10:00"), "contact": OTHER_PHONE}))[0] == 201
    # Managers see the misses counted, and one person blocked.
    h = await signed_in(hall, "manager1")
    r = await hall.client.get("/api/v1/bookings/no-shows?days=7", headers=h)
    summary = await r.json()
    assert summary["missed"] == 2 and summary["blocked_people"] == 1
    assert summary["by_day"] == [{"day": "2026-11-24", "missed": 1}, {"day": "2026-11-25", "missed": 1}]
    hall.client.session.cookie_jar.clear()
    h = await signed_in(hall, "clerk1")
    assert (await hall.client.get("/api/v1/bookings/no-shows", headers=h)).status == 403


async def test_the_kiosk_checks_in_with_the_booked_code_and_the_id_card(hall, clock):
    headers = await page_headers(hall.client)
    _, by_phone = await book_post(hall.client, headers, "/api/v1/book",
                                  {"matter": MATTER, "slot_start": at("2026-11-24 09:00"), "contact": PHONE})
    card = id_number()
    _, by_id = await book_post(hall.client, headers, "/api/v1/book",
                               {"matter": "HJ-001", "slot_start": at("2026-11-24 09:00"), "contact": card})
    _, cancelled = await book_post(hall.client, headers, "/api/v1/book",
                                   {"matter": "KY-001", "slot_start": at("2026-11-24 09:00"), "contact": PHONE})
    await book_post(hall.client, headers, "/api/v1/book/cancel", {"code": cancelled["code"], "contact": PHONE})
    clock.now = at("2026-11-24 08:45")
    hall.service.tick()
    _, ticket = await hall.post("/api/v1/appointments/check-in", json={"code": by_phone["code"]}, expect=201)
    assert ticket["number"].startswith("A")
    salt = hall.service.store.secret("person_key_salt", lambda: "unused")
    _, second = await hall.post("/api/v1/appointments/check-in", json={"person_key": person_key(card, salt)}, expect=201)
    assert second["number"].startswith("D")
    status, refused = await hall.post("/api/v1/appointments/check-in", json={"code": cancelled["code"]})
    assert (status, refused["error"]) == (404, "appointment_not_found")
    h = await signed_in(hall, "clerk1")
    r = await hall.client.get("/api/v1/bookings", headers=h)
    listed = await r.json()
    states = {i["code"]: i["state"] for i in listed["items"]}
    assert states == {by_phone["code"]: "checked_in", by_id["code"]: "checked_in", cancelled["code"]: "cancelled"}
    assert {i["contact"] for i in listed["items"]} == {"138****8000", "110***********002X"}


async def test_staff_list_and_cancel_on_behalf_with_an_audit_entry(hall):
    headers = await page_headers(hall.client)
    _, booked = await book_post(hall.client, headers, "/api/v1/book",
                                {"matter": MATTER, "slot_start": at("2026-11-24 10:00"), "contact": PHONE})
    assert (await hall.client.get("/api/v1/bookings?day=2026-11-24")).status == 401
    h = await signed_in(hall, "clerk1")
    r = await hall.client.get("/api/v1/bookings?day=2026-11-24&category=A", headers=h)
    listed = await r.json()
    assert [i["code"] for i in listed["items"]] == [booked["code"]] and listed["counts"]["booked"] == 1
    assert listed["items"][0]["contact"] == "138****8000" and listed["items"][0]["via"] == "web"
    assert (await (await hall.client.get("/api/v1/bookings?day=2026-11-24&category=D", headers=h)).json())["items"] == []
    for bad in ("day=2026-13-01", "day=2027-06-01", "category=Z"):
        assert (await hall.client.get(f"/api/v1/bookings?{bad}", headers=h)).status == 400, bad
    url = f"/api/v1/bookings/{booked['code']}/cancel"
    assert (await hall.client.post(url, json={"day": "2026-11-24"}, headers=h)).status == 400  # a reason is required
    assert (await hall.client.post(url, json={"day": "2026-11-25", "reason": "x"}, headers=h)).status == 404
    r = await hall.client.post(url, json={"day": "2026-11-24", "reason": "本人来电取消"}, headers=h)
    assert r.status == 200 and (await r.json())["state"] == "cancelled"
    [entry] = hall.service.store.audit.entries(area="appointments")
    assert entry["actor"] == "clerk:clerk1" and entry["action"] == "cancel" and entry["note"] == "本人来电取消"
    assert entry["target"] == f"2026-11-24 {booked['code']}" and entry["after"] == {"state": "cancelled"}
    assert (await hall.client.post(url, json={"day": "2026-11-24", "reason": "again"}, headers=h)).status == 409
    assert len(hall.service.store.audit.entries(area="appointments")) == 1
    # The citizen sees it cancelled.
    status, found = await book_post(hall.client, headers, "/api/v1/book/find", {"code": booked["code"], "contact": PHONE})
    assert found["state"] == "cancelled"


async def test_booking_routes_are_public_in_the_openapi_document_with_their_reason(hall):
    _, doc = await hall.get("/api/v1/openapi.json")
    for path in ("/api/v1/book", "/api/v1/book/find", "/api/v1/book/cancel", "/api/v1/book/change"):
        op = doc["paths"][path]["post"]
        assert op["x-roles"] is None and "CSRF" in op["x-public-write-reason"] and "429" in op["responses"]
    assert doc["paths"]["/api/v1/bookings"]["get"]["x-roles"] == ["clerk"]
    assert doc["paths"]["/api/v1/bookings/no-shows"]["get"]["x-roles"] == ["manager"]


@pytest.mark.parametrize("page", ["/book", "/book/poster", "/book/poster?lang=en"])
async def test_the_pages_open_without_signing_in(hall, page):
    r = await hall.client.get(page)
    assert r.status == 200 and "text/html" in r.headers["Content-Type"]
    text = await r.text()
    if "poster" in page:
        assert "http://hall.test/book" in text and ("手机预约办事" in text or "Book your visit" in text)
    r = await hall.client.get("/book/qr.svg")
    assert r.status == 200 and r.headers["Content-Type"] == "image/svg+xml"


async def test_the_board_s_qr_leads_to_the_booking_page_in_the_board_s_language(hall):
    from queue_server.web.book_pages import _svg

    for query, link in (("", "http://hall.test/book"), ("?lang=en", "http://hall.test/book?lang=en")):
        body = await (await hall.client.get("/book/qr.svg" + query)).read()
        assert body == _svg(link)
    assert _svg("http://hall.test/book") != _svg("http://hall.test/book?lang=en")




async def test_the_retention_purge_clears_the_booking_s_person(hall):
    headers = await page_headers(hall.client)
    await book_post(hall.client, headers, "/api/v1/book", {"matter": MATTER, "slot_start": at("2026-11-24 10:00"),
                                                          "contact": PHONE})
    purged = hall.service.store.purge_personal("2026-11-25")
    assert purged.bookings == 1
    [event] = [e for e in hall.service.store.events() if e.type == "appointment_booked"]
    assert event.data["person_key"] is None and "contact" not in event.data


async def test_the_kiosk_s_service_checks_in_the_phone_booking_and_the_id_card(kiosk, live):
    """The kiosk's own check-in path (its service layer against the real server on loopback): the
    code booked from a phone, then the ID card a booking was made with; a cancelled code is refused."""
    async with aiohttp.ClientSession(live.url) as s:
        headers = await page_headers(s)
        _, by_code = await book_post(s, headers, "/api/v1/book", {"matter": MATTER, "slot_start": at("2026-11-24 09:00"),
                                                                 "contact": PHONE})
        await book_post(s, headers, "/api/v1/book", {"matter": "HJ-001", "slot_start": at("2026-11-24 09:00"),
                                                    "contact": id_number()})
        _, gone = await book_post(s, headers, "/api/v1/book", {"matter": "KY-001", "slot_start": at("2026-11-24 09:00"),
                                                              "contact": PHONE})
        await book_post(s, headers, "/api/v1/book/cancel", {"code": gone["code"], "contact": PHONE})
    live.service.clock.now = at("2026-11-24 08:45")
    live.service.tick()
    out = await kiosk.check_in(code=by_code["code"])
    assert out.kind == "printed" and out.issued["number"] == "A001"
    card = await kiosk.check_in(id_number=id_number())
    assert card.kind == "printed" and card.issued["number"] == "D001"
    refused = await kiosk.check_in(code=gone["code"])
    assert refused.kind == "refused" and "预约" in refused.message


async def test_a_cancelled_booking_frees_its_place_for_the_kiosk_too(hall):
    """The kiosk's next free slot (a capped category) counts the same bookings, cancelled ones not."""
    from tests.support.caps import capped as capped_config

    hall.service.file_config = capped_config({"A": 1}, {"A": 1})
    hall.service._hall.config = hall.service.file_config  # noqa: SLF001 — the hall's settings for this test
    headers = await page_headers(hall.client)
    _, booked = await book_post(hall.client, headers, "/api/v1/book",
                                {"matter": MATTER, "slot_start": at("2026-11-24 08:30"), "contact": PHONE})
    _, offer = await hall.get("/api/v1/appointments/next-free?category=A", who="kiosk")
    assert offer["slot"]["slot_start"] == at("2026-11-24 09:00")
    await book_post(hall.client, headers, "/api/v1/book/cancel", {"code": booked["code"], "contact": PHONE})
    _, offer = await hall.get("/api/v1/appointments/next-free?category=A", who="kiosk")
    assert offer["slot"]["slot_start"] == at("2026-11-24 08:30")
