"""The regional input-output model reads its employment through the warehouse (the pipeline passes it in)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from _util import run_cli
from clusterplan import Warehouse
from clusterplan._data import dataset_path
from clusterplan._exceptions import UnknownCodeError
from clusterplan._schema import Provenance
from clusterplan.inputoutput.clusters import cluster_linkages
from clusterplan.inputoutput.regional import _sic_employment, regional_model
from clusterplan.inputoutput.us_regional import _cbp_wide, us_regional_model
from clusterplan.pipeline import regional_sic_employment
from clusterplan.pipeline.inputoutput import region_supply_chains
from clusterplan.pipeline.run import regional_naics_employment
from clusterplan.pipeline.tables import reference_tables

TABLES = reference_tables()


def test_the_warehouse_gives_the_package_data_numbers(warehouse: Warehouse) -> None:
    sic = regional_sic_employment(warehouse)
    pd.testing.assert_frame_equal(sic, _sic_employment(TABLES, 2019), check_names=False)
    through_warehouse = regional_model(TABLES, "TLG3", sic_employment=sic)
    from_files = regional_model(TABLES, "TLG3")
    pd.testing.assert_series_equal(through_warehouse.employment, from_files.employment)
    pd.testing.assert_frame_equal(through_warehouse.multipliers(1), from_files.multipliers(1))


def test_an_unknown_year_is_named_with_the_years_there_are(warehouse: Warehouse) -> None:
    with pytest.raises(UnknownCodeError, match="2014"):
        regional_sic_employment(warehouse, 2014)


def test_imported_employment_reaches_the_regional_model(fresh_warehouse: Path) -> None:
    # A copy of BRES 2019 with the West Midlands' motor-vehicle jobs (SIC 29100) doubled, imported as a user dataset.
    facts = pd.read_parquet(dataset_path("bres_itl2_sic5"))
    facts = facts[(facts["year"] == 2019).to_numpy()].drop(columns=["dataset"]).reset_index(drop=True)
    cars = ((facts["area_code"] == "TLG3") & (facts["industry_code"] == "29100")).to_numpy()
    published = float(facts.loc[cars, "value"].sum())
    assert published > 10_000  # Jaguar Land Rover and its neighbours
    facts.loc[cars, "value"] *= 2
    provenance = Provenance("bres_doubled_cars", "BRES 2019, West Midlands cars doubled", "test", "ONS", "2019", "OGL")
    with Warehouse(fresh_warehouse) as wh:
        wh.import_facts(facts, provenance, file="bres_doubled_cars.parquet")
        sic = regional_sic_employment(wh, 2019, "bres_doubled_cars")
    assert float(sic.loc["TLG3", "29100"]) == 2 * published
    before, after = regional_model(TABLES, "TLG3"), regional_model(TABLES, "TLG3", sic_employment=sic)
    # Motor vehicles are IOAT C29: the region's jobs and location quotient there rise, other industries' stay.
    assert after.employment["C29"] == pytest.approx(before.employment["C29"] + published)
    assert after.location_quotients["C29"] > before.location_quotients["C29"]
    assert after.employment.drop("C29").equals(before.employment.drop("C29"))
    # Other regions' models see the larger national employment in C29, so their quotient there falls.
    elsewhere = regional_model(TABLES, "TLK1", sic_employment=sic).location_quotients["C29"]
    assert elsewhere < regional_model(TABLES, "TLK1").location_quotients["C29"]
    # The cluster tools take the same frame: flows between the region's clusters change with it.
    links_before = cluster_linkages(TABLES, "wmca_plan_for_growth", region="TLG3")
    links_after = cluster_linkages(TABLES, "wmca_plan_for_growth", region="TLG3", sic_employment=sic)
    assert not links_after.flows.equals(links_before.flows)


def test_the_us_model_reads_cbp_through_the_warehouse(warehouse: Warehouse) -> None:
    for cells in ("reconstructed", "published"):
        naics = regional_naics_employment(warehouse, cells)
        pd.testing.assert_frame_equal(naics, _cbp_wide(TABLES, cells), check_names=False)
    naics = regional_naics_employment(warehouse)
    assert naics.shape[0] == 933  # every CBSA of CBP 2019
    through_warehouse = us_regional_model(TABLES, "19820", naics_employment=naics)
    from_files = us_regional_model(TABLES, "19820")
    pd.testing.assert_series_equal(through_warehouse.employment, from_files.employment)
    pd.testing.assert_frame_equal(through_warehouse.multipliers(1), from_files.multipliers(1))
    links = cluster_linkages(TABLES, "us_cmp_traded_2014", region="19820", naics_employment=naics)
    pd.testing.assert_frame_equal(links.flows, cluster_linkages(TABLES, "us_cmp_traded_2014", region="19820").flows)


def test_changed_cbp_employment_reaches_the_us_model(warehouse: Warehouse) -> None:
    # Detroit's motor-vehicle manufacturing jobs (NAICS 3361, BEA 3361MV) doubled in the frame the pipeline passes.
    naics = regional_naics_employment(warehouse).copy()
    cars = float(naics.loc["19820", "3361"])
    assert cars > 10_000
    naics.loc["19820", "3361"] *= 2
    before, after = us_regional_model(TABLES, "19820"), us_regional_model(TABLES, "19820", naics_employment=naics)
    assert after.employment["3361MV"] == pytest.approx(before.employment["3361MV"] + cars)
    assert after.location_quotients["3361MV"] > before.location_quotients["3361MV"]
    assert after.employment.drop("3361MV").equals(before.employment.drop("3361MV"))


def test_imported_employment_reaches_the_io_commands(
    fresh_warehouse: Path, warehouse_path: Path, tmp_path: Path
) -> None:
    # BRES 2019 with the West Midlands' motor-vehicle jobs (SIC 29100) doubled, imported as a user dataset: the
    # `clusterplan io` commands regionalise with what the warehouse holds, not with the files of the package.
    facts = pd.read_parquet(dataset_path("bres_itl2_sic5"))
    facts = facts[(facts["year"] == 2019).to_numpy()].drop(columns=["dataset"]).reset_index(drop=True)
    cars = ((facts["area_code"] == "TLG3") & (facts["industry_code"] == "29100")).to_numpy()
    published = float(facts.loc[cars, "value"].sum())
    facts.loc[cars, "value"] *= 2
    provenance = Provenance("bres_doubled_cars", "BRES 2019, West Midlands cars doubled", "test", "ONS", "2019", "OGL")
    with Warehouse(fresh_warehouse) as wh:
        wh.import_facts(facts, provenance, file="bres_doubled_cars.parquet")

    def multipliers(warehouse: Path, *dataset: str) -> pd.DataFrame:
        out = tmp_path / f"multipliers{len(dataset)}.csv"
        result = run_cli(
            "io", "multipliers", "--region", "TLG3", "--out", str(out), "--warehouse", str(warehouse), *dataset
        )
        assert result.returncode == 0, result.stderr
        return pd.read_csv(out, dtype={"industry_code": str}).set_index("industry_code")

    before = multipliers(warehouse_path)
    after = multipliers(fresh_warehouse, "--employment-dataset", "bres_doubled_cars")
    assert after.loc["C29", "regional_employment"] == pytest.approx(
        before.loc["C29", "regional_employment"] + published
    )
    assert after.loc["C29", "location_quotient"] > before.loc["C29", "location_quotient"]
    assert not after["output_multiplier"].equals(before["output_multiplier"])


def test_us_supply_chains_of_the_pipeline_read_cbp_through_the_warehouse(warehouse: Warehouse) -> None:
    links = region_supply_chains(warehouse, "us_cmp_traded_2014", region="19820", geography="us")
    assert links.parameters["region"] == "19820"
    pd.testing.assert_frame_equal(links.flows, cluster_linkages(TABLES, "us_cmp_traded_2014", region="19820").flows)


class _Facts:
    """A facts table on DuckDB read through the warehouse's named queries and its Arrow read of coded columns."""

    def __init__(self, rows: pd.DataFrame) -> None:
        import duckdb

        from clusterplan.warehouse._queries import NamedQueries

        self.raw = duckdb.connect()
        self.raw.register("given", rows)
        self.raw.execute("CREATE TABLE facts AS SELECT * FROM given")
        self.queries = type("Q", (NamedQueries,), {"raw": self.raw, "_coded_frame": Warehouse._coded_frame})()

    def grouped(self, datasets: list[str]) -> pd.DataFrame:
        """The rows summed per cell and dataset by the engine (what the read gave before it skipped the sum)."""
        parts = [
            self.raw.execute(
                "SELECT area_code, industry_code, sum(value) AS value FROM facts WHERE dataset = ? GROUP BY 1, 2", [d]
            ).df()
            for d in datasets
        ]
        return pd.concat(parts, ignore_index=True)


