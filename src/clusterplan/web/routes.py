"""The JSON API: one route per resource, every parameter checked before any query runs.

Routes are read-only ``GET``\\ s on :data:`router`; each takes its parameters
from the query string (FastAPI checks types and bounds, the service checks
codes against the warehouse's catalogue) and answers its ``response_model``
(:mod:`clusterplan.web.models`), serialised once through that model and
cached. A new resource is one more function here: declare its parameters with
``Query``/``Path`` constraints and its ``response_model``, turn the parameters
into checked, normalised values with the service, and return
``await _answer(request, DashboardService.<resource>, *values)``.

Errors are ``{"error": "one line"}`` with status 400 (a value that is not
allowed: unknown code, year or taxonomy, with the valid choices), 404 (an
unknown resource in the path), 414 (a query string over :data:`MAX_QUERY_BYTES`),
422 (wrong type, out of bounds, over its size limit, unknown query parameter)
or 503 (the warehouse is unavailable).
"""

from __future__ import annotations

import asyncio
import functools
import weakref
from collections.abc import Callable, Hashable
from typing import Annotated, Any, Literal

from anyio import CapacityLimiter, to_thread
from fastapi import APIRouter, Depends, HTTPException, Path, Query, Request
from fastapi.responses import Response

from .._exceptions import UnknownCodeError
from ._queries import ProfileQuery
from ._service import BOUNDARY_LEVELS, COMPUTED_IN_WORKERS, RESPONSE_MODELS, DashboardService, render
from .models import (
    BoundariesOut,
    DatasetOut,
    DatasetsOut,
    ErrorOut,
    HealthOut,
    HotspotsOut,
    MeasuresOut,
    ProfileOut,
    ProfileRegionsOut,
    RegionDetailOut,
    RegionsOut,
    ScenarioParametersOut,
    ScenariosOut,
    SubregionalOut,
    SupplyChainsOut,
    TaxonomiesOut,
    TaxonomyDetailOut,
)

__all__ = ["API_PREFIX", "MAX_PEERS", "MAX_QUERY_BYTES", "answer_headers", "not_modified_headers", "router"]

API_PREFIX = "/api"

#: Size limits, checked before any work (the OpenAPI schema carries each one as ``maxLength``): longer values
#: are refused with a 422 that names the parameter and its limit; a query string over MAX_QUERY_BYTES with a 414.
MAX_REGION_CHARS = 100  # the longest GB ITL2 name is 45 characters, a CBSA code 5
MAX_NAME_CHARS = 64  # taxonomy names
MAX_CLUSTER_CHARS = 80  # cluster ids
MAX_BENCHMARK_CHARS = 20
MAX_LEVEL_CHARS = 10
MAX_PEERS_CHARS = 1000
MAX_PEERS = 100  # areas in one peers list
MAX_WEIGHTS_CHARS = 400  # about ten criterion=weight pairs
MAX_QUERY_BYTES = 4096

#: Codes and names in query strings: letters, digits, spaces and the punctuation of area names; never a path.
_CODE = r"^[A-Za-z0-9][A-Za-z0-9 ,.'&()\-]*$"
_IDENTIFIER = r"^[a-z0-9_]+$"


_ERRORS: dict[int | str, dict[str, Any]] = {
    400: {"model": ErrorOut, "description": "A value that is not allowed (the message lists the valid choices)."},
    414: {"model": ErrorOut, "description": f"Query string over {MAX_QUERY_BYTES} bytes."},
    422: {
        "model": ErrorOut,
        "description": "Wrong type, out of bounds, over its size limit, or an unknown query parameter.",
    },
}


# -- parameter checks shared by every route ---------------------------------------------------------------------


def _query_names(dependant: Any) -> set[str]:
    """Query parameters of a route and of the dependencies it declares (e.g. the shared profile parameters)."""
    if dependant is None:
        return set()
    names = {p.alias for p in dependant.query_params}
    for sub in dependant.dependencies:
        names |= _query_names(sub)
    return names


