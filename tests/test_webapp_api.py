"""The web app's JSON API in process (httpx over ASGI): every endpoint, its errors, headers and OpenAPI schema.

Golden values are summed by hand from the raw published rows:

* BRES 2021, West Midlands (NUTS 2016 UKG3 = ITL TLG3), the WMCA "electric light vehicles and
  batteries" cluster (SIC 27200, 29100, 29310, 29320): 50 + 15,000 + 700 + 11,000 = 26,750 jobs of
  1,304,965 in all subclasses; Great Britain 142,490 of 31,366,000; LQ = (26,750 / 1,304,965) /
  (142,490 / 31,366,000) = 4.51232. In 2015 the cluster had 28,440, so growth is
  (26,750 / 28,440) ** (1 / 6) - 1 = -1.0158% a year.
* CBP 2019, CBSA 12060: all industries ("00") 2,457,928; the apparel cluster of the US Cluster Mapping
  traded clusters has only NAICS 314999 there, 1,944 jobs; all CBSAs 23,214 of 122,485,576;
  LQ = 4.17313.
"""

from __future__ import annotations

import hashlib
import math
import re
import threading
from collections.abc import Iterator
from functools import partial
from pathlib import Path
from typing import Any

import pytest

fastapi = pytest.importorskip("fastapi")
httpx = pytest.importorskip("httpx")
anyio_from_thread = pytest.importorskip("anyio.from_thread")

from clusterplan import ParameterError, WarehouseError, __version__, profile_region  # noqa: E402
from clusterplan.pipeline.tables import reference_tables  # noqa: E402
from clusterplan.web import create_app  # noqa: E402
from clusterplan.web.app import CONTENT_SECURITY_POLICY, STATIC_DIR, plotly_js_path  # noqa: E402

TABLES = reference_tables()

TLG3_EV_EMPLOYMENT = 50 + 15_000 + 700 + 11_000
TLG3_TOTAL_2021 = 1_304_965
GB_EV_EMPLOYMENT = 142_490
GB_TOTAL_2021 = 31_366_000
TLG3_EV_LQ = (TLG3_EV_EMPLOYMENT / TLG3_TOTAL_2021) / (GB_EV_EMPLOYMENT / GB_TOTAL_2021)
TLG3_EV_EMPLOYMENT_2015 = 28_440
CBSA_12060_TOTAL = 2_457_928
CBSA_12060_APPAREL = 1_944
US_APPAREL_LQ = (1_944 / 2_457_928) / (23_214 / 122_485_576)


class Client:
    """A synchronous face on httpx.AsyncClient over the ASGI app (an event loop in a helper thread)."""

    def __init__(self, portal: Any, client: Any) -> None:
        self.portal = portal
        self.client = client

    def get(self, url: str, **kwargs: Any) -> Any:
        return self.portal.call(partial(self.client.get, url, **kwargs))

    def request(self, method: str, url: str, **kwargs: Any) -> Any:
        return self.portal.call(partial(self.client.request, method, url, **kwargs))


@pytest.fixture(scope="module")
def app_warehouse(tmp_path_factory: pytest.TempPathFactory, warehouse_path: Path) -> Path:
    """A private copy, so the byte-for-byte read-only check cannot be disturbed by other tests."""
    target = tmp_path_factory.mktemp("webapp") / "warehouse.duckdb"
    target.write_bytes(warehouse_path.read_bytes())
    return target


@pytest.fixture(scope="module")
def app(app_warehouse: Path) -> Iterator[Any]:
    application = create_app(app_warehouse, pool_size=2)
    yield application
    application.state.service.close()


@pytest.fixture(scope="module")
def client(app: Any) -> Iterator[Client]:
    with anyio_from_thread.start_blocking_portal() as portal:

        async def make() -> Any:
            return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://127.0.0.1")

        async_client = portal.call(make)
        yield Client(portal, async_client)
        portal.call(async_client.aclose)


def ok(client: Client, url: str) -> Any:
    response = client.get(url)
    assert response.status_code == 200, response.text
    return response.json()


def cluster(profile: dict[str, Any], cluster_id: str) -> dict[str, Any]:
    return next(c for c in profile["clusters"] if c["cluster_id"] == cluster_id)


# -- endpoints -------------------------------------------------------------------------------------------------


def test_health_names_version_and_datasets(client: Client) -> None:
    body = ok(client, "/api/health")
    assert body["status"] == "ok"
    assert body["clusterplan_version"] == __version__
    assert body["datasets"] == ["bres_itl2_sic5", "us_cbp_2019_cbsa"]


def test_regions_are_the_40_gb_itl2_areas_933_cbsas_and_171_csas(client: Client) -> None:
    regions = ok(client, "/api/regions")["regions"]
    gb = [r for r in regions if r["geography"] == "uk"]
    us = [r for r in regions if r["geography"] == "us"]
    assert len(gb) == 40 and [len([r for r in us if r["level"] == level]) for level in ("cbsa", "csa")] == [933, 171]
    west_midlands = next(r for r in gb if r["code"] == "TLG3")
    assert west_midlands["name"] == "West Midlands"
    assert west_midlands["total_employment"] == TLG3_TOTAL_2021
    assert west_midlands["parent_code"] == "TLG"
    atlanta = next(r for r in us if r["code"] == "12060")
    assert atlanta["label"] == "Atlanta-Sandy Springs-Roswell, GA (12060)"
    assert atlanta["total_employment"] == CBSA_12060_TOTAL
    assert [r["code"] for r in ok(client, "/api/regions?geography=us")["regions"]] == [r["code"] for r in us]


