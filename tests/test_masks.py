"""Cloud masks from scenes: every recipe, missing pixels, real files."""

from __future__ import annotations

import numpy as np
import pytest
import xarray as xr

from cloudorg.errors import ConfigError, MissingBandError
from cloudorg.masks import MaskRecipe, cloud_mask


def test_greyscale_recipe_is_the_reports_threshold_at_127():
    grey = np.array([[0, 1, 127, 128, 255]], dtype=np.uint8)
    mask = cloud_mask(xr.Dataset({"greyscale": (("y", "x"), grey)}))
    assert np.isnan(mask.values[0, 0])
    assert mask.values[0, 1:].tolist() == [0.0, 0.0, 1.0, 1.0]
    assert mask.attrs["mask_recipe"] == "greyscale > 127" and mask.dtype == np.float32


def test_reflectance_and_brightness_temperature_thresholds():
    ds = xr.Dataset({
        "reflectance_0p64": (("y", "x"), [[5.0, 12.0, np.nan]]),
        "brightness_temperature_11": (("y", "x"), [[297.0, 286.0, 250.0]]),
    })  # fmt: skip
    assert np.allclose(cloud_mask(ds, "reflectance").values, [[0, 1, np.nan]], equal_nan=True)
    recipe = MaskRecipe.named("brightness_temperature", threshold=288.0)
    assert cloud_mask(ds, recipe).values.tolist() == [[0.0, 1.0, 1.0]]
    assert cloud_mask(ds, recipe).attrs["mask_recipe"] == "brightness_temperature_11 < 288"


def test_product_flags_and_errors():
    ds = xr.Dataset({"cloud_mask": (("y", "x"), [[0.0, 1.0, 2.0, 3.0, np.nan]])})
    assert np.allclose(cloud_mask(ds, "product").values, [[1, 1, 0, 0, np.nan]], equal_nan=True)
    with pytest.raises(MissingBandError, match="greyscale"):
        cloud_mask(ds)
    with pytest.raises(ConfigError, match="expected one of"):
        MaskRecipe(method="magic")
    with pytest.raises(ConfigError, match="cloudy_flags"):
        MaskRecipe(method="product", quantity="cloud_mask", threshold=None)


def test_masks_stay_lazy_on_dask_backed_scenes():
    grey = xr.DataArray(np.full((2, 4, 4), 200, dtype=np.uint8), dims=("scene", "y", "x"))
    mask = cloud_mask(xr.Dataset({"greyscale": grey.chunk({"scene": 1})}))
    assert mask.chunks is not None
    assert float(mask.sum()) == 32.0


def test_real_myd35_and_abi_masks(myd35_real_dir, abi_real_dir, tmp_path):
    from cloudorg.domains import Domain
    from cloudorg.ingest import ingest

    dom = Domain.from_bounds("pacific", -88.0, -82.0, 4.0, 12.0, resolution_km=2.0)
    ds = ingest([myd35_real_dir], tmp_path / "m.zarr", domain=dom, quantities=["cloud_mask"],
                client="synchronous", progress=False)  # fmt: skip
    mask = cloud_mask(ds, "product").values
    flags = ds["cloud_mask"].values
    assert np.array_equal(np.isnan(mask), np.isnan(flags))
    assert np.nanmean(mask) == pytest.approx(np.mean(flags[np.isfinite(flags)] <= 1))
    dom = Domain.from_bounds("california", -125.0, -121.0, 37.5, 41.5, resolution_km=2.0)
    abi = ingest([abi_real_dir], tmp_path / "a.zarr", domain=dom,
                 quantities=["reflectance_0p47"], client="synchronous", progress=False)  # fmt: skip
    recipe = MaskRecipe.named("reflectance", quantity="reflectance_0p47", threshold=13.0)
    frac = float(cloud_mask(abi, recipe).mean())
    assert 0.1 < frac < 0.5  # clear ocean (10-12 %) and brighter cloud and land
