"""The web dashboard and JSON API behind ``clusterplan serve`` (needs the ``fastapi`` and ``uvicorn`` packages).

==============  ====================================================================================
``app``         :func:`create_app`: middleware (security headers, host and method checks), pages, docs
``routes``      the ``/api`` routes, one per resource, and their parameter constraints
``models``      the response models: what each route serves, and its OpenAPI schema
``_service``    each resource computed as its response model, worker processes, cached bytes
``_queries``    checked, normalised parameters of each resource (the cache keys)
``_cache``      a thread-safe LRU cache that computes each missing key once
``_json``       plain JSON values of tables and mappings
``_process``    ``clusterplan serve`` in a child process on a free loopback port (tests, benchmarks)
``static/``     the dashboard (plain HTML, CSS, JavaScript) and the local API documentation page
==============  ====================================================================================
"""

from .app import create_app

__all__ = ["create_app"]
