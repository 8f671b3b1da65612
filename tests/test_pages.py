"""The web pages in real headless Chromium (Playwright driving Debian's chromium)."""

from __future__ import annotations

import asyncio

import pytest

from .browser import base
from .conftest import PASSWORD, at

pytestmark = pytest.mark.slow


async def test_ticket_page_is_live_and_mobile_sized(hall, browser, tmp_path):
    _, t = await hall.post("/api/v1/tickets", json={"category": "A"}, expect=201)
    page = await browser.new_page(viewport={"width": 390, "height": 844})
    await page.goto(f"{base(hall)}/t/{t['token']}")
    await page.wait_for_function("() => document.getElementById('number').textContent === 'A001'")
    assert await page.text_content("#status") == "等待叫号"
    assert await page.text_content("#ahead") == "0 人"
    assert await page.text_content("#hall") == "示范镇便民服务中心"
    await page.wait_for_function("() => document.getElementById('live').textContent.includes('实时')")
    await hall.act(1, "open")
    await hall.act(1, "call-next")
    await page.wait_for_function("() => document.getElementById('status').textContent.includes('1 号窗口')", timeout=5000)
    assert await page.text_content("#status") == "请到 1 号窗口办理"
    shot = await page.screenshot(path=str(tmp_path / "ticket.png"), full_page=True)
    assert len(shot) > 5000
    width = await page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390  # no sideways scrolling on a phone


async def test_ticket_page_in_english_and_unknown_token(hall, browser):
    _, t = await hall.post("/api/v1/tickets", json={"category": "D"}, expect=201)
    page = await browser.new_page()
    await page.goto(f"{base(hall)}/t/{t['token']}?lang=en")
    await page.wait_for_function("() => document.getElementById('number').textContent === 'D001'")
    assert await page.text_content("#status") == "Waiting"
    await page.goto(f"{base(hall)}/t/this-token-does-not-exist")
    await page.wait_for_function("() => document.getElementById('status').textContent.includes('没有找到')")


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
