"""Fingerprints of run folders and API answers, to check that moving code between layers keeps every number.

A table's fingerprint holds, per column, the count of values and, for numbers, their sum, sum of squares and a
sum weighted by a hash of the row's text columns (so a value that moves to another row changes it); for text,
a digest of the sorted values. Order-free on purpose: CBP's rebuilt cells are fractional and DuckDB sums them
in parallel, so two US areas a rounding error apart may swap rows between two runs. Numbers are compared with a
relative tolerance (:func:`differences`); timestamps and paths are left out.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

__all__ = [
    "API_ANSWERS",
    "GOLDEN",
    "ORDERING",
    "RUNS",
    "VOLATILE",
    "differences",
    "fingerprints",
    "folder_fingerprint",
    "json_fingerprint",
    "table_fingerprint",
]

#: The committed fingerprints (tests/fixtures/make_golden_numbers.py writes them).
GOLDEN = Path(__file__).resolve().parent / "fixtures" / "golden_numbers.json"

#: ``clusterplan run`` arguments of the runs that are fingerprinted: the default GB run and a US metro.
RUNS = {"gb_default": (), "us_detroit": ("--region", "19820")}

#: Dashboard API answers that are fingerprinted: every JSON resource, GB and US.
API_ANSWERS = (
    "/api/regions",
    "/api/regions/TLG3",
    "/api/regions/12060",
    "/api/taxonomies",
    "/api/taxonomies/wmca_plan_for_growth",
    "/api/datasets",
    "/api/datasets/bres_itl2_sic5",
    "/api/boundaries/itl2",
    "/api/profile?region=TLG3",
    "/api/profile?region=UKG3&year=2019&base_year=2017&benchmark=tlg",
    "/api/profile?region=TLG3&denominator=traded",
    "/api/profile?region=12060",
    "/api/profile/regions?region=TLG3&cluster=ev_batteries",
    "/api/profile/regions?region=19820",
    "/api/measures?region=TLG3&level=sic2",
    "/api/measures?region=19820&level=naics3",
    "/api/scenarios/parameters",
    "/api/scenarios?region=TLG3",
    "/api/scenarios?region=TLG3&target_year=2035&comparator_rule=strong&baseline=no_change&weights=pay=0.5,scale=0",
    "/api/supply-chains?region=UKG3&top=3",
    "/api/supply-chains?region=19820&top=3",
    "/api/subregional?region=TLG3&cluster=ev_batteries&year=2021",
    "/api/hotspots?cluster=ev_batteries&level=itl2&measure=employment&permutations=99",
)

#: Keys that change from run to run or machine to machine, not with the numbers.
VOLATILE = frozenset({"loaded_at", "created_at", "generated_at", "started_at", "file", "path", "elapsed_seconds"})

#: Columns that order areas (ranks and what follows from them): near-ties of US areas may swap, so their values
#: are compared as a multiset only (count, sum, sum of squares), not tied to a row.
ORDERING = ("_rank", "_percentile", "_reason", "stars", "strong_cluster", "rank")


def _digest(values: list[str]) -> str:
    return hashlib.sha256("\x1f".join(values).encode("utf-8")).hexdigest()[:16]


def _row_weights(frame: pd.DataFrame) -> np.ndarray:
    keys = [c for c in frame.columns if not _is_number(frame[c]) and not any(p in str(c) for p in ORDERING)]
    if not keys:
        return np.ones(len(frame))
    text = frame[keys].astype(object).where(frame[keys].notna(), "").astype(str).agg("\x1f".join, axis=1)
    return np.array([(int(hashlib.sha1(t.encode()).hexdigest()[:8], 16) % 997 + 1) / 997 for t in text])


def _is_number(column: pd.Series) -> bool:
    if pd.api.types.is_numeric_dtype(column):
        return True
    plain = column.map(lambda v: v is None or isinstance(v, bool | int | float)).all()
    return bool(plain and column.notna().any())


def table_fingerprint(frame: pd.DataFrame) -> dict[str, Any]:
    """Per-column fingerprint of a table (see the module docstring)."""
    out: dict[str, Any] = {"rows": len(frame)}
    weights = _row_weights(frame)
    for column in frame.columns:
        name = str(column)
        if name in VOLATILE:
            continue
        values = frame[column]
        if _is_number(values):
            numbers = pd.to_numeric(values.astype(object).where(values.notna(), np.nan), errors="coerce")
            array = numbers.to_numpy(dtype=float)
            finite = np.isfinite(array)
            entry: dict[str, Any] = {
                "n": int(finite.sum()),
                "sum": float(array[finite].sum()),
                "sumsq": float((array[finite] ** 2).sum()),
            }
            if not any(p in name for p in ORDERING):
                entry["weighted"] = float((array[finite] * weights[finite]).sum())
            out[name] = entry
        else:
            texts = sorted("" if pd.isna(v) else str(v) for v in values.astype(object))
            out[name] = {"n": len(texts), "text": _digest(texts)}
    return out


def folder_fingerprint(folder: Path) -> dict[str, Any]:
    """Fingerprints of every CSV in a run folder, by file name."""
    return {
        path.name: table_fingerprint(pd.read_csv(path, keep_default_na=True, dtype_backend="numpy_nullable"))
        for path in sorted(folder.glob("*.csv"))
    }


def _is_records(value: Any) -> bool:
    return isinstance(value, list) and bool(value) and all(isinstance(v, dict) for v in value)


def json_fingerprint(value: Any) -> Any:
    """A JSON answer with every list of row objects replaced by its table fingerprint."""
    if isinstance(value, dict):
        return {k: json_fingerprint(v) for k, v in value.items() if k not in VOLATILE}
    if _is_records(value):
        flat = [{k: (v if not isinstance(v, dict | list) else repr(v)) for k, v in row.items()} for row in value]
        return {"table": table_fingerprint(pd.DataFrame(flat))}
    if isinstance(value, list):
        return [json_fingerprint(v) for v in value]
    return value


def _leaves(value: Any, path: str = "") -> Iterator[tuple[str, Any]]:
    if isinstance(value, dict):
        for k, v in value.items():
            yield from _leaves(v, f"{path}/{k}")
    elif isinstance(value, list):
        yield f"{path}#len", len(value)
        for i, v in enumerate(value):
            yield from _leaves(v, f"{path}[{i}]")
    else:
        yield path, value


def differences(expected: Any, actual: Any, *, rtol: float = 1e-9) -> list[str]:
    """Where two fingerprints differ: numbers beyond *rtol* (relative to the larger), anything else exactly."""
    left, right = dict(_leaves(expected)), dict(_leaves(actual))
    found = [f"{p}: missing" for p in left if p not in right] + [f"{p}: new" for p in right if p not in left]
    for path, a in left.items():
        if path not in right:
            continue
        b = right[path]
        numbers = isinstance(a, int | float) and isinstance(b, int | float)
        if numbers and not isinstance(a, bool) and not isinstance(b, bool):
            if not math.isclose(float(a), float(b), rel_tol=rtol, abs_tol=1e-9):
                found.append(f"{path}: {a!r} != {b!r}")
        elif a != b:
            found.append(f"{path}: {a!r} != {b!r}")
    return found


def fingerprints(warehouse: Path, workdir: Path) -> dict[str, Any]:
    """Fingerprints of the :data:`RUNS` (the real CLI in a subprocess, each on its own copy of *warehouse*) and
    of the :data:`API_ANSWERS` (the web app in process, read-only on *warehouse*)."""
    import httpx
    from anyio.from_thread import start_blocking_portal

    from _util import run_cli
    from clusterplan.web import create_app

    out: dict[str, Any] = {"runs": {}, "api": {}}
    for name, args in RUNS.items():
        copy, folder = workdir / f"{name}.duckdb", workdir / name
        copy.write_bytes(warehouse.read_bytes())
        result = run_cli("run", *args, "--quiet", "--out", str(folder), "--warehouse", str(copy))
        if result.returncode != 0:
            raise AssertionError(f"clusterplan run {' '.join(args)} failed: {result.stderr}")
        out["runs"][name] = folder_fingerprint(folder)
    app = create_app(warehouse, pool_size=2)

    async def answers() -> dict[str, Any]:
        found: dict[str, Any] = {}
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1") as client:
            for url in API_ANSWERS:
                response = await client.get(url)
                if response.status_code != 200:
                    raise AssertionError(f"{url}: {response.status_code} {response.text}")
                found[url] = json_fingerprint(response.json())
        return found

    try:
        with start_blocking_portal() as portal:
            out["api"] = portal.call(answers)
    finally:
        app.state.service.close()
    return out
