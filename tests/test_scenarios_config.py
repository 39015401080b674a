"""Scenario config: package defaults, a user TOML file, overrides, weights and errors naming file and key."""

from __future__ import annotations

from pathlib import Path

import pytest

from _util import FIXTURES
from clusterplan import DataValidationError, ParameterError, UnknownCodeError
from clusterplan.pipeline.scenarios import (
    DEFAULT_CONFIG_PATH,
    load_scenario_config,
    scenario_settings,
    unread_scenario_settings,
)
from clusterplan.scenarios.config import parse_scenario, parse_weights, unread_settings

USER_CONFIG = FIXTURES / "scenarios" / "user_config.toml"


def test_defaults() -> None:
    config = load_scenario_config()
    assert DEFAULT_CONFIG_PATH.name == "scenario_defaults.toml" and DEFAULT_CONFIG_PATH.exists()
    assert config.target_year == 2030 and config.source == "defaults"
    assert config.baseline.method == "auto" and config.baseline.covid_years == (2020, 2021)
    assert config.scenario.reference_window == (2015, 2019)
    assert (config.scenario.high, config.scenario.low, config.scenario.comparator_rule) == (
        "leader",
        "top_quartile",
        "lq",
    )
    assert sum(config.priorities.weights.values()) == pytest.approx(1.0)
    assert config.priorities.sensitivity.draws == 1000 and config.uncertainty.seed == 20300101
    assert config.to_dict()["scenario"]["reference_window"] == [2015, 2019]


def test_user_file_overrides_some_keys() -> None:
    config = load_scenario_config(USER_CONFIG)
    assert config.target_year == 2035
    assert config.scenario.low == "median" and config.scenario.comparator_rule == "strong"
    assert config.scenario.high == "leader"  # not in the file: default
    assert config.uncertainty.draws == 200
    assert config.priorities.weights["pay"] == 0.2 and config.priorities.weights["feasibility"] == 0.0
    assert config.priorities.weights["scale"] == 0.15
    assert str(USER_CONFIG) in config.source


def test_dotted_overrides_and_weights_option() -> None:
    config = load_scenario_config(
        USER_CONFIG, overrides={"target_year": 2032, "priorities.weights": parse_weights("growth_potential=0.5")}
    )
    assert config.target_year == 2032 and config.priorities.weights["growth_potential"] == 0.5
    assert config.priorities.weights["pay"] == 0.2  # from the file, not replaced by the partial weights
    assert parse_weights("pay=0, scale=1.5") == {"pay": 0.0, "scale": 1.5}


@pytest.mark.parametrize(
    ("text", "error", "message"),
    [
        ("[scenario]\nleader = 'yes'\n", UnknownCodeError, "unknown config key in {file} 'scenario.leader'"),
        ("target_year = '2030'\n", ParameterError, "{file}: target_year must be int, not '2030'"),
        ("[scenario]\nlow = 'best'\n", ParameterError, "scenario.low must be one of leader, top_quartile, median"),
        ("[baseline]\nshift_share_damping = 2\n", ParameterError, "baseline.shift_share_damping must be between 0"),
        ("[scenario]\nreference_window = [2019, 2015]\n", ParameterError, "start < end"),
        ("[effects]\nindirect = 1\n", ParameterError, "effects.indirect must be bool, not 1"),
        ("[priorities.weights]\nbeauty = 1\n", UnknownCodeError, "unknown priority criterion in {file} 'beauty'"),
        ("[baseline]\nmethod = 'file'\n", ParameterError, "baseline.file is empty"),
        ("target_year = \n", DataValidationError, "{file}: not valid TOML"),
    ],
)
def test_bad_config_files(tmp_path: Path, text: str, error: type[Exception], message: str) -> None:
    path = tmp_path / "scenario.toml"
    path.write_text(text)
    with pytest.raises(error) as info:
        load_scenario_config(path)
    assert message.format(file=path) in str(info.value)


def test_bad_weights_option() -> None:
    with pytest.raises(UnknownCodeError, match="unknown priority criterion 'beauty'"):
        parse_weights("beauty=1")
    with pytest.raises(ParameterError, match="'scale' is not criterion=weight"):
        parse_weights("scale")
    with pytest.raises(ParameterError, match="weight of pay must be >= 0"):
        parse_weights("pay=-1")


def test_missing_file() -> None:
    with pytest.raises(DataValidationError, match="config file not found"):
        load_scenario_config("/no/such/scenario.toml")


