"""GVA per job and cluster productivity: golden values computed by hand from the raw published rows.

The fixtures in ``tests/fixtures/productivity`` are lines copied from the ONS
regional GVA tables and the BRES NOMIS downloads (see their README); Great
Britain benchmarks are summed here from the package's own Parquet files with
plain pandas, independently of the Ibis code under test.
"""

from __future__ import annotations

import csv
import shutil
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from _util import FIXTURES
from clusterplan import ParameterError, UnknownCodeError
from clusterplan._data import data_dir
from clusterplan.measures.productivity import (
    CLUSTER_PRODUCTIVITY_COLUMNS,
    GREAT_BRITAIN,
    GVA_PER_JOB_COLUMNS,
    SIC2007_DIVISIONS,
    gva_row_divisions,
    map_sic_codes,
    sic_to_gva_rows,
)
from clusterplan.pipeline.productivity import _area_map, cluster_productivity, gva_per_job
from clusterplan.sources.formats import read_user_file
from clusterplan.warehouse import Warehouse

HERE = FIXTURES / "productivity"


# -- reading the raw fixture slices by hand -------------------------------------------------------------------------
def _gva(name: str, area: str, code: str, year: int) -> float:
    """A value of a raw GVA table slice (£ million; the raw codes, e.g. '11-Dec')."""
    with open(HERE / name, encoding="utf-8-sig", newline="") as handle:
        for row in csv.DictReader(handle):
            if row["ITL code"] == area and row["SIC07 code"] == code:
                return float(row[str(year)].replace(",", ""))
    raise KeyError((area, code))


def _bres(name: str) -> dict[str, float]:
    """INDUSTRY_CODE -> COUNT of a raw BRES slice (one area and year)."""
    with open(HERE / name, encoding="utf-8", newline="") as handle:
        return {row["INDUSTRY_CODE"]: float(row["COUNT"]) for row in csv.DictReader(handle)}


def _parquet(name: str, columns: list[str] | None = None) -> pd.DataFrame:
    return pd.read_parquet(data_dir() / f"{name}.parquet", columns=columns)


def _row(table: pd.DataFrame, area: str, code: str) -> pd.Series:
    hit = table[(table["area_code"] == area) & (table["gva_industry_code"] == code)]
    assert len(hit) == 1, (area, code, len(hit))
    return hit.iloc[0]


# -- module fixtures -------------------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def itl2_2021(warehouse: Warehouse) -> pd.DataFrame:
    return gva_per_job(warehouse, year=2021, benchmark=True)


@pytest.fixture(scope="module")
def itl2_2021_with_imputed_rent(warehouse: Warehouse) -> pd.DataFrame:
    return gva_per_job(warehouse, year=2021, exclude_imputed_rent=False)


@pytest.fixture(scope="module")
def local_warehouse(warehouse_path: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Warehouse]:
    """The embedded warehouse plus the BRES rows of two ITL3 areas, imported as a user would."""
    target = tmp_path_factory.mktemp("productivity") / "warehouse.duckdb"
    shutil.copyfile(warehouse_path, target)
    wh = Warehouse(target)
    facts, provenance = read_user_file(HERE / "bres_nuts3_same_territory_2021.csv", "nomis", dataset="user_itl3")
    wh.import_facts(facts, provenance, file="bres_nuts3_same_territory_2021.csv")
    yield wh
    wh.close()


# -- the SIC 2007 -> GVA row mapping ---------------------------------------------------------------------------------
def test_sic2007_divisions_are_the_88_of_the_classification() -> None:
    dimension = _parquet("industries_sic2007")
    assert list(SIC2007_DIVISIONS) == sorted(dimension.loc[dimension["industry_level"] == "division", "industry_code"])
    assert len(SIC2007_DIVISIONS) == 88


@pytest.mark.parametrize(("level", "rows"), [("itl1", 107), ("itl2", 96), ("itl3", 64)])
def test_every_division_maps_and_finest_rows_partition_the_divisions(level: str, rows: int) -> None:
    codes = _parquet(f"gva_{level}_current_prices", ["industry_code"])["industry_code"].unique()
    assert len(codes) == rows
    mapping = sic_to_gva_rows(codes)
    assert mapping["sic2_code"].tolist() == list(SIC2007_DIVISIONS)
    assert mapping["gva_industry_code"].notna().all()
    contains = gva_row_divisions(codes)
    assert "68IMP" not in set(contains["gva_industry_code"])
    # Apart from Total (the finest row of division 99 alone), each finest row covers exactly the divisions mapped to it.
    for row, divisions in mapping.groupby("gva_industry_code")["sic2_code"]:
        covered = set(contains.loc[contains["gva_industry_code"] == row, "sic2_code"])
        assert covered == set(divisions) or (row == "Total" and list(divisions) == ["99"])


