"""The US strong-cluster rule honours the interval of rebuilt withheld cells: only the LQ at the area's lowest
cluster employment (``employment_low``) passes the LQ tests, so rebuilt cells alone never make a cluster strong."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from clusterplan.measures.strength import cluster_mapping_strength
from clusterplan.pipeline.profile import STRONG_RULE_WITH_REBUILT_CELLS, profile_region
from clusterplan.warehouse import Warehouse

ADRIAN, DETROIT = "10300", "19820"


def test_lq_bound_decides_the_lq_tests_by_hand() -> None:
    panel = pd.DataFrame(
        {
            "area_code": list("ABCDE"),
            "unit_code": "auto",
            "employment": [100, 2_000, 300, 50, 800],
            "establishments": [4, 30, 9, 2, 3],
            "lq": [0.5, 2.5, 1.2, 0.3, 1.8],
            # B's LQ 2.5 clears the 75th percentile of the LQs (type 7 over 0.3, 0.5, 1.2, 1.8, 2.5: 1.8), its
            # lower bound 1.5 does not; C's bound is unknown and falls back to its LQ.
            "lq_low": [0.4, 1.5, np.nan, 0.3, 1.8],
        }
    )
    point = cluster_mapping_strength(panel)
    bounded = cluster_mapping_strength(panel, lq_bound="lq_low")
    assert point["strong"].tolist() == [False, True, False, False, False]
    assert bounded["strong"].tolist() == [False, False, False, False, False]
    assert bounded["strong_lq_threshold"].tolist() == pytest.approx([1.8] * 5)
    assert bounded.loc[1, "strong_reason"] == (
        "not strong (uncertain: the LQ passes, its lower bound does not): LQ 2.5, lower bound 1.5 < 75th percentile 1.8"
    )
    # E fails on establishments whatever its LQ: no "uncertain" for it.
    assert bounded.loc[4, "strong_reason"].startswith("not strong: establishments 3 <= 25th percentile 3")
    # With the bound equal to the LQ the verdicts are the rule's own.
    same = cluster_mapping_strength(panel.assign(lq_low=panel["lq"]), lq_bound="lq_low")
    assert same["strong"].tolist() == point["strong"].tolist()


@pytest.fixture(scope="module")
def adrian(warehouse: Warehouse) -> pd.DataFrame:
    return profile_region(warehouse, region=ADRIAN).clusters.set_index("cluster_id")


@pytest.fixture(scope="module")
def detroit(warehouse: Warehouse) -> pd.DataFrame:
    return profile_region(warehouse, region=DETROIT).clusters.set_index("cluster_id")


def test_adrian_biopharma_rebuilt_cells_alone_are_not_strong(adrian: pd.DataFrame) -> None:
    row = adrian.loc["biopharmaceuticals"]
    # Four rebuilt cells make the LQ 8.45, but the published cells hold none of it: the bound is 0.
    assert row["lq"] == pytest.approx(8.4513, abs=1e-4)
    assert row["lq_low"] == 0.0 and row["lq_high"] == pytest.approx(20.1286, abs=1e-4)
    assert row["imputed_cells"] == 4
    assert not bool(row["strong_cluster"])
    assert row["employment_low"] == 0.0
    assert row["strong_cluster_reason"] == (
        "not strong (uncertain: the LQ passes, its lower bound does not): LQ 8.45, with employment_low 0 < 75th "
        "percentile 1.63; LQ with employment_low < 1"
    )
    # Adrian's automotive cluster is strong on its bound: 1,453 of its 1,872.48 jobs are certain, so its LQ is at
    # least 15.25 x 1453 / 1872.48 = 11.83, above the 75th percentile 2.66.
    auto = adrian.loc["automotive"]
    assert auto["employment_low"] == 1453.0 and auto["employment"] == pytest.approx(1872.48)
    assert bool(auto["strong_cluster"])
    assert auto["strong_cluster_reason"].startswith("strong: LQ 15.3, with employment_low 11.8 >= 75th percentile 2.66")
    strong = sorted(adrian.index[adrian["strong_cluster"].fillna(False).astype(bool)])
    assert strong == ["automotive", "metalworking_technology", "plastics"]


def test_detroit_automotive_stays_strong(detroit: pd.DataFrame) -> None:
    row = detroit.loc["automotive"]
    assert row["lq"] == pytest.approx(8.2215, abs=1e-4)
    assert row["lq_low"] == pytest.approx(4.0151, abs=1e-4) and row["lq_high"] == pytest.approx(12.7521, abs=1e-4)
    assert bool(row["strong_cluster"])
    assert row["strong_cluster_reason"].startswith("strong: LQ 8.22, with employment_low 8.22 >= 75th percentile 2.66")
    # Recreational and small electric goods: its one rebuilt cell must hold its jobs (employment_low = employment),
    # so it stays strong at LQ 1.54 although lq_low, which also moves the national total to its extreme, is 0.29.
    small = detroit.loc["recreational_and_small_electric_goods"]
    assert small["employment_low"] == small["employment"] == 2573.0
    assert small["lq_low"] == pytest.approx(0.2911, abs=1e-4)
    assert bool(small["strong_cluster"])
    strong = sorted(detroit.index[detroit["strong_cluster"].fillna(False).astype(bool)])
    assert strong == [
        "automotive",
        "business_services",
        "financial_services",
        "metalworking_technology",
        "recreational_and_small_electric_goods",
        "transportation_and_logistics",
    ]


def test_strong_region_clusters_across_us(warehouse: Warehouse) -> None:
    # 933 CBSAs x 51 traded clusters: 5,701 strong on the rebuilt expected values; 3,650 with the areas' own bound
    # (3,649 while rebuilt establishments were summed as floats: 20 areas' half an establishment of environmental
    # services came to 0.4999999999999999, below the presence test, and Syracuse missed the 75th percentile).
    regions = profile_region(warehouse, region=DETROIT).regions
    assert int(regions["strong_cluster"].fillna(False).astype(bool).sum()) == 3650
    syracuse = regions.set_index(["area_code", "cluster_id"]).loc[("45060", "environmental_services")]
    assert bool(syracuse["strong_cluster"]) and syracuse["establishments"] == 26.0


def test_strong_rule_is_in_the_provenance(warehouse: Warehouse) -> None:
    rebuilt = profile_region(warehouse, region=DETROIT)
    published = profile_region(warehouse, region=DETROIT, cells="published")
    assert rebuilt.parameters["strong_rule"] == STRONG_RULE_WITH_REBUILT_CELLS
    assert "strong_rule" not in published.parameters
    # On published cells the LQ has no interval from rebuilt cells and the rule is the portal's own.
    auto = published.clusters.set_index("cluster_id").loc["automotive"]
    assert auto["lq"] == pytest.approx(17.0814, abs=1e-4) and bool(auto["strong_cluster"])


def test_portal_convention_flags_honour_the_bound_too(warehouse: Warehouse) -> None:
    # --convention cluster-mapping: the portal's traded-employment LQ (Adrian biopharmaceuticals 8.76) with the
    # same bound; the flags of the 9 clusters strong on expected values shrink to the 3 the data establish.
    table = profile_region(warehouse, region=ADRIAN, convention="cluster_mapping").clusters.set_index("cluster_id")
    assert table.loc["biopharmaceuticals", "cmp_lq"] == pytest.approx(8.7586, abs=1e-4)
    assert not bool(table.loc["biopharmaceuticals", "cmp_strong"])
    assert bool(table.loc["automotive", "cmp_strong"]) and bool(table.loc["automotive", "cmp_strong10"])
    strong = sorted(table.index[table["cmp_strong"].fillna(False).astype(bool)])
    assert strong == ["automotive", "metalworking_technology", "plastics"]
