"""Benchmark: wall time and peak memory of the default ``clusterplan run`` (profile, scenarios, supply chain,
opportunities, ITL3 breakdown, hotspots, report.html and workbook.xlsx).

Usage::

    python benchmarks/bench_run.py [--repeat 3] [--vs REVISION] [--gb-only]

Runs the real CLI in a child process (so the numbers include interpreter
start-up and imports, as a user sees them), three times per repeat: *cold* on a
new warehouse file (the embedded data is loaded first), *warm* on the existing
one, and two US runs (Detroit, CBSA 19820, 51 clusters) on the warm warehouse: *us_warm*, the first, finds
only the GB run's stored results and computes and stores the US national tables; *us_repeat*, the same run
again, reads them (what a user sees from the second US run on). Peak memory is the
child's maximum resident set size; CPU seconds are its user plus system time.
Results go to ``benchmarks/results/run.json``. Goals (issue 14), medians on a
2-core machine: GB warm <= 3 s, US warm (the first US run) <= 5 s, fresh warehouse <= 6 s, peak
<= 1 GB.

``--vs REVISION`` also runs the source tree of a git revision (extracted with
``git archive``), each run of this tree followed by the same run of the
revision on its own warehouse, so that both see the same load; the result adds
the revision's medians and the ratios of the medians (this tree / revision).
On a shared machine those ratios, and CPU seconds, are the figures to compare.
``--gb-only`` leaves out the US run.

Every tree measured is byte-compiled first (``python -m compileall``), as an
installed package is: pip compiles on install, and an editable install writes
its ``.pyc`` files on the first import. Otherwise a shell with
``PYTHONDONTWRITEBYTECODE`` set would make every run compile ~110 modules again.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
US_REGION = "19820"
#: Goals of issue 14, for the medians (a shared machine's wall times are noisy: CPU seconds are recorded too).
GOAL = {"gb_warm_seconds": 3.0, "us_warm_seconds": 5.0, "fresh_warehouse_seconds": 6.0, "peak_rss_mb": 1024}


def _run_once(warehouse: Path, out: Path, region: str | None = None, src: Path | None = None) -> dict[str, float]:
    start = time.perf_counter()
    where = ["--region", region] if region else []
    # Results kept on disk live beside the warehouse: a cold run starts without them, a warm run finds them.
    env = {**os.environ, "CLUSTERPLAN_WAREHOUSE": str(warehouse), "CLUSTERPLAN_CACHE": str(warehouse) + ".cache"}
    if src is not None:
        env["PYTHONPATH"] = str(src)
    child = subprocess.Popen(
        [sys.executable, "-c", "from clusterplan.cli import main; main()", "run", *where, "--quiet", "--out", str(out)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    # wait4 gives the child's own peak resident set size (getrusage semantics), in KiB on Linux.
    _, status, usage = os.wait4(child.pid, 0)
    elapsed = time.perf_counter() - start
    if os.waitstatus_to_exitcode(status) != 0:
        errors = child.stderr.read().decode() if child.stderr else ""
        raise SystemExit(f"clusterplan run failed: {errors}")
    # CPU seconds (user + system) say what the run costs when the machine is shared and wall time is noisy.
    return {
        "seconds": round(elapsed, 3),
        "cpu_seconds": round(usage.ru_utime + usage.ru_stime, 3),
        "peak_rss_mb": round(usage.ru_maxrss / 1024, 1),
    }


def _revision_src(revision: str, folder: Path) -> tuple[str, Path]:
    """The ``src`` tree of a git revision, extracted into *folder*; with the revision's short hash."""
    archive = subprocess.run(["git", "-C", str(ROOT), "archive", revision, "src"], capture_output=True, check=True)
    subprocess.run(["tar", "-x", "-C", str(folder)], input=archive.stdout, check=True)
    short = subprocess.run(
        ["git", "-C", str(ROOT), "rev-parse", "--short", revision], capture_output=True, text=True, check=True
    ).stdout.strip()
    return short, folder / "src"


