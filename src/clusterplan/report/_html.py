"""The evidence pack: a self-contained, interactive, accessible and printable ``report.html``.

The report is built from a :class:`ReportData` — the tables of one run (the
focus region's cluster table, every area x cluster, the trend, the cluster
definitions, and any further tables a run produced, such as scenarios or
supply chains) plus its ``run.json`` metadata — so it renders the same from a
:class:`~clusterplan.pipeline.profile.ClusterProfile` in memory and from a run folder
on disk (``clusterplan report --run DIR``).

Every part of the page comes from a small *builder* function that returns
``None`` when its input is not in the run. Three lists say what the page
holds, in order, and adding a section is one line in one of them:

* :data:`SUMMARY_ITEMS` — the executive summary's statements;
* :data:`SECTIONS` — the page's sections;
* :data:`CLUSTER_PARTS` — the parts of each cluster's profile.

A builder takes a :class:`ReportContext` (the data, shared map data, and
``ctx.render(macro, ...)`` for the HTML snippets in
``templates/report_sections.html.j2``), plus the cluster id for cluster
parts. Tables produced by later stages of the analysis are looked up with
``ctx.data.table(name, required_columns)``; :data:`RUN_TABLES` lists the
names and columns the builders here read.

For example, a section fed by an ``agglomerations`` table that a run adds (see
``clusterplan.pipeline.run.ANALYSES``)::

    def section_agglomerations(ctx: ReportContext) -> Section | None:
        table = ctx.data.table("agglomerations", ("cluster_id", "agglomeration", "firms"))
        if table is None:
            return None
        return Section("agglomerations", "Firm agglomerations", ctx.chart(charts.choropleth_map(...)))

    SECTIONS.insert(-1, Builder("agglomerations", "Firm agglomerations", section_agglomerations))

The run's ``hotspots`` table (Moran's I, LISA and Gi* of each cluster across GB
areas) feeds the cluster part :func:`part_hotspots` and the overview in the
Maps section the same way.

Nothing is fetched when the page is opened: plotly.js is inlined once, maps
use the packaged boundaries (simplified), and plotly's world topology is
replaced by an empty one (maps have no base layer).
"""

from __future__ import annotations

import dataclasses
import hashlib
import importlib.metadata
import json
import math
import re
from collections.abc import Callable, Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache
from importlib.resources import files
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
from markupsafe import Markup, escape

from .._cache import code_folder, kept_on_disk, on_disk, pack, unpack
from .._exceptions import DataValidationError
from .._paths import replacing
from ..datasets import DATASET_PROFILES
from ..pipeline.profile import ClusterProfile
from ..pipeline.run import US_HOTSPOT_CLUSTERS
from ..regions import contiguous_cbsas
from ..relatedness.opportunities import ATTRACTIVENESS_METHOD
from . import _charts as charts
from ._charts import Chart
from ._columns import _column_format, column_label

if TYPE_CHECKING:
    import jinja2

__all__ = [
    "CLUSTER_PARTS",
    "CORE_TABLES",
    "RUN_TABLES",
    "SECTIONS",
    "SIGNIFICANT_DIGITS",
    "SUMMARY_ITEMS",
    "Builder",
    "ReportContext",
    "ReportData",
    "Section",
    "TableSpec",
    "read_run_folder",
    "render_report",
    "report_data",
]


# -- the tables of a run ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class TableSpec:
    """A table a run can carry: its file in the run folder, what it holds, the columns builders need."""

    name: str
    file: str
    title: str
    columns: tuple[str, ...]
    description: str = ""


#: Tables every run writes (``clusterplan run``), read back by ``clusterplan report --run``.
CORE_TABLES: dict[str, TableSpec] = {
    spec.name: spec
    for spec in (
        TableSpec(
            "clusters",
            "clusters.csv",
            "Clusters of the focus region",
            ("cluster_id", "cluster", "employment", "employment_share", "lq"),
            "One row per cluster: size, share, location quotient, growth, ranks, strength and productivity.",
        ),
        TableSpec(
            "regions",
            "regions.csv",
            "Every area and cluster",
            ("area_code", "area_name", "cluster_id", "cluster", "employment", "lq"),
            "The same measures for every area of the dataset, so each area can be compared.",
        ),
        TableSpec(
            "trend",
            "trend.csv",
            "Trend of the focus region's clusters",
            ("cluster_id", "year", "employment", "benchmark_employment"),
            "Employment of each cluster in the region and the benchmark, every year of the data.",
        ),
        TableSpec(
            "definitions",
            "definitions.csv",
            "Cluster definitions",
            ("cluster_id", "cluster", "codes"),
            "The industry codes of each cluster of the taxonomy, with notes and confidence.",
        ),
    )
}

#: Tables later stages of the analysis add to a run; each feeds a builder when present. Descriptions are in plain
#: words (the workbook's Notes sheet shows them); any other table is still written to the run folder and the
#: workbook.
RUN_TABLES: dict[str, TableSpec] = {
    spec.name: spec
    for spec in (
        TableSpec(
            "unclassified_industries",
            "unclassified_industries.csv",
            "US industries in no cluster",
            ("industry_code", "employment", "national_employment", "siblings_in"),
            "NAICS 2017 industries of the region that no Cluster Mapping definition names (NAICS 2007 and 2012 "
            "definitions, no concordance in the package): the region's and all CBSAs' jobs in each, and the "
            "clusters that hold other industries of its 4-digit group.",
        ),
        TableSpec(
            "scenarios",
            "scenarios.csv",
            "Growth scenarios by cluster",
            ("cluster_id", "target_year", "baseline_jobs", "additional_jobs_low", "additional_jobs_high"),
            "For each cluster: the baseline forecast, the comparator regions and the leading one, and the "
            "above-forecast (differential) growth range of each cluster to the target year, "
            "direct, indirect and induced, with the resampled 5-95% range.",
        ),
        TableSpec(
            "region_summary",
            "region_summary.csv",
            "The region's growth and rank, baseline and scenarios",
            (
                "variant",
                "growth_cagr",
                "rank_outside_london",
                "regions_outside_london",
                "fastest_outside_london",
                "fastest_outside_london_growth_cagr",
                "extra_growth_needed_pp",
                "extra_jobs_needed",
            ),
            "One row per variant (baseline, low and "
            "high scenario): growth, rank among regions, and what would make the region the fastest-growing "
            "outside London.",
        ),
        TableSpec(
            "region_growth",
            "region_growth.csv",
            "Every region's growth, baseline and scenario ranks",
            ("area_code", "baseline_growth_cagr"),
            "Every GB region's employment growth to the target year under the baseline and each scenario, and its "
            "rank.",
        ),
        TableSpec(
            "priorities",
            "priorities.csv",
            "Cluster priorities",
            ("cluster_id", "score", "rank"),
            "Each cluster's criteria, raw and rescaled to 0-1, the weighted "
            "score and rank, and the rank's stability when the weights vary.",
        ),
        TableSpec(
            "scenario_uncertainty",
            "scenario_uncertainty.csv",
            "Scenario uncertainty",
            ("cluster_id",),
            "Percentiles of each cluster's additional jobs, GVA and growth over the resampling draws.",
        ),
        TableSpec(
            "comparators",
            "comparators.csv",
            "Comparator regions of each cluster",
            ("cluster_id", "area_code"),
            "Every region's cluster over the reference "
            "window, its growth and whether it is a comparator, with the reason (similar method: size band, "
            "LQ, one-off jumps).",
        ),
        TableSpec(
            "scenario_region_range",
            "scenario_region_range.csv",
            "The region's scenario totals over the joint draws",
            ("scenario", "direct_jobs_p50"),
            "Percentiles of the region's direct, indirect "
            "and total additional jobs and GVA over draws of every cluster together.",
        ),
        TableSpec(
            "scenario_backtest",
            "scenario_backtest.csv",
            "Backtest of the scenarios' percentiles",
            ("universe", "percentile", "hit_rate"),
            "The share of GB region-clusters and region-divisions that reached "
            "each percentile of their similar comparators' differential growth in the following years.",
        ),
        TableSpec(
            "supply_chain",
            "supply_chain.csv",
            "Main suppliers and customers of each cluster",
            ("cluster_id", "relation", "partner_name", "share"),
            "Each cluster's main supplying and buying industries: relation is 'supplier' or 'customer'; share is "
            "the industry's share of the cluster's intermediate purchases or sales; "
            "flow_gbp_m the flow (£ million; flow_usd_m, $ million, for US metros).",
        ),
        TableSpec(
            "input_sourcing",
            "input_sourcing.csv",
            "Inputs bought inside the region",
            ("cluster_id", "share_in_region"),
            "Each cluster's domestic intermediate inputs and the share bought inside the region.",
        ),
        TableSpec(
            "cluster_linkages",
            "cluster_linkages.csv",
            "Supply-chain flows between clusters",
            ("supplier_cluster", "buyer_cluster"),
            "Intermediate flows between the "
            "clusters (and other industries) in the region, £ million (flow_gbp_m; GB) or $ million (flow_usd_m; US).",
        ),
        TableSpec(
            "io_multipliers",
            "io_multipliers.csv",
            "Input-output multipliers",
            ("industry_code", "industry_name", "output_multiplier"),
            "Type I (or II) output, GVA and employment multipliers by IOAT industry.",
        ),
        TableSpec(
            "opportunities",
            "opportunities.csv",
            "Growth opportunities by industry",
            ("industry_code", "industry_name", "feasibility", "attractiveness"),
            "Every industry placed by feasibility (how much of its related activity the region has, as a "
            "percentile) and attractiveness (percentile of complexity, GVA per job and national growth), with its "
            "stage in the region (specialised, nascent or absent), quadrant and candidate flags.",
        ),
        TableSpec(
            "cluster_opportunities",
            "cluster_opportunities.csv",
            "Growth opportunities by cluster",
            ("cluster_id", "feasibility", "attractiveness"),
            "Each cluster placed by feasibility and attractiveness among the region's industries.",
        ),
        TableSpec(
            "subregions",
            "subregions.csv",
            "Clusters inside the region",
            ("cluster_id", "area_code", "area_name", "value"),
            "Each cluster's GVA (or jobs) in the "
            "ITL3 areas of the region, shares, and location quotients against the region (lq_region) and "
            "Great Britain (lq_gb).",
        ),
        TableSpec(
            "hotspots",
            "hotspots.csv",
            "Hotspots of each cluster across the areas of its country",
            ("cluster_id", "level", "measure", "area_code", "area_name", "value", "lisa_class", "moran_i", "moran_p"),
            "Clusters mapped across the areas of their country (a GB region: every cluster, the LQ across GB "
            "ITL2 areas and the share of GVA across GB ITL3 areas; a US metro: its "
            f"{US_HOTSPOT_CLUSTERS} most specialised clusters, "
            "the LQ across the CBSAs of the contiguous states): each area's value, local Moran's I, quadrant and LISA "
            "class after false-discovery-rate correction, Getis-Ord Gi* z and hot or cold spot, whether it is in the "
            "focus region, and the map's global Moran's I with its pseudo p-value.",
        ),
    )
}


def _safe_id(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9_-]+", "-", str(text)).strip("-") or "x"


@dataclass
class ReportData:
    """The tables and metadata of one run: everything the report and the workbook need."""

    metadata: dict[str, Any]
    clusters: pd.DataFrame
    regions: pd.DataFrame
    trend: pd.DataFrame
    definitions: pd.DataFrame
    tables: dict[str, pd.DataFrame] = field(default_factory=dict)
    #: :meth:`cluster_row`'s rows by cluster id, with the cluster table they were read from.
    _cluster_rows: tuple[pd.DataFrame | None, dict[str, dict[str, Any]]] = field(
        default_factory=lambda: (None, {}), init=False, repr=False, compare=False
    )

    @property
    def parameters(self) -> dict[str, Any]:
        return dict(self.metadata.get("parameters") or {})

    @property
    def totals(self) -> dict[str, Any]:
        return dict(self.metadata.get("totals") or {})

    @property
    def region_code(self) -> str:
        return str((self.metadata.get("region") or {}).get("code") or self.parameters.get("region", ""))

    @property
    def region_name(self) -> str:
        name = (self.metadata.get("region") or {}).get("name")
        if name and str(name) != self.region_code:
            return str(name)
        # Run folders written before CBSAs had names.
        return f"CBSA {self.region_code}" if self.is_us else self.region_code

    @property
    def inputs(self) -> list[dict[str, Any]]:
        return list(self.metadata.get("inputs") or [])

    @property
    def benchmark_label(self) -> str:
        return str(self.parameters.get("benchmark_label") or "the benchmark")

    @property
    def traded_only(self) -> bool:
        """True when shares count traded jobs only (``--denominator traded``)."""
        return str(self.parameters.get("denominator", "all industries")) != "all industries"

    @property
    def clusters_employment_summed(self) -> float:
        """The clusters' jobs added up cluster by cluster (a job in a shared industry counts in each)."""
        if "employment" not in self.clusters.columns:
            return float("nan")
        return float(pd.to_numeric(self.clusters["employment"], errors="coerce").sum())

    @property
    def count_once_factor(self) -> float:
        """Jobs counted once over jobs summed cluster by cluster: scales a sum over clusters so that a job in
        an industry shared by two clusters counts once (1.0 without shared industries)."""
        once = self.totals.get("clusters_employment_without_double_counting", float("nan"))
        summed = self.clusters_employment_summed
        if not _finite(once) or not _finite(summed) or not summed:
            return 1.0
        return float(once) / summed

    @property
    def employment_note(self) -> str:
        """How cluster jobs are counted, in one paragraph: the one definition every total of the run uses."""
        t = self.totals
        shared = int(t.get("overlapping_codes") or 0)
        once = t.get("clusters_employment_without_double_counting", float("nan"))
        text = "A cluster's employment is the sum over its industry codes in each area and year."
        if self.traded_only:
            text += (
                f" This run counts traded jobs only ({self.parameters.get('denominator')}): each cluster's "
                "employment, share and LQ count its traded codes only, over the region's traded jobs (a code that "
                "is not traded is in neither), so each share is a part of the region's traded jobs."
            )
        if shared and _finite(once):
            text += (
                f" Clusters share {shared} industry code{'s' if shared != 1 else ''}: the clusters hold "
                f"{float(once):,.0f} jobs with each job counted once ({self.clusters_employment_summed:,.0f} "
                "added up cluster by cluster). Totals over clusters in this report count each job once; sums of "
                "scenario jobs and GVA over clusters are scaled by the same ratio."
            )
        else:
            text += " No industry is in two clusters here, so the clusters' jobs add up."
        return text

    @property
    def geography(self) -> str:
        return report_geography(self.parameters, self.region_code)

    @property
    def is_us(self) -> bool:
        return self.geography == "us"

    @property
    def year(self) -> Any:
        return self.totals.get("year")

    @property
    def base_year(self) -> Any:
        return self.totals.get("base_year")

    def table(self, name: str, required: Iterable[str] = ()) -> pd.DataFrame | None:
        """A run table by name, or None when the run has none or it lacks a *required* column."""
        frame = self.tables.get(name)
        if frame is None or frame.empty:
            return None
        if any(c not in frame.columns for c in required):
            return None
        return frame

    def cluster_row(self, cluster_id: str) -> dict[str, Any]:
        # Every part of the report asks for its cluster's row, some several times: each row is built once per
        # cluster table (pulling one row out of a wide mixed-type frame is slow) and handed out as a copy.
        cached, rows = self._cluster_rows
        if cached is not self.clusters:
            rows = {}
            self._cluster_rows = (self.clusters, rows)
        if cluster_id not in rows:
            found = self.clusters[self.clusters["cluster_id"] == cluster_id]
            rows[cluster_id] = {str(k): v for k, v in found.iloc[0].items()} if len(found) else {}
        return dict(rows[cluster_id])

    def has(self, column: str) -> bool:
        """True when the cluster table has *column* with at least one finite value."""
        if column not in self.clusters.columns:
            return False
        values = pd.to_numeric(self.clusters[column], errors="coerce")
        return bool(values.notna().any())


