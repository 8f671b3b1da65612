"""The monthly 台账 as an A4 portrait PDF (fpdf2, the Chinese font embedded as for the notices:
notice_pdf.cjk_font). The same tables as the print page and the workbook (exports.ledger); a table
longer than a page goes on over the next with its header row repeated; every page is numbered,
and the last ends with the lines 制表人 / 负责人 sign on.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from fpdf import FPDF
from fpdf.enums import TableCellFillMode, WrapMode
from fpdf.fonts import FontFace

from hallapi.protocol import HALL_TZ

from .exports import HALL_KEY, LEDGER_WORDS, Table, shown
from .notice_pdf import FONT, cjk_font

MARGIN = 14.0  # mm
TEXT_PT = 7.5
HEAD_FILL = (232, 228, 218)
HALL_FILL = (244, 242, 236)
KEEP_WHOLE = 7  # rows: a table this short is not split across pages


class _Ledger(FPDF):
    """A4 portrait with the page's number at its foot."""

    footer_text = ""
    page_words = "{n} / {total}"

    def footer(self) -> None:
        self.set_y(-MARGIN + 4)
        self.set_font(FONT, size=8)
        self.set_text_color(90, 90, 90)
        words = self.page_words.format(n=self.page_no(), total="{nb}")
        self.cell(0, 5, f"{self.footer_text}    {words}", align="C")
        self.set_text_color(0, 0, 0)


def render_ledger_pdf(tables: Sequence[Table], head: Sequence[tuple[str, str]], hall: str, month_label: str,
                      lang: str, generated: float) -> bytes:
    """The 台账 as PDF bytes."""
    w = LEDGER_WORDS[lang]
    pdf = _Ledger(orientation="P", unit="mm", format="A4")
    pdf.footer_text = f"{hall} · {w['title']} · {month_label}"
    pdf.page_words = w["page"]
    pdf.set_margins(MARGIN, MARGIN, MARGIN)
    pdf.set_auto_page_break(True, margin=MARGIN + 4)
    pdf.add_font(FONT, fname=cjk_font(), collection_font_number=0)
    pdf.set_title(f"{hall} {w['title']} {month_label}")
    pdf.set_author(hall)
    pdf.set_creator("Yimen")
    pdf.set_creation_date(datetime.fromtimestamp(generated, HALL_TZ))
    pdf.add_page()
    width = pdf.w - 2 * MARGIN
    mode = WrapMode.CHAR if lang == "zh" else WrapMode.WORD

    pdf.set_font(FONT, size=13)
    pdf.cell(width, 7, hall, align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(FONT, size=18)
    pdf.cell(width, 11, f"{w['title']}（{month_label}）" if lang == "zh" else f"{w['title']} ({month_label})",
             align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(1)
    pdf.set_font(FONT, size=8.5)
    pdf.set_text_color(60, 60, 60)
    sep = "：" if lang == "zh" else ": "
    facts = [f"{label}{sep}{value}" for label, value in head[1:]]
    pdf.multi_cell(width, 4.6, "\n".join(facts), new_x="LMARGIN", new_y="NEXT", align="L", wrapmode=mode)
    pdf.set_text_color(0, 0, 0)

    for t in tables:
        _table(pdf, t, width, mode)
    _signatures(pdf, w, width, sep)
    return bytes(pdf.output())


def _weights(t: Table) -> list[float]:
    """Names get room; numbers share the rest (a name of a matter may wrap onto two lines)."""
    out = []
    for c in t.columns:
        if c.unit != "text":
            out.append(1.0)
        elif c.key in ("figure", "matter_name", "window_name", "category_name", "case_type"):
            out.append(2.4 if len(t.columns) <= 3 else 2.6 if len(t.columns) >= 10 else 3.2)
        else:
            out.append(1.5)
    return out


def _heading(title: str, numeric: bool) -> str:
    """A number's column title breaks before its unit: 平均等候 / (分钟)."""
    if not numeric or "(" not in title:
        return title
    at = title.rindex("(")
    return title[:at].rstrip() + "\n" + title[at:]


def _table(pdf: FPDF, t: Table, width: float, mode: WrapMode) -> None:
    body = pdf.h - 2 * MARGIN - 10
    needed = 20 + 5 * (len(t.rows) + 2)  # about: the title, the header and the rows
    room = pdf.h - MARGIN - 4 - pdf.get_y()
    if (len(t.rows) <= KEEP_WHOLE and needed < body and needed > room) or room < 40:
        # a short table stays whole; a title never stands alone at a page's foot
        pdf.add_page()
    pdf.ln(4)
    pdf.set_font(FONT, size=11)
    pdf.cell(width, 7, t.title, new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(FONT, size=TEXT_PT)
    narrow = len(t.columns) <= 3
    align = tuple("LEFT" if c.unit == "text" else "RIGHT" for c in t.columns)
    with pdf.table(width=width * (0.62 if narrow else 1.0), align="LEFT", col_widths=_weights(t), text_align=align,
                   line_height=3.6, padding=(0.8, 1.0), repeat_headings=1, wrapmode=mode,
                   headings_style=FontFace(emphasis="", fill_color=HEAD_FILL), cell_fill_mode=TableCellFillMode.NONE,
                   borders_layout="ALL") as table:
        heads = table.row()
        for column in t.columns:
            heads.cell(_heading(column.title, column.unit != "text"), align="CENTER")
        for r, values in enumerate(t.rows):
            hall_row = bool(t.keys) and t.keys[r] == HALL_KEY
            style = FontFace(fill_color=HALL_FILL) if hall_row else None
            row = table.row()
            for c, value in enumerate(values):
                row.cell(shown(value, t.unit(r, c)) if t.columns[c].unit != "text" else str(value), style=style)


def _signatures(pdf: FPDF, w: dict[str, str], width: float, sep: str) -> None:
    """Lines to sign on: who made the 台账, who answers for it, and when."""
    if pdf.get_y() > pdf.h - MARGIN - 30:
        pdf.add_page()
    pdf.ln(12)
    pdf.set_font(FONT, size=11)
    for label in (w["maker"], w["head"], w["date"]):
        pdf.cell(width / 3, 8, f"{label}{sep}" + "_" * 14, align="L")
    pdf.ln(8)
