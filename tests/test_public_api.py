"""The curated public API: pinned names, and the testing helper."""

from __future__ import annotations

import pandas as pd
import pytest

import clusterplan
from clusterplan.testing import assert_panel_equal

EXPECTED = [
    "Cluster",
    "ClusterProfile",
    "ClusterplanError",
    "DataValidationError",
    "FetchError",
    "ImportReport",
    "InputError",
    "OfflineError",
    "ParameterError",
    "Taxonomy",
    "TaxonomyError",
    "UnknownCodeError",
    "SparkWarehouse",
    "Warehouse",
    "WarehouseError",
    "__version__",
    "absolute_change",
    "classify_traded_local",
    "cluster_mapping_strength",
    "cluster_observatory_stars",
    "cluster_productivity",
    "complexity",
    "compound_annual_growth_rate",
    "default_warehouse_path",
    "gva_per_job",
    "industry_measures",
    "list_taxonomies",
    "load_taxonomy",
    "location_quotient",
    "location_quotient_interval",
    "mapping_coverage",
    "measure_ranks",
    "open_engine",
    "profile_region",
    "shift_share",
]


def test_exported_names_are_pinned() -> None:
    assert sorted(clusterplan.__all__) == sorted(EXPECTED)
    for name in EXPECTED:
        assert hasattr(clusterplan, name), name


def test_one_exception_hierarchy() -> None:
    for name in ("InputError", "TaxonomyError", "WarehouseError", "FetchError"):
        assert issubclass(getattr(clusterplan, name), clusterplan.ClusterplanError)
    assert issubclass(clusterplan.OfflineError, clusterplan.FetchError)
    assert issubclass(clusterplan.DataValidationError, clusterplan.InputError)
    error = clusterplan.DataValidationError("negative count -5", file="a.csv", row=3, column="COUNT", hint="fix it")
    assert str(error) == "a.csv, row 3, column 'COUNT': negative count -5; fix it"


def test_assert_panel_equal_finds_the_difference() -> None:
    a = pd.DataFrame({"area_code": ["A", "B"], "year": [2020, 2020], "value": [1.0, 2.0], "flag": [None, "x"]})
    assert_panel_equal(a, a.iloc[::-1], keys=["area_code", "year"])
    b = a.assign(value=[1.0, 2.5])
    with pytest.raises(AssertionError, match=r"column 'value' differs at \['B', 2020\]: 2.0 != 2.5"):
        assert_panel_equal(a, b, keys=["area_code", "year"])
    with pytest.raises(AssertionError, match="unmatched rows"):
        assert_panel_equal(a, a.assign(year=[2020, 2021]), keys=["area_code", "year"])
    with pytest.raises(AssertionError, match="columns differ"):
        assert_panel_equal(a, a.drop(columns="flag"), keys=["area_code", "year"])


def test_measures_package_exports_every_measure() -> None:
    import clusterplan.measures as measures

    # gva_per_job and cluster_productivity read the warehouse, so they live in clusterplan.pipeline.productivity
    # (still exported by clusterplan itself).
    assert len(measures.__all__) == 25
    assert "gva_per_job" not in measures.__all__ and callable(clusterplan.gva_per_job)
    for name in measures.__all__:
        assert callable(getattr(measures, name)), name
