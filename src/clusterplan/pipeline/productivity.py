"""Labour productivity read from the warehouse: regional GVA and BRES employment for
:func:`gva_per_job` and :func:`cluster_productivity` (the SIC -> GVA row mapping and the
apportioning are maths on frames in :mod:`clusterplan.measures.productivity`, which explains
the method).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

import ibis.expr.types as ir
import numpy as np
import pandas as pd

from .._cache import memoised
from .._exceptions import ParameterError, UnknownCodeError
from ..measures.employment import memtable
from ..measures.productivity import (
    _EMBEDDED_EMPLOYMENT,
    _GVA_CLASSIFICATION,
    _IMPORT_HINT,
    _SIC,
    _SOURCE_LEVELS,
    CLUSTER_PRODUCTIVITY_COLUMNS,
    GREAT_BRITAIN,
    GVA_PER_JOB_COLUMNS,
    _cluster_gva,
    _cluster_mapping,
    _gva_dataset,
    _row_employment,
    _row_key,
    _without_imputed_rent,
    _years,
    gva_row_divisions,
    map_sic_codes,
    sic_to_gva_rows,
)
from ..sources.ons_geography import resolve_area_code
from ..taxonomy import Taxonomy

if TYPE_CHECKING:  # pragma: no cover - annotations only
    from .profile import AnyWarehouse

__all__ = ["cluster_productivity", "cluster_productivity_by_area", "gva_per_job"]


def _employment_rows(warehouse: AnyWarehouse, dataset: str) -> ir.Table:
    facts = warehouse.facts
    return facts.filter(
        (facts.dataset == dataset)
        & (facts.measure == "employment")
        & (facts.breakdown == "all")
        & (facts.classification == _SIC)
    )


# Small look-ups (code lengths, years, areas present) go straight to DuckDB; the aggregations are Ibis expressions.
#: The employment facts productivity reads: all-breakdown SIC 2007 employment.
_EMPLOYMENT: dict[str, Any] = {"measure": "employment", "breakdown": "all", "classification": _SIC}


def _code_length(warehouse: AnyWarehouse, dataset: str) -> int:
    """Digits of the SIC codes to use: the coarsest level the dataset holds (sums of finer codes add rounding)."""
    lengths = warehouse.numeric_code_lengths(dataset, **_EMPLOYMENT)
    if not lengths:
        raise ParameterError(
            f"dataset {dataset!r} has no SIC 2007 employment by division or subclass",
            hint="employment facts need measure 'employment', classification 'sic2007' and 2- to 5-digit codes",
        )
    return min(lengths)


def _employment_years(warehouse: AnyWarehouse, dataset: str) -> list[int]:
    return warehouse.fact_years(dataset, **_EMPLOYMENT)


def _employment_areas(warehouse: AnyWarehouse, dataset: str) -> list[str]:
    return warehouse.fact_areas(dataset, **_EMPLOYMENT)


def _areas(warehouse: AnyWarehouse) -> pd.DataFrame:
    levels = warehouse.area_levels()
    return pd.DataFrame({"area_code": list(levels), "area_level": list(levels.values())})


def _area_map(warehouse: AnyWarehouse, source_codes: Iterable[str], level: str) -> pd.DataFrame:
    """How the areas of an employment dataset add up to *level* areas: ``source_area, area_code, members``.

    A target area takes its own rows if the dataset has them, else the sum of
    its constituent areas of the coarsest finer level present (ITL2 areas for
    ITL1, LADs for ITL3, via the LAD → ITL lookup); ``members`` is how many
    constituents it has, so that incomplete sums can be dropped.
    """
    lookup = warehouse.lad_itl_lookup()
    areas = _areas(warehouse)
    levels = dict(zip(areas["area_code"], areas["area_level"], strict=True))
    present = pd.DataFrame({"source_area": sorted(set(source_codes))})
    present["source_level"] = present["source_area"].map(levels)
    pieces = []
    for source_level in _SOURCE_LEVELS[level]:
        at_level = present[present["source_level"] == source_level]
        if at_level.empty:
            continue
        if source_level == level:
            pairs = at_level[["source_area"]].assign(area_code=at_level["source_area"], members=1)
        else:
            members = lookup[[source_level, level]].drop_duplicates()
            counts = members.groupby(level)[source_level].size().rename("members")
            pairs = members.rename(columns={source_level: "source_area", level: "area_code"})
            pairs = pairs.join(counts, on="area_code")
            pairs = pairs[pairs["source_area"].isin(at_level["source_area"])]
        pieces.append(pairs.assign(_order=_SOURCE_LEVELS[level].index(source_level)))
    if not pieces:
        return pd.DataFrame(columns=["source_area", "area_code", "members"])
    candidates = pd.concat(pieces, ignore_index=True)
    # The coarsest source level wins for each target area, so nothing is counted twice.
    best = candidates.groupby("area_code")["_order"].transform("min")
    chosen = candidates[candidates["_order"] == best]
    return chosen[["source_area", "area_code", "members"]].reset_index(drop=True)


def _local_employment_datasets(warehouse: AnyWarehouse, level: str) -> list[str]:
    """Datasets with SIC 2007 employment facts for areas at *level* or finer."""
    facts = warehouse.facts
    rows = facts.filter((facts.measure == "employment") & (facts.classification == _SIC) & (facts.breakdown == "all"))
    areas = warehouse.table("areas")
    local = areas.filter(areas.area_level.isin(list(_SOURCE_LEVELS[level]))).select(code=areas.area_code).distinct()
    found = rows.semi_join(local, rows.area_code == local.code).select("dataset").distinct().to_pandas()
    return sorted(str(d) for d in found["dataset"])


def _default_employment_dataset(warehouse: AnyWarehouse, level: str, detail: str) -> str:
    if level in ("itl1", "itl2"):
        return _EMBEDDED_EMPLOYMENT[detail]
    found = _local_employment_datasets(warehouse, level)
    if not found:
        raise ParameterError(
            "ITL3 productivity needs employment for ITL3 areas or local authority districts, and the warehouse "
            "has none (the embedded BRES covers ITL2 areas only)",
            hint=_IMPORT_HINT,
        )
    if len(found) > 1:
        raise ParameterError(
            f"several datasets hold local employment ({', '.join(found)})",
            hint="choose one with employment_dataset=",
        )
    return found[0]


def _coded_rows(
    warehouse: AnyWarehouse, dataset: str, code_length: int | None, years: Sequence[int] | None
) -> tuple[ir.Table, int]:
    """``area_code, year, value, code`` of the dataset's codes at its coarsest level, cut to *code_length* digits."""
    rows = _employment_rows(warehouse, dataset)
    length = _code_length(warehouse, dataset)
    rows = rows.filter((rows.industry_code.length() == length) & rows.industry_code.re_search(r"^[0-9]+$"))
    if years is not None:
        rows = rows.filter(rows.year.isin([int(y) for y in years]))
    code = rows.industry_code if code_length is None else rows.industry_code.substr(0, min(code_length, length))
    return rows.select("area_code", "year", "value", code=code), length


