"""The one registry of the employment datasets clusterplan ships: how to read each, its industry levels and years.

Every module that needs a dataset's name, geography, classification, industry
levels, years or default taxonomy reads it here.

>>> DATASET_PROFILES[BRES_SUBCLASS].unit_level
'subclass'
>>> levels_of("uk")
{'sic5': 'bres_itl2_sic5', 'sic2': 'bres_itl2_sic2'}
"""

from __future__ import annotations

from dataclasses import dataclass

from ._exceptions import UnknownCodeError

__all__ = [
    "BRES_DIVISION",
    "BRES_SUBCLASS",
    "CBP_METROS",
    "DATASET_PROFILES",
    "DEFAULT_DATASET",
    "DEFAULT_TAXONOMY",
    "INDUSTRY_LEVELS",
    "LEVELS",
    "US_DEFAULT_TAXONOMY",
    "DatasetProfile",
    "dataset_profile",
    "levels_of",
]

#: BRES employment of the 40 GB ITL2 areas by SIC 2007 subclass (5-digit), 2015-2021.
BRES_SUBCLASS = "bres_itl2_sic5"
#: The same by SIC 2007 division (2-digit).
BRES_DIVISION = "bres_itl2_sic2"
#: US County Business Patterns 2019 by CBSA (metropolitan and micropolitan areas), NAICS 2- to 6-digit.
CBP_METROS = "us_cbp_2019_cbsa"

DEFAULT_DATASET = BRES_SUBCLASS
DEFAULT_TAXONOMY = "wmca_plan_for_growth"
US_DEFAULT_TAXONOMY = "us_cmp_traded_2014"


@dataclass(frozen=True)
class DatasetProfile:
    """How to read one employment dataset: which codes are units, where the area total comes from."""

    dataset: str
    geography: str
    benchmark_name: str
    default_taxonomy: str
    #: Classification and level (in the industries dimension) of the codes clusters are built from.
    classification: str
    unit_level: str
    #: Industry code of the published all-industries total, or None to sum the units.
    total_code: str | None
    #: True when the source leaves out industries an area does not have (they are zero, not unknown).
    absent_is_zero: bool = False
    #: How published cells were rounded (see ``published_value_bounds``); None when they are exact.
    rounding: str | None = None
    #: Years the packaged dataset covers.
    years: tuple[int, ...] = ()
    #: Facts dataset of the withheld cells rebuilt within their parents, and the table of what each published
    #: cell hides (``clusterplan.measures.withheld``); None when the source withholds nothing.
    imputed_dataset: str | None = None
    withheld_table: str | None = None


DATASET_PROFILES = {
    BRES_SUBCLASS: DatasetProfile(
        BRES_SUBCLASS,
        "uk",
        "Great Britain",
        DEFAULT_TAXONOMY,
        "sic2007",
        "subclass",
        None,
        rounding="nomis_bres_public",
        years=tuple(range(2015, 2022)),
    ),
    BRES_DIVISION: DatasetProfile(
        BRES_DIVISION,
        "uk",
        "Great Britain",
        DEFAULT_TAXONOMY,
        "sic2007",
        "division",
        None,
        rounding="nomis_bres_public",
        years=tuple(range(2015, 2022)),
    ),
    # CBP's "00" row is the published total; 6-digit rows miss suppressed detail, so they are not summed.
    CBP_METROS: DatasetProfile(
        CBP_METROS,
        "us",
        "all US metropolitan and micropolitan areas",
        US_DEFAULT_TAXONOMY,
        "naics2017",
        "naics6",
        "00",
        absent_is_zero=True,
        years=(2019,),
        imputed_dataset="us_cbp_2019_cbsa_imputed",
        withheld_table="us_cbp_2019_cbsa_withheld",
    ),
}

#: ``--level`` choices of ``clusterplan measures``: (dataset, industry level in the industries dimension).
LEVELS = {
    "sic5": (BRES_SUBCLASS, "subclass"),
    "sic2": (BRES_DIVISION, "division"),
    **{f"naics{n}": (CBP_METROS, f"naics{n}") for n in range(2, 7)},
}

#: Industry levels by geography: (default, all accepted, finest first), with the classification of their codes.
INDUSTRY_LEVELS = {
    "uk": ("sic5", ("sic5", "sic2"), "sic2007"),
    "us": ("naics6", ("naics6", "naics5", "naics4", "naics3", "naics2"), "naics2017"),
}


def dataset_profile(dataset: str) -> DatasetProfile:
    """The profile of a packaged employment dataset; :class:`~clusterplan.UnknownCodeError` names the choices."""
    if dataset not in DATASET_PROFILES:
        raise UnknownCodeError("employment dataset", dataset, sorted(DATASET_PROFILES))
    return DATASET_PROFILES[dataset]


def levels_of(geography: str) -> dict[str, str]:
    """The industry levels of a geography (``uk``, ``us``), finest first, with the dataset that holds each."""
    return {level: LEVELS[level][0] for level in INDUSTRY_LEVELS[geography][1]}
