"""A US run states the rules that keep rebuilt CBP cells from deciding a verdict alone: in run.json, the report and
the workbook's Parameters sheet."""

from __future__ import annotations

import json
from pathlib import Path

import openpyxl

from _util import run_cli
from clusterplan.pipeline.opportunities import PRESENCE_RULES
from clusterplan.pipeline.profile import STRONG_RULE_WITH_REBUILT_CELLS


def test_adrian_run_states_the_presence_and_strong_rules(tmp_path: Path, warehouse_path: Path) -> None:
    out = tmp_path / "adrian"
    result = run_cli("run", "--region", "Adrian", "--quiet", "--out", str(out), "--warehouse", str(warehouse_path))
    assert result.returncode == 0, result.stderr
    meta = json.loads((out / "run.json").read_text(encoding="utf-8"))
    assert meta["parameters"]["strong_rule"] == STRONG_RULE_WITH_REBUILT_CELLS
    presence = meta["analyses"]["opportunities"]["parameters"]["presence_rule"]
    assert presence.endswith("lower_bound: " + PRESENCE_RULES["lower_bound"])
    html = (out / "report.html").read_text(encoding="utf-8")
    assert "Which industries the region has</strong> (for complexity" in html
    assert "RCA &gt;= 1 on the employment the data guarantee" in html
    book = openpyxl.load_workbook(out / "workbook.xlsx", read_only=True)
    parameters = {row[0]: row[1] for row in book["Parameters"].iter_rows(min_row=2, values_only=True)}
    assert parameters["strong_rule"] == STRONG_RULE_WITH_REBUILT_CELLS
    # The Clusters sheet and clusters.csv agree: biopharmaceuticals is not strong in Adrian.
    header, *body = [list(r) for r in book["Clusters"].iter_rows(values_only=True)]
    rows = {r[header.index("Cluster id")]: r for r in body}
    strong = header.index("Strong cluster, US Cluster Mapping rule (true/false)")
    assert rows["biopharmaceuticals"][strong] is False and rows["automotive"][strong] is True
