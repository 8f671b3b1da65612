"""Which windows serve which categories, as the hall runs it: the hall file's `serves`, overridden
by the layouts a manager accepted. Pure code.

An accepted layout is an event in the log (`layout_set`): it names, for every window, the
categories it serves in preference order (`source = "file"`: the hall file's layout again).
The `Hall` folds it (the dispatcher, the estimates and the public views read the new layout from
that event on); a later business day starts from the last layout accepted before it
(`in_force`). The hall file itself is never rewritten: the override is a step of the log, so the
full configuration editing of issue 15 can fold it the same way, beside its other edits.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from .errors import Invalid
from .hallconfig import HallConfig

Serves = dict[int, tuple[str, ...]]  # window number → categories in preference order
FILE = "file"  # a layout_set event's source when it goes back to the hall file's layout
SOURCES = ("advisor", "manager", FILE)  # the advisor's proposal; a layout accepted again; the file


def serves_of(config: HallConfig) -> Serves:
    return {w.number: w.serves for w in config.windows}


def as_data(serves: Mapping[int, Sequence[str]]) -> dict[str, list[str]]:
    """The stored form (JSON object keys are text)."""
    return {str(w): list(s) for w, s in sorted(serves.items())}


def parse(config: HallConfig, data: Any) -> Serves:
    """A layout sent by a manager or read from the log, checked against the hall: every window of
    the hall listed once with known, distinct categories, and every category served somewhere.
    Raises `Invalid` with one sentence naming the first problem."""
    if not isinstance(data, dict) or not data:
        raise Invalid("bad_layout", "the layout must map every window number to the categories it serves")
    known = {c.code for c in config.categories}
    out: Serves = {}
    for key, value in data.items():
        try:
            number = int(key)
        except (TypeError, ValueError):
            raise Invalid("bad_layout", f"{key!r} is not a window number") from None
        if config.window(number) is None:
            raise Invalid("bad_layout", f"there is no window {number} in this hall")
        if (not isinstance(value, list) or not value or not all(isinstance(c, str) for c in value)
                or len(set(value)) != len(value)):
            raise Invalid("bad_layout", f"window {number} must serve a list of distinct categories, at least one")
        unknown = [c for c in value if c not in known]
        if unknown:
            raise Invalid("bad_layout", f"window {number}: unknown category {unknown[0]!r}")
        out[number] = tuple(value)
    missing = [w.number for w in config.windows if w.number not in out]
    if missing:
        raise Invalid("bad_layout", f"the layout does not say what window {missing[0]} serves")
    unserved = sorted(known - {c for s in out.values() for c in s})
    if unserved:
        raise Invalid("bad_layout", f"no window would serve category {unserved[0]}: its tickets would never be called")
    return out


def with_serves(config: HallConfig, serves: Mapping[int, Sequence[str]]) -> HallConfig:
    """The configuration with each listed window serving what `serves` says (others unchanged)."""
    return dataclasses.replace(config, windows=tuple(
        dataclasses.replace(w, serves=tuple(serves[w.number])) if w.number in serves else w
        for w in config.windows))


def folded(file_config: HallConfig, current: HallConfig, data: Mapping[str, Any]) -> HallConfig:
    """The configuration after one `layout_set` event's data. `source = "file"` means "the hall
    file's layout", whatever the file says now; a layout that no longer fits the hall file (a
    window or category removed since) leaves the current layout in force rather than stopping
    the hall."""
    if data.get("source") == FILE:
        return with_serves(current, serves_of(file_config))
    try:
        return with_serves(current, parse(file_config, data.get("serves")))
    except Invalid:
        return current


def in_force(file_config: HallConfig, events: Iterable[Any], before_day: str) -> HallConfig:
    """The configuration a business day starts with: the hall file, with the layouts accepted on
    earlier days folded in order (`events`: the log's `layout_set` events)."""
    config = file_config
    for event in events:
        if event.day < before_day:
            config = folded(file_config, config, event.data)
    return config


def changes(before: Mapping[int, Sequence[str]], after: Mapping[int, Sequence[str]]) -> list[int]:
    """The windows whose categories or their order differ."""
    return [w for w in sorted(after) if tuple(before.get(w, ())) != tuple(after[w])]
