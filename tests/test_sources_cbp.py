"""County Business Patterns parsers and the built US datasets.

Golden values are hand-checked from the raw CBSA file (see tests/fixtures/cbp/README.md); the county
layout fixtures are format-only miniatures whose numbers are illustrative.
"""

from __future__ import annotations

import csv
import functools
import io
from pathlib import Path

import pandas as pd
import pytest

import clusterplan
from clusterplan._build.us import naics_industries
from clusterplan._exceptions import DataValidationError, ParameterError
from clusterplan.sources.cbp import (
    naics_classification,
    naics_level,
    naics_parent,
    read_cbp_cbsa_csv,
    read_cbp_county_file,
)

FIXTURES = Path(__file__).parent / "fixtures" / "cbp"
CBSA_SLICE = FIXTURES / "cbp2019_cbsa_38920_39700.csv"
COUNTY_2017ON = FIXTURES / "cbp_county_layout_2017on_sample.txt"
COUNTY_PRE2017 = FIXTURES / "cbp_county_layout_pre2017_sample.txt"
DATA = Path(clusterplan.__file__).parent / "data"
RAW_CBP = (
    Path(__file__).resolve().parents[2] / "shared" / "data" / "us" / "cbp" / "cbp2019_cbsa_naics2to6_emp_estab.csv"
)


@pytest.fixture(scope="module")
def cbsa_slice() -> pd.DataFrame:
    return read_cbp_cbsa_csv(CBSA_SLICE)


def _value(facts: pd.DataFrame, area: str, industry: str, measure: str, breakdown: str = "all") -> float:
    row = facts[
        (facts["area_code"] == area)
        & (facts["industry_code"] == industry)
        & (facts["measure"] == measure)
        & (facts["breakdown"] == breakdown)
    ]
    assert len(row) == 1
    return float(row["value"].iloc[0])


@functools.cache
def _read_built(name: str) -> pd.DataFrame | None:
    path = DATA / f"{name}.parquet"
    return pd.read_parquet(path) if path.exists() else None


def _built(name: str) -> pd.DataFrame:
    frame = _read_built(name)
    if frame is None:
        pytest.skip(f"{name}.parquet not built; run the 'us' builder")
    return frame


# --- CBSA extract: real slice -------------------------------------------------------------------


def test_cbsa_all_industries_golden(cbsa_slice):
    assert _value(cbsa_slice, "38920", "00", "employment") == 9970
    assert _value(cbsa_slice, "38920", "00", "establishments") == 438
    assert _value(cbsa_slice, "39700", "00", "employment") == 2357
    assert _value(cbsa_slice, "39700", "00", "establishments") == 189


def test_cbsa_schema_units_and_rows(cbsa_slice):
    assert len(cbsa_slice) == 2 * 292
    assert set(cbsa_slice["classification"]) == {"naics2017"}
    assert set(cbsa_slice["year"]) == {2019}
    assert set(cbsa_slice["dataset"]) == {"us_cbp_2019_cbsa"}
    units = cbsa_slice.groupby("measure")["unit"].unique().to_dict()
    assert {k: list(v) for k, v in units.items()} == {"employment": ["persons"], "establishments": ["count"]}
    total = cbsa_slice[(cbsa_slice["area_code"] == "39700") & (cbsa_slice["industry_code"] == "00")]
    assert set(total["_row"]) == {198}  # line 199 of the file, after the header


def test_cbsa_withheld_employment_flagged(cbsa_slice):
    flagged = cbsa_slice[cbsa_slice["flag"] == "zero_may_be_suppressed"]
    assert set(flagged["area_code"]) == {"38920"}
    assert set(flagged["measure"]) == {"employment"}
    assert sorted(flagged["industry_code"]) == ["114", "1141", "11411", "114111", "114112"]
    assert (flagged["value"] == 0).all()
    assert _value(cbsa_slice, "38920", "114112", "establishments") == 13


def test_cbsa_industry_level_fixes_combined_sectors(cbsa_slice):
    levels = cbsa_slice.drop_duplicates("industry_code").set_index("industry_code")["industry_level"]
    # The raw file labels 31-33 as level 5 (string length); it is a sector.
    assert levels["31-33"] == 2
    assert levels["00"] == 0
    assert levels["325211"] == 6
    assert "31-33" not in set(cbsa_slice.loc[cbsa_slice["area_code"] == "39700", "industry_code"])


