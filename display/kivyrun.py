"""Kivy set-up for the hall display, done before anything imports kivy.core.window."""

from __future__ import annotations

from pathlib import Path

from yimen.kivy_env import prepare, register_cjk_font

LANDSCAPE = (1920, 1080)
PORTRAIT = (1080, 1920)


def setup(size: tuple[int, int] = LANDSCAPE, fullscreen: bool = False, home: str | Path | None = None,
          headless: bool | None = None) -> None:
    """Environment, window size and the CJK font. A hall screen never exits on Escape."""
    prepare(home=home, headless=headless)
    from kivy.config import Config

    Config.set("graphics", "width", str(size[0]))
    Config.set("graphics", "height", str(size[1]))
    Config.set("graphics", "fullscreen", "auto" if fullscreen else "0")
    Config.set("graphics", "show_cursor", "0" if fullscreen else "1")
    Config.set("graphics", "resizable", "1")
    Config.set("kivy", "exit_on_escape", "0")
    Config.set("input", "mouse", "mouse,disable_multitouch")
    register_cjk_font()