def _sorted(frame: pd.DataFrame) -> pd.DataFrame:
    plain = frame.astype({"area_code": object, "industry_code": object})
    return plain.sort_values(["area_code", "industry_code", "value"], na_position="first").reset_index(drop=True)


def test_employment_by_area_and_code_sums_a_cell_only_when_a_dataset_repeats_it() -> None:
    """Rows read as they are when each dataset has each cell once (a cell both datasets have keeps a row from each);
    a dataset with a cell twice (or two rows without a code in one area) is summed per cell by the engine."""
    rows = pd.DataFrame(
        {
            "dataset": ["a", "a", "a", "b", "b"],
            "area_code": ["X", "X", "Y", "X", "Y"],
            "industry_code": ["11", "12", "11", "11", "12"],
            "year": 2019,
            "measure": "employment",
            "breakdown": "all",
            "value": [1.5, 2.0, 3.0, 4.0, 5.0],
        }
    )
    once = _Facts(rows).queries.employment_by_area_and_code(["a", "b"], 2019)
    assert list(once.columns) == ["area_code", "industry_code", "value"] and len(once) == 5
    assert list(once["area_code"].cat.categories) == ["X", "Y"]
    assert list(once["industry_code"].cat.categories) == ["11", "12"]
    pd.testing.assert_frame_equal(_sorted(once), _sorted(_Facts(rows).grouped(["a", "b"])))
    for extra in ({"industry_code": "11", "value": 0.25}, {"industry_code": None, "value": 1.0}):
        repeated = pd.concat([rows, rows.iloc[[0]].assign(**extra)], ignore_index=True)
        if extra["industry_code"] is None:
            repeated = pd.concat([repeated, rows.iloc[[0]].assign(industry_code=None, value=2.0)], ignore_index=True)
        facts = _Facts(repeated)
        summed = facts.queries.employment_by_area_and_code(["a", "b"], 2019)
        assert len(summed) == (5 if extra["industry_code"] else 6)
        pd.testing.assert_frame_equal(_sorted(summed), _sorted(facts.grouped(["a", "b"])))
    assert _sorted(summed)["value"].tolist()[0] == 3.0  # the two rows without a code in area X, summed
