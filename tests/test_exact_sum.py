"""exact_sum gives the float nearest the exact sum (whole numbers exactly), whatever order the rows come in."""

from __future__ import annotations

import random
from decimal import Decimal

import ibis
import pandas as pd
import pytest

from clusterplan.measures.employment import exact_sum

# Cells of CBP 2019 (with the rebuilt ones) whose sums came back off by an ulp when each value was cast to
# DECIMAL(38, 18): DuckDB multiplies by 10**18 in floating point, so 7458.0 became 7457.999999999999475712.
CASES = {
    # Detroit's employment in NAICS 722515, one cell: unclassified_industries.csv had 7457.999999999999.
    "detroit_722515": ([7458.0], 7458.0),
    # Chicago's establishments in transportation and logistics: regions.csv had 7315.000000000001.
    "chicago_transportation": (
        [4.0, 11.0, 12.0, 21.0, 25.0, 28.0, 39.0, 45.0, 58.0, 68.0, 70.0, 77.0, 92.0, 237.0, 388.0, 1142.0, 4998.0],
        7315.0,
    ),
    # Los Angeles' establishments in video production and distribution: regions.csv had 7259.000000000001.
    "los_angeles_video": ([4.0, 46.0, 150.0, 1253.0, 5806.0], 7259.0),
    # Bedford, IN's rebuilt establishments in aerospace: regions.csv had 0.5579999999999999.
    "bedford_aerospace": ([0.027, 0.084, 0.151, 0.282, 0.007, 0.002, 0.005], 0.558),
}


def _sums(values: list[float]) -> pd.Series:
    groups = pd.DataFrame({"group": "g", "value": values})
    table = ibis.memtable(groups)
    summed = table.group_by("group").aggregate(total=exact_sum(table.value)).to_pandas()
    return summed.set_index("group")["total"]


@pytest.mark.parametrize("case", sorted(CASES))
def test_whole_and_decimal_sums_come_back_exact(case: str) -> None:
    values, expected = CASES[case]
    for order in (values, values[::-1], sorted(values, key=str)):
        total = _sums(order).loc["g"]
        assert total == expected, (case, repr(total))
    assert float(sum(Decimal(repr(v)) for v in values)) == expected


def test_sum_does_not_depend_on_the_order_of_the_rows() -> None:
    # Rebuilt cells of two or three places in many groups: float sums of such rows change with their order.
    rng = random.Random(14)
    values = [rng.randrange(1, 10**6) / 1000 for _ in range(60_000)]
    groups = [f"g{i % 7}" for i in range(len(values))]
    expected = (
        pd.DataFrame({"group": groups, "value": [Decimal(repr(v)) for v in values]})
        .groupby("group")["value"]
        .agg(lambda column: float(sum(column)))
    )
    pairs = list(zip(groups, values, strict=True))
    found = []
    for seed in range(3):
        rng.shuffle(pairs)
        table = ibis.memtable(pd.DataFrame(pairs, columns=["group", "value"]))
        summed = table.group_by("group").aggregate(total=exact_sum(table.value)).to_pandas()
        found.append(summed.set_index("group")["total"].sort_index())
        assert seed == 0 or found[-1].equals(found[0])
    pd.testing.assert_series_equal(found[0], expected.sort_index(), check_names=False, check_exact=True)


def test_values_are_kept_to_a_millionth() -> None:
    # A seventh place rounds away (to the nearest millionth) before the sum; NULLs are ignored, as by sum.
    table = ibis.memtable(pd.DataFrame({"value": [2.0 + 1.5e-7, 1.0000004, None]}))
    total = table.aggregate(total=exact_sum(table.value)).to_pandas()["total"].iloc[0]
    assert total == 3.0
