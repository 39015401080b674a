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

__all__ = ["FloatTexts", "csv_text", "float_text_array", "float_texts", "kept_float_texts", "write_csv"]

#: Float columns as text, kept while a run's files are written: the CSV files and the workbook write the same
#: ``%.16g`` text of every number, made once (:func:`float_text_array`, an Arrow array). Keyed by table name,
#: column position and format.
FloatTexts = dict[tuple[str, int, str], Any]


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


def float_text_array(values: np.ndarray, float_format: str) -> Any:
    """:func:`float_texts` as an Arrow array of text: dictionary-encoded, each distinct number's text made once
    (plain when *values* hold -0.0).

    Examples
    --------
    >>> float_text_array(np.array([0.5, np.nan, 0.5]), "%.16g").to_pylist()
    ['0.5', '', '0.5']
    """
    import pyarrow as pa

    text = pa.large_string()
    if ((values == 0) & np.signbit(values)).any():  # -0.0: see float_texts
        return pa.array(float_texts(values, float_format), type=text)
    codes, distinct = pd.factorize(values)
    texts = pa.array([float_format % v for v in distinct.tolist()] + [""], type=text)
    codes[codes < 0] = len(distinct)  # NaN: the empty field after the distinct texts
    return pa.DictionaryArray.from_arrays(pa.array(codes), texts)


def kept_float_texts(floats: FloatTexts, key: tuple[str, int, str], values: np.ndarray) -> Any:
    """:func:`float_text_array` of *values* in the format ``key[2]``, made once and kept in *floats* under *key*
    (a table's name, the column's position and the format) for the next writer of the same column."""
    if key not in floats:
        floats[key] = float_text_array(values, key[2])
    return floats[key]


def _decoded(array: Any) -> Any:
    """An Arrow array of text, dictionary-decoded."""
    import pyarrow as pa

    return array.dictionary.take(array.indices) if isinstance(array, pa.DictionaryArray) else array


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
        if floats is None:
            return float_texts(values, float_format)
        return list(kept_float_texts(floats, key, values).to_pylist())
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
    if frame.columns.nlevels != 1 or not frame.shape[1]:
        return str(frame.to_csv(index=False, float_format=float_format))
    handle = io.StringIO(newline="")
    writer = csv.writer(handle, lineterminator="\n")
    writer.writerow(list(frame.columns))
    keys = [(name, i, float_format) for i in range(frame.shape[1])]
    if frame.shape[1] > 1:
        # Columns of text, numbers and booleans go to Arrow as they are (text made per distinct float only).
        arrows = [_arrow_fields(frame.iloc[:, i], float_format, floats, keys[i]) for i in range(frame.shape[1])]
        if all(a is not None for a in arrows):
            body = _joined_rows([a for a in arrows if a is not None])
            if body is not None:
                return handle.getvalue() + body
    columns = [_fields(frame.iloc[:, i], float_format, floats, keys[i]) for i in range(frame.shape[1])]
    if any(c is None for c in columns):
        return str(frame.to_csv(index=False, float_format=float_format))
    body = _joined_rows([fields for fields in columns if fields is not None]) if len(columns) > 1 else None
    if body is None:
        writer.writerows(zip(*columns, strict=True))
        return handle.getvalue()
    return handle.getvalue() + body


def _arrow_fields(column: pd.Series, float_format: str, floats: FloatTexts | None, key: Any) -> Any:
    """The fields of *column* (as :func:`_fields`) as an Arrow array of text, or None when the csv writer or pandas
    must write it: made in Arrow, without a Python object per cell, where the column's dtype allows.

    A US run's every-area table (45,718 rows, 32 columns) went from NumPy and Arrow to 1.5 million Python objects
    and back to Arrow: 0.3 s of the 0.5 s its file took on a slow 2-core machine.
    """
    import pyarrow as pa
    import pyarrow.compute as pc

    text = pa.large_string()
    dtype = column.dtype
    if isinstance(dtype, pd.StringDtype) and dtype.storage == "pyarrow":
        # Missing text as empty fields, the rest as it is
        array = pa.array(column.array)
        array = array.combine_chunks() if isinstance(array, pa.ChunkedArray) else array
        return pc.fill_null(array.cast(text), pa.scalar("", type=text))
    if isinstance(dtype, np.dtype) and dtype.kind in "iub":
        values = column.to_numpy()
        if dtype.kind == "b":  # str(True), str(False)
            return pc.if_else(pa.array(values), pa.scalar("True", type=text), pa.scalar("False", type=text))
        return pa.array(values).cast(text)  # decimal digits, as str(int)
    if isinstance(dtype, np.dtype) and dtype.kind == "f":
        values = column.to_numpy()
        made = float_text_array(values, float_format) if floats is None else kept_float_texts(floats, key, values)
        return _decoded(made)
    fields = _fields(column, float_format, floats, key)
    texts = _field_texts(fields) if fields is not None else None
    return pa.array(texts, type=text) if texts is not None else None


def _field_texts(fields: list[Any]) -> list[str] | None:
    """What the csv writer writes for *fields* when they are all text (as they are), all whole numbers or all
    booleans (``str`` of each, made once per distinct value); None for any other mix."""
    kinds = set(map(type, fields))
    if kinds == {int} or kinds == {bool}:
        made = {v: str(v) for v in set(fields)}
        return [made[v] for v in fields]
    if kinds and kinds != {str}:
        return None
    return fields


#: Characters that make the csv writer quote a field (pandas' dialect on Python 3.11: the delimiter, the quote
#: character and the line end; tests/test_report_csv.py checks every character).
_QUOTED = (",", '"', "\n")


def _joined_rows(columns: list[Any]) -> str | None:
    """The CSV lines the csv writer (pandas' dialect) writes for a table given as each column's fields (two or
    more columns; a list of fields or an Arrow array of their text, :func:`_arrow_fields`), or None when a list
    is not all text, all whole numbers or all booleans (the writer writes it).

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
        if isinstance(fields, list):
            texts = _field_texts(fields)
            if texts is None:
                return None
            array = pa.array(texts, type=text)
            joined = "".join(texts)
            awkward = any(c in joined for c in _QUOTED)
        else:
            array = fields
            data = array.buffers()[2]  # every field's text (maybe more, never less)
            raw = data.to_pybytes() if data is not None else b""
            awkward = any(c.encode() in raw for c in _QUOTED)
        # One look for the characters in every field, then Arrow's at each distinct field (a US every-area
        # table repeats each of its 935 area names 49 times)
        if awkward:
            encoded = array.dictionary_encode()
            distinct = encoded.dictionary
            quoted = pc.match_substring_regex(distinct, "[" + "".join(_QUOTED) + "]")
            doubled = pc.replace_substring(distinct, '"', '""')
            distinct = pc.if_else(
                quoted, pc.binary_join_element_wise(scalar('"'), doubled, scalar('"'), scalar("")), distinct
            )
            array = distinct.take(encoded.indices)
        arrays.append(array)
    joined = pc.binary_join_element_wise(*arrays, scalar(","))
    if not len(joined):
        return ""
    if joined.null_count or not pa.types.is_large_string(joined.type):  # the writer's way (and its error)
        return "\n".join(joined.to_pylist()) + "\n"
    # Each line with its end, read straight from Arrow's text buffer (not a Python string per line, then joined)
    lines = pc.binary_join_element_wise(joined, scalar(""), scalar("\n"))
    offsets = np.frombuffer(lines.buffers()[1], dtype=np.int64)
    start, end = int(offsets[lines.offset]), int(offsets[lines.offset + len(lines)])
    return str(memoryview(lines.buffers()[2])[start:end], "utf-8")
