"""The ``clusterplan`` command line: a thin layer over the library.

Every error clusterplan raises on purpose becomes one line on stderr and a
non-zero exit (2 for bad input, 1 otherwise); an interrupt exits 130 and, as
every write is one transaction, leaves the warehouse as it was.
"""

from __future__ import annotations

import os
import signal
import sys
from pathlib import Path
from typing import Any, NoReturn

import click

from .._exceptions import ClusterplanError, InputError, TaxonomyError
from .._version import __version__
from . import imports_frozen
from ._common import (
    cells_option,
    comma_separated,
    engine_option,
    master_option,
    open_engine,
    progress_printer,
    quiet_option,
    warehouse_option,
    write_csv_or_parquet,
)
from .define import define_clusters_command
from .geography import hotspots_command
from .inputoutput import io_group
from .relatedness import RELATEDNESS_COMMANDS
from .report import report_command
from .scenarios import backtest_command, scenario_headline
from .serve import serve
from .taxonomy import taxonomy_group

__all__ = ["cli", "main"]


_engine_option = engine_option()
_master_option = master_option()
_open_engine = open_engine


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="clusterplan")
def cli() -> None:
    """Find the industry clusters where a region has comparative advantage, from public data."""


def _format_table(frame: Any, benchmark: str = "GB") -> str:
    """The run's cluster table as aligned text; *benchmark* names the benchmark in the last column's header."""
    headers = ["cluster", "employment", "share", "LQ", "LQ rank", "growth/yr", f"{benchmark} growth/yr"]
    rows = []
    for r in frame.itertuples():

        def fmt(v: float, spec: str, suffix: str = "") -> str:
            return "–" if v != v else format(v, spec) + suffix

        rows.append(
            [
                str(r.cluster)[:48],
                fmt(r.employment, ",.0f"),
                fmt(r.employment_share * 100, ".1f", "%"),
                fmt(r.lq, ".2f"),
                f"{fmt(r.lq_rank, '.0f')}/{fmt(r.n_regions, '.0f')}",
                fmt(r.growth_cagr * 100, "+.2f", "%"),
                fmt(r.benchmark_growth_cagr * 100, "+.2f", "%"),
            ]
        )
    widths = [max(len(h), *(len(row[i]) for row in rows)) for i, h in enumerate(headers)]
    lines = [
        "  ".join(h.ljust(w) if i == 0 else h.rjust(w) for i, (h, w) in enumerate(zip(headers, widths, strict=True)))
    ]
    for row in rows:
        lines.append(
            "  ".join(c.ljust(w) if i == 0 else c.rjust(w) for i, (c, w) in enumerate(zip(row, widths, strict=True)))
        )
    return "\n".join(lines)


_cells_option = cells_option()


