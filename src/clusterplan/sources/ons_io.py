"""ONS input-output analytical tables (IOAT) and supply-use tables (SUT).

Readers for the Office for National Statistics workbooks, and loaders that turn
the tidy long tables built from them (the package datasets ``ioat2019`` and
``supply_use_bb22``) back into labelled matrices, so that a Leontief model can
run from package data without the spreadsheets.

Layouts read (checked against the 2019 IOAT, industry by industry, and the
Blue Book 2022 SUT workbook; any departure raises :class:`DataValidationError`
naming the sheet and cell):

IOAT workbook (``ukioat2019_industry_by_industry.xlsx``)
    Sheet ``IOT`` (domestic use at basic prices, £ million). The header row is
    the row whose column B reads ``SIC`` (row 4): industry codes from column C
    (``A01`` … ``T97``, 105 industries), then ``_T`` (total intermediate use),
    the final-use codes as published (``P3 S1`` final consumption, ``P3 S13``
    government, ``P3 S14`` households, ``P3 S15`` NPISH, ``P51G`` GFCF, ``P52``
    changes in inventories, ``P53`` valuables, ``P61EU``/``P61RW`` exports of
    goods, ``P62`` exports of services) and ``TU`` (total use). The next row
    holds the names; data rows start two rows later with the industry code in
    column A and its name in column B, in the same order as the columns. After
    the industries come the row ``_T`` and the primary-input rows down to
    ``P1`` (total output at basic prices). Three of those rows carry no code in
    the sheet; they get ESA 2010 codes written in the style ONS uses for the
    others (``D29-D39``): ``P7`` use of imported products (cif), ``D21-D31``
    taxes less subsidies on products, ``P2`` total intermediate use at
    purchasers' prices.

    Sheet ``A`` (optional): the published matrix of coefficients, same layout
    with its header one row lower (row 5); only the 105 x 105 block is read.
    Sheet ``Menu`` (optional): its title cells give the release description.

SUT workbook (``publicationtablesbb22_UK_SUT_BlueBook2022.xlsx``)
    One sheet per table and year: ``Table 1 - Supply YYYY``, ``Table 2 - Int
    Con YYYY``, ``Table 2 - Final Demand YYYY`` (``Table 3 - HHFCe`` is not
    read). Products (``CPA_A01`` …) in column A with names in column B.

    * Supply: header row = the row whose column B reads ``Product`` (row 3),
      column headers are names only; rows end at ``Total`` (code ``_T``)
      followed by the "of which" rows market output (``P11``), output for own
      final use (``P12``) and other non-market output (``P13``).
    * Intermediate consumption: industry codes in the row above ``Product``
      (row 4), names in the ``Product`` row (row 5); the unlabelled last column
      is the total (``_T``); below the products, the unlabelled rows ``P2``
      (total at purchasers' prices), ``D29-D39``, ``D1``, ``GOS & MI``,
      ``GVA``, ``P1``, coded as in the IOAT.
    * Final demand: names in the ``Product`` row (row 5) with group headings
      (final consumption expenditure, gross capital formation) in the row
      above; blank columns separate the groups.

    Where the SUT publishes no codes, columns get the ESA 2010 codes the IOAT
    uses for the same transaction (``P3 S14`` households, ``P51G`` GFCF …),
    plus ``P3 S1311``/``P3 S1313`` central/local government, ``P5``, ``P61``,
    ``P6``, ``TFU`` (total final use), ``TU`` (total demand for products) and,
    in the supply table, ``P1``, ``P71EU``, ``P71RW``, ``P71``, ``P72``,
    ``P7``, ``TTM`` (Eurostat's code for trade margins), ``D21-D31`` and
    ``TS_PP`` (total supply at purchasers' prices). See :data:`SUT_COLUMN_CODES`.

Names are kept as published except that whitespace (including non-breaking
spaces and line breaks) is collapsed and footnote digits glued to a total's
name (``Gross capital formation1``) are dropped. Codes are kept exactly
(``F41, F42  & F43`` has two spaces). Values are £ million as published
(coefficients are ratios); nothing is rounded or rescaled.

The long form used for package data has the columns ``table, year, row_code,
row_name, col_code, col_name, value`` with rows in published (row-major) order,
which is what the loaders rely on to restore row and column order (read the
Parquet file, or a table scan that keeps insertion order, not a re-sorted query).

References
----------
Office for National Statistics. *UK input-output analytical tables: industry by
industry, 2019* (consistent with Blue Book 2022). Office for National Statistics
(October 2022). *Input-output supply and use tables, 1997 to 2020* (Blue Book
2022). Open Government Licence v3.0.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from .._exceptions import DataValidationError
from ._csv import check_unique
from ._workbook import Sheet, clean_code, clean_text, find_header_row, long_frame, open_workbook, published_grid

__all__ = [
    "IOAT_FINAL_DEMAND_SUBTOTALS",
    "IOAT_TABLES",
    "LONG_COLUMNS",
    "SUT_COLUMN_CODES",
    "SUT_TABLES",
    "IOATables",
    "ioat_from_long",
    "ioat_to_long",
    "read_bres_ioat_lookup",
    "read_ioat",
    "read_ioat_industries",
    "read_supply_use",
    "sic_to_ioat",
    "supply_use_table",
]

#: Columns of the tidy long form of every IO table.
LONG_COLUMNS = ["table", "year", "row_code", "row_name", "col_code", "col_name", "value"]

#: Tables of the long form of the IOAT, in the order they are written.
IOAT_TABLES = ("domestic_use", "final_demand", "totals", "primary_inputs", "coefficients")

#: Final-use columns of the IOAT that are sums of other final-use columns (``P3 S1`` = S13 + S14 + S15).
IOAT_FINAL_DEMAND_SUBTOTALS = ("P3 S1",)

#: Tables of the long form of the supply-use tables.
SUT_TABLES = ("supply", "intermediate_consumption", "final_demand")

#: IOAT rows printed without a code -> ESA 2010 code (ONS style).
_IOAT_UNCODED_ROWS = {
    "use of imported products, cif": "P7",
    "taxes less subsidies on products": "D21-D31",
    "total intermediate use at purchaser's prices": "P2",
}

#: SUT column headings (lower case, whitespace collapsed, "group: name" in final demand) -> code.
SUT_COLUMN_CODES: dict[str, dict[str, str]] = {
    "supply": {
        "total domestic output of products at basic prices": "P1",
        "import of goods from eu": "P71EU",
        "import of goods from rest of the world": "P71RW",
        "total imports of goods": "P71",
        "imports of services": "P72",
        "total imports of goods and services": "P7",
        "distributors' trading margins": "TTM",
        "taxes less subsidies on products": "D21-D31",
        "total supply of products at purchasers' prices": "TS_PP",
    },
    "intermediate_consumption": {"total intermediate demand": "_T"},
    "final_demand": {
        "final consumption expenditure: households": "P3 S14",
        "final consumption expenditure: non-profit institutions serving households": "P3 S15",
        "final consumption expenditure: central government": "P3 S1311",
        "final consumption expenditure: local government": "P3 S1313",
        "final consumption expenditure: total": "P3 S1",
        "gross capital formation: gross fixed capital formation": "P51G",
        "gross capital formation: valuables": "P53",
        "gross capital formation: changes in inventories": "P52",
        "gross capital formation: total": "P5",
        "exports of goods to eu": "P61EU",
        "exports of goods to rest of the world": "P61RW",
        "total exports of goods": "P61",
        "exports of services": "P62",
        "total exports of goods and services": "P6",
        "total final demand": "TFU",
        "total demand for products": "TU",
    },
}

#: SUT rows printed without a code -> code (the IOAT's code for the same row).
_SUT_UNCODED_ROWS: dict[str, dict[str, str]] = {
    "supply": {
        "total": "_T",
        "market output": "P11",
        "output for own final use": "P12",
        "other non-market output": "P13",
    },
    "intermediate_consumption": {
        "total intermediate consumption at purchasers' prices": "P2",
        "taxes less subsidies on production": "D29-D39",
        "compensation of employees": "D1",
        "gross operating surplus and mixed income": "GOS & MI",
        "gross valued added at basic prices": "GVA",
        "total output at basic prices": "P1",
    },
    "final_demand": {"total consumption at purchasers' prices": "_T"},
}

_SUT_SHEET = re.compile(r"^Table (?P<kind>1 - Supply|2 - Int Con|2 - Final Demand) (?P<year>\d{4})$")
_LAYOUT_HINT = "the layout is not the ONS one this reader expects; see clusterplan.sources.ons_io"
_SUT_KIND = {"1 - Supply": "supply", "2 - Int Con": "intermediate_consumption", "2 - Final Demand": "final_demand"}


# --------------------------------------------------------------------------- helpers


def _drop_footnote(name: str) -> str:
    """``'Gross capital formation1'`` -> ``'Gross capital formation'`` (footnote digit glued to a word)."""
    return re.sub(r"(?<=[A-Za-z])\d+$", "", name)


def _sheet(workbook: Any, name: str, label: str, *, required: bool = True) -> Sheet | None:
    if name not in workbook.sheetnames:
        if not required:
            return None
        raise DataValidationError(
            f"sheet {name!r} not found; the workbook has {', '.join(map(repr, workbook.sheetnames))}", file=label
        )
    return Sheet.from_workbook(workbook, name, label)


def _index(codes: Iterable[str]) -> pd.Index:
    return pd.Index([str(c) for c in codes], dtype=object)


def _frame(values: np.ndarray, rows: Sequence[str], cols: Sequence[str]) -> pd.DataFrame:
    return pd.DataFrame(np.asarray(values, dtype=float), index=_index(rows), columns=_index(cols))


def _series(values: dict[str, str]) -> pd.Series:
    return pd.Series(list(values.values()), index=_index(values.keys()), dtype=object)


def _long(table: str, year: int, frame: pd.DataFrame, row_names: pd.Series, col_names: pd.Series) -> pd.DataFrame:
    """Row-major long form of *frame*, without its missing (unpublished) cells."""
    rows = np.repeat(frame.index.to_numpy(dtype=object), frame.shape[1])
    cols = np.tile(frame.columns.to_numpy(dtype=object), frame.shape[0])
    values = frame.to_numpy(dtype=float).ravel()
    keep = ~np.isnan(values)
    out = pd.DataFrame(
        {
            "table": table,
            "year": year,
            "row_code": rows[keep],
            "row_name": row_names.reindex(rows[keep]).to_numpy(dtype=object),
            "col_code": cols[keep],
            "col_name": col_names.reindex(cols[keep]).to_numpy(dtype=object),
            "value": values[keep],
        }
    )
    return out


def _wide(long: pd.DataFrame) -> pd.DataFrame:
    """Published grid from a long table: rows and columns in order of first appearance."""
    grid, rows, cols = published_grid(long)
    return _frame(grid, list(rows), list(cols))


def _names(long: pd.DataFrame, code: str, name: str) -> dict[str, str]:
    first = long.drop_duplicates(code)
    return dict(zip(first[code].astype(str), first[name].astype(str), strict=True))


# --------------------------------------------------------------------------- IOAT


@dataclass
class IOATables:
    """The UK input-output analytical tables (industry by industry), as published.

    Attributes
    ----------
    domestic_use
        Intermediate use of domestic output *Z* (£ million): rows are supplying
        industries, columns using industries (105 x 105, codes ``A01`` … ``T97``).
    final_demand
        Final use of each industry's output by final-use code (``P3 S1`` …
        ``P62``), as published; ``P3 S1`` is the sum of ``P3 S13``, ``P3 S14``
        and ``P3 S15`` (see :data:`IOAT_FINAL_DEMAND_SUBTOTALS`).
    totals
        Published row totals: ``_T`` total intermediate use and ``TU`` total use
        (equal to total output in an industry-by-industry table).
    primary_inputs
        Rows ``_T``, ``P7``, ``D21-D31``, ``P2``, ``D1``, ``GOS & MI``,
        ``D29-D39``, ``GVA``, ``P1`` by column (industries, ``_T``, final uses,
        ``TU``); NaN where the table has no entry.
    coefficients
        The published matrix of coefficients *A* (105 x 105), or None when the
        workbook has no ``A`` sheet.
    row_names, column_names
        Published names of every row and column code.
    release
        The workbook's description of itself (title and consistency statement).
    year
        Reference year of the tables.
    """

    domestic_use: pd.DataFrame
    final_demand: pd.DataFrame
    totals: pd.DataFrame
    primary_inputs: pd.DataFrame
    coefficients: pd.DataFrame | None
    row_names: pd.Series
    column_names: pd.Series
    release: str = ""
    year: int = 2019

    @property
    def industries(self) -> pd.Index:
        """Industry codes in published order."""
        return self.domestic_use.index

    @property
    def output(self) -> pd.Series:
        """Total output at basic prices of each industry (row ``P1``), £ million."""
        values = self.primary_inputs.loc[["P1"], list(self.industries)].to_numpy(dtype=float)[0]
        return pd.Series(values, index=self.industries, name="output")

    @property
    def total_final_demand(self) -> pd.Series:
        """Final demand for each industry's output: the final-use columns less the subtotals."""
        parts = [c for c in self.final_demand.columns if c not in IOAT_FINAL_DEMAND_SUBTOTALS]
        return self.final_demand[parts].sum(axis=1).rename("final_demand")


