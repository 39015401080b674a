"""Benchmark: a bounded load test of ``clusterplan serve`` on loopback.

Usage::

    python benchmarks/bench_webapp_load.py [--requests 2000] [--concurrency 20] [--time-limit 600]
        [--mix dashboard|cold] [--workers N] [--precompute | --no-precompute] [--client-processes N] [--vs COMMIT]

Starts the real server (``clusterplan serve --host 127.0.0.1 --port <free>``)
on a new warehouse in a temporary folder, then sends a fixed number of
requests from a fixed number of concurrent clients (httpx AsyncClient, in
one process or spread over ``--client-processes``): the
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

``--vs COMMIT`` then runs the same load on a server of that commit (its
``src`` from ``git archive``, on a new warehouse of its own) right after, on
the same machine, and records both side by side with their ratios: on a
shared machine only such ratios compare.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing
import os
import platform
import random
import statistics
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

import httpx

from clusterplan.taxonomy import load_taxonomy
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
#: Kinds of request whose answer is computed (not a look-up).
COMPUTED = {"profile", "profile_regions", "scenarios", "measures", "supply_chains", "subregional"}


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


GB_TAXONOMIES = ["wmca_plan_for_growth", "uk_industrial_strategy_is8", "gb_data_driven_sic"]
US_TAXONOMIES = ["us_cmp_traded_2014", "us_cmp_2007"]
#: The 40 GB ITL2 areas.
ALL_GB_REGIONS = [
    "TLC1", "TLC2", "TLD1", "TLD3", "TLD4", "TLD6", "TLD7", "TLE1", "TLE2", "TLE3", "TLE4", "TLF1", "TLF2", "TLF3",
    "TLG1", "TLG2", "TLG3", "TLH1", "TLH2", "TLH3", "TLI3", "TLI4", "TLI5", "TLI6", "TLI7", "TLJ1", "TLJ2", "TLJ3",
    "TLJ4", "TLK1", "TLK2", "TLK3", "TLK4", "TLL1", "TLL2", "TLM5", "TLM6", "TLM7", "TLM8", "TLM9",
]  # fmt: skip
#: Scenario choices a user tries: comparator rule, the high and low statistics, the target year.
SCENARIO_VARIANTS: list[dict[str, Any]] = [
    {},
    {"comparator_rule": "strong"},
    {"comparator_rule": "stars"},
    {"high": "leader"},
    {"high": "mean", "low": "median"},
    {"target_year": 2035},
]


def build_cold_requests(count: int, seed: int) -> list[tuple[str, str, dict[str, Any]]]:
    """*count* requests of a user base exploring many regions, taxonomies and scenario choices, few repeated:
    every request that computes (profiles, area tables, scenarios, industry measures) draws its region,
    taxonomy and scenario choices at random, so most are not asked before; a quarter are cheap look-ups. A map
    asks for one cluster's rows of every area, as the dashboard's page does."""
    rng = random.Random(seed)
    # The map's cluster from a generator of its own, so that every other draw is the one it was before maps
    # named their cluster.
    cluster_rng = random.Random(seed + 1)
    requests: list[tuple[str, str, dict[str, Any]]] = []
    for _ in range(count):
        draw = rng.random()
        us = rng.random() < 0.15
        region = rng.choice(US_REGIONS) if us else rng.choice(ALL_GB_REGIONS)
        taxonomy = rng.choice(US_TAXONOMIES if us else GB_TAXONOMIES)
        if draw < 0.25:
            kind, path, params = rng.choice(
                [
                    ("regions", "/api/regions", {}),
                    ("region", f"/api/regions/{region}", {}),
                    ("taxonomies", "/api/taxonomies", {}),
                    ("taxonomy", f"/api/taxonomies/{taxonomy}", {}),
                    ("boundaries", "/api/boundaries/itl2", {}),
                    ("health", "/api/health", {}),
                ]
            )
        elif draw < 0.55:
            kind, path, params = "profile", "/api/profile", {"region": region, "taxonomy": taxonomy}
        elif draw < 0.75:
            # The dashboard's map asks for one cluster's rows (dashboard.js loadMap), never every cluster's.
            cluster = cluster_rng.choice(load_taxonomy(taxonomy).cluster_ids)
            kind, path, params = (
                "profile_regions",
                "/api/profile/regions",
                {"region": region, "taxonomy": taxonomy, "cluster": cluster},
            )
        elif draw < 0.92 and not us:
            variant = rng.choice(SCENARIO_VARIANTS)
            kind, path, params = "scenarios", "/api/scenarios", {"region": region, "taxonomy": taxonomy, **variant}
        else:
            level = "naics2" if us else "sic2"
            kind, path, params = "measures", "/api/measures", {"region": region, "level": level}
        requests.append((kind, path, params))
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


Request = tuple[str, str, dict[str, Any]]
Outcome = tuple[dict[str, list[float]], list[str], float]


async def run_load(
    url: str,
    requests: list[Request],
    concurrency: int,
    time_limit: float,
    counter: Any = None,
) -> Outcome:
    """Send *requests* from *concurrency* clients, each taking the next request not yet sent.

    With *counter* (a shared ``multiprocessing.Value``), the next request is the one at its index, so
    clients in several processes share one queue.
    """
    assert url.startswith(f"http://{LOOPBACK}:"), "load tests only ever target 127.0.0.1"
    queue: asyncio.Queue[Request] = asyncio.Queue()
    if counter is None:
        for item in requests:
            queue.put_nowait(item)

    def take() -> Request:
        if counter is None:
            return queue.get_nowait()
        with counter.get_lock():
            index = counter.value
            counter.value = index + 1
        if index >= len(requests):
            raise asyncio.QueueEmpty
        return requests[index]

    latencies: dict[str, list[float]] = defaultdict(list)
    errors: list[str] = []
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    async with httpx.AsyncClient(base_url=url, timeout=300, limits=limits, trust_env=False) as client:

        async def worker() -> None:
            while True:
                try:
                    kind, path, params = take()
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


def _client_process(
    url: str, requests: list[Request], concurrency: int, time_limit: float, counter: Any, go: Any, results: Any
) -> None:
    """One client process: wait for *go*, send requests until the shared *counter* runs out, put the outcome
    and this process's CPU seconds on *results* (None for the outcome when the time limit passed)."""
    go.wait()
    before = time.process_time()
    outcome: Outcome | None
    try:
        outcome = asyncio.run(run_load(url, requests, concurrency, time_limit, counter))
    except TimeoutError:
        outcome = None
    results.put((outcome, time.process_time() - before))