def test_tricky_divisions() -> None:
    def finest(level: str) -> dict[str, str]:
        codes = _parquet(f"gva_{level}_current_prices", ["industry_code"])["industry_code"].unique()
        frame = sic_to_gva_rows(codes)
        return dict(zip(frame["sic2_code"], frame["gva_industry_code"], strict=True))

    itl2, itl3, itl1 = finest("itl2"), finest("itl3"), finest("itl1")
    expected_itl2 = {
        "02": "2-3",  # published as "02-Mar" in the April 2024 ITL2 file
        "03": "2-3",
        "05": "B (5-9)",
        "11": "11-12",  # published as "11-Dec"
        "12": "11-12",
        "14": "14-15",
        "15": "14-15",
        "26": "CI (26)",
        "29": "29",
        "68": "68",  # not "L (68)", which includes imputed rent
        "84": "O (84)",
        "97": "T (97-98)",
        "98": "T (97-98)",
        "99": "Total",
    }
    assert {d: itl2[d] for d in expected_itl2} == expected_itl2
    expected_itl3 = {"01": "AB (1-9)", "29": "CK-CL (28-30)", "36": "DE (35-39)", "50": "49-51", "68": "68"}
    assert {d: itl3[d] for d in expected_itl3} == expected_itl3
    expected_itl1 = {"05": "5-8", "09": "9", "14": "14", "19": "CD-CE (19-20)", "21": "CF (21)", "37": "36-37"}
    assert {d: itl1[d] for d in expected_itl1} == expected_itl1


def test_row_levels_and_divisions() -> None:
    rows = gva_row_divisions(["Total", "A-E", "G-T", "AB (1-9)", "CD-CF (19-21)", "D (35)", "5-8", "68IMP"])
    covered = rows.groupby("gva_industry_code")["sic2_code"].apply(list)
    levels = rows.drop_duplicates("gva_industry_code").set_index("gva_industry_code")["gva_level"]
    assert len(covered["Total"]) == 88
    assert covered["A-E"][0] == "01" and covered["A-E"][-1] == "39" and len(covered["A-E"]) == 37
    assert covered["G-T"][0] == "45" and covered["G-T"][-1] == "98" and "99" not in covered["G-T"]
    assert covered["AB (1-9)"] == ["01", "02", "03", "05", "06", "07", "08", "09"]  # there is no division 04
    assert covered["5-8"] == ["05", "06", "07", "08"]
    assert levels.to_dict() == {
        "Total": "total",
        "A-E": "sector",
        "G-T": "sector",
        "AB (1-9)": "section_group",
        "CD-CF (19-21)": "subsection",
        "D (35)": "section",
        "5-8": "division_group",
    }


def test_unmatched_divisions_are_counted() -> None:
    with pytest.raises(ParameterError, match=r"64 SIC 2007 divisions are in no GVA industry row: 01, 02, 03, 05"):
        sic_to_gva_rows(["C (10-33)"])
    loose = sic_to_gva_rows(["C (10-33)", "29"], strict=False)
    assert int(loose["gva_industry_code"].isna().sum()) == 64
    assert loose.set_index("sic2_code").loc["29", "gva_industry_code"] == "29"


def test_unreadable_row_code() -> None:
    with pytest.raises(ParameterError, match=r"GVA industry row '11-Dec'"):
        gva_row_divisions(["Total", "11-Dec"])


def test_map_sic_codes_through_divisions() -> None:
    mapping = sic_to_gva_rows(_parquet("gva_itl3_current_prices", ["industry_code"])["industry_code"].unique())
    mapped = map_sic_codes(["29100", "30300", "68", "62012"], mapping)
    assert mapped["gva_industry_code"].tolist() == ["CK-CL (28-30)", "CK-CL (28-30)", "68", "61-63"]
    assert mapped["sic2_code"].tolist() == ["29", "30", "68", "62"]
    with pytest.raises(UnknownCodeError, match=r"unknown SIC 2007 code '04100'"):
        map_sic_codes(["04100"], mapping)


