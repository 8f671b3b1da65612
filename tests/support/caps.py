"""Halls with daily caps (当日号源上限): the township preset with caps and appointment settings set
in its text, so each test goes through the real loader."""

from __future__ import annotations

import re

from queue_server.config import parse_config
from queue_server.hallconfig import HallConfig

from .domain import PRESET


def capped_text(caps: dict[str, int], slots: dict[str, int] | None = None, text: str = PRESET,
                **appointments: object) -> str:
    """The preset's text with `daily_cap` (and `appointments_per_slot`) on the given categories and
    the given `[appointments]` keys (slot_min=60 …)."""
    for code, cap in caps.items():
        text = text.replace(f'code = "{code}"\n', f'code = "{code}"\ndaily_cap = {cap}\n', 1)
    for code, n in (slots or {}).items():
        text = text.replace(f'code = "{code}"\n', f'code = "{code}"\nappointments_per_slot = {n}\n', 1)
    extra = "".join(f"{k} = {v!r}\n".replace("'", '"') for k, v in appointments.items())
    return re.sub(r"\[appointments\]\n", "[appointments]\n" + extra, text, count=1)


def capped(caps: dict[str, int], slots: dict[str, int] | None = None, **appointments: object) -> HallConfig:
    return parse_config(capped_text(caps, slots, **appointments), "hall.toml")
