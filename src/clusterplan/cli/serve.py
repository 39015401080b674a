"""``clusterplan serve``: the web dashboard and JSON API on this machine.

The server opens the warehouse read-only; before it starts, the command loads
the embedded data into the warehouse if the file is missing or holds another
version of it (the one write, done before any request is answered). It binds
to 127.0.0.1 by default and answers only to loopback host names; another
``--host`` needs ``--allow-host`` for the names clients will use.
"""

from __future__ import annotations

import ipaddress
import os
from pathlib import Path

import click

from .._exceptions import ClusterplanError, ParameterError
from ._common import warehouse_option

__all__ = ["serve"]


def _one_blas_thread() -> None:
    """Run BLAS single-threaded: the server computes several answers at once in its own threads, and BLAS threads
    on top of them oversubscribe the cores (a 105 x 105 Leontief solve takes 10 ms instead of 0.2 ms)."""
    # Worker processes (--workers) read it when they load BLAS.
    os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:  # not installed: BLAS keeps its default here
        return
    threadpool_limits(1, user_api="blas")


def _ensure_warehouse(path: Path) -> None:
    """Create the warehouse, or reload stale embedded data, before the server opens it read-only."""
    from ..pipeline.data import ensure_warehouse

    ensure_warehouse(path, progress=lambda message: click.echo(message, err=True))


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


@click.command("serve")
@click.option(
    "--host",
    default="127.0.0.1",
    show_default=True,
    help="Address to listen on; the default keeps the server on this machine.",
)
@click.option("--port", type=click.IntRange(1, 65535), default=8000, show_default=True, help="TCP port.")
@warehouse_option()
@click.option(
    "--allow-host",
    "allow_hosts",
    multiple=True,
    help="Another host name clients may use to reach the server (repeatable; '*' for any). "
    "Loopback names are always allowed.",
)
@click.option(
    "--connections",
    type=click.IntRange(1, 16),
    default=None,
    help="Read-only warehouse connections, i.e. profiles computed at once (default: twice the CPUs, at most 4).",
)
@click.option(
    "--workers",
    type=click.IntRange(0, 16),
    default=None,
    help="Worker processes computing profiles, scenarios and maps (default 0: in the server's threads, which "
    "share one cache of per-dataset results; each worker holds its own).",
)
@click.option(
    "--precompute/--no-precompute",
    default=None,
    help="Before answering, compute the tables every region shares, for every taxonomy and dataset, so that no "
    "request waits behind them; start-up takes 10-30 s on new data, less where earlier runs kept them on disk. "
    "--no-precompute answers at once, computing them in the background and as requests need them.  "
    "[default: on; off with --workers]",
)
@click.option("--access-log", is_flag=True, help="Log every request on stdout.")
def serve(
    host: str,
    port: int,
    warehouse_path: str | None,
    allow_hosts: tuple[str, ...],
    connections: int | None,
    workers: int | None,
    precompute: bool | None,
    access_log: bool,
) -> None:
    """Serve the dashboard (/) and the read-only JSON API (/api, docs at /docs) until Ctrl-C."""
    if precompute is None:
        # Worker processes keep their own tables, which precomputing here would not fill.
        precompute = not workers
    if precompute and workers:  # said before the warehouse is made or loaded
        raise ParameterError(
            "--precompute fills the server's own tables, which worker processes do not read",
            hint="leave out --workers, or --precompute",
        )
    try:
        import uvicorn

        from ..web import create_app
        from ..web.app import DEFAULT_ALLOWED_HOSTS
    except ImportError as exc:
        raise ClusterplanError(
            f"clusterplan serve needs the web packages ({exc.name} is missing)",
            hint="pip install fastapi uvicorn plotly",
        ) from None
    from ..pipeline.data import warehouse_file

    path = warehouse_file(warehouse_path)
    _ensure_warehouse(path)
    hosts = [*DEFAULT_ALLOWED_HOSTS, *allow_hosts]
    if host not in ("0.0.0.0", "::"):
        hosts.append(host)
    if not _is_loopback(host):
        click.echo(
            f"warning: --host {host} makes the dashboard reachable from other machines; it has no authentication",
            err=True,
        )
    app = create_app(
        path,
        pool_size=connections,
        allowed_hosts=hosts,
        workers=workers if workers is not None else 0,
        warm=True,
        precompute=precompute,
        progress=lambda message: click.echo(message, err=True),
    )
    shown = f"[{host}]" if ":" in host else host
    ready = " once the tables below are precomputed" if precompute else ""
    click.echo(
        f"serving the clusterplan dashboard at http://{shown}:{port}/ (API docs at /docs){ready}; Ctrl-C stops",
        err=True,
    )
    _one_blas_thread()
    uvicorn.run(
        app,
        host=host,
        port=port,
        log_level="warning",
        access_log=access_log,
        server_header=False,
        proxy_headers=False,
        timeout_graceful_shutdown=5,
    )
