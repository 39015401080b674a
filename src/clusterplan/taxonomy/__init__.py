"""Cluster definitions (taxonomies): which industry codes make up each cluster.

Load a built-in definition (:func:`list_taxonomies`) or a user's YAML/CSV file
with :func:`load_taxonomy`; expand its code prefixes against the codes in the
data with :meth:`Taxonomy.mapping`; measure how much of the data a taxonomy
covers (:func:`mapping_coverage`) and which industries are traded
(:func:`classify_traded_local`). See :mod:`clusterplan.taxonomy._taxonomy`
for the file layouts.
"""

from ._taxonomy import (
    CLASSIFICATIONS,
    CONFIDENCE_LEVELS,
    MAPPING_COLUMNS,
    OVERLAP_COLUMNS,
    Cluster,
    Taxonomy,
    TaxonomyInfo,
    list_taxonomies,
    load_taxonomy,
    sic2007_codes,
)
from ._traded import (
    COVERAGE_COLUMNS,
    DEFAULT_THRESHOLDS,
    TOTAL_ROW,
    TRADED_LOCAL_COLUMNS,
    EmploymentMatrix,
    classify_traded_local,
    employment_matrix,
    locational_gini,
    mapping_coverage,
    share_in_specialised_areas,
)

__all__ = [
    "CLASSIFICATIONS",
    "CONFIDENCE_LEVELS",
    "COVERAGE_COLUMNS",
    "DEFAULT_THRESHOLDS",
    "MAPPING_COLUMNS",
    "OVERLAP_COLUMNS",
    "TOTAL_ROW",
    "TRADED_LOCAL_COLUMNS",
    "Cluster",
    "EmploymentMatrix",
    "Taxonomy",
    "TaxonomyInfo",
    "classify_traded_local",
    "employment_matrix",
    "list_taxonomies",
    "load_taxonomy",
    "locational_gini",
    "mapping_coverage",
    "share_in_specialised_areas",
    "sic2007_codes",
]
