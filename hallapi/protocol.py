"""What the hall's server and its devices both speak, in one place and one copy.

The server (`queue_server`) and every device import these rules from here, so a kiosk and the
server can never disagree on how a name is masked, how an ID number becomes a person key, which
placeholders a call template may use, how a ticket number is said, or what the event stream sends.
Pure: standard library only, no I/O, no clock reads; nothing of the server or of aiohttp.
"""

from __future__ import annotations

import hashlib
import hmac
import string
from collections.abc import Set
from typing import Any, Literal, NotRequired, TypedDict
from zoneinfo import ZoneInfo

# The business day, every time shown or printed, and every "today" are in the hall's zone.
HALL_TZ = ZoneInfo("Asia/Shanghai")


# ---------------------------------------------------------------- names and persons


def mask_name(name: str) -> str:
    """张三 → 张*: the only form in which a name is stored for calling or reaches a public screen.
    One star whatever the length, because the length is personal too; masking a masked name changes nothing."""
    name = name.strip()
    return name[:1] + "*" if name else ""


def person_key(id_number: str, salt: str) -> str:
    """The pseudonymous key the queue sees instead of an ID number: HMAC-SHA256 with the hall's salt.

    The same person gets the same key in one hall (one active ticket per matter), but the key
    cannot be turned back into the number without the salt, which never leaves the hall's box.
    """
    normalized = id_number.strip().upper()
    return hmac.new(salt.encode(), normalized.encode(), hashlib.sha256).hexdigest()


def fingerprint_bytes(text: str) -> bytes:
    """A certificate's SHA-256 fingerprint as typed or pasted (with or without colons) back to its
    32 bytes: `yimen tls show` prints it on the box, a device pins it."""
    raw = bytes.fromhex(text.replace(":", "").replace(" ", ""))
    if len(raw) != 32:
        raise ValueError("a SHA-256 fingerprint has 32 bytes (64 hex digits)")
    return raw


# ---------------------------------------------------------------- call templates

TEMPLATE_FIELDS: frozenset[str] = frozenset({"number", "window", "window_name", "category"})
_TEMPLATE_SAMPLE = {"number": "A001", "window": 3, "window_name": "综合受理一", "category": "综合业务"}


def template_problem(text: str, known: Set[str] = TEMPLATE_FIELDS) -> str | None:
    """What is wrong with a call template (voice, LED, screen), or None. Shared by the configuration
    and the devices' own settings: a placeholder nobody fills would be said or shown as nothing, and a
    broken one would stop a device in the middle of the day, so both are refused at start."""
    try:
        fields = {f for _, f, _, _ in string.Formatter().parse(text) if f is not None}
        unknown = sorted(fields - known)
        if unknown:
            return (f"unknown placeholder(s) {', '.join('{' + f + '}' for f in unknown)} in {text!r}; "
                    f"allowed: {', '.join('{' + f + '}' for f in sorted(known))}")
        text.format(**_TEMPLATE_SAMPLE)
        text.format(**{**_TEMPLATE_SAMPLE, "number": ""})  # an idle window has no number
    except (ValueError, IndexError) as exc:
        return f"{exc} in {text!r}"
    return None


# ---------------------------------------------------------------- how a ticket number is said
#
# The kiosk ("您的号码是…") and the announcer ("请…号到3号窗口办理") both read numbers through
# `spoken_number` / `number_parts`, so a citizen hears their number the same way at both.
#
# Reading rules (domain §4): letters as a Mandarin speaker names English letters (诶 比 西 …), digits
# one by one. **1 is read 幺 (yāo)**, as Chinese call systems, telephone operators and the army do:
# the only natural Mandarin name of the letter E is 伊/衣 (yī), which espeak-ng — and a listener —
# cannot tell from 一. With 幺 every letter and digit sounds different from every other, and the
# readings together form a uniquely decodable code (tests/test_spoken.py checks both on espeak-ng's
# phonemes), so no two ticket numbers sound alike. Window numbers are cardinals (十二号窗口) and
# keep 一: they are never next to a letter.

# Ticket digits, read one by one (index = the digit).
DIGITS = "零幺二三四五六七八九"
# How a Mandarin listener names Latin letters (the usual 中式 reading of English letter names).
LETTERS = {
    "A": "诶", "B": "比", "C": "西", "D": "迪", "E": "伊", "F": "艾弗", "G": "吉", "H": "艾尺", "I": "艾",
    "J": "杰", "K": "开", "L": "艾勒", "M": "艾姆", "N": "恩", "O": "欧", "P": "批", "Q": "丘", "R": "阿尔",
    "S": "艾丝", "T": "提", "U": "优", "V": "维", "W": "达布留", "X": "艾克斯", "Y": "歪", "Z": "贼德",
}


def digit_name(d: str) -> str:
    """The voice-pack name of a ticket digit. 1 is `digit-1-yao`: a pack recorded before 1 was read
    幺 has a `digit-1.wav` saying 一, which must not be used for it."""
    return "digit-1-yao" if d == "1" else f"digit-{d}"


def number_parts(number: str) -> list[tuple[str, str]]:
    """A ticket number as (segment name, Mandarin text) pairs, character by character:
    E101 → [('letter-E', '伊'), ('digit-1-yao', '幺'), ('digit-0', '零'), ('digit-1-yao', '幺')].
    Anything but letters and digits is not said."""
    out = []
    for ch in number.upper():
        if "0" <= ch <= "9":
            out.append((digit_name(ch), DIGITS[int(ch)]))
        elif ch in LETTERS:
            out.append((f"letter-{ch}", LETTERS[ch]))
    return out


