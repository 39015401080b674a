"""One exception hierarchy for clusterplan.

Every error says what was wrong, where (file, row, column, code) and what to
do, so the CLI can print a single line and exit non-zero without a traceback.

Hierarchy::

    ClusterplanError
    ├── InputError            bad user input (files, codes, parameters)
    │   ├── DataValidationError   a loaded file fails validation
    │   ├── UnknownCodeError      an area, industry, cluster or dataset code is not known
    │   └── ParameterError        a parameter value is not allowed
    ├── TaxonomyError         a cluster definition is invalid
    ├── WarehouseError        the warehouse cannot be opened or written
    └── FetchError            a remote source cannot be reached or answered badly
        └── OfflineError          no network: the fetch needs one
"""

from __future__ import annotations

from typing import Any

__all__ = [
    "ClusterplanError",
    "DataValidationError",
    "FetchError",
    "InputError",
    "OfflineError",
    "ParameterError",
    "TaxonomyError",
    "UnknownCodeError",
    "WarehouseError",
]


class ClusterplanError(Exception):
    """Base class of every error clusterplan raises on purpose."""

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        self.message = message
        self.hint = hint
        super().__init__(str(self))

    def __str__(self) -> str:
        if self.hint:
            return f"{self.message}; {self.hint}"
        return self.message

    def __reduce__(self) -> tuple[Any, ...]:
        # Errors cross processes (the web app's workers, results kept on disk): rebuilt from their state, since
        # the subclasses' __init__ takes other arguments than the message pickle would hand it.
        return (_rebuilt, (type(self), dict(self.__dict__)))


def _rebuilt(kind: type[ClusterplanError], state: dict[str, Any]) -> ClusterplanError:
    error = kind.__new__(kind)
    error.__dict__.update(state)
    Exception.__init__(error, str(error))
    return error


class InputError(ClusterplanError):
    """Bad user input: a file, a code or a parameter."""


class DataValidationError(InputError):
    """A loaded file fails validation.

    Parameters
    ----------
    problem
        What is wrong, e.g. ``"negative count -5"``.
    file, row, column, code
        Where: the file path, the 1-based data row (header is row 0), the
        column name and the offending code or value, whichever are known.
    hint
        What to do about it.
    """

    def __init__(
        self,
        problem: str,
        *,
        file: str | None = None,
        row: int | None = None,
        column: str | None = None,
        code: str | None = None,
        hint: str | None = None,
    ) -> None:
        self.problem = problem
        self.file = file
        self.row = row
        self.column = column
        self.code = code
        where = []
        if file is not None:
            where.append(str(file))
        if row is not None:
            where.append(f"row {row}")
        if column is not None:
            where.append(f"column {column!r}")
        if code is not None:
            where.append(f"code {code!r}")
        prefix = ", ".join(where)
        message = f"{prefix}: {problem}" if prefix else problem
        super().__init__(message, hint=hint)


class UnknownCodeError(InputError):
    """An area, industry, cluster, taxonomy or dataset code is not known.

    The message lists (some of) the valid choices.
    """

    def __init__(self, kind: str, code: str, choices: list[str] | None = None, *, hint: str | None = None) -> None:
        self.kind = kind
        self.code = code
        self.choices = list(choices or [])
        message = f"unknown {kind} {code!r}"
        if self.choices:
            shown = ", ".join(self.choices[:60])
            more = f" (and {len(self.choices) - 60} more)" if len(self.choices) > 60 else ""
            message += f"; valid choices: {shown}{more}"
        super().__init__(message, hint=hint)


class ParameterError(InputError):
    """A parameter value is not allowed."""


class TaxonomyError(ClusterplanError):
    """A cluster definition (taxonomy) is invalid."""


class WarehouseError(ClusterplanError):
    """The warehouse cannot be opened, read or written."""


class FetchError(ClusterplanError):
    """A remote source could not be reached or answered badly."""


class OfflineError(FetchError):
    """The machine has no network and the operation needs one."""
