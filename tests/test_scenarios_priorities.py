"""Priority scorecard: rescaling, weights, missing criteria, weight sensitivity, pay from the IO table, the chart."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from clusterplan import ParameterError, UnknownCodeError
from clusterplan.pipeline.scenarios import _cluster_pay
from clusterplan.report import priority_chart_svg
from clusterplan.scenarios.priorities import (
    CRITERIA,
    cluster_pay,
    normalise_criteria,
    priority_scores,
    weight_sensitivity,
)
from clusterplan.scenarios.uncertainty import reference_windows, summarise_draws
from clusterplan.warehouse import Warehouse


def criteria() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "cluster_id": ["a", "b", "c", "d"],
            "cluster": ["A", "B", "C", "D"],
            "comparative_advantage": [2.0, 1.0, 0.5, 1.25],
            "scale": [1.0, 4.0, 2.0, 3.0],
            "growth_potential": [10.0, 30.0, 20.0, np.nan],
        }
    )


def test_min_max_rescaling() -> None:
    out = normalise_criteria(criteria(), ["comparative_advantage", "growth_potential"])
    assert out["comparative_advantage"].tolist() == [1.0, pytest.approx(1 / 3), 0.0, 0.5]
    assert out["growth_potential"].iloc[:3].tolist() == [0.0, 1.0, 0.5] and np.isnan(out["growth_potential"].iloc[3])


def test_scores_by_hand_and_missing_criteria_renormalised() -> None:
    weights = {"comparative_advantage": 2, "scale": 1, "growth_potential": 1}
    out = priority_scores(criteria(), weights).set_index("cluster_id")
    # a: (2 x 1 + 1 x 0 + 1 x 0) / 4; d has no growth potential: (2 x 1/2 + 1 x 2/3) / 3.
    assert out.loc["a", "score"] == pytest.approx(0.5)
    assert out.loc["b", "score"] == pytest.approx((2 / 3 + 1 + 1) / 4)
    assert out.loc["d", "score"] == pytest.approx((1 + 2 / 3) / 3)
    assert out.loc["d", "missing_criteria"] == "growth_potential" and out.loc["a", "missing_criteria"] == ""
    assert out["rank"].to_dict() == {"b": 1, "d": 2, "a": 3, "c": 4}
    assert out.attrs["weights"] == {"comparative_advantage": 0.5, "scale": 0.25, "growth_potential": 0.25}


def test_zero_weight_drops_a_criterion_and_bad_weights_fail() -> None:
    only_scale = priority_scores(criteria(), {"scale": 1, "growth_potential": 0})
    assert only_scale["cluster_id"].tolist() == ["b", "d", "c", "a"]
    assert "growth_potential_normalised" not in only_scale.columns
    with pytest.raises(UnknownCodeError, match="priority criterion 'beauty'"):
        priority_scores(criteria(), {"beauty": 1})
    with pytest.raises(ParameterError, match="no criterion with a positive weight has data"):
        priority_scores(criteria(), {"pay": 1})


def test_weight_sensitivity_is_reproducible_and_counts_rank_stability() -> None:
    weights = {"comparative_advantage": 1, "scale": 1, "growth_potential": 1}
    one = weight_sensitivity(criteria(), weights, draws=400, concentration=20, seed=5, top_n=2)
    pd.testing.assert_frame_equal(
        one, weight_sensitivity(criteria(), weights, draws=400, concentration=20, seed=5, top_n=2)
    )
    assert one["rank"].tolist() == [1, 2, 3, 4]
    assert ((one["rank_kept_share"] >= 0) & (one["rank_kept_share"] <= 1)).all()
    assert one["top_n_share"].sum() == pytest.approx(2.0)  # two places in the top 2 in every draw
    # With a huge concentration the weights hardly move: every cluster keeps its rank.
    tight = weight_sensitivity(criteria(), weights, draws=200, concentration=1e7, seed=5)
    assert tight["rank_kept_share"].tolist() == [1.0, 1.0, 1.0, 1.0]
    with pytest.raises(ParameterError, match="concentration"):
        weight_sensitivity(criteria(), weights, concentration=0)


def test_cluster_pay_of_motor_vehicles(warehouse: Warehouse) -> None:
    # Subclass 29100 (manufacture of motor vehicles) is IOAT industry C29: compensation of employees
    # (IOAT 2019, £ million) over GB BRES 2019 jobs in every subclass mapped to C29 (division 29).
    # fetchall, not fetchone: DuckDB 2 keeps a half-read result open on this session's shared connection, and a
    # later test's Ibis query on it fails ("connection has an unfinished result").
    compensation = warehouse.raw.execute(
        "SELECT value FROM ioat2019 WHERE \"table\" = 'primary_inputs' AND row_code = 'D1' AND col_code = 'C29'"
    ).fetchall()[0][0]
    jobs = warehouse.raw.execute(
        "SELECT sum(value) FROM facts WHERE dataset = 'bres_itl2_sic5' AND year = 2019 AND industry_code LIKE '29%'"
    ).fetchall()[0][0]
    mapping = pd.DataFrame({"cluster_id": "motor", "industry_code": ["29100"]})
    pay = _cluster_pay(warehouse, mapping, pd.Series({"29100": 100.0})).iloc[0]
    assert float(pay["pay_gbp"]) == pytest.approx(compensation * 1e6 / jobs)
    assert 30_000 < float(pay["pay_gbp"]) < 80_000 and float(pay["pay_jobs_covered"]) == 1.0


def test_cluster_pay_is_maths_on_frames() -> None:
    # Two SIC codes of one IOAT industry: its pay is compensation over their national jobs, weighted by the region's.
    lookup = pd.DataFrame({"sic_code": ["29100", "29201"], "ioat_code": ["C29", "C29"]})
    pay = cluster_pay(
        pd.DataFrame({"cluster_id": "motor", "industry_code": ["29100", "29201", "99999"]}),
        pd.Series({"29100": 30.0, "29201": 10.0, "99999": 40.0}),
        national_jobs=pd.Series({"29100": 600.0, "29201": 400.0}),
        compensation=pd.Series({"C29": 50.0}),
        lookup=lookup,
    ).iloc[0]
    assert float(pay["pay_gbp"]) == pytest.approx(50.0 * 1e6 / 1000.0)
    assert float(pay["pay_jobs_covered"]) == pytest.approx(0.5)  # 99999 is in no IOAT industry


def test_cluster_pay_with_the_rates_made_once_is_the_same() -> None:
    from clusterplan.scenarios.priorities import pay_per_job_rates

    lookup = pd.DataFrame({"sic_code": ["29", "30"], "ioat_code": ["C29", "C30"]})
    national_jobs = pd.Series({"29100": 600.0, "29201": 400.0, "30110": 300.0, "30120": 0.0})
    compensation = pd.Series({"C29": 50.0, "C30": 12.0})
    rates = pay_per_job_rates(national_jobs, compensation, lookup)
    assert rates.to_dict() == {"C29": 50.0 * 1e6 / 1000.0, "C30": 12.0 * 1e6 / 300.0}
    mapping = pd.DataFrame({"cluster_id": ["motor", "motor", "ships"], "industry_code": ["29100", "29201", "30110"]})
    for region in (pd.Series({"29100": 30.0, "29201": 10.0}), pd.Series({"29201": 5.0, "30110": 7.0})):
        expected = cluster_pay(mapping, region, national_jobs=national_jobs, compensation=compensation, lookup=lookup)
        pd.testing.assert_frame_equal(cluster_pay(mapping, region, lookup=lookup, rates=rates), expected)
    with pytest.raises(ParameterError, match="national jobs and compensation"):
        cluster_pay(mapping, national_jobs, lookup=lookup)


def test_chart_has_one_bubble_per_cluster_coloured_by_pay() -> None:
    frame = criteria().assign(
        growth_potential=[10.0, 30.0, 20.0, 5.0],
        employment=[100, 400, 200, 300],
        pay=[30_000.0, 50_000.0, np.nan, 40_000.0],
    )
    svg = priority_chart_svg(frame, title="Demo")
    assert svg.startswith("<svg") and svg.count("<circle") == 4 and "<title>Demo</title>" in svg
    assert 'fill="#08306b"' in svg and 'fill="#c6dbef"' in svg and 'fill="#999999"' in svg  # dark, light, no pay
    assert "B: LQ 1.00, growth potential 30.0%, 400 jobs, pay £50,000" in svg


def test_reference_windows_and_draw_percentiles() -> None:
    assert reference_windows(range(2015, 2020), min_years=4, exclude_endpoints=()) == [(2015, 2019)]
    draws = pd.DataFrame(
        {
            "unit_code": "u",
            "scenario": "high",
            "growth_cagr": [0.01, 0.02, 0.03, 0.04, np.nan],
            "additional_jobs": [0.0, 10.0, 20.0, 30.0, np.nan],
            "additional_gva_gbp_m": [0.0, 1.0, 2.0, 3.0, np.nan],
        }
    )
    row = summarise_draws(draws, [25, 50]).iloc[0]
    assert (row["draws"], row["draws_with_comparators"]) == (5, 4)
    assert (
        row["additional_jobs_p50"] == 15.0
        and row["additional_jobs_p25"] == 7.5
        and row["growth_cagr_p50"] == pytest.approx(0.025)
    )


def test_summarise_draws_groups_and_means_as_pandas_does() -> None:
    from clusterplan.scenarios.uncertainty import _groups_in_order, _mean

    rng = np.random.default_rng(5)
    n = 3000
    units = pd.Series(rng.choice(["b", "a", "c", "aa"], n))
    scenarios = pd.Series(rng.choice(["high", "low", "central"], n))
    group_of, count = _groups_in_order(units, scenarios)
    grouped = pd.DataFrame({"u": units, "s": scenarios}).groupby(["u", "s"], sort=False)
    assert count == grouped.ngroups == 12
    np.testing.assert_array_equal(group_of, grouped.ngroup().to_numpy())
    # A missing key: its rows are in no group, as groupby has them.
    units.iloc[[0, 7]] = None
    group_of, count = _groups_in_order(units, scenarios)
    expected = pd.DataFrame({"u": units, "s": scenarios}).groupby(["u", "s"], sort=False).ngroup()
    np.testing.assert_array_equal(group_of, expected.to_numpy())
    for values in (rng.normal(size=1001) * 1e6, np.array([1.0, np.nan, 3.0, 1e-9]), np.array([np.nan, np.nan])):
        found, want = _mean(values), float(pd.Series(values).mean())
        assert found == want or (math.isnan(found) and math.isnan(want))
    # The whole summary equals one made group by group with pandas.
    draws = pd.DataFrame(
        {
            "unit_code": rng.choice(["u1", "u2", "u3"], n),
            "scenario": rng.choice(["low", "high"], n),
            "growth_cagr": np.where(rng.uniform(size=n) < 0.1, np.nan, rng.normal(0.01, 0.02, n)),
            "additional_jobs": rng.exponential(100.0, n),
            "additional_gva_gbp_m": rng.exponential(5.0, n),
        }
    )
    summary = summarise_draws(draws, [5, 50, 95])
    for (unit, scenario), part in draws.groupby(["unit_code", "scenario"], sort=False):
        row = summary[(summary["unit_code"] == unit) & (summary["scenario"] == scenario)].iloc[0]
        valid = part[part["growth_cagr"].notna()]
        assert row["draws"] == len(part) and row["draws_with_comparators"] == len(valid)
        assert row["additional_jobs_mean"] == float(valid["additional_jobs"].mean())
        assert row["additional_jobs_p50"] == float(np.nanpercentile(valid["additional_jobs"], 50))
    assert list(zip(summary["unit_code"], summary["scenario"], strict=True)) == list(
        draws.groupby(["unit_code", "scenario"], sort=False).groups
    )


def test_summarise_draws_percentiles_of_stacked_groups_are_each_groups_to_the_bit() -> None:
    # Groups with as many draws with comparators take their percentiles in one call: each number is the one
    # nanpercentile gives the group alone, bit for bit, with ties, signed zeros, infinities, NaN in a measure
    # (that group on its own) and a group of other counts.
    rng = np.random.default_rng(8)
    units = np.repeat([f"u{i}" for i in range(6)], 40)
    jobs = rng.choice([0.0, -0.0, 1.5, 2.25, 7.0, 1e-300, 3.0e5], units.size)
    jobs[:40] = rng.normal(0.0, 1e4, 40)
    jobs[45] = np.inf
    jobs[50] = -np.inf
    jobs[90] = np.nan  # u2: jobs hold NaN where the rate does not
    rate = rng.normal(0.01, 0.02, units.size)
    rate[200:205] = np.nan  # u5: fewer draws with comparators
    draws = pd.DataFrame(
        {
            "unit_code": units,
            "scenario": "high",
            "growth_cagr": rate,
            "additional_jobs": jobs,
            "additional_gva_gbp_m": jobs * 0.05,
        }
    )
    percentiles = [5, 12.5, 50, 95]
    with np.errstate(invalid="ignore"):
        summary = summarise_draws(draws, percentiles)
        for unit, part in draws.groupby("unit_code", sort=False):
            row = summary[summary["unit_code"] == unit].iloc[0]
            valid = part[part["growth_cagr"].notna()]
            for measure in ("additional_jobs", "additional_gva_gbp_m", "growth_cagr"):
                want = np.nanpercentile(valid[measure].to_numpy(), percentiles)
                found = np.array([row[f"{measure}_p{q:g}"] for q in percentiles])
                assert found.tobytes() == want.tobytes(), (unit, measure)
    assert summary["additional_jobs_p50"].iloc[2] == float(np.nanpercentile(np.delete(jobs[80:120], 10), 50))
    assert summary["draws_with_comparators"].tolist() == [40, 40, 40, 40, 40, 35]


def test_weight_sensitivity_with_the_scores_given_is_the_same() -> None:
    criteria = pd.DataFrame(
        {
            "cluster_id": list("abcdef"),
            "scale": [3.0, 1.0, 2.0, np.nan, 5.0, 0.5],
            "productivity": [3.0, 2.0, 1.0, 4.0, np.nan, 2.5],
            "pay": [1.0, 1.0, 2.0, 3.0, 2.0, np.nan],
        }
    )
    weights = {"scale": 1.0, "productivity": 2.0, "pay": 0.5}
    scored = priority_scores(criteria, weights)
    order = [n for n in CRITERIA if n in weights]
    by_hand = [";".join(n for n in order if pd.isna(r[n])) for _, r in scored.iterrows()]
    assert scored["missing_criteria"].tolist() == by_hand and "scale" in by_hand
    given = weight_sensitivity(criteria, weights, draws=300, scored=scored)
    pd.testing.assert_frame_equal(given, weight_sensitivity(criteria, weights, draws=300), check_exact=True)