@cli.command()
@click.option(
    "--region",
    default="TLG3",
    show_default=True,
    help="A GB ITL2 area (TLG3, UKG3, West Midlands, WMCA), several analysed as one (TLF,TLG; Midlands), or a US "
    "metro (19820, 'Detroit-Warren-Dearborn, MI', Detroit).",
)
@click.option(
    "--region-groups",
    type=click.Path(exists=True, dir_okay=False),
    default=None,
    help="YAML file of your own named regions: 'groups: {Black Country: [TLG3]}' or 'aliases: {...}'.",
)
@click.option(
    "--benchmark",
    default="national",
    show_default=True,
    help="national (GB, or all US CBSAs), peers, or the code of a larger area (e.g. ITL1 TLG).",
)
@click.option(
    "--peers", default=None, help="Comma-separated peer areas for --benchmark peers (default: 8 nearest in size)."
)
@click.option(
    "--denominator",
    type=click.Choice(["all", "traded"]),
    default="all",
    show_default=True,
    help="Totals over all industries, or traded industries only (as the US Cluster Mapping Project does).",
)
@_cells_option
@click.option(
    "--convention",
    type=click.Choice(["clusterplan", "cluster-mapping"]),
    default="clusterplan",
    show_default=True,
    help="cluster-mapping (US): also the US Cluster Mapping portal's measures, in cmp_* columns of clusters.csv "
    "(LQ on traded employment, its ranks, percentile ranks with 1 = top, strong clusters); implies --denominator "
    "traded.",
)
@click.option(
    "--taxonomy",
    default=None,
    help="Cluster definitions: a built-in name or a YAML/CSV file (default: wmca_plan_for_growth for GB, "
    "us_cmp_traded_2014 for the US).",
)
@click.option("--year", type=int, default=None, help="Year of the profile (default: latest in the data).")
@click.option("--base-year", type=int, default=None, help="Start year for growth (default: earliest in the data).")
@click.option("--out", "out_dir", type=click.Path(file_okay=False), default="clusterplan-output", show_default=True)
@click.option(
    "--target-year", type=int, default=None, help="Year the scenarios run to (default 2030, from the config)."
)
@click.option(
    "--scenario",
    "scenario_text",
    default=None,
    help=(
        "Scenario choices, e.g. 'baseline=shift_share' or, of the leader method, "
        "'method=leader,low=median,rule=strong,window=2015-2019,min_employment=5000'."
    ),
)
@click.option("--weights", default=None, help="Priority weights, e.g. 'growth_potential=0.3,pay=0.1'.")
@click.option(
    "--config",
    "config_path",
    type=click.Path(dir_okay=False),
    default=None,
    help="TOML file of scenario and priority parameters (see clusterplan/data/scenario_defaults.toml).",
)
@click.option(
    "--analyses",
    default="all",
    show_default=True,
    help="Further analyses: all, none, or a list of scenarios, supply_chain, opportunities, subregions, hotspots.",
)
@click.option(
    "--include-non-market",
    is_flag=True,
    help="Keep public administration, households as employers and other non-market activities among the "
    "growth opportunities (left out by default).",
)
@quiet_option()
@_engine_option
@_master_option
@warehouse_option()
def run(
    region: str,
    region_groups: str | None,
    benchmark: str,
    peers: str | None,
    denominator: str,
    cells: str,
    convention: str,
    taxonomy: str | None,
    year: int | None,
    base_year: int | None,
    out_dir: str,
    target_year: int | None,
    scenario_text: str | None,
    weights: str | None,
    config_path: str | None,
    analyses: str,
    include_non_market: bool,
    quiet: bool,
    engine: str,
    master: str,
    warehouse_path: str | None,
) -> None:
    """Profile a region's clusters: clusters.csv, scenarios.csv, priorities.csv and the other tables,
    report.html, workbook.xlsx and run.json."""
    with imports_frozen():
        from threadpoolctl import threadpool_limits

        from .._parallel import second_process
        from ..pipeline.data import load_engine_modules
        from ..pipeline.run import run_region
        from ..pipeline.scenarios import scenario_settings, unread_scenario_settings
        from ..report import write_run_outputs

        load_engine_modules(engine)  # before the second process is forked, so that the two share them

    progress = progress_printer(quiet)
    if region_groups:
        from ..regions import REGION_GROUPS_VARIABLE, load_region_groups

        load_region_groups(region_groups)  # a bad file fails here, with its own message
        os.environ[REGION_GROUPS_VARIABLE] = str(Path(region_groups).resolve())
    scenario_config = scenario_settings(config_path, target_year=target_year, scenario=scenario_text, weights=weights)
    only = None if analyses == "all" else [] if analyses == "none" else comma_separated(analyses)
    unread = unread_scenario_settings(scenario_config) if only is None or "scenarios" in only else None
    if unread:
        click.echo(f"note: {unread}", err=True)

    # A run's matrices are small (at most about 1,000 x 1,000): extra BLAS threads cost more in start-up and
    # contention than they save, the more so on a shared machine (the default GB run takes about 16% less CPU).
    # The second process is forked before the warehouse is opened (see clusterplan._parallel).
    with threadpool_limits(1, "blas"), second_process() as second:
        progress("opening the warehouse")
        with _open_engine(engine, warehouse_path, master, progress) as warehouse:
            profile, further = run_region(
                warehouse,
                region,
                taxonomy=taxonomy,
                year=year,
                base_year=base_year,
                benchmark=benchmark,
                peers=comma_separated(peers) if peers else None,
                denominator=denominator,
                cells=cells,
                convention=convention.replace("-", "_"),
                only=only,
                scenario_config=scenario_config,
                include_non_market=include_non_market,
                progress=progress,
                second=second,
            )
        progress("writing outputs")
        paths = write_run_outputs(profile, Path(out_dir), analyses=further, second=second)
    t = profile.totals
    growth = profile.parameters["growth_note"]
    click.echo(
        f"{profile.region_name} ({profile.region_code}) against {profile.parameters['benchmark_label']}, "
        f"{t['year']} ({growth}), taxonomy {profile.taxonomy.name}"
    )
    for line in profile.region_detail.get("mapping", []):
        click.echo(f"region: {line}")
    click.echo(_format_table(profile.clusters, profile.parameters["benchmark_short"]))
    for note in [*profile.taxonomy.advisories(), *profile.warnings]:
        click.echo(f"warning: {note}", err=True)
    if convention == "cluster-mapping":
        denominator = "traded"
        click.echo(
            "US Cluster Mapping portal measures in clusters.csv (cmp_*): "
            + profile.parameters["convention_description"]
        )
    if profile.parameters.get("cells") == "reconstructed" and "imputed_cells" in profile.clusters:
        click.echo(
            "withheld CBP cells rebuilt within their parents (--cells published to leave them out); "
            "lq_low-lq_high in clusters.csv cover every split of the hidden jobs"
        )
    if denominator == "traded":
        codes = profile.parameters["denominator"].removesuffix(" codes")
        click.echo(
            "employment, shares and LQs count traded jobs only: each cluster's traded codes, "
            f"over the region's jobs in all {codes} traded industries"
        )
    click.echo(
        f"clusters hold {t['clusters_employment_without_double_counting']:,.0f} "
        f"of {t['region_total_employment']:,.0f} {'traded ' if denominator == 'traded' else ''}jobs "
        f"({t['clusters_share_of_region']:.1%}) in the region"
    )
    for line in scenario_headline(further.provenance.get("scenarios", {})):
        click.echo(line)
    width = max(map(len, paths), default=0)
    for name, path in paths.items():
        click.echo(f"{name:>{width}}: {path}")


