"""JSON of the web app: plain values of tables and mappings, and compact bytes (NaN and infinities as null)."""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any, cast

import numpy as np
import pandas as pd

__all__ = ["json_bytes", "plain", "records"]


def plain(value: Any) -> Any:
    """Plain JSON values: NaN and infinities become null, numpy scalars Python numbers."""
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [plain(v) for v in value]
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, Path):
        return value.name
    return value


def _default(value: Any) -> Any:
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, Path):
        return value.name
    raise TypeError(f"cannot write {type(value).__name__} as JSON")


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
    plain = finite.astype(object).where(finite.notna(), None)
    return cast(list[dict[str, Any]], plain.to_dict("records"))
