"""Hotspots of cluster measures read from the warehouse: the measures of every area, then the
spatial statistics of :mod:`clusterplan.geography.hotspots` (which explains the method).
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import ibis
import pandas as pd

from .._cache import memoised
from .._exceptions import ClusterplanError, ParameterError, UnknownCodeError
from ..datasets import CBP_METROS, DATASET_PROFILES
from ..geography.hotspots import (
    _MEASURE_LABELS,
    HOTSPOT_LEVELS,
    HOTSPOT_MEASURES,
    HotspotResult,
    _autocorrelations,
    _check_inference,
    _gb_codes,
    _measure,
    _taxonomy_for,
)
from ..geography.subregional import GVA_LEVELS, _cluster_gva, _mapping, resolve_cluster
from ..measures.employment import cluster_employment as sum_to_clusters
from ..measures.employment import industry_facts, memtable
from ..measures.location_quotient import location_quotient
from ..regions import contiguous_cbsas, package_places
from ..sources.ons_geography import GREAT_BRITAIN, load_areas, load_boundaries
from ..taxonomy import Taxonomy
from .subregional import _gva_inputs, cluster_employment

if TYPE_CHECKING:  # pragma: no cover - annotations only
    from .profile import AnyWarehouse

__all__ = ["CBP_CELLS", "hotspot_geojson", "hotspot_values", "hotspots", "hotspots_by_cluster"]


@functools.cache
def _shared_boundaries(level: str) -> dict[str, Any]:
    """One parsed copy of each level's shapes for all hotspot calls (read, never modified), so that their
    contiguity is computed once per run rather than once per cluster."""
    return load_boundaries(level)


def hotspot_geojson(result: HotspotResult) -> dict[str, Any]:
    """:meth:`HotspotResult.to_geojson <clusterplan.geography.hotspots.HotspotResult.to_geojson>` on the
    packaged shapes of the result's level (read afresh: the layer may be changed by its caller)."""
    return result.to_geojson(load_boundaries(str(result.parameters.get("level"))))


#: Cells of County Business Patterns a US map reads: the published ones plus the withheld ones rebuilt within their
#: parents (the default, as in a profile), or the published ones only (withheld cells count as zero).
CBP_CELLS = ("reconstructed", "published")


def hotspot_values(
    warehouse: AnyWarehouse,
    *,
    measure: str,
    cluster: str,
    taxonomy: str | Taxonomy = "wmca_plan_for_growth",
    level: str = "itl3",
    year: int | None = None,
    employment_dataset: str | None = None,
    cells: str = "reconstructed",
) -> tuple[pd.Series, dict[str, Any]]:
    """The value of a cluster measure in every GB area of a level, and what it is.

    Parameters
    ----------
    measure
        One of :data:`HOTSPOT_MEASURES`: ``lq`` (location quotient against
        Great Britain), ``share`` (the cluster's share of the area's total),
        ``employment``, ``gva`` (estimated, £ million) or ``gva_per_job`` (£).
    cluster
        Cluster id or name in *taxonomy*.
    level
        ``itl3``: ``gva``, ``share`` and ``lq`` are GVA-based (ONS ITL3 table,
        cluster GVA estimated as in :func:`~clusterplan.pipeline.subregional.cluster_gva`);
        ``employment`` and ``gva_per_job`` need local employment loaded.
        ``itl2``: ``employment``, ``share`` and ``lq`` from the embedded BRES,
        ``gva`` and ``gva_per_job`` from the ITL2 GVA table.
        ``lad``: ``employment``, ``share``, ``lq`` from loaded LAD employment
        (GVA is not published below ITL3).
        ``cbsa``: ``employment``, ``share``, ``lq`` from County Business
        Patterns across the CBSAs of the contiguous states.
    cells
        US CBSAs: ``reconstructed`` (published cells plus the withheld ones
        rebuilt within their parents) or ``published`` (withheld cells count
        as zero); see :data:`CBP_CELLS`.

    Returns
    -------
    (pandas.Series, dict)
        Values indexed by area code (GB areas only), and a description:
        ``measure_label``, ``basis``, ``cluster_name``, ``year`` and the
        datasets used.
    """
    values, info, errors = _cluster_values(
        warehouse,
        measure=measure,
        clusters=[cluster],
        taxonomy=taxonomy,
        level=level,
        year=year,
        employment_dataset=employment_dataset,
        cells=cells,
    )
    column = values.columns[0]
    if column in errors:
        raise errors[column]
    return values[column].rename(None), info[column]


