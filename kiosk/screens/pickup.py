"""领取办理结果: the person swipes the ID card or scans the notice's QR (`pickup`), then sees their
cases (`cases`): the results ready to collect, with one button for the pick-up ticket, and those
still in progress with when they are due (预计 while the year's holidays are not published).

The app owns the flow (`KioskApp.open_pickup`, `look_up_cases`, `collect`); these screens only
show where it stands. The choices sit below the list, outside its scroll view, so they are always
in sight (elderly mode too)."""

from __future__ import annotations

from typing import Any

from kivy.metrics import dp
from kivy.uix.boxlayout import BoxLayout
from kivy.uix.gridlayout import GridLayout
from kivy.uix.widget import Widget

from .. import style as st
from ..i18n import t
from ..logic import case_lines
from .base import KioskScreen


class PickupScreen(KioskScreen):
    def fill(self, box: BoxLayout) -> None:
        app = self.app
        box.add_widget(app.label(t("pickup_title", app.lang), app.s.title, name="pickup_title", bold=True,
                                 halign="center"))
        box.add_widget(Widget())
        key = "pickup_looking" if app.looking else "pickup_prompt"
        box.add_widget(app.label(t(key, app.lang), app.s.big, name="pickup_prompt", halign="center"))
        box.add_widget(Widget())
        if not app.looking:
            if app.category is not None and app.category["code"] == app.service.pickup_category:
                box.add_widget(app.button(t("pickup_other", app.lang), "pickup_other",
                                          lambda: app.choose_category(app.category)))
            app.say("say_pickup")


class CasesScreen(KioskScreen):
    def fill(self, box: BoxLayout) -> None:
        app = self.app
        assert app.lookup is not None
        ready, pending = app.lookup.ready, app.lookup.pending
        box.add_widget(app.label(t("pickup_title", app.lang), app.s.title, name="pickup_title", bold=True,
                                 halign="center"))
        if not ready:
            box.add_widget(app.label(t("pickup_nothing_ready" if pending else "pickup_no_cases", app.lang),
                                     app.s.big, name="pickup_message", bold=True, halign="center"))
        sv, grid = app.scroller("case_list")
        if ready:
            grid.add_widget(app.label(t("pickup_ready", app.lang), app.s.title, name="heading_ready", bold=True))
            for case in ready:
                grid.add_widget(self.case_card(case, "ready"))
            grid.add_widget(app.label(t("pickup_bring", app.lang), app.s.body, name="pickup_bring"))
        if pending:
            grid.add_widget(app.label(t("pickup_pending", app.lang), app.s.title, name="heading_pending", bold=True))
            for case in pending:
                grid.add_widget(self.case_card(case, "pending"))
        box.add_widget(sv)
        if ready:
            box.add_widget(app.button(t("pickup_take", app.lang, n=len(ready)), "pickup_take", app.collect,
                                      bg=st.OK, size=app.s.big, height=dp(app.s.button_h * 1.5)))
            app.say("say_pickup_ready", n=len(ready))
        else:
            box.add_widget(app.button(t("home", app.lang), "pickup_home", lambda: app.show("home"), bg=st.OK,
                                      height=dp(app.s.button_h * 1.2)))
            if pending:
                app.say("say_pickup_pending")

    def case_card(self, case: dict[str, Any], kind: str) -> GridLayout:
        """One case: the matter's name in bold, then its number (and for one still pending: its
        progress and the date), each a label named `{kind}_{number}_{i}` for the tests."""
        app = self.app
        name, lines = case_lines(case, app.lang)
        card = GridLayout(cols=1, size_hint_y=None, spacing=dp(2), padding=(dp(12), dp(6)))
        card.bind(minimum_height=card.setter("height"))
        card.add_widget(app.label(name, app.s.title if kind == "ready" else app.s.body,
                                  name=f"{kind}_{case['number']}", bold=True))
        for i, line in enumerate(lines):
            card.add_widget(app.label(line, app.s.body, name=f"{kind}_{case['number']}_{i}"))
        return card
