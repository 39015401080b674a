"""File formats a user can import, each backed by its provider's parser.

:func:`open_user_file` describes a file for a streaming import: its columns (from the header line), and a function
that turns a batch of its rows, read as text, into validated facts. The warehouse reads the file with DuckDB's CSV
reader in batches and checks what needs the whole file (duplicate keys, unknown codes, totals) in SQL, so memory
stays a small multiple of a batch, not of the file. :func:`read_user_file` parses a whole file into one frame.
"""

from __future__ import annotations

import csv
import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from .._exceptions import DataValidationError, ParameterError
from .._paths import MAX_IMPORT_BYTES, describe_path, path_problem
from .._schema import Provenance, validate_facts
from .long_csv import long_facts, read_long_csv
from .nomis import parse_nomis_text, read_nomis_csv

__all__ = ["FORMATS", "CsvImport", "open_user_file", "read_user_file"]


#: Parses a batch of a file's rows, read as text, into validated facts (``_row`` counts from the batch's first row).
BatchParser = Callable[[pd.DataFrame], pd.DataFrame]


@dataclass(frozen=True)
class Format:
    name: str
    description: str
    publisher: str
    licence: str
    read: Callable[[Path, str, str], pd.DataFrame]
    batches: Callable[[Path, str, str], BatchParser]


@dataclass(frozen=True)
class CsvImport:
    """A comma-separated file described for a streaming import.

    Attributes
    ----------
    path, label
        The file, and how messages name it.
    columns
        Its column names, from the header line, in order; the warehouse reads every column as text.
    parse
        Turns a batch of rows (a frame of text, ``""`` for an empty cell) into validated facts with ``_row`` counted
        from the batch's first row; duplicate keys are left to the warehouse, which sees the whole file.
    provenance
        Where the data came from, with the file's sha256.
    """

    path: Path
    label: str
    columns: list[str]
    parse: BatchParser
    provenance: Provenance


def _unit(measure: str) -> str:
    return "persons" if measure in ("employment", "employees", "fulltime_employees") else "count"


def _nomis(path: Path, dataset: str, measure: str) -> pd.DataFrame:
    return read_nomis_csv(path, dataset=dataset, measure=measure, unit=_unit(measure))


def _nomis_batches(path: Path, dataset: str, measure: str) -> BatchParser:
    def parse(raw: pd.DataFrame) -> pd.DataFrame:
        facts = parse_nomis_text(raw, dataset=dataset, measure=measure, unit=_unit(measure), label=str(path))
        validate_facts(facts, file=str(path), check_duplicates=False)
        return facts

    return parse


def _is_county_file(path: Path) -> bool:
    with open(path, encoding="utf-8-sig", errors="replace") as handle:
        return "fipstate" in handle.readline().lower()


def _cbp(path: Path, dataset: str, measure: str) -> pd.DataFrame:
    from . import cbp

    if _is_county_file(path):
        return cbp.read_cbp_county_file(path, year=_year_from_name(path))
    return cbp.read_cbp_cbsa_csv(path, dataset=dataset)


def _cbp_batches(path: Path, dataset: str, measure: str) -> BatchParser:
    from . import cbp

    if _is_county_file(path):
        year = _year_from_name(path)
        return lambda raw: cbp.cbp_county_facts(raw, year=year, label=str(path), check_duplicates=False)
    return lambda raw: cbp.cbp_cbsa_facts(raw, dataset=dataset, label=str(path), check_duplicates=False)


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


def _long_batches(path: Path, dataset: str, measure: str) -> BatchParser:
    return lambda raw: long_facts(raw, dataset=dataset, label=str(path), check_duplicates=False)


FORMATS: dict[str, Format] = {
    "nomis": Format(
        "nomis",
        "NOMIS CSV download or API response (BRES, UK Business Counts)",
        "Office for National Statistics (NOMIS)",
        "Open Government Licence v3.0",
        _nomis,
        _nomis_batches,
    ),
    "cbp": Format(
        "cbp",
        "US County Business Patterns CSV (CBSA or county file)",
        "US Census Bureau",
        "Public domain (US Government work)",
        _cbp,
        _cbp_batches,
    ),
    "long": Format(
        "long",
        "generic long CSV: area_code, industry_code, year, measure, value [, classification, unit, breakdown, flag]",
        "as stated by the user",
        "as stated by the user",
        _long,
        _long_batches,
    ),
}


def _checked(path: str | Path, fmt: str, dataset: str | None) -> tuple[Path, Format, str]:
    """The path, its format and the dataset name, once the file is one that can be read (before any byte is)."""
    if fmt not in FORMATS:
        raise ParameterError(f"unknown format {fmt!r}; valid formats: {', '.join(FORMATS)}")
    path = Path(path)
    problem = path_problem(path, max_bytes=MAX_IMPORT_BYTES, limit_name="imported files")
    if problem is not None:
        hint = "split the extract by year and import each part" if "limit" in problem else None
        raise DataValidationError(problem, file=describe_path(path), hint=hint)
    name = dataset or "user_" + "".join(ch if ch.isalnum() else "_" for ch in path.stem.lower())
    return path, FORMATS[fmt], name


def _provenance(path: Path, spec: Format, name: str) -> Provenance:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        # In blocks: hashing must not hold the whole file in memory.
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return Provenance(
        dataset=name,
        title=f"{spec.description}: {path.name}",
        source=str(path.resolve()),
        publisher=spec.publisher,
        vintage="as supplied",
        licence=spec.licence,
        files=[digest.hexdigest()],
        transforms=[f"parsed with the {spec.name} parser to canonical facts"],
    )


def _header(path: Path) -> list[str]:
    """The column names of a comma-separated file, from its first line."""
    try:
        with open(path, encoding="utf-8-sig", newline="") as handle:
            header = next(csv.reader(handle), None)
    except UnicodeDecodeError as exc:
        raise DataValidationError(f"not a readable CSV (UnicodeDecodeError: {exc.reason})", file=str(path)) from None
    except csv.Error as exc:
        raise DataValidationError(f"not a readable CSV (header line: {exc})", file=str(path)) from None
    if not header:
        raise DataValidationError("not a readable CSV (the file is empty)", file=str(path))
    return header


def open_user_file(path: str | Path, fmt: str, *, dataset: str | None = None, measure: str = "employment") -> CsvImport:
    """Describe a user file of format *fmt* for a streaming import (see :class:`CsvImport`).

    The size limit and what the path is are checked first, before any byte is read; the file's columns come from
    its header line. The rows are parsed only when the warehouse reads them.
    """
    path, spec, name = _checked(path, fmt, dataset)
    columns = _header(path)
    return CsvImport(
        path=path,
        label=str(path),
        columns=columns,
        parse=spec.batches(path, name, measure),
        provenance=_provenance(path, spec, name),
    )


def read_user_file(
    path: str | Path, fmt: str, *, dataset: str | None = None, measure: str = "employment"
) -> tuple[pd.DataFrame, Provenance]:
    """Parse a whole user file of format *fmt*; return canonical facts and their provenance."""
    path, spec, name = _checked(path, fmt, dataset)
    facts = spec.read(path, name, measure)
    return facts, _provenance(path, spec, name)
