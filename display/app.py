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
from typing import Any

from kivy.app import App
from kivy.clock import Clock
from kivy.core.window import Window
from kivy.graphics import Color, Rectangle
from kivy.uix.boxlayout import BoxLayout
from kivy.uix.gridlayout import GridLayout
from kivy.uix.label import Label
from kivy.uix.stencilview import StencilView
from kivy.uix.widget import Widget

from .model import TEXTS, DisplayState, apply, call_text, clock_text, queue_line, window_line

BG = (0.04, 0.09, 0.20, 1)
PANEL = (0.08, 0.15, 0.30, 1)
CALL_BG = (0.70, 0.06, 0.06, 1)
CALL_FLASH = (0.98, 0.72, 0.05, 1)
WHITE = (1, 1, 1, 1)
SERVING = (0.35, 1.0, 0.45, 1)
IDLE = (0.70, 0.75, 0.85, 1)
PAUSED = (1.0, 0.70, 0.15, 1)
DIM = 0.35
FLASHES = 6  # half-periods: three visible blinks
FLASH_S = 0.35


def _paint(widget: Widget, rgba: tuple[float, ...]) -> Color:
    """A solid background that follows the widget; returns the Color to change it later."""
    with widget.canvas.before:
        color = Color(*rgba)
        rect = Rectangle(pos=widget.pos, size=widget.size)
    widget.bind(pos=lambda w, v: setattr(rect, "pos", v), size=lambda w, v: setattr(rect, "size", v))
    return color


def _label(text: str = "", size: float = 40, color: tuple[float, ...] = WHITE, halign: str = "center",
           bold: bool = False, **kw: Any) -> Label:
    lab = Label(text=text, font_size=size, color=color, halign=halign, valign="middle", bold=bold,
                shorten=True, shorten_from="right", **kw)
    lab.bind(size=lambda w, v: setattr(w, "text_size", v))
    return lab


