"""Relatedness answers for the command line: economic complexity, growth opportunities, related clusters and
clusters defined from the data (:mod:`clusterplan.relatedness` over the warehouse's industry measures)."""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ..relatedness.complexity import complexity, method_of_reflections
from ..relatedness.define import (
    CELLS,
    METHODS,
    SOURCES,
    clusters_to_taxonomy,
    compare_with_taxonomy,
    define_clusters,
    industry_similarity,
    taxonomy_yaml,
)
from ..relatedness.opportunities import COLOCATION_MEASURES
from ..taxonomy import Taxonomy, load_taxonomy
from .opportunities import find_related_clusters, region_opportunities
from .profile import AnyWarehouse, industry_measures

__all__ = [
    "CLUSTER_CELLS",
    "CLUSTER_METHODS",
    "CLUSTER_SOURCES",
    "COLOCATION_MEASURES",
    "Complexity",
    "DefinedClusters",
    "compare_clusters",
    "define_taxonomy",
    "industry_complexity",
    "opportunities",
    "related_clusters",
    "write_taxonomy",
]

#: Data sources, clustering methods and CBP cell treatments ``clusterplan define-clusters`` accepts.
CLUSTER_SOURCES = SOURCES
CLUSTER_METHODS = METHODS
CLUSTER_CELLS = CELLS


@dataclass(frozen=True)
class Complexity:
    """ECI of every area, PCI of every industry, relatedness density of every cell, and how they were computed."""

    eci: pd.DataFrame
    pci: pd.DataFrame
    density: pd.DataFrame
    areas: int
    industries: int
    present_cells: int
    eigenvalue: float
    reflections_correlation: float
    seconds: float


def industry_complexity(
    warehouse: AnyWarehouse,
    *,
    level: str,
    year: int,
    threshold: float = 1.0,
    progress: Callable[[str], None] | None = None,
) -> Complexity:
    """Economic complexity (ECI, PCI) and relatedness density of every area and industry at *level* in *year*.

    Presence is RCA >= *threshold* against the sum of all areas; ECI is checked against 18 reflections
    (:func:`clusterplan.relatedness.complexity.method_of_reflections`).
    """
    say = progress or (lambda _message: None)
    measures = industry_measures(warehouse, level=level, year=year)
    areas, industries = measures["area_code"].nunique(), measures["industry_code"].nunique()
    say(f"computing complexity of {areas} areas x {industries} industries")
    start = time.perf_counter()
    result = complexity(measures[["area_code", "industry_code", "employment"]], threshold=threshold)
    seconds = time.perf_counter() - start
    k_c, _ = method_of_reflections(result.presence, iterations=18)
    reflections = float(np.corrcoef(k_c.reindex(result.eci.index), result.eci)[0, 1])
    area_names = measures.drop_duplicates("area_code").set_index("area_code")["area_name"]
    industry_names = measures.drop_duplicates("industry_code").set_index("industry_code")["industry_name"]
    eci = result.eci.rename_axis("area_code").reset_index()
    eci.insert(1, "area_name", eci["area_code"].map(area_names))
    eci["diversity"] = result.diversity.to_numpy().astype(int)
    pci = result.pci.rename_axis("industry_code").reset_index()
    pci.insert(1, "industry_name", pci["industry_code"].map(industry_names))
    pci["ubiquity"] = result.ubiquity.to_numpy().astype(int)
    return Complexity(
        eci=eci,
        pci=pci,
        density=result.density,
        areas=int(result.eci.size),
        industries=int(result.pci.size),
        present_cells=int(result.presence.to_numpy().sum()),
        eigenvalue=float(result.eigenvalue),
        reflections_correlation=reflections,
        seconds=seconds,
    )


def opportunities(warehouse: AnyWarehouse, region: str, **options: Any) -> Any:
    """Growth opportunities of a region: feasibility against attractiveness, and nascent-cluster candidates
    (:func:`clusterplan.pipeline.opportunities.region_opportunities`; *options* as there)."""
    return region_opportunities(warehouse, region, **options)


def related_clusters(
    warehouse: AnyWarehouse,
    taxonomy: str | Taxonomy,
    *,
    dataset: str,
    year: int,
    percentile: float,
    measure: str | None = None,
) -> pd.DataFrame:
    """Co-location and input-output relatedness of every pair of clusters of a taxonomy in *dataset*, *year*."""
    return find_related_clusters(
        warehouse, taxonomy, dataset=dataset, year=year, percentile=percentile, measure=measure
    )


@dataclass(frozen=True)
class DefinedClusters:
    """Clusters defined from the data: the similarity they come from, the search's result, the taxonomy."""

    similarity: Any
    result: Any
    taxonomy: Taxonomy
    clusters: int | None


def define_taxonomy(
    source: str,
    *,
    level: str | None,
    method: str,
    clusters: int | None,
    seed: int,
    years: Sequence[int] | None,
    weights: Mapping[str, float] | None,
    cells: str,
    name: str | None,
    progress: Callable[[str], None],
) -> DefinedClusters:
    """Clusters of related industries from *source*'s data (Delgado, Porter and Stern 2016) as a taxonomy;
    *clusters* None takes the source's default count."""
    similarity = industry_similarity(
        source,
        level=level,
        year=tuple(years) if years else None,
        weights=dict(weights) if weights else None,
        cells=cells,
    )
    count = clusters if clusters is not None else SOURCES[source].default_clusters
    result = define_clusters(similarity, method=method, clusters=count, seed=seed, progress=progress)
    return DefinedClusters(similarity, result, clusters_to_taxonomy(result, name=name), count)


def write_taxonomy(taxonomy: Taxonomy, out: Path, header: Sequence[str]) -> None:
    """Write *taxonomy* as YAML with a *header* comment, and check that the file loads back."""
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(taxonomy_yaml(taxonomy, header=header), encoding="utf-8")
    load_taxonomy(out)


def compare_clusters(labels: Any, reference: str, *, names: Mapping[int, str], seed: int) -> Any:
    """Adjusted Rand index and best overlaps of defined clusters against a reference taxonomy."""
    return compare_with_taxonomy(labels, reference, names=dict(names), seed=seed)
