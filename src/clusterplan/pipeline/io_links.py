"""Input-output links of industries from the package's national tables: the tables are read here
(:func:`clusterplan.pipeline.tables.reference_tables`) and handed to :mod:`clusterplan.relatedness.input_output`.

Great Britain uses the ONS input-output analytical tables 2019 (105 industries); the US the BEA summary use tables
(71 industries, 1997-2015) or the BEA 2007 detail use table (389 industries). Each table's industry x industry
relatedness is computed once per process and share denominator.

Examples
--------
>>> io = industry_io_relatedness(["29100", "29320", "86101"], "sic2007")
>>> bool(io.loc["29100", "29320"] > io.loc["29100", "86101"])  # cars and car parts are linked, not hospitals
True
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import cache
from typing import Any

import pandas as pd

from .._exceptions import ParameterError, UnknownCodeError
from ..inputoutput.bea import bea_model, bea_use_table
from ..inputoutput.concordance import (
    bea_detail_concordance,
    naics_bea_detail_industries,
    naics_bea_industries,
    sic_io_industries,
)
from ..inputoutput.national import model_from_ioat
from ..relatedness import input_output
from ..relatedness.input_output import IO_CLASSIFICATIONS, io_relatedness, map_io_relatedness
from .tables import reference_tables

__all__ = ["bea_detail_flows", "gb_io_model", "industry_io_relatedness", "sic_lookup"]

#: The latest BEA summary use table in the package data.
_US_YEAR = 2015


def gb_io_model() -> Any:
    """The national model of the ONS IOAT 2019 without employment (flows and output for input-output links)."""
    return model_from_ioat(reference_tables().ioat)


def sic_lookup() -> pd.DataFrame:
    """``sic_code`` -> ``ioat_code`` of the package data (the *lookup* of
    :func:`~clusterplan.inputoutput.concordance.sic_io_industries`)."""
    return reference_tables().bres_ioat_lookup


@cache
def _bea_detail_flows() -> tuple[pd.DataFrame, pd.Series, dict[str, tuple[str, ...]]]:
    tables = reference_tables()
    flows, output, usable = input_output.bea_detail_flows(
        tables.bea_use_detail, bea_detail_concordance(tables.bea_detail_naics)
    )
    return flows, output, {str(k): v for k, v in usable.items()}


def bea_detail_flows() -> tuple[pd.DataFrame, pd.Series, pd.Series]:
    """Flows, output and NAICS placement of the package's BEA 2007 detail use table
    (:func:`clusterplan.relatedness.input_output.bea_detail_flows`; copies: the caller may change them)."""
    flows, output, usable = _bea_detail_flows()
    return flows.copy(), output.copy(), pd.Series(usable, dtype=object)


@cache
def _gb_relatedness(basis: str) -> pd.DataFrame:
    model = gb_io_model()
    return io_relatedness(model.Z, model.output, basis=basis)


@cache
def _us_relatedness(year: int, basis: str) -> pd.DataFrame:
    model = bea_model(bea_use_table(reference_tables().bea_use, year))
    return io_relatedness(model.Z, model.output, basis=basis)


@cache
def _us_detail_relatedness(basis: str) -> pd.DataFrame:
    flows, output, _ = _bea_detail_flows()
    return io_relatedness(flows, output, basis=basis)


def industry_io_relatedness(
    codes: Sequence[str],
    classification: str,
    *,
    basis: str = "total",
    year: int | None = None,
    detail: bool = False,
) -> pd.DataFrame:
    """Input-output relatedness between SIC 2007 or NAICS codes, from the package's national IO tables.

    Parameters
    ----------
    codes
        Industry codes (any level) of one classification.
    classification
        ``sic2007`` (ONS IOAT 2019, 105 industries, via
        :func:`~clusterplan.inputoutput.concordance.sic_io_industries`) or ``naics2017`` (BEA summary use table,
        71 industries, via :func:`~clusterplan.inputoutput.concordance.naics_bea_industries`).
    basis
        Share denominators, as for :func:`~clusterplan.relatedness.input_output.io_relatedness`.
    year
        BEA use-table year (1997-2015; default 2015). Not used for SIC (the IOAT is for 2019 only).
    detail
        NAICS only: use the BEA detail use table of 2007 (389 industries, the benchmark-year table, through
        :func:`~clusterplan.inputoutput.concordance.naics_bea_detail_industries`) instead of the summary table:
        the level at which Delgado, Porter and Stern (2016) measure input-output links between 6-digit industries.

    Returns
    -------
    pandas.DataFrame
        Code x code relatedness in [0, 1] with a zero diagonal
        (:func:`~clusterplan.relatedness.input_output.map_io_relatedness`); 0 for codes with no IO industry
        (government, households, SIC 98-99).
    """
    codes = [str(c) for c in codes]
    if classification == "sic2007":
        if year not in (None, 2019):
            raise ParameterError(f"the UK input-output tables in the package data are for 2019 only, not {year}")
        return map_io_relatedness(_gb_relatedness(basis), sic_io_industries(codes, sic_lookup()))
    if classification in ("naics2017", "naics") and detail:
        if year not in (None, 2007):
            raise ParameterError(f"the BEA detail use table in the package data is for 2007 only, not {year}")
        usable = _bea_detail_flows()[2]
        return map_io_relatedness(_us_detail_relatedness(basis), naics_bea_detail_industries(codes, usable))
    if classification in ("naics2017", "naics"):
        chosen = _US_YEAR if year is None else int(year)
        if not 1997 <= chosen <= _US_YEAR:
            raise ParameterError(f"the BEA use tables in the package data cover 1997-{_US_YEAR}, not {chosen}")
        return map_io_relatedness(_us_relatedness(chosen, basis), naics_bea_industries(codes))
    raise UnknownCodeError("classification for input-output relatedness", classification, list(IO_CLASSIFICATIONS))
