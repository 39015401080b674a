"""Benchmark: the hostile cases of the hardening issue (15), each tried on the real command, and the time and peak
memory of the size limits.

Usage::

    python benchmarks/bench_hardening.py [--skip-spark] [--skip-large-import]

Every case runs ``clusterplan`` (or a few lines of the library) as a child process under ``/usr/bin/time`` on a
fresh warehouse built from the embedded data, so seconds and peak RSS are the whole command's. ``data list`` on the
same warehouse gives the floor every command pays. The size limits measured:

* taxonomy files, 1 MB: a 50 MB file (the issue's 537k-cluster scale) refused, and a file just under the limit
  loaded (75,000 one-code clusters);
* imports, 2 GB: a 2.1 GB (sparse) file refused; under the limit, NOMIS files of 1,078,920 rows (61 MB) and
  4,315,680 rows (four employment size bands, 4x the rows) imported, to show that memory does not grow with the file;
* API parameters: oversized region, peers, weights and query strings against a running ``clusterplan serve``,
  each answered 422/414, timed, with the server's peak memory before and after 200 such requests.

Results go to ``benchmarks/results/hardening.json``.
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
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import duckdb
import httpx

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "results" / "hardening.json"
CLI = "from clusterplan.cli import main; main()"
NOMIS_HEADER = "DATE,GEOGRAPHY_NAME,GEOGRAPHY_CODE,INDUSTRY_NAME,INDUSTRY_CODE,COUNT"
SIZE_BANDS = ["Micro (0 to 9)", "Small (10 to 49)", "Medium-sized (50 to 249)", "Large (250+)"]


def timed(argv: list[str], env: dict[str, str], *, timeout: float = 600) -> dict[str, Any]:
    """Run *argv* under ``/usr/bin/time``: exit code, seconds, peak RSS and stderr's last message line."""
    done = subprocess.run(
        ["/usr/bin/time", "-f", "%e s %M kB", *argv], env=env, capture_output=True, text=True, timeout=timeout
    )
    lines = done.stderr.strip().splitlines()
    match = re.search(r"([\d.]+) s (\d+) kB", lines[-1]) if lines else None
    if match is None:
        raise SystemExit(f"no timing in the output of {argv}: {done.stderr[-500:]}")
    said = [
        line
        for line in lines[:-1]
        if line.strip() and not line.startswith(("[", "Command exited with non-zero status"))
    ]
    return {
        "exit_code": done.returncode,
        "seconds": float(match.group(1)),
        "peak_rss_mb": round(int(match.group(2)) / 1024, 1),
        "message": said[-1] if said else done.stdout.strip().splitlines()[-1] if done.stdout.strip() else "",
        "traceback": "Traceback" in done.stderr,
    }


def clusterplan(env: dict[str, str], *args: str, timeout: float = 600) -> dict[str, Any]:
    return timed([sys.executable, "-c", CLI, *args], env, timeout=timeout)


def nomis_file(path: Path, warehouse: Path, *, bands: list[str] | None = None) -> int:
    """NOMIS download layout over the embedded BRES ITL2 areas x SIC 2007 subclasses, 37 years to this one (as
    bench_import.py), optionally by employment size band; returns the number of data rows."""
    with duckdb.connect(str(warehouse), read_only=True) as con:
        query = "SELECT DISTINCT {} FROM facts WHERE dataset = 'bres_itl2_sic5' ORDER BY 1"
        areas = [r[0] for r in con.execute(query.format("area_code")).fetchall()]
        industries = [r[0] for r in con.execute(query.format("industry_code")).fetchall()]
    last = datetime.now(UTC).year
    rows = 0
    with path.open("w", encoding="utf-8") as out:
        out.write(NOMIS_HEADER + (",EMPLOYMENT_SIZEBAND_NAME" if bands else "") + "\n")
        for year in range(last - 36, last + 1):
            for area in areas:
                for industry in industries:
                    for band in bands or [None]:
                        rows += 1
                        value = 0 if rows % 7 == 0 else (rows * 37) % 900 + 5
                        tail = f',"{band}"' if band else ""
                        out.write(
                            f'{year},"Area {area}",{area},"{industry} : Industry {industry}",{industry},{value}{tail}\n'
                        )
    return rows


def in_process(setup: str, call: str, env: dict[str, str]) -> dict[str, Any]:
    """Milliseconds *call* takes to raise, after *setup* (imports) has run, and its message."""
    program = (
        f"import time\n{setup}\nstart = time.perf_counter()\ntry:\n    {call}\n    print('no error')\n"
        "except Exception as exc:\n    print(f'{(time.perf_counter() - start) * 1000:.1f} ms: {exc}')\n"
    )
    done = subprocess.run([sys.executable, "-c", program], env=env, capture_output=True, text=True, check=True)
    milliseconds, _, message = done.stdout.strip().partition(" ms: ")
    return {"milliseconds": float(milliseconds), "message": message}


