"""Strong clusters: the US Cluster Mapping Project rule and the European Cluster Observatory stars.

Both classify each region-cluster against the same cluster in comparable
regions (same unit and year). The functions are pure: they take one panel
(``area_code, unit_code, employment, lq, share``, optionally ``year`` and
``establishments``) and return it with the test results, the thresholds used
and a one-line reason per row, so a reader can check every verdict by hand.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from .._exceptions import ParameterError, UnknownCodeError

__all__ = [
    "CLUSTER_MAPPING_RULES",
    "ClusterMappingRule",
    "cluster_mapping_strength",
    "cluster_observatory_stars",
]


@dataclass(frozen=True)
class ClusterMappingRule:
    """One of the US Cluster Mapping Project's region-cluster classifications.

    Attributes
    ----------
    name
        Key in :data:`CLUSTER_MAPPING_RULES`; also the prefix of the output columns.
    lq_quantile
        The LQ must reach this quantile of the LQs of comparable regions.
    lq_inclusive
        ``>=`` the quantile (True) or strictly ``>`` (False).
    lq_minimum
        The LQ must also be at least this (None: no floor).
    size_quantile
        Employment and establishments must be strictly above this quantile.
    description
        The flag in the Cluster Mapping code it reproduces.
    """

    name: str
    lq_quantile: float
    lq_inclusive: bool
    lq_minimum: float | None
    size_quantile: float = 0.25
    description: str = ""


#: The four classifications the Cluster Mapping Project computes for every region-cluster
#: (``data/processing/cluster_calcs_reducer.js`` in github.com/clustermapping/cmp).
CLUSTER_MAPPING_RULES: dict[str, ClusterMappingRule] = {
    rule.name: rule
    for rule in (
        ClusterMappingRule("strong", 0.75, True, 1.0, description="strong_b: the 'strong clusters' of the portal"),
        ClusterMappingRule("strong10", 0.90, True, 1.0, description="strong10_b: top-decile variant"),
        ClusterMappingRule("significant", 0.50, False, None, description="significant_b: LQ above the median"),
        ClusterMappingRule("qualifying", 0.25, False, None, description="qualifying_b: LQ above the bottom quartile"),
    )
}


def _require(panel: pd.DataFrame, columns: Sequence[str], what: str) -> None:
    absent = [c for c in columns if c not in panel.columns]
    if absent:
        raise ParameterError(
            f"{what} needs panel column(s) {', '.join(absent)}; got {', '.join(map(str, panel.columns))}"
        )


def _groups(panel: pd.DataFrame, comparable: Sequence[str]) -> list[str]:
    keys = list(comparable)
    if "year" in panel.columns and "year" not in keys:
        keys.append("year")  # never compare a region in one year with regions in another
    return keys


def _texts(values: np.ndarray, spec: str) -> pa.Array:
    """``format(value, spec)`` of each value, as Arrow strings: each distinct value is formatted once, told apart
    by its bits (0.0 and -0.0 are equal but read "0" and "-0")."""
    bits = np.ascontiguousarray(values, dtype=np.float64).view(np.int64)
    distinct, inverse = np.unique(bits, return_inverse=True)
    texts = pa.array([format(value, spec) for value in distinct.view(np.float64).tolist()], type=pa.string())
    return texts.take(inverse.reshape(-1))


def _joined(*parts: pa.Array | str) -> pa.Array:
    """The parts (Arrow strings, or one text for every row) joined row by row; at least one part is an array."""
    return pc.binary_join_element_wise(*parts, "")


def _size_text(word: str, values: np.ndarray, passed: np.ndarray, label: str, thresholds: np.ndarray) -> pa.Array:
    """A size test's text of each row: "employment 1,234 > 25th percentile 987" ("<=" where it failed)."""
    return _joined(
        f"{word} ",
        _texts(values.astype(float), ",.0f"),
        pc.if_else(passed, f" > {label} ", f" <= {label} "),
        _texts(thresholds.astype(float), ",.4g"),
    )


def _placed(texts: pa.Array, rows: np.ndarray, length: int, other: str, index: pd.Index) -> pd.Series:
    """A text column of *length* rows: *texts* on *rows* (ascending positions), *other* on the rest."""
    position = np.cumsum(np.bincount(rows, minlength=length)) - 1
    on_rows = np.zeros(length, dtype=bool)
    on_rows[rows] = True
    whole = pc.fill_null(texts.take(pa.array(position, mask=~on_rows)), other)
    if len(whole) != length:  # a guard: the kernels above keep one text per row
        raise AssertionError(f"{len(whole)} texts for {length} rows")
    return pd.Series(whole, index=index, dtype=pd.StringDtype("pyarrow", na_value=np.nan))


