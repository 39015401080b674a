"""scenario_outputs for the West Midlands: every table, checked against its inputs and by hand."""

from __future__ import annotations

import dataclasses
import json
import math

import numpy as np
import pandas as pd
import pytest

from _util import FIXTURES
from clusterplan import ParameterError
from clusterplan.pipeline.panels import cluster_employment_panel
from clusterplan.pipeline.profile import ClusterProfile, profile_region
from clusterplan.pipeline.scenarios import ScenarioOutputs, load_scenario_config, scenario_outputs
from clusterplan.report import priority_chart_svg
from clusterplan.warehouse import Warehouse

REQUIRED = [
    "cluster",
    "target_year",
    "baseline_jobs",
    "additional_jobs_low",
    "additional_jobs_high",
    "additional_gva_low_gbp_m",
    "additional_gva_high_gbp_m",
    "indirect_jobs_low",
    "indirect_jobs_high",
    "leading_region",
]


@pytest.fixture(scope="module")
def profile(warehouse: Warehouse) -> ClusterProfile:
    return profile_region(warehouse, region="TLG3")


@pytest.fixture(scope="module")
def outputs(warehouse: Warehouse, profile: ClusterProfile) -> ScenarioOutputs:
    """The previous method (the fastest comparator's compound growth), kept for comparison by configuration."""
    config = load_scenario_config(
        overrides={"scenario.method": "leader", "uncertainty.draws": 300, "priorities.sensitivity.draws": 300}
    )
    return scenario_outputs(warehouse, profile, config)


def test_scenarios_table(outputs: ScenarioOutputs) -> None:
    table = outputs.scenarios
    assert all(c in table.columns for c in REQUIRED)
    assert not any(c.startswith("induced") for c in table.columns)  # induced effects are off by default
    assert len(table) == 8 and set(table["target_year"]) == {2030} and set(table["jump_off_year"]) == {2021}
    # The backtest chose "no change": the baseline is the 2021 employment.
    assert set(table["baseline_method"]) == {"no_change"}
    np.testing.assert_allclose(table["baseline_jobs"], table["jump_off_jobs"])
    np.testing.assert_allclose(table["scenario_jobs_high"], table["jump_off_jobs"] * (1 + table["growth_high"]) ** 9)
    np.testing.assert_allclose(
        table["additional_gva_high_gbp_m"], table["additional_jobs_high"] * table["gva_per_job_gbp"] / 1e6
    )
    assert (table["additional_jobs_high"] >= table["additional_jobs_low"]).all()
    assert (table["indirect_jobs_high"] > 0).all()
    # The numbers the issue reported for the previous method, reproduced by configuration.
    assert table["additional_jobs_low"].sum() == pytest.approx(75_823, abs=1)
    assert table["additional_jobs_high"].sum() == pytest.approx(281_300, abs=1)


def test_aerospace_by_hand(warehouse: Warehouse, outputs: ScenarioOutputs) -> None:
    panel = cluster_employment_panel(warehouse)
    aerospace = panel[panel.unit_code == "aerospace"].pivot_table(index="area_code", columns="year", values="value")
    totals = panel[panel.unit_code == "aerospace"].pivot_table(index="area_code", columns="year", values="area_total")
    lq = (aerospace[2015] / totals[2015]) / (aerospace[2015].sum() / totals[2015].sum())
    minimum = load_scenario_config().scenario.min_employment  # the packaged default comparator size
    eligible = aerospace[(lq >= 1) & (aerospace[2015] >= minimum) & (aerospace.index != "TLG3")]
    growth = (eligible[2019] / eligible[2015]) ** 0.25 - 1
    row = outputs.scenarios.set_index("cluster_id").loc["aerospace"]
    assert row["leading_region"] == growth.idxmax() and row["comparators"] == len(growth)
    assert row["growth_high"] == pytest.approx(growth.max())
    assert row["growth_low"] == pytest.approx(np.quantile(growth.to_numpy(), 0.75))
    assert row["jump_off_jobs"] == 3900.0  # BRES 2021, TLG3
    expected = 3900 * (1 + growth.max()) ** 9 - 3900
    assert row["additional_jobs_high"] == pytest.approx(expected)
    per_job = outputs.provenance["effects"]["per_job_effects"]["aerospace"]["indirect_jobs_per_job"]
    assert row["indirect_jobs_high"] == pytest.approx(expected * per_job)
    listed = outputs.provenance["clusters"]["aerospace"]["comparators"]
    assert [c["area_code"] for c in listed] == list(growth.sort_values(ascending=False).index)