def run_load_in_processes(
    url: str, requests: list[Request], concurrency: int, time_limit: float, processes: int
) -> tuple[Outcome, float]:
    """:func:`run_load` with the clients spread over *processes* forked processes sharing one queue.

    One Python process (httpx, gzip) spends about 2 ms of CPU per request, several times what the server
    spends on a cached answer, so a single client process measures its own queue. The processes are
    forked and waiting before the clock starts. Returns the outcome (latencies of every process, errors,
    seconds from the start to the last answer) and the client processes' CPU seconds together.
    """
    context = multiprocessing.get_context("fork")
    counter = context.Value("q", 0)
    go = context.Event()
    results = context.Queue()
    shares = [concurrency // processes + (i < concurrency % processes) for i in range(processes)]
    children = [
        context.Process(target=_client_process, args=(url, requests, share, time_limit, counter, go, results))
        for share in shares
        if share
    ]
    for child in children:
        child.start()
    start = time.perf_counter()
    go.set()
    outcomes = [results.get(timeout=time_limit + 60) for _ in children]
    elapsed = time.perf_counter() - start
    for child in children:
        child.join()
    if any(outcome is None for outcome, _ in outcomes):
        raise TimeoutError
    latencies: dict[str, list[float]] = defaultdict(list)
    errors: list[str] = []
    for outcome, _ in outcomes:
        assert outcome is not None
        for kind, values in outcome[0].items():
            latencies[kind] += values
        errors += outcome[1]
    return (latencies, errors, elapsed), sum(cpu for _, cpu in outcomes)


def send(url: str, requests: list[Request], args: argparse.Namespace) -> tuple[Outcome, float]:
    """The load of *requests* from ``args.concurrency`` clients in ``args.client_processes`` processes (this
    one when 1), and the clients' CPU seconds."""
    if args.client_processes == 1:
        before = time.process_time()
        outcome = asyncio.run(run_load(url, requests, args.concurrency, args.time_limit))
        return outcome, time.process_time() - before
    return run_load_in_processes(url, requests, args.concurrency, args.time_limit, args.client_processes)


def server_peak_memory_mb(pid: int) -> float | None:
    """Peak resident set size of the server and its worker processes together (the sum of their VmHWM)."""
    children: list[int] = []
    try:
        for task in Path(f"/proc/{pid}/task").iterdir():
            children += [int(c) for c in (task / "children").read_text().split()]
    except OSError:
        pass
    peaks = [peak_memory_mb(p) for p in [pid, *children]]
    known = [p for p in peaks if p is not None]
    return round(sum(known), 1) if known else None


def cpu_seconds(pid: int) -> float:
    """User and system CPU seconds of process *pid* so far (/proc/PID/stat; 0 where /proc is missing)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def peak_memory_mb(pid: int) -> float | None:
    """The process's peak resident set size (VmHWM) from /proc, in MB; None where /proc is missing."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return round(int(line.split()[1]) / 1024, 1)
    except OSError:
        return None
    return None


def measure(
    requests: list[tuple[str, str, dict[str, Any]]], args: argparse.Namespace, source: Path | None = None
) -> dict[str, Any]:
    """One load on a new server (of the code in *source*/src when given, else this checkout's): the cold pass's
    latencies by kind, the repeated pass's (cold mix), the errors, the seconds and the server's peak memory."""
    repeated: dict[str, list[float]] = {}
    repeated_cpu: dict[str, float] = {}
    previous = os.environ.get("PYTHONPATH")
    if source is not None:
        os.environ["PYTHONPATH"] = str(source / "src")
    try:
        with tempfile.TemporaryDirectory() as tmp:
            warehouse = Path(tmp) / "warehouse.duckdb"
            # A cold server: no results kept on disk by an earlier one.
            os.environ["CLUSTERPLAN_CACHE"] = str(Path(tmp) / "cache")
            print("creating the warehouse", file=sys.stderr)
            Warehouse(warehouse).close()
            extra: tuple[str, ...] = ("--workers", str(args.workers)) if args.workers is not None else ()
            options, precompute = precompute_options(source, args.precompute, args.workers)
            extra += options
            starting = time.perf_counter()
            with ServerProcess(warehouse, extra_args=extra, startup_seconds=600.0) as server:
                started = time.perf_counter() - starting
                print(
                    f"server at {server.url}; {args.requests} requests, {args.concurrency} at a time", file=sys.stderr
                )
                try:
                    (latencies, errors, elapsed), _ = send(server.url, requests, args)
                    if args.mix == "cold":  # the same requests again: every answer is now cached
                        assert server.process is not None
                        server_before = cpu_seconds(server.process.pid)
                        (repeated, repeat_errors, _), client_cpu = send(server.url, requests, args)
                        # Whose CPU the repeated answers took: a latency of a few ms can be the client's own queue.
                        repeated_cpu = {
                            "server_ms_per_request": round(
                                1000 * (cpu_seconds(server.process.pid) - server_before) / len(requests), 3
                            ),
                            "client_ms_per_request": round(1000 * client_cpu / len(requests), 3),
                        }
                        errors += repeat_errors
                except TimeoutError:
                    raise SystemExit(f"the load did not finish within {args.time_limit:.0f} s") from None
                assert server.process is not None
                memory = server_peak_memory_mb(server.process.pid)
    finally:
        if source is not None:
            if previous is None:
                os.environ.pop("PYTHONPATH", None)
            else:
                os.environ["PYTHONPATH"] = previous
    return {
        "latencies": latencies,
        "repeated": repeated,
        "errors": errors,
        "seconds": elapsed,
        "memory": memory,
        "start_seconds": started,
        "precompute": precompute,
        "repeated_cpu": repeated_cpu,
    }


def precompute_options(source: Path | None, wanted: bool | None, workers: int | None) -> tuple[tuple[str, ...], bool]:
    """The ``serve`` options that ask the server of *source* (``None``: this tree) to precompute as *wanted*
    (``None``: its own default), and whether it will.

    ``serve --precompute`` exists since 421691f; where ``--no-precompute`` exists too, precomputing is the default
    (without ``--workers``). A checkout without the option asked for keeps its default."""
    serve = (source or HERE.parent) / "src" / "clusterplan" / "cli" / "serve.py"
    text = serve.read_text() if serve.exists() else ""
    switch = '"--precompute/--no-precompute"' in text
    default = switch and not workers
    if wanted is True and (switch or '"--precompute"' in text):
        return ("--precompute",), True
    if wanted is False and switch:
        return ("--no-precompute",), False
    return (), default


def checkout(commit: str, folder: Path) -> Path:
    """The files of *commit* of this repository in *folder* (``git archive``: no worktree or ref is made)."""
    archive = subprocess.run(
        ["git", "-C", str(HERE.parent), "archive", "--format=tar", commit], check=True, capture_output=True
    ).stdout
    subprocess.run(["tar", "-x", "-C", str(folder)], input=archive, check=True)
    return folder


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--concurrency", type=int, default=20)
    parser.add_argument("--time-limit", type=float, default=600.0, help="seconds for the whole load (fails beyond)")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument(
        "--mix",
        choices=["dashboard", "cold"],
        default="dashboard",
        help="dashboard: one session's mix (few regions, repeats); cold: many users, 100+ distinct "
        "region/taxonomy/scenario choices, then the same requests again (all cached)",
    )
    parser.add_argument(
        "--workers", type=int, default=None, help="the server's --workers (default: the server's own default)"
    )
    parser.add_argument(
        "--precompute",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="start the server with --precompute or --no-precompute, the --vs revision's too where it has the "
        "option (default: each server's own default); whether each precomputed and its start-up seconds are "
        "recorded",
    )
    parser.add_argument(
        "--client-processes",
        type=int,
        default=1,
        help="spread the concurrent clients over this many processes sharing one queue (default 1: all in this "
        "one); a client process spends about 2 ms of CPU per request, more than the server on a cached answer",
    )
    parser.add_argument("--output", type=Path, default=None)
    parser.add_argument(
        "--vs",
        metavar="COMMIT",
        default=None,
        help="also run the load on COMMIT's code, right after, side by side",
    )
    args = parser.parse_args()
    if not 1 <= args.requests <= 100_000 or not 1 <= args.concurrency <= 200:
        raise SystemExit("--requests must be 1..100000 and --concurrency 1..200")
    if not 1 <= args.client_processes <= args.concurrency:
        raise SystemExit("--client-processes must be 1..--concurrency")
    output = args.output or HERE / "results" / ("webapp_load.json" if args.mix == "dashboard" else "webapp_cold.json")
    requests = (build_requests if args.mix == "dashboard" else build_cold_requests)(args.requests, args.seed)
    found = measure(requests, args)
    latencies, repeated, errors, elapsed, memory = (
        found["latencies"],
        found["repeated"],
        found["errors"],
        found["seconds"],
        found["memory"],
    )
    every = [v for values in latencies.values() for v in values]
    distinct_profiles = len(
        {(p["region"], p.get("year"), p.get("taxonomy")) for k, _, p in requests if k.startswith("profile")}
    )
    distinct_scenarios = len({tuple(sorted(p.items())) for k, _, p in requests if k == "scenarios"})
    distinct_computed = len({(k, tuple(sorted(p.items()))) for k, _, p in requests if k in COMPUTED})
    cold = args.mix == "cold"
    result = {
        "benchmark": "clusterplan serve under load on loopback "
        + (
            "(many users: 100+ distinct region/taxonomy/scenario choices, cold, then repeated)"
            if cold
            else "(dashboard mix, cold and cached profiles)"
        ),
        "goal": {"errors": 0, "p95_ms": 1000, "max_ms": 3000, "repeated_p95_ms": 50, "server_peak_rss_mb": 1024}
        if cold
        else {"errors": 0},
        "mix": args.mix,
        "machine": {
            "cpus": os.cpu_count(),
            "python": platform.python_version(),
            "platform": platform.platform(),
            # Other work on the machine slows both sides of a side-by-side run; this says how much there was.
            "load_average_1min_at_end": round(os.getloadavg()[0], 2),
        },
        "date": time.strftime("%Y-%m-%d"),
        "requests": len(every),
        "concurrency": args.concurrency,
        "client_processes": args.client_processes,
        "server_workers": args.workers if args.workers is not None else "default (serve's default: none)",
        "server_precompute": found["precompute"],
        # From starting the server process to its first answer to /api/health (with --precompute, after it).
        "server_start_seconds": round(found["start_seconds"], 2),
        "seed": args.seed,
        "distinct_profiles": distinct_profiles,
        "distinct_scenarios": distinct_scenarios,
        "distinct_computed_requests": distinct_computed,
        "errors": len(errors),
        "error_examples": errors[:5],
        "seconds": round(elapsed, 2),
        "throughput_rps": round(len(every) / elapsed, 1),
        "latency_ms": summary(every),
        "latency_ms_by_kind": {kind: summary(values) for kind, values in sorted(latencies.items())},
        "server_peak_rss_mb": memory,
        "server_peak_rss_note": "sum of the peak resident set sizes of the server and its worker processes",
    }
    if cold:
        every_repeated = [v for values in repeated.values() for v in values]
        result["repeated_latency_ms"] = summary(every_repeated)
        result["repeated_cpu"] = found["repeated_cpu"]
        result["repeated_cpu_note"] = (
            "CPU per repeated request of the server process and of this benchmark's clients (client_processes "
            "Python processes, on the same machine): where the clients' is the larger, the repeated latencies "
            "measure mostly the clients' own queue"
        )
        result["meets_goal"] = (
            not errors
            and result["latency_ms"]["p95"] <= 1000
            and result["latency_ms"]["max"] <= 3000
            and result["repeated_latency_ms"]["p95"] <= 50
            and (memory or 0) <= 1024
        )
    if args.vs is not None:
        with tempfile.TemporaryDirectory() as tmp:
            base = measure(requests, args, checkout(args.vs, Path(tmp)))
        result["side_by_side"] = side_by_side(args.vs, result, base)
        errors += base["errors"]
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps({k: result[k] for k in ("requests", "errors", "seconds", "throughput_rps", "latency_ms")}))
    if "side_by_side" in result:
        print(json.dumps(result["side_by_side"]["ratios_baseline_over_this"]))
    if errors:
        raise SystemExit(f"{len(errors)} requests failed, e.g. {errors[0]}")


