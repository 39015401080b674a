"""Backward and forward linkages: hand-worked examples and identities on the real 2019 table.

Golden values: Miller and Blair's two-sector example (section 2.3 flows), whose
indices are worked by hand in the module docstring of
``clusterplan.inputoutput.linkages``; and a four-sector example whose exact
rational values are computed with fractions by
``tests/fixtures/inputoutput/make_linkages_example.py`` (Gauss-Jordan
elimination, no numpy, no clusterplan). No published Miller and Blair chapter 12
figures were available to the author, so none are claimed.
"""

from __future__ import annotations

from fractions import Fraction

import numpy as np
import pandas as pd
import pytest

from clusterplan._exceptions import ParameterError
from clusterplan.inputoutput.iomath import allocation_coefficients, ghosh_inverse
from clusterplan.inputoutput.linkages import (
    LINKAGE_CLASSES,
    LINKAGE_COLUMNS,
    classify_linkages,
    linkages_table,
    model_linkages,
)
from clusterplan.inputoutput.national import NationalModel, multipliers_table, national_model
from clusterplan.pipeline.tables import reference_tables

TABLES = reference_tables()

LABELS = ["1", "2", "3", "4"]
FOUR_Z = pd.DataFrame(
    [[30, 10, 20, 40], [5, 5, 5, 5], [40, 10, 10, 50], [10, 5, 5, 30]], index=LABELS, columns=LABELS, dtype=float
)
FOUR_X = pd.Series([200.0, 250.0, 250.0, 300.0], index=LABELS)


@pytest.fixture(scope="module")
def model() -> NationalModel:
    return national_model(TABLES, employment=None)


def test_miller_blair_two_sector_by_hand() -> None:
    Z = pd.DataFrame([[150.0, 500.0], [200.0, 100.0]], index=["1", "2"], columns=["1", "2"])
    x = pd.Series([1000.0, 2000.0], index=["1", "2"])
    table = linkages_table(Z, x).set_index("industry_code")
    # L = [[0.95, 0.25], [0.2, 0.85]] / 0.7575; G = [[0.95, 0.5], [0.1, 0.85]] / 0.7575
    assert table["direct_backward"].tolist() == pytest.approx([0.35, 0.30])
    assert table["direct_forward"].tolist() == pytest.approx([0.65, 0.15])
    assert table["total_backward"].tolist() == pytest.approx([1.15 / 0.7575, 1.10 / 0.7575])
    assert table["total_forward"].tolist() == pytest.approx([1.45 / 0.7575, 0.95 / 0.7575])
    assert table["power_of_dispersion"].tolist() == pytest.approx([2 * 1.15 / 2.25, 2 * 1.10 / 2.25])
    assert table["sensitivity_of_dispersion"].tolist() == pytest.approx([2 * 1.2 / 2.25, 2 * 1.05 / 2.25])
    assert table["ghosh_forward_index"].tolist() == pytest.approx([2 * 1.45 / 2.4, 2 * 0.95 / 2.4])
    assert table["linkage_class"].tolist() == ["key", "weak"]


def test_four_sector_example_matches_exact_fractions() -> None:
    table = linkages_table(FOUR_Z, FOUR_X).set_index("industry_code")
    expected = {
        "power_of_dispersion": ["165825/145382", "60747/72691", "128127/145382", "83041/72691"],
        "sensitivity_of_dispersion": ["82180/72691", "58000/72691", "85070/72691", "65514/72691"],
        "ghosh_forward_index": ["716334/591905", "92658/118381", "678174/591905", "509822/591905"],
        "total_backward": ["829125/519922", "303735/259961", "640635/519922", "415205/259961"],
        "total_forward": ["1790835/1039844", "1158225/1039844", "1695435/1039844", "1274555/1039844"],
    }
    for column, values in expected.items():
        exact = [float(Fraction(v)) for v in values]
        assert table[column].to_numpy() == pytest.approx(exact, abs=1e-12), column
    # one industry of each class
    assert table["linkage_class"].tolist() == ["key", "weak", "forward", "backward"]
    assert sorted(table["linkage_class"]) == sorted(LINKAGE_CLASSES)


def test_rasmussen_forward_index_can_classify_instead() -> None:
    ghosh = linkages_table(FOUR_Z, FOUR_X)
    rasmussen = linkages_table(FOUR_Z, FOUR_X, forward="rasmussen")
    assert rasmussen.attrs["forward"] == "rasmussen"
    # Same classes here: both forward indices are above 1 for sectors 1 and 3 only ...
    assert rasmussen["linkage_class"].tolist() == ghosh["linkage_class"].tolist()
    # ... a threshold of 1.141 demotes sector 1 (power of dispersion 1.1406) to forward-only, while
    # sector 4 (1.1424) stays backward and sector 3's Ghosh index (1.1457) stays above it.
    stricter = linkages_table(FOUR_Z, FOUR_X, threshold=1.141)
    assert stricter["linkage_class"].tolist() == ["forward", "weak", "forward", "backward"]
    with pytest.raises(ParameterError, match="unknown forward linkage measure 'leontief'"):
        linkages_table(FOUR_Z, FOUR_X, forward="leontief")  # type: ignore[arg-type]


def test_classify_handles_missing_values() -> None:
    classes = classify_linkages(pd.Series([1.5, np.nan]), pd.Series([np.nan, 1.5]))
    assert classes.tolist() == ["backward", "forward"]


def test_national_linkages_on_the_real_2019_table(model: NationalModel) -> None:
    table = model_linkages(model).set_index("industry_code")
    assert list(table.reset_index().columns) == LINKAGE_COLUMNS
    assert len(table) == 105
    # normalised indices average exactly 1
    for column in ("power_of_dispersion", "ghosh_forward_index", "sensitivity_of_dispersion"):
        assert table[column].mean() == pytest.approx(1.0, abs=1e-12)
    # total backward linkage is the Type I output multiplier
    multipliers = multipliers_table(model).set_index("industry_code")
    assert np.abs(table["total_backward"] - multipliers["output_multiplier"]).max() < 1e-12
    # every class occurs in the UK table, and the counts add up
    counts = table["linkage_class"].value_counts()
    assert set(counts.index) == set(LINKAGE_CLASSES) and counts.sum() == 105
    # names carried through
    assert table.loc["C101", "industry_name"] == model.industry_names["C101"]


def test_ghosh_inverse_reproduces_output_from_primary_inputs(model: NationalModel) -> None:
    # Supply-side identity (Miller and Blair 12.1): x' = v' G with v all primary inputs (imports, taxes, GVA).
    G = ghosh_inverse(allocation_coefficients(model.Z, model.output))
    primary = model.primary_inputs.loc[["P7", "D21-D31", "GVA"]].sum(axis=0).to_numpy()
    assert np.abs(primary @ G.to_numpy() - model.output.to_numpy()).max() < 1e-5
