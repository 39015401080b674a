"""Build the embedded package data from the raw published files.

Run ``python scripts/build_data.py --raw ../shared/data`` (re-runnable; the
output is deterministic). Each builder module exposes
``build(raw: Path, out: Path) -> list[BuiltDataset]`` and writes its files
under *out*; :func:`build_all` runs them in order and writes ``manifest.json``.
"""

from __future__ import annotations

import importlib
import json
from pathlib import Path

from ._common import DATA_VERSION, BuiltDataset

__all__ = ["BUILDERS", "DATA_VERSION", "BuiltDataset", "build_all"]

#: Builder modules, in dependency order (geography first: the crosswalk is used by later builders).
BUILDERS = [
    "geography",
    "lookups",
    "bres",
    "business_counts",
    "gva",
    "ons_io",
    "us",
    "us_withheld",
    "bea_io",
]


def build_all(raw: Path, out: Path, only: list[str] | None = None, progress=print) -> list[BuiltDataset]:
    """Run every builder (or those in *only*) and (re)write ``manifest.json``.

    With *only*, entries of the other builders already in the manifest are kept.
    """
    out.mkdir(parents=True, exist_ok=True)
    manifest_path = out / "manifest.json"
    previous: dict[str, dict] = {}
    if manifest_path.exists():
        previous = {d["name"]: d for d in json.loads(manifest_path.read_text())["datasets"]}
    entries: dict[str, dict] = {}
    built: list[BuiltDataset] = []
    for name in BUILDERS:
        if only and name not in only:
            entries.update({k: v for k, v in previous.items() if v.get("builder") == name})
            continue
        progress(f"building {name} ...")
        module = importlib.import_module(f"{__name__}.{name}")
        for dataset in module.build(raw, out):
            dataset.builder = name
            built.append(dataset)
            entries[dataset.name] = dataset.to_dict()
            progress(f"  {dataset.name}: {dataset.rows:,} rows -> {dataset.file}")
    ordered = [entries[k] for k in sorted(entries)]
    manifest = {"data_version": DATA_VERSION, "datasets": ordered}
    manifest_path.write_text(json.dumps(manifest, indent=1, sort_keys=True) + "\n")
    return built
