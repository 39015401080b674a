"""The embedded DuckDB warehouse, queried through Ibis.

Layout (DuckDB tables and views):

``facts``       canonical long facts (:data:`clusterplan._schema.FACT_SCHEMA`): a view of the embedded
                datasets' Parquet files, read in place, followed by ``imported_facts``
``imported_facts``  the facts of imported datasets
``areas``       area dimension (code, name, level, parent, geography, alt_code)
``industries``  industry dimension (code, classification, name, level, parent)
``datasets``    provenance: one row per dataset, embedded or imported
``meta``        key/value: data version and folder of the embedded data
other tables    one per tidy ``table`` dataset (e.g. input-output matrices); a view of its Parquet
                file for the embedded ones

The embedded facts and tables (4.6 million rows, most of them US County Business Patterns) are read from the
package's Parquet files where they lie, as the Spark engine reads them, instead of being copied into the file:
copying them took 3-4 s of the first run on a new warehouse, and DuckDB reads the Parquet files about as fast
as its own tables. The folder is recorded with the data version, so a package moved elsewhere is linked again.

Every write runs inside one DuckDB transaction, so an error or an interrupt
leaves the warehouse exactly as it was.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import time
from collections.abc import Callable, Hashable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import duckdb
import ibis
import ibis.formats.pandas
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from .._cache import memoised
from .._data import data_dir, data_fingerprint, embedded_datasets
from .._exceptions import DataValidationError, UnknownCodeError, WarehouseError
from .._formula import FORMULA_STARTS
from .._schema import (
    AREA_COLUMNS,
    FACT_COLUMNS,
    FACT_KEY,
    FACT_SCHEMA,
    FLAG_MISSING,
    FLAG_ZERO_MAY_BE_SUPPRESSED,
    INDUSTRY_COLUMNS,
    Provenance,
    to_fact_table,
)
from .._version import __version__
from ._queries import NamedQueries

# Where geopandas is installed, ibis imports it (0.15 s of CPU in each process) on a process's first query, to
# look for a geometry column to make a GeoDataFrame of. The warehouse's tables have none, so it need not look.
# (A geometry column of another table still becomes a GeoSeries: ibis converts those by importing geopandas.)
ibis.formats.pandas.geospatial_supported = False

if TYPE_CHECKING:
    from ..sources.formats import CsvImport

__all__ = ["IMPORT_BATCH_ROWS", "ImportReport", "Warehouse", "default_warehouse_path"]

Progress = Callable[[str], None]
T = TypeVar("T")

#: Imports committed by this process: the CLI tells an interrupt before the commit ("unchanged") from one after.
IMPORTS_COMMITTED = 0

_DATASET_COLUMNS = {
    "dataset": "VARCHAR",
    "kind": "VARCHAR",
    "origin": "VARCHAR",
    "title": "VARCHAR",
    "source": "VARCHAR",
    "publisher": "VARCHAR",
    "vintage": "VARCHAR",
    "licence": "VARCHAR",
    "rows": "BIGINT",
    "sha256": "VARCHAR",
    "file": "VARCHAR",
    "raw_files": "VARCHAR",
    "transforms": "VARCHAR",
    "description": "VARCHAR",
    "loaded_at": "VARCHAR",
}


#: Seconds a command waits for another process to let go of the warehouse (``$CLUSTERPLAN_LOCK_WAIT``).
DEFAULT_LOCK_WAIT = 30.0


def _lock_wait() -> float:
    text = os.environ.get("CLUSTERPLAN_LOCK_WAIT")
    try:
        return max(0.0, float(text)) if text else DEFAULT_LOCK_WAIT
    except ValueError:
        raise WarehouseError(f"CLUSTERPLAN_LOCK_WAIT must be a number of seconds, not {text!r}") from None


def _lock_holder(message: str) -> str:
    """Which process holds the lock, from DuckDB's message ("... held in /usr/bin/python3 (PID 123) ...")."""
    found = re.search(r"\(PID (\d+)\)", message)
    if found is None:
        return "another process"
    pid = int(found.group(1))
    try:
        command = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace").strip()
    except OSError:
        command = ""
    command = " ".join(command.split())  # one line, even for `python -c` with a multi-line program
    if len(command) > 160:
        command = command[:157] + "..."
    return f"process {pid}" + (f" ({command})" if command else "")


def _connect(database: str, *, read_only: bool, wait: float) -> duckdb.DuckDBPyConnection:
    """Connect, retrying for up to *wait* seconds while another process holds a conflicting lock.

    DuckDB lets any number of processes read a file at once, or one process write it: a reader waits for a
    writer (an import, the first build), a writer for every reader and writer.
    """
    deadline = time.monotonic() + wait
    delay = 0.05
    while True:
        try:
            return duckdb.connect(database, read_only=read_only)
        except duckdb.Error as exc:
            message = str(exc)
            if "lock" not in message.lower():
                raise WarehouseError(f"cannot open warehouse {database}: {message}".splitlines()[0]) from None
            if time.monotonic() >= deadline:
                holder = _lock_holder(message)
                if read_only:
                    # Readers share the file, so the holder is writing to it.
                    raise WarehouseError(
                        f"warehouse {database} is being written by {holder}; waited {wait:.0f}s",
                        hint="try again when it has finished (or raise $CLUSTERPLAN_LOCK_WAIT)",
                    ) from None
                raise WarehouseError(
                    f"warehouse {database} is in use by {holder}; waited {wait:.0f}s to write to it",
                    hint="writing (data import, loading the embedded data) needs the warehouse to itself: "
                    "stop that process or wait for it to finish (or raise $CLUSTERPLAN_LOCK_WAIT)",
                ) from None
            time.sleep(delay)
            delay = min(delay * 2, 0.5)


