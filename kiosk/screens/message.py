"""A plain message with a way home, and the short "please wait" while a ticket is being taken."""

from __future__ import annotations

from kivy.uix.boxlayout import BoxLayout
from kivy.uix.widget import Widget

from .. import style as st
from ..i18n import t
from .base import KioskScreen


class MessageScreen(KioskScreen):
    def fill(self, box: BoxLayout) -> None:
        app = self.app
        box.add_widget(Widget())
        box.add_widget(app.label(app.message_of(app.lang), app.s.big, name="message", halign="center"))
        box.add_widget(Widget())
        box.add_widget(app.button(t("home", app.lang), "message_ok", lambda: app.show("home"), bg=st.OK))


class WorkingScreen(KioskScreen):
    def fill(self, box: BoxLayout) -> None:
        app = self.app
        box.add_widget(Widget())
        box.add_widget(app.label(t("working", app.lang), app.s.big, name="working", halign="center"))
        box.add_widget(Widget())
