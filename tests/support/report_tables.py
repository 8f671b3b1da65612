"""Checking an exported table (a sheet of a workbook, a CSV file) against the report it came from
(`/api/v1/reports` over the real server): every cell of every row, each column found by its
title (the figure's Chinese name and unit, as docs/statistics.md names them) and each row by its
key or label. Written apart from queue_server/exports.py, so a wrong column, row or unit there
fails here."""

from __future__ import annotations

import csv
import io
from typing import Any

from queue_server.casework import CASE_TYPES
from queue_server.followup import STEP_LABELS
from queue_server.ratings import LEVELS
from queue_server.reports import (
    APPOINTMENT_FIGURES,
    ATTENDANCE_FIGURES,
    CASE_FIGURES,
    FIGURES,
    FOLLOW_UP_FIGURES,
    WEEKDAYS_ZH,
    WINDOW_FIGURES,
    Figure,
)

HALL = "全大厅"
UNITS = {"s": "分钟", "share": "%", "h": "小时"}
# Which table each sheet of the workbook is (the 台账's sheets are narrower selections of them).
SHEETS = {"概况": "totals", "按窗口": "window", "按业务类别": "category", "按事项": "matter", "按工作人员": "clerk",
          "按时段": "hour", "按星期": "weekday", "按日": "day", "窗口时间与暂停原因": "windows_time", "考勤": "attendance",
          "考勤明细": "attendance_daily", "预约": "appointments", "差评整改": "follow_ups", "差评明细": "bad_ratings", "办件(按类型)": "cases",
          "办件(按事项)": "cases_by_matter", "等候时长分布": "wait_histogram", "到达热力图": "heatmap"}
LEDGER_SHEETS = {"一、总体情况": "totals", "预约情况": "appointments", "二、窗口": "window", "三、业务类别": "category",
                 "四、事项": "matter", "五、工作人员": "clerk", "六、好差评": "window", "差评整改": "follow_ups", "差评明细": "bad_ratings",
                 "七、办件(按类型)": "cases", "办件(按事项)": "cases_by_matter"}
KEY_COLUMNS = {"window": "窗口号", "category": "类别代码", "matter": "事项编码", "clerk": "账号",
               "windows_time": "窗口号", "cases_by_matter": "事项编码"}
NAME_COLUMNS = {"window": "窗口名称", "category": "业务类别", "matter": "事项名称", "clerk": "姓名", "windows_time": "窗口名称",
                "cases_by_matter": "事项名称", "hour": "时段", "weekday": "星期", "day": "日期"}


def title_of(f: Figure) -> str:
    return f"{f.zh}({UNITS[f.unit]})" if f.unit in UNITS else f.zh


TICKET_TITLES = {title_of(f): f for f in (*FIGURES, *WINDOW_FIGURES, *ATTENDANCE_FIGURES)}
CASE_TITLES = {title_of(f): f for f in CASE_FIGURES} | {"按时办结数": Figure("on_time", "按时办结数", "", "count", "")}
LEVEL_TITLES = {name: str(level) for level, name in LEVELS.items()}


def as_shown(value: Any, unit: str) -> Any:
    """The report's value as the files show it: seconds in minutes, shares in percent, one decimal."""
    if value is None:
        return None
    if unit == "s":
        return round(value / 60, 1)
    if unit == "share":
        return round(value * 100, 1)
    return value


def cell_value(cell: Any) -> Any:
    """A cell as a number where it is one (a CSV's cells are text; empty is no value)."""
    if cell is None or cell == "":
        return None
    if isinstance(cell, str):
        try:
            return float(cell)
        except ValueError:
            return cell
    return cell


