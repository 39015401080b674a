"""What the web app serves from: read-only warehouse connections, a catalogue of choices, caches.

DuckDB connections must not be shared between threads, so the app keeps a
small pool of read-only :class:`~clusterplan.warehouse.Warehouse` objects on
the same file (DuckDB shares one database instance between them) and lends one
to each computation. Everything a request can ask for is checked against the
catalogue built once at start-up (regions, years, taxonomies, benchmarks)
before any query runs, and computed answers are kept in LRU caches keyed by
the checked, normalised parameters, so a repeated request costs a dictionary
look-up.
"""

from __future__ import annotations

import dataclasses
import gzip
import json
import math
import multiprocessing
import queue
import re
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Generic, TypeVar, cast

import numpy as np
import pandas as pd

from .._exceptions import ClusterplanError, ParameterError, UnknownCodeError, WarehouseError
from .._version import __version__
from ..datasets import DATASET_PROFILES, LEVELS
from ..pipeline.profile import ClusterProfile, industry_measures, profile_region
from ..pipeline.profile import traded_industry_codes as _traded_industry_codes
from ..regions import CBSA_TYPES, Gazetteer, Region, benchmark_keyword, contiguous_cbsas
from ..taxonomy import list_taxonomies, load_taxonomy
from ..warehouse import Warehouse

__all__ = [
    "BOUNDARY_LEVELS",
    "IO_METHODS",
    "SCENARIO_RULES",
    "SCENARIO_STATISTICS",
    "Catalogue",
    "DashboardService",
    "LruCache",
    "MeasuresQuery",
    "ProfileQuery",
    "ScenarioQuery",
    "SupplyChainQuery",
    "WarehousePool",
    "json_bytes",
]

#: Boundary levels the API serves (the packaged GeoJSON of :func:`clusterplan.sources.ons_geography.load_boundaries`).
BOUNDARY_LEVELS = ("itl1", "itl2", "itl3", "lad", "cbsa")

#: The columns of ``ClusterProfile.regions`` that the map and the area tables use.
REGION_COLUMNS = (
    "area_code",
    "area_name",
    "cluster_id",
    "cluster",
    "employment",
    "share",
    "lq",
    "lq_low",
    "lq_high",
    "growth_cagr",
    "lq_rank",
    "lq_percentile",
    "n_regions",
    "in_benchmark",
    "strong_cluster",
    "stars",
)

#: Comparator rules and growth statistics of the scenarios (clusterplan.scenarios.config).
SCENARIO_RULES = ("lq", "strong", "stars")
SCENARIO_STATISTICS = ("leader", "top_quartile", "median", "mean")
#: Regionalisation methods of the input-output model, and its year (the IOAT's).
IO_METHODS = ("slq", "cilq", "flq", "aflq")
IO_DEFAULT_YEAR = 2019

#: Answers smaller than this are sent uncompressed (gzip gains nothing on a few hundred bytes).
_GZIP_MINIMUM = 1024

_GEOGRAPHY_LABELS = {"uk": "Great Britain (ITL2 areas)", "us": "United States (CBSAs)"}
_CLASSIFICATION_FAMILY = re.compile(r"\d+$")

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


# -- JSON ----------------------------------------------------------------------------------------------------


def _clean(value: Any) -> Any:
    """Plain JSON values: NaN and infinities become null, numpy scalars Python numbers."""
    if isinstance(value, dict):
        return {str(k): _clean(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_clean(v) for v in value]
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, Path):
        return value.name
    return value


def _plain(value: Any) -> Any:
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, Path):
        return value.name
    raise TypeError(f"cannot write {type(value).__name__} as JSON")


def json_bytes(value: Any) -> bytes:
    """Compact UTF-8 JSON of *value* (NaN and infinities as null, numpy scalars as numbers)."""
    try:
        text = json.dumps(value, ensure_ascii=False, separators=(",", ":"), allow_nan=False, default=_plain)
    except ValueError:
        # Only walk the whole structure when it holds a NaN or an infinity.
        text = json.dumps(_clean(value), ensure_ascii=False, separators=(",", ":"), allow_nan=False, default=_plain)
    return text.encode("utf-8")


def records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """A table as a list of row objects of plain Python values; missing and infinite values are None."""
    numeric = frame.select_dtypes("number").columns
    finite = frame.copy()
    finite[numeric] = finite[numeric].where(np.isfinite(finite[numeric].astype(float)))
    plain = finite.astype(object).where(finite.notna(), None)
    return cast(list[dict[str, Any]], plain.to_dict("records"))


# -- caches and the connection pool ----------------------------------------------------------------------------


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


class WarehousePool:
    """Read-only :class:`Warehouse` objects on one file, lent to one thread at a time.

    Parameters
    ----------
    path
        The DuckDB warehouse file (must exist and hold the embedded data).
    size
        Connections; computations beyond this many wait for a free one.
    wait_seconds
        How long a computation waits before the request fails with a
        :class:`~clusterplan.WarehouseError` (the server is overloaded).
    """

    def __init__(self, path: str | Path, size: int = 2, *, wait_seconds: float = 120.0) -> None:
        if size < 1:
            raise ParameterError(f"connection pool size must be at least 1, not {size}")
        self.path = Path(path)
        self.size = size
        self.wait_seconds = wait_seconds
        self._idle: queue.LifoQueue[Warehouse] = queue.LifoQueue()
        self._all: list[Warehouse] = []
        for _ in range(size):
            warehouse = Warehouse(self.path, read_only=True)
            self._all.append(warehouse)
            self._idle.put(warehouse)

    @contextmanager
    def borrow(self) -> Iterator[Warehouse]:
        try:
            warehouse = self._idle.get(timeout=self.wait_seconds)
        except queue.Empty:
            raise WarehouseError(
                f"all {self.size} warehouse connections stayed busy for {self.wait_seconds:.0f} s",
                hint="try again shortly",
            ) from None
        try:
            yield warehouse
        finally:
            self._idle.put(warehouse)

    def close(self) -> None:
        for warehouse in self._all:
            warehouse.close()
        self._all.clear()


