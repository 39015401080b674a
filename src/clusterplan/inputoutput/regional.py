"""Regional input-output models from national coefficients and location quotients (SLQ, CILQ, FLQ, AFLQ).

A region's own input-output table is rarely surveyed. The location-quotient
methods estimate how much of each national input coefficient :math:`a_{ij}` a
region's industry *j* buys from suppliers *inside* the region: a regional
purchase coefficient :math:`r_{ij} = a_{ij} \\min(1, q_{ij})`, where
:math:`q_{ij}` is a location quotient built from employment. What is not bought
inside the region is imported (from the rest of the country, since the
national coefficients already exclude imports from abroad).

Quotients (employment :math:`RE_i`, :math:`NE_i` in industry *i* in the region
and the nation; :math:`TRE`, :math:`TNE` the totals):

* simple LQ, :math:`SLQ_i = (RE_i / TRE) / (NE_i / TNE)`, applied along the row
  of the supplying industry: :math:`q_{ij} = SLQ_i`;
* cross-industry LQ, :math:`CILQ_{ij} = SLQ_i / SLQ_j` off the diagonal and
  :math:`SLQ_i` on it (Smith and Morrison 1974; Miller and Blair 2009, section 8.2);
* Flegg's LQ, :math:`FLQ_{ij} = \\lambda^* CILQ_{ij}` (off the diagonal;
  :math:`\\lambda^* SLQ_i` on it) with
  :math:`\\lambda^* = [\\log_2(1 + TRE/TNE)]^{\\delta}`, :math:`0 \\le \\delta < 1`
  (Flegg, Webber and Elliott 1995; Flegg and Webber 1997). The smaller the
  region, the smaller :math:`\\lambda^*` and the more it imports;
* augmented FLQ, :math:`AFLQ_{ij} = FLQ_{ij} \\log_2(1 + SLQ_j)` where the buying
  industry is specialised (:math:`SLQ_j > 1`), :math:`FLQ_{ij}` otherwise
  (Flegg and Webber 2000): a specialised buyer draws more on local suppliers.

Every method caps the quotient at 1, so no regional coefficient exceeds the
national one and regional multipliers never exceed national ones.

The facade :func:`regional_model` builds the model for a GB ITL2 region from
the package's reference tables (:class:`~clusterplan.inputoutput.tables.ReferenceTables`,
read by the pipeline) and BRES employment: the national model of :mod:`clusterplan.inputoutput.national`
(ONS IOAT 2019) and BRES employment of every ITL2 area (``bres_itl2_sic5``,
5-digit SIC mapped to the 105 IOAT industries with ``bres_ioat_lookup``, the
same mapping the national model uses); national employment is the sum over the
40 GB ITL2 areas of the same dataset, so regional and national counts are alike.

Assumptions (documented because they drive the results):

* Regional industries use the national technology (input mix, GVA, compensation
  and jobs per £1m of output); only where inputs come from differs.
* Regional output of each industry is national output times the region's share
  of the industry's GB employment (equal labour productivity).
* Type II: households are closed into the model with the national compensation
  coefficients (compensation of employees per £ of output) as their income row,
  and the national household consumption coefficients (household final
  consumption of domestic output per £ of compensation) regionalised as if
  households were one more buying sector with a location quotient of 1: the
  row quotient :math:`SLQ_i` under SLQ and CILQ, :math:`\\lambda^* SLQ_i` under
  FLQ and AFLQ, capped at 1. Residents thus buy locally what local industries
  can supply and import the rest, as firms do.
* Industries with no national employment (``L68A``, owner-occupiers' imputed
  rent, which employs nobody) get :math:`SLQ = 1`; their regional output is
  the region's share of all GB employment times national output.
* An industry the region does not have (:math:`SLQ_j = 0`) is given, as a
  buyer, the quotients of a buyer with :math:`SLQ_j = 1` (see
  :func:`location_quotient_matrix`): its multipliers are those of a typical
  entrant.

References
----------
Flegg, A. T., Webber, C. D. and Elliott, M. V. (1995). On the appropriate use
of location quotients in generating regional input-output tables. *Regional
Studies* 29(6), 547-561.

Flegg, A. T. and Webber, C. D. (1997). On the appropriate use of location
quotients in generating regional input-output tables: reply. *Regional
Studies* 31(8), 795-805.

Flegg, A. T. and Webber, C. D. (2000). Regional size, regional specialization
and the FLQ formula. *Regional Studies* 34(6), 563-569.

Miller, R. E. and Blair, P. D. (2009). *Input-Output Analysis: Foundations and
Extensions*, 2nd ed., chapter 8. Cambridge University Press.

Smith, P. and Morrison, W. I. (1974). *Simulating the Urban Economy:
Experiments with Input-Output Techniques*. London: Pion.

Examples
--------
Two industries; the region has 10% of national employment and is specialised
in industry 1:

>>> import pandas as pd
>>> A = pd.DataFrame([[0.15, 0.25], [0.20, 0.05]], index=["1", "2"], columns=["1", "2"])
>>> regional = pd.Series([60.0, 40.0], index=["1", "2"])
>>> national = pd.Series([400.0, 600.0], index=["1", "2"])
>>> simple_location_quotients(regional, national).round(4).tolist()
[1.5, 0.6667]
>>> regional_coefficients(A, regional, national, method="slq").round(4).values.tolist()
[[0.15, 0.25], [0.1333, 0.0333]]
"""

from __future__ import annotations

import hashlib
import math
import threading
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cache, lru_cache
from typing import Any

import numpy as np
import pandas as pd

from .._exceptions import ParameterError, UnknownCodeError
from ..datasets import BRES_SUBCLASS
from ..measures.location_quotient import location_quotient
from ..regions import Gazetteer, Region
from ..sources.ons_io import sic_to_ioat
from . import iomath
from .national import MULTIPLIER_COLUMNS, employment_by_ioat_industry, national_model
from .tables import ReferenceTables

