"""workbook.xlsx: every table of the run, units in the headers, values equal to the CSVs, sources and notes."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import openpyxl
import pandas as pd
import pytest

from _util import FIXTURES
from clusterplan import Warehouse, profile_region
from clusterplan._data import dataset_entry
from clusterplan.pipeline.profile import ClusterProfile
from clusterplan.report import write_run_outputs
from clusterplan.report.workbook import column_label


def further_tables() -> dict[str, pd.DataFrame]:
    return {
        path.stem: pd.read_csv(path, dtype={"industry_code": str, "area_code": str})
        for path in (FIXTURES / "report").glob("*.csv")
    }


@pytest.fixture(scope="module")
def run(warehouse: Warehouse, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, ClusterProfile]:
    profile = profile_region(warehouse, region="TLG3")
    out = tmp_path_factory.mktemp("run")
    write_run_outputs(profile, out, tables=further_tables())
    return out, profile


@pytest.fixture(scope="module")
def book(run: tuple[Path, ClusterProfile]) -> Any:
    return openpyxl.load_workbook(run[0] / "workbook.xlsx")


def rows(sheet: Any) -> list[list[Any]]:
    return [list(r) for r in sheet.iter_rows(values_only=True)]


def same(cell: Any, value: Any) -> bool:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return cell is None
    if isinstance(value, float):
        return isinstance(cell, int | float) and math.isclose(cell, value, rel_tol=0, abs_tol=0)
    return bool(cell == value)


def test_workbook_has_every_table_and_the_reference_sheets(book: Any) -> None:
    assert book.sheetnames == [
        "Clusters",
        "All areas",
        "Trend",
        "Definitions",
        "Scenarios",
        "Region summary",
        "Priorities",
        "Supply chain",
        "Input sourcing",
        "Opportunities",
        "Cluster opportunities",
        "Inside the region",
        "Summary",
        "Parameters",
        "Sources",
        "Notes",
    ]


def test_clusters_sheet_equals_clusters_csv_with_units_in_headers(run: tuple[Path, ClusterProfile], book: Any) -> None:
    csv = pd.read_csv(run[0] / "clusters.csv")
    sheet = rows(book["Clusters"])
    header, body = sheet[0], sheet[1:]
    assert header == [column_label(c) for c in csv.columns]
    assert {"Employment (jobs)", "GVA per job (£)", "GVA (£ million, current prices)"} <= set(header)
    assert len(body) == len(csv) == 8
    for r, record in enumerate(csv.itertuples(index=False)):
        for c, value in enumerate(record):
            assert same(body[r][c], value), (csv.columns[c], body[r][c], value)
    # The values are the profile's own to 16 significant digits, far below the data's precision.
    profile = run[1].clusters
    lq = header.index("Location quotient (ratio)")
    assert [r[lq] for r in body] == pytest.approx(profile["lq"].tolist(), rel=1e-15)


def test_number_formats_show_fractions_as_percentages(book: Any) -> None:
    sheet = book["Clusters"]
    header = [c.value for c in sheet[1]]
    share = sheet.cell(row=2, column=header.index("Share of the region's employment (%)") + 1)
    assert 0 < share.value < 1 and share.number_format == "0.0%"
    jobs = sheet.cell(row=2, column=header.index("Employment (jobs)") + 1)
    assert jobs.number_format == "#,##0"
    # The profile's 32 columns, then the region's code and name.
    assert sheet.freeze_panes == "B2" and sheet.auto_filter.ref == "A1:AH9"


def test_all_areas_and_scenario_sheets_hold_the_run_tables(run: tuple[Path, ClusterProfile], book: Any) -> None:
    regions = pd.read_csv(run[0] / "regions.csv", dtype={"area_code": str})
    sheet = rows(book["All areas"])
    assert len(sheet) - 1 == len(regions) == 40 * 8
    header = sheet[0]
    assert header[:5] == ["Area code", "Area name", "Cluster id", "Cluster", "Employment (jobs)"]
    row = regions.index[(regions.area_code == "TLG3") & (regions.cluster_id == "ev_batteries")][0]
    assert sheet[row + 1][4] == regions.loc[row, "employment"] == 26750
    scenarios = further_tables()["scenarios"]
    sheet = rows(book["Scenarios"])
    header = sheet[0]
    assert {"Additional jobs low (jobs)", "Additional GVA high (£ million)", "Target year"} <= set(header)
    column = header.index("Additional jobs high (jobs)")
    assert [r[column] for r in sheet[1:]] == pytest.approx(scenarios["additional_jobs_high"].tolist())


def test_sources_sheet_records_dataset_publisher_vintage_licence_sha256(book: Any) -> None:
    sheet = rows(book["Sources"])
    assert sheet[0][:7] == ["Dataset", "Title", "Source", "Publisher", "Vintage", "Licence", "sha256"]
    bres = dataset_entry("bres_itl2_sic5")
    (row,) = [r for r in sheet[1:] if r[0] == "bres_itl2_sic5"]
    assert row[1] == bres["title"] and row[4] == bres["vintage"] and row[6] == bres["sha256"]
    assert row[5] == "Open Government Licence v3.0"
    assert bres["raw_files"][0]["sha256"] in row[7]
    assert any(r[0] == "wmca_plan_for_growth" for r in sheet[1:])


def test_notes_sheet_has_the_method_and_maps_headings_to_csv_columns(book: Any) -> None:
    sheet = rows(book["Notes"])
    topics = {r[0]: r[1] for r in sheet if r and r[0]}
    assert "LQ = (e_ir / e_r) / (E_i / E)" in topics["Location quotient"]
    assert "Shift-share" in topics["Growth and shift-share"]
    dictionary = [r for r in sheet if len(r) >= 4 and r[0] == "Clusters"]
    assert ["Clusters", "GVA per job (£)", "gva_per_job_gbp", "clusters.csv"] in [list(r[:4]) for r in dictionary]
    parameters = {r[0]: r[1] for r in rows(book["Parameters"])[1:]}
    assert parameters["region"] == "TLG3" and parameters["year"] == "2021"


def test_run_json_lists_the_workbook(run: tuple[Path, ClusterProfile]) -> None:
    import json

    outputs = json.loads((run[0] / "run.json").read_text())["outputs"]
    assert outputs["workbook"] == "workbook.xlsx" and outputs["report"] == "report.html"
    assert outputs["scenarios"] == "scenarios.csv"


@pytest.mark.parametrize(
    ("column", "label"),
    [
        ("additional_gva_low_gbp_m", "Additional GVA low (£ million)"),
        ("indirect_jobs_high", "Indirect jobs high (jobs)"),
        ("baseline_growth_cagr", "Baseline growth (% a year, compound)"),
        ("leader_cagr", "Leader growth (% a year, compound)"),
        ("flow_gbp_m", "Flow (£ million)"),
        ("share_in_region", "Bought or sold inside the region (%)"),
        ("quadrant", "Quadrant"),
    ],
)
def test_column_labels_carry_units(column: str, label: str) -> None:
    assert column_label(column) == label


def _parts(path: Path) -> dict[str, bytes]:
    import zipfile

    with zipfile.ZipFile(path) as archive:
        assert archive.testzip() is None
        return {name: archive.read(name) for name in archive.namelist()}


def test_a_workbook_kept_on_disk_is_the_workbook_written_afresh(
    run: tuple[Path, ClusterProfile], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A second run with the same tables and metadata copies its workbook's compressed sheets from the results
    folder: the same parts as writing it afresh but for the time it was written, with this run's time in Notes."""
    import dataclasses

    from clusterplan.report._html import _report_key, report_data
    from clusterplan.report.workbook import write_workbook

    profile = run[1]
    data = report_data(profile, {**profile.run_metadata(), "created_at": "2026-01-02T03:04:05+00:00"}, further_tables())
    later = dataclasses.replace(data, metadata={**data.metadata, "created_at": "2027-05-06T07:08:09+00:00"})
    monkeypatch.setenv("CLUSTERPLAN_CACHE", "off")
    afresh = _parts(write_workbook(later, tmp_path / "afresh.xlsx"))
    monkeypatch.setenv("CLUSTERPLAN_CACHE", str(tmp_path / "cache"))
    first = _parts(write_workbook(data, tmp_path / "first.xlsx"))
    assert len(list((tmp_path / "cache").glob("results/*/*.pickle"))) >= 1
    kept = _parts(write_workbook(later, tmp_path / "kept.xlsx"))
    assert kept.keys() == afresh.keys() == first.keys()
    timed = "docProps/core.xml"  # the time it is written (to the second)
    assert [name for name in kept if name != timed and kept[name] != afresh[name]] == []
    moved = [name for name in kept if name != timed and kept[name] != first[name]]
    assert len(moved) == 1 and moved[0].startswith("xl/worksheets/")  # the Notes sheet, with the run's time
    notes = openpyxl.load_workbook(tmp_path / "kept.xlsx")["Notes"]
    made = next(row[1] for row in notes.iter_rows(values_only=True) if row[0] == "Made with")
    assert str(made).endswith(" 2027-05-06T07:08:09+00:00")
    # A changed value is another workbook; a time with a trailing space is written afresh (its cell keeps it).
    changed = data.clusters.copy()
    changed.loc[0, "employment"] = float(changed.loc[0, "employment"]) + 1
    other = dataclasses.replace(data, clusters=changed)
    assert _report_key(other) != _report_key(data)
    clusters = openpyxl.load_workbook(write_workbook(other, tmp_path / "other.xlsx"))["Clusters"]
    assert clusters.cell(row=2, column=list(data.clusters.columns).index("employment") + 1).value == pytest.approx(
        float(data.clusters.loc[0, "employment"]) + 1
    )
    spaced = dataclasses.replace(data, metadata={**data.metadata, "created_at": "2027-05-06 "})
    notes = openpyxl.load_workbook(write_workbook(spaced, tmp_path / "spaced.xlsx"))["Notes"]
    assert next(row[1] for row in notes.iter_rows(values_only=True) if row[0] == "Made with").endswith(" 2027-05-06 ")
