"""UK statistical geography: ITL areas, local authority districts, combined authorities and their shapes.

Two halves:

* **parsers** of the raw files the geography builder reads — the LAD → ITL
  lookup (:func:`read_lad_itl_lookup`), mySociety's register of local
  authorities (:func:`read_mysociety_authorities`), the area code and name
  columns of the ONS regional GVA tables (:func:`read_itl_names`) and of a
  NOMIS CSV (:func:`read_nomis_area_names`) — plus the pure derivations built on
  them (:func:`combined_authority_membership`, :func:`match_nuts2016_to_itl2021`);
* **runtime access** to the built, packaged datasets (``areas_uk``,
  ``lad_itl_lookup``, ``lad_combined_authority``, ``nuts2016_itl2021_crosswalk``
  and the ``boundaries_*`` GeoJSON files): :func:`load_areas`,
  :func:`crosswalk`, :func:`resolve_area_code`, :func:`lads_in`,
  :func:`load_boundaries`.

Canonical area codes are ITL 2021 codes (``TLG3``) for ITL areas, GSS codes for
everything else (``E08000025`` Birmingham, ``E47000007`` West Midlands Combined
Authority, ``K03000001`` Great Britain). NUTS 2016 codes (``UKG3``), as used by
BRES on NOMIS, are accepted wherever a code is and translated.

This module needs only pandas and the standard library; the shapefile reading
and simplification live in the builder (:mod:`clusterplan._build.geography`).
"""

from __future__ import annotations

import json
import re
from functools import cache
from pathlib import Path
from typing import Any

import pandas as pd

from .._data import data_dir, dataset_entry
from .._exceptions import DataValidationError, ParameterError, UnknownCodeError, WarehouseError
from ..regions import AREA_LEVELS, GREAT_BRITAIN, UNITED_KINGDOM, resolve_area_code
from ._codes import nuts2016_to_itl2021
from ._csv import check_unique, first_true, read_text_csv

__all__ = [
    "AREA_LEVELS",
    "BOUNDARY_LEVELS",
    "COUNTRIES",
    "GREAT_BRITAIN",
    "UNITED_KINGDOM",
    "combined_authority_code",
    "combined_authority_membership",
    "crosswalk",
    "lads_in",
    "load_areas",
    "load_boundaries",
    "load_lad_combined_authority",
    "load_lad_itl_lookup",
    "match_nuts2016_to_itl2021",
    "normalise_area_name",
    "read_itl_names",
    "read_lad_itl_lookup",
    "read_mysociety_authorities",
    "read_nomis_area_names",
    "resolve_area_code",
]

#: GSS codes of the four countries of the UK.
COUNTRIES = {"E92000001": "England", "W92000004": "Wales", "S92000003": "Scotland", "N92000002": "Northern Ireland"}

#: Levels :func:`load_boundaries` knows.
BOUNDARY_LEVELS = ("itl1", "itl2", "itl3", "lad", "cbsa")

# NOMIS labels NUTS 2016 area UKL1 by its short name; the NUTS 2016 (and ITL 2021) name is the long one.
_KNOWN_NAME_VARIANTS = {"west wales": "west wales and the valleys"}

_LAD_CODE = re.compile(r"^[ENSW]\d{8}$")
_ITL3_CODE = re.compile(r"^TL[C-N][0-9A-Z]{2}$")
_ITL_LEVEL = {3: "itl1", 4: "itl2", 5: "itl3"}

_LAD_ITL_COLUMNS = {
    "LAD23CD": "lad_code",
    "LAD23NM": "lad_name",
    "ITL321CD": "itl3_code",
    "ITL321NM": "itl3_name",
    "ITL221CD": "itl2_code",
    "ITL121CD": "itl1_code",
}
_MYSOCIETY_COLUMNS = {
    "local-authority-code": "authority_code",
    "gss-code": "gss_code",
    "official-name": "official_name",
    "nice-name": "nice_name",
    "local-authority-type": "authority_type",
    "county-la": "county_authority_code",
    "combined-authority": "combined_authority",
    "current-authority": "current",
    "start-date": "start_date",
    "end-date": "end_date",
    "nation": "nation",
    "region": "region",
}


