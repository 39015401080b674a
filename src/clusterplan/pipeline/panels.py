"""Employment and GVA panels of every area, read from the warehouse: the series the scenarios' baselines,
backtests and calibration are fitted to (the maths is in :mod:`clusterplan.scenarios`).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from .._cache import memoised
from .._exceptions import ParameterError, UnknownCodeError
from ..datasets import BRES_SUBCLASS, dataset_profile
from ..measures.employment import industry_facts, memtable
from ..measures.panel import measure_panel
from ..measures.productivity import map_sic_codes, sic_to_gva_rows
from ..taxonomy import Taxonomy, load_taxonomy
from .profile import AnyWarehouse

__all__ = [
    "cluster_employment_panel",
    "cluster_gva_panel",
    "industry_employment_arrays",
    "industry_employment_panel",
]


def _taxonomy(taxonomy: str | Taxonomy | None, default: str) -> Taxonomy:
    return taxonomy if isinstance(taxonomy, Taxonomy) else load_taxonomy(taxonomy or default)


def _subclass_codes(warehouse: AnyWarehouse, dataset: str, classification: str, level: str) -> list[str]:
    return warehouse.fact_industry_codes(dataset, measure="employment", level=(classification, level))


def _require_series(warehouse: AnyWarehouse, dataset: str) -> list[int]:
    years = warehouse.fact_years(dataset, measure="employment")
    if len(years) < 2:
        shown = ", ".join(map(str, years)) or "none"
        raise ParameterError(
            f"a baseline forecast and backtest need a time series of employment, and dataset {dataset!r} has "
            f"one year ({shown})",
            hint="import County Business Patterns for more years (clusterplan data import FILE --format cbp) and "
            "use that dataset, or use a GB region (BRES 2015-2021)",
        )
    return years


def industry_employment_panel(warehouse: AnyWarehouse, dataset: str = "bres_itl2_sic5") -> pd.DataFrame:
    """Employment of every industry code at the dataset's finest level, in every area and year.

    Returns
    -------
    pandas.DataFrame
        ``area_code, industry_code, year, value`` (jobs); a code not reported
        in an area and year is absent (BRES: no one employed).

    Raises
    ------
    ParameterError
        The dataset has a single year.
    """
    frame = pd.DataFrame(industry_employment_arrays(warehouse, dataset))
    frame.attrs.update(dataset=dataset)
    return frame


def industry_employment_arrays(warehouse: AnyWarehouse, dataset: str) -> dict[str, np.ndarray]:
    """:func:`industry_employment_panel` as NumPy arrays by column (no DataFrame: the backtest's fast path)."""
    profile = dataset_profile(dataset)
    _require_series(warehouse, dataset)
    frame = warehouse.facts_frame(dataset, measure="employment", level=(profile.classification, profile.unit_level))
    return {str(k): frame[k].to_numpy() for k in frame.columns}


def cluster_employment_panel(
    warehouse: AnyWarehouse,
    taxonomy: str | Taxonomy | None = None,
    *,
    dataset: str = BRES_SUBCLASS,
) -> pd.DataFrame:
    """Employment of every cluster in every area and year, with each area's all-industry total.

    Parameters
    ----------
    warehouse
        An open warehouse.
    taxonomy
        Cluster definitions (name, file or :class:`~clusterplan.taxonomy.Taxonomy`);
        default the dataset's default taxonomy.
    dataset
        An employment dataset of :data:`clusterplan.datasets.DATASET_PROFILES`
        with at least two years (BRES ITL2; the embedded CBP has one year).

    Returns
    -------
    pandas.DataFrame
        ``area_code, unit_code`` (cluster id), ``year, value`` (jobs),
        ``area_total`` (all industries) and ``cluster_name``.

    Raises
    ------
    ParameterError
        The dataset has a single year (no time series to forecast from).
    """
    # Every region's scenarios and backtest read the same panel: once per data version.
    return memoised(
        warehouse,
        ("cluster_employment_panel", taxonomy, dataset),
        lambda: _employment_panel(warehouse, taxonomy, dataset),
        persist=True,
    )


def _employment_panel(warehouse: AnyWarehouse, taxonomy: str | Taxonomy | None, dataset: str) -> pd.DataFrame:

    profile = dataset_profile(dataset)
    _require_series(warehouse, dataset)
    tax = _taxonomy(taxonomy, profile.default_taxonomy)
    codes = _subclass_codes(warehouse, dataset, profile.classification, profile.unit_level)
    mapping = tax.mapping(codes, strict=profile.geography == "uk")
    rows = industry_facts(warehouse.facts, dataset=dataset)
    dims = warehouse.table("industries")
    unit_codes = dims.filter(
        (dims.classification == profile.classification) & (dims.industry_level == profile.unit_level)
    ).select("industry_code")
    units = rows.semi_join(unit_codes.distinct(), rows.industry_code == unit_codes.industry_code)
    totals_from = units if profile.total_code is None else rows.filter(rows.industry_code == profile.total_code)
    panel = measure_panel(
        units,
        memtable(mapping[["cluster_id", "industry_code"]]),
        total_rows=totals_from,
        complete=profile.absent_is_zero,
    ).to_pandas()
    names = {c.id: c.name for c in tax.clusters}
    out = pd.DataFrame(
        {
            "area_code": panel["area_code"].astype(str),
            "unit_code": panel["unit_code"].astype(str),
            "year": panel["year"].astype(int),
            "value": panel["employment"].astype(float),
            "area_total": panel["area_total"].astype(float),
        }
    )
    out["cluster_name"] = out["unit_code"].map(names)
    order = {c.id: i for i, c in enumerate(tax.clusters)}
    out = out.sort_values(
        ["area_code", "unit_code", "year"], key=lambda s: s.map(order) if s.name == "unit_code" else s
    )
    out.attrs.update(dataset=dataset, taxonomy=tax.name, measure="employment", unit="jobs")
    return out.reset_index(drop=True)


def cluster_gva_panel(
    warehouse: AnyWarehouse,
    taxonomy: str | Taxonomy | None = None,
    *,
    prices: str = "chained_volume",
    weight_year: int | None = None,
    areas: Sequence[str] | None = None,
) -> pd.DataFrame:
    r"""GVA of every cluster in every GB ITL2 area, 1998 onwards, apportioned from ONS industry rows.

    Parameters
    ----------
    taxonomy
        SIC 2007 cluster definitions (default ``wmca_plan_for_growth``).
    prices
        ``"chained_volume"`` (2019 money, 1998-2021) or ``"current"`` (1998-2022).
    weight_year
        BRES year whose employment apportions each GVA row to clusters
        (default the latest).
    areas
        Only these ITL2 areas (default all); one region's series cost a
        fraction of the forty.

    Returns
    -------
    pandas.DataFrame
        ``area_code, unit_code, year, value`` (£ million), ``area_total``
        (all-industry GVA excluding owner-occupiers' imputed rental) and
        ``cluster_name``, for the 40 GB ITL2 areas.

    Notes
    -----
    Each SIC subclass belongs to the finest GVA row containing its division
    (:func:`clusterplan.measures.productivity.sic_to_gva_rows`). A cluster
    gets each row's GVA in proportion to its share of the row's employment in
    the area in *weight_year*, the same share in every year:

    .. math::

        GVA_{crt} = \sum_g \frac{e_{c \cap g, r}}{e_{g r}} \, GVA_{grt}

    so the cluster's series moves with the GVA of the rows it draws on, a
    long (1998-) series to test forecast methods on. Chained-volume GVA is
    not additive across rows: the sums are approximations, exact in 2019.
    """
    # Every region's scenarios (comparators' GVA per job) and the backtest read the same panel: once per data
    # version.
    key = ("cluster_gva_panel", taxonomy, prices, weight_year, tuple(areas) if areas is not None else None)
    return memoised(warehouse, key, lambda: _gva_panel(warehouse, taxonomy, prices, weight_year, areas), persist=True)


def _gva_panel(
    warehouse: AnyWarehouse,
    taxonomy: str | Taxonomy | None,
    prices: str,
    weight_year: int | None,
    areas: Sequence[str] | None,
) -> pd.DataFrame:

    if prices not in ("chained_volume", "current"):
        raise ParameterError(f"prices must be 'chained_volume' or 'current', not {prices!r}")
    dataset = f"gva_itl2_{'chained_volume' if prices == 'chained_volume' else 'current_prices'}"
    warehouse.dataset_info(dataset)
    tax = _taxonomy(taxonomy, "wmca_plan_for_growth")
    if tax.classification != "sic2007":
        raise ParameterError(f"the GVA series need a SIC 2007 taxonomy; {tax.name!r} is {tax.classification}")
    chosen = [str(a) for a in areas] if areas is not None else None
    gva = warehouse.facts_frame(dataset, breakdown="all", areas=chosen)
    gva = gva[~gva["area_code"].str.startswith("TLN")]
    bres_years = _require_series(warehouse, BRES_SUBCLASS)
    year = bres_years[-1] if weight_year is None else int(weight_year)
    if year not in bres_years:
        raise UnknownCodeError("weight year", str(year), [str(y) for y in bres_years])
    jobs = warehouse.facts_frame(
        BRES_SUBCLASS,
        ("area_code", "industry_code", "value"),
        measure="employment",
        year=year,
        code_length=5,
        areas=chosen,
    )
    # Every code of the data (not only the chosen areas') validates the taxonomy and maps codes to GVA rows.
    all_codes = warehouse.fact_industry_codes(BRES_SUBCLASS, measure="employment", year=year, code_length=5)
    rows = sic_to_gva_rows(sorted(gva["industry_code"].unique()))
    code_rows = map_sic_codes(all_codes, rows).set_index("sic_code")["gva_industry_code"]
    jobs["gva_row"] = jobs["industry_code"].map(code_rows)
    row_jobs = jobs.groupby(["area_code", "gva_row"])["value"].sum()
    mapping = tax.mapping(all_codes)
    cluster_jobs = jobs.merge(mapping[["cluster_id", "industry_code"]], on="industry_code")
    shares = cluster_jobs.groupby(["area_code", "cluster_id", "gva_row"])["value"].sum().reset_index()
    denominators = row_jobs.reindex(pd.MultiIndex.from_arrays([shares["area_code"], shares["gva_row"]])).to_numpy()
    with np.errstate(divide="ignore", invalid="ignore"):
        shares["weight"] = np.where(denominators > 0, shares["value"].to_numpy() / denominators, 0.0)
    joined = shares.merge(
        gva.rename(columns={"industry_code": "gva_row", "value": "gva"}), on=["area_code", "gva_row"], how="inner"
    )
    joined["part"] = joined["weight"] * joined["gva"]
    series = joined.groupby(["area_code", "cluster_id", "year"])["part"].sum().reset_index()
    total = gva[gva["industry_code"] == "Total"].set_index(["area_code", "year"])["value"]
    rent = gva[gva["industry_code"] == "68IMP"].set_index(["area_code", "year"])["value"]
    area_total = total.sub(rent.reindex(total.index).fillna(0.0))
    keys = pd.MultiIndex.from_arrays([series["area_code"], series["year"]])
    names = {c.id: c.name for c in tax.clusters}
    out = pd.DataFrame(
        {
            "area_code": series["area_code"].astype(str),
            "unit_code": series["cluster_id"].astype(str),
            "year": series["year"].astype(int),
            "value": series["part"].astype(float),
            "area_total": area_total.reindex(keys).to_numpy(dtype=float),
        }
    )
    # The distinct codes, not a Python set built by iterating every job row (58k Arrow strings).
    out = out[out["area_code"].isin(jobs["area_code"].unique())]
    out["cluster_name"] = out["unit_code"].map(names)
    out.attrs.update(dataset=dataset, taxonomy=tax.name, measure=f"gva_{prices}", unit="gbp_million", weight_year=year)
    return out.sort_values(["area_code", "unit_code", "year"]).reset_index(drop=True)


# -- user-supplied baseline -------------------------------------------------------------------------------------------
