"""The citizen's pages in real headless Chromium (Playwright driving Debian's chromium) against the
real server on loopback: the ticket page `/t/<token>` tells what the estimate contract says and
nothing more, the public board `/` follows the hall live, and sign-in and error pages speak the
page's language. Every page is watched for console errors and CSP violations (tests/support/browser.py)."""

from __future__ import annotations

import asyncio
import contextlib

import pytest

from tests.support.browser import base, drawn
from tests.support.hall import PASSWORD, at

pytestmark = pytest.mark.slow


async def text_is(page, element_id: str, text: str, timeout: int = 10000) -> None:
    """Wait until #element_id shows exactly `text` (an arrow function: the CSP forbids eval)."""
    await page.wait_for_function(
        "([id, t]) => { const e = document.getElementById(id); return !!e && e.textContent.trim() === t; }",
        arg=[element_id, text], timeout=timeout)


async def text_has(page, element_id: str, text: str, timeout: int = 10000) -> None:
    await page.wait_for_function(
        "([id, t]) => { const e = document.getElementById(id); return !!e && e.textContent.includes(t); }",
        arg=[element_id, text], timeout=timeout)


async def replayed(hall) -> None:
    """The server replays its estimates in the background at least every 30 s: after moving the
    hall's clock, run that replay now instead of waiting for it."""
    from queue_server.web import keys

    await hall.client.server.app[keys.ESTIMATES].refresh()


async def visible_text(page) -> str:
    return await page.evaluate("() => document.body.innerText")


# ---------------------------------------------------------------- the ticket page


async def test_ticket_page_is_live_and_mobile_sized(hall, browser, tmp_path):
    await hall.act(1, "open")
    _, t = await hall.post("/api/v1/tickets", json={"category": "A"}, expect=201)
    page = await browser.new_page(viewport={"width": 390, "height": 844})
    await page.goto(f"{base(hall)}/t/{t['token']}")
    await text_is(page, "number", "A001")
    assert await page.text_content("#status") == "等待叫号"
    assert await page.text_content("#ahead") == "0 人"
    assert await page.text_content("#hall") == "示范镇便民服务中心"
    assert await page.is_visible("#advice")
    await text_has(page, "live", "实时")
    await hall.act(1, "call-next")
    await text_is(page, "status", "请到 1 号窗口办理", timeout=5000)
    assert await page.is_hidden("#row-ahead")  # nobody is ahead of a called ticket any more
    await page.screenshot(path=str(tmp_path / "ticket.png"), full_page=True)
    share, colour = await drawn(page, "#number")
    assert share > 0.05 and max(colour) < 90  # the number in big dark type
    share, colour = await drawn(page, "#status")
    assert share > 0.02 and colour[0] > 130 and colour[1] < 90 and colour[2] < 90  # the call in red
    assert await page.evaluate("document.documentElement.scrollWidth") <= 390  # no sideways scrolling


async def test_ticket_page_promises_no_time_when_no_window_serves_its_category(hall, browser):
    """Window 5 is the only D window and it is closed: no range, no 0–2 min — 暂无窗口办理."""
    await hall.act(1, "open")
    _, t = await hall.post("/api/v1/tickets", json={"category": "D"}, expect=201)
    page = await browser.new_page(viewport={"width": 390, "height": 844})
    await page.goto(f"{base(hall)}/t/{t['token']}")
    await text_is(page, "estimate", "暂无窗口办理")
    assert "分钟" not in await page.text_content(".card")  # no range anywhere on the ticket
    assert await page.is_hidden("#warning")
    # In the lunch break the estimate counts from the afternoon session: say when it starts.
    hall.clock.now = at("2026-11-23 12:10")
    await replayed(hall)
    await page.reload()
    await text_is(page, "estimate", "预计 13:30 开始办理")
    # The window opens: now there is a range.
    await hall.act(5, "open")
    await text_has(page, "estimate", "分钟")
    assert (await page.text_content("#estimate")).startswith("约 ")