def _employment_by_code(
    warehouse: AnyWarehouse,
    dataset: str,
    level: str,
    *,
    code_length: int | None,
    areas: Sequence[str] | None = None,
    years: Sequence[int] | None = None,
) -> pd.DataFrame:
    """Employment summed to *level* areas: ``area_code, year, code, employment, sources, members``.

    ``code`` is the dataset's own code cut to *code_length* digits (2 for SIC
    divisions; None keeps it whole). Rows whose ``sources`` is below
    ``members`` lack some constituent areas.
    """
    coded, _ = _coded_rows(warehouse, dataset, code_length, years)
    area_map = _area_map(warehouse, _employment_areas(warehouse, dataset), level)
    if areas is not None:
        area_map = area_map[area_map["area_code"].isin(list(areas))]
    if area_map.empty:
        return pd.DataFrame(columns=["area_code", "year", "code", "employment", "sources", "members"])
    links = memtable(area_map.rename(columns={"area_code": "target_area"}))
    joined = coded.join(links, coded.area_code == links.source_area)
    summed = joined.group_by(["target_area", "year", "code"]).aggregate(
        employment=joined.value.sum(),
        sources=joined.source_area.nunique(),
        members=joined.members.max(),
    )
    out = summed.to_pandas().rename(columns={"target_area": "area_code"})
    out["year"] = out["year"].astype(int)
    return out


def _great_britain_employment(
    warehouse: AnyWarehouse, dataset: str, *, code_length: int | None, years: Sequence[int] | None = None
) -> pd.DataFrame:
    """Great Britain's employment, the sum of every GB ITL2 area of an embedded BRES dataset (computed once per
    data version: every profile's productivity benchmark asks for it)."""
    key = ("great_britain_employment", dataset, code_length, tuple(years) if years is not None else None)
    return memoised(warehouse, key, lambda: _gb_employment(warehouse, dataset, code_length, years))


