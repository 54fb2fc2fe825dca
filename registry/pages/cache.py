"""A small in-process cache of rendered public pages, invalidated by the register's own changes.

Every public page is a function of the published records, which change only when an algorithm or
an audit row changes (both bump an indexed ``updated_at``). So a rendered page is cached under
(format, path, query, language, day) together with the register *stamp* (the two maxima, read
through their indexes) and served again while the stamp is unchanged and the entry is younger than
``TTL_SECONDS`` (which bounds how long an agency rename, the one change without a stamp, can lag).

The stamp also makes a strong ``ETag``: a reader's browser revalidating a page gets
``304 Not Modified`` without anything being rendered.

``Settings.page_cache_size`` (``REGISTRY_PAGE_CACHE_SIZE``) sets the number of entries per process
(0 disables).
"""

from __future__ import annotations

import hashlib
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass

TTL_SECONDS = 60.0


@dataclass(frozen=True)
class CachedPage:
    stamp: tuple[str, str]
    at: float
    status: int
    body: bytes
    media_type: str
    headers: tuple[tuple[str, str], ...]


class PageCache:
    def __init__(self, size: int) -> None:
        self.size = size
        self._data: OrderedDict[tuple[str, ...], CachedPage] = OrderedDict()
        self._lock = threading.Lock()

    @property
    def enabled(self) -> bool:
        return self.size > 0

    def get(self, key: tuple[str, ...], stamp: tuple[str, str]) -> CachedPage | None:
        if not self.enabled:
            return None
        with self._lock:
            page = self._data.get(key)
            if page is None or page.stamp != stamp or time.monotonic() - page.at > TTL_SECONDS:
                return None
            self._data.move_to_end(key)
            return page

    def put(self, key: tuple[str, ...], page: CachedPage) -> None:
        if not self.enabled:
            return
        with self._lock:
            self._data[key] = page
            self._data.move_to_end(key)
            while len(self._data) > self.size:
                self._data.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._data.clear()


def etag(key: tuple[str, ...], stamp: tuple[str, str]) -> str:
    digest = hashlib.sha256("\x1f".join((*key, *stamp)).encode()).hexdigest()[:32]
    return f'"{digest}"'