def _definitions(profile: ClusterProfile) -> pd.DataFrame:
    return pd.DataFrame(
        [
            {
                "cluster_id": c.id,
                "cluster": c.name,
                "description": c.description,
                "codes": ", ".join(c.codes),
                "confidence": c.confidence,
                "note": c.note,
            }
            for c in profile.taxonomy.clusters
        ],
        columns=["cluster_id", "cluster", "description", "codes", "confidence", "note"],
    )


def _regions(profile: ClusterProfile) -> pd.DataFrame:
    regions = profile.regions.rename(
        columns={"value": "employment", "base_value": "employment_base_year", "total": "area_total_employment"}
    )
    first = ["area_code", "area_name", "cluster_id", "cluster", "employment", "share", "lq"]
    ordered = [c for c in first if c in regions.columns] + [c for c in regions.columns if c not in first]
    return regions[ordered].sort_values(["cluster_id", "area_code"]).reset_index(drop=True)


def _trend(profile: ClusterProfile) -> pd.DataFrame:
    names = dict(zip(profile.clusters["cluster_id"], profile.clusters["cluster"], strict=True))
    trend = profile.trend.copy()
    if "cluster" not in trend.columns:  # a profile made before trends carried the cluster's name
        trend.insert(1, "cluster", trend["cluster_id"].map(names))
    return trend


#: Significant digits kept for every number of a run: what the workbook stores (openpyxl writes "%.16g"),
#: so the CSVs, the workbook and a report re-rendered from the CSVs all hold the same values.
SIGNIFICANT_DIGITS = 16


def _significant(frame: pd.DataFrame) -> pd.DataFrame:
    """Float columns rounded to :data:`SIGNIFICANT_DIGITS` significant digits (far below any input's precision)."""
    out = frame.copy()
    text = f"%.{SIGNIFICANT_DIGITS}g"
    for column in out.columns:
        if pd.api.types.is_float_dtype(out[column].dtype):
            values = out[column].to_numpy(dtype=float)
            # The float nearest each value's text: what np.char.mod(...).astype(float) gives, in half the time
            # (a US run rounds 700,000 values). Whole numbers below 10**15 and NaN are their own rounding (a third
            # of a US run's values, and half again missing), so only the others go through text.
            missing = np.isnan(values)
            rounded = values.copy()
            rounded[missing] = np.nan  # float("nan"), whatever the sign or payload
            others = np.flatnonzero(~(missing | ((values == np.rint(values)) & (np.abs(values) < 1e15))))
            # Each distinct value once (a US every-area table repeats half of them: percentiles, area totals), and
            # through text only those that are not their own rounding (a quarter of a run's measured values).
            codes, distinct = pd.factorize(values[others])
            made = distinct.copy()
            through = np.flatnonzero(~_own_rounding(distinct, SIGNIFICANT_DIGITS))
            made[through] = [float(text % v) for v in distinct[through].tolist()]
            rounded[others] = made[codes]
            out[column] = rounded
    return out


def _own_rounding(values: np.ndarray, digits: int) -> np.ndarray:
    """Where each of the floats *values* is its own rounding to *digits* significant digits (``float("%.{digits}g"
    % v) == v``), as far as a look at its shortest text tells: True for a finite value, not a power of two, whose
    shortest text that reads back as it (Arrow's) has at most *digits* digits; False for any other (which may be
    its own rounding too).

    Why that suffices: if a decimal S of at most *digits* digits reads back as v, v's rounding T to *digits* digits
    is at least as near v as S (S is one of the decimals T is the nearest of), so within half a unit in the last
    place of v, and reads back as v. Only at an exact tie could it not, and within a binade that would need the
    spacing of the floats to be a multiple of the decimals', which it is not below 10**16; a power of two is the
    start of a binade, whose floats below are twice as close: 2**-24 is 5.9604644775390625e-08, whose rounding
    5.960464477539062e-08 reads back as the float below it, while 5.960464477539063e-08 reads back as it.

    >>> _own_rounding(np.array([0.1, 1 / 3, 2 / 3 * 1e-9, 1e22, np.inf, 2.0**-24]), 16).tolist()
    [True, True, True, True, False, False]
    """
    import pyarrow as pa
    import pyarrow.compute as pc

    array = pa.array(values, type=pa.float64())
    text = array.cast(pa.string())  # "-0.000025", "0.3333333333333333", "1.5e+20", "123456.789"
    reads_back = pc.equal(text.cast(pa.float64()), array).to_numpy(zero_copy_only=False)
    # The digits: the text from its first digit other than 0 (past any sign, 0 and point) to its exponent, less a
    # point there; the trailing zeros of a whole number are counted (such a value goes through text, as before).
    significant = pc.utf8_ltrim(text, "-0.")
    exponent = pc.find_substring(significant, "e").to_numpy(zero_copy_only=False)
    length = pc.utf8_length(significant).to_numpy(zero_copy_only=False)
    point = pc.greater_equal(pc.find_substring(significant, "."), 0).to_numpy(zero_copy_only=False)
    count = np.where(exponent >= 0, exponent, length) - point
    return reads_back & (count <= digits) & np.isfinite(values) & (np.abs(np.frexp(values)[0]) != 0.5)


#: Area code columns of the run's tables and the name column each gets when a table lacks it.
AREA_NAME_COLUMNS = {
    "region": "region_name",
    "region_code": "region_name",
    "area_code": "area_name",
    "leading_region": "leading_region_name",
    "attached_to": "attached_to_name",
}


def with_names(frame: pd.DataFrame, areas: Mapping[str, str], clusters: Mapping[str, str]) -> pd.DataFrame:
    """*frame* with a name column right after each area code column of :data:`AREA_NAME_COLUMNS` and after
    ``cluster_id`` where it lacks one, so no table of a run shows a code without its name."""
    out = frame
    wanted = [*AREA_NAME_COLUMNS.items(), ("cluster_id", "cluster")]
    for code, name in wanted:
        if code not in out.columns or name in out.columns or (code == "cluster_id" and "cluster_name" in out.columns):
            continue
        lookup = clusters if code == "cluster_id" else areas
        named = [lookup.get(c, "") if isinstance(c, str) else "" for c in out[code].tolist()]
        out = out.copy()
        out.insert(list(out.columns).index(code) + 1, name, named)
    return out


def _with_region(frame: pd.DataFrame, profile: ClusterProfile) -> pd.DataFrame:
    """A table of the focus region alone, saying which region (code and name, last) as every run table does."""
    if "region_code" in frame.columns:
        return frame
    return frame.assign(region_code=profile.region_code, region_name=profile.region_name)


def report_data(
    profile: ClusterProfile,
    metadata: Mapping[str, Any] | None = None,
    tables: Mapping[str, pd.DataFrame] | None = None,
) -> ReportData:
    """The :class:`ReportData` of a cluster profile (``run.json`` metadata default: the profile's own)."""
    meta = dict(metadata) if metadata is not None else profile.run_metadata()
    # Columns as lists (Series.tolist): iterating a text column makes a pandas scalar of each of 45,718 values.
    names = dict(
        zip(profile.regions["area_code"].astype(str).tolist(), profile.regions["area_name"].tolist(), strict=True)
    )
    for table in (tables or {}).values():  # finer areas (ITL3 of hotspot maps, sub-regions) name themselves
        if table is not None and {"area_code", "area_name"} <= set(table.columns):
            codes, area_names = table["area_code"].astype(str), table["area_name"].fillna("").astype(str)
            names.update(zip(codes.tolist(), area_names.tolist(), strict=True))
    names[profile.region_code] = profile.region_name
    clusters = {c.id: c.name for c in profile.taxonomy.clusters}
    every = dict(tables or {})
    if len(profile.unclassified) and "unclassified_industries" not in every:
        every["unclassified_industries"] = profile.unclassified
    return ReportData(
        metadata=meta,
        clusters=_significant(_with_region(profile.clusters, profile)),
        regions=_significant(_regions(profile)),
        trend=_significant(_with_region(_trend(profile), profile)),
        definitions=_definitions(profile),
        tables={k: _significant(with_names(v, names, clusters)) for k, v in every.items() if v is not None},
    )


def _read_csv(path: Path, spec: TableSpec | None) -> pd.DataFrame:
    try:
        frame = pd.read_csv(
            path,
            dtype={
                "area_code": str,
                "region_code": str,
                "region": str,
                "cluster_id": str,
                "industry_code": str,
                "codes": str,
                "partner": str,
            },
        )
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as exc:
        raise DataValidationError(f"cannot read table: {exc}".splitlines()[0], file=str(path)) from None
    if spec is not None:
        missing = [c for c in spec.columns if c not in frame.columns]
        if missing:
            raise DataValidationError(
                f"{spec.name} table lacks column {missing[0]!r} (needs {', '.join(spec.columns)})",
                file=str(path),
                column=missing[0],
            )
    return frame


