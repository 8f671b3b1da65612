"""The monthly 台账 (docs/reports.md): the PDF read back as text and as pictures, the workbook
compared number by number with `/api/v1/reports`, the print page in Chromium on A4, and
`yimen report` on the command line — on a week of generated history."""

from __future__ import annotations

import hashlib
import io
import subprocess
import time
from datetime import date
from urllib.parse import unquote

import pytest
from openpyxl import load_workbook

from queue_server.config import load_preset
from queue_server.numbering import business_day
from queue_server.reporting import build_report
from queue_server.reports import period
from queue_server.store import DB_NAME, Store
from tests.support.browser import ink
from tests.support.cases import flat, pdf_pages, pdf_text
from tests.support.hall import signed_in
from tests.support.history import copy_of, report_of, seeded_folder
from tests.support.pages import measure, sign_in
from tests.support.report_tables import LEDGER_SHEETS, Checker, sheet_rows
from yimen.cli import main

MONTH = {"period": "month", "date": "2026-11-01"}
HALL = "示范镇便民服务中心"
# What a page of the PDF may start with: a section's title, a table's repeated header row, or the signatures.
PAGE_STARTS = ("一、", "二、", "三、", "四、", "五、", "六、", "七、", "预约情况", "差评整改", "差评明细", "办件(按事项)", "指标", "日期", "窗口名称",
               "业务类别", "事项编码", "姓名", "办件类型", "制表人")


@pytest.fixture(scope="module")
def seeded(tmp_path_factory, township):
    return seeded_folder(tmp_path_factory.mktemp("history") / "data", township)


@pytest.fixture
def store(tmp_path, seeded):
    s = Store.open(copy_of(seeded, tmp_path))
    yield s
    s.close()


def page_texts(pdf_file, pages: int) -> list[str]:
    return [subprocess.run(["pdftotext", "-f", str(n), "-l", str(n), "-enc", "UTF-8", str(pdf_file), "-"], capture_output=True,
                           text=True, timeout=30, check=True).stdout for n in range(1, pages + 1)]


async def test_the_ledger_pdf_has_the_hall_the_month_and_every_table(hall, tmp_path):
    await signed_in(hall, "manager1")
    report = await report_of(hall, **MONTH)
    r = await hall.client.get("/api/v1/reports/ledger", params={"month": "2026-11", "format": "pdf"})
    assert r.status == 200 and r.headers["Content-Type"] == "application/pdf"
    assert r.headers["Content-Disposition"].startswith('attachment; filename="yimen-ledger-2026-11.pdf"')
    pdf = await r.read()
    text = pdf_text(pdf, tmp_path)
    for words in (HALL, "政务服务月度台账（2026-11）", "区划代码：330100001", "统计周期：2026-11（2026-11-01至2026-11-30）",
                  "生成时间：2026-11-23 09:00（北京时间）", "一、总体情况", "二、窗口", "三、业务类别", "四、事项", "五、工作人员",
                  "六、好差评", "差评整改", "差评明细", "七、办件(按类型)", "制表人", "负责人"):
        assert flat(words) in text, words
    totals = report["totals"]
    assert f"取号数{totals['issued']}0" in text  # this month's tickets, and last month's none
    assert f"平均等候(分钟){totals['wait_mean_s'] / 60:.1f}—" in text
    for w in report["by"]["window"]:
        assert flat(w["label"]) in text
    assert "王芳" in text  # a clerk by name
    assert f"差评件数{report['follow_ups']['bad_items']}" in text
    assert f"全大厅{report['cases']['totals']['opened']}" in text

    pages = pdf_pages(pdf, tmp_path)
    assert 2 <= pages <= 8
    path = tmp_path / "ledger.pdf"
    path.write_bytes(pdf)
    texts = page_texts(path, pages)
    for n, page in enumerate(texts, 1):
        assert flat(f"第 {n} 页 / 共 {pages} 页") in flat(page)
        if n > 1:  # a table that goes on over a page starts the page with its header row again
            assert page.lstrip().startswith(PAGE_STARTS), (n, page[:80])
    subprocess.run(["pdftoppm", "-r", "60", "-png", str(path), str(tmp_path / "ledger")], check=True, timeout=60)
    shots = sorted(tmp_path.glob("ledger-*.png"))
    assert len(shots) == pages
    for shot in shots:
        share, _ = ink(shot.read_bytes())
        assert share > 0.02, shot  # tables drawn, not an empty page

    r = await hall.client.get("/api/v1/reports/ledger", params={"month": "2026-11", "lang": "en"})
    english = pdf_text(await r.read(), tmp_path)
    for words in ("Model Town Service Centre", "Monthly service ledger (2026-11)", "1. Overview", "Prepared by", "Page 1 of"):
        assert flat(words) in english, words


async def test_the_ledger_workbook_has_the_reports_numbers(hall):
    await signed_in(hall, "manager1")
    report = await report_of(hall, **MONTH)
    r = await hall.client.get("/api/v1/reports/ledger", params={"month": "2026-11", "format": "xlsx"})
    assert r.status == 200
    wb = load_workbook(io.BytesIO(await r.read()))
    assert wb.sheetnames == [*LEDGER_SHEETS, "说明"]
    checker = Checker(report)
    for name, kind in LEDGER_SHEETS.items():
        assert wb[name]["A1"].value == f"{HALL} · {name} · 2026-11"
        header, rows = sheet_rows(wb[name])
        checker.table(kind, header, rows)
    assert checker.numbers > 600


