"""The national input-output model: Leontief inverse, Type I and Type II effects and multipliers.

A :class:`NationalModel` holds one year's industry-by-industry table of a
national economy (inter-industry flows, final demand, primary inputs and
output) with its technical coefficients and Leontief inverse, and, for the UK,
employment by industry so that jobs per £1m of final use can be computed.
:func:`national_model` builds it from the package's reference tables
(:class:`~clusterplan.inputoutput.tables.ReferenceTables`, read by the
pipeline), without any workbook:

``source="ons"`` (default)
    The ONS UK input-output analytical tables (IOAT), industry by industry,
    2019 (package dataset ``ioat2019``; 105 industries; domestic use at basic
    prices, £ million).
``source="sut"``
    Any year 1997–2020 derived from the ONS supply-use tables (Blue Book 2022)
    under the industry-technology assumption; see
    :mod:`clusterplan.inputoutput.supply_use`.
``source="bea"``
    The US economy 1997–2015 from the BEA summary use tables (71 industries,
    millions of dollars); see :mod:`clusterplan.inputoutput.bea`.

Effects and multipliers follow the ONS's *Input-output analytical tables:
guidance for use* and Miller and Blair (2009, ch. 6):

* **output multiplier**: the column sum of the Leontief inverse,
  :math:`m_j = \\sum_i l_{ij}`, the output of all industries per £1 of final
  use of industry *j*'s output.
* **effects**: for a primary input or employment with direct coefficient
  :math:`c_i` per unit of output (GVA / output, compensation / output, imports
  / output, jobs per £1m of output), the effect of industry *j* is
  :math:`e_j = \\sum_i c_i l_{ij}`: total (direct plus indirect) GVA per £1 of
  final use (``gva_effect``), compensation per £1 (``compensation_effect``,
  which the ONS calls *employment cost effect*), imports per £1
  (``import_effect``) and jobs per £1m (``employment_effect``).
* **multipliers** of those: :math:`e_j / c_j`, total per unit of the direct
  amount in industry *j* (``gva_multiplier`` …; NaN where :math:`c_j = 0`).

Type I uses the open model :math:`L = (I - A)^{-1}`. Type II closes the model
to households (Miller and Blair 2009, section 6.2.2): a household row of
compensation per unit of output, :math:`h_{R,j} = D1_j / x_j`, and a household
column of household final consumption of domestic output (``P3 S14``) per £1
of household income, :math:`h_{C,i} = c_i / Y`, are added to *A*; the leading
n x n block of :math:`(I - \\bar A)^{-1}` replaces *L*. The household income
*Y* defaults to total compensation of employees (the closing row's total, the
textbook closure); pass ``household_income`` to use a wider income total. The
ONS does not publish Type II figures ("This is a type I analysis and does not
take into account induced effects", IOAT 2019 notes).

Employment (``source="ons"`` and ``"sut"``)
    BRES employment (employees plus working owners, a count of jobs, not
    full-time equivalents) for Great Britain: the package dataset
    ``bres_itl2_sic5`` summed over its 40 ITL2 areas, at SIC 2007 subclass
    level. Each subclass is mapped to the IOAT industry of its longest prefix
    in the lookup ``bres_ioat_lookup`` (:func:`clusterplan.sources.ons_io.sic_to_ioat`),
    so divisions the IOAT splits (10 food, 20 chemicals, 23-25, 30, 33, 35,
    49, 65, 68 real estate, 69 …) are divided by their groups and classes and
    every job lands in exactly one industry. Subclasses with no industry are
    kept in :attr:`NationalModel.unmatched_employment` and reported in
    :attr:`NationalModel.notes`, never dropped silently (in 2019 they are SIC
    98 and 99, households' own-use production and extraterritorial bodies,
    with no jobs). ``L68A`` (owner-occupiers' imputed rent) has no SIC code and
    no jobs. Two caveats: BRES covers Great Britain while the IOAT covers the
    UK, so jobs per £1m of output are understated by roughly Northern
    Ireland's share of UK jobs; and ONS's own employment multipliers use
    full-time equivalents, which are not available here, so the
    employment figures here are not comparable with them.

References
----------
Office for National Statistics (2023). *UK input-output analytical tables -
industry by industry: 2019*, and *Input-output analytical tables: guidance for
use*. Open Government Licence v3.0.

Miller, R. E. and Blair, P. D. (2009). *Input-Output Analysis: Foundations and
Extensions*, 2nd ed. Cambridge University Press, chapters 2 and 6.

Examples
--------
The package's reference tables are read by the pipeline and handed in:

>>> from clusterplan.pipeline.tables import reference_tables
>>> model = national_model(reference_tables())
>>> model.A.shape
(105, 105)
>>> table = multipliers_table(model)
>>> round(float(table.set_index("industry_code").loc["C101", "output_multiplier"]), 3)
2.396
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd

from .._exceptions import DataValidationError, ParameterError, UnknownCodeError
from ..datasets import BRES_SUBCLASS
from ..sources.ons_io import IOAT_FINAL_DEMAND_SUBTOTALS, IOATables, sic_to_ioat
from .bea import bea_model, bea_use_table
from .iomath import (
    close_to_households,
    leontief_inverse,
    output_multipliers,
    spectral_radius,
    total_effects,
)
from .model import PRIMARY_INPUTS, NationalModel
from .supply_use import model_from_supply_use, reference_supply_use_tables
from .tables import ReferenceTables

__all__ = [
    "EMPLOYMENT_DATASET",
    "MULTIPLIER_COLUMNS",
    "NATIONAL_SOURCES",
    "PRIMARY_INPUTS",
    "EmploymentMapping",
    "NationalModel",
    "closed_leontief_inverse",
    "employment_by_ioat_industry",
    "gb_employment_by_sic",
    "model_from_ioat",
    "multipliers_table",
    "national_model",
]

#: Sources :func:`national_model` can build from.
NATIONAL_SOURCES = ("ons", "sut", "bea")

#: The package dataset of BRES employment by ITL2 area and SIC subclass used for jobs per £1m.
EMPLOYMENT_DATASET = BRES_SUBCLASS

#: Columns of :func:`multipliers_table`, in order.
MULTIPLIER_COLUMNS = [
    "industry_code",
    "industry_name",
    "output_multiplier",
    "gva_coefficient",
    "gva_effect",
    "gva_multiplier",
    "compensation_coefficient",
    "compensation_effect",
    "compensation_multiplier",
    "employment_coefficient",
    "employment_effect",
    "employment_multiplier",
    "import_coefficient",
    "import_effect",
]

_IOAT_YEAR = 2019


# --------------------------------------------------------------------------- employment


@dataclass(frozen=True)
class EmploymentMapping:
    """Employment mapped from SIC codes to IOAT industries.

    Attributes
    ----------
    jobs
        Jobs by IOAT industry (every industry of the table; 0 where none).
    unmatched
        Jobs of SIC codes the lookup maps to no industry, by SIC code.
    total
        All jobs read, matched or not (``jobs.sum() + unmatched.sum() == total``).
    """

    jobs: pd.Series
    unmatched: pd.Series
    total: float


def employment_by_ioat_industry(
    jobs_by_sic: pd.Series, lookup: pd.DataFrame, industries: Sequence[str]
) -> EmploymentMapping:
    """Map jobs by SIC 2007 code to IOAT industries, each code by its longest prefix in *lookup*.

    Parameters
    ----------
    jobs_by_sic
        Jobs indexed by SIC code without dots (subclasses ``"10110"`` keep a
        split division such as 10 apart; a division code such as ``"10"`` that
        the IOAT splits maps to no industry and is reported as unmatched).
    lookup
        ``sic_code`` -> ``ioat_code`` (the package dataset ``bres_ioat_lookup``).
    industries
        The IOAT industries of the model, in order.

    Returns
    -------
    EmploymentMapping
        Jobs by industry and the unmatched remainder; nothing is dropped.

    Raises
    ------
    DataValidationError
        The lookup maps a code to an industry that is not in *industries*
        (the classifications do not match).

    Examples
    --------
    BRES 2019 Great Britain employment of three subclasses (sums over the 40
    ITL2 areas of ``bres_itl2_sic5``) and SIC 99, which has no IOAT industry:

    >>> lookup = pd.DataFrame({"sic_code": ["01", "101", "107"], "ioat_code": ["A01", "C101", "C107"]})
    >>> jobs = pd.Series({"01000": 430700.0, "10110": 24175.0, "10710": 79650.0, "99000": 0.0})
    >>> mapped = employment_by_ioat_industry(jobs, lookup, ["A01", "C101", "C107", "L68A"])
    >>> mapped.jobs.tolist()
    [430700.0, 24175.0, 79650.0, 0.0]
    >>> mapped.unmatched.to_dict()
    {'99000': 0.0}
    """
    codes = pd.Series(jobs_by_sic.index.astype(str), index=jobs_by_sic.index)
    mapped = sic_to_ioat(codes, lookup)
    values = jobs_by_sic.astype(float).fillna(0.0)
    known = set(industries)
    unknown = sorted({str(c) for c in mapped.dropna()} - known)
    if unknown:
        raise DataValidationError(
            f"the SIC lookup maps to industries that are not in the model: {unknown[:5]}",
            hint="the lookup and the input-output table use different industry classifications",
        )
    is_matched = mapped.notna().to_numpy()
    jobs = values[is_matched].groupby(mapped[is_matched].to_numpy()).sum()
    jobs = jobs.reindex(list(industries), fill_value=0.0).astype(float).rename("employment")
    unmatched = values[~is_matched].rename("employment")
    unmatched.index = unmatched.index.astype(str)
    return EmploymentMapping(jobs=jobs, unmatched=unmatched, total=float(values.sum()))


def gb_employment_by_sic(facts: pd.DataFrame, *, year: int = _IOAT_YEAR) -> tuple[pd.Series, int]:
    """BRES employment for Great Britain by SIC 2007 subclass: dataset ``bres_itl2_sic5`` summed over its areas.

    Parameters
    ----------
    facts
        Employment facts of the dataset (``area_code, industry_code, year,
        value``), as the pipeline reads them from the warehouse
        (:func:`clusterplan.pipeline.inputoutput.national_bres_facts`).
    year
        BRES year (2015–2021 in the package data).

    Returns
    -------
    tuple
        Jobs by subclass code, and the number of areas summed (40 ITL2 areas
        make Great Britain).

    Raises
    ------
    ParameterError
        No employment for that year.
    """
    rows = facts[(facts["year"] == year).to_numpy()]
    jobs = rows.groupby(rows["industry_code"].astype(str))["value"].sum(min_count=0)
    areas = int(rows["area_code"].nunique())
    if jobs.empty:
        raise ParameterError(
            f"no BRES employment ({EMPLOYMENT_DATASET}) for {year}",
            hint="BRES in the package data covers 2015-2021; pass employment=None to build without jobs",
        )
    return jobs.sort_index().astype(float), areas


def _bres_employment(
    facts: pd.DataFrame, lookup: pd.DataFrame, year: int, industries: Sequence[str]
) -> tuple[pd.Series, pd.Series, list[str]]:
    """Jobs by industry from BRES, the unmatched remainder, and notes describing both."""
    by_sic, areas = gb_employment_by_sic(facts, year=year)
    mapped = employment_by_ioat_industry(by_sic, lookup, industries)
    notes = [
        f"employment: BRES {year} Great Britain ({areas} ITL2 areas), {mapped.total:,.0f} jobs by SIC subclass "
        "mapped to input-output industries by the longest prefix in bres_ioat_lookup",
        "employment covers Great Britain and the table the UK: jobs per £1m of output are understated by "
        "roughly Northern Ireland's share of UK jobs; jobs are a headcount, not full-time equivalents",
    ]
    if len(mapped.unmatched):
        listed = ", ".join(f"{code} ({value:,.0f})" for code, value in mapped.unmatched.items())
        notes.append(f"employment not mapped to any industry: {mapped.unmatched.sum():,.0f} jobs in SIC {listed}")
    return mapped.jobs, mapped.unmatched, notes


def _check_employment(employment: pd.Series, industries: Sequence[str]) -> pd.Series:
    """A user-supplied employment vector, checked against the model's industries."""
    labels = [str(c) for c in employment.index]
    unknown = [c for c in labels if c not in set(industries)]
    if unknown:
        raise UnknownCodeError(
            "industry in employment", unknown[0], list(industries), hint="employment must use the model's codes"
        )
    missing = [c for c in industries if c not in set(labels) and c != "L68A"]
    if missing:
        raise DataValidationError(
            f"employment has no value for {len(missing)} industries: {missing[:5]}",
            hint="give every industry a value (0 where it has no jobs)",
        )
    values = pd.Series(employment.to_numpy(dtype=float), index=labels)
    if values.isna().any() or (values < 0).any():
        raise DataValidationError(
            "employment is missing or negative",
            code=str(values.index[values.isna()][0]) if values.isna().any() else str(values.index[values < 0][0]),
        )
    return values.reindex(list(industries), fill_value=0.0).rename("employment")


