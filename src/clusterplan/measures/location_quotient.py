"""Location quotient: a region's specialisation in an industry or cluster relative to a benchmark."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

__all__ = ["location_quotient"]


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
