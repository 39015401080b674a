r"""Which percentiles of similar comparators the scenarios follow, chosen by rolling-origin backtests.

For every GB ITL2 region and every unit — the taxonomy's clusters and the SIC
2007 divisions — a *fold* takes the comparators of the region's unit on a fit
window (similar size, LQ of at least 1, no one-off jump:
:mod:`~clusterplan.scenarios.similar`), the percentiles of their differential
growth (capped as in the scenario), and asks whether the region's own
differential growth over the following years reached each percentile. The
folds roll the origin forward: fit 2015-2017, test 2017-2019; fit 2016-2018,
test 2018-2019 (BRES, pre-Covid years only; ``fit_years`` and
``min_test_years`` set them). The *hit rate* of a percentile is the share of
region-units that reached it.

The scenarios take the percentiles whose pooled hit rate (clusters and
divisions, all folds) is closest to the target: about 2 in 5 for the low
case, 1 in 3 for the central case and 1 in 4 for the high case. The single
fastest comparator (``leader``, the 100th percentile) is in the table for
comparison. A second table tests the same folds to 2021 (through Covid), for
information only.

The result depends only on the data and the settings, and is cached under a
key made of the dataset's sha256, the taxonomy's definitions and the settings
(:func:`clusterplan.pipeline._similar_run.scenario_calibration`, which reads
the series from the warehouse): a run or a web request reuses it.

References
----------
Tashman, L. J. (2000). Out-of-sample tests of forecasting accuracy: an analysis
and review. *International Journal of Forecasting* 16(4), 437-450.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from .._exceptions import ParameterError
from .jumps import JumpRule, jump_mask
from .similar import (
    SeriesCube,
    band_of,
    caps_for,
    comparator_masks,
    masked_percentiles,
    share_trends,
    size_band_caps,
    window_trends,
)

if TYPE_CHECKING:  # pragma: no cover - annotations only
    from ..taxonomy import Taxonomy

__all__ = [
    "HIT_RATE_COLUMNS",
    "CalibrationSettings",
    "ScenarioCalibration",
    "calibrate",
    "division_mapping",
    "folds_of",
    "format_calibration",
    "taxonomy_digest",
]

#: Columns of :attr:`ScenarioCalibration.hit_rates`.
HIT_RATE_COLUMNS = ["universe", "test", "fold", "percentile", "region_units", "hits", "hit_rate"]
#: Percentiles tested (100 = the single fastest comparator, the previous method's high case).
GRID = (*range(5, 100, 5), 100)


@dataclass(frozen=True)
class CalibrationSettings:
    """Everything the comparators, caps and the backtest depend on (part of the cache key)."""

    window: tuple[int, int] = (2015, 2019)
    covid_years: tuple[int, ...] = (2020, 2021)
    lq_threshold: float = 1.0
    min_employment: float = 1000.0
    band_steps: tuple[float, ...] = (3.0, 5.0, 10.0, 0.0)
    min_comparators: int = 5
    cap_percentile: float = 90.0
    cap_band_edges: tuple[float, ...] = (2500.0, 10000.0, 50000.0)
    fit_years: int = 3
    min_test_years: int = 1
    targets: tuple[tuple[str, float], ...] = (("low", 0.40), ("central", 0.33), ("high", 0.25))
    jumps: JumpRule = field(default_factory=JumpRule)
    exclude_areas: tuple[str, ...] = ()

    def pre_covid_years(self, years: Sequence[int]) -> list[int]:
        """Years of the data before the first Covid year."""
        first = min(self.covid_years) if self.covid_years else 10**6
        return [int(y) for y in years if int(y) < first]


def folds_of(years: Sequence[int], fit_years: int, min_test_years: int, last: int) -> list[tuple[int, int, int]]:
    """Rolling-origin folds ``(fit_start, origin, test_end)``: fit windows of *fit_years* years, tested to *last*.

    Examples
    --------
    >>> folds_of(range(2015, 2020), 3, 1, 2019)
    [(2015, 2017, 2019), (2016, 2018, 2019)]
    """
    ys = sorted(int(y) for y in years if int(y) <= last)
    out = []
    for i in range(len(ys) - fit_years + 1):
        start, origin = ys[i], ys[i + fit_years - 1]
        if last - origin >= min_test_years:
            out.append((start, origin, last))
    return out


def division_mapping(codes: Sequence[str]) -> pd.DataFrame:
    """SIC 2007 divisions (the first two digits) of 5-digit codes, as a unit mapping.

    Examples
    --------
    >>> division_mapping(["29100", "29320", "30300"]).values.tolist()
    [['29', '29100'], ['29', '29320'], ['30', '30300']]
    """
    return pd.DataFrame({"unit_code": [str(c)[:2] for c in codes], "industry_code": [str(c) for c in codes]})


def _eligible(
    trends: dict[str, np.ndarray], jumped: np.ndarray, settings: CalibrationSettings, areas: Sequence[str]
) -> np.ndarray:
    ok = (
        (trends["lq"] >= settings.lq_threshold)
        & (trends["start"] >= settings.min_employment)
        & ~jumped
        & np.isfinite(trends["d"])
    )
    if settings.exclude_areas:
        ok &= ~np.isin(np.asarray(areas), list(settings.exclude_areas))[:, None]
    return ok


def _window_trends(
    cube: SeriesCube, start: int, end: int, settings: CalibrationSettings
) -> tuple[dict[str, np.ndarray], np.ndarray]:
    """Trends and jump flags of every series of *cube* over ``start..end``, memoised on the cube."""
    return window_trends(cube, start, end, settings.jumps)


def _fold_predictions(
    cube: SeriesCube, fit: tuple[int, int], settings: CalibrationSettings, caps: pd.DataFrame
) -> tuple[np.ndarray, np.ndarray, dict[str, np.ndarray], np.ndarray]:
    trends, jumped = _window_trends(cube, fit[0], fit[1], settings)
    eligible = _eligible(trends, jumped, settings, cube.areas)
    focus = np.arange(len(cube.areas))
    mask, _ = comparator_masks(trends["start"], eligible, focus, band_of(settings.band_steps), settings.min_comparators)
    predicted = masked_percentiles(trends["d"], mask, GRID)  # [q, area, unit]
    predicted = np.minimum(predicted, caps_for(trends["start"], caps)[None])
    return predicted, mask.sum(axis=1), trends, jumped


def _caps(cubes: Sequence[SeriesCube], start: int, end: int, settings: CalibrationSettings) -> pd.DataFrame:
    starts, ds = [], []
    for cube in cubes:
        trends, _ = _window_trends(cube, start, end, settings)
        keep = trends["start"] >= settings.min_employment
        starts.append(trends["start"][keep])
        ds.append(trends["d"][keep])
    return size_band_caps(np.concatenate(starts), np.concatenate(ds), settings.cap_band_edges, settings.cap_percentile)


@dataclass
class ScenarioCalibration:
    """What :func:`calibrate` found.

    Attributes
    ----------
    hit_rates
        :data:`HIT_RATE_COLUMNS`: per universe (``clusters``, ``sic2``,
        ``pooled``), test (``pre_covid``, ``to_2021``), fold (or ``all``) and
        percentile, how many region-units were tested and the share that
        reached the percentile.
    chosen
        Scenario (``low``, ``central``, ``high``) -> percentile.
    chosen_hit_rates
        Scenario -> universe -> pooled pre-Covid hit rate of the chosen percentile.
    caps
        :func:`~clusterplan.scenarios.similar.size_band_caps` over the
        scenario's window, clusters and divisions pooled.
    parameters
        Settings, folds and the cache key, for ``run.json``.
    """

    hit_rates: pd.DataFrame
    chosen: dict[str, float]
    chosen_hit_rates: dict[str, dict[str, float]]
    caps: pd.DataFrame
    parameters: dict[str, Any] = field(default_factory=dict)

    def table(self, test: str = "pre_covid") -> pd.DataFrame:
        """Hit rates of every percentile (rows) by universe (columns), all folds pooled."""
        rows = self.hit_rates[(self.hit_rates["test"] == test) & (self.hit_rates["fold"] == "all")]
        wide = rows.pivot_table(index="percentile", columns="universe", values="hit_rate")
        counts = rows.groupby("universe")["region_units"].max()
        wide.attrs["region_units"] = {str(k): int(v) for k, v in counts.items()}
        return wide

    @cached_property
    def _hit_rate_table(self) -> dict[str, dict[str, float]]:
        """:meth:`table` as plain data, made once: every scenario request of a taxonomy shares the calibration."""
        return {str(p): {str(k): float(v) for k, v in row.items()} for p, row in self.table().iterrows()}

    def provenance(self) -> dict[str, Any]:
        """The chosen percentiles, their hit rates, the caps and the settings, as plain data."""
        return {
            "chosen_percentiles": dict(self.chosen),
            "hit_rates_of_chosen": self.chosen_hit_rates,
            "hit_rate_table": {p: dict(row) for p, row in self._hit_rate_table.items()},
            "caps": self.caps.to_dict(orient="records"),
            **self.parameters,
        }


def calibrate(
    cubes: dict[str, SeriesCube], settings: CalibrationSettings = CalibrationSettings()
) -> ScenarioCalibration:
    """Backtest every percentile over every region and unit of *cubes*; choose the scenarios' percentiles.

    Parameters
    ----------
    cubes
        Universe name (``clusters``, ``sic2``) -> :class:`~clusterplan.scenarios.similar.SeriesCube`.
    settings
        Comparator, cap and fold settings.

    Returns
    -------
    ScenarioCalibration
    """
    if not cubes:
        raise ParameterError("calibrate needs at least one universe of series")
    years = next(iter(cubes.values())).years
    pre = settings.pre_covid_years(years)
    if len(pre) < settings.fit_years + settings.min_test_years:
        raise ParameterError(
            f"the backtest needs at least {settings.fit_years + settings.min_test_years} pre-Covid years; "
            f"the data have {pre}"
        )
    folds = folds_of(pre, settings.fit_years, settings.min_test_years, pre[-1])
    after = [y for y in years if y > pre[-1]]
    covid_folds = [(a, o, after[-1]) for a, o, _ in folds[:1]] if after else []
    w0, w1 = settings.window
    caps = _caps(list(cubes.values()), w0, w1, settings)
    records = []
    fold_caps_memo: dict[tuple[int, int], pd.DataFrame] = {}
    for universe, cube in cubes.items():
        for test, chosen_folds in (("pre_covid", folds), ("to_2021", covid_folds)):
            for fit_start, origin, end in chosen_folds:
                if (fit_start, origin) not in fold_caps_memo:
                    fold_caps_memo[fit_start, origin] = _caps(list(cubes.values()), fit_start, origin, settings)
                fold_caps = fold_caps_memo[fit_start, origin]
                predicted, counts, trends, fit_jump = _fold_predictions(cube, (fit_start, origin), settings, fold_caps)
                test_years = [y for y in range(origin, end + 1) if test != "pre_covid" or y in pre]
                test_years = [origin, end] if test == "to_2021" else test_years
                idx = [cube.years.index(y) for y in test_years]
                actual = share_trends(cube.values[:, :, idx], cube.totals[:, idx], test_years)["d"]
                # A BRES step in the region's own series is neither a forecast's fault nor growth to plan on.
                test_jump, _, _ = jump_mask(cube.values[:, :, idx], cube.codes[:, :, idx], cube.pairs, settings.jumps)
                scored = (trends["start"] >= settings.min_employment) & (counts >= settings.min_comparators)
                scored &= np.isfinite(actual) & np.isfinite(predicted[0]) & ~fit_jump & ~test_jump
                for k, p in enumerate(GRID):
                    hits = (actual >= predicted[k]) & scored
                    records.append(
                        (universe, test, f"{fit_start}-{origin}/{end}", p, int(scored.sum()), int(hits.sum()))
                    )
    frame = pd.DataFrame(records, columns=["universe", "test", "fold", "percentile", "region_units", "hits"])
    pooled_folds = frame.groupby(["universe", "test", "percentile"], as_index=False)[["region_units", "hits"]].sum()
    pooled_folds["fold"] = "all"
    frame = pd.concat([frame, pooled_folds], ignore_index=True)
    everything = frame.groupby(["test", "fold", "percentile"], as_index=False)[["region_units", "hits"]].sum()
    everything["universe"] = "pooled"
    frame = pd.concat([frame, everything], ignore_index=True)
    frame["hit_rate"] = frame["hits"] / frame["region_units"].where(frame["region_units"] > 0)
    frame = frame[HIT_RATE_COLUMNS]
    pooled = frame[(frame["universe"] == "pooled") & (frame["test"] == "pre_covid") & (frame["fold"] == "all")]
    pooled = pooled[pooled["percentile"] < 100]
    grid = pooled["percentile"].to_numpy(dtype=float)
    hit = pooled["hit_rate"].to_numpy(dtype=float)
    chosen = {name: float(grid[int(np.nanargmin(np.abs(hit - target)))]) for name, target in settings.targets}
    rates: dict[str, dict[str, float]] = {}
    pre_all = frame[(frame["test"] == "pre_covid") & (frame["fold"] == "all")]
    for name, p in chosen.items():
        at = pre_all[pre_all["percentile"] == p]
        rates[name] = {str(u): float(r) for u, r in zip(at["universe"], at["hit_rate"], strict=True)}
    parameters = {
        "method": "rolling-origin backtest over every GB area and unit (taxonomy clusters and SIC 2007 divisions): "
        "comparators and the percentiles of their differential growth on the fit window, capped; a hit when the "
        "area's own differential growth over the test years reached the percentile",
        "folds": [f"fit {a}-{o}, test {o}-{e}" for a, o, e in folds],
        "covid_check_folds": [
            f"fit {a}-{o}, test {o}-{e} (through Covid; information only)" for a, o, e in covid_folds
        ],
        "targets": dict(settings.targets),
        "selection": "the percentile (5-95) whose pooled pre-Covid hit rate is closest to each target",
        "universes": {u: len(c.units) for u, c in cubes.items()},
        "areas": len(next(iter(cubes.values())).areas),
    }
    return ScenarioCalibration(hit_rates=frame, chosen=chosen, chosen_hit_rates=rates, caps=caps, parameters=parameters)


def format_calibration(result: ScenarioCalibration) -> str:
    """The hit-rate table as text: one line per percentile, hit rate by universe, the chosen ones marked."""
    lines = []
    marks = {p: name for name, p in result.chosen.items()}
    for test, label in (("pre_covid", "pre-Covid test years"), ("to_2021", "tested to 2021 (through Covid)")):
        table = result.table(test)
        if table.empty:
            continue
        counts = table.attrs.get("region_units", {})
        universes = [u for u in ("clusters", "sic2", "pooled") if u in table.columns]
        header = "percentile  " + "  ".join(f"{u} (n={counts.get(u, 0):,})".rjust(18) for u in universes)
        lines.append(f"Share of region-units reaching each percentile of similar comparators, {label}:")
        lines.append(header)
        for p, values in zip(table.index.astype(float), table.to_dict(orient="records"), strict=True):
            name = "leader" if p == 100 else f"p{p:g}"
            mark = f"  <- {marks[p]}" if p in marks and test == "pre_covid" else ""
            cells = "  ".join(f"{values[u]:18.1%}" for u in universes)
            lines.append(f"{name:>10}  {cells}{mark}")
        lines.append("")
    folds = "; ".join(result.parameters.get("folds", []))
    lines.append(f"folds: {folds}")
    chosen = ", ".join(
        f"{name} p{int(p)} (hit rate {result.chosen_hit_rates[name].get('pooled', float('nan')):.0%})"
        for name, p in result.chosen.items()
    )
    lines.append(f"chosen: {chosen}")
    caps = "; ".join(f"{r.band}: {r.cap:+.2%}/yr (n={r.series})" for r in result.caps.itertuples())
    lines.append(f"caps (p{result.parameters.get('cap_percentile', '')} of observed differential growth): {caps}")
    return "\n".join(lines)


#: Calibrations computed in this process, newest last (a handful: one per dataset, taxonomy and settings).
def taxonomy_digest(taxonomy: Taxonomy) -> str:
    """A short hash of the taxonomy's name and cluster definitions (part of cache keys)."""
    parts = [[c.id, list(c.codes)] for c in taxonomy.clusters]
    return hashlib.sha256(json.dumps([taxonomy.name, parts]).encode()).hexdigest()[:16]
