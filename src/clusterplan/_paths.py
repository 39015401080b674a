"""What a user-given input path is, said plainly, and the size limits of input files.

Every reader checks its file here before parsing, so that a directory is called a directory, a symlink is named
with its target, and a file too large to be what it claims is refused at once (from its size on disk, before any
byte is read) instead of filling the memory.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path

__all__ = ["MAX_IMPORT_BYTES", "MAX_TAXONOMY_BYTES", "describe_path", "path_problem", "replacing", "replacing_folder"]

#: Largest cluster definition file: 1 MB, 18 times the largest built-in (US Cluster Mapping 2007, 55 kB).
MAX_TAXONOMY_BYTES = 1_000_000
#: Largest file ``clusterplan data import`` reads: 2 GB, about 25 million NOMIS rows (every GB local authority
#: by SIC subclass for 70 years); larger extracts should be split by year.
MAX_IMPORT_BYTES = 2_000_000_000


def describe_path(path: str | Path) -> str:
    """The path as given, plus what it points to when it is a symlink.

    >>> describe_path("no/such/file.yaml")
    'no/such/file.yaml'
    """
    text = str(path)
    if os.path.islink(text):
        return f"{text} (a symlink to {os.path.realpath(text)})"
    return text


def path_problem(path: str | Path, *, max_bytes: int, limit_name: str) -> str | None:
    """Why *path* cannot be read as an input file, or None when it can (an existing regular file of at most
    *max_bytes*, after following symlinks); *limit_name* names the limit in the message.

    >>> path_problem("no/such/file.csv", max_bytes=10, limit_name="taxonomy files")
    'file not found'
    """
    text = str(path)
    if os.path.islink(text) and not os.path.exists(text):
        return "the symlink's target does not exist"
    if not os.path.exists(text):
        return "file not found"
    if os.path.isdir(text):
        return "is a directory, not a file"
    if not os.path.isfile(text):
        return "is not a regular file (a device, pipe or socket)"
    size = os.path.getsize(text)
    if size > max_bytes:
        return f"{size:,} bytes is larger than the {max_bytes:,}-byte limit for {limit_name}"
    return None


@contextlib.contextmanager
def replacing(path: str | Path) -> Iterator[Path]:
    """A temporary file next to *path* to write to; it becomes *path* only when the block ends without an error or
    an interrupt, so an output is either the old file or the whole new one, never half of one.

    >>> import tempfile
    >>> target = Path(tempfile.mkdtemp()) / "table.csv"
    >>> with replacing(target) as part:
    ...     _ = part.write_text("a,b\\n")
    >>> target.read_text(), [p.name for p in target.parent.iterdir()]
    ('a,b\\n', ['table.csv'])
    """
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    # Same folder (so the rename is atomic), same suffix (writers that go by it, such as Excel's, still work).
    handle, name = tempfile.mkstemp(prefix=f".{target.stem}.partial-", suffix=target.suffix, dir=target.parent)
    os.close(handle)
    part = Path(name)
    try:
        yield part
        os.replace(part, target)
    finally:
        part.unlink(missing_ok=True)


@contextlib.contextmanager
def replacing_folder(
    folder: str | Path, *, last: str, earlier: Callable[[Path], Iterable[str]] | None = None
) -> Iterator[Path]:
    """A temporary folder next to *folder* to write a set of outputs into; when the block ends without an error or
    an interrupt, each file is moved into *folder*, the file named *last* last.

    *last* marks a complete set (``run.json`` of a run folder): it is removed from *folder* before the first file
    is moved in, so an interrupted write leaves either the old complete set or a folder without it, never a mix
    that looks complete. Nothing is moved if the block fails. *earlier*, given the old *last* file, names the
    files of the set it completed: those the new set does not have are removed before *last* is moved in, so the
    folder never mixes two sets (a US run written over a GB run's folder does not leave its scenarios behind).
    Other files in *folder*, such as a user's own, are kept.

    >>> import tempfile
    >>> folder = Path(tempfile.mkdtemp()) / "run"
    >>> listed = lambda done: done.read_text().split()
    >>> for files in (["a.csv", "b.csv"], ["a.csv"]):
    ...     with replacing_folder(folder, last="done", earlier=listed) as staging:
    ...         for name in files:
    ...             _ = (staging / name).write_text("x")
    ...         _ = (staging / "done").write_text(" ".join(files))
    >>> sorted(p.name for p in folder.iterdir())
    ['a.csv', 'done']
    """
    target = Path(folder)
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{target.name}.partial-", dir=target.parent))
    try:
        yield staging
        target.mkdir(exist_ok=True)
        stale = _earlier_files(target / last, earlier) if earlier is not None else set()
        (target / last).unlink(missing_ok=True)
        names = sorted(p.name for p in staging.iterdir() if p.name != last)
        for name in names:
            os.replace(staging / name, target / name)
        for name in sorted(stale - {*names, last}):
            with contextlib.suppress(FileNotFoundError):
                (target / name).unlink()
        if (staging / last).exists():
            os.replace(staging / last, target / last)
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def _earlier_files(completed: Path, earlier: Callable[[Path], Iterable[str]]) -> set[str]:
    """The plain files of *completed*'s folder that *earlier* says its set wrote (none without *completed*)."""
    if not completed.is_file():
        return set()
    # Only bare names of regular files in the folder itself: never a path leading elsewhere, a link or a folder.
    return {
        name
        for name in earlier(completed)
        if name == Path(name).name
        and name not in ("", ".", "..")
        and (completed.parent / name).is_file()
        and not (completed.parent / name).is_symlink()
    }