async def test_ticket_page_warns_when_the_call_is_unlikely_before_closing(hall, browser):
    await hall.act(5, "open")
    tickets = [(await hall.post("/api/v1/tickets", json={"category": "D"}, expect=201))[1] for _ in range(12)]
    hall.clock.now = at("2026-11-23 16:20")
    await replayed(hall)
    _, status = await hall.get(f"/api/v1/status/{tickets[-1]['token']}")
    assert status["estimate"]["beyond_closing"] is True  # the contract's flag, from the real server
    page = await browser.new_page(viewport={"width": 390, "height": 844})
    await page.goto(f"{base(hall)}/t/{tickets[-1]['token']}")
    await text_is(page, "warning", "今天 17:00 停止办理，按目前进度可能轮不到")
    assert await page.is_visible("#warning")
    await page.goto(f"{base(hall)}/t/{tickets[0]['token']}")  # the first D ticket will be called in time
    await text_is(page, "number", "D001")
    assert await page.is_hidden("#warning")


async def test_ticket_page_says_the_hall_s_own_missed_ticket_rule(hall, browser):
    """The township lets a missed ticket rejoin within 30 min: the page must not say 过号请重新取号."""
    _, t = await hall.post("/api/v1/tickets", json={"category": "A"}, expect=201)
    page = await browser.new_page(viewport={"width": 390, "height": 844})
    await page.goto(f"{base(hall)}/t/{t['token']}")
    await text_is(page, "rule", "过号后30分钟内可到窗口登记，重新排到队尾")
    assert "过号请重新取号" not in await visible_text(page)
    await hall.act(1, "open")
    await hall.act(1, "call-next")
    await hall.act(1, "skip")
    await text_is(page, "status", "已过号")
    assert await page.text_content("#rule") == "过号后30分钟内可到窗口登记，重新排到队尾"
    await text_has(page, "live", "实时")  # a missed ticket may rejoin: the page keeps following it
    await page.goto(f"{base(hall)}/t/{t['token']}?lang=en")
    await text_is(page, "rule", "Missed your call? Within 30 min a window can queue you again, at the end")


async def test_a_finished_ticket_says_so_and_stops_listening(hall, browser):
    await hall.act(1, "open")
    _, t = await hall.post("/api/v1/tickets", json={"category": "A"}, expect=201)
    page = await browser.new_page(viewport={"width": 390, "height": 844})
    sockets = []
    page.on("websocket", lambda ws: sockets.append(ws))
    await page.clock.install()
    await page.goto(f"{base(hall)}/t/{t['token']}")
    await text_is(page, "status", "等待叫号")
    await hall.act(1, "call-next")
    await hall.act(1, "complete")
    await text_is(page, "status", "已办结")
    await text_is(page, "live", "本号已结束，页面不再更新")
    text = await visible_text(page)
    assert "前面还有" not in text and "回到大厅" not in text and "预计等待" not in text
    assert await page.text_content("#rule") == "本号已办理完毕，感谢您的耐心等候。"
    assert len(sockets) == 1
    await page.clock.run_for(5 * 60 * 1000)  # five minutes of timers: no reconnect, no polling
    assert len(sockets) == 1 and sockets[0].is_closed()


async def test_an_unknown_or_expired_ticket_link_says_so_in_the_hall_s_style(hall, browser):
    browser.allow(r"status of 404 .*@ http://127\.0\.0\.1:\d+/t/")
    page = await browser.new_page(viewport={"width": 390, "height": 844})
    response = await page.goto(f"{base(hall)}/t/this-token-does-not-exist")
    assert response.status == 404
    assert await page.text_content("h2") == "没有找到这张号"
    assert "号票仅在取号当天有效" in await visible_text(page)
    assert await page.text_content("header h1") == "示范镇便民服务中心"
    assert await page.locator("script").count() == 0  # nothing left running: no stream, no retries
    await page.goto(f"{base(hall)}/t/this-token-does-not-exist?lang=en")
    assert await page.text_content("h2") == "Ticket not found"