def read_run_folder(folder: str | Path) -> ReportData:
    """Read a run folder written by ``clusterplan run``: ``run.json`` and its CSV tables.

    Raises
    ------
    DataValidationError
        ``run.json`` is missing or not JSON, or a core table is missing or lacks a column.
    """
    folder = Path(folder)
    run_file = folder / "run.json"
    if not run_file.is_file():
        raise DataValidationError(
            "no run.json in the folder", file=str(folder), hint="give a folder written by `clusterplan run`"
        )
    try:
        metadata = json.loads(run_file.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise DataValidationError(
            f"run.json is not valid JSON: {exc.msg}", file=str(run_file), row=exc.lineno
        ) from None
    outputs = dict(metadata.get("outputs") or {})
    core: dict[str, pd.DataFrame] = {}
    for name, spec in CORE_TABLES.items():
        path = folder / outputs.get(name, spec.file)
        if not path.is_file():
            raise DataValidationError(
                f"the run folder has no {spec.file}",
                file=str(folder),
                hint="it was written by an older clusterplan: run `clusterplan run` again",
            )
        core[name] = _read_csv(path, spec)
    extra: dict[str, pd.DataFrame] = {}
    for name, file in outputs.items():
        if name in CORE_TABLES or not str(file).endswith(".csv"):
            continue
        path = folder / str(file)
        if path.is_file():
            extra[name] = _read_csv(path, RUN_TABLES.get(name))
    for name, spec in RUN_TABLES.items():
        if name not in extra and (folder / spec.file).is_file():
            extra[name] = _read_csv(folder / spec.file, spec)
    return ReportData(metadata, core["clusters"], core["regions"], core["trend"], core["definitions"], extra)


# -- builders --------------------------------------------------------------------------------------------


@dataclass
class Section:
    """One section of the page: an anchor id, a heading and its HTML."""

    id: str
    title: str
    body: Markup


@dataclass(frozen=True)
class Builder:
    """A named builder and what the page says when it returns None (empty: say nothing)."""

    name: str
    title: str
    build: Callable[..., Any]
    missing: str = ""
    #: The title for a US region, when it differs.
    us_title: str = ""


class ReportContext:
    """What builders see: the run's data, shared map data and the HTML snippet macros."""

    def __init__(self, data: ReportData) -> None:
        self.data = data
        self.shared: dict[str, Any] = {}
        self.chart_count = 0
        self._macros = _environment().get_template("report_sections.html.j2").module
        self._centroids: dict[str, dict[str, tuple[float, float] | None]] = {}
        self._features: dict[str, dict[str, Any]] = {}
        #: Each cluster's LQ in every area, split once (see :func:`_lq_values`).
        self.lq_by_cluster: dict[str, pd.DataFrame] | None = None
        # What builders work out once per report (not page data, unlike shared): see rows and kept.
        self._kept: dict[Hashable, Any] = {}

    def kept(self, key: Hashable, make: Callable[[], Any]) -> Any:
        """``make()``, made once per report under *key* (a US report's 51 clusters ask for the same things)."""
        if key not in self._kept:
            self._kept[key] = make()
        return self._kept[key]

    def rows(self, frame: pd.DataFrame, column: str, value: Any) -> pd.DataFrame:
        """``frame[frame[column] == value]``, with *frame* split by *column* once per report: each of a US report's
        51 clusters compared every row of a run table's text column and took its rows."""
        frame_then, positions = self.kept(("rows", id(frame), column), lambda: (frame, _positions(frame[column])))
        if frame_then is not frame:  # another frame at the same address: split it afresh
            frame_then, positions = self._kept[("rows", id(frame), column)] = (frame, _positions(frame[column]))
        try:
            found = positions.get(value)
        except TypeError:  # an unhashable value: compared as before
            return frame[frame[column] == value]
        return frame.iloc[found if found is not None else np.empty(0, dtype=np.intp)]

    def render(self, macro: str, **kwargs: Any) -> Markup:
        """Render one macro of ``templates/report_sections.html.j2``."""
        result = getattr(self._macros, macro)(ctx=self, d=self.data, **kwargs)
        return Markup(result)

    def chart(self, chart: Chart | None) -> Markup:
        """The HTML of a chart (figure, text alternative, data table); empty for None."""
        if chart is None:
            return Markup("")
        self.chart_count += 1
        return self.render("chart", c=chart)

    def geojson(self, level: str, codes: Sequence[str] | None = None, tolerance: float = 0.01) -> str:
        """Register simplified boundaries once per report; returns the shared-data key charts refer to."""
        key = f"geo-{level}-{len(codes) if codes is not None else 'all'}-{tolerance}"
        if key not in self.shared:
            self.shared[key] = charts.report_geojson(level, codes, tolerance=tolerance)
        return key

    def centroid(self, key: str, code: str) -> tuple[float, float] | None:
        """Where to write an area's label on the maps of a registered boundary set (its largest polygon's centroid)."""
        known = self._centroids.setdefault(key, {})
        if code not in known:
            if key not in self._features:  # each area's feature (the first with its code), found once
                features: dict[str, Any] = {}
                for feature in self.shared[key].get("features", []):
                    features.setdefault(feature["properties"].get("code"), feature)
                self._features[key] = features
            feature = self._features[key].get(code)
            known[code] = charts.feature_centroid({"features": [feature]}, code) if feature is not None else None
        return known[code]

    def names(self, key: str, labels: Sequence[str]) -> str:
        """Register a list of labels once per report (the same areas in every cluster's chart)."""
        if key not in self.shared:
            self.shared[key] = list(labels)
        return key


# -- formatting helpers ----------------------------------------------------------------------------------


def _finite(value: Any) -> bool:
    try:
        return value is not None and math.isfinite(float(value))
    except (TypeError, ValueError):
        return False


def num(value: Any, spec: str = ",.0f") -> str:
    """A number for the page, or an en dash when it is missing."""
    if not _finite(value):
        return "–"
    return format(float(value), spec)


def pct(value: Any, digits: int = 1, sign: bool = False) -> str:
    """A fraction as a percentage (0.0123 → 1.2%)."""
    if not _finite(value):
        return "–"
    return format(float(value) * 100, f"{'+' if sign else ''}.{digits}f") + "%"


def sort_key(value: Any) -> str:
    """A table cell's ``data-value``: the number in a canonical form (26750.0 and 26750 alike), else empty."""
    if not _finite(value) or isinstance(value, str):
        return ""
    return format(float(value), ".16g")


def yes_no(value: Any) -> str:
    """A true/false cell as "yes"/"no"; missing (NaN, None, empty) as an en dash."""
    if isinstance(value, str):
        text = value.strip().lower()
        return "yes" if text in ("true", "1", "yes") else "no" if text in ("false", "0", "no") else "–"
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return "–"
    return "yes" if bool(value) else "no"


def _area_label(code: str, name: Any) -> str:
    return str(name) if isinstance(name, str) and name and name != code else str(code)


# -- executive summary items -----------------------------------------------------------------------------


def summary_top_clusters(ctx: ReportContext) -> Markup | None:
    """The top clusters: by the priorities scorecard when the run has one, else by LQ among LQ ≥ 1."""
    data = ctx.data
    priorities = data.table("priorities", RUN_TABLES["priorities"].columns)
    if priorities is not None:
        top = priorities.sort_values("rank").head(5).to_dict("records")
        for row in top:
            row.update({k: v for k, v in data.cluster_row(str(row["cluster_id"])).items() if k not in row})
        return ctx.render("summary_priorities", rows=top)
    strong = data.clusters[pd.to_numeric(data.clusters["lq"], errors="coerce") >= 1].sort_values("lq", ascending=False)
    return ctx.render("summary_top", rows=strong.head(5).to_dict("records"), total=len(strong))


def summary_share(ctx: ReportContext) -> Markup | None:
    """The clusters' share of the regional economy (jobs, each counted once)."""
    totals = ctx.data.totals
    if not _finite(totals.get("region_total_employment")):
        return None
    gva = None
    if ctx.data.has("gva_gbp_million"):
        summed = float(pd.to_numeric(ctx.data.clusters["gva_gbp_million"], errors="coerce").sum())
        gva = summed * ctx.data.count_once_factor
    loose = ctx.data.table("unclassified_industries", RUN_TABLES["unclassified_industries"].columns)
    unclassified = None
    if loose is not None and ctx.data.is_us:
        loose = loose.assign(employment=pd.to_numeric(loose["employment"], errors="coerce"))
        loose = loose[loose["employment"] > 0]
        beside = loose[loose["siblings_in"].fillna("").astype(str) != ""]
        unclassified = {
            "jobs": float(loose["employment"].sum()),
            "industries": len(loose),
            "beside_jobs": float(beside["employment"].sum()),
            "beside": beside.head(8).to_dict("records"),
        }
    return ctx.render("summary_share", totals=totals, gva=gva, unclassified=unclassified)


def summary_differential_growth(ctx: ReportContext) -> Markup | None:
    """The headline differential growth range by the target year (needs the scenarios table)."""
    scenarios = ctx.data.table("scenarios", RUN_TABLES["scenarios"].columns)
    if scenarios is None:
        return None
    # One definition of cluster jobs: sums over clusters count a job in a shared industry once.
    factor = ctx.data.count_once_factor
    sums = {
        c: float(pd.to_numeric(scenarios[c], errors="coerce").sum()) * factor
        for c in scenarios.columns
        if c.startswith(("additional_", "indirect_", "induced_", "baseline_jobs", "jump_off_jobs"))
        and not c.startswith("additional_jobs_p")  # percentiles do not add up across clusters
    }
    years = sorted({int(y) for y in pd.to_numeric(scenarios["target_year"], errors="coerce").dropna()})
    if "additional_jobs_central" in scenarios:
        return _summary_similar(ctx, scenarios, years)
    return ctx.render("summary_differential", sums=sums, years=years)


def _scenario_provenance(data: ReportData) -> dict[str, Any]:
    """What the run's scenarios recorded in run.json (empty when the run has none)."""
    entry = (data.metadata.get("analyses") or {}).get("scenarios") or {}
    return dict(entry) if isinstance(entry, Mapping) else {}


def _summary_similar(ctx: ReportContext, scenarios: pd.DataFrame, years: list[int]) -> Markup:
    """The headline of the similar-comparator scenarios: direct and indirect apart, low-central-high, hit rates."""
    data = ctx.data
    once = (
        pd.to_numeric(scenarios["count_once_factor"], errors="coerce").fillna(1.0)
        if "count_once_factor" in scenarios
        else pd.Series(1.0, index=scenarios.index)
    )
    sums: dict[str, float] = {}
    for v in ("low", "central", "high"):
        for key in (f"additional_jobs_{v}", f"indirect_jobs_{v}", f"additional_gva_{v}_gbp_m"):
            if key in scenarios:
                sums[key] = float((pd.to_numeric(scenarios[key], errors="coerce").fillna(0.0) * once).sum())
    sums["baseline_jobs"] = float((pd.to_numeric(scenarios["baseline_jobs"], errors="coerce") * once).sum())
    provenance = _scenario_provenance(data)
    scenario = provenance.get("scenario") or {}
    region_jobs = scenario.get("region_jobs") or data.totals.get("region_total_employment")
    rates = scenario.get("hit_rates") or {}
    hit = {v: (rates.get(v) or {}).get("pooled") for v in ("low", "central", "high")}
    percentiles = scenario.get("percentiles") or {
        v: float(scenarios[f"percentile_{v}"].iloc[0]) for v in ("low", "central", "high")
    }
    if not any(_finite(h) for h in hit.values()):
        backtest = data.table("scenario_backtest", RUN_TABLES["scenario_backtest"].columns)
        if backtest is not None:
            pooled = backtest[
                (backtest["universe"] == "pooled") & (backtest["test"] == "pre_covid") & (backtest["fold"] == "all")
            ].set_index("percentile")["hit_rate"]
            hit = {v: pooled.get(float(percentiles[v])) for v in hit}
    spread = data.table("scenario_region_range", RUN_TABLES["scenario_region_range"].columns)
    ranges = spread.set_index("scenario").to_dict("index") if spread is not None else {}
    warnings = provenance.get("warnings") or []
    basis = str(scenarios["price_basis"].iloc[0]) if "price_basis" in scenarios else ""
    return ctx.render(
        "summary_similar",
        sums=sums,
        years=years,
        region_jobs=float(region_jobs) if region_jobs is not None and _finite(region_jobs) else float("nan"),
        hit=hit,
        percentiles=percentiles,
        ranges=ranges,
        warnings=warnings,
        basis=basis,
        capped=[
            str(c)
            for c, flag in zip(scenarios["cluster"], scenarios.get("capped", [False] * len(scenarios)), strict=True)
            if str(flag).lower() in ("true", "1")
        ],
    )


def summary_fastest_outside_london(ctx: ReportContext) -> Markup | None:
    """The region's growth rank outside London under the baseline and each scenario, and the gap to the fastest."""
    data = ctx.data
    if data.is_us:
        return Markup("<p>Not applicable: the question is asked of GB regions.</p>")
    table = data.table("region_summary", RUN_TABLES["region_summary"].columns)
    if table is None:
        return None
    return ctx.render("summary_fastest", rows=table.to_dict("records"))


#: The executive summary's statements, in order; a builder returns None when its input is not in the run.
SUMMARY_ITEMS: list[Builder] = [
    Builder("top_clusters", "The top clusters", summary_top_clusters),
    Builder("share", "The clusters' share of the regional economy", summary_share),
    Builder(
        "differential_growth",
        "Headline differential growth",
        summary_differential_growth,
        "Not yet computed: the growth scenarios (baseline forecast and the above-forecast range to the target "
        "year) are not part of this run.",
    ),
    Builder(
        "fastest_outside_london",
        "What would make the region the fastest-growing outside London",
        summary_fastest_outside_london,
        "Not yet computed: this needs the growth scenarios of the region and every other region.",
    ),
]


# -- sections --------------------------------------------------------------------------------------------


def section_summary(ctx: ReportContext) -> Section:
    items = []
    for item in SUMMARY_ITEMS:
        body = item.build(ctx)
        if body is None and not item.missing:
            continue
        items.append({"title": item.title, "body": body, "missing": item.missing if body is None else ""})
    clusters = ctx.data.clusters
    growing = 0
    if ctx.data.has("growth_cagr") and "benchmark_growth_cagr" in clusters:
        growing = int((clusters["growth_cagr"] > clusters["benchmark_growth_cagr"]).sum())
    strong = int((pd.to_numeric(clusters["lq"], errors="coerce") >= 1).sum())
    return Section(
        "summary", "Executive summary", ctx.render("section_summary", items=items, strong=strong, growing=growing)
    )


def section_method(ctx: ReportContext) -> Section:
    data = ctx.data
    parameters = [(k, _parameter_text(v)) for k, v in data.parameters.items()]
    extra = [
        {"name": name, "spec": RUN_TABLES.get(name), "rows": len(frame)} for name, frame in sorted(data.tables.items())
    ]
    analyses = [
        {"name": name, "status": _analysis_status(entry)}
        for name, entry in (data.metadata.get("analyses") or {}).items()
    ]
    return Section(
        "method",
        "Method, data and provenance",
        ctx.render(
            "section_method", parameters=parameters, extra=extra, analyses=analyses, licences=_licences(data.inputs)
        ),
    )


def _analysis_status(entry: Any) -> str:
    """One line on what an analysis did: its status, method and scalar parameters (the rest is in run.json)."""
    if not isinstance(entry, Mapping):
        return str(entry)
    parts = [str(entry.get("status", ""))]
    method = entry.get("method")
    if isinstance(method, str):
        parts.append(method)
    parameters = entry.get("parameters")
    if isinstance(parameters, Mapping):
        scalars = [f"{k} {v}" for k, v in parameters.items() if isinstance(v, str | int | float) and len(str(v)) < 60]
        if scalars:
            parts.append("; ".join(scalars[:8]))
    return ". ".join(p.rstrip(".") for p in parts if p) + "."


def _parameter_text(value: Any) -> str:
    if value is None:
        return "–"
    if isinstance(value, list | tuple):
        return ", ".join(str(v) for v in value) or "–"
    return str(value)


def _licences(inputs: Sequence[Mapping[str, Any]]) -> list[str]:
    notices = []
    for licence in dict.fromkeys(str(i.get("licence", "")) for i in inputs):
        if "Open Government Licence" in licence:
            notices.append("Contains public sector information licensed under the Open Government Licence v3.0.")
        elif licence:
            notices.append(f"Licence: {licence}.")
    return notices


def _lq_bar(ctx: ReportContext) -> Chart:
    data = ctx.data
    ranked = data.clusters.sort_values("lq", ascending=False, na_position="last")
    labels = [str(c) for c in ranked["cluster"]]
    lq = [float(v) for v in pd.to_numeric(ranked["lq"], errors="coerce")]
    has_bounds = "lq_low" in ranked and "lq_high" in ranked and bool((ranked["lq_high"] > ranked["lq_low"]).any())
    return charts.bar_chart(
        "ranking-lq",
        labels,
        lq,
        title=f"Location quotient of each cluster, {data.region_name}, {data.year}",
        caption=(
            f"Clusters with a location quotient (LQ) of 1 or more (blue, hatched) are more concentrated in "
            f"{data.region_name} than in {data.benchmark_label}; the dashed line marks LQ = 1."
            + (
                " Whiskers and the bracketed range show the LQ under every true count the rounded and suppressed "
                "published cells allow."
                if has_bounds
                else ""
            )
        ),
        value_label="location quotient",
        highlight=[v >= 1 for v in lq],
        highlight_name="LQ ≥ 1",
        other_name="LQ < 1",
        reference=1.0,
        reference_label="LQ = 1",
        low=[float(v) for v in ranked["lq_low"]] if has_bounds else None,
        high=[float(v) for v in ranked["lq_high"]] if has_bounds else None,
        table_columns=["Cluster", "Location quotient"]
        + (["Range under rounding and suppression"] if has_bounds else [])
        + ["Group"],
        bar_px=24 if len(labels) <= 20 else 18,
    )


def section_ranking(ctx: ReportContext) -> Section:
    data = ctx.data
    columns = _ranking_columns(data)
    rows = data.clusters.sort_values("lq", ascending=False, na_position="last").to_dict("records")
    return Section(
        "ranking",
        "Cluster ranking",
        ctx.render("section_ranking", columns=columns, rows=rows, lq_chart=ctx.chart(_lq_bar(ctx))),
    )


@dataclass(frozen=True)
class _Column:
    key: str
    label: str
    kind: str  # link | text | int | dec2 | pct | pct2 | signed | bool
    sort_text: bool = False


def _ranking_columns(data: ReportData) -> list[_Column]:
    cols = [
        _Column("cluster", "Cluster", "link", True),
        _Column("employment", f"Jobs {data.year}", "int"),
        _Column("employment_share", "Share of region", "pct"),
        _Column("lq", "LQ", "dec2"),
        _Column("lq_rank", f"LQ rank of {num(data.clusters['n_regions'].max(), '.0f')}", "int"),
    ]
    if data.has("growth_cagr"):
        cols += [
            _Column("growth_cagr", "Growth a year, region", "pct2"),
            # Named for what it is: "GB", "US", "peers" or the larger area's code (TLG), not just "benchmark".
            _Column(
                "benchmark_growth_cagr",
                f"Growth a year, {data.parameters.get('benchmark_short') or 'benchmark'}",
                "pct2",
            ),
        ]
    if data.has("shift_share_competitive"):
        cols.append(_Column("shift_share_competitive", "Competitive effect (jobs)", "signed"))
    cols += [
        _Column("strong_cluster", "Strong (CMP rule)", "bool"),
        _Column("stars", "Stars (ECO)", "int"),
    ]
    if data.has("gva_per_job_gbp"):
        cols.append(_Column("gva_per_job_gbp", "GVA per job (£)", "int"))
    cols.append(_Column("confidence", "Definition confidence", "text", True))
    return cols


def _positions(column: pd.Series) -> dict[Any, np.ndarray]:
    """The positions of the rows holding each value of *column*, in order (missing values hold none)."""
    indices: dict[Any, np.ndarray] = column.groupby(column.to_numpy(), sort=False, dropna=True).indices  # type: ignore[assignment]
    return dict(indices)


def _pair_positions(frame: pd.DataFrame, first: str, second: str) -> dict[tuple[Any, Any], np.ndarray]:
    """The positions of the rows holding each pair of values of *first* and *second*, in order (a row missing
    either holds none)."""
    keys = [frame[first].to_numpy(), frame[second].to_numpy()]
    indices: dict[tuple[Any, Any], np.ndarray] = frame.groupby(keys, sort=False, dropna=True).indices  # type: ignore[assignment]
    return dict(indices)


def _by_cluster(frame: pd.DataFrame, column: str, cluster_ids: Iterable[str]) -> list[float]:
    values = _cluster_values(frame, column)
    return [float(values.get(c, float("nan"))) for c in cluster_ids]


def _cluster_values(frame: pd.DataFrame, column: str) -> pd.Series:
    """*column* of *frame* as numbers, by ``cluster_id`` (the first row of each)."""
    keyed = frame.drop_duplicates("cluster_id").set_index("cluster_id")[column]
    return pd.to_numeric(keyed, errors="coerce")


def _growth_potential(data: ReportData) -> tuple[list[float], str, str, str] | None:
    """The y of the plan chart: differential growth when the run has scenarios, else past growth."""
    ids = [str(c) for c in data.clusters["cluster_id"]]
    priorities = data.table("priorities", (*RUN_TABLES["priorities"].columns, "growth_potential"))
    scenarios = data.table("scenarios", RUN_TABLES["scenarios"].columns)
    year = num(pd.to_numeric(scenarios["target_year"], errors="coerce").max(), ".0f") if scenarios is not None else ""
    central = scenarios is not None and "additional_jobs_central" in scenarios
    if priorities is not None:
        return (
            _by_cluster(priorities, "growth_potential", ids),
            f"differential growth to {year}, % of baseline jobs".replace(" to ,", ","),
            ".0f",
            "the additional jobs of the "
            + ("central scenario" if central else "scenario (midpoint of low and high)")
            + " as a share of the baseline",
        )
    if scenarios is not None:
        middle = (
            scenarios["additional_jobs_central"]
            if central
            else (scenarios["additional_jobs_low"] + scenarios["additional_jobs_high"]) / 2
        )
        frame = scenarios.assign(
            potential=middle / scenarios["baseline_jobs"].where(scenarios["baseline_jobs"] > 0) * 100
        )
        return (
            _by_cluster(frame, "potential", ids),
            f"differential growth to {year}, % of baseline jobs",
            ".0f",
            "the additional jobs of the "
            + ("central scenario" if central else "scenario (midpoint of low and high)")
            + " as a share of the baseline",
        )
    if not data.has("growth_cagr"):
        return None
    difference = pd.to_numeric(data.clusters["growth_cagr"], errors="coerce") - pd.to_numeric(
        data.clusters["benchmark_growth_cagr"], errors="coerce"
    )
    return (
        [float(v) * 100 for v in difference],
        f"growth above the benchmark, {data.base_year}–{data.year} (points a year)",
        "+.2f",
        "past growth against the benchmark, as the growth scenarios are not part of this run",
    )


def _pay(data: ReportData) -> tuple[list[float] | None, str]:
    """Bubble colour: compensation per job from the priorities table, else GVA per job."""
    ids = [str(c) for c in data.clusters["cluster_id"]]
    priorities = data.table("priorities", ("cluster_id", "pay"))
    if priorities is not None:
        return _by_cluster(priorities, "pay", ids), "pay: compensation per job (£)"
    if data.has("gva_per_job_gbp"):
        return [float(v) for v in pd.to_numeric(data.clusters["gva_per_job_gbp"], errors="coerce")], "GVA per job (£)"
    return None, ""


def section_plan_chart(ctx: ReportContext) -> Section:
    data = ctx.data
    potential = _growth_potential(data)
    chart = None
    if potential is not None:
        y, y_label, y_fmt, basis = potential
        pay, pay_label = _pay(data)
        chart = charts.bubble_chart(
            "plan-chart",
            [str(c) for c in data.clusters["cluster"]],
            [float(v) for v in pd.to_numeric(data.clusters["lq"], errors="coerce")],
            y,
            [float(v) for v in pd.to_numeric(data.clusters["employment"], errors="coerce")],
            pay,
            title=f"Growth potential against regional strength, {data.region_name}",
            caption=(
                f"Each bubble is a cluster: to the right of the dashed line (LQ = 1) it is more concentrated here "
                f"than in {data.benchmark_label}; the higher, the more growth potential ({basis}). Bubble area is "
                f"employment in {data.year}"
                + (f"; colour is {pay_label} on the viridis scale." if pay else "; no pay data for this region.")
            ),
            x_label="location quotient (regional strength, log scale)",
            y_label=y_label,
            size_label=f"employment {data.year} (jobs)",
            colour_label=pay_label,
            y_fmt=y_fmt,
            y_reference=0.0,
        )
    return Section("strength-growth", "Strength against growth potential", ctx.render("section_plan", chart=chart))


def _lq_values(ctx: ReportContext, cluster_id: str) -> pd.DataFrame:
    """Every area's LQ in the cluster (``area_code``, ``area_name``, ``lq``), in the order of ``regions``."""
    if ctx.lq_by_cluster is None:
        # Split once: a US report asks for each of 51 clusters (45,000 rows compared each time otherwise).
        regions = ctx.data.regions
        rows = regions[["area_code", "area_name", "lq"]].assign(lq=pd.to_numeric(regions["lq"], errors="coerce"))
        ctx.lq_by_cluster = {str(k): g for k, g in rows.groupby(regions["cluster_id"], sort=False)}
        ctx.lq_by_cluster[""] = rows.iloc[:0]
    return ctx.lq_by_cluster.get(cluster_id, ctx.lq_by_cluster[""])


#: US reports map the region's strongest clusters only: 51 maps of some 900 CBSAs would make the report heavy.
US_MAPPED_CLUSTERS = 12


def section_maps(ctx: ReportContext) -> Section:
    data = ctx.data
    if data.is_us:
        # CBSA shapes (counties dissolved by the OMB delineation) of the contiguous states.
        key = _us_geojson(ctx)
        ranked = data.clusters.assign(_lq=pd.to_numeric(data.clusters["lq"], errors="coerce"))
        chosen = ranked.sort_values("_lq", ascending=False).head(US_MAPPED_CLUSTERS)
    else:
        key = ctx.geojson("itl2")
        chosen = data.clusters
    panels = []
    for cluster_id, name in zip(chosen["cluster_id"], chosen["cluster"], strict=True):
        values = _lq_values(ctx, cluster_id)
        panels.append((str(name), list(values["area_code"]), [float(v) for v in values["lq"]]))
    names = dict(zip(data.regions["area_code"].tolist(), data.regions["area_name"].fillna("").tolist(), strict=True))
    chart = charts.small_multiple_maps(
        "maps-overview",
        key,
        panels,
        {k: _area_label(k, v) for k, v in names.items()},
        focus=data.region_code,
        focus_name=data.region_name,
        title=(
            f"Location quotient of the region's {len(panels)} most specialised clusters in every "
            f"{_area_level(data)} area (contiguous states)"
            if data.is_us
            else f"Location quotient of each cluster in every {_area_level(data)} area"
        ),
        caption=(
            f"One map per cluster on the same scale: dark blue areas have a small share of the cluster "
            f"(LQ ≤ 0.25), yellow areas a large one (LQ ≥ 4); LQ = 1 is the middle grey. {data.region_name} "
            "is outlined in black. The table gives the region's LQ and rank for each cluster."
        ),
        # Great Britain is tall: three maps a row, each tall enough that an ITL2 area can be made out.
        columns=4 if data.is_us else 3,
        panel_height=230 if data.is_us else 380,
    )
    return Section(
        "maps",
        "Maps",
        ctx.render("section_maps", chart=chart, inside=_subregional_overview(ctx), hotspots=_hotspot_overview(ctx)),
    )


def _area_level(data: ReportData) -> str:
    return "US metropolitan and micropolitan" if data.is_us else "GB ITL2"


def _subregional_lq(rows: pd.DataFrame) -> tuple[pd.Series, str, bool]:
    """What the sub-regional maps show: the LQ against Great Britain when the table has it, else the value."""
    for column, label in (("lq_gb", "location quotient against Great Britain"), ("lq", "location quotient")):
        if column in rows.columns and pd.to_numeric(rows[column], errors="coerce").notna().any():
            return pd.to_numeric(rows[column], errors="coerce"), label, True
    unit = _unit_text(rows)
    return pd.to_numeric(rows["value"], errors="coerce"), unit, False


def _unit_text(rows: pd.DataFrame) -> str:
    unit = str(rows["unit"].iloc[0]) if "unit" in rows.columns and len(rows) else "value"
    return {"gbp_million": "GVA (£ million)", "jobs": "employment (jobs)"}.get(unit, unit)


def _subregional_overview(ctx: ReportContext) -> Markup | None:
    """Small maps of each cluster's LQ in the ITL3 areas inside the region (needs the sub-regional table)."""
    data = ctx.data
    table = data.table("subregions", RUN_TABLES["subregions"].columns)
    if table is None:
        return None
    codes = table["area_code"].astype(str)
    level = _boundary_level(codes)
    if level is None:
        return None
    values, label, is_lq = _subregional_lq(table)
    if not is_lq:
        return None
    key = ctx.geojson(level, sorted(set(codes)), tolerance=0.001)
    names = dict(zip(codes, table["area_name"].astype(str), strict=True))
    panels = []
    frame = table.assign(_value=values, _code=codes)
    for cluster_id, name in zip(data.clusters["cluster_id"], data.clusters["cluster"], strict=True):
        rows = frame[frame["cluster_id"] == cluster_id]
        if len(rows):
            panels.append((str(name), rows["_code"].tolist(), [float(v) for v in rows["_value"].tolist()]))
    if not panels:
        return None
    measure = _unit_text(table)
    chart = charts.small_multiple_maps(
        "maps-inside",
        key,
        panels,
        names,
        focus=None,
        focus_name=data.region_name,
        title=f"Each cluster's {label} in the {level.upper()} areas of {data.region_name}",
        caption=(
            f"One map per cluster, the same scale as the maps above, computed from {measure}: yellow areas have "
            "a large share of the cluster, dark blue a small one. The table gives the cluster's LQ in each area."
        ),
        table_by_area=True,
    )
    return ctx.chart(chart)


def _boundary_level(codes: pd.Series) -> str | None:
    """ITL3 (TLG31), ITL2 (TLG3) or local authority (E08000025) boundaries for a set of area codes."""
    codes = codes.astype(str)
    if codes.str.fullmatch(r"TL[A-Z]\d\d").all():
        return "itl3"
    if codes.str.fullmatch(r"TL[A-Z]\d").all():
        return "itl2"
    if codes.str.fullmatch(r"[EWSN]\d{8}").all():
        return "lad"
    return None


def section_priorities(ctx: ReportContext) -> Section | None:
    table = ctx.data.table("priorities", RUN_TABLES["priorities"].columns)
    if table is None:
        return None
    ordered = table.sort_values("rank")
    # The criteria, the score and its stability; the rank percentiles stay in the workbook and priorities.csv.
    hidden = {"cluster_id", "employment", "missing_criteria", "top_n_share", "rank_median", "rank_p5", "rank_p95"}
    shown = [c for c in ordered.columns if not c.endswith("_normalised") and c not in hidden]
    if {"rank_best", "rank_worst"} <= set(shown):
        ordered = ordered.assign(
            rank_range=[f"{b:.0f}–{w:.0f}" for b, w in zip(ordered["rank_best"], ordered["rank_worst"], strict=True)]
        )
        shown = [c for c in shown if c not in ("rank_best", "rank_worst")] + ["rank_range"]
    columns = [_SCORECARD_LABELS.get(c) or column_label(c) for c in shown]
    formats = [_column_format(c)[1] for c in shown]
    rows = [
        [_formatted(v, f) for v, f in zip(record, formats, strict=True)]
        for record in ordered[shown].itertuples(index=False)
    ]
    return Section(
        "priorities",
        "Priorities",
        ctx.render(
            "section_table",
            intro=(
                "The scorecard of this run, best first: each criterion's value in its unit (in the column heading), "
                "the weighted score (0-1) and rank, and how often the cluster keeps its rank when the weights are "
                "varied at random."
            ),
            columns=columns,
            rows=rows,
            table_class="scorecard",
        ),
    )


#: Short headings of the report's scorecard, each with its unit (the workbook spells them out in full).
_SCORECARD_LABELS = {
    "employment": "Jobs",
    "comparative_advantage": "Comparative advantage (LQ)",
    "cluster_strength": "Strength (points, 0–4)",
    "scale": "Scale (% of the region's jobs)",
    "growth_potential": "Growth potential (% above baseline jobs)",
    "productivity": "GVA per job (£)",
    "pay": "Pay per job (£ a year)",
    "supply_chain": "Supply chain (Type I jobs multiplier)",
    "feasibility": "Feasibility (density, 0–1)",
    "score": "Score (0–1)",
    "rank": "Rank (1 = first)",
    "rank_kept_share": "Keeps its rank (% of weight draws)",
    "rank_range": "Rank range over weight draws",
}


#: Python format of each Excel number format the workbook uses: the report shows a column as the workbook does.
_EXCEL_TO_PYTHON = {
    "0": ",.0f",
    "#,##0": ",.0f",
    "0.0": ",.1f",
    "#,##0.0": ",.1f",
    "0.00": ",.2f",
    "#,##0.00": ",.2f",
    "0.000": ".3f",
    "+0;-0;0": "+.0f",
}


def _formatted(value: Any, excel_format: str | None) -> str:
    """One cell in its column's format: the same decimals all the way down, percentages as percentages."""
    if isinstance(value, bool) or not isinstance(value, int | float) or excel_format is None:
        return _cell(value)
    if not _finite(value):
        return "–"
    if excel_format.endswith("%"):
        decimals = len(excel_format.split(".")[1]) - 1 if "." in excel_format else 0
        return num(float(value) * 100, f".{decimals}f") + "%"
    spec = _EXCEL_TO_PYTHON.get(excel_format)
    return num(value, spec) if spec else _cell(value)


def _cell(value: Any) -> str:
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int | float):
        if not _finite(value):
            return "–"
        return num(value, ",.0f") if abs(float(value)) >= 100 else num(value, ".3g")
    return "" if value is None else str(value)


