"""A notice's print view in real headless Chromium: at A4, the sheet says what the archived PDF says
(the same blocks), its QR code opens the case page, printing it gives one A4 page without the
toolbar, and it reads on a phone too."""

from __future__ import annotations

import re

import pytest

from queue_server import notices
from queue_server.numbering import business_day
from tests.support.browser import base
from tests.support.cases import (
    flat,
    pdf_pages,
    pdf_text,
    qr_codes,
    service_with_bodies,
    sign_in,
    step,
)
from tests.support.cases import open_served_case as served
from tests.support.hall import PASSWORD

pytestmark = pytest.mark.slow


@pytest.fixture
def service(township, store, clock):
    """The township hall, with the bodies a 不予受理 notice names set in `[cases]`."""
    return service_with_bodies(township, store, clock)


A4 = {"width": 794, "height": 1123}  # 210 × 297 mm at 96 px per inch


async def browser_sign_in(page, hall, path: str, user: str = "clerk1") -> None:
    await page.goto(base(hall) + path)
    assert "/login?next=" in page.url  # the print view is for staff: sign in first
    await page.fill("#username", user)
    await page.fill("#password", PASSWORD)
    await page.click("button[type=submit]")
    await page.wait_for_url(base(hall) + path)


def blocks(n: notices.Notice) -> list[str]:
    """Everything a notice says, block by block."""
    return [n.hall, n.title, *(label + value for label, value in n.facts), n.salutation, *n.paragraphs, *n.items,
            *n.closing, n.issuer, n.seal, n.issued_on, n.footer]


async def test_the_print_view_at_a4_says_what_the_pdf_says(hall, browser, tmp_path):
    clerk = await sign_in(hall, "clerk1")
    number = await served(hall, clerk)
    await step(hall, clerk, number, "accept_incomplete", missing=["本人社会保障卡或银行账户信息", "居民户口簿"])
    case = hall.service.cases.get(number)
    view = hall.service.cases.view(case, business_day(hall.clock()), "城乡居民基本养老保险待遇申领")
    link = f"http://hall.test/c/{case.token}"
    expected = notices.notice("missing", view, hall.service.config.hall, hall.service.config.cases,
                              hall.service.config.matter("SHBX-002"), link)
    r = await hall.client.get(f"/api/v1/cases/{number}/notices/missing.pdf")
    archived = pdf_text(await r.read(), tmp_path)

    page = await browser.new_page(viewport=A4)
    path = f"/cases/{number}/notices/missing"
    await browser_sign_in(page, hall, path)
    sheet = flat(await page.inner_text("#sheet"))
    for block in blocks(expected):  # the paper and the archive say the same, block by block
        assert flat(block) in sheet, block
        assert flat(block) in archived, block
    assert flat(await page.inner_text("ol.items")) == flat("".join(expected.items))
    assert "本人社会保障卡或银行账户信息（复印件，1份）" in sheet and "城乡居民基本养老保险待遇申领表" not in sheet

    shot = tmp_path / "notice-a4.png"
    await page.screenshot(path=str(shot), full_page=True)
    assert qr_codes(shot) == [link]
    status, public = await hall.get("/api/v1/case-status/" + case.token)
    assert status == 200 and public["number"] == number

    # The print button prints; what is printed is the sheet alone, on one A4 page.
    await page.evaluate("window.print = () => { window.printed = true; }")
    await page.click("#print")
    assert await page.evaluate("window.printed === true")
    printed = await page.pdf(prefer_css_page_size=True, print_background=True)
    (tmp_path / "printed.pdf").write_bytes(printed)
    assert pdf_pages(printed, tmp_path) == 1
    size = re.search(rb"/MediaBox\s*\[\s*0 0 ([\d.]+) ([\d.]+)", printed)
    assert size and (round(float(size[1])), round(float(size[2]))) == (595, 842)  # A4 in points
    on_paper = pdf_text(printed, tmp_path)
    assert number in on_paper and flat(expected.items[0]) in on_paper
    assert "下载PDF存档" not in on_paper and "返回工作台" not in on_paper  # the toolbar stays on screen

    # The toolbar's PDF link is the archived one; the language switch gives the English notice.
    assert await page.get_attribute("#pdf", "href") == f"/api/v1/cases/{number}/notices/missing.pdf"
    await page.click("#lang")
    await page.wait_for_url(base(hall) + path + "?lang=en")
    assert await page.inner_text(".sheet-title") == "Notice of Missing Materials (all at once)"
    assert await page.get_attribute("html", "lang") == "en"
    await page.screenshot(path=str(tmp_path / "notice-a4-en.png"), full_page=True)


async def test_the_print_view_reads_on_a_phone(hall, browser, tmp_path):
    clerk = await sign_in(hall, "clerk1")
    number = await served(hall, clerk)
    await step(hall, clerk, number, "return", note="申请人未达到待遇领取年龄，不符合申领条件")
    page = await browser.new_page(viewport={"width": 390, "height": 844})
    await browser_sign_in(page, hall, f"/cases/{number}/notices/refusal")
    assert await page.inner_text(".sheet-title") == "不予受理（退回）通知书"
    assert "60日内向示范县人民政府申请行政复议" in flat(await page.inner_text("#sheet"))
    assert await page.evaluate("document.documentElement.scrollWidth") <= 390  # no sideways scrolling
    shot = tmp_path / "notice-phone.png"
    await page.screenshot(path=str(shot), full_page=True)
    assert qr_codes(shot) == [f"http://hall.test/c/{hall.service.cases.get(number).token}"]
