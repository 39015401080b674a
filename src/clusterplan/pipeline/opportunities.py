"""Growth opportunities and related clusters of the warehouse's data (``clusterplan opportunities``,
``clusterplan related-clusters``).

Reads every area's industry measures (and, for Great Britain, GVA per job) from
the warehouse and hands them to :mod:`clusterplan.relatedness.opportunities`.
"""

from __future__ import annotations

import contextlib
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from .._cache import memoised
from .._exceptions import ClusterplanError, UnknownCodeError
from ..datasets import BRES_SUBCLASS, CBP_METROS, DATASET_PROFILES, INDUSTRY_LEVELS
from ..inputoutput.concordance import naics_bea_detail_industries, sic_io_industries
from ..measures.employment import industry_facts, with_codes
from ..measures.withheld import (
    ancestor_at_level,
    naics_level,
    withheld_cell_lower_bounds,
    withheld_employment_bounds,
)
from ..regions import Region
from ..relatedness.opportunities import (
    DEFAULT_ATTRACTIVENESS_WEIGHTS,
    MIN_NATIONAL_EMPLOYMENT,
    NON_MARKET_PREFIXES,
    Opportunities,
    OpportunityBasis,
    cluster_density,
    opportunity_basis,
    opportunity_tables,
    taxonomy_for_classification,
    taxonomy_related_clusters,
)
from ..taxonomy import Taxonomy
from .io_links import bea_detail_flows, gb_io_model, sic_lookup
from .productivity import gva_per_job
from .profile import AnyWarehouse, dataset_for_region, industry_employment, industry_measures, resolve_region

__all__ = [
    "DEFAULT_PRESENCE",
    "PRESENCE_RULES",
    "employment_lower_bound",
    "find_related_clusters",
    "merge_area_measures",
    "prepare_opportunities",
    "region_cluster_density",
    "region_opportunities",
]

#: Which employment decides that an area has an industry (RCA >= 1) for complexity, density and outlook gain
#: when a source's withheld cells were rebuilt (US County Business Patterns); GB data have no rebuilt cells.
PRESENCE_RULES = {
    "lower_bound": "RCA >= 1 on the employment the data guarantee: published cells, plus rebuilt withheld cells "
    "only for the jobs they must hold (the only unpublished cell under their published parent); national shares "
    "from the reconstructed totals",
    "expected": "RCA >= 1 on the reconstructed cells' expected employment (rebuilt withheld cells count as observed)",
}
#: Complexity from expected values of rebuilt cells is implausible for US metros (ECI correlates -0.25 with log
#: CBSA employment, New York 870th of 933; see :func:`~clusterplan.relatedness.complexity.complexity`), so the
#: lower bound is the default.
DEFAULT_PRESENCE = "lower_bound"


