r"""The above-forecast scenario: comparator regions, their growth, and differential growth over the baseline.

The method of the West Midlands *Plan for Growth*, with every choice a parameter:

1. **Comparators.** For each cluster, the other regions that have a similar
   cluster at the start of a reference window (default 2015-2019): a location
   quotient of at least 1 (``rule="lq"``), US Cluster Mapping strong-cluster
   status (``"strong"``) or at least one European Cluster Observatory star
   (``"stars"``), and at least ``min_employment`` jobs in it. Judging them at
   the *start* of the window avoids picking regions for having grown.
2. **Growth.** Each comparator's compound annual growth of the cluster's
   employment over the window. The *leading region* grows fastest.
3. **Scenarios.** The region's cluster grows from the jump-off year to the
   target year at the leader's rate (high) and at a more conservative
   statistic of the comparators, the top quartile (75th percentile) or median
   (low).
4. **Differential growth** = scenario - baseline at the target year, in jobs,
   and in GVA at the region's GVA per job in the cluster.

With :math:`e_0` the jump-off employment, :math:`h` years to the target,
:math:`B_T` the baseline and :math:`g` the scenario growth rate:

.. math::

    S_T = e_0 (1 + g)^h, \qquad \Delta e = S_T - B_T, \qquad
    \Delta GVA = \Delta e \cdot \frac{GVA}{\text{job}}

With ``floor_at_baseline`` (default) a scenario below the baseline adds
nothing: :math:`\Delta e = \max(0, S_T - B_T)`, and the ``*_floored`` columns
say where that happened (the region already outgrows its comparators). Both
:math:`S_T` and (for every baseline method) :math:`B_T` are proportional to
:math:`e_0`, so :math:`\Delta e` is too.

At the region level, :func:`region_growth_comparison` adds the clusters'
additional jobs to the region's baseline total and ranks its growth among all
regions, against the national average and the fastest-growing region outside
London.

References
----------
West Midlands Combined Authority (2022). *Plan for Growth*: eight clusters,
"the growth that would follow if the region's clusters grew at the rate of the
leading UK region".
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from .._exceptions import ParameterError, UnknownCodeError
from .._frames import with_columns
from ..measures.growth import compound_annual_growth_rate
from ..measures.strength import cluster_mapping_strength, cluster_observatory_stars

__all__ = [
    "COMPARATOR_COLUMNS",
    "COMPARATOR_RULES",
    "REGION_SUMMARY_COLUMNS",
    "STATISTICS",
    "comparator_growth",
    "comparator_statistic",
    "differential_growth",
    "region_growth_comparison",
    "scenario_growth_rates",
]

#: How comparator regions are chosen.
COMPARATOR_RULES = ("lq", "strong", "stars")
#: Statistics of the comparators' growth a scenario can follow.
STATISTICS = ("leader", "top_quartile", "median", "mean")
#: Columns of :func:`comparator_growth`.
COMPARATOR_COLUMNS = [
    "unit_code",
    "area_code",
    "window_start",
    "window_end",
    "start_employment",
    "end_employment",
    "lq_start",
    "strong_start",
    "stars_start",
    "growth_cagr",
    "eligible",
    "reason",
]
#: Columns of the summary of :func:`region_growth_comparison`.
REGION_SUMMARY_COLUMNS = [
    "variant",
    "region",
    "jump_off_year",
    "target_year",
    "jobs_jump_off",
    "jobs_target",
    "additional_jobs",
    "growth_cagr",
    "rank",
    "regions",
    "national_growth_cagr",
    "above_national_average",
    "rank_outside_london",
    "regions_outside_london",
    "fastest_outside_london",
    "fastest_outside_london_growth_cagr",
    "fastest_outside_london_now",
    "extra_growth_needed_pp",
    "extra_jobs_needed",
]


def comparator_growth(
    panel: pd.DataFrame,
    *,
    focus_region: str,
    window: tuple[int, int] = (2015, 2019),
    rule: str = "lq",
    lq_threshold: float = 1.0,
    min_stars: int = 1,
    min_employment: float = 1000.0,
    exclude_areas: Sequence[str] = (),
    benchmark_areas: Sequence[str] | None = None,
    verdicts: bool = True,
) -> pd.DataFrame:
    """Every other region's cluster: is it a comparator, and how fast did it grow over the window?

    Parameters
    ----------
    panel
        ``area_code, unit_code, year, value`` (employment) and ``area_total``.
    focus_region
        The region the scenario is for; never its own comparator.
    window
        Reference window ``(start, end)``; both years must be in the panel.
    rule
        ``lq``, ``strong`` or ``stars`` (:data:`COMPARATOR_RULES`), judged in the start year.
    lq_threshold, min_stars
        Thresholds of the ``lq`` and ``stars`` rules.
    min_employment
        Jobs the comparator's cluster needs in the start year.
    exclude_areas
        Areas never used as comparators.
    benchmark_areas
        Areas whose sum is the nation for the location quotients and the
        strength rules (default all areas in the panel).
    verdicts
        Compute the strong-cluster and star verdicts even when the rule does
        not use them (they are then reported for information); False leaves
        them out (``strong_start`` False, ``stars_start`` 0) when the rule is
        ``lq``, which is faster.

    Returns
    -------
    pandas.DataFrame
        :data:`COMPARATOR_COLUMNS`, one row per cluster and area other than
        the focus region; ``eligible`` marks the comparators and ``reason``
        says why an area is or is not one.

    Examples
    --------
    >>> import pandas as pd
    >>> panel = pd.DataFrame({
    ...     "area_code": ["F", "F", "A", "A", "B", "B"], "unit_code": "u", "year": [2015, 2019] * 3,
    ...     "value": [100.0, 100.0, 2000.0, 2420.0, 1500.0, 1500.0], "area_total": 10000.0})
    >>> table = comparator_growth(panel, focus_region="F", window=(2015, 2019))
    >>> table[["area_code", "lq_start", "eligible"]].round(2).values.tolist()
    [['A', 1.67, True], ['B', 1.25, True]]
    """
    if rule not in COMPARATOR_RULES:
        raise UnknownCodeError("comparator rule", rule, list(COMPARATOR_RULES))
    start, end = (int(window[0]), int(window[1]))
    if start >= end:
        raise ParameterError(f"reference window must run forwards, not {start}-{end}")
    years = set(pd.to_numeric(panel["year"]).astype(int))
    missing = [y for y in (start, end) if y not in years]
    if missing:
        raise UnknownCodeError("reference window year", str(missing[0]), [str(y) for y in sorted(years)])
    if "area_total" not in panel.columns:
        raise ParameterError("comparator_growth needs each area's all-industry employment in column area_total")
    frame = panel.assign(year=pd.to_numeric(panel["year"]).astype(int))
    first = frame[frame["year"] == start].copy()
    last = frame[frame["year"] == end].set_index(["area_code", "unit_code"])["value"]
    in_benchmark = first if benchmark_areas is None else first[first["area_code"].isin(list(benchmark_areas))]
    bench_units = in_benchmark.groupby("unit_code")["value"].sum()
    bench_total = in_benchmark.groupby("area_code")["area_total"].first().sum()
    first["share"] = first["value"] / first["area_total"]
    with np.errstate(divide="ignore", invalid="ignore"):
        first["lq"] = first["share"] / (first["unit_code"].map(bench_units) / bench_total)
    strength_input = first.rename(columns={"value": "employment"})[
        ["area_code", "unit_code", "employment", "lq", "share"]
    ]
    comparable = strength_input[strength_input["area_code"].isin(in_benchmark["area_code"].unique())]
    if verdicts or rule == "strong":
        strong = cluster_mapping_strength(comparable, "strong").set_index(["area_code", "unit_code"])["strong"]
    else:
        strong = pd.Series(dtype=bool)
    if verdicts or rule == "stars":
        stars = cluster_observatory_stars(comparable).set_index(["area_code", "unit_code"])["stars"]
    else:
        stars = pd.Series(dtype=float)
    keys = pd.MultiIndex.from_frame(first[["area_code", "unit_code"]])
    out = pd.DataFrame(
        {
            "unit_code": first["unit_code"].astype(str).to_numpy(),
            "area_code": first["area_code"].astype(str).to_numpy(),
            "window_start": start,
            "window_end": end,
            "start_employment": first["value"].to_numpy(dtype=float),
            "end_employment": last.reindex(keys).to_numpy(dtype=float),
            "lq_start": first["lq"].to_numpy(dtype=float),
            "strong_start": strong.reindex(keys).fillna(False).astype(bool).to_numpy(),
            "stars_start": stars.reindex(keys).fillna(0).astype(int).to_numpy(),
        }
    )
    out["growth_cagr"] = compound_annual_growth_rate(out["start_employment"], out["end_employment"], end - start)
    passes = {
        "lq": out["lq_start"] >= lq_threshold,
        "strong": out["strong_start"],
        "stars": out["stars_start"] >= min_stars,
    }[rule]
    rule_text = {
        "lq": f"LQ {{lq:.2f}} {{cmp}} {lq_threshold:g} in {start}",
        "strong": f"{{not_}}a strong cluster in {start}",
        "stars": f"{{stars}} star(s) {{cmp}} {min_stars} in {start}",
    }[rule]
    big = out["start_employment"] >= min_employment
    excluded = out["area_code"].isin(list(exclude_areas))
    grew = out["growth_cagr"].notna()
    reasons = []
    for row, ok, large, left_out, measured in zip(out.itertuples(), passes, big, excluded, grew, strict=True):
        text = rule_text.format(
            lq=row.lq_start, cmp=">=" if ok else "<", not_="" if ok else "not ", stars=row.stars_start
        )
        size = f"{row.start_employment:,.0f} jobs {'>=' if large else '<'} {min_employment:,.0f}"
        if left_out:
            reasons.append("excluded by parameter")
        elif not measured:
            reasons.append(f"{text}; growth undefined (no jobs in {start} or none reported in {end})")
        else:
            reasons.append(f"{text}; {size}")
    out["eligible"] = (passes & big & ~excluded & grew).to_numpy(dtype=bool)
    out["reason"] = reasons
    out = out[out["area_code"] != focus_region]
    return out.sort_values(["unit_code", "area_code"])[COMPARATOR_COLUMNS].reset_index(drop=True)


def comparator_statistic(rates: np.ndarray, statistic: str, axis: int = -1) -> np.ndarray:
    """The *statistic* (:data:`STATISTICS`) of growth rates along *axis*.

    ``leader`` is the maximum, ``top_quartile`` the 75th percentile (linear
    interpolation), ``median`` and ``mean`` as named.

    Examples
    --------
    >>> import numpy as np
    >>> rates = np.array([0.01, 0.02, 0.03, 0.05])
    >>> [round(float(comparator_statistic(rates, s)), 4) for s in ("leader", "top_quartile", "median", "mean")]
    [0.05, 0.035, 0.025, 0.0275]
    """
    values = np.asarray(rates, dtype=float)
    if statistic == "leader":
        return np.max(values, axis=axis)
    if statistic == "top_quartile":
        return np.quantile(values, 0.75, axis=axis)
    if statistic == "median":
        return np.median(values, axis=axis)
    if statistic == "mean":
        return np.mean(values, axis=axis)
    raise UnknownCodeError("scenario statistic", statistic, list(STATISTICS))


def scenario_growth_rates(
    comparators: pd.DataFrame,
    *,
    high: str = "leader",
    low: str = "top_quartile",
    units: Sequence[str] | None = None,
) -> pd.DataFrame:
    """The growth rates the high and low scenarios follow, per cluster.

    Parameters
    ----------
    comparators
        :func:`comparator_growth` output.
    high, low
        Statistics of the eligible comparators' growth (:data:`STATISTICS`).
    units
        Clusters to report, in order (default those in *comparators*); a
        cluster without comparators gets NaN rates.

    Returns
    -------
    pandas.DataFrame
        ``unit_code, comparators`` (count), ``comparator_areas`` (codes,
        fastest first, ``;``-separated), ``leading_region``,
        ``leader_growth_cagr``, ``growth_high``, ``growth_low``.
    """
    for statistic in (high, low):
        if statistic not in STATISTICS:
            raise UnknownCodeError("scenario statistic", statistic, list(STATISTICS))
    order = list(units) if units is not None else list(dict.fromkeys(comparators["unit_code"]))
    rows: list[tuple[Any, ...]] = []
    eligible = comparators[comparators["eligible"]]
    for unit in order:
        part = eligible[eligible["unit_code"] == unit].sort_values(
            ["growth_cagr", "area_code"], ascending=[False, True]
        )
        rates = part["growth_cagr"].to_numpy(dtype=float)
        if rates.size == 0:
            rows.append((unit, 0, "", None, np.nan, np.nan, np.nan))
            continue
        rows.append(
            (
                unit,
                int(rates.size),
                ";".join(part["area_code"]),
                str(part["area_code"].iloc[0]),
                float(rates[0]),
                float(comparator_statistic(rates, high)),
                float(comparator_statistic(rates, low)),
            )
        )
    return pd.DataFrame(
        rows,
        columns=[
            "unit_code",
            "comparators",
            "comparator_areas",
            "leading_region",
            "leader_growth_cagr",
            "growth_high",
            "growth_low",
        ],
    )


def differential_growth(frame: pd.DataFrame, *, horizon: int, floor_at_baseline: bool = True) -> pd.DataFrame:
    r"""Scenario and differential (additional) jobs and GVA at the target year.

    Parameters
    ----------
    frame
        One row per cluster with ``jump_off_jobs`` (:math:`e_0`),
        ``baseline_jobs`` (:math:`B_T`), ``growth_low`` and ``growth_high``
        (annual rates) and optionally ``gva_per_job_gbp``.
    horizon
        Years from the jump-off to the target year (:math:`h`).
    floor_at_baseline
        Count a scenario below the baseline as no additional growth.

    Returns
    -------
    pandas.DataFrame
        *frame* plus ``scenario_jobs_low/high`` (:math:`S_T`),
        ``additional_jobs_low/high`` (:math:`\Delta e`),
        ``additional_gva_low/high_gbp_m`` (£ million, when GVA per job is
        given), ``baseline_gva_gbp_m`` and ``floored_low/high``.

    Examples
    --------
    5,000 jobs, a baseline of 5,500 in 2030 (9 years), comparators growing
    2% (low) and 4% (high) a year, £60,000 of GVA per job:

    >>> import pandas as pd
    >>> frame = pd.DataFrame({"jump_off_jobs": [5000.0], "baseline_jobs": [5500.0], "growth_low": [0.02],
    ...                       "growth_high": [0.04], "gva_per_job_gbp": [60000.0]})
    >>> out = differential_growth(frame, horizon=9)
    >>> out[["additional_jobs_low", "additional_jobs_high", "additional_gva_high_gbp_m"]].round(1).values.tolist()
    [[475.5, 1616.6, 97.0]]
    """
    if horizon < 1:
        raise ParameterError(f"the target year must be after the jump-off year (horizon {horizon})")
    needed = ["jump_off_jobs", "baseline_jobs", "growth_low", "growth_high"]
    absent = [c for c in needed if c not in frame.columns]
    if absent:
        raise ParameterError(f"differential_growth needs columns {absent}")
    out = frame.copy()
    e0 = out["jump_off_jobs"].to_numpy(dtype=float)
    baseline = out["baseline_jobs"].to_numpy(dtype=float)
    for variant in ("low", "high"):
        rate = out[f"growth_{variant}"].to_numpy(dtype=float)
        scenario = e0 * np.power(1.0 + rate, horizon)
        raw = scenario - baseline
        floored = floor_at_baseline & (raw < 0)
        out[f"scenario_jobs_{variant}"] = scenario
        out[f"additional_jobs_{variant}"] = np.where(floored, 0.0, raw)
        out[f"floored_{variant}"] = floored
    if "gva_per_job_gbp" in out.columns:
        per_job = out["gva_per_job_gbp"].to_numpy(dtype=float) / 1e6
        out["baseline_gva_gbp_m"] = baseline * per_job
        for variant in ("low", "high"):
            out[f"additional_gva_{variant}_gbp_m"] = out[f"additional_jobs_{variant}"].to_numpy(dtype=float) * per_job
    return out


def region_growth_comparison(
    totals: pd.DataFrame,
    *,
    focus_region: str,
    additional_jobs: Mapping[str, float],
    horizon: int,
    jump_off_year: int,
    london_prefix: str = "TLI",
) -> tuple[pd.DataFrame, pd.DataFrame]:
    r"""The region's growth rank under the baseline and each scenario, and what would make it fastest outside London.

    Parameters
    ----------
    totals
        One row per region: ``area_code, jobs_jump_off, jobs_baseline`` (all
        industries, at the jump-off and the target year under the baseline).
    focus_region
        The region whose scenarios are added.
    additional_jobs
        Variant name -> additional jobs of the focus region at the target year
        (e.g. ``{"scenario_low": 12000, "scenario_high": 30000}``);
        ``baseline`` (no additional jobs) is always included first.
    horizon, jump_off_year
        Years to the target; the jump-off year.
    london_prefix
        Area codes of London start with this (``TLI``).

    Returns
    -------
    (summary, regions)
        *summary*: :data:`REGION_SUMMARY_COLUMNS`, one row per variant: the
        region's compound annual growth, its rank among all regions (1 =
        fastest; the others on their baselines), the national growth (all
        regions, the focus region on the variant), whether it is above it,
        the fastest-growing region outside London (other than the focus
        region), the extra growth in percentage points a year and the extra
        jobs at the target year that would make the region grow as fast
        (0 if it already does). *regions*: every region's baseline growth and
        rank under each variant.

    Notes
    -----
    With :math:`E_0` and :math:`E_T` a region's jobs at the jump-off and
    target years, growth is :math:`(E_T / E_0)^{1/h} - 1`. To match the
    fastest region outside London, growing at :math:`g^*`, the region needs
    :math:`E_0 (1 + g^*)^h - E_T` more jobs.

    Examples
    --------
    >>> import pandas as pd
    >>> totals = pd.DataFrame({"area_code": ["TLG3", "TLI3", "TLD1"], "jobs_jump_off": [1000.0, 1000.0, 1000.0],
    ...                        "jobs_baseline": [1050.0, 1200.0, 1100.0]})
    >>> summary, _ = region_growth_comparison(totals, focus_region="TLG3", additional_jobs={"scenario": 150.0},
    ...                                       horizon=5, jump_off_year=2021)
    >>> columns = ["variant", "rank", "above_national_average", "fastest_outside_london", "extra_jobs_needed"]
    >>> summary[columns].round(1).values.tolist()
    [['baseline', 3, False, 'TLD1', 50.0], ['scenario', 1, True, 'TLD1', 0.0]]
    """
    needed = {"area_code", "jobs_jump_off", "jobs_baseline"}
    if not needed <= set(totals.columns):
        raise ParameterError(f"region totals need columns {sorted(needed)}")
    frame = totals.set_index("area_code")[["jobs_jump_off", "jobs_baseline"]].astype(float)
    if focus_region not in frame.index:
        raise UnknownCodeError("region", focus_region, sorted(frame.index))
    variants = {"baseline": 0.0, **{str(k): float(v) for k, v in additional_jobs.items()}}
    outside = [a for a in frame.index if not str(a).startswith(london_prefix)]
    focus_in_london = focus_region.startswith(london_prefix)
    summary_rows = []
    ranks = {}
    jump_off_jobs = {str(k): float(v) for k, v in frame["jobs_jump_off"].items()}
    own_start = jump_off_jobs[focus_region]
    # Whole columns as arrays, the focus region and the regions outside London by position, found once for every
    # variant (the same numbers as the Series operations they stand for: CAGR works on arrays, a sum skipping
    # NaN is the sum with NaN as 0, the fastest is the first largest with NaN as -inf, as idxmax has it).
    start = frame["jobs_jump_off"].to_numpy(dtype=float)
    baseline = frame["jobs_baseline"].to_numpy(dtype=float)
    f = int(frame.index.get_indexer(pd.Index([focus_region]))[0])
    start_total = frame["jobs_jump_off"].sum()
    outside_at = frame.index.get_indexer(pd.Index(outside))
    others = [a for a in outside if a != focus_region]
    others_at = frame.index.get_indexer(pd.Index(others))
    for variant, extra in variants.items():
        target = baseline.copy()
        target[f] += extra
        values = np.asarray(compound_annual_growth_rate(start, target, horizon), dtype=float)
        growth = pd.Series(values, index=frame.index, dtype=float)
        rank = growth.rank(ascending=False, method="min")
        ranks[variant] = rank
        national = float(
            compound_annual_growth_rate(start_total, np.where(np.isnan(target), 0.0, target).sum(), horizon)
        )
        own = float(values[f])
        rivals = values[others_at]
        fastest = None
        best = np.nan
        if (~np.isnan(rivals)).any() and not focus_in_london:
            first = int(np.where(np.isnan(rivals), -np.inf, rivals).argmax())
            fastest, best = str(others[first]), float(rivals[first])
        needed_jobs = (
            max(
                0.0,
                own_start * (1 + best) ** horizon - float(target[f]),
            )
            if fastest is not None
            else np.nan
        )
        outside_rank = pd.Series(values[outside_at], index=outside).rank(ascending=False, method="min")
        summary_rows.append(
            {
                "variant": variant,
                "region": focus_region,
                "jump_off_year": jump_off_year,
                "target_year": jump_off_year + horizon,
                "jobs_jump_off": own_start,
                "jobs_target": float(target[f]),
                "additional_jobs": extra,
                "growth_cagr": own,
                "rank": int(rank.iloc[f]),
                "regions": int((~np.isnan(values)).sum()),
                "national_growth_cagr": national,
                "above_national_average": bool(own > national),
                "rank_outside_london": (
                    int(outside_rank.to_numpy()[outside.index(focus_region)]) if not focus_in_london else None
                ),
                "regions_outside_london": len(outside),
                "fastest_outside_london": fastest,
                "fastest_outside_london_growth_cagr": best,
                "fastest_outside_london_now": bool(fastest is not None and own >= best),
                "extra_growth_needed_pp": max(0.0, (best - own) * 100) if fastest is not None else np.nan,
                "extra_jobs_needed": needed_jobs,
            }
        )
    regions = frame.reset_index()
    added: dict[str, object] = {
        "baseline_growth_cagr": compound_annual_growth_rate(regions["jobs_jump_off"], regions["jobs_baseline"], horizon)
    }
    for variant, rank in ranks.items():
        added[f"rank_{variant}"] = rank.reindex(regions["area_code"]).astype(int).to_numpy()
    added["outside_london"] = regions["area_code"].isin(outside)
    regions = with_columns(regions, added).sort_values("rank_baseline").reset_index(drop=True)
    return pd.DataFrame(summary_rows)[REGION_SUMMARY_COLUMNS], regions
