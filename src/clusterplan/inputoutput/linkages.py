"""Backward and forward linkages and key sectors (Rasmussen–Hirschman; Ghosh for forward linkages).

An industry with strong **backward** linkages buys much from other industries
per unit of its output, so its growth pulls its suppliers along; one with
strong **forward** linkages sells much of its output to other industries, so
they depend on its supply. Hirschman called industries strong in both *key
sectors*. Following Miller and Blair (2009, ch. 12):

direct linkages
    backward :math:`\\sum_i a_{ij}` (column sums of *A*), forward
    :math:`\\sum_j b_{ij}` (row sums of the allocation coefficients
    :math:`B = \\hat x^{-1} Z`).
total linkages
    backward :math:`\\sum_i l_{ij}` (column sums of the Leontief inverse, the
    output multiplier), forward :math:`\\sum_j g_{ij}` (row sums of the Ghosh
    inverse :math:`G = (I - B)^{-1}`).
normalised indices (Rasmussen 1956)
    each total divided by its average over industries, so 1 is average:
    the **power of dispersion** (backward)
    :math:`U_j = \\frac{\\frac{1}{n}\\sum_i l_{ij}}{\\frac{1}{n^2}\\sum_{i,j} l_{ij}}`,
    the **sensitivity of dispersion** (forward, Rasmussen's own, from the rows
    of *L*) :math:`U_i = \\frac{\\frac{1}{n}\\sum_j l_{ij}}{\\frac{1}{n^2}\\sum_{i,j} l_{ij}}`,
    and the **Ghosh forward index** from the rows of *G*, which Miller and
    Blair recommend over the rows of *L* (a row of *L* answers "how much must
    *i* produce if every industry's final demand rises by one", not "how much
    do others depend on *i*'s supply").

Key-sector classification (:data:`LINKAGE_CLASSES`), from the power of
dispersion and the chosen forward index: ``"key"`` both above 1;
``"backward"`` backward only; ``"forward"`` forward only; ``"weak"`` neither.

References
----------
Rasmussen, P. N. (1956). *Studies in Inter-Sectoral Relations*. Copenhagen:
Einar Harks.

Hirschman, A. O. (1958). *The Strategy of Economic Development*. Yale
University Press.

Miller, R. E. and Blair, P. D. (2009). *Input-Output Analysis: Foundations and
Extensions*, 2nd ed., sections 12.1–12.2.

Examples
--------
Miller and Blair's two-sector example (:math:`z_{11}=150, z_{12}=500,
z_{21}=200, z_{22}=100`, :math:`x = (1000, 2000)`): by hand,
:math:`L = \\frac{1}{0.7575}\\begin{bmatrix}0.95 & 0.25\\\\ 0.2 & 0.85\\end{bmatrix}`,
column sums 1.15 and 1.10 (over 0.7575), total 2.25, so the powers of
dispersion are :math:`2 \\times 1.15/2.25 = 1.0222` and :math:`2 \\times
1.10/2.25 = 0.9778`; :math:`G = \\frac{1}{0.7575}\\begin{bmatrix}0.95 &
0.5\\\\ 0.1 & 0.85\\end{bmatrix}`, row sums 1.45 and 0.95, so the Ghosh
forward indices are :math:`2 \\times 1.45/2.4 = 1.2083` and 0.7917.

>>> Z = pd.DataFrame([[150.0, 500.0], [200.0, 100.0]], index=["1", "2"], columns=["1", "2"])
>>> x = pd.Series([1000.0, 2000.0], index=["1", "2"])
>>> table = linkages_table(Z, x)
>>> table[["power_of_dispersion", "ghosh_forward_index"]].round(4).values.tolist()
[[1.0222, 1.2083], [0.9778, 0.7917]]
>>> table["linkage_class"].tolist()
['key', 'weak']
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal

import numpy as np
import pandas as pd

from .._exceptions import ParameterError
from .iomath import allocation_coefficients, ghosh_inverse, leontief_inverse, technical_coefficients

if TYPE_CHECKING:
    from .national import NationalModel

__all__ = [
    "FORWARD_MEASURES",
    "LINKAGE_CLASSES",
    "LINKAGE_COLUMNS",
    "classify_linkages",
    "direct_backward_linkages",
    "direct_forward_linkages",
    "ghosh_forward_index",
    "linkages_table",
    "model_linkages",
    "normalised_index",
    "power_of_dispersion",
    "sensitivity_of_dispersion",
    "total_backward_linkages",
    "total_forward_linkages",
]

#: Key-sector classes, in the order of :func:`classify_linkages`'s documentation.
LINKAGE_CLASSES = ("key", "backward", "forward", "weak")

#: Forward indices :func:`linkages_table` can classify with.
FORWARD_MEASURES = ("ghosh", "rasmussen")

#: Columns of :func:`linkages_table`, in order.
LINKAGE_COLUMNS = [
    "industry_code",
    "industry_name",
    "direct_backward",
    "total_backward",
    "power_of_dispersion",
    "direct_forward",
    "total_forward",
    "ghosh_forward_index",
    "sensitivity_of_dispersion",
    "linkage_class",
]


def direct_backward_linkages(A: pd.DataFrame) -> pd.Series:
    """Direct backward linkages: column sums of the technical coefficients, :math:`\\sum_i a_{ij}`."""
    return A.sum(axis=0).rename("direct_backward")


def direct_forward_linkages(B: pd.DataFrame) -> pd.Series:
    """Direct forward linkages: row sums of the allocation coefficients, :math:`\\sum_j b_{ij}`."""
    return B.sum(axis=1).rename("direct_forward")


def total_backward_linkages(L: pd.DataFrame) -> pd.Series:
    """Total backward linkages: column sums of the Leontief inverse (the output multipliers)."""
    return L.sum(axis=0).rename("total_backward")


def total_forward_linkages(G: pd.DataFrame) -> pd.Series:
    """Total forward linkages: row sums of the Ghosh inverse, :math:`\\sum_j g_{ij}`."""
    return G.sum(axis=1).rename("total_forward")


def normalised_index(linkages: pd.Series) -> pd.Series:
    """Linkages divided by their average over industries, :math:`n s_j / \\sum_k s_k` (1 = average).

    Examples
    --------
    >>> normalised_index(pd.Series([1.15, 1.10], index=["1", "2"])).round(4).tolist()
    [1.0222, 0.9778]
    """
    total = float(linkages.sum())
    if total == 0:
        return pd.Series(np.nan, index=linkages.index, name=linkages.name)
    return linkages * len(linkages) / total


def power_of_dispersion(L: pd.DataFrame) -> pd.Series:
    """Rasmussen's power of dispersion (normalised backward linkage) from the columns of *L*."""
    return normalised_index(L.sum(axis=0)).rename("power_of_dispersion")