@pytest.mark.parametrize("code", ["TLG3", "UKG3", "West Midlands", "west midlands"])
def test_region_detail_resolves_codes_nuts_codes_and_names(client: Client, code: str) -> None:
    body = ok(client, f"/api/regions/{code}")
    assert body["code"] == "TLG3"
    assert body["dataset"]["years"] == list(range(2015, 2022))
    assert body["default_taxonomy"] == "wmca_plan_for_growth"
    assert {"uk_industrial_strategy_is8", "wmca_plan_for_growth"} <= set(body["taxonomies"])
    assert "us_cmp_traded_2014" not in body["taxonomies"]
    benchmarks = {b["value"]: b for b in body["benchmarks"]}
    assert benchmarks["TLG"]["contains_region"] is True and benchmarks["TLG"]["areas"] == 3
    assert benchmarks["TLI"]["contains_region"] is False
    assert body["levels"] == ["sic5", "sic2"]


def test_us_region_detail_has_one_year_and_us_taxonomies(client: Client) -> None:
    body = ok(client, "/api/regions/12060")
    assert body["dataset"]["years"] == [2019]
    assert {"us_cmp_2007", "us_cmp_traded_2014"} <= set(body["taxonomies"])
    assert "wmca_plan_for_growth" not in body["taxonomies"]
    values = [b["value"] for b in body["benchmarks"]]
    assert values[:4] == ["national", "peers", "metro", "micro"]
    # Combined statistical areas holding two or more CBSAs are benchmarks too, e.g. Atlanta's.
    atlanta_csa = next(b for b in body["benchmarks"] if b["value"] == "122")
    assert atlanta_csa["contains_region"] is True and atlanta_csa["label"].startswith("Atlanta--Athens-Clarke County")


def test_taxonomies_and_one_taxonomy(client: Client) -> None:
    listed = {t["name"]: t for t in ok(client, "/api/taxonomies")["taxonomies"]}
    assert listed["wmca_plan_for_growth"]["clusters"] == 8
    assert listed["us_cmp_traded_2014"]["geographies"] == ["us"]
    detail = ok(client, "/api/taxonomies/wmca_plan_for_growth")
    ev = next(c for c in detail["cluster_list"] if c["id"] == "ev_batteries")
    assert set(ev["codes"]) >= {"29100", "27200"}
    assert len(detail["cluster_list"]) == 8


def test_datasets_and_provenance(client: Client) -> None:
    from clusterplan._data import dataset_entry

    listed = {d["dataset"]: d for d in ok(client, "/api/datasets")["datasets"]}
    assert listed["bres_itl2_sic5"]["rows"] == 204_120  # data rows of the NOMIS CSV (204,121 lines with header)
    info = ok(client, "/api/datasets/bres_itl2_sic5")
    assert info["sha256"] == dataset_entry("bres_itl2_sic5")["sha256"]
    assert info["licence"] == "Open Government Licence v3.0"
    assert "loaded_at" not in info


def test_profile_numbers_match_the_hand_computed_lq_and_growth(client: Client) -> None:
    profile = ok(client, "/api/profile?region=TLG3")
    assert profile["region"] == {
        "code": "TLG3",
        "name": "West Midlands",
        "dataset": "bres_itl2_sic5",
        "geography": "uk",
        "members": ["TLG3"],
        "mapping": [],
    }
    assert profile["parameters"]["year"] == 2021 and profile["parameters"]["base_year"] == 2015
    ev = cluster(profile, "ev_batteries")
    assert ev["employment"] == TLG3_EV_EMPLOYMENT
    assert ev["lq"] == pytest.approx(TLG3_EV_LQ, rel=1e-9)
    assert ev["employment_base_year"] == TLG3_EV_EMPLOYMENT_2015
    assert ev["growth_cagr"] == pytest.approx((TLG3_EV_EMPLOYMENT / TLG3_EV_EMPLOYMENT_2015) ** (1 / 6) - 1)
    assert profile["totals"]["region_total_employment"] == TLG3_TOTAL_2021
    assert profile["totals"]["benchmark_total_employment"] == GB_TOTAL_2021
    assert profile["inputs"][0]["dataset"] == "bres_itl2_sic5"
    trend = [t for t in profile["trend"] if t["cluster_id"] == "ev_batteries"]
    assert [t["year"] for t in trend] == list(range(2015, 2022))
    assert trend[0]["employment"] == TLG3_EV_EMPLOYMENT_2015


def test_profile_equals_the_library_for_other_parameters(client: Client, app: Any) -> None:
    """Year, base year and an ITL1 benchmark reach profile_region unchanged."""
    body = ok(client, "/api/profile?region=UKG3&year=2019&base_year=2017&benchmark=tlg")
    with app.state.service.pool.borrow() as warehouse:
        expected = profile_region(warehouse, region="TLG3", year=2019, base_year=2017, benchmark="TLG")
    assert body["parameters"]["benchmark_label"] == "West Midlands (TLG)"
    assert body["parameters"]["benchmark_areas"] == ["TLG1", "TLG2", "TLG3"]
    got = {c["cluster_id"]: (c["lq"], c["growth_cagr"]) for c in body["clusters"]}
    for row in expected.clusters.itertuples():
        assert got[row.cluster_id] == pytest.approx((row.lq, row.growth_cagr), rel=1e-9)


def test_traded_denominator_raises_the_lq_of_a_traded_cluster(client: Client) -> None:
    everything = cluster(ok(client, "/api/profile?region=TLG3"), "ev_batteries")
    traded = ok(client, "/api/profile?region=TLG3&denominator=traded")
    assert traded["parameters"]["denominator_choice"] == "traded"
    assert traded["parameters"]["denominator"].endswith(" codes")
    assert cluster(traded, "ev_batteries")["lq"] != pytest.approx(everything["lq"])


