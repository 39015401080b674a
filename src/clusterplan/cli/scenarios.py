"""``clusterplan backtest``: how well each baseline method forecasts held-out years, and the default method.

Prints, per source (BRES employment 2015-2021; ONS regional GVA 1998-2021) and
period (pre-Covid and Covid-year targets), one line per method with its MAPE
and bias by horizon, the ranking and the default method (marked ``*``); with
``--out`` it also writes the error table (CSV or Parquet). Errors are
clusterplan errors, which the CLI's ``main`` turns into one line and an exit
code (2 for bad input: an unknown region, a single-year dataset such as the
embedded US CBP).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import click

from ._common import open_warehouse, progress_printer, quiet_option, warehouse_option, write_csv_or_parquet

__all__ = ["backtest_command", "scenario_headline"]


def scenario_headline(provenance: Mapping[str, Any]) -> list[str]:
    """Lines the run prints about its scenarios: direct and indirect low-central-high, hit rates, warnings."""
    scenario = provenance.get("scenario") or {}
    if scenario.get("method") != "similar":
        return []
    totals = scenario["region_totals"]
    target = provenance.get("target_year")
    region_jobs = float(scenario["region_jobs"])
    rates = scenario.get("hit_rates", {})
    lines = [
        f"scenarios to {target}, additional jobs above the baseline (low / central / high; shared codes counted once):",
        "  direct:   "
        + " / ".join(f"{totals[v]['direct_jobs']:,.0f}" for v in ("low", "central", "high"))
        + f" ({totals['high']['direct_jobs'] / region_jobs:.1%} of the region's jobs in the high case)",
        "  indirect: " + " / ".join(f"{totals[v]['indirect_jobs']:,.0f}" for v in ("low", "central", "high")),
        "  direct GVA: "
        + " / ".join(f"£{totals[v]['direct_gva_gbp_m']:,.0f}m" for v in ("low", "central", "high"))
        + f" ({scenario.get('price_basis', '')})",
        "  percentiles of similar comparators: "
        + ", ".join(
            f"{v} p{scenario['percentiles'][v]:g} (reached by {rates.get(v, {}).get('pooled', float('nan')):.0%} "
            "in the backtest)"
            for v in ("low", "central", "high")
        ),
    ]
    for warning in provenance.get("warnings", []):
        lines.append(f"warning: {warning['message']}")
    return lines


@click.command("backtest")
@click.option(
    "--region",
    default=None,
    help="Score only this region's series (ITL2 code, NUTS 2016 code or name); default every GB ITL2 area.",
)
@click.option("--taxonomy", default=None, help="Cluster definitions: built-in name or YAML/CSV file.")
@click.option(
    "--source",
    type=click.Choice(["bres", "gva", "both"]),
    default="both",
    show_default=True,
    help="BRES cluster employment (2015-2021), cluster GVA from ONS regional GVA (1998-2021), or both.",
)
@click.option(
    "--dataset",
    default=None,
    help="Employment dataset of the bres source (needs several years; default bres_itl2_sic5, or the US CBP for a "
    "CBSA region, which has one year and so cannot be backtested).",
)
@click.option("--config", "config_file", type=click.Path(dir_okay=False), default=None, help="Scenario config (TOML).")
@click.option(
    "--scenarios",
    "scenarios",
    is_flag=True,
    help="Backtest the growth scenarios instead: the share of GB region-clusters and region-divisions that reached "
    "each percentile of their similar comparators' differential growth (the hit rates), and the percentiles chosen.",
)
@click.option(
    "--out", "out_file", type=click.Path(dir_okay=False), default=None, help="Write the error table (CSV/Parquet)."
)
@warehouse_option("DuckDB warehouse file (default: $CLUSTERPLAN_WAREHOUSE or the user data folder).")
@quiet_option()
def backtest_command(
    region: str | None,
    taxonomy: str | None,
    source: str,
    dataset: str | None,
    config_file: str | None,
    scenarios: bool,
    out_file: str | None,
    warehouse_path: str | None,
    quiet: bool,
) -> None:
    """Backtest the baseline methods (MAPE and bias by horizon) and show the default method; with --scenarios,
    backtest the scenarios' percentiles (hit rates)."""
    from ..pipeline.scenarios import baseline_backtest, describe_backtest, scenario_settings

    progress = progress_printer(quiet)
    config = scenario_settings(config_file)
    if scenarios:
        _scenario_backtest(taxonomy, dataset, config, out_file, warehouse_path, progress)
        return
    sources = None if source == "both" else [source]
    progress("opening the warehouse")
    with open_warehouse(warehouse_path, progress) as warehouse:
        result = baseline_backtest(
            warehouse, taxonomy, region=region, sources=sources, dataset=dataset, config=config, progress=progress
        )
    scope = result.parameters["region"]
    click.echo(
        f"backtest of {len(result.parameters['methods'])} methods, taxonomy {result.parameters['taxonomy']}, {scope}"
    )
    click.echo(describe_backtest(result))
    if out_file:
        table = result.errors.assign(default=result.errors["method"] == result.default_method.label)
        path = write_csv_or_parquet(table, out_file)
        click.echo(f"wrote {len(table):,} rows to {path}")


def _scenario_backtest(
    taxonomy: str | None,
    dataset: str | None,
    config: Any,
    out_file: str | None,
    warehouse_path: str | None,
    progress: Any,
) -> None:
    from ..pipeline.scenarios import describe_scenario_backtest, scenario_backtest

    progress("opening the warehouse")
    with open_warehouse(warehouse_path, progress) as warehouse:
        progress("backtesting the percentiles of similar comparators over every GB region")
        result, name = scenario_backtest(warehouse, taxonomy, dataset=dataset, config=config)
    click.echo(f"scenario backtest, taxonomy {name} and SIC 2007 divisions, all GB ITL2 areas")
    click.echo(describe_scenario_backtest(result))
    path = write_csv_or_parquet(result.hit_rates, out_file or "scenario_backtest.csv")
    click.echo(f"wrote {len(result.hit_rates):,} rows to {path}")