def section_opportunities(ctx: ReportContext) -> Section | None:
    data = ctx.data
    industries = data.table("opportunities", RUN_TABLES["opportunities"].columns)
    clusters = data.table("cluster_opportunities", RUN_TABLES["cluster_opportunities"].columns)
    if industries is None and clusters is None:
        return None
    parts = []
    if clusters is not None:
        names = [str(n) for n in (clusters["cluster_name"] if "cluster_name" in clusters else clusters["cluster_id"])]
        parts.append(
            ctx.chart(
                _opportunity_scatter(
                    "opportunities-clusters",
                    names,
                    clusters,
                    title=f"The clusters by feasibility and attractiveness, {data.region_name}",
                    what="cluster",
                    label_top=len(names),
                )
            )
        )
    candidates: list[dict[str, Any]] = []
    absent: list[dict[str, Any]] = []
    if industries is not None:
        parts.append(
            ctx.chart(
                _opportunity_scatter(
                    "opportunities-industries",
                    _industry_labels(industries),
                    industries,
                    title=f"Every industry by feasibility and attractiveness, {data.region_name}",
                    what="industry",
                    label_top=0,
                )
            )
        )
        candidates = _candidates(industries, "nascent_candidate")
        absent = _candidates(industries, "absent_candidate")
    return Section(
        "opportunities",
        "Growth opportunities",
        ctx.render(
            "section_opportunities",
            charts=parts,
            candidates=candidates,
            absent=absent,
            method=ATTRACTIVENESS_METHOD,
            analysis=(data.metadata.get("analyses") or {}).get("opportunities", {}).get("parameters") or {},
        ),
    )


