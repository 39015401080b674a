"""Ranks, percentiles and their change between years, by hand and on BRES 2015 and 2021 by ITL2 area."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from clusterplan._data import dataset_path
from clusterplan._exceptions import ParameterError
from clusterplan.measures.ranks import NOT_RANKED, measure_ranks, rank_change

NAN = float("nan")


@pytest.fixture
def panel() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "area_code": list("ABCDE") * 2,
            "unit_code": ["auto"] * 5 + ["steel"] * 5,
            "year": 2021,
            "employment": [500.0, 300, 300, 100, NAN, 10, 20, 30, 40, 50],
            "lq": [2.0, 1.5, 1.5, 1.5, 0.5, 1.0, 1.0, 1.0, 1.0, 1.0],
            "cells": [3, 3, 3, 3, 3, 2, 2, 2, 2, 2],
            "benchmark_total": 1e6,
        }
    )


def test_ranks_ties_and_missing(panel: pd.DataFrame) -> None:
    out = measure_ranks(panel)
    auto = out[out["unit_code"] == "auto"].set_index("area_code")
    # Employment 500, 300, 300, 100, missing: ties share the best rank (1224), the gap follows.
    assert auto["employment_rank"].tolist()[:4] == [1.0, 2.0, 2.0, 4.0] and np.isnan(auto.loc["E", "employment_rank"])
    assert (auto["employment_rank_of"] == 4).all()
    # Percentile = share of the other 3 regions beaten, a tie counting half: B beats D and half of C.
    assert auto["employment_percentile"].tolist()[:4] == pytest.approx([100.0, 50.0, 50.0, 0.0])
    assert np.isnan(auto.loc["E", "employment_percentile"])
    # LQ 2.0, 1.5 x 3, 0.5: three-way tie for 2nd; each beats E and half of the two others (2 of 4).
    assert auto["lq_rank"].tolist() == [1.0, 2.0, 2.0, 2.0, 5.0]
    assert auto["lq_percentile"].tolist() == pytest.approx([100.0, 50.0, 50.0, 50.0, 0.0])
    # All level: everyone is 1st and at the 50th percentile.
    steel = out[out["unit_code"] == "steel"]
    assert (steel["lq_rank"] == 1).all() and steel["lq_percentile"].tolist() == [50.0] * 5
    # Units are ranked separately: steel employment 50 is 1st among steel.
    assert steel.set_index("area_code").loc["E", "employment_rank"] == 1
    # Counts and constant benchmark columns are not ranked by default.
    assert "cells_rank" not in out.columns and "benchmark_total_rank" not in out.columns
    assert {"cells", "benchmark_total"} <= NOT_RANKED
    assert list(out.columns[: len(panel.columns)]) == list(panel.columns)


def test_lower_is_better_and_single_region(panel: pd.DataFrame) -> None:
    out = measure_ranks(panel, ["employment"], lower_is_better=["employment"])
    auto = out[out["unit_code"] == "auto"]
    assert auto["employment_rank"].tolist()[:4] == [4.0, 2.0, 2.0, 1.0]
    assert auto["employment_percentile"].tolist()[:4] == pytest.approx([0.0, 50.0, 50.0, 100.0])
    alone = measure_ranks(panel.head(1), ["lq"])
    assert alone["lq_rank"].tolist() == [1.0] and np.isnan(alone["lq_percentile"].iloc[0])
    with pytest.raises(ParameterError, match=r"no column.*growth to rank"):
        measure_ranks(panel, ["growth"])
    with pytest.raises(ParameterError, match=r"lower_is_better names column.*cells"):
        measure_ranks(panel, ["lq"], lower_is_better=["cells"])
    with pytest.raises(ParameterError, match=r"comparison column.*cluster_id"):
        measure_ranks(panel, comparable=["cluster_id"])


def test_rank_change_by_hand() -> None:
    panel = pd.DataFrame(
        {
            "area_code": ["A", "B", "C", "D", "A", "B", "C"],
            "unit_code": "auto",
            "year": [2015, 2015, 2015, 2015, 2021, 2021, 2021],
            "lq": [1.0, 2.0, 3.0, 4.0, 3.5, 2.5, 1.5],
        }
    )
    out = rank_change(panel, ["lq"], start_year=2015, end_year=2021).set_index("area_code")
    # 2015: D 1st, C 2nd, B 3rd, A 4th of 4. 2021 (D gone): A 1st, B 2nd, C 3rd of 3.
    assert out["lq_rank_start"].tolist() == [4.0, 3.0, 2.0, 1.0]
    assert out["lq_rank_end"].tolist()[:3] == [1.0, 2.0, 3.0] and np.isnan(out.loc["D", "lq_rank_end"])
    assert out["lq_rank_change"].tolist()[:3] == [3.0, 1.0, -1.0]  # positive = climbed
    assert out.loc["A", ["lq_rank_of_start", "lq_rank_of_end"]].tolist() == [4, 3]
    # Percentiles: A 0 -> 100, B 33.3 -> 50, C 66.7 -> 0.
    assert out["lq_percentile_change"].tolist()[:3] == pytest.approx([100.0, 50 - 100 / 3, -200 / 3])
    assert out.loc["A", ["lq_start", "lq_end"]].tolist() == [1.0, 3.5]
    # Only regions present in both years: D drops out of 2015 and ranks are out of 3 both times.
    common = rank_change(panel, ["lq"], start_year=2015, end_year=2021, common_areas=True).set_index("area_code")
    assert common["lq_rank_start"].tolist()[:3] == [3.0, 2.0, 1.0] and np.isnan(common.loc["D", "lq_rank_start"])
    assert common["lq_rank_change"].tolist()[:3] == [2.0, 0.0, -2.0]
    with pytest.raises(ParameterError, match=r"year.*2019 not in the panel; it has 2015, 2021"):
        rank_change(panel, ["lq"], start_year=2019, end_year=2021)
    with pytest.raises(ParameterError, match="start and end year are both 2021"):
        rank_change(panel, ["lq"], start_year=2021, end_year=2021)


def test_ranks_on_bres_divisions() -> None:
    facts = pd.read_parquet(dataset_path("bres_itl2_sic2"), columns=["area_code", "industry_code", "year", "value"])
    facts = facts[facts["year"].isin([2015, 2021])]
    totals = facts.groupby(["area_code", "year"])["value"].transform("sum")
    national = facts.groupby(["industry_code", "year"])["value"].transform("sum")
    grand = facts.groupby("year")["value"].transform("sum")
    panel = facts.rename(columns={"industry_code": "unit_code", "value": "employment"})
    panel["lq"] = (panel["employment"] / totals) / (national / grand)
    ranked = measure_ranks(panel)
    motor = ranked[(ranked["unit_code"] == "29") & (ranked["year"] == 2021)].set_index("area_code")
    # Employment in SIC 29, 2021: TLG3 28,000 > TLG1 21,000 > TLC2 10,000 (published counts).
    assert motor.loc[["TLG3", "TLG1", "TLC2"], "employment_rank"].tolist() == [1.0, 2.0, 3.0]
    assert motor.loc["TLG1", "lq_rank"] == 1 and motor.loc["TLG1", "lq_percentile"] == 100
    # Every rank equals 1 + the number of areas with a strictly higher value.
    for _, row in motor.iterrows():
        assert row["lq_rank"] == 1 + (motor["lq"] > row["lq"]).sum()
    change = rank_change(panel, start_year=2015, end_year=2021).set_index(["area_code", "unit_code"])
    assert len(change) == 40 * 88
    row = change.loc[("TLG3", "29")]
    assert row["employment_rank_end"] == 1
    assert row["employment_rank_change"] == row["employment_rank_start"] - 1
    assert {"lq_rank_change", "lq_percentile_change", "employment_percentile_change"} <= set(change.columns)
