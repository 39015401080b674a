r"""Data-driven cluster definitions: group related industries as Delgado, Porter and Stern (2016) do.

The US Cluster Mapping Project's 51 traded clusters come from an algorithm that (1) measures how related every
pair of traded industries is, (2) runs several clustering functions over a grid of parameters, (3) scores every
candidate set of clusters by how much more related industries are inside their clusters than across them, and
(4) keeps the best. This module does the same on the data clusterplan ships (the facts, input-output links and
industry names handed in; :func:`clusterplan.pipeline.relatedness.industry_similarity` reads them):

=====================================  ================================================================
:func:`source_employment`              a source's mean employment by area and industry at one level
:func:`industry_similarity`            industry x industry similarity from co-location and input-output
:func:`combine_similarities`           weighted mean of percentile-normalised similarity matrices
:func:`validation_scores`              within- versus between-cluster relatedness of one cluster set
:func:`cluster_candidates`             hierarchical, k-means and community candidates over a grid
:func:`define_clusters`                the grid, the scores and the best candidate
:func:`compare_with_taxonomy`          adjusted Rand index and per-cluster overlap with a reference
:func:`clusters_to_taxonomy`           the result as a :class:`~clusterplan.taxonomy.Taxonomy`
:func:`taxonomy_yaml`                  a taxonomy as YAML text that :func:`~clusterplan.load_taxonomy` reads
=====================================  ================================================================

Similarity
----------
Two measures of relatedness are available here, of the three Delgado, Porter and Stern use:

* **co-location** (:func:`clusterplan.relatedness.locational_correlation.locational_correlation`, DPS's locational
  correlation of employment :math:`LC^{Emp}_{ij}`): the correlation across areas of two industries' location
  quotients, taken as :math:`\log(1 + LQ)`: location quotients are strongly right-skewed, so a single area with an
  LQ of 20 would otherwise decide a correlation; on BRES the log version is also the more stable one between years
  (the correlation between the similarities measured on 2015-2017 and on 2019-2021 is 0.84 against 0.82 for raw
  LQs, at SIC 4-digit). For the US the cells County Business Patterns withholds (fewer than three establishments)
  are reconstructed first (``cells="reconstructed"``, :mod:`clusterplan.measures.withheld`): counted as 0 they make
  most 6-digit correlations noise (see the results below);
* **input-output links** (:func:`clusterplan.pipeline.io_links.industry_io_relatedness`): the largest of
  the four directional input and output shares between the two industries (DPS's :math:`IO_{ij}`). For the US, as
  in the paper, from the detailed benchmark table: the BEA 2007 detail use table (389 industries), NAICS codes
  placed by BEA's own concordance (:func:`~clusterplan.relatedness.input_output.naics_bea_detail_industries`);
  for Great Britain the ONS input-output analytical tables 2019 (105 industries), mapped down to SIC codes. The
  tables are coarser than the codes: all codes of one IO industry share its links, which is why the
  input-output scores and the co-location scores of a cluster set differ;
* **labour occupations** (DPS's :math:`Occ_{ij}`, the similarity of two industries' occupational mix) cannot be
  computed: no industry x occupation matrix is among the data clusterplan ships. The combined similarity and the
  validation scores therefore rest on the two other kinds of link.

Each measure is normalised to its percentile rank among all industry pairs (ties share their mean rank), so a
co-location correlation and an input share, which live on different scales, count alike; the combined similarity
is the weighted mean of the percentiles (:func:`combine_similarities`; default weights one half each).

Validation scores
-----------------
For a similarity matrix :math:`M` and a cluster set, with :math:`n_c` industries in cluster *c*:

.. math::

    WCR_c = \frac{\sum_{i \ne j \in c} M_{ij}}{n_c (n_c - 1)}, \qquad
    BCR_{cc'} = \frac{\sum_{i \in c, j \in c'} M_{ij}}{n_c n_{c'}}

(within- and between-cluster relatedness, as DPS define them). Then

* ``vs_cluster``: the share of ordered pairs of distinct clusters :math:`(c, c')` with :math:`WCR_c > BCR_{cc'}`;
* ``vs_industry``: the share of pairs of an industry *i* and a cluster :math:`c'` other than its own for which
  *i*'s mean relatedness to the rest of its cluster exceeds its mean relatedness to :math:`c'`;
* ``industry_fit``: the share of industries whose own cluster is the one they are most related to on average
  (stricter than ``vs_industry``, which compares with each other cluster separately);
* ``related_within``: of the most related pairs (the top 5% of :math:`M`), the share placed in one cluster;
  ``within_related``: of the pairs within clusters, the share among those top pairs.

An industry alone in its cluster has no within-cluster relatedness; it counts as a failure in ``vs_cluster``,
``vs_industry`` and ``industry_fit``, so sets with many singletons score badly, as they should.

DPS compute their scores for each similarity matrix separately and compare candidate sets on all of them, so
that a set cannot win by fitting only the matrix it was built from. Here every candidate is scored on the
co-location and on the input-output matrix, and the **selection rule** is: the highest ``validation_score``,
the mean over those two matrices of the mean of ``vs_cluster``, ``vs_industry`` and ``industry_fit``, among
the candidates whose largest cluster holds at most :data:`MAX_CLUSTER_SHARE` of the industries; ties go to the
earlier candidate in grid order. The cap on cluster size stands in for DPS's restriction of the grid to
plausible numbers and sizes of clusters: without it the scores favour a few very large clusters. Simplifications
against DPS: no occupation links; one combined similarity matrix rather than several (their grid also varied the
matrix); ``industry_fit`` and the 5% cut of ``related_within`` are clusterplan's forms of their industry- and
pair-level scores; no confidence intervals on the scores; and no final review (DPS reassign a few outlier
industries by hand).

Results on the package data
---------------------------
US County Business Patterns 2019, traded NAICS 6-digit industries, compared with the US Cluster Mapping definitions
(``us_cmp_traded_2014``) by the adjusted Rand index over the industries in both (random assignments with the same
cluster sizes: 0.000). ``define-clusters --source us-cbp-2019`` asks for 51 clusters, the size of the benchmark set
DPS chose, and scores the hierarchical, k-means and community candidates of that size:

============================================  ==========  ========  ===============================
similarity                                    industries  clusters  ARI
============================================  ==========  ========  ===============================
published cells, BEA summary IO (before)      699         50        0.266 (grid; k-means 50: 0.266)
published cells, BEA detail IO                699         69        0.180 (grid)
reconstructed cells, BEA summary IO           656         24 / 51   0.389 (grid) / 0.363
reconstructed cells, BEA detail IO (default)  656         25 / 51   0.346 (grid) / **0.391**
============================================  ==========  ========  ===============================

Reconstructing the withheld cells matters most: co-location alone (51 clusters, hierarchical) goes from an ARI of
0.09 to 0.38. Raw rather than logged quotients give 0.33 (grid) with reconstructed cells; correlating across
combined statistical areas (closer to the paper's Economic Areas) instead of CBSAs changes little (0.38). The
traded set is smaller with reconstructed cells (656 industries, 534 of them in the Cluster Mapping definitions)
because industries that looked concentrated only because their small cells were withheld now look local. Great
Britain (BRES 2019-2021, 305 traded SIC classes): see the built-in taxonomy ``gb_data_driven_sic`` and
``scripts/build_data_driven_taxonomy.py``.

References
----------
Delgado, M., Porter, M. E. and Stern, S. (2016). Defining clusters of related industries. *Journal of Economic
Geography* 16(1), 1-38.
Blondel, V. D., Guillaume, J.-L., Lambiotte, R. and Lefebvre, E. (2008). Fast unfolding of communities in large
networks. *Journal of Statistical Mechanics* P10008 (the Louvain method).
Ng, A. Y., Jordan, M. I. and Weiss, Y. (2001). On spectral clustering: analysis and an algorithm. *NIPS* 14.
"""

from __future__ import annotations

import json
import re
import textwrap
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

import networkx as nx
import numpy as np
import pandas as pd