def default_warehouse_path() -> Path:
    """``$CLUSTERPLAN_WAREHOUSE``, else ``$XDG_DATA_HOME/clusterplan/warehouse.duckdb``
    (``~/.local/share/clusterplan/warehouse.duckdb``)."""
    explicit = os.environ.get("CLUSTERPLAN_WAREHOUSE")
    if explicit:
        return Path(explicit).expanduser()
    base = Path(os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share")
    return base / "clusterplan" / "warehouse.duckdb"


@dataclass
class ImportReport:
    """What an import loaded, and what it could not match or had to flag."""

    dataset: str
    file: str
    rows: int
    years: tuple[int, int]
    areas: int
    industries: int
    suppressed_zeros: int
    missing_values: int
    unknown_area_codes: list[str]
    unknown_industry_codes: list[str]

    def summary(self) -> str:
        parts = [
            f"imported {self.rows:,} rows into dataset {self.dataset!r} from {self.file}",
            f"years {self.years[0]}-{self.years[1]}, {self.areas} areas, {self.industries} industries",
            f"{self.suppressed_zeros:,} zeros flagged as possibly suppressed, {self.missing_values:,} missing values",
        ]
        if self.unknown_area_codes or self.unknown_industry_codes:
            parts.append(
                f"{len(self.unknown_area_codes)} unknown area codes and {len(self.unknown_industry_codes)} "
                "unknown industry codes loaded as given"
            )
        return "; ".join(parts)


#: Rows DuckDB's CSV reader hands over at a time in :meth:`Warehouse.import_csv`: a few MB of parsed facts, so the
#: peak memory of an import does not grow with the file.
IMPORT_BATCH_ROWS = 20_000

#: DuckDB's memory ceiling during an import (``SET memory_limit``; ``$CLUSTERPLAN_IMPORT_MEMORY``): beyond it DuckDB
#: spills the staged rows and the duplicate-key check to its temporary folder. With 64 MB and batches of 20,000
#: rows, a 1,078,920-row (61 MB) NOMIS file peaks at 350 MB, of which 208 MB is the interpreter and the open warehouse.
IMPORT_MEMORY_LIMIT = os.environ.get("CLUSTERPLAN_IMPORT_MEMORY", "64MB")

_SQL_TYPES = {"string": "VARCHAR", "int32": "INTEGER", "double": "DOUBLE"}


def _sql_text(text: str) -> str:
    """A SQL string literal (for a path or a column name DuckDB's table functions take as constants)."""
    return "'" + text.replace("'", "''") + "'"


def _unique(names: list[str]) -> list[str]:
    """Column names made unique as pandas does (``A``, ``A.1``), so a repeated header cannot break the read."""
    seen: dict[str, int] = {}
    unique = []
    for name in names:
        count = seen.get(name, 0)
        seen[name] = count + 1
        unique.append(name if count == 0 else f"{name}.{count}")
    return unique


def _with_offset(parse: Callable[[pd.DataFrame], pd.DataFrame], raw: pd.DataFrame, offset: int) -> pd.DataFrame:
    """Parse one batch; an error's row, counted in the batch, is moved to the row in the file."""
    try:
        return parse(raw)
    except DataValidationError as exc:
        if exc.row is None or offset == 0:
            raise
        raise DataValidationError(
            exc.problem, file=exc.file, row=exc.row + offset, column=exc.column, code=exc.code, hint=exc.hint
        ) from None


#: DuckDB errors that say nothing about the file being read: a Ctrl-C, or the import's memory ceiling.
_NOT_THE_FILE = (duckdb.InterruptException, duckdb.OutOfMemoryException)


def _reading_error(exc: BaseException, label: str) -> BaseException:
    """What to raise for an error of DuckDB's CSV reader: the interrupt or the memory ceiling as they are (through the
    Arrow stream they arrive as Arrow errors, some of them OSErrors), anything else as an unreadable file."""
    if isinstance(exc, _NOT_THE_FILE):
        return exc
    if "Out of Memory Error" in str(exc):
        return duckdb.OutOfMemoryException(str(exc).splitlines()[0])
    if "INTERRUPT" in str(exc).upper() and "Error" in str(exc):
        return KeyboardInterrupt()
    return _unreadable_csv(exc, label)


def _unreadable_csv(exc: BaseException, label: str) -> DataValidationError:
    """One line for a file DuckDB's CSV reader cannot read: the line and the reason, never the line's content."""
    message = str(exc)
    line = re.search(r"CSV Error on Line: (\d+)", message)
    reasons = [
        text.strip()
        for text in message.splitlines()[1:]
        if text.strip() and not text.startswith(("Original Line", "Possible", "*", "  "))
    ]
    reason = reasons[0] if reasons else "DuckDB's CSV reader stopped"
    if line is None:
        return DataValidationError(f"not a readable CSV ({reason})", file=label)
    # DuckDB counts the header as line 1; rows count data rows.
    return DataValidationError(f"not a readable CSV ({reason})", file=label, row=int(line.group(1)) - 1)


def _sql_list(paths: list[Path]) -> str:
    return "[" + ", ".join("'" + str(p).replace("'", "''") + "'" for p in paths) + "]"


def _sorted_categorical(column: pa.Array) -> pd.Categorical:
    """An Arrow text column as a categorical whose categories are its distinct values sorted (nulls missing)."""
    encoded = pc.dictionary_encode(column)
    distinct = np.asarray(encoded.dictionary.to_pylist(), dtype=object)
    order = np.argsort(distinct, kind="stable")
    rank = np.empty(len(order), dtype=np.int64)
    rank[order] = np.arange(len(order))
    positions = encoded.indices.fill_null(0).to_numpy(zero_copy_only=False).astype(np.int64)
    codes = rank[positions] if len(rank) else positions
    if encoded.indices.null_count:
        codes = np.where(encoded.indices.is_valid().to_numpy(zero_copy_only=False), codes, -1)
    return pd.Categorical.from_codes(codes, categories=pd.Index(distinct[order].tolist()))


class Warehouse(NamedQueries):
    """An embedded DuckDB warehouse of canonical facts, dimensions and provenance.

    Parameters
    ----------
    path
        DuckDB file; defaults to :func:`default_warehouse_path`. ``":memory:"``
        gives a throwaway in-memory warehouse.
    read_only
        Open without writing (e.g. for a web server); the embedded data must
        already be loaded. Any number of processes can read at once; see
        :meth:`for_reading`, which also loads the embedded data when needed.
    progress
        Callback receiving progress messages.
    wait
        Seconds to wait for another process to let go of the file (default
        ``$CLUSTERPLAN_LOCK_WAIT`` or 30); then a :class:`WarehouseError`
        names the process that holds it.

    Examples
    --------
    >>> wh = Warehouse(":memory:")
    >>> "bres_itl2_sic5" in set(wh.list_datasets()["dataset"])
    True
    >>> wh.close()
    """

    def __init__(
        self,
        path: str | Path | None = None,
        *,
        read_only: bool = False,
        progress: Progress | None = None,
        wait: float | None = None,
    ) -> None:
        self.path = Path(path) if path is not None and str(path) != ":memory:" else path or default_warehouse_path()
        self.read_only = read_only
        self._read_only_version: str | None = None
        self._progress = progress or (lambda _message: None)
        database = str(self.path)
        if database != ":memory:":
            Path(database).parent.mkdir(parents=True, exist_ok=True)
            if read_only and not Path(database).exists():
                raise WarehouseError(
                    f"warehouse {database} does not exist", hint="run `clusterplan data list` once to create it"
                )
        self.raw = _connect(database, read_only=read_only, wait=_lock_wait() if wait is None else wait)
        # No progress bar on stderr: the CLI prints its own progress lines, and a server has no terminal.
        self.raw.execute("SET enable_progress_bar = false")
        self.con = ibis.duckdb.from_connection(self.raw)
        if not read_only:
            self.ensure_embedded()

    @classmethod
    def for_reading(
        cls, path: str | Path | None = None, *, progress: Progress | None = None, wait: float | None = None
    ) -> Warehouse:
        """Open the warehouse read-only, so that readers never block each other.

        A missing file, or one holding another version of the embedded data, is
        first built or refreshed with a short write (which waits for readers).
        """
        target = Path(path) if path is not None and str(path) != ":memory:" else path or default_warehouse_path()
        if str(target) == ":memory:":
            return cls(target, progress=progress, wait=wait)
        if Path(target).exists():
            reader = cls(target, read_only=True, progress=progress, wait=wait)
            if reader._holds_embedded():
                return reader
            reader.close()
        cls(target, progress=progress, wait=wait).close()
        return cls(target, read_only=True, progress=progress, wait=wait)

    # -- lifecycle -----------------------------------------------------------------------------------------
    def close(self) -> None:
        self.raw.close()

    def __enter__(self) -> Warehouse:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _frame(self, sql: str, params: Sequence[Any] = ()) -> pd.DataFrame:
        return self.raw.execute(sql, list(params)).df()

    def _coded_frame(self, queries: Sequence[tuple[str, Sequence[Any]]], *, coded: Sequence[str]) -> pd.DataFrame:
        # Through Arrow: each coded column is dictionary-encoded there and only its distinct codes become Python
        # strings (US CBP's 1.7 million cells: 0.4 s instead of 1 s).
        table = pa.concat_tables([self.raw.sql(sql, params=list(params)).to_arrow_table() for sql, params in queries])
        columns: dict[str, Any] = {}
        for name in table.column_names:
            column = table[name].combine_chunks()
            columns[name] = _sorted_categorical(column) if name in coded else column.to_pandas()
        return pd.DataFrame(columns)

    def _once(self, key: Hashable, compute: Callable[[], T], *, copy: bool = True) -> T:
        """``compute()``, kept for the next caller when the warehouse is read-only (no process can write its file
        while it is open, so the answer cannot change): a run asks the same small questions many times."""
        if not self.read_only:
            return compute()
        return memoised(self, ("warehouse", key), compute, copy=copy)

    def _rows(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        # fetchall, not fetchone: DuckDB 2 keeps a half-read result open and the next Ibis query fails.
        # Tuples are immutable and the named queries only read the list: no copy is handed out.
        return self._once(
            ("rows", sql, tuple(params)), lambda: self.raw.execute(sql, list(params)).fetchall(), copy=False
        )

    def embedded_data_version(self) -> str | None:
        """Fingerprint of the embedded package data this warehouse holds (None before it is loaded)."""
        return self._meta("data_version")

    def _holds_embedded(self) -> bool:
        """Whether this warehouse reads this version of the embedded data from where the package now lies."""
        return self._meta("data_version") == data_fingerprint() and self._meta("embedded_folder") == str(data_dir())

    def _meta(self, key: str) -> str | None:
        # fetchall, not fetchone: DuckDB 2 keeps a half-read result open and the next Ibis query fails.
        exists = self.raw.execute(
            "SELECT count(*) FROM information_schema.tables WHERE table_name = 'meta'"
        ).fetchall()[0]
        if not exists or not exists[0]:
            return None
        found = self.raw.execute("SELECT value FROM meta WHERE key = ?", [key]).fetchall()
        row = found[0] if found else None
        return None if row is None else str(row[0])

    def ensure_embedded(self, *, force: bool = False) -> bool:
        """Load the embedded package data if this warehouse does not hold this version of it.

        Datasets a user imported are kept. Returns True when data was (re)loaded.
        """
        version = data_fingerprint()
        if not force and self._holds_embedded():
            return False
        self._progress(f"loading embedded data {version} into {self.path} ...")
        self._transaction(lambda: self._load_embedded(version))
        return True

    def _transaction(self, work: Callable[[], Any]) -> Any:
        self.raw.execute("BEGIN TRANSACTION")
        try:
            result = work()
        except BaseException as exc:
            # BaseException: a Ctrl-C during an import must also leave the warehouse as it was.
            # An interrupted query may have aborted the transaction already: then nothing was committed either.
            with contextlib.suppress(duckdb.Error):
                self.raw.execute("ROLLBACK")
            if isinstance(exc, duckdb.InterruptException) or str(exc) == "Query interrupted":
                # DuckDB reports a Ctrl-C that stopped a query as an error; it is the user's interrupt.
                raise KeyboardInterrupt from None
            raise
        self.raw.execute("COMMIT")
        return result

    def _create_schema(self) -> None:
        kinds = self._object_kinds()
        if kinds.get("facts") == "BASE TABLE":
            # A warehouse made when the embedded facts were copied in: its imported rows are kept, the rest is read
            # in place from now on.
            self.raw.execute(
                "DELETE FROM facts WHERE dataset IN (SELECT dataset FROM datasets WHERE origin = 'embedded')"
            )
            self.raw.execute("ALTER TABLE facts RENAME TO imported_facts")
        self.raw.execute(
            "CREATE TABLE IF NOT EXISTS imported_facts (dataset VARCHAR, area_code VARCHAR, industry_code VARCHAR, "
            "classification VARCHAR, year INTEGER, measure VARCHAR, breakdown VARCHAR, value DOUBLE, unit VARCHAR, "
            "flag VARCHAR)"
        )
        self.raw.execute(
            "CREATE TABLE IF NOT EXISTS areas (area_code VARCHAR, area_name VARCHAR, area_level VARCHAR, "
            "parent_code VARCHAR, geography VARCHAR, alt_code VARCHAR, dataset VARCHAR)"
        )
        self.raw.execute(
            "CREATE TABLE IF NOT EXISTS industries (industry_code VARCHAR, classification VARCHAR, "
            "industry_name VARCHAR, industry_level VARCHAR, parent_code VARCHAR, dataset VARCHAR)"
        )
        columns = ", ".join(f"{k} {v}" for k, v in _DATASET_COLUMNS.items())
        self.raw.execute(f"CREATE TABLE IF NOT EXISTS datasets ({columns})")
        self.raw.execute("CREATE TABLE IF NOT EXISTS meta (key VARCHAR PRIMARY KEY, value VARCHAR)")

    def _object_kinds(self) -> dict[str, str]:
        """Table type (``BASE TABLE``, ``VIEW``) of each table and view of the warehouse, by name."""
        rows = self.raw.execute("SELECT table_name, table_type FROM information_schema.tables").fetchall()
        return {str(name): str(kind) for name, kind in rows}

    def _load_embedded(self, version: str) -> None:
        self._create_schema()
        folder = data_dir()
        embedded = [
            d["dataset"]
            for d in self.raw.execute("SELECT dataset FROM datasets WHERE origin = 'embedded'").df().to_dict("records")
        ]
        for name in embedded:
            for table in ("areas", "industries", "datasets"):
                self.raw.execute(f"DELETE FROM {table} WHERE dataset = ?", [name])
        entries = embedded_datasets()
        facts = [folder / d["file"] for d in entries if d["kind"] == "facts"]
        self._progress(f"  facts of {len(facts)} datasets, read in place")
        cols = ", ".join(FACT_COLUMNS)
        # The embedded rows first, in the files' order, as when they were copied in: rows come out in that order.
        embedded_rows = f"SELECT {cols} FROM read_parquet({_sql_list(facts)}) UNION ALL " if facts else ""
        self.raw.execute(f"CREATE OR REPLACE VIEW facts AS {embedded_rows}SELECT {cols} FROM imported_facts")
        for kind, columns in (("areas", AREA_COLUMNS), ("industries", INDUSTRY_COLUMNS)):
            for entry in entries:
                if entry["kind"] == kind:
                    path = folder / entry["file"]
                    cols = ", ".join(columns)
                    self.raw.execute(
                        f"INSERT INTO {kind} SELECT {cols}, ? FROM read_parquet('{path}')", [entry["name"]]
                    )
        kinds = self._object_kinds()
        for entry in entries:
            if entry["kind"] == "table":
                if kinds.get(entry["name"]) == "BASE TABLE":  # copied in by an earlier version
                    self.raw.execute(f'DROP TABLE "{entry["name"]}"')
                path = _sql_list([folder / entry["file"]])
                self.raw.execute(f'CREATE OR REPLACE VIEW "{entry["name"]}" AS SELECT * FROM read_parquet({path})')
        now = datetime.now(UTC).isoformat(timespec="seconds")
        for entry in entries:
            self._insert_dataset_row(_manifest_row(entry, now))
        self.raw.execute("INSERT OR REPLACE INTO meta VALUES ('data_version', ?)", [version])
        self.raw.execute("INSERT OR REPLACE INTO meta VALUES ('package_version', ?)", [__version__])
        self.raw.execute("INSERT OR REPLACE INTO meta VALUES ('embedded_folder', ?)", [str(folder)])

    def _insert_dataset_row(self, row: dict[str, Any]) -> None:
        names = list(_DATASET_COLUMNS)
        placeholders = ", ".join("?" for _ in names)
        self.raw.execute(
            f"INSERT INTO datasets ({', '.join(names)}) VALUES ({placeholders})", [row.get(n) for n in names]
        )

    # -- reading -------------------------------------------------------------------------------------------
    def table(self, name: str) -> ibis.Table:
        """An Ibis table expression over a warehouse table."""
        known = self._once(
            "table_names",
            lambda: tuple(
                self.raw.execute("SELECT table_name FROM information_schema.tables ORDER BY 1").df()["table_name"]
            ),
            copy=False,
        )
        if name not in known:
            raise UnknownCodeError("warehouse table", name, list(known))
        # Each table expression asks the engine for the table's schema (a query, 5-10 ms of every profile's few
        # tables): made once per read-only connection.
        return self.expression(("table", name), lambda: self.con.table(name))

    @property
    def facts(self) -> ibis.Table:
        return self.table("facts")

    def list_datasets(self) -> pd.DataFrame:
        """One row per dataset: name, kind, origin, vintage, rows, licence, title."""
        return self.raw.execute(
            "SELECT dataset, kind, origin, vintage, rows, licence, title FROM datasets ORDER BY origin, dataset"
        ).df()

    def dataset_info(self, name: str) -> dict[str, Any]:
        return self._once(("dataset_info", name), lambda: self._dataset_info(name))

    def _dataset_info(self, name: str) -> dict[str, Any]:
        frame = self.raw.execute("SELECT * FROM datasets WHERE dataset = ?", [name]).df()
        if frame.empty:
            known = self.raw.execute("SELECT dataset FROM datasets ORDER BY dataset").df()["dataset"].tolist()
            raise UnknownCodeError("dataset", name, known)
        info: dict[str, Any] = {str(k): v for k, v in frame.iloc[0].items()}
        for key in ("raw_files", "transforms"):
            info[key] = json.loads(info[key] or "[]")
        return info

    def head(self, name: str, n: int = 10) -> pd.DataFrame:
        """The first *n* rows of a dataset (facts rows, or the dataset's own table)."""
        info = self.dataset_info(name)
        if info["kind"] == "facts":
            return self.raw.execute("SELECT * FROM facts WHERE dataset = ? LIMIT ?", [name, n]).df()
        if info["kind"] in ("areas", "industries"):
            return self.raw.execute(f"SELECT * FROM {info['kind']} WHERE dataset = ? LIMIT ?", [name, n]).df()
        if info["kind"] == "table":
            return self.raw.execute(f'SELECT * FROM "{name}" LIMIT ?', [n]).df()
        return pd.DataFrame({"file": [info["file"]], "note": [f"{info['kind']} file, not loaded as a table"]})

    def known_codes(self, kind: str, classification: str | None = None) -> set[str]:
        if kind == "area":
            return set(self.raw.execute("SELECT DISTINCT area_code FROM areas").df()["area_code"])
        query = "SELECT DISTINCT industry_code FROM industries"
        params: list[Any] = []
        if classification:
            query += " WHERE classification = ?"
            params.append(classification)
        return set(self.raw.execute(query, params).df()["industry_code"])

    # -- writing -------------------------------------------------------------------------------------------
    def import_facts(
        self,
        facts: pd.DataFrame,
        provenance: Provenance,
        *,
        file: str,
        replace: bool = False,
        allow_unknown_codes: bool = False,
        allow_formula_codes: bool = False,
    ) -> ImportReport:
        """Load parsed, validated facts as a new dataset, atomically.

        Unknown area or industry codes are an error naming the first row and
        the count (``allow_unknown_codes`` loads them and reports the count).
        An existing dataset of the same name is an error unless *replace*. A code or label a spreadsheet would
        run as a formula (``=HYPERLINK(...)``, see :mod:`clusterplan._formula`) is refused unless
        *allow_formula_codes*; outputs neutralise such text either way. :meth:`import_csv` does the same for a
        file read in batches.
        """
        rows = facts["_row"].to_numpy() if "_row" in facts.columns else range(1, len(facts) + 1)

        def stage() -> None:
            self._stage(facts.assign(_row=rows), provenance.dataset)

        return self._import(
            stage, provenance, file=file, replace=replace, allow_unknown_codes=allow_unknown_codes,
            allow_formula_codes=allow_formula_codes,
        )  # fmt: skip

    def import_csv(
        self,
        source: CsvImport,
        *,
        replace: bool = False,
        allow_unknown_codes: bool = False,
        allow_formula_codes: bool = False,
        batch_rows: int = IMPORT_BATCH_ROWS,
    ) -> ImportReport:
        """Stream a described CSV file (:func:`clusterplan.sources.formats.open_user_file`) into a new dataset,
        atomically, with the checks of :meth:`import_facts`.

        DuckDB's CSV reader reads every column as text in batches of about *batch_rows* rows; the format's parser
        turns each batch into validated facts, which are staged in a temporary table. Checks that need the whole
        file (duplicate keys, unknown codes, counts above the country's total, formula text, future years) then
        run as SQL over the staged rows and name the first offending row and column. Memory stays a small
        multiple of a batch instead of growing with the file.
        """
        names = _unique(source.columns)

        def stage() -> None:
            self._progress(f"reading {source.label} in batches of {batch_rows:,} rows")
            offset = 0
            for raw in self._csv_batches(source.path, source.label, names, batch_rows):
                facts = _with_offset(source.parse, raw, offset)
                facts["_row"] = facts["_row"].to_numpy() + offset
                self._stage(facts, source.provenance.dataset)
                offset += len(raw)
            if offset == 0:
                # Header only: the parser names missing columns, or says there are no rows.
                source.parse(pd.DataFrame({name: pd.Series([], dtype=str) for name in names}))
                raise DataValidationError("no data rows", file=source.label)

        return self._import(
            stage, source.provenance, file=source.label, replace=replace, allow_unknown_codes=allow_unknown_codes,
            allow_formula_codes=allow_formula_codes,
        )  # fmt: skip

    def _csv_batches(self, path: Path, label: str, names: list[str], batch_rows: int) -> Iterator[pd.DataFrame]:
        """The rows of a comma-separated file after its header, as frames of text (``""`` for an empty cell).

        A separate cursor reads, so that the transaction's connection can stage each batch while the read goes on.
        """
        columns = "{" + ", ".join(f"{_sql_text(name)}: 'VARCHAR'" for name in names) + "}"
        reader = self.raw.cursor()
        try:
            relation = reader.sql(
                f"SELECT * FROM read_csv({_sql_text(str(path))}, header = true, auto_detect = false, "
                f"columns = {columns}, delim = ',', quote = '\"', escape = '\"', strict_mode = true, "
                "null_padding = false, buffer_size = 4194304)"
            )
            batches = relation.to_arrow_reader(batch_rows)
            while True:
                try:
                    batch = batches.read_next_batch()
                except StopIteration:
                    return
                except (duckdb.Error, pa.ArrowException, OSError) as exc:
                    # The memory ceiling can arrive as a plain OSError from the Arrow stream.
                    raise _reading_error(exc, label) from None
                text = pa.table([pc.fill_null(column, "") for column in batch.columns], names=names)
                yield text.to_pandas()
        except (duckdb.Error, pa.ArrowException, OSError) as exc:
            raise _reading_error(exc, label) from None
        finally:
            reader.close()

    def _stage(self, facts: pd.DataFrame, dataset: str) -> None:
        """Append facts (with ``_row``) to the import's staging table as rows of *dataset*."""
        batch = to_fact_table(facts.assign(dataset=dataset)).append_column(
            "_row", pa.array(facts["_row"].to_numpy(), pa.int64())
        )
        # A relation over the Arrow batch, not a view registered on the connection, which kept every batch alive.
        self.raw.from_arrow(batch).insert_into("_incoming")

    def _import(
        self,
        stage: Callable[[], None],
        provenance: Provenance,
        *,
        file: str,
        replace: bool,
        allow_unknown_codes: bool,
        allow_formula_codes: bool,
    ) -> ImportReport:
        if self.read_only:
            raise WarehouseError("warehouse opened read-only")
        name = provenance.dataset

        def work() -> ImportReport:
            origins = self.raw.execute("SELECT origin FROM datasets WHERE dataset = ?", [name]).fetchall()
            existing = origins[0] if origins else None
            if existing is not None:
                if existing[0] == "embedded":
                    raise DataValidationError(
                        f"dataset name {name!r} belongs to the embedded data",
                        file=file,
                        hint="choose another --dataset",
                    )
                if not replace:
                    raise DataValidationError(
                        f"dataset {name!r} already exists", file=file, hint="use --replace or another --dataset name"
                    )
                for target in ("imported_facts", "datasets"):
                    self.raw.execute(f"DELETE FROM {target} WHERE dataset = ?", [name])
            columns = ", ".join(f"{field.name} {_SQL_TYPES[str(field.type)]}" for field in FACT_SCHEMA)
            self.raw.execute(f"CREATE OR REPLACE TEMP TABLE _incoming ({columns}, _row BIGINT)")
            try:
                stage()
                if not allow_formula_codes:
                    self._refuse_formula_text(file)
                self._refuse_future_years(file)
                self._refuse_duplicate_keys(file)
                unknown_areas, unknown_industries = self._check_codes(file, allow_unknown_codes)
                self._check_against_country_totals(file)
                stats = self._rows(
                    "SELECT count(*), min(year), max(year), count(DISTINCT area_code), count(DISTINCT industry_code), "
                    f"count(*) FILTER (flag = '{FLAG_ZERO_MAY_BE_SUPPRESSED}'), "
                    f"count(*) FILTER (flag = '{FLAG_MISSING}') FROM _incoming"
                )[0]
                self._progress(f"writing {stats[0]:,} rows to the warehouse (one transaction)")
                self.raw.execute(f"INSERT INTO imported_facts SELECT {', '.join(FACT_COLUMNS)} FROM _incoming")
            finally:
                with contextlib.suppress(duckdb.Error):
                    self.raw.execute("DROP TABLE IF EXISTS _incoming")
            report = ImportReport(
                dataset=name,
                file=file,
                rows=int(stats[0]),
                years=(int(stats[1]), int(stats[2])),
                areas=int(stats[3]),
                industries=int(stats[4]),
                suppressed_zeros=int(stats[5]),
                missing_values=int(stats[6]),
                unknown_area_codes=unknown_areas,
                unknown_industry_codes=unknown_industries,
            )
            self._insert_dataset_row(
                {
                    "dataset": name,
                    "kind": "facts",
                    "origin": "imported",
                    "title": provenance.title,
                    "source": provenance.source,
                    "publisher": provenance.publisher,
                    "vintage": provenance.vintage,
                    "licence": provenance.licence,
                    "rows": report.rows,
                    "sha256": provenance.files[0] if provenance.files else "",
                    "file": file,
                    "raw_files": json.dumps(provenance.files),
                    "transforms": json.dumps(provenance.transforms),
                    "description": provenance.notes + " " + report.summary(),
                    "loaded_at": datetime.now(UTC).isoformat(timespec="seconds"),
                }
            )
            return report

        limit = self._rows("SELECT current_setting('memory_limit')")[0][0]
        # DuckDB keeps what it reads as long as it may: a ceiling makes it spill the staged rows and the duplicate
        # check to its temporary folder instead of holding several times the file.
        self.raw.execute(f"SET memory_limit = '{IMPORT_MEMORY_LIMIT}'")
        try:
            result: ImportReport = self._transaction(work)
        except duckdb.OutOfMemoryException:
            raise WarehouseError(
                f"the import needed more than the {IMPORT_MEMORY_LIMIT} DuckDB may use while importing",
                hint="set $CLUSTERPLAN_IMPORT_MEMORY higher (e.g. 1GB), or split the file by year",
            ) from None
        finally:
            self.raw.execute(f"SET memory_limit = {_sql_text(limit)}")
        global IMPORTS_COMMITTED
        IMPORTS_COMMITTED += 1
        return result

    def _first_staged(self, sql: str, params: Sequence[Any] = ()) -> tuple[Any, ...] | None:
        """The first staged row (smallest ``_row``) a query over ``_incoming`` finds, or None."""
        found = self._rows(sql + " ORDER BY _row LIMIT 1", params)
        return found[0] if found else None

    def _refuse_formula_text(self, file: str) -> None:
        """Raise for the first text cell a spreadsheet would evaluate as a formula."""
        columns = ("area_code", "industry_code", "breakdown", "measure", "unit", "classification", "flag")
        starts = ", ".join(_sql_text(start) for start in FORMULA_STARTS)
        union = " UNION ALL ".join(
            f"SELECT _row, '{column}' AS col, left({column}, 1) AS start FROM _incoming "
            f"WHERE left({column}, 1) IN ({starts})"
            for column in columns
        )
        found = self._first_staged(f"SELECT * FROM ({union})")
        if found is None:
            return
        row, column, start = found
        raise DataValidationError(
            f"the cell starts with {start!r}, so a spreadsheet would run it as a formula",
            file=file,
            row=int(row),
            column=column,
            hint="codes never start with = + - @ or a tab; pass --allow-formula-codes to load such text anyway "
            "(outputs neutralise it with a leading apostrophe)",
        )

    def _refuse_future_years(self, file: str) -> None:
        this_year = datetime.now(UTC).year
        found = self._first_staged("SELECT _row, year FROM _incoming WHERE year > ?", [this_year])
        if found is not None:
            raise DataValidationError(
                f"year {found[1]} is in the future (after {this_year})",
                file=file,
                row=int(found[0]),
                column="year",
                hint="published data cannot be dated later than today; check the year column",
            )

    def _refuse_duplicate_keys(self, file: str) -> None:
        key = ", ".join(FACT_KEY)
        # A grouping (which DuckDB spills to disk) finds whether any key repeats; only the repeated keys' rows then
        # go through the window that finds the first repeat in file order (a window over every row did not fit).
        repeated = f"SELECT {key} FROM _incoming GROUP BY {key} HAVING count(*) > 1"
        if not self._rows(f"SELECT count(*) FROM ({repeated} LIMIT 1)")[0][0]:
            return
        found = self._first_staged(
            "SELECT _row, area_code, industry_code, year, measure, first_row FROM (SELECT *, "
            f"min(_row) OVER (PARTITION BY {key}) AS first_row FROM _incoming SEMI JOIN ({repeated}) "
            f"USING ({key})) WHERE _row > first_row"
        )
        if found is not None:
            row, area, industry, year, measure, first = found
            raise DataValidationError(
                f"duplicate key (area_code={area}, industry_code={industry}, year={year}, measure={measure}), "
                f"first seen in row {first}",
                file=file,
                row=int(row),
                hint="each area, industry, year and measure once",
            )

    def _check_codes(self, file: str, allow_unknown_codes: bool) -> tuple[list[str], list[str]]:
        """Distinct unknown area and industry codes; an error at the first row of one unless allowed."""
        unknown_areas = self._unknown(
            "SELECT DISTINCT i.area_code FROM _incoming i ANTI JOIN areas a ON i.area_code = a.area_code"
        )
        unknown_industries = self._unknown(
            "SELECT DISTINCT i.industry_code FROM _incoming i ANTI JOIN industries d "
            "ON i.industry_code = d.industry_code AND i.classification = d.classification"
        )
        if not allow_unknown_codes:
            for kind, column, unknown, join in (
                ("area", "area_code", unknown_areas, "ANTI JOIN areas a ON i.area_code = a.area_code"),
                (
                    "industry",
                    "industry_code",
                    unknown_industries,
                    "ANTI JOIN industries d ON i.industry_code = d.industry_code "
                    "AND i.classification = d.classification",
                ),
            ):
                if unknown:
                    found = self._first_staged(f"SELECT i._row, i.{column} FROM _incoming i {join}")
                    assert found is not None
                    raise DataValidationError(
                        f"unknown {kind} code ({len(unknown)} distinct unknown {kind} codes in the file)",
                        file=file,
                        row=int(found[0]),
                        column=column,
                        code=str(found[1]),
                        hint="check the codes and --format, or pass --allow-unknown-codes to load them as given",
                    )
        return unknown_areas, unknown_industries

    def country_totals(self) -> dict[str, tuple[float, int]]:
        """All jobs in each country (``uk``, ``us``) in the shipped employment data: (total, year), largest year."""
        from ..datasets import DATASET_PROFILES

        totals: dict[str, tuple[float, int]] = {}
        for profile in DATASET_PROFILES.values():
            where = "dataset = ? AND measure = 'employment'"
            params: list[Any] = [profile.dataset]
            if profile.total_code is not None:
                where += " AND industry_code = ?"
                params.append(profile.total_code)
            found = self.raw.execute(
                f"SELECT year, sum(value) FROM facts WHERE {where} GROUP BY year ORDER BY 2 DESC LIMIT 1", params
            ).fetchall()
            if found and found[0][1] is not None and found[0][1] > totals.get(profile.geography, (0.0, 0))[0]:
                totals[profile.geography] = (float(found[0][1]), int(found[0][0]))
        return totals

    def _check_against_country_totals(self, file: str) -> None:
        """Refuse a count larger than all jobs in its area's country (e.g. 1e9 jobs in one local authority)."""
        totals = self.country_totals()
        if not totals:
            return
        bounds = ", ".join(f"('{geography}', {total!r})" for geography, (total, _) in totals.items())
        found = self._first_staged(
            "WITH bound(geography, total) AS (VALUES " + bounds + "), "
            "place AS (SELECT area_code, any_value(geography) AS geography FROM areas GROUP BY area_code) "
            "SELECT i._row, i.area_code, i.industry_code, i.value, p.geography FROM _incoming i "
            "JOIN place p USING (area_code) JOIN bound b USING (geography) "
            "WHERE i.unit IN ('persons', 'count') AND i.value > b.total"
        )
        if found is None:
            return
        row, area, industry, value, geography = found
        total, total_year = totals[geography]
        country = "Great Britain" if geography == "uk" else "the United States" if geography == "us" else geography
        raise DataValidationError(
            f"count {value:,.0f} for area {area} is larger than all jobs in {country} "
            f"({total:,.0f} in {total_year}, the shipped data's largest year)",
            file=file,
            row=int(row),
            column="value",
            code=str(industry),
            hint="a cell cannot exceed its country's total; check the units and the value column",
        )

    def _unknown(self, query: str) -> list[str]:
        return sorted(str(v) for v in self.raw.execute(query).df().iloc[:, 0].tolist())

    def data_version(self) -> str:
        """A short digest of what the warehouse holds (every dataset's name, rows, sha256 and load time): it
        changes whenever data is imported, replaced or reloaded, by this process or another, and one query
        computes it. Results cached per dataset are keyed on it. A read-only warehouse asks once: no process can
        write the file while it is open (DuckDB locks it), so its data cannot change."""
        if self._read_only_version is not None:
            return self._read_only_version
        found = self.raw.execute(
            "SELECT md5(coalesce(string_agg(concat_ws('/', dataset, rows, sha256, loaded_at), '|' "
            "ORDER BY dataset), '')) FROM datasets"
        ).fetchall()
        version = str(found[0][0])
        if self.read_only:
            self._read_only_version = version
        return version

    def fingerprint(self) -> dict[str, int]:
        """Row counts of every warehouse table: a cheap way to check that nothing changed."""
        names = self.raw.execute("SELECT table_name FROM information_schema.tables ORDER BY table_name").df()
        return {
            name: int(self.raw.execute(f'SELECT count(*) FROM "{name}"').fetchall()[0][0])
            for name in names["table_name"]
        }


def _manifest_row(entry: dict[str, Any], loaded_at: str) -> dict[str, Any]:
    """The ``datasets`` row of an embedded dataset (its manifest *entry*), as both warehouses record it."""
    return {
        "dataset": entry["name"],
        "kind": entry["kind"],
        "origin": "embedded",
        "title": entry["title"],
        "source": entry["source"],
        "publisher": entry["publisher"],
        "vintage": entry["vintage"],
        "licence": entry["licence"],
        "rows": int(entry["rows"]),
        "sha256": entry["sha256"],
        "file": entry["file"],
        "raw_files": json.dumps(entry.get("raw_files", [])),
        "transforms": json.dumps(entry.get("transforms", [])),
        "description": entry.get("description", ""),
        "loaded_at": loaded_at,
    }
