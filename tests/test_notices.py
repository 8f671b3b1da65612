"""The paper a citizen gets for a case, through the real API over loopback: each notice's PDF read
back with pdftotext (case number, matter, committed date, every missing material exactly, the 60
days and 6 months and the bodies' names), every QR code decoded with zbarimg and followed to the
right case, and who may print what."""

from __future__ import annotations

import pytest

from queue_server import notices
from queue_server.auth import Accounts
from queue_server.cases import OpenRequest
from queue_server.config import CaseRules
from queue_server.numbering import business_day
from queue_server.service import Actor, HallService
from tests.support.cases import (
    COURT,
    ID_NUMBER,
    REVIEW_BODY,
    assert_qr_opens_the_case,
    flat,
    open_served_case,
    pdf,
    pdf_pages,
    pdf_qr_codes,
    pdf_text,
    service_with_bodies,
    sign_in,
    step,
)
from tests.support.hall import PASSWORD, FakeClock, at

DAY = 24 * 3600
MATTER = "城乡居民基本养老保险待遇申领"


@pytest.fixture
def service(township, store, clock):
    """The township hall, with the bodies a 不予受理 notice names set in `[cases]`."""
    return service_with_bodies(township, store, clock)


# ------------------------------------------------------------ the tests


async def test_the_paper_of_a_committed_case_from_missing_materials_to_collection(hall, tmp_path):
    clerk = await sign_in(hall, "clerk1")
    number = await open_served_case(hall, clerk)
    listed = await (await hall.client.get(f"/api/v1/cases/{number}/notices")).json()
    assert [(n["kind"], n["available"]) for n in listed["notices"]] == \
        [("acceptance", False), ("missing", False), ("refusal", False), ("result", False)]
    assert (await pdf(hall, number, "acceptance", 409))["message"].startswith("the case has not been accepted yet")

    # Not on the matter's checklist: refused, so the 一次性告知书 can only list what the kiosk's guide lists.
    assert (await step(hall, clerk, number, "accept_incomplete", 422, missing=["营业执照"]))["error"] == "unknown_material"
    missing = ["城乡居民基本养老保险待遇申领表", "居民户口簿"]
    await step(hall, clerk, number, "accept_incomplete", missing=missing)
    listed = await (await hall.client.get(f"/api/v1/cases/{number}/notices")).json()
    assert {n["kind"]: n["available"] for n in listed["notices"]}["missing"] is True
    assert listed["notices"][1]["print_url"] == f"/cases/{number}/notices/missing"
    assert listed["notices"][1]["pdf_url"] == f"/api/v1/cases/{number}/notices/missing.pdf"

    paper = await pdf(hall, number, "missing")
    text = pdf_text(paper, tmp_path)
    assert "一次性告知书" in text and number in text and MATTER in text and "张*" in text
    assert "张三丰" not in text and ID_NUMBER not in text  # the masked name only
    # Exactly the missing materials, each as the matter's checklist has it — and nothing else.
    listed_items = text.split("一次性告知如下：", 1)[1].split("请补齐上述材料", 1)[0]
    assert listed_items == flat("1. 城乡居民基本养老保险待遇申领表（原件，1份） — 窗口提供；本人签字或按手印"
                                "2. 居民户口簿（原件，1份） — 户籍信息无法联网核验时提供")
    assert pdf_pages(paper, tmp_path) == 1
    await assert_qr_opens_the_case(hall, pdf_qr_codes(paper, tmp_path / "missing"), number)
    assert (await pdf(hall, number, "acceptance", 409))["error"] == "notice_not_available"

    # The materials arrive two days later: the wait does not count, the committed date moves on.
    hall.clock.advance(2 * DAY)
    clerk = await sign_in(hall, "clerk1")
    case = await step(hall, clerk, number, "materials_complete", case_type="committed")
    assert case["due"] == "2026-12-08" and not case["due_provisional"]
    text = pdf_text(paper := await pdf(hall, number, "acceptance"), tmp_path)
    assert "承诺件通知书" in text and number in text and MATTER in text
    assert "承诺办结日期2026年12月8日" in text and "10个工作日" in text and "法定办结时限20个工作日" in text
    assert "受理日期2026年11月23日" in text and "2026年11月25日" in text  # dated the day it was complete
    assert "凭本通知书和申请人有效身份证件原件到本中心窗口领取" in text  # how the result is delivered
    await assert_qr_opens_the_case(hall, pdf_qr_codes(paper, tmp_path / "acceptance"), number)
    assert (await pdf(hall, number, "missing", 409))["message"].startswith("no materials are missing")
    assert (await pdf(hall, number, "refusal", 409))["error"] == "notice_not_available"

    await step(hall, clerk, number, "decide", outcome="approved")
    assert (await pdf(hall, number, "result", 409))["message"].startswith("the case has no result yet")
    await step(hall, clerk, number, "result_ready")
    text = pdf_text(paper := await pdf(hall, number, "result"), tmp_path)
    assert "办结（领取）通知书" in text and number in text and "办理结果准予办理" in text
    assert "到本中心窗口领取办理结果" in text and "行政复议" not in text  # rights only with a refusal
    await assert_qr_opens_the_case(hall, pdf_qr_codes(paper, tmp_path / "result"), number)


