"""US Census Bureau County Business Patterns (CBP) files into the canonical fact schema.

Two layouts are read:

* the metropolitan and micropolitan area (CBSA) extract in ``shared/data/us/cbp``:
  ``cbsa_code, naics_code, naics_level, EMP, ESTAB``, one row per CBSA and NAICS
  2017 code at 2 to 6 digits, ``00`` for all industries
  (:func:`read_cbp_cbsa_csv`);
* Census's complete county file ``cbp{YY}co.txt`` (comma-separated, quoted):
  ``fipstate, fipscty, naics, emp_nf, emp, qp1_nf, qp1, ap_nf, ap, est, n<5,
  n5_9, ..., n1000_4`` with NAICS codes padded to six characters by ``-``
  (sectors, ``31----``) and ``/`` (``3111//``) (:func:`read_cbp_county_file`).

Disclosure: CBP infuses noise into employment and payroll and says how much in
the ``*_nf`` noise flags (``G`` low, under 2%; ``H`` medium, 2% to under 5%;
``J`` high, 5% or more). A cell *withheld* to avoid disclosing an individual
company (``D``) or because it did not meet publication standards (``S``) is
published as 0 and is included in higher-level totals; before 2017 the county
file also carried ``empflag`` (an employment size range ``A``..``M``) on such
rows. Withheld zeros get the flag ``zero_may_be_suppressed``; ``N`` (not
available) becomes a NULL value flagged ``missing``. Noise levels ``G``/``H``/``J``
are not flagged: the values are published estimates.

The CBSA extract has no noise flags; an employment of 0 where establishments are
positive is what a withheld cell looks like there (225 rows in the 2019 file),
so those zeros are flagged ``zero_may_be_suppressed`` too.

References
----------
US Census Bureau, County Business Patterns, record layouts of the complete
county file (``CBP[YR]CO.TXT`` county data dictionary), 2017 onwards.
"""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import pandas as pd

from .._exceptions import DataValidationError, ParameterError
from .._schema import FACT_COLUMNS, FLAG_MISSING, FLAG_ZERO_MAY_BE_SUPPRESSED, validate_facts
from ..datasets import CBP_METROS
from ._csv import first_true, read_text_csv

__all__ = [
    "ALL_INDUSTRIES",
    "COMBINED_SECTORS",
    "WITHHELD_NOISE_FLAGS",
    "cbp_cbsa_facts",
    "cbp_county_facts",
    "naics_classification",
    "naics_level",
    "naics_parent",
    "read_cbp_cbsa_csv",
    "read_cbp_county_file",
]

#: NAICS code CBP uses for the total of all industries (``------`` in the county file).
ALL_INDUSTRIES = "00"

#: NAICS sectors that span several 2-digit codes: each 2-digit prefix -> the sector code.
COMBINED_SECTORS = {
    "31": "31-33",
    "32": "31-33",
    "33": "31-33",
    "44": "44-45",
    "45": "44-45",
    "48": "48-49",
    "49": "48-49",
}

#: Noise flags meaning "withheld, published as 0" (D: disclosure, S: publication standards).
WITHHELD_NOISE_FLAGS = frozenset({"D", "S"})
_NOT_AVAILABLE = "N"

_CBSA_COLUMNS = ["cbsa_code", "naics_code", "naics_level", "EMP", "ESTAB"]
# Canonical fact columns, then the row in the file and the NAICS level.
_COLUMNS = [*FACT_COLUMNS, "_row", "industry_level"]

# County file: (value column, its noise-flag column, measure, unit).
_COUNTY_MEASURES = [
    ("emp", "emp_nf", "employment", "persons"),
    ("qp1", "qp1_nf", "first_quarter_payroll", "usd_thousand"),
    ("ap", "ap_nf", "annual_payroll", "usd_thousand"),
    ("est", None, "establishments", "count"),
]
# Establishment employment-size classes of the county file -> breakdown label.
_SIZE_CLASSES = {
    "n<5": "<5 employees",
    "n1_4": "1-4 employees",  # before 2017
    "n5_9": "5-9 employees",
    "n10_19": "10-19 employees",
    "n20_49": "20-49 employees",
    "n50_99": "50-99 employees",
    "n100_249": "100-249 employees",
    "n250_499": "250-499 employees",
    "n500_999": "500-999 employees",
    "n1000": "1000+ employees",
    "n1000_1": "1000-1499 employees",
    "n1000_2": "1500-2499 employees",
    "n1000_3": "2500-4999 employees",
    "n1000_4": "5000+ employees",
}

