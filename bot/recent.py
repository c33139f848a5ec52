"""A bounded map of recent values: the least recently used go first."""

from __future__ import annotations

from collections import OrderedDict
from typing import Generic, TypeVar

K = TypeVar("K")
V = TypeVar("V")


class Recent(Generic[K, V]):
    """Values by key, the newest last; reading one makes it the newest, and `put` lets go of the
    least recently used past `keep` (given with each put, so a setting read at the time holds)."""

    def __init__(self) -> None:
        self._values: OrderedDict[K, V] = OrderedDict()

    def get(self, key: K) -> V | None:
        value = self._values.get(key)
        if value is not None:
            self._values.move_to_end(key)
        return value

    def put(self, key: K, value: V, *, keep: int) -> None:
        self._values[key] = value
        self._values.move_to_end(key)
        while len(self._values) > keep:
            self._values.popitem(last=False)

    def clear(self) -> None:
        self._values.clear()

    def __len__(self) -> int:
        return len(self._values)