@cli.command()
@click.option("--region", default=None, help="One area (ITL2 or CBSA code, or name); omit with --all-regions.")
@click.option("--all-regions", is_flag=True, help="Every area of the dataset, in long format.")
@click.option("--level", default="sic5", show_default=True, help="sic5, sic2, naics2 ... naics6.")
@click.option("--year", type=int, default=None, help="Year (default: latest in the data).")
@click.option("--base-year", type=int, default=None, help="Start year for growth (default: earliest).")
@click.option("--benchmark", default="national", show_default=True, help="national, peers, or a larger area's code.")
@click.option("--peers", default=None, help="Comma-separated peer areas for --benchmark peers.")
@click.option("--out", "out_file", type=click.Path(dir_okay=False), required=True, help="CSV or .parquet file.")
@_cells_option
@_engine_option
@_master_option
@warehouse_option()
def measures(
    region: str | None,
    all_regions: bool,
    level: str,
    year: int | None,
    base_year: int | None,
    benchmark: str,
    peers: str | None,
    out_file: str,
    cells: str,
    engine: str,
    master: str,
    warehouse_path: str | None,
) -> None:
    """Employment, share, LQ, growth and ranks of every industry at LEVEL."""
    from .._exceptions import ParameterError
    from ..pipeline.profile import industry_measures

    if (region is None) == (not all_regions):
        raise ParameterError("give either --region CODE or --all-regions")
    progress = progress_printer()
    with _open_engine(engine, warehouse_path, master, progress) as warehouse:
        progress(f"computing {level} measures")
        table = industry_measures(
            warehouse,
            level=level,
            region=region,
            year=year,
            base_year=base_year,
            benchmark=benchmark,
            peers=comma_separated(peers) if peers else None,
            cells=cells,
        )
    path = write_csv_or_parquet(table, out_file)
    click.echo(f"wrote {len(table):,} rows ({table['area_code'].nunique()} areas) to {path}")


