"""What the hall display shows, as plain data folded from the event stream. Pure: no Kivy, no I/O.

The snapshot that opens every connection is authoritative (it is the newest state), so events the
server replays after a reconnect are only counted, never applied: they would roll the screen back.
Live events carry fresh `windows`, and `queues` messages the people waiting; each replaces its part wholesale.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from hallapi.protocol import CALL_TYPES, HALL_TZ, mask_name

RECENT = 8

TEXTS: dict[str, dict[str, str]] = {
    "zh": {"please": "请", "to_window": "号到{window}号窗口", "window": "{n}号窗口", "go_window": "到{n}号窗口", "paused": "暂停服务",
           "closed": "未开放", "idle": "等候叫号", "recent": "最近呼叫", "waiting": "等候人数", "capped": "今日号已发完",
           "people": "{n}人", "minutes": "约{low}–{high}分钟", "disconnected": "连接中断，正在重连…",
           "recall": "重呼", "no_call": "请留意叫号", "weekdays": "一二三四五六日",
           "date": "{y}年{m}月{d}日 星期{w}", "no_window": "暂无窗口办理", "opens_at": "{hm}起办理",
           "beyond_closing": "今日可能办理不完"},
    "en": {"please": "", "to_window": " to window {window}", "window": "Window {n}", "go_window": "to window {n}", "paused": "Paused",
           "closed": "Closed", "idle": "Waiting", "recent": "Recent calls", "waiting": "Waiting", "capped": "No more numbers today",
           "people": "{n}", "minutes": "{low}–{high} min", "disconnected": "Offline, reconnecting…",
           "recall": "Recall", "no_call": "Please watch for your number", "weekdays": "",
           "date": "{y}-{m:02d}-{d:02d}", "no_window": "No window open", "opens_at": "From {hm}",
           "beyond_closing": "May not be served today"},
}


@dataclass(frozen=True)
class Call:
    number: str
    window: int
    at: float
    recall: bool = False
    name: str = ""  # masked (张*), only where the hall calls by name


@dataclass
class DisplayState:
    hall_name: str = ""
    hall_name_en: str = ""
    windows: list[dict[str, Any]] = field(default_factory=list)
    queues: list[dict[str, Any]] = field(default_factory=list)
    recent: list[Call] = field(default_factory=list)
    latest: Call | None = None
    flash_id: int = 0  # grows by one for every live call: the screen flashes when it changes
    notice: str = ""
    connected: bool = False
    seq: int = 0
    replayed: int = 0


def _call(item: dict[str, Any]) -> Call:
    return Call(str(item["number"]), int(item["window"]), float(item.get("at") or 0.0), bool(item.get("recall")),
                mask_name(str(item.get("name") or "")))


def apply(state: DisplayState, message: dict[str, Any]) -> bool:
    """Fold one stream message into `state`; True when something visible changed."""
    kind = message.get("kind")
    if kind == "snapshot":
        hall = message.get("hall") or {}
        state.hall_name = hall.get("name", state.hall_name)
        state.hall_name_en = hall.get("name_en") or ""
        state.windows = list(message.get("windows") or [])
        state.queues = list(message.get("queues") or [])
        state.recent = [_call(c) for c in (message.get("recent_calls") or [])][:RECENT]
        state.latest = state.recent[0] if state.recent else None
        state.notice = message.get("notice") or ""
        state.connected = True
        state.seq = int(message.get("seq") or 0)
        return True
    if kind == "disconnected":
        changed = state.connected
        state.connected = False
        return changed
    if kind == "queues":
        state.queues = list(message.get("queues") or [])
        return True
    if kind != "event":
        return False
    if message.get("replayed"):
        state.replayed += 1
        return False
    state.seq = max(state.seq, int(message.get("seq") or 0))
    if "windows" in message:
        state.windows = list(message["windows"])
    data = message.get("data") or {}
    etype = message.get("type")
    if etype in CALL_TYPES and "number" in data and "window" in data:
        call = _call({**data, "at": message.get("at"), "recall": etype == "ticket_recalled"})
        state.recent = [call, *state.recent][:RECENT]
        state.latest = call
        state.flash_id += 1
    elif etype == "notice_set":
        state.notice = str(data.get("text") or "")
    return True


def window_line(window: dict[str, Any], lang: str = "zh") -> tuple[str, str]:
    """(what the window tile says, its look: 'serving' | 'idle' | 'paused' | 'closed')."""
    t = TEXTS[lang]
    status = window.get("status")
    if status == "paused":
        return t["paused"], "paused"
    if status != "open":
        return t["closed"], "closed"
    if window.get("current"):
        return str(window["current"]), "serving"
    return t["idle"], "idle"


def queue_row(queue: dict[str, Any], lang: str = "zh") -> tuple[str, str, str, str]:
    """One category as the screen shows it: (name, people waiting, what a ticket taken now can
    expect, its look). The expectation follows the estimate contract (docs/api.md): a range only
    while a window that serves the category is open; else when serving starts (「13:30起办理」) or
    「暂无窗口办理」; 「今日可能办理不完」 when a new ticket is unlikely to be called before serving stops
    today; 「今日号已发完」 when the category's daily cap is reached. Looks: 'waiting' (people wait), 'empty' (nobody does), 'warn' (closed or too late)."""
    t = TEXTS[lang]
    name = queue.get("name_en") if lang == "en" and queue.get("name_en") else queue.get("name", "")
    waiting = int(queue.get("waiting") or 0)
    est = queue.get("estimate") or {}
    look = "waiting" if waiting else "empty"
    if queue.get("remaining") == 0:  # 当日号源上限: the kiosk gives no more numbers today
        return f"{queue.get('prefix') or queue.get('code')} {name}", t["people"].format(n=waiting), t["capped"], "warn"
    if est and not est.get("open_now", True):
        opens = est.get("opens_at")
        expect = t["opens_at"].format(hm=datetime.fromtimestamp(opens, HALL_TZ).strftime("%H:%M")) if opens \
            else t["no_window"]
        look = "warn"
    elif est.get("beyond_closing"):
        expect, look = t["beyond_closing"], "warn"
    elif est.get("low_min") is not None and est.get("high_min") is not None:
        expect = t["minutes"].format(low=est["low_min"], high=est["high_min"])
    else:
        expect = ""
    return f"{queue.get('prefix') or queue.get('code')} {name}", t["people"].format(n=waiting), expect, look


