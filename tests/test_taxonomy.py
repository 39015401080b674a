"""Cluster definitions: the built-in WMCA Plan for Growth taxonomy, the loader and its errors."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pandas as pd
import pytest

from clusterplan._exceptions import TaxonomyError, UnknownCodeError
from clusterplan.taxonomy import (
    MAPPING_COLUMNS,
    OVERLAP_COLUMNS,
    Cluster,
    Taxonomy,
    list_taxonomies,
    load_taxonomy,
    sic2007_codes,
)

FIXTURES = Path(__file__).parent / "fixtures" / "taxonomy"
RAW_SIC_LOOKUP = (
    Path(__file__).resolve().parents[2]
    / "shared"
    / "data"
    / "uk"
    / "lookups"
    / "SIC2007_lookup_5digit_to_sections_DanOlner.csv"
)
WMCA_IDS = [
    "creative_content_gaming",
    "health_tech_med_tech",
    "professional_financial_services",
    "ev_batteries",
    "low_carbon_utilities",
    "future_housing",
    "logistics",
    "aerospace",
]


def read_sic_lookup(path: Path) -> list[str]:
    """5-digit codes of a file in the raw SIC lookup's format (cp1252, as published)."""
    return pd.read_csv(path, encoding="cp1252", dtype=str)["SIC_5DIGIT_CODE"].tolist()


@pytest.fixture(scope="module")
def slice_codes() -> list[str]:
    return read_sic_lookup(FIXTURES / "sic2007_lookup_slice.csv")


@pytest.fixture(scope="module")
def cbp_codes() -> list[str]:
    """NAICS codes at every level (2-6) in a real County Business Patterns slice (Atlanta CBSA 12060)."""
    return pd.read_csv(FIXTURES / "cbp2019_cbsa12060_slice.csv", dtype=str)["naics_code"].tolist()


def demo(*clusters: tuple[str, tuple[str, ...]], classification: str = "sic2007") -> Taxonomy:
    return Taxonomy(
        "demo", "Demo", classification, "", "", tuple(Cluster(cid, cid.title(), "", codes) for cid, codes in clusters)
    )


# --------------------------------------------------------------------------- the built-in taxonomy


def test_builtin_wmca_loads_and_validates_against_the_sic_list():
    valid = sic2007_codes()
    plan = load_taxonomy("wmca_plan_for_growth", valid_codes=valid)
    assert plan.name == "wmca_plan_for_growth"
    assert plan.classification == "sic2007"
    assert list(plan.cluster_ids) == WMCA_IDS
    assert "Plan for Growth" in plan.source
    for cluster in plan.clusters:
        assert cluster.expanded_codes, cluster.id
        assert set(cluster.expanded_codes) <= set(valid)
        assert cluster.confidence in ("high", "medium", "low")
        assert cluster.note and cluster.description and cluster.name
    # Golden expansions, listed by hand from the SIC lookup.
    assert plan.cluster("aerospace").expanded_codes == ("30300", "33160")
    assert plan.cluster("creative_content_gaming").expanded_codes == (
        "58210",
        "59111",
        "59112",
        "59113",
        "59120",
        "59200",
        "60100",
        "60200",
        "62011",
    )
    # Division 52: 52101-52103, 52211-52213, 52219, 52220, 52230, 52241-52243, 52290 (13); plus 49200, 49410,
    # 51210 and 53100, 53201, 53202.
    assert len(plan.cluster("logistics").expanded_codes or ()) == 13 + 3 + 3


def test_sic2007_codes_match_the_raw_lookup():
    codes = sic2007_codes()
    assert len(codes) == 729 and len(set(codes)) == 729
    assert codes[:2] == ["01000", "01110"] and codes[-1] == "99000"
    if not RAW_SIC_LOOKUP.exists():
        pytest.skip("raw shared data not available")
    assert codes == sorted(read_sic_lookup(RAW_SIC_LOOKUP))
    # Every code written in the YAML exists in the raw file (no package data involved).
    load_taxonomy("wmca_plan_for_growth", valid_codes=read_sic_lookup(RAW_SIC_LOOKUP))


def test_list_taxonomies_includes_wmca():
    infos = {info.name: info for info in list_taxonomies()}
    assert infos["wmca_plan_for_growth"].clusters == 8
    assert infos["wmca_plan_for_growth"].classification == "sic2007"


