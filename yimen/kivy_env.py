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
