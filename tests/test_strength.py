"""Strong clusters (US Cluster Mapping Project rule) and European Cluster Observatory stars.

Hand-built panels have thresholds worked out by hand (type-7 quantiles, as d3.quantile in the Cluster Mapping code);
the real slices are County Business Patterns 2019 by CBSA with the 51 traded clusters, and BRES 2021 by ITL2 area
and SIC division, both from the embedded package data.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from clusterplan._data import dataset_path
from clusterplan._exceptions import ParameterError, UnknownCodeError
from clusterplan.measures.strength import (
    CLUSTER_MAPPING_RULES,
    ClusterMappingRule,
    _texts,
    cluster_mapping_strength,
    cluster_observatory_stars,
)


@pytest.fixture
def hand_panel() -> pd.DataFrame:
    # Region I has no employment in the cluster: it is left out of every distribution.
    return pd.DataFrame(
        {
            "area_code": list("ABCDEFGHI"),
            "unit_code": "auto",
            "employment": [120, 40, 300, 80, 1_500, 250, 200, 90, 0],
            "establishments": [6, 2, 12, 5, 40, 3, 9, 4, 0],
            "lq": [1.1, 0.4, 1.6, 0.9, 2.5, 1.6, 1.6, 0.95, 0.0],
        }
    )


def verdicts(frame: pd.DataFrame, column: str) -> list[str]:
    return frame.loc[frame[column], "area_code"].tolist()


def test_strong_rule_by_hand(hand_panel: pd.DataFrame) -> None:
    out = cluster_mapping_strength(hand_panel)
    # LQs sorted: 0.4 0.9 0.95 1.1 1.6 1.6 1.6 2.5; Q75 at position 0.75 * 7 = 5.25 -> 1.6.
    # Employment sorted: 40 80 90 120 200 250 300 1500; Q25 at 1.75 -> 80 + 0.75 * 10 = 87.5.
    # Establishments sorted: 2 3 4 5 6 9 12 40; Q25 -> 3 + 0.75 * 1 = 3.75.
    assert out["strong_lq_threshold"].iloc[0] == pytest.approx(1.6)
    assert out["strong_employment_threshold"].iloc[0] == pytest.approx(87.5)
    assert out["strong_establishments_threshold"].iloc[0] == pytest.approx(3.75)
    assert (out["strong_comparable_regions"] == 8).all()
    # C and G sit exactly on Q75 (>= passes); F has too few establishments; E clears everything.
    assert verdicts(out, "strong") == ["C", "E", "G"]
    reasons = out.set_index("area_code")["strong_reason"]
    assert reasons["F"] == "not strong: establishments 3 <= 25th percentile 3.75"
    assert reasons["C"] == (
        "strong: LQ 1.6 >= 75th percentile 1.6; LQ >= 1; employment 300 > 25th percentile 87.5; "
        "establishments 12 > 25th percentile 3.75"
    )
    assert reasons["D"] == "not strong: LQ 0.9 < 75th percentile 1.6; LQ < 1; employment 80 <= 25th percentile 87.5"
    assert reasons["I"] == "not strong: no employment in the cluster"
    assert out["strong_establishments_test"].dtype == "boolean" and not out["strong_establishments_test"].isna().any()
    assert list(out.columns[:5]) == list(hand_panel.columns)  # the panel comes back unchanged, columns appended


def test_other_cluster_mapping_rules_by_hand(hand_panel: pd.DataFrame) -> None:
    # strong10: Q90 at 6.3 -> 1.6 + 0.3 * 0.9 = 1.87.
    out = cluster_mapping_strength(hand_panel, "strong10")
    assert out["strong10_lq_threshold"].iloc[0] == pytest.approx(1.87) and verdicts(out, "strong10") == ["E"]
    # significant: LQ strictly above the median (1.1 + 1.6) / 2 = 1.35, no LQ floor; F fails on establishments.
    out = cluster_mapping_strength(hand_panel, "significant")
    assert out["significant_lq_threshold"].iloc[0] == pytest.approx(1.35)
    assert verdicts(out, "significant") == ["C", "E", "G"]
    # qualifying: LQ above Q25 = 0.9 + 0.75 * 0.05 = 0.9375; H (0.95, 90 jobs, 4 establishments) qualifies.
    out = cluster_mapping_strength(hand_panel, "qualifying")
    assert out["qualifying_lq_threshold"].iloc[0] == pytest.approx(0.9375)
    assert verdicts(out, "qualifying") == ["A", "C", "E", "G", "H"]
    assert "LQ >=" not in out.set_index("area_code").loc["A", "qualifying_reason"]  # no LQ floor in this rule
    custom = ClusterMappingRule("top_half", 0.5, True, 1.2)
    assert verdicts(cluster_mapping_strength(hand_panel, custom), "top_half") == ["C", "E", "G"]
    assert set(CLUSTER_MAPPING_RULES) == {"strong", "strong10", "significant", "qualifying"}


def test_lq_floor_of_one() -> None:
    # Every region is below the national share: the top quartile is not strong.
    panel = pd.DataFrame(
        {
            "area_code": list("ABCD"),
            "unit_code": "mining",
            "employment": [100, 200, 300, 400],
            "establishments": [5, 6, 7, 8],
            "lq": [0.2, 0.4, 0.6, 0.8],
        }
    )
    out = cluster_mapping_strength(panel).set_index("area_code")
    assert not out["strong"].any() and out.loc["D", "strong_lq_test"]
    assert out.loc["D", "strong_reason"] == "not strong: LQ < 1"


def test_without_establishments_the_test_is_not_applied(hand_panel: pd.DataFrame) -> None:
    out = cluster_mapping_strength(hand_panel.drop(columns="establishments"))
    # F now passes: the establishment test is dropped, and says so.
    assert verdicts(out, "strong") == ["C", "E", "F", "G"]
    assert out["strong_establishments_test"].isna().all()
    assert out["strong_establishments_threshold"].isna().all()
    reasons = out.set_index("area_code")["strong_reason"]
    assert reasons["F"] == (
        "strong: LQ 1.6 >= 75th percentile 1.6; LQ >= 1; employment 250 > 25th percentile 87.5; "
        "establishments not applied (no establishment counts)"
    )
    assert reasons["B"].endswith("; establishments not applied (no establishment counts)")
    with pytest.raises(ParameterError, match=r"no establishment counts.*cannot be applied"):
        cluster_mapping_strength(hand_panel.drop(columns="establishments"), require_establishments=True)
    # An all-NaN column is the same as no column.
    blank = hand_panel.assign(establishments=np.nan)
    assert verdicts(cluster_mapping_strength(blank), "strong") == ["C", "E", "F", "G"]


def test_partly_missing_establishments_fail(hand_panel: pd.DataFrame) -> None:
    panel = hand_panel.copy()
    panel.loc[panel["area_code"] == "E", "establishments"] = np.nan
    out = cluster_mapping_strength(panel).set_index("area_code")
    assert not out.loc["E", "strong"] and out.loc["E", "strong_reason"] == "not strong: establishments unknown"
    assert not bool(out.loc["E", "strong_establishments_test"])


def test_years_and_units_are_compared_separately(hand_panel: pd.DataFrame) -> None:
    other = hand_panel.assign(unit_code="steel", lq=hand_panel["lq"][::-1].to_numpy())
    both_years = pd.concat([hand_panel.assign(year=2020), other.assign(year=2020), hand_panel.assign(year=2021)])
    out = cluster_mapping_strength(both_years.reset_index(drop=True))
    for (unit, year), part in out.groupby(["unit_code", "year"]):
        alone = cluster_mapping_strength(both_years[(both_years.unit_code == unit) & (both_years.year == year)])
        assert part["strong"].tolist() == alone["strong"].tolist(), (unit, year)


def test_bad_arguments(hand_panel: pd.DataFrame) -> None:
    with pytest.raises(UnknownCodeError, match="unknown Cluster Mapping rule 'very_strong'; valid choices"):
        cluster_mapping_strength(hand_panel, "very_strong")
    with pytest.raises(ParameterError, match=r"cluster_mapping_strength needs panel column.*lq"):
        cluster_mapping_strength(hand_panel.drop(columns="lq"))
    with pytest.raises(ParameterError, match=r"cluster_observatory_stars needs panel column.*share"):
        cluster_observatory_stars(hand_panel)


# --- European Cluster Observatory stars -------------------------------------------------------------------------------


@pytest.fixture
def twenty_regions() -> pd.DataFrame:
    employment = [1_000, 800, 800, *range(700, 100, -40)][:20]
    employment += [50] * (20 - len(employment))
    share = [0.01] * 20
    share[5], share[6] = 0.09, 0.05  # the two most focused regions
    lq = [1.0] * 20
    lq[4], lq[7] = 2.0, 1.999  # exactly 2 earns the star
    return pd.DataFrame(
        {
            "area_code": [f"R{i:02d}" for i in range(1, 21)],
            "unit_code": "auto",
            "employment": employment,
            "lq": lq,
            "share": share,
        }
    )


def test_stars_by_hand(twenty_regions: pd.DataFrame) -> None:
    out = cluster_observatory_stars(twenty_regions).set_index("area_code")
    # Top 10% of 20 regions = rank <= 2. R02 and R03 tie for 2nd and both earn the size star.
    assert out.index[out["size_star"]].tolist() == ["R01", "R02", "R03"]
    assert out.loc[["R01", "R02", "R03", "R04"], "employment_rank"].tolist() == [1, 2, 2, 4]
    assert out.index[out["specialisation_star"]].tolist() == ["R05"]
    assert out.index[out["focus_star"]].tolist() == ["R06", "R07"]
    assert out["stars"].sum() == 6 and out["stars"].max() == 1
    assert out.loc["R05", "stars_reason"] == (
        "1 star: size - (employment rank 5 of 20, top 10% = rank <= 2); specialisation * (LQ 2 vs 2); "
        "focus - (share rank 3 of 20)"
    )


def test_stars_add_up_and_pool(twenty_regions: pd.DataFrame) -> None:
    panel = twenty_regions.copy()
    panel.loc[0, ["lq", "share"]] = [2.5, 0.2]  # R01: large, specialised and focused
    out = cluster_observatory_stars(panel).set_index("area_code")
    assert out.loc["R01", ["size_star", "specialisation_star", "focus_star", "stars"]].tolist() == [True, True, True, 3]
    assert out.loc["R01", "stars_reason"].startswith("3 stars: size * (employment rank 1 of 20")
    # Pooled focus: a second cluster with larger shares takes the two focus stars of all 40 region-clusters.
    other = panel.assign(unit_code="steel", share=panel["share"] * 10)
    pooled = cluster_observatory_stars(pd.concat([panel, other], ignore_index=True), focus_within="all")
    # Shares: steel R01 2.0, R06 0.9, R07 0.5, then auto R01 0.2; top 10% of 40 = rank <= 4.
    starred = pooled.loc[pooled["focus_star"], ["area_code", "unit_code"]]
    assert sorted(map(tuple, starred.to_numpy().tolist())) == [
        ("R01", "auto"),
        ("R01", "steel"),
        ("R06", "steel"),
        ("R07", "steel"),
    ]
    assert (pooled["focus_regions"] == 40).all()
    # Under 10 regions nobody is in the top 10%; regions without employment get no star.
    small = cluster_observatory_stars(panel.head(9).assign(lq=0.5))
    assert small["stars"].sum() == 0
    empty = cluster_observatory_stars(panel.assign(employment=[0] + [100] * 19)).set_index("area_code")
    assert (
        empty.loc["R01", "stars"] == 0 and empty.loc["R01", "stars_reason"] == "0 stars: no employment in the cluster"
    )
    with pytest.raises(ParameterError, match="top_share must be between 0 and 1"):
        cluster_observatory_stars(panel, top_share=10)


# --- Real slices ------------------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def cbp_traded_panel() -> pd.DataFrame:
    """CBP 2019 by CBSA: employment and establishments of the 51 traded clusters from 6-digit NAICS rows."""
    cbp = pd.read_parquet(dataset_path("us_cbp_2019_cbsa"), columns=["area_code", "industry_code", "measure", "value"])
    clusters = pd.read_parquet(dataset_path("cmp_traded_clusters"))
    six = cbp[cbp["industry_code"].isin(clusters["naics_code"])]
    wide = six.pivot_table(index=["area_code", "industry_code"], columns="measure", values="value", aggfunc="sum")
    wide = wide.reset_index().merge(clusters, left_on="industry_code", right_on="naics_code")
    panel = wide.groupby(["area_code", "cluster_id"], as_index=False)[["employment", "establishments"]].sum()
    traded = wide.groupby("area_code")["employment"].sum()  # the denominator: traded employment, as lq_tf
    national = panel.groupby("cluster_id")["employment"].sum()
    panel["share"] = panel["employment"] / panel["area_code"].map(traded)
    panel["lq"] = panel["share"] / (panel["cluster_id"].map(national) / traded.sum())
    names = clusters.drop_duplicates("cluster_id").set_index("cluster_id")["cluster_name"]
    return panel.assign(unit_code=panel["cluster_id"].map(names))


def test_strong_clusters_cbp_2019(cbp_traded_panel: pd.DataFrame) -> None:
    out = cluster_mapping_strength(cbp_traded_panel, require_establishments=True)
    # An independent re-implementation of cluster_calcs_reducer.js (type-7 quantiles over regions with jobs).
    expected = []
    for _, part in cbp_traded_panel.groupby("unit_code", sort=False):
        jobs = part[part["employment"] > 0]
        q75 = np.percentile(jobs["lq"], 75)
        emp25, est25 = np.percentile(jobs["employment"], 25), np.percentile(jobs["establishments"], 25)
        ok = (part["lq"] >= q75) & (part["employment"] > emp25) & (part["establishments"] > est25) & (part["lq"] >= 1)
        expected.append(ok)
    assert out["strong"].tolist() == pd.concat(expected).reindex(out.index).tolist()
    strong = out[out["strong"]]
    # Well-known strong clusters: Detroit in automotive, San Jose in IT, Houston in upstream chemicals.
    assert "Automotive" in set(strong.loc[strong["area_code"] == "19820", "unit_code"])
    assert "Information Technology and Analytical Instruments" in set(
        strong.loc[strong["area_code"] == "41940", "unit_code"]
    )
    assert "Upstream Chemical Products" in set(strong.loc[strong["area_code"] == "26420", "unit_code"])
    # Roughly a sixth of the region-clusters with jobs are strong (top quartile, less the small ones).
    assert 0.12 < out["strong"].sum() / (out["employment"] > 0).sum() < 0.25
    assert out["strong_establishments_test"].notna().all()


def test_bres_division_29_stars_and_strength() -> None:
    facts = pd.read_parquet(dataset_path("bres_itl2_sic2"), columns=["area_code", "industry_code", "year", "value"])
    facts = facts[facts["year"] == 2021]
    totals = facts.groupby("area_code")["value"].sum()
    national = facts.groupby("industry_code")["value"].sum()
    panel = facts.rename(columns={"industry_code": "unit_code", "value": "employment"})
    panel["share"] = panel["employment"] / panel["area_code"].map(totals)
    panel["lq"] = panel["share"] / (panel["unit_code"].map(national) / totals.sum())
    stars = cluster_observatory_stars(panel)
    motor = stars[stars["unit_code"] == "29"].set_index("area_code")
    # Published 2021 employment in SIC 29 (motor vehicles): West Midlands (TLG3) 28,000, Herefordshire,
    # Worcestershire and Warwickshire (TLG1) 21,000, North Yorkshire... (TLC2) 10,000: the three largest of 40,
    # each with an LQ above 2 and among the 4 highest shares.
    assert motor.index[motor["stars"] == 3].sort_values().tolist() == ["TLC2", "TLG1", "TLG3"]
    assert motor.loc["TLG3", "employment_rank"] == 1 and motor.loc["TLG1", "share_rank"] == 1
    assert (motor["size_regions"] == 40).all()
    strong = cluster_mapping_strength(panel)
    motor = strong[strong["unit_code"] == "29"].set_index("area_code")
    assert motor.loc["TLG1", "strong"] and motor.loc["TLG3", "strong"]
    assert motor["strong_establishments_test"].isna().all()
    assert motor["strong_reason"].str.endswith("establishments not applied (no establishment counts)").all()


def test_texts_are_formatted_once_per_value_and_keep_signed_zeros() -> None:
    nan = float("nan")
    texts = _texts(np.array([1234.5, nan, 0.0, -0.0, 1234.5, 0.25, nan]), ",.4g")
    assert texts.to_pylist() == ["1,234", "nan", "0", "-0", "1,234", "0.25", "nan"]
    assert _texts(np.zeros(0), ".3g").to_pylist() == []


def _strength_reason_by_row(row: pd.Series, name: str, label: str) -> str:
    """The strong-cluster reason of one row of cluster_mapping_strength's output, written out row by row from
    its test columns (the rule "strong": LQ >= 75th percentile, LQ floor 1, sizes > 25th percentile)."""
    if not row["employment"] > 0:
        return f"not {name}: no employment in the cluster"
    passed: list[str] = []
    failed: list[str] = []
    lq, bound = row["lq"], row["lq_floor"] if pd.notna(row["lq_floor"]) else row["lq"]
    if np.isnan(lq):
        failed.append("LQ undefined")
    else:
        test = row[f"{name}_lq_test"]
        (passed if test else failed).append(
            f"LQ {lq:.3g}, {label} {bound:.3g} {'>=' if test else '<'} 75th percentile "
            f"{row[f'{name}_lq_threshold']:.3g}"
        )
        test = row[f"{name}_lq_minimum_test"]
        (passed if test else failed).append(f"LQ {label} >= 1" if test else f"LQ {label} < 1")
    test = row[f"{name}_employment_test"]
    (passed if test else failed).append(
        f"employment {row['employment']:,.0f} {'>' if test else '<='} 25th percentile "
        f"{row[f'{name}_employment_threshold']:,.4g}"
    )
    if np.isnan(row["establishments"]):
        failed.append("establishments unknown")
    else:
        test = row[f"{name}_establishments_test"]
        (passed if test else failed).append(
            f"establishments {row['establishments']:,.0f} {'>' if test else '<='} 25th percentile "
            f"{row[f'{name}_establishments_threshold']:,.4g}"
        )
    if not failed:
        return f"{name}: " + "; ".join(passed)
    point = (not np.isnan(lq)) and lq >= row[f"{name}_lq_threshold"] and lq >= 1
    doubt = (
        " (uncertain: the LQ passes, its lower bound does not)"
        if point and not (row[f"{name}_lq_test"] and row[f"{name}_lq_minimum_test"])
        else ""
    )
    return f"not {name}{doubt}: " + "; ".join(failed)


def test_reasons_of_a_long_panel_read_as_written_row_by_row() -> None:
    # 3 clusters x 400 areas: rows without employment between the others, undefined LQs, unknown establishment
    # counts, bounds below the LQ (some verdicts uncertain) and repeated values.
    rng = np.random.default_rng(11)
    n = 1200
    employment = rng.choice([0.0, 5.0, 40.0, 120.0, 3000.0], n) * rng.integers(1, 4, n)
    lq = np.round(rng.gamma(1.5, 1.0, n), 2) + rng.random(n) * (rng.random(n) < 0.5)
    lq[rng.random(n) < 0.03] = np.nan
    establishments = rng.integers(0, 60, n).astype(float)
    establishments[rng.random(n) < 0.05] = np.nan
    floor = np.where(rng.random(n) < 0.3, lq * rng.random(n), lq)
    floor[rng.random(n) < 0.05] = np.nan
    panel = pd.DataFrame(
        {
            "area_code": [f"A{i % 400:03d}" for i in range(n)],
            "unit_code": np.repeat(["auto", "bio", "wood"], 400),
            "employment": employment,
            "lq": lq,
            "establishments": establishments,
            "lq_floor": floor,
        }
    )
    out = cluster_mapping_strength(panel, lq_bound="lq_floor", lq_bound_label="bound")
    expected = [_strength_reason_by_row(row, "strong", "bound") for _, row in out.iterrows()]
    assert out["strong_reason"].tolist() == expected
    assert out["strong_reason"].str.contains("uncertain").any() and out["strong_reason"].str.contains("undefined").any()
    assert (out["strong_reason"] == "not strong: no employment in the cluster").sum() == (employment == 0).sum()
    # The stars: the same text as written row by row.
    stars = cluster_observatory_stars(panel.assign(share=employment / 1e4))
    for i in (0, 1, 2, 500, 1199):
        row = stars.iloc[i]
        if row["employment"] > 0:
            lq_text = "(LQ undefined)" if np.isnan(row["lq"]) else f"(LQ {row['lq']:.3g} vs 2)"
            want = (
                f"{row['stars']} star{'s' if row['stars'] != 1 else ''}: size {'*' if row['size_star'] else '-'} "
                f"(employment rank {row['employment_rank']:.0f} of {row['size_regions']}, top 10% = rank <= "
                f"{0.1 * row['size_regions']:.4g}); specialisation {'*' if row['specialisation_star'] else '-'} "
                f"{lq_text}; focus {'*' if row['focus_star'] else '-'} (share rank {row['share_rank']:.0f} of "
                f"{row['focus_regions']})"
            )
        else:
            want = "0 stars: no employment in the cluster"
        assert row["stars_reason"] == want
    assert stars["stars_reason"].dtype == pd.StringDtype("pyarrow", na_value=np.nan)


def test_thresholds_by_group_are_the_quantiles_transform_gives() -> None:
    from clusterplan.measures import strength

    rng = np.random.default_rng(5)
    values = pd.Series(rng.random(300).round(2), index=rng.permutation(300) + 1000, name="lq")
    values[values < 0.1] = np.nan
    groups = pd.Series(rng.choice(["a", "b", "c", "d"], 300), index=values.index)
    values[groups == "d"] = np.nan  # a group with no value: NaN on its rows
    grouped = values.groupby(groups, sort=False, dropna=False)
    rows = strength._rows_of_groups(grouped.ngroup().to_numpy())
    for q in (0.25, 0.5, 0.75, 0.9):
        expected = grouped.transform(
            lambda s, q=q: float(np.quantile(s.dropna().to_numpy(), q)) if s.notna().any() else np.nan
        )
        got = strength._quantile_by_group(values, rows, q)
        pd.testing.assert_series_equal(got, expected, check_exact=True)
    assert got[groups == "d"].isna().all() and got[groups != "d"].notna().all()
    assert strength._rows_of_groups(np.zeros(0, dtype=np.int64))[0].size == 0
