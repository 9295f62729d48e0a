"""The report's RGB recipe, the greyscale, and satpy composites kept offline."""

from __future__ import annotations

import numpy as np
import pytest
import xarray as xr

from cloudorg.composites import RGBRecipe, greyscale_composite, rgb_composite, to_uint8
from cloudorg.errors import CompositeError, ConfigError, MissingBandError
from cloudorg.io.offline import assert_offline


def scene(red: float, blue: float, nir: float) -> xr.Dataset:
    shape = (2, 3)
    return xr.Dataset({
        "reflectance_0p64": (("y", "x"), np.full(shape, red)),
        "reflectance_0p47": (("y", "x"), np.full(shape, blue)),
        "reflectance_0p86": (("y", "x"), np.full(shape, nir)),
    })  # fmt: skip


def test_rgb_follows_gamma_and_the_true_green_equation():
    recipe = RGBRecipe(gamma=2.0)
    rgb = rgb_composite(scene(64.0, 36.0, 81.0), recipe)
    r, b, n = 0.8, 0.6, 0.9  # sqrt of 0.64, 0.36, 0.81
    green = 0.48358168 * r + 0.45706946 * b + 0.06038137 * n
    expected = [1 + 254 * r, 1 + 254 * green, 1 + 254 * b]
    assert rgb.sel(band=["R", "G", "B"]).values[:, 0, 0].tolist() == [round(v) for v in expected]
    assert rgb.dtype == np.uint8 and rgb.dims == ("band", "y", "x")


def test_missing_pixels_are_black_and_valid_pixels_never_are():
    ds = scene(0.0, 0.0, 0.0)
    ds["reflectance_0p64"][0, 0] = np.nan
    rgb = rgb_composite(ds)
    assert rgb.values[:, 0, 0].tolist() == [0, 0, 0]
    assert (rgb.values[:, 1, 1] >= 1).all()
    grey = greyscale_composite(rgb)
    assert grey.values[0, 0] == 0 and grey.values[1, 1] >= 1
    assert to_uint8(np.array([2.0, -1.0])).tolist() == [255, 1]


def test_greyscale_is_bt601_luma():
    rgb = xr.DataArray(np.array([[[200]], [[100]], [[50]]], dtype=np.uint8),
                       dims=("band", "y", "x"))  # fmt: skip
    assert int(greyscale_composite(rgb)[0, 0]) == round(0.299 * 200 + 0.587 * 100 + 0.114 * 50)


def test_rgb_names_what_is_missing_and_checks_its_recipe():
    with pytest.raises(MissingBandError, match="reflectance_0p64"):
        rgb_composite(scene(1, 1, 1).drop_vars("reflectance_0p64"))
    with pytest.raises(ConfigError, match="gamma"):
        RGBRecipe(gamma=0)


def test_composites_needing_downloads_are_refused_offline_ones_accepted():
    assert_offline("abi", "true_color_nocorr")
    with pytest.raises(CompositeError, match=r"rayleigh_corrected.*downloads"):
        assert_offline("abi", "true_color")
    with pytest.raises(CompositeError, match="no composite"):
        assert_offline("abi", "no_such_composite")
