"""The Spark engine: the same Ibis measures on Apache Spark instead of the embedded DuckDB.

:class:`SparkWarehouse` offers the reading side of
:class:`~clusterplan.warehouse.Warehouse` (``facts``, ``table``, ``raw``,
``dataset_info``, ``list_datasets``) over a Spark session, so every measure
written as an Ibis expression runs unchanged on either engine. It is read-only
and holds:

``facts``       the embedded fact Parquet files, plus the facts exported from a
                DuckDB warehouse by :func:`export_facts_parquet` (``imported=``)
``areas``       area dimension, as in the DuckDB warehouse (with ``dataset``)
``industries``  industry dimension, as in the DuckDB warehouse (with ``dataset``)
``datasets``    provenance, from the package manifest and the export
other views     one per tidy ``table`` dataset

all registered as temporary views of the session. Datasets a user imported
live in the DuckDB warehouse; Spark sees them only once exported to Parquet
(:func:`open_engine` does this for a local master).

Spark needs the optional extra (``pip install 'clusterplan[spark]'``) and a
Java 17 or 21 runtime. ``master`` is ``local[N]`` by default (a session inside
this process, bound to the loopback interface, no web UI); give a
``spark://host:7077`` or other master URL to run on a cluster, with
``data_location`` naming a copy of the package data folder the executors can
read (a shared file system, HDFS or S3 URL).
"""

from __future__ import annotations

import contextlib
import functools
import json
import shutil
import socket
import tempfile
import weakref
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from .._data import data_dir, embedded_datasets
from .._exceptions import ParameterError, UnknownCodeError, WarehouseError
from .._schema import AREA_COLUMNS, FACT_COLUMNS, FACT_SCHEMA, INDUSTRY_COLUMNS
from ._queries import NamedQueries
from ._warehouse import _DATASET_COLUMNS, Warehouse, _manifest_row, default_warehouse_path

if TYPE_CHECKING:
    import ibis.expr.types as ir
    from pyspark.sql import DataFrame, SparkSession

__all__ = [
    "ENGINES",
    "SparkResult",
    "SparkSQL",
    "SparkWarehouse",
    "export_facts_parquet",
    "open_engine",
    "to_spark_sql",
]

Progress = Callable[[str], None]

#: Names accepted by :func:`open_engine` (and ``--engine``).
ENGINES = ("duckdb", "spark")

SPARK_EXTRA_MESSAGE = "the Spark engine needs the spark extra: pip install 'clusterplan[spark]'"

# Sized for a laptop or a small CI runner: the panels are small, so few shuffle partitions beat the default 200.
_DEFAULT_CONFIG = {
    "spark.sql.shuffle.partitions": "4",
    "spark.default.parallelism": "4",
    "spark.ui.enabled": "false",
    "spark.ui.showConsoleProgress": "false",
    "spark.log.level": "ERROR",
    "spark.sql.execution.arrow.pyspark.enabled": "true",
    "spark.sql.session.timeZone": "UTC",
}
# Only for a session inside this process: no port is reachable from the network.
_LOCAL_CONFIG = {"spark.driver.host": "127.0.0.1", "spark.driver.bindAddress": "127.0.0.1"}

_ARROW_TO_SPARK = {
    pa.string(): "string",
    pa.large_string(): "string",
    pa.bool_(): "boolean",
    pa.int8(): "tinyint",
    pa.int16(): "smallint",
    pa.int32(): "int",
    pa.int64(): "bigint",
    pa.float32(): "float",
    pa.float64(): "double",
}


def _require_pyspark() -> None:
    try:
        import ibis.backends.pyspark  # noqa: F401
        import pyspark  # noqa: F401
    except ImportError:
        raise ParameterError(SPARK_EXTRA_MESSAGE) from None


def _is_local(master: str) -> bool:
    return master == "local" or master.startswith("local[")


#: Seconds to wait for a standalone Spark master to accept a connection before giving up.
MASTER_CONNECT_SECONDS = 5.0