def region_opportunities(
    warehouse: AnyWarehouse,
    region: str,
    *,
    taxonomy: str | Taxonomy | None = None,
    level: str | None = None,
    year: int | None = None,
    base_year: int | None = None,
    weights: Mapping[str, float] | None = None,
    top: int | None = 25,
    include_non_market: bool = False,
    min_national_employment: float = MIN_NATIONAL_EMPLOYMENT,
    presence: str = DEFAULT_PRESENCE,
) -> Opportunities:
    """Growth opportunities of a GB ITL2 area or a US metro: industries, clusters and nascent candidates.

    A region of several areas (a US combined statistical area, a group of GB areas) is analysed as one area
    made of them (:func:`merge_area_measures`), as its profile is.

    Parameters
    ----------
    warehouse
        An open warehouse.
    region
        ITL 2021 code (``TLG3``), its NUTS 2016 twin (``UKG3``), a CBSA code (``12060``), a CSA
        (``CSA 220``), an area name or a group of areas.
    taxonomy
        Clusters to aggregate to (default: the dataset's default taxonomy, ``wmca_plan_for_growth`` for GB,
        ``us_cmp_traded_2014`` for the US).
    level
        Industry level: ``sic5`` (default) or ``sic2`` for GB; ``naics6`` (default) to ``naics2`` for the US.
    year, base_year
        Year of the analysis (default latest) and base year of national growth (GB; default the first year).
    weights
        Attractiveness component weights (default :data:`DEFAULT_ATTRACTIVENESS_WEIGHTS`).
    top
        Number of nascent candidates of each kind.
    include_non_market
        Keep non-market activities (:data:`NON_MARKET_PREFIXES`); by default they are left out of every table.
    min_national_employment
        Industries with fewer jobs across all areas are kept in the tables but are never candidates.
    presence
        For data with rebuilt withheld cells (US): which employment makes an industry present in an area for
        complexity (PCI, ECI), density and outlook gain (:data:`PRESENCE_RULES`). ``lower_bound`` (default):
        :func:`employment_lower_bound`, so the reconstruction never creates a presence; ``expected``: the
        rebuilt cells' expected values. Employment, RCA and stages are the reconstructed ones either way.

    Returns
    -------
    Opportunities
        ``industries`` (:func:`industry_opportunities` plus ``industry_name``, ``employment``,
        ``national_employment``, ``stage`` and ``eligible``), ``clusters`` (:func:`cluster_opportunities`),
        ``nascent`` (column ``kind``: nascent clusters, nascent industries, then absent industries) and the
        parameters used.

    Raises
    ------
    UnknownCodeError
        An unknown region, level or year.
    ParameterError
        A taxonomy of the other classification.
    """
    found = _opportunity_inputs(warehouse, region, taxonomy, level, year, base_year, presence)
    dataset, profile, classification, tax = found.dataset, found.profile, found.classification, found.tax
    chosen_level, analysis_year, growth_base = found.level, found.year, found.growth_base
    measures, resolved, region_code = found.measures, found.resolved, found.resolved.code
    gva_table, growth_years, basis = found.gva_table, found.growth_years, found.basis
    industries, clusters, nascent, attractiveness_method = opportunity_tables(
        measures,
        region_code,
        tax,
        classification=classification,
        level=chosen_level,
        growth_years=growth_years,
        gva_table=gva_table,
        weights=weights,
        top=top,
        include_non_market=include_non_market,
        min_national_employment=min_national_employment,
        basis=basis,
    )
    parameters = {
        "region": region_code,
        "region_input": region,
        "dataset": dataset,
        "level": chosen_level,
        "year": analysis_year,
        "growth_base_year": growth_base,
        "taxonomy": tax.name,
        "weights": dict(DEFAULT_ATTRACTIVENESS_WEIGHTS if weights is None else weights),
        "presence_rule": "RCA >= 1 against all areas of the dataset"
        + (f" (the region's {len(resolved.members)} areas summed into one)" if resolved.composite else "")
        + (f"; {presence}: {PRESENCE_RULES[presence]}" if profile.withheld_table is not None else ""),
        "stages": "specialised: RCA >= 1; nascent: jobs in the region but RCA below 1; absent: no jobs",
        "attractiveness_method": attractiveness_method,
        "non_market": "included"
        if include_non_market
        else "left out: industries whose codes start " + ", ".join(NON_MARKET_PREFIXES.get(classification, ())),
        "min_national_employment": float(min_national_employment),
        "ties": "by opportunity score, then attractiveness, then feasibility, then code",
        "quadrant_split": "median (percentile 50) of the region's industries / clusters",
    }
    if resolved.composite:
        parameters["region_members"] = list(resolved.members)
    return Opportunities(
        region_code=region_code,
        region_name=resolved.name,
        industries=industries,
        clusters=clusters,
        nascent=nascent,
        parameters=parameters,
    )


def _fact_years(warehouse: AnyWarehouse, dataset: str) -> list[int]:
    """The years of *dataset*'s industry facts, ascending (read once per data version)."""
    found: tuple[int, ...] = memoised(
        warehouse,
        ("opportunity_years", dataset),
        lambda: tuple(
            sorted(
                int(y)
                for y in industry_facts(warehouse.facts, dataset=dataset).select("year").distinct().to_pandas()["year"]
            )
        ),
        copy=False,
    )
    return list(found)