def test_scenario_option_becomes_overrides() -> None:
    overrides = parse_scenario("high=top_quartile, low=median, rule=stars, min_stars=2, window=2016-2021")
    config = load_scenario_config(overrides=overrides)
    assert (config.scenario.high, config.scenario.low) == ("top_quartile", "median")
    assert config.scenario.comparator_rule == "stars" and config.scenario.min_stars == 2
    assert config.scenario.reference_window == (2016, 2021)
    with pytest.raises(UnknownCodeError, match="unknown scenario option 'speed'"):
        parse_scenario("speed=fast")
    with pytest.raises(ParameterError, match="window must be START-END"):
        parse_scenario("window=2015")
    with pytest.raises(ParameterError, match=r"scenario\.low must be one of"):
        load_scenario_config(overrides=parse_scenario("low=best"))


def test_settings_the_scenario_method_does_not_read_are_named(tmp_path: Path) -> None:
    """The leader method's settings changed under the similar method (the default), and the similar method's
    under the leader method, are named; settings both read, and values left at their defaults, are not."""
    defaults = load_scenario_config()
    assert unread_settings(defaults, defaults) == [] and unread_scenario_settings(defaults) is None
    every = parse_scenario("high=top_quartile, low=median, rule=stars, min_stars=2, window=2016-2021, floor=false")
    every |= parse_scenario("min_employment=2000, lq_threshold=1.5, baseline=no_change")
    leader_only = [
        "scenario.comparator_rule",
        "scenario.min_stars",
        "scenario.min_employment",
        "scenario.reference_window",
        "scenario.high",
        "scenario.low",
        "scenario.floor_at_baseline",
    ]
    assert unread_settings(load_scenario_config(overrides=every), defaults) == leader_only
    # The defaults' own values (high=leader, low=top_quartile) change nothing, so they are not named.
    assert (
        unread_settings(load_scenario_config(overrides=parse_scenario("high=leader,low=top_quartile")), defaults) == []
    )
    assert unread_settings(load_scenario_config(overrides={**every, "scenario.method": "leader"}), defaults) == []
    mine = tmp_path / "mine.toml"
    mine.write_text(
        'target_year = 2035\n[scenario]\nmethod = "leader"\nlow = "median"\nexclude_areas = ["TLI3"]\n'
        "[scenario.similar]\npercentiles = [75, 85, 95]\n[scenario.jumps]\nlevel_share = 0.3\n"
        "[scenario.warnings]\nshare_of_region = 0.1\n",
        encoding="utf-8",
    )
    similar_only = ["scenario.similar.percentiles", "scenario.jumps.level_share", "scenario.warnings.share_of_region"]
    assert unread_settings(load_scenario_config(mine), defaults) == similar_only
    assert unread_scenario_settings(scenario_settings(mine)) == (
        "scenario.similar.percentiles, scenario.jumps.level_share, scenario.warnings.share_of_region: read by the "
        "similar scenario method only, not by the leader method this run uses (add method=similar to --scenario, "
        'or set scenario.method = "similar" in the config)'
    )
    # The command line's choices come after the file's: method=similar there makes the leader's low unread.
    assert unread_scenario_settings(scenario_settings(mine, scenario="method=similar")) == (
        "scenario.low: read by the leader scenario method only, not by the similar method this run uses "
        '(add method=leader to --scenario, or set scenario.method = "leader" in the config)'
    )


def test_similar_method_settings_and_the_previous_method() -> None:
    config = load_scenario_config()
    assert config.scenario.method == "similar"
    similar = config.scenario.similar
    assert similar.reference_window == (2015, 2019) and similar.size_band_steps == (3.0, 5.0, 10.0, 0.0)
    assert similar.percentiles == () and similar.target_hit_rates == (0.40, 0.33, 0.25)
    assert config.scenario.warnings.share_of_region == 0.05 and config.scenario.jumps.level_share == 0.2
    assert parse_scenario("method=leader") == {"scenario.method": "leader"}
    previous = load_scenario_config(overrides=parse_scenario("method=leader"))
    assert previous.scenario.method == "leader" and previous.scenario.high == "leader"
    fixed = load_scenario_config(overrides={"scenario.similar.percentiles": [60, 70, 80]})
    assert fixed.scenario.similar.percentiles == (60.0, 70.0, 80.0)


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"scenario.method": "fastest"}, "scenario.method must be one of similar, leader"),
        ({"scenario.similar.percentiles": [80, 70, 90]}, "must be empty .chosen by backtest. or .low, central, high."),
        ({"scenario.similar.size_band_steps": [3, 0, 10]}, "increasing factors above 1"),
        ({"scenario.similar.target_hit_rates": [0.2, 0.3, 0.4]}, "decreasing"),
        ({"scenario.similar.reference_window": [2019, 2015]}, "start < end"),
    ],
)
def test_bad_similar_settings(overrides: dict[str, object], message: str) -> None:
    with pytest.raises(ParameterError, match=message):
        load_scenario_config(overrides=overrides)
