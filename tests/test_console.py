"""The clerk console in real headless Chromium (Playwright driving Debian's chromium) against the
real server on loopback. Every action goes through the page; the hall's state is checked through
the API afterwards, so a page that only looks right cannot pass."""

from __future__ import annotations

import asyncio

import pytest

from tests.support.browser import base, drawn
from tests.support.hall import PASSWORD
from tests.support.pages import sign_in, text_has, text_is

pytestmark = pytest.mark.slow


async def window_state(hall, number: int) -> dict:
    _, q = await hall.get("/api/v1/queue")
    return next(w for w in q["windows"] if w["number"] == number)


async def ticket(page, hall, number: str) -> dict:
    """The ticket as the API shows it to the signed-in clerk (the browser's own session)."""
    r = await page.request.get(f"{base(hall)}/api/v1/tickets/{number}")
    assert r.status == 200
    return await r.json()


async def test_console_mouse_path_serves_a_citizen_end_to_end(hall, browser, tmp_path):
    browser.allow(r"status of 409 .*/api/v1/windows/1/call-next$")  # pressed with nobody waiting
    browser.allow(r"status of 404 .*/api/v1/windows/1/intake$")  # tickets taken without an ID card
    page = await browser.new_page(viewport={"width": 1366, "height": 900})
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    await sign_in(page, hall, "/console?window=1")
    await text_has(page, "win-title", "1 号窗口")
    await text_is(page, "win-state", "关闭")
    await text_is(page, "waiting-empty", "暂无等候。")

    await page.click("button[data-action=open]")
    await text_is(page, "win-state", "开放")
    assert (await window_state(hall, 1))["status"] == "open"

    # Nothing waiting: the server's 409 is shown in Chinese only, never its English message.
    await page.click("button[data-action=call-next]")
    await text_has(page, "msg", "无人等待")
    assert (await page.text_content("#msg")).endswith("  无人等待")

    # A kiosk issues tickets through the API: the waiting list follows without a reload.
    await hall.post("/api/v1/tickets", json={"matter": "SHBX-001"}, expect=201)
    await page.wait_for_selector("#waiting tr[data-number=A001]", timeout=10000)
    await hall.post("/api/v1/tickets", json={"category": "A"}, expect=201)
    await hall.post("/api/v1/tickets", json={"category": "D"}, expect=201)  # window 1 does not serve D
    await page.wait_for_selector("#waiting tr[data-number=A002]", timeout=10000)
    assert await page.locator("#waiting tr[data-number=D001]").count() == 0
    await text_is(page, "waiting-count", "（2 人）")
    hall.clock.advance(6 * 60)

    await page.click("button[data-action=call-next]")
    await text_is(page, "cur-number", "A001")
    assert await page.text_content("#cur-matter") == "城乡居民基本养老保险参保登记"
    assert await page.text_content("#cur-status") == "已呼叫，等候到窗"
    materials = await page.locator("#materials .mat-name").all_text_contents()
    assert materials == ["居民身份证或居民户口簿", "城乡居民基本养老保险参保登记表", "代办人居民身份证及授权委托书"]
    await page.check("#mat-0")
    await text_is(page, "waiting-count", "（1 人）")
    # Waits are counted on the hall's clock (the server's time), not the PC's.
    # (estimates are replayed in the background: the row follows the replay's `queues` message)
    for _ in range(50):
        est = (await ticket(page, hall, "A002"))["estimate"]
        row = await page.locator("#waiting tr[data-number=A002] td").all_text_contents()
        if row[3] == f"{est['low_min']}–{est['high_min']} 分":
            break
        await asyncio.sleep(0.1)
    assert row == ["A002", "A 综合业务(个人)", "6 分钟", f"{est['low_min']}–{est['high_min']} 分", "呼叫"]
    assert (await window_state(hall, 1))["current"] == "A001"
    await text_is(page, "intake-note", "本号未使用身份证取号")

    await page.click("button[data-action=recall]")
    await text_has(page, "msg", "已重呼 A001")
    assert (await ticket(page, hall, "A001"))["recalls"] == 1
    await text_has(page, "cur-called", "/ 1")
    assert await page.is_checked("#mat-0")  # the clerk's ticks survive a refresh of the same ticket

    await page.click("button[data-action=start]")
    await text_is(page, "cur-status", "办理中")
    hall.clock.advance(5 * 60)
    await page.click("button[data-action=complete]")
    await text_has(page, "msg", "已办结 A001")
    await text_is(page, "cur-number", "—")
    await text_is(page, "me-served", "1")
    assert await page.text_content("#me-mean") == "5 分 0 秒"
    assert await page.text_content("#me-rated") == "0 / 1"
    assert (await ticket(page, hall, "A001"))["outcome"] == "served"

    await page.click("button[data-action=request-rating]")
    await text_has(page, "msg", "已请求评价")
    _, card = await hall.get("/api/v1/windows/1/card", who="review")
    assert card["rating_requested"] == "A001"
    assert card["clerk"]["username"] == "clerk1"  # opening from the console made clerk1 the window's clerk
    # The citizen rates on the pad: the clerk's figures follow live, with no action on the page.
    await hall.post("/api/v1/ratings", who="review", json={"number": "A001", "level": 5, "channel": "pad"}, expect=201)
    await text_is(page, "me-rated", "1 / 0")
    assert (await page.text_content("#me-levels")).startswith("非常满意 1 · 满意 0")

    # Call a specific number; then transfer it to category F through the dialog.
    await page.fill("#call-number", "a002")
    await page.click("#call-form button[type=submit]")
    await text_is(page, "cur-number", "A002")
    await page.click("button[data-action=transfer]")
    await page.click("#transfer-categories button[data-key=f]")
    await text_has(page, "msg", "已转移 A002 → F")
    t = await ticket(page, hall, "A002")
    assert (t["status"], t["category"]["code"]) == ("waiting", "F")
    await text_is(page, "cur-number", "—")

    # Pause with a reason, then resume.
    await page.click("button[data-action=pause]")
    await page.click("#pause-presets button >> text=午休")
    await page.click("#pause-form button[type=submit]")
    await text_is(page, "win-state", "暂停服务")
    assert await page.text_content("#pause-reason") == "原因：午休"
    assert (await window_state(hall, 1))["status"] == "paused"
    await page.reload()  # the reason comes from the server, not from this page's memory
    await text_is(page, "win-state", "暂停服务")
    await page.wait_for_function("() => document.getElementById('pause-reason').textContent === '原因：午休'")
    await page.click("button[data-action=resume]")
    await text_is(page, "win-state", "开放")
    assert (await window_state(hall, 1))["status"] == "open"

    await hall.post("/api/v1/tickets", json={"matter": "SHBX-001"}, expect=201)
    await page.wait_for_selector("#waiting tr[data-number=A003]", timeout=10000)
    await page.click("#waiting tr[data-number=A003] button")  # call straight from the list
    await text_is(page, "cur-number", "A003")
    await page.wait_for_selector("#mat-2")
    assert not await page.is_checked("#mat-0")  # a new ticket starts with a clean checklist
    await page.screenshot(path=str(tmp_path / "console.png"), full_page=True)
    share, colour = await drawn(page, "#cur-number")
    assert share > 0.05 and colour[0] > 130 and colour[1] < 90 and colour[2] < 90  # the number being served, in red
    await page.click("button[data-action=complete]")
    await text_is(page, "me-served", "2")
    # After a mouse click, Enter means "call next", not "press that button again".
    await hall.post("/api/v1/tickets", json={"category": "G"}, expect=201)
    await page.wait_for_selector("#waiting tr[data-number=G001]", timeout=10000)
    await page.click("button[data-action=request-rating]")  # stays enabled after the click
    await text_has(page, "msg", "在评价器上评价（A003）")
    await page.keyboard.press("Enter")
    await text_is(page, "cur-number", "G001")
    await page.click("button[data-action=skip]")
    await text_is(page, "cur-number", "—")
    await page.click("button[data-action=close]")
    await text_is(page, "win-state", "关闭")
    assert (await window_state(hall, 1))["status"] == "closed"
    assert errors == []


