"""The ticket kiosk's Kivy app: home tiles → matters (search) → service guide → confirm → ticket.

Import only after `yimen.kivy_env.prepare()`. Every screen is rebuilt from the app's state when it
is shown (language, elderly mode, what was chosen), so switching mode or language is one tap from
anywhere and never leaves a half-updated screen. All server and printer work goes through
`KioskService`; this module only shows its outcomes. It owns the frame (bars, banner), navigation,
the ticket flow and the devices' events; each screen's layout and taps live in kiosk/screens/, one
class per screen. Widgets that matter are kept in `self.w` by name so tests can touch them exactly
as a person would.
"""

from __future__ import annotations

import asyncio
import logging
import queue
import threading
import time
from collections.abc import Callable, Coroutine
from typing import Any

from kivy.app import App
from kivy.clock import Clock
from kivy.core.window import Window
from kivy.graphics import Color, Rectangle
from kivy.metrics import dp
from kivy.uix.boxlayout import BoxLayout
from kivy.uix.button import Button
from kivy.uix.gridlayout import GridLayout
from kivy.uix.label import Label
from kivy.uix.screenmanager import NoTransition, ScreenManager
from kivy.uix.scrollview import ScrollView
from kivy.uix.widget import Widget

from queue_server.names import mask_name

from . import style as st
from .config import KioskConfig
from .i18n import t
from .logic import idle_home_due, label, mask_id, may_clear, spoken_number
from .screens import SCREENS
from .service import KioskService, Outcome

log = logging.getLogger("yimen.kiosk.app")

def _paint(widget: Widget, rgba: tuple[float, ...]) -> None:
    """A solid background that follows the widget."""
    with widget.canvas.before:
        Color(*rgba)
        rect = Rectangle(pos=widget.pos, size=widget.size)
    widget.bind(pos=lambda w, v: setattr(rect, "pos", v), size=lambda w, v: setattr(rect, "size", v))


class Speaker:
    """Spoken guidance on one worker thread, so phrases never overlap and the UI never waits."""

    def __init__(self, voice: Any, audio: Any):
        self.voice, self.audio = voice, audio
        self.spoken: list[str] = []
        self._q: queue.Queue[str | None] = queue.Queue()
        threading.Thread(target=self._run, name="kiosk-voice", daemon=True).start()

    def say(self, text: str) -> None:
        self.spoken.append(text)
        self._q.put(text)

    def _run(self) -> None:
        while (text := self._q.get()) is not None:
            try:
                self.audio.play(self.voice.phrase(text))
            except Exception as exc:  # noqa: BLE001 - no voice is never a reason to crash the kiosk
                log.warning("spoken guidance failed: %s", exc)

    def close(self) -> None:
        self._q.put(None)