def test_region_summary(outputs: ScenarioOutputs) -> None:
    summary = outputs.region_summary.set_index("variant")
    assert list(summary.index) == ["baseline", "scenario_low", "scenario_high"]
    assert set(summary["regions"]) == {40} and set(summary["regions_outside_london"]) == {35}
    for variant, row in summary.iterrows():
        assert row["above_national_average"] == (row["growth_cagr"] > row["national_growth_cagr"]), variant
        assert not str(row["fastest_outside_london"]).startswith("TLI")
        if row["fastest_outside_london_now"]:
            assert row["extra_jobs_needed"] == 0.0
        else:
            target = row["jobs_jump_off"] * (1 + row["fastest_outside_london_growth_cagr"]) ** 9
            assert row["extra_jobs_needed"] == pytest.approx(target - row["jobs_target"])
    assert (
        summary.loc["scenario_high", "rank"] <= summary.loc["scenario_low", "rank"] <= summary.loc["baseline", "rank"]
    )
    direct_and_indirect = outputs.scenarios[["additional_jobs_high", "indirect_jobs_high"]].sum().sum()
    assert summary.loc["scenario_high", "additional_jobs"] == pytest.approx(direct_and_indirect)
    growth = outputs.region_growth
    assert len(growth) == 40 and sorted(growth["rank_baseline"]) == list(range(1, 41))
    # The baseline (no change) is naive, so region totals use the best non-naive method, recorded.
    assert "not naive" in outputs.provenance["baseline"]["region_totals_method_reason"]


def test_uncertainty_and_priorities(outputs: ScenarioOutputs) -> None:
    u = outputs.uncertainty
    assert len(u) == 16 and set(u["draws"]) == {300}
    assert (u["additional_jobs_p5"] <= u["additional_jobs_p50"]).all()
    assert (u["additional_jobs_p50"] <= u["additional_jobs_p95"]).all()
    assert len(outputs.provenance["uncertainty"]["windows"]) == 7
    p = outputs.priorities
    assert p["rank"].tolist() == list(range(1, 9)) and p["score"].is_monotonic_decreasing
    for criterion in (
        "comparative_advantage",
        "cluster_strength",
        "scale",
        "growth_potential",
        "productivity",
        "pay",
        "supply_chain",
        "feasibility",
    ):
        assert p[criterion].notna().all(), criterion
    assert outputs.provenance["not_available"] == {}
    assert p.iloc[0]["cluster_id"] == "ev_batteries"  # LQ 4.5, strong and three stars
    assert ((p["rank_kept_share"] >= 0) & (p["rank_kept_share"] <= 1)).all()
    assert priority_chart_svg(outputs.priorities).count("<circle") == 8


def test_provenance_names_every_choice(outputs: ScenarioOutputs) -> None:
    prov = outputs.provenance
    assert prov["baseline"]["chosen_by"] == "backtest (lowest error)"
    assert prov["backtest"]["default_method"] == "no_change"
    assert prov["scenario"]["rule_detail"] == "LQ >= 1 in 2015" and prov["scenario"]["reference_window"] == [2015, 2019]
    assert prov["effects"]["status"] == "available" and prov["effects"]["model"]["method"] == "flq"
    assert prov["parameters"]["target_year"] == 2030
    assert set(prov["clusters"]) == set(outputs.scenarios["cluster_id"])


