"""Metrics of every tile of a campaign store: against compute_metrics tile by tile, on a
LocalCluster, resumed after an error, the missing-pixel policy, the synthetic ground truth,
the real MYD35 cloud mask and the ``metrics`` command (kills at every commit point:
tests/store/test_faults.py)."""

from __future__ import annotations

import argparse
import shutil
from datetime import timedelta
from pathlib import Path

import numpy as np
import pytest
import xarray as xr
import zarr

from cloudorg.cli.metrics import register
from cloudorg.domains import Domain
from cloudorg.errors import ConfigError, StoreError
from cloudorg.ingest import ingest
from cloudorg.masks import MaskRecipe, cloud_mask
from cloudorg.metrics import (
    METRIC_INFO,
    compute_metrics,
    metric_names,
    metrics_for_store,
    metrics_for_tiles,
    open_metrics,
)
from cloudorg.store import CampaignStore, FileRecord
from cloudorg.synthetic import synthesize_campaign
from cloudorg.synthetic.stores import example_scene, example_store
from cloudorg.tiles import FilterConfig, build_tile_table, open_tile_table

BOUNDS = (-57.0, -53.0, 12.0, 16.0)
DOMAIN = Domain.from_bounds("small", *BOUNDS, resolution_km=2.0)  # 223 x 218 px
N_SCENES = 6
TILE = 64  # 9 tiles per scene in 4 storage blocks of 128 px
GROUP = "metrics/64px_greyscale"
SUGAR, FLOWER = 1, 4


@pytest.fixture(scope="module")
def campaign(tmp_path_factory) -> Path:
    """Six synthetic ABI scans of sugar and flower, ingested at 2 km in 128-px chunks, and
    their 64-px tile table."""
    root = tmp_path_factory.mktemp("campaign")
    synthesize_campaign(root / "files", N_SCENES, bounds=(-57.2, -52.8, 11.8, 16.2),
                        resolution_deg=0.02, seed=3, interval=timedelta(minutes=10),
                        patterns=["sugar", "flower"])  # fmt: skip
    ingest([root / "files"], root / "c.zarr", domain=DOMAIN, client="synchronous",
           progress=False, chunk_size=128)  # fmt: skip
    build_tile_table(root / "c.zarr", TILE, client="synchronous", progress=False)
    return root / "c.zarr"


def copy_of(store: Path, tmp_path: Path) -> Path:
    target = tmp_path / store.name
    shutil.copytree(store, target)
    return target


@pytest.fixture(scope="module")
def reference(campaign, tmp_path_factory) -> tuple[Path, xr.Dataset]:
    """A copy of the campaign with the 64-px greyscale metrics computed in-process."""
    store = copy_of(campaign, tmp_path_factory.mktemp("reference"))
    return store, metrics_for_store(store, tile_size=TILE, client="synchronous", progress=False)


@pytest.fixture(scope="module")
def cluster_client():
    from distributed import Client, LocalCluster

    with (
        LocalCluster(n_workers=2, threads_per_worker=1, dashboard_address=":0") as cluster,
        Client(cluster) as client,
    ):
        yield client


def values_of(ds: xr.Dataset) -> np.ndarray:
    """The metrics of a dataset as a (tile, metric) array, in the order of its attributes."""
    return np.stack([ds[n].values for n in ds.attrs["metrics"]], axis=1)


def test_tiles_equal_compute_metrics_on_isel_cut_masks(campaign, reference):
    store, ds = reference
    table = open_tile_table(store, TILE)
    assert ds.sizes["tile"] == table.sizes["tile"] == N_SCENES * 9
    for name in ("tile", "scene_index", "scene_id", "row0", "col0"):
        np.testing.assert_array_equal(ds[name].values, table[name].values)
    assert list(ds.data_vars) == list(metric_names())
    mask = cloud_mask(CampaignStore.open(store).open_scenes())
    for i in (0, 4, 8, 13, 31, 53):
        s, r, c = (int(table[v][i]) for v in ("scene_index", "row0", "col0"))
        tile = mask.isel(scene=s, y=slice(r, r + TILE), x=slice(c, c + TILE))
        expected = compute_metrics(tile, dx=DOMAIN.resolution_km)
        np.testing.assert_array_equal(values_of(ds.isel(tile=[i]))[0], list(expected.values()))
    assert np.isfinite(ds["num_objects"]).all()  # no missing pixels in these scenes


