"""The hall display (叫号大屏): Kivy, landscape or portrait, sized to be read from 10 m.

Import only after `display.kivyrun.setup()`. The screen is a view of `display.model.DisplayState`;
everything it shows comes from the public event stream (numbers, windows, counts — no names).
Sizes are fractions of the screen's short side, so 1080 px gives a 230 px ticket number.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator, Callable
from typing import Any, ClassVar

from kivy.app import App
from kivy.clock import Clock
from kivy.core.text import Label as CoreLabel
from kivy.core.window import Window
from kivy.graphics import Color, Rectangle
from kivy.uix.boxlayout import BoxLayout
from kivy.uix.gridlayout import GridLayout
from kivy.uix.label import Label
from kivy.uix.stencilview import StencilView
from kivy.uix.widget import Widget

from .model import TEXTS, DisplayState, apply, call_text, clock_text, queue_row, window_line
from .theme import (
    BG,
    CALL_BG,
    CALL_FLASH,
    CALL_FLASH_TEXT,
    CLOSED_PANEL,
    CLOSED_TEXT,
    IDLE,
    OFFLINE,
    PANEL,
    PAUSED,
    SERVING,
    WHITE,
    over,
    ratio,
)

FLASHES = 6  # half-periods: three visible blinks
FLASH_S = 0.35


def _paint(widget: Widget, rgba: tuple[float, ...]) -> Color:
    """A solid background that follows the widget; returns the Color to change it later (and
    keeps it as `widget.paint`, so a test can tell what each text is drawn on)."""
    with widget.canvas.before:
        color = Color(*rgba)
        rect = Rectangle(pos=widget.pos, size=widget.size)
    widget.bind(pos=lambda w, v: setattr(rect, "pos", v), size=lambda w, v: setattr(rect, "size", v))
    widget.paint = color  # type: ignore[attr-defined]
    return color


class FitLabel(Label):
    """A label that never cuts its text ("约14–8…"): when the text does not fit its box at the
    design size, the font shrinks until it does."""

    def __init__(self, size: float, **kw: Any):
        super().__init__(font_size=size, **kw)
        self.base_size = size
        self.bind(size=self._fit, text=self._fit)

    def set_base(self, size: float) -> None:
        if size != self.base_size:
            self.base_size = size
            self._fit()

    def natural_size(self, font_size: float | None = None) -> tuple[int, int]:
        """The whole text on one line at `font_size` (default: the size shown)."""
        core = CoreLabel(font_size=font_size or self.font_size, bold=self.bold, font_name=self.font_name)
        return core.get_extents(self.text)

    def _fit(self, *_: Any) -> None:
        self.text_size = self.size  # for halign/valign; the text always fits, so it never wraps
        room_w, room_h = self.width - 2 * self.padding_x - 2, self.height - 2 * self.padding_y
        size = self.base_size
        if self.text and room_w > 0 and room_h > 0:
            w, h = self.natural_size(size)
            if w > room_w or h > room_h:
                size = size * min(room_w / w, room_h / h)
                while size > 6 and any(a > b for a, b in zip(self.natural_size(size), (room_w, room_h), strict=True)):
                    size *= 0.96
        self.font_size = size


def _label(text: str = "", size: float = 40, color: tuple[float, ...] = WHITE, halign: str = "center",
           bold: bool = False, **kw: Any) -> FitLabel:
    return FitLabel(size, text=text, color=color, halign=halign, valign="middle", bold=bold, **kw)


class Ticker(StencilView):
    """The manager's notice, scrolling right to left; hidden when empty."""

    def __init__(self, font_size: float, **kw: Any):
        super().__init__(**kw)
        self.label = Label(text="", font_size=font_size, color=PAUSED, size_hint=(None, None), halign="left")
        self.label.scrolls = True  # wider than the screen on purpose: it scrolls, it is not cut
        self.label.bind(texture_size=lambda w, v: setattr(w, "size", v))
        self.add_widget(self.label)
        self.speed = font_size * 3  # px per second: about three characters a second
        self.label.x = 0

    def set_text(self, text: str) -> None:
        if text != self.label.text:
            self.label.text = text
            self.label.x = self.right
        self.opacity = 1 if text else 0

    def step(self, dt: float) -> None:
        if not self.label.text:
            return
        self.label.center_y = self.center_y
        self.label.x -= self.speed * dt
        if self.label.right < self.x:
            self.label.x = self.right


