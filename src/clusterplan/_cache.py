"""The one cache machinery: a thread-safe LRU that computes each missing key once, and the per-warehouse store of
results that depend only on the data in the warehouse (any layer may use it).

A run asks for the same national tables several times (the measures of every industry in every area feed both
the opportunities and the scenarios' feasibility), and the web app asks for them on every request. They are kept
here per warehouse file (every connection to the same file shares them), under an explicit key, and thrown away
as soon as the warehouse's :meth:`~clusterplan.warehouse.Warehouse.data_version` changes (an import, by this
process or another). A key asked for by several threads at once is computed once: the others wait for it. The web
app keeps its answers in :class:`LruCache` too.

Results marked ``persist=True`` (national tables that take a large part of a run) are also kept on disk, so that
the next process on the same warehouse file and data does not compute them again: under ``$CLUSTERPLAN_CACHE``
(default ``$XDG_CACHE_HOME/clusterplan``, ``off`` to disable), in a folder per version of the code, its package
data and the libraries whose objects are stored, keyed by the warehouse file, its data version and the key. The
files are pickles, readable only by their owner: like the warehouse file itself, the folder must be one only its
user can write.
"""

from __future__ import annotations

import copy as _copy
import dataclasses
import hashlib
import importlib.metadata
import logging
import os
import pickle
import shutil
import struct
import sys
import threading
import weakref
from collections import OrderedDict
from collections.abc import Callable, Hashable
from pathlib import Path
from typing import Any, Generic, TypeVar

from ._paths import replacing

__all__ = [
    "CACHE_SIZE",
    "LruCache",
    "cache_folder",
    "clear",
    "code_folder",
    "kept_on_disk",
    "memoised",
    "on_disk",
    "pack",
    "unpack",
]