def _ioat_header(sheet: Sheet, *, total_required: bool = True) -> tuple[int, list[str], list[str], int]:
    """Header row, column codes, column names and the column (1-based) of ``_T`` (or one past the last code)."""
    header = find_header_row(sheet, 2, "SIC", hint=_LAYOUT_HINT)
    codes: list[str] = []
    col = 3
    while col <= sheet.n_cols and clean_code(sheet.get(header, col)):
        codes.append(clean_code(sheet.get(header, col)))
        col += 1
    if "_T" not in codes and total_required:
        raise sheet.error(
            "no '_T' (total) column after the industry codes", header, None, hint="expected the ONS IOAT layout"
        )
    names = [sheet.text(header + 1, 3 + i) for i in range(len(codes))]
    return header, codes, names, 3 + (codes.index("_T") if "_T" in codes else len(codes))


def _read_industry_block(sheet: Sheet, first_row: int, industries: list[str]) -> np.ndarray:
    """The industries x industries block starting at *first_row*, checking the row codes."""
    n = len(industries)
    block = np.empty((n, n))
    for i, code in enumerate(industries):
        row = first_row + i
        found = clean_code(sheet.get(row, 1))
        if found != code:
            raise sheet.error(
                f"expected industry code {code!r} (the order of the column headers), found {found!r}",
                row,
                1,
                code=found or None,
            )
        block[i] = [sheet.number(row, 3 + j) for j in range(n)]
    return block