# --------------------------------------------------------------------------- building


def model_from_ioat(
    tables: IOATables,
    *,
    employment: pd.Series | None = None,
    unmatched_employment: pd.Series | None = None,
    notes: Sequence[str] = (),
) -> NationalModel:
    """A :class:`NationalModel` from the ONS IOAT tables (:func:`clusterplan.sources.ons_io.ioat_from_long`).

    Final demand leaves out the subtotal ``P3 S1``; household consumption is
    the ``P3 S14`` column; primary inputs are the IOAT rows of the same codes.
    """
    industries = list(tables.industries)
    final_uses = [c for c in tables.final_demand.columns if c not in IOAT_FINAL_DEMAND_SUBTOTALS]
    if "P3 S14" not in final_uses:
        raise DataValidationError("the IOAT final demand has no households column 'P3 S14'", column="P3 S14")
    primary = tables.primary_inputs.reindex(index=list(PRIMARY_INPUTS), columns=industries)
    names = tables.row_names.reindex(industries)
    return NationalModel(
        Z=tables.domestic_use.astype(float),
        final_demand=tables.final_demand[final_uses].astype(float),
        output=tables.output,
        primary_inputs=primary.astype(float),
        household_consumption=tables.final_demand["P3 S14"].astype(float).rename("household_consumption"),
        industry_names=names,
        year=int(tables.year),
        source="ons",
        unit="£ million",
        employment=employment,
        unmatched_employment=unmatched_employment,
        notes=(f"ONS input-output analytical tables {tables.year}, industry by industry (domestic use)", *notes),
    )


