"""The manager's dashboard (/manage: 实时, 报表, 图表, 人员考勤, 办件) in real headless Chromium against
the real server on loopback, over a hall with two weeks of generated history (tests/support/history.py):
every number on the report tabs is the API's for the same period, each chart's marks carry exactly
the API's data, the tabs work with the keyboard alone, the staff sheets print one page per clerk,
and every tab is measured and photographed at 1920, 1366 and 390 px."""

from __future__ import annotations

import math
import re
import subprocess

import pytest

from queue_server.service import HallService
from tests.support.browser import base
from tests.support.hall import PASSWORD, FakeClock, at, signed_in
from tests.support.history import NAMES, START, seed_two_weeks
from tests.support.pages import english_words, measure, text_is

pytestmark = pytest.mark.slow

TABS = ("live", "reports", "charts", "staff", "cases", "bookings", "layout")


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(at(START))


@pytest.fixture
def service(township, store, clock):
    tokens = iter(f"token-{i:04d}-abcdefghijklmnop" for i in range(100000))
    svc = HallService(township, store, clock, new_token=lambda: next(tokens))
    seed_two_weeks(svc, clock)
    return svc


async def report(hall, query: str = "period=month") -> dict:
    """The API's report, asked for as a manager."""
    await signed_in(hall, "manager1")
    r = await hall.client.get(f"/api/v1/reports?{query}")
    assert r.status == 200
    return await r.json()


async def dashboard(browser, hall, query: str = "", width: int = 1366, height: int = 900):
    """A manager's page on /manage?<query>, with the report (if any tab asks for one) loaded."""
    page = await browser.new_page(viewport={"width": width, "height": height}, locale="zh-CN")
    await page.goto(f"{base(hall)}/login?next=/manage")
    await page.fill("#username", "manager1")
    await page.fill("#password", PASSWORD)
    await page.click("button[type=submit]")
    await page.wait_for_url(f"{base(hall)}/manage")
    if query:
        await page.goto(f"{base(hall)}/manage?{query}")
    await page.wait_for_selector("#categories tr[data-code=A]", state="attached")
    if "tab=" in query and "tab=live" not in query:
        await loaded(page)
    return page


async def loaded(page) -> None:
    await page.wait_for_function("() => !!document.body.dataset.loaded && document.getElementById('p-status').textContent === ''")


def minutes(seconds: float | None) -> str:
    """As the page writes a time: minutes with one decimal, rounded half up."""
    return "—" if seconds is None else f"{math.floor(seconds / 6 + 0.5) / 10:.1f} 分钟"


def percent(share: float | None) -> str:
    return "—" if share is None else f"{math.floor(share * 1000 + 0.5) / 10:.1f}%"


async def test_every_tab_at_1920_1366_and_390_px(hall, browser, tmp_path):
    """Each tab renders, fits the window, breaks no word and shows no English on the Chinese page;
    the screenshots are kept (tests/…/dash-<tab>-<width>.png)."""
    found: dict[str, list[str]] = {}
    for width, height in ((1920, 1080), (1366, 768), (390, 844)):
        page = await dashboard(browser, hall, "tab=reports", width, height)
        for tab in TABS:
            await page.click(f"#tab-{tab}")
            await page.wait_for_selector(f"#panel-{tab}", state="visible")
            if tab == "charts":
                await page.wait_for_selector("#chart-heatmap svg")
            if tab == "reports":  # the longest names: the matters'; and the list of 差评, opened
                await page.select_option("#dimension", "matter")
                await page.click("#bad-items-box summary")
                await page.click(".exports-box summary")
            if tab == "cases":
                await page.wait_for_function("() => document.getElementById('sup-green').textContent !== '—'")
            if tab == "layout":
                await page.wait_for_selector("#current-table tbody tr")
            found[f"{tab} {width}"] = await measure(page, str(tmp_path / f"dash-{tab}-{width}.png"))
            text = await page.inner_text("body")
            assert english_words(text) == set(), (tab, width, english_words(text))
        await page.close()
    problems = [f"{where}: {p}" for where, items in found.items() for p in items]
    assert not problems, "\n".join(problems)


