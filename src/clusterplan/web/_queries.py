"""Checked, normalised parameters of each API resource: the cache keys, built before any query runs.

Every value a request gives is checked against the :class:`~clusterplan.pipeline.catalogue.Catalogue` (regions,
years, taxonomies, benchmarks, clusters) and normalised (a region's name becomes its code, a default its value),
so equivalent spellings share one cached answer and a bad value fails with the valid choices, cheaply.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from .._exceptions import ParameterError, UnknownCodeError
from ..datasets import LEVELS
from ..pipeline.catalogue import GEOGRAPHY_LABELS, Catalogue, EmploymentDataset
from ..pipeline.scenarios import scenario_settings, scenario_weights

__all__ = [
    "IO_DEFAULT_YEAR",
    "HotspotsQuery",
    "MeasuresQuery",
    "ProfileQuery",
    "ScenarioQuery",
    "SubregionalQuery",
    "SupplyChainQuery",
    "hotspots_query",
    "measures_query",
    "profile_query",
    "scenario_query",
    "subregional_query",
    "supply_chain_query",
]

#: Year of the input-output model (the IOAT's) and of the employment that regionalises it.
IO_DEFAULT_YEAR = 2019


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
        """Dotted overrides of :func:`clusterplan.pipeline.scenarios.load_scenario_config`."""
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
class SubregionalQuery:
    """Checked parameters of a GB region's sub-regional breakdown."""

    region: str
    taxonomy: str
    year: int | None
    measure: str
    cluster: str | None


@dataclass(frozen=True)
class HotspotsQuery:
    """Checked parameters of one cluster's hotspots across GB areas or US CBSAs."""

    cluster: str
    taxonomy: str
    measure: str
    level: str
    year: int | None
    permutations: int
    #: County Business Patterns cells of US CBSAs (GB levels: always ``reconstructed``, which changes nothing).
    cells: str = "reconstructed"


def profile_query(
    catalogue: Catalogue,
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
    """The parameters of a cluster profile, checked against the catalogue."""
    area = catalogue.resolve_area(region)
    dataset = catalogue.dataset(area.dataset)
    _check_convention(convention, dataset)
    chosen_year, chosen_base = catalogue.period(dataset, year, base_year)
    chosen_benchmark = catalogue.benchmark(benchmark, area)
    return ProfileQuery(
        region=area.code,
        dataset=dataset.name,
        taxonomy=catalogue.taxonomy_for(taxonomy, dataset),
        year=chosen_year,
        base_year=chosen_base,
        benchmark=chosen_benchmark,
        peers=catalogue.peers(peers, chosen_benchmark, area),
        # The portal's measures are out of traded employment (as `clusterplan run --convention` implies).
        denominator="traded" if convention == "cluster_mapping" else denominator,
        cells=cells,
        convention=convention,
    )


def measures_query(
    catalogue: Catalogue,
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
    """The parameters of an industry-measures table; *level* defaults to the finest of the region's data."""
    area = catalogue.resolve_area(region)
    dataset = catalogue.dataset(area.dataset)
    _check_convention(convention, dataset)
    if level is None:
        level = dataset.levels[0]
    if level not in LEVELS:
        raise UnknownCodeError("level", level, list(LEVELS))
    if level not in dataset.levels:
        raise ParameterError(
            f"level {level!r} does not apply to region {area.code} "
            f"({GEOGRAPHY_LABELS.get(dataset.geography, dataset.geography)}); "
            f"valid choices: {', '.join(dataset.levels)}"
        )
    level_data = dataclasses.replace(dataset, name=LEVELS[level][0], years=catalogue.level_years[level])
    chosen_year, chosen_base = catalogue.period(level_data, year, base_year)
    chosen_benchmark = catalogue.benchmark(benchmark, area)
    return MeasuresQuery(
        region=area.code,
        level=level,
        year=chosen_year,
        base_year=chosen_base,
        benchmark=chosen_benchmark,
        peers=catalogue.peers(peers, chosen_benchmark, area),
        cells=cells,
        convention=convention,
    )


def scenario_query(
    catalogue: Catalogue,
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
    """The parameters of a scenario run: the profile's, plus scenario choices checked with the configuration."""
    dataset = catalogue.dataset(profile.dataset)
    if len(dataset.years) < 2:
        raise ParameterError(
            f"scenarios need an employment time series, and {dataset.name} has one year ({dataset.years[0]}); "
            "choose a GB ITL2 region"
        )
    if target_year is not None and target_year <= profile.year:
        raise ParameterError(f"target_year {target_year} must be after the profile year {profile.year}")
    parsed = tuple(sorted(scenario_weights(weights).items())) if weights else ()
    query = ScenarioQuery(profile, target_year, method, comparator_rule, high, low, baseline, parsed)
    scenario_settings(overrides=query.overrides())  # checks every value and the weights (not all zero)
    return query


def supply_chain_query(
    catalogue: Catalogue, *, region: str, taxonomy: str | None, method: str, delta: float, year: int | None, top: int
) -> SupplyChainQuery:
    """The parameters of a region's supply chains; *year* defaults to the input-output tables' year."""
    area = catalogue.resolve_area(region)
    dataset = catalogue.dataset(area.dataset)
    # GB ITL2 areas: the ONS IOAT regionalised with BRES; US CBSAs: the BEA tables regionalised with CBP.
    chosen_year = IO_DEFAULT_YEAR if year is None else year
    if chosen_year not in dataset.years:
        raise UnknownCodeError("year", str(year), [str(y) for y in dataset.years])
    return SupplyChainQuery(
        region=area.code,
        taxonomy=catalogue.taxonomy_for(taxonomy, dataset),
        method=method,
        delta=delta,
        year=chosen_year,
        top=top,
    )


def subregional_query(
    catalogue: Catalogue, *, region: str, taxonomy: str | None, year: int | None, measure: str, cluster: str | None
) -> SubregionalQuery:
    """The parameters of a GB region's sub-regional breakdown."""
    what = "the sub-regional breakdown"
    area = catalogue.gb_area(region, what)
    name = catalogue.taxonomy_for(taxonomy, catalogue.gb_dataset(what))
    chosen = catalogue.cluster_of(name, cluster) if cluster is not None else None
    return SubregionalQuery(area.code, name, year, measure, chosen)


def hotspots_query(
    catalogue: Catalogue,
    *,
    cluster: str,
    taxonomy: str | None,
    measure: str,
    level: str,
    year: int | None,
    permutations: int,
    cells: str = "reconstructed",
) -> HotspotsQuery:
    """The parameters of one cluster's hotspots across GB areas or US CBSAs (*level* ``cbsa``)."""
    if level == "cbsa":
        dataset = catalogue.dataset_of("us", "the hotspot analysis of US metros", "County Business Patterns")
    else:
        dataset = catalogue.gb_dataset("the hotspot analysis")
    name = catalogue.taxonomy_for(taxonomy, dataset)
    # GB maps have no withheld cells: one cache entry whatever the choice.
    chosen_cells = cells if level == "cbsa" else "reconstructed"
    return HotspotsQuery(catalogue.cluster_of(name, cluster), name, measure, level, year, permutations, chosen_cells)


def _check_convention(convention: str, dataset: EmploymentDataset) -> None:
    """The portal's convention needs County Business Patterns (establishment counts, traded clusters)."""
    if convention == "cluster_mapping" and dataset.geography != "us":
        raise ParameterError(
            "the US Cluster Mapping portal's convention applies to US metro areas (County Business Patterns) only; "
            "use convention=clusterplan for GB regions"
        )