__all__ = [
    "DEFAULT_DELTA",
    "DEFAULT_METHOD",
    "DEFAULT_YEAR",
    "METHODS",
    "RegionalModel",
    "delta_sensitivity",
    "flq_scaling_factor",
    "household_location_quotients",
    "input_sourcing",
    "ioat_employment",
    "location_quotient_matrix",
    "multipliers_from_inverse",
    "nation_as_region",
    "national_view",
    "regional_coefficients",
    "regional_employment",
    "regional_model",
    "regionalise",
    "regions",
    "sic_employment_table",
    "simple_location_quotients",
]

#: Location-quotient methods, in order of sophistication.
METHODS = ("slq", "cilq", "flq", "aflq")
DEFAULT_METHOD = "flq"
#: Flegg and Webber's suggested value; empirical studies find 0.1-0.4 for most regions.
DEFAULT_DELTA = 0.3
#: The year of the IOAT (2019): employment of the same year regionalises it.
DEFAULT_YEAR = 2019
#: Employment dataset used to regionalise (5-digit SIC, every GB ITL2 area).
EMPLOYMENT_DATASET = BRES_SUBCLASS


# --------------------------------------------------------------------------- pure functions


def _check_method(method: str) -> str:
    key = str(method).strip().lower()
    if key not in METHODS:
        raise UnknownCodeError("regionalisation method", str(method), list(METHODS))
    return key


def _check_delta(delta: float) -> float:
    try:
        value = float(delta)
    except (TypeError, ValueError):
        raise ParameterError(f"delta must be a number in [0, 1), got {delta!r}") from None
    if not (0.0 <= value < 1.0) or math.isnan(value):
        raise ParameterError(
            f"delta must be in [0, 1), got {delta!r}", hint="Flegg and Webber suggest 0.3; studies find 0.1 to 0.4"
        )
    return value


def _aligned_employment(
    industries: pd.Index, regional_employment: pd.Series, national_employment: pd.Series
) -> tuple[np.ndarray, np.ndarray]:
    """Employment of every industry of the model, in its order; clear errors for missing or bad values."""
    arrays = []
    for label, series in (("regional", regional_employment), ("national", national_employment)):
        missing = [str(c) for c in industries if c not in series.index]
        if missing:
            shown = ", ".join(missing[:10]) + (f" (and {len(missing) - 10} more)" if len(missing) > 10 else "")
            raise ParameterError(
                f"{label} employment has no value for {len(missing)} industries of the model: {shown}",
                hint="give employment by the model's industry codes (IOAT industries; 0 where there is none)",
            )
        values = series.reindex(industries).to_numpy(dtype=float)
        bad = np.flatnonzero(~np.isfinite(values) | (values < 0))
        if len(bad):
            raise ParameterError(
                f"{label} employment of industry {industries[bad[0]]!r} is {float(values[bad[0]])!r}; "
                "employment must be a finite number >= 0"
            )
        arrays.append(values)
    regional, national = arrays
    if national.sum() <= 0:
        raise ParameterError("national employment is zero in every industry")
    if regional.sum() <= 0:
        raise ParameterError("regional employment is zero in every industry: the region has no data")
    return regional, national


def simple_location_quotients(regional_employment: pd.Series, national_employment: pd.Series) -> pd.Series:
    r"""Simple location quotients :math:`SLQ_i = (RE_i / TRE) / (NE_i / TNE)`.

    Parameters
    ----------
    regional_employment, national_employment
        Employment by industry (same labels). Totals are the sums of the series.

    Returns
    -------
    pandas.Series
        One quotient per industry of *national_employment*; 1 where the nation
        has no employment in the industry (its LQ is undefined; treating the
        region as typical leaves the national coefficient unscaled).

    Examples
    --------
    >>> s = simple_location_quotients(pd.Series({"a": 30.0, "b": 70.0, "c": 0.0}),
    ...                               pd.Series({"a": 200.0, "b": 800.0, "c": 0.0}))
    >>> s.round(4).tolist()
    [1.5, 0.875, 1.0]
    """
    industries = pd.Index(national_employment.index)
    regional, national = _aligned_employment(industries, regional_employment, national_employment)
    slq = np.where(national > 0, location_quotient(regional, regional.sum(), national, national.sum()), 1.0)
    return pd.Series(slq, index=industries, name="slq")


def flq_scaling_factor(regional_total: float, national_total: float, delta: float = DEFAULT_DELTA) -> float:
    r"""Flegg's regional-size factor :math:`\lambda^* = [\log_2(1 + TRE / TNE)]^{\delta}`.

    Parameters
    ----------
    regional_total, national_total
        Total employment of the region and the nation (:math:`0 < TRE \le TNE`).
    delta
        :math:`0 \le \delta < 1`; larger values mean more imports.

    Examples
    --------
    A region with a tenth of national employment, :math:`\delta = 0.3`:
    :math:`\log_2 1.1 = 0.13750`, :math:`0.13750^{0.3} = 0.55143`.

    >>> round(flq_scaling_factor(100.0, 1000.0, 0.3), 5)
    0.55143
    >>> flq_scaling_factor(100.0, 1000.0, 0.0)
    1.0
    """
    d = _check_delta(delta)
    if not (national_total > 0 and 0 < regional_total <= national_total):
        raise ParameterError(
            f"regional total {regional_total!r} must be positive and at most the national total {national_total!r}"
        )
    return float(math.log2(1.0 + regional_total / national_total) ** d)