def _gb_employment(
    warehouse: AnyWarehouse, dataset: str, code_length: int | None, years: Sequence[int] | None
) -> pd.DataFrame:
    areas = _areas(warehouse)
    gb_areas = sorted(
        areas.loc[(areas["area_level"] == "itl2") & ~areas["area_code"].str.startswith("TLN"), "area_code"]
    )
    coded, _ = _coded_rows(warehouse, dataset, code_length, years)
    in_gb = coded.filter(coded.area_code.isin(gb_areas))
    summed = in_gb.group_by(["year", "code"]).aggregate(employment=in_gb.value.sum(), covered=in_gb.area_code.nunique())
    out = summed.to_pandas()
    if out.empty or (out["covered"] < len(gb_areas)).any():
        raise ParameterError(
            f"dataset {dataset!r} does not cover all {len(gb_areas)} ITL2 areas of Great Britain in every year",
            hint="the Great Britain benchmark needs the embedded BRES datasets (bres_itl2_sic2, bres_itl2_sic5)",
        )
    out["year"] = out["year"].astype(int)
    return out.drop(columns="covered").assign(area_code=GREAT_BRITAIN, sources=1, members=1)


def _gva_rows(warehouse: AnyWarehouse, dataset: str, level: str, years: Sequence[int]) -> pd.DataFrame:
    facts = warehouse.facts
    rows = facts.filter((facts.dataset == dataset) & (facts.breakdown == "all") & facts.year.isin(list(years)))
    areas = warehouse.table("areas")
    at_level = areas.filter(areas.area_level == level).select(code=areas.area_code).distinct()
    rows = rows.semi_join(at_level, rows.area_code == at_level.code)
    gva = rows.select("area_code", "year", gva_industry_code=rows.industry_code, gva_gbp_million=rows.value)
    out = gva.to_pandas()
    out["year"] = out["year"].astype(int)
    return out


def _common_years(
    warehouse: AnyWarehouse, gva_dataset: str, employment_dataset: str, wanted: int | Sequence[int] | None
) -> list[int]:
    warehouse.dataset_info(gva_dataset)  # an unknown dataset is an UnknownCodeError listing the known ones
    gva_years = warehouse.fact_years(gva_dataset)
    employment_years = _employment_years(warehouse, employment_dataset)
    if not employment_years:
        raise ParameterError(
            f"dataset {employment_dataset!r} has no employment facts (measure 'employment', classification 'sic2007')",
            hint="choose another employment_dataset",
        )
    return _years(wanted, gva_years, employment_years)


def _industry_names(warehouse: AnyWarehouse) -> dict[str, str]:
    return {code: str(name).strip() for code, name in warehouse.industry_names(_GVA_CLASSIFICATION).items()}


def _productivity_by_row(
    warehouse: AnyWarehouse,
    *,
    level: str,
    year: int | Sequence[int] | None,
    prices: str,
    mapping: pd.DataFrame | None,
    employment_dataset: str,
    exclude_imputed_rent: bool,
    benchmark_dataset: str | None,
) -> pd.DataFrame:
    def compute() -> pd.DataFrame:
        return _compute_productivity_by_row(
            warehouse, level, year, prices, mapping, employment_dataset, exclude_imputed_rent, benchmark_dataset
        )

    if mapping is not None:
        return compute()
    # Without a cluster mapping the table is the same for every region: once per data version.
    key = (
        "productivity_by_row",
        level,
        year if year is None or isinstance(year, int) else tuple(year),
        prices,
        employment_dataset,
        exclude_imputed_rent,
        benchmark_dataset,
    )
    return memoised(warehouse, key, compute, persist=True)


