"""US regional input-output models: the BEA tables regionalised for CBSAs with County Business Patterns."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from clusterplan._exceptions import UnknownCodeError
from clusterplan.inputoutput.bea import bea_domestic_model, bea_model, bea_use_table, domestic_shares
from clusterplan.inputoutput.clusters import cluster_linkages
from clusterplan.inputoutput.us_regional import (
    bea_industry_employment,
    us_national_view,
    us_regional_employment,
    us_regional_model,
)
from clusterplan.pipeline.tables import reference_tables

TABLES = reference_tables()


def test_bea_industry_employment_uses_each_prefix_once() -> None:
    e = pd.DataFrame(
        {"336": [99.0], "3361": [10.0], "3362": [2.0], "3363": [5.0], "33631": [4.0], "42": [8.0], "4231": [3.0]},
        index=["19820"],
    )
    out = bea_industry_employment(e, ["3361MV", "3364OT", "42"])
    # 3361MV is 3361 + 3362 + 3363 (the 3-digit total and the 5-digit child are not added again); 42 is the sector.
    assert out.to_numpy().tolist() == [[17.0, 0.0, 8.0]]


def test_domestic_bea_model_balances_and_splits_imports() -> None:
    total, domestic = (
        bea_model(bea_use_table(TABLES.bea_use, 2015)),
        bea_domestic_model(bea_use_table(TABLES.bea_use, 2015)),
    )
    d = domestic_shares(total)
    # Rows still add up to domestic production: domestic intermediate sales + domestic final uses + exports.
    rows = domestic.Z.sum(axis=1) + domestic.final_demand.sum(axis=1)
    before = total.Z.sum(axis=1) + total.final_demand.sum(axis=1)
    assert np.allclose(rows.to_numpy(), before.to_numpy(), rtol=1e-9, atol=1e-6)
    assert (domestic.output == total.output).all()
    # Apparel (315AL) is mostly imported, construction (23) not at all.
    assert d["315AL"] < 0.3 and d["23"] == pytest.approx(1.0)
    imported = domestic.primary_inputs.loc["P7"]
    assert imported["3361MV"] == pytest.approx(float((total.Z["3361MV"] * (1 - d)).sum()))


def test_us_regional_multipliers_are_plausible() -> None:
    national = us_national_view(TABLES).multipliers(1).set_index("industry_code")["output_multiplier"]
    jobs = us_regional_employment(TABLES).sum(axis=1)
    means = {}
    for code in ("35620", "19820", "10100"):  # New York, Detroit, Aberdeen SD (micropolitan)
        model = us_regional_model(TABLES, code)
        table = model.multipliers(1).set_index("industry_code")["output_multiplier"]
        assert (table <= national + 1e-9).all(), code  # capped quotients: no regional multiplier above national
        means[code] = float(table.mean())
    assert jobs["35620"] > jobs["19820"] > 90 * jobs["10100"]
    # National 1.69; New York 1.28, Detroit 1.20, Aberdeen 1.06: bigger metros keep more of the supply chain.
    assert float(national.mean()) == pytest.approx(1.694, abs=0.01)
    assert float(national.mean()) > means["35620"] > means["19820"] > means["10100"] > 1.0
    assert means["35620"] == pytest.approx(1.277, abs=0.01) and means["10100"] == pytest.approx(1.057, abs=0.01)
    # Withheld CBP cells counted as 0 instead of rebuilt: Aberdeen loses 1,200 of its 19,100 jobs and some of its
    # local supply (1.04).
    published = us_regional_model(TABLES, "10100", cells="published").multipliers(1)["output_multiplier"].mean()
    assert published == pytest.approx(1.038, abs=0.01) and us_regional_employment(TABLES, "published").loc[
        "10100"
    ].sum() < (jobs["10100"] - 1000)


def test_us_cluster_linkages_in_dollars() -> None:
    links = cluster_linkages(TABLES, "us_cmp_traded_2014", region="19820")
    assert links.parameters["unit"] == "$ million" and links.parameters["region"] == "19820"
    automotive = links.partners[(links.partners["cluster_id"] == "automotive")]
    assert "flow_usd_m" in automotive.columns and automotive["relation"].tolist()[:1] == ["supplier"]
    assert links.input_sourcing is not None
    share = float(links.input_sourcing.loc["automotive", "share_in_region"])
    assert 0.3 < share < 1.0  # Detroit buys much of its automotive inputs locally, not all
    national = cluster_linkages(TABLES, "us_cmp_traded_2014")
    assert national.input_sourcing is None and "flow_usd_m" in national.table().columns
    with pytest.raises(UnknownCodeError, match="CBSA"):
        us_regional_model(TABLES, "99999")
