"""Traded/local classification by geographic concentration: hand-computed cases, input forms, errors, and the
real County Business Patterns 2019 and BRES ITL2 data shipped with the package."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from clusterplan._data import dataset_path
from clusterplan._exceptions import DataValidationError, ParameterError, UnknownCodeError
from clusterplan.measures.traded import (
    DEFAULT_THRESHOLDS,
    TRADED_LOCAL_COLUMNS,
    EmploymentMatrix,
    classify_traded_local,
    locational_gini,
    share_in_specialised_areas,
)


def read_facts(name: str) -> pd.DataFrame:
    """The employment rows of a package facts dataset (the CBP file also holds establishments)."""
    return pd.read_parquet(dataset_path(name), filters=[("measure", "==", "employment")])


AREAS = ["A", "B", "C", "D"]


@pytest.fixture(scope="module")
def toy() -> tuple[pd.DataFrame, pd.Series]:
    """Four areas of 100, 100, 200 and 600 jobs; 'ships' in two areas, 'shops' spread like all employment."""
    wide = pd.DataFrame(
        {"ships": [0.0, 0.0, 40.0, 10.0], "shops": [5.0, 5.0, 10.0, 30.0], "mines": [0.0, 8.0, 0.0, 0.0]},
        index=pd.Index(AREAS, name="area_code"),
    )
    return wide, pd.Series([100.0, 100.0, 200.0, 600.0], index=AREAS)


def test_locational_gini_by_hand(toy):
    wide, totals = toy
    gini = locational_gini(wide, totals)
    # ships: LQs A 0, B 0, C 4, D 1/3 -> order A, B, D, C; area shares .1 .1 .6 .2; cumulative industry shares
    # 0, 0, .2, 1.  G = 1 - (.1*0 + .1*0 + .6*(.2+0) + .2*(1+.2)) = 1 - .36 = .64.
    assert gini["ships"] == pytest.approx(0.64)
    # shops: every LQ is 1, so the Lorenz curve is the diagonal.
    assert gini["shops"] == pytest.approx(0.0, abs=1e-12)
    # mines: all in B (area share .1), which comes last: G = 1 - .1 * (1 + 0) = .9, whatever the order of the zeros.
    assert gini["mines"] == pytest.approx(0.9)
    assert gini.index.name == "industry_code" and gini.name == "locational_gini"


def test_share_in_specialised_areas_by_hand(toy):
    wide, totals = toy
    share = share_in_specialised_areas(wide, totals)
    # ships: LQ >= 1 only in C (40 of 50 jobs).
    assert share.to_dict() == pytest.approx({"ships": 0.8, "shops": 1.0, "mines": 1.0})


def test_classify_with_threshold_and_columns(toy):
    wide, totals = toy
    result = classify_traded_local(wide, area_totals=totals, threshold=0.7)
    assert list(result.columns) == TRADED_LOCAL_COLUMNS
    assert result["industry_code"].tolist() == ["mines", "ships", "shops"]
    assert result["employment"].tolist() == [8.0, 50.0, 50.0]
    assert result["traded"].tolist() == [True, False, False]
    # The threshold is inclusive: ships' Gini is exactly .64.
    assert classify_traded_local(wide, area_totals=totals, threshold=0.64)["traded"].tolist() == [True, True, False]
    by_share = classify_traded_local(wide, area_totals=totals, method="lq_share", threshold=0.9)
    assert by_share["traded"].tolist() == [True, False, True]
    assert DEFAULT_THRESHOLDS == {"gini": 0.45, "lq_share": 0.7}


def test_input_forms_agree(toy):
    wide, totals = toy
    expected = classify_traded_local(wide, area_totals=totals)
    matrix = EmploymentMatrix(wide, totals)
    pd.testing.assert_frame_equal(classify_traded_local(matrix), expected)
    long = wide.stack().rename("employment").reset_index().rename(columns={"level_1": "unit_code"})
    long["area_total"] = long["area_code"].map(totals)
    long["year"] = 2021
    pd.testing.assert_frame_equal(classify_traded_local(long), expected)
    # Without totals the industries themselves make the total: shops (spread like ships + mines) changes.
    without = locational_gini(wide)
    assert without["shops"] != pytest.approx(0.0)


def test_industries_without_employment_and_areas_without_jobs_are_left_out(toy):
    wide, totals = toy
    result = classify_traded_local(wide.assign(empty=0.0), area_totals=totals)
    assert "empty" not in set(result["industry_code"])
    extra = pd.concat([wide, pd.DataFrame({"ships": [0.0], "shops": [0.0], "mines": [0.0]}, index=["E"])])
    padded = classify_traded_local(extra, area_totals=pd.concat([totals, pd.Series({"E": 0.0})]))
    pd.testing.assert_frame_equal(padded, classify_traded_local(wide, area_totals=totals))


def test_errors(toy):
    wide, totals = toy
    with pytest.raises(ParameterError, match=r"unknown method 'entropy'; valid choices: gini, lq_share"):
        classify_traded_local(wide, method="entropy")
    with pytest.raises(ParameterError, match=r"threshold 1.5 is outside \[0, 1\]"):
        classify_traded_local(wide, threshold=1.5)
    negative = wide.copy()
    negative.loc["C", "ships"] = -4.0
    with pytest.raises(DataValidationError, match=r"column 'ships', code 'C': negative employment -4.0"):
        classify_traded_local(negative)
    text = wide.astype(object)
    text.loc["B", "mines"] = "n/a"
    with pytest.raises(DataValidationError, match=r"column 'mines', code 'B': employment 'n/a' is not a number"):
        locational_gini(text)
    with pytest.raises(DataValidationError, match=r"no area total for area 'D'"):
        classify_traded_local(wide, area_totals=totals.drop("D"))
    long = wide.stack().rename("value").reset_index().rename(columns={"level_1": "industry_code"})
    two_years = pd.concat([long.assign(year=2020), long.assign(year=2021)])
    with pytest.raises(ParameterError, match="the panel holds 2 years; pass the rows of one year"):
        classify_traded_local(two_years)


# --------------------------------------------------------------------------- real data: County Business Patterns


@pytest.fixture(scope="module")
def cbp() -> EmploymentMatrix:
    return EmploymentMatrix.from_facts(read_facts("us_cbp_2019_cbsa"), "us_cbp_2019_cbsa")


@pytest.fixture(scope="module")
def cmp_lists() -> tuple[set[str], set[str]]:
    """Current CMP traded codes, and 2007 local-cluster codes that the current set does not call traded."""
    traded = set(pd.read_parquet(dataset_path("cmp_traded_clusters"))["naics_code"])
    clusters_2007 = pd.read_parquet(dataset_path("cmp_clusters_2007"))
    local = set(clusters_2007.loc[clusters_2007["cluster_type"] == "local", "naics_code"])
    # 66 codes of the 2007 local clusters moved to traded clusters in the 2014 definitions.
    assert len(local & traded) == 66
    return traded, local - traded


def test_cbp_matrix(cbp):
    assert cbp.employment.shape == (933, 961)  # CBSAs x 6-digit NAICS 2017 industries
    assert cbp.total_source == "published total 00" and cbp.year == 2019 and cbp.classification == "naics2017"
    assert cbp.area_totals.sum() == 122_485_576.0
    # Hand check: CBSA 10100 (Aberdeen, SD) publishes 19,132 jobs in all industries.
    assert cbp.area_totals["10100"] == 19_132.0


def test_cbp_classification_agrees_with_the_cluster_mapping_lists(cbp, cmp_lists):
    traded, local = cmp_lists
    result = classify_traded_local(cbp).set_index("industry_code")
    on_traded = result.loc[result.index.isin(traded), "traded"]
    on_local = result.loc[result.index.isin(local), "traded"]
    assert (len(on_traded), int(on_traded.sum())) == (589, 549)  # 93.2% of CMP traded codes classified traded
    assert (len(on_local), int((~on_local).sum())) == (272, 202)  # 74.3% of local-cluster codes classified local
    agreement = (on_traded.sum() + (~on_local).sum()) / (len(on_traded) + len(on_local))
    assert agreement == pytest.approx(751 / 861)  # 87.2%
    # Traded industries (by this rule) hold 23.8% of CBSA employment.
    share = result.loc[result["traded"], "employment"].sum() / cbp.area_totals.sum()
    assert share == pytest.approx(0.23829720978737937)
    # Aircraft manufacturing is concentrated; full-service restaurants and physicians' offices are everywhere.
    assert result.loc["336411", "statistic"] == pytest.approx(0.919044, abs=1e-6)
    assert result.loc["722511", "statistic"] == pytest.approx(0.112096, abs=1e-6)
    assert result.loc[["336411", "325412", "722511", "621111", "445110"], "traded"].tolist() == [
        True,
        True,
        False,
        False,
        False,
    ]


def test_cbp_lq_share_method(cbp, cmp_lists):
    traded, local = cmp_lists
    result = classify_traded_local(cbp, method="lq_share").set_index("industry_code")
    on_traded = result.loc[result.index.isin(traded), "traded"]
    on_local = result.loc[result.index.isin(local), "traded"]
    assert int(on_traded.sum()) == 552 and int((~on_local).sum()) == 166


def test_gini_matches_a_plain_loop_on_real_data(cbp):
    """The vectorised Lorenz curve equals a straightforward per-industry computation."""
    code = "336411"
    totals = cbp.area_totals.to_numpy()
    values = cbp.employment[code].to_numpy()
    x = totals / totals.sum()
    y = values / values.sum()
    order = sorted(range(len(x)), key=lambda r: y[r] / x[r])
    gini, cumulative = 1.0, 0.0
    for r in order:
        gini -= x[r] * (2 * cumulative + y[r])
        cumulative += y[r]
    assert locational_gini(cbp)[code] == pytest.approx(gini, abs=1e-12)


# --------------------------------------------------------------------------- real data: BRES ITL2, SIC 5-digit


@pytest.fixture(scope="module")
def bres_facts() -> pd.DataFrame:
    return read_facts("bres_itl2_sic5")


@pytest.fixture(scope="module")
def bres(bres_facts) -> EmploymentMatrix:
    return EmploymentMatrix.from_facts(bres_facts, "bres_itl2_sic5")


def test_bres_matrix(bres):
    assert bres.year == 2021 and bres.total_source == "sum of industries"
    assert bres.employment.shape == (40, 729)
    assert bres.area_totals.sum() == 31_366_000.0  # GB employment 2021, as in the data MANIFEST (31.4 M)


def test_bres_classification(bres):
    result = classify_traded_local(bres, threshold=0.3).set_index("industry_code")
    # 691 of 729 subclasses have employment in 2021; 557 look traded at this threshold, holding 33.0% of jobs.
    assert len(result) == 691 and int(result["traded"].sum()) == 557
    share = result.loc[result["traded"], "employment"].sum() / bres.area_totals.sum()
    assert share == pytest.approx(0.33000669514761205)
    assert result.loc["29100", "statistic"] == pytest.approx(0.649382, abs=1e-6)  # motor vehicles
    assert result.loc["47110", "statistic"] == pytest.approx(0.141539, abs=1e-6)  # supermarkets
    traded = result.loc[["29100", "30300", "64191", "47110", "85200", "86210", "56101"], "traded"]
    assert traded.tolist() == [True, True, True, False, False, False, False]
    # With the default threshold (calibrated on 933 CBSAs), the 40 large ITL2 areas yield fewer traded industries.
    default = classify_traded_local(bres)
    assert int(default["traded"].sum()) == 416


def test_employment_matrix_year_and_columns(bres_facts):
    facts = bres_facts
    matrix = EmploymentMatrix.from_facts(facts, "bres_itl2_sic5", year=2015)
    assert matrix.year == 2015 and matrix.area_totals.sum() == pytest.approx(29_737_315.0)
    with pytest.raises(UnknownCodeError, match=r"unknown year '2030'; valid choices: 2015, 2016"):
        EmploymentMatrix.from_facts(facts, "bres_itl2_sic5", year=2030)
    with pytest.raises(DataValidationError, match=r"missing column\(s\) measure"):
        EmploymentMatrix.from_facts(facts.drop(columns="measure"))
    with pytest.raises(DataValidationError, match="no 'jobs' rows"):
        EmploymentMatrix.from_facts(facts, "bres_itl2_sic5", measure="jobs")
    assert np.isfinite(matrix.employment.to_numpy()).all()
