"""A second process for a command's independent work: forked before the first opens any connection, it takes calls
through a pipe, runs them one after another and sends back their results in the same order.

A run's analyses and its report are plain Python over small frames, held by one interpreter lock: on a machine
with two cores a second process runs some analyses, then renders ``report.html``, while the first does the rest.
It is forked early, while the parent has loaded its modules but opened no warehouse (a DuckDB database forked
with its worker threads is not safe to use), and it opens its own read-only connection when a call needs one.
Calls and results travel as pickles, so a call is a module-level function with plain arguments.

``$CLUSTERPLAN_PROCESSES`` (default 2 where the machine has two or more cores and the system can fork, else 1)
set to 1 turns the second process off: the work then runs in the first, in the same order, with the same result.
"""

from __future__ import annotations

import gc
import os
import pickle
import queue
import shutil
import signal
import struct
import sys
import tempfile
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from ._cache import code_folder
from ._exceptions import ClusterplanError, ParameterError

__all__ = ["PROCESSES_VARIABLE", "Claims", "SecondProcess", "claims", "second_process"]

#: The environment variable that sets how many processes a command may use (1 or 2).
PROCESSES_VARIABLE = "CLUSTERPLAN_PROCESSES"
_LENGTH = struct.Struct("!Q")


def _processes() -> int:
    text = os.environ.get(PROCESSES_VARIABLE, "").strip()
    if not text:
        return 2 if (os.cpu_count() or 1) > 1 else 1
    if text not in ("1", "2"):
        raise ParameterError(f"{PROCESSES_VARIABLE} must be 1 or 2, not {text!r}")
    return int(text)


def _send(fd: int, payload: bytes) -> None:
    view = memoryview(_LENGTH.pack(len(payload)) + payload)
    while view:
        view = view[os.write(fd, view) :]


def _receive(fd: int) -> bytes | None:
    """One message, or None at the end of the pipe (the other process closed it or stopped)."""
    head = _read_exactly(fd, _LENGTH.size)
    if head is None:
        return None
    return _read_exactly(fd, _LENGTH.unpack(head)[0])


def _read_exactly(fd: int, size: int) -> bytes | None:
    chunks, left = [], size
    while left:
        chunk = os.read(fd, min(left, 1 << 20))
        if not chunk:
            return None
        chunks.append(chunk)
        left -= len(chunk)
    return b"".join(chunks)


def _serve(calls: int, answers: int) -> None:
    """The second process: run each call that arrives and send back ``(True, result)`` or ``(False, error)``."""
    # Ctrl-C reaches both processes: the first one stops the command and closes the pipe, which ends this loop.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    while (message := _receive(calls)) is not None:
        try:
            function, args, kwargs = pickle.loads(message)
            answer: tuple[bool, Any] = (True, function(*args, **kwargs))
        except Exception as exc:  # every error goes back to the first process, which raises it
            answer = (False, exc)
        try:
            payload = pickle.dumps(answer, protocol=pickle.HIGHEST_PROTOCOL)
        except Exception as exc:  # an error (or result) that cannot be pickled is sent as text
            payload = pickle.dumps((False, ClusterplanError(f"{type(exc).__name__}: {exc}")))
        _send(answers, payload)