# -- reading raw files ---------------------------------------------------------------------------------------


def _read_csv(path: str | Path, label: str) -> pd.DataFrame:
    frame = read_text_csv(path, label)
    frame.columns = [c.strip() for c in frame.columns]
    return frame


def _require(frame: pd.DataFrame, columns: list[str], label: str, what: str) -> None:
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise DataValidationError(
            f"missing column(s) {', '.join(missing)}; found {', '.join(frame.columns)}",
            file=label,
            hint=f"expected {what}",
        )


def _check_unique(values: pd.Series, label: str, column: str, what: str) -> None:
    check_unique(
        values,
        label,
        column=column,
        problem=f"duplicate {what} (first seen in row {{first}})",
        hint=f"each {what} may appear once",
    )


def read_lad_itl_lookup(path: str | Path, *, file_label: str | None = None) -> pd.DataFrame:
    """Parse a local authority district → ITL 2021 lookup.

    Reads the layout of ONS's "LAD to ITL" lookups and of the derived file in
    ``shared/data/uk/lookups``: ``LAD23CD, LAD23NM, ITL321CD, ITL321NM,
    ITL221CD, ITL121CD`` and optionally ``match`` (how the derived file placed
    the LAD: ``contains`` = the LAD's label point lies in the ITL3 polygon).

    Parameters
    ----------
    path
        The CSV file.
    file_label
        Name used in error messages (defaults to the path).

    Returns
    -------
    pandas.DataFrame
        ``lad_code, lad_name, itl3_code, itl3_name, itl2_code, itl1_code, match``,
        one row per LAD, in file order.

    Raises
    ------
    DataValidationError
        Missing columns, empty or malformed codes, an ITL2/ITL1 code that is not
        the prefix of the ITL3 code, or a LAD code listed twice.

    Examples
    --------
    >>> import io
    >>> text = "LAD23CD,LAD23NM,ITL321CD,ITL321NM,ITL221CD,ITL121CD,match\\n"
    >>> text += "E08000025,Birmingham,TLG31,Birmingham,TLG3,TLG,contains\\n"
    >>> read_lad_itl_lookup(io.StringIO(text), file_label="lookup.csv").iloc[0].tolist()
    ['E08000025', 'Birmingham', 'TLG31', 'Birmingham', 'TLG3', 'TLG', 'contains']
    """
    label = file_label or str(path)
    raw = _read_csv(path, label)
    _require(raw, list(_LAD_ITL_COLUMNS), label, "a LAD to ITL lookup (LAD23CD, LAD23NM, ITL321CD, ...)")
    frame = raw[list(_LAD_ITL_COLUMNS)].rename(columns=_LAD_ITL_COLUMNS)
    frame = frame.apply(lambda s: s.str.strip())
    frame["match"] = raw["match"].str.strip() if "match" in raw.columns else ""
    if frame.empty:
        raise DataValidationError("no data rows", file=label)
    source = {v: k for k, v in _LAD_ITL_COLUMNS.items()}
    for column, pattern in (("lad_code", _LAD_CODE), ("itl3_code", _ITL3_CODE)):
        bad = ~frame[column].str.fullmatch(pattern.pattern).to_numpy()
        if bad.any():
            i = first_true(bad)
            raise DataValidationError(
                f"{frame[column].iloc[i]!r} is not a {'GSS LAD' if column == 'lad_code' else 'ITL3 2021'} code",
                file=label,
                row=i + 1,
                column=source[column],
            )
    for column, width in (("itl2_code", 4), ("itl1_code", 3)):
        bad = (frame[column] != frame["itl3_code"].str.slice(0, width)).to_numpy()
        if bad.any():
            i = first_true(bad)
            raise DataValidationError(
                f"{frame[column].iloc[i]!r} is not the first {width} characters of ITL3 {frame['itl3_code'].iloc[i]!r}",
                file=label,
                row=i + 1,
                column=source[column],
            )
    _check_unique(frame["lad_code"], label, "LAD23CD", "LAD code")
    return frame.reset_index(drop=True)


