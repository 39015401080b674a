"""The warehouse: golden totals against the raw files, atomic and validated imports."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from _util import FIXTURES, run_cli
from clusterplan import DataValidationError, Warehouse, WarehouseError
from clusterplan._data import data_dir
from clusterplan.sources.formats import read_user_file

BRES = "uk/bres_itl2/bres_employment_itl2_nuts2016_sic5_2015_2021.csv"


def _raw_bres(shared: Path) -> pd.DataFrame:
    return pd.read_csv(shared / BRES, dtype={"INDUSTRY_CODE": str})


def test_gb_totals_per_year_equal_raw_file(warehouse: Warehouse, shared_data: Path) -> None:
    raw = _raw_bres(shared_data).groupby("DATE")["COUNT"].sum()
    ours = (
        warehouse.raw.execute(
            "SELECT year, sum(value) AS total FROM facts WHERE dataset = 'bres_itl2_sic5' GROUP BY year ORDER BY year"
        )
        .df()
        .set_index("year")["total"]
    )
    assert list(ours.index) == list(raw.index) == list(range(2015, 2022))
    assert (ours.to_numpy() == raw.to_numpy()).all()
    assert ours[2021] == 31_366_000.0


def test_west_midlands_totals_equal_raw_file(warehouse: Warehouse, shared_data: Path) -> None:
    raw = _raw_bres(shared_data)
    raw = raw[raw.GEOGRAPHY_CODE == "UKG3"].groupby("DATE")["COUNT"].sum()
    ours = (
        warehouse.raw.execute(
            "SELECT year, sum(value) FROM facts WHERE dataset = 'bres_itl2_sic5' AND area_code = 'TLG3' "
            "GROUP BY 1 ORDER BY 1"
        )
        .df()
        .set_index("year")
        .iloc[:, 0]
    )
    assert (ours.to_numpy() == raw.to_numpy()).all()


def test_suppressed_and_missing_cells_are_kept_and_counted(warehouse: Warehouse, shared_data: Path) -> None:
    raw = _raw_bres(shared_data)
    counts = (
        warehouse.raw.execute("SELECT flag, count(*) FROM facts WHERE dataset = 'bres_itl2_sic5' GROUP BY flag")
        .df()
        .set_index("flag")
        .iloc[:, 0]
    )
    assert counts["zero_may_be_suppressed"] == int((raw.COUNT == 0).sum())
    assert counts["missing"] == int(raw.COUNT.isna().sum()) == 15
    # fetchall: a fetchone() would leave a half-read result on the session's shared connection (DuckDB 2).
    total_rows = warehouse.raw.execute("SELECT count(*) FROM facts WHERE dataset = 'bres_itl2_sic5'").fetchall()
    assert total_rows == [(len(raw),)]


def test_every_manifest_dataset_is_listed_with_provenance(warehouse: Warehouse) -> None:
    from clusterplan._data import manifest

    listed = warehouse.list_datasets().set_index("dataset")
    for entry in manifest()["datasets"]:
        assert entry["name"] in listed.index
        assert listed.loc[entry["name"], "rows"] == entry["rows"]
        assert entry["licence"] and entry["vintage"] and len(entry["sha256"]) == 64


def test_embedded_files_match_manifest_sha256() -> None:
    from clusterplan._build._common import sha256_file
    from clusterplan._data import data_dir, manifest

    for entry in manifest()["datasets"]:
        assert sha256_file(data_dir() / entry["file"]) == entry["sha256"], entry["name"]


def test_import_nomis_file_then_query(fresh_warehouse: Path) -> None:
    facts, provenance = read_user_file(FIXTURES / "nomis" / "bres_itl2_sic5_mini.csv", "nomis", dataset="mini")
    with Warehouse(fresh_warehouse) as wh:
        report = wh.import_facts(facts, provenance, file="mini.csv")
        assert report.rows == 16 and report.suppressed_zeros == 4 and report.years == (2015, 2021)
        value = wh.raw.execute(
            "SELECT value FROM facts WHERE dataset='mini' AND area_code='TLG3' AND industry_code='29320' AND year=2015"
        ).fetchone()
        assert value == (10000.0,)
        assert wh.dataset_info("mini")["origin"] == "imported"
        with pytest.raises(DataValidationError, match="dataset 'mini' already exists"):
            wh.import_facts(facts, provenance, file="mini.csv")
        with pytest.raises(DataValidationError, match="belongs to the embedded data"):
            provenance.dataset = "bres_itl2_sic5"
            wh.import_facts(facts, provenance, file="mini.csv")


def test_unknown_codes_rejected_with_row_and_warehouse_unchanged(fresh_warehouse: Path, tmp_path: Path) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text(
        "area_code,industry_code,year,measure,value\nTLG3,29100,2021,employment,5\nTLZ9,29100,2021,employment,5\n"
    )
    facts, provenance = read_user_file(bad, "long")
    with Warehouse(fresh_warehouse) as wh:
        before = wh.fingerprint()
        with pytest.raises(DataValidationError, match=r"row 2, column 'area_code', code 'TLZ9': unknown area code"):
            wh.import_facts(facts, provenance, file=str(bad))
        assert wh.fingerprint() == before
        report = wh.import_facts(facts, provenance, file=str(bad), allow_unknown_codes=True)
        assert report.unknown_area_codes == ["TLZ9"]


def test_interrupted_import_leaves_warehouse_as_it_was(fresh_warehouse: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    facts, provenance = read_user_file(FIXTURES / "nomis" / "bres_itl2_sic5_mini.csv", "nomis", dataset="mini")
    with Warehouse(fresh_warehouse) as wh:
        before = wh.fingerprint()

        def interrupt(row: dict) -> None:  # after the facts are inserted, before provenance is
            raise KeyboardInterrupt

        monkeypatch.setattr(wh, "_insert_dataset_row", interrupt)
        with pytest.raises(KeyboardInterrupt):
            wh.import_facts(facts, provenance, file="mini.csv")
        assert wh.fingerprint() == before
    # And on disk, after reopening.
    with Warehouse(fresh_warehouse) as wh:
        assert wh.fingerprint() == before


@pytest.mark.parametrize(
    ("content", "fmt", "message"),
    [
        (
            "DATE,INDUSTRY_CODE,COUNT\n2021,29100,-5\n",
            "nomis",
            "row 1, column 'value', code '29100': negative count -5",
        ),
        ("area_code,industry_code,year,measure,value\nTLG3,29100,20x1,employment,5\n", "long", "row 1, column 'year'"),
        (
            "area_code,industry_code,year,measure,value\nTLG3,29100,2021,employment,5\nTLG3,29100,2021,employment,6\n",
            "long",
            "row 2: duplicate key",
        ),
        (
            "area_code,industry_code,year,measure,value\nTLG3,99999,2021,employment,5\n",
            "long",
            "code '99999': unknown industry code",
        ),
        ("area_code,industry_code,year,value\nTLG3,29100,2021,5\n", "long", "missing column(s) measure"),
        (
            "area_code,industry_code,year,measure,value\nTLG3,29100,2099,employment,5\n",
            "long",
            "year 2099 is in the future",
        ),
    ],
)
def test_cli_import_bad_input_one_line_nonzero_unchanged(
    fresh_warehouse: Path, tmp_path: Path, content: str, fmt: str, message: str
) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text(content)
    before = Warehouse(fresh_warehouse)
    fingerprint = before.fingerprint()
    before.close()
    result = run_cli("data", "import", str(bad), "--format", fmt, "--warehouse", str(fresh_warehouse))
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert lines[-1].startswith("error: ") and str(bad) in lines[-1] and message in lines[-1]
    assert "Traceback" not in result.stderr
    with Warehouse(fresh_warehouse) as after:
        assert after.fingerprint() == fingerprint


def test_cli_import_success_reports_counts(fresh_warehouse: Path) -> None:
    result = run_cli(
        "data",
        "import",
        str(FIXTURES / "nomis" / "bres_itl2_sic5_mini.csv"),
        "--format",
        "nomis",
        "--dataset",
        "mini",
        "--warehouse",
        str(fresh_warehouse),
    )
    assert result.returncode == 0, result.stderr
    assert "imported 16 rows into dataset 'mini'" in result.stdout
    assert "4 zeros flagged as possibly suppressed" in result.stdout


def test_cli_data_list_and_show(warehouse_path: Path, tmp_path: Path) -> None:
    copy = tmp_path / "w.duckdb"
    shutil.copy(warehouse_path, copy)
    listing = run_cli("data", "list", "--warehouse", str(copy))
    assert listing.returncode == 0
    assert "bres_itl2_sic5" in listing.stdout and "Open Government Licence v3.0" in listing.stdout
    shown = run_cli("data", "show", "bres_itl2_sic5", "-n", "3", "--warehouse", str(copy))
    assert shown.returncode == 0 and "TLC1" in shown.stdout and "rows: 204120" in shown.stdout
    unknown = run_cli("data", "show", "nope", "--warehouse", str(copy))
    assert unknown.returncode == 2 and "unknown dataset 'nope'; valid choices:" in unknown.stderr


def test_locked_warehouse_is_a_clear_error(fresh_warehouse: Path) -> None:
    holder = duckdb.connect(str(fresh_warehouse))
    try:
        result = run_cli("data", "list", "--warehouse", str(fresh_warehouse), env={"CLUSTERPLAN_LOCK_WAIT": "0.5"})
    finally:
        holder.close()
    # DuckDB allows one writing process: a reader waits, then gets one line naming the writer, not a traceback.
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert f"is being written by process {os.getpid()}" in result.stderr


def test_read_only_missing_file(tmp_path: Path) -> None:
    with pytest.raises(WarehouseError, match="does not exist"):
        Warehouse(tmp_path / "none.duckdb", read_only=True)


def test_cli_fetch_nomis_offline_is_one_clear_line(tmp_path: Path) -> None:
    # Port 9 on loopback refuses connections: the same code path as a machine with no network.
    result = run_cli(
        "data", "fetch", "nomis", "--geography", "TYPE424", "--industries", "29100", "--years", "2021",
        "--out", str(tmp_path / "bres.csv"),
        env={"CLUSTERPLAN_NOMIS_API": "http://127.0.0.1:9/api/v01/dataset"},
    )  # fmt: skip
    assert result.returncode == 1
    assert result.stderr.strip().splitlines()[-1] == (
        "error: cannot reach nomisweb.co.uk: no network; download the CSV from NOMIS and use "
        "`clusterplan data import FILE --format nomis` instead"
    )
    assert not (tmp_path / "bres.csv").exists()


def test_cli_fetch_nomis_from_a_real_local_server_then_import(tmp_path: Path, fresh_warehouse: Path) -> None:
    """The CLI against a real HTTP server on loopback replaying NOMIS's API pages (two pages)."""
    import http.server
    import threading
    from urllib.parse import parse_qs, urlparse

    pages = FIXTURES / "nomis_api"
    seen: list[str] = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            seen.append(self.path)
            offset = parse_qs(urlparse(self.path).query).get("RecordOffset", ["0"])[0]
            body = (pages / ("bres_NM_189_1_page2.csv" if offset == "2" else "bres_NM_189_1_page1.csv")).read_bytes()
            self.send_response(200)
            self.send_header("Content-Type", "text/csv")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        result = run_cli(
            "data", "fetch", "nomis", "--geography", "UKG1,UKG3", "--industries", "29,62", "--years", "2021",
            "--out", str(tmp_path / "bres.csv"), "--import", "--dataset", "nomis_wm",
            "--warehouse", str(fresh_warehouse),
            env={"CLUSTERPLAN_NOMIS_API": f"http://127.0.0.1:{server.server_address[1]}/api/v01/dataset"},
        )  # fmt: skip
    finally:
        server.shutdown()
        server.server_close()
    assert result.returncode == 0, result.stderr
    assert len(seen) == 2 and "NM_189_1.data.csv" in seen[0]
    assert "wrote 4 rows from NOMIS NM_189_1" in result.stdout
    assert "imported 4 rows into dataset 'nomis_wm'" in result.stdout
    with Warehouse(fresh_warehouse) as wh:
        value = wh.raw.execute(
            "SELECT value FROM facts WHERE dataset='nomis_wm' AND area_code='TLG3' AND industry_code='29'"
        ).fetchone()
    assert value == (28000.0,)