def national_model(
    tables: ReferenceTables,
    bres_facts: pd.DataFrame | None = None,
    *,
    year: int = _IOAT_YEAR,
    source: Literal["ons", "sut", "bea"] = "ons",
    employment: pd.Series | Literal["bres"] | None = "bres",
) -> NationalModel:
    """Build the national input-output model from the package's reference tables.

    Parameters
    ----------
    tables
        The reference tables (:func:`clusterplan.pipeline.tables.reference_tables`):
        the IOAT, supply-use or BEA tables and the SIC lookup.
    bres_facts
        BRES employment facts (``area_code, industry_code, year, value``) as
        the pipeline reads them from the warehouse (None: the tables'
        :meth:`~clusterplan.inputoutput.tables.ReferenceTables.employment_facts`
        of ``bres_itl2_sic5``).
    year
        Reference year: 2019 for ``"ons"``, 1997–2020 for ``"sut"``,
        1997–2015 for ``"bea"``.
    source
        ``"ons"`` the 2019 IOAT; ``"sut"`` derived from the supply-use tables;
        ``"bea"`` the US BEA summary tables (see the module docstring).
    employment
        ``"bres"`` (default): BRES Great Britain jobs of *year*, mapped to the
        IOAT industries (UK sources only; without BRES for *year* the model
        has no employment and a note says so). A Series gives jobs by industry
        code directly; None builds without employment.

    Raises
    ------
    ParameterError
        An unknown source, or a year the source does not cover.
    UnknownCodeError, DataValidationError
        A supplied employment Series with codes that are not the model's, or
        missing industries.
    """
    if source not in NATIONAL_SOURCES:
        raise ParameterError(f"unknown input-output source {source!r}; choose one of {', '.join(NATIONAL_SOURCES)}")
    if source == "bea":
        if isinstance(employment, pd.Series):
            raise ParameterError("employment for the BEA (US) model is not supported; pass employment=None")
        return bea_model(bea_use_table(tables.bea_use, year))
    if source == "ons" and year != _IOAT_YEAR:
        raise ParameterError(
            f"the ONS input-output analytical tables in the package data are for {_IOAT_YEAR} only, not {year}",
            hint="use source='sut' for other years (1997-2020)",
        )
    if source == "ons":
        ioat = tables.ioat
        industries = list(ioat.industries)
    else:
        sut = reference_supply_use_tables(tables, year)
        industries = list(sut.industries)

    jobs: pd.Series | None = None
    unmatched: pd.Series | None = None
    notes: list[str] = []
    if isinstance(employment, pd.Series):
        jobs = _check_employment(employment, industries)
        notes.append("employment: supplied by the caller")
    elif employment == "bres":
        try:
            facts = tables.employment_facts(EMPLOYMENT_DATASET) if bres_facts is None else bres_facts
            jobs, unmatched, notes = _bres_employment(facts, tables.bres_ioat_lookup, year, industries)
        except ParameterError as exc:
            notes.append(f"no employment: {exc.message}")
    elif employment is not None:
        raise ParameterError(f"employment must be 'bres', a Series or None, not {employment!r}")

    if source == "ons":
        return model_from_ioat(ioat, employment=jobs, unmatched_employment=unmatched, notes=notes)

    return model_from_supply_use(sut, employment=jobs, unmatched_employment=unmatched, notes=notes)