class Checker:
    """Compares cells with the report and counts the numbers it compared."""

    def __init__(self, report: dict[str, Any], from_csv: bool = False):
        self.report, self.from_csv, self.numbers = report, from_csv, 0

    def same(self, cell: Any, expected: Any, where: str) -> None:
        if not self.from_csv and expected is not None and not isinstance(expected, str):
            assert isinstance(cell, int | float), f"{where}: {cell!r} is not a number"
        got = cell_value(cell)
        if isinstance(expected, int | float) and not isinstance(expected, bool):
            self.numbers += 1
            assert got is not None and abs(got - expected) < 1e-9, f"{where}: {got!r} ≠ the report's {expected!r}"
        else:
            assert got == expected or (got is not None and str(got) == str(expected)), f"{where}: {got!r} ≠ {expected!r}"

    def figure(self, title: str, values: dict[str, Any], where: str, cases: bool = False) -> Any:
        """The report's value for the column `title` of a row whose figures are `values`."""
        titles = CASE_TITLES if cases else TICKET_TITLES
        if title in titles:
            f = titles[title]
            return as_shown(values.get(f.key), f.unit)
        if title in LEVEL_TITLES and not cases:
            return values["levels"][LEVEL_TITLES[title]] if "levels" in values else None
        if title.startswith("暂停·") and title.endswith("(小时)"):
            pauses = values.get("pauses_h")
            return None if pauses is None else pauses.get(title[len("暂停·"):-len("(小时)")], 0.0)
        raise AssertionError(f"{where}: a column the report has no figure for: {title!r}")

    # ------------------------------------------------------------ one table

    def table(self, kind: str, header: list[str], rows: list[list[Any]]) -> None:
        r = self.report
        assert rows, f"{kind}: no rows"
        if kind in ("totals", "appointments", "follow_ups"):
            return self._figures_down_the_side(kind, header, rows)
        if kind == "attendance_daily":
            return self._daily(header, rows)
        if kind == "wait_histogram":
            return self._histogram(header, rows)
        if kind == "heatmap":
            return self._heatmap(header, rows)
        if kind == "bad_ratings":
            return self._bad_ratings(header, rows)
        cases = kind in ("cases", "cases_by_matter")
        for row in rows:
            values, labels = self._row_of(kind, header, row)
            for title, cell in zip(header, row, strict=True):
                if title in labels:
                    continue
                self.same(cell, self.figure(title, values, f"{kind} {row[0]!r} {title}", cases), f"{kind} {row[0]!r} {title}")
        expected = {"cases": len(r["cases"]["by_type"]) + 1, "cases_by_matter": len(r["cases"]["by_matter"]) + 1,
                    "attendance": len(r["attendance"])}.get(kind)
        if expected is None:
            expected = len(r["by"]["window" if kind == "windows_time" else kind]) + 1  # and the hall's row
        assert len(rows) == expected, f"{kind}: {len(rows)} rows, the report has {expected}"

    def _row_of(self, kind: str, header: list[str], row: list[Any]) -> tuple[dict[str, Any], set[str]]:
        """The report's figures for a row of a breakdown, and the row's label columns (checked here)."""
        r = self.report
        cells = dict(zip(header, row, strict=True))
        if kind == "cases":
            label = cells["办件类型"]
            if label == HALL:
                return r["cases"]["totals"], {"办件类型"}
            code = next(code for code, names in CASE_TYPES.items() if names[0] == label)
            return r["cases"]["by_type"][code], {"办件类型"}
        if kind == "cases_by_matter":
            code = cells.get("事项编码")
            if cell_value(code) is None:
                assert cells["事项名称"] == HALL
                return r["cases"]["totals"], {"事项编码", "事项名称"}
            return r["cases"]["by_matter"][code], {"事项编码", "事项名称"}
        if kind == "attendance":
            entry = next(a for a in r["attendance"] if a["clerk"] == cells["账号"])
            assert cells["姓名"] == entry["name"]
            return entry, {"账号", "姓名"}
        dimension = "window" if kind == "windows_time" else kind
        key_title, name_title = KEY_COLUMNS.get(kind), NAME_COLUMNS[kind]
        labels = {name_title} | ({key_title} if key_title else set())
        if cells.get(name_title) == HALL:
            assert key_title is None or cell_value(cells.get(key_title)) is None
            hall = dict(r["totals"])
            if dimension == "window":
                hall |= r["windows_time"]
            return hall, labels
        if key_title and key_title in cells:
            found = next(x for x in r["by"][dimension] if str(x["key"]) == str(cells[key_title]).removesuffix(".0"))
        else:
            found = next(x for x in r["by"][dimension] if x["label"] == cells[name_title])
        assert cells[name_title] == found["label"], f"{kind}: {cells[name_title]!r} ≠ {found['label']!r}"
        return found, labels

    def _figures_down_the_side(self, kind: str, header: list[str], rows: list[list[Any]]) -> None:
        r = self.report
        for row in rows:
            title = row[0]
            if kind == "totals":
                assert header[1] == f"本期 {r['period']['label']}" and header[2] == f"上期 {r['previous']['period']['label']}"
                for cell, values in zip(row[1:], (r["totals"], r["previous"]["totals"]), strict=True):
                    self.same(cell, self.figure(title, values, f"totals {title}"), f"totals {title}")
            elif kind == "appointments":
                f = next(f for f in APPOINTMENT_FIGURES if f.zh == title)
                self.same(row[1], r["appointments"][f.key], f"appointments {title}")
            else:
                follow = r["follow_ups"]
                if title.startswith("状态："):
                    state = next(s for s, name in STEP_LABELS.items() if name == title[len("状态："):])
                    self.same(row[1], follow["states"][state], f"follow-ups {title}")
                else:
                    f = next(f for f in FOLLOW_UP_FIGURES if title_of(f) == title)
                    self.same(row[1], as_shown(follow[f.key], f.unit), f"follow-ups {title}")
        if kind == "follow_ups":
            shown = {row[0] for row in rows}
            assert {f"状态：{STEP_LABELS[s]}" for s in r["follow_ups"]["states"]} <= shown

    def _daily(self, header: list[str], rows: list[list[Any]]) -> None:
        fields = {"首次签到": "first_in", "最后签退": "last_out", "迟到(分钟)": "late_min", "早退(分钟)": "early_min",
                  "在岗时长(小时)": "signed_in_h"}
        for row in rows:
            cells = dict(zip(header, row, strict=True))
            clerk = next(a for a in self.report["attendance"] if a["clerk"] == cells["账号"])
            day = next(d for d in clerk["daily"] if d["day"] == cells["日期"])
            assert cells["姓名"] == clerk["name"]
            for title, key in fields.items():
                self.same(cells[title], day[key], f"attendance {cells['账号']} {cells['日期']} {title}")
        assert len(rows) == sum(len(a["daily"]) for a in self.report["attendance"])

    def _bad_ratings(self, header: list[str], rows: list[list[Any]]) -> None:
        """Each 差评 of the period, with its follow-up: the report's items, by day and ticket number."""
        r = self.report
        items = {(i["day"], i["number"]): i for i in r["follow_ups"]["items"]}
        windows = {w["key"]: w["label"] for w in r["by"]["window"]}
        matters = {m["key"]: m["label"] for m in r["by"]["matter"]}
        for row in rows:
            cells = dict(zip(header, row, strict=True))
            item = items.pop((cells["日期"], cells["票号"]))
            expected = {"窗口名称": windows[item["window"]], "姓名": item["clerk_name"], "事项名称": matters.get(item["matter"]),
                        "评价": LEVELS[item["level"]], "整改状态": STEP_LABELS[item["state"]], "整改期限": item["deadline"],
                        "整改日期": item["rectified_day"] or "—", "按时整改": {True: "是", False: "否", None: "未到期"}[item["on_time"]],
                        "申诉": "—" if item["appeal"] is None else {"pending": "申诉中", "upheld": "申诉未通过",
                                                                   "overturned": "申诉通过"}[item["appeal"]]}
            for title, cell in cells.items():
                if title not in ("日期", "票号"):
                    assert cell == expected[title], (cells["票号"], title, cell, expected[title])
        assert not items, f"差评 missing from the table: {sorted(items)}"

    def _histogram(self, header: list[str], rows: list[list[Any]]) -> None:
        bars = self.report["charts"]["wait_histogram"]
        assert len(rows) == len(bars)
        for row, bar in zip(rows, bars, strict=True):
            cells = dict(zip(header, row, strict=True))
            self.same(cells["起(分钟)"], bar["from_min"], "histogram from")
            self.same(cells["止(分钟)"], bar["to_min"], "histogram to")
            self.same(cells["人数"], bar["count"], f"histogram {bar['from_min']}")

    def _heatmap(self, header: list[str], rows: list[list[Any]]) -> None:
        heat = self.report["charts"]["heatmap"]
        cells = {(c["weekday"], c["hour"]): c["per_day"] for c in heat["cells"]}
        assert [h for h in header[2:]] == [f"{h:02d}:00" for h in heat["hours"]]
        for row in rows:
            weekday = WEEKDAYS_ZH.index(row[0])
            self.same(row[1], heat["days_of_weekday"][str(weekday)], f"heatmap {row[0]} days")
            for title, cell in zip(header[2:], row[2:], strict=True):
                self.same(cell, cells.get((weekday, int(title[:2])), 0), f"heatmap {row[0]} {title}")
        assert len(rows) == len(heat["weekdays"])


# ------------------------------------------------------------ reading the files


def sheet_rows(ws, header_row: int = 4) -> tuple[list[str], list[list[Any]]]:
    """A sheet's column titles (row 4: title, heading and a blank row above) and its rows."""
    rows = [list(r) for r in ws.iter_rows(min_row=header_row, values_only=True)]
    header = [h for h in rows[0] if h is not None]
    body = []
    for r in rows[1:]:
        if all(v is None for v in r):
            break
        body.append(r[:len(header)])
    return header, body


def read_csv(data: bytes) -> tuple[dict[str, str], list[str], list[list[str]], list[list[str]]]:
    """(heading facts, column titles, rows, definitions) of an exported CSV; it must start with the BOM."""
    assert data.startswith(b"\xef\xbb\xbf"), "no UTF-8 BOM: Excel would read the Chinese wrong"
    lines = list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))
    blank = lines.index([])
    head = {row[0]: row[1] for row in lines[:blank]}
    rest = lines[blank + 1:]
    end = rest.index([]) if [] in rest else len(rest)
    header, rows, definitions = rest[0], rest[1:end], rest[end + 1:]
    return head, header, rows, definitions
