"""Interrupts and crashes leave the warehouse as it was: Ctrl-C (SIGINT) in the parse and write phases of a real
``clusterplan data import`` subprocess exits 130 with one line; ``kill -9`` at random points never leaves half a
dataset. The other commands a user interrupts (``run`` while analysing and while writing its folder, ``measures``,
``report``, ``hotspots``) exit 130 with one line and leave no half-written output; ``serve`` stops cleanly.

Before: Ctrl-C while ``run`` wrote its folder left run.json and the CSV tables without report.html and
workbook.xlsx, a folder that looked complete.

Before: Ctrl-C during the write phase exited 1 with a ``TransactionException ... please ROLLBACK`` (or "Query
interrupted") traceback.

The file imported is real: BRES 2015-2021 employment of the 40 GB ITL2 areas by SIC 2007 subclass, written from
the warehouse in NOMIS's download layout (204,120 rows).
"""

from __future__ import annotations

import os
import random
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import duckdb
import pytest

from clusterplan.warehouse import Warehouse

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def bres_file(tmp_path_factory: pytest.TempPathFactory, warehouse_path: Path) -> Path:
    path = tmp_path_factory.mktemp("interrupts") / "bres_itl2.csv"
    with duckdb.connect(str(warehouse_path), read_only=True) as con:
        con.execute(
            "COPY (SELECT year AS DATE, a.area_name AS GEOGRAPHY_NAME, f.area_code AS GEOGRAPHY_CODE, "
            "f.industry_code || ' : ' || f.industry_code AS INDUSTRY_NAME, f.industry_code AS INDUSTRY_CODE, "
            "value AS COUNT FROM facts f JOIN (SELECT area_code, any_value(area_name) AS area_name FROM areas "
            "GROUP BY 1) a USING (area_code) WHERE dataset = 'bres_itl2_sic5' ORDER BY year, area_code, "
            f"industry_code) TO '{path}' (HEADER, DELIMITER ',')"
        )
    return path


def start_import(path: Path, warehouse: Path, *, capture: bool = True) -> subprocess.Popen[str]:
    output = subprocess.PIPE if capture else subprocess.DEVNULL
    return subprocess.Popen(
        [sys.executable, "-c", "from clusterplan.cli import main; main()", "data", "import", str(path),
         "--format", "nomis", "--dataset", "bres_again", "--warehouse", str(warehouse)],
        stderr=output,
        stdout=subprocess.DEVNULL,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )  # fmt: skip


def fingerprint(warehouse: Path) -> dict[str, int]:
    with Warehouse(warehouse, read_only=True) as wh:
        return wh.fingerprint()


# "in batches of": DuckDB is reading and the parser parsing (inside the import's transaction); "writing": the
# checked rows go into the facts table.
@pytest.mark.parametrize("phase", ["in batches of", "writing"], ids=["parse", "write"])
def test_ctrl_c_exits_130_with_one_line_and_the_warehouse_unchanged(
    bres_file: Path, fresh_warehouse: Path, phase: str
) -> None:
    before = fingerprint(fresh_warehouse)
    with start_import(bres_file, fresh_warehouse) as process:
        assert process.stderr is not None
        seen = []
        for line in process.stderr:
            seen.append(line)
            if phase in line:
                process.send_signal(signal.SIGINT)
                break
        rest = process.stderr.read()
        process.wait(timeout=120)
    assert any(phase in line for line in seen), "".join(seen)
    assert process.returncode == 130, rest
    lines = [line for line in rest.splitlines() if line.strip() and not line.startswith("[")]
    assert lines == ["interrupted; the warehouse is unchanged"], rest
    assert fingerprint(fresh_warehouse) == before


