"""How a ticket number is said aloud: the one place that spells numbers for speech.

The kiosk ("您的号码是…") and the announcer ("请…号到3号窗口办理") both read numbers through
`spoken_number` / `number_parts`, so a citizen hears their number the same way at both.

Reading rules (domain §4): letters as a Mandarin speaker names English letters (诶 比 西 …), digits
one by one. **1 is read 幺 (yāo)**, as Chinese call systems, telephone operators and the army do:
the only natural Mandarin name of the letter E is 伊/衣 (yī), which espeak-ng — and a listener —
cannot tell from 一. With 幺 every letter and digit sounds different from every other, and the
readings together form a uniquely decodable code (tests/test_spoken.py checks both on espeak-ng's
phonemes), so no two ticket numbers sound alike. Window numbers are cardinals (十二号窗口) and
keep 一: they are never next to a letter.
"""

from __future__ import annotations

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
