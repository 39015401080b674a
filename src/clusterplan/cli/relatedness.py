"""``clusterplan complexity``, ``clusterplan opportunities`` and ``clusterplan related-clusters``.

* ``complexity --source us-cbp-2019|gb-bres-YYYY --level LEVEL --out DIR`` writes ``eci.csv`` (``area_code,
  area_name, eci, diversity``), ``pci.csv`` (``industry_code, industry_name, pci, ubiquity``), ``density.csv``
  (``area_code, industry_code, density, rca, presence``) and ``complexity.json`` (parameters, second eigenvalue,
  correlation with the method of reflections).
* ``opportunities --region CODE [--taxonomy NAME] --out DIR`` writes ``industries.csv``, ``clusters.csv``,
  ``nascent.csv`` and ``opportunities.json``.
* ``related-clusters --source SOURCE --taxonomy NAME --out FILE.csv`` writes one row per pair of clusters with
  ``cluster_a, cluster_b, colocation, io_link`` and the significance flags.

Bad input raises clusterplan errors, which the CLI's ``main`` prints as one line (exit code 2).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import click
import numpy as np

from .._exceptions import ParameterError, UnknownCodeError
from ..datasets import DATASET_PROFILES, INDUSTRY_LEVELS, levels_of
from ._common import open_warehouse, progress_printer, quiet_option, warehouse_option

__all__ = [
    "RELATEDNESS_COMMANDS",
    "SOURCE_DATASETS",
    "complexity_command",
    "opportunities_command",
    "related_clusters_command",
]

#: ``--source`` families: prefix -> (geography, default level, levels -> employment dataset).
SOURCE_DATASETS: dict[str, tuple[str, str, dict[str, str]]] = {
    family: (geography, INDUSTRY_LEVELS[geography][0], levels_of(geography))
    for family, geography in (("us-cbp", "us"), ("gb-bres", "uk"))
}
_SOURCE_YEARS = {
    family: DATASET_PROFILES[levels[default]].years for family, (_, default, levels) in SOURCE_DATASETS.items()
}


@dataclass(frozen=True)
class _Source:
    key: str
    family: str
    year: int
    level: str
    dataset: str


def _valid_sources() -> list[str]:
    return [f"{family}-{year}" for family, years in _SOURCE_YEARS.items() for year in years]


def _parse_source(source: str | None, level: str | None) -> _Source:
    if source is None:
        raise ParameterError("give --source: us-cbp-2019 or gb-bres-YYYY (2015-2021)")
    key = source.strip().lower()
    match = re.fullmatch(r"(us-cbp|gb-bres)-(\d{4})", key)
    if match is None or int(match.group(2)) not in _SOURCE_YEARS[match.group(1)]:
        raise UnknownCodeError("data source", source, _valid_sources())
    family, year = match.group(1), int(match.group(2))
    _, default_level, levels = SOURCE_DATASETS[family]
    chosen = (level or default_level).strip().lower()
    if chosen not in levels:
        raise UnknownCodeError(f"industry level for {key}", level or "", list(levels))
    return _Source(key, family, year, chosen, levels[chosen])


def _need(value: str | None, option: str, what: str) -> str:
    if value is None or not str(value).strip():
        raise ParameterError(f"give {option} {what}")
    return str(value)


def _out_dir(path: str) -> Path:
    out = Path(path)
    if out.exists() and not out.is_dir():
        raise ParameterError(f"--out {path} is a file; give a folder to write into")
    out.mkdir(parents=True, exist_ok=True)
    return out


def _json_default(value: Any) -> Any:
    if isinstance(value, np.generic):
        return value.item()
    return str(value)


# ---------------------------------------------------------------------------------------------------------------------
# complexity
# ---------------------------------------------------------------------------------------------------------------------


@click.command("complexity")
@click.option("--source", default=None, help="us-cbp-2019, or gb-bres-YYYY for a BRES year 2015-2021 (required).")
@click.option("--level", default=None, help="naics6 (default) to naics2 for US; sic5 (default) or sic2 for GB.")
@click.option("--threshold", type=float, default=1.0, show_default=True, help="RCA at which an industry is present.")
@click.option("--out", "out_dir", default=None, help="Folder for eci.csv, pci.csv, density.csv (required).")
@quiet_option()
@warehouse_option()
def complexity_command(
    source: str | None,
    level: str | None,
    threshold: float,
    out_dir: str | None,
    quiet: bool,
    warehouse_path: str | None,
) -> None:
    """Economic complexity (ECI, PCI) and relatedness density of every area and industry."""
    from ..pipeline.relatedness import industry_complexity

    spec = _parse_source(source, level)
    out = _out_dir(_need(out_dir, "--out", "DIR, the folder to write into"))
    say = progress_printer(quiet)
    say("opening the warehouse")
    with open_warehouse(warehouse_path, say) as warehouse:
        say(f"reading {spec.dataset} {spec.year} at {spec.level}")
        result = industry_complexity(warehouse, level=spec.level, year=spec.year, threshold=threshold, progress=say)
    eci, pci, density, seconds = result.eci, result.pci, result.density, result.seconds
    reflections = result.reflections_correlation
    say("writing outputs")
    eci.sort_values("eci", ascending=False).to_csv(out / "eci.csv", index=False, float_format="%.6g")
    pci.sort_values("pci", ascending=False).to_csv(out / "pci.csv", index=False, float_format="%.6g")
    density[["area_code", "industry_code", "density", "rca", "presence"]].to_csv(
        out / "density.csv", index=False, float_format="%.6g"
    )
    meta = {
        "source": spec.key,
        "dataset": spec.dataset,
        "year": spec.year,
        "level": spec.level,
        "presence_rule": f"RCA >= {threshold:g} (RCA against the sum of all areas)",
        "areas": result.areas,
        "industries": result.industries,
        "present_cells": result.present_cells,
        "second_eigenvalue": result.eigenvalue,
        "eci_correlation_with_reflections_18": reflections,
        "compute_seconds": round(seconds, 4),
        "method": "ECI/PCI: second eigenvector, sign fixed so ECI correlates positively with diversity; PCI "
        "standardised with ECI's mean and standard deviation (Growth Lab ecomplexity convention); density: "
        "minimum conditional probability proximity (Hidalgo et al. 2007), an industry not counting towards its own "
        "density (zero diagonal, as the Growth Lab's Stata ecomplexity)",
    }
    (out / "complexity.json").write_text(json.dumps(meta, indent=2, default=_json_default) + "\n", encoding="utf-8")
    top = eci.sort_values("eci", ascending=False).head(5)
    click.echo(
        f"{spec.key} {spec.level}: {meta['areas']} areas x {meta['industries']} industries, "
        f"computed in {seconds:.2f}s; ECI vs 18 reflections r = {reflections:.4f}"
    )
    for row in top.itertuples():
        click.echo(f"  {row.area_code}  {str(row.area_name)[:50]:50s}  ECI {row.eci:+.3f}")
    click.echo(f"wrote eci.csv, pci.csv, density.csv and complexity.json to {out}")


# ---------------------------------------------------------------------------------------------------------------------
# opportunities
# ---------------------------------------------------------------------------------------------------------------------


def _parse_weights(text: str | None) -> dict[str, float] | None:
    if text is None:
        return None
    weights: dict[str, float] = {}
    for part in text.split(","):
        name, sep, value = part.partition("=")
        try:
            weights[name.strip()] = float(value)
        except ValueError:
            sep = ""
        if not sep or not name.strip():
            raise ParameterError(
                f"--weights {text!r}: write name=number pairs separated by commas, e.g. pci=2,gva_per_job=1"
            ) from None
    known = {"pci", "gva_per_job", "national_growth", "outlook_gain"}
    unknown = sorted(set(weights) - known)
    if unknown:
        raise UnknownCodeError("attractiveness component", unknown[0], sorted(known))
    return weights


@click.command("opportunities")
@click.option("--region", default=None, help="A GB ITL2 area (TLG3, UKG3 or its name) or a US CBSA code (required).")
@click.option("--taxonomy", default=None, help="Clusters: a built-in name or a YAML/CSV file (default per country).")
@click.option("--level", default=None, help="sic5 (default) or sic2 for GB; naics6 (default) to naics2 for the US.")
@click.option("--year", type=int, default=None, help="Year (default: latest in the data).")
@click.option("--base-year", type=int, default=None, help="Start year of national growth (GB; default earliest).")
@click.option("--weights", default=None, help="Attractiveness weights, e.g. pci=1,gva_per_job=1,national_growth=1.")
@click.option("--top", type=int, default=25, show_default=True, help="Nascent candidates of each kind.")
@click.option(
    "--include-non-market",
    is_flag=True,
    help="Keep public administration, households as employers and other non-market activities (left out by default).",
)
@click.option(
    "--presence",
    type=click.Choice(["lower_bound", "expected"]),
    default="lower_bound",
    show_default=True,
    help="US: which employment makes an industry present (RCA >= 1) for complexity, density and outlook gain. "
    "lower_bound: published CBP cells plus only the jobs rebuilt withheld cells must hold, so the reconstruction "
    "creates no presence (ECI then rises with metro size, +0.94 with log employment); expected: the rebuilt cells' "
    "expected values (ECI -0.25 with log employment, New York 870th of 933).",
)
@click.option("--out", "out_dir", default=None, help="Folder for industries.csv, clusters.csv, nascent.csv (required).")
@quiet_option()
@warehouse_option()
def opportunities_command(
    region: str | None,
    taxonomy: str | None,
    level: str | None,
    year: int | None,
    base_year: int | None,
    weights: str | None,
    top: int,
    include_non_market: bool,
    presence: str,
    out_dir: str | None,
    quiet: bool,
    warehouse_path: str | None,
) -> None:
    """Growth opportunities of a region: feasibility against attractiveness, and nascent-cluster candidates."""
    from ..pipeline.relatedness import opportunities

    region_code = _need(region, "--region", "CODE (a GB ITL2 area such as TLG3 or a US CBSA such as 12060)")
    out = _out_dir(_need(out_dir, "--out", "DIR, the folder to write into"))
    if top < 1:
        raise ParameterError(f"--top must be at least 1, not {top}")
    chosen_weights = _parse_weights(weights)
    say = progress_printer(quiet)
    say("opening the warehouse")
    with open_warehouse(warehouse_path, say) as warehouse:
        say("computing relatedness, complexity and attractiveness")
        result = opportunities(
            warehouse,
            region_code,
            taxonomy=taxonomy,
            level=level,
            year=year,
            base_year=base_year,
            weights=chosen_weights,
            top=top,
            include_non_market=include_non_market,
            presence=presence,
        )
    say("writing outputs")
    result.industries.to_csv(out / "industries.csv", index=False, float_format="%.6g")
    if result.clusters is not None:
        result.clusters.to_csv(out / "clusters.csv", index=False, float_format="%.6g")
    else:
        (out / "clusters.csv").write_text("cluster_id,cluster_name\n", encoding="utf-8")
    result.nascent.to_csv(out / "nascent.csv", index=False, float_format="%.6g")
    meta = {"region": {"code": result.region_code, "name": result.region_name}, "parameters": result.parameters}
    (out / "opportunities.json").write_text(json.dumps(meta, indent=2, default=_json_default) + "\n", encoding="utf-8")
    params = result.parameters
    click.echo(
        f"{result.region_name} ({result.region_code}), {params['dataset']} {params['year']} at {params['level']}, "
        f"taxonomy {params['taxonomy']}"
    )
    click.echo(f"attractiveness: {params['attractiveness_method']}")
    click.echo(f"non-market activities: {params['non_market']}")
    click.echo(f"presence: {params['presence_rule']}")
    headings = {
        "cluster": "top nascent cluster candidates (present, RCA below 1):",
        "industry": "top nascent industry candidates (present, RCA below 1):",
        "absent industry": "top new activities (no jobs in the region yet):",
    }
    for kind, label in (
        ("cluster", "cluster_name"),
        ("industry", "industry_name"),
        ("absent industry", "industry_name"),
    ):
        rows = result.nascent[result.nascent["kind"] == kind].head(5)
        if len(rows):
            click.echo(headings[kind])
            for row in rows.to_dict("records"):
                name = row.get(label) if isinstance(row.get(label), str) else row.get("industry_code", "")
                click.echo(
                    f"  {int(row['rank']):2d}. {str(name)[:60]:60s} RCA {row['rca']:.2f}  "
                    f"feasibility {row['feasibility']:5.1f}  attractiveness {row['attractiveness']:5.1f}"
                )
    click.echo(f"wrote industries.csv, clusters.csv, nascent.csv and opportunities.json to {out}")


# ---------------------------------------------------------------------------------------------------------------------
# related-clusters
# ---------------------------------------------------------------------------------------------------------------------


@click.command("related-clusters")
@click.option("--source", default=None, help="us-cbp-2019, or gb-bres-YYYY for a BRES year 2015-2021 (required).")
@click.option("--taxonomy", default=None, help="Clusters: a built-in name or a YAML/CSV file (required).")
@click.option(
    "--percentile",
    type=float,
    default=90.0,
    show_default=True,
    help="A pair is significant when at or above this percentile of all pairs.",
)
@click.option(
    "--colocation",
    "measure",
    default=None,
    help=(
        "Co-location measure that flags related pairs: locational_correlation (correlation of cluster LQs across "
        "areas; default for the US Cluster Mapping taxonomies) or minimum_conditional_probability (default otherwise)."
    ),
)
@click.option("--out", "out_file", default=None, help="CSV file to write (required).")
@quiet_option()
@warehouse_option()
def related_clusters_command(
    source: str | None,
    taxonomy: str | None,
    percentile: float,
    measure: str | None,
    out_file: str | None,
    quiet: bool,
    warehouse_path: str | None,
) -> None:
    """Related clusters: co-location and input-output relatedness of every pair of clusters of a taxonomy."""
    from ..pipeline.relatedness import COLOCATION_MEASURES, related_clusters

    spec = _parse_source(source, None)
    tax = _need(taxonomy, "--taxonomy", "NAME (a built-in taxonomy or a YAML/CSV file)")
    out = Path(_need(out_file, "--out", "FILE.csv, the file to write"))
    if out.suffix.lower() != ".csv":
        raise ParameterError(f"--out {out_file}: the file must end in .csv")
    if out.exists() and out.is_dir():
        raise ParameterError(f"--out {out_file} is a folder; give a file name ending in .csv")
    if not 0 <= percentile <= 100:
        raise ParameterError(f"--percentile must be between 0 and 100, not {percentile:g}")
    if measure is not None and measure not in COLOCATION_MEASURES:
        raise UnknownCodeError("co-location measure (--colocation)", measure, list(COLOCATION_MEASURES))
    say = progress_printer(quiet)
    say("opening the warehouse")
    with open_warehouse(warehouse_path, say) as warehouse:
        say(f"relating the clusters of {tax} in {spec.dataset} {spec.year}")
        table = related_clusters(
            warehouse, tax, dataset=spec.dataset, year=spec.year, percentile=percentile, measure=measure
        )
    out.parent.mkdir(parents=True, exist_ok=True)
    table.to_csv(out, index=False, float_format="%.6g")
    related = table[table["related"]]
    chosen = table.attrs["colocation_measure"]
    column = COLOCATION_MEASURES[chosen]
    label = chosen.replace("_", " ")
    click.echo(
        f"{table.attrs['taxonomy']}: {len(table)} pairs of clusters, {len(related)} related "
        f"(top {100 - percentile:g}% on co-location by {label} >= {table.attrs['colocation_cutoff']:.3f} or "
        f"input-output link >= {table.attrs['io_link_cutoff']:.3f}; IO from {table.attrs['io_table']})"
    )
    for row in related.head(10).to_dict("records"):
        click.echo(
            f"  {str(row['cluster_a_name'])[:38]:38s} ~ {str(row['cluster_b_name'])[:38]:38s} "
            f"{label} {row[column]:.3f}  io {row['io_link']:.3f}"
        )
    click.echo(f"wrote {out}")


#: The three commands, registered on the ``clusterplan`` group by :mod:`clusterplan.cli.app`.
RELATEDNESS_COMMANDS = (complexity_command, opportunities_command, related_clusters_command)