def _compute_productivity_by_row(
    warehouse: AnyWarehouse,
    level: str,
    year: int | Sequence[int] | None,
    prices: str,
    mapping: pd.DataFrame | None,
    employment_dataset: str,
    exclude_imputed_rent: bool,
    benchmark_dataset: str | None,
) -> pd.DataFrame:
    gva_dataset = _gva_dataset(level, prices)
    years = _common_years(warehouse, gva_dataset, employment_dataset, year)
    gva = _gva_rows(warehouse, gva_dataset, level, years)
    contains = gva_row_divisions(sorted(gva["gva_industry_code"].unique()))
    if mapping is None:
        mapping = contains
    missing = {"sic2_code", "gva_industry_code"} - set(mapping.columns)
    if missing:
        raise ParameterError(f"mapping lacks columns {sorted(missing)}; use gva_row_divisions or sic_to_gva_rows")
    mapping = mapping.dropna(subset=["gva_industry_code"])
    employment = _employment_by_code(warehouse, employment_dataset, level, code_length=2, years=years)
    if employment.empty:
        raise ParameterError(
            f"dataset {employment_dataset!r} has no employment for {level.upper()} areas or areas inside them",
            hint=_IMPORT_HINT if level == "itl3" else "choose another employment_dataset",
        )
    if benchmark_dataset is not None:
        gb_areas = gva[~gva["area_code"].str.startswith("TLN")]
        gb_gva = gb_areas.groupby(["gva_industry_code", "year"], as_index=False)["gva_gbp_million"].sum()
        gva = pd.concat([gva, gb_gva.assign(area_code=GREAT_BRITAIN)], ignore_index=True)
        gb_employment = _great_britain_employment(warehouse, benchmark_dataset, code_length=2, years=years)
        employment = pd.concat([employment, gb_employment], ignore_index=True)
    gva = _without_imputed_rent(gva, contains) if exclude_imputed_rent else gva.assign(_adjusted=False)
    rows = _row_employment(employment, mapping)
    out = gva.merge(rows, on=["area_code", "year", "gva_industry_code"], how="inner")
    with np.errstate(divide="ignore", invalid="ignore"):
        per_job = out["gva_gbp_million"].to_numpy(dtype=float) * 1e6 / out["employment"].to_numpy(dtype=float)
    out["gva_per_job_gbp"] = np.where(np.isfinite(per_job), per_job, np.nan)
    names = _industry_names(warehouse)
    out["gva_industry_name"] = out["gva_industry_code"].map(names).fillna("")
    out.loc[out["_adjusted"], "gva_industry_name"] += ", excluding imputed rental"
    levels = contains.drop_duplicates("gva_industry_code").set_index("gva_industry_code")["gva_level"]
    out["gva_level"] = out["gva_industry_code"].map(levels)
    # Table order: a row before the rows it contains (Total, A-E, C (10-33), CA (10-12), 10, ...).
    first = contains.groupby("gva_industry_code")["sic2_code"].min()
    size = contains.groupby("gva_industry_code").size()
    out["_first"] = out["gva_industry_code"].map(first)
    out["_size"] = -out["gva_industry_code"].map(size)
    out = out.sort_values(["area_code", "year", "_first", "_size", "gva_industry_code"]).reset_index(drop=True)
    out = out[GVA_PER_JOB_COLUMNS]
    out.attrs.update(
        gva_dataset=gva_dataset,
        employment_dataset=employment_dataset,
        benchmark_dataset=benchmark_dataset,
        exclude_imputed_rent=exclude_imputed_rent,
    )
    return out


def gva_per_job(
    warehouse: AnyWarehouse,
    *,
    level: str = "itl2",
    year: int | Sequence[int] | None = None,
    prices: str = "current",
    mapping: pd.DataFrame | None = None,
    employment_dataset: str | None = None,
    exclude_imputed_rent: bool = True,
    benchmark: bool = False,
) -> pd.DataFrame:
    r"""GVA per job for every area and GVA industry row: regional GVA over BRES employment.

    Parameters
    ----------
    warehouse
        An open :class:`~clusterplan.Warehouse`.
    level
        ``"itl1"``, ``"itl2"`` or ``"itl3"``: which GVA table, and which areas.
    year
        One year, several, or None for every year both sources have (BRES
        2015-2021 against GVA 1998-2022 gives 2015-2021).
    prices
        ``"current"`` (£ million, current prices) or ``"chained_volume"``
        (£ million in 2019 money).
    mapping
        ``sic2_code, gva_industry_code``: which SIC divisions' employment make
        up each GVA row. Default :func:`gva_row_divisions` of the table, which
        gives every row (Total, sectors, sections, divisions) its employment;
        only the rows in *mapping* are returned.
    employment_dataset
        Employment facts (measure ``employment``, classification ``sic2007``,
        division or subclass codes; subclasses are summed to divisions).
        Default: ``bres_itl2_sic2`` for ITL2 (and ITL1, summing the ITL2 areas
        of each ITL1 region); for ITL3 the one dataset in the warehouse with
        employment for ITL3 areas or local authority districts (LADs are summed
        to ITL3 areas with the ``lad_itl_lookup`` table, so they must be May
        2023 LAD codes; an ITL3 area missing any of its LADs is left out, and
        an area's own rows are used in preference to its LADs').
    exclude_imputed_rent
        Subtract owner-occupiers' imputed rental (row ``68IMP``, which has no
        jobs) from the rows that contain it (``Total``, ``G-T``, ``L (68)``);
        their names then say "excluding imputed rental".
    benchmark
        Add rows for Great Britain (``K03000001``): GVA summed over the GB
        areas of the table (all but Northern Ireland, ``TLN``), employment over
        the 40 GB ITL2 areas of the embedded BRES.

    Returns
    -------
    pandas.DataFrame
        :data:`GVA_PER_JOB_COLUMNS`: ``area_code, gva_industry_code,
        gva_industry_name, gva_level, year, gva_gbp_million, employment,
        gva_per_job_gbp``; only areas with employment data (Northern Ireland
        has none in BRES). ``employment`` is NaN where a division or a
        constituent area is missing from the employment data, and
        ``gva_per_job_gbp`` is NaN where employment is NaN or 0. ``attrs``
        names the datasets used.

    Raises
    ------
    ParameterError
        A bad *level* or *prices*; ITL3 without local employment data (the
        message says how to import it); employment data that do not fit.
    UnknownCodeError
        A *year* not in both sources (the message lists those that are).

    Notes
    -----
    For area :math:`r`, GVA row :math:`g` and year :math:`t`

    .. math::

        \text{GVA per job}_{grt} = \frac{10^6 \cdot GVA_{grt}}{\sum_{d \in g} e_{drt}}

    with :math:`d` the SIC divisions of the row and :math:`e` BRES employment
    (jobs, employees plus working owners, a workplace count like GVA). BRES
    counts are rounded by NOMIS and small cells are noisy: the GVA per job of
    a row with a few hundred jobs is not robust. Chain-linked volumes are not
    additive, so for ``prices="chained_volume"`` the Great Britain sums and
    the imputed-rent subtraction are approximations (exact in 2019).

    References
    ----------
    Office for National Statistics (2018). *Regional and sub-regional
    productivity in the UK: February 2018*.

    Examples
    --------
    >>> from clusterplan.warehouse import Warehouse
    >>> with Warehouse(":memory:") as wh:
    ...     table = gva_per_job(wh, year=2021)
    >>> row = table[(table.area_code == "TLG3") & (table.gva_industry_code == "29")].iloc[0]
    >>> float(row.gva_gbp_million), float(row.employment), round(float(row.gva_per_job_gbp))
    (1995.0, 28000.0, 71250)
    """
    _gva_dataset(level, prices)
    dataset = employment_dataset or _default_employment_dataset(warehouse, level, "division")
    return _productivity_by_row(
        warehouse,
        level=level,
        year=year,
        prices=prices,
        mapping=mapping,
        employment_dataset=dataset,
        exclude_imputed_rent=exclude_imputed_rent,
        benchmark_dataset=_EMBEDDED_EMPLOYMENT["division"] if benchmark else None,
    )