def test_units_and_attributes(reference):
    _, ds = reference
    for name in metric_names():
        info = METRIC_INFO[name]
        assert ds[name].attrs["units"] == info.units_for("km")
        assert ds[name].attrs["long_name"] == info.long_name
        assert ds[name].attrs["citation"] == info.citation
        assert ds[name].dtype == np.float64
    assert ds["mean_length_scale"].attrs["units"] == "km" and ds["iorg"].attrs["units"] == "1"
    a = ds.attrs
    assert a["mask_recipe"] == "greyscale > 127" and a["mask_threshold"] == 127.0
    assert (a["tiling"], a["tile_table"], a["tile_size"], a["stride"], a["edge"]) == (
        "64px", "tiles/64px", TILE, TILE, "drop"
    )  # fmt: skip
    assert (a["pixel_size"], a["length_unit"], a["connectivity"]) == (2.0, "km", 4)
    assert a["complete"] == 1 and a["metrics"] == list(metric_names())
    assert a["completed_blocks"] == [0] and a["block_rows"] == 4096 // 9 * 9  # whole scenes


def test_two_worker_cluster_equals_the_synchronous_run(campaign, reference, cluster_client,
                                                       tmp_path):  # fmt: skip
    from distributed import get_task_stream

    store = copy_of(campaign, tmp_path)
    with get_task_stream(cluster_client) as stream:
        ds = metrics_for_store(store, tile_size=TILE, client=cluster_client, progress=False)
    xr.testing.assert_identical(ds, reference[1])
    keys = [str(task["key"]) for task in stream.data if str(task["key"]).startswith("metrics-")]
    writes = [k for k in keys if k.startswith("metrics-write-")]
    keys = [k for k in keys if k not in writes]
    # one task per scene and storage block, named after the scene: not one per tile; the
    # one block of rows is written by a worker
    assert len(keys) == N_SCENES * 4 < ds.sizes["tile"] and len(writes) == 1
    first = str(ds["scene_id"].values[0])
    assert {k.rsplit("-", 1)[0] for k in keys if first in k} == {
        f"metrics-{first}-y{r}x{c}" for r in (0, 128) for c in (0, 128)
    }


def test_rerun_computes_nothing(reference):
    store, ds = reference
    group = store / GROUP
    before = (group.stat().st_ino, (group / "zarr.json").stat().st_mtime_ns)
    again = metrics_for_store(store, tile_size=TILE, client="synchronous", progress=False)
    xr.testing.assert_identical(again, ds)
    assert (group.stat().st_ino, (group / "zarr.json").stat().st_mtime_ns) == before
    xr.testing.assert_identical(open_metrics(store, TILE), ds)


