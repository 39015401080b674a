"""Warnings are fixed where they arise: the suite runs with warnings as errors, and these cases used to warn."""

from __future__ import annotations

import subprocess
import sys
import warnings
from pathlib import Path

import pandas as pd
import pytest

from clusterplan.scenarios.baseline import project


def test_log_linear_baseline_of_a_series_with_no_jobs_does_not_warn() -> None:
    # An industry a region never had (0 jobs every year) has no log trend; it falls back to the national path
    # of its industry, and numpy's "Mean of empty slice" must not reach the user.
    years = [2015, 2016, 2017]
    panel = pd.DataFrame(
        [
            {"area_code": area, "unit_code": "u", "year": year, "value": value}
            for area, values in (("R", [0.0, 0.0, 0.0]), ("S", [100.0, 110.0, 121.0]))
            for year, value in zip(years, values, strict=True)
        ]
    )
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        table = project(panel, "log_linear", target_years=[2018])
    region = table[table.area_code == "R"].iloc[0]
    assert region["forecast"] == 0.0
    assert table[table.area_code == "S"].iloc[0]["forecast"] == pytest.approx(133.1)


def test_a_profile_prints_no_warning_even_when_python_shows_every_warning(warehouse_path: Path) -> None:
    # `clusterplan serve` printed thousands of Ibis deprecation lines; with every warning shown, none may appear.
    code = (
        "from clusterplan import Warehouse, profile_region\n"
        f"with Warehouse({str(warehouse_path)!r}, read_only=True) as wh:\n"
        "    profile_region(wh, region='TLG3')\n"
        "    profile_region(wh, region='12060')\n"
    )
    result = subprocess.run(
        [sys.executable, "-W", "default", "-c", code], capture_output=True, text=True, timeout=300, check=False
    )
    assert result.returncode == 0, result.stderr
    assert "Warning" not in result.stderr, result.stderr[:2000]
