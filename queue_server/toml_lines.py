"""Map TOML keys to the line they are written on, so configuration errors can name the line.

`tomllib` parses but forgets positions. This reads the same text once more, line by line,
tracking `[table]` / `[[array]]` headers and `key = value` lines. It understands the TOML a
hall file uses (tables, arrays of tables, dotted and quoted keys, multi-line arrays and strings);
anything it cannot place falls back to the nearest enclosing key's line.
"""

from __future__ import annotations

import re

Path = tuple[str | int, ...]

_HEADER = re.compile(r"^\s*(\[\[?)\s*(.+?)\s*\]\]?\s*(#.*)?$")
_KEY = re.compile(r"""^\s*((?:[A-Za-z0-9_-]+|"[^"]*"|'[^']*')(?:\s*\.\s*(?:[A-Za-z0-9_-]+|"[^"]*"|'[^']*'))*)\s*=""")


def _split_key(dotted: str) -> list[str]:
    parts = re.findall(r"""[A-Za-z0-9_-]+|"[^"]*"|'[^']*'""", dotted)
    return [p[1:-1] if p[:1] in "\"'" else p for p in parts]


def _bracket_balance(text: str) -> int:
    """Net count of open brackets/braces outside strings and comments."""
    depth = 0
    quote = ""
    i = 0
    while i < len(text):
        ch = text[i]
        if quote:
            if ch == "\\" and quote == '"':
                i += 1
            elif ch == quote:
                quote = ""
        elif ch in "\"'":
            quote = ch
        elif ch == "#":
            break
        elif ch in "[{":
            depth += 1
        elif ch in "]}":
            depth -= 1
        i += 1
    return depth


def key_lines(text: str) -> dict[Path, int]:
    """Return {path: 1-based line} for every table header and key in `text`."""
    lines: dict[Path, int] = {}
    counters: dict[Path, int] = {}
    current: Path = ()
    depth = 0
    in_multiline_string = False
    for lineno, line in enumerate(text.splitlines(), start=1):
        if in_multiline_string:
            if line.count('"""') % 2 == 1 or line.count("'''") % 2 == 1:
                in_multiline_string = False
            continue
        if depth > 0:
            depth += _bracket_balance(line)
            continue
        header = _HEADER.match(line)
        if header and not _KEY.match(line):
            names = tuple(_split_key(header.group(2)))
            if header.group(1) == "[[":
                index = counters.get(names, 0)
                counters[names] = index + 1
                current = (*names, index)
                lines.setdefault(names, lineno)
            else:
                current = names
            lines[current] = lineno
            continue
        key = _KEY.match(line)
        if key:
            path = (*current, *_split_key(key.group(1)))
            lines[path] = lineno
            rest = line[key.end():]
            depth = max(0, _bracket_balance(rest))
            if rest.count('"""') == 1 or rest.count("'''") == 1:
                in_multiline_string = True
    return lines


def line_of(lines: dict[Path, int], path: Path) -> int | None:
    """Line of `path`, or of its nearest written ancestor."""
    for end in range(len(path), 0, -1):
        found = lines.get(tuple(path[:end]))
        if found is not None:
            return found
    return None
