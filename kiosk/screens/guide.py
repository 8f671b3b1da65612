"""The service guide of the chosen matter; print its checklist or take a ticket."""

from __future__ import annotations

from kivy.metrics import dp
from kivy.uix.boxlayout import BoxLayout

from .. import style as st
from ..i18n import t
from ..logic import guide_sections, label, printer_text
from .base import KioskScreen


class GuideScreen(KioskScreen):
    def fill(self, box: BoxLayout) -> None:
        app = self.app
        assert app.matter is not None
        box.add_widget(app.label(label(app.matter, app.lang), app.s.title, name="guide_title", bold=True))
        sv, grid = app.scroller("guide")
        for heading, items in guide_sections(app.matter, app.lang):
            grid.add_widget(app.label(heading, app.s.big if not app.elderly else app.s.title, bold=True))
            for item in items:
                grid.add_widget(app.label(item, app.s.body))
        box.add_widget(sv)
        row = BoxLayout(size_hint_y=None, height=dp(app.s.button_h + 20), spacing=dp(12))
        checklist = app.button(t("print_checklist", app.lang), "print_checklist", self.print_checklist,
                               height=dp(app.s.button_h + 20))
        checklist.disabled = not app.service.printing_available
        row.add_widget(checklist)
        row.add_widget(app.button(t("take_ticket", app.lang), "take_ticket", lambda: app.show("confirm"),
                                  bg=st.OK, size=app.s.big, height=dp(app.s.button_h + 20)))
        box.add_widget(row)
        app.say("say_guide")

    def print_checklist(self) -> None:
        app = self.app
        assert app.matter is not None
        matter = app.matter

        async def run() -> None:
            ok = await app.service.print_checklist(matter)
            app.w["print_checklist"].text = t("checklist_printed" if ok else "printer_unavailable", app.lang,
                                              state=printer_text(app.service.printer_state, app.lang))

        app.spawn(run())