def cluster_productivity(
    warehouse: AnyWarehouse,
    taxonomy_mapping: pd.DataFrame | Taxonomy,
    *,
    region: str,
    year: int | None = None,
    level: str = "itl2",
    prices: str = "current",
    employment_dataset: str | None = None,
) -> pd.DataFrame:
    r"""Estimated GVA and GVA per job of each cluster in a region, against Great Britain.

    Parameters
    ----------
    warehouse
        An open :class:`~clusterplan.Warehouse`.
    taxonomy_mapping
        A :class:`~clusterplan.Taxonomy` (expanded against the codes of the
        employment data) or its :meth:`~clusterplan.Taxonomy.mapping`:
        ``cluster_id, industry_code`` and optionally ``cluster_name``; codes
        must be codes of the employment data (5-digit subclasses for BRES).
    region
        The area: a code at *level* (``TLG3``), its NUTS 2016 twin (``UKG3``)
        or its name.
    year
        Default: the latest year both GVA and employment have.
    level
        GVA table and areas: ``"itl1"``, ``"itl2"`` or ``"itl3"``.
    prices
        ``"current"`` or ``"chained_volume"`` (2019 money).
    employment_dataset
        Employment by SIC code for the region; default ``bres_itl2_sic5`` (ITL1
        and ITL2) or the one dataset of local employment (ITL3; see
        :func:`gva_per_job`). Great Britain's employment comes from
        ``bres_itl2_sic5``, cut to the same number of digits.

    Returns
    -------
    pandas.DataFrame
        :data:`CLUSTER_PRODUCTIVITY_COLUMNS`, one row per cluster in taxonomy
        order: ``cluster_id, cluster_name, area_code, year, employment,
        gva_gbp_million`` (estimated), ``gva_per_job_gbp``, the same three for
        Great Britain (``benchmark_*``), ``relative_productivity`` (region
        GVA per job over Great Britain's) and ``gva_rows``, the GVA rows the
        estimate draws on.

    Raises
    ------
    ParameterError
        Codes of the mapping not in the employment data; ITL3 without local
        employment data; a bad *level* or *prices*.
    UnknownCodeError
        An unknown region or a year not in both sources.

    Notes
    -----
    GVA is published for industry rows (:func:`sic_to_gva_rows`), clusters
    are sets of SIC subclasses. Each code *i* takes the GVA per job of the
    finest GVA row :math:`g(i)` containing its division, which assumes that
    GVA per job is uniform within a row:

    .. math::

        GVA_{cr} = \sum_{i \in c} e_{ir} \, \frac{GVA_{g(i)r}}{E_{g(i)r}}, \qquad
        E_{gr} = \sum_{i:\, g(i) = g} e_{ir}, \qquad
        \text{GVA per job}_{cr} = \frac{GVA_{cr}}{\sum_{i \in c} e_{ir}}

    The row employment :math:`E` comes from the same dataset as the code
    employment :math:`e`, so the estimates add up: the codes of a whole row
    get exactly the row's GVA. Great Britain is estimated the same way from
    its own rows (GVA summed over GB areas, BRES over the 40 GB ITL2 areas).
    The coarser the rows (ITL3 manufacturing is in sub-sections), the more a
    cluster's estimate is its sector's average rather than its own: read
    ``gva_rows``. Imputed rent is never apportioned: division 68 takes the
    GVA per job of row ``68``, which excludes it. Relative productivity of
    current-price GVA per job includes regional differences in prices.

    Examples
    --------
    >>> import pandas as pd
    >>> from clusterplan.warehouse import Warehouse
    >>> motor = pd.DataFrame({"cluster_id": "motor", "industry_code": ["29100", "29201", "29202", "29203",
    ...                       "29310", "29320"]})
    >>> with Warehouse(":memory:") as wh:
    ...     table = cluster_productivity(wh, motor, region="TLG3", year=2021)
    >>> round(float(table.loc[0, "gva_gbp_million"]), 6), table.loc[0, "gva_rows"]  # all of row 29: its whole GVA
    (1995.0, '29')
    """

    _gva_dataset(level, prices)  # checks level and prices before anything is read
    dataset = employment_dataset or _default_employment_dataset(warehouse, level, "subclass")
    region_code = resolve_area_code(region, level=level)
    definition = _definition(taxonomy_mapping)
    inputs = _shared_inputs(warehouse, taxonomy_mapping, definition, dataset, level, year, prices)
    year = inputs.year
    by_row = inputs.by_row
    if region_code not in inputs.areas:
        available = sorted(set(by_row["area_code"]) - {GREAT_BRITAIN})
        raise UnknownCodeError(
            f"{level} area with GVA and employment data", region_code, available, hint=f"dataset {dataset!r}"
        )

    every_area = _every_area_employment(warehouse, dataset, level, year)
    regional = every_area[every_area["area_code"] == region_code].reset_index(drop=True)
    if regional.empty or (regional["sources"] < regional["members"]).any():
        raise ParameterError(
            f"dataset {dataset!r} lacks employment for some of the areas that make up {region_code} in {year}",
            hint=_IMPORT_HINT if level == "itl3" else "choose another employment_dataset",
        )
    every_estimate = _every_area_estimates(warehouse, inputs, every_area, definition, dataset, level, prices)
    local = every_estimate.get(region_code)
    if local is None:  # an area the shared table leaves out: estimated on its own
        local = _estimate(inputs, region_code, regional)
    bench = inputs.bench
    out = pd.DataFrame({"cluster_id": inputs.order})
    out["cluster_name"] = out["cluster_id"].map(inputs.names)
    out["area_code"] = region_code
    out["year"] = year
    for column in ("employment", "gva_gbp_million", "gva_per_job_gbp"):
        out[column] = out["cluster_id"].map(local[column]).astype(float)
        out[f"benchmark_{column}"] = out["cluster_id"].map(bench[column]).astype(float)
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = out["gva_per_job_gbp"].to_numpy(dtype=float) / out["benchmark_gva_per_job_gbp"].to_numpy(dtype=float)
    out["relative_productivity"] = np.where(np.isfinite(ratio), ratio, np.nan)
    out["gva_rows"] = out["cluster_id"].map(inputs.used)
    out.attrs.update({str(k): v for k, v in by_row.attrs.items()})
    out.attrs.update(employment_dataset=dataset, benchmark_dataset=inputs.benchmark_dataset)
    return out[CLUSTER_PRODUCTIVITY_COLUMNS]


