"""Home: the hall's categories as big tiles, exactly as the server lists them."""

from __future__ import annotations

from typing import Any

from kivy.metrics import dp
from kivy.uix.boxlayout import BoxLayout
from kivy.uix.button import Button

from .. import style as st
from ..i18n import t
from ..logic import capped_today, label
from .base import KioskScreen
from .pager import Pager


class HomeScreen(KioskScreen):
    """Standard mode: a scrolling grid. Elderly mode: pages that always fit (every tile whole)."""

    def fill(self, box: BoxLayout) -> None:
        app = self.app
        app._home_built_for = (app.service.server_ok, app.service.capped)
        box.add_widget(app.label(t("title", app.lang), app.s.title, name="title", bold=True, halign="center"))
        box.add_widget(app.label(t("card_prompt" if app.card else "home_hint", app.lang), app.s.body,
                                 name="hint", halign="center"))
        landscape = app.cfg.orientation == "landscape"
        categories = app.service.categories()
        if app.elderly:
            box.add_widget(Pager(app, "tiles", categories, self.tile, cols=3 if landscape else 1,
                                 row_h=app.s.tile_min_h, max_row_h=app.s.tile_h))
        else:
            sv, grid = app.scroller("tiles")
            grid.cols = 3 if landscape else 2
            for cat in categories:
                grid.add_widget(self.tile(cat))
            box.add_widget(sv)
        app.say("say_home")

    def tile(self, cat: dict[str, Any]) -> Button:
        """A category's tile; one whose numbers are all issued today says so (今日号已发完) on a
        grey tile that still opens: it offers an appointment, and the green channel a ticket."""
        app = self.app
        capped = capped_today(cat)
        text = label(cat, app.lang) + ("\n" + t("cap_tile", app.lang) if capped else "")
        tile = app.button(text, f"tile_{cat['code']}", lambda: self.pick_category(cat),
                          bg=st.BUTTON if capped else st.TILE, size=app.s.title, height=dp(app.s.tile_h))
        tile.disabled = not app.service.server_ok
        return tile

    def pick_category(self, cat: dict[str, Any]) -> None:
        app = self.app
        if cat["code"] == app.service.pickup_category:  # 领取办理结果: by ID card or notice first
            app.open_pickup(cat)
        elif capped_today(cat) and not app.green_card():  # 今日号已发完: the next free slot instead
            app.open_offer(cat)
        else:
            app.choose_category(cat)
