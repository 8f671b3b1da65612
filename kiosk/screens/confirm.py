"""Confirm: the matter, the windows that serve it, and what a ticket taken now would be told —
people ahead, the wait, or that no window serves it now, and a warning when it may not be served
today (issue 9 A2/A3: said before the ticket is taken; the person may still take it)."""

from __future__ import annotations

from typing import Any

from kivy.metrics import dp
from kivy.uix.boxlayout import BoxLayout
from kivy.uix.widget import Widget

from .. import style as st
from ..i18n import t
from ..logic import estimate_lines, label, spoken, windows_text
from .base import KioskScreen


class ConfirmScreen(KioskScreen):
    def fill(self, box: BoxLayout) -> None:
        app = self.app
        assert app.matter is not None
        category = app.matter["category"]
        windows = windows_text(app.service.windows_for(category), app.lang)
        box.add_widget(app.label(t("confirm_title", app.lang), app.s.title, bold=True, halign="center"))
        landscape = app.cfg.orientation == "landscape"
        box.add_widget(app.label(t("confirm_text", app.lang, name=label(app.matter, app.lang), windows=windows),
                                 app.s.title if landscape else app.s.big, name="confirm_text", halign="center"))
        self.quote_box = BoxLayout(orientation="vertical", size_hint_y=None, spacing=dp(4))
        self.quote_box.bind(minimum_height=self.quote_box.setter("height"))
        box.add_widget(self.quote_box)
        known = app.quote if app.quote and app.quote[0] == category else None
        self.show_quote(known[1] if known else None, loading=known is None)
        if app.card:
            box.add_widget(app.label(t("card_read", app.lang, name=app.card["masked_name"],
                                       id=app.card["masked_id"]), app.s.body, halign="center"))
        box.add_widget(Widget())
        confirm = app.button(t("confirm", app.lang), "confirm", app.take_ticket, bg=st.OK, size=app.s.big,
                             height=dp(app.s.button_h * 1.5))
        cancel = app.button(t("cancel", app.lang), "cancel", lambda: app.show("guide"), height=dp(app.s.button_h * 1.5))
        if landscape:  # side by side: the quote keeps its room
            row = BoxLayout(size_hint_y=None, height=confirm.height, spacing=dp(16))
            cancel.size_hint_x = 0.4
            row.add_widget(cancel)
            row.add_widget(confirm)
            box.add_widget(row)
        else:
            confirm.height = dp(app.s.button_h * 2)
            cancel.height = dp(app.s.button_h)
            box.add_widget(confirm)
            box.add_widget(cancel)
        app.say("say_confirm")
        app.spawn(self.load_quote(category))

    def show_quote(self, estimate: dict[str, Any] | None, loading: bool = False) -> None:
        app = self.app
        self.quote_box.clear_widgets()
        if loading:
            lines = [("wait", t("quote_loading", app.lang))]
        elif estimate is None:
            lines = [("wait", t("quote_unknown", app.lang))]
        else:
            lines = estimate_lines(estimate, app.lang, issued=False)
        for kind, text in lines:
            warn = kind == "warn"
            self.quote_box.add_widget(app.label(text, app.s.body if warn else app.s.title, name=f"quote_{kind}",
                                                bold=warn, color=st.WARN if warn else st.TEXT, halign="center"))

    async def load_quote(self, category: str) -> None:
        app = self.app
        estimate = await app.service.quote(category)
        app.quote = (category, estimate)
        if app.sm.current != "confirm" or app.matter is None or app.matter["category"] != category:
            return
        self.show_quote(estimate)
        if estimate is not None:
            lines = [spoken(text, app.lang) for _, text in estimate_lines(estimate, app.lang, issued=False)]
            app.say_text(("，" if app.lang == "zh" else ". ").join(lines))
