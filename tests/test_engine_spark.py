"""The Spark engine runs the same Ibis measures as DuckDB and gives identical results.

One local Spark session serves the whole module (starting one takes seconds).
CI installs the ``spark`` extra, so these tests run there; ``-m "not spark"``
leaves them out on a machine without Java.
"""

from __future__ import annotations

import shutil
import sys
from collections.abc import Iterator
from pathlib import Path

import ibis.expr.types as ir
import pandas as pd
import pytest

from _util import FIXTURES
from clusterplan import ParameterError, UnknownCodeError
from clusterplan._data import data_dir
from clusterplan.measures.employment import industry_facts, memtable
from clusterplan.measures.panel import measure_panel
from clusterplan.pipeline.profile import profile_region
from clusterplan.sources.formats import read_user_file
from clusterplan.taxonomy import load_taxonomy
from clusterplan.testing import assert_panel_equal
from clusterplan.warehouse import SparkWarehouse, Warehouse, export_facts_parquet, open_engine

spark = pytest.mark.spark
# pyspark 4.0's toPandas passes copy= to astype, which pandas 3 deprecates; and py4j's gateway leaves its client
# sockets to the garbage collector. Neither is clusterplan's code, so these two are allowed in this module only.
pytestmark = [
    pytest.mark.filterwarnings("ignore:The copy keyword is deprecated:DeprecationWarning:pyspark"),
    pytest.mark.filterwarnings("ignore:unclosed <socket.socket:ResourceWarning"),
    pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning"),
]

PANEL_KEYS = ["area_code", "unit_code", "year"]
# West Midlands, Tees Valley and Durham, Inner London - West, Eastern Scotland: four real BRES ITL2 areas.
SLICE_AREAS = ["TLG3", "TLC1", "TLI3", "TLM7"]


@pytest.fixture(scope="module")
def duck(tmp_path_factory: pytest.TempPathFactory, warehouse_path: Path) -> Iterator[Warehouse]:
    """The session warehouse plus one imported dataset ("mini", a real NOMIS BRES slice)."""
    path = tmp_path_factory.mktemp("engine") / "warehouse.duckdb"
    path.write_bytes(warehouse_path.read_bytes())
    facts, provenance = read_user_file(FIXTURES / "nomis" / "bres_itl2_sic5_mini.csv", "nomis", dataset="mini")
    with Warehouse(path) as wh:
        wh.import_facts(facts, provenance, file="bres_itl2_sic5_mini.csv")
    wh = Warehouse(path, read_only=True)
    yield wh
    wh.close()


