"""Names on public screens: the hall may call by name, but only ever masked."""

from __future__ import annotations


def mask_name(name: str) -> str:
    """张三 → 张*: the only form in which a name is stored for calling or reaches a public screen.
    One star whatever the length, because the length is personal too; masking a masked name changes nothing."""
    name = name.strip()
    return name[:1] + "*" if name else ""
