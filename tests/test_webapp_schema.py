"""The OpenAPI schema is what is served: every JSON route's body parses into its route's response model.

The models forbid keys they do not declare, so a body with an undocumented key fails to parse; serialising the
parsed model again must give the body back, so nothing served is outside the model either.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

fastapi = pytest.importorskip("fastapi")
httpx = pytest.importorskip("httpx")
anyio_from_thread = pytest.importorskip("anyio.from_thread")

from fastapi.routing import APIRoute  # noqa: E402
from pydantic import BaseModel  # noqa: E402

from clusterplan.web import create_app  # noqa: E402
from clusterplan.web._service import render  # noqa: E402
from clusterplan.web.routes import router  # noqa: E402

#: A request of every API route (GB and US where they differ), by route path.
REQUESTS = {
    "/api/health": ["/api/health"],
    "/api/regions": ["/api/regions", "/api/regions?geography=us"],
    "/api/regions/{code}": ["/api/regions/TLG3", "/api/regions/12060", "/api/regions/Midlands"],
    "/api/taxonomies": ["/api/taxonomies"],
    "/api/taxonomies/{name}": ["/api/taxonomies/wmca_plan_for_growth", "/api/taxonomies/us_cmp_traded_2014"],
    "/api/datasets": ["/api/datasets"],
    "/api/datasets/{name}": [
        "/api/datasets/bres_itl2_sic5",
        "/api/datasets/us_cbp_2019_cbsa",
        "/api/datasets/boundaries_itl2",
    ],
    "/api/boundaries/{level}": ["/api/boundaries/itl1", "/api/boundaries/cbsa"],
    "/api/profile": ["/api/profile?region=TLG3", "/api/profile?region=12060&denominator=traded"],
    "/api/profile/regions": ["/api/profile/regions?region=TLG3&cluster=ev_batteries"],
    "/api/scenarios/parameters": ["/api/scenarios/parameters"],
    "/api/scenarios": ["/api/scenarios?region=TLG3"],
    "/api/supply-chains": ["/api/supply-chains?region=TLG3&top=2", "/api/supply-chains?region=19820&top=2"],
    "/api/subregional": ["/api/subregional?region=TLG3&cluster=ev_batteries"],
    "/api/hotspots": ["/api/hotspots?cluster=ev_batteries&level=itl2&measure=employment&permutations=99"],
    "/api/measures": ["/api/measures?region=TLG3&level=sic2", "/api/measures?region=19820&level=naics2"],
}


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory, warehouse_path: Path) -> Iterator[Any]:
    copy = tmp_path_factory.mktemp("schema") / "warehouse.duckdb"
    copy.write_bytes(warehouse_path.read_bytes())
    application = create_app(copy, pool_size=2)
    yield application
    application.state.service.close()


@pytest.fixture(scope="module")
def bodies(app: Any) -> dict[str, bytes]:
    """The served body of every request of :data:`REQUESTS`."""

    async def fetch() -> dict[str, bytes]:
        found = {}
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1") as client:
            for urls in REQUESTS.values():
                for url in urls:
                    response = await client.get(url)
                    assert response.status_code == 200, f"{url}: {response.text}"
                    found[url] = response.content
        return found

    with anyio_from_thread.start_blocking_portal() as portal:
        return portal.call(fetch)


def _api_routes(app: Any) -> dict[str, APIRoute]:
    """The app's API routes (those of the router it includes), by path."""
    assert any(r is router for r in _included(app)), "the app does not include the API router"
    return {r.path: r for r in router.routes if isinstance(r, APIRoute)}


def _included(app: Any) -> list[Any]:
    return [getattr(r, "original_router", r) for r in app.routes]


def test_every_api_route_is_checked_and_declares_its_model(app: Any) -> None:
    routes = _api_routes(app)
    assert sorted(routes) == sorted(REQUESTS)
    for path, route in routes.items():
        assert isinstance(route.response_model, type) and issubclass(route.response_model, BaseModel), path


@pytest.mark.parametrize("path", sorted(REQUESTS))
def test_served_bodies_are_exactly_their_response_model(path: str, app: Any, bodies: dict[str, bytes]) -> None:
    model = _api_routes(app)[path].response_model
    for url in REQUESTS[path]:
        served = json.loads(bodies[url])
        parsed = model.model_validate_json(bodies[url])  # undeclared keys fail: every model forbids them
        assert json.loads(render(model, parsed)) == served, url


def test_a_key_outside_the_model_is_refused(app: Any, bodies: dict[str, bytes]) -> None:
    model = _api_routes(app)["/api/profile"].response_model
    body = json.loads(bodies["/api/profile?region=TLG3"])
    with pytest.raises(ValueError, match="Extra inputs are not permitted"):
        model.model_validate({**body, "undocumented": 1})
    with pytest.raises(ValueError, match="Extra inputs are not permitted"):
        model.model_validate({**body, "region": {**body["region"], "undocumented": 1}})


def test_openapi_names_each_route_model_and_forbids_other_keys(app: Any) -> None:
    schema = app.openapi()
    components = schema["components"]["schemas"]
    for path, route in _api_routes(app).items():
        content = schema["paths"][path]["get"]["responses"]["200"]["content"]
        assert content["application/json"]["schema"]["$ref"] == f"#/components/schemas/{route.response_model.__name__}"
    models = [name for name in components if name.endswith("Out")]
    assert len(models) >= 20
    for name in models:
        assert components[name].get("additionalProperties") is False, name
