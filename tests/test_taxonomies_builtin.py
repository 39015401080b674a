"""The built-in taxonomies (UK Industrial Strategy IS-8, US Cluster Mapping 2014 traded and 2007), the script that
generates the CMP files, and how much of the real data each covers (mapping_coverage)."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pandas as pd
import pytest

from clusterplan._data import dataset_path
from clusterplan._exceptions import TaxonomyError
from clusterplan.measures.traded import COVERAGE_COLUMNS, TOTAL_ROW, EmploymentMatrix, mapping_coverage
from clusterplan.pipeline.coverage import warehouse_employment_matrix
from clusterplan.taxonomy import list_taxonomies, load_taxonomy, sic2007_codes


def read_facts(name: str) -> pd.DataFrame:
    """The employment rows of a package facts dataset (the CBP file also holds establishments)."""
    return pd.read_parquet(dataset_path(name), filters=[("measure", "==", "employment")])


ROOT = Path(__file__).resolve().parents[1]
IS8_IDS = [
    "advanced_manufacturing",
    "clean_energy_industries",
    "creative_industries",
    "defence",
    "digital_and_technologies",
    "financial_services",
    "life_sciences",
    "professional_business_services",
]


@pytest.fixture(scope="module")
def cbp_facts() -> pd.DataFrame:
    return read_facts("us_cbp_2019_cbsa")


@pytest.fixture(scope="module")
def cbp(cbp_facts) -> EmploymentMatrix:
    return EmploymentMatrix.from_facts(cbp_facts, "us_cbp_2019_cbsa")


@pytest.fixture(scope="module")
def bres() -> EmploymentMatrix:
    return EmploymentMatrix.from_facts(read_facts("bres_itl2_sic5"), "bres_itl2_sic5")


# --------------------------------------------------------------------------- listing


def test_list_includes_every_builtin():
    infos = {info.name: (info.classification, info.clusters) for info in list_taxonomies()}
    assert (
        infos.items()
        >= {
            "uk_industrial_strategy_is8": ("sic2007", 8),
            "us_cmp_2007": ("naics2007", 67),
            "us_cmp_traded_2014": ("naics2017", 51),
            "wmca_plan_for_growth": ("sic2007", 8),
        }.items()
    )


# --------------------------------------------------------------------------- UK Industrial Strategy IS-8


def test_is8_loads_and_validates_against_the_bres_codes():
    is8 = load_taxonomy("uk_industrial_strategy_is8", valid_codes=sic2007_codes())
    assert list(is8.cluster_ids) == IS8_IDS
    assert is8.classification == "sic2007"
    for cluster in is8.clusters:
        assert cluster.name and cluster.description and cluster.note, cluster.id
    # Confidence follows the government's own rating of each sector's SIC coverage.
    assert {c.id: c.confidence for c in is8.clusters} == {
        "advanced_manufacturing": "medium",
        "clean_energy_industries": "low",
        "creative_industries": "high",
        "defence": "low",
        "digital_and_technologies": "medium",
        "financial_services": "high",
        "life_sciences": "low",
        "professional_business_services": "medium",
    }
    assert "not easily represented by SIC" in is8.cluster("defence").note
    assert "Not measurable by SIC" in is8.cluster("clean_energy_industries").note


def test_is8_expansions_listed_by_hand():
    is8 = load_taxonomy("uk_industrial_strategy_is8", valid_codes=sic2007_codes())
    # The DCMS creative industries: 31 four-digit classes, 42 subclasses (from the SIC 2007 lookup).
    assert is8.cluster("creative_industries").expanded_codes == (
        *("32120", "58110", "58120", "58130", "58141", "58142", "58190", "58210", "58290"),
        *("59111", "59112", "59113", "59120", "59131", "59132", "59133", "59140", "59200"),
        *("60100", "60200", "62011", "62012", "62020", "70210", "71111", "71112"),
        *("73110", "73120", "74100", "74201", "74202", "74203", "74209", "74300", "85520"),
        *("90010", "90020", "90030", "90040", "91011", "91012", "91020"),
    )
    assert is8.cluster("defence").expanded_codes == ("25400", "30400")
    assert is8.cluster("life_sciences").expanded_codes == ("21100", "21200", "26600", "32500", "72110")
    # Section K: 22 subclasses in 64, 5 in 65, 7 in 66.
    assert len(is8.cluster("financial_services").expanded_codes or ()) == 34
    # 26 (15) + 27 (10) + 28 (25) + 29 (6) + 30 (8) + 33160.
    assert len(is8.cluster("advanced_manufacturing").expanded_codes or ()) == 65
    assert len(is8.cluster("digital_and_technologies").expanded_codes or ()) == 24


def test_is8_overlaps_are_the_documented_ones():
    overlaps = load_taxonomy("uk_industrial_strategy_is8").overlaps()
    pairs = overlaps.groupby("industry_code")["cluster_id"].apply(tuple)
    assert len(pairs) == 22
    assert pairs["30400"] == ("advanced_manufacturing", "defence")
    assert pairs["26600"] == ("advanced_manufacturing", "life_sciences")
    assert pairs["62012"] == ("creative_industries", "digital_and_technologies")
    assert pairs["71111"] == ("creative_industries", "professional_business_services")
    assert pairs.value_counts().to_dict() == {
        ("advanced_manufacturing", "digital_and_technologies"): 7,
        ("creative_industries", "digital_and_technologies"): 5,
        ("creative_industries", "professional_business_services"): 5,
        ("advanced_manufacturing", "clean_energy_industries"): 3,
        ("advanced_manufacturing", "defence"): 1,
        ("advanced_manufacturing", "life_sciences"): 1,
    }


def test_is8_coverage_of_bres_2021(bres):
    coverage = mapping_coverage(load_taxonomy("uk_industrial_strategy_is8"), bres).set_index("cluster_id")
    assert list(coverage.reset_index().columns) == COVERAGE_COLUMNS
    assert (coverage["codes_missing"] == 0).all()
    # Hand check from the BRES rows: 25400 and 30400 summed over the 40 ITL2 areas in 2021.
    facts = read_facts("bres_itl2_sic5")
    rows = facts[(facts["year"] == 2021) & facts["industry_code"].isin(["25400", "30400"])]
    assert coverage.loc["defence", "employment"] == rows["value"].sum() == 16_610.0
    # All eight sectors together (overlaps counted once): 5.81 M of 31.37 M jobs.
    assert coverage.loc[TOTAL_ROW, "employment"] == 5_810_380.0
    assert coverage.loc[TOTAL_ROW, "employment_share"] == pytest.approx(5_810_380 / 31_366_000)
    assert coverage.loc[TOTAL_ROW, "industries"] == 179


# --------------------------------------------------------------------------- US Cluster Mapping


def test_cmp_traded_matches_the_package_table():
    traded = load_taxonomy("us_cmp_traded_2014")
    table = pd.read_parquet(dataset_path("cmp_traded_clusters"))
    assert len(traded.clusters) == 51 and traded.classification == "naics2017"
    written = {(c.name, code) for c in traded.clusters for code in c.codes}
    assert written == set(zip(table["cluster_name"], table["naics_code"], strict=True))
    assert len(written) == 787
    assert traded.cluster("biopharmaceuticals").codes == ("325411", "325412", "325413", "325414")
    assert traded.cluster_ids[0] == "aerospace_vehicles_and_defense"
    assert traded.cluster_ids[-1] == "wood_products"
    assert all(c.confidence == "high" for c in traded.clusters)


def test_cmp_2007_matches_the_package_table():
    clusters = load_taxonomy("us_cmp_2007")
    table = pd.read_parquet(dataset_path("cmp_clusters_2007"))
    assert len(clusters.clusters) == 67 and clusters.classification == "naics2007"
    local = [c for c in clusters.clusters if c.id.startswith("local_")]
    assert len(local) == 16
    assert {code for c in local for code in c.codes} == set(table.loc[table["cluster_type"] == "local", "naics_code"])
    assert sum(len(c.codes) for c in clusters.clusters) == 1099
    # The portal's keys are not unique: cluster 1001 gets its id appended.
    assert clusters.cluster("agricultural_products").description.startswith(
        "US Cluster Mapping traded cluster 11 (2007 definitions)"
    )
    assert clusters.cluster("agricultural_products_1001").name == "Agricultural Products"
    assert "Sub-clusters:" in clusters.cluster("biopharmaceuticals").description


def _build_script():
    spec = importlib.util.spec_from_file_location("build_cmp_taxonomies", ROOT / "scripts" / "build_cmp_taxonomies.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_generated_files_are_up_to_date_and_deterministic(capsys):
    script = _build_script()
    first, second = script.build(), script.build()
    assert first == second
    for path, text in first.items():
        assert path.read_text(encoding="utf-8") == text, f"{path.name} is stale: run scripts/build_cmp_taxonomies.py"
    assert script.main(["--check"]) == 0
    assert "up to date" in capsys.readouterr().out


def test_traded_coverage_of_cbp_2019(cbp_facts, cbp):
    traded = load_taxonomy("us_cmp_traded_2014")
    coverage = mapping_coverage(traded, cbp).set_index("cluster_id")
    total = coverage.loc[TOTAL_ROW]
    assert (total["codes_written"], total["codes_found"], total["codes_missing"]) == (787, 589, 198)
    assert total["employment"] == 36_140_771.0
    assert total["employment_share"] == pytest.approx(0.2950614446226713, abs=1e-15)
    # Independently: 6-digit employment of the listed codes over the published all-industries total (code 00).
    employment = cbp_facts[cbp_facts["measure"] == "employment"]
    mapped = employment[
        employment["industry_code"].isin(set(pd.read_parquet(dataset_path("cmp_traded_clusters"))["naics_code"]))
    ]
    all_industries = employment.loc[employment["industry_code"] == "00", "value"].sum()
    assert total["employment_share"] == pytest.approx(mapped["value"].sum() / all_industries, abs=1e-15)
    biopharma = coverage.loc["biopharmaceuticals"]
    codes = list(traded.cluster("biopharmaceuticals").codes)
    assert biopharma["employment"] == employment.loc[employment["industry_code"].isin(codes), "value"].sum()
    assert biopharma["codes_missing"] == 0 and biopharma["missing_codes"] == ()
    # Footwear and tobacco industries are all below CBP's 6-digit publication thresholds or retired codes.
    clusters = coverage.drop(index=TOTAL_ROW)
    assert clusters["employment"].sum() == pytest.approx(total["employment"])  # no overlaps: parts add up


def test_2007_coverage_of_cbp_2019(cbp):
    coverage = mapping_coverage(load_taxonomy("us_cmp_2007"), cbp).set_index("cluster_id")
    total = coverage.loc[TOTAL_ROW]
    # NAICS 2007 codes changed by the 2012 and 2017 revisions are missing from CBP 2019.
    assert (total["codes_found"], total["codes_missing"]) == (865, 234)
    assert total["employment_share"] == pytest.approx(98_708_928 / 122_485_576)
    assert coverage.loc["footwear", "codes_found"] == 0
    assert coverage.loc["footwear", "missing_codes"] == ("316211", "316212", "316213", "316214", "316219")
    local = coverage[coverage.index.str.startswith("local_")]
    # The 16 local clusters hold 58.6% of CBSA employment at 6 digits (the rest: traded, unmapped, suppressed).
    assert local["employment_share"].sum() == pytest.approx(0.585671883520391, abs=1e-12)


def test_coverage_from_the_warehouse_matches_the_facts_table(warehouse, cbp):
    traded = load_taxonomy("us_cmp_traded_2014")
    from_warehouse = mapping_coverage(traded, warehouse_employment_matrix(warehouse, "us_cbp_2019_cbsa"))
    pd.testing.assert_frame_equal(from_warehouse, mapping_coverage(traded, cbp))


def test_coverage_refuses_the_wrong_classification(cbp):
    with pytest.raises(TaxonomyError) as info:
        mapping_coverage(load_taxonomy("wmca_plan_for_growth"), cbp)
    assert str(info.value) == (
        "taxonomy 'wmca_plan_for_growth' is sic2007 but dataset 'us_cbp_2019_cbsa' is naics2017; "
        "use a taxonomy of the dataset's classification (SIC 2007 for GB, NAICS for the US)"
    )
