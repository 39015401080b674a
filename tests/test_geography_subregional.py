"""Sub-regional breakdown: cluster GVA apportioned from the ONS ITL3 table by the ITL2 BRES mix, shares and LQs
within the region and against Great Britain, and employment from imported local BRES.

Golden values are recomputed here from the raw rows of the packaged Parquet files (ONS regional GVA, April
2024 release; BRES 2021, NOMIS NM_189_1).
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from clusterplan import ParameterError, UnknownCodeError
from clusterplan._data import data_dir
from clusterplan.geography.subregional import SUBREGIONAL_COLUMNS
from clusterplan.pipeline.productivity import cluster_productivity
from clusterplan.pipeline.subregional import cluster_employment, cluster_gva, subregional_breakdown
from clusterplan.sources.formats import read_user_file
from clusterplan.taxonomy import load_taxonomy
from clusterplan.warehouse import Warehouse

TAXONOMY = "wmca_plan_for_growth"


def _parquet(name: str) -> pd.DataFrame:
    return pd.read_parquet(data_dir() / f"{name}.parquet")


@pytest.fixture(scope="module")
def west_midlands(warehouse: Warehouse) -> pd.DataFrame:
    return subregional_breakdown(warehouse, region="UKG3", taxonomy=TAXONOMY, year=2021)


def test_solihull_aerospace_gva_by_hand(west_midlands: pd.DataFrame) -> None:
    # Aerospace is 30300 (row CK-CL (28-30)) and 33160 (row CM (31-33)). West Midlands (TLG3) BRES 2021:
    # 30300 = 3,000 of 38,540 jobs in divisions 28-30; 33160 = 900 of 14,880 in divisions 31-33.
    # Solihull (TLG32) GVA 2021: CK-CL (28-30) £952m, CM (31-33) £40m, Total £8,823m of which 68IMP £711m.
    row = west_midlands.set_index(["cluster_id", "area_code"]).loc[("aerospace", "TLG32")]
    assert row["value"] == pytest.approx(952 * 3000 / 38540 + 40 * 900 / 14880, rel=1e-12)
    assert row["area_total"] == 8823 - 711
    assert row["share_of_area"] == pytest.approx(row["value"] / 8112)
    assert row["unit"] == "gbp_million" and row["measure"] == "gva" and row["area_name"] == "Solihull"


def test_region_is_the_sum_of_its_itl3_areas(west_midlands: pd.DataFrame) -> None:
    assert list(west_midlands.columns) == SUBREGIONAL_COLUMNS
    assert sorted(west_midlands["area_code"].unique()) == [
        "TLG31", "TLG32", "TLG33", "TLG36", "TLG37", "TLG38", "TLG39"
    ]  # fmt: skip
    assert list(dict.fromkeys(west_midlands["cluster_id"])) == list(load_taxonomy(TAXONOMY).cluster_ids)
    for _, group in west_midlands.groupby("cluster_id"):
        assert group["share_of_region"].sum() == pytest.approx(1.0)
        assert group["region_value"].iloc[0] == pytest.approx(group["value"].sum())
        # The region's LQ against itself, weighted by the areas' totals, averages to 1.
        assert (group["lq_region"] * group["area_total"]).sum() / group["area_total"].sum() == pytest.approx(1.0)
    region_total = west_midlands.drop_duplicates("area_code")["area_total"].sum()
    gva = _parquet("gva_itl3_current_prices")
    gva = gva[(gva["year"] == 2021) & gva["area_code"].str.startswith("TLG3")]
    by_row = gva.groupby("industry_code")["value"].sum()
    assert region_total == by_row["Total"] - by_row["68IMP"] == 64678.0


def test_lq_against_great_britain(west_midlands: pd.DataFrame) -> None:
    row = west_midlands.set_index(["cluster_id", "area_code"]).loc[("ev_batteries", "TLG33")]  # Coventry
    assert row["gb_total"] == pytest.approx(1803622.0)  # GB ITL3 GVA less imputed rent, 2021
    assert row["lq_gb"] == pytest.approx(row["share_of_area"] / (row["gb_value"] / row["gb_total"]))
    assert row["lq_gb"] > 3  # Coventry's motor industry (JLR)


def test_itl2_estimate_equals_cluster_productivity(warehouse: Warehouse) -> None:
    table = cluster_gva(warehouse, taxonomy=TAXONOMY, level="itl2", year=2021)
    mine = table[table["area_code"] == "TLG3"].set_index("cluster_id")["gva_gbp_million"]
    theirs = cluster_productivity(warehouse, load_taxonomy(TAXONOMY).mapping(), region="TLG3", year=2021)
    assert np.allclose(mine.reindex(theirs["cluster_id"]).to_numpy(), theirs["gva_gbp_million"].to_numpy())


def test_great_britain_rows_and_the_mix_year(warehouse: Warehouse) -> None:
    table = cluster_gva(warehouse, taxonomy=TAXONOMY, year=2022, clusters=["Aerospace"])
    assert set(table["mix_year"]) == {2021} and set(table["year"]) == {2022}  # BRES ends in 2021
    gb = table[table["area_code"] == "K03000001"].iloc[0]
    areas = table[table["area_code"] != "K03000001"]
    assert len(areas) == 168 and gb["gva_gbp_million"] == pytest.approx(areas["gva_gbp_million"].sum())
    assert gb["gva_rows"] == "CK-CL (28-30); CM (31-33)"
    assert cluster_gva(warehouse, taxonomy=TAXONOMY).loc[0, "year"] == 2021  # default: latest year of both


def test_bad_inputs(warehouse: Warehouse) -> None:
    with pytest.raises(ParameterError, match="TLG31 is a itl3"):
        subregional_breakdown(warehouse, region="TLG31", taxonomy=TAXONOMY)
    with pytest.raises(ParameterError, match="measure must be 'gva' or 'employment'"):
        subregional_breakdown(warehouse, region="TLG3", taxonomy=TAXONOMY, measure="jobs")
    with pytest.raises(UnknownCodeError, match="unknown year of the GVA table '1990'"):
        cluster_gva(warehouse, taxonomy=TAXONOMY, year=1990)
    with pytest.raises(ParameterError, match="needs a SIC 2007 taxonomy"):
        cluster_gva(warehouse, taxonomy="us_cmp_traded_2014")
    with pytest.raises(ParameterError, match="clusterplan data import FILE --format nomis"):
        subregional_breakdown(warehouse, region="TLG3", taxonomy=TAXONOMY, measure="employment")


# -- employment from imported local data -----------------------------------------------------------------------------
def _cornwall_as_itl3(path: Path) -> Path:
    """BRES 2021 by subclass for Cornwall and Isles of Scilly in the NOMIS download layout, coded as the ITL3 area.

    NUTS2 UKK3 and NUTS3 UKK30 are the same territory, so the published ITL2 rows are the ITL3 area's rows:
    only GEOGRAPHY_CODE changes (the stand-in for a user's local BRES download, which shared/data lacks).
    """
    bres = _parquet("bres_itl2_sic5")
    rows = bres[(bres["area_code"] == "TLK3") & (bres["year"] == 2021)]
    names = _parquet("industries_sic2007").set_index("industry_code")["industry_name"]
    frame = pd.DataFrame(
        {
            "DATE": 2021,
            "GEOGRAPHY_NAME": "Cornwall and Isles of Scilly",
            "GEOGRAPHY_CODE": "UKK30",
            "INDUSTRY_NAME": [f"{c} : {names.get(c, '')}" for c in rows["industry_code"]],
            "INDUSTRY_CODE": rows["industry_code"].to_numpy(),
            "COUNT": rows["value"].to_numpy(),
        }
    )
    frame.to_csv(path, index=False)
    return path


@pytest.fixture(scope="module")
def local_warehouse(warehouse_path: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Warehouse]:
    folder = tmp_path_factory.mktemp("subregional")
    target = folder / "warehouse.duckdb"
    shutil.copyfile(warehouse_path, target)
    wh = Warehouse(target)
    source = _cornwall_as_itl3(folder / "bres_ukk30_sic5_2021.csv")
    facts, provenance = read_user_file(source, "nomis", dataset="user_itl3_sic5")
    wh.import_facts(facts, provenance, file=source.name)
    yield wh
    wh.close()


def test_employment_breakdown_from_imported_itl3_data(local_warehouse: Warehouse) -> None:
    table = subregional_breakdown(local_warehouse, region="TLK3", taxonomy=TAXONOMY, measure="employment")
    assert set(table["area_code"]) == {"TLK30"} and set(table["unit"]) == {"jobs"} and table["complete"].all()
    assert table.attrs["employment_dataset"] == "user_itl3_sic5"
    bres = _parquet("bres_itl2_sic5")
    bres = bres[bres["year"] == 2021]
    codes = ["49200", "49410", "51210", "52", "53"]  # logistics, as the taxonomy writes them
    in_cluster = bres["industry_code"].str.startswith(tuple(codes))
    cornwall = bres["area_code"] == "TLK3"
    row = table.set_index("cluster_id").loc["logistics"]
    assert row["value"] == bres.loc[cornwall & in_cluster, "value"].sum()
    assert row["area_total"] == bres.loc[cornwall, "value"].sum()
    assert row["gb_total"] == bres["value"].sum()
    expected_lq = (row["value"] / row["area_total"]) / (bres.loc[in_cluster, "value"].sum() / bres["value"].sum())
    assert row["lq_gb"] == pytest.approx(expected_lq)
    assert row["share_of_region"] == 1.0 and row["lq_region"] == pytest.approx(1.0)


def test_employment_by_area_marks_incomplete_itl3_areas(local_warehouse: Warehouse) -> None:
    table = cluster_employment(local_warehouse, taxonomy=TAXONOMY, level="itl3", clusters=["aerospace"])
    assert set(table["area_code"]) == {"TLK30", "K03000001"}
    assert table["complete"].all()
    with pytest.raises(ParameterError, match="cover none of the ITL3 areas of TLG3"):
        subregional_breakdown(local_warehouse, region="TLG3", taxonomy=TAXONOMY, measure="employment")
