"""`clusterplan run` writes the numbers the library computes: the CLI, the pipeline and the report folder agree.

A guard for moving code between layers: the default GB run (West Midlands) and a US run (Detroit CBSA 19820)
must give the clusters.csv, regions.csv and trend.csv of :func:`clusterplan.profile_region` on the same
warehouse.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from _util import run_cli
from clusterplan import Warehouse, profile_region
from clusterplan.report import report_data


def _texts(column: pd.Series) -> list[str | None]:
    return [None if pd.isna(v) or v == "" else str(v) for v in column.astype(object)]


#: Columns that order areas: exact where employment is whole numbers (BRES). CBP's rebuilt withheld cells are
#: fractional and DuckDB sums them in parallel, in no fixed order, so two areas a rounding error apart may
#: swap places between two runs; there only the values themselves are compared.
_ORDERING = ("_rank", "_percentile", "_reason", "stars", "strong_cluster")


def _assert_same(written: pd.DataFrame, computed: pd.DataFrame, name: str, *, exact_order: bool) -> None:
    assert list(written.columns) == list(computed.columns), name
    assert len(written) == len(computed), name
    for column in computed.columns:
        if not exact_order and any(part in column for part in _ORDERING):
            continue
        left, right = written[column], computed[column]
        if pd.api.types.is_numeric_dtype(right) and not pd.api.types.is_bool_dtype(right):
            a, b = left.to_numpy(dtype=float), right.to_numpy(dtype=float)
            # CSVs hold 16 significant digits; parallel sums of fractional values differ in the last bits.
            assert np.allclose(a, b, rtol=1e-12, atol=0, equal_nan=True), f"{name}.{column}"
        else:
            # A CSV cannot tell an empty text from a missing one.
            assert _texts(left) == _texts(right), f"{name}.{column}"


@pytest.mark.slow
@pytest.mark.parametrize(("region", "clusters"), [("TLG3", 8), ("19820", 51)])
def test_run_tables_equal_profile_region(
    region: str, clusters: int, tmp_path: Path, warehouse_path: Path, warehouse: Warehouse
) -> None:
    out, copy = tmp_path / "run", tmp_path / "w.duckdb"
    copy.write_bytes(warehouse_path.read_bytes())
    result = run_cli(
        "run", "--region", region, "--analyses", "none", "--quiet", "--out", str(out), "--warehouse", str(copy)
    )
    assert result.returncode == 0, result.stderr
    expected = report_data(profile_region(warehouse, region=region))
    assert len(expected.clusters) == clusters
    read = {"keep_default_na": True, "dtype": {"area_code": str, "cluster_id": str}}
    for name in ("clusters", "regions", "trend"):
        written = pd.read_csv(out / f"{name}.csv", **read)
        _assert_same(written, getattr(expected, name), name, exact_order=region == "TLG3")
