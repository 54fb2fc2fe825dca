"""``LRUCache``: the one in-process memo of the registry (pages, fragments, facet counts, messages).

A bounded mapping that forgets the least recently used entry when full, safe to share between the
handler threads. Keys must be values (strings, numbers, tuples of them): never ``id()`` of an
object, which Python reuses once the object is gone. A cache whose size is 0 stores nothing.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Generic, TypeVar

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")

ERR_NEGATIVE_SIZE = "An LRU cache's size must be 0 or more, got {size}."


class LRUCache(Generic[K, V]):
    """At most ``maxsize`` entries; a hit makes an entry the most recently used."""

    def __init__(self, maxsize: int) -> None:
        if maxsize < 0:
            raise ValueError(ERR_NEGATIVE_SIZE.format(size=maxsize))
        self.maxsize = maxsize
        self._data: OrderedDict[K, V] = OrderedDict()
        self._lock = threading.Lock()

    @property
    def enabled(self) -> bool:
        return self.maxsize > 0

    def get(self, key: K) -> V | None:
        """The cached value, or None when ``key`` is not cached."""
        with self._lock:
            try:
                self._data.move_to_end(key)
            except KeyError:
                return None
            return self._data[key]

    def put(self, key: K, value: V) -> None:
        if not self.enabled:
            return
        with self._lock:
            self._data[key] = value
            self._data.move_to_end(key)
            while len(self._data) > self.maxsize:
                self._data.popitem(last=False)

    def get_or_compute(self, key: K, compute: Callable[[], V]) -> V:
        """The cached value, or ``compute()`` stored under ``key``.

        ``compute`` runs outside the lock: two threads missing the same key at once both compute,
        and the value stored last wins (the values are equal, since a key names its value).
        """
        found = self.get(key)
        if found is not None:
            return found
        value = compute()
        self.put(key, value)
        return value

    def clear(self) -> None:
        with self._lock:
            self._data.clear()

    def __len__(self) -> int:
        return len(self._data)

    def __contains__(self, key: object) -> bool:
        return key in self._data
