r"""Specialisation of regions and localisation of industries from an area x unit employment matrix.

Every function takes a wide matrix of employment (a :class:`pandas.DataFrame`
with one row per area, index ``area_code``, and one column per unit, columns
``unit_code``; :func:`employment_matrix` makes one from a long panel) and
returns a labelled :class:`pandas.Series` (or, for the pairwise Krugman
dissimilarity, a labelled matrix):

* localisation of each unit across areas: :func:`hoover_localisation`,
  :func:`locational_gini`, and :func:`herfindahl` with ``over="areas"``;
* specialisation of each area across units: :func:`hoover_specialisation`,
  :func:`krugman_specialisation`, :func:`krugman_dissimilarity`, and
  :func:`herfindahl` with ``over="units"``.

Measures that compare an area's structure with the whole assume the columns
partition the economy (e.g. all SIC divisions, or clusters plus an "other"
column). Measures of localisation compare a unit's spread with the spread of
all employment, which is the row sum unless ``area_totals`` gives each area's
employment in all industries.

A missing cell (NaN) is never read as zero: every value that depends on it is
NaN. Shares of a zero total are undefined and also NaN.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

import numpy as np
import pandas as pd

from .._exceptions import ParameterError, UnknownCodeError

__all__ = [
    "employment_matrix",
    "herfindahl",
    "hoover_localisation",
    "hoover_specialisation",
    "krugman_dissimilarity",
    "krugman_specialisation",
    "locational_gini",
]


def employment_matrix(panel: pd.DataFrame, *, year: int, value: str = "employment") -> pd.DataFrame:
    """Area x unit matrix of one year from a long panel (``area_code, unit_code, year, employment``).

    Cells with no row in the panel are NaN, not 0.

    Examples
    --------
    >>> import pandas as pd
    >>> panel = pd.DataFrame(
    ...     {"area_code": ["R1", "R1", "R2"], "unit_code": ["a", "b", "a"], "year": 2021, "employment": [5, 3, 2]}
    ... )
    >>> employment_matrix(panel, year=2021)  # doctest: +NORMALIZE_WHITESPACE
    unit_code    a    b
    area_code
    R1         5.0  3.0
    R2         2.0  NaN
    """
    required = ["area_code", "unit_code", "year", value]
    missing = [c for c in required if c not in panel.columns]
    if missing:
        raise ParameterError(f"employment panel lacks column(s) {', '.join(missing)}; it needs {', '.join(required)}")
    try:
        years = pd.to_numeric(panel["year"])
    except (TypeError, ValueError):
        raise ParameterError("employment panel has a year that is not a number; years must be integers") from None
    rows = panel[years == year]
    if rows.empty:
        available = sorted({int(y) for y in years.dropna().unique()})
        raise UnknownCodeError("year", str(year), [str(y) for y in available])
    duplicated = rows.duplicated(["area_code", "unit_code"])
    if duplicated.any():
        first = rows[duplicated].iloc[0]
        raise ParameterError(
            f"employment panel has more than one row for area {first['area_code']!r}, unit {first['unit_code']!r}, "
            f"year {year}; aggregate it to one row per area, unit and year"
        )
    matrix = rows.pivot(index="area_code", columns="unit_code", values=value).astype("float64")
    matrix.index.name = "area_code"
    matrix.columns.name = "unit_code"
    return matrix


def _matrix(employment: pd.DataFrame) -> pd.DataFrame:
    if not isinstance(employment, pd.DataFrame):
        raise ParameterError(
            f"employment must be a pandas DataFrame (areas in rows, units in columns), not {type(employment).__name__}"
        )
    if employment.empty:
        raise ParameterError("employment matrix is empty; it needs at least one area and one unit")
    try:
        values = employment.astype("float64")
    except (TypeError, ValueError) as error:
        raise ParameterError(f"employment matrix must be numeric: {error}") from None
    negative = values.lt(0)
    if negative.any().any():
        area, unit = next((a, u) for a, u in negative.stack().index if negative.loc[a, u])
        raise ParameterError(
            f"employment matrix has a negative value {values.loc[area, unit]} for area {area!r}, unit {unit!r}; "
            "employment counts cannot be negative"
        )
    return values


def _strict_sum(values: pd.DataFrame, axis: Literal[0, 1]) -> pd.Series:
    """Sum along *axis*, NaN where any summed cell is NaN."""
    return values.sum(axis=axis, skipna=False)


def _shares(values: pd.DataFrame, totals: pd.Series, axis: Literal[0, 1]) -> pd.DataFrame:
    """Each cell over its row total (axis=1) or column total (axis=0); NaN where the total is 0 or unknown."""
    safe = totals.where(totals != 0)
    return values.div(safe, axis="columns" if axis == 0 else "index")


def _area_weights(values: pd.DataFrame, area_totals: pd.Series | None) -> pd.Series:
    """Each area's share of all employment: of *area_totals* if given, else of the row sums."""
    if area_totals is None:
        totals = _strict_sum(values, axis=1)
    else:
        absent = [a for a in values.index if a not in area_totals.index]
        if absent:
            raise ParameterError(
                f"area_totals has no value for area(s) {', '.join(map(str, absent[:10]))}; "
                "give the all-industry employment of every area in the matrix"
            )
        totals = area_totals.reindex(values.index).astype("float64")
        if (totals < 0).any():
            raise ParameterError("area_totals has a negative value; employment counts cannot be negative")
    grand = totals.sum(skipna=False)
    if not np.isfinite(grand) or grand == 0:
        return pd.Series(np.nan, index=values.index)
    return totals / grand


