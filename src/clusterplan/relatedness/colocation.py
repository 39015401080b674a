r"""Industry relatedness from co-location: which industries turn up in the same regions.

Start from a long table of activity (area, industry, employment), make the area x industry matrix, its revealed
comparative advantage (RCA, the Balassa index; the location quotient against the sum of all areas) and the binary
presence matrix :math:`M_{ri} = [RCA_{ri} \ge 1]`. Two industries are related when they are present together in
more regions than chance would have it. Every function here is pure: labelled pandas frames in, labelled frames out
(areas and industries in sorted order), no I/O.

=====================================  ====================================================================
:func:`activity_matrix`                long table -> area x industry matrix (duplicates summed)
:func:`revealed_comparative_advantage`  Balassa RCA of each cell
:func:`presence_matrix`                 :math:`M = [RCA \ge` threshold]
:func:`co_occurrence`                   industry x industry count of regions where both are present
:func:`minimum_conditional_probability` Hidalgo et al. (2007) proximity
:func:`normalised_co_occurrence`        EconGeo's ``relatedness()``: probability, association, cosine, Jaccard
:func:`lq_correlation`                  continuous variant: correlation of location quotients across regions
:func:`industry_proximity`              any of the above straight from a long table
:func:`proximity_pairs`                 a square proximity matrix as a long table of pairs
=====================================  ====================================================================

Every proximity matrix is symmetric, indexed by industry on both axes, with a zero diagonal (an industry is not
counted as related to itself, so it never raises its own relatedness density).
"""

from __future__ import annotations

from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from .._exceptions import DataValidationError, ParameterError, UnknownCodeError
from ..measures.location_quotient import location_quotient

__all__ = [
    "CO_OCCURRENCE_NORMALISATIONS",
    "PROXIMITY_METHODS",
    "activity_matrix",
    "co_occurrence",
    "industry_proximity",
    "lq_correlation",
    "minimum_conditional_probability",
    "normalised_co_occurrence",
    "presence_matrix",
    "proximity_pairs",
    "revealed_comparative_advantage",
]

#: Normalisations of a co-occurrence matrix offered by EconGeo's ``relatedness()`` (van Eck and Waltman, 2009).
CO_OCCURRENCE_NORMALISATIONS = ("probability", "association", "cosine", "jaccard")

#: Methods of :func:`industry_proximity`.
PROXIMITY_METHODS = ("minimum_conditional_probability", *CO_OCCURRENCE_NORMALISATIONS, "lq_correlation")

_PARALLEL_ROWS = 200_000
# Rows per band of an elementwise pass over an industry x industry matrix (a band of 1,000 doubles fits in cache).
_BAND_ROWS = 64
# Smallest normal double: a share at least this keeps 1 / share finite.
_TINY = float(np.finfo(float).tiny)


# ---------------------------------------------------------------------------------------------------------------------
# Matrices
# ---------------------------------------------------------------------------------------------------------------------


def activity_matrix(
    table: pd.DataFrame,
    *,
    area: str = "area_code",
    industry: str = "industry_code",
    value: str = "employment",
) -> pd.DataFrame:
    r"""The area x industry matrix :math:`X_{ri}` of a long table.

    Parameters
    ----------
    table
        One row per area and industry (duplicate pairs are summed, so filter one year first).
    area, industry, value
        Column names of the area code, the industry code and the size measure (employment, establishments, ...).

    Returns
    -------
    pandas.DataFrame
        Areas as the index (named *area*), industries as the columns (named *industry*), both sorted;
        pairs absent from *table* are 0.

    Raises
    ------
    ParameterError
        A named column is missing.
    DataValidationError
        A value is missing, not a number or negative (the message gives the row and code).

    Examples
    --------
    >>> long = pd.DataFrame({"area_code": ["R2", "R1", "R1"], "industry_code": ["A", "A", "B"],
    ...                      "employment": [5, 3, 2]})
    >>> activity_matrix(long).to_numpy().tolist()
    [[3.0, 2.0], [5.0, 0.0]]
    """
    values, area_labels, industry_labels = _activity_array(table, area=area, industry=industry, value=value)
    return pd.DataFrame(values, index=area_labels, columns=industry_labels)


