"""What the web app answers: each API resource computed as its response model, over read-only connections.

:class:`DashboardService` holds the pieces, each with its own home: a pool of
read-only warehouse connections (:class:`~clusterplan.pipeline.pool.WarehousePool`),
the catalogue of valid choices read once at start-up
(:class:`~clusterplan.pipeline.catalogue.Catalogue`), the checked parameters of
each resource (:mod:`clusterplan.web._queries`) and LRU caches
(:class:`~clusterplan._cache.LruCache`). Each resource method returns an
instance of its response model (:mod:`clusterplan.web.models`); :func:`render`
serialises it through the route's ``response_model`` once, and the bytes are
cached, so a repeated request costs a dictionary look-up.
"""

from __future__ import annotations

import dataclasses
import functools
import gzip
import hashlib
import logging
import multiprocessing
import os
import threading
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import numpy as np
import pandas as pd
import pydantic_core
from pydantic import BaseModel

from .._cache import LruCache
from .._exceptions import ClusterplanError, ParameterError, UnknownCodeError
from .._json import plain
from .._version import __version__
from ..datasets import LEVELS
from ..pipeline.catalogue import Area, Catalogue, EmploymentDataset
from ..pipeline.geography import area_boundaries, cluster_hotspots, region_subregions
from ..pipeline.inputoutput import region_supply_chains
from ..pipeline.pool import WarehousePool
from ..pipeline.profile import ClusterProfile, industry_measures, profile_region, traded_industry_codes
from ..pipeline.scenarios import (
    SCENARIO_RULES,
    SCENARIO_STATISTICS,
    region_scenarios,
    scenario_choices,
    unread_scenario_keys,
)
from ..pipeline.scenarios import scenario_settings as _scenario_settings
from . import _queries
from ._gzip import Tail, gzip_bytes, gzip_joined
from ._json import records
from ._queries import (
    HotspotsQuery,
    MeasuresQuery,
    ProfileQuery,
    ScenarioQuery,
    SubregionalQuery,
    SupplyChainQuery,
)
from .models import (
    BoundariesOut,
    DatasetOut,
    DatasetsOut,
    HealthOut,
    HotspotsOut,
    MeasuresOut,
    ProfileOut,
    ProfileRegionsOut,
    RegionDetailOut,
    RegionsOut,
    ScenarioParametersOut,
    ScenariosOut,
    SubregionalOut,
    SupplyChainsOut,
    TaxonomiesOut,
    TaxonomyDetailOut,
)

__all__ = [
    "BOUNDARY_LEVELS",
    "COMPUTED_IN_WORKERS",
    "INDUSTRY_CONVENTIONS",
    "IO_METHODS",
    "RESPONSE_MODELS",
    "SCENARIO_RULES",
    "SCENARIO_STATISTICS",
    "DashboardService",
    "not_modified",
    "render",
]

logger = logging.getLogger("clusterplan.webapp")

#: Boundary levels the API serves (:func:`clusterplan.pipeline.geography.area_boundaries`).
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

#: Regionalisation methods of the input-output model.
IO_METHODS = ("slq", "cilq", "flq", "aflq")

#: Industry levels whose every-area measures table is small (GB: 40 areas; US 2- and 3-digit NAICS: at most about
#: 85,000 rows), so one table serves every region; finer US levels (up to a million rows) are computed per region.
_SHARED_MEASURE_LEVELS = frozenset({"sic2", "sic5", "naics2", "naics3"})

#: Answers smaller than this are sent uncompressed (gzip gains nothing on a few hundred bytes).
_GZIP_MINIMUM = 1024

#: Every-area rows whose JSON is longer than this are serialised and compressed once for every region whose rows
#: are the same (a US map answer: 17-23 MB; a GB one is a few hundred kB at most, cheap to make again).
_SHARED_ROWS_MINIMUM = 1 << 20

#: How an industry-measures table is measured under each convention.
INDUSTRY_CONVENTIONS = {
    "clusterplan": "every industry, shares and LQs out of all industries",
    "cluster_mapping": "US Cluster Mapping portal: traded industries only, shares and LQs out of traded employment",
}


