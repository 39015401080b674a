"""A small ``.xlsx`` writer for tables: column-wise cell rendering, shared styles, one pass over each sheet.

A run's workbook can hold a 47,000-row sheet (every US metro × every cluster). openpyxl builds a cell object
and an XML element per cell, about 8 µs a cell; here a sheet is rendered column by column from the frame's
values into the SpreadsheetML text directly (the cell types, number text and styles openpyxl writes: numbers
as ``%.16g``, text as inline strings, empty cells left out), its table's rows joined in Arrow into UTF-8 bytes
that go to the compressor as they are, so 1.7 million cells take about a third of a second.

Only what a table needs: inline strings, numbers, booleans, cell styles (number format, bold, fill,
wrapping), column widths, a frozen pane and an auto-filter. The result opens in Excel, LibreOffice and
openpyxl (the tests read it back with openpyxl).

Reference: ECMA-376 Office Open XML, Part 1, §18 (SpreadsheetML).
"""

from __future__ import annotations

import re
import struct
import zlib
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import lru_cache
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape, quoteattr

import numpy as np

from .._formula import FORMULA_STARTS, neutralise

__all__ = [
    "CORE_PART",
    "Member",
    "NumberTexts",
    "Style",
    "XlsxBook",
    "column_letter",
    "core_properties",
    "deflated",
    "write_members",
]

_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_PKG_REL = "http://schemas.openxmlformats.org/package/2006/relationships"
_SHEET_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"
#: Number formats Excel knows by id (ECMA-376 §18.8.30); others are declared from id 164.
_BUILTIN_FORMATS = {"0": 1, "0.00": 2, "#,##0": 3, "#,##0.00": 4, "0%": 9, "0.00%": 10}
#: Text Excel stores as an error value, as openpyxl does.
_ERROR_CODES = frozenset({"#NULL!", "#DIV/0!", "#VALUE!", "#REF!", "#NAME?", "#NUM!", "#N/A"})
_MAX_TEXT = 32767  # Excel's longest cell text
_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")


def column_letter(index: int) -> str:
    """The letters of the 1-based column *index* (1 → ``A``, 27 → ``AA``).

    >>> column_letter(32)
    'AF'
    """
    letters = ""
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


@dataclass(frozen=True)
class Style:
    """A cell style: number format, bold text, solid fill colour (``RRGGBB``), wrapped text aligned to *wrap*."""

    number_format: str | None = None
    bold: bool = False
    fill: str | None = None
    wrap: str | None = None  # "top" or "bottom": wrap the text, aligned to that edge


def _plain(value: Any) -> bool | int | float | str | None:
    """*value* as exactly None, bool, int, float or str: numpy scalars unwrapped, pandas' NA and NaT None."""
    if value is None or type(value).__name__ in ("NAType", "NaTType"):
        return None
    if hasattr(value, "item") and not isinstance(value, str | bytes):
        value = value.item()
    for base in (bool, int, float, str):
        if isinstance(value, base):
            return base(value)
    return None if value is None else str(value)


def _text_cell(ref: str, style: str, value: str) -> str:
    # Control characters are not allowed in XML; formula text is written with a leading apostrophe.
    value = neutralise(_ILLEGAL.sub("", value))[:_MAX_TEXT]
    if not value:
        return f'<c r="{ref}"{style} t="inlineStr"/>'
    if value in _ERROR_CODES:
        return f'<c r="{ref}"{style} t="e"><v>{value}</v></c>'
    stripped = value.strip()
    space = ' xml:space="preserve"' if stripped and stripped != value else ""
    return f'<c r="{ref}"{style} t="inlineStr"><is><t{space}>{escape(value)}</t></is></c>'


#: Text an inline-string cell holds as it is (escaped) unless this RE2 pattern finds something in it: empty, a
#: formula's first character, a control character, a first or last character other than printable ASCII (it
#: may be space ``str.strip`` removes), or an error code. Those few go through :func:`_text_cell` one by one.
_AWKWARD = "|".join(
    [
        "^$",
        "^[" + "".join(f"\\x{ord(c):02x}" for c in FORMULA_STARTS) + "]",
        r"^[^\x21-\x7e]",
        r"[^\x21-\x7e]$",
        r"[\x00-\x08\x0b\x0c\x0e-\x1f]",
        "^(?:" + "|".join(re.escape(code) for code in sorted(_ERROR_CODES)) + ")$",
    ]
)


