r"""Baseline forecasts of cluster employment (or GVA): shift-share, trends, naive benchmarks and user files.

Every method turns a panel (one row per ``area_code, unit_code, year`` with a
``value``, and optionally each area's all-industry ``area_total``) into growth
factors from a *jump-off* year (the forecast origin, normally the latest year
of data) to each later year. The forecast is the jump-off value times the
factor, so a forecast is proportional to its jump-off value.

Methods (:data:`METHODS`):

``no_change`` (naive)
    The jump-off value stays as it is.
``national_growth`` (naive)
    The benchmark's all-industry growth rate :math:`G` (endpoint compound
    annual growth over the fitting years) for every series.
``shift_share``
    The benchmark's growth of the same unit :math:`g_i` plus the region's
    competitive (differential) growth :math:`d_{ir} = g_{ir} - g_i`, damped:
    :math:`\prod_{k=1}^{h} (1 + g_i + \phi^k d_{ir})` with damping
    :math:`\phi` (``shift_share_damping``). :math:`\phi = 0` is the constant-
    share projection on national industry trends; :math:`\phi = 1` keeps the
    region's own growth rate.
``log_linear``
    The slope :math:`\beta` of an ordinary least-squares line through
    :math:`\log x_t` over the fitting years: factor :math:`e^{\beta h}`.
``damped_trend``
    Exponential smoothing of the annual log growth rates (smoothing
    :math:`\alpha`, ``trend_smoothing``) with a damped trend (Gardner and
    McKenzie): factor :math:`\exp(b \sum_{k=1}^{h} \phi^k)`.

**The Covid break.** The years in *covid_years* (2020 and 2021 by default) are
left out of every growth-rate estimate: they act as one impulse dummy per year.
The forecast still starts from the latest observed value (2021 for BRES), so
the Covid-era level is the jump-off, and the pre-Covid growth rates carry it
forward. For BRES 2015-2021 the rates come from 2015-2019.

Where a series' own growth cannot be estimated (a zero or missing value in the
fitting years) ``shift_share`` drops its competitive effect and ``log_linear``
and ``damped_trend`` fall back to the unit's national growth :math:`g_i`; the
``fallback`` column says so.

References
----------
Stevens, B. H. and Moore, C. L. (1980). A critical review of the literature on
shift-share as a forecasting technique. *Journal of Regional Science* 20(4),
419-437.

Gardner, E. S. and McKenzie, E. (1985). Forecasting trends in time series.
*Management Science* 31(10), 1237-1246.

Examples
--------
>>> import pandas as pd
>>> panel = pd.DataFrame({"area_code": "R", "unit_code": "u", "year": [2015, 2016, 2017],
...                       "value": [100.0, 110.0, 121.0]})
>>> table = project(panel, ForecastMethod("log_linear"), target_years=[2019])
>>> round(float(table["forecast"].iloc[0]), 2)
146.41
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from .._exceptions import ParameterError, UnknownCodeError

if TYPE_CHECKING:  # pragma: no cover - annotations only
    pass

__all__ = [
    "COVID_YEARS",
    "METHODS",
    "NAIVE_METHODS",
    "PROJECTION_COLUMNS",
    "ForecastMethod",
    "fitting_years",
    "growth_factors",
    "project",
]

#: Every forecast method, naive benchmarks first.
METHODS = ("no_change", "national_growth", "shift_share", "log_linear", "damped_trend")
#: The naive benchmarks every method must beat.
NAIVE_METHODS = ("no_change", "national_growth")
#: Years left out of growth-rate estimates by default.
COVID_YEARS = (2020, 2021)
#: Columns of :func:`project`.
PROJECTION_COLUMNS = [
    "area_code",
    "unit_code",
    "method",
    "jump_off_year",
    "jump_off",
    "year",
    "horizon",
    "factor",
    "forecast",
    "growth_cagr",
    "fallback",
]

_PANEL_COLUMNS = ("area_code", "unit_code", "year", "value")


@dataclass(frozen=True)
class ForecastMethod:
    """A forecast method and its parameters.

    Attributes
    ----------
    name
        One of :data:`METHODS`.
    shift_share_damping
        :math:`\\phi` of ``shift_share`` (0-1).
    trend_smoothing, trend_damping
        :math:`\\alpha` and :math:`\\phi` of ``damped_trend`` (0-1).
    """

    name: str
    shift_share_damping: float = 0.5
    trend_smoothing: float = 0.5
    trend_damping: float = 0.8

    def __post_init__(self) -> None:
        if self.name not in METHODS:
            raise UnknownCodeError("forecast method", self.name, list(METHODS))
        for label, value in (
            ("shift_share_damping", self.shift_share_damping),
            ("trend_smoothing", self.trend_smoothing),
            ("trend_damping", self.trend_damping),
        ):
            if not 0.0 <= float(value) <= 1.0:
                raise ParameterError(f"{label} must be between 0 and 1, not {value!r}")

    @property
    def label(self) -> str:
        """The name with the parameters that matter for it, e.g. ``shift_share(damping=0.5)``."""
        if self.name == "shift_share":
            return f"shift_share(damping={self.shift_share_damping:g})"
        if self.name == "damped_trend":
            return f"damped_trend(smoothing={self.trend_smoothing:g}, damping={self.trend_damping:g})"
        return self.name

    def parameters(self) -> dict[str, Any]:
        """The parameters this method uses, for provenance."""
        if self.name == "shift_share":
            return {"method": self.name, "shift_share_damping": self.shift_share_damping}
        if self.name == "damped_trend":
            return {"method": self.name, "trend_smoothing": self.trend_smoothing, "trend_damping": self.trend_damping}
        return {"method": self.name}


def _check_panel(panel: pd.DataFrame) -> None:
    missing = [c for c in _PANEL_COLUMNS if c not in panel.columns]
    if missing:
        raise ParameterError(f"forecast panel lacks columns {missing}; it needs {', '.join(_PANEL_COLUMNS)}")


def fitting_years(
    years: Iterable[int], origin: int, *, covid_years: Sequence[int] = COVID_YEARS, fit_window: int | None = None
) -> list[int]:
    """Years whose values estimate growth rates for a forecast from *origin*.

    The years up to *origin*, without the Covid years, and only the last
    *fit_window* of them when given.

    Examples
    --------
    >>> fitting_years(range(2015, 2022), 2021)
    [2015, 2016, 2017, 2018, 2019]
    >>> fitting_years(range(1998, 2022), 2012, fit_window=5)
    [2008, 2009, 2010, 2011, 2012]
    """
    kept = sorted(int(y) for y in years if int(y) <= origin and int(y) not in set(covid_years))
    if fit_window is not None:
        kept = kept[-fit_window:]
    return kept


def _cagr(start: np.ndarray, end: np.ndarray, span: float) -> np.ndarray:
    with np.errstate(divide="ignore", invalid="ignore"):
        rate = np.power(end / start, 1.0 / span) - 1.0
    return np.where((start > 0) & (end >= 0) & np.isfinite(rate), rate, np.nan)


@dataclass
class _Cube:
    """The panel as arrays: values[area, unit, year] and totals[area, year]."""

    areas: list[str]
    units: list[str]
    years: list[int]
    values: np.ndarray
    totals: np.ndarray


def _cube(panel: pd.DataFrame) -> _Cube:
    _check_panel(panel)
    area_codes = panel["area_code"].astype(str).to_numpy()
    unit_codes = panel["unit_code"].astype(str).to_numpy()
    year_values = pd.to_numeric(panel["year"]).astype(int).to_numpy()
    areas = sorted(set(area_codes))
    units = list(dict.fromkeys(unit_codes))
    years = sorted(set(year_values.tolist()))
    a = pd.Index(areas).get_indexer(area_codes)
    u = pd.Index(units).get_indexer(unit_codes)
    y = pd.Index(years).get_indexer(pd.Index(year_values))
    value = panel["value"].to_numpy(dtype=float)
    known = np.isfinite(value)
    shape = (len(areas), len(units), len(years))
    sums = np.zeros(shape)
    counts = np.zeros(shape)
    np.add.at(sums, (a[known], u[known], y[known]), value[known])
    np.add.at(counts, (a[known], u[known], y[known]), 1.0)
    # A cell with no reported value is missing, not zero.
    values = np.where(counts > 0, sums, np.nan)
    if "area_total" in panel.columns:
        totals = np.full((len(areas), len(years)), np.nan)
        totals[a, y] = panel["area_total"].to_numpy(dtype=float)
    else:
        totals = np.nansum(values, axis=1)
    return _Cube(areas, units, years, values, totals)


def _benchmark_mask(areas: list[str], benchmark_areas: Sequence[str] | None) -> np.ndarray:
    if benchmark_areas is None:
        return np.ones(len(areas), dtype=bool)
    chosen = set(benchmark_areas)
    unknown = sorted(chosen - set(areas))
    if unknown:
        raise UnknownCodeError("benchmark area", unknown[0], areas)
    return np.array([a in chosen for a in areas])


def _factors(
    cube: _Cube,
    method: ForecastMethod,
    origin: int,
    horizons: np.ndarray,
    fit: list[int],
    benchmark: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    """Growth factors [area, unit, horizon] and the fallback flags [area, unit]."""
    n_areas, n_units = cube.values.shape[:2]
    steps = np.asarray(horizons, dtype=float)
    fallback = np.zeros((n_areas, n_units), dtype=bool)
    if method.name == "no_change":
        return np.ones((n_areas, n_units, len(steps))), fallback
    index = [cube.years.index(y) for y in fit]
    first, last = index[0], index[-1]
    span = float(fit[-1] - fit[0])
    national_units = np.nansum(cube.values[benchmark], axis=0)  # [unit, year]
    national_total = np.nansum(cube.totals[benchmark], axis=0)  # [year]
    total_rate = _cagr(national_total[first : first + 1], national_total[last : last + 1], span)[0]
    if method.name == "national_growth":
        return np.broadcast_to((1.0 + total_rate) ** steps, (n_areas, n_units, len(steps))).copy(), fallback
    unit_rate = _cagr(national_units[:, first], national_units[:, last], span)
    # A unit the benchmark did not have at the start grows with the whole economy.
    unit_rate = np.where(np.isnan(unit_rate), total_rate, unit_rate)
    unit_path = (1.0 + unit_rate[None, :, None]) ** steps[None, None, :]
    series = cube.values[:, :, index]  # [area, unit, fit year]
    if method.name == "shift_share":
        own = _cagr(series[:, :, 0], series[:, :, -1], span)
        fallback = np.isnan(own)
        differential = np.where(fallback, 0.0, own - unit_rate[None, :])
        phi = method.shift_share_damping
        max_h = int(steps.max())
        yearly = 1.0 + unit_rate[None, :, None] + differential[:, :, None] * phi ** np.arange(1, max_h + 1)
        cumulative = np.cumprod(np.maximum(yearly, 0.0), axis=2)
        return cumulative[:, :, steps.astype(int) - 1], fallback
    positive = np.all(series > 0, axis=2) & np.all(np.isfinite(series), axis=2)
    fallback = ~positive
    with np.errstate(divide="ignore", invalid="ignore"):
        logs = np.log(np.where(series > 0, series, np.nan))
    t = np.asarray(fit, dtype=float)
    if method.name == "log_linear":
        centred = t - t.mean()
        # A series with no positive year has no mean log (it falls back above); nanmean would warn for it.
        counts = np.sum(~np.isnan(logs), axis=2, keepdims=True)
        mean_log = np.nansum(logs, axis=2, keepdims=True) / np.maximum(counts, 1)
        slope = np.nansum((logs - mean_log) * centred, axis=2) / np.sum(centred**2)
        path = np.exp(slope[:, :, None] * steps[None, None, :])
    else:  # damped_trend
        rates = np.diff(logs, axis=2) / np.diff(t)[None, None, :]
        smoothed = rates[:, :, 0]
        for j in range(1, rates.shape[2]):
            smoothed = method.trend_smoothing * rates[:, :, j] + (1.0 - method.trend_smoothing) * smoothed
        phi = method.trend_damping
        damp = np.array([np.sum(phi ** np.arange(1, int(h) + 1)) for h in steps])
        path = np.exp(smoothed[:, :, None] * damp[None, None, :])
    return np.where(fallback[:, :, None], unit_path, path), fallback


def growth_factors(
    panel: pd.DataFrame,
    method: ForecastMethod | str,
    *,
    origin: int | None = None,
    horizons: Sequence[int] = (1,),
    covid_years: Sequence[int] = COVID_YEARS,
    fit_window: int | None = None,
    benchmark_areas: Sequence[str] | None = None,
) -> pd.DataFrame:
    """Growth factor of every series from *origin* to ``origin + h`` for each horizon *h*.

    Parameters
    ----------
    panel
        ``area_code, unit_code, year, value`` and optionally ``area_total``
        (the area's all-industry value, for ``national_growth``; default the
        sum of the units).
    method
        A :class:`ForecastMethod` or a method name (default parameters).
    origin
        Jump-off year (default the panel's latest year).
    horizons
        Years ahead (positive integers).
    covid_years
        Left out of the fitting years (see :func:`fitting_years`).
    fit_window
        Use at most this many fitting years (the latest); None for all.
    benchmark_areas
        Areas whose sum is the nation for ``national_growth`` and
        ``shift_share``; None for every area in the panel.

    Returns
    -------
    pandas.DataFrame
        ``area_code, unit_code, horizon, factor, fallback``.

    Raises
    ------
    ParameterError
        Fewer than two fitting years, bad horizons, or an origin not in the panel.
    """
    chosen = method if isinstance(method, ForecastMethod) else ForecastMethod(method)
    cube = _cube(panel)
    origin = cube.years[-1] if origin is None else int(origin)
    if origin not in cube.years:
        raise UnknownCodeError("forecast origin year", str(origin), [str(y) for y in cube.years])
    steps = np.asarray(list(horizons), dtype=int)
    if steps.size == 0 or (steps < 1).any():
        raise ParameterError(f"horizons must be positive whole years, not {list(horizons)}")
    fit = fitting_years(cube.years, origin, covid_years=covid_years, fit_window=fit_window)
    if len(fit) < 2 and chosen.name != "no_change":
        raise ParameterError(
            f"{chosen.name} needs at least two years of data before {origin} outside the Covid years "
            f"{list(covid_years)}, and the panel has {fit}",
            hint="a baseline needs a time series: import more years of employment data",
        )
    factors, fallback = _factors(cube, chosen, origin, steps, fit, _benchmark_mask(cube.areas, benchmark_areas))
    n_areas, n_units = len(cube.areas), len(cube.units)
    return pd.DataFrame(
        {
            "area_code": np.repeat(cube.areas, n_units * len(steps)),
            "unit_code": np.tile(np.repeat(cube.units, len(steps)), n_areas),
            "horizon": np.tile(steps, n_areas * n_units),
            "factor": factors.reshape(-1),
            "fallback": np.repeat(fallback.reshape(-1), len(steps)),
        }
    )


def project(
    panel: pd.DataFrame,
    method: ForecastMethod | str,
    *,
    target_years: Sequence[int],
    origin: int | None = None,
    covid_years: Sequence[int] = COVID_YEARS,
    fit_window: int | None = None,
    benchmark_areas: Sequence[str] | None = None,
    areas: Sequence[str] | None = None,
) -> pd.DataFrame:
    """Forecast every series of *panel* to each of *target_years*.

    Parameters are those of :func:`growth_factors`; *areas* keeps only those
    areas in the result (the benchmark still uses every area).

    Returns
    -------
    pandas.DataFrame
        :data:`PROJECTION_COLUMNS`: ``area_code, unit_code, method,
        jump_off_year, jump_off`` (the value at the origin), ``year, horizon,
        factor, forecast`` (jump-off times factor), ``growth_cagr`` (implied
        compound annual growth) and ``fallback``.

    Examples
    --------
    A region growing 10% a year in a unit that grows 2% nationally, with the
    competitive effect halved every year:

    >>> import pandas as pd
    >>> panel = pd.DataFrame({"area_code": ["R", "R", "S", "S"], "unit_code": "u", "year": [2015, 2016] * 2,
    ...                       "value": [100.0, 110.0, 900.0, 910.0]})
    >>> table = project(panel, ForecastMethod("shift_share", shift_share_damping=0.5), target_years=[2018],
    ...                 areas=["R"])
    >>> round(float(table["forecast"].iloc[0]), 3)  # 110 x (1.02 + 0.08 x 0.5) x (1.02 + 0.08 x 0.25)
    121.264
    """
    chosen = method if isinstance(method, ForecastMethod) else ForecastMethod(method)
    cube_years = sorted(pd.to_numeric(panel["year"]).astype(int).unique().tolist())
    origin = cube_years[-1] if origin is None else int(origin)
    targets = sorted({int(y) for y in target_years})
    if not targets or targets[0] <= origin:
        raise ParameterError(f"target years {targets} must be after the jump-off year {origin}")
    horizons = [y - origin for y in targets]
    factors = growth_factors(
        panel,
        chosen,
        origin=origin,
        horizons=horizons,
        covid_years=covid_years,
        fit_window=fit_window,
        benchmark_areas=benchmark_areas,
    )
    at_origin = panel[pd.to_numeric(panel["year"]).astype(int) == origin]
    jump_off = at_origin.groupby(["area_code", "unit_code"])["value"].sum(min_count=1)
    keys = pd.MultiIndex.from_arrays([factors["area_code"], factors["unit_code"]])
    factors["jump_off"] = jump_off.reindex(keys).to_numpy(dtype=float)
    factors["method"] = chosen.label
    factors["jump_off_year"] = origin
    factors["year"] = origin + factors["horizon"]
    factors["forecast"] = factors["jump_off"] * factors["factor"]
    factors["growth_cagr"] = np.power(factors["factor"].to_numpy(dtype=float), 1.0 / factors["horizon"]) - 1.0
    if areas is not None:
        factors = factors[factors["area_code"].isin(list(areas))]
    return factors[PROJECTION_COLUMNS].reset_index(drop=True)
