"""The US Cluster Mapping portal's measures, hand-computed from the raw CBP 2019 rows (Detroit, automotive)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from _util import run_cli
from clusterplan import Warehouse, load_taxonomy, profile_region
from clusterplan._exceptions import ParameterError
from clusterplan.measures.cluster_mapping import PORTAL_COLUMNS, cluster_mapping_portal

CBP = "us/cbp/cbp2019_cbsa_naics2to6_emp_estab.csv"


@pytest.fixture(scope="module")
def cbp(shared_data: Path) -> pd.DataFrame:
    return pd.read_csv(shared_data / CBP, dtype={"cbsa_code": str, "naics_code": str})


@pytest.fixture(scope="module")
def detroit(warehouse: Warehouse) -> pd.DataFrame:
    profile = profile_region(warehouse, region="19820", cells="published", convention="cluster_mapping")
    assert profile.parameters["convention"] == "cluster_mapping"
    assert set(profile.parameters["convention_columns"]) == set(PORTAL_COLUMNS)
    return profile.clusters.set_index("cluster_id")


def test_portal_measures_hand_computed_from_raw_rows(
    detroit: pd.DataFrame, cbp: pd.DataFrame, warehouse: Warehouse
) -> None:
    six = cbp[cbp["naics_code"].str.len() == 6]
    traded = set(warehouse.raw.execute("SELECT DISTINCT naics_code FROM cmp_traded_clusters").df()["naics_code"])
    mapping = load_taxonomy("us_cmp_traded_2014").mapping(sorted(set(six["naics_code"])), strict=False)
    auto = set(mapping.loc[mapping["cluster_id"] == "automotive", "industry_code"]) & traded
    per_area = pd.DataFrame(
        {
            "emp": six[six["naics_code"].isin(auto)].groupby("cbsa_code")["EMP"].sum(),
            "est": six[six["naics_code"].isin(auto)].groupby("cbsa_code")["ESTAB"].sum(),
            "traded": six[six["naics_code"].isin(traded)].groupby("cbsa_code")["EMP"].sum(),
        }
    ).fillna(0.0)
    per_area["lq"] = (per_area["emp"] / per_area["traded"]) / (per_area["emp"].sum() / per_area["traded"].sum())
    row = detroit.loc["automotive"]
    d = per_area.loc["19820"]
    assert row["cmp_employment"] == d["emp"] == 77_178 and row["cmp_establishments"] == d["est"]
    assert row["cmp_lq"] == pytest.approx(d["lq"], rel=1e-12) and row["lq"] == pytest.approx(d["lq"], rel=1e-12)
    assert row["cmp_region_share"] == pytest.approx(d["emp"] / d["traded"])
    assert row["cmp_national_share"] == pytest.approx(d["emp"] / per_area["emp"].sum())
    present = per_area[per_area["emp"] > 0].sort_values("lq", ascending=False)
    position = list(present.index).index("19820")
    assert row["cmp_lq_rank"] == position + 1 == 16
    assert row["cmp_lq_percentile"] == round(100 / len(present) * (position + 0.5)) == 11
    assert row["cmp_employment_rank"] == 1  # the nation's largest automotive cluster
    # Strong: LQ at least the 75th percentile (type 7) of CBSAs with the cluster, and above the bottom quartile
    # in employment and establishments; the top-decile variant fails on the 90th percentile.
    assert d["lq"] >= np.quantile(present["lq"], 0.75) and d["lq"] < np.quantile(present["lq"], 0.90)
    assert bool(row["cmp_strong"]) and not bool(row["cmp_strong10"])


def test_portal_percentile_rank_and_presence() -> None:
    panel = pd.DataFrame(
        {
            "area_code": list("ABCD"),
            "unit_code": "auto",
            "employment": [900, 100, 0.2, 50],
            "establishments": [30, 8, 0.1, 4],
            "traded_total": [3_000, 5_000, 1_000, 1_000],
        }
    )
    out = cluster_mapping_portal(panel, min_establishments=0.5)
    # C holds 0.1 expected establishments: not counted as having the cluster, so 3 regions are ranked.
    assert out["cmp_lq_rank"].tolist()[:2] == [1.0, 3.0] and np.isnan(out["cmp_lq_rank"].iloc[2])
    assert out["cmp_lq_percentile"].tolist()[3] == 50.0
    with pytest.raises(ParameterError, match="traded_total"):
        cluster_mapping_portal(panel.drop(columns="traded_total"))


def test_portal_convention_needs_us_data(warehouse: Warehouse) -> None:
    with pytest.raises(ParameterError, match="establishment counts"):
        profile_region(warehouse, region="TLG3", convention="cluster_mapping")


def test_cli_run_with_portal_convention(tmp_path: Path, warehouse_path: Path) -> None:
    copy = tmp_path / "w.duckdb"
    copy.write_bytes(warehouse_path.read_bytes())
    out = tmp_path / "run"
    result = run_cli(
        "run", "--region", "19820", "--convention", "cluster-mapping", "--analyses", "none", "--quiet",
        "--out", str(out), "--warehouse", str(copy),
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert "US Cluster Mapping portal measures" in result.stdout
    table = pd.read_csv(out / "clusters.csv", dtype={"cluster_id": str}).set_index("cluster_id")
    assert set(PORTAL_COLUMNS) <= set(table.columns) and "imputed_cells" in table.columns
    assert bool(table.loc["automotive", "cmp_strong"]) and table.loc["automotive", "cmp_employment_rank"] == 1
