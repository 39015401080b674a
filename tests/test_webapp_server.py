"""``clusterplan serve`` as a real server process: started by the test on a free loopback port, asked over HTTP.

The golden numbers are the hand sums of test_webapp_api (BRES 2021, West Midlands, electric light vehicles and
batteries: 26,750 of 1,304,965 jobs against Great Britain's 142,490 of 31,366,000).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from pathlib import Path

import pytest

pytest.importorskip("fastapi")
pytest.importorskip("uvicorn")
import httpx
from click.testing import CliRunner

from clusterplan.cli import cli
from clusterplan.cli.serve import _ensure_warehouse, _is_loopback
from clusterplan.web._process import ServerProcess

TLG3_EV_LQ = (26_750 / 1_304_965) / (142_490 / 31_366_000)


@pytest.fixture(scope="module")
def warehouse_copy(tmp_path_factory: pytest.TempPathFactory, warehouse_path: Path) -> Path:
    target = tmp_path_factory.mktemp("served") / "warehouse.duckdb"
    target.write_bytes(warehouse_path.read_bytes())
    return target


@pytest.fixture(scope="module")
def server(warehouse_copy: Path) -> Iterator[ServerProcess]:
    # The default server: it precomputes the shared tables before it listens (minutes on a loaded machine).
    process = ServerProcess(warehouse_copy, startup_seconds=600, extra_args=("--connections", "2"))
    with process:
        yield process
    # Ctrl-C (SIGINT) is a clean stop.
    assert process.returncode == 0, process.stderr_text
    said = process.stderr_text.splitlines()
    assert said[-2] == "precomputing the tables every region shares, for every taxonomy", said
    assert said[-1].startswith("precomputed 12 answers and the tables under them in "), said


@pytest.fixture(scope="module")
def http(server: ServerProcess) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=server.url, timeout=120, trust_env=False) as client:
        yield client


def test_server_answers_on_loopback_and_says_where(server: ServerProcess, http: httpx.Client) -> None:
    assert server.url.startswith("http://127.0.0.1:")
    health = http.get("/api/health")
    assert health.status_code == 200 and health.json()["status"] == "ok"
    assert "server" not in health.headers  # uvicorn's banner is switched off


def test_profile_over_http(http: httpx.Client) -> None:
    response = http.get("/api/profile", params={"region": "TLG3", "taxonomy": "wmca_plan_for_growth"})
    assert response.status_code == 200
    assert response.headers["content-security-policy"].startswith("default-src 'self'")
    assert response.headers["cache-control"] == "private, max-age=300"
    ev = next(c for c in response.json()["clusters"] if c["cluster_id"] == "ev_batteries")
    assert ev["employment"] == 26_750
    assert ev["lq"] == pytest.approx(TLG3_EV_LQ, rel=1e-9)


def test_dashboard_docs_and_schema_over_http(http: httpx.Client) -> None:
    page = http.get("/")
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    assert '<script src="/static/dashboard.js" defer></script>' in page.text
    assert page.headers["x-frame-options"] == "DENY"
    assert http.get("/docs").status_code == 200
    schema = http.get("/openapi.json").json()
    assert "/api/profile" in schema["paths"]
    assert http.get("/static/dashboard.js").headers["content-type"].startswith("text/javascript")


def test_errors_over_http(http: httpx.Client) -> None:
    bad = http.get("/api/profile", params={"region": "Atlantis"})
    assert bad.status_code == 400
    assert bad.json()["error"].startswith("unknown region 'Atlantis'; did you mean Atlanta-Sandy Springs-Roswell, GA")
    assert http.post("/api/profile").status_code == 405
    foreign = http.get("/api/health", headers={"host": "rebind.example"})
    assert foreign.status_code == 400


def test_server_leaves_the_warehouse_file_unchanged(http: httpx.Client, warehouse_copy: Path) -> None:
    before = hashlib.sha256(warehouse_copy.read_bytes()).hexdigest()
    assert http.get("/api/measures", params={"region": "TLE4", "level": "sic2"}).status_code == 200
    assert hashlib.sha256(warehouse_copy.read_bytes()).hexdigest() == before


def test_serve_help_names_the_loopback_default() -> None:
    result = CliRunner().invoke(cli, ["serve", "--help"], terminal_width=120)
    assert result.exit_code == 0
    words = " ".join(result.output.split())  # as wrapped to the widest option's column
    assert "--host TEXT" in words and "[default: 127.0.0.1]" in words
    assert "--port INTEGER RANGE" in words
    assert "--precompute / --no-precompute" in words and "[default: on; off with --workers]" in words


def test_serve_rejects_a_bad_port() -> None:
    result = CliRunner().invoke(cli, ["serve", "--port", "70000"])
    assert result.exit_code == 2
    assert "70000 is not in the range 1<=x<=65535" in result.output


@pytest.mark.parametrize(
    ("host", "loopback"),
    [
        ("127.0.0.1", True),
        ("127.0.0.2", True),
        ("localhost", True),
        ("::1", True),
        ("0.0.0.0", False),
        ("10.1.2.3", False),
    ],
)
def test_loopback_hosts(host: str, loopback: bool) -> None:
    assert _is_loopback(host) is loopback


def test_serve_precompute_with_workers_is_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from clusterplan.cli import main

    target = tmp_path / "warehouse.duckdb"
    with pytest.raises(SystemExit) as stopped:
        main(["serve", "--precompute", "--workers", "1", "--warehouse", str(target)])
    assert stopped.value.code == 2
    err = capsys.readouterr().err
    assert err.splitlines()[0].startswith("error: --precompute fills the server's own tables")
    assert "Traceback" not in err
    assert not target.exists()  # refused before the warehouse is made


def test_serve_creates_a_missing_warehouse_before_opening_it_read_only(tmp_path: Path) -> None:
    target = tmp_path / "new" / "warehouse.duckdb"
    _ensure_warehouse(target)
    assert target.is_file()
    modified = target.stat().st_mtime_ns
    _ensure_warehouse(target)  # current data: not written again
    assert target.stat().st_mtime_ns == modified


def test_worker_processes_answer_as_the_server_itself_and_carry_errors(warehouse_path: Path) -> None:
    """Profiles computed in a worker process are the ones computed in the server; a clusterplan error raised
    there reaches the route as the same error, with its details (so it still maps to its HTTP status)."""
    from clusterplan import UnknownCodeError
    from clusterplan.web._service import DashboardService

    local = DashboardService(warehouse_path)
    pooled = DashboardService(warehouse_path, workers=1)
    try:
        pooled.start_workers()
        query = local.profile_query(region="TLG3")
        assert pooled.compute("profile", (query,)) == local.compute("profile", (query,))
        with pytest.raises(UnknownCodeError, match="unknown cluster of wmca_plan_for_growth 'pharma'") as caught:
            pooled.compute("profile_regions", (query, "pharma"))
        assert caught.value.code == "pharma" and "ev_batteries" in caught.value.choices
    finally:
        pooled.close()
        local.close()
