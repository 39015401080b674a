"""Named queries: every read the packages above the warehouse make, answered as Python values or frames.

The SQL lives here and nowhere else. Both engines inherit :class:`NamedQueries`
and supply ``_frame`` and ``_rows`` (DuckDB runs the SQL as written; Spark
translates it with sqlglot), so a caller never sees which engine answered.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Sequence
from typing import Any, TypeVar, cast

import numpy as np
import pandas as pd

__all__ = ["NamedQueries"]

T = TypeVar("T")

#: Columns of a facts row that :meth:`NamedQueries.facts_frame` can return.
_FACT_FIELDS = ("area_code", "industry_code", "classification", "year", "measure", "breakdown", "value", "flag")


def _facts_where(
    dataset: str,
    *,
    measure: str | None = None,
    breakdown: str | None = None,
    classification: str | None = None,
    year: int | None = None,
    area: str | None = None,
    areas: Sequence[str] | None = None,
    code_length: int | None = None,
    level: tuple[str, str] | None = None,
) -> tuple[str, list[Any]]:
    clauses: list[str] = ["dataset = ?"]
    params: list[Any] = [dataset]
    for column, value in (
        ("measure", measure),
        ("breakdown", breakdown),
        ("classification", classification),
        ("year", year),
        ("area_code", area),
    ):
        if value is not None:
            clauses.append(f"{column} = ?")
            params.append(value)
    if areas:
        clauses.append(f"area_code IN ({', '.join('?' for _ in areas)})")
        params += [str(a) for a in areas]
    if code_length is not None:
        clauses.append("length(industry_code) = ?")
        params.append(code_length)
    if level is not None:
        # The codes of one level of the industries dimension, e.g. ("sic2007", "subclass").
        clauses.append(
            "industry_code IN (SELECT industry_code FROM industries WHERE classification = ? AND industry_level = ?)"
        )
        params += list(level)
    return " AND ".join(clauses), params


class NamedQueries:
    """The reads of the warehouse by name; the SQL of each is private to this module."""

    #: Whether the warehouse is opened read-only (its tables cannot change while it is open).
    read_only: bool = False

    def _frame(self, sql: str, params: Sequence[Any] = ()) -> pd.DataFrame:
        raise NotImplementedError

    def expression(self, key: Hashable, build: Callable[[], T]) -> T:
        """``build()``, an Ibis expression over this warehouse's tables, made once per connection when it is
        read-only (kept under *key*): its tables cannot change while it is open, and expressions are immutable,
        while building one (validating every node, a schema query per table) costs milliseconds. A writable
        warehouse builds it each time."""
        if not self.read_only:
            return build()
        kept: dict[Hashable, Any] = self.__dict__.setdefault("_expressions", {})
        found = kept.get(key)
        if found is None:
            found = kept[key] = build()
        return cast(T, found)

    def _rows(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        raise NotImplementedError

    def _coded_frame(self, queries: Sequence[tuple[str, Sequence[Any]]], *, coded: Sequence[str]) -> pd.DataFrame:
        """The rows of each ``(sql, params)`` of *queries* in turn, the text columns *coded* as categoricals whose
        categories are sorted (an engine may make them without a Python string per row)."""
        frame = pd.concat([self._frame(sql, params) for sql, params in queries], ignore_index=True)
        for column in coded:
            values = frame[column].astype(object)
            frame[column] = pd.Categorical(values, categories=sorted(values.dropna().unique()))
        return frame

    # -- areas ---------------------------------------------------------------------------------------------
    def area_names(self) -> dict[str, str]:
        """Each area's name (areas without one are left out)."""
        rows = self._rows("SELECT area_code, any_value(area_name) FROM areas WHERE area_name IS NOT NULL GROUP BY 1")
        return {str(code): str(name) for code, name in rows}

    def area_parents(self) -> dict[str, str]:
        """Each area's parent area (areas without one are left out)."""
        rows = self._rows(
            "SELECT area_code, any_value(parent_code) FROM areas WHERE parent_code IS NOT NULL GROUP BY 1"
        )
        return {str(code): str(parent) for code, parent in rows if parent}

    def area_levels(self) -> dict[str, str]:
        """Each area's level (``itl2``, ``lad``, ``cbsa`` ...)."""
        return {
            str(c): str(level)
            for c, level in self._rows("SELECT area_code, any_value(area_level) FROM areas GROUP BY 1")
        }

    def area_geographies(self) -> dict[str, str]:
        """Each area's geography (``uk``, ``us``)."""
        rows = self._rows("SELECT area_code, any_value(geography) FROM areas GROUP BY 1")
        return {str(code): str(geography) for code, geography in rows}

    def lad_itl_lookup(self) -> pd.DataFrame:
        """The LAD → ITL3 → ITL2 → ITL1 lookup: columns ``lad, itl3, itl2, itl1``."""
        return self._frame(
            "SELECT lad_code AS lad, itl3_code AS itl3, itl2_code AS itl2, itl1_code AS itl1 FROM lad_itl_lookup"
        )

    # -- industries ----------------------------------------------------------------------------------------
    def industry_names(self, classification: str) -> dict[str, Any]:
        """Each industry code's name in *classification* (None where the dimension has no name)."""
        rows = self._rows(
            "SELECT industry_code, any_value(industry_name) FROM industries WHERE classification = ? GROUP BY 1",
            [classification],
        )
        return {str(code): name for code, name in rows}

    def published_total_codes(self, classification: str | None) -> list[str]:
        """Industry codes of the published all-industries totals of *classification*."""
        rows = self._rows(
            "SELECT DISTINCT industry_code FROM industries WHERE industry_level = 'total' AND classification = ?",
            [classification],
        )
        return [str(code) for (code,) in rows]

    def traded_naics_codes(self) -> list[str]:
        """NAICS codes of the US Cluster Mapping Project's traded clusters, sorted."""
        return sorted(str(c) for (c,) in self._rows("SELECT DISTINCT naics_code FROM cmp_traded_clusters"))

    # -- facts ---------------------------------------------------------------------------------------------
    def fact_years(
        self,
        dataset: str,
        *,
        measure: str | None = None,
        breakdown: str | None = None,
        classification: str | None = None,
    ) -> list[int]:
        """The years of a dataset's facts (of one measure, breakdown, classification if given), sorted."""
        where, params = _facts_where(dataset, measure=measure, breakdown=breakdown, classification=classification)
        return sorted(int(y) for (y,) in self._rows(f"SELECT DISTINCT year FROM facts WHERE {where}", params))

    def fact_areas(
        self,
        dataset: str,
        *,
        measure: str | None = None,
        breakdown: str | None = None,
        classification: str | None = None,
    ) -> list[str]:
        """The area codes of a dataset's facts, sorted."""
        where, params = _facts_where(dataset, measure=measure, breakdown=breakdown, classification=classification)
        return sorted(str(a) for (a,) in self._rows(f"SELECT DISTINCT area_code FROM facts WHERE {where}", params))

    def fact_industry_codes(
        self,
        dataset: str,
        *,
        measure: str | None = None,
        breakdown: str | None = None,
        classification: str | None = None,
        year: int | None = None,
        code_length: int | None = None,
        level: tuple[str, str] | None = None,
    ) -> list[str]:
        """The industry codes of a dataset's facts, sorted; *level* ``(classification, industry_level)`` keeps
        the codes of that level of the industries dimension."""
        where, params = _facts_where(
            dataset,
            measure=measure,
            breakdown=breakdown,
            classification=classification,
            year=year,
            code_length=code_length,
            level=level,
        )
        return sorted(str(c) for (c,) in self._rows(f"SELECT DISTINCT industry_code FROM facts WHERE {where}", params))

    def numeric_code_lengths(
        self, dataset: str, *, measure: str, breakdown: str | None = None, classification: str | None = None
    ) -> list[int]:
        """Lengths of the 2- to 5-digit numeric industry codes of a dataset's facts (SIC divisions to subclasses)."""
        where, params = _facts_where(dataset, measure=measure, breakdown=breakdown, classification=classification)
        rows = self._rows(
            f"SELECT DISTINCT length(industry_code) FROM facts WHERE {where} "
            "AND regexp_full_match(industry_code, '[0-9]{2,5}')",
            params,
        )
        return sorted(int(n) for (n,) in rows)

    def facts_frame(
        self,
        dataset: str,
        columns: Sequence[str] = ("area_code", "industry_code", "year", "value"),
        *,
        measure: str | None = None,
        breakdown: str | None = None,
        classification: str | None = None,
        year: int | None = None,
        area: str | None = None,
        areas: Sequence[str] | None = None,
        code_length: int | None = None,
        level: tuple[str, str] | None = None,
    ) -> pd.DataFrame:
        """Facts rows of a dataset, filtered, with the chosen *columns*; *level* ``(classification,
        industry_level)`` keeps the codes of that level of the industries dimension."""
        unknown = [c for c in columns if c not in _FACT_FIELDS]
        if unknown:
            raise ValueError(f"unknown facts column {unknown[0]!r}")
        where, params = _facts_where(
            dataset,
            measure=measure,
            breakdown=breakdown,
            classification=classification,
            year=year,
            area=area,
            areas=areas,
            code_length=code_length,
            level=level,
        )
        return self._frame(f"SELECT {', '.join(columns)} FROM facts WHERE {where}", params)

    def area_employment_totals(
        self, dataset: str, year: int, *, total_code: str | None = None, unit_level: tuple[str, str] | None = None
    ) -> dict[str, float]:
        """Each area's employment in *year*: the published total *total_code*, or the sum of the units of
        *unit_level* ``(classification, industry_level)``."""
        where, params = _facts_where(dataset, measure="employment", breakdown="all", year=year, level=unit_level)
        if total_code is not None:
            where += " AND industry_code = ?"
            params.append(total_code)
        rows = self._rows(f"SELECT area_code, sum(value) FROM facts WHERE {where} GROUP BY 1", params)
        return {str(code): float(total) for code, total in rows if total is not None}

    def employment_by_area_and_code(self, dataset: str | Sequence[str], year: int) -> pd.DataFrame:
        """Employment of every area by industry code in *year* (all breakdowns' ``all`` rows summed per cell):
        columns ``area_code, industry_code, value``, the input of a regional input-output model. Several
        datasets give each one's rows in turn (a cell they share has a row from each).

        Within a dataset the rows come in no particular order, and the two codes are categoricals with their
        categories sorted: US CBP has 1.7 million cells, and making each code a Python string took most of
        the read. The rows are read as they are, and summed per cell by the engine only when a dataset has a
        cell twice: a dataset's facts hold one row per cell (the engine's grouping of US CBP's rows took 0.3 s
        of a first US run's supply chain, with nothing to add up)."""
        names = [dataset] if isinstance(dataset, str) else list(dataset)
        plain, summed = [], []
        for part, name in enumerate(names):
            where, params = _facts_where(name, measure="employment", breakdown="all", year=year)
            plain.append((f"SELECT area_code, industry_code, value, {part} AS part FROM facts WHERE {where}", params))
            summed.append(
                (f"SELECT area_code, industry_code, sum(value) AS value FROM facts WHERE {where} GROUP BY 1, 2", params)
            )
        coded = ("area_code", "industry_code")
        rows = self._coded_frame(plain, coded=coded)
        # One number per (dataset, area, code); a missing code (-1) counts as one more code, as GROUP BY takes it.
        areas, codes = rows["area_code"].cat, rows["industry_code"].cat
        dataset_number = rows["part"].to_numpy(dtype=np.int64)
        area = areas.codes.to_numpy(dtype=np.int64) + 1
        cell = (
            (dataset_number * (len(areas.categories) + 1) + area) * (len(codes.categories) + 1)
            + codes.codes.to_numpy()
            + 1
        )
        # Counted in an array as long as the number of possible cells where that is small (a hash costs 7x more).
        small = len(cell) and int(cell.max()) < 8 * len(cell)
        twice = bool(np.bincount(cell).max() > 1) if small else bool(pd.Series(cell).duplicated().any())
        if twice:  # a dataset with a cell twice: summed by the engine, as before
            return self._coded_frame(summed, coded=coded)
        return rows.drop(columns="part")

    # -- input-output tables -------------------------------------------------------------------------------
    def bres_ioat_lookup(self) -> pd.DataFrame:
        """SIC 2007 subclass → IOAT industry: columns ``sic_code, ioat_code``."""
        return self._frame("SELECT sic_code, ioat_code FROM bres_ioat_lookup")

    def ioat_primary_input(self, row_code: str) -> pd.DataFrame:
        """One primary-input row of the ONS IOAT 2019 (e.g. ``D1``, compensation): columns ``ioat_code, value``."""
        return self._frame(
            "SELECT col_code AS ioat_code, value FROM ioat2019 WHERE \"table\" = 'primary_inputs' AND row_code = ?",
            [row_code],
        )