@lru_cache(maxsize=256)
def _text(value: str) -> Any:
    """*value* as an Arrow scalar of the type every piece of a sheet's XML is made in."""
    import pyarrow as pa

    return pa.scalar(value, type=pa.large_string())


def _large(array: Any) -> Any:
    """An Arrow array of text as large text (the type every piece of a sheet's XML is made in)."""
    import pyarrow as pa

    return array if array.type == pa.large_string() else array.cast(pa.large_string())


def _text_tail_array(texts: Any) -> Any:
    """What :func:`_text_cell` writes for each of the Arrow array *texts* (no nulls), unstyled, after the
    reference's letters and number: an Arrow array of text.

    A run's text is mostly plain (no control character, no formula start, no surrounding space): the plain ones
    are escaped in Arrow, the others written one by one (a US run's every-area sheet holds 60,000 distinct texts).
    """
    import pyarrow as pa
    import pyarrow.compute as pc

    texts = _large(texts)
    awkward = pc.match_substring_regex(texts, _AWKWARD)
    offsets = np.frombuffer(texts.buffers()[1], dtype=np.int64)[texts.offset : texts.offset + len(texts) + 1]
    # A text has at most as many characters as bytes: only when some has more bytes may one be too long
    if np.diff(offsets).max(initial=0) > _MAX_TEXT:
        awkward = pc.or_(awkward, pc.greater(pc.utf8_length(texts), pa.scalar(_MAX_TEXT)))
    escaped = texts
    for char, entity in (("&", "&amp;"), ("<", "&lt;"), (">", "&gt;")):  # what xml.sax.saxutils.escape does
        escaped = pc.replace_substring(escaped, char, entity)
    tails = pc.binary_join_element_wise(_text('" t="inlineStr"><is><t>'), escaped, _text("</t></is></c>"), _text(""))
    if awkward.true_count:
        odd = ['"' + _text_cell("", "", v)[len('<c r=""') :] for v in texts.filter(awkward).to_pylist()]
        tails = pc.replace_with_mask(tails, awkward, pa.array(odd, type=pa.large_string()))
    return tails


def _text_tails(texts: set[str]) -> dict[str, str]:
    """:func:`_text_tail_array` of *texts*, by text."""
    import pyarrow as pa

    ordered = list(texts)
    return dict(zip(ordered, _text_tail_array(pa.array(ordered, type=pa.large_string())).to_pylist(), strict=True))


def _cell(ref: str, value: Any, number_style: str, text_style: str) -> str:
    """One cell's XML: numbers with *number_style*, anything else with *text_style*; empty cells left out
    unless styled. Numbers are written as ``%.16g`` and NaN or infinity as an empty cell, as openpyxl does."""
    kind = type(value)
    if kind is float:
        if value - value == 0.0:  # finite (NaN and infinity give NaN)
            return f'<c r="{ref}"{number_style} t="n"><v>{value:.16g}</v></c>'
        return f'<c r="{ref}"{text_style}/>' if text_style else ""
    if kind is str:
        return _text_cell(ref, text_style, value)
    if kind is int:
        return f'<c r="{ref}"{number_style} t="n"><v>{value:.16g}</v></c>'
    if value is None:
        return f'<c r="{ref}"{text_style}/>' if text_style else ""
    if kind is bool:
        return f'<c r="{ref}"{text_style} t="b"><v>{int(value)}</v></c>'
    return _cell(ref, _plain(value), number_style, text_style)


class NumberTexts:
    """A column of numbers given as the text of their cells (``"%.16g" % value``), ``""`` for an empty cell (NaN
    or infinity): a column whose numbers were already written out as text (a run's CSV files hold the same).

    *texts* is a list of text or an Arrow array of text, maybe dictionary-encoded (each distinct text once).
    """

    def __init__(self, texts: Any) -> None:
        import pyarrow as pa

        self.array = texts if isinstance(texts, pa.Array) else pa.array(list(texts), type=pa.large_string())

    def __len__(self) -> int:
        return len(self.array)

    def __iter__(self) -> Iterator[str]:
        return iter(self.array.to_pylist())


def _coded(array: Any) -> tuple[Any, Any]:
    """An Arrow array as its distinct values and each row's code (a dictionary array's), or as itself and None."""
    import pyarrow as pa

    if isinstance(array, pa.DictionaryArray):
        return array.dictionary, array.indices
    return array, None


