"""The evidence pack (report.html): sections, self-containment, charts and their text alternatives, run folders."""

from __future__ import annotations

import dataclasses
import json
import math
import re
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from _util import FIXTURES, run_cli
from clusterplan import DataValidationError, ParameterError, Warehouse, profile_region
from clusterplan._data import dataset_entry
from clusterplan.geography.hotspots import LISA_COLOURS
from clusterplan.pipeline.profile import ClusterProfile
from clusterplan.pipeline.run import HOTSPOT_TABLE_COLUMNS, run_analyses
from clusterplan.report import _charts as charts
from clusterplan.report import _html, write_run_outputs
from clusterplan.report._html import (
    CLUSTER_PARTS,
    RUN_TABLES,
    SECTIONS,
    ReportContext,
    read_run_folder,
    render_report,
    report_data,
    summary_differential_growth,
    summary_fastest_outside_london,
)

TABLES = FIXTURES / "report"


def further_tables() -> dict[str, pd.DataFrame]:
    """The further tables of a real TLG3 run (tests/fixtures/report, made by its make_fixtures.py; the hotspots
    fixture is in its own folder)."""
    return {
        path.stem: pd.read_csv(path, dtype={"industry_code": str, "area_code": str})
        for path in [*TABLES.glob("*.csv"), TABLES / "hotspots" / "hotspots.csv"]
    }


@pytest.fixture(scope="module")
def gb(warehouse: Warehouse) -> ClusterProfile:
    return profile_region(warehouse, region="TLG3")


@pytest.fixture(scope="module")
def us(warehouse: Warehouse) -> ClusterProfile:
    return profile_region(warehouse, region="12060")


@pytest.fixture(scope="module")
def gb_html(gb: ClusterProfile) -> str:
    return render_report(gb, tables=further_tables())


@pytest.fixture(scope="module")
def us_html(us: ClusterProfile) -> str:
    return render_report(us)


class _Page(HTMLParser):
    """Every start tag with its attributes, the text of each script, and each element's id."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.scripts: list[tuple[dict[str, str | None], str]] = []
        self._script: dict[str, str | None] | None = None
        self._text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))
        if tag == "script":
            self._script, self._text = dict(attrs), []

    def handle_endtag(self, tag: str) -> None:
        if tag == "script" and self._script is not None:
            self.scripts.append((self._script, "".join(self._text)))
            self._script = None

    def handle_data(self, data: str) -> None:
        if self._script is not None:
            self._text.append(data)


class _Table(HTMLParser):
    """The cell texts of the first table: the header row(s), then the body rows."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.head: list[list[str]] = []
        self.body: list[list[str]] = []
        self._section = ""
        self._row: list[str] | None = None
        self._cell: list[str] | None = None
        self._done = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if self._done:
            return
        if tag in ("thead", "tbody"):
            self._section = tag
        elif tag == "tr":
            self._row = []
        elif tag in ("th", "td"):
            self._cell = []

    def handle_endtag(self, tag: str) -> None:
        if self._done:
            return
        if tag in ("th", "td") and self._row is not None and self._cell is not None:
            self._row.append(" ".join("".join(self._cell).split()))
            self._cell = None
        elif tag == "tr" and self._row is not None:
            (self.head if self._section == "thead" else self.body).append(self._row)
            self._row = None
        elif tag == "table":
            self._done = True

    def handle_data(self, data: str) -> None:
        if self._cell is not None and not self._done:
            self._cell.append(data)


def table_after(html: str, marker: str) -> pd.DataFrame:
    """The first table after *marker* in the page, as text, with the (last) header row as columns (a heading
    spanning two header rows counts in the first)."""
    parser = _Table()
    parser.feed(html[html.index(marker) :])
    last = parser.head[-1]
    spanned = parser.head[0][: len(parser.body[0]) - len(last)] if parser.body else []
    return pd.DataFrame(parser.body, columns=[*spanned, *last])


def parse(html: str) -> _Page:
    page = _Page()
    page.feed(html)
    return page


def specs(html: str) -> dict[str, dict[str, Any]]:
    page = parse(html)
    return {
        str(attrs["id"]).removesuffix("-spec"): json.loads(text)
        for attrs, text in page.scripts
        if attrs.get("type") == "application/json" and str(attrs.get("id", "")).endswith("-spec")
    }