def test_us_profile_matches_the_cbp_rows(client: Client) -> None:
    # The hand-computed LQ is on the published cells; the default rebuilds the withheld ones.
    profile = ok(client, "/api/profile?region=12060&cells=published")
    assert profile["region"]["name"] == "Atlanta-Sandy Springs-Roswell, GA"
    assert profile["taxonomy"]["name"] == "us_cmp_traded_2014"
    assert profile["parameters"]["base_year"] is None
    assert len(profile["clusters"]) == 51
    apparel = cluster(profile, "apparel")
    assert apparel["employment"] == CBSA_12060_APPAREL
    assert apparel["lq"] == pytest.approx(US_APPAREL_LQ, rel=1e-9)
    assert apparel["growth_cagr"] is None  # one year of data: no growth, null not NaN
    # Rebuilt cells add apparel jobs withheld elsewhere to the national total, so Atlanta's LQ falls, and the
    # LQ stays inside the range that the withheld cells allow.
    rebuilt = cluster(ok(client, "/api/profile?region=12060"), "apparel")
    assert rebuilt["lq"] < apparel["lq"]
    assert rebuilt["lq_low"] <= rebuilt["lq"] <= rebuilt["lq_high"]


def test_profile_regions_has_every_area_for_a_cluster(client: Client) -> None:
    body = ok(client, "/api/profile/regions?region=TLG3&cluster=ev_batteries")
    assert body["cluster"] == {"id": "ev_batteries", "name": "Electric light vehicles and batteries"}
    rows = {r["area_code"]: r for r in body["rows"]}
    assert len(rows) == 40
    assert rows["TLG3"]["lq"] == pytest.approx(TLG3_EV_LQ, rel=1e-9)
    assert rows["TLG3"]["employment"] == TLG3_EV_EMPLOYMENT
    assert sum(r["employment"] for r in rows.values()) == GB_EV_EMPLOYMENT
    everything = ok(client, "/api/profile/regions?region=TLG3")
    assert len(everything["rows"]) == 40 * 8 and everything["cluster"] is None


def test_measures_of_one_region_by_sic_division(client: Client) -> None:
    body = ok(client, "/api/measures?region=TLG3&level=sic2")
    rows = {r["industry_code"]: r for r in body["rows"]}
    # Division 29 (motor vehicles), 2021, BRES division table: West Midlands 28,000 of 1,307,455 in all
    # divisions; Great Britain 160,050 of 31,341,585.
    assert body["parameters"]["dataset"] == "bres_itl2_sic2"
    assert rows["29"]["area_code"] == "TLG3"
    assert rows["29"]["employment"] == 28_000
    assert rows["29"]["lq"] == pytest.approx((28_000 / 1_307_455) / (160_050 / 31_341_585), rel=1e-9)
    assert len(ok(client, "/api/measures?region=TLG3")["rows"]) > 600  # sic5 subclasses by default


def test_boundaries_are_geojson(client: Client) -> None:
    response = client.get("/api/boundaries/itl2")
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/geo+json"
    body = response.json()
    assert body["type"] == "FeatureCollection" and len(body["features"]) == 41
    assert {f["properties"]["code"] for f in body["features"]} >= {"TLG3", "TLN0"}


def test_scenarios_equal_clusterplan_scenarios_for_the_chosen_settings(client: Client, app: Any) -> None:
    from clusterplan.pipeline.scenarios import load_scenario_config, scenario_outputs

    # A fixed baseline method (no backtest) keeps the test quick; the dashboard's default is "auto".
    body = ok(
        client,
        "/api/scenarios?region=TLG3&target_year=2035&comparator_rule=strong&baseline=no_change&weights=pay=0.5,scale=0",
    )
    config = body["scenario_parameters"]
    assert config["target_year"] == 2035 and config["scenario"]["comparator_rule"] == "strong"
    assert config["priorities"]["weights"]["pay"] == 0.5 and config["priorities"]["weights"]["scale"] == 0.0
    ev = next(r for r in body["scenarios"] if r["cluster_id"] == "ev_batteries")
    assert ev["jump_off_year"] == 2021 and ev["target_year"] == 2035
    assert ev["jump_off_jobs"] == TLG3_EV_EMPLOYMENT
    assert ev["baseline_jobs"] == TLG3_EV_EMPLOYMENT  # no change: the baseline keeps the jump-off jobs
    with app.state.service.pool.borrow() as warehouse:
        profile = profile_region(warehouse, region="TLG3")
        overrides = {
            "target_year": 2035,
            "scenario.comparator_rule": "strong",
            "baseline.method": "no_change",
            "priorities.weights": {"pay": 0.5, "scale": 0.0},
        }
        expected = scenario_outputs(warehouse, profile, load_scenario_config(overrides=overrides))
    got = {r["cluster_id"]: r for r in body["scenarios"]}
    for row in expected.scenarios.itertuples():
        assert got[row.cluster_id]["additional_jobs_low"] == pytest.approx(row.additional_jobs_low, rel=1e-9)
        assert got[row.cluster_id]["additional_jobs_high"] == pytest.approx(row.additional_jobs_high, rel=1e-9)
    ranks = {r["cluster_id"]: r["rank"] for r in body["priorities"]}
    assert ranks == dict(zip(expected.priorities["cluster_id"], expected.priorities["rank"], strict=True))
    variants = ["baseline", "scenario_low", "scenario_central", "scenario_high"]
    assert [r["variant"] for r in body["region_summary"]] == variants
    # The dashboard gets the same warnings as the run (a high case over 5% of jobs or GVA, few comparators ...).
    assert [w["kind"] for w in body["warnings"]] == [w["kind"] for w in expected.warnings]
    assert [r["scenario"] for r in body["region_range"]] == ["low", "central", "high"]
    # The comparator rule is the leader method's, and the default method is similar: the answer says it was unread.
    assert body["unread_settings"] == ["comparator_rule"]


