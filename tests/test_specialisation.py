"""Specialisation and localisation indices: published examples, a hand-computed BRES slice, NaN and bad input."""

from __future__ import annotations

from typing import Literal

import numpy as np
import pandas as pd
import pytest

from _util import FIXTURES
from clusterplan._exceptions import ParameterError, UnknownCodeError
from clusterplan.measures.specialisation import (
    employment_matrix,
    herfindahl,
    hoover_localisation,
    hoover_specialisation,
    krugman_dissimilarity,
    krugman_specialisation,
    locational_gini,
)
from clusterplan.sources._codes import nuts2016_to_itl2021

BRES_MINI = FIXTURES / "shift_share" / "bres_itl2_sic29_mini.csv"


def _bres_2021_west_midlands() -> pd.DataFrame:
    """Real BRES 2021 employment, SIC 29 subclasses x the three West Midlands ITL2 areas."""
    raw = pd.read_csv(BRES_MINI, dtype={"INDUSTRY_CODE": str})
    panel = pd.DataFrame(
        {
            "area_code": raw["GEOGRAPHY_CODE"].map(nuts2016_to_itl2021),
            "unit_code": raw["INDUSTRY_CODE"],
            "year": raw["DATE"].astype(int),
            "employment": raw["COUNT"].astype(float),
        }
    )
    return employment_matrix(panel[panel["area_code"].str.startswith("TLG")], year=2021)


# --- Published examples ---------------------------------------------------------------------------------------------


def test_locational_gini_equal_weights_farhauer_kroell() -> None:
    # Farhauer and Kröll (2013), as quoted in the REAT reference manual for gini.conc():
    # "Returns the Gini coefficient of industry concentration (0.4068966)".
    industry = pd.DataFrame({"i": [500, 500, 1000, 7000, 1000]}, index=["j1", "j2", "j3", "j4", "j5"])
    regions = pd.Series([20000, 15000, 20000, 40000, 5000], index=industry.index)
    result = locational_gini(industry, area_totals=regions, weights="equal")
    assert result["i"] == pytest.approx(0.4068966, abs=5e-8)
    # The same data weighted by employment, by hand: LQs 0.25, 0.333, 0.5, 1.75, 2 (in that order);
    # cumulative employment shares 0.2, 0.35, 0.55, 0.95, 1; industry shares 0.05, 0.10, 0.20, 0.90, 1.
    area_under = 0.2 * 0.05 / 2 + 0.15 * 0.15 / 2 + 0.2 * 0.30 / 2 + 0.4 * 1.10 / 2 + 0.05 * 1.90 / 2
    assert locational_gini(industry, area_totals=regions)["i"] == pytest.approx(1 - 2 * area_under)


def test_krugman_specialisation_against_mean_of_others_farhauer_kroell() -> None:
    # Farhauer and Kröll (2013), as quoted in the REAT manual for krugman.spec2(): Sweden against Norway, Denmark,
    # Finland and Iceland, five industries; "returns the Krugman coefficient ... 0.1595".
    jobs = pd.DataFrame(
        [
            [45000, 15000, 32000, 10000, 30000],
            [35000, 12000, 30000, 8000, 22000],
            [40000, 10000, 25000, 9000, 18000],
            [30000, 11000, 18000, 3000, 13000],
            [40000, 6000, 11000, 2000, 12000],
        ],
        index=["Sweden", "Norway", "Denmark", "Finland", "Iceland"],
        columns=["i1", "i2", "i3", "i4", "i5"],
    )
    result = krugman_specialisation(jobs, reference="other_mean")
    assert round(result["Sweden"], 4) == 0.1595


def test_krugman_dissimilarity_of_regions_with_nothing_in_common() -> None:
    # Farhauer and Kröll (2013), modified, in the REAT manual for krugman.spec(): "results the specialization
    # coefficient (2)".
    jobs = pd.DataFrame([[20, 10, 70, 0, 0], [0, 0, 0, 60, 40]], index=["j", "l"], columns=list("abcde"))
    result = krugman_dissimilarity(jobs)
    assert result.loc["j", "l"] == 2.0
    assert result.loc["l", "j"] == 2.0
    assert result.loc["j", "j"] == 0.0


@pytest.mark.parametrize("over", ["areas", "units"])
def test_herfindahl_doersam(over: Literal["areas", "units"]) -> None:
    # Dörsam (2004), in the REAT manual for herf(): sales 20, 50, 20, 10 "returns the non-standardized HHI (0.34)"
    # and "the standardized HHI (0.12)".
    sales = pd.DataFrame({"cars": [20, 50, 20, 10]}, index=["f1", "f2", "f3", "f4"])
    matrix = sales if over == "areas" else sales.T
    assert herfindahl(matrix, over=over).iloc[0] == pytest.approx(0.34)
    assert herfindahl(matrix, over=over, normalised=True).iloc[0] == pytest.approx(0.12)


