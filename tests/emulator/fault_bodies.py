# -*- coding: utf-8 -*-
# Copyright: (c) 2026, msp.antivirus contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Bodies of the heavy faults (huge, endless, drip, gzip_bomb), made piece by piece.

None of them is ever whole in memory; only the gzip bomb's compressed bytes are
kept, once per head and size, so that queueing the same bomb again is cheap.
"""
from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import threading
import time
import zlib

CHUNK_SIZE = 64 * 1024
GZIP_WBITS = 31  # zlib's way of asking for a gzip header and trailer

gzip_bombs = {}  # (head, size) -> compressed bytes
gzip_bombs_lock = threading.Lock()


def padded(head, tail, size, filler):
    """`head`, then `filler` bytes, then `tail`, `size` bytes in all (never shorter than head and tail).

    Returns (chunks, length): the pieces, made as they are asked for, and their total length.
    """
    padding = max(0, size - len(head) - len(tail))
    return padded_chunks(head, tail, padding, filler), len(head) + padding + len(tail)


def padded_chunks(head, tail, padding, filler):
    yield head
    block = filler * CHUNK_SIZE
    while padding > 0:
        piece = block if padding >= CHUNK_SIZE else block[:padding]
        padding -= len(piece)
        yield piece
    if tail:
        yield tail


def endless(head, filler):
    """`head`, then CHUNK_SIZE pieces of `filler` for ever: the writer stops when the client goes away."""
    yield head
    block = filler * CHUNK_SIZE
    while True:
        yield block


def dripped(body, delay):
    """The body one byte at a time, each after `delay` seconds."""
    for index in range(len(body)):
        time.sleep(delay)
        yield body[index:index + 1]


def gzip_bomb(head, size):
    """Gzip bytes that inflate to `head` followed by spaces, `size` bytes in all.

    Compressing takes seconds per GiB, so the result is kept for the life of the process.
    """
    key = (head, size)
    with gzip_bombs_lock:
        if key not in gzip_bombs:
            gzip_bombs[key] = gzip_compress(padded(head, b"", size, b" ")[0])
        return gzip_bombs[key]


def gzip_compress(chunks):
    # The filler is one long run of a single byte: run-length matching packs it as tightly as the default, twice as fast.
    compressor = zlib.compressobj(level=9, wbits=GZIP_WBITS, strategy=zlib.Z_RLE)
    pieces = [compressor.compress(chunk) for chunk in chunks]
    pieces.append(compressor.flush())
    return b"".join(pieces)
