"""Build the ONS regional GVA by industry datasets (ITL1, ITL2, ITL3; current prices and chained volume)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from ..sources.ons_gva import gva_industries, read_gva_table
from ._common import OGL, BuiltDataset, raw_entry, write_facts, write_table

_DIR = "uk/gva_itl/"
_TABLES = [
    ("gva_itl1_current_prices", "Table_1c_ITL1_UK_current_price_estimates_pounds_million.csv", "cp", "2023"),
    (
        "gva_itl1_chained_volume",
        "Table_1b_ITL1_UK_chained_volume_measures_in_2019_money_value_pounds_million.csv",
        "cvm",
        "2023",
    ),
    ("gva_itl2_current_prices", "Table_2c_ITL2_current_price_estimates_pounds_million_2024.csv", "cp", "2024"),
    (
        "gva_itl2_chained_volume",
        "Table_2b_ITL2_UK_chained_volume_measures_in_2019_money_value_pounds_million.csv",
        "cvm",
        "2023",
    ),
    ("gva_itl3_current_prices", "Table_3c_ITL3_current_price_estimates_pounds_million_2024.csv", "cp", "2024"),
    (
        "gva_itl3_chained_volume",
        "Table_3b_ITL3_UK_chained_volume_measures_in_2019_money_value_pounds_million.csv",
        "cvm",
        "2023",
    ),
]
_MEASURES = {
    "cp": ("gva_current_prices", "gbp_million", "current prices"),
    "cvm": ("gva_chained_volume_2019", "gbp_million_2019", "chained volume measures in 2019 money value"),
}
_VINTAGES = {
    "2024": "Regional gross value added (balanced) by industry, April 2024 release (1998-2022)",
    "2023": "Regional gross value added (balanced) by industry, 2023 release (1998-2021)",
}


def build(raw: Path, out: Path) -> list[BuiltDataset]:
    built = []
    all_industries = []
    for name, filename, kind, vintage in _TABLES:
        measure, unit, words = _MEASURES[kind]
        relative = _DIR + filename
        facts = read_gva_table(raw / relative, dataset=name, measure=measure, unit=unit)
        all_industries.append(gva_industries(facts))
        level = name.split("_")[1].upper()
        built.append(
            write_facts(
                facts,
                out,
                name,
                allow_negative=True,
                title=f"Regional GVA (balanced) by industry, {level} areas, {words}, £ million",
                source="ONS Regional gross value added (balanced) by industry: all ITL regions",
                publisher="Office for National Statistics",
                vintage=_VINTAGES[vintage],
                licence=OGL,
                raw_files=[raw_entry(raw, relative)],
                transforms=[
                    "wide years -> long",
                    "thousands separators removed",
                    "spreadsheet-date codes repaired (02-Mar -> 2-3, 11-Dec -> 11-12)",
                    "UK -> K02000001",
                ],
                description="Industry rows overlap (total, sectors, sections, divisions): never sum across levels.",
            )
        )
    industries = pd.concat(all_industries).drop_duplicates("industry_code").sort_values("industry_code")
    built.append(
        write_table(
            industries,
            out,
            "industries_ons_gva",
            kind="industries",
            title="Industry rows of the ONS regional GVA tables",
            source="ONS Regional gross value added (balanced) by industry",
            publisher="Office for National Statistics",
            vintage=_VINTAGES["2024"],
            licence=OGL,
            raw_files=[raw_entry(raw, _DIR + t[1]) for t in _TABLES],
            transforms=["distinct industry rows of all six tables"],
        )
    )
    return built
