"""The case service in the browser (real headless Chromium against the real server on loopback):
the clerk opens a case from the ticket being served and works it in /console — with the mouse and
with the keyboard alone —, the manager's supervision board turns red as the hall's clock moves on,
and the citizen's case page (/c/<token>) on a phone says where the case stands with no personal
data. Every step is checked through the API or the service too, so a page that only looks right
cannot pass."""

from __future__ import annotations

import pytest

from tests.support.browser import base
from tests.support.hall import PASSWORD
from tests.support.pages import english_words, measure, sign_in, text_has, text_is

pytestmark = pytest.mark.slow

ID_NUMBER = "330106195003011234"
DAY = 24 * 3600


async def ticket_with_id_card(hall, matter: str = "SHBX-002") -> str:
    """A citizen takes a ticket for `matter` with the ID card at the kiosk."""
    _, t = await hall.post("/api/v1/tickets", json={"matter": matter}, expect=201)
    await hall.post(f"/api/v1/tickets/{t['number']}/intake", json={"name": "张三丰", "id_number": ID_NUMBER}, expect=200)
    return t["number"]


async def serve(page) -> None:
    """Open the window, call the next ticket and start serving it, from the page."""
    await page.click("button[data-action=open]")
    await text_is(page, "win-state", "开放")
    await page.click("button[data-action=call-next]")
    await page.wait_for_function("() => document.getElementById('cur-number').textContent !== '—'")
    await page.click("button[data-action=start]")
    await text_is(page, "cur-status", "办理中")


