"""Backtest: rolling-origin forecasts and errors by hand, the Covid periods, the real table and the CLI."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from _util import run_cli
from clusterplan import ParameterError
from clusterplan.pipeline.scenarios import load_scenario_config, run_backtest
from clusterplan.scenarios.backtest import (
    forecast_errors,
    format_backtest,
    rolling_origin_forecasts,
    select_method,
)
from clusterplan.warehouse import Warehouse


def ten_percent_series(years: range) -> pd.DataFrame:
    return pd.DataFrame(
        {"area_code": "R", "unit_code": "u", "year": list(years), "value": [100 * 1.1**k for k in range(len(years))]}
    )


def test_rolling_origin_errors_by_hand() -> None:
    # 100, 110, 121, 133.1, 146.41 in 2010-2014. With three fitting years the origins are 2012 and 2013.
    panel = ten_percent_series(range(2010, 2015))
    forecasts = rolling_origin_forecasts(panel, ["no_change", "log_linear"], covid_years=(), min_fit_years=3)
    no_change = forecasts[forecasts.method == "no_change"].sort_values(["origin", "horizon"])
    assert no_change[["origin", "year", "horizon"]].values.tolist() == [
        [2012, 2013, 1],
        [2012, 2014, 2],
        [2013, 2014, 1],
    ]
    # 121 against 133.1 is -1/11 = -9.0909%; 121 against 146.41 is 1/1.21 - 1 = -17.355%.
    assert no_change["percentage_error"].round(4).tolist() == [-9.0909, -17.3554, -9.0909]
    errors = forecast_errors(forecasts, "demo")
    row = errors[(errors.method == "no_change") & (errors.horizon == 1)].iloc[0]
    assert (int(row["forecasts"]), round(float(row["mape"]), 4), round(float(row["bias"]), 4)) == (2, 9.0909, -9.0909)
    # A constant growth rate is what the log-linear trend assumes: no error at all.
    assert errors.loc[errors.method == "log_linear", "mape"].max() == pytest.approx(0.0, abs=1e-9)
    scores = select_method(errors)
    assert scores["method"].tolist() == ["log_linear", "no_change"]
    assert float(scores["score"].iloc[1]) == pytest.approx((100 / 11 + (1 - 1 / 1.21) * 100) / 2)


def test_covid_targets_are_scored_apart_and_not_fitted() -> None:
    panel = ten_percent_series(range(2015, 2022))
    forecasts = rolling_origin_forecasts(panel, ["no_change"], min_fit_years=3, max_horizon=4)
    periods = forecasts.groupby("year")["period"].first().to_dict()
    assert periods == {2018: "pre_covid", 2019: "pre_covid", 2020: "covid", 2021: "covid"}
    # Origin 2020 is a Covid year: its fitting years stop in 2019, but it still forecasts 2021 from 2020.
    assert 2020 in set(forecasts["origin"])


def test_min_size_and_areas_filter_what_is_scored() -> None:
    panel = pd.concat(
        [ten_percent_series(range(2010, 2015)), ten_percent_series(range(2010, 2015)).assign(area_code="S", value=5.0)]
    )
    forecasts = rolling_origin_forecasts(panel, ["no_change"], covid_years=(), min_size=50)
    assert set(forecasts["area_code"]) == {"R"}
    only_s = rolling_origin_forecasts(panel, ["no_change"], covid_years=(), areas=["S"])
    assert set(only_s["area_code"]) == {"S"}


def test_select_method_needs_forecasts() -> None:
    with pytest.raises(ParameterError, match="no backtest forecasts in period 'covid'"):
        select_method(
            forecast_errors(rolling_origin_forecasts(ten_percent_series(range(2010, 2015)), ["no_change"])),
            period="covid",
        )


@pytest.fixture(scope="module")
def backtest(warehouse: Warehouse):  # type: ignore[no-untyped-def]
    return run_backtest(warehouse, "wmca_plan_for_growth", config=load_scenario_config())


def test_backtest_table_reproduced(backtest) -> None:  # type: ignore[no-untyped-def]
    errors = backtest.errors.set_index(["source", "period", "method", "horizon"])
    # Golden values: BRES 2015-2021 and ONS chained-volume GVA 1998-2021, default parameters.
    expected = {
        ("bres", "pre_covid", "no_change", 1): (495, 12.661317, -0.038108),
        ("bres", "pre_covid", "shift_share(damping=0.5)", 2): (247, 16.694898, 3.514641),
        ("bres", "covid", "log_linear", 1): (501, 18.527028, 7.337399),
        ("gva", "pre_covid", "no_change", 1): (4920, 8.266064, 0.156321),
        ("gva", "pre_covid", "national_growth", 2): (4655, 13.039349, 5.006646),
        ("gva", "covid", "damped_trend(smoothing=0.5, damping=0.8)", 2): (526, 14.201056, 4.999740),
    }
    for key, (n, mape, bias) in expected.items():
        row = errors.loc[key]
        assert int(row["forecasts"]) == n
        assert float(row["mape"]) == pytest.approx(mape, abs=1e-6)
        assert float(row["bias"]) == pytest.approx(bias, abs=1e-6)
    assert backtest.default_method.name == "no_change"
    assert backtest.scores["method"].tolist()[:2] == ["no_change", "national_growth"]
    assert float(backtest.scores["score"].iloc[0]) == pytest.approx(15.606937, abs=1e-6)
    assert backtest.parameters["sources"]["bres"]["origins"] == [2017, 2018, 2019, 2020]


def test_backtest_is_deterministic(warehouse: Warehouse, backtest) -> None:  # type: ignore[no-untyped-def]
    again = run_backtest(warehouse, "wmca_plan_for_growth", sources=["bres"])
    pd.testing.assert_frame_equal(
        again.errors.reset_index(drop=True),
        backtest.errors[backtest.errors.source == "bres"].reset_index(drop=True),
    )


def test_format_marks_the_default(backtest) -> None:  # type: ignore[no-untyped-def]
    text = format_backtest(backtest)
    assert "* no_change" in text and "default method: no_change" in text
    assert "pre-Covid targets" in text and "Covid-year targets" in text
    assert "12.7 (-0.0)" in text  # BRES, no change, one year ahead: MAPE 12.7%, bias -0.04%


def test_backtest_cli(fresh_warehouse: Path, tmp_path: Path) -> None:
    out = tmp_path / "backtest.csv"
    result = run_cli(
        "backtest", "--region", "UKG3", "--source", "bres", "--out", str(out), "--warehouse", str(fresh_warehouse)
    )
    assert result.returncode == 0, result.stderr
    assert "* no_change" in result.stdout and "TLG3" in result.stdout
    table = pd.read_csv(out)
    assert set(table["source"]) == {"bres"} and table.loc[table["default"], "method"].unique().tolist() == ["no_change"]
    # West Midlands' own 8 clusters x 3 pre-Covid forecasts (2017->2018, 2017->2019, 2018->2019).
    assert int(table.loc[(table.period == "pre_covid"), "forecasts"].groupby(table["method"]).sum().iloc[0]) == 24


def test_backtest_cli_us_needs_a_time_series(fresh_warehouse: Path) -> None:
    result = run_cli("backtest", "--region", "12060", "--quiet", "--warehouse", str(fresh_warehouse))
    assert result.returncode == 2
    assert "need a time series of employment" in result.stderr and "us_cbp_2019_cbsa" in result.stderr
    assert "Traceback" not in result.stderr
