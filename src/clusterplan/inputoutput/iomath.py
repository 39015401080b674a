"""Pure input-output mathematics over labelled pandas objects (the functional core of the IO model).

Every function takes and returns DataFrames/Series indexed by industry code,
so results stay labelled; none keeps state. Conventions follow Miller and
Blair (2009): ``Z`` inter-industry flows (rows sell to columns), ``x`` total
output, ``A = Z x̂⁻¹`` technical coefficients, ``L = (I - A)⁻¹`` the Leontief
inverse, ``B = x̂⁻¹ Z`` allocation coefficients, ``G = (I - B)⁻¹`` the Ghosh
inverse.

References
----------
Miller, R. E. and Blair, P. D. (2009). *Input-Output Analysis: Foundations and
Extensions*, 2nd ed. Cambridge University Press.

Examples
--------
Miller and Blair's two-sector example (section 2.3):

>>> import pandas as pd
>>> Z = pd.DataFrame([[150.0, 500.0], [200.0, 100.0]], index=["1", "2"], columns=["1", "2"])
>>> x = pd.Series([1000.0, 2000.0], index=["1", "2"])
>>> A = technical_coefficients(Z, x)
>>> A.round(3).values.tolist()
[[0.15, 0.25], [0.2, 0.05]]
>>> L = leontief_inverse(A)
>>> L.round(3).values.tolist()
[[1.254, 0.33], [0.264, 1.122]]
>>> output_multipliers(L).round(3).tolist()
[1.518, 1.452]
"""

from __future__ import annotations

import numpy as np
import pandas as pd

__all__ = [
    "allocation_coefficients",
    "close_to_households",
    "ghosh_inverse",
    "is_productive",
    "leontief_inverse",
    "output_from_final_demand",
    "output_multipliers",
    "spectral_radius",
    "technical_coefficients",
    "total_effects",
    "type_i_multipliers",
]


def _check_square(frame: pd.DataFrame, name: str) -> None:
    if frame.shape[0] != frame.shape[1] or not frame.index.equals(frame.columns):
        raise ValueError(f"{name} must be square with the same labels on rows and columns")


