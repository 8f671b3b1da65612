"""Prepare Kivy before it is imported: no argument parsing, a private home, offscreen when headless,
and a CJK font as the default so Chinese never renders as boxes.

Call `prepare()` first thing in every Kivy process (kiosk, display, review pad, tests).
"""

from __future__ import annotations

import os
from pathlib import Path

CJK_FONTS = (
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",  # fonts-wqy-microhei (Debian, Raspberry Pi OS)
    "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
)


def prepare(home: str | Path | None = None, headless: bool | None = None) -> None:
    """Set Kivy's environment. `headless` defaults to: no DISPLAY and no WAYLAND_DISPLAY and not on a
    Pi console (the kiosk on the box sets KIVY_WINDOW / SDL_VIDEODRIVER itself, e.g. kmsdrm)."""
    os.environ["KIVY_NO_ARGS"] = "1"
    os.environ.setdefault("KIVY_NO_CONSOLELOG", "1")
    os.environ.setdefault("KIVY_LOG_MODE", "PYTHON")
    if home is not None:
        os.environ["KIVY_HOME"] = str(home)
    if headless is None:
        headless = not (os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")
                        or os.environ.get("SDL_VIDEODRIVER"))
    if headless:
        os.environ["SDL_VIDEODRIVER"] = "offscreen"


def cjk_font() -> str:
    for path in CJK_FONTS:
        if Path(path).exists():
            return path
    raise FileNotFoundError("no CJK font found: install fonts-wqy-microhei (make setup does)")


def register_cjk_font() -> str:
    """Make the CJK font Kivy's default ('Roboto' is what every Label uses unless told otherwise)."""
    from kivy.core.text import LabelBase

    path = cjk_font()
    LabelBase.register(name="Roboto", fn_regular=path, fn_bold=path, fn_italic=path, fn_bolditalic=path)
    return path


def parse_size(text: str) -> tuple[int, int]:
    """'1920x1080' → (1920, 1080), for the apps' --size options."""
    w, _, h = text.partition("x")
    if not (w.isdigit() and h.isdigit()):
        raise ValueError(f"size must look like 1920x1080, not {text!r}")
    return int(w), int(h)


def setup_window(size: tuple[int, int], fullscreen: bool = False, home: str | Path | None = None,
                 headless: bool | None = None, resizable: bool = False) -> None:
    """Everything a public screen needs before kivy.core.window is imported: the environment, the
    window size, full screen with no cursor on the box, no exit on Escape, and the CJK font."""
    prepare(home=home, headless=headless)
    from kivy.config import Config

    Config.set("graphics", "width", str(size[0]))
    Config.set("graphics", "height", str(size[1]))
    Config.set("graphics", "fullscreen", "auto" if fullscreen else "0")
    Config.set("graphics", "show_cursor", "0" if fullscreen else "1")
    Config.set("graphics", "resizable", "1" if resizable else "0")
    Config.set("kivy", "exit_on_escape", "0")
    Config.set("input", "mouse", "mouse,disable_multitouch")
    register_cjk_font()
