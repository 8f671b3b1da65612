"""The keypad key map: key names in, window actions out. Pure: no I/O, no clock (time passed in).

A binding is written as the keys a clerk presses, the function key last:

    "plus"      the key alone (nothing typed before it)
    "# enter"   one or more digits, then the key; the digits are the action's argument
    "0 dot"     exactly these digits, then the key

An exact-digits binding wins over "#", which wins over nothing. Digits are collected until a
function key arrives; they expire after `digit_timeout_s` without a key, and a function key
pressed after they expired is refused, never taken as the key alone (that would be a surprise).
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from typing import Any

# action -> (server action, argument kind or None)
ACTIONS: dict[str, tuple[str, str | None]] = {
    "call-next": ("call-next", None),
    "call": ("call", "ticket"),
    "recall": ("recall", None),
    "start": ("start", None),
    "skip": ("skip", None),
    "complete": ("complete", None),
    "hold": ("hold", None),
    "transfer-window": ("transfer", "window"),
    "transfer-category": ("transfer", "category"),
    "pause": ("pause", "reason"),
    "resume": ("resume", None),
    "open": ("open", None),
    "close": ("close", None),
    "request-rating": ("request-rating", None),
    "clear": ("", None),  # local: forget typed digits
}
DIGITS = frozenset("0123456789")
FUNCTION_KEYS = frozenset({"enter", "plus", "minus", "star", "slash", "dot", "equal", "numlock",
                           "backspace", "esc", "tab", *(f"f{i}" for i in range(1, 13))})

# The embedded default, for a standard 17-key USB numeric keypad (NumLock / * - + Enter . 0-9);
# docs/keypad.md prints the same table. A hall overrides any part with `--keymap FILE`.
DEFAULT_KEYMAP_TOML = """\
[keypad]
digit_timeout_s = 8      # typed digits are forgotten after this many seconds without a key
max_digits = 6

[keypad.keys]
"plus" = "call-next"             # 呼叫下一位
"star" = "recall"                # 重呼
"minus" = "skip"                 # 过号
"enter" = "start"                # 开始办理 (the person has arrived)
"dot" = "complete"               # 办结
"slash" = "request-rating"       # 请评价
"numlock" = "resume"             # 恢复 (after a pause)
"backspace" = "clear"            # keypads with a ← key: forget typed digits
"esc" = "clear"
"# enter" = "call"               # 1012 Enter: call A012 (first digit = category, see below)
"# plus" = "transfer-window"     # 7 +: transfer the current ticket to window 7
"# star" = "transfer-category"   # 6 *: transfer it to the 6th category (F)
"# minus" = "pause"              # 1 -: pause with reason 1 (午休)
"0 dot" = "hold"                 # 0 .: park the ticket (挂起)
"# numlock" = "clear"            # typed a wrong digit: NumLock forgets them
"# backspace" = "clear"
"# esc" = "clear"

[keypad.pause_reasons]
"1" = "午休"
"2" = "临时离开"
"3" = "业务咨询"
"4" = "会议培训"
"5" = "系统故障"

