"""The embedded warehouse (DuckDB by default, queried through Ibis)."""

from ._warehouse import ImportReport, Warehouse, default_warehouse_path

__all__ = ["ImportReport", "Warehouse", "default_warehouse_path"]