_log = logging.getLogger(__name__)

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
    A dataclass (a profile's every-area tables, a backtest with every forecast) is copied attribute by attribute
    the same way, not deep-copied whole (that copied tens of MB on every profile and scenario request).
    """
    kind = type(value)
    if kind is dict:
        return {k: _fresh(v) for k, v in value.items()}
    if kind is list or kind is tuple:
        return kind(_fresh(v) for v in value)
    if kind.__module__.startswith("pandas") and kind.__name__ in ("DataFrame", "Series") and _copy_on_write():
        return value.copy(deep=False)
    if (
        dataclasses.is_dataclass(value)
        and not isinstance(value, type)
        and hasattr(value, "__dict__")
        and _copy_on_write()
    ):
        copied = _copy.copy(value)
        # Fields and anything kept beside them (a cached_property's value), each copied as above.
        for name, attribute in vars(value).items():
            object.__setattr__(copied, name, _fresh(attribute))
        return copied
    return _copy.deepcopy(value)


def memoised(warehouse: Any, key: Hashable, compute: Callable[[], T], *, copy: bool = True, persist: bool = False) -> T:
    """``compute()``, or what it returned for *key* on this warehouse file's current data.

    Warehouses without a data version (e.g. Spark) are not cached. Callers get a copy (see :func:`_fresh`),
    so changing a returned frame cannot change what the next caller gets; ``copy=False`` hands out the cached
    object itself, for values nobody changes (a resolver, a tuple of numbers), where copying would cost as much
    as computing. ``persist=True`` also keeps the value on disk for later processes (see the module's notes);
    the key must then be made of plain values, tuples, sets and dataclasses, so that it reads the same in
    every process.
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
        computed.append(_from_disk(warehouse, version, key, compute) if persist else compute())
        return fresh(computed[0])

    found = store.get_or_compute(key, compute_and_keep)
    # The caller that computed gets its own result; the others a copy of the cached one.
    return computed[0] if computed else fresh(found)


def cache_folder() -> Path | None:
    """Where results kept on disk go: ``$CLUSTERPLAN_CACHE``, else ``$XDG_CACHE_HOME/clusterplan``, else
    ``~/.cache/clusterplan``; None when ``$CLUSTERPLAN_CACHE`` is ``off``."""
    chosen = os.environ.get("CLUSTERPLAN_CACHE")
    if chosen == "off":
        return None
    if chosen:
        return Path(chosen)
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "clusterplan"


#: Code versions whose results stay on disk (the newest by use); older ones are removed.
_KEPT_CODE_VERSIONS = 3
_CODE_VERSION: list[str] = []


def _code_version() -> str:
    """A digest of what a stored result depends on besides the data: every file of the package (its size and
    modification time, as Python's bytecode cache does), Python's version and pandas', numpy's and pyarrow's."""
    if not _CODE_VERSION:
        root = os.path.dirname(__file__)
        digest = hashlib.sha256(sys.version.encode())
        for name in ("pandas", "numpy", "pyarrow"):
            digest.update(f"{name}={importlib.metadata.version(name)}".encode())
        # Scanned with os.scandir (one stat a file): a run works this out before it forks its second process, and
        # rglob with its Path objects took twice as long (7 ms for ~400 files).
        files: list[tuple[str, int, int]] = []
        folders = [""]
        while folders:
            folder = folders.pop()
            with os.scandir(os.path.join(root, folder)) as entries:
                for entry in entries:
                    relative = f"{folder}/{entry.name}" if folder else entry.name
                    if entry.is_dir(follow_symlinks=False):
                        if entry.name != "__pycache__":
                            folders.append(relative)
                    elif entry.is_file():
                        stat = entry.stat()
                        files.append((relative, stat.st_size, stat.st_mtime_ns))
        for relative, size, modified in sorted(files):
            digest.update(f"{relative}:{size}:{modified}".encode())
        _CODE_VERSION.append(digest.hexdigest()[:16])
    return _CODE_VERSION[0]


def _stable(value: Any) -> str:
    """A text of *value* that is the same in every process (sets sorted, dataclasses by their fields)."""
    if value is None or isinstance(value, str | int | float | bool | Path):
        return repr(value)
    if isinstance(value, tuple | list):
        return "(" + ",".join(_stable(item) for item in value) + ")"
    if isinstance(value, frozenset | set):
        return "{" + ",".join(sorted(_stable(item) for item in value)) + "}"
    if isinstance(value, dict):
        return "{" + ",".join(sorted(f"{_stable(k)}:{_stable(v)}" for k, v in value.items())) + "}"
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        fields = ",".join(f"{f.name}={_stable(getattr(value, f.name))}" for f in dataclasses.fields(value))
        return f"{type(value).__qualname__}({fields})"
    raise TypeError(f"a {type(value).__name__} cannot be part of a key kept on disk")


def code_folder() -> Path | None:
    """The folder of this version of the code under :func:`cache_folder` (None when the cache is ``off``), where
    results kept on disk go; it need not exist yet."""
    folder = cache_folder()
    return None if folder is None else folder / "results" / _code_version()


def _disk_path(warehouse: Any, version: str, key: Hashable) -> Path | None:
    path = getattr(warehouse, "path", None)
    if not isinstance(path, Path):
        return None
    return _named_path(f"{path.resolve()}|{version}|{_stable(key)}")


def _named_path(text: str) -> Path | None:
    folder = code_folder()
    if folder is None:
        return None
    return folder / f"{hashlib.sha256(text.encode()).hexdigest()}.pickle"


def kept_on_disk(key: Hashable, compute: Callable[[], T]) -> T:
    """``compute()``, kept on disk for later processes, for a result that depends only on this version of the code
    and its package data (e.g. the simplified boundaries the report draws), not on any warehouse.

    The key follows the rules of ``memoised(..., persist=True)``; the cache is only a cache, as there.
    """
    return _stored(_package_path(key), compute)


def pack(data: bytes) -> bytes:
    """*data* compressed for keeping on disk (:func:`unpack` gives it back): Zstandard at level 1, through pyarrow.

    A first US run keeps 30 MB of text this way (its CSV files and report) while the user waits: zlib at level 1
    took 0.16 s for the 21 MB every-area table on a slow 2-core machine, Zstandard 0.04 s (and 4.0 MB against 5.0).
    """
    import pyarrow as pa

    return _PACKED_SIZE.pack(len(data)) + pa.Codec("zstd", compression_level=1).compress(data, asbytes=True)


def unpack(packed: bytes) -> bytes:
    """The bytes :func:`pack` compressed into *packed*."""
    import pyarrow as pa

    (size,) = _PACKED_SIZE.unpack_from(packed)
    return bytes(pa.Codec("zstd").decompress(memoryview(packed)[_PACKED_SIZE.size :], size, asbytes=True))


#: The length of the data before :func:`pack`'s stream (Zstandard's decompressor in pyarrow must be told it).
_PACKED_SIZE = struct.Struct("<Q")


def on_disk(key: Hashable) -> Any:
    """What :func:`kept_on_disk` keeps for *key*, if an earlier process kept it; else None (nothing is computed)."""
    found = _read(_package_path(key))
    return None if found is _MISSING else found


def _package_path(key: Hashable) -> Path | None:
    """Where :func:`kept_on_disk` keeps *key* (None: the cache is off, or the key has no stable text)."""
    try:
        return _named_path(f"package|{_stable(key)}")
    except TypeError as exc:  # a key of objects without a stable text: not kept
        _log.debug("not keeping %r on disk: %s", key, exc)
        return None


def _from_disk(warehouse: Any, version: str, key: Hashable, compute: Callable[[], T]) -> T:
    """What *compute* returned for *key* in an earlier process, else ``compute()``, stored for the next one.

    The cache is only a cache: a file that cannot be read is computed again, and one that cannot be written
    (read-only home, full disk) is left out, with a debug log line.
    """
    try:
        target = _disk_path(warehouse, version, key)
    except TypeError as exc:  # a key of objects without a stable text: kept in memory only
        _log.debug("not keeping %r on disk: %s", key, exc)
        target = None
    return _stored(target, compute)


def _stored(target: Path | None, compute: Callable[[], T]) -> T:
    """The value pickled at *target* by an earlier process, else ``compute()``, pickled there when possible."""
    found = _read(target)
    if found is not _MISSING:
        return found
    if target is None:
        return compute()
    value = compute()
    try:
        fresh_folder = not target.parent.exists()
        target.parent.mkdir(parents=True, exist_ok=True)
        if fresh_folder:
            _forget_old_code_versions(target.parent)
        # Whole or not at all: a reader never sees half a file, a Ctrl-C or a full disk leaves none behind.
        with replacing(target) as part, part.open("wb") as stored:
            pickle.dump(value, stored, protocol=pickle.HIGHEST_PROTOCOL)
    except (OSError, pickle.PicklingError, TypeError, AttributeError) as exc:  # no room, or not picklable
        _log.debug("not keeping %s on disk: %s", target, exc)
    return value


def _read(target: Path | None) -> Any:
    """The value pickled at *target* by an earlier process, or _MISSING (none, or one that cannot be read)."""
    if target is None:
        return _MISSING
    try:
        with target.open("rb") as stored:
            # The user's own cache folder, written only by _stored.
            return pickle.load(stored)
    except FileNotFoundError:
        return _MISSING
    except Exception as exc:  # a damaged or half-copied file is computed again
        _log.debug("recomputing %s: %s", target, exc)
        return _MISSING


def _forget_old_code_versions(current: Path) -> None:
    """Remove the folders of all but the newest few code versions (by when they were made or last written)."""
    others = [path for path in current.parent.iterdir() if path.is_dir() and path != current]
    others.sort(key=lambda path: path.stat().st_mtime, reverse=True)
    for old in others[_KEPT_CODE_VERSIONS - 1 :]:
        shutil.rmtree(old, ignore_errors=True)


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
