"""Companies House "Basic Company Data": the register of live UK companies, as a validated firm table.

Companies House publishes the register monthly as ``BasicCompanyDataAsOneFile-
YYYY-MM-01.csv`` (about 5 million rows) and in parts. Every field is quoted;
dates are ``DD/MM/YYYY``; the header line has stray spaces before some names
(``" CompanyNumber"``), which are ignored here. The columns used:

==============================  ===================================================
``CompanyName``                 registered name
``CompanyNumber``               8 characters (``07687209``, ``SC123456``, ``OC300001``)
``RegAddress.PostCode``         postcode of the *registered office*
``CompanyCategory``             legal form ("Private Limited Company", ...)
``CompanyStatus``               "Active", "Liquidation", ...
``CountryOfOrigin``             "United Kingdom", ...
``DissolutionDate``             empty unless dissolved
``IncorporationDate``           date of incorporation
``Accounts.AccountCategory``    e.g. "MICRO ENTITY", "SMALL", "FULL", "DORMANT"
``SICCode.SicText_1`` ... ``_4``  up to four SIC 2007 codes as ``"62012 - Business
                                and domestic software development"``, or
                                ``"None Supplied"``
==============================  ===================================================

Two readers: :func:`read_basic_company_data` (pandas, for a region's extract or
a test file) and :func:`clusterplan.warehouse.load_basic_company_data_duckdb` (DuckDB, for the
national file; the same validation as SQL). Both raise
:class:`~clusterplan.DataValidationError` naming the file and data row (header
is row 0) for a missing column, a malformed company number, a date that is not
``DD/MM/YYYY``, a dissolution before incorporation, SIC text that is not
``"NNNNN - description"`` or ``"None Supplied"``, and a company number listed
twice.

Caveat for analysis: the postcode is the registered office, which for many
small companies is their accountant's or a formation agent's address, not where
they work; and the register has no employment. Counts of companies are a
measure of business presence, not of jobs.

References
----------
Companies House. *Free Company Data Product* (Basic Company Data), Open
Government Licence v3.0.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

import numpy as np
import pandas as pd

from .._exceptions import DataValidationError
from ._csv import check_unique, first_true, read_text_csv
from .postcodes import normalise_postcodes

__all__ = [
    "BASIC_COMPANY_DATA_COLUMNS",
    "BASIC_COMPANY_DATA_HEADER",
    "FIRM_COLUMNS",
    "SIC_NONE_SUPPLIED",
    "firm_sic_codes",
    "parse_sic_text",
    "read_basic_company_data",
]

#: The header line of the published file, byte for byte (stray spaces included).
BASIC_COMPANY_DATA_HEADER = (
    "CompanyName, CompanyNumber,RegAddress.CareOf,RegAddress.POBox,RegAddress.AddressLine1, RegAddress.AddressLine2,"
    "RegAddress.PostTown,RegAddress.County,RegAddress.Country,RegAddress.PostCode,CompanyCategory,CompanyStatus,"
    "CountryOfOrigin,DissolutionDate,IncorporationDate,Accounts.AccountRefDay,Accounts.AccountRefMonth,"
    "Accounts.NextDueDate,Accounts.LastMadeUpDate,Accounts.AccountCategory,Returns.NextDueDate,"
    "Returns.LastMadeUpDate,Mortgages.NumMortCharges,Mortgages.NumMortOutstanding,Mortgages.NumMortPartSatisfied,"
    "Mortgages.NumMortSatisfied,SICCode.SicText_1,SICCode.SicText_2,SICCode.SicText_3,SICCode.SicText_4,"
    "LimitedPartnerships.NumGenPartners,LimitedPartnerships.NumLimPartners,URI,PreviousName_1.CONDATE, "
    "PreviousName_1.CompanyName, PreviousName_2.CONDATE, PreviousName_2.CompanyName,PreviousName_3.CONDATE, "
    "PreviousName_3.CompanyName,PreviousName_4.CONDATE, PreviousName_4.CompanyName,PreviousName_5.CONDATE, "
    "PreviousName_5.CompanyName,PreviousName_6.CONDATE, PreviousName_6.CompanyName,PreviousName_7.CONDATE, "
    "PreviousName_7.CompanyName,PreviousName_8.CONDATE, PreviousName_8.CompanyName,PreviousName_9.CONDATE, "
    "PreviousName_9.CompanyName,PreviousName_10.CONDATE, PreviousName_10.CompanyName,ConfStmtNextDueDate, "
    "ConfStmtLastMadeUpDate"
)
#: The 55 column names, stripped.
BASIC_COMPANY_DATA_COLUMNS = [c.strip() for c in BASIC_COMPANY_DATA_HEADER.split(",")]
#: What Companies House writes for a company without a SIC code.
SIC_NONE_SUPPLIED = "None Supplied"
#: Columns of :func:`read_basic_company_data`.
FIRM_COLUMNS = [
    "company_number",
    "company_name",
    "postcode",
    "postcode_as_published",
    "company_category",
    "company_status",
    "country_of_origin",
    "incorporation_date",
    "dissolution_date",
    "accounts_category",
    "sic_code_1",
    "sic_code_2",
    "sic_code_3",
    "sic_code_4",
]

_SOURCE = {
    "CompanyNumber": "company_number",
    "CompanyName": "company_name",
    "RegAddress.PostCode": "postcode_as_published",
    "CompanyCategory": "company_category",
    "CompanyStatus": "company_status",
    "CountryOfOrigin": "country_of_origin",
    "IncorporationDate": "incorporation_date",
    "DissolutionDate": "dissolution_date",
    "Accounts.AccountCategory": "accounts_category",
    "SICCode.SicText_1": "sic_code_1",
    "SICCode.SicText_2": "sic_code_2",
    "SICCode.SicText_3": "sic_code_3",
    "SICCode.SicText_4": "sic_code_4",
}
_SIC_COLUMNS = [f"SICCode.SicText_{i}" for i in range(1, 5)]
_COMPANY_NUMBER = r"[A-Z0-9]{8}"
_SIC_TEXT = r"(\d{5}) - (.+)"
_DATE = "%d/%m/%Y"


def parse_sic_text(values: pd.Series) -> tuple[pd.Series, np.ndarray]:
    """SIC codes from Companies House SIC text, and a mask of text that is not SIC text.

    ``"62012 - Business and domestic software development"`` → ``"62012"``;
    ``""`` and ``"None Supplied"`` → missing (None); anything else is bad.

    Examples
    --------
    >>> codes, bad = parse_sic_text(pd.Series(["62012 - Business and domestic software development",
    ...                                          "None Supplied", "", "software"]))
    >>> codes.tolist(), bad.tolist()
    (['62012', None, None, None], [False, False, False, True])
    """
    text = values.fillna("").astype(str).str.strip()
    matched = text.str.extract(f"^{_SIC_TEXT}$")[0]
    empty = (text == "") | (text == SIC_NONE_SUPPLIED)
    bad = (matched.isna() & ~empty).to_numpy()
    codes = matched.astype(object).where(matched.notna(), None)
    return codes, bad


def _check_columns(columns: Iterable[str], label: str) -> None:
    """Raise when a column this module reads is not among *columns* (the stripped header)."""
    present = set(columns)
    missing = [c for c in _SOURCE if c not in present]
    if missing:
        raise DataValidationError(
            f"missing column(s) {', '.join(missing)}",
            file=label,
            hint="expected Companies House Basic Company Data (CompanyName, CompanyNumber, RegAddress.PostCode, ...)",
        )


def read_basic_company_data(path: str | Path, *, file_label: str | None = None) -> pd.DataFrame:
    """Parse and validate a Companies House Basic Company Data CSV (a whole file, a part or an extract).

    Parameters
    ----------
    path
        The CSV file.
    file_label
        Name used in error messages (defaults to the path).

    Returns
    -------
    pandas.DataFrame
        :data:`FIRM_COLUMNS`, one row per company in file order:
        ``postcode`` normalised to the one-space form (``""`` when the
        published postcode is empty or not a UK postcode; the published text
        is kept in ``postcode_as_published``), dates as ``datetime64``
        (``NaT`` when empty), ``sic_code_1`` ... ``sic_code_4`` as 5-digit
        strings or None. ``attrs["rows"]`` is the number of data rows.

    Raises
    ------
    DataValidationError
        See the module docstring; the message names the file, row and column.

    Examples
    --------
    >>> import io
    >>> row = ['"!OBAC UK LIMITED"', '"07687209"'] + ['""'] * 53
    >>> row[9], row[11], row[14] = '"RG26 5AT"', '"Active"', '"29/06/2011"'
    >>> row[26] = '"70229 - Management consultancy activities other than financial management"'
    >>> text = BASIC_COMPANY_DATA_HEADER + "\\n" + ",".join(row) + "\\n"
    >>> firms = read_basic_company_data(io.StringIO(text), file_label="companies.csv")
    >>> firms.loc[0, ["company_number", "postcode", "sic_code_1"]].tolist()
    ['07687209', 'RG26 5AT', '70229']
    >>> str(firms.loc[0, "incorporation_date"].date())
    '2011-06-29'
    """
    label = file_label or str(path)
    raw = read_text_csv(path, label, usecols=lambda c: c.strip() in _SOURCE, error_detail=False)
    raw.columns = [c.strip() for c in raw.columns]
    _check_columns(raw.columns, label)
    if raw.empty:
        raise DataValidationError("no data rows", file=label)
    frame = raw[list(_SOURCE)].rename(columns=_SOURCE)
    for column in ("company_number", "company_name", "company_status", "company_category", "country_of_origin"):
        frame[column] = frame[column].str.strip()
    number = frame["company_number"]
    bad = ~number.str.fullmatch(_COMPANY_NUMBER).to_numpy()
    if bad.any():
        i = first_true(bad)
        raise DataValidationError(
            f"company number {number.iloc[i]!r} is not 8 letters or digits",
            file=label,
            row=i + 1,
            column="CompanyNumber",
            hint="Companies House numbers are 8 characters with leading zeros kept, e.g. 07687209 or SC123456",
        )
    check_unique(
        number,
        label,
        column="CompanyNumber",
        problem="company number listed twice (first in row {first})",
        hint="each company appears once in Basic Company Data; do not concatenate overlapping extracts",
    )
    for source, column in (("IncorporationDate", "incorporation_date"), ("DissolutionDate", "dissolution_date")):
        text = frame[column].str.strip()
        parsed = pd.to_datetime(text, format=_DATE, errors="coerce")
        bad = (parsed.isna() & (text != "")).to_numpy()
        if bad.any():
            i = first_true(bad)
            raise DataValidationError(
                f"date {text.iloc[i]!r} is not DD/MM/YYYY",
                file=label,
                row=i + 1,
                column=source,
                code=number.iloc[i],
            )
        frame[column] = parsed
    backwards = (frame["dissolution_date"] < frame["incorporation_date"]).to_numpy()
    if backwards.any():
        i = first_true(backwards)
        raise DataValidationError(
            "dissolved before it was incorporated",
            file=label,
            row=i + 1,
            column="DissolutionDate",
            code=number.iloc[i],
        )
    for source in _SIC_COLUMNS:
        column = _SOURCE[source]
        codes, bad = parse_sic_text(frame[column])
        if bad.any():
            i = first_true(bad)
            raise DataValidationError(
                f"SIC text {frame[column].iloc[i]!r} is not 'NNNNN - description' or 'None Supplied'",
                file=label,
                row=i + 1,
                column=source,
                code=number.iloc[i],
            )
        frame[column] = codes
    frame["postcode"] = normalise_postcodes(frame["postcode_as_published"])
    frame["accounts_category"] = frame["accounts_category"].str.strip()
    out = frame[FIRM_COLUMNS].reset_index(drop=True)
    out.attrs.update(file=label, rows=len(out))
    return out


def firm_sic_codes(firms: pd.DataFrame, *, primary_only: bool = False) -> pd.DataFrame:
    """Every (company, SIC code) pair: ``company_number, position, sic_code``.

    ``position`` is 1-4 (``SicText_1`` is the first code the company gave, not
    necessarily its main activity; Companies House does not rank them).
    Companies without a code are left out.

    Examples
    --------
    >>> firms = pd.DataFrame({"company_number": ["A0000001"], "sic_code_1": ["62012"], "sic_code_2": ["70229"],
    ...                       "sic_code_3": [None], "sic_code_4": [None]})
    >>> firm_sic_codes(firms)["sic_code"].tolist()
    ['62012', '70229']
    """
    positions = [1] if primary_only else [1, 2, 3, 4]
    pieces = [
        pd.DataFrame({"company_number": firms["company_number"], "position": i, "sic_code": firms[f"sic_code_{i}"]})
        for i in positions
    ]
    long = pd.concat(pieces, ignore_index=True)
    long = long[long["sic_code"].notna()]
    return long.sort_values(["company_number", "position"], kind="stable").reset_index(drop=True)