def _column_tails(values: Any, style: int) -> tuple[Any, Any]:
    """A column's cells as what follows each cell's reference (``<c r="A7``), in Arrow: *tails*, an array of text
    (null for a cell left out), and *codes*, each row's position in *tails* (None when *tails* has a row each).

    The cells are what :func:`_cell` writes, numbers with *style*, text and empty cells unstyled. *values* may
    be :class:`NumberTexts`, an Arrow array of text (nulls are empty cells), a NumPy array of whole numbers or
    booleans, or any sequence of values. A sheet can hold two million cells: a number's text goes in as it is,
    between two fixed texts, and a text cell's XML is made once per distinct text, in Arrow.
    """
    import pyarrow as pa
    import pyarrow.compute as pc

    text = pa.large_string()
    attribute = f' s="{style}"' if style else ""
    number = f'"{attribute} t="n"><v>'
    if isinstance(values, NumberTexts):
        texts, codes = _coded(values.array)
        texts = _large(texts)
        texts = pc.if_else(pc.equal(texts, _text("")), pa.scalar(None, type=text), texts)  # "": an empty cell
        return pc.binary_join_element_wise(_text(number), texts, _text("</v></c>"), _text("")), codes
    if isinstance(values, pa.Array):
        texts, codes = _coded(values)
        if codes is None:
            encoded = pc.dictionary_encode(texts)
            texts, codes = encoded.dictionary, encoded.indices
        return _text_tail_array(texts), codes  # null codes take null: empty cells
    if isinstance(values, np.ndarray) and values.dtype.kind in "iub":
        if values.dtype.kind == "b":
            return pa.array(['" t="b"><v>0</v></c>', '" t="b"><v>1</v></c>'], type=text), pa.array(values.view(np.int8))
        distinct, inverse = np.unique(values, return_inverse=True)
        return pa.array([f"{number}{v:.16g}</v></c>" for v in distinct.tolist()], type=text), pa.array(inverse)
    kinds = set(map(type, values))
    if str in kinds and kinds <= {str, float, type(None)}:
        encoded = pc.dictionary_encode(pa.array([v if type(v) is str else None for v in values], type=text))
        tails, codes = _text_tail_array(encoded.dictionary), encoded.indices
        finite = [i for i, v in enumerate(values) if type(v) is float and v - v == 0.0]  # NaN, infinity: empty
        if not finite:
            return tails, codes
        mask = np.zeros(len(values), dtype=bool)
        mask[finite] = True
        made = pa.array([f"{number}{values[i]:.16g}</v></c>" for i in finite], type=text)
        return pc.replace_with_mask(tails.take(codes), pa.array(mask), made), None
    if kinds == {int}:
        made = {v: f"{number}{v:.16g}</v></c>" for v in set(values)}
        return pa.array([made[v] for v in values], type=text), None
    if kinds == {bool}:
        return _column_tails(np.array(values, dtype=bool), style)
    # _cell's XML without the reference's letters and number (every cell it writes starts '<c r="A7"')
    cells = [_cell("", v, attribute, "") for v in values]
    return pa.array([cell[len('<c r="') :] if cell else None for cell in cells], type=text), None


def _column_cells(letter: str, values: Any, first: int, style: int) -> list[str]:
    """The XML of a column's cells from row *first* down (``""`` for a cell left out), from
    :func:`_column_tails` (what :meth:`XlsxBook.add_sheet` writes of the column)."""
    tails, codes = _column_tails(values, style)
    made = (tails if codes is None else tails.take(codes)).to_pylist()
    return ["" if tail is None else f'<c r="{letter}{r}' + tail for r, tail in enumerate(made, start=first)]


#: Rows of a sheet's table joined at a time: the pieces of 8,192 rows of 40 columns hold about 12 MB.
_CHUNK_ROWS = 8192


def _utf8(array: Any) -> Any:
    """The UTF-8 bytes of every text of the Arrow text array *array*, one after the other (an Arrow buffer)."""
    import pyarrow as pa

    _, offsets, data = array.buffers()
    ends = np.frombuffer(offsets, dtype=np.int64)[[array.offset, array.offset + len(array)]].tolist()
    return data.slice(ends[0], ends[1] - ends[0]) if data is not None else pa.py_buffer(b"")