def read_mysociety_authorities(path: str | Path, *, file_label: str | None = None) -> pd.DataFrame:
    """Parse mySociety's register of UK local authorities (``uk_local_authorities_future.csv``).

    Parameters
    ----------
    path
        The CSV of mysociety/uk_local_authority_names_and_codes.
    file_label
        Name used in error messages (defaults to the path).

    Returns
    -------
    pandas.DataFrame
        One row per authority, past and current: ``authority_code`` (mySociety's
        three-letter code), ``gss_code``, ``official_name``, ``nice_name``,
        ``authority_type`` (``MD``, ``NMD``, ``UA``, ``CTY``, ``COMB``, ...),
        ``county_authority_code`` (for a district, its county council),
        ``combined_authority`` (the ``authority_code`` of its combined authority),
        ``current`` (bool), ``start_date``, ``end_date``, ``nation``, ``region``.

    Raises
    ------
    DataValidationError
        Missing columns, an authority code or a current authority's GSS code
        listed twice, a ``current-authority`` that is not True/False, or a
        combined authority or county that is not itself in the register.
    """
    label = file_label or str(path)
    raw = _read_csv(path, label)
    _require(raw, list(_MYSOCIETY_COLUMNS), label, "mySociety's uk_local_authorities CSV")
    frame = raw[list(_MYSOCIETY_COLUMNS)].rename(columns=_MYSOCIETY_COLUMNS).apply(lambda s: s.str.strip())
    if frame.empty:
        raise DataValidationError("no data rows", file=label)
    flags = frame["current"]
    bad = ~flags.isin(["True", "False"]).to_numpy()
    if bad.any():
        i = first_true(bad)
        raise DataValidationError(
            f"current-authority {flags.iloc[i]!r} is not True or False",
            file=label,
            row=i + 1,
            column="current-authority",
        )
    frame["current"] = flags == "True"
    bad = (frame["authority_code"] == "").to_numpy()
    if bad.any():
        raise DataValidationError(
            "empty authority code", file=label, row=first_true(bad) + 1, column="local-authority-code"
        )
    _check_unique(frame["authority_code"], label, "local-authority-code", "authority code")
    current = frame[frame["current"] & (frame["gss_code"] != "")]
    dup = current["gss_code"].duplicated().to_numpy()
    if dup.any():
        i = first_true(dup)
        code = current["gss_code"].iloc[i]
        raise DataValidationError(
            "duplicate GSS code among current authorities",
            file=label,
            row=int(current.index[i]) + 1,
            column="gss-code",
            code=code,
            hint="each current local authority may appear once",
        )
    known = set(frame["authority_code"])
    for column, source in (("combined_authority", "combined-authority"), ("county_authority_code", "county-la")):
        bad = ((frame[column] != "") & ~frame[column].isin(known)).to_numpy()
        if bad.any():
            i = first_true(bad)
            raise DataValidationError(
                f"{source} {frame[column].iloc[i]!r} is not an authority in the file",
                file=label,
                row=i + 1,
                column=source,
                hint="the register must list every combined authority and county it refers to",
            )
    return frame.reset_index(drop=True)


def _distinct_areas(frame: pd.DataFrame, label: str, code_column: str) -> pd.DataFrame:
    """Distinct (code, name) rows of a table that repeats each area; *code_column* is the code's column in the file.

    Raises for an empty code or a code published with two names.
    """
    code_col, name_col = frame.columns
    bad = (frame[code_col] == "").to_numpy()
    if bad.any():
        raise DataValidationError("empty area code", file=label, row=first_true(bad) + 1, column=code_column)
    distinct = frame.drop_duplicates()
    clash = distinct[code_col].duplicated().to_numpy()
    if clash.any():
        i = first_true(clash)
        code = distinct[code_col].iloc[i]
        names = distinct.loc[distinct[code_col] == code, name_col].tolist()
        raise DataValidationError(
            f"area published with two names {names}", file=label, row=int(distinct.index[i]) + 1, code=code
        )
    return distinct.reset_index(drop=True)