def _candidates(industries: pd.DataFrame, flag: str, top: int = 15) -> list[dict[str, Any]]:
    """The flagged industries, best first (the opportunities table is already ordered, ties broken)."""
    if flag not in industries.columns:
        return []
    flagged = industries[industries[flag].astype(str).str.lower().isin(["true", "1"])]
    return [{str(k): v for k, v in r.items()} for r in flagged.head(top).to_dict("records")]


def _industry_labels(table: pd.DataFrame) -> list[str]:
    return [f"{n} ({c})" for c, n in zip(table["industry_code"].tolist(), table["industry_name"].tolist(), strict=True)]


def _opportunity_scatter(
    chart_id: str, labels: list[str], table: pd.DataFrame, *, title: str, what: str, label_top: int = 10
) -> Chart:
    groups = [str(g) for g in table["quadrant"]] if "quadrant" in table.columns else None
    return charts.scatter_chart(
        chart_id,
        labels,
        [float(v) for v in pd.to_numeric(table["feasibility"], errors="coerce")],
        [float(v) for v in pd.to_numeric(table["attractiveness"], errors="coerce")],
        title=title,
        caption=(
            f"Each point is {'a' if what == 'cluster' else 'an'} {what}: further right, the region already has "
            "more of the related activity (feasibility, the percentile of relatedness density); higher, it is "
            "more attractive (the percentile of an index of complexity, productivity and national growth). "
            "Quadrants split at the medians; each has its own colour and marker shape."
            + (
                " Every point is labelled."
                if len(labels) <= min(label_top, charts.MAX_LABELS)
                else f" The {min(label_top, charts.MAX_LABELS)} highest on both are labelled; the data table lists "
                "the best."
                if label_top
                else " The data table lists the best."
            )
        ),
        x_label="feasibility (percentile)",
        y_label="attractiveness (percentile)",
        groups=groups,
        label_top=label_top,
        fmt=".0f",
        reference=(50.0, 50.0),
        axis_range=(-4.0, 104.0),
    )


def section_profiles(ctx: ReportContext) -> Section:
    data = ctx.data
    definitions = data.definitions.set_index("cluster_id") if len(data.definitions) else None
    articles = []
    missing: dict[str, str] = {}
    produced: set[str] = set()
    for cluster_id in data.clusters["cluster_id"]:
        parts = []
        for part in CLUSTER_PARTS:
            body = part.build(ctx, cluster_id)
            if body is None:
                if part.missing:
                    missing.setdefault(part.name, f"{part.title}: {part.missing}")
                continue
            produced.add(part.name)
            title = part.us_title if data.is_us and part.us_title else part.title
            parts.append({"name": part.name, "title": title, "body": body})
        definition = (
            definitions.loc[cluster_id].to_dict() if definitions is not None and cluster_id in definitions.index else {}
        )
        articles.append(
            {
                "id": "cluster-" + _safe_id(cluster_id),
                "row": data.cluster_row(cluster_id),
                "definition": definition,
                "parts": parts,
            }
        )
    notes = [text for name, text in missing.items() if name not in produced]
    return Section("profiles", "Cluster profiles", ctx.render("section_profiles", articles=articles, notes=notes))


#: The page's sections, in order; a builder returns None when its input is not in the run.
SECTIONS: list[Builder] = [
    Builder("summary", "Executive summary", section_summary),
    Builder("method", "Method, data and provenance", section_method),
    Builder("ranking", "Cluster ranking", section_ranking),
    Builder("plan_chart", "Strength against growth potential", section_plan_chart),
    Builder("priorities", "Priorities", section_priorities),
    Builder("maps", "Maps", section_maps),
    Builder("opportunities", "Growth opportunities", section_opportunities),
    Builder("profiles", "Cluster profiles", section_profiles),
]


# -- the parts of a cluster profile ----------------------------------------------------------------------


def part_size_trend(ctx: ReportContext, cluster_id: str) -> Markup:
    data = ctx.data
    row = data.cluster_row(cluster_id)
    trend = ctx.rows(data.trend, "cluster_id", cluster_id).sort_values("year")
    chart = None
    years = [int(y) for y in trend["year"]]
    if len(years) > 1:
        region = pd.to_numeric(trend["employment"], errors="coerce").to_numpy(dtype=float)
        bench = pd.to_numeric(trend["benchmark_employment"], errors="coerce").to_numpy(dtype=float)
        series, raw = {}, {}
        if region[0] and math.isfinite(region[0]):
            series[data.region_name] = list(region / region[0] * 100)
            raw[data.region_name] = list(region)
        if bench[0] and math.isfinite(bench[0]):
            series[data.benchmark_label] = list(bench / bench[0] * 100)
            raw[data.benchmark_label] = list(bench)
        if series:
            chart = charts.line_chart(
                f"trend-{_safe_id(cluster_id)}",
                years,
                series,
                title=f"{row.get('cluster')}: employment, {years[0]} = 100",
                caption=(
                    f"Employment in the cluster in {data.region_name} (solid line, circles) and in "
                    f"{data.benchmark_label} (dashed line, squares), each as an index with {years[0]} = 100; "
                    f"from {num(region[0])} to {num(region[-1])} jobs in the region."
                ),
                y_label=f"index, {years[0]} = 100",
                reference=100.0,
                raw=raw,
                raw_label="jobs",
            )
    return ctx.render("part_size_trend", row=row, chart=ctx.chart(chart))


def part_lq_regions(ctx: ReportContext, cluster_id: str) -> Markup | None:
    data = ctx.data
    row = data.cluster_row(cluster_id)
    values = _lq_values(ctx, cluster_id)
    if values.empty:
        return None
    name = str(row.get("cluster", cluster_id))
    codes = values["area_code"].tolist()
    labels = [_area_label(c, n) for c, n in zip(codes, values["area_name"].tolist(), strict=True)]
    lq = [float(v) for v in values["lq"].tolist()]
    focus_label = next((lab for lab, c in zip(labels, codes, strict=True) if c == data.region_code), data.region_code)
    safe = _safe_id(cluster_id)
    if data.is_us:
        key = ctx.names("us-area-labels", labels)
        chart = charts.rank_chart(
            f"lq-{safe}",
            labels,
            lq,
            focus_label,
            title=f"{name}: location quotient in every {_area_level(data)} area",
            caption=(
                f"Every area's LQ, highest first (log scale); {data.region_name} is the blue diamond, labelled. "
                "The Maps section maps the LQ of the region's most specialised clusters."
            ),
            value_label="location quotient",
            names=key,
            reference=1.0,
            focus_name=data.region_name,
        )
        return ctx.render("part_lq", row=row, map=None, bars=ctx.chart(chart))
    order = values.assign(label=labels).sort_values("lq", ascending=False, na_position="last")
    marked = [
        ("◆ " + lab if c == data.region_code else lab)
        for lab, c in zip(order["label"], order["area_code"], strict=True)
    ]
    bars = charts.bar_chart(
        f"lq-bars-{safe}",
        marked,
        [float(v) for v in order["lq"]],
        title=f"{name}: location quotient by area",
        caption=(
            f"Every {_area_level(data)} area's LQ, highest first; {data.region_name} is marked ◆ and drawn blue "
            "and hatched; the dashed line is LQ = 1."
        ),
        value_label="location quotient",
        highlight=[c == data.region_code for c in order["area_code"]],
        highlight_name=f"{data.region_name} (focus)",
        other_name="other areas",
        reference=1.0,
        reference_label="LQ = 1",
        table_columns=["Area", "Location quotient", "Group"],
        bar_px=19 if len(marked) > 20 else 24,
    )
    bars.table = None  # the map's table lists the same areas with their codes
    key = ctx.geojson("itl2")
    area_map = charts.choropleth_map(
        f"lq-map-{safe}",
        key,
        list(values["area_code"]),
        labels,
        lq,
        focus=data.region_code,
        focus_name=data.region_name,
        title=f"{name}: location quotient across {data.benchmark_label}",
        caption=(
            f"Cividis colour scale on a log scale (LQ 1 in the middle, grey); {data.region_name} outlined in black "
            "and labelled. The bar chart beside it shows the same values in order."
        ),
        focus_point=charts.feature_centroid(ctx.shared[key], data.region_code),
        height=620,
    )
    return ctx.render("part_lq", row=row, map=ctx.chart(area_map), bars=ctx.chart(bars))


def part_shift_share(ctx: ReportContext, cluster_id: str) -> Markup | None:
    data = ctx.data
    row = data.cluster_row(cluster_id)
    keys = ["shift_share_national_share", "shift_share_industry_mix", "shift_share_competitive"]
    if not all(_finite(row.get(k)) for k in keys):
        return None
    chart = charts.waterfall_chart(
        f"shift-share-{_safe_id(cluster_id)}",
        ["National growth", "Industry mix", "Regional competitiveness"],
        [float(row[k]) for k in keys],
        total_label="Actual change",
        title=f"{row.get('cluster')}: shift-share, {data.base_year}–{data.year}",
        caption=(
            "The change in the cluster's jobs in the region split into what national growth alone would have "
            "given, the cluster's industries growing faster or slower than the economy (industry mix), and the "
            "region doing better or worse than the benchmark in the same industries (regional competitiveness). "
            "Rises are blue, falls vermillion; each bar is labelled with its signed value."
        ),
        value_label="jobs",
    )
    return ctx.render("part_shift_share", row=row, chart=ctx.chart(chart))


def part_productivity(ctx: ReportContext, cluster_id: str) -> Markup | None:
    data = ctx.data
    row = data.cluster_row(cluster_id)
    if not (_finite(row.get("gva_per_job_gbp")) and _finite(row.get("relative_productivity"))):
        return None
    region, relative = float(row["gva_per_job_gbp"]), float(row["relative_productivity"])
    benchmark = region / relative if relative else float("nan")
    labels, values = [data.region_name, "Great Britain"], [region, benchmark]
    pay = None
    priorities = data.table("priorities", ("cluster_id", "pay"))
    if priorities is not None:
        pay = _by_cluster(priorities, "pay", [cluster_id])[0]
    chart = charts.bar_chart(
        f"productivity-{_safe_id(cluster_id)}",
        labels,
        values,
        title=f"{row.get('cluster')}: GVA per job, {data.year}",
        caption=(
            f"Gross value added per job in the cluster: £{num(region)} in {data.region_name}, "
            f"{num(relative, '.2f')} times the £{num(benchmark)} of Great Britain."
        ),
        value_label="GVA per job (£)",
        fmt=",.0f",
        highlight=[True, False],
        highlight_name=data.region_name,
        other_name="Great Britain",
        table_columns=["Area", "GVA per job (£)", "Group"],
    )
    return ctx.render("part_productivity", row=row, chart=ctx.chart(chart), pay=pay)


