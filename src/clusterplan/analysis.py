"""Cluster profile of one region against a benchmark: the engine behind ``clusterplan run``.

A thin stateful facade over the pure measures: it pulls the area x cluster x
year employment panel out of the warehouse (one Ibis query), then computes
shares, location quotients, growth and ranks with numpy/pandas on the small
panel, and records the provenance of every input.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from . import __version__
from ._exceptions import ParameterError, UnknownCodeError
from .measures.employment import area_totals, cluster_employment, industry_facts, memtable
from .measures.growth import compound_annual_growth_rate
from .measures.location_quotient import location_quotient
from .sources._codes import nuts2016_to_itl2021
from .taxonomy import Taxonomy, load_taxonomy
from .warehouse import Warehouse

__all__ = ["ClusterProfile", "profile_region", "DEFAULT_REGION", "DEFAULT_DATASET", "DEFAULT_TAXONOMY"]

DEFAULT_REGION = "TLG3"  # West Midlands (the WMCA's seven boroughs), NUTS 2016 code UKG3
DEFAULT_DATASET = "bres_itl2_sic5"
DEFAULT_TAXONOMY = "wmca_plan_for_growth"
BENCHMARK_ALL = "GB"


@dataclass
class ClusterProfile:
    """Result of :func:`profile_region`: tidy tables plus parameters and provenance."""

    parameters: dict[str, Any]
    region_code: str
    region_name: str
    clusters: pd.DataFrame
    regions: pd.DataFrame
    trend: pd.DataFrame
    totals: dict[str, float]
    taxonomy: Taxonomy
    inputs: list[dict[str, Any]] = field(default_factory=list)

    def run_metadata(self) -> dict[str, Any]:
        """What ``run.json`` records: version, parameters, inputs with sha256, headline totals."""
        return {
            "clusterplan_version": __version__,
            "parameters": self.parameters,
            "region": {"code": self.region_code, "name": self.region_name},
            "taxonomy": {"name": self.taxonomy.name, "title": self.taxonomy.title, "source": self.taxonomy.source},
            "inputs": self.inputs,
            "totals": self.totals,
        }


def _area_names(warehouse: Warehouse) -> dict[str, str]:
    frame = warehouse.raw.execute("SELECT area_code, any_value(area_name) AS name FROM areas GROUP BY 1").df()
    return dict(zip(frame["area_code"], frame["name"], strict=True))


def resolve_region(code: str, available: list[str], names: dict[str, str]) -> str:
    """Accept an ITL 2021 code (TLG3), its NUTS 2016 twin (UKG3) or an area name; return the ITL code."""
    candidate = nuts2016_to_itl2021(code.strip().upper())
    if candidate in available:
        return candidate
    by_name = {str(names.get(a, "")).lower(): a for a in available}
    if code.strip().lower() in by_name:
        return by_name[code.strip().lower()]
    choices = [f"{a} ({names[a]})" if names.get(a) else a for a in sorted(available)]
    raise UnknownCodeError("region", code, choices)


def profile_region(
    warehouse: Warehouse,
    *,
    region: str = DEFAULT_REGION,
    taxonomy: str | Taxonomy = DEFAULT_TAXONOMY,
    year: int | None = None,
    base_year: int | None = None,
    dataset: str = DEFAULT_DATASET,
    progress: Any = None,
) -> ClusterProfile:
    """Profile every cluster of *taxonomy* in *region* against Great Britain.

    The benchmark is the sum of all areas in *dataset* (the 40 ITL2 areas of
    BRES make up Great Britain). Employment share is of the region's total
    employment in all industries; growth is the compound annual rate from
    *base_year* (default: the first year of the data) to *year* (default: the
    latest).
    """
    say = progress or (lambda _m: None)
    info = warehouse.dataset_info(dataset)
    tax = taxonomy if isinstance(taxonomy, Taxonomy) else load_taxonomy(taxonomy)
    rows = industry_facts(warehouse.facts, dataset=dataset)
    years = sorted(int(y) for y in rows.select("year").distinct().to_pandas()["year"])
    if not years:
        raise ParameterError(f"dataset {dataset!r} has no employment facts")
    year = years[-1] if year is None else int(year)
    base_year = years[0] if base_year is None else int(base_year)
    for label, value in (("year", year), ("base year", base_year)):
        if value not in years:
            raise UnknownCodeError(label, str(value), [str(y) for y in years])
    if base_year >= year:
        raise ParameterError(f"base year {base_year} must be before year {year}")
    names = _area_names(warehouse)
    available = sorted(rows.select("area_code").distinct().to_pandas()["area_code"])
    region_code = resolve_region(region, available, names)

    say(f"mapping {len(tax.clusters)} clusters of {tax.name} to industry codes")
    codes = rows.select("industry_code").distinct().to_pandas()["industry_code"].tolist()
    mapping = tax.mapping(codes)
    say("aggregating employment in the warehouse")
    panel = cluster_employment(rows, memtable(mapping[["cluster_id", "industry_code"]])).to_pandas()
    totals = area_totals(rows).to_pandas()
    union_codes = memtable(mapping[["industry_code"]].drop_duplicates().assign(cluster_id="__all_clusters__"))
    union = cluster_employment(rows, union_codes).to_pandas()

    say("computing shares, location quotients and growth")
    panel = panel.merge(totals, on=["area_code", "year"], how="left")
    bench = panel.groupby(["cluster_id", "year"], as_index=False)[["value"]].sum()
    bench_total = totals.groupby("year", as_index=False)["total"].sum()
    bench = bench.merge(bench_total, on="year").rename(columns={"value": "benchmark_value", "total": "benchmark_total"})
    panel = panel.merge(bench, on=["cluster_id", "year"], how="left")
    panel["lq"] = location_quotient(panel["value"], panel["total"], panel["benchmark_value"], panel["benchmark_total"])
    panel["share"] = panel["value"] / panel["total"]

    def at(frame: pd.DataFrame, y: int) -> pd.DataFrame:
        return frame[frame["year"] == y].set_index(["area_code", "cluster_id"])

    latest, base = at(panel, year), at(panel, base_year)
    regions = latest[["value", "share", "lq", "total", "suppressed_cells", "missing_cells", "cells"]].copy()
    regions["base_value"] = base["value"].reindex(regions.index)
    regions["growth_cagr"] = compound_annual_growth_rate(regions["base_value"], regions["value"], year - base_year)
    regions = regions.reset_index()
    regions["lq_rank"] = regions.groupby("cluster_id")["lq"].rank(ascending=False, method="min")
    regions["growth_rank"] = regions.groupby("cluster_id")["growth_cagr"].rank(ascending=False, method="min")
    regions["n_regions"] = regions.groupby("cluster_id")["area_code"].transform("count")
    regions["area_name"] = regions["area_code"].map(names).fillna("")
    cluster_names = {c.id: c.name for c in tax.clusters}
    regions["cluster"] = regions["cluster_id"].map(cluster_names)

    bench_latest = bench[bench["year"] == year].set_index("cluster_id")
    bench_base = bench[bench["year"] == base_year].set_index("cluster_id")
    focus = regions[regions["area_code"] == region_code].set_index("cluster_id")
    out = pd.DataFrame(index=[c.id for c in tax.clusters])
    out.index.name = "cluster_id"
    out["cluster"] = [c.name for c in tax.clusters]
    out["employment"] = focus["value"]
    out["employment_share"] = focus["share"]
    out["lq"] = focus["lq"]
    out["growth_cagr"] = focus["growth_cagr"]
    out["employment_base_year"] = focus["base_value"]
    out["benchmark_employment"] = bench_latest["benchmark_value"]
    out["benchmark_growth_cagr"] = compound_annual_growth_rate(
        bench_base["benchmark_value"].reindex(out.index),
        bench_latest["benchmark_value"].reindex(out.index),
        year - base_year,
    )
    out["lq_rank"] = focus["lq_rank"]
    out["growth_rank"] = focus["growth_rank"]
    out["n_regions"] = focus["n_regions"]
    out["industry_codes"] = mapping.groupby("cluster_id")["industry_code"].nunique().reindex(out.index)
    out["suppressed_cells"] = focus["suppressed_cells"]
    out["missing_cells"] = focus["missing_cells"]
    out["confidence"] = [c.confidence for c in tax.clusters]
    out = out.reset_index()
    out.insert(0, "cluster", out.pop("cluster"))
    out = out.sort_values("lq", ascending=False, na_position="last").reset_index(drop=True)

    trend = panel[panel["area_code"] == region_code][["cluster_id", "year", "value", "lq", "benchmark_value"]]
    trend = trend.rename(columns={"value": "employment", "benchmark_value": "benchmark_employment"})
    trend = trend.sort_values(["cluster_id", "year"]).reset_index(drop=True)

    region_total = float(totals.loc[(totals.area_code == region_code) & (totals.year == year), "total"].iloc[0])
    union_row = union[(union.area_code == region_code) & (union.year == year)]
    union_value = float(union_row["value"].iloc[0]) if len(union_row) else 0.0
    totals_out = {
        "year": year,
        "base_year": base_year,
        "region_total_employment": region_total,
        "benchmark_total_employment": float(bench_total.loc[bench_total.year == year, "total"].iloc[0]),
        "clusters_employment_without_double_counting": union_value,
        "clusters_share_of_region": union_value / region_total if region_total else float("nan"),
        "overlapping_codes": len(tax.overlaps()),
    }
    inputs = [
        {
            "dataset": dataset,
            "title": info["title"],
            "source": info["source"],
            "publisher": info["publisher"],
            "vintage": info["vintage"],
            "licence": info["licence"],
            "sha256": info["sha256"],
            "raw_files": info["raw_files"],
            "transforms": info["transforms"],
            "origin": info["origin"],
        }
    ]
    parameters = {
        "region": region_code,
        "region_input": region,
        "benchmark": BENCHMARK_ALL,
        "taxonomy": tax.name,
        "dataset": dataset,
        "measure": "employment",
        "year": year,
        "base_year": base_year,
    }
    return ClusterProfile(
        parameters=parameters,
        region_code=region_code,
        region_name=names.get(region_code, region_code),
        clusters=out,
        regions=regions,
        trend=trend,
        totals=totals_out,
        taxonomy=tax,
        inputs=inputs,
    )
