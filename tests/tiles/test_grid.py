"""Tile grids: edge policies, sizes, centres, tiny scenes, tiles-per-scene arithmetic."""

from __future__ import annotations

import numpy as np
import pytest
from pyorbital.astronomy import sun_zenith_angle

from cloudorg.domains import Domain
from cloudorg.errors import ConfigError
from cloudorg.tiles import TileSpec, tile_grid


@pytest.mark.parametrize(
    ("edge", "n", "starts", "dropped"),
    [
        ("drop", 300, [0, 100, 200], 0),
        ("drop", 350, [0, 100, 200], 50),
        ("pad", 350, [0, 100, 200, 300], 0),
        ("shift", 350, [0, 100, 200, 250], 0),
        ("drop", 99, [], 99),
        ("pad", 99, [0], 0),
        ("shift", 99, [], 99),
    ],
)
def test_edge_policies_along_one_axis(edge, n, starts, dropped):
    offsets, lost = TileSpec(100, edge=edge).offsets(n)
    assert offsets.tolist() == starts
    assert lost == dropped
    if starts:
        covered = np.zeros(n, bool)
        for s in starts:
            covered[s : s + 100] = True
        assert covered.sum() == n - dropped  # the dropped pixels are exactly the tail


@pytest.mark.parametrize("edge", ["drop", "pad", "shift"])
def test_overlapping_strides_cover_the_axis_as_the_policy_says(edge):
    n, t, s = 1000, 256, 128
    offsets, dropped = TileSpec(t, s, edge).offsets(n)
    assert (np.diff(offsets) <= s).all() and offsets[0] == 0
    end = offsets[-1] + t
    if edge == "drop":
        assert end <= n and dropped == n - end and n - end < s
    elif edge == "pad":
        assert end >= n and offsets[-1] < n and dropped == 0
    else:
        assert end == n and dropped == 0


def test_sizes_in_km_strides_and_overlaps():
    assert TileSpec.from_args(size_km=512, resolution_km=2.0).size == 256
    assert TileSpec.from_args(256, overlap=0.5).stride == 128
    assert TileSpec.from_args(256, overlap=0.0).stride == 256
    assert TileSpec(256, 300).offsets(1000)[0].tolist() == [0, 300, 600]  # gaps are allowed
    for bad in (
        dict(size=63),
        dict(size=1025),
        dict(size=256, stride=0),
        dict(size=256, stride=128, overlap=0.5),
        dict(size=256, overlap=1.0),
        dict(size=None, size_km=100),
        dict(size=256, edge="wrap"),
    ):
        with pytest.raises(ConfigError):
            TileSpec.from_args(**bad)


def test_grid_repeats_one_spatial_layout_per_scene(new_store):
    store = new_store(3)
    grid = tile_grid(store, 64, stride=16)
    per = grid.attrs["tiles_per_scene"]
    assert per == 4 * 3 and grid.sizes["tile"] == 3 * per
    assert grid["scene_index"].values.tolist() == np.repeat([0, 1, 2], per).tolist()
    assert grid["scene_id"].values[per] == "example_01"
    first = grid.isel(tile=slice(0, per))
    assert (grid["row0"].values.reshape(3, per) == first["row0"].values).all()
    assert (grid["col0"].values.reshape(3, per) == first["col0"].values).all()
    # ordered by scene, then row, then column
    key = grid["scene_index"].values * 10**6 + grid["row0"].values * 10**3 + grid["col0"].values
    assert (np.diff(key) > 0).all()
    assert grid.attrs["dropped_rows"] == 0 and grid.attrs["dropped_cols"] == 110 - 96


def test_centres_and_solar_zenith_match_the_domain_grid(new_store):
    store = new_store(1)
    grid = tile_grid(store, 64)
    lon, lat = store.domain.lonlats()
    # a 64-px tile's centre is the corner shared by pixels 31 and 32
    ref_lon = lon[31:33, 31:33].mean()
    ref_lat = lat[31:33, 31:33].mean()
    assert float(grid["lon"][0]) == pytest.approx(ref_lon, abs=1e-3)
    assert float(grid["lat"][0]) == pytest.approx(ref_lat, abs=1e-3)
    expected = sun_zenith_angle(
        grid["time"].values[0].astype("datetime64[ms]").astype(object),
        float(grid["lon"][0]),
        float(grid["lat"][0]),
    )
    assert float(grid["solar_zenith_angle"][0]) == pytest.approx(expected, abs=1e-3)
    assert grid["lon"].attrs["units"] == "degrees_east"


def test_a_scene_smaller_than_a_tile(new_store):
    tiny = Domain.from_bounds("tiny", -55.0, -54.5, 14.0, 14.5, resolution_km=1.0)  # 56 x 55
    store = new_store(2, domain=tiny, chunk_size=32)
    drop = tile_grid(store, 64)
    assert drop.sizes["tile"] == 0
    assert (drop.attrs["dropped_rows"], drop.attrs["dropped_cols"]) == tiny.shape
    assert tile_grid(store, 64, edge="shift").sizes["tile"] == 0
    pad = tile_grid(store, 64, edge="pad")
    assert pad.sizes["tile"] == 2 and pad["row0"].values.tolist() == [0, 0]


@pytest.mark.parametrize(
    "spec", [TileSpec(256), TileSpec(128, 64), TileSpec(64, edge="pad"), TileSpec(96, 200, "shift")]
)
def test_a_tiling_and_its_string_form_are_one_value(spec):
    assert TileSpec.parse(spec.name) == spec == TileSpec.of(str(spec))
    assert TileSpec.of(spec.size) == TileSpec(spec.size)


@pytest.mark.parametrize("text", ["256 px", "px", "256px_pad_stride8", "256px_edge", "-64px"])
def test_a_string_that_is_no_tiling_is_refused_with_the_expected_form(text):
    with pytest.raises(ConfigError, match=r"expected SIZEpx\[_strideSTRIDE\]"):
        TileSpec.parse(text)


def test_every_stage_takes_the_tiling_value_and_finds_the_same_groups(new_store):
    from cloudorg.analysis.campaign import analyse, open_analysis
    from cloudorg.metrics import metrics_for_store, open_metrics
    from cloudorg.models import ModelConfig, build_embedder, embed, open_embeddings
    from cloudorg.tiles import build_tile_table, open_tile_table

    store = new_store(2)
    spec = TileSpec(64, stride=16)
    quiet = {"client": "synchronous", "progress": False}
    table = build_tile_table(store, spec, **quiet)
    assert open_tile_table(store, "64px_stride16").equals(table)
    assert open_tile_table(store, 64, stride=16).equals(table)
    model = build_embedder(ModelConfig(width=4, embedding_dim=3), seed=0)
    emb = embed(store, model, tiling="64px_stride16", **quiet)
    assert emb.sizes["tile"] == table.sizes["tile"]
    assert open_embeddings(store, spec).identical(emb)
    with pytest.raises(ConfigError, match="not both"):
        embed(store, model, tiling=spec, stride=16, **quiet)
    ds = metrics_for_store(store, tiling=spec, mask="brightness_temperature", **quiet)
    assert open_metrics(store, "64px_stride16", mask="brightness_temperature").identical(ds)
    assert open_metrics(store, 64, stride=16, mask="brightness_temperature").identical(ds)
    analyse(store, tiling=spec, k=2, progress=False)
    assert open_analysis(store, "64px_stride16").attrs == open_analysis(store, spec).attrs
