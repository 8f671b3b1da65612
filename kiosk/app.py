"""The ticket kiosk's Kivy app: home tiles → matters (search) → service guide → confirm → ticket.

Import only after `ui.kivy_env.prepare()`. Every screen is rebuilt from the app's state when it
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
from kivy.uix.textinput import TextInput
from kivy.uix.widget import Widget

from hallapi.protocol import mask_name

from . import style as st
from .config import KioskConfig
from .i18n import t
from .logic import (
    card_note,
    case_token,
    estimate_lines,
    green_channel,
    idle_home_due,
    label,
    local_date,
    mask_id,
    may_clear,
    offer_text,
    printer_text,
    quote_needs_a_look,
    reader_state,
    refusal_text,
    result_hold_s,
    spoken_number,
)
from .screens import SCREENS
from .service import Booked, CaseLookup, KioskService, Offer, Outcome

log = logging.getLogger("yimen.kiosk.app")

def _paint(widget: Widget, rgba: tuple[float, ...]) -> None:
    """A solid background that follows the widget (kept as `yimen_bg` for the contrast check)."""
    widget.yimen_bg = rgba
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
        self.message_of: Callable[[str], str] = lambda lang: ""  # the message screen's text, per language
        self.quote: tuple[str, dict[str, Any] | None] | None = None  # (category, estimate) on the confirm screen
        self.keys_shown = False  # elderly mode: the letter keys only when asked for
        self.card: dict[str, Any] | None = None
        self.card_seen_at = 0.0
        self.reader = "no_card"  # the ID-card reader's state as last reported (logic.reader_state)
        self.placed: str | None = None  # the ID number of the card on the reader since it was placed
        self.pin_typed = ""
        self.offer: Offer | None = None  # 今日号已发完: the appointment slot offered instead
        self.offer_note = ""  # a line above the offer (the slot offered before was just taken)
        self.booked: Booked | None = None
        self.lookup: CaseLookup | None = None  # 领取办理结果: the person's cases as last looked up
        self.looking = False
        self.w: dict[str, Widget] = {}
        self.touching = 0
        self.last_touch = 0.0
        self.shown_at = 0.0
        self._admin_taps: list[float] = []
        self.tasks: set[asyncio.Task] = set()
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
            self.tell(lambda lang: t("went_wrong", lang))

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
        if current in ("result", "booked"):
            kind = (self.outcome.kind if self.outcome else "") if current == "result" else (
                self.booked.kind if self.booked else "")
            secs = result_hold_s(kind, self.elderly,
                                 self.cfg.result_seconds, self.cfg.result_seconds_elderly)
            if may_clear(now, self.shown_at, self.last_touch, self.touching > 0, secs):
                self.show("home")
        elif current not in ("working", "admin", "pin") and idle_home_due(
                now, max(self.last_touch, self.shown_at), self.touching > 0, self.elderly,
                self.cfg.idle_home_seconds, current == "home"):
            self.show("home")
        if self.card and now - self.card_seen_at >= self.cfg.card_forget_seconds and self.touching == 0:
            self.forget_card()

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
                   background_disabled_normal="", background_disabled_down="", background_color=bg,
                   color=st.TILE_TEXT, disabled_color=st.DISABLED_TEXT, size_hint_y=None,
                   height=height or dp(self.s.button_h), halign="center", valign="middle", **kw)
        b.bind(size=lambda w, v: setattr(w, "text_size", (v[0] - dp(16), None)))
        b.bind(disabled=lambda w, v: setattr(w, "background_color", st.DISABLED if v else bg))
        b.bind(on_release=lambda *_: action())
        self.w[name] = b
        return b

    def text_input(self, text: str, name: str, hint: str = "", **kw: Any) -> TextInput:
        """A one-line field in the kiosk's colours (Kivy's default hint grey is below 4.5:1)."""
        field = TextInput(text=text, hint_text=hint, font_size=self.s.body, multiline=False, write_tab=False,
                          background_normal="", background_active="", background_color=st.BAR,
                          foreground_color=st.TEXT, hint_text_color=st.HINT, cursor_color=st.TEXT, **kw)
        self.w[name] = field
        return field

    def scroller(self, name: str) -> tuple[ScrollView, GridLayout]:
        sv = ScrollView(do_scroll_x=False, bar_width=dp(12))
        grid = GridLayout(cols=1, size_hint_y=None, spacing=dp(10), padding=dp(16))
        grid.bind(minimum_height=grid.setter("height"))
        sv.add_widget(grid)
        self.w[name] = sv
        return sv, grid

    def say(self, key: str, **kw: Any) -> None:
        """Spoken guidance: every step in elderly mode."""
        self.say_text(t(key, self.lang, **kw))

    def say_text(self, text: str) -> None:
        if self.elderly and self.speaker is not None and text:
            self.speaker.say(text)

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
        printer = printer_text(self.service.printer_state, self.lang)
        server = t("connected" if self.service.server_ok else "disconnected", self.lang)
        return t("status_line", self.lang, printer=printer, server=server)

    def refresh_status(self) -> None:
        """The red banner, most urgent first: a card to place again, the server away (with the retry
        count), the printer unavailable, the ID-card reader's trouble, the card read; else hidden.
        The card messages follow the reader's state (logic.card_note), never a timer."""
        note = card_note(self.reader, self.card is not None)
        text = ""
        if note == "card_error":
            text = t(note, self.lang)
        elif not self.service.server_ok:
            text = t("server_away", self.lang, n=max(1, self.service.attempts))
        elif not self.service.printing_available:
            text = t("printer_unavailable", self.lang, state=printer_text(self.service.printer_state, self.lang))
        elif note == "card_read" and self.card:
            text = t(note, self.lang, name=self.card["masked_name"], id=self.card["masked_id"])
        elif note:
            text = t(note, self.lang)
        if "hint" in self.w:
            self.w["hint"].text = t("card_prompt" if self.card else "home_hint", self.lang)
        self.banner.text = text
        self.banner.font_size = self.s.body
        self.banner.height = dp(self.s.button_h) if text else 0
        self.banner.text_size = (Window.width - dp(32), None)
        if "status" in self.w:
            self.w["status"].text = self.status_text()
        if self.sm.current == "home" and (self.service.server_ok, self.service.capped) != self._home_built_for:
            self.show("home")  # the tiles follow the server: reachable or not, and which are 今日号已发完

    _home_built_for: tuple[bool, frozenset[str]] = (False, frozenset())

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

    def tell(self, text_of: Callable[[str], str]) -> None:
        """The message screen, with its text made in whichever language the screen shows."""
        self.message_of = text_of
        self.show("message")

    def outcome_text(self, out: Outcome, lang: str) -> str:
        """What a service outcome says, in `lang` (so switching language re-words it)."""
        if out.kind == "server_away":
            return t("server_away", lang, n=max(1, self.service.attempts))
        if out.kind == "refused" and out.code:
            return refusal_text(out.code, lang, self.service.hall)
        if out.kind in ("printed", "on_screen"):
            return t("take_slip" if out.kind == "printed" else "photo_ticket", lang)
        return out.message

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
        if self.sm.current == "matters":
            self.keys_shown = False
        order = {"matters": "home", "guide": "matters", "confirm": "guide", "result": "home",
                 "message": "home", "pin": "home", "admin": "home", "pickup": "home", "cases": "home",
                 "offer": "home", "booked": "home"}
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
                         ahead=out.issued.get("ahead", 0))
            else:
                self.say("say_photo")
            for kind, text in estimate_lines(out.issued.get("estimate"), self.lang):
                if kind == "warn":  # may not be served today: heard, not only read
                    self.say_text(text)
        elif out.code == "daily_cap_reached" and self.category is not None:
            self.open_offer(self.category)  # the last number went while the person was choosing
        else:
            self.tell(lambda lang: self.outcome_text(out, lang))
            if out.kind == "server_away":
                self.say("say_server_away")

    # ------------------------------------------------------------------ 当日号源上限

    def green_card(self) -> bool:
        """The card read belongs to someone the green channel serves past the cap (elderly)."""
        today = local_date(self.service.clock())
        return self.card is not None and green_channel(self.service.hall, self.card["birth"], today)

    def open_offer(self, cat: dict[str, Any]) -> None:
        """今日号已发完: look up the category's next free appointment slot and offer it."""
        self.category, self.offer, self.offer_note, self.booked = cat, None, "", None
        self.show("offer")

        async def load() -> None:
            found = await self.service.offer(cat["code"])
            if self.sm.current != "offer" or self.category is not cat:
                return  # the person moved on meanwhile
            if found.kind == "server_away":
                self.tell(lambda lang: t("server_away", lang, n=max(1, self.service.attempts)))
                return
            self.offer = found
            self.show("offer")
            self.say_offer()

        self.spawn(load())

    def say_offer(self) -> None:
        offer = self.offer
        said = (offer_text(offer.slot, offer.today, self.lang) if offer and offer.slot and offer.today
                else t("cap_none", self.lang))
        self.say("say_cap", offer=said)

    def book_offer(self) -> None:
        """Book the offered slot (under the card, if one was read) and print the appointment slip."""
        offer, card, matter, cat = self.offer, self.card, self.matter, self.category or {}
        if offer is None or offer.slot is None:
            return
        matter = matter if matter and matter.get("category") == cat.get("code") else None
        self.show("working")

        async def run() -> None:
            out = await self.service.book(offer, id_number=card["id_number"] if card else None, matter=matter,
                                          service_name=label(matter or cat, self.lang))
            if out.kind == "full" and out.offer is not None:
                self.offer, self.offer_note = out.offer, "cap_full"
                self.show("offer")
                self.say_offer()
            elif out.booked is not None:
                self.booked = out
                self.forget_card()
                self.show("booked")
                self.say("say_cap_booked", code=" ".join(out.booked["code"]))
            elif out.kind == "server_away":
                self.tell(lambda lang: t("server_away", lang, n=max(1, self.service.attempts)))
            else:
                self.tell(lambda lang: refusal_text(out.code, lang, self.service.hall))

        self.spawn(run())

    # ------------------------------------------------------------------ 领取办理结果

    def choose_category(self, cat: dict[str, Any]) -> None:
        """A category's matters (loaded from the server once), to choose one and take a ticket."""
        self.category, self.query, self.keys_shown = cat, "", False

        async def load() -> None:
            try:
                self.matters = await self.service.matters(cat["code"])
            except Exception as exc:  # noqa: BLE001 - ServerAway/ApiError: say so, stay calm
                log.warning("matters of %s: %s", cat["code"], exc)
                self.tell(lambda lang: t("server_away", lang, n=max(1, self.service.attempts)))
                return
            self.show("matters")

        self.spawn(load())

    def open_pickup(self, cat: dict[str, Any]) -> None:
        """The pick-up tile: with a card already read, straight to the person's cases; else the
        screen asking for the ID card or the notice's QR code. Its matters stay one tap away
        (其他领取事项: a certificate made elsewhere has no case here)."""
        self.lookup, self.looking, self.category = None, False, cat
        if self.card:
            self.look_up_cases(id_number=self.card["id_number"])
        else:
            self.show("pickup")

    def look_up_cases(self, id_number: str | None = None, token: str | None = None) -> None:
        """The person's cases by the card or a notice's token; then the list, or why not."""
        self.looking = True
        self.show("pickup")

        async def run() -> None:
            found = await self.service.lookup_cases(id_number=id_number, token=token)
            self.looking = False
            if self.sm.current != "pickup":
                return  # the person moved on meanwhile
            if found.kind == "found":
                self.lookup = found
                self.show("cases")
            elif found.kind == "server_away":
                self.tell(lambda lang: t("server_away", lang, n=max(1, self.service.attempts)))
            else:
                self.tell(lambda lang: t("pickup_not_found" if found.kind == "not_found" else "pickup_unavailable", lang))

        self.spawn(run())

    def collect(self) -> None:
        """The pick-up ticket for the cases listed: printed (or shown) as any ticket."""
        assert self.lookup is not None
        who = dict(self.lookup.who)
        self.show("working")

        async def run() -> None:
            self.finish(await self.service.collect(who))

        self.spawn(run())

    # ------------------------------------------------------------------ help, card, scanner

    def ask_help(self) -> None:
        where = self.sm.current

        async def run() -> None:
            ok = await self.service.help(where)
            self.tell(lambda lang: t("help_sent" if ok else "help_failed", lang))
            if ok:
                self.say("say_help")

        self.spawn(run())

    def card_inserted(self, card: Any) -> None:
        """An ID card was read (hw.idcard.IdCard): keep what the ticket needs, show it masked.

        One action per placement: the same card read again without being lifted (the reader
        reports it again after a fault) only brings the messages up to date. On the confirm screen
        the ticket is taken at once for the chosen matter; on the guide screen too, unless the
        quote needs a look first (no window open, may not be served today: A2/A3), then the
        confirm screen shows it. At home an appointment is looked up by the card; otherwise the
        person chooses (the banner says the card was read)."""
        again = card.id_number == self.placed
        self.placed, self.reader = card.id_number, reader_state("card")
        if again:
            self.refresh_status()
            return
        self.card = {"id_number": card.id_number, "birth": card.birth_date, "masked_name": mask_name(card.name),
                     "masked_id": mask_id(card.id_number), "identity": card}
        self.card_seen_at = self.now()
        log.info("ID card read (%s)", self.card["masked_id"])
        if self.sm.current == "pickup":
            if not self.looking:
                self.look_up_cases(id_number=card.id_number)
            return
        if self.sm.current == "confirm" and self.matter is not None:
            self.take_ticket()
            return
        if self.sm.current == "offer" and self.category is not None:
            if self.green_card():  # 绿色通道: a ticket after all
                self.choose_category(self.category)
            else:  # the appointment will be kept under the card
                self.show("offer")
            return
        if self.sm.current == "guide" and self.matter is not None:
            self.spawn(self._card_on_guide(self.matter))
            self.refresh_status()
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

    async def _card_on_guide(self, matter: dict[str, Any]) -> None:
        estimate = await self.service.quote(matter["category"])
        if self.sm.current != "guide" or self.matter is not matter or self.card is None:
            return  # the person moved on meanwhile
        self.quote = (matter["category"], estimate)
        if quote_needs_a_look(estimate):
            self.show("confirm")
        else:
            self.take_ticket()

    def card_removed(self) -> None:
        """The reader reports no card (after a card, or after a fault): its data and messages go."""
        self.placed, self.reader = None, reader_state("removed")
        self.card = None
        self.refresh_status()

    def card_error(self, kind: str) -> None:
        """A reader fault (hw.idcard.error_kind): the banner follows it until the reader reports
        a card or no card again (logic.card_note); the details are in the log. A card that fails
        its check stops the person with a message; anything else leaves them working by touch."""
        state = reader_state(kind)
        if state != self.reader:
            log.warning("ID card reader: %s", kind)
        self.reader = state
        if state == "invalid":
            self.tell(lambda lang: t("card_invalid", lang))
            return
        self.refresh_status()

    def forget_card(self) -> None:
        if self.card is not None:
            self.card = None
            self.refresh_status()

    def code_scanned(self, code: str) -> None:
        """A notice's QR code (…/c/<token>) looks up that person's cases to collect, from any
        screen; a scanned appointment code checks the appointment in."""
        code = code.strip()
        token = case_token(code)
        if token is not None:
            self.look_up_cases(token=token)
            return
        if not code or len(code) > 16 or not code.isalnum():
            self.tell(lambda lang: t("scan_error", lang))
            return
        self.show("working")

        async def run() -> None:
            self.finish(await self.service.check_in(code=code))

        self.spawn(run())