def test_gb_report_has_every_section_fed_by_the_run(gb: ClusterProfile, gb_html: str) -> None:
    for heading in (
        "Executive summary",
        "Method, data and provenance",
        "Cluster ranking",
        "Strength against growth potential",
        "Priorities",
        "Maps",
        "Growth opportunities",
        "Cluster profiles",
    ):
        assert f">{heading}</h2>" in gb_html
    assert "Not yet computed" not in gb_html
    # Headline differential growth: the sums of the scenario table, as the summary prints them.
    scenarios = further_tables()["scenarios"]
    # Summed over clusters, each job counted once (the WMCA clusters share an industry).
    once = gb.totals["clusters_employment_without_double_counting"] / gb.clusters["employment"].sum()
    low, high = scenarios["additional_jobs_low"].sum() * once, scenarios["additional_jobs_high"].sum() * once
    assert f"{low:,.0f} to {high:,.0f} more jobs" in gb_html
    # The region's rank outside London under the high scenario, from the region summary.
    summary = further_tables()["region_summary"].set_index("variant")
    rank = int(summary.loc["scenario_high", "rank_outside_london"])
    assert f"rank {rank} of {int(summary.loc['scenario_high', 'regions_outside_london'])} regions outside London" in (
        gb_html
    )
    # The clusters' share of the region, from the profile's totals.
    assert f"{gb.totals['clusters_share_of_region'] * 100:.1f}%" in gb_html
    # One profile per cluster with every part this run can feed.
    for cluster_id in gb.clusters["cluster_id"]:
        assert f'id="cluster-{cluster_id}"' in gb_html
    for part in ("size_trend", "lq_regions", "shift_share", "productivity", "supply_chain", "subregional", "scenario"):
        assert gb_html.count(f'class="part part-{part}"') == len(gb.clusters), part
    # Hotspots for the two clusters of the fixture.
    assert gb_html.count('class="part part-hotspots"') == 2
    # Sources and provenance: the input dataset's sha256, vintage and licence.
    bres = dataset_entry("bres_itl2_sic5")
    assert bres["sha256"] in gb_html and bres["vintage"] in gb_html
    assert "Open Government Licence v3.0" in gb_html


def test_sections_say_what_is_not_yet_computed_without_further_tables(gb: ClusterProfile) -> None:
    html = render_report(gb)
    data = report_data(gb)
    ctx = ReportContext(data)
    # The scenario-fed builders return None, and the page says the figure is not yet computed.
    assert summary_differential_growth(ctx) is None
    assert summary_fastest_outside_london(ctx) is None
    assert "Not yet computed: the growth scenarios" in html
    assert "Not yet computed: this needs the growth scenarios" in html
    assert ">Growth opportunities</h2>" not in html and ">Priorities</h2>" not in html
    missing = [
        p for p in CLUSTER_PARTS if p.name in ("supply_chain", "subregional", "hotspots", "opportunity", "scenario")
    ]
    for part in missing:
        assert part.build(ctx, "ev_batteries") is None
        assert f"{part.title}: {part.missing}" in html
    # Without scenarios the plan chart plots past growth against the benchmark, in points a year.
    plan = specs(html)["plan-chart"]["data"][0]
    expected = (gb.clusters["growth_cagr"] - gb.clusters["benchmark_growth_cagr"]) * 100
    assert plan["y"] == pytest.approx(expected.tolist())


def test_us_report_maps_the_strongest_clusters_and_ranks_the_cbsa(us: ClusterProfile, us_html: str) -> None:
    assert "Industry clusters of Atlanta-Sandy Springs-Roswell, GA" in us_html
    assert "cannot be mapped" not in us_html
    assert "Not applicable: the question is asked of GB regions." in us_html
    found = specs(us_html)
    # Maps of the 12 clusters with the highest LQ, over the CBSAs of the contiguous states.
    spec = found["maps-overview"]
    strongest = us.clusters.sort_values("lq", ascending=False)["cluster"].head(12).tolist()
    titles = " ".join(str(a.get("text", "")) for a in spec["layout"].get("annotations", []))
    assert all(name.split()[0] in titles for name in strongest)
    assert len([t for t in spec["data"] if t.get("type") == "choropleth"]) >= 12
    assert not [k for k in found if k.startswith("lq-map-")]
    # Each cluster's LQ against all 933 CBSAs, the labels sent once for every chart.
    rank = found["lq-apparel"]["data"]
    assert rank[0]["text"] == charts.SHARED_PREFIX + "us-area-labels"
    assert len(rank[0]["y"]) == 933
    apparel = us.clusters.set_index("cluster_id").loc["apparel"]
    assert rank[1]["x"] == [int(apparel["lq_rank"])]
    assert rank[1]["y"] == pytest.approx([apparel["lq"]])
    # One year of data: no growth, so no plan chart and no shift-share; no GVA, so no productivity.
    assert "Not drawn: the data has one year only" in us_html
    assert 'class="part part-shift_share"' not in us_html and 'class="part part-productivity"' not in us_html
    shared = json.loads(next(t for a, t in parse(us_html).scripts if a.get("id") == "report-shared"))
    assert len(shared["us-area-labels"]) == 933


def test_report_is_self_contained(gb_html: str) -> None:
    page = parse(gb_html)
    # Nothing is loaded from anywhere: no external scripts, styles, images, frames or fonts.
    for tag, attrs in page.tags:
        for attribute in ("src", "srcset", "data", "poster", "action"):
            assert attribute not in attrs, (tag, attrs)
        if tag == "link":
            raise AssertionError(f"link element {attrs}")
        assert tag not in ("img", "iframe", "embed", "object", "audio", "video", "base")
        if attrs.get("href"):
            # Links are for reading (citations, in-page anchors), never fetched.
            assert tag == "a", (tag, attrs)
    style = gb_html[gb_html.index("<style>") : gb_html.index("</style>")]
    assert "url(" not in style and "@import" not in style and "@font-face" not in style
    # plotly.js is inlined exactly once; its world topology is replaced, so geo maps fetch nothing.
    plain = [text for attrs, text in page.scripts if not attrs]
    assert sum("plotly.js v" in text[:200] for text in plain) == 1
    assert "window.PlotlyGeoAssets" in gb_html
    # The report's own script draws and sorts; it requests nothing.
    own = next(t for t in plain if "clusterplanReport" in t)
    for call in ("fetch(", "XMLHttpRequest", "import(", "sendBeacon", "WebSocket"):
        assert call not in own
    # Outside plotly's own source, an http(s) address appears only as a link or as text.
    rest = gb_html.replace(next(t for t in plain if "plotly.js v" in t[:200]), "")
    for match in re.finditer(r"https?://[^\s\"'<>)]+", rest):
        before = rest[max(0, match.start() - 6) : match.start()]
        assert before.endswith('href="') or not before.endswith(('src="', "url(")), match.group(0)