def small_nomis(path: Path, value: str) -> Path:
    """Two real BRES rows (West Midlands, 2021) with the second count replaced by *value*."""
    path.write_text(
        NOMIS_HEADER + "\n"
        '2021,"West Midlands",TLG3,"29100 : Manufacture of motor vehicles",29100,38000\n'
        f'2021,"West Midlands",TLG3,"62012 : Business and domestic software development",62012,{value}\n'
    )
    return path


def api_limits(warehouse: Path, env: dict[str, str]) -> dict[str, Any]:
    """Oversized API parameters against a real server: status, milliseconds, and the server's peak memory."""
    from clusterplan.web._process import ServerProcess

    cases: dict[str, tuple[str, dict[str, str]]] = {
        "region of 1,000 characters (limit 100)": ("/api/profile", {"region": "T" * 1_000}),
        "peers of 2,499 characters (limit 1,000)": (
            "/api/profile",
            {"region": "TLG3", "benchmark": "peers", "peers": ",".join(["TLC1"] * 500)},
        ),
        "peers listing 150 areas (limit 100)": (
            "/api/profile",
            {"region": "TLG3", "benchmark": "peers", "peers": ",".join(["TLC1"] * 150)},
        ),
        "weights of 2,000 characters (limit 400)": ("/api/scenarios", {"region": "TLG3", "weights": "pay=1," * 333}),
        "query string of 60 kB (limit 4,096 bytes)": ("/api/regions", {"q": "x" * 60_000}),
        "year 99999 (limit 1990-2100)": ("/api/profile", {"region": "TLG3", "year": "99999"}),
    }
    old = os.environ.get("PYTHONPATH")
    os.environ["PYTHONPATH"] = env["PYTHONPATH"]
    try:
        with ServerProcess(warehouse, extra_args=("--workers", "0")) as server:
            assert server.process is not None
            pid = server.process.pid
            out: dict[str, Any] = {"server_peak_rss_mb_at_start": _peak_mb(pid)}
            with httpx.Client(base_url=server.url, timeout=30, trust_env=False) as client:
                for name, (path, params) in cases.items():
                    start = time.perf_counter()
                    answer = client.get(path, params=params)
                    out[name] = {
                        "status": answer.status_code,
                        "milliseconds": round((time.perf_counter() - start) * 1000, 1),
                        "message": str(answer.json().get("error", answer.text))[:200]
                        if answer.headers.get("content-type", "").startswith("application/json")
                        else answer.text[:200],
                    }
                every = list(cases.values())
                for i in range(200):
                    path, params = every[i % len(every)]
                    client.get(path, params=params)
            out["server_peak_rss_mb_after_200_oversized_requests"] = _peak_mb(pid)
            return out
    finally:
        if old is None:
            os.environ.pop("PYTHONPATH", None)
        else:
            os.environ["PYTHONPATH"] = old


