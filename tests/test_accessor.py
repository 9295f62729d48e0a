"""The ``.cloudorg`` accessor and :func:`cloudorg.tiles.tiles_of`: the same tiles, masks,
metrics and embeddings as the store-level functions."""

from __future__ import annotations

import numpy as np
import pytest
import xarray as xr

import cloudorg  # noqa: F401  (registers the accessor)
from cloudorg.domains import Domain
from cloudorg.errors import ConfigError
from cloudorg.masks import cloud_mask
from cloudorg.metrics import compute_metrics, metrics_for_tiles
from cloudorg.models import ModelConfig, build_embedder, embed
from cloudorg.synthetic import example_store
from cloudorg.tiles import build_tile_table
from cloudorg.tiles.arrays import tiles_of


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    domain = Domain.from_bounds("box", -56.0, -54.0, 14.0, 16.0, resolution_km=1.0)
    return example_store(tmp_path_factory.mktemp("acc") / "c.zarr", 2, domain=domain,
                         missing_border=3)  # fmt: skip


@pytest.mark.parametrize(("stride", "edge"), [(None, "drop"), (32, "drop"), (48, "shift"),
                                              (64, "pad")])  # fmt: skip
def test_tiles_are_the_tile_table_of_the_store(store, stride, edge):
    table = build_tile_table(store, 64, stride=stride, edge=edge, client="synchronous",
                             progress=False)  # fmt: skip
    scenes = store.open_scenes()
    tiles = scenes["brightness_temperature_11"].cloudorg.tiles(64, stride=stride, edge=edge)
    assert tiles.sizes["tile"] == table.sizes["tile"]
    np.testing.assert_array_equal(tiles.row0.values, table.row0.values)
    np.testing.assert_array_equal(tiles.col0.values, table.col0.values)
    # pixels: those of the scene at the offsets (NaN beyond the edge for pad)
    values = scenes["brightness_temperature_11"].values
    for i in [0, tiles.sizes["tile"] // 2, tiles.sizes["tile"] - 1]:
        s = list(scenes.scene.values).index(tiles.scene.values[i])
        r, c = int(tiles.row0[i]), int(tiles.col0[i])
        expected = values[s, r : r + 64, c : c + 64]
        got = tiles[i].values[: expected.shape[0], : expected.shape[1]]
        np.testing.assert_array_equal(got, expected)
        beyond = tiles[i].values.copy()
        beyond[: expected.shape[0], : expected.shape[1]] = np.nan
        assert np.isnan(beyond).all()


def test_tiles_of_dask_fields_stay_lazy_and_keep_bands(store):
    rgb = store.open_scenes()["rgb"].isel(scene=0)
    tiles = rgb.cloudorg.tiles(64)
    assert tiles.chunks is not None
    assert tiles.dims == ("tile", "band", "y", "x")
    assert tiles.attrs["tile_size"] == 64 and tiles.attrs["units"] == rgb.attrs["units"]
    np.testing.assert_array_equal(tiles[1].values, rgb.values[:, 0:64, 64:128])
    assert tiles.x_centre.values[1] == rgb.x.values[96]


def test_tiles_of_refuses_bad_fields():
    with pytest.raises(ConfigError, match=r"dims \(\.\.\., y, x\)"):
        tiles_of(xr.DataArray(np.zeros((3, 3)), dims=("a", "b")), 64)
    with pytest.raises(ConfigError, match="no 64-px tile fits a field of 10 x 200 px"):
        tiles_of(xr.DataArray(np.zeros((10, 200)), dims=("y", "x")), 64)


def test_mask_and_metrics_match_the_functions(store):
    scene = store.open_scenes().isel(scene=0)
    mask = scene.cloudorg.cloud_mask("brightness_temperature")
    xr.testing.assert_identical(mask, cloud_mask(scene, "brightness_temperature"))

    whole = mask.cloudorg.metrics(metrics=["cloud_fraction", "num_objects", "iorg"])
    direct = compute_metrics(mask.values, metrics=["cloud_fraction", "num_objects", "iorg"],
                             max_missing_fraction=1.0)  # fmt: skip
    assert float(whole["cloud_fraction"]) == pytest.approx(direct["cloud_fraction"])
    assert whole["cloud_fraction"].attrs["units"] == "1"
    assert np.isnan(whole["iorg"])  # the missing border: not every pixel is valid

    per_tile = scene.cloudorg.metrics(
        "brightness_temperature", tile_size=64, metrics=["num_objects"]
    )
    expected = metrics_for_tiles(tiles_of(mask, 64), metrics=["num_objects"])
    np.testing.assert_array_equal(per_tile["num_objects"].values, expected["num_objects"].values)
    assert per_tile.sizes["tile"] == 9 and per_tile["num_objects"].sum() > 0


def test_embeddings_match_the_store_embeddings(store):
    model = build_embedder(ModelConfig(width=4, embedding_dim=6), seed=1)
    stored = embed(store, model, tile_size=64, client="synchronous", progress=False)
    scenes = store.open_scenes()
    first = stored.isel(tile=stored.scene_id.values == scenes.scene_id.values[0])

    ours = scenes.isel(scene=0).cloudorg.embed(model, tile_size=64)
    assert ours.dims == ("tile", "embedding") and ours.attrs["model_id"] == model.model_id
    assert ours.sizes["tile"] == first.sizes["tile"]
    usable_rows = np.isfinite(first.values[:, 0])
    assert usable_rows.sum() >= 1
    np.testing.assert_allclose(ours.values[usable_rows], first.values[usable_rows], atol=1e-5)
    # the same through the DataArray accessor on a Dask-backed tile stack
    tiles = scenes["rgb"].isel(scene=0).cloudorg.tiles(64)
    np.testing.assert_allclose(tiles.cloudorg.embed(model, batch_size=2).values, ours.values,
                               atol=1e-5)  # fmt: skip
