"""Cluster profile of one region against a benchmark: the engine behind ``clusterplan run``.

A thin stateful facade over the pure measures: it pulls the area x cluster x
year employment panel out of the warehouse (one Ibis query), then computes
shares, location quotients, growth and ranks with numpy/pandas on the small
panel, and records the provenance of every input.
"""

from __future__ import annotations

import copy
import functools
from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar

import ibis
import ibis.expr.types as ir
import numpy as np
import pandas as pd

from .._cache import memoised
from .._exceptions import InputError, ParameterError, UnknownCodeError
from .._schema import FLAG_IMPUTED
from .._version import __version__
from ..datasets import CBP_METROS, DATASET_PROFILES, DEFAULT_DATASET, LEVELS, DatasetProfile
from ..measures.cluster_mapping import PORTAL_COLUMNS, cluster_mapping_portal
from ..measures.employment import area_totals, cluster_employment, exact_sum, industry_facts, memtable, with_codes
from ..measures.growth import compound_annual_growth_rate
from ..measures.location_quotient import location_quotient_interval_panel
from ..measures.panel import complete_employment_panel, employment_sums, measure_panel
from ..measures.ranks import measure_ranks, rank_change
from ..measures.shift_share import shift_share
from ..measures.strength import cluster_mapping_strength, cluster_observatory_stars
from ..measures.traded import classify_traded_local
from ..measures.withheld import withheld_employment_bounds, withheld_lq_interval
from ..regions import Gazetteer, Region, benchmark_keyword, cbsa_types, choose_benchmark, resolve_area_code
from ..taxonomy import Taxonomy, list_taxonomies, load_taxonomy
from ..warehouse import SparkWarehouse, Warehouse
from .productivity import cluster_productivity, cluster_productivity_by_area

T = TypeVar("T")

#: Either engine: the embedded DuckDB warehouse or a Spark session over the same data.
AnyWarehouse = Warehouse | SparkWarehouse

__all__ = [
    "CELL_CHOICES",
    "DEFAULT_CELLS",
    "DEFAULT_REGION",
    "UNCLASSIFIED_COLUMNS",
    "ClusterProfile",
    "profile_region",
    "unclassified_industries",
]

DEFAULT_REGION = "TLG3"  # West Midlands (the WMCA's seven boroughs), NUTS 2016 code UKG3
BENCHMARK_ALL = "national"

#: Which cells of a source that withholds small cells (CBP) a run uses: the published ones plus the withheld
#: ones rebuilt within their parents (default), or the published ones only (withheld cells count as zero).
CELL_CHOICES = {
    "reconstructed": "published cells plus the cells CBP withholds (fewer than 3 establishments), rebuilt within "
    "their parents' totals; LQ ranges cover every split of the hidden jobs",
    "published": "published cells only: withheld cells count as zero, so national totals of detailed industries "
    "are too small",
}
DEFAULT_CELLS = "reconstructed"
#: Rebuilt cells are expected values, so almost every area holds a sliver of every cluster. The presence tests
#: of the strong-cluster rules (which compare an area with the areas *that have the cluster*) count an area
#: only when it holds at least half an establishment of the cluster: one more likely than not.
REBUILT_PRESENCE_ESTABLISHMENTS = 0.5

#: The strong-cluster rule when withheld cells were rebuilt: a rebuilt cell can hold anything from none to all of
#: the jobs its parent hides, so only a lower bound that clears the LQ tests makes a cluster strong.
STRONG_RULE_WITH_REBUILT_CELLS = (
    "US Cluster Mapping strong-cluster rule with the LQ tests passed by the LQ at the area's lowest cluster "
    "employment (employment_low: rebuilt withheld cells may hold none of the jobs their parent hides; benchmark at "
    "its point value): a cluster the rebuilt cells alone make specialised is not strong, and its reason says "
    "(uncertain)"
)

#: How the cluster table is measured: clusterplan's defaults, or also the US Cluster Mapping portal's measures
#: (traded-employment LQ, the portal's ranks, percentiles and strong-cluster flags in ``cmp_*`` columns).
CONVENTIONS = {
    "clusterplan": "clusterplan's measures",
    "cluster_mapping": "US Cluster Mapping portal: LQ on traded employment against all metro and micro areas, "
    "the portal's ranks, percentile ranks (1 = top) and strong-cluster flags (cmp_* columns)",
}


#: The Cluster Mapping definitions shipped with the package: a NAICS code none of them (nor the run's taxonomy)
#: names is a code of a later NAICS revision with no cluster, not a local industry left out on purpose.
CLUSTER_MAPPING_TAXONOMIES = ("us_cmp_2007", "us_cmp_traded_2014")

#: Columns of :func:`unclassified_industries`.
UNCLASSIFIED_COLUMNS = ["industry_code", "employment", "national_employment", "siblings_in"]


@dataclass
class ClusterProfile:
    """Result of :func:`profile_region`: tidy tables plus parameters and provenance."""

    parameters: dict[str, Any]
    region_code: str
    region_name: str
    clusters: pd.DataFrame
    regions: pd.DataFrame
    trend: pd.DataFrame
    totals: dict[str, Any]
    taxonomy: Taxonomy
    inputs: list[dict[str, Any]] = field(default_factory=list)
    #: The region as resolved: input, member areas, how it was mapped (``Region.describe``).
    region_detail: dict[str, Any] = field(default_factory=dict)
    #: What the user should check before using the numbers (e.g. US jobs in no cluster); printed by the CLI.
    warnings: list[str] = field(default_factory=list)
    #: US industries in no cluster because no Cluster Mapping definition names their NAICS 2017 code
    #: (:func:`unclassified_industries`); empty for GB.
    unclassified: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=UNCLASSIFIED_COLUMNS))

    def run_metadata(self) -> dict[str, Any]:
        """What ``run.json`` records: version, parameters, inputs with sha256, headline totals."""
        return {
            "clusterplan_version": __version__,
            "parameters": self.parameters,
            "region": {"code": self.region_code, "name": self.region_name, **self.region_detail},
            "taxonomy": {"name": self.taxonomy.name, "title": self.taxonomy.title, "source": self.taxonomy.source},
            "inputs": self.inputs,
            "totals": self.totals,
            "warnings": self.warnings,
        }


#: The datasets a profile reads besides the employment facts: areas and their names, code lookups, industry
#: names and (GB) the GVA behind productivity.
PROFILE_DATASETS: dict[str, tuple[str, ...]] = {
    "uk": ("areas_uk", "nuts2016_itl2021_crosswalk", "industries_sic2007", "gva_itl2_current_prices"),
    "us": ("areas_us_cbsa", "industries_naics2017"),
}


def _input_record(dataset: str, info: dict[str, Any]) -> dict[str, Any]:
    """One input of a run as ``run.json`` lists it: what it is, its vintage, licence and sha256."""
    return {
        "dataset": dataset,
        "kind": info.get("kind"),
        "title": info.get("title"),
        "source": info.get("source"),
        "publisher": info.get("publisher"),
        "vintage": info.get("vintage"),
        "licence": info.get("licence"),
        "sha256": info.get("sha256"),
        "raw_files": info.get("raw_files") or [],
        "transforms": info.get("transforms") or [],
        "origin": info.get("origin"),
    }


def _dataset_info(warehouse: AnyWarehouse, name: str) -> dict[str, Any]:
    """``warehouse.dataset_info(name)``, read once per data version (every profile asks for it several times)."""
    return memoised(warehouse, ("dataset_info", name), lambda: warehouse.dataset_info(name))


def dataset_records(warehouse: AnyWarehouse, names: Sequence[str]) -> list[dict[str, Any]]:
    """The input records of the datasets *names* that the warehouse holds (those it lacks are not inputs)."""
    records = []
    for name in names:
        try:
            info = _dataset_info(warehouse, name)
        except UnknownCodeError:
            continue
        records.append(_input_record(name, info))
    return records


def taxonomy_record(tax: Taxonomy) -> dict[str, Any]:
    """The cluster definitions as an input: their source, and the sha256 of the definitions as loaded (every
    cluster's codes), so two runs with the same sha256 used the same clusters whatever file they came from."""
    return copy.deepcopy(_taxonomy_record(tax))


@functools.lru_cache(maxsize=64)
def _taxonomy_record(tax: Taxonomy) -> dict[str, Any]:
    # Hashing the definitions and listing the built-in taxonomies reads files: once per taxonomy.
    import hashlib

    built_in = tax.file == f"{tax.name}.yaml" and tax.name in {t.name for t in list_taxonomies()}
    canonical = tax.to_frame().to_csv(index=False).encode("utf-8")
    return {
        "dataset": f"taxonomy:{tax.name}",
        "kind": "taxonomy",
        "title": tax.title,
        "source": tax.source,
        "publisher": "clusterplan (built-in definitions)" if built_in else "your file",
        "vintage": f"clusterplan {__version__}" if built_in else "as loaded",
        "licence": "Apache-2.0 (the code lists); the source's own terms for its definitions" if built_in else "yours",
        "sha256": hashlib.sha256(canonical).hexdigest(),
        "raw_files": [],
        "transforms": [f"{len(tax.clusters)} clusters of {tax.classification} codes from {tax.file or tax.name}"],
        "origin": "embedded" if built_in else "user",
    }


def _area_names(warehouse: AnyWarehouse) -> dict[str, str]:
    places = _places(warehouse).dropna(subset=["area_name"])
    return dict(zip(places["area_code"].astype(str), places["area_name"].astype(str), strict=True))


def _places(warehouse: AnyWarehouse) -> pd.DataFrame:
    """The warehouse's area dimension (every area any dataset or user import knows)."""
    areas = warehouse.table("areas")
    frame = areas.select("area_code", "area_name", "area_level", "parent_code", "geography").to_pandas()
    return frame.drop_duplicates("area_code", keep="first")


