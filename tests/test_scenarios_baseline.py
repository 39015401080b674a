"""Baseline forecast methods: hand-checked cases, the Covid break, properties, panels and user baselines."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from _util import FIXTURES
from clusterplan import DataValidationError, ParameterError, UnknownCodeError
from clusterplan.pipeline.panels import cluster_employment_panel, cluster_gva_panel
from clusterplan.pipeline.profile import profile_region
from clusterplan.pipeline.scenarios import read_baseline_csv
from clusterplan.scenarios.baseline import (
    METHODS,
    ForecastMethod,
    fitting_years,
    growth_factors,
    project,
)
from clusterplan.taxonomy import Cluster, Taxonomy, load_taxonomy
from clusterplan.warehouse import Warehouse

SCENARIOS = FIXTURES / "scenarios"


def panel_of(rows: dict[tuple[str, str], list[float]], years: list[int], totals: dict[str, list[float]] | None = None):
    records = []
    for (area, unit), values in rows.items():
        for year, value in zip(years, values, strict=True):
            record = {"area_code": area, "unit_code": unit, "year": year, "value": value}
            if totals is not None:
                record["area_total"] = totals[area][years.index(year)]
            records.append(record)
    return pd.DataFrame(records)


def forecast(panel: pd.DataFrame, method: ForecastMethod | str, target: int, area: str = "R", unit: str = "u", **kw):
    table = project(panel, method, target_years=[target], **kw)
    row = table[(table.area_code == area) & (table.unit_code == unit)].iloc[0]
    return float(row["forecast"])


# -- hand-checked cases ------------------------------------------------------------------------------------------------
def test_no_change_keeps_the_jump_off_value() -> None:
    panel = panel_of({("R", "u"): [100.0, 120.0, 90.0]}, [2015, 2016, 2017])
    assert forecast(panel, "no_change", 2030) == 90.0


def test_national_growth_uses_the_benchmark_total_of_all_industries() -> None:
    # Totals of the two areas: 1,000 and 3,000 in 2015, 1,100 and 3,300 in 2017: 10% over two years.
    panel = panel_of(
        {("R", "u"): [50.0, 60.0, 70.0], ("S", "u"): [10.0, 10.0, 10.0]},
        [2015, 2016, 2017],
        totals={"R": [1000.0, 1050.0, 1100.0], "S": [3000.0, 3150.0, 3300.0]},
    )
    expected = 70.0 * math.sqrt(1.1) ** 3  # CAGR sqrt(1.1) - 1, three years from 2017 to 2020
    assert forecast(panel, "national_growth", 2020) == pytest.approx(expected, rel=1e-12)


def test_shift_share_damps_the_competitive_effect() -> None:
    # National unit u: 1,000 -> 1,020 (2%); region R: 100 -> 110 (10%); differential 8 points, damping 0.5.
    panel = panel_of({("R", "u"): [100.0, 110.0], ("S", "u"): [900.0, 910.0]}, [2015, 2016])
    method = ForecastMethod("shift_share", shift_share_damping=0.5)
    expected = 110 * (1.02 + 0.08 * 0.5) * (1.02 + 0.08 * 0.25) * (1.02 + 0.08 * 0.125)
    assert forecast(panel, method, 2019) == pytest.approx(expected, rel=1e-12)
    # Damping 0: the national industry trend only; damping 1: the region's own growth for ever.
    assert forecast(panel, ForecastMethod("shift_share", shift_share_damping=0.0), 2019) == pytest.approx(110 * 1.02**3)
    assert forecast(panel, ForecastMethod("shift_share", shift_share_damping=1.0), 2019) == pytest.approx(110 * 1.1**3)


def test_log_linear_slope_of_logs() -> None:
    # log values 0, ln 2, ln 2 around years 0-2: slope = ln 2 / 2 (least squares through three points).
    panel = panel_of({("R", "u"): [1.0, 2.0, 2.0]}, [2015, 2016, 2017])
    assert forecast(panel, "log_linear", 2019) == pytest.approx(2.0 * math.exp(math.log(2) / 2 * 2), rel=1e-12)


def test_damped_trend_smooths_growth_rates_and_damps_them() -> None:
    # Annual log growth ln 1.1 then 0: smoothed 0.5 * 0 + 0.5 * ln 1.1; one year ahead damped by 0.8.
    panel = panel_of({("R", "u"): [100.0, 110.0, 110.0]}, [2015, 2016, 2017])
    method = ForecastMethod("damped_trend", trend_smoothing=0.5, trend_damping=0.8)
    assert forecast(panel, method, 2018) == pytest.approx(110 * 1.1 ** (0.5 * 0.8), rel=1e-12)
    assert forecast(panel, method, 2019) == pytest.approx(110 * 1.1 ** (0.5 * (0.8 + 0.64)), rel=1e-12)


def test_covid_years_are_left_out_of_fitting_but_the_forecast_starts_from_2021() -> None:
    years = list(range(2015, 2022))
    values = [100 * 1.02**k for k in range(5)] + [80.0, 90.0]  # 2% a year to 2019, then a Covid dip
    panel = panel_of({("R", "u"): values}, years)
    assert fitting_years(years, 2021) == [2015, 2016, 2017, 2018, 2019]
    assert forecast(panel, "log_linear", 2023) == pytest.approx(90 * 1.02**2, rel=1e-12)
    # Without the Covid treatment the dip would drag the trend below zero.
    assert forecast(panel, "log_linear", 2023, covid_years=()) < 90.0


def test_zero_series_falls_back_to_national_unit_growth() -> None:
    panel = panel_of({("R", "u"): [0.0, 50.0], ("S", "u"): [100.0, 60.0]}, [2015, 2016])
    table = project(panel, "log_linear", target_years=[2017])
    row = table[table.area_code == "R"].iloc[0]
    assert bool(row["fallback"])
    assert float(row["forecast"]) == pytest.approx(50.0 * 110 / 100)  # national u: 100 -> 110


def test_growth_factors_shape_and_errors() -> None:
    panel = panel_of({("R", "u"): [1.0, 2.0], ("R", "v"): [3.0, 3.0]}, [2015, 2016])
    factors = growth_factors(panel, "no_change", horizons=[1, 5])
    assert len(factors) == 4 and set(factors["factor"]) == {1.0}
    with pytest.raises(ParameterError, match="at least two years"):
        growth_factors(panel_of({("R", "u"): [1.0]}, [2015]), "log_linear")
    with pytest.raises(UnknownCodeError, match="forecast method"):
        ForecastMethod("arima")
    with pytest.raises(ParameterError, match="between 0 and 1"):
        ForecastMethod("shift_share", shift_share_damping=1.5)
    with pytest.raises(ParameterError, match="must be after the jump-off"):
        project(panel, "no_change", target_years=[2016])


# -- properties ----------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("method", METHODS)
def test_doubling_the_series_doubles_every_forecast(method: str) -> None:
    rng = np.random.default_rng(7)
    years = list(range(2013, 2020))
    for _ in range(10):
        rows = {(area, u): list(rng.uniform(50, 5000, len(years))) for area in ("R", "S", "T") for u in ("a", "b")}
        totals = {area: list(rng.uniform(2e4, 5e4, len(years))) for area in ("R", "S", "T")}
        doubled = {k: [2 * v for v in vs] if k[0] == "R" else vs for k, vs in rows.items()}
        doubled_totals = {a: [2 * v for v in vs] if a == "R" else vs for a, vs in totals.items()}
        # The focus region R is outside the benchmark, so doubling it leaves the national trends alone.
        kw = {"target_years": [2030], "benchmark_areas": ["S", "T"], "areas": ["R"]}
        base = project(panel_of(rows, years, totals), method, **kw)
        twice = project(panel_of(doubled, years, doubled_totals), method, **kw)
        np.testing.assert_allclose(twice["forecast"], 2 * base["forecast"], rtol=1e-10)


# -- panels from the warehouse ----------------------------------------------------------------------------------
def test_cluster_employment_panel_matches_the_profile(warehouse: Warehouse) -> None:
    panel = cluster_employment_panel(warehouse, "wmca_plan_for_growth")
    profile = profile_region(warehouse, region="TLG3")
    latest = panel[(panel.area_code == "TLG3") & (panel.year == 2021)].set_index("unit_code")
    expected = profile.clusters.set_index("cluster_id")["employment"]
    pd.testing.assert_series_equal(latest["value"].reindex(expected.index), expected, check_names=False)
    assert float(latest["area_total"].iloc[0]) == 1_304_965.0  # BRES 2021, all 729 subclasses of TLG3
    assert panel["area_code"].nunique() == 40 and sorted(panel["year"].unique()) == list(range(2015, 2022))


def test_single_year_dataset_cannot_be_forecast(warehouse: Warehouse) -> None:
    with pytest.raises(ParameterError, match="time series") as info:
        cluster_employment_panel(warehouse, "us_cmp_traded_2014", dataset="us_cbp_2019_cbsa")
    assert "import County Business Patterns for more years" in str(info.value)


def test_cluster_gva_panel_of_a_whole_row_is_the_row(warehouse: Warehouse) -> None:
    # A cluster made of all of SIC division 29 is exactly GVA row "29" in every year and area.
    motor = Cluster("motor", "Motor vehicles", "", ("29",))
    taxonomy = Taxonomy("motor_only", "Motor", "sic2007", "", "", (motor,))
    panel = cluster_gva_panel(warehouse, taxonomy, prices="current")
    series = panel[panel.area_code == "TLG3"].set_index("year")["value"]
    assert float(series[2021]) == pytest.approx(1995.0)  # ONS ITL2 GVA, TLG3, row 29, current prices, 2021
    assert sorted(series.index)[0] == 1998 and sorted(series.index)[-1] == 2022
    assert panel.attrs["weight_year"] == 2021


def test_cluster_gva_panel_apportions_by_employment(warehouse: Warehouse) -> None:
    panel = cluster_gva_panel(warehouse, load_taxonomy("wmca_plan_for_growth"))
    assert panel["area_code"].nunique() == 40
    assert set(panel["year"]) == set(range(1998, 2022))  # chained volume ends in 2021
    assert (panel["value"] >= 0).all()
    tlg3 = panel[(panel.area_code == "TLG3") & (panel.year == 2019)]
    assert float(tlg3["area_total"].iloc[0]) < 70_000  # Total less imputed rent


# -- user baselines ---------------------------------------------------------------------------------------------
CLUSTERS = [(c.id, c.name) for c in load_taxonomy("wmca_plan_for_growth").clusters]


def test_read_baseline_csv_accepts_ids_and_names() -> None:
    frame = read_baseline_csv(SCENARIOS / "baseline_wmca_tlg3.csv", CLUSTERS)
    assert len(frame) == 16
    aerospace = frame[(frame.cluster_id == "aerospace")].set_index("year")
    assert aerospace.loc[2021, "jobs"] == 3900 and aerospace.loc[2030, "jobs"] == 4304
    assert math.isnan(aerospace.loc[2021, "gva_gbp_m"]) and aerospace.loc[2030, "gva_gbp_m"] == 472.3


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("cluster,jobs\naerospace,1\n", "missing column(s) year"),
        ("cluster,year,jobs\naerospace,2030,100\nspace tourism,2030,5\n", "row 2, column 'cluster', code 'space"),
        ("cluster,year,jobs\naerospace,twenty,100\n", "row 1, column 'year'"),
        ("cluster,year,jobs\naerospace,2030,-5\n", "row 1, column 'jobs', code '-5': must be a finite number >= 0"),
        ("cluster,year,jobs\naerospace,2030,many\n", "row 1, column 'jobs', code 'many': not a number"),
        ("cluster,year,jobs\naerospace,2030,1\nAerospace,2030,2\n", "row 2, column 'year': cluster 'aerospace'"),
    ],
)
def test_read_baseline_csv_rejects_bad_files(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "baseline.csv"
    path.write_text(text)
    with pytest.raises(DataValidationError) as info:
        read_baseline_csv(path, CLUSTERS)
    assert str(path) in str(info.value) and message in str(info.value)
