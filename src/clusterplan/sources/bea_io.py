"""US Bureau of Economic Analysis input-output tables (use, total requirements).

Readers for three BEA Industry Economic Accounts workbooks (as released in
2014 and 2016), and loaders that turn the tidy long tables built from them (the
package datasets ``bea_use_summary``, ``bea_use_detail_2007`` and
``bea_total_requirements_summary``) back into labelled matrices.

Layouts read (any departure raises :class:`DataValidationError` naming the
sheet and cell):

``IOUse_Before_Redefinitions_PRO_1997-2015_Summary.xlsx``
    The use of commodities by industries before redefinitions, producers'
    prices, millions of dollars; one sheet per year (``1997`` … ``2015``).
    Column codes in the row above the one whose column A reads ``IOCode``
    (row 6), column names in the ``IOCode`` row (row 7), data from the next
    row: commodity code in column A, name in column B. 73 commodity rows (71
    industries' commodities plus ``Used`` scrap and ``Other`` noncomparable
    imports), then total intermediate, value added (``V001`` compensation,
    ``V002`` taxes less subsidies, ``V003`` gross operating surplus) and total
    industry output; 71 industry columns, total intermediate, 20 final-use
    columns (``F010`` … ``F10N``), total final uses (GDP), total commodity
    output.
``IOUse_Before_Redefinitions_PRO_2007_Detail.xlsx``
    The same table for 2007 at the detail level (about 389 commodities x 389
    industries); codes in the row whose column A reads ``Code`` (row 6), names
    in the row above it. Some codes are stored as numbers in the sheet
    (``111200``) and are read as text. The copy in the shared data has four
    commodity rows deleted by its upstream repository (see its
    ``README_inmap.md``).
``IxC_TR_1997-2015_Summary.xlsx``
    Industry-by-commodity total requirements (after redefinitions, producers'
    prices); one sheet per year; layout as the summary use table. 71 industry
    rows x 73 commodity columns and the total row ``Total Industry Output
    Requirement``.

Totals the summary sheets print without a code get the codes BEA uses for
them in the detail table and in later releases: columns ``T001`` total
intermediate, ``T004`` total final uses (GDP), ``T007`` total commodity output;
rows ``T005`` total intermediate, ``T006`` total value added, ``T008`` total
industry output; the total-requirements total row gets ``_T``. The summary
sheets' ``Sum of … Selected`` / ``… Not Selected`` rows and columns (left from
BEA's interactive tables: "selected" repeats the total, "not selected" is
zero) are dropped. BEA notes that "selected data with zero values are not
shown": cells printed ``...`` or left empty are stored as 0, except where both
row and column are totals (not applicable), which are left out.

Names are as published with whitespace (including non-breaking spaces)
collapsed; names differ slightly between years (``Housing`` / ``Housing
Services``) and are kept per year. Values are as published.

The long form has the columns ``table, year, row_code, row_name, col_code,
col_name, value`` with rows in published (row-major) order, which the loaders
use to restore row and column order (so read it without re-sorting).

References
----------
US Bureau of Economic Analysis, Industry Economic Accounts: input-output
accounts, use tables before redefinitions (producers' prices) 1997-2015 and
2007 detail; industry-by-commodity total requirements 1997-2015. Not copyrighted.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from .._exceptions import DataValidationError
from ._workbook import Sheet, clean_code, clean_text, find_header_row, long_frame, open_workbook, published_grid

__all__ = [
    "BEA_TOTAL_COLUMN_CODES",
    "BEA_TOTAL_ROW_CODES",
    "LONG_COLUMNS",
    "BEAUseTable",
    "bea_matrix",
    "naics_prefixes",
    "read_naics_concordance",
    "read_total_requirements_summary",
    "read_use_detail",
    "read_use_summary",
    "total_requirements_from_long",
    "use_table_from_long",
]

#: Columns of the tidy long form.
LONG_COLUMNS = ["table", "year", "row_code", "row_name", "col_code", "col_name", "value"]

#: Total columns printed without a code (lower-case name) -> BEA code.
BEA_TOTAL_COLUMN_CODES = {
    "total intermediate": "T001",
    "total final uses (gdp)": "T004",
    "total commodity output": "T007",
}

#: Total rows printed without a code (lower-case name) -> code.
BEA_TOTAL_ROW_CODES = {
    "total intermediate": "T005",
    "total value added": "T006",
    "total industry output": "T008",
    "total industry output requirement": "_T",
}

_TOTAL_CODES = {"T001", "T004", "T007", "T005", "T006", "T008", "_T"}
_NOT_SHOWN = "..."
_LAYOUT_HINT = "the layout is not the BEA one this reader expects; see clusterplan.sources.bea_io"


def _is_selection_subtotal(name: str) -> bool:
    """BEA interactive-table artefacts: 'Sum of Intermediate Selected', 'Intermediate Not Selected'."""
    lower = name.lower()
    return lower.endswith(" selected") and (lower.startswith("sum of ") or lower.endswith(" not selected"))


def _read_grid(grid: Sheet, table: str, year: int, *, code_row: int, name_row: int, first: int) -> pd.DataFrame:
    """Long form of one BEA matrix sheet."""
    columns: list[tuple[int, str, str]] = []
    for col in range(3, grid.n_cols + 1):
        code, name = clean_code(grid.get(code_row, col)), clean_text(grid.get(name_row, col))
        if not code:
            if not name or _is_selection_subtotal(name):
                continue
            code = BEA_TOTAL_COLUMN_CODES.get(name.lower(), "")
            if not code:
                raise grid.error(f"column {name!r} has no code and is not a known total", code_row, col)
        columns.append((col, code, name))
    if not columns:
        raise grid.error("no column codes in the header row", code_row, 3)
    codes = [c for _, c, _ in columns]
    if len(set(codes)) != len(codes):
        second = next(i for i, c in enumerate(codes) if c in codes[:i])
        raise grid.error(f"column code {codes[second]!r} appears twice", code_row, columns[second][0])

    records: list[tuple[str, str, str, str, float]] = []
    seen_rows: set[str] = set()
    for row in range(first, grid.n_rows + 1):
        code, name = clean_code(grid.get(row, 1)), clean_text(grid.get(row, 2))
        if not code and not name:
            break
        if not name:
            break  # 'Legend / Footnotes:' and the notes below the table
        if not code:
            if _is_selection_subtotal(name):
                continue
            code = BEA_TOTAL_ROW_CODES.get(name.lower(), "")
            if not code:
                raise grid.error(f"row {name!r} has no code and is not a known total", row, 1)
        if code in seen_rows:
            raise grid.error(f"row code {code!r} appears twice", row, 1)
        seen_rows.add(code)
        for col, col_code, col_name in columns:
            value = grid.get(row, col)
            if isinstance(value, bool):
                raise grid.error(f"expected a number, found {value!r}", row, col)
            if isinstance(value, int | float):
                records.append((code, name, col_code, col_name, float(value)))
                continue
            if value is None or (isinstance(value, str) and value.strip() in ("", _NOT_SHOWN)):
                if code in _TOTAL_CODES and col_code in _TOTAL_CODES:
                    continue  # total x total: not applicable
                records.append((code, name, col_code, col_name, 0.0))
                continue
            raise grid.error(f"expected a number or '...', found {value!r}", row, col, code=code)
    if not records:
        raise grid.error("no data rows below the header", first, 1)
    return long_frame(records, table, year)


def _release(workbook: Any) -> str:
    """'released on November 3, 2016' from the ReadMe sheet, as ``'November 3, 2016'``."""
    if "ReadMe" not in workbook.sheetnames:
        return ""
    for row in workbook["ReadMe"].iter_rows(values_only=True):
        for value in row:
            match = re.search(r"released on ([A-Z][a-z]+ \d{1,2}, \d{4})", clean_text(value))
            if match:
                return match.group(1)
    return ""


def _read_year_sheets(path: str | Path, label: str | None, table: str, header: str) -> pd.DataFrame:
    label = label or str(path)
    workbook = open_workbook(path, label)
    try:
        years = [name for name in workbook.sheetnames if re.fullmatch(r"\d{4}", name.strip())]
        if not years:
            raise DataValidationError(
                "no sheets named by year (1997 … 2015)",
                file=label,
                hint=f"found {', '.join(map(repr, workbook.sheetnames))}",
            )
        parts = []
        for name in years:
            grid = Sheet.from_workbook(workbook, name, label)
            row = find_header_row(grid, 1, header, hint=_LAYOUT_HINT)
            if header == "IOCode":
                parts.append(_read_grid(grid, table, int(name), code_row=row - 1, name_row=row, first=row + 1))
            else:
                parts.append(_read_grid(grid, table, int(name), code_row=row, name_row=row - 1, first=row + 1))
        release = _release(workbook)
    finally:
        workbook.close()
    out = pd.concat(parts, ignore_index=True)
    out.attrs["release"] = release
    return out


def read_use_summary(path: str | Path, *, file_label: str | None = None) -> pd.DataFrame:
    """Read the BEA summary use tables (before redefinitions, producers' prices), every year.

    Parameters
    ----------
    path
        ``IOUse_Before_Redefinitions_PRO_1997-2015_Summary.xlsx``.
    file_label
        Name used in error messages (defaults to the path).

    Returns
    -------
    pandas.DataFrame
        :data:`LONG_COLUMNS` with ``table == "use"``, millions of dollars;
        rows are commodities (then totals and value added), columns industries
        (then totals and final uses). ``attrs['release']`` is BEA's release date.

    Raises
    ------
    DataValidationError
        No year sheets, a header not where expected, an uncoded row or column
        that is not a known total, or a cell that is neither a number nor ``...``.
    """
    return _read_year_sheets(path, file_label, "use", "IOCode")


def read_use_detail(path: str | Path, *, file_label: str | None = None) -> pd.DataFrame:
    """Read the BEA detail use table for 2007 (before redefinitions, producers' prices).

    Same output as :func:`read_use_summary` (``table == "use"``, year 2007).
    """
    return _read_year_sheets(path, file_label, "use", "Code")


def read_total_requirements_summary(path: str | Path, *, file_label: str | None = None) -> pd.DataFrame:
    """Read the BEA summary industry-by-commodity total requirements tables, every year.

    Returns
    -------
    pandas.DataFrame
        :data:`LONG_COLUMNS` with ``table == "total_requirements"``: rows are
        industries plus the total row ``_T``, columns commodities; values are
        dollars of industry output required per dollar of commodity delivered
        to final users.
    """
    return _read_year_sheets(path, file_label, "total_requirements", "IOCode")


def naics_prefixes(text: object) -> list[str]:
    """The NAICS codes of one cell of BEA's "Related 2007 NAICS Codes" column.

    Items are separated by commas; ``start-end`` is a range whose end replaces the last digits of the start
    (``332111-2`` is 332111 and 332112, ``442-4`` is 442 to 444); numbers stored as numbers are read as text.

    Examples
    --------
    >>> naics_prefixes("11113-6, 11119")
    ['11113', '11114', '11115', '11116', '11119']
    >>> naics_prefixes(1112), naics_prefixes("442-4, 451")
    (['1112'], ['442', '443', '444', '451'])
    """
    if text is None:
        return []
    out: list[str] = []
    for item in (part.strip() for part in clean_text(text).replace("*", "").split(",")):
        if not item:
            continue
        match = re.fullmatch(r"(\d+)(?:-(\d+))?", item)
        if match is None:
            raise DataValidationError(f"NAICS code item {item!r} is neither a code nor a range like 332111-2")
        start, end = match.groups()
        if end is None:
            out.append(start)
            continue
        stem, first = start[: -len(end)], int(start[-len(end) :])
        if int(end) < first:
            raise DataValidationError(f"NAICS range {item!r} ends before it starts")
        out += [f"{stem}{n:0{len(end)}d}" for n in range(first, int(end) + 1)]
    return out


def read_naics_concordance(path: str | Path, *, file_label: str | None = None) -> pd.DataFrame:
    """Read the "NAICS codes" sheet of a BEA use-table workbook: each detail industry and its 2007 NAICS codes.

    Parameters
    ----------
    path
        ``IOUse_Before_Redefinitions_PRO_2007_Detail.xlsx`` (or a summary workbook, which has the same sheet).
    file_label
        Name used in error messages.

    Returns
    -------
    pandas.DataFrame
        ``bea_code, bea_name, naics_code``: one row per detail industry and NAICS code (2 to 6 digits) it covers,
        in published order; industries without NAICS codes (government, owner-occupied housing) have none.

    Raises
    ------
    DataValidationError
        No "NAICS codes" sheet, no "Related 2007 NAICS Codes" header, or a code item that cannot be read.
    """
    label = file_label or str(path)
    workbook = open_workbook(path, label)
    try:
        if "NAICS codes" not in workbook.sheetnames:
            raise DataValidationError("no 'NAICS codes' sheet", file=label, hint=_LAYOUT_HINT)
        rows = list(workbook["NAICS codes"].iter_rows(values_only=True))
    finally:
        workbook.close()
    header = next(
        (i for i, row in enumerate(rows) if any(clean_text(v).startswith("Related 2007 NAICS") for v in row)), None
    )
    if header is None:
        raise DataValidationError("no 'Related 2007 NAICS Codes' header in the NAICS codes sheet", file=label)
    column = next(j for j, v in enumerate(rows[header]) if clean_text(v).startswith("Related 2007 NAICS"))
    records = []
    for number, row in enumerate(rows[header + 1 :], start=header + 2):
        # Detail industries sit in the third column (the first two hold sectors and summary industries).
        if len(row) <= column or row[2] is None or row[column] is None:
            continue
        code, name = clean_code(row[2]), clean_text(row[3])
        if not re.fullmatch(r"\d[0-9A-Z]{5}", code):
            continue
        try:
            prefixes = naics_prefixes(row[column])
        except DataValidationError as error:
            raise DataValidationError(str(error), file=label, row=number, code=code) from None
        records += [(code, name, prefix) for prefix in prefixes]
    if not records:
        raise DataValidationError("no detail industries with NAICS codes in the NAICS codes sheet", file=label)
    return pd.DataFrame(records, columns=["bea_code", "bea_name", "naics_code"])


# --------------------------------------------------------------------------- loaders


def bea_matrix(df: pd.DataFrame, year: int, table: str | None = None) -> pd.DataFrame:
    """One year of a long BEA table as the published grid (rows and columns in published order).

    Parameters
    ----------
    df
        Long table (:data:`LONG_COLUMNS`), rows in published order.
    year
        The year.
    table
        ``"use"`` or ``"total_requirements"``; needed only when *df* holds both.

    Returns
    -------
    pandas.DataFrame
        Codes as index and columns; NaN where nothing is published.

    Examples
    --------
    Use of two commodities by two industries, 2015 (millions of dollars):

    >>> long = pd.DataFrame({
    ...     "table": "use", "year": 2015,
    ...     "row_code": ["111CA", "111CA", "113FF", "113FF"],
    ...     "row_name": ["Farms"] * 2 + ["Forestry, fishing, and related activities"] * 2,
    ...     "col_code": ["111CA", "113FF"] * 2,
    ...     "col_name": ["Farms", "Forestry, fishing, and related activities"] * 2,
    ...     "value": [71080.0, 676.0, 25769.0, 6404.0]})
    >>> bea_matrix(long, 2015)
             111CA   113FF
    111CA  71080.0   676.0
    113FF  25769.0  6404.0
    """
    mask = df["year"].to_numpy() == year
    if table is not None:
        mask &= (df["table"].astype(str) == table).to_numpy()
    sub = df[mask]
    if sub.empty:
        raise DataValidationError(
            f"no {table or 'BEA'} table for {year}; years available: {sorted(set(df['year'].astype(int)))}",
            column="year",
        )
    grid, rows, cols = published_grid(sub)
    return pd.DataFrame(grid, index=pd.Index(list(rows), dtype=object), columns=pd.Index(list(cols), dtype=object))


@dataclass
class BEAUseTable:
    """A BEA use table split into its blocks (millions of dollars).

    Attributes
    ----------
    intermediate_use
        Commodities x industries.
    final_demand
        Commodities x final-use codes (``F010`` personal consumption … ; ``F050``
        imports is negative).
    value_added
        Value-added rows (``V001`` …) x industries.
    total_intermediate_use, total_final_uses, commodity_output
        Published commodity totals (``T001``, ``T004``, ``T007``).
    total_intermediate_inputs, total_value_added, industry_output
        Published industry totals (``T005``, ``T006``, ``T008``).
    row_names, column_names
        Published names of the codes.
    year
        The year.
    """

    intermediate_use: pd.DataFrame
    final_demand: pd.DataFrame
    value_added: pd.DataFrame
    total_intermediate_use: pd.Series
    total_final_uses: pd.Series
    commodity_output: pd.Series
    total_intermediate_inputs: pd.Series
    total_value_added: pd.Series
    industry_output: pd.Series
    row_names: pd.Series
    column_names: pd.Series
    year: int


def _position(codes: list[str], code: str, what: str) -> int:
    if code not in codes:
        raise DataValidationError(f"the use table has no {what} ({code})", code=code)
    return codes.index(code)


def use_table_from_long(df: pd.DataFrame, year: int) -> BEAUseTable:
    """Split one year of a long BEA use table (``bea_use_summary`` or ``bea_use_detail_2007``) into blocks.

    Industries are the columns before ``T001``, final uses those between
    ``T001`` and ``T004``; commodities are the rows before ``T005``, value-added
    rows those between ``T005`` and ``T006``. Zeros BEA does not show are 0.

    Raises
    ------
    DataValidationError
        The year is absent or a total that delimits the blocks is missing.
    """
    grid = bea_matrix(df, year, "use")
    cols, rows = list(grid.columns), list(grid.index)
    t001, t004 = _position(cols, "T001", "total intermediate column"), _position(cols, "T004", "total final uses")
    t005, t006 = _position(rows, "T005", "total intermediate row"), _position(rows, "T006", "total value added")
    industries, final_uses = cols[:t001], cols[t001 + 1 : t004]
    commodities, value_added = rows[:t005], rows[t005 + 1 : t006]
    sub = df[(df["year"].to_numpy() == year) & (df["table"].astype(str) == "use").to_numpy()]
    row_first = sub.drop_duplicates("row_code")
    col_first = sub.drop_duplicates("col_code")

    def column(code: str, index: list[str]) -> pd.Series:
        values = grid.loc[index, [code]].to_numpy()[:, 0] if code in grid.columns else np.nan
        return pd.Series(values, index=pd.Index(index, dtype=object), name=code, dtype=float)

    def row(code: str) -> pd.Series:
        values = grid.loc[[code], industries].to_numpy()[0] if code in grid.index else np.nan
        return pd.Series(values, index=pd.Index(industries, dtype=object), name=code, dtype=float)

    return BEAUseTable(
        intermediate_use=grid.loc[commodities, industries],
        final_demand=grid.loc[commodities, final_uses],
        value_added=grid.loc[value_added, industries],
        total_intermediate_use=column("T001", commodities),
        total_final_uses=column("T004", commodities),
        commodity_output=column("T007", commodities),
        total_intermediate_inputs=row("T005"),
        total_value_added=row("T006"),
        industry_output=row("T008"),
        row_names=pd.Series(
            row_first["row_name"].astype(object).to_numpy(), index=pd.Index(list(row_first["row_code"]), dtype=object)
        ),
        column_names=pd.Series(
            col_first["col_name"].astype(object).to_numpy(), index=pd.Index(list(col_first["col_code"]), dtype=object)
        ),
        year=year,
    )


def total_requirements_from_long(df: pd.DataFrame, year: int) -> pd.DataFrame:
    """Industry-by-commodity total requirements matrix of one year, without the total row ``_T``."""
    grid = bea_matrix(df, year, "total_requirements")
    return grid.drop(index="_T", errors="ignore")
