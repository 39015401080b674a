"""`clusterplan measures` and the US side of `clusterplan run`, checked against raw rows."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from _util import run_cli
from clusterplan import Warehouse, load_taxonomy, profile_region
from clusterplan.pipeline.profile import industry_measures

CBP = "us/cbp/cbp2019_cbsa_naics2to6_emp_estab.csv"


@pytest.fixture(scope="module")
def cbp(shared_data: Path) -> pd.DataFrame:
    return pd.read_csv(shared_data / CBP, dtype={"cbsa_code": str, "naics_code": str})


def test_us_cluster_lq_hand_computed_from_raw_rows(warehouse: Warehouse, cbp: pd.DataFrame) -> None:
    taxonomy = load_taxonomy("us_cmp_traded_2014")
    # Published cells only: the LQ is the raw rows' (withheld cells count as zero).
    profile = profile_region(warehouse, region="12060", cells="published")  # Atlanta-Sandy Springs-Alpharetta
    row = profile.clusters.set_index("cluster").loc["Distribution and Electronic Commerce"]
    mapping = taxonomy.mapping(cbp.naics_code[cbp.naics_code.str.len() == 6].unique().tolist(), strict=False)
    cluster_codes = set(mapping.loc[mapping.cluster_id == row["cluster_id"], "industry_code"])
    six = cbp[cbp.naics_code.isin(cluster_codes)]
    totals = cbp[cbp.naics_code == "00"].set_index("cbsa_code")["EMP"]
    e_ir = six.loc[six.cbsa_code == "12060", "EMP"].sum()
    expected = (e_ir / totals["12060"]) / (six["EMP"].sum() / totals.sum())
    assert row["employment"] == e_ir
    assert row["lq"] == pytest.approx(expected, rel=1e-12)
    assert row["n_regions"] == 933  # every CBSA is ranked: a CBSA without the cluster has LQ 0
    assert profile.parameters["benchmark_label"] == "all US metropolitan and micropolitan areas"
    assert pd.isna(row["growth_cagr"])  # CBP 2019 is one year


def test_industry_measures_naics6_match_raw(warehouse: Warehouse, cbp: pd.DataFrame) -> None:
    table = industry_measures(warehouse, level="naics6", region="12060", cells="published")
    raw = cbp[(cbp.cbsa_code == "12060") & (cbp.naics_code == "541511")].iloc[0]
    row = table.set_index("industry_code").loc["541511"]
    assert row["employment"] == raw["EMP"] and row["establishments"] == raw["ESTAB"]
    six = cbp[cbp.naics_code == "541511"]
    totals = cbp[cbp.naics_code == "00"]
    expected = (raw["EMP"] / totals.loc[totals.cbsa_code == "12060", "EMP"].item()) / (
        six["EMP"].sum() / totals["EMP"].sum()
    )
    assert row["lq"] == pytest.approx(expected, rel=1e-12)
    assert 1 <= row["lq_rank"] <= 933 and 0 < row["lq_percentile"] <= 100


def test_peer_benchmark_and_parent_area_benchmark(warehouse: Warehouse) -> None:
    peers = profile_region(warehouse, region="TLG3", benchmark="peers", peers=["TLD3", "TLE4"])
    assert peers.parameters["benchmark_areas"] == ["TLD3", "TLE4", "TLG3"]
    wm = peers.regions[peers.regions.in_benchmark]
    assert set(wm.area_code) == {"TLD3", "TLE4", "TLG3"} and wm.lq_rank.max() <= 3
    # Against the West Midlands ITL1 region (TLG = TLG1 + TLG2 + TLG3), the LQs of the three areas,
    # weighted by their total employment, average to 1 for any cluster.
    region = profile_region(warehouse, region="TLG3", benchmark="TLG")
    inside = region.regions[region.regions.in_benchmark]
    assert set(inside.area_code) == {"TLG1", "TLG2", "TLG3"}
    for _, group in inside.groupby("cluster_id"):
        assert (group.lq * group.total).sum() / group.total.sum() == pytest.approx(1.0)
    default_peers = profile_region(warehouse, region="TLG3", benchmark="peers")
    assert len(default_peers.parameters["benchmark_areas"]) == 9


def test_traded_denominator_us(warehouse: Warehouse) -> None:
    from clusterplan.pipeline.profile import traded_industry_codes

    codes = traded_industry_codes(warehouse, "us_cbp_2019_cbsa")
    assert len(codes) == 787
    profile = profile_region(warehouse, region="12060", denominator_codes=codes)
    # With traded employment as the denominator, the clusters' shares of it sum to 1 (they partition it).
    assert profile.clusters["employment_share"].sum() == pytest.approx(1.0)


def test_measures_cli_writes_one_row_per_industry(tmp_path: Path, warehouse_path: Path) -> None:
    copy = tmp_path / "w.duckdb"
    copy.write_bytes(warehouse_path.read_bytes())
    out = tmp_path / "m.csv"
    result = run_cli(
        "measures", "--region", "UKG3", "--year", "2021", "--level", "sic2", "--out", str(out), "--warehouse", str(copy)
    )
    assert result.returncode == 0, result.stderr
    table = pd.read_csv(out, dtype={"industry_code": str})
    assert {"area_code", "industry_code", "year", "employment", "lq"} <= set(table.columns)
    assert len(table) == 88 and set(table.area_code) == {"TLG3"} and set(table.year) == {2021}
    out_all = tmp_path / "all.parquet"
    result = run_cli("measures", "--all-regions", "--level", "sic5", "--out", str(out_all), "--warehouse", str(copy))
    assert result.returncode == 0, result.stderr
    every = pd.read_parquet(out_all)
    assert len(every) == 40 * 729 and every.area_code.nunique() == 40


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--region", "TLG3", "--level", "sic4"], "unknown level 'sic4'; valid choices: sic5, sic2, naics2"),
        (["--level", "sic5"], "give either --region CODE or --all-regions"),
        (["--region", "TLG3", "--level", "sic5", "--year", "1999"], "unknown year '1999'"),
        (["--region", "99999", "--level", "naics6"], "unknown region '99999'"),
    ],
)
def test_measures_cli_bad_input(tmp_path: Path, warehouse_path: Path, args: list[str], message: str) -> None:
    copy = tmp_path / "w.duckdb"
    copy.write_bytes(warehouse_path.read_bytes())
    result = run_cli("measures", *args, "--out", str(tmp_path / "x.csv"), "--warehouse", str(copy))
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert message in result.stderr.strip().splitlines()[-1]
