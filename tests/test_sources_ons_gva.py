"""ONS regional GVA tables on miniature files in the real layout."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from clusterplan import DataValidationError
from clusterplan.sources.ons_gva import gva_industries, read_gva_table

FIXTURES = Path(__file__).parent / "fixtures" / "ons_gva"


def test_wide_to_long_with_thousands_separators() -> None:
    facts = read_gva_table(FIXTURES / "Table_2c_ITL2_mini.csv", dataset="t", measure="gva_current_prices")
    assert set(facts["year"]) == set(range(1998, 2023))
    value = facts.set_index(["industry_code", "year"]).loc[("Total", 1998), "value"]
    assert value == 35343.0  # published as "35,343"
    assert facts.set_index(["industry_code", "year"]).loc[("29", 2006), "value"] == 1007.0


def test_spreadsheet_date_codes_are_repaired() -> None:
    facts = read_gva_table(FIXTURES / "Table_2c_ITL2_mini.csv", dataset="t", measure="gva_current_prices")
    codes = set(facts["industry_code"])
    assert {"2-3", "11-12"} <= codes and not {"02-Mar", "11-Dec"} & codes
    levels = gva_industries(facts).set_index("industry_code")["industry_level"]
    assert levels["Total"] == "total" and levels["C (10-33)"] == "section" and levels["11-12"] == "division"


def test_uk_row_and_older_header() -> None:
    facts = read_gva_table(FIXTURES / "Table_1b_ITL1_mini.csv", dataset="t", measure="gva_chained_volume_2019")
    assert set(facts["area_code"]) == {"K02000001"}
    assert facts.set_index(["industry_code", "year"]).loc[("Total", 1998), "value"] == 1345618.0


def test_bad_value_names_row_year_and_code() -> None:
    text = "ITL code,Region name,SIC07 code,SIC07 description,2020,2021\nTLG3,West Midlands,29,Motor vehicles,12,n/a\n"
    with pytest.raises(
        DataValidationError, match=r"bad.csv, row 1, column '2021', code '29': value 'n/a' is not a number"
    ):
        read_gva_table(io.StringIO(text), dataset="t", measure="gva", file_label="bad.csv")  # type: ignore[arg-type]


def test_wrong_layout() -> None:
    with pytest.raises(DataValidationError, match="expected columns"):
        read_gva_table(io.StringIO("a,b\n1,2\n"), dataset="t", measure="gva", file_label="x.csv")  # type: ignore[arg-type]
