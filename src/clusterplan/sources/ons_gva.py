"""ONS "Regional gross value added (balanced) by industry" tables into canonical facts.

The published CSV is wide: ``ITL code, Region name, SIC07 code, SIC07
description, 1998, ..., 2022`` (older releases say ``ITL region code``), with
£ million as quoted strings with thousands separators (``"6,798"``). Each area
has one row per industry *row* of the table: the total, sectors (``A-E``,
``G-T``), sections (``C (10-33)``), divisions and groups of divisions
(``14-15``) and imputed rent (``68IMP``). Those rows overlap (a section is the
sum of its divisions), so they form their own classification,
``ons_gva_sic07``, and must never be summed across levels.

Two codes in the April 2024 ITL2 release were turned into dates by a
spreadsheet (``02-Mar`` for ``2-3``, ``11-Dec`` for ``11-12``); they are
repaired here, as the 2023 release of the same table shows.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd

from .._exceptions import DataValidationError
from .._schema import INDUSTRY_COLUMNS, validate_facts
from ._codes import nuts2016_to_itl2021
from ._csv import read_text_csv

__all__ = ["GVA_CLASSIFICATION", "UNITED_KINGDOM", "gva_industries", "read_gva_table"]

GVA_CLASSIFICATION = "ons_gva_sic07"
UNITED_KINGDOM = "K02000001"
_SPREADSHEET_DATES = {"02-Mar": "2-3", "11-Dec": "11-12"}
_MONTHS = "Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec"


def _repair_code(code: str) -> str:
    code = code.strip()
    if code in _SPREADSHEET_DATES:
        return _SPREADSHEET_DATES[code]
    if re.fullmatch(rf"\d{{1,2}}-({_MONTHS})", code):
        raise DataValidationError(f"industry code {code!r} looks like a spreadsheet date and has no known repair")
    return code


def read_gva_table(
    path: str | Path, *, dataset: str, measure: str, unit: str = "gbp_million", file_label: str | None = None
) -> pd.DataFrame:
    """Parse one regional GVA table to canonical facts (plus ``_row``, ``area_name``, ``industry_name``).

    Parameters
    ----------
    path
        A Table_1x/2x/3x CSV of the ONS regional GVA by industry release.
    dataset
        Dataset id, e.g. ``"gva_itl3_current_prices"``.
    measure
        ``"gva_current_prices"`` or ``"gva_chained_volume_2019"``.
    """
    label = file_label or str(path)
    raw = read_text_csv(path, label)
    if len(raw.columns) < 5 or raw.columns[2].strip() != "SIC07 code":
        raise DataValidationError(
            "expected columns 'ITL code, Region name, SIC07 code, SIC07 description, <years>'; "
            f"found {list(raw.columns[:5])}",
            file=label,
        )
    years = [c for c in raw.columns[4:]]
    bad_years = [c for c in years if not re.fullmatch(r"\d{4}", c.strip())]
    if bad_years:
        raise DataValidationError(f"column {bad_years[0]!r} is not a year", file=label, row=0, column=bad_years[0])
    raw = raw.rename(
        columns=dict(zip(raw.columns[:4], ["area_code", "area_name", "industry_code", "industry_name"], strict=True))
    )
    raw["_row"] = np.arange(1, len(raw) + 1)
    try:
        raw["industry_code"] = raw["industry_code"].map(_repair_code)
    except DataValidationError as exc:
        raise DataValidationError(exc.problem, file=label, column="SIC07 code") from None
    raw["area_code"] = (
        raw["area_code"].str.strip().map(lambda c: UNITED_KINGDOM if c == "UK" else nuts2016_to_itl2021(c))
    )
    long = raw.melt(
        id_vars=["_row", "area_code", "area_name", "industry_code", "industry_name"],
        value_vars=years,
        var_name="year",
        value_name="text",
    )
    text = long["text"].str.strip().str.replace(",", "", regex=False)
    values = pd.to_numeric(text, errors="coerce")
    bad = (values.isna() & (text != "")).to_numpy()
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise DataValidationError(
            f"value {long['text'].iloc[i]!r} is not a number",
            file=label,
            row=int(long["_row"].iloc[i]),
            column=str(long["year"].iloc[i]),
            code=str(long["industry_code"].iloc[i]),
        )
    facts = pd.DataFrame(
        {
            "dataset": dataset,
            "area_code": long["area_code"],
            "industry_code": long["industry_code"],
            "classification": GVA_CLASSIFICATION,
            "year": long["year"].str.strip().astype(int),
            "measure": measure,
            "breakdown": "all",
            "value": values.astype(float),
            "unit": unit,
            "flag": pd.Series(values.isna().map({True: "missing", False: None}), dtype=object),
            "_row": long["_row"],
            "area_name": long["area_name"].str.strip(),
            "industry_name": long["industry_name"].str.strip(),
        }
    )
    # GVA of some small industry rows can be negative (e.g. subsidies exceed value added).
    validate_facts(facts, file=label, allow_negative=True)
    return facts


def _level(code: str) -> str:
    if code == "Total":
        return "total"
    if re.fullmatch(r"[A-Z]-[A-Z]", code):
        return "sector"
    if re.fullmatch(r"[A-Z]{1,2}(-[A-Z]{2})? \(.*\)", code):
        return "section"
    return "division"


def gva_industries(facts: pd.DataFrame) -> pd.DataFrame:
    """Dimension rows for the GVA table's industry rows (level: total, sector, section, division)."""
    rows = facts[["industry_code", "industry_name"]].drop_duplicates("industry_code").copy()
    rows["classification"] = GVA_CLASSIFICATION
    rows["industry_level"] = rows["industry_code"].map(_level)
    rows["parent_code"] = None
    return rows[INDUSTRY_COLUMNS].reset_index(drop=True)