from .._exceptions import DataValidationError, ParameterError, UnknownCodeError
from ..datasets import BRES_SUBCLASS, CBP_METROS, US_DEFAULT_TAXONOMY
from ..measures.traded import EmploymentMatrix, classify_traded_local
from ..taxonomy import Cluster, Taxonomy
from .locational_correlation import locational_correlation

__all__ = [
    "CANDIDATE_COLUMNS",
    "CELLS",
    "DEFAULT_WEIGHTS",
    "MAX_CLUSTER_SHARE",
    "METHODS",
    "OVERLAP_COLUMNS",
    "SCORE_COLUMNS",
    "SOURCES",
    "ClusterDefinition",
    "DataSource",
    "IndustrySimilarity",
    "SourceEmployment",
    "TaxonomyComparison",
    "cluster_candidates",
    "clusters_to_taxonomy",
    "combine_similarities",
    "compare_with_taxonomy",
    "define_clusters",
    "industry_similarity",
    "source_employment",
    "taxonomy_yaml",
    "validation_scores",
]

#: Default weights of the similarity components.
DEFAULT_WEIGHTS: dict[str, float] = {"colocation": 0.5, "io": 0.5}
#: Clustering methods of :func:`cluster_candidates` (``best`` in :func:`define_clusters` means all of them).
METHODS = ("hierarchical", "kmeans", "community")
#: A candidate whose largest cluster holds more than this share of the industries is not selected.
MAX_CLUSTER_SHARE = 0.1
#: Score columns of :func:`validation_scores` (one row per similarity matrix).
SCORE_COLUMNS = ["matrix", "vs_cluster", "vs_industry", "industry_fit", "related_within", "within_related"]
#: Columns of :attr:`ClusterDefinition.candidates`.
CANDIDATE_COLUMNS = [
    "candidate",
    "method",
    "variant",
    "clusters",
    "seed",
    "largest_cluster",
    "singletons",
    "eligible",
    "validation_score",
]
#: Columns of :attr:`TaxonomyComparison.overlap`.
OVERLAP_COLUMNS = [
    "reference_id",
    "reference_name",
    "reference_industries",
    "best_cluster",
    "best_cluster_name",
    "best_cluster_industries",
    "shared_industries",
    "jaccard",
]

_TOP_SHARE = 0.05  # "most related pairs" in related_within / within_related
_NEIGHBOURS = 10  # nearest neighbours kept in the graph for spectral embedding and community detection
_FIT_SCORES = ("vs_cluster", "vs_industry", "industry_fit")


# ---------------------------------------------------------------------------------------------------------------------
# Data sources
# ---------------------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class DataSource:
    """An employment dataset that :func:`industry_similarity` can build a similarity from.

    Attributes
    ----------
    key
        Name on the command line, e.g. ``"us-cbp-2019"``.
    dataset
        Package dataset of employment facts (areas x finest industries).
    classification
        Industry classification of the dataset and of the taxonomy written from it.
    levels
        Industry levels (code lengths) the similarity can be built at; the first is the default.
    years
        Years averaged by default.
    label
        Description for messages and taxonomy sources.
    reference_taxonomy
        Built-in taxonomy to compare with (None if there is none).
    reconstructed_dataset
        Package dataset of the cells *dataset* withholds, rebuilt (County Business Patterns: cells with fewer than
        three establishments, :mod:`clusterplan.measures.withheld`); added to the published cells unless
        ``cells="published"``.
    detail_io
        Input-output links from the detailed table (the US 2007 benchmark use table, 389 industries) rather than
        the summary one.
    default_clusters
        Number of clusters ``define-clusters`` asks for when none is given (None: choose from a grid).
    """

    key: str
    dataset: str
    classification: str
    levels: tuple[str, ...]
    years: tuple[int, ...]
    label: str
    reference_taxonomy: str | None = None
    reconstructed_dataset: str | None = None
    detail_io: bool = False
    default_clusters: int | None = None

    @property
    def default_level(self) -> str:
        """The level used when none is given."""
        return self.levels[0]


#: Sources of :func:`industry_similarity` and ``clusterplan define-clusters``.
#:
#: Great Britain defaults to SIC 4-digit classes and the mean of 2019-2021: with only 40 ITL2 regions a
#: correlation rests on 40 points, and BRES is a sample survey whose small cells are rounded. The co-location
#: similarities of the traded industries measured on 2015-2017 and on 2019-2021 correlate at 0.84 for 4-digit
#: classes, 0.82 for 5-digit subclasses and 0.88 for 3-digit groups (single years: 0.80, 0.78, 0.84). Classes keep
#: most of the detail of the subclasses at a little less noise, where groups would merge industries such as
#: electrical and other motor-vehicle parts (2931, 2932); three years of data damp the survey's sampling error.
SOURCES: dict[str, DataSource] = {
    "us-cbp-2019": DataSource(
        "us-cbp-2019",
        CBP_METROS,
        "naics2017",
        ("naics6",),
        (2019,),
        "US County Business Patterns 2019, 933 metropolitan and micropolitan areas, NAICS 6-digit",
        US_DEFAULT_TAXONOMY,
        reconstructed_dataset=f"{CBP_METROS}_imputed",
        detail_io=True,
        default_clusters=51,
    ),
    "gb-bres-2021": DataSource(
        "gb-bres-2021",
        BRES_SUBCLASS,
        "sic2007",
        ("sic4", "sic3", "sic5"),
        (2019, 2020, 2021),
        "Business Register and Employment Survey, 40 GB ITL2 areas",
        None,
    ),
}


def _source(source: str | DataSource) -> DataSource:
    if isinstance(source, DataSource):
        return source
    key = str(source).strip().lower()
    if key not in SOURCES:
        raise UnknownCodeError("data source", str(source), sorted(SOURCES))
    return SOURCES[key]


def _level_digits(spec: DataSource, level: str | None) -> tuple[str, int]:
    chosen = spec.default_level if level is None else str(level).strip().lower()
    if chosen not in spec.levels:
        raise UnknownCodeError(f"industry level of {spec.key}", str(level), list(spec.levels))
    return chosen, int(re.sub(r"\D", "", chosen))


#: Which cells of a source with withheld cells :func:`industry_similarity` uses.
CELLS = ("reconstructed", "published")


def _employment(
    spec: DataSource, digits: int, years: Sequence[int], facts: pd.DataFrame
) -> tuple[pd.DataFrame, pd.Series]:
    """Mean employment over *years* (areas x codes at *digits*), and the areas' all-industries totals."""
    dataset: str | None = spec.dataset
    if not ("dataset" in facts.columns and (facts["dataset"] == dataset).any()):
        dataset = None  # a user's facts table: all of its rows
    frames = []
    totals = []
    for year in years:
        matrix = EmploymentMatrix.from_facts(facts, dataset, year=int(year))
        frames.append(matrix.employment)
        totals.append(matrix.area_totals)
    employment = pd.concat(frames).groupby(level=0).sum() / len(frames)
    area_totals = pd.concat(totals).groupby(level=0).sum() / len(totals)
    codes = employment.columns.astype(str)
    if digits < int(codes.str.len().max()):
        employment = employment.T.groupby(codes.str[:digits].to_numpy()).sum().T
    employment.columns = pd.Index(employment.columns.astype(str), name="industry_code")
    return employment.sort_index(axis=1), area_totals.reindex(employment.index)


@dataclass(frozen=True)
class SourceEmployment:
    """Result of :func:`source_employment`: a source's mean employment by area and industry at one level.

    Attributes
    ----------
    spec
        The :class:`DataSource`.
    level
        Industry level of the columns of *employment*.
    years
        Years averaged.
    employment
        Areas x industry codes at *level*, mean over *years*, industries without employment left out.
    area_totals
        Each area's all-industries employment, mean over *years*.
    cells
        ``reconstructed`` when the facts hold the withheld cells rebuilt, else ``published``.
    """

    spec: DataSource
    level: str
    years: tuple[int, ...]
    employment: pd.DataFrame
    area_totals: pd.Series
    cells: str = "published"

    @property
    def codes(self) -> list[str]:
        """The industry codes of *employment* (the ones :func:`industry_similarity` may cluster)."""
        return [str(c) for c in self.employment.columns]