def _table_rows(columns: Sequence[Any], first: int, styles: Sequence[int]) -> list[Any]:
    """The XML of the rows of a table given column by column, from row *first* down, as UTF-8 bytes in chunks of
    rows (Arrow buffers).

    Each chunk is one join in Arrow of each row's pieces (a row's start, then each cell's reference and
    :func:`_column_tails`, then its end), a cell left out written as nothing: no Python text made per cell or
    per row, and the bytes go to the compressor as they are (a US run's every-area sheet is 70 MB of XML).
    """
    import pyarrow as pa
    import pyarrow.compute as pc

    n = len(columns[0])
    if any(len(values) != n for values in columns):
        raise ValueError("the columns of a sheet's table differ in length")
    coded = [_column_tails(values, style) for values, style in zip(columns, styles, strict=True)]
    empty = _text("")
    chunks = []
    for start in range(0, n, _CHUNK_ROWS):
        stop = min(n, start + _CHUNK_ROWS)
        numbers = pa.array(np.arange(first + start, first + stop, dtype=np.int64)).cast(pa.large_string())
        pieces = [_text('<row r="'), numbers, _text('">')]
        for c, (tails, codes) in enumerate(coded, start=1):
            made = tails.slice(start, stop - start) if codes is None else tails.take(codes.slice(start, stop - start))
            reference = _text(f'<c r="{column_letter(c)}')
            if made.null_count == len(made):  # every cell left out (a US run's growth columns)
                continue
            if made.null_count:  # cells left out: the reference goes with the cell
                pieces.append(pc.fill_null(pc.binary_join_element_wise(reference, numbers, made, empty), empty))
            else:
                pieces += [reference, numbers, made]
        pieces.append(_text("</row>"))
        chunks.append(_utf8(pc.binary_join_element_wise(*pieces, empty)))
    return chunks


@dataclass
class _Sheet:
    title: str
    xml: list[Any]  # the sheet's UTF-8 bytes in pieces (bytes or Arrow buffers), one after the other
    filter_ref: str | None


