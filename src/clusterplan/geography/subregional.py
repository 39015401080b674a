r"""Where a region's clusters sit: each cluster's presence in the ITL3 areas of a region.

Two measures of presence, from two sources:

* **GVA** (``measure="gva"``), for every ITL3 area of Great Britain, from the
  ONS *Regional gross value added (balanced) by industry* table for ITL3 areas
  (``gva_itl3_current_prices``, £ million at current prices). The table has 64
  industry rows, not SIC subclasses, so a cluster's GVA is *estimated* (see
  :func:`cluster_gva`).
* **Employment** (``measure="employment"``) wherever the user has loaded
  local employment (BRES for local authority districts or ITL3 areas by SIC
  2007 subclass, e.g. ``clusterplan data import FILE --format nomis``): LADs
  are summed to ITL3 areas with the LAD → ITL3 lookup, and an ITL3 area
  missing one of its LADs is reported as incomplete rather than understated.

For each cluster and ITL3 area :func:`subregional_breakdown` gives the value,
the area's share of the region's cluster, the cluster's share of the area's
economy, and location quotients against the region and against Great Britain.

Apportioning GVA rows to clusters
---------------------------------
A cluster :math:`c` is a set of SIC 2007 subclasses :math:`i`; each subclass
lies in the finest GVA row :math:`g(i)` containing its division
(:func:`~clusterplan.measures.productivity.sic_to_gva_rows`; in the ITL3 table
manufacturing is split no finer than sub-sections such as ``CK-CL (28-30)``).
ITL3 areas have no published employment by subclass, so the cluster's part of
each row is taken from the employment mix of the ITL2 area :math:`p(a)` that
contains the ITL3 area :math:`a` (embedded BRES, ``bres_itl2_sic5``):

.. math::

    GVA_{ca} = \sum_{g} GVA_{ga}\, w_{cg\,p(a)}, \qquad
    w_{cgp} = \frac{\sum_{i \in c,\, g(i) = g} e_{ip}}{\sum_{i \in g} e_{ip}}

with :math:`e_{ip}` BRES employment and the denominator summed over every
subclass of every division the row covers. At ITL2 (:math:`p(a) = a`) this is
exactly the estimate of
:func:`~clusterplan.pipeline.productivity.cluster_productivity` (each subclass
takes its row's GVA per job). The assumption is that, within an ITL2 area, a
cluster holds the same share of a row's GVA in every ITL3 area; it is weakest
where a row is broad (sub-sections of manufacturing) and a cluster is a small
part of it. Imputed rent (row ``68IMP``) is never apportioned: division 68
uses row ``68`` and area totals exclude ``68IMP``. BRES covers 2015-2021; for
other GVA years the nearest BRES year supplies the mix (``mix_year``).

References
----------
Office for National Statistics (2024). *Regional gross value added (balanced)
by industry: all ITL regions*, release of 24 April 2024.

Office for National Statistics. *Business Register and Employment Survey*
(NOMIS dataset NM_189_1).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from .._exceptions import ParameterError, UnknownCodeError
from ..datasets import BRES_SUBCLASS
from ..measures.productivity import (
    IMPUTED_RENT,
    map_sic_codes,
)
from ..regions import GREAT_BRITAIN
from ..taxonomy import Taxonomy, load_taxonomy, sic2007_codes

__all__ = [
    "CLUSTER_EMPLOYMENT_COLUMNS",
    "CLUSTER_GVA_COLUMNS",
    "EMPLOYMENT_LEVELS",
    "GVA_LEVELS",
    "SUBREGIONAL_COLUMNS",
    "resolve_cluster",
    "resolve_taxonomy",
]

#: Area levels :func:`cluster_gva` knows (the ONS GVA tables with ITL2 areas inside).
GVA_LEVELS = ("itl2", "itl3")
#: Area levels :func:`cluster_employment` knows.
EMPLOYMENT_LEVELS = ("itl2", "itl3", "lad")

#: Columns of :func:`cluster_gva`.
CLUSTER_GVA_COLUMNS = [
    "area_code",
    "cluster_id",
    "cluster_name",
    "year",
    "mix_year",
    "gva_gbp_million",
    "area_gva_gbp_million",
    "gva_rows",
]
#: Columns of :func:`cluster_employment`.
CLUSTER_EMPLOYMENT_COLUMNS = [
    "area_code",
    "cluster_id",
    "cluster_name",
    "year",
    "employment",
    "area_employment",
    "complete",
]
#: Columns of :func:`subregional_breakdown`.
SUBREGIONAL_COLUMNS = [
    "region_code",
    "region_name",
    "cluster_id",
    "cluster_name",
    "area_code",
    "area_name",
    "year",
    "measure",
    "unit",
    "value",
    "area_total",
    "share_of_area",
    "share_of_region",
    "region_value",
    "region_total",
    "lq_region",
    "gb_value",
    "gb_total",
    "lq_gb",
    "complete",
]

_GVA_DATASET = "gva_{level}_current_prices"
_UNITS = {"gva": "gbp_million", "employment": "jobs"}
_IMPORT_HINT = (
    "download BRES employment for local authority districts by SIC 2007 subclass from NOMIS and load it with "
    "`clusterplan data import FILE --format nomis`, or use measure='gva'"
)


# -- taxonomy helpers ----------------------------------------------------------------------------------------------
def resolve_taxonomy(taxonomy: str | Taxonomy) -> Taxonomy:
    """A :class:`~clusterplan.taxonomy.Taxonomy` from a built-in name, a file path or a taxonomy; SIC 2007 only.

    Raises
    ------
    ParameterError
        The taxonomy is not over SIC 2007 (the UK sources are).
    """
    loaded = taxonomy if isinstance(taxonomy, Taxonomy) else load_taxonomy(taxonomy)
    if loaded.classification != "sic2007":
        raise ParameterError(
            f"taxonomy {loaded.name!r} is over {loaded.classification}; the UK geography needs a SIC 2007 taxonomy",
            hint="choose a SIC 2007 taxonomy such as wmca_plan_for_growth or uk_industrial_strategy_is8",
        )
    return loaded


def resolve_cluster(taxonomy: Taxonomy, cluster: str) -> str:
    """The id of a cluster given its id or its name (any case).

    Examples
    --------
    >>> from clusterplan.taxonomy import load_taxonomy
    >>> resolve_cluster(load_taxonomy("wmca_plan_for_growth"), "Aerospace")
    'aerospace'
    """
    text = str(cluster).strip()
    for item in taxonomy.clusters:
        if text == item.id or text.casefold() == item.name.casefold() or text.casefold() == item.id.casefold():
            return item.id
    raise UnknownCodeError(f"cluster of {taxonomy.name}", text, list(taxonomy.cluster_ids))


def _mapping(taxonomy: Taxonomy, clusters: Sequence[str] | None) -> pd.DataFrame:
    mapping = taxonomy.mapping(sic2007_codes())
    if clusters is not None:
        wanted = [resolve_cluster(taxonomy, c) for c in clusters]
        mapping = mapping[mapping["cluster_id"].isin(wanted)]
    return mapping.reset_index(drop=True)


def _is_gb(codes: pd.Series) -> np.ndarray:
    """True for Great Britain's areas: not Northern Ireland (ITL ``TLN``, GSS ``N...``)."""
    text = codes.astype(str)
    return (~text.str.startswith("TLN") & ~text.str.startswith("N")).to_numpy()


