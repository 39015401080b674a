"""Results that depend only on the data in the warehouse, computed once per data version (any layer may use it).

A run asks for the same national tables several times (the measures of every industry in every area feed both
the opportunities and the scenarios' feasibility), and the web app asks for them on every request. They are kept
here per open warehouse, under an explicit key, and thrown away as soon as the warehouse's
:meth:`~clusterplan.warehouse.Warehouse.data_version` changes (an import, by this process or another).
"""

from __future__ import annotations

import copy
import threading
import weakref
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Any, TypeVar

__all__ = ["CACHE_SIZE", "clear", "memoised"]

T = TypeVar("T")

#: Results kept per warehouse (least recently used dropped first): enough for every table of every GB region
#: and a few hundred US metros.
CACHE_SIZE = 512

_LOCK = threading.Lock()
_STORES: weakref.WeakKeyDictionary[Any, tuple[str, OrderedDict[Hashable, Any]]] = weakref.WeakKeyDictionary()


def memoised(warehouse: Any, key: Hashable, compute: Callable[[], T]) -> T:
    """``compute()``, or a copy of what it returned for *key* on this warehouse's current data.

    Warehouses without a data version (e.g. Spark) are not cached. Callers get a copy, so changing a returned
    frame cannot change what the next caller gets.
    """
    version_of = getattr(warehouse, "data_version", None)
    if version_of is None:
        return compute()
    version = version_of()
    with _LOCK:
        known = _STORES.get(warehouse)
        if known is None or known[0] != version:
            known = (version, OrderedDict())
            _STORES[warehouse] = known
        store = known[1]
        if key in store:
            store.move_to_end(key)
            return copy.deepcopy(store[key])
    value = compute()
    with _LOCK:
        store[key] = copy.deepcopy(value)
        while len(store) > CACHE_SIZE:
            store.popitem(last=False)
    return value


def clear(warehouse: Any | None = None) -> None:
    """Forget what was cached for *warehouse* (every warehouse when None)."""
    with _LOCK:
        if warehouse is None:
            _STORES.clear()
        else:
            _STORES.pop(warehouse, None)
