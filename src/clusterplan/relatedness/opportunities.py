r"""Where a region can grow next: feasibility against attractiveness, nascent clusters and related clusters.

For one region, every industry (and every cluster of a taxonomy) is placed on two axes, as in the Growth Lab's
Metroverse and Atlas growth-opportunity views:

* **feasibility**: relatedness density (:func:`~clusterplan.relatedness.complexity.relatedness_density`), the share
  of an industry's related industries the region already has;
* **attractiveness**: a composite of the industry's complexity (PCI), its national GVA per job where the data have
  it (Great Britain) and its national employment growth where there are two years (BRES), see
  :func:`attractiveness_index`.

Both are turned into percentiles across the region's industries (a cluster's values too are placed among the
industries', so clusters rarely tie) and split at the median (50) into four quadrants (:data:`QUADRANTS`). Each
industry's *stage* in the region is ``specialised`` (RCA >= 1), ``nascent`` (present, RCA below 1) or ``absent``
(no jobs). Nascent candidates are nascent industries and clusters in the top-right quadrant; absent ones are listed
apart, as new activities. Non-market activities (public administration, households as employers, extraterritorial
bodies: :data:`NON_MARKET_PREFIXES`) are left out unless asked for, and so are industries too small nationally for
their complexity and growth to mean much (:data:`MIN_NATIONAL_EMPLOYMENT`). Ties are broken by attractiveness, then
feasibility, then code.

Related clusters (:func:`related_clusters`): co-location of clusters (minimum conditional probability on
cluster-level RCA, and Delgado, Porter and Stern's locational correlation of employment, the correlation of cluster
location quotients across areas) and input-output links between clusters
(:func:`~clusterplan.relatedness.input_output.io_relatedness` on the cluster-to-cluster flows of the national
input-output table, :func:`clusterplan.inputoutput.clusters.cluster_flows`), each with a percentile rule for which
pairs count as related. The US Cluster Mapping taxonomies are related on the locational correlation by default (the
portal's statistic), other taxonomies on the minimum conditional probability.

=================================  ================================================================================
:func:`attractiveness_index`        weighted mean percentile of attractiveness components
:func:`quadrant`                    the quadrant of each (feasibility, attractiveness) pair
:func:`industry_opportunities`      one row per industry for a region (from a ComplexityResult)
:func:`cluster_opportunities`       the same aggregated to clusters
:func:`nascent_candidates`          ranked low-presence, high-fit, high-value industries or clusters
:func:`cluster_colocation`          cluster x cluster co-location relatedness
:func:`cluster_io_links`            cluster x cluster input-output relatedness
:func:`related_clusters`            both, long, with significance flags
:func:`taxonomy_related_clusters`   related clusters of a taxonomy from every area's industry measures
:func:`opportunity_tables`          all of the above for a region, from every area's industry measures
=================================  ================================================================================

The pipeline reads the measures from the warehouse and calls these
(:mod:`clusterplan.pipeline.opportunities`: ``clusterplan opportunities`` and ``related-clusters``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from .._exceptions import ParameterError, UnknownCodeError
from ..inputoutput.clusters import OTHER_INDUSTRIES, cluster_flows, cluster_industry_weights
from ..measures.location_quotient import location_quotient
from ..measures.productivity import GREAT_BRITAIN, map_sic_codes, sic_to_gva_rows
from ..taxonomy import Taxonomy, load_taxonomy
from .colocation import _minimum_conditional_probability_array, activity_matrix
from .complexity import ComplexityResult, complexity
from .input_output import io_relatedness
from .locational_correlation import cluster_locational_correlation

__all__ = [
    "ATTRACTIVENESS_METHOD",
    "COLOCATION_MEASURES",
    "DEFAULT_ATTRACTIVENESS_WEIGHTS",
    "MIN_NATIONAL_EMPLOYMENT",
    "NON_MARKET_PREFIXES",
    "QUADRANTS",
    "RELATED_CLUSTER_COLUMNS",
    "Opportunities",
    "OpportunityBasis",
    "attractiveness_index",
    "cluster_colocation",
    "cluster_density",
    "cluster_io_links",
    "cluster_opportunities",
    "industry_opportunities",
    "nascent_candidates",
    "opportunity_basis",
    "opportunity_tables",
    "quadrant",
    "related_clusters",
    "stage",
    "taxonomy_for_classification",
    "taxonomy_related_clusters",
]

#: Quadrant names by (feasibility above the median?, attractiveness above the median?).
QUADRANTS: dict[tuple[bool, bool], str] = {
    (True, True): "natural next steps",
    (False, True): "strategic bets",
    (True, False): "nearby, lower value",
    (False, False): "distant, lower value",
}

#: Default weights of the attractiveness components; a component missing from the data is left out.
DEFAULT_ATTRACTIVENESS_WEIGHTS: dict[str, float] = {"pci": 1.0, "gva_per_job": 1.0, "national_growth": 1.0}

#: How attractiveness is scored, in words (for reports and ``opportunities.json``).
ATTRACTIVENESS_METHOD = (
    "the weighted mean of the industry's percentile ranks, among the region's industries, on each component: "
    "product complexity (PCI), national GVA per job (Great Britain) and national employment growth per year "
    "(equal weights by default); 0 = least attractive, 100 = most. A cluster is placed among the industries on "
    "its national-employment-weighted mean of each component."
)

#: The attractiveness components in words, for :func:`_attractiveness_method`.
_COMPONENT_WORDS = {
    "pci": "product complexity (PCI)",
    "gva_per_job": "national GVA per job (Great Britain)",
    "national_growth": "national employment growth per year",
}


def _attractiveness_method(components: pd.DataFrame, weights: Mapping[str, float] | None) -> str:
    """:data:`ATTRACTIVENESS_METHOD`, or what was scored when the data lack components (US CBP 2019 has no GVA
    and one year, so no growth: product complexity alone)."""
    chosen = DEFAULT_ATTRACTIVENESS_WEIGHTS if weights is None else weights
    # Product complexity comes from the employment itself, so every dataset has it.
    present = {"pci"} | {c for c in components.columns if components[c].notna().any()}
    used = [c for c in chosen if c in present and chosen[c] > 0]
    if set(used) == set(_COMPONENT_WORDS) or not used:
        return ATTRACTIVENESS_METHOD
    missing = {"gva_per_job": "GVA per job", "national_growth": "employment growth (one year of data)"}
    left_out = [missing[c] for c in chosen if c not in used and c in missing]
    return (
        "the weighted mean of the industry's percentile ranks, among the region's industries, on "
        + " and ".join(_COMPONENT_WORDS.get(c, c) for c in used)
        + (f" (the data give no {' and no '.join(left_out)})" if left_out else "")
        + "; 0 = least attractive, 100 = most. A cluster is placed among the industries on its "
        "national-employment-weighted mean of each component."
    )


#: Industry code prefixes of non-market activities: SIC 2007 divisions 84 (public administration and defence;
#: compulsory social security), 97-98 (households as employers and own-use producers), 99 (extraterritorial
#: organisations); NAICS 92 (public administration) and 814 (private households). No region "grows into" them.
NON_MARKET_PREFIXES: dict[str, tuple[str, ...]] = {
    "sic2007": ("84", "97", "98", "99"),
    "naics2017": ("92", "814"),
}

#: Industries with fewer jobs than this across all areas are not candidates: their complexity and growth rest on a
#: handful of workplaces (e.g. GB coke ovens, a few hundred jobs in one or two areas).
MIN_NATIONAL_EMPLOYMENT = 1000.0

#: An industry's stage in a region, by its RCA and jobs.
STAGES = ("specialised", "nascent", "absent")

#: Columns of :func:`related_clusters`.
RELATED_CLUSTER_COLUMNS = [
    "cluster_a",
    "cluster_b",
    "cluster_a_name",
    "cluster_b_name",
    "colocation",
    "colocation_correlation",
    "io_link",
    "colocation_significant",
    "io_link_significant",
    "related",
]

#: Co-location measures of :func:`related_clusters`, and the column of each.
COLOCATION_MEASURES: dict[str, str] = {
    "minimum_conditional_probability": "colocation",
    "locational_correlation": "colocation_correlation",
}

_MEDIAN = 50.0


# ---------------------------------------------------------------------------------------------------------------------
# Scores
# ---------------------------------------------------------------------------------------------------------------------


def _percentile(values: pd.Series) -> pd.Series:
    """Percentile rank in (0, 100] among the values themselves (average rank for ties, which are as
    :func:`_percentile_among` finds them); NaN stays NaN."""
    return _percentile_among(values, values)


#: Relative difference under which a value and a reference value tie (:func:`_percentile_among`).
_TIE = 1e-12


def _percentile_among(values: pd.Series, reference: pd.Series) -> pd.Series:
    """Mid-rank percentile (0-100] of each value among *reference* values (ties share the average rank).

    A value within a relative :data:`_TIE` of a reference value ties with it: a one-industry cluster's
    national-weighted mean, :math:`(v E) / E`, may differ from the industry's own :math:`v` in the last bit, and
    which way it falls depends on how the platform's BLAS summed :math:`v`; without the tolerance that moves the
    cluster half a rank from one machine to another.
    """
    ref = np.sort(reference.dropna().to_numpy(dtype=float))
    if not len(ref):
        return pd.Series(np.nan, index=values.index)
    v = values.to_numpy(dtype=float)
    # An infinite value ties with the reference's equal infinities only (its relative tolerance would be infinite).
    tolerance = np.where(np.isfinite(v), np.abs(v) * _TIE, 0.0)
    below = np.searchsorted(ref, v - tolerance, side="left")
    equal = np.searchsorted(ref, v + tolerance, side="right") - below
    pct = (below + (equal + 1) / 2.0) / len(ref) * 100.0
    return pd.Series(np.where(np.isnan(v), np.nan, np.minimum(pct, 100.0)), index=values.index)


def stage(rca: pd.Series) -> pd.Series:
    """An industry's stage in a region: ``specialised`` (RCA >= 1), ``nascent`` (0 < RCA < 1) or ``absent``
    (RCA 0: no jobs in the region).

    Examples
    --------
    >>> stage(pd.Series([1.4, 0.3, 0.0])).tolist()
    ['specialised', 'nascent', 'absent']
    """
    values = rca.to_numpy(dtype=float)
    out = np.where(values >= 1.0, "specialised", np.where(values > 0, "nascent", "absent"))
    labels: list[str | None] = [None if np.isnan(v) else str(o) for v, o in zip(values, out, strict=True)]
    return pd.Series(labels, index=rca.index, name="stage")


def attractiveness_index(
    components: pd.DataFrame,
    weights: Mapping[str, float] | None = None,
    *,
    reference: pd.DataFrame | None = None,
) -> pd.Series:
    r"""Composite attractiveness: the weighted mean of each component's percentile rank (0-100).

    Parameters
    ----------
    components
        One row per industry (or cluster), one column per component where higher is more attractive (``pci``,
        ``gva_per_job``, ``national_growth``, ``outlook_gain`` ...).
    weights
        Weight of each component (default :data:`DEFAULT_ATTRACTIVENESS_WEIGHTS`); components not in *components*
        or entirely missing are left out, and a row missing a component is scored on the others.
    reference
        Rows to rank against (default *components* itself): clusters are placed among the industries.

    Returns
    -------
    pandas.Series
        ``attractiveness`` in [0, 100]; NaN where a row has no component.

    Notes
    -----
    .. math::

        A_p = \frac{\sum_k w_k\, \mathrm{pct}_k(p)}{\sum_{k:\ \mathrm{pct}_k(p)\ \text{known}} w_k}

    Percentile ranks make components in different units (an index, pounds per job, a growth rate) comparable
    and keep one extreme value from dominating.

    Examples
    --------
    >>> parts = pd.DataFrame({"pci": [1.0, 2.0, 3.0, 4.0], "gva_per_job": [40e3, 30e3, None, 90e3]})
    >>> attractiveness_index(parts).round(2).tolist()
    [45.83, 41.67, 75.0, 100.0]

    The first industry is at the 25th percentile of PCI and the 66.7th of GVA per job (second of three known):
    (25 + 66.67) / 2 = 45.83.
    """
    chosen = dict(DEFAULT_ATTRACTIVENESS_WEIGHTS if weights is None else weights)
    for name, weight in chosen.items():
        if not np.isfinite(weight) or weight < 0:
            raise ParameterError(f"attractiveness weight of {name!r} must be a number >= 0, not {weight!r}")
    used = [c for c in chosen if c in components.columns and components[c].notna().any() and chosen[c] > 0]
    if not used:
        return pd.Series(np.nan, index=components.index, name="attractiveness")
    if reference is None:
        ranks = pd.DataFrame({c: _percentile(components[c].astype(float)) for c in used})
    else:
        ranks = pd.DataFrame(
            {c: _percentile_among(components[c].astype(float), reference[c].astype(float)) for c in used}
        )
    w = np.array([chosen[c] for c in used])
    known = ranks.notna().to_numpy()
    weighted = np.nansum(ranks.to_numpy() * w, axis=1)
    total = (known * w).sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        score = np.where(total > 0, weighted / total, np.nan)
    return pd.Series(score, index=components.index, name="attractiveness")


def quadrant(feasibility: pd.Series, attractiveness: pd.Series, *, split: float = _MEDIAN) -> pd.Series:
    """The quadrant of each item from its feasibility and attractiveness percentiles (split at *split*).

    An item exactly at the split counts as above it. NaN on either axis gives no quadrant.

    Examples
    --------
    >>> quadrant(pd.Series([80.0, 20.0, 60.0, 10.0]), pd.Series([90.0, 70.0, 30.0, None])).tolist()
    ['natural next steps', 'strategic bets', 'nearby, lower value', nan]
    """
    both = pd.concat([feasibility.rename("f"), attractiveness.rename("a")], axis=1)
    labels = [
        QUADRANTS[(bool(f >= split), bool(a >= split))] if pd.notna(f) and pd.notna(a) else np.nan
        for f, a in zip(both["f"], both["a"], strict=True)
    ]
    return pd.Series(labels, index=both.index, name="quadrant", dtype=object)


def _finish(
    table: pd.DataFrame, weights: Mapping[str, float] | None, reference: pd.DataFrame | None = None
) -> pd.DataFrame:
    """Add percentiles, attractiveness, quadrant, score, stage and candidate flags to a table with density etc.

    With *reference* (the industries' table), feasibility and attractiveness place each row among its rows."""
    if reference is None:
        table["feasibility"] = _percentile(table["density"])
    else:
        table["feasibility"] = _percentile_among(table["density"], reference["density"])
    table["attractiveness"] = attractiveness_index(table, weights, reference=reference)
    table["quadrant"] = quadrant(table["feasibility"], table["attractiveness"])
    table["opportunity_score"] = (table["feasibility"] + table["attractiveness"]) / 2.0
    table["stage"] = stage(table["rca"])
    top_right = (table["feasibility"] >= _MEDIAN) & (table["attractiveness"] >= _MEDIAN)
    eligible = table.get("eligible", True)
    table["nascent_candidate"] = top_right & (table["stage"] == "nascent") & eligible
    table["absent_candidate"] = top_right & (table["stage"] == "absent") & eligible
    return table


#: Sort order of opportunity tables: best score first; ties by attractiveness, then feasibility, then the key.
def _best_first(table: pd.DataFrame, key: str) -> pd.DataFrame:
    return table.sort_values(
        ["opportunity_score", "attractiveness", "feasibility", key],
        ascending=[False, False, False, True],
        ignore_index=True,
    )


# ---------------------------------------------------------------------------------------------------------------------
# Industries and clusters of one region
# ---------------------------------------------------------------------------------------------------------------------


def industry_opportunities(
    result: ComplexityResult,
    region: str,
    *,
    components: pd.DataFrame | None = None,
    weights: Mapping[str, float] | None = None,
    industries: Sequence[str] | None = None,
) -> pd.DataFrame:
    """Every industry of one region placed by feasibility and attractiveness.

    Parameters
    ----------
    result
        :func:`~clusterplan.relatedness.complexity.complexity` of all areas (the region among them).
    region
        The region's area code, as in *result*.
    components
        Extra attractiveness components by industry code (index), e.g. ``gva_per_job`` and
        ``national_growth`` columns; PCI and outlook gain come from *result*.
    weights
        Component weights for :func:`attractiveness_index` (default :data:`DEFAULT_ATTRACTIVENESS_WEIGHTS`).
    industries
        Rank only these industries (e.g. market activities); default all. Density and PCI still come from
        every industry of *result*.

    Returns
    -------
    pandas.DataFrame
        One row per industry: ``industry_code, rca, present, density, pci, outlook_gain``, the components,
        ``feasibility`` and ``attractiveness`` (percentiles 0-100), ``quadrant``, ``opportunity_score`` (their
        mean), ``nascent_candidate`` (RCA < 1 and both percentiles at or above 50); by score, best first.

    Raises
    ------
    UnknownCodeError
        *region* is not an area of *result*.
    """
    if region not in result.rca.index:
        raise UnknownCodeError("area", region, [str(a) for a in result.rca.index])
    industry = result.rca.columns
    table = pd.DataFrame(
        {
            "industry_code": industry,
            "rca": result.rca.loc[region].to_numpy(),
            "present": result.presence.loc[region].to_numpy().astype(bool),
            "density": result.density_matrix.loc[region].to_numpy(),
            "pci": result.pci.reindex(industry).to_numpy(),
            "outlook_gain": result.outlook_gain_of(region).to_numpy(),
        }
    )
    if industries is not None:
        table = table[table["industry_code"].isin(set(industries))].reset_index(drop=True)
    if components is not None:
        extra = components.drop(columns=[c for c in table.columns if c in components.columns], errors="ignore")
        table = table.join(extra, on="industry_code")
    table = _finish(table, weights)
    return _best_first(table, "industry_code")


def _mapping_matrix(mapping: pd.DataFrame, codes: pd.Index) -> tuple[np.ndarray, list[str]]:
    """Industry x cluster 0/1 matrix (codes of *codes* only; a code may be in several clusters)."""
    clusters = list(dict.fromkeys(mapping["cluster_id"].astype(str)))
    column = {c: k for k, c in enumerate(clusters)}
    row = {str(c): k for k, c in enumerate(codes)}
    indicator = np.zeros((len(codes), len(clusters)))
    for cluster_id, code in zip(mapping["cluster_id"].astype(str), mapping["industry_code"].astype(str), strict=True):
        if code in row:
            indicator[row[code], column[cluster_id]] = 1.0
    return indicator, clusters


def _national_weighted(values: np.ndarray, national: np.ndarray, indicator: np.ndarray) -> np.ndarray:
    """Each cluster's mean of an industry measure weighted by national employment (unknown values left out)."""
    known = np.isfinite(values)
    numerator = np.where(known, values, 0.0) * national
    return (numerator @ indicator) / ((known * national) @ indicator)


def cluster_density(result: ComplexityResult, activity: pd.DataFrame, region: str, mapping: pd.DataFrame) -> pd.Series:
    """The ``density`` column of :func:`cluster_opportunities` alone (same arguments), by cluster: the same numbers,
    without the other columns, the region's industry table and the ranks (what the scenarios' feasibility reads).
    """
    codes = result.rca.columns
    x = activity.reindex(index=result.rca.index, columns=codes).fillna(0.0).to_numpy(dtype=float)
    indicator, clusters = _mapping_matrix(mapping, codes)
    national = x.sum(axis=0)
    row = result.rca.index.get_loc(region)
    with np.errstate(invalid="ignore", divide="ignore"):
        density = _national_weighted(result.density_matrix.to_numpy()[row], national, indicator)
    has_codes = indicator.sum(axis=0).astype(int) > 0
    kept = [c for c, keep in zip(clusters, has_codes, strict=True) if keep]
    return pd.Series(density[has_codes], index=pd.Index(kept, name="cluster_id"), name="density", dtype=float)


def cluster_opportunities(
    result: ComplexityResult,
    activity: pd.DataFrame,
    region: str,
    mapping: pd.DataFrame,
    *,
    components: pd.DataFrame | None = None,
    weights: Mapping[str, float] | None = None,
    reference: pd.DataFrame | None = None,
) -> pd.DataFrame:
    r"""Every cluster of a taxonomy placed by feasibility and attractiveness for one region.

    Parameters
    ----------
    result
        :func:`~clusterplan.relatedness.complexity.complexity` of all areas.
    activity
        The area x industry activity matrix the result was computed from (for cluster RCA and weights).
    region
        The region's area code.
    mapping
        ``cluster_id, industry_code`` (and optionally ``cluster_name``) rows, e.g. ``Taxonomy.mapping(codes)``.
    components
        Attractiveness components by industry: ``gva_per_job`` (averaged with national employment weights) and
        ``employment_base``, national employment in a base year ``components.attrs["years"]`` years earlier,
        which gives each cluster's ``national_growth``.
    weights
        Component weights for :func:`attractiveness_index`.
    reference
        The industries the clusters are placed among (default :func:`industry_opportunities` of *region*).

    Returns
    -------
    pandas.DataFrame
        One row per cluster: ``cluster_id, cluster_name, employment, rca, density, pci, outlook_gain``, the
        components, ``feasibility, attractiveness, quadrant, opportunity_score, nascent_candidate``; best first.

    Notes
    -----
    With national employment :math:`E_i = \sum_r X_{ri}` as weights, a cluster's density, PCI, outlook gain and
    GVA per job are :math:`\sum_{i \in c} E_i v_i / \sum_{i \in c} E_i`, the same weights whatever the region.
    Its RCA is the location quotient of its employment against all areas; its national growth the compound
    annual growth of :math:`\sum_{i \in c} E_i`.
    """
    codes = result.rca.columns
    x = activity.reindex(index=result.rca.index, columns=codes).fillna(0.0).to_numpy(dtype=float)
    indicator, clusters = _mapping_matrix(mapping, codes)
    national = x.sum(axis=0)
    cluster_national = national @ indicator
    regional = x[result.rca.index.get_loc(region)]
    cluster_regional = regional @ indicator
    with np.errstate(invalid="ignore", divide="ignore"):
        rca = location_quotient(cluster_regional, regional.sum(), cluster_national, national.sum())

        def weighted(values: np.ndarray) -> np.ndarray:
            return _national_weighted(values, national, indicator)

        row = result.rca.index.get_loc(region)
        table = pd.DataFrame(
            {
                "cluster_id": clusters,
                "employment": cluster_regional,
                "rca": rca,
                "density": weighted(result.density_matrix.to_numpy()[row]),
                "pci": weighted(result.pci.reindex(codes).to_numpy()),
                "outlook_gain": weighted(result.outlook_gain_of(region).to_numpy()),
                "industry_codes": indicator.sum(axis=0).astype(int),
            }
        )
        if components is not None:
            parts = components.reindex(codes)
            if "gva_per_job" in parts.columns:
                table["gva_per_job"] = weighted(parts["gva_per_job"].to_numpy(dtype=float))
            if "employment_base" in parts.columns and "years" in components.attrs:
                base = parts["employment_base"].fillna(0.0).to_numpy(dtype=float) @ indicator
                years = float(components.attrs["years"])
                table["national_growth"] = np.where(base > 0, (cluster_national / base) ** (1.0 / years) - 1.0, np.nan)
    names = (
        mapping.drop_duplicates("cluster_id").set_index("cluster_id")["cluster_name"].astype(str).to_dict()
        if "cluster_name" in mapping.columns
        else {}
    )
    table.insert(1, "cluster_name", [names.get(c, c) for c in clusters])
    table = table[table["industry_codes"] > 0].reset_index(drop=True)
    if reference is None:
        reference = industry_opportunities(result, region, components=components, weights=weights)
    table = _finish(table, weights, reference=reference)
    return _best_first(table, "cluster_id")


def nascent_candidates(
    table: pd.DataFrame, *, top: int | None = 25, key: str = "industry_code", flag: str = "nascent_candidate"
) -> pd.DataFrame:
    """The nascent-cluster candidates of an opportunities table, ranked.

    Candidates are present but not specialised today (jobs, RCA below 1) and at or above the region's median on
    both feasibility and attractiveness (the "natural next steps" not yet taken); they are ranked by
    ``opportunity_score``, the mean of the two percentiles (ties by attractiveness, feasibility, then *key*).
    ``flag="absent_candidate"`` ranks the absent ones instead.

    Parameters
    ----------
    table
        :func:`industry_opportunities` or :func:`cluster_opportunities` output.
    top
        Keep this many (None: all).
    key
        Last tie-break column (``industry_code`` or ``cluster_id``).
    flag
        ``nascent_candidate`` (default) or ``absent_candidate``.

    Examples
    --------
    >>> t = pd.DataFrame({"industry_code": ["a", "b", "c"], "rca": [0.2, 1.4, 0.7], "feasibility": [90.0, 95, 60],
    ...                   "attractiveness": [70.0, 99, 80], "opportunity_score": [80.0, 97, 70],
    ...                   "nascent_candidate": [True, False, True]})
    >>> nascent_candidates(t)[["rank", "industry_code"]].values.tolist()
    [[1, 'a'], [2, 'c']]
    """
    chosen = table[table[flag].fillna(False).astype(bool)]
    tie_breaks = [c for c in ("opportunity_score", "attractiveness", "feasibility") if c in chosen.columns]
    chosen = chosen.sort_values([*tie_breaks, key], ascending=[False] * len(tie_breaks) + [True], ignore_index=True)
    if top is not None:
        chosen = chosen.head(int(top))
    chosen.insert(0, "rank", np.arange(1, len(chosen) + 1))
    return chosen.reset_index(drop=True)


# ---------------------------------------------------------------------------------------------------------------------
# Related clusters
# ---------------------------------------------------------------------------------------------------------------------


def cluster_colocation(
    activity: pd.DataFrame, mapping: pd.DataFrame, *, threshold: float = 1.0
) -> dict[str, pd.DataFrame]:
    r"""Co-location relatedness between clusters, from cluster employment in every area.

    Parameters
    ----------
    activity
        Area x industry activity matrix (all industries, so that area totals are whole economies).
    mapping
        ``cluster_id, industry_code`` rows; a code in two clusters counts in both.
    threshold
        Cluster location quotient at or above which a cluster counts as present in an area.

    Returns
    -------
    dict
        ``"minimum_conditional_probability"``: cluster x cluster :math:`\varphi_{AB} = C_{AB} / \max(k_A, k_B)`
        on :math:`M_{rA} = [LQ_{rA} \ge 1]` (Hidalgo et al., 2007, with clusters as the activities);
        ``"lq_correlation"``: correlation of the clusters' location quotients across areas, Delgado, Porter and
        Stern's locational correlation of employment
        (:func:`~clusterplan.relatedness.locational_correlation.cluster_locational_correlation`). Zero diagonals.

    Notes
    -----
    :math:`LQ_{rA} = (X_{rA} / X_r) / (X_A / X)` with :math:`X_{rA} = \sum_{i \in A} X_{ri}` and the area and
    national totals over all industries.

    Examples
    --------
    >>> x = pd.DataFrame([[5, 5, 1, 1], [5, 5, 1, 1], [1, 1, 5, 5], [1, 1, 5, 4]],
    ...                  index=["R1", "R2", "R3", "R4"], columns=["a1", "a2", "b1", "b2"])
    >>> mapping = pd.DataFrame({"cluster_id": ["A", "A", "B", "B"], "industry_code": ["a1", "a2", "b1", "b2"]})
    >>> cluster_colocation(x, mapping)["minimum_conditional_probability"].to_numpy().tolist()
    [[0.0, 0.0], [0.0, 0.0]]
    """
    codes = activity.columns
    x = activity.to_numpy(dtype=float)
    indicator, clusters = _mapping_matrix(mapping, codes)
    by_cluster = x @ indicator
    area_total = x.sum(axis=1, keepdims=True)
    cluster_total = by_cluster.sum(axis=0, keepdims=True)
    lq = np.nan_to_num(location_quotient(by_cluster, area_total, cluster_total, x.sum()), nan=0.0)
    phi = _minimum_conditional_probability_array((lq >= threshold).astype(float))
    labels = pd.Index(clusters, name="cluster_id")
    return {
        "minimum_conditional_probability": pd.DataFrame(phi, index=labels, columns=labels.copy()),
        "lq_correlation": cluster_locational_correlation(activity, mapping),
    }


def cluster_io_links(
    flows: pd.DataFrame,
    output: pd.Series,
    mapping: pd.DataFrame,
    employment: pd.Series,
    industry_of: pd.Series,
    *,
    basis: str = "total",
) -> pd.DataFrame:
    r"""Input-output relatedness between clusters, from the national table aggregated to clusters.

    Parameters
    ----------
    flows, output
        Inter-industry flows :math:`Z` and output :math:`x` of the national IO table (``national_model()``).
    mapping
        ``cluster_id, industry_code`` rows (industry codes of the employment classification).
    employment
        National employment by industry code, to share each IO industry out among clusters.
    industry_of
        The IO industry of each industry code (one code each; codes without one are ignored).
    basis
        Share denominators, as for :func:`~clusterplan.relatedness.input_output.io_relatedness`.

    Returns
    -------
    pandas.DataFrame
        Cluster x cluster :math:`IO_{AB}` with a zero diagonal.

    Notes
    -----
    Each IO industry *k* is split among clusters by the share of its employment in each cluster's codes,
    :math:`w_{kA}` (:func:`clusterplan.inputoutput.clusters.cluster_industry_weights`); cluster flows are
    :math:`F = W^\top Z W` and cluster output :math:`W^\top x`, and :math:`IO_{AB}` is the largest of A's input
    share from B, B's from A, A's output share to B and B's to A, as between industries.
    """

    weights = cluster_industry_weights(mapping, employment, industry_of, list(flows.index))
    aggregated = cluster_flows(flows, weights)
    cluster_output = pd.Series(
        weights.reindex(flows.index).fillna(0.0).to_numpy().T @ output.reindex(flows.index).to_numpy(dtype=float),
        index=weights.columns,
    )
    links = io_relatedness(aggregated.rename_axis(index=None, columns=None), cluster_output, basis=basis)
    links = links.drop(index=OTHER_INDUSTRIES, columns=OTHER_INDUSTRIES)
    values = links.to_numpy(copy=True)
    np.fill_diagonal(values, 0.0)
    labels = pd.Index(links.index, name="cluster_id")
    return pd.DataFrame(values, index=labels, columns=labels.copy())


def _significant(values: pd.Series, percentile: float) -> tuple[pd.Series, float]:
    cut = float(np.nanpercentile(values.to_numpy(dtype=float), percentile)) if values.notna().any() else np.nan
    return (values >= cut) & (values > 0), cut


def related_clusters(
    colocation: pd.DataFrame,
    io_link: pd.DataFrame | None = None,
    *,
    colocation_correlation: pd.DataFrame | None = None,
    names: Mapping[str, str] | None = None,
    percentile: float = 90.0,
    measure: str = "minimum_conditional_probability",
) -> pd.DataFrame:
    """Every unordered pair of clusters with its co-location and input-output relatedness, and which are related.

    Parameters
    ----------
    colocation
        Cluster x cluster co-location relatedness (:func:`cluster_colocation`, minimum conditional probability).
    io_link
        Cluster x cluster input-output relatedness (:func:`cluster_io_links`), or None.
    colocation_correlation
        Second co-location measure: the locational correlation of employment
        (:func:`~clusterplan.relatedness.locational_correlation.cluster_locational_correlation`).
    names
        Cluster names by id.
    percentile
        Significance rule: a pair is significant on a measure when its value is above zero and at or above this
        percentile of the measure over all pairs of distinct clusters (90: the top tenth of pairs).
    measure
        Which co-location measure flags pairs (one of :data:`COLOCATION_MEASURES`):
        ``minimum_conditional_probability`` (the ``colocation`` column) or ``locational_correlation`` (the
        ``colocation_correlation`` column, Delgado, Porter and Stern's statistic); the other is reported.

    Returns
    -------
    pandas.DataFrame
        :data:`RELATED_CLUSTER_COLUMNS`: one row per pair (``cluster_a`` before ``cluster_b`` in the matrix
        order), ``related`` when significant on either the chosen co-location measure or the input-output link;
        sorted related first, then by the chosen co-location measure. ``attrs`` holds the measure and cut-offs.

    Examples
    --------
    >>> ids = ["a", "b", "c"]
    >>> co = pd.DataFrame([[0, 0.8, 0.1], [0.8, 0, 0.2], [0.1, 0.2, 0]], index=ids, columns=ids)
    >>> related_clusters(co, percentile=90)[["cluster_a", "cluster_b", "related"]].values.tolist()
    [['a', 'b', True], ['b', 'c', False], ['a', 'c', False]]
    """
    if not 0 <= percentile <= 100:
        raise ParameterError(f"percentile must be between 0 and 100, not {percentile!r}")
    if measure not in COLOCATION_MEASURES:
        raise UnknownCodeError("co-location measure", str(measure), list(COLOCATION_MEASURES))
    if measure == "locational_correlation" and colocation_correlation is None:
        raise ParameterError("measure='locational_correlation' needs the colocation_correlation matrix")
    labels = colocation.index.to_numpy()
    a, b = np.triu_indices(len(labels), k=1)

    def pairs(matrix: pd.DataFrame | None) -> np.ndarray:
        if matrix is None:
            return np.full(len(a), np.nan)
        return matrix.reindex(index=colocation.index, columns=colocation.index).to_numpy(dtype=float)[a, b]

    table = pd.DataFrame(
        {
            "cluster_a": labels[a].astype(str),
            "cluster_b": labels[b].astype(str),
            "colocation": pairs(colocation),
            "colocation_correlation": pairs(colocation_correlation),
            "io_link": pairs(io_link),
        }
    )
    named = dict(names or {})
    table.insert(2, "cluster_a_name", table["cluster_a"].map(lambda c: named.get(c, c)))
    table.insert(3, "cluster_b_name", table["cluster_b"].map(lambda c: named.get(c, c)))
    flagged = COLOCATION_MEASURES[measure]
    table["colocation_significant"], colocation_cut = _significant(table[flagged], percentile)
    if io_link is not None:
        table["io_link_significant"], io_cut = _significant(table["io_link"], percentile)
    else:
        table["io_link_significant"], io_cut = False, np.nan
    table["related"] = table["colocation_significant"] | table["io_link_significant"]
    table = table.sort_values(
        ["related", flagged, "cluster_a", "cluster_b"], ascending=[False, False, True, True], ignore_index=True
    )
    table.attrs["colocation_measure"] = measure
    table.attrs["percentile"] = percentile
    table.attrs["colocation_cutoff"] = colocation_cut
    table.attrs["io_link_cutoff"] = io_cut
    return table[RELATED_CLUSTER_COLUMNS]


# ---------------------------------------------------------------------------------------------------------------------
# For one region, from every area's industry measures
# ---------------------------------------------------------------------------------------------------------------------


@dataclass
class Opportunities:
    """Result of :func:`clusterplan.pipeline.opportunities.region_opportunities`: the tables it writes."""

    region_code: str
    region_name: str
    industries: pd.DataFrame
    clusters: pd.DataFrame | None
    nascent: pd.DataFrame
    parameters: dict[str, Any] = field(default_factory=dict)


def taxonomy_for_classification(name: str | Taxonomy | None, classification: str, default: str) -> Taxonomy:
    """The taxonomy *name* (default *default*), refused clearly when its codes are not of *classification*."""
    tax = name if isinstance(name, Taxonomy) else load_taxonomy(name or default)
    family = "naics" if classification.startswith("naics") else classification
    if not tax.classification.startswith(family):
        raise ParameterError(
            f"taxonomy {tax.name!r} uses {tax.classification} codes, but the data use {classification}",
            hint="choose a taxonomy of the same classification (SIC 2007 for GB areas, NAICS for US metros)",
        )
    return tax


def _gb_gva_per_job(gva_table: pd.DataFrame, codes: Sequence[str]) -> pd.Series:
    """Great Britain GVA per job of each SIC code's finest GVA row (current prices)."""
    national = gva_table[gva_table["area_code"] == GREAT_BRITAIN].set_index("gva_industry_code")["gva_per_job_gbp"]
    mapping = map_sic_codes(codes, sic_to_gva_rows(gva_table["gva_industry_code"].unique(), strict=False))
    return pd.Series(mapping["gva_industry_code"].map(national).to_numpy(dtype=float), index=list(codes))


@dataclass(frozen=True)
class OpportunityBasis:
    """What the opportunities of every region of one set of measures share (:func:`opportunity_basis`): the
    complexity of all areas, their activity matrix and each industry's national components. Read only: made once
    for every region, it is not changed by :func:`opportunity_tables`."""

    result: ComplexityResult
    activity: pd.DataFrame
    #: Attractiveness components by industry before the region's own employment (growth, GVA per job).
    components: pd.DataFrame
    #: Each industry's national employment, in the order of ``activity``'s columns.
    national: pd.Series
    industry_names: pd.Series


def opportunity_basis(
    measures: pd.DataFrame, *, growth_years: int | None = None, gva_table: pd.DataFrame | None = None
) -> OpportunityBasis:
    """The part of :func:`opportunity_tables` that does not depend on the region (its *measures*, *growth_years*
    and *gva_table* as there), computed once for the opportunities of many regions."""
    lower_bound = "employment_low" in measures.columns
    table = measures[["area_code", "industry_code", "employment", *(["employment_low"] if lower_bound else [])]]
    result = complexity(table, presence_value="employment_low" if lower_bound else None)
    activity = activity_matrix(table).loc[result.rca.index, result.rca.columns]
    codes = list(result.rca.columns)
    components = pd.DataFrame(index=pd.Index(codes, name="industry_code"))
    national = activity.sum(axis=0)
    years = growth_years
    if years is not None and "employment_base_year" in measures.columns:
        base = measures.groupby("industry_code")["employment_base_year"].sum(min_count=1)
        components["employment_base"] = base.reindex(codes)
        with np.errstate(invalid="ignore", divide="ignore"):
            growth = (national / components["employment_base"]) ** (1.0 / years) - 1.0
        components["national_growth"] = growth.where(components["employment_base"] > 0)
        components.attrs["years"] = years
    if gva_table is not None:
        components["gva_per_job"] = _gb_gva_per_job(gva_table, codes)
    industry_names = measures.drop_duplicates("industry_code").set_index("industry_code")["industry_name"]
    return OpportunityBasis(result, activity, components, national, industry_names)


def opportunity_tables(
    measures: pd.DataFrame,
    region_code: str,
    tax: Taxonomy,
    *,
    classification: str,
    level: str,
    growth_years: int | None = None,
    gva_table: pd.DataFrame | None = None,
    weights: Mapping[str, float] | None = None,
    top: int | None = 25,
    include_non_market: bool = False,
    min_national_employment: float = MIN_NATIONAL_EMPLOYMENT,
    basis: OpportunityBasis | None = None,
) -> tuple[pd.DataFrame, pd.DataFrame | None, pd.DataFrame, str]:
    """Industries, clusters and nascent candidates of one region from every area's industry measures.

    Parameters
    ----------
    measures
        :func:`clusterplan.pipeline.profile.industry_measures` of every area of the dataset for one year
        (``area_code, industry_code, industry_name, employment`` and, with a growth base year,
        ``employment_base_year``). With an ``employment_low`` column (a lower bound of employment, e.g.
        :func:`clusterplan.pipeline.opportunities.employment_lower_bound`), presence for complexity, density
        and outlook gain is RCA >= 1 on it (``presence_value`` of
        :func:`~clusterplan.relatedness.complexity.complexity`); RCA and stages stay those of ``employment``.
    region_code
        The region, one of the areas.
    tax
        Cluster definitions of the data's classification.
    classification, level
        The data's classification (``sic2007``, ``naics2017``) and industry level (``sic5``, ``naics6``...).
    growth_years
        Years between the growth base year and the analysis year: national growth per year is an
        attractiveness component (None: no growth).
    gva_table
        :func:`clusterplan.pipeline.productivity.gva_per_job` of the year with the Great Britain benchmark rows
        (GB data); its GVA per job is an attractiveness component.
    weights, top, include_non_market, min_national_employment
        As for :func:`clusterplan.pipeline.opportunities.region_opportunities`.
    basis
        :func:`opportunity_basis` of the same *measures*, *growth_years* and *gva_table*, made once for many
        regions (default: made here).

    Returns
    -------
    tuple
        ``(industries, clusters, nascent, attractiveness_method)``: the tables of :class:`Opportunities` (clusters
        None when no industry maps) and what attractiveness scored, in words (the US data give only complexity).
    """
    if basis is None:
        basis = opportunity_basis(measures, growth_years=growth_years, gva_table=gva_table)
    result, activity, national = basis.result, basis.activity, basis.national
    codes = list(result.rca.columns)
    components = basis.components.copy()
    components["employment"] = activity.loc[region_code].to_numpy(dtype=float)
    components["national_employment"] = national.to_numpy(dtype=float)
    non_market = pd.Index(codes).str.startswith(NON_MARKET_PREFIXES.get(classification, ()))
    components["eligible"] = components["national_employment"] >= float(min_national_employment)
    if not include_non_market:
        # Non-market activities are neither ranked nor a reference for the clusters' percentiles.
        components = components[~non_market]
    industries = industry_opportunities(
        result, region_code, components=components, weights=weights, industries=list(components.index)
    )
    industries.insert(1, "industry_name", industries["industry_code"].map(basis.industry_names))
    first = ["industry_code", "industry_name", "employment", "stage", "rca", "national_employment"]
    industries = industries[first + [c for c in industries.columns if c not in first and c != "employment_base"]]

    mapping = tax.mapping(codes, strict=False) if level in ("sic5", "naics6") else None
    clusters = None
    nascent_parts = []
    if mapping is not None and len(mapping):
        clusters = cluster_opportunities(
            result, activity, region_code, mapping, components=components, weights=weights, reference=industries
        )
        nascent_parts.append(nascent_candidates(clusters, top=top, key="cluster_id").assign(kind="cluster"))
    nascent_parts.append(nascent_candidates(industries, top=top, key="industry_code").assign(kind="industry"))
    nascent_parts.append(
        nascent_candidates(industries, top=top, key="industry_code", flag="absent_candidate").assign(
            kind="absent industry"
        )
    )
    nascent = pd.concat(nascent_parts, ignore_index=True)
    first_columns = ["kind", "rank", "cluster_id", "cluster_name", "industry_code", "industry_name"]
    nascent = nascent[
        [c for c in first_columns if c in nascent.columns] + [c for c in nascent.columns if c not in first_columns]
    ]
    return industries, clusters, nascent, _attractiveness_method(components, weights)


def taxonomy_related_clusters(
    measures: pd.DataFrame,
    tax: Taxonomy,
    *,
    dataset: str,
    flows: pd.DataFrame,
    output: pd.Series,
    io_industries: pd.Series,
    io_table: str,
    percentile: float = 90.0,
    basis: str = "total",
    measure: str | None = None,
) -> pd.DataFrame:
    """Related clusters of a taxonomy from every area's industry measures and the matching national IO table.

    Parameters
    ----------
    measures
        :func:`clusterplan.pipeline.profile.industry_measures` of every area of *dataset* for one year.
    tax
        A taxonomy of the data's classification.
    dataset
        Where the measures come from (for messages and ``attrs``).
    flows, output
        Inter-industry flows :math:`Z` and output :math:`x` of the national IO table the data's classification
        is linked through (``sic2007``: the ONS IOAT 2019; NAICS: the BEA detail use table 2007).
    io_industries
        The IO industries of each industry code of *measures* (a tuple per code, as
        :func:`~clusterplan.inputoutput.concordance.sic_io_industries` gives).
    io_table
        Name of the IO table, recorded in ``attrs``.
    percentile, basis, measure
        As for :func:`clusterplan.pipeline.opportunities.find_related_clusters`.

    Returns
    -------
    pandas.DataFrame
        :func:`related_clusters` of the taxonomy's clusters (``attrs`` also names the inputs).

    Raises
    ------
    ParameterError
        None of the taxonomy's codes are among the data's industries.
    """
    activity = activity_matrix(measures[["area_code", "industry_code", "employment"]])
    codes = list(activity.columns)
    mapping = tax.mapping(codes, strict=False)
    if mapping.empty:
        raise ParameterError(
            f"taxonomy {tax.name!r} has no codes among the {len(codes)} industries of {dataset}",
            hint="check that the taxonomy's codes are of the data's classification and level",
        )
    colocation = cluster_colocation(activity, mapping)
    national = activity.sum(axis=0)
    parts = io_industries.reindex(codes)
    single = parts[parts.map(len) == 1].map(lambda t: t[0])
    links = cluster_io_links(flows, output, mapping, national, single, basis=basis)
    names = {str(k): str(v) for k, v in zip(mapping["cluster_id"], mapping["cluster_name"], strict=True)}
    chosen = measure or (
        "locational_correlation" if tax.name.startswith("us_cmp") else "minimum_conditional_probability"
    )
    table = related_clusters(
        colocation["minimum_conditional_probability"],
        links,
        colocation_correlation=colocation["lq_correlation"],
        names=names,
        percentile=percentile,
        measure=chosen,
    )
    table.attrs.update(
        {
            "taxonomy": tax.name,
            "dataset": dataset,
            "year": int(measures["year"].iloc[0]),
            "io_table": io_table,
            "io_basis": basis,
        }
    )
    return table