def _dataset_areas(warehouse: AnyWarehouse, dataset: str) -> list[str]:
    rows = industry_facts(warehouse.facts, dataset=dataset)
    return sorted(rows.select("area_code").distinct().to_pandas()["area_code"])


def region_places(warehouse: AnyWarehouse, dataset: str | None = None) -> Gazetteer:
    """The region resolver over one dataset's areas (every employment dataset's when *dataset* is None).

    Built once per data version and shared, not copied: nothing changes a resolver once it is built. Kept on disk
    too: every area of every dataset (the US metros' among 3.4 million rows) and the names of 5,000 places take
    about 0.5 s to gather and index, on every run.
    """

    def build() -> Gazetteer:
        datasets = [dataset] if dataset is not None else [d for d in DATASET_PROFILES if _has_dataset(warehouse, d)]
        available = [a for d in datasets for a in _dataset_areas(warehouse, d)]
        return Gazetteer(available, _places(warehouse))

    return memoised(warehouse, ("region_places", dataset), build, copy=False, persist=True)


def _has_dataset(warehouse: AnyWarehouse, dataset: str) -> bool:
    try:
        _dataset_info(warehouse, dataset)
    except UnknownCodeError:
        return False
    return True


def resolve_region(warehouse: AnyWarehouse, region: str, dataset: str | None = None) -> Region:
    """The region *region* stands for among the areas of *dataset* (default: the dataset the region belongs to)."""
    return region_places(warehouse, dataset).resolve(region)


def resolve_single_region(warehouse: AnyWarehouse, region: str, dataset: str, what: str) -> Region:
    """As :func:`resolve_region`, for analyses of one dataset area (a composite region is refused, clearly)."""
    resolved = resolve_region(warehouse, region, dataset)
    if resolved.composite:
        raise ParameterError(
            f"{what} works on one area; {resolved.label} is {len(resolved.members)} areas",
            hint="give one of " + ", ".join(resolved.members),
        )
    return resolved


def dataset_for_region(warehouse: AnyWarehouse, region: str | Region) -> str:
    """The default employment dataset for a region: BRES for GB areas, CBP for US CBSAs."""
    if isinstance(region, str):
        code = region.strip()
        if code.isdigit() and len(code) == 5:
            return CBP_METROS
        try:
            region = resolve_region(warehouse, code)
        except InputError:
            return DEFAULT_DATASET  # the profile then reports the error against the GB areas
    return CBP_METROS if region.geography == "us" else DEFAULT_DATASET


def _unit_rows(warehouse: AnyWarehouse, rows: ir.Table, classification: str, level: str) -> ir.Table:
    """The rows of one level of the classification (CBP mixes NAICS 2- to 6-digit rows in one dataset)."""
    dims = warehouse.table("industries")
    codes = dims.filter((dims.classification == classification) & (dims.industry_level == level)).select(
        "industry_code"
    )
    return rows.semi_join(codes.distinct(), rows.industry_code == codes.industry_code)


def _total_rows(rows: ir.Table, profile: DatasetProfile) -> ir.Table | None:
    if profile.total_code is None:
        return None
    return rows.filter(rows.industry_code == profile.total_code)


def _read_total_rows(warehouse: AnyWarehouse, rows: ir.Table, profile: DatasetProfile) -> ir.Table | None:
    """:func:`_total_rows`, read once into memory on DuckDB (an area and year each: 933 rows a CBP year).

    The panel's query sums both the totals and the cells of the same facts: with the totals an expression over
    them, DuckDB materialised every fact of the datasets (1.7 million US CBP rows) to read them twice, a quarter
    of the query's CPU; read from memory, the facts are scanned once, with the filters pushed into the scan.
    """
    totals = _total_rows(rows, profile)
    if totals is None or not isinstance(warehouse, Warehouse):
        return totals
    return ibis.memtable(totals.select("area_code", "year", "value", "flag").to_pyarrow())


def benchmark_short_label(benchmark: str, profile: DatasetProfile) -> str:
    """A short name of the benchmark for column headers: ``GB``, ``US``, ``peers`` or the larger area's code.

    Examples
    --------
    >>> benchmark_short_label("national", DATASET_PROFILES["bres_itl2_sic5"])
    'GB'
    >>> benchmark_short_label("tlg", DATASET_PROFILES["bres_itl2_sic5"])
    'TLG'
    """
    key = benchmark_keyword(benchmark)
    if key == "national":
        return "GB" if profile.geography == "uk" else "US"
    return key


@dataclass
class _Scope:
    """What every analysis of one dataset, region and period starts from."""

    dataset: str
    profile: DatasetProfile
    info: dict[str, Any]
    rows: ir.Table
    years: list[int]
    year: int
    base_year: int | None
    names: dict[str, str]
    available: list[str]
    region: Region | None
    gazetteer: Gazetteer
    #: The facts datasets the rows come from: the published one, then the rebuilt withheld cells if used.
    datasets: list[str]

    @property
    def region_code(self) -> str | None:
        return None if self.region is None else self.region.code


def cell_datasets(profile: DatasetProfile, cells: str) -> list[str]:
    """The facts datasets of *profile* that a run with ``cells`` (see :data:`CELL_CHOICES`) reads."""
    if cells not in CELL_CHOICES:
        raise UnknownCodeError("cells", cells, list(CELL_CHOICES))
    if cells == "published" or profile.imputed_dataset is None:
        return [profile.dataset]
    return [profile.dataset, profile.imputed_dataset]


def dataset_rows(warehouse: AnyWarehouse, datasets: Sequence[str], measure: str = "employment") -> ir.Table:
    """Facts of one measure from the first dataset and the datasets that complete it, under the first's name."""
    rows = industry_facts(warehouse.facts, dataset=datasets[0], measure=measure)
    for extra in datasets[1:]:
        more = industry_facts(warehouse.facts, dataset=extra, measure=measure)
        rows = rows.union(more.mutate(dataset=ibis.literal(datasets[0])).select(*rows.columns))
    return rows


def _scope(
    warehouse: AnyWarehouse,
    dataset: str,
    region: str | None,
    year: int | None,
    base_year: int | None,
    cells: str = DEFAULT_CELLS,
) -> _Scope:
    if dataset not in DATASET_PROFILES:
        raise UnknownCodeError("employment dataset", dataset, sorted(DATASET_PROFILES))
    profile = DATASET_PROFILES[dataset]
    info = _dataset_info(warehouse, dataset)
    datasets = cell_datasets(profile, cells)
    rows = _expression(warehouse, ("dataset_rows", tuple(datasets)), lambda: dataset_rows(warehouse, datasets))
    gazetteer = region_places(warehouse, dataset)
    resolved = gazetteer.resolve(region) if region is not None else None
    available = gazetteer.available
    if resolved is not None and resolved.composite:
        # A region of several areas is one area: its members' rows carry its code and are summed with it.
        rows = merge_areas(rows, resolved)
        available = sorted({*(a for a in available if a not in resolved.members), resolved.code})
    all_rows = rows
    years = memoised(
        warehouse,
        ("fact_years", tuple(datasets)),
        lambda: sorted(int(y) for y in all_rows.select("year").distinct().to_pandas()["year"]),
    )
    if not years:
        raise ParameterError(f"dataset {dataset!r} has no employment facts")
    year = years[-1] if year is None else int(year)
    if base_year is None:
        # The earliest year (or a one-year dataset) has no earlier year to grow from: growth measures stay empty.
        base_year = years[0] if years[0] < year else None
    elif len(years) > 1:
        base_year = int(base_year)
    else:
        base_year = None
    for label, value in (("year", year), ("base year", base_year)):
        if value is not None and value not in years:
            raise UnknownCodeError(label, str(value), [str(y) for y in years])
    if base_year is not None and base_year >= year:
        raise ParameterError(f"base year {base_year} must be before year {year}")
    names = gazetteer.names()
    if resolved is not None:
        names[resolved.code] = resolved.name
    return _Scope(dataset, profile, info, rows, years, year, base_year, names, available, resolved, gazetteer, datasets)


def _expression(warehouse: AnyWarehouse, key: Hashable, build: Callable[[], T], *, keep: bool = True) -> T:
    """``build()``, kept by a read-only warehouse for its connection (``Warehouse.expression``) unless not
    *keep*."""
    return build() if not keep else warehouse.expression(key, build)


def merge_areas(rows: ir.Table, region: Region) -> ir.Table:
    """Fact rows with the member areas of a composite *region* relabelled as the region."""
    if not region.composite:
        return rows
    return rows.mutate(area_code=rows.area_code.isin(list(region.members)).ifelse(region.code, rows.area_code))


def _parents(scope: _Scope) -> dict[str, str]:
    parents = scope.gazetteer.parents()
    region = scope.region
    if region is not None and region.composite:
        shared = {parents.get(m) for m in region.members}
        if len(shared) == 1 and None not in shared:
            parents[region.code] = str(shared.pop())
    return parents


def _latest_totals(units: ir.Table, totals_from: ir.Table | None, year: int) -> pd.Series:
    source = totals_from if totals_from is not None else units
    return area_totals(source.filter(source.year == year)).to_pandas().set_index("area_code")["total"]


