"""Traded and local industries, and how much of an economy a taxonomy's clusters cover.

*Traded* industries sell outside their region and so concentrate where they have
a competitive advantage; *local* industries serve the local market and are found
in every region roughly in proportion to its size (Porter 2003). The US Cluster
Mapping Project (CMP) builds its clusters from traded industries only, so before
applying a cluster definition to data it is worth knowing two things, which this
module measures from the data themselves:

* :func:`mapping_coverage`: which codes of a taxonomy the data have, and what
  share of all employment the clusters hold. Applied to County Business Patterns
  2019, the CMP's 51 traded clusters hold 29.5% of the employment of US
  metropolitan and micropolitan areas.
* :func:`classify_traded_local`: which industries are geographically
  concentrated enough to be called traded, by the locational Gini coefficient
  (:func:`locational_gini`) or by the share of an industry's employment that
  sits in areas specialised in it (:func:`share_in_specialised_areas`).

Both work on an :class:`EmploymentMatrix` (areas x industries at the data's
finest level, plus each area's all-industries total) read from a canonical
facts table by :meth:`EmploymentMatrix.from_facts` (the pipeline reads one from
the warehouse: :func:`clusterplan.pipeline.coverage.warehouse_employment_matrix`).

References
----------
Porter, M. E. (2003). The economic performance of regions. *Regional Studies*
37(6-7), 549-578.
Delgado, M., Porter, M. E. and Stern, S. (2016). Defining clusters of related
industries. *Journal of Economic Geography* 16(1), 1-38.
Krugman, P. (1991). *Geography and Trade*. MIT Press (the locational Gini).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from .._exceptions import DataValidationError, ParameterError, TaxonomyError, UnknownCodeError
from ..taxonomy._taxonomy import _SCHEMES, Taxonomy, _expand, _leaf_codes
from . import specialisation

__all__ = [
    "COVERAGE_COLUMNS",
    "DEFAULT_THRESHOLDS",
    "TOTAL_ROW",
    "TRADED_LOCAL_COLUMNS",
    "EmploymentMatrix",
    "classify_traded_local",
    "locational_gini",
    "mapping_coverage",
    "share_in_specialised_areas",
]

#: Columns of :func:`mapping_coverage`.
COVERAGE_COLUMNS = [
    "cluster_id",
    "cluster_name",
    "codes_written",
    "codes_found",
    "codes_missing",
    "missing_codes",
    "industries",
    "employment",
    "employment_share",
]
#: ``cluster_id`` of the last row of :func:`mapping_coverage`: every cluster together, each industry counted once.
#: It cannot clash with a cluster id, which must start with a letter or digit.
TOTAL_ROW = "_total"
#: Columns of :func:`classify_traded_local`.
TRADED_LOCAL_COLUMNS = ["industry_code", "employment", "statistic", "traded"]
#: Default threshold of each method of :func:`classify_traded_local` (an industry is traded at or above it).
#: Calibrated on County Business Patterns 2019 (933 US metropolitan and micropolitan areas, NAICS 6-digit),
#: where these values best reproduce the Cluster Mapping Project's traded and local industry lists.
DEFAULT_THRESHOLDS = {"gini": 0.45, "lq_share": 0.7}

_TOTAL_AUTO = "auto"


@dataclass(frozen=True)
class EmploymentMatrix:
    """Employment by area and industry at the data's finest level, with each area's all-industries total.

    Attributes
    ----------
    employment
        Areas (index ``area_code``) x industries (columns, the finest codes in
        the data, e.g. 6-digit NAICS or 5-digit SIC); 0 where the data have no
        row (not published, or none).
    area_totals
        Employment in all industries per area (same index): the data's
        published total where there is one (County Business Patterns code
        ``00``), else the sum of the industries.
    dataset, year, classification
        Where the numbers come from (None when not known).
    total_source
        ``"published total <code>"`` or ``"sum of industries"``.
    """

    employment: pd.DataFrame
    area_totals: pd.Series
    dataset: str | None = None
    year: int | None = None
    classification: str | None = None
    total_source: str = "sum of industries"

    @classmethod
    def from_facts(
        cls,
        facts: pd.DataFrame,
        dataset: str | None = None,
        *,
        year: int | None = None,
        measure: str = "employment",
        total_code: str | Sequence[str] | None = _TOTAL_AUTO,
    ) -> EmploymentMatrix:
        """Read one dataset's employment from a table of canonical facts.

        Parameters
        ----------
        facts
            Canonical facts (columns ``area_code, industry_code, year, measure,
            value``; also ``dataset``, ``breakdown`` and ``classification`` when
            present).
        dataset
            Selects rows of the ``dataset`` column (and names the data in errors).
        year
            Year to read; default the latest year in the data.
        measure
            Measure to read (``employment``).
        total_code
            Industry code(s) of the published all-industries total. ``"auto"``:
            ``"00"`` if present, as in County Business Patterns. None: sum the
            finest industries (as for BRES, which publishes no total).

        Returns
        -------
        EmploymentMatrix
            Industries are the digit codes of the greatest length in the data:
            the coarser levels of a hierarchy (CBP's 2- to 5-digit rows) are left out.

        Raises
        ------
        UnknownCodeError
            A year the data do not have.
        DataValidationError
            The facts table lacks a column, or the dataset has no rows for *measure*.

        Examples
        --------
        >>> facts = pd.DataFrame({
        ...     "area_code": ["A", "A", "A", "B", "B"], "industry_code": ["00", "11", "111111", "00", "111111"],
        ...     "year": 2019, "measure": "employment", "value": [100.0, 30.0, 30.0, 50.0, 5.0]})
        >>> matrix = EmploymentMatrix.from_facts(facts)
        >>> matrix.employment.to_dict(), matrix.area_totals.tolist(), matrix.total_source
        ({'111111': {'A': 30.0, 'B': 5.0}}, [100.0, 50.0], 'published total 00')
        """
        rows, classification, totals = _facts_rows(facts, dataset, measure, total_code)
        label = dataset or "the facts table"
        if rows.empty:
            raise DataValidationError(f"no {measure!r} rows", file=label, hint="check the dataset and measure")
        years = sorted(int(y) for y in rows["year"].dropna().unique())
        chosen = years[-1] if year is None else int(year)
        if chosen not in years:
            raise UnknownCodeError("year", str(year), [str(y) for y in years], hint=f"years in {label}")
        rows = rows[rows["year"] == chosen]
        codes = rows["industry_code"].astype(str)
        digit = codes.str.fullmatch(r"\d+")
        total_rows = rows[codes.isin(totals)] if totals else rows.iloc[0:0]
        detail = codes[digit & ~codes.isin(totals)]
        if detail.empty:
            raise DataValidationError(f"no industry rows in {chosen}", file=label, hint="the data hold totals only")
        finest = int(detail.str.len().max())
        leaves = rows[digit & (codes.str.len() == finest) & ~codes.isin(totals)]
        summed = leaves.groupby(["area_code", "industry_code"])["value"].sum().reset_index()
        panel = summed.rename(columns={"industry_code": "unit_code", "value": "employment"}).assign(year=chosen)
        # One pivot for every area x industry matrix (measures.specialisation); a cell with no row is 0 here.
        employment = specialisation.employment_matrix(panel, year=chosen).fillna(0.0)
        employment.columns = employment.columns.astype(str)
        employment.columns.name = "industry_code"
        if not total_rows.empty:
            area_totals = total_rows.groupby("area_code")["value"].sum().astype(float)
            source_label = f"published total {', '.join(sorted(set(total_rows['industry_code'])))}"
        else:
            area_totals = employment.sum(axis=1)
            source_label = "sum of industries"
        areas = sorted(set(employment.index) | set(area_totals.index))
        employment = employment.reindex(index=areas, fill_value=0.0).sort_index(axis=1)
        employment.index.name = "area_code"
        area_totals = area_totals.reindex(areas).fillna(employment.sum(axis=1)).rename("area_total")
        area_totals.index.name = "area_code"
        return cls(employment, area_totals, dataset, chosen, classification, source_label)


# --------------------------------------------------------------------------- reading the data


def _facts_rows(
    frame: pd.DataFrame, dataset: str | None, measure: str, total_code: str | Sequence[str] | None
) -> tuple[pd.DataFrame, str | None, list[str]]:
    label = dataset or "the facts table"
    missing = [c for c in ("area_code", "industry_code", "year", "measure", "value") if c not in frame.columns]
    if missing:
        raise DataValidationError(
            f"missing column(s) {', '.join(missing)}", file=label, hint="pass canonical facts (clusterplan._schema)"
        )
    rows = frame
    if dataset is not None and "dataset" in rows.columns:
        rows = rows[rows["dataset"] == dataset]
    rows = rows[rows["measure"] == measure]
    if "breakdown" in rows.columns:
        rows = rows[rows["breakdown"].fillna("all") == "all"]
    classes = sorted(set(rows["classification"].dropna())) if "classification" in rows.columns else []
    classification = classes[0] if len(classes) == 1 else None
    codes = set(rows["industry_code"].astype(str))
    if total_code == _TOTAL_AUTO:
        totals = ["00"] if "00" in codes else []
    elif total_code is None:
        totals = []
    else:
        totals = [total_code] if isinstance(total_code, str) else sorted(set(total_code) & codes)
    return rows[["area_code", "industry_code", "year", "value"]], classification, totals


def _as_matrix(data: Any, area_totals: pd.Series | None) -> EmploymentMatrix:
    """An :class:`EmploymentMatrix` from a matrix, a wide frame (areas x industries) or a long panel."""
    if isinstance(data, EmploymentMatrix):
        return data if area_totals is None else EmploymentMatrix(data.employment, area_totals.astype(float))
    if not isinstance(data, pd.DataFrame):
        raise ParameterError(f"expected an EmploymentMatrix or a pandas DataFrame, got {type(data).__name__}")
    columns = set(data.columns)
    unit = next((c for c in ("unit_code", "industry_code") if c in columns), None)
    value = next((c for c in ("employment", "value") if c in columns), None)
    if "area_code" in columns and unit is not None and value is not None:
        long = data
        if "year" in columns and long["year"].nunique() > 1:
            raise ParameterError(
                f"the panel holds {long['year'].nunique()} years; pass the rows of one year",
                hint="e.g. panel[panel['year'] == 2021]",
            )
        wide = long.pivot_table(index="area_code", columns=unit, values=value, aggfunc="sum", fill_value=0.0)
        wide.columns = wide.columns.astype(str)
        if area_totals is None and "area_total" in columns:
            area_totals = long.groupby("area_code")["area_total"].first()
    else:
        wide = data
    numeric = wide.apply(pd.to_numeric, errors="coerce")
    if numeric.isna().to_numpy().any():
        bad = numeric.isna().stack()
        area, code = bad[bad].index[0]
        raise DataValidationError(
            f"employment {wide.loc[area, code]!r} is not a number", row=None, column=str(code), code=str(area)
        )
    if (numeric.to_numpy() < 0).any():
        negative = (numeric < 0).stack()
        area, code = negative[negative].index[0]
        raise DataValidationError(f"negative employment {numeric.loc[area, code]}", column=str(code), code=str(area))
    totals = numeric.sum(axis=1) if area_totals is None else area_totals.reindex(numeric.index)
    if totals.isna().any():
        raise DataValidationError(
            f"no area total for area {totals[totals.isna()].index[0]!r}", hint="give area_totals for every area"
        )
    return EmploymentMatrix(numeric.astype(float), totals.astype(float))


# --------------------------------------------------------------------------- coverage of a taxonomy


def mapping_coverage(
    taxonomy: Taxonomy,
    data: EmploymentMatrix | pd.DataFrame,
    dataset: str | None = None,
    *,
    year: int | None = None,
    measure: str = "employment",
) -> pd.DataFrame:
    r"""Which codes of *taxonomy* the data have, and the share of all employment its clusters hold.

    Codes are matched as :meth:`Taxonomy.validate` does with ``strict=False``: a
    written code (or prefix) is *found* when it matches at least one industry at
    the data's finest level, *missing* otherwise (an industry the data do not
    publish, or a code of another classification vintage).

    Parameters
    ----------
    taxonomy
        The cluster definitions.
    data
        An :class:`EmploymentMatrix` or a canonical facts table (see
        :meth:`EmploymentMatrix.from_facts`).
    dataset, year, measure
        See :meth:`EmploymentMatrix.from_facts`; *year* defaults to the latest.

    Returns
    -------
    pandas.DataFrame
        Columns :data:`COVERAGE_COLUMNS`, one row per cluster in definition
        order, then a row with ``cluster_id`` :data:`TOTAL_ROW` for all clusters
        together (distinct codes; each industry counted once even if it sits in
        two clusters). ``missing_codes`` is a tuple of the written codes not
        found; ``industries`` the number of the data's industries mapped;
        ``employment`` their employment summed over all areas;
        ``employment_share`` that over all-industries employment.

    Raises
    ------
    TaxonomyError
        The taxonomy is SIC and the data NAICS or the other way round.

    Notes
    -----
    .. math::

        \text{share}_c = \frac{\sum_{i \in c} \sum_r e_{ir}}{\sum_r E_r}

    with :math:`e_{ir}` employment of industry *i* (finest level) in area *r*
    and :math:`E_r` the area's all-industries total. Where the data suppress
    detail (County Business Patterns omits small 6-digit cells) the share is a
    lower bound.

    Examples
    --------
    >>> from clusterplan.taxonomy import Cluster
    >>> clusters = (Cluster("pharma", "Pharma", "", ("3254",)), Cluster("mines", "Mines", "", ("212221",)))
    >>> tax = Taxonomy("demo", "Demo", "naics2017", "", "", clusters)
    >>> matrix = EmploymentMatrix(
    ...     pd.DataFrame({"325411": [10.0, 0.0], "325412": [20.0, 30.0], "722511": [40.0, 20.0]}, index=["A", "B"]),
    ...     pd.Series([100.0, 100.0], index=["A", "B"]), classification="naics2017")
    >>> mapping_coverage(tax, matrix)[["cluster_id", "codes_missing", "employment", "employment_share"]]
      cluster_id  codes_missing  employment  employment_share
    0     pharma              0        60.0               0.3
    1      mines              1         0.0               0.0
    2     _total              1        60.0               0.3
    """
    matrix = (
        data
        if isinstance(data, EmploymentMatrix)
        else EmploymentMatrix.from_facts(data, dataset, year=year, measure=measure)
    )
    _check_family(taxonomy, matrix)
    scheme = _SCHEMES[taxonomy.classification]
    by_code = matrix.employment.sum(axis=0)
    total = float(matrix.area_totals.sum())
    leaves = _leaf_codes([str(c) for c in by_code.index], scheme)
    rows = []
    all_written: set[str] = set()
    all_missing: set[str] = set()
    all_mapped: set[str] = set()
    for cluster in taxonomy.clusters:
        mapped: set[str] = set()
        missing: list[str] = []
        for code in cluster.codes:
            matched = _expand(code, leaves)
            if matched:
                mapped.update(matched)
            else:
                missing.append(code)
        employment = float(by_code.reindex(sorted(mapped)).sum())
        rows.append(_coverage_row(cluster.id, cluster.name, len(cluster.codes), missing, mapped, employment, total))
        all_written.update(cluster.codes)
        all_missing.update(missing)
        all_mapped.update(mapped)
    employment = float(by_code.reindex(sorted(all_mapped)).sum())
    rows.append(
        _coverage_row(
            TOTAL_ROW,
            "all clusters (each industry counted once)",
            len(all_written),
            sorted(all_missing),
            all_mapped,
            employment,
            total,
        )
    )
    return pd.DataFrame(rows, columns=COVERAGE_COLUMNS)


def _coverage_row(
    cluster_id: str, name: str, written: int, missing: list[str], mapped: set[str], employment: float, total: float
) -> tuple[Any, ...]:
    share = employment / total if total > 0 else float("nan")
    return (
        cluster_id,
        name,
        written,
        written - len(missing),
        len(missing),
        tuple(missing),
        len(mapped),
        employment,
        share,
    )


def _check_family(taxonomy: Taxonomy, matrix: EmploymentMatrix) -> None:
    """SIC definitions cannot be applied to NAICS data or the other way round (vintages may differ: reported)."""
    data_class = matrix.classification
    if data_class is None:
        return
    if re.sub(r"\d", "", data_class) != re.sub(r"\d", "", taxonomy.classification):
        raise TaxonomyError(
            f"taxonomy {taxonomy.name!r} is {taxonomy.classification} but dataset {matrix.dataset!r} is {data_class}",
            hint="use a taxonomy of the dataset's classification (SIC 2007 for GB, NAICS for the US)",
        )


# --------------------------------------------------------------------------- concentration statistics


def _shares(matrix: EmploymentMatrix) -> tuple[np.ndarray, np.ndarray, np.ndarray, pd.Index]:
    """Area shares of all employment, industry totals and the area x industry employment, industries with jobs."""
    employment = matrix.employment
    totals = matrix.area_totals.reindex(employment.index).to_numpy(dtype=float)
    keep_areas = totals > 0
    values = employment.to_numpy(dtype=float)[keep_areas]
    area_share = totals[keep_areas] / totals[keep_areas].sum()
    industry_totals = values.sum(axis=0)
    has_jobs = industry_totals > 0
    return area_share, industry_totals[has_jobs], values[:, has_jobs], employment.columns[has_jobs]


def locational_gini(data: EmploymentMatrix | pd.DataFrame, area_totals: pd.Series | None = None) -> pd.Series:
    r"""Locational Gini coefficient of each industry: how unevenly its employment is spread over areas.

    0 when the industry is spread exactly like all employment (every area has
    location quotient 1), approaching 1 when it sits in one small area.

    Parameters
    ----------
    data
        An :class:`EmploymentMatrix`, a wide frame (areas x industries) or a
        long panel (``area_code``, ``unit_code`` or ``industry_code``,
        ``employment`` or ``value``; one year).
    area_totals
        All-industries employment per area; default the matrix's totals, a
        panel's ``area_total``, or the sum of the industries.

    Returns
    -------
    pandas.Series
        Indexed by ``industry_code``; industries without employment are left out.

    Notes
    -----
    Areas are sorted by the industry's location quotient, lowest first. With
    :math:`x_r` the area's share of all employment and :math:`Y_r` the
    cumulative share of the industry's employment up to area *r* (the Lorenz
    curve of the industry against all employment),

    .. math::

        G_i = 1 - \sum_r x_r \, (Y_r + Y_{r-1}), \qquad Y_0 = 0,

    twice the area between the Lorenz curve and the diagonal (Krugman 1991).

    Examples
    --------
    Two areas of equal size; one industry all in area B, one split evenly:

    >>> wide = pd.DataFrame({"ships": [0.0, 10.0], "shops": [5.0, 5.0]}, index=["A", "B"])
    >>> locational_gini(wide, pd.Series([100.0, 100.0], index=["A", "B"])).round(3).to_dict()
    {'ships': 0.5, 'shops': 0.0}
    """
    matrix = _as_matrix(data, area_totals)
    # One implementation of the index: clusterplan.measures.specialisation. Here industries without
    # employment are left out rather than NaN, and the index is named after industries.
    gini = specialisation.locational_gini(matrix.employment, area_totals=matrix.area_totals).dropna()
    return gini.rename("locational_gini").rename_axis("industry_code")


def share_in_specialised_areas(
    data: EmploymentMatrix | pd.DataFrame, area_totals: pd.Series | None = None
) -> pd.Series:
    r"""Share of each industry's employment located in areas where its location quotient is at least 1.

    A local industry, spread like population, has about half of its jobs in
    areas with LQ >= 1 (more where small areas are noisy); a concentrated
    traded industry has nearly all of them there.

    Parameters
    ----------
    data, area_totals
        As for :func:`locational_gini`.

    Returns
    -------
    pandas.Series
        Indexed by ``industry_code``; industries without employment are left out.

    Notes
    -----
    .. math::

        S_i = \frac{\sum_r e_{ir} \, [LQ_{ir} \ge 1]}{\sum_r e_{ir}}, \qquad
        LQ_{ir} = \frac{e_{ir} / E_r}{\sum_s e_{is} / \sum_s E_s}

    Examples
    --------
    >>> wide = pd.DataFrame({"ships": [1.0, 9.0], "shops": [5.0, 5.0]}, index=["A", "B"])
    >>> share_in_specialised_areas(wide, pd.Series([100.0, 100.0], index=["A", "B"])).to_dict()
    {'ships': 0.9, 'shops': 1.0}
    """
    matrix = _as_matrix(data, area_totals)
    area_share, industry_totals, values, codes = _shares(matrix)
    industry_share = values / industry_totals
    # A relative tolerance keeps an industry spread exactly like all employment (LQ = 1 up to rounding) specialised.
    specialised = industry_share >= area_share[:, None] * (1 - 1e-12)
    share = (industry_share * specialised).sum(axis=0)
    return pd.Series(share, index=pd.Index(codes, name="industry_code"), name="share_in_specialised_areas")


_METHODS = {"gini": locational_gini, "lq_share": share_in_specialised_areas}


def classify_traded_local(
    data: EmploymentMatrix | pd.DataFrame,
    *,
    method: str = "gini",
    threshold: float | None = None,
    area_totals: pd.Series | None = None,
) -> pd.DataFrame:
    """Classify industries as traded or local from how concentrated their employment is across areas.

    Porter (2003) and Delgado, Porter and Stern (2016) separate traded from
    local industries by the geographic distribution of their employment: traded
    industries concentrate in the regions where they have an advantage, local
    ones are spread in proportion to regional size. This applies the same idea
    with one concentration statistic and a threshold.

    Parameters
    ----------
    data
        An :class:`EmploymentMatrix` (see :meth:`EmploymentMatrix.from_facts`), a wide
        frame (areas x industries) or a long panel of one year (see
        :func:`locational_gini`).
    method
        ``"gini"``: the locational Gini coefficient (:func:`locational_gini`);
        ``"lq_share"``: the share of the industry's employment in areas where
        its LQ is at least 1 (:func:`share_in_specialised_areas`).
    threshold
        An industry is traded when its statistic is at or above it. Default
        :data:`DEFAULT_THRESHOLDS` (0.45 for ``gini``, 0.7 for ``lq_share``).
    area_totals
        All-industries employment per area, if not in *data*.

    Returns
    -------
    pandas.DataFrame
        Columns :data:`TRADED_LOCAL_COLUMNS` (``industry_code, employment,
        statistic, traded``), sorted by code; industries without employment are
        left out.

    Raises
    ------
    ParameterError
        Unknown method, or a threshold outside [0, 1].

    Notes
    -----
    The Cluster Mapping Project's own classification (Porter 2003) combined
    several concentration statistics computed for US states and economic areas
    with judgement on individual industries; it is not reproduced exactly here.
    The default thresholds were chosen on County Business Patterns 2019 (933
    CBSAs, NAICS 6-digit), where ``gini`` >= 0.45 classifies 549 of the 589
    CMP traded industries in the data as traded (93.2%) and 202 of the 272
    industries of its 2007 local clusters (less those the current set calls
    traded) as local (74.3%); ``lq_share`` >= 0.7 gets 552 and 166. Both
    statistics depend on the size and number of areas: with fewer, larger areas
    industries look less concentrated. On BRES 2021 (40 British ITL2 regions,
    SIC 5-digit) ``gini`` >= 0.45 calls 416 of 691 subclasses traded, and 0.3
    calls 557 traded, holding 33% of employment, close to the third of US
    employment Porter (2003) found in traded industries.
    Small industries look concentrated wherever they happen to be, so check
    the ``employment`` column before relying on the label of a tiny industry.
    Porter's third group, resource-dependent industries (located where the
    resource is), shows up here as traded.

    Examples
    --------
    >>> wide = pd.DataFrame(
    ...     {"ships": [0.0, 0.0, 30.0], "shops": [10.0, 10.0, 10.0]}, index=["A", "B", "C"])
    >>> totals = pd.Series([100.0, 100.0, 100.0], index=["A", "B", "C"])
    >>> classify_traded_local(wide, area_totals=totals).round(3).values.tolist()
    [['ships', 30.0, 0.667, True], ['shops', 30.0, 0.0, False]]
    """
    if method not in _METHODS:
        raise ParameterError(f"unknown method {method!r}; valid choices: {', '.join(_METHODS)}")
    cut = DEFAULT_THRESHOLDS[method] if threshold is None else float(threshold)
    if not 0.0 <= cut <= 1.0:
        raise ParameterError(f"threshold {threshold!r} is outside [0, 1]", hint=f"the {method} statistic is a share")
    matrix = _as_matrix(data, area_totals)
    statistic = _METHODS[method](matrix)
    employment = matrix.employment.sum(axis=0).reindex(statistic.index)
    out = pd.DataFrame(
        {
            "industry_code": statistic.index.astype(str),
            "employment": employment.to_numpy(dtype=float),
            "statistic": statistic.to_numpy(dtype=float),
        }
    )
    out["traded"] = out["statistic"] >= cut
    return out.sort_values("industry_code", kind="stable").reset_index(drop=True)[TRADED_LOCAL_COLUMNS]
