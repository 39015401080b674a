"""Shift-share decompositions: a published worked table, hand-computed BRES values, identities, bad input."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from _util import FIXTURES
from clusterplan._exceptions import ParameterError, UnknownCodeError
from clusterplan.measures.shift_share import (
    SHIFT_SHARE_COLUMNS,
    dynamic_shift_share,
    esteban_marquillas,
    shift_share,
)
from clusterplan.sources._codes import nuts2016_to_itl2021

BRES_MINI = FIXTURES / "shift_share" / "bres_itl2_sic29_mini.csv"
WEST_MIDLANDS = ["TLG1", "TLG2", "TLG3"]


def _panel(rows: Sequence[tuple[str, str, int, float]]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["area_code", "unit_code", "year", "employment"])


def _bres_mini() -> pd.DataFrame:
    """Real BRES rows (NOMIS NM_189_1 download layout): SIC 29 subclasses, West Midlands ITL2 areas and Cheshire."""
    raw = pd.read_csv(BRES_MINI, dtype={"INDUSTRY_CODE": str})
    return pd.DataFrame(
        {
            "area_code": raw["GEOGRAPHY_CODE"].map(nuts2016_to_itl2021),
            "unit_code": raw["INDUSTRY_CODE"],
            "year": raw["DATE"].astype(int),
            "employment": raw["COUNT"].astype(float),
        }
    )


def _row(result: pd.DataFrame, area: str, unit: str) -> pd.Series:
    match = result[(result["area_code"] == area) & (result["unit_code"] == unit)]
    assert len(match) == 1
    return match.iloc[0]


# --- Published worked example ------------------------------------------------------------------------------------
#
# K. Krumme, "Shift & Share Table with Excel Explanations", Geography 350, University of Washington,
# http://faculty.washington.edu/krumme/350/ssexcel.html : the region "Holukuluku" (1985 -> 1995), four industries.
# The page gives the nation only as 1985 industry shares (10, 20, 40, 30 %) and growth rates (10, 20, 30, 40 %), so
# any national scale reproduces it; the page's totals (growth 630 = national growth effect 290 + total shift 340,
# differential effect 420, composition effect -80) fix the signs its text rendering drops.
KRUMME_REGION = {"I": (500, 1000), "II": (100, 100), "III": (200, 250), "IV": (200, 280)}
KRUMME_NATION_SHARE = {"I": 0.10, "II": 0.20, "III": 0.40, "IV": 0.30}
KRUMME_NATION_GROWTH = {"I": 0.10, "II": 0.20, "III": 0.30, "IV": 0.40}


def _krumme_panel(national_total: float) -> pd.DataFrame:
    rows: list[tuple[str, str, int, float]] = []
    for unit, (e1985, e1995) in KRUMME_REGION.items():
        rows += [("HOLUKULUKU", unit, 1985, e1985), ("HOLUKULUKU", unit, 1995, e1995)]
        start = national_total * KRUMME_NATION_SHARE[unit]
        rows += [("NATION", unit, 1985, start), ("NATION", unit, 1995, start * (1 + KRUMME_NATION_GROWTH[unit]))]
    return _panel(rows)


@pytest.mark.parametrize("national_total", [100_000.0, 12_345_678.0])
def test_classic_reproduces_krumme_table(national_total: float) -> None:
    result = shift_share(
        _krumme_panel(national_total), start=1985, end=1995, region="HOLUKULUKU", benchmark_areas=["NATION"]
    )
    assert list(result.columns) == SHIFT_SHARE_COLUMNS
    assert list(result["unit_code"]) == ["I", "II", "III", "IV"]
    # Columns 6, 8 ("Expec Empl." at the national rate of 29%), 10 (at each industry's national rate),
    # 11 ("Diff. Effect") and 12 ("Comp Effect") of the published table.
    expected_at_national_rate = result["start_employment"] + result["national_share"]
    expected_at_industry_rate = expected_at_national_rate + result["industry_mix"]
    np.testing.assert_allclose(result["end_employment"], [1000, 100, 250, 280])
    np.testing.assert_allclose(expected_at_national_rate, [645, 129, 258, 258])
    np.testing.assert_allclose(expected_at_industry_rate, [550, 120, 260, 280])
    np.testing.assert_allclose(result["competitive"], [450, -20, -10, 0], atol=1e-9)
    np.testing.assert_allclose(result["industry_mix"], [-95, -9, 2, 22], atol=1e-9)
    totals = result[["change", "national_share", "industry_mix", "competitive"]].sum()
    np.testing.assert_allclose(totals.to_numpy(), [630, 290, -80, 420], atol=1e-9)


def test_esteban_marquillas_on_krumme_table() -> None:
    result = esteban_marquillas(_krumme_panel(100_000.0), start=1985, end=1995, region="HOLUKULUKU",
                                benchmark_areas=["NATION"])  # fmt: skip
    # By hand: homothetic = 1000 x national 1985 shares; region growth 100%, 0%, 25%, 40%; nation 10, 20, 30, 40%.
    np.testing.assert_allclose(result["homothetic_employment"], [100, 200, 400, 300])
    np.testing.assert_allclose(result["net_competitive"], [100 * 0.9, 200 * -0.2, 400 * -0.05, 0], atol=1e-9)
    np.testing.assert_allclose(result["allocation"], [400 * 0.9, -100 * -0.2, -200 * -0.05, 0], atol=1e-9)
    np.testing.assert_allclose(result["net_competitive"] + result["allocation"], result["competitive"], atol=1e-9)
    assert result["homothetic_employment"].sum() == pytest.approx(1000)


# --- Farhauer and Kröll (2013) three-region example (inputs as published in the REAT docs for shift()) ----------

FK_START = {"A": [90, 20, 10, 60], "B": [60, 30, 30, 40], "C": [250, 100, 110, 300]}
FK_END = {"A": [100, 40, 10, 55], "B": [85, 55, 40, 35], "C": [255, 115, 85, 390]}


def _fk_panel() -> pd.DataFrame:
    rows = [
        (area, f"I{i + 1}", year, float(value))
        for year, table in ((2000, FK_START), (2001, FK_END))
        for area, values in table.items()
        for i, value in enumerate(values)
    ]
    return _panel(rows)


def test_three_regions_summing_to_the_nation_satisfy_the_identities() -> None:
    result = shift_share(_fk_panel(), start=2000, end=2001)
    components = result[["national_share", "industry_mix", "competitive"]].sum(axis=1)
    np.testing.assert_allclose(components, result["change"], atol=1e-9)
    by_unit = result.groupby("unit_code")[["competitive", "industry_mix", "start_employment"]].sum()
    # Nation (the sum of A, B, C): 400, 150, 150, 400 -> 440, 210, 135, 480; 1100 -> 1265, G = 0.15.
    np.testing.assert_allclose(by_unit["competitive"], 0, atol=1e-9)
    np.testing.assert_allclose(by_unit["industry_mix"], [400 * -0.05, 150 * 0.25, 150 * -0.25, 400 * 0.05], atol=1e-9)
    assert result["industry_mix"].sum() == pytest.approx(0, abs=1e-9)
    assert result["national_share"].sum() == pytest.approx(1265 - 1100)
    region_a = result[result["area_code"] == "A"]
    np.testing.assert_allclose(region_a["competitive"], [100 - 99, 40 - 28, 10 - 9, 55 - 72], atol=1e-9)
    assert region_a[["national_share", "industry_mix", "competitive"]].sum().tolist() == pytest.approx([27, 1, -3])


def test_esteban_marquillas_identities_over_three_regions() -> None:
    result = esteban_marquillas(_fk_panel(), start=2000, end=2001)
    np.testing.assert_allclose(result["net_competitive"] + result["allocation"], result["competitive"], atol=1e-9)
    homothetic = result.groupby("area_code")["homothetic_employment"].sum()
    np.testing.assert_allclose(homothetic, [180, 160, 760])  # each region's 2000 total
    # Homothetic employment of a unit over all regions is its national employment.
    np.testing.assert_allclose(result.groupby("unit_code")["homothetic_employment"].sum(), [400, 150, 150, 400])


def test_dynamic_is_the_sum_of_annual_decompositions() -> None:
    # REAT's shiftd() example: Farhauer and Kröll's region A and nation X, extended to a third year.
    region_a = [[90, 20, 10, 60], [100, 40, 10, 55], [105, 45, 15, 60]]
    nation = [[400, 150, 150, 400], [440, 210, 135, 480], [460, 230, 155, 500]]
    rows = [
        (area, f"I{i + 1}", 2000 + t, float(v))
        for area, table in (("A", region_a), ("X", nation))
        for t, values in enumerate(table)
        for i, v in enumerate(values)
    ]
    panel = _panel(rows)
    dynamic = dynamic_shift_share(panel, start=2000, end=2002, region="A", benchmark_areas=["X"])
    assert list(dynamic.columns) == SHIFT_SHARE_COLUMNS
    np.testing.assert_allclose(dynamic["change"], [15, 25, 5, 0])
    components = dynamic[["national_share", "industry_mix", "competitive"]].sum(axis=1)
    np.testing.assert_allclose(components, dynamic["change"], atol=1e-9)
    # By hand: 2000->01 G = 165/1100, 2001->02 G = 80/1265; region A had 180 then 205 jobs.
    assert dynamic["national_share"].sum() == pytest.approx(180 * 165 / 1100 + 205 * 80 / 1265)
    # Unit I1: 90 -> 100 -> 105 against 400 -> 440 -> 460.
    i1 = dynamic.iloc[0]
    assert i1["competitive"] == pytest.approx((100 - 90 * 440 / 400) + (105 - 100 * 460 / 440))
    assert i1["industry_mix"] == pytest.approx(90 * (440 / 400 - 1265 / 1100) + 100 * (460 / 440 - 1345 / 1265))
    one_year = dynamic_shift_share(panel, start=2000, end=2001, region="A", benchmark_areas=["X"])
    static = shift_share(panel, start=2000, end=2001, region="A", benchmark_areas=["X"])
    pd.testing.assert_frame_equal(one_year, static)


# --- Real BRES slice: SIC division 29 in the West Midlands ITL2 areas --------------------------------------------


def test_bres_west_midlands_hand_computed() -> None:
    panel = _bres_mini()
    result = shift_share(panel, start=2015, end=2021, region="TLG3", benchmark_areas=WEST_MIDLANDS)
    assert sorted(result["unit_code"]) == ["29100", "29201", "29202", "29203", "29310", "29320"]
    motor = _row(result, "TLG3", "29100")
    # Raw rows: TLG3 29100 18000 (2015) -> 15000 (2021); TLG1+TLG2+TLG3 29100 9000+1000+18000 -> 13000+1500+15000;
    # SIC 29 in the three areas 14485+7315+29060 = 50860 -> 20570+7835+28075 = 56480.
    national = 56480 / 50860 - 1
    unit = 29500 / 28000 - 1
    assert motor["start_employment"] == 18000
    assert motor["end_employment"] == 15000
    assert motor["national_share"] == pytest.approx(18000 * national)
    assert motor["industry_mix"] == pytest.approx(18000 * (unit - national))
    assert motor["competitive"] == pytest.approx(15000 - 18000 * (1 + unit))
    assert motor["competitive"] == pytest.approx(-3964.2857142857, rel=1e-10)
    parts = _row(result, "TLG3", "29320")  # 10000 -> 11000 against 5000+5000+10000 -> 7000+5000+11000
    assert parts["competitive"] == pytest.approx(11000 - 10000 * 23000 / 20000)


def test_bres_identities_when_the_regions_are_the_benchmark() -> None:
    panel = _bres_mini()
    panel = panel[panel["area_code"].isin(WEST_MIDLANDS)]
    result = shift_share(panel, start=2015, end=2021)
    np.testing.assert_allclose(
        result[["national_share", "industry_mix", "competitive"]].sum(axis=1), result["change"], atol=1e-9
    )
    np.testing.assert_allclose(result.groupby("unit_code")["competitive"].sum(), 0, atol=1e-9)
    assert result["industry_mix"].sum() == pytest.approx(0, abs=1e-9)
    assert result["national_share"].sum() == pytest.approx(56480 - 50860)
    em = esteban_marquillas(panel, start=2015, end=2021)
    np.testing.assert_allclose(em.groupby("area_code")["homothetic_employment"].sum(), [14485, 7315, 29060])


def test_bres_dynamic_two_years_hand_computed() -> None:
    panel = _bres_mini()
    result = dynamic_shift_share(panel, start=2015, end=2017, region="TLG3", benchmark_areas=WEST_MIDLANDS)
    motor = _row(result, "TLG3", "29100")
    # TLG3 29100: 18000, 20000, 18000; West Midlands 29100: 28000, 30000, 29500; SIC 29: 50860, 52595, 50145.
    assert motor["national_share"] == pytest.approx(18000 * (52595 / 50860 - 1) + 20000 * (50145 / 52595 - 1))
    assert motor["industry_mix"] == pytest.approx(
        18000 * (30000 / 28000 - 52595 / 50860) + 20000 * (29500 / 30000 - 50145 / 52595)
    )
    assert motor["competitive"] == pytest.approx((20000 - 18000 * 30000 / 28000) + (18000 - 20000 * 29500 / 30000))
    assert motor["change"] == 0


def test_zero_start_employment_in_the_region_is_all_competitive() -> None:
    # Cheshire (TLD6) had 0 jobs in SIC 29310 in 2015 and 100 in 2016.
    panel = _bres_mini()
    result = esteban_marquillas(panel, start=2015, end=2016, region="TLD6")
    electrical = _row(result, "TLD6", "29310")
    assert electrical["start_employment"] == 0
    assert electrical["national_share"] == 0
    assert electrical["industry_mix"] == 0
    assert electrical["competitive"] == 100
    # Its growth rate is undefined, so the homothetic split is too: NaN, not 0.
    assert np.isnan(electrical["net_competitive"])
    assert np.isnan(electrical["allocation"])
    assert electrical["homothetic_employment"] > 0


def test_zero_start_employment_in_the_benchmark_gives_nan_not_zero() -> None:
    panel = _bres_mini()
    result = shift_share(panel, start=2015, end=2016, region="TLG3", benchmark_areas=["TLD6"])
    electrical = _row(result, "TLG3", "29310")  # TLD6 29310: 0 -> 100, so its growth rate is undefined
    assert np.isnan(electrical["industry_mix"])
    assert np.isnan(electrical["competitive"])
    # Cheshire's SIC 29 total: 6000+250+40+30+0+800 = 7120 -> 6000+350+300+50+100+900 = 7700.
    assert electrical["national_share"] == pytest.approx(400 * (7700 / 7120 - 1))


def test_missing_row_gives_nan_for_the_pair_and_its_benchmark() -> None:
    panel = _bres_mini()
    drop = (panel["area_code"] == "TLG1") & (panel["unit_code"] == "29203") & (panel["year"] == 2021)
    result = shift_share(panel[~drop], start=2015, end=2021, benchmark_areas=WEST_MIDLANDS)
    caravans = _row(result, "TLG1", "29203")
    assert caravans["start_employment"] == 10
    assert np.isnan(caravans["end_employment"])
    assert np.isnan(caravans["change"])
    # The benchmark for caravans is unknown, so every region's caravan components are unknown too.
    other = _row(result, "TLG3", "29203")
    assert np.isnan(other["industry_mix"])
    assert np.isnan(other["competitive"])


def test_area_total_column_sets_the_benchmark_total() -> None:
    panel = _bres_mini()
    panel = panel[panel["area_code"].isin(WEST_MIDLANDS)]
    # area_total equal to the SIC 29 sums must give the same answer as no area_total.
    sums = panel.groupby(["area_code", "year"])["employment"].transform("sum")
    with_totals = esteban_marquillas(panel.assign(area_total=sums), start=2015, end=2021)
    without = esteban_marquillas(panel, start=2015, end=2021)
    pd.testing.assert_frame_equal(with_totals, without)
    # Mechanism check: the benchmark total and a region's total come from area_total, not from the unit rows.
    # Count TLG1 twice in area_total only: E = 50860 + 14485 -> 56480 + 20570; TLG3 keeps 29060.
    weighted = panel.assign(area_total=sums.where(panel["area_code"] != "TLG1", 2 * sums))
    result = esteban_marquillas(weighted, start=2015, end=2021, region="TLG3")
    motor = _row(result, "TLG3", "29100")
    assert motor["national_share"] == pytest.approx(18000 * (77050 / 65345 - 1))
    assert motor["homothetic_employment"] == pytest.approx(29060 * 28000 / 65345)
    assert motor["competitive"] == pytest.approx(_row(without, "TLG3", "29100")["competitive"])


def test_tlg3_against_great_britain_from_the_raw_file(shared_data: Path) -> None:
    raw = pd.read_csv(
        shared_data / "uk" / "bres_itl2" / "bres_employment_itl2_nuts2016_sic5_2015_2021.csv",
        dtype={"INDUSTRY_CODE": str},
    )
    raw = raw[raw["DATE"].isin([2015, 2021])]
    totals = raw.groupby(["GEOGRAPHY_CODE", "DATE"])["COUNT"].sum().rename("area_total").reset_index()
    division = raw[raw["INDUSTRY_CODE"].str.startswith("29")].merge(totals, on=["GEOGRAPHY_CODE", "DATE"])
    panel = pd.DataFrame(
        {
            "area_code": division["GEOGRAPHY_CODE"].map(nuts2016_to_itl2021),
            "unit_code": division["INDUSTRY_CODE"],
            "year": division["DATE"],
            "employment": division["COUNT"],
            "area_total": division["area_total"],
        }
    )
    result = esteban_marquillas(panel, start=2015, end=2021, region="TLG3")
    motor = _row(result, "TLG3", "29100")
    # GB (40 ITL2 areas), all 729 subclasses: 29,737,315 -> 31,366,000; GB 29100: 78,275 -> 78,600;
    # TLG3 all industries 1,230,340 in 2015.
    national = 31_366_000 / 29_737_315 - 1
    unit = 78_600 / 78_275 - 1
    assert motor["national_share"] == pytest.approx(18000 * national)
    assert motor["industry_mix"] == pytest.approx(18000 * (unit - national))
    assert motor["competitive"] == pytest.approx(15000 - 18000 * (1 + unit))
    assert motor["homothetic_employment"] == pytest.approx(1_230_340 * 78_275 / 29_737_315)
    assert motor["net_competitive"] + motor["allocation"] == pytest.approx(motor["competitive"])


# --- Bad input ------------------------------------------------------------------------------------------------------


def test_missing_column_is_named() -> None:
    with pytest.raises(ParameterError, match="lacks column\\(s\\) employment"):
        shift_share(_fk_panel().drop(columns="employment"), start=2000, end=2001)


def test_unknown_year_lists_the_available_years() -> None:
    with pytest.raises(UnknownCodeError, match=r"unknown year '1999'; valid choices: 2000, 2001"):
        shift_share(_fk_panel(), start=1999, end=2001)


def test_start_must_precede_end() -> None:
    with pytest.raises(ParameterError, match="start year 2001 must be before end year 2000"):
        esteban_marquillas(_fk_panel(), start=2001, end=2000)


def test_duplicate_rows_are_rejected() -> None:
    panel = _fk_panel()
    doubled = pd.concat([panel, panel.iloc[[0]]])
    with pytest.raises(ParameterError, match="more than one row for area 'A', unit 'I1', year 2000"):
        shift_share(doubled, start=2000, end=2001)


def test_unknown_region_and_benchmark_area() -> None:
    with pytest.raises(UnknownCodeError, match="unknown region 'Z'; valid choices: A, B, C"):
        shift_share(_fk_panel(), start=2000, end=2001, region="Z")
    with pytest.raises(UnknownCodeError, match="unknown benchmark area 'GB'"):
        shift_share(_fk_panel(), start=2000, end=2001, benchmark_areas=["GB"])


def test_dynamic_needs_every_intermediate_year() -> None:
    with pytest.raises(UnknownCodeError, match="unknown year '2018'"):
        dynamic_shift_share(_bres_mini(), start=2015, end=2021, region="TLG3")


def test_inconsistent_area_total_is_rejected() -> None:
    panel = _fk_panel().assign(area_total=1000.0)
    panel.loc[0, "area_total"] = 999.0
    with pytest.raises(ParameterError, match="different area_total values for area 'A', year 2000"):
        shift_share(panel, start=2000, end=2001)


def test_years_given_as_text_are_read_as_numbers_and_nonsense_is_rejected() -> None:
    panel = _fk_panel()
    as_text = shift_share(panel.assign(year=panel["year"].astype(str)), start=2000, end=2001)
    pd.testing.assert_frame_equal(as_text, shift_share(panel, start=2000, end=2001))
    with pytest.raises(ParameterError, match="year 'twenty' that is not a number"):
        shift_share(panel.assign(year=panel["year"].astype(str).replace("2000", "twenty")), start=2000, end=2001)
