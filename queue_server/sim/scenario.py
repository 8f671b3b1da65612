"""Scenario files (format `yimen-scenario/1`): one hall's day of arrivals, as JSON.

    {"format": "yimen-scenario/1", "name": "...",
     "no_show_wait_s": 60,                                   # optional, default 60
     "rules": {"max_overtake": 3, "promote_after_min": 45, "preference_step_min": 2},  # optional
     "categories": {"A": {"service_min": 7}},                # optional: the hall's prior means
     "windows": [{"id": 1, "serves": ["A", "B"], "pauses": [[from_s, to_s]]}],
     "arrivals": [{"id": "t1", "t": 12.0, "category": "A", "service_s": 410.0,
                   "priority": false, "no_show": false, "appointment_slot": [600, 1200]}]}

`t` is seconds after opening; `service_s` is what serving takes once started (the dispatcher and
the estimator never see it). Parsing checks everything and raises `ScenarioError` with one line
naming the first problem.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

FORMAT = "yimen-scenario/1"
DEFAULT_SERVICE_MIN = 8.0  # prior mean of a category the scenario does not describe


class ScenarioError(ValueError):
    """The scenario cannot be used; the message is one line for the operator."""


@dataclass(frozen=True)
class WindowSpec:
    id: int
    serves: tuple[str, ...]
    pauses: tuple[tuple[float, float], ...] = ()


@dataclass(frozen=True)
class Arrival:
    id: str
    t: float
    category: str
    service_s: float
    priority: bool = False
    no_show: bool = False
    appointment_slot: tuple[float, float] | None = None


@dataclass(frozen=True)
class Scenario:
    name: str
    windows: tuple[WindowSpec, ...]
    arrivals: tuple[Arrival, ...]
    no_show_wait_s: float = 60.0
    max_overtake: int | None = None
    promote_after_min: float | None = None
    service_min: dict[str, float] = field(default_factory=dict)
    preference_step_min: float | None = None

    @property
    def categories(self) -> tuple[str, ...]:
        """Every category a window serves or a ticket asks for, in first-seen order."""
        seen: dict[str, None] = {}
        for w in self.windows:
            seen.update(dict.fromkeys(w.serves))
        for a in self.arrivals:
            seen.setdefault(a.category)
        return tuple(seen)

    def prior_service_min(self, category: str) -> float:
        return self.service_min.get(category, DEFAULT_SERVICE_MIN)


def load_scenario(path: str | Path) -> Scenario:
    path = Path(path)
    try:
        text = path.read_text("utf-8")
    except FileNotFoundError:
        raise ScenarioError(f"{path}: file not found") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ScenarioError(f"{path}: cannot read: {exc}") from None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ScenarioError(f"{path}: not valid JSON: {exc.msg} at line {exc.lineno}") from None
    try:
        return parse_scenario(data)
    except ScenarioError as exc:
        raise ScenarioError(f"{path}: {exc}") from None


def _num(value: Any, where: str, minimum: float = 0.0) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or value != value:
        raise ScenarioError(f"{where} must be a number, not {value!r}")
    if value < minimum:
        raise ScenarioError(f"{where} must be at least {minimum:g}, not {value!r}")
    return float(value)


def _flag(item: dict, key: str, where: str) -> bool:
    value = item.get(key, False)
    if not isinstance(value, bool):
        raise ScenarioError(f"{where}.{key} must be true or false, not {value!r}")
    return value


def _pair(value: Any, where: str) -> tuple[float, float]:
    if not isinstance(value, list) or len(value) != 2:
        raise ScenarioError(f"{where} must be [from_s, to_s], not {value!r}")
    a, b = _num(value[0], where), _num(value[1], where)
    if b <= a:
        raise ScenarioError(f"{where} ends before it starts: {value!r}")
    return a, b


def parse_scenario(data: Any) -> Scenario:
    if not isinstance(data, dict):
        raise ScenarioError("a scenario must be a JSON object")
    if data.get("format") != FORMAT:
        raise ScenarioError(f"format must be {FORMAT!r}, not {data.get('format')!r}")
    name = data.get("name", "")
    if not isinstance(name, str):
        raise ScenarioError("name must be a text string")
    no_show_wait = _num(data.get("no_show_wait_s", 60.0), "no_show_wait_s")

    raw_windows = data.get("windows")
    if not isinstance(raw_windows, list) or not raw_windows:
        raise ScenarioError("windows must be a non-empty list")
    windows: list[WindowSpec] = []
    for i, w in enumerate(raw_windows):
        where = f"windows[{i}]"
        if not isinstance(w, dict):
            raise ScenarioError(f"{where} must be an object")
        number = w.get("id")
        if isinstance(number, bool) or not isinstance(number, int) or not 1 <= number <= 99:
            raise ScenarioError(f"{where}.id must be a whole number 1–99, not {number!r}")
        if any(x.id == number for x in windows):
            raise ScenarioError(f"{where}.id {number} is used twice")
        serves = w.get("serves")
        if (not isinstance(serves, list) or not serves or not all(isinstance(c, str) and c for c in serves)
                or len(set(serves)) != len(serves)):
            raise ScenarioError(f"{where}.serves must list distinct category codes, not {serves!r}")
        pauses = w.get("pauses", [])
        if not isinstance(pauses, list):
            raise ScenarioError(f"{where}.pauses must be a list of [from_s, to_s]")
        windows.append(WindowSpec(number, tuple(serves),
                                  tuple(_pair(p, f"{where}.pauses[{j}]") for j, p in enumerate(pauses))))
    served = {c for w in windows for c in w.serves}

    raw_arrivals = data.get("arrivals")
    if not isinstance(raw_arrivals, list):
        raise ScenarioError("arrivals must be a list")
    arrivals: list[Arrival] = []
    ids: set[str] = set()
    for i, a in enumerate(raw_arrivals):
        where = f"arrivals[{i}]"
        if not isinstance(a, dict):
            raise ScenarioError(f"{where} must be an object")
        ident = a.get("id")
        if not isinstance(ident, str) or not ident:
            raise ScenarioError(f"{where}.id must be a non-empty text string")
        if ident in ids:
            raise ScenarioError(f"{where}.id {ident!r} is used twice")
        ids.add(ident)
        category = a.get("category")
        if category not in served:
            raise ScenarioError(f"{where}.category {category!r} is served by no window")
        slot = a.get("appointment_slot")
        arrivals.append(Arrival(
            ident, _num(a.get("t"), f"{where}.t"), category, _num(a.get("service_s"), f"{where}.service_s", 1.0),
            _flag(a, "priority", where), _flag(a, "no_show", where),
            None if slot is None else _pair(slot, f"{where}.appointment_slot")))
    arrivals.sort(key=lambda a: a.t)  # stable: equal times keep the file's order

    rules = data.get("rules", {})
    if not isinstance(rules, dict) or set(rules) - {"max_overtake", "promote_after_min", "preference_step_min"}:
        raise ScenarioError("rules may only set max_overtake, promote_after_min and preference_step_min")
    max_overtake = rules.get("max_overtake")
    if max_overtake is not None and (isinstance(max_overtake, bool) or not isinstance(max_overtake, int)
                                     or max_overtake < 0):
        raise ScenarioError(f"rules.max_overtake must be a whole number ≥ 0, not {max_overtake!r}")
    promote = rules.get("promote_after_min")
    promote_min = None if promote is None else _num(promote, "rules.promote_after_min", 1.0)
    step = rules.get("preference_step_min")
    step_min = None if step is None else _num(step, "rules.preference_step_min", 0.0)

    cats = data.get("categories", {})
    if not isinstance(cats, dict):
        raise ScenarioError("categories must be an object {code: {service_min: minutes}}")
    service_min = {}
    for code, spec in cats.items():
        if not isinstance(spec, dict) or "service_min" not in spec:
            raise ScenarioError(f"categories.{code} must be {{\"service_min\": minutes}}")
        service_min[code] = _num(spec["service_min"], f"categories.{code}.service_min", 0.5)
    return Scenario(name, tuple(windows), tuple(arrivals), no_show_wait, max_overtake, promote_min, service_min,
                    step_min)


def dumps(doc: dict[str, Any]) -> str:
    """A scenario document as text: the header indented, one arrival per line (diff-friendly)."""
    head = json.dumps({k: v for k, v in doc.items() if k != "arrivals"}, ensure_ascii=False, indent=1)
    rows = ",\n".join("  " + json.dumps(a, ensure_ascii=False) for a in doc.get("arrivals", []))
    return head[:-2] + ',\n "arrivals": [\n' + rows + "\n ]\n}\n"
