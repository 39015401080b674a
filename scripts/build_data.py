"""Rebuild the embedded package data from the raw published files.

Usage::

    pip install -e ".[build-data]"
    python scripts/build_data.py --raw ../shared/data [--only bres gva]

Writes Parquet/GeoJSON files and ``manifest.json`` into ``src/clusterplan/data``.
The output is deterministic: re-running on the same inputs gives the same bytes
(and the same sha256 in the manifest).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from clusterplan._build import BUILDERS, build_all  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument(
        "--raw", type=Path, default=ROOT.parent / "shared" / "data", help="folder of raw files (with MANIFEST.md)"
    )
    parser.add_argument("--out", type=Path, default=ROOT / "src" / "clusterplan" / "data")
    parser.add_argument("--only", nargs="*", choices=BUILDERS, help="rebuild only these builders")
    args = parser.parse_args()
    if not (args.raw / "MANIFEST.md").exists():
        sys.exit(f"error: {args.raw} does not look like the raw data folder (no MANIFEST.md); pass --raw")
    built = build_all(args.raw, args.out, only=args.only)
    print(f"built {len(built)} datasets into {args.out}")


if __name__ == "__main__":
    main()