def test_scenarios_name_the_parameters_their_method_does_not_read(client: Client) -> None:
    choices = "region=TLG3&baseline=no_change&comparator_rule=stars&low=median&high=leader"
    # high=leader is the default: only what differs from the defaults counts.
    assert ok(client, f"/api/scenarios?{choices}")["unread_settings"] == ["comparator_rule", "low"]
    assert ok(client, f"/api/scenarios?{choices}&method=leader")["unread_settings"] == []


def test_scenario_parameters_list_defaults_and_choices(client: Client) -> None:
    body = ok(client, "/api/scenarios/parameters")
    assert body["defaults"]["target_year"] == 2030
    assert body["choices"]["comparator_rule"] == ["lq", "strong", "stars"]
    criteria = [c["name"] for c in body["choices"]["criteria"]]
    assert "growth_potential" in criteria and set(body["defaults"]["weights"]) <= set(criteria)


def test_supply_chains_of_a_region(client: Client) -> None:
    from clusterplan.inputoutput import cluster_linkages

    body = ok(client, "/api/supply-chains?region=UKG3&top=3")
    assert body["parameters"]["region"] == "TLG3" and body["parameters"]["method"] == "flq"
    expected = cluster_linkages(TABLES, "wmca_plan_for_growth", region="TLG3", top=3)
    suppliers = [
        r for r in body["suppliers_and_customers"] if r["cluster_id"] == "ev_batteries" and r["relation"] == "supplier"
    ]
    want = expected.partners[
        (expected.partners.cluster_id == "ev_batteries") & (expected.partners.relation == "supplier")
    ]
    assert [r["partner_code"] for r in suppliers] == want["partner_code"].tolist()
    assert len(suppliers) == 3
    sourcing = {r["cluster_id"]: r["share_in_region"] for r in body["input_sourcing"]}
    assert expected.input_sourcing is not None
    assert sourcing["ev_batteries"] == pytest.approx(expected.input_sourcing.loc["ev_batteries", "share_in_region"])
    assert 0 < sourcing["ev_batteries"] < 1


def test_supply_chains_of_a_us_metro(client: Client) -> None:
    body = ok(client, "/api/supply-chains?region=19820&top=3")
    assert body["parameters"]["region"] == "19820" and body["parameters"]["unit"] == "$ million"
    suppliers = [
        r for r in body["suppliers_and_customers"] if r["cluster_id"] == "automotive" and r["relation"] == "supplier"
    ]
    assert len(suppliers) == 3 and all("flow_usd_m" in r for r in suppliers)
    sourcing = {r["cluster_id"]: r["share_in_region"] for r in body["input_sourcing"]}
    assert 0 < sourcing["automotive"] < 1


def test_subregional_breakdown_of_a_cluster(client: Client, app: Any) -> None:
    from clusterplan.pipeline.subregional import subregional_breakdown

    body = ok(client, "/api/subregional?region=TLG3&cluster=ev_batteries&year=2021")
    rows = {r["area_code"]: r for r in body["rows"]}
    # The seven ITL3 areas of the West Midlands metropolitan county.
    assert sorted(rows) == ["TLG31", "TLG32", "TLG33", "TLG36", "TLG37", "TLG38", "TLG39"]
    assert sum(r["share_of_region"] for r in rows.values()) == pytest.approx(1.0)
    with app.state.service.pool.borrow() as warehouse:
        expected = subregional_breakdown(warehouse, region="TLG3", taxonomy="wmca_plan_for_growth", year=2021)
    expected = expected[expected["cluster_id"] == "ev_batteries"].set_index("area_code")
    for code, row in rows.items():
        assert row["value"] == pytest.approx(expected.loc[code, "value"], rel=1e-12)
        assert row["lq_gb"] == pytest.approx(expected.loc[code, "lq_gb"], rel=1e-12)


def test_hotspots_of_a_cluster(client: Client) -> None:
    body = ok(client, "/api/hotspots?cluster=ev_batteries&level=itl2&measure=employment&permutations=99")
    assert body["parameters"]["level"] == "itl2" and body["parameters"]["permutations"] == 99
    rows = {r["area_code"]: r for r in body["rows"]}
    assert len(rows) == 40  # every GB ITL2 area
    assert rows["TLG3"]["value"] == TLG3_EV_EMPLOYMENT
    assert sum(r["value"] for r in rows.values()) == GB_EV_EMPLOYMENT
    assert -1 <= body["global"]["moran_i"] <= 1 and 0 < body["global"]["moran_p"] <= 1