@dataclass(frozen=True)
class _OpportunityInputs:
    """What :func:`region_opportunities` and :func:`region_cluster_density` read before the region's tables."""

    dataset: str
    profile: Any
    classification: str
    tax: Taxonomy
    level: str
    year: int
    growth_base: int | None
    measures: pd.DataFrame
    resolved: Region
    gva_table: pd.DataFrame | None
    growth_years: int | None
    #: The opportunities every region of the measures shares (None for a region of several areas).
    basis: OpportunityBasis | None


def _opportunity_inputs(
    warehouse: AnyWarehouse,
    region: str,
    taxonomy: str | Taxonomy | None,
    level: str | None,
    year: int | None,
    base_year: int | None,
    presence: str,
) -> _OpportunityInputs:
    dataset = dataset_for_region(warehouse, region)
    profile = DATASET_PROFILES[dataset]
    default_level, levels, classification = INDUSTRY_LEVELS[profile.geography]
    chosen_level = level or default_level
    if chosen_level not in levels:
        raise UnknownCodeError(f"industry level for {profile.benchmark_name}", chosen_level, list(levels))
    if presence not in PRESENCE_RULES:
        raise UnknownCodeError("presence rule", presence, list(PRESENCE_RULES))
    tax = taxonomy_for_classification(taxonomy, classification, profile.default_taxonomy)
    available = _fact_years(warehouse, dataset)
    analysis_year = available[-1] if year is None else int(year)
    if analysis_year not in available:
        raise UnknownCodeError("year", str(year), [str(y) for y in available])
    earlier = [y for y in available if y < analysis_year]
    growth_base = (earlier[0] if earlier else None) if base_year is None else int(base_year)
    # Only the employment of every area: the full measures of 896,613 US cells would take 650 MB.
    measures = industry_employment(warehouse, level=chosen_level, year=analysis_year, base_year=growth_base)
    lower_bound = presence == "lower_bound" and profile.withheld_table is not None
    if lower_bound:
        # Once per process and data version: a run's second process prepares these tables, then reads them again
        # for the region's opportunities (the merge of 896,613 US cells with their bounds took 0.1 s each time).
        measures = memoised(
            warehouse,
            ("opportunity_employment_low", dataset, chosen_level, analysis_year, growth_base),
            lambda: _with_lower_bound(warehouse, measures, chosen_level, analysis_year),
        )
    resolved = resolve_region(warehouse, region, dataset)
    if resolved.composite:
        measures = merge_area_measures(measures, resolved)
    gva_table = (
        gva_per_job(warehouse, level="itl2", year=analysis_year, benchmark=True)
        if classification == "sic2007"
        else None
    )
    growth_years = None if growth_base is None else analysis_year - growth_base
    # Complexity of all areas and the industries' national components are the same for every region of these
    # measures: made once (a region of several areas changes the areas, so it makes its own).
    basis = (
        None
        if resolved.composite
        else memoised(
            warehouse,
            ("opportunity_basis", dataset, chosen_level, analysis_year, growth_base, lower_bound),
            lambda: opportunity_basis(measures, growth_years=growth_years, gva_table=gva_table),
            copy=False,
        )
    )
    return _OpportunityInputs(
        dataset=dataset,
        profile=profile,
        classification=classification,
        tax=tax,
        level=chosen_level,
        year=analysis_year,
        growth_base=growth_base,
        measures=measures,
        resolved=resolved,
        gva_table=gva_table,
        growth_years=growth_years,
        basis=basis,
    )


def _with_lower_bound(warehouse: AnyWarehouse, measures: pd.DataFrame, level: str, year: int) -> pd.DataFrame:
    """*measures* with ``employment_low``, :func:`employment_lower_bound` where a cell was rebuilt, else its
    employment."""
    low = employment_lower_bound(warehouse, level=level, year=year)
    measures = _joined_lower_bound(measures, low)
    # A parent's hidden jobs may also sit in a code without 6-digit detail (99), so the 6-digit reasoning
    # can exceed a rebuilt 2- or 4-digit cell by a job or two: no bound is above the cell itself.
    measures["employment_low"] = np.minimum(
        measures["employment_low"].fillna(measures["employment"]), measures["employment"]
    )
    return measures


