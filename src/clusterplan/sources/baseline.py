"""A user's baseline forecast of cluster jobs (and GVA), parsed from the CSV text the pipeline reads."""

from __future__ import annotations

import io
from collections.abc import Sequence

import numpy as np
import pandas as pd

from .._exceptions import DataValidationError
from .._schema import MAX_COUNT

__all__ = ["parse_baseline_csv"]

_BASELINE_COLUMNS = ("cluster", "year", "jobs")


def parse_baseline_csv(
    text: str, clusters: Sequence[tuple[str, str]] | None = None, *, file: str = "baseline"
) -> pd.DataFrame:
    """Parse and check a user-supplied baseline forecast (e.g. a commercial forecast) given as CSV text.

    Parameters
    ----------
    text
        CSV with columns ``cluster, year, jobs`` and optionally ``gva_gbp_m``;
        one row per cluster and year (the file is read by
        :func:`clusterplan.pipeline.scenarios.read_baseline_csv`).
    clusters
        ``(cluster_id, cluster_name)`` pairs of the taxonomy; a ``cluster`` cell
        may be either. Names are matched ignoring case. None skips the check.
    file
        Name of the file in error messages and in ``attrs["file"]``.

    Returns
    -------
    pandas.DataFrame
        ``cluster_id, year, jobs`` and ``gva_gbp_m`` (NaN when not given).

    Raises
    ------
    DataValidationError
        A missing column, an unknown cluster, a year or value that is not a
        number, a negative value or a repeated cluster and year; the message
        names the file, row (1 = first data row) and column.

    Examples
    --------
    >>> text = "cluster,year,jobs\\nAerospace,2030,4304\\n"
    >>> frame = parse_baseline_csv(text, [("aerospace", "Aerospace")], file="mine.csv")
    >>> frame.to_dict("records"), frame.attrs["file"]
    ([{'cluster_id': 'aerospace', 'year': 2030, 'jobs': 4304.0, 'gva_gbp_m': nan}], 'mine.csv')
    """
    label = file
    try:
        raw = pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False)
    except (pd.errors.ParserError, UnicodeDecodeError) as exc:
        raise DataValidationError(f"not a readable CSV: {exc}", file=label) from None
    raw.columns = [str(c).strip().lower() for c in raw.columns]
    missing = [c for c in _BASELINE_COLUMNS if c not in raw.columns]
    if missing:
        raise DataValidationError(
            f"missing column(s) {', '.join(missing)}; a baseline needs cluster, year, jobs[, gva_gbp_m]",
            file=label,
            row=0,
        )
    if raw.empty:
        raise DataValidationError("no data rows", file=label)
    lookup: dict[str, str] | None = None
    if clusters is not None:
        lookup = {}
        for cluster_id, name in clusters:
            lookup[cluster_id.lower()] = cluster_id
            lookup[str(name).strip().lower()] = cluster_id
    records = []
    for i, cells in enumerate(raw.to_dict(orient="records"), start=1):
        name = str(cells["cluster"]).strip()
        if not name:
            raise DataValidationError("empty cluster", file=label, row=i, column="cluster")
        cluster_id = name
        if lookup is not None:
            if name.lower() not in lookup:
                raise DataValidationError(
                    "unknown cluster",
                    file=label,
                    row=i,
                    column="cluster",
                    code=name,
                    hint="use the taxonomy's cluster ids or names: " + ", ".join(c for c, _ in clusters or []),
                )
            cluster_id = lookup[name.lower()]
        year_text = str(cells["year"]).strip()
        if not year_text.isdigit():
            raise DataValidationError("year is not a whole number", file=label, row=i, column="year", code=year_text)
        values = {}
        for column in ("jobs", "gva_gbp_m"):
            text = str(cells.get(column, "")).strip().replace(",", "")
            if column == "gva_gbp_m" and text == "":
                values[column] = float("nan")
                continue
            try:
                number = float(text)
            except ValueError:
                raise DataValidationError("not a number", file=label, row=i, column=column, code=text) from None
            if not np.isfinite(number) or number < 0:
                raise DataValidationError("must be a finite number >= 0", file=label, row=i, column=column, code=text)
            if column == "jobs" and number > MAX_COUNT:
                raise DataValidationError(
                    f"more than {MAX_COUNT:,} jobs in one cluster is implausible",
                    file=label,
                    row=i,
                    column=column,
                    code=text,
                    hint="no country in the data has that many jobs; check the units",
                )
            values[column] = number
        records.append((cluster_id, int(year_text), values["jobs"], values["gva_gbp_m"], i))
    frame = pd.DataFrame(records, columns=["cluster_id", "year", "jobs", "gva_gbp_m", "_row"])
    repeated = frame.duplicated(["cluster_id", "year"])
    if repeated.any():
        first = frame[repeated].iloc[0]
        raise DataValidationError(
            f"cluster {first['cluster_id']!r} and year {first['year']} appear twice",
            file=label,
            row=int(first["_row"]),
            column="year",
        )
    frame.attrs["file"] = label
    return frame.drop(columns="_row")