def test_every_chart_has_a_spec_a_text_alternative_and_a_data_table(gb_html: str) -> None:
    page = parse(gb_html)
    found = specs(gb_html)
    divs = {str(a["id"]): a for t, a in page.tags if t == "div" and "chart" in str(a.get("class", "")).split()}
    assert set(divs) == set(found) and len(found) > 50
    ids = [str(a["id"]) for _, a in page.tags if a.get("id")]
    assert len(ids) == len(set(ids))  # every id once: anchors, aria references and charts resolve
    for chart_id, attrs in divs.items():
        assert attrs["role"] == "img" and len(str(attrs["aria-label"])) > 40, chart_id
        assert attrs["data-spec"] == f"{chart_id}-spec"
    assert gb_html.count('<details class="data-table">') >= len(found) - len(
        [k for k in found if k.startswith("lq-bars-")]
    )
    # Every shared-data reference points at data the page carries (map shapes, labels).
    shared = json.loads(next(t for a, t in page.scripts if a.get("id") == "report-shared"))
    references = set(re.findall(re.escape(charts.SHARED_PREFIX) + r"([^\"]+)", json.dumps(found)))
    assert references and references <= set(shared)
    # Colour-blind-safe palettes only: Okabe-Ito categories, cividis maps, viridis for pay.
    text = json.dumps(found)
    assert '"colorscale": "Cividis"' in text and '"colorscale": "Viridis"' in text
    assert not re.search(r'"colorscale": "(Jet|Rainbow|RdYlGn|Hot|Portland)"', text)


def test_chart_values_are_the_profile_values(gb: ClusterProfile, gb_html: str) -> None:
    found = specs(gb_html)
    table = gb.clusters.set_index("cluster")
    bars = found["ranking-lq"]["data"]
    for trace in bars:
        assert trace["x"] == pytest.approx(table.loc[trace["y"], "lq"].tolist())
    # The map of a cluster colours every area by log2(LQ), clipped to [-2, 2], the focus outlined.
    area_map = found["lq-map-ev_batteries"]["data"]
    regions = gb.regions[gb.regions.cluster_id == "ev_batteries"].set_index("area_code")["lq"]
    assert len(area_map[0]["locations"]) == 40
    for code, z in zip(area_map[0]["locations"], area_map[0]["z"], strict=True):
        lq = regions[code]
        assert z == pytest.approx(min(max(math.log2(lq), -2), 2) if lq > 0 else -2)
    assert area_map[1]["locations"] == ["TLG3"] and area_map[1]["marker"]["line"]["width"] > 1
    # The plan chart: x = LQ, y = the scorecard's growth potential, size = jobs, colour = pay.
    priorities = further_tables()["priorities"].set_index("cluster_id")
    plan = found["plan-chart"]["data"][0]
    ids = gb.clusters["cluster_id"]
    assert plan["x"] == pytest.approx(gb.clusters["lq"].tolist())
    assert plan["y"] == pytest.approx(priorities.loc[ids, "growth_potential"].tolist())
    assert plan["marker"]["color"] == pytest.approx(priorities.loc[ids, "pay"].tolist())
    assert plan["marker"]["size"] == pytest.approx(gb.clusters["employment"].tolist())
    # Shift-share components and their total.
    ev = table.loc["Electric light vehicles and batteries"]
    waterfall = found["shift-share-ev_batteries"]["data"][0]
    assert waterfall["y"][:3] == pytest.approx(
        [ev.shift_share_national_share, ev.shift_share_industry_mix, ev.shift_share_competitive]
    )
    assert waterfall["y"][3] == pytest.approx(ev.shift_share_change)


def _hotspot_rows(cluster_id: str, level: str) -> pd.DataFrame:
    table = further_tables()["hotspots"]
    return table[(table["cluster_id"] == cluster_id) & (table["level"] == level)]