async def test_a_refusal_names_the_reason_the_time_limits_and_the_bodies(hall, tmp_path):
    clerk = await sign_in(hall, "clerk1")
    number = await open_served_case(hall, clerk)
    await step(hall, clerk, number, "return", note="申请人未达到待遇领取年龄，不符合申领条件")
    text = pdf_text(paper := await pdf(hall, number, "refusal"), tmp_path)
    assert "不予受理（退回）通知书" in text and number in text and MATTER in text
    assert "申请人未达到待遇领取年龄，不符合申领条件" in text
    assert f"60日内向{REVIEW_BODY}申请行政复议" in text and f"6个月内向{COURT}提起行政诉讼" in text
    await assert_qr_opens_the_case(hall, pdf_qr_codes(paper, tmp_path), number)
    assert (await pdf(hall, number, "acceptance", 409))["message"].startswith("the case was not accepted")
    assert (await pdf(hall, number, "result", 409))["error"] == "notice_not_available"


async def test_who_may_print_a_notice(hall):
    clerk = await sign_in(hall, "clerk1")
    number = await open_served_case(hall, clerk)
    await step(hall, clerk, number, "accept")
    path = f"/api/v1/cases/{number}/notices/acceptance.pdf"
    page = f"/cases/{number}/notices/acceptance"

    hall.client.session.cookie_jar.clear()
    r = await hall.client.get(path)
    assert r.status == 401 and (await r.json())["error"] == "unauthenticated"
    r = await hall.client.get(f"/api/v1/cases/{number}/notices")
    assert r.status == 401
    r = await hall.client.get(page, allow_redirects=False)
    assert r.status == 303 and r.headers["Location"] == f"/login?next={page}"
    r = await hall.client.get(path, headers={"Authorization": f"Bearer {hall.tokens['kiosk']}"})
    assert r.status == 403  # a device has no business with a case's paper

    Accounts(hall.service.store).add_user("clerk2", PASSWORD, "clerk", hall.clock())
    await sign_in(hall, "clerk2")  # not assigned, not signed in at window 1
    r = await hall.client.get(path)
    assert r.status == 403 and (await r.json())["error"] == "not_your_case"
    r = await hall.client.get(page)
    assert r.status == 403 and "这不是您经办的办件" in await r.text() and "1号窗口" in await r.text()

    await sign_in(hall, "manager1")
    assert (await hall.client.get(path)).status == 200
    r = await hall.client.get(page)
    assert r.status == 200 and r.content_type == "text/html"
    r = await hall.client.get(f"/cases/{number}/notices/missing")
    assert r.status == 409 and "此办件没有待补正的材料" in await r.text()
    r = await hall.client.get(f"/cases/{number}/notices/missing?lang=en")
    assert r.status == 409 and "no materials are missing" in await r.text()
    assert (await hall.client.get(f"/api/v1/cases/{number}/notices/other.pdf")).status == 404
    assert (await hall.client.get("/api/v1/cases/99999/notices/acceptance.pdf")).status == 404
    assert (await hall.client.get("/cases/99999/notices/acceptance")).status == 404


# ------------------------------------------------------------ the texts themselves (pure)


def _case(service: HallService, number: str) -> dict:
    case = service.cases.get(number)
    return service.cases.view(case, business_day(service.clock()), MATTER)