def _cluster_values(
    warehouse: AnyWarehouse,
    *,
    measure: str,
    clusters: Sequence[str] | None,
    taxonomy: str | Taxonomy,
    level: str,
    year: int | None,
    employment_dataset: str | None,
    cells: str = "reconstructed",
) -> tuple[pd.DataFrame, dict[str, dict[str, Any]], dict[str, ParameterError]]:
    """:func:`hotspot_values` of several clusters (all when None) from one read of the warehouse: a frame of
    GB areas x cluster ids (NaN where an area has no value), each cluster's description, and the error of
    each cluster that has no values."""
    if measure not in HOTSPOT_MEASURES:
        raise ParameterError(f"measure must be one of {', '.join(HOTSPOT_MEASURES)}, not {measure!r}")
    if level not in HOTSPOT_LEVELS:
        raise ParameterError(f"level must be one of {', '.join(HOTSPOT_LEVELS)}, not {level!r}")
    tax = _taxonomy_for(taxonomy, level)
    ids = [resolve_cluster(tax, c) for c in clusters] if clusters is not None else [c.id for c in tax.clusters]
    if level == "cbsa":
        return _cbsa_values(
            warehouse, measure=measure, tax=tax, ids=ids, year=year, dataset=employment_dataset, cells=cells
        )
    gva_based = measure in ("gva", "gva_per_job") or (level == "itl3" and measure in ("share", "lq"))
    employment_based = measure in ("employment", "gva_per_job") or (level != "itl3" and measure in ("share", "lq"))
    if level == "lad" and gva_based:
        raise ParameterError(
            "GVA by industry is published down to ITL3 areas, not local authority districts",
            hint="use --level itl3 for GVA-based measures, or measure employment, share or lq at LAD level",
        )
    common: dict[str, Any] = {"taxonomy": tax.name}
    gva = employment = None
    if gva_based:
        if level not in GVA_LEVELS:
            raise ParameterError(f"level must be one of {', '.join(GVA_LEVELS)} for GVA, not {level!r}")
        # The warehouse is read once; each cluster's GVA is then estimated on its own, exactly as
        # cluster_gva(clusters=[cluster]) does (pandas adds a group up differently, in the last bit, when other
        # groups are present, and a last-bit change can flip a permutation tie).
        inputs = _gva_inputs(warehouse, level, year)
        parts = [_cluster_gva(tax, _mapping(tax, [c]), inputs) for c in ids]
        gva = pd.concat(parts, ignore_index=True)
        gva.attrs.update(parts[0].attrs)
        common.update(gva_dataset=gva.attrs["gva_dataset"], mix_year=int(gva["mix_year"].iloc[0]))
        year = int(gva["year"].iloc[0])
    if employment_based:
        employment = cluster_employment(
            warehouse,
            taxonomy=tax,
            level=level,
            year=year,
            employment_dataset=employment_dataset,
            clusters=ids,
        )
        common.update(employment_dataset=employment.attrs["employment_dataset"])
        year = int(employment["year"].iloc[0])
    common["year"] = year

    def wide(frame: pd.DataFrame, column: str) -> pd.DataFrame:
        return frame.pivot(index="area_code", columns="cluster_id", values=column).reindex(columns=ids)

    if measure == "gva_per_job":
        assert gva is not None and employment is not None
        jobs, money = wide(employment, "employment"), wide(gva, "gva_gbp_million")
        values = money * 1e6 / jobs.reindex(money.index).where(lambda s: s > 0)
        errors: dict[str, ParameterError] = {}
        basis = "estimated cluster GVA over cluster employment"
    elif gva_based:
        assert gva is not None
        values, errors = _measure(wide(gva, "gva_gbp_million"), wide(gva, "area_gva_gbp_million"), measure)
        basis = "GVA: ONS regional GVA (current prices) apportioned to the cluster by the ITL2 employment mix"
    else:
        assert employment is not None
        values, errors = _measure(wide(employment, "employment"), wide(employment, "area_employment"), measure)
        basis = f"employment: {common['employment_dataset']}"
    values = values.drop(GREAT_BRITAIN, errors="ignore").astype(float)
    values = values[_gb_codes(values.index)].sort_index()
    values.index = values.index.astype(str)
    values.columns.name = None
    common.update(measure=measure, measure_label=_MEASURE_LABELS[measure], basis=basis, level=level)
    info = {c: {"cluster": c, "cluster_name": tax.cluster(c).name, **common} for c in ids}
    return values, info, errors


