"""Cutting tiles per loaded block: gathers equal reshapes and slices, plans partition windows."""

from __future__ import annotations

import threading
import time

import numpy as np
import pytest

from cloudorg.errors import ConfigError, StoreError
from cloudorg.tiles.cutting import (
    SceneReader,
    block_edge,
    cut_tiles,
    plan_blocks,
    read_blocks,
)
from cloudorg.tiles.normalise import Channels

from .conftest import window


def test_cut_on_an_aligned_grid_is_the_reshape():
    rng = np.random.default_rng(0)
    rgb = rng.integers(0, 255, (3, 128, 192), dtype=np.uint8)
    rows, cols = np.divmod(np.arange(6), 3)
    tiles = cut_tiles(rgb, rows * 64, cols * 64, 64)
    reshaped = rgb.reshape(3, 2, 64, 3, 64).transpose(1, 3, 0, 2, 4).reshape(6, 3, 64, 64)
    np.testing.assert_array_equal(tiles, reshaped)
    assert tiles.flags.c_contiguous


def test_cut_at_arbitrary_offsets_equals_slicing():
    image = np.random.default_rng(1).random((50, 60), dtype=np.float32)
    rows, cols = np.array([0, 7, 34, 20]), np.array([44, 3, 0, 29])
    tiles = cut_tiles(image, rows, cols, 16)
    for tile, r, c in zip(tiles, rows, cols, strict=True):
        np.testing.assert_array_equal(tile, image[r : r + 16, c : c + 16])


def test_plans_group_windows_by_chunk_and_shards_partition_them():
    rng = np.random.default_rng(2)
    n = 500
    scene = rng.integers(0, 4, n)
    row0, col0 = rng.integers(-20, 300, n), rng.integers(-20, 300, n)
    plan = plan_blocks(scene, row0, col0, 64, chunk=128)
    seen = np.concatenate([b.members for b in plan])
    assert sorted(seen.tolist()) == list(range(n))
    for block in plan:
        m = block.members
        assert (scene[m] == block.scene).all()
        assert len({(r // 128, c // 128) for r, c in zip(row0[m], col0[m], strict=True)}) == 1
        assert (block.rows >= 0).all() and (block.rows + 64 <= block.r1 - block.r0).all()
    shards = [plan.permuted(np.random.default_rng(5)).shard(i, 3) for i in range(3)]
    members = np.concatenate([b.members for s in shards for b in s])
    assert sorted(members.tolist()) == list(range(n))
    assert sum(s.n_windows for s in shards) == n
    with pytest.raises(ConfigError):
        plan.shard(3, 3)


def chunk_reads(plan, chunk: int) -> dict[tuple[int, int, int], int]:
    """How many block windows of a plan touch each (scene, chunk row, chunk column)."""
    reads: dict[tuple[int, int, int], int] = {}
    for b in plan:
        for cr in range(b.r0 // chunk, (b.r1 - 1) // chunk + 1):
            for cc in range(b.c0 // chunk, (b.c1 - 1) // chunk + 1):
                reads[b.scene, cr, cc] = reads.get((b.scene, cr, cc), 0) + 1
    return reads


@pytest.mark.parametrize("size, stride", [(96, 96), (160, 160), (256, 128), (64, 24)])
def test_blocks_of_block_edge_read_every_chunk_once(size, stride):
    # two 1116 x 1318 px scenes (EUREC4A at 1 km) in 1024-px chunks
    rows, cols = np.arange(0, 1116 - size + 1, stride), np.arange(0, 1318 - size + 1, stride)
    scene, row0, col0 = (a.ravel() for a in np.meshgrid([0, 1], rows, cols, indexing="ij"))
    by_chunk = plan_blocks(scene, row0, col0, size, chunk=1024)
    assert max(chunk_reads(by_chunk, 1024).values()) >= 2  # tiles cross chunk edges
    edge = block_edge(row0, col0, size, 1024)
    grouped = plan_blocks(scene, row0, col0, size, chunk=edge)
    assert edge == 2048 and set(chunk_reads(grouped, 1024).values()) == {1}
    assert sorted(np.concatenate([b.members for b in grouped]).tolist()) == list(range(scene.size))
    aligned = np.arange(0, 1024, 256)  # windows inside chunks keep blocks of one chunk
    assert block_edge(aligned, aligned, 256, 1024) == 1024


def test_windows_beyond_the_domain_get_the_no_data_value(store4):
    reader = SceneReader(store4)
    ny, nx = store4.domain.shape
    rgb = reader.window("rgb", 1, ny - 10, ny + 6, nx - 5, nx + 3)
    bt = reader.window("brightness_temperature_11", 1, -3, 13, 20, 36)
    assert rgb.shape == (3, 16, 8) and bt.shape == (16, 16)
    assert (rgb[:, 10:] == 0).all() and (rgb[:, :, 5:] == 0).all()
    np.testing.assert_array_equal(
        rgb[:, :10, :5], window(store4, "rgb", 1, ny - 10, nx - 5, 10)[:, :, :5]
    )
    assert np.isnan(bt[:3]).all()
    np.testing.assert_array_equal(
        bt[3:], window(store4, "brightness_temperature_11", 1, 0, 20, 16)[:13]
    )
    with pytest.raises(StoreError, match="no scene variable 'greyscale'"):
        reader.window("greyscale", 0, 0, 1, 0, 1)


class CountingReader(SceneReader):
    """A real reader that records its reads: windows per read, threads, reads at once."""

    def __init__(self, store):
        super().__init__(store)
        self.lock = threading.Lock()
        self.active = 0
        self.peak = 0
        self.calls = []

    def windows(self, requests, *, num_workers=1):
        with self.lock:
            self.active += 1
            self.peak = max(self.peak, self.active)
            self.calls.append((len(requests), num_workers))
        try:
            time.sleep(0.002)
            return super().windows(requests, num_workers=num_workers)
        finally:
            with self.lock:
                self.active -= 1


@pytest.mark.parametrize("in_flight", [1, 3])
def test_read_blocks_yields_every_window_with_bounded_reads_in_flight(store4, in_flight):
    reader = CountingReader(store4)
    channels = Channels.of(reader.dataset, ["rgb", "brightness_temperature_11"])
    rng = np.random.default_rng(3)
    scene, row0, col0 = rng.integers(0, 4, 40), rng.integers(0, 48, 40), rng.integers(0, 46, 40)
    plan = plan_blocks(scene, row0, col0, 64, chunk=64)
    got = {}
    for pixels, block in read_blocks(reader, channels, plan, max_in_flight=in_flight):
        assert pixels.dtype == np.float32 and pixels.shape[0] == 4
        tiles = cut_tiles(pixels, block.rows, block.cols, 64)
        got.update(zip(block.members.tolist(), tiles, strict=True))
    assert sorted(got) == list(range(40))
    for i in (0, 17, 39):
        ref = window(store4, "rgb", scene[i], row0[i], col0[i], 64)
        np.testing.assert_array_equal(got[i][:3], ref)
    # one read at a time, of at most in_flight blocks (2 variables each) on as many threads
    assert reader.peak == 1
    assert all(n <= 2 * in_flight and workers == in_flight for n, workers in reader.calls)
    assert max(n for n, _ in reader.calls) == 2 * in_flight
    with pytest.raises(ConfigError, match="max_in_flight"):
        next(read_blocks(reader, channels, plan, max_in_flight=0))
