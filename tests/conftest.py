"""Shared fixtures: the raw data folder, a warehouse built from the embedded data."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from _util import ARTIFACTS, CHROMIUM, CHROMIUM_ARGS, shared_data_dir


@pytest.fixture(scope="session")
def shared_data() -> Path:
    path = shared_data_dir()
    if path is None:
        pytest.skip("raw data folder ../shared/data not present (it is in CI and on developer machines)")
    return path


@pytest.fixture(scope="session")
def warehouse_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A warehouse file with the embedded data loaded once for the whole session (read it, don't write)."""
    from clusterplan.warehouse import Warehouse

    path = tmp_path_factory.mktemp("warehouse") / "warehouse.duckdb"
    Warehouse(path).close()
    return path


@pytest.fixture(scope="session")
def warehouse(warehouse_path: Path):  # type: ignore[no-untyped-def]
    from clusterplan.warehouse import Warehouse

    wh = Warehouse(warehouse_path, read_only=True)
    yield wh
    wh.close()


@pytest.fixture
def fresh_warehouse(tmp_path: Path, warehouse_path: Path) -> Path:
    """A private copy of the session warehouse that a test may write to."""
    target = tmp_path / "warehouse.duckdb"
    target.write_bytes(warehouse_path.read_bytes())
    return target


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """Headless Chromium driven by Playwright, one per test module; the test skips without Playwright (the browser
    extra) or without the Chromium binary (CHROMIUM in _util)."""
    sync_api = pytest.importorskip("playwright.sync_api", reason="needs the browser extra (pip install playwright)")
    if not CHROMIUM.exists():
        pytest.skip(f"no Chromium at {CHROMIUM} (apt-get install chromium, or set CLUSTERPLAN_CHROMIUM)")
    ARTIFACTS.mkdir(exist_ok=True)
    with sync_api.sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture(scope="session", autouse=True)
def _results_cache_of_this_session(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """Results kept on disk (clusterplan._cache) go to a folder of this test session, never the user's cache;
    subprocesses inherit it."""
    folder = tmp_path_factory.mktemp("results-cache")
    previous = os.environ.get("CLUSTERPLAN_CACHE")
    os.environ["CLUSTERPLAN_CACHE"] = str(folder)
    yield folder
    if previous is None:
        os.environ.pop("CLUSTERPLAN_CACHE", None)
    else:
        os.environ["CLUSTERPLAN_CACHE"] = previous


# Fixture generators are scripts, not tests or doctests.
collect_ignore_glob = ["fixtures/*"]


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]):  # type: ignore[no-untyped-def]
    """In CI a browser or Spark test may not skip: .ci/run installs Chromium and Java, so a skip there
    means the environment is broken, and it must fail rather than hide (CLUSTERPLAN_REQUIRE_BROWSER/SPARK=1)."""
    outcome = yield
    report = outcome.get_result()
    if not report.skipped:
        return
    for marker, variable in (("browser", "CLUSTERPLAN_REQUIRE_BROWSER"), ("spark", "CLUSTERPLAN_REQUIRE_SPARK")):
        if item.get_closest_marker(marker) is not None and os.environ.get(variable) == "1":
            report.outcome = "failed"
            report.longrepr = f"{marker} test skipped although {variable}=1: {report.longrepr}"