def test_cbsa_six_digit_employment_and_traded_share(cbsa_slice):
    six = cbsa_slice[(cbsa_slice["industry_level"] == 6) & (cbsa_slice["measure"] == "employment")]
    by_area = six.groupby("area_code")["value"].sum()
    assert by_area["38920"] == 6254
    assert by_area["39700"] == 1525
    traded = _built("cmp_traded_clusters")
    in_traded = six[(six["area_code"] == "38920") & six["industry_code"].isin(traded["naics_code"])]
    assert in_traded["value"].sum() == 3468
    assert in_traded["value"].sum() / _value(cbsa_slice, "38920", "00", "employment") == pytest.approx(
        0.34784, abs=5e-6
    )


def test_cbsa_leading_zeros_restored():
    facts = read_cbp_cbsa_csv(io.StringIO("cbsa_code,naics_code,naics_level,EMP,ESTAB\n1234,00,2,5.0,1.0\n"))
    assert set(facts["area_code"]) == {"01234"}


# --- CBSA extract: bad input --------------------------------------------------------------------

_HEADER = "cbsa_code,naics_code,naics_level,EMP,ESTAB\n"


def _bad(text: str) -> DataValidationError:
    with pytest.raises(DataValidationError) as info:
        read_cbp_cbsa_csv(io.StringIO(text), file_label="cbp.csv")
    return info.value


def test_cbsa_missing_column():
    error = _bad("cbsa_code,naics_code,naics_level,EMP\n38920,00,2,9970.0\n")
    assert "cbp.csv" in str(error) and "missing CBP CBSA column(s) ESTAB" in str(error)


def test_cbsa_non_numeric_employment():
    error = _bad(_HEADER + "38920,00,2,9970.0,438.0\n38920,23,2,(D),16.0\n")
    assert error.row == 2 and error.column == "EMP" and error.code == "23"
    assert "cbp.csv, row 2, column 'EMP'" in str(error) and "'(D)' is not a number" in str(error)


def test_cbsa_negative_count():
    error = _bad(_HEADER + "38920,00,2,9970.0,-438.0\n")
    assert error.row == 1 and error.column == "ESTAB"
    assert "negative count -438" in str(error)


def test_cbsa_duplicate_cbsa_and_naics():
    error = _bad(_HEADER + "38920,00,2,9970.0,438.0\n38920,23,2,1.0,1.0\n38920,00,2,9970.0,438.0\n")
    assert error.row == 3
    assert "duplicate CBSA and NAICS code (cbsa_code=38920, naics_code=00), first seen in row 1" in str(error)


def test_cbsa_bad_codes():
    assert "'3A11' is not a NAICS code" in str(_bad(_HEADER + "38920,3A11,4,1.0,1.0\n"))
    assert "'389200' is not a 5-digit CBSA code" in str(_bad(_HEADER + "389200,00,2,1.0,1.0\n"))
    error = _bad(_HEADER + "38920,3111,3,1.0,1.0\n")
    assert error.column == "naics_level" and "does not match naics_code '3111'" in str(error)


def test_cbsa_file_not_found(tmp_path):
    with pytest.raises(DataValidationError, match="file not found"):
        read_cbp_cbsa_csv(tmp_path / "absent.csv")


# --- NAICS helpers ------------------------------------------------------------------------------


def test_naics_hierarchy_helpers():
    assert [naics_level(c) for c in ("00", "11", "44-45", "441", "4411", "44111", "441110")] == [0, 2, 2, 3, 4, 5, 6]
    assert naics_parent("311") == "31-33"
    assert naics_parent("452") == "44-45"
    assert naics_parent("493") == "48-49"
    assert naics_parent("541") == "54"
    assert naics_parent("441110") == "44111"
    assert naics_parent("31-33") is None and naics_parent("00") is None
    assert [naics_classification(y) for y in (2019, 2016, 2010, 2005, 2000, 2022)] == [
        "naics2017",
        "naics2012",
        "naics2007",
        "naics2002",
        "naics1997",
        "naics2022",
    ]
    with pytest.raises(ParameterError, match="SIC"):
        naics_classification(1995)