# -- errors --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "status", "fragments"),
    [
        ("/api/profile?region=XX9", 400, ["unknown region 'XX9'", "West Midlands (TLG3)"]),
        ("/api/profile?region=99999", 400, ["unknown region '99999'", "12060"]),
        ("/api/profile?year=2014", 400, ["unknown year '2014'", "2015, 2016"]),
        ("/api/profile?year=abc", 422, ["query parameter 'year'", "valid integer", "'abc'"]),
        ("/api/profile?year=3000", 422, ["query parameter 'year'", "less than or equal to 2100"]),
        ("/api/profile?base_year=2021", 400, ["base_year 2021 must be before year 2021"]),
        ("/api/profile?region=12060&base_year=2015", 400, ["one year (2019)"]),
        ("/api/profile?taxonomy=nope", 400, ["unknown taxonomy 'nope'", "wmca_plan_for_growth"]),
        ("/api/profile?taxonomy=us_cmp_traded_2014", 400, ["classifies naics2017", "valid choices:", "wmca_plan"]),
        ("/api/profile?taxonomy=../etc/passwd", 422, ["query parameter 'taxonomy'", "not allowed"]),
        ("/api/profile?region=%2Fetc%2Fpasswd", 422, ["query parameter 'region'", "not allowed"]),
        ("/api/profile?benchmark=TLZ", 400, ["unknown benchmark 'TLZ'", "national, peers, TLC"]),
        ("/api/profile?peers=TLD3", 400, ["peers apply only with benchmark=peers"]),
        ("/api/profile?benchmark=peers&peers=TLD3,NOPE", 400, ["unknown region 'NOPE'"]),
        ("/api/profile?denominator=some", 422, ["'denominator'", "'all' or 'traded'"]),
        ("/api/profile?regoin=TLG3", 422, ["unknown query parameter 'regoin'", "valid parameters: base_year"]),
        ("/api/profile?year=2021&year=2020", 422, ["'year' given 2 times"]),
        ("/api/profile/regions?cluster=nope", 400, ["unknown cluster of wmca_plan_for_growth 'nope'", "aerospace"]),
        ("/api/measures", 422, ["query parameter 'region'", "Field required"]),
        ("/api/measures?region=TLG3&level=naics6", 400, ["level 'naics6' does not apply", "sic5, sic2"]),
        ("/api/measures?region=TLG3&level=sic9", 400, ["unknown level 'sic9'", "naics6"]),
        ("/api/regions?geography=fr", 422, ["'geography'", "'uk' or 'us'"]),
        ("/api/regions/Atlantis", 404, ["unknown region 'Atlantis'"]),
        ("/api/taxonomies/nope", 404, ["unknown taxonomy 'nope'", "us_cmp_2007"]),
        ("/api/datasets/nope", 404, ["unknown dataset 'nope'", "bres_itl2_sic5"]),
        ("/api/boundaries/msoa", 404, ["unknown boundary level 'msoa'", "itl1, itl2, itl3, lad"]),
        ("/api/nothing", 404, ["no such page or endpoint"]),
        ("/api/scenarios?region=12060", 400, ["scenarios need an employment time series", "one year (2019)"]),
        ("/api/scenarios?target_year=2021", 400, ["target_year 2021 must be after the profile year 2021"]),
        ("/api/scenarios?comparator_rule=best", 422, ["'comparator_rule'", "'lq', 'strong' or 'stars'"]),
        ("/api/scenarios?weights=charm=1", 400, ["unknown priority criterion 'charm'", "growth_potential"]),
        ("/api/scenarios?weights=pay%3D-1", 422, ["query parameter 'weights'", "not allowed"]),
        ("/api/supply-chains?method=tlq", 422, ["'method'", "'slq', 'cilq', 'flq' or 'aflq'"]),
        ("/api/supply-chains?delta=1.5", 422, ["'delta'", "less than 1"]),
        ("/api/supply-chains?top=0", 422, ["'top'", "greater than or equal to 1"]),
        ("/api/subregional?region=12060", 400, ["region 12060 is not a GB ITL2 area"]),
        ("/api/subregional?cluster=nope", 400, ["unknown cluster of wmca_plan_for_growth 'nope'"]),
        ("/api/hotspots", 422, ["query parameter 'cluster'", "Field required"]),
        ("/api/hotspots?cluster=logistics&permutations=5000", 422, ["'permutations'", "less than or equal to 999"]),
        ("/api/hotspots?cluster=logistics&level=lad&measure=gva", 400, ["not local authority districts"]),
    ],
)
def test_errors_say_what_was_wrong_and_the_choices(client: Client, url: str, status: int, fragments: list[str]) -> None:
    response = client.get(url)
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/json"
    assert response.headers["cache-control"] == "no-store"
    body = response.json()
    assert list(body) == ["error"]
    assert "\n" not in body["error"]
    for fragment in fragments:
        assert fragment in body["error"]


@pytest.mark.parametrize(
    ("url", "name", "limit"),
    [
        ("/api/profile?region=" + "A" * 101, "region", 100),
        ("/api/regions/" + "A" * 101, "code", 100),
        ("/api/profile?taxonomy=" + "a" * 65, "taxonomy", 64),
        ("/api/taxonomies/" + "a" * 65, "name", 64),
        ("/api/profile/regions?cluster=" + "a" * 81, "cluster", 80),
        ("/api/hotspots?cluster=" + "a" * 81, "cluster", 80),
        ("/api/profile?benchmark=" + "A" * 21, "benchmark", 20),
        ("/api/measures?region=TLG3&level=" + "a" * 11, "level", 10),
        ("/api/profile?benchmark=peers&peers=" + ",".join(["TLD3"] * 201), "peers", 1000),
        ("/api/scenarios?weights=" + ",".join(["pay=0.1"] * 51), "weights", 400),
        # Oversized and with forbidden characters: the length is what is reported.
        ("/api/profile?region=" + "%2F" * 1000, "region", 100),
    ],
)
def test_oversized_parameters_are_refused_naming_the_parameter_and_its_limit(
    client: Client, url: str, name: str, limit: int
) -> None:
    response = client.get(url)
    assert response.status_code == 422, response.text
    message = response.json()["error"]
    assert f"parameter {name!r}" in message
    assert f"at most {limit} are allowed: shorten it" in message
    assert "AAAA" not in message and "aaaa" not in message  # the value is not echoed back


def test_too_many_peers_are_refused_before_any_work(client: Client, app: Any) -> None:
    peers = ",".join(f"TL{c}{d}" for c in "CDEFGHIJKM" for d in range(1, 12))  # 110 codes, 659 characters
    response = client.get(f"/api/profile?benchmark=peers&peers={peers}")
    assert response.status_code == 422, response.text
    assert response.json()["error"].startswith("query parameter 'peers' lists 110 areas; at most 100 are allowed")
    schema = ok(client, "/openapi.json")
    parameters = {p["name"]: p for p in schema["paths"]["/api/profile"]["get"]["parameters"]}
    assert "at most 100 areas and 1000 characters" in parameters["peers"]["description"]


