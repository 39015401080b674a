"""The canonical long schema every source is parsed into.

A *fact* is one value of one measure for one area, industry and year::

    dataset | area_code | industry_code | classification | year | measure
            | breakdown | value | unit | flag

``breakdown`` carries an extra published dimension (e.g. an IDBR employment
size band) and is ``"all"`` otherwise. ``flag`` marks values that are not what
they seem: ``"zero_may_be_suppressed"`` for a published 0 that NOMIS may have
suppressed or rounded to zero, ``"missing"`` for an empty published cell,
``"imputed"`` for a withheld cell rebuilt from its parent's total.
Parsers may add a ``_row`` column (1-based data row of the source file) so that
validation errors can say where the problem is; it is dropped before loading.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa

from ._exceptions import DataValidationError

__all__ = [
    "AREA_COLUMNS",
    "FACT_COLUMNS",
    "FACT_KEY",
    "FACT_SCHEMA",
    "FLAG_IMPUTED",
    "FLAG_MISSING",
    "FLAG_ZERO_MAY_BE_SUPPRESSED",
    "INDUSTRY_COLUMNS",
    "MAX_COUNT",
    "Provenance",
    "to_fact_table",
    "validate_facts",
]

FLAG_ZERO_MAY_BE_SUPPRESSED = "zero_may_be_suppressed"
FLAG_MISSING = "missing"
#: A value the publisher withheld, rebuilt from its parent (e.g. CBP cells with fewer than 3 establishments).
FLAG_IMPUTED = "imputed"

FACT_SCHEMA = pa.schema(
    [
        ("dataset", pa.string()),
        ("area_code", pa.string()),
        ("industry_code", pa.string()),
        ("classification", pa.string()),
        ("year", pa.int32()),
        ("measure", pa.string()),
        ("breakdown", pa.string()),
        ("value", pa.float64()),
        ("unit", pa.string()),
        ("flag", pa.string()),
    ]
)
FACT_COLUMNS: list[str] = FACT_SCHEMA.names
FACT_KEY = ["dataset", "area_code", "industry_code", "classification", "year", "measure", "breakdown"]

AREA_COLUMNS = ["area_code", "area_name", "area_level", "parent_code", "geography", "alt_code"]
INDUSTRY_COLUMNS = ["industry_code", "classification", "industry_name", "industry_level", "parent_code"]

#: Years a fact may have; anything outside is a typo or a mis-parsed column.
MIN_YEAR, MAX_YEAR = 1990, 2100

#: Largest count (jobs, employees, businesses) one cell may hold: more than all jobs in the United States (about
#: 150 million in 2019) or Great Britain (31 million in 2021), so a larger cell is a unit or parsing mistake.
MAX_COUNT = 200_000_000
#: Units whose values are counts, checked against :data:`MAX_COUNT`.
COUNT_UNITS = ("persons", "count")


@dataclass
class Provenance:
    """Where a dataset came from and what was done to it."""

    dataset: str
    title: str
    source: str
    publisher: str
    vintage: str
    licence: str
    files: list[str] = field(default_factory=list)
    transforms: list[str] = field(default_factory=list)
    notes: str = ""


def _where(df: pd.DataFrame, mask: np.ndarray) -> int | None:
    """1-based source row of the first True in *mask*, if the parser recorded rows."""
    index = int(np.flatnonzero(mask)[0])
    if "_row" in df.columns:
        return int(df["_row"].iloc[index])
    return index + 1


def _value_error(
    df: pd.DataFrame,
    bad: np.ndarray,
    values: pd.Series,
    message: Callable[[Any], str],
    *,
    file: str | None,
    hint: str,
) -> DataValidationError:
    """The error of the first value *bad* marks: *message* of that value, with its row and industry code."""
    i = int(np.flatnonzero(bad)[0])
    return DataValidationError(
        message(values.iloc[i]),
        file=file,
        row=_where(df, bad),
        column="value",
        code=str(df["industry_code"].iloc[i]),
        hint=hint,
    )


def validate_facts(
    df: pd.DataFrame,
    *,
    file: str | None = None,
    min_year: int = MIN_YEAR,
    max_year: int = MAX_YEAR,
    allow_negative: bool = False,
    check_duplicates: bool = True,
) -> None:
    """Check a parsed fact table; raise :class:`DataValidationError` at the first problem.

    Checks: required columns, non-empty codes, integral years in range,
    numeric and finite values, counts no larger than :data:`MAX_COUNT`, no
    negative counts (unless *allow_negative*, for money measures that can be
    negative), and no duplicate keys (unless not *check_duplicates*: a streaming
    import checks each batch here and the keys of the whole file in the warehouse).
    """
    missing = [c for c in FACT_COLUMNS if c not in df.columns]
    if missing:
        raise DataValidationError(
            f"missing columns {missing}", file=file, hint="the parser must produce the canonical schema"
        )
    if len(df) == 0:
        raise DataValidationError("no data rows", file=file, hint="check the file and its --format")
    for column in ("area_code", "industry_code", "measure", "classification"):
        values = df[column]
        bad = values.isna().to_numpy() | (values.astype(str).str.strip() == "").to_numpy()
        if bad.any():
            raise DataValidationError(
                f"empty {column}", file=file, row=_where(df, bad), column=column, hint="every row needs one"
            )
    years = pd.to_numeric(df["year"], errors="coerce")
    bad = years.isna().to_numpy() | (years % 1 != 0).to_numpy()
    if bad.any():
        row = _where(df, bad)
        raise DataValidationError(
            f"year {df['year'].iloc[int(np.flatnonzero(bad)[0])]!r} is not a whole number",
            file=file,
            row=row,
            column="year",
        )
    bad = ((years < min_year) | (years > max_year)).to_numpy()
    if bad.any():
        value = int(years.iloc[int(np.flatnonzero(bad)[0])])
        raise DataValidationError(
            f"year {value} outside {min_year}-{max_year}", file=file, row=_where(df, bad), column="year"
        )
    values = pd.to_numeric(df["value"], errors="coerce")
    bad = (values.isna() & df["value"].notna()).to_numpy()
    if bad.any():
        raw = df["value"].iloc[int(np.flatnonzero(bad)[0])]
        raise DataValidationError(f"value {raw!r} is not a number", file=file, row=_where(df, bad), column="value")
    bad = (values.notna() & ~np.isfinite(values.astype(float))).to_numpy()
    if bad.any():
        raise _value_error(
            df,
            bad,
            values,
            lambda v: f"value {v} is not a finite number",
            file=file,
            hint="infinite and not-a-number values cannot be counted; leave the cell empty if it is missing",
        )
    counts = df["unit"].astype(str).isin(COUNT_UNITS).to_numpy()
    bad = counts & (values > MAX_COUNT).to_numpy()
    if bad.any():
        raise _value_error(
            df,
            bad,
            values,
            lambda v: f"count {v:.6g} is implausible: more than {MAX_COUNT:,} in one cell",
            file=file,
            hint="no area has that many jobs or businesses (the United States had about 150 million jobs in 2019); "
            "check the units and the value column",
        )
    if not allow_negative:
        bad = (values < 0).to_numpy()
        if bad.any():
            raise _value_error(
                df,
                bad,
                values,
                lambda v: f"negative count {v:g}",
                file=file,
                hint="counts of jobs or businesses cannot be negative",
            )
    if not check_duplicates:
        return
    dup = df.duplicated(subset=FACT_KEY, keep="first").to_numpy()
    if dup.any():
        i = int(np.flatnonzero(dup)[0])
        key = ", ".join(f"{k}={df[k].iloc[i]}" for k in ("area_code", "industry_code", "year", "measure"))
        raise DataValidationError(
            f"duplicate key ({key})", file=file, row=_where(df, dup), hint="each area, industry, year and measure once"
        )


def to_fact_table(df: pd.DataFrame) -> pa.Table:
    """Coerce a validated fact DataFrame to :data:`FACT_SCHEMA` (drops ``_row``)."""
    out = df[FACT_COLUMNS].copy()
    out["year"] = pd.to_numeric(out["year"]).astype("int32")
    out["value"] = pd.to_numeric(out["value"]).astype("float64")
    for column in ("dataset", "area_code", "industry_code", "classification", "measure", "breakdown", "unit"):
        out[column] = out[column].astype(str)
    out["flag"] = out["flag"].astype(object).where(out["flag"].notna(), None)
    return pa.Table.from_pandas(out, schema=FACT_SCHEMA, preserve_index=False)
