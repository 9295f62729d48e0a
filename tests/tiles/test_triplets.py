"""Triplet sampling: reproducible, neighbours near and usable, distant tiles elsewhere."""

from __future__ import annotations

import numpy as np
import pytest

from cloudorg.errors import ConfigError, StoreError
from cloudorg.tiles import (
    build_tile_table,
    open_triplets,
    sample_triplets,
    shard_triplets,
    triplet_tiles,
    usable,
    write_triplets,
)
from cloudorg.tiles.cutting import SceneReader
from cloudorg.tiles.normalise import Channels


@pytest.fixture(scope="module")
def table4(store4):
    return build_tile_table(store4, 64, stride=8, client="synchronous", progress=False)


def test_sampling_is_reproducible_and_seeded(table4):
    a = sample_triplets(table4, 300, seed=7)
    assert a.identical(sample_triplets(table4, 300, seed=7))
    assert not (a["row0"].values == sample_triplets(table4, 300, seed=8)["row0"].values).all()
    assert a.attrs["tile_table"] == "tiles/64px_stride8" and a.attrs["seed"] == 7


def test_anchors_cover_every_usable_tile_before_repeating(table4):
    ok = np.flatnonzero(usable(table4).values)
    trip = sample_triplets(table4, 2 * ok.size, seed=1, neighbour_distance=10)
    anchors = trip["tile"].values[:, 0]
    assert sorted(anchors[: ok.size].tolist()) == ok.tolist()
    assert sorted(anchors[ok.size :].tolist()) == ok.tolist()


def test_neighbours_are_near_in_the_same_scene_and_free_of_missing_pixels(store4, table4):
    trip = sample_triplets(table4, 200, seed=2, neighbour_distance=20)
    s, r, c = (trip[v].values for v in ("scene_index", "row0", "col0"))
    assert (s[:, 1] == s[:, 0]).all() and (trip["tile"].values[:, 1] == -1).all()
    distance = np.hypot(r[:, 1] - r[:, 0], c[:, 1] - c[:, 0])
    assert (np.abs(distance - 20) <= 1.0).all()
    angles = np.arctan2(r[:, 1] - r[:, 0], c[:, 1] - c[:, 0])
    assert np.histogram(angles, bins=4, range=(-np.pi, np.pi))[0].min() > 20  # all directions
    reader = SceneReader(store4)
    pixels = triplet_tiles(reader, Channels.of(reader.dataset, ["rgb"]), trip, chunk=64)
    assert pixels.any(axis=2).all()  # no black pixel in any anchor, neighbour or distant tile
    # the default distance is half a tile
    half = sample_triplets(table4, 50, seed=3)
    d = np.hypot(*(half[v].values[:, 1] - half[v].values[:, 0] for v in ("row0", "col0")))
    assert (np.abs(d - 32) <= 1.0).all()


def test_distant_tiles_come_from_other_scenes_or_far_away(new_store, table4):
    trip = sample_triplets(table4, 200, seed=4)
    assert (trip["scene_index"].values[:, 2] != trip["scene_index"].values[:, 0]).all()
    one = build_tile_table(new_store(1), 64, stride=8, client="synchronous", progress=False)
    with pytest.raises(StoreError, match="only one scene"):
        sample_triplets(one, 5)
    far = sample_triplets(one, 100, seed=5, distant_min_distance=30, neighbour_distance=10)
    r, c = far["row0"].values, far["col0"].values
    assert (np.hypot(r[:, 2] - r[:, 0], c[:, 2] - c[:, 0]) >= 30).all()
    with pytest.raises(StoreError, match="neighbour"):
        sample_triplets(one, 5, neighbour_distance=200, distant_min_distance=1)
    with pytest.raises(ConfigError):
        sample_triplets(one, 0)


def test_shards_partition_the_triplets_and_the_store_keeps_them(store4, table4):
    trip = sample_triplets(table4, 101, seed=6)
    shards = [shard_triplets(trip, i, 3) for i in range(3)]
    ids = np.concatenate([s["triplet"].values for s in shards])
    assert sorted(ids.tolist()) == list(range(101))
    with pytest.raises(ConfigError):
        shard_triplets(trip, 0, 0)
    assert write_triplets(store4, trip) == "triplets/64px_stride8"
    back = open_triplets(store4, 64, stride=8)
    for v in ("scene_index", "row0", "col0", "tile"):
        np.testing.assert_array_equal(back[v].values, trip[v].values)
    assert back["scene_id"].values.tolist() == trip["scene_id"].values.tolist()


def test_anchors_without_room_for_a_neighbour_are_replaced(table4):
    # usable origins span a 32 x 32 px square: at 32 px the central anchors have no room
    trip = sample_triplets(table4, 400, seed=1, neighbour_distance=32)
    r, c = trip["row0"].values[:, 0], trip["col0"].values[:, 0]
    assert not ((np.abs(r - 24) < 8) & (np.abs(c - 24) < 8)).any()
    assert ((trip["row0"].values[:, 1] >= 8) & (trip["row0"].values[:, 1] <= 40)).all()