# -- the catalogue of valid choices ------------------------------------------------------------------------------


@dataclass(frozen=True)
class EmploymentDataset:
    """An employment dataset the dashboard profiles regions from."""

    name: str
    geography: str
    classification: str
    years: tuple[int, ...]
    default_taxonomy: str
    benchmark_name: str
    levels: tuple[str, ...]
    title: str


@dataclass(frozen=True)
class Area:
    """One region that can be profiled."""

    code: str
    name: str | None
    dataset: str
    geography: str
    level: str
    parent_code: str | None
    total_employment: float | None
    #: Dataset areas making up the region (empty for a plain area) and how the input was mapped.
    members: tuple[str, ...] = ()
    mapping: tuple[str, ...] = ()

    @property
    def label(self) -> str:
        if self.name:
            return f"{self.name} ({self.code})"
        return f"CBSA {self.code}" if self.level == "cbsa" else self.code


def _family(classification: str) -> str:
    """``sic2007`` -> ``sic``; ``naics2017`` -> ``naics``: taxonomies apply across vintages of one family."""
    return _CLASSIFICATION_FAMILY.sub("", classification)


@dataclass
class Catalogue:
    """Every choice the API accepts, read once from the warehouse."""

    datasets: dict[str, EmploymentDataset]
    areas: dict[str, dict[str, Area]]
    names: dict[str, str]
    parents: dict[str, str]
    taxonomies: dict[str, dict[str, Any]]
    data_version: str | None
    level_years: dict[str, tuple[int, ...]]
    benchmark_areas: dict[str, dict[str, list[str]]] = field(default_factory=dict)
    #: The region resolver over each dataset's areas, and over all of them (key None).
    gazetteers: dict[str | None, Gazetteer] = field(default_factory=dict)

    @classmethod
    def read(cls, warehouse: Warehouse) -> Catalogue:
        names = warehouse.area_names()
        parents = warehouse.area_parents()
        levels = warehouse.area_levels()
        present = set(warehouse.list_datasets()["dataset"].astype(str))
        geographies = warehouse.area_geographies()
        datasets: dict[str, EmploymentDataset] = {}
        areas: dict[str, dict[str, Area]] = {}
        level_years: dict[str, tuple[int, ...]] = {}
        for name, profile in DATASET_PROFILES.items():
            years = tuple(warehouse.fact_years(name, measure="employment"))
            if name not in present or not years:
                continue
            for level, (dataset_name, _) in LEVELS.items():
                if dataset_name == name:
                    level_years[level] = years
            # The first dataset of each geography is the one profile_region picks for its regions.
            if any(d.geography == profile.geography for d in datasets.values()):
                continue
            title = str(warehouse.dataset_info(name)["title"])
            totals = _latest_totals(warehouse, name, years[-1])
            datasets[name] = EmploymentDataset(
                name=name,
                geography=profile.geography,
                classification=profile.classification,
                years=years,
                default_taxonomy=profile.default_taxonomy,
                benchmark_name=profile.benchmark_name,
                levels=(),
                title=title,
            )
            areas[name] = {
                code: Area(
                    code=code,
                    name=names.get(code),
                    dataset=name,
                    geography=profile.geography,
                    level=levels.get(code, ""),
                    parent_code=parents.get(code),
                    total_employment=totals.get(code),
                )
                for code in sorted(totals)
            }
        # Industry levels of every dataset over the same areas (BRES by subclass and by division).
        for name, dataset in list(datasets.items()):
            same_areas = [
                level
                for level, (dataset_name, _) in LEVELS.items()
                if level in level_years and DATASET_PROFILES[dataset_name].geography == dataset.geography
            ]
            datasets[name] = dataclasses.replace(dataset, levels=tuple(same_areas))
        taxonomies = {}
        for info in list_taxonomies():
            compatible = [
                d.name for d in datasets.values() if _family(d.classification) == _family(info.classification)
            ]
            taxonomies[info.name] = {
                "name": info.name,
                "title": info.title,
                "classification": info.classification,
                "clusters": info.clusters,
                "source": info.source,
                "datasets": compatible,
                "geographies": sorted({datasets[d].geography for d in compatible}),
            }
        catalogue = cls(datasets, areas, names, parents, taxonomies, warehouse.embedded_data_version(), level_years)
        catalogue.benchmark_areas = {name: catalogue._containers(name) for name in datasets}
        places = pd.DataFrame(
            {
                "area_code": list(levels),
                "area_name": [names.get(c) for c in levels],
                "area_level": list(levels.values()),
                "parent_code": [parents.get(c) for c in levels],
                "geography": [geographies.get(c, "") for c in levels],
            }
        )
        catalogue.gazetteers = {name: Gazetteer(list(areas[name]), places) for name in datasets}
        catalogue.gazetteers[None] = Gazetteer([c for name in datasets for c in areas[name]], places)
        return catalogue

    def _containers(self, dataset: str) -> dict[str, list[str]]:
        """Larger areas holding at least two of the dataset's areas: the area benchmarks on offer."""
        inside: dict[str, list[str]] = {}
        for code in self.areas[dataset]:
            seen = set()
            parent = self.parents.get(code)
            while parent is not None and parent not in seen:
                seen.add(parent)
                inside.setdefault(parent, []).append(code)
                parent = self.parents.get(parent)
        national = {"K03000001", "K02000001"}
        return {k: sorted(v) for k, v in sorted(inside.items()) if len(v) >= 2 and k not in national}

    # -- checks -------------------------------------------------------------------------------------------------
    def resolve_area(self, region: str) -> Area:
        """The area a region code, name, alias or group stands for; UnknownCodeError with "did you mean"."""
        if not self.datasets:
            raise WarehouseError("the warehouse holds no employment datasets")
        resolved = self.gazetteers[None].resolve(region)
        dataset = next(d for d in self.datasets if resolved.members[0] in self.areas[d])
        return self.area_of(resolved, dataset)

    def area_of(self, region: Region, dataset: str) -> Area:
        """A resolved region as an :class:`Area` of *dataset* (a composite region sums its members' totals)."""
        if not region.composite:
            return self.areas[dataset][region.code]
        totals = [self.areas[dataset][m].total_employment for m in region.members]
        return Area(
            code=region.code,
            name=region.name,
            dataset=dataset,
            geography=self.datasets[dataset].geography,
            level="composite",
            parent_code=None,
            total_employment=None if None in totals else float(sum(t for t in totals if t is not None)),
            members=region.members,
            mapping=region.mapping,
        )

    def dataset(self, name: str) -> EmploymentDataset:
        return self.datasets[name]

    def taxonomy_for(self, taxonomy: str | None, dataset: EmploymentDataset) -> str:
        """A built-in taxonomy name that fits the dataset's classification (default: the dataset's own)."""
        if taxonomy is None or taxonomy == "":
            return dataset.default_taxonomy
        name = taxonomy.strip()
        if name not in self.taxonomies:
            raise UnknownCodeError("taxonomy", name, sorted(self.taxonomies))
        if dataset.name not in self.taxonomies[name]["datasets"]:
            fitting = [t for t, info in sorted(self.taxonomies.items()) if dataset.name in info["datasets"]]
            raise ParameterError(
                f"taxonomy {name!r} classifies {self.taxonomies[name]['classification']} industries but "
                f"{_GEOGRAPHY_LABELS.get(dataset.geography, dataset.geography)} data ({dataset.name}) uses "
                f"{dataset.classification}; valid choices: {', '.join(fitting)}"
            )
        return name

    def taxonomies_for(self, dataset: EmploymentDataset) -> list[str]:
        return [t for t, info in sorted(self.taxonomies.items()) if dataset.name in info["datasets"]]

    def period(self, dataset: EmploymentDataset, year: int | None, base_year: int | None) -> tuple[int, int | None]:
        """The profile year and growth start year, checked against the years in the data."""
        years = dataset.years
        choices = [str(y) for y in years]
        chosen = years[-1] if year is None else year
        if chosen not in years:
            raise UnknownCodeError("year", str(year), choices)
        if len(years) == 1:
            if base_year is not None:
                raise ParameterError(
                    f"base_year {base_year} not allowed: {dataset.name} has one year ({years[0]}), so no growth period"
                )
            return chosen, None
        if base_year is None and chosen == years[0]:
            return chosen, None  # the earliest year: no earlier year to grow from, so growth measures stay empty
        base = years[0] if base_year is None else base_year
        if base not in years:
            raise UnknownCodeError("base year", str(base_year), choices)
        if base >= chosen:
            raise ParameterError(
                f"base_year {base} must be before year {chosen}; years in the data: {', '.join(choices)}"
            )
        return chosen, base

    def benchmark_choices(self, area: Area) -> list[dict[str, Any]]:
        """What the ``benchmark`` parameter accepts for an area, with labels."""
        dataset = self.datasets[area.dataset]
        choices: list[dict[str, Any]] = [
            {"value": "national", "label": dataset.benchmark_name, "contains_region": True},
            {"value": "peers", "label": "peer group (default: the 8 areas closest in total employment)"},
        ]
        if dataset.geography == "us":
            choices += [
                {"value": key, "label": f"all {kind} areas", "contains_region": True}
                for key, kind in CBSA_TYPES.items()
            ]
        for code, members in self.benchmark_areas[area.dataset].items():
            name = self.names.get(code)
            choices.append(
                {
                    "value": code,
                    "label": f"{name} ({code})" if name else code,
                    "areas": len(members),
                    "contains_region": area.code in members,
                }
            )
        return choices

    def benchmark(self, benchmark: str, area: Area) -> str:
        key = benchmark_keyword(benchmark)
        if key in ("national", "peers") or key in self.benchmark_areas[area.dataset]:
            return key
        if key in CBSA_TYPES and self.datasets[area.dataset].geography == "us":
            return key
        raise UnknownCodeError("benchmark", benchmark, [str(c["value"]) for c in self.benchmark_choices(area)])

    def peers(self, peers: Sequence[str] | None, benchmark: str, area: Area) -> tuple[str, ...] | None:
        if not peers:
            return None
        if benchmark != "peers":
            raise ParameterError("peers apply only with benchmark=peers")
        resolved = sorted({r.code for r in self.gazetteers[area.dataset].resolve_many(list(peers))})
        return tuple(resolved)


