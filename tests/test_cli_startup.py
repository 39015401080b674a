"""What ``clusterplan run`` imports before it forks its second process: both processes spend that time, so a module
only one of them uses (or neither) is imported later, by the one that needs it."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.skipif(sys.platform != "linux", reason="the second process is forked on Linux only")

#: Stops the run where it would fork, printing the modules loaded by then.
_AT_THE_FORK = """
import json, os, sys
import clusterplan._parallel as parallel

def at_the_fork(self):
    print(json.dumps(sorted(sys.modules)), flush=True)
    os._exit(0)

parallel.SecondProcess.__init__ = at_the_fork
from clusterplan.cli import main
main(sys.argv[1:])
"""


def _modules_at_the_fork(tmp_path: Path, *args: str) -> set[str]:
    done = subprocess.run(
        [sys.executable, "-c", _AT_THE_FORK, "run", "--quiet", "--out", str(tmp_path / "out"), *args],
        capture_output=True,
        text=True,
        env={**os.environ, "CLUSTERPLAN_PROCESSES": "2", "CLUSTERPLAN_WAREHOUSE": str(tmp_path / "w.duckdb")},
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    return set(json.loads(done.stdout))


@pytest.mark.parametrize("region", ["TLG3", "19820"])
def test_a_run_forks_before_importing_what_only_one_process_uses(tmp_path: Path, region: str) -> None:
    loaded = _modules_at_the_fork(tmp_path, "--region", region)
    # What both processes use is imported once, before the fork ...
    assert {"pandas", "duckdb", "ibis.backends.duckdb", "clusterplan.pipeline.run", "clusterplan.report"} <= loaded
    # ... SciPy (only the process computing complexities, after the fork) and Jinja (the one rendering the report)
    # are not.
    assert not {"scipy", "scipy.sparse", "scipy.sparse.linalg", "jinja2"} & loaded
