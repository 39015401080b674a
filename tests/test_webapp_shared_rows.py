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
