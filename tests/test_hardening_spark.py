"""A Spark master that cannot be reached is said within seconds, not after a silent hang.

Before: ``--engine spark --master spark://127.0.0.1:1`` hung with no message.
"""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from _util import run_cli
from clusterplan import WarehouseError
from clusterplan.warehouse._spark import check_master_reachable


def test_an_unreachable_master_is_refused_at_once() -> None:
    start = time.perf_counter()
    with pytest.raises(WarehouseError, match=r"cannot reach the Spark master: 127\.0\.0\.1:1 \(Connection refused\)"):
        check_master_reachable("spark://127.0.0.1:1")
    assert time.perf_counter() - start < 6


def test_a_malformed_master_url_is_named() -> None:
    with pytest.raises(WarehouseError, match="is not spark://host:port"):
        check_master_reachable("spark://nohost")


def test_cli_run_on_an_unreachable_master_ends_with_one_line(tmp_path: Path, warehouse_path: Path) -> None:
    pytest.importorskip("pyspark")
    start = time.perf_counter()
    result = run_cli(
        "run", "--engine", "spark", "--master", "spark://127.0.0.1:1", "--quiet", "--out", str(tmp_path),
        "--warehouse", str(warehouse_path),
    )  # fmt: skip
    assert time.perf_counter() - start < 60
    assert result.returncode == 1
    assert result.stderr.strip().splitlines()[-1].startswith("error: cannot reach the Spark master: 127.0.0.1:1")
    assert "Traceback" not in result.stderr
