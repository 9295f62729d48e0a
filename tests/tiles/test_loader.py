"""Streaming tiles to torch: every usable tile once across workers, seeded shuffling, fixed
normalisation, triplet batches."""

from __future__ import annotations

import pickle

import numpy as np
import pytest
import torch
from torch.utils.data import DataLoader

from cloudorg.domains import Domain
from cloudorg.errors import ConfigError
from cloudorg.tiles import (
    FLAGS,
    TileDataset,
    TileStream,
    TripletDataset,
    build_tile_table,
    iter_tile_batches,
    sample_triplets,
    tile_loader,
    triplet_tiles,
    usable,
)
from cloudorg.tiles.cutting import SceneReader, cut_tiles
from cloudorg.tiles.normalise import Channels

from .conftest import window


@pytest.fixture(scope="module")
def table4(store4):
    return build_tile_table(store4, 64, stride=8, client="synchronous", progress=False)


def ids_of(batches):
    return np.concatenate([b["tile"].numpy() for b in batches])


def expected_rgb(store, table, tiles):
    """Reference tiles: the loaded scenes indexed with numpy, times the scale 1 / 255."""
    rgb = store.open_scenes()["rgb"].values
    t = int(table.attrs["tile_size"])
    return np.stack(
        [
            rgb[s, :, r : r + t, c : c + t] * np.float32(1 / 255)
            for s, r, c in zip(
                table["scene_index"].values[tiles],
                table["row0"].values[tiles],
                table["col0"].values[tiles],
                strict=True,
            )
        ]
    )


def test_two_dataloader_workers_yield_every_usable_tile_once(store4, table4):
    loader = tile_loader(store4, table4, num_workers=2, batch_size=7, buffer_size=16)
    assert loader.pin_memory == torch.cuda.is_available()
    batches = list(loader)
    ids = ids_of(batches)
    assert sorted(ids.tolist()) == np.flatnonzero(usable(table4).values).tolist()
    first = batches[0]
    assert first["image"].dtype == torch.float32 and first["image"].shape[1:] == (3, 64, 64)
    for b in batches:  # every tile's pixels, through the workers' shared memory
        np.testing.assert_array_equal(
            b["image"].numpy(), expected_rgb(store4, table4, b["tile"].numpy())
        )


def test_worker_shards_and_process_shards_partition_the_tiles(store4, table4):
    parts = [
        ids_of(
            DataLoader(
                TileDataset(store4, table4, shard=(i, 2), batch_size=5),
                batch_size=None,
                num_workers=2,
            )
        )
        for i in range(2)
    ]
    assert not set(parts[0]) & set(parts[1])
    assert sorted(np.concatenate(parts).tolist()) == np.flatnonzero(usable(table4).values).tolist()


def test_shuffling_is_seeded_per_epoch(store4, table4):
    def order(seed, epoch=0):
        ds = TileDataset(store4, table4, batch_size=10, seed=seed, buffer_size=32)
        ds.set_epoch(epoch)
        return ids_of(ds)

    a = order(3)
    assert (a == order(3)).all()
    assert not (a == order(4)).all() and not (a == order(3, epoch=1)).all()
    assert sorted(a.tolist()) == sorted(order(3, epoch=1).tolist())
    again = TileDataset(store4, table4, batch_size=10, seed=3, buffer_size=32)
    first, second = ids_of(again), ids_of(again)  # each iteration is the next epoch
    assert (first == a).all() and (second == order(3, epoch=1)).all()
    plain = np.concatenate([t for _, t in iter_tile_batches(store4, table4, shuffle=False)])
    scenes = table4["scene_index"].values[plain]
    assert (np.diff(scenes) >= 0).all()  # block order: scene by scene


def test_batch_sizes_and_drop_last(store4, table4):
    n = int(usable(table4).sum())
    sizes = [b.shape[0] for b, _ in iter_tile_batches(store4, table4, batch_size=16)]
    assert sum(sizes) == n and max(sizes) == 16
    dropped = [
        b.shape[0] for b, _ in iter_tile_batches(store4, table4, batch_size=16, drop_last=True)
    ]
    assert set(dropped) == {16} and len(dropped) == n // 16
    for bad in (
        dict(batch_size=0),
        dict(max_in_flight=0),
        dict(buffer_size=-1),
        dict(channels=["nothing"]),
        dict(channels="rgb"),
        dict(filters=["cloudy"]),
    ):
        with pytest.raises(ConfigError):
            next(iter_tile_batches(store4, table4, **bad))


def test_physical_channels_are_scaled_from_their_units(store4, table4):
    # keep tiles with missing pixels: NaN brightness temperatures must become 0
    filters = [f for f in FLAGS if f != "missing_pixels" and f != "low_valid_fraction"]
    images, tiles = next(
        iter_tile_batches(
            store4,
            table4,
            batch_size=200,
            filters=filters,
            channels=["brightness_temperature_11", "rgb"],
        )
    )
    assert images.shape == (tiles.size, 4, 64, 64) and tiles.size == table4.sizes["tile"]
    t = int(tiles[0])
    pos = (int(table4["scene_index"][t]), int(table4["row0"][t]), int(table4["col0"][t]), 64)
    bt = window(store4, "brightness_temperature_11", *pos)
    expected = np.nan_to_num((bt - np.float32(273.15)) / np.float32(50.0), nan=0.0)
    np.testing.assert_allclose(images[0, 0], expected, atol=1e-5)
    np.testing.assert_allclose(images[0, 1:], window(store4, "rgb", *pos) / np.float32(255))
    border = images[:, 0][table4["row0"].values[tiles] == 0][:, :4]
    assert (border == 0).all()  # the missing border


