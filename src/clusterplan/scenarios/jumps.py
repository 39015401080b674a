r"""One-off jumps in BRES series: single-year steps that account for most of a cluster's change.

BRES is a survey of businesses; when a large employer is reclassified, or
reports its staff at a different site, a cluster's employment can step up or
down in one year. Such a step is not growth a region could plan to repeat:
Cheshire's professional and financial services gained 20,270 jobs in 2016 (SIC
69202, bookkeeping, 7,000 to 17,000), then grew 1.9% a year.

A step of a series :math:`x_t` in year :math:`t` is :math:`s_t = x_t -
x_{t-1}`; over a window from :math:`t_0` to :math:`t_1` its net change is
:math:`n = x_{t_1} - x_{t_0}`. :func:`detect_jumps` flags

**cluster steps**
    :math:`|s_t| \ge a \, x_{t_0}` (large against the start level, default
    :math:`a = 0.2`) and :math:`|s_t| \ge b \, |n|` (most of the net change,
    :math:`b = 0.5`); a steady grower spreads its change over the years and is
    not flagged.
**industry steps** inside a cluster
    a code's step :math:`|s^i_t| \ge c \, x^i_{t-1}` (the code at least
    doubles or vanishes by default, :math:`c = 1`), :math:`|s^i_t| \ge b\,
    |n^i|` (most of the code's own change), material for the cluster
    (:math:`|s^i_t| \ge m \, x_{t_0}`, :math:`m = 0.1`) and passed through to
    it (the cluster moves the same way by at least half the code's step, so a
    reclassification between two codes of the same cluster is not a jump).
    Derbyshire and Nottinghamshire's aerospace: SIC 33160 from 350 to 2,500
    jobs in 2018.

References
----------
Office for National Statistics (2023). *Business Register and Employment
Survey (BRES) QMI*: changes in the survey's register and respondents' reporting
units cause discontinuities in detailed industry series.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from .._exceptions import ParameterError

__all__ = ["JUMP_COLUMNS", "JumpRule", "detect_jumps", "jump_mask", "jump_table"]

#: Columns of :func:`detect_jumps`.
JUMP_COLUMNS = [
    "area_code",
    "unit_code",
    "year",
    "level",
    "industry_code",
    "before",
    "after",
    "step",
    "cluster_start",
    "share_of_start",
    "share_of_net_change",
    "reason",
]


@dataclass(frozen=True)
class JumpRule:
    """Thresholds of :func:`detect_jumps` (see the module notes for *a*, *b*, *c*, *m*).

    Attributes
    ----------
    level_share
        *a*: a cluster step at least this share of the start level.
    change_share
        *b*: a step at least this share of the net change over the window.
    code_level_share
        *c*: an industry step at least this share of the code's previous level.
    code_cluster_share
        *m*: an industry step at least this share of the cluster's start level.
    """

    level_share: float = 0.2
    change_share: float = 0.5
    code_level_share: float = 1.0
    code_cluster_share: float = 0.1

    def __post_init__(self) -> None:
        for name in ("level_share", "change_share", "code_level_share", "code_cluster_share"):
            if not getattr(self, name) > 0:
                raise ParameterError(f"jump rule {name} must be positive, not {getattr(self, name)}")


def jump_mask(
    values: np.ndarray,
    codes: np.ndarray | None = None,
    pairs: tuple[np.ndarray, np.ndarray] | None = None,
    rule: JumpRule = JumpRule(),
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The flags of :func:`detect_jumps` as arrays (the fast path used by the backtest).

    Parameters
    ----------
    values
        Cluster series ``[area, unit, year]`` over the window (first and last
        year are the window's ends).
    codes
        Industry series ``[area, code, year]`` over the same years, or None.
    pairs
        ``(code index, unit index)`` of every code in every unit.
    rule
        Thresholds.

    Returns
    -------
    (flagged, cluster_steps, code_steps)
        *flagged* ``[area, unit]``: any jump; *cluster_steps* ``[area, unit,
        step]`` and *code_steps* ``[area, pair, step]`` the flagged steps
        (step ``k`` is from year ``k`` to ``k + 1``).
    """
    x = np.nan_to_num(np.asarray(values, dtype=float))
    steps = np.diff(x, axis=2)
    start = x[:, :, :1]
    net = x[:, :, -1:] - x[:, :, :1]
    big = np.abs(steps) >= rule.level_share * np.abs(start)
    most = np.abs(steps) >= rule.change_share * np.abs(net)
    cluster_steps = big & most & (np.abs(steps) > 0)
    flagged = cluster_steps.any(axis=2)
    if codes is None or pairs is None or len(pairs[0]) == 0:
        return flagged, cluster_steps, np.zeros((x.shape[0], 0, steps.shape[2]), dtype=bool)
    code_index, unit_index = pairs
    c = np.nan_to_num(np.asarray(codes, dtype=float))[:, code_index, :]
    c_steps = np.diff(c, axis=2)
    c_net = c[:, :, -1:] - c[:, :, :1]
    previous = c[:, :, :-1]
    unit_steps = steps[:, unit_index, :]
    unit_start = start[:, unit_index, :]
    code_steps = (
        (np.abs(c_steps) >= rule.code_level_share * previous)
        & (np.abs(c_steps) >= rule.change_share * np.abs(c_net))
        & (np.abs(c_steps) >= rule.code_cluster_share * np.abs(unit_start))
        & (np.abs(c_steps) > 0)
        & (np.sign(unit_steps) == np.sign(c_steps))
        & (np.abs(unit_steps) >= 0.5 * np.abs(c_steps))
    )
    by_unit = np.zeros_like(flagged)
    hit_area, hit_pair = np.nonzero(code_steps.any(axis=2))
    by_unit[hit_area, unit_index[hit_pair]] = True
    return flagged | by_unit, cluster_steps, code_steps