def read_ioat(path: str | Path, *, file_label: str | None = None) -> IOATables:
    """Read the ONS industry-by-industry input-output analytical tables workbook.

    Parameters
    ----------
    path
        The ``.xlsx`` workbook (e.g. ``ukioat2019_industry_by_industry.xlsx``).
    file_label
        Name used in error messages (defaults to the path).

    Returns
    -------
    IOATables
        Domestic use, final demand, totals, primary inputs and (when the
        workbook has it) the published coefficient matrix, labelled by code.

    Raises
    ------
    DataValidationError
        A sheet, header or code is not where the ONS layout has it, or a cell
        that should hold a number does not; the message names sheet and cell.

    Notes
    -----
    Published identities (checked by the tests): for each industry *j*,
    :math:`\\sum_i Z_{ij} = \\_T_j`, :math:`\\_T_j + P7_j + (D21\\text{-}D31)_j = P2_j`,
    :math:`P2_j + GVA_j = P1_j`; for each row *i*, :math:`\\sum_j Z_{ij} + f_i = TU_i`;
    and :math:`A_{ij} = Z_{ij} / P1_j`.

    See Also
    --------
    ioat_from_long : the same tables from the package dataset ``ioat2019``, without the workbook.
    """
    label = file_label or str(path)
    workbook = open_workbook(path, label)
    try:
        iot = _sheet(workbook, "IOT", label)
        assert iot is not None
        coefficient_sheet = _sheet(workbook, "A", label, required=False)
        menu = _sheet(workbook, "Menu", label, required=False)
    finally:
        workbook.close()

    header, codes, names, total_col = _ioat_header(iot)
    n = total_col - 3
    industries = codes[:n]
    if not industries:
        raise iot.error("no industry codes before '_T'", header, 3)
    if "TU" not in codes:
        raise iot.error("no 'TU' (total use) column after the final-use columns", header, None)
    tu_col = 3 + codes.index("TU")
    final_uses = codes[n + 1 : tu_col - 3]
    column_names = dict(zip(codes[: tu_col - 2], names[: tu_col - 2], strict=True))
    first = header + 3
    if clean_code(iot.get(first, 1)) != industries[0]:
        raise iot.error(
            f"expected the first data row to start with {industries[0]!r}, found {clean_code(iot.get(first, 1))!r}",
            first,
            1,
            hint="data rows start two rows below the names row",
        )
    z = _read_industry_block(iot, first, industries)
    row_names = {code: iot.text(first + i, 2) for i, code in enumerate(industries)}
    fd = np.array([[iot.number(first + i, c) for c in range(total_col + 1, tu_col)] for i in range(n)])
    totals = np.array([[iot.number(first + i, total_col), iot.number(first + i, tu_col)] for i in range(n)])

    # Primary-input rows: from the '_T' row down to the first row without a name.
    row = first + n
    if clean_code(iot.get(row, 1)) != "_T":
        raise iot.error(
            f"expected the '_T' total row after the last industry, found {clean_code(iot.get(row, 1))!r}", row, 1
        )
    primary_codes: list[str] = []
    primary_values: list[list[float]] = []
    while row <= iot.n_rows and iot.text(row, 2):
        name = iot.text(row, 2)
        code = clean_code(iot.get(row, 1)) or _IOAT_UNCODED_ROWS.get(name.lower(), "")
        if not code:
            raise iot.error(f"row {name!r} has no code and is not a known primary input", row, 1)
        primary_codes.append(code)
        row_names[code] = name
        primary_values.append([iot.number(row, c, blank=np.nan) for c in range(3, tu_col + 1)])
        row += 1
    if "P1" not in primary_codes:
        raise iot.error("no 'P1' (total output) row below the industries", row, 1)
    primary_cols = codes[: tu_col - 2]
    for j, code in enumerate(industries):
        if np.isnan(primary_values[primary_codes.index("P1")][j]):
            raise iot.error(f"no total output for industry {code!r}", first + n + primary_codes.index("P1"), 3 + j)

    coefficients = None
    if coefficient_sheet is not None:
        a_header, a_codes, _, a_total = _ioat_header(coefficient_sheet, total_required=False)
        if a_codes[: a_total - 3] != industries:
            raise coefficient_sheet.error(
                "industry codes differ from those of sheet 'IOT'", a_header, 3, hint="both sheets must list the same"
            )
        a = _read_industry_block(coefficient_sheet, a_header + 3, industries)
        coefficients = _frame(a, industries, industries)

    release = ""
    if menu is not None:
        texts = [menu.text(r, c) for r in range(1, 7) for c in range(1, 6) if isinstance(menu.get(r, c), str)]
        release = " ".join(t for t in texts if "input-output" in t.lower() or "consistent" in t.lower())
    year_match = re.search(r"(19|20)\d{2}", iot.text(1, 1))
    return IOATables(
        domestic_use=_frame(z, industries, industries),
        final_demand=_frame(fd, industries, final_uses),
        totals=_frame(totals, industries, ["_T", "TU"]),
        primary_inputs=_frame(np.array(primary_values), primary_codes, primary_cols),
        coefficients=coefficients,
        row_names=_series(row_names),
        column_names=_series(column_names),
        release=release,
        year=int(year_match.group(0)) if year_match else 2019,
    )