def test_generic_bodies_a_provisional_date_a_paused_clock_and_english(township, store):
    """Without bodies in `[cases]` the rights are stated generically; a date in a year whose holidays
    are not published is 预计; a clock paused with no date promises none; English reads the same."""
    clock = FakeClock(at("2026-12-21 09:00"))
    svc = HallService(township, store, clock)
    clerk = Actor("clerk1", "clerk")
    matter = township.matter("SHBX-002")
    case = svc.open_case(OpenRequest("SHBX-002", "person", "李四", None, "mail", None, None, (), "ems"), None, clerk)
    svc.case_step(case.number, "accept", clerk)
    view = _case(svc, case.number)
    assert view["due_provisional"] and view["due"].startswith("2027-")
    n = notices.notice("acceptance", view, township.hall, CaseRules(), matter, "http://hall.test/c/x")
    due = notices.day_text(view["due"], "zh")
    assert ("承诺办结日期", f"{due}（预计）") in n.facts and ("申请人", "李*") in n.facts
    assert any("该日期为预计日期" in p for p in n.paragraphs)
    assert n.closing == ("办理结果将通过中国邮政EMS寄送至您申请时登记的地址，寄出后可凭办件编号查询。",)

    en = notices.notice("acceptance", view, township.hall, CaseRules(), matter, None, "en")
    assert en.title == "Notice of Acceptance and Committed Date" and en.link is None
    assert any("provisional" in value for _, value in en.facts)

    svc.case_step(case.number, "pause", clerk, note="现场核查")
    clock.advance(DAY)
    paused = notices.notice("acceptance", _case(svc, case.number), township.hall, CaseRules(), matter, None)
    assert ("承诺办结日期", "暂停计算") in paused.facts
    assert any("暂停计算（现场核查）" in p for p in paused.paragraphs)

    other = svc.open_case(OpenRequest("SHBX-002", "person", "王五", None, "mail", None, None, (), "window"), None, clerk)
    svc.case_step(other.number, "return", clerk, note="不属于本中心受理范围")
    refusal = notices.notice("refusal", _case(svc, other.number), township.hall, CaseRules(), matter, None)
    assert refusal.closing == ("如对本决定不服，可以自收到本通知书之日起60日内向有管辖权的行政复议机关申请行政复议，"
                               "或者自收到本通知书之日起6个月内向有管辖权的人民法院提起行政诉讼。",)
    assert refusal.issued_on == "2026年12月22日"
    with pytest.raises(Exception, match="not accepted"):
        notices.notice("acceptance", _case(svc, other.number), township.hall, CaseRules(), matter, None)


def test_a_cross_region_case_says_where_it_is_decided_and_its_result_is_noticed(township, store, clock):
    svc = HallService(township, store, clock)
    clerk = Actor("clerk1", "clerk")
    matter = township.matter("SHBX-002")
    case = svc.open_case(OpenRequest("SHBX-002", "person", "赵六", None, "mail", None, None, (), "window",
                                     region="浙江省杭州市西湖区"), None, clerk)
    svc.case_step(case.number, "accept", clerk)
    accepted = notices.notice("acceptance", _case(svc, case.number), township.hall, CaseRules(), matter, None)
    assert any("寄往浙江省杭州市西湖区办理" in p for p in accepted.paragraphs)
    svc.case_step(case.number, "send_to_region", clerk, waybill="1100555000111")
    clock.advance(3 * DAY)
    svc.case_step(case.number, "result_received", clerk, waybill="9800111222333", outcome="approved")
    result = notices.notice("result", _case(svc, case.number), township.hall, CaseRules(), matter, None)
    assert ("办结日期", "2026年11月26日") in result.facts and ("办理结果", "准予办理") in result.facts
    assert any("由浙江省杭州市西湖区办理" in p for p in result.paragraphs) and result.issued_on == "2026年11月26日"


async def test_the_hall_keeps_moving_while_a_pdf_is_made_and_a_box_without_the_font_says_so(hall, monkeypatch):
    import asyncio
    import threading

    from queue_server import notice_pdf
    from queue_server.web import api_notices

    clerk = await sign_in(hall, "clerk1")
    number = await open_served_case(hall, clerk)
    await step(hall, clerk, number, "accept")
    started = threading.Event()

    def render(*args):
        started.set()
        return notice_pdf.render_pdf(*args)

    monkeypatch.setattr(api_notices, "render_pdf", render)
    making = asyncio.ensure_future(hall.client.get(f"/api/v1/cases/{number}/notices/acceptance.pdf"))
    assert await asyncio.to_thread(started.wait, 30)  # the PDF is being made now
    for _ in range(5):  # and the kiosks' and the board's calls are answered meanwhile
        assert (await hall.client.get("/api/v1/health")).status == 200
    assert not making.done()
    assert (await making).status == 200

    monkeypatch.setattr(notice_pdf, "CJK_FONTS", ("/nonexistent/font.ttc",))
    r = await hall.client.get(f"/api/v1/cases/{number}/notices/acceptance.pdf")
    assert r.status == 503 and (await r.json())["error"] == "no_font"