def render(model: type[BaseModel], value: BaseModel) -> bytes:
    """The JSON of *value* serialised through *model* (a route's ``response_model``): keys it was not given are
    left out, so the bytes parse back into *model* and equal what was computed."""
    if not isinstance(value, model):
        raise TypeError(f"the answer is a {type(value).__name__}, but the route serves {model.__name__}")
    return model.__pydantic_serializer__.to_json(value, by_alias=True, exclude_unset=True)


@dataclass(frozen=True)
class _ProfileResult:
    """A computed profile: its answer and the every-area table the maps use."""

    answer: ProfileOut
    regions: pd.DataFrame
    #: The profile itself where scenarios can use it (datasets with a time series); None otherwise.
    profile: ClusterProfile | None = None
    #: Whether *regions* is the table an earlier profile kept (the same to the bit): weighed there, not here.
    shares_regions: bool = False

    def header(self) -> dict[str, Any]:
        """The region, taxonomy and parameters every profile-based answer starts with."""
        return {"region": self.answer.region, "taxonomy": self.answer.taxonomy, "parameters": self.answer.parameters}


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


def _worker_answer(resource: str, args: tuple[Any, ...], model: type[BaseModel]) -> tuple[bool, Any]:
    """``(True, bytes)``, or ``(False, (class, attributes, text))`` for a clusterplan error: the errors' own
    constructors take more than their message, so they cross the process boundary as their parts."""
    assert _WORKER is not None
    try:
        return True, render(model, getattr(DashboardService, resource)(_WORKER, *args))
    except ClusterplanError as exc:
        return False, (type(exc), dict(exc.__dict__), str(exc))


def _rebuilt_error(parts: tuple[type[ClusterplanError], dict[str, Any], str]) -> ClusterplanError:
    kind, attributes, text = parts
    error = kind.__new__(kind)
    Exception.__init__(error, text)
    error.__dict__.update(attributes)
    return error


#: A cached answer: its bytes, whether they are gzip-compressed, and the tag of its content.
_Stored = tuple[bytes, bool, str]


def _stored(body: bytes) -> _Stored:
    """What the response cache keeps of an answer: gzip-compressed (once) when that gains, else as it is, with a
    tag of its content computed once (a digest of the kept bytes: compression with ``mtime=0`` is deterministic,
    and a digest of 4 MB of gzip costs less than one of the 23 MB they hold)."""
    compressed = len(body) >= _GZIP_MINIMUM
    return _tagged(gzip_bytes(body) if compressed else body, compressed)


def _tagged(kept: bytes, compressed: bool) -> _Stored:
    return kept, compressed, hashlib.blake2b(kept, digest_size=16).hexdigest()


@dataclass(frozen=True)
class _SharedRows:
    """Every-area rows that many answers end with, serialised and compressed once: the table they were made from
    (an answer uses them only when its own table is the same) and its JSON (the rows and the closing brace)."""

    frame: pd.DataFrame
    tail: Tail


def _same_table(one: pd.DataFrame, other: pd.DataFrame) -> bool:
    """Whether two tables of plain columns (:func:`_plain_columns`) give the same rows, to the bit: the same
    columns and types, numbers with the same bytes (so 0.0 is not -0.0) and the same text. Columns that are the
    same memory (copies of one cached table share it) are the same without being read."""
    if one.columns.tolist() != other.columns.tolist() or len(one) != len(other) or not one.dtypes.equals(other.dtypes):
        return False
    for i in range(one.shape[1]):
        # Each column's array straight from the frames' blocks: a Series of each (by name or position) cost
        # twenty times the comparison of a GB map table's columns.
        a, b = one._mgr.iget_values(i), other._mgr.iget_values(i)
        if isinstance(a.dtype, np.dtype):
            x, y = np.asarray(a), np.asarray(b)
            same_memory = x.__array_interface__["data"] == y.__array_interface__["data"] and x.strides == y.strides
            if not same_memory and x.tobytes() != y.tobytes():
                return False
        elif not _same_arrow_data(a, b) and not a.equals(b):
            return False
    return True


def _same_arrow_data(one: Any, other: Any) -> bool:
    """Whether two Arrow-backed arrays hold the very same Arrow data (shallow copies of one cached table do): then
    they are equal without comparing their values (for text, most of :func:`_same_table`'s time)."""
    data = getattr(one, "_pa_array", None)
    return data is not None and data is getattr(other, "_pa_array", None)


