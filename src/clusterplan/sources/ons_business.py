"""ONS "UK business: activity, size and location" workbooks (``ukbusinessworkbookYYYY.xls``) into canonical facts.

The workbook counts VAT and/or PAYE based **enterprises** (Tables 1-15) and
their **local units** (sites, Tables 16-24) on the Inter-Departmental Business
Register (IDBR) at a March snapshot. Three pairs of tables fit the canonical
schema (area x industry x year x measure [x size band]):

================  ==================  =====================================================================
enterprises       local units         layout
================  ==================  =====================================================================
Table 1           Table 16            area rows (UK, countries, regions, counties, districts, unitary
                                      authorities, each with its GSS code) x 17 broad industry groups
Table 2           Table 17            SIC 2007 class (4-digit) rows x 16 area columns (UK ... regions,
                                      Wales, Scotland, Northern Ireland)
Table 3           Table 18            SIC 2007 division (2-digit) rows x 16 areas x 7 employment size bands
================  ==================  =====================================================================

The other tables are by parliamentary constituency, turnover band or legal
status, or by area without industry, and are not read.

Codes. Areas keep the GSS codes the sheets print. Tables 2/3/17/18 label Wales,
Scotland and Northern Ireland with the pseudo region codes ``W12000001``,
``S12000001`` and ``N12000001``; Table 1 of the same workbook gives them their
country codes, which are used instead (``W92000004``, ``S92000003``,
``N92000002``). The 17 broad industry groups are coded by their SIC 2007
division ranges as published (``"01-03"``, ``"45"``, ``"90-99"``) in the
classification ``ons_broad_industry_group`` (:data:`BROAD_INDUSTRY_GROUPS`);
classes and divisions are ``sic2007`` codes (``"0111"``, ``"01"``). Size bands
are written as NOMIS writes them (``"0-4"`` becomes ``"0 to 4"``; ``"250+"``
stays). The ``Total`` rows and columns are not read: they are published
separately rounded and do not equal the sum of their parts.

Disclosure: "All figures are rounded to avoid disclosure. Values may be
rounded down to zero and so all zeros are not necessarily true zeros." Zeros get
the flag ``zero_may_be_suppressed``; an empty cell becomes a NULL value flagged
``missing``.

References
----------
Office for National Statistics (2017), *UK business: activity, size and
location: 2017*, dataset ``ukbusinessworkbook2017.xls``, Open Government
Licence v3.0.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from .._exceptions import DataValidationError
from .._schema import FLAG_MISSING, FLAG_ZERO_MAY_BE_SUPPRESSED, INDUSTRY_COLUMNS, validate_facts

__all__ = [
    "BROAD_INDUSTRY_GROUPS",
    "CLASSIFICATION",
    "broad_group_divisions",
    "broad_group_industries",
    "read_area_broad_groups",
    "read_region_divisions_by_size",
    "read_region_sic_classes",
    "read_ukbusiness_workbook",
    "sic_class_industries",
    "workbook_areas",
]

#: Classification name of the broad industry groups.
CLASSIFICATION = "ons_broad_industry_group"

#: The broad industry groups of the workbook: code (SIC 2007 division range) -> (name, SIC 2007 sections),
#: as listed in its Notes sheet.
BROAD_INDUSTRY_GROUPS: dict[str, tuple[str, str]] = {
    "01-03": ("Agriculture, forestry & fishing", "A"),
    "05-39": ("Production", "B, C, D and E"),
    "41-43": ("Construction", "F"),
    "45": ("Motor trades", "G"),
    "46": ("Wholesale", "G"),
    "47": ("Retail", "G"),
    "49-53": ("Transport & storage (inc postal)", "H"),
    "55-56": ("Accommodation & food services", "I"),
    "58-63": ("Information & communication", "J"),
    "64-66": ("Finance & insurance", "K"),
    "68": ("Property", "L"),
    "69-75": ("Professional, scientific & technical", "M"),
    "77-82": ("Business administration and support services", "N"),
    "84": ("Public administration & defence", "O"),
    "85": ("Education", "P"),
    "86-88": ("Health", "Q"),
    "90-99": ("Arts, entertainment, recreation and other services", "R, S, T and U"),
}

# Pseudo "region" codes of the devolved nations in the SIC tables -> the country codes of Table 1.
_COUNTRY_CODES = {"W12000001": "W92000004", "S12000001": "S92000003", "N12000001": "N92000002"}
_GSS = re.compile(r"[EKNSW]\d{8}")
_AREA_LABEL = re.compile(r"^\s*(?P<code>[EKNSW]\d{8})\s*:?\s*(?P<name>.*?)\s*$")
_CODE_LABEL = re.compile(r"^\s*(?P<code>[0-9]{2}(?:-[0-9]{2})?|[0-9]{4})\s*:\s*(?P<name>.*?)\s*$")
_BAND = re.compile(r"^(\d+)-(\d+)$")

_MEASURES = {"enterprises": "enterprises", "local units": "local_units"}


# -- workbook access ------------------------------------------------------------------------------------------


def _open(path: str | Path, label: str) -> Any:
    import xlrd  # optional dependency (the build-data and test extras)

    try:
        return xlrd.open_workbook(str(path), on_demand=True)
    except FileNotFoundError:
        raise DataValidationError("file not found", file=label) from None
    except xlrd.XLRDError as exc:
        raise DataValidationError(
            f"not an Excel 97-2003 workbook ({exc})", file=label, hint="give the .xls file as ONS published it"
        ) from None


def _rows(book: Any, table: str, label: str) -> tuple[list[list[Any]], str]:
    """All rows of sheet *table* (names are matched ignoring surrounding spaces) and its label for errors."""
    names = {name.strip(): name for name in book.sheet_names()}
    if table not in names:
        raise DataValidationError(
            f"no sheet {table!r} (sheets: {', '.join(names)})",
            file=label,
            hint="this reader knows the 2017 layout of the UK business workbook",
        )
    sheet = book.sheet_by_name(names[table])
    return [sheet.row_values(r) for r in range(sheet.nrows)], f"{label} [{table}]"


def _title(rows: list[list[Any]], table: str, where: str) -> tuple[str, int]:
    """(measure, year) from the title block, checked against the sheet name."""
    texts = [str(v).strip() for row in rows[:3] for v in row if isinstance(v, str) and v.strip()]
    title = next((t for t in texts if t.lower().startswith("table")), "")
    number = re.match(r"table\s*(\d+)\b", title, flags=re.IGNORECASE)
    if not number or f"Table {number.group(1)}" != table:
        raise DataValidationError(f"title {title[:60]!r} does not belong to {table}", file=where, row=1)
    measure = next((m for key, m in _MEASURES.items() if key in title.lower()), None)
    if measure is None:
        raise DataValidationError(f"title {title[:80]!r} counts neither enterprises nor local units", file=where, row=1)
    year = next((m.group(1) for t in texts if (m := re.fullmatch(r"UK,\s*(\d{4})", t))), None)
    if year is None:
        raise DataValidationError("no 'UK, YYYY' line under the title", file=where, row=2)
    return measure, int(year)


def _cell_value(value: Any, where: str, row: int, column: str, code: str) -> float:
    if isinstance(value, float | int) and not isinstance(value, bool):
        return float(value)
    if isinstance(value, str) and value.strip() == "":
        return float("nan")
    raise DataValidationError(f"{value!r} is not a count", file=where, row=row, column=column, code=code)


def _is_note(value: Any) -> bool:
    return isinstance(value, str) and value.strip().lower().startswith("note")


def _area(label: Any, where: str, row: int, column: str) -> tuple[str, str]:
    match = _AREA_LABEL.match(str(label))
    if not match:
        raise DataValidationError(f"{label!r} is not a 'CODE : name' area label", file=where, row=row, column=column)
    code = match.group("code")
    return _COUNTRY_CODES.get(code, code), match.group("name")


def _industry_rows(
    rows: list[list[Any]], start: int, where: str, code_pattern: str, what: str
) -> Iterator[tuple[int, str, str]]:
    """(0-based row, SIC code, name) of the ``'code : name'`` rows from *start* down to the notes.

    Blank and ``Total`` rows are skipped; a label whose code does not match *code_pattern* is an error.
    """
    for r in range(start, len(rows)):
        first = rows[r][0] if rows[r] else ""
        if _is_note(first):
            return
        text = str(first).strip()
        if text == "" or text.lower() == "total":
            continue
        match = _CODE_LABEL.match(text)
        if not match or not re.fullmatch(code_pattern, match.group("code")):
            raise DataValidationError(f"{text[:60]!r} is not a {what}", file=where, row=r + 1, column="A")
        yield r, match.group("code"), match.group("name")


def _frame(records: list[tuple], *, dataset: str, measure: str, classification: str, year: int) -> pd.DataFrame:
    out = pd.DataFrame(
        records, columns=["area_code", "industry_code", "breakdown", "value", "_row", "area_name", "industry_name"]
    )
    values = out["value"].to_numpy(dtype=float)
    flags = np.full(len(out), None, dtype=object)
    flags[values == 0] = FLAG_ZERO_MAY_BE_SUPPRESSED
    flags[np.isnan(values)] = FLAG_MISSING
    out.insert(0, "dataset", dataset)
    out.insert(3, "classification", classification)
    out.insert(4, "year", year)
    out.insert(5, "measure", measure)
    out.insert(8, "unit", "count")
    out.insert(9, "flag", flags)
    return out


# -- the three layouts ----------------------------------------------------------------------------------------


def _area_broad_groups(book: Any, table: str, label: str, dataset: str) -> pd.DataFrame:
    rows, where = _rows(book, table, label)
    measure, year = _title(rows, table, where)
    head = next((r for r, row in enumerate(rows[:12]) if len(row) > 2 and _CODE_LABEL.match(str(row[2]))), None)
    if head is None:
        raise DataValidationError("no header row of broad industry groups ('01-03 : ...')", file=where)
    groups: dict[int, str] = {}
    for c, text in enumerate(rows[head][2:], start=2):
        text = str(text).strip()
        if text == "" or text.lower() == "total":
            continue
        match = _CODE_LABEL.match(text)
        if not match or match.group("code") not in BROAD_INDUSTRY_GROUPS:
            raise DataValidationError(
                f"{text!r} is not one of the 17 broad industry groups",
                file=where,
                row=head + 1,
                column=_column_name(c),
                hint=f"known groups: {', '.join(BROAD_INDUSTRY_GROUPS)}",
            )
        groups[c] = match.group("code")
    missing = sorted(set(BROAD_INDUSTRY_GROUPS) - set(groups.values()))
    if missing:
        raise DataValidationError(f"broad industry group column(s) {missing} missing", file=where, row=head + 1)
    records = []
    for r in range(head + 1, len(rows)):
        row = rows[r]
        first = row[0] if row else ""
        if _is_note(first):
            break
        code = str(first).strip()
        if code == "":
            continue
        if not _GSS.fullmatch(code):
            raise DataValidationError(f"{code!r} is not a GSS area code", file=where, row=r + 1, column="A")
        name = str(row[1]).strip()
        for c, group in groups.items():
            value = _cell_value(row[c] if c < len(row) else "", where, r + 1, _column_name(c), code)
            records.append((code, group, "all", value, r + 1, name, BROAD_INDUSTRY_GROUPS[group][0]))
    return _finish(records, where, dataset=dataset, measure=measure, classification=CLASSIFICATION, year=year)


def _region_sic_classes(book: Any, table: str, label: str, dataset: str) -> pd.DataFrame:
    rows, where = _rows(book, table, label)
    measure, year = _title(rows, table, where)
    head = next((r for r, row in enumerate(rows[:12]) if len(row) > 1 and _AREA_LABEL.match(str(row[1]))), None)
    if head is None:
        raise DataValidationError("no header row of areas ('K02000001 : United Kingdom')", file=where)
    areas = {
        c: _area(text, where, head + 1, _column_name(c))
        for c, text in enumerate(rows[head][1:], start=1)
        if str(text).strip()
    }
    records = []
    for r, code, name in _industry_rows(rows, head + 1, where, r"\d{4}", "'dddd : name' SIC class"):
        for c, (area, area_name) in areas.items():
            value = _cell_value(rows[r][c] if c < len(rows[r]) else "", where, r + 1, _column_name(c), code)
            records.append((area, code, "all", value, r + 1, area_name, name))
    return _finish(records, where, dataset=dataset, measure=measure, classification="sic2007", year=year)


def _size_band(text: str) -> str:
    match = _BAND.match(text)
    return f"{match.group(1)} to {match.group(2)}" if match else text


def _region_divisions_by_size(book: Any, table: str, label: str, dataset: str) -> pd.DataFrame:
    rows, where = _rows(book, table, label)
    measure, year = _title(rows, table, where)
    area_row = next((r for r, row in enumerate(rows[:12]) if len(row) > 1 and _AREA_LABEL.match(str(row[1]))), None)
    band_row = next(
        (
            r
            for r, row in enumerate(rows[:14])
            if area_row is not None and r > area_row and len(row) > 1 and row[1] == "0-4"
        ),
        None,
    )
    if area_row is None or band_row is None:
        raise DataValidationError("no header rows of areas and employment size bands", file=where)
    columns: dict[int, tuple[str, str, str]] = {}
    area: tuple[str, str] | None = None
    for c in range(1, len(rows[band_row])):
        label_text = str(rows[area_row][c]).strip() if c < len(rows[area_row]) else ""
        if label_text:
            area = _area(label_text, where, area_row + 1, _column_name(c))
        band = str(rows[band_row][c]).strip()
        if band == "" or band.lower() == "total":
            continue
        if area is None or not (_BAND.match(band) or re.fullmatch(r"\d+\+", band)):
            raise DataValidationError(
                f"{band!r} is not an employment size band", file=where, row=band_row + 1, column=_column_name(c)
            )
        columns[c] = (area[0], area[1], _size_band(band))
    records = []
    for r, code, name in _industry_rows(rows, band_row + 1, where, r"\d{2}", "'dd : name' SIC division"):
        for c, (area_code, area_name, band) in columns.items():
            value = _cell_value(rows[r][c] if c < len(rows[r]) else "", where, r + 1, _column_name(c), code)
            records.append((area_code, code, band, value, r + 1, area_name, name))
    return _finish(records, where, dataset=dataset, measure=measure, classification="sic2007", year=year)


def _finish(records: list[tuple], where: str, **meta: Any) -> pd.DataFrame:
    if not records:
        raise DataValidationError("no data rows", file=where)
    facts = _frame(records, **meta)
    validate_facts(facts, file=where)
    return facts


def _column_name(index: int) -> str:
    """Spreadsheet column letters of a 0-based index (0 -> A, 27 -> AB)."""
    name = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        name = chr(ord("A") + rest) + name
    return name


# -- public readers -------------------------------------------------------------------------------------------


def _read(reader: Any, path: str | Path, table: str, dataset: str, file_label: str | None) -> pd.DataFrame:
    label = file_label or str(path)
    book = _open(path, label)
    try:
        return reader(book, table, label, dataset)
    finally:
        book.release_resources()


def read_area_broad_groups(
    path: str | Path, table: str = "Table 1", *, dataset: str, file_label: str | None = None
) -> pd.DataFrame:
    """Table 1 (enterprises) or Table 16 (local units): areas x broad industry groups.

    Parameters
    ----------
    path
        The workbook (``.xls``).
    table
        Sheet name, ``"Table 1"`` or ``"Table 16"``.
    dataset
        Dataset name stored with every fact.
    file_label
        Name used in error messages (defaults to the path).

    Returns
    -------
    pandas.DataFrame
        Canonical facts (classification ``ons_broad_industry_group``, breakdown
        ``"all"``, unit ``count``) plus ``_row`` (sheet row), ``area_name`` and
        ``industry_name``. The measure (``enterprises`` / ``local_units``) and
        the year are read from the sheet's title.

    Raises
    ------
    DataValidationError
        Missing sheet or header, an unknown group, a row without a GSS code, a
        cell that is not a number; the message gives the sheet, row and column.
    """
    return _read(_area_broad_groups, path, table, dataset, file_label)


def read_region_sic_classes(
    path: str | Path, table: str = "Table 2", *, dataset: str, file_label: str | None = None
) -> pd.DataFrame:
    """Table 2 (enterprises) or Table 17 (local units): SIC 2007 classes (4-digit) x UK, countries and regions.

    Returns canonical facts (classification ``sic2007``) as
    :func:`read_area_broad_groups` does; the devolved nations get their country codes.
    """
    return _read(_region_sic_classes, path, table, dataset, file_label)


def read_region_divisions_by_size(
    path: str | Path, table: str = "Table 3", *, dataset: str, file_label: str | None = None
) -> pd.DataFrame:
    """Table 3 (enterprises) or Table 18 (local units): SIC 2007 divisions x areas x employment size band.

    Returns canonical facts (classification ``sic2007``) with the size band in
    ``breakdown`` (``"0 to 4"`` ... ``"100 to 249"``, ``"250+"``).
    """
    return _read(_region_divisions_by_size, path, table, dataset, file_label)


#: Which tables :func:`read_ukbusiness_workbook` reads: name suffix -> (reader, enterprises table, local units table).
_PAIRS = {
    "area_broad_groups": (_area_broad_groups, "Table 1", "Table 16"),
    "region_sic_classes": (_region_sic_classes, "Table 2", "Table 17"),
    "region_divisions_by_size": (_region_divisions_by_size, "Table 3", "Table 18"),
}


def read_ukbusiness_workbook(
    path: str | Path, *, prefix: str = "ons_business", file_label: str | None = None
) -> dict[str, pd.DataFrame]:
    """The three enterprise / local-unit table pairs, each pair as one fact table.

    Returns ``{f"{prefix}_{layout}": facts}`` for the layouts
    ``area_broad_groups`` (Tables 1 + 16), ``region_sic_classes`` (Tables 2 + 17)
    and ``region_divisions_by_size`` (Tables 3 + 18); enterprises and local
    units differ in ``measure``.
    """
    label = file_label or str(path)
    book = _open(path, label)
    try:
        out = {}
        for layout, (reader, *tables) in _PAIRS.items():
            name = f"{prefix}_{layout}"
            out[name] = pd.concat([reader(book, table, label, name) for table in tables], ignore_index=True)
        return out
    finally:
        book.release_resources()


# -- dimension rows -------------------------------------------------------------------------------------------

#: Area level of each GSS code prefix in the workbook (the levels of clusterplan's area table).
_LEVELS = {
    "K02": "country_group",
    "K03": "country_group",
    "K04": "country_group",
    "E92": "country",
    "W92": "country",
    "S92": "country",
    "N92": "country",
    "E12": "region",
    "E13": "inner_outer_london",
    "E10": "county",
    "E11": "metropolitan_county",
    "E06": "lad",
    "E07": "lad",
    "E08": "lad",
    "E09": "lad",
    "W06": "lad",
    "S12": "lad",
    "N09": "lad",
}
# Fixed parents of the national rows; the others follow the sheet's nesting.
_NATIONAL_PARENTS = {
    "K02000001": None,
    "K03000001": "K02000001",
    "K04000001": "K03000001",
    "E92000001": "K04000001",
    "W92000004": "K04000001",
    "S92000003": "K03000001",
    "N92000002": "K02000001",
}


def workbook_areas(area_facts: pd.DataFrame, names: pd.DataFrame | None = None) -> pd.DataFrame:
    """Area rows (:data:`~clusterplan._schema.AREA_COLUMNS`) of Table 1 / 16, in sheet order, with parents.

    The sheet nests districts under their county (or metropolitan county, or
    Inner / Outer London) and everything under its region or nation; parents
    are read from that order. *names* (``area_code``, ``area_name``, e.g. from
    the SIC tables' headers) replaces the sheet's upper-case region names.
    """
    rows = area_facts.sort_values("_row").drop_duplicates("area_code")[["area_code", "area_name", "_row"]]
    better = dict(zip(names["area_code"], names["area_name"], strict=False)) if names is not None else {}
    out = []
    region: str | None = None
    county: str | None = None
    for code, name, row in rows.itertuples(index=False):
        level = _LEVELS.get(code[:3])
        if level is None:
            raise DataValidationError("GSS code of an unknown area type", row=int(row), code=code)
        if code in _NATIONAL_PARENTS:
            parent = _NATIONAL_PARENTS[code]
            region, county = (code, None) if level == "country" else (region, county)
        elif level == "region":
            parent, region, county = "E92000001", code, None
        elif level in ("county", "metropolitan_county", "inner_outer_london"):
            parent, county = region, code
        elif code[:3] in ("E07", "E08", "E09"):
            # Non-metropolitan districts sit in a county, metropolitan districts in a metropolitan county,
            # London boroughs in Inner or Outer London.
            parent = county
        else:
            parent, county = region, None
        if parent is None and code != "K02000001":
            raise DataValidationError("cannot tell which area contains this one", row=int(row), code=code)
        out.append((code, better.get(code, name), level, parent, "uk", None))
    return pd.DataFrame(out, columns=["area_code", "area_name", "area_level", "parent_code", "geography", "alt_code"])


def sic_class_industries(class_facts: pd.DataFrame) -> pd.DataFrame:
    """Dimension rows of the SIC 2007 classes (4-digit) named in Table 2 / 17; parent = the 3-digit group."""
    classes = class_facts.drop_duplicates("industry_code").sort_values("industry_code")
    return pd.DataFrame(
        {
            "industry_code": classes["industry_code"].to_numpy(),
            "classification": "sic2007",
            "industry_name": classes["industry_name"].to_numpy(),
            "industry_level": "class",
            "parent_code": classes["industry_code"].str.slice(0, 3).to_numpy(),
        }
    )[INDUSTRY_COLUMNS]


def broad_group_industries() -> pd.DataFrame:
    """Dimension rows (:data:`~clusterplan._schema.INDUSTRY_COLUMNS`) of the 17 broad industry groups.

    >>> broad_group_industries().iloc[0].tolist()
    ['01-03', 'ons_broad_industry_group', 'Agriculture, forestry & fishing', 'broad_group', None]
    """
    return pd.DataFrame(
        {
            "industry_code": list(BROAD_INDUSTRY_GROUPS),
            "classification": CLASSIFICATION,
            "industry_name": [name for name, _ in BROAD_INDUSTRY_GROUPS.values()],
            "industry_level": "broad_group",
            "parent_code": None,
        }
    )[INDUSTRY_COLUMNS]


def broad_group_divisions(divisions: Iterable[str]) -> pd.DataFrame:
    """Assign SIC 2007 divisions to broad industry groups by the groups' division ranges.

    Every division must fall in exactly one group.

    >>> broad_group_divisions(["01", "29", "47", "62"])["broad_group_code"].tolist()
    ['01-03', '05-39', '47', '58-63']
    """
    bounds = {}
    for code in BROAD_INDUSTRY_GROUPS:
        low, _, high = code.partition("-")
        bounds[code] = (int(low), int(high or low))
    rows = []
    for division in sorted(set(divisions)):
        if not re.fullmatch(r"\d{2}", division):
            raise DataValidationError(f"{division!r} is not a 2-digit SIC division", code=division)
        hits = [code for code, (low, high) in bounds.items() if low <= int(division) <= high]
        if len(hits) != 1:
            raise DataValidationError(f"division {division} is in {len(hits)} broad groups", code=division)
        rows.append((hits[0], division, BROAD_INDUSTRY_GROUPS[hits[0]][1]))
    return pd.DataFrame(rows, columns=["broad_group_code", "sic2007_division", "sic2007_sections"])
