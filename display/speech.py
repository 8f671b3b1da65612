"""What the announcer says for a call, and in which order calls are said. Pure: no audio, no clock.

A call becomes a list of named segments ("chime", "letter-A", "digit-0", "cardinal-12",
"word-qing3", …), each with the text a TTS engine should speak for it. Names are stable so a hall can
record a voice pack: one `<name>.wav` per segment (`yimen announcer --list-segments` prints them).

Reading rules (domain §4): the ticket number as `hallapi.protocol` reads it (the kiosk uses the
same function), window numbers as a cardinal (12 → 十二), a chime before a ticket's first call only,
「重呼」 (spoken 再次呼叫, unambiguous for TTS) before a recall.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any

from pypinyin import Style, lazy_pinyin

from hallapi.protocol import TEMPLATE_FIELDS, number_parts, spoken_number, template_problem

CARDINAL_DIGITS = "零一二三四五六七八九"  # window numbers keep 一 (十一号窗口); ticket digits read 1 as 幺
RECALL_TEXT = "再次呼叫"  # shown as 重呼; espeak-ng reads 重 as zhòng, so the spoken text avoids it
EN_TEMPLATE = "Number {number}, please go to window {window}."
FIELD = re.compile(r"{([a-z_]+)}")
EN_FIELDS = {"number", "window"}


@dataclass(frozen=True)
class Segment:
    name: str
    text: str
    lang: str = "zh"  # which voice renders it: "zh" (cmn-latn-pinyin) or "en"


CHIME = Segment("chime", "", "tone")
PAUSE = Segment("pause", "", "silence")


def cardinal(n: int) -> str:
    """0–9999 as spoken: 10 → 十, 12 → 十二, 20 → 二十, 105 → 一百零五, 1010 → 一千零一十."""
    if not 0 <= n <= 9999:
        raise ValueError(f"{n} is outside 0–9999")
    if n < 10:
        return CARDINAL_DIGITS[n]
    if n < 20:
        return "十" + (CARDINAL_DIGITS[n - 10] if n > 10 else "")
    units = ((1000, "千"), (100, "百"), (10, "十"), (1, ""))
    out, zero = "", False
    for value, unit in units:
        d = n // value % 10
        if d:
            if zero and out:
                out += "零"
            out += CARDINAL_DIGITS[d] + unit
            zero = False
        elif out:
            zero = True
    return out


def word_name(text: str) -> str:
    """A voice-pack name for fixed words: pinyin with tone numbers (请 → word-qing3)."""
    syllables = [s for s in lazy_pinyin(text, style=Style.TONE3, errors="ignore") if s.strip()]
    return "word-" + ("_".join(syllables) if syllables else re.sub(r"\W+", "_", text).strip("_") or "x")


def number_segments(number: str) -> list[Segment]:
    """A ticket number, character by character, as `hallapi.protocol` reads it."""
    return [Segment(name, text) for name, text in number_parts(number)]


def window_segments(window: int) -> list[Segment]:
    return [Segment(f"cardinal-{window}", cardinal(window))]


def template_segments(template: str, fields: dict[str, Any]) -> list[Segment]:
    """The hall's template split into fixed words and the spoken fields."""
    out: list[Segment] = []
    pos = 0
    for m in FIELD.finditer(template):
        literal = template[pos:m.start()]
        if literal.strip():
            out.append(Segment(word_name(literal), literal))
        key = m.group(1)
        if key == "number":
            out += number_segments(str(fields["number"]))
        elif key == "window":
            out += window_segments(int(fields["window"]))
        else:
            value = str(fields.get(key) or "")
            if value:
                out.append(Segment(word_name(value), value))
        pos = m.end()
    tail = template[pos:]
    if tail.strip():
        out.append(Segment(word_name(tail), tail))
    return out


def english_segments(template: str, number: str, window: int) -> list[Segment]:
    """The optional second language: one phrase (letters and digits spelled with spaces)."""
    spelled = spoken_number(number, "en")
    return [Segment("en-" + re.sub(r"\W+", "_", f"{number}-{window}").strip("_"),
                    template.format(number=spelled, window=window), "en")]


@dataclass(frozen=True)
class Call:
    """One call to announce, from a `ticket_called` / `ticket_recalled` event."""

    seq: int
    number: str
    window: int
    at: float
    recall: bool = False
    first: bool = True  # the ticket's first call: a chime comes before it
    window_name: str = ""  # the window's name, for {window_name} (综合受理一)
    category: str = ""  # the ticket's category by name, for {category} (社会保障)
    short: bool = False  # said while other calls wait: no chime, said once


@dataclass(frozen=True)
class Settings:
    template: str = "请{number}号到{window}号窗口办理"
    repeat: int = 2
    second_language: bool = False
    en_template: str = EN_TEMPLATE
    chime: bool = True

    def __post_init__(self) -> None:
        """A placeholder nobody fills would be said as nothing: refuse it at start instead."""
        for key, text, known in (("template", self.template, TEMPLATE_FIELDS), ("en_template", self.en_template, EN_FIELDS)):
            problem = template_problem(text, known)
            if problem:
                raise ValueError(f"announcer {key}: {problem}")


