"""The ``clusterplan`` command line: thin commands over :mod:`clusterplan.pipeline` and :mod:`clusterplan.report`.

One module per command group: ``app`` (the root group, ``run``, ``measures``,
``data``), ``taxonomy``, ``inputoutput`` (``io``), ``relatedness``, ``define``,
``geography``, ``scenarios`` (``backtest``), ``report``, ``serve``; ``_common``
holds the shared options and the error handling.
"""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .app import cli

__all__ = ["cli", "main"]


def main(argv: list[str] | None = None) -> None:
    """Entry point of the ``clusterplan`` command (:func:`clusterplan.cli.app.main`).

    The commands import pandas, DuckDB and SciPy, which takes a large part of a second; a Ctrl-C in that time
    ends here with the same one line and exit code 130 as an interrupt anywhere later, before anything is read
    or written.
    """
    try:
        from .app import main as run_command

        run_command(argv)  # from here on, app.main turns an interrupt into its own line and exit 130
    except KeyboardInterrupt:
        print("interrupted while starting; nothing was read or written", file=sys.stderr)
        sys.exit(130)


def __getattr__(name: str) -> Any:
    if name == "cli":
        from .app import cli

        return cli
    raise AttributeError(f"module 'clusterplan.cli' has no attribute {name!r}")
