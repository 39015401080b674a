"""Cluster definitions as the command line shows them: the built-in list, one taxonomy, its expanded codes."""

from __future__ import annotations

from pathlib import Path

from ..taxonomy import Taxonomy, TaxonomyInfo, list_taxonomies, load_taxonomy, sic2007_codes

__all__ = ["Taxonomy", "TaxonomyInfo", "builtin_taxonomies", "expanded_taxonomy", "taxonomy_definition"]


def builtin_taxonomies() -> list[TaxonomyInfo]:
    """The built-in taxonomies, sorted by name: name, title, classification, clusters, source."""
    return list_taxonomies()


def taxonomy_definition(name: str | Path) -> Taxonomy:
    """A taxonomy: a built-in name, or a YAML or CSV file of cluster definitions (checked as it loads)."""
    return load_taxonomy(name)


def expanded_taxonomy(taxonomy: Taxonomy) -> Taxonomy | None:
    """A SIC 2007 taxonomy with its code prefixes expanded to the 729 BRES subclasses; None for a NAICS one,
    whose codes can only be expanded against data."""
    if taxonomy.classification == "sic2007":
        return taxonomy.validate(sic2007_codes())
    return None
