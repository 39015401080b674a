r"""Backtesting the baseline methods: rolling-origin forecasts, MAPE and bias, and the default method.

Each method of :mod:`clusterplan.scenarios.baseline` is fitted on the years up
to an *origin* and forecasts the held-out years after it, for every origin in
the data (a rolling origin), every series (area x cluster) and every horizon up
to ``max_horizon``. Errors are percentages of the actual value:

.. math::

    \text{MAPE} = \frac{100}{n} \sum \left| \frac{F - A}{A} \right|, \qquad
    \text{bias} = \frac{100}{n} \sum \frac{F - A}{A}

(positive bias: the method over-forecasts). Two series are tested:

``bres``
    cluster employment, BRES 2015-2021, every GB ITL2 area: origins 2017-2020,
    horizons 1-4.
``gva``
    cluster GVA (ONS regional GVA by industry apportioned to clusters, see
    :func:`~clusterplan.pipeline.panels.cluster_gva_panel`), 1998-2021:
    origins 2000-2020, horizons 1-8, the evidence for long horizons.

**The Covid break** is handled twice. Fitting never uses the Covid years (2020,
2021; see :func:`~clusterplan.scenarios.baseline.fitting_years`), as in the
baseline. Scoring splits forecasts by the year forecast: ``pre_covid`` (before
2020), ``covid`` (2020-2021) and ``post_covid`` (after); the default method is
chosen on the ``pre_covid`` errors, because no method is meant to foresee a
pandemic, and the ``covid`` rows show how each fared through it.

**The default method** is the one with the lowest *score*: the mean MAPE over
horizons of each source, averaged over the sources (so the long GVA series and
the short BRES one count equally); ties go to the smaller absolute bias.

Series below a minimum size at the origin (1,000 jobs; £50 million) are not
scored: a few hundred rounded jobs give percentage errors that are noise. The
backtest is deterministic: the same data and parameters give the same table.

References
----------
Tashman, L. J. (2000). Out-of-sample tests of forecasting accuracy: an analysis
and review. *International Journal of Forecasting* 16(4), 437-450.

Hyndman, R. J. and Koehler, A. B. (2006). Another look at measures of forecast
accuracy. *International Journal of Forecasting* 22(4), 679-688.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from .._exceptions import ParameterError, UnknownCodeError
from .baseline import (
    COVID_YEARS,
    NAIVE_METHODS,
    ForecastMethod,
    _benchmark_mask,
    _cube,
    _factors,
    fitting_years,
)
from .config import ScenarioConfig

__all__ = [
    "ERROR_COLUMNS",
    "FORECAST_COLUMNS",
    "PERIODS",
    "BacktestResult",
    "backtest_panels",
    "forecast_errors",
    "format_backtest",
    "rolling_origin_forecasts",
    "select_method",
]

#: Periods forecasts are scored in, by the year forecast.
PERIODS = ("pre_covid", "covid", "post_covid")
#: Columns of :func:`rolling_origin_forecasts`.
FORECAST_COLUMNS = [
    "method",
    "origin",
    "year",
    "horizon",
    "period",
    "area_code",
    "unit_code",
    "jump_off",
    "actual",
    "forecast",
    "percentage_error",
]
#: Columns of :func:`forecast_errors`.
ERROR_COLUMNS = ["source", "period", "method", "horizon", "forecasts", "mape", "bias"]


def _period(year: int, covid_years: Sequence[int]) -> str:
    if not covid_years or year < min(covid_years):
        return "pre_covid"
    return "covid" if year <= max(covid_years) else "post_covid"


def rolling_origin_forecasts(
    panel: pd.DataFrame,
    methods: Sequence[ForecastMethod | str],
    *,
    covid_years: Sequence[int] = COVID_YEARS,
    fit_window: int | None = 5,
    min_fit_years: int = 3,
    max_horizon: int = 8,
    min_size: float = 0.0,
    benchmark_areas: Sequence[str] | None = None,
    areas: Sequence[str] | None = None,
) -> pd.DataFrame:
    """Every scored forecast of every method from every origin.

    Parameters
    ----------
    panel
        ``area_code, unit_code, year, value`` (and optionally ``area_total``).
    methods
        Methods to test (:class:`~clusterplan.scenarios.baseline.ForecastMethod` or names).
    covid_years, fit_window
        As for :func:`~clusterplan.scenarios.baseline.growth_factors`.
    min_fit_years
        An origin needs at least this many fitting years.
    max_horizon
        Longest horizon scored.
    min_size
        Series whose value at the origin is below this are not scored.
    benchmark_areas
        Areas whose sum is the nation (default all).
    areas
        Score only these areas' series (the benchmark still uses all).

    Returns
    -------
    pandas.DataFrame
        :data:`FORECAST_COLUMNS`, one row per method, origin, horizon and
        scored series; ``percentage_error`` is :math:`100 (F - A) / A`.
        Series with a missing or non-positive actual value are left out.
    """
    chosen = [m if isinstance(m, ForecastMethod) else ForecastMethod(m) for m in methods]
    if min_fit_years < 2:
        raise ParameterError(f"min_fit_years must be at least 2, not {min_fit_years}")
    cube = _cube(panel)
    benchmark = _benchmark_mask(cube.areas, benchmark_areas)
    keep_area = np.ones(len(cube.areas), dtype=bool) if areas is None else np.isin(cube.areas, list(areas))
    if areas is not None and not keep_area.any():
        raise UnknownCodeError("area in the backtest panel", str(next(iter(areas))), cube.areas)
    area_codes, unit_codes = np.asarray(cube.areas), np.asarray(cube.units)
    pieces = []
    for origin in cube.years[:-1]:
        fit = fitting_years(cube.years, origin, covid_years=covid_years, fit_window=fit_window)
        if len(fit) < min_fit_years:
            continue
        targets = [y for y in cube.years if origin < y <= origin + max_horizon]
        steps = np.asarray([y - origin for y in targets])
        o = cube.years.index(origin)
        jump_off = cube.values[:, :, o]
        actual = cube.values[:, :, [cube.years.index(y) for y in targets]]
        scored = (
            keep_area[:, None, None]
            & (jump_off >= min_size)[:, :, None]
            & np.isfinite(jump_off)[:, :, None]
            & (actual > 0)
            & np.isfinite(actual)
        )
        a_idx, u_idx, h_idx = np.nonzero(scored)
        if a_idx.size == 0:
            continue
        # Each target year's period, named once and looked up per scored series (up to ~100,000 of them).
        periods = np.asarray([PERIODS.index(_period(int(y), covid_years)) for y in targets])[h_idx]
        for m, method in enumerate(chosen):
            factors, _ = _factors(cube, method, origin, steps, fit, benchmark)
            forecast = jump_off[:, :, None] * factors
            values = actual[a_idx, u_idx, h_idx]
            predicted = forecast[a_idx, u_idx, h_idx]
            years = np.asarray(targets)[h_idx]
            # Columns gathered as arrays, the text ones as positions in their few labels, and made into one
            # frame at the end: a frame per origin and method (125 on a fresh GB run) converted every row's
            # strings each time.
            pieces.append(
                {
                    "method": np.full(a_idx.size, m),
                    "origin": np.full(a_idx.size, origin, dtype=np.int64),
                    "year": years,
                    "horizon": steps[h_idx],
                    "period": periods,
                    "area_code": a_idx,
                    "unit_code": u_idx,
                    "jump_off": jump_off[a_idx, u_idx],
                    "actual": values,
                    "forecast": predicted,
                    "percentage_error": 100.0 * (predicted - values) / values,
                }
            )
    if not pieces:
        return pd.DataFrame(columns=FORECAST_COLUMNS)
    labels = {
        "method": [method.label for method in chosen],
        "period": list(PERIODS),
        "area_code": area_codes,
        "unit_code": unit_codes,
    }
    columns: dict[str, Any] = {}
    for column in FORECAST_COLUMNS:
        values = np.concatenate([piece[column] for piece in pieces])
        # The labels' own column type (as a frame infers it from strings), taken by position.
        columns[column] = (
            pd.Series(np.asarray(labels[column], dtype=object)).array.take(values) if column in labels else values
        )
    return pd.DataFrame(columns)


def forecast_errors(forecasts: pd.DataFrame, source: str = "") -> pd.DataFrame:
    """MAPE and bias (mean percentage error) by period, method and horizon.

    Returns
    -------
    pandas.DataFrame
        :data:`ERROR_COLUMNS`: ``source, period, method, horizon, forecasts``
        (how many), ``mape`` and ``bias`` (percent), in method order.

    Examples
    --------
    >>> import pandas as pd
    >>> f = pd.DataFrame({"period": "pre_covid", "method": "m", "horizon": 1, "percentage_error": [10.0, -30.0]})
    >>> row = forecast_errors(f).iloc[0]
    >>> int(row["forecasts"]), float(row["mape"]), float(row["bias"])
    (2, 20.0, -10.0)
    """
    if forecasts.empty:
        return pd.DataFrame(columns=ERROR_COLUMNS)
    order = forecasts["method"].unique().tolist()  # first-appearance order, without a Python loop over 193k rows
    grouped = forecasts.groupby(["period", "method", "horizon"], sort=False)["percentage_error"]
    table = grouped.agg(forecasts="size", mape=lambda e: float(np.mean(np.abs(e))), bias="mean").reset_index()
    table.insert(0, "source", source)
    table["_order"] = table["method"].map(order.index)
    table["_period"] = table["period"].map(PERIODS.index)
    table = table.sort_values(["_period", "_order", "horizon"]).drop(columns=["_order", "_period"])
    table["forecasts"] = table["forecasts"].astype(int)
    return table[ERROR_COLUMNS].reset_index(drop=True)


def select_method(errors: pd.DataFrame, *, period: str = "pre_covid") -> pd.DataFrame:
    """Score each method: mean MAPE over horizons per source, averaged over sources; rank 1 is best.

    Parameters
    ----------
    errors
        :func:`forecast_errors` output of one or more sources.
    period
        ``pre_covid``, ``covid`` or ``all`` (every period pooled per horizon by
        forecast count).

    Returns
    -------
    pandas.DataFrame
        ``method, score, abs_bias`` and ``mape_<source>`` for each source,
        then ``rank``, best first.

    Examples
    --------
    >>> import pandas as pd
    >>> e = pd.DataFrame({"source": ["a", "a", "b", "b"], "period": "pre_covid", "method": ["x", "y", "x", "y"],
    ...                   "horizon": 1, "forecasts": 10, "mape": [5.0, 4.0, 9.0, 12.0], "bias": [1.0, -1.0, 2.0, 0.0]})
    >>> select_method(e)[["method", "score", "rank"]].values.tolist()
    [['x', 7.0, 1], ['y', 8.0, 2]]
    """
    if period == "all":
        rows = errors.assign(_w=errors["forecasts"] * errors["mape"], _b=errors["forecasts"] * errors["bias"])
        pooled = rows.groupby(["source", "method", "horizon"], sort=False)[["forecasts", "_w", "_b"]].sum()
        pooled["mape"] = pooled["_w"] / pooled["forecasts"]
        pooled["bias"] = pooled["_b"] / pooled["forecasts"]
        rows = pooled.reset_index()
    else:
        rows = errors[errors["period"] == period]
    if rows.empty:
        raise ParameterError(f"no backtest forecasts in period {period!r} to choose a method from")
    order = list(dict.fromkeys(rows["method"]))
    by_source = rows.groupby(["method", "source"], sort=False).agg(mape=("mape", "mean"), bias=("bias", "mean"))
    wide = by_source["mape"].unstack("source")
    out = pd.DataFrame({"method": wide.index})
    for source in wide.columns:
        out[f"mape_{source}" if source else "mape"] = wide[source].to_numpy()
    out["score"] = wide.mean(axis=1, skipna=True).to_numpy()
    out["abs_bias"] = by_source["bias"].abs().groupby("method").mean().reindex(wide.index).to_numpy()
    out["_order"] = out["method"].map(order.index)
    out = out.sort_values(["score", "abs_bias", "_order"]).drop(columns="_order").reset_index(drop=True)
    out["rank"] = np.arange(1, len(out) + 1)
    return out


@dataclass
class BacktestResult:
    """What :func:`backtest_panels` found.

    Attributes
    ----------
    errors
        :data:`ERROR_COLUMNS` for every source, period, method and horizon.
    scores
        :func:`select_method` over the selection period: the method ranking.
    default_method
        The best-scoring method (with its parameters).
    parameters
        Everything that defines the test (sources, years, windows, sizes,
        selection rule), for ``run.json``.
    forecasts
        Every scored forecast, with a ``source`` column.
    """

    errors: pd.DataFrame
    scores: pd.DataFrame
    default_method: ForecastMethod
    parameters: dict[str, Any] = field(default_factory=dict)
    forecasts: pd.DataFrame | None = None

    def provenance(self) -> dict[str, Any]:
        """The default method, the ranking and the parameters, as plain data."""
        return {
            "default_method": self.default_method.label,
            "default_method_parameters": self.default_method.parameters(),
            "ranking": self.scores.to_dict(orient="records"),
            **self.parameters,
        }


def _methods_from(config: ScenarioConfig) -> list[ForecastMethod]:
    b = config.baseline
    return [
        ForecastMethod(
            name,
            shift_share_damping=b.shift_share_damping,
            trend_smoothing=b.trend_smoothing,
            trend_damping=b.trend_damping,
        )
        for name in config.backtest.methods
    ]


def backtest_panels(
    panels: Mapping[str, pd.DataFrame],
    config: ScenarioConfig,
    *,
    taxonomy: str,
    region_code: str | None = None,
) -> BacktestResult:
    """Backtest every configured method on the panels of each source; pick the default.

    Parameters
    ----------
    panels
        Source (``bres`` or ``gva``) -> its area x cluster x year panel
        (:func:`~clusterplan.pipeline.panels.cluster_employment_panel`,
        :func:`~clusterplan.pipeline.panels.cluster_gva_panel`), in the order scored.
    config
        Parameters (:func:`~clusterplan.pipeline.scenarios.load_scenario_config`).
    taxonomy
        Name of the taxonomy of the panels (for the parameters).
    region_code
        Score only this area's series (all areas still form the benchmark); default every area.

    Returns
    -------
    BacktestResult
    """
    settings = config.backtest
    methods = _methods_from(config)
    covid = config.baseline.covid_years
    areas = None if region_code is None else [region_code]
    errors = []
    forecasts = []
    details: dict[str, Any] = {}
    for source, panel in panels.items():
        min_size = settings.min_employment if source == "bres" else settings.min_gva_gbp_m
        found = rolling_origin_forecasts(
            panel,
            methods,
            covid_years=covid,
            fit_window=settings.fit_window,
            min_fit_years=settings.min_fit_years,
            max_horizon=settings.max_horizon,
            min_size=min_size,
            areas=areas,
        )
        errors.append(forecast_errors(found, source))
        forecasts.append(found.assign(source=source))
        years = sorted(panel["year"].unique().tolist())
        details[source] = {
            "dataset": panel.attrs.get("dataset"),
            "measure": panel.attrs.get("measure"),
            "years": [int(years[0]), int(years[-1])],
            "origins": sorted(int(o) for o in found["origin"].unique()),
            "series_scored": int(found[["area_code", "unit_code"]].drop_duplicates().shape[0]),
            "forecasts_scored": len(found),
            "min_size": min_size,
            **({"weight_year": int(panel.attrs["weight_year"])} if "weight_year" in panel.attrs else {}),
        }
    table = pd.concat(errors, ignore_index=True)
    scores = select_method(table, period=settings.select_period)
    best = next(m for m in methods if m.label == scores["method"].iloc[0])
    parameters = {
        "sources": details,
        "taxonomy": taxonomy,
        "region": region_code or "all GB ITL2 areas",
        "methods": [m.label for m in methods],
        "naive_benchmarks": list(NAIVE_METHODS),
        "covid_years": list(covid),
        "covid_handling": "Covid years left out of every fitting window (one impulse dummy per year); forecasts "
        "start from the latest observed year; errors scored separately for targets before, in and after "
        "the Covid years, and the default chosen on the pre-Covid targets",
        "fit_window": settings.fit_window,
        "min_fit_years": settings.min_fit_years,
        "max_horizon": settings.max_horizon,
        "selection": f"lowest mean MAPE over horizons per source, averaged over sources, period "
        f"{settings.select_period!r}; ties to the smaller absolute bias",
        "select_period": settings.select_period,
    }
    return BacktestResult(
        errors=table,
        scores=scores,
        default_method=best,
        parameters=parameters,
        forecasts=pd.concat(forecasts, ignore_index=True),
    )


def format_backtest(result: BacktestResult) -> str:
    """The backtest as text: per source and period, one line per method, MAPE (bias) by horizon.

    The default method is marked ``*``; the ranking closes the table.
    """
    lines: list[str] = []
    default = result.default_method.label
    labels = {"pre_covid": "pre-Covid targets", "covid": "Covid-year targets", "post_covid": "post-Covid targets"}
    for (source, period), block in result.errors.groupby(["source", "period"], sort=False):
        details = result.parameters.get("sources", {}).get(source, {})
        horizons = sorted(block["horizon"].unique())
        span = details.get("years", ["?", "?"])
        lines.append(
            f"{source} ({details.get('measure', '')}, {span[0]}-{span[1]}), {labels.get(str(period), period)}: "
            "MAPE % (bias %) by horizon in years"
        )
        header = ["method"] + [f"h={h}" for h in horizons] + ["mean", "n"]
        rows = []
        for method, part in block.groupby("method", sort=False):
            by_h = part.set_index("horizon")
            cells = [("* " if method == default else "  ") + str(method)]
            for h in horizons:
                if h in by_h.index:
                    cells.append(f"{by_h.loc[h, 'mape']:.1f} ({by_h.loc[h, 'bias']:+.1f})")
                else:
                    cells.append("–")
            cells.append(f"{part['mape'].mean():.1f} ({part['bias'].mean():+.1f})")
            cells.append(f"{int(part['forecasts'].sum()):,}")
            rows.append(cells)
        widths = [max(len(header[i]), *(len(r[i]) for r in rows)) for i in range(len(header))]
        for cells in [header, *rows]:
            lines.append(
                "  ".join(
                    c.ljust(w) if i == 0 else c.rjust(w) for i, (c, w) in enumerate(zip(cells, widths, strict=True))
                )
            )
        lines.append("")
    period = result.parameters.get("select_period", "pre_covid")
    lines.append(f"ranking ({period} targets; score = mean MAPE over horizons, averaged over sources):")
    for row in result.scores.itertuples():
        mark = "*" if row.method == default else " "
        lines.append(f" {mark} {row.rank}. {row.method}  score {row.score:.2f}")
    lines.append(f"default method: {default} (* above)")
    return "\n".join(lines)
