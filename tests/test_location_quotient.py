"""Location quotient intervals under NOMIS rounding and suppression.

Golden values are worked by hand from the NOMIS BRES rounding table (nomisweb.co.uk article 1103) and from the
real BRES rows in tests/fixtures/strength/bres_itl2_2021_ukg_mini.csv (NOMIS download layout, 2021, three West
Midlands ITL2 areas x five SIC subclasses). Brute-force searches over true values check that the bounds hold and
are attained.
"""

from __future__ import annotations

import itertools
from fractions import Fraction
from pathlib import Path

import ibis
import numpy as np
import pandas as pd
import pytest

from clusterplan._data import dataset_path
from clusterplan._exceptions import DataValidationError, ParameterError, UnknownCodeError
from clusterplan.measures.location_quotient import (
    INTERVAL_PANEL_COLUMNS,
    location_quotient,
    location_quotient_interval,
    location_quotient_interval_panel,
    published_value_bounds,
)
from clusterplan.measures.panel import PANEL_COLUMNS, measure_panel
from clusterplan.sources.nomis import read_nomis_csv

FIXTURE = Path(__file__).parent / "fixtures" / "strength" / "bres_itl2_2021_ukg_mini.csv"
AUTOMOTIVE = pd.DataFrame({"cluster_id": "automotive", "industry_code": ["29100", "29203", "29320"]})


def lq_of(x: np.ndarray, y: np.ndarray, z: np.ndarray, w: np.ndarray) -> np.ndarray:
    """LQ of a region from the four disjoint parts (region in benchmark)."""
    return (x / (x + y)) / ((x + z) / (x + y + z + w))


@pytest.fixture(scope="module")
def mini_cells() -> pd.DataFrame:
    return read_nomis_csv(FIXTURE, dataset="bres_itl2_sic5")


@pytest.fixture(scope="module")
def bres_2021() -> pd.DataFrame:
    frame = pd.read_parquet(dataset_path("bres_itl2_sic5"), columns=["area_code", "industry_code", "year", "value"])
    flags = pd.read_parquet(dataset_path("bres_itl2_sic5"), columns=["flag"])["flag"]
    frame["flag"] = flags.astype(object).where(flags.notna(), None)
    return frame[frame["year"] == 2021].reset_index(drop=True)


# --- published_value_bounds -------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("published", "low", "high"),
    [
        # 1-49: base 5 (strict 10). 0 can hide up to 5 (strict rounding of 4.9).
        (0, 0.0, 5.0),
        (5, 2.5, 7.5),  # not a multiple of 10: relaxed only
        (10, 5.0, 15.0),  # relaxed [7.5, 12.5] or strict [5, 15]
        (45, 42.5, 47.5),
        # 50 is reachable from 1-49 (45 rounded to 10) and from 50-249 (base 25 or 50).
        (50, 45.0, 75.0),
        (75, 62.5, 87.5),
        (225, 212.5, 237.5),
        # 250: 225-249 rounded to 50, or 250-274 rounded to 50 (not a multiple of 100).
        (250, 225.0, 275.0),
        (600, 500.0, 700.0),  # 500-999: base 100, strict 200
        (1_000, 900.0, 1_250.0),  # 900-999 strict 200 -> 1000; 1000-1249 strict 500 -> 1000
        (1_250, 1_125.0, 1_375.0),
        (1_500, 1_250.0, 1_750.0),
        (5_000, 4_500.0, 5_500.0),
        (13_000, 12_500.0, 13_500.0),  # odd thousands: relaxed base 1,000 only
        (12_000, 11_000.0, 13_000.0),  # even thousands: strict base 2,000 possible
    ],
)
def test_nomis_public_rounding_bounds(published: float, low: float, high: float) -> None:
    lo, hi = published_value_bounds([published])
    assert (lo[0], hi[0]) == (low, high)


def test_relaxed_and_safeguarded_rules() -> None:
    low, high = published_value_bounds([1_000, 50], rounding="nomis_bres_public_relaxed")
    assert low.tolist() == [950.0, 47.5] and high.tolist() == [1_125.0, 62.5]
    low, high = published_value_bounds([130, 1_125], rounding="nomis_bres_safeguarded")
    assert low.tolist() == [125.0, 1_062.5] and high.tolist() == [135.0, 1_187.5]


