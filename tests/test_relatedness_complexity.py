"""Economic complexity: golden values from the Growth Lab's Stata ``ecomplexity``, reflections, invariance, errors."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import clusterplan.relatedness.complexity as complexity_module
from _util import FIXTURES
from clusterplan import ParameterError, industry_measures
from clusterplan.relatedness import (
    economic_complexity,
    method_of_reflections,
    minimum_conditional_probability,
    relatedness_density,
)
from clusterplan.relatedness.complexity import complexity
from clusterplan.warehouse import Warehouse

HERE = FIXTURES / "relatedness"
# Stata standardises over the rows of its long table: 10 countries x 30 products, divisor 299.
STATA = np.sqrt(299 / 300)


@pytest.fixture(scope="module")
def trade() -> pd.DataFrame:
    return pd.read_csv(HERE / "ecomplexity_stata_1995.csv", dtype={"hs92": str})


@pytest.fixture(scope="module")
def stata() -> dict[str, pd.Series]:
    table = pd.read_csv(HERE / "ecomplexity_stata_1995_eci_pci.csv", dtype={"code": str})
    return {kind: part.set_index("code")["value"] for kind, part in table.groupby("kind")}


@pytest.fixture(scope="module")
def result(trade: pd.DataFrame) -> complexity_module.ComplexityResult:
    return complexity(trade, area="origin", industry="hs92", value="export_val")


def test_presence_and_density_match_stata(result: complexity_module.ComplexityResult, trade: pd.DataFrame) -> None:
    cells = result.density.astype({"origin": str, "hs92": str}).merge(trade, on=["origin", "hs92"])
    assert len(cells) == 300
    assert (cells["presence"] == cells["M"]).all()
    assert np.abs(cells["density_x"] - cells["density_y"]).max() < 1e-12


def test_eci_pci_match_stata(result: complexity_module.ComplexityResult, stata: dict[str, pd.Series]) -> None:
    eci, pci = stata["eci"], stata["pci"]
    assert np.abs(result.eci.reindex(eci.index) * STATA - eci).max() < 1e-12
    assert np.abs(result.pci.reindex(pci.index) * STATA - pci).max() < 1e-12
    assert result.eci.idxmax() == "deu" and result.eci.idxmin() == "pol"


def test_outlook_and_gain_match_stata(result: complexity_module.ComplexityResult, stata: dict[str, pd.Series]) -> None:
    coi = stata["coi"]
    assert np.abs(result.complexity_outlook.reindex(coi.index) * STATA - coi).max() < 1e-12
    for key, value in stata["cog"].items():
        origin, product = key.split(":")
        assert result.outlook_gain_matrix.loc[origin, product] * STATA == pytest.approx(value, abs=1e-12)


def test_eci_is_mean_pci_of_present_industries(result: complexity_module.ComplexityResult) -> None:
    m = result.presence.to_numpy()
    mean_pci = (m @ result.pci.to_numpy()) / m.sum(axis=1)
    assert np.allclose(mean_pci, result.eci.to_numpy())
    assert result.eci.mean() == pytest.approx(0.0, abs=1e-12) and result.eci.std(ddof=0) == pytest.approx(1.0)


def test_python_ecomplexity_density_convention(trade: pd.DataFrame, result: complexity_module.ComplexityResult) -> None:
    # ecomplexity 0.5.3 keeps phi_ii = 1: density = (M phi + M) / (sum phi + 1), industry by industry.
    ones = complexity(trade, area="origin", industry="hs92", value="export_val", self_proximity=1)
    m = result.presence.to_numpy().astype(float)
    phi = result.proximity.to_numpy()
    expected = (m @ phi + m) / (phi.sum(axis=0) + 1.0)
    assert np.allclose(ones.density_matrix.to_numpy(), expected)
    assert ones.eci.equals(result.eci)


def test_nested_toy_example() -> None:
    m = pd.DataFrame([[1, 1, 1], [1, 1, 0], [1, 0, 0]], index=["R1", "R2", "R3"], columns=["A", "B", "C"])
    eci, pci = economic_complexity(m)
    # The diverse region is the complex one; the industry only it has is the most complex.
    assert eci.to_numpy() == pytest.approx([np.sqrt(1.5), 0.0, -np.sqrt(1.5)], abs=1e-12)
    assert pci.to_numpy() == pytest.approx([-np.sqrt(1.5), np.sqrt(1.5), 3 * np.sqrt(1.5)], abs=1e-12)


def test_density_is_econgeo_relatedness_density_over_100() -> None:
    m = pd.DataFrame([[1, 0, 1], [0, 1, 0]], index=["R1", "R2"], columns=["A", "B", "C"])
    phi = pd.DataFrame([[0, 1, 0], [1, 0, 1], [0, 1, 0]], index=list("ABC"), columns=list("ABC"))
    # EconGeo: t(M %*% phi) / colSums(phi) * 100 -> R1: A 0/1, B 2/2, C 0/1; R2: A 1/1, B 0/2, C 1/1.
    assert (relatedness_density(m, phi) * 100).to_numpy().tolist() == [[0.0, 100.0, 0.0], [100.0, 0.0, 100.0]]


def test_invariance_to_order_and_scale(trade: pd.DataFrame, result: complexity_module.ComplexityResult) -> None:
    shuffled = trade.sample(frac=1.0, random_state=7).reset_index(drop=True)
    shuffled["export_val"] = shuffled["export_val"] * 1000.0
    again = complexity(shuffled, area="origin", industry="hs92", value="export_val")
    assert np.allclose(again.eci.reindex(result.eci.index), result.eci, atol=1e-12)
    assert np.allclose(again.pci.reindex(result.pci.index), result.pci, atol=1e-12)
    assert np.allclose(again.density_matrix.loc[result.eci.index, result.pci.index], result.density_matrix)
    renamed = trade.assign(origin="x" + trade["origin"].str[::-1])  # different labels, different order
    third = complexity(renamed, area="origin", industry="hs92", value="export_val")
    assert np.allclose(np.sort(third.eci.to_numpy()), np.sort(result.eci.to_numpy()))


def test_lanczos_and_dense_paths_agree(trade: pd.DataFrame, monkeypatch: pytest.MonkeyPatch) -> None:
    dense = complexity(trade, area="origin", industry="hs92", value="export_val")
    monkeypatch.setattr(complexity_module, "_DENSE_EIGEN_LIMIT", 3)
    sparse = complexity(trade, area="origin", industry="hs92", value="export_val")
    assert np.allclose(dense.eci, sparse.eci, atol=1e-9) and np.allclose(dense.pci, sparse.pci, atol=1e-9)
    assert sparse.eigenvalue == pytest.approx(dense.eigenvalue)


def test_csr_from_mask_is_scipys() -> None:
    rng = np.random.default_rng(11)
    mask = rng.random((50, 70)) < 0.2
    mask[3] = False
    mask[:, 5] = False
    for layout in (mask, np.asfortranarray(mask), np.zeros((4, 0), dtype=bool), np.zeros((0, 3), dtype=bool)):
        built = complexity_module._csr_from_mask(layout)
        assert built.shape == layout.shape and built.has_sorted_indices
        assert np.array_equal(built.toarray(), layout.astype(float))


def test_given_proximity_is_used(trade: pd.DataFrame, result: complexity_module.ComplexityResult) -> None:
    phi = minimum_conditional_probability(result.presence)
    given = complexity(trade, area="origin", industry="hs92", value="export_val", proximity=phi)
    assert np.allclose(given.density_matrix, result.density_matrix)
    with pytest.raises(ParameterError, match="no row or column for 1 industries"):
        complexity(trade, area="origin", industry="hs92", value="export_val", proximity=phi.iloc[1:, 1:])


def test_bad_parameters(trade: pd.DataFrame) -> None:
    with pytest.raises(ParameterError, match="presence threshold must be a number >= 0"):
        complexity(trade, area="origin", industry="hs92", value="export_val", threshold=-1)
    with pytest.raises(ParameterError, match="self_proximity must be 0 or 1"):
        complexity(trade, area="origin", industry="hs92", value="export_val", self_proximity=0.5)
    with pytest.raises(ParameterError, match="every value of 'export_val' is 0"):
        complexity(trade.assign(export_val=0.0), area="origin", industry="hs92", value="export_val")
    with pytest.raises(ParameterError, match="iterations must be at least 1"):
        method_of_reflections(pd.DataFrame([[1]]), iterations=0)


def test_reflections_converge_to_eigenvector_on_real_data(warehouse: Warehouse) -> None:
    # BRES 2021, 40 GB ITL2 areas x SIC subclasses; CBP 2019, 933 CBSAs x NAICS 4-digit.
    for level, year in (("sic5", 2021), ("naics4", 2019)):
        table = industry_measures(warehouse, level=level, year=year)
        result = complexity(table)
        for iterations in (18, 20):
            k_c, k_p = method_of_reflections(result.presence, iterations=iterations)
            assert np.corrcoef(k_c, result.eci)[0, 1] > 0.99
            assert abs(np.corrcoef(k_p.dropna(), result.pci.dropna())[0, 1]) > 0.99
        # Sign fixed against diversity.
        assert np.corrcoef(result.diversity, result.eci)[0, 1] > 0


def test_one_blas_thread_limits_blas_inside_and_restores_it_after() -> None:
    from threadpoolctl import threadpool_info, threadpool_limits

    def blas_threads() -> list[int]:
        return [pool["num_threads"] for pool in threadpool_info() if pool["user_api"] == "blas"]

    with threadpool_limits(2, user_api="blas"):
        before = blas_threads()
        with complexity_module._one_blas_thread():
            assert blas_threads() == [1] * len(before)
        assert blas_threads() == before == [2] * len(before)


def test_csr_from_mask_is_scipys_csr_of_the_mask() -> None:
    import scipy.sparse as sp

    rng = np.random.default_rng(7)
    shapes = [(0, 3), (3, 0), (1, 1), (5, 7), (40, 9), (9, 40)]
    for shape, share in ((shape, share) for shape in shapes for share in (0.0, 0.3, 1.0)):
        mask = rng.random(shape) < share
        ours, reference = complexity_module._csr_from_mask(mask), sp.csr_matrix(mask.astype(float))
        ours.check_format(full_check=True)
        assert ours.shape == reference.shape and ours.indices.dtype == np.int32
        assert np.array_equal(ours.indptr, reference.indptr) and np.array_equal(ours.indices, reference.indices)
        assert np.array_equal(ours.data, reference.data)
    # A row with no ones between two rows with some keeps its empty range.
    assert complexity_module._csr_from_mask(np.array([[1, 0], [0, 0], [0, 1]], dtype=bool)).indptr.tolist() == [
        0,
        1,
        1,
        2,
    ]
