"""The US Cluster Mapping portal's region-cluster measures, computed the way its processing code computes them.

Cluster employment, the location quotient on traded employment, the region's rank and percentile among
regions of the same type, and the strong-cluster flags, under the portal's own column meanings, so that a
table can be put next to the portal's (clustermapping.us).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .._exceptions import ParameterError
from .location_quotient import location_quotient
from .strength import cluster_mapping_strength

__all__ = ["PORTAL_COLUMNS", "cluster_mapping_portal"]

#: Output columns and what each one is on the portal (its field names in brackets).
PORTAL_COLUMNS = {
    "cmp_employment": "cluster employment (emp_tl)",
    "cmp_establishments": "cluster establishments (est_tl)",
    "cmp_region_share": "cluster's share of the region's traded employment (region_emp_per_tf)",
    "cmp_national_share": "region's share of the cluster's national employment (cluster_emp_per_tf)",
    "cmp_lq": "location quotient on traded employment (lq_tf, 'Specialization')",
    "cmp_lq_rank": "rank of the LQ among regions of the same type, 1 = highest (lq_tf_rank_i)",
    "cmp_lq_percentile": "percentile rank of the LQ, small = top (lq_tf_per_rank_i)",
    "cmp_employment_rank": "rank of cluster employment among regions of the same type, 1 = largest (emp_tl_rank_i)",
    "cmp_strong": "strong cluster (strong_b)",
    "cmp_strong10": "strong cluster, top-decile variant (strong10_b)",
}


def _portal_rank(values: pd.Series, groups: pd.Series, order: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Rank (1 = largest) and the portal's percentile rank of *values* within *groups*; NaN where 0 or missing."""
    frame = pd.DataFrame({"value": values, "group": groups, "order": order})
    counted = frame["value"].where(frame["value"] > 0)
    frame = frame.assign(value=counted)
    # Sorted descending, ties in area-code order (the portal's sort is stable over its input order).
    ranked = frame.sort_values(["group", "value", "order"], ascending=[True, False, True], na_position="last")
    position = ranked.groupby("group", sort=False).cumcount()
    rank = (position + 1).where(ranked["value"].notna())
    present = ranked.groupby("group", sort=False)["value"].transform("count")
    # round((100 / n) * (i + 0.5)) with i the 0-based position among the n regions with employment.
    percentile = np.floor(100.0 / present * (position + 0.5) + 0.5).where(ranked["value"].notna())
    return rank.reindex(frame.index), percentile.reindex(frame.index)


