"""Build the CBP 2019 cells withheld for having fewer than 3 establishments, rebuilt within their parents."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd

from .._schema import FLAG_IMPUTED
from ..measures.withheld import reconstruct_withheld_cells
from ..sources.cbp import read_cbp_cbsa_csv
from ._common import US_PUBLIC_DOMAIN, BuiltDataset, raw_entry, write_facts, write_table
from .us import _CBP_PUBLISHER, _CBP_SOURCE, CBP_CBSA

#: Decimals kept for rebuilt values: they are expected values, and parents add up within this rounding.
EMPLOYMENT_DECIMALS = 2
ESTABLISHMENT_DECIMALS = 3


def published_cells(raw: Path) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The CBP CBSA facts, and their cells as ``area_code, industry_code, employment, establishments``."""
    facts = read_cbp_cbsa_csv(raw / CBP_CBSA, dataset="us_cbp_2019_cbsa", year=2019)
    wide = facts.pivot_table(index=["area_code", "industry_code"], columns="measure", values="value", aggfunc="first")
    return facts, wide.reset_index()[["area_code", "industry_code", "employment", "establishments"]]


def build(raw: Path, out: Path) -> list[BuiltDataset]:
    facts, cells = published_cells(raw)
    result = reconstruct_withheld_cells(cells)
    imputed = result.imputed
    keys = imputed[["area_code", "industry_code"]]
    parts = []
    for measure, unit, column, decimals in (
        ("employment", "persons", "employment", EMPLOYMENT_DECIMALS),
        ("establishments", "count", "establishments", ESTABLISHMENT_DECIMALS),
    ):
        part = keys.copy()
        part["dataset"] = "us_cbp_2019_cbsa_imputed"
        part["classification"] = "naics2017"
        part["year"] = 2019
        part["measure"] = measure
        part["breakdown"] = "all"
        part["value"] = imputed[column].round(decimals)
        part["unit"] = unit
        part["flag"] = FLAG_IMPUTED
        parts.append(part)
    long = pd.concat(parts, ignore_index=True)
    groups = result.groups
    unplaced = result.unplaced.assign(
        industry_level=lambda f: f["industry_code"].map(lambda c: 0 if c == "00" else 2 if "-" in c else len(c)),
        children=0,
        over_cap=False,
        imputed_cells6=0,
    )[groups.columns]
    table = pd.concat([groups, unplaced], ignore_index=True).sort_values(["area_code", "industry_code"])
    cbp: dict[str, Any] = {
        "source": _CBP_SOURCE + "; withheld cells rebuilt by clusterplan",
        "publisher": _CBP_PUBLISHER + " (published cells); clusterplan (rebuilt cells)",
        "licence": US_PUBLIC_DOMAIN,
        "raw_files": [raw_entry(raw, CBP_CBSA)],
        "vintage": "CBP 2019 (NAICS 2017)",
    }
    over_cap = int(groups["over_cap"].sum())
    method = (
        "level by level (2 to 6 digits) within each CBSA: a published cell's employment and establishments minus "
        "its published children's are shared among its NAICS children published elsewhere but not here, "
        "establishments in proportion to national establishment counts with at most 2 per cell, jobs in "
        "proportion to expected establishments x national jobs per establishment "
        "(clusterplan.measures.withheld.reconstruct_withheld_cells)"
    )
    return [
        write_facts(
            long,
            out,
            "us_cbp_2019_cbsa_imputed",
            title="County Business Patterns 2019 by CBSA: the cells withheld for fewer than 3 establishments, rebuilt",
            **cbp,
            transforms=[
                method,
                f"{len(imputed):,} cells rebuilt in {imputed['area_code'].nunique()} CBSAs; flag 'imputed'",
                f"employment rounded to {EMPLOYMENT_DECIMALS} decimals, establishments to {ESTABLISHMENT_DECIMALS}",
                f"{over_cap} parents hide more than 2 establishments per candidate child: cap lifted there",
                f"{len(result.unplaced)} parents hide {result.unplaced['hidden_employment'].sum():,.0f} jobs that no "
                "NAICS code in the data can take (every child seen anywhere is published there); left unallocated",
            ],
            description=(
                "Expected employment and establishments of every NAICS 2017 cell (2 to 6 digits) that CBP 2019 does "
                "not publish for a CBSA although its parent's total includes it. With the published cells "
                "(us_cbp_2019_cbsa) every parent equals the sum of its children, within rounding. Values are "
                "expected values, fractional; the jobs a withheld cell can really hold range from 0 to its "
                "nearest published ancestor's hidden total (us_cbp_2019_cbsa_withheld)."
            ),
        ),
        write_table(
            table.reset_index(drop=True),
            out,
            "us_cbp_2019_cbsa_withheld",
            title="County Business Patterns 2019 by CBSA: what each published cell hides in unpublished children",
            **cbp,
            transforms=[
                "per CBSA and published NAICS cell: employment and establishments minus those of its published "
                "children (only cells where something is hidden)",
                "children: unpublished child cells that received a share; imputed_cells6: rebuilt 6-digit cells "
                "whose nearest published ancestor it is; children = 0: nothing could take the hidden jobs",
            ],
            description=(
                "The bounds of the rebuilt cells: the hidden employment of a published cell is shared among its "
                "rebuilt descendants in an unknown way, so a cluster holding some but not all of them may hold "
                "anything from none to all of it."
            ),
        ),
    ]
