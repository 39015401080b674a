"""Build the US datasets: CBP 2019 by CBSA, its area and NAICS dimensions, and the Cluster Mapping definitions."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd

from .._schema import AREA_COLUMNS, INDUSTRY_COLUMNS
from ..datasets import CBP_METROS
from ..sources.cbp import naics_level, naics_parent, read_cbp_cbsa_csv
from ..sources.cbsa import cbsa_table, read_cbsa_delineation
from ..sources.cluster_mapping import read_clusters_2007, read_sub_clusters_2007, read_traded_clusters
from ._common import CMP_ATTRIBUTION, US_PUBLIC_DOMAIN, BuiltDataset, raw_entry, write_facts, write_table, write_text

CBP_CBSA = "us/cbp/cbp2019_cbsa_naics2to6_emp_estab.csv"
TRADED = "us/cluster_mapping/cmp_traded_clusters_naics2012_2017.csv"
CLUSTERS_2007_JSON = "us/cluster_mapping/clusters-list.json"
CLUSTERS_2007_CSV = "us/cluster_mapping/naics2007_to_cluster.csv"
DELINEATION = "us/cbsa/list1_2018_04.xls"
COUNTY_SHAPES = "us/boundaries/counties-10m.json"
#: CBSA shapes: Douglas-Peucker tolerance (degrees, about 1 km) and decimals kept (about 100 m).
CBSA_TOLERANCE_DEG = 0.01
CBSA_DECIMALS = 3

_CBP_SOURCE = (
    "County Business Patterns 2019, metropolitan and micropolitan statistical areas (fansi-sifan/metro-datasets)"
)
_CBP_PUBLISHER = "US Census Bureau"
_CMP_SOURCE = "US Cluster Mapping Project cluster definitions"
_CMP_PUBLISHER = (
    "Institute for Strategy and Competitiveness, Harvard Business School, and US Economic Development Administration"
)

_LEVEL_NAMES = {0: "total", 2: "naics2", 3: "naics3", 4: "naics4", 5: "naics5", 6: "naics6"}


def _nulls(n: int) -> pd.Series:
    # A string column of nulls (an all-None object column would be written as Parquet type null).
    return pd.Series([None] * n, dtype="string")


def cbsa_areas(facts: pd.DataFrame, delineation: pd.DataFrame) -> pd.DataFrame:
    """Area rows for the CBSAs in *facts*, named by the delineation, with their CSAs as parents.

    A CSA is listed (area level ``csa``) when it holds at least one of the CBSAs.
    """
    codes = sorted(facts["area_code"].unique())
    table = delineation.set_index("cbsa_code")
    missing = sorted(set(codes) - set(table.index))
    if missing:
        raise ValueError(f"CBSA codes of the CBP file missing from the delineation: {missing[:5]}")
    out = pd.DataFrame({"area_code": codes})
    out["area_name"] = table["cbsa_title"].reindex(codes).to_numpy()
    out["area_level"] = "cbsa"
    out["parent_code"] = pd.Series(table["csa_code"].reindex(codes).to_numpy(), dtype="string")
    out["geography"] = "us"
    out["alt_code"] = _nulls(len(out))
    csas = table.loc[codes].dropna(subset=["csa_code"]).drop_duplicates("csa_code").sort_values("csa_code")
    parents = pd.DataFrame({"area_code": csas["csa_code"].to_numpy(), "area_name": csas["csa_title"].to_numpy()})
    parents["area_level"] = "csa"
    parents["parent_code"] = _nulls(len(parents))
    parents["geography"] = "us"
    parents["alt_code"] = _nulls(len(parents))
    return pd.concat([out, parents], ignore_index=True)[AREA_COLUMNS]


def _topology_polygons(topology: dict[str, Any], object_name: str) -> dict[str, Any]:
    """Shapely (Multi)Polygons of a quantised TopoJSON object's geometries, by id."""
    import numpy as np
    from shapely.geometry import MultiPolygon, Polygon

    scale = np.array(topology["transform"]["scale"])
    translate = np.array(topology["transform"]["translate"])
    arcs = [np.cumsum(np.array(arc, dtype=float), axis=0) * scale + translate for arc in topology["arcs"]]

    def ring(indexes: list[int]) -> list[tuple[float, float]]:
        points: list[Any] = []
        for index in indexes:
            arc = arcs[index] if index >= 0 else arcs[~index][::-1]
            points.extend(arc if not points else arc[1:])  # consecutive arcs share their end point
        return [(float(x), float(y)) for x, y in points]

    def polygon(rings: list[list[int]]) -> Polygon | None:
        # Quantisation collapses a few tiny islands and holes to fewer than 4 points: they are dropped.
        shell, *holes = (ring(r) for r in rings)
        if len(shell) < 4:
            return None
        return Polygon(shell, [h for h in holes if len(h) >= 4])

    out = {}
    for geometry in topology["objects"][object_name]["geometries"]:
        kind = geometry["type"]
        parts = [geometry["arcs"]] if kind == "Polygon" else geometry["arcs"] if kind == "MultiPolygon" else []
        polygons = [p for p in (polygon(rings) for rings in parts) if p is not None]
        if polygons:
            out[str(geometry["id"])] = polygons[0] if len(polygons) == 1 else MultiPolygon(polygons)
    return out


