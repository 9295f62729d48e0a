"""Real NOAA and NASA files through satpy's real readers into a campaign store."""

from __future__ import annotations

import numpy as np
import pyproj
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


def test_real_abi_without_c02_refuses_the_rgb_and_names_the_band(abi_real_dir):
    scenes, _ = discover([abi_real_dir])
    with pytest.raises(MissingBandError, match=r"reflectance_0p64 .* C02"):
        open_scene(scenes[0], ["reflectance_0p64"])
    outcome = process_scene(scenes[0], IngestConfig(CALIFORNIA))
    assert outcome.status == "skipped"
    assert "C02" in outcome.reason and "reflectance_0p64" in outcome.reason


@pytest.fixture(scope="module")
def california_store(abi_real_dir, tmp_path_factory):
    """The real scan's available bands on a 2 km domain: C01 and C03 (1 km) averaged, C14
    (2 km) by nearest neighbour."""
    store = tmp_path_factory.mktemp("real") / "california.zarr"
    ingest([abi_real_dir], store, domain=CALIFORNIA, quantities=ABI_QUANTITIES,
           client="synchronous", progress=False)  # fmt: skip
    return store


def test_real_abi_ingests_the_available_bands(california_store):
    ds = xr.open_zarr(california_store, group="scenes")
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
    assert ds["crs"].attrs["grid_mapping_name"] == "lambert_azimuthal_equal_area"
    manifest = read_manifest(california_store)
    assert (manifest["status"] == "ingested").sum() == 15


def test_real_abi_bands_are_averaged_or_picked_by_resolution(abi_real_dir, california_store):
    ds = xr.open_zarr(california_store, group="scenes")
    for name in ("reflectance_0p47", "reflectance_0p86"):  # 1 km pixels on a 2 km grid
        attrs = ds[name].attrs
        assert attrs["cell_methods"] == "area: mean" and attrs["resampling"] == "area_mean"
        assert attrs["resolution_ratio"] > 1.4 and attrs["source_pixels_per_cell"] > 2
    bt = ds["brightness_temperature_11"]  # 2 km pixels on a 2 km grid
    assert bt.attrs["resampling"] == "nearest" and "cell_methods" not in bt.attrs
    # nearest neighbour: every domain value is a value of the source band
    scenes, _ = discover([abi_real_dir])
    band = open_scene(scenes[0], ["brightness_temperature_11"])["brightness_temperature_11"]
    values = bt.values.ravel()
    assert np.isin(values[np.isfinite(values)], band.values[np.isfinite(band.values)]).all()


def source_mean_on_domain(band: xr.DataArray, domain: Domain) -> float:
    """The mean of a band over the domain, each source pixel weighted by its area: the
    source pixel centres inside the domain's extent, pixel areas from the differences of
    neighbouring centres in the domain's (equal-area) projection."""
    area = band.attrs["area"]
    x, y = area.get_proj_coords()
    to_domain = pyproj.Transformer.from_crs(area.crs, domain.crs, always_xy=True)
    x, y = to_domain.transform(x, y)
    x0, y0, x1, y1 = domain.area.area_extent
    values = np.asarray(band.values, dtype=np.float64)
    inside = (x >= x0) & (x < x1) & (y > y0) & (y <= y1) & np.isfinite(values)
    pixel_area = np.abs(np.gradient(x, axis=1) * np.gradient(y, axis=0)
                        - np.gradient(x, axis=0) * np.gradient(y, axis=1))  # fmt: skip
    return float(np.average(values[inside], weights=pixel_area[inside]))


def test_real_abi_area_mean_keeps_the_domain_mean_reflectance(abi_real_dir, california_store):
    ds = xr.open_zarr(california_store, group="scenes")
    scenes, _ = discover([abi_real_dir])
    bands = open_scene(scenes[0], ["reflectance_0p47", "reflectance_0p86"])
    for name, band in bands.items():
        expected = source_mean_on_domain(band, CALIFORNIA)
        assert float(ds[name].mean()) == pytest.approx(expected, rel=5e-3)


def test_every_store_coordinate_has_cf_attributes(california_store):
    ds = xr.open_zarr(california_store, group="scenes", decode_times=False)
    for name, coord in ds.coords.items():
        assert coord.attrs.get("long_name"), f"{name} has no long_name"
        if coord.dtype.kind in "iuf":  # numbers; strings have no units (CF 3.1)
            assert coord.attrs.get("units"), f"{name} has no units"
    assert " since " in ds["scene"].attrs["units"]


def test_a_store_without_scenes_opens_with_plain_xarray(abi_real_dir, tmp_path):
    store = tmp_path / "empty.zarr"
    ingest([abi_real_dir], store, domain=CALIFORNIA, client="synchronous", progress=False)
    assert set(read_manifest(store)["status"]) == {"skipped"}  # C02 absent: no RGB
    scenes = xr.open_zarr(store, group="scenes")
    assert "scene" not in scenes.dims
    assert scenes["crs"].attrs["grid_mapping_name"] == "lambert_azimuthal_equal_area"
    np.testing.assert_array_equal(scenes["x"], CALIFORNIA.coords()["x"])


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
