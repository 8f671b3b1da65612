"""Daily caps (当日号源上限): the hall file's settings and their messages, the kiosk refused past the
cap with nothing consumed, exactly one winner when kiosks race for the last number, the count
starting again the next business day, the green channel and the counter still served, and the
next free appointment slot (a pure function over hand-made days) booked by the kiosk."""

from __future__ import annotations

import asyncio
from datetime import date

import aiohttp
import pytest

from queue_server.caps import day_slots, next_free_slot, walk_ins
from queue_server.service import HallService
from tests.support.caps import capped, capped_text
from tests.support.domain import line_of, problems
from tests.support.hall import at, signed_in

# ---------------------------------------------------------------- the hall file


def test_caps_and_slots_are_checked_with_file_line_and_key():
    text = capped_text({"A": 0, "E": 10000}, {"D": -1}, slot_min=3, per_slot=60, book_ahead_days=0)
    found = problems(text)
    assert f"hall.toml:{line_of(text, 'daily_cap = 0')}: categories[1].daily_cap: must be between 1 and 9999 " \
           "walk-in numbers a day; leave the key out for no cap" in found
    assert any(p.startswith(f"hall.toml:{line_of(text, 'daily_cap = 10000')}: categories[5].daily_cap: must be between 1")
               for p in found)
    assert f"hall.toml:{line_of(text, 'appointments_per_slot = -1')}: categories[4].appointments_per_slot: " \
           "must be between 0 (no appointments in this category) and 50" in found
    assert any(p.endswith("appointments.slot_min: must be between 5 and 240 minutes (the length of one appointment slot)")
               for p in found)
    assert any(p.endswith("appointments.per_slot: must be between 0 (no appointments) and 50 a slot") for p in found)
    assert any(p.endswith("appointments.book_ahead_days: must be between 1 and 90 days") for p in found)
    assert len(found) == 6


def test_a_cap_must_be_a_whole_number_and_never_on_the_pickup_category():
    found = problems(capped_text({"B": '"forty"'}))  # type: ignore[dict-item]
    assert [p.split(": ", 1)[1] for p in found] == ["categories[2].daily_cap: must be a whole number, not 'forty'"]
    text = capped_text({"G": 50})
    [msg] = problems(text)
    assert msg == (f"hall.toml:{line_of(text, 'daily_cap = 50')}: categories[7].daily_cap: G is the pick-up category "
                   "([cases] pickup_category): people collecting a finished result must never be turned away; "
                   "remove the cap")


def test_slots_must_fit_in_a_session_when_a_category_is_capped():
    text = capped_text({"E": 20}, slot_min=240)
    [msg] = problems(text)
    assert msg.endswith("appointments.slot_min: no 240-minute slot fits in any opening session (the longest is 210 min), "
                        "so a capped category could offer no appointment")
    assert capped({}, slot_min=240).appointments.slot_min == 240  # nobody capped: no slot is ever offered


def test_config_check_names_the_caps(tmp_path, capsys):
    from yimen.cli import main

    path = tmp_path / "hall.toml"
    path.write_text(capped_text({"E": 40, "D": 60}), "utf-8")
    assert main(["config", "check", str(path)]) == 0
    out = capsys.readouterr().out
    assert ("Daily caps (walk-in numbers a day; green channel and counter still issue): D 60, E 40; "
            "then the kiosk offers a 30-min appointment slot within 14 days") in out


def test_the_presets_have_no_caps(township, village):
    assert all(c.daily_cap is None for c in (*township.categories, *village.categories))


# ---------------------------------------------------------------- the next free slot (pure)


def hall_of(**appointments):
    """A hall of one morning session 09:00–10:00: two 30-minute slots a day."""
    text = capped_text({"E": 5}, **appointments).replace(
        'sessions = [["08:30", "12:00"], ["13:30", "17:00"]]', 'sessions = [["09:00", "10:00"]]')
    from queue_server.config import parse_config
    return parse_config(text, "hall.toml")


