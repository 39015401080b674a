"""Results kept on disk between processes: the same answer as computing afresh, keyed by warehouse file, data
version and code version, and never trusted when damaged."""

from __future__ import annotations

import dataclasses
import filecmp
import os
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pytest

from _util import FIXTURES, run_cli
from clusterplan import Warehouse, _cache
from clusterplan.sources.formats import read_user_file


def _counting() -> tuple[list[int], Callable[[], pd.DataFrame]]:
    calls: list[int] = []

    def compute() -> pd.DataFrame:
        calls.append(1)
        return pd.DataFrame({"calls": [len(calls)]})

    return calls, compute


def _stored(folder: Path) -> list[Path]:
    return sorted(folder.glob("results/*/*.pickle"))


def test_a_later_process_reads_what_an_earlier_one_computed(
    fresh_warehouse: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CLUSTERPLAN_CACHE", str(tmp_path / "cache"))
    calls, compute = _counting()
    with Warehouse(fresh_warehouse) as wh:
        first = _cache.memoised(wh, ("probe", 1), compute, persist=True)
        _cache.clear()  # what a new process starts with: nothing in memory
        again = _cache.memoised(wh, ("probe", 1), compute, persist=True)
        assert calls == [1] and again["calls"].tolist() == first["calls"].tolist() == [1]
        assert len(_stored(tmp_path / "cache")) == 1
        # New data: a new data version, so computed again.
        facts, provenance = read_user_file(FIXTURES / "nomis" / "bres_itl2_sic5_mini.csv", "nomis", dataset="mini")
        wh.import_facts(facts, provenance, file="mini.csv")
        _cache.clear()
        assert _cache.memoised(wh, ("probe", 1), compute, persist=True)["calls"].tolist() == [2]
    # Another warehouse file with the same data does not share the stored result.
    other = tmp_path / "other.duckdb"
    other.write_bytes(fresh_warehouse.read_bytes())
    with Warehouse(other) as wh:
        _cache.clear()
        assert _cache.memoised(wh, ("probe", 1), compute, persist=True)["calls"].tolist() == [3]


def test_a_damaged_file_is_recomputed_and_off_keeps_nothing(
    fresh_warehouse: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CLUSTERPLAN_CACHE", str(tmp_path / "cache"))
    _, compute = _counting()
    with Warehouse(fresh_warehouse) as wh:
        _cache.memoised(wh, ("probe", 2), compute, persist=True)
        (stored,) = _stored(tmp_path / "cache")
        stored.write_bytes(b"not a pickle")
        _cache.clear()
        assert _cache.memoised(wh, ("probe", 2), compute, persist=True)["calls"].tolist() == [2]
        _cache.clear()
        assert _cache.memoised(wh, ("probe", 2), compute, persist=True)["calls"].tolist() == [2]
        monkeypatch.setenv("CLUSTERPLAN_CACHE", "off")
        _cache.clear()
        assert _cache.memoised(wh, ("probe", 3), compute, persist=True)["calls"].tolist() == [3]
        assert _cache.cache_folder() is None and len(_stored(tmp_path / "cache")) == 1
        # A folder that cannot be written: the value is still returned, nothing kept.
        blocked = tmp_path / "blocked"
        blocked.write_text("a file where the folder should be")
        monkeypatch.setenv("CLUSTERPLAN_CACHE", str(blocked))
        _cache.clear()
        assert _cache.memoised(wh, ("probe", 4), compute, persist=True)["calls"].tolist() == [4]


@dataclasses.dataclass(frozen=True)
class _Key:
    name: str
    codes: frozenset[str]


def test_keys_read_the_same_in_every_process() -> None:
    # Set order follows string hashing, which differs between processes; the stored key must not.
    assert _cache._stable(_Key("a", frozenset({"29", "30", "2910"}))) == _cache._stable(
        _Key("a", frozenset({"2910", "30", "29"}))
    )
    assert _cache._stable(("x", 1, None, Path("p"))) == "('x',1,None,PosixPath('p'))"
    assert _cache._stable(_Key("a", frozenset())) != _cache._stable(_Key("b", frozenset()))
    with pytest.raises(TypeError, match="a DataFrame cannot be part of a key"):
        _cache._stable(("k", pd.DataFrame()))


def test_the_code_version_digests_every_file_of_the_package_and_the_libraries(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import hashlib
    import importlib.metadata
    import sys

    root = Path(_cache.__file__).parent
    expected = hashlib.sha256(sys.version.encode())
    for name in ("pandas", "numpy", "pyarrow"):
        expected.update(f"{name}={importlib.metadata.version(name)}".encode())
    files = sorted(
        (path.relative_to(root).as_posix(), path.stat())
        for path in root.rglob("*")
        if path.is_file() and "__pycache__" not in path.parts
    )
    assert len(files) > 100 and any(name.startswith("report/templates/") for name, _ in files)
    for name, stat in files:
        expected.update(f"{name}:{stat.st_size}:{stat.st_mtime_ns}".encode())
    monkeypatch.setattr(_cache, "_CODE_VERSION", [])
    assert _cache._code_version() == expected.hexdigest()[:16]


def test_only_the_newest_code_versions_are_kept(tmp_path: Path) -> None:
    results = tmp_path / "results"
    for age, name in enumerate(["v1", "v2", "v3", "v4"]):
        (results / name).mkdir(parents=True)
        os.utime(results / name, (1_000_000 + age, 1_000_000 + age))
    current = results / "v5"
    current.mkdir()
    _cache._forget_old_code_versions(current)
    assert sorted(p.name for p in results.iterdir()) == ["v3", "v4", "v5"]


def test_a_second_run_on_the_same_warehouse_reads_stored_results_and_writes_the_same_tables(
    fresh_warehouse: Path, tmp_path: Path
) -> None:
    env = {"CLUSTERPLAN_WAREHOUSE": str(fresh_warehouse), "CLUSTERPLAN_CACHE": str(tmp_path / "cache")}
    first = run_cli("run", "--quiet", "--out", str(tmp_path / "first"), env=env)
    assert first.returncode == 0, first.stderr
    stored = _stored(tmp_path / "cache")
    assert len(stored) >= 8  # the backtest, feasibility, supply-chain effects, panels, productivity, measures
    mtimes = {path: path.stat().st_mtime_ns for path in stored}
    second = run_cli("run", "--quiet", "--out", str(tmp_path / "second"), env=env)
    assert second.returncode == 0, second.stderr
    assert {path: path.stat().st_mtime_ns for path in _stored(tmp_path / "cache")} == mtimes  # read, not rewritten
    tables = sorted(p.name for p in (tmp_path / "first").glob("*.csv"))
    assert len(tables) > 10
    match, mismatch, errors = filecmp.cmpfiles(tmp_path / "first", tmp_path / "second", tables, shallow=False)
    assert mismatch == [] and errors == [] and match == tables


def test_errors_survive_pickling_with_their_message_and_fields() -> None:
    """A stored hotspot map keeps the error of a cluster that cannot be mapped, and the web app's workers hand
    errors back across processes: each error class comes back whole, whatever its __init__ takes."""
    import pickle

    from clusterplan._exceptions import DataValidationError, ParameterError, UnknownCodeError

    errors = [
        UnknownCodeError("level", "itl9", ["itl1", "itl2"], hint="see --help"),
        DataValidationError("negative count -5", file="bres.csv", row=3, column="COUNT"),
        ParameterError("no GVA for this cluster", hint="choose another measure"),
    ]
    for error in errors:
        back = pickle.loads(pickle.dumps(error))
        assert type(back) is type(error) and str(back) == str(error) and back.args == error.args
        assert back.__dict__ == error.__dict__
    assert str(pickle.loads(pickle.dumps(errors[0]))) == "unknown level 'itl9'; valid choices: itl1, itl2; see --help"


def test_package_results_and_compiled_templates_are_kept_for_the_next_process(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The report's simplified boundaries and compiled templates depend only on the code and its package data:
    a later process reads them (the same text as computing afresh), a damaged entry is made again, ``off``
    keeps nothing."""
    import jinja2

    from clusterplan.report import _charts, _html

    monkeypatch.setenv("CLUSTERPLAN_CACHE", str(tmp_path / "cache"))
    calls, compute = _counting()
    assert _cache.kept_on_disk(("probe", 5), compute)["calls"].tolist() == [1]
    assert _cache.kept_on_disk(("probe", 5), compute)["calls"].tolist() == [1] and calls == [1]
    assert _cache.kept_on_disk(("probe", 6), compute)["calls"].tolist() == [2]

    _charts._report_geojson.cache_clear()
    shapes = _charts._report_geojson("itl1", None, 0.01)
    _charts._report_geojson.cache_clear()
    assert _charts._report_geojson("itl1", None, 0.01) == shapes == _charts._simplified_geojson("itl1", None, 0.01)
    assert len(_stored(tmp_path / "cache")) == 3
    _charts._report_geojson.cache_clear()

    compiled: list[str] = []
    original = jinja2.Environment.compile

    def counting_compile(self: jinja2.Environment, source: str, name: str | None = None, *args: object) -> object:
        compiled.append(str(name))
        return original(self, source, name, *args)

    monkeypatch.setattr(jinja2.Environment, "compile", counting_compile)
    try:
        for expected in (["report_sections.html.j2"], [], ["report_sections.html.j2"]):
            _html._environment.cache_clear()
            compiled.clear()
            macros = _html._environment().get_template("report_sections.html.j2").module
            assert compiled == expected and callable(macros.chart)
            # Damaged after the second reading: the third compiles again.
            for entry in (tmp_path / "cache").glob("results/*/template-*.jinja"):
                entry.write_bytes(b"not compiled code" if not expected else entry.read_bytes())
        monkeypatch.setenv("CLUSTERPLAN_CACHE", "off")
        _html._environment.cache_clear()
        compiled.clear()
        _html._environment().get_template("report_sections.html.j2")
        assert compiled == ["report_sections.html.j2"]
        assert _cache.kept_on_disk(("probe", 5), compute)["calls"].tolist() == [3]
    finally:
        _html._environment.cache_clear()


@pytest.mark.parametrize("data", [b"", b"area,lq\n", "Détroit,1.5\n".encode() * 50_000, bytes(range(256)) * 999])
def test_packed_text_unpacks_to_the_same_bytes_and_is_smaller_when_repetitive(data: bytes) -> None:
    packed = _cache.pack(data)
    assert _cache.unpack(packed) == data
    if len(data) > 100_000:  # a run's CSV text repeats itself: Zstandard keeps a small part of it
        assert len(packed) < len(data) // 20
