"""Keypad key map (pure) and evdev key translation: key sequences -> window actions."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest
from evdev import ecodes as e
from evdev.events import InputEvent
from hypothesis import given, settings
from hypothesis import strategies as st

from bridge.keymap import (
    DEFAULT_KEYMAP_TOML,
    Cleared,
    Command,
    Entry,
    KeymapError,
    Refused,
    Typing,
    parse_keymap,
    press,
    ticket_number,
)
from hw.keypad import key_names

CATS = list("ABCDEFG")
ROOT = Path(__file__).parent.parent


def run(keys: str, keymap=None, times=None):
    """Outcomes of a space-separated key sequence, one second apart unless `times` is given."""
    keymap = keymap or parse_keymap(None, CATS)
    entry, outcomes = Entry(), []
    for i, key in enumerate(keys.split()):
        entry, outcome = press(keymap, entry, key, times[i] if times else float(i))
        outcomes.append(outcome)
    return entry, outcomes


@pytest.mark.parametrize("keys, action, body", [
    ("plus", "call-next", None),
    ("star", "recall", None),
    ("minus", "skip", None),
    ("enter", "start", None),
    ("dot", "complete", None),
    ("slash", "request-rating", None),
    ("numlock", "resume", None),
    ("0 dot", "hold", None),
    ("1 0 1 2 enter", "call", {"number": "A012"}),
    ("4 3 enter", "call", {"number": "D003"}),
    ("2 1 0 0 0 enter", "call", {"number": "B1000"}),
    ("7 plus", "transfer", {"window": 7}),
    ("6 star", "transfer", {"category": "F"}),
    ("1 minus", "pause", {"reason": "午休"}),
    ("5 minus", "pause", {"reason": "系统故障"}),
])
def test_default_map_sequences_become_commands(keys, action, body):
    entry, outcomes = run(keys)
    *typing, last = outcomes
    assert all(isinstance(o, Typing) for o in typing)
    assert isinstance(last, Command) and (last.action, last.body) == (action, body)
    assert entry == Entry()


def test_digits_are_echoed_while_typing():
    _, outcomes = run("1 0 1")
    assert [o.digits for o in outcomes] == ["1", "10", "101"]


@pytest.mark.parametrize("keys, code", [
    ("9 1 enter", "bad_number"),       # no ninth category
    ("1 enter", "bad_number"),         # category without a number
    ("1 0 0 0 enter", "bad_number"),   # number zero
    ("9 star", "bad_category"),
    ("0 plus", "bad_window"),
    ("8 minus", "bad_reason"),
    ("5 slash", "unbound"),            # rating takes no digits
    ("equal", "unbound"),
    ("1 2 3 4 5 6 7", "too_many_digits"),
])
def test_bad_sequences_are_refused_not_sent(keys, code):
    entry, outcomes = run(keys)
    assert isinstance(outcomes[-1], Refused) and outcomes[-1].code == code
    assert not any(isinstance(o, Command) for o in outcomes)
    assert entry == Entry()


def test_expired_digits_refuse_the_function_key_instead_of_acting_alone():
    # "1 0 1 2" then a long pause, then Enter: must not become "Enter alone" (start)
    _, outcomes = run("1 0 1 2 enter", times=[0, 1, 2, 3, 30])
    assert isinstance(outcomes[-1], Refused) and outcomes[-1].code == "digits_expired"
    # expired digits followed by fresh digits start a new number
    _, outcomes = run("9 1 0 0 3 enter", times=[0, 30, 31, 32, 33, 34])
    assert outcomes[-1] == Command("call", {"number": "A003"}, "1003 enter", "call A003")


def test_clear_keys_forget_digits():
    entry, outcomes = run("1 0 numlock")
    assert isinstance(outcomes[-1], Cleared) and entry.digits == ""
    _, outcomes = run("1 0 backspace plus")
    assert outcomes[-1].action == "call-next"


def test_ticket_number_uses_the_category_digits():
    assert ticket_number("1012", {"1": "A"}) == "A012"
    assert ticket_number("03045", {"03": "C"}) == "C045"
    assert ticket_number("2012", {"1": "A"}) is None


def test_hall_overrides_part_of_the_map():
    text = """
[keypad]
digit_timeout_s = 20
[keypad.keys]
"plus" = "skip"
"minus" = "call-next"
"0 dot" = "none"
"f1" = "request-rating"
"# f2" = "call"
[keypad.pause_reasons]
"9" = "上级检查"
[keypad.categories]
"1" = "D"
"""
    keymap = parse_keymap(text, CATS)
    assert run("plus", keymap)[1][-1].action == "skip"
    assert run("minus", keymap)[1][-1].action == "call-next"
    assert run("star", keymap)[1][-1].action == "recall"  # untouched default
    assert run("f1", keymap)[1][-1].action == "request-rating"
    assert run("1 0 0 7 f2", keymap)[1][-1].body == {"number": "D007"}
    assert run("9 minus", keymap)[1][-1].body == {"reason": "上级检查"}  # "# minus" kept: pause
    assert keymap.pause_reasons["9"] == "上级检查" and keymap.pause_reasons["1"] == "午休"
    assert run("0 dot", keymap)[1][-1].code == "unbound"
    assert run("1 0 1 2 enter", keymap, times=[0, 1, 2, 3, 15])[1][-1].body == {"number": "D012"}


def test_bad_configuration_lists_every_problem():
    text = """
