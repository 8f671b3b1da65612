"""The kiosk's pure logic: search, guide sections, slip text, masking, when a screen may clear.

No I/O, no clock reads (times are passed in), no Kivy: the screens and the service call these,
and the tests check them exactly.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from functools import lru_cache
from typing import Any

from hallapi.protocol import HALL_TZ
from hallapi.protocol import (
    spoken_number as spoken_number,  # re-exported: the announcer's reading
)

from .i18n import STRINGS, t


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


ON_SCREEN_MIN_S = 60.0


def result_hold_s(kind: str, elderly: bool, standard_s: float, elderly_s: float) -> float:
    """How long the result screen stays once nobody touches it. A ticket shown on screen because
    it could not be printed is the person's only copy: it stays at least ON_SCREEN_MIN_S."""
    seconds = elderly_s if elderly else standard_s
    return max(seconds, ON_SCREEN_MIN_S) if kind == "on_screen" else seconds


# ---------------------------------------------------------------------- what a ticket is told

MONTHS_EN = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def _clock(epoch: float, other_day: bool, lang: str) -> str:
    moment = datetime.fromtimestamp(epoch, HALL_TZ)
    hhmm = moment.strftime("%H:%M")
    if not other_day:
        return hhmm
    month = MONTHS_EN[moment.month - 1] if lang == "en" else moment.month
    return t("date_time", lang, month=month, day=moment.day, time=hhmm)


def estimate_lines(est: dict[str, Any] | None, lang: str = "zh", issued: bool = True) -> list[tuple[str, str]]:
    """What a ticket is told about its wait, as (kind, text) lines — kind is 'ahead', 'opens' (when
    serving starts), 'wait' or 'warn' (a warning the screen shows in red). `issued` False: before the ticket is taken (the
    confirm screen's quote for a ticket taken now). Every field may be null (docs/api.md, "The
    estimate"): a missing number is left out, never shown as "None".

    No time is promised when no window serving the category is open during a session (暂无窗口办理);
    before opening or at lunch, when serving is expected to start and the wait counted from now.
    `opens_at` gets a date when it is not today (after `closes_at`). The slip prints these same
    lines (kiosk/slip.py), so paper and screen never differ."""
    if not est:
        return [("wait", t("no_estimate", lang))]
    lines: list[tuple[str, str]] = []
    ahead = est.get("ahead")
    if ahead is not None:
        lines.append(("ahead", t("ahead" if issued else "quote_ahead", lang, n=int(ahead))))
    lo, hi = est.get("low_min"), est.get("high_min")
    opens_at, closes_at = est.get("opens_at"), est.get("closes_at")
    opening_later = est.get("open_now") is False
    if opening_later and opens_at is None:  # a session is on and no window serves it: no time promised
        lines.append(("wait", t("no_window", lang)))
    else:
        if opening_later:  # before opening or at lunch: when serving starts, then the wait from now
            other_day = closes_at is None or float(opens_at) >= float(closes_at)
            lines.append(("opens", t("opens_at", lang, time=_clock(float(opens_at), other_day, lang))))
        if lo is not None and hi is not None:
            lines.append(("wait", t("estimate", lang, lo=int(lo), hi=int(hi)) if lo != hi
                          else t("estimate_one", lang, n=int(lo))))
        elif lo is not None:
            lines.append(("wait", t("estimate_over", lang, lo=int(lo))))
        elif hi is not None:
            lines.append(("wait", t("estimate_within", lang, hi=int(hi))))
        elif not opening_later:
            lines.append(("wait", t("no_estimate", lang)))
    if est.get("beyond_closing"):
        body = t("late_ticket" if issued else "late_quote", lang)
        if closes_at is not None:
            lines.append(("warn", t("closes_at", lang, time=_clock(float(closes_at), False, lang)) + body))
        else:
            lines.append(("warn", body[:1].upper() + body[1:]))
    return lines


def spoken(text: str, lang: str = "zh") -> str:
    """A screen line as the voice reads it: '5–14 分钟' becomes '5到14 分钟'."""
    return text.replace("–", t("say_range", lang))


def quote_needs_a_look(est: dict[str, Any] | None) -> bool:
    """Should the person see the quote before a ticket is issued for them (e.g. when an ID card
    is placed on the guide screen, which otherwise issues at once)? Yes when nothing can be
    promised or it may not be served today."""
    return not est or est.get("open_now") is False or bool(est.get("beyond_closing"))


# ---------------------------------------------------------------------- refusals and states