def test_slots_tile_each_session_whole_slots_only(township):
    slots = day_slots(township, date(2026, 11, 24))
    assert len(slots) == 14  # 08:30–12:00 and 13:30–17:00: seven 30-minute slots each
    assert slots[0] == (at("2026-11-24 08:30"), at("2026-11-24 09:00"))
    assert slots[7][0] == at("2026-11-24 13:30") and slots[-1][1] == at("2026-11-24 17:00")
    odd = capped({}, slot_min=45)
    assert [s[1] for s in day_slots(odd, date(2026, 11, 24))][-1] == at("2026-11-24 16:30")  # 16:30–17:00 too short


def test_next_free_slot_skips_full_slots_weekends_and_holidays():
    config = hall_of(per_slot=1)
    # Monday: Tuesday's first slot.
    assert next_free_slot(config, "E", date(2026, 11, 23), []).start == at("2026-11-24 09:00")
    # A booking off the grid (09:10) fills the slot it falls in; the next slot is offered.
    assert next_free_slot(config, "E", date(2026, 11, 23), [at("2026-11-24 09:10")]).start == at("2026-11-24 09:30")
    # Friday with Monday's 09:00 full: never Saturday or Sunday.
    found = next_free_slot(config, "E", date(2026, 11, 27), [at("2026-11-30 09:00")])
    assert found.start == at("2026-11-30 09:30") and not found.provisional
    # The day before National Day: 1–7 October are holidays; Thursday 8 October is next …
    assert next_free_slot(config, "E", date(2026, 9, 30), []).day == date(2026, 10, 8)
    # … and with 8 and 9 October full, Saturday 10 October, a make-up working day (调休), is offered.
    full = [at(f"2026-10-0{d} {t}") for d in (8, 9) for t in ("09:00", "09:30")]
    assert next_free_slot(config, "E", date(2026, 9, 30), full).start == at("2026-10-10 09:00")


def test_next_free_slot_counts_capacity_and_the_calendar_overrides():
    two = hall_of(per_slot=2)
    assert next_free_slot(two, "E", date(2026, 11, 23), [at("2026-11-24 09:00")]).free == 1
    text = capped_text({"E": 5}).replace("[appointments]\n", "[calendar]\nholidays = [\"2026-11-24\"]\n\n[appointments]\n")
    from queue_server.config import parse_config
    closed = parse_config(text, "hall.toml")
    assert next_free_slot(closed, "E", date(2026, 11, 23), []).day == date(2026, 11, 25)
    # A year whose holidays are not published: offered as provisional (预计).
    assert next_free_slot(two, "E", date(2026, 12, 31), []).provisional


def test_no_slot_when_the_category_takes_no_appointments_or_everything_is_full():
    assert next_free_slot(hall_of(per_slot=0), "E", date(2026, 11, 23), []) is None
    config = hall_of(per_slot=1, book_ahead_days=3)  # Tue, Wed, Thu
    full = [at(f"2026-11-{d} {t}") for d in (24, 25, 26) for t in ("09:00", "09:30")]
    assert next_free_slot(config, "E", date(2026, 11, 23), full) is None
    assert next_free_slot(config, "E", date(2026, 11, 23), full[:-1]).start == at("2026-11-26 09:30")
    per_category = parse_per_category()
    assert next_free_slot(per_category, "E", date(2026, 11, 23), []) is None  # E: appointments_per_slot = 0
    assert next_free_slot(per_category, "D", date(2026, 11, 23), []) is not None


def parse_per_category():
    return capped({"E": 5}, {"E": 0})


# ---------------------------------------------------------------- the server


@pytest.fixture
def service(store, clock):
    """The township hall with E (land) capped at 3 walk-ins a day, one appointment a slot."""
    tokens = iter(f"token-{i:04d}-abcdefghijklmnop" for i in range(100000))
    return HallService(capped({"E": 3}, {"E": 1}), store, clock, new_token=lambda: next(tokens))


