"""Run tables are written as CSV column by column (clusterplan.report._csv): byte for byte what pandas writes."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from clusterplan.report._csv import write_csv


def _both(frame: pd.DataFrame, tmp_path: Path, float_format: str = "%.16g") -> tuple[bytes, bytes]:
    expected, found = tmp_path / "pandas.csv", tmp_path / "ours.csv"
    frame.to_csv(expected, index=False, float_format=float_format)
    write_csv(frame, found, float_format=float_format)
    return expected.read_bytes(), found.read_bytes()


def test_a_slice_of_county_business_patterns_is_written_as_pandas_writes_it(warehouse, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    facts = warehouse.head("us_cbp_2019_cbsa_imputed", 2000)
    # Fractions of 16 and 17 significant digits, as the rebuilt cells and shares of a US run hold.
    facts["share"] = facts["value"] / facts["value"].sum()
    facts["third"] = facts["value"] / 3
    assert len(facts) == 2000 and facts["share"].notna().all()
    expected, found = _both(facts, tmp_path)
    assert found == expected
    line = found.decode().splitlines()[1].split(",")
    share = float(line[list(facts.columns).index("share")])
    assert share == pytest.approx(facts["share"].iloc[0], rel=1e-15)


def test_awkward_cells_are_written_as_pandas_writes_them(tmp_path: Path) -> None:
    frame = pd.DataFrame(
        {
            "name": ["Detroit-Warren-Dearborn, MI", 'say "hi"', "two\nlines", None, "=SUM(A1)", ""],
            "value": [47928.26999999998, np.nan, np.inf, -0.0, 1e-7, 2.0**60],
            "small": np.array([0.1, 0.2, np.nan, 1.5, 3.0, 7.0], dtype=np.float32),
            "jobs": [1, 2, 3, 4, 5, 6],
            "strong": [True, False, True, False, True, False],
            "mixed": [1.5, "x", None, np.nan, 3, True],
        }
    )
    frame["text"] = pd.Series(["a", None, "b,c", "d", "e", "f"], dtype="str")
    expected, found = _both(frame, tmp_path)
    assert found == expected
    first = '"Detroit-Warren-Dearborn, MI",47928.26999999998,0.1000000014901161,1,True,1.5,a'
    assert found.decode().splitlines()[1] == first
    assert _both(frame, tmp_path, "%.6g")[1] == _both(frame, tmp_path, "%.6g")[0]


def test_columns_joined_by_arrow_are_written_as_pandas_writes_them(tmp_path: Path) -> None:
    """Text, whole-number, boolean and float columns are joined from their fields' text (text holding a
    character the csv writer quotes, quoted), as pandas writes them."""
    from clusterplan.report import _csv

    names = ["Detroit-Warren-Dearborn, MI", 'say "hi"', "two\nlines", "", "cr\rinside", " padded ", "plain"]
    frame = pd.DataFrame(
        {
            "name": names,
            "text": pd.Series(["a", None, "b,c", "d", "e", "f", '"'], dtype="str"),
            "jobs": [1, -2, 3, 2**62, 5, 0, 7],
            "strong": [True, False, True, False, True, False, True],
            "lq": [47928.26999999998, np.nan, np.inf, -0.0, 1e-7, 2.0**60, 0.1],
        }
    )
    expected, found = _both(frame, tmp_path)
    assert found == expected
    assert found.decode().splitlines()[1] == '"Detroit-Warren-Dearborn, MI",a,1,True,47928.26999999998'
    lines = _csv._joined_rows([names, list(range(7))])
    assert lines is not None and lines.startswith('"Detroit-Warren-Dearborn, MI",0\n"say ""hi""",1\n"two\nlines",2\n')
    assert _csv._joined_rows([names, [1.5] * 7]) is None  # floats as objects: left to the csv writer