def test_builtin_overlaps_are_reported():
    overlaps = load_taxonomy("wmca_plan_for_growth").overlaps()
    assert list(overlaps.columns) == OVERLAP_COLUMNS
    # Environmental consulting is in division 74 (professional services) and listed for low carbon utilities.
    assert overlaps.values.tolist() == [
        ["74901", "professional_financial_services", "Professional and financial services"],
        ["74901", "low_carbon_utilities", "Low carbon utilities"],
    ]


def test_unknown_code_message_names_file_cluster_and_code():
    plan = load_taxonomy("wmca_plan_for_growth")
    broken = dataclasses.replace(
        plan,
        clusters=tuple(
            dataclasses.replace(c, codes=(*c.codes, "29990")) if c.id == "ev_batteries" else c for c in plan.clusters
        ),
    )
    with pytest.raises(TaxonomyError) as info:
        broken.validate(sic2007_codes())
    assert str(info.value) == (
        "unknown SIC 2007 code '29990' in cluster 'ev_batteries' of wmca_plan_for_growth.yaml; "
        "valid codes are 5-digit SIC 2007 subclasses such as 29100, or 2-4 digit prefixes"
    )


# --------------------------------------------------------------------------- expansion


def test_prefix_expansion_against_the_real_lookup_slice(slice_codes):
    # Division 29 in the SIC lookup: 29100, 29201, 29202, 29203, 29310, 29320 (counted in the raw file).
    taxonomy = demo(("motor", ("29",)), ("bodies", ("2920",)), ("parts", ("293",)), ("broadcasting", ("60",)))
    expanded = taxonomy.validate(slice_codes)
    assert expanded.cluster("motor").expanded_codes == ("29100", "29201", "29202", "29203", "29310", "29320")
    assert expanded.cluster("bodies").expanded_codes == ("29201", "29202", "29203")
    assert expanded.cluster("parts").expanded_codes == ("29310", "29320")
    assert expanded.cluster("broadcasting").expanded_codes == ("60100", "60200")
    assert len(expanded.mapping()) == 6 + 3 + 2 + 2


def test_prefix_29_matches_package_sic_list():
    mapping = demo(("motor", ("29",))).mapping()
    assert mapping["industry_code"].tolist() == ["29100", "29201", "29202", "29203", "29310", "29320"]


def test_mapping_layout_and_order(slice_codes):
    taxonomy = demo(("transport", ("302", "303")), ("motor", ("29100", "27200")))
    mapping = taxonomy.mapping(slice_codes)
    assert list(mapping.columns) == MAPPING_COLUMNS
    assert mapping.values.tolist() == [
        ["transport", "Transport", "30200"],
        ["transport", "Transport", "30300"],
        ["motor", "Motor", "27200"],
        ["motor", "Motor", "29100"],
    ]


def test_valid_codes_at_several_levels_expand_to_subclasses():
    # The industry dimension holds sections, divisions and groups too: only 5-digit subclasses are targets.
    levels = ["C", "29", "291", "293", "29100", "29310", "29320"]
    assert demo(("motor", ("29",))).validate(levels).cluster("motor").expanded_codes == ("29100", "29310", "29320")


def test_no_overlaps_gives_empty_frame(slice_codes):
    overlaps = demo(("motor", ("29",)), ("aerospace", ("30300",))).overlaps(slice_codes)
    assert overlaps.empty and list(overlaps.columns) == OVERLAP_COLUMNS


def test_overlap_between_prefix_and_code(slice_codes):
    overlaps = demo(("motor", ("29",)), ("parts", ("29310",))).overlaps(slice_codes)
    assert overlaps.values.tolist() == [["29310", "motor", "Motor"], ["29310", "parts", "Parts"]]


def test_strict_false_skips_codes_missing_from_the_data(slice_codes):
    taxonomy = demo(("motor", ("29100", "45111")))
    with pytest.raises(TaxonomyError, match="unknown SIC 2007 code '45111' in cluster 'motor' of demo"):
        taxonomy.validate(slice_codes)
    assert taxonomy.validate(slice_codes, strict=False).cluster("motor").expanded_codes == ("29100",)


def test_no_valid_codes_of_the_classification():
    with pytest.raises(TaxonomyError, match="no SIC 2007 codes to check"):
        demo(("motor", ("29",))).validate(["C", "336411"])


# --------------------------------------------------------------------------- YAML files