class KioskApp(App):
    def __init__(self, service: KioskService, config: KioskConfig, speaker: Speaker | None = None,
                 now: Callable[[], float] = time.monotonic, **kw: Any):
        super().__init__(**kw)
        self.service, self.cfg, self.speaker, self.now = service, config, speaker, now
        self.lang = config.lang
        self.elderly = False
        self.category: dict[str, Any] | None = None
        self.matter: dict[str, Any] | None = None
        self.matters: list[dict[str, Any]] = []
        self.found: list[dict[str, Any]] = []  # the matters the search shows
        self.query = ""
        self.outcome: Outcome | None = None
        self.message = ""
        self.card: dict[str, Any] | None = None
        self.card_seen_at = 0.0
        self.pin_typed = ""
        self.w: dict[str, Widget] = {}
        self.touching = 0
        self.last_touch = 0.0
        self.shown_at = 0.0
        self._admin_taps: list[float] = []
        self.tasks: set[asyncio.Task] = set()
        self.note = ""  # a passing remark in the banner (e.g. a torn card read), until note_until
        self.note_until = 0.0
        self.history: list[str] = []  # screens shown, in order (for the log and for tests)
        self.title = "Yimen kiosk"

    # ------------------------------------------------------------------ frame

    @property
    def s(self) -> st.Style:
        return st.ELDERLY if self.elderly else st.NORMAL

    def build(self) -> Widget:
        Window.clearcolor = st.BG
        if not self.cfg.fullscreen and tuple(Window.size) != self.cfg.size:
            Window.size = self.cfg.size
        Window.bind(on_touch_down=self._touch_down, on_touch_up=self._touch_up)
        Window.bind(on_request_close=lambda *a: True)  # lockdown: only the maintenance screen exits
        self.root_box = BoxLayout(orientation="vertical")
        _paint(self.root_box, st.BG)
        self.top = BoxLayout(size_hint_y=None, height=dp(96), padding=dp(8), spacing=dp(8))
        _paint(self.top, st.BAR)
        self.banner = Label(size_hint_y=None, height=0, color=st.TILE_TEXT, halign="center", valign="middle")
        _paint(self.banner, st.BANNER)
        self.sm = ScreenManager(transition=NoTransition())
        for name, screen in SCREENS.items():
            self.sm.add_widget(screen(self, name=name))
        self.bottom = BoxLayout(size_hint_y=None, height=dp(110), padding=dp(8), spacing=dp(12))
        _paint(self.bottom, st.BAR)
        for part in (self.top, self.banner, self.sm, self.bottom):
            self.root_box.add_widget(part)
        self.service.on_change.append(lambda: Clock.schedule_once(lambda dt: self.refresh_status()))
        Clock.schedule_interval(self._tick, 0.25)
        self.show("home")
        return self.root_box

    def spawn(self, coro: Coroutine[Any, Any, Any]) -> asyncio.Task:
        task = asyncio.get_event_loop().create_task(coro)
        self.tasks.add(task)
        task.add_done_callback(self._task_done)
        return task

    def _task_done(self, task: asyncio.Task) -> None:
        self.tasks.discard(task)
        if not task.cancelled() and task.exception() is not None:
            log.error("kiosk action failed", exc_info=task.exception())
            self.message = t("help_failed", self.lang)
            self.show("message")

    def _touch_down(self, window: Any, touch: Any) -> bool:
        self.touching += 1
        self.last_touch = self.now()
        return False

    def _touch_up(self, window: Any, touch: Any) -> bool:
        self.touching = max(0, self.touching - 1)
        self.last_touch = self.now()
        return False

    def _tick(self, dt: float) -> None:
        now = self.now()
        current = self.sm.current
        if current == "result":
            secs = self.cfg.result_seconds_elderly if self.elderly else self.cfg.result_seconds
            if may_clear(now, self.shown_at, self.last_touch, self.touching > 0, secs):
                self.show("home")
        elif current not in ("working", "admin", "pin") and idle_home_due(
                now, max(self.last_touch, self.shown_at), self.touching > 0, self.elderly,
                self.cfg.idle_home_seconds, current == "home"):
            self.show("home")
        if self.card and now - self.card_seen_at >= self.cfg.card_forget_seconds and self.touching == 0:
            self.forget_card()
        if self.note and now >= self.note_until:
            self.note = ""
            self.refresh_status()

    # ------------------------------------------------------------------ helpers

    def label(self, text: str, size: int | None = None, name: str | None = None, bold: bool = False,
              color: tuple[float, ...] = st.TEXT, halign: str = "left", height: float | None = None) -> Label:
        lab = Label(text=text, font_size=size or self.s.body, color=color, bold=bold, halign=halign,
                    valign="middle", size_hint_y=None)
        if height is None:
            lab.bind(width=lambda w, v: setattr(w, "text_size", (v, None)),
                     texture_size=lambda w, v: setattr(w, "height", v[1] + dp(8)))
        else:
            lab.height = height
            lab.bind(size=lambda w, v: setattr(w, "text_size", v))
        if name:
            self.w[name] = lab
        return lab

    def button(self, text: str, name: str, action: Callable[[], Any], bg: tuple[float, ...] = st.BUTTON,
               size: int | None = None, height: float | None = None, **kw: Any) -> Button:
        b = Button(text=text, font_size=size or self.s.body, background_normal="", background_down="",
                   background_color=bg, color=st.TILE_TEXT, size_hint_y=None,
                   height=height or dp(self.s.button_h), halign="center", valign="middle", **kw)
        b.bind(size=lambda w, v: setattr(w, "text_size", (v[0] - dp(16), None)))
        b.bind(on_release=lambda *_: action())
        self.w[name] = b
        return b

    def scroller(self, name: str) -> tuple[ScrollView, GridLayout]:
        sv = ScrollView(do_scroll_x=False, bar_width=dp(12))
        grid = GridLayout(cols=1, size_hint_y=None, spacing=dp(10), padding=dp(16))
        grid.bind(minimum_height=grid.setter("height"))
        sv.add_widget(grid)
        self.w[name] = sv
        return sv, grid

    def say(self, key: str, **kw: Any) -> None:
        """Spoken guidance: every step in elderly mode."""
        if self.elderly and self.speaker is not None:
            self.speaker.say(t(key, self.lang, **kw))

    # ------------------------------------------------------------------ bars

    def _build_bars(self) -> None:
        self.top.clear_widgets()
        self.top.height = dp(self.s.button_h + 16)
        hall = (self.service.hall or {}).get("hall", {})
        name = Label(text=label(hall, self.lang) if hall else "一门", font_size=self.s.title, color=st.TEXT,
                     bold=True, halign="left", valign="middle")
        name.bind(size=lambda w, v: setattr(w, "text_size", v))
        name.bind(on_touch_down=self._hall_name_touched)
        self.w["hall_name"] = name
        self.top.add_widget(name)
        self.top.add_widget(self.button(t("normal" if self.elderly else "elderly", self.lang), "elderly",
                                        self.toggle_elderly, bg=st.OK, size_hint_x=None, width=dp(260)))
        self.top.add_widget(self.button(t("lang_switch", self.lang), "lang", self.toggle_lang,
                                        size_hint_x=None, width=dp(200)))
        self.bottom.clear_widgets()
        self.bottom.height = dp(self.s.button_h + 24)
        current = self.sm.current
        if current not in ("home", "working"):
            self.bottom.add_widget(self.button(t("back", self.lang), "back", self.back))
            self.bottom.add_widget(self.button(t("home", self.lang), "home", lambda: self.show("home")))
        else:
            self.bottom.add_widget(self.label(self.status_text(), self.s.small, name="status", color=st.TEXT,
                                              height=dp(self.s.button_h)))
        self.bottom.add_widget(self.button(t("help", self.lang), "help", self.ask_help, bg=st.HELP))
        self.refresh_status()

    def status_text(self) -> str:
        printer = t(f"printer_{self.service.printer_state}", self.lang)
        server = t("connected" if self.service.server_ok else "disconnected", self.lang)
        return t("status_line", self.lang, printer=printer, server=server)

    def refresh_status(self) -> None:
        """The red banner: server away (with the retry count) or printer unavailable; else hidden."""
        text = ""
        if self.note and self.now() < self.note_until:
            text = self.note
        elif not self.service.server_ok:
            text = t("server_away", self.lang, n=max(1, self.service.attempts))
        elif not self.service.printing_available:
            text = t("printer_unavailable", self.lang, state=t(f"printer_{self.service.printer_state}", self.lang))
        if self.card and not text:
            text = t("card_read", self.lang, name=self.card["masked_name"], id=self.card["masked_id"])
        self.banner.text = text
        self.banner.font_size = self.s.body
        self.banner.height = dp(self.s.button_h) if text else 0
        self.banner.text_size = (Window.width - dp(32), None)
        if "status" in self.w:
            self.w["status"].text = self.status_text()
        if self.sm.current == "home" and self.service.server_ok != self._home_built_online:
            self.show("home")

    _home_built_online = False

    def _hall_name_touched(self, widget: Widget, touch: Any) -> bool:
        """Five taps on the hall name within three seconds open the PIN pad (no visible way out)."""
        if not widget.collide_point(*touch.pos):
            return False
        now = self.now()
        self._admin_taps = [x for x in self._admin_taps if now - x < 3.0] + [now]
        if len(self._admin_taps) >= 5 and self.cfg.admin_pin:
            self._admin_taps = []
            self.pin_typed = ""
            self.show("pin")
        return False

    # ------------------------------------------------------------------ navigation

    def show(self, name: str) -> None:
        self.history.append(name)
        self.sm.current = name
        screen = self.sm.get_screen(name)
        screen.clear_widgets()
        box = BoxLayout(orientation="vertical", padding=dp(16), spacing=dp(12))
        screen.fill(box)
        screen.add_widget(box)
        self._build_bars()
        self.shown_at = self.now()  # after building: a slow first render must not eat the timeout

    def back(self) -> None:
        order = {"matters": "home", "guide": "matters", "confirm": "guide", "result": "home",
                 "message": "home", "pin": "home", "admin": "home"}
        self.show(order.get(self.sm.current, "home"))

    def toggle_elderly(self) -> None:
        self.elderly = not self.elderly
        self.show(self.sm.current)  # each screen speaks its own guidance when shown

    def toggle_lang(self) -> None:
        self.lang = "en" if self.lang == "zh" else "zh"
        self.service.lang = self.lang
        self.show(self.sm.current)

    # ------------------------------------------------------------------ the ticket

    def take_ticket(self) -> None:
        matter = self.matter
        card = self.card
        self.show("working")

        async def run() -> None:
            out = await self.service.take_ticket(
                matter=matter["code"] if matter else None,
                category=(self.category or {}).get("code"),
                id_number=card["id_number"] if card else None, birth_date=card["birth"] if card else None,
                identity=card["identity"] if card else None)
            self.finish(out)

        self.spawn(run())

    def finish(self, out: Outcome) -> None:
        """Show what happened: the ticket (printed or on screen), or the plain reason why not."""
        self.outcome = out
        if out.issued is not None:
            self.forget_card()  # the card did its job: forget it now
            self.show("result")
            if out.kind == "printed":
                self.say("say_result", number=spoken_number(out.issued["number"], self.lang),
                         ahead=out.issued["ahead"])
            else:
                self.say("say_photo")
        else:
            self.message = out.message
            self.show("message")
            if out.kind == "server_away":
                self.say("say_server_away")

    # ------------------------------------------------------------------ help, card, scanner

    def ask_help(self) -> None:
        where = self.sm.current

        async def run() -> None:
            ok = await self.service.help(where)
            self.message = t("help_sent" if ok else "help_failed", self.lang)
            self.show("message")
            if ok:
                self.say("say_help")

        self.spawn(run())

    def card_inserted(self, card: Any) -> None:
        """An ID card was read (hw.idcard.IdCard): keep what the ticket needs, show it masked.

        On the guide or confirm screen the ticket is taken at once for the chosen matter; at home an
        appointment is looked up by the card; otherwise the person chooses (the banner says so).
        """
        self.card = {"id_number": card.id_number, "birth": card.birth_date, "masked_name": mask_name(card.name),
                     "masked_id": mask_id(card.id_number), "identity": card}
        self.card_seen_at = self.now()
        log.info("ID card read (%s)", self.card["masked_id"])
        if self.sm.current in ("guide", "confirm") and self.matter is not None:
            self.take_ticket()
            return
        if self.sm.current == "home":
            card_data = dict(self.card)

            async def appointment() -> None:
                out = await self.service.check_in(id_number=card_data["id_number"])
                if out.issued is not None:
                    self.finish(out)
                elif self.sm.current == "home":  # no appointment: the person chooses (never yank them back)
                    self.show("home")

            self.spawn(appointment())
            return
        self.refresh_status()

    def card_removed(self) -> None:
        self.forget_card()

    def card_error(self, kind: str) -> None:
        """A reader fault (hw.idcard.error_kind) in plain words; the details are in the log.

        A card that fails its check stops the person with a message; a torn read (card lifted
        mid-read, a noisy line) or a missing reader only shows a note in the banner, so whatever
        the person was doing by touch carries on."""
        log.warning("ID card: %s", kind)
        if kind in ("invalid_id", "card_data"):
            self.message = t("card_invalid", self.lang)
            self.show("message")
            return
        self.note = t("reader_gone" if kind == "reader_gone" else "card_error", self.lang)
        self.note_until = self.now() + 8.0
        self.refresh_status()

    def forget_card(self) -> None:
        if self.card is not None:
            self.card = None
            self.refresh_status()

    def code_scanned(self, code: str) -> None:
        """A scanned appointment code checks the appointment in."""
        code = code.strip()
        if not code or len(code) > 16 or not code.isalnum():
            self.message = t("scan_error", self.lang)
            self.show("message")
            return
        self.show("working")

        async def run() -> None:
            self.finish(await self.service.check_in(code=code))

        self.spawn(run())