def _latest_totals(warehouse: Warehouse, dataset: str, year: int) -> dict[str, float]:
    """Each area's total employment in *year*, as profile_region computes it (published total or sum of units)."""
    profile = DATASET_PROFILES[dataset]
    if profile.total_code is not None:
        return warehouse.area_employment_totals(dataset, year, total_code=profile.total_code)
    return warehouse.area_employment_totals(dataset, year, unit_level=(profile.classification, profile.unit_level))


# -- queries -----------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ProfileQuery:
    """Checked, normalised parameters of one cluster profile: the cache key."""

    region: str
    dataset: str
    taxonomy: str
    year: int
    base_year: int | None
    benchmark: str
    peers: tuple[str, ...] | None
    denominator: str
    cells: str = "reconstructed"
    #: ``clusterplan`` or ``cluster_mapping`` (also the US Cluster Mapping portal's measures, traded denominator).
    convention: str = "clusterplan"


@dataclass(frozen=True)
class MeasuresQuery:
    """Checked, normalised parameters of one industry-measures table."""

    region: str
    level: str
    year: int
    base_year: int | None
    benchmark: str
    peers: tuple[str, ...] | None
    cells: str = "reconstructed"
    convention: str = "clusterplan"


@dataclass(frozen=True)
class ScenarioQuery:
    """Checked parameters of one scenario run: the profile's, plus the scenario choices (None: the default)."""

    profile: ProfileQuery
    target_year: int | None
    method: str | None
    comparator_rule: str | None
    high: str | None
    low: str | None
    baseline: str | None
    weights: tuple[tuple[str, float], ...]

    def overrides(self) -> dict[str, Any]:
        """Dotted overrides of :func:`clusterplan.scenarios.load_scenario_config`."""
        chosen = {
            "target_year": self.target_year,
            "scenario.method": self.method,
            "scenario.comparator_rule": self.comparator_rule,
            "scenario.high": self.high,
            "scenario.low": self.low,
            "baseline.method": self.baseline,
        }
        out: dict[str, Any] = {k: v for k, v in chosen.items() if v is not None}
        if self.weights:
            out["priorities.weights"] = dict(self.weights)
        return out


