"""Column headings with units, and their Excel number formats, shared by the workbook and the report's tables.

>>> column_label("gva_per_job_gbp")
'GVA per job (£)'
"""

from __future__ import annotations

import re

__all__ = ["COLUMN_LABELS", "column_label"]

_PCT, _INT, _DEC2, _DEC3, _MONEY = "0.0%", "#,##0", "0.00", "0.000", "#,##0"

#: Heading (with unit) and Excel number format of every known column.
COLUMN_LABELS: dict[str, tuple[str, str | None]] = {
    "cluster": ("Cluster", None),
    "cluster_id": ("Cluster id", None),
    "area_code": ("Area code", None),
    "area_name": ("Area name", None),
    "year": ("Year", "0"),
    "employment": ("Employment (jobs)", _INT),
    "employment_share": ("Share of the region's employment (%)", _PCT),
    "share": ("Share of the area's employment (%)", _PCT),
    "lq": ("Location quotient (ratio)", _DEC3),
    "lq_low": ("Location quotient, lowest under rounding, suppression or withheld cells (ratio)", _DEC3),
    "lq_high": ("Location quotient, highest under rounding, suppression or withheld cells (ratio)", _DEC3),
    "employment_low": ("Employment, lowest the withheld cells allow (jobs)", _INT),
    "employment_high": ("Employment, highest the withheld cells allow (jobs)", _INT),
    "growth_cagr": ("Employment growth (% a year, compound)", "0.00%"),
    "benchmark_growth_cagr": ("Benchmark employment growth (% a year, compound)", "0.00%"),
    "employment_base_year": ("Employment in the base year (jobs)", _INT),
    "benchmark_employment": ("Benchmark employment (jobs)", _INT),
    "area_total_employment": ("Area employment, all industries (jobs)", _INT),
    "lq_rank": ("LQ rank among areas (1 = highest)", "0"),
    "lq_percentile": ("LQ percentile among areas (0-100)", "0.0"),
    "growth_rank": ("Growth rank among areas (1 = fastest)", "0"),
    "share_rank": ("Share rank among areas (1 = highest)", "0"),
    "share_percentile": ("Share percentile among areas (0-100)", "0.0"),
    "employment_rank": ("Employment rank among areas (1 = largest)", "0"),
    "employment_percentile": ("Employment percentile among areas (0-100)", "0.0"),
    "growth_cagr_rank": ("Growth rank among areas (1 = fastest)", "0"),
    "growth_cagr_percentile": ("Growth percentile among areas (0-100)", "0.0"),
    "n_regions": ("Areas compared (count)", "0"),
    "in_benchmark": ("In the benchmark (true/false)", None),
    "strong_cluster": ("Strong cluster, US Cluster Mapping rule (true/false)", None),
    "strong_cluster_reason": ("Strong cluster: reason", None),
    "stars": ("European Cluster Observatory stars (0-3)", "0"),
    "stars_reason": ("Stars: reason", None),
    "establishments": ("Establishments (count)", _INT),
    "shift_share_change": ("Shift-share: change in employment (jobs)", _INT),
    "shift_share_national_share": ("Shift-share: national growth effect (jobs)", _INT),
    "shift_share_industry_mix": ("Shift-share: industry mix effect (jobs)", _INT),
    "shift_share_competitive": ("Shift-share: regional competitive effect (jobs)", _INT),
    "lq_rank_base_year": ("LQ rank in the base year (1 = highest)", "0"),
    "lq_rank_change": ("LQ rank change since the base year (places, + = up)", "+0;-0;0"),
    "gva_gbp_million": ("GVA (£ million, current prices)", "#,##0.0"),
    "gva_per_job_gbp": ("GVA per job (£)", _MONEY),
    "relative_productivity": ("GVA per job relative to the benchmark (ratio)", _DEC3),
    "industry_codes": ("Industry codes (count)", "0"),
    "suppressed_cells": ("Cells published as 0, possibly suppressed (count)", "0"),
    "missing_cells": ("Empty cells (count)", "0"),
    "imputed_cells": ("Withheld cells rebuilt from their parents' totals (count)", "0"),
    "cells": ("Data cells (count)", "0"),
    "confidence": ("Definition confidence", None),
    "description": ("Description", None),
    "codes": ("Industry codes", None),
    "note": ("Note", None),
    "target_year": ("Target year", "0"),
    "baseline_jobs": ("Baseline jobs in the target year (jobs)", _INT),
    "leading_region": ("Leading region", None),
    "score": ("Priority score: weighted mean of the rescaled criteria (0-1)", _DEC3),
    "rank": ("Rank (1 = first)", "0"),
    "direction": ("Direction (supplier or customer)", None),
    "partner": ("Supplier or customer", None),
    "share_in_region": ("Bought or sold inside the region (%)", _PCT),
    "industry_code": ("Industry code", None),
    "industry_name": ("Industry", None),
    "output_multiplier": ("Output multiplier (ratio)", _DEC3),
    "gva_effect": ("GVA effect (£ GVA per £1 of final use)", _DEC3),
    "gva_multiplier": ("GVA multiplier (ratio)", _DEC3),
    "employment_effect": ("Employment effect (jobs per £1m of final use)", "0.00"),
    "employment_multiplier": ("Employment multiplier (ratio)", _DEC3),
    "feasibility": ("Feasibility: relatedness density (0-1 in Priorities; percentile 0-100 in Opportunities)", "0.000"),
    "attractiveness": ("Attractiveness: mean percentile of complexity, GVA per job and growth (0-100)", "0.0"),
    "growth_baseline": ("Growth, baseline (% a year)", "0.00%"),
    "growth_scenario": ("Growth, scenario (% a year)", "0.00%"),
    "growth_scenario_low": ("Growth, low scenario (% a year)", "0.00%"),
    "growth_scenario_high": ("Growth, high scenario (% a year)", "0.00%"),
    "share_of_region": ("Share of the region (%)", _PCT),
    "level": ("Area level", None),
    "measure": ("Measure", None),
    "measure_label": ("Measure: what the value is", None),
    "in_region": ("In the focus region (true/false)", None),
    "standardised_value": ("Standardised value (z-score)", "0.00"),
    "spatial_lag": ("Spatial lag: neighbours' mean standardised value (z-score)", "0.00"),
    "neighbours": ("Neighbours (count)", "0"),
    "attached_to": ("Island linked to (area code)", None),
    "attached_to_name": ("Island linked to (area name)", None),
    "region_code": ("Region code", None),
    "region_name": ("Region name", None),
    "siblings_in": ("Clusters holding other industries of its 4-digit NAICS group", None),
    "local_moran_i": ("Local Moran's I", _DEC3),
    "local_moran_p": ("Local Moran's I pseudo p-value", _DEC3),
    "local_moran_p_fdr": ("Local Moran's I p-value, FDR-adjusted (Benjamini-Hochberg)", _DEC3),
    "local_moran_significant": ("Local Moran significant after FDR correction (true/false)", None),
    "lisa_class": ("LISA class (HH, HL, LH, LL or not significant)", None),
    "gi_star_z": ("Getis-Ord Gi* (z-score)", "0.00"),
    "gi_star_p": ("Getis-Ord Gi* pseudo p-value", _DEC3),
    "gi_star_p_fdr": ("Getis-Ord Gi* p-value, FDR-adjusted (Benjamini-Hochberg)", _DEC3),
    "gi_star_significant": ("Getis-Ord Gi* significant after FDR correction (true/false)", None),
    "hotspot": ("Getis-Ord hot or cold spot", None),
    "moran_i": ("Global Moran's I of the map", _DEC3),
    "moran_expected": ("Global Moran's I expected without spatial autocorrelation", _DEC3),
    "moran_z": ("Global Moran's I z-score (permutations)", "0.00"),
    "moran_p": ("Global Moran's I pseudo p-value", _DEC3),
    "permutations": ("Random permutations (count)", "0"),
    "alpha": ("False-discovery rate (fraction)", "0.00"),
    # Growth opportunities
    "rca": ("Revealed comparative advantage, LQ against all areas (ratio)", _DEC3),
    "pci": ("Product complexity index (standard deviations)", "0.00"),
    "density": ("Relatedness density (0-1)", _DEC3),
    "outlook_gain": ("Complexity outlook gain (index)", _DEC3),
    "gva_per_job": ("GVA per job, Great Britain (£)", _MONEY),
    "national_growth": ("National employment growth (% a year, compound)", "0.00%"),
    "national_employment": ("Employment in all areas (jobs)", _INT),
    "opportunity_score": ("Opportunity score: mean of feasibility and attractiveness (0-100)", "0.0"),
    "stage": ("Stage in the region (specialised, nascent or absent)", None),
    "quadrant": ("Quadrant", None),
    "present": ("Specialised here, RCA of 1 or more (true/false)", None),
    "eligible": ("Large enough nationally to be a candidate (true/false)", None),
    "nascent_candidate": ("Nascent candidate: here, not yet specialised, feasible and attractive (true/false)", None),
    "absent_candidate": ("New activity: no jobs here, feasible and attractive (true/false)", None),
    # Priorities
    "comparative_advantage": ("Comparative advantage: location quotient (ratio)", "0.00"),
    "cluster_strength": ("Cluster strength: strong cluster (1) plus stars (0-3) (points, 0-4)", "0"),
    "scale": ("Scale: share of the region's employment (%)", "0.0"),
    "growth_potential": ("Growth potential: additional jobs, central scenario (% of baseline jobs)", "0.0"),
    "productivity": ("Productivity: GVA per job (£)", _MONEY),
    "pay": ("Pay: compensation per job (£ a year)", _MONEY),
    "supply_chain": ("Supply chain: Type I employment multiplier (ratio)", "0.00"),
    "missing_criteria": ("Criteria without data", None),
    "rank_kept_share": ("Weight draws in which the cluster keeps its rank (%)", _PCT),
    "top_n_share": ("Weight draws in which the cluster stays in the top group (%)", _PCT),
    "rank_best": ("Best rank over the weight draws (1 = first)", "0"),
    "rank_worst": ("Worst rank over the weight draws (1 = first)", "0"),
    "rank_median": ("Median rank over the weight draws (1 = first)", "0"),
    # Regions and scenarios
    "rank_outside_london": ("Growth rank among regions outside London (1 = fastest)", "0"),
    "regions_outside_london": ("Regions outside London (count)", "0"),
    "fastest_outside_london": ("Fastest-growing region outside London (code)", None),
    "fastest_outside_london_name": ("Fastest-growing region outside London", None),
    "extra_growth_needed_pp": ("Extra growth needed to be the fastest (percentage points a year)", "0.00"),
    "extra_jobs_needed": ("Extra jobs needed to be the fastest (jobs)", _INT),
    "above_national_average": ("Growing faster than the nation (true/false)", None),
    "outside_london": ("Outside London (true/false)", None),
    "hit_rate": ("Hit rate: region-units that reached the percentile (%)", _PCT),
    "hits": ("Region-units that reached it (count)", _INT),
    "region_units": ("Region-units tested (count)", _INT),
    "size_ratio": ("Size against the region's cluster (ratio)", "0.00"),
    "cap": ("Cap on differential growth (% a year)", "0.00%"),
    "count_once_factor": ("Jobs counted once over jobs summed by cluster (ratio)", _DEC3),
    "share_of_buyer_inputs": ("Share of the buyer's inputs (%)", _PCT),
    "share_of_supplier_sales": ("Share of the supplier's sales (%)", _PCT),
    "share_of_area": ("Share of the area's total (%)", _PCT),
    "lq_region": ("Location quotient against the region (ratio)", _DEC3),
    "lq_gb": ("Location quotient against Great Britain (ratio)", _DEC3),
    "lq_start": ("Location quotient at the window's start (ratio)", _DEC3),
    "draws": ("Draws (count)", _INT),
    "draws_with_comparators": ("Draws with comparators (count)", _INT),
    "percentile": ("Percentile of the comparators (0-100)", "0"),
    "percentile_low": ("Percentile of the comparators, low scenario (0-100)", "0"),
    "percentile_central": ("Percentile of the comparators, central scenario (0-100)", "0"),
    "percentile_high": ("Percentile of the comparators, high scenario (0-100)", "0"),
    "regions": ("Regions (count)", "0"),
    "comparators": ("Comparators (count)", "0"),
    "base_value": ("Employment in the base year (jobs)", _INT),
    "total": ("Area employment, all industries or the denominator's (jobs)", _INT),
    "value": ("Value (in the unit its measure or unit column names)", "#,##0.00"),
    "area_total": ("Area total (in the unit column's unit)", "#,##0.0"),
    "region_value": ("Cluster in the region (in the unit column's unit)", "#,##0.0"),
    "region_total": ("Region total (in the unit column's unit)", "#,##0.0"),
    "gb_value": ("Cluster in Great Britain (in the unit column's unit)", "#,##0.0"),
    "gb_total": ("Great Britain total (in the unit column's unit)", "#,##0.0"),
}

