"""The ``similar`` scenario method for one region: comparators, rates, GVA at constant prices, joint draws, read
from the warehouse.

Used by :func:`clusterplan.pipeline.scenarios.scenario_outputs`; every formula lives in
:mod:`~clusterplan.scenarios.similar`, :mod:`~clusterplan.scenarios.jumps`,
:mod:`~clusterplan.scenarios.calibration` and
:mod:`~clusterplan.scenarios.uncertainty`.
"""

from __future__ import annotations

import json
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from .._cache import memoised
from .._exceptions import DataValidationError, ParameterError, UnknownCodeError
from .._frames import with_columns
from ..scenarios.calibration import (
    CalibrationSettings,
    ScenarioCalibration,
    calibrate,
    division_mapping,
    taxonomy_digest,
)
from ..scenarios.jumps import JumpRule
from ..scenarios.similar import SeriesCube, additional_jobs, region_comparators, series_cube
from .panels import cluster_gva_panel, industry_employment_arrays

if TYPE_CHECKING:  # pragma: no cover - annotations only
    from ..scenarios.config import ScenarioConfig
    from ..taxonomy import Taxonomy
    from .profile import AnyWarehouse

#: The scenarios of the similar method, lowest first.
VARIANTS = ("low", "central", "high")
#: Cluster GVA series (chained volume) by data, taxonomy, weight year and region.
_GVA_CACHE: OrderedDict[str, pd.DataFrame] = OrderedDict()
#: How GVA per job is priced when the chained-volume series are available.
PRICE_BASIS_CVM = "chained volume measures, 2019 money; GVA per job averaged over {start}-{end}"


#: Calibrations by dataset sha256, taxonomy and settings: the few a process uses.
_CACHE: OrderedDict[str, tuple[ScenarioCalibration, dict[str, SeriesCube]]] = OrderedDict()
_CACHE_SIZE = 8
_DEFAULT_SETTINGS = CalibrationSettings()


def scenario_calibration(
    warehouse: AnyWarehouse,
    taxonomy: Taxonomy,
    *,
    dataset: str = "bres_itl2_sic5",
    settings: CalibrationSettings = _DEFAULT_SETTINGS,
) -> tuple[ScenarioCalibration, dict[str, SeriesCube]]:
    """The calibration of *taxonomy* on *dataset*, and the series cubes it used; computed once per process, and
    kept on disk for later processes with the run's other national tables (reading the employment of every area
    and industry and calibrating take about 0.5 s of every run).

    The cache key is the dataset's sha256 (from the warehouse manifest), the
    taxonomy's cluster definitions and *settings*.
    """
    info = warehouse.dataset_info(dataset)
    key = json.dumps([dataset, str(info.get("sha256")), taxonomy_digest(taxonomy), repr(settings)])
    if key in _CACHE:
        _CACHE.move_to_end(key)
        return _CACHE[key]

    def compute() -> tuple[ScenarioCalibration, dict[str, SeriesCube]]:
        codes = industry_employment_arrays(warehouse, dataset)
        labels = sorted({str(c) for c in codes["industry_code"]})
        mapping = taxonomy.mapping(labels)
        divisions = series_cube(codes, division_mapping(labels))
        members = mapping[["cluster_id", "industry_code"]].rename(columns={"cluster_id": "unit_code"})
        cubes = {"clusters": series_cube(divisions, members, [c.id for c in taxonomy.clusters]), "sic2": divisions}
        result = calibrate(cubes, settings)
        result.parameters.update(
            cache_key={"dataset": dataset, "sha256": info.get("sha256"), "taxonomy": taxonomy.name},
            cap_percentile=settings.cap_percentile,
        )
        return result, cubes

    # Shared, not copied, as this process's own cache hands them out.
    found = _CACHE[key] = memoised(warehouse, ("scenario_calibration", key), compute, copy=False, persist=True)
    while len(_CACHE) > _CACHE_SIZE:
        _CACHE.popitem(last=False)
    return found


