"""Benchmark: a national business register aggregated to area x SIC x year panels inside DuckDB.

SCALE TEST ONLY — THE REGISTER IS GENERATED, NOT DATA. This script writes a register of ``--rows`` (default 10
million) companies in the real format of Companies House "Basic Company Data" (the published 55-column header
byte for byte, every field quoted, dates DD/MM/YYYY, SIC text "NNNNN - description") and a postcode directory
in the ONS Postcode Directory layout (the columns the loader reads: pcd, pcds, doterm, oslaua, lat, long).
Company names say GENERATED, numbers are sequential, postcodes are made up in the postcode format and placed in
real LAD codes at random, SIC codes are drawn uniformly from the 729 SIC 2007 codes BRES publishes,
incorporation dates uniformly from 1950-2024 and 10% of companies are dissolved. Nothing about the economy can
be read from the output; it measures how fast the pipeline runs at national scale.

Usage::

    python benchmarks/bench_firm_aggregation.py [--rows 10000000] [--chunk 1000000] [--workdir /tmp/...] [--keep]

Steps timed (on this machine: 2 cores, 24 GB):

1. generate the register and directory (numpy, vectorised, written in chunks of ``--chunk`` rows);
2. load and validate them in DuckDB (:func:`clusterplan.sources.companies_house.load_basic_company_data_duckdb`,
   :func:`clusterplan.sources.postcodes.load_onspd_duckdb`);
3. the aggregation (:func:`clusterplan.geography.firms.firm_panel`, one Ibis expression) of active firms by
   LAD x SIC subclass x year and ITL3 x SIC subclass x year over 15 years, executed by DuckDB.

Rows per second = register rows / seconds of the step. Results go to
``benchmarks/results/firm_aggregation.json``; the generated files are deleted unless ``--keep``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import tempfile
import time
from pathlib import Path
from typing import Any

import duckdb
import ibis
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.csv as pacsv

from clusterplan._data import data_dir
from clusterplan.geography.firms import firm_match_summary, firm_panel
from clusterplan.sources.companies_house import (
    BASIC_COMPANY_DATA_COLUMNS,
    BASIC_COMPANY_DATA_HEADER,
    load_basic_company_data_duckdb,
)
from clusterplan.sources.ons_geography import load_lad_itl_lookup
from clusterplan.sources.postcodes import load_onspd_duckdb

HERE = Path(__file__).resolve().parent
NOTICE = "GENERATED SCALE TEST ONLY: the register is generated, not data; it measures speed, not the economy"
SEED = 20240501
YEARS = list(range(2010, 2025))
AREAS = "ABCDEFGHJKLMNOPRSTUWYZ"
UNITS = "ABDEFGHJLNPQRSTUWXYZ"


def _strings(values: np.ndarray) -> np.ndarray:
    return values.astype(str)


def _dates(rng: np.random.Generator, years: np.ndarray) -> np.ndarray:
    """DD/MM/YYYY strings for the given years, random day (1-28) and month, vectorised."""
    day = np.char.zfill(_strings(rng.integers(1, 29, len(years))), 2)
    month = np.char.zfill(_strings(rng.integers(1, 13, len(years))), 2)
    return np.char.add(np.char.add(np.char.add(np.char.add(day, "/"), month), "/"), _strings(years))


def generate_postcodes(rng: np.random.Generator, count: int) -> pd.DataFrame:
    """Made-up postcodes in the UK format (AA9 9AA), each in a real LAD, with a point near Great Britain."""
    area = np.array(list(AREAS))[rng.integers(0, len(AREAS), (count, 2))]
    outward = np.char.add(np.char.add(area[:, 0], area[:, 1]), _strings(rng.integers(1, 100, count)))
    unit = np.array(list(UNITS))[rng.integers(0, len(UNITS), (count, 2))]
    inward = np.char.add(np.char.add(_strings(rng.integers(0, 10, count)), unit[:, 0]), unit[:, 1])
    postcode = np.char.add(np.char.add(outward, " "), inward)
    frame = pd.DataFrame({"pcds": postcode}).drop_duplicates("pcds").reset_index(drop=True)
    lads = load_lad_itl_lookup()["lad_code"].to_numpy()
    frame["pcd"] = frame["pcds"]
    frame["doterm"] = ""
    frame["oslaua"] = lads[rng.integers(0, len(lads), len(frame))]
    frame["lat"] = np.round(rng.uniform(50.0, 58.5, len(frame)), 6)
    frame["long"] = np.round(rng.uniform(-5.5, 1.7, len(frame)), 6)
    return frame[["pcd", "pcds", "doterm", "oslaua", "lat", "long"]]


def generate_register(path: Path, rows: int, chunk: int, postcodes: np.ndarray, rng: np.random.Generator) -> None:
    """Write *rows* companies in the Basic Company Data layout, *chunk* rows at a time."""
    sic = pd.read_parquet(data_dir() / "industries_sic2007.parquet")
    sic = sic[sic["industry_level"] == "subclass"]
    texts = (sic["industry_code"] + " - " + sic["industry_name"].str.strip()).to_numpy()
    options = pacsv.WriteOptions(include_header=False, quoting_style="all_valid")
    with open(path, "wb") as handle:
        handle.write((BASIC_COMPANY_DATA_HEADER + "\n").encode())
        for start in range(0, rows, chunk):
            n = min(chunk, rows - start)
            numbers = np.char.zfill(_strings(np.arange(start + 1, start + n + 1)), 8)
            incorporated = rng.integers(1950, 2025, n)
            dissolved = rng.random(n) < 0.10
            dissolution_year = np.minimum(incorporated + rng.integers(1, 20, n), 2024)
            dissolution = np.where(dissolved, _dates(rng, dissolution_year), "")
            # A dissolution in the incorporation year could precede it: those stay undissolved.
            dissolution = np.where(dissolution_year > incorporated, dissolution, "")
            columns: dict[str, Any] = dict.fromkeys(BASIC_COMPANY_DATA_COLUMNS, None)
            empty = pa.array(np.full(n, ""), type=pa.string())
            for name in columns:
                columns[name] = empty
            columns["CompanyName"] = pa.array(np.char.add(np.char.add("GENERATED COMPANY ", numbers), " LIMITED"))
            columns["CompanyNumber"] = pa.array(numbers)
            columns["RegAddress.PostCode"] = pa.array(postcodes[rng.integers(0, len(postcodes), n)])
            columns["CompanyCategory"] = pa.array(np.full(n, "Private Limited Company"))
            columns["CompanyStatus"] = pa.array(np.where(dissolved & (dissolution != ""), "Dissolved", "Active"))
            columns["CountryOfOrigin"] = pa.array(np.full(n, "United Kingdom"))
            columns["IncorporationDate"] = pa.array(_dates(rng, incorporated))
            columns["DissolutionDate"] = pa.array(dissolution)
            columns["Accounts.AccountCategory"] = pa.array(
                np.array(["MICRO ENTITY", "SMALL", "FULL", "DORMANT"])[rng.choice(4, n, p=[0.6, 0.25, 0.1, 0.05])]
            )
            columns["SICCode.SicText_1"] = pa.array(texts[rng.integers(0, len(texts), n)])
            second = rng.random(n) < 0.2
            columns["SICCode.SicText_2"] = pa.array(np.where(second, texts[rng.integers(0, len(texts), n)], ""))
            # Column names repeat nothing, but the header is written above exactly as published.
            table = pa.table(list(columns.values()), names=[f"c{i}" for i in range(len(columns))])
            pacsv.write_csv(table, handle, write_options=options)
            print(f"  generated {start + n:,} of {rows:,} rows", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=10_000_000)
    parser.add_argument("--chunk", type=int, default=1_000_000)
    parser.add_argument("--postcodes", type=int, default=1_700_000, help="postcodes in the generated directory")
    parser.add_argument("--workdir", type=Path, default=None)
    parser.add_argument("--keep", action="store_true", help="keep the generated files and database")
    parser.add_argument("--out", type=Path, default=HERE / "results" / "firm_aggregation.json")
    args = parser.parse_args()
    print(NOTICE)
    work = args.workdir or Path(tempfile.mkdtemp(prefix="clusterplan-firms-"))
    work.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(SEED)
    timings: dict[str, float] = {}

    start = time.perf_counter()
    directory = generate_postcodes(rng, args.postcodes)
    onspd = work / "ONSPD_GENERATED_UK.csv"
    directory.to_csv(onspd, index=False)
    register = work / "BasicCompanyData-GENERATED.csv"
    generate_register(register, args.rows, args.chunk, directory["pcds"].to_numpy(), rng)
    timings["generate_seconds"] = time.perf_counter() - start
    size = register.stat().st_size

    con = duckdb.connect(str(work / "bench.duckdb"))
    con.execute(f"SET temp_directory = '{work / 'spill'}'")
    start = time.perf_counter()
    loaded = load_basic_company_data_duckdb(con, register)
    timings["load_register_seconds"] = time.perf_counter() - start
    start = time.perf_counter()
    postcodes = load_onspd_duckdb(con, onspd)
    timings["load_postcodes_seconds"] = time.perf_counter() - start

    backend = ibis.duckdb.from_connection(con)
    firms, places = backend.table("companies"), backend.table("postcodes")
    con.register("lad_itl_lookup_frame", load_lad_itl_lookup())
    con.execute("CREATE OR REPLACE TABLE lad_itl_lookup AS SELECT * FROM lad_itl_lookup_frame")
    lookup = backend.table("lad_itl_lookup")
    results: dict[str, Any] = {}
    for level in ("lad", "itl3"):
        expression = firm_panel(firms, places, lookup, years=YEARS, level=level)
        start = time.perf_counter()
        panel = expression.to_pyarrow()
        seconds = time.perf_counter() - start
        results[level] = {
            "seconds": round(seconds, 3),
            "rows_per_second": round(loaded / seconds),
            "panel_rows": panel.num_rows,
            "active_firm_years": int(pa.compute.sum(panel["active_firms"]).as_py()),
        }
        print(f"  {level}: {seconds:.2f} s, {loaded / seconds:,.0f} register rows/s, {panel.num_rows:,} panel rows")
    start = time.perf_counter()
    matches = firm_match_summary(firms, places)
    timings["match_summary_seconds"] = time.perf_counter() - start
    con.close()

    record = {
        "notice": NOTICE,
        "benchmark": "firm register -> area x SIC subclass x year panel of active firms (clusterplan.geography.firms)",
        "register_rows": loaded,
        "register_csv_bytes": size,
        "postcodes": postcodes,
        "years": [YEARS[0], YEARS[-1]],
        "aggregation": results,
        "load_register_rows_per_second": round(loaded / timings["load_register_seconds"]),
        "timings_seconds": {k: round(v, 3) for k, v in timings.items()},
        "match_summary": matches,
        "machine": {
            "cpus": os.cpu_count(),
            "platform": platform.platform(),
            "python": platform.python_version(),
            "duckdb": duckdb.__version__,
            "ibis": ibis.__version__,
        },
        "seed": SEED,
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(record, indent=2) + "\n", encoding="utf-8")
    print(json.dumps(record, indent=2))
    print(NOTICE)
    if not args.keep:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