async def test_a_ticket_page_left_open_overnight_stops_when_its_ticket_is_gone(hall, browser):
    browser.allow(r"status of 404 .*@ http://127\.0\.0\.1:\d+/api/v1/status/")
    _, t = await hall.post("/api/v1/tickets", json={"category": "A"}, expect=201)
    page = await browser.new_page(viewport={"width": 390, "height": 844})
    sockets = []
    page.on("websocket", lambda ws: sockets.append(ws))
    await page.clock.install()
    await page.goto(f"{base(hall)}/t/{t['token']}")
    await text_is(page, "status", "等待叫号")
    hall.clock.now = at("2026-11-24 08:00")
    hall.service.tick()  # the day rolls over: yesterday's tickets are no longer known
    await text_is(page, "status", "没有找到这张号")
    await text_is(page, "live", "页面不再更新")
    assert "号票仅在取号当天有效" in await page.text_content("#rule")
    await page.clock.run_for(5 * 60 * 1000)
    assert len(sockets) == 1 and sockets[0].is_closed()


async def test_ticket_page_in_english(hall, browser):
    _, t = await hall.post("/api/v1/tickets", json={"category": "D"}, expect=201)
    page = await browser.new_page()
    await page.goto(f"{base(hall)}/t/{t['token']}?lang=en")
    await text_is(page, "number", "D001")
    assert await page.text_content("#status") == "Waiting"
    assert await page.text_content("#estimate") == "no window serving now"


# ---------------------------------------------------------------- the public board


async def test_the_public_board_follows_the_hall_live(hall, browser, tmp_path):
    await hall.act(1, "open")
    await hall.act(2, "open")
    await hall.act(2, "pause", json={"reason": "午休"})
    for body in ({"category": "A"}, {"category": "A"}, {"category": "D"}, {"category": "A"}):
        await hall.post("/api/v1/tickets", json=body, expect=201)
    await hall.act(1, "call-next")
    page = await browser.new_page(viewport={"width": 1920, "height": 1080})
    await page.goto(f"{base(hall)}/")
    await page.wait_for_selector("#windows li[data-number='1']")
    tile = page.locator("#windows li[data-number='1'] span, #windows li[data-number='1'] b")
    assert await tile.all_text_contents() == ["1号窗口", "综合受理一", "A001"]
    assert await page.text_content("#windows li[data-number='2'] b") == "暂停服务"
    assert await page.text_content("#windows li[data-number='5'] b") == "未开放"
    assert await page.text_content("#windows li[data-number='3'] b") == "未开放"
    row = page.locator("#queues tr[data-code=D] td")
    assert (await row.all_text_contents())[1:] == ["1 人", "暂无窗口办理"]  # window 5 is closed
    a_row = await page.locator("#queues tr[data-code=A] td").all_text_contents()
    assert a_row[1] == "2 人" and a_row[2].startswith("约 ") and a_row[2].endswith(" 分钟")
    assert await page.locator("#calls li").all_text_contents() == ["A0011号窗口09:00"]
    assert (await page.text_content("#updated")) == "更新于 09:00:00"
    assert await page.locator("a[href*='openapi']").count() == 0  # no raw API for citizens
    assert await page.locator("a").evaluate_all("(links) => links.map((a) => a.getAttribute('href'))") == [
        "?lang=en", "/book", "/login"]  # the booking page (docs/appointments.md), and staff sign-in

    # Live: a call, a window opening, the notice — no reload.
    hall.clock.advance(90)
    await hall.act(1, "call-next")
    await page.wait_for_selector("#calls li[data-number=A002]", timeout=5000)
    assert await page.text_content("#windows li[data-number='1'] b") == "A002"
    await hall.act(5, "open")
    await page.wait_for_function("() => !document.querySelector('#queues tr[data-code=D] td:nth-child(3)').textContent.includes('暂无')",
                                 timeout=5000)
    r = await hall.client.post("/api/v1/session", json={"username": "manager1", "password": PASSWORD})
    csrf = (await r.json())["csrf_token"]
    r = await hall.client.post("/api/v1/notice", json={"text": "今天下午办理社保业务请带好身份证"}, headers={"X-CSRF-Token": csrf})
    assert r.status == 200
    await text_is(page, "notice", "今天下午办理社保业务请带好身份证", timeout=5000)
    assert (await page.text_content("#updated")) == "更新于 09:01:30"
    await page.screenshot(path=str(tmp_path / "board-1920.png"), full_page=True)


async def test_the_public_board_in_english(hall, browser):
    page = await browser.new_page(viewport={"width": 390, "height": 844})
    await page.goto(f"{base(hall)}/?lang=en")
    await page.wait_for_selector("#queues tr[data-code=A]")
    assert await page.text_content("#windows li[data-number='1'] b") == "Closed"
    assert await page.text_content("#queues-h") == "Waiting now"
    assert await page.text_content("#calls-empty") == "No calls yet today."


