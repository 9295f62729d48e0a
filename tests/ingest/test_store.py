"""The campaign store: atomic scene commits, repair after an interrupted write, zarr v2/v3."""

from __future__ import annotations

import numpy as np
import pytest
import xarray as xr
import zarr

from cloudorg.domains import Domain
from cloudorg.errors import StoreError
from cloudorg.store import SCENES, CampaignStore, FileRecord, open_scenes, read_manifest

DOMAIN = Domain.from_bounds("tiny", -55.0, -54.5, 14.0, 14.5, resolution_km=2.0)


def make_scene(i: int, domain: Domain = DOMAIN) -> xr.Dataset:
    rng = np.random.default_rng(i)
    ds = xr.Dataset(coords=domain.coords())
    ds["crs"] = domain.grid_mapping()
    ds["reflectance_0p64"] = (("y", "x"), rng.random(domain.shape, dtype=np.float32) * 100,
                              {"units": "%", "grid_mapping": "crs"})  # fmt: skip
    return ds.assign_coords(
        scene=np.datetime64("2020-01-20T13:00", "ms") + np.timedelta64(i, "h"),
        scene_id=f"G16_abi_M1_{i:02d}",
        platform="G16",
        valid_fraction=1.0,
    )


def new_store(tmp_path, **kw) -> CampaignStore:
    return CampaignStore.create(tmp_path / "c.zarr", DOMAIN, quantities=["reflectance_0p64"], **kw)


def test_commits_append_in_order_and_plain_xarray_reads_them(tmp_path):
    store = new_store(tmp_path)
    with store.writing():
        for i in range(3):
            assert store.commit_scene(make_scene(i), [FileRecord(f"/f{i}", "ingested")]) == i
    ds = xr.open_zarr(store.path, group=SCENES)
    assert ds["scene_id"].values.tolist() == ["G16_abi_M1_00", "G16_abi_M1_01", "G16_abi_M1_02"]
    np.testing.assert_array_equal(ds["reflectance_0p64"][1].values,
                                  make_scene(1)["reflectance_0p64"].values)  # fmt: skip
    assert ds["crs"].dims == ()
    assert ds["reflectance_0p64"].encoding["chunks"] == (1, *DOMAIN.shape)
    assert read_manifest(store)["status"].tolist() == ["ingested"] * 3


def test_uncommitted_append_is_invisible_and_repaired(tmp_path):
    """A process killed after appending data but before the manifest commit."""
    store = new_store(tmp_path)
    with store.writing():
        store.commit_scene(make_scene(0), [])
    partial = make_scene(1).drop_vars("crs").expand_dims("scene")
    partial = partial.assign_coords(
        {c: ("scene", [make_scene(1)[c].values]) for c in ("scene", "scene_id", "platform",
                                                           "valid_fraction")}
    )  # fmt: skip
    partial["scene_id"] = partial["scene_id"].astype(object)
    partial["platform"] = partial["platform"].astype(object)
    partial.to_zarr(store.path, group=SCENES, append_dim="scene", consolidated=False)
    # readers of the consolidated metadata still see the committed scene only
    assert xr.open_zarr(store.path, group=SCENES).sizes["scene"] == 1
    raw = zarr.open_group(store.path, mode="r", use_consolidated=False)[SCENES]
    assert raw["reflectance_0p64"].shape[0] == 2
    assert store.repair() == 1
    raw = zarr.open_group(store.path, mode="r", use_consolidated=False)[SCENES]
    assert raw["reflectance_0p64"].shape[0] == 1
    with store.writing():
        store.commit_scene(make_scene(1), [])
    ds = open_scenes(store.path)
    assert ds["scene_id"].values.tolist() == ["G16_abi_M1_00", "G16_abi_M1_01"]
    np.testing.assert_array_equal(ds["reflectance_0p64"][1].values,
                                  make_scene(1)["reflectance_0p64"].values)  # fmt: skip


def test_interrupted_first_scene_is_removed(tmp_path):
    store = new_store(tmp_path)
    stacked = make_scene(0).drop_vars("crs").expand_dims("scene")
    stacked.drop_vars(["scene_id", "platform", "valid_fraction"]).to_zarr(
        store.path, group=SCENES, mode="w", consolidated=False
    )
    assert store.repair() == 1
    assert SCENES not in zarr.open_group(store.path, mode="r", use_consolidated=False)
    with pytest.raises(StoreError, match="holds no scene"):
        store.open_scenes()


def test_zarr_v2_store_round_trips(tmp_path):
    store = new_store(tmp_path, zarr_format=2)
    with store.writing():
        store.commit_scene(make_scene(0), [])
        store.commit_scene(make_scene(1), [])
    assert store.zarr_format == 2
    assert (store.path / SCENES / "reflectance_0p64" / ".zarray").exists()
    ds = xr.open_zarr(store.path, group=SCENES)
    assert ds.sizes["scene"] == 2
    np.testing.assert_array_equal(ds["reflectance_0p64"][0].values,
                                  make_scene(0)["reflectance_0p64"].values)  # fmt: skip


def test_store_refuses_duplicates_wrong_grid_and_missing_variables(tmp_path):
    store = new_store(tmp_path)
    with store.writing():
        store.commit_scene(make_scene(0), [])
        with pytest.raises(StoreError, match="already in the store"):
            store.commit_scene(make_scene(0), [])
        other = Domain.from_bounds("other", -55.0, -54.0, 14.0, 15.0, resolution_km=2.0)
        with pytest.raises(StoreError, match="grid"):
            store.commit_scene(make_scene(1, other), [])
        with pytest.raises(StoreError, match="the store holds"):
            store.commit_scene(make_scene(2).drop_vars("reflectance_0p64"), [])
    assert store.scene_ids() == ["G16_abi_M1_00"]


def test_second_writer_is_refused(tmp_path):
    store = new_store(tmp_path)
    with store.writing(), pytest.raises(StoreError, match="another process"):
        with CampaignStore.open(store.path).writing():
            pass


def test_create_refuses_existing_and_open_refuses_foreign(tmp_path):
    store = new_store(tmp_path)
    with pytest.raises(StoreError, match="not empty"):
        new_store(tmp_path)
    zarr.open_group(tmp_path / "plain.zarr", mode="w")
    with pytest.raises(StoreError, match="not a cloudorg campaign store"):
        CampaignStore.open(tmp_path / "plain.zarr")
    assert CampaignStore.open(store.path).domain == DOMAIN
