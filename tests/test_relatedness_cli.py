"""``clusterplan complexity``, ``opportunities`` and ``related-clusters`` through the real entry point."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from _util import run_cli
from clusterplan import industry_measures
from clusterplan.cli import main
from clusterplan.relatedness.complexity import complexity
from clusterplan.warehouse import Warehouse


def test_complexity_cli_gb_sic2(tmp_path: Path, fresh_warehouse: Path, warehouse: Warehouse) -> None:
    out = tmp_path / "out"
    done = run_cli(
        "complexity",
        "--source",
        "gb-bres-2021",
        "--level",
        "sic2",
        "--out",
        str(out),
        "--warehouse",
        str(fresh_warehouse),
    )
    assert done.returncode == 0, done.stderr
    eci = pd.read_csv(out / "eci.csv")
    pci = pd.read_csv(out / "pci.csv", dtype={"industry_code": str})
    density = pd.read_csv(out / "density.csv", dtype={"industry_code": str})
    assert eci.columns.tolist() == ["area_code", "area_name", "eci", "diversity"] and len(eci) == 40
    assert pci.columns.tolist()[:3] == ["industry_code", "industry_name", "pci"]
    assert {"area_code", "industry_code", "density", "rca"} <= set(density.columns)
    assert len(density) == 40 * len(pci)
    # The same numbers as the library on the same table (CSV keeps 6 significant digits).
    expected = complexity(industry_measures(warehouse, level="sic2", year=2021))
    assert np.allclose(eci.set_index("area_code")["eci"].reindex(expected.eci.index), expected.eci, atol=1e-5)
    meta = json.loads((out / "complexity.json").read_text())
    assert meta["areas"] == 40 and meta["eci_correlation_with_reflections_18"] > 0.99
    assert "ECI vs 18 reflections" in done.stdout


def test_opportunities_cli_sic2(tmp_path: Path, fresh_warehouse: Path) -> None:
    out = tmp_path / "opp"
    done = run_cli(
        "opportunities", "--region", "UKG3", "--level", "sic2", "--top", "5", "--out", str(out),
        "--warehouse", str(fresh_warehouse),
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    industries = pd.read_csv(out / "industries.csv", dtype={"industry_code": str})
    nascent = pd.read_csv(out / "nascent.csv", dtype={"industry_code": str})
    assert {"industry_code", "density", "pci", "attractiveness", "feasibility", "quadrant"} <= set(industries.columns)
    assert industries["industry_code"].str.len().eq(2).all() and len(industries) >= 80
    assert set(nascent["kind"]) == {"industry"} and len(nascent) <= 5 and nascent["rca"].lt(1).all()
    assert (out / "clusters.csv").exists()
    meta = json.loads((out / "opportunities.json").read_text())
    assert meta["region"]["code"] == "TLG3" and meta["parameters"]["level"] == "sic2"


def test_related_clusters_cli(tmp_path: Path, fresh_warehouse: Path) -> None:
    out = tmp_path / "related.csv"
    done = run_cli(
        "related-clusters", "--source", "gb-bres-2021", "--taxonomy", "wmca_plan_for_growth", "--out", str(out),
        "--warehouse", str(fresh_warehouse),
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    table = pd.read_csv(out)
    assert {"cluster_a", "cluster_b", "colocation", "io_link", "related"} <= set(table.columns)
    assert len(table) == 28 and table["related"].any()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["complexity", "--source", "uk-bres-2021", "--out", "x"],
            "unknown data source 'uk-bres-2021'; valid choices: us-cbp-2019, gb-bres-2015",
        ),
        (
            ["complexity", "--source", "gb-bres-2021", "--level", "naics6", "--out", "x"],
            "unknown industry level for gb-bres-2021 'naics6'; valid choices: sic5, sic2",
        ),
    ],
)
def test_bad_input_one_line_exit_2(tmp_path: Path, args: list[str], message: str) -> None:
    done = run_cli(*args, cwd=tmp_path)
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert message in done.stderr.strip().splitlines()[-1]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["complexity", "--source", "gb-bres-2022", "--out", "x"], "unknown data source 'gb-bres-2022'"),
        (["complexity", "--source", "us-cbp-2019"], "give --out DIR"),
        (["opportunities", "--out", "x"], "give --region CODE"),
        (["opportunities", "--region", "TLG3", "--weights", "pci", "--out", "x"], "write name=number pairs"),
        (
            ["opportunities", "--region", "TLG3", "--weights", "jobs=1", "--out", "x"],
            "unknown attractiveness component 'jobs'",
        ),
        (["opportunities", "--region", "TLG3", "--top", "0", "--out", "x"], "--top must be at least 1"),
        (["related-clusters", "--source", "gb-bres-2021", "--out", "x.csv"], "give --taxonomy NAME"),
        (
            ["related-clusters", "--source", "gb-bres-2021", "--taxonomy", "wmca_plan_for_growth", "--out", "x.txt"],
            "the file must end in .csv",
        ),
    ],
)
def test_bad_input_in_process(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], args: list[str], message: str
) -> None:
    monkeypatch.chdir(tmp_path)
    with pytest.raises(SystemExit) as exit_info:
        main(args)
    assert exit_info.value.code == 2
    lines = capsys.readouterr().err.strip().splitlines()
    assert len(lines) == 1 and message in lines[0]


def test_unknown_region_and_wrong_taxonomy(
    tmp_path: Path, fresh_warehouse: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["opportunities", "--region", "ZZZ9", "--level", "sic2", "--out", str(tmp_path / "o"),
              "--warehouse", str(fresh_warehouse), "--quiet"])  # fmt: skip
    assert exit_info.value.code == 2
    last = capsys.readouterr().err.strip().splitlines()[-1]
    assert "unknown region 'ZZZ9'; valid choices: Tees Valley and Durham (TLC1)" in last
    with pytest.raises(SystemExit) as exit_info:
        main(["related-clusters", "--source", "gb-bres-2021", "--taxonomy", "us_cmp_traded_2014",
              "--out", str(tmp_path / "r.csv"), "--warehouse", str(fresh_warehouse), "--quiet"])  # fmt: skip
    assert exit_info.value.code == 2
    assert "taxonomy 'us_cmp_traded_2014' uses naics2017 codes, but the data use sic2007" in capsys.readouterr().err
