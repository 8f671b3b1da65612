"""Kivy set-up for the hall display, done before anything imports kivy.core.window."""

from __future__ import annotations

from pathlib import Path

from ui.kivy_env import setup_window

LANDSCAPE = (1920, 1080)
PORTRAIT = (1080, 1920)


def setup(size: tuple[int, int] = LANDSCAPE, fullscreen: bool = False, home: str | Path | None = None,
          headless: bool | None = None) -> None:
    """A hall screen never exits on Escape; it may be resized while set up on a desk."""
    setup_window(size, fullscreen, home, headless, resizable=True)
