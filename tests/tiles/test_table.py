"""Tile tables: statistics and flags against the pixels, labels, storage, reruns, Dask."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import xarray as xr
import zarr

from cloudorg.errors import StoreError
from cloudorg.io.labels import labels_to_grid, read_zooniverse, tile_labels
from cloudorg.store import FileRecord
from cloudorg.synthetic.stores import _START, example_scene
from cloudorg.tiles import (
    FLAGS,
    FilterConfig,
    build_tile_table,
    flag_counts,
    list_tile_tables,
    open_tile_table,
    sample_triplets,
    usable,
)
from cloudorg.tiles.loader import TileStream

from ..conftest import LABELS_REAL
from .conftest import window

NIGHT = np.datetime64("2020-01-21T04:00", "ms")


def build(store, size=64, **kw):
    kw.setdefault("client", "synchronous")
    return build_tile_table(store, size, progress=False, **kw)


def has(flags, name):
    return (np.asarray(flags) & FLAGS[name]) != 0


def test_statistics_and_flags_match_the_pixels(new_store):
    times = [_START, _START + np.timedelta64(1, "h"), _START + np.timedelta64(2, "h"), NIGHT]
    store = new_store(4, times=times, missing_border=4, green_scenes=[1], high_cloud_scenes=[2])
    table = build(store, stride=16)
    assert table.attrs["statistics_variables"] == ["rgb", "brightness_temperature_11"]
    for i in range(table.sizes["tile"]):
        row = table.isel(tile=i)
        s, r, c = int(row["scene_index"]), int(row["row0"]), int(row["col0"])
        rgb = window(store, "rgb", s, r, c, 64)
        bt = window(store, "brightness_temperature_11", s, r, c, 64)
        valid = rgb.any(axis=0) & np.isfinite(bt)
        assert float(row["valid_fraction"]) == pytest.approx(valid.mean())
        assert float(row["brightness_temperature_11_p25"]) == pytest.approx(
            np.nanpercentile(bt, 25), rel=1e-6
        )
        flags = int(row["flags"])
        assert has(flags, "missing_pixels") == (not valid.all())
        assert has(flags, "high_cloud") == (s == 2)
        assert has(flags, "hue") == (s == 1)
        assert has(flags, "night") == (s == 3)
    hue = table["hue"].values.reshape(4, -1)
    assert np.allclose(hue[1], 90.0, atol=1.0) and np.allclose(hue[0], 222.0, atol=2.0)
    assert table["flags"].attrs["flag_meanings"].split() == list(FLAGS)
    # only the centre tiles of the daytime, clear, blue scene pass every filter
    ok = usable(table).values.reshape(4, -1)
    assert ok[0].sum() > 0 and not ok[1:].any()


def test_nan_edges_of_the_real_scan_flag_missing_pixels(real_store):
    table = build(real_store, stride=32)
    assert table.attrs["statistics_variables"] == [
        "brightness_temperature_11",
        "reflectance_0p47",
        "reflectance_0p86",
    ]
    assert table.attrs["label_source"] == "none" and "label" not in table
    assert np.isnan(table["hue"]).all()  # no RGB in this store
    scenes = xr.open_zarr(real_store, group="scenes")
    bt = scenes["brightness_temperature_11"][0].values
    finite = np.isfinite(bt) & np.isfinite(scenes["reflectance_0p47"][0].values)
    for i in range(table.sizes["tile"]):
        r, c = int(table["row0"][i]), int(table["col0"][i])
        win = finite[r : r + 64, c : c + 64]
        assert float(table["valid_fraction"][i]) == pytest.approx(win.mean())
        assert has(table["flags"][i], "missing_pixels") == (not win.all())
        p25 = np.nanpercentile(bt[r : r + 64, c : c + 64], 25)
        assert float(table["brightness_temperature_11_p25"][i]) == pytest.approx(p25, rel=1e-6)
        assert has(table["flags"][i], "high_cloud") == (p25 <= 285.0)
    west = table["col0"].values < 26  # the scan has no data west of column 26
    assert has(table["flags"].values[west], "missing_pixels").all()
    assert not has(table["flags"].values[~west], "missing_pixels").all()
    # the real scan has warm stratocumulus and colder tiles (land, higher cloud)
    assert 0 < flag_counts(table)["high_cloud"] < table.sizes["tile"]


def test_all_tiles_filtered_out(new_store):
    store = new_store(2, high_cloud_scenes=[0, 1])
    table = build(store)
    assert flag_counts(table)["high_cloud"] == table.sizes["tile"] == 2
    assert not usable(table).any()
    with pytest.raises(StoreError, match="no usable tile"):
        sample_triplets(table, 10)
    with pytest.raises(StoreError, match="no usable tile"):
        TileStream(store, table)
    assert usable(table, filters=["missing_pixels"]).all()


def test_pattern_labels_follow_the_quadrants(new_store):
    store = new_store(1)
    table = build(store, stride=8)
    pattern = store.open_scenes()["pattern"][0].values
    for i in range(table.sizes["tile"]):
        r, c = int(table["row0"][i]), int(table["col0"][i])
        ref = tile_labels(np.nan_to_num(pattern[r : r + 64, c : c + 64], nan=-1), 64)
        assert int(table["label"][i]) == int(ref["label"][0, 0])
        assert float(table["label_fraction"][i]) == pytest.approx(float(ref["coverage"][0, 0]))
    # the top-left tile lies in the Sugar quadrant (56 x 55 px): 56 * 55 / 64**2 Sugar
    assert int(table["label"][0]) == 1
    assert float(table["label_fraction"][0]) == pytest.approx(56 * 55 / 64**2)
    assert table.attrs["label_source"] == "pattern"


def test_zooniverse_labels_are_matched_by_date(new_store):
    boxes = read_zooniverse(LABELS_REAL)
    days = ["2007-01-19", "2007-01-31", "2006-06-01"]  # Sugar everywhere, mixed, no label
    times = [np.datetime64(f"{d}T15:00", "ms") for d in days]
    store = new_store(3, times=times)
    table = build(store, boxes=boxes)
    assert table.attrs["label_source"] == "zooniverse"
    labels = table["label"].values.reshape(3, -1)
    assert (labels[0] == 1).all() and (table["label_fraction"].values[:2] == 1.0).all()
    assert (labels[2] == 0).all()
    lon, lat = store.domain.lonlats()
    of_day = boxes[boxes["date"] == pd.Timestamp(days[1])]
    ref = tile_labels(labels_to_grid(of_day, lon, lat), 64)
    assert labels[1].tolist() == ref["label"].values.ravel().tolist()


def test_table_is_plain_zarr_and_reruns_only_read_new_scenes(new_store):
    store = new_store(2)
    first = build(store)
    assert list_tile_tables(store) == ["64px"]
    plain = xr.open_zarr(store.path, group="tiles/64px")
    assert plain.sizes["tile"] == 2 and plain.attrs["complete"] == 1
    consolidated = zarr.open_group(store.path, mode="r", use_consolidated=True)
    assert "tiles/64px" in consolidated.metadata.consolidated_metadata.flattened_metadata
    # blacken the stored pixels of scene 0: a rerun must not read them again ...
    rgb = zarr.open_group(store.path, mode="r+")["scenes/rgb"]
    rgb[0] = 0
    with store.writing():
        store.commit_scene(
            example_scene(store.domain, 2, time=_START + np.timedelta64(2, "h")),
            [FileRecord("example://2", "ingested", "example_02")],
        )
    second = build(store, filters=FilterConfig(high_cloud_bt_p25=300.0))
    assert second.sizes["tile"] == 3
    np.testing.assert_array_equal(second["valid_fraction"][:2], first["valid_fraction"])
    assert float(second["valid_fraction"][0]) == 1.0
    # ... new thresholds re-flag the kept statistics
    assert (
        has(second["flags"], "high_cloud").all()
        and second.attrs["filter_high_cloud_bt_p25"] == 300.0
    )
    # overwrite reads everything again and sees the blackened scene
    third = build(store, overwrite=True)
    assert float(third["valid_fraction"][0]) == 0.0 and has(third["flags"][0], "missing_pixels")
    assert open_tile_table(store, 64).identical(third)


def test_open_tile_table_names_the_missing_tiling(new_store):
    store = new_store(1)
    with pytest.raises(StoreError, match=r"no group tiles/128px_stride64_pad"):
        open_tile_table(store, 128, stride=64, edge="pad")


def test_a_two_worker_local_cluster_gives_the_same_table(store4, tmp_path):
    from distributed import Client, LocalCluster

    local = build(store4, stride=32)
    with (
        LocalCluster(n_workers=2, threads_per_worker=1, dashboard_address=":0") as cluster,
        Client(cluster) as client,
    ):
        clustered = build(store4, stride=32, client=client, overwrite=True)
        prefixes = client.run_on_scheduler(
            lambda dask_scheduler: list(dask_scheduler.task_prefixes)
        )
    assert "tiles" in prefixes
    assert clustered.drop_attrs().identical(local.drop_attrs())