def _joined_lower_bound(measures: pd.DataFrame, low: pd.DataFrame) -> pd.DataFrame:
    """``measures.merge(low, on=["area_code", "industry_code"], how="left", validate="one_to_one")``.

    *measures* is the complete grid :func:`industry_employment` gives (every area with the same codes in the same
    order, areas sorted): a cell's row is then its area's number times the number of codes plus its code's number,
    so each of *low*'s cells is placed by looking up its area among some 900 and its code among some 1,000 rather
    than by a merge on the two text columns of 896,613 and 611,450 US cells (0.2 s of a first US run). Any other
    frame, or keys listed twice, go to the merge, which raises as it always has.
    """
    import pyarrow as pa
    import pyarrow.compute as pc

    keys = ["area_code", "industry_code"]
    merged = lambda: measures.merge(low, on=keys, how="left", validate="one_to_one")  # noqa: E731
    if list(low.columns) != [*keys, "employment_low"] or "employment_low" in measures.columns or not len(measures):
        return merged()
    try:
        area, code = (pa.array(measures[k].array, type=pa.string()) for k in keys)
        low_area, low_code = (pa.array(low[k].array, type=pa.string()) for k in keys)
    except (pa.ArrowException, TypeError, ValueError):  # not text
        return merged()
    if area.null_count or code.null_count or low_area.null_count or low_code.null_count:
        return merged()
    starts = np.flatnonzero(np.r_[True, pc.not_equal(area[1:], area[:-1]).to_numpy(zero_copy_only=False)])
    areas, codes = area.take(pa.array(starts)), code[: (starts[1] if len(starts) > 1 else len(code))]
    width = len(codes)
    area_names, code_names = areas.to_pylist(), codes.to_pylist()
    grid = (
        len(code) == width * len(areas)
        and area_names == sorted(set(area_names))
        and len(set(code_names)) == width
        and pc.all(pc.equal(code, codes.take(pa.array(np.tile(np.arange(width), len(areas)))))).as_py()
    )
    if not grid:
        return merged()
    where_area = pc.index_in(low_area, value_set=areas).to_numpy(zero_copy_only=False)
    where_code = pc.index_in(low_code, value_set=codes).to_numpy(zero_copy_only=False)
    if np.isnan(where_area).any() or np.isnan(where_code).any():  # a cell outside the grid: the merge drops it
        return merged()
    row = where_area.astype(np.int64) * width + where_code.astype(np.int64)
    if len(row) and np.bincount(row, minlength=len(measures)).max() > 1:
        return merged()
    values = np.full(len(measures), np.nan)
    values[row] = low["employment_low"].to_numpy(dtype=np.float64)
    joined = measures.reset_index(drop=True)
    joined["employment_low"] = values
    return joined


def prepare_opportunities(warehouse: AnyWarehouse, region: str, *, year: int | None = None) -> None:
    """Compute what :func:`region_opportunities` reads before the region's own tables, none of which depends on
    the taxonomy (every area's employment at the default level, its lower bound, GVA per job, the complexity of
    all areas), so that a later call for *region* in this process finds them cached. Errors are left to that
    call, which reports them."""
    with contextlib.suppress(ClusterplanError):
        _opportunity_inputs(warehouse, region, None, None, year, None, DEFAULT_PRESENCE)


def region_cluster_density(
    warehouse: AnyWarehouse,
    region: str,
    *,
    taxonomy: str | Taxonomy | None = None,
    year: int | None = None,
    presence: str = DEFAULT_PRESENCE,
) -> pd.Series | None:
    """The ``density`` column of :func:`region_opportunities`' clusters table (default level), by cluster, or
    None where it has no clusters table: the same numbers without the industry and nascent tables and the ranks
    (what the scenarios' feasibility reads). Raises as :func:`region_opportunities` does."""
    found = _opportunity_inputs(warehouse, region, taxonomy, None, year, None, presence)
    basis = found.basis or opportunity_basis(found.measures, growth_years=found.growth_years, gva_table=found.gva_table)
    if found.level not in ("sic5", "naics6"):
        return None
    # The first thing region_opportunities reads of the region: an area with no activity fails there the same way.
    basis.activity.loc[found.resolved.code]
    mapping = found.tax.mapping(list(basis.result.rca.columns), strict=False)
    if not len(mapping):
        return None
    density = cluster_density(basis.result, basis.activity, found.resolved.code, mapping)
    return density if len(density) else None


