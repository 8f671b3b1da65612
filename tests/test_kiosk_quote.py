"""The kiosk's service layer, screen side: the quote shown before a ticket is taken (issue 9 A2/A3)
and refusals in the screen's language, against the real server on loopback."""

from __future__ import annotations

from tests.support.hall import at


def open_windows(live, *windows: int) -> None:
    for w in windows:
        live.service.run(lambda h, now, w=w: h.open_window(w, now))


async def test_quote_is_what_a_ticket_taken_now_would_be_told(kiosk, live):
    open_windows(live, 1, 2, 3, 4, 6, 7)  # window 5, the only D window, stays closed
    for _ in range(2):
        await kiosk.take_ticket(category="E")
    e = await kiosk.quote("E")
    assert e["ahead"] == 2 and e["open_now"] is True and e["low_min"] is not None
    d = await kiosk.quote("D")
    assert d["open_now"] is False and d["opens_at"] is None and d["high_min"] is None
    assert await kiosk.quote("NOPE") is None
    await live.stop()
    assert await kiosk.quote("E") is None  # the server away: nothing is promised


async def test_refusals_are_in_the_kiosk_s_language(kiosk, live):
    live.service.clock.now = at("2026-11-23 21:00")
    out = await kiosk.take_ticket(category="A")
    assert out.kind == "refused" and out.code == "hall_closed"
    assert out.message == "现在不是办理时间，不能取号。办理时间：周一至周五 08:30–12:00、13:30–17:00"
    kiosk.lang = "en"
    out = await kiosk.take_ticket(category="A")
    assert out.message == "The hall is closed now; no tickets. Opening hours: Mon–Fri 08:30–12:00, 13:30–17:00"
    live.service.clock.now = at("2026-11-23 09:00")
    kiosk.lang = "zh"
    out = await kiosk.take_ticket(category="ZZ")  # unknown_category: never the server's English
    assert out.kind == "refused" and out.message == "这项业务暂时不能在取号机取号，请到咨询台"
