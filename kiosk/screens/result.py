"""The ticket: printed (take the slip) or, when the printer cannot print, shown with its QR code."""

from __future__ import annotations

import io

from kivy.core.image import Image as CoreImage
from kivy.metrics import dp
from kivy.uix.boxlayout import BoxLayout
from kivy.uix.image import Image
from kivy.uix.widget import Widget

from .. import style as st
from ..i18n import t
from ..logic import windows_text
from .base import KioskScreen


def qr_texture(data: str, box: int = 10):
    """The status URL as a QR texture, for the ticket shown on screen when it cannot be printed."""
    import qrcode

    img = qrcode.make(data, box_size=box, border=2).convert("RGB")
    buf = io.BytesIO()
    img.save(buf, format="png")
    buf.seek(0)
    return CoreImage(buf, ext="png").texture


class ResultScreen(KioskScreen):
    def fill(self, box: BoxLayout) -> None:
        """Portrait: one column. Landscape: the number on the left, the QR (if any) on the right,
        so everything is visible at once without scrolling, even in elderly mode."""
        app = self.app
        assert app.outcome is not None and app.outcome.issued is not None
        issued = app.outcome.issued
        landscape = app.cfg.orientation == "landscape"
        row = BoxLayout(orientation="horizontal" if landscape else "vertical", spacing=dp(24))
        col = BoxLayout(orientation="vertical", spacing=dp(8))
        number_px = int(app.s.number * (0.75 if landscape else 1.0))
        col.add_widget(app.label(t("your_number", app.lang), app.s.big, halign="center"))
        col.add_widget(app.label(issued["number"], number_px, name="number", bold=True, halign="center"))
        if issued.get("priority"):
            col.add_widget(app.label(t("priority_note", app.lang), app.s.body, name="priority", halign="center"))
        col.add_widget(app.label(t("ahead", app.lang, n=issued["ahead"]), app.s.big, name="ahead", halign="center"))
        est = issued["estimate"]
        col.add_widget(app.label(t("estimate", app.lang, lo=est["low_min"], hi=est["high_min"]), app.s.big,
                                 name="estimate", halign="center"))
        col.add_widget(app.label(t("go_windows", app.lang, windows=windows_text(issued.get("windows", []), app.lang)),
                                 app.s.body, name="windows", halign="center"))
        col.add_widget(app.label(app.outcome.message, app.s.body, name="result_message", halign="center",
                                 bold=app.outcome.kind == "on_screen"))
        col.add_widget(Widget())
        row.add_widget(col)
        if app.outcome.kind == "on_screen":
            qr = Image(texture=qr_texture(issued["status_url"]), fit_mode="contain",
                       size_hint=(0.8, 1) if landscape else (1, None), height=dp(360))
            app.w["qr"] = qr
            row.add_widget(qr)
        box.add_widget(row)
        box.add_widget(app.button(t("done", app.lang), "done", lambda: app.show("home"), bg=st.OK))
