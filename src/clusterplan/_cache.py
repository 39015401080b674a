"""Results that depend only on the data in the warehouse, computed once per data version (any layer may use it).

A run asks for the same national tables several times (the measures of every industry in every area feed both
the opportunities and the scenarios' feasibility), and the web app asks for them on every request. They are kept
here per warehouse file (every connection to the same file shares them), under an explicit key, and thrown away
as soon as the warehouse's :meth:`~clusterplan.warehouse.Warehouse.data_version` changes (an import, by this
process or another). A key asked for by several threads at once is computed once: the others wait for it.
"""

from __future__ import annotations

import copy as _copy
import threading
import weakref
from collections import OrderedDict
from collections.abc import Callable, Hashable
from pathlib import Path
from typing import Any, TypeVar

__all__ = ["CACHE_SIZE", "clear", "memoised"]

T = TypeVar("T")

#: Results kept per warehouse (least recently used dropped first): enough for every table of every GB region
#: and taxonomy and a few hundred US metros.
CACHE_SIZE = 2048

_LOCK = threading.Lock()
#: Per warehouse file (its resolved path), so that a pool of connections to one file shares one store.
_FILE_STORES: dict[str, tuple[str, OrderedDict[Hashable, Any]]] = {}
#: Per warehouse object, for warehouses without a file (in memory).
_STORES: weakref.WeakKeyDictionary[Any, tuple[str, OrderedDict[Hashable, Any]]] = weakref.WeakKeyDictionary()
#: The computation under way for each (store, key): later callers wait for it instead of repeating it.
_COMPUTING: dict[tuple[int, Hashable], threading.Lock] = {}


def _store(warehouse: Any, version: str) -> OrderedDict[Hashable, Any]:
    """The store of *warehouse*'s file at *version* (a new, empty one when the data changed). Hold _LOCK."""
    path = getattr(warehouse, "path", None)
    place = str(path.resolve()) if isinstance(path, Path) else None
    known = _FILE_STORES.get(place) if place is not None else _STORES.get(warehouse)
    if known is None or known[0] != version:
        known = (version, OrderedDict())
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
        if key in store:
            store.move_to_end(key)
            found = store[key]
            return _fresh(found) if copy else found
        running = _COMPUTING.setdefault((id(store), key), threading.Lock())
    with running:
        with _LOCK:
            if key in store:  # computed by the caller we waited for
                found = store[key]
                return _fresh(found) if copy else found
        try:
            value = compute()
        finally:
            with _LOCK:
                _COMPUTING.pop((id(store), key), None)
        with _LOCK:
            store[key] = _fresh(value) if copy else value
            while len(store) > CACHE_SIZE:
                store.popitem(last=False)
    return value


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
