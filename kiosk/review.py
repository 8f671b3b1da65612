"""The window's review pad (评价器): a small Kivy touchscreen (800×480 or 1024×600) facing the citizen.

Import only after `kiosk.review_env.setup()`. The screen is a view of `review_flow.PadState`;
the rules (when to ask, one rating per service, timeouts, no queueing while the server is away)
live there as pure functions. This module is the edge: it turns touches, evaluator keys, stream
messages and server answers into inputs, and carries out the effects through `HallClient`.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import tempfile
import time
from collections.abc import Callable
from typing import Any

from kivy.app import App
from kivy.clock import Clock
from kivy.core.window import Window
from kivy.graphics import Color, Line, Rectangle
from kivy.uix.boxlayout import BoxLayout
from kivy.uix.button import Button
from kivy.uix.gridlayout import GridLayout
from kivy.uix.image import Image
from kivy.uix.label import Label
from kivy.uix.widget import Widget

from hallapi.client import ApiError, HallClient, ServerAway
from hw.evaluator import EvaluatorLink, KeyPress, Lights, Result

from . import review_flow as flow
from .review_texts import LEVEL_LINES, LEVELS, kind_label, reason_label, text

log = logging.getLogger("yimen.review")

BG = (0.96, 0.97, 0.99, 1)
HEADER = (0.09, 0.31, 0.62, 1)
INK = (0.10, 0.12, 0.18, 1)
MUTED = (0.40, 0.43, 0.50, 1)
WHITE = (1, 1, 1, 1)
LEVEL_BG = (0.13, 0.38, 0.70, 1)  # the same for all five levels: the pad never singles one out
LEVEL_DOWN = (0.07, 0.22, 0.45, 1)
REASON_BG = (1, 1, 1, 1)
REASON_ON = (0.13, 0.38, 0.70, 1)
PLAIN_BG = (0.85, 0.87, 0.91, 1)
DEFAULT_KEY_MAP = {1: 5, 2: 4, 3: 3, 4: 2, 5: 1}  # evaluator keys left→right: 非常满意 … 非常不满意
LIGHT_MODES = {"off": Lights.OFF, "open": Lights.OPEN, "thanks": Lights.THANKS, "error": Lights.ERROR}


def _paint(widget: Widget, rgba: tuple[float, ...], border: tuple[float, ...] | None = None) -> None:
    with widget.canvas.before:
        Color(*rgba)
        rect = Rectangle(pos=widget.pos, size=widget.size)
        if border:
            Color(*border)
            line = Line(rectangle=(*widget.pos, *widget.size), width=1.2)
    def follow(w: Widget, _v: Any) -> None:
        rect.pos, rect.size = w.pos, w.size
        if border:
            line.rectangle = (*w.pos, *w.size)
    widget.bind(pos=follow, size=follow)


def _label(txt: str, size: float, color: tuple[float, ...] = INK, halign: str = "center", bold: bool = False,
           **kw: Any) -> Label:
    lab = Label(text=txt, font_size=size, color=color, halign=halign, valign="middle", bold=bold, **kw)
    lab.bind(size=lambda w, v: setattr(w, "text_size", (v[0], None)))
    return lab


def _button(txt: str, size: float, bg: tuple[float, ...], fg: tuple[float, ...] = WHITE,
            down: tuple[float, ...] | None = None, **kw: Any) -> Button:
    btn = Button(text=txt, font_size=size, color=fg, background_normal="", background_down="",
                 background_color=bg, halign="center", valign="middle", **kw)
    btn.bind(size=lambda w, v: setattr(w, "text_size", (v[0] - 12, None)))
    if down is not None:
        btn.bind(state=lambda w, s: setattr(w, "background_color", down if s == "down" else bg))
    return btn


class ReviewPadApp(App):
    """The pad. `on_change(snapshot)` hears every change of what is shown (tests and logs use it)."""

    def __init__(self, window: int, client: HallClient, *, lang: str = "zh", timeout_s: float | None = None,
                 evaluator: EvaluatorLink | None = None, key_map: dict[int, int] | None = None,
                 thanks_s: float = flow.THANKS_S, notice_s: float = flow.NOTICE_S,
                 clock: Callable[[], float] = time.monotonic,
                 on_change: Callable[[dict[str, Any]], None] | None = None, **kw: Any):
        super().__init__(**kw)
        self.title = "Yimen review pad"
        self.client = client
        self.default_lang = self.lang = lang
        self.state = flow.PadState(window=window, timeout_s=timeout_s, thanks_s=thanks_s, notice_s=notice_s)
        self.evaluator = evaluator
        self.key_map = dict(key_map or DEFAULT_KEY_MAP)
        self.clock = clock
        self.on_change = on_change
        self.targets: dict[str, Widget] = {}
        self.light_mode = "off"
        self.posts = 0  # ratings sent by this pad (one request each, never retried)
        self.photo_path: str | None = None  # the signed-in clerk's photo, downloaded with the card
        self._photo_url: str | None = None
        self._tasks: set[asyncio.Task[Any]] = set()
        self._shown: tuple[Any, ...] | None = None

    # ------------------------------------------------------------ layout

    def build(self) -> Widget:
        Window.clearcolor = BG
        self.root_box = BoxLayout(orientation="vertical")
        self.header = BoxLayout(size_hint_y=0.13, padding=(16, 4))
        _paint(self.header, HEADER)
        self.body = BoxLayout(orientation="vertical", padding=(20, 10), spacing=10)
        self.footer = BoxLayout(size_hint_y=0.10, padding=(16, 4), spacing=10)
        for w in (self.header, self.body, self.footer):
            self.root_box.add_widget(w)
        self.render(force=True)
        return self.root_box

    @property
    def unit(self) -> float:
        """Font unit: a fortieth of the short side (12 px at 480, 15 px at 600)."""
        return min(Window.width, Window.height) / 40

    def t(self, key: str, **values: object) -> str:
        return text(self.lang, key, **values)

    def render(self, force: bool = False) -> None:
        s = self.state
        key = (s.screen, s.number, s.level, s.reasons, s.notice, s.online, s.card, self.lang, Window.size)
        if key == self._shown and not force:
            return
        self._shown = key
        self.targets = {}
        u = self.unit
        self.header.clear_widgets()
        card = s.card
        window_line = self.t("window", window=s.window)
        if card.get("window_name"):
            window_line += f"  {card['window_name']}"
        self.header.add_widget(_label(window_line, 2.6 * u, WHITE, halign="left", bold=True))
        self.header.add_widget(_label(self.t("title"), 2.2 * u, WHITE, halign="right", size_hint_x=0.45))

        self.body.clear_widgets()
        {flow.CARD: self._card, flow.LEVELS: self._levels, flow.REASONS: self._reasons,
         flow.SENDING: self._sending, flow.THANKS: self._thanks, flow.NOTICE: self._notice}[s.screen]()

        self.footer.clear_widgets()
        note = "" if s.online else self.t("offline")
        self.footer.add_widget(_label(note, 1.6 * u, MUTED, halign="left"))
        lang = _button(self.t("lang"), 1.7 * u, PLAIN_BG, INK, size_hint_x=0.22)
        lang.bind(on_release=lambda *_: self.switch_lang())
        self.targets["lang"] = lang
        self.footer.add_widget(lang)
        if self.on_change:
            Clock.schedule_once(lambda dt: self.on_change and self.on_change(self.snapshot()), 0)

    def _card(self) -> None:
        u, card = self.unit, self.state.card
        row = BoxLayout(spacing=24)
        photo = BoxLayout(size_hint_x=0.28)
        _paint(photo, PLAIN_BG, MUTED)
        if self.photo_path and card.get("photo_url"):
            photo.add_widget(Image(source=self.photo_path, nocache=True, fit_mode="contain"))
        else:
            photo.add_widget(_label(self.t("photo"), 2 * u, MUTED))
        row.add_widget(photo)
        info = BoxLayout(orientation="vertical", spacing=4)
        clerk = (card.get("clerk") or {}).get("display_name")
        info.add_widget(_label(self.t("clerk", name=clerk) if clerk else self.t("no_clerk"),
                               3.2 * u if clerk else 2.4 * u, INK, halign="left", bold=True))
        post = card.get("post") or card.get("kind_label")
        if post:
            info.add_widget(_label(self.t("post", post=kind_label(self.lang, post)), 2.2 * u, INK, halign="left"))
        if card.get("duties"):
            info.add_widget(_label(str(card["duties"]), 1.8 * u, MUTED, halign="left"))
        info.add_widget(_label(self.t("commitment_head"), 2.2 * u, HEADER, halign="left", bold=True))
        commitment = card.get("commitment") if self.lang == "zh" and card.get("commitment") else self.t("commitment")
        info.add_widget(_label(commitment, 2.0 * u, INK, halign="left"))
        phone = card.get("supervision_phone") or "12345"
        info.add_widget(_label(self.t("phone", phone=phone), 2.2 * u, INK, halign="left"))
        row.add_widget(info)
        self.body.add_widget(row)

    def _levels(self) -> None:
        u, s = self.unit, self.state
        self.body.add_widget(_label(self.t("ask"), 3.2 * u, INK, bold=True, size_hint_y=0.22))
        self.body.add_widget(_label(self.t("ask_number", number=s.number, window=s.window), 1.9 * u, MUTED,
                                    size_hint_y=0.1))
        row = BoxLayout(spacing=12, size_hint_y=0.68)
        size = (2.9 if self.lang == "zh" else 2.1) * u
        for level in flow.LEVEL_ORDER:
            btn = _button(LEVEL_LINES[self.lang][level], size, LEVEL_BG, WHITE, down=LEVEL_DOWN, bold=True)
            btn.bind(on_release=lambda _b, lv=level: self.tap_level(lv))
            self.targets[f"level-{level}"] = btn
            row.add_widget(btn)
        self.body.add_widget(row)

    def _reasons(self) -> None:
        u, s = self.unit, self.state
        self.body.add_widget(_label(f"{LEVELS[self.lang][s.level or 1]} · {self.t('reasons_ask')}", 2.5 * u, INK,
                                    bold=True, size_hint_y=0.18))
        reasons = flow.card_reasons(s)
        grid = GridLayout(cols=3 if len(reasons) > 4 else 2, spacing=10, size_hint_y=0.58)
        for reason in reasons:
            chosen = reason in s.reasons
            btn = _button(reason_label(self.lang, reason), 2.1 * u, REASON_ON if chosen else REASON_BG,
                          WHITE if chosen else INK)
            if not chosen:
                _paint(btn, REASON_BG, MUTED)
            btn.bind(on_release=lambda _b, r=reason: self.toggle_reason(r))
            self.targets[f"reason-{reason}"] = btn
            grid.add_widget(btn)
        self.body.add_widget(grid)
        row = BoxLayout(spacing=16, size_hint_y=0.24, padding=(0, 6, 0, 0))
        back = _button(self.t("back"), 2.2 * u, PLAIN_BG, INK, size_hint_x=0.35)
        back.bind(on_release=lambda *_: self.back())
        submit = _button(self.t("submit"), 2.4 * u, LEVEL_BG, WHITE, down=LEVEL_DOWN, bold=True)
        submit.bind(on_release=lambda *_: self.submit())
        self.targets["back"], self.targets["submit"] = back, submit
        row.add_widget(back)
        row.add_widget(submit)
        self.body.add_widget(row)

    def _sending(self) -> None:
        self.body.add_widget(_label(self.t("sending"), 3 * self.unit, MUTED))

    def _thanks(self) -> None:
        self.body.add_widget(_label(self.t("thanks"), 4.2 * self.unit, HEADER, bold=True))
        self.body.add_widget(_label(self.t("thanks_sub"), 2.2 * self.unit, MUTED))

    def _notice(self) -> None:
        u, s = self.unit, self.state
        phone = s.card.get("supervision_phone") or "12345"
        if s.notice == flow.ALREADY_RATED:
            self.body.add_widget(_label(self.t("already_rated"), 3 * u, INK))
        else:
            self.body.add_widget(_label(self.t("not_recorded"), 3.4 * u, INK, bold=True))
            self.body.add_widget(_label(self.t("not_recorded_sub", phone=phone), 2.2 * u, MUTED))

    # ------------------------------------------------------------ inputs

    def apply(self, result: tuple[flow.PadState, list[flow.Effect]] | flow.PadState) -> None:
        state, effects = result if isinstance(result, tuple) else (result, [])
        if state.screen == flow.CARD and self.state.screen != flow.CARD:
            self.lang = self.default_lang  # the next citizen starts in the hall's language
        self.state = state
        for effect in effects:
            self._spawn(self._post(effect) if isinstance(effect, flow.Post) else self._fetch_card())
        self._update_lights()
        self.render()

    def now(self) -> float:
        return self.clock()

    def tap_level(self, level: int, channel: str = "pad") -> None:
        self.apply(flow.tap_level(self.state, level, self.now(), channel))

    def toggle_reason(self, reason: str) -> None:
        self.apply(flow.toggle_reason(self.state, reason, self.now()))

    def back(self) -> None:
        self.apply(flow.back_to_levels(self.state, self.now()))

    def submit(self) -> None:
        self.apply(flow.submit_reasons(self.state, self.now()))

    def switch_lang(self) -> None:
        self.lang = "en" if self.lang == "zh" else "zh"
        self.apply(flow.touch(self.state, self.now()))
        self.render(force=True)

    def _tick(self, _dt: float) -> None:
        self.apply(flow.tick(self.state, self.now()))

    def on_press_key(self, press: KeyPress) -> Result:
        """An evaluator key: a level while the levels are open, otherwise ignored (and told so)."""
        level = self.key_map.get(press.key)
        if self.state.screen != flow.LEVELS or level is None:
            return Result.NOT_NOW
        self.apply(flow.tap_level(self.state, level, self.now(), channel="evaluator"))
        return Result.ACCEPTED

    def _update_lights(self) -> None:
        mode = flow.lights(self.state)
        if mode != self.light_mode:
            self.light_mode = mode
            if self.evaluator is not None:
                self.evaluator.set_lights(LIGHT_MODES[mode])

    # ------------------------------------------------------------ network (the edge)

    def _spawn(self, coro: Any) -> None:
        task = asyncio.get_event_loop().create_task(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _fetch_card(self) -> None:
        try:
            card = await self.client.staff_card(self.state.window)
        except ServerAway:
            self.apply(flow.on_disconnected(self.state))
            return
        except ApiError as exc:
            log.error("staff card refused: %s", exc)
            return
        await self._fetch_photo(card.get("photo_url"))
        self.apply(flow.on_card(self.state, card, self.now()))

    async def _fetch_photo(self, url: str | None) -> None:
        """Download the clerk's photo when the card names a new one (a failure keeps the placeholder)."""
        if url == self._photo_url:
            return
        self._photo_url, self.photo_path = url, None
        if not url:
            return
        try:
            data = await self.client.staff_photo(url)
        except (ServerAway, ApiError) as exc:
            log.warning("staff photo not loaded: %s", exc)
            self._photo_url = None
            return
        suffix = ".png" if data.startswith(b"\x89PNG") else ".jpg"
        with tempfile.NamedTemporaryFile(prefix="yimen-staff-", suffix=suffix, delete=False) as f:
            f.write(data)
        self.photo_path = f.name

    async def _post(self, post: flow.Post) -> None:
        self.posts += 1
        try:
            await self.client.rate(post.number, post.level, post.channel, list(post.reasons))
            outcome = flow.OK
        except ServerAway:
            outcome = flow.AWAY
        except ApiError as exc:
            outcome = flow.CONFLICT if exc.code == "already_rated" else flow.REFUSED
            log.warning("rating of %s not accepted: %s", post.number, exc)
        self.apply(flow.on_posted(self.state, outcome, self.now()))

    async def _stream(self) -> None:
        # A fresh snapshot on every connection (no catch-up): see HallClient.events(resume=False).
        async for message in self.client.events(10.0, markers=True, resume=False):
            if message.get("kind") == "disconnected":
                if self.state.online:
                    log.warning("lost the queue server at %s", self.client.base_url)
                self.apply(flow.on_disconnected(self.state))
            else:
                if message.get("kind") == "snapshot":
                    log.info("connected to %s (seq %s)", self.client.base_url, message.get("seq"))
                self.apply(flow.on_message(self.state, message, self.now()))

    async def _evaluator_loop(self) -> None:
        assert self.evaluator is not None
        async for press in self.evaluator.presses():
            self.evaluator.ack(press, self.on_press_key(press))

    def on_start(self) -> None:
        self._spawn(self._stream())
        if self.evaluator is not None:
            self.evaluator.set_lights(Lights.OFF)
            self._spawn(self._evaluator_loop())
        Clock.schedule_interval(self._tick, 0.25)

    def on_stop(self) -> None:
        for task in list(self._tasks):
            task.cancel()
        if self.evaluator is not None:
            self.evaluator.stop()

    # ------------------------------------------------------------ what is shown (for tests and logs)

    def snapshot(self) -> dict[str, Any]:
        s = self.state
        levels = [{"level": int(k.split("-")[1]), "text": w.text, "bg": list(w.background_color), "state": w.state}
                  for k, w in self.targets.items() if k.startswith("level-")]
        reasons = [{"reason": k[7:], "text": w.text, "bg": list(w.background_color)}
                   for k, w in self.targets.items() if k.startswith("reason-")]
        texts = [w.text for w in self.root_box.walk() if isinstance(w, Label) and w.text]
        return {"screen": s.screen, "number": s.number, "level": s.level, "reasons": list(s.reasons),
                "notice": s.notice, "online": s.online, "lang": self.lang, "lights": self.light_mode,
                "posts": self.posts, "levels": levels, "reason_buttons": reasons, "texts": texts,
                "targets": sorted(self.targets), "size": list(Window.size), "photo": self.photo_path is not None}


async def run(window: int, server: str, token: str | None, *, lang: str = "zh", timeout_s: float | None = None,
              evaluator: EvaluatorLink | None = None, key_map: dict[int, int] | None = None) -> None:
    """Run the pad until its window is closed."""
    async with HallClient(server, token) as client:
        app = ReviewPadApp(window, client, lang=lang, timeout_s=timeout_s, evaluator=evaluator, key_map=key_map)
        with contextlib.suppress(asyncio.CancelledError):
            await app.async_run(async_lib="asyncio")