def ioat_to_long(tables: IOATables) -> pd.DataFrame:
    """The IOAT in tidy long form (:data:`LONG_COLUMNS`), tables in :data:`IOAT_TABLES` order.

    Cells the publication leaves empty (primary inputs of most final-use
    columns) are left out; every other cell, zeros included, is kept.
    """
    parts = [
        ("domestic_use", tables.domestic_use),
        ("final_demand", tables.final_demand),
        ("totals", tables.totals),
        ("primary_inputs", tables.primary_inputs),
    ]
    if tables.coefficients is not None:
        parts.append(("coefficients", tables.coefficients))
    out = pd.concat(
        [_long(name, tables.year, frame, tables.row_names, tables.column_names) for name, frame in parts],
        ignore_index=True,
    )
    out.attrs["release"] = tables.release
    return out


def ioat_from_long(df: pd.DataFrame, *, release: str = "") -> IOATables:
    """Rebuild :class:`IOATables` from the long form (e.g. the package dataset ``ioat2019``).

    Parameters
    ----------
    df
        Long table with :data:`LONG_COLUMNS`, rows in published order as
        written by :func:`ioat_to_long`.
    release
        Release description to carry along (defaults to ``df.attrs['release']``).

    Raises
    ------
    DataValidationError
        A table is missing or the domestic-use matrix is not square.

    Examples
    --------
    >>> from importlib.resources import files
    >>> tables = ioat_from_long(pd.read_parquet(str(files("clusterplan") / "data" / "ioat2019.parquet")))
    >>> tables.domestic_use.shape
    (105, 105)
    >>> float(tables.domestic_use.loc["A01", "C101"])  # £ million of crops bought by meat processing
    4278.547183904037
    >>> round(float(tables.coefficients.loc["A01", "C101"]), 4)  # per £ of meat-processing output
    0.2143
    """
    missing_columns = [c for c in LONG_COLUMNS if c not in df.columns]
    if missing_columns:
        raise DataValidationError(f"long IOAT table lacks columns {missing_columns}", hint="use ioat_to_long's output")
    present = set(df["table"].astype(str))
    missing = [t for t in IOAT_TABLES[:4] if t not in present]
    if missing:
        raise DataValidationError(f"long IOAT table lacks table(s) {missing}", column="table")
    table = df["table"].astype(str)
    frames = {name: _wide(df[table == name]) for name in IOAT_TABLES if name in present}
    domestic = frames["domestic_use"]
    if list(domestic.index) != list(domestic.columns):
        raise DataValidationError("domestic_use rows and columns differ", column="row_code")
    primary = frames["primary_inputs"]
    named = df[(table != "coefficients").to_numpy()]
    row_first, col_first = _names(named, "row_code", "row_name"), _names(named, "col_code", "col_name")
    # Published order: industries then primary inputs down the rows; the primary-input rows span every column.
    row_order = [*domestic.index, *(c for c in primary.index if c not in domestic.index)]
    col_order = [*primary.columns, *(c for c in col_first if c not in primary.columns)]
    row_names = {code: row_first[code] for code in row_order}
    column_names = {code: col_first[code] for code in col_order}
    years = pd.unique(df["year"])
    return IOATables(
        domestic_use=domestic,
        final_demand=frames["final_demand"],
        totals=frames["totals"],
        primary_inputs=frames["primary_inputs"],
        coefficients=frames.get("coefficients"),
        row_names=_series(row_names),
        column_names=_series(column_names),
        release=release or str(df.attrs.get("release", "")),
        year=int(years[0]),
    )


