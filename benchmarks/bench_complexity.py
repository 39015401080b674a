"""Benchmark: RCA, proximity, relatedness density, ECI and PCI on US CBP 2019, against ``ecomplexity``.

Usage::

    python benchmarks/bench_complexity.py [--repeat 7] [--peer-python /tmp/peer-venv/bin/python]

Input: the long table (area_code, industry_code, employment) of all 933 CBSAs x NAICS 6-digit industries in
County Business Patterns 2019, as ``clusterplan.industry_measures(level="naics6")`` gives it (zeros included).
Presence rule for both tools: RCA >= 1.

* clusterplan: :func:`clusterplan.relatedness.complexity.complexity` plus building its long density table (area,
  industry, rca, presence, density), timed in this process; and the "full" variant that also computes the
  complexity outlook and outlook gain, which ``ecomplexity`` always computes. Both with ``self_proximity=1``, the
  Python package's convention for density (clusterplan's default, 0, is the Stata command's; the agreement of
  the default is reported too).
* ``ecomplexity`` 0.5.3 (Growth Lab, Harvard), if a Python with it installed is given (``--peer-python``; it is
  not a clusterplan dependency, so keep it in a throwaway virtualenv): ``ecomplexity(table, cols,
  check_logsupermodularity=False, verbose=False)``, timed inside its own process on the same table (read from the
  same Parquet file), excluding interpreter start-up and file reading, as ours excludes them. Turning the
  log-supermodularity check off makes it faster, so the ratio is conservative.

Both tools run ``--repeat`` times, alternating: each ``ecomplexity`` run is bracketed by a clusterplan run just
before and just after it, so that on a shared machine each pair sees the same load. Recorded: the best and median
times of each tool, their ratios, and the median of the paired ratios (each ``ecomplexity`` time over the mean
of its two bracketing clusterplan times), the figure least moved by load that changes between repeats. Both
tools are warmed up first (imports, first-call caches): clusterplan on the whole table, ``ecomplexity`` in its
process on the first 50 areas. Agreement: Pearson
correlation and largest absolute difference of ECI, PCI, density, RCA, the complexity outlook (COI) and outlook
gain (COG), and the share of identical presence cells; plus the density of clusterplan's default convention
(``self_proximity=0``, as the Stata command) against the Python package's. Results go to
``benchmarks/results/complexity.json``.
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
from typing import Any

import numpy as np
import pandas as pd

from clusterplan import Warehouse, industry_measures
from clusterplan.relatedness.complexity import complexity, method_of_reflections

HERE = Path(__file__).resolve().parent
DEFAULT_PEER = Path("/tmp/peer-venv/bin/python")
GOAL_RATIO = 50.0  # issue 14

PEER_SCRIPT = r"""
import json, statistics, sys, time, warnings
import pandas as pd
warnings.simplefilter("ignore")
import ecomplexity
from ecomplexity import ecomplexity as run
table = pd.read_parquet(sys.argv[1])
table["year"] = 2019
cols = {"time": "year", "loc": "area_code", "prod": "industry_code", "val": "employment"}
run(table[table["area_code"].isin(table["area_code"].unique()[:50])], cols, check_logsupermodularity=False,
    verbose=False)  # warm-up, as clusterplan's
seconds = []
for _ in range(int(sys.argv[3])):
    start = time.perf_counter()
    out = run(table, cols, check_logsupermodularity=False, verbose=False)
    seconds.append(time.perf_counter() - start)
