"""The clusterplan web app: a JSON API and a dashboard over the embedded warehouse, read-only.

:func:`create_app` builds the FastAPI application that ``clusterplan serve``
runs: the API of :mod:`clusterplan.web.routes` under ``/api``, its
OpenAPI schema at ``/openapi.json`` and a local documentation page at
``/docs`` (nothing is fetched from other sites), and the dashboard at ``/``
(plain HTML, CSS and JavaScript from ``static/``, plus plotly.js from the
``plotly`` package, served from this machine).

Every response carries security headers (a strict Content-Security-Policy
with scripts from this origin only, ``nosniff``, no framing, no referrer);
requests whose ``Host`` is not one this server answers to are refused, which
stops DNS-rebinding pages from reading the API through a browser; only
``GET`` is accepted.
"""

from __future__ import annotations

import functools
import gc
import importlib.util
import logging
import os
import signal
import threading
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator, MutableMapping, Sequence
from contextlib import ExitStack, asynccontextmanager, contextmanager
from pathlib import Path
from typing import Any

from anyio import to_thread
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import FileResponse, JSONResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.middleware.gzip import GZipMiddleware

from .._exceptions import ClusterplanError, InputError, ParameterError, TaxonomyError, WarehouseError
from .._version import __version__
from ..pipeline.data import warehouse_file
from ._json import json_bytes
from ._service import DashboardService
from .routes import API_PREFIX, MAX_QUERY_BYTES, answer_headers, not_modified_headers, router

__all__ = ["CONTENT_SECURITY_POLICY", "DEFAULT_ALLOWED_HOSTS", "create_app", "plotly_js_path"]

logger = logging.getLogger("clusterplan.webapp")

STATIC_DIR = Path(__file__).resolve().parent / "static"

#: Host names a loopback server answers to (a DNS-rebinding page arrives with its own name and is refused).
DEFAULT_ALLOWED_HOSTS = ("127.0.0.1", "localhost", "::1")

#: Scripts only from this origin, never inline or eval'd; inline styles are allowed because plotly.js sets them.
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; "
    "font-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; "
    "frame-ancestors 'none'"
)

_SECURITY_HEADERS = (
    (b"content-security-policy", CONTENT_SECURITY_POLICY.encode()),
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"no-referrer"),
    (b"cross-origin-opener-policy", b"same-origin"),
    (b"cross-origin-resource-policy", b"same-origin"),
    (b"permissions-policy", b"camera=(), microphone=(), geolocation=(), payment=(), usb=()"),
)

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]


def plotly_js_path() -> Path | None:
    """``plotly.min.js`` shipped inside the ``plotly`` Python package, or None when it is not installed."""
    spec = importlib.util.find_spec("plotly")
    if spec is None or not spec.submodule_search_locations:
        return None
    for location in spec.submodule_search_locations:
        candidate = Path(location) / "package_data" / "plotly.min.js"
        if candidate.is_file():
            return candidate
    return None


def _host_name(host: str) -> str:
    """``127.0.0.1:8000`` -> ``127.0.0.1``; ``[::1]:8000`` -> ``::1``."""
    host = host.strip().lower()
    if host.startswith("["):
        return host[1:].split("]", 1)[0]
    return host.rsplit(":", 1)[0] if host.count(":") == 1 else host