# [keypad.categories] maps digits to category codes. Default: the hall's categories in their
# configured order, 1 = the first (A), 2 = the second ...; two digits each when there are more
# than nine. Example: "1" = "A"
"""


class KeymapError(ValueError):
    """The key map configuration is not usable; `problems` lists every reason."""

    def __init__(self, problems: list[str]):
        super().__init__("; ".join(problems))
        self.problems = problems


@dataclass(frozen=True)
class KeyMap:
    bindings: dict[str, str]
    pause_reasons: dict[str, str]
    categories: dict[str, str]
    digit_timeout_s: float = 8.0
    max_digits: int = 6


@dataclass(frozen=True)
class Entry:
    """What the clerk has typed so far."""

    digits: str = ""
    last_at: float | None = None


@dataclass(frozen=True)
class Command:
    """Send this window action to the server."""

    action: str
    body: dict[str, Any] | None
    keys: str  # what was pressed, for the log
    label: str = ""


@dataclass(frozen=True)
class Typing:
    digits: str


@dataclass(frozen=True)
class Cleared:
    pass


@dataclass(frozen=True)
class Refused:
    """Not sent: the clerk gets error feedback. `code` is short and stable, for logs and tests."""

    code: str
    message: str
    keys: str = field(default="")


Outcome = Command | Typing | Cleared | Refused


def default_categories(codes: list[str]) -> dict[str, str]:
    """1 = first category ... (two digits each beyond nine)."""
    width = 1 if len(codes) <= 9 else 2
    return {str(i).zfill(width): code for i, code in enumerate(codes, start=1)}


def parse_keymap(text: str | None, hall_categories: list[str]) -> KeyMap:
    """The embedded default overlaid with `text` (a TOML document with a [keypad] table).

    Tables in `text` replace the default's table of the same name key by key, so a hall writes
    only what it changes; binding a sequence to "none" removes it. Every problem is reported.
    """
    base = tomllib.loads(DEFAULT_KEYMAP_TOML)["keypad"]
    problems: list[str] = []
    user: dict[str, Any] = {}
    if text is not None:
        try:
            doc = tomllib.loads(text)
        except tomllib.TOMLDecodeError as exc:
            raise KeymapError([f"not valid TOML: {exc}"]) from None
        user = doc.get("keypad", {})
        if not isinstance(user, dict):
            raise KeymapError(["[keypad] must be a table"])
        unknown = set(doc) - {"keypad"}
        if unknown:
            problems.append(f"unknown top-level keys {sorted(unknown)}; the key map lives in [keypad]")
    for key in user:
        if key not in ("digit_timeout_s", "max_digits", "keys", "pause_reasons", "categories"):
            problems.append(f"keypad.{key}: unknown key")
    bindings = dict(base["keys"])
    for seq, action in dict(user.get("keys", {})).items():
        if action == "none":
            bindings.pop(seq, None)
        else:
            bindings[seq] = action
    for seq, action in bindings.items():
        problems += _check_binding(seq, action)
    reasons = {**base["pause_reasons"], **dict(user.get("pause_reasons", {}))}
    reasons = {k: v for k, v in reasons.items() if v != "none"}
    for code, reason in reasons.items():
        if not code.isdigit() or not isinstance(reason, str) or not reason.strip():
            problems.append(f"keypad.pause_reasons.{code}: digits = a non-empty reason")
    categories = dict(user.get("categories", {})) or default_categories(hall_categories)
    if len({len(c) for c in categories}) > 1:
        problems.append("keypad.categories: all category digit codes must have the same length")
    for code, cat in categories.items():
        if not code.isdigit() or not isinstance(cat, str):
            problems.append(f"keypad.categories.{code}: digits = a category code")
        elif hall_categories and cat not in hall_categories:
            problems.append(f"keypad.categories.{code}: the hall has no category {cat!r}")
    timeout = user.get("digit_timeout_s", base["digit_timeout_s"])
    max_digits = user.get("max_digits", base["max_digits"])
    if not isinstance(timeout, int | float) or isinstance(timeout, bool) or not 1 <= timeout <= 120:
        problems.append("keypad.digit_timeout_s: a number of seconds between 1 and 120")
    if not isinstance(max_digits, int) or isinstance(max_digits, bool) or not 1 <= max_digits <= 12:
        problems.append("keypad.max_digits: a whole number between 1 and 12")
    if problems:
        raise KeymapError(problems)
    return KeyMap(bindings, reasons, categories, float(timeout), int(max_digits))


def _check_binding(seq: str, action: Any) -> list[str]:
    where = f"keypad.keys.{seq!r}"
    if not isinstance(action, str) or action not in ACTIONS:
        return [f"{where}: unknown action {action!r}; known: {', '.join(ACTIONS)}"]
    parts = seq.split()
    if len(parts) not in (1, 2) or parts[-1] not in FUNCTION_KEYS:
        return [f"{where}: write [DIGITS|#] KEY, KEY one of {', '.join(sorted(FUNCTION_KEYS))}"]
    if len(parts) == 2 and parts[0] != "#" and not parts[0].isdigit():
        return [f"{where}: before the key write '#' (any digits) or the exact digits"]
    argument = ACTIONS[action][1]
    if argument is not None and len(parts) == 1:
        return [f"{where}: {action} needs digits before the key (e.g. '# {parts[0]}')"]
    if argument is None and action != "clear" and len(parts) == 2 and parts[0] == "#":
        return [f"{where}: {action} takes no digits; bind it to the key alone or to exact digits"]
    return []


def ticket_number(digits: str, categories: dict[str, str]) -> str | None:
    """'1012' -> 'A012' with 1 = A: the category code's digits, then the sequence number
    (three digits at least, as tickets are printed)."""
    width = len(next(iter(categories), "0"))
    code, rest = digits[:width], digits[width:]
    if code not in categories or not rest or int(rest) == 0:
        return None
    return f"{categories[code]}{int(rest):03d}"


def press(keymap: KeyMap, entry: Entry, key: str, now: float) -> tuple[Entry, Outcome]:
    """One key: the new entry state and what to do about it."""
    expired = entry.digits and entry.last_at is not None and now - entry.last_at > keymap.digit_timeout_s
    if key in DIGITS:
        digits = ("" if expired else entry.digits) + key
        if len(digits) > keymap.max_digits:
            return Entry(), Refused("too_many_digits", f"more than {keymap.max_digits} digits", digits)
        return Entry(digits, now), Typing(digits)
    typed = f"{entry.digits} {key}".strip()
    if expired:
        return Entry(), Refused("digits_expired", f"digits {entry.digits} were typed too long ago; type again", typed)
    digits = entry.digits
    action = keymap.bindings.get(f"{digits} {key}") if digits else keymap.bindings.get(key)
    if action is None and digits:
        action = keymap.bindings.get(f"# {key}")
    if action is None:
        return Entry(), Refused("unbound", f"nothing is bound to {typed!r}", typed)
    if action == "clear":
        return Entry(), Cleared()
    server_action, argument = ACTIONS[action]
    body: dict[str, Any] | None = None
    label = action
    if argument == "ticket":
        number = ticket_number(digits, keymap.categories)
        if number is None:
            return Entry(), Refused("bad_number", f"{digits} is not a ticket number (category digit + number)", typed)
        body, label = {"number": number}, f"call {number}"
    elif argument == "window":
        if int(digits) < 1 or int(digits) > 99:
            return Entry(), Refused("bad_window", f"there is no window {digits}", typed)
        body, label = {"window": int(digits)}, f"transfer to window {int(digits)}"
    elif argument == "category":
        if digits not in keymap.categories:
            return Entry(), Refused("bad_category", f"no category has the digits {digits}", typed)
        body, label = {"category": keymap.categories[digits]}, f"transfer to category {keymap.categories[digits]}"
    elif argument == "reason":
        if digits not in keymap.pause_reasons:
            return Entry(), Refused("bad_reason", f"no pause reason has the code {digits}", typed)
        body, label = {"reason": keymap.pause_reasons[digits]}, f"pause ({digits})"
    return Entry(), Command(server_action, body, typed, label)