def read_itl_names(path: str | Path, *, file_label: str | None = None) -> pd.DataFrame:
    """Area codes and names of an ONS regional GVA table (``Table_1c``/``2c``/``3c`` ...).

    The first two columns are ``ITL code, Region name`` (``ITL region code, ITL
    region name`` in older releases); each area repeats on every industry row.
    Codes are returned as published (``UK``, ``TLB`` England, ``TLZ``
    Extra-Regio, ``UKX`` and the ITL codes).

    Returns
    -------
    pandas.DataFrame
        ``itl_code, itl_name``, one row per area in file order.

    Raises
    ------
    DataValidationError
        Missing columns, an empty code, or a code published with two names.
    """
    label = file_label or str(path)
    raw = _read_csv(path, label)
    code_col = next((c for c in ("ITL code", "ITL region code") if c in raw.columns), None)
    name_col = next((c for c in ("Region name", "ITL region name") if c in raw.columns), None)
    if code_col is None or name_col is None:
        raise DataValidationError(
            f"missing 'ITL code' / 'Region name' columns; found {', '.join(raw.columns[:5])}",
            file=label,
            hint="expected an ONS regional GVA by industry table",
        )
    frame = pd.DataFrame({"itl_code": raw[code_col].str.strip(), "itl_name": raw[name_col].str.strip()})
    return _distinct_areas(frame, label, code_col)


def read_nomis_area_names(path: str | Path, *, file_label: str | None = None) -> pd.DataFrame:
    """Distinct ``GEOGRAPHY_CODE, GEOGRAPHY_NAME`` pairs of a NOMIS CSV download (e.g. BRES by NUTS 2016 area).

    Returns
    -------
    pandas.DataFrame
        ``nuts2016_code, nuts2016_name``, one row per area in file order
        (codes as published: ``UKG3``).

    Raises
    ------
    DataValidationError
        Missing columns, an empty code, or a code published with two names.
    """
    label = file_label or str(path)
    raw = read_text_csv(
        path, label, usecols=lambda c: c.strip().upper() in ("GEOGRAPHY_CODE", "GEOGRAPHY_NAME"), error_detail=False
    )
    raw.columns = [c.strip().upper() for c in raw.columns]
    _require(raw, ["GEOGRAPHY_CODE", "GEOGRAPHY_NAME"], label, "a NOMIS CSV with GEOGRAPHY_CODE and GEOGRAPHY_NAME")
    frame = pd.DataFrame(
        {"nuts2016_code": raw["GEOGRAPHY_CODE"].str.strip(), "nuts2016_name": raw["GEOGRAPHY_NAME"].str.strip()}
    )
    return _distinct_areas(frame, label, "GEOGRAPHY_CODE")


# -- derivations -------------------------------------------------------------------------------------------


def normalise_area_name(name: str) -> str:
    """Area name reduced for matching: case, ``&``, punctuation and spacing ignored.

    >>> normalise_area_name("Northumberland, and Tyne and Wear")
    'northumberland and tyne and wear'
    >>> normalise_area_name("Gloucestershire, Wiltshire and Bath/Bristol Area")
    'gloucestershire wiltshire and bath bristol area'
    """
    text = name.casefold().replace("&", " and ")
    text = re.sub(r"[^\w]+", " ", text)
    return " ".join(text.split())


