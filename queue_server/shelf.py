"""The items of a projection that spans days (cases, 差评 follow-ups), by key, in the order they were
opened — those seldom read kept packed.

A year's hall has some 16,000 cases and 15,000 follow-ups, nearly all of them done with: as Python
objects they hold about 100 MB, more than the whole server should take on a Pi. Only a few are walked
often (the running cases, for supervision; the open follow-ups); the others (`packed(item)`) are kept
pickled and compressed, a few hundred bytes each, and unpacked when something reads them: a page asks
for that case, a list walks them all. What is read of a packed item is a fresh copy, so whoever
changes an item stores it again (`shelf[key] = item`). Pure: no I/O.
"""

from __future__ import annotations

import dataclasses
import pickle
import zlib
from collections.abc import Callable, Iterator, MutableMapping
from typing import Any, Generic, TypeVar

T = TypeVar("T")


class Shelf(MutableMapping[str, T], Generic[T]):
    """Items of the dataclass `kind`; `packed(item)` says which to keep packed. An item is packed
    as the tuple of its fields' values (its field names are not repeated in every item)."""

    def __init__(self, kind: Callable[..., T], packed: Callable[[T], bool]):
        self._items: dict[str, T | bytes] = {}
        self._kind, self._packed = kind, packed

    def __getitem__(self, key: str) -> T:
        item = self._items[key]
        return self._kind(*pickle.loads(zlib.decompress(item))) if isinstance(item, bytes) else item

    def __setitem__(self, key: str, item: T) -> None:
        if self._packed(item):
            values: Any = tuple(getattr(item, f.name) for f in dataclasses.fields(item))  # type: ignore[arg-type]
            self._items[key] = zlib.compress(pickle.dumps(values, pickle.HIGHEST_PROTOCOL))
        else:
            self._items[key] = item

    def __delitem__(self, key: str) -> None:
        del self._items[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._items)

    def __len__(self) -> int:
        return len(self._items)

    def __contains__(self, key: object) -> bool:
        return key in self._items

    def live(self) -> Iterator[T]:
        """The items kept as they are, in order, without unpacking the others."""
        return (item for item in self._items.values() if not isinstance(item, bytes))
