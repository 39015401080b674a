"""Cluster definitions (taxonomies): which industry codes make up each cluster.

Load a built-in definition (:func:`list_taxonomies`) or a user's YAML/CSV file
with :func:`load_taxonomy`; expand its code prefixes against the codes in the
data with :meth:`Taxonomy.mapping`. How much of the data a taxonomy covers and
which industries are traded are measures (:mod:`clusterplan.measures.traded`).
See :mod:`clusterplan.taxonomy._taxonomy` for the file layouts.
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

__all__ = [
    "CLASSIFICATIONS",
    "CONFIDENCE_LEVELS",
    "MAPPING_COLUMNS",
    "OVERLAP_COLUMNS",
    "Cluster",
    "Taxonomy",
    "TaxonomyInfo",
    "list_taxonomies",
    "load_taxonomy",
    "sic2007_codes",
]