@dataclass(frozen=True)
class _RegionTable:
    """The map's every-area table of a profile query (less its region), and the profile table it was made from:
    a later profile whose table is the same to the bit takes it without making it again."""

    source: pd.DataFrame
    table: pd.DataFrame


def not_modified(if_none_match: str | None, etag: str) -> bool:
    """Whether a request's ``If-None-Match`` names *etag* (or ``*``): the client holds these bytes already.
    Compared weakly, as RFC 9110 asks for ``If-None-Match``."""
    if not if_none_match:
        return False
    tags = {t.strip().removeprefix("W/") for t in if_none_match.split(",")}
    return "*" in tags or etag in tags


def _as_sent(
    stored: bytes, compressed: bool, tag: str, gzip_ok: bool, if_none_match: str | None
) -> tuple[bytes | None, bool, str]:
    """A cached answer as the client accepts it, with its ETag: compressed, or decompressed for a client without
    gzip (each representation has its own strong ETag, as they are different bytes); None for the bytes when the
    client holds them already (*if_none_match*), without decompressing them."""
    sent_compressed = compressed and gzip_ok
    etag = f'"{tag}-gzip"' if sent_compressed else f'"{tag}"'
    if not_modified(if_none_match, etag):
        return None, sent_compressed, etag
    return (gzip.decompress(stored) if compressed and not gzip_ok else stored), sent_compressed, etag


def _profile_weight(result: _ProfileResult) -> int:
    """Bytes a cached profile holds (about 100 per cell of its answer, and its tables), so the cache is bounded
    by memory, not count."""
    frames = [] if result.shares_regions else [result.regions]
    if result.profile is not None:
        frames += [result.profile.clusters, result.profile.regions, result.profile.trend]
    cells = sum(len(row) for row in result.answer.clusters) + sum(len(row) for row in result.answer.trend)
    return 100 * cells + sum(_frame_bytes(f) for f in frames)


def _frame_bytes(frame: pd.DataFrame) -> int:
    """``frame.memory_usage(index=True).sum()`` (shallow), without making a series of it (3 ms a profile), nor of
    each column (each column's array straight from the frame's blocks: a series of each cost most of the rest)."""
    return int(frame.index.memory_usage()) + sum(int(frame._mgr.iget_values(i).nbytes) for i in range(frame.shape[1]))


_Answer = TypeVar("_Answer", bound=BaseModel)


def _plain_columns(frame: pd.DataFrame) -> bool:
    """Whether every column is numpy numbers or booleans, or text: then :func:`records` gives only plain
    :data:`~clusterplan.web.models.Scalar` values, by construction."""
    return all(
        (isinstance(dtype, np.dtype) and dtype.kind in "iufb") or isinstance(dtype, pd.StringDtype)
        for dtype in frame.dtypes
    )


def _with_rows(model: type[_Answer], payload: dict[str, Any], frame: pd.DataFrame) -> _Answer:
    """*payload* validated as *model*, its ``rows`` the records of *frame*. The rows of a table of plain columns
    are plain scalars by construction, so they are not validated again cell by cell (a US map table has 700,000
    cells: 1.5 s); any other table's are."""
    if not _plain_columns(frame):
        return model.model_validate({**payload, "rows": records(frame)})
    answer = model.model_validate({**payload, "rows": []})
    answer.rows = records(frame)  # type: ignore[attr-defined]
    return answer


def _rows_json(frame: pd.DataFrame) -> bytes:
    """The JSON of :func:`records` of a table of plain columns (:func:`_plain_columns`), as the models render a
    ``list[Row]`` of them: every value is a bool, int, float (finite), str or None, which pydantic-core writes the
    same whether it infers the type or picks it from the ``Row`` union, though inferring is three times faster
    (a US map table: 0.23 s -> 0.07 s)."""
    return pydantic_core.to_json(records(frame))


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