def cluster_mapping_portal(
    panel: pd.DataFrame,
    *,
    region_type: str | pd.Series = "msa",
    min_establishments: float = 0.0,
    employment_low: str | None = None,
) -> pd.DataFrame:
    r"""The portal's employment, specialisation, ranks and strong-cluster flags for every region and traded cluster.

    Parameters
    ----------
    panel
        One row per region and traded cluster: ``area_code, unit_code, employment, establishments,
        traded_total`` (the region's employment in all traded industries). Every region of the nation
        (all areas of one type, e.g. every metropolitan and micropolitan area) must be present.
    region_type
        The portal compares a region with regions of the same type (states, economic areas, metro and micro
        areas, counties): one label for all rows or a column of labels.
    min_establishments
        For ranks and strong-cluster flags, a region has the cluster only with at least this many
        establishments in it (default 0: any employment). With expected values of rebuilt withheld cells,
        0.5 counts a region when it more likely than not has an establishment of the cluster.
    employment_low
        Column of the lowest cluster employment the data allow (rebuilt withheld cells may hold none of the jobs
        their parent hides). When given, the strong-cluster flags' LQ tests are passed only by the LQ at that
        employment (:func:`~clusterplan.measures.strength.cluster_mapping_strength` with ``lq_bound``), so
        rebuilt cells alone never make a cluster strong; LQs, ranks and percentiles stay the point values.

    Returns
    -------
    pandas.DataFrame
        The panel plus the columns of :data:`PORTAL_COLUMNS`, same row order.

    Raises
    ------
    ParameterError
        Missing columns.

    Notes
    -----
    With :math:`e_{ir}` the employment of traded cluster *i* in region *r*, :math:`T_r` the region's traded
    employment and :math:`E_i = \sum_r e_{ir}`, :math:`T = \sum_r T_r` the national sums,

    .. math::

        LQ_{ir} = \frac{e_{ir} / T_r}{E_i / T}

    (``lq_tf`` in ``cluster_calcs_mapper.js``: the cluster's share of the region's traded employment over its
    share of the nation's). Ranks sort the regions of one type by the measure, descending, counting only
    regions with employment in the cluster; the percentile rank of the *k*-th of *n* is
    :math:`\operatorname{round}(100 (k - 0.5) / n)`, so 1 is the top (``ranker.js``). The strong-cluster
    flags are :func:`~clusterplan.measures.strength.cluster_mapping_strength` with the traded LQ
    (``cluster_calcs_reducer.js``): LQ in the top quartile (``strong10``: decile) of regions of the same type
    with employment in the cluster, LQ at least 1, employment and establishments above the bottom quartile.

    The portal's national totals are the United States'; a benchmark made of metropolitan and micropolitan
    areas leaves out rural counties, so LQs differ slightly from the portal's.

    References
    ----------
    US Cluster Mapping Project, data processing code, https://github.com/clustermapping/cmp
    (``data/processing/cluster_calcs_mapper.js``, ``cluster_calcs_reducer.js``, ``ranker.js``).
    Delgado, M., Porter, M. E. and Stern, S. (2016). Defining clusters of related industries. *Journal of
    Economic Geography* 16(1), 1-38.

    Examples
    --------
    >>> panel = pd.DataFrame({
    ...     "area_code": list("ABCD"), "unit_code": "auto",
    ...     "employment": [900, 100, 0, 50], "establishments": [30, 8, 0, 4],
    ...     "traded_total": [3_000, 5_000, 1_000, 1_000]})
    >>> out = cluster_mapping_portal(panel)
    >>> out["cmp_lq"].round(3).tolist(), out["cmp_lq_rank"].tolist(), out["cmp_lq_percentile"].tolist()
    ([2.857, 0.19, 0.0, 0.476], [1.0, 3.0, nan, 2.0], [17.0, 83.0, nan, 50.0])
    """
    needed = ["area_code", "unit_code", "employment", "establishments", "traded_total"]
    absent = [c for c in needed if c not in panel.columns]
    if absent:
        raise ParameterError(
            f"cluster_mapping_portal needs panel column(s) {', '.join(absent)}; "
            f"got {', '.join(map(str, panel.columns))}"
        )
    out = panel.copy()
    employment = out["employment"].astype(float)
    traded = out["traded_total"].astype(float)
    types = region_type if isinstance(region_type, pd.Series) else pd.Series(region_type, index=out.index)
    group = types.astype(str) + "/" + out["unit_code"].astype(str)
    national = employment.groupby(group).transform("sum")
    areas = pd.DataFrame({"type": types, "area": out["area_code"], "traded": traded})
    national_traded = types.map(areas.drop_duplicates(["type", "area"]).groupby("type")["traded"].sum())
    with np.errstate(divide="ignore", invalid="ignore"):
        region_share = employment / traded.where(traded > 0)
        national_share = employment / national.where(national > 0)
    lq = pd.Series(
        location_quotient(employment, traded.where(traded > 0), national, national_traded.where(national_traded > 0)),
        index=out.index,
    )
    out["cmp_employment"] = employment
    out["cmp_establishments"] = out["establishments"].astype(float)
    out["cmp_region_share"] = region_share
    out["cmp_national_share"] = national_share
    out["cmp_lq"] = lq
    order = out["area_code"].astype(str)
    present = (
        employment.where(out["cmp_establishments"] >= min_establishments, 0.0) if min_establishments else employment
    )
    out["cmp_lq_rank"], out["cmp_lq_percentile"] = _portal_rank(out["cmp_lq"].where(present > 0), group, order)
    out["cmp_employment_rank"], _ = _portal_rank(present, group, order)
    frame = pd.DataFrame(
        {
            "area_code": out["area_code"],
            "unit_code": group,
            "employment": present,
            "establishments": out["cmp_establishments"],
            "lq": out["cmp_lq"].fillna(0.0),
        }
    )
    if employment_low is not None:
        with np.errstate(divide="ignore", invalid="ignore"):
            ratio = (out[employment_low].astype(float) / employment).clip(upper=1.0)
        frame["lq_floor"] = (frame["lq"] * ratio).where(employment > 0)
    for rule in ("strong", "strong10"):
        verdict = cluster_mapping_strength(
            frame,
            rule,
            require_establishments=True,
            lq_bound=None if employment_low is None else "lq_floor",
            lq_bound_label="with employment_low",
        )
        out[f"cmp_{rule}"] = verdict[rule].to_numpy(dtype=bool)
    return out