def test_cli_import_cbp_cbsa_file(fresh_warehouse: Path) -> None:
    from clusterplan.sources.cbp import read_cbp_cbsa_csv

    source = FIXTURES / "cbp" / "cbp2019_cbsa_38920_39700.csv"
    result = run_cli(
        "data", "import", str(source), "--format", "cbp", "--dataset", "cbp_user", "--warehouse", str(fresh_warehouse)
    )
    assert result.returncode == 0, result.stderr
    assert f"imported {len(read_cbp_cbsa_csv(source)):,} rows into dataset 'cbp_user'" in result.stdout


def test_cli_import_cbp_county_file_counts_unknown_codes(fresh_warehouse: Path, tmp_path: Path) -> None:
    from clusterplan.sources.cbp import read_cbp_county_file

    # Census names county files cbpYYco.txt; the year comes from the name.
    target = tmp_path / "cbp19co.txt"
    target.write_bytes((FIXTURES / "cbp" / "cbp_county_layout_2017on_sample.txt").read_bytes())
    args = (
        "data",
        "import",
        str(target),
        "--format",
        "cbp",
        "--dataset",
        "cbp_county",
        "--warehouse",
        str(fresh_warehouse),
    )
    strict = run_cli(*args)
    # County 999 is CBP's statewide record, not a county: rejected by default, named with its row.
    assert strict.returncode == 2
    assert "row 11, column 'area_code', code '48999': unknown area code" in strict.stderr
    loose = run_cli(*args, "--allow-unknown-codes")
    assert loose.returncode == 0, loose.stderr
    parsed = read_cbp_county_file(target, year=2019)
    assert f"imported {len(parsed):,} rows" in loose.stdout and "1 unknown area codes" in loose.stdout
    with Warehouse(fresh_warehouse) as wh:
        assert wh.raw.execute("SELECT count(*), min(year) FROM facts WHERE dataset = 'cbp_county'").fetchone() == (
            len(parsed),
            2019,
        )


