"""Parameters of the growth scenarios: a TOML file, its defaults, and overrides from the command line.

Every parameter of the baseline, the backtest, the above-forecast scenario, the
supply-chain effects, the uncertainty resampling and the priorities scorecard
lives in one TOML file. The package's defaults are
``clusterplan/data/scenario_defaults.toml``; a user file overrides any of its
keys (others keep their default), and dotted overrides such as
``{"scenario.low": "median"}`` override both. Unknown keys and values of the
wrong type or outside their range are errors naming the file and the key.

:func:`scenario_config` builds the parameters from the TOML texts; reading the
files is the pipeline's (:func:`clusterplan.pipeline.scenarios.load_scenario_config`).

Examples
--------
>>> from clusterplan.pipeline.scenarios import load_scenario_config
>>> config = load_scenario_config(overrides={"target_year": 2035, "scenario.low": "median"})
>>> config.target_year, config.scenario.low, config.scenario.high
(2035, 'median', 'leader')
>>> config.priorities.weights["growth_potential"]
0.2
"""

from __future__ import annotations

import copy
import tomllib
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from typing import Any

from .._exceptions import DataValidationError, ParameterError, UnknownCodeError
from .._json import plain

__all__ = [
    "BacktestSettings",
    "BaselineSettings",
    "EffectsSettings",
    "JumpSettings",
    "PrioritySettings",
    "RegionSettings",
    "ScenarioConfig",
    "ScenarioSettings",
    "SensitivitySettings",
    "SimilarSettings",
    "UncertaintySettings",
    "WarningSettings",
    "parse_scenario",
    "parse_weights",
    "scenario_config",
    "unread_settings",
]

#: Forecast methods (see :mod:`clusterplan.scenarios.baseline`); kept here to avoid an import cycle.
_METHODS = ("no_change", "national_growth", "shift_share", "log_linear", "damped_trend")
#: Scorecard criteria (see :mod:`clusterplan.scenarios.priorities`).
_CRITERIA = (
    "comparative_advantage",
    "cluster_strength",
    "scale",
    "growth_potential",
    "productivity",
    "pay",
    "supply_chain",
    "feasibility",
)
_STATISTICS = ("leader", "top_quartile", "median", "mean")
_RULES = ("lq", "strong", "stars")
#: The settings only one scenario method reads, by that method (a key ending in "." stands for its whole table).
_METHOD_ONLY = {
    "leader": (
        "scenario.comparator_rule",
        "scenario.min_stars",
        "scenario.min_employment",
        "scenario.reference_window",
        "scenario.high",
        "scenario.low",
        "scenario.floor_at_baseline",
    ),
    "similar": ("scenario.similar.", "scenario.jumps.", "scenario.warnings."),
}


@dataclass(frozen=True)
class BaselineSettings:
    """``[baseline]``: how the baseline forecast is made."""

    method: str = "auto"
    file: str = ""
    covid_years: tuple[int, ...] = (2020, 2021)
    shift_share_damping: float = 0.5
    trend_smoothing: float = 0.5
    trend_damping: float = 0.8


@dataclass(frozen=True)
class BacktestSettings:
    """``[backtest]``: the rolling-origin test that picks the default method."""

    sources: tuple[str, ...] = ("bres", "gva")
    gva_prices: str = "chained_volume"
    methods: tuple[str, ...] = _METHODS
    fit_window: int = 5
    min_fit_years: int = 3
    max_horizon: int = 8
    min_employment: float = 1000.0
    min_gva_gbp_m: float = 50.0
    select_period: str = "pre_covid"


@dataclass(frozen=True)
class SimilarSettings:
    """``[scenario.similar]``: similar-size comparators, the backtest that picks percentiles, and the caps."""

    reference_window: tuple[int, int] = (2015, 2019)
    min_employment: float = 1000.0
    size_band_steps: tuple[float, ...] = (3.0, 5.0, 10.0, 0.0)
    min_comparators: int = 5
    percentiles: tuple[float, ...] = ()
    target_hit_rates: tuple[float, float, float] = (0.40, 0.33, 0.25)
    cap_percentile: float = 90.0
    cap_band_edges: tuple[float, ...] = (2500.0, 10000.0, 50000.0)
    backtest_fit_years: int = 3
    backtest_min_test_years: int = 1