def test_naics_industries_dimension(cbsa_slice):
    industries = naics_industries(cbsa_slice["industry_code"]).set_index("industry_code")
    assert industries.loc["325", "parent_code"] == "31-33"
    assert industries.loc["3252", "parent_code"] == "325"
    assert industries.loc["31-33", "industry_level"] == "naics2"
    assert industries.loc["00", "industry_level"] == "total"
    assert industries.loc["325211", "industry_level"] == "naics6"
    assert pd.isna(industries.loc["31-33", "parent_code"])


# --- County file layout (format-only fixtures) ---------------------------------------------------


def test_county_codes_and_padding():
    facts = read_cbp_county_file(COUNTY_2017ON, year=2019)
    assert set(facts["area_code"]) == {"48057", "48999"}
    assert sorted(facts["industry_code"].unique()) == sorted(
        ["00", "114", "1141", "31-33", "325", "3252", "32521", "325211", "44-45", "48-49"]
    )
    levels = facts.drop_duplicates("industry_code").set_index("industry_code")["industry_level"]
    assert levels["31-33"] == 2 and levels["32521"] == 5 and levels["00"] == 0
    assert set(facts["classification"]) == {"naics2017"}
    assert set(facts["dataset"]) == {"us_cbp_2019_county"}
    units = dict(zip(facts["measure"], facts["unit"], strict=False))
    assert units == {
        "employment": "persons",
        "establishments": "count",
        "first_quarter_payroll": "usd_thousand",
        "annual_payroll": "usd_thousand",
    }
    assert _value(facts, "48057", "00", "employment") == 1000
    assert _value(facts, "48057", "00", "annual_payroll") == 50000
    assert _value(facts, "48057", "325211", "first_quarter_payroll") == 5000
    assert _value(facts, "48999", "00", "establishments") == 5
    assert len(facts) == 11 * 4


def test_county_withheld_flags():
    facts = read_cbp_county_file(COUNTY_2017ON, year=2019)
    flagged = facts[facts["flag"] == "zero_may_be_suppressed"]
    # D (114) and S (1141) rows: employment and both payrolls; never establishments, never noise G/H/J.
    assert sorted(zip(flagged["industry_code"], flagged["measure"], strict=True)) == sorted(
        (code, measure)
        for code in ("114", "1141")
        for measure in ("employment", "first_quarter_payroll", "annual_payroll")
    )
    assert (flagged["value"] == 0).all()
    assert facts.loc[facts["industry_code"] == "325211", "flag"].isna().all()  # J = high noise, still published


def test_county_size_classes():
    facts = read_cbp_county_file(COUNTY_2017ON, year=2019, size_classes=True)
    assert _value(facts, "48057", "00", "establishments", "<5 employees") == 60
    assert _value(facts, "48057", "00", "establishments", "250-499 employees") == 1
    row = facts[
        (facts["area_code"] == "48057") & (facts["industry_code"] == "00") & (facts["breakdown"] == "500-999 employees")
    ]
    assert row["value"].isna().all() and (row["flag"] == "missing").all()
    assert facts["breakdown"].nunique() == 1 + 13


def test_county_pre2017_layout():
    facts = read_cbp_county_file(COUNTY_PRE2017, year=2015, size_classes=True)
    assert set(facts["classification"]) == {"naics2012"}
    flagged = facts[facts["flag"] == "zero_may_be_suppressed"]
    assert set(flagged["industry_code"]) == {"114"}
    assert set(flagged["measure"]) == {"employment", "first_quarter_payroll", "annual_payroll"}
    assert _value(facts, "48057", "00", "establishments", "1-4 employees") == 60
    assert _value(facts, "48057", "31-33", "employment") == 400


_COUNTY_HEADER = '"fipstate","fipscty","naics","emp_nf","emp","qp1_nf","qp1","ap_nf","ap","est"\n'


def _bad_county(text: str) -> DataValidationError:
    with pytest.raises(DataValidationError) as info:
        read_cbp_county_file(io.StringIO(text), year=2019, file_label="cbp19co.txt")
    return info.value