def _cbsa_values(
    warehouse: AnyWarehouse,
    *,
    measure: str,
    tax: Taxonomy,
    ids: list[str],
    year: int | None,
    dataset: str | None,
    cells: str = "reconstructed",
) -> tuple[pd.DataFrame, dict[str, dict[str, Any]], dict[str, ParameterError]]:
    """:func:`_cluster_values` for US CBSAs: County Business Patterns employment, its share of the CBSA's
    jobs, or its location quotient against all CBSAs; the contiguous United States only."""
    if cells not in CBP_CELLS:
        raise UnknownCodeError("cells", cells, list(CBP_CELLS))
    if measure not in ("employment", "share", "lq"):
        raise ParameterError(
            f"US CBSAs have employment only (County Business Patterns), not {measure!r}",
            hint="measure employment, share or lq",
        )
    if not tax.classification.startswith("naics"):
        raise ParameterError(
            f"taxonomy {tax.name!r} classifies {tax.classification} industries; US CBSAs use NAICS",
            hint="use --taxonomy us_cmp_traded_2014 (or another NAICS taxonomy)",
        )
    name = dataset or CBP_METROS
    rows = industry_facts(warehouse.facts, dataset=name)
    imputed = DATASET_PROFILES[name].imputed_dataset if name in DATASET_PROFILES else None
    if cells == "published":
        imputed = None
    if imputed is not None:
        # The cells CBP withholds, rebuilt within their parents: the same cells a profile reads by default.
        more = industry_facts(warehouse.facts, dataset=imputed)
        rows = rows.union(more.mutate(dataset=ibis.literal(name)).select(*rows.columns))
    every_year = rows

    def checked() -> int:
        """The year asked for (the latest when None), once it is known to be one of the facts' years."""
        years = sorted(int(y) for y in every_year.select("year").distinct().to_pandas()["year"])
        if not years:
            raise ParameterError(f"dataset {name!r} has no employment facts")
        chosen = years[-1] if year is None else int(year)
        if chosen not in years:
            raise UnknownCodeError("year", str(year), [str(y) for y in years])
        return chosen

    # A run names its year: the facts' years (a read of every fact, some 0.1 s) are then looked at only when that
    # year has no industry, to say why; a year that has one is one of them.
    named = isinstance(year, int)
    chosen = int(year) if isinstance(year, int) else checked()
    rows = rows.filter(rows.year == chosen)
    dims = warehouse.table("industries")
    naics6 = dims.filter(dims.industry_level == "naics6").select("industry_code").distinct()
    units = rows.semi_join(naics6, rows.industry_code == naics6.industry_code)
    codes = units.select("industry_code").distinct().to_pandas()["industry_code"].tolist()
    if named and not codes:
        checked()
    mapping = tax.mapping(codes, strict=False)
    mapping = mapping[mapping["cluster_id"].isin(ids)]
    summed = sum_to_clusters(units, memtable(mapping[["cluster_id", "industry_code"]])).to_pandas()
    totals = rows.filter(rows.industry_code == "00").select("area_code", "value").to_pandas()
    total = totals.set_index("area_code")["value"].astype(float)
    value = summed.pivot(index="area_code", columns="cluster_id", values="value").reindex(index=total.index)
    value = value.reindex(columns=ids).fillna(0.0).astype(float)  # CBP leaves out industries an area lacks
    if measure == "employment":
        values = value
    elif measure == "share":
        values = value.div(total.where(total > 0), axis=0)
    else:
        lq = location_quotient(value, total.where(total > 0).to_numpy()[:, None], value.sum(), total.sum())
        values = pd.DataFrame(lq, index=value.index, columns=value.columns)
    values = values[[c in contiguous_cbsas() for c in values.index]].sort_index()
    values.index = values.index.astype(str)
    values.columns.name = None
    common: dict[str, Any] = {
        "taxonomy": tax.name,
        "employment_dataset": name,
        "year": chosen,
        "measure": measure,
        "measure_label": _MEASURE_LABELS[measure],
        "basis": f"employment: {name} (County Business Patterns"
        + (", withheld cells rebuilt" if imputed is not None else ", published cells only")
        + "); LQ against all CBSAs",
        "level": "cbsa",
        "cells": cells,
    }
    info = {c: {"cluster": c, "cluster_name": tax.cluster(c).name, **common} for c in ids}
    return values, info, {}