@dataclass(frozen=True)
class JumpSettings:
    """``[scenario.jumps]``: what counts as a one-off BRES jump (:class:`~clusterplan.scenarios.jumps.JumpRule`)."""

    level_share: float = 0.2
    change_share: float = 0.5
    code_level_share: float = 1.0
    code_cluster_share: float = 0.1


@dataclass(frozen=True)
class WarningSettings:
    """``[scenario.warnings]``: when a scenario needs a second look."""

    share_of_region: float = 0.05
    cluster_share_of_total: float = 0.5
    min_comparators: int = 5


@dataclass(frozen=True)
class ScenarioSettings:
    """``[scenario]``: comparators, their reference window and the growth statistics followed."""

    method: str = "similar"
    similar: SimilarSettings = field(default_factory=SimilarSettings)
    jumps: JumpSettings = field(default_factory=JumpSettings)
    warnings: WarningSettings = field(default_factory=WarningSettings)
    comparator_rule: str = "lq"
    lq_threshold: float = 1.0
    min_stars: int = 1
    min_employment: float = 1000.0
    reference_window: tuple[int, int] = (2015, 2019)
    high: str = "leader"
    low: str = "top_quartile"
    floor_at_baseline: bool = True
    exclude_areas: tuple[str, ...] = ()


@dataclass(frozen=True)
class EffectsSettings:
    """``[effects]``: supply-chain effects from the regional input-output model."""

    indirect: bool = True
    induced: bool = False


@dataclass(frozen=True)
class RegionSettings:
    """``[region]``: the region-level growth comparison."""

    include_indirect: bool = True
    london_prefix: str = "TLI"


@dataclass(frozen=True)
class UncertaintySettings:
    """``[uncertainty]``: resampling of reference windows and comparator sets."""

    draws: int = 1000
    seed: int = 20300101
    min_window_years: int = 3
    exclude_window_endpoints: tuple[int, ...] = (2020,)
    percentiles: tuple[float, ...] = (5.0, 25.0, 50.0, 75.0, 95.0)


@dataclass(frozen=True)
class SensitivitySettings:
    """``[priorities.sensitivity]``: Dirichlet-perturbed weights."""

    draws: int = 1000
    concentration: float = 50.0
    seed: int = 20300102
    top_n: int = 3


@dataclass(frozen=True)
class PrioritySettings:
    """``[priorities]``: scorecard weights and their sensitivity analysis."""

    weights: dict[str, float] = field(default_factory=dict)
    sensitivity: SensitivitySettings = field(default_factory=SensitivitySettings)


@dataclass(frozen=True)
class ScenarioConfig:
    """Every parameter of a scenario run; see ``scenario_defaults.toml`` for what each means."""

    target_year: int
    baseline: BaselineSettings
    backtest: BacktestSettings
    scenario: ScenarioSettings
    effects: EffectsSettings
    region: RegionSettings
    uncertainty: UncertaintySettings
    priorities: PrioritySettings
    #: Where the values came from: the defaults, a file and/or overrides.
    source: str = "defaults"

    def to_dict(self) -> dict[str, Any]:
        """Plain nested dict (lists for tuples), as recorded in ``run.json``."""

        result: dict[str, Any] = plain(asdict(self), finite=False)
        return result


def _parse_toml(text: str, label: str) -> dict[str, Any]:
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise DataValidationError(f"not valid TOML: {exc}", file=label) from None


def _flatten(data: Mapping[str, Any], prefix: str = "") -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in data.items():
        dotted = f"{prefix}{key}"
        if isinstance(value, Mapping) and dotted != "priorities.weights":
            out.update(_flatten(value, dotted + "."))
        else:
            out[dotted] = value
    return out