class SecurityMiddleware:
    """Host and method checks, security and cache headers, and a JSON 500 for anything unexpected."""

    def __init__(self, app: ASGIApp, allowed_hosts: Sequence[str]) -> None:
        self.app = app
        self.any_host = "*" in allowed_hosts
        self.allowed_hosts = {h.strip("[]").lower() for h in allowed_hosts}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = dict(scope.get("headers") or [])
        host = _host_name(headers.get(b"host", b"").decode("latin-1"))
        if not self.any_host and host not in self.allowed_hosts:
            shown = ", ".join(sorted(self.allowed_hosts))
            await _send_error(send, 400, f"host {host!r} not allowed; this server answers to {shown}")
            return
        if scope["method"] != "GET":
            await _send_error(
                send,
                405,
                f"method {scope['method']} not allowed; the API is read-only (GET)",
                [(b"allow", b"GET")],
            )
            return
        path: str = scope.get("path", "")
        query_bytes = len(scope.get("query_string", b""))
        if query_bytes > MAX_QUERY_BYTES:
            # Refused before routing and parsing: no parameter can need this much.
            await _send_error(
                send,
                414,
                f"query string is {query_bytes} bytes; at most {MAX_QUERY_BYTES} are allowed: "
                "send fewer or shorter parameters (limits are in /openapi.json)",
            )
            return
        started = False

        async def send_with_headers(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
                status = int(message["status"])
                present = {k.lower() for k, _ in message.get("headers", [])}
                extra = [(k, v) for k, v in _SECURITY_HEADERS if k not in present]
                if b"cache-control" not in present:
                    extra.append((b"cache-control", _cache_control(path, status)))
                message["headers"] = [*message.get("headers", []), *extra]
            await send(message)

        try:
            await self.app(scope, receive, send_with_headers)
        except Exception:
            logger.exception("unexpected error answering %s", path)
            if not started:
                await _send_error(send, 500, "internal server error; the server log has the details")


class RepeatedAnswers:
    """Answers a request asked before with exactly the same path and query string from the cached bytes, before
    routing, parameter checks and compression: its parameters were accepted then, and the read-only warehouse's
    answers cannot change while the server runs; a client that holds them already (``If-None-Match`` with their
    ETag) gets a 304 without them. Anything else goes on to the app."""

    def __init__(self, app: ASGIApp, service: DashboardService) -> None:
        self.app = app
        self.service = service

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = scope.get("path", "") if scope["type"] == "http" else ""
        if path.startswith(API_PREFIX + "/"):
            request_headers = scope.get("headers") or []
            gzip_ok = any(k == b"accept-encoding" and b"gzip" in v for k, v in request_headers)
            held = next((v.decode("latin-1") for k, v in request_headers if k == b"if-none-match"), None)
            found = self.service.answer_request(path, scope.get("query_string", b""), gzip_ok, held)
            if found is not None:
                body, compressed, etag, media_type = found
                if body is None:
                    headers = [(k.encode(), v.encode()) for k, v in not_modified_headers(etag).items()]
                    await send({"type": "http.response.start", "status": 304, "headers": headers})
                    await send({"type": "http.response.body", "body": b""})
                    return
                headers = [(b"content-type", media_type.encode()), (b"content-length", str(len(body)).encode())]
                headers += [(k.encode(), v.encode()) for k, v in answer_headers(compressed, etag).items()]
                await send({"type": "http.response.start", "status": 200, "headers": headers})
                await send({"type": "http.response.body", "body": body})
                return
        await self.app(scope, receive, send)


def _cache_control(path: str, status: int) -> bytes:
    if status >= 400:
        return b"no-store"
    if path.startswith(API_PREFIX + "/"):
        # The warehouse is opened read-only, so answers cannot change while the server runs.
        return b"private, max-age=300"
    if path.startswith("/vendor/"):
        return b"public, max-age=86400"
    return b"no-cache"


async def _send_error(send: Send, status: int, message: str, headers: list[tuple[bytes, bytes]] | None = None) -> None:
    body = json_bytes({"error": message})
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
                (b"cache-control", b"no-store"),
                *_SECURITY_HEADERS,
                *(headers or []),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})


def _error(status: int, message: str) -> JSONResponse:
    return JSONResponse({"error": " ".join(str(message).split())}, status_code=status)


