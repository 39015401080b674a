"""The run folder: every table of a run as CSV, ``run.json``, ``report.html`` and ``workbook.xlsx``.

:func:`write_run_outputs` writes them; :func:`clusterplan.report.read_run_folder`
reads them back, so a report renders the same from memory and from disk.
"""

from __future__ import annotations

import json
from collections.abc import Collection, Mapping
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd

from .._cache import kept_on_disk, pack, unpack
from .._formula import neutralise_frame
from .._json import plain
from .._parallel import SecondProcess
from .._paths import replacing_folder
from ..pipeline import ClusterProfile, RunAnalyses
from ._csv import FloatTexts, csv_text
from ._html import (
    CORE_TABLES,
    RUN_TABLES,
    SIGNIFICANT_DIGITS,
    ReportData,
    _keyed_report,
    _report_key,
    kept_report,
    prepare_render,
    report_data,
    report_geography,
    run_frames,
    tables_key_of,
)
from .workbook import _keyed_workbook

__all__ = ["run_report_data", "write_run_outputs", "write_tables"]


def _table_file(name: str) -> str:
    spec = CORE_TABLES.get(name) or RUN_TABLES.get(name)
    return spec.file if spec else f"{name}.csv"


def run_report_data(
    profile: ClusterProfile, analyses: RunAnalyses | None = None, tables: Mapping[str, pd.DataFrame] | None = None
) -> ReportData:
    """The :class:`ReportData` of a run: the profile's tables, further *tables*, the analyses, ``run.json``."""
    metadata = profile.run_metadata()
    metadata["created_at"] = datetime.now(UTC).isoformat(timespec="seconds")
    every = dict(tables or {})
    if analyses is not None:
        every.update(analyses.tables)
        metadata["analyses"] = analyses.provenance
        # Every dataset the run read, once each: the profile's, then the analyses'.
        known = {i.get("dataset") for i in metadata.get("inputs", [])}
        for record in analyses.inputs:
            if record.get("dataset") not in known:
                metadata["inputs"].append(record)
                known.add(record.get("dataset"))
    return report_data(profile, plain(metadata), every)


def write_tables(
    data: ReportData,
    out: Path,
    *,
    key: str | None = None,
    floats: FloatTexts | None = None,
    names: Collection[str] | None = None,
) -> dict[str, Path]:
    """Write every table of a run (or those in *names*) as CSV, to 16 significant digits (as the workbook and the
    report hold them).

    The files depend only on the tables and the code: they are kept (compressed) in the results folder under a
    digest of the tables (*key*, when a run has worked out :func:`~clusterplan.report._html.tables_key_of`), so
    a run whose tables are an earlier run's copies its files (a US run's every-area table takes a second to write).
    The text of float columns goes into *floats* (:data:`~clusterplan.report._csv.FloatTexts`), for the workbook.
    """
    paths = {}
    frames = run_frames(data)
    chosen = [name for name in frames if names is None or name in names]
    digits = f"%.{SIGNIFICANT_DIGITS}g"
    written: dict[str, bytes] = {}  # the text of files made here, written as it is (not decompressed again)

    def texts() -> dict[str, bytes]:
        packed = {}
        for name in chosen:
            text = csv_text(neutralise_frame(frames[name]), float_format=digits, floats=floats, name=name)
            written[name] = text.encode("utf-8")
            packed[name] = pack(written[name])
        return packed

    key = key or tables_key_of(data)
    which = () if names is None else tuple(chosen)
    packed = texts() if key is None else kept_on_disk(("run tables", key, digits, *which), texts)
    for name in chosen:
        path = out / _table_file(name)
        path.write_bytes(written.pop(name) if name in written else unpack(packed[name]))
        paths[name] = path
    return paths


def _report_and_tables(data: ReportData, key: str | None, out: Path, tables_key: str | None, names: list[str]) -> str:
    """The second process's share of :func:`write_run_outputs`: the text of ``report.html``, and the CSV files of
    the tables *names* written into *out*."""
    text = _keyed_report(data, key)
    write_tables(data, out, key=tables_key, names=names)
    return text


