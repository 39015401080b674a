"""clusterplan: industry clusters, comparative advantage and above-forecast growth for any region.

The public API is what this module exports; everything in modules whose names
start with an underscore is private and may change.

Data flows one way: ``sources`` parse published files, ``warehouse`` holds them
(the only place with SQL), ``taxonomy`` defines clusters, ``measures``,
``relatedness``, ``inputoutput``, ``geography`` and ``scenarios`` do the maths on
frames, ``pipeline`` runs them over a warehouse, and ``report``, ``cli`` and
``web`` present the results; ``datasets`` and ``regions`` are the registries all
of them share.

>>> import clusterplan
>>> float(clusterplan.location_quotient(2_000, 50_000, 100_000, 10_000_000))
4.0
"""

from typing import TYPE_CHECKING, Any

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
from ._version import __version__
from ._warnings import ignore_third_party_deprecations

if TYPE_CHECKING:
    from .measures import (
        absolute_change,
        cluster_mapping_strength,
        cluster_observatory_stars,
        compound_annual_growth_rate,
        location_quotient,
        location_quotient_interval,
        measure_ranks,
        shift_share,
    )
    from .measures.traded import classify_traded_local, mapping_coverage
    from .pipeline.productivity import cluster_productivity, gva_per_job
    from .pipeline.profile import ClusterProfile, industry_measures, profile_region
    from .relatedness.complexity import complexity
    from .taxonomy import Cluster, Taxonomy, list_taxonomies, load_taxonomy
    from .warehouse import ImportReport, SparkWarehouse, Warehouse, default_warehouse_path, open_engine

ignore_third_party_deprecations()

#: Where each public name beyond the exceptions lives. They are imported on first use (PEP 562), so that
#: ``import clusterplan`` and the command line start in milliseconds and a Ctrl-C while the heavy libraries
#: (pandas, DuckDB, SciPy) load is the command line's to handle, not a traceback from an import statement.
_LAZY: dict[str, str] = {
    **dict.fromkeys(
        [
            "absolute_change",
            "cluster_mapping_strength",
            "cluster_observatory_stars",
            "compound_annual_growth_rate",
            "location_quotient",
            "location_quotient_interval",
            "measure_ranks",
            "shift_share",
        ],
        ".measures",
    ),
    "cluster_productivity": ".pipeline.productivity",
    "gva_per_job": ".pipeline.productivity",
    "classify_traded_local": ".measures.traded",
    "mapping_coverage": ".measures.traded",
    "ClusterProfile": ".pipeline.profile",
    "industry_measures": ".pipeline.profile",
    "profile_region": ".pipeline.profile",
    "complexity": ".relatedness.complexity",
    **dict.fromkeys(["Cluster", "Taxonomy", "list_taxonomies", "load_taxonomy"], ".taxonomy"),
    **dict.fromkeys(
        ["ImportReport", "SparkWarehouse", "Warehouse", "default_warehouse_path", "open_engine"], ".warehouse"
    ),
}


def __getattr__(name: str) -> Any:
    """Import a public name from its home module the first time it is asked for."""
    home = _LAZY.get(name)
    if home is None:
        raise AttributeError(f"module 'clusterplan' has no attribute {name!r}")
    from importlib import import_module

    value = getattr(import_module(home, __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_LAZY))


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
    "SparkWarehouse",
    "Taxonomy",
    "TaxonomyError",
    "UnknownCodeError",
    "Warehouse",
    "WarehouseError",
    "__version__",
    "absolute_change",
    "classify_traded_local",
    "cluster_mapping_strength",
    "cluster_observatory_stars",
    "cluster_productivity",
    "complexity",
    "compound_annual_growth_rate",
    "default_warehouse_path",
    "gva_per_job",
    "industry_measures",
    "list_taxonomies",
    "load_taxonomy",
    "location_quotient",
    "location_quotient_interval",
    "mapping_coverage",
    "measure_ranks",
    "open_engine",
    "profile_region",
    "shift_share",
]