# --------------------------------------------------------------------------- supply-use tables


def _sut_rows(sheet: Sheet, table: str, first: int) -> list[tuple[int, str, str]]:
    """(sheet row, code, name) of the data rows: products, then the coded total / primary-input rows."""
    uncoded = _SUT_UNCODED_ROWS[table]
    out: list[tuple[int, str, str]] = []
    blank_run = 0
    row = first
    while row <= sheet.n_rows and blank_run < 3:
        code = clean_code(sheet.get(row, 1))
        name = sheet.text(row, 2)
        row += 1
        if not code and not name:
            blank_run += 1
            continue
        blank_run = 0
        if code.startswith("CPA_"):
            out.append((row - 1, code, name))
            continue
        if code and not name:
            break  # a footnote in column A ends the table
        if name.lower() == "of which:":
            continue
        clean = _drop_footnote(name)
        mapped = uncoded.get(clean.lower())
        if mapped is None:
            if code:
                break
            raise sheet.error(f"row {name!r} has no code and is not a known total or primary-input row", row - 1, 2)
        out.append((row - 1, mapped, clean))
    if not out or not out[0][1].startswith("CPA_"):
        raise sheet.error("no product rows (codes 'CPA_…') below the header", first, 1)
    return out


def _sut_columns(sheet: Sheet, table: str, header: int) -> list[tuple[int, str, str]]:
    """(sheet column, code, name) of the value columns of one SUT sheet."""
    codes = SUT_COLUMN_CODES[table]
    out: list[tuple[int, str, str]] = []
    group = ""
    for col in range(3, sheet.n_cols + 1):
        name = sheet.text(header, col)
        if table == "intermediate_consumption":
            code = clean_code(sheet.get(header - 1, col))
            if code:
                out.append((col, code, name))
            elif name:
                key = name.lower()
                if key not in codes:
                    raise sheet.error(f"column {name!r} has no code and is not the total column", header, col)
                out.append((col, codes[key], name))
            continue
        if table == "final_demand":
            heading = _drop_footnote(sheet.text(header - 1, col))
            if heading:
                group = heading
            if not name:
                group = ""  # a blank column ends a group of columns
                continue
            full = f"{group}: {name}" if group else name
            key = full.lower()
        else:
            if not name:
                continue
            full, key = name, name.lower()
        if key not in codes:
            raise sheet.error(
                f"unknown column heading {full!r}",
                header,
                col,
                hint=f"known headings: {', '.join(sorted(codes))}",
            )
        out.append((col, codes[key], full))
    if not out:
        raise sheet.error("no value columns in the header row", header, 3)
    return out


