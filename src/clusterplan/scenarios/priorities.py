r"""Cluster priorities: a weighted scorecard, its sensitivity to the weights, and the plan's chart.

Each cluster of the region is scored on the criteria of :data:`CRITERIA`:

=========================  =====================================================================
``comparative_advantage``  location quotient against the benchmark
``cluster_strength``       US Cluster Mapping strong cluster (1) plus Cluster Observatory stars (0-3)
``scale``                  share of the region's employment
``growth_potential``       additional jobs of the central scenario (leader method: midpoint of
                           low and high) as % of the baseline jobs at the target year
``productivity``           GVA per job (ONS regional GVA apportioned to the cluster)
``pay``                    compensation per job: the IO table's compensation of employees per
                           BRES job of each industry (national rates), weighted by the region's
                           employment in the cluster's industries
``supply_chain``           Type I employment multiplier of the cluster in the regional IO model
``feasibility``            relatedness density of the region to the cluster
=========================  =====================================================================

Every criterion is rescaled across the region's clusters to 0-1 (min-max:
:math:`(x - \min) / (\max - \min)`; 0.5 for all when they are equal), so the
weights compare like with like. The score is the weighted mean of the rescaled
criteria over those available for the cluster (a missing value does not count
as zero: the weights of the available criteria are renormalised, and
``missing_criteria`` names the rest). Rank 1 is the highest score.

**Sensitivity.** :func:`weight_sensitivity` redraws the weights from a
Dirichlet distribution centred on them, :math:`w \sim \text{Dir}(c \, w_0)`
with concentration :math:`c` (larger: closer to :math:`w_0`), recomputes the
ranking for every draw and reports how often each cluster keeps its rank and
stays in the top *n*, and the range of its rank.

References
----------
OECD and JRC (2008). *Handbook on Constructing Composite Indicators:
Methodology and User Guide*, sections 5 (normalisation), 6 (weighting) and 7
(uncertainty and sensitivity analysis).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from .._exceptions import ParameterError, UnknownCodeError
from .._frames import with_columns

__all__ = [
    "CRITERIA",
    "CRITERION_DESCRIPTIONS",
    "cluster_pay",
    "normalise_criteria",
    "pay_per_job_rates",
    "priced_codes",
    "priority_scores",
    "weight_sensitivity",
]

#: The scorecard criteria, in report order.
CRITERIA = (
    "comparative_advantage",
    "cluster_strength",
    "scale",
    "growth_potential",
    "productivity",
    "pay",
    "supply_chain",
    "feasibility",
)
#: What each criterion measures (with its unit).
CRITERION_DESCRIPTIONS = {
    "comparative_advantage": "location quotient of employment against the benchmark",
    "cluster_strength": "US Cluster Mapping strong cluster (1) plus European Cluster Observatory stars (0-3)",
    "scale": "share of the region's employment (%)",
    "growth_potential": "additional jobs of the central scenario (previous method: midpoint of low and high), % of "
    "baseline jobs",
    "productivity": "GVA per job (£)",
    "pay": "compensation of employees per job (£; national rates of the cluster's industries, IOAT 2019)",
    "supply_chain": "Type I employment multiplier in the regional input-output model",
    "feasibility": "relatedness density of the region to the cluster",
}


def normalise_criteria(criteria: pd.DataFrame, columns: Sequence[str]) -> pd.DataFrame:
    """Min-max rescaling of each column to 0-1 across rows (0.5 when all values are equal; NaN stays NaN).

    Examples
    --------
    >>> import pandas as pd
    >>> normalise_criteria(pd.DataFrame({"a": [1.0, 3.0, 2.0], "b": [5.0, 5.0, None]}), ["a", "b"]).values.tolist()
    [[0.0, 0.5], [1.0, 0.5], [0.5, nan]]
    """
    rescaled: dict[str, pd.Series] = {}
    for column in columns:
        values = criteria[column].astype(float)
        low, high = values.min(), values.max()
        if not np.isfinite(low) or high == low:
            rescaled[column] = values.where(values.isna(), 0.5)
        else:
            rescaled[column] = (values - low) / (high - low)
    return with_columns(pd.DataFrame(index=criteria.index), rescaled)


def _weights(weights: Mapping[str, float], available: Sequence[str]) -> dict[str, float]:
    unknown = [k for k in weights if k not in CRITERIA]
    if unknown:
        raise UnknownCodeError("priority criterion", unknown[0], list(CRITERIA))
    chosen = {k: float(weights[k]) for k in available if float(weights.get(k, 0.0)) > 0}
    total = sum(chosen.values())
    if total <= 0:
        raise ParameterError(
            "no criterion with a positive weight has data",
            hint=f"weights {dict(weights)}; criteria with data: {', '.join(available) or 'none'}",
        )
    return {k: v / total for k, v in chosen.items()}


def _scores(normalised: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """Weighted mean over available criteria: [cluster, criterion] x [draw, criterion] -> [cluster, draw]."""
    present = np.isfinite(normalised)
    values = np.where(present, normalised, 0.0)
    with np.errstate(divide="ignore", invalid="ignore"):
        return (values @ weights.T) / (present.astype(float) @ weights.T)


def _ranks(scores: np.ndarray) -> np.ndarray:
    """Rank 1 = highest score, per column; NaN scores last; ties by row order."""
    keyed = np.where(np.isfinite(scores), -scores, np.inf)
    order = np.argsort(keyed, axis=0, kind="stable")
    ranks = np.empty_like(order)
    rows = np.arange(scores.shape[0])[:, None]
    np.put_along_axis(ranks, order, np.broadcast_to(rows, order.shape), axis=0)
    return ranks + 1


def priority_scores(criteria: pd.DataFrame, weights: Mapping[str, float]) -> pd.DataFrame:
    """Score and rank clusters on the weighted, rescaled criteria.

    Parameters
    ----------
    criteria
        One row per cluster; columns named after :data:`CRITERIA` hold the raw
        values (any subset; columns that are entirely missing are left out).
    weights
        Weight per criterion (any non-negative numbers; normalised over the
        criteria with data).

    Returns
    -------
    pandas.DataFrame
        *criteria* plus ``<criterion>_normalised`` for each criterion used,
        ``score`` (0-1), ``rank`` (1 = best) and ``missing_criteria``; sorted
        by rank. ``attrs["weights"]`` holds the normalised weights used.

    Examples
    --------
    >>> import pandas as pd
    >>> c = pd.DataFrame({"cluster": ["a", "b", "c"], "comparative_advantage": [2.0, 1.0, 0.5],
    ...                   "scale": [1.0, 4.0, 2.0]})
    >>> out = priority_scores(c, {"comparative_advantage": 3, "scale": 1})
    >>> out[["cluster", "score", "rank"]].round(3).values.tolist()
    [['a', 0.75, 1], ['b', 0.5, 2], ['c', 0.083, 3]]
    """
    available = [c for c in CRITERIA if c in criteria.columns and criteria[c].notna().any()]
    used = _weights(weights, available)
    names = list(used)
    normalised = normalise_criteria(criteria, names)
    w = np.array([used[n] for n in names])[None, :]
    score = _scores(normalised[names].to_numpy(dtype=float), w)[:, 0]
    added: dict[str, object] = {f"{name}_normalised": normalised[name].to_numpy() for name in names}
    added["score"] = score
    added["rank"] = _ranks(score[:, None])[:, 0]
    finite = np.isfinite(normalised[names].to_numpy(dtype=float)).tolist()  # whole rows, not a cell at a time
    added["missing_criteria"] = [";".join(n for n, ok in zip(names, row, strict=True) if not ok) for row in finite]
    out = with_columns(criteria, added).sort_values("rank").reset_index(drop=True)
    out.attrs["weights"] = used
    return out


def weight_sensitivity(
    criteria: pd.DataFrame,
    weights: Mapping[str, float],
    *,
    draws: int = 1000,
    concentration: float = 50.0,
    seed: int = 20300102,
    top_n: int = 3,
    key: str = "cluster_id",
    scored: pd.DataFrame | None = None,
) -> pd.DataFrame:
    r"""How stable the ranking is when the weights vary (Dirichlet-perturbed weights).

    Parameters
    ----------
    criteria, weights
        As for :func:`priority_scores`.
    draws
        Weight vectors drawn.
    concentration
        :math:`c` in :math:`w \sim \text{Dir}(c \, w_0)`: the draws' spread
        around the weights :math:`w_0` (normalised); each weight's standard
        deviation is :math:`\sqrt{w_0 (1 - w_0) / (c + 1)}`.
    seed
        Random seed (reproducible draws).
    top_n
        Size of the top group whose membership is counted.
    key
        Column identifying the clusters.
    scored
        :func:`priority_scores` of *criteria* and *weights*, when the caller has it already (else computed here).

    Returns
    -------
    pandas.DataFrame
        One row per cluster (in base-rank order): ``<key>, rank`` (with the
        base weights), ``rank_kept_share`` (share of draws with the same
        rank), ``top_n_share`` (share of draws in the top *n*), ``rank_median``,
        ``rank_p5``, ``rank_p95``, ``rank_best``, ``rank_worst``.

    Examples
    --------
    A cluster that leads on every criterion keeps rank 1 whatever the weights:

    >>> import pandas as pd
    >>> c = pd.DataFrame({"cluster_id": ["a", "b", "c"], "scale": [3.0, 1.0, 2.0],
    ...                   "productivity": [3.0, 2.0, 1.0]})
    >>> out = weight_sensitivity(c, {"scale": 1, "productivity": 1}, draws=200, top_n=1)
    >>> first = out.iloc[0]
    >>> str(first["cluster_id"]), int(first["rank"]), float(first["rank_kept_share"]), float(first["top_n_share"])
    ('a', 1, 1.0, 1.0)
    """
    if draws < 1:
        raise ParameterError(f"draws must be at least 1, not {draws}")
    if not concentration > 0:
        raise ParameterError(f"concentration must be > 0, not {concentration}")
    base = scored if scored is not None else priority_scores(criteria, weights)
    used = base.attrs["weights"]
    names = list(used)
    normalised = base[[f"{n}_normalised" for n in names]].to_numpy(dtype=float)
    w0 = np.array([used[n] for n in names])
    rng = np.random.default_rng(seed)
    sampled = rng.dirichlet(concentration * w0, size=draws) if len(names) > 1 else np.ones((draws, 1))
    ranks = _ranks(_scores(normalised, sampled))  # [cluster, draw]
    base_rank = base["rank"].to_numpy()[:, None]
    return pd.DataFrame(
        {
            key: base[key].to_numpy(),
            "rank": base["rank"].to_numpy(),
            "rank_kept_share": (ranks == base_rank).mean(axis=1),
            "top_n_share": (ranks <= top_n).mean(axis=1),
            "rank_median": np.median(ranks, axis=1),
            "rank_p5": np.percentile(ranks, 5, axis=1),
            "rank_p95": np.percentile(ranks, 95, axis=1),
            "rank_best": ranks.min(axis=1),
            "rank_worst": ranks.max(axis=1),
        }
    )


def pay_per_job_rates(national_jobs: pd.Series, compensation: pd.Series, lookup: pd.DataFrame) -> pd.Series:
    """Pay per job of each IOAT industry (£ a year): its compensation of employees over Great Britain's jobs in
    the SIC codes mapped to it, NaN where it has none; the rates of :func:`cluster_pay` (see there), the same
    for every region and taxonomy.

    Examples
    --------
    >>> lookup = pd.DataFrame({"sic_code": ["29"], "ioat_code": ["C29"]})
    >>> pay_per_job_rates(pd.Series({"29100": 30.0, "29310": 10.0}), pd.Series({"C29": 2.0}), lookup).to_dict()
    {'C29': 50000.0}
    """
    from ..sources.ons_io import sic_to_ioat

    if national_jobs.empty:
        raise ParameterError("no national BRES employment to turn compensation into pay per job")
    jobs = national_jobs.rename("jobs").rename_axis("industry_code").reset_index()
    jobs["ioat_code"] = sic_to_ioat(jobs["industry_code"], lookup).to_numpy()
    per_industry = jobs.groupby("ioat_code")["jobs"].sum()
    compensation = compensation.astype(float)
    with np.errstate(divide="ignore", invalid="ignore"):
        return (compensation.reindex(per_industry.index) * 1e6 / per_industry).where(per_industry > 0)


def priced_codes(mapping: pd.DataFrame, lookup: pd.DataFrame, rates: pd.Series) -> pd.DataFrame:
    """The *mapping*'s rows (``cluster_id, industry_code``) with each code's IOAT industry (``ioat_code``, longest
    prefix in *lookup*) and that industry's pay per job (``rate``, from :func:`pay_per_job_rates`): the part of
    :func:`cluster_pay` that is the same for every region with the same mapping."""
    from ..sources.ons_io import sic_to_ioat

    codes = mapping[["cluster_id", "industry_code"]].copy()
    codes["ioat_code"] = sic_to_ioat(codes["industry_code"], lookup).to_numpy()
    codes["rate"] = codes["ioat_code"].map(rates)
    return codes


def cluster_pay(
    mapping: pd.DataFrame,
    employment: pd.Series,
    *,
    national_jobs: pd.Series | None = None,
    compensation: pd.Series | None = None,
    lookup: pd.DataFrame | None = None,
    rates: pd.Series | None = None,
    priced: pd.DataFrame | None = None,
) -> pd.DataFrame:
    r"""Compensation of employees per job of each cluster, from the IO table and BRES.

    Parameters
    ----------
    mapping
        ``cluster_id, industry_code`` (5-digit SIC 2007).
    employment
        The region's jobs by 5-digit SIC code: the weights of each cluster's
        industries.
    national_jobs
        Great Britain's jobs by 5-digit SIC code in the IO table's year (BRES
        2019, ``bres_itl2_sic5`` summed over its areas).
    compensation
        Compensation of employees (row ``D1`` of the IOAT, £ million) by IOAT
        industry code.
    lookup
        The BRES SIC -> IOAT concordance (``bres_ioat_lookup``); not needed with *priced*.
    rates
        :func:`pay_per_job_rates` of *national_jobs*, *compensation* and
        *lookup*, made once for every region (then those two are not needed).
    priced
        :func:`priced_codes` of *mapping*, *lookup* and *rates*, made once for
        every region with the same mapping (then *lookup* and *rates* are not
        needed).

    Returns
    -------
    pandas.DataFrame
        ``cluster_id, pay_gbp`` (£ per job a year), ``pay_jobs_covered`` (share
        of the cluster's jobs whose industry has a rate).

    Notes
    -----
    For IOAT industry :math:`k`, :math:`pay_k = 10^6 D1_k / E_k` with
    :math:`D1_k` compensation of employees (£ million, UK, IOAT 2019) and
    :math:`E_k` the BRES jobs (employees and working owners, Great Britain,
    2019) of the SIC codes mapped to it; a cluster's pay is
    :math:`\sum_i e_{ir} pay_{k(i)} / \sum_i e_{ir}` over its codes *i*. These
    are national rates, so the criterion reflects the cluster's industry mix,
    not regional wage differences; compensation includes employers' social
    contributions, and Northern Ireland's compensation over GB jobs lifts the
    level by about 2-3% everywhere (the ranking is unaffected).
    """
    if priced is None:
        if lookup is None:
            raise ParameterError("cluster pay needs the BRES-IOAT lookup, or the codes priced with it")
        if rates is None:
            if national_jobs is None or compensation is None:
                raise ParameterError("cluster pay needs the national jobs and compensation, or the rates made of them")
            rates = pay_per_job_rates(national_jobs, compensation, lookup)
        priced = priced_codes(mapping, lookup, rates)
    codes = priced.copy()
    codes["jobs"] = codes["industry_code"].map(employment).fillna(0.0).astype(float)
    codes["paid"] = codes["rate"] * codes["jobs"]
    covered = codes[codes["rate"].notna()]
    totals = codes.groupby("cluster_id", sort=False)["jobs"].sum()
    known = covered.groupby("cluster_id", sort=False)[["jobs", "paid"]].sum().reindex(totals.index)
    with np.errstate(divide="ignore", invalid="ignore"):
        pay = known["paid"] / known["jobs"]
        share = known["jobs"] / totals
    return pd.DataFrame(
        {
            "cluster_id": totals.index,
            "pay_gbp": pay.to_numpy(dtype=float),
            "pay_jobs_covered": share.to_numpy(dtype=float),
        }
    )
