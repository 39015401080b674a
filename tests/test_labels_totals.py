"""What a reader sees is labelled for what it is, and every total agrees with every other."""

from __future__ import annotations

import html as html_lib
import re
from pathlib import Path

import pandas as pd
import pytest

from _util import FIXTURES, run_cli
from clusterplan import Warehouse, profile_region
from clusterplan.cli.app import _format_table
from clusterplan.pipeline.profile import ClusterProfile, traded_industry_codes
from clusterplan.report._html import ReportContext, render_report, report_data, summary_differential_growth


@pytest.fixture(scope="module")
def gb(warehouse: Warehouse) -> ClusterProfile:
    return profile_region(warehouse, region="TLG3")


@pytest.fixture(scope="module")
def traded(warehouse: Warehouse) -> ClusterProfile:
    codes = traded_industry_codes(warehouse, "bres_itl2_sic5")
    return profile_region(warehouse, region="TLG3", denominator_codes=codes)


def _header(profile: ClusterProfile) -> list[str]:
    first = _format_table(profile.clusters, profile.parameters["benchmark_short"]).splitlines()[0]
    return re.split(r"\s{2,}", first.strip())


@pytest.mark.parametrize(
    ("region", "benchmark", "label"),
    [("TLG3", "national", "GB"), ("TLG3", "TLG", "TLG"), ("TLG3", "peers", "peers"), ("12060", "national", "US")],
)
def test_cli_growth_column_names_the_benchmark(warehouse: Warehouse, region: str, benchmark: str, label: str) -> None:
    profile = profile_region(warehouse, region=region, benchmark=benchmark)
    header = _header(profile)
    assert header[-1] == f"{label} growth/yr"
    assert "GB growth/yr" not in header or label == "GB"


def test_cli_run_table_and_output_listing(tmp_path: Path, fresh_warehouse: Path) -> None:
    result = run_cli(
        "run", "--benchmark", "TLG", "--analyses", "none", "--quiet", "--out", str(tmp_path / "out"),
        "--warehouse", str(fresh_warehouse),
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].startswith("West Midlands (TLG3) against West Midlands (TLG)")
    assert lines[1].rstrip().endswith("TLG growth/yr")
    # Undefined values print as a dash, never as "–%".
    assert "–%" not in result.stdout
    # The output listing: one line per file, the colons aligned in one column.
    listing = [line for line in lines if re.match(r"^\s*[a-z_]+: /", line)]
    assert {line.split(":")[0].strip() for line in listing} >= {"clusters", "definitions", "report", "run"}
    assert len({line.index(":") for line in listing}) == 1


def test_traded_denominator_counts_traded_codes_only(gb: ClusterProfile, traded: ClusterProfile) -> None:
    shares = traded.clusters["employment_share"]
    # Before: every code of a cluster over traded jobs only, so the shares added up to 145%.
    assert shares.sum() <= traded.totals["clusters_share_of_region"] + 1e-9 + _shared_share(traded)
    assert shares.sum() < 1
    assert traded.totals["clusters_share_of_region"] < 1
    # Each share is the cluster's traded jobs over the region's traded jobs, and no cluster has more jobs than
    # with all its codes.
    total = traded.totals["region_total_employment"]
    assert total < gb.totals["region_total_employment"]
    assert (shares - traded.clusters["employment"] / total).abs().max() < 1e-12
    traded_jobs = traded.clusters.set_index("cluster_id")["employment"]
    all_jobs = gb.clusters.set_index("cluster_id")["employment"].reindex(traded_jobs.index)
    assert (traded_jobs <= all_jobs).all()
    assert (traded_jobs < all_jobs).any()
    assert (traded.clusters["industry_codes"] <= traded.clusters["industry_codes_in_taxonomy"]).all()
    professional = traded.clusters.set_index("cluster_id").loc["professional_financial_services"]
    assert professional["employment_share"] < 0.5  # 73.9% before


def _shared_share(profile: ClusterProfile) -> float:
    summed = profile.clusters["employment"].sum()
    return (summed - profile.totals["clusters_employment_without_double_counting"]) / profile.totals[
        "region_total_employment"
    ]


def test_report_says_what_a_traded_share_is(traded: ClusterProfile) -> None:
    html = render_report(traded)
    text = re.sub(r"<[^>]+>", " ", html)
    assert "traded jobs only" in text
    assert f"{traded.totals['region_total_employment']:,.0f} traded jobs" in re.sub(r"\s+", " ", text)


def _further() -> dict[str, pd.DataFrame]:
    return {p.stem: pd.read_csv(p) for p in (FIXTURES / "report").glob("*.csv")}


def test_executive_summary_counts_cluster_jobs_once_throughout(gb: ClusterProfile) -> None:
    html = render_report(gb, tables=_further())
    text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))
    once = gb.totals["clusters_employment_without_double_counting"]
    summed = gb.clusters["employment"].sum()
    assert gb.totals["overlapping_codes"] >= 1 and summed > once  # the WMCA clusters share a code
    employ = re.search(r"clusters employ ([\d,]+) people", text)
    start = re.search(r"baseline forecast of ([\d,]+) cluster jobs \(from ([\d,]+) in 2021\)", text)
    assert employ and start, text[:3000]
    assert int(employ.group(1).replace(",", "")) == round(once)
    # The scenarios start from the same count of cluster jobs as the paragraph before them (was 232,770).
    assert int(start.group(2).replace(",", "")) == round(once)
    scenarios = _further()["scenarios"]
    assert int(start.group(1).replace(",", "")) == round(scenarios["baseline_jobs"].sum() * once / summed)
    assert f"{summed:,.0f} added up cluster by cluster" in text


