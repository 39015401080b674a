"""The pipeline: the only layer that takes a warehouse and runs the maths packages over its panels.

``profile`` profiles a region's clusters against a benchmark (:func:`profile_region`)
and measures every industry (:func:`industry_measures`); ``opportunities``,
``scenarios`` and ``coverage`` read what the opportunities, the growth scenarios
and backtest, and the traded/coverage measures need; ``run`` holds the registry
of further analyses of a run and :func:`run_analyses`. The command line and the
web app reach everything else through one module per command group: ``data``
(open, list, show, import, fetch), ``inputoutput``, ``relatedness``,
``geography``, ``scenarios`` and ``taxonomies``; the web app's catalogue of
valid choices is ``catalogue``, its read-only connections ``pool``.
"""

from .profile import AnyWarehouse, ClusterProfile, industry_measures, profile_region
from .run import ANALYSES, RunAnalyses, regional_sic_employment, run_analyses, supply_chain_gaps

__all__ = [
    "ANALYSES",
    "AnyWarehouse",
    "ClusterProfile",
    "RunAnalyses",
    "industry_measures",
    "profile_region",
    "regional_sic_employment",
    "run_analyses",
    "supply_chain_gaps",
]