out[["area_code", "industry_code", "rca", "mcp", "density", "eci", "pci", "coi", "cog"]].to_parquet(sys.argv[2])
from importlib.metadata import version
print(json.dumps({"seconds": seconds, "version": version("ecomplexity"), "pandas": pd.__version__}))
"""


def _summary(seconds: list[float]) -> dict[str, float]:
    return {"best_seconds": round(min(seconds), 4), "median_seconds": round(statistics.median(seconds), 4)}


def _agreement(ours: pd.Series, theirs: pd.Series) -> dict[str, float]:
    both = pd.concat([ours.rename("ours"), theirs.rename("theirs")], axis=1, join="inner").dropna()
    return {
        "n": len(both),
        "correlation": round(float(np.corrcoef(both["ours"], both["theirs"])[0, 1]), 12),
        "max_abs_difference": float(np.abs(both["ours"] - both["theirs"]).max()),
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument(
        "--peer-python", type=Path, default=Path(os.environ.get("CLUSTERPLAN_PEER_PYTHON", DEFAULT_PEER))
    )
    parser.add_argument("--output", type=Path, default=HERE / "results" / "complexity.json")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        with Warehouse(Path(tmp) / "w.duckdb") as warehouse:
            table = industry_measures(warehouse, level="naics6")[["area_code", "industry_code", "employment"]]
        table = table.reset_index(drop=True)
        table_file = Path(tmp) / "cbp_naics6.parquet"
        table.to_parquet(table_file)

        def ours() -> Any:
            result = complexity(table, self_proximity=1)
            _ = result.density
            return result

        def ours_full() -> Any:
            result = ours()
            _ = result.complexity_outlook, result.outlook_gain
            return result

        result = ours_full()  # warm-up (imports, BLAS threads)
        ours_seconds: list[float] = []
        full_seconds: list[float] = []
        peer: dict[str, Any] | None = None
        peer_seconds: list[float] = []
        peer_out = Path(tmp) / "peer.parquet"
        peer_available = args.peer_python.exists()

        def timed(function: Any) -> float:
            start = time.perf_counter()
            function()
            return time.perf_counter() - start

        after: list[float] = []  # the clusterplan run just after each ecomplexity run
        for _ in range(args.repeat):
            ours_seconds.append(timed(ours))
            full_seconds.append(timed(ours_full))
            if peer_available:
                done = subprocess.run(
                    [str(args.peer_python), "-c", PEER_SCRIPT, str(table_file), str(peer_out), "1"],
                    capture_output=True,
                    text=True,
                    check=False,
                )
                if done.returncode != 0:
                    print(done.stderr, file=sys.stderr)
                    peer_available = False
                    continue
                peer = json.loads(done.stdout.strip().splitlines()[-1])
                peer_seconds.extend(peer["seconds"])
                after.append(timed(ours))

        presence = result.presence
        stata_convention = complexity(table)
        reflections_c, reflections_p = method_of_reflections(presence, iterations=18)
        report: dict[str, Any] = {
            "benchmark": "RCA, proximity, density, ECI and PCI: US CBP 2019, 933 CBSAs x NAICS 6-digit, RCA >= 1",
            "machine": {"cpus": os.cpu_count(), "python": platform.python_version(), "platform": platform.platform()},
            "date": time.strftime("%Y-%m-%d"),
            "input": {
                "rows": len(table),
                "areas": int(result.eci.size),
                "industries": int(result.pci.size),
                "present_cells": int(presence.to_numpy().sum()),
                "second_eigenvalue": round(result.eigenvalue, 6),
            },
            "clusterplan": {
                "eci_pci_density": _summary(ours_seconds),
                "with_outlook_and_gain": _summary(full_seconds),
                "method_of_reflections_18_correlation": {
                    "eci": round(float(np.corrcoef(reflections_c, result.eci)[0, 1]), 10),
                    "pci": round(float(np.corrcoef(reflections_p, result.pci)[0, 1]), 10),
                },
                "top5_eci": {k: round(float(v), 4) for k, v in result.eci.nlargest(5).items()},
            },
        }
        if peer is not None and peer_seconds:
            theirs = pd.read_parquet(peer_out)
            theirs["area_code"] = theirs["area_code"].astype(str)
            theirs["industry_code"] = theirs["industry_code"].astype(str)
            by_area = theirs.groupby("area_code")[["eci", "coi"]].first()
            by_industry = theirs.groupby("industry_code")["pci"].first()
            cells = theirs.set_index(["area_code", "industry_code"])
            ours_cells = result.density.astype({"area_code": str, "industry_code": str}).set_index(
                ["area_code", "industry_code"]
            )
            gain = result.outlook_gain.astype({"area_code": str, "industry_code": str}).set_index(
                ["area_code", "industry_code"]
            )["outlook_gain"]
            presence_cells = pd.concat([ours_cells["presence"], cells["mcp"]], axis=1, join="inner")
            peer_summary = _summary(peer_seconds)
            report["ecomplexity"] = {
                "version": peer["version"],
                "pandas": peer["pandas"],
                "call": "ecomplexity(table, cols, check_logsupermodularity=False, verbose=False)",
                **peer_summary,
            }
            report["ratio"] = {
                "eci_pci_density_best": round(
                    peer_summary["best_seconds"] / report["clusterplan"]["eci_pci_density"]["best_seconds"], 1
                ),
                "eci_pci_density_median": round(
                    peer_summary["median_seconds"] / report["clusterplan"]["eci_pci_density"]["median_seconds"], 1
                ),
                "eci_pci_density_paired_median": round(
                    statistics.median(
                        theirs_ / ((before + closing) / 2.0)
                        for theirs_, before, closing in zip(
                            peer_seconds, ours_seconds[: len(peer_seconds)], after, strict=True
                        )
                    ),
                    1,
                ),
                "with_outlook_and_gain_median": round(
                    peer_summary["median_seconds"] / report["clusterplan"]["with_outlook_and_gain"]["median_seconds"],
                    1,
                ),
                "goal": GOAL_RATIO,
            }
            report["ratio"]["meets_goal"] = report["ratio"]["eci_pci_density_median"] >= GOAL_RATIO
            report["agreement"] = {
                "eci": _agreement(result.eci, by_area["eci"]),
                "pci": _agreement(result.pci, by_industry),
                "density": _agreement(ours_cells["density"], cells["density"]),
                "rca": _agreement(ours_cells["rca"], cells["rca"]),
                "presence_identical_share": float((presence_cells["presence"] == presence_cells["mcp"]).mean()),
                "complexity_outlook": _agreement(result.complexity_outlook, by_area["coi"]),
                "outlook_gain": _agreement(gain, cells["cog"]),
                "density_with_default_self_proximity_0": _agreement(
                    stata_convention.density.astype({"area_code": str, "industry_code": str}).set_index(
                        ["area_code", "industry_code"]
                    )["density"],
                    cells["density"],
                ),
            }
        else:
            report["ecomplexity"] = {
                "available": False,
                "note": f"no Python with ecomplexity at {args.peer_python}; "
                "create one with: python3.11 -m venv /tmp/peer-venv && /tmp/peer-venv/bin/pip install "
                "ecomplexity==0.5.3 pyarrow",
            }
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(report, indent=2) + "\n")
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