def _quantile(values: pd.Series | np.ndarray, q: float) -> float:
    # Linear interpolation between order statistics (Hyndman & Fan type 7), as d3.quantile in the CMP code.
    finite = np.asarray(values, dtype=float)
    finite = finite[~np.isnan(finite)]
    return float(np.quantile(finite, q)) if finite.size else float("nan")


def _rows_of_groups(group: np.ndarray) -> list[np.ndarray]:
    """The rows of each group, from each row's group number (``GroupBy.ngroup``)."""
    order = np.argsort(group, kind="stable")
    ends = np.cumsum(np.bincount(group)) if len(group) else np.zeros(0, dtype=np.int64)
    return np.split(order, ends[:-1])


def _quantile_by_group(values: pd.Series, rows_of_groups: list[np.ndarray], q: float) -> pd.Series:
    """:func:`_quantile` of each group's *values*, on each of its rows: what ``transform`` with it gives, without
    a Series made for every group (a US profile: 51 clusters, three thresholds each)."""
    numbers = values.to_numpy(dtype=float)
    out = np.empty(len(numbers))
    for rows in rows_of_groups:
        out[rows] = _quantile(numbers[rows], q)
    return pd.Series(out, index=values.index, name=values.name)


def _ordinal(q: float) -> str:
    pct = round(q * 100)
    suffix = "th" if 10 <= pct % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(pct % 10, "th")
    return f"{pct}{suffix} percentile"