def _peak_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return round(int(line.split()[1]) / 1024, 1)
    return float("nan")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--skip-spark", action="store_true", help="leave out the unreachable Spark master case")
    parser.add_argument("--skip-large-import", action="store_true", help="leave out the 4.3M-row import")
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT / "src"))
    result: dict[str, Any] = {"benchmark": "hostile cases of issue 15 and the size limits"}
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        template = folder / "template.duckdb"
        env = {**os.environ, "PYTHONPATH": str(ROOT / "src"), "CLUSTERPLAN_WAREHOUSE": str(template)}
        clusterplan(env, "data", "list")  # builds the warehouse from the embedded data
        result["floor_data_list"] = clusterplan(env, "data", "list")

        def fresh(name: str) -> dict[str, str]:
            target = folder / f"{name}.duckdb"
            shutil.copyfile(template, target)
            return {**env, "CLUSTERPLAN_WAREHOUSE": str(target)}

        def run_out(name: str) -> str:
            return str(folder / f"out_{name}")

        cases: dict[str, Callable[[], dict[str, Any]]] = {}
        limits: dict[str, Callable[[], dict[str, Any]]] = {}

        # -- values ---------------------------------------------------------------------------------------------
        for value in ("inf", "Infinity", "1e20", "50000000"):
            path = small_nomis(folder / f"count_{value}.csv", value)
            cases[f"import a NOMIS count of {value}"] = lambda p=path, v=value: clusterplan(
                fresh(f"count_{v}"), "data", "import", str(p), "--format", "nomis"
            )
        formula = folder / "formula.csv"
        formula.write_text(
            "area_code,industry_code,year,measure,value\nTLG3,29100,2021,employment,38000\n"
            'TLG3,"=HYPERLINK(""http://example.invalid"",""x"")",2021,employment,5\n'
        )
        cases["import a long-format code =HYPERLINK(...)"] = lambda: clusterplan(
            fresh("formula"), "data", "import", str(formula), "--format", "long"
        )

        # -- taxonomy paths -------------------------------------------------------------------------------------
        secret = folder / "secret.txt"
        secret.write_text("root:x:0:0:a line that must never be echoed\n")
        link = folder / "clusters.yaml"
        os.symlink(secret, link)
        cases["taxonomy that is a symlink to a secret file"] = lambda: clusterplan(env, "taxonomy", "show", str(link))
        directory = folder / "a_directory.yaml"
        directory.mkdir()
        cases["taxonomy path that is a directory"] = lambda: clusterplan(env, "taxonomy", "show", str(directory))
        overlap = folder / "overlap.csv"
        overlap.write_text(
            "cluster,code,cluster_name\nmotor,29,Vehicles\nbatteries,27200,Batteries\nbatteries,29100,Batteries\n"
            "parts,293,Vehicles\n"
        )
        cases["taxonomy with overlapping clusters and duplicate names"] = lambda: clusterplan(
            env, "run", "--taxonomy", str(overlap), "--analyses", "none", "--out", run_out("overlap")
        )

        # -- earliest year, Spark -------------------------------------------------------------------------------
        cases["profile the earliest year (2015)"] = lambda: clusterplan(
            env, "run", "--year", "2015", "--analyses", "none", "--out", run_out("earliest")
        )
        if not args.skip_spark:
            cases["--engine spark --master spark://127.0.0.1:1"] = lambda: clusterplan(
                env, "run", "--engine", "spark", "--master", "spark://127.0.0.1:1", "--out", run_out("spark"),
                timeout=300,
            )  # fmt: skip

        # -- limits ---------------------------------------------------------------------------------------------
        huge = folder / "huge.csv"
        with huge.open("w") as handle:
            handle.write("cluster,code\n")
            handle.truncate(50_000_000)
        limits["taxonomy of 50 MB (limit 1 MB): refused"] = lambda: clusterplan(
            env, "run", "--taxonomy", str(huge), "--analyses", "none", "--out", run_out("huge")
        )
        many = folder / "many.csv"
        many.write_text("cluster,code\n" + "".join(f"c{i},29100\n" for i in range(75_000)))
        limits[f"taxonomy of {many.stat().st_size:,} bytes, 75,000 clusters (under the limit): loaded"] = lambda: timed(
            [sys.executable, "-c", f"from clusterplan.taxonomy import load_taxonomy; load_taxonomy({str(many)!r})"],
            env,
        )
        limits["taxonomy of 50 MB: the check alone, in-process"] = lambda: in_process(
            "from clusterplan.taxonomy import load_taxonomy", f"load_taxonomy({str(huge)!r})", env
        )
        oversized = folder / "oversized.csv"
        with oversized.open("w") as handle:
            handle.write(NOMIS_HEADER + "\n")
            handle.truncate(2_100_000_000)  # sparse: no disk used
        limits["import of 2.1 GB (limit 2 GB): refused"] = lambda: clusterplan(
            env, "data", "import", str(oversized), "--format", "nomis"
        )
        limits["import of 2.1 GB: the check alone, in-process"] = lambda: in_process(
            "from clusterplan.sources.formats import open_user_file",
            f"open_user_file({str(oversized)!r}, 'nomis')",
            env,
        )
        one = folder / "nomis_1m.csv"
        rows = nomis_file(one, template)
        limits[f"import of {rows:,} NOMIS rows, {one.stat().st_size / 1e6:.0f} MB"] = lambda: clusterplan(
            fresh("one"), "data", "import", str(one), "--format", "nomis", "--dataset", "bench"
        )
        if not args.skip_large_import:
            four = folder / "nomis_4m.csv"
            rows4 = nomis_file(four, template, bands=SIZE_BANDS)
            limits[f"import of {rows4:,} NOMIS rows, {four.stat().st_size / 1e6:.0f} MB"] = lambda: clusterplan(
                fresh("four"), "data", "import", str(four), "--format", "nomis", "--dataset", "bench"
            )

        result["hostile_cases"] = {}
        for name, case in cases.items():
            print(name, flush=True)
            result["hostile_cases"][name] = case()
        result["size_limits"] = {}
        for name, case in limits.items():
            print(name, flush=True)
            result["size_limits"][name] = case()
            if "import of" in name and "NOMIS rows" in name:
                size = (one if "1,078,920" in name else folder / "nomis_4m.csv").stat().st_size
                peak = result["size_limits"][name]["peak_rss_mb"] * 1024 * 1024
                floor = result["floor_data_list"]["peak_rss_mb"] * 1024 * 1024
                result["size_limits"][name]["peak_over_file"] = round(peak / size, 2)
                result["size_limits"][name]["peak_above_floor_over_file"] = round((peak - floor) / size, 2)
        print("API parameters", flush=True)
        result["api_parameters"] = api_limits(Path(fresh("api")["CLUSTERPLAN_WAREHOUSE"]), env)
    result["machine"] = {
        "platform": platform.platform(),
        "processor": platform.machine(),
        "cpus": os.cpu_count(),
        "python": platform.python_version(),
    }
    result["command"] = "python benchmarks/bench_hardening.py"
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n")
    print(json.dumps(result, indent=2, ensure_ascii=False))


if __name__ == "__main__":
    main()
