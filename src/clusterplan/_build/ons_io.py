"""Build the ONS input-output datasets: the 2019 IOAT, its industries, the SIC lookup and the BB22 supply-use tables."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from .._exceptions import DataValidationError
from .._schema import INDUSTRY_COLUMNS
from ..sources.ons_io import (
    ioat_to_long,
    read_bres_ioat_lookup,
    read_ioat,
    read_ioat_industries,
    read_supply_use,
)
from ._common import OGL, BuiltDataset, raw_entry, write_table

IOAT = "uk/io/ukioat2019_industry_by_industry.xlsx"
SUT = "uk/io/publicationtablesbb22_UK_SUT_BlueBook2022.xlsx"
BRES_LOOKUP = "uk/io/bres_ioat_lookup.csv"
IOAT_INDUSTRIES = "uk/io/sic_industry_lookup.csv"

_PUBLISHER = "Office for National Statistics"
_COPIED = "copied from the public repository ChristianSpence/gva-model @ 527d6a04"
_NAMES = "whitespace in names collapsed (non-breaking spaces, line breaks); codes kept exactly as published"


def _compact(long: pd.DataFrame) -> pd.DataFrame:
    """Smaller integer year; strings stay strings (Parquet dictionary-encodes them)."""
    out = long.copy()
    out["year"] = out["year"].astype("int16")
    out["value"] = out["value"].astype("float64")
    return out.reset_index(drop=True)


def build(raw: Path, out: Path) -> list[BuiltDataset]:
    tables = read_ioat(raw / IOAT, file_label=IOAT)
    industries_csv = read_ioat_industries(raw / IOAT_INDUSTRIES, file_label=IOAT_INDUSTRIES)
    lookup = read_bres_ioat_lookup(raw / BRES_LOOKUP, file_label=BRES_LOOKUP)

    # The two CSVs must describe the workbook's industries, or a later join would silently lose rows.
    codes = list(tables.industries)
    if list(industries_csv["ioat_code"]) != codes:
        raise DataValidationError("industry codes differ from the IOAT workbook's", file=IOAT_INDUSTRIES)
    workbook_names = tables.row_names.reindex(codes).tolist()
    for code, name, published in zip(codes, industries_csv["ioat_name"], workbook_names, strict=True):
        if name.lower() != published.lower():
            raise DataValidationError(
                f"name {name!r} differs from the workbook's {published!r}", file=IOAT_INDUSTRIES, code=code
            )
    unknown = sorted(set(lookup["ioat_code"]) - set(codes))
    if unknown:
        raise DataValidationError(f"IOAT codes not in the workbook: {unknown}", file=BRES_LOOKUP)

    ioat_raw = [raw_entry(raw, IOAT)]
    built = [
        write_table(
            _compact(ioat_to_long(tables)),
            out,
            "ioat2019",
            title="UK input-output analytical tables 2019, industry by industry (£ million; coefficients as ratios)",
            source=(
                "ONS UK input-output analytical tables, industry by industry, 2019: sheet IOT (input-output table, "
                f"domestic use at basic prices) and sheet A (matrix of coefficients); {_COPIED}"
            ),
            publisher=_PUBLISHER,
            vintage=tables.release or "2019 IOAT",
            licence=OGL,
            raw_files=ioat_raw,
            transforms=[
                "sheets IOT and A -> long (table, year, row_code, row_name, col_code, col_name, value) in published "
                "row-major order; tables domestic_use (105 x 105), final_demand (105 x 10 final-use columns), "
                "totals (_T total intermediate use, TU total use), primary_inputs (9 rows x all columns), "
                "coefficients (105 x 105)",
                "rows without a code in the sheet coded P7 (use of imported products, cif), D21-D31 (taxes less "
                "subsidies on products), P2 (total intermediate use at purchasers' prices)",
                "empty cells (primary inputs D1 ... P1 of the final-use columns) left out",
                "sheet A: only the 105 x 105 industry block kept (primary-input coefficients = primary_inputs / P1)",
                _NAMES,
            ],
            description=(
                "Values as published: £ million (coefficients are ratios). Final-use column P3 S1 is the sum of "
                "P3 S13, P3 S14 and P3 S15. Rebuild the matrices with clusterplan.sources.ons_io.ioat_from_long."
            ),
        ),
        write_table(
            _ioat_industries(tables.industries, tables.row_names),
            out,
            "industries_ioat2019",
            kind="industries",
            title="Industries of the UK input-output analytical tables 2019 (105 IOAT industries)",
            source=f"ONS UK input-output analytical tables 2019, sheet IOT row and column labels; {_COPIED}",
            publisher=_PUBLISHER,
            vintage=tables.release or "2019 IOAT",
            licence=OGL,
            raw_files=[*ioat_raw, raw_entry(raw, IOAT_INDUSTRIES)],
            transforms=[
                "codes and names of the IOT sheet's industry rows, checked against sic_industry_lookup.csv",
                _NAMES,
                "parent_code left empty: the SIC 2007 section is the first letter of each code",
            ],
            description="Classification 'ioat2019', level 'ioat_industry'; codes such as 'F41, F42  & F43' are exact.",
        ),
        write_table(
            lookup[["sic_code", "sic_level", "ioat_code"]].astype({"sic_level": "string"}),
            out,
            "bres_ioat_lookup",
            title="SIC 2007 codes (as used in BRES) to UK IOAT 2019 industries",
            source=f"bres_ioat_lookup.csv (SIC 2007 to IOAT industry code lookup); {_COPIED}",
            publisher=_PUBLISHER,
            vintage="2019 IOAT industry classification",
            licence=OGL,
            raw_files=[raw_entry(raw, BRES_LOOKUP)],
            transforms=[
                "columns renamed: bres_industry -> sic_code, iaot_industry_code -> ioat_code; desc dropped "
                "(names are in industries_ioat2019)",
                "sic_level added from the code length: 2 digits division, 3 group, 4 class; empty for L68A "
                "(owner-occupiers' housing, not a SIC code)",
            ],
            description=(
                "Mixed levels: a division where it maps to one IOAT industry, else its groups or classes. Map a "
                "5-digit subclass by its longest listed prefix (clusterplan.sources.ons_io.sic_to_ioat)."
            ),
        ),
    ]

    sut = read_supply_use(raw / SUT, file_label=SUT)
    years = sorted(set(sut["year"].astype(int)))
    built.append(
        write_table(
            _compact(sut),
            out,
            "supply_use_bb22",
            title=f"UK supply and use tables {years[0]}-{years[-1]}, Blue Book 2022 (£ million)",
            source=(
                "ONS Input-output supply and use tables, Blue Book 2022: Table 1 (supply of products) and Table 2 "
                f"(combined use matrix: intermediate consumption and final demand), every year; {_COPIED}"
            ),
            publisher=_PUBLISHER,
            vintage=sut.attrs.get("release") or "Blue Book 2022",
            licence=OGL,
            raw_files=[raw_entry(raw, SUT)],
            transforms=[
                "sheets 'Table 1 - Supply YYYY', 'Table 2 - Int Con YYYY', 'Table 2 - Final Demand YYYY' -> long "
                "(table in supply, intermediate_consumption, final_demand; year; row_code; row_name; col_code; "
                "col_name; value) in published row-major order",
                "columns and total / primary-input rows printed without codes given ESA 2010 codes "
                "(clusterplan.sources.ons_io.SUT_COLUMN_CODES), the IOAT's where it has one",
                "final-demand column names prefixed with their group heading; footnote digits dropped from names",
                "empty cells left out (the supply table's 'of which' rows have a value in column P1 only); zeros kept",
                "Table 3 (household final consumption by COICOP) not included",
                _NAMES,
            ],
            description=(
                "Values as published, £ million; intermediate consumption and final demand at purchasers' prices. "
                "Rebuild a matrix with clusterplan.sources.ons_io.supply_use_table."
            ),
        )
    )
    return built


def _ioat_industries(codes: pd.Index, names: pd.Series) -> pd.DataFrame:
    out = pd.DataFrame({"industry_code": list(codes)})
    out["classification"] = "ioat2019"
    out["industry_name"] = names.reindex(codes).to_numpy()
    out["industry_level"] = "ioat_industry"
    out["parent_code"] = pd.Series([None] * len(out), dtype="string")
    return out[INDUSTRY_COLUMNS]
