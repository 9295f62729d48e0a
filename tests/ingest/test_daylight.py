"""Reflectances where the sun is too low: missing in the store, so masks and tiles see no
data there rather than clear sky."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest
import xarray as xr
from pyorbital.astronomy import sun_zenith_angle

from cloudorg.domains import Domain
from cloudorg.ingest import ingest
from cloudorg.masks import cloud_mask
from cloudorg.synthetic import synthesize_fields, write_abi_scene
from cloudorg.tiles.filters import pixel_statistics

DUSK = Domain.from_bounds("dusk", -56.0, -54.0, 13.0, 15.0, resolution_km=4.0)
SUNSET = dt.datetime(2020, 1, 20, 20, 45)
"""The sun at 79.9 degrees from the zenith at the domain centre: the scene is day by the
80-degree rule, but the eastern part of the domain is darker than that."""


@pytest.fixture(scope="module")
def dusk_scene(tmp_path_factory) -> xr.Dataset:
    root = tmp_path_factory.mktemp("dusk")
    fields = synthesize_fields((-56.2, -53.8, 12.8, 15.2), resolution_deg=0.02, seed=3)
    write_abi_scene(fields, root / "files", start_time=SUNSET, bands=("C01", "C02", "C03", "C13"))
    ds = ingest([root / "files"], root / "c.zarr", domain=DUSK, client="synchronous",
                progress=False)  # fmt: skip
    return ds.isel(scene=0).load()


def test_reflectances_are_missing_where_the_sun_is_low(dusk_scene):
    lon, lat = DUSK.lonlats()
    dark = sun_zenith_angle(SUNSET, lon, lat) > 80.0
    assert 0.1 < dark.mean() < 0.9
    for name in ("reflectance_0p47", "reflectance_0p64", "reflectance_0p86"):
        values = dusk_scene[name].values
        np.testing.assert_array_equal(np.isnan(values), dark)
        assert "80 degree" in dusk_scene[name].attrs["comment"]
    assert np.isfinite(dusk_scene["brightness_temperature_11"].values).all()
    assert (dusk_scene["rgb"].values[:, dark] == 0).all()
    assert (dusk_scene["rgb"].values[:, ~dark] > 0).all()
    assert float(dusk_scene["valid_fraction"]) == pytest.approx(1.0 - dark.mean())


def test_masks_and_tile_filters_count_dark_pixels_as_missing(dusk_scene):
    lon, lat = DUSK.lonlats()
    dark = sun_zenith_angle(SUNSET, lon, lat) > 80.0
    for method in ("greyscale", "reflectance"):
        mask = cloud_mask(dusk_scene, method).values
        np.testing.assert_array_equal(np.isnan(mask), dark)
    tile = {name: dusk_scene[name].values[None] for name in ("rgb", "reflectance_0p64")}
    stats = pixel_statistics(tile)
    assert stats["valid_fraction"][0] == pytest.approx(1.0 - dark.mean())