def _read_sut_sheet(sheet: Sheet, table: str, year: int) -> pd.DataFrame:
    header = find_header_row(sheet, 2, "Product", hint=_LAYOUT_HINT)
    columns = _sut_columns(sheet, table, header)
    rows = _sut_rows(sheet, table, header + 1)
    records: list[tuple[str, str, str, str, float]] = []
    for row, code, name in rows:
        for col, col_code, col_name in columns:
            value = sheet.number(row, col, blank=np.nan)
            if not np.isnan(value):
                records.append((code, name, col_code, col_name, value))
    return long_frame(records, table, year)


def read_supply_use(path: str | Path, *, file_label: str | None = None) -> pd.DataFrame:
    """Read every year of the ONS supply-use tables workbook into one long table.

    Parameters
    ----------
    path
        The Blue Book SUT workbook (``publicationtablesbb22_UK_SUT_BlueBook2022.xlsx``).
    file_label
        Name used in error messages (defaults to the path).

    Returns
    -------
    pandas.DataFrame
        :data:`LONG_COLUMNS`; ``table`` is one of :data:`SUT_TABLES`: ``supply``
        (products x supply columns), ``intermediate_consumption`` (products x
        industries, purchasers' prices, with the total and primary-input rows)
        and ``final_demand`` (products x final-use columns). £ million. Empty
        cells are left out. ``attrs['release']`` holds the workbook's title.

    Raises
    ------
    DataValidationError
        No ``Table 1/2`` sheets, or a sheet departs from the layout (sheet and
        cell named).
    """
    label = file_label or str(path)
    workbook = open_workbook(path, label)
    try:
        names: list[tuple[re.Match[str], str]] = []
        for name in workbook.sheetnames:
            match = _SUT_SHEET.match(name)
            if match is not None:
                names.append((match, name))
        if not names:
            raise DataValidationError(
                "no sheets named 'Table 1 - Supply YYYY' / 'Table 2 - Int Con YYYY' / 'Table 2 - Final Demand YYYY'",
                file=label,
                hint="expected the ONS Blue Book supply-use tables workbook",
            )
        parts = []
        for match, name in names:
            sheet = _sheet(workbook, name, label)
            assert sheet is not None
            parts.append(_read_sut_sheet(sheet, _SUT_KIND[match["kind"]], int(match["year"])))
        contents = _sheet(workbook, "Contents", label, required=False)
    finally:
        workbook.close()
    out = pd.concat(parts, ignore_index=True)
    order = {t: i for i, t in enumerate(SUT_TABLES)}
    position = out["table"].map(order) * 10_000 + out["year"]
    out = out.iloc[np.argsort(position.to_numpy(), kind="stable")].reset_index(drop=True)
    release = ""
    if contents is not None:
        texts = [contents.text(r, c) for r in range(1, 6) for c in range(2, 4)]
        release = " ".join(t for t in texts if t and not t.lower().startswith(("national statistics", "click")))
    out.attrs["release"] = release
    return out


