"""The default GB run, a US run and the dashboard API give the numbers they gave before the interfaces moved.

The reference fingerprints (tests/fixtures/golden_numbers.json, see tests/_golden.py) were computed on main at
fbc27db, before the CLI and web app were moved onto the pipeline's application functions; every CSV of both run
folders and every JSON answer must match them column by column (numbers to a relative 1e-9). They were regenerated
when run tables gained name columns (region code and name, cluster names, island names) and US runs
unclassified_industries.csv: with the added columns and table left out, every fingerprint equalled fbc27db's.
The scenarios' feasibility provenance names region_opportunities where it now lives (clusterplan.pipeline).
A US cluster's feasibility and attractiveness moved half a rank when a one-industry cluster came to tie with its
industry whatever the last bit of its national-weighted mean (relatedness.opportunities._percentile_among).
The scenarios answers gained unread_settings, the request's parameters its scenario method does not read.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from _golden import GOLDEN, differences, fingerprints


@pytest.mark.slow
def test_runs_and_api_give_the_reference_numbers(tmp_path: Path, warehouse_path: Path) -> None:
    expected = json.loads(GOLDEN.read_text(encoding="utf-8"))
    found = fingerprints(warehouse_path, tmp_path)
    changed = differences(expected, found)
    assert not changed, f"{len(changed)} differences, first: " + "; ".join(changed[:10])
