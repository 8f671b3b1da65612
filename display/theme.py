"""The hall display's colours, and the contrast every text on it must meet. Pure: no Kivy.

Every text state is readable: at least 4.5:1 (WCAG AA) against what it is drawn on, including the
moment people look up — the new-call flash, where the panel turns amber and its text turns dark.
The ratio is the shared WCAG function (`ui.colour.contrast`), so every screen measures alike;
`over` adds what a screen needs on top: a colour drawn with transparency over another.
"""

from __future__ import annotations

from ui.colour import contrast

RGBA = tuple[float, float, float, float]

MIN_CONTRAST = 4.5

BG: RGBA = (0.04, 0.09, 0.20, 1)  # the screen
PANEL: RGBA = (0.08, 0.15, 0.30, 1)  # a window's tile
CLOSED_PANEL: RGBA = (0.06, 0.11, 0.22, 1)  # a closed window's tile: darker, so it reads as "off"
CALL_BG: RGBA = (0.70, 0.06, 0.06, 1)  # the latest call, red
CALL_FLASH: RGBA = (0.98, 0.72, 0.05, 1)  # … flashing amber when it is new
CALL_FLASH_TEXT: RGBA = (0.10, 0.06, 0.0, 1)  # dark text while it is amber (white on amber was 1.77:1)
WHITE: RGBA = (1, 1, 1, 1)
SERVING: RGBA = (0.35, 1.0, 0.45, 1)  # a window's current ticket
IDLE: RGBA = (0.70, 0.75, 0.85, 1)  # secondary text: names, headings, 等候叫号, nobody waiting
PAUSED: RGBA = (1.0, 0.70, 0.15, 1)  # 暂停服务, the notice, and warnings (暂无窗口办理, 今日可能办理不完)
CLOSED_TEXT: RGBA = (0.60, 0.64, 0.72, 1)  # 未开放: dimmer than IDLE, still readable
OFFLINE: RGBA = (1, 0.55, 0.5, 1)  # 连接中断

# Every (text, background) pair the screen draws, by what it is for (the Kivy test also checks
# every label actually on screen, in every state).
PAIRS: dict[str, tuple[RGBA, RGBA]] = {
    "hall, clock, recent calls, waiting categories": (WHITE, BG),
    "headings, date, nobody waiting": (IDLE, BG),
    "notice, warnings": (PAUSED, BG),
    "offline": (OFFLINE, BG),
    "latest call": (WHITE, CALL_BG),
    "latest call, flashing": (CALL_FLASH_TEXT, CALL_FLASH),
    "window title": (WHITE, PANEL),
    "window name, waiting": (IDLE, PANEL),
    "window serving": (SERVING, PANEL),
    "window paused": (PAUSED, PANEL),
    "window closed": (CLOSED_TEXT, CLOSED_PANEL),
}


def over(top: tuple[float, ...], below: tuple[float, ...], alpha: float | None = None) -> RGBA:
    """`top` drawn with opacity `alpha` (default: its own alpha) over the opaque colour `below`."""
    a = top[3] if alpha is None and len(top) > 3 else (1.0 if alpha is None else alpha)
    r, g, b = (a * t + (1 - a) * u for t, u in zip(top[:3], below[:3], strict=True))
    return (r, g, b, 1.0)


def ratio(fg: tuple[float, ...], bg: tuple[float, ...]) -> float:
    """The contrast of `fg` (its alpha applied) over the opaque `bg`."""
    return contrast(over(fg, bg), bg)
