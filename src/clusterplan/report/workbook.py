"""``workbook.xlsx``: every table of a run, with units in the headers, a Sources sheet and a Notes sheet.

The cells hold the same values as the run's CSV files (fractions stay
fractions, shown with a percentage format), so a number in Excel can be traced
back to ``clusters.csv`` and the other tables. Headers say what a column is
and its unit ("Employment (jobs)", "GVA per job (£)"); the Notes sheet maps
each heading back to its CSV column.

Example
-------
>>> column_label("gva_per_job_gbp")
'GVA per job (£)'
>>> column_label("additional_jobs_low")
'Additional jobs low (jobs)'
>>> column_label("additional_gva_high_gbp_m")
'Additional GVA high (£ million)'
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pandas as pd

from ..pipeline.profile import ClusterProfile
from ._html import CORE_TABLES, RUN_TABLES, ReportData, report_data
from ._xlsx import Style, XlsxBook

__all__ = ["COLUMN_LABELS", "SHEETS", "column_label", "write_workbook"]

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


#: Sheet names of the core tables, in workbook order.
SHEETS = {"clusters": "Clusters", "regions": "All areas", "trend": "Trend", "definitions": "Definitions"}
_EXTRA_SHEETS = {
    "scenarios": "Scenarios",
    "region_summary": "Region summary",
    "region_growth": "Region growth",
    "scenario_uncertainty": "Scenario uncertainty",
    "priorities": "Priorities",
    "supply_chain": "Supply chain",
    "input_sourcing": "Input sourcing",
    "cluster_linkages": "Cluster linkages",
    "io_multipliers": "IO multipliers",
    "opportunities": "Opportunities",
    "cluster_opportunities": "Cluster opportunities",
    "subregions": "Inside the region",
    "hotspots": "Hotspots",
    "unclassified_industries": "Industries in no cluster",
}
_HEADER = Style(bold=True, fill="DCE6F0", wrap="bottom")
_ROWS_HEADER = Style(bold=True, fill="DCE6F0")
_WRAPPED = Style(wrap="top")


def _write_frame(book: XlsxBook, title: str, frame: pd.DataFrame, key: str, dictionary: list[list[str]]) -> None:
    formats = [_column_format(str(c)) for c in frame.columns]
    header = book.style(_HEADER)
    for (label, _), name in zip(formats, frame.columns, strict=True):
        dictionary.append([title, label, str(name), key])
    book.add_sheet(
        title,
        [[label for label, _ in formats]],
        styles=[[header] * len(formats)],
        # Numbers take their column's format; text and empty cells none (the cells of the CSV, column by column).
        columns=[frame.iloc[:, i].tolist() for i in range(frame.shape[1])],
        column_styles=[book.style(Style(number_format=fmt)) if fmt else 0 for _, fmt in formats],
        widths=[14 if len(label) > 20 else max(10, len(label) + 2) for label, _ in formats],
        freeze="B2",
        autofilter=True,
    )


def _write_rows(book: XlsxBook, title: str, header: list[str], rows: list[list[Any]], widths: list[int]) -> None:
    heading, wrapped = book.style(_ROWS_HEADER), book.style(_WRAPPED)
    book.add_sheet(
        title,
        [header, *rows],
        styles=[[heading] * len(header), *([wrapped] * len(row) for row in rows)],
        widths=widths,
    )


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, list | tuple):
        return ", ".join(str(v) for v in value)
    return str(value)


def _sources(data: ReportData) -> list[list[Any]]:
    rows = []
    for i in data.inputs:
        raw = "; ".join(f"{f.get('path')} (sha256 {f.get('sha256')})" for f in i.get("raw_files") or [])
        rows.append(
            [
                i.get("dataset"),
                i.get("title"),
                i.get("source"),
                i.get("publisher"),
                i.get("vintage"),
                i.get("licence"),
                i.get("sha256"),
                raw,
                "; ".join(i.get("transforms") or []),
                i.get("origin"),
            ]
        )
    taxonomy = data.metadata.get("taxonomy") or {}
    if taxonomy:
        rows.append(
            [
                taxonomy.get("name"),
                f"Cluster definitions: {taxonomy.get('title')}",
                taxonomy.get("source"),
                "",
                "",
                "",
                "",
                "",
                "",
                "taxonomy",
            ]
        )
    return rows


def _notes(data: ReportData) -> list[list[str]]:
    p = data.parameters
    growth = f", growth {data.base_year}-{data.year}" if data.base_year else " (one year of data: no growth)"
    lines = [
        [
            "Run",
            f"{data.region_name} ({data.region_code}) against {data.benchmark_label}; employment {data.year}{growth}.",
        ],
        ["Made with", f"clusterplan {data.metadata.get('clusterplan_version')} {data.metadata.get('created_at', '')}"],
        ["Cluster definitions", f"{(data.metadata.get('taxonomy') or {}).get('title')} ({p.get('taxonomy')})"],
        [
            "Employment",
            data.employment_note,
        ],
        [
            "Location quotient",
            "LQ = (e_ir / e_r) / (E_i / E): the cluster's share of the area's jobs over its share of the "
            "benchmark's (the sum of the benchmark's areas). Above 1 the area is specialised in the cluster. "
            "lq_low/lq_high: the LQ's range over every true count the rounded and suppressed published cells allow "
            "(US: over every split of the jobs County Business Patterns withholds in cells of fewer than 3 "
            "establishments).",
        ],
        [
            "Growth and shift-share",
            "Growth is the compound annual growth rate between the base year and the year. Shift-share splits "
            "the change in jobs into national growth, industry mix and regional competitiveness against the "
            "benchmark (classic Dunn 1960 decomposition); the three add up to the change.",
        ],
        [
            "Strength",
            "Strong cluster: the US Cluster Mapping Project rule (LQ in the top quartile of areas with minimum "
            "size). Stars: the European Cluster Observatory's size, specialisation and focus tests.",
        ],
        [
            "Productivity",
            "GVA per job: ONS regional GVA (balanced) by industry apportioned to the cluster's industries by "
            "employment (GB regions only).",
        ],
        ["Ranks", "Ranks and percentiles are among the benchmark's areas; rank 1 is the highest."],
        ["Percentages", "Shares and growth rates are stored as fractions (0.05) and shown as percentages (5.0%)."],
        ["Empty cells", "An empty cell is a value that cannot be computed (e.g. growth with one year of data)."],
    ]
    for name, frame in sorted(data.tables.items()):
        spec = RUN_TABLES.get(name)
        lines.append(
            [f"Table {name}", f"{spec.title if spec else name}: {spec.description if spec else ''} ({len(frame)} rows)"]
        )
    return lines


def write_workbook(
    data: ReportData | ClusterProfile,
    path: str | Path,
    metadata: Mapping[str, Any] | None = None,
    *,
    tables: Mapping[str, pd.DataFrame] | None = None,
) -> Path:
    """Write ``workbook.xlsx`` for a run.

    Parameters
    ----------
    data
        A :class:`~clusterplan.report._html.ReportData` or a cluster profile.
    path
        The file to write.
    metadata, tables
        With a cluster profile: its ``run.json`` metadata and further run tables.

    Returns
    -------
    Path
        *path*.

    Notes
    -----
    Sheets: Clusters, All areas, Trend, Definitions, one per further run table
    (Scenarios, Supply chain, ...), Summary (headline totals), Parameters,
    Sources (dataset, title, publisher, vintage, licence, sha256) and Notes
    (the method, and each heading's CSV column).
    """
    if isinstance(data, ClusterProfile):
        data = report_data(data, metadata, tables)
    path = Path(path)
    book = XlsxBook()
    dictionary: list[list[str]] = []
    for key, title in SHEETS.items():
        _write_frame(book, title, getattr(data, key), CORE_TABLES[key].file, dictionary)
    used = set(SHEETS.values())
    order = list(_EXTRA_SHEETS)
    for key, frame in sorted(data.tables.items(), key=lambda kv: (order.index(kv[0]) if kv[0] in order else 99, kv[0])):
        title = _EXTRA_SHEETS.get(key) or re.sub(r"[\[\]:*?/\\]", " ", key.replace("_", " ").capitalize())[:31]
        while title in used:
            title = title[:29] + "_"
        used.add(title)
        spec = RUN_TABLES.get(key)
        _write_frame(book, title, frame, spec.file if spec else f"{key}.csv", dictionary)
    summary = [[column_label(k) if k in COLUMN_LABELS else k.replace("_", " "), v] for k, v in data.totals.items()]
    _write_rows(book, "Summary", ["Measure", "Value"], summary, [48, 20])
    parameters = [[k, _text(v)] for k, v in data.parameters.items()]
    _write_rows(book, "Parameters", ["Parameter", "Value"], parameters, [22, 80])
    _write_rows(
        book,
        "Sources",
        [
            "Dataset",
            "Title",
            "Source",
            "Publisher",
            "Vintage",
            "Licence",
            "sha256",
            "Raw files",
            "Transforms",
            "Origin",
        ],
        _sources(data),
        [24, 40, 40, 28, 30, 26, 66, 60, 50, 10],
    )
    notes: list[list[Any]] = [[k, v] for k, v in _notes(data)]
    notes += [[], ["Sheet", "Column heading", "CSV column", "CSV file"], *dictionary]
    _write_rows(book, "Notes", ["Topic", "Note"], notes, [24, 90, 26, 18])
    return book.save(path)
