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

__all__ = ["LONG_REQUIRED", "read_long_csv"]

LONG_REQUIRED = ["area_code", "industry_code", "year", "measure", "value"]
_DEFAULTS = {"classification": "sic2007", "unit": "persons", "breakdown": "all", "flag": None}


def read_long_csv(path: str | Path, *, dataset: str, allow_negative: bool = False) -> pd.DataFrame:
    """Parse a generic long CSV into canonical facts (with ``_row``)."""
    label = str(path)
    try:
        raw = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    except FileNotFoundError:
        raise DataValidationError("file not found", file=label) from None
    except (UnicodeDecodeError, pd.errors.ParserError) as exc:
        raise DataValidationError(f"not a readable CSV ({exc.__class__.__name__})", file=label) from None
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
    validate_facts(facts, file=label, allow_negative=allow_negative)
    facts["year"] = pd.to_numeric(facts["year"]).astype(int)
    return facts
