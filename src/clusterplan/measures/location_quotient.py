"""Location quotient: a region's specialisation in an industry or cluster relative to a benchmark.

Also the interval the true LQ lies in when the published counts are rounded (NOMIS rounds BRES to size-banded
bases) or suppressed: bounds on each published cell, summed to clusters and totals, then carried exactly through
the LQ ratio, whose numerator and denominator share terms.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import pandas as pd

from .._exceptions import DataValidationError, ParameterError, UnknownCodeError
from .._schema import FLAG_MISSING, FLAG_ZERO_MAY_BE_SUPPRESSED
from .panel import PANEL_COLUMNS

__all__ = [
    "INTERVAL_PANEL_COLUMNS",
    "NOMIS_BRES_PUBLIC",
    "NOMIS_BRES_PUBLIC_RELAXED",
    "NOMIS_BRES_SAFEGUARDED",
    "ROUNDING_RULES",
    "RoundingRule",
    "location_quotient",
    "location_quotient_interval",
    "location_quotient_interval_panel",
    "published_value_bounds",
]


def location_quotient(
    regional: npt.ArrayLike,
    regional_total: npt.ArrayLike,
    benchmark: npt.ArrayLike,
    benchmark_total: npt.ArrayLike,
) -> np.ndarray:
    r"""Location quotient of employment (or any size measure).

    Parameters
    ----------
    regional
        :math:`e_{ir}`, employment in industry or cluster *i* in region *r*.
    regional_total
        :math:`e_r`, total employment in region *r* (all industries).
    benchmark
        :math:`E_i`, employment in *i* in the benchmark (e.g. Great Britain).
    benchmark_total
        :math:`E`, total employment in the benchmark.

    Returns
    -------
    numpy.ndarray
        :math:`LQ_{ir}`; NaN where the benchmark has no employment in *i* or a
        total is zero (the quotient is undefined, not zero).

    Notes
    -----
    .. math::

        LQ_{ir} = \frac{e_{ir} / e_r}{E_i / E}

    An LQ above 1 means *i* has a larger share of the region's employment than
    of the benchmark's: the region is specialised in *i*. Whether the benchmark
    includes the region (as Great Britain includes each of its regions) is the
    caller's choice; the US Cluster Mapping Project uses the national total.

    References
    ----------
    Isard, W. (1960). *Methods of Regional Analysis*. MIT Press, ch. 7.
    Miller, R. E. and Blair, P. D. (2009). *Input-Output Analysis*, 2nd ed.,
    Cambridge University Press, section 8.2.1.

    Examples
    --------
    A region with 2,000 of its 50,000 jobs in a cluster that has 100,000 of a
    nation's 10,000,000 jobs is four times as specialised as the nation:

    >>> float(location_quotient(2_000, 50_000, 100_000, 10_000_000))
    4.0
    """
    e_ir, e_r, e_i, e = (np.asarray(x, dtype=float) for x in (regional, regional_total, benchmark, benchmark_total))
    with np.errstate(divide="ignore", invalid="ignore"):
        lq = (e_ir / e_r) / (e_i / e)
    return np.where(np.isfinite(lq), lq, np.nan)


# ---------------------------------------------------------------------------------------------------------------------
# Intervals: how far the true location quotient can lie from the published one when the inputs are rounded.
# ---------------------------------------------------------------------------------------------------------------------

Bounds = tuple[npt.ArrayLike, npt.ArrayLike]

# Columns of :func:`location_quotient_interval_panel`: the columns of ``measure_panel`` plus the bounds.
INTERVAL_PANEL_COLUMNS = [
    *PANEL_COLUMNS,
    "employment_low",
    "employment_high",
    "area_total_low",
    "area_total_high",
    "benchmark_employment_low",
    "benchmark_employment_high",
    "benchmark_total_low",
    "benchmark_total_high",
    "lq_low",
    "lq_high",
]


@dataclass(frozen=True)
class RoundingRule:
    """A size-banded rounding rule of a statistical publisher.

    Attributes
    ----------
    name
        Key in :data:`ROUNDING_RULES`.
    band_floors
        Lower edge of each size band of the *true* value, ascending, starting at 0;
        band *k* is ``[band_floors[k], band_floors[k + 1])`` and the last band is open.
    bases
        For each band, every rounding base the publisher may have used there
        (e.g. a relaxed and a strict base): the published value is the true value
        rounded to the nearest multiple of one of them.
    description
        Where the rule comes from.
    """

    name: str
    band_floors: tuple[float, ...]
    bases: tuple[tuple[float, ...], ...]
    description: str

    def zero_bound(self) -> float:
        """The largest true value the rule can publish as 0 (half the largest base of the first band)."""
        return max(self.bases[0]) / 2


#: NOMIS open-access (public) BRES: each estimate is rounded to a base that grows with its size, with a
#: coarser "strict" base for disclosive cells (fewer than 3 enterprises or a dominant contributor).
#: A published value does not say which base was used, so both are allowed.
NOMIS_BRES_PUBLIC = RoundingRule(
    name="nomis_bres_public",
    band_floors=(0, 50, 250, 500, 1_000, 2_500, 5_000),
    bases=((5, 10), (25, 50), (50, 100), (100, 200), (250, 500), (500, 1_000), (1_000, 2_000)),
    description="NOMIS, 'Rounding of Business Register and Employment Survey estimates' (nomisweb.co.uk article "
    "1103), public access, relaxed and strict rounding",
)

#: NOMIS open-access BRES assuming every cell got the relaxed base: narrower bounds, but a disclosive cell
#: (strict rounding) can fall outside them. For sensitivity checks, not as a guarantee.
NOMIS_BRES_PUBLIC_RELAXED = RoundingRule(
    name="nomis_bres_public_relaxed",
    band_floors=(0, 50, 250, 500, 1_000, 2_500, 5_000),
    bases=((5,), (25,), (50,), (100,), (250,), (500,), (1_000,)),
    description="NOMIS article 1103, public access, relaxed rounding only (assumes no disclosive cells)",
)

#: NOMIS safeguarded (End User Licence) BRES: finer bases than the open-access release.
NOMIS_BRES_SAFEGUARDED = RoundingRule(
    name="nomis_bres_safeguarded",
    band_floors=(0, 50, 250, 500, 1_000, 2_500, 5_000),
    bases=((5,), (10, 25), (25, 50), (50, 100), (125, 250), (250, 500), (500, 1_000)),
    description="NOMIS, 'Rounding of Business Register and Employment Survey estimates' (nomisweb.co.uk article "
    "1103), safeguarded (EUL) access, relaxed and strict rounding",
)

#: Named rounding rules accepted by :func:`published_value_bounds`.
ROUNDING_RULES: dict[str, RoundingRule] = {
    rule.name: rule for rule in (NOMIS_BRES_PUBLIC, NOMIS_BRES_PUBLIC_RELAXED, NOMIS_BRES_SAFEGUARDED)
}


def _rule(rounding: float | str | RoundingRule) -> RoundingRule:
    if isinstance(rounding, RoundingRule):
        return rounding
    if isinstance(rounding, str):
        if rounding not in ROUNDING_RULES:
            raise UnknownCodeError("rounding rule", rounding, sorted(ROUNDING_RULES))
        return ROUNDING_RULES[rounding]
    base = float(rounding)
    if not np.isfinite(base) or base < 0:
        raise ParameterError(f"rounding base must be a number >= 0 (0 = exact values), not {rounding!r}")
    return RoundingRule(name=f"nearest {base:g}", band_floors=(0,), bases=((base,),), description="flat rounding")


def published_value_bounds(
    published: npt.ArrayLike,
    *,
    rounding: float | str | RoundingRule = "nomis_bres_public",
    suppressed: npt.ArrayLike | None = None,
    suppression_max: float | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    r"""Smallest and largest true values consistent with rounded, possibly suppressed, published counts.

    Parameters
    ----------
    published
        Published counts (NaN for a missing cell: its bounds are NaN).
    rounding
        A rule name from :data:`ROUNDING_RULES` (default ``"nomis_bres_public"``, the
        rule of the open-access BRES on NOMIS), a :class:`RoundingRule`, or a number:
        a flat rounding base (``5`` = nearest 5; ``0`` = exact values, e.g. County
        Business Patterns).
    suppressed
        Boolean per cell: the cell may be suppressed (the ``zero_may_be_suppressed``
        flag). Its bounds become ``[0, max(rule bound, suppression_max)]``.
    suppression_max
        Largest true value a suppressed cell may hide. Default: the largest value
        the rounding rule itself publishes as 0 (5 for ``nomis_bres_public``).
        Cells withheld with a NOMIS ``OBS_STATUS`` code can hide more: pass a
        larger number for them.

    Returns
    -------
    (numpy.ndarray, numpy.ndarray)
        Lower and upper bounds, same shape as *published*.

    Raises
    ------
    DataValidationError
        A published value is negative, or is not a multiple of any base the rule
        allows for it (the data were not rounded by this rule); the message gives
        the 1-based position and the value.

    Notes
    -----
    A true value :math:`v` in size band :math:`[L_k, U_k)` rounded to base
    :math:`b` is published as :math:`p` when :math:`|v - p| \le b/2`. The
    bounds are the hull, over every band *k* and base *b* with
    :math:`p \equiv 0 \pmod b`, of :math:`[p - b/2,\, p + b/2] \cap [L_k, U_k)
    \cap [0, \infty)`. Ties are taken as reachable from both sides (closed
    intervals), so the bounds are never too narrow.

    The NOMIS rule for open-access BRES (article 1103, "Rounding of Business
    Register and Employment Survey estimates") rounds an estimate of 1-49 to
    base 5 (strict: 10), 50-249 to 25 (50), 250-499 to 50 (100), 500-999 to 100
    (200), 1,000-2,499 to 250 (500), 2,500-4,999 to 500 (1,000) and 5,000 or
    more to 1,000 (2,000). Relaxed rounding applies to cells with at least 3
    enterprises and no dominant contributor, strict rounding to the rest; the
    published file does not say which, so both bases are allowed where the
    value is a multiple of both. Every value in the 2015-2021 ITL2 x SIC
    5-digit file obeys it (values of 50-249 are all multiples of 25, of 5,000
    or more all multiples of 1,000). So a published 15,000 lies in
    [14,500, 15,500], a published 1,000 in [900, 1,250] (an estimate of
    900-999 rounded to 200 gives 1,000 too), a published 0 in [0, 5].

    These bounds cover publication rounding and suppression only, not the
    sampling error of the survey.

    References
    ----------
    NOMIS (2016). Rounding of Business Register and Employment Survey estimates.
    https://www.nomisweb.co.uk/articles/1103.aspx

    Examples
    --------
    >>> low, high = published_value_bounds([0, 45, 1_000, 15_000])
    >>> low.tolist(), high.tolist()
    ([0.0, 42.5, 900.0, 14500.0], [5.0, 47.5, 1250.0, 15500.0])
    >>> low, high = published_value_bounds([20, 0], rounding=5, suppressed=[False, True], suppression_max=10)
    >>> low.tolist(), high.tolist()
    ([17.5, 0.0], [22.5, 10.0])
    """
    rule = _rule(rounding)
    p = np.asarray(published, dtype=float)
    flat = np.atleast_1d(p).ravel()
    known = ~np.isnan(flat)
    negative = known & (flat < 0)
    if negative.any():
        i = int(np.flatnonzero(negative)[0])
        raise DataValidationError(f"published value {flat[i]:g} is negative", row=i + 1, column="value")
    low = np.full(flat.shape, np.inf)
    high = np.full(flat.shape, -np.inf)
    ceilings = (*rule.band_floors[1:], np.inf)
    for floor, ceiling, bases in zip(rule.band_floors, ceilings, rule.bases, strict=True):
        for base in bases:
            if base == 0:
                multiple = np.ones(flat.shape, dtype=bool)
            else:
                multiple = np.abs(np.round(flat / base) * base - flat) <= 1e-9 * np.maximum(1, flat)
            lo = np.maximum(np.maximum(flat - base / 2, floor), 0)
            hi = np.minimum(flat + base / 2, ceiling)
            # the band is half-open: a true value can reach up to, not onto, the next band's floor
            reachable = known & multiple & (lo <= hi) & ((lo < ceiling) | np.isinf(ceiling))
            low = np.where(reachable, np.minimum(low, lo), low)
            high = np.where(reachable, np.maximum(high, hi), high)
    unmatched = known & np.isinf(low)
    if unmatched.any():
        i = int(np.flatnonzero(unmatched)[0])
        raise DataValidationError(
            f"published value {flat[i]:g} is not a multiple of any base the {rule.name!r} rounding rule allows",
            row=i + 1,
            column="value",
            hint="pass rounding=0 for unrounded data, or the publisher's rounding base",
        )
    if suppressed is not None:
        flagged = np.atleast_1d(np.asarray(suppressed, dtype=bool)).ravel() & known
        ceiling_value = rule.zero_bound() if suppression_max is None else float(suppression_max)
        low = np.where(flagged, 0.0, low)
        high = np.where(flagged, np.maximum(high, ceiling_value), high)
    lower: np.ndarray = np.where(known, low, np.nan).reshape(p.shape)
    upper: np.ndarray = np.where(known, high, np.nan).reshape(p.shape)
    return lower, upper


def _share_of_cluster_lq(x: np.ndarray, a: np.ndarray, b: np.ndarray, c: np.ndarray) -> np.ndarray:
    """``x (x + c) / ((x + a)(x + b))``, with its limit as x -> 0+ where x is 0."""
    with np.errstate(divide="ignore", invalid="ignore"):
        value = x * (x + c) / ((x + a) * (x + b))
        limit = np.where(
            (a > 0) & (b > 0), 0.0, np.where(b > 0, c / b, np.where(a > 0, c / a, np.where(c > 0, np.inf, 1.0)))
        )
    return np.where(x == 0, limit, value)


def location_quotient_interval(
    regional: Bounds,
    regional_total: Bounds,
    benchmark: Bounds,
    benchmark_total: Bounds,
    *,
    region_in_benchmark: npt.ArrayLike = True,
    nested: npt.ArrayLike = True,
) -> tuple[np.ndarray, np.ndarray]:
    r"""Exact lower and upper bounds of the location quotient when its four inputs are only known to lie in ranges.

    Parameters
    ----------
    regional, regional_total, benchmark, benchmark_total
        ``(low, high)`` bounds of :math:`e_{ir}`, :math:`e_r`, :math:`E_i`,
        :math:`E` (arrays broadcast together). Each bound must be a sum of
        per-cell bounds over the cells of that aggregate (as
        :func:`published_value_bounds` gives them), because the bounds of the
        disjoint parts are obtained by subtracting them (see Notes).
    region_in_benchmark
        True where the region is one of the benchmark areas (a region of Great
        Britain against Great Britain): then :math:`e_{ir}` is part of
        :math:`E_i` and :math:`e_r` of :math:`E`. False for a peer-group
        benchmark that excludes the region.
    nested
        True where the industries of *i* are among those of the totals (always,
        unless totals are restricted to, say, traded industries and the cluster
        contains non-traded ones). Where False, the four inputs are treated as
        independent, which gives wider (still valid) bounds.

    Returns
    -------
    (numpy.ndarray, numpy.ndarray)
        ``lq_low, lq_high``; NaN where the LQ is undefined throughout (a zero
        total), ``inf`` where it is unbounded above.

    Notes
    -----
    Split the cells into four disjoint, independently varying parts:
    :math:`x = e_{ir}`, :math:`y = e_r - e_{ir}` (the rest of the region),
    :math:`z = E_i - e_{ir}` (the cluster in the rest of the benchmark) and
    :math:`w = E - e_r - E_i + e_{ir}` (everything else). Their bounds follow
    from the inputs' by inclusion-exclusion, e.g. :math:`w_{low} = E_{low} -
    e_{r,low} - E_{i,low} + e_{ir,low}`, which is exact for sums of per-cell
    bounds. With the region inside the benchmark

    .. math::

        LQ = \frac{x\,(x + y + z + w)}{(x + y)\,(x + z)} .

    :math:`\partial LQ / \partial y = -x (x + z)(z + w) / D \le 0`, likewise
    for *z*, and :math:`\partial LQ/\partial w \ge 0`, so the minimum has *y*,
    *z* high and *w* low, the maximum the reverse. *LQ* is **not** monotone in
    *x*: raising a region's cluster employment also raises the benchmark's. With
    :math:`a = y, b = z, c = y + z + w`, :math:`d \ln LQ / dx` has the sign of
    :math:`N(x) = -w x^2 + 2abx + abc`, a concave parabola with
    :math:`N(0) \ge 0`: *LQ* rises up to
    :math:`x^* = (ab + \sqrt{a^2 b^2 + w\,abc}) / w` and falls after. So the
    maximum is at :math:`x^*` clipped to :math:`[x_{low}, x_{high}]`, and the
    minimum at whichever end of that range is lower. Evaluating only the corners
    with *x* low for the minimum and high for the maximum is wrong when the
    region holds most of the cluster (see the example).

    With the region outside the benchmark, :math:`LQ = \frac{x}{x + y}
    \cdot \frac{E}{E_i}` is monotone in *x*, *y*, :math:`E_i` and
    :math:`E - E_i`, and the bounds are at the corners.

    Examples
    --------
    Region A publishes 100 in the cluster and 900 elsewhere; region B 0 (maybe
    suppressed, up to 5) and 1,000; counts are rounded to the nearest 10. A's
    LQ is 2.0; its lowest value has A's cluster at its *high* end (105):

    >>> low, high = location_quotient_interval((95, 105), (990, 1010), (95, 110), (1985, 2020))
    >>> round(float(low), 6), round(float(high), 6)
    (1.89964, 2.015152)
    """
    xl, xh = (np.asarray(v, dtype=float) for v in regional)
    rl, rh = (np.asarray(v, dtype=float) for v in regional_total)
    il, ih = (np.asarray(v, dtype=float) for v in benchmark)
    tl, th = (np.asarray(v, dtype=float) for v in benchmark_total)
    inside = np.asarray(region_in_benchmark, dtype=bool)
    is_nested = np.asarray(nested, dtype=bool)
    xl, xh, rl, rh, il, ih, tl, th, inside, is_nested = np.broadcast_arrays(
        xl, xh, rl, rh, il, ih, tl, th, inside, is_nested
    )
    # Disjoint parts; tiny negatives from floating-point subtraction are clipped.
    yl, yh = np.maximum(rl - xl, 0), np.maximum(rh - xh, 0)
    zl, zh = np.maximum(il - xl, 0), np.maximum(ih - xh, 0)
    wl, wh = np.maximum(tl - rl - il + xl, 0), np.maximum(th - rh - ih + xh, 0)

    with np.errstate(divide="ignore", invalid="ignore"):
        # Region inside the benchmark: shared terms.
        a, b = yh, zh
        low_inside = np.minimum(_share_of_cluster_lq(xl, a, b, a + b + wl), _share_of_cluster_lq(xh, a, b, a + b + wl))
        a, b = yl, zl
        ab = a * b
        peak = np.where(wh > 0, (ab + np.sqrt(ab * ab + wh * ab * (a + b + wh))) / wh, np.where(ab > 0, np.inf, 0.0))
        high_inside = _share_of_cluster_lq(np.clip(peak, xl, xh), a, b, a + b + wh)

        # Region outside the benchmark: LQ = x / (x + y) * (E_i + rest) / E_i, monotone in each part.
        rest_l, rest_h = np.maximum(tl - il, 0), np.maximum(th - ih, 0)
        low_outside = xl / (xl + yh) * (ih + rest_l) / ih
        high_outside = xh / (xh + yl) * (il + rest_h) / il

        # Not nested: four independent inputs, LQ = e_ir E / (e_r E_i).
        low_box = xl * tl / (rh * ih)
        high_box = xh * th / (rl * il)

    low = np.where(is_nested, np.where(inside, low_inside, low_outside), low_box)
    high = np.where(is_nested, np.where(inside, high_inside, high_outside), high_box)
    # A cluster that is 0 everywhere in the region has LQ 0 wherever the LQ is defined.
    zero = xh == 0
    defined = (rh > 0) & (ih > 0)
    low = np.where(zero, np.where(defined, 0.0, np.nan), low)
    high = np.where(zero, np.where(defined, 0.0, np.nan), high)
    low = np.where(np.isnan(low) | (low == np.inf), np.nan, low)
    return low, high


def _industry_codes(industries: Iterable[str] | pd.DataFrame | None) -> set[str] | None:
    if industries is None:
        return None
    if isinstance(industries, pd.DataFrame):
        if "industry_code" not in industries.columns:
            raise ParameterError("denominator_industries needs an industry_code column")
        return set(industries["industry_code"].astype(str))
    return {str(code) for code in industries}


def location_quotient_interval_panel(
    cells: pd.DataFrame,
    mapping: pd.DataFrame | None = None,
    *,
    benchmark_areas: Sequence[str] | None = None,
    denominator_industries: Iterable[str] | pd.DataFrame | None = None,
    rounding: float | str | RoundingRule = "nomis_bres_public",
    suppression_max: float | None = None,
) -> pd.DataFrame:
    """The area x unit x year panel of ``measure_panel`` with bounds on every input and on the LQ.

    Parameters
    ----------
    cells
        Published cells: ``area_code, industry_code, year, value`` and optionally
        ``flag`` (``zero_may_be_suppressed``, ``missing``), i.e. canonical facts
        of one dataset and measure.
    mapping
        ``cluster_id, industry_code``; None to use each industry as its own unit.
    benchmark_areas
        Areas whose sum is the benchmark; None for all areas in *cells*.
    denominator_industries
        Industry codes (or a frame with ``industry_code``) that make up the
        totals; None for all industries.
    rounding, suppression_max
        How the cells were rounded and how much a suppressed cell may hide; see
        :func:`published_value_bounds`.

    Returns
    -------
    pandas.DataFrame
        :data:`INTERVAL_PANEL_COLUMNS`: the point columns as ``measure_panel``
        computes them, then ``*_low``/``*_high`` bounds of the employment, the
        area total, the benchmark employment and total, and ``lq_low``,
        ``lq_high`` (:func:`location_quotient_interval`). Sorted by area, unit,
        year.

    Notes
    -----
    Each cell's true value lies in its :func:`published_value_bounds`; the
    bounds of a sum of cells are the sums of the cell bounds (cells vary
    independently). Missing cells (``value`` NaN) are left out of every sum,
    exactly as the point estimate leaves them out, and counted in
    ``missing_cells``: the bounds do not cover what a missing cell might hold.
    A unit with an industry outside *denominator_industries* gets the wider,
    independent-inputs bound (``nested=False``).
    """
    needed = ["area_code", "industry_code", "year", "value"]
    absent = [c for c in needed if c not in cells.columns]
    if absent:
        raise ParameterError(f"cells need column(s) {', '.join(absent)}; got {', '.join(map(str, cells.columns))}")
    frame = cells[[*needed, *(["flag"] if "flag" in cells.columns else [])]].copy()
    frame["industry_code"] = frame["industry_code"].astype(str)
    flag = frame["flag"].astype(object) if "flag" in frame.columns else pd.Series(None, index=frame.index, dtype=object)
    suppressed = (flag == FLAG_ZERO_MAY_BE_SUPPRESSED).to_numpy()
    value = frame["value"].to_numpy(dtype=float)
    frame["low"], frame["high"] = published_value_bounds(
        value, rounding=rounding, suppressed=suppressed, suppression_max=suppression_max
    )
    frame["suppressed"] = suppressed.astype("int64")
    frame["missing"] = (np.isnan(value) | (flag == FLAG_MISSING).to_numpy()).astype("int64")

    if mapping is None:
        units = frame.assign(unit_code=frame["industry_code"])
    else:
        pairs = mapping[["cluster_id", "industry_code"]].astype({"industry_code": str}).drop_duplicates()
        units = frame.merge(pairs, on="industry_code").rename(columns={"cluster_id": "unit_code"})
    keys = ["area_code", "year", "unit_code"]
    grouped = units.groupby(keys, sort=False).agg(
        employment=("value", lambda s: s.sum(min_count=1)),
        employment_low=("low", lambda s: s.sum(min_count=1)),
        employment_high=("high", lambda s: s.sum(min_count=1)),
        cells=("value", "size"),
        suppressed_cells=("suppressed", "sum"),
        missing_cells=("missing", "sum"),
    )
    grouped = grouped.reset_index()

    codes = _industry_codes(denominator_industries)
    total_rows = frame if codes is None else frame[frame["industry_code"].isin(codes)]
    totals = (
        total_rows.groupby(["area_code", "year"], sort=False)
        .agg(area_total=("value", "sum"), area_total_low=("low", "sum"), area_total_high=("high", "sum"))
        .reset_index()
    )
    areas = set(frame["area_code"]) if benchmark_areas is None else set(benchmark_areas)
    bench_units = (
        grouped[grouped["area_code"].isin(areas)]
        .groupby(["unit_code", "year"], sort=False)[["employment", "employment_low", "employment_high"]]
        .sum()
        .rename(columns=lambda c: c.replace("employment", "benchmark_employment"))
        .reset_index()
    )
    bench_totals = (
        totals[totals["area_code"].isin(areas)]
        .groupby("year", sort=False)[["area_total", "area_total_low", "area_total_high"]]
        .sum()
        .rename(columns=lambda c: c.replace("area_total", "benchmark_total"))
        .reset_index()
    )
    panel = grouped.merge(totals, on=["area_code", "year"], how="left")
    panel = panel.merge(bench_units, on=["unit_code", "year"], how="left")
    panel = panel.merge(bench_totals, on="year", how="left")
    area_total = panel["area_total"].where(panel["area_total"] != 0)
    with np.errstate(divide="ignore", invalid="ignore"):
        panel["share"] = panel["employment"] / area_total
    panel["lq"] = location_quotient(
        panel["employment"],
        area_total,
        panel["benchmark_employment"],
        panel["benchmark_total"].where(panel["benchmark_total"] != 0),
    )
    if codes is None:
        nested = np.ones(len(panel), dtype=bool)
    else:
        outside = units.loc[~units["industry_code"].isin(codes), "unit_code"].unique()
        nested = ~panel["unit_code"].isin(outside).to_numpy()
    panel["lq_low"], panel["lq_high"] = location_quotient_interval(
        (panel["employment_low"], panel["employment_high"]),
        (panel["area_total_low"], panel["area_total_high"]),
        (panel["benchmark_employment_low"], panel["benchmark_employment_high"]),
        (panel["benchmark_total_low"], panel["benchmark_total_high"]),
        region_in_benchmark=panel["area_code"].isin(areas).to_numpy(),
        nested=nested,
    )
    panel = panel[INTERVAL_PANEL_COLUMNS].sort_values(["area_code", "unit_code", "year"], kind="stable")
    return panel.reset_index(drop=True)