async def test_console_keyboard_only(hall, browser, tmp_path):
    browser.allow(r"status of 409 .*/api/v1/windows/2/call-next$")  # F1 on a paused window
    browser.allow(r"status of 404 .*/api/v1/windows/2/intake$")  # tickets taken without an ID card
    page = await browser.new_page(viewport={"width": 1366, "height": 900})
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    kb = page.keyboard
    await hall.act(2, "open")  # a keypad opened window 2 earlier: nobody is signed in to it
    await page.goto(base(hall) + "/console")
    await page.wait_for_url("**/login?next=/console")
    await kb.type("clerk1")  # the username field has autofocus
    await kb.press("Tab")
    await kb.type(PASSWORD)
    await kb.press("Enter")
    await page.wait_for_url(base(hall) + "/console")

    # First use on this PC: choose the window with its digit; it is remembered.
    await page.wait_for_selector("#chooser-list button[data-key='2']")
    await kb.press("2")
    await text_has(page, "win-title", "2 号窗口")
    await text_is(page, "win-state", "开放")
    await text_is(page, "win-clerk", "工作人员：未签到")
    await kb.press("o")  # take the window over, so the ratings of its services bind to clerk1
    await text_is(page, "win-clerk", "工作人员：clerk1")
    card = await (await page.request.get(f"{base(hall)}/api/v1/windows/2/card")).json()
    assert card["clerk"]["username"] == "clerk1"
    await kb.press("o")
    await text_has(page, "msg", "现在不能执行：接管窗口")
    for body in ({"matter": "SHBX-001"}, {"category": "A"}, {"category": "B"}):
        await hall.post("/api/v1/tickets", json=body, expect=201)
    await page.wait_for_selector("#waiting tr[data-number=B001]", timeout=10000)

    await kb.press("r")  # nothing at the window: refused on the page, nothing sent
    await text_has(page, "msg", "现在不能执行：重呼")
    await kb.press("F1")
    await text_is(page, "cur-number", "A001")
    await kb.press("r")
    await text_has(page, "msg", "已重呼 A001")
    await kb.press("a")
    await text_is(page, "cur-status", "办理中")
    await kb.press("p")  # no pause with someone at the window: said on the page, no dialog
    await text_has(page, "msg", "现在不能执行：暂停")
    assert await page.locator("#pause-dialog[open]").count() == 0

    await kb.press("t")  # transfer to window 3: its digit, then Enter
    await page.wait_for_selector("#transfer-dialog[open]")
    await kb.press("3")
    await page.screenshot(path=str(tmp_path / "console-transfer.png"))
    await kb.press("Enter")
    await text_has(page, "msg", "已转移 A001 → 3 号窗口")
    t = await ticket(page, hall, "A001")
    assert (t["status"], t["target_window"]) == ("waiting", 3)

    await kb.press("Enter")  # Enter on the page calls the next ticket too
    await text_is(page, "cur-number", "A002")
    await kb.press("s")
    await text_has(page, "msg", "已过号 A002")
    assert (await ticket(page, hall, "A002"))["outcome"] == "no_show"

    await kb.press("n")  # call a specific number
    await kb.type("b001")
    await kb.press("Enter")
    await text_is(page, "cur-number", "B001")
    await kb.press("h")
    await page.wait_for_function("() => document.getElementById('held').textContent.includes('B001')")
    assert (await ticket(page, hall, "B001"))["status"] == "held"
    await kb.press("n")
    await kb.type("B001")
    await kb.press("Enter")
    await text_is(page, "cur-number", "B001")
    hall.clock.advance(4 * 60)
    await kb.press("c")
    await text_has(page, "msg", "已办结 B001")
    await text_is(page, "me-served", "1")
    await kb.press("e")
    await text_has(page, "msg", "已请求评价")
    card = await (await page.request.get(f"{base(hall)}/api/v1/windows/2/card")).json()
    assert card["rating_requested"] == "B001"

    await kb.press("p")
    await page.wait_for_selector("#pause-dialog[open]")
    await kb.type("临时离开")
    await kb.press("Enter")
    await text_is(page, "win-state", "暂停服务")
    assert await page.text_content("#pause-reason") == "原因：临时离开"
    await kb.press("F1")  # a paused window refuses calls, and the clerk is told why
    await text_has(page, "msg", "窗口已暂停")
    await kb.press("p")
    await text_is(page, "win-state", "开放")
    await page.screenshot(path=str(tmp_path / "console-keys.png"), full_page=True)
    await kb.press("x")
    await text_is(page, "win-state", "关闭")

    await page.reload()  # the window is remembered on this PC
    await text_has(page, "win-title", "2 号窗口")
    assert await page.is_hidden("#chooser")
    assert (await window_state(hall, 2))["status"] == "closed"
    assert errors == []


