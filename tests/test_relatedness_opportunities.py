"""Opportunities (feasibility against attractiveness, nascent clusters) and related clusters."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from _util import FIXTURES
from clusterplan import ParameterError, UnknownCodeError, gva_per_job, industry_measures, profile_region
from clusterplan.pipeline.opportunities import find_related_clusters, region_opportunities
from clusterplan.pipeline.profile import industry_employment
from clusterplan.relatedness import (
    QUADRANTS,
    RELATED_CLUSTER_COLUMNS,
    activity_matrix,
    attractiveness_index,
    cluster_colocation,
    cluster_io_links,
    cluster_opportunities,
    industry_opportunities,
    nascent_candidates,
    quadrant,
    related_clusters,
)
from clusterplan.relatedness.complexity import ComplexityResult, complexity
from clusterplan.warehouse import Warehouse

FOOD = ["1704", "1806", "1905", "2007", "2105"]
METALS = ["7307", "7308", "7309", "7310", "7325"]


@pytest.fixture(scope="module")
def trade() -> pd.DataFrame:
    return pd.read_csv(FIXTURES / "relatedness" / "ecomplexity_stata_1995.csv", dtype={"hs92": str})


@pytest.fixture(scope="module")
def result(trade: pd.DataFrame) -> ComplexityResult:
    return complexity(trade, area="origin", industry="hs92", value="export_val")


def test_attractiveness_is_weighted_mean_percentile() -> None:
    parts = pd.DataFrame({"pci": [1.0, 2.0, 3.0, 4.0], "gva_per_job": [40e3, 30e3, None, 90e3], "other": 1})
    # Row 0: PCI percentile 25, GVA per job 2nd of 3 known = 66.7 -> 45.8; row 2 has PCI only -> 75.
    assert attractiveness_index(parts).round(4).tolist() == [45.8333, 41.6667, 75.0, 100.0]
    weighted = attractiveness_index(parts, {"pci": 3.0, "gva_per_job": 1.0})
    assert weighted.iloc[0] == pytest.approx((3 * 25 + 66.6667) / 4, abs=1e-3)
    assert attractiveness_index(parts, {"national_growth": 1.0}).isna().all()
    with pytest.raises(ParameterError, match="weight of 'pci' must be a number >= 0"):
        attractiveness_index(parts, {"pci": -1.0})


def test_quadrants() -> None:
    names = quadrant(pd.Series([50.0, 49.9, 80.0, 10.0]), pd.Series([50.0, 90.0, 20.0, 30.0]))
    assert names.tolist() == [QUADRANTS[(True, True)], "strategic bets", "nearby, lower value", "distant, lower value"]


def test_industry_opportunities_for_one_country(result: ComplexityResult) -> None:
    table = industry_opportunities(result, "pol").set_index("industry_code")
    assert len(table) == 30
    assert np.allclose(table["density"], result.density_matrix.loc["pol", table.index])
    assert table["feasibility"].max() == 100.0 and table["density"].idxmax() == table["feasibility"].idxmax()
    assert np.allclose(table["attractiveness"], table["pci"].rank(pct=True) * 100)  # PCI is the only component
    top_right = (table["feasibility"] >= 50) & (table["attractiveness"] >= 50)
    # Nascent: present but below specialisation; absent (RCA 0, no exports) is listed apart.
    assert table["nascent_candidate"].equals(top_right & (table["rca"] < 1) & (table["rca"] > 0))
    assert table["absent_candidate"].equals(top_right & (table["rca"] == 0))
    assert set(table["stage"]) <= {"specialised", "nascent", "absent"}
    assert (table.loc[table["present"], "outlook_gain"] == 0).all()
    ranked = nascent_candidates(table.reset_index(), top=3)
    assert ranked["rank"].tolist() == [1, 2, 3] and ranked["rca"].lt(1).all()
    assert ranked["opportunity_score"].is_monotonic_decreasing
    with pytest.raises(UnknownCodeError, match="unknown area 'xyz'; valid choices: aut, blx"):
        industry_opportunities(result, "xyz")


def test_cluster_opportunities_hand_computed(result: ComplexityResult, trade: pd.DataFrame) -> None:
    mapping = pd.DataFrame(
        {
            "cluster_id": ["food"] * 5 + ["metals"] * 5,
            "cluster_name": ["Food"] * 5 + ["Metals"] * 5,
            "industry_code": FOOD + METALS,
        }
    )
    activity = activity_matrix(trade, area="origin", industry="hs92", value="export_val")
    table = cluster_opportunities(result, activity, "pol", mapping).set_index("cluster_id")
    world = activity.sum(axis=0)
    weights = world[METALS] / world[METALS].sum()
    assert table.loc["metals", "density"] == pytest.approx((result.density_matrix.loc["pol", METALS] * weights).sum())
    assert table.loc["metals", "pci"] == pytest.approx((result.pci[METALS] * weights).sum())
    pol = activity.loc["pol"]
    lq = (pol[METALS].sum() / pol.sum()) / (world[METALS].sum() / world.sum())
    assert table.loc["metals", "rca"] == pytest.approx(lq)
    assert table.loc["metals", "employment"] == pytest.approx(pol[METALS].sum())
    assert table.loc["food", "cluster_name"] == "Food"
    # A cluster is placed among the industries (not among the two clusters, which would tie at 50 and 100):
    # its density's mid-rank percentile among the region's industries.
    densities = result.density_matrix.loc["pol"].to_numpy()
    for cluster in ("food", "metals"):
        d = table.loc[cluster, "density"]
        below, equal = (densities < d).sum(), (densities == d).sum()
        assert table.loc[cluster, "feasibility"] == pytest.approx((below + (equal + 1) / 2) / len(densities) * 100)
    assert table["feasibility"].nunique() == 2


def test_a_one_industry_cluster_ties_with_its_industry_whatever_the_last_bit() -> None:
    # A one-industry cluster's density is (v E) / E, which may differ from the industry's v in the last bit, one
    # way or the other depending on how BLAS summed v. Either way it ties with the industry: mid-rank, as if equal.
    from clusterplan.relatedness.opportunities import _percentile_among

    reference = pd.Series([0.1, 0.3150870586529567, 0.5, 0.7])
    exact = reference.iloc[1]
    values = pd.Series([np.nextafter(exact, 0.0), exact, np.nextafter(exact, 1.0), exact * (1 + 1e-9)])
    # Tied with the second of four: (1 + (1 + 1) / 2) / 4 = 50; clearly above it: (2 + 1/2) / 4 = 62.5.
    assert _percentile_among(values, reference).tolist() == [50.0, 50.0, 50.0, 62.5]
    assert _percentile_among(pd.Series([np.nan, 0.0]), reference).tolist()[1] == 12.5
    assert np.isnan(_percentile_among(pd.Series([np.nan, 0.0]), reference).iloc[0])


def test_percentiles_among_themselves_are_pandas_average_ranks_with_ties_up_to_rounding() -> None:
    from clusterplan.relatedness.opportunities import _percentile

    rng = np.random.default_rng(7)
    for _ in range(200):
        values = pd.Series(rng.choice([0.0, 0.1, 0.3, 1.5, 2.0, np.inf, -np.inf, np.nan], size=40) * rng.integers(1, 3))
        expected = values.rank(pct=True, method="average") * 100.0
        pd.testing.assert_series_equal(_percentile(values), expected, check_exact=True)
    # Two values a last bit apart tie, as two equal values do; pandas ranks them apart.
    exact = 0.3150870586529567
    apart = pd.Series([0.1, exact, np.nextafter(exact, 1.0), 0.7])
    assert _percentile(apart).tolist() == [25.0, 62.5, 62.5, 100.0]
    assert (apart.rank(pct=True) * 100).tolist() == [25.0, 50.0, 75.0, 100.0]


def test_cluster_colocation_hand_computed() -> None:
    x = pd.DataFrame(
        [[4, 4, 1, 1], [4, 4, 1, 1], [1, 1, 4, 4], [1, 1, 4, 4]],
        index=["R1", "R2", "R3", "R4"],
        columns=["a1", "a2", "b1", "c1"],
    )
    mapping = pd.DataFrame({"cluster_id": ["A", "A", "B", "C"], "industry_code": ["a1", "a2", "b1", "c1"]})
    # LQ of A in R1 = (8/10) / (20/40) = 1.6, in R3 0.4; B and C: 0.4 in R1, 1.6 in R3 -> B, C always together.
    related = cluster_colocation(x, mapping)
    phi = related["minimum_conditional_probability"]
    assert phi.loc["B", "C"] == 1.0 and phi.loc["A", "B"] == 0.0
    assert related["lq_correlation"].loc["A", "B"] == pytest.approx(-1.0)
    table = related_clusters(phi, colocation_correlation=related["lq_correlation"], percentile=90)
    assert table.columns.tolist() == RELATED_CLUSTER_COLUMNS
    assert table.iloc[0][["cluster_a", "cluster_b", "related"]].tolist() == ["B", "C", True]
    assert table["related"].sum() == 1 and table.attrs["colocation_cutoff"] == pytest.approx(0.8)


def test_cluster_io_links_from_aggregated_flows() -> None:
    # Miller and Blair's two sectors; cluster P is all of sector 1, cluster Q the employment of sector 2 in q2.
    z = pd.DataFrame([[150.0, 500.0], [200.0, 100.0]], index=["1", "2"], columns=["1", "2"])
    x = pd.Series([1000.0, 2000.0], index=["1", "2"])
    mapping = pd.DataFrame({"cluster_id": ["P", "Q"], "industry_code": ["p1", "q2"]})
    industry_of = pd.Series({"p1": "1", "q2": "2", "r2": "2"})
    whole = cluster_io_links(z, x, mapping, pd.Series({"p1": 10.0, "q2": 30.0, "r2": 0.0}), industry_of)
    assert whole.loc["P", "Q"] == pytest.approx(0.5)  # sector 1 sells half its output to sector 2
    half = cluster_io_links(z, x, mapping, pd.Series({"p1": 10.0, "q2": 30.0, "r2": 30.0}), industry_of)
    # Q is half of sector 2: P sells 250 to it (25% of P's output); Q buys 250 of its 1,000 from P (25%);
    # Q sells 100 of its 1,000 to P (10%); P buys 100 of 1,000 from Q (10%).
    assert half.loc["P", "Q"] == pytest.approx(0.25) and half.loc["Q", "P"] == pytest.approx(0.25)


def test_related_clusters_flags_and_errors() -> None:
    ids = ["a", "b", "c", "d"]
    co = pd.DataFrame(np.zeros((4, 4)), index=ids, columns=ids)
    io = co.copy()
    co.loc["a", "b"] = co.loc["b", "a"] = 0.9
    io.loc["c", "d"] = io.loc["d", "c"] = 0.4
    table = related_clusters(co, io, names={"a": "Alpha"}, percentile=80)
    related = table[table["related"]]
    assert related[["cluster_a", "cluster_b"]].values.tolist() == [["a", "b"], ["c", "d"]]
    assert related["colocation_significant"].tolist() == [True, False]
    assert related["io_link_significant"].tolist() == [False, True]
    assert table.iloc[0]["cluster_a_name"] == "Alpha" and table.iloc[0]["cluster_b_name"] == "b"
    with pytest.raises(ParameterError, match="percentile must be between 0 and 100"):
        related_clusters(co, percentile=120)


@pytest.fixture(scope="module")
def west_midlands(warehouse: Warehouse):  # type: ignore[no-untyped-def]
    return region_opportunities(warehouse, "UKG3")


def test_outlook_gain_of_one_area_is_its_row_of_the_matrix(result: ComplexityResult) -> None:
    for origin in ("deu", "pol"):
        row = result.outlook_gain_of(origin)
        assert row.index.equals(result.rca.columns)
        assert np.allclose(row.to_numpy(), result.outlook_gain_matrix.loc[origin].to_numpy(), rtol=1e-13, atol=1e-13)


@pytest.mark.parametrize(("level", "base_year"), [("sic5", 2015), ("naics6", None)])
def test_industry_employment_is_the_employment_of_industry_measures(
    warehouse: Warehouse, level: str, base_year: int | None
) -> None:
    # What the opportunities read of every area: BRES ITL2 x SIC subclasses with a base year; every CBP CBSA x
    # NAICS 6-digit industry, withheld cells rebuilt (896,613 cells).
    slim = industry_employment(warehouse, level=level, base_year=base_year)
    full = industry_measures(warehouse, level=level, base_year=base_year)
    columns = ["area_code", "industry_code", "industry_name", "employment"]
    columns += ["employment_base_year"] if base_year else []
    assert list(slim.columns) == columns
    pd.testing.assert_frame_equal(slim, full[columns].reset_index(drop=True), check_exact=True)


def test_region_opportunities_west_midlands(warehouse: Warehouse, west_midlands) -> None:  # type: ignore[no-untyped-def]
    result = west_midlands
    assert result.region_code == "TLG3" and result.parameters["taxonomy"] == "wmca_plan_for_growth"
    assert result.parameters["growth_base_year"] == 2015 and result.parameters["year"] == 2021
    industries = result.industries.set_index("industry_code")
    assert {"pci", "gva_per_job", "national_growth", "density", "quadrant"} <= set(industries.columns)
    assert set(industries["quadrant"].dropna()) <= set(QUADRANTS.values())
    # Cluster RCA against all 40 ITL2 areas is the location quotient ``clusterplan run`` reports.
    clusters = result.clusters.set_index("cluster_id")
    profile = profile_region(warehouse, region="TLG3").clusters.set_index("cluster_id")
    assert clusters["rca"].to_dict() == pytest.approx(profile["lq"].reindex(clusters.index).to_dict())
    assert clusters.loc["ev_batteries", "rca"] == pytest.approx(4.51, abs=0.005)
    # National growth 2015-2021 of motor vehicle manufacture (29100), from the BRES facts summed over GB.
    totals = warehouse.raw.execute(
        "SELECT year, sum(value) FROM facts WHERE dataset = 'bres_itl2_sic5' AND industry_code = '29100' "
        "AND measure = 'employment' AND year IN (2015, 2021) GROUP BY year ORDER BY year"
    ).fetchall()
    assert industries.loc["29100", "national_growth"] == pytest.approx((totals[1][1] / totals[0][1]) ** (1 / 6) - 1)
    # GVA per job: Great Britain's for GVA row 29 (the ONS row of division 29).
    gva = gva_per_job(warehouse, year=2021, benchmark=True)
    row = gva[(gva["area_code"] == "K03000001") & (gva["gva_industry_code"] == "29")]
    assert industries.loc["29100", "gva_per_job"] == pytest.approx(float(row["gva_per_job_gbp"].iloc[0]))
    nascent = result.nascent
    assert set(nascent["kind"]) <= {"cluster", "industry", "absent industry"} and nascent["rca"].lt(1).all()
    assert (nascent.groupby("kind")["rank"].min() == 1).all()


def test_find_related_clusters_gb(warehouse: Warehouse) -> None:
    table = find_related_clusters(warehouse, "wmca_plan_for_growth", dataset="bres_itl2_sic5", year=2021)
    assert len(table) == 8 * 7 // 2 and table.columns.tolist() == RELATED_CLUSTER_COLUMNS
    assert table["related"].sum() >= 2 and table.attrs["io_table"].startswith("ONS input-output")
    values = table[["colocation", "io_link"]].to_numpy()
    assert (values >= 0).all() and (values <= 1).all()
    with pytest.raises(ParameterError, match="uses naics2017 codes, but the data use sic2007"):
        find_related_clusters(warehouse, "us_cmp_traded_2014", dataset="bres_itl2_sic5")
    with pytest.raises(UnknownCodeError, match="unknown employment dataset for related clusters 'bres_itl2_sic2'"):
        find_related_clusters(warehouse, "wmca_plan_for_growth", dataset="bres_itl2_sic2")


def test_find_related_clusters_us_uses_locational_correlation(warehouse: Warehouse) -> None:
    table = find_related_clusters(warehouse, "us_cmp_traded_2014", dataset="us_cbp_2019_cbsa")
    clusters = len(set(table["cluster_a"]) | set(table["cluster_b"]))
    # 49 of the 51 traded clusters have industries among CBP 2019's published 6-digit codes.
    assert table.attrs["colocation_measure"] == "locational_correlation" and clusters == 49
    assert len(table) == clusters * (clusters - 1) // 2
    cut = table.attrs["colocation_cutoff"]
    flagged = table[table["colocation_significant"]]
    # The flags follow the locational correlation (top tenth of the 1,176 pairs), not the conditional probability.
    assert len(flagged) == pytest.approx(0.1 * len(table), abs=2) and (flagged["colocation_correlation"] >= cut).all()
    pair = table[
        (table[["cluster_a_name", "cluster_b_name"]].apply(frozenset, axis=1)).map(
            lambda names: any("Automotive" in n for n in names) and any("Metalworking" in n for n in names)
        )
    ]
    assert len(pair) == 1 and bool(pair["related"].iloc[0])  # automotive and metalworking go together
    assert table.attrs["io_table"] == "BEA detail use table 2007 (389 industries)"
    links = table.set_index(["cluster_a_name", "cluster_b_name"])["io_link"]
    assert links.idxmax() == ("Forestry", "Wood Products") and links.max() > 0.5  # logs go to sawmills
    hidalgo = find_related_clusters(
        warehouse, "us_cmp_traded_2014", dataset="us_cbp_2019_cbsa", measure="minimum_conditional_probability"
    )
    assert hidalgo.attrs["colocation_measure"] == "minimum_conditional_probability"
    assert set(hidalgo["colocation_correlation"].round(9)) == set(table["colocation_correlation"].round(9))
    with pytest.raises(UnknownCodeError, match="co-location measure"):
        related_clusters(table.pivot(index="cluster_a", columns="cluster_b", values="colocation"), measure="rank")


def test_west_midlands_opportunities_pass_a_sceptical_economist(warehouse: Warehouse) -> None:
    """Before: coke ovens (0 jobs here, a few hundred in GB) topped the nascent list, compulsory social security
    was on it, and five clusters tied at attractiveness 50."""
    result = region_opportunities(warehouse, "TLG3")
    nascent = result.nascent
    industries = result.industries.set_index("industry_code")
    growing = nascent[nascent["kind"] == "industry"]
    assert len(growing) >= 10
    # Nascent industries are here already, below specialisation; absent ones are listed apart, with no jobs.
    assert (growing["employment"] > 0).all() and growing["rca"].between(0, 1, inclusive="neither").all()
    absent = nascent[nascent["kind"] == "absent industry"]
    assert (absent["employment"] == 0).all() and (absent["stage"] == "absent").all()
    assert "19100" not in set(nascent["industry_code"].dropna())  # coke ovens
    # Candidates are big enough nationally for their complexity and growth to mean something.
    assert (nascent.loc[nascent["kind"] != "cluster", "national_employment"] >= 1000).all()
    # Non-market activities are not opportunities, unless asked for.
    assert not industries.index.str.match(r"^(84|97|98|99)").any()
    with_them = region_opportunities(warehouse, "TLG3", include_non_market=True).industries
    assert with_them["industry_code"].str.startswith("843").any()  # 84300 compulsory social security
    assert "left out" in result.parameters["non_market"] and "percentile" in result.parameters["attractiveness_method"]
    # No two clusters tie on the score that orders them, and the order is best first.
    clusters = result.clusters
    assert clusters["attractiveness"].nunique() == len(clusters)
    assert clusters["opportunity_score"].is_monotonic_decreasing
