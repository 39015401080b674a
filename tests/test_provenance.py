"""Every dataset a run reads is listed, with vintage, licence and sha256, in run.json, the report and the workbook."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from clusterplan import Warehouse, load_taxonomy
from clusterplan.pipeline.profile import taxonomy_record
from clusterplan.pipeline.run import run_region
from clusterplan.report import write_run_outputs


@pytest.fixture(scope="module")
def gb_run(warehouse: Warehouse, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    profile, further = run_region(warehouse, "TLG3", only=["supply_chain", "subregions"])
    return write_run_outputs(profile, tmp_path_factory.mktemp("provenance") / "run", analyses=further)


def _inputs(paths: dict[str, Path]) -> list[dict[str, Any]]:
    return list(json.loads(paths["run"].read_text(encoding="utf-8"))["inputs"])


def test_run_json_lists_every_dataset_the_run_read(gb_run: dict[str, Path]) -> None:
    inputs = _inputs(gb_run)
    names = [i["dataset"] for i in inputs]
    # Before: only bres_itl2_sic5, though the run also read GVA, the IO table, areas and lookups.
    for needed in (
        "bres_itl2_sic5",  # employment
        "gva_itl2_current_prices",  # productivity
        "gva_itl3_current_prices",  # the region's ITL3 areas
        "ioat2019",  # supply chains
        "bres_ioat_lookup",  # SIC to IO industries
        "areas_uk",  # areas and their names
        "nuts2016_itl2021_crosswalk",  # the NUTS 2016 codes of the published BRES
        "taxonomy:wmca_plan_for_growth",
    ):
        assert needed in names, needed
    assert len(names) == len(set(names))  # each once
    for record in inputs:
        assert re.fullmatch(r"[0-9a-f]{64}", str(record["sha256"])), record["dataset"]
        assert record["vintage"] and record["licence"], record["dataset"]
    gva = next(i for i in inputs if i["dataset"] == "gva_itl2_current_prices")
    assert "Open Government Licence" in gva["licence"] and "GVA" in gva["title"]


def test_report_and_workbook_list_the_same_inputs(gb_run: dict[str, Path]) -> None:
    inputs = _inputs(gb_run)
    html = gb_run["report"].read_text(encoding="utf-8")
    book = openpyxl.load_workbook(gb_run["workbook"], read_only=True)
    sources = [[c for c in row] for row in book["Sources"].iter_rows(values_only=True)]
    listed = {str(row[0]) for row in sources[1:] if row and row[0]}
    for record in inputs:
        assert record["sha256"] in html, record["dataset"]
        assert record["dataset"] in listed, record["dataset"]
    assert any(record["sha256"] in row for row in sources for record in inputs)


def test_taxonomy_sha256_is_of_the_definitions(warehouse: Warehouse, tmp_path: Path) -> None:
    built_in = load_taxonomy("wmca_plan_for_growth")
    copy = tmp_path / "mine.csv"
    built_in.to_csv(copy)
    same = taxonomy_record(built_in)["sha256"] == taxonomy_record(load_taxonomy(str(copy)))["sha256"]
    assert same  # the same clusters and codes, whichever file they came from
    assert taxonomy_record(load_taxonomy("uk_industrial_strategy_is8"))["sha256"] != taxonomy_record(built_in)["sha256"]
    assert taxonomy_record(load_taxonomy(str(copy)))["origin"] == "user"


def test_us_run_lists_its_areas_and_taxonomy(warehouse: Warehouse) -> None:
    profile, _ = run_region(warehouse, "12060", only=[])
    names = [i["dataset"] for i in profile.inputs]
    assert names[0] == "us_cbp_2019_cbsa"
    assert {"areas_us_cbsa", "taxonomy:us_cmp_traded_2014"} <= set(names)
    assert "gva_itl2_current_prices" not in names