def test_hoover_localisation_econgeo_cases() -> None:
    # EconGeo's hoover_index() example: population 10, 15, 20, 25, 30 and industries described there as
    # "perfectly proportional to population", "30% of the pop. produces 100% of the output" and "55% of the
    # pop. produces 100% of the output"; Hoover's coefficient is then 0, 1 - 0.30 and 1 - 0.55.
    jobs = pd.DataFrame(
        [[0, 10, 0, 0], [0, 15, 0, 0], [0, 20, 0, 0], [0, 25, 0, 1], [0, 30, 1, 1]],
        index=["R1", "R2", "R3", "R4", "R5"],
        columns=["I1", "I2", "I3", "I4"],
    )
    population = pd.Series([10, 15, 20, 25, 30], index=jobs.index)
    result = hoover_localisation(jobs, area_totals=population)
    assert np.isnan(result["I1"])  # no jobs at all: undefined, not 0
    assert result["I2"] == pytest.approx(0.0, abs=1e-12)
    assert result["I3"] == pytest.approx(0.70)
    assert result["I4"] == pytest.approx(0.45)
    # The first vector of that example (0, 10, 10, 30, 50), "30% of the population produces 50%", by hand:
    # 0.5 * (0.10 + 0.05 + 0.10 + 0.05 + 0.20).
    single = pd.DataFrame({"ind": [0, 10, 10, 30, 50]}, index=jobs.index)
    assert hoover_localisation(single, area_totals=population)["ind"] == pytest.approx(0.25)


def test_locational_gini_econgeo_matrix() -> None:
    # EconGeo's locational_gini() example matrix; EconGeo reports the area between curve and diagonal (half these).
    jobs = pd.DataFrame(
        [[100, 0, 0, 0, 0], [0, 15, 5, 70, 10], [0, 20, 10, 20, 50], [0, 25, 30, 5, 40], [0, 40, 55, 5, 0]],
        index=["R1", "R2", "R3", "R4", "R5"],
        columns=["I1", "I2", "I3", "I4", "I5"],
    )
    result = locational_gini(jobs)
    # I1 lies wholly in R1, which holds 100 of the 500 jobs: 1 - 0.2.
    assert result["I1"] == pytest.approx(0.8)
    # I5 (0, 10, 50, 40, 0), every region 20% of jobs: ordered R1, R5, R2, R4, R3 the curve passes
    # 0, 0, 0.1, 0.5, 1 so the area under it is 0.2 * (0 + 0 + 0.1 + 0.6 + 1.5) / 2 = 0.22.
    assert result["I5"] == pytest.approx(1 - 2 * 0.22)
    assert (result >= 0).all()


# --- Hand-computed on a real BRES slice (2021, SIC 29, TLG1 / TLG2 / TLG3) -------------------------------------------
#
#            29100  29201  29202  29203  29310  29320   total
#   TLG1     13000    175    200     45    150   7000   20570
#   TLG2      1500    450    700     10    175   5000    7835
#   TLG3     15000    700    600     75    700  11000   28075
#   total    29500   1325   1500    130   1025  23000   56480

TLG1 = [13000, 175, 200, 45, 150, 7000]
TLG2 = [1500, 450, 700, 10, 175, 5000]
TLG3 = [15000, 700, 600, 75, 700, 11000]
UNIT_TOTALS = [29500, 1325, 1500, 130, 1025, 23000]


def test_bres_matrix_is_the_raw_rows() -> None:
    matrix = _bres_2021_west_midlands()
    assert list(matrix.index) == ["TLG1", "TLG2", "TLG3"]
    assert list(matrix.columns) == ["29100", "29201", "29202", "29203", "29310", "29320"]
    assert matrix.loc["TLG3"].to_numpy().tolist() == TLG3
    assert matrix.to_numpy().sum() == 56480


def test_bres_hoover_and_krugman_hand_computed() -> None:
    matrix = _bres_2021_west_midlands()
    localisation = hoover_localisation(matrix)
    expected = 0.5 * (
        abs(13000 / 29500 - 20570 / 56480) + abs(1500 / 29500 - 7835 / 56480) + abs(15000 / 29500 - 28075 / 56480)
    )
    assert localisation["29100"] == pytest.approx(expected)
    krugman = krugman_specialisation(matrix)
    expected_tlg3 = sum(abs(e / 28075 - total / 56480) for e, total in zip(TLG3, UNIT_TOTALS, strict=True))
    assert krugman["TLG3"] == pytest.approx(expected_tlg3)
    np.testing.assert_allclose(hoover_specialisation(matrix), krugman / 2)
    rest = [a + b for a, b in zip(TLG1, TLG2, strict=True)]  # TLG1 + TLG2, 28405 jobs
    expected_rest = sum(abs(e / 28075 - r / 28405) for e, r in zip(TLG3, rest, strict=True))
    assert krugman_specialisation(matrix, reference="rest")["TLG3"] == pytest.approx(expected_rest)
    pair = krugman_dissimilarity(matrix, ["TLG1", "TLG3"])
    expected_pair = sum(abs(a / 20570 - b / 28075) for a, b in zip(TLG1, TLG3, strict=True))
    assert pair.loc["TLG1", "TLG3"] == pytest.approx(expected_pair)
    assert pair.shape == (2, 2)