def plan(call: Call, s: Settings) -> list[Segment]:
    """The segments of one announcement: [chime] ([重呼] body [en]) × repeat, with pauses between;
    a short call (others are waiting) has no chime and is said once."""
    body: list[Segment] = []
    if call.recall:
        body.append(Segment("recall", RECALL_TEXT))
    body += template_segments(s.template, {"number": call.number, "window": call.window,
                                           "window_name": call.window_name, "category": call.category})
    if s.second_language:
        body.append(PAUSE)
        body += english_segments(s.en_template, call.number, call.window)
    out: list[Segment] = [CHIME] if (s.chime and call.first and not call.recall and not call.short) else []
    for i in range(1 if call.short else max(1, s.repeat)):
        if i:
            out.append(PAUSE)
        out += body
    return out


def all_segments(windows: list[int], prefixes: list[str], s: Settings,
                 names: HallNames | None = None) -> list[Segment]:
    """Every distinct segment a day of calls can use (for pre-rendering and for voice-pack authors).

    With `names`, the template's {window_name} and {category} are covered too: each field gives its
    own segments whatever the others are, so varying one field at a time reaches every segment."""
    names = names or HallNames()
    window_list = windows or [1]
    category_names = list(names.categories.values()) or [""]
    calls = [(w, category_names[0]) for w in window_list] + [(window_list[0], c) for c in category_names]
    seen: dict[str, Segment] = {}
    for w, category in calls:
        for recall in (False, True):
            call = Call(0, "".join(prefixes) + "0123456789", w, 0.0, recall=recall, first=not recall,
                        window_name=names.windows.get(w, ""), category=category)
            for seg in plan(call, s):
                if seg.lang != "en":
                    seen.setdefault(seg.name, seg)
    return list(seen.values())


def spoken_text(segments: list[Segment]) -> str:
    """The plan as one readable line (for logs and tests): 〔叮咚〕 marks the chime, ／ a pause."""
    return "".join("〔叮咚〕" if seg is CHIME or seg.name == "chime" else "／" if seg.name == "pause" else seg.text
                   for seg in segments)


@dataclass
class HallNames:
    """Window and category names as the stream tells them, for the templates' {window_name} and
    {category} (used by the announcer and the LED loop alike).

    Messages with `windows` name the windows; the snapshot and `queues` messages name the categories
    and their ticket prefixes. The category of each window's current ticket, and events that name a
    ticket's category (issued, called, transferred), are remembered per number, since a transferred
    ticket keeps its number; a ticket seen without one is placed by its prefix.
    """

    windows: dict[int, str] = field(default_factory=dict)  # window number → name
    categories: dict[str, str] = field(default_factory=dict)  # category code → name
    prefixes: dict[str, str] = field(default_factory=dict)  # ticket prefix → category code
    tickets: dict[str, str] = field(default_factory=dict)  # ticket number → category code (today)
    day: str = ""

    @classmethod
    def from_hall(cls, hall: dict[str, Any]) -> HallNames:
        """From `GET /api/v1/hall`, known before the stream starts (to pre-render the names)."""
        names = cls()
        names.on_message({"windows": hall.get("windows") or [], "queues": hall.get("categories") or []})
        return names

    def on_message(self, message: dict[str, Any]) -> None:
        if message.get("kind") == "snapshot" and message.get("day") and message["day"] != self.day:
            self.day, self.tickets = message["day"], {}  # ticket numbers start again every day
        for w in message.get("windows") or []:
            if w.get("name"):
                self.windows[int(w["number"])] = str(w["name"])
            if w.get("current") and w.get("current_category"):  # also right after a transfer made while away
                self.tickets[str(w["current"])] = str(w["current_category"])
        for c in message.get("queues") or []:
            code = str(c["code"])
            self.categories[code] = str(c.get("name") or code)
            self.prefixes[str(c.get("prefix") or code)] = code
        data = message.get("data") or {}
        code = data.get("to_category") or data.get("category")  # transferred / issued or called
        if message.get("kind") == "event" and data.get("number") and code:
            self.tickets[str(data["number"])] = str(code)

    def category_of(self, number: str) -> str:
        """The display name of the ticket's category ('' when nothing tells it)."""
        code = self.tickets.get(number) or self.prefixes.get(number.rstrip("0123456789"), "")
        return self.categories.get(code, code)


# Events after which a waiting call of their ticket is no longer worth saying, with the reason logged.
SUPERSEDING = {
    "service_started": "started", "ticket_completed": "finished", "ticket_no_show": "finished (no-show)",
    "ticket_held": "held", "ticket_transferred": "transferred", "ticket_cancelled": "cancelled",
}