def spoken_number(number: str, lang: str = "zh") -> str:
    """The text a TTS engine reads for a ticket number: 'E101' → '伊幺零幺' (zh), 'E 1 0 1' (en:
    letters and digits spaced, so an English voice names each one)."""
    if lang == "zh":
        return "".join(text for _, text in number_parts(number))
    return " ".join(ch for ch in number.upper() if ch.isascii() and ch.isalnum())


# ---------------------------------------------------------------- the event stream (/api/v1/events)
#
# Every message is a JSON object with a `kind` (docs/api.md, "The event stream").

SNAPSHOT = "snapshot"  # first on every connection: the hall now
EVENT = "event"  # one committed state change, in order
QUEUES = "queues"  # people waiting and estimates, after a burst of events
HEARTBEAT = "heartbeat"  # every 15 s, with the latest seq
PONG = "pong"  # the answer to a text message "ping"
KINDS = (SNAPSHOT, EVENT, QUEUES, HEARTBEAT, PONG)
# Not sent by the server: `HallClient.events(markers=True)` yields it each time the stream drops.
DISCONNECTED = "disconnected"

# Event types (`type` of an `event` message). Every committed event reaches the stream with its
# public fields only (numbers, windows, categories; never a person key or a full name).
TICKET_ISSUED = "ticket_issued"
TICKET_CALLED = "ticket_called"
TICKET_RECALLED = "ticket_recalled"
SERVICE_STARTED = "service_started"
TICKET_COMPLETED = "ticket_completed"
TICKET_NO_SHOW = "ticket_no_show"
TICKET_HELD = "ticket_held"
TICKET_TRANSFERRED = "ticket_transferred"
TICKET_CANCELLED = "ticket_cancelled"
TICKET_REJOINED = "ticket_rejoined"
TICKET_PRINT_FAILED = "ticket_print_failed"
ISSUE_ABANDONED = "issue_abandoned"
WINDOW_OPENED = "window_opened"
WINDOW_CLOSED = "window_closed"
WINDOW_PAUSED = "window_paused"
WINDOW_RESUMED = "window_resumed"
DAY_CLOSED = "day_closed"
NOTICE_SET = "notice_set"
STAFF_ALERT = "staff_alert"
ALERT_ACKNOWLEDGED = "alert_acknowledged"
DEVICE_STATUS = "device_status"
APPOINTMENT_BOOKED = "appointment_booked"
APPOINTMENT_CANCELLED = "appointment_cancelled"
RATING_REQUESTED = "rating_requested"
RATING_GIVEN = "rating_given"
RATINGS_DEFAULTED = "ratings_defaulted"
FOLLOW_UP_STEP = "follow_up_step"
EVENT_TYPES = frozenset({
    TICKET_ISSUED, TICKET_CALLED, TICKET_RECALLED, SERVICE_STARTED, TICKET_COMPLETED, TICKET_NO_SHOW,
    TICKET_HELD, TICKET_TRANSFERRED, TICKET_CANCELLED, TICKET_REJOINED, TICKET_PRINT_FAILED,
    ISSUE_ABANDONED, WINDOW_OPENED, WINDOW_CLOSED, WINDOW_PAUSED, WINDOW_RESUMED, DAY_CLOSED,
    NOTICE_SET, STAFF_ALERT, ALERT_ACKNOWLEDGED, DEVICE_STATUS, APPOINTMENT_BOOKED, APPOINTMENT_CANCELLED, RATING_REQUESTED,
    RATING_GIVEN, RATINGS_DEFAULTED, FOLLOW_UP_STEP,
})
CALL_TYPES = (TICKET_CALLED, TICKET_RECALLED)  # what screens, voice and LEDs announce


class WindowView(TypedDict):
    """One window as every screen sees it (`windows` of a snapshot or a live event)."""

    number: int
    name: str
    kind: str
    status: str  # open | paused | closed
    serves: list[str]
    current: str | None  # the ticket number at the window
    current_category: str | None  # that ticket's category now (differs from its prefix after a transfer)


class EstimateView(TypedDict):
    ahead: int
    wait_s: float | None
    low_min: int | None
    high_min: int | None
    open_now: bool
    opens_at: float | None
    beyond_closing: bool
    closes_at: float | None


class QueueView(TypedDict):
    """People waiting in one category and what a ticket taken now would be told."""

    code: str
    prefix: str
    name: str
    name_en: str
    waiting: int
    estimate: EstimateView | None


class SnapshotMessage(TypedDict):
    kind: Literal["snapshot"]
    seq: int
    day: str
    hall: dict[str, str]
    windows: list[WindowView]
    queues: list[QueueView]
    recent_calls: list[dict[str, Any]]
    notice: str


class EventMessage(TypedDict):
    kind: Literal["event"]
    seq: int
    type: str  # one of EVENT_TYPES
    at: float
    data: dict[str, Any]
    windows: NotRequired[list[WindowView]]  # live events only
    replayed: NotRequired[bool]  # catch-up after a reconnect with ?since=


class QueuesMessage(TypedDict):
    kind: Literal["queues"]
    seq: int
    queues: list[QueueView]


class HeartbeatMessage(TypedDict):
    kind: Literal["heartbeat"]
    seq: int
    at: float


class PongMessage(TypedDict):
    kind: Literal["pong"]
    seq: int


StreamMessage = SnapshotMessage | EventMessage | QueuesMessage | HeartbeatMessage | PongMessage
