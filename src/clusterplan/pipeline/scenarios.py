"""Growth scenarios of the warehouse's regions, their settings and backtests, for runs, the CLI and the web app.

:func:`scenario_outputs` runs :mod:`clusterplan.scenarios` for one region's
:class:`~clusterplan.pipeline.profile.ClusterProfile` and returns the tables
``clusterplan run`` writes (``scenarios.csv``, ``priorities.csv``) with the
provenance of every number; :func:`region_scenario_table` does it for every
region at once; :func:`run_backtest` backtests the baseline methods on the
warehouse's panels.
"""

from __future__ import annotations

import dataclasses
from collections import namedtuple
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from importlib.resources import files
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from .._cache import memoised
from .._exceptions import DataValidationError, ParameterError, UnknownCodeError
from .._frames import with_columns
from .._json import plain
from ..datasets import BRES_SUBCLASS
from ..inputoutput.clusters import ClusterIndustryShares, taxonomy_national_shares, taxonomy_weights
from ..inputoutput.impact import EFFECTS, direct_change, impact_effects, leontief_system, output_effects
from ..inputoutput.regional import DEFAULT_YEAR as IO_YEAR
from ..inputoutput.regional import RegionalModel, regional_model, sic_employment_table
from ..scenarios.backtest import BacktestResult, backtest_panels, format_backtest
from ..scenarios.baseline import (
    METHODS,
    NAIVE_METHODS,
    ForecastMethod,
    project,
)
from ..scenarios.calibration import ScenarioCalibration, format_calibration
from ..scenarios.config import ScenarioConfig, parse_scenario, parse_weights, scenario_config, unread_settings
from ..scenarios.differential import (
    comparator_growth,
    differential_growth,
    region_growth_comparison,
    scenario_growth_rates,
)
from ..scenarios.priorities import (
    CRITERIA,
    CRITERION_DESCRIPTIONS,
    cluster_pay,
    pay_per_job_rates,
    priced_codes,
    priority_scores,
    weight_sensitivity,
)
from ..scenarios.uncertainty import joint_draws, resample_scenarios, summarise_draws
from ..sources.baseline import parse_baseline_csv
from ..taxonomy import Taxonomy, load_taxonomy
from ._similar_run import (
    VARIANTS,
    SimilarResult,
    calibration_settings,
    jump_rule,
    pre_covid_windows,
    scenario_calibration,
    scenario_warnings,
    similar_scenarios,
)
from .opportunities import region_cluster_density
from .panels import cluster_employment_panel, cluster_gva_panel
from .profile import AnyWarehouse, ClusterProfile, dataset_for_region, resolve_single_region
from .tables import reference_tables

__all__ = [
    "DEFAULT_CONFIG_PATH",
    "SCENARIO_COLUMNS",
    "SCENARIO_RULES",
    "SCENARIO_STATISTICS",
    "SIMILAR_SCENARIO_COLUMNS",
    "ScenarioOutputs",
    "baseline_backtest",
    "describe_backtest",
    "describe_scenario_backtest",
    "load_scenario_config",
    "read_baseline_csv",
    "region_scenario_table",
    "region_scenarios",
    "run_backtest",
    "scenario_backtest",
    "scenario_choices",
    "scenario_outputs",
    "scenario_settings",
    "scenario_weights",
    "unread_scenario_keys",
    "unread_scenario_settings",
]

#: The columns every scenarios.csv starts with: the cluster, the region, the baseline and the comparators.
_LEADING_SCENARIO_COLUMNS = [
    "cluster_id",
    "cluster",
    "region",
    "jump_off_year",
    "target_year",
    "jump_off_jobs",
    "baseline_method",
    "baseline_jobs",
    "baseline_growth_cagr",
    "baseline_gva_gbp_m",
    "comparator_rule",
    "reference_window",
    "comparators",
]

#: Columns of :attr:`ScenarioOutputs.scenarios` (induced columns only when induced effects are enabled).
SCENARIO_COLUMNS = [
    *_LEADING_SCENARIO_COLUMNS,
    "leading_region",
    "leading_region_name",
    "leader_growth_cagr",
    "high_statistic",
    "growth_high",
    "low_statistic",
    "growth_low",
    "scenario_jobs_low",
    "scenario_jobs_high",
    "additional_jobs_low",
    "additional_jobs_high",
    "floored_low",
    "floored_high",
    "gva_per_job_gbp",
    "additional_gva_low_gbp_m",
    "additional_gva_high_gbp_m",
    "indirect_jobs_low",
    "indirect_jobs_high",
    "indirect_gva_low_gbp_m",
    "indirect_gva_high_gbp_m",
    "induced_jobs_low",
    "induced_jobs_high",
    "induced_gva_low_gbp_m",
    "induced_gva_high_gbp_m",
    "additional_jobs_p5",
    "additional_jobs_p50",
    "additional_jobs_p95",
]

#: Columns of :attr:`ScenarioOutputs.scenarios` with the ``similar`` method (the default): the columns every
#: scenarios.csv has, then the similar comparators, the backtested percentiles of their differential growth, the
#: caps, the central case, the leader as a sensitivity, the price basis and the share counted in region totals.
SIMILAR_SCENARIO_COLUMNS = [
    *_LEADING_SCENARIO_COLUMNS,
    "size_band",
    "leading_region",
    "leading_region_name",
    "leader_differential_growth",
    "own_differential_growth",
    "own_jump",
    "percentile_low",
    "percentile_central",
    "percentile_high",
    "differential_growth_low",
    "differential_growth_central",
    "differential_growth_high",
    "differential_growth_high_uncapped",
    "cap",
    "capped",
    "high_statistic",
    "growth_high",
    "low_statistic",
    "growth_low",
    "scenario_jobs_low",
    "scenario_jobs_central",
    "scenario_jobs_high",
    "additional_jobs_low",
    "additional_jobs_central",
    "additional_jobs_high",
    "floored_low",
    "floored_central",
    "floored_high",
    "additional_jobs_leader_sensitivity",
    "gva_per_job_gbp",
    "price_basis",
    "additional_gva_low_gbp_m",
    "additional_gva_central_gbp_m",
    "additional_gva_high_gbp_m",
    "indirect_jobs_low",
    "indirect_jobs_central",
    "indirect_jobs_high",
    "indirect_gva_low_gbp_m",
    "indirect_gva_central_gbp_m",
    "indirect_gva_high_gbp_m",
    "induced_jobs_low",
    "induced_jobs_central",
    "induced_jobs_high",
    "induced_gva_low_gbp_m",
    "induced_gva_central_gbp_m",
    "induced_gva_high_gbp_m",
    "count_once_factor",
    "additional_jobs_p5",
    "additional_jobs_p50",
    "additional_jobs_p95",
]


@dataclass
class ScenarioOutputs:
    """Everything :func:`scenario_outputs` computes for one region.

    Attributes
    ----------
    scenarios
        One row per cluster (:data:`SCENARIO_COLUMNS`): baseline, comparators
        and leader, high and low scenario, additional jobs and GVA (direct),
        indirect (and induced) effects, and the median and 5-95% range of the
        resampled additional jobs (pooled over low and high).
    priorities
        One row per cluster, best first: each criterion's raw value and
        rescaled value, ``score``, ``rank`` and the rank stability under
        perturbed weights.
    region_summary
        One row per variant (``baseline``, ``scenario_low``, ``scenario_high``):
        the region's growth, its rank among all regions, the national average,
        the fastest region outside London and what it would take to match it.
    uncertainty
        Percentiles of additional jobs, GVA and growth over the resampling
        draws, per cluster and scenario.
    provenance
        Method, comparators, parameters and inputs behind each number, for
        ``run.json``.
    region_growth
        Every region's baseline growth and rank under each variant.
    comparators
        Every region's cluster in the reference window, with why it is or is
        not a comparator.
    sensitivity
        Rank stability of each cluster under Dirichlet-perturbed weights.
    backtest
        The backtest that chose the baseline method (None if a method was set), without its scored forecasts
        (:func:`run_backtest` has them).
    draws
        Every resampling draw.
    warnings
        Why the scenario needs a second look (``similar`` method): a high
        total above 5% of the region's jobs or GVA, one cluster over half of
        it, a cluster with fewer than 5 comparators.
    region_range
        Percentiles of the region's totals (direct, indirect, GVA) over the
        joint draws, per scenario (``similar`` method).
    calibration
        The backtest that chose the percentiles (``similar`` method).
    """

    scenarios: pd.DataFrame
    priorities: pd.DataFrame
    region_summary: pd.DataFrame
    uncertainty: pd.DataFrame
    provenance: dict[str, Any]
    region_growth: pd.DataFrame = field(default_factory=pd.DataFrame)
    comparators: pd.DataFrame = field(default_factory=pd.DataFrame)
    sensitivity: pd.DataFrame = field(default_factory=pd.DataFrame)
    backtest: BacktestResult | None = None
    draws: pd.DataFrame = field(default_factory=pd.DataFrame)
    warnings: list[dict[str, Any]] = field(default_factory=list)
    region_range: pd.DataFrame = field(default_factory=pd.DataFrame)
    calibration: ScenarioCalibration | None = None


def _method(config: ScenarioConfig, name: str) -> ForecastMethod:
    b = config.baseline
    return ForecastMethod(
        name,
        shift_share_damping=b.shift_share_damping,
        trend_smoothing=b.trend_smoothing,
        trend_damping=b.trend_damping,
    )


def _io_employment(warehouse: AnyWarehouse) -> pd.DataFrame:
    """Employment of the GB areas by 5-digit SIC code in the IO year, read through the warehouse (so the
    regional input-output model sees imported data and either engine)."""
    return memoised(
        warehouse,
        ("io_employment", BRES_SUBCLASS, IO_YEAR),
        lambda: sic_employment_table(warehouse.employment_by_area_and_code(BRES_SUBCLASS, IO_YEAR)),
        persist=True,
    )


def _region_supply_chain_effects(
    warehouse: AnyWarehouse, region: str, taxonomy: Taxonomy, cluster_ids: list[str], induced: bool
) -> tuple[pd.DataFrame | None, dict[str, Any]]:
    """:func:`_supply_chain_effects` with the warehouse's IO employment, once per region, taxonomy and data
    version (every scenario choice of a region shares them)."""
    return memoised(
        warehouse,
        ("supply_chain_effects", region, taxonomy, tuple(cluster_ids), induced),
        lambda: _supply_chain_effects(
            region,
            taxonomy,
            cluster_ids,
            induced,
            _io_employment(warehouse),
            _io_national_shares(warehouse, taxonomy),
            model_of=lambda: _io_regional_model(warehouse, region),
        ),
        persist=True,
    )


def _io_regional_model(warehouse: AnyWarehouse, region: str) -> RegionalModel:
    """The region's input-output model (:func:`~clusterplan.inputoutput.regional.regional_model` of the warehouse's
    IO employment), once per region and data version: every taxonomy's supply-chain effects of a region use the
    same model (about a fifth of their time). Errors are not kept: each caller gets its own."""
    return memoised(
        warehouse,
        ("io_regional_model", region, IO_YEAR),
        lambda: regional_model(reference_tables(), region, year=IO_YEAR, sic_employment=_io_employment(warehouse)),
    )


