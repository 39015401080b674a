"""A client for the NOMIS API: BRES employment and UK Business Counts, straight from nomisweb.co.uk.

NOMIS (run by Durham University for the ONS) serves every dataset as CSV at::

    https://www.nomisweb.co.uk/api/v01/dataset/{id}.data.csv?{dimension}={items}&...

with one query parameter per dimension of the dataset. The three datasets used
here, and the dimensions this client sets:

========  ===================================================  =============================================
id        dataset                                              dimensions
========  ===================================================  =============================================
NM_189_1  BRES open access: employee and employment estimates  geography, date, industry, employment_status
                                                               (1 employees, 2 full-time employees,
                                                               3 part-time employees, 4 employment =
                                                               employees plus working owners), measure
                                                               (1 count, 2 industry percentage), measures
NM_142_1  UK Business Counts - enterprises by industry and     geography, date, industry, employment_sizeband
          employment size band                                 (0 total, 1-9 the nine bands "0 to 4" ...
                                                               "1000+", 10/20/30/40 micro / small /
                                                               medium-sized / large), legal_status (0 total),
                                                               measures
NM_141_1  UK Business Counts - local units by industry and     as NM_142_1
          employment size band
========  ===================================================  =============================================

``measures=20100`` selects the published value. Items are comma-separated; a
range of consecutive item ids is written ``first...last``.

*Geography* accepts GSS codes (``E08000025``), NOMIS geography ids
(``2092957697`` United Kingdom, ``2092957698`` Great Britain, ``2092957699``
England) and whole geography types: ``TYPE499`` countries, ``TYPE480`` regions,
``TYPE424`` local authority districts and unitary authorities (April 2023
boundaries), ``TYPE464`` the same before April 2015, ``TYPE450`` NUTS 2 (2013).

*Industry* items are NOMIS ids. The SIC 2007 levels that BRES and the Business
Counts publish are numbered from fixed bases: sections ``150994944 + n`` (A = 1
… U = 21), divisions ``146800640 + dd``, classes ``138412032 + dddd``, and the
all-industries total is ``37748736`` (:func:`nomis_industry_id`). SIC groups
(3-digit) and subclasses (5-digit) have no such rule here: asking for them
makes the client download every industry item of the query and keep the rows
whose ``INDUSTRY_CODE`` matches, which is exact but heavier (pass NOMIS ids to
avoid it).

*Limits.* A guest (no ``uid``) gets at most 25,000 rows per request and NOMIS
says so only by truncating the body (HTTP 200). Every row carries
``RECORD_OFFSET`` and ``RECORD_COUNT`` (the size of the whole result), so the
client asks for pages with ``RecordOffset``/``RecordLimit`` until it has
``RECORD_COUNT`` rows. A registered user's unique id (``uid=0x...``) lifts the
cap; it is sent as a query parameter and masked in every message.

*Errors.* No network gives :class:`~clusterplan._exceptions.OfflineError`; an
HTTP error answer gives :class:`~clusterplan._exceptions.FetchError` with the
status and the URL (after retries with exponential backoff for 429 and 5xx);
a body that is not a NOMIS data CSV gives
:class:`~clusterplan._exceptions.DataValidationError`. Responses are parsed by
:func:`clusterplan.sources.nomis.read_nomis_csv`, the same parser as for CSV
downloads, so a fetch and an import give the same facts.

References
----------
NOMIS API help, https://www.nomisweb.co.uk/api/v01/help; dataset pages
https://www.nomisweb.co.uk/datasets/newbres6pub (NM_189_1),
https://www.nomisweb.co.uk/datasets/idbrent (NM_142_1) and
https://www.nomisweb.co.uk/datasets/idbrlu (NM_141_1).
"""

from __future__ import annotations

import io
import os
import re
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlencode

import httpx
import pandas as pd

from .._exceptions import DataValidationError, FetchError, OfflineError, ParameterError
from .nomis import read_nomis_csv

__all__ = [
    "API_ROOT",
    "BRES",
    "EMPLOYMENT_STATUS",
    "ENTERPRISES",
    "GUEST_ROW_LIMIT",
    "LOCAL_UNITS",
    "SIZE_BANDS",
    "FetchedFile",
    "build_url",
    "fetch_bres",
    "fetch_business_counts",
    "fetch_rows",
    "fetch_to_csv",
    "nomis_industry_id",
]