async def test_the_ledger_page_is_for_managers_and_says_what_is_wrong(hall):
    hall.client.session.cookie_jar.clear()
    r = await hall.client.get("/manage/ledger?month=2026-11", allow_redirects=False)
    assert r.status == 303 and unquote(r.headers["Location"]) == "/login?next=/manage/ledger?month=2026-11"
    await signed_in(hall, "clerk1")
    r = await hall.client.get("/manage/ledger?month=2026-11")
    assert r.status == 403 and "仅限中心负责人" in await r.text()
    await signed_in(hall, "manager1")
    r = await hall.client.get("/manage/ledger?month=2026-13")
    page = await r.text()
    assert r.status == 400 and "月份有误" in page and "YYYY-MM" in page
    r = await hall.client.get("/manage/ledger")  # no month: the last finished one
    assert r.status == 200 and "政务服务月度台账（2026-10）" in await r.text()


async def test_the_print_page_prints_the_ledger_on_a4(browser, hall, tmp_path):
    report = await report_of_page(hall)
    page = await browser.new_page(viewport={"width": 1366, "height": 900})
    await sign_in(page, hall, "/manage/ledger?month=2026-11", user="manager1")
    assert await page.locator(".sheet-title").inner_text() == "政务服务月度台账（2026-11）"
    assert await page.locator(".ledger-table").count() == 11
    totals = page.locator(".ledger-table").first
    assert await totals.locator("tbody tr").first.inner_text() == f"取号数\t{report['totals']['issued']}\t0"
    assert await page.locator("#pdf").get_attribute("href") == "/api/v1/reports/ledger?month=2026-11&format=pdf"
    for width in (1920, 1366, 390):
        await page.set_viewport_size({"width": width, "height": 900})
        assert await measure(page, str(tmp_path / f"ledger-{width}.png")) == [], width

    await page.emulate_media(media="print")
    pdf = await page.pdf(format="A4", print_background=True)
    text = pdf_text(pdf, tmp_path)
    assert flat("政务服务月度台账（2026-11）") in text and HALL in text and "制表人" in text
    assert "下载PDF" not in text and "返回管理页" not in text and "请用A4纸" not in text  # the toolbar and hint are not printed
    pages = pdf_pages(pdf, tmp_path)
    assert 2 <= pages <= 10
    (tmp_path / "print.pdf").write_bytes(pdf)
    subprocess.run(["pdftoppm", "-r", "50", "-png", "-f", "1", "-l", "2", str(tmp_path / "print.pdf"), str(tmp_path / "print")],
                   check=True, timeout=60)
    width_mm = float(subprocess.run(["pdfinfo", str(tmp_path / "print.pdf")], capture_output=True, text=True,
                                    check=True).stdout.split("Page size:")[1].split("x")[0])
    assert abs(width_mm - 595) < 2  # A4 portrait: 595 × 842 pt

    await page.emulate_media(media="screen")
    await page.click("#lang")
    await page.wait_for_url("**/manage/ledger?month=2026-11&lang=en")
    assert await page.locator(".sheet-title").inner_text() == "Monthly service ledger (2026-11)"
    await page.fill("#month", "2026-10")
    await page.click("#show")
    await page.wait_for_url("**/manage/ledger?month=2026-10&lang=en")
    assert "2026-10" in await page.locator(".sheet-title").inner_text()


async def report_of_page(hall) -> dict:
    await signed_in(hall, "manager1")
    return await report_of(hall, **MONTH)


def test_yimen_report_writes_both_formats_and_refuses_bad_input(seeded, tmp_path, capsys):
    data = copy_of(seeded, tmp_path)
    database = data / DB_NAME
    before = hashlib.sha256(database.read_bytes()).hexdigest()
    pdf, xlsx = tmp_path / "taizhang.pdf", tmp_path / "taizhang.xlsx"
    assert main(["report", "--month", "2026-11", "--out", str(pdf), "--data-dir", str(data)]) == 0
    assert f"{pdf}: {HALL} 台账 2026-11" in capsys.readouterr().out
    text = pdf_text(pdf.read_bytes(), tmp_path)
    assert HALL in text and flat("政务服务月度台账（2026-11）") in text and "制表人" in text
    assert main(["report", "--month", "2026-11", "--out", str(xlsx), "--data-dir", str(data), "--config", "township"]) == 0
    store = Store.read_only(database)
    try:
        report = build_report(store, load_preset("township"), period("month", date(2026, 11, 1)), business_day(time.time()))
    finally:
        store.close()
    wb = load_workbook(xlsx)
    checker = Checker(report)
    for name, kind in LEDGER_SHEETS.items():
        checker.table(kind, *sheet_rows(wb[name]))
    assert checker.numbers > 600
    assert hashlib.sha256(database.read_bytes()).hexdigest() == before  # read, never written

    capsys.readouterr()
    for argv, says in ((["--month", "2026-13", "--out", str(pdf)], "month must be written YYYY-MM"),
                       (["--month", "Nov", "--out", str(pdf)], "month must be written YYYY-MM"),
                       (["--month", "2026-11", "--out", str(tmp_path / "t.docx")], "--out must name a .xlsx or .pdf file"),
                       (["--month", "2026-11", "--out", str(tmp_path / "no" / "t.pdf")], "no folder")):
        assert main(["report", *argv, "--data-dir", str(data)]) == 2, argv
        assert says in capsys.readouterr().err, argv
    assert main(["report", "--month", "2026-11", "--out", str(pdf), "--data-dir", str(tmp_path / "empty")]) == 1
    assert "no hall database" in capsys.readouterr().err
    assert not (tmp_path / "empty").exists()  # looked, made nothing
