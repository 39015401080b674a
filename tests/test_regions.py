"""The one region resolver: codes, names, parts of names, aliases, groups, did-you-mean; composite regions."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from _util import run_cli
from clusterplan import UnknownCodeError, Warehouse, profile_region
from clusterplan._data import dataset_path
from clusterplan._exceptions import ParameterError
from clusterplan.pipeline.hotspots import hotspot_values, hotspots
from clusterplan.regions import Gazetteer, cbsa_types, load_region_groups, package_places, resolve_area_code
from clusterplan.report import hotspot_map_svg
from clusterplan.sources.cbsa import cbsa_table, read_cbsa_delineation
from clusterplan.sources.ons_geography import load_boundaries

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


# -- US metros ------------------------------------------------------------------------------------------------

US_CBSA = package_places().query("area_level == 'cbsa'")["area_code"].tolist()


@pytest.fixture(scope="module")
def us() -> Gazetteer:
    return Gazetteer(US_CBSA)


def test_every_cbsa_in_the_cbp_data_has_a_name_and_a_type() -> None:
    cbp = pd.read_parquet(dataset_path("us_cbp_2019_cbsa"), columns=["area_code"])["area_code"].unique()
    names = package_places().set_index("area_code")["area_name"]
    assert len(cbp) == 933
    assert names.reindex(cbp).notna().all() and (names.reindex(cbp).str.len() > 3).all()
    types = cbsa_types()
    assert pd.Series([types[c] for c in cbp]).value_counts().to_dict() == {"micropolitan": 550, "metropolitan": 383}
    assert names["19820"] == "Detroit-Warren-Dearborn, MI" and names["220"] == "Detroit-Warren-Ann Arbor, MI"


@pytest.mark.parametrize(
    "text", ["19820", "Detroit-Warren-Dearborn, MI", "detroit-warren-dearborn mi", "Detroit", "Detroit, MI"]
)
def test_us_code_full_title_and_unique_part(us: Gazetteer, text: str) -> None:
    region = us.resolve(text)
    assert (region.code, region.name, region.geography) == ("19820", "Detroit-Warren-Dearborn, MI", "us")


def test_us_ambiguous_part_and_typo(us: Gazetteer) -> None:
    with pytest.raises(UnknownCodeError) as info:
        us.resolve("Portland")
    assert info.value.choices == [
        "Portland-South Portland, ME (38860)",
        "Portland-Vancouver-Hillsboro, OR-WA (38900)",
    ]
    with pytest.raises(UnknownCodeError, match=r"did you mean Detroit-Warren-Dearborn, MI \(19820\)"):
        us.resolve("Detriot")


def test_a_csa_is_its_cbsas_analysed_as_one(us: Gazetteer) -> None:
    region = us.resolve("Detroit-Warren-Ann Arbor, MI")
    assert region.code == "220" and "19820" in region.members and "11460" in region.members  # Ann Arbor
    assert region.composite and region.mapping[0].startswith("Detroit-Warren-Ann Arbor, MI (220) = ")


def test_metro_benchmark_and_metro_peers(warehouse: Warehouse) -> None:
    metros = profile_region(warehouse, region="Detroit", benchmark="metro")
    assert metros.parameters["benchmark_label"] == "all metropolitan areas"
    assert len(metros.parameters["benchmark_areas"]) == 383
    auto = metros.clusters.set_index("cluster_id").loc["automotive"]
    everyone = profile_region(warehouse, region="Detroit").clusters.set_index("cluster_id").loc["automotive"]
    # The benchmark is the metros' own jobs: fewer than all areas', and the LQ is against their share.
    assert auto["employment"] == everyone["employment"]
    assert auto["benchmark_employment"] < everyone["benchmark_employment"]
    totals = metros.totals
    assert (
        totals["benchmark_total_employment"]
        < profile_region(warehouse, region="19820").totals["benchmark_total_employment"]
    )
    share = auto["employment"] / totals["region_total_employment"]
    metro_share = auto["benchmark_employment"] / totals["benchmark_total_employment"]
    assert auto["lq"] == pytest.approx(share / metro_share)
    peers = profile_region(warehouse, region="Kalamazoo", benchmark="peers").parameters["benchmark_areas"]
    assert len(peers) == 9 and all(cbsa_types()[p] == "metropolitan" for p in peers)


def test_delineation_reader_on_the_published_file(shared_data) -> None:  # type: ignore[no-untyped-def]
    counties = read_cbsa_delineation(shared_data / "us/cbsa/list1_2018_04.xls")
    assert len(counties) == 1900 and counties["cbsa_code"].nunique() == 946
    detroit = counties[counties["cbsa_code"] == "19820"]
    assert detroit["county_fips"].tolist() == ["26087", "26093", "26099", "26125", "26147", "26163"]
    table = cbsa_table(counties).set_index("cbsa_code")
    assert table.loc["35620", ["principal_state", "states", "counties"]].tolist() == ["NY", "NY-NJ-PA", 25]


def test_us_hotspots_of_cbsa_location_quotients(warehouse: Warehouse) -> None:
    result = hotspots(warehouse, measure="lq", cluster="automotive", level="cbsa", taxonomy="us_cmp_traded_2014",
                      permutations=99)  # fmt: skip
    table = result.table.set_index("area_code")
    # Contiguous United States: the 8 CBSAs of Alaska and Hawaii are left out (and said so).
    assert len(table) == 925 and len(result.excluded) == 8 and "46520" in result.excluded  # Urban Honolulu
    # The mapped LQ is the profile's LQ against all CBSAs.
    detroit = profile_region(warehouse, region="19820").clusters.set_index("cluster_id").loc["automotive", "lq"]
    assert table.loc["19820", "value"] == pytest.approx(detroit)
    assert table.loc["19820", "area_name"] == "Detroit-Warren-Dearborn, MI"
    # Each CBSA has at least its 6 nearest CBSAs as neighbours; the automotive belt is spatially clustered.
    assert table["neighbours"].min() >= 6 and result.moran_i > 0.05 and result.moran_p < 0.05
    assert "nearest CBSAs" in result.parameters["weights"]
    svg = hotspot_map_svg(result)
    assert svg.count("<path") > 2 * 900 and "County Business Patterns" in svg and "Crown" not in svg


def test_us_hotspots_honour_the_published_or_reconstructed_cells(warehouse: Warehouse) -> None:
    rebuilt, about_rebuilt = hotspot_values(warehouse, measure="employment", cluster="automotive", level="cbsa",
                                            taxonomy="us_cmp_traded_2014")  # fmt: skip
    published, about = hotspot_values(warehouse, measure="employment", cluster="automotive", level="cbsa",
                                       taxonomy="us_cmp_traded_2014", cells="published")  # fmt: skip
    assert (about_rebuilt["cells"], about["cells"]) == ("reconstructed", "published")
    # Detroit's automotive cells are all published; across the CBSAs, more than half the cluster's jobs sit in
    # cells CBP withholds, so a map of published cells only leaves most of the cluster out.
    assert rebuilt["19820"] == published["19820"] == 77_178
    assert (published <= rebuilt + 1e-6).all() and published.sum() < 0.5 * rebuilt.sum()
    with pytest.raises(UnknownCodeError, match="cells"):
        hotspot_values(warehouse, measure="lq", cluster="automotive", level="cbsa", taxonomy="us_cmp_traded_2014",
                       cells="imputed")  # fmt: skip


def test_cbsa_boundaries_cover_every_cbsa() -> None:
    shapes = load_boundaries("cbsa")
    codes = {f["properties"]["code"] for f in shapes["features"]}
    assert len(codes) == 946 and set(US_CBSA) <= codes
    detroit = next(f for f in shapes["features"] if f["id"] == "19820")
    assert detroit["properties"]["name"] == "Detroit-Warren-Dearborn, MI"
    assert detroit["geometry"]["type"] in ("Polygon", "MultiPolygon")


def test_run_with_a_users_region_group_shows_the_mapping(tmp_path, warehouse_path) -> None:  # type: ignore[no-untyped-def]
    groups = tmp_path / "groups.yaml"
    groups.write_text("groups:\n  Northern Arc: [TLD3, TLE4]\n")
    copy = tmp_path / "w.duckdb"
    copy.write_bytes(warehouse_path.read_bytes())
    result = run_cli("run", "--quiet", "--region", "Northern Arc", "--region-groups", str(groups), "--analyses",
                     "none", "--out", str(tmp_path / "o"), "--warehouse", str(copy))  # fmt: skip
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].startswith("Northern Arc (TLD3+TLE4) against Great Britain, 2021")
    assert lines[1].startswith("region: Northern Arc = 2 areas analysed as one: Greater Manchester (TLD3)")
    run = json.loads((tmp_path / "o" / "run.json").read_text())
    assert run["region"]["members"] == ["TLD3", "TLE4"] and run["region"]["input"] == "Northern Arc"


def test_gazetteer_reads_places_column_by_column() -> None:
    """Names, levels, parents and geographies as the rows say; a missing name or parent is left out, a missing
    column reads as empty, and a later row of the same code does not count."""
    places = pd.DataFrame(
        {
            "area_code": ["A1", "A2", "B", "A1"],
            "area_name": ["Alpha one", None, "Beta", "Other"],
            "area_level": ["district", "district", "region", "x"],
            "parent_code": ["B", "", None, "Z"],
        }
    ).astype({"area_code": "str", "area_name": "str", "parent_code": "str"})
    places.loc[3, "area_level"] = None
    gaz = Gazetteer(["A1", "A2"], places, groups={})
    assert gaz.names() == {"A1": "Alpha one", "B": "Beta"}
    assert gaz.parents() == {"A1": "B"}
    assert [gaz._level[c] for c in ("A1", "A2", "B")] == ["district", "district", "region"]
    assert gaz.geography("B") == "" and gaz.name("A2") == "A2"
    assert gaz.resolve("Alpha one").code == "A1"