@cli.group()
def data() -> None:
    """List, show, import and fetch datasets in the warehouse."""


@data.command("list")
@warehouse_option()
def data_list(warehouse_path: str | None) -> None:
    """Every dataset: name, kind, origin, vintage, rows and licence."""
    from ..pipeline.data import dataset_list

    frame = dataset_list(warehouse_path, progress_printer())
    with_width = frame[["dataset", "kind", "origin", "rows", "vintage", "licence"]]
    click.echo(with_width.to_string(index=False, max_colwidth=60))


@data.command("show")
@click.argument("dataset")
@click.option("-n", "rows", type=int, default=10, show_default=True)
@warehouse_option()
def data_show(dataset: str, rows: int, warehouse_path: str | None) -> None:
    """Provenance and the first rows of DATASET."""
    from ..pipeline.data import dataset_detail

    detail = dataset_detail(warehouse_path, dataset, rows, progress_printer())
    info, head = detail.info, detail.head
    for key in ("dataset", "title", "kind", "origin", "source", "publisher", "vintage", "licence", "rows", "sha256"):
        click.echo(f"{key:>10}: {info[key]}")
    click.echo(head.to_string(index=False, max_colwidth=50))


@data.command("import")
@click.argument("file", type=click.Path(dir_okay=False))
@click.option("--format", "fmt", required=True, type=click.Choice(["nomis", "cbp", "long"]), help="File format.")
@click.option("--dataset", default=None, help="Name for the new dataset (default: user_<file name>).")
@click.option(
    "--measure",
    default="employment",
    show_default=True,
    help="What a NOMIS file counts (employment, enterprises, local_units).",
)
@click.option("--replace", is_flag=True, help="Replace an imported dataset of the same name.")
@click.option(
    "--allow-unknown-codes",
    is_flag=True,
    help="Load area/industry codes the warehouse does not know (they are counted).",
)
@click.option(
    "--allow-formula-codes",
    is_flag=True,
    help="Load codes starting with = + - @ or a tab, which spreadsheets run as formulas (outputs neutralise them).",
)
@warehouse_option()
def data_import(
    file: str,
    fmt: str,
    dataset: str | None,
    measure: str,
    replace: bool,
    allow_unknown_codes: bool,
    allow_formula_codes: bool,
    warehouse_path: str | None,
) -> None:
    """Validate FILE and load it as a new dataset, all or nothing."""
    from ..pipeline.data import import_file

    progress = progress_printer()
    progress(f"reading {file} as {fmt}")
    report = import_file(
        warehouse_path,
        file,
        fmt,
        dataset=dataset,
        measure=measure,
        replace=replace,
        allow_unknown_codes=allow_unknown_codes,
        allow_formula_codes=allow_formula_codes,
        progress=progress,
    )
    click.echo(report.summary())


@data.group("fetch")
def data_fetch() -> None:
    """Download data from a provider's API (needs a network)."""


