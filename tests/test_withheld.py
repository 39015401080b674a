"""CBP cells withheld for fewer than 3 establishments, rebuilt within their parents (real CBP 2019 by CBSA)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from clusterplan import Warehouse, load_taxonomy
from clusterplan._data import data_dir
from clusterplan._exceptions import ParameterError, UnknownCodeError
from clusterplan.measures.withheld import (
    WITHHELD_MAX_ESTABLISHMENTS,
    reconstruct_withheld_cells,
    withheld_cell_lower_bounds,
    withheld_employment_bounds,
    withheld_lq_interval,
)
from clusterplan.pipeline.profile import ClusterProfile, industry_measures, profile_region
from clusterplan.sources.cbp import naics_parent

# The package files are rounded: employment to 0.01, establishments to 0.001 per cell.
EMPLOYMENT_ROUNDING, ESTABLISHMENT_ROUNDING = 0.005, 0.0005


def _wide(path: str) -> pd.DataFrame:
    facts = pd.read_parquet(data_dir() / path)
    wide = facts.pivot_table(
        index=["area_code", "industry_code"], columns="measure", values="value", aggfunc="first"
    ).reset_index()
    wide.columns.name = None
    return wide


@pytest.fixture(scope="module")
def published() -> pd.DataFrame:
    return _wide("us_cbp_2019_cbsa.parquet")


@pytest.fixture(scope="module")
def imputed() -> pd.DataFrame:
    return _wide("us_cbp_2019_cbsa_imputed.parquet")


@pytest.fixture(scope="module")
def withheld() -> pd.DataFrame:
    return pd.read_parquet(data_dir() / "us_cbp_2019_cbsa_withheld.parquet")


@pytest.fixture(scope="module")
def complete(published: pd.DataFrame, imputed: pd.DataFrame) -> pd.DataFrame:
    both = pd.concat([published.assign(imputed=False), imputed.assign(imputed=True)], ignore_index=True)
    parents = {c: naics_parent(c) for c in both["industry_code"].unique()}
    parents = {c: ("00" if p is None and c != "00" else p) for c, p in parents.items()}
    return both.assign(parent_code=both["industry_code"].map(parents))


def test_published_cells_are_unchanged_and_never_imputed(published: pd.DataFrame, imputed: pd.DataFrame) -> None:
    overlap = published.merge(imputed, on=["area_code", "industry_code"])
    assert overlap.empty
    facts = pd.read_parquet(data_dir() / "us_cbp_2019_cbsa_imputed.parquet")
    assert set(facts["flag"]) == {"imputed"} and set(facts["measure"]) == {"employment", "establishments"}
    # Detroit publishes every 6-digit cell of motor vehicle parts: nothing is rebuilt there.
    detroit = imputed[(imputed["area_code"] == "19820") & imputed["industry_code"].str.startswith("3363")]
    assert detroit.empty


def test_no_negative_cell(imputed: pd.DataFrame) -> None:
    assert (imputed["employment"] >= 0).all() and (imputed["establishments"] >= 0).all()
    assert imputed[["employment", "establishments"]].notna().all().all()


def test_children_add_up_to_parents_in_every_cbsa(complete: pd.DataFrame, withheld: pd.DataFrame) -> None:
    """Employment and establishments: every parent equals its children, at every level, in all 933 CBSAs."""
    children = complete[complete["industry_code"] != "00"]
    sums = children.groupby(["area_code", "parent_code"]).agg(
        employment=("employment", "sum"), establishments=("establishments", "sum"), n=("employment", "size")
    )
    parents = complete.set_index(["area_code", "industry_code"])[["employment", "establishments"]]
    parents.index.names = ["area_code", "parent_code"]
    joined = sums.join(parents.add_suffix("_parent"), how="inner")
    # Parents that hide jobs no NAICS code in the data can take are listed, with how much.
    unplaced = withheld[withheld["children"] == 0].set_index(["area_code", "industry_code"])
    unplaced.index.names = ["area_code", "parent_code"]
    gap = joined["employment_parent"] - joined["employment"]
    tolerance = EMPLOYMENT_ROUNDING * joined["n"] + 1e-6
    off = joined[(gap.abs() > tolerance) & ~joined.index.isin(unplaced.index)]
    assert off.empty, off.head()
    listed = gap.reindex(unplaced.index)
    np.testing.assert_allclose(listed, unplaced["hidden_employment"], atol=0.05)
    assert unplaced["hidden_employment"].sum() < 1_000  # 6 parents in 5 CBSAs, e.g. fertiliser 32531
    gap_est = joined["establishments_parent"] - joined["establishments"]
    off_est = joined[(gap_est.abs() > ESTABLISHMENT_ROUNDING * joined["n"] + 1e-6) & ~joined.index.isin(unplaced.index)]
    assert off_est.empty, off_est.head()
    assert len(joined) > 190_000 and complete["area_code"].nunique() == 933


def test_establishment_counts_respected(imputed: pd.DataFrame, withheld: pd.DataFrame) -> None:
    """A withheld cell holds at most 2 establishments, except under parents flagged over_cap."""
    assert imputed["establishments"].max() > 1.5
    over = imputed[imputed["establishments"] > WITHHELD_MAX_ESTABLISHMENTS + ESTABLISHMENT_ROUNDING]
    capped = withheld[withheld["over_cap"]]
    assert len(capped) < 20
    for row in over.itertuples():
        assert any(
            row.industry_code.startswith(p) for p in capped.loc[capped["area_code"] == row.area_code, "industry_code"]
        )


def test_national_motor_vehicle_parts_recovered(published: pd.DataFrame, imputed: pd.DataFrame) -> None:
    """NAICS 3363 summed over CBSAs: 518,168 published at 4 digits, only 340,407 at 6 digits."""
    pub = published.set_index("industry_code")
    six = published["industry_code"].str.fullmatch(r"3363\d\d")
    assert pub.loc[pub.index == "3363", "employment"].sum() == 518_168
    assert published.loc[six, "employment"].sum() == 340_407
    rebuilt_six = (
        published.loc[six, "employment"].sum()
        + imputed.loc[imputed["industry_code"].str.fullmatch(r"3363\d\d"), "employment"].sum()
    )
    rebuilt_four = 518_168 + imputed.loc[imputed["industry_code"] == "3363", "employment"].sum()
    assert rebuilt_six == pytest.approx(rebuilt_four, rel=1e-4)
    # The 4-digit sum itself missed CBSAs with one or two parts plants: about 46,000 jobs in 622 CBSAs.
    assert 1.0 < rebuilt_six / 518_168 < 1.10
    # And the whole economy: rebuilt 6-digit cells add up to the published all-industries totals.
    total = pub.loc[pub.index == "00", "employment"].sum()
    six_all = published["industry_code"].str.len() == 6
    rebuilt = (
        published.loc[six_all, "employment"].sum()
        + imputed.loc[imputed["industry_code"].str.len() == 6, "employment"].sum()
    )
    assert rebuilt == pytest.approx(total, rel=2e-4)  # the rest is NAICS 99 (unclassified, no 6-digit codes)


def test_worked_example_and_bounds() -> None:
    """Hand-computed: 336 hides 30 jobs and 4 establishments in 3362 and 3363 (published elsewhere)."""
    cells = pd.DataFrame(
        {
            "area_code": ["A"] * 4 + ["B"] * 6,
            "industry_code": ["00", "31-33", "336", "3361"] * 2 + ["3362", "3363"],
            "employment": [100, 100, 100, 70, 900, 900, 900, 100, 200, 600],
            "establishments": [10, 10, 10, 6, 40, 40, 40, 5, 5, 30],
        }
    )
    result = reconstruct_withheld_cells(cells)
    rows = result.imputed.set_index("industry_code")
    # Establishments 4 x (5, 30)/35 = (0.57, 3.43): 3363 capped at 2, the rest (2) to 3362.
    assert rows.loc["3362", "establishments"] == pytest.approx(2.0)
    assert rows.loc["3363", "establishments"] == pytest.approx(2.0)
    # Jobs in proportion to establishments x national size: 3362 40/establishment, 3363 20.
    assert rows.loc["3362", "employment"] == pytest.approx(30 * 80 / 120)
    assert rows.loc["3363", "employment"] == pytest.approx(30 * 40 / 120)
    group = result.groups.set_index("industry_code").loc["336"]
    assert (group["hidden_employment"], group["hidden_establishments"], group["children"]) == (30, 4, 2)
    mapping = pd.DataFrame({"cluster_id": ["parts", "parts"], "industry_code": ["3361", "3363"]})
    published = cells.rename(columns={"employment": "value"})
    bounds = withheld_employment_bounds(
        published[published["industry_code"].isin(["3361", "3363"])],
        result.imputed,
        result.groups.assign(imputed_cells6=lambda g: g["children"]),
        mapping,
    )
    a = bounds.set_index("area_code").loc["A"]
    # 3363 may hold none or all of the 30 hidden jobs (3362 is outside the cluster).
    assert (a["employment_low"], a["employment_high"], a["imputed_cells"]) == (70, 100, 1)


def test_children_larger_than_parent_is_an_error() -> None:
    cells = pd.DataFrame(
        {"area_code": "A", "industry_code": ["00", "31-33"], "employment": [10, 20], "establishments": [3, 3]}
    )
    with pytest.raises(ParameterError, match="add up to more"):
        reconstruct_withheld_cells(cells)


def test_lq_interval_contains_point_and_is_exact_at_ends() -> None:
    low, high = withheld_lq_interval((580, 620), (10_000, 10_000), (1_580, 1_700), (1e6, 1e6))
    # Lowest: region at 580 while the rest of the nation holds its most (1,700 - 620 = 1,080).
    assert float(low) == pytest.approx(580 / 10_000 / ((580 + 1_080) / 1e6))
    assert float(high) == pytest.approx(620 / 10_000 / ((620 + 1_000) / 1e6))


# -- runs on the rebuilt cells ----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def detroit(warehouse: Warehouse) -> dict[str, ClusterProfile]:
    return {cells: profile_region(warehouse, region="19820", cells=cells) for cells in ("published", "reconstructed")}


def test_detroit_automotive_before_and_after(
    detroit: dict[str, ClusterProfile], published: pd.DataFrame, imputed: pd.DataFrame
) -> None:
    before = detroit["published"].clusters.set_index("cluster_id").loc["automotive"]
    after = detroit["reconstructed"].clusters.set_index("cluster_id").loc["automotive"]
    # Published cells: the figures, and no interval.
    assert before["benchmark_employment"] == 304_579 and before["lq"] == pytest.approx(17.0814, abs=1e-4)
    assert before["lq_low"] == before["lq_high"] == before["lq"]
    # Rebuilt: Detroit publishes all its automotive cells, the nation's assembly plants mostly sit in CBSAs
    # with one or two of them, so the national denominator doubles and the LQ halves.
    codes = set(
        load_taxonomy("us_cmp_traded_2014")
        .mapping(sorted(set(published["industry_code"])), strict=False)
        .query("cluster_id == 'automotive'")["industry_code"]
    )
    national = published.loc[published["industry_code"].isin(codes), "employment"].sum()
    national += imputed.loc[imputed["industry_code"].isin(codes), "employment"].sum()
    assert after["employment"] == before["employment"] == 77_178 and after["imputed_cells"] == 0
    assert after["benchmark_employment"] == pytest.approx(national, abs=len(codes) * 933 * 0.005)
    total = published.set_index(["area_code", "industry_code"])["employment"]
    detroit_total = total[("19820", "00")]
    us_total = total.xs("00", level="industry_code").sum()
    assert after["lq"] == pytest.approx((77_178 / detroit_total) / (after["benchmark_employment"] / us_total))
    assert 8.0 < after["lq"] < 8.5
    assert after["lq_low"] < after["lq"] < after["lq_high"]
    # The interval: nothing else hidden anywhere is automotive (high) or every hidden job that could be is (low).
    assert after["lq_high"] < before["lq"] and after["lq_low"] > 3


def test_rebuilt_cells_widen_intervals_and_are_counted(detroit: dict[str, ClusterProfile]) -> None:
    table = detroit["reconstructed"].clusters.set_index("cluster_id").dropna(subset=["lq"])
    assert len(table) == 49  # jewelry and tobacco: no code of theirs in CBP 2019 at 6 digits
    assert (table["lq_low"] <= table["lq"] + 1e-9).all() and (table["lq"] <= table["lq_high"] + 1e-9).all()
    assert (table["employment_low"] <= table["employment"] + 0.01).all()
    assert (table["employment"] <= table["employment_high"] + 0.01).all()
    withheld_here = table[table["imputed_cells"] > 0]
    assert len(withheld_here) > 5 and (withheld_here["employment_high"] > withheld_here["employment_low"]).sum() > 5
    # Where a published parent's hidden jobs can only go to this cluster's codes, they count for certain.
    assert (table.loc["upstream_metal_manufacturing", ["employment_low", "employment_high"]] == 4_465).all()


def test_run_json_records_the_cells_choice(detroit: dict[str, ClusterProfile]) -> None:
    meta = detroit["reconstructed"].run_metadata()
    assert meta["parameters"]["cells"] == "reconstructed"
    datasets = [i["dataset"] for i in meta["inputs"]]
    assert datasets[:3] == ["us_cbp_2019_cbsa", "us_cbp_2019_cbsa_imputed", "us_cbp_2019_cbsa_withheld"]
    assert all(len(i["sha256"]) == 64 for i in meta["inputs"])
    assert detroit["published"].run_metadata()["parameters"]["cells"] == "published"


def test_industry_measures_on_rebuilt_cells(warehouse: Warehouse, imputed: pd.DataFrame) -> None:
    """A 6-digit industry CBP withholds in a CBSA gets its rebuilt employment and establishments."""
    table = industry_measures(warehouse, level="naics6", region="41860")  # San Francisco-Oakland-Berkeley
    row = table.set_index("industry_code").loc["336111"]  # Tesla's Fremont plant, withheld (1-2 establishments)
    rebuilt = imputed.set_index(["area_code", "industry_code"]).loc[("41860", "336111")]
    assert row["employment"] == pytest.approx(rebuilt["employment"]) and row["employment"] > 10_000
    assert row["establishments"] == pytest.approx(rebuilt["establishments"]) and row["establishments"] <= 2
    published_only = industry_measures(warehouse, level="naics6", region="41860", cells="published")
    assert published_only.set_index("industry_code").loc["336111", "employment"] == 0


def test_cells_choice_is_checked(warehouse: Warehouse) -> None:
    with pytest.raises(UnknownCodeError):
        profile_region(warehouse, region="19820", cells="guessed")


def _ladder(code: str) -> list[str]:
    """The codes above *code*, nearest first, up to all industries (``00``)."""
    out = []
    while code != "00":
        code = naics_parent(code) or "00"
        out.append(code)
    return out


def _bounds_on_strings(
    published: pd.DataFrame, imputed: pd.DataFrame, groups: pd.DataFrame, mapping: pd.DataFrame
) -> pd.DataFrame:
    """withheld_employment_bounds as it was written before it numbered its keys: merges on the strings."""
    pairs = mapping[["cluster_id", "industry_code"]].astype({"industry_code": str}).drop_duplicates()
    pub = published[["area_code", "industry_code", "value"]].merge(pairs, on="industry_code")
    low_pub = pub.groupby(["area_code", "cluster_id"])["value"].sum().rename("published")
    cells = imputed[["area_code", "industry_code"]].merge(pairs, on="industry_code")
    found = pd.MultiIndex.from_frame(groups[["area_code", "industry_code"]])
    ladders = {c: _ladder(c) for c in cells["industry_code"].unique()}
    group_code = []
    for area, code in zip(cells["area_code"], cells["industry_code"], strict=True):
        group_code.append(next((p for p in ladders[code] if (area, p) in found), ""))
    cells = cells.assign(group_code=group_code)
    inside = cells.groupby(["area_code", "cluster_id", "group_code"]).size().rename("in_cluster").reset_index()
    info = groups[["area_code", "industry_code", "hidden_employment", "imputed_cells6"]].rename(
        columns={"industry_code": "group_code"}
    )
    inside = inside.merge(info, on=["area_code", "group_code"], how="left")
    inside["certain"] = np.where(inside["in_cluster"] >= inside["imputed_cells6"], inside["hidden_employment"], 0.0)
    hidden = inside.groupby(["area_code", "cluster_id"]).agg(
        certain=("certain", "sum"), possible=("hidden_employment", "sum"), imputed_cells=("in_cluster", "sum")
    )
    out = pd.concat([low_pub, hidden], axis=1).fillna(0.0)
    out["employment_low"] = out["published"] + out["certain"]
    out["employment_high"] = out["published"] + out["possible"]
    out["imputed_cells"] = out["imputed_cells"].astype("int64")
    out = out.reset_index()[["area_code", "cluster_id", "employment_low", "employment_high", "imputed_cells"]]
    return out.sort_values(["area_code", "cluster_id"]).reset_index(drop=True)


def test_bounds_on_numbered_keys_equal_the_merges_on_strings(
    published: pd.DataFrame, imputed: pd.DataFrame, withheld: pd.DataFrame
) -> None:
    """A slice of CBP 2019 (Detroit and every 12th CBSA), the traded clusters and the all-industries total: the
    same rows and floats as the string merges."""
    areas = set(sorted(published["area_code"].unique())[::12]) | {"19820"}
    six = published[(published["industry_code"].str.len() == 6) & published["area_code"].isin(areas)]
    six = six.rename(columns={"employment": "value"})
    rebuilt = imputed[(imputed["industry_code"].str.len() == 6) & imputed["area_code"].isin(areas)]
    withheld = withheld[withheld["area_code"].isin(areas)]
    mapping = load_taxonomy("us_cmp_traded_2014").mapping(sorted(set(six["industry_code"])), strict=False)
    everything = pd.DataFrame({"cluster_id": "__total__", "industry_code": sorted(set(six["industry_code"]))})
    for pairs in (mapping[["cluster_id", "industry_code"]], everything):
        new = withheld_employment_bounds(six, rebuilt, withheld, pairs)
        old = _bounds_on_strings(six, rebuilt, withheld, pairs)
        assert len(new) > 75
        pd.testing.assert_frame_equal(new, old, check_exact=True)
    # Fractions of jobs (the sums add the same numbers in the same order) and a group hidden in two clusters.
    rng = np.random.default_rng(14)
    fractional = six.assign(value=six["value"] * rng.uniform(0.1, 1.0, len(six)))
    groups = withheld.assign(hidden_employment=withheld["hidden_employment"] * rng.uniform(0.1, 1.0, len(withheld)))
    new = withheld_employment_bounds(fractional, rebuilt, groups, mapping)
    pd.testing.assert_frame_equal(new, _bounds_on_strings(fractional, rebuilt, groups, mapping), check_exact=True)
    detroit = new[new["area_code"] == "19820"].set_index("cluster_id")
    assert detroit.loc["automotive", "imputed_cells"] == 0
    # No published cells and each 6-digit code its own group, as the opportunities' lower bounds ask: the same rows
    # and column types (area codes as objects made the tables built on them slower to merge and pivot).
    none = pd.DataFrame({"area_code": [], "industry_code": [], "value": []})
    codes = sorted(set(rebuilt["industry_code"]))
    own = pd.DataFrame({"cluster_id": codes, "industry_code": codes})
    alone = withheld_employment_bounds(none, rebuilt, withheld, own)
    assert alone["area_code"].dtype == rebuilt["area_code"].dtype != object
    pd.testing.assert_frame_equal(alone, _bounds_on_strings(none, rebuilt, withheld, own), check_exact=True)
    assert (new["employment_low"] <= new["employment_high"]).all() and (new["imputed_cells"] > 0).sum() > 1_000


def _cell_bounds_by_joins(cells: pd.DataFrame, groups: pd.DataFrame) -> np.ndarray:
    """withheld_employment_bounds' employment_low with each code its own cluster, placed on the rows of *cells*."""
    none = pd.DataFrame({"area_code": [], "industry_code": [], "value": []})
    codes = sorted(set(cells["industry_code"]))
    bounds = withheld_employment_bounds(
        none, cells, groups, pd.DataFrame({"cluster_id": codes, "industry_code": codes})
    )
    keyed = bounds.set_index(["area_code", "cluster_id"])["employment_low"]
    where = pd.MultiIndex.from_arrays([cells["area_code"], cells["industry_code"]])
    return keyed.reindex(where).fillna(0.0).to_numpy()


