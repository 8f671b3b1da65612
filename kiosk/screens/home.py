"""Home: the hall's categories as big tiles, exactly as the server lists them."""

from __future__ import annotations

import logging
from typing import Any

from kivy.metrics import dp
from kivy.uix.boxlayout import BoxLayout

from .. import style as st
from ..i18n import t
from ..logic import label
from .base import KioskScreen

log = logging.getLogger("yimen.kiosk.app")


class HomeScreen(KioskScreen):
    def fill(self, box: BoxLayout) -> None:
        app = self.app
        app._home_built_online = app.service.server_ok
        box.add_widget(app.label(t("title", app.lang), app.s.title, name="title", bold=True, halign="center"))
        box.add_widget(app.label(t("card_prompt" if app.card else "home_hint", app.lang), app.s.body,
                                 name="hint", halign="center"))
        cols = 3 if app.cfg.orientation == "landscape" else 2
        if app.elderly:
            cols -= 1
        sv, grid = app.scroller("tiles")
        grid.cols = cols
        for cat in app.service.categories():
            tile = app.button(label(cat, app.lang), f"tile_{cat['code']}", lambda c=cat: self.pick_category(c),
                              bg=st.TILE, size=app.s.big if app.elderly else app.s.title,
                              height=dp(app.s.tile_h))
            tile.disabled = not app.service.server_ok
            grid.add_widget(tile)
        box.add_widget(sv)
        app.say("say_home")

    def pick_category(self, cat: dict[str, Any]) -> None:
        app = self.app
        app.category, app.query = cat, ""

        async def load() -> None:
            try:
                app.matters = await app.service.matters(cat["code"])
            except Exception as exc:  # noqa: BLE001 - ServerAway/ApiError: say so, stay calm
                app.message = t("server_away", app.lang, n=max(1, app.service.attempts))
                log.warning("matters of %s: %s", cat["code"], exc)
                app.show("message")
                return
            app.show("matters")

        app.spawn(load())
