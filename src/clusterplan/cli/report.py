"""``clusterplan report``: render report.html and workbook.xlsx from a run folder or from parameters."""

from __future__ import annotations

from pathlib import Path

import click

from .._exceptions import ParameterError
from .._paths import replacing
from ._common import comma_separated, open_warehouse, progress_printer, quiet_option, warehouse_option

__all__ = ["report_command"]


@click.command("report")
@click.option(
    "--run",
    "run_dir",
    type=click.Path(file_okay=False),
    default=None,
    help="A folder written by `clusterplan run`: re-render from its run.json and CSV tables (no warehouse needed).",
)
@click.option("--region", default=None, help="Or compute a fresh profile: a GB ITL2 area or a US CBSA code.")
@click.option("--taxonomy", default=None, help="With --region: cluster definitions (built-in name or file).")
@click.option("--benchmark", default="national", show_default=True, help="With --region: national, peers, or an area.")
@click.option("--year", type=int, default=None, help="With --region: year of the profile (default latest).")
@click.option("--base-year", type=int, default=None, help="With --region: start year for growth (default earliest).")
@click.option(
    "--analyses",
    default="all",
    show_default=True,
    help="With --region: further analyses to add, comma-separated (scenarios, supply_chain, opportunities, "
    "subregions), 'all' or 'none'.",
)
@click.option(
    "--out",
    "out_dir",
    type=click.Path(file_okay=False),
    default=None,
    help="Where to write (default: the --run folder, or ./clusterplan-report with --region).",
)
@click.option(
    "--what",
    type=click.Choice(["all", "report", "workbook"]),
    default="all",
    show_default=True,
    help="Write report.html, workbook.xlsx or both.",
)
@quiet_option()
@warehouse_option("DuckDB warehouse file for --region (default: $CLUSTERPLAN_WAREHOUSE or the user data folder).")
def report_command(
    run_dir: str | None,
    region: str | None,
    taxonomy: str | None,
    benchmark: str,
    year: int | None,
    base_year: int | None,
    analyses: str,
    out_dir: str | None,
    what: str,
    quiet: bool,
    warehouse_path: str | None,
) -> None:
    """Render the evidence pack (report.html) and workbook.xlsx.

    From an existing run folder (--run DIR), or by profiling a region afresh
    (--region CODE) with the further analyses of a full run.
    """
    from ..pipeline.run import ANALYSES, run_region
    from ..report import read_run_folder, render_report, run_report_data, write_workbook

    if (run_dir is None) == (region is None):
        raise ParameterError("give either --run DIR (re-render a run) or --region CODE (profile a region)")
    say = progress_printer(quiet)
    if run_dir is not None:
        say(f"reading the run folder {run_dir}")
        data = read_run_folder(run_dir)
        out = Path(out_dir) if out_dir else Path(run_dir)
    else:
        names = _analysis_names(analyses, list(ANALYSES))
        say("opening the warehouse")
        with open_warehouse(warehouse_path, say) as warehouse:
            profile, extra = run_region(
                warehouse,
                str(region),
                taxonomy=taxonomy,
                year=year,
                base_year=base_year,
                benchmark=benchmark,
                only=names,
                progress=say,
            )
        data = run_report_data(profile, extra)
        out = Path(out_dir or "clusterplan-report")
    out.mkdir(parents=True, exist_ok=True)
    written = []
    if what in ("all", "report"):
        say("rendering report.html")
        path = out / "report.html"
        with replacing(path) as part:  # an interrupt leaves the old file, not half a new one
            part.write_text(render_report(data), encoding="utf-8")
        written.append(path)
    if what in ("all", "workbook"):
        say("writing workbook.xlsx")
        with replacing(out / "workbook.xlsx") as part:
            write_workbook(data, part)
        written.append(out / "workbook.xlsx")
    click.echo(
        f"{data.region_name} ({data.region_code}), {len(data.clusters)} clusters, {len(data.tables)} further tables"
    )
    for path in written:
        click.echo(f"{path.stem:>9}: {path}")


def _analysis_names(text: str, known: list[str]) -> list[str]:
    value = text.strip().lower()
    if value == "all":
        return known
    if value in ("none", ""):
        return []
    names = [n.replace("-", "_") for n in comma_separated(value)]
    unknown = [n for n in names if n not in known]
    if unknown:
        raise ParameterError(
            f"unknown analysis {unknown[0]!r} in --analyses; choose from all, none, {', '.join(known)}"
        )
    return names