def match_nuts2016_to_itl2021(
    nuts: pd.DataFrame, itl: pd.DataFrame, *, nuts_label: str = "NUTS 2016 areas", itl_label: str = "ITL areas"
) -> pd.DataFrame:
    """Match NUTS 2016 areas to ITL 2021 areas by name and confirm the code rule ``UKxx`` → ``TLxx``.

    Each NUTS area is matched to the ITL area of the same name, compared after
    :func:`normalise_area_name` (and, for NOMIS's short name "West Wales", with
    the known long form "West Wales and The Valleys"). The matched ITL code
    must then equal :func:`~clusterplan.sources._codes.nuts2016_to_itl2021` of
    the NUTS code. Any area without a match is an error: the crosswalk is only
    trusted if every area confirms it.

    Parameters
    ----------
    nuts
        ``nuts2016_code, nuts2016_name`` (from :func:`read_nomis_area_names`).
    itl
        ``itl_code, itl_name`` (from :func:`read_itl_names`).
    nuts_label, itl_label
        Names of the two sources for error messages.

    Returns
    -------
    pandas.DataFrame
        ``nuts2016_code, itl2021_code, level, nuts2016_name, itl2021_name,
        name_match``; ``name_match`` is ``exact`` (identical names),
        ``normalised`` (equal after normalising case and punctuation) or
        ``known_variant``.

    Raises
    ------
    DataValidationError
        A NUTS area with no ITL area of that name, or whose matched ITL code
        breaks the prefix rule.

    Examples
    --------
    >>> nuts = pd.DataFrame({"nuts2016_code": ["UKC2"], "nuts2016_name": ["Northumberland and Tyne and Wear"]})
    >>> itl = pd.DataFrame({"itl_code": ["TLC2"], "itl_name": ["Northumberland, and Tyne and Wear"]})
    >>> match_nuts2016_to_itl2021(nuts, itl)[["nuts2016_code", "itl2021_code", "name_match"]].iloc[0].tolist()
    ['UKC2', 'TLC2', 'normalised']
    """
    by_name: dict[str, list[tuple[str, str]]] = {}
    for code, name in zip(itl["itl_code"], itl["itl_name"], strict=True):
        by_name.setdefault(normalise_area_name(name), []).append((code, name))
    rows = []
    for i, (code, name) in enumerate(zip(nuts["nuts2016_code"], nuts["nuts2016_name"], strict=True)):
        key = normalise_area_name(name)
        how = "exact"
        candidates = by_name.get(key, [])
        if not candidates and key in _KNOWN_NAME_VARIANTS:
            candidates = by_name.get(_KNOWN_NAME_VARIANTS[key], [])
            how = "known_variant"
        expected = nuts2016_to_itl2021(code)
        if not candidates:
            raise DataValidationError(
                f"NUTS 2016 area {name!r} has no ITL area of the same name in {itl_label}",
                file=nuts_label,
                row=i + 1,
                code=code,
                hint=f"check the name of {expected} in both files, or add a documented name variant",
            )
        matched = [c for c in candidates if c[0] == expected]
        if not matched:
            found = ", ".join(c[0] for c in candidates)
            raise DataValidationError(
                f"NUTS 2016 area {name!r} matches ITL area(s) {found} by name, not {expected} as the code rule says",
                file=nuts_label,
                row=i + 1,
                code=code,
            )
        itl_code, itl_name = matched[0]
        if how == "exact" and itl_name != name:
            how = "normalised"
        level = _ITL_LEVEL.get(len(itl_code), "")
        rows.append((code, itl_code, level, name, itl_name, how))
    out = pd.DataFrame(
        rows, columns=["nuts2016_code", "itl2021_code", "level", "nuts2016_name", "itl2021_name", "name_match"]
    )
    _check_unique(out["itl2021_code"], nuts_label, "GEOGRAPHY_CODE", "ITL 2021 match")
    return out


def combined_authority_code(authorities: pd.DataFrame, authority_code: str) -> str:
    """Code of a combined authority: its GSS code (``E47000007``), else ``mysociety:<code>``.

    mySociety lists a GSS code for every combined authority it registers; the
    ``mysociety:`` form is a stable fallback for one that has none yet.
    """
    row = authorities.loc[authorities["authority_code"] == authority_code]
    gss = str(row["gss_code"].iloc[0]) if len(row) else ""
    return gss or f"mysociety:{authority_code}"


