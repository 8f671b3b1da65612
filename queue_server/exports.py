"""The report's tables as a person reads them: the one place that turns `build_report`'s dict into
named tables (title, columns, rows) for the CSV and Excel exports, the monthly 台账 (PDF, workbook,
print page) and `yimen report`. Pure: no figure is computed here, only units are changed (seconds
→ minutes and shares → percent, one decimal) and keys labelled, so every file shows the report's
numbers and nothing else.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from typing import Any

from hallapi.protocol import HALL_TZ

from .casework import CASE_TYPES
from .followup import APPEAL_STEPS, FLOW, STEP_LABELS
from .hallconfig import HallConfig
from .ratings import LEVELS
from .reports import (
    ALL_FIGURES,
    APPOINTMENT_FIGURES,
    ATTENDANCE_FIGURES,
    CASE_FIGURES,
    FIGURES,
    WEEKDAYS_EN,
    WEEKDAYS_ZH,
    WINDOW_FIGURES,
    Figure,
    Period,
    period,
)

# ---------------------------------------------------------------- tables

# Units of a column: text; count (as it is); min (seconds shown as minutes, one decimal); pct (a
# share shown as percent, one decimal); h (hours, as the report rounds them); num (a plain number);
# row (a table of figures down the side: each row has its own unit, `Table.row_units`).
UNIT_OF_FIGURE = {"count": "count", "s": "min", "share": "pct", "h": "h"}
UNIT_WORDS = {"zh": {"min": "分钟", "pct": "%", "h": "小时"}, "en": {"min": "min", "pct": "%", "h": "h"}}
HALL_KEY = ""  # the key of the hall-wide row (the report's totals) under a breakdown


@dataclass(frozen=True)
class Column:
    key: str  # a figure's key (reports.ALL_FIGURES) or the name of a label column
    title: str  # in the page's language, with the unit: 平均等候(分钟)
    unit: str


@dataclass(frozen=True)
class Table:
    name: str  # what `?table=` asks for
    title: str
    columns: tuple[Column, ...]
    rows: tuple[tuple[Any, ...], ...]
    keys: tuple[Any, ...] = ()  # what each row is: a window, a category, a figure … (HALL_KEY: the hall)
    row_units: tuple[str, ...] = ()  # for columns whose unit is "row"

    def unit(self, row: int, column: int) -> str:
        unit = self.columns[column].unit
        return self.row_units[row] if unit == "row" else unit

    def with_columns(self, keys: Sequence[str], title: str) -> Table:
        """The same rows with only these columns (the 台账's narrower tables)."""
        index = [next(i for i, c in enumerate(self.columns) if c.key == k) for k in keys]
        return replace(self, title=title, columns=tuple(self.columns[i] for i in index),
                       rows=tuple(tuple(row[i] for i in index) for row in self.rows))

    def with_rows(self, keys: Sequence[Any], title: str) -> Table:
        index = [self.keys.index(k) for k in keys if k in self.keys]
        return replace(self, title=title, rows=tuple(self.rows[i] for i in index), keys=tuple(self.keys[i] for i in index),
                       row_units=tuple(self.row_units[i] for i in index) if self.row_units else ())


def convert(value: Any, unit: str) -> Any:
    """A report's value in the unit a table shows it in (None stays None: no value, e.g. no waits)."""
    if value is None:
        return None
    if unit == "min":
        return round(value / 60, 1)
    if unit == "pct":
        return round(value * 100, 1)
    return value


def titled(name: str, unit: str, lang: str) -> str:
    """A column's title with its unit: 平均等候(分钟), Mean wait (min)."""
    word = UNIT_WORDS[lang].get(unit)
    if not word:
        return name
    return f"{name}({word})" if lang == "zh" else f"{name} ({word})"


def figure_title(f: Figure, lang: str) -> str:
    name = f.zh if lang == "zh" else f.en[:1].upper() + f.en[1:]
    return titled(name, UNIT_OF_FIGURE[f.unit], lang)


def figure_column(f: Figure, lang: str) -> Column:
    return Column(f.key, figure_title(f, lang), UNIT_OF_FIGURE[f.unit])


TITLES: dict[str, tuple[str, str]] = {
    "totals": ("概况", "Totals"),
    "window": ("按窗口", "By window"),
    "category": ("按业务类别", "By category"),
    "matter": ("按事项", "By matter"),
    "clerk": ("按工作人员", "By clerk"),
    "hour": ("按时段", "By hour"),
    "weekday": ("按星期", "By weekday"),
    "day": ("按日", "By day"),
    "windows_time": ("窗口时间与暂停原因", "Window time and pauses"),
    "attendance": ("考勤", "Attendance"),
    "attendance_daily": ("考勤明细", "Attendance by day"),
    "appointments": ("预约", "Appointments"),
    "follow_ups": ("差评整改", "Bad-rating follow-up"),
    "bad_ratings": ("差评明细", "Bad ratings, one by one"),
    "cases": ("办件(按类型)", "Cases by type"),
    "cases_by_matter": ("办件(按事项)", "Cases by matter"),
    "wait_histogram": ("等候时长分布", "Wait distribution"),
    "heatmap": ("到达热力图", "Arrivals by weekday and hour"),
}
TABLE_NAMES = tuple(TITLES)
LABELS: dict[str, tuple[str, str]] = {  # the label columns
    "window": ("窗口号", "Window"), "window_name": ("窗口名称", "Name"),
    "category": ("类别代码", "Code"), "category_name": ("业务类别", "Category"),
    "matter": ("事项编码", "Code"), "matter_name": ("事项名称", "Matter"),
    "clerk": ("账号", "Account"), "clerk_name": ("姓名", "Name"),
    "hour_name": ("时段", "Hour"), "weekday_name": ("星期", "Weekday"), "day_name": ("日期", "Day"),
    "figure": ("指标", "Figure"), "value": ("数值", "Value"), "case_type": ("办件类型", "Case type"),
    "hall": ("全大厅", "Whole hall"), "this": ("本期", "This period"), "previous": ("上期", "Previous period"),
    "first_in": ("首次签到", "First sign-in"), "last_out": ("最后签退", "Last sign-out"),
    "late_min": ("迟到(分钟)", "Late (min)"), "early_min": ("早退(分钟)", "Left early (min)"),
    "bar": ("等候区间(分钟)", "Wait (min)"), "from_min": ("起(分钟)", "From (min)"), "to_min": ("止(分钟)", "To (min)"),
    "count": ("人数", "Tickets"), "days_of_weekday": ("有取号的天数", "Days with tickets"),
    "on_time": ("按时办结数", "Decided on time"), "state": ("状态：", "State: "),
    "number": ("票号", "Ticket"), "level": ("评价", "Rating"), "follow_up_state": ("整改状态", "Follow-up state"),
    "deadline": ("整改期限", "Deadline"), "rectified_day": ("整改日期", "Rectified on"),
    "rectified_in_time": ("按时整改", "On time"), "appeal": ("申诉", "Appeal"),
}
YES_NO = {"zh": {True: "是", False: "否", None: "未到期"}, "en": {True: "yes", False: "no", None: "not due yet"}}
APPEALS = {"zh": {"pending": "申诉中", "upheld": "申诉未通过", "overturned": "申诉通过"},
           "en": {"pending": "appealed", "upheld": "appeal upheld", "overturned": "appeal overturned"}}
LEVEL_EN = {5: "Very satisfied", 4: "Satisfied", 3: "Fairly satisfied", 2: "Dissatisfied", 1: "Very dissatisfied"}
STATE_EN = {"open": "open", "verified": "verified", "called_back": "called back", "rectified": "rectified",
            "feedback": "feedback given", "closed": "closed", "appealed": "appealed", "appeal_upheld": "appeal upheld",
            "appeal_overturned": "appeal overturned"}
# Which label columns a breakdown has: (key column or None, name column).
DIMENSION_LABELS = {"window": ("window", "window_name"), "category": ("category", "category_name"),
                    "matter": ("matter", "matter_name"), "clerk": ("clerk", "clerk_name"),
                    "hour": (None, "hour_name"), "weekday": (None, "weekday_name"), "day": (None, "day_name")}
TICKET_KEYS = tuple(f.key for f in FIGURES)


def word(key: str, lang: str) -> str:
    return LABELS[key][0 if lang == "zh" else 1]


def _text(key: str, lang: str) -> Column:
    return Column(key, word(key, lang), "text")


def _level_columns(lang: str) -> list[Column]:
    return [Column(f"level_{n}", LEVELS[n] if lang == "zh" else LEVEL_EN[n], "count") for n in (5, 4, 3, 2, 1)]


def _figures_row(values: dict[str, Any], columns: Iterable[Column]) -> list[Any]:
    out = []
    for c in columns:
        if c.key.startswith("level_"):
            out.append(values["levels"][c.key[len("level_"):]] if "levels" in values else None)
        else:
            out.append(convert(values.get(c.key), c.unit))
    return out


def _reason_columns(reasons: Iterable[str], lang: str) -> list[Column]:
    return [Column(f"reason:{r}", titled(f"暂停·{r}" if lang == "zh" else f"Paused: {r}", "h", lang), "h")
            for r in sorted(set(reasons))]


def _reasons(values: dict[str, Any], columns: Iterable[Column]) -> list[Any]:
    pauses = values.get("pauses_h")
    return [None if pauses is None else pauses.get(c.key[len("reason:"):], 0.0) for c in columns]


def tables(report: dict[str, Any], config: HallConfig, lang: str) -> list[Table]:
    """Every table of the report, in the order of the workbook's sheets."""
    return [_totals(report, lang), *(_breakdown(report, d, lang) for d in DIMENSION_LABELS), _windows_time(report, lang),
            _attendance(report, lang), _attendance_daily(report, lang), _appointments(report, lang),
            _follow_ups(report, lang), _bad_ratings(report, config, lang), _cases_by_type(report, lang), _cases_by_matter(report, config, lang),
            _histogram(report, lang), _heatmap(report, lang)]


def table(report: dict[str, Any], config: HallConfig, lang: str, name: str) -> Table:
    return next(t for t in tables(report, config, lang) if t.name == name)


def _title(name: str, lang: str) -> str:
    return TITLES[name][0 if lang == "zh" else 1]


def _totals(report: dict[str, Any], lang: str) -> Table:
    p, before = report["period"], report.get("previous")
    columns = [_text("figure", lang), Column("this", f"{word('this', lang)} {p['label']}", "row")]
    if before:
        columns.append(Column("previous", f"{word('previous', lang)} {before['period']['label']}", "row"))
    rows, keys, units = [], [], []
    for f in FIGURES:
        unit = UNIT_OF_FIGURE[f.unit]
        values = [report["totals"][f.key]] + ([before["totals"][f.key]] if before else [])
        rows.append((figure_title(f, lang), *(convert(v, unit) for v in values)))
        keys.append(f.key)
        units.append(unit)
    for level in _level_columns(lang):
        n = level.key[len("level_"):]
        values = [report["totals"]["levels"][n]] + ([before["totals"]["levels"][n]] if before else [])
        rows.append((level.title, *values))
        keys.append(level.key)
        units.append("count")
    return Table("totals", _title("totals", lang), tuple(columns), tuple(rows), tuple(keys), tuple(units))


def _breakdown(report: dict[str, Any], dimension: str, lang: str) -> Table:
    key_column, name_column = DIMENSION_LABELS[dimension]
    labels = ([_text(key_column, lang)] if key_column else []) + [_text(name_column, lang)]
    numbers = [figure_column(ALL_FIGURES[k], lang) for k in TICKET_KEYS] + _level_columns(lang)
    if dimension == "window":
        numbers += [figure_column(f, lang) for f in WINDOW_FIGURES]
    if dimension == "clerk":
        numbers += [figure_column(f, lang) for f in ATTENDANCE_FIGURES] + [figure_column(ALL_FIGURES["pause_h"], lang)]
    rows, keys = [], []
    for r in report["by"][dimension]:
        rows.append(tuple(([r["key"]] if key_column else []) + [r["label"]] + _figures_row(r, numbers)))
        keys.append(r["key"])
    hall = dict(report["totals"])
    if dimension == "window":
        hall.update({k: report["windows_time"][k] for k in ("open_h", "pause_h", "idle_queue_h")})
    rows.append(tuple(([HALL_KEY] if key_column else []) + [word("hall", lang)] + _figures_row(hall, numbers)))
    keys.append(HALL_KEY)
    return Table(dimension, _title(dimension, lang), tuple(labels + numbers), tuple(rows), tuple(keys))


def _windows_time(report: dict[str, Any], lang: str) -> Table:
    time = report["windows_time"]
    numbers = [figure_column(f, lang) for f in WINDOW_FIGURES]
    reasons = _reason_columns(time["pauses_h"], lang)
    rows, keys = [], []
    for r in report["by"]["window"]:
        rows.append((r["key"], r["label"], *_figures_row(r, numbers), *_reasons(r, reasons)))
        keys.append(r["key"])
    rows.append((HALL_KEY, word("hall", lang), *_figures_row(time, numbers), *_reasons(time, reasons)))
    keys.append(HALL_KEY)
    columns = (_text("window", lang), _text("window_name", lang), *numbers, *reasons)
    return Table("windows_time", _title("windows_time", lang), columns, tuple(rows), tuple(keys))


def _attendance(report: dict[str, Any], lang: str) -> Table:
    numbers = [figure_column(f, lang) for f in ATTENDANCE_FIGURES] + [figure_column(ALL_FIGURES["pause_h"], lang)]
    reasons = _reason_columns((r for a in report["attendance"] for r in a["pauses_h"]), lang)
    rows = tuple((a["clerk"], a["name"], *_figures_row(a, numbers), *_reasons(a, reasons)) for a in report["attendance"])
    columns = (_text("clerk", lang), _text("clerk_name", lang), *numbers, *reasons)
    return Table("attendance", _title("attendance", lang), columns, rows, tuple(a["clerk"] for a in report["attendance"]))


def _attendance_daily(report: dict[str, Any], lang: str) -> Table:
    columns = (_text("clerk", lang), _text("clerk_name", lang), _text("day_name", lang), _text("first_in", lang),
               _text("last_out", lang), Column("late_min", word("late_min", lang), "count"),
               Column("early_min", word("early_min", lang), "count"), figure_column(ALL_FIGURES["signed_in_h"], lang))
    rows = tuple((a["clerk"], a["name"], d["day"], d["first_in"], d["last_out"], d["late_min"], d["early_min"],
                  d["signed_in_h"]) for a in report["attendance"] for d in a["daily"])
    keys = tuple(f"{a['clerk']} {d['day']}" for a in report["attendance"] for d in a["daily"])
    return Table("attendance_daily", _title("attendance_daily", lang), columns, rows, keys)


def _vertical(name: str, lang: str, items: list[tuple[str, str, str, Any]]) -> Table:
    """A table of figures down the side: (key, title, unit, the report's value)."""
    columns = (_text("figure", lang), Column("value", word("value", lang), "row"))
    return Table(name, _title(name, lang), columns, tuple((t, convert(v, u)) for _, t, u, v in items),
                 tuple(k for k, _, _, _ in items), tuple(u for _, _, u, _ in items))


def _appointments(report: dict[str, Any], lang: str) -> Table:
    a = report["appointments"]
    return _vertical("appointments", lang, [(f.key, figure_title(f, lang), "count", a[f.key]) for f in APPOINTMENT_FIGURES])


def follow_up_states(states: dict[str, int]) -> list[str]:
    """The states in the order of the flow, then the appeals, then anything else."""
    order = [*FLOW, *APPEAL_STEPS]
    return sorted(states, key=lambda s: (order.index(s) if s in order else len(order), s))


def _follow_ups(report: dict[str, Any], lang: str) -> Table:
    f = report["follow_ups"]
    items: list[tuple[str, str, str, Any]] = [("bad_items", figure_title(ALL_FIGURES["bad_items"], lang), "count", f["bad_items"])]
    for state in follow_up_states(f["states"]):
        name = STEP_LABELS.get(state, state) if lang == "zh" else STATE_EN.get(state, state)
        items.append((f"state:{state}", word("state", lang) + name, "count", f["states"][state]))
    rate = ALL_FIGURES["rectified_on_time"]
    items.append((rate.key, figure_title(rate, lang), "pct", f["rectified_on_time"]))
    return _vertical("follow_ups", lang, items)


def _bad_ratings(report: dict[str, Any], config: HallConfig, lang: str) -> Table:
    """The period's 差评 one by one, with their follow-up (ticket number, never the citizen)."""
    columns = tuple(_text(k, lang) for k in ("day_name", "number", "window_name", "clerk_name", "matter_name", "level",
                                              "follow_up_state", "deadline", "rectified_day", "rectified_in_time", "appeal"))
    windows = {r["key"]: r["label"] for r in report["by"]["window"]}
    matters = {r["key"]: r["label"] for r in report["by"]["matter"]}
    rows, keys = [], []
    for item in report["follow_ups"].get("items", []):
        matter = config.matter(item["matter"]) if item["matter"] else None
        matter_name = (matter.name if lang == "zh" else matter.name_en or matter.name) if matter else item["matter"]
        rows.append((
            item["day"], item["number"], windows.get(item["window"], str(item["window"] or "—")), item["clerk_name"] or "—",
            matters.get(item["matter"], matter_name or "—"), (LEVELS if lang == "zh" else LEVEL_EN).get(item["level"], str(item["level"])),
            STEP_LABELS.get(item["state"], item["state"]) if lang == "zh" else STATE_EN.get(item["state"], item["state"]),
            item["deadline"], item["rectified_day"] or "—", YES_NO[lang][item["on_time"]],
            APPEALS[lang].get(item["appeal"], item["appeal"]) if item["appeal"] else "—"))
        keys.append(f"{item['day']} {item['number']}")
    return Table("bad_ratings", _title("bad_ratings", lang), columns, tuple(rows), tuple(keys))


def _case_columns(lang: str) -> list[Column]:
    columns = [figure_column(f, lang) for f in CASE_FIGURES]
    at = next(i for i, c in enumerate(columns) if c.key == "finished") + 1
    return columns[:at] + [Column("on_time", word("on_time", lang), "count")] + columns[at:]


def _cases_by_type(report: dict[str, Any], lang: str) -> Table:
    cases, numbers = report["cases"], _case_columns(lang)
    order = [t for t in CASE_TYPES if t in cases["by_type"]] + sorted(t for t in cases["by_type"] if t not in CASE_TYPES)
    rows = [((CASE_TYPES[t][0] if lang == "zh" else CASE_TYPES[t][1]) if t in CASE_TYPES else t,
             *_figures_row(cases["by_type"][t], numbers)) for t in order]
    rows.append((word("hall", lang), *_figures_row(cases["totals"], numbers)))
    return Table("cases", _title("cases", lang), (_text("case_type", lang), *numbers), tuple(rows), (*order, HALL_KEY))


def _cases_by_matter(report: dict[str, Any], config: HallConfig, lang: str) -> Table:
    cases, numbers = report["cases"], _case_columns(lang)
    rows = []
    codes = sorted(cases["by_matter"])
    for code in codes:
        matter = config.matter(code)
        name = (matter.name if lang == "zh" else matter.name_en or matter.name) if matter else code
        rows.append((code, name, *_figures_row(cases["by_matter"][code], numbers)))
    rows.append((HALL_KEY, word("hall", lang), *_figures_row(cases["totals"], numbers)))
    columns = (_text("matter", lang), _text("matter_name", lang), *numbers)
    return Table("cases_by_matter", _title("cases_by_matter", lang), columns, tuple(rows), (*codes, HALL_KEY))


def _histogram(report: dict[str, Any], lang: str) -> Table:
    bars = report["charts"]["wait_histogram"]
    rows = tuple((f"{b['from_min']}–{b['to_min']}" if b["to_min"] is not None else f"≥{b['from_min']}",
                  b["from_min"], b["to_min"], b["count"]) for b in bars)
    columns = (_text("bar", lang), Column("from_min", word("from_min", lang), "count"),
               Column("to_min", word("to_min", lang), "count"), Column("count", word("count", lang), "count"))
    return Table("wait_histogram", _title("wait_histogram", lang), columns, rows, tuple(b["from_min"] for b in bars))


def _heatmap(report: dict[str, Any], lang: str) -> Table:
    heat = report["charts"]["heatmap"]
    cells = {(c["weekday"], c["hour"]): c["per_day"] for c in heat["cells"]}
    names = WEEKDAYS_ZH if lang == "zh" else WEEKDAYS_EN
    hours = [Column(f"hour:{h}", f"{h:02d}:00", "num") for h in heat["hours"]]
    days = {int(k): v for k, v in heat["days_of_weekday"].items()}
    rows = tuple((names[wd], days.get(wd, 0), *(cells.get((wd, h), 0) for h in heat["hours"])) for wd in heat["weekdays"])
    columns = (_text("weekday_name", lang), Column("days_of_weekday", word("days_of_weekday", lang), "count"), *hours)
    return Table("heatmap", _title("heatmap", lang), columns, rows, tuple(heat["weekdays"]))


# ---------------------------------------------------------------- the monthly 台账

LEDGER_WORDS = {
    "zh": {"title": "政务服务月度台账", "totals": "一、总体情况", "appointments": "预约情况", "window": "二、窗口",
           "category": "三、业务类别", "matter": "四、事项", "clerk": "五、工作人员", "ratings": "六、好差评",
           "follow_ups": "差评整改", "bad_ratings": "差评明细", "cases": "七、办件(按类型)", "cases_by_matter": "办件(按事项)",
           "maker": "制表人", "head": "负责人", "date": "日期", "page": "第 {n} 页 / 共 {total} 页"},
    "en": {"title": "Monthly service ledger", "totals": "1. Overview", "appointments": "Appointments", "window": "2. Windows",
           "category": "3. Categories", "matter": "4. Matters", "clerk": "5. Staff", "ratings": "6. Ratings",
           "follow_ups": "Bad-rating follow-up", "bad_ratings": "Bad ratings", "cases": "7. Cases by type", "cases_by_matter": "Cases by matter",
           "maker": "Prepared by", "head": "Approved by", "date": "Date", "page": "Page {n} of {total}"},
}
LEVEL_KEYS = ("level_5", "level_4", "level_3", "level_2", "level_1")
CASE_KEYS = ("opened", "accepted", "returned", "finished", "on_time", "on_time_rate", "open_green", "open_yellow", "open_red")


def ledger(report: dict[str, Any], config: HallConfig, lang: str) -> list[Table]:
    """The 台账's standard tables (A4 portrait: narrower selections of the export tables)."""
    w = LEDGER_WORDS[lang]
    full = {t.name: t for t in tables(report, config, lang)}
    return [
        full["totals"].with_rows(TICKET_KEYS, w["totals"]),
        full["appointments"].with_columns(("figure", "value"), w["appointments"]),
        full["window"].with_columns(("window_name", "served", "no_show", "wait_mean_s", "wait_p90_s", "service_mean_s",
                                     "open_h", "pause_h", "idle_queue_h", "good_rate"), w["window"]),
        full["category"].with_columns(("category_name", "issued", "served", "no_show", "wait_mean_s", "wait_p90_s",
                                       "within_target", "service_mean_s", "good_rate"), w["category"]),
        full["matter"].with_columns(("matter", "matter_name", "issued", "served", "wait_mean_s", "service_mean_s",
                                     "service_p90_s", "good_rate", "bad"), w["matter"]),
        full["clerk"].with_columns(("clerk_name", "days", "late_days", "early_days", "signed_in_h", "pause_h", "served",
                                    "service_mean_s", "service_p90_s", "good_rate", "bad"), w["clerk"]),
        full["window"].with_columns(("window_name", "served", *LEVEL_KEYS, "active_rate", "good_rate", "unrated_rate"),
                                    w["ratings"]),
        full["follow_ups"].with_columns(("figure", "value"), w["follow_ups"]),
        full["bad_ratings"].with_columns(("day_name", "number", "window_name", "clerk_name", "level", "follow_up_state",
                                          "deadline", "rectified_day", "rectified_in_time"), w["bad_ratings"]),
        full["cases"].with_columns(("case_type", *CASE_KEYS), w["cases"]),
        full["cases_by_matter"].with_columns(("matter", "matter_name", *CASE_KEYS), w["cases_by_matter"]),
    ]


def month_period(text: str) -> Period:
    """`2026-11` → that month (ValueError with the reason for anything else)."""
    m = re.fullmatch(r"(\d{4})-(\d{2})", text or "")
    if not m or not 1 <= int(m.group(2)) <= 12 or int(m.group(1)) < 2000:
        raise ValueError(f"month must be written YYYY-MM, e.g. 2026-11 (got {text!r})")
    return period("month", date(int(m.group(1)), int(m.group(2)), 1))


def previous_month(today: date) -> Period:
    """The month a 台账 is usually made for: the last finished one."""
    return period("month", today.replace(day=1) - timedelta(days=1))


# ---------------------------------------------------------------- what every file says about itself

HEAD_WORDS = {
    "zh": {"hall": "大厅", "region": "区划代码", "period": "统计周期", "previous": "对比上期", "target": "目标等候(分钟)",
           "generated": "生成时间", "tz": "北京时间", "to": "至", "table": "表", "units": "单位",
           "units_text": "时长以分钟计、比率以百分比计，均保留一位小数；小时保留两位小数；空白表示无数据"},
    "en": {"hall": "Hall", "region": "Region code", "period": "Period", "previous": "Compared with", "target": "Target wait (min)",
           "generated": "Generated at", "tz": "Asia/Shanghai", "to": "to", "table": "Table", "units": "Units",
           "units_text": "times in minutes and shares in percent, one decimal; hours with two decimals; empty: no data"},
}


def period_text(p: dict[str, Any], lang: str) -> str:
    w = HEAD_WORDS[lang]
    span = f"{p['first']} {w['to']} {p['last']}"
    return f"{p['label']}（{span}）" if lang == "zh" else f"{p['label']} ({span})"


def stamp(generated: float, lang: str) -> str:
    when = datetime.fromtimestamp(generated, HALL_TZ).strftime("%Y-%m-%d %H:%M")
    return f"{when}（{HEAD_WORDS['zh']['tz']}）" if lang == "zh" else f"{when} ({HEAD_WORDS['en']['tz']})"


def heading(report: dict[str, Any], lang: str, generated: float) -> list[tuple[str, str]]:
    """The facts every export starts with: hall, region code, period, target wait, when it was made."""
    w = HEAD_WORDS[lang]
    out = [(w["hall"], report["hall"]), (w["region"], report["region_code"]), (w["period"], period_text(report["period"], lang))]
    if report.get("previous"):
        out.append((w["previous"], period_text(report["previous"]["period"], lang)))
    out += [(w["target"], str(report["target_wait_min"])), (w["generated"], stamp(generated, lang)), (w["units"], w["units_text"])]
    return out


# ---------------------------------------------------------------- definitions (the 说明 sheet)

DEFINITION_WORDS: dict[str, dict[str, Any]] = {
    "zh": {"title": "说明", "key": "代码", "name": "指标", "unit": "单位", "formula": "公式", "excludes": "不含",
           "units": {"count": "个/次", "min": "分钟", "pct": "%", "h": "小时", "num": "—"}},
    "en": {"title": "Definitions", "key": "Key", "name": "Figure", "unit": "Unit", "formula": "Formula", "excludes": "Leaves out",
           "units": {"count": "count", "min": "minutes", "pct": "percent", "h": "hours", "num": "—"}},
}
# Columns that are not figures of reports.py, but show a part of one.
MORE_DEFINITIONS: tuple[Figure, ...] = (
    Figure("level_5…level_1", "非常满意…非常不满意", "very satisfied … very dissatisfied", "count",
           "served tickets the citizen rated at that level (5 非常满意 … 1 非常不满意)", "system default ratings",
           "群众评为该等级的办结号（5 非常满意 … 1 非常不满意）", "系统默认评价"),
    Figure("on_time", "按时办结数", "decided on time", "count", "cases decided on or before their committed deadline",
           formula_zh="在承诺期限内（含当天）作出决定的办件"),
    Figure("reason:…", "暂停·原因", "paused: reason", "h", "time paused for that reason", formula_zh="因该原因暂停的时长"),
    Figure("state:…", "状态：…", "state: …", "count", "差评 items given in the period that are in that state now",
           formula_zh="本期收到、现处于该状态的差评整改项"),
    Figure("late_min / early_min", "迟到/早退(分钟)", "late / left early (min)", "count",
           "minutes between the first sign-in and the first session's start / the last sign-out and the last session's end",
           formula_zh="首次签到晚于上午开始办公的分钟数 / 最后签退早于下午结束办公的分钟数"),
    Figure("wait_histogram", "等候时长分布", "wait distribution", "count",
           "tickets called whose wait falls in the bar (from ≤ wait < to, in minutes; the last bar has no end)",
           "tickets never called", "等候时长落在该区间内的被叫号（起 ≤ 等候 < 止，分钟；最后一档无上限）", "从未被叫的号"),
    Figure("heatmap", "到达热力图", "arrivals by weekday and hour", "count",
           "tickets taken in that hour on that weekday ÷ days of that weekday with tickets in the period",
           formula_zh="本期该星期几该小时内的取号数 ÷ 本期有取号的该星期几的天数"),
)


def definitions(lang: str) -> Table:
    """Every figure the exports use, with its formula and what it leaves out (reports.ALL_FIGURES)."""
    w = DEFINITION_WORDS[lang]
    columns = (Column("key", w["key"], "text"), Column("name", w["name"], "text"), Column("unit", w["unit"], "text"),
               Column("formula", w["formula"], "text"), Column("excludes", w["excludes"], "text"))
    rows = tuple((f.key, f.zh if lang == "zh" else f.en, w["units"][UNIT_OF_FIGURE[f.unit]],
                  (f.formula_zh or f.formula) if lang == "zh" else f.formula,
                  ((f.excludes_zh or f.excludes) if lang == "zh" else f.excludes) or "—")
                 for f in (*ALL_FIGURES.values(), *MORE_DEFINITIONS))
    return Table("definitions", w["title"], columns, rows, tuple(r[0] for r in rows))


NOTES = {
    "zh": ("等候 = 首次叫号时间 − 取号时间；办理时长 = 办结时间 − 开始办理时间（未按开始则自叫号起）。",
           "中位数、P90、P95 按最近秩法计算：P90 为不少于 90% 的数值不超过的最小值。",
           "“全大厅”一行为全厅合计，不是各行相加（例如从未被叫号的票不属于任何窗口）。",
           "营业日按北京时间计；周为周一至周日。"),
    "en": ("Wait = first call − ticket taken; service = finished − service started (the call when no start was pressed).",
           "Medians, P90 and P95 are nearest-rank: P90 is the smallest value that at least 90 % of the values do not exceed.",
           "The 'Whole hall' row is the hall's figure, not the sum of the rows (a ticket never called belongs to no window).",
           "Business days are dates in Asia/Shanghai; a week runs Monday to Sunday."),
}


# ---------------------------------------------------------------- showing and naming

def shown(value: Any, unit: str) -> str:
    """A value as the 台账 prints it (the files keep numbers as numbers)."""
    if value is None:
        return "—"
    if unit in ("min", "pct"):
        return f"{value:.1f}"
    if unit == "h":
        return f"{value:.2f}"
    if unit == "num" and isinstance(value, float):
        return f"{value:.2f}"
    return str(value)


def ascii_name(*parts: str) -> str:
    """A file name any browser and mail client keeps: letters, digits, dashes and underscores."""
    return "-".join(re.sub(r"[^A-Za-z0-9_.-]+", "_", p).strip("_") for p in parts if p)


def file_names(report: dict[str, Any], what: tuple[str, str], ext: str, lang: str) -> tuple[str, str]:
    """(ASCII name, name in the page's language): yimen-window-2026-11.csv, 示范镇便民服务中心-按窗口-2026-11.csv."""
    label = report["period"]["label"]
    local = f"{report['hall']}-{what[1]}-{label}.{ext}"
    return f"{ascii_name('yimen', what[0], label)}.{ext}", re.sub(r'[\\/:*?"<>|\s]+', "_", local)