def cbsa_shapes(counties: pd.DataFrame, topology: dict[str, Any]) -> tuple[list[str], list[Any], list[str]]:
    """CBSA shapes: the delineation's counties dissolved by CBSA, simplified, rounded.

    Returns the CBSA codes, their shapes and the county FIPS codes without a shape.
    """
    import numpy as np
    import shapely

    from .geography import _polygonal

    shapes = _topology_polygons(topology, "counties")
    absent = sorted(set(counties["county_fips"]) - set(shapes))
    groups: dict[str, list[Any]] = {}
    for cbsa, fips in zip(counties["cbsa_code"], counties["county_fips"], strict=True):
        if fips in shapes:
            groups.setdefault(cbsa, []).append(_polygonal(shapes[fips]))
    codes = sorted(groups)
    merged = np.array([shapely.union_all(groups[c]) for c in codes], dtype=object)
    simplified = shapely.coverage_simplify(merged, CBSA_TOLERANCE_DEG)
    rounded = [_polygonal(shapely.set_precision(g, 10**-CBSA_DECIMALS)) for g in simplified]
    return codes, rounded, absent


def naics_industries(codes: pd.Series | list[str], classification: str = "naics2017") -> pd.DataFrame:
    """Industry dimension rows (levels ``total``, ``naics2`` .. ``naics6``, parent one level up) for *codes*."""
    unique = sorted(set(codes), key=lambda c: (naics_level(c), c))
    out = pd.DataFrame({"industry_code": unique})
    out["classification"] = classification
    out["industry_name"] = _nulls(len(out))  # no NAICS titles in the raw files; not invented
    out["industry_level"] = [_LEVEL_NAMES[naics_level(c)] for c in unique]
    out["parent_code"] = [naics_parent(c) for c in unique]
    return out[INDUSTRY_COLUMNS]


