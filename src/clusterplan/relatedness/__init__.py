"""Relatedness, economic complexity and growth opportunities.

==========================  =========================================================================================
``colocation``              RCA, presence, co-occurrence and co-location proximity (Hidalgo; EconGeo; LQ correlation)
``locational_correlation``  locational correlation of employment, industries and clusters (DPS 2016)
``input_output``            industry relatedness from input-output links (Delgado, Porter and Stern, 2016)
``complexity``              relatedness density, ECI/PCI, complexity outlook and outlook gain
``opportunities``           feasibility against attractiveness, quadrants, nascent clusters, related clusters
==========================  =========================================================================================

The one-call entry point is :func:`clusterplan.relatedness.complexity.complexity` (the function, re-exported as
``clusterplan.complexity``); ``clusterplan.relatedness.complexity`` itself stays the module so that
``import clusterplan.relatedness.complexity`` keeps meaning the module.
"""

from .colocation import (
    CO_OCCURRENCE_NORMALISATIONS,
    PROXIMITY_METHODS,
    activity_matrix,
    co_occurrence,
    industry_proximity,
    lq_correlation,
    minimum_conditional_probability,
    normalised_co_occurrence,
    presence_matrix,
    proximity_pairs,
    revealed_comparative_advantage,
)
from .complexity import (
    ComplexityResult,
    complexity_outlook,
    complexity_outlook_gain,
    economic_complexity,
    method_of_reflections,
    relatedness_density,
)
from .input_output import (
    BEA_SUMMARY_NAICS,
    IO_BASES,
    io_link_table,
    io_relatedness,
    map_io_relatedness,
    naics_bea_industries,
    sic_io_industries,
)
from .locational_correlation import (
    LOCATIONAL_TRANSFORMS,
    between_cluster_relatedness,
    cluster_locational_correlation,
    employment_location_quotients,
    locational_correlation,
)
from .opportunities import (
    COLOCATION_MEASURES,
    DEFAULT_ATTRACTIVENESS_WEIGHTS,
    QUADRANTS,
    RELATED_CLUSTER_COLUMNS,
    Opportunities,
    attractiveness_index,
    cluster_colocation,
    cluster_io_links,
    cluster_opportunities,
    industry_opportunities,
    nascent_candidates,
    opportunity_tables,
    quadrant,
    related_clusters,
)

__all__ = [
    "BEA_SUMMARY_NAICS",
    "COLOCATION_MEASURES",
    "CO_OCCURRENCE_NORMALISATIONS",
    "DEFAULT_ATTRACTIVENESS_WEIGHTS",
    "IO_BASES",
    "LOCATIONAL_TRANSFORMS",
    "PROXIMITY_METHODS",
    "QUADRANTS",
    "RELATED_CLUSTER_COLUMNS",
    "ComplexityResult",
    "Opportunities",
    "activity_matrix",
    "attractiveness_index",
    "between_cluster_relatedness",
    "cluster_colocation",
    "cluster_io_links",
    "cluster_locational_correlation",
    "cluster_opportunities",
    "co_occurrence",
    "complexity_outlook",
    "complexity_outlook_gain",
    "economic_complexity",
    "employment_location_quotients",
    "industry_opportunities",
    "industry_proximity",
    "io_link_table",
    "io_relatedness",
    "locational_correlation",
    "lq_correlation",
    "map_io_relatedness",
    "method_of_reflections",
    "minimum_conditional_probability",
    "naics_bea_industries",
    "nascent_candidates",
    "normalised_co_occurrence",
    "opportunity_tables",
    "presence_matrix",
    "proximity_pairs",
    "quadrant",
    "related_clusters",
    "relatedness_density",
    "revealed_comparative_advantage",
    "sic_io_industries",
]