def cluster_productivity_by_area(
    warehouse: AnyWarehouse,
    taxonomy_mapping: pd.DataFrame | Taxonomy,
    *,
    year: int | None = None,
    level: str = "itl2",
    prices: str = "current",
    employment_dataset: str | None = None,
) -> dict[str, pd.DataFrame]:
    """:func:`cluster_productivity`'s ``gva_gbp_million``, ``gva_per_job_gbp`` and ``relative_productivity`` of
    every area the shared estimate holds (those with GVA and every constituent area's employment), at once.

    Each value is a frame indexed by ``cluster_id`` in the mapping's order, the same numbers to the bit as
    :func:`cluster_productivity` of that area gives (the same shared tables, divided the same way): a profile
    of each region then takes its own instead of building a table of a dozen columns. Areas left out are
    those :func:`cluster_productivity` estimates on their own or refuses. Nobody may change the frames.
    """
    _gva_dataset(level, prices)
    dataset = employment_dataset or _default_employment_dataset(warehouse, level, "subclass")
    definition = _definition(taxonomy_mapping)
    # The same shared tables as cluster_productivity's (the same keys): whichever asks first, the other finds them.
    inputs = _shared_inputs(warehouse, taxonomy_mapping, definition, dataset, level, year, prices)
    every_area = _every_area_employment(warehouse, dataset, level, inputs.year)
    every_estimate = _every_area_estimates(warehouse, inputs, every_area, definition, dataset, level, prices)
    clusters = pd.Series(inputs.order)
    index = pd.Index(inputs.order, name="cluster_id")
    benchmark_per_job = clusters.map(inputs.bench["gva_per_job_gbp"]).astype(float).to_numpy(dtype=float)
    found: dict[str, pd.DataFrame] = {}
    for area, local in every_estimate.items():
        gva = clusters.map(local["gva_gbp_million"]).astype(float).to_numpy()
        per_job = clusters.map(local["gva_per_job_gbp"]).astype(float).to_numpy()
        with np.errstate(divide="ignore", invalid="ignore"):
            ratio = per_job / benchmark_per_job
        found[area] = pd.DataFrame(
            {
                "gva_gbp_million": gva,
                "gva_per_job_gbp": per_job,
                "relative_productivity": np.where(np.isfinite(ratio), ratio, np.nan),
            },
            index=index,
        )
    return found


