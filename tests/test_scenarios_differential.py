"""Comparators, scenario growth, differential growth and the region's rank: hand-checked cases and properties."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from clusterplan import ParameterError, UnknownCodeError
from clusterplan.measures.strength import cluster_mapping_strength
from clusterplan.scenarios.baseline import METHODS, project
from clusterplan.scenarios.differential import (
    comparator_growth,
    comparator_statistic,
    differential_growth,
    region_growth_comparison,
    scenario_growth_rates,
)
from clusterplan.scenarios.uncertainty import resample_scenarios
from clusterplan.warehouse import Warehouse


def small_panel() -> pd.DataFrame:
    """Focus F and four other regions, one cluster u, 2015 and 2019; every area employs 10,000."""
    start = {"F": 500.0, "A": 2000.0, "B": 1500.0, "C": 800.0, "D": 1200.0}
    end = {"F": 520.0, "A": 2000 * 1.1**4, "B": 1500 * 1.05**4, "C": 1600.0, "D": 1200 * 1.02**4}
    rows = [(a, "u", 2015, v, 10_000.0) for a, v in start.items()] + [
        (a, "u", 2019, v, 10_000.0) for a, v in end.items()
    ]
    return pd.DataFrame(rows, columns=["area_code", "unit_code", "year", "value", "area_total"])


def test_comparators_by_lq_and_size_at_the_start_of_the_window() -> None:
    table = comparator_growth(small_panel(), focus_region="F", window=(2015, 2019)).set_index("area_code")
    assert "F" not in table.index
    # Benchmark share of u in 2015: 6,000 of 50,000 = 0.12. A: 0.2 / 0.12.
    assert table.loc["A", "lq_start"] == pytest.approx(0.2 / 0.12)
    assert table.loc["A", "growth_cagr"] == pytest.approx(0.10)
    # C doubled (18.9% a year) but had LQ 0.08 / 0.12 < 1 in 2015: not a comparator.
    assert table["eligible"].to_dict() == {"A": True, "B": True, "C": False, "D": True}
    assert table.loc["C", "reason"] == "LQ 0.67 < 1 in 2015; 800 jobs < 1,000"
    assert table.loc["A", "reason"] == "LQ 1.67 >= 1 in 2015; 2,000 jobs >= 1,000"
    smaller = comparator_growth(small_panel(), focus_region="F", min_employment=1600, exclude_areas=["A"])
    assert smaller.set_index("area_code")["eligible"].to_dict() == {"A": False, "B": False, "C": False, "D": False}
    assert smaller.set_index("area_code").loc["A", "reason"] == "excluded by parameter"


def test_strong_rule_matches_cluster_mapping_strength(warehouse: Warehouse) -> None:
    from clusterplan.pipeline.panels import cluster_employment_panel

    panel = cluster_employment_panel(warehouse)
    table = comparator_growth(panel, focus_region="TLG3", window=(2015, 2019), rule="strong", min_employment=0)
    start = panel[panel.year == 2015].rename(columns={"value": "employment"})
    start = start.assign(share=start["employment"] / start["area_total"])
    share = start.groupby("unit_code")["employment"].sum() / start.groupby("area_code")["area_total"].first().sum()
    start["lq"] = start["share"] / start["unit_code"].map(share)
    strong = cluster_mapping_strength(start[["area_code", "unit_code", "employment", "lq", "share"]])
    expected = strong.set_index(["area_code", "unit_code"])["strong"]
    got = table.set_index(["area_code", "unit_code"])
    assert (got["eligible"] == expected.reindex(got.index) & got["growth_cagr"].notna()).all()
    assert got["eligible"].sum() > 20


def test_bad_comparator_arguments() -> None:
    with pytest.raises(UnknownCodeError, match="comparator rule"):
        comparator_growth(small_panel(), focus_region="F", rule="nearest")
    with pytest.raises(UnknownCodeError, match="reference window year '2016'"):
        comparator_growth(small_panel(), focus_region="F", window=(2016, 2019))


def test_leader_top_quartile_and_median() -> None:
    rates = scenario_growth_rates(comparator_growth(small_panel(), focus_region="F"), units=["u", "none"])
    u = rates.set_index("unit_code").loc["u"]
    assert u["leading_region"] == "A" and u["comparator_areas"] == "A;B;D" and u["comparators"] == 3
    assert u["growth_high"] == pytest.approx(0.10)
    assert u["growth_low"] == pytest.approx(np.quantile([0.10, 0.05, 0.02], 0.75))  # 0.075
    median = scenario_growth_rates(comparator_growth(small_panel(), focus_region="F"), low="median")
    assert float(median["growth_low"].iloc[0]) == pytest.approx(0.05)
    missing = rates.set_index("unit_code").loc["none"]
    assert missing["comparators"] == 0 and math.isnan(missing["growth_high"])
    assert float(comparator_statistic(np.array([1.0, 2.0, 3.0, 4.0]), "top_quartile")) == pytest.approx(3.25)


def test_differential_growth_hand_checked_and_floored() -> None:
    frame = pd.DataFrame(
        {
            "jump_off_jobs": [5000.0, 1000.0],
            "baseline_jobs": [5500.0, 1500.0],
            "growth_low": [0.02, 0.01],
            "growth_high": [0.04, 0.03],
            "gva_per_job_gbp": [60_000.0, 50_000.0],
        }
    )
    out = differential_growth(frame, horizon=9)
    assert float(out["additional_jobs_high"].iloc[0]) == pytest.approx(5000 * 1.04**9 - 5500)
    assert float(out["additional_gva_high_gbp_m"].iloc[0]) == pytest.approx((5000 * 1.04**9 - 5500) * 0.06)
    assert float(out["baseline_gva_gbp_m"].iloc[0]) == pytest.approx(330.0)
    # 1,000 x 1.01^9 = 1,093.7 < 1,500: the low scenario is below the baseline and adds nothing.
    assert float(out["additional_jobs_low"].iloc[1]) == 0.0 and bool(out["floored_low"].iloc[1])
    raw = differential_growth(frame, horizon=9, floor_at_baseline=False)
    assert float(raw["additional_jobs_low"].iloc[1]) == pytest.approx(1000 * 1.01**9 - 1500)
    with pytest.raises(ParameterError, match="after the jump-off"):
        differential_growth(frame, horizon=0)


@pytest.mark.parametrize("method", METHODS)
def test_leader_faster_than_baseline_never_gives_negative_differential(method: str) -> None:
    rng = np.random.default_rng(11)
    years = list(range(2015, 2022))
    for _ in range(10):
        rows = []
        for area in ("R", "S", "T"):
            start = rng.uniform(200, 20_000)
            growth = rng.normal(0.0, 0.05, len(years)).cumsum()
            rows += [(area, "u", y, start * math.exp(g), 1e6) for y, g in zip(years, growth, strict=True)]
        panel = pd.DataFrame(rows, columns=["area_code", "unit_code", "year", "value", "area_total"])
        base = project(panel, method, target_years=[2030], areas=["R"]).iloc[0]
        baseline_rate = float(base["growth_cagr"])
        leader = baseline_rate + rng.uniform(1e-6, 0.05)
        frame = pd.DataFrame(
            {
                "jump_off_jobs": [base["jump_off"]],
                "baseline_jobs": [base["forecast"]],
                "growth_low": [rng.uniform(-0.05, leader)],
                "growth_high": [leader],
            }
        )
        out = differential_growth(frame, horizon=9, floor_at_baseline=False)
        assert float(out["additional_jobs_high"].iloc[0]) > 0


def test_doubling_the_base_doubles_the_extra_jobs() -> None:
    rng = np.random.default_rng(3)
    for _ in range(50):
        e0 = rng.uniform(100, 100_000, 5)
        frame = pd.DataFrame(
            {
                "jump_off_jobs": e0,
                "baseline_jobs": e0 * rng.uniform(0.7, 1.5, 5),
                "growth_low": rng.uniform(-0.03, 0.05, 5),
                "growth_high": rng.uniform(0.0, 0.15, 5),
            }
        )
        doubled = frame.assign(jump_off_jobs=2 * frame["jump_off_jobs"], baseline_jobs=2 * frame["baseline_jobs"])
        for floor in (True, False):
            once = differential_growth(frame, horizon=9, floor_at_baseline=floor)
            twice = differential_growth(doubled, horizon=9, floor_at_baseline=floor)
            for column in ("additional_jobs_low", "additional_jobs_high"):
                np.testing.assert_allclose(twice[column], 2 * once[column], rtol=1e-12)


def test_region_rank_national_average_and_fastest_outside_london() -> None:
    totals = pd.DataFrame(
        {
            "area_code": ["TLG3", "TLI3", "TLD3", "TLE4"],
            "jobs_jump_off": [1000.0, 2000.0, 1000.0, 500.0],
            "jobs_baseline": [1020.0, 2400.0, 1100.0, 510.0],
        }
    )
    summary, regions = region_growth_comparison(
        totals,
        focus_region="TLG3",
        additional_jobs={"scenario_low": 30.0, "scenario_high": 200.0},
        horizon=9,
        jump_off_year=2021,
    )
    rows = summary.set_index("variant")
    # Baseline growth: TLI3 20%, TLD3 10%, TLG3 2%, TLE4 2% over nine years: TLG3 ties 3rd.
    assert rows.loc["baseline", "rank"] == 3 and rows.loc["baseline", "regions"] == 4
    assert rows.loc["baseline", "fastest_outside_london"] == "TLD3"
    assert rows.loc["baseline", "extra_jobs_needed"] == pytest.approx(80.0)  # 1,000 x 1.1 - 1,020
    assert rows.loc["baseline", "extra_growth_needed_pp"] == pytest.approx(100 * (1.1 ** (1 / 9) - 1.02 ** (1 / 9)))
    national = (5030 + 30) / 4500
    assert rows.loc["scenario_low", "national_growth_cagr"] == pytest.approx(national ** (1 / 9) - 1)
    assert not rows.loc["scenario_low", "above_national_average"]
    assert rows.loc["scenario_high", "rank"] == 1 and rows.loc["scenario_high", "rank_outside_london"] == 1
    assert (
        rows.loc["scenario_high", "above_national_average"] and rows.loc["scenario_high", "fastest_outside_london_now"]
    )
    assert rows.loc["scenario_high", "extra_jobs_needed"] == 0.0
    assert regions.set_index("area_code").loc["TLD3", ["rank_baseline", "rank_scenario_high"]].tolist() == [2, 3]
    london, _ = region_growth_comparison(totals, focus_region="TLI3", additional_jobs={}, horizon=9, jump_off_year=2021)
    assert london["fastest_outside_london"].iloc[0] is None and math.isnan(london["extra_jobs_needed"].iloc[0])


def test_resampling_is_reproducible_and_bounded() -> None:
    panel = small_panel()
    kwargs = {
        "focus_region": "F",
        "jump_off_jobs": pd.Series({"u": 520.0}),
        "baseline_jobs": pd.Series({"u": 520.0}),
        "horizon": 9,
        "windows": [(2015, 2019)],
        "draws": 300,
    }
    one = resample_scenarios(panel, seed=1, **kwargs)
    two = resample_scenarios(panel, seed=1, **kwargs)
    other = resample_scenarios(panel, seed=2, **kwargs)
    pd.testing.assert_frame_equal(one, two)
    assert not one["growth_cagr"].equals(other["growth_cagr"])
    high = one[one.scenario == "high"]["growth_cagr"]
    # Every bootstrap leader is one of A, B, D (10%, 5%, 2%); most draws include A.
    assert set(high.round(6)) <= {0.1, 0.05, 0.02} and (high.round(6) == 0.1).mean() > 0.6


def test_region_growth_comparison_as_series_work_it_out() -> None:
    from clusterplan.measures.growth import compound_annual_growth_rate
    from clusterplan.scenarios.differential import region_growth_comparison

    rng = np.random.default_rng(8)
    areas = [f"TL{c}{k}" for c in "CDEIJ" for k in range(1, 5)]
    start = rng.uniform(1e5, 1e6, len(areas))
    end = start * rng.uniform(0.95, 1.1, len(areas))
    end[3] = end[7] = end[2]  # ties
    start[3] = start[7] = start[2]
    totals = pd.DataFrame({"area_code": areas, "jobs_jump_off": start, "jobs_baseline": end})
    for focus in ("TLD2", "TLC1", "TLI3", "TLC4"):
        extra = {"scenario_low": 1000.0, "scenario_high": 40000.0}
        summary, regions = region_growth_comparison(
            totals, focus_region=focus, additional_jobs=extra, horizon=8, jump_off_year=2022
        )
        frame = totals.set_index("area_code")
        outside = [a for a in areas if not a.startswith("TLI")]
        for row in summary.itertuples():
            target = frame["jobs_baseline"].copy()
            target[focus] += row.additional_jobs
            growth = pd.Series(compound_annual_growth_rate(frame["jobs_jump_off"], target, 8), index=frame.index)
            assert row.rank == int(growth.rank(ascending=False, method="min")[focus])
            assert row.regions == int(growth.notna().sum()) == len(areas)
            national = float(compound_annual_growth_rate(frame["jobs_jump_off"].sum(), target.sum(), 8))
            assert row.national_growth_cagr == national
            others = growth.drop(focus).reindex([a for a in outside if a != focus])
            if focus.startswith("TLI"):
                assert row.fastest_outside_london is None and row.rank_outside_london is None
            else:
                assert row.fastest_outside_london == str(others.idxmax())
                assert row.fastest_outside_london_growth_cagr == float(others.max())
                assert row.rank_outside_london == int(
                    growth.reindex(outside).rank(ascending=False, method="min")[focus]
                )
        assert regions["rank_baseline"].is_monotonic_increasing and len(regions) == len(areas)
