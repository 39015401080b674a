"""The API's response models: what each route serves, and what its OpenAPI schema says it serves.

:class:`~clusterplan.web._service.DashboardService` answers with instances of
these models and the routes serialise them through their ``response_model``
(once, then the bytes are cached), so a served body always parses back into
its model. Every model forbids keys it does not declare; tables are
``columns`` plus ``rows`` of plain values (text, number, true/false or null).
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

__all__ = [
    "AreaRefOut",
    "BenchmarkChoiceOut",
    "BoundariesOut",
    "ClusterDefinitionOut",
    "ClusterRefOut",
    "CriterionOut",
    "DatasetOut",
    "DatasetRowOut",
    "DatasetSummaryOut",
    "DatasetsOut",
    "ErrorOut",
    "HealthOut",
    "HotspotsOut",
    "MeasuresOut",
    "ProfileOut",
    "ProfileRegionsOut",
    "RawFileOut",
    "RegionDetailOut",
    "RegionOut",
    "RegionRefOut",
    "RegionsOut",
    "Row",
    "Scalar",
    "ScenarioChoicesOut",
    "ScenarioDefaultsOut",
    "ScenarioParametersOut",
    "ScenariosOut",
    "SubregionalOut",
    "SupplyChainsOut",
    "TaxonomiesOut",
    "TaxonomyDetailOut",
    "TaxonomyOut",
    "TaxonomyRefOut",
]

#: One cell of a table: text, a number, true/false, or null (missing, suppressed, not finite).
Scalar = bool | int | float | str | None
#: One row of a table, by column name.
Row = dict[str, Scalar]


class _Out(BaseModel):
    """A response model: undeclared keys are an error, so the schema lists everything that is served."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)


class ErrorOut(_Out):
    """What every 4xx and 5xx answer carries."""

    error: str = Field(description="One line: what was wrong and, where there is a list, the valid choices.")


class HealthOut(_Out):
    status: Literal["ok"]
    clusterplan_version: str
    data_version: str | None = Field(description="Version of the embedded data the warehouse holds.")
    datasets: list[str] = Field(description="Employment datasets regions are profiled from.")
    connections: int = Field(description="Read-only warehouse connections of the server.")


class RegionOut(_Out):
    code: str = Field(description="ITL 2021 code (TLG3) or CBSA code (12060).")
    name: str | None = Field(description="Area name (US CBSAs have no names in the embedded data).")
    label: str
    dataset: str = Field(description="Employment dataset the region is profiled from.")
    geography: Literal["uk", "us"]
    level: str = Field(
        description="itl2, cbsa, or csa (a US combined statistical area: its CBSAs analysed as one); composite for "
        "other groups of areas analysed as one."
    )
    parent_code: str | None
    total_employment: float | None = Field(description="Employment in all industries, latest year (count).")
    members: list[str] = Field(description="The dataset's areas making up the region (itself for a plain area).")
    mapping: list[str] = Field(description="How the input was mapped to those areas (empty for a plain code).")


class RegionsOut(_Out):
    regions: list[RegionOut]


class BenchmarkChoiceOut(_Out):
    value: str = Field(description="What to pass as the benchmark parameter.")
    label: str
    contains_region: bool | None = Field(None, description="Whether the region is one of the benchmark's areas.")
    areas: int | None = Field(None, description="Areas of a larger-area benchmark.")


class DatasetSummaryOut(_Out):
    name: str
    title: str
    geography: str
    classification: str
    years: list[int]
    benchmark_name: str


class RegionDetailOut(_Out):
    code: str
    name: str | None
    label: str
    dataset: DatasetSummaryOut = Field(description="The employment dataset and its years.")
    geography: Literal["uk", "us"]
    level: str
    parent_code: str | None
    total_employment: float | None
    members: list[str]
    mapping: list[str]
    taxonomies: list[str] = Field(description="Built-in taxonomies that fit the dataset's classification.")
    default_taxonomy: str
    benchmarks: list[BenchmarkChoiceOut] = Field(description="Values the benchmark parameter accepts.")
    levels: list[str] = Field(description="Values the measures endpoint's level parameter accepts.")


class TaxonomyOut(_Out):
    name: str
    title: str
    classification: str
    clusters: int
    source: str
    datasets: list[str] = Field(description="Employment datasets the taxonomy applies to.")
    geographies: list[str]


class TaxonomiesOut(_Out):
    taxonomies: list[TaxonomyOut]


class ClusterDefinitionOut(_Out):
    id: str
    name: str
    description: str
    codes: list[str] = Field(description="Industry codes or code prefixes as written in the definition.")
    note: str
    confidence: str | None


class TaxonomyDetailOut(TaxonomyOut):
    description: str
    cluster_list: list[ClusterDefinitionOut]


class RawFileOut(_Out):
    path: str
    sha256: str


class DatasetRowOut(_Out):
    dataset: str
    kind: str
    origin: str
    vintage: str | None
    rows: int | None
    licence: str | None
    title: str | None


class DatasetsOut(_Out):
    datasets: list[DatasetRowOut]


