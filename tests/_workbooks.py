"""Helpers for the tests of the ``.xlsx`` readers (BEA and ONS input-output tables)."""

from __future__ import annotations

from pathlib import Path

import openpyxl


def edited_copy(tmp_path: Path, source: Path, sheet: str, cell: str, value: object) -> Path:
    """A copy of the workbook *source* in *tmp_path* with one cell changed."""
    book = openpyxl.load_workbook(source)
    book[sheet][cell] = value
    target = tmp_path / source.name
    book.save(target)
    return target
