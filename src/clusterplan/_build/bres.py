"""Build the BRES employment datasets (NOMIS NM_189_1) from the NOMIS CSV downloads."""

from __future__ import annotations

from pathlib import Path

from ..datasets import BRES_DIVISION, BRES_SUBCLASS
from ..sources.nomis import read_nomis_csv
from ._common import OGL, BuiltDataset, raw_entry, write_facts

_FILES = {
    BRES_SUBCLASS: (
        "uk/bres_itl2/bres_employment_itl2_nuts2016_sic5_2015_2021.csv",
        "BRES employment by ITL2 area and SIC 2007 subclass (5-digit), 2015-2021",
        "employment",
    ),
    BRES_DIVISION: (
        "uk/bres_itl2/bres_employment_itl2_nuts2016_sic2_2015_2021.csv",
        "BRES employment by ITL2 area and SIC 2007 division (2-digit), 2015-2021",
        "employment",
    ),
    "bres_gb_fulltime_employees_sic5": (
        "uk/bres_itl2/bres_fulltime_employees_GB_sic5_2009_2021.csv",
        "BRES full-time employees, Great Britain, by SIC 2007 subclass, 2009-2021 (series break 2015)",
        "fulltime_employees",
    ),
}

_NOTE = (
    "Employment = employees plus working owners. Counts are rounded by NOMIS disclosure rules (every published "
    "value is a multiple of 5) and a published 0 may be a suppressed cell: such zeros carry the flag "
    "'zero_may_be_suppressed'; empty cells (DEFRA row 01000 for Scottish areas 2015-17) carry 'missing'. "
    "NUTS 2016 area codes (UKG3) are stored as their ITL 2021 equivalents (TLG3)."
)


def build(raw: Path, out: Path) -> list[BuiltDataset]:
    built = []
    for name, (relative, title, measure) in _FILES.items():
        facts = read_nomis_csv(raw / relative, dataset=name, measure=measure, unit="persons")
        description = _NOTE
        if measure == "fulltime_employees":
            description = (
                "Full-time employees (excludes working owners and part-time). Series break in 2015 when PAYE-only "
                "units were added to the survey frame: compare 2009-2014 with 2015-2021 with care. " + _NOTE
            )
        built.append(
            write_facts(
                facts,
                out,
                name,
                title=title,
                source="Business Register and Employment Survey (BRES), NOMIS dataset NM_189_1, open access",
                publisher="Office for National Statistics (via NOMIS)",
                vintage="BRES 2021 revised, published 2022-23 (years 2015-2021)"
                if measure == "employment"
                else "BRES 2021 revised (years 2009-2021)",
                licence=OGL,
                raw_files=[raw_entry(raw, relative)],
                transforms=[
                    "NOMIS CSV parsed to canonical facts",
                    "NUTS 2016 codes -> ITL 2021 codes (UK prefix -> TL)",
                    "0 flagged zero_may_be_suppressed; empty flagged missing (value NULL)",
                ],
                description=description,
            )
        )
    return built
