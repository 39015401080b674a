"""Growth scenarios: baseline forecasts, above-forecast differential growth, and cluster priorities.

================  ==========================================================================================
``baseline``      forecast methods (shift-share, trends, naive), panels of cluster jobs and GVA
``backtest``      rolling-origin MAPE and bias of every method; the default method
``differential``  comparator regions, the leader's and top-quartile growth, differential growth, region rank
``uncertainty``   resampling of reference windows and comparator sets
``priorities``    weighted scorecard, weight sensitivity, pay per job (the chart: :mod:`clusterplan.report`)
``config``        the TOML parameters (``clusterplan/data/scenario_defaults.toml``)
================  ==========================================================================================

:func:`clusterplan.pipeline.scenarios.scenario_outputs` runs all of it for one
region's :class:`~clusterplan.pipeline.profile.ClusterProfile` and returns the
tables ``clusterplan run`` writes, with the provenance of every number.
"""

from .backtest import BacktestResult, backtest_panels, format_backtest
from .baseline import METHODS, ForecastMethod
from .calibration import ScenarioCalibration, format_calibration
from .config import ScenarioConfig, parse_scenario, parse_weights, scenario_config
from .priorities import CRITERIA

__all__ = [
    "CRITERIA",
    "METHODS",
    "BacktestResult",
    "ForecastMethod",
    "ScenarioCalibration",
    "ScenarioConfig",
    "backtest_panels",
    "format_backtest",
    "format_calibration",
    "parse_scenario",
    "parse_weights",
    "scenario_config",
]