def location_quotient_matrix(
    regional_employment: pd.Series,
    national_employment: pd.Series,
    method: str = DEFAULT_METHOD,
    delta: float = DEFAULT_DELTA,
) -> pd.DataFrame:
    r"""The quotient :math:`q_{ij}` that scales national coefficient :math:`a_{ij}` (before capping at 1).

    Rows are supplying industries *i*, columns buying industries *j*, both in
    the order of *national_employment*. Formulas in the module docstring:
    ``slq`` repeats :math:`SLQ_i` along each row; ``cilq`` is
    :math:`SLQ_i / SLQ_j` off the diagonal and :math:`SLQ_i` on it; ``flq``
    multiplies CILQ by :math:`\lambda^*`; ``aflq`` further multiplies the
    columns of specialised buyers (:math:`SLQ_j > 1`) by :math:`\log_2(1 + SLQ_j)`.
    *delta* is used by ``flq`` and ``aflq`` only.

    A buying industry with no employment in the region (:math:`SLQ_j = 0`)
    has no cross-industry quotient; its column (which only matters for the
    multiplier of an entrant) uses :math:`SLQ_i`, as for a buyer of typical
    size (:math:`SLQ_j = 1`). Otherwise :math:`SLQ_i/SLQ_j` would be infinite
    and an industry the region lacks would appear to buy everything locally.

    Examples
    --------
    >>> r = pd.Series([60.0, 40.0], index=["1", "2"])
    >>> n = pd.Series([400.0, 600.0], index=["1", "2"])
    >>> location_quotient_matrix(r, n, "cilq").round(4).values.tolist()
    [[1.5, 2.25], [0.4444, 0.6667]]
    """
    key = _check_method(method)
    d = _check_delta(delta)
    slq = simple_location_quotients(regional_employment, national_employment)
    s = slq.to_numpy()
    n = len(s)
    if key == "slq":
        q = np.repeat(s[:, None], n, axis=1)
    else:
        # SLQ_i / SLQ_j is undefined for a buyer absent from the region (SLQ_j = 0); its column, which only
        # matters for the multiplier of a hypothetical entrant, is treated as a buyer of typical size (SLQ_j = 1).
        rows, cols = np.broadcast_arrays(s[:, None], s[None, :])
        q = np.divide(rows, cols, out=rows.copy(), where=cols > 0)
        np.fill_diagonal(q, s)
        if key in ("flq", "aflq"):
            regional, national = _aligned_employment(slq.index, regional_employment, national_employment)
            q = q * flq_scaling_factor(regional.sum(), national.sum(), d)
        if key == "aflq":
            q = q * np.where(s > 1.0, np.log2(1.0 + s), 1.0)[None, :]
    return pd.DataFrame(q, index=slq.index, columns=slq.index)


def regional_coefficients(
    A: pd.DataFrame,
    regional_employment: pd.Series,
    national_employment: pd.Series,
    method: str = DEFAULT_METHOD,
    delta: float = DEFAULT_DELTA,
) -> pd.DataFrame:
    r"""Regional input coefficients :math:`r_{ij} = a_{ij} \min(1, q_{ij})` by a location-quotient method.

    Parameters
    ----------
    A
        National (domestic) technical coefficients, industries x industries.
    regional_employment, national_employment
        Employment by industry, indexed by the labels of *A* (every industry of
        *A* must be present; 0 where there is none).
    method
        ``slq``, ``cilq``, ``flq`` (default) or ``aflq``; see
        :func:`location_quotient_matrix`.
    delta
        Flegg's :math:`\delta` for ``flq``/``aflq``, :math:`0 \le \delta < 1`
        (default 0.3).

    Returns
    -------
    pandas.DataFrame
        Regional purchase coefficients: inputs bought from suppliers in the
        region per unit of each regional industry's output. Never above *A*.

    Raises
    ------
    UnknownCodeError
        Unknown *method* (the message lists the valid ones).
    ParameterError
        *delta* outside [0, 1), employment missing for an industry of *A*,
        negative or all-zero employment.

    Notes
    -----
    What a regional industry does not buy inside the region,
    :math:`a_{ij} - r_{ij}`, is imported from the rest of the nation.

    Examples
    --------
    Region with 10% of national employment, :math:`\delta = 0.3`
    (:math:`\lambda^* = 0.55143`); SLQs 1.5 and 0.6667:

    >>> A = pd.DataFrame([[0.15, 0.25], [0.20, 0.05]], index=["1", "2"], columns=["1", "2"])
    >>> r = pd.Series([60.0, 40.0], index=["1", "2"])
    >>> n = pd.Series([400.0, 600.0], index=["1", "2"])
    >>> regional_coefficients(A, r, n, "flq").round(4).values.tolist()
    [[0.1241, 0.25], [0.049, 0.0184]]
    """
    iomath._check_square(A, "A")
    q = location_quotient_matrix(regional_employment, _restricted(national_employment, A.index), method, delta)
    scale = np.minimum(q.to_numpy(), 1.0)
    return pd.DataFrame(A.to_numpy(dtype=float) * scale, index=A.index, columns=A.columns)


def _restricted(series: pd.Series, industries: pd.Index) -> pd.Series:
    """*series* over exactly *industries* (missing ones are reported by the quotient functions)."""
    if set(industries) <= set(series.index):
        return series.reindex(industries)
    missing = [str(c) for c in industries if c not in series.index]
    shown = ", ".join(missing[:10]) + (f" (and {len(missing) - 10} more)" if len(missing) > 10 else "")
    raise ParameterError(
        f"national employment has no value for {len(missing)} industries of the model: {shown}",
        hint="give employment by the model's industry codes (IOAT industries; 0 where there is none)",
    )


