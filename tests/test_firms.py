"""Firm-level clusters: locating firms by postcode, DBSCAN/HDBSCAN agglomerations, the Duranton-Overman test and
the area x SIC x year panel in the warehouse.

The firms are the illustrative rows of tests/fixtures/companies_house (placed at real ONSPD postcode centroids
in Aberdeen, London and Manchester); expected values are worked out by hand from those rows. They test the
methods, not the economy.
"""

from __future__ import annotations

import duckdb
import ibis
import numpy as np
import pandas as pd
import pytest

from _util import FIXTURES
from clusterplan import ParameterError
from clusterplan._schema import validate_facts
from clusterplan.geography.firms import (
    EARTH_RADIUS_KM,
    active_at_year_end,
    agglomerations_geojson,
    duranton_overman,
    firm_agglomerations,
    firm_match_summary,
    firm_panel,
    firm_panel_facts,
    firms_in_codes,
    k_density,
    locate_firms,
)
from clusterplan.sources.companies_house import read_basic_company_data
from clusterplan.sources.ons_geography import load_lad_itl_lookup
from clusterplan.sources.postcodes import read_onspd
from clusterplan.warehouse import load_basic_company_data_duckdb, load_onspd_duckdb

COMPANIES = FIXTURES / "companies_house" / "basic_company_data_mini.csv"
ONSPD = FIXTURES / "postcodes" / "onspd_mini.csv"
SUBSEA = [f"SC9000{i:02d}" for i in range(1, 14)]  # 13 firms in Altens / East Tullos (AB12 3J*, 3L*)
HAULAGE = [f"SC9000{i:02d}" for i in range(15, 20)]  # 5 firms in AB12 3LA, 3NA, 3NB, 3ND, 3NE
SOFTWARE = [f"SC9000{i:02d}" for i in range(20, 25)]  # 5 firms at one centroid (AB16 9UL ... 9UR)


@pytest.fixture(scope="module")
def located() -> pd.DataFrame:
    firms, _ = locate_firms(read_basic_company_data(COMPANIES), read_onspd(ONSPD), lookup=load_lad_itl_lookup())
    return firms


def test_every_firm_is_kept_and_failures_are_counted() -> None:
    firms, report = locate_firms(read_basic_company_data(COMPANIES), read_onspd(ONSPD), lookup=load_lad_itl_lookup())
    assert len(firms) == 37 == report.firms
    assert (report.located, report.no_postcode, report.postcode_not_in_directory) == (32, 2, 2)
    assert report.postcode_without_location == 1 and report.outside_lookup == 0
    assert report.unmatched_postcodes == ["LS10 2RU", "RG26 5AT"]
    by_number = firms.set_index("company_number")
    assert by_number.loc["12900004", "location_status"] == "postcode without location"  # JE2 4WD, Jersey
    assert by_number.loc["07687209", "location_status"] == "postcode not in directory"
    assert by_number.loc["12900007", "location_status"] == "no postcode"  # "NOT KNOWN"
    assert by_number.loc["SC900001", ["lad_code", "itl3_code", "itl2_code"]].tolist() == [
        "S12000033",
        "TLM50",
        "TLM5",
    ]
    assert by_number.loc["12900001", "itl3_code"] == "TLI44"  # SE1P 5ZZ, Southwark
    assert "32 of 37 firms located" in report.summary()


def test_active_at_year_end_and_cluster_membership(located: pd.DataFrame) -> None:
    subsea = firms_in_codes(located, ["091"])
    assert located.loc[subsea, "company_number"].tolist() == [*SUBSEA, "SC900014"]
    # SC900012 was incorporated in 2016, SC900013 dissolved on 15 June 2016.
    active_2015 = located.loc[subsea & active_at_year_end(located, 2015), "company_number"]
    active_2016 = located.loc[subsea & active_at_year_end(located, 2016), "company_number"]
    assert "SC900013" in set(active_2015) and "SC900012" not in set(active_2015)
    assert "SC900013" not in set(active_2016) and "SC900012" in set(active_2016)
    # Second codes count unless all_sic_codes=False: 71122 is the first code of SC900028 and the second of four.
    assert firms_in_codes(located, ["71122"]).sum() == 5
    assert firms_in_codes(located, ["71122"], all_sic_codes=False).sum() == 1