async def loaded_for(page, query: str) -> None:
    """Wait until the page shows the report of exactly this query (period=…&date=…)."""
    await page.wait_for_function("(q) => document.body.dataset.loaded === q && document.getElementById('p-status').textContent === ''",
                                 arg=query)


async def first_values(page, table: str) -> dict[str, str]:
    """Row key → the data-value of its first value cell, for a figures table."""
    return dict(await page.eval_on_selector_all(f"#{table} tbody tr", "(rs) => rs.map((r) => [r.dataset.key, r.querySelector('td').dataset.value])"))


def same(shown: str, value) -> bool:
    """A data attribute holds the API's number (or is empty for null)."""
    return shown == "" if value is None else float(shown) == float(value)


async def test_the_reports_tab_shows_the_api_s_figures_and_the_previous_period(hall, browser):
    month = await report(hall, "period=month")
    page = await dashboard(browser, hall, "tab=reports")
    assert month["period"]["first"] == "2026-11-01" and month["totals"]["issued"] > 300  # this month by default
    assert await page.text_content("#p-label") == "2026年11月（2026-11-01 至 2026-11-30）"
    figures = (await (await hall.client.get("/api/v1/reports/figures")).json())["figures"]
    keys = [f["key"] for f in figures["tickets"]]
    assert set(keys) <= set(month["totals"])
    shown = {}
    for f in figures["tickets"]:
        row = page.locator(f"#totals tr[data-key={f['key']}]")
        shown[f["key"]] = (await row.locator("td.cur").get_attribute("data-value"), await row.locator("td.cur").text_content(),
                           await row.locator("th").get_attribute("title"), await row.locator("th").text_content())
    for f in figures["tickets"]:
        value, text, title, name = shown[f["key"]]
        api = month["totals"][f["key"]]
        assert same(value, api), f["key"]
        expected = {"s": minutes, "share": percent}.get(f["unit"], lambda v: str(v))(api)
        assert text == expected, f["key"]
        assert name.startswith(f["zh"]) and f["formula_zh"] in title
    assert "（目标 15 分钟）" in shown["within_target"][3]  # the hall's target wait, beside its figure
    # The hall's windows, appointments and 差评 follow-up for the month.
    time_rows = await first_values(page, "windows-time")
    assert {k: float(v) for k, v in time_rows.items()} == {"open_h": month["windows_time"]["open_h"], "pause_h": month["windows_time"]["pause_h"],
                                                           "idle_queue_h": month["windows_time"]["idle_queue_h"],
                                                           **{f"pause:{k}": v for k, v in month["windows_time"]["pauses_h"].items()}}
    booked = await first_values(page, "appointments")
    assert {k: int(v) for k, v in booked.items()} == month["appointments"]
    follow = await first_values(page, "follow-ups")
    assert int(follow.pop("bad_items")) == month["follow_ups"]["bad_items"]
    assert same(follow.pop("rectified_on_time"), month["follow_ups"]["rectified_on_time"])
    assert {k: int(v) for k, v in follow.items()} == {f"state:{k}": v for k, v in month["follow_ups"]["states"].items()}
    # Each 差评 of the month, with its follow-up state (open the list first).
    await page.click("#bad-items-box summary")
    items = await page.eval_on_selector_all("#bad-items tbody tr", "(rs) => rs.map((r) => [r.dataset.day, r.dataset.number, r.cells[6].textContent])")
    states = {"open": "待核实", "verified": "已核实", "called_back": "已回访", "rectified": "已整改", "feedback": "已反馈", "closed": "已办结"}
    assert items == [[i["day"], i["number"], states[i["state"]]] for i in month["follow_ups"]["items"]]
    assert len(items) == month["follow_ups"]["bad_items"] > 0

    # A week, compared with the week before (both hold generated days).
    await page.select_option("#p-kind", "week")
    await page.fill("#p-date", "2026-11-18")
    await loaded_for(page, "period=week&date=2026-11-18")
    week = await report(hall, "period=week&date=2026-11-18")
    assert week["previous"]["period"]["first"] == "2026-11-09" and week["previous"]["totals"]["issued"] > 100
    assert await page.text_content("#p-label") == "2026 年第 47 周（2026-11-16 至 2026-11-22）"
    assert "上期：2026 年第 46 周（2026-11-09 至 2026-11-15）" in await page.text_content("#totals")
    for key in keys:
        row = page.locator(f"#totals tr[data-key={key}]")
        now, before, change = [await row.locator(f"td.{c}").get_attribute("data-value") for c in ("cur", "prev", "change")]
        cur, prev = week["totals"][key], week["previous"]["totals"][key]
        assert same(now, cur) and same(before, prev), key
        assert same(change, None if cur is None or prev is None else cur - prev), key
    issued = page.locator("#totals tr[data-key=issued] td")
    assert await issued.all_text_contents() == [str(week["totals"]["issued"]), str(week["previous"]["totals"]["issued"]),
                                                f"{week['totals']['issued'] - week['previous']['totals']['issued']:+d}".replace("+0", "0")]
    # Without the comparison there is no previous column; the ‹ › buttons step a whole week.
    await page.uncheck("#p-compare")
    await loaded_for(page, "period=week&date=2026-11-18&compare=0")
    assert await page.locator("#totals td.prev").count() == 0
    await page.click("#p-prev")
    await loaded_for(page, "period=week&date=2026-11-11&compare=0")
    assert same(await page.get_attribute("#totals tr[data-key=issued] td.cur", "data-value"), week["previous"]["totals"]["issued"])
    assert "period=week&date=2026-11-11&compare=0" in page.url  # the view can be reloaded or shared

    # A custom range of two dates.
    await page.select_option("#p-kind", "custom")
    await page.fill("#p-date", "2026-11-10")
    await page.fill("#p-last", "2026-11-12")
    await loaded_for(page, "period=custom&date=2026-11-10&last=2026-11-12&compare=0")
    three = await report(hall, "period=custom&date=2026-11-10&last=2026-11-12")
    assert same(await page.get_attribute("#totals tr[data-key=served] td.cur", "data-value"), three["totals"]["served"])
    assert await page.text_content("#p-label") == "2026-11-10 至 2026-11-12"
    # A range the server refuses (over three years: 400) is explained in Chinese; the last report stays.
    browser.allow(r"status of 400 .*/api/v1/reports\?period=custom&date=2020-01-01")
    await page.fill("#p-date", "2020-01-01")
    await text_is(page, "p-error", "统计周期有误：自定义范围的结束日不能早于开始日，且最长三年。")
    assert same(await page.get_attribute("#totals tr[data-key=served] td.cur", "data-value"), three["totals"]["served"])


