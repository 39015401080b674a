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
    numeric = frame.select_dtypes("number").columns
    finite = frame.copy()
    finite[numeric] = finite[numeric].where(np.isfinite(finite[numeric].astype(float)))
    cells = finite.astype(object).where(finite.notna(), None)
    return cast(list[dict[str, Any]], cells.to_dict("records"))