async def test_past_the_cap_the_kiosk_is_refused_and_no_number_is_consumed(hall):
    for _ in range(2):
        await hall.post("/api/v1/tickets", json={"category": "E"}, expect=201)
    _, queue = await hall.get("/api/v1/queue")
    land = next(q for q in queue["queues"] if q["code"] == "E")
    assert (land["daily_cap"], land["remaining"]) == (3, 1)
    assert next(q for q in queue["queues"] if q["code"] == "A")["remaining"] is None  # uncapped
    await hall.post("/api/v1/tickets", json={"category": "E"}, expect=201)
    status, refused = await hall.post("/api/v1/tickets", json={"category": "E"})
    assert status == 409 and refused["error"] == "daily_cap_reached"
    assert refused["message"] == ("today's 3 walk-in numbers of category E are all issued; the kiosk offers an "
                                  "appointment on the next working day with a free slot")
    matter = next(m for m in hall.service.config.matters if m.category == "E")
    assert (await hall.post("/api/v1/tickets", json={"matter": matter.code}))[0] == 409  # by matter too
    assert len(hall.service.store.events()) == 3  # nothing written for the refusals
    _, info = await hall.get("/api/v1/hall")
    assert next(c for c in info["categories"] if c["code"] == "E")["remaining"] == 0
    # Staff at the counter still issue (their judgement) — the next number, none was lost — and it counts.
    r = await hall.client.post("/api/v1/tickets", json={"category": "E"}, headers=await signed_in(hall, "clerk1"))
    assert r.status == 201 and (await r.json())["number"] == "E004"
    assert walk_ins(hall.service.hall.state, "E") == 4
    # Other categories are untouched.
    assert (await hall.post("/api/v1/tickets", json={"category": "A"}, expect=201))[1]["number"] == "A001"


async def test_managers_see_the_caps_live(hall):
    await hall.post("/api/v1/tickets", json={"category": "E"}, expect=201)
    headers = await signed_in(hall, "manager1")
    r = await hall.client.get("/api/v1/stats/live", headers=headers)
    assert (await r.json())["caps"] == [{"code": "E", "daily_cap": 3, "walk_ins": 1, "remaining": 2}]


async def test_green_channel_and_appointments_pass_the_cap(hall):
    for _ in range(3):
        await hall.post("/api/v1/tickets", json={"category": "E"}, expect=201)
    # Elderly (from the ID card's birth date): served, and counted.
    _, old = await hall.post("/api/v1/tickets", json={"category": "E", "birth_date": "1950-05-01"}, expect=201)
    assert old["priority"] == "elderly" and old["number"] == "E004"
    assert walk_ins(hall.service.hall.state, "E") == 4
    # A young person's card does not help.
    assert (await hall.post("/api/v1/tickets", json={"category": "E", "birth_date": "1990-05-01"}))[0] == 409
    # An appointment booked for today checks in past the cap and is not counted: its slot was its capacity.
    r = await hall.client.post("/api/v1/appointments", headers=await signed_in(hall, "clerk1"), json={
        "category": "E", "code": "LAND01", "slot_start": "2026-11-23T09:00:00+08:00", "slot_end": "2026-11-23T09:30:00+08:00"})
    assert r.status == 201, await r.text()
    _, booked = await hall.post("/api/v1/appointments/check-in", json={"code": "LAND01"}, expect=201)
    assert booked["number"] == "E005"
    assert walk_ins(hall.service.hall.state, "E") == 4


async def test_the_cap_starts_again_the_next_business_day(hall):
    for _ in range(3):
        await hall.post("/api/v1/tickets", json={"category": "E"}, expect=201)
    assert (await hall.post("/api/v1/tickets", json={"category": "E"}))[0] == 409
    hall.clock.now = at("2026-11-23 23:59")
    assert (await hall.get("/api/v1/hall"))[1]["categories"][4]["remaining"] == 0  # still Monday in Beijing
    hall.clock.now = at("2026-11-24 09:00")
    hall.service.tick()  # the server's day timer closes Monday
    assert next(q for q in (await hall.get("/api/v1/queue"))[1]["queues"] if q["code"] == "E")["remaining"] == 3
    _, first = await hall.post("/api/v1/tickets", json={"category": "E"}, expect=201)
    assert first["id"] == "20261124-E001"


