"""Where clusters sit: the sub-regional breakdown, spatial hotspots and firm-level agglomerations.

=================  =====================================================================
``subregional``    each cluster's GVA or employment in the ITL3 areas of a region, shares
                   and location quotients against the region and Great Britain
``hotspots``       global Moran's I, LISA and Getis-Ord Gi* across GB areas (PySAL), with
                   a GeoJSON layer (the static SVG map: :mod:`clusterplan.report`)
``firms``          firms located by postcode, DBSCAN/HDBSCAN agglomerations, the
                   Duranton-Overman localisation test, area x SIC x year firm panels
=================  =====================================================================
"""

from .firms import (
    FirmMatchReport,
    LocalisationResult,
    active_at_year_end,
    agglomerations_geojson,
    duranton_overman,
    firm_agglomerations,
    firm_match_summary,
    firm_panel,
    firm_panel_facts,
    firms_in_codes,
    k_density,
    locate_firms,
)
from .hotspots import (
    HOTSPOT_COLUMNS,
    ContiguityWeights,
    HotspotResult,
    benjamini_hochberg,
    contiguity_weights,
    spatial_autocorrelation,
)
from .subregional import SUBREGIONAL_COLUMNS, resolve_cluster, resolve_taxonomy

__all__ = [
    "HOTSPOT_COLUMNS",
    "SUBREGIONAL_COLUMNS",
    "ContiguityWeights",
    "FirmMatchReport",
    "HotspotResult",
    "LocalisationResult",
    "active_at_year_end",
    "agglomerations_geojson",
    "benjamini_hochberg",
    "contiguity_weights",
    "duranton_overman",
    "firm_agglomerations",
    "firm_match_summary",
    "firm_panel",
    "firm_panel_facts",
    "firms_in_codes",
    "k_density",
    "locate_firms",
    "resolve_cluster",
    "resolve_taxonomy",
    "spatial_autocorrelation",
]