def unread_settings(config: ScenarioConfig, defaults: ScenarioConfig) -> list[str]:
    """The settings *config* changes from *defaults* that its scenario method does not read.

    ``scenario.low`` set under the ``similar`` method (the default), say, changes no figure: only the
    ``leader`` method reads it. A run says so rather than leave the choice without effect unnoticed.

    Parameters
    ----------
    config
        The configuration a run uses.
    defaults
        The package's defaults (:func:`scenario_config` of ``scenario_defaults.toml`` alone).

    Returns
    -------
    list of str
        Dotted keys, in the order of the configuration's fields.

    Examples
    --------
    >>> from clusterplan.pipeline.scenarios import load_scenario_config
    >>> defaults = load_scenario_config()
    >>> mine = load_scenario_config(overrides={"scenario.low": "median", "scenario.lq_threshold": 1.2})
    >>> unread_settings(mine, defaults)
    ['scenario.low']
    >>> leader = load_scenario_config(overrides={"scenario.method": "leader", "scenario.low": "median"})
    >>> unread_settings(leader, defaults)
    []
    """
    given, default = _flatten(config.to_dict()), _flatten(defaults.to_dict())
    others = [keys for method, keys in _METHOD_ONLY.items() if method != config.scenario.method]
    unread = tuple(key for keys in others for key in keys)
    return [key for key, value in default.items() if key.startswith(unread) and given.get(key) != value]


def _set(tree: dict[str, Any], dotted: str, value: Any) -> None:
    parts = dotted.split(".")
    node = tree
    for part in parts[:-1]:
        node = node.setdefault(part, {})
    node[parts[-1]] = value


def _merge(defaults: dict[str, Any], given: Mapping[str, Any], label: str) -> dict[str, Any]:
    """Defaults overridden by *given* (flat dotted keys or nested tables); unknown keys are errors."""
    known = _flatten(defaults)
    merged = copy.deepcopy(defaults)
    for key, value in _flatten(given).items():
        if key.startswith("priorities.weights.") and key.count(".") == 2:
            if isinstance(value, dict):
                raise ParameterError(f"{label}: priorities.weights.{key} must be a number")
            weights = dict(merged["priorities"]["weights"])
            weights[key.rsplit(".", 1)[1]] = value
            merged["priorities"]["weights"] = weights
            continue
        if key == "priorities.weights":
            if not isinstance(value, Mapping):
                raise ParameterError(f"{label}: priorities.weights must be a table of criterion = weight")
            weights = dict(merged["priorities"]["weights"])
            weights.update(value)
            merged["priorities"]["weights"] = weights
            continue
        if key not in known:
            raise UnknownCodeError(f"config key in {label}", key, sorted(known))
        _set(merged, key, value)
    return merged


def _check_type(label: str, key: str, value: Any, kind: type | tuple[type, ...]) -> None:
    # bool is an int in Python; a flag given as 1, or a number given as true, is still a mistake.
    wrong_bool = isinstance(value, bool) and bool not in (kind if isinstance(kind, tuple) else (kind,))
    if wrong_bool or not isinstance(value, kind):
        names = " or ".join(k.__name__ for k in (kind if isinstance(kind, tuple) else (kind,)))
        raise ParameterError(f"{label}: {key} must be {names}, not {value!r}")


def _choice(label: str, key: str, value: Any, choices: tuple[str, ...]) -> str:
    _check_type(label, key, value, str)
    if value not in choices:
        raise ParameterError(f"{label}: {key} must be one of {', '.join(choices)}, not {value!r}")
    return str(value)


def _number(label: str, key: str, value: Any, low: float | None = None, high: float | None = None) -> float:
    _check_type(label, key, value, (int, float))
    number = float(value)
    if (low is not None and number < low) or (high is not None and number > high):
        bounds = f"between {low} and {high}" if high is not None else f"at least {low}"
        raise ParameterError(f"{label}: {key} must be {bounds}, not {value!r}")
    return number