def calibration_settings(config: ScenarioConfig) -> CalibrationSettings:
    """The calibration's settings from the scenario config."""
    s = config.scenario
    m = s.similar
    names = ("low", "central", "high")
    return CalibrationSettings(
        window=m.reference_window,
        covid_years=tuple(config.baseline.covid_years),
        lq_threshold=s.lq_threshold,
        min_employment=m.min_employment,
        band_steps=m.size_band_steps,
        min_comparators=m.min_comparators,
        cap_percentile=m.cap_percentile,
        cap_band_edges=m.cap_band_edges,
        fit_years=m.backtest_fit_years,
        min_test_years=m.backtest_min_test_years,
        targets=tuple(zip(names, m.target_hit_rates, strict=True)),
        jumps=jump_rule(config),
        exclude_areas=tuple(s.exclude_areas),
    )


def jump_rule(config: ScenarioConfig) -> JumpRule:
    """The config's :class:`~clusterplan.scenarios.jumps.JumpRule`."""
    j = config.scenario.jumps
    return JumpRule(j.level_share, j.change_share, j.code_level_share, j.code_cluster_share)


@dataclass
class SimilarResult:
    """What :func:`similar_scenarios` adds to a run."""

    frame: pd.DataFrame
    comparators: pd.DataFrame
    jumps: pd.DataFrame
    calibration: ScenarioCalibration
    cube: SeriesCube
    percentiles: dict[str, float]
    percentiles_from: str
    count_once: pd.Series
    price_basis: str
    region_gva_gbp_m: float
    region_jobs: float
    gva_note: str
    extra: dict[str, Any] = field(default_factory=dict)


def count_once_factors(cube: SeriesCube, region: str, year: int) -> pd.Series:
    r"""Per cluster, the share of its jobs left when codes shared by several clusters are split between them.

    With :math:`w_{ci}` the share of cluster :math:`c`'s jobs in code
    :math:`i` (the region, *year*) and :math:`n_i` the number of clusters
    holding :math:`i`, the factor is :math:`\sum_i w_{ci} / n_i`; a cluster
    sharing no code has 1. Region totals multiply each cluster's additional
    jobs by it, so a shared code's jobs are counted once.
    """
    r = cube.areas.index(region)
    t = cube.years.index(year)
    code_of, unit_of = cube.pairs
    holders = np.bincount(code_of, minlength=len(cube.code_labels)).astype(float)
    jobs = cube.codes[r, code_of, t]
    totals = np.bincount(unit_of, weights=jobs, minlength=len(cube.units))
    kept = np.bincount(unit_of, weights=jobs / holders[code_of], minlength=len(cube.units))
    with np.errstate(divide="ignore", invalid="ignore"):
        factor = np.where(totals > 0, kept / totals, 1.0)
    return pd.Series(factor, index=list(cube.units))


