"""NOMIS CSV parser on miniature files in NOMIS's real layouts."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from clusterplan import DataValidationError
from clusterplan.sources.nomis import read_nomis_csv

FIXTURES = Path(__file__).parent / "fixtures" / "nomis"


def test_download_layout_values_codes_and_flags() -> None:
    facts = read_nomis_csv(FIXTURES / "bres_itl2_sic5_mini.csv", dataset="t")
    assert len(facts) == 16
    # NUTS 2016 UKG3 is stored as ITL 2021 TLG3.
    assert set(facts["area_code"]) == {"TLG3", "TLC1"}
    row = facts[(facts.area_code == "TLG3") & (facts.industry_code == "29100") & (facts.year == 2021)]
    assert row["value"].item() == 15000.0
    assert row["industry_name"].item() == "Manufacture of motor vehicles"
    # Every published 0 (growing of rice) carries the possibly-suppressed flag; nothing else does.
    zeros = facts[facts["value"] == 0]
    assert len(zeros) == 4 and set(zeros["flag"]) == {"zero_may_be_suppressed"}
    assert facts.loc[facts["value"] > 0, "flag"].isna().all()
    assert facts["_row"].tolist() == list(range(1, 17))


def test_empty_cell_is_missing_not_zero() -> None:
    facts = read_nomis_csv(FIXTURES / "bres_scotland_missing_mini.csv", dataset="t")
    defra = facts[facts.industry_code == "01000"].iloc[0]
    assert defra["flag"] == "missing" and defra["value"] != defra["value"]  # NaN
    assert defra["area_code"] == "TLM5"


def test_gb_series_without_geography_columns() -> None:
    facts = read_nomis_csv(FIXTURES / "bres_gb_fulltime_mini.csv", dataset="t", measure="fulltime_employees")
    assert set(facts["area_code"]) == {"K03000001"}
    assert facts.set_index(["industry_code", "year"]).loc[("62012", 2021), "value"] == 171000.0


def test_api_layout_with_obs_value_and_status() -> None:
    text = (
        "DATE,DATE_NAME,GEOGRAPHY_CODE,GEOGRAPHY_NAME,INDUSTRY_CODE,INDUSTRY_NAME,OBS_VALUE,OBS_STATUS\n"
        "2021,2021,E08000025,Birmingham,29100,29100 : Manufacture of motor vehicles,1500,A\n"
        "2021,2021,E08000025,Birmingham,29320,29320 : Manufacture of other parts,0,Q\n"
    )
    facts = read_nomis_csv(io.StringIO(text), dataset="t", file_label="api")
    assert facts["value"].tolist() == [1500.0, 0.0]
    assert facts["flag"].isna().tolist() == [True, False]
    assert facts["flag"].iloc[1] == "zero_may_be_suppressed"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("DATE,INDUSTRY_CODE\n2021,29100\n", "missing NOMIS column(s) COUNT or OBS_VALUE"),
        (
            "DATE,INDUSTRY_CODE,COUNT\n2021,29100,lots\n",
            "row 1, column 'COUNT', code '29100': COUNT 'lots' is not a number",
        ),
        (
            "DATE,INDUSTRY_CODE,COUNT\n2021,29100,5\n2021,29320,-5\n",
            "row 2, column 'value', code '29320': negative count -5",
        ),
        ("DATE,INDUSTRY_CODE,COUNT\n2021,29100,5\n2021,29100,10\n", "row 2: duplicate key"),
        ("DATE,INDUSTRY_CODE,COUNT\nlast year,29100,5\n", "row 1, column 'DATE': DATE 'last year' is not a year"),
        ("DATE,INDUSTRY_CODE,COUNT\n1066,29100,5\n", "year 1066 outside"),
    ],
)
def test_bad_input_names_file_row_and_problem(text: str, expected: str) -> None:
    with pytest.raises(DataValidationError) as info:
        read_nomis_csv(io.StringIO(text), dataset="t", file_label="bad.csv")
    message = str(info.value)
    assert message.startswith("bad.csv")
    assert expected in message


def test_missing_file() -> None:
    with pytest.raises(DataValidationError, match=r"nope\.csv: file not found"):
        read_nomis_csv(FIXTURES / "nope.csv", dataset="t", file_label="nope.csv")
