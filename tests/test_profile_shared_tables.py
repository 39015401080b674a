"""What the profiles and industry measures take from tables shared by every area: the same numbers as the
region's own computation, and the rows of the right level, region and parameters."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from clusterplan import Warehouse
from clusterplan.datasets import CBP_METROS
from clusterplan.pipeline import profile as profile_module
from clusterplan.pipeline.profile import industry_measures

CBP = "us/cbp/cbp2019_cbsa_naics2to6_emp_estab.csv"


@pytest.fixture(scope="module")
def cbp(shared_data: Path) -> pd.DataFrame:
    return pd.read_csv(shared_data / CBP, dtype={"cbsa_code": str, "naics_code": str})


def test_industry_measures_establishments_are_the_levels_own_counts(warehouse: Warehouse, cbp: pd.DataFrame) -> None:
    # The counts are read for the level's codes only: every area's 2-digit rows still get their published count.
    table = industry_measures(warehouse, level="naics2", cells="published")
    raw = cbp[(cbp.naics_code.str.len() == 2) & (cbp.naics_code != "00")]
    merged = table.merge(
        raw.rename(columns={"cbsa_code": "area_code", "naics_code": "industry_code"}),
        on=["area_code", "industry_code"],
        how="inner",
    )
    assert len(merged) == len(raw) > 14_000
    assert merged["establishments"].to_numpy() == pytest.approx(merged["ESTAB"].to_numpy(), rel=1e-12)


def test_establishments_of_a_level_without_counts_fall_back_to_every_level(warehouse: Warehouse) -> None:
    datasets = profile_module.cell_datasets(profile_module.DATASET_PROFILES[CBP_METROS], "published")
    every = profile_module._establishments(warehouse, datasets, 2019, None)
    # A level no code is at: no counts of its own, so the table gets the every-level counts, as before.
    none_at_level = profile_module._establishments(warehouse, datasets, 2019, None, ("naics2017", "no_such_level"))
    assert every is not None and none_at_level is not None
    key = ["area_code", "industry_code"]
    pd.testing.assert_frame_equal(
        every.sort_values(key).reset_index(drop=True), none_at_level.sort_values(key).reset_index(drop=True)
    )
    two = profile_module._establishments(warehouse, datasets, 2019, None, ("naics2017", "naics2"))
    level_codes = set(industry_measures(warehouse, level="naics2", cells="published")["industry_code"])
    assert two is not None and set(two["industry_code"]) <= level_codes and 0 < len(two) < len(every) / 20


def test_later_us_profiles_take_their_unclassified_rows_from_every_areas_sums(warehouse: Warehouse) -> None:
    from clusterplan import profile_region

    # Atlanta first (the nation's sums and its own from one scan), then the others from every area's sums,
    # which must give each region the table its own query gives; another taxonomy has its own sums.
    for taxonomy in ("us_cmp_traded_2014", "us_cmp_2007"):
        profiles = [
            profile_region(warehouse, region=region, taxonomy=taxonomy, cells="published")
            for region in ("12060", "19820", "35620")
        ]
        for profile in profiles:
            tax = profile.taxonomy
            level = profile_module.DATASET_PROFILES[CBP_METROS]
            datasets = profile_module.cell_datasets(level, "published")
            units = profile_module._unit_rows(
                warehouse, profile_module.dataset_rows(warehouse, datasets), level.classification, level.unit_level
            )
            codes = units.select("industry_code").distinct().to_pandas()["industry_code"].tolist()
            own = profile_module.unclassified_industries(units, tax, codes, profile.region_code, 2019)
            pd.testing.assert_frame_equal(profile.unclassified, own)
            assert own["employment"].sum() > 0
        detroit = profiles[1].unclassified.set_index("industry_code")
        assert detroit.loc["336390", "employment"] == 13_098  # tests/test_us_names_and_unclassified.py
    # A region of several areas sums its members' rows.
    both = profile_region(warehouse, region="12060+19820", cells="published").unclassified.set_index("industry_code")
    atlanta = profile_region(warehouse, region="12060", cells="published").unclassified.set_index("industry_code")
    assert both.loc["336390", "employment"] == atlanta.loc["336390", "employment"] + 13_098


def test_expressions_are_kept_per_read_only_connection(warehouse_path: Path, warehouse: Warehouse) -> None:
    built: list[int] = []

    def build() -> object:
        built.append(1)
        return warehouse.facts.filter(warehouse.facts.year == 2019)

    first = profile_module._expression(warehouse, ("test_expression", 1), build)
    assert profile_module._expression(warehouse, ("test_expression", 1), build) is first and len(built) == 1
    assert profile_module._expression(warehouse, ("test_expression", 2), build) is not first and len(built) == 2
    assert profile_module._expression(warehouse, ("test_expression", 1), build, keep=False) is not first
    assert warehouse.table("facts") is warehouse.table("facts")
    # Another connection has its own; a writable warehouse keeps none.
    with Warehouse(warehouse_path, read_only=True) as other:
        assert profile_module._expression(other, ("test_expression", 1), build) is not first
        assert other.table("facts") is not warehouse.table("facts")
    with Warehouse(":memory:") as writable:
        assert writable.table("facts") is not writable.table("facts")
        kept = [profile_module._expression(writable, ("test_expression", 1), lambda: object()) for _ in range(2)]
        assert kept[0] is not kept[1]


@pytest.mark.parametrize("taxonomy", ["wmca_plan_for_growth", "gb_data_driven_sic"])
def test_every_areas_productivity_is_each_areas_own(warehouse: Warehouse, taxonomy: str) -> None:
    from clusterplan import load_taxonomy
    from clusterplan.pipeline.productivity import cluster_productivity, cluster_productivity_by_area

    codes = warehouse.fact_industry_codes("bres_itl2_sic5", code_length=5)
    mapping = load_taxonomy(taxonomy).mapping(list(codes), strict=True)
    every = cluster_productivity_by_area(warehouse, mapping, year=2021)
    assert len(every) == 40 and "TLG3" in every
    columns = ["gva_gbp_million", "gva_per_job_gbp", "relative_productivity"]
    for area in ("TLG3", "TLC1", "TLI3", "TLM9"):
        own = cluster_productivity(warehouse, mapping, region=area, year=2021).set_index("cluster_id")[columns]
        pd.testing.assert_frame_equal(every[area], own, check_exact=True, check_index_type=False)
        assert every[area]["gva_per_job_gbp"].notna().any()
    # Another year is another estimate.
    assert not every["TLG3"].equals(cluster_productivity_by_area(warehouse, mapping, year=2019)["TLG3"])


def test_taxonomy_mappings_are_kept_per_taxonomy_codes_and_strictness() -> None:
    from clusterplan import load_taxonomy

    gb, us = load_taxonomy("wmca_plan_for_growth"), load_taxonomy("us_cmp_traded_2014")
    codes = ("30300", "33160", "29100", "62012")
    kept = profile_module._taxonomy_mapping(gb, codes, False)
    pd.testing.assert_frame_equal(kept, gb.mapping(list(codes), strict=False))
    assert profile_module._taxonomy_mapping(gb, codes, False) is kept
    assert set(kept["industry_code"]) <= set(codes)
    assert len(kept) > 0 and len(profile_module._taxonomy_mapping(gb, codes[:2], False)) < len(kept)
    assert profile_module._taxonomy_mapping(us, codes, False).empty  # another taxonomy: its own mapping
    naics = ("336390", "336111", "541511")
    pd.testing.assert_frame_equal(
        profile_module._taxonomy_mapping(us, naics, False), us.mapping(list(naics), strict=False)
    )


def test_each_areas_row_positions_are_kept_once_per_tables(
    warehouse: Warehouse, monkeypatch: pytest.MonkeyPatch
) -> None:
    from clusterplan import _cache, profile_region

    _cache.clear(warehouse)  # nothing kept from earlier tests: the positions are found here
    found: list[tuple[profile_module._AreaTables, profile_module._AreaPositions]] = []
    original = profile_module._area_positions

    def spy(tables: profile_module._AreaTables) -> profile_module._AreaPositions:
        found.append((tables, original(tables)))
        return found[-1][1]

    monkeypatch.setattr(profile_module, "_area_positions", spy)
    profiles = [
        profile_region(warehouse, region=region, taxonomy="wmca_plan_for_growth") for region in ("TLG3", "TLC1")
    ]
    assert len(found) == 1  # kept: the second region's profile used the first's
    tables, kept = found[0]
    fresh = original(tables)
    for name in ("panel", "union", "regions"):
        frame = getattr(tables, name)
        assert len(getattr(kept, name)) == 40 and getattr(kept, name).keys() == getattr(fresh, name).keys()
        for area, rows in getattr(kept, name).items():
            # What a mask of the area's code selects, in the same order.
            assert rows.tolist() == np.flatnonzero((frame["area_code"] == area).to_numpy()).tolist()
            assert rows.tolist() == getattr(fresh, name)[area].tolist()
    for profile in profiles:
        own = tables.panel[tables.panel["area_code"] == profile.region_code]
        assert profile.trend["employment"].sum() == pytest.approx(own["value"].sum(), rel=1e-12)
        assert sorted(profile.trend["year"].unique()) == sorted(own["year"].unique())
        focus = profile.regions[profile.regions["area_code"] == profile.region_code]
        assert (focus["area_name"] == profile.region_name).all() and len(focus) == len(profile.clusters)


def _union_read(rows: pd.DataFrame, mapping: pd.DataFrame) -> pd.DataFrame:
    """The union as the warehouse reads it: ``cluster_employment`` of the mapping's codes, on DuckDB."""
    from clusterplan.measures.employment import cluster_employment, memtable

    codes = memtable(mapping[["industry_code"]].drop_duplicates().assign(cluster_id="__all_clusters__"))
    read = cluster_employment(memtable(rows), codes).to_pandas()
    return read.sort_values(["area_code", "year"]).reset_index(drop=True)


