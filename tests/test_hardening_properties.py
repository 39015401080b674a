"""Property-based tests (hypothesis) of the measures' invariants, and bounded fuzzing of the NOMIS, CBP and
taxonomy parsers: whatever the input, a parser returns facts or raises one of clusterplan's own errors.

The fuzz targets run a bounded number of examples with no deadline per example, so CI spends well under 30 s.
"""

from __future__ import annotations

import io
import string
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from clusterplan import ClusterplanError, location_quotient, measure_ranks, shift_share
from clusterplan.inputoutput.iomath import leontief_inverse, output_multipliers, technical_coefficients
from clusterplan.sources.cbp import read_cbp_cbsa_csv
from clusterplan.sources.nomis import read_nomis_csv
from clusterplan.taxonomy import load_taxonomy

PROPERTY = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
FUZZ = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])

counts = arrays(
    np.float64, st.tuples(st.integers(2, 6), st.integers(2, 6)), elements=st.integers(1, 100_000).map(float)
)


@PROPERTY
@given(counts)
def test_lq_weighted_by_benchmark_shares_sums_to_one(matrix: np.ndarray) -> None:
    # sum_i LQ_ri * (e_i / E) = sum_i e_ri / E_r = 1 for every region r: the region's shares sum to 1.
    regional, benchmark = matrix[0], matrix.sum(axis=0)
    lq = location_quotient(regional, regional.sum(), benchmark, benchmark.sum())
    assert float(np.sum(lq * benchmark / benchmark.sum())) == pytest.approx(1.0, rel=1e-9)


@PROPERTY
@given(counts, counts)
def test_shift_share_components_sum_to_the_change(start: np.ndarray, end: np.ndarray) -> None:
    n_areas, n_units = min(start.shape[0], end.shape[0]), min(start.shape[1], end.shape[1])
    rows = [
        {"area_code": f"A{a}", "unit_code": f"u{u}", "year": year, "employment": float(values[a, u])}
        for year, values in ((2015, start), (2021, end))
        for a in range(n_areas)
        for u in range(n_units)
    ]
    table = shift_share(pd.DataFrame(rows), start=2015, end=2021)
    parts = table["national_share"] + table["industry_mix"] + table["competitive"]
    assert np.allclose(parts, table["change"], rtol=1e-9, atol=1e-6)
    assert np.allclose(table["change"], table["end_employment"] - table["start_employment"])


@PROPERTY
@given(arrays(np.float64, st.integers(2, 25), elements=st.floats(-1e6, 1e6, allow_nan=False)))
def test_ranks_are_a_permutation(values: np.ndarray) -> None:
    panel = pd.DataFrame(
        {"area_code": [f"A{i}" for i in range(len(values))], "unit_code": "u", "year": 2021, "lq": values}
    )
    ranks = measure_ranks(panel, ["lq"])["lq_rank"].to_numpy()
    # Ties share the best rank (1 = best); without ties the ranks are exactly 1..n.
    assert ranks.min() == 1 and ranks.max() <= len(values)
    if len(set(values)) == len(values):
        assert sorted(ranks) == list(range(1, len(values) + 1))


@PROPERTY
@given(arrays(np.float64, st.tuples(st.integers(2, 6), st.integers(2, 6)), elements=st.floats(0, 100)))
def test_leontief_inverse_identities(block: np.ndarray) -> None:
    n = min(block.shape)
    flows = block[:n, :n]
    output = flows.sum(axis=0) * 2 + 1.0  # every column buys at most half its output: a productive economy
    names = [f"s{i}" for i in range(n)]
    Z = pd.DataFrame(flows, index=names, columns=names)
    A = technical_coefficients(Z, pd.Series(output, index=names))
    L = leontief_inverse(A)
    assert np.allclose(L.to_numpy() @ (np.eye(n) - A.to_numpy()), np.eye(n), atol=1e-9)
    assert (output_multipliers(L) >= 1 - 1e-12).all()
    # Output that meets final demand f = x - Z 1 is the output we started from.
    final = output - flows.sum(axis=1)
    assert np.allclose(L.to_numpy() @ final, output, rtol=1e-9)


# -- fuzzing: parsers either parse or raise clusterplan's own errors ------------------------------------------------
cell = st.text(alphabet=string.printable + "£€–\x00", max_size=12)
NOMIS_COLUMNS = ["DATE", "GEOGRAPHY_NAME", "GEOGRAPHY_CODE", "INDUSTRY_NAME", "INDUSTRY_CODE", "COUNT", "OBS_STATUS"]


def csv_text(header: list[str], rows: list[list[str]]) -> str:
    return "\n".join(",".join(line) for line in [header, *rows]) + "\n"


@FUZZ
@given(
    st.lists(st.sampled_from(NOMIS_COLUMNS), min_size=1, max_size=7, unique=True),
    st.lists(st.lists(cell, min_size=7, max_size=7), max_size=6),
)
def test_fuzz_nomis_parser(header: list[str], rows: list[list[str]]) -> None:
    text = csv_text(header, [r[: len(header)] for r in rows])
    try:
        facts = read_nomis_csv(io.StringIO(text), dataset="fuzz", file_label="fuzz.csv")
    except ClusterplanError:
        return
    assert np.isfinite(facts["value"].dropna()).all() and (facts["value"].dropna() >= 0).all()


@FUZZ
@given(st.lists(st.lists(cell, min_size=5, max_size=5), max_size=6), st.booleans())
def test_fuzz_cbp_parser(rows: list[list[str]], good_header: bool) -> None:
    header = ["cbsa_code", "naics_code", "naics_level", "EMP", "ESTAB"] if good_header else ["a", "b", "c", "d", "e"]
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "cbp.csv"
        path.write_text(csv_text(header, rows), encoding="utf-8")
        try:
            facts = read_cbp_cbsa_csv(path, dataset="fuzz")
        except ClusterplanError:
            return
    assert np.isfinite(facts["value"].dropna()).all()


@FUZZ
@given(st.text(alphabet=string.printable + "£–", max_size=300), st.sampled_from([".yaml", ".csv"]))
def test_fuzz_taxonomy_parser(text: str, suffix: str) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"mine{suffix}"
        path.write_text(text, encoding="utf-8")
        try:
            taxonomy = load_taxonomy(path)
        except ClusterplanError as error:
            assert len(str(error)) < 2_000  # a message, not the file
            return
    assert taxonomy.clusters
