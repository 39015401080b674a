"""County Business Patterns cells withheld for having fewer than 3 establishments, rebuilt within their parents.

CBP publishes no cell with fewer than three establishments (since reference year 2017; employment is
protected by noise instead of the old D flags). The parent's total still includes them, so within each
area the NAICS hierarchy says exactly how many jobs and establishments sit in unpublished children. This
module rebuilds those children level by level, from all industries down to 6-digit NAICS, and bounds what
the withheld cells can hold, so that location quotients carry an honest interval.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import pandas as pd

from .._exceptions import ParameterError

__all__ = [
    "WITHHELD_MAX_ESTABLISHMENTS",
    "Reconstruction",
    "ancestor_at_level",
    "naics_level",
    "reconstruct_withheld_cells",
    "withheld_cell_lower_bounds",
    "withheld_employment_bounds",
    "withheld_lq_interval",
]

#: Most establishments a withheld CBP cell can hold (cells with 3 or more are published).
WITHHELD_MAX_ESTABLISHMENTS = 2.0

_ALL = "00"
_COMBINED = {"31": "31-33", "32": "31-33", "33": "31-33", "44": "44-45", "45": "44-45", "48": "48-49", "49": "48-49"}
_KEY = ["area_code", "parent_code"]


def _level(code: str) -> int:
    if code == _ALL:
        return 0
    return 2 if "-" in code else len(code)


def _parent(code: str) -> str | None:
    level = _level(code)
    if level == 0:
        return None
    if level == 2:
        return _ALL
    if level == 3:
        return _COMBINED.get(code[:2], code[:2])
    return code[:-1]


def naics_level(code: str) -> int:
    """Digits of a NAICS code as CBP writes it: 0 for all industries (``00``), 2 for a sector (``31-33``).

    Examples
    --------
    >>> naics_level("00"), naics_level("31-33"), naics_level("54"), naics_level("336111")
    (0, 2, 2, 6)
    """
    return _level(code)


def ancestor_at_level(code: str, digits: int) -> str | None:
    """The code of *code*'s industry at *digits* (itself at its own level; None above it).

    Examples
    --------
    >>> ancestor_at_level("336111", 4), ancestor_at_level("336111", 2), ancestor_at_level("3361", 5)
    ('3361', '31-33', None)
    """
    current: str | None = code
    while current is not None and _level(current) > digits:
        current = _parent(current)
    return current if current is not None and _level(current) == digits else None


@dataclass(frozen=True)
class Reconstruction:
    """Result of :func:`reconstruct_withheld_cells`.

    Attributes
    ----------
    imputed
        One row per rebuilt cell: ``area_code, industry_code, industry_level, employment,
        establishments`` (expected values, not rounded).
    groups
        One row per published cell whose published children do not add up to it:
        ``area_code, industry_code, industry_level, hidden_employment, hidden_establishments,
        children`` (unpublished children that received a share), ``over_cap`` (the hidden
        establishments exceed 2 per candidate child, so codes never published anywhere must hold some)
        and ``imputed_cells6`` (rebuilt 6-digit cells whose nearest published ancestor it is).
    unplaced
        Published cells with hidden employment or establishments but no NAICS child that could hold
        them (every child code seen anywhere in the data is published in the area): ``area_code,
        industry_code, hidden_employment, hidden_establishments``. Their children do not add up.
    """

    imputed: pd.DataFrame
    groups: pd.DataFrame
    unplaced: pd.DataFrame


def _water_fill(frame: pd.DataFrame, total: str, weight: str, cap: float) -> np.ndarray:
    """Share each group's *total* in proportion to *weight*, no member above *cap* (excess goes to the rest)."""
    groups = frame.groupby(_KEY, sort=False).ngroup().to_numpy()
    weights = frame[weight].to_numpy(dtype=float)
    totals = frame[total].to_numpy(dtype=float)
    share = np.zeros(len(frame))
    capped = np.zeros(len(frame), dtype=bool)
    for _ in range(64):  # each pass caps at least one more member of some group; a few passes suffice
        free_weight = np.bincount(groups, weights=np.where(capped, 0.0, weights))[groups]
        taken = np.bincount(groups, weights=np.where(capped, share, 0.0))[groups]
        proposal = np.where(free_weight > 0, (totals - taken) * weights / np.where(free_weight > 0, free_weight, 1), 0)
        share = np.where(capped, share, proposal)
        over = ~capped & (share > cap * (1 + 1e-12))
        if not over.any():
            break
        capped |= over
        share = np.where(over, cap, share)
    return share