async def test_a_clerk_opens_a_case_from_the_served_ticket_and_accepts_it(hall, browser, tmp_path):
    browser.allow(r"status of 422 .*/api/v1/cases/\d+/pause$")  # a pause with no reason, on purpose
    number = await ticket_with_id_card(hall)
    page = await browser.new_page(viewport={"width": 1366, "height": 900})
    await sign_in(page, hall, "/console?window=1")
    assert await page.is_disabled("#case-open")  # nothing being served yet
    await serve(page)
    await page.wait_for_function("() => !document.getElementById('case-open').disabled")
    await page.wait_for_selector("#intake dd")  # the ID card's draft is there
    await page.check("#mat-0")  # ticked on the console's own checklist: carried into the form

    await page.click("#case-open")
    await page.wait_for_selector("#case-form-dialog[open]")
    assert await page.text_content("#cf-ticket") == number
    assert await page.input_value("#cf-matter") == "SHBX-002"
    assert await page.input_value("#cf-type") == "committed"  # the matter's type
    assert await page.text_content("#cf-draft-name") == "张*"  # masked, though the clerk may see it in full
    assert await page.is_checked('input[name="cf-kind"][value="draft"]')
    names = await page.locator("#cf-materials .mat-name").all_text_contents()
    assert names == ["居民身份证", "城乡居民基本养老保险待遇申领表", "本人社会保障卡或银行账户信息", "居民户口簿"]
    assert await page.is_checked("#cf-mat-0") and not await page.is_checked("#cf-mat-1")
    await page.check("#cf-mat-1")
    assert await page.input_value("#cf-form-2") == "copy"  # 复印件 from the guide
    await page.check("#cf-mat-2")
    await page.fill("#cf-count-2", "2")
    await page.screenshot(path=str(tmp_path / "case-form-1366.png"), full_page=True)
    await page.click("#cf-submit")

    await page.wait_for_selector("#case-dialog[open]")
    await text_is(page, "cd-status", "已收件")
    case_no = (await page.text_content("#cd-number")).strip()
    case = hall.service.cases.get(case_no)
    assert (case.ticket, case.window, case.clerk, case.applicant_name, case.case_type) == (
        f"20261123-{number}", 1, "clerk1", "张*", "committed")
    assert case.materials == [{"name": "居民身份证", "form": "original", "count": 1},
                              {"name": "城乡居民基本养老保险待遇申领表", "form": "original", "count": 1},
                              {"name": "本人社会保障卡或银行账户信息", "form": "copy", "count": 2}]
    assert hall.service.store.applicant(case_no, "test", hall.clock())["id_number"] == ID_NUMBER  # carried over

    # A step the case cannot take is not even offered; accepting gives the committed date.
    offered = await page.locator("#cd-actions button").evaluate_all("bs => bs.map((b) => b.dataset.caseAction)")
    assert offered == ["accept", "accept_incomplete", "return", "withdraw"]
    await page.click("#cd-actions button[data-case-action=accept]")
    await text_is(page, "cd-status", "已受理")
    await text_has(page, "cd-facts", "2026-12-07（10 个工作日）")  # the day of acceptance not counted
    await text_has(page, "cd-badge", "正常")
    assert hall.service.cases.get(case_no).status == "accepted"
    # The notice the case has now is one click away: its print view and its PDF to archive.
    await text_has(page, "cd-notices", "承诺件通知书")
    links = await page.locator("#cd-notices a").evaluate_all("as => as.map((a) => a.getAttribute('href'))")
    assert links == [f"/cases/{case_no}/notices/acceptance", f"/api/v1/cases/{case_no}/notices/acceptance.pdf"]
    head = await page.evaluate("async (u) => { const r = await fetch(u); const b = new Uint8Array(await r.arrayBuffer());"
                               " return [r.status, String.fromCharCode(...b.slice(0, 4))]; }", links[1])
    assert head == [200, "%PDF"]  # the clerk's own session fetches the archive copy
    await page.screenshot(path=str(tmp_path / "case-detail-1366.png"), full_page=True)

    # A refusal is said in the page's language: a pause needs its reason.
    await page.click("#cd-actions button[data-case-action=pause]")
    await page.click("#cd-form-submit")
    await text_is(page, "cd-error", "请填写原因或说明（将记入办件记录）")
    await page.fill("#cd-note", "专家评审")
    await page.click("#cd-form-submit")
    await text_has(page, "cd-badge", "暂停计时")
    offered = await page.locator("#cd-actions button").evaluate_all("bs => bs.map((b) => b.dataset.caseAction)")
    assert "decide" not in offered and "resume" in offered and "pause" not in offered

    # The list: the case with its status, date and colour.
    await page.click("#cd-close")
    row = page.locator(f"#cases tr[data-number='{case_no}'] td")
    # The list refreshes after the step: wait for the row as it is now, not as it was before the pause.
    await page.wait_for_function(
        "(n) => (document.querySelector(`#cases tr[data-number='${n}']`) || {}).textContent?.includes('暂停计时')",
        arg=case_no)
    cells = await row.all_text_contents()
    assert cells[1:4] == ["城乡居民基本养老保险待遇申领", "张*", "已受理"]
    assert "暂停计时" in cells[4]
    await page.screenshot(path=str(tmp_path / "case-list-1366.png"), full_page=True)


async def focus_shows(page) -> bool:
    """The focused element draws the console's focus ring (keyboard users must see where they are)."""
    return await page.evaluate("() => { const e = document.activeElement; return e.matches(':focus-visible') "
                               "&& getComputedStyle(e).outlineStyle !== 'none' && parseFloat(getComputedStyle(e).outlineWidth) >= 2; }")


