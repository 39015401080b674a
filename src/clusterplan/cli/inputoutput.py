"""``clusterplan io``: input-output multipliers, impacts, cluster linkages and supply-chain gaps.

Commands (each regionalises with the employment the warehouse holds: ``--warehouse FILE``, ``--engine spark``,
``--employment-dataset NAME`` for an import):

``clusterplan io multipliers [--region CODE] [--method flq --delta 0.3] [--type 1|2] --out FILE.csv``
    One row per IOAT industry: output multiplier, GVA / compensation /
    employment / import coefficients, effects and multipliers. Without
    ``--region`` the national (UK IOAT 2019) model, Type I by default.
``clusterplan io impact [--region CODE] --cluster NAME [--taxonomy NAME] --change 100 --unit gbp_m [--out FILE.csv]``
    Direct, indirect and induced output, GVA and jobs of a change in a
    cluster's (or with ``--industry``, one industry's) final demand, output or jobs.
``clusterplan io linkages [--taxonomy NAME] [--region CODE] --out FILE.csv``
    Cluster-to-cluster flows of intermediate inputs, with each cluster's main
    suppliers and customers and the share of its inputs bought in the region.
``clusterplan io gaps --region CODE [--taxonomy NAME] [--threshold 0.5] [--out FILE.csv]``
    Inputs the region's strong clusters (LQ >= 1) need but mostly import.
``clusterplan io sensitivity --region CODE [--deltas 0.1,0.2,0.3,0.4] --out FILE.csv``
    Regional multipliers for several values of Flegg's delta.

Bad input (unknown region, cluster, taxonomy, method or unit; delta outside
[0, 1)) raises a clusterplan error, which the CLI's ``main`` prints as one line
listing the valid choices, with exit code 2.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar, cast

import click
import pandas as pd

from .._exceptions import ParameterError
from ._common import engine_option, master_option, open_engine, warehouse_option, write_csv_or_parquet

__all__ = ["io_group"]

_FLOAT_FORMAT = "%.10g"

F = TypeVar("F", bound=Callable[..., Any])


def _say(message: str) -> None:
    click.echo(message, err=True)


def _say_building(region: str | None) -> None:
    _say("building the " + (f"regional model of {region}" if region else "national model"))


def _write(table: pd.DataFrame, out: str) -> Path:
    """:func:`write_csv_or_parquet` with the CSV numbers to 10 significant digits."""
    return write_csv_or_parquet(table, out, float_format=_FLOAT_FORMAT)


@dataclass(frozen=True)
class _Reading:
    """Where a command reads employment: ``--warehouse``, ``--engine``, ``--master`` and ``--employment-dataset``."""

    warehouse_path: str | None
    engine: str
    master: str
    employment_dataset: str

    def open(self) -> Any:
        return open_engine(self.engine, self.warehouse_path, self.master, _say)


def _reading(command: F) -> F:
    """The options of :class:`_Reading`, handed to *command* as one ``reading`` argument."""

    @functools.wraps(command)
    def run(
        *args: Any, warehouse_path: str | None, engine: str, master: str, employment_dataset: str, **kwargs: Any
    ) -> Any:
        return command(*args, reading=_Reading(warehouse_path, engine, master, employment_dataset), **kwargs)

    employment = click.option(
        "--employment-dataset",
        default="bres_itl2_sic5",
        show_default=True,
        help="Employment of the GB ITL2 areas by 5-digit SIC code that regionalises the models (e.g. an import).",
    )
    wrapped: Any = run
    for option in (employment, master_option(), engine_option(), warehouse_option()):
        wrapped = option(wrapped)
    return cast(F, wrapped)


def _type(value: int) -> int:
    if value not in (1, 2):
        raise ParameterError(f"--type must be 1 (direct and indirect) or 2 (with induced effects), not {value}")
    return value


_region_option = click.option(
    "--region", default=None, help="GB ITL2 area: code (TLG3), NUTS 2016 code (UKG3) or name. Default: national."
)
_method_option = click.option(
    "--method",
    default="flq",
    show_default=True,
    help="Regionalisation by location quotients: slq, cilq, flq or aflq.",
)
_delta_option = click.option(
    "--delta", type=float, default=0.3, show_default=True, help="Flegg's delta for flq/aflq, in [0, 1)."
)
_year_option = click.option(
    "--year", type=int, default=2019, show_default=True, help="BRES employment year used to regionalise."
)
_taxonomy_option = click.option(
    "--taxonomy",
    default="wmca_plan_for_growth",
    show_default=True,
    help="SIC 2007 cluster definitions: a built-in name or a YAML/CSV file.",
)
_required_region_option = click.option(
    "--region", required=True, help="GB ITL2 area: code (TLG3), NUTS 2016 code (UKG3) or name."
)


def _type_option(default: int, help: str) -> Callable[[F], F]:
    """``--type 1|2``, passed to the command as ``type_`` (checked by :func:`_type`)."""
    return click.option("--type", "type_", type=int, default=default, show_default=True, help=help)


def _top_option(default: int, help: str) -> Callable[[F], F]:
    """``--top N``: how many rows a command lists."""
    return click.option("--top", type=int, default=default, show_default=True, help=help)


def _out_option(default: str | None = None) -> Callable[[F], F]:
    """``--out FILE``, passed to the command as ``out_file``: the CSV (or Parquet) to write (None: none)."""
    return click.option(
        "--out",
        "out_file",
        type=click.Path(dir_okay=False),
        default=default,
        show_default=default is not None,
        help="CSV (or .parquet) to write.",
    )


@click.group("io")
def io_group() -> None:
    """Input-output models: multipliers, impacts, cluster supply chains (national or regional)."""


@io_group.command("multipliers")
@_reading
@_region_option
@_method_option
@_delta_option
@_type_option(1, "1: direct + indirect; 2: + induced.")
@_year_option
@_out_option("multipliers.csv")
def io_multipliers(
    region: str | None,
    method: str,
    delta: float,
    type_: int,
    year: int,
    out_file: str,
    reading: _Reading,
) -> None:
    """Output, GVA, compensation and employment multipliers of every IOAT industry."""
    from ..pipeline.inputoutput import multipliers

    kind = _type(type_)
    if region is None:
        if method.lower() != "flq" or delta != 0.3:
            _say("note: --method and --delta regionalise a model; without --region they are ignored")
        _say("building the national model (ONS IOAT 2019)")
    else:
        _say(f"building the regional model of {region}")
    with reading.open() as warehouse:
        found = multipliers(
            warehouse,
            region,
            method=method,
            delta=delta,
            type=kind,
            year=year,
            employment_dataset=reading.employment_dataset,
        )
    table, label = found.table, found.label
    path = _write(table, out_file)
    top = table.sort_values("output_multiplier", ascending=False).head(5)
    click.echo(f"Type {kind} multipliers, {label}: {len(table)} industries")
    click.echo(
        f"output multiplier: median {table['output_multiplier'].median():.3f}, "
        f"range {table['output_multiplier'].min():.3f} to {table['output_multiplier'].max():.3f}; highest:"
    )
    for r in top.itertuples():
        click.echo(f"  {r.industry_code:<16} {str(r.industry_name)[:60]:<60} {r.output_multiplier:.3f}")
    click.echo(f"wrote {path}")


@io_group.command("impact")
@_reading
@_region_option
@click.option("--cluster", default=None, help="Cluster id or name in --taxonomy.")
@click.option("--industry", default=None, help="An IOAT industry code (e.g. C29) instead of a cluster.")
@_taxonomy_option
@click.option("--change", type=float, required=True, help="Size of the change (negative for a loss).")
@click.option(
    "--unit",
    default="gbp_m",
    show_default=True,
    help="gbp_m (final demand, £ million), output (£ million of direct output) or jobs (direct jobs).",
)
@_method_option
@_delta_option
@_type_option(2, "2: with induced effects; 1: without.")
@_year_option
@_top_option(10, "Industries listed on screen.")
@_out_option()
def io_impact(
    region: str | None,
    cluster: str | None,
    industry: str | None,
    taxonomy: str,
    change: float,
    unit: str,
    method: str,
    delta: float,
    type_: int,
    year: int,
    top: int,
    out_file: str | None,
    reading: _Reading,
) -> None:
    """Direct, indirect and induced output, GVA and jobs of a change in a cluster or industry."""
    from ..pipeline.inputoutput import impact

    if (cluster is None) == (industry is None):
        raise ParameterError("give either --cluster NAME or --industry CODE")
    if top < 1:
        raise ParameterError(f"--top must be at least 1, not {top}")
    kind = _type(type_)
    _say_building(region)
    with reading.open() as warehouse:
        result = impact(
            warehouse,
            change,
            region=region,
            cluster=cluster,
            industry=industry,
            unit=unit,
            taxonomy=taxonomy,
            method=method,
            delta=delta,
            year=year,
            induced=kind == 2,
            employment_dataset=reading.employment_dataset,
        )
    click.echo(result.summary(top))
    if out_file:
        totals = pd.DataFrame(
            [
                {
                    "industry_code": "TOTAL",
                    "industry_name": "All industries",
                    **{
                        f"{effect}_{prefix}": float(result.totals.loc[effect, measure])
                        for prefix, measure in (("output", "output_gbp_m"), ("gva", "gva_gbp_m"), ("jobs", "jobs"))
                        for effect in result.totals.index
                    },
                }
            ]
        )
        table = pd.concat([totals, result.by_industry], ignore_index=True)[list(result.by_industry.columns)]
        click.echo(f"wrote {_write(table, out_file)}")


@io_group.command("linkages")
@_reading
@_taxonomy_option
@_region_option
@_method_option
@_delta_option
@_year_option
@_top_option(5, "Suppliers and customers per cluster.")
@_out_option("supply_chains.csv")
@click.option(
    "--partners-out",
    type=click.Path(dir_okay=False),
    default=None,
    help="Also write each cluster's main supplying and buying industries here.",
)
def io_linkages(
    taxonomy: str,
    region: str | None,
    method: str,
    delta: float,
    year: int,
    top: int,
    out_file: str,
    partners_out: str | None,
    reading: _Reading,
) -> None:
    """Cluster-to-cluster supply-chain flows, main suppliers and customers, inputs bought in the region."""
    from ..pipeline.inputoutput import model_label, region_supply_chains

    _say_building(region)
    with reading.open() as warehouse:
        links = region_supply_chains(
            warehouse,
            taxonomy,
            region=region,
            method=method,
            delta=delta,
            year=year,
            top=top,
            employment_dataset=reading.employment_dataset,
        )
    table = links.table()
    path = _write(table, out_file)
    label = model_label(region, links.parameters)
    click.echo(f"cluster supply chains of {links.parameters['taxonomy']}, {label} (flows in £ million)")
    between = table[table["supplier_cluster"] != table["buyer_cluster"]]
    between = between[
        (between["supplier_cluster"] != "other_industries") & (between["buyer_cluster"] != "other_industries")
    ]
    click.echo("largest flows between clusters:")
    for r in between.head(8).itertuples():
        click.echo(f"  {r.supplier_cluster:>32} -> {r.buyer_cluster:<32} {r.flow_gbp_m:>10,.1f}")
    if links.input_sourcing is not None:
        click.echo("share of each cluster's UK-made inputs bought inside the region:")
        for cluster_id, row in links.input_sourcing.iterrows():
            click.echo(f"  {cluster_id:>32} {row['share_in_region']:>7.1%}")
    click.echo(f"wrote {path}")
    if partners_out:
        partners = pd.concat(
            [links.partners.assign(partner_level="industry"), links.partner_clusters.assign(partner_level="cluster")],
            ignore_index=True,
        )
        click.echo(f"wrote {_write(partners, partners_out)}")


@io_group.command("gaps")
@_reading
@_required_region_option
@_taxonomy_option
@click.option(
    "--threshold",
    type=float,
    default=0.5,
    show_default=True,
    help="An input is a gap when less than this share of it is bought inside the region.",
)
@_method_option
@_delta_option
@_year_option
@_top_option(10, "Gaps listed on screen.")
@_out_option()
def io_gaps(
    region: str,
    taxonomy: str,
    threshold: float,
    method: str,
    delta: float,
    year: int,
    top: int,
    out_file: str | None,
    reading: _Reading,
) -> None:
    """Inputs the region's strong clusters (LQ >= 1) need but mostly import from the rest of the UK."""
    from ..pipeline.inputoutput import model_label, supply_chain_gaps_of

    _say(f"building the regional model of {region}")
    with reading.open() as warehouse:
        gaps = supply_chain_gaps_of(
            warehouse,
            region,
            taxonomy,
            method=method,
            delta=delta,
            year=year,
            threshold=threshold,
            employment_dataset=reading.employment_dataset,
        )
    attrs: dict[str, Any] = {str(k): v for k, v in gaps.attrs.items()}
    strong = ", ".join(attrs["strong_clusters"]) or "none"
    click.echo(f"supply-chain gaps, {model_label(region, attrs)}; strong clusters (LQ >= 1, {year}): {strong}")
    for r in gaps.head(top).itertuples():
        click.echo(
            f"  {r.rank:>3}. {r.industry_code:<16} {str(r.industry_name)[:50]:<50} "
            f"imported {r.imported_gbp_m:>9,.1f} £m ({r.regional_purchase_coefficient:.0%} bought locally)"
        )
    if gaps.empty:
        click.echo("  none below the threshold")
    if out_file:
        click.echo(f"wrote {_write(gaps, out_file)}")