def reconstruct_withheld_cells(cells: pd.DataFrame, *, cap: float = WITHHELD_MAX_ESTABLISHMENTS) -> Reconstruction:
    r"""Rebuild the NAICS cells CBP withholds, from all industries down to 6 digits, within each area.

    Parameters
    ----------
    cells
        Published cells of one year: ``area_code, industry_code, employment, establishments`` with
        NAICS codes ``00`` (all industries), sectors (``31-33`` for the combined ones) and 3- to 6-digit
        industries, as in the CBP metropolitan-area file.
    cap
        Most establishments a withheld cell can hold (2: CBP publishes every cell with 3 or more).

    Returns
    -------
    Reconstruction
        The rebuilt cells, the published parents whose children they complete, and any hidden
        employment no NAICS code could take.

    Raises
    ------
    ParameterError
        Missing columns, no ``00`` row, or children that add up to more than their published parent.

    Notes
    -----
    Level by level, :math:`\ell = 2, \dots, 6`, and area by area, every cell *p* one level up (published
    or already rebuilt) leaves a residual

    .. math::

        R_p = e_p - \sum_{c \in P(p)} e_c, \qquad N_p = n_p - \sum_{c \in P(p)} n_c

    of employment *e* and establishments *n* over its published children *P(p)*. The candidates
    *K(p)* are the NAICS children of *p* that are published somewhere in the data (the national
    structure) but not in this area; each holds at most 2 establishments. The establishments are shared
    in proportion to the candidates' national (all-area) establishment counts :math:`n_c^{US}`, capped at
    2 per cell (water-filling: a capped cell's excess goes to the others), and the jobs in proportion to
    expected establishments times national employment per establishment :math:`s_c = e_c^{US} /
    n_c^{US}`:

    .. math::

        \hat n_c = \min\!\left(2,\; \lambda_p\, n_c^{US}\right), \quad \sum_{c \in K(p)} \hat n_c = N_p,
        \qquad \hat e_c = R_p \frac{\hat n_c\, s_c}{\sum_{k \in K(p)} \hat n_k\, s_k}.

    These are expected values under the assumption that a withheld establishment is a draw from the
    nation's establishments of the candidate industries: fractional, never negative, and every parent's
    children add up to it exactly, at every level, so national totals summed from rebuilt 6-digit cells
    equal those summed at 2 digits. Published cells are never changed. Where :math:`N_p > 2|K(p)|` some
    establishments sit in codes never published anywhere; the cap is then lifted to :math:`N_p/|K(p)|`
    and the group flagged ``over_cap``. A residual with no candidate at all is reported in
    ``unplaced``.

    What the data allow is wider than the point estimate: withheld establishments can have no March
    employees, so any single candidate can hold anything from 0 to all of :math:`R_g`, where *g* is its
    nearest published ancestor (:func:`withheld_employment_bounds`).

    Two published methods impute CBP's withheld county cells, when cells were published with an
    employment-size flag. Isserman and Westervelt (2006) first narrow each cell's range using the adding-up
    constraints of the industry and geographic hierarchies, then adjust estimates iteratively until all
    constraints hold; Eckert, Fort, Schott and Yang (2021) solve one linear programme over the same
    adding-up constraints. Both use bounds on each cell from the flags and establishment size classes. The
    metropolitan-area file here has neither flags nor size classes, and one geographic level, so the
    constraints reduce to the industry hierarchy within each area: the first stage (bounds from adding up)
    is kept, and the second becomes the proportional allocation above, which satisfies every constraint by
    construction.

    References
    ----------
    Isserman, A. M. and Westervelt, J. (2006). 1.5 million missing numbers: overcoming employment
    suppression in County Business Patterns data. *International Regional Science Review* 29(3), 311-335.
    Eckert, F., Fort, T. C., Schott, P. K. and Yang, N. J. (2021). Imputing missing values in the US
    Census Bureau's County Business Patterns. NBER Working Paper 26632.
    US Census Bureau, County Business Patterns methodology (disclosure avoidance, 2017 onwards).

    Examples
    --------
    An area publishes 100 jobs in 336 (10 establishments) and 70 in 3361 (6): 30 jobs and 4
    establishments sit in 3362 and 3363, which other areas publish.

    >>> cells = pd.DataFrame({
    ...     "area_code": ["A"] * 4 + ["B"] * 4,
    ...     "industry_code": ["00", "31-33", "336", "3361"] * 2,
    ...     "employment": [100, 100, 100, 70, 900, 900, 900, 100],
    ...     "establishments": [10, 10, 10, 6, 40, 40, 40, 5]})
    >>> more = pd.DataFrame({"area_code": ["B", "B"], "industry_code": ["3362", "3363"],
    ...                      "employment": [200, 600], "establishments": [5, 30]})
    >>> result = reconstruct_withheld_cells(pd.concat([cells, more]))
    >>> result.imputed[["industry_code", "employment", "establishments"]].round(2).values.tolist()
    [['3362', 20.0, 2.0], ['3363', 10.0, 2.0]]
    """
    needed = ["area_code", "industry_code", "employment", "establishments"]
    absent = [c for c in needed if c not in cells.columns]
    if absent:
        raise ParameterError(f"cells need column(s) {', '.join(absent)}; got {', '.join(map(str, cells.columns))}")
    frame = cells[needed].copy()
    frame["industry_code"] = frame["industry_code"].astype(str)
    codes = pd.Series(frame["industry_code"].unique())
    level_of = dict(zip(codes, codes.map(_level), strict=True))
    parent_of = dict(zip(codes, codes.map(_parent), strict=True))
    frame["industry_level"] = frame["industry_code"].map(level_of)
    frame["parent_code"] = frame["industry_code"].map(parent_of)
    if not (frame["industry_level"] == 0).any():
        raise ParameterError("cells need the all-industries row (NAICS 00) of every area")
    national = frame.groupby("industry_code").agg(
        national_establishments=("establishments", "sum"),
        national_employment=("employment", "sum"),
    )
    national["size"] = national["national_employment"] / national["national_establishments"].where(
        national["national_establishments"] > 0
    )
    national = national.fillna({"size": 0.0}).reset_index()
    national["industry_level"] = national["industry_code"].map(level_of)
    national["parent_code"] = national["industry_code"].map(parent_of)

    known = frame.loc[frame["industry_level"] == 0, ["area_code", "industry_code", "employment", "establishments"]]
    imputed_parts, group_parts, unplaced_parts = [], [], []
    for level in (2, 3, 4, 5, 6):
        published = frame[frame["industry_level"] == level]
        children = published.groupby(_KEY, sort=False)[["employment", "establishments"]].sum()
        parents = known.rename(columns={"industry_code": "parent_code"}).set_index(_KEY)
        groups = parents.join(children.add_suffix("_children"), how="left").fillna(0.0)
        groups["hidden_employment"] = groups["employment"] - groups["employment_children"]
        groups["hidden_establishments"] = groups["establishments"] - groups["establishments_children"]
        negative = groups[(groups["hidden_employment"] < -1e-6) | (groups["hidden_establishments"] < -1e-6)]
        if len(negative):
            area, code = negative.index[0]
            raise ParameterError(
                f"the published children of {code} in area {area} add up to more than it",
                hint="pass the published cells of one CBP file and year, unchanged",
            )
        groups = groups[(groups["hidden_employment"] > 0) | (groups["hidden_establishments"] > 0)].reset_index()
        groups = groups[["area_code", "parent_code", "hidden_employment", "hidden_establishments"]]
        # Leaves (99, unclassified) have no children anywhere: nothing is hidden below them.
        has_children = groups["parent_code"].isin(national.loc[national["industry_level"] == level, "parent_code"])
        groups = groups[has_children]
        options = national.loc[
            national["industry_level"] == level,
            ["industry_code", "parent_code", "national_establishments", "size"],
        ]
        candidates = groups.merge(options, on="parent_code")
        seen = published[["area_code", "industry_code"]].assign(_published=True)
        candidates = candidates.merge(seen, on=["area_code", "industry_code"], how="left")
        candidates = candidates[candidates["_published"].isna()].drop(columns="_published")
        candidates = candidates.sort_values(["area_code", "parent_code", "industry_code"], kind="stable")
        candidates = candidates.reset_index(drop=True)

        count = candidates.groupby(_KEY, sort=False)["industry_code"].transform("size").to_numpy()
        over_cap = candidates["hidden_establishments"].to_numpy() > cap * count
        spread = _water_fill(candidates, "hidden_establishments", "national_establishments", cap)
        establishments = np.where(over_cap, candidates["hidden_establishments"].to_numpy() / count, spread)
        candidates["establishments"] = establishments
        weight = establishments * candidates["size"].to_numpy()
        # Establishments with no known size (or none at all) still take jobs: fall back to equal shares.
        weight = np.where(weight > 0, weight, 0.0)
        key = candidates.groupby(_KEY, sort=False).ngroup().to_numpy()
        total_weight = np.bincount(key, weights=weight)[key]
        fallback = total_weight <= 0
        weight = np.where(fallback, 1.0, weight)
        total_weight = np.bincount(key, weights=weight)[key]
        candidates["employment"] = candidates["hidden_employment"].to_numpy() * weight / total_weight

        candidates["_over_cap"] = over_cap
        placed = candidates.groupby(_KEY, sort=False).agg(
            children=("industry_code", "size"), over_cap=("_over_cap", "any")
        )
        with_place = groups.merge(placed.reset_index(), on=_KEY, how="left")
        unplaced_parts.append(
            with_place[with_place["children"].isna()][[*_KEY, "hidden_employment", "hidden_establishments"]]
        )
        group_parts.append(with_place[with_place["children"].notna()])
        imputed = candidates[["area_code", "industry_code", "employment", "establishments"]].assign(
            industry_level=level
        )
        imputed_parts.append(imputed)
        known = pd.concat(
            [
                published[["area_code", "industry_code", "employment", "establishments"]],
                imputed.drop(columns="industry_level"),
            ],
            ignore_index=True,
        )

    imputed_all = pd.concat(imputed_parts, ignore_index=True)
    imputed_all = imputed_all[["area_code", "industry_code", "industry_level", "employment", "establishments"]]
    groups_all = pd.concat(group_parts, ignore_index=True).rename(columns={"parent_code": "industry_code"})
    # Rebuilt children of a rebuilt parent are not groups: only published cells hide something.
    published_keys = frame[["area_code", "industry_code"]].assign(_published=True)
    groups_all = groups_all.merge(published_keys, on=["area_code", "industry_code"], how="inner").drop(
        columns="_published"
    )
    groups_all["industry_level"] = groups_all["industry_code"].map(level_of).astype("int64")
    groups_all["children"] = groups_all["children"].astype("int64")
    groups_all["over_cap"] = groups_all["over_cap"].astype(bool)
    six = imputed_all[imputed_all["industry_level"] == 6]
    anchors = nearest_group(six[["area_code", "industry_code"]], groups_all[["area_code", "industry_code"]])
    counts = anchors.value_counts().rename("imputed_cells6")
    groups_all = groups_all.merge(
        counts.rename_axis(["area_code", "industry_code"]).reset_index(), on=["area_code", "industry_code"], how="left"
    )
    groups_all["imputed_cells6"] = groups_all["imputed_cells6"].fillna(0).astype("int64")
    columns = [
        "area_code",
        "industry_code",
        "industry_level",
        "hidden_employment",
        "hidden_establishments",
        "children",
        "over_cap",
        "imputed_cells6",
    ]
    groups_all = groups_all[columns].sort_values(["area_code", "industry_code"]).reset_index(drop=True)
    unplaced = pd.concat(unplaced_parts, ignore_index=True).rename(columns={"parent_code": "industry_code"})
    unplaced = unplaced.merge(published_keys, on=["area_code", "industry_code"], how="inner").drop(columns="_published")
    imputed_all = imputed_all.sort_values(["area_code", "industry_code"]).reset_index(drop=True)
    return Reconstruction(imputed=imputed_all, groups=groups_all, unplaced=unplaced.reset_index(drop=True))