def test_oversized_query_string_is_refused_before_routing(client: Client) -> None:
    response = client.get("/api/profile?region=TLG3&" + "x" * 5000)
    assert response.status_code == 414
    assert response.headers["cache-control"] == "no-store"
    assert response.json() == {
        "error": "query string is 5012 bytes; at most 4096 are allowed: send fewer or shorter parameters "
        "(limits are in /openapi.json)"
    }
    # 60 kB (near what HTTP clients send at most) is refused by the same check: nothing is parsed.
    big = client.get("/api/profile?peers=" + "A" * 60_000)
    assert big.status_code == 414
    assert "query string is 60006 bytes" in big.json()["error"]


def test_openapi_documents_every_size_limit(client: Client) -> None:
    schema = ok(client, "/openapi.json")

    def max_length(path: str, name: str) -> int:
        parameter = next(p for p in schema["paths"][path]["get"]["parameters"] if p["name"] == name)
        options = parameter["schema"].get("anyOf", [parameter["schema"]])
        return int(next(s["maxLength"] for s in options if s.get("type") == "string"))

    assert max_length("/api/profile", "region") == 100
    assert max_length("/api/profile", "taxonomy") == 64
    assert max_length("/api/profile", "peers") == 1000
    assert max_length("/api/profile", "benchmark") == 20
    assert max_length("/api/profile/regions", "cluster") == 80
    assert max_length("/api/hotspots", "cluster") == 80
    assert max_length("/api/measures", "level") == 10
    assert max_length("/api/scenarios", "weights") == 400
    assert max_length("/api/regions/{code}", "code") == 100
    assert "414" in schema["paths"]["/api/profile"]["get"]["responses"]


def test_only_get_is_allowed(client: Client) -> None:
    for method in ("POST", "PUT", "DELETE", "PATCH", "HEAD"):
        response = client.request(method, "/api/profile")
        assert response.status_code == 405
        assert response.headers["allow"] == "GET"
        if method == "HEAD":
            continue  # no body
        assert response.json() == {"error": f"method {method} not allowed; the API is read-only (GET)"}


def test_foreign_host_names_are_refused(client: Client) -> None:
    """A DNS-rebinding page reaches the loopback server under its own host name: refused."""
    response = client.get("/api/health", headers={"host": "attacker.example:8000"})
    assert response.status_code == 400
    assert response.json()["error"].startswith("host 'attacker.example' not allowed")
    assert client.get("/api/health", headers={"host": "localhost:8000"}).status_code == 200
    assert client.get("/api/health", headers={"host": "[::1]:8000"}).status_code == 200


# -- headers, pages, schema ----------------------------------------------------------------------------------


@pytest.mark.parametrize(("url", "cache"), [("/api/taxonomies", "private, max-age=300"), ("/", "no-cache")])
def test_security_and_cache_headers(client: Client, url: str, cache: str) -> None:
    response = client.get(url)
    assert response.status_code == 200
    headers = response.headers
    assert headers["content-security-policy"] == CONTENT_SECURITY_POLICY
    assert "script-src 'self';" in CONTENT_SECURITY_POLICY and "unsafe-eval" not in CONTENT_SECURITY_POLICY
    assert headers["x-content-type-options"] == "nosniff"
    assert headers["x-frame-options"] == "DENY"
    assert headers["referrer-policy"] == "no-referrer"
    assert headers["cache-control"] == cache


def test_large_answers_are_compressed(client: Client) -> None:
    response = client.get("/api/boundaries/itl2", headers={"accept-encoding": "gzip"})
    assert response.headers["content-encoding"] == "gzip"
    assert int(response.headers["content-length"]) < 200_000  # 264 kB of GeoJSON


def test_openapi_describes_every_endpoint_and_its_constraints(client: Client) -> None:
    schema = ok(client, "/openapi.json")
    assert schema["info"]["title"] == "clusterplan" and schema["info"]["version"] == __version__
    assert set(schema["paths"]) == {
        "/api/health",
        "/api/regions",
        "/api/regions/{code}",
        "/api/taxonomies",
        "/api/taxonomies/{name}",
        "/api/datasets",
        "/api/datasets/{name}",
        "/api/boundaries/{level}",
        "/api/profile",
        "/api/profile/regions",
        "/api/measures",
        "/api/scenarios",
        "/api/scenarios/parameters",
        "/api/supply-chains",
        "/api/subregional",
        "/api/hotspots",
    }
    parameters = {p["name"]: p for p in schema["paths"]["/api/profile"]["get"]["parameters"]}
    year = next(s for s in parameters["year"]["schema"]["anyOf"] if s.get("type") == "integer")
    assert (year["minimum"], year["maximum"]) == (1990, 2100)
    assert parameters["denominator"]["schema"]["enum"] == ["all", "traded"]
    assert "ErrorOut" in schema["components"]["schemas"]
    assert "400" in schema["paths"]["/api/profile"]["get"]["responses"]


def test_pages_load_nothing_from_other_sites_and_run_no_inline_script(client: Client) -> None:
    for page in ("/", "/docs"):
        html = client.get(page).text
        assert not re.search(r"(src|href)=\"(https?:)?//", html), page
        scripts = re.findall(r"<script\b[^>]*>", html)
        assert scripts and all(" src=" in tag for tag in scripts), page
        assert not re.search(r"\son[a-z]+=", html), page  # no inline event handlers (CSP blocks them)
    for asset in ("dashboard.js", "docs.js", "dashboard.css"):
        response = client.get(f"/static/{asset}")
        assert response.status_code == 200
        text = response.text.replace('"http://www.w3.org/2000/svg"', "")  # the SVG namespace name, not a fetch
        assert "http://" not in text and "https://" not in text, asset
    assert (STATIC_DIR / "favicon.svg").is_file()
    assert client.get("/favicon.ico").headers["content-type"] == "image/svg+xml"