def _integer(label: str, key: str, value: Any, low: int | None = None) -> int:
    _check_type(label, key, value, int)
    if low is not None and value < low:
        raise ParameterError(f"{label}: {key} must be at least {low}, not {value!r}")
    return int(value)


def _list(label: str, key: str, value: Any, item: type | tuple[type, ...]) -> list[Any]:
    _check_type(label, key, value, list)
    for element in value:
        _check_type(label, f"{key} item", element, item)
    return list(value)


def _build(tree: dict[str, Any], label: str) -> ScenarioConfig:
    b, t, s, e, r, u, p = (
        tree[k] for k in ("baseline", "backtest", "scenario", "effects", "region", "uncertainty", "priorities")
    )
    method = b["method"]
    _choice(label, "baseline.method", method, ("auto", "file", *_METHODS))
    _check_type(label, "baseline.file", b["file"], str)
    if method == "file" and not b["file"]:
        raise ParameterError(f"{label}: baseline.method is 'file' but baseline.file is empty", hint="give the CSV path")
    baseline = BaselineSettings(
        method=method,
        file=b["file"],
        covid_years=tuple(_list(label, "baseline.covid_years", b["covid_years"], int)),
        shift_share_damping=_number(label, "baseline.shift_share_damping", b["shift_share_damping"], 0.0, 1.0),
        trend_smoothing=_number(label, "baseline.trend_smoothing", b["trend_smoothing"], 0.0, 1.0),
        trend_damping=_number(label, "baseline.trend_damping", b["trend_damping"], 0.0, 1.0),
    )
    sources = _list(label, "backtest.sources", t["sources"], str)
    for source in sources:
        _choice(label, "backtest.sources item", source, ("bres", "gva"))
    methods = _list(label, "backtest.methods", t["methods"], str)
    for name in methods:
        _choice(label, "backtest.methods item", name, _METHODS)
    if not methods or not sources:
        raise ParameterError(f"{label}: backtest.methods and backtest.sources must not be empty")
    min_fit = _integer(label, "backtest.min_fit_years", t["min_fit_years"], 2)
    backtest = BacktestSettings(
        sources=tuple(sources),
        gva_prices=_choice(label, "backtest.gva_prices", t["gva_prices"], ("chained_volume", "current")),
        methods=tuple(methods),
        fit_window=_integer(label, "backtest.fit_window", t["fit_window"], min_fit),
        min_fit_years=min_fit,
        max_horizon=_integer(label, "backtest.max_horizon", t["max_horizon"], 1),
        min_employment=_number(label, "backtest.min_employment", t["min_employment"], 0.0),
        min_gva_gbp_m=_number(label, "backtest.min_gva_gbp_m", t["min_gva_gbp_m"], 0.0),
        select_period=_choice(label, "backtest.select_period", t["select_period"], ("pre_covid", "covid", "all")),
    )
    window = _list(label, "scenario.reference_window", s["reference_window"], int)
    if len(window) != 2 or window[0] >= window[1]:
        raise ParameterError(f"{label}: scenario.reference_window must be [start, end] with start < end, not {window}")
    m, j, wn = s["similar"], s["jumps"], s["warnings"]
    similar_window = _list(label, "scenario.similar.reference_window", m["reference_window"], int)
    if len(similar_window) != 2 or similar_window[0] >= similar_window[1]:
        raise ParameterError(
            f"{label}: scenario.similar.reference_window must be [start, end] with start < end, not {similar_window}"
        )
    steps = [_number(label, "scenario.similar.size_band_steps item", v, 0.0) for v in m["size_band_steps"]]
    finite = [v for v in steps if v != 0]
    if not steps or any(v <= 1 for v in finite) or finite != sorted(finite) or 0 in steps[:-1]:
        raise ParameterError(
            f"{label}: scenario.similar.size_band_steps must be increasing factors above 1, optionally ending in 0 "
            f"(any size), not {steps}"
        )
    fixed = [_number(label, "scenario.similar.percentiles item", v, 0.0, 100.0) for v in m["percentiles"]]
    if fixed and (len(fixed) != 3 or fixed != sorted(fixed)):
        raise ParameterError(
            f"{label}: scenario.similar.percentiles must be empty (chosen by backtest) or [low, central, high] in "
            f"increasing order, not {fixed}"
        )
    targets = [_number(label, "scenario.similar.target_hit_rates item", v, 0.0, 1.0) for v in m["target_hit_rates"]]
    if len(targets) != 3 or targets != sorted(targets, reverse=True):
        raise ParameterError(
            f"{label}: scenario.similar.target_hit_rates must be [low, central, high], decreasing, not {targets}"
        )
    similar = SimilarSettings(
        reference_window=(similar_window[0], similar_window[1]),
        min_employment=_number(label, "scenario.similar.min_employment", m["min_employment"], 0.0),
        size_band_steps=tuple(steps),
        min_comparators=_integer(label, "scenario.similar.min_comparators", m["min_comparators"], 1),
        percentiles=tuple(fixed),
        target_hit_rates=(targets[0], targets[1], targets[2]),
        cap_percentile=_number(label, "scenario.similar.cap_percentile", m["cap_percentile"], 0.0, 100.0),
        cap_band_edges=tuple(
            _number(label, "scenario.similar.cap_band_edges item", v, 0.0) for v in m["cap_band_edges"]
        ),
        backtest_fit_years=_integer(label, "scenario.similar.backtest_fit_years", m["backtest_fit_years"], 2),
        backtest_min_test_years=_integer(
            label, "scenario.similar.backtest_min_test_years", m["backtest_min_test_years"], 1
        ),
    )
    jumps = JumpSettings(
        **{k: _number(label, f"scenario.jumps.{k}", j[k], 1e-9) for k in JumpSettings.__dataclass_fields__}
    )
    warnings = WarningSettings(
        share_of_region=_number(label, "scenario.warnings.share_of_region", wn["share_of_region"], 0.0, 1.0),
        cluster_share_of_total=_number(
            label, "scenario.warnings.cluster_share_of_total", wn["cluster_share_of_total"], 0.0, 1.0
        ),
        min_comparators=_integer(label, "scenario.warnings.min_comparators", wn["min_comparators"], 0),
    )
    scenario = ScenarioSettings(
        method=_choice(label, "scenario.method", s["method"], ("similar", "leader")),
        similar=similar,
        jumps=jumps,
        warnings=warnings,
        comparator_rule=_choice(label, "scenario.comparator_rule", s["comparator_rule"], _RULES),
        lq_threshold=_number(label, "scenario.lq_threshold", s["lq_threshold"], 0.0),
        min_stars=_integer(label, "scenario.min_stars", s["min_stars"], 0),
        min_employment=_number(label, "scenario.min_employment", s["min_employment"], 0.0),
        reference_window=(window[0], window[1]),
        high=_choice(label, "scenario.high", s["high"], _STATISTICS),
        low=_choice(label, "scenario.low", s["low"], _STATISTICS),
        floor_at_baseline=_flag(label, "scenario.floor_at_baseline", s["floor_at_baseline"]),
        exclude_areas=tuple(_list(label, "scenario.exclude_areas", s["exclude_areas"], str)),
    )
    effects = EffectsSettings(
        indirect=_flag(label, "effects.indirect", e["indirect"]), induced=_flag(label, "effects.induced", e["induced"])
    )
    _check_type(label, "region.london_prefix", r["london_prefix"], str)
    region = RegionSettings(
        include_indirect=_flag(label, "region.include_indirect", r["include_indirect"]),
        london_prefix=r["london_prefix"],
    )
    percentiles = [_number(label, "uncertainty.percentiles item", q, 0.0, 100.0) for q in u["percentiles"]]
    uncertainty = UncertaintySettings(
        draws=_integer(label, "uncertainty.draws", u["draws"], 1),
        seed=_integer(label, "uncertainty.seed", u["seed"], 0),
        min_window_years=_integer(label, "uncertainty.min_window_years", u["min_window_years"], 1),
        exclude_window_endpoints=tuple(
            _list(label, "uncertainty.exclude_window_endpoints", u["exclude_window_endpoints"], int)
        ),
        percentiles=tuple(percentiles),
    )
    weights: dict[str, float] = {}
    for name, value in p["weights"].items():
        if name not in _CRITERIA:
            raise UnknownCodeError(f"priority criterion in {label}", name, list(_CRITERIA))
        weights[name] = _number(label, f"priorities.weights.{name}", value, 0.0)
    if sum(weights.values()) <= 0:
        raise ParameterError(f"{label}: the priority weights must not all be zero")
    q = p["sensitivity"]
    sensitivity = SensitivitySettings(
        draws=_integer(label, "priorities.sensitivity.draws", q["draws"], 1),
        concentration=_number(label, "priorities.sensitivity.concentration", q["concentration"], 1e-9),
        seed=_integer(label, "priorities.sensitivity.seed", q["seed"], 0),
        top_n=_integer(label, "priorities.sensitivity.top_n", q["top_n"], 1),
    )
    return ScenarioConfig(
        target_year=_integer(label, "target_year", tree["target_year"], 1),
        baseline=baseline,
        backtest=backtest,
        scenario=scenario,
        effects=effects,
        region=region,
        uncertainty=uncertainty,
        priorities=PrioritySettings(weights=weights, sensitivity=sensitivity),
        source=label,
    )


