"""The further analyses of a run, by name, and :func:`run_analyses`.

:func:`run_analyses` computes the further analyses a run can carry (growth
scenarios and priorities, supply chains, opportunities, the sub-regional
breakdown, spatial hotspots) with the modules that make them; each one that
cannot be done for the region (a single year of data, a US region for a
GB-only analysis) is recorded with the reason instead of stopping the run; a bug
still stops it.
:func:`clusterplan.report.write_run_outputs` writes everything; the report and
the workbook pick up whichever tables are there.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from .._cache import memoised
from .._exceptions import ClusterplanError, ParameterError, UnknownCodeError
from .._parallel import Claims, SecondProcess, claims
from ..datasets import BRES_SUBCLASS, DATASET_PROFILES, DEFAULT_TAXONOMY
from ..geography.hotspots import HOTSPOT_COLUMNS
from ..inputoutput.clusters import cluster_linkages, region_supply_chain_gaps
from ..inputoutput.regional import DEFAULT_YEAR as IO_EMPLOYMENT_YEAR
from ..inputoutput.regional import sic_employment_table
from ..inputoutput.us_regional import EMPLOYMENT_YEAR as US_IO_EMPLOYMENT_YEAR
from ..inputoutput.us_regional import employment_datasets
from ..sources.ons_geography import load_areas
from ..warehouse import Warehouse
from .hotspots import hotspots_by_cluster
from .opportunities import prepare_opportunities, region_opportunities
from .profile import (
    AnyWarehouse,
    ClusterProfile,
    dataset_for_region,
    dataset_records,
    profile_region,
    traded_industry_codes,
)
from .scenarios import scenario_outputs
from .subregional import subregional_breakdown
from .tables import reference_tables

__all__ = [
    "ANALYSES",
    "HOTSPOT_MAPS",
    "HOTSPOT_SETTINGS",
    "HOTSPOT_TABLE_COLUMNS",
    "RunAnalyses",
    "regional_naics_employment",
    "regional_sic_employment",
    "run_analyses",
    "run_region",
    "supply_chain_gaps",
]


# -- further analyses ------------------------------------------------------------------------------------


@dataclass
class RunAnalyses:
    """Tables of the further analyses of a run, and what each analysis did (or why it was not done)."""

    tables: dict[str, pd.DataFrame] = field(default_factory=dict)
    provenance: dict[str, Any] = field(default_factory=dict)
    #: The datasets the analyses read beyond the profile's, as input records (with vintage, licence, sha256).
    inputs: list[dict[str, Any]] = field(default_factory=list)


#: The datasets each analysis reads beyond the profile's own, by geography.
ANALYSIS_DATASETS: dict[str, dict[str, tuple[str, ...]]] = {
    "scenarios": {"uk": ("gva_itl2_chained_volume", "gva_itl2_current_prices", "ioat2019", "bres_ioat_lookup")},
    "supply_chain": {
        "uk": ("ioat2019", "bres_ioat_lookup", "industries_ioat2019"),
        "us": ("bea_use_summary", "bea_total_requirements_summary"),
    },
    "opportunities": {"uk": ("gva_itl2_current_prices",)},
    "subregions": {"uk": ("gva_itl3_current_prices", "lad_itl_lookup")},
    "hotspots": {
        "uk": ("boundaries_itl2", "boundaries_itl3", "gva_itl3_current_prices"),
        "us": ("boundaries_cbsa", "cbsa_counties"),
    },
}


def _is_us(profile: ClusterProfile) -> bool:
    dataset = str(profile.parameters.get("dataset", ""))
    return dataset in DATASET_PROFILES and DATASET_PROFILES[dataset].geography == "us"


def _scenarios(
    warehouse: AnyWarehouse, profile: ClusterProfile, say: Callable[[str], None], options: Mapping[str, Any]
) -> RunAnalyses:
    out = scenario_outputs(warehouse, profile, options.get("scenario_config"), progress=say)
    tables = {
        "scenarios": out.scenarios,
        "priorities": out.priorities,
        "region_summary": out.region_summary,
        "region_growth": out.region_growth,
        "scenario_uncertainty": out.uncertainty,
        "comparators": out.comparators.rename(columns={"unit_code": "cluster_id"}),
    }
    if not out.region_range.empty:
        tables["scenario_region_range"] = out.region_range
    if out.calibration is not None:
        tables["scenario_backtest"] = out.calibration.hit_rates
    return RunAnalyses(tables, {"status": "computed", **out.provenance})


def _supply_chain(
    warehouse: AnyWarehouse, profile: ClusterProfile, say: Callable[[str], None], options: Mapping[str, Any]
) -> RunAnalyses:
    # GB regions use the ONS IOAT regionalised with BRES, US metros the BEA tables regionalised with CBP
    # (cluster_linkages picks the model from the taxonomy's classification).
    us = _is_us(profile)
    cells = str(profile.parameters.get("cells", "reconstructed"))
    links = cluster_linkages(
        reference_tables(),
        profile.taxonomy,
        region=profile.region_code,
        cells=cells,
        sic_employment=None if us else regional_sic_employment(warehouse),
        naics_employment=regional_naics_employment(warehouse, cells) if us else None,
    )
    tables = {"supply_chain": links.partners, "cluster_linkages": links.table()}
    if links.input_sourcing is not None:
        tables["input_sourcing"] = links.input_sourcing.reset_index()
    return RunAnalyses(tables, {"status": "computed", "parameters": links.parameters})


def _opportunities(
    warehouse: AnyWarehouse, profile: ClusterProfile, say: Callable[[str], None], options: Mapping[str, Any]
) -> RunAnalyses:
    result = region_opportunities(
        warehouse,
        profile.region_code,
        taxonomy=profile.taxonomy,
        year=profile.totals["year"],
        include_non_market=bool(options.get("include_non_market", False)),
    )
    tables = {"opportunities": result.industries}
    if result.clusters is not None:
        tables["cluster_opportunities"] = result.clusters
    return RunAnalyses(tables, {"status": "computed", "parameters": result.parameters})


def _subregions(
    warehouse: AnyWarehouse, profile: ClusterProfile, say: Callable[[str], None], options: Mapping[str, Any]
) -> RunAnalyses:
    if _is_us(profile):
        raise ParameterError("the sub-regional breakdown is for GB regions (ITL3 areas) only")
    table = subregional_breakdown(warehouse, region=profile.region_code, taxonomy=profile.taxonomy)
    return RunAnalyses({"subregions": table}, {"status": "computed", "measure": "gva", "rows": len(table)})


#: The hotspot maps of a run: (area level, measure) pairs, each mapped for every cluster across the GB areas of its
#: level (see :func:`clusterplan.pipeline.hotspots.hotspots`): the location quotient against Great Britain from
#: the embedded BRES at ITL2, and the cluster's share of each area's GVA (ONS GVA tables) at ITL3.
HOTSPOT_MAPS: tuple[tuple[str, str], ...] = (("itl2", "lq"), ("itl3", "share"))
#: US runs map the location quotient across the CBSAs of the contiguous states, for the region's most specialised
#: clusters.
US_HOTSPOT_MAPS: tuple[tuple[str, str], ...] = (("cbsa", "lq"),)
US_HOTSPOT_CLUSTERS = 12
#: Inference settings of the run's hotspots (the defaults of ``clusterplan hotspots`` and ``/api/hotspots``).
HOTSPOT_SETTINGS: dict[str, Any] = {"permutations": 999, "seed": 12345, "alpha": 0.05, "islands": "attach"}
#: Columns of the run's ``hotspots`` table: which map, the area, its statistics, then the map's global Moran's I.
HOTSPOT_TABLE_COLUMNS = [
    *("cluster_id", "cluster_name", "level", "measure", "measure_label", "year"),
    *HOTSPOT_COLUMNS[:2],  # the area's code and name
    "in_region",
    *HOTSPOT_COLUMNS[2:],
    *("moran_i", "moran_expected", "moran_z", "moran_p", "permutations", "alpha"),
]


def _measure_label(parameters: Mapping[str, Any], measure: str) -> str:
    """What a hotspot map's value is: a share says of what (GVA at ITL3, employment at ITL2), a location quotient
    against what (Great Britain, whatever the benchmark of the profile)."""
    if measure == "share":
        return "share of the area's GVA" if parameters.get("gva_dataset") else "share of the area's employment"
    if measure == "lq":
        return (
            "location quotient against all CBSAs"
            if parameters.get("level") == "cbsa"
            else ("location quotient against Great Britain")
        )
    return str(parameters.get("measure_label", measure))


def _hotspot_rows(result: Any, cluster_id: str, level: str, measure: str, inside: set[str]) -> pd.DataFrame:
    """One map's :attr:`~clusterplan.geography.hotspots.HotspotResult.table` in the run's tidy form."""
    p = result.parameters
    table = result.table.copy()
    table.insert(0, "cluster_id", cluster_id)
    table.insert(1, "cluster_name", str(p.get("cluster_name", cluster_id)))
    table.insert(2, "level", level)
    table.insert(3, "measure", measure)
    table.insert(4, "measure_label", _measure_label(p, measure))
    table.insert(5, "year", int(p["year"]))
    table["in_region"] = table["area_code"].astype(str).isin(inside)
    for name, value in result.global_statistics().items():
        table[name] = float(value)
    table["permutations"] = int(p["permutations"])
    table["alpha"] = float(p["alpha"])
    return table[HOTSPOT_TABLE_COLUMNS]


def _hotspots(
    warehouse: AnyWarehouse, profile: ClusterProfile, say: Callable[[str], None], options: Mapping[str, Any]
) -> RunAnalyses:
    us = _is_us(profile)
    region, year = profile.region_code, int(profile.totals["year"])
    frames: list[pd.DataFrame] = []
    maps: list[dict[str, Any]] = []
    skipped: list[dict[str, str]] = []
    members = set(profile.region_detail.get("members") or [region])
    clusters = [str(c) for c in profile.clusters["cluster_id"]]
    if us:
        # The region's most specialised clusters, as on the report's US maps (each map has some 900 CBSAs).
        ranked = profile.clusters.assign(_lq=pd.to_numeric(profile.clusters["lq"], errors="coerce"))
        clusters = [str(c) for c in ranked.sort_values("_lq", ascending=False)["cluster_id"].head(US_HOTSPOT_CLUSTERS)]
    for level, measure in US_HOTSPOT_MAPS if us else HOTSPOT_MAPS:
        if us:
            inside = members
        else:
            areas = load_areas(level)
            # The focus region's own areas: the region itself at its level, its children one level down.
            wanted = members | {region}
            inside = set(areas.loc[areas["area_code"].isin(wanted) | areas["parent_code"].isin(wanted), "area_code"])
        where = "US CBSAs" if us else f"GB {level.upper()} areas"
        say(f"mapping hotspots of {measure} across {where} ({len(clusters)} clusters)")
        first: Any = None
        # All clusters of a map at once: one read of the warehouse and one set of permutation draws.
        try:
            results: dict[str, Any] = hotspots_by_cluster(
                warehouse,
                measure=measure,
                clusters=clusters,
                taxonomy=profile.taxonomy,
                level=level,
                year=year,
                cells=str(profile.parameters.get("cells", "reconstructed")),
                **HOTSPOT_SETTINGS,
            )
        except ClusterplanError as exc:  # e.g. a year the GVA table lacks: the other map still stands
            results = dict.fromkeys(clusters, exc)
        for cluster_id, result in results.items():
            if isinstance(result, ClusterplanError):  # e.g. a cluster with no GVA anywhere: the others still stand
                skipped.append({"cluster_id": cluster_id, "level": level, "measure": measure, "reason": str(result)})
                continue
            if first is None:
                first = result
            frames.append(_hotspot_rows(result, cluster_id, level, measure, inside))
        if first is not None:
            p = first.parameters
            maps.append(
                {
                    "level": level,
                    "measure": measure,
                    "measure_label": _measure_label(p, measure),
                    "year": p.get("year"),
                    "basis": p.get("basis"),
                    "datasets": [p[k] for k in ("employment_dataset", "gva_dataset") if p.get(k)],
                    "areas_tested": p.get("areas_tested"),
                    "weights": p.get("weights"),
                    "islands": first.islands.to_dict("records"),
                    "excluded": list(first.excluded),
                }
            )
    if not frames:
        reason = skipped[0]["reason"] if skipped else "no cluster to map"
        raise ParameterError(f"no hotspot map could be made: {reason}")
    table = pd.concat(frames, ignore_index=True)
    provenance = {
        "status": "computed",
        "method": (
            "global Moran's I, local Moran's I (LISA) and Getis-Ord Gi* across "
            + (
                f"US CBSAs of the contiguous states, the region's {len(clusters)} most specialised clusters "
                f"(PySAL esda statistics): the {maps[0]['weights'] if maps else 'nearest CBSAs'}"
                if us
                else "GB areas (PySAL libpysal and esda): queen contiguity"
            )
            + ", conditional permutation inference, Benjamini-Hochberg false-discovery-rate correction"
        ),
        "parameters": {
            **HOTSPOT_SETTINGS,
            "maps": ", ".join(f"{m} at {lv.upper()}" for lv, m in (US_HOTSPOT_MAPS if us else HOTSPOT_MAPS)),
            "year": year,
        },
        "islands_rule": (
            "none needed: every CBSA has its nearest CBSAs as neighbours"
            if us
            else "attach: each group of areas without a land neighbour is linked to the nearest connected area "
            "(shortest distance between the shapes), so every area is tested"
        ),
        "maps": maps,
        "skipped": skipped,
        "rows": len(table),
    }
    return RunAnalyses({"hotspots": table}, provenance)


#: The further analyses of a run by name, in the order they run; add one with a line here.
ANALYSES: dict[str, Callable[[AnyWarehouse, ClusterProfile, Callable[[str], None], Mapping[str, Any]], RunAnalyses]] = {
    "scenarios": _scenarios,
    "supply_chain": _supply_chain,
    "opportunities": _opportunities,
    "subregions": _subregions,
    "hotspots": _hotspots,
}


#: Analyses a run hands to its second process (see :mod:`clusterplan._parallel`) while the first computes the
#: others, by geography: in GB the scenarios (the first's) take about as long as these two on a fresh warehouse; in
#: the US, where there are no scenarios, the second has computed the opportunities' national tables while the first
#: profiled the region (:func:`_prepare_alongside`).
ALONGSIDE: dict[str, tuple[str, ...]] = {
    "uk": ("opportunities", "subregions"),
    "us": ("opportunities",),
}

#: Analyses that go to whichever process finishes its share of :data:`ALONGSIDE` first (:class:`Claims`). Which
#: one that is depends on the region and the machine: in a first US run the second process's national tables
#: took 1 s longer than the first's profile on one machine and 1 s less on another.
EITHER: dict[str, tuple[str, ...]] = {"uk": ("hotspots",), "us": ("hotspots",)}


def run_analyses(
    warehouse: AnyWarehouse,
    profile: ClusterProfile,
    *,
    only: Iterable[str] | None = None,
    progress: Callable[[str], None] | None = None,
    scenario_config: Any = None,
    include_non_market: bool = False,
    second: SecondProcess | None = None,
) -> RunAnalyses:
    """Run the further analyses of :data:`ANALYSES` for a cluster profile.

    Parameters
    ----------
    warehouse
        The warehouse the profile came from.
    profile
        The region's cluster profile.
    only
        Names of the analyses to run (default all).
    scenario_config
        A :class:`clusterplan.scenarios.config.ScenarioConfig` (default: the
        packaged defaults).
    progress
        Called with one-line progress messages.
    include_non_market
        Keep non-market activities (public administration, households as employers ...) among the
        growth opportunities; by default they are left out.
    second
        A second process (:func:`clusterplan._parallel.second_process`): the analyses of :data:`ALONGSIDE` run
        there, on its own read-only connection to the same DuckDB file, while this process runs the others; those
        of :data:`EITHER` go to whichever finishes first. The result is the same as without it; the progress lines
        of the second's share follow the others' (so in a US run the opportunities' come after the supply
        chain's), and those of :data:`EITHER` come last.

    Returns
    -------
    RunAnalyses
        Every table made, and per analysis ``{"status": "computed", ...}`` or
        ``{"status": "not computed: <reason>"}`` when the analysis does not
        apply to the region or its module is not installed.
    """
    say = progress or (lambda _m: None)
    names = _names(only)
    unknown = [n for n in names if n not in ANALYSES]
    if unknown:
        raise ParameterError(f"unknown analysis {unknown[0]!r}; choose from {', '.join(ANALYSES)}")
    options = {"scenario_config": scenario_config, "include_non_market": include_non_market}
    geography = "us" if _is_us(profile) else "uk"
    alongside = _alongside(names, geography, warehouse, second)
    if alongside:
        assert second is not None and isinstance(warehouse, Warehouse)
        either = [n for n in names if n in EITHER[geography]]
        with claims() as claimed:
            pending = second.call(
                _analyses_alongside, str(warehouse.path), profile, alongside, options, claimed, either
            )
            done = _analyses(warehouse, profile, [n for n in names if n not in alongside + either], say, options)
            ours, our_lines = _claimed(warehouse, profile, either, claimed, options)
            theirs, messages, their_lines = pending()
        # The progress lines in the order one process says them: its own share's, the second's, then those of
        # the analyses either one took.
        for message in [*messages, *(m for n in either for m in {**our_lines, **their_lines}.get(n, []))]:
            say(message)
        done.update(theirs)
        done.update(ours)
    else:
        done = _analyses(warehouse, profile, names, say, options)
    result = RunAnalyses()
    for name in names:  # in the order asked for, whichever process computed them
        result.tables.update(done[name].tables)
        result.provenance.update(done[name].provenance)
        result.inputs += done[name].inputs
    return result


def _alongside(names: list[str], geography: str, warehouse: AnyWarehouse, second: SecondProcess | None) -> list[str]:
    """The analyses among *names* that go to the second process (none when it cannot share the warehouse, or
    when they are all there is: then this process would only wait)."""
    if not _can_share(warehouse, second):
        return []
    theirs = [n for n in names if n in ALONGSIDE[geography]]
    return theirs if len(theirs) < len(names) else []


def _names(only: Iterable[str] | None) -> list[str]:
    return list(ANALYSES) if only is None else list(only)


def _prepare_alongside(
    warehouse: AnyWarehouse,
    region: str,
    year: int | None,
    only: Iterable[str] | None,
    second: SecondProcess | None,
) -> Callable[[], Any] | None:
    """Have the second process compute the national tables of the opportunities it will be given (about half
    their work in a US run) while this one profiles the region; the waiter of that call, or None."""
    try:
        geography = DATASET_PROFILES[dataset_for_region(warehouse, region)].geography
    except ClusterplanError:  # the profile reports the region's problem
        return None
    if "opportunities" not in _alongside(_names(only), geography, warehouse, second):
        return None
    assert second is not None and isinstance(warehouse, Warehouse)
    return second.call(_prepare_opportunities, str(warehouse.path), region, year)


def _prepare_opportunities(path: str, region: str, year: int | None) -> None:
    """:func:`prepare_opportunities` in the second process: what it computes stays in that process's cache,
    which its :func:`_analyses_alongside` reads."""
    with Warehouse(path, read_only=True) as warehouse:
        prepare_opportunities(warehouse, region, year=year)


def _can_share(warehouse: AnyWarehouse, second: SecondProcess | None) -> bool:
    """Whether a second process can open *warehouse* too: a DuckDB file opened read-only (readers share it)."""
    return (
        second is not None
        and isinstance(warehouse, Warehouse)
        and warehouse.read_only
        and str(warehouse.path) != ":memory:"
    )


def _analyses(
    warehouse: AnyWarehouse,
    profile: ClusterProfile,
    names: list[str],
    say: Callable[[str], None],
    options: Mapping[str, Any],
) -> dict[str, RunAnalyses]:
    """Each named analysis's tables, ``{name: provenance}`` and inputs; an analysis that does not apply (a
    :class:`ClusterplanError`) is recorded as not computed."""
    done = {}
    geography = "us" if _is_us(profile) else "uk"
    for name in names:
        say(f"computing {name.replace('_', ' ')}")
        try:
            made = ANALYSES[name](warehouse, profile, say, options)
        except ClusterplanError as exc:
            done[name] = RunAnalyses(provenance={name: {"status": f"not computed: {exc}"}})
            say(f"{name.replace('_', ' ')} not computed: {exc}")
            continue
        inputs = dataset_records(warehouse, ANALYSIS_DATASETS.get(name, {}).get(geography, ()))
        done[name] = RunAnalyses(made.tables, {name: made.provenance}, inputs)
    return done


def _claimed(
    warehouse: AnyWarehouse, profile: ClusterProfile, names: list[str], claimed: Claims, options: Mapping[str, Any]
) -> tuple[dict[str, RunAnalyses], dict[str, list[str]]]:
    """:func:`_analyses` of those of *names* this process claims first (the other process does the rest); with
    each one's progress lines."""
    done: dict[str, RunAnalyses] = {}
    lines: dict[str, list[str]] = {}
    for name in names:
        if claimed.take(name):
            lines[name] = []
            done.update(_analyses(warehouse, profile, [name], lines[name].append, options))
    return done, lines