[keypad]
colour = "red"
max_digits = 0
[keypad.keys]
"plus" = "fly"
"minus" = "call"
"# slash" = "recall"
"x enter" = "start"
"kp9" = "skip"
[keypad.categories]
"1" = "Q"
"""
    with pytest.raises(KeymapError) as info:
        parse_keymap(text, CATS)
    problems = "\n".join(info.value.problems)
    for needle in ("keypad.colour", "max_digits", "unknown action 'fly'", "call needs digits",
                   "recall takes no digits", "'x enter'", "'kp9'", "no category 'Q'"):
        assert needle in problems, needle
    with pytest.raises(KeymapError, match="not valid TOML"):
        parse_keymap("[keypad", CATS)


def test_more_than_nine_categories_get_two_digit_codes():
    keymap = parse_keymap(None, [chr(65 + i) for i in range(12)])
    assert keymap.categories["01"] == "A" and keymap.categories["12"] == "L"
    assert run("1 1 0 0 5 enter", keymap)[1][-1].body == {"number": "K005"}


def test_docs_print_the_embedded_default_map():
    doc = (ROOT / "docs/keypad.md").read_text("utf-8")
    block = re.search(r"```toml\n(.*?)```", doc, re.S)
    assert block and tomllib.loads(block.group(1)) == tomllib.loads(DEFAULT_KEYMAP_TOML)


def ev(code: int, value: int = 1, type_: int = e.EV_KEY) -> InputEvent:
    return InputEvent(1795400000, 0, type_, code, value)


def stroke(*codes: int) -> list[InputEvent]:
    """What a keypad sends per key: MSC scan, press, SYN, release, SYN."""
    out = []
    for code in codes:
        out += [ev(e.MSC_SCAN, 0x70059, e.EV_MSC), ev(code, 1), ev(e.SYN_REPORT, 0, e.EV_SYN),
                ev(code, 0), ev(e.SYN_REPORT, 0, e.EV_SYN)]
    return out


def test_evdev_events_become_key_names():
    events = stroke(e.KEY_KP1, e.KEY_KP0, e.KEY_KP1, e.KEY_KP2, e.KEY_KPENTER, e.KEY_KPPLUS,
                    e.KEY_KPASTERISK, e.KEY_KPMINUS, e.KEY_KPSLASH, e.KEY_KPDOT, e.KEY_NUMLOCK, e.KEY_BACKSPACE)
    assert key_names(events) == ["1", "0", "1", "2", "enter", "plus", "star", "minus", "slash", "dot",
                                 "numlock", "backspace"]


def test_autorepeat_and_unknown_keys_do_nothing():
    events = [ev(e.KEY_KPPLUS, 1), ev(e.KEY_KPPLUS, 2), ev(e.KEY_KPPLUS, 2), ev(e.KEY_KPPLUS, 0),
              ev(e.KEY_A, 1), ev(e.KEY_A, 0), ev(e.LED_NUML, 1, e.EV_LED)]
    assert key_names(events) == ["plus"]


def test_navigation_codes_of_a_keypad_with_numlock_off():
    events = stroke(e.KEY_HOME, e.KEY_INSERT, e.KEY_PAGEDOWN, e.KEY_DELETE)
    assert key_names(events) == ["7", "0", "3", "dot"]
    assert key_names(events, nav_as_digits=False) == []


def test_a_whole_evdev_sequence_through_the_map():
    keymap = parse_keymap(None, CATS)
    entry, outcome = Entry(), None
    for i, key in enumerate(key_names(stroke(e.KEY_KP4, e.KEY_KP0, e.KEY_KP0, e.KEY_KP9, e.KEY_KPENTER))):
        entry, outcome = press(keymap, entry, key, float(i))
    assert outcome == Command("call", {"number": "D009"}, "4009 enter", "call D009")


DEFAULT = parse_keymap(None, CATS)
ALL_KEYS = ["0", "1", "2", "3", "4", "5", "6", "7", "8", "9", "enter", "plus", "minus", "star", "slash",
            "dot", "equal", "numlock", "backspace", "esc", "tab", "f1", "f5"]


@settings(max_examples=500, deadline=None, derandomize=True)
@given(st.lists(st.tuples(st.sampled_from(ALL_KEYS), st.floats(0, 20)), max_size=30))
def test_fuzz_random_key_sequences_only_ever_yield_well_formed_commands(strokes):
    keymap = DEFAULT
    entry, now = Entry(), 0.0
    for key, gap in strokes:
        now += gap
        entry, outcome = press(keymap, entry, key, now)
        assert isinstance(outcome, Command | Typing | Cleared | Refused)
        if isinstance(outcome, Command):
            assert entry == Entry()
            body = outcome.body or {}
            if outcome.action == "call":
                assert re.fullmatch(r"[A-G]\d{3,}", body["number"]) and body["number"][1:] != "000"
            elif outcome.action == "transfer":
                assert body.get("category") in set(CATS) or 1 <= body.get("window", 0) <= 99
            elif outcome.action == "pause":
                assert body["reason"] in keymap.pause_reasons.values()
            else:
                assert outcome.body is None