async def test_the_breakdown_follows_the_chosen_dimension(hall, browser):
    month = await report(hall, "period=month")
    page = await dashboard(browser, hall, "tab=reports")
    columns = ("issued", "served", "no_show", "wait_median_s", "wait_p90_s", "within_target", "service_mean_s",
               "service_p90_s", "good_rate", "bad")
    for dim in ("window", "category", "matter", "clerk", "hour", "weekday", "day"):
        await page.select_option("#dimension", dim)
        await page.wait_for_selector(f"#breakdown[data-dimension={dim}]")
        rows = await page.eval_on_selector_all(
            "#breakdown tbody tr", "(rs) => rs.map((r) => [r.dataset.key, r.cells[0].textContent, "
            "Object.fromEntries([...r.querySelectorAll('td[data-key]')].map((c) => [c.dataset.key, c.dataset.value]))])")
        api = month["by"][dim]
        assert [(k, name) for k, name, _ in rows] == [(str(r["key"]), r["label"]) for r in api], dim
        extra = ("open_h", "pause_h", "idle_queue_h") if dim == "window" else ()
        for (_, _, shown), row in zip(rows, api, strict=True):
            assert set(shown) == set(columns + extra)
            assert all(same(shown[k], row[k]) for k in shown), (dim, row["key"])
    assert "dim=day" in page.url
    # Downloads of what the tab shows, for the period on screen (docs/reports.md), and they work.
    links = await page.eval_on_selector_all("#exports a", "(as) => as.map((a) => [a.textContent, a.getAttribute('href')])")
    q = "period=month&date=2026-11-23"
    assert links == [["CSV", f"/api/v1/reports/export?{q}&table=totals&format=csv"],
                     ["Excel", f"/api/v1/reports/export?{q}&table=totals&format=xlsx"],
                     ["CSV", f"/api/v1/reports/export?{q}&table=day&format=csv"],
                     ["Excel", f"/api/v1/reports/export?{q}&table=day&format=xlsx"],
                     ["Excel（每表一页，附指标说明）", f"/api/v1/reports/export?{q}&table=all&format=xlsx"],
                     ["2026-11 月度台账", "/manage/ledger?month=2026-11"]]
    assert "分项统计（按日期）" in await page.text_content("#exports")
    await page.click(".exports-box summary")  # the downloads fold away under one line
    for _, href in links[2:]:
        r = await page.request.get(base(hall) + href)
        assert r.status == 200, href
    csv = (await (await page.request.get(base(hall) + links[2][1])).body()).decode("utf-8-sig")
    assert "示范镇便民服务中心" in csv and "2026-11-20" in csv  # the hall, and the last generated day's row
    # The window breakdown: pauses by reason in words.
    await page.select_option("#dimension", "window")
    paused = next(r for r in month["by"]["window"] if r["pauses_h"])
    reason, hours = next(iter(paused["pauses_h"].items()))
    assert f"{reason} {hours:.1f} 小时" in await page.text_content(f"#breakdown tr[data-key='{paused['key']}'] td.wide")