async def test_two_kiosks_racing_for_the_last_number_exactly_one_wins(live):
    """Twelve requests from two kiosks at once against the real server on loopback, for the one
    number left: one ticket, eleven refusals, and the numbers stay consecutive."""
    second = live.accounts.add_device("kiosk-2", "kiosk", None, live.service.clock())
    async with aiohttp.ClientSession(live.url) as s:
        async def issue(token: str) -> tuple[int, dict]:
            async with s.post("/api/v1/tickets", json={"category": "E"},
                              headers={"Authorization": f"Bearer {token}"}) as r:
                return r.status, await r.json()

        for _ in range(2):
            assert (await issue(live.token))[0] == 201
        answers = await asyncio.gather(*(issue(live.token if i % 2 else second) for i in range(12)))
    won = [a for status, a in answers if status == 201]
    assert len(won) == 1 and won[0]["number"] == "E003"
    assert sorted({(status, a.get("error")) for status, a in answers}) == [(201, None), (409, "daily_cap_reached")]
    assert walk_ins(live.service.hall.state, "E") == 3
    assert [t.number for t in live.service.hall.state.tickets.values()] == ["E001", "E002", "E003"]


# ---------------------------------------------------------------- booking the next free slot


async def fill_the_cap(hall, n: int = 3) -> None:
    for _ in range(n):
        await hall.post("/api/v1/tickets", json={"category": "E"}, expect=201)


async def test_the_kiosk_books_the_next_free_slot_only_once_the_cap_is_reached(hall):
    _, offer = await hall.get("/api/v1/appointments/next-free?category=E", who="kiosk")
    assert offer == {"category": "E", "today": "2026-11-23", "daily_cap": 3, "remaining": 3, "slot": {
        "day": "2026-11-24", "slot_start": at("2026-11-24 08:30"), "slot_end": at("2026-11-24 09:00"), "free": 1,
        "provisional": False}}
    body = {"category": "E", "slot_start": "2026-11-24T08:30:00+08:00"}
    status, early = await hall.post("/api/v1/appointments/next-free", json=body)
    assert status == 409 and early["error"] == "cap_not_reached"
    await fill_the_cap(hall)
    key = "a" * 64
    _, booked = await hall.post("/api/v1/appointments/next-free", json={**body, "person_key": key}, expect=201)
    assert booked["day"] == "2026-11-24" and len(booked["code"]) == 6 and booked["person"] is True
    assert booked["slot_start"] == at("2026-11-24 08:30") and booked["slot_end"] == at("2026-11-24 09:00")
    # The slot held one: it is full now, and the next one is offered.
    status, full = await hall.post("/api/v1/appointments/next-free", json=body)
    assert status == 409 and full["error"] == "slot_full"
    _, offer = await hall.get("/api/v1/appointments/next-free?category=E", who="kiosk")
    assert offer["slot"]["slot_start"] == at("2026-11-24 09:00") and offer["remaining"] == 0
    # One booking per person and category.
    status, again = await hall.post("/api/v1/appointments/next-free", json={
        "category": "E", "slot_start": "2026-11-24T09:00:00+08:00", "person_key": key})
    assert status == 409 and again["error"] == "already_booked"
    # Only slots of the grid, on working days after today and within the horizon.
    for when in ("2026-11-24T08:40:00+08:00", "2026-11-28T09:00:00+08:00", "2026-11-23T13:30:00+08:00",
                 "2026-12-31T09:00:00+08:00"):
        status, wrong = await hall.post("/api/v1/appointments/next-free", json={"category": "E", "slot_start": when})
        assert (status, wrong["error"]) == (422, "not_a_free_slot"), when
    # Staff book at the desk (POST /api/v1/appointments); this route is the kiosk's.
    r = await hall.client.post("/api/v1/appointments/next-free", json=body, headers=await signed_in(hall, "clerk1"))
    assert r.status == 403
    assert (await hall.get("/api/v1/appointments/next-free?category=Z", who="kiosk"))[0] == 400
    hall.client.session.cookie_jar.clear()
    assert (await hall.get("/api/v1/appointments/next-free?category=E"))[0] == 401
    # Tuesday: the person checks in with the card (the kiosk sends the person key), past nobody's cap.
    hall.clock.now = at("2026-11-24 08:35")
    hall.service.tick()
    _, ticket = await hall.post("/api/v1/appointments/check-in", json={"person_key": key}, expect=201)
    assert ticket["number"] == "E001" and walk_ins(hall.service.hall.state, "E") == 0