def profile_region(
    warehouse: AnyWarehouse,
    *,
    region: str = DEFAULT_REGION,
    taxonomy: str | Taxonomy | None = None,
    year: int | None = None,
    base_year: int | None = None,
    dataset: str | None = None,
    benchmark: str = BENCHMARK_ALL,
    peers: Sequence[str] | None = None,
    denominator_codes: Sequence[str] | None = None,
    cells: str = DEFAULT_CELLS,
    convention: str = "clusterplan",
    progress: Any = None,
) -> ClusterProfile:
    """Profile every cluster of *taxonomy* in *region* against a benchmark.

    Parameters
    ----------
    warehouse
        The warehouse holding the employment facts.
    region
        A GB ITL2 area (``TLG3``, ``UKG3`` or its name) or a US CBSA code.
    taxonomy
        Built-in name, a YAML/CSV path or a :class:`~clusterplan.taxonomy.Taxonomy`;
        default depends on the dataset (WMCA clusters for GB, US Cluster Mapping
        traded clusters for the US).
    year, base_year
        Profile year (default latest) and start of the growth period (default
        earliest; growth is NaN when the data has a single year).
    dataset
        Employment dataset; default from the region (BRES for GB, CBP for the US).
    benchmark
        ``national`` (all areas of the dataset), ``peers`` (see *peers*), or
        the code of a larger area whose sub-areas form the benchmark (``TLG``).
    peers
        Peer areas for ``benchmark="peers"``; default the 8 areas closest in
        total employment.
    denominator_codes
        Industry codes whose employment makes up the totals (e.g. traded
        industries only, as the US Cluster Mapping Project does); default all.
    cells
        ``reconstructed`` (default): for County Business Patterns, the published
        cells plus the withheld ones rebuilt within their parents
        (:func:`~clusterplan.measures.withheld.reconstruct_withheld_cells`), with
        ``lq_low``/``lq_high`` covering every split of the hidden jobs and
        ``imputed_cells`` counting rebuilt cells; ``published``: published cells
        only (withheld cells count as zero). BRES has no withheld cells: both
        give the same result.
    convention
        ``clusterplan`` (default) or ``cluster_mapping``: also compute the US
        Cluster Mapping portal's measures
        (:func:`~clusterplan.measures.cluster_mapping_portal`, ``cmp_*``
        columns) on traded employment; the denominator becomes the traded
        industries unless *denominator_codes* is given. Needs establishment
        counts (County Business Patterns).
    """
    say = progress or (lambda _m: None)
    scope = _scope(warehouse, dataset or dataset_for_region(warehouse, region), region, year, base_year, cells)
    dataset, profile, info, rows = scope.dataset, scope.profile, scope.info, scope.rows
    year, base_year, names, available = scope.year, scope.base_year, scope.names, scope.available
    if scope.region is None:
        raise ParameterError("a region is required")
    resolved: Region = scope.region
    region_code: str = resolved.code
    tax = taxonomy if isinstance(taxonomy, Taxonomy) else load_taxonomy(taxonomy or profile.default_taxonomy)

    say(f"mapping {len(tax.clusters)} clusters of {tax.name} to industry codes")
    # A region of one area reads the dataset's rows as they are (a region of several relabels them): their
    # expressions are built once per connection.
    shared = not resolved.composite
    units = _expression(
        warehouse,
        ("unit_rows", tuple(scope.datasets), profile.classification, profile.unit_level),
        lambda: _unit_rows(warehouse, rows, profile.classification, profile.unit_level),
        keep=shared,
    )
    # Read only, so shared rather than copied (a copy of 961 codes a profile).
    codes: list[str] = memoised(
        warehouse,
        ("unit_codes", tuple(scope.datasets), profile.classification, profile.unit_level),
        lambda: units.select("industry_code").distinct().to_pandas()["industry_code"].tolist(),
        copy=False,
    )
    mapping = _taxonomy_mapping(tax, tuple(codes), profile.geography == "uk").copy()
    if convention not in CONVENTIONS:
        raise UnknownCodeError("convention", convention, list(CONVENTIONS))
    if convention == "cluster_mapping":
        if profile.geography != "us":
            raise ParameterError(
                "the US Cluster Mapping portal's measures need establishment counts, which only County Business "
                "Patterns (US metro areas) has",
                hint="drop --convention cluster-mapping for GB regions",
            )
        if denominator_codes is None:
            denominator_codes = traded_industry_codes(warehouse, dataset)
    if mapping.empty:
        raise ParameterError(
            f"taxonomy {tax.name!r} maps no industry codes of dataset {dataset!r}",
            hint="its classification must match the dataset's (SIC 2007 for GB, NAICS for the US)",
        )
    denominator = None
    codes_in_taxonomy = mapping.groupby("cluster_id")["industry_code"].nunique()
    if denominator_codes is not None:
        chosen = sorted(set(denominator_codes))
        denominator = _expression(
            warehouse, ("denominator", tuple(chosen)), lambda: memtable(pd.DataFrame({"industry_code": chosen}))
        )
        # A share of traded jobs counts the cluster's traded codes only: its other codes are not in the
        # denominator, and counting them would let the clusters' shares add up to more than 100%.
        mapping = mapping[mapping["industry_code"].isin(set(denominator_codes))]
        if mapping.empty:
            raise ParameterError(
                f"no industry code of taxonomy {tax.name!r} is among the {len(set(denominator_codes))} "
                "codes of the denominator",
                hint="use --denominator all, or a taxonomy with traded industries",
            )
    totals_from = _expression(
        warehouse,
        ("total_rows", tuple(scope.datasets), profile.total_code),
        lambda: _read_total_rows(warehouse, rows, profile),
        keep=shared,
    )
    if denominator is not None:
        counted = denominator
        totals_from = _expression(
            warehouse,
            ("denominator_rows", tuple(scope.datasets), profile.classification, profile.unit_level, tuple(chosen)),
            lambda: units.semi_join(counted, units.industry_code == counted.industry_code),
            keep=shared,
        )
    say("aggregating employment in the warehouse")
    # Every area's tables are the same whichever area is the focus (only a region of several areas changes the
    # rows), so they are computed once per data version, taxonomy, period, benchmark and denominator.
    merged = tuple(resolved.members) if resolved.composite else None
    denominator_key = tuple(sorted(set(denominator_codes))) if denominator_codes is not None else None
    latest_totals = memoised(
        warehouse,
        (
            "profile_latest_totals",
            tuple(scope.datasets),
            region_code if merged else None,
            merged,
            year,
            denominator_key,
        ),
        lambda: _latest_totals(units, totals_from, year),
    )
    benchmark_areas, benchmark_label = choose_benchmark(
        benchmark,
        region=region_code,
        available=available,
        area_totals=latest_totals,
        parents=_parents(scope),
        peers=peers,
        names=names,
        benchmark_name=profile.benchmark_name,
        gazetteer=scope.gazetteer,
        area_types=cbsa_types() if profile.geography == "us" else None,
    )
    key = (
        "profile_areas",
        tuple(scope.datasets),
        region_code if merged else None,
        merged,
        tax,
        year,
        base_year,
        tuple(benchmark_areas) if benchmark_areas is not None else None,
        denominator_key,
        convention,
    )
    tables = memoised(
        warehouse,
        key,
        lambda: _area_tables(
            warehouse,
            scope,
            tax,
            units=units,
            mapping=mapping,
            benchmark_areas=benchmark_areas,
            denominator=denominator,
            denominator_codes=denominator_codes,
            totals_from=totals_from,
            convention=convention,
            say=say,
        ),
        persist=True,
    )
    panel, bench, bench_total, union, regions = (
        tables.panel,
        tables.bench,
        tables.bench_total,
        tables.union,
        tables.regions,
    )
    cluster_names = {c.id: c.name for c in tax.clusters}
    focus_name = names.get(region_code)
    # Each table's rows of the region by position, found once per tables (comparing every row's Arrow-backed code
    # again for each region cost more than taking the rows); the same rows, in the same order, as the masks. The
    # focus's name is set only when it is spelled otherwise (setting it copied the column for the same text).
    positions = memoised(warehouse, ("profile_area_positions", *key[1:]), lambda: _area_positions(tables), copy=False)
    at_region = positions.regions.get(region_code, _NO_ROWS)
    spelled = "" if pd.isna(focus_name) else focus_name
    if not (regions["area_name"].iloc[at_region] == spelled).all():
        regions.loc[regions["area_code"] == region_code, "area_name"] = spelled

    bench_latest = bench[bench["year"] == year].set_index("cluster_id")
    focus = regions.iloc[at_region].set_index("cluster_id")
    # The region's rows in taxonomy order once, and the table made in one go (assigning some thirty columns one
    # by one, each aligned on its own, was a fifth of a profile's time); the same columns, values and types.
    index = pd.Index([c.id for c in tax.clusters], name="cluster_id")
    aligned = focus.reindex(index)
    columns: dict[str, Any] = {"cluster": [c.name for c in tax.clusters]}
    for name, source in (
        ("employment", "value"),
        ("employment_share", "share"),
        ("lq", "lq"),
        ("growth_cagr", "growth_cagr"),
        ("employment_base_year", "base_value"),
    ):
        columns[name] = aligned[source]
    columns["benchmark_employment"] = bench_latest["benchmark_value"].reindex(index)
    if base_year is not None:
        bench_base = bench[bench["year"] == base_year].set_index("cluster_id")
        columns["benchmark_growth_cagr"] = compound_annual_growth_rate(
            bench_base["benchmark_value"].reindex(index),
            bench_latest["benchmark_value"].reindex(index),
            year - base_year,
        )
    else:
        columns["benchmark_growth_cagr"] = float("nan")
    for column in ("lq_rank", "lq_percentile", "growth_rank", "n_regions"):
        columns[column] = aligned[column]
    for column in ("strong_cluster", "strong_cluster_reason", "stars", "stars_reason", "establishments"):
        if column in focus.columns:
            columns[column] = aligned[column]
    for column in _ALL_AREA_COLUMNS:
        if column in focus.columns:
            columns[column] = aligned[column]
    if profile.geography == "uk":
        say("estimating productivity")
        productivity = _productivity(warehouse, mapping, resolved, year)
        for column in productivity.columns:
            columns[str(column)] = productivity[column].reindex(index)
    # Without a denominator the mapping is the one codes_in_taxonomy counted: no need to count again.
    per_cluster = (
        codes_in_taxonomy if denominator_codes is None else mapping.groupby("cluster_id")["industry_code"].nunique()
    )
    columns["industry_codes"] = per_cluster.reindex(index).fillna(0)
    if denominator_codes is not None:
        columns["industry_codes_in_taxonomy"] = codes_in_taxonomy.reindex(index).fillna(0)
    columns["suppressed_cells"] = aligned["suppressed_cells"]
    columns["missing_cells"] = aligned["missing_cells"]
    if "imputed_cells" in focus.columns:
        columns["imputed_cells"] = aligned["imputed_cells"]
    for column in PORTAL_COLUMNS:
        if column in focus.columns:
            columns[column] = aligned[column]
    columns["confidence"] = [c.confidence for c in tax.clusters]
    out = pd.DataFrame(columns, index=index)
    out = out.reset_index()
    out.insert(0, "cluster", out.pop("cluster"))
    out = out.sort_values("lq", ascending=False, na_position="last").reset_index(drop=True)

    trend = panel.iloc[positions.panel.get(region_code, _NO_ROWS)][
        ["cluster_id", "year", "value", "lq", "benchmark_value"]
    ]
    trend = trend.rename(columns={"value": "employment", "benchmark_value": "benchmark_employment"})
    trend = trend.sort_values(["cluster_id", "year"]).reset_index(drop=True)
    trend.insert(1, "cluster", trend["cluster_id"].map(cluster_names))

    region_total = float(latest_totals[region_code])
    union_rows = union.iloc[positions.union.get(region_code, _NO_ROWS)]
    union_row = union_rows[union_rows.year == year]
    union_value = float(union_row["value"].iloc[0]) if len(union_row) else 0.0
    totals_out = {
        "year": year,
        "base_year": base_year,
        "region_total_employment": region_total,
        "benchmark_total_employment": float(bench_total.loc[bench_total.year == year, "total"].iloc[0]),
        "clusters_employment_without_double_counting": union_value,
        "clusters_share_of_region": union_value / region_total if region_total else float("nan"),
        "overlapping_codes": int(mapping["industry_code"].duplicated().sum()),
        "unmapped_taxonomy_codes": _unmapped(tax, codes) if profile.geography == "us" else 0,
    }
    warnings: list[str] = []
    unclassified = pd.DataFrame(columns=UNCLASSIFIED_COLUMNS)
    if profile.geography == "us":
        # The nation's side is the same for every region of the taxonomy: read once (a CBP scan, half of it). That
        # first scan sums the region's side too; a later profile (the nation's cached) takes the region's rows of
        # every area's sums, read once (a query per region took most of a later US profile's time).
        region_loose: list[pd.DataFrame] = []
        loose_key = (tuple(scope.datasets), region_code if merged else None, merged, tax, year)
        national_loose = memoised(
            warehouse,
            ("unclassified_national", *loose_key),
            lambda: _unclassified_national_employment(units, tax, codes, year, region_code, region_loose),
        )
        if not region_loose:
            every_area = memoised(
                warehouse,
                ("unclassified_areas", *loose_key),
                lambda: _unclassified_area_employment(units, tax, codes, year),
                copy=False,
            )
            region_loose.append(
                every_area.loc[every_area["area_code"] == region_code, ["industry_code", "employment"]].reset_index(
                    drop=True
                )
            )
        unclassified = unclassified_industries(
            units,
            tax,
            codes,
            region_code,
            year,
            national=national_loose,
            region_sums=region_loose[0] if region_loose else None,
        )
        near = unclassified[(unclassified["siblings_in"] != "") & (unclassified["employment"] > 0)]
        loose_jobs = float(unclassified["employment"].sum())
        loose_count = int((unclassified["employment"] > 0).sum())
        beside_jobs = float(near["employment"].sum())
        totals_out["unclassified_employment"] = loose_jobs
        totals_out["unclassified_employment_beside_clusters"] = beside_jobs
        totals_out["unclassified_national_employment"] = float(unclassified["national_employment"].sum())
        totals_out["unclassified_industries"] = loose_count
        if loose_jobs > 0:
            beside = "; ".join(
                f"{r.industry_code} {r.employment:,.0f} (group in {r.siblings_in})" for r in near.head(5).itertuples()
            )
            warnings.append(
                f"{loose_jobs:,.0f} jobs in {resolved.name} are in {loose_count} NAICS 2017 codes no Cluster "
                "Mapping definition names, so they are in no cluster"
                + (
                    f"; {beside_jobs:,.0f} of them in codes whose 4-digit group is in a cluster: {beside}"
                    if beside
                    else ""
                )
            )
    inputs = [_input_record(dataset, info)]
    completing = [*scope.datasets[1:], *([profile.withheld_table] if len(scope.datasets) > 1 else [])]
    inputs += dataset_records(warehouse, [name for name in completing if name is not None])
    used_cells = cells if profile.imputed_dataset is not None else "published"
    inputs += dataset_records(warehouse, PROFILE_DATASETS[profile.geography])
    inputs.append(taxonomy_record(tax))
    parameters = {
        "region": region_code,
        "region_input": region,
        "region_members": list(resolved.members),
        "region_mapping": list(resolved.mapping),
        "benchmark": benchmark,
        "benchmark_label": benchmark_label,
        "benchmark_areas": benchmark_areas,
        "benchmark_short": benchmark_short_label(benchmark, profile),
        "denominator": "all industries" if denominator_codes is None else f"{len(set(denominator_codes))} codes",
        "cluster_codes": "all codes of each cluster"
        if denominator_codes is None
        else "each cluster's codes among the denominator's (traded) codes only",
        "taxonomy": tax.name,
        "dataset": dataset,
        "cells": used_cells,
        "convention": convention,
        "convention_description": CONVENTIONS[convention],
        **({"convention_columns": PORTAL_COLUMNS} if convention == "cluster_mapping" else {}),
        "cells_description": CELL_CHOICES[used_cells],
        **(
            {"strong_rule": STRONG_RULE_WITH_REBUILT_CELLS}
            if used_cells == "reconstructed" and profile.withheld_table is not None
            else {}
        ),
        "measure": "employment",
        "engine": getattr(warehouse, "engine", "duckdb"),
        "year": year,
        "base_year": base_year,
        "growth_note": _growth_note(year, base_year, scope.years),
    }
    return ClusterProfile(
        parameters=parameters,
        region_code=region_code,
        region_name=resolved.name,
        region_detail=resolved.describe(),
        clusters=out,
        regions=regions,
        trend=trend,
        totals=totals_out,
        taxonomy=tax,
        inputs=inputs,
        warnings=warnings,
        unclassified=unclassified,
    )


