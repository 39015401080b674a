"""Public test helpers: compare tidy panels regardless of row and column order.

>>> import pandas as pd
>>> a = pd.DataFrame({"area_code": ["TLG3", "TLC1"], "year": [2021, 2021], "lq": [1.5, 0.5]})
>>> b = a.iloc[::-1]
>>> assert_panel_equal(a, b, keys=["area_code", "year"])
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

__all__ = ["assert_panel_equal"]


def _plain(values: list[object]) -> list[object]:
    # numpy scalars print as np.float64(2.0); show them as the Python values they hold.
    return [v.item() if isinstance(v, np.generic) else v for v in values]


def assert_panel_equal(
    left: pd.DataFrame,
    right: pd.DataFrame,
    *,
    keys: Sequence[str],
    rtol: float = 1e-9,
    atol: float = 0.0,
    check_dtype: bool = False,
) -> None:
    """Assert two long panels hold the same rows, whatever their order.

    Rows are matched on *keys* (which must be unique in both); the same columns
    must be present; numeric columns are compared with ``rtol``/``atol`` (NaN
    equals NaN), the others exactly. The message names the first differing
    key and column.

    Raises
    ------
    AssertionError
        On different columns, duplicate or unmatched keys, or differing values.
    """
    if set(left.columns) != set(right.columns):
        raise AssertionError(
            f"columns differ: only left {sorted(set(left.columns) - set(right.columns))}, "
            f"only right {sorted(set(right.columns) - set(left.columns))}"
        )
    for name, frame in (("left", left), ("right", right)):
        dup = frame.duplicated(list(keys))
        if dup.any():
            first_key = _plain(frame.loc[dup, list(keys)].iloc[0].tolist())
            raise AssertionError(f"{name} has duplicate keys, first {first_key}")
    merged = left.merge(right, on=list(keys), how="outer", suffixes=("_left", "_right"), indicator=True)
    unmatched = merged[merged["_merge"] != "both"]
    if len(unmatched):
        first = unmatched.iloc[0]
        side = "left" if first["_merge"] == "left_only" else "right"
        first_key = _plain(first[list(keys)].tolist())
        raise AssertionError(f"{len(unmatched)} unmatched rows, first only in {side}: {first_key}")
    for column in (c for c in left.columns if c not in keys):
        a, b = merged[f"{column}_left"], merged[f"{column}_right"]
        if check_dtype and left[column].dtype != right[column].dtype:
            raise AssertionError(f"column {column!r}: dtype {left[column].dtype} != {right[column].dtype}")
        if pd.api.types.is_numeric_dtype(a) and pd.api.types.is_numeric_dtype(b):
            x, y = a.to_numpy(dtype=float), b.to_numpy(dtype=float)
            same = np.isclose(x, y, rtol=rtol, atol=atol, equal_nan=True)
        else:
            same = ((a == b) | (a.isna() & b.isna())).to_numpy(dtype=bool)
        if not same.all():
            i = int(np.flatnonzero(~same)[0])
            where = _plain([merged[k].iloc[i] for k in keys])
            raise AssertionError(
                f"column {column!r} differs at {where}: {_plain([a.iloc[i]])[0]!r} != {_plain([b.iloc[i]])[0]!r}"
            )
