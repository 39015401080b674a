"""``workbook.xlsx``: every table of a run, with units in the headers, a Sources sheet and a Notes sheet.

The cells hold the same values as the run's CSV files (fractions stay
fractions, shown with a percentage format), so a number in Excel can be traced
back to ``clusters.csv`` and the other tables. Headers say what a column is
and its unit ("Employment (jobs)", "GVA per job (£)"); the Notes sheet maps
each heading back to its CSV column.

Example
-------
>>> column_label("gva_per_job_gbp")
'GVA per job (£)'
>>> column_label("additional_jobs_low")
'Additional jobs low (jobs)'
>>> column_label("additional_gva_high_gbp_m")
'Additional GVA high (£ million)'
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

import numpy as np
import pandas as pd

from .._cache import kept_on_disk
from ..pipeline.profile import ClusterProfile
from ._columns import COLUMN_LABELS, _column_format, column_label
from ._csv import FloatTexts, kept_float_texts
from ._html import _CREATED_AT, CORE_TABLES, RUN_TABLES, ReportData, _report_key, report_data
from ._xlsx import (
    _ILLEGAL,
    CORE_PART,
    Member,
    NumberTexts,
    Style,
    XlsxBook,
    core_properties,
    deflated,
    write_members,
)

__all__ = ["COLUMN_LABELS", "SHEETS", "column_label", "write_workbook"]

#: Sheet names of the core tables, in workbook order.
SHEETS = {"clusters": "Clusters", "regions": "All areas", "trend": "Trend", "definitions": "Definitions"}
_EXTRA_SHEETS = {
    "scenarios": "Scenarios",
    "region_summary": "Region summary",
    "region_growth": "Region growth",
    "scenario_uncertainty": "Scenario uncertainty",
    "priorities": "Priorities",
    "supply_chain": "Supply chain",
    "input_sourcing": "Input sourcing",
    "cluster_linkages": "Cluster linkages",
    "io_multipliers": "IO multipliers",
    "opportunities": "Opportunities",
    "cluster_opportunities": "Cluster opportunities",
    "subregions": "Inside the region",
    "hotspots": "Hotspots",
    "unclassified_industries": "Industries in no cluster",
}
#: How the workbook writes a number (openpyxl's "%.16g"), as the CSV files do.
_NUMBER_FORMAT = "%.16g"
_HEADER = Style(bold=True, fill="DCE6F0", wrap="bottom")
_ROWS_HEADER = Style(bold=True, fill="DCE6F0")
_WRAPPED = Style(wrap="top")


def _numbers(frame: pd.DataFrame, i: int, table: str, floats: FloatTexts) -> Any:
    """Column *i* of *frame* (the run table *table*) as the workbook takes it: a float column as the text of its
    numbers (:class:`NumberTexts`; made once with the CSV file's, in *floats*), a text column as an Arrow array
    (missing text as null), whole numbers and booleans as a NumPy array, any other as a list of its values."""
    column = frame.iloc[:, i]
    dtype = column.dtype
    if isinstance(dtype, pd.StringDtype):
        import pyarrow as pa

        array = pa.array(column.array)
        return array.combine_chunks() if isinstance(array, pa.ChunkedArray) else array
    if isinstance(dtype, np.dtype) and dtype.kind in "iub":
        return column.to_numpy()
    if not (isinstance(dtype, np.dtype) and dtype.kind == "f"):
        return column.tolist()
    texts = kept_float_texts(floats, (table, i, _NUMBER_FORMAT), column.to_numpy())
    if np.isinf(column.to_numpy()).any():  # the CSV writes "inf", the workbook an empty cell
        import pyarrow as pa
        import pyarrow.compute as pc

        def finite(array: Any) -> Any:
            return pc.if_else(pc.is_in(array, value_set=pa.array(["inf", "-inf"], type=array.type)), "", array)

        if isinstance(texts, pa.DictionaryArray):
            return NumberTexts(pa.DictionaryArray.from_arrays(texts.indices, finite(texts.dictionary)))
        return NumberTexts(finite(texts))
    return NumberTexts(texts)


def _write_frame(
    book: XlsxBook,
    title: str,
    frame: pd.DataFrame,
    key: str,
    dictionary: list[list[str]],
    table: str,
    floats: FloatTexts,
) -> None:
    formats = [_column_format(str(c)) for c in frame.columns]
    header = book.style(_HEADER)
    for (label, _), name in zip(formats, frame.columns, strict=True):
        dictionary.append([title, label, str(name), key])
    book.add_sheet(
        title,
        [[label for label, _ in formats]],
        styles=[[header] * len(formats)],
        # Numbers take their column's format; text and empty cells none (the cells of the CSV, column by column).
        columns=[_numbers(frame, i, table, floats) for i in range(frame.shape[1])],
        column_styles=[book.style(Style(number_format=fmt)) if fmt else 0 for _, fmt in formats],
        widths=[14 if len(label) > 20 else max(10, len(label) + 2) for label, _ in formats],
        freeze="B2",
        autofilter=True,
    )


def _write_rows(book: XlsxBook, title: str, header: list[str], rows: list[list[Any]], widths: list[int]) -> None:
    heading, wrapped = book.style(_ROWS_HEADER), book.style(_WRAPPED)
    book.add_sheet(
        title,
        [header, *rows],
        styles=[[heading] * len(header), *([wrapped] * len(row) for row in rows)],
        widths=widths,
    )


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, list | tuple):
        return ", ".join(str(v) for v in value)
    return str(value)


def _sources(data: ReportData) -> list[list[Any]]:
    rows = []
    for i in data.inputs:
        raw = "; ".join(f"{f.get('path')} (sha256 {f.get('sha256')})" for f in i.get("raw_files") or [])
        rows.append(
            [
                i.get("dataset"),
                i.get("title"),
                i.get("source"),
                i.get("publisher"),
                i.get("vintage"),
                i.get("licence"),
                i.get("sha256"),
                raw,
                "; ".join(i.get("transforms") or []),
                i.get("origin"),
            ]
        )
    taxonomy = data.metadata.get("taxonomy") or {}
    if taxonomy:
        rows.append(
            [
                taxonomy.get("name"),
                f"Cluster definitions: {taxonomy.get('title')}",
                taxonomy.get("source"),
                "",
                "",
                "",
                "",
                "",
                "",
                "taxonomy",
            ]
        )
    return rows


def _notes(data: ReportData) -> list[list[str]]:
    p = data.parameters
    growth = f", growth {data.base_year}-{data.year}" if data.base_year else " (one year of data: no growth)"
    lines = [
        [
            "Run",
            f"{data.region_name} ({data.region_code}) against {data.benchmark_label}; employment {data.year}{growth}.",
        ],
        ["Made with", f"clusterplan {data.metadata.get('clusterplan_version')} {data.metadata.get('created_at', '')}"],
        ["Cluster definitions", f"{(data.metadata.get('taxonomy') or {}).get('title')} ({p.get('taxonomy')})"],
        [
            "Employment",
            data.employment_note,
        ],
        [
            "Location quotient",
            "LQ = (e_ir / e_r) / (E_i / E): the cluster's share of the area's jobs over its share of the "
            "benchmark's (the sum of the benchmark's areas). Above 1 the area is specialised in the cluster. "
            "lq_low/lq_high: the LQ's range over every true count the rounded and suppressed published cells allow "
            "(US: over every split of the jobs County Business Patterns withholds in cells of fewer than 3 "
            "establishments).",
        ],
        [
            "Growth and shift-share",
            "Growth is the compound annual growth rate between the base year and the year. Shift-share splits "
            "the change in jobs into national growth, industry mix and regional competitiveness against the "
            "benchmark (classic Dunn 1960 decomposition); the three add up to the change.",
        ],
        [
            "Strength",
            "Strong cluster: the US Cluster Mapping Project rule (LQ in the top quartile of areas with minimum "
            "size). Stars: the European Cluster Observatory's size, specialisation and focus tests.",
        ],
        [
            "Productivity",
            "GVA per job: ONS regional GVA (balanced) by industry apportioned to the cluster's industries by "
            "employment (GB regions only).",
        ],
        ["Ranks", "Ranks and percentiles are among the benchmark's areas; rank 1 is the highest."],
        ["Percentages", "Shares and growth rates are stored as fractions (0.05) and shown as percentages (5.0%)."],
        ["Empty cells", "An empty cell is a value that cannot be computed (e.g. growth with one year of data)."],
    ]
    for name, frame in sorted(data.tables.items()):
        spec = RUN_TABLES.get(name)
        lines.append(
            [f"Table {name}", f"{spec.title if spec else name}: {spec.description if spec else ''} ({len(frame)} rows)"]
        )
    return lines


def write_workbook(
    data: ReportData | ClusterProfile,
    path: str | Path,
    metadata: Mapping[str, Any] | None = None,
    *,
    tables: Mapping[str, pd.DataFrame] | None = None,
) -> Path:
    """Write ``workbook.xlsx`` for a run.

    Parameters
    ----------
    data
        A :class:`~clusterplan.report._html.ReportData` or a cluster profile.
    path
        The file to write.
    metadata, tables
        With a cluster profile: its ``run.json`` metadata and further run tables.

    Returns
    -------
    Path
        *path*.

    Notes
    -----
    Sheets: Clusters, All areas, Trend, Definitions, one per further run table
    (Scenarios, Supply chain, ...), Summary (headline totals), Parameters,
    Sources (dataset, title, publisher, vintage, licence, sha256) and Notes
    (the method, and each heading's CSV column).
    """
    if isinstance(data, ClusterProfile):
        data = report_data(data, metadata, tables)
    return _keyed_workbook(data, path)


def _keyed_workbook(
    data: ReportData, path: str | Path, key: str | None = None, floats: FloatTexts | None = None
) -> Path:
    """:func:`write_workbook` of *data*, whose :func:`_report_key` is *key* when a run has worked it out;
    *floats*: the text of its float columns, when the run's CSV files were written out (:data:`FloatTexts`)."""
    path = Path(path)
    created = data.metadata.get("created_at")
    # Kept on disk under the digest of everything but the run's time (the report's key), with a stand-in for
    # that time: a run whose tables are an earlier run's copies the compressed sheets (a US run's 45,718-row
    # every-area sheet takes two seconds to write). The time, a text cell of the Notes sheet, is put back the way
    # that cell writes it; a time that is not plain text (surrounding spaces, control characters) is written
    # afresh.
    plain_time = isinstance(created, str) and created and created.strip() == created and not _ILLEGAL.search(created)
    key = (key or _report_key(data)) if plain_time else None
    if key is None:
        return _book(data, floats).save(path)
    stamped = dataclasses.replace(data, metadata={**data.metadata, "created_at": _CREATED_AT})
    members, timed = kept_on_disk(("workbook.xlsx", key), lambda: _kept_members(_book(stamped, floats)))
    fresh = {CORE_PART: core_properties()}
    by_name = {m.name: m for m in members}
    for name in timed:
        fresh[name] = by_name[name].text().replace(_CREATED_AT, escape(str(created)))
    return write_members(path, [deflated(m.name, fresh[m.name]) if m.name in fresh else m for m in members])


def _kept_members(book: XlsxBook) -> tuple[list[Member], list[str]]:
    """The compressed parts of *book*, and the names of those that hold the run's time (its stand-in).

    Each part's text is let go once it is compressed (the book is this function's only reference to it), so the
    compressed parts never sit beside the whole text: a US workbook is 90 MB of XML and 17 MB compressed.

    The stand-in is looked for in the pieces written from text (:meth:`XlsxBook.part_bytes`: every part but the
    rows of the sheets' tables, which are Arrow buffers): the time is in the metadata, which only sheets written
    row by row show (Notes), while a table sheet's rows are a run table's values, made before the run's time
    (looking through the US tables' 90 MB took 0.07-0.13 s).
    """
    parts = book.part_bytes()
    del book
    stand_in = _CREATED_AT.encode("utf-8")
    timed = [name for name, pieces in parts.items() if any(type(p) is bytes and stand_in in p for p in pieces)]
    members = []
    for name in list(parts):
        members.append(deflated(name, parts.pop(name)))
    return members, timed


def _book(data: ReportData, floats: FloatTexts | None = None) -> XlsxBook:
    """The workbook of *data*, every sheet rendered (float columns' text taken from *floats* where there)."""
    book = XlsxBook()
    floats = {} if floats is None else floats
    dictionary: list[list[str]] = []
    for key, title in SHEETS.items():
        _write_frame(book, title, getattr(data, key), CORE_TABLES[key].file, dictionary, key, floats)
    used = set(SHEETS.values())
    order = list(_EXTRA_SHEETS)
    for key, frame in sorted(data.tables.items(), key=lambda kv: (order.index(kv[0]) if kv[0] in order else 99, kv[0])):
        title = _EXTRA_SHEETS.get(key) or re.sub(r"[\[\]:*?/\\]", " ", key.replace("_", " ").capitalize())[:31]
        while title in used:
            title = title[:29] + "_"
        used.add(title)
        spec = RUN_TABLES.get(key)
        _write_frame(book, title, frame, spec.file if spec else f"{key}.csv", dictionary, key, floats)
    summary = [[column_label(k) if k in COLUMN_LABELS else k.replace("_", " "), v] for k, v in data.totals.items()]
    _write_rows(book, "Summary", ["Measure", "Value"], summary, [48, 20])
    parameters = [[k, _text(v)] for k, v in data.parameters.items()]
    _write_rows(book, "Parameters", ["Parameter", "Value"], parameters, [22, 80])
    _write_rows(
        book,
        "Sources",
        [
            "Dataset",
            "Title",
            "Source",
            "Publisher",
            "Vintage",
            "Licence",
            "sha256",
            "Raw files",
            "Transforms",
            "Origin",
        ],
        _sources(data),
        [24, 40, 40, 28, 30, 26, 66, 60, 50, 10],
    )
    notes: list[list[Any]] = [[k, v] for k, v in _notes(data)]
    notes += [[], ["Sheet", "Column heading", "CSV column", "CSV file"], *dictionary]
    _write_rows(book, "Notes", ["Topic", "Note"], notes, [24, 90, 26, 18])
    return book