def hoover_localisation(employment: pd.DataFrame, *, area_totals: pd.Series | None = None) -> pd.Series:
    r"""Hoover coefficient of localisation of each unit across areas.

    Parameters
    ----------
    employment
        Area x unit matrix (index ``area_code``, columns ``unit_code``).
    area_totals
        Employment of each area in all industries; None for the row sums.

    Returns
    -------
    pandas.Series
        Indexed by ``unit_code``, named ``hoover_localisation``; 0 when the
        unit is spread exactly like all employment, approaching 1 when it sits
        in areas with almost no other employment.

    Notes
    -----
    .. math::

        CL_i = \frac{1}{2} \sum_r \left| \frac{e_{ir}}{E_i} - \frac{e_r}{E} \right|

    with :math:`e_{ir}` employment of unit *i* in area *r*, :math:`E_i` its
    total over areas, :math:`e_r` area *r*'s employment and :math:`E` the
    total. It is the share of the unit's jobs that would have to move for it
    to be spread like all employment (the maximum gap between its
    localisation curve and the diagonal). EconGeo's ``hoover_index`` reports
    the same number in percent.

    References
    ----------
    Hoover, E. M. (1936). The measurement of industrial localization. *The
    Review of Economics and Statistics* 18(4), 162-171.
    Hoover, E. M. and Giarratani, F. (1984). *An Introduction to Regional
    Economics*, 3rd ed. Knopf, ch. 9.

    Examples
    --------
    An industry with half its jobs in an area holding 30% of all jobs:

    >>> import pandas as pd
    >>> jobs = pd.DataFrame({"ind": [0, 10, 10, 30, 50]}, index=["R1", "R2", "R3", "R4", "R5"])
    >>> population = pd.Series([10, 15, 20, 25, 30], index=jobs.index)
    >>> hoover_localisation(jobs, area_totals=population).round(4)
    unit_code
    ind    0.25
    Name: hoover_localisation, dtype: float64
    """
    values = _matrix(employment)
    weights = _area_weights(values, area_totals)
    shares = _shares(values, _strict_sum(values, axis=0), axis=0)
    gaps = shares.sub(weights, axis=0).abs()
    result = 0.5 * _strict_sum(gaps, axis=0)
    result.index.name = "unit_code"
    return result.rename("hoover_localisation")


def _structure(values: pd.DataFrame) -> pd.DataFrame:
    """Each area's employment shares over units (rows sum to 1)."""
    return _shares(values, _strict_sum(values, axis=1), axis=1)


def _benchmark_structure(values: pd.DataFrame) -> pd.Series:
    """Shares of each unit in the sum of all areas; NaN if that sum is 0 or unknown."""
    benchmark = _strict_sum(values, axis=0)
    total = benchmark.sum(skipna=False)
    return benchmark / total if total != 0 else benchmark * np.nan


