"""Benchmark: a bounded load test of ``clusterplan serve`` on loopback.

Usage::

    python benchmarks/bench_webapp_load.py [--requests 2000] [--concurrency 20] [--time-limit 600]

Starts the real server (``clusterplan serve --host 127.0.0.1 --port <free>``)
on a new warehouse in a temporary folder, then sends a fixed number of
requests from a fixed number of concurrent clients (httpx AsyncClient): the
mix a dashboard session makes (page and script, region list, region details,
cluster profiles of 20 GB ITL2 areas in two years and of 3 US CBSAs, map rows
of one cluster, taxonomy definitions, GeoJSON boundaries, industry measures,
supply chains, ITL3 breakdowns, the scenarios of 3 regions, health checks),
drawn in a seeded random order, so it includes the first,
uncached computation of every profile as well as the cached repeats. Every
answer must be a 2xx: any error, or the time limit, fails the run (exit 1).
Only 127.0.0.1 is ever contacted. Latency percentiles (p50, p95, p99), the
throughput and the server's peak memory go to
``benchmarks/results/webapp_load.json``.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import random
import statistics
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

import httpx

from clusterplan.warehouse import Warehouse
from clusterplan.web._process import LOOPBACK, ServerProcess

HERE = Path(__file__).resolve().parent

GB_REGIONS = [
    "TLC1", "TLC2", "TLD3", "TLD7", "TLE3", "TLE4", "TLF1", "TLF2", "TLG1", "TLG3",
    "TLH1", "TLI3", "TLI4", "TLJ1", "TLJ3", "TLK1", "TLL1", "TLM5", "TLM7", "TLM8",
]  # fmt: skip
GB_YEARS = [2021, 2019]
US_REGIONS = ["12060", "35620", "31080"]
GB_CLUSTERS = ["ev_batteries", "logistics", "professional_financial_services", "aerospace"]
US_CLUSTERS = ["apparel", "financial_services", "business_services"]

# (kind, weight): roughly what one dashboard session asks for, per 100 requests.
MIX = [
    ("page", 3),
    ("script", 3),
    ("regions", 5),
    ("region", 8),
    ("taxonomies", 5),
    ("taxonomy", 5),
    ("profile", 27),
    ("profile_regions", 22),
    ("boundaries", 4),
    ("measures", 5),
    ("supply_chains", 4),
    ("subregional", 4),
    ("scenarios", 2),
    ("health", 4),
]
#: Scenarios take seconds each to compute; a session looks at those of a few regions.
SCENARIO_REGIONS = ["TLG3", "TLD3", "TLE4"]


def build_requests(count: int, seed: int) -> list[tuple[str, str, dict[str, Any]]]:
    """*count* (kind, path, params) drawn from :data:`MIX` with a seeded generator."""
    rng = random.Random(seed)
    kinds = [k for k, _ in MIX]
    weights = [w for _, w in MIX]
    requests: list[tuple[str, str, dict[str, Any]]] = []
    for kind in rng.choices(kinds, weights=weights, k=count):
        us = rng.random() < 0.15
        region = rng.choice(US_REGIONS) if us else rng.choice(GB_REGIONS)
        year = None if us else rng.choice(GB_YEARS)
        profile = {"region": region} | ({"year": year} if year else {})
        if kind == "page":
            requests.append((kind, "/", {}))
        elif kind == "script":
            requests.append((kind, "/static/dashboard.js", {}))
        elif kind == "regions":
            requests.append((kind, "/api/regions", {}))
        elif kind == "region":
            requests.append((kind, f"/api/regions/{region}", {}))
        elif kind == "taxonomies":
            requests.append((kind, "/api/taxonomies", {}))
        elif kind == "taxonomy":
            name = "us_cmp_traded_2014" if us else "wmca_plan_for_growth"
            requests.append((kind, f"/api/taxonomies/{name}", {}))
        elif kind == "profile":
            requests.append((kind, "/api/profile", profile))
        elif kind == "profile_regions":
            cluster = rng.choice(US_CLUSTERS if us else GB_CLUSTERS)
            requests.append((kind, "/api/profile/regions", profile | {"cluster": cluster}))
        elif kind == "boundaries":
            requests.append((kind, "/api/boundaries/itl2", {}))
        elif kind == "supply_chains":
            requests.append((kind, "/api/supply-chains", {"region": rng.choice(GB_REGIONS)}))
        elif kind == "subregional":
            requests.append((kind, "/api/subregional", {"region": rng.choice(GB_REGIONS)}))
        elif kind == "scenarios":
            requests.append((kind, "/api/scenarios", {"region": rng.choice(SCENARIO_REGIONS)}))
        elif kind == "measures":
            level = "naics2" if us else "sic2"
            requests.append(
                (kind, "/api/measures", {"region": region, "level": level} | ({"year": year} if year else {}))
            )
        else:
            requests.append((kind, "/api/health", {}))
    return requests


def percentile(values: list[float], q: float) -> float:
    """Nearest-rank percentile (q in 0-100) of *values*."""
    ordered = sorted(values)
    rank = max(1, min(len(ordered), round(q / 100 * len(ordered) + 0.5)))
    return ordered[rank - 1]


def summary(latencies: list[float]) -> dict[str, float]:
    milliseconds = [v * 1000 for v in latencies]
    return {
        "count": len(milliseconds),
        "p50": round(percentile(milliseconds, 50), 2),
        "p95": round(percentile(milliseconds, 95), 2),
        "p99": round(percentile(milliseconds, 99), 2),
        "max": round(max(milliseconds), 2),
        "mean": round(statistics.fmean(milliseconds), 2),
    }


async def run_load(
    url: str, requests: list[tuple[str, str, dict[str, Any]]], concurrency: int, time_limit: float
) -> tuple[dict[str, list[float]], list[str], float]:
    assert url.startswith(f"http://{LOOPBACK}:"), "load tests only ever target 127.0.0.1"
    queue: asyncio.Queue[tuple[str, str, dict[str, Any]]] = asyncio.Queue()
    for item in requests:
        queue.put_nowait(item)
    latencies: dict[str, list[float]] = defaultdict(list)
    errors: list[str] = []
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    async with httpx.AsyncClient(base_url=url, timeout=300, limits=limits, trust_env=False) as client:

        async def worker() -> None:
            while True:
                try:
                    kind, path, params = queue.get_nowait()
                except asyncio.QueueEmpty:
                    return
                start = time.perf_counter()
                try:
                    response = await client.get(path, params=params)
                    await response.aread()
                    if response.status_code >= 300:
                        errors.append(f"{response.status_code} {path} {params}: {response.text[:200]}")
                except httpx.HTTPError as exc:
                    errors.append(f"{type(exc).__name__} {path} {params}: {exc}")
                latencies[kind].append(time.perf_counter() - start)

        start = time.perf_counter()
        await asyncio.wait_for(asyncio.gather(*(worker() for _ in range(concurrency))), timeout=time_limit)
        elapsed = time.perf_counter() - start
    return latencies, errors, elapsed


def peak_memory_mb(pid: int) -> float | None:
    """The process's peak resident set size (VmHWM) from /proc, in MB; None where /proc is missing."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return round(int(line.split()[1]) / 1024, 1)
    except OSError:
        return None
    return None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--concurrency", type=int, default=20)
    parser.add_argument("--time-limit", type=float, default=600.0, help="seconds for the whole load (fails beyond)")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--output", type=Path, default=HERE / "results" / "webapp_load.json")
    args = parser.parse_args()
    if not 1 <= args.requests <= 100_000 or not 1 <= args.concurrency <= 200:
        raise SystemExit("--requests must be 1..100000 and --concurrency 1..200")
    requests = build_requests(args.requests, args.seed)
    with tempfile.TemporaryDirectory() as tmp:
        warehouse = Path(tmp) / "warehouse.duckdb"
        print("creating the warehouse", file=sys.stderr)
        Warehouse(warehouse).close()
        with ServerProcess(warehouse) as server:
            print(f"server at {server.url}; {args.requests} requests, {args.concurrency} at a time", file=sys.stderr)
            try:
                latencies, errors, elapsed = asyncio.run(
                    run_load(server.url, requests, args.concurrency, args.time_limit)
                )
            except TimeoutError:
                raise SystemExit(f"the load did not finish within {args.time_limit:.0f} s") from None
            assert server.process is not None
            memory = peak_memory_mb(server.process.pid)
    every = [v for values in latencies.values() for v in values]
    distinct_profiles = len({(p["region"], p.get("year")) for k, _, p in requests if k.startswith("profile")})
    distinct_scenarios = len({p["region"] for k, _, p in requests if k == "scenarios"})
    result = {
        "benchmark": "clusterplan serve under load on loopback (dashboard mix, cold and cached profiles)",
        "goal": {"errors": 0},
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version(), "platform": platform.platform()},
        "date": time.strftime("%Y-%m-%d"),
        "requests": len(every),
        "concurrency": args.concurrency,
        "seed": args.seed,
        "distinct_profiles": distinct_profiles,
        "distinct_scenarios": distinct_scenarios,
        "errors": len(errors),
        "error_examples": errors[:5],
        "seconds": round(elapsed, 2),
        "throughput_rps": round(len(every) / elapsed, 1),
        "latency_ms": summary(every),
        "latency_ms_by_kind": {kind: summary(values) for kind, values in sorted(latencies.items())},
        "server_peak_rss_mb": memory,
    }
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps({k: result[k] for k in ("requests", "errors", "seconds", "throughput_rps", "latency_ms")}))
    if errors:
        raise SystemExit(f"{len(errors)} requests failed, e.g. {errors[0]}")


if __name__ == "__main__":
    main()
