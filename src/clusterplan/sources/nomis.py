"""NOMIS CSV files (BRES, UK Business Counts) into the canonical fact schema.

Reads both layouts NOMIS produces:

* the *download* layout used by the files in ``shared/data/uk`` —
  ``DATE, GEOGRAPHY_NAME, GEOGRAPHY_CODE, INDUSTRY_NAME, INDUSTRY_CODE,
  [EMPLOYMENT_SIZEBAND_NAME,] COUNT`` (``GEOGRAPHY_*`` absent for a GB-only
  series);
* the *API* layout (``/api/v01/dataset/NM_xxx.data.csv``) with ``OBS_VALUE``
  and ``OBS_STATUS`` columns, and ``INDUSTRY_CODE`` that may carry a
  classification prefix.

NOMIS rounds BRES counts for disclosure control, and a published 0 can be a
suppressed cell; such zeros get the flag ``zero_may_be_suppressed`` and empty
cells the flag ``missing`` (their value stays NULL). Codes of NUTS 2016 areas
(``UKG3``) are translated to ITL 2021 (``TLG3``); see
:mod:`clusterplan.sources._codes`.
"""

from __future__ import annotations

import io
import re
from pathlib import Path

import numpy as np
import pandas as pd

from .._exceptions import DataValidationError
from .._schema import FACT_COLUMNS, FLAG_MISSING, FLAG_ZERO_MAY_BE_SUPPRESSED, validate_facts
from ._codes import nuts2016_to_itl2021
from ._csv import read_text_csv

__all__ = ["GREAT_BRITAIN", "NOMIS_MEASURES", "parse_nomis_text", "read_nomis_csv"]

#: GSS code NOMIS uses for Great Britain.
GREAT_BRITAIN = "K03000001"

#: NOMIS dataset id -> (measure, unit) in the canonical schema.
NOMIS_MEASURES = {
    "NM_189_1": ("employment", "persons"),  # BRES open access, employment
    "NM_142_1": ("enterprises", "count"),  # UK Business Counts, enterprises
    "NM_141_1": ("local_units", "count"),  # UK Business Counts, local units
}

_VALUE_COLUMNS = ("COUNT", "OBS_VALUE")
# NOMIS OBS_STATUS codes that mean the published value is not a true count.
_SUPPRESSED_STATUS = {"Q", "X", ".", "-", "*"}


def _industry_code(raw: pd.Series) -> pd.Series:
    """Strip NOMIS prefixes: API codes look like ``"25620"`` or ``"C25620"`` or ``"25620 : name"``."""
    code = raw.astype(str).str.split(" : ", n=1).str[0].str.strip()
    return code.str.replace(r"^[A-Z](?=\d{2,5}$)", "", regex=True)


def read_nomis_csv(
    path: str | Path | io.StringIO,
    *,
    dataset: str,
    measure: str = "employment",
    unit: str = "persons",
    classification: str = "sic2007",
    area_code: str | None = None,
    file_label: str | None = None,
) -> pd.DataFrame:
    """Parse a NOMIS CSV into canonical facts (with a ``_row`` column for error messages).

    Parameters
    ----------
    path
        The CSV file (or a text buffer, e.g. an API response).
    dataset
        Dataset id stored with every fact, e.g. ``"bres_itl2_sic5"``.
    measure, unit
        What the counts are (``employment``/``persons``, ``enterprises``/``count``).
    classification
        Industry classification of ``INDUSTRY_CODE``.
    area_code
        Area for files without ``GEOGRAPHY_CODE`` (GB-only series); defaults to
        Great Britain, ``K03000001``.
    file_label
        Name used in error messages (defaults to the path).

    Returns
    -------
    pandas.DataFrame
        Canonical facts plus ``_row`` (1-based data row) and ``area_name``,
        ``industry_name`` for the dimension tables.

    Raises
    ------
    DataValidationError
        Missing columns, unparseable values, negative counts, duplicate keys.
    """
    label = file_label or str(path)
    facts = parse_nomis_text(
        read_text_csv(path, label),
        dataset=dataset,
        measure=measure,
        unit=unit,
        classification=classification,
        area_code=area_code,
        label=label,
    )
    validate_facts(facts, file=label)
    return facts