class DashboardService:
    """The web app's answers: catalogue, connection pool and caches over one read-only warehouse.

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
    compute_threads
        Answers computed at once (the others wait their turn; default one more than the CPUs, and at least
        *workers*): the computations are mostly Python holding the interpreter lock, so ten at once take as
        long in all as one after another, and each of them ten times as long; a few at a time answer most
        requests sooner (cold mix, 10 clients, 2 shared CPUs: p95 3.9-5.7 s -> 2.5-3.8 s), though a large
        answer may wait its turn longer. Once the shared tables are precomputed, every answer is short and one at
        a time is best: threads taking turns at the interpreter lock lose more than a short answer waits (the same
        mix precomputed: 1 at a time p95 0.74-0.85 s and the pass 10-12 s; 3 at a time 1.27-1.29 s and 16-17 s).
        Look-ups in the catalogue do not wait.
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
        compute_threads: int | None = None,
    ) -> None:
        self.compute_threads = compute_threads or max(workers, (os.cpu_count() or 1) + 1)
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
        self.responses: LruCache[tuple[Any, ...], _Stored] = LruCache(
            4096, max_weight=response_cache_bytes, weigh=lambda found: len(found[0])
        )
        # The raw request (path, query string) of every answer served, mapped to its key in `responses` and its
        # media type, so that a repeated request is answered before routing and parameter checks (see
        # clusterplan.web.app.RepeatedAnswers); small entries, so bounded by count.
        self.requests: LruCache[tuple[str, bytes], tuple[tuple[Any, ...], str]] = LruCache(16384)
        # The every-area rows of the map answers, compressed once per dataset, taxonomy and parameters (keyed by
        # the profile query without its region, and the cluster): about 3 MB each for the US.
        self.shared_rows: LruCache[tuple[Any, ...], _SharedRows] = LruCache(
            64, max_weight=64 * 2**20, weigh=lambda shared: len(shared.tail.deflated)
        )
        # The every-area table of the profiles of each dataset, taxonomy and parameters (keyed by the profile query
        # without its region): a profile whose table is the same to the bit holds the kept one, not a copy (a US
        # table is 8 MB, the same for every metro).
        self.region_tables: LruCache[ProfileQuery, _RegionTable] = LruCache(256)
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

    def warm(self, stop: threading.Event | None = None, *, every_taxonomy: bool = False) -> int:
        """Compute now the tables every region shares (the every-area tables of the profiles, the scenarios'
        backtests and panels), through one region's profile and scenarios of each dataset, so that the first
        requests find them; stops early when *stop* is set. Returns the answers computed.

        By default only each dataset's own taxonomy, the one the dashboard opens with. With *every_taxonomy*, every
        taxonomy of every dataset, and the industry-measures tables one table serves every region of
        (:data:`_SHARED_MEASURE_LEVELS`): what ``clusterplan serve`` computes before it answers
        (unless ``--no-precompute``)."""
        done = 0
        for resource, args in self.warm_steps(every_taxonomy=every_taxonomy):
            if stop is not None and stop.is_set():
                break
            try:
                self.answer((resource, *args), functools.partial(self.kept, resource, args), gzip_ok=True)
                done += 1
            except ClusterplanError as exc:  # a dataset the answer does not apply to: its requests will say so
                logger.debug("warming %s%r: %s", resource, args, exc)
        return done

    def warm_steps(self, *, every_taxonomy: bool = False) -> list[tuple[str, tuple[Any, ...]]]:
        """The answers :meth:`warm` computes, in order: ``(resource, arguments)`` as :meth:`kept` takes them."""
        steps: list[tuple[str, tuple[Any, ...]]] = []
        scenario_steps: list[tuple[str, tuple[Any, ...]]] = []
        for dataset_name, areas in self.catalogue.areas.items():
            if not areas:
                continue
            dataset = self.catalogue.datasets[dataset_name]
            region = next(iter(areas))
            # Without every_taxonomy, the dataset's own taxonomy only (warming the others in the background took
            # CPU from the first requests for tables most sessions never use).
            names = self.catalogue.taxonomies_for(dataset) if every_taxonomy else [None]
            for name in names:
                query = self.profile_query(region=region, **({"taxonomy": name} if name else {}))
                steps.append(("profile", (query,)))
                if len(dataset.years) > 1:
                    scenario_steps.append(("scenarios", (self.scenario_query(query),)))
            if every_taxonomy:
                for level in [v for v in dataset.levels if v in _SHARED_MEASURE_LEVELS]:
                    steps.append(("measures", (self.measures_query(region=region, level=level),)))
        # Scenarios last: they take longest, and need the profiles first.
        return steps + scenario_steps

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

    def compute(self, resource: str, args: tuple[Any, ...], model: type[BaseModel] | None = None) -> bytes:
        """The JSON of ``DashboardService.<resource>(*args)`` serialised through *model* (default the resource's
        own, :data:`RESPONSE_MODELS`): in a worker process when it is CPU-bound work and there are workers, else
        here."""
        chosen = model or RESPONSE_MODELS[resource]
        if self.workers is None or resource not in COMPUTED_IN_WORKERS:
            return render(chosen, getattr(DashboardService, resource)(self, *args))
        done, value = self.workers.submit(_worker_answer, resource, args, chosen).result()
        if not done:
            raise _rebuilt_error(value)
        body: bytes = value
        return body

    def kept(self, resource: str, args: tuple[Any, ...], model: type[BaseModel] | None = None) -> _Stored:
        """What the response cache keeps of ``DashboardService.<resource>(*args)``: :meth:`compute`'s JSON,
        compressed; a map answer computed here compresses only its header when another region's answer ended
        with the same rows (:meth:`_profile_regions_kept`)."""
        chosen = model or RESPONSE_MODELS[resource]
        if resource == "profile_regions" and self.workers is None and chosen is ProfileRegionsOut:
            return self._profile_regions_kept(*args)
        return _stored(self.compute(resource, args, chosen))

    # -- checking parameters (cheap: no queries; see clusterplan.web._queries) -----------------------------------
    def profile_query(self, **choices: Any) -> ProfileQuery:
        return _queries.profile_query(self.catalogue, **choices)

    def measures_query(self, **choices: Any) -> MeasuresQuery:
        return _queries.measures_query(self.catalogue, **choices)

    def scenario_query(self, profile: ProfileQuery, **choices: Any) -> ScenarioQuery:
        return _queries.scenario_query(self.catalogue, profile, **choices)

    def supply_chain_query(self, **choices: Any) -> SupplyChainQuery:
        return _queries.supply_chain_query(self.catalogue, **choices)

    def subregional_query(self, **choices: Any) -> SubregionalQuery:
        return _queries.subregional_query(self.catalogue, **choices)

    def hotspots_query(self, **choices: Any) -> HotspotsQuery:
        return _queries.hotspots_query(self.catalogue, **choices)

    # -- answers (cached) ---------------------------------------------------------------------------------------
    def answer(
        self, key: tuple[Any, ...], compute: Callable[[], _Stored], gzip_ok: bool, if_none_match: str | None = None
    ) -> tuple[bytes | None, bool, str]:
        """A rendered answer from the cache (*compute*, e.g. :meth:`kept`, called once when missing),
        gzip-compressed when the client accepts it and it is large enough to gain; returns the bytes (None when
        the request's *if_none_match* names their ETag: the client holds them), whether they are compressed and
        their ETag."""
        stored = self.responses.get_or_compute(key, compute)
        return _as_sent(*stored, gzip_ok, if_none_match)

    def answer_now(
        self, key: tuple[Any, ...], gzip_ok: bool, if_none_match: str | None = None
    ) -> tuple[bytes | None, bool, str] | None:
        """The cached answer (as :meth:`answer` gives it), or None when it still has to be computed."""
        found = self.responses.get(key)
        return None if found is None else _as_sent(*found, gzip_ok, if_none_match)

    def remember(self, path: str, query: bytes, key: tuple[Any, ...], media_type: str) -> None:
        """Note that the request *path* ? *query* is answered by the cached answer under *key*."""
        self.requests.get_or_compute((path, query), lambda: (key, media_type))

    def answer_request(
        self, path: str, query: bytes, gzip_ok: bool, if_none_match: str | None = None
    ) -> tuple[bytes | None, bool, str, str] | None:
        """The cached answer of a request answered before with exactly this path and query string (its
        parameters were checked then, and answers cannot change while the server runs): its bytes (None when the
        client holds them already), whether they are compressed, its ETag and its media type; or None."""
        known = self.requests.get((path, query))
        if known is None:
            return None
        found = self.answer_now(known[0], gzip_ok, if_none_match)
        return None if found is None else (*found, known[1])

    # -- resources: each returns its response model --------------------------------------------------------------
    def health(self) -> HealthOut:
        return HealthOut(
            status="ok",
            clusterplan_version=__version__,
            data_version=self.catalogue.data_version,
            datasets=sorted(self.catalogue.datasets),
            connections=self.pool.size,
        )

    def regions(self, geography: str | None) -> RegionsOut:
        rows: list[dict[str, Any]] = []
        for dataset_name, areas in self.catalogue.areas.items():
            dataset = self.catalogue.datasets[dataset_name]
            if geography is not None and dataset.geography != geography:
                continue
            rows.extend(_area_json(area) for area in areas.values())
            rows.extend(_area_json(area) for area in self.catalogue.composites.get(dataset_name, {}).values())
        return RegionsOut.model_validate({"regions": rows})

    def region(self, code: str) -> RegionDetailOut:
        area = self.catalogue.resolve_area(code)
        dataset = self.catalogue.dataset(area.dataset)
        return RegionDetailOut.model_validate(
            {
                **_area_json(area),
                "dataset": _dataset_json(dataset),
                "taxonomies": self.catalogue.taxonomies_for(dataset),
                "default_taxonomy": dataset.default_taxonomy,
                "benchmarks": self.catalogue.benchmark_choices(area),
                "levels": list(dataset.levels),
            }
        )

    def taxonomies(self) -> TaxonomiesOut:
        return TaxonomiesOut.model_validate({"taxonomies": list(self.catalogue.taxonomies.values())})

    def taxonomy(self, name: str) -> TaxonomyDetailOut:
        taxonomy = self.catalogue.taxonomy_definition(name)
        return TaxonomyDetailOut.model_validate(
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

    def datasets(self) -> DatasetsOut:
        with self.pool.borrow() as warehouse:
            frame = warehouse.list_datasets()
        return DatasetsOut.model_validate({"datasets": records(frame)})

    def dataset(self, name: str) -> DatasetOut:
        with self.pool.borrow() as warehouse:
            info = warehouse.dataset_info(name)
        # The file a user imported from is a path on this machine: say only its name.
        if info.get("origin") != "embedded" and info.get("file"):
            info["file"] = Path(str(info["file"])).name
        info.pop("loaded_at", None)
        return DatasetOut.model_validate(plain(info))

    def boundaries(self, level: str) -> BoundariesOut:
        return BoundariesOut.model_validate(area_boundaries(level))

    def _traded_codes(self, dataset: str) -> list[str]:
        with self._traded_lock:
            if dataset not in self._traded:
                with self.pool.borrow() as warehouse:
                    self._traded[dataset] = traded_industry_codes(warehouse, dataset)
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
        answer = ProfileOut.model_validate(
            {
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
                "parameters": plain(parameters),
                "totals": plain(profile.totals),
                "clusters": records(profile.clusters),
                "trend": records(profile.trend),
                "inputs": plain(profile.inputs),
            }
        )
        kept = profile if len(dataset.years) > 1 else None
        key = dataclasses.replace(query, region="")
        found = self.region_tables.get(key)
        if found is not None and _plain_columns(profile.regions) and _same_table(found.source, profile.regions):
            # The same every-area table as an earlier profile's (a region of one area): the same map table.
            return _ProfileResult(answer=answer, regions=found.table, profile=kept, shares_regions=True)
        regions = profile.regions.rename(columns={"value": "employment"})
        regions = regions[[c for c in REGION_COLUMNS if c in regions.columns]].sort_values(["cluster_id", "area_code"])
        regions = regions.reset_index(drop=True)
        known = self.region_tables.get_or_compute(key, lambda: _RegionTable(profile.regions, regions)).table
        shared = known is not regions and _plain_columns(regions) and _same_table(known, regions)
        return _ProfileResult(answer=answer, regions=known if shared else regions, profile=kept, shares_regions=shared)

    def profile(self, query: ProfileQuery) -> ProfileOut:
        return self._profile(query).answer

    def _region_rows(self, query: ProfileQuery, cluster: str | None) -> tuple[dict[str, Any], pd.DataFrame]:
        """The map answer's fields but its rows, and the table of its rows."""
        result = self._profile(query)
        rows = result.regions
        cluster_info = None
        if cluster is not None:
            known = rows["cluster_id"].drop_duplicates().tolist()
            if cluster not in known:
                raise UnknownCodeError(f"cluster of {query.taxonomy}", cluster, known)
            rows = rows[rows["cluster_id"] == cluster]
            cluster_info = {"id": cluster, "name": str(rows["cluster"].iloc[0])}
        return {**result.header(), "cluster": cluster_info, "columns": list(rows.columns)}, rows

    def profile_regions(self, query: ProfileQuery, cluster: str | None) -> ProfileRegionsOut:
        payload, rows = self._region_rows(query, cluster)
        return _with_rows(ProfileRegionsOut, payload, rows)

    def _profile_regions_kept(self, query: ProfileQuery, cluster: str | None) -> _Stored:
        """The kept map answer, its rows serialised and compressed once for every region with the same rows.

        Every area's measures are the same whichever area is the focus (for a single area against a benchmark
        that does not depend on it), so the answers of the regions of a dataset and taxonomy differ only in their
        header, while their rows are 17-23 MB of JSON for the US: those are kept compressed once
        (:class:`_SharedRows`), used by an answer whose own table is the same to the bit, and each answer
        renders and compresses only its header. The bytes inflate to exactly what :meth:`profile_regions`
        renders; a table unlike the kept one is rendered whole."""
        payload, rows = self._region_rows(query, cluster)
        if not _plain_columns(rows):
            return _stored(render(ProfileRegionsOut, _with_rows(ProfileRegionsOut, payload, rows)))
        # The answer without rows ends with its empty rows: what comes before is this region's header.
        empty = render(ProfileRegionsOut, _with_rows(ProfileRegionsOut, payload, rows.iloc[:0]))
        head = empty.removesuffix(b"[]}")
        key = (dataclasses.replace(query, region=""), cluster)
        shared = self.shared_rows.get(key)
        if shared is None or not (rows is shared.frame or _same_table(shared.frame, rows)):
            if len(head) == len(empty):  # the rows are not last: the answer as the model renders it
                return _stored(render(ProfileRegionsOut, _with_rows(ProfileRegionsOut, payload, rows)))
            body = head + _rows_json(rows) + b"}"
            if len(body) - len(head) < _SHARED_ROWS_MINIMUM:
                return _stored(body)
            if shared is not None:  # another table for the same parameters (e.g. peers chosen by the region)
                return _tagged(gzip_joined(head, Tail.of(body[len(head) :])), True)
            shared = self.shared_rows.get_or_compute(key, lambda: _SharedRows(rows, Tail.of(body[len(head) :])))
            if not _same_table(shared.frame, rows):  # another thread kept another region's table meanwhile
                return _tagged(gzip_joined(head, Tail.of(body[len(head) :])), True)
        return _tagged(gzip_joined(head, shared.tail), True)

    def _industry_table(self, query: MeasuresQuery) -> pd.DataFrame:
        """The industry measures of the query's region: against the national benchmark, at a level whose national
        table is small, the region's rows of that table (computed once for every region: the ranks are across all
        areas either way, and the rows are the same), else the region's own computation."""
        shared = (
            query.level in _SHARED_MEASURE_LEVELS
            and query.benchmark == "national"
            and not query.peers
            and query.convention == "clusterplan"
            and not self.catalogue.resolve_area(query.region).members
        )
        with self.pool.borrow() as warehouse:
            if shared:
                every = industry_measures(
                    warehouse, level=query.level, year=query.year, base_year=query.base_year, cells=query.cells
                )
                rows = every[every["area_code"] == query.region]
                if len(rows):
                    return rows.reset_index(drop=True)
            return industry_measures(
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

    def measures(self, query: MeasuresQuery) -> MeasuresOut:
        table = self._industry_table(query)
        benchmark_label = str(table["benchmark"].iloc[0]) if len(table) else None
        table = table.drop(columns=["benchmark"])
        return _with_rows(
            MeasuresOut,
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
            },
            table,
        )

    # -- scenarios -----------------------------------------------------------------------------------------------
    def scenario_parameters(self) -> ScenarioParametersOut:
        return ScenarioParametersOut.model_validate(plain(scenario_choices()))

    def scenarios(self, query: ScenarioQuery) -> ScenariosOut:
        result = self._profile(query.profile)
        if result.profile is None:
            raise ParameterError("scenarios need an employment time series; choose a GB ITL2 region")
        config = _scenario_settings(overrides=query.overrides())
        with self.pool.borrow() as warehouse:
            outputs = region_scenarios(warehouse, result.profile, config)
        return ScenariosOut.model_validate(
            {
                **result.header(),
                "scenario_parameters": plain(config.to_dict()),
                "scenarios": records(outputs.scenarios),
                "priorities": records(outputs.priorities),
                "region_summary": records(outputs.region_summary),
                "uncertainty": records(outputs.uncertainty),
                "warnings": plain(outputs.warnings),
                "region_range": records(outputs.region_range),
                "unread_settings": [key.removeprefix("scenario.") for key in unread_scenario_keys(config)],
                "provenance": plain(outputs.provenance),
            }
        )

    # -- supply chains -------------------------------------------------------------------------------------------
    def supply_chains(self, query: SupplyChainQuery) -> SupplyChainsOut:
        geography = self.catalogue.resolve_area(query.region).geography
        with self.pool.borrow() as warehouse:
            links = region_supply_chains(
                warehouse,
                query.taxonomy,
                region=query.region,
                geography=geography,
                method=query.method,
                delta=query.delta,
                year=query.year,
                top=query.top,
            )
        sourcing = links.input_sourcing.reset_index() if links.input_sourcing is not None else pd.DataFrame()
        return SupplyChainsOut.model_validate(
            {
                "region": {"code": query.region, "name": self.catalogue.names.get(query.region)},
                "parameters": plain(links.parameters | {"top": query.top}),
                "clusters": [{"id": k, "name": v} for k, v in links.cluster_names.items()],
                "suppliers_and_customers": records(links.partners),
                "partner_clusters": records(links.partner_clusters),
                "input_sourcing": records(sourcing),
                "flows": records(links.table()),
            }
        )

    # -- geography -----------------------------------------------------------------------------------------------
    def subregional(self, query: SubregionalQuery) -> SubregionalOut:
        with self.pool.borrow() as warehouse:
            table = region_subregions(
                warehouse,
                region=query.region,
                taxonomy=query.taxonomy,
                year=query.year,
                measure=query.measure,
                cluster=query.cluster,
            )
        return SubregionalOut.model_validate(
            {
                "region": {"code": query.region, "name": self.catalogue.names.get(query.region)},
                "parameters": plain(
                    {
                        "taxonomy": query.taxonomy,
                        "measure": query.measure,
                        "year": query.year,
                        "cluster": query.cluster,
                        **table.attrs,
                    }
                ),
                "columns": list(table.columns),
                "rows": records(table),
            }
        )

    def hotspots(self, query: HotspotsQuery) -> HotspotsOut:
        with self.pool.borrow() as warehouse:
            result = cluster_hotspots(
                warehouse,
                measure=query.measure,
                cluster=query.cluster,
                taxonomy=query.taxonomy,
                level=query.level,
                year=query.year,
                permutations=query.permutations,
                cells=query.cells,
            )
        return HotspotsOut.model_validate(
            {
                "parameters": plain(result.parameters),
                "global": plain(result.global_statistics()),
                "summary": result.summary(),
                "excluded": list(result.excluded),
                "islands": records(result.islands) if not result.islands.empty else [],
                "columns": list(result.table.columns),
                "rows": records(result.table),
            }
        )


#: The response model of each resource (the return annotation of its method).
RESPONSE_MODELS: dict[str, type[BaseModel]] = {
    "health": HealthOut,
    "regions": RegionsOut,
    "region": RegionDetailOut,
    "taxonomies": TaxonomiesOut,
    "taxonomy": TaxonomyDetailOut,
    "datasets": DatasetsOut,
    "dataset": DatasetOut,
    "boundaries": BoundariesOut,
    "profile": ProfileOut,
    "profile_regions": ProfileRegionsOut,
    "measures": MeasuresOut,
    "scenario_parameters": ScenarioParametersOut,
    "scenarios": ScenariosOut,
    "supply_chains": SupplyChainsOut,
    "subregional": SubregionalOut,
    "hotspots": HotspotsOut,
}
