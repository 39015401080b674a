"""The self-contained HTML report of a run (no scripts or styles fetched from anywhere)."""

from __future__ import annotations

import math
from importlib.resources import files
from typing import Any

import jinja2
import pandas as pd

from ..analysis import ClusterProfile
from ._svg import bar_chart, bubble_chart, line_chart, strip_chart

__all__ = ["render_report"]


def _number(value: Any, spec: str = ",.0f") -> str:
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return "–"
    return format(value, spec)


def _environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FunctionLoader(lambda name: (files("clusterplan") / "outputs" / "templates" / name).read_text()),
        autoescape=jinja2.select_autoescape(["html", "j2"], default=True),
        undefined=jinja2.StrictUndefined,
    )
    env.filters["num"] = _number
    env.filters["pct"] = lambda v, digits=1: (
        _number(v * 100 if v is not None else None, f".{digits}f") + ("%" if v is not None and math.isfinite(v) else "")
    )
    return env


def _cluster_sections(profile: ClusterProfile) -> list[dict[str, Any]]:
    sections = []
    benchmark = str(profile.parameters.get("benchmark_label", "benchmark"))
    regions = profile.regions
    for cluster in profile.taxonomy.clusters:
        row = profile.clusters.set_index("cluster_id").loc[cluster.id]
        if cluster.id not in set(regions["cluster_id"]):
            continue
        across = regions[regions["cluster_id"] == cluster.id].sort_values("lq", ascending=False)
        labels = [f"{a} {n}".strip() for a, n in zip(across["area_code"], across["area_name"], strict=True)]
        focus_label = next((lab for lab in labels if lab.startswith(profile.region_code + " ")), profile.region_code)
        trend = profile.trend[profile.trend["cluster_id"] == cluster.id]
        years = [int(y) for y in trend["year"]]
        index: dict[str, list[float]] = {}
        if len(years) > 1:
            base_region, base_bench = trend["employment"].iloc[0], trend["benchmark_employment"].iloc[0]
            if base_region:
                index[profile.region_name or profile.region_code] = list(trend["employment"] / base_region * 100)
            if base_bench:
                index[benchmark] = list(trend["benchmark_employment"] / base_bench * 100)
        sections.append(
            {
                "id": cluster.id,
                "name": cluster.name,
                "description": cluster.description,
                "note": cluster.note,
                "confidence": cluster.confidence,
                "codes": ", ".join(cluster.codes),
                "row": row.to_dict(),
                "strip": strip_chart(
                    labels, list(across["lq"]), focus_label, title=f"{cluster.name}: location quotient in every area"
                ),
                "trend": line_chart(
                    years,
                    index,
                    title=f"{cluster.name}: employment index, {years[0]} = 100",
                    y_label=f"employment index ({years[0]} = 100)",
                )
                if index
                else "",
            }
        )
    return sections


def render_report(profile: ClusterProfile, metadata: dict[str, Any]) -> str:
    """Render ``report.html`` for a cluster profile and its ``run.json`` metadata."""
    clusters = profile.clusters
    ranked = clusters.sort_values("lq", ascending=False, na_position="last")
    lq_chart = bar_chart(
        list(ranked["cluster"]),
        list(ranked["lq"]),
        title=f"Location quotient of each cluster, {profile.region_name}, {profile.totals['year']}",
        reference=1.0,
        highlight=[bool(v >= 1) for v in ranked["lq"].fillna(0)],
    )
    bench_growth = (profile.totals["benchmark_total_employment"] / 1) if profile.totals else None
    bubble = bubble_chart(
        list(clusters["cluster"]),
        list(clusters["lq"]),
        list(clusters["growth_cagr"]),
        list(clusters["employment"]),
        title="Regional strength against growth; bubble area = employment",
        x_label="location quotient (regional strength)",
        y_label=f"employment growth a year {profile.totals['base_year']}-{profile.totals['year']}",
        x_ref=1.0,
    )
    strong = clusters[clusters["lq"] >= 1].sort_values("lq", ascending=False)
    growing = clusters[clusters["growth_cagr"] > clusters["benchmark_growth_cagr"]]
    context = {
        "p": profile,
        "m": metadata,
        "clusters": clusters.to_dict("records"),
        "strong": strong.to_dict("records"),
        "growing": growing.to_dict("records"),
        "lq_chart": lq_chart,
        "bubble": bubble,
        "sections": _cluster_sections(profile),
        "suppressed_total": int(pd.to_numeric(clusters["suppressed_cells"]).fillna(0).sum()),
        "missing_total": int(pd.to_numeric(clusters["missing_cells"]).fillna(0).sum()),
        "bench_growth": bench_growth,
        "has_productivity": "gva_per_job_gbp" in clusters.columns,
    }
    return _environment().get_template("report.html.j2").render(**context)