@io_group.command("sensitivity")
@_reading
@_required_region_option
@click.option("--deltas", default="0.1,0.15,0.2,0.25,0.3,0.35,0.4", show_default=True, help="Comma-separated deltas.")
@_method_option
@_type_option(1, "1: direct + indirect; 2: + induced.")
@_year_option
@_out_option("delta_sensitivity.csv")
def io_sensitivity(
    region: str,
    deltas: str,
    method: str,
    type_: int,
    year: int,
    out_file: str,
    reading: _Reading,
) -> None:
    """Regional multipliers for several values of Flegg's delta (long format)."""
    from ..pipeline.inputoutput import multipliers_by_delta

    try:
        values = [float(v) for v in deltas.split(",") if v.strip()]
    except ValueError:
        raise ParameterError(f"--deltas must be numbers separated by commas, got {deltas!r}") from None
    with reading.open() as warehouse:
        table = multipliers_by_delta(
            warehouse,
            region,
            values,
            method=method,
            type=_type(type_),
            year=year,
            employment_dataset=reading.employment_dataset,
        )
    summary = table.groupby("delta")["output_multiplier"].agg(["mean", "min", "max"])
    click.echo(f"output multipliers of {region} by delta ({method}, Type {type_}):")
    for delta, row in summary.iterrows():
        click.echo(f"  delta {delta:<5g} mean {row['mean']:.3f}  range {row['min']:.3f} to {row['max']:.3f}")
    click.echo(f"wrote {_write(table, out_file)}")