def part_supply_chain(ctx: ReportContext, cluster_id: str) -> Markup | None:
    data = ctx.data
    table = data.table("supply_chain", RUN_TABLES["supply_chain"].columns)
    if table is None:
        return None
    rows = ctx.rows(table, "cluster_id", cluster_id)
    if rows.empty:
        return None
    name = data.cluster_row(cluster_id).get("cluster", cluster_id)
    blocks = []
    # Each cluster's suppliers and customers: the table split by both once per report, not compared per cluster
    kept_table, pairs = ctx.kept(
        ("pair rows", id(table), "cluster_id", "relation"),
        lambda: (table, _pair_positions(table, "cluster_id", "relation")),
    )
    for relation, label in (("supplier", "main suppliers"), ("customer", "main customers")):
        found = pairs.get((cluster_id, relation)) if kept_table is table else None
        chosen = table.iloc[found] if found is not None else rows[rows["relation"] == relation]
        part = chosen.sort_values("share", ascending=False).head(10)
        if part.empty:
            continue
        chart = charts.bar_chart(
            f"{relation}-{_safe_id(cluster_id)}",
            [str(p)[:60] for p in part["partner_name"]],
            [float(v) * 100 for v in part["share"]],
            title=f"{name}: {label}",
            caption=(
                f"Share of the cluster's intermediate {'purchases from' if relation == 'supplier' else 'sales to'} "
                f"each industry (%), from the input-output model of {data.region_name}"
                + (" (BEA summary industries, regionalised with County Business Patterns)." if data.is_us else ".")
            ),
            value_label="share (%)",
            fmt=".1f",
            table_columns=["Industry", "Share (%)"],
        )
        for column, heading in (("flow_gbp_m", "Flow (£ million)"), ("flow_usd_m", "Flow ($ million)")):
            if column in part.columns and chart.table is not None:
                chart.table.columns.append(heading)
                for table_row, value in zip(chart.table.rows, part[column], strict=True):
                    table_row.append(num(value, ",.1f"))
        blocks.append(ctx.chart(chart))
    sourcing = data.table("input_sourcing", RUN_TABLES["input_sourcing"].columns)
    share = None
    if sourcing is not None:
        values = ctx.kept(
            ("cluster values", id(sourcing), "share_in_region"),
            lambda: (sourcing, _cluster_values(sourcing, "share_in_region")),
        )
        share = (
            float(values[1].get(cluster_id, float("nan")))
            if values[0] is sourcing
            else _by_cluster(sourcing, "share_in_region", [cluster_id])[0]
        )
    nation = ("US", "the rest of the US") if data.is_us else ("UK", "the rest of the UK")
    return ctx.render("part_supply_chain", charts=blocks, share=share, nation=nation) if blocks else None


def part_subregional(ctx: ReportContext, cluster_id: str) -> Markup | None:
    data = ctx.data
    table = data.table("subregions", RUN_TABLES["subregions"].columns)
    if table is None:
        return None
    rows = table[table["cluster_id"] == cluster_id]
    level = _boundary_level(rows["area_code"]) if len(rows) else None
    if rows.empty or level is None:
        return None
    values, label, is_lq = _subregional_lq(rows)
    codes = [str(c) for c in rows["area_code"]]
    key = ctx.geojson(level, sorted(set(table["area_code"].astype(str))), tolerance=0.001)
    name = data.cluster_row(cluster_id).get("cluster", cluster_id)
    measure = _unit_text(rows)
    chart = charts.choropleth_map(
        f"inside-{_safe_id(cluster_id)}",
        key,
        codes,
        [str(n) for n in rows["area_name"]],
        [float(v) for v in values],
        focus=None,
        focus_name=data.region_name,
        title=f"{name}: where it sits inside {data.region_name}",
        caption=(
            f"Each {level.upper()} area inside the region coloured by the cluster's {label}"
            + (" (log scale, LQ 1 grey in the middle)" if is_lq else "")
            + f", from {measure}. The table adds each area's share of the region's cluster."
        ),
        value_label=label if not is_lq else "location quotient",
        fmt=".2f" if is_lq else ",.1f",
        log_lq=is_lq,
        height=460,
        table_columns=["Area", "Code", "Location quotient" if is_lq else label],
    )
    if chart.table is not None:
        value = pd.to_numeric(rows["value"], errors="coerce")
        share = pd.to_numeric(rows["share_of_region"], errors="coerce") if "share_of_region" in rows else None
        lookup = {
            c: (v, s) for c, v, s in zip(codes, value, share if share is not None else [None] * len(codes), strict=True)
        }
        chart.table.columns += [measure[:1].upper() + measure[1:], "Share of the region's cluster"]
        for table_row in chart.table.rows:
            v, s = lookup.get(table_row[1], (None, None))
            table_row += [num(v, ",.1f"), pct(s)]
    shares = rows["share_of_region"] if "share_of_region" in rows.columns else pd.Series(float("nan"), index=rows.index)
    top = rows.assign(_share=pd.to_numeric(shares, errors="coerce")).sort_values("_share", ascending=False)
    return ctx.render("part_subregional", chart=ctx.chart(chart), top=top.head(3).to_dict("records"))


#: Order of the hotspot maps in a profile, and how each level is named.
_LEVEL_ORDER = {"itl2": 0, "itl3": 1, "lad": 2}
_LEVEL_NAMES = {"itl2": "ITL2", "itl3": "ITL3", "lad": "local authority", "cbsa": "CBSA"}
#: How many HH (and HL) areas a US hotspot summary names, strongest first.
_US_HOTSPOTS_NAMED = 10
#: Number format of each hotspot measure (shares are fractions, shown as percentages).
_HOTSPOT_FORMATS = {"lq": ".2f", "share": ".2%", "employment": ",.0f", "gva": ",.1f", "gva_per_job": ",.0f"}
_LISA_WORDS = {
    "HH": "high among high neighbours (HH)",
    "HL": "high among low neighbours (HL, an outlier)",
    "LH": "low among high neighbours (LH, an outlier)",
    "LL": "low among low neighbours (LL)",
}


def _hotspot_maps(table: pd.DataFrame) -> list[tuple[str, str, pd.DataFrame]]:
    """The (level, measure, rows) of each hotspot map in *table*, ITL2 first."""
    groups = [(str(level), str(measure), rows) for (level, measure), rows in table.groupby(["level", "measure"])]
    return sorted(groups, key=lambda g: (_LEVEL_ORDER.get(g[0], 9), g[1]))


def _hotspot_settings(data: ReportData, rows: pd.DataFrame) -> tuple[Any, Any]:
    """Permutations and false-discovery rate of a hotspot map: from its table, else from run.json."""
    entry = (data.metadata.get("analyses") or {}).get("hotspots") or {}
    parameters = entry.get("parameters") if isinstance(entry, Mapping) else None
    parameters = parameters if isinstance(parameters, Mapping) else {}
    first = rows.iloc[0]
    permutations = first["permutations"] if "permutations" in rows.columns else parameters.get("permutations")
    alpha = first["alpha"] if "alpha" in rows.columns else parameters.get("alpha", 0.05)
    return permutations, alpha


def _in_region(rows: pd.DataFrame, region_code: str) -> pd.Series:
    if "in_region" in rows.columns:
        return rows["in_region"].astype(str).str.lower().isin(["true", "1"])
    return rows["area_code"].astype(str) == region_code


def _hotspot_block(ctx: ReportContext, cluster_id: str, level: str, measure: str, rows: pd.DataFrame) -> dict[str, Any]:
    """One hotspot map of a cluster: the LISA map and what the page says about it."""
    data = ctx.data
    name = str(data.cluster_row(cluster_id).get("cluster", cluster_id))
    rows = rows.assign(
        _value=pd.to_numeric(rows["value"], errors="coerce"),
        _class=rows["lisa_class"].astype(str),
        _inside=_in_region(rows, data.region_code),
        _code=rows["area_code"].astype(str),
    )
    level_name = _LEVEL_NAMES.get(level, level.upper())
    label = str(rows["measure_label"].iloc[0]) if "measure_label" in rows.columns else measure.replace("_", " ")
    fmt = _HOTSPOT_FORMATS.get(measure, ".3g")
    year = num(rows["year"].iloc[0], ".0f") if "year" in rows.columns else data.year
    permutations, alpha = _hotspot_settings(data, rows)
    columns = _hotspot_columns(rows)
    if data.is_us:
        chart = _us_lisa_map(ctx, name, level, measure, rows, label, fmt, year, alpha, columns)
    else:
        chart = _gb_lisa_map(ctx, name, level, measure, rows, label, fmt, year, alpha, columns)
    return _hotspot_summary(ctx, chart, rows, label, level_name, year, permutations, alpha)


def _hotspot_columns(rows: pd.DataFrame) -> list[tuple[str, Sequence[str]]]:
    """The further columns of a hotspot map's table: FDR-adjusted local Moran p, Gi* z-score and result."""
    p_fdr = pd.to_numeric(rows["local_moran_p_fdr"], errors="coerce") if "local_moran_p_fdr" in rows else None
    gi_z = pd.to_numeric(rows["gi_star_z"], errors="coerce") if "gi_star_z" in rows else None
    columns: list[tuple[str, Sequence[str]]] = []
    if p_fdr is not None:
        columns.append(("Local Moran p, FDR-adjusted", [num(v, ".3f") for v in p_fdr]))
    if gi_z is not None:
        columns.append(("Gi* z-score", [num(v, "+.2f") for v in gi_z]))
    if "hotspot" in rows.columns:
        columns.append(("Gi* result", [str(v) for v in rows["hotspot"].tolist()]))
    return columns


def _significant_or_inside(rows: pd.DataFrame) -> list[bool] | None:
    """Which areas a long hotspot table lists: the significant ones (either test) and the focus region's."""
    significant = (rows["_class"] != "not significant") | (rows["hotspot"].astype(str) != "not significant")
    return (significant | rows["_inside"]).tolist() if len(rows) > 60 else None


def _gb_lisa_map(
    ctx: ReportContext,
    name: str,
    level: str,
    measure: str,
    rows: pd.DataFrame,
    label: str,
    fmt: str,
    year: str,
    alpha: Any,
    columns: list[tuple[str, Sequence[str]]],
) -> charts.Chart:
    """The LISA map of a cluster across GB areas (ITL2, ITL3 or local authorities)."""
    data = ctx.data
    key = ctx.geojson(level)
    level_name = _LEVEL_NAMES.get(level, level.upper())
    # The focus region is outlined on its own level's shapes: itself on the ITL2 map, around its areas on finer maps.
    focus_key = key if data.region_code in set(rows["_code"]) else ctx.geojson("itl2")
    focus = data.region_code if not data.is_us and ctx.centroid(focus_key, data.region_code) is not None else None
    names = [
        _area_label(c, n) + (" ◆" if inside and focus_key != key else "")
        for c, n, inside in zip(
            rows["_code"].tolist(), rows["area_name"].tolist(), rows["_inside"].tolist(), strict=True
        )
    ]
    mask = _significant_or_inside(rows)
    safe = _safe_id(str(rows["cluster_id"].iloc[0]))
    left_out = int(len(rows) - sum(mask)) if mask is not None else 0
    insets = _hotspot_insets(ctx, key, rows, focus_key if focus else None)
    chart = charts.lisa_map(
        f"hotspots-{level}-{measure}-{safe}",
        key,
        rows["_code"].tolist(),
        names,
        rows["_class"].tolist(),
        [float(v) for v in rows["_value"].tolist()],
        title=f"{name}: hotspots of its {label} across the GB {level_name} areas, {year}",
        caption=(
            f"Each {level_name} area of Great Britain by its local Moran (LISA) class at a false-discovery rate of "
            f"{_alpha_text(alpha)}: HH (vermillion) a high {label} among high neighbours, LL (dark blue) low among "
            "low, HL (orange) and LH (sky blue) outliers, light grey not significant. Significant areas have a dark "
            f"border and their class written on them; {data.region_name} is outlined in black"
            + (" and its own areas are marked ◆ in the table" if focus_key != key else "")
            + ". The legend counts the areas of each class."
            + (" Dotted boxes mark the areas enlarged beside the map." if insets else "")
            + " Northern Ireland is not part of the analysis."
        ),
        value_label=label,
        fmt=fmt,
        label_points=[
            ctx.centroid(key, c) if k != "not significant" else None
            for c, k in zip(rows["_code"].tolist(), rows["_class"].tolist(), strict=True)
        ],
        focus=focus,
        focus_name=data.region_name,
        focus_key=focus_key,
        focus_point=_label_point(ctx, focus_key, data.region_code, east=focus_key != key) if focus else None,
        insets=insets,
        bounds=_bounds(ctx, key, rows["_code"].tolist(), east=0.2),
        table_columns=columns,
        table_mask=mask,
        table_note=(
            f"The {left_out} other areas are not significant on either test; hotspots.csv and the workbook have "
            "every area."
        ),
        letter_size=10 if len(rows) <= 60 else 8,
    )
    return chart


def _us_lisa_map(
    ctx: ReportContext,
    name: str,
    level: str,
    measure: str,
    rows: pd.DataFrame,
    label: str,
    fmt: str,
    year: str,
    alpha: Any,
    columns: list[tuple[str, Sequence[str]]],
) -> charts.Chart:
    """The LISA map of a cluster across the CBSAs of the contiguous states, with the focus region's
    neighbourhood enlarged and lettered beside it (at national scale a metro is a few pixels)."""
    data = ctx.data
    key = _us_geojson(ctx)
    codes = rows["_code"].tolist()
    inside = set(rows.loc[rows["_inside"], "_code"])
    focus = data.region_code if ctx.centroid(key, data.region_code) is not None else None
    around = _bounds(ctx, key, sorted(inside) or codes)
    insets: list[charts.Inset] = []
    near: set[str] = set()
    if around is not None:
        west, east, south, north = around
        # The focus region and some 250 km around it: its neighbours and the nearest hotspots.
        middle_x, middle_y = (west + east) / 2, (south + north) / 2
        half_x, half_y = max((east - west) / 2, 0.5) + 3.0, max((north - south) / 2, 0.4) + 2.2
        box = (middle_x - half_x, middle_x + half_x, middle_y - half_y, middle_y + half_y)
        for code in codes:
            centre = ctx.centroid(key, code)
            if centre is not None and box[0] <= centre[0] <= box[1] and box[2] <= centre[1] <= box[3]:
                near.add(code)
        insets.append(charts.Inset(f"{data.region_name} and neighbours", sorted(near), box, focus=True))
    mask = _significant_or_inside(rows)
    left_out = int(len(rows) - sum(mask)) if mask is not None else 0
    weights = _hotspot_weights(data, level)
    return charts.lisa_map(
        f"hotspots-{level}-{measure}-{_safe_id(str(rows['cluster_id'].iloc[0]))}",
        key,
        codes,
        [
            _area_label(c, n) + (" ◆" if c in inside else "")
            for c, n in zip(rows["_code"].tolist(), rows["area_name"].tolist(), strict=True)
        ],
        rows["_class"].tolist(),
        [float(v) for v in rows["_value"].tolist()],
        title=f"{name}: hotspots of its {label} across US metropolitan and micropolitan areas, {year}",
        caption=(
            f"Each CBSA of the contiguous states by its local Moran (LISA) class at a false-discovery rate of "
            f"{_alpha_text(alpha)}"
            + (f" (neighbours: the {weights})" if weights else "")
            + f": HH (vermillion) a high {label} among high neighbours, LL (dark blue) low among low, HL (orange) "
            "and LH (sky blue) outliers, light grey not significant; significant areas have a dark border. "
            + (
                f"{data.region_name} is outlined in black" + (" and marked ◆ in the table" if inside else "")
                if focus
                else f"The {len(inside)} CBSAs of {data.region_name} are marked ◆ in the table"
            )
            + "; the box beside the map enlarges the region and its neighbours (dotted on the map), with the class "
            "written on each significant area. The legend counts the areas of each class. White space lies outside any "
            "metropolitan or micropolitan area; Alaska, Hawaii and Puerto Rico are not part of the analysis."
        ),
        value_label=label,
        fmt=fmt,
        label_points=[
            ctx.centroid(key, c) if k != "not significant" and c in near else None
            for c, k in zip(rows["_code"].tolist(), rows["_class"].tolist(), strict=True)
        ],
        focus=focus,
        focus_name=data.region_name,
        focus_point=None,  # named by the inset's title: a long CBSA title beside it would run off the map
        insets=insets,
        bounds=_west_margin(_bounds(ctx, key, codes), 0.3),
        table_columns=columns,
        table_mask=mask,
        table_note=(
            f"The {left_out} other areas are not significant on either test; hotspots.csv and the workbook have "
            "every area."
        ),
        letter_size=9,
        height=420,
    )


