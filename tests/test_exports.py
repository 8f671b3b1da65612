"""The reports' downloads (docs/reports.md): every table as CSV (UTF-8 with BOM) and Excel, and the
whole report as one workbook, read back and compared number by number with `/api/v1/reports` over
the real server, on a week of generated history (HistoryPlayer through the real service)."""

from __future__ import annotations

import io
from urllib.parse import unquote

import pytest
from openpyxl import load_workbook

from queue_server.reports import ALL_FIGURES
from queue_server.store import Store
from tests.support.hall import signed_in
from tests.support.history import copy_of, report_of, seeded_folder
from tests.support.report_tables import SHEETS, Checker, read_csv, sheet_rows

MONTH = {"period": "month", "date": "2026-11-01"}
TABLES = ("totals", "window", "category", "matter", "clerk", "hour", "weekday", "day", "windows_time", "attendance",
          "attendance_daily", "appointments", "follow_ups", "bad_ratings", "cases", "cases_by_matter", "wait_histogram", "heatmap")
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@pytest.fixture(scope="module")
def seeded(tmp_path_factory, township):
    """A week of the township hall (about 40 tickets a day), played once for the module."""
    return seeded_folder(tmp_path_factory.mktemp("history") / "data", township)


@pytest.fixture
def store(tmp_path, seeded):
    """The conftest's store, holding the module's week (a copy: each test may write its own)."""
    s = Store.open(copy_of(seeded, tmp_path))
    yield s
    s.close()


async def download(hall, expect: int = 200, **query):
    r = await hall.client.get("/api/v1/reports/export", params=query)
    body = await r.read()
    assert r.status == expect, body[:300]
    return r, body


def disposition_names(header: str) -> tuple[str, str]:
    """(filename, filename*) of a Content-Disposition: attachment header."""
    assert header.startswith("attachment;")
    plain = header.split('filename="', 1)[1].split('"', 1)[0]
    utf8 = unquote(header.split("filename*=UTF-8''", 1)[1])
    assert plain.isascii()
    return plain, utf8


async def test_the_workbook_holds_every_table_with_the_reports_numbers(hall):
    await signed_in(hall, "manager1")
    report = await report_of(hall, **MONTH)
    assert report["totals"]["issued"] > 150 and report["cases"]["totals"]["opened"] > 0
    r, body = await download(hall, table="all", format="xlsx", **MONTH)
    assert r.headers["Content-Type"] == XLSX
    assert disposition_names(r.headers["Content-Disposition"]) == ("yimen-all-2026-11.xlsx", "示范镇便民服务中心-全部报表-2026-11.xlsx")
    wb = load_workbook(io.BytesIO(body))
    assert wb.sheetnames == [*SHEETS, "说明"]
    checker = Checker(report)
    for name, kind in SHEETS.items():
        ws = wb[name]
        assert ws["A1"].value == f"示范镇便民服务中心 · {name} · 2026-11"  # the title row: hall, table, period
        for fact in ("区划代码：330100001", "统计周期：2026-11（2026-11-01 至 2026-11-30）", "目标等候(分钟)：15",
                     "生成时间：2026-11-23 09:00（北京时间）"):
            assert fact in ws["A2"].value, (name, fact)
        assert ws.freeze_panes.endswith("5"), name  # the rows above the first row of figures stay in view
        header, rows = sheet_rows(ws)
        checker.table(kind, header, rows)
        for letter, dim in ws.column_dimensions.items():
            assert 8 <= dim.width <= 40, (name, letter, dim.width)
    assert checker.numbers > 2500  # every number of every sheet was compared
    matters = wb["按事项"]
    assert matters.column_dimensions["B"].width >= 30  # the matters' names are long: their column is wide
    assert matters["C5"].number_format == "0" and matters["I5"].number_format == "0.0"  # counts; minutes

    definitions = wb["说明"]
    header, rows = sheet_rows(definitions)
    assert header == ["代码", "指标", "单位", "公式", "不含"]
    defined = {row[0]: row for row in rows}
    for key, f in ALL_FIGURES.items():
        assert defined[key][1] == f.zh and defined[key][3] == f.formula_zh and f.formula_zh, key
    assert defined["wait_mean_s"][4] == "从未被叫的号（取消、未叫号）；重呼不重新计时"
    assert defined["wait_mean_s"][2] == "分钟" and defined["good_rate"][2] == "%"
    assert any("最近秩" in (c.value or "") for c in definitions["A"])  # the notes under the definitions