def test_repeated_awkward_texts_of_a_long_table_are_written_as_pandas_writes_them(tmp_path: Path) -> None:
    """Each distinct awkward text is quoted once and the lines come out of Arrow's buffer: the same bytes."""
    import pyarrow as pa

    from clusterplan.report import _csv

    names = ["Detroit-Warren-Dearborn, MI", 'say "hi"', "plain", "two\nlines", "Añasco, PR ✓"] * 400
    frame = pd.DataFrame(
        {
            "name": pd.Series(names, dtype="str"),
            "reason": pd.Series([f"rule {i % 700}, met" for i in range(2000)], dtype="str"),
            "jobs": range(2000),
        }
    )
    expected, found = _both(frame, tmp_path)
    assert found == expected and found.count(b'"say ""hi""",') == 400
    assert '"Añasco, PR ✓","rule 4, met",4\n'.encode() in found
    # A slice of an Arrow column (its text buffer starts before the slice) with a list of fields.
    sliced = pa.array(names, type=pa.large_string()).slice(1, 3)
    assert _csv._joined_rows([sliced, ["a", "b,", "c"]]) == '"say ""hi""",a\nplain,"b,"\n"two\nlines",c\n'
    assert _csv._joined_rows([pa.array([], type=pa.large_string()), []]) == ""


def test_columns_made_in_arrow_are_the_fields_pandas_writes(tmp_path: Path) -> None:
    """Text (Arrow-backed, missing as empty), whole numbers (signed and unsigned), booleans and floats (each
    distinct value formatted once, NaN empty) become Arrow text without a Python object per cell."""
    from clusterplan.report import _csv

    frame = pd.DataFrame(
        {
            "area": pd.Series(["Detroit-Warren-Dearborn, MI", None, 'say "hi"', "x"], dtype="str"),
            "jobs": np.array([1, -2, 2**62, 0], dtype=np.int64),
            "small": np.array([255, 0, 7, 7], dtype=np.uint8),
            "strong": [True, False, False, True],
            "lq": [47928.26999999998, np.nan, 1 / 3, 1 / 3],
        }
    )
    fields = [_csv._arrow_fields(frame[c], "%.16g", None, None) for c in frame.columns]
    assert [f.to_pylist() for f in fields] == [
        ["Detroit-Warren-Dearborn, MI", "", 'say "hi"', "x"],
        ["1", "-2", str(2**62), "0"],
        ["255", "0", "7", "7"],
        ["True", "False", "False", "True"],
        ["47928.26999999998", "", "0.3333333333333333", "0.3333333333333333"],
    ]
    expected, found = _both(frame, tmp_path)
    assert found == expected
    assert found.decode().splitlines()[1] == '"Detroit-Warren-Dearborn, MI",1,255,True,47928.26999999998'
    # With float text kept for the workbook, the same file, and the text kept
    floats: _csv.FloatTexts = {}
    assert _csv.csv_text(frame, floats=floats, name="t").encode() == expected
    kept = floats[("t", 4, "%.16g")]
    assert kept.to_pylist() == ["47928.26999999998", "", "0.3333333333333333", "0.3333333333333333"]
    assert kept.dictionary.to_pylist() == ["47928.26999999998", "0.3333333333333333", ""]  # each text made once


def test_the_characters_the_csv_writer_quotes_are_those_the_columns_look_for() -> None:
    import csv
    import io
    import sys

    from clusterplan.report._csv import _QUOTED

    handle = io.StringIO(newline="")
    writer = csv.writer(handle, lineterminator="\n")
    quoted = []
    for code in range(sys.maxunicode + 1):
        if 0xD800 <= code < 0xE000:  # surrogates: not text
            continue
        writer.writerow(["a" + chr(code), "b"])
        if handle.getvalue() != "a" + chr(code) + ",b\n":
            quoted.append(chr(code))
        handle.seek(0)
        handle.truncate()
    assert tuple(quoted) == tuple(sorted(_QUOTED))


@pytest.mark.parametrize(
    "frame",
    [
        pd.DataFrame({"a": pd.Series(["x", "y"], dtype="category"), "b": [1.25, np.nan]}),
        pd.DataFrame({"a": pd.array([1, None], dtype="Int64"), "b": [0.1, 0.2]}),
        pd.DataFrame({"when": pd.to_datetime(["2019-01-01", None]), "b": [0.5, 1 / 3]}),
        pd.DataFrame({("x", "a"): [1.0, 2.0], ("x", "b"): [3.0, 4.0]}),
        pd.DataFrame({"a": pd.Series([], dtype=float), "b": pd.Series([], dtype=object)}),
        pd.DataFrame(index=range(3)),
    ],
    ids=["category", "nullable-int", "dates", "two-header-levels", "no-rows", "no-columns"],
)
def test_what_it_leaves_to_pandas_is_written_as_pandas_writes_it(frame: pd.DataFrame, tmp_path: Path) -> None:
    expected, found = _both(frame, tmp_path)
    assert found == expected