def test_user_baseline_file_and_induced_effects(warehouse: Warehouse, profile: ClusterProfile) -> None:
    config = load_scenario_config(
        overrides={
            "baseline.method": "file",
            "baseline.file": str(FIXTURES / "scenarios" / "baseline_wmca_tlg3.csv"),
            "effects.induced": True,
            "uncertainty.draws": 50,
            "priorities.sensitivity.draws": 50,
            "priorities.weights.feasibility": 0.0,
        }
    )
    out = scenario_outputs(warehouse, profile, config).scenarios.set_index("cluster_id")
    assert out.loc["aerospace", "baseline_jobs"] == 4304 and out.loc["aerospace", "baseline_gva_gbp_m"] == 472.3
    assert out.loc["aerospace", "baseline_method"].startswith("file: ")
    grows = out["additional_jobs_high"] > 0
    assert grows.sum() >= 6 and (out.loc[grows, "induced_jobs_high"] > 0).all()
    assert (out.loc[~grows, "induced_jobs_high"] == 0).all()
    # Additional jobs sit on top of the user's baseline: baseline x ((1 + d)^9 - 1), whatever the baseline.
    d = float(out.loc["aerospace", "differential_growth_high"])
    assert math.isclose(float(out.loc["aerospace", "additional_jobs_high"]), 4304 * ((1 + d) ** 9 - 1))


def test_single_year_and_bad_target_year(warehouse: Warehouse, profile: ClusterProfile) -> None:
    # A profile of a US metro carries the one-year CBP dataset (profiling one costs seconds; its parameters suffice).
    us = dataclasses.replace(
        profile, region_code="12060", parameters={**profile.parameters, "dataset": "us_cbp_2019_cbsa", "year": 2019}
    )
    with pytest.raises(ParameterError, match="need a time series of employment"):
        scenario_outputs(warehouse, us)
    with pytest.raises(ParameterError, match="target year 2021 must be after the jump-off year 2021"):
        scenario_outputs(warehouse, profile, load_scenario_config(overrides={"target_year": 2021}))


def test_outputs_are_plain_tables(outputs: ScenarioOutputs) -> None:
    for name in ("scenarios", "priorities", "region_summary", "uncertainty", "region_growth", "comparators"):
        frame = getattr(outputs, name)
        assert isinstance(frame, pd.DataFrame) and not frame.empty, name


def test_provenance_is_json(outputs: ScenarioOutputs) -> None:
    text = json.dumps(outputs.provenance)
    assert '"leading_region": "' in text and "np.float64" not in text


def test_supply_chain_effects_with_the_national_shares_kept_per_taxonomy(warehouse: Warehouse) -> None:
    from clusterplan.pipeline import scenarios
    from clusterplan.taxonomy import load_taxonomy

    employment = scenarios._io_employment(warehouse)
    kept = {}
    for name in ("wmca_plan_for_growth", "uk_industrial_strategy_is8"):
        taxonomy = load_taxonomy(name)
        shares = scenarios._io_national_shares(warehouse, taxonomy)
        assert shares is not None and scenarios._io_national_shares(warehouse, taxonomy) is shares  # kept
        # Keyed by taxonomy: each has its own clusters' shares.
        assert list(shares.by_cluster.columns) == list(dict.fromkeys(taxonomy.mapping()["cluster_id"]))
        kept[name] = shares
        ids = [c.id for c in taxonomy.clusters]
        for region in ("TLG3", "TLC1"):
            frame, provenance = scenarios._supply_chain_effects(region, taxonomy, ids, True, employment, shares)
            expected, expected_provenance = scenarios._supply_chain_effects(region, taxonomy, ids, True, employment)
            assert frame is not None and expected is not None and len(frame) > 0
            pd.testing.assert_frame_equal(frame, expected, check_exact=True)
            assert json.dumps(provenance, default=str) == json.dumps(expected_provenance, default=str)
    assert kept["wmca_plan_for_growth"] is not kept["uk_industrial_strategy_is8"]