def parse_nomis_text(
    raw: pd.DataFrame,
    *,
    dataset: str,
    measure: str = "employment",
    unit: str = "persons",
    classification: str = "sic2007",
    area_code: str | None = None,
    label: str,
) -> pd.DataFrame:
    """Canonical facts from a NOMIS CSV read as text (the whole file or a batch of its rows), not yet validated.

    Rows in errors and in ``_row`` count from the first row of *raw*; :func:`read_nomis_csv` describes the
    parameters. A streaming import calls this on each batch and adds the batch's offset.
    """
    raw.columns = [c.strip().upper() for c in raw.columns]
    value_column = next((c for c in _VALUE_COLUMNS if c in raw.columns), None)
    needed = ["DATE", "INDUSTRY_CODE"]
    missing = [c for c in needed if c not in raw.columns]
    if value_column is None:
        missing.append("COUNT or OBS_VALUE")
    if missing:
        raise DataValidationError(
            f"missing NOMIS column(s) {', '.join(missing)}; found {', '.join(raw.columns)}",
            file=label,
            hint="use --format nomis only for NOMIS BRES / Business Counts CSV downloads",
        )
    n = len(raw)
    if "GEOGRAPHY_CODE" in raw.columns:
        areas = raw["GEOGRAPHY_CODE"].str.strip().map(nuts2016_to_itl2021)
        area_names = raw.get("GEOGRAPHY_NAME", pd.Series([""] * n)).str.strip()
    else:
        areas = pd.Series([area_code or GREAT_BRITAIN] * n)
        area_names = pd.Series(["Great Britain" if (area_code or GREAT_BRITAIN) == GREAT_BRITAIN else ""] * n)
    # DATE is "2019" in downloads, "2019" or "2019-12" in the API; DATE_CODE wins when present.
    date = raw["DATE_CODE"] if "DATE_CODE" in raw.columns else raw["DATE"]
    year_text = date.str.strip().str.slice(0, 4)
    bad = ~year_text.str.fullmatch(r"\d{4}").to_numpy()
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise DataValidationError(f"DATE {date.iloc[i]!r} is not a year", file=label, row=i + 1, column="DATE")
    text = raw[value_column].str.strip().str.replace(",", "", regex=False)
    values = pd.to_numeric(text, errors="coerce")
    unparsed = (values.isna() & (text != "")).to_numpy()
    if unparsed.any():
        i = int(np.flatnonzero(unparsed)[0])
        raise DataValidationError(
            f"{value_column} {raw[value_column].iloc[i]!r} is not a number",
            file=label,
            row=i + 1,
            column=value_column,
            code=str(raw["INDUSTRY_CODE"].iloc[i]),
        )
    flags = pd.Series([None] * n, dtype=object)
    flags[(values == 0).to_numpy()] = FLAG_ZERO_MAY_BE_SUPPRESSED
    if "OBS_STATUS" in raw.columns:
        flags[raw["OBS_STATUS"].str.strip().isin(_SUPPRESSED_STATUS).to_numpy()] = FLAG_ZERO_MAY_BE_SUPPRESSED
    flags[values.isna().to_numpy()] = FLAG_MISSING
    breakdown = (
        raw["EMPLOYMENT_SIZEBAND_NAME"].str.strip()
        if "EMPLOYMENT_SIZEBAND_NAME" in raw.columns
        else pd.Series(["all"] * n)
    )
    industry_names = raw.get("INDUSTRY_NAME", pd.Series([""] * n)).astype(str)
    industry_names = industry_names.str.replace(r"^\s*[A-Z]?\d+\s*:\s*", "", regex=True).str.strip()
    facts = pd.DataFrame(
        {
            "dataset": dataset,
            # Text columns stay pandas strings (Arrow-backed, compact); .to_numpy() would make a Python
            # object per cell and multiply the memory of a large import.
            "area_code": areas.reset_index(drop=True),
            "industry_code": _industry_code(raw["INDUSTRY_CODE"]).reset_index(drop=True),
            "classification": classification,
            "year": year_text.astype(int).to_numpy(),
            "measure": measure,
            "breakdown": breakdown.reset_index(drop=True),
            "value": values.to_numpy(dtype=float),
            "unit": unit,
            "flag": flags.to_numpy(),
            "_row": np.arange(1, n + 1),
            "area_name": area_names.reset_index(drop=True),
            "industry_name": industry_names.reset_index(drop=True),
        }
    )
    bad_code = ~facts["industry_code"].str.fullmatch(r"[0-9A-Z]{1,6}").to_numpy()
    if bad_code.any():
        i = int(np.flatnonzero(bad_code)[0])
        raise DataValidationError(
            f"industry code {raw['INDUSTRY_CODE'].iloc[i]!r} is not a SIC code",
            file=label,
            row=i + 1,
            column="INDUSTRY_CODE",
        )
    return facts


def fact_columns_only(df: pd.DataFrame) -> pd.DataFrame:
    """Drop the helper columns a parser adds (``_row``, names)."""
    return df[FACT_COLUMNS]


# Helpers for tests and the build: how a NOMIS industry label splits into code and name.
_LABEL = re.compile(r"^\s*(?P<code>[A-Z]?\d+)\s*:\s*(?P<name>.*)$")
