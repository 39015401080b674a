"""``clusterplan io``: multipliers, impact, linkages, gaps and sensitivity through the real entry point."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pandas as pd
import pytest

from _util import run_cli
from clusterplan.cli import main
from clusterplan.inputoutput.national import multipliers_table, national_model
from clusterplan.inputoutput.regional import regional_model
from clusterplan.pipeline.tables import reference_tables

TABLES = reference_tables()


def _io(warehouse: Path, command: str, *args: str) -> subprocess.CompletedProcess[str]:
    """``clusterplan io COMMAND ARGS`` on *warehouse*, whose employment regionalises the models."""
    return run_cli("io", command, *args, "--warehouse", str(warehouse))


REQUIRED = [
    "industry_code",
    "industry_name",
    "output_multiplier",
    "gva_effect",
    "gva_multiplier",
    "employment_effect",
    "employment_multiplier",
]


def test_national_multipliers(tmp_path: Path, warehouse_path: Path):
    out = tmp_path / "national.csv"
    result = _io(warehouse_path, "multipliers", "--out", str(out))
    assert result.returncode == 0, result.stderr
    assert "Type 1 multipliers, national model (ONS IOAT 2019, UK): 105 industries" in result.stdout
    table = pd.read_csv(out, dtype={"industry_code": str})
    assert len(table) == 105
    assert set(REQUIRED) <= set(table.columns)
    row = table.set_index("industry_code").loc["C101"]
    assert round(row["output_multiplier"], 3) == 2.396
    expected = multipliers_table(national_model(TABLES), 1).set_index("industry_code")
    assert table.set_index("industry_code")["gva_effect"].to_numpy() == pytest.approx(
        expected["gva_effect"].to_numpy(), rel=1e-9
    )


def test_regional_type_two_multipliers(tmp_path: Path, warehouse_path: Path):
    out = tmp_path / "west_midlands.csv"
    result = _io(
        warehouse_path,
        "multipliers",
        "--region",
        "UKG3",
        "--method",
        "AFLQ",
        "--delta",
        "0.25",
        "--type",
        "2",
        "--out",
        str(out),
    )
    assert result.returncode == 0, result.stderr
    assert "Type 2 multipliers, West Midlands (TLG3), AFLQ, delta 0.25" in result.stdout
    table = pd.read_csv(out, dtype={"industry_code": str}).set_index("industry_code")
    expected = regional_model(TABLES, "TLG3", method="aflq", delta=0.25).multipliers(2).set_index("industry_code")
    assert table["output_multiplier"].to_numpy() == pytest.approx(expected["output_multiplier"].to_numpy(), rel=1e-9)
    assert table["employment_effect"].to_numpy() == pytest.approx(expected["employment_effect"].to_numpy(), rel=1e-9)
    assert {"regional_employment", "location_quotient"} <= set(table.columns)


def test_impact_prints_and_writes_the_breakdown(tmp_path: Path, warehouse_path: Path):
    out = tmp_path / "impact.csv"
    result = _io(
        warehouse_path, "impact", "--region", "TLG3", "--cluster", "Aerospace", "--change", "100", "--unit", "gbp_m",
        "--out", str(out),
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == "impact of 100.0 gbp_m in Aerospace (cluster) (West Midlands; FLQ delta=0.3, Type II)"
    assert lines[1].split() == ["effect", "output", "£m", "GVA", "£m", "jobs"]
    assert [line.split()[0] for line in lines[2:6]] == ["direct", "indirect", "induced", "total"]
    assert lines[2].split()[1] == "100.00"
    assert "top 10 industries by total output:" in result.stdout
    assert lines[8].split()[0] == "C303"  # aircraft manufacturing is affected most
    table = pd.read_csv(out, dtype={"industry_code": str})
    assert table["industry_code"].iloc[0] == "TOTAL"
    assert len(table) == 106
    total = table.iloc[0]
    industries = table.iloc[1:]
    for prefix in ("output", "gva", "jobs"):
        for effect in ("direct", "indirect", "induced", "total"):
            assert total[f"{effect}_{prefix}"] == pytest.approx(industries[f"{effect}_{prefix}"].sum(), rel=1e-8)
    assert total["direct_output"] == pytest.approx(100.0)
    assert total["total_output"] == pytest.approx(total[["direct_output", "indirect_output", "induced_output"]].sum())


def test_linkages_gaps_and_sensitivity(tmp_path: Path, warehouse_path: Path):
    links, partners = tmp_path / "links.csv", tmp_path / "partners.csv"
    result = _io(
        warehouse_path, "linkages", "--taxonomy", "wmca_plan_for_growth", "--region", "TLG3", "--out", str(links),
        "--partners-out", str(partners),
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert "share of each cluster's UK-made inputs bought inside the region:" in result.stdout
    table = pd.read_csv(links)
    assert len(table) == 9 * 9  # 8 clusters and the other industries
    assert {"supplier_cluster", "buyer_cluster", "flow_gbp_m", "share_of_buyer_inputs"} <= set(table.columns)
    assert set(pd.read_csv(partners)["relation"]) == {"supplier", "customer"}

    gaps = tmp_path / "gaps.csv"
    result = _io(warehouse_path, "gaps", "--region", "West Midlands", "--out", str(gaps))
    assert result.returncode == 0, result.stderr
    assert "strong clusters (LQ >= 1, 2019): ev_batteries, low_carbon_utilities, future_housing, logistics" in (
        result.stdout
    )
    table = pd.read_csv(gaps)
    assert (table["regional_purchase_coefficient"] < 0.5).all()

    sweep = tmp_path / "sweep.csv"
    result = _io(warehouse_path, "sensitivity", "--region", "TLG3", "--deltas", "0.1,0.4", "--out", str(sweep))
    assert result.returncode == 0, result.stderr
    means = pd.read_csv(sweep).groupby("delta")["output_multiplier"].mean()
    assert means[0.1] > means[0.4]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["multipliers", "--region", "TLZ9"], "error: unknown region 'TLZ9'; did you mean Southern Scotland (TLM9)"),
        (["multipliers", "--region", "TLG3", "--method", "glq"], "valid choices: slq, cilq, flq, aflq"),
        (["multipliers", "--region", "TLG3", "--delta", "-0.2"], "error: delta must be in [0, 1), got -0.2"),
        (["multipliers", "--type", "3"], "error: --type must be 1 (direct and indirect) or 2"),
        (
            ["impact", "--region", "TLG3", "--cluster", "rockets", "--change", "1"],
            "error: unknown cluster of wmca_plan_for_growth 'rockets'; valid choices: creative_content_gaming",
        ),
        (
            ["impact", "--region", "TLG3", "--cluster", "aerospace", "--change", "1", "--unit", "pounds"],
            "error: unknown unit 'pounds'; valid choices: gbp_m, output, jobs",
        ),
        (
            ["impact", "--cluster", "aerospace", "--taxonomy", "nope", "--change", "1"],
            "error: unknown taxonomy 'nope'; valid choices: ",
        ),
    ],
)
def test_bad_input_is_one_line_and_exit_2(
    tmp_path: Path, warehouse_path: Path, args: list[str], message: str, capsys: pytest.CaptureFixture[str]
):
    # In-process through the same entry point (the subprocess path is checked once below): much faster.
    if args[0] == "multipliers":
        args = [*args, "--out", str(tmp_path / "x.csv")]
    code, err = _run_main(["io", *args, "--warehouse", str(warehouse_path)], capsys)
    assert code == 2, err
    errors = [line for line in err.splitlines() if line.startswith("error:")]
    assert len(errors) == 1
    assert message in errors[0]
    assert "Traceback" not in err
    assert not (tmp_path / "x.csv").exists()


def test_bad_input_in_a_subprocess(tmp_path: Path, warehouse_path: Path):
    result = _io(warehouse_path, "multipliers", "--region", "Atlantis", "--out", str(tmp_path / "x.csv"))
    assert result.returncode == 2
    assert result.stderr.splitlines()[-1].startswith(
        "error: unknown region 'Atlantis'; valid choices: Tees Valley and Durham (TLC1)"
    )
    assert "Traceback" not in result.stderr


def _run_main(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    try:
        main(args)
        code = 0
    except SystemExit as exc:
        code = int(exc.code or 0)
    return code, capsys.readouterr().err
