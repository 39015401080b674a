"""A second national model: the US economy from the BEA summary use tables (71 industries, 1997–2015).

BEA derives its requirements tables from the use table *U* (commodities x
industries) and the make table *V* (industries x commodities) under the
industry-technology assumption (Horowitz and Planting 2009, ch. 12):

* direct requirements :math:`B = U\\hat g^{-1}` (commodity inputs per dollar
  of industry output *g*);
* market shares :math:`D = V\\hat q^{-1}` (each industry's share of the output
  *q* of each commodity), from the make table with its scrap column set to
  zero;
* the **scrap adjustment**: industry *j* also makes scrap, a share
  :math:`p_j` of its output that no commodity column shows, so
  :math:`W = (I - \\hat p)^{-1} D` scales the market shares up to whole
  industry output (:func:`scrap_adjusted_market_shares`);
* total requirements: commodity by commodity :math:`(I - BW)^{-1}`, industry
  by commodity :math:`W(I - BW)^{-1}` (the table BEA publishes as "industry-by-
  commodity total requirements"), industry by industry :math:`(I - WB)^{-1}`.

What the package data allows. It holds the summary *use* tables (before
redefinitions, producers' prices) and the published industry-by-commodity
total requirements (*after* redefinitions), but no make table. So
:func:`bea_model` and :func:`bea_total_requirements` take each commodity to be
made only by the industry of the same code (market shares 1, BEA's summary
commodity and industry codes coincide), with no scrap adjustment; the scrap
and second-hand goods row (``Used``) and noncomparable imports (``Other``)
have no producing industry and act as leakages, like primary inputs. BEA's
construction, with the make table and redefinitions, cannot be reproduced
exactly, so the published total requirements are a check of the
approximation rather than a golden value: for 2015 the computed and the
published 71 x 73 matrices correlate 0.985 cell by cell, with a median
absolute difference of 0.00045 per dollar (the tests pin these figures; the
largest differences are in the ``Used`` and ``Other`` columns, which BEA
assigns to industries through the make table, and on the diagonal, where
redefinitions move secondary products). The BEA functions themselves
(:func:`market_shares`, :func:`scrap_adjusted_market_shares` and the
three total-requirements formulas) implement BEA's algebra exactly and are
tested on a worked example with a make table and scrap.

BEA's use table values every commodity at producers' prices and includes
imports in the commodity rows (imports are a negative final-use column,
``F050``): the model gives *total* requirements, not domestic ones, and has no
import row (``P7`` is NaN). Value added: ``V001`` compensation of employees
(``D1``), ``V002`` taxes on production and imports less subsidies
(``D29-D39``), ``V003`` gross operating surplus (``GOS & MI``), ``T006`` total
value added (``GVA``). Household consumption is personal consumption
expenditures, ``F010``. There is no employment (no US jobs by BEA industry in
the package data).

References
----------
Horowitz, K. J. and Planting, M. A. (2009). *Concepts and Methods of the U.S.
Input-Output Accounts*. Bureau of Economic Analysis, chapter 12.

Miller, R. E. and Blair, P. D. (2009). *Input-Output Analysis: Foundations and
Extensions*, 2nd ed., chapter 5.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd

from .._exceptions import DataValidationError, ParameterError
from ..sources.bea_io import BEAUseTable, total_requirements_from_long, use_table_from_long
from .model import PRIMARY_INPUTS, NationalModel
from .supply_use import characteristic_market_shares, industry_technology_flows, input_coefficients, market_shares

__all__ = [
    "BEA_NONPRODUCED_COMMODITIES",
    "bea_domestic_model",
    "bea_model",
    "bea_total_requirements",
    "bea_use_table",
    "commodity_by_commodity_total_requirements",
    "domestic_shares",
    "industry_by_commodity_total_requirements",
    "industry_by_industry_total_requirements",
    "market_shares",
    "published_total_requirements",
    "requirements_agreement",
    "scrap_adjusted_market_shares",
]

#: Commodity rows of the BEA summary use table that no industry produces as its own commodity.
BEA_NONPRODUCED_COMMODITIES = ("Used", "Other")


def scrap_adjusted_market_shares(D: pd.DataFrame, scrap_ratio: pd.Series | None = None) -> pd.DataFrame:
    """BEA's transformation matrix :math:`W = (I - \\hat p)^{-1} D`.

    Parameters
    ----------
    D
        Market shares, industries x commodities (:func:`market_shares`, from a
        make table whose scrap column is zero).
    scrap_ratio
        :math:`p_j`: scrap output of industry *j* / its total output; None or
        missing industries mean no scrap.

    Examples
    --------
    >>> D = pd.DataFrame([[0.9, 0.0], [0.1, 1.0]], index=["i1", "i2"], columns=["c1", "c2"])
    >>> scrap_adjusted_market_shares(D, pd.Series({"i1": 0.1})).round(6).values.tolist()
    [[1.0, 0.0], [0.1, 1.0]]
    """
    p = (
        np.zeros(len(D.index))
        if scrap_ratio is None
        else scrap_ratio.reindex(D.index).fillna(0.0).to_numpy(dtype=float)
    )
    if (p >= 1).any() or (p < 0).any():
        raise DataValidationError(
            "scrap ratios must be in [0, 1)", code=str(D.index[int(np.flatnonzero((p >= 1) | (p < 0))[0])])
        )
    return D.div(1.0 - p, axis=0)


def _check_pair(B: pd.DataFrame, W: pd.DataFrame) -> None:
    if list(W.columns) != list(B.index) or list(W.index) != list(B.columns):
        raise DataValidationError(
            "B (commodities x industries) and W (industries x commodities) are not on the same codes",
            hint="build both from one use table and one make table",
        )


def commodity_by_commodity_total_requirements(B: pd.DataFrame, W: pd.DataFrame) -> pd.DataFrame:
    """:math:`(I - BW)^{-1}`: commodity output needed per dollar of each commodity delivered to final users.

    Examples
    --------
    >>> B = pd.DataFrame([[0.1, 1 / 3], [0.3, 0.0]], index=["c1", "c2"], columns=["i1", "i2"])
    >>> W = pd.DataFrame([[1.0, 0.0], [0.1, 1.0]], index=["i1", "i2"], columns=["c1", "c2"])
    >>> (commodity_by_commodity_total_requirements(B, W) * 23).round(9).values.tolist()
    [[30.0, 10.0], [9.0, 26.0]]
    """
    _check_pair(B, W)
    BW = B.to_numpy(dtype=float) @ W.to_numpy(dtype=float)
    values = np.linalg.solve(np.eye(len(B.index)) - BW, np.eye(len(B.index)))
    return pd.DataFrame(values, index=B.index, columns=B.index)


def industry_by_commodity_total_requirements(B: pd.DataFrame, W: pd.DataFrame) -> pd.DataFrame:
    """:math:`W(I - BW)^{-1}`: industry output needed per dollar of each commodity delivered to final users.

    This is the table BEA publishes as industry-by-commodity total requirements.

    Examples
    --------
    >>> B = pd.DataFrame([[0.1, 1 / 3], [0.3, 0.0]], index=["c1", "c2"], columns=["i1", "i2"])
    >>> W = pd.DataFrame([[1.0, 0.0], [0.1, 1.0]], index=["i1", "i2"], columns=["c1", "c2"])
    >>> (industry_by_commodity_total_requirements(B, W) * 23).round(9).values.tolist()
    [[30.0, 10.0], [12.0, 27.0]]
    """
    inverse = commodity_by_commodity_total_requirements(B, W)
    values = W.to_numpy(dtype=float) @ inverse.to_numpy(dtype=float)
    return pd.DataFrame(values, index=W.index, columns=B.index)


def industry_by_industry_total_requirements(B: pd.DataFrame, W: pd.DataFrame) -> pd.DataFrame:
    """:math:`(I - WB)^{-1}`: industry output needed per dollar of each industry's output delivered to final users.

    Examples
    --------
    >>> B = pd.DataFrame([[0.1, 1 / 3], [0.3, 0.0]], index=["c1", "c2"], columns=["i1", "i2"])
    >>> W = pd.DataFrame([[1.0, 0.0], [0.1, 1.0]], index=["i1", "i2"], columns=["c1", "c2"])
    >>> (industry_by_industry_total_requirements(B, W) * 23).round(9).values.tolist()
    [[29.0, 10.0], [9.3, 27.0]]
    """
    _check_pair(B, W)
    WB = W.to_numpy(dtype=float) @ B.to_numpy(dtype=float)
    values = np.linalg.solve(np.eye(len(W.index)) - WB, np.eye(len(W.index)))
    return pd.DataFrame(values, index=W.index, columns=W.index)


def bea_use_table(long: pd.DataFrame, year: int) -> BEAUseTable:
    """One year of the BEA summary use tables *long* (the package dataset ``bea_use_summary``,
    :attr:`~clusterplan.inputoutput.tables.ReferenceTables.bea_use`).

    Raises
    ------
    ParameterError
        No table for *year* (the package data covers 1997–2015).
    """
    years = sorted({int(y) for y in pd.unique(long["year"])})
    if year not in years:
        raise ParameterError(f"no BEA use table for {year}; the package data covers {years[0]}-{years[-1]}")
    return use_table_from_long(long, year)


def published_total_requirements(long: pd.DataFrame, year: int) -> pd.DataFrame:
    """BEA's published industry-by-commodity total requirements of *year* from *long* (the package dataset
    ``bea_total_requirements_summary``, :attr:`~clusterplan.inputoutput.tables.ReferenceTables.bea_total_requirements`),
    total row dropped."""
    years = sorted({int(y) for y in pd.unique(long["year"])})
    if year not in years:
        raise ParameterError(f"no BEA total requirements for {year}; the package data covers {years[0]}-{years[-1]}")
    return total_requirements_from_long(long, year)


def _characteristic_shares(table: BEAUseTable) -> pd.DataFrame:
    industries = list(table.intermediate_use.columns)
    commodities = list(table.intermediate_use.index)
    own = {c: c for c in commodities if c in set(industries)}
    unmatched = [c for c in commodities if c not in own and c not in BEA_NONPRODUCED_COMMODITIES]
    if unmatched:
        raise DataValidationError(
            f"commodities {unmatched[:5]} have no industry of the same code",
            hint="the BEA commodity and industry classifications differ; a make table is needed",
        )
    return characteristic_market_shares(industries, commodities, own)


def bea_total_requirements(table: BEAUseTable) -> pd.DataFrame:
    """Industry-by-commodity total requirements computed from the use table (characteristic market shares).

    :math:`W(I - BW)^{-1}` with :math:`B = U\\hat g^{-1}` from the summary use
    table and *W* the characteristic market shares (no make table, no scrap
    adjustment); same shape and codes as :func:`published_total_requirements`.

    Examples
    --------
    >>> from clusterplan.pipeline.tables import reference_tables
    >>> computed = bea_total_requirements(bea_use_table(reference_tables().bea_use, 2015))
    >>> computed.shape
    (71, 73)
    """
    B = input_coefficients(table.intermediate_use.fillna(0.0), table.industry_output)
    return industry_by_commodity_total_requirements(B, _characteristic_shares(table))


def requirements_agreement(computed: pd.DataFrame, published: pd.DataFrame) -> dict[str, float]:
    """How closely two requirements matrices agree, cell by cell on the published codes.

    Returns
    -------
    dict
        ``correlation`` (Pearson, over all cells), ``median_abs_difference``,
        ``max_abs_difference``, ``share_within_0.005`` (of cells) and
        ``column_sum_correlation``.

    Raises
    ------
    DataValidationError
        The two are not on the same codes.
    """
    if set(computed.index) != set(published.index) or set(computed.columns) != set(published.columns):
        raise DataValidationError("computed and published requirements are on different codes")
    a = computed.loc[published.index, published.columns].to_numpy(dtype=float)
    b = published.to_numpy(dtype=float)
    diff = np.abs(a - b)
    return {
        "correlation": float(np.corrcoef(a.ravel(), b.ravel())[0, 1]),
        "median_abs_difference": float(np.median(diff)),
        "max_abs_difference": float(diff.max()),
        "share_within_0.005": float((diff < 0.005).mean()),
        "column_sum_correlation": float(np.corrcoef(a.sum(axis=0), b.sum(axis=0))[0, 1]),
    }


def bea_model(table: BEAUseTable) -> NationalModel:
    """The US industry-by-industry :class:`~clusterplan.inputoutput.national.NationalModel` of a year's use table.

    :math:`Z = WU` and final demand :math:`WF` with characteristic market
    shares *W*; output *x* is industry output (``T008``); see the module
    docstring for the value-added rows and what is not available.

    Examples
    --------
    >>> from clusterplan.pipeline.tables import reference_tables
    >>> model = bea_model(bea_use_table(reference_tables().bea_use, 2015))
    >>> model.A.shape, model.unit
    ((71, 71), '$ million')
    """
    year = int(table.year)
    shares = _characteristic_shares(table)
    industries = list(shares.index)
    uses = pd.concat([table.intermediate_use, table.final_demand], axis=1).fillna(0.0)
    flows = industry_technology_flows(uses, shares)
    value_added = table.value_added.reindex(columns=industries)
    for code in ("V001", "V002", "V003"):
        if code not in value_added.index:
            raise DataValidationError(f"the BEA use table {year} has no value-added row {code}", code=code)
    nan = np.full(len(industries), np.nan)
    primary = pd.DataFrame(
        [
            nan,
            nan,
            value_added.loc["V001"].to_numpy(dtype=float),
            value_added.loc["V003"].to_numpy(dtype=float),
            value_added.loc["V002"].to_numpy(dtype=float),
            table.total_value_added.reindex(industries).to_numpy(dtype=float),
        ],
        index=list(PRIMARY_INPUTS),
        columns=pd.Index(industries, dtype=object),
    )
    final_uses = list(table.final_demand.columns)
    if "F010" not in final_uses:
        raise DataValidationError(f"the BEA use table {year} has no personal consumption column F010", code="F010")
    names = table.column_names.reindex(industries)
    return NationalModel(
        Z=flows[industries],
        final_demand=flows[final_uses],
        output=table.industry_output.reindex(industries).rename("output"),
        primary_inputs=primary,
        household_consumption=flows["F010"].rename("household_consumption"),
        industry_names=pd.Series(names.to_numpy(), index=pd.Index(industries, dtype=object)),
        year=year,
        source="bea",
        unit="$ million",
        notes=(
            f"BEA summary use table {year}, before redefinitions, producers' prices; industry technology with "
            "each commodity made only by the industry of the same code (no make table in the package data)",
            "imports are inside the commodity rows (total, not domestic, requirements); scrap (Used) and "
            "noncomparable imports (Other) act as leakages",
            "no employment: jobs by BEA industry are not in the package data",
            "Type II: personal consumption (F010) includes imports and exceeds compensation of employees, so "
            "the default closure (income = compensation) overstates induced effects; pass household_income",
        ),
    )


def domestic_shares(model: NationalModel, *, exports: str = "F040", imports: str = "F050") -> pd.Series:
    r"""Share of each industry's product used in the US that is made in the US, from the use table's trade columns.

    Parameters
    ----------
    model
        A BEA model (:func:`bea_model`), whose final demand holds exports (*exports*, positive) and imports
        (*imports*, negative: BEA subtracts them so that the row adds up to domestic output).
    exports, imports
        The two final-use columns.

    Returns
    -------
    pandas.Series
        :math:`d_i \in [0, 1]` by industry (1 where the product has no domestic use).

    Notes
    -----
    With domestic output of the product :math:`q_i` (its row total in the use table: intermediate and final uses,
    imports subtracted), exports :math:`E_i` and imports :math:`M_i`, the product's domestic use is
    :math:`q_i + M_i - E_i`, and under the proportional-import assumption (every user of a product buys the same
    mix of imported and domestic supply; Miller and Blair 2009, section 2.6; BEA's import matrices rest on it too)

    .. math::

        d_i = \frac{q_i - E_i}{q_i + M_i - E_i}

    Examples
    --------
    >>> from clusterplan.pipeline.tables import reference_tables
    >>> model = bea_model(bea_use_table(reference_tables().bea_use, 2015))
    >>> d = domestic_shares(model)
    >>> bool(d["334"] < 0.5 < 0.95 < d["5411"])  # computers and electronics are mostly imported, legal services not
    True
    """
    x = (model.Z.sum(axis=1) + model.final_demand.sum(axis=1)).to_numpy(dtype=float)
    exported = model.final_demand[exports].to_numpy(dtype=float)
    # A few service rows (wholesale, water transport) carry a positive entry in the imports column: no imports.
    imported = np.clip(-model.final_demand[imports].to_numpy(dtype=float), 0.0, None)
    use = x + imported - exported
    with np.errstate(divide="ignore", invalid="ignore"):
        share = np.where(use > 0, (x - exported) / use, 1.0)
    return pd.Series(np.clip(share, 0.0, 1.0), index=model.industries, name="domestic_share")


def bea_domestic_model(table: BEAUseTable) -> NationalModel:
    r"""The US model of :func:`bea_model` with imported intermediate inputs taken out (domestic requirements).

    The BEA use table's commodity rows include imports, so :func:`bea_model` gives total requirements. Regional
    models need domestic ones, as the ONS domestic-use IOAT gives for the UK: what a region does not buy locally
    then comes from the rest of the US (the location quotients) or from abroad (this import split). Each flow of
    product *i*, to industries and to domestic final users, is multiplied by :func:`domestic_shares`
    :math:`d_i`; the imported part of each industry's inputs, :math:`\sum_i (1 - d_i) z_{ij}`, becomes its
    ``P7`` row (imports), household consumption is of domestic products only, and the imports column is set to
    0 (where it is negative, i.e. holds imports). Output is unchanged and each row still adds up to the same
    total (domestic uses scaled by :math:`d_i` sum to :math:`q_i - E_i`).

    Examples
    --------
    >>> from clusterplan.pipeline.tables import reference_tables
    >>> use = bea_use_table(reference_tables().bea_use, 2015)
    >>> total, domestic = bea_model(use), bea_domestic_model(use)
    >>> bool((domestic.Z.abs() <= total.Z.abs()).all().all())
    True
    >>> round(float(total.L.sum().mean()), 2), round(float(domestic.L.sum().mean()), 2)  # mean output multiplier
    (1.85, 1.69)
    """
    model = bea_model(table)
    year = int(table.year)
    d = domestic_shares(model)
    Z = model.Z.mul(d, axis=0)
    imported = (model.Z.sub(Z)).sum(axis=0)
    final = model.final_demand.copy()
    domestic_uses = [c for c in final.columns if c not in ("F040", "F050")]
    final[domestic_uses] = final[domestic_uses].mul(d, axis=0)
    final["F050"] = final["F050"].clip(lower=0.0)  # imports taken out; the few positive entries stay
    primary = model.primary_inputs.copy()
    primary.loc["P7"] = imported.reindex(primary.columns).to_numpy(dtype=float)
    return dataclasses.replace(
        model,
        Z=Z,
        final_demand=final,
        household_consumption=(model.household_consumption * d).rename("household_consumption"),
        primary_inputs=primary,
        notes=(
            f"BEA summary use table {year}, before redefinitions, producers' prices; industry technology with each "
            "commodity made only by the industry of the same code (no make table in the package data)",
            "domestic requirements: each product's flows scaled by its domestic share of US use (proportional "
            "imports, from the exports and imports columns); the imported part of inputs is the P7 row",
            "scrap (Used) and noncomparable imports (Other) act as leakages",
            *[n for n in model.notes if n.startswith(("no employment", "Type II"))],
        ),
    )