def cluster_mapping_strength(
    panel: pd.DataFrame,
    rule: str | ClusterMappingRule = "strong",
    *,
    comparable: Sequence[str] = ("unit_code",),
    require_establishments: bool = False,
    lq_bound: str | None = None,
    lq_bound_label: str = "lower bound",
) -> pd.DataFrame:
    r"""Classify region-clusters by the US Cluster Mapping Project rule (``strong`` by default).

    Parameters
    ----------
    panel
        One row per region and cluster: ``area_code, unit_code, employment, lq``
        and, where the source has them, ``establishments`` (County Business
        Patterns does, BRES does not). A ``year`` column, if present, is added
        to the comparison groups.
    rule
        A name from :data:`CLUSTER_MAPPING_RULES` (``strong``, ``strong10``,
        ``significant``, ``qualifying``) or a :class:`ClusterMappingRule`.
    comparable
        Columns whose values define the comparable regions (default: the same
        cluster, and year).
    require_establishments
        Raise instead of dropping the establishment test when the panel has no
        establishment counts.
    lq_bound
        Column holding each LQ's lower bound (e.g. ``lq_low``, over every split
        of the jobs in withheld cells). When given, the two LQ tests are passed
        only by the lower bound: a cluster whose LQ clears the threshold but
        whose bound does not is **not** strong, and its reason says
        ``(uncertain)``. The thresholds are still quantiles of the LQs. A
        missing bound falls back to the LQ.
    lq_bound_label
        What the reasons call the bound ("LQ 8.45, lower bound 0 < ...").

    Returns
    -------
    pandas.DataFrame
        The panel (same row order) plus, prefixed with the rule name (``strong``
        below): ``strong`` (bool), ``strong_lq_threshold``,
        ``strong_employment_threshold``, ``strong_establishments_threshold``
        (NaN when not applied), ``strong_lq_test``, ``strong_lq_minimum_test``,
        ``strong_employment_test`` (bool), ``strong_establishments_test``
        (nullable boolean: ``<NA>`` when the test was **not applied**),
        ``strong_comparable_regions`` (regions in the distribution) and
        ``strong_reason``.

    Raises
    ------
    ParameterError
        Missing columns; no establishment counts with *require_establishments*.
    UnknownCodeError
        Unknown rule name.

    Notes
    -----
    For cluster *i*, the distribution is taken over the comparable regions with
    positive employment in *i*; quantiles :math:`Q_p` interpolate linearly
    between order statistics (type 7, as ``d3.quantile`` in the Cluster Mapping
    code). A region-cluster is **strong** when

    .. math::

        LQ_{ir} \ge Q_{0.75}(LQ_i),\quad LQ_{ir} \ge 1,\quad
        e_{ir} > Q_{0.25}(e_i),\quad n_{ir} > Q_{0.25}(n_i)

    with :math:`n` the establishment count. ``strong10`` uses
    :math:`Q_{0.90}`; ``significant`` is :math:`LQ > Q_{0.50}` and
    ``qualifying`` :math:`LQ > Q_{0.25}`, both with the same size tests and no
    LQ floor. The Project computes the LQ on traded employment
    (``lq_tf``: the cluster's share of the region's traded employment over its
    share of US traded employment): build the panel with
    ``denominator_industries`` set to the traded industries to match it.

    Where the panel has no establishment counts (BRES publishes employment
    only) the establishment test is **not applied**: its column is ``<NA>`` and
    the reason says so; the verdict then rests on the LQ and employment tests
    alone and is more generous than the Project's. Where only some rows lack a
    count, those rows fail the test ("establishments unknown").

    With *lq_bound*, :math:`LQ_{ir}` in the two LQ tests is replaced by its
    lower bound. County Business Patterns withholds cells with fewer than three
    establishments; rebuilt as expected values they can give a small area a
    large LQ that the published data do not show at all (Adrian, MI, CBP 2019:
    biopharmaceuticals LQ 8.45 from four rebuilt cells, interval 0 to 20.1). The
    Project's own rule works on published data only; requiring the bound to
    clear the threshold keeps its meaning, a specialisation the data
    establish, while a strong cluster the published cells show (Detroit
    automotive, LQ 8.22) stays strong. The quantile test compares regions
    with each other, so the bound that matters is the region's own: its
    cluster employment at its lower bound against the benchmark's point value
    (:func:`clusterplan.pipeline.profile.profile_region` passes that). A
    bound that also moves the national total to its extreme lowers every
    region's LQ together and would fail clusters no rebuilt cell touches.

    References
    ----------
    Delgado, M., Porter, M. E. and Stern, S. (2014). Clusters, convergence, and
    economic performance. *Research Policy* 43(10), 1785-1799.
    US Cluster Mapping Project, data processing code,
    https://github.com/clustermapping/cmp, ``data/processing/cluster_calcs_reducer.js``.

    Examples
    --------
    >>> panel = pd.DataFrame({
    ...     "area_code": list("ABCDE"), "unit_code": "auto",
    ...     "employment": [100, 2_000, 300, 50, 800], "establishments": [4, 30, 9, 2, 3],
    ...     "lq": [0.5, 2.5, 1.2, 0.3, 1.8]})
    >>> out = cluster_mapping_strength(panel)
    >>> out["strong"].tolist()
    [False, True, False, False, False]
    >>> out.loc[4, "strong_reason"]
    'not strong: establishments 3 <= 25th percentile 3'
    """
    spec = rule if isinstance(rule, ClusterMappingRule) else CLUSTER_MAPPING_RULES.get(rule)
    if spec is None:
        raise UnknownCodeError("Cluster Mapping rule", str(rule), sorted(CLUSTER_MAPPING_RULES))
    _require(panel, ["area_code", *comparable, "employment", "lq"], "cluster_mapping_strength")
    keys = _groups(panel, comparable)
    has_establishments = "establishments" in panel.columns and panel["establishments"].notna().any()
    if require_establishments and not has_establishments:
        raise ParameterError(
            "the panel has no establishment counts, so the Cluster Mapping establishment test cannot be applied",
            hint="add an establishments column (e.g. County Business Patterns ESTAB) or drop require_establishments",
        )
    out = panel.copy()
    employment = out["employment"].astype(float)
    lq = out["lq"].astype(float)
    establishments = out["establishments"].astype(float) if has_establishments else pd.Series(np.nan, index=out.index)
    present = employment > 0
    # Thresholds per comparison group, over the regions where the cluster is present.
    frame = pd.DataFrame({"lq": lq, "employment": employment, "establishments": establishments}).where(present, np.nan)
    grouping = [out[k] for k in keys]
    grouped = frame.groupby(grouping, sort=False, dropna=False)
    rows_of_groups = _rows_of_groups(grouped.ngroup().to_numpy())
    lq_threshold = _quantile_by_group(frame["lq"], rows_of_groups, spec.lq_quantile)
    employment_threshold = _quantile_by_group(frame["employment"], rows_of_groups, spec.size_quantile)
    establishments_threshold = _quantile_by_group(frame["establishments"], rows_of_groups, spec.size_quantile)
    counted = grouped["employment"].transform("count")
    establishments_applied = grouped["establishments"].transform("count") > 0

    if lq_bound is not None:
        _require(panel, [lq_bound], "cluster_mapping_strength with lq_bound")
        tested = out[lq_bound].astype(float).fillna(lq)
    else:
        tested = lq
    lq_test = (tested >= lq_threshold) if spec.lq_inclusive else (tested > lq_threshold)
    lq_test = lq_test & present
    minimum_test = (tested >= spec.lq_minimum) if spec.lq_minimum is not None else pd.Series(True, index=out.index)
    # Passed on the LQ, failed on its lower bound: the verdict turns on how withheld jobs are split.
    point_lq_test = (lq >= lq_threshold) if spec.lq_inclusive else (lq > lq_threshold)
    point_minimum = (lq >= spec.lq_minimum) if spec.lq_minimum is not None else pd.Series(True, index=out.index)
    uncertain = (present & point_lq_test & point_minimum & ~(lq_test & minimum_test)).to_numpy(dtype=bool)
    employment_test = present & (employment > employment_threshold)
    establishments_known = establishments.notna()
    establishments_pass = establishments_known & (establishments > establishments_threshold)
    verdict = lq_test & minimum_test & employment_test & (establishments_pass | ~establishments_applied)

    name = spec.name
    out[name] = verdict.to_numpy(dtype=bool)
    out[f"{name}_lq_threshold"] = lq_threshold.to_numpy()
    out[f"{name}_employment_threshold"] = employment_threshold.to_numpy()
    out[f"{name}_establishments_threshold"] = establishments_threshold.where(establishments_applied).to_numpy()
    out[f"{name}_lq_test"] = lq_test.to_numpy(dtype=bool)
    out[f"{name}_lq_minimum_test"] = minimum_test.to_numpy(dtype=bool)
    out[f"{name}_employment_test"] = employment_test.to_numpy(dtype=bool)
    applied_v = establishments_applied.to_numpy(dtype=bool)
    out[f"{name}_establishments_test"] = pd.arrays.BooleanArray(
        establishments_pass.to_numpy(dtype=bool) & applied_v, ~applied_v
    )
    out[f"{name}_comparable_regions"] = counted.to_numpy(dtype="int64")

    lq_word = ">=" if spec.lq_inclusive else ">"
    lq_fail = "<" if spec.lq_inclusive else "<="
    lq_label = _ordinal(spec.lq_quantile)
    size_label = _ordinal(spec.size_quantile)
    # The reasons are put together column-wise in Arrow, for the rows that show a test (a third of a US run's
    # 45,717 rows have no employment and one fixed reason): each distinct number is formatted once, each test's
    # text is one piece, kept (with its "; ") where the row's list of failed tests, or else of passed tests,
    # holds it. Row by row, the Python loop was most of the rule's time.
    shown = np.flatnonzero(present.to_numpy(dtype=bool))

    def at(values: pd.Series) -> np.ndarray:
        return values.to_numpy()[shown]

    pieces: list[tuple[pa.Array | str, np.ndarray, np.ndarray]] = []  # text, in the list of failed, of passed
    lq_shown = at(lq).astype(float)
    lq_test_shown = at(lq_test).astype(bool)
    minimum_test_shown = at(minimum_test).astype(bool)
    defined = ~np.isnan(lq_shown)
    label = _joined("LQ ", _texts(lq_shown, ".3g"))
    if lq_bound is not None:
        # With a bound, the LQ tests read "LQ 8.45, lower bound 0 < ..." so the reader sees both numbers.
        label = _joined(label, f", {lq_bound_label} ", _texts(at(tested).astype(float), ".3g"))
    lq_text = _joined(
        label,
        pc.if_else(lq_test_shown, f" {lq_word} {lq_label} ", f" {lq_fail} {lq_label} "),
        _texts(at(lq_threshold).astype(float), ".3g"),
    )
    pieces.append((pc.if_else(defined, lq_text, "LQ undefined"), ~defined | ~lq_test_shown, defined & lq_test_shown))
    if spec.lq_minimum is not None:
        bound_label = "LQ" if lq_bound is None else f"LQ {lq_bound_label}"
        minimum = f"{spec.lq_minimum:g}"
        minimum_text = pc.if_else(minimum_test_shown, f"{bound_label} >= {minimum}", f"{bound_label} < {minimum}")
        pieces.append((minimum_text, defined & ~minimum_test_shown, defined & minimum_test_shown))
    employment_test_shown = at(employment_test).astype(bool)
    employment_text = _size_text(
        "employment", at(employment), employment_test_shown, size_label, at(employment_threshold)
    )
    pieces.append((employment_text, ~employment_test_shown, employment_test_shown))
    applied = at(establishments_applied).astype(bool)
    known = applied & at(establishments_known).astype(bool)
    establishments_pass_shown = at(establishments_pass).astype(bool)
    establishments_text = _size_text(
        "establishments", at(establishments), establishments_pass_shown, size_label, at(establishments_threshold)
    )
    pieces.append(
        (
            pc.if_else(known, establishments_text, "establishments unknown"),
            applied & ~(known & establishments_pass_shown),
            known & establishments_pass_shown,
        )
    )
    failing = np.logical_or.reduce([in_failed for _, in_failed, _ in pieces])
    # Each kept piece with "; " before it (Arrow's join that skips nulls drops the rows where all are null).
    listed = _joined(
        *(
            pc.if_else(np.where(failing, in_failed, in_passed), _joined("; ", text), "")
            for text, in_failed, in_passed in pieces
        )
    )
    uncertain_shown = uncertain[shown]
    head = pc.if_else(
        failing,
        pc.if_else(
            uncertain_shown, f"not {name} (uncertain: the LQ passes, its lower bound does not): ", f"not {name}: "
        ),
        f"{name}: ",
    )
    note = pc.if_else(applied, "", "; establishments not applied (no establishment counts)")
    texts = _joined(head, pc.utf8_slice_codeunits(listed, 2), note)
    out[f"{name}_reason"] = _placed(texts, shown, len(out), f"not {name}: no employment in the cluster", out.index)
    return out


