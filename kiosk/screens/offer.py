"""当日号源上限: the tile of a category whose numbers are all issued today opens `offer` — the next
free appointment slot, 「明天 09:30 还有空位，要预约吗？」, with 预约 and 返回 — and a booking ends
on `booked`: the appointment code large, the slot, when and how to check in (printed on the
appointment slip too; shown with its QR code when the slip could not print).

The app owns the flow (`KioskApp.open_offer`, `book_offer`); these screens only show where it
stands. The green channel is named on the offer: an elderly person's ID card still takes a ticket.
"""

from __future__ import annotations

from kivy.metrics import dp
from kivy.uix.boxlayout import BoxLayout
from kivy.uix.image import Image
from kivy.uix.widget import Widget

from .. import style as st
from ..i18n import t
from ..logic import appointment_lines, label, offer_text
from .base import KioskScreen
from .result import place_columns, qr_texture


class OfferScreen(KioskScreen):
    def fill(self, box: BoxLayout) -> None:
        app = self.app
        cat = app.category or {}
        offer = app.offer
        box.add_widget(app.label(label(cat, app.lang), app.s.title, name="offer_service", bold=True, halign="center"))
        box.add_widget(Widget())
        box.add_widget(app.label(t("cap_title", app.lang), app.s.big, name="offer_title", bold=True, color=st.WARN,
                                 halign="center"))
        if app.offer_note:
            box.add_widget(app.label(t(app.offer_note, app.lang), app.s.body, name="offer_note", halign="center"))
        if offer is None:
            box.add_widget(app.label(t("cap_looking", app.lang), app.s.big, name="offer_text", halign="center"))
        elif offer.slot is not None and offer.today is not None:
            box.add_widget(app.label(offer_text(offer.slot, offer.today, app.lang), app.s.big, name="offer_text",
                                     halign="center"))
            if app.card:
                box.add_widget(app.label(t("cap_card", app.lang), app.s.body, name="offer_card", halign="center"))
        else:
            box.add_widget(app.label(t("cap_none", app.lang), app.s.big, name="offer_text", halign="center"))
        box.add_widget(Widget())
        age = ((app.service.hall or {}).get("priority") or {}).get("elderly_age", 60)
        box.add_widget(app.label(t("cap_green", app.lang, age=age), app.s.body, name="offer_green", halign="center"))
        row = BoxLayout(orientation="horizontal", spacing=dp(16), size_hint_y=None, height=dp(app.s.button_h * 1.4))
        if offer is not None and offer.slot is not None:
            row.add_widget(app.button(t("cap_book", app.lang), "offer_book", app.book_offer, bg=st.OK, size=app.s.big,
                                      height=dp(app.s.button_h * 1.4)))
        row.add_widget(app.button(t("cap_no", app.lang), "offer_back", lambda: app.show("home"), size=app.s.big,
                                  height=dp(app.s.button_h * 1.4)))
        box.add_widget(row)


class BookedScreen(KioskScreen):
    def fill(self, box: BoxLayout) -> None:
        """Portrait: one column. Landscape: the code on the left, the slot and the QR on the right."""
        app = self.app
        assert app.booked is not None and app.booked.booked is not None
        booked, on_screen = app.booked.booked, app.booked.kind == "on_screen"
        landscape = app.cfg.orientation == "landscape"
        left = BoxLayout(orientation="vertical", spacing=dp(8))
        right = BoxLayout(orientation="vertical", spacing=dp(8)) if landscape else left
        if not (landscape and on_screen):
            left.add_widget(Widget())
        left.add_widget(app.label(t("cap_booked_title", app.lang), app.s.big, name="booked_title", bold=True,
                                  color=st.OK, halign="center"))
        right.add_widget(app.label(label(app.category or {}, app.lang), app.s.body, name="booked_service",
                                   halign="center"))
        left.add_widget(app.label(t("cap_code", app.lang), app.s.big, halign="center"))
        left.add_widget(app.label(booked["code"], app.s.number * 2 // 3, name="booked_code", bold=True, halign="center"))
        if on_screen:  # the code as the slip would have carried it: the scanner reads it on the day
            qr = Image(texture=qr_texture(booked["code"]), fit_mode="contain",
                       size_hint=(1, 1 if landscape else None), height=dp(300))
            app.w["booked_qr"] = qr
            left.add_widget(qr)
        if landscape:
            right.add_widget(Widget())
        for i, line in enumerate(appointment_lines(booked, app.service.hall, app.lang)):
            right.add_widget(app.label(line, app.s.title if i == 0 else app.s.body, name=f"booked_line_{i}",
                                       bold=i == 0, halign="center"))
        right.add_widget(app.label(t("cap_photo" if on_screen else "cap_take_slip", app.lang), app.s.body,
                                   name="booked_message", bold=on_screen, halign="center"))
        right.add_widget(Widget())
        place_columns(box, left, right, landscape)
        box.add_widget(app.button(t("done", app.lang), "booked_done", lambda: app.show("home"), bg=st.OK))