def test_hotspot_map_colours_each_area_by_its_lisa_class(gb_html: str) -> None:
    rows = _hotspot_rows("ev_batteries", "itl2")
    spec = specs(gb_html)["hotspots-itl2-lq-ev_batteries"]
    classes = [t for t in spec["data"] if t["type"] == "choropleth" and t.get("showlegend")]
    # One trace per class, in legend order, Okabe-Ito colours, each named with its count of areas.
    assert [t["legendgroup"] for t in classes] == ["HH", "HL", "LH", "LL", "not significant"]
    for trace in classes:
        expected = rows.loc[rows["lisa_class"] == trace["legendgroup"], "area_code"]
        assert sorted(trace["locations"]) == sorted(expected), trace["legendgroup"]
        assert trace["name"].endswith(f"({len(expected)})")
        colour = LISA_COLOURS[trace["legendgroup"]]
        assert trace["colorscale"] == [[0, colour], [1, colour]]
    assert sum(len(t["locations"]) for t in classes) == 40
    assert classes[0]["name"] == "HH high among high (2)"  # West Midlands, Shropshire and Staffordshire
    # Readable without colour: every significant area but the focus carries its class letters; the focus region's
    # class is in its outlined, named label.
    letters = [
        (text, lon, lat)
        for t in spec["data"]
        if t["type"] == "scattergeo" and t.get("mode") == "text" and t.get("textfont", {}).get("weight") == "bold"
        for text, lon, lat in zip(t["text"], t["lon"], t["lat"], strict=True)
    ]
    significant = rows[(rows["lisa_class"] != "not significant") & (rows["area_code"] != "TLG3")]
    assert sorted(t for t, _, _ in letters) == sorted(significant["lisa_class"])
    outline = next(t for t in spec["data"] if t["type"] == "choropleth" and t["locations"] == ["TLG3"])
    assert outline["marker"]["line"] == {"color": "#000000", "width": 1.8}
    label = next(t for t in spec["data"] if t["type"] == "scattergeo" and t.get("textposition") == "middle right")
    assert label["text"] == ["   West Midlands (HH)"]
    # London's small areas, two of them significant, are enlarged beside the map.
    assert [a["text"] for a in spec["layout"]["annotations"]] == ["<b>London, enlarged</b>"]
    london = {c for t in spec["data"] if t.get("geo") == "geo2" and t["type"] == "choropleth" for c in t["locations"]}
    assert london == {c for c in rows["area_code"] if c.startswith("TLI")}
    # The map shows Great Britain, not the world: explicit bounds around the areas.
    lon, lat = spec["layout"]["geo"]["lonaxis"]["range"], spec["layout"]["geo"]["lataxis"]["range"]
    assert -9.5 < lon[0] < -7.5 and 1.5 < lon[1] < 5 and 49 < lat[0] < 50 and 60.8 < lat[1] < 61.5
    # The data table: every area, the significant ones first, with the FDR-adjusted p and the Gi* result.
    table = table_after(gb_html, 'id="hotspots-itl2-lq-ev_batteries-figure"')
    assert len(table) == 40 and list(table["LISA class"][:2]) == ["HH", "HH"]
    assert list(table["Gi* result"][:2]) == ["hot spot", "hot spot"]
    tlg3 = rows.set_index("area_code").loc["TLG3"]
    row = table[table["Code"] == "TLG3"].iloc[0]
    assert row["location quotient against Great Britain"] == f"{tlg3['value']:.2f}" == "4.51"
    assert row["Local Moran p, FDR-adjusted"] == f"{tlg3['local_moran_p_fdr']:.3f}"


def test_hotspot_part_says_morans_i_and_the_significant_areas(gb_html: str) -> None:
    rows = _hotspot_rows("ev_batteries", "itl2")
    first = rows.iloc[0]
    hh = rows[rows["lisa_class"] == "HH"].sort_values("value", ascending=False)["area_name"]
    text = re.sub(r"\s+", " ", gb_html)
    assert (
        f"<strong>Location quotient against Great Britain across the 40 GB ITL2 areas, 2021:</strong> global Moran's I "
        f"{first['moran_i']:.3f}, pseudo p {first['moran_p']:.3f} (999 permutations): areas with similar values sit "
        "next to each other more than chance would give." in text
    )
    assert list(hh) == ["West Midlands", "Shropshire and Staffordshire"]
    assert (
        "Significant high-high (HH) areas after false-discovery-rate correction at 5%: West Midlands, Shropshire and "
        "Staffordshire. High among low outliers (HL): Outer London - East and North East. West Midlands is high among "
        "high neighbours (HH), and a Getis-Ord hot spot." in text
    )
    # Professional services: clustered across ITL2 areas, but no area is a significant HH.
    pfs = _hotspot_rows("professional_financial_services", "itl2").iloc[0]
    assert (
        f"global Moran's I {pfs['moran_i']:.3f}, pseudo p {pfs['moran_p']:.3f} (999 permutations): areas with "
        "similar values sit next to each other more than chance would give. No area is a significant high-high (HH) "
        "area after false-discovery-rate correction at 5%. West Midlands is not significant." in text
    )
    # The ITL3 map (the fixture keeps the West Midlands and London areas): which of the region's areas are HH.
    inside = _hotspot_rows("ev_batteries", "itl3")
    inside = inside[inside["in_region"]]
    assert len(inside) == 7
    named = ", ".join(f"{n} (HH)" for n in inside.loc[inside["lisa_class"] == "HH", "area_name"])
    assert named == "Birmingham (HH), Solihull (HH), Coventry (HH), Dudley (HH)"
    assert f"Inside West Midlands: {named}; the other 3 of its 7 ITL3 areas are not significant." in text
    # The overview in the Maps section: one row per cluster with each map's Moran's I, p and HH counts.
    overview = table_after(gb_html, 'id="hotspots-overview"')
    # Columns per map: Moran's I (pseudo p), HH areas, HH in the region.
    assert list(overview.columns) == ["Cluster", *["Moran's I (pseudo p)", "HH areas", "HH in West Midlands"] * 2]
    ev = overview[overview.iloc[:, 0].str.startswith("Electric light vehicles")].iloc[0].tolist()
    assert ev[1:] == [f"{first['moran_i']:.3f} (0.007)", "2", "1 of 1", "0.412 (0.001)", "8", "4 of 7"]
    assert len(overview) == 2