@dataclass
class CallQueue:
    """Announcements waiting to be said: one at a time, in call order, none ever lost.

    A waiting call is dropped only when it is superseded — its ticket is called or recalled again
    (only the newest call is said, with the chime if the dropped one was the ticket's first),
    started, finished (completed, no-show, or finished by the next call at its window), held,
    transferred or cancelled, or the stream shows its window serving something else. However long
    a call waits, it is said. When other calls wait behind it, it is said short (no chime, once)
    so a backlog clears fast: a burst of 7 calls is said in well under a minute. Every drop and
    every shortening is recorded with its reason (`dropped`, `shortened`) and handed to `on_note`.
    The first call of a ticket (per business day) gets a chime; a recall never does.
    """

    settings: Settings = field(default_factory=Settings)
    waiting: list[Call] = field(default_factory=list)
    dropped: list[tuple[Call, str]] = field(default_factory=list)
    shortened: list[tuple[Call, str]] = field(default_factory=list)
    heard: set[str] = field(default_factory=set)
    day: str = ""
    windows: list[dict[str, Any]] = field(default_factory=list)  # the newest known window states
    names: HallNames = field(default_factory=HallNames)
    offset: float = 0.0  # local clock minus the server's, from the last live message with a time
    on_note: Callable[[str, Call, str], None] | None = None  # ("dropped" | "shortened", call, reason)

    def on_message(self, message: dict[str, Any], now: float | None = None) -> Call | None:
        """Fold one stream message received at local time `now`; returns the call it queued, if any.

        A call's time is kept on the local clock (a live call is stamped when it arrives, a replayed
        one at its server time shifted by the last known clock offset), for the logs.
        """
        if now is not None and message.get("at") is not None and not message.get("replayed") \
                and message.get("kind") in ("event", "heartbeat"):
            self.offset = now - float(message["at"])
        self.names.on_message(message)
        if message.get("kind") == "snapshot":
            if message.get("day") and message["day"] != self.day:
                self.day, self.heard = message["day"], set()
            self.windows = message.get("windows") or self.windows
            self._prune(self.windows)
            return None
        if message.get("kind") != "event":
            return None
        queued = None
        data = message.get("data") or {}
        etype = str(message.get("type"))
        if etype in ("ticket_called", "ticket_recalled") and "number" in data:
            number = str(data["number"])
            at = float(message.get("at") or 0.0)
            if now is not None:
                at = at + self.offset if message.get("replayed") else now
            window = int(data["window"])
            call = Call(int(message.get("seq") or 0), number, window, at,
                        recall=etype == "ticket_recalled", first=number not in self.heard,
                        window_name=self.names.windows.get(window, ""), category=self.names.category_of(number))
            queued = self.push(call)
            if not message.get("windows") and not message.get("replayed"):  # the call itself is the news
                self.windows = [w for w in self.windows if int(w["number"]) != window] + [
                    {"number": window, "current": number}]
        elif etype in SUPERSEDING and data.get("number"):
            self._drop(lambda c: c.number == str(data["number"]), SUPERSEDING[etype])
        elif etype == "day_closed":
            self._drop(lambda c: True, "the business day closed")
        # Replayed events carry no windows: the snapshot before them is the newest state to check against.
        self.windows = message.get("windows") or self.windows
        self._prune(self.windows)
        return queued

    def push(self, call: Call) -> Call:
        """Queue a call; a waiting call of the same ticket, or at the same window, is superseded
        (a call at a window finishes the ticket that window had)."""
        for old in [c for c in self.waiting if c.number == call.number or c.window == call.window]:
            if old.number == call.number:
                reason = f"{'recalled' if call.recall else 'called again'} at window {call.window}"
                if old.first:  # nobody heard the first call: say this one as the first, with its chime
                    call = replace(call, recall=False, first=True)
            else:
                reason = f"finished: window {call.window} called {call.number}"
            self._drop(lambda c, old=old: c is old, reason)
        self.waiting.append(call)
        self.waiting.sort(key=lambda c: c.seq)
        return call

    def _drop(self, which: Callable[[Call], bool], reason: str) -> None:
        for c in [c for c in self.waiting if which(c)]:
            self.waiting.remove(c)
            self.dropped.append((c, reason))
            if self.on_note is not None:
                self.on_note("dropped", c, reason)

    def _prune(self, windows: list[dict[str, Any]]) -> None:
        current = {int(w["number"]): w.get("current") for w in windows}
        for c in list(self.waiting):
            if c.window in current and current[c.window] != c.number:
                now_there = current[c.window] or "no ticket"
                self._drop(lambda x, c=c: x is c, f"window {c.window} has moved on ({now_there})")

    def pop(self) -> Call | None:
        """The next call to say now (None when nothing waits): short when others wait behind it."""
        if not self.waiting:
            return None
        call = self.waiting.pop(0)
        self.heard.add(call.number)
        if self.waiting:
            call = replace(call, short=True)
            reason = f"{len(self.waiting)} more call(s) waiting"
            self.shortened.append((call, reason))
            if self.on_note is not None:
                self.on_note("shortened", call, reason)
        return call
