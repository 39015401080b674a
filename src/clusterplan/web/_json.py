"""JSON of the web app: tables as row objects and compact bytes (NaN and infinities as null).

Values are cleaned by the one cleaner, :func:`clusterplan._json.plain`.
"""

from __future__ import annotations

import json
from typing import Any, cast

import numpy as np
import pandas as pd

from .._json import plain

__all__ = ["json_bytes", "records"]


def _default(value: Any) -> Any:
    # json.dumps asks only for what it cannot write itself: numpy scalars, frames, paths and the like.
    return plain(value)


def json_bytes(value: Any) -> bytes:
    """Compact UTF-8 JSON of *value* (NaN and infinities as null, numpy scalars as numbers)."""
    try:
        text = json.dumps(value, ensure_ascii=False, separators=(",", ":"), allow_nan=False, default=_default)
    except ValueError:
        # Only walk the whole structure when it holds a NaN or an infinity.
        text = json.dumps(plain(value), ensure_ascii=False, separators=(",", ":"), allow_nan=False, default=_default)
    return text.encode("utf-8")


def records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """A table as a list of row objects of plain Python values; missing and infinite values are None."""
    columns = [str(c) for c in frame.columns]
    # Each column by position (duplicate names too), its array straight from the frame's blocks when it is numpy
    # numbers or text: a Series of each column (items(), iloc) cost more than converting a profile's columns.
    values = [_plain_at(frame, i) for i in range(len(columns))]
    if not values:
        return [{} for _ in range(len(frame))]
    return [dict(zip(columns, row, strict=True)) for row in zip(*values, strict=True)]


def _plain_at(frame: pd.DataFrame, position: int) -> list[Any]:
    """:func:`_plain_column` of the frame's column at *position*, read from its array when that is numpy numbers
    or text (the same values as through a Series of it)."""
    array = frame._mgr.iget_values(position)
    dtype = array.dtype
    if isinstance(array, np.ndarray) and dtype.kind in "iubf":
        return _plain_numbers(array)
    if isinstance(dtype, pd.StringDtype):
        text: Any = array
        return cast(list[Any], text.to_numpy(dtype=object, na_value=None).tolist())
    return _plain_column(frame.iloc[:, position])


def _plain_numbers(array: np.ndarray) -> list[Any]:
    """A numpy array of numbers or booleans as plain Python values, None for NaN and infinities."""
    out = cast(list[Any], array.tolist())
    if array.dtype.kind == "f":
        for i in np.flatnonzero(~np.isfinite(array)).tolist():
            out[i] = None
    return out


def _plain_column(column: pd.Series) -> list[Any]:
    """One column as plain Python values (None for missing and infinite ones), converted as a whole: a numpy
    column by ``tolist``, others (text, nullable numbers) element by element only where they must be."""
    dtype = column.dtype
    if isinstance(dtype, np.dtype) and dtype.kind in "iubf":
        return _plain_numbers(column.to_numpy())
    if isinstance(dtype, pd.StringDtype):
        # pandas-stubs do not allow na_value=None, which pandas documents and does.
        text: Any = column
        return cast(list[Any], text.to_numpy(dtype=object, na_value=None).tolist())
    if pd.api.types.is_numeric_dtype(dtype) and not pd.api.types.is_bool_dtype(dtype):
        column = column.where(np.isfinite(column.astype(float)))
    return cast(list[Any], column.astype(object).where(column.notna(), None).tolist())