def _delineation_datasets(raw: Path, out: Path, counties: pd.DataFrame) -> list[BuiltDataset]:
    import json

    from .geography import _feature_collection

    table = cbsa_table(counties)
    delineation: dict[str, Any] = {
        "source": "Core based statistical areas and their counties, delineation file list1 (OMB Bulletin 18-03)",
        "publisher": "US Office of Management and Budget; file by the US Census Bureau, Population Division",
        "licence": US_PUBLIC_DOMAIN,
        "vintage": "April 2018 delineation (used by CBP 2019)",
    }
    topology = json.loads((raw / COUNTY_SHAPES).read_text(encoding="utf-8"))
    codes, shapes, absent = cbsa_shapes(counties, topology)
    text = _feature_collection(codes, dict(zip(table["cbsa_code"], table["cbsa_title"], strict=True)), shapes)
    metro = int((table["cbsa_type"] == "metropolitan").sum())
    return [
        write_table(
            table,
            out,
            "cbsa_delineation",
            title="US metropolitan and micropolitan statistical areas (April 2018 delineation)",
            **delineation,
            raw_files=[raw_entry(raw, DELINEATION)],
            transforms=[
                "three header lines and the closing notes skipped; one row per county read",
                "one row per CBSA: title, type (metropolitan/micropolitan), CSA, counties",
                "principal_state = first state abbreviation after the title's comma; states = all of them",
            ],
            description=(
                f"{len(table)} CBSAs ({metro} metropolitan, {len(table) - metro} micropolitan), Puerto Rico "
                "included, with title, type, combined statistical area (CSA), principal state, the states in the "
                "title, and their counties (5-digit FIPS, ';'-joined)."
            ),
        ),
        write_table(
            counties,
            out,
            "cbsa_counties",
            title="Counties of each US CBSA (April 2018 delineation)",
            **delineation,
            raw_files=[raw_entry(raw, DELINEATION)],
            transforms=["county FIPS = state FIPS (2 digits) + county FIPS (3 digits)", "empty cells -> null"],
            description=(
                "One row per county: CBSA, metropolitan division, CSA, county name, state, 5-digit FIPS, "
                "central or outlying."
            ),
        ),
        write_text(
            text,
            out,
            "boundaries_cbsa.geojson",
            "boundaries_cbsa",
            "geojson",
            len(codes),
            title="US CBSA boundaries (counties dissolved by the April 2018 delineation)",
            source="us-atlas 3.0.1 counties-10m (Census cartographic boundaries 2017) and the OMB delineation",
            publisher="US Census Bureau; us-atlas (ISC)",
            licence=US_PUBLIC_DOMAIN + "; us-atlas packaging ISC",
            vintage="county shapes 2017, delineation April 2018",
            raw_files=[raw_entry(raw, COUNTY_SHAPES), raw_entry(raw, DELINEATION)],
            transforms=[
                "TopoJSON arcs decoded (quantised, delta-encoded) to county polygons",
                "counties dissolved by CBSA (shapely union_all)",
                f"coverage-simplified at {CBSA_TOLERANCE_DEG} degrees, coordinates to {CBSA_DECIMALS} decimals",
                f"counties without a shape in us-atlas: {', '.join(absent) or 'none'}",
            ],
            description="One feature per CBSA (id and code = CBSA code, name = title), WGS84, for maps.",
        ),
    ]


