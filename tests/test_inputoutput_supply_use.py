"""Input-output tables from supply-use tables (ONS 1997-2020) and the BEA model.

Hand-worked make-use examples test the industry-technology and BEA algebra
exactly. On the real tables the tests pin the identities that must hold and
the measured agreement with the published tables, as measured (no tolerance
widened to pass): the SUT-derived 2019 coefficients against the published 2019
IOAT, and BEA's published industry-by-commodity total requirements against
those computed from the use table. BEA's own construction cannot be matched
exactly from the package data (no make table; its total requirements are
after redefinitions, the use table before), so that comparison is a measured
agreement, not a golden value.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from clusterplan._exceptions import DataValidationError, ParameterError
from clusterplan.inputoutput.bea import (
    bea_model,
    bea_total_requirements,
    bea_use_table,
    commodity_by_commodity_total_requirements,
    industry_by_commodity_total_requirements,
    industry_by_industry_total_requirements,
    published_total_requirements,
    requirements_agreement,
    scrap_adjusted_market_shares,
)
from clusterplan.inputoutput.iomath import leontief_inverse
from clusterplan.inputoutput.national import NationalModel, multipliers_table, national_model
from clusterplan.inputoutput.supply_use import (
    characteristic_industries,
    domestic_basic_use,
    industry_technology_coefficients,
    input_coefficients,
    market_shares,
    model_from_supply_use,
    supply_use_tables,
)
from clusterplan.pipeline.tables import reference_tables

TABLES = reference_tables()

# Worked make-use example: industry 1 makes 90 of commodity 1 (and 10 of scrap in the BEA case),
# industry 2 makes 10 of commodity 1 and 50 of commodity 2.
U = pd.DataFrame([[10.0, 20.0], [30.0, 0.0]], index=["c1", "c2"], columns=["i1", "i2"])


@pytest.fixture(scope="module")
def ons() -> NationalModel:
    return national_model(TABLES, employment=None)


@pytest.fixture(scope="module")
def sut2019() -> NationalModel:
    return model_from_supply_use(supply_use_tables(2019, TABLES.supply_use))


# --------------------------------------------------------------------------- industry technology by hand


def test_industry_technology_reproduces_industry_and_commodity_output() -> None:
    V = pd.DataFrame([[90.0, 0.0], [10.0, 50.0]], index=["i1", "i2"], columns=["c1", "c2"])
    g, q = V.sum(axis=1), V.sum(axis=0)  # (90, 60) and (100, 50)
    e = q - U.sum(axis=1)  # commodity final demand (70, 20)
    B = input_coefficients(U, g)
    D = market_shares(V, q)
    assert B.to_numpy() == pytest.approx(np.array([[1 / 9, 1 / 3], [1 / 3, 0.0]]))
    assert D.to_numpy().tolist() == [[0.9, 0.0], [0.1, 1.0]]
    A = industry_technology_coefficients(B, D)
    # Miller and Blair 5.3: g = (I - DB)^-1 D e, q = (I - BD)^-1 e
    g_model = leontief_inverse(A).to_numpy() @ (D.to_numpy() @ e.to_numpy())
    assert g_model == pytest.approx([90.0, 60.0])
    BD = B.to_numpy() @ D.to_numpy()
    assert np.linalg.solve(np.eye(2) - BD, e.to_numpy()) == pytest.approx([100.0, 50.0])


def test_domestic_basic_use_by_hand() -> None:
    supply = pd.DataFrame(
        {"P1": [80.0, 8.0], "P7": [10.0, 0.0], "TTM": [8.0, -8.0], "D21-D31": [2.0, 0.0]}, index=["good", "trade"]
    )
    use = pd.DataFrame({"maker": [30.0, 0.0], "households": [70.0, 0.0]}, index=["good", "trade"])
    domestic, imports, taxes = domestic_basic_use(use, supply)
    # good: basic share 90/100 then domestic share 80/90 -> 0.8 of purchases; margins 8% move to the trade row
    assert domestic.to_numpy()[0] == pytest.approx([24.0, 56.0])
    assert domestic.to_numpy()[1] == pytest.approx([2.4, 5.6])
    assert imports.tolist() == pytest.approx([3.0, 7.0])
    assert taxes.tolist() == pytest.approx([0.6, 1.4])
    assert domestic.sum(axis=1).tolist() == pytest.approx([80.0, 8.0])  # each row adds to domestic output


def test_product_and_industry_classifications_must_correspond() -> None:
    assert characteristic_industries(["CPA_F41, F42 & F43"], ["F41, F42  & F43"]) == {
        "CPA_F41, F42 & F43": "F41, F42  & F43"
    }
    with pytest.raises(DataValidationError, match="code 'CPA_Z99': product has no industry of the same code"):
        characteristic_industries(["CPA_A01", "CPA_Z99"], ["A01", "A02"])
    with pytest.raises(DataValidationError, match="different product lists"):
        industry_technology_coefficients(U, pd.DataFrame(np.eye(2), index=["i1", "i2"], columns=["c2", "c1"]))


# --------------------------------------------------------------------------- ONS supply-use tables


def test_sut_domestic_rows_add_to_product_output() -> None:
    tables = supply_use_tables(2019, TABLES.supply_use)
    use = pd.concat([tables.use, tables.final_demand], axis=1)
    domestic, _, _ = domestic_basic_use(use, tables.supply)
    assert np.abs(domestic.sum(axis=1) - tables.supply["P1"]).max() < 1e-6
    assert round(float(tables.supply["P1"].sum())) == round(float(tables.industry_output.sum())) == 3_824_433


def test_sut_model_columns_balance_exactly(sut2019: NationalModel) -> None:
    inputs = sut2019.Z.sum(axis=0) + sut2019.primary_inputs.loc[["P7", "D21-D31", "GVA"]].sum(axis=0)
    assert np.abs(inputs - sut2019.output).max() < 1e-6
    # Rows add to product output, not industry output: the gap is the unassigned secondary production.
    rows = sut2019.Z.sum(axis=1) + sut2019.total_final_demand
    product_output = supply_use_tables(2019, TABLES.supply_use).product_output
    assert np.abs(rows - product_output).max() < 1e-6
    gap = float((sut2019.output - product_output).abs().sum() / sut2019.output.sum())
    assert round(gap, 4) == 0.0986
    # GVA and compensation are the published industry rows
    assert round(float(sut2019.primary_inputs.loc["GVA"].to_numpy().sum())) == 2_000_157


def test_sut_2019_against_the_published_ioat(sut2019: NationalModel, ons: NationalModel) -> None:
    A = sut2019.A.loc[ons.A.index, ons.A.columns]
    correlation = np.corrcoef(A.to_numpy().ravel(), ons.A.to_numpy().ravel())[0, 1]
    assert round(float(correlation), 3) == 0.880
    with np.errstate(invalid="ignore", divide="ignore"):
        columns = pd.Series([np.corrcoef(A[c], ons.A[c])[0, 1] for c in ons.A.columns], index=ons.A.columns)
    assert columns.isna().sum() == 1 and bool(np.isnan(columns["T97"]))  # households as employers buy nothing
    assert round(float(columns.median()), 3) == 0.954
    assert int((columns > 0.9).sum()) == 73
    ours = multipliers_table(sut2019).set_index("industry_code")["output_multiplier"]
    published = multipliers_table(ons).set_index("industry_code")["output_multiplier"]
    difference = (ours.reindex(published.index) - published).abs()
    assert round(float(difference.median()), 3) == 0.066
    assert int((difference < 0.1).sum()) == 62
    assert difference.idxmax() == "C19" and round(float(difference.max()), 2) == 0.56


def test_purchasers_total_valuation_gives_larger_total_requirements(sut2019: NationalModel) -> None:
    total = model_from_supply_use(supply_use_tables(2019, TABLES.supply_use), valuation="purchasers_total")
    assert (total.A.sum(axis=0) >= sut2019.A.sum(axis=0) - 1e-12).all()
    assert total.primary_inputs.loc["P7"].isna().all()
    assert multipliers_table(total)["import_effect"].isna().all()
    assert any("total, not domestic" in note for note in total.notes)
    with pytest.raises(ParameterError, match="unknown valuation 'basic'"):
        model_from_supply_use(supply_use_tables(2019, TABLES.supply_use), valuation="basic")  # type: ignore[arg-type]


@pytest.mark.parametrize("year", [1997, 2020])
def test_every_sut_year_builds(year: int) -> None:
    model = national_model(TABLES, source="sut", year=year, employment=None)
    assert model.year == year and model.A.shape == (105, 105)
    assert (multipliers_table(model)["output_multiplier"] >= 1 - 1e-12).all()


def test_sut_model_with_bres_employment_matches_the_ons_model() -> None:
    sut = national_model(TABLES, source="sut", year=2019)
    ons = national_model(TABLES)
    assert sut.employment is not None and ons.employment is not None
    assert (sut.employment.reindex(ons.industries) == ons.employment).all()


# --------------------------------------------------------------------------- BEA


def test_bea_algebra_on_a_worked_example_with_scrap() -> None:
    # Make table with a scrap column: industry 1 makes 90 of c1 and 10 of scrap (g1 = 100), industry 2 makes
    # 10 of c1 and 50 of c2 (g2 = 60). Scrap ratio p = (0.1, 0); D from the make table without scrap.
    V = pd.DataFrame([[90.0, 0.0], [10.0, 50.0]], index=["i1", "i2"], columns=["c1", "c2"])
    g = pd.Series([100.0, 60.0], index=["i1", "i2"])
    D = market_shares(V, V.sum(axis=0))
    W = scrap_adjusted_market_shares(D, pd.Series({"i1": 10.0 / 100.0}))
    assert W.to_numpy() == pytest.approx(np.array([[1.0, 0.0], [0.1, 1.0]]))
    B = input_coefficients(U, g)
    # Worked by hand: I - BW = [[13/15, -1/3], [-3/10, 1]], determinant 23/30.
    assert (commodity_by_commodity_total_requirements(B, W) * 23).to_numpy() == pytest.approx(
        np.array([[30, 10], [9, 26]])
    )
    ixc = industry_by_commodity_total_requirements(B, W)
    assert (ixc * 23).to_numpy() == pytest.approx(np.array([[30, 10], [12, 27]]))
    assert (industry_by_industry_total_requirements(B, W) * 23).to_numpy() == pytest.approx(
        np.array([[29, 10], [9.3, 27]])
    )
    # Commodity final demand e = q - U 1 = (70, 20) needs exactly the industry output g.
    assert ixc.to_numpy() @ np.array([70.0, 20.0]) == pytest.approx([100.0, 60.0])
    with pytest.raises(DataValidationError, match="scrap ratios must be in \\[0, 1\\)"):
        scrap_adjusted_market_shares(D, pd.Series({"i1": 1.0}))


@pytest.mark.parametrize(
    ("year", "correlation", "median"),
    [(1997, 0.9862, 0.000460), (2015, 0.9848, 0.000447)],
)
def test_bea_total_requirements_against_the_published_table(year: int, correlation: float, median: float) -> None:
    computed = bea_total_requirements(bea_use_table(TABLES.bea_use, year))
    published = published_total_requirements(TABLES.bea_total_requirements, year)
    assert computed.shape == published.shape == (71, 73)
    agreement = requirements_agreement(computed, published)
    assert round(agreement["correlation"], 4) == correlation
    assert round(agreement["median_abs_difference"], 6) == median
    # The approximation is worst where BEA needs its make table: scrap/used goods and noncomparable imports,
    # which no industry makes in the characteristic approximation, so their columns are zero here.
    assert computed[["Used", "Other"]].abs().to_numpy().max() == 0.0
    assert published["Used"].sum() > 1.9
    # a cell both agree on closely: farms' own requirement per dollar of farm products (2015: 1.2689 published)
    if year == 2015:
        assert round(float(published["111CA"].to_dict()["111CA"]), 4) == 1.2689
        assert round(float(computed["111CA"].to_dict()["111CA"]), 4) == 1.2606


def test_bea_model_identities_and_notes() -> None:
    model = bea_model(bea_use_table(TABLES.bea_use, 2015))
    table = bea_use_table(TABLES.bea_use, 2015)
    assert model.unit == "$ million" and model.A.shape == (71, 71)
    # columns: domestic-commodity inputs + scrap/used + noncomparable imports + value added = industry output
    leak = table.intermediate_use.loc[["Used", "Other"]].sum(axis=0)
    inputs = model.Z.sum(axis=0) + leak + model.primary_inputs.loc["GVA"]
    assert np.abs(inputs - model.output).max() <= 10.0  # sums of cells rounded to $1m against rounded totals
    assert model.primary_inputs.loc["P7"].isna().all()
    assert model.employment is None
    table1 = multipliers_table(model)
    assert table1["employment_effect"].isna().all() and (table1["output_multiplier"] >= 1).all()
    assert any("overstates induced effects" in note for note in model.notes)
    with pytest.raises(ParameterError, match="no BEA use table for 2016; the package data covers 1997-2015"):
        national_model(TABLES, source="bea", year=2016)