def _validation_message(exc: RequestValidationError) -> str:
    parts = []
    for error in exc.errors():
        location = [str(p) for p in error.get("loc", ())]
        where = f"{location[0]} parameter {location[-1]!r}" if len(location) >= 2 else "request"
        message = str(error.get("msg", "invalid value"))
        if error.get("type") == "string_pattern_mismatch":
            message = "has characters that are not allowed (letters, digits, spaces and , . ' & ( ) - only)"
        elif error.get("type") == "string_too_long":
            limit = (error.get("ctx") or {}).get("max_length")
            length = len(str(error.get("input", "")))
            message = f"is {length} characters; at most {limit} are allowed: shorten it (limits are in /openapi.json)"
        given = error.get("input")
        if isinstance(given, str | int | float) and len(str(given)) <= 60 and error.get("type") != "string_too_long":
            message += f" (got {given!r})"
        parts.append(f"{where}: {message}")
    return "; ".join(parts) or "invalid request"


def _install_error_handlers(app: FastAPI) -> None:
    async def on_input_error(_request: Request, exc: Exception) -> Response:
        return _error(400, str(exc))

    async def on_warehouse_error(_request: Request, exc: Exception) -> Response:
        return _error(503, str(exc))

    async def on_clusterplan_error(_request: Request, exc: Exception) -> Response:
        return _error(500, str(exc))

    async def on_http_error(_request: Request, exc: Exception) -> Response:
        assert isinstance(exc, StarletteHTTPException)
        detail = exc.detail if exc.status_code != 404 or exc.detail != "Not Found" else "no such page or endpoint"
        response = _error(exc.status_code, str(detail))
        if exc.headers:
            response.headers.update(exc.headers)
        return response

    async def on_validation_error(_request: Request, exc: Exception) -> Response:
        assert isinstance(exc, RequestValidationError)
        return _error(422, _validation_message(exc))

    app.add_exception_handler(InputError, on_input_error)
    app.add_exception_handler(TaxonomyError, on_input_error)
    app.add_exception_handler(WarehouseError, on_warehouse_error)
    app.add_exception_handler(ClusterplanError, on_clusterplan_error)
    app.add_exception_handler(StarletteHTTPException, on_http_error)
    app.add_exception_handler(RequestValidationError, on_validation_error)


def _install_pages(app: FastAPI) -> None:
    plotly_js = plotly_js_path()

    @app.get("/", include_in_schema=False)
    async def dashboard() -> FileResponse:
        return FileResponse(STATIC_DIR / "index.html", media_type="text/html")

    @app.get("/docs", include_in_schema=False)
    async def docs() -> FileResponse:
        return FileResponse(STATIC_DIR / "docs.html", media_type="text/html")

    @app.get("/favicon.ico", include_in_schema=False)
    async def favicon() -> FileResponse:
        return FileResponse(STATIC_DIR / "favicon.svg", media_type="image/svg+xml")

    @app.get("/vendor/plotly.min.js", include_in_schema=False)
    async def plotly() -> Response:
        if plotly_js is None:
            return _error(404, "plotly.js is not installed on the server: pip install plotly")
        return FileResponse(plotly_js, media_type="text/javascript")

    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")


def _warm(service: DashboardService, stop: threading.Event) -> None:
    started = time.perf_counter()
    try:
        done = service.warm(stop)
    except Exception:  # the requests that need these tables compute them, and report any error themselves
        logger.exception("warming the shared tables failed")
        return
    logger.info("warmed %d answers in %.1f s", done, time.perf_counter() - started)


#: The collector's youngest-generation threshold once the shared tables are precomputed (Python's default is 700).
_GC_YOUNGEST_AFTER_PRECOMPUTING = 10_000