def hotspots(
    warehouse: AnyWarehouse,
    *,
    measure: str,
    cluster: str,
    taxonomy: str | Taxonomy = "wmca_plan_for_growth",
    level: str = "itl3",
    year: int | None = None,
    permutations: int = 999,
    seed: int = 12345,
    alpha: float = 0.05,
    islands: str = "attach",
    employment_dataset: str | None = None,
    cells: str = "reconstructed",
) -> HotspotResult:
    """Hotspots of one cluster measure across the GB areas of a level.

    Computes the measure with :func:`hotspot_values` and the statistics with
    :func:`spatial_autocorrelation` on the packaged boundaries of *level*;
    see the module docstring for every choice.

    Parameters
    ----------
    warehouse
        An open :class:`~clusterplan.Warehouse`.
    measure, cluster, taxonomy, level, year, employment_dataset, cells
        See :func:`hotspot_values`.
    permutations, seed, alpha, islands
        See :func:`spatial_autocorrelation`.

    Returns
    -------
    HotspotResult
        Use :meth:`HotspotResult.to_geojson` for a map layer and
        :func:`clusterplan.report.hotspot_map_svg` for a static map.

    Examples
    --------
    >>> from clusterplan.warehouse import Warehouse
    >>> with Warehouse(":memory:") as wh:
    ...     result = hotspots(wh, measure="share", cluster="professional_financial_services", level="itl3",
    ...                       year=2021, permutations=99)
    >>> result.moran_i > 0.1, result.moran_p < 0.05
    (True, True)
    """
    tax = _taxonomy_for(taxonomy, level)
    cluster_id = resolve_cluster(tax, cluster)
    result = hotspots_by_cluster(
        warehouse,
        measure=measure,
        clusters=[cluster_id],
        taxonomy=tax,
        level=level,
        year=year,
        permutations=permutations,
        seed=seed,
        alpha=alpha,
        islands=islands,
        employment_dataset=employment_dataset,
        cells=cells,
    )[cluster_id]
    if isinstance(result, ClusterplanError):
        raise result
    return result


