"""The ``clusterplan`` program runs NumPy's BLAS on one thread unless the user chose a thread count."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from clusterplan.cli import _single_threaded_blas

#: Runs the program (``--version``), then says what BLAS threads it ended with: the variable, and the threads the
#: BLAS libraries NumPy and SciPy load afterwards report (threadpoolctl, a dependency of scikit-learn).
_PROGRAM = """
import atexit, os

def report():
    import numpy, threadpoolctl
    blas = [i["num_threads"] for i in threadpoolctl.threadpool_info() if i["user_api"] == "blas"]
    print("OPENBLAS_NUM_THREADS", os.environ.get("OPENBLAS_NUM_THREADS"), "threads", sorted(set(blas)))

atexit.register(report)
from clusterplan.cli import main
main()
"""


def _program(**environ: str) -> str:
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in {"OPENBLAS_NUM_THREADS", "GOTO_NUM_THREADS", "MKL_NUM_THREADS", "OMP_NUM_THREADS"}
    }
    done = subprocess.run(
        [sys.executable, "-c", _PROGRAM, "--version"],
        env={**env, **environ},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout.splitlines()[-1]


def test_the_program_runs_blas_on_one_thread() -> None:
    assert _program() == "OPENBLAS_NUM_THREADS 1 threads [1]"


def test_a_thread_count_the_user_chose_is_kept() -> None:
    assert _program(OPENBLAS_NUM_THREADS="2").startswith("OPENBLAS_NUM_THREADS 2 ")
    assert _program(OMP_NUM_THREADS="2").startswith("OPENBLAS_NUM_THREADS None ")


@pytest.mark.parametrize(
    ("environ", "added"),
    [
        ({}, {"OPENBLAS_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}),
        ({"OPENBLAS_NUM_THREADS": "4"}, {}),
        ({"GOTO_NUM_THREADS": "4"}, {}),
        ({"MKL_NUM_THREADS": "4"}, {}),
        ({"OMP_NUM_THREADS": "4"}, {}),
        # An empty variable is no choice (the libraries ignore it too).
        ({"OMP_NUM_THREADS": ""}, {"OPENBLAS_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}),
        ({"PATH": "/bin"}, {"OPENBLAS_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}),
    ],
)
def test_single_threaded_blas_adds_only_what_the_user_left_unset(
    environ: dict[str, str], added: dict[str, str]
) -> None:
    assert _single_threaded_blas(environ) == added


def test_a_caller_in_python_keeps_its_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    from clusterplan.cli import main

    monkeypatch.delenv("OPENBLAS_NUM_THREADS", raising=False)
    main(["--version"])
    assert "OPENBLAS_NUM_THREADS" not in os.environ
