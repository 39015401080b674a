"""OMB/Census Bureau delineation files of core-based statistical areas (CBSA "list1").

The delineation names every metropolitan and micropolitan statistical area and
lists its counties: one row per county with the CBSA code and title, its type,
metropolitan division, combined statistical area (CSA), county name, state,
FIPS codes and whether the county is central or outlying. The April 2018 file
(OMB Bulletin 18-03) is the one County Business Patterns 2019 uses.

- :func:`read_cbsa_delineation` reads the published ``.xls`` (or a CSV export
  with the same column names) into one row per county.
- :func:`cbsa_table` reduces it to one row per CBSA: title, type, CSA,
  principal state, states and counties.
"""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd

from .._exceptions import DataValidationError, InputError

__all__ = ["CBSA_TYPES", "cbsa_table", "principal_state", "read_cbsa_delineation"]

#: The delineation's type labels -> the short names used in clusterplan.
CBSA_TYPES = {
    "Metropolitan Statistical Area": "metropolitan",
    "Micropolitan Statistical Area": "micropolitan",
}

_COLUMNS = {
    "CBSA Code": "cbsa_code",
    "Metropolitan Division Code": "metro_division_code",
    "CSA Code": "csa_code",
    "CBSA Title": "cbsa_title",
    "Metropolitan/Micropolitan Statistical Area": "cbsa_type",
    "Metropolitan Division Title": "metro_division_title",
    "CSA Title": "csa_title",
    "County/County Equivalent": "county_name",
    "State Name": "state_name",
    "FIPS State Code": "state_fips",
    "FIPS County Code": "county_fips",
    "Central/Outlying County": "central_outlying",
}
_CBSA_CODE = re.compile(r"^\d{5}$")


def _read_raw(path: Path, label: str) -> pd.DataFrame:
    if path.suffix.lower() == ".csv":
        return pd.read_csv(path, dtype=str, header=None, keep_default_na=False)
    try:
        import xlrd  # optional dependency (the build-data and test extras)
    except ImportError:
        raise InputError(
            f"reading {label} needs xlrd", hint="pip install 'clusterplan[build-data]', or export the sheet to CSV"
        ) from None
    try:
        book = xlrd.open_workbook(str(path))
    except xlrd.XLRDError as exc:
        raise DataValidationError(f"not a readable .xls workbook: {exc}", file=label) from None
    sheet = book.sheet_by_index(0)
    rows = [[str(v).strip() for v in sheet.row_values(r)] for r in range(sheet.nrows)]
    return pd.DataFrame(rows, dtype=str)