def household_location_quotients(
    regional_employment: pd.Series,
    national_employment: pd.Series,
    method: str = DEFAULT_METHOD,
    delta: float = DEFAULT_DELTA,
) -> pd.Series:
    r"""Quotients that regionalise household consumption: households as a buyer with :math:`SLQ = 1`.

    :math:`SLQ_i` for ``slq`` and ``cilq`` (:math:`SLQ_i / 1`), and
    :math:`\lambda^* SLQ_i` for ``flq`` and ``aflq`` (no AFLQ adjustment, as
    the buyer is not specialised). Capping at 1 is left to the caller.

    Examples
    --------
    >>> r = pd.Series([60.0, 40.0], index=["1", "2"])
    >>> n = pd.Series([400.0, 600.0], index=["1", "2"])
    >>> household_location_quotients(r, n, "flq", 0.3).round(4).tolist()
    [0.8272, 0.3676]
    """
    key = _check_method(method)
    d = _check_delta(delta)
    slq = simple_location_quotients(regional_employment, national_employment)
    if key in ("flq", "aflq"):
        regional, national = _aligned_employment(slq.index, regional_employment, national_employment)
        slq = slq * flq_scaling_factor(regional.sum(), national.sum(), d)
    return slq.rename("household_lq")


def input_sourcing(
    A: pd.DataFrame,
    R: pd.DataFrame,
    output: pd.Series | None = None,
    imports_from_abroad: pd.Series | None = None,
) -> pd.DataFrame:
    r"""Where each industry's intermediate inputs come from: the region, the rest of the nation, abroad.

    Parameters
    ----------
    A
        National domestic technical coefficients.
    R
        Regional coefficients (:func:`regional_coefficients`).
    output
        Regional output by industry (£ million); gives the flows in £ million.
    imports_from_abroad
        Imported intermediate inputs per unit of output (the national
        coefficient, e.g. ONS IOAT row ``P7`` over output); gives the share of
        all intermediate inputs bought in the region.

    Returns
    -------
    pandas.DataFrame
        Indexed by industry: ``inputs_in_region`` :math:`\sum_i r_{ij}`,
        ``inputs_domestic`` :math:`\sum_i a_{ij}`, ``inputs_from_rest_of_nation``
        (their difference) per £ of output; ``share_in_region``
        :math:`\sum_i r_{ij} / \sum_i a_{ij}` (of domestically produced inputs;
        NaN for an industry that buys none); with *imports_from_abroad*:
        ``inputs_from_abroad`` and ``share_in_region_of_all_inputs``
        :math:`\sum_i r_{ij} / (\sum_i a_{ij} + m_j)`; with *output*: the same
        flows in £ million (``*_gbp_m``).

    Examples
    --------
    >>> A = pd.DataFrame([[0.15, 0.25], [0.20, 0.05]], index=["1", "2"], columns=["1", "2"])
    >>> R = pd.DataFrame([[0.15, 0.25], [0.05, 0.02]], index=["1", "2"], columns=["1", "2"])
    >>> input_sourcing(A, R)["share_in_region"].round(4).tolist()
    [0.5714, 0.9]
    """
    in_region = R.sum(axis=0).reindex(A.columns)
    domestic = A.sum(axis=0)
    out = pd.DataFrame(
        {
            "inputs_in_region": in_region,
            "inputs_domestic": domestic,
            "inputs_from_rest_of_nation": domestic - in_region,
        }
    )
    out["share_in_region"] = (in_region / domestic).where(domestic > 0)
    if imports_from_abroad is not None:
        abroad = imports_from_abroad.reindex(A.columns).fillna(0.0)
        out["inputs_from_abroad"] = abroad
        total = domestic + abroad
        out["share_in_region_of_all_inputs"] = (in_region / total).where(total > 0)
    if output is not None:
        x = output.reindex(A.columns).fillna(0.0)
        for column in ("inputs_in_region", "inputs_domestic", "inputs_from_rest_of_nation", "inputs_from_abroad"):
            if column in out.columns:
                out[f"{column}_gbp_m"] = out[column] * x
    out.index.name = "industry_code"
    return out


# --------------------------------------------------------------------------- employment and the reference tables


def sic_employment_table(facts: pd.DataFrame) -> pd.DataFrame:
    """Employment of areas by 5-digit SIC code (areas x codes) from long rows ``area_code, industry_code, value``.

    The shape every regional facade takes as *sic_employment*; rows of the same
    area and code are summed, absent cells are 0.

    Examples
    --------
    >>> facts = pd.DataFrame({"area_code": ["A", "A", "B"], "industry_code": ["29100", "62012", "29100"],
    ...                       "value": [10.0, 5.0, 2.0]})
    >>> sic_employment_table(facts).to_numpy().tolist()
    [[10.0, 5.0], [2.0, 0.0]]
    """
    values = facts["value"].to_numpy(dtype=float)
    area_codes, areas = pd.factorize(facts["area_code"], sort=True)
    industry_codes, industries = pd.factorize(facts["industry_code"], sort=True)
    keys = area_codes.astype(np.int64) * len(industries) + industry_codes
    cells = len(areas) * len(industries)
    unique = (
        len(keys) > 0
        and bool(np.isfinite(values).all())
        and int(min(area_codes.min(), industry_codes.min())) >= 0
        and int(np.bincount(keys, minlength=cells).max()) <= 1
    )
    if unique:
        # One row per cell (the warehouse's grouped rows; US CBP: 1.7 million): placing the values is exact and
        # ~5x quicker than pivot_table; + 0.0 makes a -0.0 the 0.0 that pivot_table's sum gives.
        flat = np.zeros(cells)
        flat[keys] = values + 0.0
        table = pd.DataFrame(flat.reshape(len(areas), len(industries)), index=areas, columns=industries)
    else:
        # Codes the warehouse handed over as categoricals pivot as the text they stand for.
        facts = facts.astype(
            {c: facts[c].cat.categories.dtype for c in ("area_code", "industry_code") if facts[c].dtype == "category"}
        )
        table = facts.pivot_table(index="area_code", columns="industry_code", values="value", aggfunc="sum")
        table = table.fillna(0.0)
    table.index = table.index.astype(str)
    table.columns = table.columns.astype(str)
    table.index.name = "area_code"
    table.columns.name = "industry_code"
    return table