def check_master_reachable(master: str, timeout: float = MASTER_CONNECT_SECONDS) -> None:
    """Refuse a ``spark://host:port[,host:port]`` master none of whose hosts accepts a TCP connection.

    Spark's own client retries an unreachable master for a minute or more with no word to the user; this check
    answers within *timeout* seconds per host. Other masters (``local``, ``yarn``, ``k8s://``) are not checked.

    >>> check_master_reachable("local[2]")
    """
    if not master.startswith("spark://"):
        return
    reasons = []
    for address in master.removeprefix("spark://").split(","):
        host, _, port = address.strip().rpartition(":")
        if not host or not port.isdigit():
            raise WarehouseError(f"Spark master {master!r} is not spark://host:port", hint="e.g. spark://node1:7077")
        try:
            with socket.create_connection((host, int(port)), timeout=timeout):
                return
        except OSError as exc:
            reasons.append(f"{host}:{port} ({exc.strerror or type(exc).__name__})")
    raise WarehouseError(
        f"cannot reach the Spark master: {', '.join(reasons)}",
        hint="start the master, or check --master (e.g. spark://node1:7077); --engine duckdb needs no cluster",
    )


def _spark_ddl(schema: pa.Schema) -> str | None:
    """Spark DDL for a Parquet file's schema, or None when a column type has no safe Spark reading."""
    parts = []
    for field in schema:
        kind = _ARROW_TO_SPARK.get(field.type)
        if kind is None:
            return None
        parts.append(f"`{field.name}` {kind}")
    return ", ".join(parts)


def _dimension(path: Path, columns: Sequence[str], dataset: str) -> pa.Table:
    """A dimension file as all-string columns plus ``dataset``, as the DuckDB warehouse loads it."""
    # Builders write all-empty columns as Parquet "null" type, which Spark's reader rejects; cast on the driver.
    table = pq.read_table(path, columns=list(columns))
    data = {c: table[c].cast(pa.string()) for c in columns}
    data["dataset"] = pa.array([dataset] * table.num_rows, pa.string())
    return pa.table(data)


class SparkResult:
    """The answer to :meth:`SparkSQL.execute`, read like a DuckDB result."""

    def __init__(self, frame: DataFrame) -> None:
        self._frame = frame

    def df(self) -> pd.DataFrame:
        return self._frame.toPandas()

    def fetchall(self) -> list[tuple[Any, ...]]:
        return [tuple(row) for row in self._frame.collect()]

    def fetchone(self) -> tuple[Any, ...] | None:
        rows = self._frame.take(1)
        return tuple(rows[0]) if rows else None


class SparkSQL:
    """``raw`` of a :class:`SparkWarehouse`: run the DuckDB SQL that ``Warehouse.raw`` takes, on Spark.

    Queries are written in DuckDB's dialect, as for the DuckDB warehouse, and
    translated to Spark SQL with sqlglot (so ``any_value`` skips NULLs and
    ``ORDER BY`` puts NULLs last, as in DuckDB); ``?`` parameters are passed
    to Spark. Prefer Ibis expressions: they need no translation.
    """

    def __init__(self, session: SparkSession) -> None:
        self.session = session

    def execute(self, query: str, parameters: Sequence[Any] | None = None) -> SparkResult:
        spark_query = to_spark_sql(query)
        if parameters:
            return SparkResult(self.session.sql(spark_query, args=list(parameters)))
        return SparkResult(self.session.sql(spark_query))


