"""Kivy set-up for the review pad, done before anything imports kivy.core.window."""

from __future__ import annotations

from pathlib import Path

from yimen.kivy_env import prepare, register_cjk_font

SIZES = {"800x480": (800, 480), "1024x600": (1024, 600)}  # the two common pad panels


def parse_size(text: str) -> tuple[int, int]:
    if text in SIZES:
        return SIZES[text]
    w, _, h = text.partition("x")
    if not (w.isdigit() and h.isdigit()):
        raise ValueError(f"size must look like 800x480, not {text!r}")
    return int(w), int(h)


def setup(size: tuple[int, int] = SIZES["800x480"], fullscreen: bool = False, home: str | Path | None = None,
          headless: bool | None = None) -> None:
    """Environment, window size and the CJK font. A public pad never exits on Escape."""
    prepare(home=home, headless=headless)
    from kivy.config import Config

    Config.set("graphics", "width", str(size[0]))
    Config.set("graphics", "height", str(size[1]))
    Config.set("graphics", "fullscreen", "auto" if fullscreen else "0")
    Config.set("graphics", "show_cursor", "0" if fullscreen else "1")
    Config.set("graphics", "resizable", "0")
    Config.set("kivy", "exit_on_escape", "0")
    Config.set("input", "mouse", "mouse,disable_multitouch")
    register_cjk_font()