def _flag(label: str, key: str, value: Any) -> bool:
    _check_type(label, key, value, bool)
    return bool(value)


def parse_weights(text: str) -> dict[str, float]:
    """Priority weights written ``criterion=weight,criterion=weight`` (the ``--weights`` option).

    Criteria not named keep their configured weight; a weight of 0 leaves a
    criterion out.

    Raises
    ------
    ParameterError
        A part is not ``name=number`` or a weight is negative.
    UnknownCodeError
        An unknown criterion (the message lists the criteria).

    Examples
    --------
    >>> parse_weights("growth_potential=0.4, pay=0")
    {'growth_potential': 0.4, 'pay': 0.0}
    """
    weights: dict[str, float] = {}
    for part in (p.strip() for p in text.split(",")):
        if not part:
            continue
        name, sep, value = part.partition("=")
        name = name.strip()
        if not sep:
            raise ParameterError(f"weights: {part!r} is not criterion=weight", hint="e.g. growth_potential=0.3")
        if name not in _CRITERIA:
            raise UnknownCodeError("priority criterion", name, list(_CRITERIA))
        try:
            number = float(value)
        except ValueError:
            raise ParameterError(f"weights: the weight of {name} must be a number, not {value.strip()!r}") from None
        if not number >= 0:
            raise ParameterError(f"weights: the weight of {name} must be >= 0, not {value.strip()}")
        weights[name] = number
    return weights