def test_hotspot_map_of_finer_areas_enlarges_the_region_and_london(gb_html: str) -> None:
    rows = _hotspot_rows("ev_batteries", "itl3")
    spec = specs(gb_html)["hotspots-itl3-share-ev_batteries"]
    layout = spec["layout"]
    assert [a["text"] for a in layout["annotations"]] == ["<b>West Midlands, enlarged</b>", "<b>London, enlarged</b>"]
    assert layout["geo"]["domain"]["x"] == [0, 0.64] and layout["geo2"]["domain"]["x"] == [0.66, 1.0]
    by_geo: dict[str, set[str]] = {}
    for trace in spec["data"]:
        if trace["type"] == "choropleth" and trace["locations"] != ["TLG3"]:
            by_geo.setdefault(trace["geo"], set()).update(trace["locations"])
    assert by_geo["geo"] == set(rows["area_code"])
    assert by_geo["geo2"] == set(rows.loc[rows["in_region"], "area_code"])
    assert by_geo["geo3"] == {c for c in rows["area_code"] if c.startswith("TLI")}
    # The region is outlined on its ITL2 shape on the map and in its inset.
    outlines = [t for t in spec["data"] if t["type"] == "choropleth" and t["locations"] == ["TLG3"]]
    assert sorted(t["geo"] for t in outlines) == ["geo", "geo2"]
    assert {t["geojson"] for t in outlines} == {charts.SHARED_PREFIX + "geo-itl2-all-0.01"}
    # The region's four HH areas are lettered in its inset, not on the crowded national map.
    letters: dict[str, list[str]] = {}
    for trace in spec["data"]:
        if trace["type"] == "scattergeo" and trace.get("mode") == "text" and "weight" in trace.get("textfont", {}):
            letters.setdefault(trace["geo"], []).extend(trace["text"])
    assert letters["geo2"] == ["HH"] * 4
    assert sorted(letters["geo3"]) == ["LL"] * 11
    assert sorted(letters["geo"]) == ["HH"] * 4  # Worcestershire, Warwickshire, Staffordshire, Shropshire
    table = table_after(gb_html, 'id="hotspots-itl3-share-ev_batteries-figure"')
    assert (table["Area"].str.endswith(" ◆") == table["Code"].str.startswith("TLG3")).all()
    solihull = rows.set_index("area_code").loc["TLG32"]
    assert table.set_index("Code").loc["TLG32", "share of the area's GVA"] == f"{solihull['value']:.2%}"


def test_lisa_map_lists_what_its_table_leaves_out() -> None:
    assert {k: v[0] for k, v in charts.LISA_CLASSES.items()} == {
        k: v for k, v in LISA_COLOURS.items() if k != "no data"
    }
    chart = charts.lisa_map(
        "m",
        "geo-itl2-all-0.01",
        ["A", "B", "C"],
        ["a", "b", "c"],
        ["not significant", "LL", "HH"],
        [1.0, 0.5, 3.0],
        title="t",
        caption="c",
        value_label="LQ",
        table_mask=[False, True, True],
        table_note="1 other area is not significant.",
    )
    assert chart.table is not None
    assert chart.table.rows == [["c", "C", "3.00", "HH"], ["b", "B", "0.50", "LL"]]
    assert chart.table.note == "1 other area is not significant."
    assert [t["name"] for t in chart.data if t["type"] == "choropleth"] == [
        "HH high among high (1)",
        "HL high among low (0)",
        "LH low among high (0)",
        "LL low among low (1)",
        "not significant (1)",
    ]


def test_hotspots_analysis_maps_every_cluster_across_gb(warehouse: Warehouse, gb: ClusterProfile) -> None:
    result = run_analyses(warehouse, gb, only=["hotspots"])
    table = result.tables["hotspots"]
    assert list(table.columns) == HOTSPOT_TABLE_COLUMNS
    sizes = table.groupby(["level", "measure"])["cluster_id"].nunique().to_dict()
    assert sizes == {("itl2", "lq"): 8, ("itl3", "share"): 8}
    assert (table.groupby(["cluster_id", "level"]).size().unstack().to_numpy() == [[40, 168]]).all()
    # The ITL2 value is the profile's LQ against Great Britain (BRES 2021; EV and batteries: 4.51, hand-summed in
    # test_run from the raw rows).
    tlg3 = table[(table["level"] == "itl2") & (table["area_code"] == "TLG3")].set_index("cluster_id")["value"]
    profile_lq = gb.clusters.set_index("cluster_id")["lq"]
    assert tlg3.to_numpy() == pytest.approx(profile_lq.reindex(tlg3.index).to_numpy(), rel=1e-9)
    assert tlg3["ev_batteries"] == pytest.approx(4.5123, abs=1e-4)
    # The region's own areas: itself at ITL2, its seven ITL3 areas.
    inside = table[table["in_region"]].groupby("level")["area_code"].apply(lambda s: sorted(set(s))).to_dict()
    assert inside == {"itl2": ["TLG3"], "itl3": ["TLG31", "TLG32", "TLG33", "TLG36", "TLG37", "TLG38", "TLG39"]}
    # Fixed seed: the fixture (made by the same analysis) comes out again, to the last digit.
    fixture = further_tables()["hotspots"]
    again = table.merge(fixture, on=["cluster_id", "level", "area_code"], suffixes=("", "_fixture"))
    assert len(again) == len(fixture)
    for column in ("value", "local_moran_p_fdr", "gi_star_z", "moran_i", "moran_p"):
        assert again[column].to_numpy() == pytest.approx(again[f"{column}_fixture"].to_numpy(), rel=1e-12), column
    assert (again["lisa_class"] == again["lisa_class_fixture"]).all()
    # Provenance: the inference settings and how islands were handled.
    provenance = result.provenance["hotspots"]
    assert provenance["status"] == "computed" and provenance["rows"] == 8 * (40 + 168)
    assert provenance["parameters"]["permutations"] == 999 and provenance["parameters"]["seed"] == 12345
    assert provenance["parameters"]["alpha"] == 0.05 and provenance["parameters"]["islands"] == "attach"
    itl3 = next(m for m in provenance["maps"] if m["level"] == "itl3")
    assert {i["area_code"]: i["attached_to"] for i in itl3["islands"]}["TLJ34"] == "TLJ36"  # Isle of Wight
    assert itl3["datasets"] == ["gva_itl3_current_prices"] and provenance["skipped"] == []


