"""The web dashboard and JSON API behind ``clusterplan serve`` (needs the ``fastapi`` and ``uvicorn`` packages).

==============  ====================================================================================
``app``         :func:`create_app`: middleware (security headers, host and method checks), pages, docs
``routes``      the ``/api`` routes, one per resource, and their parameter constraints
``_service``    read-only warehouse connection pool, catalogue of valid choices, LRU caches
``_process``    ``clusterplan serve`` in a child process on a free loopback port (tests, benchmarks)
``static/``     the dashboard (plain HTML, CSS, JavaScript) and the local API documentation page
==============  ====================================================================================
"""

from .app import create_app

__all__ = ["create_app"]
