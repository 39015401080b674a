"""report.html in a real headless Chromium: loads offline without errors, the maps draw, the table sorts, it prints.

Needs the ``browser`` extra (Playwright's Python package) and a Chromium binary
(Debian's ``chromium`` at /usr/bin/chromium, or $CLUSTERPLAN_CHROMIUM); no
``playwright install``. Screenshots and the printed PDF go to test-artifacts/.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from _util import ARTIFACTS, FIXTURES
from clusterplan import Warehouse, profile_region
from clusterplan.report._html import render_report

pytestmark = pytest.mark.browser


@dataclass
class Loaded:
    """A page with everything it logged and requested since it was opened."""

    page: Any
    errors: list[str] = field(default_factory=list)
    requests: list[str] = field(default_factory=list)


def _open(browser: Any, path: Path) -> Loaded:
    loaded = Loaded(browser.new_page(viewport={"width": 1280, "height": 900}))
    page = loaded.page
    page.on("console", lambda m: loaded.errors.append(m.text) if m.type in ("error", "warning") else None)
    page.on("pageerror", lambda e: loaded.errors.append(str(e)))
    page.on("request", lambda r: loaded.requests.append(r.url))
    page.goto(path.as_uri())
    page.evaluate("window.clusterplanReport.drawAll()")
    page.wait_for_function("document.documentElement.dataset.chartsReady !== undefined", timeout=120_000)
    return loaded


@pytest.fixture(scope="module")
def gb_report(warehouse: Warehouse, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, pd.DataFrame]:
    profile = profile_region(warehouse, region="TLG3")
    folder = FIXTURES / "report"
    tables = {
        p.stem: pd.read_csv(p, dtype={"industry_code": str, "area_code": str})
        for p in [*folder.glob("*.csv"), folder / "hotspots" / "hotspots.csv"]
    }
    path = tmp_path_factory.mktemp("report") / "report.html"
    path.write_text(render_report(profile, tables=tables), encoding="utf-8")
    return path, profile.clusters


@pytest.fixture(scope="module")
def gb_page(browser: Any, gb_report: tuple[Path, pd.DataFrame]) -> Iterator[Loaded]:
    loaded = _open(browser, gb_report[0])
    yield loaded
    loaded.page.close()


def test_report_loads_from_file_offline_without_console_errors(gb_page: Loaded, gb_report: Any) -> None:
    page = gb_page.page
    assert gb_page.errors == []
    # Everything came from the file itself: no request left the machine.
    assert gb_page.requests == [gb_report[0].as_uri()]
    charts = page.locator(".chart[data-spec]").count()
    assert page.evaluate("document.documentElement.dataset.chartsReady") == "true"
    assert int(page.evaluate("document.documentElement.dataset.chartsDrawn")) == charts > 50
    page.screenshot(path=ARTIFACTS / "report_gb_top.png")
    page.locator("#plan-chart-figure").screenshot(path=ARTIFACTS / "report_gb_plan_chart.png")


def test_maps_draw_every_gb_region_with_the_focus_outlined(gb_page: Loaded) -> None:
    page = gb_page.page
    figure = page.locator("#lq-map-ev_batteries-figure")
    figure.scroll_into_view_if_needed()
    # 40 ITL2 areas with BRES data, plus the focus region's outline drawn on top.
    assert page.locator("#lq-map-ev_batteries path.choroplethlocation").count() == 41
    fills = page.eval_on_selector_all(
        "#lq-map-ev_batteries .choroplethlocation", "els => els.map(e => e.style.fill || e.getAttribute('fill'))"
    )
    assert len({f for f in fills[:40]}) > 5  # coloured by LQ, not all one colour
    assert page.locator("#lq-map-ev_batteries .scattergeo text", has_text="West Midlands").count() == 1
    # The overview: one small map per cluster, each with the 40 areas and the outline.
    assert page.locator("#maps-overview path.choroplethlocation").count() == 8 * 41
    assert page.locator("#maps-inside path.choroplethlocation").count() == 8 * 7  # the seven ITL3 areas
    figure.screenshot(path=ARTIFACTS / "report_gb_map.png")
    page.locator("#maps-overview-figure").screenshot(path=ARTIFACTS / "report_gb_small_maps.png")


def test_hotspot_maps_draw_the_lisa_classes_lettered_with_the_region_enlarged(gb_page: Loaded) -> None:
    page = gb_page.page
    hotspots = pd.read_csv(FIXTURES / "report" / "hotspots" / "hotspots.csv")
    ev = hotspots[hotspots["cluster_id"] == "ev_batteries"]
    itl2 = ev[ev["level"] == "itl2"]
    chart = "#hotspots-itl2-lq-ev_batteries"
    page.locator(f"{chart}-figure").scroll_into_view_if_needed()
    # The 40 GB ITL2 areas, the West Midlands' outline on top, and London's five enlarged in an inset.
    assert page.locator(f"{chart} path.choroplethlocation").count() == 41 + 5
    fills = page.eval_on_selector_all(
        f"{chart} .geo:not(.geo2) path.choroplethlocation", "els => els.map(e => getComputedStyle(e).fill)"
    )
    okabe_ito = {"HH": "rgb(213, 94, 0)", "HL": "rgb(230, 159, 0)", "LH": "rgb(86, 180, 233)", "LL": "rgb(0, 114, 178)"}
    counts = itl2["lisa_class"].value_counts()
    for lisa, colour in okabe_ito.items():
        assert fills.count(colour) == counts.get(lisa, 0), lisa
    # The legend counts the areas of each class; significant areas are lettered, the region named with its class.
    legend = page.eval_on_selector_all(f"{chart} .legend .legendtext", "els => els.map(e => e.textContent)")
    assert legend == [
        "HH high among high (2)",
        "HL high among low (1)",
        "LH low among high (1)",
        "LL low among low (2)",
        "not significant (34)",
    ]
    texts = page.eval_on_selector_all(f"{chart} .scattergeo text", "els => els.map(e => e.textContent.trim())")
    assert sorted(texts) == sorted(["HH", "HL", "LH", "LL", "LL", "West Midlands (HH)"])
    page.locator(f"{chart}-figure").screenshot(path=ARTIFACTS / "report_gb_hotspots_itl2.png")
    # The ITL3 map: the region's seven areas and London's enlarged in two framed insets, each lettered.
    itl3 = ev[ev["level"] == "itl3"]
    london = int(itl3["area_code"].str.startswith("TLI").sum())
    chart = "#hotspots-itl3-share-ev_batteries"
    page.locator(f"{chart}-figure").scroll_into_view_if_needed()
    geos = page.eval_on_selector_all(f"{chart} .geolayer > g", "els => els.map(e => e.getAttribute('class'))")
    assert geos == ["geo geo", "geo geo2", "geo geo3"]
    assert page.locator(f"{chart} path.choroplethlocation").count() == len(itl3) + 7 + london + 2
    titles = page.eval_on_selector_all(f"{chart} .annotation-text", "els => els.map(e => e.textContent)")
    assert titles == ["West Midlands, enlarged", "London, enlarged"]
    # Each significant area lettered once (the region's and London's in their insets), the region named.
    texts = page.eval_on_selector_all(f"{chart} .scattergeo text", "els => els.map(e => e.textContent.trim())")
    significant = itl3.loc[itl3["lisa_class"] != "not significant", "lisa_class"]
    assert sorted(texts) == sorted([*significant, "West Midlands"])
    page.locator(f"{chart}-figure").screenshot(path=ARTIFACTS / "report_gb_hotspots_itl3.png")
    assert gb_page.errors == []


def test_ranking_table_sorts_on_click(gb_page: Loaded, gb_report: tuple[Path, pd.DataFrame]) -> None:
    page, clusters = gb_page.page, gb_report[1]
    table = page.locator("#ranking-table")
    table.scroll_into_view_if_needed()

    def first_column() -> list[str]:
        return [t.strip() for t in table.locator("tbody th[scope=row]").all_inner_texts()]

    assert first_column() == clusters.sort_values("lq", ascending=False)["cluster"].tolist()
    jobs = table.locator("thead th", has_text="Jobs 2021")
    # A first click sorts numbers largest first, as the dashboard does; a second click reverses.
    jobs.locator("button").click()
    assert jobs.get_attribute("aria-sort") == "descending"
    assert first_column() == clusters.sort_values("employment", ascending=False)["cluster"].tolist()
    jobs.locator("button").click()
    assert jobs.get_attribute("aria-sort") == "ascending"
    assert first_column() == clusters.sort_values("employment")["cluster"].tolist()
    assert table.locator("thead th", has_text="LQ").first.get_attribute("aria-sort") == "none"
    name = table.locator("thead th", has_text="Cluster").first
    name.locator("button").click()
    assert first_column() == sorted(clusters["cluster"], key=str.lower)
    table.screenshot(path=ARTIFACTS / "report_gb_table_sorted.png")


def test_report_prints_to_pdf_with_static_charts(gb_page: Loaded) -> None:
    page = gb_page.page
    page.emulate_media(media="print")
    try:
        # In print every chart is scaled to the page width: its picture fits inside its column.
        widths = page.eval_on_selector_all(
            ".chart .svg-container",
            "els => els.map(e => [e.getBoundingClientRect().width, e.closest('figure').getBoundingClientRect().width])",
        )
        assert widths and all(0 < w <= f + 1 for w, f in widths)
        assert page.locator(".modebar-container").first.is_hidden()
        pdf = page.pdf(format="A4", print_background=True)
    finally:
        page.emulate_media(media="screen")
    target = ARTIFACTS / "report_gb.pdf"
    target.write_bytes(pdf)
    assert pdf.startswith(b"%PDF")
    pages = len(re.findall(rb"/Type\s*/Page[^s]", pdf))
    assert 20 <= pages <= 150
    if shutil.which("pdftoppm"):
        subprocess.run(
            ["pdftoppm", "-png", "-r", "50", "-f", "1", "-l", "12", str(target), str(ARTIFACTS / "report_gb_pdf")],
            check=True,
        )
        assert (ARTIFACTS / "report_gb_pdf-01.png").exists() or (ARTIFACTS / "report_gb_pdf-001.png").exists()


def test_us_report_maps_cbsas_and_ranks_the_cbsa(browser: Any, warehouse: Warehouse, tmp_path: Path) -> None:
    path = tmp_path / "report.html"
    path.write_text(render_report(profile_region(warehouse, region="12060")), encoding="utf-8")
    loaded = _open(browser, path)
    page = loaded.page
    try:
        assert loaded.errors == [] and loaded.requests == [path.as_uri()]
        page.evaluate("window.scrollTo(0, 0)")
        page.screenshot(path=ARTIFACTS / "report_us_top.png")
        maps = page.locator("#maps-overview-figure")
        maps.scroll_into_view_if_needed()
        page.wait_for_timeout(500)
        assert page.locator("#maps-overview .choroplethlocation").count() > 12 * 900  # 12 maps of the CBSAs
        maps.screenshot(path=ARTIFACTS / "report_us_maps.png")
        chart = page.locator("#lq-apparel")
        chart.scroll_into_view_if_needed()
        assert chart.locator(".scatterlayer .point").count() > 150
        assert chart.locator(".annotation-text", has_text="Atlanta-Sandy Springs-Roswell, GA").count() == 1
        page.locator("#lq-apparel-figure").screenshot(path=ARTIFACTS / "report_us_rank.png")
    finally:
        page.close()


def test_screenshots_at_1400px_priorities_maps_and_tables(browser: Any, gb_report: tuple[Path, pd.DataFrame]) -> None:
    """What a reader sees at 1400 px: the priorities scorecard fits with its last column clear of the edge, the GB
    maps are large enough to read, chart labels are whole. Screenshots go to test-artifacts/ to look at."""
    loaded = Loaded(browser.new_page(viewport={"width": 1400, "height": 1000}))
    page = loaded.page
    page.goto(gb_report[0].as_uri())
    page.evaluate("window.clusterplanReport.drawAll()")
    page.wait_for_function("document.documentElement.dataset.chartsReady !== undefined", timeout=120_000)
    scorecard = page.locator("#priorities table.scorecard")
    scorecard.scroll_into_view_if_needed()
    scorecard.screenshot(path=ARTIFACTS / "report_1400_priorities.png")
    # The whole scorecard fits the page (no column squeezed or cut at the edge), and the last heading is readable.
    fits = page.eval_on_selector("#priorities .table-scroll", "e => e.scrollWidth <= e.clientWidth + 1")
    assert fits
    box = page.locator("#priorities table.scorecard thead th").last.bounding_box()
    assert box is not None and box["width"] >= 70 and box["x"] + box["width"] <= 1400
    maps = page.locator("#maps")
    maps.scroll_into_view_if_needed()
    maps.screenshot(path=ARTIFACTS / "report_1400_maps.png")
    # Each map of Great Britain (a geo subplot of the overview) is at least 180 px wide (before: about 100).
    widths = page.eval_on_selector_all(
        "#maps-overview g.geo .bglayer rect, #maps-overview g.geo rect.bg",
        "els => els.map(e => e.getBoundingClientRect().width)",
    )
    if not widths:
        widths = page.eval_on_selector_all(
            "#maps-overview g.geo", "els => els.map(e => e.getBoundingClientRect().width)"
        )
    assert len(widths) >= 8 and min(widths) >= 180, widths
    ranking = page.locator("#ranking-table")
    ranking.scroll_into_view_if_needed()
    ranking.screenshot(path=ARTIFACTS / "report_1400_ranking.png")
    page.close()


def test_us_report_draws_hotspot_maps_of_the_metro(browser: Any, warehouse: Warehouse, tmp_path: Path) -> None:
    """A US run's report maps LISA classes across the CBSAs for its most specialised clusters, with the focus
    metro's neighbourhood enlarged and lettered; Detroit's automotive cluster has HH neighbours in Michigan."""
    from clusterplan.pipeline import run_analyses

    profile = profile_region(warehouse, region="Detroit")
    further = run_analyses(warehouse, profile, only=["hotspots"])
    path = tmp_path / "report.html"
    path.write_text(render_report(profile, tables=further.tables), encoding="utf-8")
    loaded = _open(browser, path)
    page = loaded.page
    try:
        assert loaded.errors == []
        figure = page.locator("#hotspots-cbsa-lq-automotive-figure")
        figure.scroll_into_view_if_needed()
        page.wait_for_timeout(500)
        chart = page.locator("#hotspots-cbsa-lq-automotive")
        assert chart.locator(".choroplethlocation").count() > 900  # every CBSA of the contiguous states, and more
        legend = [t.strip() for t in chart.locator(".legendtext").all_text_contents()]
        hh = next(t for t in legend if t.startswith("HH high among high"))
        table = further.tables["hotspots"]
        automotive = table[(table["cluster_id"] == "automotive")]
        assert hh == f"HH high among high ({int((automotive['lisa_class'] == 'HH').sum())})"
        assert chart.locator(".gtitle, .annotation-text", has_text="Detroit-Warren-Dearborn, MI and neighbours").count()
        assert chart.locator("text", has_text="HH").count() >= 5  # lettered in the enlarged neighbourhood
        figure.screenshot(path=ARTIFACTS / "report_us_hotspots.png")
        overview = page.locator("#hotspots-overview")
        assert overview.locator("tbody tr").count() == 12
        assert "Hotspots across US metropolitan and micropolitan areas" in page.locator("#maps").inner_text()
    finally:
        page.close()