def side_by_side(commit: str, result: dict[str, Any], base: dict[str, Any]) -> dict[str, Any]:
    """The same load on *commit*, run right after this one, and the ratios base / this."""
    every = [v for values in base["latencies"].values() for v in values]
    baseline: dict[str, Any] = {
        "seconds": round(base["seconds"], 2),
        "errors": len(base["errors"]),
        "latency_ms": summary(every),
        "latency_ms_by_kind": {kind: summary(values) for kind, values in sorted(base["latencies"].items())},
        "server_peak_rss_mb": base["memory"],
        "server_start_seconds": round(base["start_seconds"], 2),
        "server_precompute": base["precompute"],
    }
    ratios = {
        "seconds": round(baseline["seconds"] / result["seconds"], 2),
        "p95": round(baseline["latency_ms"]["p95"] / result["latency_ms"]["p95"], 2),
        "max": round(baseline["latency_ms"]["max"] / result["latency_ms"]["max"], 2),
    }
    if base["repeated"]:
        baseline["repeated_latency_ms"] = summary([v for values in base["repeated"].values() for v in values])
        baseline["repeated_cpu"] = base["repeated_cpu"]
        ratios["repeated_p95"] = round(baseline["repeated_latency_ms"]["p95"] / result["repeated_latency_ms"]["p95"], 2)
    if base["memory"] and result["server_peak_rss_mb"]:
        ratios["server_peak_rss_mb"] = round(base["memory"] / result["server_peak_rss_mb"], 2)
    return {
        "note": f"the same command on commit {commit}, run right after this one on the same machine",
        "baseline_commit": commit,
        "baseline": baseline,
        "ratios_baseline_over_this": ratios,
    }


if __name__ == "__main__":
    main()
