"""clusterplan: industry clusters, comparative advantage and above-forecast growth for any region.

The public API is what this module exports; everything in modules whose names
start with an underscore is private and may change.

>>> import clusterplan
>>> float(clusterplan.location_quotient(2_000, 50_000, 100_000, 10_000_000))
4.0
"""

__version__ = "0.1.0"

from ._exceptions import (
    ClusterplanError,
    DataValidationError,
    FetchError,
    InputError,
    OfflineError,
    ParameterError,
    TaxonomyError,
    UnknownCodeError,
    WarehouseError,
)
from .analysis import ClusterProfile, profile_region
from .measures.growth import absolute_change, compound_annual_growth_rate
from .measures.location_quotient import location_quotient
from .taxonomy import Cluster, Taxonomy, list_taxonomies, load_taxonomy
from .warehouse import ImportReport, Warehouse, default_warehouse_path

__all__ = [
    "Cluster",
    "ClusterProfile",
    "ClusterplanError",
    "DataValidationError",
    "FetchError",
    "ImportReport",
    "InputError",
    "OfflineError",
    "ParameterError",
    "Taxonomy",
    "TaxonomyError",
    "UnknownCodeError",
    "Warehouse",
    "WarehouseError",
    "__version__",
    "absolute_change",
    "compound_annual_growth_rate",
    "default_warehouse_path",
    "list_taxonomies",
    "load_taxonomy",
    "location_quotient",
    "profile_region",
]