API_ROOT = "https://www.nomisweb.co.uk/api/v01/dataset"

#: NOMIS dataset ids.
BRES = "NM_189_1"
ENTERPRISES = "NM_142_1"
LOCAL_UNITS = "NM_141_1"

#: Rows NOMIS returns to a guest in one request.
GUEST_ROW_LIMIT = 25_000

#: BRES ``employment_status`` item -> canonical measure name (unit: persons).
EMPLOYMENT_STATUS = {1: "employees", 2: "fulltime_employees", 3: "parttime_employees", 4: "employment"}

#: Named selections of the UK Business Counts ``employment_sizeband`` dimension.
SIZE_BANDS: dict[str, tuple[int, ...]] = {
    "total": (0,),
    "detailed": (1, 2, 3, 4, 5, 6, 7, 8, 9),  # 0 to 4, 5 to 9, ..., 500 to 999, 1000+
    "summary": (10, 20, 30, 40),  # micro (0-9), small (10-49), medium-sized (50-249), large (250+)
}

_KINDS = {"bres": BRES, "enterprises": ENTERPRISES, "local_units": LOCAL_UNITS}
_COUNT_MEASURES = {ENTERPRISES: "enterprises", LOCAL_UNITS: "local_units"}

_TOTAL_ID = 37748736
_SECTION_BASE = 150994944
_DIVISION_BASE = 146800640
_CLASS_BASE = 138412032

# Columns asked for with ``select``: what read_nomis_csv needs, plus the paging columns.
_SELECT_COMMON = ["DATE", "DATE_NAME", "GEOGRAPHY_NAME", "GEOGRAPHY_CODE", "INDUSTRY_NAME", "INDUSTRY_CODE"]
_SELECT_TAIL = ["INDUSTRY_TYPE", "MEASURES_NAME", "OBS_VALUE", "OBS_STATUS", "OBS_STATUS_NAME"]
_PAGING = ["RECORD_OFFSET", "RECORD_COUNT"]
_SELECT = {
    BRES: [*_SELECT_COMMON, "EMPLOYMENT_STATUS_NAME", "MEASURE_NAME", *_SELECT_TAIL, *_PAGING],
    ENTERPRISES: [*_SELECT_COMMON, "EMPLOYMENT_SIZEBAND_NAME", "LEGAL_STATUS_NAME", *_SELECT_TAIL, *_PAGING],
    LOCAL_UNITS: [*_SELECT_COMMON, "EMPLOYMENT_SIZEBAND_NAME", "LEGAL_STATUS_NAME", *_SELECT_TAIL, *_PAGING],
}
# Columns written by fetch_to_csv: the NOMIS layout read_nomis_csv reads back.
_FILE_COLUMNS = [
    "DATE",
    "GEOGRAPHY_NAME",
    "GEOGRAPHY_CODE",
    "INDUSTRY_NAME",
    "INDUSTRY_CODE",
    "EMPLOYMENT_SIZEBAND_NAME",
    "OBS_VALUE",
    "OBS_STATUS",
]

_OFFLINE = "cannot reach nomisweb.co.uk: no network"
_OFFLINE_HINT = "download the CSV from NOMIS and use `clusterplan data import FILE --format nomis` instead"

Progress = Callable[[int, int], None]


@dataclass(frozen=True)
class FetchedFile:
    """What :func:`fetch_to_csv` wrote: enough to import the file with :func:`read_nomis_csv`."""

    path: Path
    rows: int
    dataset_id: str
    measure: str
    unit: str
    url: str


# -- query building ------------------------------------------------------------------------------


