"""A US run's workbook names its metro beside the CBSA code on every sheet of the focus region."""

from __future__ import annotations

from pathlib import Path

import openpyxl
import pytest

from clusterplan import Warehouse, profile_region
from clusterplan.report import write_run_outputs


@pytest.fixture(scope="module")
def adrian_book(warehouse: Warehouse, tmp_path_factory: pytest.TempPathFactory) -> openpyxl.Workbook:
    out: Path = tmp_path_factory.mktemp("adrian")
    write_run_outputs(profile_region(warehouse, region="Adrian"), out)
    return openpyxl.load_workbook(out / "workbook.xlsx", read_only=True)


@pytest.mark.parametrize("sheet", ["Clusters", "Trend"])
def test_region_name_is_next_to_the_cbsa_code(adrian_book: openpyxl.Workbook, sheet: str) -> None:
    header, *body = [list(r) for r in adrian_book[sheet].iter_rows(values_only=True)]
    code = header.index("Region code")
    assert header[code + 1] == "Region name"
    assert {(row[code], row[code + 1]) for row in body} == {("10300", "Adrian, MI")}


def test_all_areas_sheet_names_every_cbsa(adrian_book: openpyxl.Workbook) -> None:
    header, *body = [list(r) for r in adrian_book["All areas"].iter_rows(values_only=True)]
    assert header[:2] == ["Area code", "Area name"]
    names = {row[0]: row[1] for row in body}
    assert len(names) == 933 and all(names.values())
    assert names["19820"] == "Detroit-Warren-Dearborn, MI" and names["10300"] == "Adrian, MI"
