"""Regional input-output models of US metropolitan and micropolitan areas: the BEA model regionalised with CBP.

The same location-quotient methods as for Great Britain (:mod:`clusterplan.inputoutput.regional`: SLQ, CILQ, FLQ,
AFLQ, Flegg's :math:`\\delta` = 0.3 by default) applied to the US national model:

* **national table**: the BEA summary use table 2015 (71 industries, the latest in the package data) with imported
  inputs taken out (:func:`~clusterplan.inputoutput.bea.bea_domestic_model`), so that what a metro does not buy
  locally comes from the rest of the US or, in the national proportions, from abroad;
* **employment**: County Business Patterns 2019 for the 933 CBSAs (``us_cbp_2019_cbsa``), NAICS codes summed into
  the BEA industries by :data:`~clusterplan.inputoutput.concordance.BEA_SUMMARY_NAICS` (each industry from the
  published cells of exactly its NAICS prefixes, so no job counts twice); national employment is the sum over the
  CBSAs, as Great Britain's is the sum over its ITL2 areas.

Caveats, beyond those of the GB model:

* CBP covers private non-farm employers: farms (``111CA``), rail (``482``), the postal service (``GFE``), the
  government industries and owner-occupied housing (``HS``) have no jobs in it. They get a location quotient of 1
  (the region is taken to supply them in the national proportion) and regional output in proportion to all of
  the region's jobs, as owner-occupiers' imputed rent does in the UK model.
* CBP withholds cells with fewer than three establishments; by default they are rebuilt within their parents
  (:mod:`clusterplan.measures.withheld`, as US runs do); with ``cells="published"`` they count as 0, which
  understates the employment of small areas in concentrated industries.
* Employment coefficients (jobs per $1m of output) divide CBP 2019 jobs in the CBSAs by 2015 output: they omit the
  jobs outside metro and micro areas (about 6% of CBP employment) and mix two years, so employment effects are
  indicative; output and value-added multipliers are not affected.
* Outside the CBSAs (rural counties) there is no model.

References
----------
Flegg, A. T. and Webber, C. D. (1997). On the appropriate use of location quotients in generating regional
input-output tables: reply. *Regional Studies* 31(8), 795-805.
Horowitz, K. J. and Planting, M. A. (2009). *Concepts and Methods of the U.S. Input-Output Accounts*. BEA.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from functools import cache
from typing import Any

import numpy as np
import pandas as pd

from .._exceptions import UnknownCodeError
from ..datasets import CBP_METROS
from ..regions import Gazetteer, Region, package_places
from .bea import bea_domestic_model, bea_model, bea_use_table
from .concordance import BEA_SUMMARY_NAICS
from .regional import DEFAULT_DELTA, DEFAULT_METHOD, RegionalModel, nation_as_region, regionalise, sic_employment_table
from .tables import ReferenceTables

__all__ = [
    "BEA_YEAR",
    "CELLS",
    "EMPLOYMENT_DATASET",
    "EMPLOYMENT_YEAR",
    "bea_industry_employment",
    "employment_datasets",
    "resolve_cbsa",
    "resolve_us_region",
    "us_naics_employment",
    "us_national_view",
    "us_regional_employment",
    "us_regional_model",
    "us_regions",
]

#: The BEA summary use table regionalised (the latest year in the package data).
BEA_YEAR = 2015
#: Employment dataset and year used to regionalise.
EMPLOYMENT_DATASET = CBP_METROS
EMPLOYMENT_YEAR = 2019


def bea_industry_employment(employment: pd.DataFrame, industries: Sequence[str]) -> pd.DataFrame:
    """Employment by BEA summary industry from employment by NAICS code (any mix of levels 2 to 6).

    Parameters
    ----------
    employment
        Areas x NAICS codes (e.g. County Business Patterns, every published level).
    industries
        The BEA industries of the model, in order: the columns of the result.

    Returns
    -------
    pandas.DataFrame
        Areas x *industries*: each industry sums the cells of exactly the NAICS prefixes
        :data:`~clusterplan.inputoutput.concordance.BEA_SUMMARY_NAICS` gives it (``3361MV`` = 3361 + 3362 +
        3363), so a job is never counted at two levels; 0 for an industry without NAICS codes or cells.

    Examples
    --------
    >>> e = pd.DataFrame({"3361": [10.0], "3363": [5.0], "33631": [4.0], "5411": [7.0]}, index=["19820"])
    >>> bea_industry_employment(e, ["3361MV", "5411", "GSLG"]).to_numpy().tolist()
    [[15.0, 7.0, 0.0]]
    """

    columns = [str(c) for c in employment.columns]
    values = employment.to_numpy(dtype=float)
    position = {c: i for i, c in enumerate(columns)}
    out = np.zeros((len(employment.index), len(industries)))
    for k, industry in enumerate(industries):
        cells = [position[p] for p in BEA_SUMMARY_NAICS.get(str(industry), ()) if p in position]
        if cells:
            out[:, k] = values[:, cells].sum(axis=1)
    frame = pd.DataFrame(out, index=employment.index.copy(), columns=pd.Index(list(industries), dtype=object))
    frame.index.name = "area_code"
    frame.columns.name = "industry_code"
    return frame


#: Which CBP cells regionalise: ``reconstructed`` (published plus the withheld cells rebuilt, the default of US
#: runs) or ``published`` (withheld cells count as 0).
CELLS = ("reconstructed", "published")


def employment_datasets(cells: str = "reconstructed") -> list[str]:
    """The CBP facts datasets whose 2019 employment regionalises: the published cells, plus the rebuilt ones
    for *cells* ``reconstructed``."""
    if cells not in CELLS:
        raise UnknownCodeError("cells", str(cells), list(CELLS))
    return [EMPLOYMENT_DATASET] + ([f"{EMPLOYMENT_DATASET}_imputed"] if cells == "reconstructed" else [])


@cache
def _cbp_wide(tables: ReferenceTables, cells: str = "reconstructed") -> pd.DataFrame:
    """CBP employment of every CBSA by NAICS code, every level (areas x codes), withheld cells as *cells* says,
    from the tables' employment facts."""
    facts = pd.concat([tables.employment_facts(d) for d in employment_datasets(cells)])
    rows = facts[((facts["measure"] == "employment") & (facts["year"] == EMPLOYMENT_YEAR)).to_numpy()]
    return sic_employment_table(rows)