def test_an_error_on_a_later_scene_keeps_the_finished_blocks(campaign, reference, tmp_path):
    store = copy_of(campaign, tmp_path)
    chunk = store / "scenes" / "greyscale" / "c" / "3" / "0" / "0"
    good = chunk.read_bytes()
    chunk.write_bytes(good[: len(good) // 3])  # scene 3's first block is unreadable
    failing = str(reference[1]["scene_id"].values[3 * 9])
    run = dict(tile_size=TILE, client="synchronous", progress=False, block_size=18)
    with pytest.raises(StoreError, match=f"scene {failing}: cannot read greyscale rows 0:128"):
        metrics_for_store(store, **run)
    with pytest.raises(StoreError, match="an incomplete group metrics/64px_greyscale"):
        open_metrics(store, TILE)  # readers never see a part
    group = zarr.open_group(store / GROUP, mode="r", use_consolidated=False)
    assert group.attrs["completed_blocks"] == [0] and group.attrs["block_rows"] == 18
    written = xr.open_zarr(store / GROUP, consolidated=False).isel(tile=slice(0, 18))
    # the block of scenes 0 and 1, written by the run
    np.testing.assert_array_equal(values_of(written), values_of(reference[1])[:18])
    chunk.write_bytes(good)
    resumed = metrics_for_store(store, **run)
    xr.testing.assert_identical(resumed.drop_attrs(), reference[1].drop_attrs())


def test_scenes_added_to_the_store_are_all_a_rerun_reads(tmp_path):
    store = example_store(tmp_path / "e.zarr", 2)
    build_tile_table(store, TILE, filters=FilterConfig(min_valid_fraction=0.9),
                     client="synchronous", progress=False)  # fmt: skip
    run = dict(tile_size=TILE, mask="brightness_temperature", client="synchronous",
               progress=False)  # fmt: skip
    before = metrics_for_store(store, **run, block_size=1)
    with store.writing():
        scene = example_scene(store.domain, 2, time=np.datetime64("2020-01-20T16:00", "ms"))
        store.commit_scene(scene, [FileRecord("example://2", "ingested", "example_02")])
    for chunk in (store.path / "scenes" / "brightness_temperature_11" / "c" / "0").rglob("*"):
        if chunk.is_file():
            chunk.write_bytes(b"")  # scene 0 unreadable: a rerun must not read it again
    after = metrics_for_store(store, **run, block_size=1)  # a block per scene
    assert after.attrs["completed_blocks"] == [0, 1, 2] and after["scene_id"].values.tolist() == [
        "example_00", "example_01", "example_02"
    ]  # fmt: skip
    xr.testing.assert_identical(after.isel(tile=[0, 1]).drop_attrs(), before.drop_attrs())
    table = open_tile_table(store, TILE)  # brought up to date, thresholds kept
    assert table.sizes["tile"] == 3 and table.attrs["filter_min_valid_fraction"] == 0.9
    bt = scene["brightness_temperature_11"].values[:TILE, :TILE]
    expected = compute_metrics(np.where(np.isnan(bt), np.nan, bt < 290), dx=1.0)
    np.testing.assert_array_equal(values_of(after.isel(tile=[2]))[0], list(expected.values()))
    with pytest.raises(StoreError, match="scene example_00: cannot read"):
        metrics_for_store(store, **run, block_size=1, overwrite=True)  # reading scene 0 fails


def test_missing_pixels_give_nan_unless_tolerated(tmp_path):
    store = example_store(tmp_path / "e.zarr", 2, missing_border=4)  # 112 x 110 px
    with pytest.raises(StoreError, match=r"no scene variable 'greyscale'.*'greyscale > 127'"):
        metrics_for_store(store, tile_size=TILE, client="synchronous", progress=False)
    run = dict(tile_size=TILE, stride=32, mask="brightness_temperature", client="synchronous",
               progress=False)  # fmt: skip
    ds = metrics_for_store(store, **run)
    mask = cloud_mask(store.open_scenes(), "brightness_temperature").values
    rows = zip(*(ds[v].values for v in ("scene_index", "row0", "col0")), strict=True)
    tiles = [mask[s, r : r + TILE, c : c + TILE] for s, r, c in rows]
    missing = np.array([np.isnan(t).any() for t in tiles])
    assert missing.sum() == 6 and (~missing).sum() == 2  # only the middle tile is whole
    np.testing.assert_allclose(ds["cloud_fraction"], [np.nanmean(t) for t in tiles])
    for name in metric_names():
        if name != "cloud_fraction":
            assert ds[name].isnull().values[missing].all(), name
    assert ds["num_objects"].notnull().values[~missing].all()

    with pytest.raises(StoreError, match="max_missing_fraction"):
        metrics_for_store(store, **run, max_missing_fraction=0.2)
    tolerant = metrics_for_store(store, **run, max_missing_fraction=0.2, overwrite=True)
    assert tolerant.attrs["max_missing_fraction"] == 0.2
    for i, tile in enumerate(tiles):
        expected = compute_metrics(tile, dx=1.0, max_missing_fraction=0.2)
        np.testing.assert_array_equal(values_of(tolerant.isel(tile=[i]))[0],
                                      list(expected.values()))  # fmt: skip
    assert tolerant["num_objects"].notnull().all()

    padded = metrics_for_store(store, tile_size=TILE, edge="pad", metrics=["cloud_fraction",
                               "iorg"], mask="brightness_temperature", client="synchronous",
                               progress=False, max_missing_fraction=0.2)  # fmt: skip
    beyond = padded["row0"].values + TILE > 112  # tiles reaching past the domain's last row
    assert beyond.sum() == 4 and padded["iorg"].isnull().values[beyond].all()
    assert padded["cloud_fraction"].notnull().all()


def test_synthetic_ground_truth_shows_in_the_metrics(reference):
    store, ds = reference
    label = open_tile_table(store, TILE)["label"].values
    sugar, flower = label == SUGAR, label == FLOWER
    assert sugar.sum() >= 10 and flower.sum() >= 10
    size = ds["mean_length_scale"].values
    assert np.nanmean(size[flower]) > 3 * np.nanmean(size[sugar])  # big clumps, small cumuli
    count = ds["num_objects"].values
    assert np.mean(count[sugar]) > np.mean(count[flower])


def test_metrics_for_tiles_of_own_masks_match_the_store(campaign, reference):
    _, ds = reference
    mask = cloud_mask(CampaignStore.open(campaign).open_scenes())
    picks = [0, 10, 20, 30]
    rows = zip(*(ds[v].values[picks] for v in ("scene_index", "row0", "col0")), strict=True)
    cut = [mask[s, r : r + TILE, c : c + TILE].values for s, r, c in rows]
    tiles = xr.DataArray(np.stack(cut), dims=("tile", "y", "x"), coords={"tile": picks},
                         attrs=mask.attrs)  # fmt: skip
    for data in (tiles.compute(), tiles.chunk(tile=1)):
        got = metrics_for_tiles(data, dx=2.0)
        assert (got["iorg"].chunks is None) == (data.chunks is None)  # dask input: lazy result
        np.testing.assert_array_equal(values_of(got), values_of(ds.isel(tile=picks)))
        assert got.attrs["mask_recipe"] == "greyscale > 127"
        assert got["max_length_scale"].attrs["units"] == "km"
    with pytest.raises(ConfigError, match="dims"):
        metrics_for_tiles(tiles.isel(tile=0))


def test_real_myd35_product_mask(myd35_real_dir, tmp_path):
    domain = Domain.from_bounds("myd35", -88.0, -82.0, 4.0, 12.0, resolution_km=2.0)
    store = tmp_path / "m.zarr"
    ingest([myd35_real_dir], store, domain=domain, quantities=["cloud_mask"],
           client="synchronous", progress=False)  # fmt: skip
    ds = metrics_for_store(store, tile_size=TILE, mask="product", client="synchronous",
                           progress=False)  # fmt: skip
    assert ds.attrs["mask_recipe"] == "cloud_mask in [0, 1]"
    assert ds.attrs["mask_cloudy_flags"] == [0, 1] and "mask_threshold" not in ds.attrs
    table = open_tile_table(store, TILE)
    assert table.attrs["statistics_variables"] == ["cloud_mask"]  # a product-only store
    assert ds.sizes["tile"] == 6 * 5 and (table["valid_fraction"] == 1).all()
    mask = cloud_mask(CampaignStore.open(store).open_scenes(), "product")
    for i in (0, 7, 29):
        r, c = int(ds["row0"][i]), int(ds["col0"][i])
        expected = compute_metrics(mask.isel(scene=0, y=slice(r, r + TILE),
                                             x=slice(c, c + TILE)), dx=2.0)  # fmt: skip
        np.testing.assert_array_equal(values_of(ds.isel(tile=[i]))[0], list(expected.values()))
    assert 0.9 < float(ds["cloud_fraction"].mean()) <= 1.0  # a mostly overcast granule


def run_command(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="cloudorg")
    parser.add_argument("-q", "--quiet", action="store_true")
    register(parser.add_subparsers(dest="command"))
    args = parser.parse_args(argv)
    return args.func(args)


def test_command_round_trip(campaign, cluster_client, tmp_path, capsys):
    store = copy_of(campaign, tmp_path)
    names = ["cloud_fraction", "num_objects", "iorg"]
    status = run_command(["-q", "metrics", str(store), "--tile-size", "64", "--mask",
                          "brightness_temperature", "--threshold", "288", "--metrics", *names,
                          "--scheduler", cluster_client.scheduler.address])  # fmt: skip
    out = capsys.readouterr().out
    assert status == 0
    assert "Dask dashboard: http" in out and "brightness_temperature_11 < 288" in out
    assert f"metrics/64px_brightness_temperature of {store.resolve()}" in out
    recipe = MaskRecipe.named("brightness_temperature", threshold=288.0)
    written = open_metrics(store, TILE, mask=recipe)
    assert list(written.data_vars) == names and written.attrs["complete"] == 1
    # the library with the same parameters finds everything done (other parameters would fail)
    again = metrics_for_store(store, tile_size=TILE, metrics=names, mask=recipe,
                              client="synchronous", progress=False)  # fmt: skip
    xr.testing.assert_identical(again, written)
    mask = cloud_mask(CampaignStore.open(store).open_scenes(), recipe).isel(scene=2)
    expected = compute_metrics(mask[64:128, 128:192], metrics=names, dx=2.0)
    np.testing.assert_array_equal(values_of(written.isel(tile=[2 * 9 + 5]))[0],
                                  list(expected.values()))  # fmt: skip
    with pytest.raises(ConfigError, match="threshold"):
        run_command(["metrics", str(store), "--mask", "product", "--threshold", "1"])