#: Percentile suffixes of resampled columns: ``additional_jobs_p5`` is the 5th percentile of additional jobs.
_PERCENTILE = re.compile(r"^(?P<stem>.+)_p(?P<n>\d{1,2})$")

#: Units by column-name ending, for columns later stages add (``additional_gva_low_gbp_m`` → £ million).
_SUFFIX_UNITS = [
    ("_gbp_m", "£ million", "#,##0.0"),
    ("_usd_m", "$ million", "#,##0.0"),
    ("_gbp_million", "£ million", "#,##0.0"),
    ("_gbp", "£", _MONEY),
    ("_usd", "$", _MONEY),
    ("_jobs", "jobs", _INT),
    ("_jobs_low", "jobs", _INT),
    ("_jobs_high", "jobs", _INT),
    ("_share", "%", _PCT),
    ("_rate", "% a year", "0.00%"),
    ("_cagr", "% a year, compound", "0.00%"),
    ("_lq", "ratio", _DEC3),
    ("_multiplier", "ratio", _DEC3),
    ("_rank", "1 = first", "0"),
]


_ACRONYMS = {
    "gva": "GVA",
    "lq": "LQ",
    "gb": "GB",
    "io": "IO",
    "cagr": "growth",
    "pp": "percentage points",
    "london": "London",
    "rca": "RCA",
    "pci": "PCI",
    "eci": "ECI",
}