@dataclass
class _AreaTables:
    """The tables of every area that a profile slices its region from (see :func:`_area_tables`)."""

    #: Area x cluster x year panel: value, share, lq, total, benchmark_value, benchmark_total, cells.
    panel: pd.DataFrame
    #: Benchmark employment per cluster and year, and the benchmark's total per year.
    bench: pd.DataFrame
    bench_total: pd.DataFrame
    #: Employment in any cluster (codes counted once) per area and year.
    union: pd.DataFrame
    #: Every area and cluster in the profile year: measures, ranks, strength, bounds, growth decomposition.
    regions: pd.DataFrame


_NO_ROWS = np.zeros(0, dtype=np.intp)


@dataclass(frozen=True)
class _AreaPositions:
    """Each area's row positions in the tables of every area (see :func:`_area_positions`)."""

    panel: dict[str, np.ndarray]
    union: dict[str, np.ndarray]
    regions: dict[str, np.ndarray]


def _area_positions(tables: _AreaTables) -> _AreaPositions:
    """Where each area's rows are in *tables*' panel, union and regions (ascending positions, so that taking them
    gives what a mask of the area's code gives)."""

    def of(frame: pd.DataFrame) -> dict[str, np.ndarray]:
        found = frame.groupby("area_code", sort=False, observed=True).indices
        return {str(k): np.asarray(v, dtype=np.intp) for k, v in found.items()}

    return _AreaPositions(panel=of(tables.panel), union=of(tables.union), regions=of(tables.regions))


