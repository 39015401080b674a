"""The one region resolver: codes, names, parts of names, aliases, groups, did-you-mean; composite regions."""

from __future__ import annotations

import pandas as pd
import pytest

from clusterplan import UnknownCodeError, Warehouse, profile_region
from clusterplan._exceptions import ParameterError
from clusterplan.regions import Gazetteer, load_region_groups, package_places, resolve_area_code

GB_ITL2 = package_places().query("area_level == 'itl2' and area_code != 'TLN0'")["area_code"].tolist()


@pytest.fixture(scope="module")
def gb() -> Gazetteer:
    return Gazetteer(GB_ITL2)


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("TLG3", "TLG3"),
        ("ukg3", "TLG3"),  # NUTS 2016 twin, any case
        ("West Midlands", "TLG3"),  # the dataset's own area before the ITL1 region of the same name
        ("greater  manchester", "TLD3"),
        ("WMCA", "TLG3"),
        ("West Midlands Combined Authority", "TLG3"),
        ("Liverpool City Region", "TLD7"),
    ],
)
def test_gb_codes_names_and_aliases(gb: Gazetteer, text: str, code: str) -> None:
    region = gb.resolve(text)
    assert region.code == code and region.members == (code,) and region.geography == "uk"


def test_wmca_alias_shows_its_mapping(gb: Gazetteer) -> None:
    region = gb.resolve("WMCA")
    assert region.name == "West Midlands Combined Authority"
    assert region.mapping == (
        "WMCA = West Midlands Combined Authority (E47000007): the same 7 districts as West Midlands (TLG3)",
    )


def test_misspelt_name_says_did_you_mean(gb: Gazetteer) -> None:
    with pytest.raises(UnknownCodeError) as info:
        gb.resolve("West Midland")
    message = str(info.value)
    assert message.startswith("unknown region 'West Midland'; did you mean West Midlands (TLG3)")
    assert "valid choices" not in message  # a short answer, not a list of 40 codes
    assert info.value.choices[0] == "West Midlands (TLG3)" and len(info.value.choices) >= 40


def test_ambiguous_part_lists_the_candidates(gb: Gazetteer) -> None:
    with pytest.raises(UnknownCodeError) as info:
        gb.resolve("Yorkshire")
    assert info.value.choices == [
        "East Yorkshire and Northern Lincolnshire (TLE1)",
        "North Yorkshire (TLE2)",
        "South Yorkshire (TLE3)",
        "West Yorkshire (TLE4)",
    ]
    assert "matches 4 areas" in str(info.value)


def test_area_inside_a_dataset_area_points_to_it(gb: Gazetteer) -> None:
    with pytest.raises(UnknownCodeError, match=r"Birmingham \(TLG31\) lies inside West Midlands \(TLG3\); use TLG3"):
        gb.resolve("Birmingham")
    with pytest.raises(UnknownCodeError, match=r"lies inside Tees Valley and Durham \(TLC1\)"):
        gb.resolve("Tees Valley Combined Authority")


def test_composites_of_itl1_codes_and_named_groups(gb: Gazetteer) -> None:
    midlands = ("TLF1", "TLF2", "TLF3", "TLG1", "TLG2", "TLG3")
    adhoc = gb.resolve("TLF,TLG")
    assert adhoc.code == "TLF+TLG" and adhoc.members == midlands and adhoc.composite
    assert adhoc.name == "East Midlands + West Midlands"
    assert gb.resolve(adhoc.code).members == midlands  # the code resolves to the same region again
    group = gb.resolve("Midlands")
    assert group.members == midlands and group.name == "Midlands" and group.code == "TLF+TLG"
    assert "Midlands = 6 areas analysed as one" in group.mapping[-1]
    assert gb.resolve("GLA").members == ("TLI3", "TLI4", "TLI5", "TLI6", "TLI7")
    assert gb.resolve("TLG3 + TLD3").members == ("TLD3", "TLG3")
    with pytest.raises(ParameterError, match="overlaps an earlier part"):
        gb.resolve("TLG,TLG3")


def test_region_groups_from_a_users_yaml(tmp_path, gb: Gazetteer) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "groups.yaml"
    path.write_text("groups:\n  Black Country and Birmingham: [TLG3]\n  Northern Arc: [TLD3, TLE4]\n")
    groups = load_region_groups(path)
    mine = Gazetteer(GB_ITL2, groups=groups)
    assert mine.resolve("northern arc").members == ("TLD3", "TLE4")
    path.write_text("groups:\n  Bad: 7\n")
    with pytest.raises(ParameterError, match="must map to a code or a list of codes"):
        load_region_groups(path)


def test_uk_areas_at_every_level() -> None:
    assert resolve_area_code("UKG3") == "TLG3"
    assert resolve_area_code("west midlands", level="itl2") == "TLG3"
    with pytest.raises(UnknownCodeError, match="did you mean"):
        resolve_area_code("Birmingam")


def test_composite_region_is_the_sum_of_its_parts(warehouse: Warehouse) -> None:
    midlands = profile_region(warehouse, region="TLF,TLG", year=2021, base_year=2015)
    assert midlands.region_code == "TLF+TLG"
    parts = [
        profile_region(warehouse, region=code, year=2021, base_year=2015)
        for code in midlands.parameters["region_members"]
    ]
    summed = sum(p.clusters.set_index("cluster_id")["employment"] for p in parts)
    whole = midlands.clusters.set_index("cluster_id")
    pd.testing.assert_series_equal(whole["employment"], summed.reindex(whole.index), check_names=False)
    base = sum(p.clusters.set_index("cluster_id")["employment_base_year"] for p in parts)
    pd.testing.assert_series_equal(whole["employment_base_year"], base.reindex(whole.index), check_names=False)
    total = sum(p.totals["region_total_employment"] for p in parts)
    assert midlands.totals["region_total_employment"] == pytest.approx(total)
    # Against the rest of GB: the benchmark (GB) is unchanged, so the LQ is the employment-weighted mix of the parts'.
    bench = parts[0].clusters.set_index("cluster_id")
    national_share = bench["benchmark_employment"] / parts[0].totals["benchmark_total_employment"]
    expected = summed / total / national_share
    pd.testing.assert_series_equal(whole["lq"], expected.reindex(whole.index), check_names=False)
    # 35 other areas plus the Midlands as one: ranks are out of 35.
    assert int(whole["n_regions"].max()) == 35
    meta = midlands.run_metadata()["region"]
    assert meta["members"] == ["TLF1", "TLF2", "TLF3", "TLG1", "TLG2", "TLG3"] and meta["composite"] is True
    assert meta["name"] == "East Midlands + West Midlands" and meta["mapping"]


def test_wmca_profile_is_the_west_midlands_profile(warehouse: Warehouse) -> None:
    wmca = profile_region(warehouse, region="WMCA")
    assert wmca.region_code == "TLG3" and wmca.run_metadata()["region"]["mapping"][0].startswith("WMCA = ")
    pd.testing.assert_frame_equal(wmca.clusters, profile_region(warehouse, region="TLG3").clusters)