def test_every_area_projection_and_totals_are_kept_per_taxonomy_method_and_years(warehouse: Warehouse) -> None:
    from clusterplan.pipeline import scenarios
    from clusterplan.scenarios.baseline import ForecastMethod, project
    from clusterplan.taxonomy import load_taxonomy

    dataset, covid = "bres_itl2_sic5", (2020, 2021)
    kept = {}
    for name in ("wmca_plan_for_growth", "uk_industrial_strategy_is8"):
        taxonomy = load_taxonomy(name)
        panel = cluster_employment_panel(warehouse, taxonomy, dataset=dataset)
        jump_off = int(panel["year"].max())
        for method, target in ((ForecastMethod("shift_share", shift_share_damping=0.8), 2030),
                               (ForecastMethod("log_linear"), 2035)):  # fmt: skip
            every = scenarios._every_area_projection(
                warehouse, taxonomy, dataset, panel, method, jump_off=jump_off, target=target, covid=covid,
                benchmark_areas=None,
            )  # fmt: skip
            again = scenarios._every_area_projection(
                warehouse, taxonomy, dataset, panel, method, jump_off=jump_off, target=target, covid=covid,
                benchmark_areas=None,
            )  # fmt: skip
            assert again is not every  # a copy of the kept one
            pd.testing.assert_frame_equal(again, every, check_exact=True)
            # A region's rows are those project gives it alone, to the bit.
            for region in ("TLG3", "TLC1"):
                own = project(panel[panel["year"] <= jump_off], method, target_years=[target], origin=jump_off,
                              covid_years=covid, areas=[region])  # fmt: skip
                mine = every[every["area_code"].isin([region])].reset_index(drop=True)
                pd.testing.assert_frame_equal(mine, own, check_exact=True)
            totals = scenarios._every_area_totals(
                warehouse, taxonomy, dataset, panel, method, jump_off=jump_off, target=target, covid=covid
            )
            sums = panel.groupby(["area_code", "year"])["area_total"].first().reset_index()
            sums = sums.rename(columns={"area_total": "value"}).assign(unit_code="all_industries")
            by_hand = project(
                sums[sums["year"] <= jump_off], method, target_years=[target], origin=jump_off, covid_years=covid
            )
            assert totals["area_code"].tolist() == by_hand["area_code"].tolist()
            assert totals["jobs_baseline"].tolist() == by_hand["forecast"].tolist()
            assert totals["jobs_jump_off"].tolist() == by_hand["jump_off"].tolist()
            kept[(name, method.name)] = (every, totals)
    # Keyed by taxonomy, method and target year: each its own table.
    wmca, is8 = kept[("wmca_plan_for_growth", "shift_share")], kept[("uk_industrial_strategy_is8", "shift_share")]
    assert set(wmca[0]["unit_code"]) != set(is8[0]["unit_code"])
    log_linear = kept[("wmca_plan_for_growth", "log_linear")]
    assert (log_linear[0]["year"] == 2035).all() and (wmca[0]["year"] == 2030).all()
    assert not np.allclose(log_linear[1]["jobs_baseline"], wmca[1]["jobs_baseline"])


def test_jobs_change_is_direct_change_to_the_bit_and_leaves_its_errors_to_it() -> None:
    from clusterplan.inputoutput.impact import direct_change
    from clusterplan.pipeline.scenarios import _jobs_change

    rng = np.random.default_rng(3)
    index = pd.Index([f"I{k:02d}" for k in range(40)], name="industry_code")
    coefficients = pd.Series(rng.uniform(0.5, 20.0, 40), index=index)
    for _ in range(20):
        shares = pd.Series(rng.uniform(0, 1, 40) * (rng.uniform(0, 1, 40) > 0.3), index=index)
        shares.iloc[3] = np.nan  # a missing share counts as none, as direct_change has it
        found = _jobs_change(shares, 1000.0, coefficients.to_numpy())
        assert found is not None
        pd.testing.assert_series_equal(found, direct_change(shares, 1000.0, "jobs", coefficients), check_exact=True)
    # What direct_change refuses gives None, so that the caller gets direct_change's own error.
    unemployed = coefficients.copy()
    unemployed.iloc[5] = 0.0
    good = pd.Series(1.0, index=index)
    for shares, jobs_per_output in [
        (good * -1.0, coefficients),  # negative shares
        (good * 0.0, coefficients),  # nowhere to go
        (good, unemployed),  # jobs in an industry that employs nobody
    ]:
        assert _jobs_change(shares, 1000.0, jobs_per_output.to_numpy()) is None
        with pytest.raises(ParameterError):
            direct_change(shares, 1000.0, "jobs", jobs_per_output)
    assert _jobs_change(good, 1000.0, None) is None
    # An industry without employment but without a share either is fine (no jobs go there).
    spared = good.copy()
    spared.iloc[5] = 0.0
    found = _jobs_change(spared, 1000.0, unemployed.to_numpy())
    assert found is not None and found.iloc[5] == 0.0
    pd.testing.assert_series_equal(found, direct_change(spared, 1000.0, "jobs", unemployed), check_exact=True)


