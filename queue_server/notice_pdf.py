"""A notice (notices.py) as an A4 PDF to archive: the same blocks in the same order as the print
view, in a Chinese font embedded in the file (fpdf2, pure Python; only the glyphs used are kept),
so the archived copy reads the same on any machine, and its text can be searched and extracted.
"""

from __future__ import annotations

import io
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from hallapi.protocol import HALL_TZ

from .notices import Notice

if TYPE_CHECKING:
    from fpdf import FPDF
    from fpdf.enums import WrapMode

# fpdf2 and qrcode are imported when a PDF or a QR code is made: loaded with the server, they
# would hold about 45 MB of its memory for a file a clerk asks for now and then.

# fonts-wqy-microhei (the Makefile installs it; the kiosk and the slips use the same face)
CJK_FONTS = ("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc", "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc")
FONT = "cjk"
MARGIN = 20.0  # mm
QR_MM = 32.0
SEAL_MM = 40.0


class NoFont(RuntimeError):
    """No Chinese font on this box: a PDF without one would print boxes."""


def cjk_font() -> str:
    for path in CJK_FONTS:
        if Path(path).exists():
            return path
    raise NoFont("no Chinese font for the notices' PDF: install fonts-wqy-microhei (make setup does)")


def qr_image(link: str, box: int = 10):
    """The QR code of a case page, as a PIL image (the print view shows the same one)."""
    import qrcode

    return qrcode.make(link, box_size=box, border=2).get_image().convert("RGB")


def qr_png(link: str) -> bytes:
    out = io.BytesIO()
    qr_image(link).save(out, format="PNG")
    return out.getvalue()


def render_pdf(n: Notice, created: float | None = None) -> bytes:
    """The notice as PDF bytes (A4, one page for every notice the hall gives)."""
    from fpdf import FPDF
    from fpdf.enums import WrapMode

    pdf = FPDF(orientation="P", unit="mm", format="A4")
    pdf.set_margins(MARGIN, MARGIN, MARGIN)
    pdf.set_auto_page_break(True, margin=MARGIN + 8)
    pdf.add_font(FONT, fname=cjk_font(), collection_font_number=0)
    pdf.set_title(f"{n.title} {n.number}")
    pdf.set_author(n.hall)
    pdf.set_creator("Yimen")
    if created is not None:
        pdf.set_creation_date(datetime.fromtimestamp(created, HALL_TZ))
    pdf.add_page()
    width = pdf.w - 2 * MARGIN
    # Left-aligned (fpdf2 justifies by default: a line with one space would be stretched), and a
    # Chinese text breaks between any two characters, not only at its few spaces.
    mode = WrapMode.CHAR if n.lang == "zh" else WrapMode.WORD

    pdf.set_font(FONT, size=13)
    pdf.cell(width, 8, n.hall, align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(FONT, size=22)
    pdf.cell(width, 14, n.title, align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(3)

    pdf.set_font(FONT, size=11)
    pdf.set_draw_color(120, 120, 120)
    label_w = 42.0
    for label, value in n.facts:
        y = pdf.get_y()
        pdf.set_xy(MARGIN + label_w, y)
        pdf.multi_cell(width - label_w, 7, value, border=1, new_x="LMARGIN", new_y="NEXT", align="L", wrapmode=mode)
        bottom = pdf.get_y()
        pdf.set_xy(MARGIN, y)
        pdf.set_fill_color(242, 242, 242)
        pdf.multi_cell(label_w, bottom - y, label, border=1, fill=True, new_x="LMARGIN", new_y="NEXT", align="L", wrapmode=mode)
        pdf.set_y(bottom)
    pdf.ln(6)

    pdf.set_font(FONT, size=12)
    pdf.multi_cell(width, 7.5, n.salutation, new_x="LMARGIN", new_y="NEXT", align="L", wrapmode=mode)
    for text in n.paragraphs:
        pdf.ln(2)
        pdf.multi_cell(width, 7.5, text, new_x="LMARGIN", new_y="NEXT", align="L", wrapmode=mode)
    for i, item in enumerate(n.items, 1):
        pdf.ln(1)
        pdf.set_x(MARGIN + 8)
        pdf.multi_cell(width - 8, 7.5, f"{i}. {item}", new_x="LMARGIN", new_y="NEXT", align="L", wrapmode=mode)
    for text in n.closing:
        pdf.ln(2)
        pdf.multi_cell(width, 7.5, text, new_x="LMARGIN", new_y="NEXT", align="L", wrapmode=mode)

    _signature(pdf, n, width, mode)
    pdf.set_auto_page_break(False)
    pdf.set_font(FONT, size=9)
    pdf.set_text_color(80, 80, 80)
    pdf.set_y(pdf.h - MARGIN - 4)
    pdf.cell(width, 5, n.footer, align="C")
    return bytes(pdf.output())


def _signature(pdf: FPDF, n: Notice, width: float, mode: WrapMode) -> None:
    """The QR code at the left; the issuer, the seal placeholder and the date at the right."""
    from fpdf.enums import WrapMode

    top = max(pdf.get_y() + 8, pdf.h - MARGIN - 12 - max(QR_MM + 14, SEAL_MM + 8))
    if top + SEAL_MM + 8 > pdf.h - MARGIN - 6:  # a long notice: the block goes on a page of its own
        pdf.add_page()
        top = pdf.get_y() + 4
    if n.link:
        pdf.image(qr_image(n.link), x=MARGIN, y=top, w=QR_MM, h=QR_MM)
        pdf.set_font(FONT, size=9)
        pdf.set_xy(MARGIN, top + QR_MM + 1)
        pdf.multi_cell(QR_MM + 40, 4.5, f"{n.link_caption}\n{n.link}", new_x="LMARGIN", new_y="NEXT",
                       align="L", wrapmode=WrapMode.CHAR)
    seal_x = MARGIN + width - SEAL_MM - 6
    pdf.set_draw_color(180, 30, 30)
    pdf.set_dash_pattern(dash=1.5, gap=1.2)
    pdf.ellipse(seal_x, top, SEAL_MM, SEAL_MM)
    pdf.set_dash_pattern()
    pdf.set_text_color(180, 30, 30)
    pdf.set_font(FONT, size=11)
    pdf.set_xy(seal_x, top + SEAL_MM / 2 - 3)
    pdf.cell(SEAL_MM, 6, n.seal, align="C")
    pdf.set_text_color(0, 0, 0)
    pdf.set_font(FONT, size=12)
    right = MARGIN + width / 2
    pdf.set_xy(right, top + SEAL_MM - 14)
    pdf.cell(width / 2, 7, n.issuer, align="R", new_x="LMARGIN", new_y="NEXT")
    pdf.set_x(right)
    pdf.cell(width / 2, 7, n.issued_on, align="R", new_x="LMARGIN", new_y="NEXT")