# --------------------------------------------------------------------------- multipliers


def closed_leontief_inverse(model: NationalModel, *, household_income: float | None = None) -> pd.DataFrame:
    """The Leontief inverse of the model closed to households, :math:`(I - \\bar A)^{-1}` ((n+1) x (n+1)).

    Parameters
    ----------
    model
        The national model.
    household_income
        Total household income *Y* that household consumption is divided by
        (same unit as the table); default total compensation of employees.

    Notes
    -----
    :math:`\\bar A = \\begin{bmatrix} A & h_C \\\\ h_R & 0 \\end{bmatrix}` with
    :math:`h_{R,j} = D1_j / x_j` and :math:`h_{C,i} = c_i / Y` (Miller and
    Blair 2009, section 2.5); the last row and column are labelled
    ``"households"``.

    Raises
    ------
    DataValidationError
        Household income not positive, or a closed model that is not productive.
    """
    compensation = model.compensation_coefficients
    compensation_total = float(np.nansum(model.primary_inputs.loc["D1"].to_numpy(dtype=float)))
    income = compensation_total if household_income is None else float(household_income)
    if not income > 0:
        raise DataValidationError(f"household income must be positive, got {income}")
    closed = close_to_households(model.A, compensation, model.household_consumption / income)
    if not spectral_radius(closed) < 1.0:
        raise DataValidationError(
            f"the model closed to households is not productive (spectral radius {spectral_radius(closed):.4f})",
            hint="household income is too small for the household consumption it has to pay for",
        )
    return leontief_inverse(closed)


