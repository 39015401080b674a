"""Co-location relatedness: RCA, presence, co-occurrence, Hidalgo proximity, EconGeo normalisations, LQ correlation.

Golden values are hand-computed on small matrices (the EconGeo documentation builds its examples from random
matrices and prints no values, so its formulas are checked by hand here, cell by cell).
"""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest

from clusterplan import DataValidationError, ParameterError, UnknownCodeError, industry_measures
from clusterplan.measures.location_quotient import location_quotient
from clusterplan.relatedness import (
    PROXIMITY_METHODS,
    activity_matrix,
    co_occurrence,
    industry_proximity,
    lq_correlation,
    minimum_conditional_probability,
    normalised_co_occurrence,
    presence_matrix,
    proximity_pairs,
    revealed_comparative_advantage,
)
from clusterplan.relatedness.colocation import _fixed_width_bytes, _grid_labels, _rca_array
from clusterplan.warehouse import Warehouse

# Four regions, three industries: A in R1-R3, B in R1-R2, C in R2-R4.
PRESENCE = pd.DataFrame(
    [[1, 1, 0], [1, 1, 1], [1, 0, 1], [0, 0, 1]], index=["R1", "R2", "R3", "R4"], columns=["A", "B", "C"]
)


def long_table() -> pd.DataFrame:
    # Employment of three regions in three industries (R2 appears twice for B: duplicates are summed).
    return pd.DataFrame(
        {
            "area_code": ["R1", "R1", "R2", "R2", "R2", "R3", "R3", "R1"],
            "industry_code": ["A", "B", "A", "B", "B", "C", "A", "C"],
            "employment": [60.0, 20.0, 10.0, 15.0, 15.0, 50.0, 30.0, 20.0],
        }
    )


def test_activity_matrix_sums_duplicates_and_fills_zeros() -> None:
    x = activity_matrix(long_table())
    assert list(x.index) == ["R1", "R2", "R3"] and list(x.columns) == ["A", "B", "C"]
    assert x.loc["R2", "B"] == 30.0 and x.loc["R2", "C"] == 0.0 and x.loc["R1", "A"] == 60.0


def test_activity_matrix_reshapes_a_sorted_complete_grid_as_the_general_path_builds_it(warehouse: Warehouse) -> None:
    # CBP 2019, 933 CBSAs x NAICS 4-digit, as the warehouse hands it out: every pair once, sorted by area, industry.
    table = industry_measures(warehouse, level="naics4", year=2019)[["area_code", "industry_code", "employment"]]
    assert _grid_labels(table["area_code"], table["industry_code"]) is not None
    shuffled = table.sample(frac=1, random_state=0)
    assert _grid_labels(shuffled["area_code"], shuffled["industry_code"]) is None
    pd.testing.assert_frame_equal(activity_matrix(table), activity_matrix(shuffled), check_exact=True)
    # A missing pair, a pair twice (one code overwritten) and a missing code all take the general path.
    twice = table.copy()
    twice.loc[1, "industry_code"] = twice.loc[0, "industry_code"]
    missing_code = table.copy()
    missing_code.loc[5, "area_code"] = None
    # Two industries swapped in one area, and one area's last row moved to the next area: each code still appears
    # as often as in the grid, but not in its place.
    swapped = table.copy()
    swapped.loc[[2000, 2001], "industry_code"] = table.loc[[2001, 2000], "industry_code"].to_numpy()
    width = int((table["area_code"] == table.loc[0, "area_code"]).sum())
    moved = table.copy()
    moved.loc[width - 1, "area_code"] = table.loc[width, "area_code"]
    for other in (table.iloc[1:], twice, missing_code, swapped, moved):
        assert _grid_labels(other["area_code"], other["industry_code"]) is None
    # Codes of different lengths (the first industry renamed, order kept) take the general path.
    varied = table.copy()
    first_industry = table.loc[0, "industry_code"]
    varied["industry_code"] = varied["industry_code"].where(
        varied["industry_code"] != first_industry, first_industry + "A"
    )
    assert _fixed_width_bytes(table["industry_code"].array.__arrow_array__()) is not None
    assert _fixed_width_bytes(varied["industry_code"].array.__arrow_array__()) is None
    assert _grid_labels(varied["area_code"], varied["industry_code"]) is None
    assert activity_matrix(varied).loc[table.loc[0, "area_code"], first_industry + "A"] == table.loc[0, "employment"]
    summed = activity_matrix(twice)
    first, second = table.loc[0, "industry_code"], table.loc[1, "industry_code"]
    area = table.loc[0, "area_code"]
    assert summed.loc[area, first] == table.loc[0, "employment"] + table.loc[1, "employment"]
    assert summed.loc[area, second] == 0.0


