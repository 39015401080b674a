"""Build the US datasets: CBP 2019 by CBSA, its area and NAICS dimensions, and the Cluster Mapping definitions."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd

from .._schema import AREA_COLUMNS, INDUSTRY_COLUMNS
from ..datasets import CBP_METROS
from ..sources.cbp import naics_level, naics_parent, read_cbp_cbsa_csv
from ..sources.cluster_mapping import read_clusters_2007, read_sub_clusters_2007, read_traded_clusters
from ._common import CMP_ATTRIBUTION, US_PUBLIC_DOMAIN, BuiltDataset, raw_entry, write_facts, write_table

CBP_CBSA = "us/cbp/cbp2019_cbsa_naics2to6_emp_estab.csv"
TRADED = "us/cluster_mapping/cmp_traded_clusters_naics2012_2017.csv"
CLUSTERS_2007_JSON = "us/cluster_mapping/clusters-list.json"
CLUSTERS_2007_CSV = "us/cluster_mapping/naics2007_to_cluster.csv"

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


def cbsa_areas(facts: pd.DataFrame) -> pd.DataFrame:
    """Area dimension rows for the CBSAs in *facts* (no names: the CBP extract has none)."""
    codes = sorted(facts["area_code"].unique())
    out = pd.DataFrame({"area_code": codes})
    out["area_name"] = _nulls(len(out))
    out["area_level"] = "cbsa"
    out["parent_code"] = _nulls(len(out))
    out["geography"] = "us"
    out["alt_code"] = _nulls(len(out))
    return out[AREA_COLUMNS]


def naics_industries(codes: pd.Series | list[str], classification: str = "naics2017") -> pd.DataFrame:
    """Industry dimension rows (levels ``total``, ``naics2`` .. ``naics6``, parent one level up) for *codes*."""
    unique = sorted(set(codes), key=lambda c: (naics_level(c), c))
    out = pd.DataFrame({"industry_code": unique})
    out["classification"] = classification
    out["industry_name"] = _nulls(len(out))  # no NAICS titles in the raw files; not invented
    out["industry_level"] = [_LEVEL_NAMES[naics_level(c)] for c in unique]
    out["parent_code"] = [naics_parent(c) for c in unique]
    return out[INDUSTRY_COLUMNS]


def build(raw: Path, out: Path) -> list[BuiltDataset]:
    facts = read_cbp_cbsa_csv(raw / CBP_CBSA, dataset=CBP_METROS, year=2019)
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
            cbsa_areas(facts),
            out,
            "areas_us_cbsa",
            kind="areas",
            title="US core-based statistical areas (metropolitan and micropolitan) in CBP 2019",
            vintage="CBP 2019",
            **cbp,
            transforms=["distinct cbsa_code values of the CBP 2019 CBSA file"],
            description=(
                "The 933 CBSA codes (5 digits, OMB delineation used by CBP 2019). area_name is empty: the CBP "
                "extract carries codes only, and no CBSA name list is among the raw files. No parent (state) "
                "because CBSAs cross state lines."
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
    return built