def _panel_of(rows: pd.DataFrame, mapping: pd.DataFrame) -> pd.DataFrame:
    from clusterplan.measures.employment import memtable
    from clusterplan.measures.panel import measure_panel

    panel = measure_panel(memtable(rows), memtable(mapping), complete=True).to_pandas()
    return panel.rename(columns={"unit_code": "cluster_id", "employment": "value"})


def test_the_union_of_clusters_without_shared_codes_is_summed_from_the_panel_as_the_engine_sums_it() -> None:
    # 0.1 + 0.2 is 0.30000000000000004 in floats, the exact sum 0.3: the union must be the engine's exact sum.
    rows = pd.DataFrame(
        {
            "area_code": ["A", "A", "A", "B", "C"],
            "industry_code": ["x1", "y1", "z9", "x1", "z9"],
            "year": [2019] * 5,
            "value": [0.1, 0.2, 5.0, 7.25, 3.0],
            "flag": [None, "zero_may_be_suppressed", None, None, None],
        }
    )
    mapping = pd.DataFrame({"cluster_id": ["cx", "cy"], "industry_code": ["x1", "y1"]})
    union = profile_module._union_of_clusters(_panel_of(rows, mapping), mapping)
    assert union is not None
    union = union.sort_values(["area_code", "year"]).reset_index(drop=True)
    # C has no cell of a cluster: no row, as the engine's groups.
    assert union["area_code"].tolist() == ["A", "B"]
    assert union["value"].tolist() == [0.3, 7.25]
    pd.testing.assert_frame_equal(union, _union_read(rows, mapping), check_exact=True)


