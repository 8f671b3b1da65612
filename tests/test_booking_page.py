"""The citizens' booking page in real Chromium at 390 px (a cheap phone): book by tapping and by
keyboard only, see the confirmation (code, QR, hall, date, time, what to bring), find the booking
again, change and cancel it; the English page; the door poster; the QR on the public board. The
screenshots are kept in the test's folder."""

from __future__ import annotations

from tests.support.booking import OTHER_PHONE, PHONE
from tests.support.browser import base
from tests.support.hall import at
from tests.support.pages import english_words, measure, text_has, text_is

PHONE_VIEW = {"width": 390, "height": 844}


async def test_a_citizen_books_on_a_phone_then_changes_and_cancels(hall, browser, tmp_path):
    browser.allow(r"status of 404 \(Not Found\) @ .*/api/v1/book/find$")  # the wrong number the test types
    page = await browser.new_page(viewport=PHONE_VIEW)
    await page.goto(base(hall) + "/book")
    await text_is(page, "hall", "示范镇便民服务中心")
    await page.fill("#matter-filter", "养老保险参保")
    await page.click("text=城乡居民基本养老保险参保登记")
    await page.wait_for_selector("#days label.choice")
    assert await page.evaluate("() => document.getElementById('step-slot').disabled")  # one step at a time
    await page.click("#days input[value='2026-11-24']")
    await page.click(f"#slots input[value='{at('2026-11-24 10:00'):.0f}']")
    assert await page.text_content(f"#slots label:has(input[value='{at('2026-11-24 10:00'):.0f}']) .c-side") == "余 2 个"
    assert await measure(page, str(tmp_path / "book-steps-390.png")) == []
    await page.fill("#contact", "1380013800")  # one digit short: said here, nothing sent
    await page.click("#book-submit")
    await text_is(page, "contact-error", "请填写11位手机号或18位身份证号")
    assert hall.service.store.last_seq() == 0
    await page.fill("#contact", PHONE)
    await page.click("#book-submit")
    await text_is(page, "result-title", "预约成功")
    code = (await page.text_content("#r-code")).strip()
    assert len(code) == 6
    assert await page.text_content("#r-day") == "2026年11月24日 周二" and await page.text_content("#r-time") == "10:00–10:30"
    assert await page.text_content("#r-contact") == "138****8000"
    assert await page.locator("#r-bring li").count() == 3
    assert PHONE not in await page.content()
    assert await page.evaluate("() => document.getElementById('r-qr').naturalWidth") > 0
    assert await measure(page, str(tmp_path / "book-done-390.png")) == []
    # Changing it: the same page, a new time, a NEW code.
    await page.click("#r-change")
    await page.click("#days input[value='2026-11-25']")
    await page.click(f"#slots input[value='{at('2026-11-25 14:00'):.0f}']")
    await page.click("#book-submit")
    await text_is(page, "result-title", "改约成功，请使用新的预约码")
    new_code = (await page.text_content("#r-code")).strip()
    assert new_code != code and await page.text_content("#r-time") == "14:00–14:30"
    # Found again from "my booking" with the code and the number, then cancelled.
    await page.goto(base(hall) + "/book")
    await page.click("#mode-mine")
    await page.fill("#find-code", new_code)
    await page.fill("#find-contact", OTHER_PHONE)
    await page.click("#find-submit")
    await text_has(page, "find-error", "没有找到预约")
    await page.fill("#find-contact", PHONE)
    await page.click("#find-submit")
    await text_is(page, "result-title", "我的预约")
    await page.click("#r-cancel")
    await page.click("#cancel-yes")
    await text_is(page, "result-title", "预约已取消")
    assert await page.text_content("#r-state") == "已取消" and await page.is_hidden("#r-actions")
    assert await measure(page, str(tmp_path / "book-cancelled-390.png")) == []


async def test_a_full_slot_offers_the_next_free_ones_on_the_page(hall, browser, tmp_path):
    browser.allow(r"status of 409 \(Conflict\) @ .*/api/v1/book$")  # the refusal the test provokes
    page = await browser.new_page(viewport=PHONE_VIEW)
    await page.goto(base(hall) + "/book")
    assert await page.locator("#matters details.mgroup").count() == 6  # the categories that take bookings
    await page.click("#matters details[data-category=A] summary")  # a category opens on a tap
    await page.click("text=城乡居民基本养老保险参保登记")
    await page.click("#days input[value='2026-11-24']")
    await page.click(f"#slots input[value='{at('2026-11-24 08:30'):.0f}']")
    # Meanwhile two other phones take both places.
    from tests.support.booking import book_post, page_headers

    headers = await page_headers(hall.client)
    for phone in ("13100000001", "13100000002"):
        await book_post(hall.client, headers, "/api/v1/book", {"matter": "SHBX-001", "slot_start": at("2026-11-24 08:30"),
                                                              "contact": phone})
    await page.fill("#contact", PHONE)
    await page.click("#book-submit")
    await text_is(page, "book-error", "该时段已约满")
    await page.wait_for_selector("#alternatives label.choice")
    assert await page.locator("#alternatives label.choice").count() == 3
    assert await page.locator("#matters label.choice:visible").count() == 1  # folded to the chosen service
    assert await measure(page, str(tmp_path / "book-full-390.png")) == []
    await page.click("#alternatives label.choice >> nth=0")
    await page.click("#book-submit")
    await text_is(page, "result-title", "预约成功")
    assert await page.text_content("#r-time") == "09:00–09:30"


