r"""Leading regions for similar clusters: differential growth trends, similar-size comparators, percentiles, caps.

The scenario asks how much more a region's cluster would employ if it grew,
relative to the same cluster in Great Britain, as leading regions with a
similar cluster have done. Each piece is robust to what breaks the naive
version (the fastest comparator's compound growth):

1. **Differential growth** of a series is measured against the national rate
   of the same cluster: the Theil–Sen slope :math:`\beta` of the log of the
   area's share of the GB cluster, :math:`\log(x_{rt} / X_t)`, over the
   pre-Covid years of the window, as an annual rate :math:`d = e^{\beta} - 1`.
   The median of all pairwise slopes ignores one odd year; no 2020 or 2021
   value enters it.
2. **Similar clusters.** A comparator has a location quotient of at least 1
   and a minimum size in the window's start year, no one-off jump
   (:mod:`~clusterplan.scenarios.jumps`), and start-year jobs within a band
   :math:`[s/f, s f]` around the region's own cluster :math:`s`; the band factor
   :math:`f` widens step by step (3, 5, 10, then any size) until there are
   enough comparators.
3. **Percentiles** of the comparators' :math:`d`; which percentiles the low,
   central and high scenarios take is chosen by backtest
   (:mod:`~clusterplan.scenarios.calibration`).
4. **Caps.** :math:`d` is capped at a high percentile of the differential
   growth observed for all series of the same size band.

Every function works on arrays ``[area, unit]`` so that one call serves the
forty regions of a backtest as cheaply as one region.

References
----------
Sen, P. K. (1968). Estimates of the regression coefficient based on Kendall's
tau. *Journal of the American Statistical Association* 63(324), 1379-1389.

Hyndman, R. J. and Athanasopoulos, G. (2021). *Forecasting: principles and
practice*, 3rd ed., section 5.10 (time series cross-validation: a rolling
forecasting origin).
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from .._exceptions import ParameterError
from ..measures.location_quotient import location_quotient

__all__ = [
    "SIMILAR_COMPARATOR_COLUMNS",
    "SeriesCube",
    "additional_jobs",
    "band_of",
    "caps_for",
    "comparator_masks",
    "masked_percentiles",
    "region_comparators",
    "series_cube",
    "share_trends",
    "size_band_caps",
    "theil_sen_slope",
    "window_trends",
]


def theil_sen_slope(values: np.ndarray, x: Sequence[float] | np.ndarray) -> np.ndarray:
    r"""The Theil–Sen slope of each row of *values* against *x*: the median of all pairwise slopes.

    Pairs with a missing value are skipped; a row with no valid pair is NaN.

    Notes
    -----
    :math:`\hat\beta = \operatorname{median}_{i<j} (y_j - y_i) / (x_j - x_i)`.

    Examples
    --------
    >>> import numpy as np
    >>> theil_sen_slope(np.array([[0.0, 1.0, 2.0, 10.0, 4.0]]), [0, 1, 2, 3, 4]).tolist()
    [1.0]
    """
    y = np.asarray(values, dtype=float)
    xs = np.asarray(x, dtype=float)
    if y.shape[-1] != xs.size:
        raise ParameterError(f"theil_sen_slope: {y.shape[-1]} values per row but {xs.size} x values")
    i, j = np.triu_indices(xs.size, k=1)
    with np.errstate(invalid="ignore"):
        slopes = (y[..., j] - y[..., i]) / (xs[j] - xs[i])
    valid = np.isfinite(slopes)
    out = np.full(y.shape[:-1], np.nan)
    any_valid = valid.any(axis=-1)
    if any_valid.any():
        filled = np.where(valid, slopes, np.nan)
        out[any_valid] = np.nanmedian(filled[any_valid], axis=-1)
    return out


@dataclass(frozen=True)
class SeriesCube:
    """Employment of units (clusters or divisions) by area and year, as arrays.

    Attributes
    ----------
    areas, units, years
        Labels of the axes.
    values
        ``[area, unit, year]`` jobs.
    totals
        ``[area, year]`` all-industry jobs.
    codes
        ``[area, code, year]`` jobs by industry code (for jump detection), and
        ``code_labels`` and ``pairs`` (code index, unit index) of membership.
    """

    areas: tuple[str, ...]
    units: tuple[str, ...]
    years: tuple[int, ...]
    values: np.ndarray
    totals: np.ndarray
    codes: np.ndarray
    code_labels: tuple[str, ...]
    pairs: tuple[np.ndarray, np.ndarray]
    #: Results computed from the cube (trends of a window), keyed by what they depend on.
    memo: dict[Any, Any] = field(default_factory=dict, compare=False, repr=False)

    def window(self, start: int, end: int) -> tuple[np.ndarray, np.ndarray, np.ndarray, list[int]]:
        """Values, totals and code values of the years ``start..end`` (all must be present) and those years."""
        wanted = [y for y in self.years if start <= y <= end]
        missing = [y for y in range(start, end + 1) if y not in self.years]
        if missing:
            raise ParameterError(f"years {missing} are not in the employment data ({self.years[0]}-{self.years[-1]})")
        idx = [self.years.index(y) for y in wanted]
        return self.values[:, :, idx], self.totals[:, idx], self.codes[:, :, idx], wanted


def series_cube(
    codes: pd.DataFrame | Mapping[str, np.ndarray] | SeriesCube,
    mapping: pd.DataFrame,
    units: Sequence[str] | None = None,
) -> SeriesCube:
    """A :class:`SeriesCube` from employment by industry code and the codes of each unit.

    Parameters
    ----------
    codes
        ``area_code, industry_code, year, value``: every industry code at the
        finest level (a code absent in an area and year employs no one); the
        area totals are their sums (a frame, or its columns as arrays). Or a
        cube whose code array is reused.
    mapping
        ``unit_code, industry_code``; a code may belong to several units.
    units
        Order of the units (default their order in *mapping*).
    """
    if isinstance(codes, SeriesCube):
        areas, code_labels, years, x = codes.areas, codes.code_labels, codes.years, codes.codes
    else:
        a, area_labels = pd.factorize(codes["area_code"], sort=True)
        c, labels = pd.factorize(codes["industry_code"], sort=True)
        y, year_labels = pd.factorize(codes["year"], sort=True)
        shape = (len(area_labels), len(labels), len(year_labels))
        flat = np.ravel_multi_index((a, c, y), shape)
        weights = np.nan_to_num(np.asarray(codes["value"], dtype=float))
        x = np.bincount(flat, weights=weights, minlength=int(np.prod(shape))).reshape(shape)
        areas = tuple(str(v) for v in area_labels)
        code_labels = tuple(str(v) for v in labels)
        years = tuple(int(v) for v in year_labels)
    order = list(units) if units is not None else list(dict.fromkeys(mapping["unit_code"].astype(str)))
    unit_pos = {u: i for i, u in enumerate(order)}
    code_pos = {k: i for i, k in enumerate(code_labels)}
    pairs = [
        (code_pos[str(k)], unit_pos[str(u)])
        for u, k in zip(mapping["unit_code"], mapping["industry_code"], strict=True)
        if str(u) in unit_pos and str(k) in code_pos
    ]
    code_of = np.asarray([p[0] for p in pairs], dtype=int)
    unit_of = np.asarray([p[1] for p in pairs], dtype=int)
    member = np.zeros((len(code_labels), len(order)))
    member[code_of, unit_of] = 1.0
    values = np.tensordot(x, member, axes=([1], [0])).transpose(0, 2, 1)  # [area, unit, year]
    return SeriesCube(
        areas=areas,
        units=tuple(order),
        years=years,
        values=values,
        totals=x.sum(axis=1),
        codes=x,
        code_labels=code_labels,
        pairs=(code_of, unit_of),
    )


def share_trends(values: np.ndarray, totals: np.ndarray, years: Sequence[int]) -> dict[str, np.ndarray]:
    """Start-year jobs, location quotient and differential growth of every ``[area, unit]`` series.

    Parameters
    ----------
    values
        ``[area, unit, year]`` over the window (pre-Covid years only).
    totals
        ``[area, year]`` all-industry jobs.
    years
        The window's years.

    Returns
    -------
    dict
        ``start`` (jobs in the first year), ``lq`` (location quotient in the
        first year against all areas), ``slope`` (Theil–Sen slope of the log
        share of the national unit) and ``d`` (:math:`e^{slope} - 1`), each
        ``[area, unit]``.

    Examples
    --------
    An area whose share of the national cluster rises 2% a year:

    >>> import numpy as np
    >>> own = 100 * 1.02 ** np.arange(5)
    >>> values = np.stack([own, 1000 - own])[:, None, :]
    >>> trends = share_trends(values, np.full((2, 5), 5000.0), range(2015, 2020))
    >>> round(float(trends["d"][0, 0]), 4), round(float(trends["lq"][0, 0]), 2)
    (0.02, 0.2)
    """
    v = np.asarray(values, dtype=float)
    national = v.sum(axis=0, keepdims=True)
    with np.errstate(divide="ignore", invalid="ignore"):
        share = np.log(v / national)
        share[~np.isfinite(share)] = np.nan
    lq = location_quotient(v[:, :, 0], totals[:, None, 0], national[None, 0, :, 0], totals[:, 0].sum())
    slope = theil_sen_slope(share, list(years))
    return {"start": v[:, :, 0], "lq": lq, "slope": slope, "d": np.expm1(slope)}


def additional_jobs(baseline_jobs: np.ndarray | float, d: np.ndarray | float, horizon: int) -> np.ndarray:
    r"""Jobs above the baseline when a cluster grows *d* a year faster than the national trend: never below 0.

    Notes
    -----
    :math:`\Delta e = \max(0,\ B_T ((1 + d)^h - 1))` with :math:`B_T` the
    baseline jobs at the target year and :math:`h` the years from the
    jump-off. The baseline carries the national (and the region's own)
    trend, so only growth above it is counted, whatever the baseline method.

    Examples
    --------
    5,500 baseline jobs in 2030, 1% a year above the national trend from 2021,
    and a cluster losing ground (no additional jobs):

    >>> additional_jobs(np.array([5500.0, 5500.0]), np.array([0.01, -0.02]), 9).round(2).tolist()
    [515.27, 0.0]
    """
    if horizon < 1:
        raise ParameterError(f"the target year must be after the jump-off year (horizon {horizon})")
    raw = np.asarray(baseline_jobs, dtype=float) * (np.power(1.0 + np.asarray(d, dtype=float), horizon) - 1.0)
    return np.where(raw < 0, 0.0, raw)


def band_of(steps: Sequence[float]) -> list[float]:
    """Band factors, checked: each above 1, increasing; 0 or inf means any size.

    Examples
    --------
    >>> band_of([3, 5, 10, 0])
    [3.0, 5.0, 10.0, inf]
    """
    factors = [np.inf if float(s) == 0 else float(s) for s in steps]
    if not factors or any(f <= 1 for f in factors) or factors != sorted(factors):
        raise ParameterError(f"size band steps must be increasing factors above 1 (0 = any size), not {list(steps)}")
    return factors


def comparator_masks(
    start: np.ndarray,
    eligible: np.ndarray,
    focus: Sequence[int] | np.ndarray,
    steps: Sequence[float],
    min_comparators: int,
) -> tuple[np.ndarray, np.ndarray]:
    """Comparators of each focus area's units: eligible, not the focus, within the narrowest band with enough.

    Parameters
    ----------
    start
        ``[area, unit]`` start-year jobs.
    eligible
        ``[area, unit]``: LQ, size and no jump (everything but the band).
    focus
        Indices of the focus areas.
    steps
        Band factors, narrowest first (:func:`band_of`).
    min_comparators
        Widen the band until at least this many.

    Returns
    -------
    (mask, factor)
        *mask* ``[focus, area, unit]``; *factor* ``[focus, unit]``, the band
        used (the widest when even it has too few).

    Examples
    --------
    >>> import numpy as np
    >>> start = np.array([[100.0], [250.0], [900.0], [5000.0]])
    >>> mask, factor = comparator_masks(start, np.ones((4, 1), bool), [0], [3, 10, np.inf], 2)
    >>> mask[0, :, 0].tolist(), factor.tolist()
    ([False, True, True, False], [[10.0]])
    """
    focus = np.asarray(focus, dtype=int)
    own = start[focus]  # [focus, unit]
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = start[None, :, :] / own[:, None, :]  # [focus, area, unit]
    base = eligible[None, :, :] & np.isfinite(ratio)
    base[np.arange(focus.size), focus, :] = False
    mask = np.zeros(base.shape, dtype=bool)
    factor = np.full(own.shape, steps[-1], dtype=float)
    settled = np.zeros(own.shape, dtype=bool)
    for f in steps:
        inside = base & (ratio <= f) & (ratio >= 1.0 / f) if np.isfinite(f) else base
        enough = (inside.sum(axis=1) >= min_comparators) & ~settled
        last = f == steps[-1]
        take = ~settled if last else enough
        mask |= inside & take[:, None, :]
        factor = np.where(take, f, factor)
        settled |= take
    return mask, factor


def masked_percentiles(values: np.ndarray, mask: np.ndarray, q: Sequence[float]) -> np.ndarray:
    """Percentiles (linear interpolation, as :func:`numpy.percentile`) of *values* where *mask*, along axis -2.

    Parameters
    ----------
    values
        ``[area, unit]``.
    mask
        ``[..., area, unit]``.
    q
        Percentiles, 0-100.

    Returns
    -------
    numpy.ndarray
        ``[len(q), ..., unit]``; NaN where the mask selects nothing.

    Examples
    --------
    >>> import numpy as np
    >>> v = np.array([[1.0], [2.0], [3.0], [10.0]])
    >>> masked_percentiles(v, np.array([True, True, True, False])[:, None], [50, 75]).ravel().tolist()
    [2.0, 2.5]
    """
    v = np.broadcast_to(np.asarray(values, dtype=float), mask.shape)
    keyed = np.where(mask & np.isfinite(v), v, np.inf)
    ordered = np.sort(keyed, axis=-2)
    n = (mask & np.isfinite(v)).sum(axis=-2)
    out = []
    for p in q:
        pos = np.clip((float(p) / 100.0) * (n - 1), 0, None)
        lo = np.floor(pos).astype(int)
        hi = np.minimum(lo + 1, np.maximum(n - 1, 0))
        weight = pos - lo
        low = np.take_along_axis(ordered, lo[..., None, :], axis=-2)[..., 0, :]
        high = np.take_along_axis(ordered, hi[..., None, :], axis=-2)[..., 0, :]
        with np.errstate(invalid="ignore"):
            value = np.where(weight > 0, low + weight * (high - low), low)
        out.append(np.where(n > 0, value, np.nan))
    return np.stack(out)


def size_band_caps(start: np.ndarray, d: np.ndarray, edges: Sequence[float], percentile: float) -> pd.DataFrame:
    """The cap of differential growth for each size band: a high percentile of every series' observed *d*.

    Parameters
    ----------
    start, d
        Start-year jobs and differential growth of every observed series
        (any shape, flattened).
    edges
        Band edges in jobs, e.g. ``[1000, 2500, 10000, 50000]``: bands below
        the first edge, between edges and above the last.
    percentile
        0-100.

    Returns
    -------
    pandas.DataFrame
        ``band, lower, upper, series, cap`` (the percentile of *d*).

    Examples
    --------
    >>> import numpy as np
    >>> caps = size_band_caps(np.array([500.0, 600, 5000, 6000]), np.array([0.1, 0.3, 0.01, 0.03]), [1000], 50)
    >>> caps[["band", "series", "cap"]].values.tolist()
    [['under 1,000', 2, 0.2], ['1,000 or more', 2, 0.02]]
    """
    s = np.asarray(start, dtype=float).ravel()
    g = np.asarray(d, dtype=float).ravel()
    bounds = [0.0, *[float(e) for e in edges], np.inf]
    rows = []
    for lower, upper in itertools.pairwise(bounds):
        inside = (s >= lower) & (s < upper) & np.isfinite(g) & (s > 0)
        label = (
            f"under {upper:,.0f}"
            if lower == 0
            else (f"{lower:,.0f} or more" if not np.isfinite(upper) else f"{lower:,.0f}-{upper:,.0f}")
        )
        cap = float(np.percentile(g[inside], percentile)) if inside.any() else np.nan
        rows.append({"band": label, "lower": lower, "upper": upper, "series": int(inside.sum()), "cap": cap})
    return pd.DataFrame(rows)


def caps_for(start: np.ndarray, caps: pd.DataFrame) -> np.ndarray:
    """The cap of each series' size band (``start`` any shape), from :func:`size_band_caps`."""
    s = np.asarray(start, dtype=float)
    idx = np.searchsorted(caps["lower"].to_numpy(dtype=float), s, side="right") - 1
    idx = np.clip(idx, 0, len(caps) - 1)
    return caps["cap"].to_numpy(dtype=float)[idx]


#: Columns of the comparators table of :func:`region_comparators`.
SIMILAR_COMPARATOR_COLUMNS = [
    "unit_code",
    "area_code",
    "role",
    "window_start",
    "window_end",
    "start_employment",
    "end_employment",
    "size_ratio",
    "lq_start",
    "differential_growth",
    "kept",
    "reason",
]


def _comparator_table(
    cube: SeriesCube,
    roles: list[str],
    reasons: list[str],
    window: tuple[int, int],
    start: np.ndarray,
    end: np.ndarray,
    own_start: np.ndarray,
    lq: np.ndarray,
    d: np.ndarray,
    mask: np.ndarray,
) -> pd.DataFrame:
    """:func:`region_comparators`' table (a row per unit and area, units outer; *start* to *mask* areas x units),
    made column by column from arrays rather than from a tuple per row, which pandas took ~10 ms to sort into
    typed columns: each column as it was inferred from the rows (float64, int64 years, bool, text)."""
    units, areas = list(cube.units), list(cube.areas)
    if not units or not areas:
        return pd.DataFrame([], columns=SIMILAR_COMPARATOR_COLUMNS)
    n = len(units) * len(areas)
    start_jobs = np.asarray(start, dtype=float).T.ravel()
    own = np.repeat(np.asarray(own_start, dtype=float), len(areas))
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.where(own > 0, start_jobs / np.where(own > 0, own, 1.0), np.nan)
    columns = dict(
        zip(
            SIMILAR_COMPARATOR_COLUMNS,
            (
                [unit for unit in units for _ in areas],
                areas * len(units),
                roles,
                np.full(n, int(window[0]), dtype=np.int64),
                np.full(n, int(window[1]), dtype=np.int64),
                start_jobs,
                np.asarray(end, dtype=float).T.ravel(),
                ratio,
                np.asarray(lq, dtype=float).T.ravel(),
                np.asarray(d, dtype=float).T.ravel(),
                np.asarray(mask, dtype=bool).T.ravel(),
                reasons,
            ),
            strict=True,
        )
    )
    return pd.DataFrame(columns)


def window_trends(cube: SeriesCube, start: int, end: int, rule: Any) -> tuple[dict[str, np.ndarray], np.ndarray]:
    """:func:`share_trends` and the one-off jump flags (:func:`~clusterplan.scenarios.jumps.jump_mask` with
    *rule*) of every series of *cube* over ``start..end``: the same for every region, so computed once per cube
    (kept in ``cube.memo``; callers only read them)."""
    from .jumps import jump_mask

    key = ("trends", start, end, rule)
    if key not in cube.memo:
        values, totals, codes, years = cube.window(start, end)
        trends = share_trends(values, totals, years)
        jumped, _, _ = jump_mask(values, codes, cube.pairs, rule)
        cube.memo[key] = (trends, jumped)
    found: tuple[dict[str, np.ndarray], np.ndarray] = cube.memo[key]
    return found


def _window_jumps(cube: SeriesCube, start: int, end: int, rule: Any) -> tuple[pd.DataFrame, dict[tuple[str, str], str]]:
    """The one-off jumps of every series of *cube* over ``start..end``
    (:func:`~clusterplan.scenarios.jumps.jump_table`) and the first reason of each area and unit, once per cube."""
    from .jumps import jump_table

    key = ("jumps", start, end, rule)
    if key not in cube.memo:
        values, _, codes, years = cube.window(start, end)
        jumps = jump_table(
            values,
            codes,
            cube.pairs,
            areas=cube.areas,
            units=cube.units,
            codes=cube.code_labels,
            years=years,
            rule=rule,
        )
        reason = (
            {
                (str(a), str(u)): str(t)
                for a, u, t in jumps.groupby(["area_code", "unit_code"])["reason"].first().reset_index().values
            }
            if not jumps.empty
            else {}
        )
        cube.memo[key] = (jumps, reason)
    found: tuple[pd.DataFrame, dict[tuple[str, str], str]] = cube.memo[key]
    return found


def region_comparators(
    cube: SeriesCube,
    focus_region: str,
    *,
    window: tuple[int, int],
    percentiles: dict[str, float],
    caps: pd.DataFrame,
    lq_threshold: float = 1.0,
    min_employment: float = 1000.0,
    band_steps: Sequence[float] = (3.0, 5.0, 10.0, 0.0),
    min_comparators: int = 5,
    exclude_areas: Sequence[str] = (),
    jump_rule: Any = None,
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """The region's similar comparators per unit, their differential growth, and the scenario rates.

    Parameters
    ----------
    cube
        Every area's units (:func:`series_cube`).
    focus_region
        The region.
    window
        Pre-Covid reference years ``(start, end)``.
    percentiles
        Scenario name -> percentile of the comparators' differential growth
        (e.g. ``{"low": 75, "central": 85, "high": 95}``).
    caps
        :func:`size_band_caps`; each rate is capped at its size band's cap.
    lq_threshold, min_employment, band_steps, min_comparators, exclude_areas
        The comparator rule.
    jump_rule
        :class:`~clusterplan.scenarios.jumps.JumpRule` (default thresholds).

    Returns
    -------
    (rates, comparators, jumps)
        *rates*: one row per unit: ``unit_code, own_start, own_differential_growth,
        own_jump, comparators, band_factor, band_low, band_high, size_band,
        leading_region, leader_growth`` and for each scenario ``d_<name>``
        (capped) and ``d_<name>_uncapped``, then ``cap`` and ``capped`` (the
        ``high`` rate, or the last, is above its cap).
        *comparators*: :data:`SIMILAR_COMPARATOR_COLUMNS`, every other area
        (and the region itself, ``role`` ``region``) with why it is or is not
        kept. *jumps*: :func:`~clusterplan.scenarios.jumps.jump_table` rows.
    """
    from .jumps import JumpRule

    rule = jump_rule or JumpRule()
    if focus_region not in cube.areas:
        raise ParameterError(f"region {focus_region} is not in the employment data")
    values = cube.window(int(window[0]), int(window[1]))[0]
    trends, jumped = window_trends(cube, int(window[0]), int(window[1]), rule)
    jumps, jump_reason = _window_jumps(cube, int(window[0]), int(window[1]), rule)
    jumps = jumps.copy()
    areas = np.asarray(cube.areas)
    excluded = np.isin(areas, list(exclude_areas))[:, None]
    finite = np.isfinite(trends["d"])
    lq_ok = trends["lq"] >= lq_threshold
    big = trends["start"] >= min_employment
    eligible = lq_ok & big & ~jumped & finite & ~excluded
    r = cube.areas.index(focus_region)
    steps = band_of(band_steps)
    mask, factor = comparator_masks(trends["start"], eligible, [r], steps, min_comparators)
    mask, factor = mask[0], factor[0]
    names = list(percentiles)
    raw = masked_percentiles(trends["d"], mask[None], [percentiles[n] for n in names])[:, 0, :]
    own_start = trends["start"][r]
    cap = caps_for(own_start, caps)
    # The columns in the order they were once set one by one, made at once: setting ~20 columns one at a time
    # rebuilt the frame's text labels on each (about a third of this function's time).
    columns: dict[str, Any] = {"unit_code": list(cube.units)}
    columns["own_start"] = own_start
    columns["own_differential_growth"] = trends["d"][r]
    columns["own_jump"] = jumped[r]
    columns["comparators"] = mask.sum(axis=0)
    columns["band_factor"] = factor
    # An "any size" band (infinite factor) has no bounds; a width of 1 there keeps 0 jobs x inf (NaN, warned of)
    # out of the products np.where would discard.
    bounded = np.isfinite(factor)
    width = np.where(bounded, factor, 1.0)
    columns["band_low"] = np.where(bounded, own_start / width, 0.0)
    columns["band_high"] = np.where(bounded, own_start * width, np.inf)
    columns["size_band"] = [
        (f"1/{f:g}x-{f:g}x ({lo:,.0f}-{hi:,.0f} jobs)" if np.isfinite(f) else "any size")
        for f, lo, hi in zip(factor, columns["band_low"], columns["band_high"], strict=True)
    ]
    d = np.where(mask, trends["d"], -np.inf)
    best = d.argmax(axis=0)
    has = mask.any(axis=0)
    columns["leading_region"] = [str(areas[b]) if h else None for b, h in zip(best, has, strict=True)]
    columns["leader_growth"] = np.where(has, d[best, np.arange(d.shape[1])], np.nan)
    for k, name in enumerate(names):
        columns[f"d_{name}_uncapped"] = raw[k]
        columns[f"d_{name}"] = np.minimum(raw[k], cap)
    columns["cap"] = cap
    capped_by = "high" if "high" in names else (names[-1] if names else None)
    columns["capped"] = np.asarray(raw[names.index(capped_by)] > cap) if capped_by is not None else False
    rates = pd.DataFrame(columns)

    w0, w1 = int(window[0]), int(window[1])
    roles, reasons = [], []
    for u, unit in enumerate(cube.units):
        for a, area in enumerate(cube.areas):
            start_jobs = float(trends["start"][a, u])
            ratio = start_jobs / own_start[u] if own_start[u] > 0 else np.nan
            if a == r:
                role = "region"
                reason = jump_reason.get((area, unit), "the region's own series: no one-off jump")
            else:
                role = "comparator" if mask[a, u] else "not a comparator"
                if excluded[a, 0]:
                    reason = "excluded by parameter"
                elif not lq_ok[a, u]:
                    reason = f"LQ {trends['lq'][a, u]:.2f} < {lq_threshold:g} in {w0}"
                elif not big[a, u]:
                    reason = f"{start_jobs:,.0f} jobs < {min_employment:,.0f} in {w0}"
                elif jumped[a, u]:
                    reason = jump_reason.get((area, unit), "one-off jump")
                elif not finite[a, u]:
                    reason = f"differential growth undefined over {w0}-{w1}"
                elif not mask[a, u]:
                    reason = f"outside the size band ({ratio:.2f}x the region's {own_start[u]:,.0f} jobs)"
                else:
                    reason = (
                        f"similar: LQ {trends['lq'][a, u]:.2f}, {start_jobs:,.0f} jobs ({ratio:.2f}x the region's) "
                        f"in {w0}"
                    )
            roles.append(role)
            reasons.append(reason)
    table = _comparator_table(
        cube, roles, reasons, (w0, w1), trends["start"], values[:, :, -1], own_start, trends["lq"], trends["d"], mask
    )
    return rates, table, jumps