def test_real_scan_streams_reflectance_and_temperature(real_store):
    table = build_tile_table(real_store, 64, stride=32, client="synchronous", progress=False)
    channels = ["reflectance_0p47", "reflectance_0p86", "brightness_temperature_11"]
    images, tiles = next(
        iter_tile_batches(real_store, table, batch_size=64, channels=channels, filters=["night"])
    )
    assert tiles.size == table.sizes["tile"] and np.isfinite(images).all()
    west = table["col0"].values[tiles] == 0
    assert (images[west][:, :, :, :20] == 0).all()  # the scan's NaN edge becomes 0
    assert 0.05 < images[~west][:, :2].mean() < 0.8  # reflectance % / 100
    bt = images[~west][:, 2]
    assert -1.2 < bt.min() and bt.max() < 0.8  # (K - 273.15) / 50


def test_triplet_batches_with_two_workers(store4, table4):
    trip = sample_triplets(table4, 30, seed=9)
    loader = DataLoader(TripletDataset(store4, trip, batch_size=4), batch_size=None, num_workers=2)
    batches = list(loader)
    ids = np.concatenate([b["triplet"].numpy() for b in batches])
    assert sorted(ids.tolist()) == list(range(30))
    reader = SceneReader(store4)
    pixels = triplet_tiles(reader, Channels.of(reader.dataset, ["rgb"]), trip, chunk=64)
    b = batches[0]
    for role_index, role in enumerate(("anchor", "neighbor", "distant")):
        assert b[role].shape == (len(b["triplet"]), 3, 64, 64)
        np.testing.assert_allclose(
            b[role][0].numpy(), pixels[int(b["triplet"][0]), role_index] / np.float32(255)
        )


def test_batches_kept_by_the_caller_keep_their_tiles(store4, table4):
    kept = list(iter_tile_batches(store4, table4, batch_size=6, buffer_size=12, seed=1))
    assert len(kept) > 3
    for images, tiles in kept:  # none was overwritten by a later batch
        np.testing.assert_array_equal(images, expected_rgb(store4, table4, tiles))
    tensors = [(b["image"], b["tile"].numpy()) for b in TileDataset(store4, table4, batch_size=6)]
    for images, tiles in tensors:
        np.testing.assert_array_equal(images.numpy(), expected_rgb(store4, table4, tiles))
    # batches the caller lets go of are written into the same memory again, in the next
    # epoch too
    stream = TileStream(store4, table4, batch_size=6)
    addresses = {b.ctypes.data for b, _ in stream.batches(epoch=0)}
    assert len(addresses) <= 3 < len(kept)
    assert {b.ctypes.data for b, _ in stream.batches(epoch=1)} <= addresses


def test_a_pickled_stream_streams_the_same_batches(store4, table4):
    stream = TileStream(store4, table4, batch_size=7, seed=3)
    again = pickle.loads(pickle.dumps(stream))
    for (a, ta), (b, tb) in zip(stream.batches(epoch=2), again.batches(epoch=2), strict=True):
        np.testing.assert_array_equal(ta, tb)
        np.testing.assert_array_equal(a, b)


def test_sparse_blocks_are_cut_down_and_stream_the_same_pixels(new_store):
    domain = Domain.from_bounds("wide", -56.0, -54.0, 13.0, 15.0, resolution_km=1.0)
    store = new_store(2, chunk_size=256, domain=domain)  # 222 x 218 px: one block a scene
    table = build_tile_table(store, 64, stride=32, client="synchronous", progress=False)
    # every 9th tile: three tiles spread over each block (one of the two blocks holds
    # more than twice their pixels and is cut down to them)
    subset = table.isel(tile=np.flatnonzero(usable(table).values)[::9])
    batches = list(iter_tile_batches(store, subset, batch_size=5, buffer_size=0))
    tiles = np.concatenate([t for _, t in batches])
    assert sorted(tiles.tolist()) == list(range(subset.sizes["tile"]))
    for images, rows in batches:
        np.testing.assert_array_equal(images, expected_rgb(store, subset, rows))


def test_normalise_tiles_matches_normalise_of_cut_tiles():
    rng = np.random.default_rng(0)
    window = rng.uniform(200, 320, (2, 90, 80)).astype(np.float32)
    window[1, 3, 5] = np.nan
    ch = Channels(
        ("a", "b"),
        ("a", "b"),
        np.array([1 / 100, 1 / 50], np.float32),
        np.array([0, -273.15 / 50], np.float32),
        np.dtype(np.float32),
    )
    rows, cols = np.array([0, 2, 58]), np.array([0, 4, 48])
    out = ch.normalise_tiles(window, rows, cols, np.empty((3, 2, 32, 32), np.float32))
    np.testing.assert_array_equal(out, ch.normalise(cut_tiles(window, rows, cols, 32)))
    assert out[1, 1, 1, 1] == 0  # NaN -> 0
    for bad_rows, bad_out in (
        (np.array([0, 0, 59]), np.empty((3, 2, 32, 32), np.float32)),  # beyond the window
        (rows, np.empty((2, 2, 32, 32), np.float32)),  # one offset per tile
        (rows, np.empty((3, 3, 32, 32), np.float32)),  # channels
        (rows, np.empty((3, 2, 32, 32), np.float64)),  # dtype
    ):
        with pytest.raises(ConfigError):
            ch.normalise_tiles(window, bad_rows, cols, bad_out)