def build(raw: Path, out: Path) -> list[BuiltDataset]:
    facts = read_cbp_cbsa_csv(raw / CBP_CBSA, dataset=CBP_METROS, year=2019)
    counties = read_cbsa_delineation(raw / DELINEATION, file_label=DELINEATION)
    suppressed = int((facts["flag"] == "zero_may_be_suppressed").sum())
    # Provenance shared by the three datasets built from the CBP file, and by the Cluster Mapping ones.
    cbp: dict[str, Any] = {
        "source": _CBP_SOURCE,
        "publisher": _CBP_PUBLISHER,
        "licence": US_PUBLIC_DOMAIN,
        "raw_files": [raw_entry(raw, CBP_CBSA)],
    }
    cluster_mapping: dict[str, Any] = {"publisher": _CMP_PUBLISHER, "licence": CMP_ATTRIBUTION}
    built = [
        write_facts(
            facts,
            out,
            CBP_METROS,
            title="County Business Patterns 2019: employment and establishments by CBSA and NAICS 2017 (2-6 digits)",
            vintage="CBP 2019 (NAICS 2017)",
            **cbp,
            transforms=[
                "CBSA CSV parsed to canonical facts (measures employment, establishments)",
                "naics_level recomputed from the code: 31-33, 44-45, 48-49 are sectors (the file says 5)",
                f"employment 0 with establishments > 0 flagged zero_may_be_suppressed ({suppressed} rows)",
            ],
            description=(
                "Paid employment in the pay period including 12 March 2019 (noise-infused by the Census Bureau) and "
                "establishments, for 933 metropolitan and micropolitan statistical areas; industry 00 = all "
                "industries. Codes are NAICS 2017 at 2 to 6 digits; the combined sectors 31-33, 44-45, 48-49 are "
                "present (except 31-33 for CBSA 39700 and 48-49 for CBSA 31060). Rows below publication thresholds "
                "are absent, so children need not add up to their parent. Excludes self-employed, farm, railroad "
                "and most government employment."
            ),
        ),
        write_table(
            cbsa_areas(facts, cbsa_table(counties)),
            out,
            "areas_us_cbsa",
            kind="areas",
            title="US core-based statistical areas (metropolitan and micropolitan) in CBP 2019, with their CSAs",
            vintage="CBP 2019; April 2018 delineation",
            source=_CBP_SOURCE + "; OMB delineation list1 of April 2018",
            publisher=_CBP_PUBLISHER + "; US Office of Management and Budget",
            licence=US_PUBLIC_DOMAIN,
            raw_files=[raw_entry(raw, CBP_CBSA), raw_entry(raw, DELINEATION)],
            transforms=[
                "distinct cbsa_code values of the CBP 2019 CBSA file",
                "area_name = CBSA title of the April 2018 delineation; parent_code = its CSA",
                "CSAs holding any of these CBSAs added at area level csa",
            ],
            description=(
                "The 933 CBSA codes (5 digits) of CBP 2019, named by the OMB delineation CBP 2019 uses, and the "
                "combined statistical areas (CSA, 3 digits) they belong to. A CBSA outside any CSA has no parent "
                "(CBSAs cross state lines)."
            ),
        ),
        write_table(
            naics_industries(facts["industry_code"]),
            out,
            "industries_naics2017",
            kind="industries",
            title="NAICS 2017 codes in CBP 2019 (all industries, sectors, 3- to 6-digit industries)",
            vintage="NAICS 2017",
            **cbp,
            transforms=[
                "distinct naics_code values of the CBP 2019 CBSA file",
                "level from the number of digits (00 -> total, 31-33 -> naics2)",
                "parent = code one digit shorter; 3-digit codes under 31/32/33, 44/45, 48/49 -> 31-33, 44-45, 48-49",
            ],
            description=(
                "industry_name is empty: the raw files carry no NAICS titles. Sectors and the total (00) have no "
                "parent."
            ),
        ),
    ]
    traded = read_traded_clusters(raw / TRADED)
    built.append(
        write_table(
            traded,
            out,
            "cmp_traded_clusters",
            title="US Cluster Mapping traded clusters (Delgado, Porter & Stern 2016): 51 clusters -> NAICS 6-digit",
            source=_CMP_SOURCE + ", benchmark traded clusters, transcribed from a public analysis script for CBP 2017",
            vintage="2016 definitions over NAICS 2012, with NAICS 2017 additions",
            **cluster_mapping,
            raw_files=[raw_entry(raw, TRADED)],
            transforms=["checked: each NAICS code in exactly one cluster", "naics -> naics_code (6-digit string)"],
            description=(
                "787 NAICS 6-digit codes in 51 traded clusters. About 75% of the codes occur in CBP 2019 at 6 digits; "
                "codes retired in NAICS 2017 match nothing there. Local clusters are not part of this set."
            ),
        )
    )
    clusters_2007 = read_clusters_2007(raw / CLUSTERS_2007_JSON)
    built.append(
        write_table(
            clusters_2007,
            out,
            "cmp_clusters_2007",
            title="US Cluster Mapping 2007-vintage clusters: 51 traded and 16 local clusters -> NAICS 2007 codes",
            source=_CMP_SOURCE + ", portal clusters-list.json (clustermapping/cmp)",
            vintage="2007 definitions over NAICS 2007",
            **cluster_mapping,
            raw_files=[raw_entry(raw, CLUSTERS_2007_JSON), raw_entry(raw, CLUSTERS_2007_CSV)],
            transforms=[
                "cluster id from 'clusterData/N'",
                "cluster_type local when the key starts with local_ (agrees with naics2007_to_cluster.csv)",
                "checked: each NAICS code in exactly one cluster",
            ],
            description=(
                "1,099 NAICS 2007 codes in 67 clusters, 16 of them local (ids 101-116): the only source here for "
                "local-cluster codes. Traded clusters carry their older names. cluster_key is not unique (ids 11 and "
                "1001 are both agricultural_products); use cluster_id."
            ),
        )
    )
    built.append(
        write_table(
            read_sub_clusters_2007(raw / CLUSTERS_2007_JSON),
            out,
            "cmp_sub_clusters_2007",
            title="US Cluster Mapping 2007-vintage sub-cluster names",
            source=_CMP_SOURCE + ", portal clusters-list.json (clustermapping/cmp)",
            vintage="2007 definitions",
            **cluster_mapping,
            raw_files=[raw_entry(raw, CLUSTERS_2007_JSON)],
            transforms=["sub_clusters objects flattened; the placeholder {'': ''} dropped"],
            description=(
                "Names of the sub-clusters of each 2007-vintage cluster (sub_cluster_id is unique within a cluster "
                "only). The source does not say which NAICS codes make up each sub-cluster."
            ),
        )
    )
    built.extend(_delineation_datasets(raw, out, counties))
    return built
