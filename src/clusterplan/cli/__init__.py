"""The ``clusterplan`` command line: thin commands over :mod:`clusterplan.pipeline` and :mod:`clusterplan.report`.

One module per command group: ``app`` (the root group, ``run``, ``measures``,
``data``), ``taxonomy``, ``inputoutput`` (``io``), ``relatedness``, ``define``,
``geography``, ``scenarios`` (``backtest``), ``report``, ``serve``; ``_common``
holds the shared options and the error handling.
"""

from __future__ import annotations

import atexit
import os
import sys
import threading
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
    if argv is None:  # the program itself (a caller in Python passes its arguments and keeps its process)
        _exit_done()


def _exit_done() -> None:
    """End the program after a command that succeeded, without the interpreter's teardown.

    The command has closed the warehouse and written its files; what is left is freeing every object and
    module one by one, about 0.4 s after a run (a fifth of a warm one). The exit handlers run first, as at a
    normal exit, and the output is flushed. Where that fails (a closed pipe) or a thread of ours is still
    running, this returns and the interpreter ends the usual way.
    """
    atexit._run_exitfuncs()
    try:
        for stream in (sys.stdout, sys.stderr):
            stream.flush()
    except (OSError, ValueError):  # a reader that went away, a closed stream: the usual exit reports it
        return
    if threading.active_count() > 1:
        return
    os._exit(0)


def __getattr__(name: str) -> Any:
    if name == "cli":
        from .app import cli

        return cli
    raise AttributeError(f"module 'clusterplan.cli' has no attribute {name!r}")