def _analyses_alongside(
    path: str,
    profile: ClusterProfile,
    names: list[str],
    options: Mapping[str, Any],
    claimed: Claims,
    either: list[str],
) -> tuple[dict[str, RunAnalyses], list[str], dict[str, list[str]]]:
    """:func:`_analyses` in the second process, on its own read-only connection, then those of *either* it claims
    first; with the progress lines of each."""
    messages: list[str] = []
    with Warehouse(path, read_only=True) as warehouse:
        done = _analyses(warehouse, profile, names, messages.append, options)
        more, lines = _claimed(warehouse, profile, either, claimed, options)
    return {**done, **more}, messages, lines


def regional_sic_employment(
    warehouse: AnyWarehouse, year: int = IO_EMPLOYMENT_YEAR, dataset: str = BRES_SUBCLASS
) -> pd.DataFrame:
    """Employment of the GB ITL2 areas by 5-digit SIC code in *year*, read through the warehouse.

    The input of the regional input-output model
    (:func:`clusterplan.inputoutput.regional.regional_model` and the cluster
    tools' *sic_employment*), so that model sees what the warehouse holds on
    either engine, data imported by the user included, not the files shipped
    with the package.

    Raises
    ------
    UnknownCodeError
        *year* is not a year of *dataset* (the message lists those that are).
    """
    years = warehouse.fact_years(dataset, measure="employment")
    if int(year) not in years:
        raise UnknownCodeError("employment year", str(year), [str(y) for y in years])
    return sic_employment_table(warehouse.employment_by_area_and_code(dataset, int(year)))


