"""gzip of answers that share a long tail: the tail is compressed once, each answer compresses only its head.

A US map answer is 17-23 MB of JSON rows that are the same for every region of a dataset and taxonomy, after a
header of a few kB that names the region. A deflate stream may be cut at a full flush (the compressor forgets
what came before, and the output ends on a byte boundary), so the tail compressed on its own by a fresh
compressor is a valid continuation of any head compressed and full-flushed: one gzip member, which any gzip
reader inflates to head + tail. Its check value (CRC-32 of the whole) comes from the head's and the tail's by
:func:`crc32_combine`, so the tail is not read again.
"""

from __future__ import annotations

import gzip
import struct
import zlib
from dataclasses import dataclass

__all__ = ["GZIP_LEVEL", "Tail", "crc32_combine", "gzip_bytes", "gzip_joined"]

#: Compression level of every kept answer.
GZIP_LEVEL = 6

#: The 10-byte header ``gzip.compress(..., GZIP_LEVEL, mtime=0)`` writes (no name, no time: deterministic).
_HEADER = gzip.compress(b"", GZIP_LEVEL, mtime=0)[:10]


def gzip_bytes(body: bytes) -> bytes:
    """*body* gzip-compressed, deterministically (``mtime=0``)."""
    return gzip.compress(body, GZIP_LEVEL, mtime=0)


@dataclass(frozen=True)
class Tail:
    """The end of many answers, compressed once: a finished raw deflate stream, with the CRC-32 and the length of
    the bytes it holds."""

    deflated: bytes
    crc: int
    size: int

    @classmethod
    def of(cls, body: bytes) -> Tail:
        compressor = zlib.compressobj(GZIP_LEVEL, zlib.DEFLATED, -zlib.MAX_WBITS)
        return cls(compressor.compress(body) + compressor.flush(), zlib.crc32(body), len(body))


def gzip_joined(head: bytes, tail: Tail) -> bytes:
    """One gzip member holding *head* followed by the bytes of *tail*, compressing only *head*."""
    compressor = zlib.compressobj(GZIP_LEVEL, zlib.DEFLATED, -zlib.MAX_WBITS)
    start = compressor.compress(head) + compressor.flush(zlib.Z_FULL_FLUSH)
    crc = crc32_combine(zlib.crc32(head), tail.crc, tail.size)
    return _HEADER + start + tail.deflated + struct.pack("<II", crc, (len(head) + tail.size) & 0xFFFFFFFF)


def _gf2_times(matrix: list[int], vector: int) -> int:
    total = 0
    row = 0
    while vector:
        if vector & 1:
            total ^= matrix[row]
        vector >>= 1
        row += 1
    return total


def _gf2_square(matrix: list[int]) -> list[int]:
    return [_gf2_times(matrix, matrix[n]) for n in range(32)]


def crc32_combine(crc1: int, crc2: int, length2: int) -> int:
    """The CRC-32 of ``a + b`` from ``crc32(a)``, ``crc32(b)`` and ``len(b)`` (zlib's ``crc32_combine``, which
    Python's :mod:`zlib` does not expose): *crc1* carried over *length2* zero bytes, then combined with *crc2*."""
    if length2 <= 0:
        return crc1
    # The operator of one zero bit, then of 2 and 4 bits by squaring; each round squares again (one zero byte,
    # then 2, 4, 8 ... bytes) and applies the operator where *length2* has a one bit.
    operator = _gf2_square(_gf2_square([0xEDB88320] + [1 << n for n in range(31)]))
    while length2:
        operator = _gf2_square(operator)
        if length2 & 1:
            crc1 = _gf2_times(operator, crc1)
        length2 >>= 1
    return crc1 ^ crc2