def test_report_boundaries_are_simplified_and_wound_for_d3() -> None:
    shapes = charts.report_geojson("itl2", tolerance=0.01)
    assert len(shapes["features"]) == 41
    assert len(json.dumps(shapes)) < 200_000
    for feature in shapes["features"]:
        for polygon in feature["geometry"]["coordinates"]:
            exterior = pd.DataFrame(polygon[0], columns=["x", "y"])
            area = (exterior.x * exterior.y.shift(-1) - exterior.x.shift(-1) * exterior.y).sum() / 2
            assert area < 0, feature["properties"]["code"]  # clockwise, as d3-geo wants
    centre = charts.feature_centroid(shapes, "TLG3")
    assert centre is not None and -2.2 < centre[0] < -1.6 and 52.3 < centre[1] < 52.7  # around Birmingham


def _douglas_peucker(ring: np.ndarray, tolerance: float) -> np.ndarray:
    """One ring's Douglas-Peucker as the report once did it, piece by piece (the reference for the batch)."""
    if len(ring) <= 4 or tolerance <= 0:
        return ring
    keep = np.zeros(len(ring), dtype=bool)
    far = int(np.argmax(((ring - ring[0]) ** 2).sum(axis=1)))
    keep[[0, far, len(ring) - 1]] = True
    stack = [(0, far), (far, len(ring) - 1)]
    while stack:
        start, end = stack.pop()
        if end - start < 2:
            continue
        a, d, seg = ring[start], ring[end] - ring[start], ring[start + 1 : end]
        norm = math.hypot(d[0], d[1])
        if norm == 0:
            dist = np.hypot(seg[:, 0] - a[0], seg[:, 1] - a[1])
        else:
            dist = np.abs(d[0] * (seg[:, 1] - a[1]) - d[1] * (seg[:, 0] - a[0])) / norm
        i = int(np.argmax(dist))
        if dist[i] > tolerance:
            keep[start + 1 + i] = True
            stack += [(start, start + 1 + i), (start + 1 + i, end)]
    return ring[keep]


def test_rings_simplified_together_keep_what_each_alone_keeps() -> None:
    rng = np.random.default_rng(7)
    rings = []
    for size in [3, 4, 5, 6, 9, 40, 200, 1000]:
        walk = np.cumsum(rng.normal(size=(size, 2)), axis=0).round(2)
        walk[-1] = walk[0]  # closed
        rings.append(walk)
    # Repeated points (pieces of no length, measured by the distance from their start) and equal distances.
    rings.append(np.array([[0, 0], [1, 0], [0, 0], [2, 2], [0, 0], [1, 1], [0, 0]], dtype=float))
    rings.append(np.array([[0, 0], [1, 1], [2, 0], [1, -1], [0, 0], [1, 1], [2, 0], [0, 0]], dtype=float))
    for tolerance in (0.0, 0.05, 0.5, 2.0, 50.0):
        together = charts._simplified_rings(rings, tolerance)
        for ring, simplified in zip(rings, together, strict=True):
            np.testing.assert_array_equal(simplified, _douglas_peucker(ring, tolerance))
    assert [len(r) for r in charts._simplified_rings(rings[3:6], 2.0)] != [6, 9, 40]  # it does drop points


def test_chart_json_writes_rows_of_cells_as_each_cell_alone() -> None:
    rows = [["Adrian, MI", 15.25], ["Akron, OH", float("nan")], ["Albany, GA", 3.0], ["Ames, IA", 2, True], []]
    assert charts.to_json({"customdata": rows}) == (
        '{"customdata":[["Adrian, MI",15.25],["Akron, OH",null],["Albany, GA",3],["Ames, IA",2,true],[]]}'
    )
    # A row holding something other than plain cells is walked cell by cell, as before.
    assert charts.to_json([["a", np.float64(1.5)], ["b", np.int64(2)]]) == '[["a",1.5],["b",2]]'


def test_run_folder_round_trip_renders_the_same_report(gb: ClusterProfile, tmp_path: Path) -> None:
    paths = write_run_outputs(gb, tmp_path, tables=further_tables(), workbook=False)
    run = json.loads(paths["run"].read_text())
    assert set(run["outputs"]) >= {"clusters", "regions", "trend", "definitions", "scenarios", "report", "run"}
    data = read_run_folder(tmp_path)
    assert data.region_code == "TLG3" and set(data.tables) == set(further_tables())
    pd.testing.assert_frame_equal(data.clusters, pd.read_csv(tmp_path / "clusters.csv"))
    again = render_report(data)
    assert again == paths["report"].read_text(encoding="utf-8")