_NAICS_PATTERN = r"00|\d{2,6}|31-33|44-45|48-49"
_COUNTY_NEEDED = ["fipstate", "fipscty", "naics", "emp", "qp1", "ap", "est"]
_COUNTY_LAYOUT = "Census's county file layout (cbpYYco.txt): fipstate, fipscty, naics, emp_nf, emp, ..."


def naics_level(code: str) -> int:
    """Number of digits of a NAICS code: 2 for a sector (``"31-33"`` too), 0 for all industries (``"00"``).

    Examples
    --------
    >>> naics_level("31-33"), naics_level("3111"), naics_level("00")
    (2, 4, 0)
    """
    if code == ALL_INDUSTRIES:
        return 0
    if code in COMBINED_SECTORS.values():
        return 2
    return len(code)


def naics_parent(code: str) -> str | None:
    """The NAICS code one level up; ``None`` for sectors and all industries.

    The parent of a 3-digit subsector in a combined sector is the combined code.

    Examples
    --------
    >>> naics_parent("311"), naics_parent("3111"), naics_parent("541"), naics_parent("31-33")
    ('31-33', '311', '54', None)
    """
    level = naics_level(code)
    if level <= 2:
        return None
    if level == 3:
        return COMBINED_SECTORS.get(code[:2], code[:2])
    return code[:-1]


def naics_classification(year: int) -> str:
    """The NAICS edition CBP uses for data *year* (``"naics2017"`` for 2017-2021).

    Examples
    --------
    >>> naics_classification(2019), naics_classification(2015)
    ('naics2017', 'naics2012')
    """
    for first, edition in ((2022, "naics2022"), (2017, "naics2017"), (2012, "naics2012"), (2008, "naics2007")):
        if year >= first:
            return edition
    if year >= 2003:
        return "naics2002"
    if year >= 1998:
        return "naics1997"
    raise ParameterError(f"CBP for {year} is classified by SIC, not NAICS; year must be 1998 or later")


def _counts(raw: pd.DataFrame, column: str, label: str, codes: pd.Series) -> pd.Series:
    """Parse a count column: numbers (``"7729.0"``) or ``N`` (not available -> NaN); no negatives."""
    text = raw[column].str.strip()
    values = pd.to_numeric(text.str.replace(",", "", regex=False), errors="coerce")
    bad = (values.isna() & (text != _NOT_AVAILABLE)).to_numpy()
    if bad.any():
        i = first_true(bad)
        raise DataValidationError(
            f"{column} {raw[column].iloc[i]!r} is not a number",
            file=label,
            row=i + 1,
            column=column,
            code=str(codes.iloc[i]),
            hint="CBP counts are whole numbers; 'N' marks a value not available",
        )
    negative = (values < 0).to_numpy()
    if negative.any():
        i = first_true(negative)
        raise DataValidationError(
            f"negative count {values.iloc[i]:g}",
            file=label,
            row=i + 1,
            column=column,
            code=str(codes.iloc[i]),
            hint="employment, payroll and establishment counts cannot be negative",
        )
    return values


def _duplicates(keys: pd.DataFrame, label: str, what: str) -> None:
    dup = keys.duplicated(keep="first").to_numpy()
    if dup.any():
        i = first_true(dup)
        first = first_true((keys == keys.iloc[i]).all(axis=1).to_numpy())
        key = ", ".join(f"{c}={keys[c].iloc[i]}" for c in keys.columns)
        raise DataValidationError(
            f"duplicate {what} ({key}), first seen in row {first + 1}",
            file=label,
            row=i + 1,
            hint=f"each {what} once",
        )


def _read_table(
    path: str | Path | io.StringIO,
    file_label: str | None,
    needed: list[str],
    *,
    layout: str,
    expected: str,
    lower: bool = False,
) -> tuple[pd.DataFrame, str]:
    """The file as text, headers stripped (and lower-cased with *lower*), and its label for messages."""
    label = file_label or ("<buffer>" if isinstance(path, io.StringIO) else str(path))
    return _check_table(read_text_csv(path, label), label, needed, layout=layout, expected=expected, lower=lower), label


def _check_table(
    raw: pd.DataFrame, label: str, needed: list[str], *, layout: str, expected: str, lower: bool = False
) -> pd.DataFrame:
    """*raw* with its headers stripped (and lower-cased with *lower*), once it has the *needed* columns and rows."""
    raw.columns = [c.strip().lower() if lower else c.strip() for c in raw.columns]
    missing = [c for c in needed if c not in raw.columns]
    if missing:
        raise DataValidationError(
            f"missing CBP {layout} column(s) {', '.join(missing)}; found {', '.join(raw.columns)}",
            file=label,
            hint=f"expected {expected}",
        )
    if len(raw) == 0:
        raise DataValidationError("no data rows", file=label)
    return raw