@data_fetch.command("nomis")
@click.option(
    "--kind",
    type=click.Choice(["bres", "enterprises", "local_units"]),
    default="bres",
    show_default=True,
    help="BRES employment (NM_189_1) or UK Business Counts enterprises (NM_142_1) / local units (NM_141_1).",
)
@click.option("--geography", required=True, help="GSS codes, NOMIS ids or TYPEnnn, comma-separated (TYPE424: LADs).")
@click.option("--industries", default="all", show_default=True, help="SIC 2007 codes, comma-separated, or 'all'.")
@click.option("--years", default="latest", show_default=True, help="Years, comma-separated, or 'latest'.")
@click.option("--out", "out_file", type=click.Path(dir_okay=False), required=True, help="CSV to write.")
@click.option("--uid", envvar="NOMIS_UID", default=None, help="NOMIS registered user id (or $NOMIS_UID).")
@click.option("--import", "do_import", is_flag=True, help="Import the downloaded file into the warehouse.")
@click.option("--dataset", default=None, help="Dataset name when importing.")
@warehouse_option()
def data_fetch_nomis(
    kind: str,
    geography: str,
    industries: str,
    years: str,
    out_file: str,
    uid: str | None,
    do_import: bool,
    dataset: str | None,
    warehouse_path: str | None,
) -> None:
    """Fetch local-area BRES or Business Counts from the NOMIS API into a NOMIS-layout CSV."""
    from ..pipeline.data import fetch_nomis, import_file

    progress = progress_printer()
    year_list: str | list[str] = "latest" if years == "latest" else comma_separated(years)
    industry_list: str | list[str] | None = None if industries == "all" else comma_separated(industries)
    fetched = fetch_nomis(
        kind, comma_separated(geography), industry_list, year_list, out_file, uid=uid, progress=progress
    )
    click.echo(f"wrote {fetched.rows:,} rows from NOMIS {fetched.dataset_id} to {fetched.path}")
    if do_import:
        report = import_file(
            warehouse_path,
            fetched.path,
            "nomis",
            dataset=dataset,
            measure=fetched.measure,
            source=fetched.url,
            progress=progress,
        )
        click.echo(report.summary())


cli.add_command(taxonomy_group)
cli.add_command(define_clusters_command)
cli.add_command(io_group)
cli.add_command(report_command)
cli.add_command(serve)
cli.add_command(backtest_command)
cli.add_command(hotspots_command)
for _command in RELATEDNESS_COMMANDS:
    cli.add_command(_command)


def main(argv: list[str] | None = None) -> None:
    """Entry point: run the CLI, turning clusterplan errors into one line and an exit code.

    Ctrl-C at any point exits 130 with one line. The first one interrupts (DuckDB turns it into a "query
    interrupted" error mid-query, which is reported as the interrupt it is); later ones are ignored so that the
    rollback and the closing of the warehouse finish without a traceback.
    """
    interrupted = False

    def on_interrupt(_signum: int, _frame: object) -> None:
        nonlocal interrupted
        if interrupted:
            return
        interrupted = True
        raise KeyboardInterrupt

    loaded = sys.modules.get("clusterplan.warehouse._warehouse")
    imports_before = getattr(loaded, "IMPORTS_COMMITTED", 0) if loaded is not None else 0
    previous = signal.signal(signal.SIGINT, on_interrupt)
    try:
        cli.main(args=argv, prog_name="clusterplan", standalone_mode=False)
    except SystemExit:
        raise
    except BaseException as exc:
        if interrupted or isinstance(exc, click.exceptions.Abort | KeyboardInterrupt):
            signal.signal(signal.SIGINT, signal.SIG_IGN)
            warehouse = sys.modules.get("clusterplan.warehouse._warehouse")
            if warehouse is not None and getattr(warehouse, "IMPORTS_COMMITTED", 0) > imports_before:
                click.echo("interrupted after the import was committed; the new dataset is complete", err=True)
            else:
                click.echo("interrupted; the warehouse is unchanged", err=True)
            sys.exit(130)
        _exit_with_message(exc)
    finally:
        if signal.getsignal(signal.SIGINT) is on_interrupt:
            signal.signal(signal.SIGINT, previous)


def _exit_with_message(exc: BaseException) -> NoReturn:
    """One line on stderr and the exit code for an error clusterplan expects; anything else propagates."""
    if isinstance(exc, click.ClickException):
        exc.show()
        sys.exit(exc.exit_code)
    if isinstance(exc, InputError | TaxonomyError):
        click.echo(f"error: {exc}", err=True)
        sys.exit(2)
    if isinstance(exc, ClusterplanError):
        click.echo(f"error: {exc}", err=True)
        sys.exit(1)
    if isinstance(exc, OSError):
        click.echo(f"error: {exc.strerror or exc}: {exc.filename or ''}".rstrip(": "), err=True)
        sys.exit(1)
    raise exc