def _definition(taxonomy_mapping: pd.DataFrame | Taxonomy) -> Any:
    """A hashable stand-in for the mapping in cache keys (a taxonomy is one already)."""
    if isinstance(taxonomy_mapping, pd.DataFrame):
        return (tuple(taxonomy_mapping.columns), tuple(taxonomy_mapping.itertuples(index=False, name=None)))
    return taxonomy_mapping


def _shared_inputs(
    warehouse: AnyWarehouse,
    taxonomy_mapping: pd.DataFrame | Taxonomy,
    definition: Any,
    dataset: str,
    level: str,
    year: int | None,
    prices: str,
) -> _ProductivityInputs:
    """What does not depend on the region (the GVA rows, the mapping onto them, Great Britain's estimate), once
    per mapping, dataset and data version: each region then estimates only its own rows."""
    return memoised(
        warehouse,
        ("cluster_productivity_inputs", definition, dataset, level, year, prices),
        lambda: _cluster_productivity_inputs(warehouse, taxonomy_mapping, dataset, level, year, prices),
        copy=False,
    )


def _every_area_employment(warehouse: AnyWarehouse, dataset: str, level: str, year: int) -> pd.DataFrame:
    """Every area's employment by code in one query, once per data version: each region takes its rows."""
    return memoised(
        warehouse,
        ("employment_by_code", dataset, level, year),
        lambda: _employment_by_code(warehouse, dataset, level, code_length=None, years=[year]),
        persist=True,
    )


def _every_area_estimates(
    warehouse: AnyWarehouse,
    inputs: _ProductivityInputs,
    every_area: pd.DataFrame,
    definition: Any,
    dataset: str,
    level: str,
    prices: str,
) -> dict[str, pd.DataFrame]:
    """Every area's estimate at once, kept per mapping, dataset and data version (the same numbers to the bit as
    :func:`_estimate` of each area alone)."""
    return memoised(
        warehouse,
        ("cluster_productivity_estimates", definition, dataset, level, inputs.year, prices),
        lambda: _estimates_by_area(inputs, every_area),
        copy=False,
    )


@dataclass(frozen=True)
class _ProductivityInputs:
    """What :func:`cluster_productivity` computes the same for every region (kept shared: nobody changes it)."""

    year: int
    benchmark_dataset: str
    #: GVA per job of each GVA row in each area (and Great Britain).
    by_row: pd.DataFrame
    #: The areas of *by_row*.
    areas: frozenset[str]
    #: ``cluster_id, cluster_name, industry_code, gva_industry_code``: each code's GVA row.
    mapping: pd.DataFrame
    #: Great Britain's estimate (:func:`_cluster_gva`).
    bench: pd.DataFrame
    order: list[str]
    names: pd.Series
    used: pd.Series


def _cluster_productivity_inputs(
    warehouse: AnyWarehouse,
    taxonomy_mapping: pd.DataFrame | Taxonomy,
    dataset: str,
    level: str,
    year: int | None,
    prices: str,
) -> _ProductivityInputs:
    gva_dataset = _gva_dataset(level, prices)
    benchmark_dataset = _EMBEDDED_EMPLOYMENT["subclass"]
    years = _common_years(warehouse, gva_dataset, dataset, year)
    chosen = years[-1]
    length = _code_length(warehouse, dataset)
    codes = warehouse.fact_industry_codes(dataset, code_length=length, **_EMPLOYMENT)
    mapping = _cluster_mapping(taxonomy_mapping, codes, dataset)
    by_row = _productivity_by_row(
        warehouse,
        level=level,
        year=chosen,
        prices=prices,
        mapping=None,
        employment_dataset=dataset,
        exclude_imputed_rent=True,
        benchmark_dataset=benchmark_dataset,
    )
    national = _great_britain_employment(warehouse, benchmark_dataset, code_length=length, years=[chosen])
    gva_codes = sorted(set(by_row["gva_industry_code"]))
    rows = map_sic_codes(mapping["industry_code"], sic_to_gva_rows(gva_codes))
    mapping = mapping.assign(gva_industry_code=rows["gva_industry_code"].to_numpy())
    inputs = _ProductivityInputs(
        year=chosen,
        benchmark_dataset=benchmark_dataset,
        by_row=by_row,
        areas=frozenset(by_row["area_code"]),
        mapping=mapping,
        bench=pd.DataFrame(),
        order=list(dict.fromkeys(mapping["cluster_id"])),
        names=mapping.drop_duplicates("cluster_id").set_index("cluster_id")["cluster_name"],
        used=mapping.groupby("cluster_id")["gva_industry_code"].agg(lambda s: "; ".join(sorted(set(s), key=_row_key))),
    )
    return replace(inputs, bench=_estimate(inputs, GREAT_BRITAIN, national))


