"""ONS input-output analytical tables and supply-use tables: readers, long form, loaders.

Fixtures (tests/fixtures/ons_io, written by make_fixtures.py from the real workbooks) keep the real layout and
real values for a few industries; golden values below were read by hand from the published workbooks.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd
import pytest

from _util import FIXTURES, ROOT
from _workbooks import edited_copy
from clusterplan._exceptions import DataValidationError
from clusterplan.sources.ons_io import (
    IOATables,
    ioat_from_long,
    ioat_to_long,
    read_bres_ioat_lookup,
    read_ioat,
    read_ioat_industries,
    read_supply_use,
    sic_to_ioat,
    supply_use_table,
)

HERE = FIXTURES / "ons_io"
IOAT_MINI = HERE / "ioat_mini.xlsx"
SUT_MINI = HERE / "sut_mini.xlsx"
INDUSTRIES = ["A01", "C101", "F41, F42  & F43", "L68A", "T97"]
FINAL_USES = ["P3 S1", "P3 S13", "P3 S14", "P3 S15", "P51G", "P52", "P53", "P61EU", "P61RW", "P62"]
DATA = ROOT / "src" / "clusterplan" / "data"


@pytest.fixture(scope="module")
def mini() -> IOATables:
    return read_ioat(IOAT_MINI)


@pytest.fixture(scope="module")
def sut() -> pd.DataFrame:
    return read_supply_use(SUT_MINI)


# --------------------------------------------------------------------------- IOAT, miniature


def test_ioat_labels_and_hand_picked_cells(mini: IOATables) -> None:
    assert list(mini.domestic_use.index) == INDUSTRIES
    assert list(mini.domestic_use.columns) == INDUSTRIES
    assert list(mini.final_demand.columns) == FINAL_USES
    assert list(mini.primary_inputs.index) == ["_T", "P7", "D21-D31", "P2", "D1", "GOS & MI", "D29-D39", "GVA", "P1"]
    # IOT!J7 (A01 sold to C101), IOT!DG7 (households' final consumption of A01), IOT!C116, IOT!C120.
    assert mini.domestic_use.loc["A01", "C101"] == 4278.547183904037
    assert mini.domestic_use.loc["F41, F42  & F43", "F41, F42  & F43"] == pytest.approx(109350.8192654905)
    assert mini.final_demand.loc["A01", "P3 S14"] == 8982.88501059205
    assert mini.totals.loc["L68A", "TU"] == 216684
    assert mini.primary_inputs.loc["D1", "A01"] == 3658
    assert mini.primary_inputs.loc["D29-D39", "A01"] == -2012
    assert mini.primary_inputs.loc["P7", "P61RW"] == 59563
    assert np.isnan(mini.primary_inputs.loc["D1", "P3 S14"])  # not published for final uses
    assert mini.output.loc["C101"] == 19967
    assert mini.coefficients is not None
    assert mini.coefficients.loc["A01", "A01"] == 0.1501477959603234  # A!C8
    assert mini.year == 2019
    assert "Blue Book 2022" in mini.release


def test_ioat_names_cleaned_codes_exact(mini: IOATables) -> None:
    # The sheet writes 'Crop And ... Activities \xa0'; the code 'F41, F42  & F43' keeps its two spaces.
    assert mini.row_names["A01"] == "Crop And Animal Production, Hunting And Related Service Activities"
    assert mini.column_names["A01"] == mini.row_names["A01"]
    assert mini.row_names["P7"] == "Use of imported products, cif"
    assert mini.row_names["D21-D31"] == "Taxes less subsidies on products"
    assert mini.column_names["TU"] == "Total Use"
    assert "F41, F42  & F43" in mini.industries


def test_ioat_identities_within_each_column_and_row(mini: IOATables) -> None:
    p = mini.primary_inputs[INDUSTRIES]
    # Published identities per industry: _T + imports + product taxes = P2; P2 + GVA = P1; D1 + GOS + D29 = GVA.
    assert np.allclose(p.loc["_T"] + p.loc["P7"] + p.loc["D21-D31"], p.loc["P2"])
    assert np.allclose(p.loc["P2"] + p.loc["GVA"], p.loc["P1"])
    assert np.allclose(p.loc["D1"] + p.loc["GOS & MI"] + p.loc["D29-D39"], p.loc["GVA"])
    # Row identity: total intermediate use + final uses (without the subtotal P3 S1's parts twice) = total use.
    fd = mini.final_demand
    assert np.allclose(fd["P3 S1"], fd[["P3 S13", "P3 S14", "P3 S15"]].sum(axis=1))
    assert np.allclose(mini.totals["_T"] + mini.total_final_demand, mini.totals["TU"])
    # Industry by industry: total use of an industry's output = its total output.
    assert np.allclose(mini.totals["TU"], mini.output)
    # The published A is Z / output.
    assert mini.coefficients is not None
    expected = mini.domestic_use / mini.output.to_numpy()
    assert np.allclose(mini.coefficients.to_numpy(), np.nan_to_num(expected.to_numpy()), rtol=1e-12, atol=0)


def test_ioat_long_round_trip(mini: IOATables, tmp_path: Path) -> None:
    long = ioat_to_long(mini)
    assert list(long.columns) == ["table", "year", "row_code", "row_name", "col_code", "col_name", "value"]
    assert list(pd.unique(long["table"])) == [
        "domestic_use",
        "final_demand",
        "totals",
        "primary_inputs",
        "coefficients",
    ]
    assert len(long[long["table"] == "domestic_use"]) == 25
    # Through Parquet, as the package data is stored (int16 year, Arrow strings).
    path = tmp_path / "ioat.parquet"
    long.astype({"year": "int16"}).to_parquet(path)
    back = ioat_from_long(pd.read_parquet(path), release=mini.release)
    for name in ("domestic_use", "final_demand", "totals", "primary_inputs", "coefficients"):
        pd.testing.assert_frame_equal(getattr(back, name), getattr(mini, name))
    pd.testing.assert_series_equal(back.row_names, mini.row_names)
    pd.testing.assert_series_equal(back.column_names, mini.column_names)
    assert (back.year, back.release) == (2019, mini.release)


def test_ioat_from_long_without_coefficients(mini: IOATables) -> None:
    long = ioat_to_long(mini)
    back = ioat_from_long(long[long["table"] != "coefficients"])
    assert back.coefficients is None
    with pytest.raises(DataValidationError, match=r"lacks table\(s\) \['totals'\]"):
        ioat_from_long(long[long["table"] != "totals"])


# --------------------------------------------------------------------------- IOAT, layout errors


@pytest.mark.parametrize(
    ("sheet", "cell", "value", "message"),
    [
        pytest.param("IOT", "B4", "Code", r"sheet 'IOT': no header row with 'SIC' in column B", id="missing_header"),
        pytest.param(
            "IOT",
            "A8",
            "C102_3",
            r"sheet 'IOT' cell A8: expected industry code 'C101'.*'C102_3'",
            id="row_code_out_of_order",
        ),
        pytest.param("IOT", "D7", "..", r"sheet 'IOT' cell D7: expected a number, found '\.\.'", id="text_in_matrix"),
        pytest.param("IOT", "C9", None, r"cell C9: empty cell where a number is expected", id="empty_matrix_cell"),
        pytest.param("IOT", "H4", "Total", r"sheet 'IOT' row 4: no '_T' \(total\) column", id="no_total_column"),
        pytest.param(
            "IOT", "B13", "Something else", r"cell A13: row 'Something else' has no code", id="unknown_uncoded_row"
        ),
        pytest.param(
            "A",
            "D5",
            "C102_3",
            r"sheet 'A' cell C5: industry codes differ from those of sheet 'IOT'",
            id="coefficient_codes_must_match",
        ),
    ],
)
def test_ioat_layout_error_names_file_sheet_and_cell(
    tmp_path: Path, sheet: str, cell: str, value: object, message: str
) -> None:
    path = edited_copy(tmp_path, IOAT_MINI, sheet, cell, value)
    with pytest.raises(DataValidationError, match=message) as err:
        read_ioat(path)
    assert str(path) in str(err.value)


def test_ioat_missing_sheet_and_bad_files(tmp_path: Path) -> None:
    book = openpyxl.load_workbook(IOAT_MINI)
    del book["IOT"]
    path = tmp_path / "no_iot.xlsx"
    book.save(path)
    with pytest.raises(DataValidationError, match=r"sheet 'IOT' not found; the workbook has 'Menu', 'A'"):
        read_ioat(path)
    text = tmp_path / "table.xlsx"
    text.write_text("not a workbook")
    with pytest.raises(DataValidationError, match=r"table\.xlsx: not a readable \.xlsx workbook"):
        read_ioat(text)
    with pytest.raises(DataValidationError, match=r"missing\.xlsx: file not found"):
        read_ioat(tmp_path / "missing.xlsx")


# --------------------------------------------------------------------------- supply-use tables, miniature


def test_sut_tables_years_and_codes(sut: pd.DataFrame) -> None:
    assert list(sut.columns) == ["table", "year", "row_code", "row_name", "col_code", "col_name", "value"]
    assert list(pd.unique(sut["table"])) == ["supply", "intermediate_consumption", "final_demand"]
    assert sorted(set(sut["year"])) == [1997, 2020]
    supply = supply_use_table(sut, "supply", 1997)
    assert list(supply.columns) == ["P1", "P71EU", "P71RW", "P71", "P72", "P7", "TTM", "D21-D31", "TS_PP"]
    assert list(supply.index) == ["CPA_A01", "CPA_C101", "CPA_F41, F42 & F43", "CPA_T97", "_T", "P11", "P12", "P13"]
    use = supply_use_table(sut, "intermediate_consumption", 2020)
    assert list(use.columns) == ["A01", "C101", "F41, F42  & F43", "T97", "_T"]
    assert list(use.index[-6:]) == ["P2", "D29-D39", "D1", "GOS & MI", "GVA", "P1"]
    assert "October 2022" in sut.attrs["release"]


def test_sut_hand_picked_cells(sut: pd.DataFrame) -> None:
    supply = supply_use_table(sut, "supply", 1997)
    assert supply.loc["CPA_A01", "P1"] == 18438  # 'Table 1 - Supply 1997'!C4
    assert supply.loc["CPA_A01", "TS_PP"] == 25211  # K4
    assert supply.loc["P11", "P1"] == 1311869  # C113, market output
    assert np.isnan(supply.loc["P11", "P7"])
    use = supply_use_table(sut, "intermediate_consumption", 2020)
    assert use.loc["CPA_A01", "C101"] == 5622
    assert use.loc["P1", "A01"] == 30767
    final = supply_use_table(sut, "final_demand", 2020)
    assert final.loc["CPA_A01", "P3 S14"] == 27389
    assert final.loc["CPA_F41, F42 & F43", "P51G"] == 177211


def test_sut_identities(sut: pd.DataFrame) -> None:
    for year in (1997, 2020):
        s = supply_use_table(sut, "supply", year).drop(index=["P11", "P12", "P13"])  # 'of which' rows: P1 only
        assert np.allclose(s["P71EU"] + s["P71RW"], s["P71"])
        assert np.allclose(s["P71"] + s["P72"], s["P7"])
        assert np.allclose(s["P1"] + s["P7"] + s["TTM"] + s["D21-D31"], s["TS_PP"])
        of_which = supply_use_table(sut, "supply", year).loc[["P11", "P12", "P13"], "P1"]
        assert of_which.sum() == s.loc["_T", "P1"]
        f = supply_use_table(sut, "final_demand", year)
        assert np.allclose(f[["P3 S14", "P3 S15", "P3 S1311", "P3 S1313"]].sum(axis=1), f["P3 S1"])
        assert np.allclose(f[["P51G", "P53", "P52"]].sum(axis=1), f["P5"])
        assert np.allclose(f["P61"] + f["P62"], f["P6"])
        assert np.allclose(f["P3 S1"] + f["P5"] + f["P6"], f["TFU"])
        u = supply_use_table(sut, "intermediate_consumption", year)
        products = [c for c in s.index if c.startswith("CPA_")]
        # Total demand = intermediate + final demand = total supply, product by product.
        assert np.allclose(u.loc[products, "_T"] + f.loc[products, "TFU"], f.loc[products, "TU"])
        assert np.allclose(f.loc[products, "TU"], s.loc[products, "TS_PP"])
        assert np.allclose(u.loc["P2"] + u.loc["GVA"], u.loc["P1"])
        assert np.allclose(u.loc["D1"] + u.loc["GOS & MI"] + u.loc["D29-D39"], u.loc["GVA"])


def test_sut_names_group_headings_and_footnotes(sut: pd.DataFrame) -> None:
    final = sut[sut["table"] == "final_demand"].drop_duplicates("col_code").set_index("col_code")["col_name"]
    assert final["P3 S14"] == "Final consumption expenditure: Households"
    assert final["P5"] == "Gross capital formation: Total"  # heading 'Gross capital formation1' loses its footnote
    assert final["P3 S15"] == "Final consumption expenditure: Non-profit institutions serving households"
    assert final["TU"] == "Total demand for products"
    rows_2020 = sut[(sut["table"] == "intermediate_consumption") & (sut["year"] == 2020)]
    names = rows_2020.drop_duplicates("row_code").set_index("row_code")["row_name"]
    assert names["D29-D39"] == "Taxes less subsidies on production"  # 'production1' in the 2020 sheet
    assert names["CPA_A01"] == "Products of agriculture, hunting and related services"


@pytest.mark.parametrize(
    ("sheet", "cell", "value", "message"),
    [
        (
            "Table 1 - Supply 1997",
            "G3",
            "Imports of everything",
            r"sheet 'Table 1 - Supply 1997' cell G3: unknown column heading 'Imports of every",
        ),
        (
            "Table 2 - Int Con 2020",
            "B11",
            "Mystery row",
            r"'Table 2 - Int Con 2020' cell B11: row 'Mystery row' has no code",
        ),
        ("Table 2 - Final Demand 1997", "C6", "n/a", r"'Table 2 - Final Demand 1997' cell C6: expected a number"),
    ],
)
def test_sut_unknown_heading_and_row(tmp_path: Path, sheet: str, cell: str, value: object, message: str) -> None:
    with pytest.raises(DataValidationError, match=message):
        read_supply_use(edited_copy(tmp_path, SUT_MINI, sheet, cell, value))


def test_sut_no_table_sheets(tmp_path: Path) -> None:
    with pytest.raises(DataValidationError, match=r"no sheets named 'Table 1 - Supply YYYY'"):
        read_supply_use(IOAT_MINI)
    with pytest.raises(DataValidationError, match=r"no supply table for 2005; years available: \[1997, 2020\]"):
        supply_use_table(read_supply_use(SUT_MINI), "supply", 2005)


# --------------------------------------------------------------------------- lookups


def test_bres_ioat_lookup() -> None:
    lookup = read_bres_ioat_lookup(HERE / "bres_ioat_lookup_mini.csv")
    assert list(lookup.columns) == ["sic_code", "sic_level", "ioat_code", "ioat_name"]
    row = lookup.set_index("sic_code")
    assert row.loc["01", "ioat_code"] == "A01"  # leading zero kept
    assert row.loc["41", "ioat_code"] == "F41, F42  & F43"
    assert row.loc["101", "sic_level"] == "group"
    assert row.loc["1101", "sic_level"] == "class"
    assert row.loc["07", "sic_level"] == "division"
    assert pd.isna(row.loc["L68A", "sic_level"])
    # The published names end in a non-breaking space; it is stripped.
    assert row.loc["01", "ioat_name"] == "Crop And Animal Production, Hunting And Related Service Activities"
    assert row.loc["12", "ioat_name"] == "Manufacture of alcoholic beverages & Tobacco Products"


def test_sic_to_ioat_longest_prefix() -> None:
    lookup = read_bres_ioat_lookup(HERE / "bres_ioat_lookup_mini.csv")
    mapped = sic_to_ioat(pd.Series(["01130", "07100", "10110", "11070", "11010", "12000", "10"]), lookup)
    assert mapped.tolist()[:6] == ["A01", "B06 & B07", "C101", "C1107", "C1101T1106 & C12", "C1101T1106 & C12"]
    assert pd.isna(mapped.iloc[6])  # division 10 is split across IOAT industries


def test_bres_ioat_lookup_errors(tmp_path: Path) -> None:
    text = (HERE / "bres_ioat_lookup_mini.csv").read_text(encoding="utf-8")
    duplicated = tmp_path / "dup.csv"
    duplicated.write_text(text + "01,A02,Forestry\n", encoding="utf-8")
    with pytest.raises(DataValidationError, match=r"dup\.csv, row 10, column 'bres_industry', code '01': SIC code"):
        read_bres_ioat_lookup(duplicated)
    wrong = tmp_path / "wrong.csv"
    wrong.write_text(text.replace("iaot_industry_code", "ioat"), encoding="utf-8")
    with pytest.raises(DataValidationError, match=r"wrong\.csv: missing column\(s\) \['iaot_industry_code'\]"):
        read_bres_ioat_lookup(wrong)


def test_ioat_industries_csv() -> None:
    industries = read_ioat_industries(HERE / "sic_industry_lookup_mini.csv")
    assert industries["ioat_code"].tolist() == ["A01", "A02", "A03", "B05", "B06 & B07"]
    assert industries["ioat_name"].iloc[4] == "Extraction Of Crude Petroleum And Natural Gas & Mining Of Metal Ores"


# --------------------------------------------------------------------------- package data and the real workbooks


def test_package_ioat2019_rebuilds_the_matrices() -> None:
    path = DATA / "ioat2019.parquet"
    if not path.exists():
        pytest.skip("package data not built")
    tables = ioat_from_long(pd.read_parquet(path))
    assert tables.domestic_use.shape == (105, 105)
    assert tables.domestic_use.loc["A01", "C101"] == 4278.547183904037
    # Published identity: the column sums of Z are the row _T (to float precision), and total use = output.
    assert np.allclose(tables.domestic_use.sum(axis=0), tables.primary_inputs.loc["_T", tables.industries], atol=1e-6)
    assert np.allclose(tables.totals["TU"], tables.output)
    assert tables.primary_inputs.loc["P1", "_T"] == 3824433  # UK total output 2019, £ million


def test_real_ioat_workbook(shared_data: Path) -> None:
    tables = read_ioat(shared_data / "uk/io/ukioat2019_industry_by_industry.xlsx")
    z, p = tables.domestic_use, tables.primary_inputs
    assert z.shape == (105, 105)
    assert tables.industries[0] == "A01" and tables.industries[-1] == "T97"
    assert np.allclose(z.sum(axis=0), p.loc["_T", tables.industries], atol=1e-6)
    assert np.allclose(z.sum(axis=0) + p.loc[["P7", "D21-D31", "GVA"], tables.industries].sum(), tables.output)
    assert np.allclose(z.sum(axis=1) + tables.total_final_demand, tables.totals["TU"], atol=1e-6)
    assert tables.coefficients is not None
    with np.errstate(divide="ignore", invalid="ignore"):
        expected = np.nan_to_num(z.to_numpy() / tables.output.to_numpy())
    assert np.allclose(tables.coefficients.to_numpy(), expected, rtol=1e-12, atol=1e-15)
    assert p.loc["GVA", "_T"] == 2000157  # IOT!DD119
    industries = read_ioat_industries(shared_data / "uk/io/sic_industry_lookup.csv")
    assert industries["ioat_code"].tolist() == list(tables.industries)
    lookup = read_bres_ioat_lookup(shared_data / "uk/io/bres_ioat_lookup.csv")
    assert len(lookup) == 153 and set(lookup["ioat_code"]) == set(tables.industries)
