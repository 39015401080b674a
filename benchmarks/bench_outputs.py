"""Benchmark: the "writing outputs" stage of ``clusterplan run`` alone (``write_run_outputs``: the CSV files,
``workbook.xlsx``, ``report.html`` and ``run.json``), on a profile and analyses computed once.

Usage::

    python benchmarks/bench_outputs.py prepare --region 19820 run.pickle
    python benchmarks/bench_outputs.py time run.pickle [--repeat 3] [--out DIR]

``prepare`` runs the profile and every analysis of a region (as ``clusterplan run`` does, on the warehouse
of ``$CLUSTERPLAN_WAREHOUSE``) and pickles them. ``time`` writes the run's outputs from the pickle in a fresh
process per repeat, as a first run does: the results cache (``$CLUSTERPLAN_CACHE``) is emptied first, and the
second process (``$CLUSTERPLAN_PROCESSES``, see :mod:`clusterplan._parallel`) is forked before the pickle is
read, as the CLI forks it before the run. It prints the stage's wall time and the CPU seconds of each process.
On a shared machine compare CPU seconds, side by side with another tree (``PYTHONPATH=OTHER/src``).
"""

from __future__ import annotations

import argparse
import os
import pickle
import resource
import shutil
import subprocess
import sys
import time
from pathlib import Path


def _cpu(who: int) -> float:
    usage = resource.getrusage(who)
    return usage.ru_utime + usage.ru_stime


def prepare(region: str, target: Path) -> None:
    from clusterplan.pipeline.data import open_warehouse
    from clusterplan.pipeline.run import run_region

    with open_warehouse(None) as warehouse:
        profile, analyses = run_region(warehouse, region)
    target.write_bytes(pickle.dumps((profile, analyses), protocol=pickle.HIGHEST_PROTOCOL))


def time_once(source: Path, out: Path) -> None:
    from functools import partial

    from clusterplan._parallel import second_process
    from clusterplan.pipeline.data import load_engine_modules
    from clusterplan.report import write_run_outputs

    cache = os.environ.get("CLUSTERPLAN_CACHE")
    if cache:
        shutil.rmtree(cache, ignore_errors=True)
    with second_process(partial(load_engine_modules, "duckdb")) as second:
        profile, analyses = pickle.loads(source.read_bytes())
        cpu, wall = _cpu(resource.RUSAGE_SELF), time.perf_counter()
        write_run_outputs(profile, out, analyses=analyses, second=second)
        wall, cpu = time.perf_counter() - wall, _cpu(resource.RUSAGE_SELF) - cpu
    theirs = _cpu(resource.RUSAGE_CHILDREN)
    print(
        f"writing outputs: wall {wall:.2f} s, CPU first process {cpu:.2f} s, second {theirs:.2f} s "
        f"(total {cpu + theirs:.2f} s), processes {2 if second is not None else 1}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)
    made = commands.add_parser("prepare")
    made.add_argument("--region", default="19820")
    made.add_argument("pickle", type=Path)
    timed = commands.add_parser("time")
    timed.add_argument("pickle", type=Path)
    timed.add_argument("--repeat", type=int, default=3)
    timed.add_argument("--out", type=Path, default=Path("bench-outputs"))
    timed.add_argument("--once", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.command == "prepare":
        prepare(args.region, args.pickle)
    elif args.once:
        time_once(args.pickle, args.out)
    else:
        for _ in range(args.repeat):  # a fresh process each time, as a run is
            subprocess.run(
                [sys.executable, __file__, "time", str(args.pickle), "--out", str(args.out), "--once"], check=True
            )


if __name__ == "__main__":
    main()
