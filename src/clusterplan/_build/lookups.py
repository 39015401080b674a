"""Build the SIC 2007 hierarchy dimension."""

from __future__ import annotations

from pathlib import Path

from ..sources.sic import read_sic2007_lookup, sic2007_industries
from ._common import OGL, BuiltDataset, raw_entry, write_table

SIC_LOOKUP = "uk/lookups/SIC2007_lookup_5digit_to_sections_DanOlner.csv"


def build(raw: Path, out: Path) -> list[BuiltDataset]:
    lookup = read_sic2007_lookup(raw / SIC_LOOKUP)
    industries = sic2007_industries(lookup)
    return [
        write_table(
            industries,
            out,
            "industries_sic2007",
            kind="industries",
            title="SIC 2007 hierarchy: sections, divisions, groups and the 729 subclasses BRES publishes",
            source="UK Standard Industrial Classification 2007 lookup as used by NOMIS (DanOlner/ukcompare)",
            publisher="Office for National Statistics",
            vintage="SIC 2007",
            licence=OGL,
            raw_files=[raw_entry(raw, SIC_LOOKUP)],
            transforms=["decoded cp1252", "stripped 'code : ' prefixes from names", "one row per code per level"],
            description="01000 is NOMIS's DEFRA/Scottish Government agricultural data row, not a SIC subclass.",
        )
    ]
