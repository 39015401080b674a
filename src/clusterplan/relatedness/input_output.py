r"""Industry relatedness from input-output links, as Delgado, Porter and Stern (2016) measure it.

Two industries are related through the supply chain when a large share of one's inputs comes from the other or a
large share of one's output goes to the other. From the inter-industry flows :math:`Z` (rows sell to columns) of
the national input-output model (:mod:`clusterplan.inputoutput.national`):

===================================  =================================================================================
:func:`io_relatedness`               industry x industry :math:`IO_{ij}`, the largest of the four directional shares
:func:`io_link_table`                the four shares and :math:`IO_{ij}` of every pair, as a long table
:func:`map_io_relatedness`           carry an IO-industry matrix down to SIC or NAICS codes (each code inherits its
                                     industry's links)
:func:`sic_io_industries`            SIC 2007 code -> IOAT industries (UK input-output analytical tables, 105)
:func:`naics_bea_industries`         NAICS code -> BEA summary industries (US use tables, 71)
:func:`naics_bea_detail_industries`  NAICS code -> BEA detail industries (2007 benchmark use table, 389)
:func:`bea_detail_flows`             flows, output and NAICS placement of the BEA 2007 detail use table
===================================  =================================================================================

Great Britain uses the ONS input-output analytical tables 2019 (domestic use, 105 industries); the US the BEA
summary use table (before redefinitions, 71 industries; 2015 by default, the latest in the package data), with
each commodity taken to be made by the industry of the same code, as :func:`clusterplan.inputoutput.bea.bea_model`
does. The IO tables are far coarser than SIC subclasses or NAICS 6-digit codes, so all codes of one IO industry
share its links with every other industry, and with each other the industry's own intra-industry share.

The tables are handed in: :func:`clusterplan.pipeline.io_links.industry_io_relatedness` reads the package's and
gives the relatedness of SIC or NAICS codes in one call.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

import numpy as np
import pandas as pd

from .._exceptions import ParameterError, UnknownCodeError
from ..inputoutput.concordance import (
    BEA_SUMMARY_NAICS,
    naics_bea_detail_industries,
    naics_bea_industries,
    sic_io_industries,
)
from ..sources.bea_io import use_table_from_long

__all__ = [
    "BEA_SUMMARY_NAICS",
    "IO_BASES",
    "IO_CLASSIFICATIONS",
    "bea_detail_flows",
    "io_link_table",
    "io_relatedness",
    "map_io_relatedness",
    "naics_bea_detail_industries",
    "naics_bea_industries",
    "sic_io_industries",
]

#: Denominators of the input and output shares (see :func:`io_relatedness`).
IO_BASES = ("total", "intermediate")

#: Classifications :func:`clusterplan.pipeline.io_links.industry_io_relatedness` accepts, and the IO table each uses.
IO_CLASSIFICATIONS = {"sic2007": "ONS IOAT 2019 (105 industries)", "naics2017": "BEA summary use table (71 industries)"}


# ---------------------------------------------------------------------------------------------------------------------
# Relatedness of IO industries
# ---------------------------------------------------------------------------------------------------------------------


def _shares(flows: pd.DataFrame, output: pd.Series | None, basis: str) -> tuple[np.ndarray, np.ndarray]:
    """Input shares :math:`Z_{ji} / in_i` and output shares :math:`Z_{ij} / out_i`, both indexed [i, j]."""
    if basis not in IO_BASES:
        raise UnknownCodeError("input-output share basis", basis, list(IO_BASES))
    if flows.shape[0] != flows.shape[1] or not flows.index.equals(flows.columns):
        raise ParameterError("the flow matrix must be square with the same industry codes on rows and columns")
    # A few published flows are negative (BEA: sales by government enterprises); they are no link.
    z = np.clip(flows.to_numpy(dtype=float), 0.0, None)
    if basis == "total":
        if output is None:
            raise ParameterError("basis='total' needs the output of each industry", hint="pass output= or use basis")
        total = output.reindex(flows.index).to_numpy(dtype=float)
        inputs_total, outputs_total = total, total
    else:
        inputs_total, outputs_total = z.sum(axis=0), z.sum(axis=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        input_share = z.T / inputs_total[:, None]
        output_share = z / outputs_total[:, None]
    input_share[~np.isfinite(input_share)] = 0.0
    output_share[~np.isfinite(output_share)] = 0.0
    return input_share, output_share


def io_relatedness(flows: pd.DataFrame, output: pd.Series | None = None, *, basis: str = "total") -> pd.DataFrame:
    r"""Input-output relatedness of every pair of industries: the largest directional input or output share.

    Parameters
    ----------
    flows
        Inter-industry flows :math:`Z` (rows sell to columns), square, same codes on both axes (e.g.
        ``national_model().Z``).
    output
        Total output :math:`x` of each industry; needed for ``basis="total"``.
    basis
        ``total`` (default): shares of the industry's total inputs and total output (:math:`x`, which includes
        primary inputs and final demand); ``intermediate``: shares of its intermediate purchases
        (:math:`\sum_k Z_{ki}`) and intermediate sales (:math:`\sum_k Z_{ik}`).

    Returns
    -------
    pandas.DataFrame
        Symmetric industry x industry :math:`IO_{ij} \in [0, 1]`; the diagonal is the intra-industry share
        (kept: codes of the same IO industry inherit it in :func:`map_io_relatedness`).

    Notes
    -----
    .. math::

        \text{input}_{ij} = \frac{Z_{ji}}{x_i}, \qquad \text{output}_{ij} = \frac{Z_{ij}}{x_i}, \qquad
        IO_{ij} = \max\{\text{input}_{ij}, \text{input}_{ji}, \text{output}_{ij}, \text{output}_{ji}\}

    the share of *i*'s inputs bought from *j*, the share of *i*'s output sold to *j*, and the largest of the four
    in either direction, as Delgado, Porter and Stern (2016) define their input-output link (after Ellison,
    Glaeser and Kerr, 2010). On the ``total`` basis the input shares are the technical coefficients
    :math:`A = Z\hat x^{-1}` and the output shares the allocation coefficients :math:`B = \hat x^{-1} Z`, so
    :math:`IO = \max(A, A^\top, B, B^\top)` element by element. Negative flows count as 0.

    References
    ----------
    Delgado, M., Porter, M. E. and Stern, S. (2016). Defining clusters of related industries. *Journal of Economic
    Geography* 16(1), 1-38.
    Ellison, G., Glaeser, E. L. and Kerr, W. R. (2010). What causes industry agglomeration? Evidence from
    coagglomeration patterns. *American Economic Review* 100(3), 1195-1213.

    Examples
    --------
    Miller and Blair's two-sector table (section 2.3): sector 1 sells 500 of its output of 1,000 to sector 2, so
    :math:`\text{output}_{12} = 0.5`; sector 2 buys 500 of its 2,000 of inputs from sector 1
    (:math:`\text{input}_{21} = 0.25`); the link is the larger, 0.5:

    >>> Z = pd.DataFrame([[150.0, 500.0], [200.0, 100.0]], index=["1", "2"], columns=["1", "2"])
    >>> x = pd.Series([1000.0, 2000.0], index=["1", "2"])
    >>> io_relatedness(Z, x).to_numpy().tolist()
    [[0.15, 0.5], [0.5, 0.05]]
    """
    input_share, output_share = _shares(flows, output, basis)
    values = np.maximum.reduce([input_share, input_share.T, output_share, output_share.T])
    return pd.DataFrame(values, index=flows.index.copy(), columns=flows.columns.copy())


def io_link_table(
    flows: pd.DataFrame, output: pd.Series | None = None, *, basis: str = "total", names: pd.Series | None = None
) -> pd.DataFrame:
    """Every unordered pair of distinct industries with its four directional shares and :math:`IO_{ab}`.

    Returns
    -------
    pandas.DataFrame
        Columns ``industry_a``, ``industry_b`` (``a`` before ``b`` in table order), ``input_ab`` (share of
        a's inputs from b), ``input_ba``, ``output_ab`` (share of a's output sold to b), ``output_ba``,
        ``io_link`` (the largest), plus ``name_a``/``name_b`` when *names* is given; strongest links first.

    Examples
    --------
    >>> Z = pd.DataFrame([[150.0, 500.0], [200.0, 100.0]], index=["1", "2"], columns=["1", "2"])
    >>> x = pd.Series([1000.0, 2000.0], index=["1", "2"])
    >>> io_link_table(Z, x).iloc[0, 2:].astype(float).tolist()
    [0.2, 0.25, 0.5, 0.1, 0.5]
    """
    input_share, output_share = _shares(flows, output, basis)
    labels = flows.index.to_numpy()
    a, b = np.triu_indices(len(labels), k=1)
    frame = pd.DataFrame(
        {
            "industry_a": labels[a],
            "industry_b": labels[b],
            "input_ab": input_share[a, b],
            "input_ba": input_share[b, a],
            "output_ab": output_share[a, b],
            "output_ba": output_share[b, a],
        }
    )
    frame["io_link"] = frame[["input_ab", "input_ba", "output_ab", "output_ba"]].max(axis=1)
    if names is not None:
        frame["name_a"] = frame["industry_a"].map(names)
        frame["name_b"] = frame["industry_b"].map(names)
    return frame.sort_values("io_link", ascending=False, kind="stable", ignore_index=True)


# ---------------------------------------------------------------------------------------------------------------------
# From IO industries to SIC / NAICS codes
# ---------------------------------------------------------------------------------------------------------------------


def map_io_relatedness(relatedness: pd.DataFrame, industries: pd.Series) -> pd.DataFrame:
    r"""Carry IO-industry relatedness down to finer codes: each code inherits the links of its IO industry.

    Parameters
    ----------
    relatedness
        IO industry x IO industry relatedness, diagonal included (:func:`io_relatedness`).
    industries
        The IO industry of each code: a Series indexed by code whose values are one IO industry code, or a
        tuple/list of several when a code spans more than one (a SIC division the IOAT splits; a NAICS sector
        covering several BEA industries); empty or NaN for a code with no IO industry.

    Returns
    -------
    pandas.DataFrame
        Code x code relatedness with a zero diagonal: :math:`R_{ab} = IO_{I(a)I(b)}`, the largest over the
        industries of each when a code spans several; 0 for codes without an IO industry. Two codes of the same
        IO industry get its intra-industry share :math:`IO_{II}`.

    Raises
    ------
    UnknownCodeError
        An IO industry in *industries* is not in *relatedness*.

    Examples
    --------
    >>> io = pd.DataFrame([[0.1, 0.4], [0.4, 0.2]], index=["X", "Y"], columns=["X", "Y"])
    >>> codes = pd.Series({"a1": "X", "a2": "X", "b1": "Y", "ab": ("X", "Y")})
    >>> map_io_relatedness(io, codes).to_numpy().tolist()
    [[0.0, 0.1, 0.4, 0.4], [0.1, 0.0, 0.4, 0.4], [0.4, 0.4, 0.0, 0.4], [0.4, 0.4, 0.4, 0.0]]
    """
    position = {code: i for i, code in enumerate(relatedness.index)}
    values = relatedness.reindex(columns=relatedness.index).to_numpy(dtype=float)
    groups: list[tuple[int, ...]] = []
    for code, target in industries.items():
        parts = _as_tuple(target)
        unknown = [p for p in parts if p not in position]
        if unknown:
            raise UnknownCodeError(
                f"input-output industry (for code {code!r})", str(unknown[0]), [str(c) for c in relatedness.index]
            )
        groups.append(tuple(sorted(position[p] for p in parts)))
    n = len(groups)
    if all(len(g) == 1 for g in groups):
        index = np.array([g[0] for g in groups], dtype=np.intp)
        result = values[np.ix_(index, index)] if n else np.zeros((0, 0))
    else:
        # Few distinct industry sets: compute each set pair once, then spread to the codes.
        distinct = sorted(set(groups))
        slot = {g: k for k, g in enumerate(distinct)}
        small = np.zeros((len(distinct), len(distinct)))
        for p, gp in enumerate(distinct):
            for q, gq in enumerate(distinct):
                small[p, q] = values[np.ix_(gp, gq)].max() if gp and gq else 0.0
        index = np.array([slot[g] for g in groups], dtype=np.intp)
        result = small[np.ix_(index, index)]
    result = np.array(result, dtype=float)
    np.fill_diagonal(result, 0.0)
    labels = pd.Index(industries.index, name=None)
    return pd.DataFrame(result, index=labels, columns=labels.copy())


def _as_tuple(target: object) -> tuple[str, ...]:
    if target is None or (isinstance(target, float) and np.isnan(target)):
        return ()
    if isinstance(target, str):
        return (target,)
    if isinstance(target, Iterable):
        return tuple(str(t) for t in target)
    return (str(target),)


def bea_detail_flows(
    use: pd.DataFrame, concordance: Mapping[str, Sequence[str]]
) -> tuple[pd.DataFrame, pd.Series, pd.Series]:
    """Industry x industry flows, output and NAICS placement of the BEA 2007 detail use table.

    Each commodity is taken to be made by the industry of the same code, as for the summary table; industries
    without a commodity row in the shipped table (four rows were deleted upstream) are left out.

    Parameters
    ----------
    use
        The BEA 2007 detail use table, long (:func:`clusterplan.sources.bea_io.use_table_from_long` reads it; the
        package dataset ``bea_use_detail_2007``).
    concordance
        BEA's NAICS prefix -> detail industries
        (:func:`clusterplan.inputoutput.concordance.bea_detail_concordance`).

    Returns
    -------
    tuple
        Flows :math:`Z` ($ million, suppliers in rows), industry output :math:`x`, and BEA's NAICS concordance
        restricted to these industries (NAICS prefix -> tuple of industries), the *concordance* argument of
        :func:`naics_bea_detail_industries`.

    Examples
    --------
    >>> from clusterplan.pipeline.io_links import bea_detail_flows as package_flows
    >>> Z, x, concordance = package_flows()
    >>> Z.shape[0] == Z.shape[1] == len(x) > 380, concordance["336111"]
    (True, ('336111',))
    """
    table = use_table_from_long(use, 2007)
    flows = table.intermediate_use.fillna(0.0)
    industries = [c for c in flows.columns if c in set(flows.index)]
    known = set(industries)
    # Codes of an industry the shipped table lacks fall back to their neighbours, as codes the 2007 list misses.
    usable = {p: kept for p, inds in concordance.items() if (kept := tuple(i for i in inds if i in known))}
    return (
        flows.loc[industries, industries],
        table.industry_output.reindex(industries),
        pd.Series(usable, dtype=object),
    )
