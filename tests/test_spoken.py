"""No two ticket numbers sound alike, and the kiosk and the announcer read a number the same way.

The phonemes are espeak-ng's own (`-x`, voice cmn-latn-pinyin): the engine that renders both the
kiosk's guidance and the announcer's segments (pyttsx3 drives the same library).
"""

from __future__ import annotations

import re
import subprocess
from itertools import combinations

import pytest

from display.speech import Settings, number_segments, spoken_text, template_segments
from hallapi.protocol import DIGITS, LETTERS, number_parts, spoken_number
from queue_server.config import load_preset
from queue_server.numbering import format_number

VOICE = "cmn-latn-pinyin"


def phonemes(texts: list[str]) -> list[str]:
    """espeak-ng's phonemes of each text (one clause per line), without word and stress marks."""
    out = subprocess.run(["espeak-ng", "-v", VOICE, "-x", "-q", "--stdin"], input="".join(f"{t}。\n" for t in texts),
                         capture_output=True, text=True, check=True, timeout=60).stdout
    lines = [re.sub(r"[\s_|',]", "", line) for line in out.splitlines() if line.strip()]
    assert len(lines) == len(texts), (texts, out)
    return lines


@pytest.fixture(scope="module")
def sounds() -> dict[str, str]:
    """Segment name → phonemes, for every segment a ticket number can be made of."""
    parts = sorted(set(number_parts("".join(LETTERS) + "0123456789")))
    return dict(zip([name for name, _ in parts], phonemes([text for _, text in parts]), strict=True))


def said_as(sounds: dict[str, str], number: str) -> str:
    return "".join(sounds[name] for name, _ in number_parts(number))


def uniquely_decodable(code: set[str]) -> bool:
    """Sardinas–Patterson: no string is a concatenation of codewords in two different ways."""
    def quotients(a: set[str], b: set[str]) -> set[str]:
        return {w[len(p):] for p in a for w in b if len(w) > len(p) and w.startswith(p)}

    dangling, seen = quotients(code, code), set()
    while dangling:
        if dangling & code:
            return False
        if frozenset(dangling) in seen:
            return True
        seen.add(frozenset(dangling))
        dangling = quotients(code, dangling) | quotients(dangling, code)
    return True


def test_the_clash_that_made_1_read_yao():
    """The letter E's only natural Mandarin name, 伊, is exactly 一 to espeak-ng (and to a listener)."""
    e, one, yao = phonemes([LETTERS["E"], "一", DIGITS[1]])
    assert e == one and yao != e


def test_every_letter_and_digit_sounds_different_from_every_other(sounds):
    assert len(sounds) == 36
    same = [(a, b) for a, b in combinations(sounds, 2) if sounds[a] == sounds[b]]
    assert same == []


def test_no_two_ticket_numbers_sound_alike(sounds):
    """The announcer joins separately rendered segments, so a number sounds like its segments'
    phonemes in a row. The readings form a uniquely decodable code: whatever the prefix (1–2
    letters) and however many digits, two different numbers never make the same phoneme string."""
    assert len(set(sounds.values())) == len(sounds) and uniquely_decodable(set(sounds.values()))
    # With 1 read 一, EE001 and E1001 were the same five syllables (yi yi ling ling yi).
    assert said_as(sounds, "EE001") != said_as(sounds, "E1001")
    # And the concrete set a hall issues: every one-letter prefix, and the presets' prefixes, with
    # every sequence of a day (A001 … A9999), joined with no gap at all.
    prefixes = set(LETTERS) | {c.prefix for name in ("township", "village") for c in load_preset(name).categories}
    numbers = [format_number(p, n) for p in sorted(prefixes) for n in range(1, 10000)]
    assert len({said_as(sounds, n) for n in numbers}) == len(numbers)


def test_the_kiosk_reading_in_one_breath_keeps_numbers_apart():
    """The kiosk says the number inside a sentence, where espeak-ng changes some tones (五五 →
    wu35 wu214): numbers that differ in one place still sound different there."""
    digits = ["000", "001", "010", "100", "111", "555", "4001", "1000", "9999"]
    numbers = [letter + d for letter in LETTERS for d in digits]
    said = phonemes([f"您的号码是{spoken_number(n)}" for n in numbers])
    assert len(set(said)) == len(numbers)


@pytest.mark.parametrize("number, zh, en", [
    ("A001", "诶零零幺", "A 0 0 1"),
    ("E101", "伊幺零幺", "E 1 0 1"),
    ("G1000", "吉幺零零零", "G 1 0 0 0"),
    ("w018", "达布留零幺八", "W 0 1 8"),
    ("AB123", "诶比幺二三", "A B 1 2 3"),
])
def test_spoken_number(number, zh, en):
    assert spoken_number(number) == zh and spoken_number(number, "en") == en
    assert all(not ("A" <= ch <= "Z") for ch in spoken_number(number))  # no raw Latin letters for the Mandarin voice


def test_the_announcer_reads_the_number_exactly_as_the_kiosk():
    for number in ["A001", "E101", "C019", "G1000", "W777", "Z010"]:
        assert spoken_text(number_segments(number)) == spoken_number(number)
        said = spoken_text(template_segments(Settings().template, {"number": number, "window": 11}))
        assert said == f"请{spoken_number(number)}号到十一号窗口办理"  # window numbers stay cardinals with 一
