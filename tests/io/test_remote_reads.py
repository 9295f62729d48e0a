"""Range reads of remote HDF5 files: what :class:`~cloudorg.io.remote.ByteRanges` fetches
for the reads h5py makes, against a fake fetch and through the local S3-compatible server
behind a proxy that counts the bytes it sends."""

from __future__ import annotations

import h5py
import numpy as np
import pytest
import s3fs

from cloudorg.io.remote import SMALL_READ, ByteRanges, InputOptions, is_network_error
from cloudorg.testing import CountingProxy, publish

FILE = bytes(np.random.default_rng(0).integers(0, 256, 2**16, dtype=np.uint8))
"""A remote file of 64 KiB."""


class Server:
    """Bytes of :data:`FILE` by range, noting each request."""

    def __init__(self) -> None:
        self.asked: list[tuple[int, int]] = []

    def fetch(self, start: int, stop: int) -> bytes:
        self.asked.append((start, stop))
        return FILE[start:stop]

    @property
    def fetched(self) -> int:
        return sum(stop - start for start, stop in self.asked)


def test_reads_give_the_file_and_fetch_no_byte_twice():
    server, ranges = Server(), ByteRanges(len(FILE), block=4096)
    rng = np.random.default_rng(1)
    for start in rng.integers(0, len(FILE), 300):
        stop = int(start + rng.choice([8, 512, 5000, 20_000]))
        assert ranges.read(int(start), stop, server.fetch) == FILE[start:stop]
    assert server.fetched <= len(FILE)


def test_small_reads_fetch_their_block_and_chunks_their_bytes():
    server, ranges = Server(), ByteRanges(len(FILE), block=4096)
    for start in range(5000, 8000, 512):  # an HDF5 header read piece by piece
        ranges.read(start, start + 512, server.fetch)
    ranges.read(20_000, 20_000 + SMALL_READ + 1, server.fetch)  # a compressed chunk
    assert server.asked == [(4096, 8192), (20_000, 20_000 + SMALL_READ + 1)]


def test_the_least_recently_read_ranges_go_beyond_the_limit():
    server, ranges = Server(), ByteRanges(len(FILE), block=4096, limit=10_000)
    for start in (0, 10_000, 20_000, 0):
        ranges.read(start, start + 6000, server.fetch)
    assert server.asked == [(0, 6000), (10_000, 16_000), (20_000, 26_000), (0, 6000)]


def test_a_cut_answer_is_a_network_error():
    ranges = ByteRanges(len(FILE), block=4096)
    with pytest.raises(ConnectionError) as raised:
        ranges.read(0, 10_000, lambda start, stop: FILE[start : stop - 1])
    assert is_network_error(raised.value)


@pytest.fixture
def chunked_file(tmp_path):
    """An HDF5 file of a 1000 x 1000 field in compressed chunks of 100 x 100."""
    path = tmp_path / "field.h5"
    field = np.random.default_rng(2).normal(300.0, 5.0, (1000, 1000)).astype(np.float32)
    with h5py.File(path, "w") as h5:
        h5.create_dataset("Rad", data=field, chunks=(100, 100), compression="gzip")
    return path


def _chunk_bytes(path, rows: slice, cols: slice) -> int:
    """Bytes of the chunks of ``Rad`` that a slice reads."""
    with h5py.File(path) as h5:
        rad = h5["Rad"].id
        infos = [rad.get_chunk_info(i) for i in range(rad.get_num_chunks())]
    return sum(i.size for i in infos if rows.start // 100 <= i.chunk_offset[0] // 100 <
               -(-rows.stop // 100) and cols.start // 100 <= i.chunk_offset[1] // 100 <
               -(-cols.stop // 100))  # fmt: skip


def test_a_slice_of_a_remote_file_fetches_its_chunks_and_the_header(chunked_file, s3_endpoint,
                                                                     s3_bucket):  # fmt: skip
    [url] = publish(s3fs.S3FileSystem(), [chunked_file], s3_bucket, lambda name: name)
    rows, cols = slice(250, 480), slice(610, 790)
    with CountingProxy(s3_endpoint) as proxy:
        options = InputOptions({"anon": True, "endpoint_url": proxy.endpoint}, block_size=2**14,
                               whole_file_max=0)  # fmt: skip
        with options.open_lazily(url).open() as handle, h5py.File(handle) as h5:
            remote = h5["Rad"][rows, cols]
        fetched = sum(proxy.bytes_sent.values())
    with h5py.File(chunked_file) as h5:
        np.testing.assert_array_equal(remote, h5["Rad"][rows, cols])
    chunks = _chunk_bytes(chunked_file, rows, cols)
    assert chunks <= fetched <= chunks + 3 * options.block_size