# The contrast between each heatmap cell's shade and the number written on it (WCAG's formula).
CELL_CONTRAST = """(cells) => cells.map((rect) => {
  const lum = (c) => { const [r, g, b] = c.match(/[\\d.]+/g).slice(0, 3).map((v) => { v = v / 255; return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; });
    return 0.2126 * r + 0.7152 * g + 0.0722 * b; };
  const a = lum(rect.getAttribute("fill")), b = lum(getComputedStyle(rect.nextElementSibling).fill);
  return (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);
})"""


async def test_each_chart_carries_the_api_s_data(hall, browser, tmp_path):
    month = await report(hall, "period=month")
    charts = month["charts"]
    page = await dashboard(browser, hall, "tab=charts", width=1366)
    await page.wait_for_selector("#chart-heatmap svg")

    def marks(box: str, fields: str):
        return page.eval_on_selector_all(f"#{box} .mark", f"(els) => els.map((e) => [{fields}])")

    heat = await marks("chart-heatmap", "+e.dataset.weekday, +e.dataset.hour, +e.dataset.value, +e.dataset.tickets")
    assert sorted(heat) == sorted([c["weekday"], c["hour"], c["per_day"], c["tickets"]] for c in charts["heatmap"]["cells"])
    assert min(await page.eval_on_selector_all("#chart-heatmap .mark", CELL_CONTRAST)) >= 4.5  # each cell's number is readable
    rows = await page.eval_on_selector_all("#chart-heatmap text.tick", "(ts) => ts.map((t) => t.textContent)")
    assert {"周一", "周五", "9时", "16时"} <= set(rows)  # axes in the page's language

    bars = await marks("chart-histogram", "+e.dataset.key, +e.dataset.value")
    assert bars == [[b["from_min"], b["count"]] for b in charts["wait_histogram"]]
    assert sum(v for _, v in bars) == month["totals"]["wait_n"]

    days = [d["day"] for d in charts["days"]]
    assert len(days) == 10  # the ten working days played
    for box, series in (("chart-waits", ("wait_median_s", "wait_p90_s")), ("chart-satisfaction", ("good_rate", "active_rate"))):
        dots = await marks(box, "e.dataset.series, e.dataset.key, +e.dataset.value")
        expected = [[s, d["day"], d[s]] for s in series for d in charts["days"] if d[s] is not None]
        assert dots == expected, box
        legend = await page.locator(f"#{box} .legend li").all_text_contents()
        assert legend == (["中位数", "P90"] if box == "chart-waits" else ["好评率", "主动评价率"])

    served = await marks("chart-served", "+e.dataset.key, +e.dataset.value")
    assert served == [[w["key"], w["served"]] for w in month["by"]["window"]]
    idle = await marks("chart-idle", "+e.dataset.key, +e.dataset.value")
    assert idle == [[w["key"], w["idle_queue_h"]] for w in month["by"]["window"]]
    await page.screenshot(path=str(tmp_path / "charts.png"), full_page=True)

    # A period with no data: every chart says so, and nothing is drawn.
    await page.select_option("#p-kind", "year")
    await page.fill("#p-date", "2025-06-01")
    await loaded_for(page, "period=year&date=2025-06-01")
    for box in ("chart-heatmap", "chart-waits", "chart-histogram", "chart-served", "chart-idle", "chart-satisfaction"):
        assert await page.text_content(f"#{box}") == "本期没有数据", box
    assert await page.locator(".chart-box svg").count() == 0
    await page.screenshot(path=str(tmp_path / "charts-empty.png"), full_page=True)