def _check_codes(
    codes: pd.Series, pattern: str, raw: pd.DataFrame, column: str, label: str, what: str, hint: str | None = None
) -> None:
    """Every (cleaned) code of *column* must match *pattern*; the error quotes the cell as published."""
    bad = ~codes.str.fullmatch(pattern).to_numpy()
    if bad.any():
        i = first_true(bad)
        raise DataValidationError(
            f"{column} {raw[column].iloc[i]!r} is not {what}", file=label, row=i + 1, column=column, hint=hint
        )


def _fact_keys(
    dataset: str, area: pd.Series, naics: pd.Series, classification: str, year: int, levels: pd.Series
) -> dict[str, object]:
    """The fact columns every measure of one file shares, with ``_row`` (1-based data row) and ``industry_level``."""
    return {
        "dataset": dataset,
        "area_code": area.to_numpy(),
        "industry_code": naics.to_numpy(),
        "classification": classification,
        "year": year,
        "_row": np.arange(1, len(area) + 1),
        "industry_level": levels.to_numpy(),
    }


def _measure_facts(
    keys: dict[str, object], measure: str, breakdown: str, values: pd.Series, unit: str, flags: np.ndarray
) -> pd.DataFrame:
    """Facts of one measure; *keys* holds the columns every measure shares (area, industry, ``_row`` ...)."""
    value = values.to_numpy(dtype=float)
    frame = pd.DataFrame(
        {**keys, "measure": measure, "breakdown": breakdown, "value": value, "unit": unit, "flag": flags}
    )
    return frame[_COLUMNS]


def read_cbp_cbsa_csv(
    path: str | Path | io.StringIO,
    *,
    dataset: str = CBP_METROS,
    year: int = 2019,
    classification: str | None = None,
    file_label: str | None = None,
) -> pd.DataFrame:
    """Parse the CBP metropolitan/micropolitan (CBSA) extract into canonical facts.

    Parameters
    ----------
    path
        CSV with columns ``cbsa_code, naics_code, naics_level, EMP, ESTAB`` (or a text buffer).
    dataset
        Dataset id stored with every fact.
    year
        Data year (CBP reference: employment in the pay period including 12 March).
    classification
        NAICS edition of ``naics_code``; by default the edition CBP used for *year*
        (:func:`naics_classification`, ``"naics2017"`` for 2019).
    file_label
        Name used in error messages (defaults to the path).

    Returns
    -------
    pandas.DataFrame
        Canonical facts (measures ``employment``/``persons`` and
        ``establishments``/``count``), plus ``_row`` (1-based data row) and
        ``industry_level`` (0 for ``00``, 2 for sectors including ``31-33``, else
        the number of digits).

    Raises
    ------
    DataValidationError
        Missing columns, a code that is not a CBSA or NAICS code, a count that is
        not a number or negative, a CBSA and NAICS code listed twice.

    Notes
    -----
    CBSA codes are kept as 5-character strings; codes that lost their leading
    zeros in a spreadsheet are padded back. The file's own ``naics_level`` is
    checked but not used: it counts characters, so the combined sectors
    ``31-33``, ``44-45`` and ``48-49`` are labelled level 5 although they are
    sectors (level 2). Employment 0 with establishments > 0 is a withheld cell
    and is flagged ``zero_may_be_suppressed``.

    Examples
    --------
    >>> text = "cbsa_code,naics_code,naics_level,EMP,ESTAB\\n38920,00,2,9970.0,438.0\\n38920,114,3,0.0,18.0\\n"
    >>> facts = read_cbp_cbsa_csv(io.StringIO(text))
    >>> facts[facts["measure"] == "employment"]["value"].tolist()
    [9970.0, 0.0]
    >>> facts.loc[facts["flag"].notna(), ["industry_code", "measure", "flag"]].values.tolist()
    [['114', 'employment', 'zero_may_be_suppressed']]
    """
    raw, label = _read_table(path, file_label, _CBSA_COLUMNS, layout="CBSA", expected=", ".join(_CBSA_COLUMNS))
    return cbp_cbsa_facts(raw, dataset=dataset, year=year, classification=classification, label=label)


