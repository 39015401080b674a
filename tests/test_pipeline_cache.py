"""Results cached per data version: the same answer as computing afresh, copies, and forgotten after an import."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from _util import FIXTURES
from clusterplan import Warehouse, _cache
from clusterplan.pipeline.profile import _industry_measures, industry_measures
from clusterplan.sources.formats import read_user_file


def test_cached_industry_measures_are_the_computed_ones_and_copies(warehouse: Warehouse) -> None:
    _cache.clear()
    first = industry_measures(warehouse, level="sic2", year=2021)
    again = industry_measures(warehouse, level="sic2", year=2021)
    fresh = _industry_measures(warehouse, "sic2", None, 2021, None, "national", None)
    pd.testing.assert_frame_equal(first, fresh)
    pd.testing.assert_frame_equal(again, fresh)
    assert again is not first
    # West Midlands' motor vehicles (SIC 29) are specialised: the LQ of the real BRES is well above 2.
    row = fresh[(fresh["area_code"] == "TLG3") & (fresh["industry_code"] == "29")].iloc[0]
    assert row["lq"] > 2
    first.loc[:, "lq"] = -1.0  # a caller changing its frame does not change the next caller's
    pd.testing.assert_frame_equal(industry_measures(warehouse, level="sic2", year=2021), fresh)


def test_an_import_changes_the_data_version_and_empties_the_cache(fresh_warehouse: Path) -> None:
    facts, provenance = read_user_file(FIXTURES / "nomis" / "bres_itl2_sic5_mini.csv", "nomis", dataset="mini")
    with Warehouse(fresh_warehouse) as wh:
        before = wh.data_version()
        assert before == wh.data_version()
        calls: list[int] = []

        def compute() -> int:
            calls.append(1)
            return len(calls)

        assert _cache.memoised(wh, ("probe",), compute) == 1
        assert _cache.memoised(wh, ("probe",), compute) == 1  # cached
        wh.import_facts(facts, provenance, file="mini.csv")
        assert wh.data_version() != before
        assert _cache.memoised(wh, ("probe",), compute) == 2  # recomputed on the new data


def test_one_cache_computes_a_key_once_across_threads_and_keeps_none() -> None:
    """The web app's answers and the per-warehouse store share this LRU: a key is computed once, however many
    threads ask at the same time, and None is a value, not a miss."""
    import threading
    import time

    cache: _cache.LruCache[str, int | None] = _cache.LruCache(2)
    calls: list[str] = []

    def slow() -> int:
        calls.append("slow")
        time.sleep(0.05)
        return 7

    threads = [threading.Thread(target=cache.get_or_compute, args=("k", slow)) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert calls == ["slow"] and cache.get("k") == 7
    assert cache.get_or_compute("none", lambda: calls.append("none")) is None
    assert cache.get_or_compute("none", lambda: calls.append("again")) is None
    assert calls == ["slow", "none"]
    cache.get_or_compute("third", lambda: 3)  # two entries kept: the least recently used ("k") goes
    assert "k" not in cache and "none" in cache and "third" in cache