def test_a_workbook_column_holds_the_cells_written_one_by_one() -> None:
    from clusterplan.report._xlsx import _cell, _column_cells

    values = [47928.26999999998, float("nan"), float("inf"), 12, "Detroit", "Detroit", "=1+1", "a & b", "", None, True]
    values += [np.float64(0.25), " padded ", "#N/A", "bell\x07"]
    for style in (0, 3):
        attribute = f' s="{style}"' if style else ""
        cells = [_cell(f"AB{r}", v, attribute, "") for r, v in enumerate(values, start=7)]
        assert _column_cells("AB", values, 7, style) == cells
    assert cells[0] == '<c r="AB7" s="3" t="n"><v>47928.26999999998</v></c>' and cells[1] == cells[9] == ""


def test_a_workbook_column_from_arrow_or_numpy_holds_the_cells_written_one_by_one() -> None:
    """Text as an Arrow array (plain, large or dictionary-encoded; nulls empty), whole numbers and booleans as
    NumPy arrays and numbers' text as a dictionary array give the cells :func:`_cell` writes one by one."""
    import pyarrow as pa

    from clusterplan.report._xlsx import NumberTexts, _cell, _column_cells

    texts = ["Detroit", None, "a & b", "=1+1", " padded", "#N/A", "", "bell\x07", "é & ü", "Detroit", "<b>", "-x"]
    texts += ["x" * 32768, "tab\tinside", "nbsp\u00a0", "#x", "a\nb"]
    for array in (pa.array(texts), pa.array(texts, type=pa.large_string()), pa.array(texts).dictionary_encode()):
        cells = _column_cells("C", array, 2, 4)
        assert cells == [_cell(f"C{r}", v, ' s="4"', "") for r, v in enumerate(texts, start=2)]
    assert cells[2] == '<c r="C4" t="inlineStr"><is><t>a &amp; b</t></is></c>' and cells[1] == ""
    for values in (np.array([3, -7, 3, 2**60, 0]), np.array([7, 0, 255], dtype=np.uint8), np.array([True, False])):
        cells = _column_cells("D", values, 5, 3)
        assert cells == [_cell(f"D{r}", v, ' s="3"', "") for r, v in enumerate(values.tolist(), start=5)]
    assert cells == ['<c r="D5" t="b"><v>1</v></c>', '<c r="D6" t="b"><v>0</v></c>']
    numbers = pa.DictionaryArray.from_arrays(pa.array([1, 0, 2, 1]), pa.array(["", "0.5", "1e+20"]))
    assert _column_cells("B", NumberTexts(numbers), 2, 3) == [
        '<c r="B2" s="3" t="n"><v>0.5</v></c>',
        "",
        '<c r="B4" s="3" t="n"><v>1e+20</v></c>',
        '<c r="B5" s="3" t="n"><v>0.5</v></c>',
    ]


