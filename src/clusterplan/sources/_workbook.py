"""Reading published ``.xlsx`` matrix workbooks (BEA and ONS input-output tables) cell by cell.

Shared by :mod:`clusterplan.sources.bea_io` and :mod:`clusterplan.sources.ons_io`: opening a
workbook, a worksheet as a 1-based grid whose errors name the sheet and cell, the text
clean-up both publishers need, and the long form <-> published grid conversions.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from .._exceptions import DataValidationError

__all__ = [
    "HEADER_SEARCH_ROWS",
    "Sheet",
    "cell_ref",
    "clean_code",
    "clean_text",
    "find_header_row",
    "long_frame",
    "open_workbook",
    "published_grid",
]

#: Header rows are looked for within the first rows of a sheet only.
HEADER_SEARCH_ROWS = 15


def clean_text(value: Any) -> str:
    """Published text with whitespace (incl. non-breaking spaces, line breaks) collapsed."""
    if value is None:
        return ""
    return " ".join(str(value).replace("\xa0", " ").split())


def clean_code(value: Any) -> str:
    """A published code, exactly, less surrounding whitespace (inner spaces are part of some codes)."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).replace("\xa0", " ").strip()


def cell_ref(row: int, col: int) -> str:
    """Excel reference of a 1-based (row, column), e.g. (4, 3) -> ``'C4'``."""
    letters = ""
    while col:
        col, rest = divmod(col - 1, 26)
        letters = chr(65 + rest) + letters
    return f"{letters}{row}"


class Sheet:
    """A worksheet's values as a 1-based grid (read once; openpyxl read-only mode streams rows)."""

    def __init__(self, name: str, rows: list[tuple[Any, ...]], label: str) -> None:
        self.name = name
        self.rows = rows
        self.label = label
        self.n_rows = len(rows)
        self.n_cols = max((len(r) for r in rows), default=0)

    @classmethod
    def from_workbook(cls, workbook: Any, name: str, label: str) -> Sheet:
        """Sheet *name* of an open workbook; *label* names the file in error messages."""
        return cls(name, list(workbook[name].iter_rows(values_only=True)), label)

    def get(self, row: int, col: int) -> Any:
        if row < 1 or row > self.n_rows:
            return None
        values = self.rows[row - 1]
        return values[col - 1] if 1 <= col <= len(values) else None

    def text(self, row: int, col: int) -> str:
        return clean_text(self.get(row, col))

    def error(self, problem: str, row: int | None = None, col: int | None = None, **kw: Any) -> DataValidationError:
        """The error for *problem* at a cell (row and column), a row (no column) or the sheet (no row)."""
        where = f"sheet {self.name!r}"
        if row is not None:
            where += f" cell {cell_ref(row, col)}" if col is not None else f" row {row}"
        return DataValidationError(f"{where}: {problem}", file=self.label, **kw)

    def number(self, row: int, col: int, *, blank: float | None = None) -> float:
        """The number at (row, col); an empty cell gives *blank* (an error when *blank* is None)."""
        value = self.get(row, col)
        if isinstance(value, bool):
            raise self.error(f"expected a number, found {value!r}", row, col)
        if isinstance(value, int | float):
            return float(value)
        if value is None or (isinstance(value, str) and not value.strip()):
            if blank is None:
                raise self.error("empty cell where a number is expected", row, col)
            return blank
        raise self.error(f"expected a number, found {value!r}", row, col, hint="the table must hold numbers only")


def open_workbook(path: str | Path, label: str) -> Any:
    """An openpyxl workbook in read-only mode (cached values, not formulas); close it when done."""
    # Imported here: only an import of a published workbook needs it, and it costs every command 0.12 s.
    import openpyxl

    try:
        return openpyxl.load_workbook(path, read_only=True, data_only=True)
    except FileNotFoundError:
        raise DataValidationError("file not found", file=label) from None
    except Exception as exc:  # openpyxl raises several types for a file that is not an xlsx workbook
        raise DataValidationError(
            f"not a readable .xlsx workbook ({exc.__class__.__name__}: {exc})", file=label
        ) from None


def find_header_row(sheet: Sheet, col: int, text: str, *, hint: str) -> int:
    """The first row (within :data:`HEADER_SEARCH_ROWS`) whose cell in column *col* reads *text*, ignoring case."""
    for row in range(1, min(sheet.n_rows, HEADER_SEARCH_ROWS) + 1):
        if sheet.text(row, col).lower() == text.lower():
            return row
    raise sheet.error(
        f"no header row with {text!r} in column {cell_ref(1, col)[:-1]} within rows 1-{HEADER_SEARCH_ROWS}",
        hint=hint,
    )


def long_frame(records: list[tuple[str, str, str, str, float]], table: str, year: int) -> pd.DataFrame:
    """Long form (``table, year, row_code, row_name, col_code, col_name, value``) of one sheet's cells."""
    out = pd.DataFrame.from_records(records, columns=["row_code", "row_name", "col_code", "col_name", "value"])
    out.insert(0, "year", year)
    out.insert(0, "table", table)
    return out


def published_grid(long: pd.DataFrame) -> tuple[np.ndarray, pd.Index, pd.Index]:
    """Values, row codes and column codes of a long table's grid, codes in order of first appearance.

    Cells the long table does not hold are NaN.
    """
    row_codes = pd.Index(long["row_code"].astype(object))
    col_codes = pd.Index(long["col_code"].astype(object))
    rows, cols = row_codes.unique(), col_codes.unique()
    grid = np.full((len(rows), len(cols)), np.nan)
    grid[rows.get_indexer(row_codes), cols.get_indexer(col_codes)] = long["value"].to_numpy(dtype=float)
    return grid, rows, cols
