"""Golden values for the location quotient and growth from textbook examples."""

from __future__ import annotations

import numpy as np

from clusterplan.measures.growth import compound_annual_growth_rate
from clusterplan.measures.location_quotient import location_quotient


def test_location_quotient_textbook_table() -> None:
    # Miller & Blair (2009), section 8.2.1 style: regional and national employment by sector.
    regional = np.array([30.0, 50.0, 20.0])
    national = np.array([200.0, 600.0, 200.0])
    lq = location_quotient(regional, regional.sum(), national, national.sum())
    np.testing.assert_allclose(lq, [1.5, 50 / 60, 1.0])


def test_location_quotient_undefined_is_nan() -> None:
    assert np.isnan(location_quotient(5, 100, 0, 1000))
    assert np.isnan(location_quotient(5, 0, 10, 1000))


def test_cagr() -> None:
    np.testing.assert_allclose(compound_annual_growth_rate([100.0, 200.0], [121.0, 100.0], [2, 1]), [0.1, -0.5])
    assert np.isnan(compound_annual_growth_rate(0, 5, 3))
