"""Write the outputs of a run: clusters.csv, report.html, run.json."""

from __future__ import annotations

import json
import math
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from ..analysis import ClusterProfile
from .report import render_report

__all__ = ["write_run_outputs"]


def _clean(value: Any) -> Any:
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {k: _clean(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_clean(v) for v in value]
    return value


def write_run_outputs(profile: ClusterProfile, out: Path) -> dict[str, Path]:
    """Write every output file of a run into *out*; return their paths by name."""
    out.mkdir(parents=True, exist_ok=True)
    paths = {"clusters": out / "clusters.csv", "report": out / "report.html", "run": out / "run.json"}
    profile.clusters.to_csv(paths["clusters"], index=False, float_format="%.6g")
    metadata = profile.run_metadata()
    metadata["created_at"] = datetime.now(UTC).isoformat(timespec="seconds")
    metadata["outputs"] = {k: p.name for k, p in paths.items()}
    paths["run"].write_text(json.dumps(_clean(metadata), indent=2) + "\n")
    paths["report"].write_text(render_report(profile, metadata), encoding="utf-8")
    return paths