def test_unquoted_codes_keep_leading_zeros_and_dots(slice_codes):
    taxonomy = load_taxonomy(FIXTURES / "unquoted_codes.yaml", valid_codes=slice_codes)
    assert taxonomy.name == "unquoted_codes"  # no name key: the file name
    assert taxonomy.cluster("farming").codes == ("01000", "01110")
    assert taxonomy.cluster("rail_and_air").codes == ("3020", "303")
    assert taxonomy.cluster("rail_and_air").expanded_codes == ("30200", "30300")


@pytest.mark.parametrize(
    ("fixture", "parts"),
    [
        ("bad_syntax.yaml", ["bad_syntax.yaml", "not valid YAML at line 7"]),
        (
            "duplicate_id.yaml",
            ["duplicate_id.yaml", "clusters[2].id", "duplicate cluster id 'motor'", "clusters[0].id"],
        ),
        ("missing_key.yaml", ["missing_key.yaml", "clusters[1].codes", "missing key"]),
        ("empty_codes.yaml", ["empty_codes.yaml", "clusters[2].codes", "empty list", "at least one code"]),
        ("wrong_type.yaml", ["wrong_type.yaml", "clusters[0].codes", "expected a list of codes, got '29100'"]),
        ("duplicate_key.yaml", ["duplicate_key.yaml", "duplicate key 'codes'", "line 7"]),
        ("bad_code_format.yaml", ["bad_code_format.yaml", "clusters[0].codes[1]", "'2910A' is not a SIC 2007 code"]),
    ],
)
def test_bad_yaml_files(fixture, parts):
    with pytest.raises(TaxonomyError) as info:
        load_taxonomy(FIXTURES / fixture)
    message = str(info.value)
    for part in parts:
        assert part in message, message


def test_unknown_code_in_a_user_file(slice_codes):
    path = FIXTURES / "unknown_code.yaml"
    taxonomy = load_taxonomy(path)  # the form is right: the error comes with the valid codes
    with pytest.raises(TaxonomyError) as info:
        taxonomy.validate(slice_codes)
    assert str(info.value).startswith(f"unknown SIC 2007 code '29990' in cluster 'ev_batteries' of {path};")


@pytest.mark.parametrize(
    ("text", "parts"),
    [
        ("- a\n- b\n", ["expected a mapping", "got a list"]),
        ("classification: sic2007\nclusters: []\n", ["clusters: empty list"]),
        ("classification: sic2007\nclustres: []\n", ["unknown key 'clustres'"]),
        ("classification: isic4\nclusters: []\n", ["classification: unknown classification 'isic4'"]),
        (
            "classification: sic2007\nclusters:\n  - id: Motor Vehicles\n    name: M\n    codes: ['29']\n",
            ["clusters[0].id"],
        ),
        (
            "classification: sic2007\nclusters:\n  - id: m\n    name: M\n    codes: ['29']\n    confidence: sure\n",
            ["clusters[0].confidence"],
        ),
        (
            "classification: sic2007\nclusters:\n  - id: m\n    name: [a]\n    codes: ['29']\n",
            ["clusters[0].name", "expected text"],
        ),
        (
            "classification: sic2007\nclusters:\n  - id: m\n    name: M\n    codes: ['29', '29']\n",
            ["clusters[0].codes[1]", "twice"],
        ),
    ],
)
def test_bad_yaml_content(tmp_path, text, parts):
    path = tmp_path / "user.yaml"
    path.write_text(text)
    with pytest.raises(TaxonomyError) as info:
        load_taxonomy(path)
    message = str(info.value)
    assert message.startswith(str(path))
    for part in parts:
        assert part in message, message


def test_unknown_name_and_missing_file():
    with pytest.raises(UnknownCodeError, match=r"unknown taxonomy 'nonexistent'.*wmca_plan_for_growth"):
        load_taxonomy("nonexistent")
    with pytest.raises(TaxonomyError, match="file not found"):
        load_taxonomy("no/such/file.yaml")
    with pytest.raises(UnknownCodeError, match="unknown cluster of wmca_plan_for_growth 'rail'"):
        load_taxonomy("wmca_plan_for_growth").cluster("rail")


# --------------------------------------------------------------------------- NAICS


