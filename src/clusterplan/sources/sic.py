"""The SIC 2007 hierarchy (section > division > group > subclass) from the ONS/NOMIS lookup.

The lookup in ``shared/data/uk/lookups`` lists the 729 5-digit subclasses BRES
publishes (including ``01000``, DEFRA/Scottish Government agricultural data,
which is not a SIC subclass but a NOMIS row) with their 3-digit group, 2-digit
division and section. It is cp1252-encoded, as published.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from .._exceptions import DataValidationError
from .._schema import INDUSTRY_COLUMNS
from ._csv import read_text_csv

__all__ = ["read_sic2007_lookup", "sic2007_industries"]

_COLUMNS = [
    "SIC_2DIGIT_CODE",
    "SIC_2DIGIT_NAME",
    "SIC_3DIGIT_CODE",
    "SIC_3DIGIT_NAME",
    "SIC_5DIGIT_CODE",
    "SIC_5DIGIT_NAME",
    "SIC_SECTION_LETTER",
    "SIC_SECTION_NAME",
]


def _strip_code(name: pd.Series) -> pd.Series:
    # Names are published as "01110 : Growing of cereals ..."; keep the words.
    return name.str.replace(r"^\s*\d+\s*:\s*", "", regex=True).str.strip()


def read_sic2007_lookup(path: str | Path) -> pd.DataFrame:
    """Read the 5-digit SIC 2007 lookup; one row per subclass, codes as zero-padded strings."""
    raw = read_text_csv(path, str(path), encoding="cp1252")
    missing = [c for c in _COLUMNS if c not in raw.columns]
    if missing:
        raise DataValidationError(f"missing SIC lookup column(s) {', '.join(missing)}", file=str(path))
    bad = ~raw["SIC_5DIGIT_CODE"].str.fullmatch(r"\d{5}")
    if bad.any():
        i = int(bad.to_numpy().nonzero()[0][0])
        raise DataValidationError(
            "not a 5-digit SIC code",
            file=str(path),
            row=i + 1,
            column="SIC_5DIGIT_CODE",
            code=str(raw["SIC_5DIGIT_CODE"].iloc[i]),
        )
    dup = raw["SIC_5DIGIT_CODE"].duplicated()
    if dup.any():
        i = int(dup.to_numpy().nonzero()[0][0])
        raise DataValidationError(
            "duplicate subclass",
            file=str(path),
            row=i + 1,
            column="SIC_5DIGIT_CODE",
            code=str(raw["SIC_5DIGIT_CODE"].iloc[i]),
        )
    return raw[_COLUMNS]


def sic2007_industries(lookup: pd.DataFrame) -> pd.DataFrame:
    """Dimension rows (:data:`~clusterplan._schema.INDUSTRY_COLUMNS`) for every level of the hierarchy."""
    sections = pd.DataFrame(
        {
            "industry_code": lookup["SIC_SECTION_LETTER"],
            "industry_name": lookup["SIC_SECTION_NAME"].str.strip(),
            "industry_level": "section",
            "parent_code": None,
        }
    )
    divisions = pd.DataFrame(
        {
            "industry_code": lookup["SIC_2DIGIT_CODE"],
            "industry_name": _strip_code(lookup["SIC_2DIGIT_NAME"]),
            "industry_level": "division",
            "parent_code": lookup["SIC_SECTION_LETTER"],
        }
    )
    groups = pd.DataFrame(
        {
            "industry_code": lookup["SIC_3DIGIT_CODE"],
            "industry_name": _strip_code(lookup["SIC_3DIGIT_NAME"]),
            "industry_level": "group",
            "parent_code": lookup["SIC_2DIGIT_CODE"],
        }
    )
    subclasses = pd.DataFrame(
        {
            "industry_code": lookup["SIC_5DIGIT_CODE"],
            "industry_name": _strip_code(lookup["SIC_5DIGIT_NAME"]),
            "industry_level": "subclass",
            "parent_code": lookup["SIC_3DIGIT_CODE"],
        }
    )
    out = pd.concat([sections, divisions, groups, subclasses]).drop_duplicates("industry_code")
    out["classification"] = "sic2007"
    return out[INDUSTRY_COLUMNS].reset_index(drop=True)
