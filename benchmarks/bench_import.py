"""Benchmark: time and peak memory of ``clusterplan data import FILE --format nomis`` on a BRES-sized file.

Usage::

    python benchmarks/bench_import.py [--years 37] [--vs REVISION]

Input: a NOMIS download-layout CSV (DATE, GEOGRAPHY_NAME, GEOGRAPHY_CODE, INDUSTRY_NAME, INDUSTRY_CODE, COUNT)
written to a temporary folder: the 40 GB ITL2 areas x the 729 SIC 2007 five-digit industries of the embedded
BRES data x ``--years`` years ending this year (37 years: 1,078,920 rows, about 61 MB, the size of the file the
hardening issue measured). Counts are deterministic, one in seven is 0 (flagged as possibly suppressed). The
import runs in a fresh warehouse in the same folder, as a child process under ``/usr/bin/time``, so peak RSS is
the whole command's (interpreter, pandas, DuckDB). ``clusterplan data list`` on the same warehouse gives the floor
every command pays (the interpreter, the libraries and the open warehouse); the import's peak over that floor is
what the file costs. ``--vs REVISION`` also runs the same import with the source tree of a git revision (extracted
with ``git archive``) on a copy of the same warehouse, so that the two are measured side by side. Results go to
``benchmarks/results/import.json``: seconds, peak RSS, the floor, file size and the ratios, and the machine.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import shutil
import subprocess
import sys
import tempfile
from datetime import UTC, datetime
from pathlib import Path

import duckdb

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "results" / "import.json"
CLI = "from clusterplan.cli import main; main()"


def _clusterplan(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["/usr/bin/time", "-f", "%e s %M kB", sys.executable, "-c", CLI, *args],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )


def _timed(done: subprocess.CompletedProcess[str]) -> tuple[float, int]:
    """Seconds and peak RSS in bytes from ``/usr/bin/time``'s last line."""
    match = re.search(r"([\d.]+) s (\d+) kB", done.stderr.strip().splitlines()[-1])
    if match is None:
        raise SystemExit(f"no timing in the output: {done.stderr[-500:]}")
    return float(match.group(1)), int(match.group(2)) * 1024


def _measure(src: Path, folder: Path, template: Path, csv: Path, name: str) -> dict[str, float | int]:
    """Floor (``data list``) and import of *csv* with the package in *src*, on a copy of *template*."""
    warehouse = folder / f"{name}.duckdb"
    shutil.copyfile(template, warehouse)
    env = {**os.environ, "PYTHONPATH": str(src), "CLUSTERPLAN_WAREHOUSE": str(warehouse)}
    _, floor = _timed(_clusterplan("data", "list", env=env))
    seconds, peak = _timed(
        _clusterplan("data", "import", str(csv), "--format", "nomis", "--dataset", "bench_import", env=env)
    )
    size = csv.stat().st_size
    return {
        "seconds": seconds,
        "peak_rss_bytes": peak,
        "floor_rss_bytes": floor,
        "peak_rss_over_file_size": round(peak / size, 2),
        "peak_above_floor_over_file_size": round((peak - floor) / size, 2),
    }


def write_nomis_file(path: Path, warehouse: Path, years: int) -> int:
    """A NOMIS-layout CSV over the embedded BRES areas and industries; returns the number of data rows."""
    with duckdb.connect(str(warehouse), read_only=True) as con:
        query = "SELECT DISTINCT {} FROM facts WHERE dataset = 'bres_itl2_sic5' ORDER BY 1"
        areas = [r[0] for r in con.execute(query.format("area_code")).fetchall()]
        industries = [r[0] for r in con.execute(query.format("industry_code")).fetchall()]
    last = datetime.now(UTC).year
    rows = 0
    with path.open("w", encoding="utf-8") as out:
        out.write("DATE,GEOGRAPHY_NAME,GEOGRAPHY_CODE,INDUSTRY_NAME,INDUSTRY_CODE,COUNT\n")
        for year in range(last - years + 1, last + 1):
            for area in areas:
                for industry in industries:
                    rows += 1
                    value = 0 if rows % 7 == 0 else (rows * 37) % 900 + 5
                    out.write(f'{year},"Area {area}",{area},"{industry} : Industry {industry}",{industry},{value}\n')
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--years", type=int, default=37)
    parser.add_argument("--vs", default=None, help="git revision to measure side by side (e.g. a commit before)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        template = folder / "warehouse.duckdb"
        env = {**os.environ, "PYTHONPATH": str(ROOT / "src"), "CLUSTERPLAN_WAREHOUSE": str(template)}
        _clusterplan("data", "list", env=env)  # builds the warehouse from the embedded data
        csv = folder / "nomis.csv"
        rows = write_nomis_file(csv, template, args.years)
        size = csv.stat().st_size
        runs = {"this tree": _measure(ROOT / "src", folder, template, csv, "now")}
        if args.vs:
            other = folder / "vs"
            other.mkdir()
            archive = subprocess.run(
                ["git", "-C", str(ROOT), "archive", args.vs, "src"], capture_output=True, check=True
            ).stdout
            subprocess.run(["tar", "-x", "-C", str(other)], input=archive, check=True)
            revision = subprocess.run(
                ["git", "-C", str(ROOT), "rev-parse", "--short", args.vs], capture_output=True, text=True, check=True
            ).stdout.strip()
            runs[f"revision {revision}"] = _measure(other / "src", folder, template, csv, "vs")
    result = {
        "benchmark": "clusterplan data import --format nomis (NOMIS download layout)",
        "rows": rows,
        "file_bytes": size,
        **runs["this tree"],
        "side_by_side": runs,
        "machine": {
            "platform": platform.platform(),
            "processor": platform.machine(),
            "cpus": os.cpu_count(),
            "python": platform.python_version(),
        },
        "command": "python benchmarks/bench_import.py" + (f" --vs {args.vs}" if args.vs else ""),
    }
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