def test_read_run_folder_says_what_is_missing(gb: ClusterProfile, tmp_path: Path) -> None:
    with pytest.raises(DataValidationError, match=r"no run\.json in the folder") as info:
        read_run_folder(tmp_path)
    assert str(tmp_path) in str(info.value)
    write_run_outputs(gb, tmp_path, workbook=False)
    (tmp_path / "regions.csv").unlink()
    with pytest.raises(DataValidationError, match=r"no regions.csv.*run `clusterplan run` again"):
        read_run_folder(tmp_path)
    write_run_outputs(gb, tmp_path, workbook=False)
    pd.read_csv(tmp_path / "trend.csv").drop(columns="benchmark_employment").to_csv(tmp_path / "trend.csv")
    with pytest.raises(DataValidationError, match="trend table lacks column 'benchmark_employment'") as info:
        read_run_folder(tmp_path)
    assert "trend.csv" in str(info.value)


def test_run_analyses_records_why_an_analysis_was_not_done(warehouse: Warehouse, us: ClusterProfile) -> None:
    result = run_analyses(warehouse, us, only=["subregions", "hotspots"])
    assert list(result.tables) == ["hotspots"]
    assert "is for GB regions (ITL3 areas) only" in result.provenance["subregions"]["status"]
    # US hotspots: the LQ across the CBSAs of the contiguous states, for the region's 12 most specialised clusters.
    hot = result.tables["hotspots"]
    assert set(hot["level"]) == {"cbsa"} and hot["cluster_id"].nunique() == 12 and hot["area_code"].nunique() == 925
    assert hot.loc[hot["in_region"], "area_code"].unique().tolist() == [us.region_code]
    assert "nearest CBSAs" in result.provenance["hotspots"]["method"]
    with pytest.raises(ParameterError, match="unknown analysis 'forecast'; choose from scenarios"):
        run_analyses(warehouse, us, only=["forecast"])


def test_builder_lists_are_the_documented_extension_points() -> None:
    assert [b.name for b in SECTIONS][:3] == ["summary", "method", "ranking"]
    assert {
        "scenarios",
        "region_summary",
        "priorities",
        "supply_chain",
        "opportunities",
        "subregions",
        "hotspots",
    } <= set(RUN_TABLES)
    # Each fixture has the columns its builders need.
    for name, frame in further_tables().items():
        assert set(RUN_TABLES[name].columns) <= set(frame.columns), name


def test_cli_report_rerenders_a_run_folder(gb: ClusterProfile, tmp_path: Path) -> None:
    write_run_outputs(gb, tmp_path / "run", workbook=False)
    (tmp_path / "run" / "report.html").unlink()
    result = run_cli("report", "--run", str(tmp_path / "run"), "--out", str(tmp_path / "again"))
    assert result.returncode == 0, result.stderr
    assert "reading the run folder" in result.stderr
    assert (tmp_path / "again" / "report.html").stat().st_size > 3_000_000
    assert (tmp_path / "again" / "workbook.xlsx").exists()
    assert "West Midlands (TLG3), 8 clusters" in result.stdout


def test_cli_report_from_parameters(tmp_path: Path, warehouse_path: Path) -> None:
    copy = tmp_path / "w.duckdb"
    copy.write_bytes(warehouse_path.read_bytes())
    result = run_cli(
        "report",
        "--region",
        "UKG3",
        "--analyses",
        "subregions",
        "--what",
        "report",
        "--out",
        str(tmp_path / "o"),
        "--warehouse",
        str(copy),
    )
    assert result.returncode == 0, result.stderr
    assert "computing subregions" in result.stderr
    html = (tmp_path / "o" / "report.html").read_text(encoding="utf-8")
    assert "Industry clusters of West Midlands" in html and 'id="maps-inside"' in html
    assert "<code>subregions</code>: computed" in html
    assert not (tmp_path / "o" / "workbook.xlsx").exists()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ([], "give either --run DIR (re-render a run) or --region CODE"),
        (["--run", "x", "--region", "TLG3"], "give either --run DIR"),
        (["--run", "no-such-folder"], "no run.json in the folder"),
        (["--region", "TLG3", "--analyses", "forecasts"], "unknown analysis 'forecasts' in --analyses"),
    ],
)
def test_cli_report_bad_arguments_one_line_exit_2(args: list[str], message: str, tmp_path: Path) -> None:
    result = run_cli("report", *args, cwd=tmp_path)
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr
    assert result.stderr.strip().splitlines()[-1].startswith("error: ") and message in result.stderr


