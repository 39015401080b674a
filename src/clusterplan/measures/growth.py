"""Growth between two years: absolute change and compound annual growth rate."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

__all__ = ["absolute_change", "compound_annual_growth_rate"]


def compound_annual_growth_rate(start: npt.ArrayLike, end: npt.ArrayLike, years: npt.ArrayLike) -> np.ndarray:
    r"""Compound annual growth rate between two values *years* apart.

    Notes
    -----
    .. math::

        g = \left(\frac{x_{t_1}}{x_{t_0}}\right)^{1/(t_1 - t_0)} - 1

    Undefined (NaN) when the start value is not positive, the end value is
    negative, or the span is not positive.

    References
    ----------
    OECD (2001). *Measuring Productivity: OECD Manual*, annex on growth rates.

    Examples
    --------
    Employment rising from 1,000 to 1,210 over two years grows 10% a year:

    >>> round(float(compound_annual_growth_rate(1_000, 1_210, 2)), 6)
    0.1
    """
    x0, x1, n = (np.asarray(v, dtype=float) for v in (start, end, years))
    with np.errstate(divide="ignore", invalid="ignore"):
        g = np.power(x1 / x0, 1.0 / n) - 1.0
    ok = (x0 > 0) & (x1 >= 0) & (n > 0)
    return np.where(ok & np.isfinite(g), g, np.nan)


def absolute_change(start: npt.ArrayLike, end: npt.ArrayLike) -> np.ndarray:
    """End minus start.

    Examples
    --------
    >>> float(absolute_change(1_000, 1_210))
    210.0
    """
    return np.asarray(end, dtype=float) - np.asarray(start, dtype=float)
