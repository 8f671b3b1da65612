"""The report's tables (exports.py) as files: CSV in UTF-8 with a BOM (Excel then reads the Chinese
right) and Excel workbooks written with openpyxl. Each file says which hall, which period and when
(the heading), holds numbers as numbers, and carries the definitions of the figures it shows.
"""

from __future__ import annotations

import csv
import io
import re
import unicodedata
from collections.abc import Sequence
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from .exports import NOTES, Table

BOM = "\ufeff"
NUMBER_FORMATS = {"count": "0", "min": "0.0", "pct": "0.0", "h": "0.00", "num": "0.00"}
HEADER_FILL = PatternFill("solid", fgColor="E8E4DA")
HALL_FILL = PatternFill("solid", fgColor="F4F2EC")
HEADER_ROW = 4  # title, heading, a blank row, then the column titles


def csv_bytes(table: Table, head: Sequence[tuple[str, str]], definitions: Table, table_word: str) -> bytes:
    """The heading (one fact a line), a blank line, the table, a blank line and the definitions of
    the figures in its columns."""
    out = io.StringIO()
    w = csv.writer(out, lineterminator="\r\n")
    for label, value in head:
        w.writerow([label, value])
    w.writerow([table_word, table.title])
    w.writerow([])
    w.writerow([c.title for c in table.columns])
    for row in table.rows:
        w.writerow(["" if v is None else v for v in row])
    used = _defined(table, definitions)
    if used:
        w.writerow([])
        w.writerow([definitions.title])
        w.writerow([c.title for c in definitions.columns])
        w.writerows(used)
    return (BOM + out.getvalue()).encode("utf-8")


def _defined(table: Table, definitions: Table) -> list[tuple[Any, ...]]:
    """The definitions of the figures a table shows (by column, or by row for a table of figures)."""
    keys = {c.key for c in table.columns} | (set(table.keys) if table.row_units else set())
    keys |= {"level_5…level_1"} if "level_5" in keys else set()
    keys |= {"reason:…"} if any(k.startswith("reason:") for k in keys) else set()
    keys |= {"state:…"} if any(k.startswith("state:") for k in keys) else set()
    keys |= {"late_min / early_min"} if "late_min" in keys else set()
    keys |= {table.name}
    return [row for key, row in zip(definitions.keys, definitions.rows, strict=True) if key in keys]


def xlsx_bytes(tables: Sequence[Table], head: Sequence[tuple[str, str]], definitions: Table, hall: str,
               period_label: str, lang: str) -> bytes:
    """A workbook: a sheet per table, then the definitions sheet (说明 / Definitions)."""
    wb = Workbook()
    wb.remove(wb.active)
    names: set[str] = set()
    for t in (*tables, definitions):
        ws = wb.create_sheet(_sheet_name(t.title, names))
        _write_sheet(ws, t, head, hall, period_label, lang)
        if t is definitions:
            notes = HEADER_ROW + len(t.rows) + 2
            for i, note in enumerate(NOTES[lang]):
                ws.cell(notes + i, 1, note)
    wb.properties.title = f"{hall} {period_label}"
    wb.properties.creator = "Yimen"
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def _sheet_name(title: str, taken: set[str]) -> str:
    """Excel's rules: at most 31 characters, none of []:*?/\\, unique in the workbook."""
    name = re.sub(r"[\[\]:*?/\\]", "_", title)[:31]
    base, n = name, 2
    while name in taken:
        name = f"{base[:28]}({n})"
        n += 1
    taken.add(name)
    return name


def _write_sheet(ws: Worksheet, t: Table, head: Sequence[tuple[str, str]], hall: str, period_label: str, lang: str) -> None:
    sep = "　" if lang == "zh" else "   "
    ws.cell(1, 1, f"{hall} · {t.title} · {period_label}").font = Font(size=14, bold=True)
    ws.cell(2, 1, sep.join(f"{label}：{value}" if lang == "zh" else f"{label}: {value}" for label, value in head[1:]))
    ws.cell(2, 1).font = Font(size=9, color="505050")
    for c, column in enumerate(t.columns, 1):
        cell = ws.cell(HEADER_ROW, c, column.title)
        cell.font = Font(bold=True)
        cell.fill = HEADER_FILL
        cell.alignment = Alignment(wrap_text=True, vertical="center", horizontal="left" if column.unit == "text" else "center")
    for r, row in enumerate(t.rows):
        hall_row = bool(t.keys) and t.keys[r] == "" and t.name != "definitions"
        for c, value in enumerate(row):
            cell = ws.cell(HEADER_ROW + 1 + r, c + 1, value)
            unit = t.unit(r, c)
            if unit in NUMBER_FORMATS and isinstance(value, int | float):
                cell.number_format = NUMBER_FORMATS[unit]
            if t.name == "definitions":
                cell.alignment = Alignment(wrap_text=True, vertical="top")
            if hall_row:
                cell.fill = HALL_FILL
                cell.font = Font(bold=True)
    labels = sum(1 for c in t.columns if c.unit == "text")
    ws.freeze_panes = ws.cell(HEADER_ROW + 1, labels + 1 if labels < len(t.columns) else 1)
    for c, column in enumerate(t.columns, 1):
        ws.column_dimensions[get_column_letter(c)].width = _width(column.title, (row[c - 1] for row in t.rows), t.name)
    ws.row_dimensions[HEADER_ROW].height = 32


def _width(title: str, values: Any, table_name: str) -> float:
    """Wide enough for the longest value (a CJK character is two), the title on two lines at most."""
    longest = max((_chars(_as_text(v)) for v in values), default=0)
    cap = 60 if table_name == "definitions" else 40
    return float(min(cap, max(8, longest + 2, _chars(title) / 2 + 2)))


def _as_text(value: Any) -> str:
    if value is None:
        return ""
    return f"{value:.2f}" if isinstance(value, float) else str(value)


def _chars(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)