def combined_authority_membership(
    authorities: pd.DataFrame, lads: pd.DataFrame, *, file_label: str | None = None
) -> pd.DataFrame:
    """Which local authority districts belong to which combined authority.

    A current authority with a ``combined_authority`` is a member. A member
    that is a district (its GSS code is in *lads*) is listed directly; a member
    that is a county council (e.g. Derbyshire in the East Midlands Combined
    County Authority) brings in its current districts, with ``via_county_code``
    set to the county's GSS code (unless the district is also listed itself,
    as in Cambridgeshire).

    Parameters
    ----------
    authorities
        From :func:`read_mysociety_authorities`.
    lads
        ``lad_code, lad_name`` of the current districts (e.g. from
        :func:`read_lad_itl_lookup`).
    file_label
        Name of the authority register for error messages.

    Returns
    -------
    pandas.DataFrame
        ``lad_code, lad_name, combined_authority_code, combined_authority_name,
        via_county_code, combined_authority_start_date`` (ISO date, empty if
        not given), sorted by combined authority and LAD.

    Raises
    ------
    DataValidationError
        A member that is neither a district nor a county with districts, or a
        district in two combined authorities.
    """
    current = authorities[authorities["current"]]
    lad_names = {str(k): str(v) for k, v in zip(lads["lad_code"], lads["lad_name"], strict=True)}
    codes = authorities["authority_code"].astype(str)
    names = dict(zip(codes, authorities["official_name"].astype(str), strict=True))
    starts = dict(zip(codes, authorities["start_date"].astype(str), strict=True))
    rows: list[tuple[str, str, str, str, str, str]] = []
    for member in current[current["combined_authority"] != ""].to_dict("records"):
        gss, combined = str(member["gss_code"]), str(member["combined_authority"])
        ca_code = combined_authority_code(authorities, combined)
        ca_name, start = names[combined], starts[combined]
        if gss in lad_names:
            rows.append((gss, lad_names[gss], ca_code, ca_name, "", start))
            continue
        districts = current[(current["county_authority_code"] == member["authority_code"])]
        districts = districts[districts["gss_code"].isin(list(lad_names))]
        if districts.empty:
            raise DataValidationError(
                f"member {member['official_name']!r} of {ca_name!r} is neither a current district "
                "nor a county with districts",
                file=file_label,
                code=gss or str(member["authority_code"]),
                hint="update the LAD lookup or the authority register so that they describe the same date",
            )
        for code in districts["gss_code"]:
            rows.append((str(code), lad_names[code], ca_code, ca_name, gss, start))
    columns = ["lad_code", "lad_name", "combined_authority_code", "combined_authority_name", "via_county_code"]
    out = pd.DataFrame(rows, columns=[*columns, "combined_authority_start_date"])
    # A district listed itself and through its county (Cambridgeshire) is one membership: keep the direct one.
    out = out.sort_values(["lad_code", "combined_authority_code", "via_county_code"])
    out = out.drop_duplicates(["lad_code", "combined_authority_code"], keep="first")
    twice = out["lad_code"].duplicated(keep=False)
    if twice.any():
        lad = out.loc[twice, "lad_code"].iloc[0]
        cas = out.loc[out["lad_code"] == lad, "combined_authority_name"].tolist()
        raise DataValidationError(f"district in two combined authorities {cas}", file=file_label, code=lad)
    return out.sort_values(["combined_authority_code", "lad_code"]).reset_index(drop=True)


# -- runtime access to the packaged datasets ----------------------------------------------------------------


def _dataset_file(name: str) -> Path:
    try:
        path = data_dir() / dataset_entry(name)["file"]
    except UnknownCodeError:
        raise WarehouseError(
            f"packaged dataset {name!r} is not in the manifest",
            hint="rebuild the package data with `python scripts/build_data.py`",
        ) from None
    if not path.exists():
        raise WarehouseError(f"packaged data file missing: {path}", hint="reinstall clusterplan or rebuild its data")
    return path


@cache
def _table(name: str) -> pd.DataFrame:
    return pd.read_parquet(_dataset_file(name))


def load_areas(level: str | list[str] | None = None) -> pd.DataFrame:
    """UK areas: ``area_code, area_name, area_level, parent_code, geography, alt_code``.

    Levels (:data:`AREA_LEVELS`): ``country_group`` (United Kingdom
    ``K02000001``, Great Britain ``K03000001``), ``country``, ``itl1`` (parent
    Great Britain, or the UK for Northern Ireland), ``itl2``, ``itl3``,
    ``combined_authority`` and ``lad`` (local authority districts, May 2023,
    parent their ITL3 area). ``alt_code`` is the NUTS 2016 code of an ITL area.

    Parameters
    ----------
    level
        One level or a list of levels; all levels if omitted.

    Examples
    --------
    >>> areas = load_areas("itl2")
    >>> areas.loc[areas["area_code"] == "TLG3", ["area_name", "parent_code", "alt_code"]].iloc[0].tolist()
    ['West Midlands', 'TLG', 'UKG3']
    """
    areas = _table("areas_uk")
    if level is None:
        return areas.copy()
    levels = [level] if isinstance(level, str) else list(level)
    unknown = [lv for lv in levels if lv not in AREA_LEVELS]
    if unknown:
        raise ParameterError(f"unknown area level {unknown[0]!r}; choose from {', '.join(AREA_LEVELS)}")
    return areas[areas["area_level"].isin(levels)].reset_index(drop=True)