async def test_the_case_path_with_the_keyboard_alone(hall, browser, tmp_path):
    await ticket_with_id_card(hall)
    page = await browser.new_page(viewport={"width": 1366, "height": 900})
    kb = page.keyboard
    await sign_in(page, hall, "/console?window=1")
    await text_is(page, "win-state", "关闭")
    await kb.press("b")  # nothing being served: refused out loud, nothing opens
    await text_has(page, "msg", "现在不能执行：开办件")
    assert not await page.is_visible("#case-form-dialog")
    await kb.press("o")
    await text_is(page, "win-state", "开放")
    await kb.press("Enter")  # call next
    await text_is(page, "cur-status", "已呼叫，等候到窗")
    await kb.press("a")
    await text_is(page, "cur-status", "办理中")
    await page.wait_for_selector("#intake dd")

    await kb.press("b")
    await page.wait_for_selector("#case-form-dialog[open]")
    assert await page.evaluate("() => document.activeElement.id") == "cf-matter"
    assert await page.text_content("#cf-draft-name") == "张*"
    # Tab order: matter, type, region, the applicant's choice, the agent, then the materials' boxes.
    order = []
    for _ in range(7):
        await kb.press("Tab")
        order.append(await page.evaluate("() => document.activeElement.id || document.activeElement.name"))
        assert await focus_shows(page), order[-1]
    assert order == ["cf-type", "cf-region", "cf-kind", "cf-agent", "cf-agent-id", "cf-mat-0", "cf-form-0"]
    await kb.press("Shift+Tab")
    await kb.press("Space")  # tick 居民身份证
    assert await page.is_checked("#cf-mat-0")
    await kb.press("Enter")  # Enter on the box submits, as in a text field
    await page.wait_for_selector("#case-dialog[open]")
    await text_is(page, "cd-status", "已收件")
    case_no = (await page.text_content("#cd-number")).strip()
    assert await page.evaluate("() => document.activeElement.dataset.caseAction") == "accept"
    assert await focus_shows(page)

    await kb.press("Enter")  # 受理
    await text_is(page, "cd-status", "已受理")
    await text_has(page, "cd-facts", "2026-12-07")
    assert hall.service.cases.get(case_no).accepted_day.isoformat() == "2026-11-23"
    # To 暂停计时 by Tab; the reason field takes the focus; Enter records it.
    for _ in range(5):
        if await page.evaluate("() => document.activeElement.dataset.caseAction") == "pause":
            break
        await kb.press("Tab")
    await kb.press("Enter")
    assert await page.evaluate("() => document.activeElement.id") == "cd-note"
    await kb.type("现场核查")
    await kb.press("Enter")
    await text_has(page, "cd-badge", "暂停计时")
    assert hall.service.cases.get(case_no).paused
    await page.screenshot(path=str(tmp_path / "case-keyboard-1366.png"), full_page=True)
    await kb.press("Escape")
    await page.wait_for_function("() => !document.getElementById('case-dialog').open")
    # Back on the desk, the console's own keys work again.
    await kb.press("c")
    await text_has(page, "msg", "已办结")
    await page.wait_for_function("(n) => !!document.querySelector(`#cases tr[data-number='${n}']`)", arg=case_no)
    # The list's case number is a button: reachable with Tab, opened with Enter.
    await page.focus(f"#cases tr[data-number='{case_no}'] button")
    await kb.press("Enter")
    await page.wait_for_selector("#case-dialog[open]")
    assert await page.evaluate("() => document.activeElement.dataset.caseAction") == "step"


async def test_a_manager_sees_an_overdue_case_red_on_the_board(hall, browser, tmp_path):
    clerk = await api_sign_in(hall, "clerk1")
    await hall.act(1, "open")
    number = await api_case(hall, clerk, "SHBX-002", accept=True)  # due 2026-12-07
    await api_case(hall, clerk, "HJ-002", accept=True)  # 5 working days: due 2026-11-30
    hall.clock.advance(15 * DAY)  # Tuesday 8 December: the first is a working day late
    page = await browser.new_page(viewport={"width": 1366, "height": 900})
    await sign_in(page, hall, "/manage", user="manager1")
    await text_is(page, "sup-red", "2")
    assert [await page.text_content(f"#sup-{c}") for c in ("green", "yellow", "paused")] == ["0", "0", "0"]
    assert await page.text_content("#cases-badge") == "2"  # the 办件 tab, where the board is, says how many
    await page.click("#tab-cases")
    await page.wait_for_selector(f"#overdue tr[data-number='{number}']")
    rows = [await page.locator(f"#overdue tr:nth-child({i}) td").all_text_contents() for i in (1, 2)]
    assert rows[1] == [number, "城乡居民基本养老保险待遇申领", "1号", "clerk1", "2026-12-07", "1 个工作日"]
    assert rows[0][4:] == ["2026-11-30", "6 个工作日"]  # the most overdue first
    board = await (await page.request.get(f"{base(hall)}/api/v1/cases/supervision")).json()
    assert board["counts"] == {"green": 0, "yellow": 0, "red": 2}
    await page.screenshot(path=str(tmp_path / "manage-board-1366.png"), full_page=True)

    # The number links to the case in the console, where the manager can act on it.
    await page.click(f"#overdue a >> text={number}")
    await page.wait_for_selector("#case-dialog[open]")
    await text_is(page, "cd-number", number)
    await text_has(page, "cd-badge", "超期 1 个工作日")
    await page.click("#cd-actions button[data-case-action=decide]")
    await page.select_option("#cd-outcome", "approved")
    await page.click("#cd-form-submit")
    await text_is(page, "cd-status", "已决定")
    assert hall.service.cases.get(number).outcome == "approved"


