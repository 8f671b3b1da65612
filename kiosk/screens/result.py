"""The ticket: printed (take the slip) or, when the printer cannot print, shown with its QR code —
the person's only copy then, so it stays (kiosk/logic.result_hold_s)."""

from __future__ import annotations

import io

from kivy.core.image import Image as CoreImage
from kivy.metrics import dp
from kivy.uix.boxlayout import BoxLayout
from kivy.uix.image import Image
from kivy.uix.widget import Widget

from .. import style as st
from ..i18n import t
from ..logic import estimate_lines, windows_text
from .base import KioskScreen

NAMES = {"ahead": "ahead", "opens": "opens", "wait": "estimate", "warn": "warning"}


def qr_texture(data: str, box: int = 10):
    """The status URL as a QR texture, for the ticket shown on screen when it cannot be printed."""
    import qrcode

    img = qrcode.make(data, box_size=box, border=2).convert("RGB")
    buf = io.BytesIO()
    img.save(buf, format="png")
    buf.seek(0)
    return CoreImage(buf, ext="png").texture


def place_columns(box: BoxLayout, left: BoxLayout, right: BoxLayout, landscape: bool) -> None:
    """The ticket (or booking) beside its details in landscape; in portrait `left` holds both."""
    if landscape:
        row = BoxLayout(orientation="horizontal", spacing=dp(24))
        row.add_widget(left)
        row.add_widget(right)
        box.add_widget(row)
    else:
        box.add_widget(left)


class ResultScreen(KioskScreen):
    def fill(self, box: BoxLayout) -> None:
        """Portrait: one column. Landscape: the number on the left; what the ticket is told and
        the QR (if any) on the right — everything visible at once without scrolling, even in
        elderly mode. The wait is worded from the issue answer exactly as the confirm screen's
        quote was (logic.estimate_lines)."""
        app = self.app
        assert app.outcome is not None and app.outcome.issued is not None
        issued = app.outcome.issued
        landscape = app.cfg.orientation == "landscape"
        left = BoxLayout(orientation="vertical", spacing=dp(8))
        right = BoxLayout(orientation="vertical", spacing=dp(8)) if landscape else left
        left.add_widget(Widget())
        left.add_widget(app.label(t("your_number", app.lang), app.s.big, halign="center"))
        left.add_widget(app.label(issued["number"], app.s.number, name="number", bold=True, halign="center"))
        if issued.get("priority"):
            left.add_widget(app.label(t("priority_note", app.lang), app.s.body, name="priority", halign="center"))
        message = app.label(app.outcome_text(app.outcome, app.lang), app.s.body, name="result_message",
                            halign="center", bold=app.outcome.kind == "on_screen")
        on_screen = app.outcome.kind == "on_screen"
        if landscape:
            left.add_widget(message)
            left.add_widget(Widget())
            if not on_screen:
                right.add_widget(Widget())
        estimate = dict(issued.get("estimate") or {})
        if estimate.get("ahead") is None and issued.get("ahead") is not None:
            estimate["ahead"] = issued["ahead"]
        for kind, text in estimate_lines(estimate, app.lang, issued=True):
            warn = kind == "warn"
            right.add_widget(app.label(text, app.s.body if warn else app.s.big, name=NAMES[kind], bold=warn,
                                       color=st.WARN if warn else st.TEXT, halign="center"))
        right.add_widget(app.label(t("go_windows", app.lang, windows=windows_text(issued.get("windows", []), app.lang)),
                                   app.s.body, name="windows", halign="center"))
        if issued.get("cases"):  # a pick-up ticket: how many results to collect
            right.add_widget(app.label(t("pickup_slip_cases", app.lang, n=len(issued["cases"])), app.s.body,
                                       name="result_cases", bold=True, halign="center"))
        if not landscape:
            right.add_widget(message)
        show_qr = on_screen and bool(issued.get("status_url"))  # no reachable link: no QR to show
        if show_qr:  # landscape: the QR takes whatever height the lines and a banner leave
            qr = Image(texture=qr_texture(issued["status_url"]), fit_mode="contain",
                       size_hint=(1, 1 if landscape else None), height=dp(360))
            app.w["qr"] = qr
            right.add_widget(qr)
        if not (landscape and show_qr):
            right.add_widget(Widget())
        place_columns(box, left, right, landscape)
        box.add_widget(app.button(t("done", app.lang), "done", lambda: app.show("home"), bg=st.OK))