def source_employment(
    source: str | DataSource,
    facts: pd.DataFrame,
    *,
    level: str | None = None,
    year: int | Sequence[int] | None = None,
    cells: str = "published",
) -> SourceEmployment:
    """Mean employment by area and industry of a source's facts, at one industry level, over some years.

    Parameters
    ----------
    source
        A key of :data:`SOURCES` (``"us-cbp-2019"``, ``"gb-bres-2021"``) or a :class:`DataSource`.
    facts
        Canonical facts (columns ``area_code, industry_code, year, measure, value``, and ``dataset``: rows of
        the source's :attr:`DataSource.dataset` are used when there are any, else every row), e.g. read by
        :func:`clusterplan.pipeline.relatedness.source_facts` or from ``clusterplan.sources``.
    level
        Industry level: ``naics6`` for the US; ``sic4`` (default), ``sic3`` or ``sic5`` for Great Britain.
    year
        A year or several (their mean employment is used); default the source's :attr:`DataSource.years`.
    cells
        What *facts* hold for a source with withheld cells: ``reconstructed`` (the rebuilt cells added) or
        ``published``; recorded in the result.

    Returns
    -------
    SourceEmployment

    Raises
    ------
    UnknownCodeError
        Unknown source, level, year or cells.

    Examples
    --------
    >>> facts = pd.DataFrame(
    ...     {
    ...         "area_code": ["A", "A", "B", "B"],
    ...         "industry_code": ["29100", "29320", "29100", "29320"],
    ...         "year": 2021,
    ...         "measure": "employment",
    ...         "value": [10.0, 30.0, 20.0, 0.0],
    ...     }
    ... )
    >>> jobs = source_employment("gb-bres-2021", facts, level="sic3", year=2021)
    >>> jobs.codes, jobs.employment["291"].tolist(), jobs.employment["293"].tolist()
    (['291', '293'], [10.0, 20.0], [30.0, 0.0])
    """
    spec = _source(source)
    level_name, digits = _level_digits(spec, level)
    years = spec.years if year is None else ((int(year),) if isinstance(year, int | np.integer) else tuple(year))
    if not years:
        raise ParameterError("give at least one year")
    if cells not in CELLS:
        raise UnknownCodeError("cells", str(cells), list(CELLS))
    employment, area_totals = _employment(spec, digits, years, facts)
    employment = employment.loc[:, employment.sum(axis=0) > 0]
    return SourceEmployment(spec, level_name, tuple(int(y) for y in years), employment, area_totals, cells)


# ---------------------------------------------------------------------------------------------------------------------
# Similarity
# ---------------------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class IndustrySimilarity:
    """Result of :func:`industry_similarity`.

    Attributes
    ----------
    combined
        Industry x industry combined similarity in [0, 1] (weighted mean of percentiles), zero diagonal.
    components
        The raw similarity matrices (``colocation``: correlation of log LQs; ``io``: DPS input-output link), same
        industries, zero diagonal.
    weights
        Weight of each component in *combined*.
    industries
        One row per industry: ``industry_code``, ``industry_name``, ``employment`` (mean over the years, all
        areas), ``traded_statistic`` (locational Gini).
    source, level, years, classification, cells
        What the similarity was built from (``cells``: ``reconstructed`` when withheld cells were rebuilt).
    names
        Industry names by code the similarity was given (SIC divisions to subclasses, or BEA detail
        industries), used to name and describe clusters.
    """

    combined: pd.DataFrame
    components: dict[str, pd.DataFrame]
    weights: dict[str, float]
    industries: pd.DataFrame
    source: str = ""
    level: str = ""
    years: tuple[int, ...] = ()
    classification: str = ""
    cells: str = "published"
    names: dict[str, str] = field(default_factory=dict)

    @property
    def codes(self) -> list[str]:
        """Industry codes in matrix order."""
        return [str(c) for c in self.combined.index]

    @cached_property
    def percentiles(self) -> dict[str, pd.DataFrame]:
        """Each component as percentile ranks of its pairs (what the validation scores use)."""
        return {name: _percentile_frame(matrix) for name, matrix in self.components.items()}


def _percentile_array(values: np.ndarray) -> np.ndarray:
    """Off-diagonal entries replaced by their percentile rank in (0, 1] among all pairs; zero diagonal."""
    from scipy.stats import rankdata

    n = values.shape[0]
    upper = np.triu_indices(n, k=1)
    out = np.zeros((n, n))
    if len(upper[0]) == 0:
        return out
    ranks = rankdata(values[upper], method="average") / len(upper[0])
    out[upper] = ranks
    return out + out.T


def _percentile_frame(matrix: pd.DataFrame) -> pd.DataFrame:
    return pd.DataFrame(_percentile_array(_square(matrix, "similarity")), index=matrix.index, columns=matrix.columns)


def _square(matrix: pd.DataFrame, name: str) -> np.ndarray:
    values = matrix.to_numpy(dtype=float)
    if values.ndim != 2 or values.shape[0] != values.shape[1] or not matrix.index.equals(matrix.columns):
        raise ParameterError(f"the {name} matrix must be square with the same industries on both axes")
    if not np.isfinite(values).all():
        raise DataValidationError(f"the {name} matrix has missing or infinite values", hint="fill them first")
    return values


def combine_similarities(
    components: Mapping[str, pd.DataFrame], weights: Mapping[str, float] | None = None
) -> pd.DataFrame:
    r"""Weighted mean of similarity matrices after turning each into percentile ranks.

    Parameters
    ----------
    components
        Named square similarity matrices over the same industries (any scale; symmetric; the diagonal is ignored).
    weights
        Weight per component name (non-negative, not all 0; normalised to sum to 1). Default: equal weights.

    Returns
    -------
    pandas.DataFrame
        Symmetric industry x industry similarity in [0, 1] with a zero diagonal.

    Notes
    -----
    With :math:`P^{(m)}_{ij}` the percentile rank of the pair :math:`(i, j)` among all pairs of component *m*
    (average rank for ties, divided by the number of pairs) and weights :math:`w_m`,

    .. math::

        S_{ij} = \frac{\sum_m w_m P^{(m)}_{ij}}{\sum_m w_m}

    Percentiles put a correlation in [-1, 1] and an input share in [0, 1] (mostly near 0) on one footing; the
    combination depends only on the order of the pairs in each measure.

    Examples
    --------
    >>> codes = ["A", "B", "C"]
    >>> colocation = pd.DataFrame([[0, 0.9, -0.2], [0.9, 0, 0.1], [-0.2, 0.1, 0]], index=codes, columns=codes)
    >>> io = pd.DataFrame([[0, 0.01, 0.02], [0.01, 0, 0.30], [0.02, 0.30, 0]], index=codes, columns=codes)

    A-B ranks 3rd of 3 on co-location and 1st on input-output: (3/3 + 1/3) / 2 = 0.667.

    >>> combine_similarities({"colocation": colocation, "io": io}).round(3).to_numpy().tolist()
    [[0.0, 0.667, 0.5], [0.667, 0.0, 0.833], [0.5, 0.833, 0.0]]
    """
    if not components:
        raise ParameterError("give at least one similarity matrix to combine")
    names = list(components)
    chosen = {name: 1.0 for name in names} if weights is None else {k: float(v) for k, v in weights.items()}
    unknown = [name for name in chosen if name not in components]
    if unknown:
        raise UnknownCodeError("similarity component", unknown[0], names)
    if any(not np.isfinite(w) or w < 0 for w in chosen.values()) or sum(chosen.values()) <= 0:
        raise ParameterError(f"weights must be numbers >= 0, not all 0; got {dict(chosen)}")
    first = components[names[0]]
    total = np.zeros(first.shape)
    for name, weight in chosen.items():
        matrix = components[name]
        if not (matrix.index.equals(first.index) and matrix.columns.equals(first.columns)):
            raise ParameterError(f"similarity component {name!r} does not have the same industries as {names[0]!r}")
        if weight > 0:
            total += weight * _percentile_array(_square(matrix, name))
    combined = total / sum(chosen.values())
    return pd.DataFrame(combined, index=first.index.copy(), columns=first.columns.copy())