async def test_the_citizens_case_page_on_a_phone(hall, browser, tmp_path):
    clerk = await api_sign_in(hall, "clerk1")
    await hall.act(1, "open")
    number = await api_case(hall, clerk, "SHBX-002")
    r = await hall.client.post(f"/api/v1/cases/{number}/accept_incomplete", headers=clerk,
                               json={"missing": ["城乡居民基本养老保险待遇申领表"]})
    assert r.status == 200
    token = hall.service.cases.get(number).token
    page = await browser.new_page(viewport={"width": 390, "height": 844})
    await page.goto(f"{base(hall)}/c/{token}")
    await text_is(page, "status", "待补正")
    await text_is(page, "next-step", "请按一次性告知书补齐材料")
    assert await page.text_content("#number") == number
    assert await page.text_content("#applicant") == "张*"
    assert await page.locator("#missing li").all_text_contents() == ["城乡居民基本养老保险待遇申领表"]
    assert await page.text_content("#delivery") == "到受理窗口领取"
    assert await page.text_content("#phone") == hall.service.config.hall.supervision_phone
    assert await page.text_content("#due") == "材料补齐后开始计算"  # no date is promised while waiting
    assert await page.is_hidden("#paused")
    html = await page.content()
    assert ID_NUMBER not in html and "张三丰" not in html and "13800000000" not in html
    assert english_words(await page.inner_text("body")) == set()
    assert await measure(page, str(tmp_path / "case-page-390.png")) == []

    # The missing materials arrive; accepted: the committed date (预计 is shown only when provisional).
    r = await hall.client.post(f"/api/v1/cases/{number}/materials_complete", headers=clerk, json={"case_type": "committed"})
    assert r.status == 200
    await page.reload()
    await text_is(page, "status", "已受理")
    await text_is(page, "due", "2026年12月7日")
    assert await page.is_hidden("#missing-card")

    # A date in a year whose holidays are not published yet is 预计.
    hall.clock.advance(400 * DAY)
    number2 = await api_case(hall, await api_sign_in(hall, "clerk1"), "SHBX-002", accept=True)
    await page.goto(f"{base(hall)}/c/{hall.service.cases.get(number2).token}")
    await text_has(page, "due", "（预计）")

    await page.goto(f"{base(hall)}/c/{token}?lang=en")
    await text_is(page, "status", "Accepted")
    assert await page.text_content("#lang") == "中文"
    assert await page.text_content("#delivery") == "Collect at the window"
    await page.screenshot(path=str(tmp_path / "case-page-390-en.png"), full_page=True)

    # An unknown link is the hall's own page, in its language, with the supervision phone.
    browser.allow(r"status of 404 .*/c/not-a-case$")
    r = await page.goto(f"{base(hall)}/c/not-a-case")
    assert r.status == 404
    text = await page.inner_text("body")
    assert "没有找到这个办件" in text and hall.service.config.hall.supervision_phone in text


async def api_sign_in(hall, username: str) -> dict[str, str]:
    hall.client.session.cookie_jar.clear()
    r = await hall.client.post("/api/v1/session", json={"username": username, "password": PASSWORD})
    assert r.status == 200
    return {"X-CSRF-Token": (await r.json())["csrf_token"]}


