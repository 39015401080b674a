"""UK business counts: the IDBR enterprises extract (NOMIS CSV) and the ONS UK business workbook 2017."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from clusterplan._exceptions import DataValidationError
from clusterplan.sources.nomis import read_nomis_csv
from clusterplan.sources.ons_business import (
    BROAD_INDUSTRY_GROUPS,
    broad_group_divisions,
    broad_group_industries,
    read_area_broad_groups,
    read_region_divisions_by_size,
    read_region_sic_classes,
    read_ukbusiness_workbook,
    sic_class_industries,
    workbook_areas,
)

FIXTURES = Path(__file__).parent / "fixtures" / "business_counts"
IDBR_SLICE = FIXTURES / "idbr_enterprises_GB_sic5_sizeband_slice.csv"
MINI = FIXTURES / "ukbusinessworkbook2017_mini.xls"
BROKEN = FIXTURES / "ukbusinessworkbook2017_broken.xls"
RAW = Path(__file__).resolve().parents[2] / "shared" / "data" / "uk" / "business_counts"
PACKAGE_DATA = Path(__file__).resolve().parents[1] / "src" / "clusterplan" / "data"


def cell(facts: pd.DataFrame, **key) -> float:
    rows = facts
    for column, value in key.items():
        rows = rows[rows[column] == value]
    assert len(rows) == 1, key
    return float(rows["value"].iloc[0])


# -- IDBR enterprises (NOMIS NM_142_1 download) -----------------------------------------------------------


@pytest.fixture(scope="module")
def idbr() -> pd.DataFrame:
    return read_nomis_csv(IDBR_SLICE, dataset="idbr_enterprises_gb_sic5", measure="enterprises", unit="count")


def test_idbr_slice_parses_to_gb_enterprises_by_size_band(idbr):
    assert len(idbr) == 54  # 6 subclass-years x 9 size bands
    assert set(idbr["area_code"]) == {"K03000001"}
    assert set(idbr["measure"]) == {"enterprises"} and set(idbr["unit"]) == {"count"}
    assert idbr["breakdown"].drop_duplicates().tolist() == [
        "0 to 4", "5 to 9", "10 to 19", "20 to 49", "50 to 99", "100 to 249", "250 to 499", "500 to 999", "1000+",
    ]  # fmt: skip


def test_idbr_sum_over_size_bands_equals_the_raw_rows(idbr):
    # Raw rows 2021, 62020 Computer consultancy activities: 92540 + 3110 + 1815 + 1125 + 365 + 190 + 55 + 25 + 15.
    rows = idbr[(idbr["industry_code"] == "62020") & (idbr["year"] == 2021)]
    assert rows["value"].sum() == 99240
    # Hand-picked cell: 2022, 62012 Business and domestic software development, 1000+ employees.
    assert cell(idbr, industry_code="62012", year=2022, breakdown="1000+") == 10


def test_idbr_defra_row_is_zero_and_flagged(idbr):
    defra = idbr[idbr["industry_code"] == "01000"]
    assert len(defra) == 9 and defra["value"].eq(0).all()
    assert defra["flag"].eq("zero_may_be_suppressed").all()


def test_idbr_agrees_with_the_workbook_for_the_same_march_2017_snapshot():
    # Subclass 62020 is the only subclass of class 6202. The NOMIS extract (9 size bands, each rounded to 5)
    # sums to 107,775 for 2017; the 2017 workbook's Table 2 prints 107,770 for GB: they agree within rounding.
    idbr = read_nomis_csv(IDBR_SLICE, dataset="idbr", measure="enterprises", unit="count")
    nomis = idbr[(idbr["industry_code"] == "62020") & (idbr["year"] == 2017)]["value"].sum()
    workbook = cell(read_region_sic_classes(MINI, dataset="t2"), industry_code="6202", area_code="K03000001")
    assert (nomis, workbook) == (107775, 107770)
    assert abs(nomis - workbook) <= 5 * 9


def test_built_idbr_dataset_gb_total_per_year():
    built = pd.read_parquet(PACKAGE_DATA / "idbr_enterprises_gb_sic5.parquet")
    totals = built.groupby("year")["value"].sum()
    # Sums of the raw file's COUNT column over all subclasses and size bands.
    assert totals.to_dict() == {
        2016: 2484440, 2017: 2597285, 2018: 2595505, 2019: 2643015, 2020: 2673820, 2021: 2687840, 2022: 2689070,
    }  # fmt: skip
    assert built["industry_code"].nunique() == 729 and len(built) == 729 * 9 * 7


def test_built_idbr_dataset_matches_the_raw_file():
    raw_file = RAW / "idbr_enterprises_GB_sic5_sizeband_2016_2021.csv"
    if not raw_file.exists():
        pytest.skip("shared/data is not available")
    raw = pd.read_csv(raw_file)
    built = pd.read_parquet(PACKAGE_DATA / "idbr_enterprises_gb_sic5.parquet")
    assert built.groupby("year")["value"].sum().to_dict() == raw.groupby("DATE")["COUNT"].sum().to_dict()


# -- the UK business workbook 2017 ----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def workbook() -> dict[str, pd.DataFrame]:
    return read_ukbusiness_workbook(MINI, prefix="ons_business_2017")


def test_table_1_local_authority_by_broad_group_hand_read_values(workbook):
    facts = workbook["ons_business_2017_area_broad_groups"]
    enterprises = facts[facts["measure"] == "enterprises"]
    local_units = facts[facts["measure"] == "local_units"]
    # Table 1, row "E08000025 Birmingham", column "69-75 : Professional, scientific & technical".
    assert cell(enterprises, area_code="E08000025", industry_code="69-75") == 5615
    assert cell(enterprises, area_code="E08000025", industry_code="68") == 1320
    # Table 16 (local units), same row and column.
    assert cell(local_units, area_code="E08000025", industry_code="69-75") == 5985
    # Table 1, Glasgow City, Information & communication.
    assert cell(enterprises, area_code="S12000046", industry_code="58-63") == 1575
    assert set(facts["classification"]) == {"ons_broad_industry_group"}
    assert set(facts["year"]) == {2017} and set(facts["breakdown"]) == {"all"}
    assert set(facts["industry_code"]) == set(BROAD_INDUSTRY_GROUPS)


def test_table_1_great_britain_groups_sum_to_the_published_total(workbook):
    facts = workbook["ons_business_2017_area_broad_groups"]
    gb = facts[(facts["measure"] == "enterprises") & (facts["area_code"] == "K03000001")]
    # Table 1, GREAT BRITAIN: the Total column (not stored) prints 2,598,095.
    assert len(gb) == 17 and gb["value"].sum() == 2598095


def test_table_2_classes_by_region_and_devolved_nations_get_country_codes(workbook):
    facts = workbook["ons_business_2017_region_sic_classes"]
    enterprises = facts[facts["measure"] == "enterprises"]
    # Table 2, row "6202 : Computer consultancy activities": London 31,275; Wales (W12000001) 1,915.
    assert cell(enterprises, industry_code="6202", area_code="E12000007") == 31275
    assert cell(enterprises, industry_code="6202", area_code="W92000004") == 1915
    assert cell(facts[facts["measure"] == "local_units"], industry_code="6202", area_code="S92000003") == 5720
    assert not facts["area_code"].isin(["W12000001", "S12000001", "N12000001"]).any()
    assert sorted(facts["industry_code"].unique()) == ["0111", "0112", "0113", "6201", "6202", "6203"]


def test_table_3_divisions_by_region_and_size_band(workbook):
    facts = workbook["ons_business_2017_region_divisions_by_size"]
    enterprises = facts[facts["measure"] == "enterprises"]
    # Table 3, row "62 : Computer programming ...", Wales block, size band 0-4: 2,830; UK block, 250+: 170.
    assert cell(enterprises, industry_code="62", area_code="W92000004", breakdown="0 to 4") == 2830
    assert cell(enterprises, industry_code="62", area_code="K02000001", breakdown="250+") == 170
    wales = enterprises[(enterprises["industry_code"] == "62") & (enterprises["area_code"] == "W92000004")]
    assert wales["value"].sum() == 3110  # equals the published Total of the Wales block
    assert set(facts["breakdown"]) == {"0 to 4", "5 to 9", "10 to 19", "20 to 49", "50 to 99", "100 to 249", "250+"}


def test_zeros_are_flagged_as_possibly_rounded_down(workbook):
    facts = workbook["ons_business_2017_region_sic_classes"]
    rice = facts[facts["industry_code"] == "0112"]  # Growing of rice: 0 everywhere
    assert rice["value"].eq(0).all() and rice["flag"].eq("zero_may_be_suppressed").all()
    assert facts.loc[facts["value"] > 0, "flag"].isna().all()


def test_single_table_readers_match_the_workbook_reader(workbook):
    one = read_area_broad_groups(MINI, "Table 16", dataset="ons_business_2017_area_broad_groups")
    both = workbook["ons_business_2017_area_broad_groups"]
    assert one.reset_index(drop=True).equals(both[both["measure"] == "local_units"].reset_index(drop=True))
    three = read_region_divisions_by_size(MINI, dataset="d")
    assert set(three["measure"]) == {"enterprises"}


def test_areas_nest_districts_in_counties_and_regions(workbook):
    facts = workbook["ons_business_2017_area_broad_groups"]
    names = workbook["ons_business_2017_region_sic_classes"][["area_code", "area_name"]].drop_duplicates()
    areas = workbook_areas(facts[facts["measure"] == "enterprises"], names)
    row = {code: (name, level, parent) for code, name, level, parent, *_ in areas.itertuples(index=False)}
    assert row["E08000025"] == ("Birmingham", "lad", "E11000005")
    assert row["E11000005"] == ("West Midlands (Met County)", "metropolitan_county", "E12000005")
    assert row["E12000005"] == ("West Midlands", "region", "E92000001")  # upper-case sheet name replaced
    assert row["S12000046"] == ("Glasgow City", "lad", "S92000003")
    assert pd.isna(row["K02000001"][2]) and len(areas) == 18


def test_dimension_rows():
    groups = broad_group_industries()
    assert len(groups) == 17 and groups["industry_code"].is_unique
    divisions = broad_group_divisions(["01", "02", "03", "05", "33", "35", "45", "99"])
    assert divisions.set_index("sic2007_division")["broad_group_code"].to_dict() == {
        "01": "01-03", "02": "01-03", "03": "01-03", "05": "05-39", "33": "05-39", "35": "05-39", "45": "45",
        "99": "90-99",
    }  # fmt: skip
    with pytest.raises(DataValidationError, match="division 40 is in 0 broad groups"):
        broad_group_divisions(["40"])


def test_sic_class_rows_have_their_group_as_parent(workbook):
    classes = sic_class_industries(workbook["ons_business_2017_region_sic_classes"]).set_index("industry_code")
    assert list(classes.loc["6202"]) == ["sic2007", "Computer consultancy activities", "class", "620"]


# -- bad input ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("reader", "table", "message"),
    [
        (
            read_area_broad_groups,
            "Table 1",
            r"\[Table 1\], row 20, column 'M', code 'E08000025': '\.\.' is not a count",
        ),
        (read_region_sic_classes, "Table 2", r"\[Table 2\], row 11, column 'A': '62\.02 : .*' is not a 'dddd : name'"),
        (read_region_divisions_by_size, "Table 3", r"\[Table 3\], row 7, column 'D': 'ten to nineteen' is not an emp"),
        (read_area_broad_groups, "Table 16", r"row 6, column 'G': '46-47 : Wholesale and retail' is not one of the 17"),
        (read_region_sic_classes, "Table 17", r"\[Table 17\], row 1: title 'Table 2 - .*' does not belong to Table 17"),
        (read_region_sic_classes, "Table 18", r"no sheet 'Table 18' \(sheets: Table 1, Table 2"),
    ],
)
def test_broken_workbook_errors_name_sheet_row_and_column(reader, table, message):
    with pytest.raises(DataValidationError, match=message) as info:
        reader(BROKEN, table, dataset="x")
    assert str(BROKEN) in str(info.value)


def test_a_file_that_is_not_a_workbook():
    with pytest.raises(DataValidationError, match=r"slice\.csv: not an Excel 97-2003 workbook"):
        read_area_broad_groups(IDBR_SLICE, dataset="x")
    with pytest.raises(DataValidationError, match=r"nope\.xls: file not found"):
        read_area_broad_groups(FIXTURES / "nope.xls", dataset="x")


def test_the_wrong_layout_for_a_table():
    # Table 2 has no broad-group header row: reading it as Table 1's layout must fail, not guess.
    with pytest.raises(DataValidationError, match=r"\[Table 2\]: no header row of broad industry groups"):
        read_area_broad_groups(MINI, "Table 2", dataset="x")