class SecondProcess:
    """A forked process that runs module-level functions for the one that started it, in the order they are sent.

    Use :func:`second_process`; :meth:`call` sends a call and returns a function that waits for its result. Calls
    may queue: a second can be sent before the first's result is asked for (the process starts it when it has
    finished the first), and results may be asked for in any order.
    """

    def __init__(self) -> None:
        calls_read, calls_write = os.pipe()
        answers_read, answers_write = os.pipe()
        for stream in (sys.stdout, sys.stderr):
            stream.flush()  # so that nothing buffered is written twice
        pid = os.fork()
        if pid == 0:  # pragma: no cover - the child's lines run in the forked process, outside coverage
            code = 0
            try:
                # What it inherits (the modules, some 0.5 million objects) lives as long as it does: out of reach of
                # the garbage collector, whose full passes then look only at what this process makes (they took
                # 0.2-0.4 s of a first US run's second process) and no longer write to, and so copy, every page
                # of the first process's objects.
                gc.freeze()
                os.close(calls_write)
                os.close(answers_read)
                _serve(calls_read, answers_write)
            except BaseException:  # the child never runs the parent's clean-up or exit handlers
                code = 1
            finally:
                os._exit(code)
        os.close(calls_read)
        os.close(answers_write)
        self.pid = pid
        self._calls = calls_write
        self._answers = answers_read
        self._sent = 0  # calls sent, numbered from 0 in the order the process runs them
        self._read: dict[int, bytes | None] = {}  # answers read from the pipe and not yet collected, by call
        self._next = 0  # the call whose answer the pipe holds next
        # Calls are written by a thread of their own: a pipe holds 64 KB, so writing a large call (a profile with
        # its every-area table) while the process is still at an earlier one would hold this one up until that
        # ends; 1.4 s of a first US run, before the first process could start its own analyses.
        self._outbox: queue.SimpleQueue[bytes | None] = queue.SimpleQueue()
        self._writer = threading.Thread(target=self._write, name="clusterplan-second-process-calls", daemon=True)
        self._writer.start()

    def _write(self) -> None:
        while (payload := self._outbox.get()) is not None:
            try:
                _send(self._calls, payload)
            except OSError:  # the process has gone: the waiters of this call and later ones find no answer
                return

    def call(self, function: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Callable[[], Any]:
        """Start ``function(*args, **kwargs)`` in the second process, after the calls sent before it; the returned
        function waits for its result (raising its error), and may be called once."""
        number = self._sent
        self._outbox.put(pickle.dumps((function, args, kwargs), protocol=pickle.HIGHEST_PROTOCOL))
        self._sent += 1

        def result() -> Any:
            if number < self._next and number not in self._read:
                raise RuntimeError("this call's result was collected already")
            # Answers come in the order of the calls: earlier calls' answers are kept for their own waiters.
            while number >= self._next:
                self._read[self._next] = _receive(self._answers)
                self._next += 1
            message = self._read.pop(number)
            if message is None:
                raise ClusterplanError("the second process stopped without an answer (was it killed?)")
            done, value = pickle.loads(message)
            if not done:
                raise value
            return value

        return result

    def close(self) -> None:
        """End the second process (it finishes on the closed pipe, or is killed if it is still working)."""
        if self._next < self._sent:  # answers still to come: it is working, or has work queued
            os.kill(self.pid, signal.SIGKILL)  # which also ends a write the writer is blocked in
        self._outbox.put(None)
        self._writer.join()
        os.close(self._calls)
        os.close(self._answers)
        os.waitpid(self.pid, 0)


@contextmanager
def second_process(prepare: Callable[[], object] | None = None) -> Iterator[SecondProcess | None]:
    """A :class:`SecondProcess` for the block, or None where a command should use one process: one core, a system
    without ``fork`` (Windows) or one where forking a running interpreter is not safe (macOS), or
    ``$CLUSTERPLAN_PROCESSES=1``. Start it before opening the warehouse; *prepare* runs first (e.g. imports both
    processes need), so that the second does not repeat it."""
    if _processes() < 2 or sys.platform != "linux" or not hasattr(os, "fork"):
        yield None
        return
    if prepare is not None:
        prepare()
    code_folder()  # the code's version (a digest of its files), which both processes' caches are keyed by
    helper = SecondProcess()
    try:
        yield helper
    finally:
        helper.close()


class Claims:
    """Pieces of work either of two processes may do, each done by the one that asks for it first: the one that
    finishes its own share first takes them, whichever that is (it depends on the region and the machine).

    A claim is an empty file in a folder both processes see, created with ``O_CREAT | O_EXCL``, which exactly one
    of them can do. A :class:`Claims` is its folder's path, so it travels with a call. Use :func:`claims`.
    """

    def __init__(self, folder: str) -> None:
        self.folder = folder

    def take(self, name: str) -> bool:
        """Whether this process has *name* to do: True for the first process to ask, False ever after."""
        try:
            os.close(os.open(os.path.join(self.folder, name), os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600))
        except FileExistsError:
            return False
        return True


@contextmanager
def claims() -> Iterator[Claims]:
    """A new :class:`Claims` for the block (its folder is removed at the end)."""
    folder = tempfile.mkdtemp(prefix="clusterplan-claims-")
    try:
        yield Claims(folder)
    finally:
        shutil.rmtree(folder, ignore_errors=True)
