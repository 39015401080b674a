"""Read-only warehouse connections on one file, lent to one thread at a time (the web server's connections).

DuckDB connections must not be shared between threads, so a server keeps a
small pool of read-only :class:`~clusterplan.warehouse.Warehouse` objects on
the same file (DuckDB shares one database instance between them) and lends one
to each computation.
"""

from __future__ import annotations

import queue
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from .._exceptions import ParameterError, WarehouseError
from ..warehouse import Warehouse

__all__ = ["WarehousePool"]


class WarehousePool:
    """Read-only :class:`Warehouse` objects on one file, lent to one thread at a time.

    Parameters
    ----------
    path
        The DuckDB warehouse file (must exist and hold the embedded data).
    size
        Connections; computations beyond this many wait for a free one.
    wait_seconds
        How long a computation waits before the request fails with a
        :class:`~clusterplan.WarehouseError` (the server is overloaded).
    """

    def __init__(self, path: str | Path, size: int = 2, *, wait_seconds: float = 120.0) -> None:
        if size < 1:
            raise ParameterError(f"connection pool size must be at least 1, not {size}")
        self.path = Path(path)
        self.size = size
        self.wait_seconds = wait_seconds
        self._idle: queue.LifoQueue[Warehouse] = queue.LifoQueue()
        self._all: list[Warehouse] = []
        for _ in range(size):
            warehouse = Warehouse(self.path, read_only=True)
            self._all.append(warehouse)
            self._idle.put(warehouse)

    @contextmanager
    def borrow(self) -> Iterator[Warehouse]:
        try:
            warehouse = self._idle.get(timeout=self.wait_seconds)
        except queue.Empty:
            raise WarehouseError(
                f"all {self.size} warehouse connections stayed busy for {self.wait_seconds:.0f} s",
                hint="try again shortly",
            ) from None
        try:
            yield warehouse
        finally:
            self._idle.put(warehouse)

    def close(self) -> None:
        for warehouse in self._all:
            warehouse.close()
        self._all.clear()