@cache
def _sic_employment(tables: ReferenceTables, year: int) -> pd.DataFrame:
    """BRES employment of every GB ITL2 area by 5-digit SIC code in *year* from the tables' employment facts
    (areas x codes)."""
    facts = tables.employment_facts(EMPLOYMENT_DATASET)
    facts = facts[(facts["measure"] == "employment").to_numpy()]
    years = sorted(int(y) for y in facts["year"].unique())
    if int(year) not in years:
        raise UnknownCodeError("employment year", str(year), [str(y) for y in years])
    return sic_employment_table(facts[(facts["year"] == int(year)).to_numpy()])


def _sic_table(tables: ReferenceTables, year: int, sic_employment: pd.DataFrame | None) -> pd.DataFrame:
    """*sic_employment* when given (read by the pipeline through the warehouse), else the tables' BRES."""
    return _sic_employment(tables, int(year)) if sic_employment is None else sic_employment


@cache
def _sic_to_ioat_of(tables: ReferenceTables, codes: tuple[str, ...]) -> pd.Series:
    series = pd.Series(list(codes), dtype=object)
    mapped = sic_to_ioat(series, tables.bres_ioat_lookup)
    return pd.Series(mapped.to_numpy(), index=series.to_numpy(), dtype=object).dropna()


def _sic_to_ioat(tables: ReferenceTables, sic_employment: pd.DataFrame | None = None) -> pd.Series:
    """IOAT industry of every 5-digit SIC code of the employment table (longest prefix in ``bres_ioat_lookup``),
    unmapped dropped."""
    # The codes as a Python list first: iterating the Arrow-backed labels converts them one by one (6x slower).
    codes = _sic_table(tables, DEFAULT_YEAR, sic_employment).columns.tolist()
    return _sic_to_ioat_of(tables, tuple(map(str, codes)))


def ioat_employment(tables: ReferenceTables, sic_employment: pd.DataFrame) -> pd.DataFrame:
    """Employment of areas by IOAT industry (areas x the 105 industries) from employment by 5-digit SIC code,
    mapped with the tables' ``bres_ioat_lookup``."""
    industries = list(_national(tables).industries)
    lookup = tables.bres_ioat_lookup
    if sic_employment.empty:
        return pd.DataFrame(index=pd.Index([], name="area_code"), columns=pd.Index(industries, name="industry_code"))
    # Every area has the same SIC codes: they are mapped once, by employment_by_ioat_industry on the first area
    # (which also checks the lookup against the model's industries), and every area's jobs are summed by
    # industry in one group-by, as that function sums one area's.
    first = employment_by_ioat_industry(sic_employment.iloc[0], lookup, industries)
    values = sic_employment.astype(float).fillna(0.0)
    mapped = sic_to_ioat(pd.Series(values.columns.astype(str)), lookup).to_numpy()
    is_matched = pd.notna(mapped)
    jobs = values.loc[:, is_matched].T.groupby(mapped[is_matched]).sum().T
    table = jobs.reindex(columns=list(first.jobs.index), fill_value=0.0).astype(float)
    table.index.name = "area_code"
    table.columns.name = "industry_code"
    return table


@cache
def _cached_employment_by_industry(tables: ReferenceTables, year: int) -> pd.DataFrame:
    return ioat_employment(tables, _sic_employment(tables, int(year)))


#: ioat_employment of the last few employment tables given, by their content: every region's model maps the same
#: table (the web app's scenarios build one model per region).
_IOAT_EMPLOYMENT: OrderedDict[tuple[Any, ...], pd.DataFrame] = OrderedDict()
_IOAT_EMPLOYMENT_LOCK = threading.Lock()


def _content_key(frame: pd.DataFrame) -> tuple[Any, ...]:
    """A key that changes whenever the table's labels or values change."""
    values = np.ascontiguousarray(frame.to_numpy(dtype=float))
    return (tuple(frame.index), tuple(frame.columns), hashlib.sha256(values.tobytes()).hexdigest())


def _employment_by_industry(
    tables: ReferenceTables, year: int, sic_employment: pd.DataFrame | None = None
) -> pd.DataFrame:
    if sic_employment is None:
        return _cached_employment_by_industry(tables, int(year))
    key = (tables, *_content_key(sic_employment))
    with _IOAT_EMPLOYMENT_LOCK:
        found = _IOAT_EMPLOYMENT.get(key)
    if found is None:
        found = ioat_employment(tables, sic_employment)
        with _IOAT_EMPLOYMENT_LOCK:
            _IOAT_EMPLOYMENT[key] = found
            while len(_IOAT_EMPLOYMENT) > 4:
                _IOAT_EMPLOYMENT.popitem(last=False)
    return found.copy()


def regional_employment(
    tables: ReferenceTables, year: int = DEFAULT_YEAR, *, sic_employment: pd.DataFrame | None = None
) -> pd.DataFrame:
    """BRES employment of every GB ITL2 area by IOAT industry (areas x the 105 industries).

    5-digit SIC codes are mapped to IOAT industries as the national model maps
    Great Britain's (:func:`clusterplan.inputoutput.national.employment_by_ioat_industry`,
    longest prefix in ``bres_ioat_lookup``); SIC 98 and 99 (households' own
    use, extraterritorial bodies) map to no industry, and ``L68A`` has no
    jobs. Great Britain's employment is the column sum (``.sum()``), which for
    2019 is the national model's employment. *sic_employment* (areas x SIC
    codes, :func:`sic_employment_table`) replaces the BRES of the *tables*' employment facts.
    """
    return _employment_by_industry(tables, int(year), sic_employment).copy()


def regions(
    tables: ReferenceTables, year: int = DEFAULT_YEAR, *, sic_employment: pd.DataFrame | None = None
) -> pd.DataFrame:
    """The GB ITL2 areas a regional model can be built for: ``area_code``, ``area_name`` (the tables' names)."""
    codes = sorted(_sic_table(tables, int(year), sic_employment).index)
    names = tables.uk_area_names
    return pd.DataFrame({"area_code": codes, "area_name": [names.get(c, "") for c in codes]})


