"""File formats a user can import, each backed by its provider's parser."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from .._exceptions import DataValidationError, ParameterError
from .._paths import MAX_IMPORT_BYTES, describe_path, path_problem
from .._schema import Provenance
from .long_csv import read_long_csv
from .nomis import read_nomis_csv

__all__ = ["FORMATS", "read_user_file"]


@dataclass(frozen=True)
class Format:
    name: str
    description: str
    publisher: str
    licence: str
    read: Callable[[Path, str, str], pd.DataFrame]


def _nomis(path: Path, dataset: str, measure: str) -> pd.DataFrame:
    unit = "persons" if measure in ("employment", "employees", "fulltime_employees") else "count"
    return read_nomis_csv(path, dataset=dataset, measure=measure, unit=unit)


def _cbp(path: Path, dataset: str, measure: str) -> pd.DataFrame:
    from . import cbp

    with open(path, encoding="utf-8-sig", errors="replace") as handle:
        header = handle.readline().lower()
    if "fipstate" in header:
        return cbp.read_cbp_county_file(path, year=_year_from_name(path))
    return cbp.read_cbp_cbsa_csv(path, dataset=dataset)


def _year_from_name(path: Path) -> int:
    # Census names county files cbpYYco.txt / cbpYYco.csv.
    import re

    match = re.search(r"cbp(\d{2})co", path.name.lower())
    if not match:
        raise DataValidationError(
            "cannot tell the year of a CBP county file from its name",
            file=str(path),
            hint="name it cbpYYco.txt as Census does",
        )
    return 2000 + int(match.group(1))


def _long(path: Path, dataset: str, measure: str) -> pd.DataFrame:
    return read_long_csv(path, dataset=dataset)


FORMATS: dict[str, Format] = {
    "nomis": Format(
        "nomis",
        "NOMIS CSV download or API response (BRES, UK Business Counts)",
        "Office for National Statistics (NOMIS)",
        "Open Government Licence v3.0",
        _nomis,
    ),
    "cbp": Format(
        "cbp",
        "US County Business Patterns CSV (CBSA or county file)",
        "US Census Bureau",
        "Public domain (US Government work)",
        _cbp,
    ),
    "long": Format(
        "long",
        "generic long CSV: area_code, industry_code, year, measure, value [, classification, unit, breakdown, flag]",
        "as stated by the user",
        "as stated by the user",
        _long,
    ),
}


def read_user_file(
    path: str | Path, fmt: str, *, dataset: str | None = None, measure: str = "employment"
) -> tuple[pd.DataFrame, Provenance]:
    """Parse a user file of format *fmt*; return canonical facts and their provenance."""
    if fmt not in FORMATS:
        raise ParameterError(f"unknown format {fmt!r}; valid formats: {', '.join(FORMATS)}")
    path = Path(path)
    problem = path_problem(path, max_bytes=MAX_IMPORT_BYTES, limit_name="imported files")
    if problem is not None:
        hint = "split the extract by year and import each part" if "limit" in problem else None
        raise DataValidationError(problem, file=describe_path(path), hint=hint)
    spec = FORMATS[fmt]
    name = dataset or "user_" + "".join(ch if ch.isalnum() else "_" for ch in path.stem.lower())
    facts = spec.read(path, name, measure)
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    provenance = Provenance(
        dataset=name,
        title=f"{spec.description}: {path.name}",
        source=str(path.resolve()),
        publisher=spec.publisher,
        vintage="as supplied",
        licence=spec.licence,
        files=[digest],
        transforms=[f"parsed with the {fmt} parser to canonical facts"],
    )
    return facts, provenance