def multipliers_table(
    model: NationalModel, type: Literal[1, 2] = 1, *, household_income: float | None = None
) -> pd.DataFrame:
    """Type I or Type II effects and multipliers, one row per industry.

    Parameters
    ----------
    model
        The national model.
    type
        1: direct and indirect (open model); 2: direct, indirect and induced
        (closed to households, see :func:`closed_leontief_inverse`).
    household_income
        Type II only: household income the consumption column is divided by.

    Returns
    -------
    pandas.DataFrame
        :data:`MULTIPLIER_COLUMNS`: ``output_multiplier`` (output per £1 of
        final use); for GVA, compensation of employees and imports the direct
        ``*_coefficient`` (per £1 of output), the ``*_effect`` (per £1 of final
        use) and the ``*_multiplier`` (effect / coefficient; not for imports);
        ``employment_coefficient`` (jobs per £1m of output),
        ``employment_effect`` (jobs per £1m of final use) and
        ``employment_multiplier``. Employment columns are NaN when the model
        has no employment, import columns when the source has no imports.
        ``attrs`` records the type, unit and year.

    Notes
    -----
    With direct coefficients :math:`c` and inverse :math:`L` (Type I) or the
    leading block of the closed inverse (Type II), effect
    :math:`e_j = \\sum_i c_i l_{ij}` and multiplier :math:`e_j / c_j`; the
    output multiplier is :math:`\\sum_i l_{ij}` over industries only
    (households excluded in Type II).

    Examples
    --------
    Miller and Blair's two-sector example, with GVA of 700 and 1,400:

    >>> Z = pd.DataFrame([[150.0, 500.0], [200.0, 100.0]], index=["1", "2"], columns=["1", "2"])
    >>> x = pd.Series([1000.0, 2000.0], index=["1", "2"])
    >>> primary = pd.DataFrame(0.0, index=list(PRIMARY_INPUTS), columns=["1", "2"])
    >>> primary.loc["GVA"] = primary.loc["D1"] = [650.0, 1400.0]
    >>> model = NationalModel(Z=Z, final_demand=pd.DataFrame({"P3 S14": [350.0, 1700.0]}, index=["1", "2"]),
    ...     output=x, primary_inputs=primary, household_consumption=pd.Series([350.0, 1700.0], index=["1", "2"]),
    ...     industry_names=pd.Series(["one", "two"], index=["1", "2"]), year=2003, source="example", unit="$")
    >>> multipliers_table(model)[["output_multiplier", "gva_effect"]].round(3).values.tolist()
    [[1.518, 1.0], [1.452, 1.0]]
    """
    if type not in (1, 2):
        raise ParameterError(f"multiplier type must be 1 or 2, not {type!r}")
    industries = model.industries
    if type == 1:
        inverse = model.L
    else:
        inverse = closed_leontief_inverse(model, household_income=household_income).loc[industries, industries]
    out = pd.DataFrame({"industry_code": list(industries)}, index=industries)
    out["industry_name"] = model.industry_names.reindex(industries).to_numpy()
    out["output_multiplier"] = output_multipliers(inverse).to_numpy()
    for name, coefficients in (
        ("gva", model.gva_coefficients),
        ("compensation", model.compensation_coefficients),
        ("employment", model.employment_coefficients),
        ("import", model.import_coefficients),
    ):
        if coefficients is None or coefficients.isna().all():
            out[f"{name}_coefficient"] = np.nan
            out[f"{name}_effect"] = np.nan
            if name != "import":
                out[f"{name}_multiplier"] = np.nan
            continue
        effect = total_effects(inverse, coefficients).to_numpy()
        direct = coefficients.to_numpy(dtype=float)
        out[f"{name}_coefficient"] = direct
        out[f"{name}_effect"] = effect
        if name != "import":
            with np.errstate(divide="ignore", invalid="ignore"):
                out[f"{name}_multiplier"] = np.where(direct != 0, effect / direct, np.nan)
    result = out[MULTIPLIER_COLUMNS].reset_index(drop=True)
    result.attrs.update({"type": type, "unit": model.unit, "year": model.year, "source": model.source})
    return result