def test_flat_rounding_and_exact() -> None:
    low, high = published_value_bounds([20.0, np.nan, 0.0], rounding=5)
    assert low[0] == 17.5 and high[0] == 22.5 and np.isnan(low[1]) and np.isnan(high[1])
    assert (low[2], high[2]) == (0.0, 2.5)
    low, high = published_value_bounds([7_729.0], rounding=0)  # County Business Patterns: not rounded
    assert (low[0], high[0]) == (7_729.0, 7_729.0)


def test_suppressed_cells() -> None:
    low, high = published_value_bounds([0, 0, 40], suppressed=[True, False, False])
    assert low.tolist() == [0.0, 0.0, 35.0] and high.tolist() == [5.0, 5.0, 45.0]
    low, high = published_value_bounds([0, 25], suppressed=[True, True], suppression_max=100)
    assert low.tolist() == [0.0, 0.0] and high.tolist() == [100.0, 100.0]


def test_every_published_bres_value_fits_the_nomis_rule(bres_2021: pd.DataFrame) -> None:
    low, high = published_value_bounds(bres_2021["value"], rounding="nomis_bres_public")
    known = bres_2021["value"].notna().to_numpy()
    assert np.all(low[known] <= bres_2021["value"].to_numpy()[known])
    assert np.all(high[known] >= bres_2021["value"].to_numpy()[known])
    # Relaxed bases alone also explain every value (strict bases are multiples of them).
    published_value_bounds(bres_2021["value"], rounding="nomis_bres_public_relaxed")
    # A flat base of 10 does not: the first value that is an odd multiple of 5 is reported with its position.
    first_odd = int(np.flatnonzero((bres_2021["value"].to_numpy() % 10) == 5)[0])
    with pytest.raises(DataValidationError, match=rf"row {first_odd + 1}, column 'value'.*not a multiple"):
        published_value_bounds(bres_2021["value"], rounding=10)


def test_bad_values_and_rules() -> None:
    with pytest.raises(DataValidationError, match=r"row 2, column 'value': published value -5 is negative"):
        published_value_bounds([5, -5])
    with pytest.raises(DataValidationError, match=r"row 1.*published value 7 is not a multiple.*nomis_bres_public"):
        published_value_bounds([7])
    with pytest.raises(UnknownCodeError, match="unknown rounding rule 'nomis'; valid choices: nomis_bres_public"):
        published_value_bounds([5], rounding="nomis")
    with pytest.raises(ParameterError, match="rounding base must be a number >= 0"):
        published_value_bounds([5], rounding=-5)


# --- location_quotient_interval ---------------------------------------------------------------------------------------


def test_interval_hand_example_shared_terms() -> None:
    # Region A: cluster 100, rest 900; region B: cluster 0 (suppressed, up to 5), rest 1000; rounding to nearest 10.
    # Parts for A: x in [95, 105], y in [895, 905], z (B's cluster) in [0, 5], w (B's rest) in [995, 1005].
    low, high = location_quotient_interval((95, 105), (990, 1010), (95, 110), (1985, 2020))
    # Minimum: y, z high, w low; x at its HIGH end: 105 * 2010 / (1010 * 110).
    assert float(low) == pytest.approx(float(Fraction(105 * 2010, 1010 * 110)), rel=1e-12)
    # Maximum: y, z low, w high; with z = 0 the LQ falls in x, so x at its LOW end: 1995 / 990.
    assert float(high) == pytest.approx(float(Fraction(1995, 990)), rel=1e-12)
    # Corners with x low for the minimum and x high for the maximum would give a too-narrow [1.9, 2.005].
    assert float(low) < 1.9 and float(high) > 2.005
    # Brute force over every integer true value: the bounds hold and are attained.
    x, y, z, w = np.meshgrid(np.arange(95, 106), np.arange(895, 906), np.arange(0, 6), np.arange(995, 1006))
    lq = lq_of(x.astype(float), y, z, w)
    assert lq.min() == pytest.approx(float(low), rel=1e-12) and lq.max() == pytest.approx(float(high), rel=1e-12)
    # Region B (LQ 0): x in [0, 5]; max at x = 5 (below the peak x* = 572.7): 5 * 2000 / (1000 * 100).
    low_b, high_b = location_quotient_interval((0, 5), (995, 1010), (95, 110), (1985, 2020))
    assert float(low_b) == 0.0 and float(high_b) == pytest.approx(0.1, rel=1e-12)


