"""The dashboard in real headless Chromium (Debian's ``chromium``, driven by Playwright): it loads without console
errors, the map draws, the table sorts, a parameter change updates the numbers. Screenshots go to test-artifacts/.

Golden numbers (BRES, West Midlands TLG3, electric light vehicles and batteries, summed from the raw rows of
SIC 27200, 29100, 29310, 29320): 26,750 jobs in 2021 and LQ 4.51 against Great Britain; 27,430 jobs in 2018
(30 + 18,000 + 400 + 9,000). Employment of the WMCA clusters in 2021: professional and financial services
118,160 is the largest, creative content and gaming 2,385 the smallest.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from _util import ARTIFACTS

pytestmark = pytest.mark.browser

pytest.importorskip("fastapi")
pytest.importorskip("uvicorn")

from clusterplan.web._process import ServerProcess  # noqa: E402

TIMEOUT_MS = 90_000


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory, warehouse_path: Path) -> Iterator[ServerProcess]:
    copy = tmp_path_factory.mktemp("browser") / "warehouse.duckdb"
    copy.write_bytes(warehouse_path.read_bytes())
    # Answers at once; tests/test_webapp_server.py starts the default, precomputing, server.
    with ServerProcess(copy, extra_args=("--no-precompute",)) as process:
        yield process


class Page:
    """A page that records console errors, page errors, failed requests and requests to other origins."""

    def __init__(self, browser: Any, origin: str) -> None:
        self.context = browser.new_context(viewport={"width": 1400, "height": 1000})
        self.page = self.context.new_page()
        self.page.set_default_timeout(TIMEOUT_MS)
        self.origin = origin
        self.problems: list[str] = []
        self.page.on("console", self._console)
        self.page.on("pageerror", lambda error: self.problems.append(f"page error: {error}"))
        self.page.on("requestfailed", lambda request: self.problems.append(f"request failed: {request.url}"))
        self.page.on("request", self._request)

    def _console(self, message: Any) -> None:
        if message.type in ("error", "warning"):
            self.problems.append(f"console {message.type}: {message.text}")

    def _request(self, request: Any) -> None:
        if not (request.url.startswith(self.origin + "/") or request.url.startswith("data:")):
            self.problems.append(f"request to another origin: {request.url}")

    def screenshot(self, name: str) -> None:
        ARTIFACTS.mkdir(exist_ok=True)
        self.page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)

    def wait_for_status(self, text: str) -> None:
        self.page.wait_for_function(
            "text => document.getElementById('status').textContent.includes(text)", arg=text, timeout=TIMEOUT_MS
        )

    def cell(self, cluster_id: str, key: str) -> str:
        text: str = self.page.locator(
            f'#ranking-table tr[data-cluster="{cluster_id}"] td[data-key="{key}"]'
        ).inner_text()
        return text.strip()

    def close(self) -> None:
        self.context.close()


@pytest.fixture
def page(browser: Any, server: ServerProcess) -> Iterator[Page]:
    opened = Page(browser, server.url)
    yield opened
    opened.close()


def open_dashboard(page: Page, server: ServerProcess, fragment: str = "") -> None:
    page.page.goto(f"{server.url}/{fragment}")
    page.wait_for_status("Showing")
    page.page.wait_for_selector("#map svg path.area, #us-lq-table")
    assert page.page.is_hidden("#error"), page.page.inner_text("#error")


def wait_for_scenarios(page: Page, text: str = "Scenarios to") -> None:
    page.page.wait_for_function(
        "text => document.getElementById('scenario-status').textContent.startsWith(text)", arg=text, timeout=TIMEOUT_MS
    )


def test_dashboard_loads_without_errors_and_draws_the_map(page: Page, server: ServerProcess) -> None:
    open_dashboard(page, server)
    assert "Showing West Midlands (TLG3): 8 clusters, 2021 (growth since 2015)" in page.page.inner_text("#status")
    areas = page.page.locator("#map svg path.area")
    assert areas.count() == 41  # 40 GB ITL2 areas with data and Northern Ireland without
    focus = page.page.locator('#map path.focus-area[data-code="TLG3"]')
    assert focus.count() == 1
    # The top cluster of the West Midlands is selected: EV and batteries, LQ 4.51 (class "2 or more").
    assert page.page.input_value("#map-cluster") == "ev_batteries"
    assert float(focus.get_attribute("data-lq") or "nan") == pytest.approx(4.5123, abs=1e-4)
    assert focus.get_attribute("fill") == "#e66101"
    assert page.page.locator('#map path[data-code="TLN0"]').get_attribute("fill") == "url(#no-data)"
    assert page.cell("ev_batteries", "employment") == "26,750"
    page.page.wait_for_selector("#trend-chart .main-svg")  # plotly drew the trend chart
    page.screenshot("dashboard_gb")
    assert page.problems == []


def test_ranking_table_sorts_by_mouse_and_keyboard(page: Page, server: ServerProcess) -> None:
    open_dashboard(page, server)
    page.page.click('#ranking-table button[data-key="employment"]')
    header = page.page.locator("#ranking-table thead th", has=page.page.locator('[data-key="employment"]'))
    assert header.get_attribute("aria-sort") == "descending"
    rows = page.page.locator("#ranking-table tbody tr")
    assert rows.first.get_attribute("data-cluster") == "professional_financial_services"
    values = [
        int(v.replace(",", "")) for v in page.page.locator('#ranking-table td[data-key="employment"]').all_inner_texts()
    ]
    assert values == sorted(values, reverse=True) and values[0] == 118_160
    # The same button from the keyboard: focus stays on it, Enter reverses the order.
    page.page.focus('#ranking-table button[data-key="employment"]')
    page.page.keyboard.press("Enter")
    assert header.get_attribute("aria-sort") == "ascending"
    assert rows.first.get_attribute("data-cluster") == "creative_content_gaming"
    assert page.cell("creative_content_gaming", "employment") == "2,385"
    page.screenshot("dashboard_sorted")
    assert page.problems == []


def test_changing_parameters_recomputes_the_numbers(page: Page, server: ServerProcess) -> None:
    open_dashboard(page, server)
    assert page.cell("ev_batteries", "growth_cagr") == "−1.0%"  # 28,440 -> 26,750 over 2015-2021
    page.page.select_option("#year", "2018")
    page.wait_for_status("8 clusters, 2018 (growth since 2015)")
    assert page.cell("ev_batteries", "employment") == "27,430"
    # (27,430 / 28,440) ** (1 / 3) - 1 = -1.2%
    assert page.cell("ev_batteries", "growth_cagr") == "−1.2%"
    page.page.select_option("#benchmark", "TLG")
    page.wait_for_status("against West Midlands (TLG)")
    assert page.page.input_value("#benchmark") == "TLG"
    expected = page.page.request.get(f"{server.url}/api/profile?region=TLG3&year=2018&base_year=2015&benchmark=TLG")
    ev = next(c for c in expected.json()["clusters"] if c["cluster_id"] == "ev_batteries")
    assert ev["n_regions"] == 3
    assert page.cell("ev_batteries", "lq_rank") == f"{ev['lq_rank']:.0f} of 3"
    assert page.cell("ev_batteries", "lq") == f"{ev['lq']:.2f}"
    assert "benchmark=TLG" in page.page.url and "year=2018" in page.page.url  # the view can be shared
    page.screenshot("dashboard_parameters")
    assert page.problems == []


def test_choosing_a_cluster_and_an_area_on_the_map(page: Page, server: ServerProcess) -> None:
    open_dashboard(page, server)
    before = page.page.locator('#map path[data-code="TLG3"]').get_attribute("data-lq")
    page.page.select_option("#map-cluster", "logistics")
    page.page.wait_for_function(
        "() => document.getElementById('cluster-title').textContent.startsWith('Logistics')", timeout=TIMEOUT_MS
    )
    page.page.wait_for_function(
        "before => document.querySelector('#map path[data-code=\"TLG3\"]').getAttribute('data-lq') !== before",
        arg=before,
    )
    assert page.page.locator('#ranking-table tr[aria-current="true"]').get_attribute("data-cluster") == "logistics"
    # Keyboard: focus Greater Manchester on the map and press Enter to profile it.
    page.page.focus('#map path[data-code="TLD3"]')
    page.page.keyboard.press("Enter")
    page.wait_for_status("Showing Greater Manchester (TLD3)")
    assert page.page.input_value("#region") == "TLD3"
    assert page.page.locator('#map path.focus-area[data-code="TLD3"]').count() == 1
    page.screenshot("dashboard_map_choice")
    assert page.problems == []


def test_hotspot_map_shows_the_lisa_classes_of_the_selected_cluster(page: Page, server: ServerProcess) -> None:
    open_dashboard(page, server)
    hotspots = page.page.locator('#hotspots[data-cluster="ev_batteries"][data-measure="lq"]')
    hotspots.locator("#hotspot-map svg path.area").first.wait_for()
    answer = page.page.request.get(
        f"{server.url}/api/hotspots?cluster=ev_batteries&taxonomy=wmca_plan_for_growth&measure=lq&level=itl2"
        "&year=2021&permutations=999"
    ).json()
    classes = {row["area_code"]: row["lisa_class"] for row in answer["rows"]}
    assert len(classes) == 40
    # Every ITL2 area drawn with its class; Northern Ireland has no data; the region outlined, drawn last.
    drawn = page.page.eval_on_selector_all(
        "#hotspot-map path.area", "els => els.map(e => [e.dataset.code, e.dataset.class, e.getAttribute('fill')])"
    )
    assert len(drawn) == 41
    assert {code: lisa for code, lisa, _ in drawn if code != "TLN0"} == classes
    assert [lisa for code, lisa, _ in drawn if code == "TLN0"] == ["no data"]
    assert drawn[-1] == ["TLG3", "HH", "url(#hs-HH)"]  # West Midlands: high LQ among high neighbours
    assert page.page.locator("#hotspot-map path.focus-area").get_attribute("data-code") == "TLG3"
    # Colour-blind-safe fills (Okabe-Ito), hatched, and letters on every significant area.
    fills = page.page.eval_on_selector_all(
        "#hotspot-map pattern", "els => els.map(e => [e.id, e.firstChild.getAttribute('fill')])"
    )
    assert dict(fills) == {
        "hs-HH": "#D55E00",
        "hs-HL": "#E69F00",
        "hs-LH": "#56B4E9",
        "hs-LL": "#0072B2",
        "hs-no-data": "#ffffff",
    }
    letters = page.page.eval_on_selector_all(
        "#hotspot-map text.lisa-letter", "els => els.map(e => [e.dataset.code, e.textContent])"
    )
    assert sorted(letters) == sorted([code, lisa] for code, lisa in classes.items() if lisa != "not significant")
    # The legend counts each class; the summary gives global Moran's I, its pseudo p and the HH areas.
    counts = {lisa: list(classes.values()).count(lisa) for lisa in ("HH", "HL", "LH", "LL", "not significant")}
    legend = page.page.inner_text("#hotspot-legend")
    assert (
        f"HH high among high ({counts['HH']})" in legend and f"not significant ({counts['not significant']})" in legend
    )
    assert "no data (1)" in legend
    summary = page.page.inner_text("#hotspot-summary")
    moran = answer["global"]
    assert f"global Moran's I {moran['moran_i']:.3f}, pseudo p {moran['moran_p']:.3f} (999 permutations)" in summary
    assert (
        "Significant high-high (HH) areas after false-discovery-rate correction at 5%: West Midlands, Shropshire and "
        "Staffordshire." in summary
    )
    assert "West Midlands is high among high neighbours (HH), and a Getis-Ord hot spot." in summary
    # The same as a table, significant areas first.
    page.page.click("#hotspot-table-details summary")
    rows = page.page.locator("#hotspot-table tbody tr")
    assert rows.count() == 40
    assert rows.first.locator("td").nth(1).inner_text() == "HH"
    assert page.page.inner_text('#hotspot-table tr[data-area="TLG3"] td') == "4.51"
    page.page.locator("#hotspots").screenshot(path=str(ARTIFACTS / "dashboard_hotspots.png"))
    # Another cluster, then another measure: the map follows.
    page.page.select_option("#map-cluster", "logistics")
    page.page.locator('#hotspots[data-cluster="logistics"]').wait_for()
    summary = page.page.inner_text("#hotspot-summary")
    assert summary.startswith("Logistics, location quotient, 2021:")
    assert "correction at 5%: Derbyshire and Nottinghamshire." in summary
    page.page.select_option("#hotspot-measure", "share")
    page.page.locator('#hotspots[data-cluster="logistics"][data-measure="share"]').wait_for()
    assert page.page.inner_text("#hotspot-summary").startswith("Logistics, share of the area's employment, 2021:")
    assert "hotspot_measure=share" in page.page.url
    assert page.problems == []


def test_us_cbsa_shows_a_map_and_a_ranked_table(page: Page, server: ServerProcess) -> None:
    open_dashboard(page, server)
    page.page.select_option("#region", "12060")
    page.wait_for_status("Showing Atlanta-Sandy Springs-Roswell, GA (12060): 51 clusters, 2019")
    page.page.wait_for_selector("#us-lq-table")
    # CBSA shapes of the contiguous states, the selected metro outlined.
    assert page.page.locator("#map svg path.area").count() == 926  # 925 in CBP 2019, one without data
    assert page.page.locator('#map svg path.focus-area[data-code="12060"]').count() == 1
    assert "US metropolitan and micropolitan area" in page.page.inner_text("#map-caption")
    assert page.page.is_visible("#hotspots")  # across the CBSAs (test_us_metro_hotspots_and_portal_convention)
    rows = page.page.locator("#us-lq-table tbody tr")
    assert 25 <= rows.count() <= 26
    assert page.page.is_disabled("#base_year")
    assert page.page.input_value("#taxonomy") == "us_cmp_traded_2014"
    page.page.select_option("#map-cluster", "apparel")
    page.page.wait_for_selector("#us-lq-table tr.focus-row")
    # 1,944 apparel jobs: LQ 3.37 against national totals with withheld cells rebuilt (4.17 on published cells).
    assert "3.37" in page.page.locator("#us-lq-table tr.focus-row").inner_text()
    page.page.locator("#map").scroll_into_view_if_needed()
    page.screenshot("dashboard_us_map")
    # Supply chains from the BEA tables regionalised for the metro with County Business Patterns, in dollars.
    page.page.wait_for_selector("#supply-chain ol li")
    chain = page.page.inner_text("#supply-chain")
    assert "$ million a year" in chain and "County Business Patterns" in chain and "£" not in chain
    page.page.locator("#supply-chain").scroll_into_view_if_needed()
    page.screenshot("dashboard_us")
    assert page.problems == []


def test_us_metro_hotspots_and_portal_convention(page: Page, server: ServerProcess) -> None:
    """Detroit: the automotive cluster's LISA map across the CBSAs, then the US Cluster Mapping portal's convention
    and published cells, each a labelled control kept in the address. Automotive LQ of Detroit: 8.22 (withheld
    cells rebuilt), 7.46 on the portal's traded-employment denominator, 13.96 with published cells only."""
    pending: set[Any] = set()  # requests in flight, so the page is left only when its answers are in
    page.page.on("request", lambda request: pending.add(request))
    page.page.on("requestfinished", lambda request: pending.discard(request))
    page.page.on("requestfailed", lambda request: pending.discard(request))
    open_dashboard(page, server, "#region=19820&cluster=automotive")
    assert page.page.is_visible("#convention") and page.page.is_visible("#cells")
    hotspots = page.page.locator('#hotspots[data-cluster="automotive"][data-measure="lq"]')
    hotspots.locator("#hotspot-map svg path.area").first.wait_for()
    assert page.page.inner_text("#hotspots-title") == "Hotspots across US metropolitan and micropolitan areas"
    answer = page.page.request.get(
        f"{server.url}/api/hotspots?cluster=automotive&taxonomy=us_cmp_traded_2014&measure=lq&level=cbsa"
        "&year=2019&permutations=999"
    ).json()
    classes = {row["area_code"]: row["lisa_class"] for row in answer["rows"]}
    assert len(classes) == 925
    drawn = page.page.eval_on_selector_all(
        "#hotspot-map path.area", "els => els.map(e => [e.dataset.code, e.dataset.class])"
    )
    assert {code: lisa for code, lisa in drawn if code in classes} == classes
    assert drawn[-1] == ["19820", classes["19820"]]  # Detroit outlined, drawn last
    assert page.page.locator("#hotspot-map path.focus-area").get_attribute("data-code") == "19820"
    counts = {lisa: list(classes.values()).count(lisa) for lisa in ("HH", "LL", "not significant")}
    legend = page.page.inner_text("#hotspot-legend")
    assert f"HH high among high ({counts['HH']})" in legend and f"LL low among low ({counts['LL']})" in legend
    summary = page.page.inner_text("#hotspot-summary")
    moran = answer["global"]
    assert summary.startswith("Automotive, location quotient against all CBSAs, 2019:")
    assert f"global Moran's I {moran['moran_i']:.3f}, pseudo p {moran['moran_p']:.3f}" in summary
    assert "County Business Patterns 2019" in page.page.inner_text("#hotspot-caption")
    page.page.locator("#hotspots").screenshot(path=str(ARTIFACTS / "dashboard_us_hotspots.png"))
    assert page.cell("automotive", "lq") == "8.22"
    # Jobs in NAICS 2017 codes the Cluster Mapping definitions lack (e.g. 336390): counted, not allocated.
    profile = page.page.request.get(f"{server.url}/api/profile?region=19820").json()["totals"]
    headline = page.page.inner_text("#headline")
    assert (
        f"{profile['unclassified_employment']:,.0f} ({profile['unclassified_employment_beside_clusters']:,.0f}"
        in headline
    )
    # The portal's convention: traded-employment LQ, the portal's rank and strong flag, said in the summary.
    page.page.select_option("#convention", "cluster-mapping")
    page.page.wait_for_function(
        "() => document.querySelector('#ranking-table button[data-key=\"cmp_lq_rank\"]') !== null"
    )
    assert page.cell("automotive", "lq") == "7.46"
    assert "Measured as\nUS Cluster Mapping portal (traded jobs)" in page.page.inner_text("#headline")
    assert page.page.is_disabled("#denominator") and page.page.input_value("#denominator") == "traded"
    assert "convention=cluster-mapping" in page.page.url
    page.page.select_option("#cells", "published")
    page.page.wait_for_function(
        '() => document.querySelector(\'#ranking-table tr[data-cluster="automotive"] td[data-key="lq"]\')'
        ".textContent.trim() === '13.96'"
    )
    assert "cells=published" in page.page.url
    page.wait_for_status("Showing Detroit-Warren-Dearborn, MI")
    page.page.evaluate("window.scrollTo(0, 0)")
    page.page.screenshot(path=str(ARTIFACTS / "dashboard_us_portal.png"))  # the controls, summary and ranking
    # Superseded answers (the portal view before the cells changed) are still computed: wait for them all.
    for _ in range(TIMEOUT_MS // 100):
        if not pending:
            break
        page.page.wait_for_timeout(100)
    assert not pending, [r.url for r in pending]
    # The address restores both; a GB region hides them and its address does not carry them.
    page.page.goto("about:blank")  # a fresh load from the address alone
    page.page.goto(f"{server.url}/#region=19820&cluster=automotive&convention=cluster-mapping&cells=published")
    page.wait_for_status("Showing Detroit-Warren-Dearborn, MI")
    page.page.wait_for_function(
        '() => document.querySelector(\'#ranking-table tr[data-cluster="automotive"] td[data-key="lq"]\')'
        ".textContent.trim() === '13.96'"
    )
    assert page.page.input_value("#convention") == "cluster-mapping" and page.page.input_value("#cells") == "published"
    page.page.select_option("#region", "TLG3")
    page.wait_for_status("Showing West Midlands (TLG3)")
    assert page.page.is_hidden("#convention") and page.page.is_hidden("#cells")
    assert "convention=" not in page.page.url and "cells=" not in page.page.url
    assert page.problems == []


def test_us_csa_is_a_region_with_maps_and_supply_chains(page: Page, server: ServerProcess) -> None:
    """Detroit-Warren-Ann Arbor, MI CSA (220) from the address: its five CBSAs are one area, outlined together on
    the LQ map and the hotspot map, each shaded with the CSA's LQ; supply chains from the BEA model of the five."""
    members = ["10300", "11460", "19820", "22420", "33780"]
    open_dashboard(page, server, "#region=220&cluster=automotive")
    page.wait_for_status("Showing Detroit-Warren-Ann Arbor, MI (220): 51 clusters, 2019")
    assert page.page.is_hidden("#address-problem") and page.page.input_value("#region") == "220"
    option = page.page.locator('#region option[value="220"]')
    assert option.inner_text().startswith("Detroit-Warren-Ann Arbor, MI CSA (220) (")
    assert option.evaluate("o => o.parentElement.label").startswith("United States: combined statistical areas")
    profile = page.page.request.get(f"{server.url}/api/profile?region=220").json()
    automotive = next(c for c in profile["clusters"] if c["cluster_id"] == "automotive")
    assert page.cell("automotive", "lq") == f"{automotive['lq']:.2f}"
    page.page.wait_for_selector('#map svg path.focus-area[data-code="19820"]')
    focus = page.page.eval_on_selector_all(
        "#map svg path.focus-area", "els => els.map(e => [e.dataset.code, e.dataset.lq])"
    )
    assert sorted(code for code, _ in focus) == members
    assert {lq for _, lq in focus} == {f"{automotive['lq']:.4f}"}
    flint = page.page.locator('#map svg path.focus-area[data-code="22420"] title').text_content() or ""
    assert flint.startswith("Flint, MI (22420), part of Detroit-Warren-Ann Arbor, MI (220): LQ")
    page.page.wait_for_selector("#us-lq-table tr.focus-row")
    page.page.locator("#map svg").screenshot(path=str(ARTIFACTS / "dashboard_us_csa_map.png"))
    hotspots = page.page.locator('#hotspots[data-cluster="automotive"]')
    hotspots.locator("#hotspot-map svg path.area").first.wait_for()
    outlined = page.page.eval_on_selector_all("#hotspot-map path.focus-area", "els => els.map(e => e.dataset.code)")
    assert sorted(outlined) == members
    page.page.locator("#hotspots").screenshot(path=str(ARTIFACTS / "dashboard_us_csa_hotspots.png"))
    page.page.wait_for_selector("#supply-chain ol li")
    chain = page.page.inner_text("#supply-chain")
    assert "$ million a year" in chain and "County Business Patterns" in chain
    page.page.locator("#supply-chain").scroll_into_view_if_needed()
    page.screenshot("dashboard_us_csa")
    assert page.problems == []


def test_changing_the_scenario_recomputes_it(page: Page, server: ServerProcess) -> None:
    open_dashboard(page, server)
    assert page.page.inner_text("#scenario-status").startswith("The scenarios are computed when this section")
    page.page.locator("#scenario-panel").scroll_into_view_if_needed()
    wait_for_scenarios(page, "Scenarios to 2030 from 2021")
    page.page.wait_for_selector("#scenario-chart .main-svg")
    cell = '#scenario-table tr[data-cluster="ev_batteries"] td[data-key="{}"]'
    assert page.page.inner_text(cell.format("jump_off_jobs")) == "26,750"
    before = page.page.inner_text(cell.format("additional_jobs"))
    page.page.select_option("#target_year", "2035")
    wait_for_scenarios(page, "Scenarios to 2035 from 2021")
    after = page.page.inner_text(cell.format("additional_jobs"))
    assert after != before
    expected = page.page.request.get(
        f"{server.url}/api/scenarios?region=TLG3&taxonomy=wmca_plan_for_growth"
        "&year=2021&base_year=2015&benchmark=national&denominator=all&target_year=2035"
    )
    ev = next(r for r in expected.json()["scenarios"] if r["cluster_id"] == "ev_batteries")
    low, central, high = (f"{ev[f'additional_jobs_{v}']:,.0f}" for v in ("low", "central", "high"))
    assert after == f"{low}–({central})–{high}"
    # The warnings of the run (a high case over 5% of the region's jobs, few comparators) are on the page too.
    warnings = page.page.inner_text("#scenario-warnings")
    assert "Check before publishing" in warnings and "comparator(s)" in warnings
    # The previous method is one choice away, and its own controls come alive with it.
    assert page.page.is_disabled("#high")
    page.page.select_option("#method", "leader")
    wait_for_scenarios(page, "Scenarios to 2035 from 2021 (previous method)")
    assert page.page.is_enabled("#high") and "method=leader" in page.page.url
    page.page.select_option("#method", "similar")
    wait_for_scenarios(page, "Scenarios to 2035 from 2021: similar")
    assert "target_year=2035" in page.page.url
    # Suppliers and customers of the selected cluster from the regional input-output model, and its ITL3 areas.
    assert page.page.locator("#supply-chain ol li").count() >= 2
    assert page.page.locator("#subregional-table tbody tr").count() == 7  # the West Midlands' seven ITL3 areas
    page.screenshot("dashboard_scenarios")
    assert page.problems == []


def test_every_control_has_a_label(page: Page, server: ServerProcess) -> None:
    open_dashboard(page, server)
    unlabelled = page.page.evaluate(
        "() => Array.from(document.querySelectorAll('select, input')).filter("
        'c => !document.querySelector(`label[for="${c.id}"]`)).map(c => c.id)'
    )
    assert unlabelled == []


def test_docs_page_renders_the_schema_and_tries_an_endpoint(page: Page, server: ServerProcess) -> None:
    page.page.goto(f"{server.url}/docs")
    page.page.wait_for_selector(".endpoint")
    assert page.page.locator(".endpoint").count() == 16
    health = page.page.locator("#get-api-health")
    health.locator("button").click()
    page.page.wait_for_function(
        "() => document.querySelector('#get-api-health pre').textContent.includes('\"status\": \"ok\"')"
    )
    page.screenshot("docs")
    assert page.problems == []