def test_kill_at_random_points_never_leaves_half_a_dataset(bres_file: Path, fresh_warehouse: Path) -> None:
    before = fingerprint(fresh_warehouse)
    rng = random.Random(15)
    outcomes = []
    for _ in range(5):
        with start_import(bres_file, fresh_warehouse, capture=False) as process:
            try:
                process.wait(timeout=rng.uniform(0.5, 12.0))
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=60)
        now = fingerprint(fresh_warehouse)
        complete = {
            **before,
            "facts": before["facts"] + 204_120,
            "imported_facts": before["imported_facts"] + 204_120,  # the rows of imports (facts is a view)
            "datasets": before["datasets"] + 1,
        }
        # All or nothing: a kill after the commit (while closing) leaves the whole dataset, never part of it.
        assert now in (before, complete), f"import ended by exit {process.returncode} left part of a dataset"
        assert process.returncode != 0 or now == complete
        if now == complete:
            with Warehouse(fresh_warehouse) as wh:
                wh.raw.execute("DELETE FROM imported_facts WHERE dataset = 'bres_again'")
                wh.raw.execute("DELETE FROM datasets WHERE dataset = 'bres_again'")
        outcomes.append("complete" if now == complete else "unchanged")
        assert fingerprint(fresh_warehouse) == before
    assert "unchanged" in outcomes, outcomes


CLI = [sys.executable, "-c", "from clusterplan.cli import main; main()"]


def interrupt(
    args: list[str],
    trigger: str,
    *,
    delay: float = 0.0,
    env: dict[str, str] | None = None,
    until: Callable[[], bool] | None = None,
) -> tuple[int, list[str], str]:
    """Run a clusterplan command (with *env* added to the environment), Ctrl-C it *delay* seconds after a stderr
    line containing *trigger* (and, given *until*, once that returns true, polled every millisecond for up to a
    minute); return the exit code, the lines seen before, and the rest of stderr."""
    with subprocess.Popen(
        [*CLI, *args], stderr=subprocess.PIPE, stdout=subprocess.DEVNULL, text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1", **(env or {})},
    ) as process:  # fmt: skip
        assert process.stderr is not None
        seen = []
        for line in process.stderr:
            seen.append(line)
            if trigger in line:
                deadline = time.monotonic() + 60
                while until is not None and not until() and process.poll() is None and time.monotonic() < deadline:
                    time.sleep(0.001)
                time.sleep(delay)
                process.send_signal(signal.SIGINT)
                break
        rest = process.stderr.read()
        process.wait(timeout=120)
    assert any(trigger in line for line in seen), "".join(seen) + rest
    return process.returncode, seen, rest


def one_line(rest: str) -> list[str]:
    """What stderr said after the interrupt, progress lines aside."""
    return [line for line in rest.splitlines() if line.strip() and not line.startswith("[")]


def leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if ".partial" in p.name)


def test_ctrl_c_while_run_analyses_writes_nothing(tmp_path: Path, warehouse_path: Path) -> None:
    out = tmp_path / "run"
    code, _, rest = interrupt(
        ["run", "--region", "TLG3", "--out", str(out), "--warehouse", str(warehouse_path)], "computing scenarios"
    )
    assert code == 130, rest
    assert one_line(rest) == ["interrupted; the warehouse is unchanged"], rest
    assert not out.exists() and leftovers(tmp_path) == []


