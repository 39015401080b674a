"""The area x unit x year panel every competitiveness measure starts from, as one Ibis expression.

A *unit* is a cluster (industries summed through a taxonomy mapping) or an
industry itself. For each area, unit and year the panel holds the unit's
employment, the area's total, the benchmark's employment in the unit and the
benchmark's total, and from them the share and the location quotient. The
expression runs unchanged on any Ibis backend (DuckDB by default, Spark).
:func:`employment_sums` and :func:`complete_employment_panel` make the employment alone
(:func:`employment_panel`'s table) with the engine summing and NumPy laying out the grid.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import ibis.expr.types as ir
import numpy as np
import pandas as pd

from .._schema import FLAG_MISSING, FLAG_ZERO_MAY_BE_SUPPRESSED
from .employment import area_totals, cluster_employment, count_flag, exact_sum

__all__ = ["PANEL_COLUMNS", "complete_employment_panel", "employment_panel", "employment_sums", "measure_panel"]

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
    # exact_sum keeps each sum to a millionth of a job (the float nearest it): sums of the same cells tie and rank
    # alike, and the benchmark's sums of them are exact again.
    in_benchmark_units = grouped
    in_benchmark_totals = totals
    if benchmark_areas is not None:
        codes = list(benchmark_areas)
        in_benchmark_units = grouped.filter(grouped.area_code.isin(codes))
        in_benchmark_totals = totals.filter(totals.area_code.isin(codes))
    bench_units = in_benchmark_units.group_by(["unit_code", "year"]).aggregate(
        benchmark_employment=exact_sum(in_benchmark_units.employment)
    )
    bench_totals = in_benchmark_totals.group_by("year").aggregate(
        benchmark_total=exact_sum(in_benchmark_totals.area_total)
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
    return grouped.select("area_code", "unit_code", "year", "employment").order_by(["area_code", "unit_code", "year"])


def employment_sums(rows: ir.Table, *, years: Sequence[int] | None = None) -> ir.Table:
    """The cells of :func:`employment_panel` that have rows, unordered and without the complete grid.

    Columns ``area_code, unit_code, year, employment``: each industry its own unit, the exact sum of its rows
    kept to a millionth of a job, in *years* (None: all). :func:`complete_employment_panel` makes
    :func:`employment_panel`'s table of them; together they give the same rows and values at half the CPU for US
    CBSAs x NAICS 6-digit (the engine's outer join over the complete grid and its sort of 896,613 rows cost
    more than the same in NumPy).
    """
    units = rows.select("area_code", "year", unit_code=rows.industry_code, value=rows.value)
    if years is not None:
        units = units.filter(units.year.isin(list(years)))
    grouped = units.group_by(["area_code", "year", "unit_code"]).aggregate(employment=exact_sum(units.value))
    return grouped.select("area_code", "unit_code", "year", "employment")


def complete_employment_panel(
    sums: pd.DataFrame, *, areas: pd.DataFrame | None = None, years: Sequence[int] | None = None
) -> pd.DataFrame:
    """:func:`employment_panel`'s table from :func:`employment_sums`' rows, in NumPy.

    Parameters
    ----------
    sums
        :func:`employment_sums` of every year when *areas* is given (a unit present in any year gets its zero
        rows), else of *years* at least.
    areas
        ``area_code, year`` of the grid for *complete* (an area is in a year's grid when it has total rows that
        year; see :func:`employment_panel`); None for the cells with rows alone.
    years
        The years kept (None: all).

    Returns
    -------
    pandas.DataFrame
        ``area_code, unit_code, year, employment``, ordered by area, unit and year (codes compared character by
        character, as the engine's ORDER BY compares them), with a 0 for every grid cell without rows.
    """
    columns = ["area_code", "unit_code", "year", "employment"]
    all_years = sums["year"].to_numpy()
    wanted = np.ones(len(sums), dtype=bool) if years is None else np.isin(all_years, np.asarray(list(years)))
    unit_rank, units = _sorted_codes(sums["unit_code"])
    if areas is None:
        present = sums[wanted]
        order = np.lexsort((present["year"].to_numpy(), unit_rank[wanted], _sorted_codes(present["area_code"])[0]))
        return present[columns].iloc[order].reset_index(drop=True)
    grid = areas[["area_code", "year"]].drop_duplicates()
    if years is not None:
        grid = grid[np.isin(grid["year"].to_numpy(), np.asarray(list(years)))]
    # Grid cells: every (area, year) of the grid with every unit of any year, area by area, unit by unit, year
    # by year: an area with k years has a block of k x units rows, each unit's k years together.
    area_rank, area_codes = _sorted_codes(grid["area_code"])
    grid_years = grid["year"].to_numpy().astype(all_years.dtype)
    pairs = np.lexsort((grid_years, area_rank))
    pair_area, pair_year = area_rank[pairs], grid_years[pairs]
    n_units, n_pairs = len(units), len(pairs)
    per_area = np.bincount(pair_area, minlength=len(area_codes))
    first_pair = np.concatenate(([0], np.cumsum(per_area)[:-1]))
    within = np.arange(n_pairs) - first_pair[pair_area]  # the year's place among its area's years
    # The row of each (pair, unit): its area's block, then the unit's k rows, then the year's place among them.
    rows = (first_pair[pair_area] * n_units + within)[:, None] + np.arange(n_units)[None, :] * per_area[pair_area][
        :, None
    ]
    size = n_pairs * n_units
    area_of_row = np.empty(size, dtype=np.intp)
    unit_of_row = np.empty(size, dtype=np.intp)
    year_of_row = np.empty(size, dtype=all_years.dtype)
    area_of_row[rows] = pair_area[:, None]
    unit_of_row[rows] = np.arange(n_units)[None, :]
    year_of_row[rows] = pair_year[:, None]
    # Each cell with rows goes to its (area, year) pair's row for its unit; a cell of an area-year outside the
    # grid (no total rows) is left out, as the engine's left join from the grid leaves it out.
    year_values = np.unique(np.concatenate([grid_years, all_years]))
    # One more row of -1 for the areas the grid lacks (get_indexer's -1).
    pair_of = np.full((len(area_codes) + 1, len(year_values)), -1, dtype=np.intp)
    pair_of[pair_area, np.searchsorted(year_values, pair_year)] = np.arange(n_pairs)
    positions, distinct = pd.factorize(sums["area_code"])
    area_of = pd.Index(area_codes).get_indexer(distinct)[positions[wanted]]
    pair = pair_of[area_of, np.searchsorted(year_values, all_years[wanted])]
    inside = pair >= 0
    employment = np.zeros(size, dtype=np.float64)
    employment[rows[pair[inside], unit_rank[wanted][inside]]] = sums["employment"].to_numpy()[wanted][inside]
    # The codes keep the type of the sums' codes (Arrow-backed strings from the engine), taken row by row.
    area_type: Any = sums["area_code"].dtype
    unit_type: Any = sums["unit_code"].dtype
    return pd.DataFrame(
        {
            "area_code": pd.array(area_codes, dtype=area_type).take(area_of_row),
            "unit_code": pd.array(units, dtype=unit_type).take(unit_of_row),
            "year": year_of_row,
            "employment": employment,
        }
    )


def _sorted_codes(codes: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """Each code's place among the distinct codes sorted, and those codes (an array of str objects)."""
    positions, distinct = pd.factorize(codes, sort=True)
    return positions, np.asarray(distinct, dtype=object)
