"""The dashboard API for US metros: hotspots across the CBSAs, the US Cluster Mapping portal's convention and the
County Business Patterns cells on the profile and industry-measures routes.

Golden values for CBSA 19820 (Detroit-Warren-Dearborn, MI), automotive cluster of the 51 traded clusters, 77,178
jobs. On published cells (raw file ``us/cbp/cbp2019_cbsa_naics2to6_emp_estab.csv``) the cluster's LQ is 17.08
against all industries; the portal's LQ on traded employment is lower (13.96) because Detroit's traded share of
jobs is above the nation's. With the withheld cells rebuilt, national automotive employment grows and the LQs fall
to 8.22 and 7.46, with ranges over every split of the hidden jobs.
"""

from __future__ import annotations

from collections.abc import Iterator
from functools import partial
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("fastapi")
httpx = pytest.importorskip("httpx")
anyio_from_thread = pytest.importorskip("anyio.from_thread")

from clusterplan import profile_region  # noqa: E402
from clusterplan.pipeline.profile import industry_measures  # noqa: E402
from clusterplan.web import create_app  # noqa: E402


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory, warehouse_path: Path) -> Iterator[Any]:
    copy = tmp_path_factory.mktemp("webapp_us") / "warehouse.duckdb"
    copy.write_bytes(warehouse_path.read_bytes())
    app = create_app(copy, pool_size=2)
    with anyio_from_thread.start_blocking_portal() as portal:

        async def make() -> Any:
            return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://127.0.0.1")

        async_client = portal.call(make)
        yield lambda url: portal.call(partial(async_client.get, url))
        portal.call(async_client.aclose)
    app.state.service.close()


def automotive(body: dict[str, Any]) -> dict[str, Any]:
    return next(c for c in body["clusters"] if c["cluster_id"] == "automotive")


@pytest.mark.parametrize(
    ("query", "lq", "convention"),
    [
        ("cells=published", 17.0814, "clusterplan"),
        ("cells=published&convention=cluster-mapping", 13.9576, "cluster_mapping"),
        ("", 8.2215, "clusterplan"),
        ("convention=cluster-mapping", 7.4625, "cluster_mapping"),
    ],
)
def test_profile_takes_the_portal_convention_and_the_cells(client: Any, query: str, lq: float, convention: str) -> None:
    response = client(f"/api/profile?region=19820&{query}")
    assert response.status_code == 200, response.text
    body = response.json()
    row = automotive(body)
    assert row["employment"] == 77_178
    assert row["lq"] == pytest.approx(lq, abs=1e-4)
    assert body["parameters"]["convention"] == convention
    assert body["parameters"]["cells"] == ("published" if "published" in query else "reconstructed")
    if convention == "cluster_mapping":
        # The portal's own columns, and its traded denominator (as the CLI's --convention implies).
        assert row["cmp_lq"] == pytest.approx(lq, abs=1e-4)
        assert body["parameters"]["denominator_choice"] == "traded"
    else:
        assert "cmp_lq" not in row


def test_profile_matches_the_library_under_the_portal_convention(client: Any, warehouse: Any) -> None:
    body = client("/api/profile?region=19820&convention=cluster-mapping").json()
    profile = profile_region(warehouse, region="19820", convention="cluster_mapping")
    expected = profile.clusters.set_index("cluster_id").loc["automotive"]
    row = automotive(body)
    for column in ("lq", "lq_low", "lq_high", "cmp_lq_rank"):
        assert row[column] == pytest.approx(float(expected[column]), rel=1e-12)


def test_portal_convention_is_refused_for_gb_regions(client: Any) -> None:
    for url in (
        "/api/profile?region=TLG3&convention=cluster-mapping",
        "/api/measures?region=TLG3&convention=cluster-mapping",
    ):
        response = client(url)
        assert response.status_code == 400
        assert "US metro areas (County Business Patterns) only" in response.json()["error"]
    assert client("/api/profile?region=19820&convention=portal").status_code == 422