def _words(name: str) -> str:
    words = [_ACRONYMS.get(w, w) for w in name.split("_") if w]
    text = " ".join(words)
    return text[:1].upper() + text[1:]


def _ordinal(n: int) -> str:
    return f"{n}{'th' if 10 <= n % 100 <= 20 else {1: 'st', 2: 'nd', 3: 'rd'}.get(n % 10, 'th')}"


def _column_format(name: str) -> tuple[str, str | None]:
    if name in COLUMN_LABELS:
        return COLUMN_LABELS[name]
    percentile = _PERCENTILE.match(name)
    if percentile:
        label, fmt = _column_format(percentile["stem"])
        head, sep, unit = label.rpartition(" (")
        where = f", {_ordinal(int(percentile['n']))} percentile of the draws"
        return (f"{head}{where} ({unit}" if sep else f"{label}{where}"), fmt
    if name.endswith("_normalised"):
        stem = _column_format(name.removesuffix("_normalised"))[0].split(" (")[0]
        return f"{stem}, rescaled across the clusters (0 = lowest, 1 = highest)", _DEC3
    tokens = name.split("_")
    for suffix, unit, fmt in _SUFFIX_UNITS:
        if name.endswith(suffix) and len(name) > len(suffix):
            if suffix == "_cagr":
                stem = name[: -len(suffix)]
                return f"{_words(stem)}{'' if stem.endswith('growth') else ' growth'} ({unit})", fmt
            stem = name[: -len(suffix)] if suffix in ("_gbp_m", "_usd_m", "_gbp_million", "_gbp", "_usd") else name
            return f"{_words(stem)} ({unit})", fmt
    # Columns later stages add, by what their name says they hold.
    if "jobs" in tokens:
        return f"{_words(name)} (jobs)", _INT
    if "growth" in tokens:
        return f"{_words(name)} (% a year)", "0.00%"
    if tokens[0] == "rank":
        return f"{_words(name)} (1 = first)", "0"
    if tokens[-1] in ("year", "start", "end") and tokens[0] in ("window", "jump", "base", "target"):
        return _words(name), "0"
    if tokens[-1] == "employment":
        return f"{_words(name)} (jobs)", _INT
    return _words(name), None


def column_label(name: str) -> str:
    """The heading of a column in the workbook: what it is and its unit."""
    return _column_format(name)[0]
