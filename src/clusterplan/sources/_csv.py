"""Reading a provider's CSV as text, with the one error message every parser gives, and row checks they share."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from .._exceptions import DataValidationError

__all__ = ["check_unique", "first_true", "read_text_csv"]


def read_text_csv(
    path: str | Path | io.StringIO,
    label: str,
    *,
    encoding: str = "utf-8-sig",
    error_detail: bool = True,
    **options: Any,
) -> pd.DataFrame:
    """Read every cell as text (codes keep their leading zeros; empty cells stay ``""``).

    Raises :class:`DataValidationError` naming *label* for a missing,
    undecodable or malformed file; the message gives the exception's text
    after its type unless *error_detail* is False.
    """
    try:
        return pd.read_csv(path, dtype=str, keep_default_na=False, encoding=encoding, **options)
    except FileNotFoundError:
        raise DataValidationError("file not found", file=label) from None
    except (UnicodeDecodeError, pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
        reason = f"{exc.__class__.__name__}: {exc}" if error_detail else exc.__class__.__name__
        raise DataValidationError(f"not a readable CSV ({reason})", file=label) from None


def first_true(mask: np.ndarray | pd.Series) -> int:
    """0-based position of the first True."""
    return int(np.flatnonzero(np.asarray(mask))[0])


def check_unique(values: pd.Series, label: str, *, column: str, problem: str, hint: str | None = None) -> None:
    """Raise for the first value seen before, naming its row, *column* and the value as the code.

    *problem* is the message, formatted with ``first``, the 1-based row where the value was first seen
    (``"{first}"`` in *problem* gives it).
    """
    duplicated = values.duplicated().to_numpy()
    if duplicated.any():
        i = first_true(duplicated)
        first = first_true((values == values.iloc[i]).to_numpy())
        raise DataValidationError(
            problem.format(first=first + 1),
            file=label,
            row=i + 1,
            column=column,
            code=str(values.iloc[i]),
            hint=hint,
        )
