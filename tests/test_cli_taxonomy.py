"""``clusterplan taxonomy list`` and ``clusterplan taxonomy show``, run through the real entry point.

A few cases run the CLI in a subprocess (``run_cli``); the others call the same ``main`` in-process, which is
much faster and exercises the same error handling.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from _util import FIXTURES, run_cli
from clusterplan.cli import main


def run_main(*args: str, capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    """Exit code, stdout and stderr of ``clusterplan ARGS`` run in this process."""
    try:
        main(list(args))
        code = 0
    except SystemExit as exc:
        code = int(exc.code or 0)
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_list():
    result = run_cli("taxonomy", "list")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].split() == ["name", "classification", "clusters", "title"]
    rows = {line.split()[0]: line.split()[1:3] for line in lines[1:]}
    assert (
        rows.items()
        >= {
            "uk_industrial_strategy_is8": ["sic2007", "8"],
            "us_cmp_2007": ["naics2007", "67"],
            "us_cmp_traded_2014": ["naics2017", "51"],
            "wmca_plan_for_growth": ["sic2007", "8"],
        }.items()
    )
    assert "US Cluster Mapping traded clusters (51, Delgado-Porter-Stern 2016, NAICS 2012/2017)" in result.stdout


def test_show_sic_taxonomy_with_codes_notes_confidence_and_overlaps():
    result = run_cli("taxonomy", "show", "uk_industrial_strategy_is8")
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert out.startswith("uk_industrial_strategy_is8: UK Industrial Strategy 2025 growth-driving sectors (IS-8)")
    assert "classification: sic2007 (SIC 2007)" in out
    assert "clusters: 8" in out
    assert "4. defence: Defence [confidence: low]\n   codes (2 SIC 2007 subclasses): 25400, 30400\n" in out
    assert (
        "6. financial_services: Financial Services [confidence: high]\n   codes (34 SIC 2007 subclasses): 64, 65, 66"
        in out
    )
    assert "   note: Not measurable by SIC" in out
    assert "overlaps: 22 SIC 2007 subclasses in more than one cluster" in out
    assert "   30400  advanced_manufacturing, defence\n" in out
    assert "   71111  creative_industries, professional_business_services\n" in out


def test_show_naics_taxonomy(capsys):
    code, out, err = run_main("taxonomy", "show", "us_cmp_traded_2014", capsys=capsys)
    assert code == 0, err
    assert "5. biopharmaceuticals: Biopharmaceuticals [confidence: high]\n" in out
    assert "   codes (4 codes): 325411, 325412, 325413, 325414\n" in out
    assert out.rstrip().endswith("overlaps: none (no codes as written in more than one cluster)")


def test_show_a_user_file(capsys):
    code, out, err = run_main("taxonomy", "show", str(FIXTURES / "taxonomy" / "user_clusters_sic.csv"), capsys=capsys)
    assert code == 0, err
    # Division 29 (6 subclasses) and 27200.
    assert "1. motor_vehicles: Motor vehicles\n   codes (7 SIC 2007 subclasses): 29, 27200\n" in out


def test_unknown_name_exits_2_with_one_line():
    unknown = run_cli("taxonomy", "show", "nope")
    assert unknown.returncode == 2
    assert unknown.stdout == ""
    assert len(unknown.stderr.splitlines()) == 1
    assert unknown.stderr.startswith(
        "error: unknown taxonomy 'nope'; valid choices: gb_data_driven_sic, uk_industrial_strategy_is8, "
    )
    assert "us_cmp_2007, us_cmp_traded_2014, wmca_plan_for_growth" in unknown.stderr
    assert unknown.stderr.endswith("; or give the path of a .yaml or .csv taxonomy file\n")


def test_invalid_user_file_exits_2(tmp_path: Path, capsys):
    bad = tmp_path / "bad.yaml"
    bad.write_text(
        'classification: sic2007\nclusters:\n  - id: x\n    name: X\n    codes: ["29", "99999"]\n', encoding="utf-8"
    )
    code, out, err = run_main("taxonomy", "show", str(bad), capsys=capsys)
    assert code == 2 and out == ""
    assert err.startswith(f"error: unknown SIC 2007 code '99999' in cluster 'x' of {bad};")
    assert len(err.splitlines()) == 1


def test_the_program_ends_without_teardown_but_runs_exit_handlers_and_flushes_its_output():
    # The program (main() without arguments) ends with os._exit after a command that succeeded: exit handlers
    # registered before still run, every line written is there, and the exit code is 0.
    code = (
        "import atexit, sys; atexit.register(lambda: print('exit handler ran', file=sys.stderr)); "
        "from clusterplan.cli import main; main(); print('after main', file=sys.stderr)"
    )
    result = subprocess.run(
        [sys.executable, "-c", code, "taxonomy", "list"], capture_output=True, text=True, env=os.environ, timeout=300
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[-1].split()[0] == "wmca_plan_for_growth"  # the last line, flushed
    assert result.stderr.splitlines() == ["exit handler ran"]  # main() did not return to its caller


def test_a_caller_in_python_keeps_its_process(capsys: pytest.CaptureFixture[str]):
    code, out, _ = run_main("taxonomy", "list", capsys=capsys)
    assert code == 0 and "wmca_plan_for_growth" in out  # main(argv) returned here, in this process
