"""Maintenance, behind five taps on the hall name and a PIN: printer and server checks, exit."""

from __future__ import annotations

from kivy.metrics import dp
from kivy.uix.boxlayout import BoxLayout
from kivy.uix.gridlayout import GridLayout
from kivy.uix.widget import Widget

from .. import style as st
from ..i18n import t
from ..logic import printer_text
from .base import KioskScreen


class PinScreen(KioskScreen):
    def fill(self, box: BoxLayout) -> None:
        app = self.app
        box.add_widget(app.label(t("pin_prompt", app.lang), app.s.title, halign="center"))
        box.add_widget(app.label("●" * len(app.pin_typed), app.s.title, name="pin_dots", halign="center"))
        pad = GridLayout(cols=3, spacing=dp(8), size_hint_y=None)
        pad.bind(minimum_height=pad.setter("height"))
        for key in "123456789C0✓":
            pad.add_widget(app.button(key, f"pin_{key}", lambda k=key: self.pin_key(k), height=dp(app.s.key_h + 20)))
        box.add_widget(pad)
        box.add_widget(Widget())

    def pin_key(self, key: str) -> None:
        app = self.app
        if key == "C":
            app.pin_typed = ""
        elif key == "✓":
            ok = bool(app.cfg.admin_pin) and app.pin_typed == app.cfg.admin_pin
            app.pin_typed = ""
            if ok:
                app.show("admin")
                return
            app.w["pin_dots"].text = t("pin_wrong", app.lang)
            return
        else:
            app.pin_typed = (app.pin_typed + key)[:12]
        app.w["pin_dots"].text = "●" * len(app.pin_typed)


class AdminScreen(KioskScreen):
    def fill(self, box: BoxLayout) -> None:
        app = self.app
        box.add_widget(app.label(t("admin", app.lang), app.s.title, bold=True))
        box.add_widget(app.label(app.status_text(), app.s.body, name="admin_status"))
        box.add_widget(app.label(t("server_url", app.lang), app.s.body))
        url = app.text_input(app.service.client.base_url, "server_url", size_hint_y=None, height=dp(app.s.button_h))
        box.add_widget(url)
        box.add_widget(app.button(t("save", app.lang), "save_url", lambda: self.set_server(url.text)))
        box.add_widget(app.button(t("printer_test", app.lang), "printer_test", self.printer_test))
        box.add_widget(app.button(t("paper_status", app.lang), "paper_status", self.paper))
        box.add_widget(app.button(t("reprint", app.lang), "reprint", self.reprint))
        box.add_widget(app.button(t("exit", app.lang), "exit", app.stop, bg=st.HELP))
        box.add_widget(Widget())

    def note(self, text: str) -> None:
        if "admin_status" in self.app.w:
            self.app.w["admin_status"].text = text

    def set_server(self, url: str) -> None:
        app = self.app
        url = url.strip().rstrip("/")
        if not url.startswith(("http://", "https://")):
            self.note("http(s)://…")
            return
        app.service.client.base_url = url
        app.service.server_ok = False
        app.spawn(app.service.connect())
        self.note(url)

    def printer_test(self) -> None:
        app = self.app

        async def run() -> None:
            state = await app.service.print_test()
            self.note(t("status_line", app.lang, printer=printer_text(state, app.lang),
                        server=t("connected" if app.service.server_ok else "disconnected", app.lang)))

        app.spawn(run())

    def paper(self) -> None:
        app = self.app

        async def run() -> None:
            await app.service.check_printer()
            self.note(app.status_text())

        app.spawn(run())

    def reprint(self) -> None:
        app = self.app

        async def run() -> None:
            out = await app.service.reprint_last()
            self.note(out.message)

        app.spawn(run())