def _top_share(values: pd.Series, groups: list[pd.Series], top_share: float) -> tuple[pd.Series, pd.Series, pd.Series]:
    """Rank (1 = largest, ties take the best rank), group size, and whether the rank is within the top share."""
    grouped = values.groupby(groups, sort=False, dropna=False) if groups else values.groupby(lambda _i: 0)
    rank = grouped.rank(ascending=False, method="min")
    counted = grouped.transform("count")
    # A small tolerance so that 10% of 30 regions (3.0000000000000004) still admits rank 3.
    top = (rank <= top_share * counted + 1e-9) & values.notna()
    return rank, counted, top


def cluster_observatory_stars(
    panel: pd.DataFrame,
    *,
    comparable: Sequence[str] = ("unit_code",),
    top_share: float = 0.10,
    specialisation_minimum: float = 2.0,
    focus_within: Literal["unit", "all"] = "unit",
) -> pd.DataFrame:
    r"""European Cluster Observatory stars (0-3) for size, specialisation and focus.

    Parameters
    ----------
    panel
        ``area_code, unit_code, employment, lq, share`` (``share`` = the
        cluster's share of the region's employment), optionally ``year``.
    comparable
        Columns that define the comparison group of the size star (and of the
        focus star with ``focus_within="unit"``): by default the same cluster
        (and year, when present).
    top_share
        Share of region-clusters that earn the size and focus stars (10%).
    specialisation_minimum
        LQ needed for the specialisation star (2).
    focus_within
        ``"unit"``: rank the focus measure among regions for the same cluster;
        ``"all"``: among all region-clusters of the year (only meaningful with
        a complete, non-overlapping set of clusters).

    Returns
    -------
    pandas.DataFrame
        The panel plus ``size_star``, ``specialisation_star``, ``focus_star``
        (bool), ``stars`` (0-3), ``employment_rank``, ``share_rank`` (1 = largest
        in the comparison group), ``size_regions``, ``focus_regions`` (group
        sizes) and ``stars_reason``.

    Notes
    -----
    Following the Observatory's methodology (Sölvell, Ketels and Lindqvist):

    * **size**: the region-cluster's employment is in the top 10% of regions for
      the same cluster category. Ranking employment within a category is the same
      as ranking the region's share of the category's total employment.
    * **specialisation**: :math:`LQ_{ir} \ge 2`.
    * **focus**: the cluster's share of the region's total employment,
      :math:`e_{ir}/e_r`, is in the top 10%.

    "Top 10%" is implemented as rank :math:`\le 0.1\,n`, with *n* the number of
    region-clusters with positive employment in the group and ties sharing the
    best rank (``method="min"``), so at most 10% of them earn the star apart from
    ties at the boundary; with fewer than 10 regions no region can earn it.
    Region-clusters with no employment earn no star.

    The Observatory's text says the size star goes to the top 10% "within the
    same cluster category"; for focus it speaks of the top 10% of clusters
    without naming the group, hence *focus_within* (default: the same
    category, like size).

    References
    ----------
    European Cluster Observatory, "Evaluation of regional cluster strength"
    (methodology pages, clusterobservatory.eu, Center for Strategy and
    Competitiveness, Stockholm School of Economics).
    European Commission (2008). *Innovation Clusters in Europe: a statistical
    analysis and overview of current policy support*. DG Enterprise and
    Industry report, section 2.2.

    Examples
    --------
    >>> panel = pd.DataFrame({
    ...     "area_code": [f"R{i:02d}" for i in range(10)], "unit_code": "auto",
    ...     "employment": [900, 50, 60, 70, 80, 90, 100, 110, 120, 130],
    ...     "lq": [2.4, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 3.0],
    ...     "share": [0.020, 0.001, 0.001, 0.001, 0.001, 0.001, 0.001, 0.002, 0.002, 0.030]})
    >>> out = cluster_observatory_stars(panel)
    >>> out.loc[[0, 9], ["size_star", "specialisation_star", "focus_star", "stars"]].to_dict("list")
    {'size_star': [True, False], 'specialisation_star': [True, True], 'focus_star': [False, True], 'stars': [2, 2]}
    """
    _require(panel, ["area_code", *comparable, "employment", "lq", "share"], "cluster_observatory_stars")
    if not 0 < top_share < 1:
        raise ParameterError(f"top_share must be between 0 and 1, not {top_share!r}")
    if focus_within not in ("unit", "all"):
        raise ParameterError(f"focus_within must be 'unit' or 'all', not {focus_within!r}")
    out = panel.copy()
    employment = out["employment"].astype(float)
    present = employment > 0
    keys = _groups(out, comparable)
    groups = [out[k] for k in keys]
    size_rank, size_n, size_star = _top_share(employment.where(present), groups, top_share)
    focus_keys = keys if focus_within == "unit" else [k for k in keys if k == "year"]
    share = out["share"].astype(float).where(present)
    share_rank, share_n, focus_star = _top_share(share, [out[k] for k in focus_keys], top_share)
    lq = out["lq"].astype(float)
    specialisation_star = present & (lq >= specialisation_minimum)

    out["size_star"] = size_star.to_numpy(dtype=bool)
    out["specialisation_star"] = specialisation_star.to_numpy(dtype=bool)
    out["focus_star"] = focus_star.to_numpy(dtype=bool)
    out["stars"] = (size_star.astype(int) + specialisation_star.astype(int) + focus_star.astype(int)).to_numpy()
    out["employment_rank"] = size_rank.to_numpy()
    out["share_rank"] = share_rank.to_numpy()
    out["size_regions"] = size_n.to_numpy(dtype="int64")
    out["focus_regions"] = share_n.to_numpy(dtype="int64")
    pct = f"{top_share * 100:g}%"
    # Column-wise in Arrow, for the rows with employment (the others share one text): each distinct number is
    # formatted once (ranks and group sizes repeat: at most one value per area, per group).
    shown = np.flatnonzero(present.to_numpy(dtype=bool))

    def at(values: pd.Series) -> np.ndarray:
        return values.to_numpy()[shown]

    def mark(star: pd.Series) -> pa.Array:
        return pc.if_else(at(star).astype(bool), "*", "-")

    size_n_shown = at(size_n).astype(float)
    lq_shown = at(lq).astype(float)
    specialisation = pc.if_else(
        np.isnan(lq_shown),
        "(LQ undefined)",
        _joined("(LQ ", _texts(lq_shown, ".3g"), f" vs {specialisation_minimum:g})"),
    )
    counts = pa.array([f"{n} star{'s' if n != 1 else ''}: " for n in range(4)])
    texts = _joined(
        counts.take(at(out["stars"]).astype(np.int64)),
        "size ",
        mark(size_star),
        " (employment rank ",
        _texts(at(size_rank).astype(float), ".0f"),
        " of ",
        _texts(size_n_shown, ".0f"),
        f", top {pct} = rank <= ",
        _texts(top_share * size_n_shown, ".4g"),
        "); specialisation ",
        mark(specialisation_star),
        " ",
        specialisation,
        "; focus ",
        mark(focus_star),
        " (share rank ",
        _texts(at(share_rank).astype(float), ".0f"),
        " of ",
        _texts(at(share_n).astype(float), ".0f"),
        ")",
    )
    out["stars_reason"] = _placed(texts, shown, len(out), "0 stars: no employment in the cluster", out.index)
    return out
