"""Build the UK business-count datasets: IDBR enterprises (NOMIS NM_142_1) and the ONS 2017 UK business workbook."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd

from .._exceptions import DataValidationError
from ..sources.nomis import read_nomis_csv
from ..sources.ons_business import (
    CLASSIFICATION,
    broad_group_divisions,
    broad_group_industries,
    read_ukbusiness_workbook,
    sic_class_industries,
    workbook_areas,
)
from ._common import OGL, BuiltDataset, raw_entry, write_facts, write_table

_IDBR = "uk/business_counts/idbr_enterprises_GB_sic5_sizeband_2016_2021.csv"
_WORKBOOK = "uk/business_counts/ukbusinessworkbook2017.xls"
_ONS = "Office for National Statistics"
_WORKBOOK_SOURCE = "ONS, UK business: activity, size and location 2017 (ukbusinessworkbook2017.xls), IDBR at March 2017"
_ROUNDING = (
    "ONS rounds every figure to avoid disclosure; a value may be rounded down to zero, so a 0 is flagged "
    "'zero_may_be_suppressed'. Totals are not stored: they are rounded separately and differ slightly from the "
    "sum of their parts."
)


def _idbr(raw: Path, out: Path) -> BuiltDataset:
    name = "idbr_enterprises_gb_sic5"
    facts = read_nomis_csv(
        raw / _IDBR, dataset=name, measure="enterprises", unit="count", classification="sic2007", file_label=_IDBR
    )
    years = sorted(facts["year"].unique().tolist())
    # The file name says 2016-2021 but the NOMIS extract it holds runs to 2022: check, and describe what is there.
    if years != list(range(2016, 2023)):
        raise DataValidationError(f"expected the years 2016-2022, found {years}", file=_IDBR)
    bands = facts["breakdown"].drop_duplicates().tolist()
    return write_facts(
        facts,
        out,
        name,
        title="UK Business Counts: enterprises in Great Britain by SIC 2007 subclass and employment size band, "
        "2016-2022",
        source="UK Business Counts (Inter-Departmental Business Register), NOMIS dataset NM_142_1 "
        "'UK Business Counts - enterprises by industry and employment size band'",
        publisher="Office for National Statistics (via NOMIS)",
        vintage="IDBR March snapshots 2016-2022",
        licence=OGL,
        raw_files=[raw_entry(raw, _IDBR)],
        transforms=[
            "NOMIS CSV parsed to canonical facts (area K03000001 Great Britain, measure enterprises)",
            "employment size band name -> breakdown",
            "0 flagged zero_may_be_suppressed",
        ],
        description=(
            f"VAT and/or PAYE based enterprises, Great Britain (no Northern Ireland), by the 729 SIC 2007 subclasses "
            f"BRES publishes and {len(bands)} employment size bands ({', '.join(bands)}); there is no all-sizes "
            "row: sum the bands. Years 2016-2022 (the raw file name says 2016_2021, but it holds 2022 too). "
            "Row 01000 (DEFRA/Scottish Government agricultural data) is 0 throughout. Counts are rounded "
            "(multiples of 5); a 0 may be rounded down or suppressed."
        ),
    )


def _workbook_facts(raw: Path, out: Path, tables: dict[str, pd.DataFrame]) -> list[BuiltDataset]:
    spec = {
        "ons_business_2017_area_broad_groups": (
            "UK business 2017: enterprises and local units by local authority, county, region and country "
            "x 17 broad industry groups",
            "Tables 1 (enterprises) and 16 (local units)",
            f"Areas keep the 2017 GSS codes the sheet prints (391 districts and unitary authorities before later "
            f"mergers, counties, metropolitan counties, Inner/Outer London, regions, countries, UK); industries are "
            f"the broad industry groups of classification '{CLASSIFICATION}', coded by their SIC 2007 division "
            f"range ('01-03', '45', ...); see industries_ons_broad_groups and ons_broad_industry_group_divisions.",
        ),
        "ons_business_2017_region_sic_classes": (
            "UK business 2017: enterprises and local units by SIC 2007 class (4-digit) x UK, countries and regions",
            "Tables 2 (enterprises) and 17 (local units)",
            "615 SIC 2007 classes (4-digit; names in industries_sic2007_classes) x UK, GB, England and Wales, "
            "England, the 9 English regions, Wales, Scotland, Northern Ireland.",
        ),
        "ons_business_2017_region_divisions_by_size": (
            "UK business 2017: enterprises and local units by SIC 2007 division x region x employment size band",
            "Tables 3 (enterprises) and 18 (local units)",
            "88 SIC 2007 divisions x the same 16 areas x 7 employment size bands (breakdown '0 to 4', '5 to 9', "
            "'10 to 19', '20 to 49', '50 to 99', '100 to 249', '250+'); no all-sizes row: sum the bands.",
        ),
    }
    built = []
    for name, (title, tables_used, detail) in spec.items():
        facts = tables[name]
        built.append(
            write_facts(
                facts,
                out,
                name,
                title=title,
                source=f"{_WORKBOOK_SOURCE}, {tables_used}",
                publisher=_ONS,
                vintage="2017 (IDBR snapshot of 10 March 2017)",
                licence=OGL,
                raw_files=[raw_entry(raw, _WORKBOOK)],
                transforms=[
                    f"{tables_used} read cell by cell (xlrd); measure enterprises / local_units from each title",
                    "Total rows and columns dropped",
                    "pseudo region codes W12000001, S12000001, N12000001 -> country codes W92000004, S92000003, "
                    "N92000002 (as in Table 1)",
                    "size band '0-4' -> '0 to 4' (NOMIS style)",
                    "0 flagged zero_may_be_suppressed",
                ],
                description=f"{detail} VAT and/or PAYE based businesses on the IDBR; enterprises are counted "
                f"where the business is run from (head office or main site), local units at each site. {_ROUNDING}",
            )
        )
    return built


def _dimensions(raw: Path, out: Path, tables: dict[str, pd.DataFrame]) -> list[BuiltDataset]:
    areas_facts = tables["ons_business_2017_area_broad_groups"]
    classes = tables["ons_business_2017_region_sic_classes"]
    divisions = tables["ons_business_2017_region_divisions_by_size"]
    header_names = classes[["area_code", "area_name"]].drop_duplicates()
    enterprises_rows = areas_facts[areas_facts["measure"] == "enterprises"]
    common: dict[str, Any] = {
        "publisher": _ONS,
        "vintage": "2017",
        "licence": OGL,
        "raw_files": [raw_entry(raw, _WORKBOOK)],
    }
    return [
        write_table(
            broad_group_industries(),
            out,
            "industries_ons_broad_groups",
            kind="industries",
            title="ONS broad industry groups (17) of the UK business workbook",
            source=f"{_WORKBOOK_SOURCE}, Notes sheet and Table 1 header",
            transforms=["group names as listed in the Notes sheet; code = published SIC 2007 division range"],
            description=f"Classification '{CLASSIFICATION}': the 17 broad industry groups of the ONS UK business "
            "publication (Production = SIC sections B-E is one group; NOMIS's 18-group version splits it into "
            "mining, quarrying & utilities and manufacturing).",
            **common,
        ),
        write_table(
            broad_group_divisions(divisions["industry_code"].unique()),
            out,
            "ons_broad_industry_group_divisions",
            title="SIC 2007 divisions in each ONS broad industry group",
            source=f"{_WORKBOOK_SOURCE}, Notes sheet",
            transforms=[
                "each of the 88 divisions of Table 3 placed in the group whose published division range contains it"
            ],
            description="broad_group_code, sic2007_division, sic2007_sections: aggregate division-level data "
            "(e.g. BRES) to the broad groups with it.",
            **common,
        ),
        write_table(
            sic_class_industries(classes),
            out,
            "industries_sic2007_classes",
            kind="industries",
            title="SIC 2007 classes (4-digit) with names",
            source=f"{_WORKBOOK_SOURCE}, Table 2 row labels",
            transforms=["'dddd : name' row labels split; parent = the 3-digit group (first 3 digits)"],
            description="Classification 'sic2007', level 'class': the 615 UK SIC 2007 classes, which the SIC lookup "
            "(subclasses, groups, divisions, sections) does not list.",
            **common,
        ),
        write_table(
            workbook_areas(enterprises_rows, header_names),
            out,
            "ons_business_2017_areas",
            title="Areas of the UK business workbook 2017 (GSS codes of March 2017) with their parents",
            source=f"{_WORKBOOK_SOURCE}, Table 1 rows and Table 2 header",
            transforms=[
                "area level from the GSS code prefix; parent from the sheet's nesting (district in county, "
                "county in region)",
                "upper-case region and country names replaced by the Table 2 header names",
            ],
            description="Area rows in the shape of the areas dimension (kind 'table' so that the 2017 codes do "
            "not duplicate the current geography); several 2017 districts and counties were merged later "
            "(e.g. Cumbria, North Yorkshire, Somerset in 2023).",
            **common,
        ),
    ]


def build(raw: Path, out: Path) -> list[BuiltDataset]:
    tables = read_ukbusiness_workbook(raw / _WORKBOOK, prefix="ons_business_2017", file_label=_WORKBOOK)
    return [_idbr(raw, out), *_workbook_facts(raw, out, tables), *_dimensions(raw, out, tables)]
