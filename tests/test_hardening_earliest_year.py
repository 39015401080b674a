"""The earliest year can be profiled: growth measures are empty and the output says why (library, CLI and API).

Before: ``year=2015`` failed with "base_year 2015 must be before year 2015" in the API and the CLI.
The golden number is BRES: electric light vehicles and batteries in the West Midlands, 28,440 jobs in 2015.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import pytest

from _util import run_cli
from clusterplan import ParameterError, Warehouse, profile_region

NOTE = "2015 is the earliest year in the data: no growth measures (they need an earlier year)"


def test_library_profiles_the_earliest_year_without_growth(warehouse: Warehouse) -> None:
    profile = profile_region(warehouse, region="TLG3", year=2015)
    assert profile.parameters["base_year"] is None and profile.parameters["growth_note"] == NOTE
    ev = profile.clusters.set_index("cluster_id").loc["ev_batteries"]
    assert ev["employment"] == 28_440
    assert math.isnan(ev["growth_cagr"]) and math.isnan(ev["benchmark_growth_cagr"])
    # An explicit base year that is not earlier is still an error, naming both years.
    with pytest.raises(ParameterError, match="base year 2016 must be before year 2015"):
        profile_region(warehouse, region="TLG3", year=2015, base_year=2016)


def test_cli_run_of_the_earliest_year_says_growth_is_empty(tmp_path: Path, fresh_warehouse: Path) -> None:
    result = run_cli(
        "run", "--region", "TLG3", "--year", "2015", "--analyses", "none", "--quiet",
        "--out", str(tmp_path / "out"), "--warehouse", str(fresh_warehouse),
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert f"2015 ({NOTE})" in result.stdout


def test_api_profiles_the_earliest_year(warehouse_path: Path, tmp_path: Path) -> None:
    pytest.importorskip("fastapi")
    import anyio
    import httpx

    from clusterplan.web import create_app

    copy = tmp_path / "warehouse.duckdb"
    copy.write_bytes(warehouse_path.read_bytes())
    app = create_app(copy, pool_size=1)

    async def get() -> Any:
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://127.0.0.1") as client:
            return await client.get("/api/profile", params={"region": "TLG3", "year": 2015})

    try:
        response = anyio.run(get)
    finally:
        app.state.service.close()
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["parameters"]["base_year"] is None and body["parameters"]["growth_note"] == NOTE
    ev = next(c for c in body["clusters"] if c["cluster_id"] == "ev_batteries")
    assert ev["employment"] == 28_440 and ev["growth_cagr"] is None
