"""Cluster definition files: size limits checked before parsing, paths named as what they are, no file contents
in messages, and warnings for overlapping clusters and duplicate names.

Before: a 50 MB taxonomy ran for 46 s to 3 min, reached 7.7 GB and ended in a DuckDB OutOfMemoryException
traceback; a symlink to /etc/passwd printed the file; a directory was "file not found"; overlaps and duplicate
names loaded silently.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from _util import run_cli
from clusterplan import TaxonomyError
from clusterplan._paths import MAX_TAXONOMY_BYTES
from clusterplan.taxonomy import load_taxonomy

SECRET = "root:x:0:0:a line that must never be echoed"


def test_an_oversized_taxonomy_is_refused_in_under_a_second_before_parsing(tmp_path: Path) -> None:
    path = tmp_path / "huge.csv"
    with path.open("w") as handle:  # 50 MB: 537k-cluster scale, as the hostile test
        handle.write("cluster,code\n")
        handle.truncate(50_000_000)
    start = time.perf_counter()
    with pytest.raises(TaxonomyError, match=r"50,000,000 bytes is larger than the 1,000,000-byte limit"):
        load_taxonomy(path)
    assert time.perf_counter() - start < 1.0


def test_a_taxonomy_at_the_limit_still_loads(tmp_path: Path) -> None:
    rows = ["cluster,code"] + [f"c{i},29100" for i in range(10_000)]
    path = tmp_path / "many.csv"
    path.write_text("\n".join(rows) + "\n")
    assert path.stat().st_size < MAX_TAXONOMY_BYTES
    assert len(load_taxonomy(path).clusters) == 10_000


def test_a_symlink_is_named_with_its_target_and_its_contents_are_not_echoed(tmp_path: Path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text(SECRET + "\n")
    link = tmp_path / "clusters.yaml"
    os.symlink(secret, link)
    with pytest.raises(TaxonomyError) as caught:
        load_taxonomy(link)
    message = str(caught.value)
    assert f"(a symlink to {secret})" in message and "got text" in message
    assert "root:x" not in message


def test_a_long_cell_is_shortened_in_the_message(tmp_path: Path) -> None:
    path = tmp_path / "bad.csv"
    path.write_text("cluster,code\nmotor," + "9" * 5000 + "\n")
    with pytest.raises(TaxonomyError) as caught:
        load_taxonomy(path)
    assert len(str(caught.value)) < 400 and "…" in str(caught.value)


@pytest.mark.parametrize(
    ("make", "problem"),
    [
        (lambda p: p.mkdir(), "is a directory, not a file"),
        (lambda p: None, "file not found"),
        (lambda p: os.symlink(p.parent / "gone.yaml", p), "the symlink's target does not exist"),
    ],
)
def test_paths_are_named_as_what_they_are(tmp_path: Path, make, problem: str) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "clusters.yaml"
    make(path)
    with pytest.raises(TaxonomyError, match=problem):
        load_taxonomy(path)


def test_overlaps_and_duplicate_names_are_warned_about(tmp_path: Path) -> None:
    path = tmp_path / "mine.csv"
    path.write_text(
        "cluster,code,cluster_name\nmotor,29,Vehicles\nbatteries,27200,Batteries\nbatteries,29100,Batteries\n"
        "parts,293,Vehicles\n"
    )
    notes = load_taxonomy(path).advisories()
    assert notes[0].startswith("clusters 'motor' and 'batteries' share 1 industry code (29100)")
    assert "the total of all clusters counts each job once" in notes[0]
    assert notes[1].startswith("clusters 'motor' and 'parts' share 2 industry codes (29310, 29320)")
    assert notes[2].startswith("clusters 'motor' and 'parts' have the same name 'Vehicles'")
    result = run_cli("taxonomy", "show", str(path))
    assert result.returncode == 0
    assert "warning: clusters 'motor' and 'parts' have the same name 'Vehicles'" in result.stderr


def test_cli_says_directory_not_file_not_found(tmp_path: Path) -> None:
    folder = tmp_path / "defs.yaml"
    folder.mkdir()
    result = run_cli("taxonomy", "show", str(folder))
    assert result.returncode == 2
    assert (
        result.stderr.strip() == f"error: {folder}: is a directory, not a file; give the path of a .yaml or .csv file"
    )
