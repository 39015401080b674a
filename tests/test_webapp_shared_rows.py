"""Map answers whose every-area rows are compressed once for many regions: the kept bytes inflate to exactly what
the route's model renders, and the gzip of a head joined to a tail compressed on its own is one valid member."""

from __future__ import annotations

import gzip
import os
import zlib
from pathlib import Path

import pytest

pytest.importorskip("fastapi")

from clusterplan.web import _service
from clusterplan.web._gzip import Tail, crc32_combine, gzip_joined
from clusterplan.web._service import DashboardService, ProfileRegionsOut, render


@pytest.mark.parametrize(
    ("head", "tail"),
    [(b"", b"x"), (b"abc", b""), (os.urandom(1000), os.urandom(77_777)), (b'{"rows":', b"[1,2.5,null]," * 200_000)],
)
def test_a_head_joined_to_a_tail_compressed_once_inflates_to_both(head: bytes, tail: bytes) -> None:
    assert crc32_combine(zlib.crc32(head), zlib.crc32(tail), len(tail)) == zlib.crc32(head + tail)
    joined = gzip_joined(head, Tail.of(tail))
    assert gzip.decompress(joined) == head + tail
    # One member: a streaming reader (a browser's, httpx's) stops at its end having read everything.
    reader = zlib.decompressobj(16 + zlib.MAX_WBITS)
    assert reader.decompress(joined) == head + tail and reader.eof and not reader.unused_data


