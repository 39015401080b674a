"""Write the US Cluster Mapping taxonomies (package data) from the package's Cluster Mapping tables.

Reads the tables the ``us`` builder writes (``cmp_traded_clusters``,
``cmp_clusters_2007``, ``cmp_sub_clusters_2007``) and writes two built-in
taxonomies into ``src/clusterplan/data/taxonomies``:

* ``us_cmp_traded_2014.yaml``: the 51 current traded clusters (Delgado, Porter & Stern 2016);
* ``us_cmp_2007.yaml``: the 67 clusters of the 2007-vintage definitions (51 traded, 16 local).

The output is deterministic (same bytes on every run). Run from the repository root::

    .venv/bin/python scripts/build_cmp_taxonomies.py           # write the files
    .venv/bin/python scripts/build_cmp_taxonomies.py --check   # exit 1 if a file is out of date
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections.abc import Iterable
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "src" / "clusterplan" / "data"
OUT = DATA / "taxonomies"
CODES_PER_LINE = 10
WIDTH = 110  # folded text stays inside the 120-character line limit with its indentation

_ATTRIBUTION = [
    "Cluster definitions: US Cluster Mapping Project, Institute for Strategy and Competitiveness, Harvard",
    "Business School, and the US Economic Development Administration.",
]


def _quote(text: str) -> str:
    # A JSON string is a valid YAML double-quoted scalar.
    return json.dumps(text, ensure_ascii=False)


def _folded(key: str, text: str, indent: int) -> list[str]:
    """``key: >-`` followed by *text* wrapped at WIDTH (a folded block scalar: newlines become spaces)."""
    pad = " " * (indent + 2)
    lines = [f"{' ' * indent}{key}: >-"]
    line = ""
    for word in text.split():
        if line and len(pad) + len(line) + 1 + len(word) > WIDTH:
            lines.append(pad + line)
            line = word
        else:
            line = f"{line} {word}" if line else word
    if line:
        lines.append(pad + line)
    return lines


def _codes(codes: Iterable[str], indent: int) -> list[str]:
    codes = list(codes)
    pad = " " * (indent + 2)
    lines = [f"{' ' * indent}codes: ["]
    for start in range(0, len(codes), CODES_PER_LINE):
        chunk = ", ".join(_quote(c) for c in codes[start : start + CODES_PER_LINE])
        lines.append(f"{pad}{chunk},")
    lines[-1] = lines[-1].rstrip(",")
    lines.append(f"{' ' * indent}]")
    return lines


def _identifier(text: str) -> str:
    """snake_case id from a cluster key or name: "Sporting, Recreational ..." -> sporting_recreational_..."""
    return re.sub(r"[^a-z0-9]+", "_", text.lower()).strip("_")


def _document(header: list[str], top: dict[str, str], clusters: list[dict[str, object]]) -> str:
    lines = [f"# {line}".rstrip() for line in header]
    lines.append("")
    lines.append(f"name: {top['name']}")
    lines.append(f"title: {_quote(top['title'])}")
    lines.append(f"classification: {top['classification']}")
    lines.extend(_folded("source", top["source"], 0))
    lines.extend(_folded("description", top["description"], 0))
    lines.append("")
    lines.append("clusters:")
    for cluster in clusters:
        lines.append(f"  - id: {cluster['id']}")
        lines.append(f"    name: {_quote(str(cluster['name']))}")
        lines.extend(_folded("description", str(cluster["description"]), 4))
        lines.extend(_codes(cluster["codes"], 4))  # type: ignore[arg-type]
        lines.extend(_folded("note", str(cluster["note"]), 4))
        lines.append(f"    confidence: {cluster['confidence']}")
        lines.append("")
    return "\n".join(lines).rstrip("\n") + "\n"


def traded_2014(traded: pd.DataFrame) -> str:
    """The 51 current traded clusters as taxonomy YAML."""
    clusters: list[dict[str, object]] = []
    for cluster_id, group in traded.groupby("cluster_id", sort=True):
        name = str(group["cluster_name"].iloc[0])
        codes = sorted(group["naics_code"].astype(str))
        clusters.append(
            {
                "id": _identifier(name),
                "name": name,
                "description": (
                    f"US Cluster Mapping traded cluster {cluster_id}: {name} ({len(codes)} NAICS industries)."
                ),
                "codes": codes,
                "note": (
                    "Official Cluster Mapping definition, copied unchanged. Codes retired in the NAICS 2017 "
                    "revision match nothing in NAICS 2017 data, and County Business Patterns omits 6-digit "
                    "industries below its publication thresholds: apply with strict=False and check "
                    "mapping_coverage()."
                ),
                "confidence": "high",
            }
        )
    ids = [c["id"] for c in clusters]
    if len(set(ids)) != len(ids):
        raise SystemExit("two traded clusters give the same id")
    header = [
        "US Cluster Mapping Project: the 51 traded clusters (benchmark definitions of Delgado, Porter & Stern 2016).",
        "",
        "GENERATED by scripts/build_cmp_taxonomies.py from the package table cmp_traded_clusters; do not edit by hand.",
        "",
        "Each traded cluster is a group of 6-digit NAICS industries linked by co-location, input-output flows and",
        "shared occupations; every code belongs to exactly one cluster, so there are no overlaps. The codes are",
        "NAICS 2012 industries plus those added in the NAICS 2017 revision, as the Cluster Mapping portal applies",
        "them to County Business Patterns since 2014 (taken from a public analysis script for CBP 2017). Local",
        "industries are not part of this set: see us_cmp_2007 for local clusters.",
        "",
        *_ATTRIBUTION,
        "Reference: Delgado, M., Porter, M. E. and Stern, S. (2016), Defining clusters of related industries,",
        "Journal of Economic Geography 16(1), 1-38.",
    ]
    top = {
        "name": "us_cmp_traded_2014",
        "title": "US Cluster Mapping traded clusters (51, Delgado-Porter-Stern 2016, NAICS 2012/2017)",
        "classification": "naics2017",
        "source": (
            "US Cluster Mapping Project (Institute for Strategy and Competitiveness, Harvard Business School, and US "
            "Economic Development Administration): benchmark traded cluster definitions of Delgado, Porter and Stern "
            "(2016), NAICS 2012 codes with the NAICS 2017 additions."
        ),
        "description": (
            "The 51 traded clusters of the US Cluster Mapping portal, 787 six-digit NAICS industries. Applied to "
            "County Business Patterns 2019 (NAICS 2017) with strict=False, 589 of the codes occur and the clusters "
            "hold 29.5% of the employment of metropolitan and micropolitan areas."
        ),
    }
    return _document(header, top, clusters)


def clusters_2007(table: pd.DataFrame, subs: pd.DataFrame) -> str:
    """The 67 clusters (51 traded, 16 local) of the 2007-vintage definitions as taxonomy YAML."""
    sub_names = subs.groupby("cluster_id")["sub_cluster_name"].apply(list).to_dict()
    seen: set[str] = set()
    clusters: list[dict[str, object]] = []
    for cluster_id, group in table.groupby("cluster_id", sort=True):
        first = group.iloc[0]
        name, kind = str(first["cluster_name"]), str(first["cluster_type"])
        identifier = _identifier(str(first["cluster_key"]))
        if identifier in seen:  # keys are not unique (11 and 1001 are both agricultural_products)
            identifier = f"{identifier}_{cluster_id}"
        seen.add(identifier)
        codes = sorted(group["naics_code"].astype(str))
        subs_text = "; ".join(sub_names.get(cluster_id, []))
        description = f"US Cluster Mapping {kind} cluster {cluster_id} (2007 definitions): {name}."
        if subs_text:
            description += f" Sub-clusters: {subs_text}."
        if kind == "local":
            note = (
                "Local cluster: industries that serve the local market and are present in every region roughly in "
                "proportion to its population. "
            )
        else:
            note = (
                "Traded cluster under its 2007 name; the current set (us_cmp_traded_2014) regroups these industries. "
            )
        note += (
            "Official definition, copied unchanged; NAICS 2007 codes changed in later revisions match nothing in "
            "NAICS 2017 data."
        )
        clusters.append(
            {
                "id": identifier,
                "name": name,
                "description": description,
                "codes": codes,
                "note": note,
                "confidence": "high",
            }
        )
    local = sum(1 for c in clusters if str(c["id"]).startswith("local_"))
    header = [
        "US Cluster Mapping Project: the 2007-vintage cluster definitions, 51 traded and 16 local clusters.",
        "",
        "GENERATED by scripts/build_cmp_taxonomies.py from the package tables cmp_clusters_2007 and",
        "cmp_sub_clusters_2007 (the portal's clusters-list.json, clustermapping/cmp); do not edit by hand.",
        "",
        "Codes are 6-digit NAICS 2007 industries; each belongs to exactly one cluster. Local clusters have ids",
        "starting with local_ (CMP ids 101-116). This is the only built-in source of local-cluster codes; the",
        "traded clusters here carry their older names and were regrouped in 2014 (see us_cmp_traded_2014).",
        "",
        *_ATTRIBUTION,
    ]
    top = {
        "name": "us_cmp_2007",
        "title": "US Cluster Mapping clusters, 2007 definitions (51 traded + 16 local, NAICS 2007)",
        "classification": "naics2007",
        "source": (
            "US Cluster Mapping Project (Institute for Strategy and Competitiveness, Harvard Business School, and US "
            "Economic Development Administration): 2007-vintage cluster definitions from the portal's "
            "clusters-list.json."
        ),
        "description": (
            f"{len(clusters)} clusters over {len(table)} six-digit NAICS 2007 industries: {len(clusters) - local} "
            f"traded clusters under their 2007 names and {local} local clusters (ids starting with local_)."
        ),
    }
    return _document(header, top, clusters)


def build() -> dict[Path, str]:
    traded = pd.read_parquet(DATA / "cmp_traded_clusters.parquet")
    table = pd.read_parquet(DATA / "cmp_clusters_2007.parquet")
    subs = pd.read_parquet(DATA / "cmp_sub_clusters_2007.parquet")
    return {
        OUT / "us_cmp_traded_2014.yaml": traded_2014(traded),
        OUT / "us_cmp_2007.yaml": clusters_2007(table, subs),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="only check that the files are up to date")
    args = parser.parse_args(argv)
    stale = []
    for path, text in build().items():
        current = path.read_text(encoding="utf-8") if path.exists() else None
        if current == text:
            print(f"up to date: {path.relative_to(ROOT)}")
        elif args.check:
            stale.append(path)
            print(f"out of date: {path.relative_to(ROOT)}", file=sys.stderr)
        else:
            path.write_text(text, encoding="utf-8")
            print(f"wrote {path.relative_to(ROOT)} ({len(text):,} bytes)")
    return 1 if stale else 0


if __name__ == "__main__":
    sys.exit(main())