@functools.cache
def to_spark_sql(query: str) -> str:
    """Translate one DuckDB SQL statement to Spark SQL.

    Examples
    --------
    >>> to_spark_sql("SELECT area_code FROM facts WHERE regexp_full_match(industry_code, '[0-9]{5}') LIMIT 1")
    "SELECT area_code FROM facts WHERE industry_code RLIKE '^(?:[0-9]{5})$' LIMIT 1"
    """
    import sqlglot
    from sqlglot import exp

    def full_match(node: exp.Expression) -> exp.Expression:
        # sqlglot has no Spark spelling of DuckDB's whole-string regexp_full_match: anchor an RLIKE instead.
        if isinstance(node, exp.RegexpFullMatch) and not node.args.get("options"):
            value, pattern = node.this, node.expression
            if isinstance(pattern, exp.Literal) and pattern.is_string:
                anchored: exp.Expression = exp.Literal.string(f"^(?:{pattern.this})$")
            else:
                anchored = exp.Concat(expressions=[exp.Literal.string("^(?:"), pattern, exp.Literal.string(")$")])
            return exp.RegexpLike(this=value, expression=anchored)
        return node

    try:
        tree = sqlglot.parse_one(query, read="duckdb")
    except sqlglot.errors.ParseError:
        return query  # let Spark report what it cannot run
    return tree.transform(full_match).sql(dialect="spark")