def hoover_specialisation(employment: pd.DataFrame) -> pd.Series:
    r"""Hoover coefficient of specialisation of each area against the sum of all areas.

    Parameters
    ----------
    employment
        Area x unit matrix whose columns cover the whole economy.

    Returns
    -------
    pandas.Series
        Indexed by ``area_code``, named ``hoover_specialisation``; 0 for an
        area with the benchmark's structure, approaching 1 for one specialised
        in units the benchmark barely has.

    Notes
    -----
    .. math::

        CS_r = \frac{1}{2} \sum_i \left| \frac{e_{ir}}{e_r} - \frac{E_i}{E} \right|

    the share of the area's jobs that would have to change unit for it to
    match the benchmark (the sum of all areas); half the Krugman
    specialisation index against the same benchmark.

    References
    ----------
    Hoover, E. M. and Giarratani, F. (1984). *An Introduction to Regional
    Economics*, 3rd ed. Knopf, ch. 9 (table 9-4).

    Examples
    --------
    >>> import pandas as pd
    >>> jobs = pd.DataFrame({"a": [60, 40], "b": [40, 60]}, index=["R1", "R2"])
    >>> hoover_specialisation(jobs)
    area_code
    R1    0.1
    R2    0.1
    Name: hoover_specialisation, dtype: float64
    """
    values = _matrix(employment)
    gaps = _structure(values).sub(_benchmark_structure(values), axis=1).abs()
    result = 0.5 * _strict_sum(gaps, axis=1)
    result.index.name = "area_code"
    return result.rename("hoover_specialisation")


def krugman_specialisation(
    employment: pd.DataFrame,
    *,
    reference: Literal["all", "rest", "other_mean"] = "all",
) -> pd.Series:
    r"""Krugman specialisation index of each area: how far its industrial structure is from a reference.

    Parameters
    ----------
    employment
        Area x unit matrix whose columns cover the whole economy.
    reference
        ``"all"``: the structure of the sum of all areas, including the area
        itself (as EconGeo's ``krugman_index``); ``"rest"``: the structure of
        the sum of all *other* areas (Krugman 1991 compares a region with the
        rest of the country); ``"other_mean"``: the unweighted mean of the
        other areas' structures (Farhauer and Kröll 2013; REAT's
        ``krugman.spec2``).

    Returns
    -------
    pandas.Series
        Indexed by ``area_code``, named ``krugman_specialisation``; between 0
        (same structure) and 2 (no unit in common).

    Notes
    -----
    .. math::

        K_r = \sum_i \left| s_{ir} - \bar s_i \right|, \qquad s_{ir} = \frac{e_{ir}}{e_r}

    with :math:`\bar s_i` the reference share of unit *i*. Against ``"all"``
    it is twice the Hoover coefficient of specialisation.

    References
    ----------
    Krugman, P. (1991). *Geography and Trade*. MIT Press, ch. 3 and
    appendix D.
    Farhauer, O. and Kröll, A. (2013). *Standorttheorien: Regional- und
    Stadtökonomik in Theorie und Praxis*. Springer Gabler.

    Examples
    --------
    >>> import pandas as pd
    >>> jobs = pd.DataFrame({"a": [60, 40, 50], "b": [40, 60, 50]}, index=["R1", "R2", "R3"])
    >>> krugman_specialisation(jobs, reference="rest")
    area_code
    R1    0.3
    R2    0.3
    R3    0.0
    Name: krugman_specialisation, dtype: float64
    """
    values = _matrix(employment)
    structure = _structure(values)
    if reference == "all":
        benchmark = _benchmark_structure(values).to_numpy()
        reference_shares = pd.DataFrame(
            np.tile(benchmark, (len(values), 1)), index=values.index, columns=values.columns
        )
    elif reference == "rest":
        rest = _strict_sum(values, axis=0).to_numpy()[None, :] - values.to_numpy()
        reference_shares = _structure(pd.DataFrame(rest, index=values.index, columns=values.columns))
    elif reference == "other_mean":
        if len(values) < 2:
            raise ParameterError("reference 'other_mean' needs at least two areas")
        n = len(values)
        # Mean of the other areas' shares: (sum of all shares - own shares) / (n - 1).
        summed = structure.sum(axis=0, skipna=False).to_numpy()[None, :]
        reference_shares = pd.DataFrame(
            (summed - structure.to_numpy()) / (n - 1), index=values.index, columns=values.columns
        )
    else:
        raise ParameterError(f"unknown reference {reference!r}; use 'all', 'rest' or 'other_mean'")
    result = _strict_sum((structure - reference_shares).abs(), axis=1)
    result.index.name = "area_code"
    return result.rename("krugman_specialisation")


