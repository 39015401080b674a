r"""Relatedness density and economic complexity of regions and industries.

The measures of the Growth Lab's *Atlas of Economic Complexity* and Metroverse, applied to any area x industry
activity table (employment by metro and NAICS code, by ITL2 area and SIC code, exports by country and product):

================================  ==================================================================================
:func:`complexity`                everything at once from a long table: ECI, PCI, density, outlook, outlook gain
:func:`economic_complexity`       ECI and PCI by the eigenvector method, sign fixed against diversity
:func:`method_of_reflections`     the original iterative ECI/PCI (Hidalgo and Hausmann, 2009), to cross-check
:func:`relatedness_density`       share of an industry's related industries a region already has
:func:`complexity_outlook`        how much complexity lies near a region's current industries (COI)
:func:`complexity_outlook_gain`   how much a region's outlook would grow by entering an industry (COG)
================================  ==================================================================================

Conventions follow the Growth Lab's reference implementation, the Stata ``ecomplexity`` command (Harvard Center
for International Development), and its Python port ``ecomplexity`` (0.5.3), so results can be checked one to one:
presence is RCA >= 1; areas and industries without any activity are left out; the proximity is the minimum
conditional probability; ECI is standardised and PCI is standardised with ECI's mean and standard deviation, so
that a region's ECI is the mean PCI of its industries; the outlook and outlook gain weight industries by their
complexity before centring, :math:`K_p / \operatorname{sd}(K_c)`, as the Stata command does. Two details differ
between the two reference implementations and are parameters or documented here:

* the proximity used for density has a zero diagonal in Stata (an industry does not count towards its own density,
  as in Hidalgo et al. and EconGeo) and a diagonal of 1 in the Python port: ``self_proximity=0`` (default) or 1;
* Stata divides by the standard deviation over the rows of its long table (areas x industries, divisor
  :math:`NP - 1`), the Python port and this module by the population standard deviation across areas, so Stata's
  ECI, PCI and outlook values are these times :math:`\sqrt{(NP - 1) / NP}` (0.99833 for 10 x 30).

The eigenvector is found on the symmetric form of the problem with a Lanczos solver over a sparse matrix, which
is much faster than the dense non-symmetric eigendecomposition the Python port uses, and agrees with it to
rounding.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import cache, cached_property
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from .._exceptions import ParameterError
from .colocation import _activity_array, _minimum_conditional_probability_array, _rca_array, activity_matrix

if TYPE_CHECKING:
    import scipy.sparse as sp

# SciPy is imported where it is used, not with this module: the command line imports this module before it forks
# its second process, and SciPy's sparse matrices and their eigensolver take about 0.2 s to import, which the
# process that never computes a complexity (the first, in most runs) then no longer spends.

__all__ = [
    "ComplexityResult",
    "complexity",
    "complexity_outlook",
    "complexity_outlook_gain",
    "economic_complexity",
    "method_of_reflections",
    "relatedness_density",
]

# Below this size a dense symmetric eigensolver is exact and fast; above it Lanczos on a sparse operator wins.
_DENSE_EIGEN_LIMIT = 300


# ---------------------------------------------------------------------------------------------------------------------
# Array kernels (no labels)
# ---------------------------------------------------------------------------------------------------------------------


def _second_eigenvector(
    sparse: sp.csr_matrix, diversity: np.ndarray, ubiquity: np.ndarray
) -> tuple[np.ndarray, np.ndarray, float]:
    """Raw ECI and PCI vectors and the eigenvalue, for a presence matrix with no empty rows or columns and its row
    and column sums (diversity and ubiquity).

    :math:`\\tilde M^{P} = U^{-1} M^T D^{-1} M` is similar to the symmetric :math:`A^T A` and
    :math:`\\tilde M^{C} = D^{-1} M U^{-1} M^T` to :math:`A A^T`, with :math:`A = D^{-1/2} M U^{-1/2}`; both have the
    same non-zero eigenvalues, so the smaller of the two is solved. Its eigenvector for eigenvalue 1 is known
    (:math:`\\sqrt{u}` or :math:`\\sqrt{d}`) and projected out; the largest remaining one gives :math:`K_p` (or
    :math:`K_c`, from which :math:`K_p = U^{-1} M^T K_c`). Then :math:`K_c = D^{-1} M K_p`, as ``ecomplexity``.
    """
    import scipy.sparse as sp

    # A = D^-1/2 M U^-1/2, scaling the stored ones in place of two diagonal products (each row's root repeated
    # over its entries: a quarter of the time of gathering it by a row index per entry). A shares M's structure.
    scaled = np.repeat(np.sqrt(diversity), np.diff(sparse.indptr))
    np.divide(sparse.data, scaled, out=scaled)
    scaled /= np.sqrt(ubiquity).take(sparse.indices)
    a = sp.csr_matrix((scaled, sparse.indices, sparse.indptr), shape=sparse.shape)
    area_side = a.shape[0] < a.shape[1]
    degree = diversity if area_side else ubiquity
    root = np.sqrt(degree)
    top = root / np.linalg.norm(root)
    # The transpose is a CSC view of the same arrays: its product is as fast as a CSR copy's, without the copy.
    left, right = (a, a.T) if area_side else (a.T, a)
    n = left.shape[0]
    if n <= _DENSE_EIGEN_LIMIT:
        dense = left.toarray()
        gram = dense @ dense.T - np.outer(top, top)
        values, vectors = np.linalg.eigh(gram)
        value, vector = float(values[-1]), vectors[:, -1]
    else:
        import scipy.sparse.linalg as spla  # only for the large matrices (a US run's, not a GB one's)

        def deflated(y: np.ndarray) -> np.ndarray:
            return np.asarray(left @ (right @ y)) - top * (top @ y)

        operator = spla.LinearOperator((n, n), matvec=deflated, dtype=float)
        # A fixed start vector keeps results reproducible (ARPACK otherwise starts from a random vector).
        start = root * (degree - degree.mean() + 1.0)
        # ARPACK's BLAS calls are on vectors of n: a second BLAS thread only adds hand-overs (the solve took 2.5x as
        # long with two on the 2-core benchmark machine). Same bits: the CLI and web server run on one thread anyway.
        with _one_blas_thread():
            values, vectors = spla.eigsh(operator, k=1, which="LA", v0=start, tol=1e-13)
        value, vector = float(values[0]), vectors[:, 0]
    # From the area side, K_p is the mean K_c of the areas that have each industry.
    k_p = np.asarray(sparse.T @ (vector / root)).ravel() / ubiquity if area_side else vector / root
    k_c = np.asarray(sparse @ k_p).ravel() / diversity
    return k_c, k_p, value


@cache
def _blas_controller() -> Any:
    """The BLAS thread-pool controller, made once (finding the loaded libraries takes milliseconds)."""
    from threadpoolctl import ThreadpoolController

    return ThreadpoolController()


_ONE_BLAS_THREAD = threading.Lock()


@contextmanager
def _one_blas_thread() -> Iterator[None]:
    """BLAS on one thread for the block, then as it was. The limit is process-wide, so concurrent callers take
    turns: two overlapping limits would each restore what the other set."""
    with _ONE_BLAS_THREAD, _blas_controller().limit(limits=1, user_api="blas"):
        yield


def _csr_from_mask(mask: np.ndarray) -> sp.csr_matrix:
    """A 0/1 CSR matrix straight from a C-ordered boolean mask (quicker than converting a dense float matrix).

    The flat positions of the ones are in row order: where each row's first width begins among them gives the
    index pointer (a binary search per row), and a position less its row's start the column index, without the
    row index array ``np.nonzero`` would also make or a division per entry.
    """
    import scipy.sparse as sp

    n_rows, width = mask.shape
    index = np.int32 if mask.size < 2**31 else np.int64
    flat = np.flatnonzero(mask)
    row_starts = np.arange(0, (n_rows + 1) * width, width) if width else np.zeros(n_rows + 1, dtype=np.intp)
    indptr = np.searchsorted(flat, row_starts).astype(index)
    columns = (flat - np.repeat(row_starts[:-1], np.diff(indptr))).astype(index)
    return sp.csr_matrix((np.ones(len(columns)), columns, indptr), shape=mask.shape)


def _eci_pci(m: np.ndarray | sp.csr_matrix) -> tuple[np.ndarray, np.ndarray, np.ndarray, float]:
    """ECI, PCI, PCI before centring, eigenvalue, for every row and column of *m*; NaN for an empty one."""
    import scipy.sparse as sp

    sparse = sp.csr_matrix(m)
    if (sparse.data == 1).all():
        # A 0/1 matrix (as a presence matrix is): its sums are its counts of stored entries, got without a product.
        diversity = np.diff(sparse.indptr).astype(float)
        ubiquity = np.bincount(sparse.indices, minlength=sparse.shape[1]).astype(float)
    else:
        diversity = np.asarray(sparse.sum(axis=1)).ravel()
        ubiquity = np.asarray(sparse.sum(axis=0)).ravel()
    rows, columns = diversity > 0, ubiquity > 0
    eci = np.full(sparse.shape[0], np.nan)
    pci = np.full(sparse.shape[1], np.nan)
    raw = np.full(sparse.shape[1], np.nan)
    if rows.sum() < 2 or columns.sum() < 2:
        return eci, pci, raw, float("nan")
    if rows.all() and columns.all():
        k_c, k_p, value = _second_eigenvector(sparse, diversity, ubiquity)
    else:
        k_c, k_p, value = _second_eigenvector(sparse[rows][:, columns], diversity[rows], ubiquity[columns])
    eci[rows], pci[columns], raw[columns] = _standardise_eci_pci(k_c, k_p, diversity[rows])
    return eci, pci, raw, value


def _sign_against_diversity(k_c: np.ndarray, diversity: np.ndarray) -> float:
    if np.std(k_c) == 0 or np.std(diversity) == 0:
        return 1.0
    correlation = np.corrcoef(diversity, k_c)[0, 1]
    return -1.0 if correlation < 0 else 1.0


def _standardise_eci_pci(
    k_c: np.ndarray, k_p: np.ndarray, diversity: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """ECI, PCI and PCI before centring (:math:`K_p / sd(K_c)`), signs fixed against diversity."""
    sign = _sign_against_diversity(k_c, diversity)
    k_c, k_p = sign * k_c, sign * k_p
    mean, std = k_c.mean(), k_c.std()
    if std == 0:
        return np.zeros_like(k_c), np.zeros_like(k_p), np.zeros_like(k_p)
    return (k_c - mean) / std, (k_p - mean) / std, k_p / std


def _density_array(m: np.ndarray | sp.csr_matrix, proximity: np.ndarray) -> np.ndarray:
    column_total = proximity.sum(axis=0)
    # Dense BLAS runs on every core; a sparse product is single-threaded and no faster at 1 cell in 8.
    dense = m.astype(float, copy=False) if isinstance(m, np.ndarray) else m.toarray()
    density = dense @ proximity
    unrelated = column_total == 0
    # In place: a second area x industry array costs more than the division.
    density /= np.where(unrelated, 1.0, column_total)[None, :]
    density[:, unrelated] = 0.0
    return density


def _outlook_gain_array(m: np.ndarray, proximity: np.ndarray, pci: np.ndarray) -> np.ndarray:
    row_total = proximity.sum(axis=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        weight = np.where(row_total > 0, pci / row_total, 0.0)
    weighted = proximity * weight[:, None]
    # (1 - M) @ W = 1'W - M @ W: one product with the sparse-ish M instead of a dense (1 - M).
    reachable = weighted.sum(axis=0)[None, :] - m @ weighted
    return np.where(m > 0, 0.0, reachable)


# ---------------------------------------------------------------------------------------------------------------------
# Labelled functions
# ---------------------------------------------------------------------------------------------------------------------


def _active(presence: pd.DataFrame) -> pd.DataFrame:
    m = presence.to_numpy(dtype=float)
    return presence.loc[m.sum(axis=1) > 0, m.sum(axis=0) > 0]


def economic_complexity(presence: pd.DataFrame) -> tuple[pd.Series, pd.Series]:
    r"""Economic complexity of areas (ECI) and industries (PCI) by the eigenvector method.

    Parameters
    ----------
    presence
        Binary area x industry matrix :math:`M` (e.g. ``presence_matrix(revealed_comparative_advantage(x))``).

    Returns
    -------
    tuple of pandas.Series
        ``(eci, pci)``: ECI indexed by area, PCI by industry; NaN for an area or industry present nowhere.

    Notes
    -----
    With diversity :math:`k_{c,0} = \sum_p M_{cp}` and ubiquity :math:`k_{p,0} = \sum_c M_{cp}`,

    .. math::

        \tilde M^{C}_{cc'} = \sum_p \frac{M_{cp} M_{c'p}}{k_{c,0}\, k_{p,0}}, \qquad
        \tilde M^{P}_{pp'} = \sum_c \frac{M_{cp} M_{cp'}}{k_{c,0}\, k_{p,0}}

    The largest eigenvalue of both is 1 with a constant eigenvector; :math:`K_p`, the eigenvector of
    :math:`\tilde M^P` for the second largest eigenvalue, ranks industries by complexity, and
    :math:`K_c = \frac{1}{k_{c,0}} \sum_p M_{cp} K_p` (the eigenvector of :math:`\tilde M^C`) ranks areas.
    The sign is chosen so that :math:`K_c` correlates positively with diversity. Then

    .. math::

        ECI_c = \frac{K_c - \langle K \rangle}{\operatorname{sd}(K)}, \qquad
        PCI_p = \frac{K_p - \langle K \rangle}{\operatorname{sd}(K)}

    using the mean and (population) standard deviation of :math:`K_c` for both, as the Growth Lab's ``ecomplexity``
    package does, so that each area's ECI is the mean PCI of the industries it has. The eigenvector is computed on
    the symmetric matrix :math:`A^\top A`, :math:`A = D^{-1/2} M U^{-1/2}`, which has the same eigenvalues.

    References
    ----------
    Hidalgo, C. A. and Hausmann, R. (2009). The building blocks of economic complexity. *PNAS* 106(26),
    10570-10575.
    Hausmann, R., Hidalgo, C. A., Bustos, S., Coscia, M., Simoes, A. and Yildirim, M. A. (2014). *The Atlas of
    Economic Complexity: Mapping Paths to Prosperity*. MIT Press, technical box 2.1.

    Examples
    --------
    A nested structure: R1 has every industry, R3 only the most common one.

    >>> m = pd.DataFrame([[1, 1, 1], [1, 1, 0], [1, 0, 0]], index=["R1", "R2", "R3"], columns=["A", "B", "C"])
    >>> eci, pci = economic_complexity(m)
    >>> (eci.round(4) + 0.0).tolist()
    [1.2247, 0.0, -1.2247]
    >>> pci.round(4).tolist()
    [-1.2247, 1.2247, 3.6742]

    Each area's ECI is the mean PCI of its industries: R2's is (-1.2247 + 1.2247) / 2 = 0.
    """
    eci, pci, _, _ = _eci_pci(presence.to_numpy(dtype=float))
    return pd.Series(eci, index=presence.index, name="eci"), pd.Series(pci, index=presence.columns, name="pci")


def method_of_reflections(presence: pd.DataFrame, iterations: int = 18) -> tuple[pd.Series, pd.Series]:
    r"""ECI and PCI by Hidalgo and Hausmann's (2009) method of reflections, standardised.

    Parameters
    ----------
    presence
        Binary area x industry matrix :math:`M`.
    iterations
        Number of reflections :math:`N`; use an even number (18 to 20 is usual): :math:`k_{c,1}` (the mean
        ubiquity of an area's industries) ranks areas against diversity, :math:`k_{c,2}` with it.

    Returns
    -------
    tuple of pandas.Series
        ``(k_c, k_p)`` at iteration *N*, each standardised to mean 0 and standard deviation 1 (NaN for an area or
        industry present nowhere). For even *N*, :math:`k_{c,N}` converges to ECI; :math:`k_{p,N}` converges to
        PCI up to sign (it is one half-step behind, so depending on the data it ranks industries with PCI or in
        reverse; compare absolute correlations).

    Notes
    -----
    .. math::

        k_{c,N} = \frac{1}{k_{c,0}} \sum_p M_{cp} k_{p,N-1}, \qquad
        k_{p,N} = \frac{1}{k_{p,0}} \sum_c M_{cp} k_{c,N-1}

    starting from diversity :math:`k_{c,0}` and ubiquity :math:`k_{p,0}`. Each step multiplies by a stochastic
    matrix, so the values shrink towards a constant; standardising removes that constant and leaves the second
    eigenvector, which is why :func:`economic_complexity` computes it directly.

    References
    ----------
    Hidalgo, C. A. and Hausmann, R. (2009). The building blocks of economic complexity. *PNAS* 106(26),
    10570-10575.

    Examples
    --------
    >>> m = pd.DataFrame([[1, 1, 1], [1, 1, 0], [1, 0, 0]], index=["R1", "R2", "R3"], columns=["A", "B", "C"])
    >>> k_c, k_p = method_of_reflections(m, iterations=2)
    >>> (k_c.round(4) + 0.0).tolist()
    [1.2247, 0.0, -1.2247]
    """
    if iterations < 1:
        raise ParameterError(f"iterations must be at least 1, not {iterations!r}")
    active = _active(presence)
    m = active.to_numpy(dtype=float)
    diversity, ubiquity = m.sum(axis=1), m.sum(axis=0)
    k_c, k_p = diversity.copy(), ubiquity.copy()
    for _ in range(iterations):
        k_c, k_p = (m @ k_p) / diversity, (m.T @ k_c) / ubiquity
    return (
        pd.Series(_zscore(k_c), index=active.index, name="k_c").reindex(presence.index),
        pd.Series(_zscore(k_p), index=active.columns, name="k_p").reindex(presence.columns),
    )


def _zscore(values: np.ndarray) -> np.ndarray:
    std = values.std()
    return np.zeros_like(values) if std == 0 else (values - values.mean()) / std


def _aligned(proximity: pd.DataFrame, industries: pd.Index) -> np.ndarray:
    missing = industries.difference(proximity.index).union(industries.difference(proximity.columns))
    if len(missing):
        raise ParameterError(
            f"the proximity matrix has no row or column for {len(missing)} industries (e.g. {missing[0]!r})",
            hint="give one proximity row and column for every industry of the presence matrix",
        )
    return proximity.reindex(index=industries, columns=industries).to_numpy(dtype=float)


def relatedness_density(presence: pd.DataFrame, proximity: pd.DataFrame) -> pd.DataFrame:
    r"""Relatedness density: how much of what is related to an industry a region already has.

    Parameters
    ----------
    presence
        Binary area x industry matrix :math:`M` (or any weights, e.g. RCA for a continuous variant).
    proximity
        Industry x industry relatedness :math:`\varphi`, labelled with (at least) the industries of *presence*.
        Used as given: a zero diagonal (as from :mod:`~clusterplan.relatedness.colocation`, and as EconGeo) leaves
        the industry itself out; a diagonal of 1 (as ``ecomplexity``) counts it.

    Returns
    -------
    pandas.DataFrame
        Area x industry density in [0, 1] for binary *presence*; 0 for an industry related to nothing.

    Notes
    -----
    .. math::

        \omega_{cp} = \frac{\sum_{p'} M_{cp'} \varphi_{pp'}}{\sum_{p'} \varphi_{pp'}}

    EconGeo's ``relatedness_density()`` reports the same quantity times 100.

    References
    ----------
    Hidalgo, C. A., Klinger, B., Barabási, A.-L. and Hausmann, R. (2007). The product space conditions the
    development of nations. *Science* 317(5837), 482-487.

    Examples
    --------
    R1 has A and B; C is related to A (0.6) and B (0.2), so its density in R1 is (0.6 + 0.2) / (0.6 + 0.2) = 1,
    and in R2, which has only B, 0.2 / 0.8 = 0.25:

    >>> m = pd.DataFrame([[1, 1, 0], [0, 1, 0]], index=["R1", "R2"], columns=["A", "B", "C"])
    >>> phi = pd.DataFrame([[0, 0.5, 0.6], [0.5, 0, 0.2], [0.6, 0.2, 0]], index=list("ABC"), columns=list("ABC"))
    >>> relatedness_density(m, phi).round(4).to_numpy().tolist()
    [[0.4545, 0.7143, 1.0], [0.4545, 0.0, 0.25]]
    """
    density = _density_array(presence.to_numpy(dtype=float), _aligned(proximity, presence.columns))
    return pd.DataFrame(density, index=presence.index, columns=presence.columns)


def complexity_outlook(
    presence: pd.DataFrame, density: pd.DataFrame, pci: pd.Series, *, standardise: bool = False
) -> pd.Series:
    r"""Complexity outlook index: the complexity of the industries a region does not have, weighted by density.

    Parameters
    ----------
    presence, density
        Area x industry presence :math:`M` and relatedness density :math:`\omega`.
    pci
        Complexity of each industry; industries without one count as 0. The Growth Lab's implementation (and
        :func:`complexity`) passes PCI before centring, :math:`K_p / \operatorname{sd}(K_c)`.
    standardise
        Return z-scores across areas (population standard deviation), as the Growth Lab reports COI.

    Notes
    -----
    .. math::

        COI_c = \sum_p \omega_{cp} (1 - M_{cp})\, PCI_p

    The Atlas writes it with the distance :math:`d_{cp} = 1 - \omega_{cp}`.

    References
    ----------
    Hausmann, R. et al. (2014). *The Atlas of Economic Complexity*, technical box 5.4.

    Examples
    --------
    >>> m = pd.DataFrame([[1, 0, 0]], index=["R1"], columns=["A", "B", "C"])
    >>> omega = pd.DataFrame([[1.0, 0.5, 0.25]], index=["R1"], columns=["A", "B", "C"])
    >>> complexity_outlook(m, omega, pd.Series({"A": -1.0, "B": 1.0, "C": 2.0})).tolist()
    [1.0]
    """
    m = presence.to_numpy(dtype=float)
    aligned = density.index.equals(presence.index) and density.columns.equals(presence.columns)
    omega = (density if aligned else density.reindex(index=presence.index, columns=presence.columns)).to_numpy(float)
    weights = pci.reindex(presence.columns).fillna(0.0).to_numpy(dtype=float)
    outlook = (omega * (1.0 - m)) @ weights
    if standardise:
        outlook = _zscore(outlook)
    return pd.Series(outlook, index=presence.index, name="complexity_outlook")


def complexity_outlook_gain(presence: pd.DataFrame, proximity: pd.DataFrame, pci: pd.Series) -> pd.DataFrame:
    r"""Complexity outlook gain: how much a region's outlook improves if it enters an industry.

    Notes
    -----
    .. math::

        COG_{cp} = (1 - M_{cp}) \sum_{p'} \frac{\varphi_{pp'}}{\sum_{p''} \varphi_{p''p'}} (1 - M_{cp'})\, PCI_{p'}

    the complexity of the absent industries :math:`p'` that entering :math:`p` brings closer, each weighted by the
    share of :math:`p'`'s links that :math:`p` supplies. This is the formula of the Growth Lab's Stata and Python
    ``ecomplexity`` (which pass PCI before centring, :math:`K_p / \operatorname{sd}(K_c)`, as :func:`complexity`
    does); the Atlas book's text also subtracts :math:`(1 - d_{cp}) PCI_p`, the outlook :math:`p` itself stops
    contributing once present, which is not done here. 0 where :math:`M_{cp} = 1`.

    References
    ----------
    Hausmann, R. et al. (2014). *The Atlas of Economic Complexity*, technical box 5.4.

    Examples
    --------
    >>> m = pd.DataFrame([[1, 0, 0]], index=["R1"], columns=["A", "B", "C"])
    >>> phi = pd.DataFrame([[1, 0.5, 0], [0.5, 1, 0.5], [0, 0.5, 1]], index=list("ABC"), columns=list("ABC"))
    >>> complexity_outlook_gain(m, phi, pd.Series({"A": -1.0, "B": 1.0, "C": 2.0})).to_numpy().tolist()
    [[0.0, 1.1666666666666665, 1.5833333333333333]]
    """
    gain = _outlook_gain_array(
        presence.to_numpy(dtype=float),
        _aligned(proximity, presence.columns),
        pci.reindex(presence.columns).fillna(0.0).to_numpy(dtype=float),
    )
    return pd.DataFrame(gain, index=presence.index, columns=presence.columns)


# ---------------------------------------------------------------------------------------------------------------------
# Everything at once
# ---------------------------------------------------------------------------------------------------------------------


def _code_type(categories: int) -> type[np.signedinteger[Any]]:
    """The integer type of a categorical's codes for this many categories (as pandas chooses it)."""
    for kind in (np.int8, np.int16, np.int32):
        if categories < np.iinfo(kind).max:
            return kind
    return np.int64


@dataclass
class ComplexityResult:
    """Result of :func:`complexity`. Matrices are area x industry or industry x industry, labels sorted.

    Attributes
    ----------
    eci, pci
        Economic complexity of each area and industry (Series named ``eci`` / ``pci``).
    pci_before_centring
        :math:`K_p / \\operatorname{sd}(K_c)` (PCI plus :math:`\\langle K_c \\rangle / \\operatorname{sd}(K_c)`),
        the weights of the outlook and outlook gain.
    diversity, ubiquity
        Number of industries each area has (RCA >= threshold), number of areas each industry is present in.
    eigenvalue
        Second largest eigenvalue of :math:`\\tilde M` (the first is 1); near 1 means the areas split into
        almost separate groups and ECI mostly says which group an area belongs to.
    rca, presence, proximity, density_matrix
        The wide matrices behind the long :attr:`density` table.
    parameters
        Column names and threshold used.

    The complexity outlook and outlook gain are computed when first asked for.
    """

    eci: pd.Series
    pci: pd.Series
    pci_before_centring: pd.Series
    diversity: pd.Series
    ubiquity: pd.Series
    eigenvalue: float
    rca: pd.DataFrame
    presence: pd.DataFrame
    proximity: pd.DataFrame
    density_matrix: pd.DataFrame
    parameters: dict[str, Any] = field(default_factory=dict)

    def _long(self, columns: dict[str, pd.DataFrame]) -> pd.DataFrame:
        areas, industries = self.rca.index, self.rca.columns
        n_areas, n_industries = len(areas), len(industries)
        # Codes in the smallest integer type that holds them, the one pandas would otherwise convert them to.
        area_codes = np.repeat(np.arange(n_areas, dtype=_code_type(n_areas)), n_industries)
        industry_codes = np.tile(np.arange(n_industries, dtype=_code_type(n_industries)), n_areas)
        frame: dict[Any, Any] = {
            areas.name or "area_code": pd.Categorical.from_codes(area_codes, categories=areas, validate=False),
            industries.name or "industry_code": pd.Categorical.from_codes(
                industry_codes, categories=industries, validate=False
            ),
        }
        frame.update({name: np.ravel(matrix.to_numpy()) for name, matrix in columns.items()})
        return pd.DataFrame(frame, copy=False)

    @cached_property
    def density(self) -> pd.DataFrame:
        """Long table: one row per area and industry with ``rca``, ``presence`` and ``density``.

        The area and industry columns are categorical (dictionary-encoded) and named as in the input table.
        """
        return self._long({"rca": self.rca, "presence": self.presence, "density": self.density_matrix})

    @cached_property
    def complexity_outlook(self) -> pd.Series:
        """Complexity outlook index of each area, z-scored (:func:`complexity_outlook`)."""
        return complexity_outlook(self.presence, self.density_matrix, self.pci_before_centring, standardise=True)

    @cached_property
    def outlook_gain_matrix(self) -> pd.DataFrame:
        """Area x industry complexity outlook gain (:func:`complexity_outlook_gain`)."""
        gain = _outlook_gain_array(
            self.presence.to_numpy(dtype=float),
            self.proximity.to_numpy(),
            np.nan_to_num(self.pci_before_centring.to_numpy()),
        )
        return pd.DataFrame(gain, index=self.rca.index, columns=self.rca.columns, copy=False)

    def outlook_gain_of(self, area: Any) -> pd.Series:
        """One area's row of :attr:`outlook_gain_matrix`, without the other areas' rows (a region's
        opportunities need only its own: one vector-matrix product instead of a matrix product)."""
        if "outlook_gain_matrix" in self.__dict__:
            return self.outlook_gain_matrix.loc[area]
        # The labels are unique (an activity matrix's), so the row is one position.
        row = int(self.rca.index.get_indexer(pd.Index([area]))[0])
        if row < 0:
            raise KeyError(area)
        gain = _outlook_gain_array(
            self.presence.to_numpy()[row : row + 1].astype(float),
            self.proximity.to_numpy(),
            np.nan_to_num(self.pci_before_centring.to_numpy()),
        )
        return pd.Series(gain[0], index=self.rca.columns, name=area)

    @cached_property
    def outlook_gain(self) -> pd.DataFrame:
        """Long table of :attr:`outlook_gain_matrix` (columns area, industry, ``outlook_gain``)."""
        return self._long({"outlook_gain": self.outlook_gain_matrix})


def complexity(
    table: pd.DataFrame,
    *,
    area: str = "area_code",
    industry: str = "industry_code",
    value: str = "employment",
    threshold: float = 1.0,
    proximity: pd.DataFrame | None = None,
    self_proximity: float = 0.0,
    presence_value: str | None = None,
) -> ComplexityResult:
    r"""Economic complexity, relatedness density and complexity outlook from a long activity table.

    Parameters
    ----------
    table
        Long table with one row per area and industry (one year); duplicate pairs are summed.
    area, industry, value
        Column names of the area code, industry code and activity (employment, exports, establishments).
    threshold
        An area has an industry (:math:`M_{cp} = 1`) when its RCA is at least this.
    proximity
        Industry x industry relatedness to use for density and outlook gain, e.g. input-output relatedness from
        :mod:`~clusterplan.relatedness.input_output` (used as given); by default the minimum conditional
        probability of co-location (Hidalgo et al., 2007).
    self_proximity
        Diagonal of the default proximity: 0 (an industry does not count towards its own density, as the Stata
        ``ecomplexity`` command, EconGeo and :mod:`~clusterplan.relatedness.colocation`) or 1 (as the Python
        ``ecomplexity`` 0.5.3).
    presence_value
        Column holding a lower bound of *value* in each cell (e.g. the employment a source's withheld cells
        certainly hold): an area has an industry when the RCA of this lower bound, against the area totals and
        national shares of *value*, reaches *threshold*. Default: *value* itself. :attr:`ComplexityResult.rca`
        stays the RCA of *value*.

    Returns
    -------
    ComplexityResult
        ``.eci`` (Series by area), ``.pci`` (Series by industry), ``.density`` (long table with ``rca``,
        ``presence``, ``density`` and ``outlook_gain``), ``.complexity_outlook`` and the matrices behind them.
        Areas and industries without any activity are left out.

    Notes
    -----
    RCA as :func:`~clusterplan.relatedness.colocation.revealed_comparative_advantage`; ECI and PCI as
    :func:`economic_complexity`; density as :func:`relatedness_density`; outlook and gain as
    :func:`complexity_outlook` and :func:`complexity_outlook_gain`. Results do not depend on the order of rows,
    areas or industries, nor on the units of *value* (multiplying every count by the same factor).

    Presence from a lower bound. Where some cells are not observed but estimated (County Business Patterns
    withholds cells with fewer than three establishments; :mod:`~clusterplan.measures.withheld` rebuilds them as
    expected values), the estimates spread employment thinly over many small cells and RCA >= 1 in many of
    them. Presence then stops meaning a revealed capability: ubiquity is inflated, and diversity rewards small
    areas whose rebuilt cells are large relative to their size. With US CBSAs at NAICS 6 (CBP 2019), presence
    from the rebuilt expected values gives an ECI that correlates -0.25 with log employment (New York 870th of
    933); from the RCA lower bound (published cells, plus rebuilt cells that must hold their jobs) +0.94, with
    Chicago, Los Angeles, Boston, San Francisco and New York 1st, 2nd, 4th, 6th and 8th, in line with the strong
    positive relation of complexity and city size (Gomez-Lievano, Patterson-Lomba and Hausmann, 2017; Balland et
    al., 2020). *presence_value* takes the lower bound, so a cell counts as present only when the observed
    data alone show the specialisation, while national shares still come from the complete (rebuilt) totals,
    which published cells alone understate.

    References
    ----------
    Hausmann, R. et al. (2014). *The Atlas of Economic Complexity*. MIT Press.
    Growth Lab, Harvard University. ``ecomplexity`` (Python package, version 0.5.3).
    Gomez-Lievano, A., Patterson-Lomba, O. and Hausmann, R. (2017). Explaining the prevalence, scaling and
    variance of urban phenomena. *Nature Human Behaviour* 1, 0012.
    Balland, P.-A., Jara-Figueroa, C., Petralia, S. G., Steijn, M. P. A., Rigby, D. L. and Hidalgo, C. A.
    (2020). Complex economic activities concentrate in large cities. *Nature Human Behaviour* 4, 248-254.

    Examples
    --------
    >>> long = pd.DataFrame({
    ...     "area_code": ["R1", "R1", "R1", "R2", "R2", "R3"],
    ...     "industry_code": ["A", "B", "C", "A", "B", "A"],
    ...     "employment": [10, 10, 10, 10, 10, 10],
    ... })
    >>> result = complexity(long)
    >>> result.presence.to_numpy().tolist()
    [[0, 1, 1], [1, 1, 0], [1, 0, 0]]
    >>> result.eci.round(3).to_dict()
    {'R1': 1.309, 'R2': -0.191, 'R3': -1.118}
    >>> result.density.shape
    (9, 5)
    """
    if not np.isfinite(threshold) or threshold < 0:
        raise ParameterError(f"the presence threshold must be a number >= 0, not {threshold!r}")
    if self_proximity not in (0, 1):
        raise ParameterError(f"self_proximity must be 0 or 1, not {self_proximity!r}")
    # Arrays stay C-ordered from here on: a DataFrame would hold them transposed and every pass would stride.
    x, all_areas, all_industries = _activity_array(table, area=area, industry=industry, value=value)
    area_total, industry_total = x.sum(axis=1, keepdims=True), x.sum(axis=0, keepdims=True)
    keep_areas, keep_industries = area_total[:, 0] > 0, industry_total[0] > 0
    if not keep_areas.all() or not keep_industries.all():
        x = x[keep_areas][:, keep_industries]
        area_total, industry_total = x.sum(axis=1, keepdims=True), x.sum(axis=0, keepdims=True)
    areas, industries = all_areas[keep_areas], all_industries[keep_industries]
    if x.size == 0:
        raise ParameterError(f"the table has no activity: every value of {value!r} is 0")
    rca = _rca_array(x, area_total, industry_total)
    if presence_value is None:
        mask = rca >= threshold
    else:
        lower = _lower_bound_rca(
            table, all_areas, all_industries, x, keep_areas, keep_industries, area, industry, value, presence_value
        )
        mask = np.ascontiguousarray(lower >= threshold)
    presence = _csr_from_mask(mask)
    diversity, ubiquity = np.diff(presence.indptr).astype(float), np.bincount(presence.indices, minlength=x.shape[1])
    ubiquity = ubiquity.astype(float)
    if proximity is None:
        phi = _minimum_conditional_probability_array(mask)
        np.fill_diagonal(phi, np.where(ubiquity > 0, float(self_proximity), 0.0))
    else:
        phi = _aligned(proximity, industries)
    eci, pci, raw_pci, eigenvalue = _eci_pci(presence)
    density = _density_array(mask.astype(float), phi)

    def wide(values: np.ndarray) -> pd.DataFrame:
        return pd.DataFrame(values, index=areas, columns=industries, copy=False)

    return ComplexityResult(
        eci=pd.Series(eci, index=areas, name="eci"),
        pci=pd.Series(pci, index=industries, name="pci"),
        pci_before_centring=pd.Series(raw_pci, index=industries, name="pci_before_centring"),
        diversity=pd.Series(diversity, index=areas, name="diversity"),
        ubiquity=pd.Series(ubiquity, index=industries, name="ubiquity"),
        eigenvalue=eigenvalue,
        rca=wide(rca),
        # A boolean is one byte of 0 or 1: the int8 presence is a view of the mask, not a copy.
        presence=wide(mask.view(np.int8)),
        proximity=pd.DataFrame(phi, index=industries, columns=industries, copy=False),
        density_matrix=wide(density),
        parameters={
            "area": area,
            "industry": industry,
            "value": value,
            "threshold": threshold,
            "proximity": "given" if proximity is not None else "minimum_conditional_probability",
            "self_proximity": self_proximity if proximity is None else None,
            "presence_value": presence_value or value,
        },
    )


def _lower_bound_rca(
    table: pd.DataFrame,
    all_areas: pd.Index,
    all_industries: pd.Index,
    x: np.ndarray,
    keep_areas: np.ndarray,
    keep_industries: np.ndarray,
    area: str,
    industry: str,
    value: str,
    presence_value: str,
) -> np.ndarray:
    """RCA of the lower-bound column against the area totals and national shares of *value* (kept cells only)."""
    low = activity_matrix(table, area=area, industry=industry, value=presence_value)
    low = low.reindex(index=all_areas[keep_areas], columns=all_industries[keep_industries], fill_value=0.0)
    bound = low.to_numpy(dtype=float)
    if (bound > x * (1.0 + 1e-9) + 1e-9).any():
        raise ParameterError(
            f"{presence_value!r} exceeds {value!r} in some cells, so it is not a lower bound of it",
            hint=f"pass a column that is at most {value!r} in every area and industry",
        )
    totals = x.sum(axis=1, keepdims=True)
    shares = x.sum(axis=0, keepdims=True) / x.sum()
    return np.asarray(bound / totals / shares)
