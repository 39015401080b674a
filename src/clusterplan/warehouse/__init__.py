"""The embedded warehouse (DuckDB by default, queried through Ibis; Apache Spark with the ``spark`` extra)."""

from ._bulk import load_basic_company_data_duckdb, load_onspd_duckdb
from ._spark import ENGINES, SparkWarehouse, export_facts_parquet, open_engine
from ._warehouse import ImportReport, Warehouse, default_warehouse_path

__all__ = [
    "ENGINES",
    "ImportReport",
    "SparkWarehouse",
    "Warehouse",
    "default_warehouse_path",
    "export_facts_parquet",
    "load_basic_company_data_duckdb",
    "load_onspd_duckdb",
    "open_engine",
]