def test_interval_interior_maximum() -> None:
    # A region whose cluster share peaks inside its range: the maximum is at x* = (ab + sqrt(a²b² + wabc)) / w.
    a, b, w = 100.0, 50.0, 10.0
    c = a + b + w
    peak = (a * b + np.sqrt((a * b) ** 2 + w * a * b * c)) / w
    assert 1_000 < peak < 1_100
    _, high = location_quotient_interval((1_000, 1_100), (1_100, 1_200), (1_050, 1_150), (1_160, 1_260))
    expected = peak * (peak + c) / ((peak + a) * (peak + b))
    assert float(high) == pytest.approx(expected, rel=1e-12)
    grid = np.linspace(1_000, 1_100, 100_001)
    assert lq_of(grid, a, b, w).max() == pytest.approx(expected, rel=1e-9)
    assert lq_of(grid, a, b, w).max() > max(lq_of(np.array([1_000.0, 1_100.0]), a, b, w))


def test_interval_region_outside_benchmark_and_not_nested() -> None:
    # Peer-group benchmark without the region: LQ = x / (x + y) * E / E_i, monotone in each part.
    low, high = location_quotient_interval((95, 105), (990, 1010), (190, 210), (1990, 2010), region_in_benchmark=False)
    assert float(low) == pytest.approx(float(Fraction(95, 1000) * Fraction(2010, 210)), rel=1e-12)
    assert float(high) == pytest.approx(float(Fraction(105, 1000) * Fraction(1990, 190)), rel=1e-12)
    # Independent inputs: LQ = e_ir E / (e_r E_i) at the corners.
    low, high = location_quotient_interval((95, 105), (990, 1010), (190, 210), (1990, 2010), nested=False)
    assert float(low) == pytest.approx(95 * 1990 / (1010 * 210), rel=1e-12)
    assert float(high) == pytest.approx(105 * 2010 / (990 * 190), rel=1e-12)


def test_interval_degenerate_cases() -> None:
    # The region holds all of the cluster (z = 0) and x may be 0: sup is the limit E / e_r, not NaN.
    low, high = location_quotient_interval((0, 10), (100, 110), (0, 10), (1000, 1010))
    assert float(low) == pytest.approx(10 * 1010 / (110 * 10), rel=1e-12)  # x = 10: T / e_r
    assert float(high) == pytest.approx(1000 / 100, rel=1e-12)  # x -> 0+: (y + w) / y
    # Cluster surely absent from the region: LQ 0; undefined (NaN) when the region total is 0.
    assert location_quotient_interval((0, 0), (100, 100), (50, 60), (1000, 1010)) == (0.0, 0.0)
    low, high = location_quotient_interval((0, 0), (0, 0), (50, 60), (1000, 1010))
    assert np.isnan(low) and np.isnan(high)
    assert float(location_quotient(2_000, 50_000, 100_000, 10_000_000)) == 4.0  # the point LQ is unchanged


# --- location_quotient_interval_panel ---------------------------------------------------------------------------------