#: Tables whose CSV file the second process writes after rendering the report, when there is one: a US run's
#: every-area table (45,718 rows) is most of the files' work, and the report takes less than the workbook.
SECOND_TABLES = ("regions",)


def _earlier_outputs(run_json: Path) -> list[str]:
    """The file names an earlier run's ``run.json`` lists as its outputs (none if it cannot be read)."""
    try:
        outputs = json.loads(run_json.read_text(encoding="utf-8")).get("outputs")
    except (OSError, ValueError, AttributeError):  # unreadable, not JSON, or not an object
        return []
    return [name for name in outputs.values() if isinstance(name, str)] if isinstance(outputs, dict) else []


def write_run_outputs(
    profile: ClusterProfile,
    out: Path,
    *,
    tables: Mapping[str, pd.DataFrame] | None = None,
    analyses: RunAnalyses | None = None,
    workbook: bool = True,
    second: SecondProcess | None = None,
) -> dict[str, Path]:
    """Write every output file of a run into *out*; return their paths by name.

    Parameters
    ----------
    profile
        The cluster profile of the run.
    out
        The run folder (created if needed).
    tables
        Further tables by name (see :data:`clusterplan.report._html.RUN_TABLES`): each is written as
        CSV, put in the workbook, and feeds its report sections.
    analyses
        The result of :func:`run_analyses`: its tables are added to *tables* and what each analysis did
        goes into ``run.json`` (``analyses``).
    workbook
        Also write ``workbook.xlsx``.
    second
        A second process (:func:`clusterplan._parallel.second_process`) that renders ``report.html`` while this
        one writes the tables and the workbook (the files are the same either way).

    Examples
    --------
    In ``clusterplan run``, after :func:`~clusterplan.pipeline.profile.profile_region`::

        analyses = run_analyses(warehouse, profile, progress=progress)
        paths = write_run_outputs(profile, Path(out_dir), analyses=analyses)
    """
    # The second process loads the report's templates and map shapes while this one gathers the tables.
    geography = report_geography(profile.parameters, profile.region_code)
    ready = second.call(prepare_render, geography) if second is not None else None
    data = run_report_data(profile, analyses, tables)
    # Written to a temporary folder and moved in at the end, run.json last: an interrupted run leaves the folder
    # as it was, or (if stopped while moving) without run.json, so it never looks like a complete run.
    with replacing_folder(out, last="run.json", earlier=_earlier_outputs) as staging:
        paths = {name: staging / _table_file(name) for name in run_frames(data)}
        paths["report"] = staging / "report.html"
        if workbook:
            paths["workbook"] = staging / "workbook.xlsx"
        paths["run"] = staging / "run.json"
        data.metadata["outputs"] = {k: p.name for k, p in paths.items()}
        # The tables' digest keys the CSV files kept for later runs, and with the metadata the report and the
        # workbook: worked out once, here, and handed to the second process with the report to render.
        tables_key = tables_key_of(data)
        key = _report_key(data, tables_key)
        # A report an earlier run kept is read here; only one to render goes to the second process, with the CSV
        # files of SECOND_TABLES (kept for later runs apart from the others whenever there is a second process).
        kept = kept_report(data, key) if second is not None else None
        theirs = [name for name in run_frames(data) if name in SECOND_TABLES] if second is not None else []
        ours = [name for name in run_frames(data) if name not in theirs]
        report = None
        if second is not None and kept is None:
            report = second.call(_report_and_tables, data, key, staging, tables_key, theirs)
        floats: FloatTexts = {}  # the workbook writes the same text of each number as the CSV files
        write_tables(data, staging, key=tables_key, floats=floats, names=ours if theirs else None)
        if theirs and report is None:
            write_tables(data, staging, key=tables_key, floats=floats, names=theirs)
        if workbook:
            _keyed_workbook(data, paths["workbook"], key, floats)
        del floats
        if ready is not None:  # collected only now: the report's call queues behind it, and this one need not wait
            ready()
        text = kept if kept is not None else report() if report is not None else _keyed_report(data, key)
        paths["report"].write_text(text, encoding="utf-8")
        paths["run"].write_text(json.dumps(plain(data.metadata), indent=2) + "\n")
    return {name: out / path.name for name, path in paths.items()}
