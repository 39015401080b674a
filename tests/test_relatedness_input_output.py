"""Input-output relatedness (Delgado, Porter and Stern 2016) on IOAT and BEA industries and mapped to SIC/NAICS."""

from __future__ import annotations

from importlib.resources import files

import numpy as np
import pandas as pd
import pytest

from clusterplan import ParameterError, UnknownCodeError
from clusterplan.pipeline.io_links import industry_io_relatedness
from clusterplan.pipeline.tables import reference_tables
from clusterplan.relatedness import (
    BEA_SUMMARY_NAICS,
    io_link_table,
    io_relatedness,
    map_io_relatedness,
    naics_bea_industries,
    sic_io_industries,
)
from clusterplan.sources.ons_io import ioat_from_long

# Miller and Blair (2009), section 2.3: two sectors, flows Z (rows sell to columns) and output x.
Z = pd.DataFrame([[150.0, 500.0], [200.0, 100.0]], index=["1", "2"], columns=["1", "2"])
X = pd.Series([1000.0, 2000.0], index=["1", "2"])


@pytest.fixture(scope="module")
def ioat():  # type: ignore[no-untyped-def]
    return ioat_from_long(pd.read_parquet(str(files("clusterplan") / "data" / "ioat2019.parquet")))


def test_total_basis_hand_computed() -> None:
    # input_12 = Z21/x1 = 0.2; input_21 = Z12/x2 = 0.25; output_12 = Z12/x1 = 0.5; output_21 = Z21/x2 = 0.1.
    io = io_relatedness(Z, X)
    assert io.loc["1", "2"] == io.loc["2", "1"] == pytest.approx(0.5)
    assert io.loc["1", "1"] == pytest.approx(0.15) and io.loc["2", "2"] == pytest.approx(0.05)
    row = io_link_table(Z, X).iloc[0]
    assert [row.input_ab, row.input_ba, row.output_ab, row.output_ba] == pytest.approx([0.2, 0.25, 0.5, 0.1])


def test_intermediate_basis_hand_computed() -> None:
    # Intermediate purchases: sector 1 buys 350, sector 2 buys 600; sales: sector 1 sells 650, sector 2 300.
    io = io_relatedness(Z, basis="intermediate")
    expected = max(200 / 350, 500 / 600, 500 / 650, 200 / 300)
    assert io.loc["1", "2"] == pytest.approx(expected)


def test_input_shares_are_the_published_ons_coefficients(ioat) -> None:  # type: ignore[no-untyped-def]
    # ONS publishes A (sheet "A"); on the total basis IO = max(A, A', B, B') with B = Z / x by rows.
    a = ioat.coefficients
    z, x = ioat.domestic_use, ioat.output
    io = io_relatedness(z, x)
    pair = ("C29", "C241T243")  # motor vehicles, basic iron and steel
    b = z.div(x, axis=0)
    expected = max(a.loc[pair[1], pair[0]], a.loc[pair[0], pair[1]], b.loc[pair[0], pair[1]], b.loc[pair[1], pair[0]])
    assert io.loc[pair] == pytest.approx(expected)
    # Steel sells 15.3% of its output to motor vehicles: the largest of the four shares.
    assert io.loc[pair] == pytest.approx(b.loc["C241T243", "C29"]) and io.loc[pair] == pytest.approx(0.1532, abs=1e-4)
    assert np.allclose(io.to_numpy(), io.to_numpy().T)
    assert io.to_numpy().min() >= 0 and io.to_numpy().max() <= 1


def test_map_io_relatedness_inherits_and_takes_max_over_split_codes() -> None:
    io = pd.DataFrame([[0.1, 0.4, 0.0], [0.4, 0.2, 0.3], [0.0, 0.3, 0.5]], index=list("XYW"), columns=list("XYW"))
    codes = pd.Series({"x1": "X", "x2": "X", "y1": "Y", "xw": ("X", "W"), "none": ()}, dtype=object)
    mapped = map_io_relatedness(io, codes)
    assert mapped.loc["x1", "x2"] == 0.1  # same IO industry: its intra-industry share
    assert mapped.loc["x1", "y1"] == 0.4
    # A code spanning X and W takes the larger link: with Y max(0.4, 0.3), with X max(0.1, 0.0).
    assert mapped.loc["xw", "y1"] == 0.4 and mapped.loc["xw", "x1"] == 0.1
    assert mapped.loc["none"].tolist() == [0.0] * 5
    assert np.diag(mapped).tolist() == [0.0] * 5
    with pytest.raises(UnknownCodeError, match="unknown input-output industry \\(for code 'z'\\) 'Q'"):
        map_io_relatedness(io, pd.Series({"z": "Q"}))


def test_sic_codes_to_ioat_industries() -> None:
    parts = sic_io_industries(["29100", "10110", "10", "68", "98000"], reference_tables().bres_ioat_lookup)
    assert parts["29100"] == ("C29",)
    assert parts["10110"] == ("C101",)
    assert parts["10"] == ("C101", "C102_3", "C104", "C105", "C106", "C107", "C108", "C109")
    assert parts["68"] == ("L683", "L68BXL683")
    assert parts["98000"] == ()


def test_naics_codes_to_bea_summary_industries() -> None:
    parts = naics_bea_industries(["336411", "541511", "541330", "44", "531110", "491110", "921110"])
    assert parts.tolist() == [("3364OT",), ("5415",), ("5412OP",), ("441", "445", "4A0"), ("ORE",), ("GFE",), ()]
    # Every NAICS 2017 6-digit code of CBP 2019 falls in exactly one BEA summary industry.
    dims = pd.read_parquet(str(files("clusterplan") / "data" / "industries_naics2017.parquet"))
    six = dims.loc[dims["industry_level"] == "naics6", "industry_code"].astype(str)
    assert len(six) == 961 and naics_bea_industries(six).map(len).eq(1).all()
    assert len(BEA_SUMMARY_NAICS) == 66


def test_industry_io_relatedness_gb_and_us() -> None:
    gb = industry_io_relatedness(["29100", "29320", "24100", "86101"], "sic2007")
    assert gb.loc["29100", "24100"] == pytest.approx(0.1532, abs=1e-4)  # C29 - C241T243, as above
    assert gb.loc["29100", "29320"] == pytest.approx(0.019274, abs=1e-6)  # both C29: intra-industry share
    assert gb.loc["29100", "24100"] > 10 * gb.loc["29100", "86101"]
    us = industry_io_relatedness(["336111", "336390", "331110", "622110"], "naics2017")
    assert us.loc["336111", "336390"] > us.loc["336111", "622110"]
    assert np.allclose(us.to_numpy(), us.to_numpy().T)


def test_bad_inputs() -> None:
    with pytest.raises(UnknownCodeError, match="unknown classification for input-output relatedness 'isic4'"):
        industry_io_relatedness(["01"], "isic4")
    with pytest.raises(ParameterError, match="for 2019 only, not 2015"):
        industry_io_relatedness(["01"], "sic2007", year=2015)
    with pytest.raises(ParameterError, match="cover 1997-2015, not 2019"):
        industry_io_relatedness(["111110"], "naics2017", year=2019)
    with pytest.raises(UnknownCodeError, match="unknown input-output share basis 'gross'"):
        io_relatedness(Z, X, basis="gross")
    with pytest.raises(ParameterError, match="needs the output of each industry"):
        io_relatedness(Z)
    with pytest.raises(ParameterError, match="must be square"):
        io_relatedness(Z.iloc[:, :1], X)