@dataclass(frozen=True)
class SupplyChainQuery:
    """Checked parameters of a region's input-output supply chains."""

    region: str
    taxonomy: str
    method: str
    delta: float
    year: int
    top: int


@dataclass(frozen=True)
class _ProfileResult:
    body: bytes
    regions: pd.DataFrame
    header: dict[str, Any]
    #: The profile itself where scenarios can use it (datasets with a time series); None otherwise.
    profile: ClusterProfile | None = None


#: Answers that are CPU-bound pandas and NumPy work: with worker processes, they are computed there, so that the
#: server uses every core and a slow answer never holds the event loop or the interpreter lock of the others.
COMPUTED_IN_WORKERS = frozenset(
    {"profile", "profile_regions", "measures", "scenarios", "supply_chains", "subregional", "hotspots"}
)

#: The worker process's own service (its connections and profile cache), made by :func:`_start_worker`.
_WORKER: DashboardService | None = None


def _start_worker(path: str, profile_cache_size: int, profile_cache_bytes: int) -> None:
    global _WORKER
    _WORKER = DashboardService(
        path, pool_size=1, profile_cache_size=profile_cache_size, profile_cache_bytes=profile_cache_bytes
    )


def _worker_ready() -> bool:
    return _WORKER is not None


def _worker_answer(resource: str, args: tuple[Any, ...]) -> tuple[bool, Any]:
    """``(True, bytes)``, or ``(False, (class, attributes, text))`` for a clusterplan error: the errors' own
    constructors take more than their message, so they cross the process boundary as their parts."""
    assert _WORKER is not None
    try:
        return True, getattr(DashboardService, resource)(_WORKER, *args)
    except ClusterplanError as exc:
        return False, (type(exc), dict(exc.__dict__), str(exc))


def _rebuilt_error(parts: tuple[type[ClusterplanError], dict[str, Any], str]) -> ClusterplanError:
    kind, attributes, text = parts
    error = kind.__new__(kind)
    Exception.__init__(error, text)
    error.__dict__.update(attributes)
    return error


def _stored(body: bytes) -> tuple[bytes, bool]:
    """What the response cache keeps of an answer: gzip-compressed (once) when that gains, else as it is."""
    if len(body) < _GZIP_MINIMUM:
        return body, False
    return gzip.compress(body, 6, mtime=0), True


def _as_sent(stored: bytes, compressed: bool, gzip_ok: bool) -> tuple[bytes, bool]:
    """A cached answer as the client accepts it: compressed, or decompressed for a client without gzip."""
    if compressed and not gzip_ok:
        return gzip.decompress(stored), False
    return stored, compressed


def _profile_weight(result: _ProfileResult) -> int:
    """Bytes a cached profile holds (its JSON and its tables), so the cache is bounded by memory, not count."""
    frames = [result.regions]
    if result.profile is not None:
        frames += [result.profile.clusters, result.profile.regions, result.profile.trend]
    return len(result.body) + sum(int(f.memory_usage(index=True).sum()) for f in frames)


