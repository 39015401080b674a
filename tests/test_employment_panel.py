"""employment_panel gives measure_panel's employment rows, the same order and values, for the years asked."""

from __future__ import annotations

import ibis
import numpy as np
import pandas as pd
import pytest

from clusterplan.measures.panel import complete_employment_panel, employment_panel, employment_sums, measure_panel


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


@pytest.mark.parametrize("complete", [False, True])
@pytest.mark.parametrize("years", [None, [2019], [2020], [2019, 2020]])
@pytest.mark.parametrize("with_totals", [False, True])
def test_complete_employment_panel_matches_employment_panel(
    complete: bool, years: list[int] | None, with_totals: bool
) -> None:
    # The engine's table from the sums of the cells with rows and the grid's area-years (NumPy): same rows, order,
    # values and types. Codes sort character by character ("10" before "9", "B" before "a").
    frame = pd.concat(
        [
            _rows(),
            pd.DataFrame(
                {
                    "area_code": ["a", "a", "10", "9", "a", "10"],
                    "year": [2019, 2020, 2019, 2020, 2019, 2019],
                    "industry_code": ["9", "10", "10", "9", "00", "00"],
                    "value": [1.25, 2.0, 0.1 + 0.2, 3.0, 9.0, 9.0],
                    "flag": [""] * 6,
                }
            ),
        ],
        ignore_index=True,
    )
    units = ibis.memtable(frame[frame["industry_code"] != "00"])
    totals = ibis.memtable(frame[frame["industry_code"] == "00"]) if with_totals else None
    expected = employment_panel(units, total_rows=totals, complete=complete, years=years).to_pandas()
    areas = None
    if complete:
        source = units if totals is None else totals
        areas = source.select("area_code", "year").distinct().to_pandas()
    sums = employment_sums(units, years=None if complete else years).to_pandas()
    got = complete_employment_panel(sums, areas=areas, years=years)
    pd.testing.assert_frame_equal(got, expected)
    assert got["employment"].tolist() == expected["employment"].tolist()  # zeros and sums alike, to the bit


def test_complete_employment_panel_fills_the_grid() -> None:
    sums = pd.DataFrame(
        {
            "area_code": pd.array(["B", "A", "A"], dtype="str"),
            "unit_code": pd.array(["2", "2", "1"], dtype="str"),
            "year": np.array([2019, 2019, 2020], dtype=np.int32),
            "employment": [4.0, 3.0, 5.0],
        }
    )
    areas = pd.DataFrame({"area_code": ["A", "A", "B"], "year": np.array([2019, 2020, 2019], dtype=np.int32)})
    got = complete_employment_panel(sums, areas=areas)
    assert list(zip(got["area_code"], got["unit_code"], got["year"], got["employment"], strict=True)) == [
        ("A", "1", 2019, 0.0),
        ("A", "1", 2020, 5.0),
        ("A", "2", 2019, 3.0),
        ("A", "2", 2020, 0.0),
        ("B", "1", 2019, 0.0),
        ("B", "2", 2019, 4.0),
    ]
