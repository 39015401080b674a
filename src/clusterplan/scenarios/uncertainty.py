r"""Uncertainty of the scenarios: resampling reference windows and comparator sets.

The high and low scenarios rest on two choices that are not given by the data:
the reference window over which comparators' growth is measured, and which
regions are comparators. :func:`resample_scenarios` repeats the scenario many
times, each *draw*

1. picking a reference window at random (uniformly) from every window of at
   least ``min_window_years`` years in the data whose endpoints are not in
   ``exclude_window_endpoints`` (default: 2020, the Covid trough);
2. finding the comparators that qualify in that window (same rule, judged at
   the window's start), and resampling them with replacement (a bootstrap of
   the comparator set, as many draws as comparators);
3. computing the high and low statistics of the resampled comparators' growth
   and the additional jobs and GVA over the (fixed) baseline.

The percentiles of the additional jobs over the draws are the range reported:
a cluster whose additional jobs hardly move across draws rests on a robust
comparison; a wide range says the answer depends on the window or on one
comparator. The baseline is held fixed (its own error is what the backtest
measures). Draws are reproducible from the seed (NumPy's PCG64 generator).

References
----------
Efron, B. and Tibshirani, R. J. (1993). *An Introduction to the Bootstrap*.
Chapman and Hall.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from .._exceptions import ParameterError
from .differential import comparator_growth, comparator_statistic
from .jumps import JumpRule

if TYPE_CHECKING:  # pragma: no cover - annotations only
    from .similar import SeriesCube

__all__ = ["joint_draws", "reference_windows", "resample_scenarios", "summarise_draws"]


def reference_windows(
    years: Iterable[int], *, min_years: int = 3, exclude_endpoints: Sequence[int] = (2020,)
) -> list[tuple[int, int]]:
    """Every window ``(start, end)`` of the data at least *min_years* long, endpoints not excluded.

    Examples
    --------
    >>> reference_windows(range(2015, 2022))
    [(2015, 2018), (2015, 2019), (2015, 2021), (2016, 2019), (2016, 2021), (2017, 2021), (2018, 2021)]
    """
    available = sorted({int(y) for y in years} - {int(y) for y in exclude_endpoints})
    return [(a, b) for a in available for b in available if b - a >= min_years]


def resample_scenarios(
    panel: pd.DataFrame,
    *,
    focus_region: str,
    jump_off_jobs: pd.Series,
    baseline_jobs: pd.Series,
    horizon: int,
    gva_per_job_gbp: pd.Series | None = None,
    windows: Sequence[tuple[int, int]] | None = None,
    draws: int = 1000,
    seed: int = 20300101,
    high: str = "leader",
    low: str = "top_quartile",
    floor_at_baseline: bool = True,
    rule: str = "lq",
    lq_threshold: float = 1.0,
    min_stars: int = 1,
    min_employment: float = 1000.0,
    exclude_areas: Sequence[str] = (),
    benchmark_areas: Sequence[str] | None = None,
    min_window_years: int = 3,
    exclude_window_endpoints: Sequence[int] = (2020,),
) -> pd.DataFrame:
    """Additional jobs and GVA of the high and low scenarios in every draw.

    Parameters
    ----------
    panel
        Employment panel of every area (``area_code, unit_code, year, value,
        area_total``).
    focus_region
        The region.
    jump_off_jobs, baseline_jobs
        The region's jobs at the jump-off and under the baseline at the target
        year, indexed by cluster (``unit_code``); they fix the clusters reported.
    horizon
        Years from the jump-off to the target.
    gva_per_job_gbp
        GVA per job by cluster, to convert jobs to £ million (optional).
    windows
        Reference windows to draw from; default :func:`reference_windows` of
        the panel's years with *min_window_years* and *exclude_window_endpoints*.
    draws, seed
        Number of draws and the random seed.
    high, low, floor_at_baseline
        As for the scenario (:func:`~clusterplan.scenarios.differential.differential_growth`).
    rule, lq_threshold, min_stars, min_employment, exclude_areas, benchmark_areas
        The comparator rule (:func:`~clusterplan.scenarios.differential.comparator_growth`).

    Returns
    -------
    pandas.DataFrame
        One row per draw, cluster and scenario (``low``/``high``): ``draw,
        window_start, window_end, unit_code, scenario, comparators`` (in the
        window, before resampling), ``growth_cagr`` (the statistic),
        ``additional_jobs`` and ``additional_gva_gbp_m``. Growth and additional
        values are NaN where the window has no comparator for the cluster.
    """
    if draws < 1:
        raise ParameterError(f"draws must be at least 1, not {draws}")
    years = sorted(pd.to_numeric(panel["year"]).astype(int).unique().tolist())
    candidates = (
        list(windows)
        if windows is not None
        else reference_windows(years, min_years=min_window_years, exclude_endpoints=exclude_window_endpoints)
    )
    if not candidates:
        raise ParameterError(
            f"no reference window of at least {min_window_years} years in {years[0]}-{years[-1]} to resample",
            hint="lower uncertainty.min_window_years",
        )
    units = [str(u) for u in jump_off_jobs.index]
    e0 = jump_off_jobs.reindex(units).to_numpy(dtype=float)
    base = baseline_jobs.reindex(units).to_numpy(dtype=float)
    per_job = (
        gva_per_job_gbp.reindex(units).to_numpy(dtype=float) / 1e6
        if gva_per_job_gbp is not None
        else np.full(len(units), np.nan)
    )
    rng = np.random.default_rng(seed)
    choice = rng.integers(0, len(candidates), size=draws)
    pieces = []
    for w, window in enumerate(candidates):
        draw_ids = np.flatnonzero(choice == w)
        if draw_ids.size == 0:
            continue
        table = comparator_growth(
            panel,
            focus_region=focus_region,
            window=window,
            rule=rule,
            lq_threshold=lq_threshold,
            min_stars=min_stars,
            min_employment=min_employment,
            exclude_areas=exclude_areas,
            benchmark_areas=benchmark_areas,
            verdicts=False,
        )
        eligible = table[table["eligible"]]
        for u, unit in enumerate(units):
            rates = eligible.loc[eligible["unit_code"] == unit, "growth_cagr"].to_numpy(dtype=float)
            n = draw_ids.size
            if rates.size == 0:
                stats = {"high": np.full(n, np.nan), "low": np.full(n, np.nan)}
            else:
                sample = rates[rng.integers(0, rates.size, size=(n, rates.size))]
                stats = {
                    "high": comparator_statistic(sample, high, axis=1),
                    "low": comparator_statistic(sample, low, axis=1),
                }
            for scenario, rate in stats.items():
                additional = e0[u] * np.power(1.0 + rate, horizon) - base[u]
                if floor_at_baseline:
                    additional = np.where(additional < 0, 0.0, additional)
                pieces.append(
                    pd.DataFrame(
                        {
                            "draw": draw_ids,
                            "window_start": window[0],
                            "window_end": window[1],
                            "unit_code": unit,
                            "scenario": scenario,
                            "comparators": rates.size,
                            "growth_cagr": rate,
                            "additional_jobs": additional,
                            "additional_gva_gbp_m": additional * per_job[u],
                        }
                    )
                )
    out = pd.concat(pieces, ignore_index=True)
    out["_unit"] = out["unit_code"].map(units.index)
    out = out.sort_values(["_unit", "scenario", "draw"], ascending=[True, False, True]).drop(columns="_unit")
    out.attrs.update(windows=[list(w) for w in candidates], draws=draws, seed=seed)
    return out.reset_index(drop=True)


def _groups_in_order(units: pd.Series, scenarios: pd.Series) -> tuple[np.ndarray, int]:
    """The number of each row's (unit, scenario) group, groups numbered in order of first appearance (as
    ``groupby(sort=False).ngroup()``), and the number of groups; pairs are numbered from each column's own codes
    rather than grouped on the two text columns together."""
    unit_codes, _ = pd.factorize(units)
    scenario_codes, scenario_labels = pd.factorize(scenarios)
    if (unit_codes < 0).any() or (scenario_codes < 0).any():  # a missing key: groupby leaves its rows out
        grouped = pd.DataFrame({"unit_code": units, "scenario": scenarios}).groupby(
            ["unit_code", "scenario"], sort=False
        )
        return grouped.ngroup().to_numpy(), grouped.ngroups
    pairs = unit_codes.astype(np.int64) * max(len(scenario_labels), 1) + scenario_codes
    group_of, uniques = pd.factorize(pairs)
    return group_of, len(uniques)


def _mean(values: np.ndarray) -> float:
    """The mean of *values* leaving NaN out, as pandas' ``Series.mean`` works it (the sum of the values with NaN
    as 0, over the count of the others), without making a Series."""
    missing = np.isnan(values)
    count = np.float64(values.size - int(missing.sum()))
    total = np.where(missing, 0.0, values).sum(dtype=np.float64)
    return float(total / count) if count > 0 else np.nan


def summarise_draws(
    draws: pd.DataFrame, percentiles: Sequence[float] = (5, 25, 50, 75, 95), rate: str = "growth_cagr"
) -> pd.DataFrame:
    """Percentiles of the additional jobs, GVA and growth rate over the draws, per cluster and scenario.

    Returns
    -------
    pandas.DataFrame
        ``unit_code, scenario, draws, draws_with_comparators``, then
        ``additional_jobs_p<q>``, ``additional_gva_gbp_m_p<q>`` and
        ``<rate>_p<q>`` for each percentile *q* (over the draws with
        comparators), and ``additional_jobs_mean``.

    Examples
    --------
    >>> import pandas as pd
    >>> d = pd.DataFrame({"unit_code": "u", "scenario": "high", "growth_cagr": [0.01, 0.02, 0.03],
    ...                   "additional_jobs": [0.0, 50.0, 100.0], "additional_gva_gbp_m": [0.0, 5.0, 10.0]})
    >>> summarise_draws(d, [50])[["draws", "additional_jobs_p50", "additional_gva_gbp_m_p50"]].values.tolist()
    [[3.0, 50.0, 5.0]]
    """
    # Each group's rows, in their order in *draws* (as iterating the groups gives them), found once; its values
    # are then read from whole columns, not from a frame made per group.
    group_of, n_groups = _groups_in_order(draws["unit_code"], draws["scenario"])
    order = np.argsort(group_of, kind="stable")
    bounds = np.searchsorted(group_of[order], np.arange(n_groups + 1))
    # Each group's unit and scenario from its first row (not every row's converted).
    firsts = order[bounds[:-1]]
    units, scenarios = draws["unit_code"].iloc[firsts].to_numpy(), draws["scenario"].iloc[firsts].to_numpy()
    columns = {c: draws[c].to_numpy(dtype=float) for c in ("additional_jobs", "additional_gva_gbp_m", rate)}
    measures = ("additional_jobs", "additional_gva_gbp_m", rate)
    rows: list[dict[str, object]] = []
    # Each group's values of each measure; groups whose values hold no NaN (nanpercentile then is percentile)
    # are gathered by count, to take their percentiles in one call per measure and count.
    values_of: dict[tuple[int, str], np.ndarray] = {}
    stackable: dict[tuple[str, int], list[int]] = {}
    for g in range(n_groups):
        part = order[bounds[g] : bounds[g + 1]]
        valid = part[~np.isnan(columns[rate][part])]
        rows.append(
            {
                "unit_code": units[g],
                "scenario": scenarios[g],
                "draws": len(part),
                "draws_with_comparators": len(valid),
                "additional_jobs_mean": _mean(columns["additional_jobs"][valid]) if len(valid) else np.nan,
            }
        )
        for measure in measures:
            values = columns[measure][valid]
            values_of[g, measure] = values
            if len(percentiles) and values.size and not np.isnan(values).any() and np.isfinite(values).any():
                stackable.setdefault((measure, values.size), []).append(g)
    found_of: dict[tuple[int, str], np.ndarray] = {}
    for (measure, _), groups in stackable.items():
        # A row's percentiles of a 2-D array are worked out as those of the row alone (the same partition of
        # its values and the same interpolation), so each is the number nanpercentile gives the group, to the bit.
        stacked = np.percentile(np.stack([values_of[g, measure] for g in groups]), list(percentiles), axis=1)
        for i, g in enumerate(groups):
            found_of[g, measure] = stacked[:, i]
    for g, row in enumerate(rows):
        for measure in measures:
            values = values_of[g, measure]
            found = found_of.get((g, measure))
            if found is None:
                found = (
                    np.nanpercentile(values, list(percentiles))
                    if len(percentiles) and values.size and np.isfinite(values).any()
                    else np.full(len(percentiles), np.nan)
                )
            for q, value in zip(percentiles, found, strict=True):
                row[f"{measure}_p{q:g}"] = float(value)
    return pd.DataFrame(rows)


def _text(values: Sequence[str]) -> pd.api.extensions.ExtensionArray:
    """*values* as the array a frame makes of them (pandas' string type, or objects before pandas 3)."""
    return pd.Series(np.asarray(values, dtype=object)).array


def joint_draws(
    cube: SeriesCube,
    focus_region: str,
    *,
    windows: Sequence[tuple[int, int]],
    percentiles: dict[str, float],
    caps: pd.DataFrame,
    baseline_jobs: pd.Series,
    horizon: int,
    gva_per_job_gbp: pd.Series | None = None,
    indirect_per_job: pd.Series | None = None,
    count_once: pd.Series | None = None,
    draws: int = 1000,
    seed: int = 20300101,
    lq_threshold: float = 1.0,
    min_employment: float = 1000.0,
    band_steps: Sequence[float] = (3.0, 5.0, 10.0, 0.0),
    min_comparators: int = 5,
    exclude_areas: Sequence[str] = (),
    jump_rule: JumpRule | None = None,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    r"""Draws of every cluster's scenarios together, and the region totals they add up to.

    Each draw picks one reference window (uniformly, from *windows*: pre-Covid
    years only) for all clusters, bootstraps each cluster's similar
    comparators in that window, and takes the scenarios' percentiles of the
    resampled differential growth (capped). Additional jobs are
    :math:`B_T ((1 + d)^h - 1)`, floored at 0. Region totals add the clusters
    *within* each draw, counting industry codes shared by two clusters once
    (*count_once*), so their percentiles are those of the region's total, not
    sums of cluster percentiles.

    Returns
    -------
    (clusters, region)
        *clusters*: ``draw, window_start, window_end, unit_code, scenario,
        comparators, differential_growth, additional_jobs,
        additional_gva_gbp_m``. *region*: ``draw, scenario, direct_jobs,
        indirect_jobs, total_jobs, direct_gva_gbp_m`` per draw.
    """
    from .similar import additional_jobs, band_of, caps_for, comparator_masks, window_trends

    if draws < 1:
        raise ParameterError(f"draws must be at least 1, not {draws}")
    if not windows:
        raise ParameterError("joint draws need at least one reference window")
    rule = jump_rule or JumpRule()
    units = list(cube.units)
    base = baseline_jobs.reindex(units).to_numpy(dtype=float)
    per_job = (
        gva_per_job_gbp.reindex(units).to_numpy(dtype=float) / 1e6
        if gva_per_job_gbp is not None
        else np.full(len(units), np.nan)
    )
    indirect = (
        indirect_per_job.reindex(units).fillna(0.0).to_numpy(dtype=float)
        if indirect_per_job is not None
        else np.zeros(len(units))
    )
    once = (
        count_once.reindex(units).fillna(1.0).to_numpy(dtype=float) if count_once is not None else np.ones(len(units))
    )
    names = list(percentiles)
    qs = np.asarray([percentiles[n] for n in names], dtype=float)
    rng = np.random.default_rng(seed)
    choice = rng.integers(0, len(windows), size=draws)
    r = cube.areas.index(focus_region)
    excluded = np.isin(np.asarray(cube.areas), list(exclude_areas))[:, None]
    jobs = np.full((len(names), draws, len(units)), np.nan)
    rates = np.full((len(names), draws, len(units)), np.nan)
    counts = np.zeros((draws, len(units)), dtype=int)
    for w, (start, end) in enumerate(windows):
        ids = np.flatnonzero(choice == w)
        if ids.size == 0:
            continue
        trends, jumped = window_trends(cube, start, end, rule)
        eligible = (
            (trends["lq"] >= lq_threshold)
            & (trends["start"] >= min_employment)
            & ~jumped
            & np.isfinite(trends["d"])
            & ~excluded
        )
        mask, _ = comparator_masks(trends["start"], eligible, [r], band_of(band_steps), min_comparators)
        cap = caps_for(trends["start"][r], caps)
        for u in range(len(units)):
            found = trends["d"][mask[0, :, u], u]
            counts[ids, u] = found.size
            if found.size == 0:
                continue
            sample = found[rng.integers(0, found.size, size=(ids.size, found.size))]
            stats = np.percentile(sample, qs, axis=1)  # [scenario, draw]
            d = np.minimum(stats, cap[u])
            rates[:, ids, u] = d
            jobs[:, ids, u] = additional_jobs(base[u], d, horizon)
    region_rows = []
    window_of = np.asarray(windows)[choice]
    # One row per scenario, cluster and draw, in that order: whole columns at once, not a frame per cluster.
    n_names, n_units = len(names), len(units)

    def by_scenario_unit_draw(values: np.ndarray) -> np.ndarray:
        return np.ascontiguousarray(values.transpose(0, 2, 1)).ravel()

    clusters = pd.DataFrame(
        {
            "draw": np.tile(np.arange(draws), n_names * n_units),
            "window_start": np.tile(window_of[:, 0], n_names * n_units),
            "window_end": np.tile(window_of[:, 1], n_names * n_units),
            # Text columns taken from the few strings, in the type a frame infers for them (not made by inferring
            # and converting every row's string: most of building this frame).
            "unit_code": _text(units).take(np.tile(np.repeat(np.arange(n_units), draws), n_names)),
            "scenario": _text(names).take(np.repeat(np.arange(n_names), n_units * draws)),
            "comparators": np.tile(counts.T.ravel(), n_names),
            "differential_growth": by_scenario_unit_draw(rates),
            "additional_jobs": by_scenario_unit_draw(jobs),
            "additional_gva_gbp_m": by_scenario_unit_draw(jobs * per_job[None, None, :]),
        }
    )
    for k, name in enumerate(names):
        direct = np.nansum(jobs[k] * once[None, :], axis=1)
        spill = np.nansum(jobs[k] * once[None, :] * indirect[None, :], axis=1)
        gva = np.nansum(jobs[k] * once[None, :] * np.nan_to_num(per_job)[None, :], axis=1)
        region_rows.append(
            pd.DataFrame(
                {
                    "draw": np.arange(draws),
                    "scenario": name,
                    "direct_jobs": direct,
                    "indirect_jobs": spill,
                    "total_jobs": direct + spill,
                    "direct_gva_gbp_m": gva,
                }
            )
        )
    clusters.attrs.update(windows=[list(w) for w in windows], draws=draws, seed=seed)
    return clusters, pd.concat(region_rows, ignore_index=True)