def nomis_industry_id(code: str | int) -> str | None:
    """NOMIS industry item id for a SIC 2007 code, or ``None`` when there is no fixed rule.

    Sections, divisions and classes are numbered from fixed bases (see the
    module notes); ``"total"`` is the all-industries item. A NOMIS id (8 digits
    or more) or a range ``first...last`` is returned unchanged. 3-digit groups
    and 5-digit subclasses give ``None``: fetch them by code (the client
    filters) or by their NOMIS ids.

    >>> nomis_industry_id("C"), nomis_industry_id("47"), nomis_industry_id("5510")
    ('150994947', '146800687', '138417542')
    >>> nomis_industry_id("62020") is None
    True
    """
    text = str(code).strip()
    if text.lower() == "total":
        return str(_TOTAL_ID)
    if re.fullmatch(r"[A-U]", text):
        return str(_SECTION_BASE + ord(text) - ord("A") + 1)
    if re.fullmatch(r"\d{2}", text):
        return str(_DIVISION_BASE + int(text))
    if re.fullmatch(r"\d{4}", text):
        return str(_CLASS_BASE + int(text))
    if re.fullmatch(r"\d{8,}|\d{8,}\.\.\.\d{8,}", text):
        return text
    if re.fullmatch(r"\d{3}|\d{5}", text):
        return None
    raise ParameterError(
        f"industry {text!r} is not a SIC 2007 section, division, group, class or subclass code, nor a NOMIS id",
        hint="e.g. 'C', '29', '291', '2910', '29100', or a NOMIS industry id such as 146800669",
    )


def _items(value: str | int | Iterable[str | int]) -> str:
    if isinstance(value, str | int):
        return str(value)
    return ",".join(str(v) for v in value)


def _dates(years: int | str | Iterable[int | str]) -> str:
    values = [years] if isinstance(years, int | str) else list(years)
    if not values:
        raise ParameterError("no years given", hint="give years such as 2021, or 'latest'")
    out = []
    for value in values:
        text = str(value).strip()
        # NOMIS date keywords: latest, previous, prevyear, first, latestMINUSn.
        if not re.fullmatch(r"\d{4}|latest|previous|prevyear|first|latestMINUS\d+", text):
            raise ParameterError(f"year {text!r} is not a year", hint="give years such as 2021, or 'latest'")
        out.append(text)
    return ",".join(out)


def _mask(url: str) -> str:
    """The URL with the user's unique id hidden, for messages."""
    return re.sub(r"(?i)(uid=)[^&]+", r"\1***", url)


def build_url(
    dataset: str,
    *,
    geography: str | Iterable[str],
    date: int | str | Iterable[int | str] | None = None,
    industry: str | int | Iterable[str | int] | None = None,
    select: Sequence[str] | None = None,
    uid: str | None = None,
    record_offset: int | None = None,
    record_limit: int | None = None,
    **dimensions: str | int | Iterable[str | int],
) -> str:
    """URL of one NOMIS ``.data.csv`` request.

    Parameters
    ----------
    dataset
        NOMIS dataset id, e.g. ``"NM_189_1"``.
    geography
        GSS codes, NOMIS geography ids or ``TYPEnnn`` (see the module notes).
    date
        Years (``2021``) or NOMIS keywords (``"latest"``); ``None`` for the latest.
    industry
        NOMIS industry item ids (see :func:`nomis_industry_id`); ``None`` for all.
    select
        Columns to return.
    uid
        Registered user's unique id (lifts the 25,000-row guest limit).
    record_offset, record_limit
        Paging: the first row (0-based) and the number of rows.
    **dimensions
        Any other dimension, e.g. ``employment_status=4, measure=1, measures=20100``.

    Returns
    -------
    str

    Examples
    --------
    >>> build_url("NM_189_1", geography="E08000025", date=[2020, 2021], industry=nomis_industry_id("29"),
    ...           employment_status=4, measure=1, measures=20100)
    'https://www.nomisweb.co.uk/api/v01/dataset/NM_189_1.data.csv?geography=E08000025&date=2020,2021&industry=146800669&employment_status=4&measure=1&measures=20100'
    """
    if not re.fullmatch(r"NM_\d+_\d+", dataset):
        raise ParameterError(f"{dataset!r} is not a NOMIS dataset id", hint="ids look like NM_189_1")
    params: list[tuple[str, str]] = [("geography", _items(geography))]
    if date is not None:
        params.append(("date", _dates(date)))
    if industry is not None:
        params.append(("industry", _items(industry)))
    params += [(name, _items(value)) for name, value in dimensions.items()]
    if select:
        params.append(("select", ",".join(select)))
    if record_offset:
        params.append(("RecordOffset", str(record_offset)))
    if record_limit is not None:
        params.append(("RecordLimit", str(record_limit)))
    if uid:
        params.append(("uid", uid))
    # Commas and the "..." of ranges stay readable; NOMIS decodes either form.
    # $CLUSTERPLAN_NOMIS_API points the client at a mirror or a local test server.
    root = os.environ.get("CLUSTERPLAN_NOMIS_API", API_ROOT).rstrip("/")
    return f"{root}/{dataset}.data.csv?{urlencode(params, safe=',')}"


