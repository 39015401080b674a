"""Absurd values are refused with the row, the column and the rule, by every importer and the user baselines.

Before: ``inf``, ``Infinity`` and ``1e20`` were loaded as employment counts, and an imported local-authority
file made Hartlepool a significant hotspot with 1e+20 jobs.
"""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from _util import run_cli
from clusterplan import DataValidationError
from clusterplan.pipeline.scenarios import read_baseline_csv
from clusterplan.sources.formats import read_user_file
from clusterplan.warehouse import Warehouse

NOMIS_HEADER = "DATE,GEOGRAPHY_NAME,GEOGRAPHY_CODE,INDUSTRY_NAME,INDUSTRY_CODE,COUNT\n"
GOOD_ROW = "2021,Hartlepool,E06000001,29100 : Manufacture of motor vehicles,29100,100\n"


def nomis_file(tmp_path: Path, value: str) -> Path:
    path = tmp_path / "lad.csv"
    path.write_text(NOMIS_HEADER + GOOD_ROW + f"2021,Hartlepool,E06000001,62012 : Software,62012,{value}\n")
    return path


@pytest.mark.parametrize(
    ("value", "problem"),
    [
        ("inf", "is not a finite number"),
        ("Infinity", "is not a finite number"),
        ("-inf", "is not a finite number"),
        ("NaN", "is not a number"),
        ("1e20", "is implausible: more than 200,000,000 in one cell"),
    ],
)
def test_nomis_refuses_non_finite_and_implausible_counts(tmp_path: Path, value: str, problem: str) -> None:
    with pytest.raises(DataValidationError) as caught:
        read_user_file(nomis_file(tmp_path, value), "nomis")
    assert caught.value.row == 2 and caught.value.column in ("value", "COUNT")
    assert problem in str(caught.value)


def test_long_csv_refuses_infinity(tmp_path: Path) -> None:
    path = tmp_path / "long.csv"
    path.write_text(
        "area_code,industry_code,year,measure,value\nE06000001,29100,2021,employment,5\n"
        "E06000001,62012,2021,employment,Infinity\n"
    )
    with pytest.raises(DataValidationError, match="row 2, column 'value', code '62012': value inf is not a finite"):
        read_user_file(path, "long")


def test_cbp_refuses_an_implausible_count(tmp_path: Path) -> None:
    path = tmp_path / "cbp2019_cbsa.csv"
    path.write_text("cbsa_code,naics_code,naics_level,EMP,ESTAB\n38920,00,2,9970,438\n38920,813910,6,1e20,3\n")
    with pytest.raises(DataValidationError, match="implausible"):
        read_user_file(path, "cbp")


def test_import_refuses_a_cell_larger_than_the_country(tmp_path: Path, fresh_warehouse: Path) -> None:
    # 50 million jobs pass the absolute ceiling but are more than all of Great Britain's 31.4 million (BRES 2021).
    facts, provenance = read_user_file(nomis_file(tmp_path, "50000000"), "nomis")
    with Warehouse(fresh_warehouse) as wh:
        before = wh.fingerprint()
        with pytest.raises(DataValidationError) as caught:
            wh.import_facts(facts, provenance, file="lad.csv")
        assert wh.fingerprint() == before
    message = str(caught.value)
    assert "row 2" in message and "column 'value'" in message and "code '62012'" in message
    assert "larger than all jobs in Great Britain (31,366,000 in 2021" in message


def test_cli_import_of_a_hostile_lad_file_fails_with_one_line(tmp_path: Path, fresh_warehouse: Path) -> None:
    result = run_cli(
        "data", "import", str(nomis_file(tmp_path, "1e+20")), "--format", "nomis", "--warehouse", str(fresh_warehouse)
    )
    assert result.returncode == 2
    errors = [line for line in result.stderr.splitlines() if line.startswith("error:")]
    assert len(errors) == 1 and "row 2" in errors[0] and "implausible" in errors[0]
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize(("jobs", "problem"), [("inf", "finite"), ("1e20", "implausible")])
def test_user_baseline_refuses_absurd_jobs(tmp_path: Path, jobs: str, problem: str) -> None:
    path = tmp_path / "baseline.csv"
    path.write_text(f"cluster,year,jobs\nlogistics,2030,1000\nlogistics,2031,{jobs}\n")
    with pytest.raises(DataValidationError, match=f"row 2, column 'jobs'.*{problem}"):
        read_baseline_csv(path)


def test_an_import_over_the_size_limit_is_refused_in_under_a_second(tmp_path: Path) -> None:
    path = tmp_path / "huge.csv"
    with path.open("w") as handle:  # sparse: 2.1 GB on paper, nothing on disk
        handle.write(NOMIS_HEADER)
        handle.truncate(2_100_000_000)
    start = time.perf_counter()
    with pytest.raises(DataValidationError, match=r"2,100,000,000 bytes is larger than the 2,000,000,000-byte limit"):
        read_user_file(path, "nomis")
    assert time.perf_counter() - start < 1.0


def test_an_import_path_that_is_a_directory_says_so(tmp_path: Path) -> None:
    with pytest.raises(DataValidationError, match="is a directory, not a file"):
        read_user_file(tmp_path, "nomis")