# ---------------------------------------------------------------- sign-in and error pages


async def test_sign_in_errors_are_in_the_page_s_language(hall, browser):
    browser.allow(r"status of (401|429) .*@ http://127\.0\.0\.1:\d+/api/v1/session")
    page = await browser.new_page(viewport={"width": 1366, "height": 800})
    await page.goto(f"{base(hall)}/login?next=/manage")
    assert await page.text_content("#why") == "管理看板仅限中心负责人（管理人员）账号登录。"
    for attempt in range(6):
        await page.fill("#username", "manager1")
        await page.fill("#password", "wrong password")
        await page.click("button[type=submit]")
        expected = "用户名或密码错误" if attempt < 5 else "登录失败次数过多，请 1 分钟后再试"
        await text_is(page, "error", expected)
        await page.evaluate("() => { document.getElementById('error').textContent = ''; }")
    # The form keeps to the sign-in column, not the page's full width.
    width = await page.evaluate("() => document.getElementById('form').getBoundingClientRect().width")
    assert width <= 420


@pytest.mark.parametrize("next_", ["/%5Cevil.example/", "//evil.example/", "https://evil.example/", "/\\evil.example"])
async def test_after_sign_in_the_page_stays_on_this_site(hall, browser, next_):
    """/login?next= only goes to a path of this site, however the browser would read `next`."""
    browser.allow(r"status of 403 .*")  # a clerk-free manager page may refuse the odd path
    page = await browser.new_page(viewport={"width": 1366, "height": 800})
    await page.goto(f"{base(hall)}/login?next={next_}")
    await page.fill("#username", "manager1")
    await page.fill("#password", PASSWORD)
    browser.allow(r"evil\.example")  # the old page tried to go there; the machine has no network
    went: list[str] = []
    page.on("framenavigated", lambda frame: went.append(frame.url) if frame == page.main_frame else None)
    with contextlib.suppress(Exception):  # a navigation to an unreachable host fails: that is the point
        async with page.expect_navigation(timeout=10000):
            await page.click("button[type=submit]")
    await asyncio.sleep(0.3)
    assert went and all(url.startswith(base(hall) + "/") for url in went), went


async def test_unknown_addresses_get_a_page_in_the_hall_s_style_not_a_bare_404(hall, browser):
    browser.allow(r"status of (404|405) .*@ http://127\.0\.0\.1:\d+/")
    r = await hall.client.get("/no/such/page")
    assert r.status == 404 and r.content_type == "text/html"
    r = await hall.client.get("/api/v1/no-such-route")
    assert r.status == 404 and (await r.json())["error"] == "not_found"  # the API keeps answering JSON
    page = await browser.new_page(viewport={"width": 390, "height": 844})
    await page.goto(f"{base(hall)}/no/such/page")
    assert await page.text_content("h2") == "页面不存在"
    assert "404" not in await visible_text(page) and "Not Found" not in await visible_text(page)
    assert await page.get_attribute("a.button-link", "href") == "/"
    await page.goto(f"{base(hall)}/static/missing.css?lang=en")
    assert await page.text_content("h2") == "Page not found"


async def test_a_page_that_fails_says_so_in_the_hall_s_style(hall, monkeypatch):
    from queue_server.web import pages

    def broken(name: str):
        raise OSError(f"cannot read {name}")  # e.g. a damaged installation

    monkeypatch.setattr(pages, "_page", broken)
    r = await hall.client.get("/")
    assert r.status == 500 and r.content_type == "text/html"
    text = await r.text()
    assert "出错了" in text and "Internal Server Error" not in text


