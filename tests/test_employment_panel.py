"""employment_panel gives measure_panel's employment rows, the same order and values, for the years asked."""

from __future__ import annotations

import ibis
import pandas as pd
import pytest

from clusterplan.measures.panel import employment_panel, measure_panel


def _rows() -> pd.DataFrame:
    # Area C has no total row in 2020 (so no grid row there); unit 3 appears only in 2019; 1.5e-7 rounds away.
    return pd.DataFrame(
        {
            "area_code": ["A", "A", "B", "B", "C", "A", "B", "C", "A", "B"],
            "year": [2019, 2019, 2019, 2020, 2019, 2020, 2020, 2020, 2019, 2019],
            "industry_code": ["1", "2", "1", "2", "3", "1", "1", "2", "00", "00"],
            "value": [5.0, 3.0, 2.0 + 1.5e-7, 4.0, 7.0, 6.0, 1.0, 2.0, 8.0, 2.0],
            "flag": [""] * 10,
        }
    )


@pytest.mark.parametrize("complete", [False, True])
@pytest.mark.parametrize("years", [None, [2019], [2020], [2019, 2020]])
@pytest.mark.parametrize("with_totals", [False, True])
def test_employment_panel_matches_measure_panel(complete: bool, years: list[int] | None, with_totals: bool) -> None:
    frame = _rows()
    units = ibis.memtable(frame[frame["industry_code"] != "00"])
    totals = ibis.memtable(frame[frame["industry_code"] == "00"]) if with_totals else None
    full = measure_panel(units, None, total_rows=totals, complete=complete)
    if years is not None:
        full = full.filter(full.year.isin(years))
    expected = full.select("area_code", "unit_code", "year", "employment").to_pandas()
    got = employment_panel(units, total_rows=totals, complete=complete, years=years).to_pandas()
    pd.testing.assert_frame_equal(got, expected)
