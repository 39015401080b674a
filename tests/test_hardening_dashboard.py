"""Dashboard state in real headless Chromium: switching datasets, invalid addresses and hidden controls.

Before: switching from a US metro back to a GB region kept the year 2019, so the West Midlands was silently shown
for 2019; ``#region=XXXX`` showed "Cannot read properties of undefined (reading 'map')" while the status line
still said "Showing West Midlands"; for US regions the scenario controls stayed visible because a
``display:flex`` rule overrode ``hidden``. The ranking's sort order was not in the address.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from test_webapp_browser import TIMEOUT_MS, Page, open_dashboard

pytestmark = pytest.mark.browser

pytest.importorskip("fastapi")
pytest.importorskip("uvicorn")

from clusterplan.web._process import ServerProcess  # noqa: E402


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory, warehouse_path: Path) -> Iterator[ServerProcess]:
    copy = tmp_path_factory.mktemp("dashboard_state") / "warehouse.duckdb"
    copy.write_bytes(warehouse_path.read_bytes())
    # Answers at once; tests/test_webapp_server.py starts the default, precomputing, server.
    with ServerProcess(copy, extra_args=("--no-precompute",)) as process:
        yield process


@pytest.fixture
def page(browser: Any, server: ServerProcess) -> Iterator[Page]:
    opened = Page(browser, server.url)
    yield opened
    opened.close()


def address_problem(page: Page) -> str:
    page.page.wait_for_selector("#address-problem:not([hidden])", timeout=TIMEOUT_MS)
    return page.page.inner_text("#address-problem")


def test_us_then_gb_shows_the_gb_latest_year(page: Page, server: ServerProcess) -> None:
    open_dashboard(page, server)
    page.page.select_option("#region", "12060")
    page.wait_for_status("Showing Atlanta")
    assert page.page.input_value("#year") == "2019"
    page.page.select_option("#region", "TLG3")
    page.wait_for_status("Showing West Midlands (TLG3): 8 clusters, 2021 (growth since 2015)")
    assert page.page.input_value("#year") == "2021" and page.page.input_value("#base_year") == "2015"
    assert "year=2021" in page.page.url
    page.screenshot("dashboard_us_then_gb")
    assert page.problems == []


@pytest.mark.parametrize("how", ["opened", "edited"])
def test_an_unknown_region_in_the_address_is_said_and_the_status_is_true(
    page: Page, server: ServerProcess, how: str
) -> None:
    if how == "opened":
        page.page.goto(f"{server.url}/#region=XXXX")
    else:
        open_dashboard(page, server)
        page.page.select_option("#region", "TLC1")
        page.wait_for_status("Showing Tees Valley")
        page.page.evaluate("() => { window.location.hash = 'region=XXXX'; }")
    message = address_problem(page)
    assert 'The address asks for region "XXXX", which is not available here; showing West Midlands' in message
    page.wait_for_status("Showing West Midlands (TLG3)")
    assert page.page.is_hidden("#error")
    page.screenshot(f"dashboard_unknown_region_{how}")
    assert page.problems == []


def test_invalid_year_cluster_and_sort_in_the_address_are_each_said(page: Page, server: ServerProcess) -> None:
    page.page.goto(f"{server.url}/#region=TLG3&year=1999&cluster=nonsense&sort=lq.sideways&colour=red")
    page.wait_for_status("Showing West Midlands (TLG3): 8 clusters, 2021")
    page.page.wait_for_function(
        "() => document.getElementById('address-problem').textContent.includes('cluster \"nonsense\"')"
    )
    message = page.page.inner_text("#address-problem")
    assert "settings the dashboard does not know (colour)" in message
    assert 'year "1999", which is not available here; showing 2021 instead' in message
    assert 'sort by "lq.sideways"' in message
    assert 'cluster "nonsense", which' in message and "showing Electric light vehicles and batteries instead" in message
    assert page.problems == []


def test_the_sort_order_is_in_the_address_and_restored_from_it(page: Page, server: ServerProcess) -> None:
    open_dashboard(page, server)
    page.page.click('#ranking-table button[data-key="employment"]')
    assert "sort=employment.desc" in page.page.url
    page.page.goto(f"{server.url}/#region=TLG3&sort=employment.asc")
    # The status already says "Showing West Midlands" before the new address is shown: wait for the table instead.
    page.page.wait_for_selector('#ranking-table th[aria-sort="ascending"] [data-key="employment"]', timeout=TIMEOUT_MS)
    page.wait_for_status("Showing West Midlands")
    assert page.page.locator("#ranking-table tbody tr").first.get_attribute("data-cluster") == "creative_content_gaming"
    assert page.page.is_hidden("#address-problem")
    assert page.problems == []


def test_scenario_controls_are_hidden_for_a_us_metro(page: Page, server: ServerProcess) -> None:
    page.page.goto(f"{server.url}/#region=12060")
    page.wait_for_status("Showing Atlanta")
    page.page.locator("#scenario-panel").scroll_into_view_if_needed()
    page.page.wait_for_function(
        "() => document.getElementById('scenario-status').textContent.startsWith('Scenarios need')",
        timeout=TIMEOUT_MS,
    )
    assert page.page.is_hidden("#scenario-controls")
    page.screenshot("dashboard_us_scenarios_hidden")
    assert page.problems == []


def test_unknown_taxonomy_benchmark_target_year_and_weights_in_the_address_are_each_said(
    page: Page, server: ServerProcess
) -> None:
    page.page.goto(f"{server.url}/#region=TLG3&taxonomy=nonsense&benchmark=ZZZ&target_year=1999&weights=pay=7,colour=1")
    page.wait_for_status("Showing West Midlands (TLG3): 8 clusters, 2021")
    page.page.wait_for_function(
        "() => document.getElementById('address-problem').textContent.includes('scenario target year')"
    )
    message = page.page.inner_text("#address-problem")
    assert 'cluster definitions "nonsense", which is not available here; showing' in message
    assert 'benchmark "ZZZ", which is not available here; showing' in message
    assert 'scenario target year "1999", which is not available here; showing 2030 instead' in message
    assert 'pay must be a number from 0 to 1, not "7"' in message and 'there is no criterion "colour"' in message
    page.screenshot("dashboard_invalid_address")
    # The address now says what is shown: the defaults in place of what could not be used.
    shown = page.page.evaluate("() => new URLSearchParams(window.location.hash.slice(1)).toString()")
    assert "taxonomy=wmca_plan_for_growth" in shown and "benchmark=national" in shown
    assert "target_year=2030" in shown and "weights" not in shown
    assert page.problems == []


def test_target_year_and_weights_are_in_the_address_and_restored_from_it(
    browser: Any, page: Page, server: ServerProcess
) -> None:
    open_dashboard(page, server)
    page.page.locator("#scenario-panel").scroll_into_view_if_needed()
    page.page.wait_for_selector("#target_year option[value='2035']", state="attached", timeout=TIMEOUT_MS)
    page.page.select_option("#target_year", "2035")
    page.page.fill("#weight-pay", "0.4")
    page.page.dispatch_event("#weight-pay", "change")
    page.page.wait_for_function("() => window.location.hash.includes('weights=pay%3D0.4')", timeout=TIMEOUT_MS)
    address = page.page.evaluate("() => window.location.hash")
    assert "target_year=2035" in address
    # The same address in a new page restores both controls, with nothing to complain about.
    fresh = Page(browser, server.url)
    try:
        fresh.page.goto(f"{server.url}/{address}")
        fresh.wait_for_status("Showing West Midlands (TLG3): 8 clusters, 2021")
        fresh.page.wait_for_selector("#target_year option[value='2035']", state="attached", timeout=TIMEOUT_MS)
        assert fresh.page.input_value("#target_year") == "2035"
        assert fresh.page.input_value("#weight-pay") == "0.4"
        assert fresh.page.is_hidden("#address-problem")
        assert fresh.problems == []
    finally:
        fresh.close()
