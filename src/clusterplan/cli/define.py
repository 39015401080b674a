"""``clusterplan define-clusters``: data-driven cluster definitions written as a taxonomy YAML file.

Builds the industry similarity of a source's traded industries (co-location and input-output links), runs the
clustering grid of :func:`clusterplan.relatedness.define.define_clusters`, writes the chosen clusters as a
taxonomy that ``clusterplan run --taxonomy FILE`` and :func:`clusterplan.load_taxonomy` read, and prints the
validation scores (and, for the US, the agreement with the US Cluster Mapping definitions). Every option is
parsed here so that bad input is one line on stderr and exit code 2 (via the CLI's ``main``).
"""

from __future__ import annotations

from pathlib import Path

import click

from .._exceptions import ParameterError, UnknownCodeError
from .._formula import neutralise_frame
from ._common import progress_printer, quiet_option

__all__ = ["define_clusters_command", "parse_weights", "parse_years"]


def parse_weights(text: str | None) -> dict[str, float] | None:
    """``"colocation=0.7,io=0.3"`` -> ``{"colocation": 0.7, "io": 0.3}``; None stays None.

    Examples
    --------
    >>> parse_weights("colocation=0.7, io=0.3")
    {'colocation': 0.7, 'io': 0.3}
    """
    if text is None:
        return None
    weights: dict[str, float] = {}
    for part in (p.strip() for p in text.split(",")):
        if not part:
            continue
        name, _, value = part.partition("=")
        try:
            weights[name.strip()] = float(value)
        except ValueError:
            raise ParameterError(
                f"--weights: {part!r} is not NAME=NUMBER", hint="e.g. --weights colocation=0.5,io=0.5"
            ) from None
    if not weights:
        raise ParameterError("--weights is empty", hint="e.g. --weights colocation=0.5,io=0.5")
    return weights


def parse_years(text: str | None) -> tuple[int, ...] | None:
    """``"2019,2021"`` or ``"2019-2021"`` -> years; None stays None.

    Examples
    --------
    >>> parse_years("2019-2021"), parse_years("2021")
    ((2019, 2020, 2021), (2021,))
    """
    if text is None:
        return None
    years: list[int] = []
    try:
        for part in (p.strip() for p in text.split(",") if p.strip()):
            first, dash, last = part.partition("-")
            years += list(range(int(first), int(last) + 1)) if dash else [int(first)]
    except ValueError:
        raise ParameterError(
            f"--year: {text!r} is not a year, a list or a range", hint="e.g. 2021 or 2019-2021"
        ) from None
    if not years:
        raise ParameterError("--year is empty", hint="e.g. 2021 or 2019-2021")
    return tuple(sorted(set(years)))


def _positive_int(text: str | None, option: str) -> int | None:
    if text is None:
        return None
    try:
        value = int(text)
    except ValueError:
        raise ParameterError(f"{option}: {text!r} is not a whole number") from None
    if value < 0:
        raise ParameterError(f"{option}: must be 0 or more, not {value}")
    return value


def _echo(message: str) -> None:
    click.echo(message)


