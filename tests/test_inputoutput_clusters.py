"""Clusters in the input-output model (weights, linkages, partners, gaps) and the impact calculator.

Hand-worked values use Miller and Blair's two-sector economy (Z = [[150, 500], [200, 100]], x = [1000, 2000];
Miller and Blair 2009, section 2.3) and real BRES 2019 rows (tests/fixtures/inputoutput_regional).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from _util import FIXTURES
from clusterplan import ParameterError, UnknownCodeError
from clusterplan.inputoutput.clusters import (
    OTHER_INDUSTRIES,
    cluster_flows,
    cluster_industry_shares,
    cluster_industry_weights,
    cluster_input_sourcing,
    cluster_linkages,
    cluster_location_quotients,
    main_suppliers_and_customers,
    region_supply_chain_gaps,
    supply_chain_gaps,
    taxonomy_national_shares,
    taxonomy_weights,
)
from clusterplan.inputoutput.impact import EFFECTS, cluster_impact, direct_change, impact_effects
from clusterplan.inputoutput.iomath import close_to_households, technical_coefficients
from clusterplan.inputoutput.national import multipliers_table, national_model
from clusterplan.inputoutput.regional import national_view, regional_model
from clusterplan.pipeline.tables import reference_tables

TABLES = reference_tables()

HERE = FIXTURES / "inputoutput_regional"
LABELS = ["1", "2"]


@pytest.fixture
def mb() -> tuple[pd.DataFrame, pd.Series, pd.DataFrame]:
    Z = pd.DataFrame([[150.0, 500.0], [200.0, 100.0]], index=LABELS, columns=LABELS)
    x = pd.Series([1000.0, 2000.0], index=LABELS)
    return Z, x, technical_coefficients(Z, x)


# --------------------------------------------------------------------------- weights and flows


def test_cluster_industry_weights_by_hand():
    mapping = pd.DataFrame({"cluster_id": ["cars", "cars", "planes"], "industry_code": ["29100", "29320", "30300"]})
    # Real BRES 2019 West Midlands rows: C29 = 18000 (29100) + 450 + 350 + 15 + 400 + 10000 (29320) = 29215.
    raw = pd.read_csv(HERE / "bres_2019_ukg3_c27_c29_c30_c33.csv", dtype={"INDUSTRY_CODE": str})
    employment = raw.set_index("INDUSTRY_CODE")["COUNT"]
    industry_of = pd.Series({code: "C" + code[:2] for code in employment.index})
    industry_of["30300"] = "C303"
    weights = cluster_industry_weights(mapping, employment, industry_of, ["C29", "C303", "C27", "L68A"])
    assert list(weights.columns) == ["cars", "planes", OTHER_INDUSTRIES]
    assert weights.loc["C29", "cars"] == pytest.approx(28000 / 29215)
    assert weights.loc["C29", OTHER_INDUSTRIES] == pytest.approx(1215 / 29215)
    assert weights.loc["C303"].tolist() == [0.0, 1.0, 0.0]
    # No cluster code in C27; no employment at all in L68A: wholly "other".
    assert weights.loc["C27"].tolist() == [0.0, 0.0, 1.0]
    assert weights.loc["L68A"].tolist() == [0.0, 0.0, 1.0]
    # Fallback employment for an industry the region lacks.
    fallback = pd.Series({"29100": 1.0, "29201": 3.0})
    no_cars = employment.drop([c for c in employment.index if c.startswith("29")])
    weights = cluster_industry_weights(mapping, no_cars, industry_of, ["C29"], fallback_employment=fallback)
    assert weights.loc["C29", "cars"] == pytest.approx(0.25)


def test_fallback_shares_made_once_give_the_weights_of_the_fallback_employment():
    mapping = pd.DataFrame({"cluster_id": ["cars", "cars", "planes"], "industry_code": ["29100", "29320", "30300"]})
    industry_of = pd.Series({"29100": "C29", "29201": "C29", "29320": "C29", "30300": "C303", "27200": "C27"})
    fallback = pd.Series({"29100": 1.0, "29201": 3.0, "29320": 4.0, "30300": 2.0, "27200": 5.0})
    shares = cluster_industry_shares(mapping, fallback, industry_of, ["C29", "C303", "C27"])
    # C29: 1 + 4 of 8 jobs in cars; C27 has jobs in no cluster.
    assert shares.by_cluster.loc["C29"].tolist() == [5.0, 0.0]
    assert (shares.union["C29"], shares.totals["C29"], shares.totals["C27"]) == (5.0, 8.0, 5.0)
    region = pd.Series({"30300": 6.0, "27200": 1.0})  # no C29 jobs: C29 falls back
    expected = cluster_industry_weights(
        mapping, region, industry_of, ["C29", "C303", "C27"], fallback_employment=fallback
    )
    weights = cluster_industry_weights(mapping, region, industry_of, ["C29", "C303", "C27"], fallback_shares=shares)
    pd.testing.assert_frame_equal(weights, expected)
    assert weights.loc["C29", "cars"] == 5.0 / 8.0
    with pytest.raises(ParameterError, match="not both"):
        cluster_industry_weights(
            mapping, region, industry_of, ["C29"], fallback_employment=fallback, fallback_shares=shares
        )


def test_taxonomy_weights_with_national_shares_made_once_are_the_same():
    national = taxonomy_national_shares(TABLES, "wmca_plan_for_growth")
    for region in ("TLG3", "TLC1", "TLI3"):
        expected = taxonomy_weights(TABLES, "wmca_plan_for_growth", region)
        found = taxonomy_weights(TABLES, "wmca_plan_for_growth", region, national_shares=national)
        assert found.to_numpy().tobytes() == expected.to_numpy().tobytes()
        pd.testing.assert_frame_equal(found, expected)
    # Another taxonomy's shares are its own clusters'.
    other = taxonomy_national_shares(TABLES, "uk_industrial_strategy_is8")
    assert list(other.by_cluster.columns) != list(national.by_cluster.columns)


def test_overlapping_clusters_count_in_both():
    mapping = pd.DataFrame({"cluster_id": ["a", "b"], "industry_code": ["1", "1"]})
    weights = cluster_industry_weights(mapping, pd.Series({"1": 2.0, "2": 2.0}), pd.Series({"1": "X", "2": "X"}), ["X"])
    assert weights.loc["X"].tolist() == [0.5, 0.5, 0.5]


def test_cluster_flows_and_partners_by_hand(mb):
    Z, _, _ = mb
    W = pd.DataFrame({"c": [1.0, 0.5], OTHER_INDUSTRIES: [0.0, 0.5]}, index=LABELS)
    flows = cluster_flows(Z, W)
    # F_cc = 150 + 0.5*500 + 0.5*200 + 0.25*100 = 525; F_c,other = 0.5*500 + 0.25*100 = 275.
    assert flows.values.tolist() == [[525.0, 275.0], [125.0, 25.0]]
    assert flows.to_numpy().sum() == pytest.approx(Z.to_numpy().sum())
    partners = main_suppliers_and_customers(Z, W, industry_names=pd.Series({"1": "one", "2": "two"}), top=2)
    suppliers = partners[partners["relation"] == "supplier"]
    # Cluster c buys from 1: 150 + 0.5*500 = 400; from 2: 200 + 0.5*100 = 250.
    assert suppliers[["partner_code", "partner_name", "flow_gbp_m"]].values.tolist() == [
        ["1", "one", 400.0],
        ["2", "two", 250.0],
    ]
    assert suppliers["share"].round(4).tolist() == [0.6154, 0.3846]
    customers = partners[partners["relation"] == "customer"]
    # Cluster c sells to 1: 150 + 0.5*200 = 250; to 2: 500 + 0.5*100 = 550.
    assert customers[["partner_code", "flow_gbp_m"]].values.tolist() == [["2", 550.0], ["1", 250.0]]
    with pytest.raises(UnknownCodeError, match="unknown partner level 'sector'"):
        main_suppliers_and_customers(Z, W, by="sector")


def test_cluster_input_sourcing_and_gaps_by_hand(mb):
    _, _, A = mb
    R = pd.DataFrame([[0.15, 0.25], [0.05, 0.02]], index=LABELS, columns=LABELS)
    output = pd.Series({"1": 100.0, "2": 200.0})
    W = pd.DataFrame({"c": [1.0, 0.5]}, index=LABELS)
    sourcing = cluster_input_sourcing(A, R, output, W)
    # Domestic inputs 0.35*100 + 0.5*0.30*200 = 65; in region 0.20*100 + 0.5*0.27*200 = 47.
    assert sourcing.loc["c", "inputs_domestic_gbp_m"] == pytest.approx(65.0)
    assert sourcing.loc["c", "share_in_region"] == pytest.approx(47 / 65)
    gaps = supply_chain_gaps(A, R, output, W, ["c"], industry_names=pd.Series({"1": "one", "2": "two"}))
    # Input 2: needed 0.2*100 + 0.5*0.05*200 = 25, local 0.05*100 + 0.5*0.02*200 = 7, imported 18 (RPC 0.28).
    assert gaps[["rank", "industry_code", "industry_name"]].values.tolist() == [[1, "2", "two"]]
    assert gaps.loc[0, "imported_gbp_m"] == pytest.approx(18.0)
    assert gaps.loc[0, "regional_purchase_coefficient"] == pytest.approx(0.28)
    assert gaps.loc[0, "buying_clusters"] == "c (100%)"
    assert supply_chain_gaps(A, R, output, W, []).empty
    with pytest.raises(UnknownCodeError, match="unknown cluster 'd'"):
        supply_chain_gaps(A, R, output, W, ["d"])
    with pytest.raises(ParameterError, match="threshold must be in"):
        supply_chain_gaps(A, R, output, W, ["c"], threshold=0)


def test_taxonomy_weights_of_real_clusters():
    weights = taxonomy_weights(TABLES, "wmca_plan_for_growth", "TLG3")
    # Aerospace is SIC 30300 (all of C303) and 33160 (all of C3316).
    assert weights.loc["C303", "aerospace"] == 1.0
    assert weights.loc["C3316", "aerospace"] == 1.0
    assert weights["aerospace"].drop(["C303", "C3316"]).eq(0).all()
    # EV and batteries: 27200, 29100, 29310, 29320. West Midlands BRES 2019 (fixture rows):
    # C29 = (18000 + 400 + 10000) / 29215; C27 = 30 / 1465.
    raw = pd.read_csv(HERE / "bres_2019_ukg3_c27_c29_c30_c33.csv", dtype={"INDUSTRY_CODE": str})
    c27 = raw[raw["INDUSTRY_CODE"].str.startswith("27")]["COUNT"].sum()
    assert c27 == 1465
    assert weights.loc["C29", "ev_batteries"] == pytest.approx(28400 / 29215)
    assert weights.loc["C27", "ev_batteries"] == pytest.approx(30 / 1465)
    assert weights.loc["L68A", OTHER_INDUSTRIES] == 1.0
    assert weights.to_numpy().min() >= 0 and weights.to_numpy().max() <= 1


def test_linkages_conserve_flows(tmp_path: Path):
    # A taxonomy without overlapping codes: the cluster matrix adds up to the whole table.
    path = tmp_path / "two.yaml"
    path.write_text(
        "name: two\ntitle: Two clusters\nclassification: sic2007\nsource: test\n"
        "clusters:\n  - id: vehicles\n    name: Vehicles\n    codes: ['29']\n"
        "  - id: engineering\n    name: Engineering\n    codes: ['71', '2562']\n",
        encoding="utf-8",
    )
    national = cluster_linkages(TABLES, str(path))
    model = national_model(TABLES)
    assert national.flows.to_numpy().sum() == pytest.approx(model.Z.to_numpy().sum())
    assert national.input_sourcing is None
    assert national.flows.loc["vehicles", "vehicles"] == pytest.approx(model.Z.loc["C29", "C29"])
    regional = cluster_linkages(TABLES, str(path), region="TLG3")
    rmodel = regional_model(TABLES, "TLG3")
    assert regional.flows.to_numpy().sum() == pytest.approx(rmodel.Z.to_numpy().sum())
    assert (regional.flows.to_numpy() <= national.flows.to_numpy() + 1e-9).all()
    share = regional.input_sourcing.loc["vehicles", "share_in_region"]
    expected = rmodel.input_sourcing().loc["C29", "share_in_region"]
    assert share == pytest.approx(expected)  # the cluster is all of C29
    table = regional.table()
    assert table.columns[:5].tolist() == [
        "supplier_cluster",
        "supplier_name",
        "buyer_cluster",
        "buyer_name",
        "flow_gbp_m",
    ]
    assert table["flow_gbp_m"].is_monotonic_decreasing
    inputs = table.groupby("buyer_cluster")["share_of_buyer_inputs"].sum()
    assert inputs.to_numpy() == pytest.approx(np.ones(3))
    partners = regional.partners
    vehicle_suppliers = partners[(partners["cluster_id"] == "vehicles") & (partners["relation"] == "supplier")]
    assert vehicle_suppliers["partner_code"].iloc[0] == "C29"  # motor vehicles buy most from themselves
    assert len(vehicle_suppliers) == 5


def test_cluster_location_quotients_match_profile_region(warehouse):
    from clusterplan.pipeline.profile import profile_region

    ours = cluster_location_quotients(TABLES, "wmca_plan_for_growth", "TLG3", year=2019)
    profile = profile_region(warehouse, region="TLG3", taxonomy="wmca_plan_for_growth", year=2019)
    theirs = profile.clusters.set_index("cluster_id")["lq"].reindex(ours.index)
    assert ours.to_numpy() == pytest.approx(theirs.to_numpy())
    from clusterplan.pipeline import supply_chain_gaps

    gaps = supply_chain_gaps(warehouse, "TLG3")
    assert gaps.attrs["strong_clusters"] == [c for c in ours.index if ours[c] >= 1]


def test_real_supply_chain_gaps():
    gaps = region_supply_chain_gaps(TABLES, "TLG3", "wmca_plan_for_growth")
    assert gaps.attrs["strong_clusters"] == ["ev_batteries", "low_carbon_utilities", "future_housing", "logistics"]
    assert len(gaps) > 10
    assert (gaps["regional_purchase_coefficient"] < 0.5).all()
    assert gaps["imported_gbp_m"].is_monotonic_decreasing
    assert gaps["rank"].tolist() == list(range(1, len(gaps) + 1))
    assert (gaps["imported_gbp_m"] == gaps["inputs_needed_gbp_m"] - gaps["bought_in_region_gbp_m"]).all()
    chosen = region_supply_chain_gaps(TABLES, "TLG3", strong_clusters=["aerospace"], threshold=0.9)
    assert chosen.attrs["strong_clusters"] == ["aerospace"]
    assert chosen["buying_clusters"].str.startswith("aerospace").all()
    with pytest.raises(ParameterError, match="needs SIC 2007 clusters"):
        region_supply_chain_gaps(TABLES, "TLG3", "us_cmp_traded_2014")


# --------------------------------------------------------------------------- impact calculator


def test_impact_two_sector_by_hand(mb):
    _, _, A = mb
    f = pd.Series({"1": 100.0, "2": 0.0})
    # L = (I - A)^-1 = [[0.95, 0.25], [0.2, 0.85]] / 0.7575; L f = [125.4125, 26.4026].
    result = impact_effects(
        A,
        f,
        gva_coefficients=pd.Series({"1": 0.65, "2": 0.70}),
        employment_coefficients=pd.Series({"1": 10.0, "2": 4.0}),
    )
    table = result.by_industry.set_index("industry_code")
    assert table["direct_output"].tolist() == [100.0, 0.0]
    assert table["indirect_output"].round(4).tolist() == [25.4125, 26.4026]
    assert table["induced_output"].tolist() == [0.0, 0.0]
    assert table["indirect_gva"].round(4).tolist() == [16.5182, 18.4818]
    assert table["total_jobs"].round(4).tolist() == [1254.1254, 105.6106]
    totals = result.totals
    assert list(totals.index) == list(EFFECTS)
    assert totals.loc["total", "output_gbp_m"] == pytest.approx(100 * 1.15 / 0.7575)
    assert totals.loc["direct", "gva_gbp_m"] == pytest.approx(65.0)


def test_impact_induced_effects_solve_the_closed_model(mb):
    _, _, A = mb
    h_r = pd.Series({"1": 0.3, "2": 0.25})  # compensation per unit of output
    h_c = pd.Series({"1": 0.2, "2": 0.4})  # household purchases per unit of income
    closed = close_to_households(A, h_r, h_c)
    result = impact_effects(A, pd.Series({"1": 100.0}), closed=closed)
    table = result.by_industry.set_index("industry_code").loc[LABELS]
    x = table["total_output"].to_numpy()
    income = float(h_r.to_numpy() @ x)
    # The closed model's balance: x = A x + h_C * income + f.
    assert x == pytest.approx(A.to_numpy() @ x + h_c.to_numpy() * income + np.array([100.0, 0.0]))
    assert (table["induced_output"] > 0).all()
    type_one = table["direct_output"] + table["indirect_output"]
    assert type_one.round(4).tolist() == [125.4125, 26.4026]


def test_direct_change_units():
    shares = pd.Series({"a": 3.0, "b": 1.0})
    assert direct_change(shares, 100.0).tolist() == [75.0, 25.0]
    assert direct_change(shares, 100.0, "output").tolist() == [75.0, 25.0]
    # 100 jobs: 75 in a (10 jobs per £1m -> £7.5m), 25 in b (5 per £1m -> £5m).
    assert direct_change(shares, 100.0, "jobs", pd.Series({"a": 10.0, "b": 5.0})).tolist() == [7.5, 5.0]
    with pytest.raises(UnknownCodeError, match="unknown unit 'pounds'; valid choices: gbp_m, output, jobs"):
        direct_change(shares, 1.0, "pounds")
    with pytest.raises(ParameterError, match="every share is zero"):
        direct_change(shares * 0, 1.0)
    with pytest.raises(ParameterError, match="employs nobody"):
        direct_change(shares, 1.0, "jobs", pd.Series({"a": 10.0, "b": 0.0}))


def test_total_output_of_one_pound_is_the_output_multiplier():
    national = multipliers_table(national_model(TABLES), 1).set_index("industry_code")
    result = cluster_impact(TABLES, 1.0, industry="C101", induced=False)
    assert result.totals.loc["total", "output_gbp_m"] == pytest.approx(national.loc["C101", "output_multiplier"])
    assert round(float(result.totals.loc["total", "output_gbp_m"]), 3) == 2.396
    assert result.totals.loc["total", "gva_gbp_m"] == pytest.approx(national.loc["C101", "gva_effect"])
    regional = regional_model(TABLES, "TLG3", method="aflq")
    for kind in (1, 2):
        table = regional.multipliers(kind).set_index("industry_code")
        for code in ("C29", "H52", "M71"):
            result = cluster_impact(TABLES, 1.0, region="TLG3", industry=code, method="aflq", induced=kind == 2)
            assert result.totals.loc["total", "output_gbp_m"] == pytest.approx(table.loc[code, "output_multiplier"])
            assert result.totals.loc["total", "jobs"] == pytest.approx(table.loc[code, "employment_effect"])


def test_cluster_impact_in_a_region():
    result = cluster_impact(TABLES, 100.0, region="TLG3", cluster="Aerospace")
    assert result.parameters["cluster_id"] == "aerospace"
    table = result.by_industry.set_index("industry_code")
    # The £100m is split between C303 and C3316 by the cluster's regional output.
    model = regional_model(TABLES, "TLG3")
    split = model.x[["C303", "C3316"]] / model.x[["C303", "C3316"]].sum() * 100
    assert table.loc[["C303", "C3316"], "direct_output"].to_numpy() == pytest.approx(split.to_numpy())
    assert result.totals.loc["direct", "output_gbp_m"] == pytest.approx(100.0)
    totals = result.totals
    assert totals.loc["total"].to_numpy() == pytest.approx(
        totals.loc[["direct", "indirect", "induced"]].sum().to_numpy()
    )
    assert (totals.loc[["indirect", "induced"], "output_gbp_m"] > 0).all()
    # Jobs: 1,000 direct jobs spread by employment.
    jobs = cluster_impact(TABLES, 1000.0, region="TLG3", cluster="aerospace", unit="jobs")
    assert jobs.totals.loc["direct", "jobs"] == pytest.approx(1000.0)
    # The same change nationally ripples further than in one region.
    national = cluster_impact(TABLES, 100.0, cluster="aerospace")
    assert national.totals.loc["total", "output_gbp_m"] > result.totals.loc["total", "output_gbp_m"]
    long = result.to_frame()
    assert set(long["effect"]) == set(EFFECTS)
    total_row = long[(long["industry_code"] == "TOTAL") & (long["effect"] == "total") & (long["measure"] == "jobs")]
    assert total_row["value"].iloc[0] == pytest.approx(totals.loc["total", "jobs"])
    assert "top 3 industries by total output" in result.summary(3)


def test_cluster_impact_errors():
    with pytest.raises(UnknownCodeError, match=r"unknown cluster of wmca_plan_for_growth 'rockets'; valid choices: "):
        cluster_impact(TABLES, 1.0, region="TLG3", cluster="rockets")
    with pytest.raises(ParameterError, match="give either a cluster or an industry"):
        cluster_impact(TABLES, 1.0, region="TLG3")
    with pytest.raises(UnknownCodeError, match="unknown IOAT industry 'Z99'"):
        cluster_impact(TABLES, 1.0, industry="Z99")
    with pytest.raises(UnknownCodeError, match="unknown region 'nowhere'"):
        cluster_impact(TABLES, 1.0, region="nowhere", industry="C29")
    view = national_view(TABLES)
    assert view.region_name == "United Kingdom"


def _grouped_shares(monkeypatch: pytest.MonkeyPatch, *args: object) -> object:
    """cluster_industry_shares by its merge and group-bys (the NumPy sums turned off)."""
    from clusterplan.inputoutput import clusters

    with monkeypatch.context() as patch:
        patch.setattr(clusters, "_whole_job_shares", lambda *_: None)
        return cluster_industry_shares(*args)  # type: ignore[arg-type]


def _same_shares(found: object, expected: object) -> None:
    for name in ("by_cluster", "union", "totals"):
        a, b = getattr(found, name), getattr(expected, name)
        assert a.to_numpy().tobytes() == b.to_numpy().tobytes()
        if name == "by_cluster":
            pd.testing.assert_frame_equal(a, b, check_exact=True)
        else:
            pd.testing.assert_series_equal(a, b, check_exact=True)


def test_whole_job_shares_are_the_grouped_sums_to_the_bit(monkeypatch: pytest.MonkeyPatch):
    import pickle

    from clusterplan.inputoutput import clusters
    from clusterplan.inputoutput.regional import _national, _sic_table, _sic_to_ioat
    from clusterplan.taxonomy import load_taxonomy

    sic = _sic_table(TABLES, 2019, None)
    industry_of = _sic_to_ioat(TABLES)
    industries = list(_national(TABLES).industries)
    for name in ("wmca_plan_for_growth", "uk_industrial_strategy_is8", "gb_data_driven_sic"):
        mapping = load_taxonomy(name).mapping()
        for employment in [sic.sum(axis=0)] + [sic.loc[area] for area in list(sic.index)[::7]]:
            arguments = (mapping, employment, industry_of, industries)
            assert clusters._whole_job_shares(
                mapping, employment, industry_of, pd.Index(industries), clusters._clusters_of(mapping)
            )
            _same_shares(cluster_industry_shares(*arguments), _grouped_shares(monkeypatch, *arguments))
    # Regions' weights (one falling back on the nation's shares), pickled bytes and all.
    for region in ("TLG3", "TLC1"):
        found = taxonomy_weights(TABLES, "wmca_plan_for_growth", region)
        with monkeypatch.context() as patch:
            patch.setattr(clusters, "_whole_job_shares", lambda *_: None)
            expected = taxonomy_weights(TABLES, "wmca_plan_for_growth", region)
        assert pickle.dumps(found) == pickle.dumps(expected)


def test_whole_job_shares_by_hand_and_when_they_stand_aside(monkeypatch: pytest.MonkeyPatch):
    from clusterplan.inputoutput import clusters

    # A code in two clusters, a mapping row twice, a code with no industry, an industry the model lacks, a code
    # whose industry is missing, a cluster code without employment.
    mapping = pd.DataFrame(
        {
            "cluster_id": ["a", "a", "b", "b", "b", "c"],
            "industry_code": ["1", "2", "1", "3", "3", "9"],
        }
    )
    industry_of = pd.Series({"1": "X", "2": "X", "3": "Y", "4": "Z", "5": None, "6": "Y"}, dtype=object)
    employment = pd.Series({"1": 2.0, "2": 5.0, "3": 7.0, "4": 11.0, "5": 13.0, "6": 1.0, "7": 3.0})
    arguments = (mapping, employment, industry_of, ["X", "Y", "W"])
    found = cluster_industry_shares(*arguments)
    assert found.by_cluster.loc["X"].tolist() == [7.0, 2.0, 0.0]
    assert found.by_cluster.loc["Y"].tolist() == [0.0, 14.0, 0.0]  # the repeated row counts twice, as merged
    assert (found.union["X"], found.union["Y"], found.totals["Y"], found.totals["W"]) == (7.0, 7.0, 8.0, 0.0)
    _same_shares(found, _grouped_shares(monkeypatch, *arguments))
    index, ids = pd.Index(["X", "Y", "W"]), clusters._clusters_of(mapping)
    assert clusters._whole_job_shares(mapping, employment, industry_of, index, ids) is not None
    # Not whole jobs, not finite, a code twice, no cluster code with employment: the group-bys decide.
    for other in (
        employment.add(0.5),
        employment.where(employment.index != "2", np.nan),
        pd.Series([1.0, 2.0], index=["1", "1"]),
        pd.Series({"4": 3.0}),
    ):
        assert clusters._whole_job_shares(mapping, other, industry_of, index, ids) is None
        if other.index.is_unique:
            _same_shares(
                cluster_industry_shares(mapping, other, industry_of, ["X", "Y", "W"]),
                _grouped_shares(monkeypatch, mapping, other, industry_of, ["X", "Y", "W"]),
            )


def test_weights_are_clipped_only_when_a_share_is_outside_0_1(monkeypatch: pytest.MonkeyPatch):
    import pickle

    mapping = pd.DataFrame({"cluster_id": ["a", "b"], "industry_code": ["1", "2"]})
    industry_of = pd.Series({"1": "X", "2": "X", "3": "Y"})
    # Within [0, 1]: the same frame, layout and all, as clipping gives.
    employment = pd.Series({"1": 3.0, "2": 1.0, "3": 2.0})
    found = cluster_industry_weights(mapping, employment, industry_of, ["X", "Y", "W"])
    clipped = found.clip(lower=0.0, upper=1.0)
    clipped.index.name, clipped.columns.name = "industry_code", "cluster_id"
    assert pickle.dumps(found) == pickle.dumps(clipped)
    assert found.loc["X"].tolist() == [0.75, 0.25, 0.0] and found.loc["Y"].tolist() == [0.0, 0.0, 1.0]
    # Negative jobs put shares outside: clipped as before (a's -0.5 at 0, b's 1.5 at 1; "other" 1 - 5/3 at 1).
    negative = pd.Series({"1": -1.0, "2": 3.0, "3": 2.0})
    weights = cluster_industry_weights(mapping, negative, industry_of, ["X", "Y"])
    assert weights.loc["X"].tolist() == [0.0, 1.0, 0.0]
    negative_other = pd.Series({"1": -1.0, "2": -1.0, "3": 2.0, "4": 5.0})
    weights = cluster_industry_weights(
        mapping, negative_other, pd.Series({"1": "X", "2": "X", "3": "Y", "4": "X"}), ["X"]
    )
    assert weights.loc["X"].tolist() == [0.0, 0.0, 1.0]


def test_weights_of_arrays_are_the_frames_weights_pickled_alike(monkeypatch: pytest.MonkeyPatch):
    import pickle

    from clusterplan.inputoutput import clusters

    def both(*args: object, **kwargs: object) -> tuple[pd.DataFrame, pd.DataFrame]:
        found = cluster_industry_weights(*args, **kwargs)  # type: ignore[arg-type]
        with monkeypatch.context() as patch:
            patch.setattr(clusters, "_on_the_same_labels", lambda *_: False)
            expected = cluster_industry_weights(*args, **kwargs)  # type: ignore[arg-type]
        assert pickle.dumps(found) == pickle.dumps(expected)
        return found, expected

    mapping = pd.DataFrame({"cluster_id": ["cars", "cars", "planes"], "industry_code": ["29100", "29320", "30300"]})
    industry_of = pd.Series({"29100": "C29", "29201": "C29", "29320": "C29", "30300": "C303", "27200": "C27"})
    industries = ["C29", "C303", "C27", "L68A"]
    fallback = pd.Series({"29100": 1.0, "29201": 3.0, "29320": 4.0, "30300": 2.0, "27200": 5.0})
    shares = cluster_industry_shares(mapping, fallback, industry_of, industries)
    assert clusters._on_the_same_labels(shares, shares)
    # No C29 jobs (falls back: 5 of 8 in cars), NaN in C27 (kept: no weights), none at all in L68A.
    region = pd.Series({"30300": 6.0, "27200": np.nan, "29100": 0.0})
    found, _ = both(mapping, region, industry_of, industries, fallback_shares=shares)
    assert found.loc["C29"].tolist() == [5.0 / 8.0, 0.0, 3.0 / 8.0]
    assert found.loc["C303"].tolist() == [0.0, 1.0, 0.0]
    assert found.loc["L68A"].tolist() == [0.0, 0.0, 1.0]
    both(mapping, region, industry_of, industries, fallback_employment=fallback)
    both(mapping, region, industry_of, industries)
    # Negative jobs: shares outside [0, 1], clipped alike.
    found, _ = both(mapping, pd.Series({"29100": -2.0, "29201": 4.0, "30300": 1.0}), industry_of, industries)
    assert found.loc["C29"].tolist() == [0.0, 0.0, 1.0]
    # Real regions' weights with the nation's shares.
    national = taxonomy_national_shares(TABLES, "uk_industrial_strategy_is8")
    for region_code in ("TLG3", "TLC1", "TLI3"):
        found = taxonomy_weights(TABLES, "uk_industrial_strategy_is8", region_code, national_shares=national)
        with monkeypatch.context() as patch:
            patch.setattr(clusters, "_on_the_same_labels", lambda *_: False)
            expected = taxonomy_weights(TABLES, "uk_industrial_strategy_is8", region_code, national_shares=national)
        assert pickle.dumps(found) == pickle.dumps(expected)


def test_sic_mapping_is_made_once_per_taxonomy_and_equals_a_fresh_one():
    from clusterplan.inputoutput import clusters
    from clusterplan.taxonomy import load_taxonomy

    clusters._kept_mapping.cache_clear()
    tax = load_taxonomy("uk_industrial_strategy_is8")
    first = clusters._sic_mapping(tax)
    first.loc[0, "cluster_id"] = "changed"  # a caller's change stays its own
    second = clusters._sic_mapping(load_taxonomy("uk_industrial_strategy_is8"))
    pd.testing.assert_frame_equal(second, tax.mapping(), check_exact=True)
    assert second.loc[0, "cluster_id"] != "changed" and len(second) == len(tax.mapping()) > 0
    info = clusters._kept_mapping.cache_info()
    assert (info.misses, info.hits) == (1, 1)
    other = clusters._sic_mapping(load_taxonomy("wmca_plan_for_growth"))
    assert set(other["cluster_id"]) != set(second["cluster_id"]) and clusters._kept_mapping.cache_info().misses == 2


def test_partners_are_the_largest_positive_flows_with_ties_in_table_order() -> None:
    rng = np.random.default_rng(3)
    codes = [f"i{k:02d}" for k in range(12)]
    # Whole numbers 0-4 and a negative: many ties, zeros and a flow that is no partner.
    Z = pd.DataFrame(rng.integers(0, 5, (12, 12)).astype(float), index=codes, columns=codes)
    Z.iloc[3, 0] = -2.0
    Z.iloc[[7, 5]] = 9.0  # i05 and i07 tie as every cluster's largest suppliers
    W = pd.DataFrame(rng.random((12, 3)), index=codes, columns=["a", "b", OTHER_INDUSTRIES]).round(1)
    partners = main_suppliers_and_customers(Z, W, top=4)
    purchases = pd.DataFrame(Z.to_numpy() @ W.to_numpy(), index=codes, columns=W.columns)
    sales = pd.DataFrame(Z.to_numpy().T @ W.to_numpy(), index=codes, columns=W.columns)
    for (cluster, relation), got in partners.groupby(["cluster_id", "relation"], sort=False):
        column = (purchases if relation == "supplier" else sales)[cluster]
        # What a stable descending sort of the positive flows gives: equal flows in the table's order.
        best = column[column > 0].sort_values(ascending=False, kind="stable").head(4)
        assert got["partner_code"].tolist() == list(best.index) and got["rank"].tolist() == [1, 2, 3, 4]
        assert got["flow_gbp_m"].tolist() == best.tolist()
        assert got["share"].tolist() == (best / float(column.sum())).tolist()
    assert len(partners) == 16
    suppliers = partners[partners["relation"] == "supplier"]
    assert (
        suppliers.groupby("cluster_id")["partner_code"].apply(lambda c: c.tolist()[:2]).tolist() == [["i05", "i07"]] * 2
    )
