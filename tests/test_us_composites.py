"""US combined statistical areas (several CBSAs analysed as one) in the regional input-output model and runs.

The CSA of Detroit-Warren-Ann Arbor, MI (code 220 in the April 2018 OMB delineation) is five CBSAs: Adrian
(10300), Ann Arbor (11460), Detroit-Warren-Dearborn (19820), Flint (22420) and Monroe (33780). Its opportunities
are those of one area made of the five, as its profile is: automotive's RCA is 7.44 (82,935 jobs with the withheld
cells rebuilt) against Detroit's 8.22 (77,178).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from clusterplan import UnknownCodeError, profile_region
from clusterplan.inputoutput.clusters import cluster_linkages
from clusterplan.inputoutput.us_regional import resolve_us_region, us_regional_employment, us_regional_model
from clusterplan.pipeline import run_analyses
from clusterplan.pipeline.opportunities import region_opportunities
from clusterplan.pipeline.profile import industry_measures
from clusterplan.pipeline.tables import reference_tables
from clusterplan.report import write_run_outputs

TABLES = reference_tables()

DETROIT_CSA = ("10300", "11460", "19820", "22420", "33780")


@pytest.mark.parametrize(
    "name",
    [
        "220",
        "Detroit-Warren-Ann Arbor, MI",
        "detroit-warren-ann arbor, mi",
        "Detroit-Warren-Ann Arbor, MI CSA",
        "CSA 220",
    ],
)
def test_a_csa_resolves_to_its_cbsas(name: str) -> None:
    region = resolve_us_region(TABLES, name)
    assert (region.code, region.name, region.members) == ("220", "Detroit-Warren-Ann Arbor, MI", DETROIT_CSA)
    assert resolve_us_region(TABLES, "19820").members == ("19820",)


def test_gb_areas_are_not_us_regions() -> None:
    with pytest.raises(UnknownCodeError, match=r"unknown US metropolitan or micropolitan area .* 'TLG3'"):
        resolve_us_region(TABLES, "TLG3")


def test_csa_model_sums_its_cbsas_jobs_and_buys_more_inside_itself() -> None:
    csa = us_regional_model(TABLES, "Detroit-Warren-Ann Arbor, MI")
    detroit = us_regional_model(TABLES, "19820")
    assert (csa.region_code, csa.region_name) == ("220", "Detroit-Warren-Ann Arbor, MI")
    jobs = us_regional_employment(TABLES).loc[list(DETROIT_CSA)].sum(axis=0)
    pd.testing.assert_series_equal(
        csa.employment.reindex(jobs.index).astype(float), jobs.astype(float), check_names=False
    )
    # A larger region supplies more of its own inputs: its location quotients, hence its regional coefficients,
    # are at least those of the part for every industry where the part is at least as specialised ... on the
    # whole, a larger share of intermediate inputs is bought inside it.
    assert csa.A.to_numpy().sum() > detroit.A.to_numpy().sum()
    csa_links = cluster_linkages(TABLES, "us_cmp_traded_2014", region="220")
    detroit_links = cluster_linkages(TABLES, "us_cmp_traded_2014", region="19820")
    assert csa_links.input_sourcing is not None and detroit_links.input_sourcing is not None
    auto_csa = csa_links.input_sourcing.loc["automotive"]
    auto_detroit = detroit_links.input_sourcing.loc["automotive"]
    assert auto_csa["output_usd_m"] > auto_detroit["output_usd_m"]
    assert auto_csa["inputs_in_region_usd_m"] > auto_detroit["inputs_in_region_usd_m"]


def test_us_csa_run_has_supply_chains(warehouse: Any, tmp_path: Path) -> None:
    profile = profile_region(warehouse, region="Detroit-Warren-Ann Arbor, MI")
    assert profile.region_code == "220" and profile.region_detail["members"] == list(DETROIT_CSA)
    further = run_analyses(warehouse, profile, only=["supply_chain", "scenarios"])
    assert further.provenance["supply_chain"]["status"] == "computed"
    chain = further.tables["supply_chain"]
    assert set(chain["relation"]) == {"supplier", "customer"}
    # CBP 2019 is one year: the scenarios say so for the CSA as for one CBSA, instead of failing on the code.
    assert further.provenance["scenarios"]["status"].startswith(
        "not computed: a baseline forecast and backtest need a time series of employment"
    )
    paths = write_run_outputs(profile, tmp_path, analyses=further, workbook=False)
    html = paths["report"].read_text(encoding="utf-8")
    assert "Supply chain: suppliers and customers" in html


def test_opportunities_of_a_csa_are_those_of_its_cbsas_as_one_area(warehouse: Any) -> None:
    csa = region_opportunities(warehouse, "CSA 220")
    assert (csa.region_code, csa.region_name) == ("220", "Detroit-Warren-Ann Arbor, MI")
    assert csa.parameters["region_members"] == list(DETROIT_CSA)
    # Each industry's jobs are the five CBSAs' jobs summed (rebuilt cells included, as in the profile).
    every = industry_measures(warehouse, level="naics6")
    summed = every[every["area_code"].isin(DETROIT_CSA)].groupby("industry_code")["employment"].sum()
    jobs = csa.industries.set_index("industry_code")["employment"]
    pd.testing.assert_series_equal(jobs, summed.reindex(jobs.index), check_names=False)
    # Automotive stays the CSA's most specialised cluster, diluted by Ann Arbor's and Flint's other jobs.
    detroit = region_opportunities(warehouse, "19820").clusters.set_index("cluster_id")
    clusters = csa.clusters.set_index("cluster_id")
    assert clusters["rca"].idxmax() == "automotive" and clusters.loc["automotive", "stage"] == "specialised"
    assert 1 < clusters.loc["automotive", "rca"] < detroit.loc["automotive", "rca"]
    assert clusters.loc["automotive", "employment"] > detroit.loc["automotive", "employment"]