class SparkWarehouse(NamedQueries):
    """The embedded data on an Apache Spark session, queried through Ibis (read-only).

    Parameters
    ----------
    master
        Spark master URL: ``local[N]`` (default ``local[2]``, in this process)
        or a cluster's URL, e.g. ``spark://host:7077``.
    app_name
        Spark application name.
    progress
        Callback receiving progress messages.
    imported
        Folder written by :func:`export_facts_parquet` (any path or URL Spark
        can read): datasets imported into a DuckDB warehouse, added to ``facts``.
    data_location
        Where the executors read the embedded Parquet files; default the
        installed package data folder (right for ``local`` and for a cluster on
        this machine).
    driver_memory
        ``spark.driver.memory`` of a session this object starts.
    config
        Extra Spark settings, applied last.
    session
        An existing ``SparkSession`` to use instead of starting one (it is
        left running on :meth:`close`).

    Notes
    -----
    The views ``facts``, ``areas``, ``industries``, ``datasets`` and one per
    table dataset are registered on the session, so use one
    ``SparkWarehouse`` per session at a time.

    Examples
    --------
    >>> from clusterplan.measures.employment import industry_facts
    >>> with SparkWarehouse() as wh:  # doctest: +SKIP
    ...     rows = industry_facts(wh.facts, dataset="bres_itl2_sic5")
    ...     int(rows.filter(rows.year == 2022).value.sum().execute())
    """

    engine = "spark"
    read_only = True

    def __init__(
        self,
        master: str = "local[2]",
        *,
        app_name: str = "clusterplan",
        progress: Progress | None = None,
        imported: str | Path | None = None,
        data_location: str | None = None,
        driver_memory: str = "2g",
        config: Mapping[str, str] | None = None,
        session: SparkSession | None = None,
    ) -> None:
        _require_pyspark()
        import ibis
        from pyspark.sql import SparkSession

        self.master = master
        self._progress = progress or (lambda _message: None)
        self._views: list[str] = []
        self._cleanup: list[Path] = []
        # Temporary folders go even when close() is never called (the finalizer also runs at exit).
        self._remove_scratch = weakref.finalize(self, _remove_folders, self._cleanup)
        self._closed = False
        self._location = (data_location or str(data_dir())).rstrip("/")
        if session is None:
            self._owns_session = SparkSession.getActiveSession() is None
            scratch = Path(tempfile.mkdtemp(prefix="clusterplan-spark-"))
            self._cleanup.append(scratch)
            settings = {
                **_DEFAULT_CONFIG,
                **(_LOCAL_CONFIG if _is_local(master) else {}),
                "spark.driver.memory": driver_memory,
                # Spark would otherwise create ./spark-warehouse in the working directory.
                "spark.sql.warehouse.dir": (scratch / "spark-warehouse").as_uri(),
                **(config or {}),
            }
            try:
                check_master_reachable(master)
            except WarehouseError:
                self._remove_scratch()
                raise
            self._progress(f"starting Spark ({master}) ...")
            builder = SparkSession.builder.master(master).appName(app_name)
            for key, value in settings.items():
                builder = builder.config(key, value)
            try:
                session = builder.getOrCreate()
            except Exception as exc:
                self._remove_scratch()
                first = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
                raise WarehouseError(
                    f"cannot start Spark with master {master!r}: {first}",
                    hint="Spark needs Java 17 or 21 (set JAVA_HOME) and a reachable master URL",
                ) from None
        else:
            self._owns_session = False
            for key, value in (config or {}).items():
                session.conf.set(key, value)
        self.session: SparkSession = session
        self.con = ibis.pyspark.from_connection(session)
        self.raw = SparkSQL(session)
        try:
            self._register(imported)
        except BaseException:
            self.close()
            raise

    # -- lifecycle -----------------------------------------------------------------------------------------
    def close(self) -> None:
        """Drop the views this object registered and stop the session if it started it."""
        if self._closed:
            return
        self._closed = True
        with contextlib.suppress(Exception):
            for name in self._views:
                self.session.catalog.dropTempView(name)
        if self._owns_session:
            with contextlib.suppress(Exception):
                self.session.stop()
        self._remove_scratch()

    def __enter__(self) -> SparkWarehouse:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _add_cleanup(self, folder: Path) -> None:
        """Remove *folder* on :meth:`close` (e.g. a temporary export made by :func:`open_engine`)."""
        self._cleanup.append(folder)

    # -- registration --------------------------------------------------------------------------------------
    def _view(self, name: str, frame: DataFrame) -> None:
        frame.createOrReplaceTempView(name)
        self._views.append(name)

    def _file(self, entry: dict[str, Any]) -> str:
        return f"{self._location}/{entry['file']}"

    def _register(self, imported: str | Path | None) -> None:
        folder = data_dir()
        entries = embedded_datasets()
        fact_schema = _spark_ddl(FACT_SCHEMA)
        assert fact_schema is not None
        reader = self.session.read.schema(fact_schema)
        fact_files = [self._file(e) for e in entries if e["kind"] == "facts"]
        self._progress(f"registering {len(fact_files)} embedded fact datasets with Spark")
        facts = reader.parquet(*fact_files).select(*FACT_COLUMNS) if fact_files else None
        now = datetime.now(UTC).isoformat(timespec="seconds")
        self._datasets = [_manifest_row(e, now) for e in entries]
        if imported is not None:
            location = str(imported).rstrip("/")
            extra = reader.parquet(f"{location}/facts.parquet").select(*FACT_COLUMNS)
            facts = extra if facts is None else facts.unionByName(extra)
            rows = [row.asDict() for row in self.session.read.parquet(f"{location}/datasets.parquet").collect()]
            self._datasets += rows
            self._progress(f"  facts of {len(rows)} imported datasets from {location}")
        if facts is None:
            facts = self.session.createDataFrame([], fact_schema)
        self._view("facts", facts)
        # Dimensions are small: read them on the driver, which also copes with all-null columns.
        for kind, columns in (("areas", AREA_COLUMNS), ("industries", INDUSTRY_COLUMNS)):
            parts = [_dimension(folder / e["file"], columns, e["name"]) for e in entries if e["kind"] == kind]
            schema = pa.schema([(c, pa.string()) for c in [*columns, "dataset"]])
            table = pa.concat_tables(parts) if parts else schema.empty_table()
            self._view(kind, self.session.createDataFrame(table))
        for entry in entries:
            if entry["kind"] == "table":
                ddl = _spark_ddl(pq.read_schema(folder / entry["file"]))
                if ddl is not None:
                    frame = self.session.read.schema(ddl).parquet(self._file(entry))
                else:
                    table = pq.read_table(folder / entry["file"])
                    # An all-empty column (Parquet "null" type) becomes a string column of NULLs.
                    table = table.cast(
                        pa.schema([f.with_type(pa.string()) if pa.types.is_null(f.type) else f for f in table.schema])
                    )
                    frame = self.session.createDataFrame(table)
                self._view(entry["name"], frame)
        datasets = pa.Table.from_pylist(
            [{k: row.get(k) for k in _DATASET_COLUMNS} for row in self._datasets],
            schema=pa.schema(
                [(k, pa.int64() if kind == "BIGINT" else pa.string()) for k, kind in _DATASET_COLUMNS.items()]
            ),
        )
        self._view("datasets", self.session.createDataFrame(datasets))

    # -- reading -------------------------------------------------------------------------------------------
    def _frame(self, sql: str, params: Sequence[Any] = ()) -> pd.DataFrame:
        return self.raw.execute(sql, list(params)).df()

    def _rows(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        return self.raw.execute(sql, list(params)).fetchall()

    def table(self, name: str) -> ir.Table:
        """An Ibis table expression over a registered view (``facts``, ``areas``, a table dataset, ...)."""
        if name not in self._views:
            raise UnknownCodeError("warehouse table", name, sorted(set(self._views)))
        return self.con.table(name)

    @property
    def facts(self) -> ir.Table:
        return self.table("facts")

    def list_datasets(self) -> pd.DataFrame:
        """One row per dataset: name, kind, origin, vintage, rows, licence, title."""
        columns = ["dataset", "kind", "origin", "vintage", "rows", "licence", "title"]
        frame = pd.DataFrame([{c: row.get(c) for c in columns} for row in self._datasets], columns=columns)
        frame["rows"] = frame["rows"].astype("int64")
        return frame.sort_values(["origin", "dataset"], ignore_index=True)

    def dataset_info(self, name: str) -> dict[str, Any]:
        """The provenance of one dataset, as :meth:`Warehouse.dataset_info` gives it."""
        for row in self._datasets:
            if row["dataset"] == name:
                info = {k: row.get(k) for k in _DATASET_COLUMNS}
                for key in ("raw_files", "transforms"):
                    info[key] = json.loads(info[key] or "[]")
                return info
        raise UnknownCodeError("dataset", name, sorted(row["dataset"] for row in self._datasets))

    def head(self, name: str, n: int = 10) -> pd.DataFrame:
        """The first *n* rows of a dataset (facts rows, or the dataset's own table)."""
        info = self.dataset_info(name)
        if info["kind"] == "facts":
            return self.facts.filter(self.facts.dataset == name).limit(n).to_pandas()
        if info["kind"] in ("areas", "industries"):
            table = self.table(info["kind"])
            return table.filter(table.dataset == name).limit(n).to_pandas()
        if info["kind"] == "table":
            return self.table(name).limit(n).to_pandas()
        return pd.DataFrame({"file": [info["file"]], "note": [f"{info['kind']} file, not loaded as a table"]})

    def known_codes(self, kind: str, classification: str | None = None) -> set[str]:
        if kind == "area":
            return set(self.table("areas").select("area_code").distinct().to_pandas()["area_code"])
        industries = self.table("industries")
        if classification:
            industries = industries.filter(industries.classification == classification)
        return set(industries.select("industry_code").distinct().to_pandas()["industry_code"])


def _remove_folders(folders: list[Path]) -> None:
    for folder in folders:
        shutil.rmtree(folder, ignore_errors=True)


def _sql_text(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def export_facts_parquet(
    warehouse: Warehouse, folder: str | Path, *, datasets: Sequence[str] | None = None
) -> list[str]:
    """Write the imported datasets of a DuckDB warehouse as Parquet, for :class:`SparkWarehouse` ``imported=``.

    Parameters
    ----------
    warehouse
        The DuckDB warehouse holding the imports.
    folder
        Created if needed; receives ``facts.parquet`` (canonical facts) and
        ``datasets.parquet`` (their provenance rows).
    datasets
        Imported datasets to export; default all of them. The embedded data
        is not exported: Spark reads it from the package.

    Returns
    -------
    list of str
        The names of the exported datasets.
    """
    imported = [
        str(row[0])
        for row in warehouse.raw.execute(
            "SELECT dataset FROM datasets WHERE origin = 'imported' ORDER BY dataset"
        ).fetchall()
    ]
    if datasets is None:
        chosen = imported
    else:
        chosen = list(dict.fromkeys(datasets))
        for name in chosen:
            if name not in imported:
                known = set(warehouse.list_datasets()["dataset"])
                if name in known:
                    raise ParameterError(f"dataset {name!r} is embedded data, which Spark reads from the package")
                raise UnknownCodeError("imported dataset", name, imported)
    if not chosen:
        raise ParameterError(
            f"warehouse {warehouse.path} holds no imported datasets to export",
            hint="import one with `clusterplan data import`",
        )
    target = Path(folder)
    target.mkdir(parents=True, exist_ok=True)
    names = ", ".join(_sql_text(name) for name in chosen)
    options = "(FORMAT parquet, COMPRESSION zstd)"
    warehouse.raw.execute(
        f"COPY (SELECT {', '.join(FACT_COLUMNS)} FROM facts WHERE dataset IN ({names}) "
        f"ORDER BY dataset, area_code, industry_code, year, measure, breakdown) "
        f"TO {_sql_text(str(target / 'facts.parquet'))} {options}"
    )
    warehouse.raw.execute(
        f"COPY (SELECT {', '.join(_DATASET_COLUMNS)} FROM datasets WHERE dataset IN ({names}) ORDER BY dataset) "
        f"TO {_sql_text(str(target / 'datasets.parquet'))} {options}"
    )
    return chosen


def open_engine(
    engine: str = "duckdb",
    *,
    path: str | Path | None = None,
    read_only: bool = False,
    master: str = "local[2]",
    imported: str | Path | None = None,
    progress: Progress | None = None,
) -> Warehouse | SparkWarehouse:
    """Open the warehouse on the chosen engine: ``"duckdb"`` (default) or ``"spark"``.

    For Spark with a local master and no *imported* folder, the datasets
    imported into the DuckDB warehouse at *path* (default
    :func:`~clusterplan.warehouse.default_warehouse_path`) are exported to a
    temporary folder, removed on ``close()``. With a cluster master, export
    them to storage the executors can read (:func:`export_facts_parquet`) and
    pass that as *imported*.

    Examples
    --------
    >>> wh = open_engine("duckdb", path=":memory:")
    >>> type(wh).__name__
    'Warehouse'
    >>> wh.close()
    """
    if engine == "duckdb":
        if read_only:
            return Warehouse.for_reading(path, progress=progress)
        return Warehouse(path, progress=progress)
    if engine != "spark":
        raise ParameterError(f"unknown engine {engine!r}; choose one of {', '.join(ENGINES)}")
    _require_pyspark()
    check_master_reachable(master)  # before any export: an unreachable cluster is said at once
    say = progress or (lambda _message: None)
    temporary: Path | None = None
    if imported is None and str(path) != ":memory:":
        duck_path = Path(path) if path is not None else default_warehouse_path()
        if duck_path.exists():
            with Warehouse(duck_path, read_only=True) as duck:
                has_imports = (duck.list_datasets()["origin"] == "imported").any()
                if has_imports and _is_local(master):
                    temporary = Path(tempfile.mkdtemp(prefix="clusterplan-imported-"))
                    names = export_facts_parquet(duck, temporary)
                    say(f"exported {len(names)} imported datasets from {duck_path} for Spark")
                    imported = temporary
                elif has_imports:
                    say(
                        f"imported datasets in {duck_path} are not visible to the Spark cluster; "
                        "export them with export_facts_parquet to shared storage and pass imported="
                    )
    try:
        spark = SparkWarehouse(master, progress=progress, imported=imported)
    except BaseException:
        if temporary is not None:
            shutil.rmtree(temporary, ignore_errors=True)
        raise
    if temporary is not None:
        spark._add_cleanup(temporary)
    return spark