def test_a_sheet_table_holds_its_rows_written_cell_by_cell(monkeypatch: pytest.MonkeyPatch) -> None:
    """A table's rows, joined from pieces in chunks of rows, are each row's cells written one by one (empty
    cells left out), across chunk boundaries."""
    from clusterplan.report import _xlsx
    from clusterplan.report._xlsx import NumberTexts, XlsxBook, _cell, column_letter

    numbers = NumberTexts(["0.25", "", "1e+20", "", "-3", "7", "", "0.5"])
    columns: list[list[Any]] = [
        ["Detroit, MI", "a & b", None, "=1+1", " padded ", "#N/A", "", "bell\x07"],
        numbers,
        [1, 2, 3, 4, 5, 6, 7, 2**60],
        [True, False, True, True, False, False, True, False],
        [1.5, "x", None, float("nan"), 3, True, np.float64(0.125), float("-inf")],
        [None, None, float("nan"), None, None, None, None, None],
    ]
    styles = [0, 3, 4, 0, 3, 5]
    monkeypatch.setattr(_xlsx, "_CHUNK_ROWS", 3)
    book = XlsxBook()
    book.add_sheet("T", [["a", "b", "c", "d", "e", "f"]], columns=columns, column_styles=styles)
    rows = []
    for r, row in enumerate(zip(*columns, strict=True), start=2):
        cells = []
        for c, (value, style) in enumerate(zip(row, styles, strict=True), start=1):
            attribute = f' s="{style}"' if style else ""
            if c == 2:  # numbers given as text: "" is an empty cell
                cells.append(f'<c r="B{r}"{attribute} t="n"><v>{value}</v></c>' if value else "")
            else:
                cells.append(_cell(f"{column_letter(c)}{r}", value, attribute, ""))
        rows.append(f'<row r="{r}">{"".join(cells)}</row>')
    xml = book.parts()["xl/worksheets/sheet1.xml"]
    assert "".join(rows) in xml
    assert '<row r="3"><c r="A3" t="inlineStr"><is><t>a &amp; b</t></is></c><c r="C3" s="4" t="n"><v>2</v></c>' in xml
    assert '<row r="4"><c r="B4" s="3" t="n"><v>1e+20</v></c><c r="C4" s="4" t="n"><v>3</v></c>' in xml
    assert '<row r="8"><c r="A8" t="inlineStr"/><c r="C8" s="4" t="n"><v>7</v></c>' in xml
    assert '<c r="C9" s="4" t="n"><v>1.152921504606847e+18</v></c><c r="D9" t="b"><v>0</v></c></row>' in xml
    with pytest.raises(ValueError, match="differ in length"):
        book.add_sheet("U", [], columns=[[1, 2], [1]])


def test_text_cells_made_together_are_those_made_one_by_one() -> None:
    from clusterplan.report._xlsx import _text_cell, _text_tails

    texts = {"Detroit, MI", "rank <= 79.3", " padded", "padded ", "=SUM(A1)", "-1", "#N/A", "#x", "", "a\nb"}
    texts |= {"\u00a0nbsp", "x" * 32767, "x" * 32768, "tab\tinside", "\tleading tab", "é & ü"}
    for batch in (texts, texts | {"bell\x07"}):  # plain texts checked one by one, or every text through _text_cell
        made = _text_tails(batch)
        assert made == {v: '"' + _text_cell("", "", v)[len('<c r=""') :] for v in batch}
    assert _text_tails({"rank <= 79.3"})["rank <= 79.3"] == '" t="inlineStr"><is><t>rank &lt;= 79.3</t></is></c>'
    assert _text_tails({"padded "})["padded "].startswith('" t="inlineStr"><is><t xml:space="preserve">')


