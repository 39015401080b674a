"""Two US runs with nothing stored write the same bytes: the sums of rebuilt CBP cells (fractions of a job) do
not depend on the order a parallel engine adds them in (clusterplan.measures.employment.exact_sum)."""

from __future__ import annotations

import filecmp
from pathlib import Path

import pandas as pd
import pytest

from _util import run_cli
from clusterplan import Warehouse
from clusterplan.measures.employment import exact_sum, industry_facts


@pytest.mark.slow
def test_two_us_runs_with_nothing_stored_write_identical_tables(warehouse_path: Path, tmp_path: Path) -> None:
    env = {"CLUSTERPLAN_WAREHOUSE": str(warehouse_path), "CLUSTERPLAN_CACHE": "off"}
    for name in ("first", "second"):
        run = run_cli(
            "run", "--region", "19820", "--analyses", "hotspots", "--quiet", "--out", str(tmp_path / name), env=env
        )
        assert run.returncode == 0, run.stderr
    tables = sorted(p.name for p in (tmp_path / "first").glob("*.csv"))
    # Where the last digits of the float sums used to change: establishments, national employment, the maps.
    assert {"regions.csv", "hotspots.csv", "unclassified_industries.csv"} <= set(tables)
    match, mismatch, errors = filecmp.cmpfiles(tmp_path / "first", tmp_path / "second", tables, shallow=False)
    assert mismatch == [] and errors == [] and match == tables
    regions = pd.read_csv(tmp_path / "first" / "regions.csv", dtype={"area_code": str})
    detroit = regions.set_index(["area_code", "cluster_id"]).loc[("19820", "automotive")]
    assert detroit["employment"] == pytest.approx(77178, abs=1)


def test_exact_sums_of_rebuilt_cells_are_the_decimal_sums(warehouse: Warehouse) -> None:
    rows = industry_facts(warehouse.facts, dataset="us_cbp_2019_cbsa_imputed", measure="establishments")
    rows = rows.filter(rows.area_code == "19820")
    summed = rows.group_by("industry_code").aggregate(total=exact_sum(rows.value), cells=rows.count()).to_pandas()
    values = rows.select("industry_code", "value").to_pandas()
    assert len(summed) > 100 and (summed["cells"] >= 1).all()
    # The exact sum is the float nearest the sum of the values' decimals (the rebuilt cells have three places, the
    # published ones none): whole when they add up to it.
    from decimal import Decimal

    expected = values.groupby("industry_code")["value"].agg(lambda v: float(sum(Decimal(repr(x)) for x in v)))
    found = summed.set_index("industry_code")["total"]
    pd.testing.assert_series_equal(found.sort_index(), expected.sort_index(), check_names=False, check_exact=True)
    assert exact_sum(warehouse.facts.value).type().is_floating()