def _parse_weights(weights: Mapping[str, float] | None) -> dict[str, float]:
    chosen = dict(DEFAULT_WEIGHTS) if weights is None else {str(k): float(v) for k, v in weights.items()}
    unknown = [k for k in chosen if k not in DEFAULT_WEIGHTS]
    if unknown:
        raise UnknownCodeError("similarity component", unknown[0], list(DEFAULT_WEIGHTS))
    if any(not np.isfinite(v) or v < 0 for v in chosen.values()) or sum(chosen.values()) <= 0:
        raise ParameterError(f"weights must be numbers >= 0, not all 0; got {chosen}")
    return {k: chosen.get(k, 0.0) for k in DEFAULT_WEIGHTS}


def _colocation_similarity(employment: pd.DataFrame, codes: Sequence[str]) -> pd.DataFrame:
    """Correlation across areas of log(1 + LQ), LQs against all industries, for *codes* (private helper)."""
    return locational_correlation(employment, transform="log_lq", industries=list(codes))


def industry_similarity(
    employment: SourceEmployment,
    *,
    io: pd.DataFrame,
    names: Mapping[str, str],
    naics_names: Mapping[str, str] | None = None,
    weights: Mapping[str, float] | None = None,
    traded_only: bool = True,
    traded_threshold: float | None = None,
) -> IndustrySimilarity:
    """Industry x industry similarity of a dataset's traded industries, from co-location and input-output links.

    :func:`clusterplan.pipeline.relatedness.industry_similarity` reads the facts, the input-output links and
    the names of a source and calls this.

    Parameters
    ----------
    employment
        The source's employment by area and industry (:func:`source_employment`).
    io
        Input-output relatedness, code x code, of at least the industries clustered (e.g.
        :func:`clusterplan.pipeline.relatedness.industry_io_relatedness` of ``employment.codes``).
    names
        Industry names by code: SIC 2007 divisions to subclasses for a SIC source; BEA detail industries by BEA
        code for a NAICS one (NAICS codes take the name of their BEA industry).
    naics_names
        NAICS source only: BEA's name of each NAICS code of its concordance (tried before *names*).
    weights
        Weights of ``colocation`` and ``io`` in the combined similarity (default 0.5 each).
    traded_only
        Keep only traded industries, as DPS do (:func:`clusterplan.measures.traded.classify_traded_local`, locational
        Gini at the chosen level against all areas).
    traded_threshold
        Gini threshold (default that of :func:`~clusterplan.measures.traded.classify_traded_local`).

    Returns
    -------
    IndustrySimilarity

    Raises
    ------
    ParameterError
        Bad weights.
    DataValidationError
        Fewer than three industries to cluster.

    Notes
    -----
    Industries whose LQ does not vary across areas, and industries without employment, are left out. Location
    quotients are computed against all industries of the level (not only traded ones), so a region's size in
    local services does not change the LQ of its traded industries' neighbours.
    """
    spec = employment.spec
    chosen_weights = _parse_weights(weights)
    jobs = employment.employment
    classes = classify_traded_local(jobs, area_totals=employment.area_totals, threshold=traded_threshold)
    keep = classes[classes["traded"]] if traded_only else classes
    codes = [c for c in keep["industry_code"].astype(str) if jobs[c].std() > 0]
    if len(codes) < 3:
        raise DataValidationError(
            f"only {len(codes)} industries to cluster", file=spec.dataset, hint="use a finer level or more years"
        )
    colocation = _colocation_similarity(jobs, codes)
    io = io.reindex(index=codes, columns=codes)
    components = {"colocation": colocation, "io": io}
    combined = combine_similarities(components, chosen_weights)
    info = keep.set_index("industry_code").reindex(codes)
    industries = pd.DataFrame(
        {
            "industry_code": codes,
            "industry_name": _names_for(spec.classification, codes, names, naics_names or {}),
            "employment": info["employment"].to_numpy(dtype=float),
            "traded_statistic": info["statistic"].to_numpy(dtype=float),
        }
    )
    return IndustrySimilarity(
        combined,
        components,
        chosen_weights,
        industries,
        spec.key,
        employment.level,
        employment.years,
        spec.classification,
        employment.cells,
        dict(names),
    )


def _names_for(
    classification: str, codes: Sequence[str], names: Mapping[str, str], concordance: Mapping[str, str]
) -> list[str]:
    """A name for each code: SIC names as published; NAICS codes get the name of their BEA detail industry."""
    if classification == "sic2007":
        return [names.get(c, "") for c in codes]
    prefixes = {re.sub(r"[A-Z].*$", "", b).rstrip("0"): n for b, n in names.items() if re.match(r"^\d", b)}
    # BEA's own concordance first (exact NAICS lists); construction (23) is split by structure, so it has no name.
    prefixes.update({p: n for p, n in concordance.items() if p != "23"})
    out = []
    for code in codes:
        match = next((code[:n] for n in range(len(code), 1, -1) if code[:n] in prefixes), None)
        out.append(prefixes[match] if match else "")
    return out


# ---------------------------------------------------------------------------------------------------------------------
# Validation scores
# ---------------------------------------------------------------------------------------------------------------------


def _labels_array(labels: pd.Series | Sequence[Any] | np.ndarray, n: int) -> np.ndarray:
    values = np.asarray(labels)
    if values.shape != (n,):
        raise ParameterError(f"expected {n} cluster labels, one per industry, got {values.shape[0]}")
    _, codes = np.unique(values, return_inverse=True)
    return codes.astype(np.int64)


@dataclass(frozen=True)
class _Prepared:
    """A similarity matrix with its "most related pairs" mask, computed once for scoring many cluster sets."""

    values: np.ndarray
    related: np.ndarray  # 1.0 where a pair is among the top share of pairs (zero diagonal)

    @classmethod
    def of(cls, values: np.ndarray, top: float) -> _Prepared:
        n = values.shape[0]
        upper = values[np.triu_indices(n, k=1)]
        cut = np.quantile(upper, 1 - top) if upper.size else np.inf
        related = (values >= cut).astype(float)
        np.fill_diagonal(related, 0.0)
        return cls(values, related)


def _cluster_sums(values: np.ndarray, labels: np.ndarray, k: int) -> np.ndarray:
    """Row sums of *values* over the columns of each cluster (n x k), by sorting once and ``np.add.reduceat``."""
    order = np.argsort(labels, kind="stable")
    sorted_labels = labels[order]
    starts = np.flatnonzero(np.r_[True, sorted_labels[1:] != sorted_labels[:-1]])
    sums = np.zeros((values.shape[0], k))
    sums[:, sorted_labels[starts]] = np.add.reduceat(values[:, order], starts, axis=1)
    return sums


def _scores_array(prepared: _Prepared, labels: np.ndarray) -> dict[str, float]:
    matrix = prepared.values
    n = len(labels)
    k = int(labels.max()) + 1
    sizes = np.bincount(labels, minlength=k).astype(float)
    to_cluster = _cluster_sums(matrix, labels, k)  # i's summed relatedness to each cluster
    block = _cluster_sums(to_cluster.T, labels, k)  # summed relatedness between clusters (within: ordered pairs)
    with np.errstate(divide="ignore", invalid="ignore"):
        wcr = np.diag(block) / (sizes * (sizes - 1))
        bcr = block / np.outer(sizes, sizes)
        own_size = sizes[labels] - 1
        own = to_cluster[np.arange(n), labels] / own_size
        other = to_cluster / sizes[None, :]
    valid = sizes >= 2
    off = ~np.eye(k, dtype=bool)
    vs_cluster = float(((wcr[:, None] > bcr) & valid[:, None] & off).sum() / off.sum()) if k > 1 else 0.0
    other_mask = np.ones((n, k), dtype=bool)
    other_mask[np.arange(n), labels] = False
    own_ok = own_size >= 1
    beats = (own[:, None] > other) & other_mask & own_ok[:, None]
    vs_industry = float(beats.sum() / other_mask.sum()) if k > 1 else 0.0
    other_best = np.where(other_mask, other, -np.inf).max(axis=1) if k > 1 else np.full(n, -np.inf)
    industry_fit = float(np.mean(own_ok & (own > other_best)))
    # Unordered pairs: related pairs inside clusters, all related pairs, all pairs inside clusters.
    related_same = float(_cluster_sums(prepared.related, labels, k)[np.arange(n), labels].sum()) / 2
    related_all = float(prepared.related.sum()) / 2
    same_all = float((sizes * (sizes - 1)).sum()) / 2
    return {
        "vs_cluster": vs_cluster,
        "vs_industry": vs_industry,
        "industry_fit": industry_fit,
        "related_within": related_same / related_all if related_all else 0.0,
        "within_related": related_same / same_all if same_all else 0.0,
    }