def test_naics_yaml_against_county_business_patterns(cbp_codes):
    taxonomy = load_taxonomy(FIXTURES / "cmp_aerospace_biopharma_naics2017.yaml")
    assert taxonomy.classification == "naics2017"
    # 336414, 336415, 336419 and 334511 have no establishments in Atlanta's CBP 2019.
    with pytest.raises(TaxonomyError) as info:
        taxonomy.validate(cbp_codes)
    assert str(info.value) == (
        "unknown NAICS 2017 code '336414' in cluster 'aerospace_vehicles_and_defense' of "
        f"{FIXTURES / 'cmp_aerospace_biopharma_naics2017.yaml'}; "
        "valid codes are 6-digit NAICS 2017 industries such as 336411, or 2-5 digit prefixes"
    )
    mapping = taxonomy.mapping(cbp_codes, strict=False)
    # CBP lists 3254, 32541 and 325411-325414: the prefix expands to the 6-digit leaves only.
    assert mapping.groupby("cluster_id")["industry_code"].apply(list).to_dict() == {
        "aerospace_vehicles_and_defense": ["336411", "336412", "336413"],
        "biopharmaceuticals": ["325411", "325412", "325413", "325414"],
    }


def test_naics_needs_codes_to_expand():
    taxonomy = load_taxonomy(FIXTURES / "cmp_aerospace_biopharma_naics2017.yaml")
    with pytest.raises(TaxonomyError, match="cannot be expanded without a list of valid codes"):
        taxonomy.mapping()


def test_naics_code_range(cbp_codes):
    taxonomy = demo(("pharma", ("325411-325413",)), ("instruments", ("33451",)), classification="naics2017")
    expanded = taxonomy.validate(cbp_codes)
    assert expanded.cluster("pharma").expanded_codes == ("325411", "325412", "325413")
    assert expanded.cluster("instruments").expanded_codes == (
        "334510",
        "334513",
        "334514",
        "334515",
        "334516",
        "334517",
        "334519",
    )


# --------------------------------------------------------------------------- CSV user definitions


def test_csv_user_definitions():
    taxonomy = load_taxonomy(FIXTURES / "user_clusters_sic.csv", valid_codes=sic2007_codes())
    assert taxonomy.name == "user_clusters_sic" and taxonomy.classification == "sic2007"
    assert taxonomy.cluster_ids == ("motor_vehicles", "aerospace", "farming")
    motor = taxonomy.cluster("motor_vehicles")
    assert motor.name == "Motor vehicles" and motor.note == "division 29 as a prefix" and motor.codes == ("29", "27200")
    assert motor.expanded_codes == ("27200", "29100", "29201", "29202", "29203", "29310", "29320")
    assert taxonomy.cluster("aerospace").note == "repair of aircraft"
    assert taxonomy.cluster("farming").codes == ("01000",)  # leading zero kept


def test_csv_naics_definitions(cbp_codes):
    taxonomy = load_taxonomy(FIXTURES / "cmp_traded_clusters.csv")
    assert taxonomy.classification == "naics2017"
    assert taxonomy.cluster("biopharmaceuticals").note == "CMP traded cluster 5"
    mapping = taxonomy.mapping(cbp_codes, strict=False)
    assert mapping[mapping["cluster_id"] == "aerospace_vehicles_and_defense"]["industry_code"].tolist() == [
        "336411",
        "336412",
        "336413",
    ]


def test_csv_round_trip(tmp_path):
    plan = load_taxonomy("wmca_plan_for_growth")
    path = plan.to_csv(tmp_path / "wmca_copy.csv")
    again = load_taxonomy(path)
    assert again.classification == plan.classification
    assert again.clusters == plan.clusters
    assert again.mapping().equals(plan.mapping())


def test_csv_errors(tmp_path):
    with pytest.raises(TaxonomyError) as info:
        load_taxonomy(FIXTURES / "conflicting_names.csv")
    assert "row 2, column 'cluster_name'" in str(info.value) and "'Cars' here but 'Motor vehicles' in row 1" in str(
        info.value
    )
    cases = {
        "cluster,industry\nm,29\n": "unknown column(s) industry",
        "cluster,cluster_name\nm,M\n": "missing column(s) code",
        "cluster,code\nm,29100\nm,29X\n": "row 2, column 'code': '29X' is not a SIC 2007 code",
        "cluster,code\nm,29100\n,29310\n": "row 2, column 'cluster': empty value",
        "cluster,code,classification\nm,29100,sic2007\nn,336411,naics2017\n": "more than one classification",
    }
    for i, (text, part) in enumerate(cases.items()):
        path = tmp_path / f"case{i}.csv"
        path.write_text(text)
        with pytest.raises(TaxonomyError) as info:
            load_taxonomy(path)
        assert str(path) in str(info.value) and part in str(info.value), str(info.value)