def _area_tables(
    warehouse: AnyWarehouse,
    scope: _Scope,
    tax: Taxonomy,
    *,
    units: ir.Table,
    mapping: pd.DataFrame,
    benchmark_areas: list[str] | None,
    denominator: ir.Table | None,
    denominator_codes: Sequence[str] | None,
    totals_from: ir.Table | None,
    convention: str,
    say: Any,
) -> _AreaTables:
    """Measures of every area and cluster of *tax*: what :func:`profile_region` computes for all areas at once
    and slices its region from."""
    profile, year, base_year, names = scope.profile, scope.year, scope.base_year, scope.names
    resolved = scope.region
    assert resolved is not None
    panel = measure_panel(
        units,
        memtable(mapping[["cluster_id", "industry_code"]]),
        benchmark_areas=benchmark_areas,
        denominator_industries=denominator,
        total_rows=totals_from,
        complete=profile.absent_is_zero,
    ).to_pandas()
    measure_frame = panel.copy()
    panel = panel.rename(
        columns={
            "unit_code": "cluster_id",
            "employment": "value",
            "area_total": "total",
            "benchmark_employment": "benchmark_value",
        }
    )
    bench = panel[["cluster_id", "year", "benchmark_value", "benchmark_total"]].drop_duplicates()
    bench_total = bench[["year", "benchmark_total"]].drop_duplicates().rename(columns={"benchmark_total": "total"})
    union = _union_of_clusters(panel, mapping)
    if union is None:
        union_codes = memtable(mapping[["industry_code"]].drop_duplicates().assign(cluster_id="__all_clusters__"))
        union = cluster_employment(units, union_codes).to_pandas()

    say("computing shares, location quotients and growth")

    def at(frame: pd.DataFrame, y: int) -> pd.DataFrame:
        return frame[frame["year"] == y].set_index(["area_code", "cluster_id"])

    latest = at(panel, year)
    regions = latest[["value", "share", "lq", "total", "suppressed_cells", "missing_cells", "cells"]].copy()
    if base_year is not None:
        regions["base_value"] = at(panel, base_year)["value"].reindex(regions.index)
        regions["growth_cagr"] = compound_annual_growth_rate(regions["base_value"], regions["value"], year - base_year)
    else:
        regions["base_value"] = float("nan")
        regions["growth_cagr"] = float("nan")
    regions = regions.reset_index()
    regions["in_benchmark"] = True if benchmark_areas is None else regions["area_code"].isin(benchmark_areas)
    say("bounding LQs for rounding and suppression, decomposing growth")
    if len(scope.datasets) > 1 and profile.withheld_table is not None:
        extras = [
            _withheld_bounds(
                warehouse,
                units,
                mapping,
                regions,
                profile.withheld_table,
                year=year,
                denominator_codes=denominator_codes,
                region=resolved,
            )
        ]
    else:
        extras = [
            _lq_bounds(
                units,
                mapping,
                profile,
                year=year,
                benchmark_areas=benchmark_areas,
                denominator_codes=denominator_codes,
                lq=regions.set_index(["area_code", "cluster_id"])["lq"],
            )
        ]
    rebuilt = len(scope.datasets) > 1
    for extra in extras[:1]:
        regions = regions.merge(extra.reset_index(), on=["area_code", "cluster_id"], how="left")
    say("ranking areas and applying the strong-cluster rules")
    regions = _add_ranks_and_strength(
        warehouse,
        regions,
        datasets=scope.datasets,
        year=year,
        units=units,
        mapping=mapping,
        has_growth=base_year is not None,
        min_establishments=REBUILT_PRESENCE_ESTABLISHMENTS if rebuilt else 0.0,
        region=resolved,
        lq_bound=rebuilt and profile.withheld_table is not None,
    )
    if base_year is not None:
        extras.append(_growth_decomposition(measure_frame, base_year, year, benchmark_areas))
        extras.append(_lq_rank_change(measure_frame, base_year, year, benchmark_areas))
    for extra in extras[1:]:
        regions = regions.merge(extra.reset_index(), on=["area_code", "cluster_id"], how="left")
    if convention == "cluster_mapping":
        portal = cluster_mapping_portal(
            regions.rename(columns={"cluster_id": "unit_code", "value": "employment", "total": "traded_total"}),
            min_establishments=REBUILT_PRESENCE_ESTABLISHMENTS if rebuilt else 0.0,
            employment_low="employment_low" if rebuilt and profile.withheld_table is not None else None,
        )
        regions = regions.join(portal[list(PORTAL_COLUMNS)])
    # The focus area's own name is set by profile_region (it may be spelled as the user's input resolved it).
    regions["area_name"] = regions["area_code"].map(names if resolved.composite else scope.gazetteer.names())
    regions["area_name"] = regions["area_name"].fillna("")
    cluster_names = {c.id: c.name for c in tax.clusters}
    regions["cluster"] = regions["cluster_id"].map(cluster_names)
    return _AreaTables(panel=panel, bench=bench, bench_total=bench_total, union=union, regions=regions)


#: Magnitude below which an exact sum's float (:func:`~clusterplan.measures.employment.exact_sum`: the float
#: nearest a whole number of millionths) gives back its millionths: ``rint(x * 1e6)`` is within 0.25 of them, and
#: consecutive millionths are distinct floats.
_MILLIONTHS_EXACT = 2.0**30


def _union_of_clusters(panel: pd.DataFrame, mapping: pd.DataFrame) -> pd.DataFrame | None:
    """Employment in any cluster per area and year, as ``cluster_employment`` of the mapping's codes reads it
    (``area_code, year, cluster_id, value, cells, suppressed_cells, missing_cells``), from the clusters' sums of
    *panel* when no code is in two clusters; None when it must be read.

    Each cluster's sum is exact to a millionth, so with no code counted twice the union's sum is the sum of the
    clusters' millionths, made a float as the engine makes it (DuckDB's DECIMAL to DOUBLE is the quotient by
    10**6, correctly rounded). That saves a second pass over every cell (US CBP: 490,000 joined and summed again,
    0.15 s of a first US run). Read instead: codes in two clusters, a sum too large to give back its millionths,
    or an area and year whose clusters sum to 0 (every cell could be empty, and the union's sum then NULL).
    """
    if mapping["industry_code"].duplicated().any():
        return None
    value = panel["value"].to_numpy(dtype=float)
    value = np.where(np.isnan(value), 0.0, value)  # a cluster whose cells are all empty adds nothing
    if len(value) and float(np.abs(value).max()) >= _MILLIONTHS_EXACT:
        return None
    millionths = np.rint(value * 1e6)
    if not np.array_equal(millionths / 1e6, value):
        return None
    counts = ["cells", "suppressed_cells", "missing_cells"]
    parts = pd.DataFrame({"millionths": millionths.astype(np.int64)})
    for column in counts:
        parts[column] = panel[column].to_numpy(dtype=np.int64)
    summed = parts.groupby([panel["area_code"], panel["year"]], sort=False, observed=True).sum()
    summed = summed[summed["cells"].to_numpy() > 0]  # the engine's groups: areas and years with a cluster's cell
    if (summed["millionths"].to_numpy() == 0).any():
        return None
    union = summed.reset_index()
    return pd.DataFrame(
        {
            "area_code": union["area_code"],
            "year": union["year"],
            "cluster_id": "__all_clusters__",
            "value": union["millionths"].to_numpy() / 1e6,
            **{column: union[column] for column in counts},
        }
    )


@functools.lru_cache(maxsize=64)
def _taxonomy_mapping(tax: Taxonomy, codes: tuple[str, ...], strict: bool) -> pd.DataFrame:
    """``tax.mapping(codes, strict=strict)``, made once per taxonomy and code list (every region of a dataset asks
    the same); callers take a copy."""
    return tax.mapping(list(codes), strict=strict)


def _growth_note(year: int, base_year: int | None, years: list[int]) -> str:
    """Why growth measures are empty, or over which period they run."""
    if base_year is not None:
        return f"growth from {base_year} to {year}"
    if len(years) == 1:
        return f"one year of data ({year}): no growth measures"
    return f"{year} is the earliest year in the data: no growth measures (they need an earlier year)"


def _unmapped(tax: Taxonomy, codes: list[str]) -> int:
    """Codes a taxonomy names that the data does not have (CBP suppresses some 6-digit industries)."""
    return _unmapped_count(tax, tuple(codes))


# Per taxonomy and code list, not per region: every US metro's profile asks the same.
@functools.lru_cache(maxsize=64)
def _unmapped_count(tax: Taxonomy, codes: tuple[str, ...]) -> int:
    present = set(codes)
    expanded = tax.mapping(list(codes), strict=False)["industry_code"].tolist()
    # A named code covers data when some expanded code starts with it: i.e. it is one of their prefixes.
    prefixes = {e[:i] for e in expanded for i in range(len(e) + 1)}
    named = {c for cluster in tax.clusters for c in cluster.codes}
    return len({c for c in named if c not in present and c not in prefixes})


@functools.lru_cache(maxsize=64)
def _classified_codes(tax: Taxonomy, codes: tuple[str, ...]) -> frozenset[str]:
    """The codes of *codes* that *tax* or a Cluster Mapping definition puts in a cluster (per taxonomy and code
    list, not per region)."""
    named = set(tax.mapping(list(codes), strict=False)["industry_code"])
    for name in CLUSTER_MAPPING_TAXONOMIES:
        named |= set(load_taxonomy(name).mapping(list(codes), strict=False)["industry_code"])
    return frozenset(named)


@functools.lru_cache(maxsize=64)
def _loose_codes(tax: Taxonomy, codes: tuple[str, ...]) -> tuple[str, ...]:
    """The codes of *codes* no definition names (see :func:`unclassified_industries`), sorted."""
    return tuple(sorted(set(codes) - _classified_codes(tax, codes)))


@functools.lru_cache(maxsize=64)
def _siblings(tax: Taxonomy, codes: tuple[str, ...]) -> pd.Series:
    """The clusters of *tax* holding codes of each 4-digit NAICS group (per taxonomy and code list: every region
    asks the same). Shared: callers only read it."""
    mapping = tax.mapping(list(codes), strict=False)
    groups = mapping.assign(group=mapping["industry_code"].str[:4]).groupby("group")["cluster_name"]
    return groups.agg(lambda names: ", ".join(dict.fromkeys(names)))


def _unclassified_rows(units: ir.Table, tax: Taxonomy, codes: Sequence[str], year: int) -> ir.Table | None:
    """The facts of *year* in the codes no definition names (see :func:`unclassified_industries`); None when
    there are none."""
    loose = list(_loose_codes(tax, tuple(codes)))
    if not loose:
        return None
    return with_codes(units.filter(units.year == year), loose)


def _national_sums(rows: ir.Table) -> pd.DataFrame:
    return rows.group_by("industry_code").aggregate(national_employment=exact_sum(rows.value)).to_pandas()


def _region_sums(rows: ir.Table, region_code: str) -> pd.DataFrame:
    own = rows.filter(rows.area_code == region_code)
    return own.group_by("industry_code").aggregate(employment=exact_sum(own.value)).to_pandas()


