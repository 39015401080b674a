"""The catalogue of what can be asked for: employment datasets, regions, years, taxonomies and benchmarks.

Read once from a warehouse (:meth:`Catalogue.read`), it checks a request's
choices before any query runs: a region code, name, alias or group resolves to
its dataset's areas (:mod:`clusterplan.regions`), years to the years in the
data, a taxonomy to one that fits the dataset's industry classification, a
benchmark to the ones on offer for the region. The web app checks every
request against it; each check fails with the valid choices.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from .._exceptions import ParameterError, UnknownCodeError, WarehouseError
from ..datasets import DATASET_PROFILES, LEVELS
from ..regions import CBSA_TYPES, Gazetteer, Region, benchmark_keyword
from ..taxonomy import Taxonomy, list_taxonomies, load_taxonomy
from ..warehouse import Warehouse

__all__ = ["GEOGRAPHY_LABELS", "Area", "Catalogue", "EmploymentDataset"]

#: How a geography is named in messages.
GEOGRAPHY_LABELS = {"uk": "Great Britain (ITL2 areas)", "us": "United States (CBSAs)"}
_CLASSIFICATION_FAMILY = re.compile(r"\d+$")


@dataclass(frozen=True)
class EmploymentDataset:
    """An employment dataset the dashboard profiles regions from."""

    name: str
    geography: str
    classification: str
    years: tuple[int, ...]
    default_taxonomy: str
    benchmark_name: str
    levels: tuple[str, ...]
    title: str


@dataclass(frozen=True)
class Area:
    """One region that can be profiled."""

    code: str
    name: str | None
    dataset: str
    geography: str
    level: str
    parent_code: str | None
    total_employment: float | None
    #: Dataset areas making up the region (empty for a plain area) and how the input was mapped.
    members: tuple[str, ...] = ()
    mapping: tuple[str, ...] = ()

    @property
    def label(self) -> str:
        if self.name and self.level == "csa":
            return f"{self.name} CSA ({self.code})"  # as the CLI takes it; a CSA's title reads like a CBSA's
        if self.name:
            return f"{self.name} ({self.code})"
        return f"CBSA {self.code}" if self.level == "cbsa" else self.code


def _family(classification: str) -> str:
    """``sic2007`` -> ``sic``; ``naics2017`` -> ``naics``: taxonomies apply across vintages of one family."""
    return _CLASSIFICATION_FAMILY.sub("", classification)


@dataclass
class Catalogue:
    """Every choice the API accepts, read once from the warehouse."""

    datasets: dict[str, EmploymentDataset]
    areas: dict[str, dict[str, Area]]
    names: dict[str, str]
    parents: dict[str, str]
    taxonomies: dict[str, dict[str, Any]]
    data_version: str | None
    level_years: dict[str, tuple[int, ...]]
    benchmark_areas: dict[str, dict[str, list[str]]] = field(default_factory=dict)
    #: The region resolver over each dataset's areas, and over all of them (key None).
    gazetteers: dict[str | None, Gazetteer] = field(default_factory=dict)
    #: Regions of several of a dataset's areas offered alongside them, by dataset and code: the US combined
    #: statistical areas (level ``csa``), each analysed as one area made of its CBSAs.
    composites: dict[str, dict[str, Area]] = field(default_factory=dict)

    @classmethod
    def read(cls, warehouse: Warehouse) -> Catalogue:
        names = warehouse.area_names()
        parents = warehouse.area_parents()
        levels = warehouse.area_levels()
        present = set(warehouse.list_datasets()["dataset"].astype(str))
        geographies = warehouse.area_geographies()
        datasets: dict[str, EmploymentDataset] = {}
        areas: dict[str, dict[str, Area]] = {}
        level_years: dict[str, tuple[int, ...]] = {}
        for name, profile in DATASET_PROFILES.items():
            years = tuple(warehouse.fact_years(name, measure="employment"))
            if name not in present or not years:
                continue
            for level, (dataset_name, _) in LEVELS.items():
                if dataset_name == name:
                    level_years[level] = years
            # The first dataset of each geography is the one profile_region picks for its regions.
            if any(d.geography == profile.geography for d in datasets.values()):
                continue
            title = str(warehouse.dataset_info(name)["title"])
            totals = _latest_totals(warehouse, name, years[-1])
            datasets[name] = EmploymentDataset(
                name=name,
                geography=profile.geography,
                classification=profile.classification,
                years=years,
                default_taxonomy=profile.default_taxonomy,
                benchmark_name=profile.benchmark_name,
                levels=(),
                title=title,
            )
            areas[name] = {
                code: Area(
                    code=code,
                    name=names.get(code),
                    dataset=name,
                    geography=profile.geography,
                    level=levels.get(code, ""),
                    parent_code=parents.get(code),
                    total_employment=totals.get(code),
                )
                for code in sorted(totals)
            }
        # Industry levels of every dataset over the same areas (BRES by subclass and by division).
        for name, dataset in list(datasets.items()):
            same_areas = [
                level
                for level, (dataset_name, _) in LEVELS.items()
                if level in level_years and DATASET_PROFILES[dataset_name].geography == dataset.geography
            ]
            datasets[name] = dataclasses.replace(dataset, levels=tuple(same_areas))
        taxonomies = {}
        for info in list_taxonomies():
            compatible = [
                d.name for d in datasets.values() if _family(d.classification) == _family(info.classification)
            ]
            taxonomies[info.name] = {
                "name": info.name,
                "title": info.title,
                "classification": info.classification,
                "clusters": info.clusters,
                "source": info.source,
                "datasets": compatible,
                "geographies": sorted({datasets[d].geography for d in compatible}),
            }
        catalogue = cls(datasets, areas, names, parents, taxonomies, warehouse.embedded_data_version(), level_years)
        catalogue.benchmark_areas = {name: catalogue._containers(name) for name in datasets}
        places = pd.DataFrame(
            {
                "area_code": list(levels),
                "area_name": [names.get(c) for c in levels],
                "area_level": list(levels.values()),
                "parent_code": [parents.get(c) for c in levels],
                "geography": [geographies.get(c, "") for c in levels],
            }
        )
        catalogue.gazetteers = {name: Gazetteer(list(areas[name]), places) for name in datasets}
        catalogue.gazetteers[None] = Gazetteer([c for name in datasets for c in areas[name]], places)
        csas = [code for code, level in levels.items() if level == "csa"]
        for name, dataset in datasets.items():
            if dataset.geography == "us":
                catalogue.composites[name] = catalogue._combined_areas(name, csas)
        return catalogue

    def _combined_areas(self, dataset: str, codes: Sequence[str]) -> dict[str, Area]:
        """The areas *codes* (CSAs) that are two or more of the dataset's areas, as composite :class:`Area` rows."""
        out: dict[str, Area] = {}
        for code in sorted(codes):
            region = self.gazetteers[dataset].resolve(code)
            if region.composite and region.code == code:  # a CSA with one CBSA in the data is that CBSA
                composite = self.area_of(region, dataset)
                out[code] = dataclasses.replace(composite, level="csa")
        return out

    def _containers(self, dataset: str) -> dict[str, list[str]]:
        """Larger areas holding at least two of the dataset's areas: the area benchmarks on offer."""
        inside: dict[str, list[str]] = {}
        for code in self.areas[dataset]:
            seen = set()
            parent = self.parents.get(code)
            while parent is not None and parent not in seen:
                seen.add(parent)
                inside.setdefault(parent, []).append(code)
                parent = self.parents.get(parent)
        national = {"K03000001", "K02000001"}
        return {k: sorted(v) for k, v in sorted(inside.items()) if len(v) >= 2 and k not in national}

    # -- checks -------------------------------------------------------------------------------------------------
    def resolve_area(self, region: str) -> Area:
        """The area a region code, name, alias or group stands for; UnknownCodeError with "did you mean"."""
        if not self.datasets:
            raise WarehouseError("the warehouse holds no employment datasets")
        resolved = self.gazetteers[None].resolve(region)
        dataset = next(d for d in self.datasets if resolved.members[0] in self.areas[d])
        return self.area_of(resolved, dataset)

    def area_of(self, region: Region, dataset: str) -> Area:
        """A resolved region as an :class:`Area` of *dataset* (a composite region sums its members' totals)."""
        if not region.composite:
            return self.areas[dataset][region.code]
        known = self.composites.get(dataset, {}).get(region.code)
        if known is not None:
            return dataclasses.replace(known, mapping=region.mapping)
        totals = [self.areas[dataset][m].total_employment for m in region.members]
        return Area(
            code=region.code,
            name=region.name,
            dataset=dataset,
            geography=self.datasets[dataset].geography,
            level="composite",
            parent_code=None,
            total_employment=None if None in totals else float(sum(t for t in totals if t is not None)),
            members=region.members,
            mapping=region.mapping,
        )

    def dataset(self, name: str) -> EmploymentDataset:
        return self.datasets[name]

    def taxonomy_for(self, taxonomy: str | None, dataset: EmploymentDataset) -> str:
        """A built-in taxonomy name that fits the dataset's classification (default: the dataset's own)."""
        if taxonomy is None or taxonomy == "":
            return dataset.default_taxonomy
        name = taxonomy.strip()
        if name not in self.taxonomies:
            raise UnknownCodeError("taxonomy", name, sorted(self.taxonomies))
        if dataset.name not in self.taxonomies[name]["datasets"]:
            fitting = [t for t, info in sorted(self.taxonomies.items()) if dataset.name in info["datasets"]]
            raise ParameterError(
                f"taxonomy {name!r} classifies {self.taxonomies[name]['classification']} industries but "
                f"{GEOGRAPHY_LABELS.get(dataset.geography, dataset.geography)} data ({dataset.name}) uses "
                f"{dataset.classification}; valid choices: {', '.join(fitting)}"
            )
        return name

    def gb_dataset(self, what: str) -> EmploymentDataset:
        """The GB employment dataset (BRES), which *what* needs."""
        return self.dataset_of("uk", what, "the GB employment data (BRES)")

    def dataset_of(self, geography: str, what: str, data: str) -> EmploymentDataset:
        """The employment dataset of *geography*, which *what* needs (*data* names it in the error)."""
        for dataset in self.datasets.values():
            if dataset.geography == geography:
                return dataset
        raise WarehouseError(f"{what} needs {data}, which the warehouse does not hold")

    def gb_area(self, region: str, what: str) -> Area:
        """The GB area *region* stands for; *what* covers GB areas only."""
        area = self.resolve_area(region)
        if area.geography != "uk":
            raise ParameterError(f"{what} covers GB areas; region {area.code} is not a GB ITL2 area")
        return area

    def taxonomy_definition(self, name: str) -> Taxonomy:
        """The clusters and codes of a built-in taxonomy of the catalogue."""
        if name not in self.taxonomies:
            raise UnknownCodeError("taxonomy", name, sorted(self.taxonomies))
        return load_taxonomy(name)

    def cluster_of(self, taxonomy: str, cluster: str) -> str:
        """*cluster*, checked to be a cluster id of the built-in *taxonomy*."""
        ids = list(load_taxonomy(taxonomy).cluster_ids)
        if cluster not in ids:
            raise UnknownCodeError(f"cluster of {taxonomy}", cluster, ids)
        return cluster

    def taxonomies_for(self, dataset: EmploymentDataset) -> list[str]:
        return [t for t, info in sorted(self.taxonomies.items()) if dataset.name in info["datasets"]]

    def period(self, dataset: EmploymentDataset, year: int | None, base_year: int | None) -> tuple[int, int | None]:
        """The profile year and growth start year, checked against the years in the data."""
        years = dataset.years
        choices = [str(y) for y in years]
        chosen = years[-1] if year is None else year
        if chosen not in years:
            raise UnknownCodeError("year", str(year), choices)
        if len(years) == 1:
            if base_year is not None:
                raise ParameterError(
                    f"base_year {base_year} not allowed: {dataset.name} has one year ({years[0]}), so no growth period"
                )
            return chosen, None
        if base_year is None and chosen == years[0]:
            return chosen, None  # the earliest year: no earlier year to grow from, so growth measures stay empty
        base = years[0] if base_year is None else base_year
        if base not in years:
            raise UnknownCodeError("base year", str(base_year), choices)
        if base >= chosen:
            raise ParameterError(
                f"base_year {base} must be before year {chosen}; years in the data: {', '.join(choices)}"
            )
        return chosen, base

    def benchmark_choices(self, area: Area) -> list[dict[str, Any]]:
        """What the ``benchmark`` parameter accepts for an area, with labels."""
        dataset = self.datasets[area.dataset]
        choices: list[dict[str, Any]] = [
            {"value": "national", "label": dataset.benchmark_name, "contains_region": True},
            {"value": "peers", "label": "peer group (default: the 8 areas closest in total employment)"},
        ]
        if dataset.geography == "us":
            choices += [
                {"value": key, "label": f"all {kind} areas", "contains_region": True}
                for key, kind in CBSA_TYPES.items()
            ]
        for code, members in self.benchmark_areas[area.dataset].items():
            if area.members and set(members) == set(area.members):
                continue  # the region itself (a CSA): it would be its own only benchmark area
            name = self.names.get(code)
            choices.append(
                {
                    "value": code,
                    "label": f"{name} ({code})" if name else code,
                    "areas": len(members),
                    "contains_region": area.code in members,
                }
            )
        return choices

    def benchmark(self, benchmark: str, area: Area) -> str:
        key = benchmark_keyword(benchmark)
        if key in ("national", "peers") or key in self.benchmark_areas[area.dataset]:
            return key
        if key in CBSA_TYPES and self.datasets[area.dataset].geography == "us":
            return key
        raise UnknownCodeError("benchmark", benchmark, [str(c["value"]) for c in self.benchmark_choices(area)])

    def peers(self, peers: Sequence[str] | None, benchmark: str, area: Area) -> tuple[str, ...] | None:
        if not peers:
            return None
        if benchmark != "peers":
            raise ParameterError("peers apply only with benchmark=peers")
        resolved = sorted({r.code for r in self.gazetteers[area.dataset].resolve_many(list(peers))})
        return tuple(resolved)


def _latest_totals(warehouse: Warehouse, dataset: str, year: int) -> dict[str, float]:
    """Each area's total employment in *year*, as profile_region computes it (published total or sum of units)."""
    profile = DATASET_PROFILES[dataset]
    if profile.total_code is not None:
        return warehouse.area_employment_totals(dataset, year, total_code=profile.total_code)
    return warehouse.area_employment_totals(dataset, year, unit_level=(profile.classification, profile.unit_level))