class DatasetOut(DatasetRowOut):
    """Provenance of one dataset (an imported file is named, never its path on the server)."""

    source: str | None
    publisher: str | None
    sha256: str | None
    file: str | None
    raw_files: list[RawFileOut]
    transforms: list[str]
    description: str | None


class BoundariesOut(_Out):
    """A GeoJSON FeatureCollection (WGS84 longitude and latitude)."""

    type: Literal["FeatureCollection"]
    features: list[dict[str, Any]] = Field(description="One feature per area: id, properties (code, name), geometry.")


class RegionRefOut(_Out):
    """The region a profile is about."""

    code: str
    name: str | None
    members: list[str]
    mapping: list[str]
    dataset: str
    geography: Literal["uk", "us"]


class TaxonomyRefOut(_Out):
    name: str
    title: str
    classification: str
    source: str


class _ProfileHeader(_Out):
    region: RegionRefOut
    taxonomy: TaxonomyRefOut
    parameters: dict[str, Any] = Field(description="The parameters used, as run.json records them.")


class ProfileOut(_ProfileHeader):
    totals: dict[str, Scalar] = Field(description="The region's and the benchmark's totals, and the clusters' share.")
    clusters: list[Row] = Field(
        description="One row per cluster (see ClusterProfile.clusters): cluster_id, cluster, employment, "
        "employment_share, lq, lq_low, lq_high, growth_cagr, benchmark_growth_cagr, lq_rank, n_regions, ..."
    )
    trend: list[Row] = Field(description="Employment and LQ of each cluster in each year.")
    inputs: list[dict[str, Any]] = Field(description="Provenance of the data: source, vintage, licence, sha256.")


class ClusterRefOut(_Out):
    id: str
    name: str


class ProfileRegionsOut(_ProfileHeader):
    cluster: ClusterRefOut | None = Field(description="The one cluster asked for, or null for all.")
    columns: list[str]
    rows: list[Row] = Field(description="Every area's measures for each cluster (the map and the area tables).")


class AreaRefOut(_Out):
    code: str
    name: str | None


class MeasuresOut(_Out):
    region: AreaRefOut
    parameters: dict[str, Any]
    columns: list[str]
    rows: list[Row] = Field(description="Employment, share, LQ, growth and ranks of every industry.")


class ScenarioDefaultsOut(_Out):
    target_year: int
    method: str
    comparator_rule: str
    high: str
    low: str
    baseline: str
    weights: dict[str, float]
    reference_window: list[int]


class CriterionOut(_Out):
    name: str
    description: str


class ScenarioChoicesOut(_Out):
    method: list[str]
    comparator_rule: list[str]
    high: list[str]
    low: list[str]
    baseline: list[str]
    criteria: list[CriterionOut]


class ScenarioParametersOut(_Out):
    defaults: ScenarioDefaultsOut
    choices: ScenarioChoicesOut
    config: dict[str, Any] = Field(description="The whole default scenario configuration.")


class ScenariosOut(_ProfileHeader):
    scenario_parameters: dict[str, Any] = Field(description="Every scenario setting used (defaults and choices).")
    scenarios: list[Row] = Field(description="Per cluster: baseline, comparators, low and high scenario.")
    priorities: list[Row] = Field(description="Per cluster: criteria, weighted score and rank.")
    region_summary: list[Row] = Field(description="The region's growth and rank: baseline, low, high.")
    uncertainty: list[Row]
    warnings: list[dict[str, Any]] = Field(
        description="Why the scenario needs a second look (share of the region, few comparators)."
    )
    region_range: list[Row] = Field(description="Percentiles of the region's totals over joint draws of every cluster.")
    unread_settings: list[str] = Field(
        description="Parameters of this request that its scenario method does not read, so that they changed nothing: "
        "comparator_rule, high and low are read by method=leader only."
    )
    provenance: dict[str, Any]


class SupplyChainsOut(_Out):
    region: AreaRefOut
    parameters: dict[str, Any]
    clusters: list[ClusterRefOut]
    suppliers_and_customers: list[Row] = Field(description="Main supplying and buying industries.")
    partner_clusters: list[Row]
    input_sourcing: list[Row] = Field(description="Share of each cluster's inputs bought in the region.")
    flows: list[Row] = Field(description="Cluster-to-cluster intermediate flows, £ million ($ million in the US).")


class SubregionalOut(_Out):
    region: AreaRefOut
    parameters: dict[str, Any]
    columns: list[str]
    rows: list[Row] = Field(description="Each ITL3 area's value, shares and LQs for each cluster.")


class HotspotsOut(_Out):
    parameters: dict[str, Any]
    global_: dict[str, Scalar] = Field(alias="global", description="Global Moran's I and its inference.")
    summary: str
    excluded: list[str] = Field(description="Areas left out (no value for the measure).")
    islands: list[Row] = Field(description="Areas without neighbours, and the area each was attached to.")
    columns: list[str]
    rows: list[Row] = Field(description="Each area's value, local Moran's I, LISA class and Getis-Ord Gi*.")
