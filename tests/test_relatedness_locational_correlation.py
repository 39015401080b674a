"""Locational correlation of employment (Delgado, Porter and Stern 2016): golden values computed by hand."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from clusterplan._exceptions import ParameterError, UnknownCodeError
from clusterplan.relatedness.locational_correlation import (
    LOCATIONAL_TRANSFORMS,
    between_cluster_relatedness,
    cluster_locational_correlation,
    employment_location_quotients,
    locational_correlation,
)

# Four areas of 100 jobs each. National employment: A 40, B 20, C 45, D 295 of 400.
PANEL = pd.DataFrame(
    {"A": [20, 10, 5, 5], "B": [10, 10, 0, 0], "C": [0, 5, 15, 25], "D": [70, 75, 80, 70]},
    index=pd.Index(["R1", "R2", "R3", "R4"], name="area_code"),
)


def test_location_quotients_by_hand() -> None:
    lq = employment_location_quotients(PANEL)
    # LQ_A = (A_r / 100) / (40 / 400) = A_r / 10; LQ_B = B_r / 5; LQ_C = C_r / 11.25.
    assert lq["A"].tolist() == pytest.approx([2.0, 1.0, 0.5, 0.5])
    assert lq["B"].tolist() == pytest.approx([2.0, 2.0, 0.0, 0.0])
    assert lq["C"].tolist() == pytest.approx([0.0, 5 / 11.25, 15 / 11.25, 25 / 11.25])


def test_locational_correlation_by_hand() -> None:
    lc = locational_correlation(PANEL)
    # A centred: (1, 0, -0.5, -0.5), norm sqrt(1.5); B centred: (1, 1, -1, -1), norm 2; cross product 2.
    ab = 2 / (math.sqrt(1.5) * 2)
    # C in units of 1/11.25: (0, 5, 15, 25), centred (-11.25, -6.25, 3.75, 13.75), norm sqrt(368.75);
    # cross product with A: -11.25 + 0 - 1.875 - 6.875 = -20 (the scale 1/11.25 cancels).
    ac = -20 / (math.sqrt(1.5) * math.sqrt(368.75))
    # B with C: (1, 1, -1, -1) . (-11.25, -6.25, 3.75, 13.75) = -35.
    bc = -35 / (2 * math.sqrt(368.75))
    assert lc.loc["A", "B"] == pytest.approx(ab) and ab == pytest.approx(0.816497, abs=1e-6)
    assert lc.loc["A", "C"] == pytest.approx(ac) and ac == pytest.approx(-0.850390, abs=1e-6)
    assert lc.loc["B", "C"] == pytest.approx(bc)
    assert np.allclose(lc.to_numpy(), lc.to_numpy().T) and (np.diag(lc.to_numpy()) == 0).all()
    assert lc.index.tolist() == ["A", "B", "C", "D"]


def test_log_transform_and_area_totals() -> None:
    lc = locational_correlation(PANEL, transform="log_lq", industries=["A", "B"])
    a = np.log1p([2.0, 1.0, 0.5, 0.5])
    b = np.log1p([2.0, 2.0, 0.0, 0.0])
    assert lc.shape == (2, 2) and lc.loc["A", "B"] == pytest.approx(np.corrcoef(a, b)[0, 1])
    # Area totals larger than the rows (industries outside the panel) change the quotients: R1 has 200 jobs.
    totals = pd.Series({"R1": 200.0, "R2": 100.0, "R3": 100.0, "R4": 100.0})
    lq = employment_location_quotients(PANEL, area_totals=totals)
    assert lq.loc["R1", "A"] == pytest.approx((20 / 200) / (40 / 500))
    assert set(LOCATIONAL_TRANSFORMS) == {"lq", "log_lq"}
    with pytest.raises(UnknownCodeError):
        locational_correlation(PANEL, transform="rank")
    with pytest.raises(ParameterError, match="R4"):
        locational_correlation(PANEL, area_totals=totals.drop("R4"))
    with pytest.raises(UnknownCodeError):
        locational_correlation(PANEL, industries=["A", "Z"])


def test_cluster_locational_correlation_and_bcr_by_hand() -> None:
    mapping = pd.DataFrame({"cluster_id": ["ab", "ab", "c"], "industry_code": ["A", "B", "C"]})
    clusters = cluster_locational_correlation(PANEL, mapping)
    # Cluster ab: (30, 20, 5, 5) jobs of 100 in each area, LQ = x / 15; cluster c as C.
    expected = np.corrcoef([30, 20, 5, 5], [0, 5, 15, 25])[0, 1]
    assert clusters.loc["ab", "c"] == pytest.approx(expected) and expected == pytest.approx(-0.9206, abs=1e-4)
    bcr = between_cluster_relatedness(locational_correlation(PANEL), mapping)
    lc = locational_correlation(PANEL)
    assert bcr.loc["ab", "c"] == pytest.approx((lc.loc["A", "C"] + lc.loc["B", "C"]) / 2)
    assert bcr.loc["ab", "ab"] == pytest.approx(lc.loc["A", "B"])  # WCR of a two-industry cluster
    assert math.isnan(bcr.loc["c", "c"])  # one industry: no within-cluster pair


def test_us_metros_automotive_industries_are_colocated() -> None:
    from clusterplan._data import dataset_path

    facts = pd.read_parquet(dataset_path("us_cbp_2019_cbsa"))
    facts = facts[(facts["measure"] == "employment") & (facts["industry_code"].str.len() == 6)]
    employment = facts.pivot_table(
        index="area_code", columns="industry_code", values="value", aggfunc="sum", fill_value=0.0
    )
    codes = ["336111", "336390", "336350", "522110"]
    logged = locational_correlation(employment, industries=codes, transform="log_lq")
    # Light vehicles go with other motor-vehicle parts and with transmissions, not with commercial banking.
    assert logged.loc["336111", "336390"] > 0.15 and logged.loc["336111", "336350"] > 0.15
    assert abs(logged.loc["336111", "522110"]) < 0.05
    # Raw quotients across 933 CBSAs are dominated by a few small areas with huge LQs (and withheld cells): the
    # same pairs barely correlate, which is why define-clusters correlates log(1 + LQ) (module docstring).
    raw = locational_correlation(employment, industries=codes)
    assert raw.loc["336111", "336350"] < 0.05 < logged.loc["336111", "336350"]