async def test_two_kiosks_booking_the_last_place_of_a_slot_one_wins(live):
    second = live.accounts.add_device("kiosk-2", "kiosk", None, live.service.clock())
    async with aiohttp.ClientSession(live.url) as s:
        async def post(path: str, token: str, body: dict) -> tuple[int, dict]:
            async with s.post(path, json=body, headers={"Authorization": f"Bearer {token}"}) as r:
                return r.status, await r.json()

        for _ in range(3):
            await post("/api/v1/tickets", live.token, {"category": "E"})
        body = {"category": "E", "slot_start": "2026-11-24T08:30:00+08:00"}
        answers = await asyncio.gather(*(post("/api/v1/appointments/next-free", live.token if i % 2 else second, body)
                                         for i in range(8)))
    assert sorted(status for status, _ in answers) == [201] + [409] * 7
    assert {a["error"] for status, a in answers if status == 409} == {"slot_full"}
    assert len(live.service.store.bookings_of("2026-11-24", "2026-11-24", "E")) == 1


# ---------------------------------------------------------------- the kiosk's service layer


async def test_the_kiosk_offers_books_and_prints_the_appointment_slip(kiosk, live):
    """Against the real server: refused past the cap in the kiosk's words, the next slot offered,
    booked under the card, and the slip's printed bytes decoded: code, QR, slot, check-in window."""
    from hw.escpos_bytes import decode
    from kiosk.logic import offer_text
    from kiosk.slip import appointment_bytes

    for _ in range(3):
        assert (await kiosk.take_ticket(category="E")).kind == "printed"
    refused = await kiosk.take_ticket(category="E")
    assert (refused.kind, refused.code, refused.message) == ("refused", "daily_cap_reached", "今日号已发完")
    await kiosk.connect()
    assert next(c for c in kiosk.categories() if c["code"] == "E")["remaining"] == 0
    offer = await kiosk.offer("E")
    assert offer.kind == "offer" and offer.today == date(2026, 11, 23)
    assert offer_text(offer.slot, offer.today) == "明天 08:30 还有空位，要预约吗？"
    before = len(kiosk.printer.fake.output)
    booked = await kiosk.book(offer, id_number="11010519491231002X", service_name="不动产与建房(自然资源)")
    assert booked.kind == "printed" and booked.booked["person"] is True
    code = booked.booked["code"]
    slip = decode(kiosk.printer.fake.output[before:])  # strict: GB2312 text, known commands only
    assert slip.qr == [code]
    assert slip.lines[:6] == ["示范镇便民服务中心", "-" * 32, "预约凭证", "预约码", code, "-" * 32]
    assert "预约业务：不动产与建房(自然资源)" in slip.lines
    assert "预约时间：2026年11月24日（周二）" in slip.lines and "08:30-09:00" in slip.lines
    assert "".join(slip.lines).count("请于 08:30-09:15 到取号机扫描预约码或刷身份证签到") == 1
    assert "11010519491231002X" not in "".join(slip.lines)  # no personal data on paper
    assert bytes(kiosk.printer.fake.output[before:]) == appointment_bytes(
        booked.booked, kiosk.hall, "不动产与建房(自然资源)", kiosk.clock())
    # The same card again: one booking per person and category, in the kiosk's words.
    again = await kiosk.book(await kiosk.offer("E"), id_number="11010519491231002X")
    assert (again.kind, again.code) == ("refused", "already_booked")
    # Out of paper: the booking stands and the code is shown on screen instead.
    kiosk.printer.fake.state = "out"
    on_screen = await kiosk.book(await kiosk.offer("E"))
    assert on_screen.kind == "on_screen" and on_screen.booked["person"] is False
    # Tuesday: the printed code checks in.
    live.service.clock.now = at("2026-11-24 08:40")
    live.service.tick()
    kiosk.printer.fake.state = "ok"
    ticket = await kiosk.check_in(code=code)
    assert ticket.issued["number"] == "E001"


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_appointment_slip_decodes_in_both_languages(lang):
    """Strictly decoded (GB2312 text, known commands): the code large and as the QR, no person."""
    from hw.escpos_bytes import decode
    from kiosk.slip import appointment_bytes

    hall = {"hall": {"name": "示范镇便民服务中心", "supervision_phone": "0571-12345"},
            "appointments": {"early_min": 30, "late_min": 15},
            "hours": {"sessions": [["08:30", "12:00"], ["13:30", "17:00"]], "stop_issuing_min": 15}}
    booked = {"code": "204613", "slot_start": at("2026-11-24 16:30"), "slot_end": at("2026-11-24 17:00"), "person": False}
    for cols in (32, 48):
        slip = decode(appointment_bytes(booked, hall, "不动产与建房(自然资源)", at("2026-11-23 10:05"), cols, lang))
        assert slip.qr == ["204613"] and ("204613", 3) in slip.sized_lines()
        text = " ".join(slip.lines)
        assert ("16:30-17:00" in text and "16:00" in text and "16:45" in text  # check-in stops with the kiosk's issuing
                and "0571-12345" in text and "2026-11-23 10:05" in text)
        assert ("身份证" not in text) if lang == "zh" else ("ID card" not in text)  # booked without a card