async def reject_unknown_query(request: Request) -> None:
    """Refuse query parameters the route does not take, and parameters given twice."""
    route = request.scope.get("route")
    allowed = sorted(_query_names(getattr(route, "dependant", None)))
    for name in request.query_params:
        if name not in allowed:
            valid = ", ".join(allowed) if allowed else "none"
            raise HTTPException(422, f"unknown query parameter {name!r}; valid parameters: {valid}")
    for name in set(request.query_params):
        count = len(request.query_params.getlist(name))
        if count > 1:
            raise HTTPException(422, f"query parameter {name!r} given {count} times; give it once")


router = APIRouter(prefix=API_PREFIX, dependencies=[Depends(reject_unknown_query)], responses=_ERRORS)


def _service(request: Request) -> DashboardService:
    service: DashboardService = request.app.state.service
    return service


#: Per app and event loop, the limiter of answers computed at once (DashboardService.compute_threads); a limiter
#: belongs to the event loop it was made in.
_LIMITERS: weakref.WeakKeyDictionary[Any, dict[int, CapacityLimiter]] = weakref.WeakKeyDictionary()


def _compute_limiter(request: Request) -> CapacityLimiter:
    service = _service(request)
    per_app = _LIMITERS.setdefault(asyncio.get_running_loop(), {})
    limiter = per_app.get(id(service))
    if limiter is None:
        limiter = per_app[id(service)] = CapacityLimiter(service.compute_threads)
    return limiter


def _response_model(request: Request, resource: str) -> Any:
    """The ``response_model`` of the route answering *request*: the answer is serialised through it."""
    route = request.scope.get("route")
    model = getattr(route, "response_model", None)
    return model if model is not None else RESPONSE_MODELS[resource]


async def _answer(
    request: Request, resource: Callable[..., Any], *args: Hashable, media_type: str = "application/json"
) -> Response:
    """The JSON of ``resource(service, *args)``, a :class:`DashboardService` method returning the route's response
    model, serialised through that model and cached under the resource's name and arguments (gzip-compressed
    once if the client accepts it); computed off the event loop when missing (in a worker process when the
    service has them) so the event loop keeps answering cached requests. A client that already holds the answer
    (``If-None-Match`` with its ETag) gets a 304 without it."""
    service = _service(request)
    name = resource.__name__
    key = (name, *args)
    gzip_ok = "gzip" in request.headers.get("accept-encoding", "")
    held = request.headers.get("if-none-match")
    found = service.answer_now(key, gzip_ok, held)
    if found is None:
        model = _response_model(request, name)
        compute = functools.partial(service.kept, name, args, model)
        # Computations take turns (DashboardService.compute_threads); look-ups in the catalogue do not wait.
        limiter = _compute_limiter(request) if name in COMPUTED_IN_WORKERS else None
        found = await to_thread.run_sync(
            functools.partial(service.answer, key, compute, gzip_ok, held), limiter=limiter
        )
    service.remember(request.scope["path"], request.scope.get("query_string", b""), key, media_type)
    body, compressed, etag = found
    if body is None:
        return Response(status_code=304, headers=not_modified_headers(etag))
    return Response(body, media_type=media_type, headers=answer_headers(compressed, etag))


def answer_headers(compressed: bool, etag: str) -> dict[str, str]:
    """Headers of a cached answer besides its type and length."""
    headers = {"etag": etag, "vary": "Accept-Encoding"}
    return {"content-encoding": "gzip", **headers} if compressed else headers


def not_modified_headers(etag: str) -> dict[str, str]:
    """Headers of a 304 (the client holds the answer already): its ETag, and what it varies with."""
    return {"etag": etag, "vary": "Accept-Encoding"}


def _peers(values: str | None) -> list[str] | None:
    """The areas of a comma-separated peers list, at most :data:`MAX_PEERS` of them."""
    if values is None:
        return None
    peers = [v.strip() for v in values.split(",") if v.strip()]
    if len(peers) > MAX_PEERS:
        raise HTTPException(
            422,
            f"query parameter 'peers' lists {len(peers)} areas; at most {MAX_PEERS} are allowed: "
            "name fewer peers, or use benchmark=national or a larger area's code",
        )
    return peers


