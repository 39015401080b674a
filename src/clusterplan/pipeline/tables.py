"""The package's reference tables: read from the package data once per process, handed to the maths.

The maths packages do no I/O (issue #13): :mod:`clusterplan.inputoutput` takes
its national input-output tables, concordances and area names as a
:class:`~clusterplan.inputoutput.tables.ReferenceTables`, and this module is
where they are read. Each table is read the first time it is asked for and
kept for the life of the process (they are small: all of them together read in
about 0.2 s); employment facts, for callers without a warehouse, are read from
the package data when asked for.

Examples
--------
>>> tables = reference_tables()
>>> len(tables.ioat.industries), {"sic_code", "ioat_code"} <= set(tables.bres_ioat_lookup.columns)
(105, True)
>>> tables is reference_tables()  # one object per process: models built from it are cached by its identity
True
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import cache, cached_property

import pandas as pd

from .._data import dataset_path
from ..sources.ons_io import IOATables, ioat_from_long

__all__ = ["PackageTables", "reference_tables"]

_EMPLOYMENT_COLUMNS = ["area_code", "industry_code", "year", "measure", "value"]


def _area_names(dataset: str, *, named_only: bool) -> dict[str, str]:
    areas = pd.read_parquet(dataset_path(dataset), columns=["area_code", "area_name"])
    named = areas.dropna(subset=["area_name"]) if named_only else areas
    return dict(zip(named["area_code"].astype(str), named["area_name"].astype(str), strict=True))


class PackageTables:
    """The reference tables of the package data (:class:`~clusterplan.inputoutput.tables.ReferenceTables`).

    Every attribute reads its package dataset on first use and keeps it.
    Models keep copies of what they take (``astype``, ``reindex``), so the
    kept frames are never changed; callers must not change them either.
    """

    @cached_property
    def ioat(self) -> IOATables:
        """The ONS input-output analytical tables 2019 (package dataset ``ioat2019``), parsed."""
        return ioat_from_long(pd.read_parquet(dataset_path("ioat2019")))

    @cached_property
    def bres_ioat_lookup(self) -> pd.DataFrame:
        """SIC 2007 prefix -> IOAT industry (package dataset ``bres_ioat_lookup``)."""
        return pd.read_parquet(dataset_path("bres_ioat_lookup"))

    @cached_property
    def supply_use(self) -> pd.DataFrame:
        """The ONS supply-use tables 1997-2020, long (package dataset ``supply_use_bb22``)."""
        return pd.read_parquet(dataset_path("supply_use_bb22"))

    @cached_property
    def bea_use(self) -> pd.DataFrame:
        """The BEA summary use tables 1997-2015, long (package dataset ``bea_use_summary``)."""
        return pd.read_parquet(dataset_path("bea_use_summary"))

    @cached_property
    def bea_total_requirements(self) -> pd.DataFrame:
        """BEA's published total requirements, long (package dataset ``bea_total_requirements_summary``)."""
        return pd.read_parquet(dataset_path("bea_total_requirements_summary"))

    @cached_property
    def bea_use_detail(self) -> pd.DataFrame:
        """The BEA 2007 detail use table, long (package dataset ``bea_use_detail_2007``)."""
        return pd.read_parquet(dataset_path("bea_use_detail_2007"))

    @cached_property
    def bea_detail_naics(self) -> pd.DataFrame:
        """BEA 2007 detail industry -> NAICS codes (package dataset ``bea_detail_naics_2007``)."""
        return pd.read_parquet(dataset_path("bea_detail_naics_2007"))

    @cached_property
    def uk_area_names(self) -> Mapping[str, str]:
        """UK area code -> name (package dataset ``areas_uk``)."""
        return _area_names("areas_uk", named_only=False)

    @cached_property
    def us_area_names(self) -> Mapping[str, str]:
        """US CBSA code -> name, where shipped (package dataset ``areas_us_cbsa``)."""
        return _area_names("areas_us_cbsa", named_only=True)

    def employment_facts(self, dataset: str) -> pd.DataFrame:
        """Employment facts of a package dataset (``area_code, industry_code, year, measure, value``).

        Read on every call, not kept: CBP's are 3.4 million rows, and the
        input-output functions keep the tables they derive from them.
        """
        return pd.read_parquet(dataset_path(dataset), columns=_EMPLOYMENT_COLUMNS)


@cache
def reference_tables() -> PackageTables:
    """The package's reference tables, one object per process (each table read on first use)."""
    return PackageTables()