def test_summary_sums_scale_to_jobs_counted_once(gb: ClusterProfile) -> None:
    data = report_data(gb, tables=_further())
    ctx = ReportContext(data)
    body = str(summary_differential_growth(ctx))
    factor = gb.totals["clusters_employment_without_double_counting"] / gb.clusters["employment"].sum()
    high = _further()["scenarios"]["additional_jobs_high"].sum() * factor
    assert f"{high:,.0f} more jobs" in body


#: Headings the issue found raw in the workbook, and what a reader should see instead.
@pytest.mark.parametrize(
    ("column", "words"),
    [
        ("rca", "Revealed comparative advantage"),
        ("pci", "Product complexity index"),
        ("growth_cagr_p5", "Employment growth, 5th percentile of the draws (% a year"),
        ("rank_outside_london", "Growth rank among regions outside London (1 = fastest)"),
        ("additional_jobs_p95", "95th percentile of the draws (jobs)"),
        ("scale_normalised", "rescaled across the clusters (0 = lowest, 1 = highest)"),
    ],
)
def test_workbook_headings_are_words_with_units(column: str, words: str) -> None:
    from clusterplan.report.workbook import column_label

    assert words in column_label(column)


def test_every_numeric_column_of_a_run_has_a_unit_and_a_number_format(gb: ClusterProfile) -> None:
    from clusterplan.report.workbook import _column_format

    frames = [gb.clusters, gb.regions, *_further().values()]
    unlabelled = set()
    for frame in frames:
        for column in frame.columns:
            values = frame[column]
            if not pd.api.types.is_numeric_dtype(values) or pd.api.types.is_bool_dtype(values) or values.isna().all():
                continue
            label, number_format = _column_format(column)
            if column.endswith(("_code", "_id")):
                continue
            if number_format is None or ("(" not in label and not column.endswith("year")):
                unlabelled.add(f"{column} -> {label!r}")
    assert not unlabelled, "\n".join(sorted(unlabelled))


def test_notes_sheet_describes_tables_in_plain_words() -> None:
    from clusterplan.report._html import CORE_TABLES, RUN_TABLES

    for spec in [*CORE_TABLES.values(), *RUN_TABLES.values()]:
        # Before: "clusterplan.scenarios.scenario_outputs().region_growth." and the like.
        assert not re.search(r"clusterplan\.\w+|\(\)", spec.description), spec.name
        assert len(spec.description.split()) >= 5, spec.name


def test_priorities_table_has_units_and_consistent_decimals(gb: ClusterProfile) -> None:
    html = render_report(gb, tables=_further())
    section = html[html.index('id="priorities"') :]
    table = section[section.index('<table class="scorecard">') : section.index("</table>")]
    headers = [html_lib.unescape(re.sub(r"<[^>]+>", "", h)) for h in re.findall(r'<th scope="col">(.*?)</th>', table)]
    rows = [re.findall(r"<td>(.*?)</td>", r) for r in re.findall(r"<tr>(.*?)</tr>", table)[1:]]
    assert headers and rows
    for i, header in enumerate(headers):
        values = [row[i] for row in rows if row[i] not in ("–", "")]
        if header in ("Cluster",) or not values or not re.fullmatch(r"[+-]?[\d,]+(\.\d+)?%?", values[0]):
            continue
        # Before: "Scale", "Growth potential", "Pay" with no unit, and 2.05 beside 0.299 in one column.
        assert "(" in header, header
        decimals = {len(v.rstrip("%").split(".")[1]) if "." in v else 0 for v in values}
        assert len(decimals) == 1, (header, values)
    assert "Pay per job (£ a year)" in headers and "Scale (% of the region's jobs)" in headers
    assert headers[-1] == "Rank range over weight draws"


def test_chart_labels_wrap_instead_of_being_cut() -> None:
    from clusterplan.report._charts import scatter_chart

    names = ["Professional and financial services", "Electric light vehicles and batteries", "Aerospace"]
    chart = scatter_chart(
        "t", names, [1.0, 2.0, 3.0], [3.0, 2.0, 1.0], title="t", caption="c", x_label="x", y_label="y"
    )
    texts = {a["text"].replace("<br>", " ") for a in chart.layout["annotations"]}
    assert set(names) <= texts  # before: "Professional and financial servi"
    assert all(len(line) <= 24 for a in chart.layout["annotations"] for line in a["text"].split("<br>"))


def test_report_ranking_names_the_benchmark_in_its_growth_column(warehouse: Warehouse) -> None:
    html = render_report(profile_region(warehouse, region="TLG3", benchmark="TLG"))
    assert "Growth a year, TLG" in html and "Growth a year, benchmark" not in html