@contextmanager
def _collector_after_precomputing() -> Iterator[None]:
    """The cyclic garbage collector tuned for a server whose shared tables are made, and put back as it was after.

    What exists after precomputing (modules, the shared tables: about 260,000 objects) lives as long as the
    server, yet every full collection scanned it again; it is frozen (:func:`gc.freeze`) so that collections see
    only what answers make since. Answers make many short-lived containers, so the youngest generation is
    collected every :data:`_GC_YOUNGEST_AFTER_PRECOMPUTING` allocations rather than every 700. On the cold mix
    answered one request after another in-process, the collector's CPU fell from 1.68 s to 0.95 s (of 12.7 s),
    and the peak memory rose by 30-50 MB.
    """
    threshold = gc.get_threshold()
    gc.collect()
    gc.freeze()
    gc.set_threshold(_GC_YOUNGEST_AFTER_PRECOMPUTING, *threshold[1:])
    try:
        yield
    finally:
        gc.set_threshold(*threshold)
        gc.unfreeze()


@contextmanager
def _stopped_by_signals(stop: threading.Event) -> Iterator[None]:
    """While the block runs, Ctrl-C (SIGINT) or SIGTERM also sets *stop*, then does what it did before.

    The server (uvicorn) has installed its own handlers by the time the application starts up; they only mark it as
    stopping, which it acts on once the start-up has ended. Precomputing in the start-up checks *stop* between
    answers, so that Ctrl-C stops the server after the answer in progress rather than after every answer. Signals
    can be handled in the main thread only: elsewhere (an application run by a test client) nothing changes.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    before = {sig: signal.getsignal(sig) for sig in (signal.SIGINT, signal.SIGTERM)}

    def handle(sig: int, frame: Any) -> None:
        stop.set()
        previous = before[signal.Signals(sig)]
        if callable(previous):
            previous(sig, frame)
        else:  # the default action (terminate) or ignored: as if this handler had not been there
            signal.signal(sig, previous)
            signal.raise_signal(sig)

    for sig in before:
        signal.signal(sig, handle)
    try:
        yield
    finally:
        for sig, previous in before.items():
            signal.signal(sig, previous)


def create_app(
    warehouse_path: str | Path | None = None,
    *,
    pool_size: int | None = None,
    allowed_hosts: Sequence[str] | None = None,
    profile_cache_size: int = 1024,
    response_cache_bytes: int = 64 * 2**20,
    workers: int = 0,
    warm: bool = False,
    precompute: bool = False,
    progress: Callable[[str], None] | None = None,
) -> FastAPI:
    """The dashboard and JSON API over a warehouse opened read-only.

    Parameters
    ----------
    warehouse_path
        DuckDB warehouse file holding the embedded data; default
        :func:`~clusterplan.warehouse.default_warehouse_path`. It is never
        written: create or update it first (``clusterplan serve`` does).
    pool_size
        Read-only connections, i.e. profiles computed at once; default twice
        the number of CPUs (DuckDB works while pandas holds the GIL), at most 4.
    allowed_hosts
        Host names the server answers to (default: the loopback names
        :data:`DEFAULT_ALLOWED_HOSTS`); ``"*"`` accepts any.
    profile_cache_size, response_cache_bytes
        Bounds of the caches of computed profiles (entries) and of rendered
        JSON answers (bytes).
    workers
        Worker processes for the CPU-bound answers (profiles, scenarios,
        measures, supply chains, maps); 0 computes them in this process's
        threads, sharing one cache (``clusterplan serve``'s default).
    warm
        On start-up, compute the tables every region shares in a background thread
        (:meth:`~clusterplan.web._service.DashboardService.warm`; without worker processes only), so that
        the first requests do not each wait for them; ``clusterplan serve --no-precompute`` does.
    precompute
        Before answering any request, compute the tables every region shares for every taxonomy of every dataset
        (:meth:`~clusterplan.web._service.DashboardService.warm` with ``every_taxonomy``), so that no request
        waits behind them: start-up takes longer, the answers are the same (``clusterplan serve`` does unless
        given ``--no-precompute`` or ``--workers``; without worker processes only). Run in the main thread (as
        ``uvicorn.run`` does), Ctrl-C or SIGTERM stops it after the answer in progress. The answers left to
        compute are then short, so they are computed one at a time (``compute_threads=1``; cached answers never
        wait).
    progress
        Called with a line of text as the precomputation starts and ends (``clusterplan serve`` prints them).

    Returns
    -------
    fastapi.FastAPI
        The application; ``app.state.service`` is its
        :class:`~clusterplan.web._service.DashboardService`.

    Raises
    ------
    WarehouseError
        The warehouse file does not exist or cannot be opened.

    Examples
    --------
    >>> from clusterplan.web import create_app
    >>> app = create_app("warehouse.duckdb")  # doctest: +SKIP
    >>> import uvicorn; uvicorn.run(app, host="127.0.0.1", port=8000)  # doctest: +SKIP
    """
    if precompute and workers > 0:
        raise ParameterError(
            "precompute fills the server's own tables, which worker processes do not read",
            hint="leave out --workers, or --precompute",
        )
    path = warehouse_file(warehouse_path)
    if not path.is_file():
        raise WarehouseError(
            f"warehouse {path} does not exist",
            hint="run `clusterplan data list` once to create it, or pass --warehouse",
        )
    size = pool_size if pool_size is not None else min(4, 2 * (os.cpu_count() or 1))
    service = DashboardService(
        path,
        pool_size=size,
        profile_cache_size=profile_cache_size,
        response_cache_bytes=response_cache_bytes,
        workers=workers,
        # Precomputed, every answer left is short: one at a time, none shares the interpreter lock with another.
        compute_threads=1 if precompute else None,
    )

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        service.start_workers()  # before the first request, so that none waits for a worker to start
        with ExitStack() as afterwards:
            stop = threading.Event()
            if precompute:  # before the server listens: uvicorn accepts connections once the start-up has ended
                say = progress or logger.info
                say("precomputing the tables every region shares, for every taxonomy")
                started = time.perf_counter()
                with _stopped_by_signals(stop):
                    done = await to_thread.run_sync(functools.partial(service.warm, stop, every_taxonomy=True))
                if not stop.is_set():  # stopped: the server shuts down as soon as the start-up ends
                    seconds = time.perf_counter() - started
                    say(f"precomputed {done} answers and the tables under them in {seconds:.1f} s")
                    afterwards.enter_context(_collector_after_precomputing())
            warming = threading.Thread(target=_warm, args=(service, stop), name="clusterplan-warm", daemon=True)
            # Workers keep their own tables, which this one would not fill; precomputed, nothing is left to warm.
            warmed = warm and service.workers is None and not precompute
            if warmed:
                warming.start()
            yield
            stop.set()
            if warmed:
                warming.join(timeout=5)
        if warming.is_alive():
            # Still inside one answer: leave its read-only connection to the exiting process rather than close
            # it under a running query.
            logger.info("stopped while warming the shared tables")
            return
        service.close()

    app = FastAPI(
        title="clusterplan",
        version=__version__,
        summary="Industry clusters where a region has comparative advantage, from public data (read-only API).",
        description=(
            "Profiles of GB ITL2 areas (BRES) and US CBSAs (County Business Patterns): location quotients, growth, "
            "ranks and shift-share of each cluster of a taxonomy, with the provenance of every input. Errors are "
            '`{"error": "..."}` with status 400 (value not allowed, with the valid choices), 404 (unknown resource), '
            "414 (query string over 4096 bytes), 422 (wrong type, unknown parameter, or over its size limit: each "
            "text parameter's maxLength, at most 100 peers) or 503 (warehouse unavailable)."
        ),
        docs_url=None,
        redoc_url=None,
        openapi_url="/openapi.json",
        lifespan=lifespan,
    )
    app.state.service = service
    _install_error_handlers(app)
    app.include_router(router)
    _install_pages(app)
    app.add_middleware(GZipMiddleware, minimum_size=1024)
    app.add_middleware(RepeatedAnswers, service=service)
    app.add_middleware(SecurityMiddleware, allowed_hosts=list(allowed_hosts or DEFAULT_ALLOWED_HOSTS))
    return app