class DashboardService:
    """The web app's data access: catalogue, pool and caches over one read-only warehouse.

    Parameters
    ----------
    warehouse_path
        A warehouse file that already holds the embedded data (``clusterplan
        serve`` makes sure of that before starting).
    pool_size
        Read-only connections (parallel computations in this process).
    profile_cache_size, profile_cache_bytes
        Bounds of the profile cache: entries (enough for every region and taxonomy) and bytes held.
    response_cache_bytes
        Bound of the rendered-response cache (bytes kept: answers over 1 kB are kept gzip-compressed).
    workers
        Worker processes for the answers of :data:`COMPUTED_IN_WORKERS` (0: computed in this process's
        threads). Each opens the warehouse read-only and keeps its own profile cache.
    """

    def __init__(
        self,
        warehouse_path: str | Path,
        *,
        pool_size: int = 2,
        profile_cache_size: int = 1024,
        profile_cache_bytes: int = 256 * 2**20,
        response_cache_bytes: int = 64 * 2**20,
        workers: int = 0,
    ) -> None:
        self.pool = WarehousePool(warehouse_path, pool_size)
        try:
            with self.pool.borrow() as warehouse:
                self.catalogue = Catalogue.read(warehouse)
        except BaseException:
            self.pool.close()
            raise
        self.profiles: LruCache[ProfileQuery, _ProfileResult] = LruCache(
            profile_cache_size, max_weight=profile_cache_bytes, weigh=_profile_weight
        )
        # Answers are kept compressed (a US map table is 23 MB of JSON, 1-2 MB gzipped), so every region and
        # taxonomy fits; the rare client that does not accept gzip gets them decompressed.
        self.responses: LruCache[tuple[Any, ...], tuple[bytes, bool]] = LruCache(
            4096, max_weight=response_cache_bytes, weigh=lambda found: len(found[0])
        )
        self._traded: dict[str, list[str]] = {}
        self._traded_lock = threading.Lock()
        self.workers: ProcessPoolExecutor | None = None
        self.worker_count = workers
        if workers > 0:
            # spawn, not fork: a forked child would share this process's open DuckDB connections.
            self.workers = ProcessPoolExecutor(
                workers,
                mp_context=multiprocessing.get_context("spawn"),
                initializer=_start_worker,
                initargs=(str(warehouse_path), profile_cache_size, profile_cache_bytes),
            )

    def close(self) -> None:
        if self.workers is not None:
            self.workers.shutdown(wait=True, cancel_futures=True)
            self.workers = None
        self.pool.close()

    def start_workers(self) -> None:
        """Start every worker process now (each opens the warehouse and reads the catalogue once)."""
        if self.workers is not None:
            for future in [self.workers.submit(_worker_ready) for _ in range(self.worker_count)]:
                future.result()

    def compute(self, resource: str, args: tuple[Any, ...]) -> bytes:
        """The JSON of ``DashboardService.<resource>(*args)``: in a worker process when it is CPU-bound work and
        there are workers, else here."""
        if self.workers is None or resource not in COMPUTED_IN_WORKERS:
            body: bytes = getattr(DashboardService, resource)(self, *args)
            return body
        done, value = self.workers.submit(_worker_answer, resource, args).result()
        if not done:
            raise _rebuilt_error(value)
        return cast(bytes, value)

    # -- checking parameters (cheap: no queries) ---------------------------------------------------------------
    def profile_query(
        self,
        *,
        region: str,
        taxonomy: str | None = None,
        year: int | None = None,
        base_year: int | None = None,
        benchmark: str = "national",
        peers: Sequence[str] | None = None,
        denominator: str = "all",
        cells: str = "reconstructed",
        convention: str = "clusterplan",
    ) -> ProfileQuery:
        area = self.catalogue.resolve_area(region)
        dataset = self.catalogue.dataset(area.dataset)
        _check_convention(convention, dataset)
        chosen_year, chosen_base = self.catalogue.period(dataset, year, base_year)
        chosen_benchmark = self.catalogue.benchmark(benchmark, area)
        return ProfileQuery(
            region=area.code,
            dataset=dataset.name,
            taxonomy=self.catalogue.taxonomy_for(taxonomy, dataset),
            year=chosen_year,
            base_year=chosen_base,
            benchmark=chosen_benchmark,
            peers=self.catalogue.peers(peers, chosen_benchmark, area),
            # The portal's measures are out of traded employment (as `clusterplan run --convention` implies).
            denominator="traded" if convention == "cluster_mapping" else denominator,
            cells=cells,
            convention=convention,
        )

    def measures_query(
        self,
        *,
        region: str,
        level: str | None = None,
        year: int | None = None,
        base_year: int | None = None,
        benchmark: str = "national",
        peers: Sequence[str] | None = None,
        cells: str = "reconstructed",
        convention: str = "clusterplan",
    ) -> MeasuresQuery:
        area = self.catalogue.resolve_area(region)
        dataset = self.catalogue.dataset(area.dataset)
        _check_convention(convention, dataset)
        if level is None:
            level = dataset.levels[0]
        if level not in LEVELS:
            raise UnknownCodeError("level", level, list(LEVELS))
        if level not in dataset.levels:
            raise ParameterError(
                f"level {level!r} does not apply to region {area.code} "
                f"({_GEOGRAPHY_LABELS.get(dataset.geography, dataset.geography)}); "
                f"valid choices: {', '.join(dataset.levels)}"
            )
        level_data = dataclasses.replace(dataset, name=LEVELS[level][0], years=self.catalogue.level_years[level])
        chosen_year, chosen_base = self.catalogue.period(level_data, year, base_year)
        chosen_benchmark = self.catalogue.benchmark(benchmark, area)
        return MeasuresQuery(
            region=area.code,
            level=level,
            year=chosen_year,
            base_year=chosen_base,
            benchmark=chosen_benchmark,
            peers=self.catalogue.peers(peers, chosen_benchmark, area),
            cells=cells,
            convention=convention,
        )

    # -- answers (cached) ---------------------------------------------------------------------------------------
    def answer(self, key: tuple[Any, ...], compute: Callable[[], bytes], gzip_ok: bool) -> tuple[bytes, bool]:
        """A rendered answer from the cache (computed once when missing), gzip-compressed when the client
        accepts it and it is large enough to gain; returns the bytes and whether they are compressed."""
        return _as_sent(*self.responses.get_or_compute(key, lambda: _stored(compute())), gzip_ok)

    def answer_now(self, key: tuple[Any, ...], gzip_ok: bool) -> tuple[bytes, bool] | None:
        """The cached answer, or None when it still has to be computed."""
        found = self.responses.get(key)
        return None if found is None else _as_sent(*found, gzip_ok)

    def health(self) -> bytes:
        return json_bytes(
            {
                "status": "ok",
                "clusterplan_version": __version__,
                "data_version": self.catalogue.data_version,
                "datasets": sorted(self.catalogue.datasets),
                "connections": self.pool.size,
            }
        )

    def regions(self, geography: str | None) -> bytes:
        rows: list[dict[str, Any]] = []
        for dataset_name, areas in self.catalogue.areas.items():
            dataset = self.catalogue.datasets[dataset_name]
            if geography is not None and dataset.geography != geography:
                continue
            rows.extend(_area_json(area) for area in areas.values())
        return json_bytes({"regions": rows})

    def region(self, code: str) -> bytes:
        area = self.catalogue.resolve_area(code)
        dataset = self.catalogue.dataset(area.dataset)
        return json_bytes(
            {
                **_area_json(area),
                "dataset": _dataset_json(dataset),
                "taxonomies": self.catalogue.taxonomies_for(dataset),
                "default_taxonomy": dataset.default_taxonomy,
                "benchmarks": self.catalogue.benchmark_choices(area),
                "levels": list(dataset.levels),
            }
        )

    def taxonomies(self) -> bytes:
        return json_bytes({"taxonomies": list(self.catalogue.taxonomies.values())})

    def taxonomy(self, name: str) -> bytes:
        if name not in self.catalogue.taxonomies:
            raise UnknownCodeError("taxonomy", name, sorted(self.catalogue.taxonomies))
        taxonomy = load_taxonomy(name)
        return json_bytes(
            {
                **self.catalogue.taxonomies[name],
                "description": taxonomy.description,
                "cluster_list": [
                    {
                        "id": c.id,
                        "name": c.name,
                        "description": c.description,
                        "codes": list(c.codes),
                        "note": c.note,
                        "confidence": c.confidence,
                    }
                    for c in taxonomy.clusters
                ],
            }
        )

    def datasets(self) -> bytes:
        with self.pool.borrow() as warehouse:
            frame = warehouse.list_datasets()
        return json_bytes({"datasets": records(frame)})

    def dataset(self, name: str) -> bytes:
        with self.pool.borrow() as warehouse:
            info = warehouse.dataset_info(name)
        # The file a user imported from is a path on this machine: say only its name.
        if info.get("origin") != "embedded" and info.get("file"):
            info["file"] = Path(str(info["file"])).name
        info.pop("loaded_at", None)
        return json_bytes(info)

    def boundaries(self, level: str) -> bytes:
        from ..sources.ons_geography import load_boundaries

        shapes = load_boundaries(level)
        if level == "cbsa":
            # The contiguous United States: Alaska, Hawaii and Puerto Rico would shrink the map to a corner.
            keep = contiguous_cbsas()
            shapes = {**shapes, "features": [f for f in shapes["features"] if f["properties"]["code"] in keep]}
        return json_bytes(shapes)

    def _traded_codes(self, dataset: str) -> list[str]:
        with self._traded_lock:
            if dataset not in self._traded:
                with self.pool.borrow() as warehouse:
                    self._traded[dataset] = _traded_industry_codes(warehouse, dataset)
            return self._traded[dataset]

    def _profile(self, query: ProfileQuery) -> _ProfileResult:
        return self.profiles.get_or_compute(query, lambda: self._compute_profile(query))

    def _compute_profile(self, query: ProfileQuery) -> _ProfileResult:
        denominator = self._traded_codes(query.dataset) if query.denominator == "traded" else None
        with self.pool.borrow() as warehouse:
            profile = profile_region(
                warehouse,
                region=query.region,
                taxonomy=query.taxonomy,
                year=query.year,
                base_year=query.base_year,
                dataset=query.dataset,
                benchmark=query.benchmark,
                peers=list(query.peers) if query.peers else None,
                denominator_codes=denominator,
                cells=query.cells,
                convention=query.convention,
            )
        dataset = self.catalogue.dataset(query.dataset)
        parameters = dict(profile.parameters)
        parameters["denominator_choice"] = query.denominator
        header = {
            "region": {
                "code": profile.region_code,
                "name": profile.region_name,
                "members": list(profile.region_detail.get("members", [profile.region_code])),
                "mapping": list(profile.region_detail.get("mapping", [])),
                "dataset": query.dataset,
                "geography": dataset.geography,
            },
            "taxonomy": {
                "name": profile.taxonomy.name,
                "title": profile.taxonomy.title,
                "classification": profile.taxonomy.classification,
                "source": profile.taxonomy.source,
            },
            "parameters": parameters,
        }
        body = json_bytes(
            {
                **header,
                "totals": profile.totals,
                "clusters": records(profile.clusters),
                "trend": records(profile.trend),
                "inputs": profile.inputs,
            }
        )
        regions = profile.regions.rename(columns={"value": "employment"})
        regions = regions[[c for c in REGION_COLUMNS if c in regions.columns]].sort_values(["cluster_id", "area_code"])
        kept = profile if len(dataset.years) > 1 else None
        return _ProfileResult(body=body, regions=regions.reset_index(drop=True), header=header, profile=kept)

    def profile(self, query: ProfileQuery) -> bytes:
        return self._profile(query).body

    def profile_regions(self, query: ProfileQuery, cluster: str | None) -> bytes:
        result = self._profile(query)
        rows = result.regions
        cluster_info = None
        if cluster is not None:
            known = rows["cluster_id"].drop_duplicates().tolist()
            if cluster not in known:
                raise UnknownCodeError(f"cluster of {query.taxonomy}", cluster, known)
            rows = rows[rows["cluster_id"] == cluster]
            cluster_info = {"id": cluster, "name": str(rows["cluster"].iloc[0])}
        return json_bytes(
            {**result.header, "cluster": cluster_info, "columns": list(rows.columns), "rows": records(rows)}
        )

    def measures(self, query: MeasuresQuery) -> bytes:
        with self.pool.borrow() as warehouse:
            table = industry_measures(
                warehouse,
                level=query.level,
                region=query.region,
                year=query.year,
                base_year=query.base_year,
                benchmark=query.benchmark,
                peers=list(query.peers) if query.peers else None,
                cells=query.cells,
                convention=query.convention,
            )
        benchmark_label = str(table["benchmark"].iloc[0]) if len(table) else None
        table = table.drop(columns=["benchmark"])
        return json_bytes(
            {
                "region": {"code": query.region, "name": self.catalogue.names.get(query.region)},
                "parameters": {
                    "level": query.level,
                    "dataset": LEVELS[query.level][0],
                    "year": query.year,
                    "base_year": query.base_year,
                    "benchmark": query.benchmark,
                    "benchmark_label": benchmark_label,
                    "peers": list(query.peers) if query.peers else None,
                    "cells": query.cells,
                    "convention": query.convention,
                    "convention_description": INDUSTRY_CONVENTIONS[query.convention],
                },
                "columns": list(table.columns),
                "rows": records(table),
            }
        )

    # -- scenarios (clusterplan.scenarios) -----------------------------------------------------------------------
    def scenario_query(
        self,
        profile: ProfileQuery,
        *,
        target_year: int | None = None,
        method: str | None = None,
        comparator_rule: str | None = None,
        high: str | None = None,
        low: str | None = None,
        baseline: str | None = None,
        weights: str | None = None,
    ) -> ScenarioQuery:
        from ..scenarios import load_scenario_config, parse_weights

        dataset = self.catalogue.dataset(profile.dataset)
        if len(dataset.years) < 2:
            raise ParameterError(
                f"scenarios need an employment time series, and {dataset.name} has one year ({dataset.years[0]}); "
                "choose a GB ITL2 region"
            )
        if target_year is not None and target_year <= profile.year:
            raise ParameterError(f"target_year {target_year} must be after the profile year {profile.year}")
        parsed = tuple(sorted(parse_weights(weights).items())) if weights else ()
        query = ScenarioQuery(profile, target_year, method, comparator_rule, high, low, baseline, parsed)
        load_scenario_config(overrides=query.overrides())  # checks every value and the weights (not all zero)
        return query

    def scenario_parameters(self) -> bytes:
        from ..scenarios import CRITERIA, METHODS, load_scenario_config
        from ..scenarios.priorities import CRITERION_DESCRIPTIONS

        defaults = load_scenario_config()
        return json_bytes(
            {
                "defaults": {
                    "target_year": defaults.target_year,
                    "method": defaults.scenario.method,
                    "comparator_rule": defaults.scenario.comparator_rule,
                    "high": defaults.scenario.high,
                    "low": defaults.scenario.low,
                    "baseline": defaults.baseline.method,
                    "weights": dict(defaults.priorities.weights),
                    "reference_window": list(defaults.scenario.reference_window),
                },
                "choices": {
                    "method": ["similar", "leader"],
                    "comparator_rule": list(SCENARIO_RULES),
                    "high": list(SCENARIO_STATISTICS),
                    "low": list(SCENARIO_STATISTICS),
                    "baseline": ["auto", *METHODS],
                    "criteria": [{"name": c, "description": CRITERION_DESCRIPTIONS.get(c, "")} for c in CRITERIA],
                },
                "config": defaults.to_dict(),
            }
        )

    def scenarios(self, query: ScenarioQuery) -> bytes:
        from ..scenarios import load_scenario_config, scenario_outputs

        result = self._profile(query.profile)
        if result.profile is None:
            raise ParameterError("scenarios need an employment time series; choose a GB ITL2 region")
        config = load_scenario_config(overrides=query.overrides())
        with self.pool.borrow() as warehouse:
            outputs = scenario_outputs(warehouse, result.profile, config)
        return json_bytes(
            {
                **result.header,
                "scenario_parameters": config.to_dict(),
                "scenarios": records(outputs.scenarios),
                "priorities": records(outputs.priorities),
                "region_summary": records(outputs.region_summary),
                "uncertainty": records(outputs.uncertainty),
                "warnings": outputs.warnings,
                "region_range": records(outputs.region_range),
                "provenance": outputs.provenance,
            }
        )

    # -- supply chains (clusterplan.inputoutput) ----------------------------------------------------------------
    def supply_chain_query(
        self,
        *,
        region: str,
        taxonomy: str | None,
        method: str,
        delta: float,
        year: int | None,
        top: int,
    ) -> SupplyChainQuery:
        area = self.catalogue.resolve_area(region)
        dataset = self.catalogue.dataset(area.dataset)
        # GB ITL2 areas: the ONS IOAT regionalised with BRES; US CBSAs: the BEA tables regionalised with CBP.
        chosen_year = IO_DEFAULT_YEAR if year is None else year
        if chosen_year not in dataset.years:
            raise UnknownCodeError("year", str(year), [str(y) for y in dataset.years])
        return SupplyChainQuery(
            region=area.code,
            taxonomy=self.catalogue.taxonomy_for(taxonomy, dataset),
            method=method,
            delta=delta,
            year=chosen_year,
            top=top,
        )

    def supply_chains(self, query: SupplyChainQuery) -> bytes:
        from ..inputoutput import cluster_linkages

        links = cluster_linkages(
            query.taxonomy,
            region=query.region,
            method=query.method,
            delta=query.delta,
            year=query.year,
            top=query.top,
        )
        sourcing = links.input_sourcing.reset_index() if links.input_sourcing is not None else pd.DataFrame()
        return json_bytes(
            {
                "region": {"code": query.region, "name": self.catalogue.names.get(query.region)},
                "parameters": links.parameters | {"top": query.top},
                "clusters": [{"id": k, "name": v} for k, v in links.cluster_names.items()],
                "suppliers_and_customers": records(links.partners),
                "partner_clusters": records(links.partner_clusters),
                "input_sourcing": records(sourcing),
                "flows": records(links.table()),
            }
        )

    # -- geography (clusterplan.geography) ---------------------------------------------------------------------
    def _gb_dataset(self, what: str) -> EmploymentDataset:
        return self._dataset_of("uk", what, "the GB employment data (BRES)")

    def _dataset_of(self, geography: str, what: str, data: str) -> EmploymentDataset:
        for dataset in self.catalogue.datasets.values():
            if dataset.geography == geography:
                return dataset
        raise WarehouseError(f"{what} needs {data}, which the warehouse does not hold")

    def _gb_area(self, region: str, what: str) -> Area:
        area = self.catalogue.resolve_area(region)
        if area.geography != "uk":
            raise ParameterError(f"{what} covers GB areas; region {area.code} is not a GB ITL2 area")
        return area

    def _cluster_of(self, taxonomy: str, cluster: str) -> str:
        ids = list(load_taxonomy(taxonomy).cluster_ids)
        if cluster not in ids:
            raise UnknownCodeError(f"cluster of {taxonomy}", cluster, ids)
        return cluster

    def subregional_query(
        self, *, region: str, taxonomy: str | None, year: int | None, measure: str, cluster: str | None
    ) -> tuple[Any, ...]:
        area = self._gb_area(region, "the sub-regional breakdown")
        name = self.catalogue.taxonomy_for(taxonomy, self._gb_dataset("the sub-regional breakdown"))
        chosen = self._cluster_of(name, cluster) if cluster is not None else None
        return ("subregional", area.code, name, year, measure, chosen)

    def subregional(self, key: tuple[Any, ...]) -> bytes:
        from ..geography import subregional_breakdown

        _, region, taxonomy, year, measure, cluster = key
        with self.pool.borrow() as warehouse:
            table = subregional_breakdown(warehouse, region=region, taxonomy=taxonomy, year=year, measure=measure)
        info = dict(table.attrs)
        if cluster is not None:
            table = table[table["cluster_id"] == cluster]
        return json_bytes(
            {
                "region": {"code": region, "name": self.catalogue.names.get(region)},
                "parameters": {"taxonomy": taxonomy, "measure": measure, "year": year, "cluster": cluster, **info},
                "columns": list(table.columns),
                "rows": records(table),
            }
        )

    def hotspots_query(
        self,
        *,
        cluster: str,
        taxonomy: str | None,
        measure: str,
        level: str,
        year: int | None,
        permutations: int,
    ) -> tuple[Any, ...]:
        if level == "cbsa":
            dataset = self._dataset_of("us", "the hotspot analysis of US metros", "County Business Patterns")
        else:
            dataset = self._gb_dataset("the hotspot analysis")
        name = self.catalogue.taxonomy_for(taxonomy, dataset)
        return ("hotspots", self._cluster_of(name, cluster), name, measure, level, year, permutations)

    def hotspots(self, key: tuple[Any, ...]) -> bytes:
        from ..geography import hotspots

        _, cluster, taxonomy, measure, level, year, permutations = key
        with self.pool.borrow() as warehouse:
            result = hotspots(
                warehouse,
                measure=measure,
                cluster=cluster,
                taxonomy=taxonomy,
                level=level,
                year=year,
                permutations=permutations,
            )
        return json_bytes(
            {
                "parameters": result.parameters,
                "global": result.global_statistics(),
                "summary": result.summary(),
                "excluded": result.excluded,
                "islands": records(result.islands) if not result.islands.empty else [],
                "columns": list(result.table.columns),
                "rows": records(result.table),
            }
        )


