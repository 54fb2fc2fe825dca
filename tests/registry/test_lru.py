"""``registry.lru.LRUCache``: bounded, least recently used out first, shareable between threads."""

from __future__ import annotations

import threading

import pytest

from registry.lru import ERR_NEGATIVE_SIZE, LRUCache


def test_the_least_recently_used_entry_is_forgotten_first():
    cache: LRUCache[str, int] = LRUCache(2)
    cache.put("a", 1)
    cache.put("b", 2)
    assert cache.get("a") == 1  # "a" is now the most recently used
    cache.put("c", 3)
    assert "b" not in cache
    assert (cache.get("a"), cache.get("b"), cache.get("c")) == (1, None, 3)
    assert len(cache) == 2


def test_putting_an_existing_key_replaces_its_value_and_refreshes_it():
    cache: LRUCache[str, int] = LRUCache(2)
    cache.put("a", 1)
    cache.put("b", 2)
    cache.put("a", 10)
    cache.put("c", 3)
    assert cache.get("a") == 10 and "b" not in cache


def test_get_or_compute_computes_once_per_key_while_cached():
    cache: LRUCache[tuple[str, int], str] = LRUCache(4)
    calls: list[int] = []

    def compute() -> str:
        calls.append(1)
        return "value"

    assert cache.get_or_compute(("k", 1), compute) == "value"
    assert cache.get_or_compute(("k", 1), compute) == "value"
    assert len(calls) == 1
    cache.clear()
    assert cache.get_or_compute(("k", 1), compute) == "value"
    assert len(calls) == 2


def test_a_cache_of_size_zero_stores_nothing():
    cache: LRUCache[str, int] = LRUCache(0)
    assert not cache.enabled
    cache.put("a", 1)
    assert cache.get("a") is None and len(cache) == 0
    assert cache.get_or_compute("a", lambda: 5) == 5


def test_a_negative_size_is_refused_with_the_size_named():
    with pytest.raises(ValueError, match="got -1") as caught:
        LRUCache(-1)
    assert str(caught.value) == ERR_NEGATIVE_SIZE.format(size=-1)


def test_many_threads_never_grow_the_cache_past_its_size():
    cache: LRUCache[int, int] = LRUCache(50)
    errors: list[BaseException] = []

    def hammer(offset: int) -> None:
        try:
            for i in range(2_000):
                cache.put(offset * 10_000 + i, i)
                cache.get(offset * 10_000 + i - 1)
                cache.get_or_compute(i % 70, lambda i=i: i)
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=hammer, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert len(cache) == 50
