"""Helpers shared by the tests (paths, the real CLI in a subprocess, the Chromium of the browser tests)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = ROOT / "tests" / "fixtures"

#: The browser tests' Chromium: Debian's ``chromium``, or $CLUSTERPLAN_CHROMIUM (no ``playwright install``).
CHROMIUM = Path(os.environ.get("CLUSTERPLAN_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
#: Where the browser tests leave their screenshots and PDFs.
ARTIFACTS = ROOT / "test-artifacts"


def shared_data_dir() -> Path | None:
    """The raw published data (``../shared/data`` beside the clone, or $CLUSTERPLAN_SHARED_DATA)."""
    candidates = [os.environ.get("CLUSTERPLAN_SHARED_DATA"), ROOT.parent / "shared" / "data"]
    for candidate in candidates:
        if candidate and (Path(candidate) / "MANIFEST.md").exists():
            return Path(candidate)
    return None


def run_cli(*args: str, env: dict[str, str] | None = None, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    """Run the real ``clusterplan`` entry point in a subprocess."""
    return subprocess.run(
        [sys.executable, "-c", "from clusterplan.cli import main; main()", *args],
        capture_output=True,
        text=True,
        env={**os.environ, **(env or {})},
        cwd=cwd,
        timeout=300,
    )
