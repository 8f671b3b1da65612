"""Matters of the chosen category, with search by pinyin initials, characters, English or code.

Standard mode: the letter keys and a scrolling list. Elderly mode: the list in pages that always
fit, and the letter keys only when the person asks for them (拼音查找), so the choices are not
pushed below the fold."""

from __future__ import annotations

from typing import Any

from kivy.metrics import dp
from kivy.uix.boxlayout import BoxLayout
from kivy.uix.button import Button
from kivy.uix.gridlayout import GridLayout

from .. import style as st
from ..i18n import t
from ..logic import label, search
from .base import KioskScreen
from .pager import Pager

LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"


class MattersScreen(KioskScreen):
    def fill(self, box: BoxLayout) -> None:
        app = self.app
        assert app.category is not None
        landscape = app.cfg.orientation == "landscape"
        title = app.label(label(app.category, app.lang), app.s.title, bold=True)
        if app.elderly:
            row = BoxLayout(size_hint_y=None, height=dp(app.s.button_h), spacing=dp(12))
            title.size_hint_y = 1
            title.bind(size=lambda w, v: setattr(w, "text_size", v))
            row.add_widget(title)
            row.add_widget(app.button(t("hide_keys" if app.keys_shown else "show_keys", app.lang), "show_keys",
                                      self.toggle_keys, size_hint_x=None, width=dp(300)))
            box.add_widget(row)
        else:
            box.add_widget(title)
        if app.keys_shown or not app.elderly:
            self.keyboard(box, cols=13 if landscape or not app.elderly else 9)
        else:
            app.w.pop("search", None)
        found = search(app.matters, app.query)
        if app.elderly:
            box.add_widget(Pager(app, "matter_list", found, self.matter_button, cols=2 if landscape else 1,
                                 row_h=app.s.button_h + 20, max_row_h=app.s.button_h + 40,
                                 empty=t("no_match", app.lang)))
            app.w.pop("matter_grid", None)
        else:
            sv, grid = app.scroller("matter_list")
            app.w["matter_grid"] = grid
            box.add_widget(sv)
        self.fill_matters()
        app.say("say_matters")

    def keyboard(self, box: BoxLayout, cols: int) -> None:
        app = self.app
        search_row = BoxLayout(size_hint_y=None, height=dp(app.s.key_h), spacing=dp(8))
        field = app.text_input(app.query, "search", hint=t("search_hint", app.lang))
        field.bind(text=lambda w, v: self.set_query(v, rebuild=False))
        search_row.add_widget(field)
        search_row.add_widget(app.button(t("delete", app.lang), "key_back", lambda: self.set_query(app.query[:-1]),
                                         size_hint_x=None, width=dp(160), height=dp(app.s.key_h)))
        box.add_widget(search_row)
        keys = GridLayout(cols=cols, size_hint_y=None, spacing=dp(4))
        keys.bind(minimum_height=keys.setter("height"))
        for ch in LETTERS:
            keys.add_widget(app.button(ch, f"key_{ch}", lambda c=ch: self.set_query(app.query + c.lower()),
                                       height=dp(app.s.key_h)))
        box.add_widget(keys)

    def toggle_keys(self) -> None:
        app = self.app
        app.keys_shown = not app.keys_shown
        if not app.keys_shown:
            app.query = ""
        app.show("matters")

    def set_query(self, text: str, rebuild: bool = True) -> None:
        app = self.app
        app.query = text
        if rebuild and "search" in app.w:
            app.w["search"].text = text  # triggers fill_matters via the binding above
        self.fill_matters()

    def matter_button(self, m: dict[str, Any]) -> Button:
        app = self.app
        return app.button(label(m, app.lang), f"matter_{m['code']}", lambda: self.pick_matter(m), bg=st.TILE,
                          height=dp(app.s.button_h + 20))

    def fill_matters(self) -> None:
        app = self.app
        found = search(app.matters, app.query)
        app.found = found
        pager = app.w.get("matter_list")
        if isinstance(pager, Pager):
            pager.set_items(found)
            return
        grid = app.w.get("matter_grid")
        if grid is None:
            return
        grid.clear_widgets()
        for m in found:
            grid.add_widget(self.matter_button(m))
        if not found:
            grid.add_widget(app.label(t("no_match", app.lang), name="no_match"))

    def pick_matter(self, matter: dict[str, Any]) -> None:
        self.app.matter = matter
        self.app.keys_shown = False
        self.app.show("guide")