def _resolve_region(
    tables: ReferenceTables, region: str, year: int = DEFAULT_YEAR, sic_employment: pd.DataFrame | None = None
) -> Region:
    """The GB region *region* stands for (one ITL2 area or several, see :mod:`clusterplan.regions`)."""
    text = str(region).strip()
    # The codes of :func:`regions`, sorted, without making its table of names.
    gazetteer = _gazetteer(tuple(sorted(_sic_table(tables, int(year), sic_employment).index.tolist())))
    try:
        return gazetteer.resolve(text)
    except UnknownCodeError as error:
        if text.upper() in ("TLN0", "UKN0", "TLN", "UKN", "NORTHERN IRELAND"):
            error.hint = "BRES covers Great Britain only, so Northern Ireland has no regional model"
        raise


@lru_cache(maxsize=8)
def _gazetteer(areas: tuple[str, ...]) -> Gazetteer:
    """The resolver over *areas*, built once: every model of the same areas resolves its region with it."""
    return Gazetteer(areas)


def _region_row(frame: pd.DataFrame, region: Region) -> pd.Series:
    """One region's row of an areas x industries frame (the sum of its member areas' rows)."""
    return pd.Series(frame.loc[list(region.members)].sum(axis=0), dtype=float)


@cache
def _national(tables: ReferenceTables) -> Any:
    """The national model (ONS IOAT 2019 with BRES 2019 jobs) of *tables*, built once."""
    return national_model(tables)


# --------------------------------------------------------------------------- the regional model


@dataclass
class RegionalModel:
    """An input-output model of one GB ITL2 region, regionalised from the national IOAT.

    Build it with :func:`regional_model` (or :func:`national_view` for the
    nation in the same shape). Matrices and series are labelled by IOAT
    industry code; output and GVA are £ million, employment in persons.

    Attributes
    ----------
    region_code, region_name
        The ITL2 area.
    method, delta, year
        Regionalisation method (``slq``, ``cilq``, ``flq``, ``aflq``), Flegg's
        :math:`\\delta`, and the employment year.
    A
        Regional purchase coefficients :math:`r_{ij}` (:func:`regional_coefficients`).
    national_coefficients
        The national domestic coefficients that were regionalised.
    x
        Estimated regional output: national output times the region's share of
        GB employment in the industry.
    employment, national_employment
        BRES employment by IOAT industry in the region and in Great Britain.
    location_quotients
        :math:`SLQ_i`.
    scaling_factor
        :math:`\\lambda^*` (1 for ``slq`` and ``cilq``).
    household_consumption_coefficients
        Household purchases from industries in the region per £ of compensation
        of employees: the national coefficients times
        :func:`household_location_quotients`, capped at 1.
    national
        The :class:`~clusterplan.inputoutput.national.NationalModel`; its direct
        coefficients (GVA, compensation, jobs, imports per unit of output) apply
        to the region too (same technology everywhere).
    """

    region_code: str
    region_name: str
    method: str
    delta: float
    year: int
    A: pd.DataFrame
    national_coefficients: pd.DataFrame
    x: pd.Series
    employment: pd.Series
    national_employment: pd.Series
    location_quotients: pd.Series
    scaling_factor: float
    household_consumption_coefficients: pd.Series
    national: Any = field(repr=False)
    employment_dataset: str = EMPLOYMENT_DATASET

    @property
    def unit(self) -> str:
        """Money unit of output and flows: the national model's (``£ million`` for the UK, ``$ million`` US)."""
        return str(self.national.unit)

    @property
    def industries(self) -> pd.Index:
        """IOAT industry codes in table order."""
        return self.A.index

    @property
    def industry_names(self) -> pd.Series:
        return pd.Series(self.national.industry_names.to_numpy(), index=self.national.industries)

    @property
    def gva_coefficients(self) -> pd.Series:
        """GVA per £ of output (national)."""
        return pd.Series(self.national.gva_coefficients)

    @property
    def compensation_coefficients(self) -> pd.Series:
        """Compensation of employees per £ of output (national): the household row of the Type II model."""
        return pd.Series(self.national.compensation_coefficients)

    @property
    def employment_coefficients(self) -> pd.Series:
        """Jobs per £1m of output (national: GB BRES jobs over UK output)."""
        coefficients = self.national.employment_coefficients
        if coefficients is None:
            raise ParameterError("the national model has no employment, so there are no jobs coefficients")
        return pd.Series(coefficients)

    @property
    def import_coefficients(self) -> pd.Series:
        """Imports from abroad per £ of output (national)."""
        return pd.Series(self.national.import_coefficients)

    @property
    def Z(self) -> pd.DataFrame:  # noqa: N802 - matrices are named as in the literature
        """Intermediate inputs bought inside the region (£ million): :math:`R \\hat{x}^r`."""
        return self.A * self.x.reindex(self.A.columns).to_numpy()[None, :]

    @property
    def L(self) -> pd.DataFrame:  # noqa: N802
        """Regional Leontief inverse :math:`(I - R)^{-1}`."""
        return self.leontief_inverse(1)

    def closed(self) -> pd.DataFrame:
        """The regional coefficients closed to households (Type II), households last."""
        return iomath.close_to_households(
            self.A, self.compensation_coefficients, self.household_consumption_coefficients
        )

    def leontief_inverse(self, type: int = 1) -> pd.DataFrame:
        """Type I inverse :math:`(I - R)^{-1}`, or the industry block of the household-closed inverse (Type II)."""
        if type == 1:
            return iomath.leontief_inverse(self.A)
        if type == 2:
            n = len(self.industries)
            return iomath.leontief_inverse(self.closed()).iloc[:n, :n]
        raise ParameterError(f"multiplier type must be 1 or 2, not {type!r}")

    def multipliers(self, type: int = 1) -> pd.DataFrame:
        """Regional Type I or Type II effects and multipliers, one row per industry.

        The columns of the national table
        (:data:`clusterplan.inputoutput.national.MULTIPLIER_COLUMNS`):
        ``output_multiplier`` (column sums of the regional inverse), and for
        GVA, compensation of employees, employment (jobs per £1m) and imports
        the direct ``*_coefficient``, the ``*_effect`` inside the region per
        unit of final use and the ``*_multiplier`` (effect / coefficient);
        then the industry's ``regional_employment`` (BRES) and simple
        ``location_quotient`` (0 where the region lacks the industry: its
        multipliers are those of an entrant). ``attrs`` records type, region,
        method and delta.
        """
        table = multipliers_from_inverse(
            self.leontief_inverse(type),
            self.industry_names,
            gva=self.gva_coefficients,
            compensation=self.compensation_coefficients,
            employment=self.employment_coefficients,
            imports=self.import_coefficients,
        )
        table["regional_employment"] = self.employment.reindex(table["industry_code"]).to_numpy()
        table["location_quotient"] = self.location_quotients.reindex(table["industry_code"]).to_numpy()
        table.attrs.update({"type": type, **self.parameters()})
        return table

    def input_sourcing(self) -> pd.DataFrame:
        """Share of each industry's inputs bought in the region, from the rest of the UK and from abroad.

        See :func:`input_sourcing`; flows in £ million at the estimated regional output.
        """
        table = input_sourcing(self.national_coefficients, self.A, self.x, self.import_coefficients)
        table.insert(0, "industry_name", self.industry_names.reindex(table.index).to_numpy())
        return table

    def parameters(self) -> dict[str, Any]:
        """Region, method, delta, scaling factor and year, for provenance."""
        return {
            "region": self.region_code,
            "region_name": self.region_name,
            "method": self.method,
            "delta": self.delta if self.method in ("flq", "aflq") else None,
            "scaling_factor": self.scaling_factor,
            "year": self.year,
            "employment_dataset": self.employment_dataset,
            "unit": self.unit,
        }