def test_bres_herfindahl_and_locational_gini_hand_computed() -> None:
    matrix = _bres_2021_west_midlands()
    by_unit = herfindahl(matrix)
    assert by_unit.index.name == "unit_code"
    assert by_unit["29100"] == pytest.approx((13000**2 + 1500**2 + 15000**2) / 29500**2)
    by_area = herfindahl(matrix, over="units")
    assert by_area.index.name == "area_code"
    assert by_area["TLG2"] == pytest.approx(sum(e**2 for e in TLG2) / 7835**2)
    # Trailers (29202): location quotients order the areas TLG1 (0.37), TLG3 (0.80), TLG2 (3.36).
    x1, x3, x2 = 20570 / 56480, 28075 / 56480, 7835 / 56480
    y1, y3 = 200 / 1500, 600 / 1500
    area_under = x1 * y1 / 2 + x3 * (y1 + (y1 + y3)) / 2 + x2 * ((y1 + y3) + 1) / 2
    assert locational_gini(matrix)["29202"] == pytest.approx(1 - 2 * area_under)


# --- Missing data and bad input --------------------------------------------------------------------------------------


def test_missing_cell_is_nan_not_zero() -> None:
    matrix = _bres_2021_west_midlands()
    matrix.loc["TLG1", "29203"] = np.nan
    # TLG1's total (the row sum) is unknown, so every area's share of all employment is unknown.
    assert hoover_localisation(matrix).isna().all()
    # Given the areas' totals, only the unit with the gap is unknown.
    totals = pd.Series({"TLG1": 20570.0, "TLG2": 7835.0, "TLG3": 28075.0})
    with_totals = hoover_localisation(matrix, area_totals=totals)
    assert np.isnan(with_totals["29203"])
    assert with_totals["29100"] == pytest.approx(hoover_localisation(_bres_2021_west_midlands())["29100"])
    assert np.isnan(herfindahl(matrix)["29203"])
    assert herfindahl(matrix)["29100"] == pytest.approx((13000**2 + 1500**2 + 15000**2) / 29500**2)
    assert np.isnan(herfindahl(matrix, over="units")["TLG1"])
    assert np.isnan(krugman_specialisation(matrix)["TLG3"])  # the benchmark structure is unknown
    assert np.isnan(locational_gini(matrix)["29203"])


def test_employment_matrix_from_panel_keeps_gaps() -> None:
    panel = pd.DataFrame(
        {"area_code": ["TLG3", "TLG3", "TLG1"], "unit_code": ["29100", "29320", "29100"], "year": 2021,
         "employment": [15000.0, 11000.0, 13000.0]}
    )  # fmt: skip
    matrix = employment_matrix(panel, year=2021)
    assert matrix.isna().to_numpy().tolist() == [[False, True], [False, False]]
    with pytest.raises(UnknownCodeError, match="unknown year '2015'; valid choices: 2021"):
        employment_matrix(panel, year=2015)
    with pytest.raises(ParameterError, match="more than one row for area 'TLG3', unit '29100', year 2021"):
        employment_matrix(pd.concat([panel, panel.iloc[[0]]]), year=2021)
    with pytest.raises(ParameterError, match="lacks column\\(s\\) employment"):
        employment_matrix(panel.drop(columns="employment"), year=2021)


def test_bad_matrices_and_options() -> None:
    matrix = _bres_2021_west_midlands()
    negative = matrix.copy()
    negative.loc["TLG2", "29310"] = -5
    with pytest.raises(ParameterError, match=r"negative value -5\.0 for area 'TLG2', unit '29310'"):
        hoover_localisation(negative)
    with pytest.raises(ParameterError, match="must be a pandas DataFrame"):
        herfindahl(matrix.to_numpy())  # type: ignore[arg-type]
    with pytest.raises(ParameterError, match="unknown reference 'nation'"):
        krugman_specialisation(matrix, reference="nation")  # type: ignore[arg-type]
    with pytest.raises(ParameterError, match="unknown value for over 'regions'"):
        herfindahl(matrix, over="regions")  # type: ignore[arg-type]
    with pytest.raises(ParameterError, match="unknown weights 'population'"):
        locational_gini(matrix, weights="population")  # type: ignore[arg-type]
    with pytest.raises(ParameterError, match="area_totals has no value for area\\(s\\) TLG3"):
        hoover_localisation(matrix, area_totals=pd.Series({"TLG1": 1.0, "TLG2": 1.0}))
    with pytest.raises(UnknownCodeError, match="unknown area 'TLG9'"):
        krugman_dissimilarity(matrix, ["TLG1", "TLG9"])