def queue_line(queue: dict[str, Any], lang: str = "zh") -> str:
    """The row as one line: 'A 综合业务  5人  约10–25分钟', 'D 户籍与身份证(公安)  0人  暂无窗口办理'."""
    return "  ".join(part for part in queue_row(queue, lang)[:3] if part)


def call_text(call: Call | None, lang: str = "zh") -> str:
    """A recent call: 「请A001号到3号窗口」; where the hall calls by name, the masked name comes
    first, as on the big panel and as one addresses a person: 「请 张* A008号到12号窗口」."""
    t = TEXTS[lang]
    if call is None:
        return t["no_call"]
    who = f"{call.name} {call.number}" if call.name else call.number
    gap = " " if call.name and t["please"] else ""
    text = f"{t['please']}{gap}{who}{t['to_window'].format(window=call.window)}"
    return f"{t['recall']} {text}" if call.recall else text


def clock_text(now: float, lang: str = "zh") -> tuple[str, str]:
    """(date, time) in the hall's zone for the header."""
    d = datetime.fromtimestamp(now, HALL_TZ)
    t = TEXTS[lang]
    weekday = t["weekdays"][d.weekday()] if t["weekdays"] else ""
    date = t["date"].format(y=d.year, m=d.month, d=d.day, w=weekday)
    if lang == "en":
        date = f"{d:%a} {date}"
    return date, f"{d:%H:%M:%S}"
