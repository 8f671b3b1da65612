"""Confirm: the matter and the windows that serve it; one large 确认取号 button."""

from __future__ import annotations

from kivy.metrics import dp
from kivy.uix.boxlayout import BoxLayout
from kivy.uix.widget import Widget

from .. import style as st
from ..i18n import t
from ..logic import label, windows_text
from .base import KioskScreen


class ConfirmScreen(KioskScreen):
    def fill(self, box: BoxLayout) -> None:
        app = self.app
        assert app.matter is not None
        windows = windows_text(app.service.windows_for(app.matter["category"]), app.lang)
        box.add_widget(app.label(t("confirm_title", app.lang), app.s.title, bold=True, halign="center"))
        box.add_widget(app.label(t("confirm_text", app.lang, name=label(app.matter, app.lang), windows=windows),
                                 app.s.big, name="confirm_text", halign="center"))
        if app.card:
            box.add_widget(app.label(t("card_read", app.lang, name=app.card["masked_name"],
                                       id=app.card["masked_id"]), app.s.body, halign="center"))
        box.add_widget(Widget())
        box.add_widget(app.button(t("confirm", app.lang), "confirm", app.take_ticket, bg=st.OK, size=app.s.big,
                                  height=dp(app.s.button_h * 2)))
        box.add_widget(app.button(t("cancel", app.lang), "cancel", lambda: app.show("guide")))
        app.say("say_confirm")
