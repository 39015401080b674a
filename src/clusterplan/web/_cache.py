"""A thread-safe least-recently-used cache that computes each missing key once (the web app's answers)."""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Generic, TypeVar

__all__ = ["LruCache"]

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


class LruCache(Generic[K, V]):
    """A thread-safe least-recently-used cache that computes each missing key once.

    Concurrent requests for the same missing key wait for the one computation
    instead of repeating it; a computation that raises is not cached.

    Parameters
    ----------
    max_entries
        Entries kept.
    max_weight
        Optional bound on the summed ``weigh(value)`` (e.g. bytes of JSON).
    weigh
        Weight of a value, default 1.

    Examples
    --------
    >>> cache: LruCache[str, int] = LruCache(2)
    >>> cache.get_or_compute("a", lambda: 1), cache.get_or_compute("a", lambda: 99)
    (1, 1)
    >>> cache.get_or_compute("b", lambda: 2), cache.get_or_compute("c", lambda: 3), "a" in cache
    (2, 3, False)
    """

    def __init__(
        self, max_entries: int, *, max_weight: int | None = None, weigh: Callable[[V], int] | None = None
    ) -> None:
        self.max_entries = max_entries
        self.max_weight = max_weight
        self._weigh = weigh or (lambda _value: 1)
        self._data: OrderedDict[K, tuple[V, int]] = OrderedDict()
        self._weight = 0
        self._lock = threading.Lock()
        self._computing: dict[K, threading.Lock] = {}
        self.hits = 0
        self.misses = 0

    def __contains__(self, key: object) -> bool:
        with self._lock:
            return key in self._data

    def __len__(self) -> int:
        with self._lock:
            return len(self._data)

    def get(self, key: K) -> V | None:
        """The cached value, or None (without computing)."""
        with self._lock:
            found = self._data.get(key)
            if found is None:
                return None
            self._data.move_to_end(key)
            self.hits += 1
            return found[0]

    def get_or_compute(self, key: K, compute: Callable[[], V]) -> V:
        found = self.get(key)
        if found is not None:
            return found
        with self._lock:
            key_lock = self._computing.setdefault(key, threading.Lock())
        with key_lock:
            found = self.get(key)
            if found is not None:
                return found
            try:
                value = compute()
            finally:
                with self._lock:
                    self._computing.pop(key, None)
            self._put(key, value)
            return value

    def _put(self, key: K, value: V) -> None:
        weight = self._weigh(value)
        with self._lock:
            self.misses += 1
            self._data[key] = (value, weight)
            self._weight += weight
            while len(self._data) > self.max_entries or (
                self.max_weight is not None and self._weight > self.max_weight and len(self._data) > 1
            ):
                _, (_, dropped) = self._data.popitem(last=False)
                self._weight -= dropped
