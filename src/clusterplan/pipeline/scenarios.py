"""Scenario settings, scenarios of a profiled region and their backtests, for the command line and the web app.

The settings come from the defaults, a TOML file and the user's overrides
(:mod:`clusterplan.scenarios.config`); the scenarios, baseline backtests and
percentile backtests run over the warehouse's data (:mod:`clusterplan.scenarios`).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

from ..scenarios import ScenarioOutputs, scenario_outputs
from ..scenarios._similar_run import calibration_settings
from ..scenarios.backtest import BacktestResult, format_backtest, run_backtest
from ..scenarios.baseline import METHODS
from ..scenarios.calibration import ScenarioCalibration, format_calibration, scenario_calibration
from ..scenarios.config import ScenarioConfig, load_scenario_config, parse_scenario, parse_weights
from ..scenarios.priorities import CRITERIA, CRITERION_DESCRIPTIONS
from ..taxonomy import load_taxonomy
from .profile import AnyWarehouse, ClusterProfile

__all__ = [
    "SCENARIO_RULES",
    "SCENARIO_STATISTICS",
    "baseline_backtest",
    "describe_backtest",
    "describe_scenario_backtest",
    "region_scenarios",
    "scenario_backtest",
    "scenario_choices",
    "scenario_settings",
    "scenario_weights",
]

#: Comparator rules and growth statistics of the leader method (clusterplan.scenarios.config).
SCENARIO_RULES = ("lq", "strong", "stars")
SCENARIO_STATISTICS = ("leader", "top_quartile", "median", "mean")


def scenario_weights(text: str) -> dict[str, float]:
    """Priority weights from ``criterion=weight,...`` text, each criterion and weight checked."""
    return parse_weights(text)


def scenario_settings(
    config_path: str | Path | None = None,
    *,
    target_year: int | None = None,
    scenario: str | None = None,
    weights: str | Mapping[str, float] | None = None,
    overrides: Mapping[str, Any] | None = None,
) -> ScenarioConfig:
    """The scenario configuration: defaults, then *config_path* (TOML), then the choices given here.

    Parameters
    ----------
    config_path
        A scenario TOML file (None: the defaults).
    target_year
        Year the baseline and scenarios run to.
    scenario
        Choices as ``low=median,rule=strong,window=2015-2019`` text (see
        :func:`clusterplan.scenarios.config.parse_scenario`).
    weights
        Priority weights, as ``criterion=weight,...`` text or a mapping.
    overrides
        Dotted settings (``scenario.method``) applied after the others.

    Raises
    ------
    ParameterError
        A value that is not allowed, named with the valid choices.
    """
    chosen: dict[str, Any] = {}
    if target_year is not None:
        chosen["target_year"] = target_year
    if scenario:
        chosen.update(parse_scenario(scenario))
    if weights:
        chosen["priorities.weights"] = parse_weights(weights) if isinstance(weights, str) else dict(weights)
    chosen.update(overrides or {})
    return load_scenario_config(config_path, overrides=chosen)


def scenario_choices() -> dict[str, Any]:
    """The default scenario settings, the values each choice accepts, and the whole default configuration."""
    defaults = load_scenario_config()
    return {
        "defaults": {
            "target_year": defaults.target_year,
            "method": defaults.scenario.method,
            "comparator_rule": defaults.scenario.comparator_rule,
            "high": defaults.scenario.high,
            "low": defaults.scenario.low,
            "baseline": defaults.baseline.method,
            "weights": dict(defaults.priorities.weights),
            "reference_window": list(defaults.scenario.reference_window),
        },
        "choices": {
            "method": ["similar", "leader"],
            "comparator_rule": list(SCENARIO_RULES),
            "high": list(SCENARIO_STATISTICS),
            "low": list(SCENARIO_STATISTICS),
            "baseline": ["auto", *METHODS],
            "criteria": [{"name": c, "description": CRITERION_DESCRIPTIONS.get(c, "")} for c in CRITERIA],
        },
        "config": defaults.to_dict(),
    }


def region_scenarios(
    warehouse: AnyWarehouse,
    profile: ClusterProfile,
    config: ScenarioConfig | None = None,
    *,
    progress: Callable[[str], None] | None = None,
) -> ScenarioOutputs:
    """Baseline, above-forecast scenarios, priorities and their uncertainty for a profiled region, on the
    warehouse it was profiled from (:func:`clusterplan.scenarios.scenario_outputs`)."""
    return scenario_outputs(warehouse, profile, config, progress=progress)


def baseline_backtest(
    warehouse: AnyWarehouse,
    taxonomy: str | None = None,
    *,
    region: str | None = None,
    sources: Sequence[str] | None = None,
    dataset: str | None = None,
    config: ScenarioConfig | None = None,
    progress: Callable[[str], None] | None = None,
) -> BacktestResult:
    """Errors (MAPE and bias by horizon) of every baseline method over past years, and the default method."""
    return run_backtest(
        warehouse, taxonomy, region=region, sources=sources, dataset=dataset, config=config, progress=progress
    )


def describe_backtest(result: BacktestResult) -> str:
    """A baseline backtest as lines for a terminal."""
    return format_backtest(result)


def scenario_backtest(
    warehouse: AnyWarehouse,
    taxonomy: str | None = None,
    *,
    dataset: str | None = None,
    config: ScenarioConfig | None = None,
) -> tuple[ScenarioCalibration, str]:
    """Hit rates of the percentiles of similar comparators over every GB region (the scenario backtest), and the
    name of the taxonomy whose clusters were tested (default ``wmca_plan_for_growth``)."""
    chosen = load_taxonomy(taxonomy or "wmca_plan_for_growth")
    settings = calibration_settings(config or load_scenario_config())
    result, _ = scenario_calibration(warehouse, chosen, dataset=dataset or "bres_itl2_sic5", settings=settings)
    return result, chosen.name


def describe_scenario_backtest(result: ScenarioCalibration) -> str:
    """A scenario backtest as lines for a terminal."""
    return format_calibration(result)