def test_county_bad_input():
    error = _bad_county('"fipstate","fipscty","naics","emp"\n"48","057","------",1\n')
    assert "cbp19co.txt" in str(error) and "missing CBP county column(s) qp1, ap, est" in str(error)
    error = _bad_county(_COUNTY_HEADER + '"48","057","3A11//","G",1,"G",1,"G",1,1\n')
    assert error.row == 1 and error.column == "naics" and "'3A11//' is not a padded NAICS code" in str(error)
    error = _bad_county(_COUNTY_HEADER + '"TX","057","------","G",1,"G",1,"G",1,1\n')
    assert error.column == "fipstate" and "'TX' is not a FIPS code" in str(error)
    error = _bad_county(_COUNTY_HEADER + '"48","057","------","G",1,"G",x,"G",1,1\n')
    assert error.row == 1 and error.column == "qp1"
    error = _bad_county(
        _COUNTY_HEADER + '"48","057","------","G",1,"G",1,"G",1,1\n"48","57","------","G",1,"G",1,"G",1,1\n'
    )
    assert error.row == 2 and "duplicate county and NAICS code (county=48057, naics=00)" in str(error)


# --- Built datasets (package data) ---------------------------------------------------------------


def test_built_cbsa_counts_and_totals():
    facts = _built("us_cbp_2019_cbsa")
    assert facts["area_code"].nunique() == 933
    total = facts[facts["industry_code"] == "00"].groupby("measure")["value"].sum()
    assert total["employment"] == 122_485_576
    assert total["establishments"] == 7_522_206
    assert (facts["flag"] == "zero_may_be_suppressed").sum() == 225
    one = facts[(facts["area_code"] == "38920") & (facts["industry_code"] == "00")]
    assert dict(zip(one["measure"], one["value"], strict=True)) == {"employment": 9970, "establishments": 438}


def test_built_traded_share_of_cbsa_employment():
    facts = _built("us_cbp_2019_cbsa")
    traded = _built("cmp_traded_clusters")
    employment = facts[facts["measure"] == "employment"]
    six = employment[employment["industry_code"].str.fullmatch(r"\d{6}")]
    in_traded = six.loc[six["industry_code"].isin(traded["naics_code"]), "value"].sum()
    assert in_traded == 36_140_771
    # Hand-checked with awk over the raw files: 36,140,771 / 122,485,576 (MANIFEST: "about 30%").
    assert in_traded / employment.loc[employment["industry_code"] == "00", "value"].sum() == pytest.approx(
        0.295061, abs=1e-6
    )


def test_built_dimensions():
    areas = _built("areas_us_cbsa")
    # The 933 CBSAs of CBP 2019, each named from the April 2018 delineation, and the 172 CSAs that group them.
    assert areas["area_level"].value_counts().to_dict() == {"cbsa": 933, "csa": 172}
    assert areas["area_code"].str.fullmatch(r"\d{3,5}").all() and set(areas["geography"]) == {"us"}
    assert areas["area_name"].notna().all()
    industries = _built("industries_naics2017").set_index("industry_code")
    assert industries.loc["311", "parent_code"] == "31-33"
    assert industries.loc["4411", "parent_code"] == "441"
    assert industries["industry_level"].value_counts().to_dict() == {
        "naics6": 961,
        "naics5": 636,
        "naics4": 288,
        "naics3": 86,
        "naics2": 20,
        "total": 1,
    }
    parents = set(industries["parent_code"].dropna())
    assert parents <= set(industries.index)


def test_built_total_matches_raw_file():
    if not RAW_CBP.exists():
        pytest.skip("raw CBP file not available")
    employment = establishments = 0.0
    with open(RAW_CBP, newline="") as handle:
        for row in csv.DictReader(handle):
            if row["naics_code"] == "00":
                employment += float(row["EMP"])
                establishments += float(row["ESTAB"])
    facts = _built("us_cbp_2019_cbsa")
    total = facts[facts["industry_code"] == "00"].groupby("measure")["value"].sum()
    assert total["employment"] == employment
    assert total["establishments"] == establishments