def merge_area_measures(measures: pd.DataFrame, region: Region) -> pd.DataFrame:
    """Every area's industry employment with the member areas of a composite *region* summed into one area.

    The opportunities of a region of several areas (a US combined statistical area) are those of one area made
    of them, as its profile analyses it: its presence (RCA), density and complexity are measured against the
    other areas, and the members no longer count as areas of their own. Only the columns the opportunities read
    are kept (employment, and employment in the growth base year and its lower bound when there are). The sum of
    the members' lower bounds is a lower bound of the region's employment (a slightly conservative one: jobs a
    group of cells hides may be certain for the region but not for any one member).
    """
    kept = ["area_code", "industry_code", "industry_name", "employment"]
    kept += [c for c in ("employment_base_year", "employment_low") if c in measures.columns]
    inside = measures["area_code"].isin(region.members)
    sums = [c for c in kept if c.startswith("employment")]
    merged = (
        measures.loc[inside, kept]
        .groupby(["industry_code", "industry_name"], as_index=False, dropna=False)[sums]
        .sum(min_count=1)
        .assign(area_code=region.code)
    )
    return pd.concat([measures.loc[~inside, kept], merged[kept]], ignore_index=True)


def employment_lower_bound(warehouse: AnyWarehouse, *, level: str, year: int) -> pd.DataFrame:
    """The employment each area certainly has in each industry, when withheld cells were rebuilt (US CBP).

    Parameters
    ----------
    warehouse
        An open warehouse.
    level
        NAICS level, ``naics2`` to ``naics6``.
    year
        Year of the cells.

    Returns
    -------
    pandas.DataFrame
        ``area_code, industry_code, employment_low`` for every rebuilt cell of *level* (a published cell's lower
        bound is its published value, which the caller already has).

    Notes
    -----
    County Business Patterns withholds cells with fewer than three establishments, and
    :func:`~clusterplan.measures.withheld.reconstruct_withheld_cells` shares the jobs each published parent hides
    among its unpublished 6-digit descendants. A rebuilt cell must hold those jobs only when it holds every
    rebuilt 6-digit cell of that parent (e.g. the parent's only unpublished child); otherwise any split, including
    none in this cell, is possible, and its lower bound is 0. This is
    :func:`~clusterplan.measures.withheld.withheld_employment_bounds` with each industry of *level* as a group of
    the 6-digit codes below it, the same bound as the ``lq_low`` of cluster profiles. Above NAICS 6 a parent's
    hidden jobs may also sit in a code without 6-digit detail (``99``), so :func:`region_opportunities` caps
    the bound at the rebuilt cell's value (32 of 132,793 rebuilt NAICS 4 cells, by at most a few jobs).
    """
    # Every area's bounds at once, so once per data version (and kept on disk for the next run).
    return memoised(
        warehouse,
        ("employment_lower_bound", level, int(year)),
        lambda: _employment_lower_bound(warehouse, level, int(year)),
        persist=True,
    )


