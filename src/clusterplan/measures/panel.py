"""The area x unit x year panel every competitiveness measure starts from, as one Ibis expression.

A *unit* is a cluster (industries summed through a taxonomy mapping) or an
industry itself. For each area, unit and year the panel holds the unit's
employment, the area's total, the benchmark's employment in the unit and the
benchmark's total, and from them the share and the location quotient. The
expression runs unchanged on any Ibis backend (DuckDB by default, Spark).
"""

from __future__ import annotations

from collections.abc import Sequence

import ibis.expr.types as ir

from .._schema import FLAG_MISSING, FLAG_ZERO_MAY_BE_SUPPRESSED
from .employment import area_totals, cluster_employment, count_flag, exact_sum

__all__ = ["PANEL_COLUMNS", "employment_panel", "measure_panel"]

#: Decimal places kept in employment sums (a millionth of a job).
_SUM_DIGITS = 6

PANEL_COLUMNS = [
    "area_code",
    "unit_code",
    "year",
    "employment",
    "area_total",
    "benchmark_employment",
    "benchmark_total",
    "share",
    "lq",
    "cells",
    "suppressed_cells",
    "missing_cells",
]


def measure_panel(
    rows: ir.Table,
    mapping: ir.Table | None = None,
    *,
    benchmark_areas: Sequence[str] | None = None,
    denominator_industries: ir.Table | None = None,
    total_rows: ir.Table | None = None,
    complete: bool = False,
) -> ir.Table:
    r"""Employment, share and location quotient for every area, unit and year.

    Parameters
    ----------
    rows
        Facts of one dataset and measure (all areas).
    mapping
        ``cluster_id, industry_code``; None to use each industry as its own unit.
    benchmark_areas
        Areas whose sum is the benchmark (a peer group); None for all areas in
        *rows* (for BRES ITL2, Great Britain).
    denominator_industries
        ``industry_code`` of the industries that make up the totals (e.g.
        traded industries only, as the US Cluster Mapping Project does); None
        for all industries.
    total_rows
        Rows whose sum per area and year is the area total, when the source
        publishes its own all-industries row (CBP's ``00``); default *rows*.
    complete
        Add a zero row for every area and year without the unit, for sources
        that omit industries with no establishments (CBP) rather than publish
        zeros (BRES): such an area's LQ is 0, not missing, and it counts in ranks.

    Notes
    -----
    .. math::

        LQ_{ir} = \frac{e_{ir} / e_r}{E_i / E}, \qquad E_i = \sum_{s \in B} e_{is}

    with *B* the benchmark areas.

    References
    ----------
    Delgado, M., Porter, M. E. and Stern, S. (2014). Clusters, convergence, and
    economic performance. *Research Policy* 43(10), 1785-1799.
    """
    if mapping is None:
        units = rows.select("area_code", "year", unit_code=rows.industry_code, value=rows.value, flag=rows.flag)
        grouped = units.group_by(["area_code", "year", "unit_code"]).aggregate(
            employment=exact_sum(units.value),
            cells=units.count(),
            suppressed_cells=count_flag(units, FLAG_ZERO_MAY_BE_SUPPRESSED),
            missing_cells=count_flag(units, FLAG_MISSING),
        )
    else:
        clusters = cluster_employment(rows, mapping)
        grouped = clusters.select(
            "area_code",
            "year",
            unit_code=clusters.cluster_id,
            employment=clusters.value,
            cells=clusters.cells,
            suppressed_cells=clusters.suppressed_cells,
            missing_cells=clusters.missing_cells,
        )
    if total_rows is None:
        total_rows = rows
    if denominator_industries is not None:
        total_rows = rows.semi_join(denominator_industries, rows.industry_code == denominator_industries.industry_code)
    totals = area_totals(total_rows).select("area_code", "year", area_total="total")
    if complete:
        grid = totals.select("area_code", "year").cross_join(grouped.select("unit_code").distinct())
        joined = grid.left_join(grouped, ["area_code", "year", "unit_code"])
        grouped = joined.select(
            grid.area_code,
            grid.year,
            grid.unit_code,
            employment=grouped.employment.fill_null(0),
            cells=grouped.cells.fill_null(0),
            suppressed_cells=grouped.suppressed_cells.fill_null(0),
            missing_cells=grouped.missing_cells.fill_null(0),
        )
    # Rebuilt CBP cells hold fractions of a job; kept to a millionth of a job (far below what the data can tell),
    # sums that differ only in the last bits of their fractions tie and rank alike.
    grouped = grouped.mutate(employment=grouped.employment.round(_SUM_DIGITS))
    totals = totals.mutate(area_total=totals.area_total.round(_SUM_DIGITS))
    in_benchmark_units = grouped
    in_benchmark_totals = totals
    if benchmark_areas is not None:
        codes = list(benchmark_areas)
        in_benchmark_units = grouped.filter(grouped.area_code.isin(codes))
        in_benchmark_totals = totals.filter(totals.area_code.isin(codes))
    bench_units = in_benchmark_units.group_by(["unit_code", "year"]).aggregate(
        benchmark_employment=exact_sum(in_benchmark_units.employment).round(_SUM_DIGITS)
    )
    bench_totals = in_benchmark_totals.group_by("year").aggregate(
        benchmark_total=exact_sum(in_benchmark_totals.area_total).round(_SUM_DIGITS)
    )
    # Left joins keep every area-unit-year even when the benchmark lacks the unit; select after each join
    # so that the right-hand key columns do not pile up.
    panel = grouped.left_join(totals, ["area_code", "year"]).select(*grouped.columns, "area_total")
    panel = panel.left_join(bench_units, ["unit_code", "year"]).select(*panel.columns, "benchmark_employment")
    panel = panel.left_join(bench_totals, "year").select(*panel.columns, "benchmark_total")
    share = panel.employment / panel.area_total.nullif(0)
    benchmark_share = panel.benchmark_employment / panel.benchmark_total.nullif(0)
    panel = panel.mutate(share=share, lq=share / benchmark_share.nullif(0))
    return panel.select(*PANEL_COLUMNS).order_by(["area_code", "unit_code", "year"])