def regional_naics_employment(warehouse: AnyWarehouse, cells: str = "reconstructed") -> pd.DataFrame:
    """Employment of the US CBSAs by NAICS code (every level) in CBP's year, read through the warehouse.

    The input of the US regional input-output model
    (:func:`clusterplan.inputoutput.us_regional.us_regional_model` and the
    cluster tools' *naics_employment*): the published CBP cells, plus the
    withheld ones rebuilt within their parents for *cells* ``reconstructed``.
    """

    def read() -> pd.DataFrame:
        facts = warehouse.employment_by_area_and_code(employment_datasets(cells), US_IO_EMPLOYMENT_YEAR)
        return sic_employment_table(facts)

    # Every CBSA's cells (3.4 million rebuilt ones): read and shaped once per data version, kept for the next run.
    return memoised(warehouse, ("regional_naics_employment", cells), read, persist=True)


def supply_chain_gaps(
    warehouse: AnyWarehouse, region: str, taxonomy: str | None = None, *, year: int = 2019, **options: Any
) -> pd.DataFrame:
    """Supply-chain gaps of a region's strong clusters, the clusters with a location quotient of at least 1 in
    :func:`~clusterplan.pipeline.profile.profile_region` on *warehouse* in *year*; *options* as
    :func:`clusterplan.inputoutput.clusters.region_supply_chain_gaps`."""
    profile = profile_region(warehouse, region=region, taxonomy=taxonomy or DEFAULT_TAXONOMY, year=year)
    lq = profile.clusters.set_index("cluster_id")["lq"]
    strong = [c for c in profile.taxonomy.cluster_ids if float(lq.get(c, math.nan)) >= 1.0]
    return region_supply_chain_gaps(
        reference_tables(),
        profile.region_code,
        profile.taxonomy,
        year=year,
        strong_clusters=strong,
        sic_employment=regional_sic_employment(warehouse, year),
        **options,
    )