def _rechunked(column: pd.Series, bounds: list[int]) -> pd.Series:
    """The column with its Arrow data split into chunks at the given row positions (empty chunks included)."""
    whole = column.array.__arrow_array__().combine_chunks()
    edges = [0, *bounds, len(whole)]
    chunks = pa.chunked_array([whole.slice(a, b - a) for a, b in itertools.pairwise(edges)])
    return pd.Series(pd.array(chunks, dtype=column.dtype), name=column.name)


def test_grid_labels_do_not_depend_on_how_the_columns_are_chunked(warehouse: Warehouse) -> None:
    # CBP 2019, 933 CBSAs x NAICS 4-digit. Chunk edges inside a block, at a block's end, a chunk shorter than a
    # block, an empty chunk, and the two columns chunked differently: the same labels as the general path's.
    table = industry_measures(warehouse, level="naics4", year=2019)[["area_code", "industry_code", "employment"]]
    width = int((table["area_code"] == table.loc[0, "area_code"]).sum())
    general = activity_matrix(table.sample(frac=1, random_state=0))
    area_bounds = [width - 1, width, 2 * width + 5, 2 * width + 5, 4 * width - 1, len(table) // 2 + 3]
    industry_bounds = [3, width + 1, 5 * width, 5 * width + width // 3, len(table) - 1]
    areas, industries = _rechunked(table["area_code"], area_bounds), _rechunked(table["industry_code"], industry_bounds)
    assert areas.array.__arrow_array__().num_chunks == len(area_bounds) + 1
    chunked = pd.DataFrame({"area_code": areas, "industry_code": industries, "employment": table["employment"]})
    labels = _grid_labels(chunked["area_code"], chunked["industry_code"])
    assert labels is not None
    pd.testing.assert_index_equal(pd.Index(labels[0], name="area_code"), general.index, exact=True)
    pd.testing.assert_index_equal(pd.Index(labels[1], name="industry_code"), general.columns, exact=True)
    pd.testing.assert_frame_equal(activity_matrix(chunked), general, check_exact=True)
    # A code out of place is found at a chunk's start, in its whole blocks and in its part blocks at either end.
    for row in (3, width, 3 * width + 9, 5 * width + 2, len(table) - 1):
        wrong = chunked.copy()
        wrong["industry_code"] = _rechunked(
            wrong["industry_code"].where(wrong.index != row, table.loc[(row + 1) % width, "industry_code"]),
            industry_bounds,
        )
        assert _grid_labels(wrong["area_code"], wrong["industry_code"]) is None
    # A block's last area code replaced by the next block's, in the first row of a chunk.
    moved = table["area_code"].where(table.index != 4 * width - 1, table.loc[4 * width, "area_code"])
    assert _grid_labels(_rechunked(moved, area_bounds), industries) is None


def test_rca_hand_computed() -> None:
    x = activity_matrix(long_table())
    rca = revealed_comparative_advantage(x)
    # R1: 60 of its 100 jobs in A; A has 100 of all 220 jobs -> (60/100) / (100/220) = 1.32.
    assert rca.loc["R1", "A"] == pytest.approx(1.32)
    # R3, C: (50/80) / (70/220) = 1.9642857...
    assert rca.loc["R3", "C"] == pytest.approx((50 / 80) / (70 / 220))
    # A weighted average of RCA with region shares of an industry is 1 (sum_r X_r/X * RCA_ri = 1).
    weights = x.sum(axis=1) / x.to_numpy().sum()
    assert (rca.mul(weights, axis=0).sum(axis=0)).to_numpy() == pytest.approx([1.0, 1.0, 1.0])


def test_rca_is_unchanged_by_scaling_and_order() -> None:
    x = activity_matrix(long_table())
    scaled = revealed_comparative_advantage(x * 13.7)
    shuffled = revealed_comparative_advantage(x.iloc[::-1, ::-1])
    base = revealed_comparative_advantage(x)
    assert np.allclose(scaled.to_numpy(), base.to_numpy())
    assert np.allclose(shuffled.loc[base.index, base.columns].to_numpy(), base.to_numpy())


def test_rca_takes_the_location_quotient_bit_for_bit_with_and_without_empty_rows() -> None:
    # The quick path (every total positive) and the LQ's path (an empty area, an empty industry) give the same bits
    # as the LQ of the same totals, in either memory layout.
    rng = np.random.default_rng(5)
    x = rng.gamma(0.3, 50.0, size=(60, 40)) * (rng.random((60, 40)) < 0.6)
    x[:, 0] += 1.0
    x[0] += 1.0
    padded = np.zeros((61, 41))
    padded[:60, :40] = x
    for array in (x, np.asfortranarray(x), padded):
        totals = array.sum(axis=1, keepdims=True), array.sum(axis=0, keepdims=True), array.sum()
        expected = np.nan_to_num(location_quotient(array, *totals), nan=0.0)
        assert np.array_equal(_rca_array(array), expected)
    assert not _rca_array(padded)[60].any() and not _rca_array(padded)[:, 40].any()
    assert not revealed_comparative_advantage(pd.DataFrame(np.zeros((2, 2)))).to_numpy().any()


def test_presence_threshold_is_inclusive() -> None:
    rca = pd.DataFrame([[1.0, 0.999], [2.0, 0.0]], index=["R1", "R2"], columns=["A", "B"])
    assert presence_matrix(rca).to_numpy().tolist() == [[1, 0], [1, 0]]
    assert presence_matrix(rca, threshold=2.0).to_numpy().tolist() == [[0, 0], [1, 0]]
    with pytest.raises(ParameterError, match="threshold must be a number >= 0"):
        presence_matrix(rca, threshold=-1)


def test_co_occurrence_and_ubiquity() -> None:
    assert co_occurrence(PRESENCE).to_numpy().tolist() == [[0, 2, 2], [2, 0, 1], [2, 1, 0]]
    assert np.diag(co_occurrence(PRESENCE, diagonal=True)).tolist() == [3, 2, 3]


def test_hidalgo_minimum_conditional_probability_hand_computed() -> None:
    phi = minimum_conditional_probability(PRESENCE)
    # P(B|A) = 2/3, P(A|B) = 2/2 = 1 -> min 2/3; A,C: 2/3 both ways; B,C: P(C|B) = 1/2, P(B|C) = 1/3 -> 1/3.
    assert phi.loc["A", "B"] == pytest.approx(2 / 3)
    assert phi.loc["A", "C"] == pytest.approx(2 / 3)
    assert phi.loc["B", "C"] == pytest.approx(1 / 3)
    assert np.allclose(phi.to_numpy(), phi.to_numpy().T) and np.diag(phi).tolist() == [0, 0, 0]


def test_econgeo_normalisations_hand_computed() -> None:
    c = co_occurrence(PRESENCE)  # S = [4, 3, 3], T = 10 (EconGeo uses the co-occurrence totals)
    association = normalised_co_occurrence(c, "association")
    assert association.loc["A", "B"] == pytest.approx(2 * 10 / (4 * 3))  # observed / expected
    assert association.loc["B", "C"] == pytest.approx(1 * 10 / (3 * 3))
    cosine = normalised_co_occurrence(c, "cosine")
    assert cosine.loc["A", "B"] == pytest.approx(2 / np.sqrt(12))
    jaccard = normalised_co_occurrence(c, "jaccard")
    assert jaccard.loc["A", "C"] == pytest.approx(2 / (4 + 3 - 2))
    probability = normalised_co_occurrence(c, "prob")  # EconGeo's name for the default
    expected = (4 / 10 * 3 / (10 - 4) + 3 / 10 * 4 / (10 - 3)) * 10 / 2
    assert probability.loc["A", "B"] == pytest.approx(2 / expected)
    assert probability.loc["A", "B"] == probability.loc["B", "A"]


def test_normalisation_zero_row_gives_zero_not_nan() -> None:
    c = pd.DataFrame([[0, 1, 0], [1, 0, 0], [0, 0, 0]], index=list("ABC"), columns=list("ABC"))
    for method in ("probability", "association", "cosine", "jaccard"):
        values = normalised_co_occurrence(c, method).to_numpy()
        assert np.isfinite(values).all() and values[2].tolist() == [0, 0, 0]


def test_lq_correlation_matches_pandas_pearson() -> None:
    x = activity_matrix(long_table())
    rca = revealed_comparative_advantage(x)
    ours = lq_correlation(rca)
    theirs = rca.corr().to_numpy(copy=True)
    np.fill_diagonal(theirs, 0.0)
    assert np.allclose(ours.to_numpy(), theirs)


def test_lq_correlation_constant_column_is_zero() -> None:
    lq = pd.DataFrame({"A": [1.0, 1.0, 1.0], "B": [0.5, 1.0, 2.0]})
    assert lq_correlation(lq).to_numpy().tolist() == [[0.0, 0.0], [0.0, 0.0]]


@pytest.mark.parametrize("method", PROXIMITY_METHODS)
def test_industry_proximity_every_method_is_symmetric_and_order_free(method: str) -> None:
    table = long_table()
    base = industry_proximity(table, method=method)
    shuffled = industry_proximity(table.sample(frac=1.0, random_state=3), method=method)
    assert base.equals(shuffled)
    assert np.allclose(base.to_numpy(), base.to_numpy().T) and np.allclose(np.diag(base), 0.0)


def test_industry_proximity_hidalgo_from_long_table() -> None:
    # RCA >= 1: R1 has A (1.32) and C? (20/100)/(70/220) = 0.63 no; R2 has B (30/55)/(50/220) = 2.4;
    # R3 has A (30/80)/(100/220) = 0.825 no, C 1.96. A, B and C each present once and never together: phi = 0.
    assert industry_proximity(long_table()).to_numpy().tolist() == [[0, 0, 0], [0, 0, 0], [0, 0, 0]]


def test_bad_inputs_name_the_problem() -> None:
    table = long_table()
    with pytest.raises(UnknownCodeError, match="unknown relatedness method 'pearson'; valid choices: minimum_cond"):
        industry_proximity(table, method="pearson")
    with pytest.raises(ParameterError, match="no column 'jobs'; columns are: area_code, industry_code"):
        activity_matrix(table, value="jobs")
    bad = table.copy()
    bad.loc[4, "employment"] = -5
    with pytest.raises(DataValidationError, match=r"row 5, column 'employment', code 'B': negative value -5"):
        activity_matrix(bad)
    bad["employment"] = bad["employment"].astype(object)
    bad.loc[4, "employment"] = "n/a"
    with pytest.raises(DataValidationError, match="missing or non-numeric value 'n/a' for area 'R2'"):
        activity_matrix(bad)
    missing = table.copy()
    missing.loc[2, "area_code"] = None
    with pytest.raises(DataValidationError, match="row 3, column 'area_code': missing code"):
        activity_matrix(missing)


def test_proximity_pairs_long_form() -> None:
    pairs = proximity_pairs(minimum_conditional_probability(PRESENCE), name="phi")
    assert pairs.columns.tolist() == ["industry_a", "industry_b", "phi"]
    assert pairs[["industry_a", "industry_b"]].values.tolist() == [["A", "B"], ["A", "C"], ["B", "C"]]
    assert pairs["phi"].tolist() == pytest.approx([2 / 3, 2 / 3, 1 / 3])
