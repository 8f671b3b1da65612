"""Matters of the chosen category, with search by pinyin initials, characters, English or code."""

from __future__ import annotations

from typing import Any

from kivy.metrics import dp
from kivy.uix.boxlayout import BoxLayout
from kivy.uix.gridlayout import GridLayout
from kivy.uix.textinput import TextInput

from .. import style as st
from ..i18n import t
from ..logic import label, search
from .base import KioskScreen

LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"


class MattersScreen(KioskScreen):
    def fill(self, box: BoxLayout) -> None:
        app = self.app
        assert app.category is not None
        box.add_widget(app.label(label(app.category, app.lang), app.s.title, bold=True))
        search_row = BoxLayout(size_hint_y=None, height=dp(app.s.key_h), spacing=dp(8))
        field = TextInput(text=app.query, hint_text=t("search_hint", app.lang), font_size=app.s.body,
                          multiline=False, write_tab=False)
        field.bind(text=lambda w, v: self.set_query(v, rebuild=False))
        app.w["search"] = field
        search_row.add_widget(field)
        search_row.add_widget(app.button(t("delete", app.lang), "key_back", lambda: self.set_query(app.query[:-1]),
                                         size_hint_x=None, width=dp(120), height=dp(app.s.key_h)))
        box.add_widget(search_row)
        keys = GridLayout(cols=13 if not app.elderly else 9, size_hint_y=None, spacing=dp(4))
        keys.bind(minimum_height=keys.setter("height"))
        for ch in LETTERS:
            keys.add_widget(app.button(ch, f"key_{ch}", lambda c=ch: self.set_query(app.query + c.lower()),
                                       height=dp(app.s.key_h)))
        box.add_widget(keys)
        sv, grid = app.scroller("matter_list")
        app.w["matter_grid"] = grid
        box.add_widget(sv)
        self.fill_matters()
        app.say("say_matters")

    def set_query(self, text: str, rebuild: bool = True) -> None:
        app = self.app
        app.query = text
        if rebuild and "search" in app.w:
            app.w["search"].text = text  # triggers fill_matters via the binding above
        self.fill_matters()

    def fill_matters(self) -> None:
        app = self.app
        grid = app.w.get("matter_grid")
        if grid is None:
            return
        grid.clear_widgets()
        found = search(app.matters, app.query)
        for m in found:
            grid.add_widget(app.button(label(m, app.lang), f"matter_{m['code']}", lambda m=m: self.pick_matter(m),
                                       bg=st.TILE, height=dp(app.s.button_h + 20)))
        if not found:
            grid.add_widget(app.label(t("no_match", app.lang), name="no_match"))
        app.found = found

    def pick_matter(self, matter: dict[str, Any]) -> None:
        self.app.matter = matter
        self.app.show("guide")
