"""Relatedness answers for the command line: economic complexity, growth opportunities, related clusters and
clusters defined from the data (:mod:`clusterplan.relatedness` over the warehouse's industry measures)."""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from .._data import dataset_path
from .._exceptions import UnknownCodeError
from ..relatedness import define
from ..relatedness.complexity import complexity, method_of_reflections
from ..relatedness.define import (
    CELLS,
    METHODS,
    SOURCES,
    DataSource,
    IndustrySimilarity,
    clusters_to_taxonomy,
    compare_with_taxonomy,
    define_clusters,
    source_employment,
    taxonomy_yaml,
)
from ..relatedness.opportunities import COLOCATION_MEASURES
from ..taxonomy import Taxonomy, load_taxonomy
from .io_links import industry_io_relatedness
from .opportunities import find_related_clusters, region_opportunities
from .profile import AnyWarehouse, industry_measures
from .tables import reference_tables

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
    "industry_names",
    "industry_similarity",
    "opportunities",
    "related_clusters",
    "source_facts",
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


_FACT_COLUMNS = ["dataset", "area_code", "industry_code", "year", "measure", "value"]


def source_facts(source: str | DataSource, cells: str = "reconstructed") -> pd.DataFrame:
    """The employment facts of a :data:`~clusterplan.relatedness.define.SOURCES` source, from the package data.

    ``cells="reconstructed"`` adds, for a source that withholds cells (County Business Patterns), the rebuilt
    cells (:attr:`~clusterplan.relatedness.define.DataSource.reconstructed_dataset`): the ones the published file
    lacks, so together they are every cell. Read from the package files rather than a warehouse: the warehouse
    holds the published CBP cells, not the rebuilt ones.
    """
    spec = define._source(source)
    facts = pd.read_parquet(dataset_path(spec.dataset), columns=_FACT_COLUMNS)
    if cells == "reconstructed" and spec.reconstructed_dataset is not None:
        rebuilt = pd.read_parquet(dataset_path(spec.reconstructed_dataset), columns=_FACT_COLUMNS)
        facts = pd.concat([facts, rebuilt.assign(dataset=spec.dataset)], ignore_index=True)
    return facts


@lru_cache(maxsize=4)
def _industry_names(classification: str) -> dict[str, str]:
    names: dict[str, str] = {}
    if classification == "sic2007":
        for dataset in ("industries_sic2007", "industries_sic2007_classes"):
            frame = pd.read_parquet(dataset_path(dataset), columns=["industry_code", "industry_name"])
            names.update(zip(frame["industry_code"].astype(str), frame["industry_name"].astype(str), strict=True))
        names.setdefault("0100", "Agriculture (DEFRA and Scottish Government data)")
    else:
        use = reference_tables().bea_use_detail[["col_code", "col_name"]]
        first = use.drop_duplicates("col_code")
        names.update(zip(first["col_code"].astype(str), first["col_name"].astype(str), strict=True))
    return names


@lru_cache(maxsize=1)
def _naics_concordance_names() -> dict[str, str]:
    table = reference_tables().bea_detail_naics[["naics_code", "bea_name"]]
    first = table.drop_duplicates("naics_code")
    return dict(zip(first["naics_code"].astype(str), first["bea_name"].astype(str), strict=True))


def industry_names(classification: str) -> tuple[dict[str, str], dict[str, str] | None]:
    """The package's industry names for :func:`clusterplan.relatedness.define.industry_similarity`: SIC 2007
    codes (divisions to subclasses) for ``sic2007``; otherwise BEA detail industries by BEA code, and BEA's
    name of each NAICS code of its 2007 concordance."""
    if classification == "sic2007":
        return dict(_industry_names(classification)), None
    return dict(_industry_names(classification)), dict(_naics_concordance_names())


def industry_similarity(
    source: str | DataSource,
    *,
    level: str | None = None,
    year: int | Sequence[int] | None = None,
    weights: Mapping[str, float] | None = None,
    traded_only: bool = True,
    traded_threshold: float | None = None,
    data: pd.DataFrame | None = None,
    cells: str = "reconstructed",
) -> IndustrySimilarity:
    """Industry x industry similarity of a source's traded industries, from co-location and input-output links
    (:func:`clusterplan.relatedness.define.industry_similarity` on the source's facts, IO links and names).

    Parameters
    ----------
    source
        A key of :data:`~clusterplan.relatedness.define.SOURCES` (``"us-cbp-2019"``, ``"gb-bres-2021"``) or a
        :class:`~clusterplan.relatedness.define.DataSource`.
    level, year
        As for :func:`~clusterplan.relatedness.define.source_employment`.
    weights, traded_only, traded_threshold
        As for :func:`~clusterplan.relatedness.define.industry_similarity`.
    data
        Use this table of canonical facts (columns ``area_code, industry_code, year, measure, value``, e.g. from
        ``clusterplan.sources`` or a warehouse's ``facts_frame``), instead of the package data
        (:func:`source_facts`).
    cells
        ``reconstructed`` (default): for a source that withholds cells (County Business Patterns), add the rebuilt
        cells to the published ones; ``published``: the published cells only, withheld ones counting as 0. Only
        the package data are reconstructed (not *data*).

    Returns
    -------
    IndustrySimilarity

    Raises
    ------
    UnknownCodeError
        Unknown source, level, year or cells.
    ParameterError
        Bad weights.
    """
    spec = define._source(source)
    define._level_digits(spec, level)  # a bad level is an error before any data are read
    define._parse_weights(weights)
    if cells not in CELLS:
        raise UnknownCodeError("cells", str(cells), list(CELLS))
    used = cells if spec.reconstructed_dataset is not None and data is None else "published"
    facts = data if data is not None else source_facts(spec, cells)
    employment = source_employment(spec, facts, level=level, year=year, cells=used)
    io = industry_io_relatedness(employment.codes, spec.classification, detail=spec.detail_io)
    names, naics_names = industry_names(spec.classification)
    return define.industry_similarity(
        employment,
        io=io,
        names=names,
        naics_names=naics_names,
        weights=weights,
        traded_only=traded_only,
        traded_threshold=traded_threshold,
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