@pytest.fixture(scope="module")
def exported(duck: Warehouse, tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("exported")
    assert export_facts_parquet(duck, folder) == ["mini"]
    return folder


def _need_java() -> None:
    # A fresh machine with only Python has no Java; CI has it and turns this skip into a failure
    # (CLUSTERPLAN_REQUIRE_SPARK=1, see tests/conftest.py).
    if shutil.which("java") is None:
        pytest.skip("the Spark engine needs Java 17 (apt-get install openjdk-17-jre-headless)")


@pytest.fixture(scope="module")
def on_spark(exported: Path) -> Iterator[SparkWarehouse]:
    _need_java()
    wh = SparkWarehouse("local[2]", imported=exported)
    yield wh
    wh.close()


def _slice(facts: ir.Table, dataset: str = "bres_itl2_sic5") -> ir.Table:
    rows = industry_facts(facts, dataset=dataset)
    return rows.filter(rows.area_code.isin(SLICE_AREAS))


@spark
def test_cluster_panel_identical_on_duckdb_and_spark(duck: Warehouse, on_spark: SparkWarehouse) -> None:
    mapping = load_taxonomy("wmca_plan_for_growth").mapping()[["cluster_id", "industry_code"]]
    left = measure_panel(_slice(duck.facts), memtable(mapping)).to_pandas()
    right = measure_panel(_slice(on_spark.facts), memtable(mapping)).to_pandas()
    assert_panel_equal(left, right, keys=PANEL_KEYS, rtol=1e-12)
    years = sorted(right["year"].unique())
    assert years == list(range(2015, 2022))
    assert len(right) == len(SLICE_AREAS) * mapping["cluster_id"].nunique() * len(years)
    # The area total must be every industry of the area, summed straight from the embedded Parquet file.
    raw = pd.read_parquet(
        data_dir() / "bres_itl2_sic5.parquet",
        filters=[("area_code", "=", "TLG3"), ("year", "=", 2021), ("measure", "=", "employment")],
    )
    total = right.loc[(right.area_code == "TLG3") & (right.year == 2021), "area_total"].unique()
    assert total.tolist() == [raw.loc[raw.breakdown == "all", "value"].sum()]


@spark
def test_industry_panel_with_peer_benchmark_and_denominator(duck: Warehouse, on_spark: SparkWarehouse) -> None:
    traded = pd.DataFrame({"industry_code": ["29", "30", "62", "64"]})
    panels = [
        measure_panel(
            _slice(wh.facts, "bres_itl2_sic2"),
            benchmark_areas=["TLC1", "TLG3"],
            denominator_industries=memtable(traded),
        ).to_pandas()
        for wh in (duck, on_spark)
    ]
    assert_panel_equal(panels[0], panels[1], keys=PANEL_KEYS, rtol=1e-12)
    assert panels[1]["lq"].notna().sum() > 100


@spark
def test_imported_dataset_reaches_spark_through_parquet(duck: Warehouse, on_spark: SparkWarehouse) -> None:
    panels = [measure_panel(industry_facts(wh.facts, dataset="mini")).to_pandas() for wh in (duck, on_spark)]
    assert_panel_equal(panels[0], panels[1], keys=PANEL_KEYS, rtol=1e-12)
    # By hand from the raw CSV rows of 2021: West Midlands 15000 + 11000 + 8000 + 0, Tees Valley 1500 + 1250 + 800 + 0.
    row = panels[1].set_index(PANEL_KEYS).loc[("TLG3", "29100", 2021)]
    assert (row.employment, row.area_total, row.benchmark_employment, row.benchmark_total) == (
        15000,
        34000,
        16500,
        37550,
    )
    assert row.lq == pytest.approx((15000 / 34000) / (16500 / 37550), rel=1e-12)
    assert panels[1].set_index(PANEL_KEYS).loc[("TLG3", "01120", 2021), "suppressed_cells"] == 1
    assert on_spark.dataset_info("mini") == duck.dataset_info("mini")


@spark
def test_profile_region_identical_on_spark(duck: Warehouse, on_spark: SparkWarehouse) -> None:
    left, right = profile_region(duck), profile_region(on_spark)  # type: ignore[arg-type]
    assert_panel_equal(left.clusters, right.clusters, keys=["cluster_id"], rtol=1e-12)
    assert left.totals == right.totals
    assert right.region_code == "TLG3" and right.region_name == "West Midlands"


@spark
def test_catalogue_and_sql_match_duckdb(duck: Warehouse, on_spark: SparkWarehouse) -> None:
    pd.testing.assert_frame_equal(on_spark.list_datasets(), duck.list_datasets(), check_dtype=False)
    left, right = duck.dataset_info("bres_itl2_sic5"), on_spark.dataset_info("bres_itl2_sic5")
    assert {k: v for k, v in left.items() if k != "loaded_at"} == {k: v for k, v in right.items() if k != "loaded_at"}
    query = "SELECT count(*), sum(value) FROM facts WHERE dataset = ? AND year = ?"
    # fetchall: with DuckDB 2 a fetchone() leaves the result open and blocks the connection's next query.
    expected = duck.raw.execute(query, ["bres_itl2_sic2", 2021]).fetchall()
    assert on_spark.raw.execute(query, ["bres_itl2_sic2", 2021]).fetchall() == expected
    assert on_spark.raw.execute(query, ["bres_itl2_sic2", 2021]).fetchone() == expected[0]
    assert expected[0][0] > 1000
    table = on_spark.table("nuts2016_itl2021_crosswalk").to_pandas()
    assert len(table) == duck.table("nuts2016_itl2021_crosswalk").count().execute() == 40
    assert on_spark.known_codes("area") == duck.known_codes("area")
    with pytest.raises(UnknownCodeError, match="unknown warehouse table 'nope'"):
        on_spark.table("nope")
    with pytest.raises(UnknownCodeError, match="unknown dataset 'nope'"):
        on_spark.dataset_info("nope")


def test_export_refuses_embedded_or_empty(warehouse: Warehouse, duck: Warehouse, tmp_path: Path) -> None:
    with pytest.raises(ParameterError, match="holds no imported datasets to export"):
        export_facts_parquet(warehouse, tmp_path)
    with pytest.raises(ParameterError, match="'bres_itl2_sic5' is embedded data"):
        export_facts_parquet(duck, tmp_path, datasets=["bres_itl2_sic5"])
    assert not list(tmp_path.iterdir())


def test_missing_spark_extra_is_one_line(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "pyspark", None)
    message = "the Spark engine needs the spark extra: pip install 'clusterplan[spark]'"
    with pytest.raises(ParameterError) as info:
        SparkWarehouse()
    assert str(info.value) == message
    with pytest.raises(ParameterError, match="needs the spark extra"):
        open_engine("spark")


def test_open_engine_names() -> None:
    with open_engine("duckdb", path=":memory:") as wh:
        assert isinstance(wh, Warehouse)
    with pytest.raises(ParameterError, match="unknown engine 'postgres'; choose one of duckdb, spark"):
        open_engine("postgres")


def test_duckdb_sql_is_translated_for_spark() -> None:
    from clusterplan.warehouse._spark import to_spark_sql

    # DuckDB's any_value skips NULLs and its ORDER BY puts NULLs last; Spark's defaults differ.
    assert to_spark_sql("SELECT area_code, any_value(area_name) FROM areas GROUP BY 1 ORDER BY 1") == (
        "SELECT area_code, ANY_VALUE(area_name) IGNORE NULLS FROM areas GROUP BY 1 ORDER BY 1 NULLS LAST"
    )
    assert to_spark_sql("SELECT 1 FROM facts WHERE dataset = ? AND regexp_full_match(industry_code, pattern)") == (
        "SELECT 1 FROM facts WHERE dataset = ? AND industry_code RLIKE CONCAT('^(?:', pattern, ')$')"
    )


@spark
def test_cli_run_on_spark_matches_duckdb(tmp_path: Path, warehouse_path: Path) -> None:
    """`clusterplan run --engine spark` writes the same clusters.csv as the default engine."""
    from _util import run_cli

    _need_java()
    copy = tmp_path / "w.duckdb"
    copy.write_bytes(warehouse_path.read_bytes())
    outputs = {}
    for engine in ("duckdb", "spark"):
        result = run_cli(
            "run", "--quiet", "--engine", engine, "--out", str(tmp_path / engine), "--warehouse", str(copy)
        )
        assert result.returncode == 0, result.stderr
        outputs[engine] = pd.read_csv(tmp_path / engine / "clusters.csv")
    assert_panel_equal(outputs["duckdb"], outputs["spark"], keys=["cluster_id"], rtol=1e-12)
    import json

    assert json.loads((tmp_path / "spark" / "run.json").read_text())["parameters"]["engine"] == "spark"
