"""ESC/POS bytes, pure: text a GB2312 printer font can show, wrapping by columns and words, a
builder for slips, and a decoder that reads any slip back as a printer would.

Chinese is sent our own way — FS & (Chinese mode) and GB2312 bytes — because python-escpos's
encoding guesswork turns full-width punctuation into '??'. GB2312 is the font every Chinese
thermal printer has (GB18030 is a superset with the same codes), so anything outside it is mapped
to a look-alike before it is sent: an en dash would otherwise print as a wrong glyph. The QR code
is the printer's native one (GS ( k, ~70 bytes) rather than a raster image (several KB): at 9600
baud that is the difference between half a second and several seconds per slip. No I/O here:
the layout is tested exactly (golden files, decode-back) without a printer.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field
from typing import Any

from escpos.constants import QR_ECLEVEL_M
from escpos.printer import Dummy

ESC, GS, FS, DLE, EOT, LF = 0x1B, 0x1D, 0x1C, 0x10, 0x04, 0x0A
INIT = b"\x1b@"
CHINESE_ON = b"\x1c&"
ENCODING = "gb2312"
PROFILE = "TM-T88II"  # a profile with a known paper width; the commands we use are universal


# ------------------------------------------------------------------------- text (pure)

# Characters a GB2312 printer font lacks, mapped to one it has that looks the same (or close).
# Python's gb2312 codec spells the dash A1AA as U+2015 and the middle dot A1A4 as U+30FB.
GB2312_LOOKALIKE = {
    "\u2013": "-", "\u2012": "-", "\u2010": "-", "\u2011": "-", "\u2212": "-", "\ufe63": "-",  # dashes, minus
    "\u2014": "\u2015", "\u00b7": "\u30fb", "\u2027": "\u30fb", "\u2022": "\u30fb",  # em dash, dots
    "\u00a0": " ", "\u2009": " ", "\u202f": " ", "\u301c": "\uff5e",
}
MISSING_WIDE = "□"  # the sign Chinese print uses for a character the type does not have
MISSING_NARROW = "?"


def _in_gb2312(c: str) -> bool:
    try:
        c.encode(ENCODING)
    except UnicodeEncodeError:
        return False
    return True


def printable(text: str) -> str:
    """`text` with only characters a GB2312 printer font has: look-alikes for dashes and dots,
    accents dropped from Latin letters the font lacks, □ for a Han character it does not have."""
    out = []
    for c in text:
        c = GB2312_LOOKALIKE.get(c, c)
        if not _in_gb2312(c):
            plain = "".join(k for k in unicodedata.normalize("NFKD", c) if not unicodedata.combining(k))
            if plain and all(_in_gb2312(k) for k in plain):
                c = plain
            else:
                c = MISSING_WIDE if unicodedata.east_asian_width(c) in "WF" else MISSING_NARROW
        out.append(c)
    return "".join(out)


def text_width(text: str) -> int:
    """Columns in Font A: an ASCII character takes one, every GB2312 (double-byte) character two."""
    return sum(1 if ord(c) < 0x80 else 2 for c in text)


# No line may begin with closing punctuation or end with opening punctuation (Chinese typesetting).
CLOSING = frozenset("，。、；：？！）】》」』〕〉”’…%,.;:?!)]}")
OPENING = frozenset("（【《「『〔〈“‘([{")


def _units(text: str) -> list[str]:
    """The pieces a line may break between: a run of ASCII letters, digits and signs (a Latin
    word, a number, a code), a single wider character (Chinese breaks between characters), or a
    space. Closing punctuation sticks to what precedes it, opening punctuation to what follows."""
    units: list[str] = []
    glue = False
    for c in text:
        if c == " ":
            units.append(c)
            glue = False
            continue
        last = units[-1] if units else " "
        ascii_run = ord(c) < 0x80 and ord(last[-1]) < 0x80
        if last != " " and (glue or c in CLOSING or ascii_run):
            units[-1] = last + c
        else:
            units.append(c)
        glue = c in OPENING
    return units


def wrap(text: str, cols: int) -> list[str]:
    """Break `text` into lines of at most `cols` columns at word boundaries: never inside a Latin
    word or number, never before closing punctuation; a piece longer than a line is cut."""
    lines: list[str] = []
    for para in text.split("\n"):
        line, width = "", 0
        pending = _units(para)
        while pending:
            unit = pending.pop(0)
            w = text_width(unit)
            if unit == " " and not line:
                continue
            if w > cols:  # a word wider than the paper: character by character
                pending[:0] = list(unit)
                continue
            if width + w > cols:
                lines.append(line.rstrip())
                line, width = "", 0
                if unit == " ":
                    continue
            line += unit
            width += w
        lines.append(line.rstrip())
    return lines


# ------------------------------------------------------------------------- layout (pure)


class SlipBuilder:
    """Composes ESC/POS bytes: python-escpos (Dummy) for the QR and the cut, our bytes for the rest."""

    def __init__(self, cols: int = 32):
        self.cols = cols
        self._p = Dummy(profile=PROFILE)
        self._p._raw(INIT + CHINESE_ON)

    def raw(self, data: bytes) -> SlipBuilder:
        self._p._raw(data)
        return self

    def align(self, how: str) -> SlipBuilder:
        return self.raw(bytes([ESC, ord("a"), {"left": 0, "center": 1, "right": 2}[how]]))

    def size(self, width: int = 1, height: int = 1) -> SlipBuilder:
        """GS ! : character magnification 1–8 (applies to Chinese characters too)."""
        return self.raw(bytes([GS, ord("!"), ((width - 1) << 4) | (height - 1)]))

    def bold(self, on: bool = True) -> SlipBuilder:
        return self.raw(bytes([ESC, ord("E"), int(on)]))

    def line(self, text: str = "", scale: int = 1) -> SlipBuilder:
        """One paragraph, made printable and wrapped to the paper at `scale` times the width."""
        for part in wrap(printable(text), max(1, self.cols // scale)):
            self.raw(part.encode(ENCODING) + b"\n")
        return self

    def rule(self) -> SlipBuilder:
        return self.raw(b"-" * self.cols + b"\n")

    def qr(self, data: str, module: int = 6) -> SlipBuilder:
        """A native QR code at error correction level M (survives a crease or a smudge)."""
        self._p.qr(data, native=True, size=module, ec=QR_ECLEVEL_M)
        return self

    def feed(self, lines: int = 1) -> SlipBuilder:
        return self.raw(bytes([ESC, ord("d"), lines]))

    def cut(self) -> bytes:
        self._p.cut()
        return self._p.output


def checklist_bytes(title: str, sections: list[tuple[str, list[str]]], footer: str = "",
                    cols: int = 32) -> bytes:
    """A printed materials checklist (一次性告知 style): a title, then titled lists with tick boxes."""
    b = SlipBuilder(cols)
    b.align("center").size(1, 2).line(title).size().align("left").rule()
    for heading, items in sections:
        b.bold().line(heading).bold(False)
        for item in items:
            b.line("□ " + item)
        b.line()
    if footer:
        b.rule().line(footer)
    return b.cut()


def printer_test_page(cols: int = 32, when: str = "") -> bytes:
    """The maintenance screen's printer test: Chinese, sizes, a QR, a cut."""
    b = SlipBuilder(cols)
    b.align("center").size(2, 2).line("打印测试", scale=2).size().line("Printer test " + when)
    b.line("中文：一门便民服务中心（全角标点）").line("0123456789 ABCDEFG abc")
    return b.qr("yimen printer test").cut()