def detect_jumps(
    panel: pd.DataFrame,
    *,
    window: tuple[int, int],
    codes: pd.DataFrame | None = None,
    mapping: pd.DataFrame | None = None,
    rule: JumpRule = JumpRule(),
) -> pd.DataFrame:
    """Every one-off jump in every area's cluster series over *window*, with the reason.

    Parameters
    ----------
    panel
        ``area_code, unit_code, year, value`` (cluster employment).
    window
        ``(start, end)``: the years whose steps are examined.
    codes
        ``area_code, industry_code, year, value`` (employment by industry
        code) to look for industry steps; None for cluster steps only.
    mapping
        ``unit_code, industry_code``: the codes of each cluster (with *codes*).
    rule
        Thresholds (:class:`JumpRule`).

    Returns
    -------
    pandas.DataFrame
        :data:`JUMP_COLUMNS`: one row per flagged step; ``level`` is
        ``cluster`` or ``industry`` (then ``industry_code``, ``before`` and
        ``after`` are the code's).

    Examples
    --------
    Cheshire's professional and financial services, 2015-2019, which gained 20,270 jobs in 2016:

    >>> import pandas as pd
    >>> panel = pd.DataFrame({"area_code": "A", "unit_code": "u", "year": range(2015, 2020),
    ...                       "value": [57075.0, 77345.0, 76845.0, 77735.0, 81950.0]})
    >>> found = detect_jumps(panel, window=(2015, 2019))
    >>> row = found.iloc[0]
    >>> int(row["year"]), float(row["step"]), round(float(row["share_of_net_change"]), 2)
    (2016, 20270.0, 0.81)
    """
    start, end = int(window[0]), int(window[1])
    years = list(range(start, end + 1))
    frame = panel[pd.to_numeric(panel["year"]).between(start, end)]
    cube = frame.pivot_table(index=["area_code", "unit_code"], columns="year", values="value", aggfunc="sum")
    cube = cube.reindex(columns=years)
    if cube.empty:
        return pd.DataFrame(columns=JUMP_COLUMNS)
    areas = sorted(cube.index.get_level_values(0).unique())
    units = list(dict.fromkeys(cube.index.get_level_values(1)))
    full = cube.reindex(pd.MultiIndex.from_product([areas, units]))
    values = full.to_numpy(dtype=float).reshape(len(areas), len(units), len(years))
    code_values = None
    pairs = None
    code_list: list[str] = []
    if codes is not None and mapping is not None:
        c = codes[pd.to_numeric(codes["year"]).between(start, end)]
        code_list = sorted(set(mapping["industry_code"].astype(str)))
        wide = c.pivot_table(index=["area_code", "industry_code"], columns="year", values="value", aggfunc="sum")
        wide = wide.reindex(pd.MultiIndex.from_product([areas, code_list])).reindex(columns=years)
        code_values = wide.to_numpy(dtype=float).reshape(len(areas), len(code_list), len(years))
        unit_pos = {u: i for i, u in enumerate(units)}
        code_pos = {k: i for i, k in enumerate(code_list)}
        known = mapping[mapping["unit_code"].astype(str).isin(unit_pos)]
        pairs = (
            known["industry_code"].astype(str).map(code_pos).to_numpy(dtype=int),
            known["unit_code"].astype(str).map(unit_pos).to_numpy(dtype=int),
        )
    return jump_table(values, code_values, pairs, areas=areas, units=units, codes=code_list, years=years, rule=rule)


