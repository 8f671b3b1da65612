"""The manager's live page (/manage) in real headless Chromium against the real server on loopback:
what the hall asks for help with arrives at once with a sound and can be acknowledged; device
health, print failures, no-shows and ratings are shown; a category with people waiting and no
open window is a warning; clerks are named by their names; a clerk is told the page is not theirs."""

from __future__ import annotations

import pytest

from queue_server.auth import Accounts
from tests.support.browser import base
from tests.support.hall import PASSWORD

pytestmark = pytest.mark.slow

# Counts the tones the page starts (WebAudio oscillators), without changing what the page does.
COUNT_TONES = """(() => { const start = OscillatorNode.prototype.start;
  window.__tones = 0; OscillatorNode.prototype.start = function (...a) { window.__tones += 1; return start.apply(this, a); }; })();"""


async def signed_in(browser, hall, user: str = "manager1", path: str = "/manage", **viewport):
    page = await browser.new_page(viewport=viewport or {"width": 1280, "height": 900})
    await page.add_init_script(COUNT_TONES)
    await page.goto(f"{base(hall)}/login?next={path}")
    await page.fill("#username", user)
    await page.fill("#password", PASSWORD)
    await page.click("button[type=submit]")
    await page.wait_for_url(f"{base(hall)}{path}")
    return page


async def text_is(page, selector: str, text: str, timeout: int = 5000) -> None:
    await page.wait_for_function(
        "([s, t]) => { const e = document.querySelector(s); return !!e && e.textContent.trim() === t; }",
        arg=[selector, text], timeout=timeout)


async def as_user(hall, username: str) -> str:
    """Sign the test client in as `username`; returns the CSRF token."""
    r = await hall.client.post("/api/v1/session", json={"username": username, "password": PASSWORD})
    assert r.status == 200
    return (await r.json())["csrf_token"]


async def test_help_requests_and_printer_alerts_arrive_at_once_with_a_sound_and_are_acknowledged(hall, browser, tmp_path):
    page = await signed_in(browser, hall)
    await text_is(page, "#alerts-empty", "暂无提醒：没有群众求助，设备均正常。")
    assert await page.text_content("#sound") == "开启提示音"  # the browser needs one click before it may sound
    await page.click("#sound")
    await text_is(page, "#sound", "提示音：开")

    await hall.post("/api/v1/alerts", json={"kind": "help", "message": "老人需要帮助填写表格"}, expect=201)
    await page.wait_for_selector("#alerts li[data-id='1']", timeout=5000)
    parts = await page.locator("#alerts li[data-id='1'] .alert-what > *").all_text_contents()
    assert parts == ["群众求助", "09:00", "kiosk-1"]
    assert await page.text_content("#alerts li[data-id='1'] .alert-message") == "老人需要帮助填写表格"
    await page.wait_for_function("() => window.__tones === 2")  # a two-tone beep
    assert (await page.title()).startswith("【1 条提醒】")
    assert await page.evaluate("() => !!document.querySelector('#alerts li.fresh')")

    await hall.post("/api/v1/alerts", json={"kind": "paper_low", "message": "打印纸将用完"}, expect=201)
    await page.wait_for_selector("#alerts li[data-id='2']", timeout=5000)
    await page.wait_for_function("() => window.__tones === 4")
    assert await page.text_content("#alerts li[data-id='2'] b") == "打印纸将用完"
    await page.screenshot(path=str(tmp_path / "manage-alerts.png"), full_page=True)

    await page.click("#alerts li[data-id='1'] button")
    await page.wait_for_selector("#alerts li[data-id='1']", state="detached", timeout=5000)
    assert hall.service.hall.state.desk.alerts[0].acknowledged_by == "manager1"
    assert await page.locator("#alerts li").count() == 1
    await page.reload()  # an acknowledged alert stays gone; a pending one is shown again, without a new beep
    await page.wait_for_selector("#alerts li[data-id='2']")
    assert await page.evaluate("() => window.__tones") == 0

    # Someone else acknowledged it meanwhile: the page says so in Chinese, not the server's English.
    browser.allow(r"status of 409 .*/api/v1/alerts/2/ack$")
    browser.allow(r"net::ERR_FAILED .*/api/v1/stats/live$")
    await page.route("**/api/v1/stats/live", lambda route: route.abort())  # the page cannot refresh in time
    csrf = await as_user(hall, "clerk1")
    r = await hall.client.post("/api/v1/alerts/2/ack", headers={"X-CSRF-Token": csrf})
    assert r.status == 200
    await page.click("#alerts li[data-id='2'] button")
    await text_is(page, "#alerts-error", "该提醒已有人处理")


