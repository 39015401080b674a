"""The evidence pack (report.html): sections, self-containment, charts and their text alternatives, run folders."""

from __future__ import annotations

import json
import math
import re
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from _util import FIXTURES, run_cli
from clusterplan import DataValidationError, ParameterError, Warehouse, profile_region
from clusterplan._data import dataset_entry
from clusterplan.analysis import ClusterProfile
from clusterplan.outputs import _charts as charts
from clusterplan.outputs._run import run_analyses, write_run_outputs
from clusterplan.outputs.report import (
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
    """The further tables of a real TLG3 run (tests/fixtures/report, made by its make_fixtures.py)."""
    return {
        path.stem: pd.read_csv(path, dtype={"industry_code": str, "area_code": str}) for path in TABLES.glob("*.csv")
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
    low, high = scenarios["additional_jobs_low"].sum(), scenarios["additional_jobs_high"].sum()
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
    missing = [p for p in CLUSTER_PARTS if p.name in ("supply_chain", "subregional", "opportunity", "scenario")]
    for part in missing:
        assert part.build(ctx, "ev_batteries") is None
        assert f"{part.title}: {part.missing}" in html
    # Without scenarios the plan chart plots past growth against the benchmark, in points a year.
    plan = specs(html)["plan-chart"]["data"][0]
    expected = (gb.clusters["growth_cagr"] - gb.clusters["benchmark_growth_cagr"]) * 100
    assert plan["y"] == pytest.approx(expected.tolist())


def test_us_report_has_no_map_and_ranks_the_cbsa_instead(us: ClusterProfile, us_html: str) -> None:
    assert "Industry clusters of CBSA 12060" in us_html
    assert "no shapes of metropolitan and micropolitan areas (CBSAs), so US regions cannot be mapped" in us_html
    assert "Not applicable: the question is asked of GB regions." in us_html
    found = specs(us_html)
    assert not [k for k in found if k.startswith("lq-map-") or k == "maps-overview"]
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
    result = run_analyses(warehouse, us, only=["supply_chain", "subregions"])
    assert result.tables == {}
    assert result.provenance["supply_chain"]["status"].startswith("not computed: ")
    assert "is for GB regions (ITL3 areas) only" in result.provenance["subregions"]["status"]
    with pytest.raises(ParameterError, match="unknown analysis 'forecast'; choose from scenarios"):
        run_analyses(warehouse, us, only=["forecast"])


def test_builder_lists_are_the_documented_extension_points() -> None:
    assert [b.name for b in SECTIONS][:3] == ["summary", "method", "ranking"]
    assert {"scenarios", "region_summary", "priorities", "supply_chain", "opportunities", "subregions"} <= set(
        RUN_TABLES
    )
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
