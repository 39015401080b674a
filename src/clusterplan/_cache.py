"""The one cache machinery: a thread-safe LRU that computes each missing key once, and the per-warehouse store of
results that depend only on the data in the warehouse (any layer may use it).

A run asks for the same national tables several times (the measures of every industry in every area feed both
the opportunities and the scenarios' feasibility), and the web app asks for them on every request. They are kept
here per warehouse file (every connection to the same file shares them), under an explicit key, and thrown away
as soon as the warehouse's :meth:`~clusterplan.warehouse.Warehouse.data_version` changes (an import, by this
process or another). A key asked for by several threads at once is computed once: the others wait for it. The web
app keeps its answers in :class:`LruCache` too.
"""

from __future__ import annotations

import copy as _copy
import threading
import weakref
from collections import OrderedDict
from collections.abc import Callable, Hashable
from pathlib import Path
from typing import Any, Generic, TypeVar

__all__ = ["CACHE_SIZE", "LruCache", "clear", "memoised"]

T = TypeVar("T")
K = TypeVar("K", bound=Hashable)
V = TypeVar("V")

#: What a lookup finds for a key not cached (None may be a cached value).
_MISSING = object()

#: Results kept per warehouse (least recently used dropped first): enough for every table of every GB region
#: and taxonomy and a few hundred US metros.
CACHE_SIZE = 2048

_LOCK = threading.Lock()
#: Per warehouse file (its resolved path), so that a pool of connections to one file shares one store.
_FILE_STORES: dict[str, tuple[str, LruCache[Hashable, Any]]] = {}
#: Per warehouse object, for warehouses without a file (in memory).
_STORES: weakref.WeakKeyDictionary[Any, tuple[str, LruCache[Hashable, Any]]] = weakref.WeakKeyDictionary()


def _store(warehouse: Any, version: str) -> LruCache[Hashable, Any]:
    """The store of *warehouse*'s file at *version* (a new, empty one when the data changed). Hold _LOCK."""
    path = getattr(warehouse, "path", None)
    place = str(path.resolve()) if isinstance(path, Path) else None
    known = _FILE_STORES.get(place) if place is not None else _STORES.get(warehouse)
    if known is None or known[0] != version:
        known = (version, LruCache(CACHE_SIZE))
        if place is not None:
            _FILE_STORES[place] = known
        else:
            _STORES[warehouse] = known
    return known[1]


def _copy_on_write() -> bool:
    import pandas as pd

    return int(pd.__version__.split(".")[0]) >= 3 or pd.get_option("mode.copy_on_write") is True


def _fresh(value: Any) -> Any:
    """A copy of *value* that a caller may change without changing the cached one.

    pandas frames and series are copied shallowly under copy-on-write (always on from pandas 3): a change to
    the copy copies the changed column then, so a 900,000-row national table is not duplicated on every hand-out.
    """
    kind = type(value)
    if kind is dict:
        return {k: _fresh(v) for k, v in value.items()}
    if kind is list or kind is tuple:
        return kind(_fresh(v) for v in value)
    if kind.__module__.startswith("pandas") and kind.__name__ in ("DataFrame", "Series") and _copy_on_write():
        return value.copy(deep=False)
    return _copy.deepcopy(value)


def memoised(warehouse: Any, key: Hashable, compute: Callable[[], T], *, copy: bool = True) -> T:
    """``compute()``, or what it returned for *key* on this warehouse file's current data.

    Warehouses without a data version (e.g. Spark) are not cached. Callers get a copy (see :func:`_fresh`),
    so changing a returned frame cannot change what the next caller gets; ``copy=False`` hands out the cached
    object itself, for values nobody changes (a resolver, a tuple of numbers), where copying would cost as much
    as computing.
    """
    version_of = getattr(warehouse, "data_version", None)
    if version_of is None:
        return compute()
    version = version_of()
    with _LOCK:
        store = _store(warehouse, version)
    fresh = _fresh if copy else (lambda value: value)
    computed: list[T] = []

    def compute_and_keep() -> Any:
        computed.append(compute())
        return fresh(computed[0])

    found = store.get_or_compute(key, compute_and_keep)
    # The caller that computed gets its own result; the others a copy of the cached one.
    return computed[0] if computed else fresh(found)


def clear(warehouse: Any | None = None) -> None:
    """Forget what was cached for *warehouse* (every warehouse when None)."""
    with _LOCK:
        if warehouse is None:
            _STORES.clear()
            _FILE_STORES.clear()
            return
        _STORES.pop(warehouse, None)
        path = getattr(warehouse, "path", None)
        if isinstance(path, Path):
            _FILE_STORES.pop(str(path.resolve()), None)


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
        found = self._lookup(key)
        return None if found is _MISSING else found  # type: ignore[return-value]

    def _lookup(self, key: K) -> V | object:
        with self._lock:
            found = self._data.get(key)
            if found is None:
                return _MISSING
            self._data.move_to_end(key)
            self.hits += 1
            return found[0]

    def get_or_compute(self, key: K, compute: Callable[[], V]) -> V:
        """The cached value of *key*, or ``compute()`` (once, however many threads ask at the same time)."""
        found = self._lookup(key)
        if found is not _MISSING:
            return found  # type: ignore[return-value]
        with self._lock:
            key_lock = self._computing.setdefault(key, threading.Lock())
        with key_lock:
            found = self._lookup(key)
            if found is not _MISSING:
                return found  # type: ignore[return-value]
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