@dataclass
class XlsxBook:
    """A workbook built sheet by sheet and written once with :meth:`save`.

    Examples
    --------
    >>> book = XlsxBook()
    >>> header = book.style(Style(bold=True, fill="DCE6F0"))
    >>> pct = book.style(Style(number_format="0.0%"))
    >>> book.add_sheet("Shares", [["Area", "Share"], ["TLG3", 0.25]], styles=[[header, header], [0, pct]])
    """

    _styles: list[Style] = field(default_factory=lambda: [Style()])
    _sheets: list[_Sheet] = field(default_factory=list)

    def style(self, style: Style) -> int:
        """The index of *style* in the workbook (added the first time it is asked for)."""
        if style not in self._styles:
            self._styles.append(style)
        return self._styles.index(style)

    def add_sheet(
        self,
        title: str,
        rows: Sequence[Sequence[Any]],
        *,
        styles: Sequence[Sequence[int]] | None = None,
        columns: Sequence[Any] | None = None,
        column_styles: Sequence[int] = (),
        widths: Sequence[float] = (),
        freeze: str | None = None,
        autofilter: bool = False,
    ) -> None:
        """Add a sheet: first *rows* (each cell styled by *styles*, same shape), then the columns *columns*.

        Parameters
        ----------
        title
            The sheet's name.
        rows
            Rows written first (a header, or a whole small table), values None, bool, int, float or str.
        styles
            For each of *rows*, the style index of each cell; a styled empty cell is written (it keeps its
            format), an unstyled one is left out.
        columns
            A table after *rows*, given column by column (equal lengths): numbers get the column's style in
            *column_styles*, text and empty cells get none. A column is a sequence of values, a
            :class:`NumberTexts`, an Arrow array of text (nulls are empty cells) or a NumPy array of whole
            numbers or booleans.
        widths
            Column widths in characters.
        freeze
            The top-left cell of the scrolling pane (``"B2"`` freezes the first row and column).
        autofilter
            Put an auto-filter on the sheet's whole used range.
        """
        parts: list[Any] = []
        widest = 0
        for r, row in enumerate(rows, start=1):
            row_styles = styles[r - 1] if styles is not None else [0] * len(row)
            cells = []
            for c, (value, s) in enumerate(zip(row, row_styles, strict=True), start=1):
                attribute = f' s="{s}"' if s else ""
                cells.append(_cell(f"{column_letter(c)}{r}", value, attribute, attribute))
            widest = max(widest, len(row))
            parts.append(f'<row r="{r}">{"".join(cells)}</row>' if cells else f'<row r="{r}"/>')
        first = len(rows) + 1
        n = len(columns[0]) if columns else 0
        if columns:
            widest = max(widest, len(columns))
            parts.extend(_table_rows(columns, first, column_styles or [0] * len(columns)))
        last_row = first - 1 + n
        filter_ref = f"A1:{column_letter(widest)}{last_row}" if autofilter and widest and last_row > 1 else None
        self._sheets.append(_Sheet(title, self._sheet_xml(parts, widths, freeze, filter_ref), filter_ref))

    @staticmethod
    def _sheet_xml(rows: list[Any], widths: Sequence[float], freeze: str | None, filter_ref: str | None) -> list[Any]:
        """The sheet's XML as UTF-8 bytes in pieces, around *rows* (text or, a table's chunks, bytes)."""
        if freeze:
            column, row = re.fullmatch(r"([A-Z]+)(\d+)", freeze).groups()  # type: ignore[union-attr]
            x_split = sum((ord(ch) - 64) * 26**i for i, ch in enumerate(reversed(column))) - 1
            y_split = int(row) - 1
            view = (
                f'<pane xSplit="{x_split}" ySplit="{y_split}" topLeftCell="{freeze}" activePane="bottomRight" '
                'state="frozen"/><selection pane="topRight"/><selection pane="bottomLeft"/>'
                '<selection pane="bottomRight" activeCell="A1" sqref="A1"/>'
            )
        else:
            view = '<selection activeCell="A1" sqref="A1"/>'
        cols = "".join(
            f'<col min="{i}" max="{i}" width="{width:g}" customWidth="1"/>' for i, width in enumerate(widths, start=1)
        )
        head = "".join(
            [
                f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<worksheet xmlns="{_MAIN}">',
                '<sheetPr><outlinePr summaryBelow="1" summaryRight="1"/><pageSetUpPr/></sheetPr>',
                f'<sheetViews><sheetView workbookViewId="0">{view}</sheetView></sheetViews>',
                '<sheetFormatPr baseColWidth="8" defaultRowHeight="15"/>',
                f"<cols>{cols}</cols>" if cols else "",
                "<sheetData>",
            ]
        )
        tail = "".join(
            [
                "</sheetData>",
                f'<autoFilter ref="{filter_ref}"/>' if filter_ref else "",
                '<pageMargins left="0.75" right="0.75" top="1" bottom="1" header="0.5" footer="0.5"/></worksheet>',
            ]
        )
        pieces = [head, *rows, tail]
        return [piece.encode("utf-8") if isinstance(piece, str) else piece for piece in pieces]

    def _styles_xml(self) -> str:
        custom: dict[str, int] = {}
        fonts = ['<font><sz val="11"/><name val="Calibri"/><family val="2"/><scheme val="minor"/></font>']
        fills = ['<fill><patternFill patternType="none"/></fill>', '<fill><patternFill patternType="gray125"/></fill>']
        xfs = []
        for style in self._styles:
            number = 0
            if style.number_format:
                number = _BUILTIN_FORMATS.get(style.number_format) or custom.setdefault(
                    style.number_format, 164 + len(custom)
                )
            font = 0
            if style.bold:
                fonts.append('<font><b val="1"/><sz val="11"/><name val="Calibri"/><family val="2"/></font>')
                font = len(fonts) - 1
            fill = 0
            if style.fill:
                fills.append(
                    f'<fill><patternFill patternType="solid"><fgColor rgb="00{style.fill}"/></patternFill></fill>'
                )
                fill = len(fills) - 1
            applied = f' applyNumberFormat="{int(bool(number))}" applyFont="{int(bool(font))}"'
            applied += f' applyFill="{int(bool(fill))}"'
            if style.wrap:
                xfs.append(
                    f'<xf numFmtId="{number}" fontId="{font}" fillId="{fill}" borderId="0" xfId="0"{applied} '
                    f'applyAlignment="1"><alignment vertical="{style.wrap}" wrapText="1"/></xf>'
                )
            else:
                xfs.append(f'<xf numFmtId="{number}" fontId="{font}" fillId="{fill}" borderId="0" xfId="0"{applied}/>')
        formats = "".join(
            f"<numFmt numFmtId={quoteattr(str(i))} formatCode={quoteattr(f)}/>" for f, i in custom.items()
        )
        return "".join(
            [
                f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<styleSheet xmlns="{_MAIN}">',
                f'<numFmts count="{len(custom)}">{formats}</numFmts>' if custom else "",
                f'<fonts count="{len(fonts)}">{"".join(fonts)}</fonts>',
                f'<fills count="{len(fills)}">{"".join(fills)}</fills>',
                '<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>',
                '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>',
                f'<cellXfs count="{len(xfs)}">{"".join(xfs)}</cellXfs>',
                '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>',
                "</styleSheet>",
            ]
        )

    def _workbook_xml(self) -> str:
        sheets = "".join(
            f'<sheet name={quoteattr(s.title)} sheetId="{i}" r:id="rId{i}"/>'
            for i, s in enumerate(self._sheets, start=1)
        )
        names = []
        for i, s in enumerate(self._sheets):
            if s.filter_ref:
                start, end = s.filter_ref.split(":")
                absolute = ":".join("$" + re.sub(r"(\d+)", r"$\1", part) for part in (start, end))
                quoted = "'" + s.title.replace("'", "''") + "'"
                names.append(
                    f'<definedName name="_xlnm._FilterDatabase" localSheetId="{i}" hidden="1">'
                    f"{escape(quoted)}!{absolute}</definedName>"
                )
        defined = f"<definedNames>{''.join(names)}</definedNames>" if names else ""
        return (
            f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<workbook xmlns="{_MAIN}" xmlns:r="{_REL}">'
            f'<workbookPr/><bookViews><workbookView activeTab="0"/></bookViews><sheets>{sheets}</sheets>{defined}'
            '<calcPr calcId="124519" fullCalcOnLoad="1"/></workbook>'
        )

    def save(self, path: str | Path, *, compresslevel: int = 1) -> Path:
        """Write the workbook to *path* (DEFLATE at *compresslevel*: 1 is fast and about a third larger than 6)."""
        return write_members(path, [deflated(name, data, compresslevel) for name, data in self.part_bytes().items()])

    def parts(self) -> dict[str, str]:
        """The text of each part of the package by its name in the archive, in archive order."""
        return {name: b"".join(pieces).decode("utf-8") for name, pieces in self.part_bytes().items()}

    def part_bytes(self) -> dict[str, list[Any]]:
        """The UTF-8 bytes of each part of the package by its name in the archive, in archive order, in pieces
        (bytes or Arrow buffers, one after the other): a sheet's are not joined or copied."""
        n = len(self._sheets)
        overrides = "".join(
            f'<Override PartName="/xl/worksheets/sheet{i}.xml" ContentType="{_SHEET_TYPE}"/>' for i in range(1, n + 1)
        )
        office = "application/vnd.openxmlformats-officedocument"
        parts = {
            "[Content_Types].xml": (
                '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
                '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
                '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
                '<Default Extension="xml" ContentType="application/xml"/>'
                f'<Override PartName="/xl/workbook.xml" ContentType="{office}.spreadsheetml.sheet.main+xml"/>'
                f'<Override PartName="/xl/styles.xml" ContentType="{office}.spreadsheetml.styles+xml"/>'
                '<Override PartName="/docProps/core.xml" '
                'ContentType="application/vnd.openxmlformats-package.core-properties+xml"/>'
                f'<Override PartName="/docProps/app.xml" ContentType="{office}.extended-properties+xml"/>'
                f"{overrides}</Types>"
            ),
            "_rels/.rels": (
                f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<Relationships xmlns="{_PKG_REL}">'
                f'<Relationship Id="rId1" Type="{_REL}/officeDocument" Target="xl/workbook.xml"/>'
                '<Relationship Id="rId2" '
                'Type="http://schemas.openxmlformats.org/package/2006/relationships/metadata/core-properties" '
                'Target="docProps/core.xml"/>'
                f'<Relationship Id="rId3" Type="{_REL}/extended-properties" Target="docProps/app.xml"/>'
                "</Relationships>"
            ),
            "docProps/app.xml": (
                '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
                f'<Properties xmlns="{_REL.rsplit("/", 1)[0]}/extended-properties">'
                "<Application>clusterplan</Application></Properties>"
            ),
            CORE_PART: core_properties(),
            "xl/workbook.xml": self._workbook_xml(),
            "xl/_rels/workbook.xml.rels": (
                f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<Relationships xmlns="{_PKG_REL}">'
                + "".join(
                    f'<Relationship Id="rId{i}" Type="{_REL}/worksheet" Target="worksheets/sheet{i}.xml"/>'
                    for i in range(1, n + 1)
                )
                + f'<Relationship Id="rId{n + 1}" Type="{_REL}/styles" Target="styles.xml"/></Relationships>'
            ),
            "xl/styles.xml": self._styles_xml(),
        }
        made = {name: [text.encode("utf-8")] for name, text in parts.items()}
        for i, sheet in enumerate(self._sheets, start=1):
            made[f"xl/worksheets/sheet{i}.xml"] = sheet.xml
        return made