def _gva_per_job(
    warehouse: AnyWarehouse,
    taxonomy: Taxonomy,
    cube: SeriesCube,
    region: str,
    window: tuple[int, int],
    jump_off: int,
) -> tuple[pd.Series | None, float, str]:
    """Cluster GVA per job in chained volume measures averaged over the window's years; the region's GVA."""

    try:
        key = json.dumps(
            [
                str(warehouse.dataset_info("gva_itl2_chained_volume").get("sha256")),
                str(warehouse.dataset_info("bres_itl2_sic5").get("sha256")),
                taxonomy_digest(taxonomy),
                int(window[1]),
            ]
        )
        if key not in _GVA_CACHE:
            # Every area's panel, once per taxonomy and window (0.14 s, against 0.05 s for one area's; each area's
            # rows are the same numbers as its own panel's), so each region's scenarios only take their rows.
            _GVA_CACHE[key] = cluster_gva_panel(warehouse, taxonomy, prices="chained_volume", weight_year=window[1])
            while len(_GVA_CACHE) > 64:
                _GVA_CACHE.popitem(last=False)
        gva = _GVA_CACHE[key]
    except (ParameterError, DataValidationError, UnknownCodeError) as exc:
        return None, np.nan, f"not available ({exc})"
    years = [y for y in range(window[0], window[1] + 1) if y in cube.years]
    r = cube.areas.index(region)
    by_area = memoised(warehouse, ("scenario_gva_by_area", key), lambda: _gva_by_area(gva), copy=False)
    if region in by_area:
        own_wide, totals = by_area[region]
    else:  # no GVA rows for the region: an empty table, as its own pivot was
        own = gva[gva["area_code"] == region]
        own_wide = own.pivot_table(index="unit_code", columns="year", values="value")
        totals = own.groupby("year")["area_total"].first()
    wide = own_wide.reindex(index=list(cube.units), columns=years)
    jobs = pd.DataFrame(cube.values[r][:, [cube.years.index(y) for y in years]], index=list(cube.units), columns=years)
    per_job = (wide * 1e6 / jobs.where(jobs > 0)).mean(axis=1, skipna=True)
    region_gva = float(totals.get(jump_off, totals.iloc[-1] if len(totals) else np.nan))
    return per_job, region_gva, PRICE_BASIS_CVM.format(start=years[0], end=years[-1])


def _gva_by_area(gva: pd.DataFrame) -> dict[str, tuple[pd.DataFrame, pd.Series]]:
    """Each area's cluster GVA by year (units x years, the pivot of its rows of *gva*) and its all-industry GVA
    by year, made for every area at once (one pivot and one grouping rather than one of each per region's
    scenario): the same numbers as each area's own (each cell the mean of the same rows)."""
    wide = gva.pivot_table(index=["area_code", "unit_code"], columns="year", values="value")
    totals = gva.groupby(["area_code", "year"])["area_total"].first()
    found: dict[str, tuple[pd.DataFrame, pd.Series]] = {}
    for area in gva["area_code"].unique():
        area_totals = totals.loc[area] if area in totals.index.get_level_values(0) else totals.iloc[:0]
        found[str(area)] = (wide.loc[area] if area in wide.index.get_level_values(0) else wide.iloc[:0], area_totals)
    return found