def test_run_tables_kept_on_disk_are_the_tables_written_afresh(
    warehouse, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:  # type: ignore[no-untyped-def]
    """A run whose tables are an earlier run's copies its CSV files from the results folder: the same bytes as
    pandas writes; a changed value is written afresh."""
    import dataclasses

    from clusterplan.report._folder import write_tables
    from clusterplan.report._html import ReportData

    facts = warehouse.head("us_cbp_2019_cbsa_imputed", 500)
    facts["share"] = facts["value"] / facts["value"].sum()
    data = ReportData({}, facts, facts.head(40), facts.head(3), facts.head(2), {"hotspots": facts.tail(7)})
    monkeypatch.setenv("CLUSTERPLAN_CACHE", str(tmp_path / "cache"))
    for name in ("first", "second"):
        (tmp_path / name).mkdir()
        paths = write_tables(data, tmp_path / name)
        assert paths["clusters"].read_bytes() == facts.to_csv(index=False, float_format="%.16g").encode()
        assert paths["hotspots"].read_bytes() == facts.tail(7).to_csv(index=False, float_format="%.16g").encode()
    assert len(list((tmp_path / "cache").glob("results/*/*.pickle"))) == 1
    changed = facts.copy()
    changed.loc[0, "share"] = 0.125
    (tmp_path / "changed").mkdir()
    paths = write_tables(dataclasses.replace(data, clusters=changed), tmp_path / "changed")
    assert paths["clusters"].read_text().splitlines()[1].split(",")[-1] == "0.125"
    assert len(list((tmp_path / "cache").glob("results/*/*.pickle"))) == 2


def test_values_found_their_own_rounding_are_so_and_the_rest_are_rounded_through_text() -> None:
    """_own_rounding says True only for floats whose 16-digit text reads back as them (random values of every
    scale, powers of two and their neighbours, values near powers of ten, already rounded values), and finds most
    of those; _significant rounds the same as through text alone."""
    from clusterplan.report._html import _own_rounding, _significant

    rng = np.random.default_rng(14)
    powers = np.ldexp(1.0, rng.integers(-1070, 1020, 20000))
    tens = 10.0 ** rng.integers(-20, 20, 20000)
    values = np.concatenate(
        [
            rng.random(100000) * 10.0 ** rng.integers(-30, 30, 100000),
            rng.standard_normal(50000),
            powers,
            np.nextafter(powers, np.inf),
            np.nextafter(powers, -np.inf),
            np.ldexp(rng.integers(1, 2**20, 20000).astype(float), rng.integers(-300, 300, 20000)),
            np.nextafter(tens, np.inf),
            np.nextafter(tens, -np.inf),
            [float(f"{v:.16g}") for v in (rng.random(20000) * 10.0 ** rng.integers(-30, 30, 20000)).tolist()],
            [np.inf, -np.inf, np.nan, 0.0, 2.0**-24, 5e-324],
        ]
    )
    own = _own_rounding(values, 16)
    assert [v for v in values[own].tolist() if float(f"{v:.16g}") != v] == []
    # Not finite: no; 0: yes; powers of two (2**-24, and 5e-324, the least float): no, though 5e-324 is
    assert own[-6:].tolist() == [False, False, False, True, False, False]
    assert own.mean() > 0.6
    frame = pd.DataFrame({"v": values, "w": values[::-1]})
    rounded = _significant(frame)
    for column in ("v", "w"):
        expected = [float(f"{v:.16g}") for v in frame[column].tolist()]
        found = rounded[column].tolist()
        assert all(a == b or (np.isnan(a) and np.isnan(b)) for a, b in zip(found, expected, strict=True))


def test_the_tables_digest_tells_apart_what_the_files_tell_apart() -> None:
    """The digest that keys a run's kept CSV files differs for missing and empty text, -0.0 and 0.0 (the CSV
    writes "-0"), any changed value or index; and is the same for the same values wherever an Arrow array
    starts in its buffers."""
    from clusterplan.report._html import ReportData, tables_key_of

    def key(frame: pd.DataFrame) -> str | None:
        return tables_key_of(ReportData({}, frame, frame.head(1), frame.head(1), frame.head(1), {"t": frame}))

    def text(values: list[str | None]) -> pd.Series:
        return pd.Series(values, dtype="str")

    base = pd.DataFrame({"area": text(["Detroit", None, "x"]), "lq": [0.0, 1.5, np.nan], "n": [1, 2, 3]})
    base["ok"] = [True, False, True]
    base["codes"] = pd.Series([["a"], ["b"], ["c"]], dtype=object).map(tuple)
    variants = [
        base.assign(area=text(["Detroit", "", "x"])),
        base.assign(area=text(["Detroit", None, "y"])),
        base.assign(area=text(["Detroi", "t", "x"])),
        base.assign(lq=[-0.0, 1.5, np.nan]),
        base.assign(n=[1, 2, 4]),
        base.assign(ok=[True, True, True]),
        base.assign(codes=pd.Series([("a",), ("b",), ("d",)], dtype=object)),
        base.set_axis([5, 6, 7]),
        base.set_axis(pd.RangeIndex(1, 4)),
    ]
    keys = [key(base), *map(key, variants)]
    assert None not in keys and len(set(keys)) == len(keys)
    assert key(base.copy()) == key(base)
    sliced = base.iloc[1:]  # its text starts one value into its Arrow buffers
    fresh = pd.DataFrame({c: sliced[c].tolist() for c in base.columns}, index=sliced.index).astype(sliced.dtypes)
    assert key(fresh) == key(sliced) != key(base)
    assert tables_key_of(ReportData({}, base.assign(codes=[[1], [2], [3]]), base, base, base, {})) is None
