"""Shared machinery of the data builders: hashing, writing, manifest entries."""

from __future__ import annotations

import hashlib
from dataclasses import asdict, dataclass, field
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from .._schema import to_fact_table, validate_facts

#: Bump when any built dataset changes; the warehouse reloads embedded data when it differs.
DATA_VERSION = "2026.11.1"

OGL = "Open Government Licence v3.0"
OGL_OS = "Open Government Licence v3.0; contains OS data © Crown copyright and database right"
US_PUBLIC_DOMAIN = "Public domain (US Government work)"
CMP_ATTRIBUTION = (
    "US Cluster Mapping Project definitions, Delgado, Porter & Stern (2016), Institute for Strategy and "
    "Competitiveness, Harvard Business School, and the US Economic Development Administration; used with attribution"
)


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


@dataclass
class BuiltDataset:
    """One manifest entry: a dataset file shipped inside the package.

    ``kind`` is one of ``facts`` (canonical long schema, loaded into the
    warehouse's ``facts`` table), ``areas`` / ``industries`` (dimension rows),
    ``table`` (any other tidy table, loaded as a warehouse table named after
    the dataset), ``geojson`` / ``topojson`` (shapes, not loaded).
    """

    name: str
    kind: str
    file: str
    title: str
    source: str
    publisher: str
    vintage: str
    licence: str
    rows: int
    sha256: str
    raw_files: list[dict[str, str]] = field(default_factory=list)
    transforms: list[str] = field(default_factory=list)
    description: str = ""
    builder: str = ""

    def to_dict(self) -> dict:
        return asdict(self)


def raw_entry(raw: Path, relative: str) -> dict[str, str]:
    """Manifest record of one raw input file (path relative to the raw folder, sha256)."""
    return {"path": relative, "sha256": sha256_file(raw / relative)}


def write_parquet(table: pa.Table | pd.DataFrame, out: Path, name: str) -> tuple[str, int, str]:
    """Write *table* to ``out/name.parquet`` deterministically; return (file, rows, sha256)."""
    if isinstance(table, pd.DataFrame):
        table = pa.Table.from_pandas(table, preserve_index=False)
    # Drop pandas metadata so that the bytes (and the sha256) depend on the data only.
    table = table.replace_schema_metadata(None)
    path = out / f"{name}.parquet"
    pq.write_table(table, path, compression="zstd", compression_level=9, use_dictionary=True, write_statistics=True)
    return path.name, table.num_rows, sha256_file(path)


def write_facts(df: pd.DataFrame, out: Path, name: str, *, allow_negative: bool = False, **meta) -> BuiltDataset:
    """Validate a canonical fact frame, write it, and return its manifest entry."""
    validate_facts(df, file=name, allow_negative=allow_negative)
    table = to_fact_table(df.sort_values(["area_code", "industry_code", "year", "measure", "breakdown"]))
    file, rows, sha = write_parquet(table, out, name)
    return BuiltDataset(name=name, kind="facts", file=file, rows=rows, sha256=sha, **meta)


def write_table(df: pd.DataFrame, out: Path, name: str, kind: str = "table", **meta) -> BuiltDataset:
    """Write any tidy table (dimension rows, lookups, IO matrices in long form)."""
    file, rows, sha = write_parquet(df.reset_index(drop=True), out, name)
    return BuiltDataset(name=name, kind=kind, file=file, rows=rows, sha256=sha, **meta)


def write_text(text: str, out: Path, filename: str, name: str, kind: str, rows: int, **meta) -> BuiltDataset:
    """Write a text file (GeoJSON, TopoJSON) byte-for-byte deterministically."""
    path = out / filename
    path.write_text(text, encoding="utf-8")
    return BuiltDataset(name=name, kind=kind, file=filename, rows=rows, sha256=sha256_file(path), **meta)
