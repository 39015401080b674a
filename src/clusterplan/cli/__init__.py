"""The ``clusterplan`` command line: thin commands over :mod:`clusterplan.pipeline` and :mod:`clusterplan.report`.

One module per command group: ``app`` (the root group, ``run``, ``measures``,
``data``), ``taxonomy``, ``inputoutput`` (``io``), ``relatedness``, ``define``,
``geography``, ``scenarios`` (``backtest``), ``report``, ``serve``; ``_common``
holds the shared options and the error handling.
"""

from __future__ import annotations

import atexit
import gc
import os
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
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
        with imports_frozen():
            from .app import main as run_command

        run_command(argv)  # from here on, app.main turns an interrupt into its own line and exit 130
    except KeyboardInterrupt:
        print("interrupted while starting; nothing was read or written", file=sys.stderr)
        sys.exit(130)
    finally:
        gc.unfreeze()  # for a caller in Python, whose process goes on
    if argv is None:  # the program itself (a caller in Python passes its arguments and keeps its process)
        _exit_done()


@contextmanager
def imports_frozen() -> Iterator[None]:
    """A block that imports libraries, with the cyclic garbage collector off; then every object made so far is
    frozen (:func:`gc.freeze`), left out of later collections until :func:`main` returns.

    pandas, Ibis, DuckDB and the rest make some 200,000 objects and hardly any garbage: the collector's passes
    over them took about 0.2 s of CPU while they were imported and again soon after, and in the second process a
    run forks (:mod:`clusterplan._parallel`), whose collections would also write to, and so copy, every page of
    them it shares with the first.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        gc.freeze()
        if enabled:
            gc.enable()


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