# -- GVA per job at ITL2 -------------------------------------------------------------------------------------------
def test_motor_vehicles_west_midlands_2021(itl2_2021: pd.DataFrame) -> None:
    gva = _gva("gva_itl2_TLG3_slice.csv", "TLG3", "29", 2021)
    jobs = _bres("bres_sic2_UKG3_2021.csv")["29"]
    assert (gva, jobs) == (1995.0, 28000.0)
    row = _row(itl2_2021, "TLG3", "29")
    assert row["gva_gbp_million"] == gva
    assert row["employment"] == jobs
    assert row["gva_per_job_gbp"] == pytest.approx(gva * 1e6 / jobs)  # £71,250
    assert row["gva_industry_name"] == "Manufacture of motor vehicles"
    assert list(itl2_2021.columns) == GVA_PER_JOB_COLUMNS


@pytest.mark.parametrize(
    ("row", "raw_code", "divisions"),
    [
        ("2-3", "02-Mar", ["02", "03"]),
        ("11-12", "11-Dec", ["11", "12"]),
        ("14-15", "14-15", ["14", "15"]),
        ("CL (29-30)", "CL (29-30)", ["29", "30"]),
    ],
)
def test_groups_of_divisions(itl2_2021: pd.DataFrame, row: str, raw_code: str, divisions: list[str]) -> None:
    bres = _bres("bres_sic2_UKG3_2021.csv")
    gva = _gva("gva_itl2_TLG3_slice.csv", "TLG3", raw_code, 2021)
    jobs = sum(bres[d] for d in divisions)
    got = _row(itl2_2021, "TLG3", row)
    assert (got["gva_gbp_million"], got["employment"]) == (gva, jobs)
    assert got["gva_per_job_gbp"] == pytest.approx(gva * 1e6 / jobs)


def test_total_economy_with_and_without_imputed_rent(
    itl2_2021: pd.DataFrame, itl2_2021_with_imputed_rent: pd.DataFrame
) -> None:
    total = _gva("gva_itl2_TLG3_slice.csv", "TLG3", "Total", 2021)
    rent = _gva("gva_itl2_TLG3_slice.csv", "TLG3", "68IMP", 2021)
    jobs = sum(_bres("bres_sic2_UKG3_2021.csv").values())
    assert (total, rent, jobs) == (69987.0, 5312.0, 1307455.0)
    published = _row(itl2_2021_with_imputed_rent, "TLG3", "Total")
    assert published["gva_per_job_gbp"] == pytest.approx(total * 1e6 / jobs)  # £53,529
    assert published["gva_industry_name"] == "All industries"
    adjusted = _row(itl2_2021, "TLG3", "Total")
    assert adjusted["gva_gbp_million"] == total - rent
    assert adjusted["gva_per_job_gbp"] == pytest.approx((total - rent) * 1e6 / jobs)  # £49,466
    assert adjusted["gva_industry_name"] == "All industries, excluding imputed rental"


def test_real_estate_excludes_imputed_rent(itl2_2021: pd.DataFrame, itl2_2021_with_imputed_rent: pd.DataFrame) -> None:
    jobs = _bres("bres_sic2_UKG3_2021.csv")["68"]
    without = _gva("gva_itl2_TLG3_slice.csv", "TLG3", "68", 2021)
    section = _gva("gva_itl2_TLG3_slice.csv", "TLG3", "L (68)", 2021)
    rent = _gva("gva_itl2_TLG3_slice.csv", "TLG3", "68IMP", 2021)
    assert section == without + rent  # 7,815 = 2,503 + 5,312
    assert _row(itl2_2021, "TLG3", "68")["gva_per_job_gbp"] == pytest.approx(without * 1e6 / jobs)  # £92,704
    assert _row(itl2_2021, "TLG3", "L (68)")["gva_per_job_gbp"] == pytest.approx(without * 1e6 / jobs)
    assert _row(itl2_2021_with_imputed_rent, "TLG3", "L (68)")["gva_per_job_gbp"] == pytest.approx(
        section * 1e6 / jobs
    )  # £289,444: what including imputed rent would claim
    assert "68IMP" not in set(itl2_2021["gva_industry_code"])