async def api_case(hall, headers: dict[str, str], matter: str, accept: bool = False) -> str:
    """A case received by mail for 张三丰 (phone given), opened through the API."""
    r = await hall.client.post("/api/v1/cases", headers=headers, json={
        "matter": matter, "channel": "mail", "window": 1,
        "applicant": {"kind": "person", "name": "张三丰", "id_number": ID_NUMBER, "phone": "13800000000"}})
    case = await r.json()
    assert r.status == 201, case
    if accept:
        r = await hall.client.post(f"/api/v1/cases/{case['number']}/accept", headers=headers, json={})
        assert r.status == 200
    return case["number"]


async def act_on(page, action: str, fill: dict[str, str] | None = None, select: dict[str, str] | None = None) -> None:
    """Press a case step's button; fill its small form, if it has one, and confirm."""
    await page.click(f"#cd-actions button[data-case-action={action}]")
    if fill is None and select is None:
        return
    for selector, value in (select or {}).items():
        await page.select_option(selector, value)
    for selector, value in (fill or {}).items():
        await page.fill(selector, value)
    await page.click("#cd-form-submit")


async def test_a_case_without_a_ticket_through_its_whole_life_in_english(hall, browser, tmp_path):
    browser.allow(r"status of 422 .*/api/v1/cases/\d+/(return|hand_over)$")  # refusals provoked on purpose
    page = await browser.new_page(viewport={"width": 1366, "height": 900})
    await sign_in(page, hall, "/console?window=1&lang=en")
    await text_is(page, "case-open-free", "Case without a ticket…")
    await page.click("#case-open-free")
    await page.wait_for_selector("#case-form-dialog[open]")
    assert await page.is_hidden("#cf-draft-choice")  # no ticket, no ID card
    assert await page.evaluate("() => document.activeElement.id") == "cf-channel"
    await page.select_option("#cf-channel", "mail")
    await page.select_option("#cf-matter", "MZ-002")
    assert await page.input_value("#cf-type") == "committed"
    await page.click("#cf-submit")  # no applicant named: said in English, nothing sent
    await text_is(page, "cf-error", "Give the applicant")
    await page.fill("#cf-name", "李四")
    await page.fill("#cf-phone", "13800000000")
    await page.check("#cf-mat-0")
    await page.check('input[name="cf-delivery"][value="ems"]')
    await page.click("#cf-submit")
    await text_is(page, "cf-error", "An EMS delivery needs the address")
    await page.fill("#cf-address", "浙江省杭州市西湖区某某路1号")
    await page.click("#cf-submit")
    await page.wait_for_selector("#case-dialog[open]")
    await text_is(page, "cd-status", "received")
    number = (await page.text_content("#cd-number")).strip()
    case = hall.service.cases.get(number)
    assert (case.channel, case.ticket, case.window, case.delivery, case.applicant_name) == ("mail", None, 1, "ems", "李*")
    assert hall.service.store.applicant(number, "test", hall.clock())["ems_address"] == "浙江省杭州市西湖区某某路1号"

    # Return without a reason: refused, in English.
    await act_on(page, "return", fill={})
    await text_is(page, "cd-error", "Give the reason: it goes on the record")
    await page.click("#cd-form-cancel")
    # Accept with materials missing: the required ones not received are ticked already.
    await act_on(page, "accept_incomplete")
    ticked = await page.locator("#cd-missing input:checked").evaluate_all("bs => bs.map((b) => b.value)")
    assert ticked == ["临时救助申请书", "遭遇困难的相关证明", "家庭经济状况核对授权书", "本人社会保障卡或银行账户信息"]
    await page.uncheck("#cd-missing input[value='本人社会保障卡或银行账户信息']")
    await page.click("#cd-form-submit")
    await text_is(page, "cd-status", "waiting for materials")
    assert hall.service.cases.get(number).missing == ticked[:3]
    await text_has(page, "cd-facts", "Missing临时救助申请书; 遭遇困难的相关证明; 家庭经济状况核对授权书")

    hall.clock.advance(3 * 3600)  # the materials come in that afternoon: the wait covered no working day
    await act_on(page, "materials_complete", select={"#cd-type": "committed"})
    await text_is(page, "cd-status", "accepted")
    await text_has(page, "cd-facts", "2026-12-07 (10 working days)")
    await act_on(page, "step", fill={"#cd-note": "审查"})
    await text_is(page, "cd-status", "in progress")
    await act_on(page, "decide", select={"#cd-outcome": "approved"}, fill={})
    await text_is(page, "cd-status", "decided")
    await act_on(page, "result_ready")
    await text_is(page, "cd-status", "result ready")
    await act_on(page, "hand_over", select={"#cd-delivery": "ems"}, fill={})
    await text_is(page, "cd-error", "An EMS hand-over needs the waybill number")
    await page.fill("#cd-waybill", "1100123456789")
    await page.click("#cd-form-submit")
    await text_is(page, "cd-status", "handed over")
    await text_has(page, "cd-facts", "waybill 1100123456789")
    await act_on(page, "archive")
    await text_is(page, "cd-status", "archived")
    await text_is(page, "cd-actions", "The case is finished: nothing more to do.")
    history = [h["action"] for h in hall.service.cases.get(number).history]
    assert history == ["accept_incomplete", "materials_complete", "step", "decide", "result_ready", "hand_over", "archive"]
    await page.screenshot(path=str(tmp_path / "case-archived-en-1366.png"), full_page=True)


