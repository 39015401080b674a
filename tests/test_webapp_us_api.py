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