def test_unknown_table_lists_the_tables(warehouse: Warehouse) -> None:
    from clusterplan import UnknownCodeError

    with pytest.raises(UnknownCodeError, match=r"unknown warehouse table 'nope'; valid choices: .*facts"):
        warehouse.table("nope")
    assert warehouse.table("ioat2019").count().to_pyarrow().as_py() == 24_308


def test_embedded_data_is_read_in_place_and_an_older_copying_warehouse_keeps_its_imports(fresh_warehouse: Path) -> None:
    """The embedded facts and tables are views of the package's Parquet files; a warehouse made when they were
    copied in (facts a table holding embedded and imported rows) keeps its imported rows and reads the rest in
    place; a package that moved is linked again."""
    facts, provenance = read_user_file(FIXTURES / "nomis" / "bres_itl2_sic5_mini.csv", "nomis", dataset="mini")
    count = "SELECT dataset, count(*), sum(value) FROM facts WHERE dataset IN ('bres_itl2_sic5', 'mini') GROUP BY 1"
    with Warehouse(fresh_warehouse) as wh:
        wh.import_facts(facts, provenance, file="mini.csv")
        kinds = wh._object_kinds()
        assert (kinds["facts"], kinds["ioat2019"], kinds["imported_facts"]) == ("VIEW", "VIEW", "BASE TABLE")
        expected = sorted(wh.raw.execute(count).fetchall())
        assert dict((d, n) for d, n, _ in expected) == {"bres_itl2_sic5": 204_120, "mini": 16}
        ioat_rows = wh.raw.execute("SELECT count(*) FROM ioat2019").fetchall()
        # The layout of a warehouse that copied the embedded data in (two datasets of it suffice), without the
        # folder it read them from.
        wh.raw.execute("CREATE TABLE old_facts AS SELECT * FROM facts WHERE dataset IN ('bres_itl2_sic2', 'mini')")
        wh.raw.execute("DROP VIEW facts")
        wh.raw.execute("DROP TABLE imported_facts")
        wh.raw.execute("ALTER TABLE old_facts RENAME TO facts")
        wh.raw.execute("DROP VIEW ioat2019")
        wh.raw.execute(f"CREATE TABLE ioat2019 AS SELECT * FROM read_parquet('{data_dir() / 'ioat2019.parquet'}')")
        wh.raw.execute("DELETE FROM meta WHERE key = 'embedded_folder'")
    with Warehouse(fresh_warehouse) as wh:
        kinds = wh._object_kinds()
        assert (kinds["facts"], kinds["ioat2019"], kinds["imported_facts"]) == ("VIEW", "VIEW", "BASE TABLE")
        assert sorted(wh.raw.execute(count).fetchall()) == expected
        assert wh.raw.execute("SELECT DISTINCT dataset FROM imported_facts").fetchall() == [("mini",)]
        assert wh.raw.execute("SELECT count(*) FROM ioat2019").fetchall() == ioat_rows
        wh.raw.execute("UPDATE meta SET value = '/moved/elsewhere' WHERE key = 'embedded_folder'")
    with Warehouse.for_reading(fresh_warehouse) as wh:
        assert wh._meta("embedded_folder") == str(data_dir())
        assert sorted(wh.raw.execute(count).fetchall()) == expected


def test_frames_come_without_importing_geopandas(warehouse_path: Path) -> None:
    # ibis imports geopandas (0.15 s of CPU per process) on a process's first query to look for a geometry
    # column; the warehouse's tables have none, so a run's processes should not pay for it.
    script = (
        "import sys\n"
        "from clusterplan.warehouse import Warehouse\n"
        f"wh = Warehouse({str(warehouse_path)!r}, read_only=True)\n"
        "frame = wh.table('areas').select('area_code').limit(3).to_pandas()\n"
        "print(len(frame), 'geopandas' in sys.modules)\n"
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120, check=True)
    assert done.stdout.split() == ["3", "False"]