def test_measures_take_the_cells_and_the_portal_convention(client: Any, warehouse: Any) -> None:
    # NAICS 336111 (automobile manufacturing) in Detroit: 10,375 jobs; out of all 1,817,005 jobs, or out of the
    # 661,332 traded ones under the portal's convention (traded industries only).
    body = client("/api/measures?region=19820&level=naics6&convention=cluster-mapping").json()
    assert body["parameters"]["convention"] == "cluster_mapping"
    rows = {r["industry_code"]: r for r in body["rows"]}
    assert rows["336111"]["employment"] == 10_375
    assert rows["336111"]["area_total"] == pytest.approx(661_331.97)
    assert "722511" not in rows  # restaurants are no traded industry
    every = client("/api/measures?region=19820&level=naics6").json()
    assert len(every["rows"]) > len(body["rows"])
    assert {r["industry_code"]: r for r in every["rows"]}["336111"]["area_total"] == 1_817_005
    published = client("/api/measures?region=19820&level=naics4&cells=published").json()
    assert published["parameters"]["cells"] == "published"
    table = industry_measures(warehouse, level="naics4", region="19820", cells="published")
    assert len(published["rows"]) == len(table)
    wrong = client("/api/measures?region=19820&level=naics4&convention=cluster-mapping")
    assert wrong.status_code == 400 and "naics6" in wrong.json()["error"]


def test_hotspots_across_cbsas(client: Any) -> None:
    body = client("/api/hotspots?cluster=automotive&level=cbsa&permutations=99").json()
    assert body["parameters"]["level"] == "cbsa" and body["parameters"]["taxonomy"] == "us_cmp_traded_2014"
    rows = {r["area_code"]: r for r in body["rows"]}
    assert len(rows) == 925  # the CBSAs of the contiguous states with County Business Patterns data
    assert rows["19820"]["area_name"] == "Detroit-Warren-Dearborn, MI"
    assert rows["19820"]["value"] == pytest.approx(8.2215, abs=1e-4)  # the profile's LQ, rebuilt cells
    assert body["global"]["moran_i"] > 0.3  # automotive jobs sit in the Midwest and the South-East
    wrong = client("/api/hotspots?cluster=ev_batteries&level=cbsa")
    assert wrong.status_code in (400, 404) and "us_cmp_traded_2014" in wrong.json()["error"]


def test_hotspots_across_cbsas_on_published_cells(client: Any) -> None:
    # The map reads the cells the profile reads: published only, Detroit's automotive LQ is the profile's 17.08.
    body = client("/api/hotspots?cluster=automotive&level=cbsa&permutations=99&cells=published").json()
    assert body["parameters"]["cells"] == "published" and "published cells only" in body["parameters"]["basis"]
    rows = {r["area_code"]: r for r in body["rows"]}
    assert rows["19820"]["value"] == pytest.approx(17.0814, abs=1e-4)
    profile = automotive(client("/api/profile?region=19820&cells=published").json())
    assert rows["19820"]["value"] == pytest.approx(profile["lq"])
    wrong = client("/api/hotspots?cluster=automotive&level=cbsa&cells=imputed")
    assert wrong.status_code in (400, 422)


DETROIT_CSA = ["10300", "11460", "19820", "22420", "33780"]


def test_csas_are_regions_of_the_dashboard(client: Any) -> None:
    regions = client("/api/regions?geography=us").json()["regions"]
    csas = {r["code"]: r for r in regions if r["level"] == "csa"}
    # The 172 CSAs of the April 2018 delineation that hold CBSAs of CBP 2019, less the one with a single CBSA
    # in the data (which is that CBSA).
    assert len(csas) == 171 and len(regions) - len(csas) == 933
    detroit = csas["220"]
    assert detroit["label"] == "Detroit-Warren-Ann Arbor, MI CSA (220)" and detroit["members"] == DETROIT_CSA
    cbsas = {r["code"]: r for r in regions if r["level"] == "cbsa"}
    assert detroit["total_employment"] == pytest.approx(sum(cbsas[m]["total_employment"] for m in DETROIT_CSA))
    assert all(len(r["members"]) >= 2 and r["name"] for r in csas.values())
    # Its own CSA is no benchmark of a CSA (it would be the only benchmark area); the other CSAs are.
    detail = client("/api/regions/CSA%20220").json()
    assert (detail["code"], detail["level"]) == ("220", "csa")
    benchmarks = [b["value"] for b in detail["benchmarks"]]
    assert "220" not in benchmarks and "176" in benchmarks and "metro" in benchmarks


def test_profile_map_and_supply_chains_of_a_csa(client: Any) -> None:
    profile = client("/api/profile?region=220").json()
    assert profile["region"]["members"] == DETROIT_CSA and profile["region"]["name"] == "Detroit-Warren-Ann Arbor, MI"
    assert automotive(profile)["employment"] == pytest.approx(82_934.6, abs=0.1)
    rows = client("/api/profile/regions?region=220&cluster=automotive").json()["rows"]
    codes = {r["area_code"] for r in rows}
    assert "220" in codes and not codes & set(DETROIT_CSA)  # the five CBSAs are one area on the map
    chains = client("/api/supply-chains?region=220&top=3").json()
    assert chains["region"]["code"] == "220" and chains["suppliers_and_customers"]