def test_area_names_are_kept_as_the_series_map_makes_of_them(warehouse: Warehouse) -> None:
    from clusterplan.pipeline import scenarios

    kept = scenarios._area_names(warehouse)
    assert scenarios._area_names(warehouse) is kept  # kept, not made again
    names = warehouse.area_names()
    assert isinstance(kept, pd.Series) and kept.to_dict() == names and len(names) > 40
    codes = pd.Series(["TLG3", "TLI3", "not an area", "TLC1", None], dtype="str")
    pd.testing.assert_series_equal(codes.map(kept), codes.map(names), check_exact=True)
    assert codes.map(kept).iloc[0] == names["TLG3"] and pd.isna(codes.map(kept).iloc[2])


def test_region_jobs_by_code_come_from_every_area_read_once_as_the_region_query_gives_them(
    warehouse: Warehouse,
) -> None:
    from clusterplan.pipeline import scenarios

    dataset = "bres_itl2_sic5"
    kept = scenarios._every_area_jobs_by_code(warehouse, dataset, 2019)
    assert scenarios._every_area_jobs_by_code(warehouse, dataset, 2019) is kept  # read once, not again
    frame, positions = kept
    assert len(positions) > 1 and sum(len(p) for p in positions.values()) == len(frame)
    for area in positions:
        found = scenarios._region_jobs_by_code(warehouse, dataset, area, 2019)
        own = warehouse.facts_frame(dataset, ("industry_code", "value"), measure="employment", area=area, year=2019)
        expected = own.set_index("industry_code")["value"].astype(float)
        pd.testing.assert_series_equal(found, expected, check_exact=True)  # values, codes and their order
    # Another year is its own read; a region that is not an area reads its own rows (none here).
    other = scenarios._every_area_jobs_by_code(warehouse, dataset, 2021)
    assert other is not kept
    assert scenarios._region_jobs_by_code(warehouse, dataset, "not an area", 2019).empty
    # The region's pay is the same as from its own rows (a number that could be wrong: TLG3's first cluster).
    profile = profile_region(warehouse, region="TLG3")
    pay = scenarios._region_pay(warehouse, profile, dataset, 2019)
    own_jobs = warehouse.facts_frame(dataset, ("industry_code", "value"), measure="employment", area="TLG3", year=2019)
    jobs = own_jobs.set_index("industry_code")["value"].astype(float)
    mapping = profile.taxonomy.mapping([c for c in (str(c) for c in jobs.index) if len(c) == 5])
    pd.testing.assert_frame_equal(
        pay, scenarios._cluster_pay(warehouse, mapping, jobs).set_index("cluster_id"), check_exact=True
    )
    assert pay["pay_gbp"].notna().any()