def _prefixes(code: str) -> list[str]:
    """The codes above a NAICS code, nearest first (``336111`` -> 33611, 3361, 336, 31-33, 00)."""
    out, current = [], _parent(code)
    while current is not None:
        out.append(current)
        current = _parent(current)
    return out


def nearest_group(cells: pd.DataFrame, groups: pd.DataFrame) -> pd.MultiIndex:
    """For each rebuilt cell, its nearest ancestor among *groups* (published cells hiding something).

    Returns a MultiIndex ``(area_code, industry_code)`` of the group, one entry per row of *cells*;
    the group code is empty where none is found.
    """
    areas = cells["area_code"].astype(str).to_numpy()
    return pd.MultiIndex.from_arrays([areas, _nearest_group_codes(cells, groups)], names=["area_code", "industry_code"])


def _nearest_group_codes(cells: pd.DataFrame, groups: pd.DataFrame) -> np.ndarray:
    """The industry code of :func:`nearest_group` of each row of *cells* (``""`` where there is none)."""
    both = pd.concat([cells["area_code"].astype(str), groups["area_code"].astype(str)], ignore_index=True)
    area_index, _ = pd.factorize(both)
    area_index = area_index.astype(np.int64)
    found, vocabulary = _nearest_group_index(
        area_index[: len(cells)], cells["industry_code"], area_index[len(cells) :], groups["industry_code"]
    )
    names = np.array([*vocabulary, ""], dtype=object)
    return names[found]