async def test_console_in_english_a_fixed_window_and_no_lost_or_doubled_keys(hall, browser, tmp_path):
    browser.allow(r"status of 409 .*/api/v1/windows/5/call-next$")  # pressed with nobody waiting
    browser.allow(r"status of 404 .*/api/v1/windows/5/intake$")  # tickets taken without an ID card
    browser.allow(r"net::ERR_FAILED .*/api/v1/windows/5/call-next$")  # the server made unreachable below
    page = await browser.new_page(viewport={"width": 1280, "height": 800})
    await sign_in(page, hall, "/console?window=5&lang=en", user="manager1")
    await text_has(page, "win-title", "window 5")
    assert await page.is_hidden("#change-window")  # ?window=N fixes the window
    await text_is(page, "win-state", "Closed")
    kb = page.keyboard
    await kb.press("o")
    await text_is(page, "win-state", "Open")
    await kb.press("F1")
    await text_has(page, "msg", "Nobody is waiting")
    assert await page.text_content("#waiting-empty") == "Nobody is waiting."
    for _ in range(2):
        await hall.post("/api/v1/tickets", json={"category": "D"}, expect=201)
    await page.wait_for_selector("#waiting tr[data-number=D002]", timeout=10000)

    # The server cannot be reached: the clerk is told, and nothing happens later by surprise.
    await page.route("**/api/v1/windows/5/call-next", lambda route: route.abort())
    await kb.press("F1")
    await text_has(page, "msg", "Cannot reach the server: nothing was done")
    await page.unroute("**/api/v1/windows/5/call-next")
    assert (await ticket(page, hall, "D001"))["status"] == "waiting"

    # A second key while the first call is still on its way is refused, not queued.
    seen, release = asyncio.Event(), asyncio.Event()

    async def gate(route):
        seen.set()
        await release.wait()
        await route.continue_()

    await page.route("**/api/v1/windows/5/call-next", gate)
    await kb.press("F1")
    await asyncio.wait_for(seen.wait(), 10)  # a test that waits forever tells nothing
    await kb.press("F1")
    await text_has(page, "msg", "The previous action is still running")
    release.set()
    await text_is(page, "cur-number", "D001")
    await text_is(page, "cur-status", "Called, not yet here")
    assert (await ticket(page, hall, "D002"))["status"] == "waiting"  # one key, one call
    await page.unroute("**/api/v1/windows/5/call-next")

    assert await page.locator("#materials li").count() == 0  # a ticket without a matter has no checklist
    await text_is(page, "cur-matter", "(no matter chosen)")
    await page.screenshot(path=str(tmp_path / "console-en.png"), full_page=True)
    await page.click("#signout")
    await page.wait_for_url("**/login?next=**")
    r = await page.request.get(f"{base(hall)}/api/v1/me/today")
    assert r.status == 401