def sensitivity_of_dispersion(L: pd.DataFrame) -> pd.Series:
    """Rasmussen's sensitivity of dispersion (normalised forward linkage) from the rows of *L*."""
    return normalised_index(L.sum(axis=1)).rename("sensitivity_of_dispersion")


def ghosh_forward_index(G: pd.DataFrame) -> pd.Series:
    """Normalised forward linkage from the rows of the Ghosh inverse *G*."""
    return normalised_index(G.sum(axis=1)).rename("ghosh_forward_index")


def classify_linkages(backward: pd.Series, forward: pd.Series, *, threshold: float = 1.0) -> pd.Series:
    """Key-sector class of each industry from normalised backward and forward indices.

    Returns
    -------
    pandas.Series
        ``"key"`` (both above *threshold*), ``"backward"`` (backward only),
        ``"forward"`` (forward only) or ``"weak"`` (neither); NaN indices give
        ``"weak"``.

    Examples
    --------
    >>> classify_linkages(pd.Series([1.2, 1.1, 0.9, 0.8]), pd.Series([1.3, 0.9, 1.1, 0.7])).tolist()
    ['key', 'backward', 'forward', 'weak']
    """
    back = backward.to_numpy(dtype=float) > threshold
    fwd = forward.reindex(backward.index).to_numpy(dtype=float) > threshold
    labels = np.select([back & fwd, back, fwd], ["key", "backward", "forward"], default="weak")
    return pd.Series(labels, index=backward.index, name="linkage_class", dtype=object)


def linkages_table(
    Z: pd.DataFrame,
    x: pd.Series,
    *,
    names: pd.Series | None = None,
    forward: Literal["ghosh", "rasmussen"] = "ghosh",
    threshold: float = 1.0,
) -> pd.DataFrame:
    """Direct and total, backward and forward linkages of every industry, with its key-sector class.

    Parameters
    ----------
    Z
        Inter-industry flows (rows sell to columns).
    x
        Total output.
    names
        Industry names (optional).
    forward
        Forward index the classification uses: ``"ghosh"`` (rows of *G*,
        default) or ``"rasmussen"`` (rows of *L*, the sensitivity of
        dispersion).
    threshold
        Index above which a linkage counts as strong (1 = the average).

    Returns
    -------
    pandas.DataFrame
        :data:`LINKAGE_COLUMNS`, one row per industry.
    """
    if forward not in FORWARD_MEASURES:
        raise ParameterError(
            f"unknown forward linkage measure {forward!r}; choose one of {', '.join(FORWARD_MEASURES)}"
        )
    A = technical_coefficients(Z, x)
    L = leontief_inverse(A)
    B = allocation_coefficients(Z, x)
    G = ghosh_inverse(B)
    industries = Z.index
    out = pd.DataFrame({"industry_code": list(industries)}, index=industries)
    out["industry_name"] = (
        names.reindex(industries) if names is not None else pd.Series(np.nan, index=industries)
    ).to_numpy()
    out["direct_backward"] = direct_backward_linkages(A).to_numpy()
    out["total_backward"] = total_backward_linkages(L).to_numpy()
    out["power_of_dispersion"] = power_of_dispersion(L).to_numpy()
    out["direct_forward"] = direct_forward_linkages(B).to_numpy()
    out["total_forward"] = total_forward_linkages(G).to_numpy()
    out["ghosh_forward_index"] = ghosh_forward_index(G).to_numpy()
    out["sensitivity_of_dispersion"] = sensitivity_of_dispersion(L).to_numpy()
    chosen = out["ghosh_forward_index"] if forward == "ghosh" else out["sensitivity_of_dispersion"]
    out["linkage_class"] = classify_linkages(out["power_of_dispersion"], chosen, threshold=threshold).to_numpy()
    result = out[LINKAGE_COLUMNS].reset_index(drop=True)
    result.attrs.update({"forward": forward, "threshold": threshold})
    return result


def model_linkages(
    model: NationalModel, *, forward: Literal["ghosh", "rasmussen"] = "ghosh", threshold: float = 1.0
) -> pd.DataFrame:
    """:func:`linkages_table` of a :class:`~clusterplan.inputoutput.national.NationalModel`, with industry names."""
    return linkages_table(model.Z, model.output, names=model.industry_names, forward=forward, threshold=threshold)
