"""Run ``clusterplan serve`` in a child process on a free loopback port (for tests and benchmarks).

The child is the real command line (the same entry point a user runs); the
parent waits until ``/api/health`` answers, and on exit stops the child with
SIGINT (uvicorn's graceful shutdown), then SIGTERM, then SIGKILL.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from types import TracebackType

import httpx

from .._exceptions import ClusterplanError

__all__ = ["ServerProcess", "free_port"]

LOOPBACK = "127.0.0.1"


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on at the moment."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((LOOPBACK, 0))
        port: int = sock.getsockname()[1]
        return port


class ServerProcess:
    """``clusterplan serve --host 127.0.0.1 --port <free> --warehouse PATH`` as a context manager.

    Parameters
    ----------
    warehouse
        The warehouse file the server opens (read-only).
    startup_seconds
        How long to wait for ``/api/health`` before giving up (the error
        carries the child's stderr).
    extra_args
        More ``serve`` options, e.g. ``("--connections", "2")``.

    Attributes
    ----------
    url
        ``http://127.0.0.1:<port>``.
    stderr_text
        What the child wrote on stderr (complete once it has exited).
    """

    def __init__(
        self, warehouse: str | Path, *, startup_seconds: float = 60.0, extra_args: tuple[str, ...] = ()
    ) -> None:
        self.warehouse = Path(warehouse)
        self.port = free_port()
        self.url = f"http://{LOOPBACK}:{self.port}"
        self.startup_seconds = startup_seconds
        self.extra_args = extra_args
        self.process: subprocess.Popen[bytes] | None = None
        self.returncode: int | None = None
        # Lives as long as the child (closed in stop()), so not a with-block.
        self._stderr = tempfile.TemporaryFile()  # noqa: SIM115
        self.stderr_text = ""

    def command(self) -> list[str]:
        return [
            sys.executable,
            "-c",
            "from clusterplan.cli import main; main()",
            "serve",
            "--host",
            LOOPBACK,
            "--port",
            str(self.port),
            "--warehouse",
            str(self.warehouse),
            *self.extra_args,
        ]

    def _read_stderr(self) -> str:
        self._stderr.seek(0)
        return self._stderr.read().decode("utf-8", "replace")

    def start(self) -> ServerProcess:
        self.process = subprocess.Popen(
            self.command(), stdout=subprocess.DEVNULL, stderr=self._stderr, env={**os.environ, "PYTHONUNBUFFERED": "1"}
        )
        deadline = time.monotonic() + self.startup_seconds
        with httpx.Client(base_url=self.url, timeout=5.0, trust_env=False) as client:
            while time.monotonic() < deadline:
                if self.process.poll() is not None:
                    self.stderr_text = self._read_stderr()
                    raise ClusterplanError(
                        f"clusterplan serve exited with code {self.process.returncode} before answering: "
                        + " | ".join(self.stderr_text.strip().splitlines()[-3:])
                    )
                try:
                    if client.get("/api/health").status_code == 200:
                        return self
                except httpx.TransportError:
                    pass
                time.sleep(0.1)
        self.stop()
        raise ClusterplanError(
            f"clusterplan serve did not answer on {self.url} within {self.startup_seconds:.0f} s: "
            + " | ".join(self.stderr_text.strip().splitlines()[-3:])
        )

    def stop(self, timeout: float = 15.0) -> int | None:
        """Stop the child (SIGINT, then SIGTERM, then SIGKILL) and return its exit code."""
        process = self.process
        if process is None:
            return self.returncode
        if process.poll() is None:
            for sig in (signal.SIGINT, signal.SIGTERM):
                process.send_signal(sig)
                try:
                    process.wait(timeout=timeout)
                    break
                except subprocess.TimeoutExpired:
                    continue
            else:
                process.kill()
                process.wait(timeout=timeout)
        self.returncode = process.returncode
        self.stderr_text = self._read_stderr()
        self._stderr.close()
        self.process = None
        return self.returncode

    def __enter__(self) -> ServerProcess:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, traceback: TracebackType | None
    ) -> None:
        self.stop()