async def test_console_shows_the_intake_draft_only_to_the_clerk_at_that_window(hall, browser):
    browser.allow(r"status of 403 .*/api/v1/windows/5/intake$")  # before the clerk takes the window over
    from tests.support.domain import CARD

    _, t = await hall.post("/api/v1/tickets", json={"category": "D"}, expect=201)
    await hall.post(f"/api/v1/tickets/{t['id']}/intake", json=CARD, expect=200)
    await hall.act(5, "open", who="clerk-token")  # opened from the keypad: nobody signed in there yet
    await hall.act(5, "call-next", who="clerk-token")
    page = await browser.new_page(viewport={"width": 1366, "height": 900})
    await sign_in(page, hall, "/console?window=5")
    await text_has(page, "intake-note", "仅本窗口签到的工作人员可查看")
    assert await page.locator("#intake dd").count() == 0
    await page.click("button[data-action=open]")  # 接管窗口: the clerk signs in at window 5
    await page.wait_for_function("() => document.querySelectorAll('#intake dd').length > 0")
    values = await page.locator("#intake dd").all_text_contents()
    assert values[:5] == ["张三丰", "男", "汉", "1949-12-31", "11010519491231002X"]


async def test_taking_over_a_colleague_s_window_is_the_explicit_step_the_server_asks_for(hall, browser):
    from queue_server.auth import Accounts

    Accounts(hall.service.store).add_user("wangfang", PASSWORD, "clerk", hall.clock(), display_name="王芳")
    r = await hall.client.post("/api/v1/session", json={"username": "wangfang", "password": PASSWORD})
    csrf = (await r.json())["csrf_token"]
    r = await hall.client.post("/api/v1/windows/1/open", headers={"X-CSRF-Token": csrf})
    assert r.status == 200
    browser.allow(r"status of 404 .*/api/v1/windows/1/intake$")
    page = await browser.new_page(viewport={"width": 1366, "height": 900})
    await sign_in(page, hall, "/console?window=1")
    await text_is(page, "win-clerk", "工作人员：王芳")  # the colleague, by name
    await page.keyboard.press("o")  # 接管窗口 (O)
    await text_has(page, "msg", "窗口已开启，本人为该窗口工作人员")
    await text_is(page, "win-clerk", "工作人员：clerk1")
    _, card = await hall.get("/api/v1/windows/1/card", who="review")
    assert card["clerk"]["username"] == "clerk1"
