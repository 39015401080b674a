"""Plain JSON values from what the analyses hold: the one cleaner of run.json, GeoJSON and provenance."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd

__all__ = ["plain"]


def plain(value: Any, *, finite: bool = True) -> Any:
    """*value* as plain JSON data: dicts (string keys), lists, str, int, float, bool and None.

    NumPy scalars become Python numbers, tuples lists, frames and series their
    ``to_dict()``; pandas' NA and NaT become None, and so do NaN and infinities
    unless *finite* is False (they are then left for the caller's JSON writer).
    Anything else is written as its text.

    Examples
    --------
    >>> plain({"lq": np.float64(1.5), "years": (2019, np.int64(2021)), "gap": float("nan")})
    {'lq': 1.5, 'years': [2019, 2021], 'gap': None}
    """
    kind = type(value)
    # The common leaves first, by exact type (what the checks below give them): a provenance has thousands.
    if kind is str or kind is int or kind is bool:
        return value
    if kind is float:
        return None if finite and not math.isfinite(value) else value
    if isinstance(value, dict):
        return {str(k): plain(v, finite=finite) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [plain(v, finite=finite) for v in value]
    if isinstance(value, pd.DataFrame | pd.Series):
        return plain(value.to_dict(), finite=finite)
    if isinstance(value, np.generic):
        value = value.item()
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, float) and finite and not math.isfinite(value):
        return None
    if isinstance(value, str | int | float | bool):
        return value
    return str(value)
