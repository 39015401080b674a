"""The warehouse as the command line and the web app use it: open it, list and show datasets, import and fetch.

Readers open the warehouse read-only, so that they never block each other;
writers (an import) take the write lock, waiting a bounded time for readers to
finish and naming the process that holds it otherwise
(:meth:`clusterplan.warehouse.Warehouse.for_reading`).
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from ..sources.formats import open_user_file
from ..warehouse import ImportReport, Warehouse, default_warehouse_path, open_engine
from .profile import AnyWarehouse

if TYPE_CHECKING:  # pragma: no cover - imported for annotations only
    from ..sources.nomis_api import FetchedFile

__all__ = [
    "DatasetDetail",
    "dataset_detail",
    "dataset_list",
    "ensure_warehouse",
    "fetch_nomis",
    "import_file",
    "open_analysis_engine",
    "open_warehouse",
    "warehouse_file",
]

Progress = Callable[[str], None]


def warehouse_file(path: str | Path | None = None) -> Path:
    """*path*, or the default warehouse file ($CLUSTERPLAN_WAREHOUSE or ~/.local/share/clusterplan/warehouse.duckdb)."""
    return Path(path) if path else default_warehouse_path()


def open_warehouse(path: str | Path | None, progress: Progress | None = None, *, write: bool = False) -> Warehouse:
    """The warehouse at *path* (None: the default), read-only unless *write* (readers never block each other),
    creating it or loading the embedded data first when needed; reports its loading through *progress*."""
    if write:
        return Warehouse(path, progress=progress)
    return Warehouse.for_reading(path, progress=progress)


def ensure_warehouse(path: str | Path, progress: Progress | None = None) -> None:
    """Create the warehouse, or reload stale embedded data, so that a server can then open it read-only."""
    Warehouse.for_reading(path, progress=progress).close()


def open_analysis_engine(engine: str, path: str | Path | None, master: str, progress: Progress) -> AnyWarehouse:
    """A read-only warehouse on *engine*: the DuckDB file at *path*, or Apache Spark at *master*."""
    if engine == "spark":
        progress(f"starting Spark ({master})")
    found: AnyWarehouse = open_engine(engine, path=path, read_only=True, master=master, progress=progress)
    return found


def load_engine_modules(engine: str) -> None:
    """Import the modules opening *engine* needs (Ibis loads its DuckDB backend on first use, some 0.3 s): before
    a second process is forked (:mod:`clusterplan._parallel`), so that the two share them."""
    if engine == "duckdb":
        importlib.import_module("ibis.backends.duckdb")


def dataset_list(path: str | Path | None, progress: Progress | None = None) -> pd.DataFrame:
    """Every dataset of the warehouse: name, kind, origin, vintage, rows, licence and title."""
    with open_warehouse(path, progress) as warehouse:
        return warehouse.list_datasets()


@dataclass(frozen=True)
class DatasetDetail:
    """A dataset's provenance and its first rows."""

    info: dict[str, Any]
    head: pd.DataFrame


def dataset_detail(
    path: str | Path | None, name: str, rows: int = 10, progress: Progress | None = None
) -> DatasetDetail:
    """Provenance and the first *rows* rows of dataset *name*."""
    with open_warehouse(path, progress) as warehouse:
        return DatasetDetail(warehouse.dataset_info(name), warehouse.head(name, rows))


def import_file(
    path: str | Path | None,
    file: str | Path,
    fmt: str,
    *,
    dataset: str | None = None,
    measure: str = "employment",
    source: str | None = None,
    replace: bool = False,
    allow_unknown_codes: bool = False,
    allow_formula_codes: bool = False,
    progress: Progress | None = None,
) -> ImportReport:
    """Check a user file of format *fmt* and load it as a new dataset, all or nothing.

    The file is described (size, header) before the warehouse is opened for writing, then streamed into it in
    one transaction; *source* replaces the provenance's source (e.g. the API address it was fetched from).
    """
    described = open_user_file(file, fmt, dataset=dataset, measure=measure)
    if source is not None:
        described.provenance.source = source
    with open_warehouse(path, progress, write=True) as warehouse:
        return warehouse.import_csv(
            described,
            replace=replace,
            allow_unknown_codes=allow_unknown_codes,
            allow_formula_codes=allow_formula_codes,
        )


def fetch_nomis(
    kind: str,
    geography: Sequence[str],
    industries: str | Sequence[str] | None,
    years: str | Sequence[str],
    out_file: str | Path,
    *,
    uid: str | None = None,
    progress: Progress | None = None,
) -> FetchedFile:
    """Download local-area BRES or Business Counts from the NOMIS API into a NOMIS-layout CSV."""
    # Imported here: the HTTP client (httpx) costs about 0.1 s to import, and only a fetch needs it.
    from ..sources.nomis_api import fetch_to_csv

    return fetch_to_csv(
        kind,
        list(geography),
        industries if industries is None or isinstance(industries, str) else list(industries),
        years if isinstance(years, str) else list(years),
        out_file,
        uid=uid,
        progress=None if progress is None else (lambda done, total: progress(f"fetched {done:,} of {total:,} rows")),
    )