def _unclassified_national_employment(
    units: ir.Table,
    tax: Taxonomy,
    codes: Sequence[str],
    year: int,
    region_code: str | None = None,
    region_sums: list[pd.DataFrame] | None = None,
) -> pd.DataFrame:
    """The nation's (every area's) employment in each code :func:`unclassified_industries` counts, columns
    ``industry_code, national_employment``: the same for every region, so a caller profiling many regions
    reads it once and hands it to each.

    With *region_code*, the same scan also sums that region's employment in each code, appended to
    *region_sums* as :func:`unclassified_industries` reads it (``industry_code, employment``; the codes where the
    region has rows), for its ``region_sums``.
    """
    rows = _unclassified_rows(units, tax, codes, year)
    if rows is None:
        return pd.DataFrame(columns=["industry_code", "national_employment"])
    if region_code is None or region_sums is None:
        return _national_sums(rows)
    both = (
        rows.group_by("industry_code")
        .aggregate(
            national_employment=exact_sum(rows.value),
            employment=exact_sum(rows.value, where=rows.area_code == region_code),
            region_rows=(rows.area_code == region_code).cast("int64").sum(),
        )
        .to_pandas()
    )
    region_sums.append(both.loc[both["region_rows"] > 0, ["industry_code", "employment"]].reset_index(drop=True))
    return both[["industry_code", "national_employment"]]


def _unclassified_area_employment(units: ir.Table, tax: Taxonomy, codes: Sequence[str], year: int) -> pd.DataFrame:
    """Every area's employment in each code :func:`unclassified_industries` counts, where the area has rows:
    columns ``area_code, industry_code, employment``; an area's rows are :func:`_region_sums` of that area (the
    same sums of the same cells)."""
    rows = _unclassified_rows(units, tax, codes, year)
    if rows is None:
        return pd.DataFrame(columns=["area_code", "industry_code", "employment"])
    summed = rows.group_by(["area_code", "industry_code"]).aggregate(employment=exact_sum(rows.value))
    return summed.to_pandas()