def test_map_answers_sharing_their_rows_are_the_rendered_ones(
    warehouse_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # GB map answers are small: share any size here, so that they go the way the US ones do.
    monkeypatch.setattr(_service, "_SHARED_ROWS_MINIMUM", 0)
    service = DashboardService(warehouse_path)
    try:
        tags = set()
        for region, cluster in [("TLG3", None), ("TLD3", None), ("TLC1", "logistics"), ("TLG3", "logistics")]:
            query = service.profile_query(region=region)
            kept, compressed, tag = service.kept("profile_regions", (query, cluster))
            assert compressed
            assert gzip.decompress(kept) == render(ProfileRegionsOut, service.profile_regions(query, cluster))
            tags.add(tag)
        assert len(tags) == 4
        assert len(service.shared_rows) == 2  # all clusters, and logistics
        # The regions' profiles hold one every-area table, weighed once.
        first, second = (service._profile(service.profile_query(region=r)) for r in ("TLG3", "TLD3"))
        assert second.regions is first.regions and second.shares_regions != first.shares_regions
        # Another year is another table: not the kept one.
        query = service.profile_query(region="TLG3", year=2020)
        kept, _, _ = service.kept("profile_regions", (query, None))
        assert gzip.decompress(kept) == render(ProfileRegionsOut, service.profile_regions(query, None))
    finally:
        service.close()


def test_a_profile_takes_the_kept_map_table_only_when_its_every_area_table_is_the_same(warehouse_path: Path) -> None:
    import dataclasses

    from clusterplan.web._service import REGION_COLUMNS, _frame_bytes

    def made(result: object) -> object:
        regions = result.profile.regions.rename(columns={"value": "employment"})  # type: ignore[attr-defined]
        regions = regions[[c for c in REGION_COLUMNS if c in regions.columns]].sort_values(["cluster_id", "area_code"])
        return regions.reset_index(drop=True)

    service = DashboardService(warehouse_path)
    try:
        first = service._profile(service.profile_query(region="TLG3"))
        for region, year in [("TLC1", None), ("TLD3", None), ("TLG3", 2019), ("TLC1", 2019), ("TLG1+TLG2", None)]:
            query = service.profile_query(region=region, **({"year": year} if year else {}))
            result = service._profile(query)
            # The table it holds is the one it would make from its own profile, whichever way it came.
            assert _service._same_table(result.regions, made(result))
            assert result.regions is first.regions if (year is None and "+" not in region) else True
            kept = service.region_tables.get(dataclasses.replace(query, region=""))
            assert kept is not None and _service._same_table(kept.table, made(result)) == (region != "TLG1+TLG2")
        # 2019 is its own table: TLC1's 2019 profile holds TLG3's 2019 table, not the 2021 one.
        assert service._profile(service.profile_query(region="TLC1", year=2019)).regions is not first.regions
        # The profiles' weights: the frames' shallow memory, as memory_usage gives it.
        for frame in (first.regions, first.profile.clusters, first.profile.trend):  # type: ignore[union-attr]
            assert _frame_bytes(frame) == int(frame.memory_usage(index=True).sum()) > 0
    finally:
        service.close()


def test_rows_written_by_inference_are_the_models_rows() -> None:
    import math

    import numpy as np
    import pandas as pd
    from pydantic import TypeAdapter

    from clusterplan.web._json import records
    from clusterplan.web.models import Row

    frame = pd.DataFrame(
        {
            "area_code": pd.array(["TLG3", "Zürich ✓", "", None], dtype="str"),
            "employment": [1.0, -0.0, 1e300, float("nan")],
            "lq": [0.1 + 0.2, 5e-324, float("inf"), -1.5e16],
            "rank": np.array([1, -2, 2**62, 0], dtype=np.int64),
            "small": np.array([1, 2, 3, 4], dtype=np.int32),
            "strong": [True, False, True, False],
        }
    )
    assert _service._plain_columns(frame)
    rows = records(frame)
    assert rows[3]["employment"] is None and rows[2]["lq"] is None and not math.copysign(1, rows[1]["employment"]) > 0
    assert _service._rows_json(frame) == TypeAdapter(list[Row]).dump_json(rows)
    payload = {
        "region": {
            "code": "TLG3",
            "name": "West Midlands",
            "members": [],
            "mapping": [],
            "dataset": "d",
            "geography": "uk",
        },
        "taxonomy": {"name": "t", "title": "T", "classification": "sic2007", "source": "s"},
        "parameters": {},
        "cluster": None,
        "columns": list(frame.columns),
    }
    whole = render(ProfileRegionsOut, _service._with_rows(ProfileRegionsOut, payload, frame))
    assert whole.endswith(_service._rows_json(frame) + b"}")


def test_records_read_every_column_by_position_duplicate_names_too() -> None:
    import pandas as pd

    from clusterplan.web._json import _plain_column, records

    frame = pd.DataFrame(
        {
            "a": [1.5, float("nan"), float("inf")],
            "b": pd.array(["x", None, "z"], dtype="str"),
            "c": [1, 2, 3],
            "d": [True, False, True],
            "e": pd.array([1, None, 3], dtype="Int64"),
        }
    )
    frame.columns = pd.Index(["a", "b", "c", "a", "e"])  # a name twice: the later column's value in each row
    expected = [
        dict(zip([str(c) for c in frame.columns], row, strict=True))
        for row in zip(*[_plain_column(frame.iloc[:, i]) for i in range(frame.shape[1])], strict=True)
    ]
    assert records(frame) == expected
    assert records(frame)[1] == {"a": False, "b": None, "c": 2, "e": None}
    assert records(frame.iloc[:, :0]) == [{}, {}, {}]
    # Columns read from one two-dimensional block, -0.0 kept, and text of Python storage with a missing value.
    block = pd.DataFrame(
        {"x": [-0.0, float("-inf")], "y": [2.5, float("nan")], "t": pd.array(["p", None], dtype="string[python]")}
    )
    assert records(block) == [{"x": -0.0, "y": 2.5, "t": "p"}, {"x": None, "y": None, "t": None}]
    assert str(records(block)[0]["x"]) == "-0.0"


def test_same_table_takes_text_of_the_same_arrow_data_as_equal_without_reading_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import pandas as pd
    from pandas.arrays import ArrowStringArray

    text = pd.StringDtype("pyarrow", na_value=float("nan"))
    table = pd.DataFrame({"area_code": pd.Series(["TLG3", "TLC1", None], dtype=text), "lq": [1.5, 0.2, 3.0]})
    spelled = table.assign(area_code=pd.Series(["TLG3", "TLC2", None], dtype=text))
    same = table.assign(area_code=pd.Series(["TLG3", "TLC1", None], dtype=text))  # equal, other Arrow data
    assert _service._same_table(table, same) and not _service._same_table(table, spelled)
    # Numbers to the bit, each column read by position: another value, -0.0 for 0.0, or the columns' order differ.
    assert not _service._same_table(table, table.assign(lq=[1.5, 0.2, 3.5]))
    assert not _service._same_table(table.assign(lq=0.0), table.assign(lq=-0.0))
    assert not _service._same_table(table, table[["lq", "area_code"]])
    compared: list[int] = []
    original = ArrowStringArray.equals

    def counted(self: ArrowStringArray, other: object) -> bool:
        compared.append(1)
        return original(self, other)

    monkeypatch.setattr(ArrowStringArray, "equals", counted)
    assert _service._same_table(table, table.copy(deep=False)) and compared == []  # the cache's copies
    assert _service._same_table(table, same) and compared == [1]
    assert not _service._same_table(table, spelled) and compared == [1, 1]