# -- HTTP ----------------------------------------------------------------------------------------


def _get(client: httpx.Client, url: str, *, retries: int, backoff: float) -> str:
    """GET *url*; retry 429/5xx and dropped connections with exponential backoff."""
    shown = _mask(url)
    for attempt in range(retries + 1):
        wait = backoff * 2**attempt
        try:
            response = client.get(url)
        except httpx.ConnectError:
            raise OfflineError(_OFFLINE, hint=_OFFLINE_HINT) from None
        except httpx.TimeoutException:
            if attempt < retries:
                time.sleep(wait)
                continue
            raise FetchError(
                f"nomisweb.co.uk did not answer in time ({retries + 1} attempts) for {shown}",
                hint="try again later, or ask for fewer areas, industries or years",
            ) from None
        except httpx.TransportError as exc:
            if attempt < retries:
                time.sleep(wait)
                continue
            raise FetchError(f"connection to nomisweb.co.uk failed ({exc.__class__.__name__}) for {shown}") from None
        status = response.status_code
        if status == 429 or status >= 500:
            if attempt < retries:
                time.sleep(wait)
                continue
            raise FetchError(
                f"NOMIS answered HTTP {status} for {shown} after {retries + 1} attempts",
                hint="the service is busy or down; try again later",
            )
        if status >= 400:
            raise FetchError(
                f"NOMIS answered HTTP {status} for {shown}",
                hint="check the dataset id, geography, industry and year codes",
            )
        return response.text
    raise AssertionError("unreachable")  # pragma: no cover


def _read_page(text: str, url: str) -> pd.DataFrame:
    """One response body as a table of strings; check it is a NOMIS data CSV."""
    first = text.lstrip("\ufeff").split("\n", 1)[0]
    header = [c.strip().strip('"').upper() for c in first.split(",")]
    if not {"OBS_VALUE", "RECORD_COUNT"} <= set(header):
        raise DataValidationError(
            f"the response is not a NOMIS data CSV (it starts {first[:80]!r})",
            file=_mask(url),
            hint="NOMIS may be down or have changed its API; download the CSV from nomisweb.co.uk and import it",
        )
    try:
        page = pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False, encoding_errors="replace")
    except pd.errors.ParserError as exc:
        raise DataValidationError(f"the response is not a readable CSV ({exc})", file=_mask(url)) from None
    page.columns = [c.strip().upper() for c in page.columns]
    return page


