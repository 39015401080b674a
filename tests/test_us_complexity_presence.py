"""US complexity is computed on presence the data guarantee, not on presence the CBP reconstruction creates.

Rebuilt withheld cells are expected values spread over many small cells; counted as observed they make many metros
"specialised" in many industries, and ECI then falls with metro size. The default presence rule counts a rebuilt
cell only for the jobs it must hold (its employment lower bound).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from _util import run_cli
from clusterplan import ParameterError
from clusterplan.pipeline.opportunities import _joined_lower_bound, employment_lower_bound, region_opportunities
from clusterplan.pipeline.profile import industry_employment
from clusterplan.relatedness.complexity import complexity
from clusterplan.warehouse import Warehouse

NEW_YORK, LOS_ANGELES, CHICAGO, BOSTON, SAN_FRANCISCO, DETROIT = "35620", "31080", "16980", "14460", "41860", "19820"


def test_presence_value_decides_presence_but_not_rca() -> None:
    # National shares: A 100/300 = 1/3, B 2/3. R3's A: RCA (40/100)/(1/3) = 1.2, but its lower bound of 20 jobs
    # gives (20/100)/(1/3) = 0.6: present on the expected value, absent on the bound.
    table = pd.DataFrame(
        {
            "area_code": ["R1", "R1", "R2", "R2", "R3", "R3"],
            "industry_code": ["A", "B"] * 3,
            "employment": [10.0, 90.0, 50.0, 50.0, 40.0, 60.0],
            "employment_low": [10.0, 90.0, 50.0, 50.0, 20.0, 60.0],
        }
    )
    expected = complexity(table)
    bounded = complexity(table, presence_value="employment_low")
    assert expected.presence.to_numpy().tolist() == [[0, 1], [1, 0], [1, 0]]
    assert bounded.presence.to_numpy().tolist() == [[0, 1], [1, 0], [0, 0]]
    assert bounded.rca.loc["R3", "A"] == pytest.approx(1.2)
    assert bounded.rca.equals(expected.rca)
    assert bounded.ubiquity.tolist() == [1.0, 1.0] and expected.ubiquity.tolist() == [2.0, 1.0]
    assert bounded.parameters["presence_value"] == "employment_low"
    with pytest.raises(ParameterError, match="not a lower bound"):
        complexity(table.assign(employment_low=table["employment"] + 1.0), presence_value="employment_low")


def _published(warehouse: Warehouse, area: str, code: str) -> float:
    rows = warehouse.raw.execute(
        "SELECT value FROM facts WHERE dataset = 'us_cbp_2019_cbsa' AND measure = 'employment' "
        "AND area_code = ? AND industry_code = ?",
        [area, code],
    ).fetchall()
    assert len(rows) == 1
    return float(rows[0][0])


def test_lower_bound_of_rebuilt_cells_detroit(warehouse: Warehouse) -> None:
    low = employment_lower_bound(warehouse, level="naics6", year=2019).set_index(["area_code", "industry_code"])
    rebuilt = industry_employment(warehouse, level="naics6").set_index(["area_code", "industry_code"])
    # 221121 is the only unpublished child of Detroit's published 22112 (the other, 221122, is published): it
    # must hold the parent's jobs minus its sibling's, 7,708 - 6,938 = 770.
    certain = _published(warehouse, DETROIT, "22112") - _published(warehouse, DETROIT, "221122")
    assert certain == 770.0
    assert low.loc[(DETROIT, "221121"), "employment_low"] == certain
    # 22111 hides 27 jobs among six unpublished 6-digit children: any one of them may hold none.
    assert low.loc[(DETROIT, "221113"), "employment_low"] == 0.0
    assert rebuilt.loc[(DETROIT, "221113"), "employment"] > 1.0
    # No bound is above the rebuilt expected value, and published cells are not in the table.
    joined = low.join(rebuilt["employment"])
    assert (joined["employment_low"] <= joined["employment"] + 1e-9).all()
    assert (DETROIT, "221122") not in low.index


@pytest.fixture(scope="module")
def us_eci(warehouse: Warehouse) -> dict[str, tuple[pd.Series, pd.Series]]:
    rebuilt = industry_employment(warehouse, level="naics6")
    low = employment_lower_bound(warehouse, level="naics6", year=2019)
    bounded = rebuilt.merge(low, on=["area_code", "industry_code"], how="left")
    bounded["employment_low"] = bounded["employment_low"].fillna(bounded["employment"])
    published = industry_employment(warehouse, level="naics6", cells="published")
    out = {}
    for name, result in (
        ("expected", complexity(rebuilt)),
        ("lower_bound", complexity(bounded, presence_value="employment_low")),
        ("published", complexity(published)),
    ):
        out[name] = (result.eci, result.pci)
    out["size"] = (np.log(rebuilt.groupby("area_code")["employment"].sum()), pd.Series(dtype=float))
    return out


def test_us_eci_rises_with_metro_size_on_the_lower_bound(us_eci: dict[str, tuple[pd.Series, pd.Series]]) -> None:
    size = us_eci["size"][0]

    def size_correlation(eci: pd.Series) -> float:
        return float(np.corrcoef(eci, size.reindex(eci.index))[0, 1])

    eci, pci = us_eci["lower_bound"]
    old_eci, old_pci = us_eci["expected"]
    published_eci, published_pci = us_eci["published"]
    assert len(eci) == 933
    assert size_correlation(eci) == pytest.approx(0.942, abs=0.001)
    assert size_correlation(old_eci) == pytest.approx(-0.253, abs=0.001)
    assert size_correlation(published_eci) == pytest.approx(0.960, abs=0.001)
    rank = eci.rank(ascending=False)
    assert [int(rank[a]) for a in (CHICAGO, LOS_ANGELES, BOSTON, SAN_FRANCISCO, NEW_YORK, DETROIT)] == [
        1,
        2,
        4,
        6,
        8,
        14,
    ]
    assert int(old_eci.rank(ascending=False)[NEW_YORK]) == 870
    both = pci.dropna().index.intersection(published_pci.dropna().index)
    assert np.corrcoef(pci[both], published_pci[both])[0, 1] == pytest.approx(0.962, abs=0.001)
    assert np.corrcoef(old_pci[both], published_pci[both])[0, 1] == pytest.approx(0.457, abs=0.001)


def test_us_opportunities_use_the_lower_bound_by_default(warehouse: Warehouse) -> None:
    default = region_opportunities(warehouse, DETROIT)
    expected = region_opportunities(warehouse, DETROIT, presence="expected")
    assert "lower_bound: RCA >= 1 on the employment the data guarantee" in default.parameters["presence_rule"]
    assert "expected: " in expected.parameters["presence_rule"]
    rows = default.industries.set_index("industry_code")
    old = expected.industries.set_index("industry_code")
    # RCA is the reconstructed one under both rules; complexity is not: automobile manufacturing (336111) has PCI
    # 5.62 once rebuilt cells stop making small metros "specialised" in it, 3.30 before.
    assert rows["rca"].equals(old["rca"].reindex(rows.index))
    assert rows.loc["336111", "pci"] == pytest.approx(5.622, abs=0.001)
    assert old.loc["336111", "pci"] == pytest.approx(3.304, abs=0.001)
    with pytest.raises(Exception, match="presence rule"):
        region_opportunities(warehouse, DETROIT, presence="maybe")


def test_opportunities_cli_offers_the_presence_rule() -> None:
    result = run_cli("opportunities", "--help")
    assert result.returncode == 0
    assert "--presence [lower_bound|expected]" in result.stdout and "lower_bound" in result.stdout


def test_cells_and_their_lower_bounds_are_joined_once(warehouse: Warehouse, monkeypatch: pytest.MonkeyPatch) -> None:
    """Every area's cells with their lower bounds are joined once per process (a run prepares them, then reads them
    for its region): a second region, and the same region again, reuse them and get what a fresh join gives."""
    from clusterplan import _cache
    from clusterplan.pipeline import opportunities

    joins: list[str] = []
    join = opportunities._with_lower_bound
    monkeypatch.setattr(opportunities, "_with_lower_bound", lambda *args: joins.append(args[2]) or join(*args))
    _cache.clear(warehouse)
    detroit = region_opportunities(warehouse, DETROIT)
    boston = region_opportunities(warehouse, BOSTON)
    again = region_opportunities(warehouse, DETROIT)
    assert joins == ["naics6"]
    pd.testing.assert_frame_equal(again.industries, detroit.industries)
    _cache.clear(warehouse)
    fresh = region_opportunities(warehouse, BOSTON)
    assert joins == ["naics6", "naics6"]
    pd.testing.assert_frame_equal(boston.industries, fresh.industries)
    pd.testing.assert_frame_equal(boston.clusters, fresh.clusters)


def test_lower_bounds_join_the_grid_as_the_merge_does(monkeypatch: pytest.MonkeyPatch) -> None:
    grid = pd.DataFrame(
        {
            "area_code": pd.array(["A1", "A1", "A1", "B2", "B2", "B2"], dtype="str"),
            "industry_code": pd.array(["111", "222", "333"] * 2, dtype="str"),
            "employment": [5.0, 7.0, 0.0, 9.0, 3.0, 2.0],
        }
    )
    low = pd.DataFrame(
        {
            "area_code": pd.array(["B2", "A1", "B2"], dtype="str"),
            "industry_code": pd.array(["333", "222", "111"], dtype="str"),
            "employment_low": [1.5, 0.0, 4.0],
        }
    )
    expected = grid.merge(low, on=["area_code", "industry_code"], how="left", validate="one_to_one")
    merges = []
    monkeypatch.setattr(pd.DataFrame, "merge", lambda *a, **k: merges.append(1) or _merge(*a, **k))
    joined = _joined_lower_bound(grid, low)
    pd.testing.assert_frame_equal(joined, expected, check_exact=True)
    assert joined["employment_low"].tolist()[:2] == [pytest.approx(np.nan, nan_ok=True), 0.0] and not merges
    assert "employment_low" not in grid.columns  # the caller's frame is left as it was
    # Not a grid (B2 lacks a code), a cell outside it, or a key listed twice: the merge, which says so.
    for measures, bounds in (
        (grid.iloc[:5], low.iloc[1:]),
        (grid, pd.concat([low, low.iloc[:1].assign(area_code="C3")], ignore_index=True)),
    ):
        pd.testing.assert_frame_equal(
            _joined_lower_bound(measures, bounds),
            _merge(measures, bounds, on=["area_code", "industry_code"], how="left"),
        )
    with pytest.raises(pd.errors.MergeError):
        _joined_lower_bound(grid, pd.concat([low, low.iloc[:1]], ignore_index=True))
    assert len(merges) == 3


_merge = pd.DataFrame.merge
