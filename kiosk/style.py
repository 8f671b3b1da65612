"""Sizes and colours of the kiosk in standard and elderly (长辈) mode, and the contrast rule they meet
(`contrast`, the WCAG ratio of ui/colour.py that every screen shares).

Font sizes are pixels (the elderly rule is "main text ≥ 30 px-equivalent"); target heights are dp
(the rule is "≥ 60 dp"). Colours are chosen for ≥ 4.5:1 contrast (WCAG AA), checked by a test.
"""

from __future__ import annotations

from dataclasses import dataclass

# the screens and their tests measure with the rule every screen shares
from ui.colour import contrast as contrast


@dataclass(frozen=True)
class Style:
    body: int  # main text, px
    small: int  # secondary text, px
    title: int
    big: int  # the result screen's lines
    number: int  # the ticket number on the result screen
    button_h: int  # dp
    tile_h: int  # dp
    tile_min_h: int  # dp, the least a tile may shrink to when a page of tiles shares the space
    key_h: int  # dp, search letter keys


NORMAL = Style(body=26, small=22, title=36, big=44, number=180, button_h=72, tile_h=170, tile_min_h=120, key_h=64)
ELDERLY = Style(body=38, small=32, title=50, big=60, number=240, button_h=120, tile_h=240, tile_min_h=160, key_h=96)

# RGBA 0..1
BG = (1.0, 1.0, 1.0, 1.0)
TEXT = (0.07, 0.07, 0.07, 1.0)
TILE = (0.04, 0.30, 0.60, 1.0)  # deep blue, white text
TILE_TEXT = (1.0, 1.0, 1.0, 1.0)
BUTTON = (0.20, 0.20, 0.20, 1.0)  # dark grey, white text
HELP = (0.70, 0.07, 0.07, 1.0)  # red, white text
OK = (0.0, 0.40, 0.15, 1.0)  # green, white text
BANNER = (0.55, 0.05, 0.05, 1.0)  # server/printer trouble, white text
BAR = (0.92, 0.94, 0.97, 1.0)  # top/bottom bars, dark text
WARN = (0.62, 0.0, 0.0, 1.0)  # warnings on the page (may not be served today), on BG
DISABLED = (0.82, 0.83, 0.85, 1.0)  # a button that cannot be used now (server away, no printer)
DISABLED_TEXT = (0.22, 0.22, 0.22, 1.0)
HINT = (0.36, 0.36, 0.36, 1.0)  # a text field's hint; fields are BAR-coloured boxes

PAIRS = {  # (foreground, background) pairs the screens use; tests also check the live widgets
    "text": (TEXT, BG), "tile": (TILE_TEXT, TILE), "button": (TILE_TEXT, BUTTON), "help": (TILE_TEXT, HELP),
    "ok": (TILE_TEXT, OK), "banner": (TILE_TEXT, BANNER), "bar": (TEXT, BAR), "warn": (WARN, BG),
    "disabled": (DISABLED_TEXT, DISABLED), "hint": (HINT, BAR), "field": (TEXT, BAR),
}