def fetch_rows(
    dataset: str,
    *,
    geography: str | Iterable[str],
    date: int | str | Iterable[int | str] | None = None,
    industry: str | int | Iterable[str | int] | None = None,
    select: Sequence[str] | None = None,
    client: httpx.Client | None = None,
    uid: str | None = None,
    page_size: int | None = None,
    timeout: float = 60.0,
    retries: int = 3,
    backoff: float = 1.0,
    progress: Progress | None = None,
    **dimensions: str | int | Iterable[str | int],
) -> tuple[pd.DataFrame, str]:
    """Every row of one NOMIS query, page by page; returns (rows as strings, URL of the first page).

    Pages are requested with ``RecordOffset`` until ``RECORD_COUNT`` rows have
    arrived. *page_size* defaults to 25,000 for a guest and is not sent for a
    registered user (NOMIS then returns everything it allows in one go).
    *progress* is called as ``progress(rows_so_far, total_rows)`` after each page.
    """
    limit = page_size if page_size is not None else (None if uid else GUEST_ROW_LIMIT)
    if limit is not None and limit < 1:
        raise ParameterError(f"page_size {limit} must be positive")
    own = client is None
    http = client or httpx.Client(timeout=timeout, follow_redirects=True, headers={"User-Agent": "clusterplan"})

    def url_at(offset: int) -> str:
        return build_url(
            dataset,
            geography=geography,
            date=date,
            industry=industry,
            select=select,
            uid=uid,
            record_offset=offset,
            record_limit=limit,
            **dimensions,
        )

    first_url = url_at(0)
    pages: list[pd.DataFrame] = []
    try:
        fetched, total = 0, None
        while total is None or fetched < total:
            url = url_at(fetched)
            page = _read_page(_get(http, url, retries=retries, backoff=backoff), url)
            if total is None:
                if page.empty:
                    raise DataValidationError(
                        "NOMIS returned no rows for this query",
                        file=_mask(url),
                        hint="check the geography, industry and year codes (the year may not be published yet)",
                    )
                total = _record_count(page, url)
            elif page.empty:
                raise DataValidationError(
                    f"NOMIS stopped after {fetched:,} of {total:,} rows", file=_mask(url), hint="try again later"
                )
            # A page that does not start where asked would duplicate or drop rows silently.
            start = page["RECORD_OFFSET"].iloc[0].strip() if "RECORD_OFFSET" in page.columns else str(fetched)
            if start != str(fetched):
                raise DataValidationError(
                    f"NOMIS returned rows from offset {start} when asked for offset {fetched}",
                    file=_mask(url),
                    row=1,
                    column="RECORD_OFFSET",
                )
            pages.append(page)
            fetched += len(page)
            if progress is not None:
                progress(min(fetched, total), total)
    finally:
        if own:
            http.close()
    return pd.concat(pages, ignore_index=True), _mask(first_url)


def _record_count(page: pd.DataFrame, url: str) -> int:
    text = page["RECORD_COUNT"].iloc[0].strip()
    if not text.isdigit():
        raise DataValidationError(
            f"RECORD_COUNT {text!r} is not a number", file=_mask(url), row=1, column="RECORD_COUNT"
        )
    return int(text)


# -- datasets ------------------------------------------------------------------------------------


def _industry_query(industries: str | Iterable[str | int] | None) -> tuple[list[str] | None, set[str] | None]:
    """(NOMIS ids to ask for, SIC codes to keep after download); ``None`` means no restriction."""
    if industries is None or (isinstance(industries, str) and industries.lower() == "all"):
        return None, None
    codes = [industries] if isinstance(industries, str | int) else list(industries)
    if not codes:
        raise ParameterError("no industries given", hint="give SIC codes, NOMIS ids, or 'all'")
    ids = [nomis_industry_id(c) for c in codes]
    if all(i is not None for i in ids):
        return [str(i) for i in ids], None
    # Groups and subclasses have no fixed ids: ask for every industry and keep the codes asked for.
    keep = {str(c).strip() for c in codes}
    if any(re.fullmatch(r"\d{8,}|\d{8,}\.\.\.\d{8,}|total", k, flags=re.IGNORECASE) for k in keep):
        raise ParameterError(
            "cannot mix NOMIS industry ids with 3- or 5-digit SIC codes in one request",
            hint="use SIC codes only, or NOMIS ids only",
        )
    return None, keep


def _keep_industries(rows: pd.DataFrame, ids: list[str] | None, keep: set[str] | None, url: str) -> pd.DataFrame:
    """Keep the SIC codes asked for; with every industry (no *ids*, no *keep*), keep the SIC 2007 items and the total.

    NOMIS's industry dimension also holds other groupings (e.g. its broad industry groups) whose rows are not
    SIC codes; the SIC levels are typed "SIC 2007 section", "SIC 2007 division (2 digit)" ... "subclass (5 digit)".
    """
    if ids is not None:
        return rows  # NOMIS ids were asked for: NOMIS returned exactly those
    if keep is None:
        if "INDUSTRY_TYPE" not in rows.columns:
            return rows
        sic = rows["INDUSTRY_TYPE"].str.strip().str.startswith("SIC 2007")
        total = rows["INDUSTRY_NAME"].str.strip().str.lower().eq("total")
        return rows[sic | total]
    code = rows["INDUSTRY_CODE"].str.strip()
    kept = rows[code.isin(keep)]
    if kept.empty:
        raise DataValidationError(
            f"NOMIS returned none of the industries {', '.join(sorted(keep))}",
            file=url,
            hint="check the SIC codes: BRES and Business Counts publish 5-digit subclasses such as 62020",
        )
    return kept