def unclassified_industries(
    units: ir.Table,
    tax: Taxonomy,
    codes: Sequence[str],
    region_code: str,
    year: int,
    *,
    national: pd.DataFrame | None = None,
    region_sums: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """US industries in no cluster because no Cluster Mapping definition names their NAICS code.

    The definitions are NAICS 2007 (traded and local clusters) and NAICS 2012 (the 51 traded clusters); County
    Business Patterns 2019 is NAICS 2017. A code of the 2012 or 2017 revision that replaced defined codes (NAICS
    2017 merged 336391 and 336399 into 336390, for example) is in neither, so its jobs fall out of every cluster.
    The package holds no NAICS concordance, so these jobs are counted and shown, not allocated.

    Parameters
    ----------
    units
        Employment facts at the taxonomy's level (6-digit NAICS), the region's member areas already merged.
    tax
        The run's taxonomy; its codes count as classified too.
    codes
        The industry codes of the data at that level.
    region_code, year
        The region and year counted.
    national
        :func:`_unclassified_national_employment` of the same *units*, *tax*, *codes* and *year*, when the
        caller has it (default: read here).
    region_sums
        The region's employment in each such code where it has rows (``industry_code, employment``), when the
        caller read it with the nation's (default: read here).

    Returns
    -------
    pandas.DataFrame
        Columns :data:`UNCLASSIFIED_COLUMNS`: each such code with the region's and the nation's (all areas')
        employment, and the clusters of the run's taxonomy that hold other codes of its 4-digit NAICS group
        (a hint where it would belong, not an allocation); largest in the region first.
    """
    if not _loose_codes(tax, tuple(codes)):
        return pd.DataFrame(columns=UNCLASSIFIED_COLUMNS)
    if national is None or region_sums is None:
        rows = _unclassified_rows(units, tax, codes, year)
        assert rows is not None
        if national is None:
            national = _national_sums(rows)
        if region_sums is None:
            region_sums = _region_sums(rows, region_code)
    out = national.merge(region_sums, on="industry_code", how="left").fillna({"employment": 0.0})
    out["siblings_in"] = out["industry_code"].str[:4].map(_siblings(tax, tuple(codes))).fillna("")
    out = out[out["national_employment"] > 0]
    out = out.sort_values(["employment", "national_employment"], ascending=False, kind="stable")
    return out[UNCLASSIFIED_COLUMNS].reset_index(drop=True)


def industry_measures(
    warehouse: AnyWarehouse,
    *,
    level: str = "sic5",
    region: str | None = None,
    year: int | None = None,
    base_year: int | None = None,
    benchmark: str = BENCHMARK_ALL,
    peers: Sequence[str] | None = None,
    cells: str = DEFAULT_CELLS,
    convention: str = "clusterplan",
) -> pd.DataFrame:
    """Employment, share, location quotient, growth and ranks of every industry at *level*.

    One row per area and industry (all areas of the dataset when *region* is
    None, else only *region*). Ranks and percentiles are across the areas in
    the benchmark, per industry: rank 1 is the highest LQ; percentile 100 the
    highest.

    Parameters
    ----------
    level
        ``sic5`` or ``sic2`` (BRES, GB ITL2 areas), ``naics2`` ... ``naics6``
        (CBP 2019, US CBSAs).
    region, year, base_year, benchmark, peers, cells
        As for :func:`profile_region`.
    convention
        ``clusterplan`` (default): shares and LQs out of all industries; ``cluster_mapping``: as the US Cluster
        Mapping portal, the traded industries only (NAICS 6-digit codes of its 51 traded clusters), with
        shares and LQs out of traded employment.
    """
    if level not in LEVELS:
        raise UnknownCodeError("level", level, list(LEVELS))
    if convention not in CONVENTIONS:
        raise UnknownCodeError("convention", convention, list(CONVENTIONS))
    if convention == "cluster_mapping" and level != "naics6":
        raise ParameterError(
            f"the US Cluster Mapping portal's measures are of 6-digit NAICS industries, not level {level!r}",
            hint="use level naics6 with the cluster_mapping convention",
        )
    # The same national table feeds the opportunities, the scenarios' feasibility and the web app: once per
    # data version.
    key = (
        "industry_measures",
        level,
        region,
        year,
        base_year,
        benchmark,
        tuple(peers) if peers else None,
        cells,
        *(() if convention == "clusterplan" else (convention,)),
    )
    return memoised(
        warehouse,
        key,
        lambda: _industry_measures(warehouse, level, region, year, base_year, benchmark, peers, cells, convention),
        persist=True,
    )


def _industry_measures(
    warehouse: AnyWarehouse,
    level: str,
    region: str | None,
    year: int | None,
    base_year: int | None,
    benchmark: str,
    peers: Sequence[str] | None,
    cells: str = DEFAULT_CELLS,
    convention: str = "clusterplan",
) -> pd.DataFrame:
    dataset, industry_level = LEVELS[level]
    scope = _scope(warehouse, dataset, region, year, base_year, cells)
    profile = scope.profile
    units = _unit_rows(warehouse, scope.rows, profile.classification, industry_level)
    totals_from = _total_rows(scope.rows, profile)
    if convention == "cluster_mapping":
        if profile.geography != "us":
            raise ParameterError(
                "the US Cluster Mapping portal's measures are for US metro areas (County Business Patterns)",
                hint="drop the cluster_mapping convention for GB regions",
            )
        # The portal's industries are the traded ones, and their shares are of traded employment.
        units = with_codes(units, traded_industry_codes(warehouse, dataset))
        totals_from = units
    latest_totals = _latest_totals(units, totals_from, scope.year)
    benchmark_areas, benchmark_label = (None, profile.benchmark_name)
    if scope.region_code is not None or benchmark.lower() != "peers":
        benchmark_areas, benchmark_label = choose_benchmark(
            benchmark,
            region=scope.region_code or "",
            available=scope.available,
            area_totals=latest_totals,
            parents=_parents(scope),
            peers=peers,
            names=scope.names,
            benchmark_name=profile.benchmark_name,
            gazetteer=scope.gazetteer,
            area_types=cbsa_types() if profile.geography == "us" else None,
        )
    panel = measure_panel(
        units, None, benchmark_areas=benchmark_areas, total_rows=totals_from, complete=profile.absent_is_zero
    )
    wanted = [scope.year] if scope.base_year is None else [scope.base_year, scope.year]
    frame = panel.filter(panel.year.isin(wanted)).to_pandas()
    latest = frame[frame["year"] == scope.year].rename(columns={"unit_code": "industry_code"}).copy()
    if scope.base_year is not None:
        base = frame[frame["year"] == scope.base_year].set_index(["area_code", "unit_code"])["employment"]
        latest["employment_base_year"] = base.reindex(
            list(zip(latest.area_code, latest.industry_code, strict=True))
        ).to_numpy()
        latest["growth_cagr"] = compound_annual_growth_rate(
            latest["employment_base_year"], latest["employment"], scope.year - scope.base_year
        )
    establishments = _establishments(
        warehouse, scope.datasets, scope.year, scope.region, (profile.classification, industry_level)
    )
    if establishments is not None:
        latest = latest.merge(establishments, on=["area_code", "industry_code"], how="left")
    comparable = latest if benchmark_areas is None else latest[latest["area_code"].isin(benchmark_areas)]
    latest["lq_rank"] = comparable.groupby("industry_code")["lq"].rank(ascending=False, method="min")
    latest["lq_percentile"] = comparable.groupby("industry_code")["lq"].rank(pct=True, method="max") * 100
    industry_names = warehouse.industry_names(profile.classification)
    names = pd.DataFrame({"industry_code": list(industry_names), "industry_name": list(industry_names.values())})
    latest = latest.merge(names, on="industry_code", how="left")
    latest.insert(1, "area_name", latest["area_code"].map(scope.names).fillna(""))
    if scope.region_code is not None:
        latest = latest[latest["area_code"] == scope.region_code]
    latest["benchmark"] = benchmark_label
    first = ["area_code", "area_name", "industry_code", "industry_name", "year", "employment", "share", "lq"]
    rest = [c for c in latest.columns if c not in first]
    return latest[first + rest].sort_values(["area_code", "industry_code"]).reset_index(drop=True)


def industry_employment(
    warehouse: AnyWarehouse,
    *,
    level: str = "sic5",
    year: int | None = None,
    base_year: int | None = None,
    cells: str = DEFAULT_CELLS,
) -> pd.DataFrame:
    """Employment of every area and industry at *level*, the same numbers as :func:`industry_measures` of all areas.

    Columns ``area_code, industry_code, industry_name, employment`` and, with a base year,
    ``employment_base_year``: the complete grid, sorted by area and industry, without the shares, LQs, ranks and
    establishments. What the opportunities need of every area: for US CBSAs x NAICS 6-digit (896,613 cells) it
    takes under 100 MB and a second of CPU instead of the full measures' 650 MB and four seconds. Computed once
    per data version.
    """
    if level not in LEVELS:
        raise UnknownCodeError("level", level, list(LEVELS))
    key = ("industry_employment", level, year, base_year, cells)
    return memoised(
        warehouse, key, lambda: _industry_employment(warehouse, level, year, base_year, cells), persist=True
    )


def _industry_employment(
    warehouse: AnyWarehouse, level: str, year: int | None, base_year: int | None, cells: str
) -> pd.DataFrame:
    dataset, industry_level = LEVELS[level]
    scope = _scope(warehouse, dataset, None, year, base_year, cells)
    profile = scope.profile
    units = _unit_rows(warehouse, scope.rows, profile.classification, industry_level)
    wanted = [scope.year] if scope.base_year is None else [scope.base_year, scope.year]
    # measure_panel's employment alone (ordered by area, unit and year): its benchmark sums, shares and LQs over
    # every cell took half the time. The engine sums the cells; the complete grid and the order are NumPy's.
    complete = profile.absent_is_zero
    sums = employment_sums(units, years=None if complete else wanted).to_pandas()
    areas = None
    if complete:
        totals = _total_rows(scope.rows, profile)
        source = units if totals is None else totals
        areas = source.filter(source.year.isin(wanted)).select("area_code", "year").distinct().to_pandas()
    frame = complete_employment_panel(sums, areas=areas, years=wanted)
    latest = frame[frame["year"] == scope.year]
    table = latest[["area_code", "unit_code", "employment"]].rename(columns={"unit_code": "industry_code"})
    table = table.reset_index(drop=True)
    names = pd.Series(warehouse.industry_names(profile.classification))
    # Each distinct code is looked up once (US: 961 codes, 896,613 cells).
    positions, distinct = pd.factorize(table["industry_code"], use_na_sentinel=False)
    named = pd.Series(distinct).map(names)
    table.insert(2, "industry_name", pd.Series(named.to_numpy()[positions], index=table.index, dtype=named.dtype))
    if scope.base_year is not None:
        base = frame[frame["year"] == scope.base_year].set_index(["area_code", "unit_code"])["employment"]
        table["employment_base_year"] = base.reindex(
            pd.MultiIndex.from_arrays([table["area_code"], table["industry_code"]])
        ).to_numpy()
    return table


def _establishments(
    warehouse: AnyWarehouse,
    datasets: Sequence[str],
    year: int,
    region: Region | None,
    level: tuple[str, str] | None = None,
) -> pd.DataFrame | None:
    """Establishment counts of the same datasets and year (CBP publishes them; BRES does not); with *level*
    (classification and industry level), the counts of that level's codes only: the rows a table of that level
    can match (CBP: NAICS 2-digit counts are 19,000 of the 1.7 million cells of every level, whose sums and
    merge took most of a first NAICS-2 measures table)."""
    rows = dataset_rows(warehouse, datasets, measure="establishments")
    rows = rows.filter(rows.year == year)
    if region is not None:
        rows = merge_areas(rows, region)
    every = rows
    if level is not None:
        rows = _unit_rows(warehouse, rows, *level)
    rows = rows.group_by(["area_code", "industry_code"]).aggregate(establishments=exact_sum(rows.value))
    frame = rows.to_pandas()
    if frame.empty and level is not None:
        # No counts at this level: whether there are any at all decides (as before) if the table has the column.
        return (
            _establishments(warehouse, datasets, year, region) if every.limit(1).count().to_pyarrow().as_py() else None
        )
    return None if frame.empty else frame


def traded_industry_codes(warehouse: AnyWarehouse, dataset: str) -> list[str]:
    """Industry codes of traded industries for a dataset's traded-only denominator.

    For CBP: the NAICS codes of the US Cluster Mapping Project's 51 traded
    clusters (Delgado, Porter and Stern 2016). For BRES: the SIC subclasses
    classified traded by geographic concentration across GB ITL2 areas
    (:func:`clusterplan.measures.traded.classify_traded_local`, default threshold).
    """
    if dataset not in DATASET_PROFILES:
        raise UnknownCodeError("employment dataset", dataset, sorted(DATASET_PROFILES))
    if DATASET_PROFILES[dataset].geography == "us":
        return warehouse.traded_naics_codes()
    rows = _unit_rows(
        warehouse,
        industry_facts(warehouse.facts, dataset=dataset),
        DATASET_PROFILES[dataset].classification,
        DATASET_PROFILES[dataset].unit_level,
    )
    latest = rows.filter(rows.year == rows.year.max())
    matrix = latest.select("area_code", "industry_code", "value").to_pandas()
    wide = matrix.pivot_table(index="area_code", columns="industry_code", values="value", aggfunc="sum", fill_value=0)
    classes = classify_traded_local(wide)
    return sorted(classes.loc[classes["traded"], "industry_code"].astype(str))


#: Measures computed for every area that the focus region's table also carries.
_ALL_AREA_COLUMNS = (
    "strong_cluster",
    "strong_cluster_reason",
    "stars",
    "stars_reason",
    "establishments",
    "lq_low",
    "lq_high",
    "employment_low",
    "employment_high",
    "shift_share_change",
    "shift_share_national_share",
    "shift_share_industry_mix",
    "shift_share_competitive",
    "lq_rank_base_year",
    "lq_rank_change",
)


def _add_ranks_and_strength(
    warehouse: AnyWarehouse,
    regions: pd.DataFrame,
    *,
    datasets: Sequence[str],
    year: int,
    units: ir.Table,
    mapping: pd.DataFrame,
    has_growth: bool,
    region: Region | None = None,
    min_establishments: float = 0.0,
    lq_bound: bool = False,
) -> pd.DataFrame:
    """Ranks and percentiles among the benchmark's areas, the US Cluster Mapping strong-cluster rule and
    the European Cluster Observatory stars, for every area and cluster of the profile year.

    With *lq_bound* (withheld cells rebuilt) the strong-cluster rule's LQ tests are passed only by the LQ with the
    area's cluster employment at ``employment_low`` (:data:`STRONG_RULE_WITH_REBUILT_CELLS`). Not ``lq_low``:
    the rule ranks an area against the others, whose LQs share the national total, and ``lq_low`` also moves
    that total to its extreme (CBP 2019, 933 CBSAs x 51 traded clusters: 5,701 strong on the expected values,
    3,650 with the area's own bound, 2,479 with ``lq_low``, which would fail clusters no rebuilt cell touches)."""
    frame = regions.rename(columns={"cluster_id": "unit_code", "value": "employment"})
    establishments = _cluster_establishments(warehouse, datasets, year, mapping, region)
    if establishments is not None:
        frame = frame.merge(establishments, on=["area_code", "unit_code"], how="left")
        frame["establishments"] = frame["establishments"].fillna(0)
    comparable = frame[frame["in_benchmark"]]
    measures = ["lq", "share", "employment"] + (["growth_cagr"] if has_growth else [])
    ranked = measure_ranks(comparable[["area_code", "unit_code", *measures]], measures, comparable=("unit_code",))
    keep = ["area_code", "unit_code"] + [c for c in ranked.columns if c.endswith(("_rank", "_percentile"))]
    frame = frame.merge(ranked[keep], on=["area_code", "unit_code"], how="left")
    frame["n_regions"] = (
        frame["lq_rank_of"]
        if "lq_rank_of" in frame
        else comparable.groupby("unit_code")["area_code"].transform("count")
    )
    if "growth_cagr_rank" in frame:
        frame["growth_rank"] = frame["growth_cagr_rank"]
    else:
        frame["growth_rank"] = float("nan")
    strength_columns = (
        ["area_code", "unit_code", "employment", "lq", "share"]
        + (["establishments"] if establishments is not None else [])
        + (["employment_low"] if lq_bound else [])
    )
    rules = comparable[strength_columns]
    if lq_bound:
        # The LQ scales with the area's cluster employment (its total and the benchmark are published).
        with np.errstate(divide="ignore", invalid="ignore"):
            ratio = (rules["employment_low"] / rules["employment"]).clip(upper=1.0)
        rules = rules.assign(lq_floor=(rules["lq"] * ratio).where(rules["employment"] > 0))
    if establishments is not None and min_establishments > 0:
        # An area with less than min_establishments of the cluster (expected, rebuilt) does not have it.
        rules = rules.assign(employment=rules["employment"].where(rules["establishments"] >= min_establishments, 0.0))
    strong = cluster_mapping_strength(
        rules, "strong", lq_bound="lq_floor" if lq_bound else None, lq_bound_label="with employment_low"
    )
    stars = cluster_observatory_stars(rules)
    verdicts = strong[["area_code", "unit_code", "strong", "strong_reason"]].merge(
        stars[["area_code", "unit_code", "stars", "stars_reason"]], on=["area_code", "unit_code"]
    )
    verdicts = verdicts.rename(columns={"strong": "strong_cluster", "strong_reason": "strong_cluster_reason"})
    frame = frame.merge(verdicts, on=["area_code", "unit_code"], how="left")
    return frame.rename(columns={"unit_code": "cluster_id", "employment": "value"})


def _cluster_establishments(
    warehouse: AnyWarehouse, datasets: Sequence[str], year: int, mapping: pd.DataFrame, region: Region | None
) -> pd.DataFrame | None:
    rows = dataset_rows(warehouse, datasets, measure="establishments")
    rows = rows.filter(rows.year == year)
    if region is not None:
        rows = merge_areas(rows, region)
    # The sum alone: the three cell counts over the 1.7 million rows are not needed here.
    codes = memtable(mapping[["cluster_id", "industry_code"]])
    summed = cluster_employment(rows, codes, cell_counts=False).to_pandas()
    # No sums: whether there is any row at all (none: no establishment counts), the first one answers. Asked only
    # then: with sums there are rows (asking first cost a query, 50 ms of a first US run).
    if summed.empty and rows.limit(1).count().to_pyarrow().as_py() == 0:
        return None
    return summed.rename(columns={"cluster_id": "unit_code", "value": "establishments"})[
        ["area_code", "unit_code", "establishments"]
    ]


def _lq_bounds(
    units: ir.Table,
    mapping: pd.DataFrame,
    profile: DatasetProfile,
    *,
    year: int,
    benchmark_areas: list[str] | None,
    denominator_codes: Sequence[str] | None,
    lq: pd.Series,
) -> pd.DataFrame:
    """``lq_low``/``lq_high``: the LQ's range over every true value the rounded, suppressed cells allow."""
    if profile.rounding is None:
        # Exact published counts (CBP): the interval is the point.
        return pd.DataFrame({"lq_low": lq, "lq_high": lq})
    cells = units.filter(units.year == year).select("area_code", "industry_code", "year", "value", "flag")
    bounds = location_quotient_interval_panel(
        cells.to_pandas(),
        mapping[["cluster_id", "industry_code"]],
        benchmark_areas=benchmark_areas,
        denominator_industries=list(denominator_codes) if denominator_codes is not None else None,
        rounding=profile.rounding,
    )
    bounds = bounds[bounds["year"] == year].rename(columns={"unit_code": "cluster_id"})
    return bounds.set_index(["area_code", "cluster_id"])[["lq_low", "lq_high"]]


def _withheld_bounds(
    warehouse: AnyWarehouse,
    units: ir.Table,
    mapping: pd.DataFrame,
    regions: pd.DataFrame,
    withheld_table: str,
    *,
    year: int,
    denominator_codes: Sequence[str] | None,
    region: Region | None = None,
) -> pd.DataFrame:
    """``lq_low``/``lq_high``, ``employment_low``/``employment_high`` and ``imputed_cells`` when withheld cells
    were rebuilt: the range covers every way the jobs each published cell hides could be split among its
    unpublished descendants (:func:`~clusterplan.measures.withheld.withheld_employment_bounds`)."""
    rows = with_codes(units.filter(units.year == year), {*mapping["industry_code"], *(denominator_codes or [])})
    # Whether a cell was rebuilt, rather than its flag: ibis makes Python objects of every row of a column with
    # NULLs (the flag of every ordinary cell), 0.3 s of a US run's 490,000 cells.
    rebuilt_flag = (rows.flag == FLAG_IMPUTED).fill_null(False)
    cells = rows.select("area_code", "industry_code", "value", rebuilt=rebuilt_flag).to_pandas()
    rebuilt = cells["rebuilt"].to_numpy(dtype=bool)
    groups = warehouse.table(withheld_table).to_pandas()
    if region is not None and region.composite:
        # The members' hidden jobs pool: a group is whole in a cluster only if it is whole in every member.
        groups["area_code"] = groups["area_code"].where(~groups["area_code"].isin(region.members), region.code)
        groups = groups.groupby(["area_code", "industry_code"], as_index=False)[
            ["hidden_employment", "imputed_cells6"]
        ].sum()
    published, imputed = cells[~rebuilt], cells[rebuilt]
    bounds = withheld_employment_bounds(published, imputed, groups, mapping[["cluster_id", "industry_code"]])
    frame = regions[["area_code", "cluster_id", "total", "in_benchmark"]].merge(
        bounds, on=["area_code", "cluster_id"], how="left"
    )
    frame = frame.fillna({"employment_low": 0.0, "employment_high": 0.0, "imputed_cells": 0})
    if denominator_codes is None:
        frame["total_low"] = frame["total_high"] = frame["total"]
    else:
        everything = pd.DataFrame({"cluster_id": "__total__", "industry_code": sorted(set(denominator_codes))})
        totals = withheld_employment_bounds(published, imputed, groups, everything).set_index("area_code")
        frame["total_low"] = frame["area_code"].map(totals["employment_low"]).fillna(0.0)
        frame["total_high"] = frame["area_code"].map(totals["employment_high"]).fillna(0.0)
    inside = frame[frame["in_benchmark"]]
    benchmark = inside.groupby("cluster_id")[["employment_low", "employment_high"]].sum()
    benchmark_totals = inside.drop_duplicates("area_code")[["total_low", "total_high"]].sum()
    # Each row's cluster's benchmark bounds, by the cluster's number (Series.map of the 45,717 Arrow-backed codes
    # made Python objects of them, twice): the same values, NaN for a cluster the benchmark has no row of.
    cluster_number, cluster_codes = pd.factorize(frame["cluster_id"], use_na_sentinel=False)
    of_cluster = benchmark.reindex(cluster_codes)
    low, high = withheld_lq_interval(
        (frame["employment_low"].to_numpy(), frame["employment_high"].to_numpy()),
        (frame["total_low"].to_numpy(), frame["total_high"].to_numpy()),
        (
            of_cluster["employment_low"].to_numpy(dtype=float)[cluster_number],
            of_cluster["employment_high"].to_numpy(dtype=float)[cluster_number],
        ),
        (np.full(len(frame), benchmark_totals["total_low"]), np.full(len(frame), benchmark_totals["total_high"])),
        region_in_benchmark=frame["in_benchmark"].to_numpy(dtype=bool),
    )
    frame["lq_low"], frame["lq_high"] = low, high
    frame["imputed_cells"] = frame["imputed_cells"].astype("int64")
    columns = ["lq_low", "lq_high", "employment_low", "employment_high", "imputed_cells"]
    return frame.set_index(["area_code", "cluster_id"])[columns]


def _growth_decomposition(
    measure_frame: pd.DataFrame, start: int, end: int, benchmark_areas: list[str] | None
) -> pd.DataFrame:
    """Classic shift-share of each area's and cluster's employment change against the benchmark."""
    result = shift_share(measure_frame, start=start, end=end, benchmark_areas=benchmark_areas)
    columns = ["change", "national_share", "industry_mix", "competitive"]
    result = result.rename(columns={"unit_code": "cluster_id", **{c: f"shift_share_{c}" for c in columns}})
    return result.set_index(["area_code", "cluster_id"])[[f"shift_share_{c}" for c in columns]]


def _lq_rank_change(
    measure_frame: pd.DataFrame, start: int, end: int, benchmark_areas: list[str] | None
) -> pd.DataFrame:
    """Each area's LQ rank in the base year and how many places it climbed (positive) since."""
    frame = measure_frame if benchmark_areas is None else measure_frame[measure_frame.area_code.isin(benchmark_areas)]
    change = rank_change(frame[["area_code", "unit_code", "year", "lq"]], ["lq"], start_year=start, end_year=end)
    change = change.rename(columns={"unit_code": "cluster_id", "lq_rank_start": "lq_rank_base_year"})
    return change.set_index(["area_code", "cluster_id"])[["lq_rank_base_year", "lq_rank_change"]]


def _itl2_code(member: str) -> str | None:
    """The ITL2 code *member* stands for (as :func:`cluster_productivity` resolves it), None for none."""
    try:
        return resolve_area_code(member, level="itl2")
    except InputError:
        return None


def _productivity(warehouse: AnyWarehouse, mapping: pd.DataFrame, region: Region, year: int) -> pd.DataFrame:
    """GVA per job of each cluster (ONS regional GVA apportioned by employment) and relative to GB.

    A region of several areas sums its members' GVA and jobs (GVA per job is their ratio, not an average).
    """
    columns = ["gva_gbp_million", "gva_per_job_gbp", "relative_productivity"]
    definition = (tuple(mapping.columns), tuple(mapping.itertuples(index=False, name=None)))

    def member_productivity(member: str) -> pd.DataFrame:
        return memoised(
            warehouse,
            ("cluster_productivity", definition, member, year),
            lambda: cluster_productivity(warehouse, mapping, region=member, year=year),
            persist=True,
        )

    # Every area's estimates at once, kept per definition and year (on disk too, as each area's were): a region
    # takes its members' (building each region's table of a dozen columns took a third of a GB profile).
    every_area = memoised(
        warehouse,
        ("cluster_productivity_by_area", definition, year),
        lambda: cluster_productivity_by_area(warehouse, mapping, year=year),
        copy=False,
        persist=True,
    )

    def own_productivity(member: str) -> pd.DataFrame:
        found = every_area.get(member)
        if found is None or _itl2_code(member) != member:  # estimated on its own, or refused, as before
            return member_productivity(member).set_index("cluster_id")[columns]
        return found

    parts = [own_productivity(member) for member in region.members]
    if len(parts) == 1:
        return parts[0]
    gva = pd.concat([p["gva_gbp_million"] for p in parts], axis=1).sum(axis=1)
    jobs = pd.concat([p["gva_gbp_million"] * 1e6 / p["gva_per_job_gbp"] for p in parts], axis=1).sum(axis=1)
    gb_per_job = pd.concat([p["gva_per_job_gbp"] / p["relative_productivity"] for p in parts], axis=1).mean(axis=1)
    per_job = (gva * 1e6 / jobs).where(jobs > 0)
    return pd.DataFrame(
        {"gva_gbp_million": gva, "gva_per_job_gbp": per_job, "relative_productivity": per_job / gb_per_job}
    )