def test_no_jobs_means_no_gva_per_job(itl2_2021: pd.DataFrame) -> None:
    households = _row(itl2_2021, "TLG3", "T (97-98)")
    assert households["employment"] == 0.0  # BRES publishes 0 for divisions 97 and 98 in TLG3
    assert households["gva_gbp_million"] == _gva("gva_itl2_TLG3_slice.csv", "TLG3", "T (97-98)", 2021) == 23.0
    assert np.isnan(households["gva_per_job_gbp"])


def test_great_britain_benchmark(itl2_2021: pd.DataFrame) -> None:
    gva = _parquet("gva_itl2_current_prices")
    gva = gva[(gva["year"] == 2021) & (gva["area_code"] != "TLN0")]
    bres = _parquet("bres_itl2_sic2")
    bres = bres[bres["year"] == 2021]
    assert bres["area_code"].nunique() == 40
    for code, divisions in (("Total", None), ("29", ["29"]), ("CL (29-30)", ["29", "30"])):
        jobs = (
            bres["value"].sum() if divisions is None else bres.loc[bres["industry_code"].isin(divisions), "value"].sum()
        )
        value = gva.loc[gva["industry_code"] == code, "value"].sum()
        if code == "Total":
            value -= gva.loc[gva["industry_code"] == "68IMP", "value"].sum()
        row = _row(itl2_2021, GREAT_BRITAIN, code)
        assert row["employment"] == jobs
        assert row["gva_gbp_million"] == pytest.approx(value)
        assert row["gva_per_job_gbp"] == pytest.approx(value * 1e6 / jobs)
    assert "TLN0" not in set(itl2_2021["area_code"])  # Northern Ireland: GVA but no BRES
    assert set(itl2_2021["area_code"]) == set(bres["area_code"]) | {GREAT_BRITAIN}


def test_itl1_sums_its_itl2_areas(warehouse: Warehouse) -> None:
    table = gva_per_job(warehouse, level="itl1", year=2021, exclude_imputed_rent=False)
    bres = _parquet("bres_itl2_sic2")
    jobs = bres.loc[(bres["year"] == 2021) & bres["area_code"].str.startswith("TLG"), "value"].sum()
    gva = _parquet("gva_itl1_current_prices")
    total = gva.loc[(gva["year"] == 2021) & (gva["area_code"] == "TLG") & (gva["industry_code"] == "Total"), "value"]
    row = _row(table, "TLG", "Total")
    assert row["employment"] == jobs
    assert row["gva_per_job_gbp"] == pytest.approx(float(total.iloc[0]) * 1e6 / jobs)
    assert sorted(set(table["area_code"])) == [
        "TLC",
        "TLD",
        "TLE",
        "TLF",
        "TLG",
        "TLH",
        "TLI",
        "TLJ",
        "TLK",
        "TLL",
        "TLM",
    ]


def test_chained_volume_prices(warehouse: Warehouse) -> None:
    table = gva_per_job(warehouse, year=2019, prices="chained_volume")
    gva = _parquet("gva_itl2_chained_volume")
    value = gva.loc[(gva["year"] == 2019) & (gva["area_code"] == "TLG3") & (gva["industry_code"] == "29"), "value"]
    bres = _parquet("bres_itl2_sic2")
    jobs = bres.loc[(bres["year"] == 2019) & (bres["area_code"] == "TLG3") & (bres["industry_code"] == "29"), "value"]
    assert _row(table, "TLG3", "29")["gva_per_job_gbp"] == pytest.approx(
        float(value.iloc[0]) * 1e6 / float(jobs.iloc[0])
    )
    assert table.attrs["gva_dataset"] == "gva_itl2_chained_volume"


def test_only_years_in_both_sources(warehouse: Warehouse) -> None:
    with pytest.raises(UnknownCodeError, match=r"unknown year '2022'; valid choices: 2015, 2016, .*2021"):
        gva_per_job(warehouse, year=2022)  # GVA has 2022, BRES ends in 2021
    years = sorted(set(gva_per_job(warehouse, prices="chained_volume")["year"]))
    assert years == list(range(2015, 2022))


def test_bad_parameters(warehouse: Warehouse) -> None:
    with pytest.raises(ParameterError, match=r"level must be one of 'itl1', 'itl2', 'itl3', not 'nuts2'"):
        gva_per_job(warehouse, level="nuts2")
    with pytest.raises(ParameterError, match=r"prices must be one of 'current', 'chained_volume', not 'real'"):
        gva_per_job(warehouse, prices="real")


