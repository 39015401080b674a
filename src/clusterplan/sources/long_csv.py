"""A generic long CSV: one fact per row, for data from any provider.

Required columns: ``area_code, industry_code, year, measure, value``.
Optional: ``classification`` (default ``sic2007``), ``unit`` (default
``persons``), ``breakdown`` (default ``all``), ``flag``.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from .._exceptions import DataValidationError
from .._schema import FLAG_MISSING, validate_facts
from ._codes import nuts2016_to_itl2021
from ._csv import read_text_csv

__all__ = ["LONG_REQUIRED", "long_facts", "read_long_csv"]

LONG_REQUIRED = ["area_code", "industry_code", "year", "measure", "value"]
_DEFAULTS = {"classification": "sic2007", "unit": "persons", "breakdown": "all", "flag": None}


def read_long_csv(path: str | Path, *, dataset: str, allow_negative: bool = False) -> pd.DataFrame:
    """Parse a generic long CSV into canonical facts (with ``_row``)."""
    label = str(path)
    return long_facts(read_text_csv(path, label), dataset=dataset, label=label, allow_negative=allow_negative)


def long_facts(
    raw: pd.DataFrame, *, dataset: str, label: str, allow_negative: bool = False, check_duplicates: bool = True
) -> pd.DataFrame:
    """Validated canonical facts from a long CSV read as text (the whole file, or a batch of its rows when
    *check_duplicates* is False and the warehouse checks the keys of the whole file).

    Rows in errors and in ``_row`` count from the first row of *raw*.
    """
    raw.columns = [c.strip().lower() for c in raw.columns]
    missing = [c for c in LONG_REQUIRED if c not in raw.columns]
    if missing:
        raise DataValidationError(
            f"missing column(s) {', '.join(missing)}; a long CSV needs {', '.join(LONG_REQUIRED)}", file=label
        )
    facts = raw.copy()
    for column, default in _DEFAULTS.items():
        if column not in facts.columns:
            facts[column] = default
    facts["flag"] = facts["flag"].replace("", None)
    facts["area_code"] = facts["area_code"].str.strip().map(nuts2016_to_itl2021)
    facts["industry_code"] = facts["industry_code"].str.strip()
    text = facts["value"].str.strip().str.replace(",", "", regex=False)
    values = pd.to_numeric(text, errors="coerce")
    bad = (values.isna() & (text != "")).to_numpy()
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise DataValidationError(
            f"value {raw['value'].iloc[i]!r} is not a number", file=label, row=i + 1, column="value"
        )
    facts["value"] = values
    facts.loc[values.isna().to_numpy(), "flag"] = FLAG_MISSING
    years = pd.to_numeric(facts["year"].str.strip(), errors="coerce")
    facts["year"] = years.where(years.notna(), facts["year"])
    facts["dataset"] = dataset
    facts["_row"] = np.arange(1, len(facts) + 1)
    validate_facts(facts, file=label, allow_negative=allow_negative, check_duplicates=check_duplicates)
    facts["year"] = pd.to_numeric(facts["year"]).astype(int)
    return facts