def _total_rows_named(rows: pd.DataFrame) -> pd.DataFrame:
    # The all-industries item is published with the name "Total"; give it a code the parser accepts.
    rows = rows.copy()
    total = rows["INDUSTRY_NAME"].str.strip().str.lower().eq("total")
    rows.loc[total, "INDUSTRY_CODE"] = "TOTAL"
    return rows


def _to_facts(rows: pd.DataFrame, url: str, *, dataset: str, measure: str, unit: str) -> pd.DataFrame:
    text = rows.to_csv(index=False)
    facts = read_nomis_csv(
        io.StringIO(text), dataset=dataset, measure=measure, unit=unit, classification="sic2007", file_label=url
    )
    # NOMIS names the all-sizes band "Total"; the canonical schema calls an unsplit value "all".
    facts.loc[facts["breakdown"].str.lower() == "total", "breakdown"] = "all"
    return facts


def _http_options(
    client: httpx.Client | None,
    uid: str | None,
    page_size: int | None,
    timeout: float,
    retries: int,
    backoff: float,
    progress: Progress | None,
) -> dict[str, object]:
    """The paging and HTTP keyword arguments of :func:`fetch_rows`, to pass on as they came."""
    return {
        "client": client,
        "uid": uid,
        "page_size": page_size,
        "timeout": timeout,
        "retries": retries,
        "backoff": backoff,
        "progress": progress,
    }


def _industry_rows(
    nomis_id: str,
    geography: str | Iterable[str],
    industries: tuple[list[str] | None, set[str] | None],
    years: int | str | Iterable[int | str],
    http: dict[str, object],
    **dimensions: str | int | Iterable[str | int],
) -> tuple[pd.DataFrame, str]:
    """Published values (``measures=20100``) of the *industries* (:func:`_industry_query`), the total named."""
    ids, keep = industries
    rows, url = fetch_rows(
        nomis_id,
        geography=geography,
        date=years,
        industry=ids,
        select=_SELECT[nomis_id],
        **dimensions,  # type: ignore[arg-type]  # mypy cannot tell these from the HTTP options
        measures=20100,
        **http,  # type: ignore[arg-type]
    )
    return _total_rows_named(_keep_industries(rows, ids, keep, url)), url


def _bres_rows(
    geography: str | Iterable[str],
    industries: str | Iterable[str | int] | None,
    years: int | str | Iterable[int | str],
    employment_status: int,
    **http: object,
) -> tuple[pd.DataFrame, str, str]:
    if employment_status not in EMPLOYMENT_STATUS:
        raise ParameterError(
            f"employment_status {employment_status} is not one of {sorted(EMPLOYMENT_STATUS)}",
            hint="1 employees, 2 full-time employees, 3 part-time employees, 4 employment",
        )
    rows, url = _industry_rows(
        BRES,
        geography,
        _industry_query(industries),
        years,
        http,
        employment_status=employment_status,
        measure=1,  # counts only: without it NOMIS adds a percentage row per cell
    )
    return rows, url, EMPLOYMENT_STATUS[employment_status]