def _west_margin(
    bounds: tuple[float, float, float, float] | None, share: float
) -> tuple[float, float, float, float] | None:
    """*bounds* widened to the west by *share* of their width: room for the legend over the Pacific."""
    if bounds is None:
        return None
    west, east, south, north = bounds
    return (west - (east - west) * share, east, south, north)


def _us_geojson(ctx: ReportContext) -> str:
    """The CBSA shapes of the contiguous states (counties dissolved by the OMB delineation), once per report."""
    return ctx.geojson("cbsa", sorted(contiguous_cbsas()), tolerance=0.02)


def _hotspot_weights(data: ReportData, level: str) -> str:
    """How a hotspot map's neighbours were chosen, as run.json records it (empty when it does not)."""
    entry = (data.metadata.get("analyses") or {}).get("hotspots") or {}
    maps = entry.get("maps") if isinstance(entry, Mapping) else None
    for spec in maps if isinstance(maps, list) else []:
        if isinstance(spec, Mapping) and spec.get("level") == level and spec.get("weights"):
            return str(spec["weights"])
    return ""


def _hotspot_summary(
    ctx: ReportContext,
    chart: charts.Chart,
    rows: pd.DataFrame,
    label: str,
    level_name: str,
    year: str,
    permutations: Any,
    alpha: Any,
) -> dict[str, Any]:
    """What the page says about one hotspot map: Moran's I, the HH and HL areas, the focus region's class."""
    data = ctx.data
    hh = rows[rows["_class"] == "HH"].sort_values("_value", ascending=False)
    hl = rows[rows["_class"] == "HL"].sort_values("_value", ascending=False)
    inside = rows[rows["_inside"]]
    own = rows[rows["_code"] == data.region_code]
    first = rows.iloc[0]
    moran_p = float(first["moran_p"]) if _finite(first["moran_p"]) else float("nan")
    # Hundreds of US areas: name the strongest HH and HL areas, count the rest (the map's table lists them all).
    shown = _US_HOTSPOTS_NAMED if data.is_us else len(rows)
    return {
        "chart": ctx.chart(chart),
        "label": label,
        "level": level_name,
        "where": "US metropolitan and micropolitan areas (CBSAs) of the contiguous states"
        if data.is_us
        else f"GB {level_name} areas",
        "areas": len(rows),
        "hh_more": max(len(hh) - shown, 0),
        "hl_more": max(len(hl) - shown, 0),
        "year": year,
        "moran_i": first["moran_i"],
        "moran_p": moran_p,
        "clustered": _finite(moran_p) and _finite(alpha) and moran_p < float(alpha),
        "permutations": permutations,
        "alpha": _alpha_text(alpha),
        "hh": [_area_label(c, n) for c, n in zip(hh["_code"], hh["area_name"], strict=True)][:shown],
        "hl": [_area_label(c, n) for c, n in zip(hl["_code"], hl["area_name"], strict=True)][:shown],
        "own_class": _LISA_WORDS.get(str(own["_class"].iloc[0]), "not significant") if len(own) else None,
        "own_hotspot": str(own["hotspot"].iloc[0]) if len(own) and "hotspot" in own.columns else None,
        "inside": [
            {"name": _area_label(c, n), "class": k}
            for c, n, k in zip(inside["_code"], inside["area_name"], inside["_class"], strict=True)
            if k != "not significant"
        ]
        if len(own) == 0
        else [],
        "inside_count": len(inside) if len(own) == 0 else 0,
    }


def _label_point(ctx: ReportContext, key: str, code: str, *, east: bool = False) -> tuple[float, float] | None:
    """Where an area's name goes: its centroid, or its east edge (so the name does not cover smaller areas inside)."""
    centre = ctx.centroid(key, code)
    if centre is None or not east:
        return centre
    feature = next((f for f in ctx.shared[key]["features"] if f["properties"].get("code") == code), None)
    if feature is None:
        return centre
    lons = [point[0] for polygon in feature["geometry"]["coordinates"] for point in polygon[0]]
    return (max(lons), centre[1])


def _hotspot_insets(ctx: ReportContext, key: str, rows: pd.DataFrame, focus_key: str | None) -> list[charts.Inset]:
    """The insets of a hotspot map: on a map finer than the focus region's level, the region's own areas; and
    London's areas when any is significant (they are too small to letter at GB scale)."""
    data = ctx.data
    insets: list[charts.Inset] = []
    finer = focus_key is not None and focus_key != key
    if finer and focus_key is not None:
        own = list(rows.loc[rows["_inside"], "_code"])
        insets.append(
            charts.Inset(f"{data.region_name}, enlarged", own, _bounds(ctx, focus_key, [data.region_code]), focus=True)
        )
    london = [c for c in rows["_code"] if c.startswith("TLI")]
    lettered = rows["_code"].isin(london) & (rows["_class"] != "not significant")
    focus_in_london = focus_key is not None and data.region_code.startswith("TLI")
    if lettered.any() and not (finer and data.region_code.startswith("TLI")):
        insets.append(charts.Inset("London, enlarged", london, _bounds(ctx, key, london), focus=focus_in_london))
    return insets


def _bounds(
    ctx: ReportContext, key: str, codes: Sequence[str], *, east: float = 0.0
) -> tuple[float, float, float, float] | None:
    """West, east, south and north of some areas of a registered boundary set, with a margin of 4% (and *east*
    more of the width on the east, where the focus region's name is written)."""
    wanted = frozenset(codes)
    # A US report asks for the focus region's bounds on each of its 12 hotspot maps (every shape looked at).
    return ctx.kept(("bounds", key, wanted, east), lambda: _bounds_of(ctx.shared[key], wanted, east))


def _bounds_of(
    shapes: Mapping[str, Any], wanted: frozenset[str], east: float
) -> tuple[float, float, float, float] | None:
    points = [
        point
        for feature in shapes["features"]
        if feature["properties"].get("code") in wanted
        for polygon in feature["geometry"]["coordinates"]
        for point in polygon[0]
    ]
    if not points:
        return None
    lons, lats = [p[0] for p in points], [p[1] for p in points]
    pad_x, pad_y = (max(lons) - min(lons)) * 0.04, (max(lats) - min(lats)) * 0.04
    width = max(lons) - min(lons)
    return (min(lons) - pad_x, max(lons) + pad_x + width * east, min(lats) - pad_y, max(lats) + pad_y)


def _alpha_text(alpha: Any) -> str:
    return f"{float(alpha) * 100:g}%" if _finite(alpha) else "5%"


def part_hotspots(ctx: ReportContext, cluster_id: str) -> Markup | None:
    """Where the cluster concentrates across Great Britain (or the US CBSAs): a LISA map and Moran's I per hotspot
    map of the run."""
    data = ctx.data
    table = data.table("hotspots", RUN_TABLES["hotspots"].columns)
    if table is None:
        return None
    rows = ctx.rows(table, "cluster_id", cluster_id)
    if rows.empty:
        return None
    blocks = [_hotspot_block(ctx, cluster_id, level, measure, group) for level, measure, group in _hotspot_maps(rows)]
    return ctx.render("part_hotspots", blocks=blocks)


def _hotspot_overview(ctx: ReportContext) -> dict[str, Any] | None:
    """Per cluster, for each hotspot map: global Moran's I and p, the HH areas and those in the focus region."""
    data = ctx.data
    table = data.table("hotspots", RUN_TABLES["hotspots"].columns)
    if table is None:
        return None
    maps = _hotspot_maps(table)
    labels = [
        f"{str(rows['measure_label'].iloc[0]) if 'measure_label' in rows else measure}, "
        f"{_LEVEL_NAMES.get(level, level)} areas"
        for level, measure, rows in maps
    ]
    out = []
    for cluster_id, name in zip(data.clusters["cluster_id"], data.clusters["cluster"], strict=True):
        cells: list[dict[str, Any] | None] = []
        for _, _, rows in maps:
            group = ctx.rows(rows, "cluster_id", cluster_id)
            if group.empty:
                cells.append(None)
                continue
            classes = group["lisa_class"].astype(str)
            inside = _in_region(group, data.region_code)
            cells.append(
                {
                    "moran_i": group["moran_i"].iloc[0],
                    "moran_p": group["moran_p"].iloc[0],
                    "hh": int((classes == "HH").sum()),
                    "region_hh": int(((classes == "HH") & inside).sum()),
                    "region_areas": int(inside.sum()),
                }
            )
        if any(cells):
            out.append({"cluster_id": str(cluster_id), "cluster": name, "cells": cells})
    return {"maps": labels, "rows": out} if out else None


def _cluster_industries(ctx: ReportContext, cluster_id: str, industries: pd.DataFrame) -> np.ndarray:
    """Which industries (rows of *industries*) belong to a cluster: those whose ``industry_code`` is one of the
    definition's codes or starts with one of its prefixes (``5911`` → ``59111``).

    The codes' text is made once per report (a US report asks for each of 51 clusters), and each code is matched
    as ``str.startswith`` matches it (pandas' ``.str.startswith`` gives the same; a missing code matches none).
    """
    definitions = ctx.data.definitions
    match = ctx.rows(definitions, "cluster_id", cluster_id)
    nothing = np.zeros(len(industries), dtype=bool)
    if match.empty or not isinstance(match["codes"].iloc[0], str):
        return nothing
    prefixes = tuple(c.strip() for c in str(match["codes"].iloc[0]).split(",") if c.strip())
    if not prefixes:
        return nothing
    kept_table, texts = ctx.kept(
        ("industry code texts", id(industries)),
        lambda: (industries, industries["industry_code"].astype(str).tolist()),
    )
    if kept_table is not industries:  # another table at the same address
        texts = industries["industry_code"].astype(str).tolist()
    return np.fromiter((isinstance(t, str) and t.startswith(prefixes) for t in texts), dtype=bool, count=len(texts))


def part_opportunity(ctx: ReportContext, cluster_id: str) -> Markup | None:
    data = ctx.data
    industries = data.table("opportunities", RUN_TABLES["opportunities"].columns)
    if industries is None:
        return None
    inside = _cluster_industries(ctx, cluster_id, industries)
    if not inside.any():
        return None
    name = data.cluster_row(cluster_id).get("cluster", cluster_id)
    own = industries[inside]
    if "opportunities-x" not in ctx.shared:
        ctx.shared["opportunities-x"] = [charts.to_number(v) for v in industries["feasibility"]]
        ctx.shared["opportunities-y"] = [charts.to_number(v) for v in industries["attractiveness"]]
    chart = charts.scatter_chart(
        f"opportunity-{_safe_id(cluster_id)}",
        _industry_labels(own),
        [float(v) for v in pd.to_numeric(own["feasibility"], errors="coerce")],
        [float(v) for v in pd.to_numeric(own["attractiveness"], errors="coerce")],
        title=f"{name}: its industries among every industry's opportunities",
        caption=(
            f"The cluster's industries (blue circles, labelled) placed by feasibility (percentile of relatedness "
            f"density in {data.region_name}) and attractiveness (percentile), against every industry of the economy "
            "(grey squares). Dashed lines are the medians."
        ),
        x_label="feasibility (percentile)",
        y_label="attractiveness (percentile)",
        groups=[f"in {name}"] * len(own),
        label_top=len(own),
        fmt=".0f",
        reference=(50.0, 50.0),
        axis_range=(-4.0, 104.0),
        backdrop=("opportunities-x", "opportunities-y"),
        backdrop_name="every industry",
    )
    cluster_row = None
    clusters = data.table("cluster_opportunities", RUN_TABLES["cluster_opportunities"].columns)
    if clusters is not None:
        match = ctx.rows(clusters, "cluster_id", cluster_id)
        cluster_row = match.iloc[0].to_dict() if len(match) else None
    return ctx.render("part_opportunity", chart=ctx.chart(chart), c=cluster_row)