def _io_national_shares(warehouse: AnyWarehouse, taxonomy: Taxonomy) -> ClusterIndustryShares | None:
    """Great Britain's IO employment by industry and cluster of *taxonomy* (the fallback of every region's
    industry weights, :func:`~clusterplan.inputoutput.clusters.taxonomy_national_shares`), once per taxonomy and
    data version rather than once per region; None when it cannot be made (each region then says why)."""

    def compute() -> ClusterIndustryShares | None:
        employment = _io_employment(warehouse)
        if employment.empty:
            return None
        try:
            return taxonomy_national_shares(reference_tables(), taxonomy, year=IO_YEAR, sic_employment=employment)
        except (ParameterError, DataValidationError, KeyError, ValueError):
            return None

    # Nobody changes the shares (the weights are new frames made from them): handed out as kept.
    return memoised(warehouse, ("io_national_shares", taxonomy, IO_YEAR), compute, copy=False)


class _ImpactTotals:
    """The jobs and GVA totals of :func:`~clusterplan.inputoutput.impact.impact_effects` for many changes in final
    demand of one model, without its by-industry table: the same solves of the same matrices (made once), and
    each total summed over the industries in the order of that table (largest total output first), so every
    number is the one the table gives, to the last bit."""

    def __init__(
        self,
        A: pd.DataFrame,  # noqa: N803 - matrices are named as in the literature
        gva_coefficients: pd.Series | None,
        employment_coefficients: pd.Series | None,
        closed: pd.DataFrame | None,
    ) -> None:
        self.system = leontief_system(A, closed)
        self.industries = self.system[0]
        n = len(self.industries)

        def coefficient(series: pd.Series | None) -> np.ndarray:
            if series is None:
                return np.zeros(n)
            return series.reindex(self.industries).fillna(0.0).to_numpy(dtype=float)

        self.factors = {"gva": coefficient(gva_coefficients), "jobs": coefficient(employment_coefficients)}

    def of(self, final_demand_change: pd.Series) -> tuple[dict[str, float], dict[str, float]] | None:
        """``(jobs, gva)`` totals by effect (direct, indirect, induced, total), as ``impact_effects`` gives them;
        None when an effect is not finite (then pandas' sums skip values, which these do not)."""
        n = len(self.industries)
        output = output_effects(self.system, final_demand_change)
        if not all(np.isfinite(values).all() for values in output.values()):
            return None
        # impact_effects sorts its table by total output (largest first, ties in industry order) and sums there.
        order = pd.Series(output["total"] * np.ones(n)).sort_values(ascending=False, kind="stable").index.to_numpy()
        found = []
        for prefix in ("jobs", "gva"):
            factor = self.factors[prefix]
            columns = {effect: (output[effect] * factor)[order] for effect in EFFECTS}
            if not all(np.isfinite(values).all() for values in columns.values()):
                return None
            found.append({effect: float(values.sum(dtype=np.float64)) for effect, values in columns.items()})
        return found[0], found[1]


def _jobs_change(shares: pd.Series, size: float, jobs_per_output: np.ndarray | None) -> pd.Series | None:
    """:func:`~clusterplan.inputoutput.impact.direct_change` of *size* jobs spread by *shares*, with the
    employment coefficients already on the shares' industries (*jobs_per_output*): the same operations on arrays
    rather than Series, so the same numbers to the bit; None where direct_change raises (negative shares, none
    at all, jobs in an industry without employment), for the caller to get its error from it."""
    if jobs_per_output is None:
        return None
    values = shares.to_numpy(dtype=float)
    weights = np.where(np.isnan(values), 0.0, values)
    if (weights < 0).any():
        return None
    total = float(weights.sum())
    if total <= 0:
        return None
    spread = weights / total * float(size)
    placed = spread != 0
    if (placed & ~(jobs_per_output > 0)).any():
        return None
    with np.errstate(divide="ignore", invalid="ignore"):
        output = np.where(placed, spread / np.where(jobs_per_output > 0, jobs_per_output, 1.0), 0.0)
    return pd.Series(output, index=shares.index, name="final_demand_change")


def _supply_chain_effects(
    region: str,
    taxonomy: Taxonomy,
    cluster_ids: list[str],
    induced: bool,
    sic_employment: pd.DataFrame,
    national_shares: ClusterIndustryShares | None = None,
    model_of: Callable[[], RegionalModel] | None = None,
) -> tuple[pd.DataFrame | None, dict[str, Any]]:
    """Indirect (and induced) jobs and GVA per additional direct job of each cluster, from the regional IO model
    with *sic_employment* (areas x 5-digit SIC codes, :func:`_io_employment`); *national_shares*, when given,
    are :func:`_io_national_shares` of the same employment and taxonomy, and *model_of* gives the region's model
    of that employment (:func:`_io_regional_model`), else it is built here."""
    if sic_employment.empty:
        return None, {"status": f"not available: the warehouse holds no {BRES_SUBCLASS} employment in {IO_YEAR}"}
    try:
        model = (
            model_of()
            if model_of is not None
            else regional_model(reference_tables(), region, year=IO_YEAR, sic_employment=sic_employment)
        )
        weights = taxonomy_weights(
            reference_tables(),
            taxonomy,
            model.region_code,
            year=model.year,
            sic_employment=sic_employment,
            national_shares=national_shares if model.year == IO_YEAR else None,
        )
    except (ParameterError, DataValidationError, KeyError, ValueError) as exc:
        return None, {"status": f"not available: the regional input-output model could not be built ({exc})"}
    closed = model.closed() if induced else None
    employment = model.employment.reindex(model.industries).fillna(0.0)
    rows = []
    problems = {}
    size = 1000.0  # effects are linear in the change; computed for 1,000 jobs and scaled per job
    # The model's coefficients, read once for every cluster (each read builds a new Series).
    gva_coefficients = model.gva_coefficients
    try:
        employment_coefficients: pd.Series | None = model.employment_coefficients
        totals = _ImpactTotals(model.A, gva_coefficients, employment_coefficients, closed)
    except ParameterError as exc:
        employment_coefficients, totals, no_model = None, None, str(exc)
    # Every cluster's weights on the model's industries at once (each column as reindexing it alone gives).
    aligned = weights.reindex(model.industries).fillna(0.0)
    jobs_per_output = (
        employment_coefficients.reindex(model.industries).astype(float).to_numpy()
        if employment_coefficients is not None
        else None
    )
    # Each cluster's shares as the product of two Series on the same industries gives them (no alignment to do),
    # on arrays: one Series per cluster, not three.
    weight_values = aligned.to_numpy(dtype=float)
    column_of = {c: i for i, c in enumerate(aligned.columns)}
    employed = employment.to_numpy(dtype=float)
    for cluster_id in cluster_ids:
        if cluster_id not in weights.columns:
            problems[cluster_id] = "no IO industry weights"
            continue
        shares = pd.Series(weight_values[:, column_of[cluster_id]] * employed, index=aligned.index)
        try:
            if totals is None:
                raise ParameterError(no_model)
            change = _jobs_change(shares, size, jobs_per_output)
            if change is None:  # a change direct_change refuses: its error, in its words
                change = direct_change(shares, size, "jobs", employment_coefficients)
            found = totals.of(change)
            if found is None:  # not finite somewhere: the full computation, which skips missing values as pandas does
                result = impact_effects(
                    model.A,
                    change,
                    gva_coefficients=gva_coefficients,
                    employment_coefficients=employment_coefficients,
                    closed=closed,
                )
                found = (
                    {str(k): float(v) for k, v in result.totals["jobs"].items()},
                    {str(k): float(v) for k, v in result.totals["gva_gbp_m"].items()},
                )
        except ParameterError as exc:
            problems[cluster_id] = str(exc)
            continue
        jobs, gva = found
        direct = jobs["direct"]
        rows.append(
            {
                "cluster_id": cluster_id,
                "indirect_jobs_per_job": jobs["indirect"] / direct,
                "induced_jobs_per_job": jobs["induced"] / direct if induced else np.nan,
                "indirect_gva_gbp_m_per_job": gva["indirect"] / direct,
                "induced_gva_gbp_m_per_job": gva["induced"] / direct if induced else np.nan,
                "type_i_employment_multiplier": (direct + jobs["indirect"]) / direct,
            }
        )
    frame = pd.DataFrame(rows) if rows else None
    provenance = {
        "status": "available",
        "model": model.parameters(),
        "method": "each cluster's additional direct jobs spread over its IOAT industries in proportion to the "
        "region's employment in them (clusters.taxonomy_weights), converted to output with jobs per £1m, and "
        "run through the regional Leontief inverse (impact.impact_effects): indirect = Type I minus direct"
        + ("; induced = Type II (households closed) minus Type I" if induced else "; induced effects not enabled"),
        "per_job_effects": frame.set_index("cluster_id").to_dict(orient="index") if frame is not None else {},
        "clusters_without_effects": problems,
    }
    return frame, provenance


def _feasibility(warehouse: AnyWarehouse, region: str, taxonomy: Taxonomy, year: int) -> tuple[pd.Series | None, str]:
    """Relatedness density of the region to each cluster (clusterplan.relatedness.opportunities)."""
    try:
        density = region_cluster_density(warehouse, region, taxonomy=taxonomy, year=year)
    except (ParameterError, DataValidationError) as exc:
        return None, f"not available: {exc}"
    if density is None:
        return None, "not available: the relatedness analysis returned no clusters for this taxonomy"
    return density, (
        f"relatedness density of the region to the cluster in {year} (share of related industries present, RCA >= 1, "
        "weighted by national employment; clusterplan.pipeline.opportunities.region_opportunities)"
    )


def _region_jobs_by_code(warehouse: AnyWarehouse, dataset: str, region: str, year: int) -> pd.Series:
    """The region's employment facts of *year* by industry code (as the warehouse gives them), taken from
    :func:`_every_area_jobs_by_code`; a region that is not one of its areas reads its own."""
    frame, positions = _every_area_jobs_by_code(warehouse, dataset, year)
    if region in positions:
        rows = frame.iloc[positions[region]][["industry_code", "value"]]
    else:
        rows = warehouse.facts_frame(dataset, ("industry_code", "value"), measure="employment", area=region, year=year)
    return rows.set_index("industry_code")["value"].astype(float)


def _every_area_jobs_by_code(
    warehouse: AnyWarehouse, dataset: str, year: int
) -> tuple[pd.DataFrame, dict[str, np.ndarray]]:
    """Every area's employment facts of *year* (``area_code, industry_code, value``, in the warehouse's order)
    and the positions of each area's rows, in that order: read once per dataset, year and data version rather
    than with a query per region and taxonomy (about half of a region's pay). Handed out as kept: callers take
    rows (copies) from it."""

    def compute() -> tuple[pd.DataFrame, dict[str, np.ndarray]]:
        frame = warehouse.facts_frame(
            dataset, ("area_code", "industry_code", "value"), measure="employment", year=year
        ).reset_index(drop=True)
        codes, areas = pd.factorize(frame["area_code"].to_numpy(dtype=object))
        order = np.argsort(codes, kind="stable")  # each area's rows, in the order they came
        bounds = np.searchsorted(codes[order], np.arange(len(areas) + 1))
        return frame, {str(area): order[bounds[i] : bounds[i + 1]] for i, area in enumerate(areas)}

    return memoised(warehouse, ("scenario_jobs_by_code", dataset, year), compute, copy=False)


