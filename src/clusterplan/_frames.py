"""Frames made at once: a helper of every layer that builds tables column by column."""

from __future__ import annotations

from typing import Any

import pandas as pd

__all__ = ["with_columns"]


def with_columns(frame: pd.DataFrame, columns: dict[str, Any]) -> pd.DataFrame:
    """*frame* with *columns* set as ``frame[name] = value`` one after the other would set them (a column it has
    replaced where it is, new ones after its own in order; arrays, scalars and Series aligned on its index), made
    at once: setting columns one by one rebuilds the frame's labels each time (pandas' text labels grow a piece
    per column, and a 90-column scenario frame took ~15 ms to build against ~2 ms at once)."""
    out = frame.copy()
    for name in [c for c in columns if c in out.columns]:
        out[name] = columns[name]
    added = {name: value for name, value in columns.items() if name not in frame.columns}
    if not added:
        return out
    combined = pd.concat([out, pd.DataFrame(added, index=out.index)], axis=1)
    combined.attrs = out.attrs  # the frame's own, as setting columns keeps them (concat keeps only shared ones)
    return combined
