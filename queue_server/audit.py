"""What the audit log's entries mean: the areas of administration, and what changed between two
versions of a setting, as a list of (key path, before, after). Pure code.

The entries themselves are rows beside the log (`store/audit.py`), written in the transaction of
the change. Secrets never enter an entry: a password or a device token is recorded as having
changed (`SECRET`), never by its value or its hash.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

# Areas of administration: (Chinese, English) names for the audit page and its export.
AREAS: dict[str, tuple[str, str]] = {
    "config": ("大厅设置", "Hall settings"),
    "layout": ("窗口布局", "Window layout"),
    "users": ("人员账号", "Staff accounts"),
    "devices": ("设备", "Devices"),
    "roster": ("值班与带班", "Duty roster"),
    "appointments": ("预约", "Appointments"),
}
SECRET = "(changed)"  # what an entry shows for a password or a token
SECRET_KEYS = frozenset({"password", "password_hash", "token", "token_hash"})


def redacted(value: Any) -> Any:
    """`value` with every secret replaced by `SECRET`, at any depth."""
    if isinstance(value, Mapping):
        return {k: SECRET if k in SECRET_KEYS else redacted(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [redacted(v) for v in value]
    return value


def changes(before: Any, after: Any, path: str = "") -> list[tuple[str, Any, Any]]:
    """Every leaf that differs, as (dotted path, before, after); lists of tables are compared item
    by item (`windows[2].serves`), other lists as whole values. None stands for "absent"."""
    if isinstance(before, Mapping) and isinstance(after, Mapping):
        out: list[tuple[str, Any, Any]] = []
        for key in list(before) + [k for k in after if k not in before]:
            sub = f"{path}.{key}" if path else str(key)
            out += changes(before.get(key), after.get(key), sub)
        return out
    if _tables(before) and _tables(after):
        out = []
        for i in range(max(len(before), len(after))):
            out += changes(before[i] if i < len(before) else None, after[i] if i < len(after) else None,
                           f"{path}[{i + 1}]")
        return out
    return [] if before == after else [(path, before, after)]


def _tables(value: Any) -> bool:
    return isinstance(value, list | tuple) and all(isinstance(v, Mapping) for v in value)