@click.command("define-clusters")
@click.option("--source", "source_key", default=None, help="us-cbp-2019 or gb-bres-2021 (required).")
@click.option("--level", default=None, help="naics6 (US); sic4 (default), sic3 or sic5 (GB).")
@click.option("--method", default="best", show_default=True, help="hierarchical, kmeans, community or best (all).")
@click.option(
    "--clusters", default=None, help="Number of clusters (default: 51 for the US, as the benchmark; GB: from a grid)."
)
@click.option("--seed", default="0", show_default=True, help="First random seed (k-means, community detection).")
@click.option("--year", "years", default=None, help="Year or years averaged, e.g. 2021 or 2019-2021.")
@click.option("--weights", default=None, help="Similarity weights, e.g. colocation=0.5,io=0.5 (the default).")
@click.option(
    "--cells",
    default="reconstructed",
    show_default=True,
    help="US: reconstructed (withheld CBP cells rebuilt) or published (withheld cells count as 0).",
)
@click.option("--name", default=None, help="Taxonomy name (default: <source>_data_driven_<level>).")
@click.option("--out", "out_file", default=None, help="Taxonomy YAML file to write (.yaml or .yml; required).")
@click.option("--candidates", "candidates_file", default=None, help="Also write every candidate's scores (CSV).")
@quiet_option()
def define_clusters_command(
    source_key: str | None,
    level: str | None,
    method: str,
    clusters: str | None,
    seed: str,
    years: str | None,
    weights: str | None,
    cells: str,
    name: str | None,
    out_file: str | None,
    candidates_file: str | None,
    quiet: bool,
) -> None:
    """Define clusters of related industries from the data (Delgado, Porter and Stern 2016) and write a taxonomy."""
    from ..pipeline.relatedness import CLUSTER_CELLS as CELLS
    from ..pipeline.relatedness import CLUSTER_METHODS as METHODS
    from ..pipeline.relatedness import CLUSTER_SOURCES as SOURCES
    from ..pipeline.relatedness import compare_clusters, define_taxonomy, write_taxonomy

    progress = progress_printer(quiet)
    if source_key is None:
        raise ParameterError("give --source: " + " or ".join(sorted(SOURCES)))
    if out_file is None:
        raise ParameterError("give --out FILE.yaml, the taxonomy file to write")
    key = source_key.strip().lower()
    if key not in SOURCES:
        raise UnknownCodeError("data source", source_key, sorted(SOURCES))
    if method not in (*METHODS, "best"):
        raise UnknownCodeError("clustering method", method, [*METHODS, "best"])
    count = _positive_int(clusters, "--clusters")
    first_seed = _positive_int(seed, "--seed")
    out = Path(out_file)
    if out.suffix.lower() not in (".yaml", ".yml"):
        raise ParameterError(f"--out {out_file}: a taxonomy file must end in .yaml or .yml")
    if out.exists() and out.is_dir():
        raise ParameterError(f"--out {out_file} is a folder; give a file name ending in .yaml")
    spec = SOURCES[key]
    progress(f"building the industry similarity of {spec.label}")
    if cells not in CELLS:
        raise UnknownCodeError("cells (--cells)", cells, list(CELLS))
    # Without --clusters, the source's default count (US: the 51 of Delgado, Porter and Stern's benchmark set).
    defined = define_taxonomy(
        key,
        level=level,
        method=method,
        clusters=count,
        seed=first_seed or 0,
        years=parse_years(years),
        weights=parse_weights(weights),
        cells=cells,
        name=name,
        progress=progress,
    )
    similarity, result, taxonomy, count = defined.similarity, defined.result, defined.taxonomy, defined.clusters
    header = [
        f"{taxonomy.title}.",
        f"GENERATED by `clusterplan define-clusters --source {key} --level {similarity.level} --method {method}"
        + (f" --clusters {count}" if count is not None else "")
        + (f" --cells {similarity.cells}" if key.startswith("us") else "")
        + f" --seed {first_seed or 0}`.",
        "Data: "
        + spec.label
        + ("; ONS, Open Government Licence v3.0." if key.startswith("gb") else "; US Census Bureau."),
    ]
    write_taxonomy(taxonomy, out, header)  # checks that what was written loads
    if candidates_file:
        path = Path(candidates_file)
        path.parent.mkdir(parents=True, exist_ok=True)
        neutralise_frame(result.candidates).to_csv(path, index=False, float_format="%.6g")
    chosen = result.chosen
    seed_text = f", seed {chosen['seed']}" if chosen["seed"] is not None and chosen["seed"] == chosen["seed"] else ""
    _echo(
        f"{len(similarity.codes)} traded industries ({similarity.level}, {', '.join(map(str, similarity.years))}) "
        f"-> {chosen['clusters']} clusters by {chosen['method']} ({chosen['variant']}{seed_text}), "
        f"best of {len(result.candidates)} candidates in {result.seconds:.1f}s"
    )
    _echo(f"validation score {result.validation_score:.3f}")
    _echo(result.scores.to_string(index=False, float_format=lambda v: f"{v:.3f}"))
    if spec.reference_taxonomy:
        names = {i + 1: c.name for i, c in enumerate(taxonomy.clusters)}
        comparison = compare_clusters(result.labels, spec.reference_taxonomy, names=names, seed=first_seed or 0)
        _echo(
            f"adjusted Rand index against {spec.reference_taxonomy}: {comparison.adjusted_rand_index:.3f} over "
            f"{comparison.industries} industries in both (random assignment: "
            f"{comparison.random_adjusted_rand_index:.3f})"
        )
        best = comparison.overlap.sort_values(["jaccard", "reference_id"], ascending=[False, True]).head(5)
        for row in best.itertuples():
            _echo(f"  {row.reference_name} ~ {row.best_cluster_name}: Jaccard {row.jaccard:.2f}")
    confidence = [c.confidence for c in taxonomy.clusters]
    _echo(
        f"wrote {len(taxonomy.clusters)} clusters ({confidence.count('medium')} medium, {confidence.count('low')} "
        f"low confidence) to {out}"
    )
