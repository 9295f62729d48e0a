"""Windows of local zarr arrays read chunk by chunk: the values of zarr's own indexing, from
any thread; arrays whose codecs or store it does not handle are left to zarr."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import numcodecs
import numpy as np
import pytest
import zarr
from zarr.storage import MemoryStore

from cloudorg.tiles.chunks import ChunkReader
from cloudorg.tiles.cutting import SceneReader

from .conftest import window

SHAPE, CHUNKS = (3, 2, 37, 45), (1, 2, 16, 16)


def make_array(path, zarr_format: int, dtype: str, compressed: bool) -> zarr.Array:
    """Two scenes written, the third never (its chunks are the fill value)."""
    if zarr_format == 2:
        compressors = numcodecs.Blosc(cname="lz4") if compressed else None
    else:
        compressors = zarr.codecs.BloscCodec(cname="lz4", shuffle="shuffle") if compressed else None
    array = zarr.create_array(
        path,
        shape=SHAPE,
        chunks=CHUNKS,
        dtype=dtype,
        fill_value=7,
        compressors=compressors,
        zarr_format=zarr_format,
    )
    values = np.random.default_rng(0).integers(0, 200, SHAPE).astype(dtype)
    array[:2] = values[:2]
    return array


def random_windows(n: int, seed: int = 1) -> list[tuple]:
    """Windows of every kind: inside one chunk, across several, at the array's edges, empty."""
    rng = np.random.default_rng(seed)
    out = [
        (2, slice(None), slice(0, 16), slice(0, 16)),
        (0, slice(None), slice(16, 32), slice(32, 48)),
    ]
    for _ in range(n):
        r0, c0 = int(rng.integers(0, 37)), int(rng.integers(0, 45))
        rows, cols = slice(r0, int(rng.integers(r0, 38))), slice(c0, int(rng.integers(c0, 46)))
        out.append((int(rng.integers(0, 3)), slice(None), rows, cols))
    return out


@pytest.mark.parametrize("zarr_format", [2, 3])
@pytest.mark.parametrize("dtype, compressed", [("u1", True), ("f4", True), ("f4", False)])
def test_windows_equal_zarr_indexing(tmp_path, zarr_format, dtype, compressed):
    array = make_array(tmp_path / "a.zarr", zarr_format, dtype, compressed)
    read = ChunkReader.of(array)
    assert read is not None and read.compression == ("blosc" if compressed else "none")
    for index in random_windows(300):
        got = read(index)
        assert got.dtype == np.dtype(dtype)
        np.testing.assert_array_equal(got, array[index])
    assert (read((2, 0, slice(3, 9), slice(40, 45))) == 7).all()  # never written
    with pytest.raises(IndexError):
        read((0, slice(None), slice(0, 9, 2), slice(0, 4)))


def test_threads_read_the_same_windows(tmp_path):
    array = make_array(tmp_path / "a.zarr", 3, "f4", True)
    read = ChunkReader.of(array)
    windows = random_windows(200, seed=2)
    with ThreadPoolExecutor(4) as pool:
        got = list(pool.map(read, windows))
    for index, values in zip(windows, got, strict=True):
        np.testing.assert_array_equal(values, array[index])


def test_arrays_it_cannot_decode_are_left_to_zarr(tmp_path):
    def array(**kw) -> zarr.Array:
        store = kw.pop("store", tmp_path / f"{len(list(tmp_path.iterdir()))}.zarr")
        return zarr.create_array(store, shape=(8, 8), chunks=(4, 4), dtype="f4", **kw)

    assert ChunkReader.of(array(compressors=zarr.codecs.ZstdCodec())) is None
    assert ChunkReader.of(array(shards=(8, 8))) is None
    assert ChunkReader.of(array(store=MemoryStore())) is None
    assert ChunkReader.of(array(filters=[numcodecs.Delta("f4")], zarr_format=2)) is None
    assert ChunkReader.of(array(compressors=None)) is not None


def test_the_scene_reader_decodes_local_chunks_itself(store4):
    reader = SceneReader(store4)
    assert isinstance(reader.reader("rgb"), ChunkReader)
    size = store4.domain.shape[0] - 30  # to the last row: an edge chunk
    got = reader.window("rgb", 2, 30, 30 + size, 10, 10 + size)
    np.testing.assert_array_equal(got, window(store4, "rgb", 2, 30, 10, size))
