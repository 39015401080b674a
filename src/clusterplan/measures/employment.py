"""Employment panels: industries summed to clusters and areas, as Ibis expressions.

The heavy aggregation runs in the warehouse (DuckDB by default; any Ibis
backend), and only the small area x cluster x year panel comes back to pandas.
"""

from __future__ import annotations

import ibis
import ibis.expr.types as ir
import pandas as pd

from .._schema import FLAG_MISSING, FLAG_ZERO_MAY_BE_SUPPRESSED

__all__ = ["area_totals", "cluster_employment", "industry_facts"]


def count_flag(rows: ir.Table, flag: str) -> ir.IntegerScalar:
    """Number of rows carrying *flag* (``flag`` is NULL on ordinary cells, and NULL == x is NULL)."""
    return (rows.flag == flag).fill_null(False).cast("int64").sum()


def industry_facts(facts: ir.Table, *, dataset: str, measure: str = "employment") -> ir.Table:
    """The rows of one dataset and measure (all areas, industries and years)."""
    return facts.filter((facts.dataset == dataset) & (facts.measure == measure) & (facts.breakdown == "all"))


def area_totals(rows: ir.Table) -> ir.Table:
    """Total over all industries per area and year (``total``); NULL cells are ignored and counted."""
    return rows.group_by(["area_code", "year"]).aggregate(
        total=rows.value.sum(),
        total_missing_cells=count_flag(rows, FLAG_MISSING),
    )


def cluster_employment(rows: ir.Table, mapping: ir.Table) -> ir.Table:
    """Sum industry rows to clusters per area and year.

    Parameters
    ----------
    rows
        Facts of one dataset and measure (see :func:`industry_facts`).
    mapping
        ``cluster_id, industry_code`` pairs; an industry may sit in several
        clusters (overlaps are allowed), so each cluster is summed on its own.

    Returns
    -------
    ibis.expr.types.Table
        ``area_code, year, cluster_id, value, cells, suppressed_cells, missing_cells``:
        the cluster total and how many of its cells were published as 0 (possibly
        suppressed) or empty.
    """
    joined = rows.join(mapping, rows.industry_code == mapping.industry_code)
    return joined.group_by(["area_code", "year", "cluster_id"]).aggregate(
        value=joined.value.sum(),
        cells=joined.count(),
        suppressed_cells=count_flag(joined, FLAG_ZERO_MAY_BE_SUPPRESSED),
        missing_cells=count_flag(joined, FLAG_MISSING),
    )


def memtable(frame: pd.DataFrame) -> ir.Table:
    """A small pandas frame (e.g. a taxonomy mapping) as an Ibis table."""
    return ibis.memtable(frame)
