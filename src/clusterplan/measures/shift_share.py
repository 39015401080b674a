r"""Shift-share analysis: where a region's employment change in each industry or cluster came from.

The change in employment of unit *i* (an industry or cluster) in region *r*
between two years is split into the part the benchmark's overall growth would
have brought (national share), the part owed to *i* growing faster or slower
than the benchmark economy (industry mix), and the rest, which is the region's
own competitive performance in *i* (competitive or regional shift effect).

Three variants over a long panel with columns ``area_code, unit_code, year,
employment`` (the shape :func:`clusterplan.measures.panel.measure_panel`
returns; other columns are ignored, except ``area_total`` as described below):

* :func:`shift_share`, the classic decomposition (Dunn 1960);
* :func:`esteban_marquillas`, which splits the competitive effect with
  homothetic employment (Esteban-Marquillas 1972);
* :func:`dynamic_shift_share`, the sum of year-by-year decompositions
  (Barff and Knight 1988).

Missing data are never taken as zero. A region-unit pair that has no row, or a
NaN, in a year it needs gives NaN results for that pair, and a NaN anywhere in
the benchmark areas for a unit gives NaN for every region in that unit. Fill
the panel explicitly first if absence means "no jobs".

Zero start employment is handled explicitly:

* region start employment :math:`e_{ir}^0 = 0`: nothing is expected of the
  region, so the national share and industry mix are 0 and all of the change
  (the end employment) is competitive effect; the region's growth rate is
  undefined, so the Esteban-Marquillas net competitive and allocation effects
  are NaN;
* benchmark start employment :math:`E_i^0 = 0` while :math:`e_{ir}^0 > 0`
  (possible only when the region is not in the benchmark): the benchmark
  growth rate of *i* is undefined, so the industry mix and competitive effects
  are NaN (the national share is still defined).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from .._exceptions import ParameterError, UnknownCodeError

__all__ = [
    "ESTEBAN_MARQUILLAS_COLUMNS",
    "SHIFT_SHARE_COLUMNS",
    "dynamic_shift_share",
    "esteban_marquillas",
    "shift_share",
]

#: Columns of :func:`shift_share` and :func:`dynamic_shift_share`, in order.
SHIFT_SHARE_COLUMNS = [
    "area_code",
    "unit_code",
    "start_employment",
    "end_employment",
    "change",
    "national_share",
    "industry_mix",
    "competitive",
]

#: Extra columns of :func:`esteban_marquillas`.
ESTEBAN_MARQUILLAS_COLUMNS = ["homothetic_employment", "net_competitive", "allocation"]

_REQUIRED = ("area_code", "unit_code", "year", "employment")
_KEY = ["area_code", "unit_code"]


def _validate(panel: pd.DataFrame, years: Sequence[int]) -> None:
    missing = [c for c in _REQUIRED if c not in panel.columns]
    if missing:
        raise ParameterError(
            f"employment panel lacks column(s) {', '.join(missing)}; "
            f"it needs {', '.join(_REQUIRED)} (one row per area, unit and year)"
        )
    available = sorted({int(y) for y in panel["year"].dropna().unique()})
    for year in years:
        if year not in available:
            raise UnknownCodeError("year", str(year), [str(y) for y in available])
    in_years = panel[panel["year"].isin(list(years))]
    duplicated = in_years.duplicated(["area_code", "unit_code", "year"])
    if duplicated.any():
        first = in_years[duplicated].iloc[0]
        raise ParameterError(
            f"employment panel has more than one row for area {first['area_code']!r}, "
            f"unit {first['unit_code']!r}, year {int(first['year'])}; aggregate it to one row per area, unit and year"
        )


def _codes(value: str | Sequence[str] | None, available: list[str], kind: str) -> list[str]:
    """The requested area codes (all available ones for None), each checked against the panel."""
    if value is None:
        return available
    codes = [value] if isinstance(value, str) else list(value)
    if not codes:
        raise ParameterError(f"{kind} list is empty; give at least one area code or None for all areas")
    for code in codes:
        if code not in available:
            raise UnknownCodeError(kind, code, available)
    return codes


def _check_years(start: int, end: int) -> None:
    if start >= end:
        raise ParameterError(f"start year {start} must be before end year {end}")


def _divide(numerator: np.ndarray, denominator: np.ndarray) -> np.ndarray:
    """numerator / denominator, NaN (not inf) where the denominator is 0."""
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = numerator / denominator
    return np.where(denominator == 0, np.nan, ratio)


def _strict_sum(wide: pd.DataFrame, level: str) -> pd.DataFrame:
    """Sum over the other index level; NaN for a group with any NaN (pandas would skip it)."""
    sums = wide.groupby(level=level).sum()
    unknown = wide.isna().groupby(level=level).any()
    return sums.mask(unknown)


def _area_totals(panel: pd.DataFrame, years: Sequence[int]) -> pd.DataFrame | None:
    """All-industry employment of each area and year from ``area_total``, or None when the panel has none."""
    if "area_total" not in panel.columns:
        return None
    totals = panel.loc[panel["year"].isin(list(years)), ["area_code", "year", "area_total"]].drop_duplicates()
    clash = totals.duplicated(["area_code", "year"])
    if clash.any():
        first = totals[clash].iloc[0]
        raise ParameterError(
            f"employment panel has different area_total values for area {first['area_code']!r}, "
            f"year {int(first['year'])}; area_total must be the same on every row of an area and year"
        )
    return totals.pivot(index="area_code", columns="year", values="area_total")


def _decompose(
    panel: pd.DataFrame,
    start: int,
    end: int,
    regions: list[str],
    benchmark: list[str],
) -> pd.DataFrame:
    """Classic and Esteban-Marquillas components of every region-unit pair between two years."""
    rows = panel.loc[panel["year"].isin([start, end]), [*_KEY, "year", "employment"]]
    wide = rows.pivot(index=_KEY, columns="year", values="employment").reindex(columns=[start, end])
    wide = wide.astype("float64")
    e0 = wide[start]
    e1 = wide[end]

    in_benchmark = wide.index.get_level_values("area_code").isin(benchmark)
    # One unknown benchmark cell makes the benchmark unknown, not smaller.
    bench_units = _strict_sum(wide[in_benchmark], "unit_code")
    totals = _area_totals(panel, [start, end])
    if totals is None:
        area_sums = _strict_sum(wide, "area_code")
    else:
        area_sums = totals.reindex(columns=[start, end]).astype("float64")
    bench_area_sums = area_sums.reindex(benchmark)
    total0 = float(bench_area_sums[start].sum(skipna=False))
    total1 = float(bench_area_sums[end].sum(skipna=False))

    units = wide.index.get_level_values("unit_code")
    areas = wide.index.get_level_values("area_code")
    big_e0 = bench_units[start].reindex(units).to_numpy()
    big_e1 = bench_units[end].reindex(units).to_numpy()
    region_total0 = area_sums[start].reindex(areas).to_numpy()

    e0v = e0.to_numpy()
    e1v = e1.to_numpy()
    national_growth = total1 / total0 - 1.0 if total0 != 0 else np.nan
    unit_growth = _divide(big_e1, big_e0) - 1.0
    region_growth = _divide(e1v, e0v) - 1.0

    nothing_expected = e0v == 0
    national_share = np.where(nothing_expected, 0.0, e0v * national_growth)
    industry_mix = np.where(nothing_expected, 0.0, e0v * (unit_growth - national_growth))
    # Actual minus expected end employment: defined even where the region's own growth rate is not.
    competitive = np.where(nothing_expected, e1v, e1v - e0v * (1.0 + unit_growth))

    share0 = big_e0 / total0 if total0 != 0 else np.full_like(big_e0, np.nan)
    homothetic = region_total0 * share0
    net_competitive = homothetic * (region_growth - unit_growth)
    allocation = (e0v - homothetic) * (region_growth - unit_growth)

    out = pd.DataFrame(
        {
            "area_code": areas,
            "unit_code": units,
            "start_employment": e0v,
            "end_employment": e1v,
            "change": e1v - e0v,
            "national_share": national_share,
            "industry_mix": industry_mix,
            "competitive": competitive,
            "homothetic_employment": homothetic,
            "net_competitive": net_competitive,
            "allocation": allocation,
        }
    )
    out = out[out["area_code"].isin(regions)]
    return out.sort_values(_KEY).reset_index(drop=True)


def _setup(
    panel: pd.DataFrame,
    years: Sequence[int],
    region: str | Sequence[str] | None,
    benchmark_areas: Sequence[str] | None,
) -> tuple[pd.DataFrame, list[str], list[str]]:
    """Validated panel (years as numbers), the regions to report and the benchmark areas."""
    if "year" in panel.columns:
        panel = panel.assign(year=_numeric_years(panel["year"]))
    _validate(panel, years)
    available = sorted(str(a) for a in panel["area_code"].dropna().unique())
    regions = _codes(region, available, "region")
    benchmark = _codes(benchmark_areas, available, "benchmark area")
    return panel, regions, benchmark


def _between(
    panel: pd.DataFrame,
    start: int,
    end: int,
    region: str | Sequence[str] | None,
    benchmark_areas: Sequence[str] | None,
) -> pd.DataFrame:
    """Every component (classic and Esteban-Marquillas) between two years, after checking the arguments."""
    _check_years(start, end)
    panel, regions, benchmark = _setup(panel, [start, end], region, benchmark_areas)
    return _decompose(panel, start, end, regions, benchmark)


def _numeric_years(years: pd.Series) -> pd.Series:
    try:
        return pd.to_numeric(years)
    except (TypeError, ValueError):
        bad = next(y for y in years if not str(y).strip().lstrip("-").isdigit())
        raise ParameterError(
            f"employment panel has a year {bad!r} that is not a number; years must be integers"
        ) from None


def shift_share(
    panel: pd.DataFrame,
    *,
    start: int,
    end: int,
    region: str | Sequence[str] | None = None,
    benchmark_areas: Sequence[str] | None = None,
) -> pd.DataFrame:
    r"""Classic shift-share decomposition of employment change between two years.

    Parameters
    ----------
    panel
        Long panel, one row per ``area_code, unit_code, year`` with
        ``employment``. If it has an ``area_total`` column (each area's
        employment in all industries, as :func:`~clusterplan.measures.panel.measure_panel`
        gives), the benchmark total :math:`E` is the sum of ``area_total`` over
        the benchmark areas; otherwise it is the sum of ``employment`` over all
        units, so the units should then cover the whole economy.
    start, end
        The two years; both must be in the panel.
    region
        Area code(s) to report; None for every area in the panel.
    benchmark_areas
        Areas whose sum is the benchmark ("nation"); None for all areas in the
        panel (for BRES ITL2, Great Britain). Regions may or may not be in it.

    Returns
    -------
    pandas.DataFrame
        One row per region and unit, sorted, with columns ``area_code,
        unit_code, start_employment, end_employment, change, national_share,
        industry_mix, competitive``. The three components sum to ``change``
        wherever they are defined.

    Notes
    -----
    With :math:`e_{ir}` employment of unit *i* in region *r*, :math:`E_i` its
    benchmark employment and :math:`E` total benchmark employment, superscripts
    0 and 1 the start and end years, :math:`G = E^1/E^0 - 1` and
    :math:`G_i = E_i^1/E_i^0 - 1`:

    .. math::

        \Delta e_{ir} = \underbrace{e_{ir}^0 G}_{\text{national share}}
        + \underbrace{e_{ir}^0 (G_i - G)}_{\text{industry mix}}
        + \underbrace{e_{ir}^1 - e_{ir}^0 (1 + G_i)}_{\text{competitive}}

    The competitive effect is written as actual minus expected end employment,
    which equals :math:`e_{ir}^0 (g_{ir} - G_i)` with :math:`g_{ir}` the
    region's growth rate but stays defined when :math:`e_{ir}^0 = 0` (then
    national share and industry mix are 0 and the competitive effect is
    :math:`e_{ir}^1`). Where :math:`E_i^0 = 0` but :math:`e_{ir}^0 > 0` the
    industry mix and competitive effects are NaN. When the benchmark is the sum
    of all regions, the competitive effects of a unit sum to zero over the
    regions (to its end employment if the benchmark had none at the start, as
    then every region started from zero).

    References
    ----------
    Dunn, E. S. (1960). A statistical and analytical technique for regional
    analysis. *Papers of the Regional Science Association* 6, 97-112.
    Stevens, B. H. and Moore, C. L. (1980). A critical review of the
    literature on shift-share as a forecasting technique. *Journal of
    Regional Science* 20(4), 419-437.

    Examples
    --------
    Farhauer and Kröll's (2013) three regions, whose sum is the nation:

    >>> import pandas as pd
    >>> start = {"A": [90, 20, 10, 60], "B": [60, 30, 30, 40], "C": [250, 100, 110, 300]}
    >>> end = {"A": [100, 40, 10, 55], "B": [85, 55, 40, 35], "C": [255, 115, 85, 390]}
    >>> panel = pd.DataFrame(
    ...     [(a, f"I{i + 1}", y, v) for y, d in ((2000, start), (2001, end)) for a, vs in d.items()
    ...      for i, v in enumerate(vs)],
    ...     columns=["area_code", "unit_code", "year", "employment"],
    ... )
    >>> result = shift_share(panel, start=2000, end=2001, region="A")
    >>> result[["unit_code", "change", "national_share", "industry_mix", "competitive"]].round(2)
      unit_code  change  national_share  industry_mix  competitive
    0        I1    10.0            13.5          -4.5          1.0
    1        I2    20.0             3.0           5.0         12.0
    2        I3     0.0             1.5          -2.5          1.0
    3        I4    -5.0             9.0           3.0        -17.0
    """
    return _between(panel, start, end, region, benchmark_areas)[SHIFT_SHARE_COLUMNS]


def esteban_marquillas(
    panel: pd.DataFrame,
    *,
    start: int,
    end: int,
    region: str | Sequence[str] | None = None,
    benchmark_areas: Sequence[str] | None = None,
) -> pd.DataFrame:
    r"""Shift-share with the competitive effect split by homothetic employment (Esteban-Marquillas).

    Parameters are those of :func:`shift_share`. The region's total employment
    :math:`e_r^0` is its ``area_total`` when the panel has that column, else
    the sum of its employment over all units.

    Returns
    -------
    pandas.DataFrame
        The columns of :func:`shift_share` followed by
        ``homothetic_employment`` (:math:`e_{ir}^{*}`), ``net_competitive``
        and ``allocation``; the last two sum to ``competitive``. Both are NaN
        where the region's start employment is 0 (its growth rate is
        undefined); ``competitive`` stays defined there.

    Notes
    -----
    Homothetic employment is what region *r* would employ in *i* if its
    industrial structure were the benchmark's:

    .. math::

        e_{ir}^{*} = e_r^0 \frac{E_i^0}{E^0}, \qquad
        e_{ir}^0 (g_{ir} - G_i) = \underbrace{e_{ir}^{*} (g_{ir} - G_i)}_{\text{net competitive}}
        + \underbrace{(e_{ir}^0 - e_{ir}^{*})(g_{ir} - G_i)}_{\text{allocation}}

    The net competitive effect measures the region's advantage in *i* free of
    its specialisation; the allocation effect is positive when the region is
    specialised (:math:`e_{ir}^0 > e_{ir}^{*}`) in a unit where it is
    competitive, or under-represented in one where it is not. Homothetic
    employment sums over units to :math:`e_r^0` when the units cover the
    economy.

    References
    ----------
    Esteban-Marquillas, J. M. (1972). A reinterpretation of shift-share
    analysis. *Regional and Urban Economics* 2(3), 249-255.
    Haynes, K. E. and Machunda, Z. B. (1987). Considerations in extending
    shift-share analysis: note. *Growth and Change* 18(2), 69-78.

    Examples
    --------
    >>> import pandas as pd
    >>> panel = pd.DataFrame(
    ...     {
    ...         "area_code": ["R", "R", "S", "S"] * 2,
    ...         "unit_code": ["a", "b"] * 4,
    ...         "year": [2000] * 4 + [2001] * 4,
    ...         "employment": [90, 10, 10, 90, 99, 12, 10, 90],
    ...     }
    ... )
    >>> result = esteban_marquillas(panel, start=2000, end=2001, region="R")
    >>> columns = ["unit_code", "competitive", "homothetic_employment", "net_competitive", "allocation"]
    >>> result[columns].round(2)
      unit_code  competitive  homothetic_employment  net_competitive  allocation
    0         a          0.9                   50.0              0.5         0.4
    1         b          1.8                   50.0              9.0        -7.2
    """
    return _between(panel, start, end, region, benchmark_areas)[SHIFT_SHARE_COLUMNS + ESTEBAN_MARQUILLAS_COLUMNS]


def dynamic_shift_share(
    panel: pd.DataFrame,
    *,
    start: int,
    end: int,
    region: str | Sequence[str] | None = None,
    benchmark_areas: Sequence[str] | None = None,
) -> pd.DataFrame:
    r"""Dynamic shift-share: the classic components summed over every year from *start* to *end*.

    Parameters are those of :func:`shift_share`; every year from *start* to
    *end* must be in the panel.

    Returns
    -------
    pandas.DataFrame
        The columns of :func:`shift_share`: start and end employment, their
        difference, and each component summed over the annual decompositions
        :math:`t \to t+1`. A component is NaN if it is NaN in any year (a
        missing intermediate year is not skipped). For the annual components
        themselves call :func:`shift_share` for consecutive years.

    Notes
    -----
    .. math::

        \Delta e_{ir} = \sum_{t=t_0}^{t_1 - 1} \left[ e_{ir}^t G^t + e_{ir}^t (G_i^t - G^t)
        + \left(e_{ir}^{t+1} - e_{ir}^t (1 + G_i^t)\right) \right]

    with each year's growth rates of the benchmark and of its units. Updating
    the regional weights every year removes the static method's bias from
    structural change during the period; the components still sum to the total
    change because each year's do. Zero start employment is treated as in
    :func:`shift_share`, year by year.

    References
    ----------
    Barff, R. A. and Knight, P. L. (1988). Dynamic shift-share analysis.
    *Growth and Change* 19(2), 1-10.

    Examples
    --------
    >>> import pandas as pd
    >>> region_a = [[90, 20, 10, 60], [100, 40, 10, 55], [105, 45, 15, 60]]
    >>> nation = [[400, 150, 150, 400], [440, 210, 135, 480], [460, 230, 155, 500]]
    >>> panel = pd.DataFrame(
    ...     [(area, f"I{i + 1}", 2000 + t, v) for area, table in (("A", region_a), ("X", nation))
    ...      for t, values in enumerate(table) for i, v in enumerate(values)],
    ...     columns=["area_code", "unit_code", "year", "employment"],
    ... )
    >>> result = dynamic_shift_share(panel, start=2000, end=2002, region="A", benchmark_areas=["X"])
    >>> result[["change", "national_share", "industry_mix", "competitive"]].sum().round(2)
    change            45.00
    national_share    39.96
    industry_mix       0.16
    competitive        4.87
    dtype: float64
    """
    _check_years(start, end)
    years = list(range(start, end + 1))
    panel, regions, benchmark = _setup(panel, years, region, benchmark_areas)
    annual = [_decompose(panel, year, year + 1, regions, benchmark).set_index(_KEY) for year in years[:-1]]
    pairs = annual[0].index
    for frame in annual[1:]:
        pairs = pairs.union(frame.index)
    out = pd.DataFrame(index=pairs)
    out["start_employment"] = annual[0]["start_employment"].reindex(pairs)
    out["end_employment"] = annual[-1]["end_employment"].reindex(pairs)
    out["change"] = out["end_employment"] - out["start_employment"]
    for component in ("national_share", "industry_mix", "competitive"):
        # A pair missing from one year's decomposition reindexes to NaN, and NaN survives the sum.
        stacked = np.vstack([frame[component].reindex(pairs).to_numpy() for frame in annual])
        out[component] = stacked.sum(axis=0)
    return out.reset_index().sort_values(_KEY).reset_index(drop=True)[SHIFT_SHARE_COLUMNS]