def crosswalk() -> pd.DataFrame:
    """The NUTS 2016 → ITL 2021 crosswalk of the 40 GB ITL2 areas in BRES, confirmed by name.

    Columns ``nuts2016_code, itl2021_code, level, nuts2016_name, itl2021_name,
    name_match`` (see :func:`match_nuts2016_to_itl2021`).

    Examples
    --------
    >>> table = crosswalk()
    >>> table.set_index("nuts2016_code").loc["UKG3", "itl2021_code"]
    'TLG3'
    """
    return _table("nuts2016_itl2021_crosswalk").copy()


def load_lad_itl_lookup() -> pd.DataFrame:
    """Each LAD (May 2023) with its ITL3, ITL2 and ITL1 area (derived by point in polygon)."""
    return _table("lad_itl_lookup").copy()


def load_lad_combined_authority() -> pd.DataFrame:
    """Current LADs that belong to a combined authority (or the Greater London Authority)."""
    return _table("lad_combined_authority").copy()


def _lads_of(code: str, level: str) -> list[str]:
    lookup = _table("lad_itl_lookup")
    if level in ("itl1", "itl2", "itl3"):
        return sorted(lookup.loc[lookup[f"{level}_code"] == code, "lad_code"])
    if level == "lad":
        return [code]
    if level == "combined_authority":
        members = _table("lad_combined_authority")
        return sorted(members.loc[members["combined_authority_code"] == code, "lad_code"])
    if level == "country":
        return sorted(c for c in lookup["lad_code"] if c[0] == code[0])
    if code == GREAT_BRITAIN:
        return sorted(c for c in lookup["lad_code"] if c[0] != "N")
    return sorted(lookup["lad_code"])


def lads_in(area_code: str, *, level: str | None = None) -> list[str]:
    """GSS codes of the local authority districts (May 2023) in an area, sorted.

    *area_code* is anything :func:`resolve_area_code` accepts. ITL areas use
    the derived LAD → ITL3 lookup; combined authorities their member
    districts; a LAD is itself.

    Examples
    --------
    >>> lads_in("UKG3")
    ['E08000025', 'E08000026', 'E08000027', 'E08000028', 'E08000029', 'E08000030', 'E08000031']
    """
    code = resolve_area_code(area_code, level=level)
    areas = _table("areas_uk")
    area_level = str(areas.loc[areas["area_code"] == code, "area_level"].iloc[0])
    return _lads_of(code, area_level)


def load_boundaries(level: str) -> dict[str, Any]:
    """Area shapes as a parsed GeoJSON FeatureCollection (WGS84 longitude/latitude).

    Parameters
    ----------
    level
        ``"itl1"``, ``"itl2"``, ``"itl3"``, ``"lad"``, or ``"cbsa"`` (US metropolitan and
        micropolitan areas: counties dissolved by the April 2018 delineation).

    Returns
    -------
    dict
        A FeatureCollection; each feature has ``id`` and properties ``code``
        and ``name`` (the names of :func:`load_areas`). Shapes are generalised
        (simplified, coordinates to 4 decimals, about 10 m) for maps, not for
        measuring areas.

    Examples
    --------
    >>> len(load_boundaries("itl2")["features"])
    41
    """
    if level not in BOUNDARY_LEVELS:
        raise ParameterError(f"unknown boundary level {level!r}; choose from {', '.join(BOUNDARY_LEVELS)}")
    path = _dataset_file(f"boundaries_{level}")
    result: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return result
