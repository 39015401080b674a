"""Companies House Basic Company Data and the ONS Postcode Directory: parsing and validation.

Fixtures (see tests/fixtures/companies_house/make_fixtures.py and tests/fixtures/postcodes/README.md): the
published header and layout of Basic Company Data with two real rows and illustrative firms; real ONSPD rows.
Bad files are made here by changing one field of the good file.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from _util import FIXTURES
from clusterplan import DataValidationError
from clusterplan.sources.companies_house import (
    BASIC_COMPANY_DATA_COLUMNS,
    BASIC_COMPANY_DATA_HEADER,
    FIRM_COLUMNS,
    firm_sic_codes,
    read_basic_company_data,
)
from clusterplan.sources.postcodes import ONSPD_COLUMNS, normalise_postcode, read_onspd
from clusterplan.warehouse import load_basic_company_data_duckdb, load_onspd_duckdb

COMPANIES = FIXTURES / "companies_house" / "basic_company_data_mini.csv"
ONSPD = FIXTURES / "postcodes" / "onspd_mini.csv"


def _rows() -> list[list[str]]:
    with open(COMPANIES, encoding="utf-8", newline="") as handle:
        return list(csv.reader(handle))[1:]


def _write(path: Path, rows: list[list[str]]) -> Path:
    with open(path, "w", encoding="utf-8", newline="") as handle:
        handle.write(BASIC_COMPANY_DATA_HEADER + "\n")
        csv.writer(handle, quoting=csv.QUOTE_ALL, lineterminator="\n").writerows(rows)
    return path


def _with(path: Path, row: int, column: str, value: str) -> Path:
    rows = _rows()
    rows[row - 1][BASIC_COMPANY_DATA_COLUMNS.index(column)] = value
    return _write(path, rows)


# -- Basic Company Data ----------------------------------------------------------------------------------------------
def test_header_is_the_published_one() -> None:
    assert COMPANIES.read_text(encoding="utf-8").splitlines()[0] == BASIC_COMPANY_DATA_HEADER
    assert len(BASIC_COMPANY_DATA_COLUMNS) == 55
    assert BASIC_COMPANY_DATA_HEADER.startswith("CompanyName, CompanyNumber,RegAddress.CareOf")
    assert BASIC_COMPANY_DATA_COLUMNS[26:30] == [f"SICCode.SicText_{i}" for i in range(1, 5)]


def test_reads_the_miniature_register() -> None:
    firms = read_basic_company_data(COMPANIES)
    assert list(firms.columns) == FIRM_COLUMNS and len(firms) == 37
    obac = firms.set_index("company_number").loc["07687209"]  # a real row of the register
    assert obac["company_name"] == "!OBAC UK LIMITED" and obac["postcode"] == "RG26 5AT"
    assert obac["sic_code_1"] == "70229" and obac["sic_code_2"] is None
    assert obac["incorporation_date"] == pd.Timestamp("2011-06-29") and pd.isna(obac["dissolution_date"])
    assert obac["accounts_category"] == "TOTAL EXEMPTION FULL"
    by_number = firms.set_index("company_number")
    assert by_number.loc["12900002", "postcode"] == "M1 1AD"  # published "M1  1AD"
    assert by_number.loc["12900003", "postcode"] == "M11 1AA"  # published "m11 1aa"
    assert by_number.loc["12900007", "postcode"] == ""  # "NOT KNOWN"
    assert by_number.loc["12900007", "postcode_as_published"] == "NOT KNOWN"
    assert by_number.loc["12900006", "sic_code_1"] is None  # "None Supplied"
    assert by_number.loc["SC900013", "dissolution_date"] == pd.Timestamp("2016-06-15")
    assert firms.attrs["rows"] == 37


def test_sic_codes_long_form() -> None:
    firms = read_basic_company_data(COMPANIES)
    long = firm_sic_codes(firms)
    # 36 firms have a first code (one says None Supplied); second codes: 4 subsea, 3 haulage, 1 IT firm.
    assert len(long) == 36 + 4 + 3 + 1
    assert long[long["company_number"] == "12900002"]["sic_code"].tolist() == ["62020", "62012"]
    assert len(firm_sic_codes(firms, primary_only=True)) == 36


@pytest.mark.parametrize(
    ("row", "column", "value", "message"),
    [
        (3, "IncorporationDate", "31/02/2020", "date '31/02/2020' is not DD/MM/YYYY"),
        (5, "IncorporationDate", "2020-01-05", "date '2020-01-05' is not DD/MM/YYYY"),
        (4, "SICCode.SicText_2", "Business and domestic software development", "is not 'NNNNN - description'"),
        (6, "SICCode.SicText_1", "6201 - Computer programming", "is not 'NNNNN - description'"),
        (7, "CompanyNumber", "7687209", "company number '7687209' is not 8 letters or digits"),
        (13, "DissolutionDate", "01/01/2000", "dissolved before it was incorporated"),
    ],
)
def test_bad_rows_name_the_file_row_and_column(tmp_path: Path, row: int, column: str, value: str, message: str) -> None:
    path = _with(tmp_path / "bad.csv", row, column, value)
    with pytest.raises(DataValidationError, match=message) as caught:
        read_basic_company_data(path)
    error = caught.value
    assert error.file == str(path) and error.row == row and error.column == column


def test_duplicate_company_numbers(tmp_path: Path) -> None:
    rows = _rows()
    rows[9][1] = rows[2][1]  # row 10 repeats the company number of row 3
    path = _write(tmp_path / "dup.csv", rows)
    with pytest.raises(DataValidationError, match=r"row 10.*company number listed twice \(first in row 3\)"):
        read_basic_company_data(path)


def test_missing_column_and_empty_file(tmp_path: Path) -> None:
    text = COMPANIES.read_text(encoding="utf-8").replace("RegAddress.PostCode", "PostCode", 1)
    (tmp_path / "nopc.csv").write_text(text, encoding="utf-8")
    with pytest.raises(DataValidationError, match=r"missing column\(s\) RegAddress\.PostCode"):
        read_basic_company_data(tmp_path / "nopc.csv")
    (tmp_path / "empty.csv").write_text(BASIC_COMPANY_DATA_HEADER + "\n", encoding="utf-8")
    with pytest.raises(DataValidationError, match="no data rows"):
        read_basic_company_data(tmp_path / "empty.csv")
    with pytest.raises(DataValidationError, match="file not found"):
        read_basic_company_data(tmp_path / "absent.csv")


def test_duckdb_loader_agrees_with_pandas() -> None:
    con = duckdb.connect()
    assert load_basic_company_data_duckdb(con, COMPANIES) == 37
    loaded = con.execute("SELECT * FROM companies ORDER BY source_row").df()
    firms = read_basic_company_data(COMPANIES)
    assert loaded["company_number"].tolist() == firms["company_number"].tolist()
    assert loaded["postcode"].tolist() == firms["postcode"].tolist()
    assert loaded["source_row"].tolist() == list(range(1, 38))
    for i in range(1, 5):
        assert loaded[f"sic_code_{i}"].fillna("").tolist() == firms[f"sic_code_{i}"].fillna("").tolist()
    assert (pd.to_datetime(loaded["incorporation_date"]) == firms["incorporation_date"]).all()
    assert (
        con.execute("SELECT count(*) FROM information_schema.tables WHERE table_name LIKE 'companies__%'").fetchall()[
            0
        ][0]
        == 0
    )


@pytest.mark.parametrize(
    ("row", "column", "value", "message"),
    [
        (8, "DissolutionDate", "32/01/2019", "date is not DD/MM/YYYY"),
        (11, "SICCode.SicText_3", "software", "SIC text is not"),
        (13, "DissolutionDate", "01/01/2000", "dissolved before it was incorporated"),
    ],
)
def test_duckdb_loader_validates(tmp_path: Path, row: int, column: str, value: str, message: str) -> None:
    path = _with(tmp_path / "bad.csv", row, column, value)
    with pytest.raises(DataValidationError, match=message) as caught:
        load_basic_company_data_duckdb(duckdb.connect(), path)
    assert caught.value.row == row and caught.value.file == str(path) and caught.value.column == column


def test_duckdb_loader_finds_duplicates_across_files(tmp_path: Path) -> None:
    rows = _rows()
    first = _write(tmp_path / "part1.csv", rows[:20])
    second = _write(tmp_path / "part2.csv", [rows[5], *rows[20:]])
    with pytest.raises(DataValidationError, match="company number listed twice") as caught:
        load_basic_company_data_duckdb(duckdb.connect(), [first, second])
    assert caught.value.file == str(second) and caught.value.row == 1 and caught.value.code == "SC900006"


# -- ONS Postcode Directory ------------------------------------------------------------------------------------------
def test_reads_onspd_rows() -> None:
    assert ONSPD.read_text().splitlines()[0] == ",".join(ONSPD_COLUMNS)
    postcodes = read_onspd(ONSPD)
    assert len(postcodes) == 32 and postcodes["postcode"].is_unique
    by_code = postcodes.set_index("postcode")
    assert by_code.loc["M1 1AD", ["lat", "long", "lad_code"]].tolist() == [53.483784, -2.244866, "E08000003"]
    assert by_code.loc["AB12 3JU", "lad_code"] == "S12000033" and by_code.loc["AB12 3JU", "itl"] == "S30000026"
    jersey = by_code.loc["JE2 4WD"]  # Channel Islands: no grid reference (lat 99.999999)
    assert not jersey["has_location"] and pd.isna(jersey["lat"]) and pd.isna(jersey["long"])
    assert by_code.loc["SE1 9ZZ", "terminated"] and not by_code.loc["SE1P 5ZZ", "terminated"]


def test_onspd_validation(tmp_path: Path) -> None:
    text = ONSPD.read_text()
    (tmp_path / "lat.csv").write_text(text.replace("57.115987", "57.1x5987"))
    with pytest.raises(DataValidationError, match=r"row 2, column 'lat': lat '57.1x5987' is not a number"):
        read_onspd(tmp_path / "lat.csv")
    (tmp_path / "far.csv").write_text(text.replace("57.115987", "47.115987"))
    with pytest.raises(DataValidationError, match="outside the British Isles"):
        read_onspd(tmp_path / "far.csv")
    lines = text.splitlines()
    (tmp_path / "dup.csv").write_text("\n".join([*lines, lines[3]]) + "\n")
    with pytest.raises(DataValidationError, match=r"row 33.*postcode listed twice \(first in row 3\)"):
        read_onspd(tmp_path / "dup.csv")
    (tmp_path / "nolad.csv").write_text(text.replace("oslaua", "district", 1))
    with pytest.raises(DataValidationError, match="missing column\\(s\\) oslaua"):
        read_onspd(tmp_path / "nolad.csv")


def test_onspd_duckdb_loader() -> None:
    con = duckdb.connect()
    assert load_onspd_duckdb(con, ONSPD) == 32
    frame = con.execute("SELECT * FROM postcodes ORDER BY postcode").df().set_index("postcode")
    assert frame.loc["M1 1AD", "lad_code"] == "E08000003" and frame.loc["M1 1AD", "lat"] == 53.483784
    assert not frame.loc["JE2 4WD", "has_location"] and pd.isna(frame.loc["JE2 4WD", "lat"])


def test_normalise_postcode() -> None:
    assert [normalise_postcode(p) for p in ["ab123ju", " SE1P 5ZZ ", "M1  1AD", "GIR0AA", "", None, "12345"]] == [
        "AB12 3JU",
        "SE1P 5ZZ",
        "M1 1AD",
        "",
        "",
        "",
        "",
    ]
    assert read_onspd(io.StringIO("pcds,oslaua,lat,long\nEC1A 1BB,E09000001,51.520,-0.097\n"))["postcode"][0] == (
        "EC1A 1BB"
    )