def test_the_union_of_clusters_is_read_when_codes_are_shared_or_a_sum_is_zero() -> None:
    rows = pd.DataFrame(
        {
            "area_code": ["A", "A", "B"],
            "industry_code": ["x1", "y1", "x1"],
            "year": [2019] * 3,
            "value": [4.0, 2.0, 0.0],
            "flag": [None, None, None],
        }
    )
    shared = pd.DataFrame({"cluster_id": ["cx", "cy", "cy"], "industry_code": ["x1", "y1", "x1"]})
    assert profile_module._union_of_clusters(_panel_of(rows, shared), shared) is None
    # B's clusters sum to 0: its cells might all be empty (the engine's sum NULL), so the union is read.
    apart = shared.iloc[:2]
    assert profile_module._union_of_clusters(_panel_of(rows, apart), apart) is None
    positive = rows.assign(value=[4.0, 2.0, 1.5])
    union = profile_module._union_of_clusters(_panel_of(positive, apart), apart)
    assert union is not None
    assert union.sort_values("area_code")["value"].tolist() == [6.0, 1.5]


def test_us_profiles_with_their_totals_read_into_memory_are_those_of_the_totals_expression(
    warehouse_path: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    from clusterplan import _cache, profile_region

    original = profile_module._read_total_rows
    read: list[object] = []

    def spy(warehouse: Warehouse, rows: object, profile: object) -> object:
        read.append(original(warehouse, rows, profile))  # type: ignore[arg-type]
        return read[-1]

    profiles = []
    for in_memory in (True, False):
        monkeypatch.setattr(
            profile_module,
            "_read_total_rows",
            spy if in_memory else (lambda _warehouse, rows, profile: profile_module._total_rows(rows, profile)),
        )
        monkeypatch.setenv("CLUSTERPLAN_CACHE", str(tmp_path / str(in_memory)))  # nothing kept between the two
        _cache.clear()
        with Warehouse(warehouse_path, read_only=True) as own:
            profiles.append(profile_region(own, region="19820", cells="published"))
    _cache.clear()
    assert len(read) == 1 and "InMemoryTable" in type(read[0].op()).__name__  # type: ignore[attr-defined]
    ours, expression = profiles
    pd.testing.assert_frame_equal(ours.clusters, expression.clusters, check_exact=True)
    pd.testing.assert_frame_equal(ours.regions, expression.regions, check_exact=True)
    assert ours.totals == expression.totals and ours.totals["region_total_employment"] > 1_000_000