STAFF_ROWS = """(rs) => rs.map((r) => [r.dataset.clerk, r.cells[0].textContent, r.cells[r.cells.length - 1].textContent,
  Object.fromEntries([...r.querySelectorAll('td[data-key]')].map((c) => [c.dataset.key, c.dataset.value]))])"""


async def test_the_staff_tab_lists_every_clerk_with_the_api_s_figures_and_prints_a_sheet_each(hall, browser, tmp_path):
    month = await report(hall)
    page = await dashboard(browser, hall, "tab=staff")
    rows = await page.eval_on_selector_all("#staff tbody tr", STAFF_ROWS)
    attendance = {a["clerk"]: a for a in month["attendance"]}
    work = {r["key"]: r for r in month["by"]["clerk"]}
    assert [clerk for clerk, *_ in rows] == [a["clerk"] for a in month["attendance"]]
    assert set(attendance) == set(work) == {"clerk1", *NAMES}  # every clerk signed in and served
    assert {name for _, name, _, _ in rows} == {"clerk1", *NAMES.values()}
    for clerk, _, pauses, shown in rows:
        a, w = attendance[clerk], work[clerk]
        expected = {k: a[k] for k in ("days", "late_days", "early_days", "signed_in_h", "pause_h")}
        expected |= {k: w[k] for k in ("served", "service_mean_s", "service_p90_s", "rated", "good_rate", "bad")}
        assert set(shown) == set(expected)
        assert all(same(shown[k], v) for k, v in expected.items()), clerk
        assert pauses == ("，".join(f"{why} {h:.1f} 小时" for why, h in a["pauses_h"].items()) or "—")
    assert any(a["late_days"] for a in month["attendance"]) and any(a["pauses_h"] for a in month["attendance"])

    assert await page.eval_on_selector_all("#staff-downloads a", "(as) => as.map((a) => a.getAttribute('href'))") == [
        f"/api/v1/reports/export?period=month&date=2026-11-23&table={t}&format=xlsx" for t in ("attendance", "attendance_daily")]

    # A clerk's days, on a click (and closed again).
    button = page.locator("#staff tr[data-clerk=wangfang] button")
    await button.click()
    await page.wait_for_selector("#staff-detail tbody tr")
    assert await button.get_attribute("aria-expanded") == "true"
    assert (await page.text_content("#staff-detail h3")).startswith("王芳 · 每日考勤")
    days = await page.eval_on_selector_all("#staff-detail tbody tr", "(rs) => rs.map((r) => [...r.cells].map((c) => c.textContent))")
    assert days == [[d["day"], d["first_in"], d["last_out"], str(d["late_min"]), str(d["early_min"]), f"{d['signed_in_h']:.1f} 小时"]
                    for d in attendance["wangfang"]["daily"]]
    await button.click()
    await page.wait_for_selector("#staff-detail", state="hidden")

    # Printing: the button asks the browser to print; what prints is one A4 page per clerk.
    await page.evaluate("() => { window.__printed = 0; window.print = () => { window.__printed += 1; }; }")
    await page.click("#print-staff")
    assert await page.evaluate("() => window.__printed") == 1
    pdf = tmp_path / "staff-sheets.pdf"
    await page.pdf(path=str(pdf), format="A4")
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True).stdout
    assert re.search(r"^Pages:\s+(\d+)$", info, re.M).group(1) == str(len(rows))
    for i, (clerk, name, _, _) in enumerate(rows, start=1):
        text = subprocess.run(["pdftotext", "-f", str(i), "-l", str(i), "-layout", str(pdf), "-"],
                              capture_output=True, text=True, check=True).stdout
        assert f"姓名：{name}" in text and f"账号：{clerk}" in text, i
        assert "示范镇便民服务中心" in text and "2026年11月" in text and "本人签字" in text and "负责人签字" in text
        assert attendance[clerk]["daily"][0]["day"] in text and attendance[clerk]["daily"][-1]["day"] in text
        assert "考勤与考核" in text and "统计周期" in text and "打印考勤表" not in text and "Excel" not in text  # the sheet, not the page
    subprocess.run(["pdftoppm", "-r", "70", "-f", "1", "-l", "2", "-png", str(pdf), str(tmp_path / "staff-sheet")], check=True)


