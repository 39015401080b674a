"""Industry-by-industry input-output tables for 1997–2020 from the ONS supply-use tables.

The ONS publishes analytical input-output tables for single years (the package
holds 2019); the supply-use tables (SUT, Blue Book 2022, package dataset
``supply_use_bb22``) cover every year 1997–2020. This module derives an
industry-by-industry table for any of those years under the
**industry-technology assumption** (Miller and Blair 2009, ch. 5):

* :math:`B = U\\hat g^{-1}`, product-by-industry input coefficients (inputs of
  each product per unit of each industry's output *g*);
* :math:`D = V\\hat q^{-1}`, industry-by-product market shares from the make
  matrix *V* (industry *i*'s share of the output *q* of product *p*);
* industry-by-industry coefficients :math:`A = DB`, flows :math:`Z = DU`
  (equivalently Eurostat's "fixed product sales structure" model D: each
  product's sales pattern is shared by the industries that make it).

Two things the published tables force on the construction; both are
documented in the model's notes:

**No make matrix.** The Blue Book publication tables give supply by product
(domestic output at basic prices, imports, margins, taxes) but not which
industry makes which product. Each product is therefore taken to be made only
by the industry it is characteristic of (``CPA_C101`` by ``C101``): market
shares :math:`D = I` on matching codes (:func:`characteristic_market_shares`),
so :math:`A = B` relabelled by industry. This keeps each industry's column
identity exact (inputs plus imports, taxes and GVA equal its output *g*); the
row identity is approximate: a row adds up to the product's output *q*, not
to its industry's output *g*, the difference being the secondary production
the publication does not assign. Market shares of 1 approximate the real ones
better than the alternative diagonal :math:`\\hat g \\hat q^{-1}` (which
would keep the rows and break the columns): against the IOAT the output
multipliers agree more closely (median absolute difference 0.066 against
0.082). :func:`market_shares` and :func:`industry_technology_coefficients`
take a real make matrix when one is available.

**Purchasers' prices, imports included.** The SUT use table values every
purchase at purchasers' prices, including imported products, taxes less
subsidies on products and distributors' margins. ``valuation`` chooses what to
do about it:

``"domestic_basic"`` (default)
    Approximate the domestic use table at basic prices that the IOAT
    publishes, by product, assuming every user of a product buys the same mix
    (:func:`domestic_basic_use`): taxes are removed at the product's average
    rate; distributors' margins are removed from goods at the product's
    average margin rate and re-allocated, user by user, to the trade products
    (``CPA_G45``/``G46``/``G47``, the rows with negative margins) in proportion
    to their margin totals; imports are removed at the product's import share
    of basic-price supply, :math:`P7_p / (P1_p + P7_p)`. The removed imports
    and taxes become the ``P7`` and ``D21-D31`` rows of each industry. The
    result gives *domestic* requirements, comparable with the IOAT. Exports,
    which contain no imports of the same product, get the average import
    share too, so domestic requirements of export-heavy supply chains are
    understated.
``"purchasers_total"``
    Use the table as published: *total* (domestic plus imported) requirements
    at purchasers' prices. Coefficients are larger (imports, taxes and margins
    of each product count as inputs of it), so multipliers overstate the
    domestic impact; ``P7`` and ``D21-D31`` are NaN (they are inside the
    product rows).

Against the published 2019 IOAT (same year, same 105 industries) the
``"domestic_basic"`` coefficients correlate 0.880 cell by cell (0.716 for
``"purchasers_total"``); the median industry's column of coefficients
correlates 0.954 with the IOAT's, and 73 of the 104 columns with any inputs
correlate above 0.9 (the weakest: C16 wood products, C104 oils and fats, C20C
chemicals). Type I output multipliers differ from the IOAT's by 0.066 (median
absolute difference; 62 of 105 within 0.1; at most 0.56, for C19 coke and
refined petroleum, whose imports the average-import-share assumption
misplaces). The tests pin these figures.

References
----------
Miller, R. E. and Blair, P. D. (2009). *Input-Output Analysis: Foundations and
Extensions*, 2nd ed., chapter 5 (commodity-by-industry accounting, market
shares, industry-technology assumption).

Eurostat (2008). *Eurostat Manual of Supply, Use and Input-Output Tables*,
chapter 11 (transformation models; model D, fixed product sales structure).

Office for National Statistics (October 2022). *Input-output supply and use
tables, 1997 to 2020* (Blue Book 2022). Open Government Licence v3.0.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from functools import cache
from typing import Literal

import numpy as np
import pandas as pd

from .._exceptions import DataValidationError, ParameterError
from ..sources.ons_io import supply_use_table
from .model import PRIMARY_INPUTS, NationalModel
from .tables import ReferenceTables

__all__ = [
    "PRODUCT_INDUSTRY_ALIASES",
    "SUT_FINAL_DEMAND_SUBTOTALS",
    "VALUATIONS",
    "SupplyUseTables",
    "characteristic_industries",
    "characteristic_market_shares",
    "domestic_basic_use",
    "industry_technology_coefficients",
    "industry_technology_flows",
    "input_coefficients",
    "market_shares",
    "model_from_supply_use",
    "reference_supply_use_tables",
    "supply_use_tables",
]

#: Ways of valuing the SUT use table (see the module docstring).
VALUATIONS = ("domestic_basic", "purchasers_total")

#: Product codes (after ``CPA_``) written differently from their industry's code in the SUT.
PRODUCT_INDUSTRY_ALIASES = {
    "C11.01-6 & C12": "C1101T1106 & C12",
    "C241_3": "C241T243",
    "F41, F42 & F43": "F41, F42  & F43",
    "H493_5": "H493T495",
}

#: Final-demand columns of the SUT that are sums of others.
SUT_FINAL_DEMAND_SUBTOTALS = ("P3 S1", "P5", "P61", "P6", "TFU", "TU")

_INDUSTRY_ROWS = ("P2", "D29-D39", "D1", "GOS & MI", "GVA", "P1")


def characteristic_industries(products: Sequence[str], industries: Sequence[str]) -> dict[str, str]:
    """The industry each product is characteristic of: ``CPA_X`` -> ``X`` (with :data:`PRODUCT_INDUSTRY_ALIASES`).

    Raises
    ------
    DataValidationError
        A product with no industry of that code, or two products on one
        industry (the classifications of the use table's rows and columns
        do not match).

    Examples
    --------
    >>> characteristic_industries(["CPA_A01", "CPA_C241_3"], ["A01", "C241T243"])
    {'CPA_A01': 'A01', 'CPA_C241_3': 'C241T243'}
    """
    known = set(industries)
    out: dict[str, str] = {}
    for product in products:
        code = product[4:] if product.startswith("CPA_") else product
        code = PRODUCT_INDUSTRY_ALIASES.get(code, code)
        if code not in known:
            raise DataValidationError(
                "product has no industry of the same code in the use table's columns",
                code=product,
                hint="the product and industry classifications differ; extend PRODUCT_INDUSTRY_ALIASES",
            )
        out[product] = code
    if len(set(out.values())) != len(out):
        raise DataValidationError("two products map to the same industry", hint="check PRODUCT_INDUSTRY_ALIASES")
    return out


def input_coefficients(use: pd.DataFrame, industry_output: pd.Series) -> pd.DataFrame:
    """Product-by-industry input coefficients :math:`B = U \\hat g^{-1}` (0 where an industry has no output).

    Examples
    --------
    >>> U = pd.DataFrame([[10.0, 20.0], [30.0, 0.0]], index=["p1", "p2"], columns=["i1", "i2"])
    >>> input_coefficients(U, pd.Series({"i1": 100.0, "i2": 200.0})).values.tolist()
    [[0.1, 0.1], [0.3, 0.0]]
    """
    g = industry_output.reindex(use.columns).to_numpy(dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        values = np.where(g > 0, use.to_numpy(dtype=float) / g, 0.0)
    return pd.DataFrame(values, index=use.index, columns=use.columns)


def market_shares(make: pd.DataFrame, product_output: pd.Series) -> pd.DataFrame:
    """Industry-by-product market shares :math:`D = V \\hat q^{-1}` from a make matrix *V* (industries x products).

    Each column sums to one over the industries that make the product (0 for
    a product nobody makes).

    Examples
    --------
    Industry 1 makes 90 of product 1's 100 and industry 2 the rest:

    >>> V = pd.DataFrame([[90.0, 0.0], [10.0, 50.0]], index=["i1", "i2"], columns=["p1", "p2"])
    >>> market_shares(V, V.sum()).values.tolist()
    [[0.9, 0.0], [0.1, 1.0]]
    """
    q = product_output.reindex(make.columns).to_numpy(dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        values = np.where(q > 0, make.to_numpy(dtype=float) / q, 0.0)
    return pd.DataFrame(values, index=make.index, columns=make.columns)


def characteristic_market_shares(
    industries: Sequence[str], products: Sequence[str], product_industry: dict[str, str]
) -> pd.DataFrame:
    """Market shares when each product is made only by its characteristic industry: 1 there, 0 elsewhere.

    Parameters
    ----------
    industries, products
        Row and column labels of the result.
    product_industry
        Each product's industry (:func:`characteristic_industries`); products
        not in it (e.g. BEA's scrap ``Used`` and noncomparable imports
        ``Other``) have no producing industry and a zero column.

    Examples
    --------
    >>> characteristic_market_shares(["A01", "A02"], ["CPA_A01", "CPA_A02"],
    ...                              {"CPA_A01": "A01", "CPA_A02": "A02"}).values.tolist()
    [[1.0, 0.0], [0.0, 1.0]]
    """
    rows = {code: i for i, code in enumerate(industries)}
    values = np.zeros((len(industries), len(products)))
    for j, product in enumerate(products):
        industry = product_industry.get(product)
        if industry is not None:
            if industry not in rows:
                raise DataValidationError("product's industry is not in the industry list", code=product)
            values[rows[industry], j] = 1.0
    return pd.DataFrame(values, index=pd.Index(list(industries), dtype=object), columns=list(products))


def industry_technology_flows(use: pd.DataFrame, shares: pd.DataFrame) -> pd.DataFrame:
    """Industry-by-user flows :math:`DU` from products-by-users flows *U* and market shares *D*.

    Examples
    --------
    >>> U = pd.DataFrame([[10.0, 20.0], [30.0, 0.0]], index=["p1", "p2"], columns=["i1", "i2"])
    >>> D = pd.DataFrame([[0.9, 0.0], [0.1, 1.0]], index=["i1", "i2"], columns=["p1", "p2"])
    >>> industry_technology_flows(U, D).values.tolist()
    [[9.0, 18.0], [31.0, 2.0]]
    """
    if list(shares.columns) != list(use.index):
        raise DataValidationError("market shares and use table are on different product lists")
    values = shares.to_numpy(dtype=float) @ use.to_numpy(dtype=float)
    return pd.DataFrame(values, index=shares.index, columns=use.columns)


def industry_technology_coefficients(B: pd.DataFrame, D: pd.DataFrame) -> pd.DataFrame:
    """Industry-by-industry technical coefficients under the industry-technology assumption, :math:`A = DB`.

    Parameters
    ----------
    B
        Product-by-industry input coefficients (:func:`input_coefficients`).
    D
        Industry-by-product market shares (:func:`market_shares`).

    Notes
    -----
    Miller and Blair (2009), section 5.3: with industry output
    :math:`g = Dq` and product balance :math:`q = Bg + e`,
    :math:`g = DBg + De`, so :math:`A = DB` and
    :math:`g = (I - DB)^{-1} De`.

    Examples
    --------
    >>> B = pd.DataFrame([[0.1, 0.1], [0.3, 0.0]], index=["p1", "p2"], columns=["i1", "i2"])
    >>> D = pd.DataFrame([[0.9, 0.0], [0.1, 1.0]], index=["i1", "i2"], columns=["p1", "p2"])
    >>> industry_technology_coefficients(B, D).round(3).values.tolist()
    [[0.09, 0.09], [0.31, 0.01]]
    """
    if list(D.columns) != list(B.index):
        raise DataValidationError("market shares and input coefficients are on different product lists")
    values = D.to_numpy(dtype=float) @ B.to_numpy(dtype=float)
    return pd.DataFrame(values, index=D.index, columns=B.columns)


def domestic_basic_use(use: pd.DataFrame, supply: pd.DataFrame) -> tuple[pd.DataFrame, pd.Series, pd.Series]:
    """Domestic use at basic prices from a use table at purchasers' prices, by average product rates.

    Parameters
    ----------
    use
        Products x users (industries and final-use columns), purchasers'
        prices; the rows must add to each product's total supply.
    supply
        Products x supply columns ``P1`` (domestic output, basic prices),
        ``P7`` (imports), ``TTM`` (distributors' margins) and ``D21-D31``
        (taxes less subsidies on products).

    Returns
    -------
    tuple
        Domestic use at basic prices (products x users), and by user the
        imports and the taxes less subsidies on products removed.

    Notes
    -----
    With total supply :math:`s_p = P1_p + P7_p + TTM_p + T_p`: taxes
    :math:`t_p = T_p/s_p`; for goods (:math:`TTM_p \\ge 0`) margins
    :math:`\\mu_p = TTM_p/s_p` and basic share :math:`b_p = (P1_p+P7_p)/s_p`;
    for trade products (:math:`TTM_p < 0`) :math:`b_p = (P1_p+P7_p+TTM_p)/s_p`.
    User *j* pays margins :math:`M_j = \\sum_p \\mu_p u_{pj}`, shared among
    trade products in proportion :math:`\\sigma_k = TTM_k/\\sum_{k'} TTM_{k'}`.
    Basic use :math:`u^b_{pj} = b_p u_{pj} + \\sigma_p M_j`; domestic use
    :math:`u^d_{pj} = \\delta_p u^b_{pj}` with
    :math:`\\delta_p = P1_p/(P1_p+P7_p)`; imports
    :math:`\\sum_p (1-\\delta_p) u^b_{pj}`; taxes :math:`\\sum_p t_p u_{pj}`.
    Summed over all users, product *p*'s domestic use equals :math:`P1_p`.

    Examples
    --------
    A good with supply 80 + 10 imported + 8 margins + 2 taxes and a trade
    service with output 8 that is all margin:

    >>> supply = pd.DataFrame({"P1": [80.0, 8.0], "P7": [10.0, 0.0], "TTM": [8.0, -8.0], "D21-D31": [2.0, 0.0]},
    ...                       index=["good", "trade"])
    >>> use = pd.DataFrame({"maker": [50.0, 0.0], "households": [50.0, 0.0]}, index=["good", "trade"])
    >>> domestic, imports, taxes = domestic_basic_use(use, supply)
    >>> domestic.round(2).values.tolist()
    [[40.0, 40.0], [4.0, 4.0]]
    >>> imports.round(6).tolist(), taxes.round(6).tolist()
    ([5.0, 5.0], [1.0, 1.0])
    """
    s = supply.reindex(use.index)
    p1, p7 = s["P1"].to_numpy(dtype=float), s["P7"].to_numpy(dtype=float)
    ttm, tax = s["TTM"].to_numpy(dtype=float), s["D21-D31"].to_numpy(dtype=float)
    total = p1 + p7 + ttm + tax
    trade = ttm < 0
    with np.errstate(divide="ignore", invalid="ignore"):
        tax_rate = np.where(total != 0, tax / total, 0.0)
        margin_rate = np.where((~trade) & (total != 0), ttm / total, 0.0)
        basic_share = np.where(total != 0, (p1 + p7 + np.where(trade, ttm, 0.0)) / total, 0.0)
        domestic_share = np.where(p1 + p7 > 0, p1 / (p1 + p7), 0.0)
    trade_margins = np.where(trade, ttm, 0.0)
    margin_share = trade_margins / trade_margins.sum() if trade.any() else trade_margins
    values = use.to_numpy(dtype=float)
    margins = margin_rate @ values
    basic = basic_share[:, None] * values + np.outer(margin_share, margins)
    domestic = domestic_share[:, None] * basic
    imports = ((1.0 - domestic_share)[:, None] * basic).sum(axis=0)
    taxes = tax_rate @ values
    return (
        pd.DataFrame(domestic, index=use.index, columns=use.columns),
        pd.Series(imports, index=use.columns, name="P7"),
        pd.Series(taxes, index=use.columns, name="D21-D31"),
    )


@dataclass(frozen=True)
class SupplyUseTables:
    """One year of the ONS supply-use tables, split into the blocks the model needs (£ million).

    Attributes
    ----------
    year
        The year.
    use
        Products x industries, purchasers' prices (intermediate consumption).
    final_demand
        Products x final-use columns (no subtotals), purchasers' prices.
    supply
        Products x ``P1``, ``P7``, ``TTM``, ``D21-D31``, ``TS_PP``.
    industry_rows
        ``P2``, ``D29-D39``, ``D1``, ``GOS & MI``, ``GVA``, ``P1`` by industry.
    product_industry
        Each product's characteristic industry.
    industry_names
        Published names of the industry codes.
    """

    year: int
    use: pd.DataFrame
    final_demand: pd.DataFrame
    supply: pd.DataFrame
    industry_rows: pd.DataFrame
    product_industry: dict[str, str]
    industry_names: pd.Series

    @property
    def industries(self) -> pd.Index:
        """Industry codes in published column order."""
        return self.use.columns

    @property
    def industry_output(self) -> pd.Series:
        """Industry output *g* at basic prices (row ``P1``)."""
        return pd.Series(self.industry_rows.loc["P1"].to_numpy(dtype=float), index=self.industries, name="output")

    @property
    def product_output(self) -> pd.Series:
        """Domestic output *q* of each product at basic prices, labelled by its characteristic industry."""
        q = self.supply["P1"].rename(index=self.product_industry)
        return q.reindex(self.industries).rename("product_output")


def supply_use_tables(year: int, long: pd.DataFrame) -> SupplyUseTables:
    """One year of the supply-use tables *long* (the package dataset ``supply_use_bb22``,
    :attr:`~clusterplan.inputoutput.tables.ReferenceTables.supply_use`).

    Raises
    ------
    ParameterError
        No tables for *year* (the package data covers 1997–2020).
    DataValidationError
        The products and industries do not correspond one to one, or a table
        lacks a column or row the model needs.
    """
    return _split_tables(long, year)


def reference_supply_use_tables(tables: ReferenceTables, year: int) -> SupplyUseTables:
    """:func:`supply_use_tables` of the reference tables' supply-use tables, split once per year and copied out."""
    cached = _reference_tables(tables, int(year))
    return replace(
        cached,
        use=cached.use.copy(),
        final_demand=cached.final_demand.copy(),
        supply=cached.supply.copy(),
        industry_rows=cached.industry_rows.copy(),
        product_industry=dict(cached.product_industry),
        industry_names=cached.industry_names.copy(),
    )


@cache
def _reference_tables(tables: ReferenceTables, year: int) -> SupplyUseTables:
    return _split_tables(tables.supply_use, year)


def _split_tables(df: pd.DataFrame, year: int) -> SupplyUseTables:
    years = sorted({int(y) for y in pd.unique(df["year"])})
    if year not in years:
        raise ParameterError(
            f"no supply-use tables for {year}; the package data covers {years[0]}-{years[-1]}"
            if years
            else "no supply-use tables"
        )
    supply = supply_use_table(df, "supply", year)
    intermediate = supply_use_table(df, "intermediate_consumption", year)
    final = supply_use_table(df, "final_demand", year)
    products = [r for r in intermediate.index if str(r).startswith("CPA_")]
    industries = [c for c in intermediate.columns if c != "_T"]
    for name, frame, needed, axis in (
        ("supply", supply, ["P1", "P7", "TTM", "D21-D31", "TS_PP"], "columns"),
        ("intermediate_consumption", intermediate, list(_INDUSTRY_ROWS), "rows"),
        ("final_demand", final, ["P3 S14"], "columns"),
    ):
        present = frame.columns if axis == "columns" else frame.index
        missing = [c for c in needed if c not in present]
        if missing:
            raise DataValidationError(f"{name} {year} lacks {axis} {missing}", hint="see clusterplan.sources.ons_io")
    missing_products = [p for p in products if p not in supply.index or p not in final.index]
    if missing_products:
        raise DataValidationError(
            f"products {missing_products[:5]} are in intermediate consumption but not in supply or final demand",
            code=missing_products[0],
        )
    mapping = characteristic_industries(products, industries)
    fd_columns = [c for c in final.columns if c not in SUT_FINAL_DEMAND_SUBTOTALS]
    long_names = df[(df["table"].astype(str) == "intermediate_consumption").to_numpy()]
    names = long_names.drop_duplicates("col_code").set_index("col_code")["col_name"]
    return SupplyUseTables(
        year=year,
        use=intermediate.loc[products, industries].fillna(0.0).astype(float),
        final_demand=final.loc[products, fd_columns].fillna(0.0).astype(float),
        supply=supply.loc[products, ["P1", "P7", "TTM", "D21-D31", "TS_PP"]].fillna(0.0).astype(float),
        industry_rows=intermediate.loc[list(_INDUSTRY_ROWS), industries].fillna(0.0).astype(float),
        product_industry=mapping,
        industry_names=pd.Series(
            [str(names.get(c, c)) for c in industries], index=pd.Index(industries, dtype=object), dtype=object
        ),
    )


def model_from_supply_use(
    tables: SupplyUseTables,
    *,
    valuation: Literal["domestic_basic", "purchasers_total"] = "domestic_basic",
    employment: pd.Series | None = None,
    unmatched_employment: pd.Series | None = None,
    notes: Sequence[str] = (),
) -> NationalModel:
    """An industry-by-industry :class:`~clusterplan.inputoutput.national.NationalModel` from one SUT year.

    Parameters
    ----------
    tables
        :func:`supply_use_tables` output.
    valuation
        ``"domestic_basic"`` or ``"purchasers_total"`` (module docstring).
    employment, unmatched_employment, notes
        Passed on to the model.

    Notes
    -----
    :math:`Z = D U^v`, final demand :math:`D F^v` with :math:`U^v, F^v` the
    use table in the chosen valuation and *D* the characteristic market shares
    (no make matrix is published); :math:`A = Z \\hat g^{-1} = DB`. For
    ``"domestic_basic"`` each column satisfies
    :math:`\\sum_i z_{ij} + P7_j + (D21\\text{-}D31)_j + GVA_j = g_j` exactly.

    Examples
    --------
    >>> from clusterplan.pipeline.tables import reference_tables
    >>> model = model_from_supply_use(supply_use_tables(2010, reference_tables().supply_use))
    >>> model.year, model.A.shape
    (2010, (105, 105))
    """
    if valuation not in VALUATIONS:
        raise ParameterError(f"unknown valuation {valuation!r}; choose one of {', '.join(VALUATIONS)}")
    industries = list(tables.industries)
    use_all = pd.concat([tables.use, tables.final_demand], axis=1)
    if valuation == "domestic_basic":
        valued, imports, taxes = domestic_basic_use(use_all, tables.supply)
        note = (
            "valuation: domestic use at basic prices approximated from purchasers' prices by average product "
            "rates (taxes, margins re-allocated to trade products, imports removed at each product's import share)"
        )
    else:
        valued = use_all
        imports = pd.Series(np.nan, index=use_all.columns)
        taxes = pd.Series(np.nan, index=use_all.columns)
        note = "valuation: purchasers' prices including imports (total, not domestic, requirements)"
    # Industry technology with characteristic market shares: Z = D U, final demand D F.
    shares = characteristic_market_shares(industries, list(tables.use.index), tables.product_industry)
    flows = industry_technology_flows(valued, shares)
    g = tables.industry_output.reindex(industries)
    Z = flows[industries]
    final = flows[list(tables.final_demand.columns)]
    rows = tables.industry_rows
    primary = pd.DataFrame(
        {
            "P7": imports.reindex(industries).to_numpy(dtype=float),
            "D21-D31": taxes.reindex(industries).to_numpy(dtype=float),
            "D1": rows.loc["D1", industries].to_numpy(dtype=float),
            "GOS & MI": rows.loc["GOS & MI", industries].to_numpy(dtype=float),
            "D29-D39": rows.loc["D29-D39", industries].to_numpy(dtype=float),
            "GVA": rows.loc["GVA", industries].to_numpy(dtype=float),
        },
        index=pd.Index(industries, dtype=object),
    ).T.reindex(list(PRIMARY_INPUTS))
    return NationalModel(
        Z=Z,
        final_demand=final,
        output=g.rename("output"),
        primary_inputs=primary,
        household_consumption=final["P3 S14"].rename("household_consumption"),
        industry_names=tables.industry_names.reindex(industries),
        year=tables.year,
        source="sut",
        unit="£ million",
        employment=employment,
        unmatched_employment=unmatched_employment,
        notes=(
            f"ONS supply-use tables {tables.year} (Blue Book 2022), industry technology; each product made only by "
            "the industry it is characteristic of (no make matrix is published), so rows add to product output",
            note,
            *notes,
        ),
    )
