"""Benchmark: every competitiveness measure for every area and cluster, DuckDB engine.

Usage::

    python benchmarks/bench_measures.py [--repeat 3]

Goals (issue 3, 2-core machine): all measures for all 40 GB ITL2 areas x all
GB taxonomies <= 5 s; all 933 US CBSAs x the 67 clusters of the 2007 US Cluster
Mapping set <= 10 s. One :func:`clusterplan.profile_region` call computes the
panel, shares, LQs and their rounding bounds, growth, ranks and percentiles,
the strong-cluster rule, stars, shift-share and rank change for *every* area
(``ClusterProfile.regions``), plus productivity for the focus region. Timings
are in-process on a warm warehouse (the embedded data already loaded), best
and median of ``--repeat`` runs. Results go to ``benchmarks/results/measures.json``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import tempfile
import time
from pathlib import Path

from clusterplan import Warehouse, list_taxonomies, profile_region

HERE = Path(__file__).resolve().parent


def _time(work, repeat: int) -> dict[str, float]:  # type: ignore[no-untyped-def]
    seconds = []
    for _ in range(repeat):
        start = time.perf_counter()
        work()
        seconds.append(time.perf_counter() - start)
    return {"best_seconds": round(min(seconds), 3), "median_seconds": round(statistics.median(seconds), 3)}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--output", type=Path, default=HERE / "results" / "measures.json")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp, Warehouse(Path(tmp) / "w.duckdb") as warehouse:
        gb_taxonomies = [t.name for t in list_taxonomies() if t.classification == "sic2007"]

        def gb() -> int:
            rows = 0
            for name in gb_taxonomies:
                rows += len(profile_region(warehouse, region="TLG3", taxonomy=name).regions)
            return rows

        def us() -> int:
            return len(profile_region(warehouse, region="12060", taxonomy="us_cmp_2007").regions)

        gb_rows, us_rows = gb(), us()
        results = {
            "gb_itl2_all_taxonomies": {
                "taxonomies": gb_taxonomies,
                "area_cluster_rows": gb_rows,
                **_time(gb, args.repeat),
                "goal_seconds": 5.0,
            },
            "us_cbsa_67_clusters": {"area_cluster_rows": us_rows, **_time(us, args.repeat), "goal_seconds": 10.0},
        }
    for entry in results.values():
        entry["meets_goal"] = entry["median_seconds"] <= entry["goal_seconds"]
    report = {
        "benchmark": "all measures for all areas and clusters, DuckDB engine, warm warehouse",
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version(), "platform": platform.platform()},
        "date": time.strftime("%Y-%m-%d"),
        "results": results,
    }
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(report, indent=2) + "\n")
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