#: The part that holds the time the workbook was written.
CORE_PART = "docProps/core.xml"


def core_properties() -> str:
    """``docProps/core.xml``: the workbook's author and the time it is written (now)."""
    now = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    return (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        '<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/core-properties" '
        'xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:dcterms="http://purl.org/dc/terms/" '
        'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"><dc:creator>clusterplan</dc:creator>'
        f'<dcterms:created xsi:type="dcterms:W3CDTF">{now}</dcterms:created>'
        f'<dcterms:modified xsi:type="dcterms:W3CDTF">{now}</dcterms:modified></cp:coreProperties>'
    )


@dataclass(frozen=True)
class Member:
    """One part of the archive, DEFLATE-compressed: what :func:`write_members` writes as it is."""

    name: str
    data: bytes  # raw DEFLATE stream
    crc: int
    size: int  # uncompressed bytes

    def text(self) -> str:
        """The part's text (decompressed)."""
        return zlib.decompress(self.data, -zlib.MAX_WBITS).decode("utf-8")


def deflated(name: str, text: str | Sequence[Any], level: int = 1) -> Member:
    """The part *name* holding *text*, compressed at *level* (1 is fast and about a third larger than 6).

    *text* is the part's text, or its UTF-8 bytes in pieces (bytes-like objects, one after the other:
    :meth:`XlsxBook.part_bytes`), compressed as they are.
    """
    pieces: Sequence[Any] = [text.encode("utf-8")] if isinstance(text, str) else text
    packer = zlib.compressobj(level, zlib.DEFLATED, -zlib.MAX_WBITS)
    data, crc, size = [], 0, 0
    for piece in pieces:
        data.append(packer.compress(piece))
        crc, size = zlib.crc32(piece, crc), size + len(piece)
    data.append(packer.flush())
    return Member(name, b"".join(data), crc, size)


