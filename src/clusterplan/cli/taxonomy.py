"""``clusterplan taxonomy``: list the built-in cluster definitions and show one.

``clusterplan taxonomy list`` prints one line per built-in taxonomy (name,
classification, number of clusters, title); ``clusterplan taxonomy show NAME``
prints a taxonomy's clusters with their codes, notes and confidence, and the
codes that sit in more than one cluster. NAME is a built-in name or the path of
a YAML/CSV taxonomy file. Errors are clusterplan errors, which the CLI's
``main`` turns into one line and exit code 2 (unknown name, invalid file).
"""

from __future__ import annotations

import textwrap

import click

from ..pipeline.taxonomies import Taxonomy, builtin_taxonomies, expanded_taxonomy, taxonomy_definition

__all__ = ["format_taxonomy", "format_taxonomy_list", "taxonomy_group"]

_WIDTH = 100
_CLASSIFICATION_LABELS = {
    "sic2007": "SIC 2007",
    "naics2017": "NAICS 2017",
    "naics2012": "NAICS 2012",
    "naics2007": "NAICS 2007",
}


def _wrap(text: str, indent: str) -> list[str]:
    wrapped = textwrap.wrap(text, width=_WIDTH, initial_indent=indent, subsequent_indent=indent, break_on_hyphens=False)
    return wrapped or [indent.rstrip()]


def format_taxonomy_list() -> str:
    """The built-in taxonomies as an aligned table: name, classification, clusters, title."""
    infos = builtin_taxonomies()
    header = ("name", "classification", "clusters", "title")
    rows = [(t.name, t.classification, str(t.clusters), t.title) for t in infos]
    widths = [max(len(header[i]), *(len(r[i]) for r in rows)) for i in range(3)]

    def line(cells: tuple[str, ...]) -> str:
        return "  ".join(
            [cells[0].ljust(widths[0]), cells[1].ljust(widths[1]), cells[2].rjust(widths[2]), cells[3]]
        ).rstrip()

    return "\n".join([line(header), *(line(r) for r in rows)])


def format_taxonomy(taxonomy: Taxonomy) -> str:
    """A taxonomy as text: header, then each cluster (codes, confidence, note), then the overlaps."""
    label = _CLASSIFICATION_LABELS.get(taxonomy.classification, taxonomy.classification)
    expanded = expanded_taxonomy(taxonomy)
    lines = [f"{taxonomy.name}: {taxonomy.title}", f"classification: {taxonomy.classification} ({label})"]
    lines += _wrap(f"source: {taxonomy.source}", "") if taxonomy.source else []
    lines += _wrap(f"description: {taxonomy.description}", "") if taxonomy.description else []
    lines.append(f"clusters: {len(taxonomy.clusters)}")
    for number, cluster in enumerate(taxonomy.clusters, start=1):
        lines.append("")
        confidence = f" [confidence: {cluster.confidence}]" if cluster.confidence else ""
        lines.append(f"{number}. {cluster.id}: {cluster.name}{confidence}")
        if expanded is not None:
            count = len(expanded.cluster(cluster.id).expanded_codes or ())
            counted = f" ({count} {label} subclasses)"
        else:
            counted = f" ({len(cluster.codes)} codes)"
        lines += _wrap(f"codes{counted}: {', '.join(cluster.codes)}", "   ")
        if cluster.description:
            lines += _wrap(f"description: {cluster.description}", "   ")
        if cluster.note:
            lines += _wrap(f"note: {cluster.note}", "   ")
    lines.append("")
    lines += _overlap_lines(taxonomy, expanded)
    return "\n".join(lines)


def _overlap_lines(taxonomy: Taxonomy, expanded: Taxonomy | None) -> list[str]:
    if expanded is not None:
        overlaps = expanded.overlaps()
        scope = f"{_CLASSIFICATION_LABELS['sic2007']} subclasses"
    else:
        # Without data, NAICS prefixes are expanded against the codes the taxonomy itself writes.
        written = sorted({code for cluster in taxonomy.clusters for code in cluster.codes})
        overlaps = taxonomy.overlaps(written, strict=False)
        scope = "codes as written"
    if overlaps.empty:
        return [f"overlaps: none (no {scope} in more than one cluster)"]
    shared = overlaps.groupby("industry_code", sort=True)["cluster_id"].apply(list)
    lines = [f"overlaps: {len(shared)} {scope} in more than one cluster (adding those clusters up double-counts them)"]
    for code, clusters in shared.items():
        lines.append(f"   {code}  {', '.join(clusters)}")
    return lines


@click.group("taxonomy")
def taxonomy_group() -> None:
    """List and show cluster definitions (taxonomies)."""


@taxonomy_group.command("list")
def taxonomy_list() -> None:
    """The built-in taxonomies: name, classification, number of clusters, title."""
    click.echo(format_taxonomy_list())


@taxonomy_group.command("show")
@click.argument("name")
def taxonomy_show(name: str) -> None:
    """Clusters of NAME (a built-in name or a YAML/CSV file) with codes, notes, confidence and overlaps."""
    taxonomy = taxonomy_definition(name)
    click.echo(format_taxonomy(taxonomy))
    for note in taxonomy.advisories():
        if "same name" in note:  # overlaps are listed above already
            click.echo(f"warning: {note}", err=True)