# -- cluster GVA -----------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _GvaInputs:
    """What :func:`cluster_gva` needs whatever the clusters: read and shaped once, then estimate many."""

    dataset: str
    year: int
    mix_year: int
    wide: pd.DataFrame  # GVA by GB area x GVA row
    finest: Any  # SIC code -> finest GVA row
    bres: pd.DataFrame  # the employment mix: subclass employment by ITL2 area
    row_jobs: pd.Series  # employment of every GVA row in every ITL2 area
    long: pd.DataFrame  # GVA by area and row, with the area's ITL2 area (the mix area)


def _cluster_gva(tax: Taxonomy, mapping: pd.DataFrame, inputs: _GvaInputs) -> pd.DataFrame:
    dataset, year, mix_year = inputs.dataset, inputs.year, inputs.mix_year
    wide, finest, bres, row_jobs = inputs.wide, inputs.finest, inputs.bres, inputs.row_jobs
    rows = map_sic_codes(mapping["industry_code"], finest)
    coded = mapping.assign(gva_industry_code=rows["gva_industry_code"].to_numpy())
    in_cluster = (
        coded.merge(bres, on="industry_code").groupby(["cluster_id", "area_code", "gva_industry_code"])["value"].sum()
    )
    share = (in_cluster / row_jobs.reindex(in_cluster.droplevel("cluster_id").index).to_numpy()).fillna(0.0)
    share = share.rename("weight").reset_index().rename(columns={"area_code": "mix_area"})

    joined = inputs.long.merge(share, on=["mix_area", "gva_industry_code"])
    joined["gva"] = joined["row_gva"] * joined["weight"]
    estimate = joined.groupby(["area_code", "cluster_id"])["gva"].sum()

    total = wide["Total"] - (wide[IMPUTED_RENT] if IMPUTED_RENT in wide.columns else 0.0)
    order = list(dict.fromkeys(mapping["cluster_id"]))
    names = mapping.drop_duplicates("cluster_id").set_index("cluster_id")["cluster_name"]
    grid = pd.MultiIndex.from_product([sorted(wide.index), order], names=["area_code", "cluster_id"])
    out = pd.DataFrame(index=grid).reset_index()
    out["gva_gbp_million"] = estimate.reindex(grid).fillna(0.0).to_numpy()
    out["area_gva_gbp_million"] = out["area_code"].map(total).to_numpy(dtype=float)
    gb = out.groupby("cluster_id", sort=False)[["gva_gbp_million", "area_gva_gbp_million"]].sum().reset_index()
    out = pd.concat([out, gb.assign(area_code=GREAT_BRITAIN)], ignore_index=True)
    used = coded.groupby("cluster_id")["gva_industry_code"].agg(lambda s: "; ".join(sorted(set(s))))
    out["cluster_name"] = out["cluster_id"].map(names)
    out["year"] = year
    out["mix_year"] = mix_year
    out["gva_rows"] = out["cluster_id"].map(used)
    out.attrs.update(gva_dataset=dataset, mix_dataset=BRES_SUBCLASS, mix_year=mix_year, taxonomy=tax.name)
    return out[CLUSTER_GVA_COLUMNS]


def _ratio(numerator: Any, denominator: Any) -> np.ndarray:
    top = np.asarray(numerator, dtype=float)
    bottom = np.asarray(denominator, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        result = top / bottom
    return np.where(np.isfinite(result), result, np.nan)