class WindowTile(BoxLayout):
    """One window: its number and name on the left, what it is doing on the right, large."""

    def __init__(self, u: float, **kw: Any):
        super().__init__(orientation="horizontal", padding=(14 * u, 4 * u), spacing=10 * u, **kw)
        self.panel = _paint(self, PANEL)
        left = BoxLayout(orientation="vertical", size_hint_x=0.45)
        self.title = _label(size=46 * u, bold=True, halign="left", size_hint_y=0.6)
        self.name = _label(size=28 * u, color=IDLE, halign="left", size_hint_y=0.4)
        left.add_widget(self.title)
        left.add_widget(self.name)
        self.add_widget(left)
        self.value = _label(size=80 * u, bold=True, halign="right", size_hint_x=0.55)
        self.add_widget(self.value)
        self.u = u
        self.look = ""

    def show(self, window: dict[str, Any], lang: str) -> None:
        """A closed window is drawn darker with dimmer text (not made transparent: 未开放 must still
        be readable, 4.5:1)."""
        text, look = window_line(window, lang)
        closed = look == "closed"
        self.title.text = TEXTS[lang]["window"].format(n=window["number"])
        self.name.text = window.get("name", "") if lang == "zh" else ""
        self.value.text = text
        self.value.color = {"serving": SERVING, "paused": PAUSED, "closed": CLOSED_TEXT}.get(look, IDLE)
        self.value.set_base((80 if look == "serving" else 52) * self.u)
        self.title.color = CLOSED_TEXT if closed else WHITE
        self.name.color = CLOSED_TEXT if closed else IDLE
        self.panel.rgba = CLOSED_PANEL if closed else PANEL
        self.look = look


class QueueRow(BoxLayout):
    """One category: its name, the people waiting, and what a ticket taken now can expect."""

    COLOURS: ClassVar[dict[str, tuple[float, ...]]] = {"waiting": WHITE, "empty": IDLE, "warn": PAUSED}

    def __init__(self, u: float, **kw: Any):
        super().__init__(orientation="horizontal", spacing=12 * u, **kw)
        self.name = _label(size=34 * u, halign="left", size_hint_x=0.56)
        self.count = _label(size=34 * u, halign="right", size_hint_x=0.13)
        self.expect = _label(size=34 * u, halign="right", size_hint_x=0.31)
        for lab in (self.name, self.count, self.expect):
            self.add_widget(lab)

    def show(self, queue: dict[str, Any], lang: str) -> None:
        name, count, expect, look = queue_row(queue, lang)
        self.name.text, self.count.text, self.expect.text = name, count, expect
        self.name.color = self.count.color = IDLE if look == "empty" else WHITE
        self.expect.color = self.COLOURS[look]

    @property
    def line(self) -> str:
        return "  ".join(t for t in (self.name.text, self.count.text, self.expect.text) if t)