def supply_use_table(df: pd.DataFrame, table: str, year: int) -> pd.DataFrame:
    """One supply-use table of one year as a labelled matrix (published row and column order).

    Parameters
    ----------
    df
        Long table from :func:`read_supply_use` (or the package dataset ``supply_use_bb22``).
    table
        One of :data:`SUT_TABLES`.
    year
        The year.

    Returns
    -------
    pandas.DataFrame
        Rows are product (and total / primary-input) codes, columns the
        table's column codes; NaN where the publication has no entry.

    Examples
    --------
    Intermediate consumption of two products by two industries in 2019 (£ million):

    >>> long = pd.DataFrame({
    ...     "table": "intermediate_consumption", "year": 2019,
    ...     "row_code": ["CPA_A01", "CPA_A01", "CPA_A02", "CPA_A02"],
    ...     "row_name": ["Products of agriculture"] * 2 + ["Products of forestry"] * 2,
    ...     "col_code": ["A01", "A02", "A01", "A02"],
    ...     "col_name": ["Crop and animal production", "Forestry"] * 2,
    ...     "value": [6095.0, 10.0, 171.0, 488.0]})
    >>> supply_use_table(long, "intermediate_consumption", 2019)
                A01    A02
    CPA_A01  6095.0   10.0
    CPA_A02   171.0  488.0
    """
    if table not in SUT_TABLES:
        raise DataValidationError(f"unknown supply-use table {table!r}; choose one of {', '.join(SUT_TABLES)}")
    sub = df[(df["table"].astype(str) == table) & (df["year"] == year)]
    if sub.empty:
        years = sorted(set(df.loc[df["table"].astype(str) == table, "year"].astype(int)))
        raise DataValidationError(f"no {table} table for {year}; years available: {years}", column="year")
    return _wide(sub)


# --------------------------------------------------------------------------- lookups (CSV)