def test_panel_golden_values(mini_cells: pd.DataFrame) -> None:
    panel = location_quotient_interval_panel(mini_cells, AUTOMOTIVE)
    assert list(panel.columns) == INTERVAL_PANEL_COLUMNS and INTERVAL_PANEL_COLUMNS[:12] == PANEL_COLUMNS
    row = panel.set_index("area_code").loc["TLG3"]
    # TLG3 cluster cells: 15000 -> [14500, 15500], 75 -> [62.5, 87.5], 11000 -> [10500, 11500].
    assert (row["employment"], row["employment_low"], row["employment_high"]) == (26_075, 25_062.5, 27_087.5)
    # + 25 -> [22.5, 27.5] and 1250 -> [1125, 1375].
    assert (row["area_total"], row["area_total_low"], row["area_total_high"]) == (27_350, 26_210, 28_490)
    # TLG1 (13000, 45, 7000) and TLG2 (1500 -> [1250, 1750] strict 500; 10 -> [5, 15]; 5000) plus TLG3.
    assert (row["benchmark_employment_low"], row["benchmark_employment_high"]) == (49_860, 55_400)
    # TLG1's 0 (flagged, [0, 5]), 225, TLG2's 40 -> [35, 45], 600 -> [500, 700].
    assert (row["benchmark_total_low"], row["benchmark_total_high"]) == (51_755, 57_790)
    # y = [1147.5, 1402.5], z = [24797.5, 28312.5], w = [747.5, 987.5].
    # min at x low: 25062.5 * 55525 / (26465 * 53375); max at x high (x* = 68,900 > 27087.5).
    assert row["lq_low"] == pytest.approx(float(Fraction(250625 * 55525, 10 * 26465 * 53375)), rel=1e-12)
    assert row["lq_high"] == pytest.approx(float(Fraction(270875 * 54020, 10 * 28235 * 51885)), rel=1e-12)
    assert row["lq"] == pytest.approx((26_075 / 27_350) / (52_630 / 54_770), rel=1e-12)
    assert panel.set_index("area_code").loc["TLG1", "suppressed_cells"] == 0  # the 0 is in 30110, outside the cluster


def test_panel_point_columns_match_measure_panel(mini_cells: pd.DataFrame) -> None:
    facts = mini_cells.drop(columns=["_row", "area_name", "industry_name"])
    expected = measure_panel(ibis.memtable(facts), ibis.memtable(AUTOMOTIVE)).to_pandas()
    got = location_quotient_interval_panel(mini_cells, AUTOMOTIVE)[PANEL_COLUMNS]
    pd.testing.assert_frame_equal(got, expected, check_dtype=False)
    by_industry = location_quotient_interval_panel(mini_cells, None, denominator_industries=["29100", "29320"])
    expected = measure_panel(
        ibis.memtable(facts), denominator_industries=ibis.memtable(pd.DataFrame({"industry_code": ["29100", "29320"]}))
    ).to_pandas()
    pd.testing.assert_frame_equal(by_industry[PANEL_COLUMNS], expected, check_dtype=False)


def test_panel_bounds_hold_for_any_true_values(mini_cells: pd.DataFrame) -> None:
    panel = location_quotient_interval_panel(mini_cells, AUTOMOTIVE).set_index("area_code")
    low, high = published_value_bounds(
        mini_cells["value"], suppressed=(mini_cells["flag"] == "zero_may_be_suppressed").to_numpy()
    )
    in_cluster = mini_cells["industry_code"].isin(AUTOMOTIVE["industry_code"]).to_numpy()
    rng = np.random.default_rng(20210)
    truth = low + (high - low) * rng.random((5_000, len(low)))
    for area in ("TLG1", "TLG2", "TLG3"):
        here = (mini_cells["area_code"] == area).to_numpy()
        x = truth[:, here & in_cluster].sum(1)
        y = truth[:, here & ~in_cluster].sum(1)
        z = truth[:, ~here & in_cluster].sum(1)
        w = truth[:, ~here & ~in_cluster].sum(1)
        lq = lq_of(x, y, z, w)
        assert lq.min() >= panel.loc[area, "lq_low"] - 1e-12 and lq.max() <= panel.loc[area, "lq_high"] + 1e-12
        # The corners: every cell at an end of its range; the extremes are attained there.
        corners = [
            lq_of(*(np.where(part, high, low)[mask].sum() for part, mask in zip(ends, masks, strict=True)))
            for ends in itertools.product([False, True], repeat=4)
            for masks in [(here & in_cluster, here & ~in_cluster, ~here & in_cluster, ~here & ~in_cluster)]
        ]
        assert min(corners) == pytest.approx(panel.loc[area, "lq_low"], rel=1e-12)
        assert max(corners) == pytest.approx(panel.loc[area, "lq_high"], rel=1e-12)


