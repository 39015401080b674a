"""Bulk loads of national files straight into DuckDB tables, validated in SQL.

The scale path for files too large to parse in pandas (Companies House Basic
Company Data, about 5 million rows; the ONS Postcode Directory, 2.7 million):
DuckDB reads them in parallel and the checks of the parsers in
:mod:`clusterplan.sources` run as queries. SQL lives here, in the warehouse;
the sources modules say what the files hold.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from .._exceptions import DataValidationError
from ..sources.companies_house import (
    _COMPANY_NUMBER,
    _DATE,
    _SIC_COLUMNS,
    _SIC_TEXT,
    _SOURCE,
    SIC_NONE_SUPPLIED,
    _check_columns,
)
from ..sources.postcodes import _LAD_COLUMNS, NO_LOCATION_LATITUDE

__all__ = ["load_basic_company_data_duckdb", "load_onspd_duckdb"]


def load_basic_company_data_duckdb(con: Any, path: str | Path | list[str | Path], *, table: str = "companies") -> int:
    """Load Basic Company Data CSV file(s) into a DuckDB table, validated in SQL; return the row count.

    The national file is about 5 million rows: DuckDB reads it in parallel and
    the checks of :func:`read_basic_company_data` run as queries. The table
    has the columns of :data:`FIRM_COLUMNS` (dates as ``DATE``), plus
    ``source_file`` and ``source_row`` (the data row within its file).

    Parameters
    ----------
    con
        A DuckDB connection (``Warehouse.raw`` or ``duckdb.connect()``).
    path
        A CSV file, a glob (``BasicCompanyData-2024-05-01-part*.csv``) or a list.
    table
        Name of the table to create or replace.

    Raises
    ------
    DataValidationError
        As :func:`read_basic_company_data`; the table is dropped first.
    """
    paths = [str(p) for p in path] if isinstance(path, list) else [str(path)]
    listing = "[" + ", ".join("'" + p.replace("'", "''") + "'" for p in paths) + "]"
    source = f"read_csv({listing}, header=true, all_varchar=true, filename=true, quote='\"', escape='\"')"
    described = con.execute(f"DESCRIBE SELECT * FROM {source}").fetchall()
    actual = {str(r[0]).strip(): str(r[0]) for r in described}
    label = paths[0] if len(paths) == 1 else f"{paths[0]} (and {len(paths) - 1} more)"
    _check_columns(actual, label)

    def col(name: str) -> str:
        return '"' + actual[name].replace('"', '""') + '"'

    sic = [
        f"CASE WHEN regexp_full_match(trim({col(s)}), '{_SIC_TEXT}') THEN substr(trim({col(s)}), 1, 5) END "
        f"AS sic_code_{i}"
        for i, s in enumerate(_SIC_COLUMNS, start=1)
    ]
    loaded = f"{table}__loaded"
    staging = f"{table}__staging"
    # A table keeps the files' row order (DuckDB preserves insertion order), so rowid gives the data row.
    needed = ", ".join(col(name) for name in _SOURCE)  # only what is kept: the other 42 columns are not stored
    con.execute(f'CREATE OR REPLACE TEMP TABLE "{loaded}" AS SELECT {needed}, filename FROM {source}')
    con.execute(
        f"""CREATE OR REPLACE TEMP VIEW "{staging}" AS
        SELECT *, rowid - min(rowid) OVER (PARTITION BY filename) + 1 AS source_row FROM "{loaded}" """
    )
    try:
        checks = [
            (
                f"NOT regexp_full_match(trim({col('CompanyNumber')}), '{_COMPANY_NUMBER}')",
                "company number is not 8 letters or digits",
                "CompanyNumber",
            ),
            *(
                (
                    f"trim({col(s)}) <> '' AND try_strptime(trim({col(s)}), '{_DATE}') IS NULL",
                    "date is not DD/MM/YYYY",
                    s,
                )
                for s in ("IncorporationDate", "DissolutionDate")
            ),
            *(
                (
                    f"trim({col(s)}) NOT IN ('', '{SIC_NONE_SUPPLIED}') "
                    f"AND NOT regexp_full_match(trim({col(s)}), '{_SIC_TEXT}')",
                    "SIC text is not 'NNNNN - description' or 'None Supplied'",
                    s,
                )
                for s in _SIC_COLUMNS
            ),
        ]
        for condition, problem, column in checks:
            found = con.execute(
                f'SELECT filename, source_row, {col(column)}, {col("CompanyNumber")} FROM "{staging}" '
                f"WHERE {condition} ORDER BY filename, source_row LIMIT 1"
            ).fetchall()
            if found:
                file, row, value, number = found[0]
                raise DataValidationError(
                    f"{problem}: {value!r}", file=str(file), row=int(row), column=column, code=str(number)
                )
        duplicate = con.execute(
            f"""SELECT filename, source_row, number FROM (
                  SELECT filename, source_row, trim({col("CompanyNumber")}) AS number,
                         row_number() OVER (PARTITION BY trim({col("CompanyNumber")})
                                            ORDER BY filename, source_row) AS seen
                  FROM "{staging}") WHERE seen > 1 ORDER BY filename, source_row LIMIT 1"""
        ).fetchall()
        if duplicate:
            file, row, number = duplicate[0]
            raise DataValidationError(
                "company number listed twice", file=str(file), row=int(row), column="CompanyNumber", code=str(number)
            )
        compact = f"upper(regexp_replace({col('RegAddress.PostCode')}, '\\s+', '', 'g'))"
        con.execute(
            f"""CREATE OR REPLACE TABLE "{table}" AS SELECT
                trim({col("CompanyNumber")}) AS company_number,
                trim({col("CompanyName")}) AS company_name,
                CASE WHEN length({compact}) BETWEEN 5 AND 7
                     THEN substr({compact}, 1, length({compact}) - 3) || ' ' || right({compact}, 3) ELSE '' END
                     AS postcode,
                {col("RegAddress.PostCode")} AS postcode_as_published,
                trim({col("CompanyCategory")}) AS company_category,
                trim({col("CompanyStatus")}) AS company_status,
                trim({col("CountryOfOrigin")}) AS country_of_origin,
                CAST(try_strptime(trim({col("IncorporationDate")}), '{_DATE}') AS DATE) AS incorporation_date,
                CAST(try_strptime(trim({col("DissolutionDate")}), '{_DATE}') AS DATE) AS dissolution_date,
                trim({col("Accounts.AccountCategory")}) AS accounts_category,
                {", ".join(sic)},
                filename AS source_file,
                source_row
            FROM "{staging}" """
        )
        backwards = con.execute(
            f'SELECT source_file, source_row, company_number FROM "{table}" '
            "WHERE dissolution_date < incorporation_date ORDER BY source_file, source_row LIMIT 1"
        ).fetchall()
        if backwards:
            file, row, number = backwards[0]
            con.execute(f'DROP TABLE "{table}"')
            raise DataValidationError(
                "dissolved before it was incorporated",
                file=str(file),
                row=int(row),
                column="DissolutionDate",
                code=str(number),
            )
    finally:
        con.execute(f'DROP VIEW IF EXISTS "{staging}"')
        con.execute(f'DROP TABLE IF EXISTS "{loaded}"')
    return int(con.execute(f'SELECT count(*) FROM "{table}"').fetchall()[0][0])


def load_onspd_duckdb(con: Any, path: str | Path, *, table: str = "postcodes") -> int:
    """Load a national ONSPD CSV into a DuckDB table ``postcode, lat, long, lad_code, terminated, has_location``.

    The scale path for the 2.7 million postcodes of a full directory: DuckDB
    reads and normalises the file; only the columns the firm panels need are
    kept. Returns the number of postcodes.

    Raises
    ------
    DataValidationError
        Missing columns, or a postcode listed twice (first offending row).
    """
    label = str(path)
    quoted = str(path).replace("'", "''")
    described = con.execute(f"DESCRIBE SELECT * FROM read_csv('{quoted}', header=true, all_varchar=true)").fetchall()
    actual = {str(r[0]).strip().lower(): str(r[0]) for r in described}
    columns = list(actual)
    code = "pcds" if "pcds" in columns else "pcd" if "pcd" in columns else None
    lad = next((c for c in _LAD_COLUMNS if c in columns), None)
    if code is None or lad is None or "lat" not in columns or "long" not in columns:
        raise DataValidationError(
            f"missing columns; found {', '.join(columns[:12])}",
            file=label,
            hint="expected the ONS Postcode Directory CSV (pcd, pcds, oslaua, lat, long, ...)",
        )
    doterm = f'"{actual["doterm"]}"' if "doterm" in actual else "''"
    compact = f"upper(regexp_replace(\"{actual[code]}\", '\\s+', '', 'g'))"
    con.execute(
        f"""CREATE OR REPLACE TABLE "{table}" AS
        SELECT {compact} AS _compact,
               substr(_compact, 1, length(_compact) - 3) || ' ' || right(_compact, 3) AS postcode,
               CASE WHEN TRY_CAST("{actual["lat"]}" AS DOUBLE) = {NO_LOCATION_LATITUDE} THEN NULL
                    ELSE TRY_CAST("{actual["lat"]}" AS DOUBLE) END AS lat,
               CASE WHEN TRY_CAST("{actual["lat"]}" AS DOUBLE) = {NO_LOCATION_LATITUDE} THEN NULL
                    ELSE TRY_CAST("{actual["long"]}" AS DOUBLE) END AS long,
               trim("{actual[lad]}") AS lad_code,
               coalesce(trim({doterm}), '') <> '' AS terminated,
               coalesce(TRY_CAST("{actual["lat"]}" AS DOUBLE), {NO_LOCATION_LATITUDE}) <> {NO_LOCATION_LATITUDE}
                   AS has_location
        FROM read_csv('{quoted}', header=true, all_varchar=true)"""
    )
    con.execute(f'ALTER TABLE "{table}" DROP COLUMN _compact')
    duplicate = con.execute(
        f'SELECT postcode, count(*) FROM "{table}" GROUP BY postcode HAVING count(*) > 1 LIMIT 1'
    ).fetchall()
    if duplicate:
        raise DataValidationError("postcode listed twice", file=label, code=str(duplicate[0][0]))
    return int(con.execute(f'SELECT count(*) FROM "{table}"').fetchall()[0][0])
