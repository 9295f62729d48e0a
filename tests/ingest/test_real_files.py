"""Real NOAA and NASA files through satpy's real readers into a campaign store."""

from __future__ import annotations

import numpy as np
import pytest
import xarray as xr

from cloudorg.domains import Domain
from cloudorg.errors import MissingBandError
from cloudorg.ingest import IngestConfig, ingest, process_scene
from cloudorg.io.discover import discover
from cloudorg.io.readers import open_scene
from cloudorg.store import read_manifest

CALIFORNIA = Domain.from_bounds("california", -125.0, -121.0, 37.5, 41.5, resolution_km=2.0)
ABI_QUANTITIES = ["reflectance_0p47", "reflectance_0p86", "brightness_temperature_11"]


def test_discover_groups_the_fifteen_bands_into_one_scene(abi_real_dir):
    scenes, unrecognised = discover([abi_real_dir])
    assert unrecognised == []
    assert len(scenes) == 1
    scene = scenes[0]
    assert scene.platform == "G17" and scene.sensor == "abi"
    assert scene.start_time.isoformat() == "2019-10-27T20:00:27.500000"
    assert len(scene.files["abi_l1b"]) == 15


def test_real_abi_without_c02_refuses_the_rgb_and_names_the_band(abi_real_dir):
    scenes, _ = discover([abi_real_dir])
    with pytest.raises(MissingBandError, match=r"reflectance_0p64 .* C02"):
        open_scene(scenes[0], ["reflectance_0p64"])
    outcome = process_scene(scenes[0], IngestConfig(CALIFORNIA))
    assert outcome.status == "skipped"
    assert "C02" in outcome.reason and "reflectance_0p64" in outcome.reason


def test_real_abi_ingests_the_available_bands(abi_real_dir, tmp_path):
    store = tmp_path / "california.zarr"
    ds = ingest([abi_real_dir], store, domain=CALIFORNIA, quantities=ABI_QUANTITIES,
                client="synchronous", progress=False)  # fmt: skip
    assert ds.sizes == {"scene": 1, "y": CALIFORNIA.shape[0], "x": CALIFORNIA.shape[1]}
    refl = ds["reflectance_0p47"].values
    bt = ds["brightness_temperature_11"].values
    # README of the data: C01 reflectance 10-76 %, C13 brightness temperature 222-311 K
    assert 5 < np.nanmin(refl) and np.nanmax(refl) < 80
    assert 215 < np.nanmin(bt) and np.nanmax(bt) < 315
    assert ds["brightness_temperature_11"].attrs["source_band"] == "C14"
    assert ds["reflectance_0p47"].attrs["units"] == "%"
    assert ds["reflectance_0p47"].attrs["grid_mapping"] == "crs"
    assert float(ds["valid_fraction"][0]) > 0.9
    assert 40 < float(ds["solar_zenith_angle"][0]) < 70
    assert float(ds["brightness_temperature_11_p25"][0]) == pytest.approx(
        np.nanpercentile(bt, 25), abs=1e-3
    )
    # plain xarray reads it, CF grid mapping included
    plain = xr.open_zarr(store, group="scenes")
    assert plain["crs"].attrs["grid_mapping_name"] == "lambert_azimuthal_equal_area"
    manifest = read_manifest(store)
    assert (manifest["status"] == "ingested").sum() == 15


def test_real_abi_resampled_field_matches_source_pixels(abi_real_dir, tmp_path):
    """Nearest-neighbour: every domain value is a value of the source band."""
    scenes, _ = discover([abi_real_dir])
    band = open_scene(scenes[0], ["brightness_temperature_11"])["brightness_temperature_11"]
    source = np.unique(band.values[np.isfinite(band.values)])
    ds = ingest([abi_real_dir], tmp_path / "c.zarr", domain=CALIFORNIA,
                quantities=["brightness_temperature_11"], client="synchronous",
                progress=False)  # fmt: skip
    values = ds["brightness_temperature_11"].values.ravel()
    values = values[np.isfinite(values)]
    assert np.isin(values, source).all()


def test_real_myd35_cloud_mask_ingests_with_flag_meanings(myd35_real_dir, tmp_path):
    domain = Domain.from_bounds("pacific", -88.0, -82.0, 4.0, 12.0, resolution_km=2.0)
    ds = ingest([myd35_real_dir], tmp_path / "mask.zarr", domain=domain,
                quantities=["cloud_mask"], client="synchronous", progress=False)  # fmt: skip
    mask = ds["cloud_mask"]
    assert mask.attrs["flag_meanings"] == "cloudy uncertain probably_clear confidently_clear"
    values = mask.values[np.isfinite(mask.values)]
    assert set(np.unique(values)) <= {0, 1, 2, 3}
    assert len(np.unique(values)) >= 3  # a real scene has cloudy and clear pixels
    assert float(ds["valid_fraction"][0]) > 0.95
    assert str(ds["platform"].values[0]) == "aqua"
