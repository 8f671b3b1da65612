"""WCAG contrast, the one measure every screen (kiosk, hall display, review pad) is held to. Pure."""

from __future__ import annotations


def luminance(rgb: tuple[float, ...]) -> float:
    """WCAG relative luminance of an sRGB colour (channels 0–1)."""

    def ch(c: float) -> float:
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (ch(c) for c in rgb[:3])
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(fg: tuple[float, ...], bg: tuple[float, ...]) -> float:
    """WCAG contrast ratio (1–21) of a colour on an opaque background; a translucent foreground
    (RGBA with alpha < 1, as Kivy draws disabled text) is first blended onto the background."""
    alpha = fg[3] if len(fg) > 3 else 1.0
    fg = tuple(f * alpha + b * (1 - alpha) for f, b in zip(fg[:3], bg[:3], strict=True))
    a, b = sorted((luminance(fg), luminance(bg)), reverse=True)
    return (a + 0.05) / (b + 0.05)