def test_panel_real_cluster_without_suppressed_cells(bres_2021: pd.DataFrame) -> None:
    mapping = pd.DataFrame({"cluster_id": "motor", "industry_code": ["29100", "29320"]})
    panel = location_quotient_interval_panel(bres_2021, mapping).set_index("area_code")
    tlg3 = panel.loc["TLG3"]
    # West Midlands 2021: 29100 = 15,000 and 29320 = 11,000, both odd thousands: relaxed base 1,000 only.
    assert (tlg3["employment"], tlg3["suppressed_cells"], tlg3["cells"]) == (26_000, 0, 2)
    assert (tlg3["employment_low"], tlg3["employment_high"]) == (25_000, 27_000)
    assert tlg3["lq_low"] < tlg3["lq"] < tlg3["lq_high"]
    # The LQ interval is the exact optimum over the four parts: a dense grid search cannot beat it.
    parts = [
        (tlg3["employment_low"], tlg3["employment_high"]),
        (tlg3["area_total_low"] - tlg3["employment_low"], tlg3["area_total_high"] - tlg3["employment_high"]),
        (
            tlg3["benchmark_employment_low"] - tlg3["employment_low"],
            tlg3["benchmark_employment_high"] - tlg3["employment_high"],
        ),
        (
            tlg3["benchmark_total_low"]
            - tlg3["area_total_low"]
            - tlg3["benchmark_employment_low"]
            + tlg3["employment_low"],
            tlg3["benchmark_total_high"]
            - tlg3["area_total_high"]
            - tlg3["benchmark_employment_high"]
            + tlg3["employment_high"],
        ),
    ]
    grid = np.meshgrid(*(np.linspace(lo, hi, 21) for lo, hi in parts), indexing="ij")
    lq = lq_of(*grid)
    assert lq.min() == pytest.approx(tlg3["lq_low"], rel=1e-12)
    assert lq.max() == pytest.approx(tlg3["lq_high"], rel=1e-9)
    # With a flat nearest-5 rounding each cell is within ±2.5, so the cluster's range is 5 x cells wide.
    flat = location_quotient_interval_panel(bres_2021, mapping, rounding=5).set_index("area_code").loc["TLG3"]
    assert (flat["employment_low"], flat["employment_high"]) == (25_995, 26_005)
    assert flat["employment_high"] - flat["employment_low"] == 5 * flat["cells"]
    # The LQ's relative width is at least the cluster's own and at most the sum of its four inputs' (first order).
    relative = {
        name: (flat[f"{name}_high"] - flat[f"{name}_low"]) / flat[name]
        for name in ("employment", "area_total", "benchmark_employment", "benchmark_total")
    }
    width = (flat["lq_high"] - flat["lq_low"]) / flat["lq"]
    assert relative["employment"] < width < sum(relative.values())
    assert 0.005 < width < 0.01  # about ±0.5%: 729 cells of ±2.5 in the region, 29,160 in Great Britain
    box = location_quotient_interval(*((flat[f"{n}_low"], flat[f"{n}_high"]) for n in relative), nested=False)
    assert box[0] < flat["lq_low"] < flat["lq"] < flat["lq_high"] < box[1]


def test_panel_missing_cells_and_peer_benchmark(bres_2021: pd.DataFrame) -> None:
    cells = pd.read_parquet(dataset_path("bres_itl2_sic5"), columns=["area_code", "industry_code", "year", "value"])
    scotland = cells[(cells["year"] == 2015) & cells["area_code"].str.startswith("TLM")].copy()
    scotland["flag"] = np.where(scotland["value"].isna(), "missing", None)
    farms = pd.DataFrame({"cluster_id": "farms", "industry_code": ["01000"]})
    panel = location_quotient_interval_panel(scotland, farms).set_index("area_code")
    # DEFRA agricultural data (01000) is empty for every Scottish area in 2015: nothing to bound.
    assert (panel["missing_cells"] == 1).all() and panel[["employment", "lq", "lq_low", "lq_high"]].isna().all().all()
    peers = ["TLG1", "TLG2"]
    motor = pd.DataFrame({"cluster_id": "motor", "industry_code": ["29100"]})
    panel = location_quotient_interval_panel(bres_2021, motor, benchmark_areas=peers).set_index("area_code")
    tlg3 = panel.loc["TLG3"]
    assert tlg3["benchmark_employment"] == 13_000 + 1_500  # TLG1 + TLG2 only
    assert tlg3["lq_low"] < tlg3["lq"] < tlg3["lq_high"]
    with pytest.raises(ParameterError, match="cells need column"):
        location_quotient_interval_panel(bres_2021.drop(columns="value"), motor)
