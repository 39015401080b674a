"""Spreadsheet formula injection: text that a spreadsheet would run as a formula is neutralised on the way out
and refused on the way in.

A cell such as ``=HYPERLINK("http://evil", "click")`` in a CSV or workbook is executed when the file is opened in
Excel or LibreOffice. Following OWASP's guidance on CSV injection, text cells starting with ``=``, ``+``, ``-``,
``@``, a tab or a carriage return are written with a leading apostrophe, so they are shown as the text they are.
Numbers are never touched (they are written as numbers, not text).

>>> neutralise("=HYPERLINK(\\"http://x\\")")
'\\'=HYPERLINK("http://x")'
>>> neutralise("West Midlands")
'West Midlands'
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # pandas only when a frame is written, so that importing the CLI stays fast
    import pandas as pd

__all__ = ["FORMULA_STARTS", "is_formula_text", "neutralise", "neutralise_frame"]

#: First characters that make a spreadsheet treat text as a formula (OWASP, CSV injection).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def is_formula_text(value: Any) -> bool:
    """True for text a spreadsheet would evaluate."""
    return isinstance(value, str) and value.startswith(FORMULA_STARTS)


def neutralise(value: Any) -> Any:
    """*value* with a leading apostrophe if it is formula text; anything else unchanged."""
    return "'" + value if is_formula_text(value) else value


def neutralise_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy of *frame* whose text cells are :func:`neutralise`\\d (the same frame when none needs it)."""
    import pandas as pd

    text_columns = [c for c in frame.columns if frame[c].dtype == object or pd.api.types.is_string_dtype(frame[c])]
    changed = {}
    for column in text_columns:
        values = frame[column]
        if isinstance(values.dtype, pd.StringDtype):  # text or missing: one vectorised test (a US run has 400k cells)
            mask = values.str.startswith(FORMULA_STARTS, na=False).astype(bool)
        else:
            mask = values.map(is_formula_text).astype(bool)
        if mask.any():
            changed[column] = values.where(~mask, "'" + values.astype(str))
    return frame.assign(**changed) if changed else frame