def validation_scores(
    labels: pd.Series | Sequence[Any],
    similarities: Mapping[str, pd.DataFrame] | pd.DataFrame,
    *,
    top_share: float = _TOP_SHARE,
) -> pd.DataFrame:
    r"""Within- versus between-cluster relatedness of a cluster set, on one or more similarity matrices.

    Parameters
    ----------
    labels
        Cluster of each industry: a Series indexed by industry code (aligned to the matrices), or a sequence in
        the matrices' industry order.
    similarities
        A square similarity matrix or several by name (e.g. :attr:`IndustrySimilarity.percentiles`).
    top_share
        Share of the most related pairs that count as "related" in ``related_within`` and ``within_related``.

    Returns
    -------
    pandas.DataFrame
        Columns :data:`SCORE_COLUMNS`, one row per matrix; every score is a share in [0, 1] (see the module
        docstring for the definitions).

    Examples
    --------
    Four industries, two obvious pairs (the two most related of the six pairs count as "related"):

    >>> codes = ["A", "B", "C", "D"]
    >>> m = pd.DataFrame([[0, 9, 1, 2], [9, 0, 2, 1], [1, 2, 0, 8], [2, 1, 8, 0]], index=codes, columns=codes)
    >>> validation_scores(pd.Series([1, 1, 2, 2], index=codes), m, top_share=0.34).iloc[0, 1:].astype(float).tolist()
    [1.0, 1.0, 1.0, 1.0, 1.0]
    >>> validation_scores([1, 2, 1, 2], m, top_share=0.34).iloc[0, 1:].astype(float).tolist()
    [0.0, 0.0, 0.0, 0.0, 0.0]
    """
    matrices = {"similarity": similarities} if isinstance(similarities, pd.DataFrame) else dict(similarities)
    if not 0 < top_share < 1:
        raise ParameterError(f"top_share must be between 0 and 1, not {top_share!r}")
    rows = []
    for name, matrix in matrices.items():
        values = _square(matrix, name)
        if isinstance(labels, pd.Series):
            missing = [c for c in matrix.index if c not in labels.index]
            if missing:
                raise UnknownCodeError(
                    "industry in the cluster labels", str(missing[0]), [str(c) for c in labels.index]
                )
            aligned = labels.reindex(matrix.index).to_numpy()
        else:
            aligned = np.asarray(labels)
        scores = _scores_array(_Prepared.of(values, top_share), _labels_array(aligned, values.shape[0]))
        rows.append({"matrix": name, **scores})
    return pd.DataFrame(rows, columns=SCORE_COLUMNS)


def _validation_score(scores: pd.DataFrame) -> float:
    return float(scores[list(_FIT_SCORES)].mean(axis=1).mean())


# ---------------------------------------------------------------------------------------------------------------------
# Clustering
# ---------------------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Candidate:
    method: str
    variant: str
    seed: int | None
    labels: np.ndarray


def _knn_graph(similarity: np.ndarray, neighbours: int) -> np.ndarray:
    """Symmetric affinity keeping each industry's *neighbours* most similar industries (weights = similarity)."""
    n = similarity.shape[0]
    m = min(neighbours, n - 1)
    order = np.argsort(-similarity + np.eye(n) * 1e9, axis=1, kind="stable")[:, :m]
    mask = np.zeros((n, n), dtype=bool)
    mask[np.repeat(np.arange(n), m), order.ravel()] = True
    mask |= mask.T
    return np.where(mask, np.maximum(similarity, 1e-9), 0.0)


def _spectral_embedding(affinity: np.ndarray, dimensions: int) -> np.ndarray:
    """Ng-Jordan-Weiss embedding: top eigenvectors of the normalised affinity, rows scaled to unit length."""
    from scipy.linalg import eigh

    degree = affinity.sum(axis=1)
    scale = 1.0 / np.sqrt(np.where(degree > 0, degree, 1.0))
    normalised = affinity * scale[:, None] * scale[None, :]
    n = affinity.shape[0]
    d = min(dimensions, n - 1)
    _, vectors = eigh(normalised, subset_by_index=[n - d, n - 1])
    vectors = vectors[:, ::-1]
    # Fix each eigenvector's sign so the embedding does not depend on the solver.
    signs = np.sign(vectors[np.argmax(np.abs(vectors), axis=0), np.arange(d)])
    return vectors * np.where(signs == 0, 1.0, signs)


def _row_normalise(x: np.ndarray) -> np.ndarray:
    norms = np.linalg.norm(x, axis=1, keepdims=True)
    return x / np.where(norms > 0, norms, 1.0)


def _hierarchical(similarity: np.ndarray, embedding: np.ndarray, counts: Sequence[int]) -> list[_Candidate]:
    from scipy.cluster.hierarchy import fcluster, linkage
    from scipy.spatial.distance import squareform

    distance = 1.0 - similarity
    np.fill_diagonal(distance, 0.0)
    condensed = squareform(distance, checks=False)
    out = []
    trees = {method: linkage(condensed, method=method) for method in ("average", "complete")}
    for k in counts:
        for method, tree in trees.items():
            out.append(_Candidate("hierarchical", f"{method} linkage", None, fcluster(tree, k, "maxclust") - 1))
        ward = linkage(_row_normalise(embedding[:, :k]), method="ward")
        out.append(
            _Candidate("hierarchical", "ward linkage on spectral embedding", None, fcluster(ward, k, "maxclust") - 1)
        )
    return out


def _kmeans(embedding: np.ndarray, counts: Sequence[int], seeds: Sequence[int]) -> list[_Candidate]:
    from sklearn.cluster import KMeans

    out = []
    for k in counts:
        points = _row_normalise(embedding[:, :k])
        for seed in seeds:
            model = KMeans(n_clusters=k, n_init=4, random_state=seed).fit(points)
            out.append(_Candidate("kmeans", "k-means on spectral embedding", seed, model.labels_.astype(np.int64)))
    return out


def _community(affinity: np.ndarray, resolutions: Sequence[float], seeds: Sequence[int]) -> list[_Candidate]:
    graph = nx.from_numpy_array(np.triu(affinity))
    out = []
    for resolution in resolutions:
        for seed in seeds:
            communities = nx.community.louvain_communities(graph, weight="weight", resolution=resolution, seed=seed)
            labels = np.empty(affinity.shape[0], dtype=np.int64)
            for number, members in enumerate(sorted(communities, key=min)):
                labels[list(members)] = number
            out.append(_Candidate("community", f"Louvain, resolution {resolution:g}", seed, labels))
    return out


def _default_counts(n: int) -> list[int]:
    """About 8 to 30 industries per cluster (the CMP's 51 clusters average 15 of 778 industries)."""
    low, high = max(2, round(n / 30)), max(3, round(n / 8))
    counts = np.unique(np.linspace(low, high, 8).round().astype(int))
    return [int(k) for k in counts if 2 <= k < n]