# ------------------------------------------------------------------------- decoding (pure)


@dataclass
class Decoded:
    """A byte stream read back as a printer would: text lines and the commands around them."""

    ops: list[tuple[str, Any]] = field(default_factory=list)

    @property
    def lines(self) -> list[str]:
        return [v for k, v in self.ops if k == "line"]

    @property
    def qr(self) -> list[str]:
        return [v for k, v in self.ops if k == "qr"]

    def sized_lines(self) -> list[tuple[str, int]]:
        """Each text line with the GS ! magnification in force (width multiplier)."""
        size, out = 1, []
        for k, v in self.ops:
            if k == "size":
                size = v[0]
            elif k == "line":
                out.append((v, size))
        return out


class DecodeError(ValueError):
    pass


def _text(raw: bytearray, chinese: bool, at: int) -> str:
    """A line's text; a byte the printer's font cannot show (outside GB2312) is an error."""
    try:
        return raw.decode(ENCODING if chinese else "ascii")
    except UnicodeDecodeError as exc:
        raise DecodeError(f"text before byte {at} is not {'GB2312' if chinese else 'ASCII'}: {exc}") from exc


def decode(data: bytes) -> Decoded:
    """Parse the subset of ESC/POS this module writes; unknown commands raise DecodeError."""
    d = Decoded()
    text = bytearray()
    chinese = False
    i, n = 0, len(data)

    def need(k: int) -> bytes:
        if i + k > n:
            raise DecodeError(f"truncated command at byte {i}")
        return data[i:i + k]

    while i < n:
        c = data[i]
        if c == LF:
            d.ops.append(("line", _text(text, chinese, i)))
            text.clear()
            i += 1
        elif c == ESC:
            cmd = need(2)[1]
            if cmd == ord("@"):
                d.ops.append(("init", None))
                chinese = False
                i += 2
            elif cmd in (ord("a"), ord("E"), ord("d"), ord("!"), ord("t")):
                arg = need(3)[2]
                name = {ord("a"): "align", ord("E"): "bold", ord("d"): "feed", ord("!"): "mode",
                        ord("t"): "codepage"}[cmd]
                d.ops.append((name, arg))
                i += 3
            else:
                raise DecodeError(f"unknown ESC {cmd:#x} at byte {i}")
        elif c == GS:
            cmd = need(2)[1]
            if cmd == ord("!"):
                arg = need(3)[2]
                d.ops.append(("size", ((arg >> 4) + 1, (arg & 0x0F) + 1)))
                i += 3
            elif cmd == ord("V"):
                m = need(3)[2]
                i += 3 if m in (0, 1, 48, 49) else 4
                d.ops.append(("cut", m))
            elif cmd == ord("("):
                head = need(5)
                if head[2] != ord("k"):
                    raise DecodeError(f"unknown GS ( {head[2]:#x} at byte {i}")
                length = head[3] | (head[4] << 8)
                body = need(5 + length)[5:]
                if len(body) >= 3 and body[:3] == b"1P0":
                    d.ops.append(("qr", body[3:].decode("utf-8")))
                elif len(body) >= 2 and body[:2] == b"1Q":
                    d.ops.append(("qr_print", None))
                else:
                    d.ops.append(("qr_setup", bytes(body)))
                i += 5 + length
            else:
                raise DecodeError(f"unknown GS {cmd:#x} at byte {i}")
        elif c == FS:
            cmd = need(2)[1]
            if cmd == ord("&"):
                chinese = True
            elif cmd == ord("."):
                chinese = False
            else:
                raise DecodeError(f"unknown FS {cmd:#x} at byte {i}")
            d.ops.append(("chinese", chinese))
            i += 2
        elif c == DLE:
            q = need(3)
            d.ops.append(("status_query", q[2]))
            i += 3
        elif c < 0x20:
            raise DecodeError(f"unexpected control byte {c:#x} at {i}")
        else:
            if c >= 0x80 and not chinese:
                raise DecodeError(f"non-ASCII byte {c:#x} outside Chinese mode at {i}")
            text.append(c)
            i += 1
    if text:
        d.ops.append(("line", _text(text, chinese, n)))
    return d
