"""Each cluster's GVA or employment in the ITL3 areas of a region, read from the warehouse (the
maths and the method: :mod:`clusterplan.geography.subregional`).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from .._exceptions import ParameterError, UnknownCodeError
from ..datasets import BRES_SUBCLASS
from ..geography.subregional import (
    _GVA_DATASET,
    _IMPORT_HINT,
    _UNITS,
    CLUSTER_EMPLOYMENT_COLUMNS,
    EMPLOYMENT_LEVELS,
    GVA_LEVELS,
    SUBREGIONAL_COLUMNS,
    _cluster_gva,
    _GvaInputs,
    _is_gb,
    _mapping,
    _ratio,
    resolve_taxonomy,
)
from ..measures.productivity import gva_row_divisions, sic_to_gva_rows
from ..sources.ons_geography import GREAT_BRITAIN, load_areas, resolve_area_code
from ..taxonomy import Taxonomy
from .productivity import (
    _code_length,
    _default_employment_dataset,
    _employment_by_code,
    _employment_years,
    _great_britain_employment,
)

if TYPE_CHECKING:  # pragma: no cover - annotations only
    from .profile import AnyWarehouse

__all__ = ["cluster_employment", "cluster_gva", "subregional_breakdown"]


def _facts(warehouse: AnyWarehouse, dataset: str, year: int | None = None) -> pd.DataFrame:
    facts = warehouse.facts
    rows = facts.filter((facts.dataset == dataset) & (facts.breakdown == "all"))
    if year is not None:
        rows = rows.filter(rows.year == int(year))
    out = rows.select("area_code", "industry_code", "year", "value").to_pandas()
    out["year"] = out["year"].astype(int)
    return out


def _years(warehouse: AnyWarehouse, dataset: str) -> list[int]:
    return warehouse.fact_years(dataset)


def cluster_gva(
    warehouse: AnyWarehouse,
    *,
    taxonomy: str | Taxonomy,
    level: str = "itl3",
    year: int | None = None,
    clusters: Sequence[str] | None = None,
) -> pd.DataFrame:
    """Estimated GVA of every cluster in every GB area of an ONS GVA table, and Great Britain's.

    Parameters
    ----------
    warehouse
        An open :class:`~clusterplan.Warehouse`.
    taxonomy
        A SIC 2007 taxonomy (built-in name, file or :class:`~clusterplan.taxonomy.Taxonomy`).
    level
        ``"itl3"`` (179 areas, 64 industry rows) or ``"itl2"`` (96 rows).
    year
        A year of the GVA table (1998-2022); default the latest year BRES also
        has (2021), so that the employment mix is of the same year.
    clusters
        Cluster ids or names to keep; default all.

    Returns
    -------
    pandas.DataFrame
        :data:`CLUSTER_GVA_COLUMNS`, one row per GB area and cluster plus rows
        for Great Britain (``K03000001``, the sum of the GB areas):
        ``gva_gbp_million`` (estimate), ``area_gva_gbp_million`` (all
        industries, excluding imputed rent), ``mix_year`` (the BRES year of the
        employment mix) and ``gva_rows`` (the GVA rows the estimate draws on).
        Northern Ireland is left out (BRES, and so the mix, covers Great
        Britain only).

    Raises
    ------
    ParameterError
        A bad *level*, or a taxonomy that is not over SIC 2007.
    UnknownCodeError
        A year the GVA table does not have.

    Notes
    -----
    The estimate and its assumption are described in the module docstring
    (:mod:`clusterplan.geography.subregional`).

    Examples
    --------
    >>> from clusterplan.warehouse import Warehouse
    >>> with Warehouse(":memory:") as wh:
    ...     table = cluster_gva(wh, taxonomy="wmca_plan_for_growth", clusters=["aerospace"], year=2021)
    >>> row = table[table["area_code"] == "K03000001"].iloc[0]
    >>> int(row["mix_year"]), row["gva_rows"]
    (2021, 'CK-CL (28-30); CM (31-33)')
    """
    if level not in GVA_LEVELS:
        raise ParameterError(f"level must be one of {', '.join(GVA_LEVELS)} for GVA, not {level!r}")
    tax = resolve_taxonomy(taxonomy)
    return _cluster_gva(tax, _mapping(tax, clusters), _gva_inputs(warehouse, level, year))


def _gva_inputs(warehouse: AnyWarehouse, level: str, year: int | None) -> _GvaInputs:
    dataset = _GVA_DATASET.format(level=level)
    gva_years = _years(warehouse, dataset)
    bres_years = _years(warehouse, BRES_SUBCLASS)
    if year is None:
        common = sorted(set(gva_years) & set(bres_years))
        year = common[-1] if common else gva_years[-1]
    if int(year) not in gva_years:
        raise UnknownCodeError("year of the GVA table", str(year), [str(y) for y in gva_years])
    year = int(year)
    mix_year = min(bres_years, key=lambda y: (abs(y - year), -y))

    gva = _facts(warehouse, dataset, year)
    areas = load_areas(level)["area_code"]
    gva = gva[gva["area_code"].isin(set(areas)) & _is_gb(gva["area_code"])]
    wide = gva.pivot_table(index="area_code", columns="industry_code", values="value", aggfunc="sum")
    row_codes = sorted(wide.columns)
    contains = gva_row_divisions(row_codes)

    # Employment of every subclass in every ITL2 area (the mix), and of every GVA row.
    bres = _facts(warehouse, BRES_SUBCLASS, mix_year)
    bres = bres[bres["industry_code"].str.fullmatch(r"\d{5}")]
    bres = bres.assign(sic2_code=bres["industry_code"].str.slice(0, 2))
    row_jobs = (
        bres.merge(contains[["sic2_code", "gva_industry_code"]], on="sic2_code")
        .groupby(["area_code", "gva_industry_code"])["value"]
        .sum()
    )
    stacked = pd.Series(wide.rename_axis(columns="gva_industry_code").stack())
    long = stacked.rename("row_gva").reset_index()
    long["mix_area"] = long["area_code"].str.slice(0, 4)
    return _GvaInputs(dataset, year, mix_year, wide, sic_to_gva_rows(row_codes), bres, row_jobs, long)


def _lad_employment(warehouse: AnyWarehouse, dataset: str, year: int) -> pd.DataFrame:
    facts = warehouse.facts
    rows = facts.filter(
        (facts.dataset == dataset)
        & (facts.measure == "employment")
        & (facts.breakdown == "all")
        & (facts.classification == "sic2007")
        & (facts.year == year)
    )
    frame = rows.select("area_code", "industry_code", "value").to_pandas()
    lads = set(load_areas("lad")["area_code"])
    frame = frame[frame["area_code"].isin(lads) & frame["industry_code"].str.fullmatch(r"\d{5}")]
    return pd.DataFrame(
        {
            "area_code": frame["area_code"],
            "code": frame["industry_code"],
            "employment": frame["value"].astype(float),
            "sources": 1,
            "members": 1,
        }
    )


def cluster_employment(
    warehouse: AnyWarehouse,
    *,
    taxonomy: str | Taxonomy,
    level: str = "itl2",
    year: int | None = None,
    employment_dataset: str | None = None,
    clusters: Sequence[str] | None = None,
) -> pd.DataFrame:
    """Employment of every cluster by area, with each area's total and Great Britain's.

    Parameters
    ----------
    warehouse
        An open :class:`~clusterplan.Warehouse`.
    taxonomy
        A SIC 2007 taxonomy.
    level
        ``"itl2"`` (the embedded BRES, 40 GB areas), ``"itl3"`` (local
        employment the user imported for LADs or ITL3 areas, LADs summed to
        ITL3 areas) or ``"lad"`` (imported LAD employment as it is).
    year
        Default: the latest year of the employment dataset.
    employment_dataset
        Default ``bres_itl2_sic5`` for ITL2; for ITL3 and LADs the one imported
        dataset with local employment (an error if there are several).
    clusters
        Cluster ids or names to keep; default all.

    Returns
    -------
    pandas.DataFrame
        :data:`CLUSTER_EMPLOYMENT_COLUMNS`, one row per area and cluster, plus
        Great Britain's rows (``K03000001``, the 40 ITL2 areas of the embedded
        BRES, when it has the year; otherwise absent). ``complete`` is False
        for an ITL3 area with only some of its LADs loaded (its values are then
        NaN, not understated).

    Raises
    ------
    ParameterError
        A bad level; no local employment loaded (the message says how to load
        it); employment by SIC division rather than subclass.
    UnknownCodeError
        A year the dataset does not have.
    """
    if level not in EMPLOYMENT_LEVELS:
        raise ParameterError(f"level must be one of {', '.join(EMPLOYMENT_LEVELS)} for employment, not {level!r}")
    tax = resolve_taxonomy(taxonomy)
    mapping = _mapping(tax, clusters)
    if employment_dataset is not None:
        dataset = employment_dataset
    elif level == "itl2":
        dataset = BRES_SUBCLASS
    else:
        try:
            dataset = _default_employment_dataset(warehouse, "itl3", "subclass")
        except ParameterError as exc:
            raise ParameterError(
                f"{level.upper()} employment needs local employment data: {exc.message}", hint=_IMPORT_HINT
            ) from None
    warehouse.dataset_info(dataset)
    years = sorted(_employment_years(warehouse, dataset))
    if not years:
        raise ParameterError(f"dataset {dataset!r} has no SIC 2007 employment facts")
    year = years[-1] if year is None else int(year)
    if year not in years:
        raise UnknownCodeError(f"year of dataset {dataset}", str(year), [str(y) for y in years])
    if _code_length(warehouse, dataset) != 5:
        raise ParameterError(
            f"dataset {dataset!r} has employment by SIC division, and clusters are sets of SIC subclasses",
            hint="download BRES by 5-digit SIC 2007 subclass",
        )
    if level == "lad":
        coded = _lad_employment(warehouse, dataset, year)
    else:
        coded = _employment_by_code(warehouse, dataset, level, code_length=None, years=[year])
        coded = coded[coded["code"].str.fullmatch(r"\d{5}")]
    if coded.empty:
        raise ParameterError(
            f"dataset {dataset!r} has no employment for {level.upper()} areas or areas inside them in {year}",
            hint=_IMPORT_HINT,
        )
    coded = coded.assign(_complete=coded["sources"] >= coded["members"])
    complete = coded.groupby("area_code")["_complete"].all()
    totals = coded.groupby("area_code")["employment"].sum()
    in_clusters = mapping.merge(coded, left_on="industry_code", right_on="code")
    sums = in_clusters.groupby(["area_code", "cluster_id"])["employment"].sum()
    order = list(dict.fromkeys(mapping["cluster_id"]))
    names = mapping.drop_duplicates("cluster_id").set_index("cluster_id")["cluster_name"]
    area_codes = sorted(totals.index)
    grid = pd.MultiIndex.from_product([area_codes, order], names=["area_code", "cluster_id"])
    out = pd.DataFrame(index=grid).reset_index()
    out["employment"] = sums.reindex(grid).fillna(0.0).to_numpy()
    out["area_employment"] = out["area_code"].map(totals).to_numpy(dtype=float)
    out["complete"] = out["area_code"].map(complete).astype(bool).to_numpy()
    out.loc[~out["complete"], ["employment", "area_employment"]] = np.nan
    benchmark = _great_britain(warehouse, mapping, year, dataset, out)
    out = pd.concat([out, benchmark], ignore_index=True)
    out["cluster_name"] = out["cluster_id"].map(names)
    out["year"] = year
    out.attrs.update(employment_dataset=dataset, benchmark_dataset=BRES_SUBCLASS, taxonomy=tax.name)
    return out[CLUSTER_EMPLOYMENT_COLUMNS]


def _great_britain(
    warehouse: AnyWarehouse, mapping: pd.DataFrame, year: int, dataset: str, areas: pd.DataFrame
) -> pd.DataFrame:
    if dataset == BRES_SUBCLASS:
        gb = areas[_is_gb(areas["area_code"])].groupby("cluster_id", sort=False)[["employment", "area_employment"]]
        return gb.sum(min_count=1).reset_index().assign(area_code=GREAT_BRITAIN, complete=True)
    if year not in _employment_years(warehouse, BRES_SUBCLASS):
        return pd.DataFrame(columns=["area_code", "cluster_id", "employment", "area_employment", "complete"])
    national = _great_britain_employment(warehouse, BRES_SUBCLASS, code_length=5, years=[year])
    national = national[national["code"].str.fullmatch(r"\d{5}")]
    sums = mapping.merge(national, left_on="industry_code", right_on="code").groupby("cluster_id")["employment"].sum()
    order = list(dict.fromkeys(mapping["cluster_id"]))
    return pd.DataFrame(
        {
            "area_code": GREAT_BRITAIN,
            "cluster_id": order,
            "employment": [float(sums.get(c, 0.0)) for c in order],
            "area_employment": float(national["employment"].sum()),
            "complete": True,
        }
    )


def subregional_breakdown(
    warehouse: AnyWarehouse,
    *,
    region: str,
    taxonomy: str | Taxonomy,
    year: int | None = None,
    measure: str = "gva",
    employment_dataset: str | None = None,
) -> pd.DataFrame:
    r"""Each cluster's presence in the ITL3 areas of a region: value, shares and location quotients.

    Parameters
    ----------
    warehouse
        An open :class:`~clusterplan.Warehouse`.
    region
        An ITL2 or ITL1 area: code (``TLG3``), NUTS 2016 code (``UKG3``) or name.
    taxonomy
        A SIC 2007 taxonomy (built-in name, file or Taxonomy).
    year
        Default: for GVA the latest year BRES also has (2021); for employment
        the latest year of the local data.
    measure
        ``"gva"`` (estimated cluster GVA from the ONS ITL3 table, every GB
        area) or ``"employment"`` (local employment the user imported, LADs
        summed to ITL3 areas).
    employment_dataset
        For ``measure="employment"``: which imported dataset (default: the one
        with local employment).

    Returns
    -------
    pandas.DataFrame
        :data:`SUBREGIONAL_COLUMNS`, one row per cluster (taxonomy order) and
        ITL3 area of the region (code order):

        ``value``, ``area_total``
            The cluster's GVA (£ million) or jobs in the area, and the area's
            total over all industries (GVA excluding imputed rent).
        ``share_of_area``
            ``value / area_total``: how much of the area's economy the cluster is.
        ``share_of_region``
            ``value / region_value``: the area's part of the region's cluster.
        ``region_value``, ``region_total``
            Sums over the region's ITL3 areas.
        ``lq_region``
            Location quotient against the region.
        ``gb_value``, ``gb_total``, ``lq_gb``
            Great Britain and the location quotient against it.
        ``complete``
            False for an area with only some of its LADs loaded: its values
            are NaN, and so are the region sums and region-relative columns of
            every area (a partial region would overstate the others' shares).

    Raises
    ------
    UnknownCodeError
        An unknown region or year.
    ParameterError
        A region that is not an ITL1 or ITL2 area, an unknown measure, or
        employment without local data loaded (the message says how to load it).

    Notes
    -----
    For cluster :math:`c`, ITL3 area :math:`a` in region :math:`R`:

    .. math::

        LQ^{R}_{ca} = \frac{x_{ca} / x_a}{\sum_{b \in R} x_{cb} / \sum_{b \in R} x_b}, \qquad
        LQ^{GB}_{ca} = \frac{x_{ca} / x_a}{X_c / X}

    with :math:`x` GVA or employment. The GVA estimate apportions GVA rows by
    the ITL2 employment mix (module docstring), so an ITL3 area's cluster
    share differs from its ITL2 area's only through the area's mix of GVA
    rows; read GVA-based presence as the presence of the cluster's sectors.

    Examples
    --------
    >>> from clusterplan.warehouse import Warehouse
    >>> with Warehouse(":memory:") as wh:
    ...     table = subregional_breakdown(wh, region="TLG3", taxonomy="wmca_plan_for_growth", year=2021)
    >>> sorted(table["area_code"].unique())
    ['TLG31', 'TLG32', 'TLG33', 'TLG36', 'TLG37', 'TLG38', 'TLG39']
    >>> aerospace = table[table["cluster_id"] == "aerospace"]
    >>> round(float(aerospace["share_of_region"].sum()), 6)
    1.0
    """
    if measure not in _UNITS:
        raise ParameterError(f"measure must be 'gva' or 'employment', not {measure!r}")
    region_code = resolve_area_code(region)
    areas = load_areas()
    levels = dict(zip(areas["area_code"], areas["area_level"], strict=True))
    if levels.get(region_code) not in ("itl1", "itl2"):
        raise ParameterError(
            f"region {region_code} is a {levels.get(region_code)}; the sub-regional breakdown is by the ITL3 areas "
            "of an ITL1 or ITL2 area",
            hint="pass an ITL2 code such as TLG3",
        )
    names = dict(zip(areas["area_code"], areas["area_name"], strict=True))
    itl3 = sorted(c for c in load_areas("itl3")["area_code"] if c.startswith(region_code))
    if measure == "gva":
        table = cluster_gva(warehouse, taxonomy=taxonomy, level="itl3", year=year)
        table = table.rename(columns={"gva_gbp_million": "value", "area_gva_gbp_million": "area_total"})
        table["complete"] = True
    else:
        table = cluster_employment(
            warehouse, taxonomy=taxonomy, level="itl3", year=year, employment_dataset=employment_dataset
        )
        table = table.rename(columns={"employment": "value", "area_employment": "area_total"})
        if not table["area_code"].isin(itl3).any():
            raise ParameterError(
                f"the local employment data ({table.attrs.get('employment_dataset')}) cover none of the ITL3 areas "
                f"of {region_code} ({', '.join(itl3)})",
                hint=_IMPORT_HINT,
            )
    attrs = dict(table.attrs)
    gb = table[table["area_code"] == GREAT_BRITAIN].set_index("cluster_id")
    order = list(dict.fromkeys(table["cluster_id"]))
    cluster_names = table.drop_duplicates("cluster_id").set_index("cluster_id")["cluster_name"]
    grid = pd.MultiIndex.from_product([order, itl3], names=["cluster_id", "area_code"])
    local = table[table["area_code"].isin(itl3)].set_index(["cluster_id", "area_code"])
    out = pd.DataFrame(index=grid).reset_index()
    for column in ("value", "area_total"):
        out[column] = local[column].reindex(grid).to_numpy(dtype=float)
    out["complete"] = local["complete"].reindex(grid).fillna(False).astype(bool).to_numpy()
    out.loc[~out["complete"], ["value", "area_total"]] = np.nan
    whole_region = bool(out["complete"].all())
    region_sums = out.groupby("cluster_id", sort=False)[["value", "area_total"]].sum(min_count=1)
    out["region_value"] = out["cluster_id"].map(region_sums["value"]) if whole_region else np.nan
    out["region_total"] = out["cluster_id"].map(region_sums["area_total"]) if whole_region else np.nan
    out["gb_value"] = out["cluster_id"].map(gb["value"]) if not gb.empty else np.nan
    out["gb_total"] = out["cluster_id"].map(gb["area_total"]) if not gb.empty else np.nan
    with np.errstate(divide="ignore", invalid="ignore"):
        out["share_of_area"] = _ratio(out["value"], out["area_total"])
        out["share_of_region"] = _ratio(out["value"], out["region_value"])
        out["lq_region"] = _ratio(out["share_of_area"], _ratio(out["region_value"], out["region_total"]))
        out["lq_gb"] = _ratio(out["share_of_area"], _ratio(out["gb_value"], out["gb_total"]))
    out["region_code"] = region_code
    out["region_name"] = names.get(region_code, region_code)
    out["cluster_name"] = out["cluster_id"].map(cluster_names)
    out["area_name"] = out["area_code"].map(names)
    out["year"] = int(table["year"].iloc[0])
    out["measure"] = measure
    out["unit"] = _UNITS[measure]
    out = out[SUBREGIONAL_COLUMNS]
    out.attrs.update(attrs)
    out.attrs["region_complete"] = whole_region
    return out