class Ticker(StencilView):
    """The manager's notice, scrolling right to left; hidden when empty."""

    def __init__(self, font_size: float, **kw: Any):
        super().__init__(**kw)
        self.label = Label(text="", font_size=font_size, color=PAUSED, size_hint=(None, None), halign="left")
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
        _paint(self, PANEL)
        left = BoxLayout(orientation="vertical", size_hint_x=0.45)
        self.title = _label(size=46 * u, bold=True, halign="left")
        self.name = _label(size=28 * u, color=IDLE, halign="left")
        left.add_widget(self.title)
        left.add_widget(self.name)
        self.add_widget(left)
        self.value = _label(size=88 * u, bold=True, halign="right", size_hint_x=0.55)
        self.add_widget(self.value)
        self.u = u
        self.look = ""

    def show(self, window: dict[str, Any], lang: str) -> None:
        text, look = window_line(window, lang)
        self.title.text = TEXTS[lang]["window"].format(n=window["number"])
        self.name.text = window.get("name", "") if lang == "zh" else ""
        self.value.text = text
        self.value.color = {"serving": SERVING, "paused": PAUSED}.get(look, IDLE)
        self.value.font_size = (88 if look == "serving" else 52) * self.u
        self.opacity = DIM if look == "closed" else 1
        self.look = look


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

        header = BoxLayout(size_hint_y=None, height=110 * u, spacing=20 * u)
        big = 46 if self.portrait else 58
        self.hall_label = _label(size=big * u, halign="left", bold=True, size_hint_x=1.3 if self.portrait else 1)
        self.offline_label = _label(TEXTS[self.lang]["disconnected"], size=26 * u, color=(1, 0.55, 0.5, 1),
                                    size_hint_x=0.35 if self.portrait else 0.5)
        self.offline_label.opacity = 0
        when = BoxLayout(orientation="vertical", size_hint_x=0.6 if self.portrait else 0.45)
        self.date_label = _label(size=(26 if self.portrait else 34) * u, halign="right", color=IDLE)
        self.clock_label = _label(size=big * u, halign="right", bold=True)
        when.add_widget(self.date_label)
        when.add_widget(self.clock_label)
        header.add_widget(self.hall_label)
        header.add_widget(self.offline_label)
        header.add_widget(when)
        root.add_widget(header)

        self.call_panel = BoxLayout(orientation="vertical", padding=10 * u)
        self.call_color = _paint(self.call_panel, CALL_BG)
        self.call_tag = _label(size=50 * u, color=(1, 1, 1, 0.9), size_hint_y=0.15)
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
        self.queue_grid = GridLayout(cols=2, spacing=(20 * u, 4 * u))
        self.queue_labels: list[Label] = []

        if self.portrait:
            self.call_panel.size_hint_y = 0.30
            root.add_widget(self.call_panel)
            self.windows_grid.size_hint_y = 0.34
            root.add_widget(self.windows_grid)
            bottom = BoxLayout(size_hint_y=0.26, spacing=20 * u)
            q = BoxLayout(orientation="vertical")
            q.add_widget(self.queue_title)
            self.queue_grid.cols = 1
            q.add_widget(self.queue_grid)
            bottom.add_widget(self.recent_box)
            bottom.add_widget(q)
            root.add_widget(bottom)
        else:
            body = BoxLayout(spacing=16 * u)
            left = BoxLayout(orientation="vertical", size_hint_x=0.46, spacing=12 * u)
            self.call_panel.size_hint_y = 0.7
            left.add_widget(self.call_panel)
            left.add_widget(self.recent_box)
            right = BoxLayout(orientation="vertical", spacing=8 * u)
            self.windows_grid.size_hint_y = 0.66
            self.queue_grid.size_hint_y = 0.34 - 50 * u / 840
            right.add_widget(self.windows_grid)
            right.add_widget(self.queue_title)
            right.add_widget(self.queue_grid)
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
        if latest is None:
            self.call_tag.text, self.call_number.text, self.call_window.text = "", "", t["no_call"]
        else:
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
        lines = [queue_line(q, self.lang) for q in s.queues]
        if len(lines) != len(self.queue_labels):
            self.queue_grid.clear_widgets()
            self.queue_labels = [_label(size=34 * u, halign="left") for _ in lines]
            for lab in self.queue_labels:
                self.queue_grid.add_widget(lab)
        for lab, line, q in zip(self.queue_labels, lines, s.queues, strict=True):
            lab.text = line
            lab.color = WHITE if q.get("waiting") else IDLE
        self.ticker.set_text(s.notice)
        if s.flash_id != self._flash_seen:
            self._flash_seen = s.flash_id
            self._flash_left = FLASHES
            Clock.unschedule(self._blink)
            Clock.schedule_interval(self._blink, FLASH_S)
            self._blink(0)

    def _blink(self, dt: float) -> bool:
        if self._flash_left <= 0:
            self.call_color.rgba = CALL_BG
            return False
        self.call_color.rgba = CALL_FLASH if self._flash_left % 2 == 0 else CALL_BG
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
            "windows": {n: {"title": t.title.text, "value": t.value.text, "look": t.look, "opacity": t.opacity}
                        for n, t in self.tiles.items()},
            "recent": [lab.text for lab in self.recent_labels],
            "queues": [lab.text for lab in self.queue_labels],
            "notice": self.ticker.label.text if self.ticker.opacity else "",
            "date": self.date_label.text, "clock": self.clock_label.text,
            "size": list(Window.size), "portrait": self.portrait, "seq": self.state.seq,
            "replayed": self.state.replayed,
        }


async def run_app(app: DisplayApp, messages: AsyncIterator[dict[str, Any]]) -> None:
    """Run the Kivy app and the stream side by side in one asyncio loop; stop both together."""
    feeder = asyncio.ensure_future(app.feed(messages))
    try:
        await app.async_run(async_lib="asyncio")
    finally:
        feeder.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await feeder