def test_plotly_is_served_from_the_python_package(client: Client) -> None:
    path = plotly_js_path()
    if path is None:
        pytest.skip("the plotly package is not installed")
    response = client.get("/vendor/plotly.min.js")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/javascript")
    assert hashlib.sha256(response.content).hexdigest() == hashlib.sha256(path.read_bytes()).hexdigest()
    assert response.headers["cache-control"] == "public, max-age=86400"


# -- caching, concurrency, read-only ---------------------------------------------------------------------------


def test_repeated_profiles_come_from_the_cache(client: Client, app: Any) -> None:
    service = app.state.service
    url = "/api/profile?region=TLH1&year=2020"
    first = client.get(url)
    misses = service.profiles.misses
    rendered = service.responses.misses
    hits = service.responses.hits
    second = client.get(url)
    assert second.content == first.content
    assert service.profiles.misses == misses  # nothing recomputed
    assert service.responses.misses == rendered  # nor rendered or compressed again
    assert service.responses.hits > hits
    # Equivalent spellings share one computed profile.
    client.get("/api/profile/regions?region=ukh1&year=2020&cluster=logistics")
    assert service.profiles.misses == misses


def test_a_repeated_request_is_answered_before_routing_with_the_same_bytes_and_headers(
    client: Client, app: Any
) -> None:
    service = app.state.service
    url = "/api/profile?region=TLE3&year=2020"
    first = client.get(url)
    assert service.requests.get(("/api/profile", b"region=TLE3&year=2020")) is not None
    checked: list[Any] = []
    # The route's parameter checks must not run again.
    service.profile_query = lambda **choices: checked.append(choices)
    try:
        second = client.get(url)
    finally:
        del service.profile_query
    assert not checked
    assert second.content == first.content
    for header in ("content-type", "content-encoding", "vary", "cache-control", "content-security-policy"):
        assert second.headers.get(header) == first.headers.get(header), header
    # The maps' GeoJSON keeps its type; a client without gzip gets the plain bytes from the same cache.
    shapes = client.get("/api/boundaries/itl2")
    again = client.get("/api/boundaries/itl2")
    assert again.headers["content-type"] == shapes.headers["content-type"] == "application/geo+json"
    plain = client.get("/api/boundaries/itl2", headers={"accept-encoding": "identity"})
    assert "content-encoding" not in plain.headers and plain.json() == shapes.json()
    # An error is never remembered.
    for _ in range(2):
        assert client.get("/api/profile?region=NOWHERE").status_code == 400
    assert service.requests.get(("/api/profile", b"region=NOWHERE")) is None


def test_an_answer_the_client_holds_is_a_304_without_its_bytes(client: Client) -> None:
    url = "/api/profile?region=TLF1&year=2020"
    first = client.get(url, headers={"accept-encoding": "gzip"})
    etag = first.headers["etag"]
    # Another spelling of the same request goes through the route; the same spelling is answered before it.
    for asked in ("/api/profile?region=tlf1&year=2020", url):
        held = client.get(asked, headers={"accept-encoding": "gzip", "if-none-match": etag})
        assert held.status_code == 304, asked
        assert held.content == b"" and held.headers["etag"] == etag
        assert held.headers["vary"] == "Accept-Encoding" and "cache-control" in held.headers
    # The plain bytes are another representation, with their own tag; a stale tag gets the whole answer.
    plain = client.get(url, headers={"accept-encoding": "identity"})
    assert plain.headers["etag"] != etag and plain.json() == first.json()
    assert client.get(url, headers={"accept-encoding": "identity", "if-none-match": etag}).status_code == 200
    again = client.get(url, headers={"accept-encoding": "identity", "if-none-match": f'"x", W/{plain.headers["etag"]}'})
    assert again.status_code == 304 and again.content == b""
    # A tag from another answer does not match.
    other = client.get("/api/profile?region=TLF2&year=2020", headers={"if-none-match": etag})
    assert other.status_code == 200 and other.headers["etag"] != etag


def test_measures_against_the_nation_are_the_regions_rows_of_the_national_table(client: Client, app: Any) -> None:
    from clusterplan.pipeline.profile import industry_measures

    body = ok(client, "/api/measures?region=TLD3&level=sic2&year=2019")
    with app.state.service.pool.borrow() as warehouse:
        own = industry_measures(warehouse, level="sic2", region="TLD3", year=2019).drop(columns=["benchmark"])
    assert body["columns"] == list(own.columns)
    assert len(body["rows"]) == len(own)
    for row, (_, expected) in zip(body["rows"], own.iterrows(), strict=True):
        for column, value in expected.items():
            missing = isinstance(value, float) and not math.isfinite(value)
            assert row[column] == (None if missing else value), column


def test_warming_computes_the_shared_answers_and_stops_when_told(app_warehouse: Path) -> None:
    from clusterplan.web._service import DashboardService

    class AfterOne(threading.Event):
        """Set once the first answer has been computed."""

        def __init__(self) -> None:
            super().__init__()
            self.asked = 0

        def is_set(self) -> bool:
            self.asked += 1
            return self.asked > 1

    service = DashboardService(app_warehouse, pool_size=1)
    try:
        assert service.warm(AfterOne()) == 1
        assert len(service.responses) == 1 and service.profiles.misses == 1
        ((resource, query),) = [key for key in service.responses._data]
        assert resource == "profile" and query.taxonomy in service.catalogue.taxonomies
    finally:
        service.close()


