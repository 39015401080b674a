"""What ``clusterplan run`` imports before it forks its second process: both processes spend that time, so a module
only one of them uses (or neither) is imported later, by the one that needs it; the imports' objects are frozen out
of the garbage collector's passes."""

from __future__ import annotations

import gc
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from clusterplan.cli import main

pytestmark = pytest.mark.skipif(sys.platform != "linux", reason="the second process is forked on Linux only")

#: Stops the run where it would fork, printing the modules loaded by then and the garbage collector's state.
_AT_THE_FORK = """
import gc, json, os, sys
import clusterplan._parallel as parallel

def at_the_fork(self):
    state = {"modules": sorted(sys.modules), "collecting": gc.isenabled(), "frozen": gc.get_freeze_count()}
    print(json.dumps(state), flush=True)
    os._exit(0)

parallel.SecondProcess.__init__ = at_the_fork
from clusterplan.cli import main
main(sys.argv[1:])
"""


def _at_the_fork(tmp_path: Path, *args: str) -> dict[str, Any]:
    done = subprocess.run(
        [sys.executable, "-c", _AT_THE_FORK, "run", "--quiet", "--out", str(tmp_path / "out"), *args],
        capture_output=True,
        text=True,
        env={**os.environ, "CLUSTERPLAN_PROCESSES": "2", "CLUSTERPLAN_WAREHOUSE": str(tmp_path / "w.duckdb")},
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    state: dict[str, Any] = json.loads(done.stdout)
    return state


@pytest.mark.parametrize("region", ["TLG3", "19820"])
def test_a_run_forks_before_importing_what_only_one_process_uses(tmp_path: Path, region: str) -> None:
    state = _at_the_fork(tmp_path, "--region", region)
    loaded = set(state["modules"])
    # What both processes use is imported once, before the fork ...
    assert {"pandas", "duckdb", "ibis.backends.duckdb", "clusterplan.pipeline.run", "clusterplan.report"} <= loaded
    # ... SciPy (only the process computing complexities, after the fork) and Jinja (the one rendering the report)
    # are not.
    assert not {"scipy", "scipy.sparse", "scipy.sparse.linalg", "jinja2"} & loaded
    # The collector is on again, and the objects the imports made (pandas', Ibis', ...) are frozen: neither process
    # goes over them in its collections.
    assert state["collecting"] and state["frozen"] > 100_000


@pytest.mark.parametrize("collecting", [True, False])
def test_a_command_run_in_python_leaves_the_collector_as_it_was(collecting: bool) -> None:
    assert gc.get_freeze_count() == 0
    if not collecting:
        gc.disable()
    try:
        main(["taxonomy", "list"])
        assert gc.isenabled() is collecting and gc.get_freeze_count() == 0
        with pytest.raises(SystemExit) as failed:
            main(["taxonomy", "show", "no-such-taxonomy"])
        assert failed.value.code == 2
        assert gc.isenabled() is collecting and gc.get_freeze_count() == 0
    finally:
        gc.enable()