#: Short names accepted by :func:`parse_scenario` and the config key each sets.
_SCENARIO_KEYS = {
    "method": "scenario.method",
    "high": "scenario.high",
    "low": "scenario.low",
    "rule": "scenario.comparator_rule",
    "window": "scenario.reference_window",
    "min_employment": "scenario.min_employment",
    "lq_threshold": "scenario.lq_threshold",
    "min_stars": "scenario.min_stars",
    "floor": "scenario.floor_at_baseline",
    "baseline": "baseline.method",
}


def parse_scenario(text: str) -> dict[str, Any]:
    """Scenario choices written ``name=value,...`` (the ``--scenario`` option) as dotted config overrides.

    Names: ``method`` (``similar``, the default, or ``leader``, the
    previous method: compound growth of comparators, the fastest for the high
    case), ``high``, ``low`` (of the ``leader`` method: ``leader``, ``top_quartile``, ``median``,
    ``mean``), ``rule`` (``lq``, ``strong``, ``stars``), ``window``
    (``2015-2019``), ``min_employment``, ``lq_threshold``, ``min_stars``,
    ``floor`` (``true``/``false``) and ``baseline`` (a method name or
    ``auto``). Values are checked when the config is built.

    Examples
    --------
    >>> parse_scenario("low=median, window=2016-2019, floor=false")
    {'scenario.low': 'median', 'scenario.reference_window': [2016, 2019], 'scenario.floor_at_baseline': False}
    """
    overrides: dict[str, Any] = {}
    for part in (p.strip() for p in text.split(",")):
        if not part:
            continue
        name, sep, value = part.partition("=")
        name, value = name.strip(), value.strip()
        if not sep:
            raise ParameterError(f"scenario: {part!r} is not name=value", hint="e.g. low=median,window=2015-2019")
        if name not in _SCENARIO_KEYS:
            raise UnknownCodeError("scenario option", name, list(_SCENARIO_KEYS))
        key = _SCENARIO_KEYS[name]
        parsed: Any = value
        if name == "window":
            start, dash, end = value.partition("-")
            if not (dash and start.strip().isdigit() and end.strip().isdigit()):
                raise ParameterError(f"scenario: window must be START-END, e.g. 2015-2019, not {value!r}")
            parsed = [int(start), int(end)]
        elif name in ("min_employment", "lq_threshold"):
            try:
                parsed = float(value)
            except ValueError:
                raise ParameterError(f"scenario: {name} must be a number, not {value!r}") from None
        elif name == "min_stars":
            if not value.isdigit():
                raise ParameterError(f"scenario: min_stars must be a whole number, not {value!r}")
            parsed = int(value)
        elif name == "floor":
            if value.lower() not in ("true", "false"):
                raise ParameterError(f"scenario: floor must be true or false, not {value!r}")
            parsed = value.lower() == "true"
        overrides[key] = parsed
    return overrides