def _cluster_pay(warehouse: AnyWarehouse, mapping: pd.DataFrame, jobs: pd.Series, year: int = IO_YEAR) -> pd.DataFrame:
    """:func:`~clusterplan.scenarios.priorities.cluster_pay` with GB jobs (BRES) and compensation (IOAT) read from
    the warehouse."""
    _, _, lookup = _national_pay_inputs(warehouse, year)
    return cluster_pay(mapping, jobs, lookup=lookup, rates=_pay_rates(warehouse, year))


def _pay_rates(warehouse: AnyWarehouse, year: int) -> pd.Series:
    """Pay per job of each IOAT industry (:func:`~clusterplan.scenarios.priorities.pay_per_job_rates` of
    :func:`_national_pay_inputs`), once per year and data version rather than once per region and taxonomy."""

    def compute() -> pd.Series:
        national_jobs, compensation, lookup = _national_pay_inputs(warehouse, year)
        return pay_per_job_rates(national_jobs, compensation, lookup)

    return memoised(warehouse, ("scenario_pay_rates", BRES_SUBCLASS, year), compute)


def _national_pay_inputs(warehouse: AnyWarehouse, year: int) -> tuple[pd.Series, pd.Series, pd.DataFrame]:
    """Great Britain's jobs by 5-digit SIC code in *year* (BRES), compensation of employees by IOAT industry and
    the BRES-IOAT lookup that :func:`_cluster_pay` turns into pay per job: the same for every region and taxonomy,
    so read once per year and data version (reading them took about half of each region's pay)."""

    def read() -> tuple[pd.Series, pd.Series, pd.DataFrame]:
        facts = warehouse.facts_frame(
            BRES_SUBCLASS, ("industry_code", "value"), measure="employment", year=year, code_length=5
        )
        if facts.empty:
            raise ParameterError(f"no BRES employment in {year} to turn compensation into pay per job")
        compensation = warehouse.ioat_primary_input("D1").set_index("ioat_code")["value"]
        return facts.groupby("industry_code")["value"].sum(), compensation, warehouse.bres_ioat_lookup()

    return memoised(warehouse, ("scenario_pay_inputs", BRES_SUBCLASS, year), read)


#: The package's default scenario parameters.
DEFAULT_CONFIG_PATH = Path(str(files("clusterplan") / "data" / "scenario_defaults.toml"))