def cbp_cbsa_facts(
    raw: pd.DataFrame,
    *,
    dataset: str = CBP_METROS,
    year: int = 2019,
    classification: str | None = None,
    label: str,
    check_duplicates: bool = True,
) -> pd.DataFrame:
    """Validated facts from the CBSA extract read as text: the whole file, or a batch of its rows when
    *check_duplicates* is False (the warehouse then checks the keys of the whole file).

    :func:`read_cbp_cbsa_csv` describes the parameters; rows count from the first row of *raw*.
    """
    raw = _check_table(raw, label, _CBSA_COLUMNS, layout="CBSA", expected=", ".join(_CBSA_COLUMNS))
    cbsa = raw["cbsa_code"].str.strip()
    # Spreadsheets drop leading zeros; CBSA codes are 5 digits.
    cbsa = cbsa.where(~cbsa.str.fullmatch(r"\d{1,4}"), cbsa.str.zfill(5))
    _check_codes(cbsa, r"\d{5}", raw, "cbsa_code", label, "a 5-digit CBSA code")
    naics = raw["naics_code"].str.strip()
    _check_codes(
        naics,
        _NAICS_PATTERN,
        raw,
        "naics_code",
        label,
        "a NAICS code",
        hint="expected 00 (all industries), 2 to 6 digits, or 31-33, 44-45, 48-49",
    )
    levels = naics.map(naics_level)
    stated = pd.to_numeric(raw["naics_level"].str.strip(), errors="coerce")
    # The file's level is the code's length, so the combined sectors say 5 and "00" says 2.
    consistent = (stated == levels) | (stated == naics.str.len())
    bad = ~consistent.to_numpy()
    if bad.any():
        i = first_true(bad)
        raise DataValidationError(
            f"naics_level {raw['naics_level'].iloc[i]!r} does not match naics_code {naics.iloc[i]!r}",
            file=label,
            row=i + 1,
            column="naics_level",
        )
    if check_duplicates:
        _duplicates(pd.DataFrame({"cbsa_code": cbsa, "naics_code": naics}), label, "CBSA and NAICS code")
    employment = _counts(raw, "EMP", label, naics)
    establishments = _counts(raw, "ESTAB", label, naics)
    n = len(raw)
    employment_flag = np.full(n, None, dtype=object)
    employment_flag[((employment == 0) & (establishments > 0)).to_numpy()] = FLAG_ZERO_MAY_BE_SUPPRESSED
    employment_flag[employment.isna().to_numpy()] = FLAG_MISSING
    establishment_flag = np.full(n, None, dtype=object)
    establishment_flag[establishments.isna().to_numpy()] = FLAG_MISSING
    keys = _fact_keys(dataset, cbsa, naics, classification or naics_classification(year), year, levels)
    parts = [
        _measure_facts(keys, "employment", "all", employment, "persons", employment_flag),
        _measure_facts(keys, "establishments", "all", establishments, "count", establishment_flag),
    ]
    # Interleave the two measures so that facts stay in file order.
    facts = pd.concat(parts).sort_values(["_row", "measure"], kind="stable").reset_index(drop=True)
    validate_facts(facts, file=label, check_duplicates=check_duplicates)
    return facts


def _county_naics(raw: pd.Series) -> pd.Series:
    """``------`` -> ``00``, ``31----`` -> ``31-33``, ``3111//`` -> ``3111``."""
    code = raw.str.strip().str.rstrip("-/")
    code = code.where(code != "", ALL_INDUSTRIES)
    return code.where(code.str.len() != 2, code.map(lambda c: COMBINED_SECTORS.get(c, c)))


def read_cbp_county_file(
    path: str | Path | io.StringIO,
    *,
    year: int,
    dataset: str | None = None,
    classification: str | None = None,
    size_classes: bool = False,
    file_label: str | None = None,
) -> pd.DataFrame:
    """Parse Census's complete CBP county file (``cbp19co.txt`` and its siblings) into canonical facts.

    Parameters
    ----------
    path
        The county file as downloaded (comma-separated, quoted; upper- or lower-case header).
    year
        Data year of the file (``cbp19co.txt`` is 2019).
    dataset
        Dataset id; defaults to ``us_cbp_{year}_county``.
    classification
        NAICS edition; by default the one CBP used for *year* (:func:`naics_classification`).
    size_classes
        Also emit establishments by employment-size class (``n<5`` ... ``n1000_4``)
        as measure ``establishments`` with the class in ``breakdown``.
    file_label
        Name used in error messages (defaults to the path).

    Returns
    -------
    pandas.DataFrame
        Canonical facts for ``employment`` (persons), ``establishments`` (count),
        ``first_quarter_payroll`` and ``annual_payroll`` (both ``usd_thousand``),
        with ``_row`` and ``industry_level``. ``area_code`` is the 5-digit county
        FIPS code (state + county); county ``999`` is CBP's "statewide" record of
        establishments with no fixed county location.

    Raises
    ------
    DataValidationError
        Missing columns, bad FIPS or NAICS codes, non-numeric or negative values,
        a county and NAICS code listed twice.

    Notes
    -----
    NAICS codes lose their padding (``3111//`` -> ``3111``); all-industries
    ``------`` becomes ``00`` and the sectors ``31----``, ``44----``, ``48----``
    become ``31-33``, ``44-45``, ``48-49``, as in the CBSA extract. A value whose
    noise flag is ``D`` or ``S`` (withheld and set to 0), or an employment with an
    ``empflag`` size range (files before 2017), is flagged
    ``zero_may_be_suppressed``; ``N`` is a NULL flagged ``missing``.

    Examples
    --------
    >>> text = (
    ...     '"fipstate","fipscty","naics","emp_nf","emp","qp1_nf","qp1","ap_nf","ap","est"\\n'
    ...     '"01","001","3111//","D",0,"D",0,"D",0,3\\n'
    ... )
    >>> facts = read_cbp_county_file(io.StringIO(text), year=2019)
    >>> facts[["area_code", "industry_code"]].iloc[0].tolist()
    ['01001', '3111']
    >>> facts.loc[facts["flag"].notna(), "measure"].tolist()
    ['annual_payroll', 'employment', 'first_quarter_payroll']
    """
    raw, label = _read_table(path, file_label, _COUNTY_NEEDED, layout="county", expected=_COUNTY_LAYOUT, lower=True)
    return cbp_county_facts(
        raw, year=year, dataset=dataset, classification=classification, size_classes=size_classes, label=label
    )