async def test_the_tabs_work_with_the_keyboard_alone(hall, browser):
    page = await dashboard(browser, hall)
    tabs = await page.eval_on_selector_all("[role=tablist] [role=tab]", "(ts) => ts.map((t) => [t.id, t.getAttribute('aria-controls'), "
                                           "document.getElementById(t.getAttribute('aria-controls')).getAttribute('aria-labelledby')])")
    assert [t[0] for t in tabs] == [f"tab-{t}" for t in TABS]
    assert all(panel == f"panel-{t[4:]}" and back == t for t, panel, back in tabs)

    async def focused() -> str:
        return await page.evaluate("() => document.activeElement.id")

    async def state() -> tuple[str, list[str], list[str]]:
        selected = await page.eval_on_selector_all("[role=tab][aria-selected=true]", "(ts) => ts.map((t) => t.id)")
        shown = await page.eval_on_selector_all("[role=tabpanel]:not([hidden])", "(ps) => ps.map((p) => p.id)")
        return await focused(), selected, shown

    for _ in range(12):  # from the top of the page: the header's buttons and links, then the tabs
        await page.keyboard.press("Tab")
        if await focused() == "tab-live":
            break
    assert await focused() == "tab-live"
    assert await page.eval_on_selector_all("[role=tab]", "(ts) => ts.map((t) => t.tabIndex)") == [0, -1, -1, -1, -1, -1, -1]
    await page.keyboard.press("ArrowRight")
    assert await state() == ("tab-reports", ["tab-reports"], ["panel-reports"])
    await loaded(page)
    await page.keyboard.press("ArrowRight")
    assert await state() == ("tab-charts", ["tab-charts"], ["panel-charts"])
    await page.wait_for_selector("#chart-heatmap svg")
    await page.keyboard.press("End")
    assert await state() == ("tab-layout", ["tab-layout"], ["panel-layout"])
    await page.keyboard.press("Home")
    assert await state() == ("tab-live", ["tab-live"], ["panel-live"])
    await page.keyboard.press("ArrowLeft")  # wraps round
    assert await state() == ("tab-layout", ["tab-layout"], ["panel-layout"])
    await page.keyboard.press("ArrowLeft")
    assert await state() == ("tab-bookings", ["tab-bookings"], ["panel-bookings"])
    await page.keyboard.press("ArrowLeft")
    assert await state() == ("tab-cases", ["tab-cases"], ["panel-cases"])
    await page.keyboard.press("Tab")  # on to the period picker, then back: one stop for the whole tab list
    assert await focused() == "p-kind"
    await page.keyboard.press("Shift+Tab")
    assert await focused() == "tab-cases"
    await page.keyboard.press("ArrowLeft")
    await page.keyboard.press("ArrowLeft")
    assert await state() == ("tab-charts", ["tab-charts"], ["panel-charts"])
    # The picker is keyboard-usable too: a period kind chosen with the arrow keys loads at once.
    await page.focus("#p-kind")
    await page.keyboard.press("ArrowUp")  # month → week
    await loaded_for(page, f"period=week&date={'2026-11-23'}")