def read_cbsa_delineation(path: str | Path, *, file_label: str | None = None) -> pd.DataFrame:
    """The county rows of a CBSA delineation file ("list1").

    Parameters
    ----------
    path
        The published ``list1_YYYY_MM.xls`` (header lines above the column
        row and note lines below the data are skipped), or a CSV with the
        same columns.

    Returns
    -------
    pandas.DataFrame
        One row per county: ``cbsa_code, cbsa_title, cbsa_type`` (``metropolitan``
        or ``micropolitan``), ``metro_division_code, metro_division_title,
        csa_code, csa_title, county_name, state_name, county_fips`` (5 digits,
        state + county), ``central_outlying``; empty codes are None.

    Raises
    ------
    DataValidationError
        No column row, a missing column, a CBSA code that is not 5 digits, an
        unknown type, a county in two CBSAs, or a CBSA with two titles.

    Examples
    --------
    >>> rows = read_cbsa_delineation("list1_2018_04.xls")  # doctest: +SKIP
    >>> rows.loc[rows["cbsa_code"] == "19820", "county_name"].tolist()  # doctest: +SKIP
    ['Lapeer County', 'Livingston County', 'Macomb County', 'Oakland County', 'St. Clair County', 'Wayne County']
    """
    path = Path(path)
    label = file_label or path.name
    raw = _read_raw(path, label)
    header_rows = raw.index[raw.iloc[:, 0].str.strip() == "CBSA Code"]
    if len(header_rows) == 0:
        raise DataValidationError("no column row starting 'CBSA Code'", file=label)
    start = int(header_rows[0])
    header = [str(v).strip() for v in raw.iloc[start]]
    missing = [c for c in _COLUMNS if c not in header]
    if missing:
        raise DataValidationError(f"missing columns {missing}", file=label)
    body = raw.iloc[start + 1 :].copy()
    body.columns = header
    body = body[list(_COLUMNS)].rename(columns=_COLUMNS)
    # Data rows have a 5-digit CBSA code; the blank line and the notes at the end do not.
    body = body[body["cbsa_code"].str.strip() != ""]
    notes = ~body["cbsa_code"].str.strip().str.match(_CBSA_CODE)
    if notes.any():
        first = body.index[notes][0]
        if body.loc[first:, "county_name"].str.strip().ne("").any():
            raise DataValidationError(
                f"CBSA code {body.loc[first, 'cbsa_code']!r} is not 5 digits", file=label, row=int(first) + 1
            )
        body = body.loc[: first - 1] if first > body.index[0] else body.iloc[0:0]
    body = body.apply(lambda col: col.str.strip())
    unknown = sorted(set(body["cbsa_type"]) - set(CBSA_TYPES))
    if unknown:
        raise DataValidationError(f"unknown CBSA type {unknown[0]!r}; expected one of {list(CBSA_TYPES)}", file=label)
    body["cbsa_type"] = body["cbsa_type"].map(CBSA_TYPES)
    body["county_fips"] = body["state_fips"].str.zfill(2) + body["county_fips"].str.zfill(3)
    twice = body["county_fips"].duplicated(keep=False)
    if twice.any():
        raise DataValidationError("county listed twice", file=label, code=str(body.loc[twice, "county_fips"].iloc[0]))
    titles = body.groupby("cbsa_code")["cbsa_title"].nunique()
    if (titles > 1).any():
        raise DataValidationError("CBSA with two titles", file=label, code=str(titles[titles > 1].index[0]))
    body = body.drop(columns="state_fips").replace({"": None})
    order = ["cbsa_code", "cbsa_title", "cbsa_type", "metro_division_code", "metro_division_title", "csa_code"]
    order += ["csa_title", "county_name", "state_name", "county_fips", "central_outlying"]
    return body[order].sort_values(["cbsa_code", "county_fips"]).reset_index(drop=True)


def principal_state(title: str) -> str:
    """The principal state of a CBSA: the first state abbreviation after the comma of its title.

    >>> principal_state("Detroit-Warren-Dearborn, MI")
    'MI'
    >>> principal_state("New York-Newark-Jersey City, NY-NJ-PA")
    'NY'
    """
    _, _, states = title.rpartition(",")
    return states.strip().split("-")[0]


def cbsa_table(counties: pd.DataFrame) -> pd.DataFrame:
    """One row per CBSA from :func:`read_cbsa_delineation`'s county rows.

    Returns
    -------
    pandas.DataFrame
        ``cbsa_code, cbsa_title, cbsa_type, csa_code, csa_title,
        principal_state, states`` (abbreviations in the title, ``-``-joined),
        ``counties`` (how many), ``county_fips`` (``;``-joined, sorted).
    """
    grouped = counties.groupby("cbsa_code", sort=True)
    out = grouped.agg(
        cbsa_title=("cbsa_title", "first"),
        cbsa_type=("cbsa_type", "first"),
        csa_code=("csa_code", "first"),
        csa_title=("csa_title", "first"),
        counties=("county_fips", "size"),
        county_fips=("county_fips", lambda s: ";".join(sorted(s))),
    ).reset_index()
    out["principal_state"] = out["cbsa_title"].map(principal_state)
    out["states"] = out["cbsa_title"].map(lambda t: t.rpartition(",")[2].strip())
    columns = ["cbsa_code", "cbsa_title", "cbsa_type", "csa_code", "csa_title", "principal_state", "states"]
    return out[[*columns, "counties", "county_fips"]]
