"""The ``clusterplan`` command line: thin commands over :mod:`clusterplan.pipeline` and :mod:`clusterplan.report`.

One module per command group: ``app`` (the root group, ``run``, ``measures``,
``data``), ``taxonomy``, ``inputoutput`` (``io``), ``relatedness``, ``define``,
``geography``, ``scenarios`` (``backtest``), ``report``, ``serve``; ``_common``
holds the shared options and the error handling.
"""

from .app import cli, main

__all__ = ["cli", "main"]