def _activity_array(
    table: pd.DataFrame, *, area: str, industry: str, value: str
) -> tuple[np.ndarray, pd.Index, pd.Index]:
    """:func:`activity_matrix` as a C-ordered array and its sorted area and industry labels (named by column).

    The array may be a read-only view of *table*'s value column (a complete sorted grid is only reshaped); a
    DataFrame built on it would store it transposed, and every later pass and ravel would then stride or copy.
    """
    missing = [c for c in (area, industry, value) if c not in table.columns]
    if missing:
        raise ParameterError(
            f"the table has no column {missing[0]!r}; columns are: {', '.join(map(str, table.columns))}"
        )
    column = table[value]
    # A float column is already numeric: to_numeric would only copy it.
    values = (column if column.dtype == np.float64 else pd.to_numeric(column, errors="coerce")).to_numpy(dtype=float)
    # One cheap test for the usual case; locate the offending row only when there is one.
    if not (np.isfinite(values.sum()) and (values.size == 0 or values.min() >= 0)):
        position = int(np.flatnonzero(~np.isfinite(values) | (values < 0))[0])
        raw = table[value].iloc[position]
        if np.isfinite(values[position]):
            problem = f"negative value {values[position]:g}"
        else:
            problem = f"missing or non-numeric value {raw!r}" if isinstance(raw, str) else "missing value"
        raise DataValidationError(
            f"{problem} for area {table[area].iloc[position]!r}",
            row=position + 1,
            column=value,
            code=str(table[industry].iloc[position]),
            hint="activity must be a count or size >= 0; drop or fill the row first",
        )
    grid = _grid_labels(table[area], table[industry])
    if grid is not None:
        return (
            values.reshape(len(grid[0]), len(grid[1])),
            pd.Index(grid[0], name=area),
            pd.Index(grid[1], name=industry),
        )
    # factorize + bincount is an order of magnitude faster than pivot_table on a few hundred thousand rows; large
    # tables hash their two code columns in parallel (pandas hashes Arrow strings without holding the GIL).
    if len(table) >= _PARALLEL_ROWS:
        with ThreadPoolExecutor(2) as pool:
            (area_codes, area_labels), (industry_codes, industry_labels) = pool.map(
                _sorted_factorize, [table[area], table[industry]]
            )
    else:
        area_codes, area_labels = _sorted_factorize(table[area])
        industry_codes, industry_labels = _sorted_factorize(table[industry])
    shape = (len(area_labels), len(industry_labels))
    flat = np.bincount(area_codes * shape[1] + industry_codes, weights=values, minlength=shape[0] * shape[1])
    return flat.reshape(shape), pd.Index(area_labels, name=area), pd.Index(industry_labels, name=industry)


def _grid_labels(areas: pd.Series, industries: pd.Series) -> tuple[Any, Any] | None:
    """Area and industry labels (arrays of the columns' type) if the two Arrow-backed columns are a complete grid
    in row-major sorted order.

    The warehouse's complete panels come so (every area x every industry, sorted by area then industry); checking
    that compares each column with itself shifted, a tenth of the time of hashing both. None for anything else
    (another order, a missing pair, a duplicate, a missing code, codes of varying length, non-Arrow columns),
    which takes the general path.
    """
    n = len(areas)
    if n < _PARALLEL_ROWS or not all(hasattr(c.array, "__arrow_array__") for c in (areas, industries)):
        return None
    area_codes, industry_codes = (_chunked(c.array.__arrow_array__()) for c in (areas, industries))
    if area_codes.null_count or industry_codes.null_count:
        return None
    # Codes of one length each (as the codes of one industry or area level are) are compared as bytes, chunk by
    # chunk, and the labels made from the bytes, without joining the chunks of either column.
    area_bytes, industry_bytes = _fixed_width_bytes(area_codes), _fixed_width_bytes(industry_codes)
    if area_bytes is None or industry_bytes is None:
        return None
    width = _grid_width(area_bytes, industry_bytes)
    if width is None:
        return None
    area_labels = _string_array(_rows_every(area_bytes, width), area_codes.type)
    industry_labels = _string_array(_first_rows(industry_bytes, width), industry_codes.type)

    def increasing(codes: Any) -> bool:
        return len(codes) < 2 or bool(pc.all(pc.less(codes[:-1], codes[1:])).as_py())

    # Strictly increasing labels also make every block's area differ from the next one's.
    if not (increasing(area_labels) and increasing(industry_labels)):
        return None
    return pd.array(area_labels, dtype=areas.dtype), pd.array(industry_labels, dtype=industries.dtype)


