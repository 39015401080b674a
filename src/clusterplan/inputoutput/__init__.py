"""Input-output models: national (ONS IOAT, BEA), regionalised, aggregated to clusters.

``iomath`` is the pure functional core (``technical_coefficients``,
``leontief_inverse`` ...); the other modules build models on top of it from the
package's reference tables, which they take as a parameter
(:class:`~clusterplan.inputoutput.tables.ReferenceTables`; the pipeline reads
them, :func:`clusterplan.pipeline.tables.reference_tables`) — no module here
reads a file: ``regional`` (SLQ/CILQ/FLQ/AFLQ regionalisation), ``clusters``
(cluster-to-cluster supply chains and gaps), ``impact`` (direct, indirect and induced
effects of a change), ``national`` (the national model, Type I/II effects and
multipliers), ``linkages`` (Rasmussen–Hirschman and Ghosh linkages, key
sectors), ``supply_use`` (tables for 1997–2020 from the supply-use tables),
``bea`` (the US model from the BEA summary tables) and ``us_regional`` (the BEA
model regionalised for US metros with County Business Patterns).
"""

from .clusters import cluster_linkages, region_supply_chain_gaps
from .impact import ImpactResult, cluster_impact
from .iomath import (
    allocation_coefficients,
    close_to_households,
    ghosh_inverse,
    is_productive,
    leontief_inverse,
    output_from_final_demand,
    output_multipliers,
    spectral_radius,
    technical_coefficients,
    total_effects,
    type_i_multipliers,
)
from .linkages import classify_linkages, linkages_table, model_linkages, power_of_dispersion
from .national import NationalModel, closed_leontief_inverse, multipliers_table, national_model
from .regional import RegionalModel, delta_sensitivity, regional_coefficients, regional_model, regionalise
from .tables import ReferenceTables
from .us_regional import us_regional_model

__all__ = [
    "ImpactResult",
    "NationalModel",
    "ReferenceTables",
    "RegionalModel",
    "allocation_coefficients",
    "classify_linkages",
    "close_to_households",
    "closed_leontief_inverse",
    "cluster_impact",
    "cluster_linkages",
    "delta_sensitivity",
    "ghosh_inverse",
    "is_productive",
    "leontief_inverse",
    "linkages_table",
    "model_linkages",
    "multipliers_table",
    "national_model",
    "output_from_final_demand",
    "output_multipliers",
    "power_of_dispersion",
    "region_supply_chain_gaps",
    "regional_coefficients",
    "regional_model",
    "regionalise",
    "spectral_radius",
    "technical_coefficients",
    "total_effects",
    "type_i_multipliers",
    "us_regional_model",
]