WEEKDAYS = {"zh": "一二三四五六日", "en": ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")}


def hours_text(hours: dict[str, Any] | None, lang: str = "zh") -> str:
    """The hall's opening hours from `GET /api/v1/hall`: 办理时间：周一至周五 08:30–12:00、13:30–17:00."""
    if not hours or not hours.get("sessions"):
        return ""
    names = WEEKDAYS[lang if lang in WEEKDAYS else "zh"]
    word = (lambda d: f"周{names[d - 1]}") if lang == "zh" else (lambda d: names[d - 1])
    days = sorted(int(d) for d in hours.get("days", []))
    if len(days) > 2 and days == list(range(days[0], days[-1] + 1)):
        days_text = word(days[0]) + ("至" if lang == "zh" else "–") + word(days[-1])
    else:
        days_text = ("、" if lang == "zh" else ", ").join(word(d) for d in days)
    sessions = ("、" if lang == "zh" else ", ").join(f"{a}–{b}" for a, b in hours["sessions"])
    return t("hours", lang, days=days_text, sessions=sessions)


REFUSALS = {  # the server's error code → the kiosk's own words (never the server's English message)
    "already_has_ticket": "already_has_ticket", "already_checked_in": "already_checked_in",
    "appointment_not_found": "appointment_not_found", "too_early": "appointment_early",
    "wrong_day": "appointment_other_day", "bad_slot": "appointment_not_found",
    "unknown_matter": "refused_service", "unknown_category": "refused_service",
    "category_mismatch": "refused_service", "category_required": "refused_service",
    "unauthenticated": "refused_device", "forbidden": "refused_device",
    "storage_unavailable": "try_again", "abandoned": "try_again", "idempotency_key_reused": "try_again",
    "appointment_not_booked": "appointment_not_found", "storage_full": "refused",
    "nothing_ready": "pickup_nothing_ready", "result_not_ready": "pickup_nothing_ready",
    "not_a_pickup_category": "refused_service", "already_booked": "already_booked",
    "daily_cap_reached": "cap_title",
}


def refusal_text(code: str, lang: str = "zh", hall: dict[str, Any] | None = None) -> str:
    """Why no ticket, in the screen's language, from the server's error code; codes the kiosk
    does not know get a calm generic sentence, never the server's (English) message."""
    if code == "hall_closed":
        return t("hall_closed", lang, detail=hours_text((hall or {}).get("hours"), lang)).strip()
    return t(REFUSALS.get(code, "refused"), lang)


def printer_text(state: str, lang: str = "zh") -> str:
    """A printer state in words; a state this kiosk has no words for is a fault, not a crash."""
    key = f"printer_{state}"
    return t(key if key in STRINGS else "printer_error", lang)


# The ID-card reader's state as last reported by hw.idcard.CardWatcher: the kiosk's card messages
# follow it (never a timer). "card": a card was read; "no_card"; "torn": a card was found but not
# read whole (lifted or moved); "fault": the reader answers nonsense; "gone": no reader;
# "invalid": the card's data fails its check (a message screen says so).
READER_STATES = {"torn_read": "torn", "bad_frame": "fault", "reader_error": "fault", "reader_gone": "gone",
                 "invalid_id": "invalid", "card_data": "invalid"}


def reader_state(event: str) -> str:
    """The reader's state after one report: 'card', 'removed' or an hw.idcard.error_kind."""
    if event == "card":
        return "card"
    if event == "removed":
        return "no_card"
    return READER_STATES.get(event, "fault")


def card_note(reader: str, holding_card: bool) -> str | None:
    """The banner's card message (an i18n key), or None. While the kiosk holds a card's data the
    banner shows that card (what the reader does next does not unmake a good read); otherwise it
    says what is wrong with the reader now."""
    if holding_card:
        return "card_read"
    return {"torn": "card_error", "fault": "reader_fault", "gone": "reader_gone"}.get(reader)


# ---------------------------------------------------------------------- 领取办理结果

_TOKEN_CHARS = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")


def case_token(code: str) -> str | None:
    """The case token of a scanned notice QR (its URL ends in `/c/<token>`, maybe with `?lang=`),
    or None when the code is something else (an appointment code, a stranger's URL)."""
    path = code.strip().split("?", 1)[0].split("#", 1)[0].rstrip("/")
    head, sep, token = path.rpartition("/c/")
    if not sep or not head or not 8 <= len(token) <= 64 or not set(token) <= _TOKEN_CHARS:
        return None
    return token


def due_text(case: dict[str, Any], lang: str = "zh") -> str:
    """When a case is due, 预计 while the year's holidays are not published; empty without a date."""
    due = case.get("due")
    if not due:
        return ""
    day = date.fromisoformat(due)
    when = (f"{day.year}年{day.month}月{day.day}日" if lang == "zh"
            else f"{day.day} {MONTHS_EN[day.month - 1]} {day.year}")
    return t("case_due_provisional" if case.get("due_provisional") else "case_due", lang, date=when)


def case_lines(case: dict[str, Any], lang: str = "zh") -> tuple[str, list[str]]:
    """A case on the 领取办理结果 screens: its matter's name, then the case number, and for one
    still pending where it stands (the server's next step) and when it is due."""
    name = (case.get("matter_name_en") or case.get("matter_name", "")) if lang == "en" else case.get("matter_name", "")
    lines = [t("case_number", lang, number=case["number"])]
    if case.get("status") != "result_ready":  # the next step says where it stands (已受理，正在办理)
        step = (case.get("next_step_en") or case.get("status_en") or "") if lang == "en" else \
            (case.get("next_step") or case.get("status_label", ""))
        if step:
            lines.append(t("case_status", lang, status=step))
        if due_text(case, lang):
            lines.append(due_text(case, lang))
    return name, lines


# ---------------------------------------------------------------------- 当日号源上限 (daily caps)


def local_date(epoch: float) -> date:
    """The hall's calendar day of `epoch` (Asia/Shanghai)."""
    return datetime.fromtimestamp(epoch, HALL_TZ).date()


def capped_today(cat: dict[str, Any]) -> bool:
    """A category whose walk-in numbers are all issued today (`remaining` 0 in `GET /api/v1/hall`)."""
    return cat.get("remaining") == 0


def green_channel(hall: dict[str, Any] | None, birth: date | None, today: date) -> bool:
    """Whether a card's holder gets a ticket past the cap: elderly by the hall's age rule."""
    priority = (hall or {}).get("priority") or {}
    classes = {c.get("code") for c in priority.get("classes", [])}
    age = priority.get("elderly_age")
    return birth is not None and "elderly" in classes and age is not None and age_on(birth, today) >= int(age)


def day_word(day: date, today: date, lang: str = "zh") -> str:
    """明天 / 后天 / 周四（10月8日）: how a person says the day of an offered slot."""
    ahead = (day - today).days
    if ahead == 1:
        return t("tomorrow", lang)
    if ahead == 2:
        return t("day_after", lang)
    weekday = WEEKDAYS[lang if lang in WEEKDAYS else "zh"][day.isoweekday() - 1]
    month = MONTHS_EN[day.month - 1] if lang == "en" else day.month
    return t("weekday_date", lang, weekday=weekday, month=month, day=day.day)


def offer_text(slot: dict[str, Any], today: date, lang: str = "zh") -> str:
    """「明天 09:30 还有空位，要预约吗？」 from `GET /api/v1/appointments/next-free`'s slot."""
    start = datetime.fromtimestamp(float(slot["slot_start"]), HALL_TZ)
    when = f"{day_word(start.date(), today, lang)} {start:%H:%M}"
    text = t("cap_offer", lang, when=when)
    return text + t("cap_offer_provisional", lang) if slot.get("provisional") else text


def appointment_lines(booked: dict[str, Any], hall: dict[str, Any] | None, lang: str = "zh") -> list[str]:
    """What an appointment slip and the screen after booking say under the code: the slot, and
    when and how to check in (from the hall's `[appointments]` early/late minutes)."""
    start = datetime.fromtimestamp(float(booked["slot_start"]), HALL_TZ)
    end = datetime.fromtimestamp(float(booked["slot_end"]), HALL_TZ)
    rules = (hall or {}).get("appointments") or {}
    opens = datetime.fromtimestamp(start.timestamp() - float(rules.get("early_min", 0)) * 60, HALL_TZ)
    closes = datetime.fromtimestamp(end.timestamp() + float(rules.get("late_min", 0)) * 60, HALL_TZ)
    hours = (hall or {}).get("hours") or {}
    for first, last in hours.get("sessions", []):  # the kiosk takes check-ins only while it issues
        begin = start.replace(hour=int(first[:2]), minute=int(first[3:]))
        stop = start.replace(hour=int(last[:2]), minute=int(last[3:])) - timedelta(minutes=int(hours.get("stop_issuing_min", 0)))
        if begin <= start < stop + timedelta(minutes=int(hours.get("stop_issuing_min", 0))):
            opens, closes = max(opens, begin), min(closes, stop)
    weekday = WEEKDAYS[lang if lang in WEEKDAYS else "zh"][start.isoweekday() - 1]
    day = (f"{start.year}年{start.month}月{start.day}日（周{weekday}）" if lang == "zh"
           else f"{weekday} {start.day} {MONTHS_EN[start.month - 1]} {start.year}")
    how = "cap_check_in" if booked.get("person") else "cap_check_in_code"
    return [t("cap_when", lang, date=day, start=f"{start:%H:%M}", end=f"{end:%H:%M}"),
            t(how, lang, start=f"{opens:%H:%M}", end=f"{closes:%H:%M}")]