def _estimates_by_area(inputs: _ProductivityInputs, every_area: pd.DataFrame) -> dict[str, pd.DataFrame]:
    """:func:`_estimate` of every area of *every_area* (:func:`_employment_by_code` rows of one year) with GVA
    rows, in one pass: each area's employment and GVA per job of the mapping's codes as one row of a matrix, each
    cluster's sums over the same positions in the same order as :func:`_cluster_gva` takes them (pandas' group
    sum for jobs, numpy's sum for GVA), so every number is the one :func:`_estimate` gives. Areas lacking some of
    their constituent areas are left out (their profile says so)."""
    by_row, mapping = inputs.by_row, inputs.mapping
    complete = every_area.groupby("area_code", sort=False)["sources"].transform("min") >= every_area.groupby(
        "area_code", sort=False
    )["members"].transform("max")
    areas = [a for a in dict.fromkeys(every_area.loc[complete, "area_code"]) if a in inputs.areas]
    if not areas or mapping.empty:
        return {}
    codes = mapping["industry_code"].to_numpy()
    jobs_wide = (
        every_area[every_area["area_code"].isin(areas)]
        .pivot(index="area_code", columns="code", values="employment")
        .reindex(index=areas, columns=pd.Index(codes))
    )
    jobs = jobs_wide.fillna(0.0).to_numpy(dtype=float)
    rates = (
        by_row[by_row["area_code"].isin(areas)]
        .pivot(index="area_code", columns="gva_industry_code", values="gva_per_job_gbp")
        .reindex(index=areas, columns=pd.Index(mapping["gva_industry_code"].to_numpy()))
        .to_numpy(dtype=float)
    )
    gva = np.where(jobs == 0, 0.0, jobs * rates / 1e6)
    n = len(mapping)
    long = pd.DataFrame(
        {
            "area": np.repeat(np.arange(len(areas)), n),
            "cluster_id": np.tile(mapping["cluster_id"].to_numpy(), len(areas)),
            "employment": jobs.reshape(-1),
        }
    )
    employment = long.groupby(["area", "cluster_id"], sort=False)["employment"].sum()
    positions = mapping.groupby("cluster_id", sort=False).indices
    clusters = list(positions)
    sums = np.empty((len(areas), len(clusters)))
    for j, cluster in enumerate(clusters):
        part = gva[:, positions[cluster]]
        unknown = np.asarray(np.isnan(part).any(axis=1), dtype=bool)
        # One row at a time: a 1-D sum adds in the order _cluster_gva's does (a 2-D reduction may not).
        sums[:, j] = [np.nan if unknown[i] else float(part[i].sum()) for i in range(len(areas))]
    found: dict[str, pd.DataFrame] = {}
    for i, area in enumerate(areas):
        grouped = pd.DataFrame(
            {"employment": employment.loc[i].reindex(clusters).to_numpy(dtype=float)},
            index=pd.Index(clusters, name="cluster_id"),
        )
        grouped["gva_gbp_million"] = sums[i]
        with np.errstate(divide="ignore", invalid="ignore"):
            ratio = sums[i] * 1e6 / grouped["employment"].to_numpy(dtype=float)
        grouped["gva_per_job_gbp"] = np.where(np.isfinite(ratio), ratio, np.nan)
        found[area] = grouped
    return found


def _estimate(inputs: _ProductivityInputs, area: str, jobs: pd.DataFrame) -> pd.DataFrame:
    """Each cluster's GVA and GVA per job in *area*, whose employment by code is *jobs*."""
    by_row, mapping = inputs.by_row, inputs.mapping
    per_job = by_row[by_row["area_code"] == area].set_index("gva_industry_code")["gva_per_job_gbp"]
    employment = jobs.set_index("code")["employment"]
    frame = mapping.assign(employment=mapping["industry_code"].map(employment).fillna(0.0).to_numpy())
    return _cluster_gva(frame, per_job)