def employment_panel(
    rows: ir.Table,
    *,
    total_rows: ir.Table | None = None,
    complete: bool = False,
    years: Sequence[int] | None = None,
) -> ir.Table:
    """Only the employment of :func:`measure_panel` with each industry its own unit, in *years* (None: all).

    Columns ``area_code, unit_code, year, employment``, the same rows and values as ``measure_panel(rows,
    total_rows=total_rows, complete=complete)`` (same order) filtered to *years*, without the totals, benchmark
    sums, shares and LQs that need joins over every cell: for US CBSAs x NAICS 6-digit (896,613 cells) about
    half the CPU. *total_rows* and *complete* as in :func:`measure_panel` (with *complete*, an area is in the
    grid when it has total rows in the year; units present in any year get a zero row).
    """
    units = rows.select("area_code", "year", unit_code=rows.industry_code, value=rows.value)
    grouped = units.group_by(["area_code", "year", "unit_code"]).aggregate(employment=exact_sum(units.value))
    wanted = list(years) if years is not None else None
    if complete:
        source = rows if total_rows is None else total_rows
        areas = source.select("area_code", "year").distinct()
        if wanted is not None:
            areas = areas.filter(areas.year.isin(wanted))
        # Units of every year, as measure_panel's grid, before the years are chosen.
        grid = areas.cross_join(grouped.select("unit_code").distinct())
        present = grouped if wanted is None else grouped.filter(grouped.year.isin(wanted))
        joined = grid.left_join(present, ["area_code", "year", "unit_code"])
        grouped = joined.select(grid.area_code, grid.year, grid.unit_code, employment=present.employment.fill_null(0))
    elif wanted is not None:
        grouped = grouped.filter(grouped.year.isin(wanted))
    grouped = grouped.mutate(employment=grouped.employment.round(_SUM_DIGITS))
    return grouped.select("area_code", "unit_code", "year", "employment").order_by(["area_code", "unit_code", "year"])