def multipliers_from_inverse(
    inverse: pd.DataFrame,
    industry_names: pd.Series,
    *,
    gva: pd.Series,
    compensation: pd.Series,
    employment: pd.Series,
    imports: pd.Series,
) -> pd.DataFrame:
    """Effects and multipliers of any (regional or national, Type I or II) inverse, in the national table's columns.

    For each direct coefficient :math:`c` (per unit of output; jobs per £1m),
    effect :math:`e_j = \\sum_i c_i l_{ij}` and multiplier :math:`e_j / c_j`
    (NaN where :math:`c_j = 0`); ``output_multiplier`` is :math:`\\sum_i l_{ij}`.
    Columns :data:`clusterplan.inputoutput.national.MULTIPLIER_COLUMNS`.
    """
    industries = inverse.columns
    out = pd.DataFrame(
        {
            "industry_code": list(industries),
            "industry_name": industry_names.reindex(industries).fillna("").to_numpy(),
            "output_multiplier": iomath.output_multipliers(inverse).to_numpy(),
        }
    )
    for name, coefficients in (("gva", gva), ("compensation", compensation), ("employment", employment)):
        out[f"{name}_coefficient"] = coefficients.reindex(industries).to_numpy(dtype=float)
        out[f"{name}_effect"] = iomath.total_effects(inverse, coefficients).to_numpy()
        out[f"{name}_multiplier"] = iomath.type_i_multipliers(inverse, coefficients).to_numpy()
    out["import_coefficient"] = imports.reindex(industries).to_numpy(dtype=float)
    out["import_effect"] = iomath.total_effects(inverse, imports).to_numpy()
    return out[MULTIPLIER_COLUMNS]


def regional_model(
    tables: ReferenceTables,
    region: str,
    *,
    method: str = DEFAULT_METHOD,
    delta: float = DEFAULT_DELTA,
    year: int = DEFAULT_YEAR,
    sic_employment: pd.DataFrame | None = None,
) -> RegionalModel:
    """The regional input-output model of a GB ITL2 area.

    Parameters
    ----------
    tables
        The reference tables (:func:`clusterplan.pipeline.tables.reference_tables`): the national IOAT,
        the SIC lookup and the area names.
    region
        ITL 2021 code (``TLG3``), its NUTS 2016 twin (``UKG3``) or its name
        (``West Midlands``).
    method
        ``slq``, ``cilq``, ``flq`` (default) or ``aflq``.
    delta
        Flegg's :math:`\\delta` for ``flq``/``aflq`` (default 0.3), in [0, 1).
    year
        BRES employment year (default 2019, the year of the IOAT).
    sic_employment
        Employment of the areas by 5-digit SIC code in *year* (:func:`sic_employment_table`), as the
        pipeline reads it from the warehouse (:func:`clusterplan.pipeline.regional_sic_employment`); default
        the BRES of the *tables*' employment facts.

    Raises
    ------
    UnknownCodeError
        Unknown region (the message lists the 40 GB ITL2 areas), method or year.
    ParameterError
        *delta* outside [0, 1).

    Examples
    --------
    >>> from clusterplan.pipeline.tables import reference_tables
    >>> model = regional_model(reference_tables(), "TLG3")
    >>> model.region_name, model.method, len(model.industries)
    ('West Midlands', 'flq', 105)
    >>> bool((model.A <= model.national_coefficients).all().all())
    True
    """
    resolved = _resolve_region(tables, region, int(year), sic_employment)
    employment_by_area = _employment_by_industry(tables, int(year), sic_employment)
    return regionalise(
        _national(tables),
        _region_row(employment_by_area, resolved),
        pd.Series(employment_by_area.sum(axis=0), dtype=float),
        method=method,
        delta=delta,
        region_code=resolved.code,
        region_name=resolved.name,
        year=int(year),
    )