def krugman_dissimilarity(employment: pd.DataFrame, areas: Sequence[str] | None = None) -> pd.DataFrame:
    r"""Krugman dissimilarity of the industrial structures of every pair of areas.

    Parameters
    ----------
    employment
        Area x unit matrix whose columns cover the whole economy.
    areas
        Areas to compare; None for all rows of the matrix.

    Returns
    -------
    pandas.DataFrame
        Symmetric area x area matrix (index and columns ``area_code``) with a
        zero diagonal; 0 for identical structures, 2 for areas with no unit in
        common.

    Notes
    -----
    .. math::

        K_{ab} = \sum_i \left| \frac{e_{ia}}{e_a} - \frac{e_{ib}}{e_b} \right|

    References
    ----------
    Krugman, P. (1991). *Geography and Trade*. MIT Press, appendix D.
    Midelfart-Knarvik, K. H., Overman, H. G., Redding, S. J. and Venables,
    A. J. (2000). *The Location of European Industry*. European Commission,
    Economic Papers 142.

    Examples
    --------
    >>> import pandas as pd
    >>> jobs = pd.DataFrame({"a": [20, 0], "b": [80, 50], "c": [0, 50]}, index=["R1", "R2"])
    >>> krugman_dissimilarity(jobs)  # doctest: +NORMALIZE_WHITESPACE
    area_code   R1   R2
    area_code
    R1         0.0  1.0
    R2         1.0  0.0
    """
    values = _matrix(employment)
    if areas is not None:
        codes = list(areas)
        for code in codes:
            if code not in values.index:
                raise UnknownCodeError("area", code, [str(a) for a in values.index])
        values = values.loc[codes]
    structure = _structure(values).to_numpy()
    distance = np.abs(structure[:, None, :] - structure[None, :, :]).sum(axis=2)
    result = pd.DataFrame(distance, index=values.index.copy(), columns=values.index.copy())
    result.index.name = "area_code"
    result.columns.name = "area_code"
    return result


def _lorenz_gini(unit_shares: np.ndarray, area_shares: np.ndarray) -> float:
    """Gini of a localisation curve: areas ordered by unit share / area share, trapezoid area under the curve."""
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = unit_shares / area_shares
    # An area with no employment at all sorts first (adds nothing) unless it somehow holds the unit.
    ratio = np.where(area_shares == 0, np.where(unit_shares > 0, np.inf, 0.0), ratio)
    order = np.argsort(ratio, kind="stable")
    x = np.concatenate([[0.0], np.cumsum(area_shares[order])])
    y = np.concatenate([[0.0], np.cumsum(unit_shares[order])])
    area_under = float(np.sum(np.diff(x) * (y[1:] + y[:-1]) / 2.0))
    return 1.0 - 2.0 * area_under


def _equal_weight_gini(quotients: np.ndarray) -> float:
    """Gini of the location quotients with every area counted once."""
    n = len(quotients)
    mean = quotients.mean()
    if mean == 0:
        return float("nan")
    ranked = np.sort(quotients)
    return float(2.0 * np.sum(np.arange(1, n + 1) * ranked) / (n * n * mean) - (n + 1) / n)


def locational_gini(
    employment: pd.DataFrame,
    *,
    area_totals: pd.Series | None = None,
    weights: Literal["employment", "equal"] = "employment",
) -> pd.Series:
    r"""Locational Gini coefficient of each unit: how unevenly it is spread over areas relative to all employment.

    Parameters
    ----------
    employment
        Area x unit matrix (index ``area_code``, columns ``unit_code``).
    area_totals
        Employment of each area in all industries; None for the row sums.
    weights
        ``"employment"`` (Krugman 1991; Audretsch and Feldman 1996): areas
        weighted by their share of all employment, the Gini of the
        localisation curve. ``"equal"`` (Farhauer and Kröll 2013; REAT's
        ``gini.conc``): the plain Gini of the areas' location quotients, every
        area counted once.

    Returns
    -------
    pandas.Series
        Indexed by ``unit_code``, named ``locational_gini``; 0 when the unit is
        spread like all employment. With employment weights a unit wholly in
        one area holding a share :math:`x` of all jobs scores :math:`1 - x`.

    Notes
    -----
    With employment weights, order areas by the location quotient
    :math:`LQ_{ir} = (e_{ir}/E_i)/(e_r/E)`, let :math:`X_k` and :math:`Y_k` be
    the cumulative shares of all employment and of the unit's employment over
    the first *k* areas; then

    .. math::

        G_i = 1 - \sum_k (X_k - X_{k-1})(Y_k + Y_{k-1})

    which is twice the area between the localisation curve and the diagonal.
    Krugman (1991) and EconGeo's ``locational_gini`` report that area itself,
    half of :math:`G_i` (maximum 0.5). With equal weights, for the :math:`n`
    location quotients sorted ascending,

    .. math::

        G_i = \frac{2 \sum_k k \, LQ_{(k)}}{n \sum_k LQ_{(k)}} - \frac{n + 1}{n}

    References
    ----------
    Krugman, P. (1991). *Geography and Trade*. MIT Press, ch. 2 and
    appendix D.
    Audretsch, D. B. and Feldman, M. P. (1996). R&D spillovers and the
    geography of innovation and production. *American Economic Review* 86(3),
    630-640.
    Farhauer, O. and Kröll, A. (2013). *Standorttheorien: Regional- und
    Stadtökonomik in Theorie und Praxis*. Springer Gabler.

    Examples
    --------
    An industry wholly in R1, which holds 20% of all jobs:

    >>> import pandas as pd
    >>> jobs = pd.DataFrame({"ind": [100, 0, 0, 0, 0], "other": [0, 100, 100, 100, 100]},
    ...                     index=["R1", "R2", "R3", "R4", "R5"])
    >>> locational_gini(jobs).round(4)
    unit_code
    ind      0.8
    other    0.2
    Name: locational_gini, dtype: float64
    """
    values = _matrix(employment)
    area_shares = _area_weights(values, area_totals)
    unit_shares = _shares(values, _strict_sum(values, axis=0), axis=0)
    results = {}
    for unit in values.columns:
        s = unit_shares[unit].to_numpy()
        x = area_shares.to_numpy()
        if np.isnan(s).any() or np.isnan(x).any():
            results[unit] = float("nan")
        elif weights == "employment":
            results[unit] = _lorenz_gini(s, x)
        elif weights == "equal":
            with np.errstate(divide="ignore", invalid="ignore"):
                quotients = s / x
            results[unit] = _equal_weight_gini(quotients) if np.isfinite(quotients).all() else float("nan")
        else:
            raise ParameterError(f"unknown weights {weights!r}; use 'employment' or 'equal'")
    result = pd.Series(results, dtype="float64", name="locational_gini")
    result.index.name = "unit_code"
    return result


