"""The matters catalog (事项目录): the service guides a hall offers, as data (JSON, yimen-matters/1)."""

from __future__ import annotations

import json
from dataclasses import dataclass

from .config_check import REQUIRED, Checker, ConfigError, Problem, Spec

CASE_TYPES = ("immediate", "committed", "forwarded", "joint")


@dataclass(frozen=True)
class Material:
    name: str
    form: str
    count: int
    required: bool
    notes: str


@dataclass(frozen=True)
class Matter:
    code: str
    name: str
    name_en: str
    category: str
    subject: str
    department: str
    legal_basis: tuple[str, ...]
    materials: tuple[Material, ...]
    steps: tuple[str, ...]
    legal_limit_days: int
    committed_limit_days: int
    fee: str
    case_type: str
    appointment: bool
    mailing: bool
    typical_service_min: float
    supervision_phone: str


_MATTER_SPEC: Spec = {
    "code": (str, REQUIRED), "name": (str, REQUIRED), "name_en": (str, ""), "category": (str, REQUIRED),
    "subject": (str, "自然人"), "department": (str, ""), "legal_basis": (list, []),
    "materials": (list, []), "steps": (list, []), "legal_limit_days": (int, REQUIRED),
    "committed_limit_days": (int, REQUIRED), "fee": (str, "不收费"), "case_type": (str, "immediate"),
    "appointment": (bool, False), "mailing": (bool, False), "typical_service_min": (float, 8),
    "supervision_phone": (str, "12345"),
}
_MATERIAL_SPEC: Spec = {
    "name": (str, REQUIRED), "form": (str, "原件"), "count": (int, 1), "required": (bool, True), "notes": (str, ""),
}


def parse_matters(text: str, file: str, check: Checker | None = None) -> list[Matter]:
    """Parse a matters catalog (JSON, format yimen-matters/1), reporting into `check`."""
    own = check is None
    check = check or Checker(file)
    try:
        raw = json.loads(text)
    except json.JSONDecodeError as exc:
        check.problems.append(Problem(file, exc.lineno, "", f"not valid JSON: {exc.msg}"))
        raw = {}
    if raw and raw.get("format") != "yimen-matters/1":
        check.problems.append(Problem(file, None, "format", "must be \"yimen-matters/1\""))
    out: list[Matter] = []
    seen: set[str] = set()
    sub = Checker(file)
    for i, item in enumerate(raw.get("matters", []) if isinstance(raw, dict) else []):
        label = item.get("code", f"#{i + 1}") if isinstance(item, dict) else f"#{i + 1}"
        path: tuple[str | int, ...] = (f"matter {label}",)
        v = sub.table(item, path, _MATTER_SPEC)
        materials = []
        for j, mat in enumerate(v.get("materials", [])):
            mv = sub.table(mat, (*path, "materials", j), _MATERIAL_SPEC)
            if "name" in mv:
                materials.append(Material(mv["name"], mv["form"], mv["count"], mv["required"], mv["notes"]))
        if v.get("case_type") not in CASE_TYPES:
            sub.fail((*path, "case_type"), f"must be one of {', '.join(CASE_TYPES)}")
        if "committed_limit_days" in v and "legal_limit_days" in v and v["committed_limit_days"] > v["legal_limit_days"]:
            sub.fail((*path, "committed_limit_days"), "the committed limit cannot exceed the legal limit")
        if v.get("code") in seen:
            sub.fail((*path, "code"), "duplicate matter code")
        if any(k not in v for k in ("code", "name", "category", "legal_limit_days", "committed_limit_days")):
            continue
        seen.add(v["code"])
        out.append(Matter(
            v["code"], v["name"], v["name_en"], v["category"], v["subject"], v["department"],
            tuple(map(str, v["legal_basis"])), tuple(materials), tuple(map(str, v["steps"])),
            v["legal_limit_days"], v["committed_limit_days"], v["fee"], v["case_type"],
            v["appointment"], v["mailing"], float(v["typical_service_min"]), v["supervision_phone"]))
    check.problems.extend(sub.problems)
    if own and check.problems:
        raise ConfigError(check.problems)
    return out