def test_cell_lower_bounds_equal_the_joins(imputed: pd.DataFrame, withheld: pd.DataFrame) -> None:
    """Every CBSA's rebuilt 6-digit cells: the same floats, bit for bit, as withheld_employment_bounds with each
    code its own cluster; and the cases the data lack (a group without hidden jobs or listed twice, -0.0, a cell
    with no group, the same cell twice)."""
    rebuilt = imputed[imputed["industry_code"].str.len() == 6][["area_code", "industry_code"]].reset_index(drop=True)
    got = withheld_cell_lower_bounds(rebuilt, withheld)
    expected = _cell_bounds_by_joins(rebuilt, withheld)
    assert got.dtype == np.float64 and got.tobytes() == expected.tobytes()
    assert (got > 0).sum() > 10_000 and (got == 0).sum() > 100_000  # only cells alone in their group hold jobs
    cells = pd.DataFrame(
        {
            "area_code": ["A", "A", "A", "B", "B", "B", "C", "C"],
            "industry_code": ["336111", "336112", "336211", "336111", "336111", "541511", "336111", "336211"],
        }
    )
    groups = pd.DataFrame(
        {
            "area_code": ["A", "A", "B", "B", "C", "C"],
            "industry_code": ["3361", "336211", "33611", "5415", "3361", "3362"],
            "hidden_employment": [80.0, -0.0, 30.0, np.nan, 12.5, 7.25],
            "imputed_cells6": [2, 1, 2, 1, 1, 1],
        }
    )
    got = withheld_cell_lower_bounds(cells, groups)
    # A: 3361 hides 80 jobs in two cells (neither certain), 336211 its own -0.0; B: the same cell twice holds all
    # of 33611's two cells, 5415 hides no jobs; C: each alone in its group.
    assert got.tolist() == [0.0, 0.0, 0.0, 30.0, 30.0, 0.0, 12.5, 7.25]
    assert not np.signbit(got).any()
    assert got.tobytes() == _cell_bounds_by_joins(cells, groups).tobytes()
    twice = pd.concat([groups, groups.iloc[[4]]], ignore_index=True)  # C's 3361 listed twice adds its jobs twice
    assert withheld_cell_lower_bounds(cells, twice).tolist() == _cell_bounds_by_joins(cells, twice).tolist()
    assert withheld_cell_lower_bounds(cells, twice)[6] == 25.0
    assert withheld_cell_lower_bounds(cells.iloc[:0], groups).tolist() == []