def test_ctrl_c_while_run_writes_its_folder_leaves_the_previous_run(tmp_path: Path, warehouse_path: Path) -> None:
    out = tmp_path / "run"
    args = ["run", "--region", "TLG3", "--out", str(out), "--warehouse", str(warehouse_path), "--analyses", "none"]
    done = subprocess.run([*CLI, *args], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    before = {p.name: p.read_bytes() for p in out.iterdir()}
    assert {"run.json", "report.html", "workbook.xlsx", "clusters.csv"} <= set(before)

    # Writing takes a quarter of a second when nothing is read from the results folder (a repeated run copies its
    # report and workbook from there): the interrupt lands once the staging folder holds its first file, inside it.
    def staged() -> bool:
        return any(tmp_path.glob(".run.partial-*/*"))

    code, _, rest = interrupt(args, "writing outputs", env={"CLUSTERPLAN_CACHE": "off"}, until=staged)
    assert code == 130, rest
    assert one_line(rest) == ["interrupted; the warehouse is unchanged"], rest
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before  # the old run, whole
    assert leftovers(tmp_path) == []


def test_ctrl_c_during_measures_leaves_no_file(tmp_path: Path, warehouse_path: Path) -> None:
    out = tmp_path / "measures.csv"
    code, _, rest = interrupt(
        ["measures", "--all-regions", "--out", str(out), "--warehouse", str(warehouse_path)], "computing sic5"
    )
    assert code == 130, rest
    assert one_line(rest) == ["interrupted; the warehouse is unchanged"], rest
    assert list(tmp_path.iterdir()) == []


def test_ctrl_c_during_report_leaves_no_report(tmp_path: Path, warehouse_path: Path) -> None:
    out = tmp_path / "report"
    code, _, rest = interrupt(
        ["report", "--region", "TLG3", "--out", str(out), "--warehouse", str(warehouse_path)], "computing scenarios"
    )
    assert code == 130, rest
    assert one_line(rest) == ["interrupted; the warehouse is unchanged"], rest
    assert not (out / "report.html").exists() and not (out / "workbook.xlsx").exists()


def test_ctrl_c_during_hotspots_leaves_no_map(tmp_path: Path, warehouse_path: Path) -> None:
    out = tmp_path / "hotspots.csv"
    args = ["hotspots", "--measure", "lq", "--cluster", "aerospace", "--level", "itl3", "--permutations", "99999"]
    code, _, rest = interrupt([*args, "--out", str(out), "--warehouse", str(warehouse_path)], "permutations", delay=1.0)
    assert code == 130, rest
    assert one_line(rest) == ["interrupted; the warehouse is unchanged"], rest
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("library", ["numpy", "pandas", "duckdb"])
def test_ctrl_c_while_the_command_starts_is_one_line(tmp_path: Path, warehouse_path: Path, library: str) -> None:
    # ``-X importtime`` prints a line as each import finishes: the interrupt lands while the command's own modules
    # are still importing the heavy libraries, the part of a second before any data is read.
    args = ["measures", "--all-regions", "--out", str(tmp_path / "m.csv"), "--warehouse", str(warehouse_path)]
    with subprocess.Popen(
        [sys.executable, "-X", "importtime", *CLI[1:], *args], stderr=subprocess.PIPE, stdout=subprocess.DEVNULL,
        text=True, env={**os.environ, "PYTHONUNBUFFERED": "1"},
    ) as process:  # fmt: skip
        assert process.stderr is not None
        for line in process.stderr:
            if line.startswith("import time:") and line.rsplit("|", 1)[-1].strip() == library:
                process.send_signal(signal.SIGINT)
                break
        rest = process.stderr.read()
        process.wait(timeout=120)
    said = [line for line in one_line(rest) if not line.startswith("import time:")]
    assert process.returncode == 130, rest
    assert "Traceback" not in rest
    assert said == ["interrupted while starting; nothing was read or written"], rest
    assert list(tmp_path.iterdir()) == []


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def test_ctrl_c_stops_serve_cleanly(warehouse_path: Path) -> None:
    port = _free_port()
    args = ["serve", "--port", str(port), "--no-precompute", "--workers", "0", "--warehouse", str(warehouse_path)]
    code, _, rest = interrupt(args, "serving the clusterplan dashboard", delay=1.0)
    assert code == 0, rest  # stopping the server is what Ctrl-C is for: a clean exit
    assert "Traceback" not in rest and one_line(rest) == [], rest
    with socket.socket() as again:  # the port is free: the server really stopped
        again.bind(("127.0.0.1", port))


def test_ctrl_c_while_precomputing_stops_serve_before_the_rest(warehouse_path: Path) -> None:
    """The default server precomputes before it listens (tens of seconds on new data); Ctrl-C then stops it after
    the answer in progress, not after all twelve."""
    port = _free_port()
    args = ["serve", "--port", str(port), "--warehouse", str(warehouse_path)]
    code, seen, rest = interrupt(args, "precomputing the tables every region shares", delay=0.2)
    assert "once the tables below are precomputed" in seen[-2], seen
    assert code == 0, rest
    # Nothing more: neither "precomputed 12 answers ..." nor a traceback.
    assert one_line(rest) == [], rest
    with socket.socket() as again:
        again.bind(("127.0.0.1", port))
