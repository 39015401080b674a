"""The reference tables the input-output models are built from, handed in as one parameter.

The input-output package is maths on frames: it reads no file. The national
tables (ONS IOAT 2019, the supply-use tables, the BEA use and total
requirements tables), the concordances and the area names it needs come in as
a :class:`ReferenceTables`, which the pipeline reads from the package data once
per process (:func:`clusterplan.pipeline.tables.reference_tables`); employment
comes in as frames the pipeline reads through the warehouse, or, where a
caller gives none, from :meth:`ReferenceTables.employment_facts`.

Any object with these attributes will do (a test may build one from slices).
Models built from the same object are cached by its identity, so the pipeline
hands out one object per process.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    import pandas as pd

    from ..sources.ons_io import IOATables

__all__ = ["ReferenceTables"]


class ReferenceTables(Protocol):
    """The package's reference tables, as the input-output functions take them.

    Attributes
    ----------
    ioat
        The ONS input-output analytical tables 2019, industry by industry
        (package dataset ``ioat2019``, parsed by
        :func:`clusterplan.sources.ons_io.ioat_from_long`).
    bres_ioat_lookup
        ``sic_code`` -> ``ioat_code``, SIC 2007 prefixes to IOAT industries
        (package dataset ``bres_ioat_lookup``).
    supply_use
        The ONS supply-use tables 1997-2020, long (package dataset ``supply_use_bb22``).
    bea_use
        The BEA summary use tables 1997-2015, long (package dataset ``bea_use_summary``).
    bea_total_requirements
        BEA's published industry-by-commodity total requirements, long (package
        dataset ``bea_total_requirements_summary``).
    bea_detail_naics
        BEA's concordance of the 2007 detail industries to NAICS (``bea_code``,
        ``naics_code``; package dataset ``bea_detail_naics_2007``).
    uk_area_names, us_area_names
        Area code -> name of the UK areas and of the US CBSAs.
    """

    def __hash__(self) -> int:
        """Identity: the models built from these tables are cached by it."""
        ...

    @property
    def ioat(self) -> IOATables: ...

    @property
    def bres_ioat_lookup(self) -> pd.DataFrame: ...

    @property
    def supply_use(self) -> pd.DataFrame: ...

    @property
    def bea_use(self) -> pd.DataFrame: ...

    @property
    def bea_total_requirements(self) -> pd.DataFrame: ...

    @property
    def bea_detail_naics(self) -> pd.DataFrame: ...

    @property
    def uk_area_names(self) -> Mapping[str, str]: ...

    @property
    def us_area_names(self) -> Mapping[str, str]: ...

    def employment_facts(self, dataset: str) -> pd.DataFrame:
        """Employment facts of a package dataset (``area_code, industry_code, year, measure, value``).

        For callers that give no employment of their own; the pipeline passes
        what the warehouse holds instead.
        """
        ...
