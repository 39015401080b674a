"""Regional input-output model: SLQ, CILQ, FLQ, AFLQ, regional multipliers, input sourcing, delta sweep.

Golden values are worked by hand from the formulas (Flegg and Webber 1997, 2000; Miller and Blair 2009,
section 8.2) on a three-industry slice of the real 2019 IOAT and real BRES 2019 employment (fixtures in
tests/fixtures/inputoutput_regional, described in its README).
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from _util import FIXTURES
from clusterplan import ParameterError, UnknownCodeError
from clusterplan.inputoutput.iomath import leontief_inverse, technical_coefficients
from clusterplan.inputoutput.national import multipliers_table, national_model
from clusterplan.inputoutput.regional import (
    METHODS,
    delta_sensitivity,
    flq_scaling_factor,
    household_location_quotients,
    input_sourcing,
    location_quotient_matrix,
    national_view,
    regional_coefficients,
    regional_employment,
    regional_model,
    regions,
    simple_location_quotients,
)
from clusterplan.pipeline.tables import reference_tables

TABLES = reference_tables()

HERE = FIXTURES / "inputoutput_regional"
CODES = ["C29", "C241T243", "M71"]


@pytest.fixture(scope="module")
def three() -> tuple[pd.DataFrame, pd.Series, pd.Series]:
    """National A of three real IOAT industries, and their TLG3 and GB employment (BRES 2019)."""
    long = pd.read_csv(HERE / "ioat2019_three_industries.csv")
    flows = long[long["table"] == "domestic_use"].pivot(index="row_code", columns="col_code", values="value")
    flows = flows.loc[CODES, CODES]
    output = long[long["row_code"] == "P1"].set_index("col_code")["value"].reindex(CODES)
    employment = pd.read_csv(HERE / "employment_2019_tlg3_gb_three_industries.csv").set_index("industry_code")
    return technical_coefficients(flows, output), employment["TLG3"].astype(float), employment["GB"].astype(float)


# --------------------------------------------------------------------------- formulas, worked by hand


def test_simple_location_quotients_by_hand(three):
    _, regional, national = three
    # TRE = 29215 + 4025 + 21800 = 55040; TNE = 160035 + 32810 + 585055 = 777900.
    # SLQ(C29) = (29215 / 55040) / (160035 / 777900) = 0.530795... / 0.205727... = 2.580098...
    slq = simple_location_quotients(regional, national)
    assert slq.round(6).tolist() == [2.580098, 1.733824, 0.526629]


def test_flq_scaling_factor_by_hand():
    # 55040 / 777900 = 0.0707546; log2(1.0707546) = 0.0986279; 0.0986279 ** 0.3 = 0.4991142.
    assert flq_scaling_factor(55040, 777900, 0.3) == pytest.approx(0.4991141648708902, abs=1e-12)
    # A region with a tenth of national employment: log2(1.1) = 0.1375035, ** 0.3 = 0.5514348.
    assert flq_scaling_factor(100, 1000, 0.3) == pytest.approx(0.5514347723323603, abs=1e-12)
    assert flq_scaling_factor(100, 1000, 0.0) == 1.0
    # Larger delta or a smaller region: a smaller factor (more imports).
    assert flq_scaling_factor(100, 1000, 0.4) < flq_scaling_factor(100, 1000, 0.3)
    assert flq_scaling_factor(10, 1000, 0.3) < flq_scaling_factor(100, 1000, 0.3)


def test_quotient_matrices_by_hand(three):
    _, regional, national = three
    # CILQ_ij = SLQ_i / SLQ_j; diagonal SLQ_i. E.g. CILQ(C241T243 -> C29) = 1.733824 / 2.580098 = 0.671999.
    cilq = location_quotient_matrix(regional, national, "cilq")
    assert cilq.round(6).values.tolist() == [
        [2.580098, 1.488097, 4.899267],
        [0.671999, 1.733824, 3.292303],
        [0.204112, 0.303739, 0.526629],
    ]
    # FLQ = lambda* x CILQ with lambda* = 0.4991142.
    flq = location_quotient_matrix(regional, national, "flq", 0.3)
    assert flq.round(6).values.tolist() == [
        [1.287764, 0.74273, 2.445294],
        [0.335404, 0.865376, 1.643235],
        [0.101875, 0.1516, 0.262848],
    ]
    # AFLQ multiplies the columns of specialised buyers (SLQ_j > 1: C29 and C241T243) by log2(1 + SLQ_j):
    # log2(1 + 2.580098) = 1.839984, so AFLQ(C241T243 -> C29) = 0.335404 x 1.839984 = 0.617144; M71's column
    # (SLQ 0.53) is unchanged.
    aflq = location_quotient_matrix(regional, national, "aflq", 0.3)
    assert aflq.round(6).values.tolist() == [
        [2.369484, 1.077643, 2.445294],
        [0.617144, 1.255592, 1.643235],
        [0.18745, 0.21996, 0.262848],
    ]
    slq = location_quotient_matrix(regional, national, "slq")
    assert slq.round(6)["M71"].tolist() == [2.580098, 1.733824, 0.526629]


def test_regional_coefficients_by_hand(three):
    A, regional, national = three
    # a(C241T243 -> C29) = 1315.087681 / 63261 = 0.02078828; FLQ 0.335404 -> r = 0.00697248.
    # a(M71 -> M71) = 8672.850036 / 54215 = 0.15997141; FLQ 0.262848 -> r = 0.0420482.
    # Quotients of 1 or more leave the national coefficient unchanged (C29's own row).
    expected = {
        "slq": [
            [0.01927415, 0.00102925, 0.00098263],
            [0.02078828, 0.00095844, 3.565e-05],
            [0.0003455, 0.00184769, 0.08424566],
        ],
        "cilq": [
            [0.01927415, 0.00102925, 0.00098263],
            [0.01396971, 0.00095844, 3.565e-05],
            [0.00013391, 0.00106567, 0.08424566],
        ],
        "flq": [
            [0.01927415, 0.00076445, 0.00098263],
            [0.00697248, 0.00082941, 3.565e-05],
            [6.684e-05, 0.00053189, 0.0420482],
        ],
        "aflq": [
            [0.01927415, 0.00102925, 0.00098263],
            [0.01282936, 0.00095844, 3.565e-05],
            [0.00012298, 0.00077173, 0.0420482],
        ],
    }
    for method, values in expected.items():
        R = regional_coefficients(A, regional, national, method, 0.3)
        assert R.round(8).values.tolist() == values, method
        assert list(R.index) == CODES and list(R.columns) == CODES


def test_household_quotients_treat_households_as_a_typical_buyer(three):
    _, regional, national = three
    flq = household_location_quotients(regional, national, "flq", 0.3)
    # lambda* x SLQ_i: 0.4991142 x 0.526629 = 0.262848 for M71.
    assert flq.round(6).tolist() == [1.287764, 0.865376, 0.262848]
    assert household_location_quotients(regional, national, "cilq").round(6).tolist() == [2.580098, 1.733824, 0.526629]


def test_input_sourcing_by_hand():
    A = pd.DataFrame([[0.15, 0.25], [0.20, 0.05]], index=["1", "2"], columns=["1", "2"])
    R = pd.DataFrame([[0.15, 0.25], [0.05, 0.02]], index=["1", "2"], columns=["1", "2"])
    imports = pd.Series({"1": 0.05, "2": 0.1})
    table = input_sourcing(A, R, output=pd.Series({"1": 100.0, "2": 200.0}), imports_from_abroad=imports)
    # Industry 1: bought in region 0.15 + 0.05 = 0.20 of domestic 0.35 -> 0.5714; of all inputs 0.20 / 0.40 = 0.5.
    assert table["share_in_region"].round(4).tolist() == [0.5714, 0.9]
    assert table["inputs_from_rest_of_nation_gbp_m"].round(6).tolist() == [15.0, 6.0]
    assert table.loc["1", "share_in_region_of_all_inputs"] == pytest.approx(0.5)


# --------------------------------------------------------------------------- properties


def test_proportional_region_keeps_national_coefficients(three):
    A, _, national = three
    tenth = national / 10  # every SLQ is 1
    assert simple_location_quotients(tenth, national).tolist() == pytest.approx([1.0, 1.0, 1.0])
    for method in ("slq", "cilq"):
        pd.testing.assert_frame_equal(regional_coefficients(A, tenth, national, method), A)
    # FLQ still scales by lambda* < 1: a small region imports even what it makes in national proportions.
    lam = flq_scaling_factor(float(tenth.sum()), float(national.sum()), 0.3)
    pd.testing.assert_frame_equal(regional_coefficients(A, tenth, national, "flq"), A * lam)
    # delta = 0 makes FLQ the CILQ.
    _, regional, _ = three
    pd.testing.assert_frame_equal(
        regional_coefficients(A, regional, national, "flq", 0.0), regional_coefficients(A, regional, national, "cilq")
    )


def test_absent_industries(three):
    A, regional, national = three
    # A region without M71 buys none of it locally; as a buyer M71 is treated as typical (SLQ_j = 1).
    without = regional.copy()
    without["M71"] = 0.0
    q = location_quotient_matrix(without, national, "cilq")
    slq = simple_location_quotients(without, national)
    assert q.loc["M71"].tolist() == [0.0, 0.0, 0.0]
    assert q["M71"].loc[["C29", "C241T243"]].tolist() == pytest.approx(slq.loc[["C29", "C241T243"]].tolist())
    assert np.isfinite(q.to_numpy()).all()
    R = regional_coefficients(A, without, national, "flq")
    assert (R.loc["M71"] == 0).all()


@pytest.mark.parametrize("method", METHODS)
def test_real_region_coefficients_and_multipliers_never_exceed_national(method):
    national = national_view(TABLES)
    n1 = national.multipliers(1).set_index("industry_code")
    n2 = national.multipliers(2).set_index("industry_code")
    for region in ("TLG3", "TLI3", "TLM6"):
        model = regional_model(TABLES, region, method=method)
        assert (model.A.to_numpy() <= model.national_coefficients.to_numpy() + 1e-15).all()
        assert (model.A.to_numpy() >= 0).all()
        r1 = model.multipliers(1).set_index("industry_code")
        r2 = model.multipliers(2).set_index("industry_code")
        for regional_table, national_table in ((r1, n1), (r2, n2)):
            for column in ("output_multiplier", "gva_effect", "employment_effect", "compensation_effect"):
                assert (regional_table[column] <= national_table[column] + 1e-12).all(), (region, column)
        # Type II adds induced effects: never below Type I.
        assert (r2["output_multiplier"] >= r1["output_multiplier"] - 1e-12).all()
        assert (r1["output_multiplier"] >= 1.0 - 1e-12).all()


def test_national_view_matches_the_national_model():
    view = national_view(TABLES)
    model = national_model(TABLES)
    for kind in (1, 2):
        ours = view.multipliers(kind)
        theirs = multipliers_table(model, kind)
        pd.testing.assert_frame_equal(ours[theirs.columns], theirs, check_exact=False, rtol=1e-10, check_dtype=False)


def test_regional_model_of_the_west_midlands():
    model = regional_model(TABLES, "UKG3")  # NUTS 2016 code accepted
    assert (model.region_code, model.region_name, model.method, model.delta) == ("TLG3", "West Midlands", "flq", 0.3)
    # BRES 2019 (fixture: raw NOMIS rows): C29 employment in TLG3 is 18000 + 450 + 350 + 15 + 400 + 10000.
    raw = pd.read_csv(HERE / "bres_2019_ukg3_c27_c29_c30_c33.csv", dtype={"INDUSTRY_CODE": str})
    c29 = raw[raw["INDUSTRY_CODE"].str.startswith("29")]["COUNT"].sum()
    assert c29 == 29215
    assert model.employment["C29"] == c29
    # Region share of GB employment 0.04137 -> lambda* = log2(1.04137) ** 0.3.
    share = model.employment.sum() / model.national_employment.sum()
    assert model.scaling_factor == pytest.approx(math.log2(1 + share) ** 0.3)
    # The fixture's employment is the package data's.
    fixture = pd.read_csv(HERE / "employment_2019_tlg3_gb_three_industries.csv").set_index("industry_code")
    employment = regional_employment(TABLES, 2019)
    assert employment.loc["TLG3", CODES].tolist() == fixture["TLG3"].tolist()
    assert employment[CODES].sum().tolist() == fixture["GB"].tolist()
    # GB employment by IOAT industry is the national model's.
    pd.testing.assert_series_equal(
        employment.sum(), national_model(TABLES).employment, check_names=False, check_index_type=False
    )
    # Regional output is national output times the region's share of the industry's jobs.
    assert model.x["C29"] == pytest.approx(63261.0 * 29215 / 160035)
    # A region's model solves: output multiplier = column sums of (I - R)^-1.
    L = leontief_inverse(model.A)
    table = model.multipliers(1).set_index("industry_code")
    assert table["output_multiplier"].to_numpy() == pytest.approx(L.sum(axis=0).to_numpy())
    assert table.loc["C29", "location_quotient"] == pytest.approx(model.location_quotients["C29"])
    assert table.loc["C29", "regional_employment"] == c29


def test_input_sourcing_of_a_real_region():
    model = regional_model(TABLES, "TLG3")
    table = model.input_sourcing()
    expected = model.A.sum(axis=0) / model.national_coefficients.sum(axis=0)
    assert table["share_in_region"].to_numpy() == pytest.approx(expected.to_numpy(), nan_ok=True)
    assert table["share_in_region"].dropna().between(0, 1).all()
    assert (table["share_in_region_of_all_inputs"].dropna() <= table["share_in_region"].dropna() + 1e-12).all()
    assert table.loc["C29", "industry_name"] == "Manufacture Of Motor Vehicles, Trailers And Semi-Trailers"


def test_delta_sensitivity():
    sweep = delta_sensitivity(TABLES, "TLG3", [0.1, 0.2, 0.3, 0.4])
    assert len(sweep) == 4 * 105
    means = sweep.groupby("delta")["output_multiplier"].mean()
    assert list(means.index) == [0.1, 0.2, 0.3, 0.4]
    assert means.is_monotonic_decreasing
    at_03 = sweep[sweep["delta"] == 0.3].set_index("industry_code")["output_multiplier"]
    direct = regional_model(TABLES, "TLG3", delta=0.3).multipliers(1).set_index("industry_code")["output_multiplier"]
    pd.testing.assert_series_equal(at_03, direct)
    with pytest.raises(ParameterError, match="delta changes nothing under 'slq'"):
        delta_sensitivity(TABLES, "TLG3", [0.1], method="slq")


# --------------------------------------------------------------------------- errors


def test_bad_input_gets_clear_errors(three):
    A, regional, national = three
    with pytest.raises(
        UnknownCodeError, match="unknown regionalisation method 'glq'; valid choices: slq, cilq, flq, aflq"
    ):
        regional_coefficients(A, regional, national, "glq")
    for bad in (-0.1, 1.0, float("nan")):
        with pytest.raises(ParameterError, match=r"delta must be in \[0, 1\)"):
            regional_coefficients(A, regional, national, "flq", bad)
    with pytest.raises(ParameterError, match="regional employment has no value for 1 industries of the model: M71"):
        regional_coefficients(A, regional.drop("M71"), national)
    with pytest.raises(ParameterError, match="national employment has no value for 1 industries of the model: C29"):
        regional_coefficients(A, regional, national.drop("C29"))
    negative = regional.copy()
    negative["C29"] = -5.0
    with pytest.raises(ParameterError, match=r"regional employment of industry 'C29' is -5\.0"):
        regional_coefficients(A, negative, national)
    with pytest.raises(ParameterError, match="regional employment is zero in every industry"):
        regional_coefficients(A, regional * 0, national)
    with pytest.raises(ValueError, match="A must be square"):
        regional_coefficients(A.iloc[:, :2], regional, national)


def test_unknown_regions_list_the_choices():
    assert len(regions(TABLES)) == 40
    with pytest.raises(UnknownCodeError, match=r"unknown region 'TLZ9'; did you mean Southern Scotland \(TLM9\)"):
        regional_model(TABLES, "TLZ9")
    with pytest.raises(
        UnknownCodeError, match=r"unknown region 'Atlantis'; valid choices: Tees Valley and Durham \(TLC1"
    ):
        regional_model(TABLES, "Atlantis")
    with pytest.raises(UnknownCodeError, match="BRES covers Great Britain only"):
        regional_model(TABLES, "UKN0")
    assert regional_model(TABLES, "west midlands").region_code == "TLG3"
    with pytest.raises(UnknownCodeError, match="unknown employment year '2014'"):
        regional_model(TABLES, "TLG3", year=2014)
    with pytest.raises(ParameterError, match="multiplier type must be 1 or 2, not 3"):
        regional_model(TABLES, "TLG3").multipliers(3)