class DisplayApp(App):
    """The screen. Feed it stream messages with `feed()`; `on_update` is called after each change."""

    def __init__(self, lang: str = "zh", portrait: bool | None = None, now: Callable[[], float] = time.time,
                 on_update: Callable[[DisplayApp, dict[str, Any]], None] | None = None, **kw: Any):
        super().__init__(**kw)
        self.lang = lang
        self.portrait = portrait
        self.now = now
        self.on_update = on_update
        self.state = DisplayState()
        self.title = "Yimen hall display"
        self._flash_seen = 0
        self._flash_left = 0
        self.tiles: dict[int, WindowTile] = {}

    # ------------------------------------------------------------------ layout

    def build(self) -> Widget:
        Window.clearcolor = BG
        w, h = Window.size
        if self.portrait is None:
            self.portrait = h > w
        u = min(w, h) / 1080
        self.u = u
        root = BoxLayout(orientation="vertical", padding=16 * u, spacing=12 * u)

        header = BoxLayout(size_hint_y=None, height=120 * u, spacing=20 * u)
        big = 46 if self.portrait else 58
        self.hall_label = _label(size=big * u, halign="left", bold=True, size_hint_x=1.1 if self.portrait else 1)
        self.offline_label = _label(TEXTS[self.lang]["disconnected"], size=26 * u, color=OFFLINE,
                                    size_hint_x=0.5)
        self.offline_label.opacity = 0
        when = BoxLayout(orientation="vertical", size_hint_x=0.6 if self.portrait else 0.45)
        self.date_label = _label(size=(26 if self.portrait else 34) * u, halign="right", color=IDLE, size_hint_y=0.4)
        self.clock_label = _label(size=big * u, halign="right", bold=True, size_hint_y=0.6)
        when.add_widget(self.date_label)
        when.add_widget(self.clock_label)
        header.add_widget(self.hall_label)
        header.add_widget(self.offline_label)
        header.add_widget(when)
        root.add_widget(header)

        self.call_panel = BoxLayout(orientation="vertical", padding=10 * u)
        self.call_color = _paint(self.call_panel, CALL_BG)
        self.call_tag = _label(size=50 * u, size_hint_y=0.15)
        self.call_number = _label(size=210 * u, bold=True, size_hint_y=0.52)
        self.call_window = _label(size=100 * u, bold=True, size_hint_y=0.33)
        for lab in (self.call_tag, self.call_number, self.call_window):
            self.call_panel.add_widget(lab)

        self.recent_box = BoxLayout(orientation="vertical", spacing=4 * u)
        self.recent_title = _label(TEXTS[self.lang]["recent"], size=36 * u, color=IDLE, halign="left",
                                   size_hint_y=None, height=50 * u)
        self.recent_box.add_widget(self.recent_title)
        self.recent_labels = [_label(size=46 * u, halign="left") for _ in range(4)]
        for lab in self.recent_labels:
            self.recent_box.add_widget(lab)

        self.windows_grid = GridLayout(cols=2, spacing=10 * u)
        self.queue_title = _label(TEXTS[self.lang]["waiting"], size=36 * u, color=IDLE, halign="left",
                                  size_hint_y=None, height=50 * u)
        # One row per category across the whole column: the name, the count and the expectation
        # each keep their own room (two to a row cut 「约14–82分钟」 at 1920×1080).
        self.queue_box = BoxLayout(orientation="vertical", spacing=2 * u)
        self.queue_rows: list[QueueRow] = []

        if self.portrait:
            for widget, share in ((self.call_panel, 0.27), (self.windows_grid, 0.31), (self.recent_box, 0.17)):
                widget.size_hint_y = share
                root.add_widget(widget)
            root.add_widget(self.queue_title)
            self.queue_box.size_hint_y = 0.25
            root.add_widget(self.queue_box)
        else:
            body = BoxLayout(spacing=16 * u)
            left = BoxLayout(orientation="vertical", size_hint_x=0.46, spacing=12 * u)
            self.call_panel.size_hint_y = 0.62
            self.recent_box.size_hint_y = 0.38
            left.add_widget(self.call_panel)
            left.add_widget(self.recent_box)
            right = BoxLayout(orientation="vertical", spacing=8 * u)
            self.windows_grid.size_hint_y = 0.58
            self.queue_box.size_hint_y = 0.42
            right.add_widget(self.windows_grid)
            right.add_widget(self.queue_title)
            right.add_widget(self.queue_box)
            body.add_widget(left)
            body.add_widget(right)
            root.add_widget(body)

        self.ticker = Ticker(font_size=48 * u, size_hint_y=None, height=76 * u)
        root.add_widget(self.ticker)
        self.refresh()
        self.tick_clock(0)
        Clock.schedule_interval(self.tick_clock, 1.0)
        Clock.schedule_interval(self.ticker.step, 1 / 30)
        return root

    # ------------------------------------------------------------------ state → widgets

    def tick_clock(self, dt: float) -> None:
        date, clock = clock_text(self.now(), self.lang)
        self.date_label.text, self.clock_label.text = date, clock

    def refresh(self) -> None:
        s, t, u = self.state, TEXTS[self.lang], self.u
        self.hall_label.text = s.hall_name_en if self.lang == "en" and s.hall_name_en else s.hall_name
        self.offline_label.opacity = 0 if s.connected else 1
        latest = s.latest
        if latest is None:  # 请留意叫号, in the middle of the panel
            self.call_tag.text, self.call_number.text, self.call_window.text = "", t["no_call"], ""
            self.call_number.set_base(64 * u)
        else:
            self.call_number.set_base(210 * u)
            tag = t["recall"] if latest.recall else t["please"]
            self.call_tag.text = f"{tag} {latest.name}".strip() if latest.name else tag
            self.call_number.text = latest.number
            self.call_window.text = t["go_window"].format(n=latest.window)
        for lab, call in zip(self.recent_labels, s.recent[1:] + [None] * len(self.recent_labels), strict=False):
            lab.text = call_text(call, self.lang) if call else ""
        numbers = [w["number"] for w in s.windows]
        if numbers != list(self.tiles):
            self.windows_grid.clear_widgets()
            self.tiles = {n: WindowTile(u) for n in numbers}
            for tile in self.tiles.values():
                self.windows_grid.add_widget(tile)
            self.windows_grid.cols = 2 if len(numbers) <= 8 or self.portrait else 3
        for w in s.windows:
            self.tiles[w["number"]].show(w, self.lang)
        if len(s.queues) != len(self.queue_rows):
            self.queue_box.clear_widgets()
            self.queue_rows = [QueueRow(u) for _ in s.queues]
            for row in self.queue_rows:
                self.queue_box.add_widget(row)
        for row, q in zip(self.queue_rows, s.queues, strict=True):
            row.show(q, self.lang)
        self.ticker.set_text(s.notice)
        if s.flash_id != self._flash_seen:
            self._flash_seen = s.flash_id
            self._flash_left = FLASHES
            Clock.unschedule(self._blink)
            Clock.schedule_interval(self._blink, FLASH_S)
            self._blink(0)

    def _blink(self, dt: float) -> bool:
        """Amber with dark text, red with white text, three times; then red."""
        on = self._flash_left > 0 and self._flash_left % 2 == 0
        self.call_color.rgba = CALL_FLASH if on else CALL_BG
        for lab in (self.call_tag, self.call_number, self.call_window):
            lab.color = CALL_FLASH_TEXT if on else WHITE
        if self._flash_left <= 0:
            return False
        self._flash_left -= 1
        return True

    @property
    def flashing(self) -> bool:
        return self._flash_left > 0

    def feed_one(self, message: dict[str, Any]) -> bool:
        changed = apply(self.state, message)
        if changed and self.root is not None:
            self.refresh()
        if self.on_update is not None:
            self.on_update(self, message)
        return changed

    async def feed(self, messages: AsyncIterator[dict[str, Any]]) -> None:
        async for message in messages:
            self.feed_one(message)

    def widget_state(self) -> dict[str, Any]:
        """What a person sees, as data: for tests and `--dump`."""
        return {
            "hall": self.hall_label.text, "offline_shown": self.offline_label.opacity > 0,
            "call": {"tag": self.call_tag.text, "number": self.call_number.text, "window": self.call_window.text},
            "flashing": self.flashing, "flash_id": self.state.flash_id,
            "windows": {n: {"title": t.title.text, "value": t.value.text, "look": t.look}
                        for n, t in self.tiles.items()},
            "recent": [lab.text for lab in self.recent_labels],
            "queues": [row.line for row in self.queue_rows],
            "notice": self.ticker.label.text if self.ticker.opacity else "",
            "date": self.date_label.text, "clock": self.clock_label.text,
            "size": list(Window.size), "portrait": self.portrait, "seq": self.state.seq,
            "replayed": self.state.replayed,
        }