def _employment_lower_bound(warehouse: AnyWarehouse, level: str, year: int) -> pd.DataFrame:
    profile = DATASET_PROFILES[CBP_METROS]
    if profile.imputed_dataset is None or profile.withheld_table is None:
        return pd.DataFrame(columns=["area_code", "industry_code", "employment_low"])
    digits = int(level.removeprefix("naics"))
    facts = industry_facts(warehouse.facts, dataset=profile.imputed_dataset)
    facts = facts.filter(facts.year == int(year))
    # Only the cells of the two levels needed are read, and each code's level is worked out once (not once per
    # row of the 3.4 million): the bounds of every CBSA at once took a quarter of a US run and 150 MB.
    codes = sorted(str(c) for c in facts.select("industry_code").distinct().to_pandas()["industry_code"])
    levels = {code: naics_level(code) for code in codes}
    wanted = [code for code in codes if levels[code] in (6, digits)]
    rows = with_codes(facts, wanted).select("area_code", "industry_code").to_pandas()
    rows = rows.sort_values(["area_code", "industry_code"], ignore_index=True)
    category = rows["industry_code"].astype("category")
    depth = np.array([levels[str(c)] for c in category.cat.categories])[category.cat.codes.to_numpy()]
    six = rows[depth == 6]
    here = rows[depth == digits]
    groups = warehouse.table(profile.withheld_table).to_pandas()
    if digits == 6:  # each cell its own group of codes: the bounds cell by cell, without the joins
        out = here.reset_index(drop=True)
        out["employment_low"] = withheld_cell_lower_bounds(out, groups)
        return out
    six_codes = sorted(str(c) for c in six["industry_code"].unique())
    mapping = pd.DataFrame(
        {"cluster_id": [ancestor_at_level(c, digits) for c in six_codes], "industry_code": six_codes}
    )
    published = pd.DataFrame({"area_code": [], "industry_code": [], "value": []})
    bounds = withheld_employment_bounds(published, six, groups, mapping)
    bounds = bounds.rename(columns={"cluster_id": "industry_code"})[["area_code", "industry_code", "employment_low"]]
    out = here.merge(bounds, on=["area_code", "industry_code"], how="left")
    out["employment_low"] = out["employment_low"].fillna(0.0).to_numpy(dtype=np.float64)
    return out.reset_index(drop=True)


def find_related_clusters(
    warehouse: AnyWarehouse,
    taxonomy: str | Taxonomy,
    *,
    dataset: str = BRES_SUBCLASS,
    year: int | None = None,
    percentile: float = 90.0,
    basis: str = "total",
    measure: str | None = None,
) -> pd.DataFrame:
    """Related clusters of a taxonomy from one employment dataset and the matching national IO table.

    Parameters
    ----------
    warehouse
        An open warehouse.
    taxonomy
        A taxonomy (name, file or object) of the dataset's classification.
    dataset
        ``bres_itl2_sic5`` (GB ITL2 areas, SIC subclasses; IO links from the ONS IOAT 2019) or
        ``us_cbp_2019_cbsa`` (US CBSAs, NAICS 6-digit; IO links from the BEA detail use table 2007).
    year
        Employment year (default the latest).
    percentile, basis
        As for :func:`related_clusters` and :func:`cluster_io_links`.
    measure
        Co-location measure that flags related pairs (:data:`COLOCATION_MEASURES`). Default: the locational
        correlation of employment for the US Cluster Mapping taxonomies (``us_cmp_*``), the statistic the
        Cluster Mapping portal's definitions rest on (Delgado, Porter and Stern 2016), so the pairs line up with
        the portal's; the minimum conditional probability otherwise.

    Returns
    -------
    pandas.DataFrame
        :func:`related_clusters` of the taxonomy's clusters (``attrs`` also names the inputs).
    """
    if dataset not in (BRES_SUBCLASS, CBP_METROS):
        raise UnknownCodeError("employment dataset for related clusters", dataset, [BRES_SUBCLASS, CBP_METROS])
    profile = DATASET_PROFILES[dataset]
    default_level, _, classification = INDUSTRY_LEVELS[profile.geography]
    tax = taxonomy_for_classification(taxonomy, classification, profile.default_taxonomy)
    measures = industry_measures(warehouse, level=default_level, year=year)
    codes = list(dict.fromkeys(measures["industry_code"].astype(str)))
    if classification == "sic2007":
        model = gb_io_model()
        flows, output = model.Z, model.output
        parts = sic_io_industries(codes, sic_lookup())
        io_table = "ONS input-output analytical tables 2019 (105 industries)"
    else:
        # As Delgado, Porter and Stern: the detailed benchmark table, NAICS codes placed by BEA's concordance.
        flows, output, concordance = bea_detail_flows()
        parts = naics_bea_detail_industries(codes, {str(k): v for k, v in concordance.items()})
        io_table = "BEA detail use table 2007 (389 industries)"
    return taxonomy_related_clusters(
        measures,
        tax,
        dataset=dataset,
        flows=flows,
        output=output,
        io_industries=parts,
        io_table=io_table,
        percentile=percentile,
        basis=basis,
        measure=measure,
    )
