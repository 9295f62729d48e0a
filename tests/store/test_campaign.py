"""The campaign store: scene slots and commits, repair after an interrupted write, creation,
zarr v2/v3, the single writer, and refusals that name what is wrong."""

from __future__ import annotations

import os
import stat
import subprocess
import sys

import numpy as np
import pytest
import xarray as xr
import zarr

from cloudorg.domains import Domain
from cloudorg.errors import StoreBusyError, StoreError
from cloudorg.store import (
    SCENES,
    CampaignStore,
    FileRecord,
    SceneEntry,
    open_scenes,
    read_manifest,
)
from cloudorg.store.campaign import write_pixels

DOMAIN = Domain.from_bounds("tiny", -55.0, -54.5, 14.0, 14.5, resolution_km=2.0)


def make_scene(i: int, domain: Domain = DOMAIN) -> xr.Dataset:
    rng = np.random.default_rng(i)
    ds = xr.Dataset(coords=domain.coords())
    ds["crs"] = domain.grid_mapping()
    ds["reflectance_0p64"] = (("y", "x"), rng.random(domain.shape, dtype=np.float32) * 100,
                              {"units": "%", "grid_mapping": "crs"})  # fmt: skip
    ds = ds.assign_coords(
        scene=np.datetime64("2020-01-20T13:00", "ms") + np.timedelta64(i, "h"),
        scene_id=f"G16_abi_M1_{i:02d}",
        platform="G16",
        valid_fraction=1.0,
    )
    ds["valid_fraction"].attrs = {"long_name": "fraction of valid pixels", "units": "1"}
    return ds


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
    assert ds["valid_fraction"].attrs["units"] == "1"  # per-scene coordinates keep their attrs
    assert read_manifest(store)["status"].tolist() == ["ingested"] * 3
    mode = stat.S_IMODE(os.stat(store.path / "manifest.json").st_mode)
    assert mode & 0o044 == 0o044  # colleagues sharing the store can read its manifest


def test_pixels_written_into_a_reserved_slot_are_invisible_until_committed(tmp_path):
    """A worker writes a scene's pixels past the end; the committing process dies before
    the commit: nobody sees them, and the next writer reuses the slot."""
    store = new_store(tmp_path)
    with store.writing():
        store.commit_scene(make_scene(0), [])
        slot = store.reserve(SceneEntry.of(make_scene(1)))
        write_pixels(store.location, slot, make_scene(1))  # and then the process is gone
    assert slot == 1
    assert xr.open_zarr(store.path, group=SCENES).sizes["scene"] == 1
    raw = zarr.open_group(store.path, mode="r", use_consolidated=False)[SCENES]
    assert raw["reflectance_0p64"].shape[0] == 1
    with store.writing():  # the slot goes to another scene
        assert store.commit_scene(make_scene(2), []) == 1
    ds = open_scenes(store.path)
    assert ds["scene_id"].values.tolist() == ["G16_abi_M1_00", "G16_abi_M1_02"]
    np.testing.assert_array_equal(ds["reflectance_0p64"][1].values,
                                  make_scene(2)["reflectance_0p64"].values)  # fmt: skip


def test_arrays_grown_but_not_committed_are_cut_back(tmp_path):
    """Killed between growing the arrays and writing the manifest."""
    store = new_store(tmp_path)
    with store.writing():
        store.commit_scene(make_scene(0), [])
    raw = zarr.open_group(store.path, mode="r+", use_consolidated=False)[SCENES]
    for _, array in raw.arrays():
        if array.ndim and array.metadata.dimension_names[0] == "scene":
            array.resize((2, *array.shape[1:]))
    assert xr.open_zarr(store.path, group=SCENES).sizes["scene"] == 1  # consolidated: as was
    with store.writing():  # the next writer repairs first
        assert store.repair() == 0
    raw = zarr.open_group(store.path, mode="r", use_consolidated=False)[SCENES]
    assert raw["reflectance_0p64"].shape[0] == raw["scene_id"].shape[0] == 1


