r"""Co-location as the locational correlation of employment (Delgado, Porter and Stern, 2016).

The US Cluster Mapping Project groups industries, and relates clusters, by how their employment is located: two
industries (or clusters) are related when the places with an above-average share of one also have an
above-average share of the other. The statistic is the Pearson correlation, across areas, of the two employment
location quotients. This module computes it for industries and for clusters, and the between-cluster relatedness
that Delgado, Porter and Stern build from the industry matrix; every function is pure (labelled frames in and out).

==========================================  ===================================================================
:func:`employment_location_quotients`        :math:`LQ_{ri}` of an area x industry matrix (optional transform)
:func:`locational_correlation`               industry x industry :math:`LC^{Emp}_{ij}`
:func:`cluster_locational_correlation`       cluster x cluster :math:`LC^{Emp}_{AB}` from cluster employment
:func:`between_cluster_relatedness`          cluster x cluster mean industry relatedness (:math:`BCR`, DPS)
==========================================  ===================================================================

What the sources say
--------------------
Porter (2003), as the Institute for Strategy and Competitiveness summarises the original cluster method: "Among
traded industries, clusters are identified using the correlation of industry employment across geographic areas.
The principle is that industries normally located together are those that are linked by some external economies."

The US Cluster Mapping methodology page on the current (Delgado-Porter-Stern) definitions: traded industries "are
then organized into traded clusters based on an overall measure of relatedness between individual industries
across a range of linkages, including input-output measures, use of labor occupations, and co-location patterns of
employment and establishments."

Delgado, Porter and Stern (2016, section 3) measure co-location with the locational correlation of employment,
:math:`LC^{Emp}_{ij}`, the correlation between industries *i* and *j* of employment (as location quotients, so
that the size of areas does not drive it) across regions, computed across BEA Economic Areas and across counties,
from County Business Patterns 2009 at NAICS 6 digits; beside it the same correlation of establishments and the
Ellison-Glaeser coagglomeration index. They compare clusters with the within- and between-cluster relatedness of
any similarity matrix :math:`M` (their :math:`WCR_c` and :math:`BCR_{cc'}`, the mean of :math:`M_{ij}` over the
pairs inside a cluster and over the pairs across two clusters, see
:func:`clusterplan.relatedness.define.validation_scores`).

Choices here, and how they differ
---------------------------------
* **Transform**: ``lq`` (the default) correlates the location quotients themselves, as above; ``log_lq``
  correlates :math:`\log(1 + LQ)`, which damps the few areas with very large quotients. Between NAICS 6-digit
  industries across the 933 CBSAs this matters: small micropolitan areas with one plant reach quotients of 50 or
  more and decide the raw correlation, so light-vehicle assembly (336111) and transmissions (336350) correlate
  at 0.01 on raw quotients and 0.20 on logged ones. Clusters, sums of many industries, are far less spiky, so
  cluster correlations use raw quotients as published.
* **Geography**: whatever areas the employment comes in. The package data hold County Business Patterns 2019 for
  the 933 US metropolitan and micropolitan areas (CBSAs), not counties or Economic Areas, so US correlations here
  are across CBSAs: every metro and micro area (rural counties outside any CBSA are not in the data), and cells CBP
  withholds for confidentiality count as 0 unless reconstructed upstream. Great Britain uses its 40 ITL2 areas.
* Location quotients use each area's employment in all industries as its total (or *area_totals*, e.g. CBP's
  all-industries row) and the sum of the areas as the benchmark.

References
----------
Delgado, M., Porter, M. E. and Stern, S. (2016). Defining clusters of related industries. *Journal of Economic
Geography* 16(1), 1-38.
Porter, M. E. (2003). The economic performance of regions. *Regional Studies* 37(6-7), 549-578.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .._exceptions import ParameterError, UnknownCodeError
from ..measures.location_quotient import location_quotient
from .colocation import _lq_correlation_array

__all__ = [
    "LOCATIONAL_TRANSFORMS",
    "between_cluster_relatedness",
    "cluster_locational_correlation",
    "employment_location_quotients",
    "locational_correlation",
]

#: Transforms of the location quotients before they are correlated.
LOCATIONAL_TRANSFORMS = ("lq", "log_lq")


def _transform(lq: np.ndarray, transform: str) -> np.ndarray:
    key = str(transform).strip().lower().replace("-", "_")
    if key not in LOCATIONAL_TRANSFORMS:
        raise UnknownCodeError("location-quotient transform", str(transform), list(LOCATIONAL_TRANSFORMS))
    return np.log1p(lq) if key == "log_lq" else lq


def _lq_array(x: np.ndarray, area_totals: np.ndarray | None) -> np.ndarray:
    if not np.isfinite(x).all() or (x < 0).any():
        raise ParameterError("employment must be finite and >= 0 in every area and industry")
    totals = x.sum(axis=1) if area_totals is None else area_totals
    national = x.sum(axis=0)
    return np.nan_to_num(location_quotient(x, totals[:, None], national[None, :], totals.sum()), nan=0.0)


def _area_totals(employment: pd.DataFrame, area_totals: pd.Series | None) -> np.ndarray | None:
    if area_totals is None:
        return None
    totals = area_totals.reindex(employment.index).to_numpy(dtype=float)
    if np.isnan(totals).any():
        missing = employment.index[np.isnan(totals)][0]
        raise ParameterError(f"area_totals has no total for area {missing!r}", hint="give a total for every area")
    return totals


def employment_location_quotients(
    employment: pd.DataFrame, *, area_totals: pd.Series | None = None, transform: str = "lq"
) -> pd.DataFrame:
    r"""Employment location quotients of every area and column, optionally transformed.

    Parameters
    ----------
    employment
        Area x industry (or cluster) employment, areas as the index.
    area_totals
        Each area's total employment (default: the row sums of *employment*, so pass all industries).
    transform
        ``lq`` (as is) or ``log_lq`` (:math:`\log(1 + LQ)`).

    Returns
    -------
    pandas.DataFrame
        Same labels as *employment*; 0 where an area or column has no employment.

    Notes
    -----
    .. math::

        LQ_{ri} = \frac{E_{ri} / E_r}{E_i / E}, \qquad E_i = \sum_r E_{ri}, \quad E = \sum_r E_r

    Examples
    --------
    >>> e = pd.DataFrame({"A": [30.0, 10.0], "B": [10.0, 30.0]}, index=["R1", "R2"])
    >>> employment_location_quotients(e).to_numpy().tolist()
    [[1.5, 0.5], [0.5, 1.5]]
    """
    x = employment.to_numpy(dtype=float)
    lq = _transform(_lq_array(x, _area_totals(employment, area_totals)), transform)
    return pd.DataFrame(lq, index=employment.index.copy(), columns=employment.columns.copy())


def locational_correlation(
    employment: pd.DataFrame,
    *,
    area_totals: pd.Series | None = None,
    transform: str = "lq",
    industries: list[str] | None = None,
) -> pd.DataFrame:
    r"""Locational correlation of employment between industries, :math:`LC^{Emp}_{ij}` (Delgado, Porter, Stern).

    Parameters
    ----------
    employment
        Area x industry employment of one year, all industries (their row sums are the area totals unless
        *area_totals* is given); areas as the index.
    area_totals
        Each area's total employment, e.g. County Business Patterns' all-industries row.
    transform
        ``lq`` (default, the location quotients) or ``log_lq`` (:math:`\log(1 + LQ)`).
    industries
        Correlate only these columns (the quotients still use all industries); default all.

    Returns
    -------
    pandas.DataFrame
        Symmetric industry x industry correlation in [-1, 1] with a zero diagonal (an industry is not counted as
        related to itself); 0 for an industry whose quotient does not vary across areas.

    Notes
    -----
    With :math:`LQ_{ri}` from :func:`employment_location_quotients` and :math:`\overline{LQ}_i` its mean over
    the *R* areas,

    .. math::

        LC^{Emp}_{ij} = \frac{\sum_r (LQ_{ri} - \overline{LQ}_i)(LQ_{rj} - \overline{LQ}_j)}
                             {\sqrt{\sum_r (LQ_{ri} - \overline{LQ}_i)^2}\sqrt{\sum_r (LQ_{rj} - \overline{LQ}_j)^2}}

    Every area counts once, whatever its size. See the module docstring for the published definitions and for
    how the geography here differs from the paper's (CBSAs rather than Economic Areas and counties).

    References
    ----------
    Delgado, M., Porter, M. E. and Stern, S. (2016). Defining clusters of related industries. *Journal of Economic
    Geography* 16(1), 1-38.

    Examples
    --------
    Four areas of 100 jobs; A and B are both concentrated in R1 and R2, C in R3 and R4:

    >>> e = pd.DataFrame({"A": [20, 10, 5, 5], "B": [10, 10, 0, 0], "C": [0, 5, 15, 25], "D": [70, 75, 80, 70]},
    ...                  index=["R1", "R2", "R3", "R4"])
    >>> lc = locational_correlation(e)
    >>> round(float(lc.loc["A", "B"]), 4), round(float(lc.loc["A", "C"]), 4)
    (0.8165, -0.8504)
    """
    lq = employment_location_quotients(employment, area_totals=area_totals, transform=transform)
    if industries is not None:
        unknown = [c for c in industries if c not in lq.columns]
        if unknown:
            raise UnknownCodeError("industry", str(unknown[0]), [str(c) for c in lq.columns])
        lq = lq[list(industries)]
    values = _lq_correlation_array(lq.to_numpy(dtype=float))
    return pd.DataFrame(values, index=lq.columns.copy(), columns=lq.columns.copy())


def _indicator(mapping: pd.DataFrame, codes: pd.Index) -> tuple[np.ndarray, list[str]]:
    if not {"cluster_id", "industry_code"} <= set(mapping.columns):
        raise ParameterError("the cluster mapping needs the columns cluster_id and industry_code")
    clusters = list(dict.fromkeys(mapping["cluster_id"].astype(str)))
    position = {str(c): i for i, c in enumerate(codes)}
    matrix = np.zeros((len(codes), len(clusters)))
    column = {c: k for k, c in enumerate(clusters)}
    for cluster, code in zip(mapping["cluster_id"].astype(str), mapping["industry_code"].astype(str), strict=True):
        if code in position:
            matrix[position[code], column[cluster]] = 1.0
    return matrix, clusters


def cluster_locational_correlation(
    employment: pd.DataFrame,
    mapping: pd.DataFrame,
    *,
    area_totals: pd.Series | None = None,
    transform: str = "lq",
) -> pd.DataFrame:
    r"""Locational correlation of employment between clusters: industries summed into clusters, then correlated.

    Parameters
    ----------
    employment
        Area x industry employment (all industries, so the area totals are whole economies).
    mapping
        ``cluster_id, industry_code`` rows (:meth:`clusterplan.taxonomy.Taxonomy.mapping`); a code in two clusters
        counts in both, codes not in *employment* are ignored.
    area_totals, transform
        As for :func:`locational_correlation`.

    Returns
    -------
    pandas.DataFrame
        Cluster x cluster correlation of the cluster location quotients across areas, zero diagonal, clusters in
        mapping order.

    Notes
    -----
    :math:`E_{rA} = \sum_{i \in A} E_{ri}`, :math:`LQ_{rA} = (E_{rA}/E_r)/(E_A/E)` and :math:`LC^{Emp}_{AB}` the
    Pearson correlation of :math:`LQ_{rA}` and :math:`LQ_{rB}` across areas, as for industries.

    Examples
    --------
    Cluster A (a1, a2) is concentrated in R1 and R2, cluster B (b1) in R3 and R4, and ``x`` is in no cluster:

    >>> e = pd.DataFrame({"a1": [5, 5, 1, 1], "a2": [5, 3, 1, 1], "b1": [1, 1, 5, 4], "x": [9, 11, 13, 14]},
    ...                  index=["R1", "R2", "R3", "R4"])
    >>> mapping = pd.DataFrame({"cluster_id": ["A", "A", "B"], "industry_code": ["a1", "a2", "b1"]})
    >>> cluster_locational_correlation(e, mapping).round(4).to_numpy().tolist()
    [[0.0, -0.9608], [-0.9608, 0.0]]
    """
    x = employment.to_numpy(dtype=float)
    indicator, clusters = _indicator(mapping, employment.columns)
    totals = _area_totals(employment, area_totals)
    by_cluster = x @ indicator
    lq = _transform(_lq_array(by_cluster, x.sum(axis=1) if totals is None else totals), transform)
    labels = pd.Index(clusters, name="cluster_id")
    return pd.DataFrame(_lq_correlation_array(lq), index=labels, columns=labels.copy())


def between_cluster_relatedness(similarity: pd.DataFrame, mapping: pd.DataFrame) -> pd.DataFrame:
    r"""Delgado, Porter and Stern's between-cluster relatedness :math:`BCR_{AB}` of an industry similarity matrix.

    Parameters
    ----------
    similarity
        Symmetric industry x industry similarity (e.g. :func:`locational_correlation`); the diagonal is ignored.
    mapping
        ``cluster_id, industry_code`` rows; codes not in *similarity* are ignored.

    Returns
    -------
    pandas.DataFrame
        Cluster x cluster mean similarity across the two clusters' industries, with the within-cluster
        relatedness :math:`WCR_A` on the diagonal (NaN for a cluster of fewer than two industries in the matrix;
        NaN off the diagonal for a cluster with none).

    Notes
    -----
    .. math::

        BCR_{AB} = \frac{1}{n_A n_B} \sum_{i \in A} \sum_{j \in B} M_{ij}, \qquad
        WCR_A = \frac{1}{n_A (n_A - 1)} \sum_{i \ne j \in A} M_{ij}

    Examples
    --------
    >>> codes = ["a1", "a2", "b1"]
    >>> m = pd.DataFrame([[0, 0.8, 0.1], [0.8, 0, 0.3], [0.1, 0.3, 0]], index=codes, columns=codes)
    >>> mapping = pd.DataFrame({"cluster_id": ["A", "A", "B"], "industry_code": codes})
    >>> between_cluster_relatedness(m, mapping).round(3).to_numpy().tolist()
    [[0.8, 0.2], [0.2, nan]]
    """
    values = similarity.to_numpy(dtype=float).copy()
    np.fill_diagonal(values, 0.0)
    indicator, clusters = _indicator(mapping, similarity.index)
    sizes = indicator.sum(axis=0)
    sums = indicator.T @ values @ indicator
    with np.errstate(divide="ignore", invalid="ignore"):
        pairs = np.outer(sizes, sizes)
        np.fill_diagonal(pairs, sizes * (sizes - 1))
        out = sums / pairs
    out[pairs <= 0] = np.nan
    labels = pd.Index(clusters, name="cluster_id")
    return pd.DataFrame(out, index=labels, columns=labels.copy())