def scenario_config(
    defaults: str,
    user: str | None = None,
    *,
    defaults_file: str = "scenario_defaults.toml",
    user_file: str = "user config",
    overrides: Mapping[str, Any] | None = None,
) -> ScenarioConfig:
    """The scenario parameters from TOML texts: the defaults, then a user's file, then dotted *overrides*.

    Parameters
    ----------
    defaults
        Text of the defaults (the package's ``scenario_defaults.toml``).
    user
        Text of a user's TOML file with any of the keys of the defaults; None for the defaults alone.
    defaults_file, user_file
        Names of the two files in error messages and in :attr:`ScenarioConfig.source`.
    overrides
        ``{"dotted.key": value}`` applied last, e.g. ``{"target_year": 2035}``
        or ``{"priorities.weights": parse_weights("pay=0.2")}``.

    Raises
    ------
    DataValidationError
        A text is not valid TOML.
    UnknownCodeError
        An unknown key (the message lists the valid ones).
    ParameterError
        A value of the wrong type or out of range (the message names the key).

    Examples
    --------
    >>> from clusterplan.pipeline.scenarios import DEFAULT_CONFIG_PATH
    >>> defaults = DEFAULT_CONFIG_PATH.read_text(encoding="utf-8")
    >>> config = scenario_config(defaults, "target_year = 2035", user_file="mine.toml")
    >>> config.target_year, config.source
    (2035, 'mine.toml')
    """
    tree = _parse_toml(defaults, defaults_file)
    labels = []
    if user is not None:
        tree = _merge(tree, _parse_toml(user, user_file), user_file)
        labels.append(user_file)
    if overrides:
        tree = _merge(tree, dict(overrides), "overrides")
        labels.append("overrides " + ", ".join(f"{k}={v!r}" for k, v in overrides.items()))
    label = "; ".join(labels) if labels else "defaults"
    return _build(tree, label)