def _naics_table(tables: ReferenceTables, cells: str, naics_employment: pd.DataFrame | None) -> pd.DataFrame:
    """*naics_employment* when given (read by the pipeline through the warehouse), else the tables' CBP."""
    if naics_employment is None:
        return _cbp_wide(tables, cells)
    employment_datasets(cells)  # the same check of *cells*
    return naics_employment


@cache
def _bea_use(tables: ReferenceTables) -> Any:
    """The BEA summary use table of :data:`BEA_YEAR`, split once (a US regional model asked for it twice)."""
    return bea_use_table(tables.bea_use, BEA_YEAR)


def _national_with_jobs(tables: ReferenceTables, jobs: pd.Series) -> Any:
    """The domestic BEA model with *jobs* (CBP summed over the CBSAs, by BEA industry) as its employment."""
    model = bea_domestic_model(_bea_use(tables))
    jobs = jobs.reindex(model.industries).fillna(0.0)
    return dataclasses.replace(
        model,
        employment=pd.Series(jobs.to_numpy(dtype=float), index=model.industries, name="employment"),
        notes=(
            *[n for n in model.notes if not n.startswith("no employment")],
            f"employment: CBP {EMPLOYMENT_YEAR} jobs summed over the CBSAs (private non-farm employers; none for "
            "farms, rail, postal service, government and housing); jobs per $1m mix 2019 jobs with 2015 output",
        ),
    )


@cache
def _us_national(tables: ReferenceTables, cells: str = "reconstructed") -> Any:
    """The domestic BEA model with the tables' CBP jobs as its employment, built once."""
    return _national_with_jobs(tables, _employment_by_industry(tables, cells).sum(axis=0))