def _read_csv(path: str | Path, label: str, needed: list[str]) -> pd.DataFrame:
    try:
        raw = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    except FileNotFoundError:
        raise DataValidationError("file not found", file=label) from None
    except (UnicodeDecodeError, pd.errors.ParserError) as exc:
        raise DataValidationError(f"not a readable CSV ({exc.__class__.__name__}: {exc})", file=label) from None
    raw.columns = [c.strip() for c in raw.columns]
    missing = [c for c in needed if c not in raw.columns]
    if missing:
        raise DataValidationError(f"missing column(s) {missing}; found {list(raw.columns)}", file=label)
    for column in needed[:2]:
        empty = (raw[column].str.strip() == "").to_numpy()
        if empty.any():
            raise DataValidationError(
                f"empty {column}", file=label, row=int(np.flatnonzero(empty)[0]) + 1, column=column
            )
    return raw


def _sic_level(code: str) -> str | None:
    """SIC 2007 level of a code written without dots: 2 digits division, 3 group, 4 class."""
    if code.isdigit():
        return {2: "division", 3: "group", 4: "class", 5: "subclass"}.get(len(code))
    return None


def read_bres_ioat_lookup(path: str | Path, *, file_label: str | None = None) -> pd.DataFrame:
    """Read the lookup from SIC 2007 codes (as BRES publishes them) to IOAT industries.

    The published file (``bres_industry, iaot_industry_code, desc``) mixes
    levels: a SIC division (``01``) where it maps to one IOAT industry, its
    groups (``101``) or classes (``1101``) where the division is split, and
    ``L68A`` (owner-occupiers' housing, not a SIC code).

    Returns
    -------
    pandas.DataFrame
        ``sic_code`` (no dots, leading zeros kept), ``sic_level`` (``division``,
        ``group``, ``class``; None for ``L68A``), ``ioat_code``, ``ioat_name``
        (whitespace collapsed).

    Raises
    ------
    DataValidationError
        Missing columns, empty codes, or a SIC code listed twice.
    """
    label = file_label or str(path)
    raw = _read_csv(path, label, ["bres_industry", "iaot_industry_code", "desc"])
    out = pd.DataFrame(
        {
            "sic_code": raw["bres_industry"].str.strip(),
            "sic_level": [_sic_level(c.strip()) for c in raw["bres_industry"]],
            "ioat_code": raw["iaot_industry_code"].map(clean_code),
            "ioat_name": raw["desc"].map(clean_text),
        }
    )
    check_unique(out["sic_code"], label, column="bres_industry", problem="SIC code listed twice")
    return out


def read_ioat_industries(path: str | Path, *, file_label: str | None = None) -> pd.DataFrame:
    """Read the list of IOAT industry codes and names (``code, desc``).

    Returns
    -------
    pandas.DataFrame
        ``ioat_code`` (exactly as published, e.g. ``F41, F42  & F43``) and
        ``ioat_name`` (whitespace collapsed).
    """
    label = file_label or str(path)
    raw = _read_csv(path, label, ["code", "desc"])
    out = pd.DataFrame({"ioat_code": raw["code"].map(clean_code), "ioat_name": raw["desc"].map(clean_text)})
    check_unique(out["ioat_code"], label, column="code", problem="industry code listed twice")
    return out


def sic_to_ioat(sic_codes: pd.Series | Sequence[str], lookup: pd.DataFrame) -> pd.Series:
    """IOAT industry of each SIC 2007 code, by the longest prefix found in the lookup.

    A subclass (``10110``) maps through its class, group or division, whichever
    the lookup lists (here group ``101`` -> ``C101``). A division that the IOAT
    splits (``10``, ``20``, ``68`` …) has no single industry and gives NA.

    Parameters
    ----------
    sic_codes
        SIC 2007 codes without dots (``"01"``, ``"101"``, ``"10110"``).
    lookup
        :func:`read_bres_ioat_lookup` output (or the package dataset ``bres_ioat_lookup``).

    Examples
    --------
    >>> lookup = pd.DataFrame({"sic_code": ["01", "101", "1101", "12"],
    ...                        "ioat_code": ["A01", "C101", "C1101T1106 & C12", "C1101T1106 & C12"]})
    >>> sic_to_ioat(["01130", "10110", "11010", "10"], lookup).tolist()
    ['A01', 'C101', 'C1101T1106 & C12', nan]
    """
    mapping = dict(zip(lookup["sic_code"].astype(str), lookup["ioat_code"].astype(str), strict=True))
    codes = pd.Series(sic_codes, dtype=object).astype(str).str.strip()
    result = []
    for code in codes:
        found = next((mapping[code[:n]] for n in range(len(code), 1, -1) if code[:n] in mapping), None)
        result.append(found if found is not None else np.nan)
    return pd.Series(result, index=codes.index, dtype=object)