def cluster_candidates(
    similarity: IndustrySimilarity | pd.DataFrame,
    *,
    methods: Sequence[str] = METHODS,
    cluster_counts: Sequence[int] | None = None,
    seeds: Sequence[int] = (0, 1, 2),
    resolutions: Sequence[float] = (1.0, 1.5, 2.0, 3.0, 4.0),
    neighbours: int = _NEIGHBOURS,
) -> list[tuple[str, str, int | None, pd.Series]]:
    """Candidate cluster sets from several clustering functions over a parameter grid.

    Parameters
    ----------
    similarity
        The combined similarity (an :class:`IndustrySimilarity` or a square frame in [0, 1]).
    methods
        Any of :data:`METHODS`:

        * ``hierarchical``: average and complete linkage on the distance :math:`1 - S`, and Ward linkage on the
          spectral embedding, cut at each of *cluster_counts*;
        * ``kmeans``: k-means on the spectral embedding (the first *k* eigenvectors of the normalised
          nearest-neighbour affinity, rows scaled to unit length; Ng, Jordan and Weiss 2001), one candidate per
          count and seed;
        * ``community``: Louvain modularity communities of the nearest-neighbour graph, one per resolution and
          seed (the number of clusters follows from the resolution).
    cluster_counts
        Numbers of clusters for ``hierarchical`` and ``kmeans``; default eight values from about *n*/30 to *n*/8.
    seeds
        Random seeds of ``kmeans`` and ``community``: the result is the same on every run and machine for the same
        seeds.
    resolutions
        Louvain resolutions (higher: more, smaller communities).
    neighbours
        Each industry keeps edges to its *neighbours* most similar industries in the graph.

    Returns
    -------
    list of (method, variant, seed, labels)
        *labels* is a Series of cluster numbers (0, 1, ...) indexed by industry code.
    """
    frame = similarity.combined if isinstance(similarity, IndustrySimilarity) else similarity
    values = _square(frame, "similarity")
    n = values.shape[0]
    unknown = [m for m in methods if m not in METHODS]
    if unknown:
        raise UnknownCodeError("clustering method", str(unknown[0]), list(METHODS))
    counts = _default_counts(n) if cluster_counts is None else sorted({int(k) for k in cluster_counts})
    if any(k < 2 or k >= n for k in counts):
        raise ParameterError(f"numbers of clusters must be between 2 and {n - 1} (there are {n} industries)")
    affinity = _knn_graph(values, neighbours)
    candidates: list[_Candidate] = []
    embedding = _spectral_embedding(affinity, max(counts)) if {"hierarchical", "kmeans"} & set(methods) else None
    if "hierarchical" in methods and embedding is not None:
        candidates += _hierarchical(values, embedding, counts)
    if "kmeans" in methods and embedding is not None:
        candidates += _kmeans(embedding, counts, list(seeds))
    if "community" in methods:
        candidates += _community(affinity, list(resolutions), list(seeds))
    return [
        (c.method, c.variant, c.seed, pd.Series(c.labels, index=frame.index.copy(), name="cluster")) for c in candidates
    ]


# ---------------------------------------------------------------------------------------------------------------------
# The algorithm
# ---------------------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ClusterDefinition:
    """Result of :func:`define_clusters`.

    Attributes
    ----------
    labels
        The chosen cluster of each industry: a Series of cluster numbers 1..K indexed by industry code, clusters
        numbered by decreasing employment.
    scores
        :func:`validation_scores` of the chosen set on each component and on the combined similarity.
    candidates
        Every candidate of the grid: :data:`CANDIDATE_COLUMNS` plus one ``<matrix>_<score>`` column per score.
    chosen
        The chosen candidate's row of *candidates* as a dict.
    similarity
        The similarity the clusters were built from.
    seconds
        Time taken by the grid and its scoring.
    parameters
        The arguments of :func:`define_clusters`.
    """

    labels: pd.Series
    scores: pd.DataFrame
    candidates: pd.DataFrame
    chosen: dict[str, Any]
    similarity: IndustrySimilarity
    seconds: float = 0.0
    parameters: dict[str, Any] = field(default_factory=dict)

    @property
    def validation_score(self) -> float:
        """The chosen set's selection score (see the module docstring)."""
        return float(self.chosen["validation_score"])


def _renumber(labels: pd.Series, employment: pd.Series) -> pd.Series:
    """Cluster numbers 1..K by decreasing employment (then smallest code), so output order is stable."""
    frame = pd.DataFrame({"cluster": labels.to_numpy(), "employment": employment.reindex(labels.index).to_numpy()})
    frame["code"] = labels.index.astype(str)
    order = (
        frame.groupby("cluster")
        .agg(employment=("employment", "sum"), first=("code", "min"))
        .sort_values(["employment", "first"], ascending=[False, True])
    )
    number = {old: new for new, old in enumerate(order.index, start=1)}
    return pd.Series([number[c] for c in labels.to_numpy()], index=labels.index.copy(), name="cluster")


def define_clusters(
    similarity: IndustrySimilarity,
    *,
    method: str = "best",
    clusters: int | None = None,
    seed: int = 0,
    seeds: int = 3,
    max_cluster_share: float = MAX_CLUSTER_SHARE,
    progress: Callable[[str], None] | None = None,
) -> ClusterDefinition:
    """Run the clustering grid, score every candidate and keep the best (Delgado, Porter and Stern 2016).

    Parameters
    ----------
    similarity
        From :func:`industry_similarity`.
    method
        ``hierarchical``, ``kmeans``, ``community`` or ``best`` (all three; the best candidate wins).
    clusters
        Number of clusters for ``hierarchical`` and ``kmeans`` (default: a grid, see :func:`cluster_candidates`).
        Community detection sets its own number; with *clusters* given, only the community candidates within 20%
        of it are kept.
    seed
        First random seed; *seeds* consecutive seeds are run for ``kmeans`` and ``community``.
    max_cluster_share
        Candidates whose largest cluster holds more than this share of the industries are not selected (unless no
        candidate qualifies).
    progress
        Called with a line of text at each step.

    Returns
    -------
    ClusterDefinition

    Notes
    -----
    Every candidate is scored with :func:`validation_scores` on the co-location and input-output percentiles; its
    ``validation_score`` is the mean over the two matrices of the mean of ``vs_cluster``, ``vs_industry`` and
    ``industry_fit``. The candidates are computed one after the other with fixed seeds and no shared state, so
    the result is the same on every run, and several runs can go in parallel processes.

    Timing on the 2-core development machine, US CBP 2019 (699 traded NAICS 6-digit industries on published
    cells, 63 candidates): about 4 s in all (similarity and grid) when the machine was otherwise idle; 10-27 s
    while other jobs kept it busy (load average 4-7). Most of the time goes to the eigenvectors of the spectral
    embedding and to k-means. Great Britain (305 SIC classes): under 5 s.
    """
    say = progress or (lambda message: None)
    if method not in (*METHODS, "best"):
        raise UnknownCodeError("clustering method", method, [*METHODS, "best"])
    if seeds < 1:
        raise ParameterError(f"seeds must be at least 1, not {seeds}")
    if not 0 < max_cluster_share <= 1:
        raise ParameterError(f"max_cluster_share must be in (0, 1], not {max_cluster_share!r}")
    n = len(similarity.codes)
    if clusters is not None and not 2 <= int(clusters) < n:
        raise ParameterError(
            f"the number of clusters must be between 2 and {n - 1}: there are {n} industries to cluster"
        )
    start = time.perf_counter()
    methods: tuple[str, ...] = METHODS if method == "best" else (method,)
    say(f"clustering {n} industries ({', '.join(methods)})")
    raw = cluster_candidates(
        similarity,
        methods=methods,
        cluster_counts=None if clusters is None else [int(clusters)],
        seeds=list(range(seed, seed + seeds)),
    )
    if clusters is not None and len(methods) == 1 and methods[0] == "community":
        near = [c for c in raw if abs(c[3].nunique() - clusters) <= 0.2 * clusters]
        raw = near or raw
    elif clusters is not None:
        raw = [c for c in raw if c[0] != "community" or abs(c[3].nunique() - clusters) <= 0.2 * clusters]
    say(f"scoring {len(raw)} candidate cluster sets")
    matrices = similarity.percentiles
    component_names = list(matrices)
    prepared = {name: _Prepared.of(matrix.to_numpy(dtype=float), _TOP_SHARE) for name, matrix in matrices.items()}
    rows = []
    for number, (name, variant, candidate_seed, labels) in enumerate(raw):
        codes = _labels_array(labels.reindex(similarity.combined.index).to_numpy(), len(labels))
        scores = pd.DataFrame(
            [{"matrix": m, **_scores_array(p, codes)} for m, p in prepared.items()], columns=SCORE_COLUMNS
        )
        sizes = labels.value_counts()
        row: dict[str, Any] = {
            "candidate": number,
            "method": name,
            "variant": variant,
            "clusters": int(sizes.size),
            "seed": candidate_seed,
            "largest_cluster": int(sizes.max()),
            "singletons": int((sizes == 1).sum()),
            "eligible": bool(sizes.max() <= max_cluster_share * n),
            "validation_score": _validation_score(scores),
        }
        for record in scores.to_dict("records"):
            for key in SCORE_COLUMNS[1:]:
                row[f"{record['matrix']}_{key}"] = record[key]
        rows.append(row)
    candidates = pd.DataFrame(rows)
    candidates["seed"] = candidates["seed"].astype("Int64")
    pool = candidates[candidates["eligible"]] if candidates["eligible"].any() else candidates
    best = int(pool.sort_values(["validation_score", "candidate"], ascending=[False, True]).iloc[0]["candidate"])
    employment = similarity.industries.set_index("industry_code")["employment"]
    labels = _renumber(raw[best][3], employment)
    all_matrices = {**matrices, "combined": similarity.combined}
    scores = validation_scores(labels, all_matrices)
    seconds = time.perf_counter() - start
    chosen = {str(k): v for k, v in candidates.iloc[best].to_dict().items()}
    say(f"chose candidate {best}: {chosen['method']} ({chosen['variant']}), {chosen['clusters']} clusters")
    parameters = {
        "method": method,
        "clusters": clusters,
        "seed": seed,
        "seeds": seeds,
        "max_cluster_share": max_cluster_share,
        "components": component_names,
    }
    return ClusterDefinition(labels, scores, candidates, chosen, similarity, seconds, parameters)