def _not_found(exc: UnknownCodeError) -> HTTPException:
    return HTTPException(404, str(exc))


RegionParam = Annotated[
    str,
    Query(
        min_length=1,
        max_length=MAX_REGION_CHARS,
        pattern=_CODE,
        description="GB ITL2 area (TLG3, its NUTS 2016 code UKG3, or its name) or US CBSA code (12060); "
        f"at most {MAX_REGION_CHARS} characters.",
        examples=["TLG3"],
    ),
]
YearParam = Annotated[
    int | None, Query(ge=1990, le=2100, description="Profile year (default: latest in the data).", examples=[2021])
]
BaseYearParam = Annotated[
    int | None,
    Query(ge=1990, le=2100, description="Start of the growth period (default: earliest in the data).", examples=[2015]),
]
BenchmarkParam = Annotated[
    str,
    Query(
        min_length=1,
        max_length=MAX_BENCHMARK_CHARS,
        pattern=r"^[A-Za-z0-9]+$",
        description="national, peers, or the code of a larger area (ITL1 TLG) whose areas form the benchmark; "
        f"at most {MAX_BENCHMARK_CHARS} characters.",
    ),
]
PeersParam = Annotated[
    str | None,
    Query(
        max_length=MAX_PEERS_CHARS,
        pattern=r"^[A-Za-z0-9 ,.'&()\-]+$",
        description="Comma-separated peer areas for benchmark=peers (default: the 8 closest in total employment); "
        f"at most {MAX_PEERS} areas and {MAX_PEERS_CHARS} characters.",
        examples=["TLD3,TLE4,TLF1"],
    ),
]
TaxonomyParam = Annotated[
    str | None,
    Query(
        min_length=1,
        max_length=MAX_NAME_CHARS,
        pattern=_IDENTIFIER,
        description=f"Built-in taxonomy (see /api/taxonomies); default: the dataset's own; at most {MAX_NAME_CHARS} "
        "characters.",
    ),
]
ClusterParam = Annotated[
    str | None,
    Query(
        min_length=1,
        max_length=MAX_CLUSTER_CHARS,
        pattern=_IDENTIFIER,
        description=f"One cluster id (default: all); at most {MAX_CLUSTER_CHARS} characters.",
    ),
]
CellsParam = Annotated[
    Literal["reconstructed", "published"],
    Query(
        description="US County Business Patterns: published cells plus the withheld ones rebuilt within their "
        "parents (reconstructed), or published cells only."
    ),
]
ConventionParam = Annotated[
    Literal["clusterplan", "cluster-mapping"],
    Query(
        description="US metros: clusterplan's measures, or also the US Cluster Mapping portal's (cluster-mapping: "
        "LQ on traded employment, the portal's ranks and strong clusters in cmp_* columns; traded industries only "
        "on /api/measures, which needs level naics6)."
    ),
]
DenominatorParam = Annotated[
    Literal["all", "traded"],
    Query(description="Totals over all industries, or over traded industries only (as the US Cluster Mapping does)."),
]


# -- routes ---------------------------------------------------------------------------------------------------


@router.get("/health", summary="Liveness and data version", tags=["meta"], response_model=HealthOut)
async def health(request: Request) -> Response:
    # Never cached: it says whether the server answers now.
    return Response(render(HealthOut, _service(request).health()), media_type="application/json")


@router.get("/regions", summary="Every region that can be profiled", tags=["regions"], response_model=RegionsOut)
async def regions(
    request: Request,
    geography: Annotated[
        Literal["uk", "us"] | None, Query(description="Only GB ITL2 areas (uk) or US CBSAs (us).")
    ] = None,
) -> Response:
    return await _answer(request, DashboardService.regions, geography)


