"""The import contracts of pyproject.toml hold, and they would catch an import against the flow of data."""

from __future__ import annotations

import ast
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from _util import ROOT

pytest.importorskip("importlinter", reason="needs the test extra (import-linter)")

LINT = "from importlinter.cli import lint_imports_command; lint_imports_command()"


def _lint(root: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", LINT, "--no-cache"],
        cwd=root,
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONPATH": str(root / "src")},
        timeout=600,
    )


def test_contracts_hold() -> None:
    result = _lint(ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Contracts: 5 kept, 0 broken." in result.stdout


def _copy(tmp_path: Path) -> Path:
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    shutil.copytree(
        ROOT / "src" / "clusterplan", tmp_path / "src" / "clusterplan", ignore=shutil.ignore_patterns("data")
    )
    return tmp_path / "src" / "clusterplan"


def _append(module: Path, line: str) -> None:
    module.write_text(module.read_text() + f"\n{line}  # noqa: E402,F401\n")


def test_an_import_against_the_layers_breaks_them(tmp_path: Path) -> None:
    _copy(tmp_path)
    growth = tmp_path / "src" / "clusterplan" / "measures" / "growth.py"
    # A measure reaching up into the pipeline, and a maths package taking the warehouse.
    growth.write_text(growth.read_text() + "\nfrom ..pipeline import profile  # noqa: E402,F401\n")
    shares = tmp_path / "src" / "clusterplan" / "geography" / "__init__.py"
    shares.write_text(shares.read_text() + "\nfrom ..warehouse import Warehouse  # noqa: E402,F401\n")
    # The command line computing a measure itself instead of asking the pipeline.
    report = tmp_path / "src" / "clusterplan" / "cli" / "report.py"
    report.write_text(report.read_text() + "\nfrom ..measures import location_quotient  # noqa: E402,F401\n")
    # A maths module reading the package files, or the boundaries, itself.
    _append(tmp_path / "src" / "clusterplan" / "measures" / "growth.py", "from .._data import dataset_path")
    _append(tmp_path / "src" / "clusterplan" / "geography" / "firms.py", "from ..sources import ons_geography")
    _append(tmp_path / "src" / "clusterplan" / "inputoutput" / "bea.py", "from .._data import dataset_path")
    result = _lint(tmp_path)
    assert result.returncode != 0
    assert "Data flows one way BROKEN" in result.stdout
    assert "clusterplan.measures.growth -> clusterplan.pipeline" in result.stdout
    assert "Only the pipeline takes a warehouse BROKEN" in result.stdout
    assert "The command line and the web app go through the pipeline BROKEN" in result.stdout
    assert "clusterplan.cli.report -> clusterplan.measures" in result.stdout
    assert "Maths packages do no I/O BROKEN" in result.stdout
    assert "clusterplan.measures.growth -> clusterplan._data" in result.stdout
    assert "clusterplan.geography.firms -> clusterplan.sources.ons_geography" in result.stdout
    assert "clusterplan.inputoutput.bea -> clusterplan._data" in result.stdout


def test_an_import_between_independent_maths_packages_breaks_them(tmp_path: Path) -> None:
    package = _copy(tmp_path)
    # Scenarios, relatedness and geography are independent of one another: only the pipeline combines them.
    _append(package / "scenarios" / "jumps.py", "from ..relatedness import complexity")
    result = _lint(tmp_path)
    assert result.returncode != 0
    assert "Data flows one way BROKEN" in result.stdout
    assert "clusterplan.scenarios.jumps -> clusterplan.relatedness" in result.stdout


def test_an_import_cycle_breaks_them(tmp_path: Path) -> None:
    package = _copy(tmp_path)
    # iomath is imported by national; national importing back from a module that imports iomath closes a circle.
    _append(package / "inputoutput" / "iomath.py", "from .national import NationalModel")
    result = _lint(tmp_path)
    assert result.returncode != 0
    assert "No cycles BROKEN" in result.stdout
    assert "No cycles are allowed in clusterplan.inputoutput" in result.stdout


SQL_CALLS = ("execute", "sql")


def _sql_calls(package: Path) -> list[str]:
    """``.execute(...)`` and ``.sql(...)`` calls outside ``warehouse/``: SQL belongs to the warehouse."""
    found = []
    for path in sorted(package.rglob("*.py")):
        relative = path.relative_to(package)
        if relative.parts[0] == "warehouse":
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in SQL_CALLS:
                found.append(f"{relative}:{node.lineno}")
    return found


def test_sql_only_in_the_warehouse(tmp_path: Path) -> None:
    assert _sql_calls(ROOT / "src" / "clusterplan") == []
    package = _copy(tmp_path)
    growth = package / "measures" / "growth.py"
    _append(growth, "def _rows(con):\n    return con.execute('SELECT 1').df()")
    # A measure running SQL on a connection it was handed is found, at its line.
    assert _sql_calls(package) == [f"measures/growth.py:{len(growth.read_text().splitlines())}"]


#: The maths packages: frames in, frames out; only the pipeline takes a warehouse.
MATHS = ("taxonomy", "measures", "relatedness", "inputoutput", "geography", "scenarios")
#: Parameter names that hand a function the warehouse (or its connection) by duck typing.
WAREHOUSE_PARAMETERS = {"warehouse", "engine", "con", "connection"}


def _warehouse_takers(package: Path) -> set[str]:
    """Every function (public or private, nested too) of the maths packages with a warehouse parameter, and every
    maths module importing the warehouse package (even for annotations only)."""
    found = set()
    for path in sorted(p for name in MATHS for p in (package / name).rglob("*.py")):
        relative = path.relative_to(package).as_posix()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                arguments = node.args.posonlyargs + node.args.args + node.args.kwonlyargs
                if WAREHOUSE_PARAMETERS & {a.arg for a in arguments}:
                    found.add(f"{relative}:{node.name}")
            elif isinstance(node, ast.ImportFrom) and node.level and (node.module or "").split(".")[0] == "warehouse":
                found.add(f"{relative}:import")
    return found


def test_maths_packages_take_frames_not_a_warehouse(tmp_path: Path) -> None:
    assert _warehouse_takers(ROOT / "src" / "clusterplan") == set(), "read the warehouse in the pipeline"
    # A measure given the warehouse under another name, or importing it for its annotations, is caught.
    package = _copy(tmp_path)
    _append(package / "measures" / "growth.py", "def _jobs(con, year):\n    return con.facts")
    _append(package / "relatedness" / "define.py", "from ..warehouse import Warehouse")
    planted = _warehouse_takers(package)
    assert planted == {"measures/growth.py:_jobs", "relatedness/define.py:import"}


#: The maths packages that do no I/O: the pipeline reads the files and hands them frames (issue #13). taxonomy is
#: the data layer (it reads its YAML).
NO_IO = ("measures", "geography", "inputoutput", "scenarios", "relatedness")
#: Calls that read a file (pandas readers, pathlib's, the builtin).
READ_CALLS = {"read_parquet", "read_csv", "read_excel", "read_json", "read_table", "read_text", "read_bytes", "open"}


def _reads(package: Path) -> list[str]:
    """Every call of a file reader (``pd.read_parquet(...)``, ``path.read_text()``, ``open(...)``) in *package*."""
    found = []
    for path in sorted(package.rglob("*.py")):
        calls = []
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.Call):
                continue
            name = node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", None)
            if name in READ_CALLS:
                calls.append((node.lineno, name))
        found += [f"{path.relative_to(package.parent).as_posix()}:{line}:{name}" for line, name in sorted(calls)]
    return found


@pytest.mark.parametrize("name", NO_IO)
def test_maths_packages_read_no_files(tmp_path: Path, name: str) -> None:
    assert _reads(ROOT / "src" / "clusterplan" / name) == [], "read the file in the pipeline and pass the frame"
    # A reader planted in a copy of the package is found, whichever way it is spelt.
    package = tmp_path / name
    shutil.copytree(ROOT / "src" / "clusterplan" / name, package)
    init = package / "__init__.py"
    lines = len(init.read_text().splitlines())
    _append(init, "def _facts(path):\n    return pd.read_parquet(path)")
    _append(init, "def _config(path):\n    with open(path) as f:\n        return f.read()")
    _append(init, "def _names(path):\n    return path.read_text(encoding='utf-8')")
    assert _reads(package) == [
        f"{name}/__init__.py:{lines + 3}:read_parquet",
        f"{name}/__init__.py:{lines + 6}:open",
        f"{name}/__init__.py:{lines + 10}:read_text",
    ]
