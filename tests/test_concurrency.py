"""Readers never block readers; a writer waits a bounded time and names the process in its way.

Real processes on one warehouse file: the server, runs, ``data list`` and ``data import`` at the same time.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pandas as pd
import pytest

from _util import FIXTURES, run_cli
from clusterplan import Warehouse
from clusterplan.web._process import ServerProcess

pytestmark = pytest.mark.slow

MINI = FIXTURES / "nomis" / "bres_itl2_sic5_mini.csv"
CLI = [sys.executable, "-c", "from clusterplan.cli import main; main()"]


def _start(*args: str, env: dict[str, str] | None = None) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [*CLI, *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, **(env or {})},
    )


def _finish(process: subprocess.Popen[str]) -> tuple[int, str, str]:
    out, err = process.communicate(timeout=600)
    return process.returncode, out, err


def _import(warehouse: Path, wait: str) -> subprocess.CompletedProcess[str]:
    return run_cli(
        "data",
        "import",
        str(MINI),
        "--format",
        "nomis",
        "--dataset",
        "mini",
        "--warehouse",
        str(warehouse),
        env={"CLUSTERPLAN_LOCK_WAIT": wait},
    )


def test_run_and_data_list_while_serve_runs(fresh_warehouse: Path, tmp_path: Path) -> None:
    # Answers at once (tests/test_webapp_server.py starts the default, precomputing, server).
    with ServerProcess(fresh_warehouse, extra_args=("--no-precompute",)) as server:
        run = _start(
            "run", "--analyses", "none", "--quiet", "--out", str(tmp_path / "run"), "--warehouse", str(fresh_warehouse)
        )
        listing = _start("data", "list", "--warehouse", str(fresh_warehouse))
        health = httpx.get(f"{server.url}/api/health", timeout=60)
        code, _, err = _finish(run)
        assert code == 0, err
        code, out, err = _finish(listing)
        assert code == 0, err
        assert "bres_itl2_sic5" in out
        assert health.status_code == 200
        profile = httpx.get(f"{server.url}/api/profile?region=TLG3", timeout=120).json()
    written = pd.read_csv(tmp_path / "run" / "clusters.csv").set_index("cluster_id")["lq"]
    served = {c["cluster_id"]: c["lq"] for c in profile["clusters"]}
    assert served == pytest.approx(written.to_dict(), rel=1e-12)


def test_two_runs_at_once(fresh_warehouse: Path, tmp_path: Path) -> None:
    runs = [
        _start(
            "run", "--analyses", "none", "--quiet", "--out", str(tmp_path / name), "--warehouse", str(fresh_warehouse)
        )
        for name in ("first", "second")
    ]
    for process in runs:
        code, _, err = _finish(process)
        assert code == 0, err
    first, second = (pd.read_csv(tmp_path / name / "clusters.csv") for name in ("first", "second"))
    pd.testing.assert_frame_equal(first, second)


def test_import_while_serve_runs_names_the_server_and_loses_nothing(fresh_warehouse: Path) -> None:
    with Warehouse(fresh_warehouse, read_only=True) as before:
        fingerprint = before.fingerprint()
    with ServerProcess(fresh_warehouse, extra_args=("--no-precompute",)) as server:
        assert server.process is not None
        started = time.monotonic()
        blocked = _import(fresh_warehouse, "1")
        assert time.monotonic() - started >= 1.0  # it waited before giving up
        assert blocked.returncode != 0
        message = blocked.stderr.strip().splitlines()[-1]
        # The holder is the read-only server: named by its pid and command, not blamed for writing.
        assert f"is in use by process {server.process.pid}" in message and "serve" in message, message
        assert "being written" not in message and "Traceback" not in blocked.stderr
        assert httpx.get(f"{server.url}/api/health", timeout=60).status_code == 200
    with Warehouse(fresh_warehouse, read_only=True) as after:
        assert after.fingerprint() == fingerprint  # the refused import changed nothing
    done = _import(fresh_warehouse, "5")
    assert done.returncode == 0, done.stderr
    listing = run_cli("data", "list", "--warehouse", str(fresh_warehouse))
    assert listing.returncode == 0 and "mini" in listing.stdout


def test_import_waits_for_a_short_reader(fresh_warehouse: Path) -> None:
    reader = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sys, time; from clusterplan import Warehouse\n"
            f"wh = Warehouse({str(fresh_warehouse)!r}, read_only=True); print('open', flush=True)\n"
            "time.sleep(3); wh.close()",
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert reader.stdout is not None and reader.stdout.readline().strip() == "open"
    started = time.monotonic()
    done = _import(fresh_warehouse, "60")
    waited = time.monotonic() - started
    reader.communicate(timeout=60)
    assert done.returncode == 0, done.stderr
    assert "imported 16 rows into dataset 'mini'" in done.stdout
    assert waited >= 1.0  # it could only write once the reader had gone


def test_reader_waits_for_a_writer_then_says_so(fresh_warehouse: Path) -> None:
    writer = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import time; from clusterplan import Warehouse\n"
            f"wh = Warehouse({str(fresh_warehouse)!r}); print('open', flush=True)\n"
            "time.sleep(20); wh.close()",
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert writer.stdout is not None and writer.stdout.readline().strip() == "open"
        listing = run_cli("data", "list", "--warehouse", str(fresh_warehouse), env={"CLUSTERPLAN_LOCK_WAIT": "1"})
        assert listing.returncode != 0
        message = listing.stderr.strip().splitlines()[-1]
        assert f"is being written by process {writer.pid}" in message and "Traceback" not in listing.stderr
    finally:
        writer.kill()
        writer.communicate(timeout=60)