def test_region_range_is_each_scenarios_percentiles_in_order_of_appearance() -> None:
    from clusterplan.pipeline.scenarios import _region_range

    rng = np.random.default_rng(5)
    n = 300
    draws = pd.DataFrame(
        {
            "scenario": rng.choice(["high", "low", "central"], size=n),
            "direct_jobs": rng.normal(100, 30, size=n),
            "indirect_jobs": rng.normal(40, 10, size=n),
            "total_jobs": rng.normal(140, 35, size=n),
            "direct_gva_gbp_m": rng.normal(5, 1, size=n),
        }
    )
    percentiles = (5.0, 50.0, 95.0)
    found = _region_range(draws, percentiles)
    # As worked group by group, one percentile at a time.
    rows = []
    for scenario, part in draws.groupby("scenario", sort=False):
        row: dict[str, object] = {"scenario": scenario, "draws": len(part)}
        for measure in ("direct_jobs", "indirect_jobs", "total_jobs", "direct_gva_gbp_m"):
            for q in percentiles:
                row[f"{measure}_p{q:g}"] = float(np.percentile(part[measure].to_numpy(dtype=float), q))
        rows.append(row)
    pd.testing.assert_frame_equal(found, pd.DataFrame(rows), check_exact=True)
    assert list(found["scenario"]) == list(dict.fromkeys(draws["scenario"]))
    high = draws.loc[draws["scenario"] == "high", "total_jobs"]
    assert found.set_index("scenario").loc["high", "total_jobs_p50"] == float(np.median(high))
    assert found.set_index("scenario").loc["high", "draws"] == len(high)


def test_priced_mapping_is_kept_per_taxonomy_and_codes_and_prices_as_cluster_pay_does(warehouse: Warehouse) -> None:
    from clusterplan.pipeline import scenarios
    from clusterplan.scenarios.priorities import cluster_pay, priced_codes
    from clusterplan.taxonomy import load_taxonomy

    taxonomy = load_taxonomy("wmca_plan_for_growth")
    jobs = scenarios._region_jobs_by_code(warehouse, "bres_itl2_sic5", "TLG3", 2019)
    codes = tuple(c for c in (str(c) for c in jobs.index) if len(c) == 5)
    kept = scenarios._priced_mapping(warehouse, taxonomy, codes)
    assert scenarios._priced_mapping(warehouse, taxonomy, codes) is kept  # kept, not made again
    _, _, lookup = scenarios._national_pay_inputs(warehouse, 2019)
    rates = scenarios._pay_rates(warehouse, 2019)
    mapping = taxonomy.mapping(list(codes))
    pd.testing.assert_frame_equal(kept, priced_codes(mapping, lookup, rates), check_exact=True)
    assert kept["rate"].notna().any() and list(kept.columns) == ["cluster_id", "industry_code", "ioat_code", "rate"]
    # Another taxonomy, or other codes, is its own.
    other = scenarios._priced_mapping(warehouse, load_taxonomy("uk_industrial_strategy_is8"), codes)
    assert other is not kept and set(other["cluster_id"]) != set(kept["cluster_id"])
    assert scenarios._priced_mapping(warehouse, taxonomy, codes[:-1]) is not kept
    # Pay from the priced codes is pay from the mapping, to the bit; nothing to price with is an error.
    expected = cluster_pay(mapping, jobs, lookup=lookup, rates=rates)
    pd.testing.assert_frame_equal(cluster_pay(kept, jobs, priced=kept), expected, check_exact=True)
    assert expected["pay_gbp"].notna().any()
    with pytest.raises(ParameterError, match="lookup"):
        cluster_pay(mapping, jobs, rates=rates)
    pd.testing.assert_frame_equal(kept, priced_codes(mapping, lookup, rates))  # not changed by its use


def test_relevant_jumps_are_the_regions_own_and_those_that_kept_a_region_out() -> None:
    from types import SimpleNamespace

    from clusterplan.pipeline.scenarios import _relevant_jumps

    comparators = pd.DataFrame(
        {
            "cluster_id": ["c", "c", "c", "d", "d"],
            "area_code": ["F", "A", "B", "F", "A"],
            "role": ["region", "not a comparator", "comparator", "region", "not a comparator"],
            "kept": [False, False, True, False, False],
            "reason": ["own", "one-off jump in 2017", "similar", "own", "LQ 0.50 < 1 in 2015"],
        }
    ).astype({"cluster_id": "str", "area_code": "str", "role": "str", "reason": "str"})
    jumps = pd.DataFrame(
        {
            "area_code": pd.array(["F", "A", "B", "A", "G"], dtype="str"),
            "unit_code": pd.array(["c", "c", "c", "d", "c"], dtype="str"),
            "year": [2016, 2017, 2018, 2016, 2017],
        }
    )
    found = _relevant_jumps(SimpleNamespace(comparators=comparators, jumps=jumps))  # type: ignore[arg-type]
    # F's own (c), A kept out of c by its jump; not B (kept), A in d (kept out by its LQ), G (not in the table).
    pd.testing.assert_frame_equal(found, jumps.iloc[[0, 1]])
    empty = jumps.iloc[:0]
    assert _relevant_jumps(SimpleNamespace(comparators=comparators, jumps=empty)) is empty  # type: ignore[arg-type]


