"""Every page at the sizes it is used at, with a busy hall behind it: `/`, `/t/…` and `/manage` on a
390 px phone, `/` on a 1920 px hall screen, `/console` on a 1366 px window PC. Screenshots are
taken (look at them: tests/…/layout-*.png), and the page itself is measured: nothing wider than the
window, no label, number or name broken inside a word (a Range over each word has one line box;
a CJK word is a run without spaces), nothing cut off with an ellipsis, no English words on a
Chinese page, and the header's texts readable (contrast ≥ 4.5:1)."""

from __future__ import annotations

import pytest

from queue_server.auth import Accounts
from tests.support.browser import base
from tests.support.hall import PASSWORD, at
from tests.support.pages import english_words, measure

pytestmark = pytest.mark.slow

# The texts that must never break inside a word: labels, cells, numbers, names, buttons, links.
# Free text people typed or whole sentences (.wrap-ok, notes, warnings) may wrap between characters.
CONTRAST = """() => {
  const lum = (c) => { const [r, g, b] = c.match(/[\\d.]+/g).slice(0, 3).map((v) => { v = v / 255; return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; });
    return 0.2126 * r + 0.7152 * g + 0.0722 * b; };
  const background = (el) => { for (; el; el = el.parentElement) { const c = getComputedStyle(el).backgroundColor; if (!/rgba\\(.*, 0\\)$/.test(c) && c !== "transparent") return c; } return "rgb(255, 255, 255)"; };
  const out = [];
  for (const el of document.querySelectorAll("header *")) {
    if (!el.childNodes.length || ![...el.childNodes].some((n) => n.nodeType === 3 && n.data.trim())) continue;
    const a = lum(getComputedStyle(el).color), b = lum(background(el));
    out.push([el.textContent.trim(), (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05)]);
  }
  return out;
}"""

# Latin words a Chinese page may show: the language switch, a statistic's name, keys on the
# keyboard, and the names of the test hall's devices and accounts (data, not messages).


async def busy_hall(hall) -> dict:
    """A morning in the township hall: windows open (one paused, one closed with people waiting),
    tickets in every state, calls, alerts, a device fault, a bad review, the notice."""
    accounts = Accounts(hall.service.store)
    accounts.add_user("wangfang", PASSWORD, "clerk", hall.clock(), display_name="王芳")
    await cases_of_last_weeks(hall)
    for w in (1, 2, 3, 4, 6, 7):
        await hall.act(w, "open")
    matters = ["SHBX-001", None, None]
    for i in range(30):
        body = {"matter": matters[i % 3]} if matters[i % 3] else {"category": "ABCDEFG"[i % 7]}
        await hall.post("/api/v1/tickets", json=body, expect=201)
        hall.clock.advance(40)
    for w in (1, 2, 3, 4, 6, 7):
        await hall.act(w, "call-next")
    _, queue = await hall.get("/api/v1/queue")
    served = queue["windows"][0]["current"]  # whom window 1 called (the dispatcher decides)
    await hall.act(1, "start")
    await hall.act(1, "complete")
    pad = accounts.add_device("pad-1", "review", 1, hall.clock())
    r = await hall.client.post("/api/v1/ratings", headers={"Authorization": f"Bearer {pad}"},
                               json={"number": served, "level": 2, "reasons": ["办事效率低"], "text": "材料退回三次，每次说法不一样"})
    assert r.status == 201
    await hall.act(1, "call-next")
    await hall.act(4, "complete")
    await hall.act(4, "pause", json={"reason": "系统故障，正在联系县中心处理"})
    await hall.post("/api/v1/alerts", json={"kind": "help", "message": "一位老人需要帮助填写表格"}, expect=201)
    await hall.post("/api/v1/alerts", json={"kind": "paper_low", "message": "打印纸将用完"}, expect=201)
    await hall.post("/api/v1/devices/status", json={"printer": "near_end", "detail": "纸卷剩余约 10%"})
    r = await hall.client.post("/api/v1/session", json={"username": "manager1", "password": PASSWORD})
    csrf = (await r.json())["csrf_token"]
    r = await hall.client.post("/api/v1/notice", headers={"X-CSRF-Token": csrf},
                               json={"text": "今天下午 16:00 起暂停受理不动产登记业务，请谅解"})
    assert r.status == 200
    last = (await hall.post("/api/v1/tickets", json={"matter": "SHBX-001"}, expect=201))[1]
    return {"token": last["token"]}


