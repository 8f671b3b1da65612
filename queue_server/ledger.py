"""The report's files, as the web routes and `yimen report` make them: one table or the whole
report (CSV, Excel), and the monthly 台账 (PDF, Excel). Laid out from one `build_report` dict, so
the download, the print page and the command line show the same numbers.
"""

from __future__ import annotations

from typing import Any

from . import exports
from .hallconfig import HallConfig

# The files' makers (openpyxl, fpdf2) are imported when a file is made, not with the server:
# together they would hold about 50 MB of its memory for a download asked for now and then.

LEDGER_FORMATS = ("pdf", "xlsx")
EXPORT_FORMATS = ("csv", "xlsx")


def export_file(report: dict[str, Any], config: HallConfig, lang: str, name: str, fmt: str, generated: float) -> bytes:
    """A table of the report (`name`, one of exports.TABLE_NAMES) as CSV or a workbook; `all`: every table."""
    from .export_files import csv_bytes, xlsx_bytes

    head = exports.heading(report, lang, generated)
    definitions = exports.definitions(lang)
    label = report["period"]["label"]
    if name == "all":
        return xlsx_bytes(exports.tables(report, config, lang), head, definitions, report["hall"], label, lang)
    table = exports.table(report, config, lang, name)
    if fmt == "csv":
        return csv_bytes(table, head, definitions, exports.HEAD_WORDS[lang]["table"])
    return xlsx_bytes([table], head, definitions, report["hall"], label, lang)


def ledger_file(report: dict[str, Any], config: HallConfig, lang: str, fmt: str, generated: float) -> bytes:
    """The monthly 台账 of a month's report: an A4 PDF or a workbook of the same tables."""
    from .export_files import xlsx_bytes
    from .ledger_pdf import render_ledger_pdf

    tables = exports.ledger(report, config, lang)
    head = exports.heading(report, lang, generated)
    if fmt == "pdf":
        return render_ledger_pdf(tables, head, report["hall"], report["period"]["label"], lang, generated)
    return xlsx_bytes(tables, head, exports.definitions(lang), report["hall"], report["period"]["label"], lang)