#: How an industry-measures table is measured under each convention.
INDUSTRY_CONVENTIONS = {
    "clusterplan": "every industry, shares and LQs out of all industries",
    "cluster_mapping": "US Cluster Mapping portal: traded industries only, shares and LQs out of traded employment",
}


def _check_convention(convention: str, dataset: EmploymentDataset) -> None:
    """The portal's convention needs County Business Patterns (establishment counts, traded clusters)."""
    if convention == "cluster_mapping" and dataset.geography != "us":
        raise ParameterError(
            "the US Cluster Mapping portal's convention applies to US metro areas (County Business Patterns) only; "
            "use convention=clusterplan for GB regions"
        )


def _area_json(area: Area) -> dict[str, Any]:
    return {
        "code": area.code,
        "name": area.name,
        "label": area.label,
        "dataset": area.dataset,
        "geography": area.geography,
        "level": area.level,
        "parent_code": area.parent_code,
        "total_employment": area.total_employment,
        "members": list(area.members) or [area.code],
        "mapping": list(area.mapping),
    }


def _dataset_json(dataset: EmploymentDataset) -> dict[str, Any]:
    return {
        "name": dataset.name,
        "title": dataset.title,
        "geography": dataset.geography,
        "classification": dataset.classification,
        "years": list(dataset.years),
        "benchmark_name": dataset.benchmark_name,
    }
