"""End-to-end: `clusterplan run` on the embedded default, and a hand-computed LQ from raw rows."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pandas as pd
import pytest

from _util import run_cli
from clusterplan import UnknownCodeError, Warehouse, load_taxonomy, profile_region
from clusterplan._data import dataset_entry


@pytest.fixture(scope="module")
def default_run(tmp_path_factory: pytest.TempPathFactory, warehouse_path: Path) -> tuple[Path, object]:
    out = tmp_path_factory.mktemp("run") / "out"
    copy = out.parent / "w.duckdb"
    copy.write_bytes(warehouse_path.read_bytes())
    result = run_cli("run", "--out", str(out), "--warehouse", str(copy))
    return out, result


def test_default_run_writes_outputs_and_summary(default_run: tuple[Path, object]) -> None:
    out, result = default_run
    assert result.returncode == 0, result.stderr  # type: ignore[attr-defined]
    clusters = pd.read_csv(out / "clusters.csv")
    assert {"cluster", "employment", "employment_share", "lq", "growth_cagr"} <= set(clusters.columns)
    assert len(clusters) == len(load_taxonomy("wmca_plan_for_growth").clusters)
    # Progress goes to stderr, the summary table and paths to stdout.
    assert "aggregating employment in the warehouse" in result.stderr  # type: ignore[attr-defined]
    assert "clusters.csv" in result.stdout and "report.html" in result.stdout  # type: ignore[attr-defined]


def test_run_json_records_version_parameters_and_input_sha256(default_run: tuple[Path, object]) -> None:
    out, _ = default_run
    run = json.loads((out / "run.json").read_text())
    assert run["clusterplan_version"]
    assert run["parameters"]["region"] == "TLG3" and run["parameters"]["year"] == 2021
    bres = run["inputs"][0]  # the employment facts first; then every other dataset the run read
    assert bres["dataset"] == "bres_itl2_sic5"
    assert all(
        dataset_entry(i["dataset"])["sha256"] == i["sha256"]
        for i in run["inputs"][1:]
        if "taxonomy:" not in i["dataset"]
    )
    assert bres["sha256"] == dataset_entry("bres_itl2_sic5")["sha256"]
    assert bres["raw_files"][0]["path"].endswith("bres_employment_itl2_nuts2016_sic5_2015_2021.csv")


def test_report_is_self_contained(default_run: tuple[Path, object]) -> None:
    out, _ = default_run
    html = (out / "report.html").read_text()
    # Nothing is fetched: no external scripts, styles, images or frames (plotly.js is inlined; the text of
    # its source mentions URLs, which is why tests/test_report_browser.py also counts real requests).
    assert not re.search(r"<(script|img|iframe)[^>]+src=[\"']https?:", html)
    assert not re.search(r"<link[^>]+href=[\"']https?:", html)
    assert "Executive summary" in html and dataset_entry("bres_itl2_sic5")["sha256"] in html


def test_lq_hand_computed_from_raw_rows(warehouse: Warehouse, shared_data: Path) -> None:
    raw = pd.read_csv(
        shared_data / "uk/bres_itl2/bres_employment_itl2_nuts2016_sic5_2015_2021.csv", dtype={"INDUSTRY_CODE": str}
    )
    raw = raw[raw.DATE == 2021]
    taxonomy = load_taxonomy("wmca_plan_for_growth")
    codes = set(taxonomy.mapping().query("cluster_id == 'ev_batteries'")["industry_code"])
    in_cluster = raw.INDUSTRY_CODE.isin(codes)
    wm = raw.GEOGRAPHY_CODE == "UKG3"
    expected = (raw[wm & in_cluster].COUNT.sum() / raw[wm].COUNT.sum()) / (
        raw[in_cluster].COUNT.sum() / raw.COUNT.sum()
    )
    profile = profile_region(warehouse, region="UKG3", year=2021)
    row = profile.clusters.set_index("cluster_id").loc["ev_batteries"]
    assert row["lq"] == pytest.approx(expected, rel=1e-12)
    assert row["employment"] == raw[wm & in_cluster].COUNT.sum()
    assert 3 < row["lq"] < 6  # the West Midlands' best-known specialisation
    # Published zeros inside a cluster are counted, not hidden.
    pfs = set(taxonomy.mapping().query("cluster_id == 'professional_financial_services'")["industry_code"])
    zeros = int((raw[wm & raw.INDUSTRY_CODE.isin(pfs)].COUNT == 0).sum())
    assert zeros > 0
    assert profile.clusters.set_index("cluster_id").loc["professional_financial_services", "suppressed_cells"] == zeros


def test_region_accepts_nuts_itl_codes_and_names(warehouse: Warehouse) -> None:
    a = profile_region(warehouse, region="UKG3").clusters
    b = profile_region(warehouse, region="TLG3").clusters
    pd.testing.assert_frame_equal(a, b)
    other = profile_region(warehouse, region="TLI3", year=2019, base_year=2016)
    assert other.region_code == "TLI3" and other.totals["year"] == 2019 and other.totals["base_year"] == 2016


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--region", "TLZ9"], "unknown region 'TLZ9'; did you mean"),
        (["--year", "2030"], "unknown year '2030'; valid choices: 2015, 2016"),
        (["--taxonomy", "no_such_taxonomy"], "no_such_taxonomy"),
        (["--benchmark", "Mars"], "unknown benchmark 'Mars'; valid choices: national, peers, TLC"),
        (["--year", "2016", "--base-year", "2019"], "base year 2019 must be before year 2016"),
    ],
)
def test_run_bad_parameters_one_line_exit_2(
    args: list[str], message: str, tmp_path: Path, warehouse_path: Path
) -> None:
    copy = tmp_path / "w.duckdb"
    copy.write_bytes(warehouse_path.read_bytes())
    result = run_cli("run", "--quiet", "--out", str(tmp_path / "o"), "--warehouse", str(copy), *args)
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    last = result.stderr.strip().splitlines()[-1]
    assert last.startswith("error: ") and message in last


def test_unknown_region_in_python_api(warehouse: Warehouse) -> None:
    with pytest.raises(UnknownCodeError) as info:
        profile_region(warehouse, region="Atlantis")
    assert "TLG3" in str(info.value) and len(info.value.choices) == 40


def test_profile_carries_the_competitiveness_measures(warehouse: Warehouse) -> None:
    profile = profile_region(warehouse, region="TLG3")
    table = profile.clusters.set_index("cluster_id")
    # The LQ interval from NOMIS rounding contains the point LQ and is not degenerate.
    assert (table.lq_low <= table.lq).all() and (table.lq <= table.lq_high).all()
    assert (table.lq_high > table.lq_low).all()
    # Shift-share components add up to the actual change in employment.
    parts = table.shift_share_national_share + table.shift_share_industry_mix + table.shift_share_competitive
    assert parts.to_numpy() == pytest.approx(table.shift_share_change.to_numpy())
    assert table.shift_share_change.to_numpy() == pytest.approx(
        (table.employment - table.employment_base_year).to_numpy()
    )
    # The EV cluster is the region's clearest strength on every rule.
    ev = table.loc["ev_batteries"]
    assert bool(ev.strong_cluster) and ev.stars == 3 and ev.lq_percentile > 95
    assert "establishments not applied" in ev.strong_cluster_reason
    # Rank change is base-year rank minus profile-year rank.
    assert (table.lq_rank_base_year - table.lq_rank == table.lq_rank_change).all()
    assert (table.gva_per_job_gbp > 10_000).all() and table.relative_productivity.notna().all()


def test_run_passes_scenario_options_to_the_scenarios(tmp_path: Path, warehouse_path: Path) -> None:
    copy = tmp_path / "w.duckdb"
    copy.write_bytes(warehouse_path.read_bytes())
    out = tmp_path / "o"
    result = run_cli(
        "run",
        "--quiet",
        "--analyses",
        "scenarios",
        "--target-year",
        "2035",
        "--out",
        str(out),
        "--warehouse",
        str(copy),
    )
    assert result.returncode == 0, result.stderr
    scenarios = pd.read_csv(out / "scenarios.csv")
    assert set(scenarios["target_year"]) == {2035}


def test_a_run_over_an_earlier_runs_folder_leaves_none_of_its_files(
    default_run: tuple[Path, object], tmp_path: Path, warehouse_path: Path
) -> None:
    # A run without the further analyses written over a full run's folder: the earlier run's scenarios, supply
    # chain, hotspots (...) tables would otherwise sit beside the new run's files as if they were its own.
    earlier, _ = default_run
    out = tmp_path / "out"
    out.mkdir()
    for path in earlier.iterdir():
        (out / path.name).write_bytes(path.read_bytes())
    (out / "my notes.txt").write_text("mine")
    before = set(json.loads((out / "run.json").read_text())["outputs"].values())
    assert "scenarios.csv" in before
    done = run_cli("run", "--analyses", "none", "--quiet", "--out", str(out), "--warehouse", str(warehouse_path))
    assert done.returncode == 0, done.stderr
    written = set(json.loads((out / "run.json").read_text())["outputs"].values())
    assert "scenarios.csv" not in written
    assert {p.name for p in out.iterdir()} == written | {"my notes.txt"}
    assert (out / "my notes.txt").read_text() == "mine"