def cbp_county_facts(
    raw: pd.DataFrame,
    *,
    year: int,
    dataset: str | None = None,
    classification: str | None = None,
    size_classes: bool = False,
    label: str,
    check_duplicates: bool = True,
) -> pd.DataFrame:
    """Validated facts from a CBP county file read as text: the whole file, or a batch of its rows when
    *check_duplicates* is False (the warehouse then checks the keys of the whole file).

    :func:`read_cbp_county_file` describes the parameters; rows count from the first row of *raw*.
    """
    raw = _check_table(raw, label, _COUNTY_NEEDED, layout="county", expected=_COUNTY_LAYOUT, lower=True)
    state = raw["fipstate"].str.strip()
    county = raw["fipscty"].str.strip()
    bad = ~(state.str.fullmatch(r"\d{1,2}") & county.str.fullmatch(r"\d{1,3}")).to_numpy()
    if bad.any():
        i = first_true(bad)
        column = "fipstate" if not state.iloc[i].isdigit() else "fipscty"
        raise DataValidationError(
            f"{column} {raw[column].iloc[i]!r} is not a FIPS code", file=label, row=i + 1, column=column
        )
    area = state.str.zfill(2) + county.str.zfill(3)
    naics = _county_naics(raw["naics"])
    _check_codes(
        naics,
        _NAICS_PATTERN,
        raw,
        "naics",
        label,
        "a padded NAICS code",
        hint="CBP pads NAICS codes to 6 characters with '-' and '/', e.g. '31----', '3111//'",
    )
    if check_duplicates:
        _duplicates(pd.DataFrame({"county": area, "naics": naics}), label, "county and NAICS code")
    n = len(raw)
    keys = _fact_keys(
        dataset or f"us_cbp_{year}_county",
        area,
        naics,
        classification or naics_classification(year),
        year,
        naics.map(naics_level),
    )
    columns: list[tuple[str, str | None, str, str, str]] = [
        (value, flag, measure, unit, "all") for value, flag, measure, unit in _COUNTY_MEASURES
    ]
    if size_classes:
        columns += [(c, None, "establishments", "count", band) for c, band in _SIZE_CLASSES.items() if c in raw.columns]
    parts = []
    for value_column, flag_column, measure, unit, breakdown in columns:
        values = _counts(raw, value_column, label, naics)
        flags = np.full(n, None, dtype=object)
        if flag_column is not None and flag_column in raw.columns:
            flags[raw[flag_column].str.strip().str.upper().isin(WITHHELD_NOISE_FLAGS).to_numpy()] = (
                FLAG_ZERO_MAY_BE_SUPPRESSED
            )
        if measure == "employment" and "empflag" in raw.columns:
            flags[(raw["empflag"].str.strip() != "").to_numpy()] = FLAG_ZERO_MAY_BE_SUPPRESSED
        flags[values.isna().to_numpy()] = FLAG_MISSING
        parts.append(_measure_facts(keys, measure, breakdown, values, unit, flags))
    facts = pd.concat(parts).sort_values(["_row", "measure", "breakdown"], kind="stable").reset_index(drop=True)
    validate_facts(facts, file=label, check_duplicates=check_duplicates)
    return facts