def fetch_bres(
    geography: str | Iterable[str],
    industries: str | Iterable[str | int] | None,
    years: int | str | Iterable[int | str],
    *,
    employment_status: int = 4,
    dataset: str = "nomis_bres",
    client: httpx.Client | None = None,
    uid: str | None = None,
    page_size: int | None = None,
    timeout: float = 60.0,
    retries: int = 3,
    backoff: float = 1.0,
    progress: Progress | None = None,
) -> pd.DataFrame:
    """BRES open access (NM_189_1) counts as canonical facts.

    Parameters
    ----------
    geography
        GSS codes, NOMIS geography ids or ``TYPEnnn`` (e.g. ``"TYPE424"``, all
        local authority districts).
    industries
        SIC 2007 codes (``"C"``, ``"29"``, ``"2910"``, ``"29100"``), NOMIS
        industry ids, ``"total"``, or ``None``/``"all"`` for every SIC 2007 item
        at every level (section to subclass) and the total. Codes of different
        levels overlap (a section and its divisions both appear): pick one level
        before adding values up.
    years
        Years (``[2020, 2021]``) or ``"latest"``.
    employment_status
        4 employment (employees plus working owners, the default), 1 employees,
        2 full-time employees, 3 part-time employees; sets the measure name.
    dataset
        Dataset name stored with every fact.
    client
        An ``httpx.Client`` to use (e.g. with a mock transport in tests); by
        default one is opened and closed.
    uid
        NOMIS registered user's unique id.
    page_size, timeout, retries, backoff, progress
        Paging and HTTP behaviour; see :func:`fetch_rows`.

    Returns
    -------
    pandas.DataFrame
        Canonical facts (unit ``persons``) with ``_row``, ``area_name`` and
        ``industry_name`` as :func:`~clusterplan.sources.nomis.read_nomis_csv`
        gives them. NUTS 2016 codes become ITL 2021 codes; rounded zeros are
        flagged ``zero_may_be_suppressed``, empty cells ``missing``.

    Raises
    ------
    OfflineError
        No network.
    FetchError
        NOMIS answered with an HTTP error.
    DataValidationError
        The answer is not a NOMIS data CSV, is empty, or fails validation.
    """
    http = _http_options(client, uid, page_size, timeout, retries, backoff, progress)
    rows, url, measure = _bres_rows(geography, industries, years, employment_status, **http)
    return _to_facts(rows, url, dataset=dataset, measure=measure, unit="persons")


def _size_band_items(size_bands: str | Iterable[int]) -> tuple[int, ...]:
    if isinstance(size_bands, str):
        if size_bands not in SIZE_BANDS:
            raise ParameterError(
                f"size_bands {size_bands!r} is not one of {sorted(SIZE_BANDS)}", hint="or give the NOMIS band numbers"
            )
        return SIZE_BANDS[size_bands]
    items = tuple(int(b) for b in size_bands)
    allowed = {b for bands in SIZE_BANDS.values() for b in bands}
    bad = [b for b in items if b not in allowed]
    if bad or not items:
        raise ParameterError(f"employment size band(s) {bad or '[]'} not known", hint=f"use {sorted(allowed)}")
    return items


def _count_rows(
    unit_of_count: str,
    geography: str | Iterable[str],
    industries: str | Iterable[str | int] | None,
    years: int | str | Iterable[int | str],
    size_bands: str | Iterable[int],
    **http: object,
) -> tuple[pd.DataFrame, str, str, str]:
    kinds = {"enterprises": ENTERPRISES, "local_units": LOCAL_UNITS}
    if unit_of_count not in kinds:
        raise ParameterError(f"unit {unit_of_count!r} is not 'enterprises' or 'local_units'")
    nomis_id = kinds[unit_of_count]
    rows, url = _industry_rows(
        nomis_id,
        geography,
        _industry_query(industries),  # checked before the size bands
        years,
        http,
        employment_sizeband=_size_band_items(size_bands),
        legal_status=0,  # all legal forms; several at once would duplicate every key
    )
    return rows, url, nomis_id, _COUNT_MEASURES[nomis_id]


