"""Benchmark: wall time and peak memory of the default ``clusterplan run`` (profile, scenarios, supply chain,
opportunities, ITL3 breakdown, hotspots, report.html and workbook.xlsx).

Usage::

    python benchmarks/bench_run.py [--repeat 3]

Runs the real CLI in a child process (so the numbers include interpreter
start-up and imports, as a user sees them), twice per repeat: *cold* on a new
warehouse file (the embedded data is loaded first) and *warm* on the existing
one. Peak memory is the child's maximum resident set size. Results go to
``benchmarks/results/run.json``. Goal (issue 2): <= 10 s and <= 1.5 GB on a
2-core machine.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent


def _run_once(warehouse: Path, out: Path) -> dict[str, float]:
    start = time.perf_counter()
    child = subprocess.Popen(
        [sys.executable, "-c", "from clusterplan.cli import main; main()", "run", "--quiet", "--out", str(out)],
        env={**os.environ, "CLUSTERPLAN_WAREHOUSE": str(warehouse)},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    # wait4 gives the child's own peak resident set size (getrusage semantics), in KiB on Linux.
    _, status, usage = os.wait4(child.pid, 0)
    elapsed = time.perf_counter() - start
    if os.waitstatus_to_exitcode(status) != 0:
        errors = child.stderr.read().decode() if child.stderr else ""
        raise SystemExit(f"clusterplan run failed: {errors}")
    return {"seconds": round(elapsed, 3), "peak_rss_mb": round(usage.ru_maxrss / 1024, 1)}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--output", type=Path, default=HERE / "results" / "run.json")
    args = parser.parse_args()
    cold, warm = [], []
    for _ in range(args.repeat):
        with tempfile.TemporaryDirectory() as tmp:
            warehouse = Path(tmp) / "w.duckdb"
            cold.append(_run_once(warehouse, Path(tmp) / "out"))
            warm.append(_run_once(warehouse, Path(tmp) / "out"))
    result = {
        "benchmark": "default `clusterplan run` (WMCA TLG3 vs GB, latest BRES year)",
        "goal": {"seconds": 10.0, "peak_rss_mb": 1536},
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version(), "platform": platform.platform()},
        "date": time.strftime("%Y-%m-%d"),
        "cold": cold,
        "warm": warm,
        "worst_seconds": max(r["seconds"] for r in cold + warm),
        "worst_peak_rss_mb": max(r["peak_rss_mb"] for r in cold + warm),
    }
    result["meets_goal"] = result["worst_seconds"] <= 10.0 and result["worst_peak_rss_mb"] <= 1536
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
