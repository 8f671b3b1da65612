"""Kivy set-up for the review pad, done before anything imports kivy.core.window."""

from __future__ import annotations

from pathlib import Path

from ui.kivy_env import parse_size as parse_any_size
from ui.kivy_env import setup_window

SIZES = {"800x480": (800, 480), "1024x600": (1024, 600)}  # the two common pad panels


def parse_size(text: str) -> tuple[int, int]:
    return SIZES.get(text) or parse_any_size(text)


def setup(size: tuple[int, int] = SIZES["800x480"], fullscreen: bool = False, home: str | Path | None = None,
          headless: bool | None = None) -> None:
    """A public pad never exits on Escape."""
    setup_window(size, fullscreen, home, headless)
