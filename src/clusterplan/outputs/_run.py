"""Write the outputs of a run: the CSV tables, run.json, report.html and workbook.xlsx.

:func:`run_analyses` computes the further analyses a run can carry (growth
scenarios and priorities, supply chains, opportunities, the sub-regional
breakdown) with the modules that make them; each one that cannot be done for
the region (a single year of data, a US region for a GB-only model, a module
not installed) is recorded with the reason instead of stopping the run.
:func:`write_run_outputs` writes everything; the report and the workbook pick
up whichever tables are there.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pandas as pd

from .._exceptions import ClusterplanError, ParameterError
from ..analysis import DATASET_PROFILES, AnyWarehouse, ClusterProfile
from .report import CORE_TABLES, RUN_TABLES, SIGNIFICANT_DIGITS, ReportData, render_report, report_data
from .workbook import write_workbook

__all__ = ["ANALYSES", "RunAnalyses", "run_analyses", "write_run_outputs", "write_tables"]


def _clean(value: Any) -> Any:
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {str(k): _clean(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_clean(v) for v in value]
    if hasattr(value, "item") and not isinstance(value, str):  # numpy scalars
        return _clean(value.item())
    if isinstance(value, pd.DataFrame | pd.Series):
        return _clean(value.to_dict())
    if value is None or isinstance(value, str | int | float | bool):
        return value
    return str(value)


# -- further analyses ------------------------------------------------------------------------------------


@dataclass
class RunAnalyses:
    """Tables of the further analyses of a run, and what each analysis did (or why it was not done)."""

    tables: dict[str, pd.DataFrame] = field(default_factory=dict)
    provenance: dict[str, Any] = field(default_factory=dict)


def _is_us(profile: ClusterProfile) -> bool:
    dataset = str(profile.parameters.get("dataset", ""))
    return dataset in DATASET_PROFILES and DATASET_PROFILES[dataset].geography == "us"


def _scenarios(warehouse: AnyWarehouse, profile: ClusterProfile, say: Callable[[str], None]) -> RunAnalyses:
    from ..scenarios import scenario_outputs

    out = scenario_outputs(warehouse, profile, _SCENARIO_CONFIG.get("config"), progress=say)
    tables = {
        "scenarios": out.scenarios,
        "priorities": out.priorities,
        "region_summary": out.region_summary,
        "region_growth": out.region_growth,
        "scenario_uncertainty": out.uncertainty,
    }
    return RunAnalyses(tables, {"status": "computed", **out.provenance})


def _supply_chain(warehouse: AnyWarehouse, profile: ClusterProfile, say: Callable[[str], None]) -> RunAnalyses:
    if _is_us(profile):
        raise ParameterError("the regional input-output model is built for GB regions only")
    from ..inputoutput.clusters import cluster_linkages

    links = cluster_linkages(profile.taxonomy, region=profile.region_code)
    tables = {"supply_chain": links.partners, "cluster_linkages": links.table()}
    if links.input_sourcing is not None:
        tables["input_sourcing"] = links.input_sourcing.reset_index()
    return RunAnalyses(tables, {"status": "computed", "parameters": links.parameters})


def _opportunities(warehouse: AnyWarehouse, profile: ClusterProfile, say: Callable[[str], None]) -> RunAnalyses:
    from ..relatedness.opportunities import region_opportunities

    result = region_opportunities(
        warehouse, profile.region_code, taxonomy=profile.taxonomy, year=profile.totals["year"]
    )
    tables = {"opportunities": result.industries}
    if result.clusters is not None:
        tables["cluster_opportunities"] = result.clusters
    return RunAnalyses(tables, {"status": "computed", "parameters": result.parameters})


def _subregions(warehouse: AnyWarehouse, profile: ClusterProfile, say: Callable[[str], None]) -> RunAnalyses:
    if _is_us(profile):
        raise ParameterError("the sub-regional breakdown is for GB regions (ITL3 areas) only")
    from ..geography.subregional import subregional_breakdown

    table = subregional_breakdown(warehouse, region=profile.region_code, taxonomy=profile.taxonomy)
    return RunAnalyses({"subregions": table}, {"status": "computed", "measure": "gva", "rows": len(table)})


#: The further analyses of a run by name, in the order they run; add one with a line here.
ANALYSES: dict[str, Callable[[AnyWarehouse, ClusterProfile, Callable[[str], None]], RunAnalyses]] = {
    "scenarios": _scenarios,
    "supply_chain": _supply_chain,
    "opportunities": _opportunities,
    "subregions": _subregions,
}


#: The scenario configuration of the run in progress (set by :func:`run_analyses`).
_SCENARIO_CONFIG: dict[str, Any] = {}


def run_analyses(
    warehouse: AnyWarehouse,
    profile: ClusterProfile,
    *,
    only: Iterable[str] | None = None,
    progress: Callable[[str], None] | None = None,
    scenario_config: Any = None,
) -> RunAnalyses:
    """Run the further analyses of :data:`ANALYSES` for a cluster profile.

    Parameters
    ----------
    warehouse
        The warehouse the profile came from.
    profile
        The region's cluster profile.
    only
        Names of the analyses to run (default all).
    scenario_config
        A :class:`clusterplan.scenarios.config.ScenarioConfig` (default: the
        packaged defaults).
    progress
        Called with one-line progress messages.

    Returns
    -------
    RunAnalyses
        Every table made, and per analysis ``{"status": "computed", ...}`` or
        ``{"status": "not computed: <reason>"}`` when the analysis does not
        apply to the region or its module is not installed.
    """
    say = progress or (lambda _m: None)
    names = list(ANALYSES) if only is None else list(only)
    unknown = [n for n in names if n not in ANALYSES]
    if unknown:
        raise ParameterError(f"unknown analysis {unknown[0]!r}; choose from {', '.join(ANALYSES)}")
    result = RunAnalyses()
    _SCENARIO_CONFIG["config"] = scenario_config
    for name in names:
        say(f"computing {name.replace('_', ' ')}")
        try:
            done = ANALYSES[name](warehouse, profile, say)
        except (ImportError, ClusterplanError) as exc:
            result.provenance[name] = {"status": f"not computed: {exc}"}
            say(f"{name.replace('_', ' ')} not computed: {exc}")
            continue
        result.tables.update(done.tables)
        result.provenance[name] = done.provenance
    return result


# -- writing ---------------------------------------------------------------------------------------------


def _table_file(name: str) -> str:
    spec = CORE_TABLES.get(name) or RUN_TABLES.get(name)
    return spec.file if spec else f"{name}.csv"


def write_tables(data: ReportData, out: Path) -> dict[str, Path]:
    """Write every table of a run as CSV, to 16 significant digits (as the workbook and the report hold them)."""
    paths = {}
    frames: dict[str, pd.DataFrame] = {
        "clusters": data.clusters,
        "regions": data.regions,
        "trend": data.trend,
        "definitions": data.definitions,
        **data.tables,
    }
    for name, frame in frames.items():
        path = out / _table_file(name)
        frame.to_csv(path, index=False, float_format=f"%.{SIGNIFICANT_DIGITS}g")
        paths[name] = path
    return paths


def write_run_outputs(
    profile: ClusterProfile,
    out: Path,
    *,
    tables: Mapping[str, pd.DataFrame] | None = None,
    analyses: RunAnalyses | None = None,
    workbook: bool = True,
) -> dict[str, Path]:
    """Write every output file of a run into *out*; return their paths by name.

    Parameters
    ----------
    profile
        The cluster profile of the run.
    out
        The run folder (created if needed).
    tables
        Further tables by name (see :data:`clusterplan.outputs.report.RUN_TABLES`): each is written as
        CSV, put in the workbook, and feeds its report sections.
    analyses
        The result of :func:`run_analyses`: its tables are added to *tables* and what each analysis did
        goes into ``run.json`` (``analyses``).
    workbook
        Also write ``workbook.xlsx``.

    Examples
    --------
    In ``clusterplan run``, after :func:`~clusterplan.analysis.profile_region`::

        analyses = run_analyses(warehouse, profile, progress=progress)
        paths = write_run_outputs(profile, Path(out_dir), analyses=analyses)
    """
    out.mkdir(parents=True, exist_ok=True)
    metadata = profile.run_metadata()
    metadata["created_at"] = datetime.now(UTC).isoformat(timespec="seconds")
    every = dict(tables or {})
    if analyses is not None:
        every.update(analyses.tables)
        metadata["analyses"] = analyses.provenance
    data = report_data(profile, _clean(metadata), every)
    paths = write_tables(data, out)
    paths["report"] = out / "report.html"
    if workbook:
        paths["workbook"] = out / "workbook.xlsx"
    paths["run"] = out / "run.json"
    data.metadata["outputs"] = {k: p.name for k, p in paths.items()}
    paths["run"].write_text(json.dumps(_clean(data.metadata), indent=2) + "\n")
    paths["report"].write_text(render_report(data), encoding="utf-8")
    if workbook:
        write_workbook(data, paths["workbook"])
    return paths