def _step_region(query: Any) -> str:
    return str(query.profile.region if hasattr(query, "profile") else query.region)


def test_precompute_covers_every_taxonomy_and_shared_measures_level(app_warehouse: Path) -> None:
    from clusterplan.web._service import _SHARED_MEASURE_LEVELS, DashboardService

    service = DashboardService(app_warehouse, pool_size=1)
    try:
        catalogue = service.catalogue
        steps = service.warm_steps(every_taxonomy=True)
        for name, dataset in catalogue.datasets.items():
            if not catalogue.areas.get(name):
                continue
            mine = [(resource, query) for resource, (query,) in steps if _step_region(query) in catalogue.areas[name]]
            profiled = [q.taxonomy for resource, q in mine if resource == "profile"]
            assert profiled == catalogue.taxonomies_for(dataset) and len(profiled) >= 2
            levels = [q.level for resource, q in mine if resource == "measures"]
            assert levels == [v for v in dataset.levels if v in _SHARED_MEASURE_LEVELS] and levels
            # Scenarios (GB: years to project from) under every taxonomy; a one-year dataset (CBP 2019) has none.
            scenarios = [q.profile.taxonomy for resource, q in mine if resource == "scenarios"]
            assert scenarios == (profiled if len(dataset.years) > 1 else [])
        kinds = [resource for resource, _ in steps]
        assert kinds.index("scenarios") > max(i for i, kind in enumerate(kinds) if kind != "scenarios")
        # Without every_taxonomy: each dataset's own taxonomy only, and no measures.
        default = service.warm_steps()
        assert [r for r, _ in default].count("profile") == sum(1 for a in catalogue.areas.values() if a)
        assert "measures" not in [r for r, _ in default]
    finally:
        service.close()


def test_precompute_ends_before_the_first_request_is_answered(
    app_warehouse: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``create_app(precompute=True)`` computes in its start-up, which the server ends before it listens; the
    background warming does not start then, and the collector leaves what is made alone until the server stops.
    (The warming itself is stubbed: each step is tested above.)"""
    import gc
    import os

    import anyio

    from clusterplan.web._service import DashboardService

    calls: list[tuple[str, Any]] = []

    def warm(service: DashboardService, stop: Any = None, *, every_taxonomy: bool = False) -> int:
        calls.append(("warm", (None if stop is None else stop.is_set(), every_taxonomy, len(service.responses))))
        return 7

    monkeypatch.setattr(DashboardService, "warm", warm)
    lines: list[str] = []
    application = create_app(app_warehouse, pool_size=1, warm=True, precompute=True, progress=lines.append)

    async def serve() -> int:
        # The start-up and shutdown a server runs around its requests (uvicorn listens once the start-up ends).
        async with application.router.lifespan_context(application):
            # Once, every taxonomy, before any answer; with a stop event (which Ctrl-C sets), not set.
            assert calls == [("warm", (False, True, 0))]
            # What exists now lives as long as the server: frozen out of the collector's scans, and younger
            # collections rarer.
            assert gc.get_freeze_count() > frozen_before
            assert gc.get_threshold() == (10_000, *threshold_before[1:])
            transport = httpx.ASGITransport(app=application)
            async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1") as http:
                return (await http.get("/api/health")).status_code

    # Every answer left is short: one computed at a time (the default is one more than the CPUs).
    assert application.state.service.compute_threads == 1
    default = create_app(app_warehouse, pool_size=1).state.service
    try:
        assert default.compute_threads == (os.cpu_count() or 1) + 1
    finally:
        default.close()
    frozen_before, threshold_before = gc.get_freeze_count(), gc.get_threshold()
    assert anyio.run(serve) == 200
    assert (gc.get_freeze_count(), gc.get_threshold()) == (frozen_before, threshold_before)  # as it was after
    assert lines[0] == "precomputing the tables every region shares, for every taxonomy"
    assert lines[1].startswith("precomputed 7 answers and the tables under them in ")
    assert len(calls) == 1  # no background warming after it
    with pytest.raises(ParameterError, match="precompute fills the server's own tables"):
        create_app(app_warehouse, workers=1, precompute=True)


def test_concurrent_requests_on_the_connection_pool_agree_with_serial_answers(client: Client) -> None:
    regions = ["TLC1", "TLD3", "TLE4"]
    results: dict[str, float] = {}
    errors: list[BaseException] = []

    def fetch(code: str) -> None:
        try:
            response = client.get(f"/api/profile?region={code}&base_year=2016")
            assert response.status_code == 200, response.text
            results[code] = cluster(response.json(), "logistics")["lq"]
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=fetch, args=(code,)) for code in regions]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not errors
    rows = {
        r["area_code"]: r["lq"]
        for r in ok(client, "/api/profile/regions?region=TLC1&base_year=2016&cluster=logistics")["rows"]
    }
    for code in regions:
        assert results[code] == pytest.approx(rows[code], rel=1e-12)


def test_the_app_never_writes_the_warehouse(client: Client, app_warehouse: Path) -> None:
    before = hashlib.sha256(app_warehouse.read_bytes()).hexdigest()
    ok(client, "/api/profile?region=TLK4&benchmark=peers")
    ok(client, "/api/measures?region=TLK4&level=sic2&year=2018")
    ok(client, "/api/datasets")
    assert hashlib.sha256(app_warehouse.read_bytes()).hexdigest() == before


def test_missing_warehouse_is_one_line_error(tmp_path: Path) -> None:
    with pytest.raises(
        WarehouseError, match=r"warehouse .*missing\.duckdb does not exist; run `clusterplan data list`"
    ):
        create_app(tmp_path / "missing.duckdb")