def herfindahl(
    employment: pd.DataFrame,
    *,
    over: Literal["areas", "units"] = "areas",
    normalised: bool = False,
) -> pd.Series:
    r"""Herfindahl-Hirschman index: concentration of each unit across areas, or of each area across units.

    Parameters
    ----------
    employment
        Area x unit matrix (index ``area_code``, columns ``unit_code``).
    over
        ``"areas"``: one value per unit, from its shares in each area (spatial
        concentration of an industry); ``"units"``: one value per area, from
        the shares of each unit in its employment (concentration of a region's
        economy, the inverse of diversity).
    normalised
        Rescale to :math:`(H - 1/n)/(1 - 1/n)`, 0 for an even spread over the
        :math:`n` areas (or units) and 1 for everything in one; NaN for
        :math:`n = 1`.

    Returns
    -------
    pandas.Series
        Indexed by ``unit_code`` (``over="areas"``) or ``area_code``
        (``over="units"``), named ``herfindahl``; between :math:`1/n` and 1
        unless normalised.

    Notes
    -----
    .. math::

        H_i = \sum_r \left(\frac{e_{ir}}{E_i}\right)^2 \quad\text{or}\quad
        H_r = \sum_i \left(\frac{e_{ir}}{e_r}\right)^2

    The index ignores how big the areas are: an industry in one large city is
    "concentrated" even if the city holds most jobs. Pair it with the
    locational Gini, which does not.

    References
    ----------
    Hirschman, A. O. (1945). *National Power and the Structure of Foreign
    Trade*. University of California Press.
    Herfindahl, O. C. (1950). *Concentration in the Steel Industry*. PhD
    thesis, Columbia University.

    Examples
    --------
    >>> import pandas as pd
    >>> jobs = pd.DataFrame({"ind": [20, 50, 20, 10]}, index=["R1", "R2", "R3", "R4"])
    >>> herfindahl(jobs).round(4)
    unit_code
    ind    0.34
    Name: herfindahl, dtype: float64
    >>> herfindahl(jobs, normalised=True).round(4)
    unit_code
    ind    0.12
    Name: herfindahl, dtype: float64
    """
    values = _matrix(employment)
    if over == "areas":
        shares = _shares(values, _strict_sum(values, axis=0), axis=0)
        result = _strict_sum(shares**2, axis=0)
        n = len(values.index)
        result.index.name = "unit_code"
    elif over == "units":
        shares = _structure(values)
        result = _strict_sum(shares**2, axis=1)
        n = len(values.columns)
        result.index.name = "area_code"
    else:
        raise ParameterError(f"unknown value for over {over!r}; use 'areas' or 'units'")
    if normalised:
        result = (result - 1.0 / n) / (1.0 - 1.0 / n) if n > 1 else result * np.nan
    return result.rename("herfindahl")