def _scenario_chart(
    cluster_id: str,
    name: str,
    r: Mapping[Any, Any],
    rows: Sequence[tuple[str, str]],
    *,
    draws_label: str,
    central: bool,
) -> Chart:
    """The low-high bars of a cluster's scenarios (with the central case, or the draws' median, as a diamond)."""
    labels, low, high, mid = [], [], [], []
    for key, label in rows:
        if _finite(r.get(f"{key}_low")) and _finite(r.get(f"{key}_high")):
            labels.append(label)
            low.append(float(r[f"{key}_low"]))
            high.append(float(r[f"{key}_high"]))
            mid.append(float(r.get(f"{key}_central", float("nan"))) if central else float("nan"))
    if _finite(r.get("additional_jobs_p5")) and _finite(r.get("additional_jobs_p95")):
        labels.append(draws_label)
        low.append(float(r["additional_jobs_p5"]))
        high.append(float(r["additional_jobs_p95"]))
        mid.append(float(r.get("additional_jobs_p50", float("nan"))))
    year = num(r.get("target_year"), ".0f")
    marked = any(_finite(m) for m in mid)
    what = "the central case (or the median of the draws)" if central else "the median of the resampled scenarios"
    return charts.dumbbell_chart(
        f"scenario-{_safe_id(cluster_id)}",
        labels,
        low,
        high,
        title=f"{name}: extra jobs above the baseline by {year}",
        caption=(
            f"Differential growth: jobs above the baseline forecast of {num(r.get('baseline_jobs'))} jobs in {year}. "
            "Each bar runs from the low to the high value" + (f"; the diamond is {what}" if marked else "") + "."
        ),
        value_label="extra jobs",
        point=mid if marked else None,
        point_label="central case" if central else "median of the resampled scenarios",
    )


def part_scenario(ctx: ReportContext, cluster_id: str) -> Markup | None:
    data = ctx.data
    table = data.table("scenarios", RUN_TABLES["scenarios"].columns)
    if table is None:
        return None
    rows = table[table["cluster_id"] == cluster_id]
    if rows.empty:
        return None
    r = rows.iloc[0].to_dict()
    name = data.cluster_row(cluster_id).get("cluster", cluster_id)
    if "additional_jobs_central" in r:
        return _part_scenario_similar(ctx, cluster_id, name, r)
    chart = _scenario_chart(
        cluster_id,
        name,
        r,
        (
            ("additional_jobs", "Direct: low to high scenario"),
            ("indirect_jobs", "Indirect (supply chain)"),
            ("induced_jobs", "Induced (household spending)"),
        ),
        draws_label="Direct: resampled 5% to 95%",
        central=False,
    )
    return ctx.render("part_scenario", r=r, chart=ctx.chart(chart))


def _part_scenario_similar(ctx: ReportContext, cluster_id: str, name: str, r: Mapping[Any, Any]) -> Markup:
    """A cluster's scenarios (similar method): low-central-high, its comparators kept and left out, and why."""
    chart = _scenario_chart(
        cluster_id,
        name,
        r,
        (("additional_jobs", "Direct: low to high, central marked"), ("indirect_jobs", "Indirect (supply chain)")),
        draws_label="Direct, central case: 5% to 95% of joint draws",
        central=True,
    )
    table = ctx.data.table("comparators", RUN_TABLES["comparators"].columns)
    kept: list[dict[Any, Any]] = []
    left_out: list[dict[Any, Any]] = []
    own: dict[Any, Any] | None = None
    if table is not None and "kept" in table:
        part = table[table["cluster_id"] == cluster_id].copy()
        part["kept"] = part["kept"].astype(str).str.lower().isin(["true", "1"])
        part["lq_start"] = pd.to_numeric(part["lq_start"], errors="coerce")
        kept = part[part["kept"]].sort_values("differential_growth", ascending=False).to_dict("records")
        # Specialised regions that were not kept (size band, jump, size): the others are simply not specialised.
        left_out = part[~part["kept"] & (part["role"] != "region") & (part["lq_start"] >= 1)].to_dict("records")
        mine = part[part["role"] == "region"]
        own = mine.iloc[0].to_dict() if len(mine) else None
    return ctx.render("part_scenario_similar", r=r, chart=ctx.chart(chart), kept=kept, left_out=left_out, own=own)


#: The parts of each cluster's profile, in order; a builder returns None when its input is not in the run.
CLUSTER_PARTS: list[Builder] = [
    Builder("size_trend", "Size and trend", part_size_trend),
    Builder("lq_regions", "Location quotient against every area", part_lq_regions),
    Builder("shift_share", "Shift-share", part_shift_share, "needs two years of data"),
    Builder(
        "productivity",
        "Productivity and pay",
        part_productivity,
        "GVA per job comes from ONS regional GVA, so it is for GB regions only",
    ),
    Builder(
        "supply_chain",
        "Supply chain: suppliers and customers",
        part_supply_chain,
        "not yet computed (the input-output model is not part of this run)",
    ),
    Builder(
        "subregional",
        "Where it sits inside the region",
        part_subregional,
        "not yet computed (the sub-regional breakdown is not part of this run)",
    ),
    Builder(
        "hotspots",
        "Hotspots across Great Britain",
        part_hotspots,
        "not yet computed (the hotspot analysis is not part of this run)",
        us_title="Hotspots across US metropolitan and micropolitan areas",
    ),
    Builder(
        "opportunity",
        "Opportunities",
        part_opportunity,
        "not yet computed (relatedness and opportunities are not part of this run)",
    ),
    Builder(
        "scenario",
        "Scenario: differential growth",
        part_scenario,
        "not yet computed (the growth scenarios are not part of this run)",
    ),
]


# -- rendering -------------------------------------------------------------------------------------------


def _template_text(name: str) -> str:
    return (files("clusterplan") / "report" / "templates" / name).read_text(encoding="utf-8")


@cache
def _environment() -> jinja2.Environment:
    # Jinja is imported here, not with this module: a run imports this module before it forks its second process,
    # and only the process that renders the report uses Jinja.
    import jinja2

    class _CompiledTemplates(jinja2.BytecodeCache):
        """The templates' compiled code kept in the results folder of this version of the code: compiling the report's
        two templates takes about 0.15 s of every run. Jinja checks each entry against its template's source; a
        missing, damaged or unwritable entry means compiling, as without it."""

        def __init__(self, folder: Path) -> None:
            self.folder = folder

        def _path(self, bucket: jinja2.bccache.Bucket) -> Path:
            return self.folder / f"template-{bucket.key}.jinja"

        def load_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
            try:
                with self._path(bucket).open("rb") as stored:
                    bucket.load_bytecode(stored)
            except OSError:
                pass

        def dump_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
            try:
                with replacing(self._path(bucket)) as part, part.open("wb") as stored:
                    bucket.write_bytecode(stored)
            except OSError:
                pass

    folder = code_folder()
    env = jinja2.Environment(
        loader=jinja2.FunctionLoader(_template_text),
        bytecode_cache=_CompiledTemplates(folder) if folder is not None else None,
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["num"] = num
    env.filters["pct"] = pct
    env.filters["sid"] = _safe_id
    env.filters["yesno"] = yes_no
    env.filters["sortkey"] = sort_key
    env.tests["finite"] = _finite
    return env


@cache
def _plotly_js() -> str:
    # Imported when a report is rendered: plotly is large, and most commands never draw a chart.
    from plotly.offline import get_plotlyjs

    script: str = get_plotlyjs()
    return script


def render_report(
    data: ReportData | ClusterProfile,
    metadata: Mapping[str, Any] | None = None,
    *,
    tables: Mapping[str, pd.DataFrame] | None = None,
) -> str:
    """Render ``report.html`` for a run.

    Parameters
    ----------
    data
        A :class:`ReportData` (e.g. from :func:`read_run_folder`) or a cluster profile.
    metadata, tables
        With a cluster profile: its ``run.json`` metadata and any further run tables.

    Returns
    -------
    str
        One HTML document with every script, style and map inline.
    """
    if isinstance(data, ClusterProfile):
        data = report_data(data, metadata, tables)
    return _keyed_report(data, _report_key(data))


def report_geography(parameters: Mapping[str, Any], region_code: str) -> str:
    """``us`` or ``uk``: the geography of a run's dataset (parameter ``dataset``), else of its region's code."""
    dataset = str(parameters.get("dataset", ""))
    if dataset in DATASET_PROFILES:
        return DATASET_PROFILES[dataset].geography
    return "us" if region_code.isdigit() else "uk"


def prepare_render(geography: str) -> None:
    """Load what a render of a *geography* report reads first: the page's templates (compiled once, kept with the
    code's cache) and the overview map's boundaries (kept in this process). A second process does it while the
    first gathers the run's tables, so that its render starts on the data."""
    for name in ("report_sections.html.j2", "report.html.j2"):
        _environment().get_template(name)
    _plotly_js()
    if geography == "us":
        charts.report_geojson("cbsa", sorted(contiguous_cbsas()), tolerance=0.02)
    else:
        charts.report_geojson("itl2", None, tolerance=0.01)


def _keyed_report(data: ReportData, key: str | None) -> str:
    """:func:`render_report` of *data* whose :func:`_report_key` is *key* (worked out once by a run, which also
    keys its workbook with it and looks for a kept report under it)."""
    if key is None:
        return _render(data, _plotly_js())
    # Kept on disk with a stand-in for the run's time and for plotly.js (3.6 MB, and of plotly's version, not
    # this code's); both go in after. Jinja writes the time as escape(value), so that is what replaces it.
    created = data.metadata.get("created_at", _MISSING_TIME)
    stamped = dataclasses.replace(data, metadata={**data.metadata, "created_at": _CREATED_AT})
    if created is _MISSING_TIME:
        stamped = data
    packed = kept_on_disk(("report.html", key), lambda: pack(_render(stamped, _PLOTLY_JS).encode()))
    return _unpacked(packed, created)


def kept_report(data: ReportData, key: str | None = None) -> str | None:
    """The ``report.html`` of *data* if an earlier run kept it (see :func:`render_report`), else None: nothing is
    rendered. *key*: :func:`_report_key` of *data*, when already worked out."""
    if key is None:
        key = _report_key(data)
    packed = on_disk(("report.html", key)) if key is not None else None
    return _unpacked(packed, data.metadata.get("created_at", _MISSING_TIME)) if packed is not None else None


def _unpacked(packed: bytes, created: Any) -> str:
    """A kept report with the run's time and plotly.js put in place of their stand-ins."""
    html = unpack(packed).decode()
    if created is not _MISSING_TIME:
        html = html.replace(_CREATED_AT, str(escape(created)))
    return html.replace(_PLOTLY_JS, _plotly_js(), 1)


#: Stand-ins in a report kept on disk (see :func:`render_report`): text no run table or page holds.
_CREATED_AT = "clusterplan-stand-in-created-at-7d1e5a"
_PLOTLY_JS = "clusterplan-stand-in-plotly-js-7d1e5a"
_MISSING_TIME = object()


def _report_key(data: ReportData, tables_key: str | None = None) -> str | None:
    """A digest of everything a report is made of besides the code and its package data (the folder it is kept
    in is this code's): the metadata but the run's time, the digest of its tables (:func:`tables_key`; given as
    *tables_key* when already worked out), and the versions of Jinja and MarkupSafe. None when some value has no
    stable text."""
    digest = hashlib.sha256()
    try:
        metadata = {k: v for k, v in data.metadata.items() if k != "created_at"}
        digest.update(json.dumps(metadata, sort_keys=True, default=repr).encode())
    except (TypeError, ValueError):
        return None
    for name in ("jinja2", "markupsafe"):
        digest.update(f"|{name}={importlib.metadata.version(name)}".encode())
    tables = tables_key if tables_key is not None else tables_key_of(data)
    if tables is None:
        return None
    digest.update(f"|tables={tables}".encode())
    return digest.hexdigest()


def run_frames(data: ReportData) -> dict[str, pd.DataFrame]:
    """Every table of a run by name, in the order of its files."""
    return {
        "clusters": data.clusters,
        "regions": data.regions,
        "trend": data.trend,
        "definitions": data.definitions,
        **data.tables,
    }


def tables_key_of(data: ReportData) -> str | None:
    """A digest of each table of *data* (:func:`digest_frames`, in :func:`run_frames` order); None when some
    value cannot be hashed. Part of the report's key (:func:`_report_key`) and the key of the run's CSV files."""
    digest = hashlib.sha256()
    try:
        digest_frames(digest, run_frames(data).items())
    except (TypeError, ValueError):
        return None
    return digest.hexdigest()


def digest_frames(digest: Any, frames: Iterable[tuple[str, pd.DataFrame]]) -> None:
    """Add each table's name, columns, dtypes, shape, index type and values to a hashlib digest; raises TypeError
    or ValueError when some value cannot be hashed.

    The values go in column by column: numbers and booleans as their bytes, Arrow-backed text as its Arrow
    buffers, the index and any other column as pandas' stable hashes (a US run's every-area table holds 1.5
    million cells: hashing text through pandas made a Python object of each).
    """
    for name, frame in frames:
        shape = (name, list(frame.columns), [str(t) for t in frame.dtypes], frame.shape, str(frame.index.dtype))
        digest.update(repr(shape).encode())
        if isinstance(frame.index, pd.RangeIndex):
            digest.update(repr(frame.index).encode())
        else:
            digest.update(pd.util.hash_pandas_object(frame.index, index=False).to_numpy().tobytes())
        for i in range(frame.shape[1]):
            _digest_column(digest, frame.iloc[:, i])


def _digest_column(digest: Any, column: pd.Series) -> None:
    """Add the values of *column* to a hashlib digest (see :func:`digest_frames`)."""
    dtype = column.dtype
    if isinstance(dtype, np.dtype) and dtype.kind in "biuf":
        digest.update(np.ascontiguousarray(column.to_numpy()).tobytes())
        return
    if isinstance(dtype, pd.StringDtype) and dtype.storage == "pyarrow":
        import pyarrow as pa

        array = pa.array(column.array)
        array = array.combine_chunks() if isinstance(array, pa.ChunkedArray) else array
        array = array.cast(pa.large_string())
        # Which values are missing, then each one's length and all their text (from its offsets, wherever the
        # array starts in its buffers)
        _, offsets, data = array.buffers()
        ends = np.frombuffer(offsets, dtype=np.int64)[array.offset : array.offset + len(array) + 1]
        digest.update(np.asarray(array.is_null()).tobytes())
        digest.update(np.diff(ends).tobytes())
        if data is not None and len(ends):
            digest.update(memoryview(data)[int(ends[0]) : int(ends[-1])])
        return
    digest.update(pd.util.hash_pandas_object(column, index=False).to_numpy().tobytes())


def _render(data: ReportData, plotly_js: str) -> str:
    ctx = ReportContext(data)
    sections = []
    for builder in SECTIONS:
        section = builder.build(ctx)
        if section is not None:
            sections.append(section)
    template = _environment().get_template("report.html.j2")
    return template.render(
        d=data,
        sections=sections,
        shared=Markup(charts.to_json(ctx.shared)),
        plotly_js=Markup(plotly_js),
        report_js=Markup(_template_text("report.js")),
        report_css=Markup(_template_text("report.css")),
        chart_count=ctx.chart_count,
    )