#: Largest table of areas x codes :func:`_nearest_group_index` looks groups up in (bytes); beyond it, np.isin.
_LOOKUP_TABLE_LIMIT = 50_000_000


def _sorted_unique(values: np.ndarray) -> np.ndarray:
    """``np.unique(values)`` of integers, by sorting: NumPy 2.3+ finds them with a hash set when asked for nothing
    else, some ten times slower (a US run's 95,000 group keys: 40 ms instead of 4)."""
    ordered = np.sort(values)
    if len(ordered) < 2:
        return ordered
    return ordered[np.concatenate(([True], ordered[1:] != ordered[:-1]))]


def _nearest_group_index(
    cell_area: np.ndarray, cell_codes: pd.Series, group_area: np.ndarray, group_codes: pd.Series
) -> tuple[np.ndarray, list[str]]:
    """For each cell (its area's number and industry code), the position of its nearest group's code in the
    sorted vocabulary returned with it, or -1 where no group holds it.

    Codes are numbered with :func:`pandas.factorize` on the columns as they are (Arrow strings stay in Arrow), and
    each distinct code is looked up once: a US run's 600,000 rebuilt cells and 190,000 groups made Python strings
    of every row, a quarter of the work. Areas come numbered by the caller (the same number for the same area in
    *cell_area* and *group_area*).
    """
    code_index, unique_codes = pd.factorize(cell_codes.astype(str))
    ladders = [_prefixes(str(c)) for c in unique_codes]
    group_code_index, group_uniques = pd.factorize(group_codes.astype(str))
    group_names = [str(c) for c in group_uniques]
    vocabulary = sorted({p for ladder in ladders for p in ladder} | set(group_names))
    position = {c: i for i, c in enumerate(vocabulary)}
    width = len(vocabulary) + 1
    group_position = np.array([position[c] for c in group_names], dtype=np.int64)
    group_keys = group_area * width + group_position[group_code_index]
    areas = int(max(cell_area.max(initial=-1), group_area.max(initial=-1))) + 1
    # Whether an area has a group of a code: looked up in a table of every area and code, made once, where it is
    # small (a US run's 933 CBSAs x 2,300 codes: 2 MB), rather than np.isin building one at each step.
    held: Callable[[np.ndarray], np.ndarray]
    if areas * width <= _LOOKUP_TABLE_LIMIT:
        table = np.zeros(areas * width, dtype=bool)
        table[group_keys] = True
        held = table.__getitem__
    else:
        held = functools.partial(np.isin, test_elements=_sorted_unique(group_keys))
    found = np.full(len(cell_area), -1, dtype=np.int64)
    depth = max((len(ladder) for ladder in ladders), default=0)
    for step in range(depth):
        ancestor_of_code = np.array(
            [position[ladder[step]] if step < len(ladder) else -1 for ladder in ladders], dtype=np.int64
        )
        ancestor = ancestor_of_code[code_index]
        # A code without an ancestor this far up (-1) is looked up at its area's first key, and is no hit.
        hit = (found < 0) & (ancestor >= 0) & held(cell_area * width + np.maximum(ancestor, 0))
        found = np.where(hit, ancestor, found)
    return found, vocabulary