def test_io_regional_model_is_kept_per_region_and_gives_the_same_effects(warehouse: Warehouse) -> None:
    import pickle

    from clusterplan.inputoutput.regional import regional_model
    from clusterplan.pipeline import scenarios
    from clusterplan.pipeline.tables import reference_tables
    from clusterplan.taxonomy import load_taxonomy

    employment = scenarios._io_employment(warehouse)
    kept = scenarios._io_regional_model(warehouse, "TLG3")
    again = scenarios._io_regional_model(warehouse, "TLG3")
    assert np.shares_memory(kept.A.to_numpy(), again.A.to_numpy())  # kept, not built again
    fresh = regional_model(reference_tables(), "TLG3", year=scenarios.IO_YEAR, sic_employment=employment)
    pd.testing.assert_frame_equal(kept.A, fresh.A, check_exact=True)
    pd.testing.assert_series_equal(kept.employment, fresh.employment, check_exact=True)
    assert kept.parameters() == fresh.parameters() and kept.region_code == "TLG3"
    other = scenarios._io_regional_model(warehouse, "TLC1")
    assert other.region_code == "TLC1" and not other.A.equals(kept.A)
    # Every taxonomy's effects with the kept model are those of a model built on the spot, to the bit.
    for name in ("wmca_plan_for_growth", "uk_industrial_strategy_is8"):
        taxonomy = load_taxonomy(name)
        ids = [c.id for c in taxonomy.clusters]
        shares = scenarios._io_national_shares(warehouse, taxonomy)
        for induced in (False, True):
            found = scenarios._supply_chain_effects(
                "TLG3", taxonomy, ids, induced, employment, shares, model_of=lambda: kept
            )
            expected = scenarios._supply_chain_effects("TLG3", taxonomy, ids, induced, employment, shares)
            assert pickle.dumps(found) == pickle.dumps(expected)
            assert found[0] is not None and found[0]["indirect_jobs_per_job"].gt(0).any()


def test_records_are_pandas_records_value_for_value_and_type_for_type() -> None:
    from clusterplan.pipeline.scenarios import _records

    frame = pd.DataFrame(
        {
            "scenario": pd.array(["high", None, "low"], dtype="str"),
            "label": pd.array(["a", None, "c"], dtype="string"),
            "draws": np.array([1000, -3, 0], dtype=np.int64),
            "small": np.array([1, 2, 3], dtype=np.int32),
            "p5": [0.1, np.nan, -np.inf],
            "kept": [True, False, True],
            "jobs": pd.array([1, None, 3], dtype="Int64"),
            "when": pd.to_datetime(["2020-01-01", None, "2021-06-30"]),
        }
    )
    plain = frame.drop(columns=["jobs", "when", "label"])
    for table in (frame, plain, plain.iloc[:0], frame[["p5"]], plain.assign(other=[object(), None, 1])):
        found, expected = _records(table), table.to_dict(orient="records")
        assert repr(found) == repr(expected)
        assert [[type(v) for v in row.values()] for row in found] == [
            [type(v) for v in row.values()] for row in expected
        ]
    assert _records(plain)[0]["draws"] == 1000 and type(_records(plain)[0]["draws"]) is int
    assert _records(plain)[2]["p5"] == -np.inf and _records(frame)[1]["label"] is None
    twice = pd.DataFrame([[1.0, 2.0]], columns=["a", "a"])
    with pytest.warns(UserWarning):
        assert _records(twice) == [{"a": 2.0}]