async def test_booking_by_keyboard_only(hall, browser, tmp_path):
    page = await browser.new_page(viewport=PHONE_VIEW)
    await page.goto(base(hall) + "/book")
    await text_is(page, "hall", "示范镇便民服务中心")
    await page.focus("#matter-filter")
    await page.keyboard.type("失业")
    await page.keyboard.press("Tab")  # the first (only) matter
    await page.keyboard.press("Space")
    await page.wait_for_selector("#days label.choice")
    await page.keyboard.press("Tab")  # the list folded to the chosen service; "choose another" comes next
    assert await page.evaluate("() => document.activeElement.id") == "matter-again"
    await page.keyboard.press("Tab")  # into the days: the first free one
    await page.keyboard.press("ArrowDown")  # arrows move and pick among radio buttons
    await page.wait_for_selector("#slots label.choice")
    day = await page.evaluate("() => document.querySelector('#days input:checked').value")
    await page.keyboard.press("Tab")
    await page.keyboard.press("Space")
    await page.wait_for_function("() => !document.getElementById('step-contact').disabled")
    await page.keyboard.press("Tab")
    assert await page.evaluate("() => document.activeElement.id") == "contact"
    await page.keyboard.type(PHONE)
    await page.keyboard.press("Enter")
    await text_is(page, "result-title", "预约成功")
    assert await page.evaluate("() => document.activeElement.id") == "result"  # focus moves to the answer
    [booked] = [e for e in hall.service.store.events() if e.type == "appointment_booked"]
    assert booked.day == day and booked.data["matter"] == "JY-002"
    assert await measure(page, str(tmp_path / "book-keyboard-390.png")) == []


async def test_the_english_page_and_the_poster_and_the_board(hall, browser, tmp_path):
    page = await browser.new_page(viewport=PHONE_VIEW)
    await page.goto(base(hall) + "/book?lang=en")
    await text_is(page, "hall", "Model Town Service Centre")
    await page.wait_for_selector("#matters details.mgroup")
    body = await page.text_content("body")
    assert "预约" not in body and "选择" not in body
    assert await measure(page, str(tmp_path / "book-en-390.png")) == []
    zh = await browser.new_page(viewport=PHONE_VIEW)
    await zh.goto(base(hall) + "/book")
    await zh.wait_for_selector("#matters details.mgroup")
    await zh.evaluate("() => document.querySelectorAll('details').forEach((d) => { d.open = true; })")
    assert english_words(await zh.text_content("body")) == set()
    poster = await browser.new_page(viewport={"width": 794, "height": 1123})
    await poster.goto(base(hall) + "/book/poster")
    assert await poster.evaluate("() => document.querySelector('.poster-qr').naturalWidth") > 0
    assert "http://hall.test/book" in await poster.text_content("body")
    assert await measure(poster, str(tmp_path / "book-poster.png")) == []
    board = await browser.new_page(viewport={"width": 1920, "height": 1080})
    await board.goto(base(hall) + "/")
    await board.wait_for_function("() => document.getElementById('book-qr').naturalWidth > 0")
    assert await board.get_attribute("#book-link", "href") == "/book"
    await board.screenshot(path=str(tmp_path / "board-1920.png"))
    board_en = await browser.new_page(viewport={"width": 1920, "height": 1080})
    await board_en.goto(base(hall) + "/?lang=en")  # an English board leads to the English booking page
    await board_en.wait_for_function("() => document.getElementById('book-qr').naturalWidth > 0")
    assert (await board_en.get_attribute("#book-link", "href")).endswith("/book?lang=en")
    assert (await board_en.get_attribute("#book-qr", "src")).endswith("/book/qr.svg?lang=en")


async def test_a_blocked_person_is_told_from_which_day_they_may_book_again(hall, browser, clock):
    from tests.support.booking import book_post, page_headers
    from tests.support.caps import capped

    browser.allow(r"status of 409 \(Conflict\) @ .*/api/v1/book$")
    hall.service.file_config = capped({}, no_show_limit=1, block_days=7)
    hall.service._hall.config = hall.service.file_config  # noqa: SLF001 — the hall's settings for this test
    headers = await page_headers(hall.client)
    await book_post(hall.client, headers, "/api/v1/book", {"matter": "SHBX-001", "slot_start": at("2026-11-23 10:00"),
                                                          "contact": PHONE})
    clock.now = at("2026-11-24 08:00")  # Monday's booking was missed; counted once Monday has closed
    hall.service.tick()
    page = await browser.new_page(viewport=PHONE_VIEW)
    await page.goto(base(hall) + "/book")
    await page.click("#matters details[data-category=A] summary")
    await page.click("text=城乡居民基本养老保险参保登记")
    await page.click("#days input[value='2026-11-25']")
    await page.click(f"#slots input[value='{at('2026-11-25 10:00'):.0f}']")
    await page.fill("#contact", PHONE)
    await page.click("#book-submit")
    await text_is(page, "book-error", "您近期多次预约未到，2026-12-01 起才能再次在线预约。如有疑问请拨打监督电话。")
