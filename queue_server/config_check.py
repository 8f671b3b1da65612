"""Configuration problems, reported as `file:line: key: message`, and the checker that collects them.

Shared by the hall configuration (config.py) and the matters catalog (matters.py): every problem in
a file is found in one pass, so an operator fixes them all at once instead of one per restart.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from typing import Any

from .toml_lines import line_of


@dataclass(frozen=True)
class Problem:
    file: str
    line: int | None
    key: str
    message: str

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else self.file
        return f"{where}: {self.key}: {self.message}" if self.key else f"{where}: {self.message}"


class ConfigError(Exception):
    """The configuration is not usable; `problems` lists every reason."""

    def __init__(self, problems: list[Problem]):
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))


def _key_name(path: tuple[str | int, ...]) -> str:
    out = ""
    for part in path:
        out += f"[{part + 1}]" if isinstance(part, int) else (f".{part}" if out else part)
    return out


class Checker:
    """Collects problems against one source file, with line numbers when known."""

    def __init__(self, file: str, lines: dict[tuple[str | int, ...], int] | None = None):
        self.file = file
        self.lines = lines or {}
        self.problems: list[Problem] = []

    def fail(self, path: tuple[str | int, ...], message: str) -> None:
        self.problems.append(Problem(self.file, line_of(self.lines, path), _key_name(path), message))

    def table(self, data: Any, path: tuple[str | int, ...], spec: Spec) -> dict[str, Any]:
        """Check one table against `spec` {key: (type, default or REQUIRED)}; return clean values."""
        if not isinstance(data, dict):
            self.fail(path, f"must be a table, not {type(data).__name__}")
            return {}
        for key in data:
            if key not in spec:
                hint = difflib.get_close_matches(key, list(spec), n=1)
                suggestion = f" (did you mean '{hint[0]}'?)" if hint else ""
                self.fail((*path, key), f"unknown key{suggestion}; known keys: {', '.join(spec)}")
        clean: dict[str, Any] = {}
        for key, (kind, default) in spec.items():
            if key not in data:
                if default is REQUIRED:
                    self.fail((*path, key) if path else (key,), "is required but missing")
                else:
                    clean[key] = default
                continue
            value = data[key]
            if not is_kind(value, kind):
                self.fail((*path, key), f"must be {_describe(kind)}, not {value!r}")
                if default is not REQUIRED:
                    clean[key] = default  # keep checking the rest against a sane value
                continue
            clean[key] = value
        return clean


REQUIRED = object()
Kind = type | tuple[type, ...]  # what isinstance accepts
Spec = dict[str, tuple[Kind, Any]]  # {key: (kind, default or REQUIRED)}


def is_kind(value: Any, kind: Kind) -> bool:
    """isinstance, except that true/false is not a number in a configuration file."""
    if kind is int:
        return isinstance(value, int) and not isinstance(value, bool)
    if kind is float:
        return isinstance(value, int | float) and not isinstance(value, bool)
    return isinstance(value, kind)


def _describe(kind: Kind) -> str:
    names: dict[Kind, str] = {int: "a whole number", float: "a number", str: "a text string",
                              bool: "true or false", list: "a list", dict: "a table"}
    return names.get(kind, str(kind))