def test_the_hall_display_says_when_a_category_has_no_more_numbers():
    from display.model import queue_line, queue_row

    queue = {"code": "E", "prefix": "E", "name": "不动产与建房(自然资源)", "name_en": "Land", "waiting": 4,
             "estimate": {"open_now": True, "low_min": 30, "high_min": 60}, "daily_cap": 3, "remaining": 0}
    assert queue_line(queue) == "E 不动产与建房(自然资源)  4人  今日号已发完"
    assert queue_row(queue, "en")[2:] == ("No more numbers today", "warn")
    assert queue_row({**queue, "remaining": 1})[2] != "今日号已发完"
    assert queue_row({**queue, "remaining": None})[3] == "waiting"


@pytest.mark.parametrize("width", [1920, 1366, 390])
async def test_the_managers_page_shows_the_numbers_left(hall, browser, tmp_path, width):
    from tests.support.browser import base
    from tests.support.hall import PASSWORD
    from tests.support.pages import measure

    await hall.post("/api/v1/tickets", json={"category": "E"}, expect=201)
    page = await browser.new_page(viewport={"width": width, "height": 900})
    await page.goto(f"{base(hall)}/login?next=/manage")
    await page.fill("#username", "manager1")
    await page.fill("#password", PASSWORD)
    await page.click("button[type=submit]")
    await page.wait_for_url(f"{base(hall)}/manage")
    await page.wait_for_selector("#categories tr[data-code=E] .pill.cap")
    assert await page.text_content("#categories tr[data-code=E] .pill.cap") == "今日余 2/3 号"
    assert await page.locator("#categories tr[data-code=A] .pill.cap").count() == 0  # uncapped
    for _ in range(2):
        await hall.post("/api/v1/tickets", json={"category": "E"}, expect=201)
    await page.wait_for_function("() => document.querySelector('#categories tr[data-code=E] .pill.cap')"
                                 ".textContent === '今日 3 号已发完'", timeout=15000)
    assert await measure(page, str(tmp_path / f"manage-caps-{width}.png")) == []  # nothing cut or sticking out
