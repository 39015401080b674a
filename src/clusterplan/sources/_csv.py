"""Reading a provider's CSV as text, with the one error message every parser gives."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pandas as pd

from .._exceptions import DataValidationError

__all__ = ["read_text_csv"]


def read_text_csv(
    path: str | Path | io.StringIO, label: str, *, encoding: str = "utf-8-sig", **options: Any
) -> pd.DataFrame:
    """Read every cell as text (codes keep their leading zeros; empty cells stay ``""``).

    Raises :class:`DataValidationError` naming *label* for a missing,
    undecodable or malformed file.
    """
    try:
        return pd.read_csv(path, dtype=str, keep_default_na=False, encoding=encoding, **options)
    except FileNotFoundError:
        raise DataValidationError("file not found", file=label) from None
    except (UnicodeDecodeError, pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
        raise DataValidationError(f"not a readable CSV ({exc.__class__.__name__}: {exc})", file=label) from None
