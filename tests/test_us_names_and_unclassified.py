"""US industries in no cluster (NAICS 2017 codes no Cluster Mapping definition names) and names beside codes.

Golden values are read by hand from the raw County Business Patterns 2019 file
(``us/cbp/cbp2019_cbsa_naics2to6_emp_estab.csv``), CBSA 19820 Detroit-Warren-Dearborn, MI, published cells:
NAICS 336390 (other motor vehicle parts, merged from 2012's 336391 and 336399) 13,098 jobs, 336310 (engines,
from 336311 and 336312) 7,432 and 336320 (electrical equipment, from 336321 and 336322) 2,309: 22,839 jobs in
codes the Cluster Mapping definitions (NAICS 2007 and 2012) do not name. All 933 CBSAs together hold 112,745
jobs in 336390. Neither definition file in ``us/cluster_mapping`` lists any of the three codes, and the shared
data holds no NAICS concordance, so the jobs are counted, not allocated.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from _util import run_cli
from clusterplan import profile_region
from clusterplan.report import write_run_outputs

DETROIT_336390 = 13_098
DETROIT_336310 = 7_432
DETROIT_336320 = 2_309
US_336390 = 112_745


@pytest.fixture(scope="module")
def detroit(warehouse: Any) -> Any:
    return profile_region(warehouse, region="Detroit", cells="published")


def test_detroit_automotive_codes_of_naics_2017_are_counted_as_in_no_cluster(detroit: Any) -> None:
    table = detroit.unclassified.set_index("industry_code")
    assert table.loc["336390", "employment"] == DETROIT_336390
    assert table.loc["336310", "employment"] == DETROIT_336310
    assert table.loc["336320", "employment"] == DETROIT_336320
    assert table.loc["336390", "national_employment"] == US_336390
    assert table.loc["336390", "siblings_in"] == "Automotive"
    # Restaurants (NAICS 2012 split 722110 into 722511 ...) are unnamed too, but no traded cluster holds their group.
    assert table.loc["722511", "siblings_in"] == ""
    automotive = table[table["siblings_in"] == "Automotive"]
    assert automotive.loc[["336390", "336310", "336320"], "employment"].sum() == 22_839
    totals = detroit.totals
    assert totals["unclassified_employment"] == pytest.approx(table["employment"].sum())
    assert totals["unclassified_employment_beside_clusters"] >= 22_839
    # Not one of the codes is mapped by the taxonomy of the run.
    mapped = set(detroit.taxonomy.mapping(list(table.index), strict=False)["industry_code"])
    assert not mapped & set(table.index)
    (warning,) = detroit.warnings
    assert warning.startswith(f"{totals['unclassified_employment']:,.0f} jobs in Detroit-Warren-Dearborn, MI")
    assert "336390 13,098 (group in Automotive)" in warning


def test_gb_profile_has_no_unclassified_industries(warehouse: Any) -> None:
    profile = profile_region(warehouse, region="TLG3")
    assert profile.unclassified.empty and profile.warnings == []
    assert "unclassified_employment" not in profile.totals


def test_us_run_folder_names_every_code_and_shows_the_unclassified_jobs(detroit: Any, tmp_path: Path) -> None:
    paths = write_run_outputs(detroit, tmp_path, workbook=False)
    clusters = pd.read_csv(paths["clusters"], dtype={"region_code": str})
    assert set(clusters["region_code"]) == {"19820"}
    assert set(clusters["region_name"]) == {"Detroit-Warren-Dearborn, MI"}
    trend = pd.read_csv(paths["trend"])
    assert trend.loc[trend["cluster_id"] == "automotive", "cluster"].iloc[0] == "Automotive"
    loose = pd.read_csv(paths["unclassified_industries"], dtype={"industry_code": str}).set_index("industry_code")
    assert loose.loc["336310", "employment"] == DETROIT_336310
    html = paths["report"].read_text(encoding="utf-8")
    assert "Jobs in no cluster:" in html
    assert "NAICS 336390: 13,098 jobs here, 112,745 in all CBSAs" in html
    run = json.loads(paths["run"].read_text())
    assert run["warnings"] == detroit.warnings


def test_cli_prints_the_unclassified_warning(warehouse_path: Path, tmp_path: Path) -> None:
    copy = tmp_path / "w.duckdb"
    copy.write_bytes(warehouse_path.read_bytes())
    out = tmp_path / "out"
    result = run_cli(
        "run", "--region", "Detroit", "--cells", "published", "--analyses", "none", "--quiet",
        "--out", str(out), "--warehouse", str(copy),
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert "warning: 237,471 jobs in Detroit-Warren-Dearborn, MI are in" in result.stderr
    assert "336390 13,098 (group in Automotive)" in result.stderr


def test_gb_run_tables_name_their_clusters_and_areas(warehouse: Any, tmp_path: Path) -> None:
    from clusterplan.pipeline import run_analyses

    profile = profile_region(warehouse, region="TLG3")
    further = run_analyses(warehouse, profile, only=["supply_chain", "hotspots"])
    paths = write_run_outputs(profile, tmp_path, analyses=further, workbook=False)
    chain = pd.read_csv(paths["supply_chain"])
    assert chain.columns[:2].tolist() == ["cluster_id", "cluster"]
    assert (
        chain.loc[chain["cluster_id"] == "ev_batteries", "cluster"].iloc[0] == "Electric light vehicles and batteries"
    )
    hotspots = pd.read_csv(paths["hotspots"])
    # Islands linked to the nearest area: Isle of Wight (TLJ34) to Central Hampshire (TLJ36) on the ITL3 map.
    wight = hotspots[(hotspots["area_code"] == "TLJ34") & (hotspots["level"] == "itl3")].iloc[0]
    assert (wight["attached_to"], wight["attached_to_name"]) == ("TLJ36", "Central Hampshire")
    clusters = pd.read_csv(paths["clusters"])
    assert set(clusters["region_name"]) == {"West Midlands"}


def test_opportunities_say_what_attractiveness_scores_for_a_us_metro(warehouse: Any) -> None:
    from clusterplan.pipeline.opportunities import region_opportunities
    from clusterplan.relatedness.opportunities import ATTRACTIVENESS_METHOD

    us = region_opportunities(warehouse, "19820").parameters["attractiveness_method"]
    # CBP 2019: no GVA, one year; product complexity is all there is to score.
    assert "on product complexity (PCI) (the data give no GVA per job and no employment growth" in us
    assert "Great Britain" not in us
    assert region_opportunities(warehouse, "TLG3").parameters["attractiveness_method"] == ATTRACTIVENESS_METHOD


def test_one_scan_for_the_nation_and_the_region_gives_the_table_of_two(warehouse: Any) -> None:
    """The first profile sums the nation's and the region's unclassified jobs in one query: the same table as the
    nation's and the region's read apart (rebuilt cells, so fractions of jobs too)."""
    from clusterplan.pipeline.profile import (
        _scope,
        _unclassified_national_employment,
        _unit_rows,
        unclassified_industries,
    )
    from clusterplan.taxonomy import load_taxonomy

    scope = _scope(warehouse, "us_cbp_2019_cbsa", "19820", None, None, "reconstructed")
    units = _unit_rows(warehouse, scope.rows, scope.profile.classification, scope.profile.unit_level)
    codes = sorted(units.select("industry_code").distinct().to_pandas()["industry_code"])
    tax = load_taxonomy("us_cmp_traded_2014")
    apart = unclassified_industries(units, tax, codes, "19820", scope.year)
    region: list[pd.DataFrame] = []
    national = _unclassified_national_employment(units, tax, codes, scope.year, "19820", region)
    (sums,) = region
    together = unclassified_industries(units, tax, codes, "19820", scope.year, national=national, region_sums=sums)
    key = ["industry_code"]
    pd.testing.assert_frame_equal(
        together.sort_values(key).reset_index(drop=True), apart.sort_values(key).reset_index(drop=True)
    )
    assert together.set_index("industry_code").loc["336390", "employment"] >= DETROIT_336390
    # The region's sums hold only the codes where it has rows.
    assert 0 < len(sums) < len(national) and sums["employment"].notna().all()
