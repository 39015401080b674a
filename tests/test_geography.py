"""Geography: the built area tables, the NUTS 2016 → ITL 2021 crosswalk, boundaries and the raw-file parsers."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from clusterplan._data import dataset_path
from clusterplan._exceptions import DataValidationError, ParameterError, UnknownCodeError
from clusterplan.sources.ons_geography import (
    combined_authority_membership,
    crosswalk,
    lads_in,
    load_areas,
    load_boundaries,
    load_lad_combined_authority,
    load_lad_itl_lookup,
    match_nuts2016_to_itl2021,
    normalise_area_name,
    read_itl_names,
    read_lad_itl_lookup,
    read_mysociety_authorities,
    read_nomis_area_names,
    resolve_area_code,
)

FIXTURES = Path(__file__).parent / "fixtures" / "geography"
RAW = Path(__file__).resolve().parents[2] / "shared" / "data"

#: The 40 GB NUTS 2016 level-2 areas of BRES and their ITL 2021 codes (ONS, "International Territorial Levels").
NUTS_TO_ITL = {
    "UKC1": "TLC1", "UKC2": "TLC2", "UKD1": "TLD1", "UKD3": "TLD3", "UKD4": "TLD4", "UKD6": "TLD6", "UKD7": "TLD7",
    "UKE1": "TLE1", "UKE2": "TLE2", "UKE3": "TLE3", "UKE4": "TLE4", "UKF1": "TLF1", "UKF2": "TLF2", "UKF3": "TLF3",
    "UKG1": "TLG1", "UKG2": "TLG2", "UKG3": "TLG3", "UKH1": "TLH1", "UKH2": "TLH2", "UKH3": "TLH3", "UKI3": "TLI3",
    "UKI4": "TLI4", "UKI5": "TLI5", "UKI6": "TLI6", "UKI7": "TLI7", "UKJ1": "TLJ1", "UKJ2": "TLJ2", "UKJ3": "TLJ3",
    "UKJ4": "TLJ4", "UKK1": "TLK1", "UKK2": "TLK2", "UKK3": "TLK3", "UKK4": "TLK4", "UKL1": "TLL1", "UKL2": "TLL2",
    "UKM5": "TLM5", "UKM6": "TLM6", "UKM7": "TLM7", "UKM8": "TLM8", "UKM9": "TLM9",
}  # fmt: skip

WMCA_BOROUGHS = {
    "E08000025": "Birmingham",
    "E08000026": "Coventry",
    "E08000027": "Dudley",
    "E08000028": "Sandwell",
    "E08000029": "Solihull",
    "E08000030": "Walsall",
    "E08000031": "Wolverhampton",
}
NI_ITL3 = ["TLN06", "TLN07", "TLN08", "TLN09", "TLN0A", "TLN0B", "TLN0C", "TLN0D", "TLN0E", "TLN0F", "TLN0G"]


def _bbox(geometry: dict) -> tuple[float, float, float, float]:
    polygons = geometry["coordinates"] if geometry["type"] == "MultiPolygon" else [geometry["coordinates"]]
    points = [point for polygon in polygons for ring in polygon for point in ring]
    lons = [p[0] for p in points]
    lats = [p[1] for p in points]
    return min(lons), min(lats), max(lons), max(lats)


# -- crosswalk ---------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("nuts", "itl"), sorted(NUTS_TO_ITL.items()))
def test_crosswalk_maps_each_bres_area(nuts: str, itl: str) -> None:
    table = crosswalk().set_index("nuts2016_code")
    assert table.loc[nuts, "itl2021_code"] == itl
    assert table.loc[nuts, "level"] == "itl2"
    assert resolve_area_code(nuts) == itl


def test_crosswalk_has_exactly_the_40_areas_and_records_name_differences() -> None:
    table = crosswalk().set_index("nuts2016_code")
    assert sorted(table.index) == sorted(NUTS_TO_ITL)
    assert table["name_match"].value_counts().to_dict() == {"exact": 37, "normalised": 2, "known_variant": 1}
    assert list(table.loc["UKC2", ["nuts2016_name", "itl2021_name", "name_match"]]) == [
        "Northumberland and Tyne and Wear",
        "Northumberland, and Tyne and Wear",
        "normalised",
    ]
    assert list(table.loc["UKL1", ["nuts2016_name", "itl2021_name"]]) == ["West Wales", "West Wales and The Valleys"]
    assert list(table.loc["UKG3", ["nuts2016_name", "itl2021_name", "name_match"]]) == [
        "West Midlands",
        "West Midlands",
        "exact",
    ]


@pytest.mark.skipif(not RAW.exists(), reason="raw data folder ../shared/data not present")
def test_crosswalk_rebuilt_from_the_raw_files_equals_the_packaged_table() -> None:
    nuts = read_nomis_area_names(RAW / "uk/bres_itl2/bres_employment_itl2_nuts2016_sic2_2015_2021.csv")
    itl = read_itl_names(RAW / "uk/gva_itl/Table_2c_ITL2_current_price_estimates_pounds_million_2024.csv")
    rebuilt = match_nuts2016_to_itl2021(nuts, itl).sort_values("nuts2016_code").reset_index(drop=True)
    packaged = crosswalk()
    pd.testing.assert_frame_equal(rebuilt.astype(object), packaged.astype(object))


# -- areas and lookups -------------------------------------------------------------------------------------------


def test_area_levels_and_hierarchy() -> None:
    areas = load_areas().set_index("area_code")
    counts = areas["area_level"].value_counts().to_dict()
    assert counts == {
        "lad": 361,
        "itl3": 179,
        "itl2": 41,
        "combined_authority": 15,
        "itl1": 12,
        "country": 4,
        "country_group": 2,
    }
    assert areas.loc["K03000001", "parent_code"] == "K02000001"
    assert areas.loc["TLG", "parent_code"] == "K03000001"
    assert areas.loc["TLN", "parent_code"] == "K02000001"  # Northern Ireland is outside Great Britain
    assert list(areas.loc["TLG3", ["area_name", "parent_code", "alt_code", "geography"]]) == [
        "West Midlands",
        "TLG",
        "UKG3",
        "uk",
    ]
    assert areas.loc["TLG31", "parent_code"] == "TLG3"
    assert list(areas.loc["E08000025", ["area_name", "parent_code"]]) == ["Birmingham", "TLG31"]
    assert list(areas.loc["E47000007", ["area_name", "parent_code"]]) == ["West Midlands Combined Authority", "TLG"]
    # Greater Lincolnshire spans Yorkshire and The Humber and the East Midlands: its parent is England.
    assert areas.loc["E47000017", "parent_code"] == "E92000001"
    # ITL names come from the GVA tables, not the shapefile ("Durham CC", not "Durham").
    assert areas.loc["TLC14", "area_name"] == "Durham CC"
    parents = areas["parent_code"].dropna()
    assert parents.isin(areas.index).all()
    level_of_parent = areas.loc[parents.to_numpy(), "area_level"].to_numpy()
    expected = {"itl2": "itl1", "itl3": "itl2", "lad": "itl3"}
    for level, parent_level in expected.items():
        mask = (areas.loc[parents.index, "area_level"] == level).to_numpy()
        assert set(level_of_parent[mask]) == {parent_level}


def test_load_areas_level_filter_and_bad_level() -> None:
    assert len(load_areas(["itl1", "itl2"])) == 53
    with pytest.raises(ParameterError, match="unknown area level 'region'"):
        load_areas("region")


def test_lad_itl_lookup() -> None:
    lookup = load_lad_itl_lookup().set_index("lad_code")
    assert len(lookup) == 361
    assert set(lookup["match"]) == {"contains"}
    assert list(lookup.loc["E06000001", ["itl3_code", "itl2_code", "itl1_code"]]) == ["TLC11", "TLC1", "TLC"]
    assert lookup.loc["N09000003", "itl3_code"] == "TLN06"


def test_wmca_is_the_seven_boroughs_of_itl2_west_midlands() -> None:
    members = load_lad_combined_authority()
    wmca = members[members["combined_authority_code"] == "E47000007"]
    assert dict(zip(wmca["lad_code"], wmca["lad_name"], strict=True)) == WMCA_BOROUGHS
    assert set(wmca["combined_authority_name"]) == {"West Midlands Combined Authority"}
    assert lads_in("TLG3") == sorted(WMCA_BOROUGHS)
    assert lads_in("UKG3") == sorted(WMCA_BOROUGHS)
    assert lads_in("West Midlands Combined Authority") == sorted(WMCA_BOROUGHS)
    lookup = load_lad_itl_lookup().set_index("lad_code")
    assert set(lookup.loc[sorted(WMCA_BOROUGHS), "itl2_code"]) == {"TLG3"}


def test_combined_authority_members_through_a_county() -> None:
    members = load_lad_combined_authority().set_index("lad_code")
    assert not members.index.duplicated().any()
    # Amber Valley belongs to the East Midlands CCA through Derbyshire County Council.
    assert list(members.loc["E07000032", ["combined_authority_code", "via_county_code"]]) == [
        "E47000013",
        "E10000007",
    ]
    # Cambridge is listed itself and through Cambridgeshire: one direct membership.
    assert list(members.loc["E07000008", ["combined_authority_code", "via_county_code"]]) == ["E47000008", ""]


def test_lads_in_groups() -> None:
    assert len(lads_in("K03000001")) == 350  # 296 England + 22 Wales + 32 Scotland
    assert len(lads_in("UK")) == 361
    assert len(lads_in("E92000001")) == 296
    assert lads_in("Belfast", level="lad") == ["N09000003"]
    assert len(lads_in("TLN")) == 11


# -- resolving codes ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "level", "expected"),
    [
        ("UKG3", None, "TLG3"),
        ("tlg3", None, "TLG3"),
        ("ukg31", None, "TLG31"),
        ("West Midlands", "itl2", "TLG3"),
        ("west midlands", "itl1", "TLG"),
        ("  Tees Valley and Durham ", None, "TLC1"),
        ("Northern Ireland", None, "TLN"),  # TLN, TLN0 and N92000002 are the same territory
        ("Birmingham", None, "TLG31"),  # ITL3 preferred to the LAD of the same name
        ("Birmingham", "lad", "E08000025"),
        ("e08000025", None, "E08000025"),
        ("TLB", None, "E92000001"),
        ("UK", None, "K02000001"),
        ("GB", None, "K03000001"),
    ],
)
def test_resolve_area_code(text: str, level: str | None, expected: str) -> None:
    assert resolve_area_code(text, level=level) == expected


def test_resolve_ambiguous_name_lists_the_candidates() -> None:
    with pytest.raises(UnknownCodeError) as info:
        resolve_area_code("West Midlands")
    message = str(info.value)
    assert "TLG (itl1)" in message and "TLG3 (itl2)" in message
    assert "level=" in message


def test_resolve_unknown_code_lists_valid_codes_closest_first() -> None:
    with pytest.raises(UnknownCodeError) as info:
        resolve_area_code("TLG3X")
    error = info.value
    assert error.code == "TLG3X"
    assert error.choices[0] == "TLG3"
    assert "valid choices: TLG3" in str(error)
    with pytest.raises(UnknownCodeError, match="did you mean"):
        resolve_area_code("Birmingam")
    with pytest.raises(UnknownCodeError, match="unknown itl2 area 'TLG31'"):
        resolve_area_code("TLG31", level="itl2")
    with pytest.raises(ParameterError, match="unknown area level"):
        resolve_area_code("TLG3", level="nuts2")


# -- boundaries --------------------------------------------------------------------------------------------------


def test_itl3_boundaries_match_areas() -> None:
    features = load_boundaries("itl3")["features"]
    codes = [f["properties"]["code"] for f in features]
    areas = load_areas("itl3")
    assert len(codes) == 179
    assert sorted(codes) == sorted(areas["area_code"])
    assert sorted(c for c in codes if c.startswith("TLN")) == NI_ITL3
    assert len([c for c in codes if not c.startswith("TLN")]) == 168  # Great Britain
    names = dict(zip(areas["area_code"], areas["area_name"], strict=True))
    assert all(f["properties"]["name"] == names[f["id"]] for f in features)


def test_dissolved_itl2_and_itl1_contain_their_children() -> None:
    itl3 = {f["id"]: _bbox(f["geometry"]) for f in load_boundaries("itl3")["features"]}
    itl2 = {f["id"]: _bbox(f["geometry"]) for f in load_boundaries("itl2")["features"]}
    itl1 = {f["id"]: _bbox(f["geometry"]) for f in load_boundaries("itl1")["features"]}
    assert len(itl2) == 41 and "TLN0" in itl2
    assert sorted(itl2) == sorted(load_areas("itl2")["area_code"])
    assert len(itl1) == 12
    for children, parents, width in ((itl3, itl2, 4), (itl2, itl1, 3)):
        for code, (x0, y0, x1, y1) in children.items():
            px0, py0, px1, py1 = parents[code[:width]]
            assert px0 <= x0 and py0 <= y0 and x1 <= px1 and y1 <= py1, code
    # A dissolved parent reaches exactly as far as its children.
    tlg3 = [box for code, box in itl3.items() if code.startswith("TLG3")]
    assert itl2["TLG3"] == (
        min(b[0] for b in tlg3),
        min(b[1] for b in tlg3),
        max(b[2] for b in tlg3),
        max(b[3] for b in tlg3),
    )


@pytest.mark.parametrize("level", ["itl1", "itl2", "itl3", "lad"])
def test_boundaries_are_wgs84_longitude_latitude_of_the_uk(level: str) -> None:
    collection = load_boundaries(level)
    assert collection["type"] == "FeatureCollection"
    boxes = [_bbox(f["geometry"]) for f in collection["features"]]
    # The UK, Shetland and the Isles of Scilly included, lies within 8.7°W-1.8°E and 49.8°N-60.9°N.
    assert min(b[0] for b in boxes) >= -8.7 and max(b[2] for b in boxes) <= 1.8
    assert min(b[1] for b in boxes) >= 49.8 and max(b[3] for b in boxes) <= 60.9
    assert max(b[2] for b in boxes) > 1.7 and max(b[3] for b in boxes) > 60.8  # Lowestoft, Shetland


def test_birmingham_shapes_are_where_birmingham_is() -> None:
    # Birmingham city centre, Victoria Square: 1.9030°W, 52.4797°N.
    for level, code in (("itl3", "TLG31"), ("lad", "E08000025")):
        feature = next(f for f in load_boundaries(level)["features"] if f["id"] == code)
        x0, y0, x1, y1 = _bbox(feature["geometry"])
        assert x0 < -1.9030 < x1 and y0 < 52.4797 < y1
    lad_codes = {f["id"] for f in load_boundaries("lad")["features"]}
    assert lad_codes == set(load_lad_itl_lookup()["lad_code"])


def test_load_boundaries_bad_level() -> None:
    with pytest.raises(ParameterError, match="unknown boundary level 'msoa'"):
        load_boundaries("msoa")


def test_us_shapes_and_county_fips() -> None:
    counties = json.loads(dataset_path("boundaries_us_counties").read_text())
    assert counties["type"] == "Topology"
    assert len(counties["objects"]["counties"]["geometries"]) == 3231
    fips = pd.read_parquet(dataset_path("us_county_fips"))
    kings = fips[fips["county_fips"] == "36047"]
    assert set(kings["county_name"]) == {"Kings County", "Brooklyn Borough"}
    assert set(kings["state_name"]) == {"New York"}
    assert fips.loc[fips["county_fips"] == "01001", "county_name"].tolist() == ["Autauga County"]


# -- parsers on miniature files ------------------------------------------------------------------------------------


def _write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_read_lad_itl_lookup_fixture() -> None:
    frame = read_lad_itl_lookup(FIXTURES / "lad23_to_itl_mini.csv")
    assert len(frame) == 15
    row = frame.set_index("lad_code").loc["E07000032"]
    assert list(row) == ["Amber Valley", "TLF13", "South and West Derbyshire", "TLF1", "TLF", "contains"]


def test_read_lad_itl_lookup_errors(tmp_path: Path) -> None:
    lines = (FIXTURES / "lad23_to_itl_mini.csv").read_text().splitlines()
    duplicate = _write(tmp_path, "dup.csv", "\n".join([*lines, lines[6]]) + "\n")
    with pytest.raises(DataValidationError) as info:
        read_lad_itl_lookup(duplicate)
    assert info.value.row == 16 and info.value.code == "E08000025"
    assert "dup.csv" in str(info.value) and "duplicate LAD code (first seen in row 6)" in str(info.value)

    header = lines[0].replace("ITL221CD,", "")
    body = [",".join(p for i, p in enumerate(line.split(",")) if i != 4) for line in lines[1:]]
    missing = _write(tmp_path, "missing.csv", "\n".join([header, *body]) + "\n")
    with pytest.raises(DataValidationError, match=r"missing\.csv: missing column\(s\) ITL221CD"):
        read_lad_itl_lookup(missing)

    wrong_parent = _write(tmp_path, "parent.csv", "\n".join([*lines[:3], lines[3].replace(",TLH1,", ",TLH2,")]) + "\n")
    with pytest.raises(DataValidationError, match=r"row 3, column 'ITL221CD': 'TLH2' is not the first 4 characters"):
        read_lad_itl_lookup(wrong_parent)

    bad_code = _write(tmp_path, "code.csv", "\n".join([lines[0], lines[1].replace("E06000001", "E0600001")]) + "\n")
    with pytest.raises(DataValidationError, match="row 1, column 'LAD23CD': 'E0600001' is not a GSS LAD code"):
        read_lad_itl_lookup(bad_code)

    with pytest.raises(DataValidationError, match="file not found"):
        read_lad_itl_lookup(tmp_path / "absent.csv")


def test_read_mysociety_authorities_fixture() -> None:
    frame = read_mysociety_authorities(FIXTURES / "mysociety_authorities_mini.csv").set_index("authority_code")
    assert len(frame) == 18
    assert list(frame.loc["WMCA", ["gss_code", "official_name", "authority_type", "start_date"]]) == [
        "E47000007",
        "West Midlands Combined Authority",
        "COMB",
        "2016-06-17",
    ]
    assert list(frame.loc["SAW", ["combined_authority", "current"]]) == ["WMCA", True]
    assert frame.loc["AMB", "county_authority_code"] == "DBY"
    assert not frame.loc["BKM", "current"]  # Buckinghamshire County Council, abolished 2020


def test_read_mysociety_authorities_errors(tmp_path: Path) -> None:
    lines = (FIXTURES / "mysociety_authorities_mini.csv").read_text(encoding="utf-8").splitlines()
    # A second current authority with Birmingham's GSS code.
    twin = lines[3].replace("BIR,", "BIX,", 1)
    dup = _write(tmp_path, "dup.csv", "\n".join([*lines, twin]) + "\n")
    with pytest.raises(DataValidationError) as info:
        read_mysociety_authorities(dup)
    assert info.value.row == 19 and info.value.code == "E08000025"
    assert "duplicate GSS code among current authorities" in str(info.value)

    orphan = _write(tmp_path, "orphan.csv", "\n".join([lines[0], lines[3]]) + "\n")
    with pytest.raises(
        DataValidationError, match="row 1, column 'combined-authority': combined-authority 'WMCA' is not"
    ):
        read_mysociety_authorities(orphan)

    header = lines[0].replace("combined-authority", "combined_authority")
    renamed = _write(tmp_path, "renamed.csv", "\n".join([header, *lines[1:]]) + "\n")
    with pytest.raises(DataValidationError, match=r"renamed\.csv: missing column\(s\) combined-authority"):
        read_mysociety_authorities(renamed)


def test_combined_authority_membership_fixture() -> None:
    authorities = read_mysociety_authorities(FIXTURES / "mysociety_authorities_mini.csv")
    lads = read_lad_itl_lookup(FIXTURES / "lad23_to_itl_mini.csv")[["lad_code", "lad_name"]]
    members = combined_authority_membership(authorities, lads)
    by_ca = members.groupby("combined_authority_code")["lad_code"].apply(sorted).to_dict()
    assert by_ca == {
        "E47000007": sorted(WMCA_BOROUGHS),
        "E47000008": ["E07000008"],
        "E47000013": ["E06000015", "E07000032", "E07000033"],
    }
    via = dict(zip(members["lad_code"], members["via_county_code"], strict=True))
    assert via["E07000033"] == "E10000007" and via["E06000015"] == "" and via["E07000008"] == ""
    # A county member without any district in the LAD list cannot be placed.
    with pytest.raises(DataValidationError, match=r"'Derbyshire County Council' of .* is neither"):
        combined_authority_membership(authorities, lads[~lads["lad_code"].isin(["E07000032", "E07000033"])])


def test_read_itl_names_both_header_styles() -> None:
    itl2 = read_itl_names(FIXTURES / "gva_itl2_mini.csv")  # 2024 release: "ITL code, Region name", with a BOM
    assert itl2["itl_code"].tolist() == ["TLC1", "TLC2", "TLG3", "TLK1", "TLL1", "TLN0"]
    assert itl2.loc[1, "itl_name"] == "Northumberland, and Tyne and Wear"
    itl1 = read_itl_names(FIXTURES / "gva_itl1_mini.csv")  # 2023 release: "ITL region code, ITL region name"
    assert dict(zip(itl1["itl_code"], itl1["itl_name"], strict=True)) == {
        "UK": "United Kingdom",
        "TLB": "England",
        "TLG": "West Midlands",
        "TLN": "Northern Ireland",
    }


def test_read_itl_names_code_with_two_names(tmp_path: Path) -> None:
    lines = (FIXTURES / "gva_itl2_mini.csv").read_text(encoding="utf-8-sig").splitlines()
    clash = lines[3].replace("West Midlands", "West Midlands Met")
    path = _write(tmp_path, "clash.csv", "\n".join([*lines, clash]) + "\n")
    with pytest.raises(DataValidationError, match=r"row 7, code 'TLG3': area published with two names"):
        read_itl_names(path)


def test_read_nomis_area_names_fixture_and_errors(tmp_path: Path) -> None:
    nuts = read_nomis_area_names(FIXTURES / "bres_itl2_mini.csv")
    assert nuts["nuts2016_code"].tolist() == ["UKC1", "UKC2", "UKG3", "UKK1", "UKL1"]
    assert nuts.loc[4, "nuts2016_name"] == "West Wales"
    path = _write(tmp_path, "no_names.csv", "DATE,GEOGRAPHY_CODE,INDUSTRY_CODE,COUNT\n2021,UKG3,01,800.0\n")
    with pytest.raises(DataValidationError, match=r"no_names\.csv: missing column\(s\) GEOGRAPHY_NAME"):
        read_nomis_area_names(path)


def test_match_nuts_to_itl_on_fixtures() -> None:
    nuts = read_nomis_area_names(FIXTURES / "bres_itl2_mini.csv")
    itl = read_itl_names(FIXTURES / "gva_itl2_mini.csv")
    table = match_nuts2016_to_itl2021(nuts, itl).set_index("nuts2016_code")
    assert table["itl2021_code"].to_dict() == {
        "UKC1": "TLC1",
        "UKC2": "TLC2",
        "UKG3": "TLG3",
        "UKK1": "TLK1",
        "UKL1": "TLL1",
    }
    assert table["name_match"].to_dict() == {
        "UKC1": "exact",
        "UKC2": "normalised",  # "Northumberland, and Tyne and Wear"
        "UKG3": "exact",
        "UKK1": "normalised",  # "Bath/Bristol area" vs "Bath/Bristol Area"
        "UKL1": "known_variant",  # "West Wales" vs "West Wales and The Valleys"
    }


def test_match_nuts_to_itl_fails_loudly() -> None:
    nuts = read_nomis_area_names(FIXTURES / "bres_itl2_mini.csv")
    itl = read_itl_names(FIXTURES / "gva_itl2_mini.csv")
    without_tlg3 = itl[itl["itl_code"] != "TLG3"]
    with pytest.raises(DataValidationError, match="row 3, code 'UKG3': NUTS 2016 area 'West Midlands' has no ITL area"):
        match_nuts2016_to_itl2021(nuts, without_tlg3, nuts_label="bres.csv")
    swapped = itl.replace({"itl_code": {"TLC1": "TLC2", "TLC2": "TLC1"}})
    with pytest.raises(DataValidationError, match=r"matches ITL area.* TLC2 by name, not TLC1 as the code rule says"):
        match_nuts2016_to_itl2021(nuts, swapped)


def test_normalise_area_name() -> None:
    assert normalise_area_name("Barking & Dagenham and Havering") == "barking and dagenham and havering"
    assert normalise_area_name("Inner London - West") == normalise_area_name("inner london west")
