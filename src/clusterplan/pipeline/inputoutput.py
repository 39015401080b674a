"""Input-output answers for the command line and the web app: multipliers, impacts, supply chains, gaps.

GB regions use the ONS input-output analytical tables regionalised with BRES
employment, US metros the BEA tables regionalised with County Business
Patterns (:mod:`clusterplan.inputoutput`). Every answer regionalises with the
employment the warehouse holds (:func:`~clusterplan.pipeline.run.regional_sic_employment`,
:func:`~clusterplan.pipeline.run.regional_naics_employment`), on either engine and
with the user's imports, never the files shipped with the package: a GB model
takes its employment from *employment_dataset* (default the embedded BRES;
an imported dataset of employment of the ITL2 areas by 5-digit SIC code), the
national model from the warehouse's BRES.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import pandas as pd

from ..datasets import BRES_SUBCLASS
from ..inputoutput.clusters import ClusterLinkages, cluster_linkages, region_supply_chain_gaps
from ..inputoutput.impact import ImpactResult, cluster_impact
from ..inputoutput.national import EMPLOYMENT_DATASET, multipliers_table, national_model
from ..inputoutput.regional import delta_sensitivity, regional_model
from .profile import AnyWarehouse
from .run import regional_naics_employment, regional_sic_employment
from .tables import reference_tables

__all__ = [
    "Multipliers",
    "impact",
    "model_label",
    "multipliers",
    "multipliers_by_delta",
    "national_bres_facts",
    "region_supply_chains",
    "supply_chain_gaps_of",
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


def national_bres_facts(warehouse: AnyWarehouse, year: int = 2019) -> pd.DataFrame:
    """The BRES employment facts of *year* that give the national model its jobs
    (:func:`clusterplan.inputoutput.national.national_model`)."""
    return warehouse.facts_frame(EMPLOYMENT_DATASET, measure="employment", year=year)


def multipliers(
    warehouse: AnyWarehouse,
    region: str | None = None,
    *,
    method: str = "flq",
    delta: float = 0.3,
    type: int = 1,
    year: int = 2019,
    employment_dataset: str = BRES_SUBCLASS,
) -> Multipliers:
    """Type I (*type* 1) or Type II (2, with induced effects) multipliers of every IOAT industry, of the national
    model (*region* None; *method* and *delta* do not apply) or of a GB region's model."""
    if region is None:
        nation = national_model(reference_tables(), national_bres_facts(warehouse, year))
        table = multipliers_table(nation, 2 if type == 2 else 1)
        return Multipliers(table, model_label(None, {}))
    employment = regional_sic_employment(warehouse, year, employment_dataset)
    model = regional_model(reference_tables(), region, method=method, delta=delta, year=year, sic_employment=employment)
    return Multipliers(model.multipliers(type), model_label(region, model.parameters()))


def impact(
    warehouse: AnyWarehouse,
    change: float,
    *,
    year: int = 2019,
    employment_dataset: str = BRES_SUBCLASS,
    **options: Any,
) -> ImpactResult:
    """Direct, indirect and induced output, GVA and jobs of a change in a cluster or one industry
    (:func:`clusterplan.inputoutput.impact.cluster_impact`, which takes *options*: region, cluster, industry, unit,
    taxonomy, method, delta, induced)."""
    employment = regional_sic_employment(warehouse, year, employment_dataset)
    return cluster_impact(reference_tables(), change, year=year, sic_employment=employment, **options)


def region_supply_chains(
    warehouse: AnyWarehouse,
    taxonomy: Any,
    *,
    region: str | None = None,
    geography: str = "uk",
    method: str = "flq",
    delta: float = 0.3,
    year: int = 2019,
    employment_dataset: str = BRES_SUBCLASS,
    top: int = 5,
) -> ClusterLinkages:
    """Cluster-to-cluster flows, main suppliers and customers and local sourcing of a taxonomy's clusters,
    nationally (*region* None) or in a region: a GB region's model regionalised with the BRES employment the
    warehouse holds (*geography* ``uk``), a US metro's with its County Business Patterns (``us``)."""
    uk = geography == "uk"
    return cluster_linkages(
        reference_tables(),
        taxonomy,
        region=region,
        method=method,
        delta=delta,
        year=year,
        top=top,
        sic_employment=regional_sic_employment(warehouse, year, employment_dataset) if uk else None,
        naics_employment=None if uk else regional_naics_employment(warehouse),
    )


def supply_chain_gaps_of(
    warehouse: AnyWarehouse,
    region: str,
    taxonomy: Any,
    *,
    method: str = "flq",
    delta: float = 0.3,
    year: int = 2019,
    employment_dataset: str = BRES_SUBCLASS,
    threshold: float = 0.5,
) -> pd.DataFrame:
    """Inputs a region's strong clusters (LQ >= 1) need but mostly buy from the rest of the UK
    (:func:`clusterplan.inputoutput.clusters.region_supply_chain_gaps`)."""
    return region_supply_chain_gaps(
        reference_tables(),
        region,
        taxonomy,
        method=method,
        delta=delta,
        year=year,
        threshold=threshold,
        sic_employment=regional_sic_employment(warehouse, year, employment_dataset),
    )


def multipliers_by_delta(
    warehouse: AnyWarehouse,
    region: str,
    deltas: Sequence[float],
    *,
    method: str = "flq",
    type: int = 1,
    year: int = 2019,
    employment_dataset: str = BRES_SUBCLASS,
) -> pd.DataFrame:
    """A region's multipliers for several values of Flegg's delta, in long format."""
    employment = regional_sic_employment(warehouse, year, employment_dataset)
    return delta_sensitivity(
        reference_tables(), region, list(deltas), method=method, type=type, year=year, sic_employment=employment
    )