def write_members(path: str | Path, members: Sequence[Member]) -> Path:
    """Write a ZIP archive of already compressed *members* to *path* (what :mod:`zipfile` writes, without
    compressing again: a workbook kept from an earlier run is copied as it is).

    The layout is PKWARE's APPNOTE (local headers, central directory, end record; no ZIP64, so each part and
    the archive stay below 4 GiB), the entries dated now.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    now = datetime.now()
    time = now.hour << 11 | now.minute << 5 | now.second // 2
    date = (now.year - 1980) << 9 | now.month << 5 | now.day
    # version needed 2.0, no flags, DEFLATE (8); made by 2.0 on Unix, files rw------- (as zipfile.writestr)
    central, offset = [], 0
    with path.open("wb") as out:
        for m in members:
            name = m.name.encode("utf-8")
            sizes = (m.crc, len(m.data), m.size, len(name))
            out.write(struct.pack("<IHHHHHIIIHH", 0x04034B50, 20, 0, 8, time, date, *sizes, 0) + name)
            out.write(m.data)
            central.append(
                struct.pack(
                    "<IHHHHHHIIIHHHHHII",
                    0x02014B50,
                    0x314,
                    20,
                    0,
                    8,
                    time,
                    date,
                    *sizes,
                    0,
                    0,
                    0,
                    0,
                    0o600 << 16,
                    offset,
                )
                + name
            )
            offset += 30 + len(name) + len(m.data)
        directory = b"".join(central)
        out.write(directory)
        out.write(struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, len(members), len(members), len(directory), offset, 0))
    return path