def run_region(
    warehouse: AnyWarehouse,
    region: str,
    *,
    taxonomy: str | None = None,
    year: int | None = None,
    base_year: int | None = None,
    benchmark: str = "national",
    peers: list[str] | None = None,
    denominator: str = "all",
    cells: str = "reconstructed",
    convention: str = "clusterplan",
    only: Iterable[str] | None = None,
    scenario_config: Any = None,
    include_non_market: bool = False,
    progress: Callable[[str], None] | None = None,
    second: SecondProcess | None = None,
) -> tuple[ClusterProfile, RunAnalyses]:
    """Profile a region and run the further analyses of :data:`ANALYSES`: what ``clusterplan run`` computes.

    Parameters
    ----------
    warehouse, region, taxonomy, year, base_year, benchmark, peers
        As :func:`~clusterplan.pipeline.profile.profile_region`.
    denominator
        ``all`` (every industry) or ``traded`` (shares and quotients out of traded industries only).
    cells
        ``reconstructed`` or ``published`` County Business Patterns cells (see ``profile_region``).
    convention
        ``clusterplan`` or ``cluster_mapping`` (the US Cluster Mapping portal's measures, traded denominator).
    only, scenario_config, include_non_market, progress, second
        As :func:`run_analyses`.

    Returns
    -------
    tuple of ClusterProfile and RunAnalyses
        The region's cluster profile and the further analyses of it.
    """
    denominator_codes = None
    if denominator == "traded":
        denominator_codes = traded_industry_codes(warehouse, dataset_for_region(warehouse, region))
    prepared = _prepare_alongside(warehouse, region, year, only, second)
    profile = profile_region(
        warehouse,
        region=region,
        taxonomy=taxonomy,
        year=year,
        base_year=base_year,
        benchmark=benchmark,
        peers=peers,
        denominator_codes=denominator_codes,
        cells=cells,
        convention=convention,
        progress=progress,
    )
    further = run_analyses(
        warehouse,
        profile,
        only=only,
        progress=progress,
        scenario_config=scenario_config,
        include_non_market=include_non_market,
        second=second,
    )
    if prepared is not None:
        prepared()  # answered before the analyses it prepared; raises only an error that is not the user's
    return profile, further