def test_a_schema_without_a_committed_scene_is_removed(tmp_path):
    store = new_store(tmp_path)
    with store.writing():
        store.create_scenes(make_scene(0))
    assert SCENES in zarr.open_group(store.path, mode="r", use_consolidated=False)
    with store.writing():
        pass  # the repair of the next writer
    assert "scene_id" not in zarr.open_group(store.path, mode="r", use_consolidated=False)[SCENES]
    assert "scene" not in xr.open_zarr(store.path, group=SCENES).dims  # empty, but it opens
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
    np.testing.assert_array_equal(ds["reflectance_0p64"][1].values,
                                  make_scene(1)["reflectance_0p64"].values)  # fmt: skip


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
        with pytest.raises(StoreError, match="next reserved scenes"):
            store.commit_scenes([SceneEntry.of(make_scene(3))])
    assert store.scene_ids() == ["G16_abi_M1_00"]
    with pytest.raises(StoreError, match="writer lock"):
        store.commit_scene(make_scene(4), [])


def _holding_the_lock(path) -> subprocess.Popen:
    code = ("import sys, time; from cloudorg.store import CampaignStore\n"
            f"with CampaignStore.open({str(path)!r}).writing():\n"
            "    print('held', flush=True); time.sleep(60)")  # fmt: skip
    proc = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True)
    assert proc.stdout.readline().strip() == "held"
    return proc


def test_one_writer_at_a_time_and_a_killed_writer_releases_the_lock(tmp_path):
    store = new_store(tmp_path)
    proc = _holding_the_lock(store.path)
    try:
        with pytest.raises(StoreBusyError, match="another process is writing this store"):
            with store.writing():
                pass
    finally:
        proc.kill()
        proc.wait()
    with store.writing():  # the kernel let go of the dead process's lock
        store.commit_scene(make_scene(0), [])
    with store.writing(), store.writing():  # re-entrant within a process
        assert store.scene_ids() == ["G16_abi_M1_00"]


def test_create_refuses_existing_and_open_refuses_foreign(tmp_path):
    store = new_store(tmp_path)
    with pytest.raises(StoreError, match="not empty"):
        new_store(tmp_path)
    zarr.open_group(tmp_path / "plain.zarr", mode="w")
    with pytest.raises(StoreError, match="not a cloudorg campaign store"):
        CampaignStore.open(tmp_path / "plain.zarr")
    assert CampaignStore.open(store.path).domain == DOMAIN
    (tmp_path / "file.zarr").write_text("not a store")
    with pytest.raises(StoreError, match="a file, not a campaign store"):
        CampaignStore.open(tmp_path / "file.zarr")
    with pytest.raises(StoreError, match="a file, not a store directory"):
        CampaignStore.create(tmp_path / "file.zarr", DOMAIN, quantities=["rgb"])


def test_an_interrupted_creation_is_named_and_redone(tmp_path):
    store = new_store(tmp_path)
    (store.path / "manifest.json").unlink()  # killed after the root group, before the manifest
    with pytest.raises(StoreError, match="creation did not finish"):
        CampaignStore.open(store.path)
    with CampaignStore.open_or_create(store.path, DOMAIN, quantities=["reflectance_0p64"]) as s:
        s.commit_scene(make_scene(0), [])
    assert CampaignStore.open(store.path).scene_ids() == ["G16_abi_M1_00"]


def test_open_or_create_refuses_another_domain_or_quantities(tmp_path):
    store = new_store(tmp_path)
    other = Domain.from_bounds("other", -55.0, -54.0, 14.0, 15.0, resolution_km=2.0)
    with pytest.raises(StoreError, match="domain is tiny"):
        with CampaignStore.open_or_create(store.path, other, quantities=["reflectance_0p64"]):
            pass
    with pytest.raises(StoreError, match="holds \\['reflectance_0p64'\\]"):
        with CampaignStore.open_or_create(store.path, DOMAIN, quantities=["rgb"]):
            pass
