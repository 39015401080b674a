"""Build the BEA input-output datasets: summary use 1997-2015, detail use 2007 and its NAICS concordance, summary
total requirements."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from ..sources.bea_io import (
    read_naics_concordance,
    read_total_requirements_summary,
    read_use_detail,
    read_use_summary,
)
from ._common import US_PUBLIC_DOMAIN, BuiltDataset, raw_entry, write_table

USE_SUMMARY = "us/bea_io/IOUse_Before_Redefinitions_PRO_1997-2015_Summary.xlsx"
USE_DETAIL = "us/bea_io/IOUse_Before_Redefinitions_PRO_2007_Detail.xlsx"
TOTAL_REQUIREMENTS = "us/bea_io/IxC_TR_1997-2015_Summary.xlsx"
README = "us/bea_io/README_inmap.md"

_PUBLISHER = "US Bureau of Economic Analysis"
_COPIED = "copied from the public repository spatialmodel/inmap @ 3b4895ba (its README_inmap.md lists its edits)"
_COMMON = [
    "one sheet per year -> long (table, year, row_code, row_name, col_code, col_name, value) in published "
    "row-major order",
    "totals printed without a code coded as BEA codes them elsewhere: columns T001 total intermediate, T004 total "
    "final uses (GDP), T007 total commodity output; rows T005 total intermediate, T006 total value added, T008 total "
    "industry output",
    "'Sum of ... Selected' / '... Not Selected' rows and columns (interactive-table subtotals) dropped",
    "cells shown as '...' or empty (BEA: zero values not shown) stored as 0, except total x total cells (left out)",
    "whitespace in codes and names collapsed (non-breaking spaces); numeric codes read as text",
]


def _compact(long: pd.DataFrame) -> pd.DataFrame:
    out = long.copy()
    out["year"] = out["year"].astype("int16")
    return out.reset_index(drop=True)


def build(raw: Path, out: Path) -> list[BuiltDataset]:
    use = read_use_summary(raw / USE_SUMMARY, file_label=USE_SUMMARY)
    detail = read_use_detail(raw / USE_DETAIL, file_label=USE_DETAIL)
    requirements = read_total_requirements_summary(raw / TOTAL_REQUIREMENTS, file_label=TOTAL_REQUIREMENTS)
    concordance = read_naics_concordance(raw / USE_DETAIL, file_label=USE_DETAIL)
    readme = raw_entry(raw, README)
    use_years = sorted(set(use["year"].astype(int)))
    tr_years = sorted(set(requirements["year"].astype(int)))
    return [
        write_table(
            _compact(use),
            out,
            "bea_use_summary",
            title=(
                f"BEA summary use tables {use_years[0]}-{use_years[-1]}: use of 73 commodities by 71 industries, "
                "before redefinitions, producers' prices (millions of dollars)"
            ),
            source=f"BEA Industry Economic Accounts, input-output use tables, summary level; {_COPIED}",
            publisher=_PUBLISHER,
            vintage=f"Annual I-O accounts released {use.attrs.get('release') or 'November 2016'} (2007 NAICS)",
            licence=US_PUBLIC_DOMAIN,
            raw_files=[raw_entry(raw, USE_SUMMARY), readme],
            transforms=_COMMON,
            description=(
                "Rows: commodities, T005, value added V001-V003, T006, T008; columns: industries, T001, final uses "
                "F010-F10N (F050 imports is negative), T004, T007. Split into blocks with "
                "clusterplan.sources.bea_io.use_table_from_long. Real estate is split into HS (housing) and ORE."
            ),
        ),
        write_table(
            _compact(detail),
            out,
            "bea_use_detail_2007",
            title=(
                "BEA detail use table 2007: use of commodities by industries (389 industries), before redefinitions, "
                "producers' prices (millions of dollars)"
            ),
            source=f"BEA Industry Economic Accounts, 2007 benchmark input-output use table, detail level; {_COPIED}",
            publisher=_PUBLISHER,
            vintage=f"2007 benchmark I-O accounts released {detail.attrs.get('release') or 'November 2014'}",
            licence=US_PUBLIC_DOMAIN,
            raw_files=[raw_entry(raw, USE_DETAIL), readme],
            transforms=[
                *_COMMON[:1],
                *_COMMON[3:],
                "upstream copy lacks commodity rows 331314, S00101, S00201, S00202 (deleted by inmap; README_inmap.md)",
            ],
            description=(
                "Same structure as bea_use_summary at detail level (final-use codes F01000 ...). Four commodity "
                "rows were removed upstream; the published totals still add up to the remaining rows within "
                "rounding (at most 26 million dollars)."
            ),
        ),
        write_table(
            concordance,
            out,
            "bea_detail_naics_2007",
            title="BEA detail industries (2007 benchmark, 389) and the 2007 NAICS codes each covers",
            source=f"BEA Industry Economic Accounts, 2007 detail use table workbook, sheet 'NAICS codes'; {_COPIED}",
            publisher=_PUBLISHER,
            vintage=f"2007 benchmark I-O accounts released {detail.attrs.get('release') or 'November 2014'}",
            licence=US_PUBLIC_DOMAIN,
            raw_files=[raw_entry(raw, USE_DETAIL), readme],
            transforms=[
                "detail industries (third column of the sheet) with their 'Related 2007 NAICS Codes' cell",
                "code lists split at commas and ranges expanded (332111-2 -> 332111, 332112; 442-4 -> 442, 443, 444)",
                "industries without NAICS codes (government, owner-occupied housing, noncomparable imports) left out",
            ],
            description=(
                "bea_code, bea_name, naics_code: one row per detail industry and NAICS code (2 to 6 digits). A NAICS "
                "code belongs to the industry of its longest listed prefix; construction (23) is split by type of "
                "structure, not by NAICS, so all its detail industries list 23."
            ),
        ),
        write_table(
            _compact(requirements),
            out,
            "bea_total_requirements_summary",
            title=(
                f"BEA summary industry-by-commodity total requirements {tr_years[0]}-{tr_years[-1]} "
                "(71 industries x 73 commodities)"
            ),
            source=f"BEA Industry Economic Accounts, total requirements tables, summary level; {_COPIED}",
            publisher=_PUBLISHER,
            vintage=(
                f"Annual I-O accounts released {requirements.attrs.get('release') or 'November 2016'} (2007 NAICS)"
            ),
            licence=US_PUBLIC_DOMAIN,
            raw_files=[raw_entry(raw, TOTAL_REQUIREMENTS), readme],
            transforms=[*_COMMON[:1], "total row 'Total Industry Output Requirement' coded _T", *_COMMON[4:]],
            description=(
                "Industry output required per dollar of each commodity delivered to final users (after "
                "redefinitions, producers' prices); row _T is the column total. Load a year with "
                "clusterplan.sources.bea_io.total_requirements_from_long."
            ),
        ),
    ]
