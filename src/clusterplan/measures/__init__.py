"""Competitiveness measures, one concept per module.

=====================  ===========================================================
``employment``         industry rows summed to clusters and areas (Ibis)
``panel``              the area x unit x year panel with shares and LQs (Ibis)
``location_quotient``  the location quotient and its bounds under rounding
``growth``             compound annual growth and absolute change
``shift_share``        classic, Esteban-Marquillas and dynamic shift-share
``specialisation``     Hoover, Krugman, locational Gini, Herfindahl
``strength``           US Cluster Mapping strong clusters, Cluster Observatory stars
``cluster_mapping``    the US Cluster Mapping portal's measures (traded LQ, ranks, strong)
``ranks``              ranks and percentiles across areas, and their change
``productivity``       GVA per job from ONS regional GVA and BRES
``withheld``           CBP cells withheld for fewer than 3 establishments, rebuilt and bounded
``traded``             traded and local industries, and how much of the data a taxonomy's clusters cover
=====================  ===========================================================
"""

from .cluster_mapping import cluster_mapping_portal
from .growth import absolute_change, compound_annual_growth_rate
from .location_quotient import (
    location_quotient,
    location_quotient_interval,
    location_quotient_interval_panel,
    published_value_bounds,
)
from .panel import measure_panel
from .productivity import sic_to_gva_rows
from .ranks import measure_ranks, rank_change
from .shift_share import dynamic_shift_share, esteban_marquillas, shift_share
from .specialisation import (
    herfindahl,
    hoover_localisation,
    hoover_specialisation,
    krugman_dissimilarity,
    krugman_specialisation,
    locational_gini,
)
from .strength import cluster_mapping_strength, cluster_observatory_stars
from .withheld import reconstruct_withheld_cells, withheld_employment_bounds, withheld_lq_interval

__all__ = [
    "absolute_change",
    "cluster_mapping_portal",
    "cluster_mapping_strength",
    "cluster_observatory_stars",
    "compound_annual_growth_rate",
    "dynamic_shift_share",
    "esteban_marquillas",
    "herfindahl",
    "hoover_localisation",
    "hoover_specialisation",
    "krugman_dissimilarity",
    "krugman_specialisation",
    "location_quotient",
    "location_quotient_interval",
    "location_quotient_interval_panel",
    "locational_gini",
    "measure_panel",
    "measure_ranks",
    "published_value_bounds",
    "rank_change",
    "reconstruct_withheld_cells",
    "shift_share",
    "sic_to_gva_rows",
    "withheld_employment_bounds",
    "withheld_lq_interval",
]