def technical_coefficients(Z: pd.DataFrame, x: pd.Series) -> pd.DataFrame:
    r"""Technical (direct input) coefficients :math:`A = Z \hat{x}^{-1}`.

    Notes
    -----
    :math:`a_{ij} = z_{ij} / x_j`: the input from *i* per unit of *j*'s output.
    Industries with zero output get zero coefficients (they buy nothing).
    """
    _check_square(Z, "Z")
    output = x.reindex(Z.columns).to_numpy(dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        values = np.where(output > 0, Z.to_numpy(dtype=float) / output, 0.0)
    return pd.DataFrame(values, index=Z.index, columns=Z.columns)


def leontief_inverse(A: pd.DataFrame) -> pd.DataFrame:
    r"""The Leontief inverse :math:`L = (I - A)^{-1}`, by solving rather than inverting.

    Notes
    -----
    :math:`l_{ij}` is the output of *i* needed, directly and indirectly, per
    unit of final demand for *j*. Computed as the solution of
    :math:`(I - A) L = I`, which is more accurate than forming the inverse.
    """
    _check_square(A, "A")
    n = A.shape[0]
    values = np.linalg.solve(np.eye(n) - A.to_numpy(dtype=float), np.eye(n))
    return pd.DataFrame(values, index=A.index, columns=A.columns)


def output_from_final_demand(A: pd.DataFrame, final_demand: pd.Series | pd.DataFrame) -> pd.Series | pd.DataFrame:
    r"""Output needed to meet *final_demand*: :math:`x = (I - A)^{-1} f`, solved without forming the inverse."""
    _check_square(A, "A")
    n = A.shape[0]
    f = final_demand.reindex(A.index).fillna(0.0)
    solved = np.linalg.solve(np.eye(n) - A.to_numpy(dtype=float), f.to_numpy(dtype=float))
    if isinstance(f, pd.DataFrame):
        return pd.DataFrame(solved, index=A.index, columns=f.columns)
    return pd.Series(solved, index=A.index, name=f.name)


def output_multipliers(L: pd.DataFrame) -> pd.Series:
    r"""Simple output multipliers: column sums of the Leontief inverse, :math:`m_j = \sum_i l_{ij}`."""
    return L.sum(axis=0).rename("output_multiplier")


def total_effects(L: pd.DataFrame, coefficients: pd.Series) -> pd.Series:
    r"""Total (direct plus indirect) effect per unit of final demand: :math:`e'L`.

    Parameters
    ----------
    L
        Leontief inverse.
    coefficients
        Direct coefficient per unit of output of each industry, e.g. GVA / output
        or jobs per £1m of output.

    Notes
    -----
    :math:`t_j = \sum_i c_i l_{ij}`, e.g. the GVA (or jobs) generated across the
    economy per unit of final demand for *j*.
    """
    c = coefficients.reindex(L.index).fillna(0.0).to_numpy(dtype=float)
    return pd.Series(c @ L.to_numpy(dtype=float), index=L.columns, name=coefficients.name)


def type_i_multipliers(L: pd.DataFrame, coefficients: pd.Series) -> pd.Series:
    r"""Type I multipliers: total effect divided by the direct effect, :math:`(e'L)_j / e_j`.

    NaN where the direct coefficient is zero.
    """
    total = total_effects(L, coefficients)
    direct = coefficients.reindex(L.columns).to_numpy(dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        values = np.where(direct != 0, total.to_numpy() / direct, np.nan)
    return pd.Series(values, index=L.columns, name=coefficients.name)


def allocation_coefficients(Z: pd.DataFrame, x: pd.Series) -> pd.DataFrame:
    r"""Allocation (output) coefficients :math:`B = \hat{x}^{-1} Z`: the share of *i*'s output sold to *j*."""
    _check_square(Z, "Z")
    output = x.reindex(Z.index).to_numpy(dtype=float)[:, None]
    with np.errstate(divide="ignore", invalid="ignore"):
        values = np.where(output > 0, Z.to_numpy(dtype=float) / output, 0.0)
    return pd.DataFrame(values, index=Z.index, columns=Z.columns)


def ghosh_inverse(B: pd.DataFrame) -> pd.DataFrame:
    r"""The Ghosh inverse :math:`G = (I - B)^{-1}` (supply-driven model; forward linkages)."""
    return leontief_inverse(B)


def close_to_households(
    A: pd.DataFrame, labour_income_coefficients: pd.Series, household_consumption_coefficients: pd.Series
) -> pd.DataFrame:
    r"""The coefficient matrix closed with respect to households (for Type II multipliers).

    Parameters
    ----------
    A
        Technical coefficients (n x n).
    labour_income_coefficients
        Row :math:`h_R`: compensation of employees per unit of each industry's output.
    household_consumption_coefficients
        Column :math:`h_C`: household purchases from each industry per unit of
        total household income (compensation).

    Returns
    -------
    pandas.DataFrame
        :math:`\bar{A} = \begin{bmatrix} A & h_C \\ h_R & 0 \end{bmatrix}`,
        with the household row and column labelled ``"households"``.

    Notes
    -----
    Miller and Blair (2009), section 2.5. The leading n x n block of
    :math:`(I - \bar{A})^{-1}` gives Type II (direct, indirect and induced)
    effects.
    """
    labels = [*A.index, "households"]
    n = A.shape[0]
    closed = np.zeros((n + 1, n + 1))
    closed[:n, :n] = A.to_numpy(dtype=float)
    closed[:n, n] = household_consumption_coefficients.reindex(A.index).fillna(0.0).to_numpy(dtype=float)
    closed[n, :n] = labour_income_coefficients.reindex(A.columns).fillna(0.0).to_numpy(dtype=float)
    return pd.DataFrame(closed, index=labels, columns=labels)


def spectral_radius(A: pd.DataFrame) -> float:
    r"""The dominant eigenvalue modulus :math:`\rho(A)` of a coefficient matrix.

    Notes
    -----
    A non-negative coefficient matrix is productive, i.e. :math:`(I - A)^{-1}`
    exists and is non-negative so that every non-negative final demand can be
    met, if and only if :math:`\rho(A) < 1` (Miller and Blair 2009, appendix
    2.2; the Hawkins–Simon conditions). Column sums below one are sufficient.

    Examples
    --------
    >>> A = pd.DataFrame([[0.15, 0.25], [0.2, 0.05]], index=["1", "2"], columns=["1", "2"])
    >>> round(spectral_radius(A), 4)
    0.3291
    """
    _check_square(A, "A")
    return float(np.max(np.abs(np.linalg.eigvals(A.to_numpy(dtype=float))))) if A.shape[0] else 0.0


def is_productive(A: pd.DataFrame) -> bool:
    r"""Whether the coefficient matrix is productive: non-negative with :math:`\rho(A) < 1`.

    Examples
    --------
    >>> A = pd.DataFrame([[0.5, 0.6], [0.6, 0.5]], index=["1", "2"], columns=["1", "2"])
    >>> is_productive(A)  # column sums 1.1: more than a unit of inputs per unit of output
    False
    """
    return bool((A.to_numpy(dtype=float) >= 0).all()) and spectral_radius(A) < 1.0