# ---------------------------------------------------------------------------------------------------------------------
# Comparison with a reference taxonomy
# ---------------------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class TaxonomyComparison:
    """Result of :func:`compare_with_taxonomy`.

    Attributes
    ----------
    adjusted_rand_index
        ARI between the two partitions of the industries in both.
    random_adjusted_rand_index
        Mean ARI of random assignments with the same cluster sizes (the data-driven labels shuffled).
    industries
        Number of industries in both.
    overlap
        One row per reference cluster (:data:`OVERLAP_COLUMNS`): its best-matching data-driven cluster by Jaccard
        overlap over the common industries.
    """

    adjusted_rand_index: float
    random_adjusted_rand_index: float
    industries: int
    overlap: pd.DataFrame


def compare_with_taxonomy(
    labels: pd.Series,
    reference: Taxonomy | str,
    *,
    names: Mapping[Any, str] | None = None,
    seed: int = 0,
    shuffles: int = 20,
) -> TaxonomyComparison:
    """Agreement between data-driven clusters and a reference taxonomy (e.g. the US Cluster Mapping clusters).

    Parameters
    ----------
    labels
        Cluster of each industry, indexed by industry code at the taxonomy's finest level.
    reference
        A :class:`~clusterplan.taxonomy.Taxonomy` or the name of a built-in one.
    names
        Optional display names of the data-driven clusters.
    seed, shuffles
        The random-assignment baseline shuffles the labels *shuffles* times with this seed.

    Returns
    -------
    TaxonomyComparison

    Notes
    -----
    Industries in more than one reference cluster keep the first. The adjusted Rand index is 1 for identical
    partitions and about 0 for unrelated ones (Hubert and Arabie 1985); it is computed with
    :func:`sklearn.metrics.adjusted_rand_score`.

    Examples
    --------
    >>> from clusterplan.taxonomy import Cluster, Taxonomy
    >>> ref = Taxonomy("ref", "Ref", "naics2017", "", "",
    ...                (Cluster("a", "A", "", ("111110", "111120")), Cluster("b", "B", "", ("211111", "211112"))))
    >>> labels = pd.Series([1, 1, 2, 2], index=["111110", "111120", "211111", "211112"])
    >>> result = compare_with_taxonomy(labels, ref)
    >>> result.adjusted_rand_index, result.industries, result.overlap["jaccard"].tolist()
    (1.0, 4, [1.0, 1.0])
    """
    from sklearn.metrics import adjusted_rand_score

    from ..taxonomy import load_taxonomy

    taxonomy = load_taxonomy(reference) if isinstance(reference, str) else reference
    codes = [str(c) for c in labels.index]
    mapping = taxonomy.mapping(codes, strict=False).drop_duplicates("industry_code")
    common = [c for c in codes if c in set(mapping["industry_code"])]
    if len(common) < 2:
        raise ParameterError(
            f"only {len(common)} industries are in both the clusters and taxonomy {taxonomy.name!r}",
            hint="compare clusters with a taxonomy of the same classification",
        )
    reference_of = dict(zip(mapping["industry_code"], mapping["cluster_id"], strict=True))
    ours = labels.copy()
    ours.index = ours.index.astype(str)
    mine = ours.reindex(common).to_numpy()
    theirs = np.array([reference_of[c] for c in common])
    ari = float(adjusted_rand_score(theirs, mine))
    rng = np.random.default_rng(seed)
    random_ari = float(np.mean([adjusted_rand_score(theirs, rng.permutation(mine)) for _ in range(shuffles)]))
    members: dict[Any, set[str]] = {}
    for code, label in zip(common, mine, strict=True):
        members.setdefault(label, set()).add(code)
    rows = []
    for cluster in taxonomy.clusters:
        theirs_set = {c for c in common if reference_of[c] == cluster.id}
        if not theirs_set:
            continue
        best, best_j, best_shared = None, -1.0, 0
        for label, mine_set in members.items():
            shared = len(theirs_set & mine_set)
            jaccard = shared / len(theirs_set | mine_set)
            if jaccard > best_j:
                best, best_j, best_shared = label, jaccard, shared
        rows.append(
            {
                "reference_id": cluster.id,
                "reference_name": cluster.name,
                "reference_industries": len(theirs_set),
                "best_cluster": best,
                "best_cluster_name": (names or {}).get(best, str(best)),
                "best_cluster_industries": len(members[best]),
                "shared_industries": best_shared,
                "jaccard": best_j,
            }
        )
    return TaxonomyComparison(ari, random_ari, len(common), pd.DataFrame(rows, columns=OVERLAP_COLUMNS))


# ---------------------------------------------------------------------------------------------------------------------
# As a taxonomy
# ---------------------------------------------------------------------------------------------------------------------


def _snake(text: str, limit: int = 48) -> str:
    words = re.findall(r"[a-z0-9]+", text.lower())
    out = ""
    for word in words:
        if out and len(out) + 1 + len(word) > limit:
            break
        out = f"{out}_{word}" if out else word
    return out[:limit] or "cluster"


def _short(name: str, limit: int = 50) -> str:
    """An industry name without its boilerplate, cut at a word boundary, for cluster names."""
    text = re.sub(r"^(Manufacture|Manufacturing) of ", "", name.strip())
    text = re.sub(r"\s*\(.*?\)", "", text)
    text = re.sub(r";.*$", "", text)
    text = re.sub(r",? n\.e\.c\.?$", "", text).strip(" ,")
    if len(text) > limit:
        text = text[:limit].rsplit(" ", 1)[0].rstrip(" ,;") + "..."
    return text[:1].upper() + text[1:]