def _haversine(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    lat1, lon1, lat2, lon2 = (
        np.radians(a[:, None, 0]),
        np.radians(a[:, None, 1]),
        np.radians(b[None, :, 0]),
        np.radians(b[None, :, 1]),
    )
    h = np.sin((lat2 - lat1) / 2) ** 2 + np.cos(lat1) * np.cos(lat2) * np.sin((lon2 - lon1) / 2) ** 2
    return 2 * EARTH_RADIUS_KM * np.arcsin(np.sqrt(h))


def test_dbscan_agglomerations(located: pd.DataFrame) -> None:
    points = located[located["location_status"] == "located"]
    labelled = firm_agglomerations(points, eps_km=0.5, min_samples=5)
    groups = labelled.groupby("agglomeration")["company_number"].apply(list).to_dict()
    assert groups[0] == SUBSEA and groups[1] == HAULAGE and groups[2] == SOFTWARE
    assert len(groups[-1]) == 32 - 13 - 5 - 5
    # The definition, checked by brute force: core firms have at least 5 firms (themselves included) within
    # 0.5 km, every core firm is labelled, and every noise firm is more than 0.5 km from every core firm.
    xy = points[["lat", "long"]].to_numpy(dtype=float)
    distances = _haversine(xy, xy)
    core = (distances <= 0.5).sum(axis=1) >= 5
    labels = labelled["agglomeration"].to_numpy()
    assert (labels[core] >= 0).all()
    assert (distances[np.ix_(labels == -1, core)] > 0.5).all()
    assert labelled.attrs["parameters"] == {"method": "dbscan", "metric": "haversine", "eps_km": 0.5, "min_samples": 5}


def test_hdbscan_finds_the_same_three_groups(located: pd.DataFrame) -> None:
    points = located[located["location_status"] == "located"]
    labelled = firm_agglomerations(points, method="hdbscan", min_samples=5)
    groups = labelled.groupby("agglomeration")["company_number"].apply(list).to_dict()
    assert groups[0] == SUBSEA
    assert set(HAULAGE) <= set(groups[1]) and set(SOFTWARE) <= set(groups[2])


def test_agglomerations_geojson(located: pd.DataFrame) -> None:
    labelled = firm_agglomerations(located, eps_km=0.5, min_samples=5)
    layer = agglomerations_geojson(labelled)
    hulls = [f for f in layer["features"] if f["properties"]["kind"] == "agglomeration"]
    points = [f for f in layer["features"] if f["properties"]["kind"] == "firm"]
    assert [h["properties"]["firms"] for h in hulls] == [13, 5, 5] and len(points) == 32
    software = hulls[2]["properties"]
    assert software["postcodes"] == 5 and software["radius_km"] == 0.0  # five postcodes, one centroid
    assert software["itl3_codes"] == ["TLM50"] and hulls[0]["geometry"]["type"] == "Polygon"
    from shapely.geometry import Point, shape

    assert shape(hulls[0]["geometry"]).contains(Point(-2.090487, 57.115987))  # AB12 3JU
    assert layer["clusterplan"]["parameters"]["eps_km"] == 0.5


def test_bad_agglomeration_parameters(located: pd.DataFrame) -> None:
    with pytest.raises(ParameterError, match="method must be one of dbscan, hdbscan"):
        firm_agglomerations(located, method="kmeans")
    with pytest.raises(ParameterError, match="eps_km must be positive"):
        firm_agglomerations(located, eps_km=0)


def test_k_density_integrates_to_one_with_reflection() -> None:
    grid = np.arange(0, 40.0001, 0.01)
    density = k_density(np.array([0.2, 1.0, 3.0, 10.0]), grid, 0.5)
    assert np.trapezoid(density, grid) == pytest.approx(1.0, abs=1e-3)
    # Reflection: a distance of 0.2 km with h = 0.5 puts mass 2 * phi(0.4) / (4 * 0.5) at zero from that pair.
    phi = np.exp(-0.5 * 0.4**2) / np.sqrt(2 * np.pi)
    assert density[0] == pytest.approx(
        (2 * phi + 2 * np.exp(-0.5 * 2**2) / np.sqrt(2 * np.pi) + 2 * np.exp(-0.5 * 6**2) / np.sqrt(2 * np.pi))
        / (4 * 0.5),
        rel=1e-2,  # distances are binned to 10 m before smoothing
    )


def test_duranton_overman_localisation(located: pd.DataFrame) -> None:
    points = located[located["location_status"] == "located"].reset_index(drop=True)
    subsea = firms_in_codes(points, ["091"])
    result = duranton_overman(points, subsea, simulations=999, seed=12345, step_km=0.5)
    assert result.firms == 14 and result.parameters["pool"] == 32
    assert result.localised and not result.dispersed
    assert result.localisation_index == pytest.approx(0.7191, abs=1e-4)
    assert result.bandwidth_km == pytest.approx(0.16094, abs=1e-5)
    table = result.table.set_index("distance_km")
    assert table.loc[0.5, "localised"] and table.loc[0.5, "k_density"] > table.loc[0.5, "global_upper"]
    # Global bands are wider than local ones: only 5% of simulated industries cross them anywhere.
    assert (table["global_upper"] >= table["local_upper"] - 1e-12).all()
    assert "14 firms localised at 0.5-4 km" in result.summary()
    again = duranton_overman(points, subsea, simulations=999, seed=12345, step_km=0.5)
    pd.testing.assert_frame_equal(result.table, again.table)
    haulage = firms_in_codes(points, ["494"])
    assert not duranton_overman(points, haulage, simulations=999, seed=12345, step_km=0.5).localised


def test_duranton_overman_needs_enough_firms(located: pd.DataFrame) -> None:
    points = located[located["location_status"] == "located"]
    with pytest.raises(ParameterError, match="only 1 located firms"):
        duranton_overman(points, firms_in_codes(points, ["25620"]))
    with pytest.raises(ParameterError, match="nothing to compare"):
        duranton_overman(points, np.ones(len(points), dtype=bool))


# -- the panel in the warehouse ---------------------------------------------------------------------------------------
def _tables() -> tuple[ibis.Table, ibis.Table, ibis.Table]:
    firms = read_basic_company_data(COMPANIES)
    postcodes = read_onspd(ONSPD)
    return ibis.memtable(firms), ibis.memtable(postcodes), ibis.memtable(load_lad_itl_lookup())


def test_firm_panel_counts_by_hand() -> None:
    firms, postcodes, lookup = _tables()
    panel = firm_panel(firms, postcodes, lookup, years=[2015, 2020], level="itl3").to_pandas()
    counts = panel.set_index(["area_code", "industry_code", "year"])["active_firms"].to_dict()
    # Subsea (09100) in Aberdeen (TLM50): 2015 = SC900001-11, SC900013 (dissolved 2016), SC900014 = 13;
    # 2020 = SC900001-12, SC900014 = 13. Software (62012): three incorporated by 2020 (2018, 2019, 2020).
    assert counts[("TLM50", "09100", 2015)] == 13 and counts[("TLM50", "09100", 2020)] == 13
    assert counts[("TLM50", "62012", 2020)] == 3 and ("TLM50", "62012", 2015) not in counts
    assert counts[("TLI44", "70229", 2020)] == 1 and ("TLI44", "70229", 2015) not in counts
    # Dormant companies (SE1 9ZZ, LS10 2RU) and firms that cannot be placed are not counted.
    assert not any(code == "99999" for _, code, _ in counts)
    assert sum(v for (a, c, y), v in counts.items() if y == 2020) == 13 + 5 + 1 + 1 + 3 + 1 + 1 + 1 + 1
    lad = firm_panel(firms, postcodes, years=[2020], level="lad", sic_digits=2).to_pandas()
    assert lad.set_index(["area_code", "industry_code"]).loc[("S12000033", "09"), "active_firms"] == 13


def test_firm_panel_with_every_sic_code() -> None:
    firms, postcodes, lookup = _tables()
    panel = firm_panel(firms, postcodes, lookup, years=[2015], level="itl3", all_sic_codes=True).to_pandas()
    counts = panel.set_index(["area_code", "industry_code"])["active_firms"].to_dict()
    # 71122: SC900028 (first code, 1990) and the second code of SC900003, 06, 09 (SC900012 only from 2016).
    assert counts[("TLM50", "71122")] == 4


def test_firm_panel_in_duckdb_matches_memtables() -> None:
    con = duckdb.connect()
    load_basic_company_data_duckdb(con, COMPANIES)
    load_onspd_duckdb(con, ONSPD)
    backend = ibis.duckdb.from_connection(con)
    lookup = ibis.memtable(load_lad_itl_lookup())
    in_db = firm_panel(backend.table("companies"), backend.table("postcodes"), lookup, years=[2015, 2020], level="itl3")
    firms, postcodes, _ = _tables()
    in_memory = firm_panel(firms, postcodes, lookup, years=[2015, 2020], level="itl3")
    keys = ["area_code", "industry_code", "year"]
    pd.testing.assert_frame_equal(
        in_db.to_pandas().sort_values(keys).reset_index(drop=True),
        in_memory.to_pandas().sort_values(keys).reset_index(drop=True),
        check_dtype=False,
    )
    assert firm_match_summary(backend.table("companies"), backend.table("postcodes")) == {
        "firms": 37,
        "no_postcode": 2,
        "postcode_not_in_directory": 2,
        "postcode_without_location": 1,
        "located": 32,
    }


def test_panel_facts_are_canonical() -> None:
    firms, postcodes, lookup = _tables()
    panel = firm_panel(firms, postcodes, lookup, years=[2020], level="lad").to_pandas()
    facts = firm_panel_facts(panel)
    validate_facts(facts)
    assert set(facts["measure"]) == {"active_companies"} and facts["value"].sum() == 27


def test_firm_panel_parameters() -> None:
    firms, postcodes, _ = _tables()
    with pytest.raises(ParameterError, match="needs the LAD → ITL lookup"):
        firm_panel(firms, postcodes, years=[2020], level="itl3")
    with pytest.raises(ParameterError, match="sic_digits must be 2-5"):
        firm_panel(firms, postcodes, years=[2020], sic_digits=6)