@router.get(
    "/regions/{code}",
    summary="One region: its dataset, years, taxonomies and benchmark choices",
    tags=["regions"],
    response_model=RegionDetailOut,
    responses={404: {"model": ErrorOut, "description": "Unknown region."}},
)
async def region(
    request: Request,
    code: Annotated[
        str,
        Path(
            min_length=1,
            max_length=MAX_REGION_CHARS,
            pattern=_CODE,
            description=f"Region code or name; at most {MAX_REGION_CHARS} characters.",
            examples=["TLG3"],
        ),
    ],
) -> Response:
    service = _service(request)
    try:
        area = service.catalogue.resolve_area(code)
    except UnknownCodeError as exc:
        raise _not_found(exc) from None
    return await _answer(request, DashboardService.region, area.code)


@router.get("/taxonomies", summary="Built-in cluster definitions", tags=["taxonomies"], response_model=TaxonomiesOut)
async def taxonomies(request: Request) -> Response:
    return await _answer(request, DashboardService.taxonomies)


@router.get(
    "/taxonomies/{name}",
    summary="One taxonomy's clusters and codes",
    tags=["taxonomies"],
    response_model=TaxonomyDetailOut,
    responses={404: {"model": ErrorOut, "description": "Unknown taxonomy."}},
)
async def taxonomy(
    request: Request,
    name: Annotated[
        str, Path(min_length=1, max_length=MAX_NAME_CHARS, pattern=_IDENTIFIER, examples=["wmca_plan_for_growth"])
    ],
) -> Response:
    service = _service(request)
    if name not in service.catalogue.taxonomies:
        raise _not_found(UnknownCodeError("taxonomy", name, sorted(service.catalogue.taxonomies)))
    return await _answer(request, DashboardService.taxonomy, name)


@router.get("/datasets", summary="Every dataset in the warehouse", tags=["data"], response_model=DatasetsOut)
async def datasets(request: Request) -> Response:
    return await _answer(request, DashboardService.datasets)


@router.get(
    "/datasets/{name}",
    summary="Provenance of one dataset",
    tags=["data"],
    response_model=DatasetOut,
    responses={404: {"model": ErrorOut, "description": "Unknown dataset."}},
)
async def dataset(
    request: Request,
    name: Annotated[
        str, Path(min_length=1, max_length=100, pattern=r"^[A-Za-z0-9_.\-]+$", examples=["bres_itl2_sic5"])
    ],
) -> Response:
    try:
        return await _answer(request, DashboardService.dataset, name)
    except UnknownCodeError as exc:
        raise _not_found(exc) from None


@router.get(
    "/boundaries/{level}",
    summary="Area shapes as GeoJSON (WGS84), for maps",
    tags=["regions"],
    response_model=BoundariesOut,
    responses={
        200: {"content": {"application/geo+json": {}}, "description": "A GeoJSON FeatureCollection."},
        404: {"model": ErrorOut, "description": "Unknown level."},
    },
)
async def boundaries(
    request: Request,
    level: Annotated[str, Path(min_length=1, max_length=20, pattern=r"^[a-z0-9_]+$", examples=["itl2"])],
) -> Response:
    if level not in BOUNDARY_LEVELS:
        raise _not_found(UnknownCodeError("boundary level", level, list(BOUNDARY_LEVELS)))
    return await _answer(request, DashboardService.boundaries, level, media_type="application/geo+json")


async def profile_parameters(
    request: Request,
    region: RegionParam = "TLG3",
    taxonomy: TaxonomyParam = None,
    year: YearParam = None,
    base_year: BaseYearParam = None,
    benchmark: BenchmarkParam = "national",
    peers: PeersParam = None,
    denominator: DenominatorParam = "all",
    cells: CellsParam = "reconstructed",
    convention: ConventionParam = "clusterplan",
) -> ProfileQuery:
    """The parameters every profile-based resource shares, checked and normalised."""
    return _service(request).profile_query(
        region=region,
        taxonomy=taxonomy,
        year=year,
        base_year=base_year,
        benchmark=benchmark,
        peers=_peers(peers),
        denominator=denominator,
        cells=cells,
        convention=convention.replace("-", "_"),
    )


