"""Access to the embedded package data (``clusterplan/data``) and its manifest."""

from __future__ import annotations

import hashlib
import json
from functools import cache
from importlib.resources import files
from pathlib import Path
from typing import Any

from ._exceptions import UnknownCodeError, WarehouseError

__all__ = ["data_dir", "dataset_entry", "dataset_path", "embedded_datasets", "manifest"]


def data_dir() -> Path:
    """Folder holding the embedded Parquet/GeoJSON files and ``manifest.json``."""
    return Path(str(files("clusterplan") / "data"))


@cache
def manifest() -> dict[str, Any]:
    """The parsed ``manifest.json``: ``{"data_version": ..., "datasets": [...]}``."""
    path = data_dir() / "manifest.json"
    if not path.exists():
        raise WarehouseError(
            f"embedded data manifest missing at {path}",
            hint="reinstall clusterplan, or rebuild with `python scripts/build_data.py`",
        )
    result: dict[str, Any] = json.loads(path.read_text())
    return result


def data_fingerprint() -> str:
    """Data version plus a hash of the manifest: changes whenever any embedded file changes."""
    digest = hashlib.sha256((data_dir() / "manifest.json").read_bytes()).hexdigest()[:16]
    return f"{manifest()['data_version']}+{digest}"


def embedded_datasets(kind: str | None = None) -> list[dict[str, Any]]:
    """Manifest entries, optionally of one kind (facts, areas, industries, table, geojson, topojson)."""
    return [d for d in manifest()["datasets"] if kind is None or d["kind"] == kind]


def dataset_entry(name: str) -> dict[str, Any]:
    for entry in manifest()["datasets"]:
        if entry["name"] == name:
            return dict(entry)
    raise UnknownCodeError("dataset", name, sorted(d["name"] for d in manifest()["datasets"]))


def dataset_path(name: str) -> Path:
    return data_dir() / dataset_entry(name)["file"]