async def test_device_health_print_failures_no_shows_and_ratings_are_shown(hall, browser):
    from queue_server.auth import Accounts

    await hall.act(1, "open")
    page = await signed_in(browser, hall)
    await text_is(page, "#devices-empty", "今天还没有设备上报状态。")
    await hall.post("/api/v1/devices/status", json={"printer": "out", "detail": "纸仓空"})
    await page.wait_for_selector("#devices tr[data-name=kiosk-1]", timeout=5000)
    cells = await page.locator("#devices tr[data-name=kiosk-1] td").all_text_contents()
    assert cells == ["kiosk-1", "自助取号机", "缺纸", "09:00", "纸仓空"]
    assert await page.get_attribute("#devices tr[data-name=kiosk-1]", "class") == "bad"

    _, t = await hall.post("/api/v1/tickets", json={"category": "A"}, expect=201)
    await hall.post(f"/api/v1/tickets/{t['id']}/print-failed", json={"reason": "paper out"}, expect=200)
    await page.wait_for_function("() => document.getElementById('print-failures').textContent.includes('A001')", timeout=5000)
    assert await page.text_content("#print-failures") == "今日打印失败 1 张（号票已在取号机屏幕显示）：A001"

    await hall.post("/api/v1/tickets", json={"category": "A"}, expect=201)
    await hall.act(1, "call-next")
    await hall.act(1, "complete")
    await hall.act(1, "call-next")
    await hall.act(1, "skip")
    await text_is(page, "#k-noshow", "1")
    assert await page.text_content("#k-served") == "1"
    pad = Accounts(hall.service.store).add_device("pad-1", "review", 1, hall.clock())
    r = await hall.client.post("/api/v1/ratings", headers={"Authorization": f"Bearer {pad}"}, json={"number": "A001", "level": 5})
    assert r.status == 201
    await text_is(page, "#k-rated", "1 / 0")
    assert await page.text_content("#k-good") == "100%"
    assert await page.text_content("#k-bad") == "0"


async def test_a_category_with_people_waiting_and_no_open_window_is_a_warning(hall, browser):
    await hall.act(1, "open")
    await hall.post("/api/v1/tickets", json={"category": "A"}, expect=201)  # served by open window 1: no warning
    page = await signed_in(browser, hall)
    await page.wait_for_selector("#categories tr[data-code=A]")
    assert await page.locator("#warnings p").count() == 0
    await hall.post("/api/v1/tickets", json={"category": "D"}, expect=201)  # only window 5 serves D, and it is closed
    await text_is(page, "#warnings p[data-code=D]", "D 户籍与身份证(公安)：1 人等待，没有开放的窗口，可开启5号窗口")
    assert await page.get_attribute("#categories tr[data-code=D]", "class") == "bad"
    await hall.act(5, "open")
    await page.wait_for_selector("#warnings p[data-code=D]", state="detached", timeout=5000)
    await hall.act(5, "pause", json={"reason": "午休"})
    await text_is(page, "#warnings p[data-code=D]", "D 户籍与身份证(公安)：1 人等待，没有开放的窗口（5号窗口暂停中）")


async def test_clerks_are_shown_by_name_and_a_clerk_is_told_the_page_is_for_managers(hall, browser):
    Accounts(hall.service.store).add_user("wangfang", PASSWORD, "clerk", hall.clock(), display_name="王芳")
    csrf = await as_user(hall, "wangfang")
    r = await hall.client.post("/api/v1/windows/3/open", headers={"X-CSRF-Token": csrf})
    assert r.status == 200
    page = await signed_in(browser, hall)
    await text_is(page, "#windows tr[data-number='3'] td:nth-child(4)", "王芳")

    browser.allow(r"status of 403 .*@ http://127\.0\.0\.1:\d+/manage$")
    clerk = await signed_in(browser, hall, user="wangfang")
    assert await clerk.text_content("h2") == "此页面仅限中心负责人使用"
    assert "窗口工作人员" in await clerk.text_content("main")
    links = await clerk.locator("a.button-link").evaluate_all("(a) => a.map((x) => [x.textContent, x.getAttribute('href')])")
    assert links == [["打开窗口工作台", "/console"], ["换用管理人员账号登录", "/login?next=/manage"]]
    await clerk.click("text=打开窗口工作台")
    await clerk.wait_for_url(f"{base(hall)}/console")
    await text_is(clerk, "#clerk", "王芳")  # the console greets the clerk by name too


async def test_failing_storage_is_a_warning_on_the_page(hall, browser):
    page = await browser.new_page(viewport={"width": 1280, "height": 900})
    await page.clock.install()
    await page.goto(f"{base(hall)}/login?next=/manage")
    await page.fill("#username", "manager1")
    await page.fill("#password", PASSWORD)
    await page.click("button[type=submit]")
    await page.wait_for_url(f"{base(hall)}/manage")
    await page.wait_for_selector("#categories tr[data-code=A]")
    assert await page.locator("#storage-warning").count() == 0
    hall.service.storage_trouble("database or disk is full")  # writes fail: no event tells the page
    await page.clock.run_for(16_000)  # the page's own 15 s refresh
    await text_is(page, "#storage-warning", "数据存储出现故障（09:00 起）：新的取号和操作无法保存，请立即联系技术人员。")


async def test_nothing_that_happens_before_the_live_link_is_up_is_missed(hall, browser):
    """The page loads its figures, then connects to the stream: an alert raised in between must
    show when the link comes up, not at the next 15 s refresh."""
    import asyncio

    release = asyncio.Event()

    async def late(ws):
        await release.wait()
        ws.connect_to_server()

    page = await browser.new_page(viewport={"width": 1280, "height": 900})
    await page.clock.install()  # no timer runs unless the test says so: the 15 s refresh never comes
    await page.route_web_socket("**/api/v1/events", late)
    await page.goto(f"{base(hall)}/login?next=/manage")
    await page.fill("#username", "manager1")
    await page.fill("#password", PASSWORD)
    await page.click("button[type=submit]")
    await page.wait_for_url(f"{base(hall)}/manage")
    await text_is(page, "#alerts-empty", "暂无提醒：没有群众求助，设备均正常。")
    await hall.post("/api/v1/alerts", json={"kind": "help", "message": ""}, expect=201)
    release.set()
    await page.wait_for_selector("#alerts li[data-id='1']", timeout=5000)
