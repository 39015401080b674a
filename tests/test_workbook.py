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
