"""Staff see the day's appointments in real Chromium: the clerk console's card (1366 px) and the
预约 tab of /manage (1920 and 1366 px) — time, matter, the contact masked, code, state — filtered
by day and category, cancelled on a citizen's behalf with a reason (by keyboard on /manage), and
the no-shows counted for managers."""

from __future__ import annotations

import pytest

from tests.support.booking import MATTER, OTHER_PHONE, PHONE, book_post, page_headers
from tests.support.hall import at
from tests.support.pages import measure, sign_in, text_has, text_is


async def two_bookings(hall) -> tuple[dict, dict]:
    headers = await page_headers(hall.client)
    _, first = await book_post(hall.client, headers, "/api/v1/book",
                               {"matter": MATTER, "slot_start": at("2026-11-23 10:00"), "contact": PHONE})
    _, second = await book_post(hall.client, headers, "/api/v1/book",
                                {"matter": "HJ-001", "slot_start": at("2026-11-23 14:00"), "contact": OTHER_PHONE})
    return first, second


async def test_the_console_lists_today_s_bookings_and_cancels_one_for_a_citizen(hall, browser, tmp_path):
    first, second = await two_bookings(hall)
    page = await browser.new_page(viewport={"width": 1366, "height": 900})
    await sign_in(page, hall, "/console?window=1")
    await page.wait_for_selector(f"#bk-table tr[data-code='{first['code']}']")
    row = await page.locator(f"#bk-table tr[data-code='{first['code']}'] td").all_text_contents()
    assert row[:6] == ["10:00–10:30", "城乡居民基本养老保险参保登记", "138****8000", first["code"], "待签到", "手机"]
    await text_is(page, "bk-counts", "共 2 个：待签到 2，已签到 0，未到 0，已取消 0")
    await page.select_option("#bk-category", "D")
    await page.wait_for_function("() => document.querySelectorAll('#bk-table tbody tr').length === 1")
    assert await page.locator(f"#bk-table tr[data-code='{second['code']}']").count() == 1
    await page.click(f"#bk-table tr[data-code='{second['code']}'] button")
    await page.click("#bk-cancel button[type=submit]")  # no reason: said, nothing sent
    await text_is(page, "bk-error", "请填写取消原因")
    await page.fill("#bk-reason", "本人来电取消")
    await page.click("#bk-cancel button[type=submit]")
    await text_is(page, "bk-status", f"已取消预约 {second['code']}")
    await page.wait_for_selector(f"#bk-table tr[data-code='{second['code']}'].bk-cancelled")
    [entry] = hall.service.store.audit.entries(area="appointments")
    assert entry["actor"] == "clerk:clerk1" and entry["note"] == "本人来电取消"
    await page.locator("#bookings").scroll_into_view_if_needed()
    assert await measure(page, str(tmp_path / "console-bookings-1366.png")) == []


@pytest.mark.parametrize("width", [1920, 1366])
async def test_managers_see_the_bookings_tab_and_the_no_shows(hall, browser, tmp_path, width):
    first, second = await two_bookings(hall)
    page = await browser.new_page(viewport={"width": width, "height": 1000})
    await sign_in(page, hall, "/manage", "manager1")
    await page.click("#tab-bookings")
    await page.wait_for_selector(f"#bk-table tr[data-code='{first['code']}']")
    await text_has(page, "bk-noshows", "近 30 天：预约 0 个，爽约 0 个")
    # Another day: the list follows the date picker.
    await page.fill("#bk-day", "2026-11-24")
    await page.dispatch_event("#bk-day", "change")
    await text_is(page, "bk-empty", "当天没有预约。")
    await page.fill("#bk-day", "2026-11-23")
    await page.dispatch_event("#bk-day", "change")
    await page.wait_for_selector(f"#bk-table tr[data-code='{first['code']}']")
    # By keyboard: the row's button, the reason, Enter.
    await page.focus(f"#bk-table tr[data-code='{first['code']}'] button")
    await page.keyboard.press("Enter")
    assert await page.evaluate("() => document.activeElement.id") == "bk-reason"
    await page.keyboard.type("窗口代为取消")
    await page.keyboard.press("Enter")
    await text_is(page, "bk-status", f"已取消预约 {first['code']}")
    assert await measure(page, str(tmp_path / f"manage-bookings-{width}.png")) == []