async def test_each_table_as_csv_starts_with_a_bom_and_has_the_reports_numbers(hall):
    await signed_in(hall, "manager1")
    report = await report_of(hall, **MONTH)
    checker = Checker(report, from_csv=True)
    for name in TABLES:
        r, body = await download(hall, table=name, format="csv", **MONTH)
        assert r.headers["Content-Type"] == "text/csv; charset=utf-8"
        plain, local = disposition_names(r.headers["Content-Disposition"])
        assert plain == f"yimen-{name}-2026-11.csv" and local.startswith("示范镇便民服务中心-") and local.endswith("-2026-11.csv")
        head, header, rows, definitions = read_csv(body)
        assert head["大厅"] == "示范镇便民服务中心" and head["区划代码"] == "330100001"
        assert head["统计周期"] == "2026-11（2026-11-01 至 2026-11-30）"
        assert head["生成时间"] == "2026-11-23 09:00（北京时间）" and head["目标等候(分钟)"] == "15"
        assert head["表"] == local.split("-")[1]
        kind = name
        checker.table(kind, header, rows)
        if name in ("window", "totals", "cases"):
            assert definitions[0] == ["说明"], name  # the figures of the table, defined under it
            defined = {row[0] for row in definitions[2:]}
            assert {"wait_mean_s", "within_target"} <= defined or name == "cases", (name, defined)
    assert checker.numbers > 2500

    # A custom period: the same rows as the report of that period.
    days = {"period": "custom", "date": "2026-11-16", "last": "2026-11-18"}
    _, body = await download(hall, table="day", format="csv", **days)
    head, header, rows, _ = read_csv(body)
    assert head["统计周期"] == "2026-11-16~2026-11-18（2026-11-16 至 2026-11-18）"
    assert [row[0] for row in rows] == ["2026-11-16", "2026-11-17", "2026-11-18", "全大厅"]
    Checker(await report_of(hall, **days), from_csv=True).table("day", header, rows)


async def test_one_table_as_excel_and_the_english_workbook(hall):
    await signed_in(hall, "manager1")
    r, body = await download(hall, table="matter", format="xlsx", **MONTH)
    wb = load_workbook(io.BytesIO(body))
    assert wb.sheetnames == ["按事项", "说明"]
    header, rows = sheet_rows(wb["按事项"])
    Checker(await report_of(hall, **MONTH)).table("matter", header, rows)

    report = await report_of(hall, lang="en", **MONTH)
    r, body = await download(hall, table="all", format="xlsx", lang="en", **MONTH)
    assert disposition_names(r.headers["Content-Disposition"]) == ("yimen-all-2026-11.xlsx",
                                                                   "Model_Town_Service_Centre-report-2026-11.xlsx")
    wb = load_workbook(io.BytesIO(body))
    assert wb.sheetnames[:3] == ["Totals", "By window", "By category"] and wb.sheetnames[-1] == "Definitions"
    ws = wb["Totals"]
    assert ws["A1"].value == f"{report['hall']} · Totals · 2026-11"
    assert "Generated at: 2026-11-23 09:00 (Asia/Shanghai)" in ws["A2"].value
    header, rows = sheet_rows(ws)
    assert header == ["Figure", "This period 2026-11", "Previous period 2026-10"]
    shown = {row[0]: row[1] for row in rows}
    assert shown["Tickets issued"] == report["totals"]["issued"]
    assert shown["Mean wait (min)"] == round(report["totals"]["wait_mean_s"] / 60, 1)
    assert shown["Good rating share (%)"] == round(report["totals"]["good_rate"] * 100, 1)
    header, rows = sheet_rows(wb["By window"])
    assert header[:4] == ["Window", "Name", "Tickets issued", "Served"] and "P90 wait (min)" in header
    assert [row[1] for row in rows] == [w["label"] for w in report["by"]["window"]] + ["Whole hall"]


async def test_bad_tables_formats_and_periods_are_refused_with_the_valid_choices(hall):
    await signed_in(hall, "manager1")
    for query, field, words in (
            ({"table": "nope"}, "table", ["window", "cases_by_matter", "heatmap", "all"]),
            ({}, "table", ["totals"]),
            ({"table": "window", "format": "doc"}, "format", ["csv, xlsx"]),
            ({"table": "all", "format": "csv"}, "table", ["format=xlsx"]),
            ({"table": "window", "period": "fortnight"}, "period", ["day, week, month"]),
            ({"table": "window", "date": "2026-13-01"}, "date", ["YYYY-MM-DD"]),
            ({"table": "window", "period": "custom", "date": "2026-11-20", "last": "2026-11-01"}, "last", ["last day"])):
        r, body = await download(hall, 400, **query)
        error = await r.json()
        assert error["error"] == "bad_request" and error["field"] == field, (query, error)
        assert all(w in error["message"] for w in words), (query, error)
    for query, field in (({"month": "2026-13"}, "month"), ({"month": "11/2026"}, "month"),
                         ({"month": "2026-11", "format": "docx"}, "format")):
        r = await hall.client.get("/api/v1/reports/ledger", params=query)
        assert r.status == 400 and (await r.json())["field"] == field, query


async def test_only_managers_download(hall):
    for path in ("/api/v1/reports/export?table=window", "/api/v1/reports/ledger?month=2026-11"):
        hall.client.session.cookie_jar.clear()
        r = await hall.client.get(path)
        assert r.status == 401, path
        r = await hall.client.get(path, headers=hall.auth("kiosk"))
        assert r.status == 403, path
        await signed_in(hall, "clerk1")
        r = await hall.client.get(path)
        assert r.status == 403, path
        await signed_in(hall, "admin1")  # an admin is a manager too
        r = await hall.client.get(path)
        assert r.status == 200, path
    status, doc = await hall.get("/api/v1/openapi.json")
    for path in ("/api/v1/reports/export", "/api/v1/reports/ledger"):
        assert doc["paths"][path]["get"]["x-roles"] == ["manager"] and "400" in doc["paths"][path]["get"]["responses"]