def _chunked(codes: Any) -> Any:
    return codes if isinstance(codes, pa.ChunkedArray) else pa.chunked_array([codes])


def _grid_width(area_bytes: list[np.ndarray], industry_bytes: list[np.ndarray]) -> int | None:
    """Industries per area if the area code changes exactly at every width-th row and the industry codes repeat
    with that period, from the bytes of each chunk of the two columns (:func:`_fixed_width_bytes`).

    A byte that differs from the one a code earlier marks a row whose area differs from the next row's; every
    such row must end a block of width rows (the labels' order, checked after, makes every block end one). Each
    industry code must equal the code at its position in the first block.
    """
    found, start, last = [], 0, None
    for rows in area_bytes:
        if last is not None and not np.array_equal(last, rows[0]):
            found.append(np.array([start - 1]))
        flat, length = rows.reshape(-1), rows.shape[1]
        found.append(np.flatnonzero(flat[length:] != flat[:-length]) // length + start)
        start, last = start + len(rows), rows[-1]
    changes = np.concatenate(found)
    width = int(changes[0]) + 1 if len(changes) else 0
    if width == 0 or start % width or ((changes + 1) % width).any():
        return None
    block, start = _first_rows(industry_bytes, width), 0
    for rows in industry_bytes:
        if not _repeats(rows, block, start % width):
            return None
        start += len(rows)
    return width


def _repeats(rows: np.ndarray, block: np.ndarray, phase: int) -> bool:
    """Whether *rows* are the rows of *block* over and over, the first of them being block row *phase*."""
    width = len(block)
    head = min(len(rows), (width - phase) % width)
    if not np.array_equal(rows[:head], block[phase : phase + head]):
        return False
    body = rows[head:]
    whole = len(body) // width * width
    if not (body[:whole].reshape(-1, block.size) == block.reshape(1, -1)).all():
        return False
    return np.array_equal(body[whole:], block[: len(body) - whole])


def _first_rows(pieces: list[np.ndarray], count: int) -> np.ndarray:
    """The first *count* rows of row arrays taken one after another."""
    taken, remaining = [], count
    for rows in pieces:
        taken.append(rows[:remaining])
        remaining -= len(taken[-1])
        if not remaining:
            break
    return np.concatenate(taken)


def _rows_every(pieces: list[np.ndarray], step: int) -> np.ndarray:
    """Rows 0, step, 2 step, ... of row arrays taken one after another."""
    taken, start = [], 0
    for rows in pieces:
        taken.append(rows[-start % step :: step])
        start += len(rows)
    return np.concatenate(taken)


def _string_array(codes: np.ndarray, kind: Any) -> Any:
    """An Arrow array of type *kind* (string or large string) of codes given as an (n, length) byte array."""
    n, length = codes.shape
    offsets = np.arange(0, (n + 1) * length, length, dtype=np.int64 if pa.types.is_large_string(kind) else np.int32)
    return pa.Array.from_buffers(kind, n, [None, pa.py_buffer(offsets), pa.py_buffer(np.ascontiguousarray(codes))])


def _fixed_width_bytes(codes: Any) -> list[np.ndarray] | None:
    """The bytes of each non-empty chunk of an Arrow string column as an (n, length) array, a view of its buffer,
    if every code has the same length; None otherwise."""
    if not (pa.types.is_string(codes.type) or pa.types.is_large_string(codes.type)):
        return None
    offset_type = np.dtype(np.int64 if pa.types.is_large_string(codes.type) else np.int32)
    pieces: list[np.ndarray] = []
    for chunk in codes.chunks:
        if not len(chunk):
            continue
        _, offset_buffer, data = chunk.buffers()
        offsets = np.frombuffer(
            offset_buffer, dtype=offset_type, count=len(chunk) + 1, offset=chunk.offset * offset_type.itemsize
        )
        length = pieces[0].shape[1] if pieces else int(offsets[1] - offsets[0])
        if length == 0 or not (np.diff(offsets) == length).all():
            return None
        pieces.append(
            np.frombuffer(data, dtype=np.uint8, count=length * len(chunk), offset=int(offsets[0])).reshape(
                len(chunk), length
            )
        )
    return pieces or None


def _sorted_factorize(column: pd.Series) -> tuple[np.ndarray, pd.Index]:
    """Integer codes and sorted labels; hashing first and sorting only the few labels is ~3x faster than sort=True."""
    codes, labels = pd.factorize(column, sort=False)
    if len(codes) and codes.min() < 0:
        position = int(np.flatnonzero(codes < 0)[0])
        raise DataValidationError(
            "missing code", row=position + 1, column=str(column.name), hint="every row needs an area and an industry"
        )
    labels = pd.Index(labels)
    order = labels.argsort(kind="stable")
    rank = np.empty(len(order), dtype=np.intp)
    rank[order] = np.arange(len(order))
    return rank[codes], labels[order]


def _rca_array(
    x: np.ndarray, area_total: np.ndarray | None = None, industry_total: np.ndarray | None = None
) -> np.ndarray:
    """Balassa RCA of a dense array; 0 where a row or column has no activity. The row and column totals (as
    ``x.sum(axis=..., keepdims=True)``) may be passed when the caller has them already."""
    area_total = x.sum(axis=1, keepdims=True) if area_total is None else area_total
    industry_total = x.sum(axis=0, keepdims=True) if industry_total is None else industry_total
    total = x.sum()
    with np.errstate(divide="ignore", invalid="ignore"):
        share = industry_total / total
    if not (x.size and np.isfinite(total) and area_total.min() > 0 and share.min() >= _TINY):
        # The LQ's order of operations is the ecomplexity package's, so cells at exactly RCA = 1 round the same way.
        return np.nan_to_num(location_quotient(x, area_total, industry_total, total), nan=0.0)
    # Every quotient defined and finite (complexity's active cells): the LQ's two divisions, the second in place,
    # without its pass over every cell for undefined ones.
    rca = x / area_total
    rca /= share
    return rca


def revealed_comparative_advantage(matrix: pd.DataFrame) -> pd.DataFrame:
    r"""Revealed comparative advantage (Balassa index) of every area and industry.

    Parameters
    ----------
    matrix
        Area x industry activity, e.g. from :func:`activity_matrix`.

    Returns
    -------
    pandas.DataFrame
        :math:`RCA_{ri}`, same labels as *matrix*; 0 for an area or industry without any activity.

    Notes
    -----
    .. math::

        RCA_{ri} = \frac{X_{ri} / \sum_i X_{ri}}{\sum_r X_{ri} / \sum_{r,i} X_{ri}}

    This is the location quotient with the sum of the areas in the matrix as the benchmark (and the sum of its
    industries as each area's total), as the complexity literature and the ``ecomplexity`` package compute it. It
    is unchanged when every count is multiplied by the same factor.

    References
    ----------
    Balassa, B. (1965). Trade liberalisation and "revealed" comparative advantage. *The Manchester School* 33(2),
    99-123.

    Examples
    --------
    >>> x = pd.DataFrame([[3.0, 1.0], [1.0, 3.0]], index=["R1", "R2"], columns=["A", "B"])
    >>> revealed_comparative_advantage(x)
          A    B
    R1  1.5  0.5
    R2  0.5  1.5
    """
    return pd.DataFrame(_rca_array(matrix.to_numpy(dtype=float)), index=matrix.index, columns=matrix.columns)


def presence_matrix(rca: pd.DataFrame, threshold: float = 1.0) -> pd.DataFrame:
    r"""Binary presence :math:`M_{ri} = 1` if :math:`RCA_{ri} \ge` *threshold*, else 0 (as ``int8``).

    Examples
    --------
    >>> rca = pd.DataFrame([[1.5, 0.5], [1.0, 0.99]], index=["R1", "R2"], columns=["A", "B"])
    >>> presence_matrix(rca).to_numpy().tolist()
    [[1, 0], [1, 0]]
    """
    if not np.isfinite(threshold) or threshold < 0:
        raise ParameterError(f"the presence threshold must be a number >= 0, not {threshold!r}")
    return (rca >= threshold).astype(np.int8)


def co_occurrence(presence: pd.DataFrame, *, diagonal: bool = False) -> pd.DataFrame:
    r"""Number of regions in which two industries are both present: :math:`C = M^\top M`.

    Parameters
    ----------
    presence
        Binary area x industry matrix :math:`M` (e.g. from :func:`presence_matrix`).
    diagonal
        Keep the diagonal :math:`C_{ii}` (the ubiquity of *i*, the number of regions where it is present)? Off by
        default, as in EconGeo's ``co_occurrence()``.

    Returns
    -------
    pandas.DataFrame
        Industry x industry counts (float).

    References
    ----------
    Boschma, R., Balland, P.-A. and Kogler, D. (2015). Relatedness and technological change in cities.
    *Industrial and Corporate Change* 24(1), 223-250.

    Examples
    --------
    >>> m = pd.DataFrame([[1, 1, 0], [1, 1, 1], [1, 0, 1], [0, 0, 1]],
    ...                  index=["R1", "R2", "R3", "R4"], columns=["A", "B", "C"])
    >>> co_occurrence(m).to_numpy().tolist()
    [[0.0, 2.0, 2.0], [2.0, 0.0, 1.0], [2.0, 1.0, 0.0]]
    """
    counts = _co_occurrence_array(presence.to_numpy(dtype=float))
    if not diagonal:
        np.fill_diagonal(counts, 0.0)
    return pd.DataFrame(counts, index=presence.columns.copy(), columns=presence.columns.copy())


# ---------------------------------------------------------------------------------------------------------------------
# Proximity
# ---------------------------------------------------------------------------------------------------------------------


def _co_occurrence_array(m: np.ndarray) -> np.ndarray:
    """:math:`M^T M` for a 0/1 (or boolean) matrix, in double precision."""
    return _co_occurrence_counts(m).astype(float, copy=False)


def _co_occurrence_counts(m: np.ndarray) -> np.ndarray:
    """:math:`M^T M` for a 0/1 (or boolean) matrix; single precision (exact for counts below 2**24, and twice as
    fast) when the counts fit."""
    if m.shape[0] < 2**24:
        single = m.astype(np.float32)
        return single.T @ single
    double = m.astype(float, copy=False)
    return double.T @ double


def _minimum_conditional_probability_array(m: np.ndarray) -> np.ndarray:
    counts = _co_occurrence_counts(m)
    ubiquity = np.diag(counts).astype(float)
    # An industry present nowhere has no co-occurrences either: 0 / inf = 0. Making its ubiquity infinite before
    # the outer maximum spares a pass over the matrix for zeros; dividing the (exact) single-precision counts
    # straight into a double result spares a conversion pass.
    positive = np.where(ubiquity > 0, ubiquity, np.inf)
    phi = np.empty(counts.shape)
    # A band of rows at a time: each band's maxima stay in cache instead of a whole matrix of them going through
    # memory (a third of the time; the same divisions, so the same bits).
    for start in range(0, len(positive), _BAND_ROWS):
        band = slice(start, start + _BAND_ROWS)
        np.divide(counts[band], np.maximum.outer(positive[band], positive), out=phi[band], dtype=float)
    np.fill_diagonal(phi, 0.0)
    return phi


def minimum_conditional_probability(presence: pd.DataFrame) -> pd.DataFrame:
    r"""Proximity of Hidalgo et al. (2007): the smaller of the two conditional probabilities of co-presence.

    Parameters
    ----------
    presence
        Binary area x industry matrix :math:`M`.

    Returns
    -------
    pandas.DataFrame
        Industry x industry :math:`\varphi_{ij} \in [0, 1]`, zero diagonal; 0 for an industry present nowhere.

    Notes
    -----
    With ubiquity :math:`k_i = \sum_r M_{ri}` and co-occurrence :math:`C_{ij} = \sum_r M_{ri} M_{rj}`,

    .. math::

        \varphi_{ij} = \min\{P(M_{ri}=1 \mid M_{rj}=1),\ P(M_{rj}=1 \mid M_{ri}=1)\}
                     = \frac{C_{ij}}{\max(k_i, k_j)}

    Taking the minimum stops a ubiquitous industry looking close to everything.

    References
    ----------
    Hidalgo, C. A., Klinger, B., Barabási, A.-L. and Hausmann, R. (2007). The product space conditions the
    development of nations. *Science* 317(5837), 482-487.

    Examples
    --------
    A, B and C are present in 3, 2 and 3 of four regions; A and B share 2 regions, A and C 2, B and C 1, so
    :math:`\varphi_{AB} = 2/3`, :math:`\varphi_{AC} = 2/3`, :math:`\varphi_{BC} = 1/3`:

    >>> m = pd.DataFrame([[1, 1, 0], [1, 1, 1], [1, 0, 1], [0, 0, 1]],
    ...                  index=["R1", "R2", "R3", "R4"], columns=["A", "B", "C"])
    >>> minimum_conditional_probability(m).round(4).to_numpy().tolist()
    [[0.0, 0.6667, 0.6667], [0.6667, 0.0, 0.3333], [0.6667, 0.3333, 0.0]]
    """
    phi = _minimum_conditional_probability_array(presence.to_numpy(dtype=float))
    return pd.DataFrame(phi, index=presence.columns.copy(), columns=presence.columns.copy())


def _normalised_array(counts: np.ndarray, method: str) -> np.ndarray:
    c = counts.astype(float, copy=True)
    np.fill_diagonal(c, 0.0)
    s = c.sum(axis=0)
    s_i = s[:, None]
    s_j = s[None, :]
    t = c.sum()
    with np.errstate(divide="ignore", invalid="ignore"):
        if method == "probability":
            expected = ((s_i / t) * (s_j / (t - s_i)) + (s_j / t) * (s_i / (t - s_j))) * (t / 2)
            out = c / expected
        elif method == "association":
            out = (c / t) / ((s_i / t) * (s_j / t))
        elif method == "cosine":
            out = c / np.sqrt(s_i * s_j)
        else:
            out = c / (s_i + s_j - c)
    out[~np.isfinite(out)] = 0.0
    np.fill_diagonal(out, 0.0)
    return out


def normalised_co_occurrence(co_occurrences: pd.DataFrame, method: str = "probability") -> pd.DataFrame:
    r"""Relatedness as a co-occurrence count normalised for size, exactly as EconGeo's ``relatedness()``.

    Parameters
    ----------
    co_occurrences
        Symmetric industry x industry co-occurrence counts :math:`C_{ij}` (e.g. from :func:`co_occurrence`);
        the diagonal is ignored.
    method
        ``probability`` (EconGeo's default ``"prob"``), ``association``, ``cosine`` or ``jaccard``.

    Returns
    -------
    pandas.DataFrame
        Industry x industry relatedness, zero diagonal; 0 where a denominator is 0.

    Notes
    -----
    With the diagonal set to 0, :math:`S_i = \sum_j C_{ij}` (an industry's co-occurrences with all others) and
    :math:`T = \sum_{i,j} C_{ij}`:

    .. math::

        \text{association}_{ij} &= \frac{C_{ij} / T}{(S_i / T)(S_j / T)} = \frac{C_{ij} T}{S_i S_j} \\
        \text{probability}_{ij} &= \frac{C_{ij}}{\frac{T}{2}\left(\frac{S_i}{T}\frac{S_j}{T - S_i}
                                     + \frac{S_j}{T}\frac{S_i}{T - S_j}\right)} \\
        \text{cosine}_{ij} &= \frac{C_{ij}}{\sqrt{S_i S_j}} \\
        \text{jaccard}_{ij} &= \frac{C_{ij}}{S_i + S_j - C_{ij}}

    Association strength is observed over expected co-occurrence when links form at random in proportion to each
    industry's total (van Eck and Waltman, 2009), so 1 means "as often as chance". The probability index is
    Steijn's (2017) version of it, with the expected count drawn without repetition. Note that, as in EconGeo, the
    cosine and Jaccard indices here use the co-occurrence totals :math:`S_i`, not the ubiquities.

    References
    ----------
    van Eck, N. J. and Waltman, L. (2009). How to normalize cooccurrence data? An analysis of some well-known
    similarity measures. *Journal of the American Society for Information Science and Technology* 60(8), 1635-1651.
    Balland, P.-A. (2017). Economic Geography in R: Introduction to the EconGeo package. *Papers in Evolutionary
    Economic Geography* 17.09, Utrecht University.
    Steijn, M. P. A. (2017). Improvement on the association strength: implementing probability measures based on
    combinations without repetition. Working paper, Utrecht University.

    Examples
    --------
    >>> c = pd.DataFrame([[0, 2, 2], [2, 0, 1], [2, 1, 0]], index=list("ABC"), columns=list("ABC"))
    >>> normalised_co_occurrence(c, "association").round(4).to_numpy().tolist()
    [[0.0, 1.6667, 1.6667], [1.6667, 0.0, 1.1111], [1.6667, 1.1111, 0.0]]
    >>> normalised_co_occurrence(c, "jaccard").round(4).to_numpy().tolist()
    [[0.0, 0.4, 0.4], [0.4, 0.0, 0.2], [0.4, 0.2, 0.0]]
    """
    key = _method_key(method, CO_OCCURRENCE_NORMALISATIONS)
    values = _normalised_array(co_occurrences.to_numpy(dtype=float), key)
    return pd.DataFrame(values, index=co_occurrences.index.copy(), columns=co_occurrences.columns.copy())


def _lq_correlation_array(lq: np.ndarray) -> np.ndarray:
    centred = lq - lq.mean(axis=0, keepdims=True)
    norms = np.sqrt((centred**2).sum(axis=0))
    with np.errstate(divide="ignore", invalid="ignore"):
        z = centred / norms
    z[:, norms == 0] = 0.0
    corr = np.clip(z.T @ z, -1.0, 1.0)
    np.fill_diagonal(corr, 0.0)
    return corr


def lq_correlation(lq: pd.DataFrame) -> pd.DataFrame:
    r"""Continuous co-location relatedness: Pearson correlation of two industries' location quotients across regions.

    Parameters
    ----------
    lq
        Area x industry location quotients (or RCA, e.g. from :func:`revealed_comparative_advantage`).

    Returns
    -------
    pandas.DataFrame
        Industry x industry correlation in [-1, 1], zero diagonal; 0 for an industry whose LQ does not vary.

    Notes
    -----
    .. math::

        \rho_{ij} = \frac{\sum_r (LQ_{ri} - \overline{LQ}_i)(LQ_{rj} - \overline{LQ}_j)}
                         {\sqrt{\sum_r (LQ_{ri} - \overline{LQ}_i)^2 \sum_r (LQ_{rj} - \overline{LQ}_j)^2}}

    Delgado, Porter and Stern (2016) use this "locational correlation of employment" (their :math:`LC^{emp}`) as
    one of the co-location measures of their cluster algorithm. Unlike the binary measures it keeps the strength
    of specialisation, so it does not depend on an RCA threshold.

    References
    ----------
    Delgado, M., Porter, M. E. and Stern, S. (2016). Defining clusters of related industries. *Journal of Economic
    Geography* 16(1), 1-38.

    Examples
    --------
    >>> lq = pd.DataFrame({"A": [1.0, 2.0, 3.0], "B": [2.0, 4.0, 6.0], "C": [3.0, 2.0, 1.0]})
    >>> lq_correlation(lq).round(6).to_numpy().tolist()
    [[0.0, 1.0, -1.0], [1.0, 0.0, -1.0], [-1.0, -1.0, 0.0]]
    """
    values = _lq_correlation_array(lq.to_numpy(dtype=float))
    return pd.DataFrame(values, index=lq.columns.copy(), columns=lq.columns.copy())


def _method_key(method: str, choices: Sequence[str]) -> str:
    key = method.strip().lower().replace("-", "_").replace(" ", "_")
    aliases = {"prob": "probability", "hidalgo": "minimum_conditional_probability"}
    key = aliases.get(key, key)
    if key not in choices:
        raise UnknownCodeError("relatedness method", method, list(choices))
    return key


def industry_proximity(
    table: pd.DataFrame,
    *,
    method: str = "minimum_conditional_probability",
    area: str = "area_code",
    industry: str = "industry_code",
    value: str = "employment",
    threshold: float = 1.0,
) -> pd.DataFrame:
    r"""Industry x industry co-location relatedness straight from a long activity table.

    Parameters
    ----------
    table, area, industry, value
        As for :func:`activity_matrix` (one year).
    method
        One of :data:`PROXIMITY_METHODS`: ``minimum_conditional_probability`` (Hidalgo et al., 2007; the default),
        ``probability``, ``association``, ``cosine``, ``jaccard`` (normalised co-occurrence of RCA >= *threshold*,
        as EconGeo), or ``lq_correlation`` (correlation of RCA across areas; *threshold* unused).
    threshold
        RCA at or above which an industry counts as present in an area.

    Returns
    -------
    pandas.DataFrame
        Symmetric industry x industry proximity with a zero diagonal, industries sorted.

    Examples
    --------
    >>> long = pd.DataFrame({"area_code": ["R1", "R1", "R2", "R2"], "industry_code": ["A", "B", "A", "B"],
    ...                      "employment": [3, 1, 1, 3]})
    >>> industry_proximity(long).to_numpy().tolist()
    [[0.0, 0.0], [0.0, 0.0]]
    >>> industry_proximity(long, method="lq_correlation").round(6).to_numpy().tolist()
    [[0.0, -1.0], [-1.0, 0.0]]
    """
    key = _method_key(method, PROXIMITY_METHODS)
    rca = revealed_comparative_advantage(activity_matrix(table, area=area, industry=industry, value=value))
    if key == "lq_correlation":
        return lq_correlation(rca)
    presence = presence_matrix(rca, threshold)
    if key == "minimum_conditional_probability":
        return minimum_conditional_probability(presence)
    return normalised_co_occurrence(co_occurrence(presence), key)


def proximity_pairs(proximity: pd.DataFrame, *, name: str = "proximity") -> pd.DataFrame:
    """A symmetric proximity matrix as a long table of unordered pairs (``industry_a < industry_b``).

    Returns
    -------
    pandas.DataFrame
        Columns ``industry_a``, ``industry_b`` and *name*, sorted by *name* descending then codes.

    Examples
    --------
    >>> phi = pd.DataFrame([[0, 0.5, 0.2], [0.5, 0, 0.1], [0.2, 0.1, 0]], index=list("ABC"), columns=list("ABC"))
    >>> proximity_pairs(phi).to_numpy().tolist()
    [['A', 'B', 0.5], ['A', 'C', 0.2], ['B', 'C', 0.1]]
    """
    labels = proximity.index.to_numpy()
    upper_i, upper_j = np.triu_indices(len(labels), k=1)
    frame = pd.DataFrame(
        {
            "industry_a": labels[upper_i],
            "industry_b": labels[upper_j],
            name: proximity.to_numpy(dtype=float)[upper_i, upper_j],
        }
    )
    return frame.sort_values([name, "industry_a", "industry_b"], ascending=[False, True, True], ignore_index=True)