def _national_of(tables: ReferenceTables, cells: str, naics_employment: pd.DataFrame | None) -> Any:
    if naics_employment is None:
        return _us_national(tables, cells)
    return _national_with_jobs(tables, _employment_of(tables, cells, naics_employment).sum(axis=0))


@cache
def _employment_by_industry(tables: ReferenceTables, cells: str = "reconstructed") -> pd.DataFrame:
    return bea_industry_employment(_cbp_wide(tables, cells), list(bea_model(_bea_use(tables)).industries))


def _employment_of(tables: ReferenceTables, cells: str, naics_employment: pd.DataFrame | None) -> pd.DataFrame:
    if naics_employment is None:
        return _employment_by_industry(tables, cells)
    industries = list(bea_model(_bea_use(tables)).industries)
    return bea_industry_employment(_naics_table(tables, cells, naics_employment), industries)


def us_regional_employment(
    tables: ReferenceTables, cells: str = "reconstructed", *, naics_employment: pd.DataFrame | None = None
) -> pd.DataFrame:
    """CBP 2019 employment of every CBSA by BEA summary industry (areas x the 71 industries); *tables*, *cells*
    and *naics_employment* as for :func:`us_regional_model`."""
    return _employment_of(tables, cells, naics_employment).copy()


def us_regions(tables: ReferenceTables, *, naics_employment: pd.DataFrame | None = None) -> pd.DataFrame:
    """The CBSAs a US regional model can be built for: ``area_code``, ``area_name`` (empty where not shipped)."""
    codes = sorted(_naics_table(tables, "reconstructed", naics_employment).index)
    names = tables.us_area_names
    return pd.DataFrame({"area_code": codes, "area_name": [names.get(c, "") for c in codes]})


def resolve_us_region(tables: ReferenceTables, region: str, *, naics_employment: pd.DataFrame | None = None) -> Region:
    """The US region *region* stands for: one CBSA, or several analysed as one (a combined statistical area such
    as ``Detroit-Warren-Ann Arbor, MI`` or its code ``220``, or a list of CBSA codes), resolved as every command
    resolves regions (:class:`~clusterplan.regions.Gazetteer`: codes, titles, unique parts of titles), among the
    CBSAs of *naics_employment* (default the CBP of the *tables*' employment facts).

    Raises
    ------
    UnknownCodeError
        *region* names no CBSA of the data (the message suggests close names).

    Examples
    --------
    >>> from clusterplan.pipeline.tables import reference_tables
    >>> csa = resolve_us_region(reference_tables(), "Detroit-Warren-Ann Arbor, MI")
    >>> csa.code, csa.members
    ('220', ('10300', '11460', '19820', '22420', '33780'))
    """
    kind = "US metropolitan or micropolitan area (CBSA) or combined statistical area"
    hint = "give a CBSA or combined statistical area, e.g. 19820 or Detroit-Warren-Ann Arbor, MI"
    places = package_places()
    codes = sorted(_naics_table(tables, "reconstructed", naics_employment).index)
    try:
        found = Gazetteer(codes, places[places["geography"] == "us"]).resolve(str(region).strip())
    except UnknownCodeError as error:  # the same error, said of US areas; the resolver's candidates kept
        raise UnknownCodeError(kind, str(region).strip(), error.choices, hint=error.hint or hint) from None
    if not set(found.members) <= set(codes):
        raise UnknownCodeError(kind, str(region).strip(), codes, hint=hint)
    return found


def resolve_cbsa(tables: ReferenceTables, region: str, *, naics_employment: pd.DataFrame | None = None) -> str:
    """The CBSA code of *region*: a 5-digit code in the data, or a CBSA title (exact, any case).

    Raises
    ------
    UnknownCodeError
        Neither; the message lists close codes.
    """
    text = str(region).strip()
    codes = set(_naics_table(tables, "reconstructed", naics_employment).index)
    if text in codes:
        return text
    by_name = {name.lower(): code for code, name in tables.us_area_names.items() if code in codes}
    if text.lower() in by_name:
        return by_name[text.lower()]
    raise UnknownCodeError(
        "US metropolitan or micropolitan area (CBSA)",
        text,
        sorted(codes),
        hint="give the 5-digit CBSA code, e.g. 19820 for Detroit-Warren-Dearborn, MI",
    )