async def test_the_cases_tab_has_the_supervision_board_and_the_period_s_case_figures(hall, browser):
    month = await report(hall)
    board = await (await hall.client.get("/api/v1/cases/supervision")).json()
    matters = {m["code"]: m["name"] for m in (await (await hall.client.get("/api/v1/matters")).json())["matters"]}
    page = await dashboard(browser, hall, "tab=cases")
    totals = month["cases"]["totals"]
    assert totals["opened"] > 20 and totals["finished"] > 10
    kpis = dict(await page.eval_on_selector_all("#case-totals .kpi", "(ks) => ks.map((k) => [k.dataset.key, k.dataset.value])"))
    keys = ("opened", "accepted", "returned", "finished", "on_time_rate", "open_green", "open_yellow", "open_red")
    assert list(kpis) == list(keys) and all(same(kpis[k], totals[k]) for k in keys)
    for table, groups, name in (("cases-by-type", month["cases"]["by_type"], {"immediate": "即办件", "committed": "承诺件", "forwarded": "上报件",
                                                                          "joint": "联办件"}.get),
                                ("cases-by-matter", month["cases"]["by_matter"], matters.get)):
        rows = await page.eval_on_selector_all(f"#{table} tbody tr", "(rs) => rs.map((r) => [r.dataset.key, r.cells[0].textContent, "
                                               "Object.fromEntries([...r.querySelectorAll('td[data-key]')].map((c) => [c.dataset.key, c.dataset.value]))])")
        assert {k for k, _, _ in rows} == set(groups)
        for key, label, shown in rows:
            assert label == name(key)
            assert all(same(shown[k], groups[key][k]) for k in keys), (table, key)
    # The live board (电子监察) moved here from the live tab: the same counts as its API.
    await page.wait_for_function("() => document.getElementById('sup-green').textContent !== '—'")
    for colour in ("green", "yellow", "red"):
        assert await page.text_content(f"#panel-cases #sup-{colour}") == str(board["counts"][colour])
    assert await page.locator("#panel-live #supervision").count() == 0
    assert await page.is_hidden("#cases-badge") == (board["counts"]["red"] == 0)


async def test_the_dashboard_in_english(hall, browser, tmp_path):
    page = await dashboard(browser, hall, "tab=reports&lang=en")
    assert await page.locator("[role=tab]").all_text_contents() == ["Live", "Reports", "Charts", "Staff", "Cases", "Appointments", "Window layout"]
    assert await page.text_content("#totals tr[data-key=issued] th") == "tickets issued"
    assert await page.text_content("#totals tr[data-key=within_target] th") == "called within target (target 15 min)"
    assert await page.text_content("#p-label") == "2026-11 (2026-11-01 to 2026-11-30)"
    assert await page.text_content("#breakdown tbody tr:first-child td") == "Window 1"  # the API's English labels
    assert (await page.text_content("#totals tr[data-key=wait_mean_s] td.cur")).endswith(" min")
    assert await page.get_attribute("#lang", "href") == "?tab=reports&period=month&date=2026-11-23&dim=window"
    assert await page.text_content("#lang") == "中文"
    await page.click("#tab-charts")
    await page.wait_for_selector("#chart-heatmap svg")
    assert "Mon" in await page.locator("#chart-heatmap text.tick").all_text_contents()
    assert await page.locator("#chart-waits .legend li").all_text_contents() == ["median", "P90"]
    await page.screenshot(path=str(tmp_path / "charts-en.png"), full_page=True)
    await page.click("#tab-staff")
    assert await page.text_content("#staff thead th:nth-child(2)") == "days at a window"
    await page.click("#tab-reports")
    await page.click("#bad-items-box summary")
    assert await measure(page, str(tmp_path / "reports-en.png")) == []


async def test_the_figures_and_reports_are_for_managers_only(hall):
    assert (await hall.client.get("/api/v1/reports/figures")).status == 401
    await signed_in(hall, "clerk1")
    assert (await hall.client.get("/api/v1/reports/figures")).status == 403
    assert (await hall.client.get("/api/v1/reports")).status == 403
    await signed_in(hall, "manager1")
    r = await hall.client.get("/api/v1/reports/figures")
    body = await r.json()
    assert r.status == 200 and body["case_types"]["immediate"] == ["即办件", "immediate"]
    within = next(f for f in body["figures"]["tickets"] if f["key"] == "within_target")
    assert within["zh"] == "目标内叫号率" and within["unit"] == "share" and "target" in within["formula"]