def similar_scenarios(
    warehouse: AnyWarehouse,
    taxonomy: Taxonomy,
    *,
    dataset: str,
    region: str,
    config: ScenarioConfig,
    frame: pd.DataFrame,
    horizon: int,
    jump_off: int,
    fallback_gva_per_job: pd.Series | None,
) -> SimilarResult:
    """Comparators, differential growth and additional jobs and GVA of every cluster (the ``similar`` method).

    *frame* has one row per cluster with ``cluster_id``, ``jump_off_jobs`` and
    ``baseline_jobs``; the result's frame adds the scenario columns.
    """
    m = config.scenario.similar
    settings = calibration_settings(config)
    calibration, cubes = scenario_calibration(warehouse, taxonomy, dataset=dataset, settings=settings)
    cube = cubes["clusters"]
    if region not in cube.areas:
        raise ParameterError(f"region {region} is not in the employment data of {dataset}")
    if m.percentiles:
        percentiles = dict(zip(VARIANTS, m.percentiles, strict=True))
        source = "config scenario.similar.percentiles"
    else:
        percentiles = {k: calibration.chosen[k] for k in VARIANTS}
        source = "backtest (hit rates closest to scenario.similar.target_hit_rates)"
    rates, comparators, jumps = region_comparators(
        cube,
        region,
        window=m.reference_window,
        percentiles={**percentiles, "leader": 100.0},
        caps=calibration.caps,
        lq_threshold=config.scenario.lq_threshold,
        min_employment=m.min_employment,
        band_steps=m.size_band_steps,
        min_comparators=m.min_comparators,
        exclude_areas=config.scenario.exclude_areas,
        jump_rule=jump_rule(config),
    )
    rates = rates.set_index("unit_code")
    ids = frame["cluster_id"]
    w0, w1 = m.reference_window
    # The new columns, gathered and added at once (see with_columns), in the order they were set one by one.
    new: dict[str, Any] = {}
    new["comparator_rule"] = f"similar size, LQ >= {config.scenario.lq_threshold:g} in {w0}, no one-off jump"
    new["reference_window"] = f"{w0}-{w1}"
    new["comparators"] = ids.map(rates["comparators"]).astype(int)
    new["size_band"] = ids.map(rates["size_band"])
    new["leading_region"] = ids.map(rates["leading_region"])
    new["leader_differential_growth"] = ids.map(rates["leader_growth"]).astype(float)
    new["own_differential_growth"] = ids.map(rates["own_differential_growth"]).astype(float)
    own_jumps = jumps[jumps["area_code"] == region].groupby("unit_code")["reason"].first()
    new["own_jump"] = ids.map(own_jumps).fillna("")
    base = frame["baseline_jobs"].to_numpy(dtype=float)
    for name in VARIANTS:
        d = ids.map(rates[f"d_{name}"]).to_numpy(dtype=float)
        new[f"percentile_{name}"] = percentiles[name]
        new[f"differential_growth_{name}"] = d
        new[f"additional_jobs_{name}"] = additional_jobs(base, d, horizon)
        new[f"floored_{name}"] = d < 0
        new[f"scenario_jobs_{name}"] = base + new[f"additional_jobs_{name}"]
    new["differential_growth_high_uncapped"] = ids.map(rates["d_high_uncapped"]).astype(float)
    new["cap"] = ids.map(rates["cap"]).astype(float)
    new["capped"] = ids.map(rates["capped"]).astype(bool)
    leader = ids.map(rates["d_leader_uncapped"]).to_numpy(dtype=float)
    new["additional_jobs_leader_sensitivity"] = additional_jobs(base, leader, horizon)
    e0 = frame["jump_off_jobs"].to_numpy(dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        for name in ("low", "high"):
            new[f"growth_{name}"] = np.power(new[f"scenario_jobs_{name}"] / e0, 1.0 / horizon) - 1.0
    new["high_statistic"] = f"p{percentiles['high']:g}"
    new["low_statistic"] = f"p{percentiles['low']:g}"
    per_job, region_gva, basis = _gva_per_job(warehouse, taxonomy, cube, region, m.reference_window, jump_off)
    note = basis
    if per_job is None:
        per_job = fallback_gva_per_job
        basis = "current prices (the profile's GVA per job; chained volume GVA " + basis + ")"
        note = basis
    if per_job is not None:
        new["gva_per_job_gbp"] = ids.map(per_job).astype(float)
        pj = new["gva_per_job_gbp"].to_numpy(dtype=float) / 1e6
    else:
        new["gva_per_job_gbp"] = np.nan
        pj = np.full(len(frame), np.nan) / 1e6
    new["price_basis"] = basis
    new["baseline_gva_gbp_m"] = base * pj
    for name in VARIANTS:
        new[f"additional_gva_{name}_gbp_m"] = new[f"additional_jobs_{name}"] * pj
    once = count_once_factors(cube, region, jump_off if jump_off in cube.years else cube.years[-1])
    new["count_once_factor"] = ids.map(once).astype(float)
    out = with_columns(frame, new)
    region_jobs = float(cube.totals[cube.areas.index(region), cube.years.index(jump_off)])
    comparators = comparators.rename(columns={"unit_code": "cluster_id"})
    return SimilarResult(
        frame=out,
        comparators=comparators,
        jumps=jumps,
        calibration=calibration,
        cube=cube,
        percentiles=percentiles,
        percentiles_from=source,
        count_once=once,
        price_basis=basis,
        region_gva_gbp_m=region_gva,
        region_jobs=region_jobs,
        gva_note=note,
    )


def pre_covid_windows(years: list[int], covid_years: tuple[int, ...], min_years: int) -> list[tuple[int, int]]:
    """Every reference window of at least *min_years* years before the first Covid year.

    Examples
    --------
    >>> pre_covid_windows(list(range(2015, 2022)), (2020, 2021), 3)
    [(2015, 2018), (2015, 2019), (2016, 2019)]
    """
    first = min(covid_years) if covid_years else 10**6
    pre = [y for y in years if y < first]
    return [(a, b) for a in pre for b in pre if b - a >= min_years]


def scenario_warnings(
    frame: pd.DataFrame,
    *,
    region_jobs: float,
    region_gva_gbp_m: float,
    config: ScenarioConfig,
    include_indirect: bool,
) -> list[dict[str, Any]]:
    """Warnings of a scenario that needs a second look (the thresholds are ``[scenario.warnings]``).

    Each warning is ``{"kind", "message", "value", "threshold"}`` (and ``cluster_id`` for a cluster's).
    """
    w = config.scenario.warnings
    once = frame.get("count_once_factor", 1.0)
    direct = frame["additional_jobs_high"] * once
    indirect = frame["indirect_jobs_high"].fillna(0.0) * once if include_indirect else 0.0 * direct
    total = float(direct.sum() + indirect.sum())
    gva = float((frame["additional_gva_high_gbp_m"].fillna(0.0) * once).sum())
    if include_indirect and "indirect_gva_high_gbp_m" in frame:
        gva += float((frame["indirect_gva_high_gbp_m"].fillna(0.0) * once).sum())
    out: list[dict[str, Any]] = []
    share = total / region_jobs if region_jobs > 0 else np.nan
    if np.isfinite(share) and share > w.share_of_region:
        out.append(
            {
                "kind": "share_of_region_jobs",
                "message": f"the high case adds {total:,.0f} jobs"
                + (" (direct and indirect)" if include_indirect else "")
                + f", {share:.1%} of the region's {region_jobs:,.0f} jobs (more than {w.share_of_region:.0%})",
                "value": share,
                "threshold": w.share_of_region,
            }
        )
    gshare = gva / region_gva_gbp_m if region_gva_gbp_m and np.isfinite(region_gva_gbp_m) else np.nan
    if np.isfinite(gshare) and gshare > w.share_of_region:
        out.append(
            {
                "kind": "share_of_region_gva",
                "message": f"the high case adds £{gva:,.0f}m of GVA, {gshare:.1%} of the region's "
                f"£{region_gva_gbp_m:,.0f}m (more than {w.share_of_region:.0%})",
                "value": gshare,
                "threshold": w.share_of_region,
            }
        )
    direct_total = float(direct.sum())
    if direct_total > 0:
        top = int(np.argmax(direct.to_numpy()))
        top_share = float(direct.iloc[top]) / direct_total
        if top_share > w.cluster_share_of_total:
            out.append(
                {
                    "kind": "one_cluster_dominates",
                    "cluster_id": str(frame["cluster_id"].iloc[top]),
                    "message": f"{frame['cluster'].iloc[top]} is {top_share:.0%} of the high case's direct jobs "
                    f"(more than {w.cluster_share_of_total:.0%})",
                    "value": top_share,
                    "threshold": w.cluster_share_of_total,
                }
            )
    if "comparators" in frame:
        for cluster_id, cluster, count in zip(
            frame["cluster_id"], frame["cluster"], frame["comparators"].astype(int), strict=True
        ):
            if count < w.min_comparators:
                out.append(
                    {
                        "kind": "few_comparators",
                        "cluster_id": str(cluster_id),
                        "message": f"{cluster} has {count} comparator(s) (fewer than "
                        f"{w.min_comparators}): its range rests on very few regions",
                        "value": int(count),
                        "threshold": w.min_comparators,
                    }
                )
    return out
