"""Deprecation warnings that third-party libraries raise inside their own code, kept from clusterplan's users.

Ibis 12 calls DuckDB's deprecated ``fetch_arrow_table`` and reads pandas' deprecated ``future.infer_string``
option on every query, so a web server printed thousands of lines a user can do nothing about. Only these two
messages, and only from Ibis's own modules, are ignored; clusterplan's own warnings are fixed where they arise
(the test suite runs with warnings as errors and the same allow-list).
"""

from __future__ import annotations

import warnings

__all__ = ["ignore_third_party_deprecations"]

#: (message regex, category, module regex) of each ignored warning.
THIRD_PARTY_DEPRECATIONS: tuple[tuple[str, type[Warning], str], ...] = (
    (r"fetch_arrow_table\(\) is deprecated", DeprecationWarning, r"ibis\."),
    (r"The 'future\.infer_string' option is deprecated", DeprecationWarning, r"ibis\."),
)


def ignore_third_party_deprecations() -> None:
    """Install the filters for :data:`THIRD_PARTY_DEPRECATIONS` (idempotent: :mod:`warnings` drops duplicates)."""
    for message, category, module in THIRD_PARTY_DEPRECATIONS:
        warnings.filterwarnings("ignore", message=message, category=category, module=module)