ProfileParams = Annotated[ProfileQuery, Depends(profile_parameters)]


@router.get(
    "/profile",
    summary="Cluster profile of one region: ranking table, totals, trend, parameters and provenance",
    tags=["profiles"],
    response_model=ProfileOut,
)
async def profile(request: Request, query: ProfileParams) -> Response:
    return await _answer(request, DashboardService.profile, query)


@router.get(
    "/profile/regions",
    summary="Every area's measures for the clusters of a profile (for maps and area tables)",
    tags=["profiles"],
    response_model=ProfileRegionsOut,
)
async def profile_regions(
    request: Request,
    query: ProfileParams,
    cluster: ClusterParam = None,
) -> Response:
    return await _answer(request, DashboardService.profile_regions, query, cluster)


@router.get(
    "/scenarios/parameters",
    summary="Scenario parameters: their defaults and the values each accepts",
    tags=["scenarios"],
    response_model=ScenarioParametersOut,
)
async def scenario_parameters(request: Request) -> Response:
    return await _answer(request, DashboardService.scenario_parameters)


@router.get(
    "/scenarios",
    summary="Above-forecast growth scenarios and cluster priorities of a GB region (clusterplan.scenarios)",
    tags=["scenarios"],
    response_model=ScenariosOut,
)
async def scenarios(
    request: Request,
    query: ProfileParams,
    target_year: Annotated[
        int | None,
        Query(ge=1990, le=2100, description="Year the baseline and scenarios are projected to (default 2030)."),
    ] = None,
    method: Annotated[
        Literal["similar", "leader"] | None,
        Query(
            description="Scenario method: similar (default; backtested percentiles of similar comparators' growth "
            "above the national trend) or leader (the previous method; comparator_rule, high and low apply to it)."
        ),
    ] = None,
    comparator_rule: Annotated[
        Literal["lq", "strong", "stars"] | None,
        Query(description="Which other regions are comparators: LQ >= 1, strong cluster, or >= 1 star."),
    ] = None,
    high: Annotated[
        Literal["leader", "top_quartile", "median", "mean"] | None,
        Query(description="Comparator growth the high scenario follows (default leader)."),
    ] = None,
    low: Annotated[
        Literal["leader", "top_quartile", "median", "mean"] | None,
        Query(description="Comparator growth the low scenario follows (default top_quartile)."),
    ] = None,
    baseline: Annotated[
        Literal["auto", "no_change", "national_growth", "shift_share", "log_linear", "damped_trend"] | None,
        Query(description="Baseline forecast method (default auto: the lowest backtest error)."),
    ] = None,
    weights: Annotated[
        str | None,
        Query(
            max_length=MAX_WEIGHTS_CHARS,
            pattern=r"^[a-z_]+=[0-9]+(\.[0-9]+)?(,[a-z_]+=[0-9]+(\.[0-9]+)?)*$",
            description="Priority weights criterion=weight,...; others keep their default (/api/scenarios/parameters); "
            f"at most {MAX_WEIGHTS_CHARS} characters.",
            examples=["growth_potential=0.4,pay=0.1"],
        ),
    ] = None,
) -> Response:
    scenario = _service(request).scenario_query(
        query,
        target_year=target_year,
        method=method,
        comparator_rule=comparator_rule,
        high=high,
        low=low,
        baseline=baseline,
        weights=weights,
    )
    return await _answer(request, DashboardService.scenarios, scenario)