def test_sorted_unique_is_numpys_unique_of_integers() -> None:
    from clusterplan.measures.withheld import _sorted_unique

    rng = np.random.default_rng(14)
    for values in (
        np.zeros(0, dtype=np.int64),
        np.array([7], dtype=np.int64),
        np.array([3, 3, 3], dtype=np.int64),
        rng.integers(-5, 5, 1_000),
        rng.integers(0, 933 * 3_001, 95_000),
    ):
        found = _sorted_unique(values)
        assert found.dtype == values.dtype and found.tolist() == np.unique(values).tolist()
    assert _sorted_unique(np.array([4, -1, 4, 0, -1])).tolist() == [-1, 0, 4]


def test_nearest_groups_are_the_same_from_the_lookup_table_and_from_isin(monkeypatch: pytest.MonkeyPatch) -> None:
    import clusterplan.measures.withheld as withheld

    rng = np.random.default_rng(7)
    six = [f"{a}{b}{c}" for a in ("311", "336", "541") for b in ("11", "12", "41") for c in "0123"]
    cell_codes = pd.Series(rng.choice(six, 5_000))
    cell_area = rng.integers(0, 40, 5_000).astype(np.int64)
    # Groups at every level, in most areas but not all (area 40 has groups and no cell, 0-4 none).
    group_codes = pd.Series([code[:n] for code in rng.choice(six, 900) for n in (rng.integers(2, 6),)])
    group_area = rng.integers(5, 41, 900).astype(np.int64)
    by_table = withheld._nearest_group_index(cell_area, cell_codes, group_area, group_codes)
    monkeypatch.setattr(withheld, "_LOOKUP_TABLE_LIMIT", 0)
    by_isin = withheld._nearest_group_index(cell_area, cell_codes, group_area, group_codes)
    assert by_table[1] == by_isin[1] and by_table[0].tolist() == by_isin[0].tolist()
    found, vocabulary = by_table
    assert (found[cell_area < 5] == -1).all() and 0 < (found >= 0).sum() < len(found)
    # Each hit is the nearest code above the cell's (33611, 3361, 336, 31-33, ...) that its area has a group of.
    held = set(zip(group_area.tolist(), group_codes.tolist(), strict=True))
    hits = 0
    for area, code, at in zip(cell_area.tolist(), cell_codes.tolist(), found.tolist(), strict=True):
        above = [c for c in withheld._prefixes(code) if (area, c) in held]
        assert (vocabulary[at] if at >= 0 else None) == (above[0] if above else None)
        hits += bool(above)
    assert hits > 1_000