def us_regional_model(
    tables: ReferenceTables,
    region: str,
    *,
    method: str = DEFAULT_METHOD,
    delta: float = DEFAULT_DELTA,
    cells: str = "reconstructed",
    naics_employment: pd.DataFrame | None = None,
) -> RegionalModel:
    """The regional input-output model of a US CBSA (see the module docstring).

    Parameters
    ----------
    tables
        The reference tables (:func:`clusterplan.pipeline.tables.reference_tables`): the BEA use table and the
        CBSA names.
    region
        CBSA code (``19820``) or title, or several CBSAs analysed as one (a combined statistical area, ``220``
        or ``Detroit-Warren-Ann Arbor, MI``; see :func:`resolve_us_region`): their jobs are summed, so the
        region buys inside itself what any of its metros supplies.
    method, delta
        ``slq``, ``cilq``, ``flq`` (default) or ``aflq``; Flegg's :math:`\\delta` (default 0.3).
    cells
        ``reconstructed`` (default, as US runs): CBP's published cells plus the withheld ones rebuilt within their
        parents (:mod:`clusterplan.measures.withheld`); ``published``: withheld cells count as 0.
    naics_employment
        Employment of the CBSAs by NAICS code (every level, areas x codes) of the :func:`employment_datasets`
        of *cells*, as the pipeline reads it from the warehouse; default the CBP of the *tables*' employment facts.

    Examples
    --------
    >>> from clusterplan.pipeline.tables import reference_tables
    >>> detroit = us_regional_model(reference_tables(), "19820")
    >>> detroit.unit, len(detroit.industries), round(detroit.scaling_factor, 3)
    ('$ million', 71, 0.315)
    >>> bool((detroit.A.abs() <= detroit.national_coefficients.abs()).all().all())  # BEA has a few negative flows
    True
    """
    place = resolve_us_region(tables, region, naics_employment=naics_employment)
    employment = _employment_of(tables, cells, naics_employment)
    return regionalise(
        _national_of(tables, cells, naics_employment),
        pd.Series(employment.loc[list(place.members)].sum(axis=0), dtype=float),
        pd.Series(employment.sum(axis=0), dtype=float),
        method=method,
        delta=delta,
        region_code=place.code,
        region_name=place.name,
        year=EMPLOYMENT_YEAR,
        employment_dataset="+".join(employment_datasets(cells)),
    )


def us_national_view(
    tables: ReferenceTables, cells: str = "reconstructed", *, naics_employment: pd.DataFrame | None = None
) -> RegionalModel:
    """The national (domestic BEA) model in the shape of a :class:`~clusterplan.inputoutput.regional.RegionalModel`.

    Every quotient is 1, so ``A`` is the national domestic coefficient matrix and the multipliers are national.
    """
    national = pd.Series(_employment_of(tables, cells, naics_employment).sum(axis=0), dtype=float)
    return nation_as_region(
        _national_of(tables, cells, naics_employment),
        national,
        code="US",
        name="United States",
        year=EMPLOYMENT_YEAR,
        employment_dataset="+".join(employment_datasets(cells)),
    )


def us_naics_employment(
    tables: ReferenceTables,
    region: str | None = None,
    *,
    cells: str = "reconstructed",
    naics_employment: pd.DataFrame | None = None,
) -> tuple[pd.Series, pd.Series | None]:
    """CBP 2019 employment by 6-digit NAICS code of the US and, when *region* is given, of that region (its CBSAs
    summed, see :func:`resolve_us_region`).

    Returns
    -------
    tuple
        ``(national, regional)``; *regional* is None without a region.
    """
    wide = _naics_table(tables, cells, naics_employment)
    six = [c for c in wide.columns if len(c) == 6]
    national = wide[six].sum(axis=0)
    if region is None:
        return national, None
    members = list(resolve_us_region(tables, region, naics_employment=naics_employment).members)
    return national, pd.Series(wide.loc[members, six].sum(axis=0))
