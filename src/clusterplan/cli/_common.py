"""What the ``clusterplan`` commands share: the ``--warehouse``, ``--quiet`` and ``--cells`` options, progress lines
on stderr, opening the warehouse, comma-separated lists and writing a table as CSV or Parquet.

The warehouse (DuckDB) and pandas are imported only when a command runs, so that ``clusterplan --help`` stays fast.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import click

from .._formula import neutralise_frame
from .._paths import replacing

if TYPE_CHECKING:
    import pandas as pd

    from ..pipeline.data import Warehouse

__all__ = [
    "WAREHOUSE_HELP",
    "cells_option",
    "comma_separated",
    "engine_option",
    "master_option",
    "open_engine",
    "open_warehouse",
    "progress_printer",
    "quiet_option",
    "warehouse_option",
    "write_csv_or_parquet",
]

F = TypeVar("F", bound=Callable[..., Any])

#: Help of ``--warehouse`` where a command names no other default.
WAREHOUSE_HELP = (
    "DuckDB warehouse file (default: $CLUSTERPLAN_WAREHOUSE or ~/.local/share/clusterplan/warehouse.duckdb)."
)


def warehouse_option(help: str = WAREHOUSE_HELP) -> Callable[[F], F]:
    """``--warehouse FILE``, passed to the command as ``warehouse_path`` (None: the default warehouse)."""
    return click.option("--warehouse", "warehouse_path", type=click.Path(dir_okay=False), default=None, help=help)


def quiet_option(help: str = "No progress lines.") -> Callable[[F], F]:
    """``--quiet``: a flag that silences the progress lines."""
    return click.option("--quiet", is_flag=True, help=help)


def progress_printer(quiet: bool = False) -> Callable[[str], None]:
    """A function printing progress lines on stderr, each with the seconds since this call (nothing when quiet)."""
    start = time.perf_counter()

    def progress(message: str) -> None:
        if not quiet:
            click.echo(f"[{time.perf_counter() - start:5.1f}s] {message}", err=True)

    return progress


def engine_option() -> Callable[[F], F]:
    """``--engine duckdb|spark``: where the analyses read the warehouse."""
    return click.option(
        "--engine",
        type=click.Choice(["duckdb", "spark"]),
        default="duckdb",
        show_default=True,
        help="Where the measures run: the embedded DuckDB warehouse, or Apache Spark (needs clusterplan[spark]).",
    )


def master_option() -> Callable[[F], F]:
    """``--master URL``: the Spark master of ``--engine spark``."""
    return click.option(
        "--master",
        default="local[2]",
        show_default=True,
        help="Spark master URL for --engine spark (local[N], spark://host:port, ...).",
    )


#: Help of ``--cells`` where a command names no other.
CELLS_HELP = (
    "US County Business Patterns: add the cells CBP withholds (fewer than 3 establishments), rebuilt within "
    "their parents' totals, with LQ ranges over every split of the hidden jobs; or use published cells only "
    "(withheld cells count as zero). Rebuilt cells never decide a verdict alone: a cluster is strong only if its "
    "LQ at the lowest employment they allow passes the Cluster Mapping tests, and complexity (opportunities) "
    "counts only the jobs they must hold."
)


def cells_option(help: str = CELLS_HELP) -> Callable[[F], F]:
    """``--cells reconstructed|published``: the US CBP cells withheld for confidentiality rebuilt, or left at zero."""
    return click.option(
        "--cells",
        type=click.Choice(["reconstructed", "published"]),
        default="reconstructed",
        show_default=True,
        help=help,
    )


def open_engine(engine: str, path: str | None, master: str, progress: Callable[[str], None]) -> Any:
    """A read-only warehouse on *engine*: the DuckDB file at *path*, or Apache Spark at *master*."""
    from ..pipeline.data import open_analysis_engine

    return open_analysis_engine(engine, path, master, progress)


def open_warehouse(path: str | None, progress: Callable[[str], None], write: bool = False) -> Warehouse:
    """The warehouse at *path* (None: the default), read-only unless *write* (readers never block each other),
    reporting its loading through *progress*."""
    from ..pipeline.data import open_warehouse as opened

    return opened(path, progress, write=write)


def comma_separated(values: str) -> list[str]:
    """``"TLD3, TLE4,"`` -> ``["TLD3", "TLE4"]``: the items of a comma-separated option, stripped, blanks dropped.

    Examples
    --------
    >>> comma_separated("TLD3, TLE4,")
    ['TLD3', 'TLE4']
    """
    return [v.strip() for v in values.split(",") if v.strip()]


def write_csv_or_parquet(table: pd.DataFrame, out: str | Path, float_format: str = "%.6g") -> Path:
    """Write *table* to *out* (Parquet when it ends in ``.parquet``, in any case, else CSV with numbers written
    by *float_format*, 6 significant digits by default), creating its folder; returns the path."""
    path = Path(out)
    with replacing(path) as part:  # an interrupt leaves the old file, not half a new one
        if path.suffix.lower() == ".parquet":
            table.to_parquet(part, index=False)
        else:
            neutralise_frame(table).to_csv(part, index=False, float_format=float_format)
    return path