async def test_manager_page_needs_sign_in_and_shows_hand_computed_figures(hall, browser, tmp_path):
    # A tickets at 09:00–09:03 called at 09:05, 09:10, 09:20, 09:30: waits 5, 9, 18, 27 min.
    for _ in range(4):
        await hall.post("/api/v1/tickets", json={"category": "A"}, expect=201)
        hall.clock.advance(60)
    await hall.post("/api/v1/tickets", json={"category": "E"}, expect=201)
    await hall.act(1, "open")
    for minute in (5, 10, 20, 30):
        hall.clock.now = at("2026-11-23 09:00") + minute * 60
        await hall.act(1, "call-next")
    hall.clock.now = at("2026-11-23 09:44")

    browser.allow(r"status of 401 .*@ http://127\.0\.0\.1:\d+/api/v1/session")
    page = await browser.new_page(viewport={"width": 1280, "height": 900})
    await page.goto(f"{base(hall)}/manage")
    assert page.url.endswith("/login?next=/manage")
    await page.fill("#username", "manager1")
    await page.fill("#password", "wrong password")
    await page.click("button[type=submit]")
    await page.wait_for_function("() => document.getElementById('error').textContent.length > 0")
    assert await page.text_content("#error") == "用户名或密码错误"
    await page.fill("#password", PASSWORD)
    await page.click("button[type=submit]")
    await page.wait_for_url(f"{base(hall)}/manage")
    await page.wait_for_function("() => document.getElementById('k-waiting').textContent === '1'")
    assert await page.text_content("#k-issued") == "5"
    assert await page.text_content("#k-wait") == "14 分钟 / 27 分钟"  # median 13.5 min, P90 27 min
    assert await page.text_content("#k-longest") == "40 分钟"  # E001 taken at 09:04
    row = page.locator("#categories tr[data-code=A] td")
    assert await row.all_text_contents() == ["A 综合业务(个人)", "0", "—", "4", "14 分钟", "27 分钟", "50%"]
    window1 = page.locator("#windows tr[data-number='1'] td")
    assert (await window1.all_text_contents())[:3] == ["1号 综合受理一", "开放", "A004"]

    await hall.act(6, "open")
    await hall.act(6, "call-next")  # the page follows the event stream
    await page.wait_for_function("() => document.getElementById('k-waiting').textContent === '0'", timeout=5000)
    await page.screenshot(path=str(tmp_path / "manage.png"), full_page=True)

    await page.click("#signout")
    await page.wait_for_url(f"{base(hall)}/login")
    r = await page.request.get(f"{base(hall)}/api/v1/stats/live")
    assert r.status == 401


async def test_manager_works_a_bad_review_follow_up_on_the_page(hall, browser):
    from queue_server.auth import Accounts

    await hall.act(1, "open")
    await hall.post("/api/v1/tickets", json={"category": "A"}, expect=201)
    await hall.act(1, "call-next")
    await hall.act(1, "complete")
    pad = Accounts(hall.service.store).add_device("pad-1", "review", 1, hall.clock())
    r = await hall.client.post("/api/v1/ratings", headers={"Authorization": f"Bearer {pad}"},
                               json={"number": "A001", "level": 1, "reasons": ["服务态度差"], "text": "等了很久没人理"})
    assert r.status == 201
    hall.clock.now = at("2026-12-02 09:00")  # deadline Mon 30 Nov: 2 working days late
    hall.service.tick()  # the server's day timer closes the old days

    page = await browser.new_page(viewport={"width": 1280, "height": 900})
    await page.goto(f"{base(hall)}/login?next=/manage")
    await page.fill("#username", "manager1")
    await page.fill("#password", PASSWORD)
    await page.click("button[type=submit]")
    await page.wait_for_url(f"{base(hall)}/manage")
    row = page.locator("#followups tr[data-id='20261123-A001']")
    await row.wait_for()
    cells = await row.locator("td").all_text_contents()
    assert cells[:6] == ["A001", "1号", "非常不满意", "服务态度差 — 等了很久没人理", "待核实", "2026-11-30 已超期2个工作日"]
    assert await row.get_attribute("class") == "overdue"
    page.on("dialog", lambda dialog: asyncio.ensure_future(dialog.accept("已调取录像核实")))
    await row.locator("button[data-step=verified]").click()
    await page.wait_for_function("() => document.querySelector(\"#followups tr[data-id='20261123-A001'] td:nth-child(5)\").textContent === '已核实'")
    fu = hall.service.follow_ups.get("20261123-A001")
    assert fu.state == "verified" and fu.history[-1]["note"] == "已调取录像核实" and fu.history[-1]["by"] == "manager1"