def withheld_employment_bounds(
    published: pd.DataFrame, imputed: pd.DataFrame, groups: pd.DataFrame, mapping: pd.DataFrame
) -> pd.DataFrame:
    r"""Smallest and largest employment of each area and cluster that the withheld cells allow.

    Parameters
    ----------
    published
        Published 6-digit cells: ``area_code, industry_code, value``.
    imputed
        Rebuilt 6-digit cells: ``area_code, industry_code`` (``value`` is not used: the bounds do not
        depend on how the hidden jobs were shared out).
    groups
        :attr:`Reconstruction.groups`: ``area_code, industry_code, hidden_employment, imputed_cells6``.
    mapping
        ``cluster_id, industry_code`` (6-digit codes).

    Returns
    -------
    pandas.DataFrame
        ``area_code, cluster_id, employment_low, employment_high, imputed_cells`` for every area and
        cluster with a published or rebuilt cell.

    Notes
    -----
    Each rebuilt cell's nearest published ancestor *g* hides :math:`R_g` jobs in total, shared among its
    :math:`m_g` rebuilt 6-digit cells in any way (an establishment may have no March employees). A cluster
    *S* therefore holds

    .. math::

        e_S \in \Big[\, p_S + \sum_{g:\ m_{gS} = m_g} R_g,\;\; p_S + \sum_{g:\ m_{gS} > 0} R_g \,\Big]

    with :math:`p_S` its published employment and :math:`m_{gS}` the rebuilt cells of *g* in *S*: a group
    entirely inside the cluster adds its jobs for certain, one partly inside may add none or all of them.

    Examples
    --------
    >>> published = pd.DataFrame({"area_code": ["A"], "industry_code": ["336111"], "value": [500.0]})
    >>> imputed = pd.DataFrame({"area_code": ["A", "A"], "industry_code": ["336120", "336211"]})
    >>> groups = pd.DataFrame({"area_code": ["A", "A"], "industry_code": ["3361", "3362"],
    ...                        "hidden_employment": [80.0, 40.0], "imputed_cells6": [1, 3]})
    >>> mapping = pd.DataFrame({"cluster_id": ["auto"] * 3, "industry_code": ["336111", "336120", "336211"]})
    >>> withheld_employment_bounds(published, imputed, groups, mapping).values.tolist()
    [['A', 'auto', 580.0, 620.0, 2]]
    """
    # Numbers for strings: areas and clusters numbered in sorted order (sorting the numbers sorts the strings),
    # groups by their code's rank. Each row meets its code's clusters in row order, and every sum is a pandas
    # groupby sum over the same rows in the same order as the merges and groupbys on the strings did, so the
    # floats are the same (a US profile's 490,000 cells took 0.8 s merged and grouped on strings).
    pairs = mapping[["cluster_id", "industry_code"]].astype({"industry_code": str}).drop_duplicates()
    cluster_number, cluster_names = pd.factorize(pairs["cluster_id"], sort=True)
    n_clusters = max(len(cluster_names), 1)
    pair_codes = pd.Index(pairs["industry_code"].unique())
    pair_code = pair_codes.get_indexer(pairs["industry_code"])
    clusters_by_code = cluster_number[np.argsort(pair_code, kind="stable")].astype(np.int64)
    # Clusters per code, with a last entry of none for the rows whose code is in no cluster (number -1).
    per_code = np.append(np.bincount(pair_code, minlength=len(pair_codes)), 0)
    first = np.cumsum(per_code) - per_code
    # Empty columns are left out (they add no rows): an empty one of objects would make the result's area codes
    # objects too, and the tables made from it slower to merge and pivot (the opportunities' lower bounds have no
    # published cells).
    parts = [c for c in (published["area_code"], imputed["area_code"], groups["area_code"]) if len(c)]
    areas = pd.concat(parts or [published["area_code"]], ignore_index=True)
    area_number, area_names = pd.factorize(areas, sort=True)
    area_number = area_number.astype(np.int64)
    n_published, n_imputed = len(published), len(imputed)
    codes = pd.concat([published["industry_code"], imputed["industry_code"]], ignore_index=True).astype(str)
    code_number, code_names = pd.factorize(codes)
    row_code = pair_codes.get_indexer(code_names)[code_number] if len(codes) else np.zeros(0, dtype=np.int64)

    def joined(rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Each row of *rows* (their pair codes) once per cluster of its code: the row's position, the cluster."""
        count = per_code[rows]
        row = np.repeat(np.arange(len(rows)), count)
        within = np.arange(len(row)) - np.repeat(np.cumsum(count) - count, count)
        return row, clusters_by_code[first[rows[row]] + within]

    row, cluster = joined(row_code[:n_published])
    values = published["value"].to_numpy()[row]
    low_pub = pd.Series(values).groupby(area_number[:n_published][row] * n_clusters + cluster).sum()
    cell_area = area_number[n_published : n_published + n_imputed]
    group_area = area_number[n_published + n_imputed :]
    imputed_code = row_code[n_published:]
    clustered = imputed_code >= 0
    found, vocabulary = _nearest_group_index(
        cell_area[clustered], imputed["industry_code"][clustered], group_area, groups["industry_code"]
    )
    # Rank 0 is "no group" (the empty code sorts first), rank i + 1 the vocabulary's (sorted) i-th code.
    n_groups = len(vocabulary) + 1
    group_rank = np.zeros(n_imputed, dtype=np.int64)
    group_rank[clustered] = found + 1
    row, cluster = joined(imputed_code)
    cell_keys, in_cluster = np.unique(
        (cell_area[row] * n_clusters + cluster) * n_groups + group_rank[row], return_counts=True
    )
    inside = pd.DataFrame(
        {
            "area_cluster": cell_keys // n_groups,
            "key": cell_keys // n_groups // n_clusters * n_groups + cell_keys % n_groups,
            "in_cluster": in_cluster,
        }
    )
    info = pd.DataFrame(
        {
            "key": group_area * n_groups
            + pd.Index(vocabulary).get_indexer(pd.Index(groups["industry_code"].astype(str)))
            + 1,
            "hidden_employment": groups["hidden_employment"].to_numpy(),
            "imputed_cells6": groups["imputed_cells6"].to_numpy(),
        }
    )
    inside = inside.merge(info, on="key", how="left")
    inside["certain"] = np.where(inside["in_cluster"] >= inside["imputed_cells6"], inside["hidden_employment"], 0.0)
    hidden = inside.groupby("area_cluster").agg(
        certain=("certain", "sum"), possible=("hidden_employment", "sum"), imputed_cells=("in_cluster", "sum")
    )
    out = pd.concat([low_pub.rename("published"), hidden], axis=1).fillna(0.0).sort_index()
    key = out.index.to_numpy()
    return pd.DataFrame(
        {
            "area_code": area_names.take(key // n_clusters),
            "cluster_id": cluster_names.take(key % n_clusters),
            "employment_low": (out["published"] + out["certain"]).to_numpy(),
            "employment_high": (out["published"] + out["possible"]).to_numpy(),
            "imputed_cells": out["imputed_cells"].astype("int64").to_numpy(),
        }
    )


def withheld_cell_lower_bounds(cells: pd.DataFrame, groups: pd.DataFrame) -> np.ndarray:
    """The ``employment_low`` of :func:`withheld_employment_bounds` with each rebuilt 6-digit cell's code its
    own cluster and no published cells, for each row of *cells*, in NumPy.

    A cell holds its nearest group's hidden jobs for certain when it holds every rebuilt cell of that group
    (the group's ``imputed_cells6`` are all the rows of its area and code), else 0. The same floats as
    :func:`withheld_employment_bounds` (each is one group's ``hidden_employment``, or 0), without its joins and
    grouped sums over every cell: every area's lower bounds of a first US run (the opportunities' presence).

    Parameters
    ----------
    cells
        Rebuilt 6-digit cells: ``area_code, industry_code``.
    groups
        :attr:`Reconstruction.groups`: ``area_code, industry_code, hidden_employment, imputed_cells6``.

    Returns
    -------
    numpy.ndarray
        Each row's lower bound (float64).

    Examples
    --------
    >>> cells = pd.DataFrame({"area_code": ["A", "A", "A"], "industry_code": ["336120", "336211", "336212"]})
    >>> groups = pd.DataFrame({"area_code": ["A", "A"], "industry_code": ["3361", "3362"],
    ...                        "hidden_employment": [80.0, 40.0], "imputed_cells6": [1, 2]})
    >>> withheld_cell_lower_bounds(cells, groups).tolist()
    [80.0, 0.0, 0.0]
    """
    if not len(cells):
        return np.zeros(0, dtype=np.float64)
    areas = pd.concat([cells["area_code"].astype(str), groups["area_code"].astype(str)], ignore_index=True)
    area_number = pd.factorize(areas)[0].astype(np.int64)
    cell_area, group_area = area_number[: len(cells)], area_number[len(cells) :]
    found, vocabulary = _nearest_group_index(cell_area, cells["industry_code"], group_area, groups["industry_code"])
    width = len(vocabulary) + 1
    group_position = pd.Index(vocabulary).get_indexer(pd.Index(groups["industry_code"].astype(str)))
    group_key = pd.Index(group_area * width + group_position)
    # Rows of the same area and code are one cluster's cells (withheld_employment_bounds counts them together).
    code_number = pd.factorize(cells["industry_code"].astype(str))[0].astype(np.int64)
    same = pd.factorize(cell_area * (int(code_number.max()) + 1) + code_number)[0]
    in_cluster = np.bincount(same)[same]
    hidden = groups["hidden_employment"].to_numpy(dtype=np.float64)
    cells6 = groups["imputed_cells6"].to_numpy(dtype=np.float64)
    if group_key.is_unique:
        row = np.where(found >= 0, group_key.get_indexer(cell_area * width + found), -1)
        held = hidden[row] if len(hidden) else np.zeros(len(cells))
        certain = np.where((row >= 0) & (in_cluster >= (cells6[row] if len(cells6) else 0.0)), held, 0.0)
        # A group without hidden jobs (NaN) adds none; + 0.0 turns -0.0 into the 0.0 a grouped sum gives.
        return np.where(np.isnan(certain), 0.0, certain) + 0.0
    # A group listed twice adds its jobs twice, as the joins do: that general case is left to them.
    mapping = pd.DataFrame({"cluster_id": cells["industry_code"].astype(str), "industry_code": cells["industry_code"]})
    published = pd.DataFrame({"area_code": [], "industry_code": [], "value": []})
    bounds = withheld_employment_bounds(published, cells, groups, mapping.drop_duplicates())
    keyed = bounds.set_index(["area_code", "cluster_id"])["employment_low"]
    where = pd.MultiIndex.from_arrays([cells["area_code"].astype(str), cells["industry_code"].astype(str)])
    return keyed.reindex(where).fillna(0.0).to_numpy(dtype=np.float64)


def withheld_lq_interval(
    regional: tuple[np.ndarray, np.ndarray],
    regional_total: tuple[np.ndarray, np.ndarray],
    benchmark: tuple[np.ndarray, np.ndarray],
    benchmark_total: tuple[np.ndarray, np.ndarray],
    *,
    region_in_benchmark: npt.ArrayLike = True,
) -> tuple[np.ndarray, np.ndarray]:
    r"""Bounds of the LQ when a region's cluster employment lies in a range.

    Parameters
    ----------
    regional, regional_total, benchmark, benchmark_total
        ``(low, high)`` of :math:`e_{ir}`, :math:`e_r`, :math:`E_i`, :math:`E`; the benchmark bounds are
        sums of the areas' bounds (areas vary independently).
    region_in_benchmark
        True where the region is one of the benchmark's areas (the nation); False for a peer group
        without it, where :math:`E_i` does not move with :math:`e_{ir}`.

    Returns
    -------
    (numpy.ndarray, numpy.ndarray)
        ``lq_low, lq_high``.

    Notes
    -----
    Write :math:`E_i = e_{ir} + z` with *z* the cluster in the other areas, :math:`z \in [E_{i,low} -
    e_{ir,low},\, E_{i,high} - e_{ir,high}]`. :math:`LQ = e_{ir} E / (e_r (e_{ir} + z))` rises with
    :math:`e_{ir}` and *E* and falls with *z* and :math:`e_r` (outside the benchmark, :math:`E_i` itself
    plays the part of :math:`e_{ir} + z`), so

    .. math::

        LQ_{low} = \frac{e_{ir,low}\, E_{low}}{e_{r,high}\,(e_{ir,low} + z_{high})}, \qquad
        LQ_{high} = \frac{e_{ir,high}\, E_{high}}{e_{r,low}\,(e_{ir,high} + z_{low})}.

    Unlike :func:`~clusterplan.measures.location_quotient.location_quotient_interval` this does not
    split the totals into independent parts, because the withheld jobs of one parent are shared between
    the cluster and the rest of the region: with exact totals (CBP's published all-industries rows) the
    bounds are exact, and with uncertain totals (traded industries only) they are valid but can be wider
    than the true range.

    Examples
    --------
    >>> low, high = withheld_lq_interval((580, 620), (10_000, 10_000), (1_580, 1_700), (1e6, 1e6))
    >>> round(float(low), 3), round(float(high), 3)
    (34.94, 38.272)
    """
    xl, xh = (np.asarray(v, dtype=float) for v in regional)
    rl, rh = (np.asarray(v, dtype=float) for v in regional_total)
    il, ih = (np.asarray(v, dtype=float) for v in benchmark)
    tl, th = (np.asarray(v, dtype=float) for v in benchmark_total)
    inside = np.asarray(region_in_benchmark, dtype=bool)
    zl, zh = np.maximum(il - xl, 0), np.maximum(ih - xh, 0)
    cluster_high = np.where(inside, xl + zh, ih)
    cluster_low = np.where(inside, xh + zl, il)
    with np.errstate(divide="ignore", invalid="ignore"):
        low = xl * tl / (rh * cluster_high)
        high = xh * th / (rl * cluster_low)
    low = np.where(np.isfinite(low), low, np.nan)
    high = np.where(np.isfinite(high) | (xh > 0), high, np.nan)
    return low, high
