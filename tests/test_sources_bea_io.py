"""BEA use and total-requirements tables: readers, long form, loaders.

Fixtures (tests/fixtures/bea_io, written by make_fixtures.py from the real workbooks) keep the real layout, BEA's
'...' cells and 'Selected' subtotals, for a few commodities and industries; golden values were read by hand.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from _util import FIXTURES, ROOT
from _workbooks import edited_copy
from clusterplan._exceptions import DataValidationError
from clusterplan.sources.bea_io import (
    bea_matrix,
    read_total_requirements_summary,
    read_use_detail,
    read_use_summary,
    total_requirements_from_long,
    use_table_from_long,
)

HERE = FIXTURES / "bea_io"
USE_MINI = HERE / "use_summary_mini.xlsx"
DETAIL_MINI = HERE / "use_detail_mini.xlsx"
TR_MINI = HERE / "tr_summary_mini.xlsx"
DATA = ROOT / "src" / "clusterplan" / "data"
FINAL_USES = ["F010", "F02S", "F02E", "F02N", "F02R", "F030", "F040", "F050", "F06C", "F06S", "F06E", "F06N"]
FINAL_USES += ["F07C", "F07S", "F07E", "F07N", "F10C", "F10S", "F10E", "F10N"]


@pytest.fixture(scope="module")
def use() -> pd.DataFrame:
    return read_use_summary(USE_MINI)


def test_use_summary_layout(use: pd.DataFrame) -> None:
    assert list(use.columns) == ["table", "year", "row_code", "row_name", "col_code", "col_name", "value"]
    assert set(use["table"]) == {"use"}
    assert sorted(set(use["year"])) == [1997, 2015]
    grid = bea_matrix(use, 2015)
    commodities = ["111CA", "211", "HS", "GFGD", "Used", "Other"]
    assert list(grid.index) == [*commodities, "T005", "V001", "V002", "V003", "T006", "T008"]
    assert list(grid.columns) == ["111CA", "211", "HS", "GFGD", "T001", *FINAL_USES, "T004", "T007"]
    # 'Sum of ... Selected' / 'Not Selected' rows and columns are dropped.
    assert not use["row_name"].str.contains("Selected").any()
    assert not use["col_name"].str.contains("Selected").any()
    assert use.attrs["release"] == "November 3, 2016"


def test_use_summary_hand_picked_cells(use: pd.DataFrame) -> None:
    grid = bea_matrix(use, 2015)
    assert grid.loc["111CA", "111CA"] == 71080  # sheet 2015, C8
    assert grid.loc["111CA", "211"] == 0  # '...' (zero, not shown)
    assert grid.loc["Used", "111CA"] == -42
    assert grid.loc["111CA", "F050"] == -37404  # imports are negative
    assert grid.loc["T008", "111CA"] == 392452
    assert grid.loc["T005", "T001"] == 13360374  # total x total cells that are published are kept
    assert grid.loc["T006", "T004"] == 18036648  # GDP 2015, millions of dollars
    assert np.isnan(grid.loc["T005", "T004"])  # '...' in a total x total cell: left out
    # 1997 codes carry non-breaking spaces in the sheet ('\xa0111CA'); they are cleaned.
    assert bea_matrix(use, 1997).index[0] == "111CA"
    names = use[use["year"] == 2015].drop_duplicates("col_code").set_index("col_code")["col_name"]
    assert names["T001"] == "Total Intermediate" and names["HS"] == "Housing"


def test_use_summary_totals_equal_sum_of_parts(use: pd.DataFrame) -> None:
    for year in (1997, 2015):
        table = use_table_from_long(use, year)
        assert list(table.final_demand.columns) == FINAL_USES
        assert list(table.value_added.index) == ["V001", "V002", "V003"]
        # Within one column or row the published totals add up (to BEA's rounding of 1).
        assert np.allclose(table.value_added.sum(axis=0), table.total_value_added, atol=1)
        assert np.allclose(table.total_intermediate_inputs + table.total_value_added, table.industry_output, atol=1)
        assert np.allclose(table.final_demand.sum(axis=1), table.total_final_uses, atol=2)
        assert np.allclose(table.total_intermediate_use + table.total_final_uses, table.commodity_output, atol=1)
    table = use_table_from_long(use, 2015)
    assert table.industry_output["211"] == 255415
    assert table.row_names["Other"] == "Noncomparable imports and rest-of-the-world adjustment [1]"


def test_use_detail(tmp_path: Path) -> None:
    detail = read_use_detail(DETAIL_MINI)
    assert sorted(set(detail["year"])) == [2007]
    grid = bea_matrix(detail, 2007)
    # Codes stored as numbers in the sheet (111200, 491000) are read as text.
    assert list(grid.index[:4]) == ["1111A0", "111200", "S00500", "491000"]
    assert grid.loc["1111A0", "1111A0"] == 2358
    assert grid.loc["111200", "F01000"] == 16407
    assert grid.loc["S00500", "F06C00"] == 526072
    assert grid.loc["T006", "T004"] == 14477634  # GDP 2007
    table = use_table_from_long(detail, 2007)
    assert list(table.value_added.index) == ["V00100", "V00200", "V00300"]
    assert table.industry_output["S00500"] == 547984
    assert np.allclose(table.value_added.sum(axis=0), table.total_value_added, atol=1)
    assert detail.attrs["release"] == "November 13, 2014"


def test_total_requirements() -> None:
    tr = read_total_requirements_summary(TR_MINI)
    assert set(tr["table"]) == {"total_requirements"}
    grid = bea_matrix(tr, 1997)
    assert list(grid.index) == ["111CA", "211", "HS", "GFGD", "_T"]
    assert list(grid.columns) == ["111CA", "211", "HS", "GFGD", "Used", "Other"]
    assert grid.loc["111CA", "111CA"] == 1.21641
    assert grid.loc["_T", "Other"] == 1.4529777
    matrix = total_requirements_from_long(tr, 2015)
    assert "_T" not in matrix.index
    assert matrix.loc["111CA", "111CA"] == 1.26893  # sheet 2015, C8


def test_long_round_trip_through_parquet(use: pd.DataFrame, tmp_path: Path) -> None:
    path = tmp_path / "use.parquet"
    use.astype({"year": "int16"}).to_parquet(path)
    back = pd.read_parquet(path)
    pd.testing.assert_frame_equal(bea_matrix(back, 2015), bea_matrix(use, 2015))
    a, b = use_table_from_long(back, 1997), use_table_from_long(use, 1997)
    pd.testing.assert_frame_equal(a.intermediate_use, b.intermediate_use)
    pd.testing.assert_series_equal(a.commodity_output, b.commodity_output)


@pytest.mark.parametrize(
    ("sheet", "cell", "value", "message"),
    [
        ("2015", "D9", "n/a", r"sheet '2015' cell D9: expected a number or '\.\.\.', found 'n/a'"),
        ("1997", "A7", "Code", r"sheet '1997': no header row with 'IOCode' in column A"),
        ("2015", "B16", "Grand total", r"sheet '2015' cell A16: row 'Grand total' has no code"),
        ("2015", "D6", "111CA", r"sheet '2015' cell D6: column code '111CA' appears twice"),
    ],
)
def test_bad_cells_and_layout(tmp_path: Path, sheet: str, cell: str, value: object, message: str) -> None:
    with pytest.raises(DataValidationError, match=message):
        read_use_summary(edited_copy(tmp_path, USE_MINI, sheet, cell, value))


def test_not_a_bea_workbook_and_missing_year() -> None:
    with pytest.raises(DataValidationError, match=r"no sheets named by year"):
        read_use_summary(FIXTURES / "ons_io" / "ioat_mini.xlsx")
    with pytest.raises(DataValidationError, match=r"no use table for 2001; years available: \[1997, 2015\]"):
        bea_matrix(read_use_summary(USE_MINI), 2001, "use")


def test_package_data_loads() -> None:
    path = DATA / "bea_use_summary.parquet"
    if not path.exists():
        pytest.skip("package data not built")
    table = use_table_from_long(pd.read_parquet(path), 2015)
    assert table.intermediate_use.shape == (73, 71)
    assert table.final_demand.shape == (73, 20)
    # Published: industry totals equal the sum of the 73 commodity rows (BEA rounding: a few million).
    assert np.allclose(table.intermediate_use.sum(axis=0), table.total_intermediate_inputs, atol=10)


def test_real_workbooks(shared_data: Path) -> None:
    folder = shared_data / "us/bea_io"
    use = read_use_summary(folder / "IOUse_Before_Redefinitions_PRO_1997-2015_Summary.xlsx")
    assert sorted(set(use["year"])) == list(range(1997, 2016))
    for year in (1997, 2007, 2015):
        table = use_table_from_long(use, year)
        assert table.intermediate_use.shape == (73, 71)
        assert np.allclose(table.intermediate_use.sum(axis=1), table.total_intermediate_use, atol=10)
        assert np.allclose(table.intermediate_use.sum(axis=0), table.total_intermediate_inputs, atol=10)
        gdp = bea_matrix(use, year).loc["T006", "T004"]
        assert gdp == pytest.approx(table.total_value_added.sum(), abs=10)
    tr = read_total_requirements_summary(folder / "IxC_TR_1997-2015_Summary.xlsx")
    grid = bea_matrix(tr, 2015)
    assert grid.shape == (72, 73)
    assert np.allclose(grid.drop(index="_T").sum(axis=0), grid.loc["_T"], atol=1e-4)
