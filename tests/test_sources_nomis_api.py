"""The NOMIS API client, replayed against responses in the API's CSV layout (no network)."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from clusterplan._exceptions import DataValidationError, FetchError, OfflineError, ParameterError
from clusterplan.sources import nomis_api
from clusterplan.sources.nomis import read_nomis_csv
from clusterplan.sources.nomis_api import (
    build_url,
    fetch_bres,
    fetch_business_counts,
    fetch_rows,
    fetch_to_csv,
    nomis_industry_id,
)

FIXTURES = Path(__file__).parent / "fixtures" / "nomis_api"
BRES_PAGE1 = (FIXTURES / "bres_NM_189_1_page1.csv").read_text()
BRES_PAGE2 = (FIXTURES / "bres_NM_189_1_page2.csv").read_text()
ENTERPRISES = (FIXTURES / "enterprises_NM_142_1_gb_2021.csv").read_text()


def replay(handler) -> tuple[httpx.Client, list[httpx.Request]]:
    """An httpx client whose every request goes to *handler*; also returns the requests seen."""
    seen: list[httpx.Request] = []

    def record(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return handler(request)

    return httpx.Client(transport=httpx.MockTransport(record)), seen


def bres_pages(request: httpx.Request) -> httpx.Response:
    offset = request.url.params.get("RecordOffset", "0")
    body = {"0": BRES_PAGE1, "2": BRES_PAGE2}[offset]
    return httpx.Response(200, text=body, headers={"content-type": "text/csv"})


# -- query building --------------------------------------------------------------------------


def test_industry_ids_follow_the_published_nomis_numbering():
    # Ids seen in public NOMIS queries: 150994945...150994965 = sections A-U, 146800687 = division 47
    # (retail), 138417542 = class 5510 (hotels), 138415133 = class 3101, 37748736 = all industries.
    assert nomis_industry_id("A") == "150994945"
    assert nomis_industry_id("U") == "150994965"
    assert nomis_industry_id("47") == "146800687"
    assert nomis_industry_id("5510") == "138417542"
    assert nomis_industry_id("3101") == "138415133"
    assert nomis_industry_id("total") == "37748736"
    assert nomis_industry_id(146800669) == "146800669"
    assert nomis_industry_id("150994945...150994965") == "150994945...150994965"
    assert nomis_industry_id("62020") is None and nomis_industry_id("620") is None


def test_industry_id_rejects_non_codes():
    with pytest.raises(ParameterError, match=r"'6202A' is not a SIC 2007"):
        nomis_industry_id("6202A")


def test_build_url_puts_every_dimension_and_paging_in_the_query():
    url = build_url(
        "NM_142_1",
        geography=["E08000025", "TYPE424"],
        date=[2020, "latest"],
        industry=["146800669", "146800702"],
        select=["DATE", "OBS_VALUE"],
        uid="0xabc",
        record_offset=25000,
        record_limit=25000,
        employment_sizeband=(1, 2),
        legal_status=0,
        measures=20100,
    )
    assert url == (
        "https://www.nomisweb.co.uk/api/v01/dataset/NM_142_1.data.csv?geography=E08000025,TYPE424"
        "&date=2020,latest&industry=146800669,146800702&employment_sizeband=1,2&legal_status=0&measures=20100"
        "&select=DATE,OBS_VALUE&RecordOffset=25000&RecordLimit=25000&uid=0xabc"
    )


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: build_url("189", geography="K03000001"), "'189' is not a NOMIS dataset id"),
        (lambda: build_url("NM_189_1", geography="K03000001", date="2021-ish"), "year '2021-ish' is not a year"),
        (lambda: build_url("NM_189_1", geography="K03000001", date=[]), "no years given"),
    ],
)
def test_build_url_rejects_bad_parameters(call, message):
    with pytest.raises(ParameterError, match=message):
        call()


# -- paging ----------------------------------------------------------------------------------


def test_bres_pages_until_record_count_and_parses_facts():
    client, seen = replay(bres_pages)
    calls = []
    facts = fetch_bres(
        ["UKG1", "UKG3"],
        ["29", "62"],
        [2021],
        client=client,
        page_size=2,
        backoff=0,
        progress=lambda done, total: calls.append((done, total)),
    )
    assert len(seen) == 2
    first = seen[0].url.params
    assert seen[0].url.path == "/api/v01/dataset/NM_189_1.data.csv"
    assert first["geography"] == "UKG1,UKG3"
    assert first["industry"] == "146800669,146800702"
    assert (first["employment_status"], first["measure"], first["measures"]) == ("4", "1", "20100")
    assert first["RecordLimit"] == "2" and "RecordOffset" not in first
    assert seen[1].url.params["RecordOffset"] == "2"
    assert "RECORD_COUNT" in first["select"].split(",")
    assert calls == [(2, 4), (4, 4)]
    # The 4 published cells, NUTS 2016 codes stored as ITL 2021 codes.
    assert len(facts) == 4
    assert set(facts["area_code"]) == {"TLG1", "TLG3"}
    assert set(facts["measure"]) == {"employment"} and set(facts["unit"]) == {"persons"}
    cell = facts[(facts["area_code"] == "TLG3") & (facts["industry_code"] == "29")]
    assert cell["value"].tolist() == [28000.0]  # West Midlands, motor vehicles, 2021 (BRES download)
    assert cell["year"].tolist() == [2021]
    assert facts["value"].sum() == 21000 + 20000 + 28000 + 26000


def test_guest_page_size_is_25000_and_registered_users_are_not_limited():
    client, seen = replay(lambda r: httpx.Response(200, text=BRES_PAGE1.replace('"4"\n', '"2"\n')))
    fetch_rows("NM_189_1", geography="UKG1", client=client, backoff=0)
    assert seen[0].url.params["RecordLimit"] == "25000"
    fetch_rows("NM_189_1", geography="UKG1", client=client, uid="0xsecret", backoff=0)
    assert "RecordLimit" not in seen[1].url.params
    assert seen[1].url.params["uid"] == "0xsecret"


def test_a_page_that_comes_back_empty_is_an_error():
    header = BRES_PAGE1.split("\n", 1)[0] + "\n"
    client, _ = replay(lambda r: httpx.Response(200, text=BRES_PAGE1 if "RecordOffset" not in r.url.params else header))
    with pytest.raises(DataValidationError, match=r"NOMIS stopped after 2 of 4 rows"):
        fetch_bres("UKG1", ["29"], 2021, client=client, page_size=2, backoff=0)


def test_a_page_that_ignores_the_offset_is_an_error():
    client, _ = replay(lambda r: httpx.Response(200, text=BRES_PAGE1))  # always the first page
    with pytest.raises(DataValidationError, match=r"rows from offset 0 when asked for offset 2"):
        fetch_bres("UKG1", ["29"], 2021, client=client, page_size=2, backoff=0)


# -- failures --------------------------------------------------------------------------------


def test_no_network_raises_offline_error_with_the_import_hint():
    def unreachable(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("[Errno -3] Temporary failure in name resolution", request=request)

    client, seen = replay(unreachable)
    with pytest.raises(OfflineError) as info:
        fetch_bres("E08000025", ["29"], 2021, client=client, backoff=0)
    assert str(info.value) == (
        "cannot reach nomisweb.co.uk: no network; download the CSV from NOMIS and use "
        "`clusterplan data import FILE --format nomis` instead"
    )
    assert len(seen) == 1  # no pointless retries when there is no network


def test_server_error_is_retried_then_succeeds():
    answers = iter([httpx.Response(500, text="Internal Server Error"), None, None])

    def flaky(request: httpx.Request) -> httpx.Response:
        return next(answers) or bres_pages(request)

    client, seen = replay(flaky)
    facts = fetch_bres(["UKG1", "UKG3"], ["29", "62"], 2021, client=client, page_size=2, backoff=0)
    assert len(seen) == 3  # 500, page 1 again, page 2
    assert len(facts) == 4


def test_server_error_that_persists_is_a_fetch_error_with_status_and_url():
    client, seen = replay(lambda r: httpx.Response(503, text="Service Unavailable"))
    with pytest.raises(
        FetchError, match=r"HTTP 503 for https://www\.nomisweb\.co\.uk/api/v01/dataset/NM_189_1"
    ) as info:
        fetch_bres("E08000025", ["29"], 2021, client=client, retries=2, backoff=0, uid="0xsecret")
    assert len(seen) == 3
    assert "0xsecret" not in str(info.value) and "uid=***" in str(info.value)


def test_client_error_is_not_retried():
    client, seen = replay(lambda r: httpx.Response(400, text="bad geography"))
    with pytest.raises(FetchError, match=r"NOMIS answered HTTP 400 for https://.*geography=NOWHERE"):
        fetch_bres("NOWHERE", ["29"], 2021, client=client, backoff=0)
    assert len(seen) == 1


def test_a_body_that_is_not_nomis_csv_is_a_validation_error():
    client, _ = replay(lambda r: httpx.Response(200, text="<html><body>Service maintenance</body></html>"))
    with pytest.raises(DataValidationError, match=r"NM_189_1.*not a NOMIS data CSV \(it starts '<html>"):
        fetch_bres("E08000025", ["29"], 2021, client=client, backoff=0)


def test_an_empty_result_is_a_validation_error():
    header = BRES_PAGE1.split("\n", 1)[0] + "\n"
    client, _ = replay(lambda r: httpx.Response(200, text=header))
    with pytest.raises(DataValidationError, match="NOMIS returned no rows for this query"):
        fetch_bres("E08000025", ["29"], 2030, client=client, backoff=0)


def test_a_bad_value_in_the_response_names_the_row():
    broken = BRES_PAGE1.replace('"20000"', '"20,0x0"')
    client, _ = replay(lambda r: httpx.Response(200, text=broken.replace('"4"\n', '"2"\n')))
    with pytest.raises(DataValidationError, match=r"row 2, column 'OBS_VALUE'.*'20,0x0' is not a number"):
        fetch_bres("UKG1", ["29", "62"], 2021, client=client, backoff=0)


# -- business counts -------------------------------------------------------------------------


def test_subclasses_are_fetched_whole_and_filtered_by_code():
    client, seen = replay(lambda r: httpx.Response(200, text=ENTERPRISES))
    facts = fetch_business_counts("2092957698", ["62020", "62012"], 2021, size_bands="detailed", client=client)
    params = seen[0].url.params
    assert seen[0].url.path == "/api/v01/dataset/NM_142_1.data.csv"
    assert "industry" not in params  # no fixed NOMIS ids for subclasses
    assert params["employment_sizeband"] == "1,2,3,4,5,6,7,8,9"
    assert params["legal_status"] == "0"
    assert set(facts["industry_code"]) == {"62020", "62012"}
    assert len(facts) == 18
    assert set(facts["measure"]) == {"enterprises"} and set(facts["dataset"]) == {"nomis_enterprises"}
    assert set(facts["area_code"]) == {"K03000001"}
    consultancy = facts[facts["industry_code"] == "62020"]
    # GB computer consultancy enterprises 2021, summed over the nine size bands of the IDBR download.
    assert consultancy["value"].sum() == 92540 + 3110 + 1815 + 1125 + 365 + 190 + 55 + 25 + 15
    band = consultancy[consultancy["breakdown"] == "250 to 499"]
    assert band["value"].tolist() == [55.0]


def test_all_industries_sends_no_industry_and_keeps_the_sic_rows():
    client, seen = replay(lambda r: httpx.Response(200, text=ENTERPRISES))
    facts = fetch_business_counts("2092957698", "all", 2021, size_bands="detailed", client=client)
    assert "industry" not in seen[0].url.params
    assert len(facts) == 27 and set(facts["industry_code"]) == {"62011", "62012", "62020"}


def test_published_zero_is_flagged_as_possibly_suppressed():
    client, _ = replay(lambda r: httpx.Response(200, text=ENTERPRISES))
    facts = fetch_business_counts("2092957698", ["62011"], 2021, size_bands="detailed", client=client)
    largest = facts[facts["breakdown"] == "1000+"]
    assert largest["value"].tolist() == [0.0]
    assert largest["flag"].tolist() == ["zero_may_be_suppressed"]


def test_asking_for_a_subclass_nomis_did_not_return_is_an_error():
    client, _ = replay(lambda r: httpx.Response(200, text=ENTERPRISES))
    with pytest.raises(DataValidationError, match="NOMIS returned none of the industries 10110"):
        fetch_business_counts("2092957698", ["10110"], 2021, size_bands="detailed", client=client)


def test_local_units_use_dataset_nm_141_1():
    client, seen = replay(lambda r: httpx.Response(404, text="not found"))
    with pytest.raises(FetchError, match="HTTP 404"):
        fetch_business_counts("K03000001", ["C"], 2021, unit="local_units", size_bands="summary", client=client)
    assert seen[0].url.path == "/api/v01/dataset/NM_141_1.data.csv"
    assert seen[0].url.params["industry"] == "150994947"
    assert seen[0].url.params["employment_sizeband"] == "10,20,30,40"


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda c: fetch_bres("K03000001", ["29"], 2021, employment_status=7, client=c), "employment_status 7"),
        (lambda c: fetch_business_counts("K03000001", ["29"], 2021, size_bands="huge", client=c), "'huge'"),
        (lambda c: fetch_business_counts("K03000001", ["29"], 2021, size_bands=[11], client=c), r"\[11\] not known"),
        (lambda c: fetch_business_counts("K03000001", ["29"], 2021, unit="firms", client=c), "'firms'"),
        (lambda c: fetch_bres("K03000001", ["62020", "146800669"], 2021, client=c), "cannot mix"),
        (lambda c: fetch_bres("K03000001", [], 2021, client=c), "no industries given"),
    ],
)
def test_bad_parameters_fail_before_any_request(call, message):
    client, seen = replay(lambda r: httpx.Response(500))
    with pytest.raises(ParameterError, match=message):
        call(client)
    assert seen == []


# -- fetch to file ---------------------------------------------------------------------------


def test_fetch_to_csv_writes_a_file_that_imports_to_the_same_facts(tmp_path):
    client, _ = replay(lambda r: httpx.Response(200, text=ENTERPRISES))
    out = tmp_path / "downloads" / "enterprises.csv"
    result = fetch_to_csv(
        "enterprises", "2092957698", ["62020"], [2021], out, size_bands="detailed", client=client, backoff=0
    )
    assert result.path == out and result.rows == 9
    assert (result.dataset_id, result.measure, result.unit) == ("NM_142_1", "enterprises", "count")
    assert result.url.startswith("https://www.nomisweb.co.uk/api/v01/dataset/NM_142_1.data.csv?")
    header = out.read_text().split("\n", 1)[0]
    assert header == (
        "DATE,GEOGRAPHY_NAME,GEOGRAPHY_CODE,INDUSTRY_NAME,INDUSTRY_CODE,EMPLOYMENT_SIZEBAND_NAME,OBS_VALUE,OBS_STATUS"
    )
    imported = read_nomis_csv(out, dataset="nomis_enterprises", measure=result.measure, unit=result.unit)
    fetched = fetch_business_counts("2092957698", ["62020"], 2021, size_bands="detailed", client=client)
    columns = ["area_code", "industry_code", "year", "breakdown", "value", "flag"]
    assert imported[columns].equals(fetched[columns])


def test_fetch_to_csv_bres_and_bad_kind(tmp_path):
    client, _ = replay(bres_pages)
    result = fetch_to_csv("bres", ["UKG1", "UKG3"], ["29", "62"], 2021, tmp_path / "b.csv", client=client, page_size=2)
    assert (result.rows, result.dataset_id, result.measure, result.unit) == (4, "NM_189_1", "employment", "persons")
    assert "EMPLOYMENT_SIZEBAND_NAME" not in (tmp_path / "b.csv").read_text().split("\n", 1)[0]
    with pytest.raises(ParameterError, match="kind 'gva'"):
        fetch_to_csv("gva", "K03000001", ["29"], 2021, tmp_path / "x.csv", client=client)
    assert not (tmp_path / "x.csv").exists()


def test_default_client_is_opened_and_closed(monkeypatch):
    opened = []

    class Recording(httpx.Client):
        def __init__(self, **kwargs):
            kwargs["transport"] = httpx.MockTransport(bres_pages)
            super().__init__(**kwargs)
            opened.append(self)

    monkeypatch.setattr(nomis_api.httpx, "Client", Recording)
    facts = fetch_bres(["UKG1", "UKG3"], ["29", "62"], 2021, page_size=2, timeout=5)
    assert len(facts) == 4
    assert len(opened) == 1 and opened[0].is_closed