def fetch_business_counts(
    geography: str | Iterable[str],
    industries: str | Iterable[str | int] | None,
    years: int | str | Iterable[int | str],
    *,
    unit: str = "enterprises",
    size_bands: str | Iterable[int] = "total",
    dataset: str | None = None,
    client: httpx.Client | None = None,
    uid: str | None = None,
    page_size: int | None = None,
    timeout: float = 60.0,
    retries: int = 3,
    backoff: float = 1.0,
    progress: Progress | None = None,
) -> pd.DataFrame:
    """UK Business Counts (IDBR) as canonical facts: enterprises (NM_142_1) or local units (NM_141_1).

    Parameters
    ----------
    geography, industries, years
        As for :func:`fetch_bres`.
    unit
        ``"enterprises"`` (the default) or ``"local_units"``; the measure name.
    size_bands
        ``"total"`` (all sizes, breakdown ``"all"``), ``"detailed"`` (the nine
        bands ``"0 to 4"`` ... ``"1000+"``, as in the IDBR download),
        ``"summary"`` (micro, small, medium-sized, large), or NOMIS band numbers.
        Each band is one ``breakdown`` value, named as NOMIS names it.
    dataset
        Dataset name stored with every fact (default ``"nomis_<unit>"``).
    client, uid, page_size, timeout, retries, backoff, progress
        As for :func:`fetch_bres`.

    Returns
    -------
    pandas.DataFrame
        Canonical facts (unit ``count``), legal status: all.
    """
    http = _http_options(client, uid, page_size, timeout, retries, backoff, progress)
    rows, url, _, measure = _count_rows(unit, geography, industries, years, size_bands, **http)
    return _to_facts(rows, url, dataset=dataset or f"nomis_{measure}", measure=measure, unit="count")


def fetch_to_csv(
    kind: str,
    geography: str | Iterable[str],
    industries: str | Iterable[str | int] | None,
    years: int | str | Iterable[int | str],
    out_path: str | Path,
    *,
    employment_status: int = 4,
    size_bands: str | Iterable[int] = "total",
    client: httpx.Client | None = None,
    uid: str | None = None,
    page_size: int | None = None,
    timeout: float = 60.0,
    retries: int = 3,
    backoff: float = 1.0,
    progress: Progress | None = None,
) -> FetchedFile:
    """Fetch from NOMIS and write a NOMIS-layout CSV that ``clusterplan data import FILE --format nomis`` reads.

    Parameters
    ----------
    kind
        ``"bres"`` (NM_189_1), ``"enterprises"`` (NM_142_1) or ``"local_units"`` (NM_141_1).
    geography, industries, years
        As for :func:`fetch_bres`.
    out_path
        The CSV to write (parent folders are created).
    employment_status
        BRES only (see :func:`fetch_bres`).
    size_bands
        Business Counts only (see :func:`fetch_business_counts`).
    client, uid, page_size, timeout, retries, backoff, progress
        As for :func:`fetch_bres`.

    Returns
    -------
    FetchedFile
        The path, the number of data rows, the NOMIS dataset id, and the
        ``measure`` and ``unit`` to pass to
        :func:`~clusterplan.sources.nomis.read_nomis_csv` when importing.

    Notes
    -----
    Columns: ``DATE, GEOGRAPHY_NAME, GEOGRAPHY_CODE, INDUSTRY_NAME,
    INDUSTRY_CODE, [EMPLOYMENT_SIZEBAND_NAME,] OBS_VALUE, OBS_STATUS`` (the
    size band only when bands were asked for). The rows are checked with
    :func:`read_nomis_csv` before the file is written, so a bad answer never
    leaves a file behind.
    """
    http = _http_options(client, uid, page_size, timeout, retries, backoff, progress)
    if kind == "bres":
        rows, url, measure = _bres_rows(geography, industries, years, employment_status, **http)
        nomis_id, unit = BRES, "persons"
    elif kind in ("enterprises", "local_units"):
        rows, url, nomis_id, measure = _count_rows(kind, geography, industries, years, size_bands, **http)
        unit = "count"
    else:
        raise ParameterError(f"kind {kind!r} is not one of {sorted(_KINDS)}")
    columns = [c for c in _FILE_COLUMNS if c in rows.columns]
    if "EMPLOYMENT_SIZEBAND_NAME" in columns and rows["EMPLOYMENT_SIZEBAND_NAME"].str.strip().eq("Total").all():
        columns.remove("EMPLOYMENT_SIZEBAND_NAME")  # no split: the import gives breakdown "all"
    table = rows[columns]
    _to_facts(table, url, dataset=f"nomis_{measure}", measure=measure, unit=unit)  # validate before writing
    path = Path(out_path)
    path.parent.mkdir(parents=True, exist_ok=True)
    table.to_csv(path, index=False, lineterminator="\n")
    return FetchedFile(path=path, rows=len(table), dataset_id=nomis_id, measure=measure, unit=unit, url=url)