async def test_a_cross_region_case_comes_back_and_is_collected_with_a_pickup_ticket(hall, browser, tmp_path):
    browser.allow(r"status of 404 .*/api/v1/windows/1/intake$")  # the pick-up ticket was taken with the QR, no ID card
    page = await browser.new_page(viewport={"width": 1366, "height": 900})
    await sign_in(page, hall, "/console?window=1")
    await page.click("button[data-action=open]")
    await text_is(page, "win-state", "开放")
    await page.click("#case-open-free")
    await page.wait_for_selector("#case-form-dialog[open]")
    await page.select_option("#cf-channel", "help_desk")
    await page.select_option("#cf-matter", "KY-004")
    await page.fill("#cf-region", "四川省成都市武侯区")
    await page.fill("#cf-name", "张三丰")
    await page.fill("#cf-idno", ID_NUMBER)
    await page.click("#cf-submit")
    await page.wait_for_selector("#case-dialog[open]")
    number = (await page.text_content("#cd-number")).strip()
    assert hall.service.cases.get(number).region == "四川省成都市武侯区"
    await act_on(page, "accept")
    await text_is(page, "cd-status", "已受理")
    await act_on(page, "send_to_region", fill={"#cd-waybill": "EA100000001CN"})
    await text_is(page, "cd-status", "办理中")
    await text_has(page, "cd-facts", "四川省成都市武侯区：2026-11-23 寄出 EA100000001CN")
    await act_on(page, "result_received", select={"#cd-outcome": "approved"}, fill={"#cd-waybill": "EA100000002CN"})
    await text_is(page, "cd-status", "待领取")
    await page.click("#cd-close")

    # The citizen takes a pick-up ticket at the kiosk with the notice's QR; the clerk calls it and
    # sees which case to hand over.
    _, slip = await hall.post("/api/v1/cases/pickup", json={"token": hall.service.cases.get(number).token}, expect=201)
    await page.wait_for_selector(f"#waiting tr[data-number={slip['number']}]", timeout=10000)
    await page.click("button[data-action=call-next]")
    await text_is(page, "cur-number", slip["number"])
    await text_has(page, "case-pickup", "本号领取结果")
    await page.screenshot(path=str(tmp_path / "case-pickup-1366.png"))
    await page.click(f"#case-pickup button >> text={number}")
    await page.wait_for_selector("#case-dialog[open]")
    await act_on(page, "hand_over", select={"#cd-delivery": "window"}, fill={})
    await text_is(page, "cd-status", "已送达")
    assert hall.service.cases.get(number).status == "handed_over"
