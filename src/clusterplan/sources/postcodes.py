"""ONS Postcode Directory (ONSPD): postcode centroids and the local authority of every UK postcode.

Reads the CSV of the ONS Postcode Directory (``ONSPD_<MON>_<YEAR>_UK.csv``)
and of the National Statistics Postcode Lookup (NSPL), which share the columns
used here:

``pcd``/``pcds``
    The postcode: ``pcd`` in the fixed 7-character form (``"M1  1AD"``,
    ``"AB123JU"``), ``pcds`` in the usual one-space form (``"M1 1AD"``).
``doterm``
    Month the postcode was terminated (``YYYYMM``), empty while live.
``oslaua`` (ONSPD) / ``laua`` (NSPL)
    GSS code of the local authority district.
``lat``, ``long``
    Centroid latitude and longitude (WGS84). Postcodes without a grid
    reference (Channel Islands, Isle of Man and a few others) have
    ``lat = 99.999999, long = 0``: they are kept, with ``has_location``
    False, so that firms at them are counted as not located rather than
    placed in the Gulf of Guinea.
``itl``
    ONSPD's ITL field (a LAU1 code such as ``S30000026``); kept as published.
    The ITL3 area of a postcode comes from its LAD through the LAD → ITL3
    lookup (:func:`clusterplan.sources.ons_geography.load_lad_itl_lookup`).

Terminated postcodes are kept (a company's registered address can carry an
old postcode) and flagged.

References
----------
Office for National Statistics. *ONS Postcode Directory (ONSPD) user guide*.
Open Government Licence v3.0; contains OS data and Royal Mail data
© Crown copyright and database right.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from .._exceptions import DataValidationError
from ._csv import check_unique, first_true, read_text_csv

__all__ = [
    "NO_LOCATION_LATITUDE",
    "ONSPD_COLUMNS",
    "POSTCODE_COLUMNS",
    "normalise_postcode",
    "normalise_postcodes",
    "read_onspd",
]

#: Latitude ONSPD gives a postcode without a grid reference.
NO_LOCATION_LATITUDE = 99.999999
#: Columns of the ONSPD CSV (release of February 2023 onwards) in file order.
_ONSPD_HEADER = (
    "pcd,pcd2,pcds,dointr,doterm,oscty,ced,oslaua,osward,parish,usertype,oseast1m,osnrth1m,osgrdind,oshlthau,nhser,"
    "ctry,rgn,streg,pcon,eer,teclec,ttwa,pct,itl,statsward,oa01,casward,npark,lsoa01,msoa01,ur01ind,oac01,oa11,"
    "lsoa11,msoa11,wz11,sicbl,bua11,buasd11,ru11ind,oac11,lat,long,lep1,lep2,pfa,imd,calncv,icb,oa21,lsoa21,msoa21"
)
ONSPD_COLUMNS = tuple(_ONSPD_HEADER.split(","))
#: Columns of :func:`read_onspd`.
POSTCODE_COLUMNS = [
    "postcode",
    "lat",
    "long",
    "lad_code",
    "itl",
    "country_code",
    "terminated",
    "has_location",
]

_POSTCODE = re.compile(r"^[A-Z]{1,2}[0-9][0-9A-Z]? ?[0-9][A-Z]{2}$")
_GSS = re.compile(r"^[A-Z]\d{8}$")
_LAD_COLUMNS = ("oslaua", "laua")


def normalise_postcode(text: Any) -> str:
    """A postcode in the one-space form ``"AB12 3JU"``; ``""`` if it is not a UK postcode.

    Case and spacing are ignored (``"m1  1ad"``, ``"M11AD"`` and ``"M1 1AD"``
    are the same postcode); the inward code is the last three characters.

    Examples
    --------
    >>> normalise_postcode("m1  1ad"), normalise_postcode("AB123JU"), normalise_postcode("not a postcode")
    ('M1 1AD', 'AB12 3JU', '')
    """
    if text is None or (isinstance(text, float) and np.isnan(text)):
        return ""
    compact = re.sub(r"\s+", "", str(text)).upper()
    if len(compact) < 5 or len(compact) > 7:
        return ""
    spaced = f"{compact[:-3]} {compact[-3:]}"
    return spaced if _POSTCODE.match(spaced) else ""


def normalise_postcodes(values: pd.Series) -> pd.Series:
    """:func:`normalise_postcode` of a whole column, vectorised."""
    compact = values.fillna("").astype(str).str.replace(r"\s+", "", regex=True).str.upper()
    spaced = compact.str.slice(0, -3) + " " + compact.str.slice(-3)
    ok = compact.str.len().between(5, 7) & spaced.str.match(_POSTCODE.pattern)
    return spaced.where(ok, "")


def read_onspd(path: str | Path, *, file_label: str | None = None) -> pd.DataFrame:
    """Parse an ONS Postcode Directory CSV (ONSPD or NSPL layout) into postcode centroids.

    Parameters
    ----------
    path
        The CSV (``Data/ONSPD_*.csv`` of the download, or one of its
        ``multi_csv`` parts, or an extract with the same columns).
    file_label
        Name used in error messages (defaults to the path).

    Returns
    -------
    pandas.DataFrame
        :data:`POSTCODE_COLUMNS`: ``postcode`` (one-space form, unique),
        ``lat``, ``long`` (NaN without a grid reference), ``lad_code``,
        ``itl`` (as published), ``country_code`` (``ctry``), ``terminated``
        (True when ``doterm`` is set), ``has_location``.

    Raises
    ------
    DataValidationError
        Missing columns (``pcd`` or ``pcds``; ``lat``, ``long``; ``oslaua``
        or ``laua``), a postcode that is not one, a latitude or longitude that
        is not a number or outside the British Isles (other than ONSPD's
        no-location value), a malformed LAD code, or a postcode listed twice.

    Examples
    --------
    >>> import io
    >>> text = "pcd,pcds,doterm,oslaua,itl,ctry,lat,long\\n"
    >>> text += '"M1  1AD","M1 1AD","","E08000003","E08000003","E92000001",53.483784,-2.244866\\n'
    >>> row = read_onspd(io.StringIO(text), file_label="onspd.csv").iloc[0]
    >>> row["postcode"], row["lad_code"], float(row["lat"])
    ('M1 1AD', 'E08000003', 53.483784)
    """
    label = file_label or str(path)
    raw = read_text_csv(path, label, error_detail=False)
    raw.columns = [c.strip().lower() for c in raw.columns]
    code_column = "pcds" if "pcds" in raw.columns else "pcd" if "pcd" in raw.columns else None
    lad_column = next((c for c in _LAD_COLUMNS if c in raw.columns), None)
    missing = [
        name
        for name, present in (("pcd or pcds", code_column), ("lat", "lat"), ("long", "long"), ("oslaua", lad_column))
        if present is None or present not in raw.columns
    ]
    if missing:
        raise DataValidationError(
            f"missing column(s) {', '.join(missing)}; found {', '.join(raw.columns[:12])}",
            file=label,
            hint="expected the ONS Postcode Directory CSV (pcd, pcds, oslaua, lat, long, ...)",
        )
    assert code_column is not None and lad_column is not None
    if raw.empty:
        raise DataValidationError("no data rows", file=label)
    postcode = normalise_postcodes(raw[code_column])
    bad = (postcode == "").to_numpy()
    if bad.any():
        i = first_true(bad)
        raise DataValidationError(
            f"{raw[code_column].iloc[i]!r} is not a UK postcode", file=label, row=i + 1, column=code_column
        )
    lat = pd.to_numeric(raw["lat"].str.strip(), errors="coerce")
    long = pd.to_numeric(raw["long"].str.strip(), errors="coerce")
    for name, values in (("lat", lat), ("long", long)):
        bad = values.isna().to_numpy()
        if bad.any():
            i = first_true(bad)
            raise DataValidationError(
                f"{name} {raw[name].iloc[i]!r} is not a number", file=label, row=i + 1, column=name
            )
    no_location = (lat.round(6) == NO_LOCATION_LATITUDE).to_numpy()
    outside = ~no_location & ~(lat.between(49.0, 61.5) & long.between(-9.0, 2.5)).to_numpy()
    if outside.any():
        i = first_true(outside)
        raise DataValidationError(
            f"centroid ({lat.iloc[i]}, {long.iloc[i]}) is outside the British Isles",
            file=label,
            row=i + 1,
            column="lat",
            code=postcode.iloc[i],
            hint="ONSPD gives lat 99.999999 for a postcode without a location; anything else must be in the UK",
        )
    lad = raw[lad_column].str.strip()
    bad = ~(lad.str.match(_GSS.pattern) | (lad == "")).to_numpy()
    if bad.any():
        i = first_true(bad)
        raise DataValidationError(
            f"{lad.iloc[i]!r} is not a GSS local authority code", file=label, row=i + 1, column=lad_column
        )
    check_unique(postcode, label, column=code_column, problem="postcode listed twice (first in row {first})")
    out = pd.DataFrame(
        {
            "postcode": postcode,
            "lat": lat.where(~no_location),
            "long": long.where(~no_location),
            "lad_code": lad,
            "itl": raw["itl"].str.strip() if "itl" in raw.columns else "",
            "country_code": raw["ctry"].str.strip() if "ctry" in raw.columns else "",
            "terminated": (raw["doterm"].str.strip() != "") if "doterm" in raw.columns else False,
            "has_location": ~no_location,
        }
    )
    return out[POSTCODE_COLUMNS].reset_index(drop=True)