def hotspots_by_cluster(
    warehouse: AnyWarehouse,
    *,
    measure: str,
    clusters: Sequence[str] | None = None,
    taxonomy: str | Taxonomy = "wmca_plan_for_growth",
    level: str = "itl3",
    year: int | None = None,
    permutations: int = 999,
    seed: int = 12345,
    alpha: float = 0.05,
    islands: str = "attach",
    employment_dataset: str | None = None,
    cells: str = "reconstructed",
) -> dict[str, HotspotResult | ClusterplanError]:
    """:func:`hotspots` of many clusters at once: one read of the warehouse, one set of permutation draws.

    Each cluster's result is the one :func:`hotspots` gives for it alone (the draws depend only on the
    areas, the seed and the number of permutations), at a fraction of the cost of mapping the clusters one
    by one.

    Parameters
    ----------
    clusters
        Cluster ids or names of *taxonomy* (default all).
    warehouse, measure, taxonomy, level, year, permutations, seed, alpha, islands, employment_dataset, cells
        See :func:`hotspots`.

    Returns
    -------
    dict
        By cluster id, in the order of *clusters*: its :class:`HotspotResult`, or the error that says why it
        cannot be mapped (e.g. a cluster without GVA anywhere), so that one cluster does not stop the others.

    Raises
    ------
    ParameterError
        A bad measure, level, number of permutations, alpha or island rule.

    Examples
    --------
    >>> from clusterplan.warehouse import Warehouse
    >>> with Warehouse(":memory:") as wh:
    ...     maps = hotspots_by_cluster(wh, measure="lq", clusters=["ev_batteries", "aerospace"], level="itl2",
    ...                                year=2021, permutations=99)
    >>> sorted(maps), round(maps["ev_batteries"].moran_i, 3)
    (['aerospace', 'ev_batteries'], 0.346)
    """
    _check_inference(permutations, alpha)
    # A run maps every cluster of its taxonomy, the same for every region: once per data version (and kept on
    # disk for the next run), since the permutation inference is most of a run's hotspot time.
    options: dict[str, Any] = {
        "measure": measure,
        "clusters": tuple(clusters) if clusters is not None else None,
        "taxonomy": taxonomy,
        "level": level,
        "year": year,
        "permutations": permutations,
        "seed": seed,
        "alpha": alpha,
        "islands": islands,
        "employment_dataset": employment_dataset,
        "cells": cells,
    }
    key = ("hotspots_by_cluster", tuple(options.items()))
    return memoised(warehouse, key, lambda: _hotspots_by_cluster(warehouse, **options), persist=True)


def _hotspots_by_cluster(
    warehouse: AnyWarehouse,
    *,
    measure: str,
    clusters: Sequence[str] | None,
    taxonomy: str | Taxonomy,
    level: str,
    year: int | None,
    permutations: int,
    seed: int,
    alpha: float,
    islands: str,
    employment_dataset: str | None,
    cells: str,
) -> dict[str, HotspotResult | ClusterplanError]:
    values, info, errors = _cluster_values(
        warehouse,
        measure=measure,
        clusters=clusters,
        taxonomy=taxonomy,
        level=level,
        year=year,
        employment_dataset=employment_dataset,
        cells=cells,
    )
    if level == "cbsa":
        areas = package_places().query("area_level == 'cbsa'")
        names = dict(zip(areas["area_code"], areas["area_name"], strict=True))
        missing = sorted(c for c in names if c not in values.index)  # off the contiguous US
    else:
        areas = load_areas(level)
        names = dict(zip(areas["area_code"], areas["area_name"], strict=True))
        missing = sorted(c for c in areas["area_code"] if c not in values.index and _gb_codes(pd.Index([c]))[0])
    mapped = _autocorrelations(
        values[[c for c in values.columns if c not in errors]],
        _shared_boundaries(level),
        permutations=permutations,
        seed=seed,
        alpha=alpha,
        islands=islands,
        names=names,
        parameters=info,
    )
    results: dict[str, HotspotResult | ClusterplanError] = {}
    for cluster_id in values.columns:
        result = errors.get(cluster_id) or mapped[cluster_id]
        if isinstance(result, HotspotResult):
            result.excluded = sorted(set(result.excluded) | set(missing))
        results[cluster_id] = result
    return results