def test_us_run_has_supply_chains_in_dollars(warehouse: Warehouse, us: ClusterProfile) -> None:
    result = run_analyses(warehouse, us, only=["supply_chain"])
    assert result.provenance["supply_chain"]["status"] == "computed"
    parameters = result.provenance["supply_chain"]["parameters"]
    assert parameters["region"] == "12060" and parameters["unit"] == "$ million" and parameters["method"] == "flq"
    assert parameters["employment_dataset"] == "us_cbp_2019_cbsa+us_cbp_2019_cbsa_imputed"  # rebuilt cells, as the run
    partners, flows = result.tables["supply_chain"], result.tables["cluster_linkages"]
    assert "flow_usd_m" in partners.columns and "flow_gbp_m" not in partners.columns
    assert "flow_usd_m" in flows.columns and (partners["share"].between(0, 1)).all()
    sourcing = result.tables["input_sourcing"].set_index("cluster_id")["share_in_region"].dropna()
    assert sourcing.between(0, 1).all() and len(sourcing) >= 30
    html = render_report(us, tables=result.tables)
    assert "Flow ($ million)" in html and "from the rest of the US" in html and "Flow (£ million)" not in html


def test_a_report_kept_on_disk_is_the_report_rendered_afresh(
    gb: ClusterProfile, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A second run with the same tables and metadata reads its report from the results folder: the same page as
    rendering it afresh, with this run's time; a changed value or time is a new page."""
    from clusterplan.report import _html

    monkeypatch.setenv("CLUSTERPLAN_CACHE", str(tmp_path / "cache"))
    data = report_data(gb, {**gb.run_metadata(), "created_at": "2026-01-02T03:04:05+00:00"}, further_tables())
    afresh = _html._render(data, _html._plotly_js())
    assert "2026-01-02T03:04:05+00:00" in afresh and _html._CREATED_AT not in afresh
    assert render_report(data) == afresh
    assert len(list((tmp_path / "cache").glob("results/*/*.pickle"))) >= 1
    assert render_report(data) == afresh  # read back
    later = dataclasses.replace(data, metadata={**data.metadata, "created_at": "2027-05-06T07:08:09+00:00"})
    assert render_report(later) == afresh.replace("2026-01-02T03:04:05+00:00", "2027-05-06T07:08:09+00:00")
    changed = data.clusters.copy()
    changed.loc[0, "employment"] = float(changed.loc[0, "employment"]) + 1
    other = dataclasses.replace(data, clusters=changed)
    assert _html._report_key(other) != _html._report_key(data)
    assert render_report(other) == _html._render(other, _html._plotly_js())


def test_a_reports_rows_of_a_cluster_are_the_rows_a_comparison_finds(gb: ClusterProfile) -> None:
    """ReportContext.rows splits a table once per report and gives each value the rows ``==`` gives (same index,
    order and columns); a value in no row, a missing value and another frame at work give theirs too."""
    ctx = ReportContext(report_data(gb))
    table = pd.DataFrame(
        {
            "cluster_id": pd.Series(["b", "a", None, "b", "c", "a"], dtype="str"),
            "share": [0.1, 0.2, 0.3, 0.4, float("nan"), 0.6],
        }
    ).set_axis([10, 11, 12, 13, 14, 15])
    for value in ["a", "b", "c", "d", float("nan")]:
        pd.testing.assert_frame_equal(ctx.rows(table, "cluster_id", value), table[table["cluster_id"] == value])
    assert ctx.rows(table, "cluster_id", "b").index.tolist() == [10, 13]
    other = table.assign(cluster_id=pd.Series(["a"] * 6, index=table.index, dtype="str"))
    assert len(ctx.rows(other, "cluster_id", "a")) == 6
    assert ctx.rows(table, "cluster_id", "a").index.tolist() == [11, 15]


def test_a_clusters_industries_and_supply_chain_rows_are_those_comparisons_find(gb: ClusterProfile) -> None:
    """A cluster's industries (its definition's codes and prefixes, the codes' text made once per report) are those
    pandas' ``str.startswith`` finds, a missing code in none; the rows of each cluster and relation, split once,
    are those two comparisons find (same index and order), a row missing either in none."""
    data = report_data(gb)
    data.definitions = pd.DataFrame(
        {"cluster_id": pd.Series(["x", "y", "z"], dtype="str"), "codes": ["5911, 62", "", None]}
    )
    ctx = ReportContext(data)
    industries = pd.DataFrame(
        {"industry_code": pd.Series(["59111", "5912", None, "620", "59110", "1620"], dtype="str")}
    )
    expected = industries["industry_code"].astype(str).str.startswith(("5911", "62")).fillna(False).to_numpy(bool)
    assert _html._cluster_industries(ctx, "x", industries).tolist() == [True, False, False, True, True, False]
    assert _html._cluster_industries(ctx, "x", industries).tolist() == expected.tolist()
    for other in ("y", "z", "w"):
        assert not _html._cluster_industries(ctx, other, industries).any()
    table = pd.DataFrame(
        {
            "cluster_id": pd.Series(["a", "a", "b", None, "a", "b"], dtype="str"),
            "relation": pd.Series(["supplier", "customer", "supplier", "supplier", "supplier", None], dtype="str"),
        }
    ).set_axis([5, 4, 3, 2, 1, 0])
    pairs = _html._pair_positions(table, "cluster_id", "relation")
    for cluster_id in ("a", "b", "c"):
        for relation in ("supplier", "customer"):
            found = pairs.get((cluster_id, relation))
            chosen = table.iloc[found] if found is not None else table.iloc[:0]
            pd.testing.assert_frame_equal(
                chosen, table[(table["cluster_id"] == cluster_id) & (table["relation"] == relation)]
            )
    assert table.iloc[pairs[("a", "supplier")]].index.tolist() == [5, 1]
    assert len(pairs) == 3