def _medians(runs: dict[str, list[dict[str, float]]]) -> dict[str, float]:
    return {
        f"{name}_{key}": round(statistics.median(r[key] for r in kind), 3)
        for name, kind in runs.items()
        if kind
        for key in ("seconds", "cpu_seconds")
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--output", type=Path, default=HERE / "results" / "run.json")
    parser.add_argument("--vs", default=None, help="git revision to measure side by side (e.g. the commit before)")
    parser.add_argument("--gb-only", action="store_true", help="leave out the US run")
    args = parser.parse_args()
    trees: dict[str, Path] = {"this tree": ROOT / "src"}
    runs: dict[str, dict[str, list[dict[str, float]]]] = {}
    with tempfile.TemporaryDirectory() as base:
        if args.vs:
            short, src = _revision_src(args.vs, Path(base))
            trees[f"revision {short}"] = src
        runs = {tree: {"cold": [], "warm": [], "us_warm": [], "us_repeat": []} for tree in trees}
        for src in trees.values():
            subprocess.run([sys.executable, "-m", "compileall", "-q", str(src)], check=True)
        for _ in range(args.repeat):
            with tempfile.TemporaryDirectory() as tmp:
                for k, (tree, src) in enumerate(trees.items()):
                    warehouse, out = Path(tmp) / f"w{k}.duckdb", Path(tmp) / f"out{k}"
                    runs[tree]["cold"].append(_run_once(warehouse, out, src=src))
                for k, (tree, src) in enumerate(trees.items()):
                    warehouse, out = Path(tmp) / f"w{k}.duckdb", Path(tmp) / f"out{k}"
                    runs[tree]["warm"].append(_run_once(warehouse, out, src=src))
                for kind in ("us_warm", "us_repeat") if not args.gb_only else ():
                    for k, (tree, src) in enumerate(trees.items()):
                        warehouse, out = Path(tmp) / f"w{k}.duckdb", Path(tmp) / f"us{k}"
                        runs[tree][kind].append(_run_once(warehouse, out, region=US_REGION, src=src))

    mine = runs["this tree"]
    worst_peak = max(r["peak_rss_mb"] for kind in mine.values() for r in kind)
    result: dict[str, object] = {
        "benchmark": "default `clusterplan run` (WMCA TLG3 vs GB, latest BRES year), and two US runs "
        "(Detroit, 19820: the first, then repeated)",
        "command": "python benchmarks/bench_run.py"
        + (f" --repeat {args.repeat}" if args.repeat != 3 else "")
        + (f" --vs {args.vs}" if args.vs else "")
        + (" --gb-only" if args.gb_only else ""),
        "goal": GOAL,
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version(), "platform": platform.platform()},
        "load_average_at_end": os.getloadavg()[0],
        "bytecode": "every tree byte-compiled before timing, as an installed package is",
        "date": time.strftime("%Y-%m-%d"),
        **mine,
        "median": _medians(mine),
        "worst_peak_rss_mb": worst_peak,
    }
    medians = _medians(mine)
    result["meets_goal"] = (
        medians["warm_seconds"] <= GOAL["gb_warm_seconds"]
        and medians.get("us_warm_seconds", 0.0) <= GOAL["us_warm_seconds"]
        and medians["cold_seconds"] <= GOAL["fresh_warehouse_seconds"]
        and worst_peak <= GOAL["peak_rss_mb"]
    )
    if args.vs:
        tree, other = next((t, r) for t, r in runs.items() if t != "this tree")
        theirs = _medians(other)
        result["side_by_side"] = {
            "revision": tree,
            "revision_median": theirs,
            "revision_worst_peak_rss_mb": max(r["peak_rss_mb"] for kind in other.values() for r in kind),
            "revision_runs": other,
            "ratio_this_tree_over_revision": {k: round(medians[k] / theirs[k], 3) for k in medians if theirs.get(k)},
        }
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
