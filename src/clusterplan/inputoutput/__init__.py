"""Input-output models: national (ONS IOAT, BEA), regionalised, aggregated to clusters.

``iomath`` is the pure functional core (``technical_coefficients``,
``leontief_inverse`` ...); the other modules build models from the embedded
tables on top of it.
"""

from .iomath import (
    allocation_coefficients,
    close_to_households,
    ghosh_inverse,
    leontief_inverse,
    output_from_final_demand,
    output_multipliers,
    technical_coefficients,
    total_effects,
    type_i_multipliers,
)

__all__ = [
    "allocation_coefficients",
    "close_to_households",
    "ghosh_inverse",
    "leontief_inverse",
    "output_from_final_demand",
    "output_multipliers",
    "technical_coefficients",
    "total_effects",
    "type_i_multipliers",
]
