"""Synthetic campaigns in real formats: multi-scene ingest on a LocalCluster, resume after a
real kill, and every failure case leaving the store unchanged."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from datetime import datetime, timedelta
from pathlib import Path

import numpy as np
import pytest
import xarray as xr

from cloudorg.domains import Domain
from cloudorg.ingest import ingest
from cloudorg.store import CampaignStore, read_manifest
from cloudorg.synthetic import (
    synthesize_campaign,
    synthesize_fields,
    write_abi_scene,
    write_truth,
)

BOUNDS = (-56.2, -53.8, 12.8, 15.2)  # the synthetic fields: a margin around the domain
DOMAIN = Domain.from_bounds("small", -56.0, -54.0, 13.0, 15.0, resolution_km=2.0)
FIELDS_DEG = 0.02


def ingest_quietly(paths, store, **kw):
    kw.setdefault("client", "synchronous")
    return ingest(paths, store, domain=DOMAIN, progress=False, **kw)


def snapshot(store: Path) -> xr.Dataset:
    with xr.open_zarr(store, group="scenes") as ds:
        return ds.load()


@pytest.fixture(scope="module")
def campaign20(tmp_path_factory) -> Path:
    """20 small synthetic GOES-16 ABI scans (all bands, truth maps)."""
    directory = tmp_path_factory.mktemp("campaign20")
    synthesize_campaign(directory, 20, bounds=BOUNDS, resolution_deg=FIELDS_DEG, seed=3,
                        interval=timedelta(minutes=10))  # fmt: skip
    return directory


@pytest.fixture(scope="module")
def reference_store(campaign20, tmp_path_factory) -> Path:
    store = tmp_path_factory.mktemp("ref") / "ref.zarr"
    ingest_quietly([campaign20], store)
    return store


def test_twenty_scenes_ingest_on_a_two_worker_local_cluster(campaign20, reference_store,
                                                            tmp_path):  # fmt: skip
    from distributed import Client, LocalCluster

    store = tmp_path / "cluster.zarr"
    with (
        LocalCluster(n_workers=2, threads_per_worker=1, dashboard_address=":0") as cluster,
        Client(cluster) as client,
    ):
        ds = ingest_quietly([campaign20], store, client=client)
        # task names say what ran
        names = {key for key in client.run_on_scheduler(
            lambda dask_scheduler: list(dask_scheduler.task_prefixes))}  # fmt: skip
        assert "ingest" in names
    assert ds.sizes["scene"] == 20
    times = ds["scene"].values
    assert (np.diff(times) > np.timedelta64(0)).all()  # time order
    assert set(ds.data_vars) >= {
        "reflectance_0p47",
        "reflectance_0p64",
        "reflectance_0p86",
        "brightness_temperature_11",
        "rgb",
        "greyscale",
        "pattern",
    }
    assert (read_manifest(store)["status"] == "ingested").all()
    # the cluster run equals the in-process run
    xr.testing.assert_identical(snapshot(store), snapshot(reference_store))


def test_scene_content_follows_the_ground_truth(reference_store):
    ds = xr.open_zarr(reference_store, group="scenes")
    assert float(ds["valid_fraction"].min()) > 0.99
    assert float(ds["brightness_temperature_11_p25"].min()) > 285.0
    assert (ds["solar_zenith_angle"] < 80).all()
    pattern = ds["pattern"].values
    classes = np.unique(pattern[np.isfinite(pattern)])
    assert set(classes) <= {0, 1, 2, 3, 4} and len(classes) >= 2  # several patterns per scene
    grey = ds["greyscale"].values
    assert grey.min() >= 1 and grey.std() > 5  # no black pixels, not blank
    rgb = ds["rgb"].values
    assert rgb.shape[1] == 3 and (rgb > 0).all()


def test_rerun_adds_nothing_and_changes_nothing(campaign20, reference_store, tmp_path):
    store = tmp_path / "again.zarr"
    shutil.copytree(reference_store, store)
    before = (store / "manifest.json").read_text()
    ingest_quietly([campaign20], store)
    assert (store / "manifest.json").read_text() == before
    xr.testing.assert_identical(snapshot(store), snapshot(reference_store))


def test_killed_ingest_resumes_to_the_same_store(campaign20, reference_store, tmp_path):
    store = tmp_path / "killed.zarr"
    cmd = [sys.executable, "-m", "cloudorg.cli", "-q", "ingest", str(campaign20),
           "--store", str(store), "--domain", "small", "--bounds", "-56", "-54", "13", "15",
           "--resolution", "2", "--workers", "2"]  # fmt: skip
    proc = subprocess.Popen(cmd, start_new_session=True, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)  # fmt: skip
    deadline = time.monotonic() + 240
    committed = 0
    try:
        while time.monotonic() < deadline and proc.poll() is None:
            if (store / "manifest.json").exists():
                try:
                    committed = len(CampaignStore.open(store).scene_ids())
                except Exception:
                    committed = 0
                if committed >= 4:
                    break
            time.sleep(0.05)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
    assert proc.returncode == -signal.SIGKILL, "the ingest finished before it could be killed"
    committed = len(CampaignStore.open(store).scene_ids())
    assert 4 <= committed < 20
    # right after the kill a reader sees committed scenes only (the consolidation of the
    # last commit, of one or more scenes, may not have happened yet), every variable of
    # the same length
    seen = xr.open_zarr(store, group="scenes")
    n_seen = seen.sizes["scene"]
    assert 1 <= n_seen <= committed
    assert seen["scene_id"].values.tolist() == CampaignStore.open(store).scene_ids()[:n_seen]
    ingest_quietly([campaign20], store)
    xr.testing.assert_identical(snapshot(store), snapshot(reference_store))
    manifest = read_manifest(store)
    assert (manifest["status"] == "ingested").all() and len(manifest) == len(
        read_manifest(reference_store)
    )


# -- failure cases: each leaves the committed scenes untouched ---------------------------------


@pytest.fixture()
def good_store(tmp_path) -> tuple[Path, xr.Dataset]:
    directory = tmp_path / "good"
    synthesize_campaign(directory, 1, bounds=BOUNDS, resolution_deg=FIELDS_DEG, seed=11)
    store = tmp_path / "store.zarr"
    ingest_quietly([directory], store)
    return store, snapshot(store)


def one_scene(directory: Path, start: datetime, bounds=BOUNDS, **kw) -> list[Path]:
    fields = synthesize_fields(bounds, resolution_deg=FIELDS_DEG, seed=5)
    return write_abi_scene(fields, directory, start_time=start, **kw)


def assert_unchanged_with_record(store: Path, before: xr.Dataset, status: str, *words: str):
    xr.testing.assert_identical(snapshot(store), before)
    records = read_manifest(store)
    records = records[records["status"] == status]
    assert len(records) >= 1
    for word in words:
        assert records["reason"].str.contains(word, regex=False).all(), records["reason"].tolist()


def test_truncated_file_fails_cleanly(good_store, tmp_path):
    store, before = good_store
    files = one_scene(tmp_path / "bad", datetime(2020, 2, 1, 14))
    c01 = next(f for f in files if "C01_" in f.name)
    c01.write_bytes(c01.read_bytes()[: c01.stat().st_size // 3])
    ingest_quietly([tmp_path / "bad"], store)
    assert_unchanged_with_record(store, before, "failed", "truncated or corrupt")
    assert str(c01) in " ".join(read_manifest(store)["reason"])


def test_garbage_file_with_an_abi_name_fails_cleanly(good_store, tmp_path):
    store, before = good_store
    files = one_scene(tmp_path / "bad", datetime(2020, 2, 1, 14))
    files[0].write_bytes(b"not a netCDF file at all")
    ingest_quietly([tmp_path / "bad"], store)
    assert_unchanged_with_record(store, before, "failed", files[0].name)


def test_product_of_the_wrong_kind_is_skipped(good_store, tmp_path):
    store, before = good_store
    files = one_scene(tmp_path / "bad", datetime(2020, 2, 1, 14))
    for f in files:
        f.rename(f.with_name(f.name.replace("L1b-Rad", "L2-CMIP")))
    ingest_quietly([tmp_path / "bad"], store)
    assert_unchanged_with_record(store, before, "skipped", "not a recognised product")


def test_scene_missing_a_band_is_skipped(good_store, tmp_path):
    store, before = good_store
    one_scene(tmp_path / "bad", datetime(2020, 2, 1, 14), bands=("C01", "C03", "C05", "C13"))
    ingest_quietly([tmp_path / "bad"], store)
    assert_unchanged_with_record(store, before, "skipped", "reflectance_0p64", "C02")


def test_night_scene_is_skipped(good_store, tmp_path):
    store, before = good_store
    one_scene(tmp_path / "bad", datetime(2020, 2, 1, 4), night=True)
    ingest_quietly([tmp_path / "bad"], store)
    assert_unchanged_with_record(store, before, "skipped", "night", "solar zenith")


def test_scene_outside_the_domain_is_skipped(good_store, tmp_path):
    store, before = good_store
    one_scene(tmp_path / "bad", datetime(2020, 2, 1, 14), bounds=(-45.0, -43.0, 13.0, 15.0))
    ingest_quietly([tmp_path / "bad"], store)
    assert_unchanged_with_record(store, before, "skipped", "small")


def test_skipped_scenes_are_not_retried_failed_ones_are(good_store, tmp_path):
    store, _ = good_store
    one_scene(tmp_path / "night", datetime(2020, 2, 1, 4), night=True)
    files = one_scene(tmp_path / "broken", datetime(2020, 2, 1, 15))
    files[0].write_bytes(b"garbage")
    ingest_quietly([tmp_path / "night", tmp_path / "broken"], store)
    first = read_manifest(store).set_index("path")
    # repair the broken file: the rerun ingests that scene, and leaves the night one alone
    shutil.rmtree(tmp_path / "broken")
    one_scene(tmp_path / "broken", datetime(2020, 2, 1, 15))
    ingest_quietly([tmp_path / "night", tmp_path / "broken"], store)
    second = read_manifest(store).set_index("path")
    night = [p for p in second.index if "/night/" in p]
    assert (second.loc[night, "recorded"] == first.loc[night, "recorded"]).all()
    broken = [p for p in second.index if "/broken/" in p]
    assert (second.loc[broken, "status"] == "ingested").all()
    assert len(CampaignStore.open(store).scene_ids()) == 2
    # the store has ground truth; the scene without a truth file gets an all-missing map
    pattern = xr.open_zarr(store, group="scenes")["pattern"]
    assert np.isnan(pattern[1].values).all() and np.isfinite(pattern[0].values).all()


def test_eurec4a_netcdf_and_modis_scenes_share_a_store(tmp_path):
    from cloudorg.io.eurec4a import write_eurec4a_netcdf

    directory = tmp_path / "mixed"
    fields = synthesize_fields(BOUNDS, resolution_deg=FIELDS_DEG, seed=8)
    write_eurec4a_netcdf(fields, directory, start_time=datetime(2020, 2, 2, 14))
    synthesize_campaign(directory, 2, sensors=("modis",), bounds=BOUNDS,
                        resolution_deg=FIELDS_DEG, seed=9,
                        start=datetime(2020, 2, 2, 16))  # fmt: skip
    write_truth(fields, directory, platform="G16", sensor="abi",
                start_time=datetime(2020, 2, 2, 14))  # fmt: skip
    ds = ingest_quietly([directory], tmp_path / "mixed.zarr")
    assert ds["sensor"].values.tolist() == ["abi", "modis", "modis"]
    assert ds["platform"].values.tolist() == ["G16", "aqua", "aqua"]
    assert ds["reflectance_0p64"].attrs["units"] == "%"
    for i in range(3):
        refl = ds["reflectance_0p64"][i].values
        assert np.isfinite(refl).mean() > 0.9 and 1 < np.nanmean(refl) < 80


def test_offline_satpy_composite_is_stored_and_downloading_one_refused(tmp_path):
    directory = tmp_path / "data"
    synthesize_campaign(directory, 1, bounds=BOUNDS, resolution_deg=FIELDS_DEG, seed=4)
    ds = ingest_quietly([directory], tmp_path / "c.zarr", quantities=["reflectance_0p64"],
                        composites=["true_color_nocorr"])  # fmt: skip
    rgb = ds["composite_true_color_nocorr"]
    assert rgb.dims == ("scene", "true_color_nocorr_band", "y", "x")
    assert rgb["true_color_nocorr_band"].values.tolist() == ["R", "G", "B"]
    assert np.isfinite(rgb.values).mean() > 0.99
    # satpy's red is the 0.64 um reflectance: the same field, in the composite's 0-100 % scale
    red = rgb.sel(true_color_nocorr_band="R").values[0]
    assert np.corrcoef(red.ravel(), ds["reflectance_0p64"].values[0].ravel())[0, 1] > 0.9
    refused = ingest_quietly([directory], tmp_path / "d.zarr", quantities=["reflectance_0p64"],
                             composites=["true_color"])  # fmt: skip
    assert refused.sizes == {}
    reason = read_manifest(tmp_path / "d.zarr")["reason"].iloc[0]
    assert "rayleigh_corrected" in reason and "downloads" in reason
