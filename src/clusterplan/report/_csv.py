"""Run tables as CSV, column by column: byte for byte what ``frame.to_csv(path, index=False, float_format=...)``
writes, in about a third of the time on a large table.

pandas formats a float column through several Python calls per value (about 2 µs); a US run's every-area
table holds 1.5 million cells. Here each column is turned into the fields pandas hands to the :mod:`csv`
writer (floats through *float_format*, missing values as empty fields, anything else as the object itself,
which the writer turns into text with ``str``), and the rows go to the same :mod:`csv` writer with the
dialect pandas uses (``,``, ``"`` doubled, minimal quoting, ``\\n``). Columns of other dtypes (categories,
dates, pandas' nullable numbers) and frames with several header levels are left to pandas.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

__all__ = ["FloatTexts", "csv_text", "float_texts", "kept_float_texts", "write_csv"]

#: Float columns as text, kept while a run's files are written: the CSV files and the workbook write the same
#: ``%.16g`` text of every number, made once. Keyed by table name, column position and format.
FloatTexts = dict[tuple[str, int, str], list[str]]


def float_texts(values: np.ndarray, float_format: str) -> list[str]:
    """Each float of *values* through *float_format*, NaN as an empty field (as pandas writes them)."""
    if ((values == 0) & np.signbit(values)).any():  # -0.0, which factorize takes for 0.0 ("-0" is not "0")
        fields = [float_format % v for v in values.tolist()]
        for i in np.flatnonzero(np.isnan(values)).tolist():
            fields[i] = ""
        return fields
    # Each distinct value once: a US every-area table repeats half its numbers (percentiles, area totals).
    codes, distinct = pd.factorize(values)
    texts = np.array([float_format % v for v in distinct.tolist()] + [""], dtype=object)  # code -1: NaN
    return list(texts[codes].tolist())


def kept_float_texts(floats: FloatTexts, key: tuple[str, int, str], values: np.ndarray) -> list[str]:
    """:func:`float_texts` of *values* in the format ``key[2]``, made once and kept in *floats* under *key* (a
    table's name, the column's position and the format) for the next writer of the same column."""
    if key not in floats:
        floats[key] = float_texts(values, key[2])
    return floats[key]


def _fields(
    column: pd.Series, float_format: str, floats: FloatTexts | None = None, key: Any = None
) -> list[Any] | None:
    """The fields pandas writes for *column*, or None when pandas must write it (float text taken from, or added
    to, *floats* under *key*)."""
    fields: list[Any]
    dtype = column.dtype
    if isinstance(dtype, pd.StringDtype):
        # pandas writes text columns (the default "str" dtype) as their objects, missing values as empty fields
        text = column.to_numpy(dtype=object)
        fields = text.tolist()
        for i in np.flatnonzero(pd.isna(text)).tolist():
            fields[i] = ""
        return fields
    if not isinstance(dtype, np.dtype):
        return None
    values = column.to_numpy()
    if dtype.kind == "f":
        return float_texts(values, float_format) if floats is None else kept_float_texts(floats, key, values)
    if dtype.kind in "iub":
        return values.tolist()
    if dtype.kind == "O":
        fields = values.tolist()
        for i in np.flatnonzero(pd.isna(values)).tolist():
            fields[i] = ""
        return fields
    return None


def write_csv(frame: pd.DataFrame, path: str | Path, *, float_format: str = "%.16g") -> Path:
    """Write *frame* to *path* as ``frame.to_csv(path, index=False, float_format=float_format)`` does.

    Parameters
    ----------
    frame
        The table; its index is not written.
    path
        The CSV file (UTF-8, ``\\n`` line ends).
    float_format
        The ``%`` format of floats; missing values are empty fields.

    Returns
    -------
    Path
        *path*.

    Examples
    --------
    >>> import tempfile
    >>> frame = pd.DataFrame({"area": ["Detroit, MI", None], "lq": [8.2216, float("nan")], "strong": [True, False]})
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     print(write_csv(frame, Path(folder) / "t.csv").read_text(), end="")
    area,lq,strong
    "Detroit, MI",8.2216,True
    ,,False
    """
    path = Path(path)
    path.write_bytes(csv_text(frame, float_format=float_format).encode("utf-8"))
    return path


def csv_text(
    frame: pd.DataFrame, *, float_format: str = "%.16g", floats: FloatTexts | None = None, name: str = ""
) -> str:
    """The text :func:`write_csv` writes for *frame*: ``frame.to_csv(index=False, float_format=float_format)``.

    *floats*: float columns' text made earlier (or to keep), of the table *name* (:data:`FloatTexts`).

    Examples
    --------
    >>> csv_text(pd.DataFrame({"jobs": [1, 2], "lq": [0.5, 1 / 3]}))
    'jobs,lq\\n1,0.5\\n2,0.3333333333333333\\n'
    """
    columns = None
    if frame.columns.nlevels == 1 and frame.shape[1]:
        columns = [
            _fields(frame.iloc[:, i], float_format, floats, (name, i, float_format)) for i in range(frame.shape[1])
        ]
    if columns is None or any(c is None for c in columns):
        return str(frame.to_csv(index=False, float_format=float_format))
    handle = io.StringIO(newline="")
    writer = csv.writer(handle, lineterminator="\n")
    writer.writerow(list(frame.columns))
    body = _joined_rows([fields for fields in columns if fields is not None]) if len(columns) > 1 else None
    if body is None:
        writer.writerows(zip(*columns, strict=True))
        return handle.getvalue()
    return handle.getvalue() + body


#: Characters that make the csv writer quote a field (pandas' dialect on Python 3.11: the delimiter, the quote
#: character and the line end; tests/test_report_csv.py checks every character).
_QUOTED = (",", '"', "\n")


def _joined_rows(columns: list[list[Any]]) -> str | None:
    """The CSV lines the csv writer (pandas' dialect) writes for a table given as each column's fields (two or
    more columns), or None when a column is not all text, all whole numbers or all booleans (the writer writes it).

    The lines are joined column-wise by Arrow, in C++, rather than by the writer's look at each character of
    each field: text goes in as it is, or quoted with its quotes doubled where it holds a character the writer
    quotes (:data:`_QUOTED`); a whole number or a boolean as ``str`` of it (each distinct value once).
    """
    import pyarrow as pa
    import pyarrow.compute as pc

    text = pa.large_string()

    def scalar(value: str) -> pa.Scalar:
        return pa.scalar(value, type=text)

    arrays = []
    for fields in columns:
        kinds = set(map(type, fields))
        if kinds == {int} or kinds == {bool}:
            made = {v: str(v) for v in set(fields)}
            fields = [made[v] for v in fields]
        elif kinds and kinds != {str}:
            return None
        array = pa.array(fields, type=text)
        joined = "".join(fields)  # one look for the characters in every field, then Arrow's at each field
        if any(c in joined for c in _QUOTED):
            quoted = pc.match_substring_regex(array, "[" + "".join(_QUOTED) + "]")
            doubled = pc.replace_substring(array, '"', '""')
            array = pc.if_else(
                quoted, pc.binary_join_element_wise(scalar('"'), doubled, scalar('"'), scalar("")), array
            )
        arrays.append(array)
    lines = pc.binary_join_element_wise(*arrays, scalar(",")).to_pylist()
    return "\n".join(lines) + "\n" if lines else ""