async def cases_of_last_weeks(hall) -> None:
    """Cases clerk1 received at window 2 two and three weeks ago: overdue now, one paused, one new today."""
    today = hall.clock()
    r = await hall.client.post("/api/v1/session", json={"username": "clerk1", "password": PASSWORD})
    csrf = {"X-CSRF-Token": (await r.json())["csrf_token"]}
    for days_ago, matter, steps in ((21, "ZJD-001", ("accept",)), (14, "HJ-002", ("accept",)),
                                    (14, "SHBX-002", ("accept", "pause")), (0, "MZ-002", ())):
        hall.clock.now = today - days_ago * 24 * 3600
        body = {"matter": matter, "channel": "mail", "window": 2, "applicant": {"kind": "person", "name": "李四"}}
        if matter == "ZJD-001":
            body.update(departments=["自然资源所", "农业农村办"], lead_window=6)
        r = await hall.client.post("/api/v1/cases", headers=csrf, json=body)
        number = (await r.json())["number"]
        for step in steps:
            r = await hall.client.post(f"/api/v1/cases/{number}/{step}", headers=csrf, json={"note": "专家评审"})
            assert r.status == 200, await r.json()
    hall.clock.now = today
    hall.client.session.cookie_jar.clear()


def assert_clean(found: dict[str, list[str]]) -> None:
    problems = [f"{where}: {problem}" for where, items in found.items() for problem in items]
    assert not problems, "\n".join(problems)


async def sign_in(page, hall, user: str, path: str) -> None:
    await page.goto(f"{base(hall)}/login?next={path}")
    await page.fill("#username", user)
    await page.fill("#password", PASSWORD)
    await page.click("button[type=submit]")
    await page.wait_for_url(f"{base(hall)}{path}")


async def test_phone_layouts(hall, browser, tmp_path):
    data = await busy_hall(hall)
    page = await browser.new_page(viewport={"width": 390, "height": 844})
    found: dict[str, list[str]] = {}

    await page.goto(f"{base(hall)}/")
    await page.wait_for_selector("#calls li")
    await page.wait_for_function("() => document.getElementById('updated').textContent.length > 0")
    found["/"] = await measure(page, str(tmp_path / "layout-board-390.png"))
    assert english_words(await page.inner_text("body")) == set()

    await page.goto(f"{base(hall)}/t/{data['token']}")
    await page.wait_for_function("() => document.getElementById('number').textContent !== '—'")
    found["/t/"] = await measure(page, str(tmp_path / "layout-ticket-390.png"))
    assert english_words(await page.inner_text("body")) == set()

    await page.goto(f"{base(hall)}/login?next=/manage")
    found["/login"] = await measure(page, str(tmp_path / "layout-login-390.png"))

    await sign_in(page, hall, "manager1", "/manage")
    await page.wait_for_selector("#alerts li")
    await page.wait_for_selector("#followups tbody tr")
    found["/manage"] = await measure(page, str(tmp_path / "layout-manage-390.png"))
    assert english_words(await page.inner_text("body")) == set()
    await page.click("#tab-cases")  # the supervision board (电子监察) is on the 办件 tab
    await page.wait_for_selector("#overdue tbody tr")
    await page.wait_for_selector("#case-totals .kpi")
    found["/manage 办件"] = await measure(page, str(tmp_path / "layout-manage-cases-390.png"))
    assert english_words(await page.inner_text("body")) == set()
    assert all(ratio >= 4.5 for _, ratio in await page.evaluate(CONTRAST)), await page.evaluate(CONTRAST)
    assert_clean(found)


async def test_hall_screen_and_window_pc_layouts(hall, browser, tmp_path):
    await busy_hall(hall)
    page = await browser.new_page(viewport={"width": 1920, "height": 1080})
    await page.goto(f"{base(hall)}/")
    await page.wait_for_selector("#calls li")
    found = {"/ 1920": await measure(page, str(tmp_path / "layout-board-1920.png"))}
    assert english_words(await page.inner_text("body")) == set()

    browser.allow(r"status of 403 .*/api/v1/windows/2/intake$")  # clerk1 has not taken window 2 over
    page = await browser.new_page(viewport={"width": 1366, "height": 768})
    await sign_in(page, hall, "clerk1", "/console?window=2")
    await page.wait_for_selector("#waiting tbody tr")
    await page.wait_for_function("() => document.getElementById('cur-number').textContent !== '—'")
    await page.wait_for_selector("#cases tbody tr")
    found["/console 1366"] = await measure(page, str(tmp_path / "layout-console-1366.png"))
    text = await page.inner_text("body")
    assert english_words(text) == set(), english_words(text)
    assert all(ratio >= 4.5 for _, ratio in await page.evaluate(CONTRAST)), await page.evaluate(CONTRAST)

    page = await browser.new_page(viewport={"width": 1366, "height": 768})
    await sign_in(page, hall, "manager1", "/manage")
    await page.wait_for_selector("#alerts li")
    found["/manage 1366"] = await measure(page, str(tmp_path / "layout-manage-1366.png"))
    assert_clean(found)


async def test_the_live_dot_on_the_manager_page_is_readable(hall, browser):
    """It was grey on the red header (1.14:1) because its colour was an inline style the CSP blocked."""
    hall.clock.now = at("2026-11-23 09:00")
    page = await browser.new_page(viewport={"width": 1280, "height": 800})
    await sign_in(page, hall, "manager1", "/manage")
    await page.wait_for_function("() => document.getElementById('live').textContent === '● 实时'")
    ratios = dict(await page.evaluate(CONTRAST))
    assert ratios["● 实时"] >= 4.5
