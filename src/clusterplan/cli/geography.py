"""``clusterplan hotspots``: spatial hotspots of a cluster measure, written as CSV or GeoJSON plus an SVG map.

Example::

    clusterplan hotspots --measure share --cluster professional_financial_services --level itl3 --out pfs.geojson
    clusterplan hotspots --measure lq --cluster automotive --level cbsa --out automotive_us.geojson

writes ``pfs.geojson`` (one feature per area with the local statistics; global
Moran's I in the collection's ``clusterplan`` member) and ``pfs.svg`` (a
two-panel map: values and LISA classes), and prints a summary. Errors are
clusterplan errors, which the CLI's ``main`` turns into one line and an exit
code (2 for bad input).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import click

from .._exceptions import ParameterError
from .._formula import neutralise_frame
from .._paths import replacing
from ._common import cells_option, open_warehouse, progress_printer, quiet_option, warehouse_option

__all__ = ["hotspots_command"]


@click.command("hotspots")
@click.option(
    "--measure",
    type=click.Choice(["lq", "employment", "share", "gva", "gva_per_job"]),
    required=True,
    help="The cluster measure to map (at ITL3, lq/share/gva are GVA-based; at ITL2 and LAD, employment-based).",
)
@click.option("--cluster", required=True, help="Cluster id or name in the taxonomy.")
@click.option(
    "--taxonomy",
    default=None,
    help="Built-in name or file. Default: wmca_plan_for_growth for GB levels, us_cmp_traded_2014 for CBSAs.",
)
@click.option(
    "--level",
    type=click.Choice(["itl3", "itl2", "lad", "cbsa"]),
    default="itl3",
    show_default=True,
    help="Areas: GB ITL3, ITL2 or local authority districts, or US metropolitan and micropolitan areas (CBSA).",
)
@click.option("--year", type=int, default=None, help="Default: the latest year the sources share.")
@click.option("--permutations", type=int, default=999, show_default=True, help="Permutations for pseudo p-values.")
@click.option("--seed", type=int, default=12345, show_default=True, help="Seed of the permutations.")
@click.option("--alpha", type=float, default=0.05, show_default=True, help="False-discovery rate (Benjamini-Hochberg).")
@click.option(
    "--islands",
    type=click.Choice(["attach", "drop"]),
    default="attach",
    show_default=True,
    help="Areas without land neighbours: link to the nearest mainland area, or leave out of the tests.",
)
@click.option("--employment-dataset", default=None, help="Imported local employment dataset (ITL3/LAD levels).")
@cells_option(
    "US CBSAs: County Business Patterns' published cells plus the withheld ones rebuilt within their parents, "
    "or published cells only (withheld cells count as zero)."
)
@click.option(
    "--out",
    "out",
    type=click.Path(dir_okay=False),
    required=True,
    help="Output file: .csv (table) or .geojson (map layer); an .svg map is written beside it.",
)
@click.option("--no-map", is_flag=True, help="Do not write the SVG map.")
@warehouse_option()
@quiet_option("No progress lines on stderr.")
def hotspots_command(
    out: str,
    no_map: bool,
    warehouse_path: str | None,
    quiet: bool,
    **options: Any,
) -> None:
    """Global Moran's I, LISA and Getis-Ord Gi* of a cluster measure across GB areas or US CBSAs."""
    from ..pipeline.geography import cluster_hotspots
    from ..pipeline.hotspots import hotspot_geojson
    from ..report import hotspot_map_svg

    progress = progress_printer(quiet)
    target = Path(out)
    if target.suffix.lower() not in (".csv", ".geojson", ".json"):
        raise ParameterError(f"--out must end in .csv or .geojson, not {target.suffix or 'no suffix'!r}")
    with open_warehouse(warehouse_path, progress) as warehouse:
        progress(
            f"{options['measure']} of {options['cluster']} by {options['level'].upper()} area, "
            f"{options['permutations']} permutations (seed {options['seed']})"
        )
        # The other options (measure, cluster, taxonomy, level, year, permutations, seed, alpha, islands,
        # employment_dataset, cells) go to the pipeline as they are: it checks them.
        result = cluster_hotspots(warehouse, **options)
    # Each file through a temporary one: an interrupt leaves the old file, not half a new one.
    if target.suffix.lower() == ".csv":
        with replacing(target) as part:
            neutralise_frame(result.table).to_csv(part, index=False)
        sidecar = target.with_suffix(".json")
        meta = hotspot_geojson(result)["clusterplan"]
        with replacing(sidecar) as part:
            part.write_text(json.dumps(meta, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
        progress(f"wrote {target} and {sidecar}")
    else:
        with replacing(target) as part:
            part.write_text(json.dumps(hotspot_geojson(result), ensure_ascii=False) + "\n", encoding="utf-8")
        progress(f"wrote {target}")
    if not no_map:
        svg = target.with_suffix(".svg")
        with replacing(svg) as part:
            part.write_text(hotspot_map_svg(result), encoding="utf-8")
        progress(f"wrote {svg}")
    click.echo(result.summary())