def _config_text(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise DataValidationError("config file not found", file=str(path)) from None


def load_scenario_config(
    path: str | Path | None = None, *, overrides: Mapping[str, Any] | None = None
) -> ScenarioConfig:
    """The scenario parameters: package defaults, then a user TOML file, then dotted *overrides*.

    Reads the files and hands their text to :func:`clusterplan.scenarios.config.scenario_config`.

    Parameters
    ----------
    path
        A TOML file with any of the keys of ``scenario_defaults.toml``
        (:data:`DEFAULT_CONFIG_PATH`); None for the defaults alone.
    overrides
        ``{"dotted.key": value}`` applied last, e.g. ``{"target_year": 2035}``
        or ``{"priorities.weights": parse_weights("pay=0.2")}``.

    Raises
    ------
    DataValidationError
        The file is missing or not valid TOML.
    UnknownCodeError
        An unknown key (the message lists the valid ones).
    ParameterError
        A value of the wrong type or out of range (the message names the key).

    Examples
    --------
    >>> config = load_scenario_config(overrides={"target_year": 2035, "scenario.low": "median"})
    >>> config.target_year, config.scenario.low, config.source
    (2035, 'median', "overrides target_year=2035, scenario.low='median'")
    """
    return scenario_config(
        _config_text(DEFAULT_CONFIG_PATH),
        None if path is None else _config_text(Path(path)),
        defaults_file=str(DEFAULT_CONFIG_PATH),
        user_file=str(path),
        overrides=overrides,
    )


def read_baseline_csv(path: str | Path, clusters: Sequence[tuple[str, str]] | None = None) -> pd.DataFrame:
    """Read a user-supplied baseline forecast (e.g. a commercial forecast) and check it
    (:func:`clusterplan.sources.baseline.parse_baseline_csv` on the file's text).

    Parameters
    ----------
    path
        CSV with columns ``cluster, year, jobs`` and optionally ``gva_gbp_m``; one row per cluster and year.
    clusters
        ``(cluster_id, cluster_name)`` pairs of the taxonomy; a ``cluster`` cell may be either. None skips the check.

    Returns
    -------
    pandas.DataFrame
        ``cluster_id, year, jobs`` and ``gva_gbp_m`` (NaN when not given).

    Raises
    ------
    DataValidationError
        The file is missing or unreadable, or a check of
        :func:`~clusterplan.sources.baseline.parse_baseline_csv` fails; the message names the file.
    """
    label = str(path)
    try:
        text = Path(path).read_bytes().decode("utf-8")  # newlines as in the file, as pandas reads them
    except FileNotFoundError:
        raise DataValidationError("baseline file not found", file=label) from None
    except UnicodeDecodeError as exc:
        raise DataValidationError(f"not a readable CSV: {exc}", file=label) from None
    return parse_baseline_csv(text, clusters, file=label)


def _baseline_from_file(config: ScenarioConfig, taxonomy: Taxonomy, target_year: int) -> pd.DataFrame:
    frame = read_baseline_csv(config.baseline.file, [(c.id, c.name) for c in taxonomy.clusters])
    at_target = frame[frame["year"] == target_year].set_index("cluster_id")
    missing = [c.id for c in taxonomy.clusters if c.id not in at_target.index]
    if missing:
        raise DataValidationError(
            f"no baseline for the target year {target_year} for cluster(s) {', '.join(missing)}",
            file=config.baseline.file,
            column="year",
            hint="give one row per cluster for the target year, or change target_year",
        )
    return at_target


def scenario_outputs(
    warehouse: AnyWarehouse,
    profile: ClusterProfile,
    config: ScenarioConfig | None = None,
    *,
    progress: Callable[[str], None] | None = None,
) -> ScenarioOutputs:
    """Baseline, above-forecast scenarios, supply-chain effects, region rank, uncertainty and priorities.

    Parameters
    ----------
    warehouse
        The warehouse the profile was computed from.
    profile
        :func:`clusterplan.pipeline.profile.profile_region` of the region (its
        taxonomy, benchmark, dataset and year are used; its year is the
        jump-off year).
    config
        Parameters (default :func:`load_scenario_config`).
    progress
        Called with one-line progress messages.

    Returns
    -------
    ScenarioOutputs

    Raises
    ------
    ParameterError
        The profile's employment data have a single year (US CBP 2019): there
        is no time series to forecast from; a target year not after the
        jump-off year; a reference window outside the data.
    DataValidationError
        A user baseline file that fails validation.
    """
    config = config or load_scenario_config()
    say = progress or (lambda _m: None)
    dataset = str(profile.parameters["dataset"])
    taxonomy = profile.taxonomy
    region = profile.region_code
    benchmark_areas = profile.parameters.get("benchmark_areas")
    say("reading the employment series of every region")
    panel = cluster_employment_panel(warehouse, taxonomy, dataset=dataset)
    jump_off = int(profile.parameters["year"])
    target = int(config.target_year)
    horizon = target - jump_off
    if horizon < 1:
        raise ParameterError(f"target year {target} must be after the jump-off year {jump_off} (the profile year)")
    years = sorted(panel["year"].unique().tolist())
    window = config.scenario.reference_window
    if window[0] not in years or window[1] not in years:
        raise ParameterError(
            f"reference window {window[0]}-{window[1]} is outside the employment data ({years[0]}-{years[-1]})",
            hint="set scenario.reference_window in the config",
        )
    cluster_ids = [c.id for c in taxonomy.clusters]
    names = dict(zip(profile.clusters["cluster_id"], profile.clusters["cluster"], strict=True))
    covid = config.baseline.covid_years

    backtest: BacktestResult | None = None
    if config.baseline.method in ("auto", "file"):
        say("backtesting the baseline methods")
        backtest = _backtest_choice(warehouse, taxonomy, config=config, dataset=dataset, progress=say)
        method = backtest.default_method
    else:
        method = _method(config, config.baseline.method)
    say(f"projecting the baseline ({method.label}) to {target}")
    every_area = _every_area_projection(
        warehouse,
        taxonomy,
        dataset,
        panel,
        method,
        jump_off=jump_off,
        target=target,
        covid=covid,
        benchmark_areas=benchmark_areas,
    )
    # The region's rows, as project(..., areas=[region]) keeps them.
    projected = every_area[every_area["area_code"].isin([region])].reset_index(drop=True).set_index("unit_code")
    frame = pd.DataFrame({"cluster_id": cluster_ids})
    ids = frame["cluster_id"]
    # The columns in the order they were once set one by one, added at once (with_columns).
    leading: dict[str, Any] = {
        "cluster": ids.map(names),
        "region": region,
        "jump_off_year": jump_off,
        "target_year": target,
        "jump_off_jobs": ids.map(projected["jump_off"]).astype(float),
    }
    baseline_file = None
    if config.baseline.method == "file":
        baseline_file = _baseline_from_file(config, taxonomy, target)
        leading["baseline_method"] = f"file: {config.baseline.file}"
        leading["baseline_jobs"] = ids.map(baseline_file["jobs"]).astype(float)
    else:
        leading["baseline_method"] = method.label
        leading["baseline_jobs"] = ids.map(projected["forecast"]).astype(float)
    leading["baseline_growth_cagr"] = (leading["baseline_jobs"] / leading["jump_off_jobs"]) ** (1.0 / horizon) - 1.0
    frame = with_columns(frame, leading)

    s = config.scenario
    area_names = _area_names(warehouse)
    productivity = profile.clusters.set_index("cluster_id")
    fallback_gva = productivity["gva_per_job_gbp"].astype(float) if "gva_per_job_gbp" in productivity else None
    similar = None
    comparators: pd.DataFrame
    rule_arguments: dict[str, Any] = {}
    if s.method == "similar":
        say("finding similar comparator regions, one-off jumps and the backtested percentiles")
        similar = similar_scenarios(
            warehouse,
            taxonomy,
            dataset=dataset,
            region=region,
            config=config,
            frame=frame,
            horizon=horizon,
            jump_off=jump_off,
            fallback_gva_per_job=fallback_gva,
        )
        frame = similar.frame
        frame["leading_region_name"] = frame["leading_region"].map(area_names)
        comparators = similar.comparators
        variants: tuple[str, ...] = VARIANTS
    else:
        say("finding comparator regions and their growth")
        rule_arguments = {
            "rule": s.comparator_rule,
            "lq_threshold": s.lq_threshold,
            "min_stars": s.min_stars,
            "min_employment": s.min_employment,
            "exclude_areas": s.exclude_areas,
            "benchmark_areas": benchmark_areas,
        }
        comparators = comparator_growth(panel, focus_region=region, window=window, **rule_arguments)
        rates = scenario_growth_rates(comparators, high=s.high, low=s.low, units=cluster_ids).set_index("unit_code")
        frame["comparator_rule"] = s.comparator_rule
        frame["reference_window"] = f"{window[0]}-{window[1]}"
        frame["comparators"] = frame["cluster_id"].map(rates["comparators"]).astype(int)
        frame["leading_region"] = frame["cluster_id"].map(rates["leading_region"])
        frame["leading_region_name"] = frame["leading_region"].map(area_names)
        frame["leader_growth_cagr"] = frame["cluster_id"].map(rates["leader_growth_cagr"])
        frame["high_statistic"] = s.high
        frame["growth_high"] = frame["cluster_id"].map(rates["growth_high"])
        frame["low_statistic"] = s.low
        frame["growth_low"] = frame["cluster_id"].map(rates["growth_low"])
        frame["gva_per_job_gbp"] = (
            frame["cluster_id"].map(fallback_gva).astype(float) if fallback_gva is not None else np.nan
        )
        frame = differential_growth(frame, horizon=horizon, floor_at_baseline=s.floor_at_baseline)
        variants = ("low", "high")
    if baseline_file is not None and baseline_file["gva_gbp_m"].notna().any():
        frame["baseline_gva_gbp_m"] = frame["cluster_id"].map(baseline_file["gva_gbp_m"]).astype(float)

    say("adding supply-chain effects from the regional input-output model")
    effects, effects_provenance = (None, {"status": "not requested (effects.indirect = false)"})
    if config.effects.indirect or config.effects.induced:
        effects, effects_provenance = _region_supply_chain_effects(
            warehouse, region, taxonomy, cluster_ids, config.effects.induced
        )
    per_job = effects.set_index("cluster_id") if effects is not None else pd.DataFrame()
    effect_columns: dict[str, Any] = {}
    for kind in ("indirect", "induced"):
        wanted = config.effects.indirect if kind == "indirect" else config.effects.induced
        if wanted and effects is not None:
            # Each cluster's effects per job, looked up once for every variant.
            jobs_per_job = frame["cluster_id"].map(per_job[f"{kind}_jobs_per_job"])
            gva_per_job = frame["cluster_id"].map(per_job[f"{kind}_gva_gbp_m_per_job"])
        for variant in variants:
            jobs = frame[f"additional_jobs_{variant}"]
            if wanted and effects is not None:
                effect_columns[f"{kind}_jobs_{variant}"] = jobs * jobs_per_job
                effect_columns[f"{kind}_gva_{variant}_gbp_m"] = jobs * gva_per_job
            else:
                effect_columns[f"{kind}_jobs_{variant}"] = np.nan
                effect_columns[f"{kind}_gva_{variant}_gbp_m"] = np.nan
    frame = with_columns(frame, effect_columns)

    say("ranking the region's growth among all regions")
    totals_method, totals_reason = _region_totals_method(config, method, backtest)
    region_totals = _every_area_totals(
        warehouse, taxonomy, dataset, panel, totals_method, jump_off=jump_off, target=target, covid=covid
    )
    include_effects = config.region.include_indirect and effects is not None
    once = frame["count_once_factor"] if "count_once_factor" in frame else pd.Series(1.0, index=frame.index)

    def combined(variant: str) -> float:
        value = float((frame[f"additional_jobs_{variant}"] * once).sum(skipna=True))
        if include_effects:
            for kind in ("indirect", "induced"):
                value += float((frame[f"{kind}_jobs_{variant}"] * once).sum(skipna=True))
        return value

    region_summary, region_growth = region_growth_comparison(
        region_totals,
        focus_region=region,
        additional_jobs={f"scenario_{v}": combined(v) for v in variants},
        horizon=horizon,
        jump_off_year=jump_off,
        london_prefix=config.region.london_prefix,
    )
    region_summary.insert(2, "region_name", profile.region_name)
    region_summary["fastest_outside_london_name"] = region_summary["fastest_outside_london"].map(area_names)
    region_growth.insert(1, "area_name", region_growth["area_code"].map(area_names))

    u = config.uncertainty
    indexed = frame.set_index("cluster_id")
    region_draws = pd.DataFrame()
    if similar is not None:
        say(f"joint draws of every cluster's comparators and window ({u.draws} draws)")
        windows = pre_covid_windows(list(similar.cube.years), tuple(covid), u.min_window_years)
        m = s.similar
        draws, region_draws = joint_draws(
            similar.cube,
            region,
            windows=windows,
            percentiles=similar.percentiles,
            caps=similar.calibration.caps,
            baseline_jobs=indexed["baseline_jobs"],
            horizon=horizon,
            gva_per_job_gbp=indexed["gva_per_job_gbp"],
            indirect_per_job=per_job["indirect_jobs_per_job"] if include_effects else None,
            count_once=similar.count_once,
            draws=u.draws,
            seed=u.seed,
            lq_threshold=s.lq_threshold,
            min_employment=m.min_employment,
            band_steps=m.size_band_steps,
            min_comparators=m.min_comparators,
            exclude_areas=s.exclude_areas,
            jump_rule=jump_rule(config),
        )
        uncertainty = summarise_draws(draws, u.percentiles, rate="differential_growth")
        # Only the two columns the pooled percentiles read (the same rows, in the same order).
        central = draws.loc[
            (draws["scenario"] == "central") & draws["differential_growth"].notna(), ["unit_code", "additional_jobs"]
        ]
        pooled = central.groupby("unit_code")["additional_jobs"]
    else:
        say(f"resampling reference windows and comparator sets ({u.draws} draws)")
        draws = resample_scenarios(
            panel,
            focus_region=region,
            jump_off_jobs=indexed["jump_off_jobs"],
            baseline_jobs=indexed["baseline_jobs"],
            horizon=horizon,
            gva_per_job_gbp=indexed["gva_per_job_gbp"],
            draws=u.draws,
            seed=u.seed,
            high=s.high,
            low=s.low,
            floor_at_baseline=s.floor_at_baseline,
            min_window_years=u.min_window_years,
            exclude_window_endpoints=u.exclude_window_endpoints,
            **rule_arguments,
        )
        uncertainty = summarise_draws(draws, u.percentiles)
        pooled = draws[draws["growth_cagr"].notna()].groupby("unit_code")["additional_jobs"]
    uncertainty = uncertainty.rename(columns={"unit_code": "cluster_id"})
    uncertainty.insert(1, "cluster", uncertainty["cluster_id"].map(names))
    frame = with_columns(
        frame, {f"additional_jobs_p{q}": frame["cluster_id"].map(pooled.quantile(q / 100)) for q in (5, 50, 95)}
    )
    region_range = _region_range(region_draws, u.percentiles) if not region_draws.empty else pd.DataFrame()

    warnings: list[dict[str, Any]] = []
    if similar is not None:
        warnings = scenario_warnings(
            frame,
            region_jobs=similar.region_jobs,
            region_gva_gbp_m=similar.region_gva_gbp_m,
            config=config,
            include_indirect=include_effects,
        )
        for w in warnings:
            say(f"warning: {w['message']}")

    say("scoring cluster priorities")
    criteria, criteria_notes = _criteria(warehouse, profile, frame, per_job, dataset, jump_off)
    weights = config.priorities.weights
    if weights.get("feasibility", 0.0) > 0:
        feasibility, feasibility_note = memoised(
            warehouse,
            ("scenario_feasibility", region, taxonomy, jump_off),
            lambda: _feasibility(warehouse, region, taxonomy, jump_off),
            persist=True,
        )
        if feasibility is not None:
            criteria["feasibility"] = criteria["cluster_id"].map(feasibility)
        criteria_notes["feasibility"] = feasibility_note
    else:
        criteria_notes["feasibility"] = "not computed: its weight is 0"
    scored = priority_scores(criteria, weights)
    perturb = config.priorities.sensitivity
    sensitivity = weight_sensitivity(
        criteria,
        weights,
        draws=perturb.draws,
        concentration=perturb.concentration,
        seed=perturb.seed,
        top_n=perturb.top_n,
        scored=scored,
    )
    priorities = scored.merge(sensitivity.drop(columns="rank"), on="cluster_id", how="left")

    listed = SIMILAR_SCENARIO_COLUMNS if similar is not None else SCENARIO_COLUMNS
    kept_columns = [c for c in listed if (not c.startswith("induced") or config.effects.induced) and c in frame]
    scenarios = frame[kept_columns].copy()
    provenance = _provenance(
        config=config,
        profile=profile,
        method=method,
        backtest=backtest,
        frame=frame,
        comparators=comparators,
        effects=effects_provenance,
        totals_method=(totals_method, totals_reason),
        criteria_notes=criteria_notes,
        used_weights=scored.attrs["weights"],
        draws=draws,
        horizon=horizon,
        include_effects=include_effects,
        baseline_file=config.baseline.file if baseline_file is not None else None,
        similar=similar,
        warnings=warnings,
        region_range=region_range,
        calibration_notes=_kept_calibration_notes(warehouse, taxonomy, dataset, config, similar),
    )
    comparators = comparators.assign(area_name=comparators["area_code"].map(area_names))
    return ScenarioOutputs(
        scenarios=scenarios,
        priorities=priorities,
        region_summary=region_summary,
        uncertainty=uncertainty,
        provenance=provenance,
        region_growth=region_growth,
        comparators=comparators,
        sensitivity=sensitivity,
        backtest=backtest,
        draws=draws,
        warnings=warnings,
        region_range=region_range,
        calibration=similar.calibration if similar is not None else None,
    )


def _every_area_projection(
    warehouse: AnyWarehouse,
    taxonomy: Taxonomy,
    dataset: str,
    panel: pd.DataFrame,
    method: ForecastMethod,
    *,
    jump_off: int,
    target: int,
    covid: Sequence[int],
    benchmark_areas: Sequence[str] | None,
) -> pd.DataFrame:
    """The baseline projection of every area's clusters to *target* (*panel* is
    :func:`~clusterplan.pipeline.panels.cluster_employment_panel` of *taxonomy* and *dataset*): ``project`` works
    out every area's to give one region's, so it is kept once per taxonomy, method and years (every region and
    scenario choice with them shares it) and each scenario takes its region's rows."""
    areas = tuple(benchmark_areas) if benchmark_areas is not None else None
    key = ("scenario_projection", taxonomy, dataset, method, int(jump_off), int(target), tuple(covid), areas)
    return _kept_projection(
        warehouse, key, lambda: panel, method, jump_off=jump_off, target=target, covid=covid, benchmark_areas=areas
    )


def _every_area_totals(
    warehouse: AnyWarehouse,
    taxonomy: Taxonomy,
    dataset: str,
    panel: pd.DataFrame,
    method: ForecastMethod,
    *,
    jump_off: int,
    target: int,
    covid: Sequence[int],
) -> pd.DataFrame:
    """Every area's all-industry jobs at the jump-off year and projected to *target* with *method* (``area_code,
    jobs_jump_off, jobs_baseline``; *panel* as for :func:`_every_area_projection`): what a region's growth is
    ranked against, the same for every region, kept once per taxonomy, method and years."""

    def totals() -> pd.DataFrame:
        found = panel.groupby(["area_code", "year"])["area_total"].first().reset_index()
        return found.rename(columns={"area_total": "value"}).assign(unit_code="all_industries")

    key = ("scenario_region_totals", taxonomy, dataset, method, int(jump_off), int(target), tuple(covid))
    projected = _kept_projection(warehouse, key, totals, method, jump_off=jump_off, target=target, covid=covid)
    # One row per area (a few dozen): renamed on each call rather than kept twice.
    return pd.DataFrame(
        {
            "area_code": projected["area_code"],
            "jobs_jump_off": projected["jump_off"],
            "jobs_baseline": projected["forecast"],
        }
    )


def _kept_projection(
    warehouse: AnyWarehouse,
    key: tuple[Any, ...],
    rows: Callable[[], pd.DataFrame],
    method: ForecastMethod,
    *,
    jump_off: int,
    target: int,
    covid: Sequence[int],
    benchmark_areas: Sequence[str] | None = None,
) -> pd.DataFrame:
    """``project`` of *rows()* up to *jump_off* to *target*, every area's, kept under *key* (the rows are made
    only when it is not kept)."""

    def compute() -> pd.DataFrame:
        frame = rows()
        return project(
            frame[frame["year"] <= jump_off],
            method,
            target_years=[target],
            origin=jump_off,
            covid_years=covid,
            benchmark_areas=benchmark_areas,
        )

    return memoised(warehouse, key, compute)


def region_scenario_table(
    warehouse: AnyWarehouse,
    taxonomy: str | Taxonomy | None = None,
    config: ScenarioConfig | None = None,
    *,
    dataset: str = "bres_itl2_sic5",
    effects: bool = True,
    progress: Callable[[str], None] | None = None,
) -> pd.DataFrame:
    """The ``similar`` scenarios of every region at once: totals, shares, the largest cluster and the rank.

    Each region's clusters get the scenario of :func:`scenario_outputs` (its
    baseline method, similar comparators, backtested percentiles, caps,
    indirect effects from the region's input-output model, shared codes
    counted once); the region is then ranked by growth with its own high case
    against every other region on its baseline. For plausibility checks: what
    share of each region's jobs the scenarios add, and how many regions each
    would claim to lead.

    Returns
    -------
    pandas.DataFrame
        One row per region: ``area_code, region_jobs, region_gva_gbp_m``,
        ``direct_jobs_<v>``, ``indirect_jobs_<v>``, ``direct_gva_gbp_m_<v>``
        for low, central and high, ``high_share_of_jobs`` (direct and
        indirect), ``high_share_of_gva``, ``largest_cluster``,
        ``largest_cluster_share`` (of the high direct total),
        ``fewest_comparators``, ``capped_clusters``, ``warnings``,
        ``rank_high`` and ``rank_high_outside_london`` (the region on its high
        case, the others on their baselines) and ``rank_all_high`` (every
        region on its own high case).
    """
    config = config or load_scenario_config()
    say = progress or (lambda _m: None)
    tax = taxonomy if isinstance(taxonomy, Taxonomy) else load_taxonomy(taxonomy or "wmca_plan_for_growth")
    panel = cluster_employment_panel(warehouse, tax, dataset=dataset)
    years = sorted(int(y) for y in panel["year"].unique())
    jump_off = years[-1]
    horizon = int(config.target_year) - jump_off
    if config.baseline.method == "auto":
        say("backtesting the baseline methods")
        backtest: BacktestResult | None = _backtest_choice(warehouse, tax, config=config, dataset=dataset)
        assert backtest is not None
        method = backtest.default_method
    else:
        backtest = None
        method = _method(config, config.baseline.method if config.baseline.method != "file" else "no_change")
    projected = project(
        panel, method, target_years=[config.target_year], origin=jump_off, covid_years=config.baseline.covid_years
    )
    totals = panel.groupby(["area_code", "year"])["area_total"].first().reset_index()
    totals_panel = totals.rename(columns={"area_total": "value"}).assign(unit_code="all_industries")
    totals_method, _ = _region_totals_method(config, method, backtest)
    region_projection = project(
        totals_panel,
        totals_method,
        target_years=[config.target_year],
        origin=jump_off,
        covid_years=config.baseline.covid_years,
    )
    region_totals = pd.DataFrame(
        {
            "area_code": region_projection["area_code"],
            "jobs_jump_off": region_projection["jump_off"],
            "jobs_baseline": region_projection["forecast"],
        }
    )
    names = {c.id: c.name for c in tax.clusters}
    rows = []
    io_employment: pd.DataFrame | None = None  # read once, when the first region needs it
    for area in sorted(panel["area_code"].unique()):
        say(f"scenarios of {area}")
        own = projected[projected["area_code"] == area].set_index("unit_code")
        frame = pd.DataFrame({"cluster_id": [c.id for c in tax.clusters]})
        frame["cluster"] = frame["cluster_id"].map(names)
        frame["jump_off_jobs"] = frame["cluster_id"].map(own["jump_off"]).astype(float)
        frame["baseline_jobs"] = frame["cluster_id"].map(own["forecast"]).astype(float)
        result = similar_scenarios(
            warehouse,
            tax,
            dataset=dataset,
            region=area,
            config=config,
            frame=frame,
            horizon=horizon,
            jump_off=jump_off,
            fallback_gva_per_job=None,
        )
        out = result.frame
        per_job = pd.DataFrame()
        if effects:
            if io_employment is None:
                io_employment = _io_employment(warehouse)
            found, _ = _supply_chain_effects(area, tax, list(out["cluster_id"]), False, io_employment)
            if found is not None:
                per_job = found.set_index("cluster_id")
        for v in VARIANTS:
            ratio = out["cluster_id"].map(per_job["indirect_jobs_per_job"]) if not per_job.empty else np.nan
            gva_ratio = out["cluster_id"].map(per_job["indirect_gva_gbp_m_per_job"]) if not per_job.empty else np.nan
            out[f"indirect_jobs_{v}"] = out[f"additional_jobs_{v}"] * ratio
            out[f"indirect_gva_{v}_gbp_m"] = out[f"additional_jobs_{v}"] * gva_ratio
        once = out["count_once_factor"]
        row: dict[str, Any] = {
            "area_code": area,
            "region_jobs": result.region_jobs,
            "region_gva_gbp_m": result.region_gva_gbp_m,
        }
        for v in VARIANTS:
            row[f"direct_jobs_{v}"] = float((out[f"additional_jobs_{v}"] * once).sum())
            row[f"indirect_jobs_{v}"] = float((out[f"indirect_jobs_{v}"].fillna(0.0) * once).sum())
            row[f"direct_gva_gbp_m_{v}"] = float((out[f"additional_gva_{v}_gbp_m"].fillna(0.0) * once).sum())
        high_total = row["direct_jobs_high"] + row["indirect_jobs_high"]
        row["high_share_of_jobs"] = high_total / result.region_jobs
        gva_high = row["direct_gva_gbp_m_high"] + float((out["indirect_gva_high_gbp_m"].fillna(0.0) * once).sum())
        row["high_share_of_gva"] = gva_high / result.region_gva_gbp_m if result.region_gva_gbp_m else np.nan
        direct = out["additional_jobs_high"] * once
        top = int(np.argmax(direct.to_numpy())) if direct.sum() > 0 else 0
        row["largest_cluster"] = str(out["cluster"].iloc[top])
        row["largest_cluster_share"] = float(direct.iloc[top] / direct.sum()) if direct.sum() > 0 else np.nan
        row["fewest_comparators"] = int(out["comparators"].min())
        row["capped_clusters"] = int(out["capped"].sum())
        row["warnings"] = len(
            scenario_warnings(
                out,
                region_jobs=result.region_jobs,
                region_gva_gbp_m=result.region_gva_gbp_m,
                config=config,
                include_indirect=effects,
            )
        )
        summary, _ = region_growth_comparison(
            region_totals,
            focus_region=area,
            additional_jobs={"scenario_high": high_total},
            horizon=horizon,
            jump_off_year=jump_off,
            london_prefix=config.region.london_prefix,
        )
        high = summary.set_index("variant").loc["scenario_high"]
        row["rank_high"] = int(high.to_dict()["rank"])
        row["rank_high_outside_london"] = high["rank_outside_london"]
        rows.append(row)
    table = pd.DataFrame(rows)
    # Every region on its own high case at once: the rank a region keeps when the others get the same treatment.
    totals_by_area = region_totals.set_index("area_code").reindex(table["area_code"])
    extra = (table["direct_jobs_high"] + table["indirect_jobs_high"]).to_numpy(dtype=float)
    high_all = totals_by_area["jobs_baseline"].to_numpy(dtype=float) + extra
    growth = np.power(high_all / totals_by_area["jobs_jump_off"].to_numpy(dtype=float), 1.0 / horizon) - 1.0
    table["rank_all_high"] = pd.Series(growth).rank(ascending=False, method="min").astype(int).to_numpy()
    table.attrs.update(taxonomy=tax.name, baseline_method=method.label, target_year=int(config.target_year))
    return table


def _region_range(region_draws: pd.DataFrame, percentiles: tuple[float, ...]) -> pd.DataFrame:
    """Percentiles of the region's totals over the joint draws, per scenario."""
    # The scenarios in order of appearance with their rows in order, as groupby(sort=False) gives them, and each
    # measure's percentiles in one call (one partition; each the same number as on its own).
    codes, scenarios = pd.factorize(region_draws["scenario"], sort=False)
    measures = ("direct_jobs", "indirect_jobs", "total_jobs", "direct_gva_gbp_m")
    columns = {measure: region_draws[measure].to_numpy(dtype=float) for measure in measures}
    rows = []
    for g, scenario in enumerate(scenarios.tolist()):
        part = np.flatnonzero(codes == g)
        row: dict[str, Any] = {"scenario": scenario, "draws": len(part)}
        for measure in measures:
            found = np.percentile(columns[measure][part], list(percentiles)) if len(percentiles) else []
            for q, value in zip(percentiles, found, strict=True):
                row[f"{measure}_p{q:g}"] = float(value)
        rows.append(row)
    return pd.DataFrame(rows)


def _region_totals_method(
    config: ScenarioConfig, method: ForecastMethod, backtest: BacktestResult | None
) -> tuple[ForecastMethod, str]:
    """The method that projects every region's total: the baseline's, unless it is naive.

    The naive methods give every region the same growth (none, or the national
    rate), so no region could rank above another; the region comparison then
    uses the best-backtesting method that is not naive (shift-share without a backtest).
    """
    if method.name not in NAIVE_METHODS:
        return method, "the baseline method"
    if backtest is not None:
        for label in backtest.scores["method"]:
            candidate = next((m for m in _backtest_methods(config) if m.label == label), None)
            if candidate is not None and candidate.name not in NAIVE_METHODS:
                return candidate, (
                    f"the baseline method {method.label} is naive and gives every region the same growth, so region "
                    "totals use the best-backtesting method that is not naive"
                )
    return _method(config, "shift_share"), (
        f"the baseline method {method.label} is naive and gives every region the same growth, so region totals use "
        "shift_share"
    )


def _backtest_methods(config: ScenarioConfig) -> list[ForecastMethod]:
    return [_method(config, name) for name in config.backtest.methods]


def _area_names(warehouse: AnyWarehouse) -> pd.Series | dict[str, str]:
    """Each area's name as what ``Series.map`` turns a dict into (a Series indexed by area code), made once per
    data version rather than on each of a scenario's five look-ups (5,000 areas: 1.9 ms a look-up from the dict,
    0.2 ms from the Series); an empty dict stays a dict (map gives an empty one a type of its own)."""

    def compute() -> pd.Series | dict[str, str]:
        names = warehouse.area_names()
        if not names:
            return names
        # As pandas' map_array makes it of a dict.
        return pd.Series(names.values(), index=pd.Index(names.keys(), tupleize_cols=False))

    # Handed out as kept: only read (mapped through).
    return memoised(warehouse, ("scenario_area_names",), compute, copy=False)


def _criteria(
    warehouse: AnyWarehouse,
    profile: ClusterProfile,
    frame: pd.DataFrame,
    per_job: pd.DataFrame,
    dataset: str,
    year: int,
) -> tuple[pd.DataFrame, dict[str, str]]:
    """The raw value of every criterion per cluster, and how each was measured (or why it is missing)."""
    clusters = profile.clusters.set_index("cluster_id")
    out = pd.DataFrame({"cluster_id": frame["cluster_id"], "cluster": frame["cluster"]})
    ids = out["cluster_id"]
    values: dict[str, Any] = {}  # the criteria's columns, added at once (with_columns)
    values["employment"] = ids.map(clusters["employment"]).astype(float)
    values["comparative_advantage"] = ids.map(clusters["lq"]).astype(float)
    strong = ids.map(clusters["strong_cluster"]).fillna(False).astype(bool) if "strong_cluster" in clusters else None
    stars = ids.map(clusters["stars"]).fillna(0).astype(float) if "stars" in clusters else None
    notes = {c: "" for c in CRITERIA}
    if strong is not None and stars is not None:
        values["cluster_strength"] = strong.astype(float) + stars
        notes["cluster_strength"] = "strong cluster (US Cluster Mapping rule, 1) plus Cluster Observatory stars (0-3)"
    else:
        notes["cluster_strength"] = "not available: the profile has no strong-cluster or star verdicts"
    values["scale"] = ids.map(clusters["employment_share"]).astype(float) * 100
    if "additional_jobs_central" in frame:
        midpoint = frame["additional_jobs_central"]
        potential_note = "additional jobs of the central scenario as % of baseline jobs at the target year"
    else:
        midpoint = (frame["additional_jobs_low"] + frame["additional_jobs_high"]) / 2
        potential_note = "midpoint of additional jobs (low, high) as % of baseline jobs at the target year"
    values["growth_potential"] = (midpoint / frame["baseline_jobs"] * 100).to_numpy()
    values["productivity"] = (
        ids.map(clusters["gva_per_job_gbp"]).astype(float) if "gva_per_job_gbp" in clusters else np.nan
    )
    notes["comparative_advantage"] = f"location quotient of employment, {profile.parameters.get('benchmark_label')}"
    notes["scale"] = "cluster share of the region's employment, %"
    notes["growth_potential"] = potential_note
    notes["productivity"] = "GVA per job, ONS regional GVA apportioned by BRES employment (measures.productivity)"
    try:
        pay = _region_pay(warehouse, profile, dataset, year)
        values["pay"] = ids.map(pay["pay_gbp"]).astype(float)
        notes["pay"] = (
            "compensation of employees per job, IOAT 2019 over BRES 2019 GB jobs by IOAT industry, weighted by the "
            f"region's {year} jobs in the cluster's industries (national rates)"
        )
    except (ParameterError, DataValidationError, KeyError) as exc:
        notes["pay"] = f"not available: {exc}"
    if not per_job.empty and "type_i_employment_multiplier" in per_job.columns:
        values["supply_chain"] = ids.map(per_job["type_i_employment_multiplier"]).astype(float)
        notes["supply_chain"] = "Type I employment multiplier of the cluster's industry mix, regional IO model (FLQ)"
    else:
        notes["supply_chain"] = "not available: no regional input-output effects (see provenance.effects)"
    out = with_columns(out, values)
    return out, notes


def _region_pay(warehouse: AnyWarehouse, profile: ClusterProfile, dataset: str, year: int) -> pd.DataFrame:
    """Pay per job of each cluster of the region (:func:`_cluster_pay`), once per region, taxonomy, year and data
    version: every scenario choice of a region shares it."""

    def compute() -> pd.DataFrame:
        jobs = _region_jobs_by_code(warehouse, dataset, profile.region_code, year)
        codes = tuple(c for c in (str(c) for c in jobs.index) if len(c) == 5)
        priced = _priced_mapping(warehouse, profile.taxonomy, codes)
        return cluster_pay(priced, jobs, priced=priced).set_index("cluster_id")

    return memoised(warehouse, ("scenario_pay", dataset, profile.region_code, profile.taxonomy, year), compute)


def _priced_mapping(
    warehouse: AnyWarehouse, taxonomy: Taxonomy, codes: tuple[str, ...], year: int = IO_YEAR
) -> pd.DataFrame:
    """:func:`~clusterplan.scenarios.priorities.priced_codes` of the taxonomy's mapping onto *codes* (a region's
    5-digit codes: each code's cluster, IOAT industry and pay per job), once per taxonomy, code list, year and data
    version: every GB area lists the same codes, so regions share it (expanding the prefixes and finding each
    code's industry took over half of a region's pay). Handed out as kept: cluster_pay copies it."""

    def compute() -> pd.DataFrame:
        _, _, lookup = _national_pay_inputs(warehouse, year)
        return priced_codes(taxonomy.mapping(list(codes)), lookup, _pay_rates(warehouse, year))

    return memoised(warehouse, ("scenario_priced_mapping", taxonomy, codes, year), compute, copy=False)


#: The columns of a scenario frame the provenance of each cluster reads (``similar`` method, then ``leader``).
_SIMILAR_ROW = (
    "cluster_id",
    "jump_off_jobs",
    "baseline_method",
    "baseline_jobs",
    "baseline_growth_cagr",
    "size_band",
    "own_jump",
    "differential_growth_low",
    "differential_growth_central",
    "differential_growth_high",
    "differential_growth_high_uncapped",
    "cap",
    "capped",
    "leading_region",
    "leader_differential_growth",
    "additional_jobs_leader_sensitivity",
    *(f"additional_jobs_{v}" for v in VARIANTS),
    "gva_per_job_gbp",
    "count_once_factor",
)
_LEADER_ROW = (
    "cluster_id",
    "jump_off_jobs",
    "baseline_method",
    "baseline_jobs",
    "baseline_growth_cagr",
    "leading_region",
    "growth_high",
    "growth_low",
    "scenario_jobs_low",
    "scenario_jobs_high",
    "additional_jobs_low",
    "additional_jobs_high",
    "floored_low",
    "floored_high",
    "gva_per_job_gbp",
)
_SimilarRow = namedtuple("_SimilarRow", _SIMILAR_ROW)  # type: ignore[misc]
_LeaderRow = namedtuple("_LeaderRow", _LEADER_ROW)  # type: ignore[misc]


def _provenance(
    *,
    config: ScenarioConfig,
    profile: ClusterProfile,
    method: ForecastMethod,
    backtest: BacktestResult | None,
    frame: pd.DataFrame,
    comparators: pd.DataFrame,
    effects: dict[str, Any],
    totals_method: tuple[ForecastMethod, str],
    criteria_notes: dict[str, str],
    used_weights: dict[str, float],
    draws: pd.DataFrame,
    horizon: int,
    include_effects: bool,
    baseline_file: str | None,
    similar: SimilarResult | None = None,
    warnings: list[dict[str, Any]] | None = None,
    region_range: pd.DataFrame | None = None,
    calibration_notes: dict[str, Any] | None = None,
) -> dict[str, Any]:
    s = config.scenario
    per_cluster: dict[str, Any] = {}
    eligible = comparators[comparators["eligible"]] if similar is None else comparators.iloc[:0]
    # Each cluster's comparators and left-out specialised regions, selected and split once (not one scan of the
    # whole table per cluster).
    kept: dict[Any, pd.DataFrame] = {}
    excluded: dict[Any, pd.DataFrame] = {}
    if similar is not None:
        columns = ["cluster_id", "area_code", "lq_start", "start_employment", "differential_growth"]
        left_out = (comparators["role"] != "region") & ~comparators["kept"] & comparators["lq_start"].ge(1.0)
        kept_rows = comparators.loc[comparators["kept"], columns]
        excluded_rows = comparators.loc[left_out, ["cluster_id", "area_code", "reason"]]
        kept = dict(iter(kept_rows.groupby("cluster_id", sort=False)))
        excluded = dict(iter(excluded_rows.groupby("cluster_id", sort=False)))
        no_kept, none_excluded = kept_rows.iloc[:0], excluded_rows.iloc[:0]
    # Only the columns the provenance reads: each column iterated costs as much as its values, and the frame has
    # some 90 (text columns converted value by value).
    read, row_type = (_SIMILAR_ROW, _SimilarRow) if similar is not None else (_LEADER_ROW, _LeaderRow)
    # The values itertuples would give (each column iterated), without its selection of every column by position.
    cluster_rows: Iterable[Any] = map(row_type._make, zip(*(iter(frame[c]) for c in read), strict=True))
    for row in cluster_rows:
        if similar is not None:
            per_cluster[str(row.cluster_id)] = _similar_cluster_provenance(
                row,
                kept.get(row.cluster_id, no_kept),
                excluded.get(row.cluster_id, none_excluded),
            )
            continue
        rows = eligible[eligible["unit_code"] == row.cluster_id].sort_values("growth_cagr", ascending=False)
        per_cluster[str(row.cluster_id)] = {
            "jump_off_jobs": row.jump_off_jobs,
            "baseline": {
                "method": row.baseline_method,
                "jobs": row.baseline_jobs,
                "growth_cagr": row.baseline_growth_cagr,
            },
            "comparators": [
                {
                    "area_code": c.area_code,
                    "lq_start": c.lq_start,
                    "start_employment": c.start_employment,
                    "end_employment": c.end_employment,
                    "growth_cagr": c.growth_cagr,
                }
                for c in rows[
                    ["area_code", "lq_start", "start_employment", "end_employment", "growth_cagr"]
                ].itertuples()
            ],
            "leading_region": row.leading_region,
            "growth_high": row.growth_high,
            "growth_low": row.growth_low,
            "scenario_jobs": {"low": row.scenario_jobs_low, "high": row.scenario_jobs_high},
            "additional_jobs": {"low": row.additional_jobs_low, "high": row.additional_jobs_high},
            "floored": {"low": bool(row.floored_low), "high": bool(row.floored_high)},
            "gva_per_job_gbp": row.gva_per_job_gbp,
        }
    not_available = {k: v for k, v in criteria_notes.items() if v.startswith("not available")}
    if str(effects.get("status", "")).startswith("not available"):
        not_available["indirect_and_induced_effects"] = effects["status"]
    provenance: dict[str, Any] = {
        "jump_off_year": int(frame["jump_off_year"].iloc[0]),
        "target_year": int(frame["target_year"].iloc[0]),
        "horizon_years": horizon,
        "region": profile.region_code,
        "taxonomy": profile.taxonomy.name,
        "employment_dataset": profile.parameters.get("dataset"),
        "benchmark": profile.parameters.get("benchmark_label"),
        "baseline": {
            "method": f"user file {baseline_file}" if baseline_file else method.label,
            "parameters": method.parameters(),
            "chosen_by": "user file"
            if baseline_file
            else ("backtest (lowest error)" if config.baseline.method == "auto" else "config baseline.method"),
            "region_totals_method": totals_method[0].label,
            "region_totals_method_reason": totals_method[1],
            "covid_years": list(config.baseline.covid_years),
            "covid_handling": "Covid years left out of every growth-rate estimate; forecasts start from the "
            "jump-off year's observed value",
            "formula": "baseline_jobs = jump_off_jobs x growth factor of the method over the horizon",
        },
        "backtest": backtest.provenance() if backtest is not None else None,
        "scenario": {
            "comparator_rule": s.comparator_rule,
            "rule_detail": {
                "lq": f"LQ >= {s.lq_threshold:g} in {s.reference_window[0]}",
                "strong": f"US Cluster Mapping strong cluster in {s.reference_window[0]}",
                "stars": f">= {s.min_stars} Cluster Observatory star(s) in {s.reference_window[0]}",
            }[s.comparator_rule],
            "min_employment": s.min_employment,
            "reference_window": list(s.reference_window),
            "exclude_areas": list(s.exclude_areas),
            "high": s.high,
            "low": s.low,
            "floor_at_baseline": s.floor_at_baseline,
            "formula": "scenario_jobs = jump_off_jobs x (1 + growth)^horizon; additional_jobs = scenario_jobs - "
            "baseline_jobs" + (" (0 if negative)" if s.floor_at_baseline else ""),
            "gva_conversion": "additional_gva_gbp_m = additional_jobs x gva_per_job_gbp / 1e6 (the region's "
            f"cluster GVA per job in {frame['jump_off_year'].iloc[0]}, current prices, held constant)",
        },
        "effects": effects,
        "warnings": list(warnings or []),
        "region_level": {
            "scenario_jobs": "sum over clusters of additional direct jobs"
            + (" plus indirect (and induced) jobs" if include_effects else "")
            + "; clusters sharing industry codes are counted in each",
            "growth": "compound annual growth of all-industry employment, jump-off to target year; other regions on "
            f"their baselines ({totals_method[0].label}: {totals_method[1]})",
            "london_prefix": config.region.london_prefix,
        },
        "uncertainty": {
            "method": "draws pick a reference window uniformly and bootstrap the comparators qualifying in it; "
            "additional jobs against the fixed baseline",
            "draws": int(config.uncertainty.draws),
            "seed": int(config.uncertainty.seed),
            "windows": draws.attrs.get("windows"),
            "percentiles": list(config.uncertainty.percentiles),
        },
        "priorities": {
            "criteria": {k: v for k, v in criteria_notes.items() if v},
            "weights_configured": dict(config.priorities.weights),
            "weights_used": used_weights,
            "normalisation": "min-max across the region's clusters; score = weighted mean over available criteria",
            "sensitivity": {
                "method": "weights ~ Dirichlet(concentration x weights)",
                "draws": config.priorities.sensitivity.draws,
                "concentration": config.priorities.sensitivity.concentration,
                "seed": config.priorities.sensitivity.seed,
                "top_n": config.priorities.sensitivity.top_n,
            },
        },
        "not_available": not_available,
        "clusters": per_cluster,
        "parameters": config.to_dict(),
    }
    if similar is not None:
        provenance["scenario"] = _similar_provenance(
            config, similar, frame, horizon, include_effects, region_range, calibration_notes
        )
        provenance["region_level"]["scenario_jobs"] = (
            "sum over clusters of additional direct jobs"
            + (" plus indirect jobs" if include_effects else "")
            + ", each cluster's multiplied by its count_once_factor so that industry codes shared by two clusters "
            "are counted once"
        )
        provenance["uncertainty"] = {
            "method": "joint draws: each draw picks one pre-Covid reference window for all clusters and bootstraps "
            "every cluster's similar comparators in it; region totals are summed within each draw (shared codes "
            "once), so their percentiles are the region's, not sums of cluster percentiles",
            "draws": int(config.uncertainty.draws),
            "seed": int(config.uncertainty.seed),
            "windows": draws.attrs.get("windows"),
            "percentiles": list(config.uncertainty.percentiles),
            "region_totals": _records(region_range) if region_range is not None else [],
        }
    # NaN stays NaN here (a missing effect is a number): run.json and the API write it as null.
    result: dict[str, Any] = plain(provenance, finite=False)
    return result


def _records(frame: pd.DataFrame) -> list[dict[Any, Any]]:
    """``frame.to_dict(orient="records")``: the same rows of the same values, read column by column (NumPy
    numbers, booleans and whole numbers with ``tolist``, the Python values iterating them gives; other columns
    iterated as itertuples iterates them) rather than through itertuples' selection of each column by position,
    which cost most of a few rows' records. Frames with a name twice or columns of other types (objects, nullable
    numbers and text with pd.NA, dates) go to pandas."""
    if not frame.columns.is_unique or not all(
        (isinstance(dtype, np.dtype) and dtype.kind in "fiub")
        or (isinstance(dtype, pd.StringDtype) and dtype.na_value is not pd.NA)
        for dtype in frame.dtypes
    ):
        return frame.to_dict(orient="records")
    columns = frame.columns.tolist()
    values = [
        column.to_numpy().tolist()
        if isinstance(column.dtype, np.dtype) and column.dtype.kind in "fiub"
        else list(column)
        for _, column in frame.items()
    ]
    return [dict(zip(columns, row, strict=True)) for row in zip(*values, strict=True)]


def _relevant_jumps(similar: SimilarResult) -> pd.DataFrame:
    """One-off jumps of the region's own series and of the specialised regions they kept out of the comparators."""
    table = similar.comparators
    own = table["role"] == "region"
    kept_out = ~table["kept"] & table["reason"].str.startswith("one-off jump")
    rows = table.loc[own | kept_out, ["area_code", "cluster_id"]]
    keys = set(zip(rows["area_code"].tolist(), rows["cluster_id"].tolist(), strict=True))
    jumps = similar.jumps
    if jumps.empty:
        return jumps
    # Whole columns as Python values (what iterating them gives), not the Arrow-backed text value by value.
    wanted = [k in keys for k in zip(jumps["area_code"].tolist(), jumps["unit_code"].tolist(), strict=True)]
    return jumps[wanted]


def _similar_cluster_provenance(row: Any, kept: pd.DataFrame, excluded: pd.DataFrame) -> dict[str, Any]:
    """The provenance of one cluster's scenario; *kept* and *excluded* are its comparators and the specialised
    regions left out (its rows of the comparator table, as :func:`_provenance` splits them)."""
    kept = kept.sort_values("differential_growth", ascending=False)
    # Whole columns as Python values (what iterating each row would give), not one row object per comparator.
    columns = ("area_code", "lq_start", "start_employment", "differential_growth")
    return {
        "jump_off_jobs": row.jump_off_jobs,
        "baseline": {"method": row.baseline_method, "jobs": row.baseline_jobs, "growth_cagr": row.baseline_growth_cagr},
        "size_band": row.size_band,
        "comparators": [
            dict(zip(columns, values, strict=True)) for values in zip(*(kept[c].tolist() for c in columns), strict=True)
        ],
        "excluded_specialised_regions": [
            {"area_code": a, "reason": r}
            for a, r in zip(excluded["area_code"].tolist(), excluded["reason"].tolist(), strict=True)
        ],
        "own_jump": row.own_jump or None,
        "differential_growth": {
            "low": row.differential_growth_low,
            "central": row.differential_growth_central,
            "high": row.differential_growth_high,
            "high_uncapped": row.differential_growth_high_uncapped,
        },
        "cap": row.cap,
        "capped": bool(row.capped),
        "leading_region_sensitivity": {
            "area_code": row.leading_region,
            "differential_growth": row.leader_differential_growth,
            "additional_jobs": row.additional_jobs_leader_sensitivity,
        },
        "additional_jobs": {v: getattr(row, f"additional_jobs_{v}") for v in VARIANTS},
        "gva_per_job_gbp": row.gva_per_job_gbp,
        "count_once_factor": row.count_once_factor,
    }


def _kept_calibration_notes(
    warehouse: AnyWarehouse, taxonomy: Taxonomy, dataset: str, config: ScenarioConfig, similar: SimilarResult | None
) -> dict[str, Any] | None:
    """:func:`_calibration_notes` of *similar* (None without it), once per taxonomy, dataset, calibration settings,
    percentiles and data version: the calibration those choose is the same for every region."""
    if similar is None:
        return None
    key = (
        "scenario_calibration_notes",
        taxonomy,
        dataset,
        calibration_settings(config),
        tuple(similar.percentiles.items()),
    )
    # Handed out as kept: the provenance only reads it (plain() copies it into the answer).
    return memoised(warehouse, key, lambda: _calibration_notes(similar), copy=False)


def _calibration_notes(similar: SimilarResult) -> dict[str, Any]:
    """What a similar scenario's provenance says of the calibration that chose its percentiles: its own
    provenance, each scenario's pooled pre-Covid hit rates and the caps. The same for every region of a taxonomy
    (:func:`scenario_outputs` keeps it per taxonomy, settings and percentiles); read-only, as kept."""
    cal = similar.calibration
    # The pre-Covid hit rates of every fold pooled, selected once for the three scenarios.
    pooled = cal.hit_rates[(cal.hit_rates["test"] == "pre_covid") & (cal.hit_rates["fold"] == "all")]
    return {
        "backtest": cal.provenance(),
        "hit_rates": {
            v: pooled[pooled["percentile"] == similar.percentiles[v]].set_index("universe")["hit_rate"].to_dict()
            for v in VARIANTS
        },
        "caps": cal.caps.to_dict(orient="records"),
    }


def _similar_provenance(
    config: ScenarioConfig,
    similar: SimilarResult,
    frame: pd.DataFrame,
    horizon: int,
    include_effects: bool,
    region_range: pd.DataFrame | None,
    calibration_notes: dict[str, Any] | None = None,
) -> dict[str, Any]:
    s = config.scenario
    m = s.similar
    notes = calibration_notes if calibration_notes is not None else _calibration_notes(similar)
    once = frame["count_once_factor"]
    totals = {}
    for v in VARIANTS:
        direct = float((frame[f"additional_jobs_{v}"] * once).sum())
        indirect = float((frame[f"indirect_jobs_{v}"].fillna(0.0) * once).sum())
        gva = float((frame[f"additional_gva_{v}_gbp_m"].fillna(0.0) * once).sum())
        totals[v] = {
            "direct_jobs": direct,
            "indirect_jobs": indirect,
            "direct_gva_gbp_m": gva,
            "direct_share_of_region_jobs": direct / similar.region_jobs,
            "direct_and_indirect_share_of_region_jobs": (direct + (indirect if include_effects else 0.0))
            / similar.region_jobs,
        }
    return {
        "method": "similar",
        "description": "each cluster grows, relative to the same cluster in Great Britain, at a percentile of the "
        "differential growth of similar comparator regions, on top of the baseline",
        "differential_growth": f"Theil-Sen slope of the log of the comparator's share of the GB cluster over "
        f"{m.reference_window[0]}-{m.reference_window[1]} (pre-Covid years only), d = exp(slope) - 1",
        "comparator_rule": f"LQ >= {s.lq_threshold:g} and >= {m.min_employment:,.0f} jobs in "
        f"{m.reference_window[0]}, no one-off jump, start-year jobs within 1/f-f times the region's, f widened "
        f"through {list(m.size_band_steps)} (0 = any size) until >= {m.min_comparators} comparators",
        "jumps": dict(vars(config.scenario.jumps)),
        # The jumps that matter here: the region's own, and those that left a specialised region out.
        "jumps_found": _records(_relevant_jumps(similar)),
        "jumps_found_in_all_regions": len(similar.jumps),
        "percentiles": dict(similar.percentiles),
        "percentiles_chosen_by": similar.percentiles_from,
        "backtest": notes["backtest"],
        "hit_rates": notes["hit_rates"],
        "caps": notes["caps"],
        "cap_rule": f"d capped at the {m.cap_percentile:g}th percentile of the differential growth of every GB "
        "series (taxonomy clusters and SIC divisions) of the same size band",
        "formula": "additional_jobs = baseline_jobs x ((1 + d)^horizon - 1), 0 if negative; the baseline carries "
        "the national trend, so only growth above it is additional",
        "horizon_years": horizon,
        "gva_conversion": "additional_gva_gbp_m = additional_jobs x gva_per_job_gbp / 1e6",
        "price_basis": similar.price_basis,
        "leader_sensitivity": "additional_jobs_leader_sensitivity: the single fastest similar comparator, uncapped "
        "(the previous method's high case on this basis); a sensitivity, not a scenario",
        "region_totals": totals,
        "region_jobs": similar.region_jobs,
        "region_gva_gbp_m": similar.region_gva_gbp_m,
        "region_totals_joint_draws": _records(region_range) if region_range is not None else [],
        "parameters": {
            "reference_window": list(m.reference_window),
            "min_employment": m.min_employment,
            "size_band_steps": list(m.size_band_steps),
            "min_comparators": m.min_comparators,
            "exclude_areas": list(s.exclude_areas),
        },
    }


def run_backtest(
    warehouse: AnyWarehouse,
    taxonomy: str | Taxonomy | None = None,
    *,
    region: str | None = None,
    sources: Sequence[str] | None = None,
    dataset: str | None = None,
    config: ScenarioConfig | None = None,
    progress: Callable[[str], None] | None = None,
) -> BacktestResult:
    """Backtest every configured method on BRES employment and the long GVA series; pick the default.

    Parameters
    ----------
    warehouse
        An open warehouse.
    taxonomy
        Cluster definitions (default ``wmca_plan_for_growth``).
    region
        Score only this area's series (all areas still form the benchmark);
        default every GB ITL2 area, which gives far more forecasts to judge by.
    sources
        ``bres`` and/or ``gva`` (default from the config).
    dataset
        Employment dataset of the ``bres`` source (default from the region:
        ``bres_itl2_sic5`` for GB, the embedded CBP 2019 for a US CBSA, which
        has a single year and so is an error).
    config
        Parameters (default :func:`load_scenario_config`).

    Returns
    -------
    BacktestResult

    Raises
    ------
    ParameterError
        The employment data have one year only (US CBP): no series to test.
    UnknownCodeError
        An unknown source or region.
    """
    config = config or load_scenario_config()
    b = config.baseline
    # The same for every region, scenario choice and request on this data: computed once per data version.
    key = (
        "run_backtest",
        taxonomy,
        region,
        tuple(sources) if sources is not None else None,
        dataset,
        config.backtest,
        (b.covid_years, b.shift_share_damping, b.trend_smoothing, b.trend_damping),
    )
    return memoised(
        warehouse,
        key,
        lambda: _run_backtest(warehouse, taxonomy, region, sources, dataset, config, progress),
        persist=True,
    )


def _backtest_choice(
    warehouse: AnyWarehouse,
    taxonomy: Taxonomy,
    *,
    config: ScenarioConfig,
    dataset: str,
    progress: Callable[[str], None] | None = None,
) -> BacktestResult:
    """:func:`run_backtest` of every area without its scored forecasts: what picks a scenario's baseline method
    (the errors, the ranking and the choice), kept once per taxonomy and data version. No scenario reads the
    forecasts, and they are most of the result (about 45 MB per GB taxonomy, which a server held for each)."""
    b = config.baseline
    key = (
        "backtest_choice",
        taxonomy,
        dataset,
        config.backtest,
        (b.covid_years, b.shift_share_damping, b.trend_smoothing, b.trend_damping),
    )

    def compute() -> BacktestResult:
        found = _run_backtest(warehouse, taxonomy, None, None, dataset, config, progress)
        return dataclasses.replace(found, forecasts=None)

    return memoised(warehouse, key, compute, persist=True)


def _run_backtest(
    warehouse: AnyWarehouse,
    taxonomy: str | Taxonomy | None,
    region: str | None,
    sources: Sequence[str] | None,
    dataset: str | None,
    config: ScenarioConfig,
    progress: Callable[[str], None] | None,
) -> BacktestResult:
    say = progress or (lambda _m: None)
    chosen_sources = list(sources or config.backtest.sources)
    for source in chosen_sources:
        if source not in ("bres", "gva"):
            raise UnknownCodeError("backtest source", source, ["bres", "gva"])
    if dataset is None:
        dataset = dataset_for_region(warehouse, region) if region is not None else BRES_SUBCLASS
    region_code = None
    if region is not None:
        region_code = resolve_single_region(warehouse, region, dataset, "the backtest").code
    panels = {}
    for source in chosen_sources:
        say(f"backtesting {len(config.backtest.methods)} methods on the {source} series")
        if source == "bres":
            panels[source] = cluster_employment_panel(warehouse, taxonomy, dataset=dataset)
        else:
            panels[source] = cluster_gva_panel(warehouse, taxonomy, prices=config.backtest.gva_prices)
    name = str(getattr(taxonomy, "name", taxonomy or "wmca_plan_for_growth"))
    return backtest_panels(panels, config, taxonomy=name, region_code=region_code)


#: Comparator rules and growth statistics of the leader method (clusterplan.scenarios.config).
SCENARIO_RULES = ("lq", "strong", "stars")
SCENARIO_STATISTICS = ("leader", "top_quartile", "median", "mean")


def scenario_weights(text: str) -> dict[str, float]:
    """Priority weights from ``criterion=weight,...`` text, each criterion and weight checked."""
    return parse_weights(text)


def scenario_settings(
    config_path: str | Path | None = None,
    *,
    target_year: int | None = None,
    scenario: str | None = None,
    weights: str | Mapping[str, float] | None = None,
    overrides: Mapping[str, Any] | None = None,
) -> ScenarioConfig:
    """The scenario configuration: defaults, then *config_path* (TOML), then the choices given here.

    Parameters
    ----------
    config_path
        A scenario TOML file (None: the defaults).
    target_year
        Year the baseline and scenarios run to.
    scenario
        Choices as ``method=leader,low=median,rule=strong,window=2015-2019`` text (see
        :func:`clusterplan.scenarios.config.parse_scenario`).
    weights
        Priority weights, as ``criterion=weight,...`` text or a mapping.
    overrides
        Dotted settings (``scenario.method``) applied after the others.

    Raises
    ------
    ParameterError
        A value that is not allowed, named with the valid choices.
    """
    chosen: dict[str, Any] = {}
    if target_year is not None:
        chosen["target_year"] = target_year
    if scenario:
        chosen.update(parse_scenario(scenario))
    if weights:
        chosen["priorities.weights"] = parse_weights(weights) if isinstance(weights, str) else dict(weights)
    chosen.update(overrides or {})
    return load_scenario_config(config_path, overrides=chosen)


def unread_scenario_keys(config: ScenarioConfig) -> list[str]:
    """The dotted settings of *config* that its scenario method does not read although they differ from the
    default configuration's (:func:`clusterplan.scenarios.config.unread_settings`).

    Examples
    --------
    >>> unread_scenario_keys(scenario_settings(scenario="rule=strong"))
    ['scenario.comparator_rule']
    """
    return unread_settings(config, load_scenario_config())


def unread_scenario_settings(config: ScenarioConfig) -> str | None:
    """A note naming the settings of *config* that its scenario method does not read, or None.

    Examples
    --------
    >>> note = unread_scenario_settings(scenario_settings(scenario="low=median,window=2016-2019"))
    >>> note.split(": ")[0]
    'scenario.reference_window, scenario.low'
    >>> unread_scenario_settings(scenario_settings(scenario="method=leader,low=median")) is None
    True
    """
    unread = unread_scenario_keys(config)
    if not unread:
        return None
    method = config.scenario.method
    other = "leader" if method == "similar" else "similar"
    return (
        f"{', '.join(unread)}: read by the {other} scenario method only, not by the {method} method this run uses "
        f'(add method={other} to --scenario, or set scenario.method = "{other}" in the config)'
    )


def scenario_choices() -> dict[str, Any]:
    """The default scenario settings, the values each choice accepts, and the whole default configuration."""
    defaults = load_scenario_config()
    return {
        "defaults": {
            "target_year": defaults.target_year,
            "method": defaults.scenario.method,
            "comparator_rule": defaults.scenario.comparator_rule,
            "high": defaults.scenario.high,
            "low": defaults.scenario.low,
            "baseline": defaults.baseline.method,
            "weights": dict(defaults.priorities.weights),
            "reference_window": list(defaults.scenario.reference_window),
        },
        "choices": {
            "method": ["similar", "leader"],
            "comparator_rule": list(SCENARIO_RULES),
            "high": list(SCENARIO_STATISTICS),
            "low": list(SCENARIO_STATISTICS),
            "baseline": ["auto", *METHODS],
            "criteria": [{"name": c, "description": CRITERION_DESCRIPTIONS.get(c, "")} for c in CRITERIA],
        },
        "config": defaults.to_dict(),
    }


def region_scenarios(
    warehouse: AnyWarehouse,
    profile: ClusterProfile,
    config: ScenarioConfig | None = None,
    *,
    progress: Callable[[str], None] | None = None,
) -> ScenarioOutputs:
    """Baseline, above-forecast scenarios, priorities and their uncertainty for a profiled region, on the
    warehouse it was profiled from (:func:`clusterplan.scenarios.scenario_outputs`)."""
    return scenario_outputs(warehouse, profile, config, progress=progress)


def baseline_backtest(
    warehouse: AnyWarehouse,
    taxonomy: str | None = None,
    *,
    region: str | None = None,
    sources: Sequence[str] | None = None,
    dataset: str | None = None,
    config: ScenarioConfig | None = None,
    progress: Callable[[str], None] | None = None,
) -> BacktestResult:
    """Errors (MAPE and bias by horizon) of every baseline method over past years, and the default method."""
    return run_backtest(
        warehouse, taxonomy, region=region, sources=sources, dataset=dataset, config=config, progress=progress
    )


def describe_backtest(result: BacktestResult) -> str:
    """A baseline backtest as lines for a terminal."""
    return format_backtest(result)


def scenario_backtest(
    warehouse: AnyWarehouse,
    taxonomy: str | None = None,
    *,
    dataset: str | None = None,
    config: ScenarioConfig | None = None,
) -> tuple[ScenarioCalibration, str]:
    """Hit rates of the percentiles of similar comparators over every GB region (the scenario backtest), and the
    name of the taxonomy whose clusters were tested (default ``wmca_plan_for_growth``)."""
    chosen = load_taxonomy(taxonomy or "wmca_plan_for_growth")
    settings = calibration_settings(config or load_scenario_config())
    result, _ = scenario_calibration(warehouse, chosen, dataset=dataset or "bres_itl2_sic5", settings=settings)
    return result, chosen.name


def describe_scenario_backtest(result: ScenarioCalibration) -> str:
    """A scenario backtest as lines for a terminal."""
    return format_calibration(result)