def texts_on_screen(root: Widget) -> list[dict[str, Any]]:
    """Every text a person can see, with what it is drawn on: its size against its box (is it
    whole?) and its colour against the colour behind it, opacity applied (is it readable?).
    For tests and `--dump`."""
    out = []

    def walk(widget: Widget, below: tuple[float, ...], opacity: float) -> None:
        opacity *= widget.opacity
        paint = getattr(widget, "paint", None)
        if paint is not None:
            below = over(paint.rgba, below, paint.rgba[3] * opacity)
        if isinstance(widget, Label) and widget.text and opacity > 0:
            fg = over(widget.color, below, widget.color[3] * opacity)
            whole = widget.natural_size() if isinstance(widget, FitLabel) else widget.texture_size
            out.append({"text": widget.text, "font_size": round(float(widget.font_size), 1),
                        "scale": round(float(widget.font_size) / widget.base_size, 3) if isinstance(widget, FitLabel) else 1.0,
                        "box": [round(widget.width), round(widget.height)], "whole": list(whole),
                        "scrolls": getattr(widget, "scrolls", False), "shorten": bool(widget.shorten),
                        "contrast": round(ratio(fg, below), 2)})
        for child in widget.children:
            walk(child, below, opacity)

    walk(root, tuple(Window.clearcolor), 1.0)
    return out


async def run_app(app: DisplayApp, messages: AsyncIterator[dict[str, Any]]) -> None:
    """Run the Kivy app and the stream side by side in one asyncio loop; stop both together."""
    feeder = asyncio.ensure_future(app.feed(messages))
    try:
        await app.async_run(async_lib="asyncio")
    finally:
        feeder.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await feeder
