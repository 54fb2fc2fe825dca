"""Rendered public pages, cached per process under the register's public stamp.

Every public page is a function of the public register, which changes only by a write that
records a public event in the ledger (``registry.services.events.PUBLIC_ACTIONS``). Such a write
moves the public stamp (the ledger id of the last public event, kept with the search index in the
same transaction; see ``registry.services.public.search_index``). So a rendered page is cached
under (format, path, query, language, day, stamp) and served again while the stamp is unchanged;
entries of older stamps are never asked for again and fall out of the LRU. Private work (a draft
saved, an audit queued, claimed or heartbeating, an account or token created) leaves the stamp,
the cache and every ETag as they were.

The stamp also makes a strong ``ETag``: a reader's browser revalidating a page gets
``304 Not Modified`` without anything being rendered.

``Settings.page_cache_size`` (``REGISTRY_PAGE_CACHE_SIZE``) sets the number of entries per process
(0 disables the cache and the ETags).
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass

from registry.lru import LRUCache


@dataclass(frozen=True)
class CachedPage:
    status: int
    body: bytes
    media_type: str
    headers: tuple[tuple[str, str], ...]


PageKey = tuple[str, ...]
PageCache = LRUCache[PageKey, CachedPage]


def page_key(*, fmt: str, path: str, query: str, lang: str, day: str, stamp: int) -> PageKey:
    """The cache key (and ETag input) of one representation of one page."""
    return (fmt, path, query, lang, day, str(stamp))


def etag(key: PageKey, *, secret: str) -> str:
    """A strong ETag for ``key``: an HMAC keyed with the secret key, so a reader cannot recover
    the public stamp (a ledger id) from it by trying numbers, and so cannot count the private
    events between two public changes."""
    message = "\x1f".join(key).encode()
    digest = hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()[:32]
    return f'"{digest}"'