def jump_table(
    values: np.ndarray,
    code_values: np.ndarray | None,
    pairs: tuple[np.ndarray, np.ndarray] | None,
    *,
    areas: list[str] | tuple[str, ...],
    units: list[str] | tuple[str, ...],
    codes: list[str] | tuple[str, ...],
    years: list[int],
    rule: JumpRule = JumpRule(),
) -> pd.DataFrame:
    """:func:`detect_jumps` on arrays (as :func:`jump_mask`) with their labels."""
    start, end = years[0], years[-1]
    code_list = list(codes)
    _, cluster_steps, code_steps = jump_mask(values, code_values, pairs, rule)
    x = np.nan_to_num(values)
    rows = []
    for a, u, k in zip(*np.nonzero(cluster_steps), strict=True):
        before, after = x[a, u, k], x[a, u, k + 1]
        first, net = x[a, u, 0], x[a, u, -1] - x[a, u, 0]
        rows.append(_row(areas[a], units[u], years[k + 1], "cluster", "", before, after, first, net, start, end))
    if pairs is not None and code_values is not None:
        cv = np.nan_to_num(code_values)
        for a, p, k in zip(*np.nonzero(code_steps), strict=True):
            i, u = pairs[0][p], pairs[1][p]
            before, after = cv[a, i, k], cv[a, i, k + 1]
            first, net = x[a, u, 0], x[a, u, -1] - x[a, u, 0]
            rows.append(
                _row(areas[a], units[u], years[k + 1], "industry", code_list[i], before, after, first, net, start, end)
            )
    out = pd.DataFrame(rows, columns=JUMP_COLUMNS).astype({"year": int})
    if out.empty:
        return out
    return out.sort_values(["unit_code", "area_code", "year", "level"]).reset_index(drop=True)


def _row(
    area: str,
    unit: str,
    year: int,
    level: str,
    code: str,
    before: float,
    after: float,
    first: float,
    net: float,
    start: int,
    end: int,
) -> dict[str, object]:
    step = after - before
    of_start = step / first if first else np.nan
    of_net = step / net if net else np.nan
    where = f"SIC {code} " if code else "the cluster "
    reason = (
        f"one-off jump: {where}{before:,.0f} -> {after:,.0f} jobs in {year} ({step:+,.0f}, "
        f"{of_start:+.0%} of the cluster's {start} level"
        + (f", {of_net:.0%} of its {start}-{end} change)" if np.isfinite(of_net) else ")")
    )
    return {
        "area_code": area,
        "unit_code": unit,
        "year": year,
        "level": level,
        "industry_code": code,
        "before": before,
        "after": after,
        "step": step,
        "cluster_start": first,
        "share_of_start": of_start,
        "share_of_net_change": of_net,
        "reason": reason,
    }