# -- ITL3: needs local employment ----------------------------------------------------------------------------------
def test_itl3_without_local_employment_says_how_to_import(warehouse: Warehouse) -> None:
    with pytest.raises(ParameterError) as caught:
        gva_per_job(warehouse, level="itl3", year=2021)
    message = str(caught.value)
    assert "ITL3 productivity needs employment for ITL3 areas or local authority districts" in message
    assert "clusterplan data import FILE --format nomis" in message


def test_itl3_with_imported_employment(local_warehouse: Warehouse) -> None:
    table = gva_per_job(local_warehouse, level="itl3", year=2021)
    assert table.attrs["employment_dataset"] == "user_itl3"
    assert set(table["area_code"]) == {"TLF30", "TLK30"}
    with open(HERE / "bres_nuts3_same_territory_2021.csv", encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    for area, nuts in (("TLF30", "UKF30"), ("TLK30", "UKK30")):
        jobs = {r["INDUSTRY_CODE"]: float(r["COUNT"]) for r in rows if r["GEOGRAPHY_CODE"] == nuts}
        transport = _gva("gva_itl3_TLF30_TLK30_slice.csv", area, "CK-CL (28-30)", 2021)
        row = _row(table, area, "CK-CL (28-30)")
        assert row["employment"] == jobs["28"] + jobs["29"] + jobs["30"]
        assert row["gva_per_job_gbp"] == pytest.approx(transport * 1e6 / (jobs["28"] + jobs["29"] + jobs["30"]))
        real_estate = _gva("gva_itl3_TLF30_TLK30_slice.csv", area, "68", 2021)
        assert _row(table, area, "68")["gva_per_job_gbp"] == pytest.approx(real_estate * 1e6 / jobs["68"])
        # Only four divisions were imported: the total's employment is unknown, not understated.
        assert np.isnan(_row(table, area, "Total")["employment"])
        assert np.isnan(_row(table, area, "Total")["gva_per_job_gbp"])
    # TLF30 2021: 443 / (4,000 + 1,500 + 1,000) jobs = £68,154 per job.
    assert _row(table, "TLF30", "CK-CL (28-30)")["gva_per_job_gbp"] == pytest.approx(443e6 / 6500)


def test_itl3_with_two_local_datasets_asks_which(local_warehouse: Warehouse) -> None:
    facts, provenance = read_user_file(HERE / "bres_nuts3_same_territory_2021.csv", "nomis", dataset="user_itl3_again")
    local_warehouse.import_facts(facts, provenance, file="again.csv")
    try:
        with pytest.raises(
            ParameterError, match=r"several datasets hold local employment \(user_itl3, user_itl3_again\)"
        ):
            gva_per_job(local_warehouse, level="itl3", year=2021)
        chosen = gva_per_job(local_warehouse, level="itl3", year=2021, employment_dataset="user_itl3_again")
        assert set(chosen["area_code"]) == {"TLF30", "TLK30"}
    finally:
        local_warehouse.raw.execute("DELETE FROM imported_facts WHERE dataset = 'user_itl3_again'")
        local_warehouse.raw.execute("DELETE FROM datasets WHERE dataset = 'user_itl3_again'")


def test_lads_add_up_to_itl3_only_when_all_are_present(warehouse: Warehouse) -> None:
    # Cornwall and Isles of Scilly (TLK30) is two LADs; Birmingham (TLG31) is one.
    both = _area_map(warehouse, ["E06000052", "E06000053", "E08000025"], "itl3").sort_values("source_area")
    assert both.to_dict("list") == {
        "source_area": ["E06000052", "E06000053", "E08000025"],
        "area_code": ["TLK30", "TLK30", "TLG31"],
        "members": [2, 2, 1],
    }
    # An ITL3 area's own rows are preferred over its LADs', so nothing is counted twice.
    mixed = _area_map(warehouse, ["TLK30", "E06000052"], "itl3")
    assert mixed.to_dict("list") == {"source_area": ["TLK30"], "area_code": ["TLK30"], "members": [1]}
    itl1 = _area_map(warehouse, ["TLG1", "TLG2", "TLG3"], "itl1")
    assert set(itl1["area_code"]) == {"TLG"} and set(itl1["members"]) == {3}


# -- clusters ------------------------------------------------------------------------------------------------------
def _gb_cluster(codes: list[str], level_rows: dict[str, list[str]], year: int, gva_dataset: str) -> tuple[float, float]:
    """Great Britain's employment and estimated GVA of a set of SIC subclasses, summed from the Parquet files."""
    bres = _parquet("bres_itl2_sic5")
    bres = bres[bres["year"] == year]
    gva = _parquet(gva_dataset)
    gva = gva[(gva["year"] == year) & ~gva["area_code"].str.startswith("TLN")]
    jobs = sum(bres.loc[bres["industry_code"] == c, "value"].sum() for c in codes)
    estimate = 0.0
    for code in codes:
        row = next(r for r, divisions in level_rows.items() if code[:2] in divisions)
        row_jobs = bres.loc[bres["industry_code"].str[:2].isin(level_rows[row]), "value"].sum()
        row_gva = gva.loc[gva["industry_code"] == row, "value"].sum()
        estimate += bres.loc[bres["industry_code"] == code, "value"].sum() * row_gva / row_jobs
    return jobs, estimate


def test_cluster_productivity_golden(warehouse: Warehouse) -> None:
    mapping = pd.DataFrame(
        {"cluster_id": "vehicles", "cluster_name": "Cars and aircraft", "industry_code": ["29100", "29320", "30300"]}
    )
    table = cluster_productivity(warehouse, mapping, region="UKG3", year=2021)
    assert list(table.columns) == CLUSTER_PRODUCTIVITY_COLUMNS
    row = table.iloc[0]
    jobs = _bres("bres_sic5_UKG3_2021_divisions_29_30.csv")
    motor_jobs = sum(v for k, v in jobs.items() if k.startswith("29"))  # 28,075 (the division row says 28,000)
    other_jobs = sum(v for k, v in jobs.items() if k.startswith("30"))  # 3,620
    motor_gva = _gva("gva_itl2_TLG3_slice.csv", "TLG3", "29", 2021)
    other_gva = _gva("gva_itl2_TLG3_slice.csv", "TLG3", "30", 2021)
    estimate = (jobs["29100"] + jobs["29320"]) * motor_gva / motor_jobs + jobs["30300"] * other_gva / other_jobs
    employment = jobs["29100"] + jobs["29320"] + jobs["30300"]
    assert (row["cluster_id"], row["cluster_name"], row["area_code"], row["year"]) == (
        "vehicles",
        "Cars and aircraft",
        "TLG3",
        2021,
    )
    assert row["employment"] == employment == 29000.0
    assert row["gva_gbp_million"] == pytest.approx(estimate)
    assert row["gva_per_job_gbp"] == pytest.approx(estimate * 1e6 / employment)
    assert row["gva_rows"] == "29; 30"
    gb_jobs, gb_gva = _gb_cluster(
        ["29100", "29320", "30300"], {"29": ["29"], "30": ["30"]}, 2021, "gva_itl2_current_prices"
    )
    assert row["benchmark_employment"] == gb_jobs
    assert row["benchmark_gva_gbp_million"] == pytest.approx(gb_gva)
    assert row["benchmark_gva_per_job_gbp"] == pytest.approx(gb_gva * 1e6 / gb_jobs)
    assert row["relative_productivity"] == pytest.approx((estimate / employment) / (gb_gva / gb_jobs))


def test_whole_division_gets_exactly_its_row_gva(warehouse: Warehouse) -> None:
    codes = [c for c in _bres("bres_sic5_UKG3_2021_divisions_29_30.csv") if c.startswith("29")]
    table = cluster_productivity(
        warehouse, pd.DataFrame({"cluster_id": "motor", "industry_code": codes}), region="TLG3", year=2021
    )
    assert table.loc[0, "gva_gbp_million"] == pytest.approx(_gva("gva_itl2_TLG3_slice.csv", "TLG3", "29", 2021))
    assert table.loc[0, "cluster_name"] == "motor"


def test_cluster_productivity_from_a_taxonomy(warehouse: Warehouse) -> None:
    from clusterplan.taxonomy import load_taxonomy

    plan = load_taxonomy("wmca_plan_for_growth")
    table = cluster_productivity(warehouse, plan, region="West Midlands", year=2021)
    assert table["cluster_id"].tolist() == list(plan.cluster_ids)
    assert (table["area_code"] == "TLG3").all()
    assert table["relative_productivity"].notna().all()
    logistics = table.set_index("cluster_id").loc["logistics"]
    assert logistics["gva_rows"] == "49; 50-51; 52; 53"


def test_cluster_productivity_bad_inputs(warehouse: Warehouse) -> None:
    with pytest.raises(ParameterError, match=r"1 codes of the taxonomy mapping are not among the codes of dataset "):
        cluster_productivity(
            warehouse, pd.DataFrame({"cluster_id": "x", "industry_code": ["29"]}), region="TLG3", year=2021
        )
    with pytest.raises(UnknownCodeError, match=r"unknown itl2 area 'TLZ9'"):
        cluster_productivity(
            warehouse, pd.DataFrame({"cluster_id": "x", "industry_code": ["29100"]}), region="TLZ9", year=2021
        )
    with pytest.raises(UnknownCodeError, match=r"unknown year '2014'"):
        cluster_productivity(
            warehouse, pd.DataFrame({"cluster_id": "x", "industry_code": ["29100"]}), region="TLG3", year=2014
        )


def test_cluster_productivity_at_itl3(local_warehouse: Warehouse) -> None:
    mapping = pd.DataFrame({"cluster_id": "motor", "industry_code": ["29"]})
    table = cluster_productivity(local_warehouse, mapping, region="TLF30", level="itl3", year=2021)
    row = table.iloc[0]
    transport = _gva("gva_itl3_TLF30_TLK30_slice.csv", "TLF30", "CK-CL (28-30)", 2021)
    assert row["employment"] == 1500.0
    assert row["gva_gbp_million"] == pytest.approx(1500.0 * transport / 6500.0)
    assert row["gva_per_job_gbp"] == pytest.approx(transport * 1e6 / 6500.0)
    assert row["gva_rows"] == "CK-CL (28-30)"
    bres = _parquet("bres_itl2_sic5")
    gb_motor = bres.loc[(bres["year"] == 2021) & bres["industry_code"].str.startswith("29"), "value"].sum()
    gb_rows = bres.loc[(bres["year"] == 2021) & bres["industry_code"].str[:2].isin(["28", "29", "30"]), "value"].sum()
    gva = _parquet("gva_itl3_current_prices")
    gb_row_gva = gva.loc[
        (gva["year"] == 2021) & (gva["industry_code"] == "CK-CL (28-30)") & ~gva["area_code"].str.startswith("TLN"),
        "value",
    ].sum()
    assert row["benchmark_employment"] == gb_motor
    assert row["benchmark_gva_gbp_million"] == pytest.approx(gb_motor * gb_row_gva / gb_rows)
    assert row["relative_productivity"] == pytest.approx((transport * 1e6 / 6500.0) / (gb_row_gva * 1e6 / gb_rows))


def test_every_area_estimate_at_once_is_each_area_estimate_alone(warehouse: Warehouse) -> None:
    from clusterplan.pipeline import productivity
    from clusterplan.taxonomy import load_taxonomy

    kept = {}
    for name in ("wmca_plan_for_growth", "uk_industrial_strategy_is8"):
        mapping = load_taxonomy(name).mapping()
        inputs = productivity._cluster_productivity_inputs(
            warehouse, mapping, "bres_itl2_sic5", "itl2", 2021, "current"
        )
        every = productivity._employment_by_code(warehouse, "bres_itl2_sic5", "itl2", code_length=None, years=[2021])
        estimates = productivity._estimates_by_area(inputs, every)
        assert len(estimates) == 40
        for area, found in estimates.items():
            alone = productivity._estimate(inputs, area, every[every["area_code"] == area].reset_index(drop=True))
            assert list(found.columns) == list(alone.columns)
            for column in alone.columns:  # the same numbers to the bit
                assert found[column].reindex(alone.index).to_numpy().tobytes() == alone[column].to_numpy().tobytes()
        kept[name] = estimates
        # A profile's table (through the kept estimates) is the one made from the area's estimate alone.
        table = cluster_productivity(warehouse, mapping, region="TLG3", year=2021)
        alone = productivity._estimate(inputs, "TLG3", every[every["area_code"] == "TLG3"].reset_index(drop=True))
        expected = table["cluster_id"].map(alone["gva_gbp_million"]).to_numpy()
        assert table["gva_gbp_million"].to_numpy().tobytes() == expected.tobytes()
    # Each taxonomy's estimates are its own clusters'.
    first, second = (set(kept[n]["TLG3"].index) for n in kept)
    assert first != second