def regionalise(
    national_model: Any,
    regional: pd.Series,
    national: pd.Series,
    *,
    method: str = DEFAULT_METHOD,
    delta: float = DEFAULT_DELTA,
    region_code: str = "",
    region_name: str = "",
    year: int = DEFAULT_YEAR,
    employment_dataset: str = EMPLOYMENT_DATASET,
) -> RegionalModel:
    """A :class:`RegionalModel` from a national model and employment by its industries (the pure core).

    Parameters
    ----------
    national_model
        A :class:`~clusterplan.inputoutput.national.NationalModel` with domestic coefficients (ONS IOAT; BEA
        after :func:`~clusterplan.inputoutput.bea.bea_domestic_model`).
    regional, national
        Employment of the region and of the nation by the model's industries (0 where there is none).
    method, delta
        As for :func:`regional_model`.
    region_code, region_name, year, employment_dataset
        Labels for the result and its provenance.

    Examples
    --------
    >>> from clusterplan.inputoutput.national import national_model
    >>> from clusterplan.pipeline.tables import reference_tables
    >>> nation = national_model(reference_tables())
    >>> jobs = pd.Series(nation.employment.to_numpy(), index=nation.industries)
    >>> model = regionalise(nation, jobs * 0.05, jobs, region_code="R", region_name="Five per cent of the UK")
    >>> bool((model.A <= nation.A).all().all()), round(model.scaling_factor, 3)
    (True, 0.451)
    """
    key = _check_method(method)
    d = _check_delta(delta)
    A = national_model.A
    R = regional_coefficients(A, regional, national, key, d)
    scaling = flq_scaling_factor(float(regional.sum()), float(national.sum()), d) if key in ("flq", "aflq") else 1.0
    households = household_location_quotients(regional, national, key, d).clip(upper=1.0)
    share = (regional / national).where(national > 0)
    # Industries without employment (L68A; US industries CBP does not cover) follow the region's share of all jobs.
    share = share.fillna(float(regional.sum() / national.sum()))
    return RegionalModel(
        region_code=region_code,
        region_name=region_name or region_code,
        method=key,
        delta=d,
        year=int(year),
        A=R,
        national_coefficients=A,
        x=(national_model.output * share.reindex(national_model.output.index)).rename("output"),
        employment=regional.rename("employment"),
        national_employment=national.rename("employment"),
        location_quotients=simple_location_quotients(regional, national),
        scaling_factor=scaling,
        household_consumption_coefficients=(_household_coefficients(national_model) * households).rename(
            "household_consumption_coefficient"
        ),
        national=national_model,
        employment_dataset=employment_dataset,
    )


def _household_coefficients(model: Any) -> pd.Series:
    """National household consumption of domestic output per £ of compensation (the national Type II closure)."""
    income = float(model.primary_inputs.loc["D1"].sum())
    return (model.household_consumption / income).rename("household_consumption_coefficient")


def national_view(
    tables: ReferenceTables, year: int = DEFAULT_YEAR, *, sic_employment: pd.DataFrame | None = None
) -> RegionalModel:
    """The national (UK IOAT) model in the shape of a :class:`RegionalModel` (nothing regionalised).

    Every quotient is 1, so ``A`` is the national domestic coefficient matrix,
    ``x`` national output and households buy the national mix; employment is
    Great Britain's BRES of *year*. Lets the cluster and impact tools treat the
    nation and a region alike; its multipliers are the national model's.
    """
    national = pd.Series(_employment_by_industry(tables, int(year), sic_employment).sum(axis=0), dtype=float)
    return nation_as_region(_national(tables), national, code="K02000001", name="United Kingdom", year=int(year))


def nation_as_region(
    model: Any, employment: pd.Series, *, code: str, name: str, year: int, employment_dataset: str = EMPLOYMENT_DATASET
) -> RegionalModel:
    """A national model in the shape of a :class:`RegionalModel`: every quotient 1, national output and mix."""
    return RegionalModel(
        region_code=code,
        region_name=name,
        method="national",
        delta=float("nan"),
        year=int(year),
        A=model.A,
        national_coefficients=model.A,
        x=model.output.rename("output"),
        employment=employment.rename("employment"),
        national_employment=employment.rename("employment"),
        location_quotients=pd.Series(1.0, index=model.industries, name="slq"),
        scaling_factor=1.0,
        household_consumption_coefficients=_household_coefficients(model),
        national=model,
        employment_dataset=employment_dataset,
    )


def delta_sensitivity(
    tables: ReferenceTables,
    region: str,
    deltas: Sequence[float] = (0.1, 0.15, 0.2, 0.25, 0.3, 0.35, 0.4),
    *,
    method: str = DEFAULT_METHOD,
    type: int = 1,
    year: int = DEFAULT_YEAR,
    sic_employment: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Regional multipliers for each value of Flegg's :math:`\\delta`: how much the choice matters.

    Returns
    -------
    pandas.DataFrame
        Long form: ``delta``, ``scaling_factor`` and the columns of
        :meth:`RegionalModel.multipliers`, one row per (delta, industry).
        *method* must be ``flq`` or ``aflq`` (the only ones that use delta).

    Examples
    --------
    >>> from clusterplan.pipeline.tables import reference_tables
    >>> sweep = delta_sensitivity(reference_tables(), "TLG3", [0.1, 0.4])
    >>> means = sweep.groupby("delta")["output_multiplier"].mean()
    >>> bool(means[0.1] > means[0.4])  # a larger delta means more imports, smaller multipliers
    True
    """
    key = _check_method(method)
    if key not in ("flq", "aflq"):
        raise ParameterError(f"delta changes nothing under {key!r}", hint="use method 'flq' or 'aflq'")
    if len(deltas) == 0:
        raise ParameterError("give at least one delta")
    frames = []
    for d in deltas:
        model = regional_model(tables, region, method=key, delta=d, year=year, sic_employment=sic_employment)
        table = model.multipliers(type)
        table.insert(0, "scaling_factor", model.scaling_factor)
        table.insert(0, "delta", float(d))
        frames.append(table)
    return pd.concat(frames, ignore_index=True)