def _cluster_names(definition: ClusterDefinition) -> dict[int, tuple[str, str]]:
    """Name and description of each cluster from its industries' names and SIC divisions, by employment."""
    industries = definition.similarity.industries.set_index("industry_code")
    names = definition.similarity.names
    sector = "division" if definition.similarity.classification == "sic2007" else "sector"
    out: dict[int, tuple[str, str]] = {}
    for cluster, codes in definition.labels.groupby(definition.labels).groups.items():
        members = industries.loc[list(codes)].sort_values("employment", ascending=False, kind="stable")
        total = float(members["employment"].sum())
        shares = members["employment"] / total if total > 0 else members["employment"] * 0.0
        code_label = "SIC" if definition.similarity.classification == "sic2007" else "NAICS"
        top = [_short(str(n)) if str(n) else f"{code_label} {c}" for c, n in members["industry_name"].items()]
        name = top[0]
        second = next((t for t in top[1:] if t != top[0]), None)
        if second is not None and float(shares.iloc[0]) < 0.5:
            name = f"{top[0]} & {_short(second, 40)}"
        divisions = members.groupby(members.index.str[:2])["employment"].sum().sort_values(ascending=False)
        parts = []
        for division, jobs in divisions.head(3).items():
            label = names.get(str(division), "")
            share = jobs / total if total > 0 else 0.0
            parts.append(f"{division} {label} ({share:.0%})" if label else f"{division} ({share:.0%})")
        industry_list = ", ".join(
            f"{c} {_short(str(n), 60)}".strip() for c, n in members["industry_name"].head(5).items()
        )
        description = (
            f"{len(members)} industries, {total:,.0f} jobs; by employment mostly {sector}s {', '.join(parts)}. "
            f"Largest: {industry_list}" + (f" and {len(members) - 5} more." if len(members) > 5 else ".")
        )
        out[int(str(cluster))] = (name, description)
    return out


def clusters_to_taxonomy(
    definition: ClusterDefinition, *, name: str | None = None, title: str | None = None
) -> Taxonomy:
    """The chosen clusters as a :class:`~clusterplan.taxonomy.Taxonomy` (exact codes of the similarity's level).

    Each cluster gets a name from its largest industries by employment (the largest, and the second when the
    largest has under half of the jobs), a description of its main SIC divisions (NAICS sectors), a note with its
    own scores, and a confidence:

    * ``medium``: on both the co-location and the input-output links its industries are more related to each
      other than to the industries of other clusters (mean percentile), and at least half of its industries are
      on average closer to it than to any other cluster on the combined similarity;
    * ``low`` otherwise.

    No data-driven cluster is ``high``: without occupation links and a review by people who know the industries,
    the definitions are a starting point.
    """
    sim = definition.similarity
    labels = definition.labels
    names = _cluster_names(definition)
    matrices = {**sim.percentiles, "combined": sim.combined}
    used: set[str] = set()
    clusters = []
    for cluster in sorted(names):
        cluster_name, description = names[cluster]
        codes = sorted(str(c) for c in labels.index[labels == cluster])
        ident = _snake(cluster_name)
        if ident in used:
            ident = f"{ident}_{cluster}"
        used.add(ident)
        own = _cluster_scores(labels, cluster, matrices).set_index("matrix")
        links = own.drop(index="combined")
        combined_fit = float(own["fit"].to_numpy()[list(own.index).index("combined")])
        note = (
            f"Data-driven cluster {cluster} (clusterplan define-clusters). Mean relatedness (percentile) within it "
            f"against other clusters: "
            + ", ".join(f"{m} {r['within']:.2f} vs {r['between']:.2f}" for m, r in own.iterrows())
            + f"; {combined_fit:.0%} of its industries are closest to it on the combined similarity."
        )
        holds = bool((links["within"] > links["between"]).all()) and combined_fit >= 0.5
        confidence = "medium" if len(codes) > 1 and holds else "low"
        clusters.append(Cluster(ident, cluster_name, description, tuple(codes), note, confidence))
    scores = definition.scores.set_index("matrix")
    summary = "; ".join(
        f"{matrix}: VS-cluster {row.vs_cluster:.3f}, VS-industry {row.vs_industry:.3f}, "
        f"industry fit {row.industry_fit:.3f}"
        for matrix, row in scores.iterrows()
    )
    chosen = definition.chosen
    key = sim.source.replace("-", "_") or "data"
    seed = f", seed {chosen['seed']}" if pd.notna(chosen["seed"]) else ""
    return Taxonomy(
        name=name or f"{key}_data_driven_{sim.level}",
        title=title or f"Data-driven clusters of {sim.source} ({len(clusters)} clusters, {sim.level})",
        classification=sim.classification,
        source=(
            f"clusterplan define-clusters on {sim.source} ({', '.join(map(str, sim.years))}), {sim.level}, traded "
            f"industries; similarity {sim.weights['colocation']:g} x co-location (correlation of log(1 + LQ) "
            f"across areas{', withheld cells reconstructed' if sim.cells == 'reconstructed' else ''}) + "
            f"{sim.weights['io']:g} x input-output links"
            f"{' (BEA detail use table 2007)' if _source(sim.source).detail_io else ''}, as percentiles; algorithm "
            "of Delgado, Porter and Stern (2016) without occupation links."
        ),
        description=(
            f"{len(clusters)} clusters of {len(labels)} traded industries, chosen among {len(definition.candidates)} "
            f"candidates: {chosen['method']} ({chosen['variant']}{seed}), validation score "
            f"{definition.validation_score:.3f}. Scores: {summary}."
        ),
        clusters=tuple(clusters),
    )


def _cluster_scores(labels: pd.Series, cluster: int, matrices: Mapping[str, pd.DataFrame]) -> pd.DataFrame:
    """Within- and between-cluster relatedness of one cluster, and the share of its industries closest to it."""
    inside = (labels == cluster).to_numpy()
    others = labels.to_numpy()[~inside]
    k = int(inside.sum())
    rows = []
    for name, matrix in matrices.items():
        values = matrix.reindex(index=labels.index, columns=labels.index).to_numpy(dtype=float)
        if k < 2:
            rows.append({"matrix": name, "within": float("nan"), "between": float("nan"), "fit": 0.0})
            continue
        within_rows = values[inside]
        own = within_rows[:, inside].sum(axis=1) / (k - 1)
        by_other = pd.DataFrame(within_rows[:, ~inside]).T.groupby(others).mean()
        closest = own > by_other.max(axis=0).to_numpy() if not by_other.empty else np.ones(k, dtype=bool)
        rows.append(
            {
                "matrix": name,
                "within": float(own.mean()),
                "between": float(within_rows[:, ~inside].mean()) if (~inside).any() else float("nan"),
                "fit": float(closest.mean()),
            }
        )
    return pd.DataFrame(rows)


def _quote(text: str) -> str:
    return json.dumps(text, ensure_ascii=False)  # a JSON string is a valid YAML double-quoted scalar


def taxonomy_yaml(taxonomy: Taxonomy, *, header: Sequence[str] = ()) -> str:
    """A taxonomy as YAML text in the layout :func:`~clusterplan.load_taxonomy` reads (codes quoted).

    Examples
    --------
    >>> from clusterplan.taxonomy import Cluster, Taxonomy
    >>> tax = Taxonomy("demo", "Demo", "sic2007", "test", "", (Cluster("a", "A", "", ("2910", "30300")),))
    >>> print(taxonomy_yaml(tax))
    name: demo
    title: "Demo"
    classification: sic2007
    source: "test"
    description: ""
    clusters:
      - id: a
        name: "A"
        description: ""
        codes: ["2910", "30300"]
    <BLANKLINE>
    """
    lines = [f"# {line}".rstrip() for line in header]
    if lines:
        lines.append("")
    lines += [
        f"name: {taxonomy.name}",
        f"title: {_quote(taxonomy.title)}",
        f"classification: {taxonomy.classification}",
        f"source: {_quote(taxonomy.source)}",
        f"description: {_quote(taxonomy.description)}",
        "clusters:",
    ]
    for cluster in taxonomy.clusters:
        lines += [
            f"  - id: {cluster.id}",
            f"    name: {_quote(cluster.name)}",
            f"    description: {_quote(cluster.description)}",
        ]
        codes = ", ".join(_quote(c) for c in cluster.codes)
        wrapped = textwrap.wrap(codes, width=100, break_long_words=False, break_on_hyphens=False)
        if len(wrapped) <= 1:
            lines.append(f"    codes: [{codes}]")
        else:
            lines.append("    codes: [")
            lines += [f"      {part}" for part in wrapped]
            lines.append("    ]")
        if cluster.note:
            lines.append(f"    note: {_quote(cluster.note)}")
        if cluster.confidence:
            lines.append(f"    confidence: {cluster.confidence}")
    return "\n".join(lines) + "\n"
