"""The kiosk's pure logic: search, guide sections, slip text, masking, when a screen may clear.

No I/O, no clock reads (times are passed in), no Kivy: the screens and the service call these,
and the tests check them exactly.
"""

from __future__ import annotations

from datetime import date, datetime
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo

from queue_server.spoken import (
    spoken_number as spoken_number,  # re-exported: the announcer's reading
)

from .i18n import t
from .slip import TicketSlip

HALL_TZ = ZoneInfo("Asia/Shanghai")


@lru_cache(maxsize=4096)
def _syllables(text: str) -> tuple[str, ...]:
    from pypinyin import lazy_pinyin

    return tuple(s.lower() for s in lazy_pinyin(text, errors="ignore") if s)


def pinyin_keys(text: str) -> tuple[str, str]:
    """(initials, full pinyin) of a Chinese text, lower case without spaces: 养老 → ('yl', 'yanglao')."""
    syl = _syllables(text)
    return "".join(s[0] for s in syl), "".join(syl)


def _pinyin_hit(text: str, q: str) -> bool:
    """Full pinyin typed from the start of some syllable (so 'gl' does not hit yan-g-lao)."""
    syl = _syllables(text)
    return any("".join(syl[i:]).startswith(q) for i in range(len(syl)))


def matches(matter: dict[str, Any], query: str) -> bool:
    """Does a typed query find this matter? Characters match the name; Latin letters match the
    pinyin initials (ylbx → 养老保险) or the full pinyin, or the English name, or the code."""
    q = "".join(query.split()).lower()
    if not q:
        return True
    name = matter.get("name", "")
    if any("\u4e00" <= c <= "\u9fff" for c in q):
        return q in name.replace(" ", "")
    initials, _ = pinyin_keys(name)
    return (q in initials or (len(q) > 1 and _pinyin_hit(name, q)) or q in matter.get("code", "").lower()
            or q in "".join(matter.get("name_en", "").lower().split()))


def search(matters: list[dict[str, Any]], query: str) -> list[dict[str, Any]]:
    """Matters found by `query`, those whose initials start with it first."""
    found = [m for m in matters if matches(m, query)]
    q = "".join(query.split()).lower()
    return sorted(found, key=lambda m: (not pinyin_keys(m.get("name", ""))[0].startswith(q),))


def label(item: dict[str, Any], lang: str) -> str:
    """A category's or matter's name in the kiosk's language (Chinese when no English is given)."""
    return (item.get("name_en") or item.get("name", "")) if lang == "en" else item.get("name", "")


def guide_sections(matter: dict[str, Any], lang: str = "zh") -> list[tuple[str, list[str]]]:
    """The service guide as titled lists: the screen and the printed checklist both come from here,
    so the two can never disagree."""
    materials = []
    for m in matter.get("materials", []):
        line = t("material", lang, name=m["name"], form=m.get("form", ""), count=m.get("count", 1))
        if not m.get("required", True):
            line += t("optional", lang)
        if m.get("notes"):
            line += f" — {m['notes']}"
        materials.append(line)
    limits = []
    if matter.get("committed_limit_days"):
        limits.append(t("committed_limit", lang, n=matter["committed_limit_days"]))
    if matter.get("legal_limit_days"):
        limits.append(t("legal_limit", lang, n=matter["legal_limit_days"]))
    if not limits:
        limits.append(t("immediate", lang))
    sections = [
        (t("materials", lang), materials or [t("none", lang)]),
        (t("steps", lang), [f"{i}. {s}" for i, s in enumerate(matter.get("steps", []), 1)] or [t("none", lang)]),
        (t("time_limits", lang), limits),
        (t("fee", lang), [matter.get("fee") or t("free", lang)]),
        (t("legal_basis", lang), list(matter.get("legal_basis", [])) or [t("none", lang)]),
    ]
    if matter.get("department"):
        sections.append((t("department", lang), [matter["department"]]))
    return sections


def windows_text(windows: list[dict[str, Any]], lang: str = "zh") -> str:
    """'1/2/3号窗口' or 'Window 1/2/3'."""
    nums = "/".join(str(w["number"]) for w in windows)
    return t("windows_list", lang, nums=nums) if windows else t("any_window", lang)


def local_time(epoch: float) -> str:
    return datetime.fromtimestamp(epoch, HALL_TZ).strftime("%Y-%m-%d %H:%M")


def _int(value: Any) -> int | None:
    return None if value is None else int(value)


def clock_time(epoch: float, today_of: float) -> str:
    """HH:MM in the hall's time; with the date (MM-DD HH:MM) when it is not the day of `today_of`."""
    when, today = datetime.fromtimestamp(epoch, HALL_TZ), datetime.fromtimestamp(today_of, HALL_TZ)
    return when.strftime("%H:%M" if when.date() == today.date() else "%m-%d %H:%M")


def slip_of(issued: dict[str, Any], lang: str = "zh") -> TicketSlip:
    """The printed slip from the server's answer to an issue: numbers and windows, never a person.
    Every field of the estimate may be null (docs/api.md): the slip then says less, never breaks."""
    service = (issued.get("matter") or {}).get("name") or issued["category"]["name"]
    est = issued.get("estimate") or {}
    ahead = issued.get("ahead") if issued.get("ahead") is not None else est.get("ahead")
    taken = float(issued["issued_at"])
    opens = est.get("opens_at")
    return TicketSlip(
        hall=issued.get("hall") or "", number=issued["number"], service=service,
        windows=windows_text(issued.get("windows") or [], lang), ahead=_int(ahead),
        wait_low_min=_int(est.get("low_min")), wait_high_min=_int(est.get("high_min")),
        issued_at=local_time(taken), status_url=issued.get("status_url"),
        note=issued.get(f"note_{lang}") or issued.get("note") or "", supervision_phone=issued.get("supervision_phone") or "12345",
        priority=bool(issued.get("priority")), open_now=bool(est.get("open_now", True)),
        opens_at=None if opens is None else clock_time(float(opens), taken),
        beyond_closing=bool(est.get("beyond_closing", False)),
    )


def mask_id(id_number: str) -> str:
    """First 3 and last 2 characters: enough for the person to recognise their card."""
    s = id_number.strip()
    return s[:3] + "*" * max(0, len(s) - 5) + s[-2:] if len(s) > 5 else "*" * len(s)


def age_on(birth: date, today: date) -> int:
    return today.year - birth.year - ((today.month, today.day) < (birth.month, birth.day))


def may_clear(now: float, since: float, last_touch: float, touching: bool, seconds: float) -> bool:
    """A timed screen may clear when nobody is touching and nothing was touched for `seconds`."""
    return not touching and now - max(since, last_touch) >= seconds


def idle_home_due(now: float, last_touch: float, touching: bool, elderly: bool, seconds: float,
                  at_home: bool) -> bool:
    """Return to the home screen after an idle spell — never in elderly mode (no timeout while a
    person acts, however slowly), never while touched."""
    if at_home or elderly or touching or seconds <= 0:
        return False
    return now - last_touch >= seconds
