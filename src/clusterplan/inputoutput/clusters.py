"""Input-output models aggregated to clusters: supply-chain linkages, main suppliers and customers, gaps.

Clusters are defined on SIC 2007 subclasses (:mod:`clusterplan.taxonomy`);
the input-output table has 105 IOAT industries, most of which span several
subclasses. Each IOAT industry is attributed to clusters in proportion to
employment: the weight of industry *k* in cluster *c* is the share of *k*'s
BRES employment that is in *c*'s SIC codes,

.. math:: w_{kc} = \\frac{\\sum_{s \\in c,\\, s \\to k} E_s}{\\sum_{s \\to k} E_s},

so an industry's inputs and sales are shared out as if every subclass in it had
the industry's average input mix and sales pattern. Employment is the region's
own where the region has some in the industry, else Great Britain's. What no
cluster claims, :math:`1 - w_{k,\\cup}` (the share of *k*'s employment outside
every cluster), goes to the row and column :data:`OTHER_INDUSTRIES`. A SIC code
in two clusters counts in both, so with overlapping clusters the cluster rows
add up to more than the economy.

Cluster-to-cluster flows of intermediate inputs (£ million, suppliers in rows,
buyers in columns) are :math:`F = W^\\top Z W` for the inter-industry flows
:math:`Z` of the national table, or of the regional table
:math:`Z^r = R \\hat{x}^r` (inputs bought inside the region).

Supply-chain gaps: for the region's strong clusters (location quotient at
least 1), the inputs they buy from each supplying industry
(:math:`\\sum_j a_{ij} x^r_j w_{jc}` at national coefficients) split into what
is bought inside the region (:math:`\\sum_j r_{ij} x^r_j w_{jc}`) and what comes
from the rest of the UK. Supplying industries whose regional purchase
coefficient (bought inside / needed) is below a threshold are gaps: inputs the
strong clusters need, that the UK makes, but the region mostly imports, ranked
by the value imported.

References
----------
Feser, E. J. and Bergman, E. M. (2000). National industry cluster templates: a
framework for applied regional cluster analysis. *Regional Studies* 34(1), 1-19.

Miller, R. E. and Blair, P. D. (2009). *Input-Output Analysis*, 2nd ed.,
section 4.3 (aggregation). Cambridge University Press.

Examples
--------
Two industries; cluster ``c`` holds all of industry 1 and half of industry 2:

>>> import pandas as pd
>>> Z = pd.DataFrame([[150.0, 500.0], [200.0, 100.0]], index=["1", "2"], columns=["1", "2"])
>>> W = pd.DataFrame({"c": [1.0, 0.5], OTHER_INDUSTRIES: [0.0, 0.5]}, index=["1", "2"])
>>> cluster_flows(Z, W).values.tolist()
[[525.0, 275.0], [125.0, 25.0]]
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

import numpy as np
import pandas as pd

from .._exceptions import ParameterError, UnknownCodeError
from ..measures.location_quotient import location_quotient
from ..taxonomy import Taxonomy, load_taxonomy
from .bea import bea_model, bea_use_table
from .concordance import naics_bea_industries
from .regional import (
    _national,
    _region_row,
    _resolve_region,
    _sic_table,
    _sic_to_ioat,
    national_view,
    regional_model,
)
from .tables import ReferenceTables
from .us_regional import BEA_YEAR, us_naics_employment, us_national_view, us_regional_model

__all__ = [
    "DEFAULT_TAXONOMY",
    "LINKAGE_COLUMNS",
    "OTHER_INDUSTRIES",
    "PARTNER_COLUMNS",
    "ClusterIndustryShares",
    "ClusterLinkages",
    "cluster_flows",
    "cluster_industry_shares",
    "cluster_industry_weights",
    "cluster_input_sourcing",
    "cluster_linkages",
    "cluster_location_quotients",
    "linkage_table",
    "main_suppliers_and_customers",
    "region_supply_chain_gaps",
    "supply_chain_gaps",
    "taxonomy_national_shares",
    "taxonomy_weights",
    "us_taxonomy_weights",
]

#: Row/column of the linkage matrix for the industries (or parts of industries) in no cluster.
OTHER_INDUSTRIES = "other_industries"

#: Columns of :func:`linkage_table`.
LINKAGE_COLUMNS = [
    "supplier_cluster",
    "buyer_cluster",
    "flow_gbp_m",
    "share_of_buyer_inputs",
    "share_of_supplier_sales",
]

#: Columns of :func:`main_suppliers_and_customers`.
PARTNER_COLUMNS = ["cluster_id", "relation", "rank", "partner_code", "partner_name", "flow_gbp_m", "share"]


# --------------------------------------------------------------------------- weights and flows


@dataclass(frozen=True)
class ClusterIndustryShares:
    """Employment of each input-output industry in each cluster, in any cluster and in all, from one employment
    series (:func:`cluster_industry_shares`): what :func:`cluster_industry_weights` divides."""

    #: Industries x clusters (mapping order): employment of the industry's codes in the cluster.
    by_cluster: pd.DataFrame
    #: Employment of the industry's codes in any cluster.
    union: pd.Series
    #: Employment of all the industry's codes.
    totals: pd.Series


def _clusters_of(mapping: pd.DataFrame) -> list[str]:
    if not {"cluster_id", "industry_code"} <= set(mapping.columns):
        raise ParameterError("the cluster mapping needs the columns cluster_id and industry_code")
    clusters = list(dict.fromkeys(mapping["cluster_id"].astype(str)))
    if OTHER_INDUSTRIES in clusters:
        raise ParameterError(f"{OTHER_INDUSTRIES!r} is reserved and cannot be a cluster id")
    return clusters


def cluster_industry_shares(
    mapping: pd.DataFrame, employment: pd.Series, industry_of: pd.Series, industries: Sequence[str]
) -> ClusterIndustryShares:
    """The employment :func:`cluster_industry_weights` weighs industries with, from one series; parameters as
    there. Made once, it serves as the *fallback_shares* of every region's weights (Great Britain's, say).

    Examples
    --------
    >>> mapping = pd.DataFrame({"cluster_id": ["c"], "industry_code": ["29100"]})
    >>> shares = cluster_industry_shares(mapping, pd.Series({"29100": 30.0, "29310": 10.0}),
    ...                                  pd.Series({"29100": "C29", "29310": "C29"}), ["C29"])
    >>> shares.by_cluster.loc["C29", "c"], shares.union["C29"], shares.totals["C29"]
    (np.float64(30.0), np.float64(30.0), np.float64(40.0))
    """
    clusters = _clusters_of(mapping)
    index = pd.Index([str(i) for i in industries])
    counted = _whole_job_shares(mapping, employment, industry_of, index, clusters)
    if counted is not None:
        return counted
    frame = pd.DataFrame({"code": employment.index.astype(str), "employment": employment.to_numpy(dtype=float)})
    frame["industry"] = frame["code"].map(industry_of.astype(object).to_dict())
    frame = frame.dropna(subset=["industry"])
    totals = frame.groupby("industry")["employment"].sum().reindex(index).fillna(0.0)
    linked = mapping[["cluster_id", "industry_code"]].astype(str).merge(frame, left_on="industry_code", right_on="code")
    by_cluster = (
        linked.groupby(["industry", "cluster_id"])["employment"].sum().unstack("cluster_id")
        if len(linked)
        else pd.DataFrame(index=index)
    )
    by_cluster = by_cluster.reindex(index=index, columns=clusters).fillna(0.0)
    in_any = frame[frame["code"].isin(set(mapping["industry_code"].astype(str)))]
    union = in_any.groupby("industry")["employment"].sum().reindex(index).fillna(0.0)
    return ClusterIndustryShares(by_cluster, union, totals)


def _whole_job_shares(
    mapping: pd.DataFrame, employment: pd.Series, industry_of: pd.Series, index: pd.Index, clusters: list[str]
) -> ClusterIndustryShares | None:
    """:func:`cluster_industry_shares`' sums made with NumPy's bincount rather than a merge and three group-bys
    (about 15 ms of every region's supply-chain effects), when *employment* is whole numbers of jobs whose sums
    floats hold exactly (below 2**52): such sums do not depend on their order, so they are pandas' to the bit.
    None otherwise, and where the shapes are unusual (codes or industries listed twice, no cluster code with
    employment): the caller then groups as before."""
    values = employment.to_numpy(dtype=float)
    if not (np.isfinite(values).all() and (values == np.round(values)).all() and np.abs(values).sum() < 2.0**52):
        return None
    codes = pd.Index(employment.index.astype(str))
    if not (codes.is_unique and index.is_unique) or not clusters:
        return None
    # Python lists, not the Arrow-backed text's element by element iteration.
    lookup = dict(zip(industry_of.index.tolist(), industry_of.astype(object).tolist(), strict=True))
    position = {label: i for i, label in enumerate(index.tolist())}
    # The model's row of each code's industry (-1: no industry, or one the model does not have).
    code_list = codes.tolist()
    rows = np.array([position.get(lookup.get(code), -1) for code in code_list], dtype=np.intp)
    valid = rows >= 0
    n, k = len(index), len(clusters)
    totals = np.bincount(rows[valid], weights=values[valid], minlength=n)
    mapped_codes = mapping["industry_code"].astype(str)
    at = codes.get_indexer(pd.Index(mapped_codes))
    column = pd.Index(clusters).get_indexer(pd.Index(mapping["cluster_id"].astype(str)))
    linked = at >= 0
    linked[linked] = valid[at[linked]]
    if not linked.any():
        return None
    cells = rows[at[linked]] * k + column[linked]
    by_cluster = np.bincount(cells, weights=values[at[linked]], minlength=n * k).reshape(n, k)
    in_mapping = set(mapped_codes.tolist())  # (isin of Arrow-backed text makes an Arrow scalar of each value)
    in_any = valid & np.array([code in in_mapping for code in code_list], dtype=bool)
    union = np.bincount(rows[in_any], weights=values[in_any], minlength=n)
    return ClusterIndustryShares(
        # Laid out as the grouped table was (the array made here, as one block, not copied).
        pd.DataFrame(by_cluster, index=index, columns=pd.Index(clusters, name="cluster_id"), copy=False),
        pd.Series(union, index=index, name="employment"),
        pd.Series(totals, index=index, name="employment"),
    )


def _on_the_same_labels(own: ClusterIndustryShares, fallback: ClusterIndustryShares | None) -> bool:
    """Whether the shares (and the fallback's) are float64 on the same industries and clusters, so that
    :func:`cluster_industry_weights` has nothing to align and can work on their arrays."""
    industries = own.by_cluster.index
    for shares in (own,) if fallback is None else (own, fallback):
        if not (
            shares.by_cluster.index.equals(industries)
            and shares.by_cluster.columns.equals(own.by_cluster.columns)
            and shares.union.index.equals(industries)
            and shares.totals.index.equals(industries)
            and all(dtype == np.float64 for dtype in shares.by_cluster.dtypes)
            and shares.union.dtype == np.float64
            and shares.totals.dtype == np.float64
        ):
            return False
    return True


def _weights_of_arrays(own: ClusterIndustryShares, fallback: ClusterIndustryShares | None) -> pd.DataFrame:
    """The weights of :func:`cluster_industry_weights` (before clipping and naming) from shares on the same labels
    (:func:`_on_the_same_labels`): the same where, division and subtraction, element by element, on arrays
    rather than frames (whose alignment and block handling cost most of a region's weights)."""
    by_cluster = own.by_cluster.to_numpy(dtype=float)
    union = own.union.to_numpy(dtype=float)
    totals = own.totals.to_numpy(dtype=float)
    if fallback is not None:
        use_fallback = totals <= 0  # NaN keeps its own (as ~(totals <= 0) does)
        by_cluster = np.where(use_fallback[:, None], fallback.by_cluster.to_numpy(dtype=float), by_cluster)
        union = np.where(use_fallback, fallback.union.to_numpy(dtype=float), union)
        totals = np.where(use_fallback, fallback.totals.to_numpy(dtype=float), totals)
    employed = totals > 0
    safe = np.where(employed, totals, 1.0)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        values = np.where(employed[:, None], by_cluster / safe[:, None], 0.0)
        other = 1.0 - np.where(employed, union / safe, 0.0)
    # Not copied (the array is new): the block keeps the layout the frames' operations gave it.
    weights = pd.DataFrame(values, index=own.by_cluster.index, columns=own.by_cluster.columns, copy=False)
    weights[OTHER_INDUSTRIES] = other
    return weights


def cluster_industry_weights(
    mapping: pd.DataFrame,
    employment: pd.Series,
    industry_of: pd.Series,
    industries: Sequence[str],
    *,
    fallback_employment: pd.Series | None = None,
    fallback_shares: ClusterIndustryShares | None = None,
) -> pd.DataFrame:
    """Weight of each input-output industry in each cluster: the share of its employment in the cluster's codes.

    Parameters
    ----------
    mapping
        ``cluster_id, industry_code`` rows (:meth:`clusterplan.taxonomy.Taxonomy.mapping`),
        industry codes in the taxonomy's classification (SIC 2007 subclasses).
    employment
        Employment by those codes (e.g. a region's BRES, 5-digit SIC).
    industry_of
        Input-output industry of each code (e.g.
        :func:`clusterplan.sources.ons_io.sic_to_ioat`); codes without one are ignored.
    industries
        The model's industries, in order: the rows of the result.
    fallback_employment
        Employment used for an industry in which *employment* has none (e.g.
        Great Britain's, for a region without the industry).
    fallback_shares
        The same, already summed (:func:`cluster_industry_shares` of the fallback
        employment, with the same *mapping*, *industry_of* and *industries*): made
        once for every region. Not with *fallback_employment*.

    Returns
    -------
    pandas.DataFrame
        Industries x (clusters in mapping order, then :data:`OTHER_INDUSTRIES`),
        values in [0, 1]; :data:`OTHER_INDUSTRIES` is 1 minus the share of the
        industry's employment in any cluster. An industry with no employment at
        all (``L68A``) is wholly in :data:`OTHER_INDUSTRIES`.

    Examples
    --------
    >>> mapping = pd.DataFrame({"cluster_id": ["c", "c", "d"], "industry_code": ["29100", "30300", "30300"]})
    >>> employment = pd.Series({"29100": 30.0, "29310": 10.0, "30300": 20.0})
    >>> industry_of = pd.Series({"29100": "C29", "29310": "C29", "30300": "C30"})
    >>> cluster_industry_weights(mapping, employment, industry_of, ["C29", "C30"]).values.tolist()
    [[0.75, 0.0, 0.25], [1.0, 1.0, 0.0]]
    """
    if fallback_employment is not None and fallback_shares is not None:
        raise ParameterError("give the fallback as employment or as its shares, not both")
    own = cluster_industry_shares(mapping, employment, industry_of, industries)
    by_cluster, union, totals = own.by_cluster, own.union, own.totals
    if fallback_employment is not None:
        fallback_shares = cluster_industry_shares(mapping, fallback_employment, industry_of, industries)
    if _on_the_same_labels(own, fallback_shares):
        weights = _weights_of_arrays(own, fallback_shares)
    else:
        if fallback_shares is not None:
            use_fallback = totals <= 0
            by_cluster = by_cluster.where(~use_fallback, fallback_shares.by_cluster, axis=0)
            union = union.where(~use_fallback, fallback_shares.union)
            totals = totals.where(~use_fallback, fallback_shares.totals)
        safe = totals.where(totals > 0, 1.0)
        weights = by_cluster.div(safe, axis=0).where(totals > 0, 0.0, axis=0)
        weights[OTHER_INDUSTRIES] = 1.0 - (union / safe).where(totals > 0, 0.0)
    values = weights.to_numpy(dtype=float)
    # Shares lie in [0, 1] but for rounding: clip only when one is outside (clipping a frame that needs none made
    # the same frame in ~2 ms, a tenth of a region's weights).
    if not (np.isnan(values) | ((values >= 0.0) & (values <= 1.0))).all():
        weights = weights.clip(lower=0.0, upper=1.0)
    weights.index.name = "industry_code"
    weights.columns.name = "cluster_id"
    return weights


def cluster_flows(Z: pd.DataFrame, weights: pd.DataFrame) -> pd.DataFrame:
    r"""Flows of intermediate inputs between clusters, :math:`F = W^\top Z W` (suppliers in rows).

    Parameters
    ----------
    Z
        Inter-industry flows (£ million), suppliers in rows, buyers in columns.
    weights
        Industries x clusters (:func:`cluster_industry_weights`).
    """
    W = weights.reindex(Z.index).fillna(0.0)
    values = W.to_numpy().T @ Z.to_numpy(dtype=float) @ weights.reindex(Z.columns).fillna(0.0).to_numpy()
    return pd.DataFrame(values, index=weights.columns, columns=weights.columns).rename_axis(
        index="supplier_cluster", columns="buyer_cluster"
    )


def linkage_table(flows: pd.DataFrame, names: dict[str, str] | None = None) -> pd.DataFrame:
    """Cluster-to-cluster flows in long form with each flow's share of the buyer's inputs and the supplier's sales.

    Shares are of intermediate flows among the rows/columns of *flows*
    (clusters and :data:`OTHER_INDUSTRIES`). Columns :data:`LINKAGE_COLUMNS`,
    plus ``supplier_name`` and ``buyer_name`` when *names* is given; sorted by
    flow, largest first.
    """
    long = pd.Series(flows.stack()).reset_index()
    long.columns = pd.Index(["supplier_cluster", "buyer_cluster", "flow_gbp_m"])
    inputs = flows.sum(axis=0)
    sales = flows.sum(axis=1)
    long["share_of_buyer_inputs"] = long["flow_gbp_m"] / long["buyer_cluster"].map(inputs).replace(0.0, np.nan)
    long["share_of_supplier_sales"] = long["flow_gbp_m"] / long["supplier_cluster"].map(sales).replace(0.0, np.nan)
    if names is not None:
        label = {**names, OTHER_INDUSTRIES: "Other industries"}
        long.insert(1, "supplier_name", long["supplier_cluster"].map(label).fillna(long["supplier_cluster"]))
        long.insert(3, "buyer_name", long["buyer_cluster"].map(label).fillna(long["buyer_cluster"]))
    return long.sort_values("flow_gbp_m", ascending=False, kind="stable").reset_index(drop=True)


def main_suppliers_and_customers(
    Z: pd.DataFrame,
    weights: pd.DataFrame,
    *,
    industry_names: pd.Series | None = None,
    top: int = 5,
    by: str = "industry",
) -> pd.DataFrame:
    r"""Each cluster's largest suppliers and customers, by industry or by cluster.

    Parameters
    ----------
    Z
        Inter-industry flows (£ million).
    weights
        Industries x clusters (:func:`cluster_industry_weights`).
    industry_names
        Names by industry code.
    top
        How many suppliers and customers per cluster.
    by
        ``industry``: supplying industries :math:`s_i = \sum_j z_{ij} w_{jc}`
        and buying industries :math:`b_j = \sum_i w_{ic} z_{ij}`;
        ``cluster``: partner clusters from :func:`cluster_flows`.

    Returns
    -------
    pandas.DataFrame
        Columns :data:`PARTNER_COLUMNS`: ``relation`` is ``supplier`` or
        ``customer``, ``share`` the partner's share of the cluster's
        intermediate purchases (suppliers) or sales (customers). Clusters in
        order, partners by flow. :data:`OTHER_INDUSTRIES` is not a cluster here.

    Examples
    --------
    >>> Z = pd.DataFrame([[150.0, 500.0], [200.0, 100.0]], index=["1", "2"], columns=["1", "2"])
    >>> W = pd.DataFrame({"c": [1.0, 0.0], OTHER_INDUSTRIES: [0.0, 1.0]}, index=["1", "2"])
    >>> main_suppliers_and_customers(Z, W, top=1)[["relation", "partner_code", "flow_gbp_m"]].values.tolist()
    [['supplier', '2', 200.0], ['customer', '2', 500.0]]
    """
    if top < 1:
        raise ParameterError(f"top must be at least 1, got {top}")
    clusters = [c for c in weights.columns if c != OTHER_INDUSTRIES]
    W = weights.reindex(Z.index).fillna(0.0)
    if by == "industry":
        purchases = pd.DataFrame(Z.to_numpy(dtype=float) @ W.to_numpy(), index=Z.index, columns=W.columns)
        sales = pd.DataFrame(Z.to_numpy(dtype=float).T @ W.to_numpy(), index=Z.columns, columns=W.columns)
        names = industry_names
    elif by == "cluster":
        flows = cluster_flows(Z, weights)
        purchases, sales = flows, flows.T
        names = None
    else:
        raise UnknownCodeError("partner level", by, ["industry", "cluster"])
    rows = []
    for cluster in clusters:
        for relation, table in (("supplier", purchases), ("customer", sales)):
            column = table[cluster]
            total = float(column.sum())
            # The largest positive flows, ties in the table's order: a stable sort of the negated flows, as the
            # Series' stable descending sort orders them, in NumPy (pandas' filter, sort and head for each cluster
            # and relation took most of the time: 204 of them in a US run).
            values = column.to_numpy(dtype=float)
            positive = np.flatnonzero(values > 0)
            best = positive[np.argsort(-values[positive], kind="stable")[:top]]
            for rank, (code, value) in enumerate(zip(column.index[best], values[best], strict=True), start=1):
                name = "" if names is None else str(names.get(code, ""))
                if by == "cluster" and code == OTHER_INDUSTRIES:
                    name = "Other industries"
                share = float(value) / total if total else np.nan
                rows.append((cluster, relation, rank, str(code), name, float(value), share))
    return pd.DataFrame(rows, columns=PARTNER_COLUMNS)


def cluster_input_sourcing(A: pd.DataFrame, R: pd.DataFrame, output: pd.Series, weights: pd.DataFrame) -> pd.DataFrame:
    r"""Share of each cluster's domestic intermediate inputs bought inside the region.

    :math:`\sum_{j} w_{jc} x_j \sum_i r_{ij} \,/\, \sum_j w_{jc} x_j \sum_i a_{ij}`:
    the industries' shares (:func:`~clusterplan.inputoutput.regional.input_sourcing`)
    weighted by the cluster's (regional) output in each.

    Returns
    -------
    pandas.DataFrame
        Indexed by cluster (and :data:`OTHER_INDUSTRIES`): ``output_gbp_m``,
        ``inputs_domestic_gbp_m``, ``inputs_in_region_gbp_m``,
        ``inputs_from_rest_of_nation_gbp_m``, ``share_in_region``.

    Examples
    --------
    >>> A = pd.DataFrame([[0.15, 0.25], [0.20, 0.05]], index=["1", "2"], columns=["1", "2"])
    >>> R = pd.DataFrame([[0.15, 0.25], [0.05, 0.02]], index=["1", "2"], columns=["1", "2"])
    >>> W = pd.DataFrame({"c": [1.0, 0.5]}, index=["1", "2"])
    >>> sourcing = cluster_input_sourcing(A, R, pd.Series({"1": 100.0, "2": 200.0}), W)
    >>> round(float(sourcing.loc["c", "share_in_region"]), 4)
    0.7231
    """
    x = output.reindex(A.columns).fillna(0.0)
    W = weights.reindex(A.columns).fillna(0.0)
    domestic = A.sum(axis=0) * x
    in_region = R.reindex(index=A.index, columns=A.columns).sum(axis=0) * x
    out = pd.DataFrame(
        {
            "output_gbp_m": W.mul(x, axis=0).sum(axis=0),
            "inputs_domestic_gbp_m": W.mul(domestic, axis=0).sum(axis=0),
            "inputs_in_region_gbp_m": W.mul(in_region, axis=0).sum(axis=0),
        }
    )
    out["inputs_from_rest_of_nation_gbp_m"] = out["inputs_domestic_gbp_m"] - out["inputs_in_region_gbp_m"]
    out["share_in_region"] = (out["inputs_in_region_gbp_m"] / out["inputs_domestic_gbp_m"]).where(
        out["inputs_domestic_gbp_m"] > 0
    )
    out.index.name = "cluster_id"
    return out


def supply_chain_gaps(
    A: pd.DataFrame,
    R: pd.DataFrame,
    output: pd.Series,
    weights: pd.DataFrame,
    strong_clusters: Sequence[str],
    *,
    threshold: float = 0.5,
    industry_names: pd.Series | None = None,
    supplier_location_quotients: pd.Series | None = None,
) -> pd.DataFrame:
    r"""Inputs the region's strong clusters need but mostly import, ranked by the value imported.

    Parameters
    ----------
    A, R
        National and regional technical coefficients.
    output
        Regional output by industry (£ million).
    weights
        Industries x clusters (:func:`cluster_industry_weights`).
    strong_clusters
        Ids of the region's strong clusters (e.g. location quotient >= 1).
    threshold
        A supplying industry is a gap when its regional purchase coefficient
        (inputs bought inside the region / inputs needed) is below this
        (default 0.5: most of the input is imported).
    industry_names
        Names by industry code.
    supplier_location_quotients
        The region's location quotient of each supplying industry (shown, to
        tell an absent supplier from a small one).

    Returns
    -------
    pandas.DataFrame
        One row per supplying industry below the threshold: ``rank``,
        ``industry_code``, ``industry_name``, ``inputs_needed_gbp_m``
        (:math:`\sum_{c}\sum_j a_{ij} x_j w_{jc}`), ``bought_in_region_gbp_m``
        (same with :math:`r_{ij}`), ``imported_gbp_m`` (from the rest of the
        UK), ``regional_purchase_coefficient``, ``buying_clusters`` (the strong
        clusters taking at least 5% of the imported value, with their share,
        most first, e.g. ``ev_batteries (61%); logistics (20%)``),
        ``supplier_lq`` (when given); sorted by ``imported_gbp_m``, largest first.

    Examples
    --------
    >>> A = pd.DataFrame([[0.15, 0.25], [0.20, 0.05]], index=["1", "2"], columns=["1", "2"])
    >>> R = pd.DataFrame([[0.15, 0.25], [0.05, 0.02]], index=["1", "2"], columns=["1", "2"])
    >>> W = pd.DataFrame({"c": [1.0, 0.0]}, index=["1", "2"])
    >>> gaps = supply_chain_gaps(A, R, pd.Series({"1": 100.0, "2": 200.0}), W, ["c"])
    >>> gaps[["industry_code", "imported_gbp_m", "regional_purchase_coefficient"]].values.tolist()
    [['2', 15.0, 0.25]]
    """
    if not 0 < threshold <= 1:
        raise ParameterError(f"threshold must be in (0, 1], got {threshold!r}")
    unknown = [c for c in strong_clusters if c not in weights.columns or c == OTHER_INDUSTRIES]
    if unknown:
        raise UnknownCodeError("cluster", str(unknown[0]), [c for c in weights.columns if c != OTHER_INDUSTRIES])
    columns = [
        "rank",
        "industry_code",
        "industry_name",
        "inputs_needed_gbp_m",
        "bought_in_region_gbp_m",
        "imported_gbp_m",
        "regional_purchase_coefficient",
        "buying_clusters",
    ] + (["supplier_lq"] if supplier_location_quotients is not None else [])
    if not strong_clusters:
        return pd.DataFrame(columns=columns)
    x = output.reindex(A.columns).fillna(0.0).to_numpy(dtype=float)
    W = weights.reindex(A.columns).fillna(0.0)[list(strong_clusters)].to_numpy()
    a = A.to_numpy(dtype=float)
    r = R.reindex(index=A.index, columns=A.columns).to_numpy(dtype=float)
    needed_by = a @ (x[:, None] * W)  # supplying industry x strong cluster
    local_by = r @ (x[:, None] * W)
    imported_by = needed_by - local_by
    needed = needed_by.sum(axis=1)
    local = local_by.sum(axis=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        rpc = np.where(needed > 0, local / needed, np.nan)
    table = pd.DataFrame(
        {
            "industry_code": list(A.index),
            "industry_name": (
                industry_names.reindex(A.index).fillna("").astype(str).to_numpy() if industry_names is not None else ""
            ),
            "inputs_needed_gbp_m": needed,
            "bought_in_region_gbp_m": local,
            "imported_gbp_m": needed - local,
            "regional_purchase_coefficient": rpc,
        }
    )
    order = np.argsort(-imported_by, axis=1, kind="stable")
    imported_total = imported_by.sum(axis=1)

    def buyers(i: int) -> str:
        # Clusters taking at least 5% of the imported value, with their share: who would gain from local supply.
        parts = []
        for k in order[i]:
            share = imported_by[i, k] / imported_total[i] if imported_total[i] > 0 else 0.0
            if share >= 0.05:
                parts.append(f"{strong_clusters[k]} ({share:.0%})")
        return "; ".join(parts)

    table["buying_clusters"] = [buyers(i) for i in range(len(A.index))]
    if supplier_location_quotients is not None:
        table["supplier_lq"] = supplier_location_quotients.reindex(A.index).to_numpy(dtype=float)
    gaps = table[(table["regional_purchase_coefficient"] < threshold) & (table["imported_gbp_m"] > 0)]
    gaps = gaps.sort_values("imported_gbp_m", ascending=False, kind="stable").reset_index(drop=True)
    gaps.insert(0, "rank", np.arange(1, len(gaps) + 1))
    return gaps[columns]


@dataclass
class ClusterLinkages:
    """A model aggregated to a taxonomy's clusters (result of :func:`cluster_linkages`).

    Attributes
    ----------
    weights
        Industries x clusters (plus :data:`OTHER_INDUSTRIES`).
    flows
        Cluster x cluster intermediate flows, £ million (suppliers in rows).
    partners
        Main supplying and buying industries of each cluster
        (:func:`main_suppliers_and_customers`).
    partner_clusters
        The same by cluster.
    input_sourcing
        Share of each cluster's inputs bought in the region
        (:func:`cluster_input_sourcing`); None for the national model.
    cluster_names
        Names by cluster id.
    parameters
        Region, method, taxonomy and year.
    """

    weights: pd.DataFrame
    flows: pd.DataFrame
    partners: pd.DataFrame
    partner_clusters: pd.DataFrame
    input_sourcing: pd.DataFrame | None
    cluster_names: dict[str, str]
    parameters: dict[str, Any] = field(default_factory=dict)

    def table(self) -> pd.DataFrame:
        """The flows in long form (:func:`linkage_table`) with cluster names (``flow_usd_m`` for the US)."""
        table = linkage_table(self.flows, self.cluster_names)
        return _in_dollars(table) if self.parameters.get("unit") == "$ million" else table


# --------------------------------------------------------------------------- facades over the reference tables


def _taxonomy(taxonomy: Any) -> Any:
    """A SIC 2007 taxonomy (UK model) or a NAICS one (US model)."""
    tax = taxonomy if isinstance(taxonomy, Taxonomy) else load_taxonomy(taxonomy or DEFAULT_TAXONOMY)
    return tax if tax.classification.startswith("naics") else _sic_taxonomy(tax)


def _in_dollars(frame: pd.DataFrame) -> pd.DataFrame:
    """US tables: money columns are $ million (``*_usd_m``), not £ million."""
    return frame.rename(columns={c: c[: -len("_gbp_m")] + "_usd_m" for c in frame.columns if c.endswith("_gbp_m")})


def _sic_taxonomy(taxonomy: Any) -> Any:
    tax = taxonomy if isinstance(taxonomy, Taxonomy) else load_taxonomy(taxonomy or DEFAULT_TAXONOMY)
    if tax.classification != "sic2007":
        raise ParameterError(
            f"taxonomy {tax.name!r} uses {tax.classification}; the UK input-output model needs SIC 2007 clusters",
            hint="use a SIC 2007 taxonomy, e.g. wmca_plan_for_growth or uk_industrial_strategy_is8",
        )
    return tax


@lru_cache(maxsize=16)
def _kept_mapping(tax: Taxonomy) -> pd.DataFrame:
    return tax.mapping()


def _sic_mapping(tax: Taxonomy) -> pd.DataFrame:
    """``tax.mapping()``, made once per taxonomy (every region's weights expand the same prefixes against the
    729 SIC subclasses); each caller gets a shallow copy, which copy-on-write keeps from changing the kept one."""
    return _kept_mapping(tax).copy(deep=False)


#: Default taxonomy of the facades (the one ``clusterplan run`` uses for GB regions).
DEFAULT_TAXONOMY = "wmca_plan_for_growth"


def _model(
    tables: ReferenceTables,
    region: str | None,
    method: str,
    delta: float,
    year: int,
    sic_employment: pd.DataFrame | None,
) -> Any:
    if region is None:
        return national_view(tables, year, sic_employment=sic_employment)
    return regional_model(tables, region, method=method, delta=delta, year=year, sic_employment=sic_employment)


def taxonomy_weights(
    tables: ReferenceTables,
    taxonomy: Any = None,
    region: str | None = None,
    *,
    year: int = 2019,
    sic_employment: pd.DataFrame | None = None,
    national_shares: ClusterIndustryShares | None = None,
) -> pd.DataFrame:
    """Weights of the 105 IOAT industries in a SIC taxonomy's clusters (:func:`cluster_industry_weights`).

    Employment is BRES (5-digit SIC, *year*) of *region* where it has any in an
    industry, else Great Britain's; Great Britain's when *region* is None.
    *sic_employment* (areas x SIC codes, as the pipeline reads it from the
    warehouse) replaces the BRES of the *tables*' employment facts
    (:class:`~clusterplan.inputoutput.tables.ReferenceTables`, which also give the IOAT industries and the SIC lookup).
    *national_shares* is :func:`taxonomy_national_shares` of the same arguments, made once for every region
    (else summed again here).
    """
    tax = _sic_taxonomy(taxonomy)
    sic = _sic_table(tables, int(year), sic_employment)
    industries = list(_national(tables).industries)
    if region is not None and national_shares is not None:
        return cluster_industry_weights(
            _sic_mapping(tax),
            _region_row(sic, _resolve_region(tables, region, int(year), sic_employment)),
            _sic_to_ioat(tables, sic_employment),
            industries,
            fallback_shares=national_shares,
        )
    national = sic.sum(axis=0)
    employment = (
        national if region is None else _region_row(sic, _resolve_region(tables, region, int(year), sic_employment))
    )
    return cluster_industry_weights(
        tax.mapping(),
        employment,
        _sic_to_ioat(tables, sic_employment),
        industries,
        fallback_employment=None if region is None else national,
    )


def taxonomy_national_shares(
    tables: ReferenceTables,
    taxonomy: Any = None,
    *,
    year: int = 2019,
    sic_employment: pd.DataFrame | None = None,
) -> ClusterIndustryShares:
    """Great Britain's employment by IOAT industry and cluster of a SIC taxonomy (:func:`cluster_industry_shares`):
    the fallback of every region's :func:`taxonomy_weights`, the same for all of them; arguments as there."""
    tax = _sic_taxonomy(taxonomy)
    sic = _sic_table(tables, int(year), sic_employment)
    return cluster_industry_shares(
        _sic_mapping(tax), sic.sum(axis=0), _sic_to_ioat(tables, sic_employment), list(_national(tables).industries)
    )


def us_taxonomy_weights(
    tables: ReferenceTables,
    taxonomy: Any,
    region: str | None = None,
    *,
    cells: str = "reconstructed",
    naics_employment: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Weights of the 71 BEA industries in a NAICS taxonomy's clusters (:func:`cluster_industry_weights`), from
    CBP 2019 6-digit employment of *region* (the US where it has none); *tables*, *cells* and *naics_employment*
    as for :func:`~clusterplan.inputoutput.us_regional.us_regional_model`.

    Examples
    --------
    >>> from clusterplan.pipeline.tables import reference_tables
    >>> w = us_taxonomy_weights(reference_tables(), "us_cmp_traded_2014", "19820")
    >>> round(float(w.loc["3361MV", "automotive"]), 2) > 0.5  # most Detroit motor-vehicle jobs are automotive
    True
    """
    tax = taxonomy if isinstance(taxonomy, Taxonomy) else load_taxonomy(taxonomy)
    national, regional = us_naics_employment(tables, region, cells=cells, naics_employment=naics_employment)
    six = [str(c) for c in national.index]
    parts = naics_bea_industries(six)
    industry_of = parts[parts.map(len) == 1].map(lambda t: t[0])
    return cluster_industry_weights(
        tax.mapping(six, strict=False),
        national if regional is None else regional,
        industry_of,
        list(bea_model(bea_use_table(tables.bea_use, BEA_YEAR)).industries),
        fallback_employment=None if region is None else national,
    )


def cluster_location_quotients(
    tables: ReferenceTables,
    taxonomy: Any,
    region: str,
    *,
    year: int = 2019,
    sic_employment: pd.DataFrame | None = None,
) -> pd.Series:
    """Employment location quotient of each cluster in *region* against Great Britain (BRES, 5-digit SIC).

    The same quotient as :func:`clusterplan.pipeline.profile.profile_region` with the
    national benchmark: cluster employment over all employment in the region,
    divided by the same share in Great Britain.
    """
    tax = _sic_taxonomy(taxonomy)
    sic = _sic_table(tables, int(year), sic_employment)
    mapping = tax.mapping()
    regional = _region_row(sic, _resolve_region(tables, region, int(year), sic_employment))
    national = sic.sum(axis=0)
    values = {}
    for cluster_id in tax.cluster_ids:
        codes = [c for c in mapping.loc[mapping["cluster_id"] == cluster_id, "industry_code"] if c in sic.columns]
        values[cluster_id] = float(
            location_quotient(regional[codes].sum(), regional.sum(), national[codes].sum(), national.sum())
        )
    return pd.Series(values, name="lq").rename_axis("cluster_id")


def cluster_linkages(
    tables: ReferenceTables,
    taxonomy: Any = None,
    *,
    region: str | None = None,
    method: str = "flq",
    delta: float = 0.3,
    year: int = 2019,
    top: int = 5,
    cells: str = "reconstructed",
    sic_employment: pd.DataFrame | None = None,
    naics_employment: pd.DataFrame | None = None,
) -> ClusterLinkages:
    """The input-output model aggregated to a taxonomy's clusters, nationally or for one region.

    Parameters
    ----------
    tables
        The reference tables (:func:`clusterplan.pipeline.tables.reference_tables`).
    taxonomy
        A SIC 2007 taxonomy (the UK model) or a NAICS one (the US model):
        built-in name, file or :class:`~clusterplan.taxonomy.Taxonomy`
        (default ``wmca_plan_for_growth``).
    region
        A GB ITL2 area, or a US CBSA for a NAICS taxonomy (then flows are
        those bought inside the region, from
        :func:`~clusterplan.inputoutput.regional.regional_model` or
        :func:`~clusterplan.inputoutput.us_regional.us_regional_model`), or
        None for the national table. US flows are in $ million (columns
        ``*_usd_m``), UK ones in £ million (``*_gbp_m``).
    method, delta, year
        Regionalisation (see :func:`~clusterplan.inputoutput.regional.regional_model`).
    top
        Suppliers and customers listed per cluster.
    cells
        US only: CBP cells ``reconstructed`` (default) or ``published`` (see
        :func:`~clusterplan.inputoutput.us_regional.us_regional_model`).
    sic_employment
        UK only: employment of the GB areas by 5-digit SIC code in *year*, as the pipeline reads it from the
        warehouse (:func:`clusterplan.pipeline.regional_sic_employment`); default the *tables*' BRES.
    naics_employment
        US only: employment of the CBSAs by NAICS code, every level, as the pipeline reads it from the warehouse
        (:func:`clusterplan.pipeline.run.regional_naics_employment`); default the *tables*' CBP.

    Examples
    --------
    >>> from clusterplan.pipeline.tables import reference_tables
    >>> links = cluster_linkages(reference_tables(), "wmca_plan_for_growth", region="TLG3")
    >>> links.flows.shape
    (9, 9)
    >>> bool(links.input_sourcing["share_in_region"].between(0, 1).all())
    True
    """
    tax = _taxonomy(taxonomy)
    us = tax.classification.startswith("naics")
    if us:
        model = (
            us_national_view(tables, cells, naics_employment=naics_employment)
            if region is None
            else us_regional_model(
                tables, region, method=method, delta=delta, cells=cells, naics_employment=naics_employment
            )
        )
        weights = us_taxonomy_weights(
            tables, tax, None if region is None else model.region_code, cells=cells, naics_employment=naics_employment
        )
    else:
        model = _model(tables, region, method, delta, year, sic_employment)
        weights = taxonomy_weights(tables, tax, region, year=year, sic_employment=sic_employment)
    Z = model.Z
    names = {c.id: c.name for c in tax.clusters}
    sourcing = None
    if region is not None:
        sourcing = cluster_input_sourcing(model.national_coefficients, model.A, model.x, weights)
        sourcing.insert(0, "cluster", [names.get(c, "Other industries") for c in sourcing.index])
    partners = main_suppliers_and_customers(Z, weights, industry_names=model.industry_names, top=top)
    partner_clusters = main_suppliers_and_customers(Z, weights, top=top, by="cluster")
    partner_clusters["partner_name"] = [
        names.get(code, name)
        for code, name in zip(partner_clusters["partner_code"], partner_clusters["partner_name"], strict=True)
    ]
    parameters = {"taxonomy": tax.name, **model.parameters()}
    if us:
        partners, partner_clusters = _in_dollars(partners), _in_dollars(partner_clusters)
        sourcing = None if sourcing is None else _in_dollars(sourcing)
    return ClusterLinkages(
        weights=weights,
        flows=cluster_flows(Z, weights),
        partners=partners,
        partner_clusters=partner_clusters,
        input_sourcing=sourcing,
        cluster_names=names,
        parameters=parameters,
    )


def region_supply_chain_gaps(
    tables: ReferenceTables,
    region: str,
    taxonomy: Any = None,
    *,
    method: str = "flq",
    delta: float = 0.3,
    year: int = 2019,
    threshold: float = 0.5,
    strong_clusters: Sequence[str] | None = None,
    sic_employment: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Supply-chain gaps of a region's strong clusters (:func:`supply_chain_gaps`) from the reference tables.

    Parameters
    ----------
    tables
        The reference tables (:func:`clusterplan.pipeline.tables.reference_tables`).
    region
        A GB ITL2 area.
    taxonomy
        A SIC 2007 taxonomy (default ``wmca_plan_for_growth``).
    strong_clusters
        Cluster ids to treat as strong; default those with a location quotient
        of at least 1 from :func:`cluster_location_quotients` (from a warehouse:
        :func:`clusterplan.pipeline.supply_chain_gaps`).
    threshold
        Regional purchase coefficient below which an input is a gap (default 0.5).
    sic_employment
        Employment of the GB areas by 5-digit SIC code in *year*, as the pipeline reads it from the warehouse;
        default the *tables*' BRES.

    Returns
    -------
    pandas.DataFrame
        :func:`supply_chain_gaps` columns plus ``supplier_lq``, and the region,
        method and strong clusters in ``DataFrame.attrs``.
    """
    tax = _sic_taxonomy(taxonomy)
    model = regional_model(tables, region, method=method, delta=delta, year=year, sic_employment=sic_employment)
    if strong_clusters is None:
        lq = cluster_location_quotients(tables, tax, model.region_code, year=year, sic_employment=sic_employment)
        strong_clusters = [c for c in tax.cluster_ids if float(lq.get(c, np.nan)) >= 1.0]
    weights = taxonomy_weights(tables, tax, model.region_code, year=year, sic_employment=sic_employment)
    gaps = supply_chain_gaps(
        model.national_coefficients,
        model.A,
        model.x,
        weights,
        list(strong_clusters),
        threshold=threshold,
        industry_names=model.industry_names,
        supplier_location_quotients=model.location_quotients,
    )
    gaps.attrs.update({**model.parameters(), "taxonomy": tax.name, "strong_clusters": list(strong_clusters)})
    return gaps