@router.get(
    "/supply-chains",
    summary="Suppliers, customers and local sourcing of a GB region's clusters (regional input-output model)",
    tags=["supply chains"],
    response_model=SupplyChainsOut,
)
async def supply_chains(
    request: Request,
    region: RegionParam = "TLG3",
    taxonomy: TaxonomyParam = None,
    method: Annotated[
        Literal["slq", "cilq", "flq", "aflq"], Query(description="Regionalisation of the UK IOAT 2019 (default flq).")
    ] = "flq",
    delta: Annotated[float, Query(ge=0, lt=1, description="Flegg's delta for flq and aflq.")] = 0.3,
    year: Annotated[int | None, Query(ge=1990, le=2100, description="BRES employment year (default 2019).")] = None,
    top: Annotated[int, Query(ge=1, le=20, description="Suppliers and customers listed per cluster.")] = 5,
) -> Response:
    query = _service(request).supply_chain_query(
        region=region, taxonomy=taxonomy, method=method, delta=delta, year=year, top=top
    )
    return await _answer(request, DashboardService.supply_chains, query)


@router.get(
    "/subregional",
    summary="Where each cluster sits inside a GB region: its ITL3 areas' value, shares and LQs",
    tags=["geography"],
    response_model=SubregionalOut,
)
async def subregional(
    request: Request,
    region: RegionParam = "TLG3",
    taxonomy: TaxonomyParam = None,
    year: YearParam = None,
    measure: Annotated[
        Literal["gva", "employment"],
        Query(description="gva (ONS ITL3 GVA, every GB area) or employment (local data you imported)."),
    ] = "gva",
    cluster: ClusterParam = None,
) -> Response:
    query = _service(request).subregional_query(
        region=region, taxonomy=taxonomy, year=year, measure=measure, cluster=cluster
    )
    return await _answer(request, DashboardService.subregional, query)


@router.get(
    "/hotspots",
    summary="Spatial hotspots of a cluster across GB areas or US CBSAs: Moran's I, LISA and Getis-Ord Gi*",
    tags=["geography"],
    response_model=HotspotsOut,
)
async def hotspots(
    request: Request,
    cluster: Annotated[
        str,
        Query(
            min_length=1,
            max_length=MAX_CLUSTER_CHARS,
            pattern=_IDENTIFIER,
            description=f"Cluster id of the taxonomy; at most {MAX_CLUSTER_CHARS} characters.",
        ),
    ],
    taxonomy: TaxonomyParam = None,
    measure: Annotated[
        Literal["lq", "employment", "share", "gva", "gva_per_job"], Query(description="What is mapped.")
    ] = "lq",
    level: Annotated[
        Literal["itl3", "itl2", "lad", "cbsa"],
        Query(description="Areas compared: GB ITL3, ITL2 or local authorities, or the US CBSAs (contiguous states)."),
    ] = "itl3",
    year: YearParam = None,
    permutations: Annotated[int, Query(ge=99, le=999, description="Permutations of the significance tests.")] = 999,
    cells: CellsParam = "reconstructed",
) -> Response:
    query = _service(request).hotspots_query(
        cluster=cluster,
        taxonomy=taxonomy,
        measure=measure,
        level=level,
        year=year,
        permutations=permutations,
        cells=cells,
    )
    return await _answer(request, DashboardService.hotspots, query)


@router.get(
    "/measures",
    summary="Employment, share, LQ, growth and ranks of every industry of one region",
    tags=["profiles"],
    response_model=MeasuresOut,
)
async def measures(
    request: Request,
    region: RegionParam,
    level: Annotated[
        str | None,
        Query(
            min_length=1,
            max_length=MAX_LEVEL_CHARS,
            pattern=_IDENTIFIER,
            description="sic5 or sic2 (GB), naics2 ... naics6 (US); default the finest level of the region's data.",
        ),
    ] = None,
    year: YearParam = None,
    base_year: BaseYearParam = None,
    benchmark: BenchmarkParam = "national",
    peers: PeersParam = None,
    cells: CellsParam = "reconstructed",
    convention: ConventionParam = "clusterplan",
) -> Response:
    query = _service(request).measures_query(
        region=region,
        level=level,
        year=year,
        base_year=base_year,
        benchmark=benchmark,
        peers=_peers(peers),
        cells=cells,
        convention=convention.replace("-", "_"),
    )
    return await _answer(request, DashboardService.measures, query)
