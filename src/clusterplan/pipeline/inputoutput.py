"""Input-output answers for the command line and the web app: multipliers, impacts, supply chains, gaps.

GB regions use the ONS input-output analytical tables regionalised with BRES
employment, US metros the BEA tables regionalised with County Business
Patterns (:mod:`clusterplan.inputoutput`). The ``clusterplan io`` commands
regionalise with the BRES tables shipped with the package; the web app's supply
chains read employment through the warehouse (:func:`region_supply_chains`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import pandas as pd

from ..inputoutput.clusters import ClusterLinkages, cluster_linkages, region_supply_chain_gaps
from ..inputoutput.impact import ImpactResult, cluster_impact
from ..inputoutput.national import multipliers_table, national_model
from ..inputoutput.regional import delta_sensitivity, regional_model
from .profile import AnyWarehouse
from .run import regional_sic_employment

__all__ = [
    "Multipliers",
    "impact",
    "model_label",
    "multipliers",
    "multipliers_by_delta",
    "region_supply_chains",
    "supply_chain_gaps_of",
    "supply_chains",
]


@dataclass(frozen=True)
class Multipliers:
    """Multipliers of every industry of one model, and the model's label."""

    table: pd.DataFrame
    label: str


def model_label(region: str | None, parameters: dict[str, Any]) -> str:
    """``West Midlands (TLG3), FLQ, delta 0.3``, or the national model's name when *region* is None."""
    if region is None:
        return "national model (ONS IOAT 2019, UK)"
    method = str(parameters["method"]).upper()
    delta = f", delta {parameters['delta']:g}" if parameters.get("delta") is not None else ""
    return f"{parameters['region_name']} ({parameters['region']}), {method}{delta}"


def multipliers(
    region: str | None = None, *, method: str = "flq", delta: float = 0.3, type: int = 1, year: int = 2019
) -> Multipliers:
    """Type I (*type* 1) or Type II (2, with induced effects) multipliers of every IOAT industry, of the national
    model (*region* None; *method* and *delta* do not apply) or of a GB region's model."""
    if region is None:
        return Multipliers(multipliers_table(national_model(), 2 if type == 2 else 1), model_label(None, {}))
    model = regional_model(region, method=method, delta=delta, year=year)
    return Multipliers(model.multipliers(type), model_label(region, model.parameters()))


def impact(
    change: float,
    *,
    region: str | None = None,
    cluster: str | None = None,
    industry: str | None = None,
    unit: str = "gbp_m",
    taxonomy: Any = None,
    method: str = "flq",
    delta: float = 0.3,
    year: int = 2019,
    induced: bool = True,
) -> ImpactResult:
    """Direct, indirect and induced output, GVA and jobs of a change in a cluster or one industry
    (:func:`clusterplan.inputoutput.impact.cluster_impact`)."""
    return cluster_impact(
        change,
        region=region,
        cluster=cluster,
        industry=industry,
        unit=unit,
        taxonomy=taxonomy,
        method=method,
        delta=delta,
        year=year,
        induced=induced,
    )


def supply_chains(
    taxonomy: Any, *, region: str | None = None, method: str = "flq", delta: float = 0.3, year: int = 2019, top: int = 5
) -> ClusterLinkages:
    """Cluster-to-cluster flows, main suppliers and customers and local sourcing of a taxonomy's clusters,
    nationally or in a region, regionalised with the employment shipped with the package."""
    return cluster_linkages(taxonomy, region=region, method=method, delta=delta, year=year, top=top)


def region_supply_chains(
    warehouse: AnyWarehouse,
    taxonomy: Any,
    *,
    region: str,
    geography: str,
    method: str = "flq",
    delta: float = 0.3,
    year: int = 2019,
    top: int = 5,
) -> ClusterLinkages:
    """The supply chains of a region's clusters (:func:`supply_chains`), a GB region's model regionalised with
    the BRES employment the warehouse holds (*geography* ``uk``), a US metro's with County Business Patterns."""
    employment = regional_sic_employment(warehouse, year) if geography == "uk" else None
    return cluster_linkages(
        taxonomy, region=region, method=method, delta=delta, year=year, top=top, sic_employment=employment
    )


def supply_chain_gaps_of(
    region: str, taxonomy: Any, *, method: str = "flq", delta: float = 0.3, year: int = 2019, threshold: float = 0.5
) -> pd.DataFrame:
    """Inputs a region's strong clusters (LQ >= 1) need but mostly buy from the rest of the UK
    (:func:`clusterplan.inputoutput.clusters.region_supply_chain_gaps`)."""
    return region_supply_chain_gaps(region, taxonomy, method=method, delta=delta, year=year, threshold=threshold)


def multipliers_by_delta(
    region: str, deltas: Sequence[float], *, method: str = "flq", type: int = 1, year: int = 2019
) -> pd.DataFrame:
    """A region's multipliers for several values of Flegg's delta, in long format."""
    return delta_sensitivity(region, list(deltas), method=method, type=type, year=year)
