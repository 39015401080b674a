"""Where clusters sit on the map, for the command line and the web app: boundaries, sub-regions and hotspots.

Each function takes a warehouse (or, for shapes, nothing) and the user's
choices, and returns what :mod:`clusterplan.geography` computes from them.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from ..geography.hotspots import HotspotResult
from ..regions import contiguous_cbsas
from ..sources.ons_geography import load_boundaries
from .hotspots import hotspots
from .profile import AnyWarehouse
from .subregional import subregional_breakdown

__all__ = ["DEFAULT_HOTSPOT_TAXONOMIES", "area_boundaries", "cluster_hotspots", "region_subregions"]

#: The taxonomy hotspots map when none is named: the US Cluster Mapping traded clusters across CBSAs, the WMCA
#: clusters across GB areas.
DEFAULT_HOTSPOT_TAXONOMIES = {"cbsa": "us_cmp_traded_2014", "gb": "wmca_plan_for_growth"}


def area_boundaries(level: str) -> dict[str, Any]:
    """Area shapes of *level* as a GeoJSON FeatureCollection (WGS84), US CBSAs of the contiguous states only.

    Alaska, Hawaii and Puerto Rico would shrink a map of the United States to a corner, so ``cbsa`` keeps the
    CBSAs of the contiguous states (:func:`clusterplan.regions.contiguous_cbsas`).
    """
    shapes = load_boundaries(level)
    if level == "cbsa":
        keep = contiguous_cbsas()
        shapes = {**shapes, "features": [f for f in shapes["features"] if f["properties"]["code"] in keep]}
    return shapes


def region_subregions(
    warehouse: AnyWarehouse,
    *,
    region: str,
    taxonomy: str,
    year: int | None = None,
    measure: str = "gva",
    cluster: str | None = None,
) -> pd.DataFrame:
    """Each cluster's value, shares and LQs in the ITL3 areas of a GB region (one cluster when *cluster* is
    given); the table's ``attrs`` carry the datasets and years used (see
    :func:`clusterplan.pipeline.subregional.subregional_breakdown`)."""
    table = subregional_breakdown(warehouse, region=region, taxonomy=taxonomy, year=year, measure=measure)
    if cluster is not None:
        attrs = dict(table.attrs)
        table = table[table["cluster_id"] == cluster]
        table.attrs = attrs
    return table


def cluster_hotspots(
    warehouse: AnyWarehouse,
    *,
    measure: str,
    cluster: str,
    taxonomy: str | None = None,
    level: str = "itl3",
    **options: Any,
) -> HotspotResult:
    """Moran's I, LISA and Getis-Ord Gi* of one cluster measure across the areas of *level*
    (:func:`clusterplan.pipeline.hotspots.hotspots`, which takes *options*: year, permutations, seed, alpha,
    islands, employment_dataset, cells: the County Business Patterns cells of US CBSAs, reconstructed or
    published); *taxonomy* defaults to :data:`DEFAULT_HOTSPOT_TAXONOMIES` of the level."""
    chosen = taxonomy or DEFAULT_HOTSPOT_TAXONOMIES["cbsa" if level == "cbsa" else "gb"]
    return hotspots(warehouse, measure=measure, cluster=cluster, taxonomy=chosen, level=level, **options)
