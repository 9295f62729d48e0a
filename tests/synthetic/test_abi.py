"""cloudorg.synthetic.abi: real-format GOES ABI L1b files, read back with satpy's own
``abi_l1b`` reader."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import netCDF4
import numpy as np
import pytest
import xarray as xr
from satpy import Scene

from cloudorg.errors import ConfigError
from cloudorg.synthetic import sample_fields, write_abi_scene

from .conftest import T_ABI

pytestmark = pytest.mark.filterwarnings("ignore::UserWarning")

ABI_QUANTITY = {
    "C01": "reflectance_0p47",
    "C02": "reflectance_0p64",
    "C03": "reflectance_0p86",
    "C05": "reflectance_1p6",
    "C13": "brightness_temperature_11",
}


@pytest.fixture(scope="module")
def abi_files(fields: xr.Dataset, tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    return write_abi_scene(fields, tmp_path_factory.mktemp("abi"), start_time=T_ABI)


@pytest.fixture(scope="module")
def abi_scene(abi_files: list[Path]) -> Scene:
    scene = Scene(reader="abi_l1b", filenames=[str(p) for p in abi_files])
    scene.load(list(ABI_QUANTITY))
    return scene


def test_abi_file_names(abi_files: list[Path]) -> None:
    names = [p.name for p in abi_files]
    assert (
        names[0] == "OR_ABI-L1b-RadM1-M6C01_G16_s20200201540000_e20200201540570_c20200201541000.nc"
    )
    assert [re.search(r"M6(C\d\d)_", n).group(1) for n in names] == list(ABI_QUANTITY)


def test_abi_satpy_values_match_fields(
    abi_scene: Scene, fields: xr.Dataset, abi_files: list[Path]
) -> None:
    for path, (band, quantity) in zip(abi_files, ABI_QUANTITY.items(), strict=True):
        data = abi_scene[band]
        lon, lat = data.attrs["area"].get_lonlats()
        expected = sample_fields(fields, lon, lat, variables=[quantity])[quantity]
        values = data.values
        inside = np.isfinite(expected)
        assert inside.mean() > 0.5
        np.testing.assert_array_equal(np.isfinite(values), inside)  # fill off the fields
        with netCDF4.Dataset(path) as nc:
            step = float(nc["Rad"].scale_factor)
            if data.attrs["calibration"] == "reflectance":
                tolerance = 0.5 * step * float(nc["kappa0"][...]) * 100 + 1e-3
            else:
                tolerance = 0.05
        error = np.abs(values[inside] - expected[inside])
        assert error.max() < tolerance, (band, error.max(), tolerance)


def test_abi_satpy_geometry_and_metadata(abi_scene: Scene) -> None:
    sizes = {}
    for band, resolution in zip(ABI_QUANTITY, (1000, 500, 1000, 1000, 2000), strict=True):
        data = abi_scene[band]
        area = data.attrs["area"]
        crs = area.crs.to_dict()
        assert crs["proj"] == "geos" and crs["lon_0"] == -75.0 and crs["sweep"] == "x"
        assert data.attrs["resolution"] == resolution
        assert abs(area.pixel_size_x - resolution * 1.002) < 1.0
        assert data.attrs["orbital_parameters"]["satellite_nominal_longitude"] == pytest.approx(
            -75.2
        )
        assert data.attrs["platform_name"] == "GOES-16" and data.attrs["scene_abbr"] == "M1"
        assert data.attrs["start_time"] == T_ABI
        sizes[band] = data.shape
    extents = {abi_scene[band].attrs["area"].area_extent for band in ABI_QUANTITY}
    assert len(extents) == 1  # all resolutions cover the same fixed-grid rectangle
    assert sizes["C02"] == tuple(2 * n for n in sizes["C01"])
    assert sizes["C13"] == tuple(n // 2 for n in sizes["C01"])
    assert abi_scene.start_time == T_ABI
    assert abi_scene.end_time == T_ABI + dt.timedelta(seconds=57)


def test_abi_file_structure_mirrors_noaa(abi_files: list[Path], abi_real_dir: Path) -> None:
    real = sorted(abi_real_dir.glob("*M6C01_G17*.nc")) + sorted(abi_real_dir.glob("*M6C13_G17*.nc"))
    assert len(real) == 2
    ours = [abi_files[0], abi_files[4]]
    for real_path, our_path in zip(real, ours, strict=True):
        with netCDF4.Dataset(real_path) as ref, netCDF4.Dataset(our_path) as nc:
            for name, var in ref.variables.items():
                if "star" in name:
                    continue
                assert name in nc.variables, name
                assert nc[name].dtype == var.dtype and nc[name].dimensions == var.dimensions, name
                assert set(var.ncattrs()) <= set(nc[name].ncattrs()), name
            for name in ("Rad", "DQF", "x", "y"):
                for attr in ("_Unsigned", "_FillValue", "valid_range", "scale_factor"):
                    if attr in ref[name].ncattrs():
                        assert (
                            np.asarray(nc[name].getncattr(attr)).dtype
                            == np.asarray(ref[name].getncattr(attr)).dtype
                        ), (name, attr)
            assert set(ref.ncattrs()) - {"LUT_Filenames"} <= set(nc.ncattrs())
            assert nc.platform_ID == "G16" and nc.scene_id == "Mesoscale"
            assert nc["goes_imager_projection"].perspective_point_height == 35786023.0


def test_abi_night_has_dark_visible_band(fields: xr.Dataset, tmp_path: Path) -> None:
    night = dt.datetime(2020, 1, 21, 4, 0)
    paths = write_abi_scene(fields, tmp_path, start_time=night, bands=("C02", "C13"), night=True)
    scene = Scene(reader="abi_l1b", filenames=[str(p) for p in paths])
    scene.load(["C02", "C13"])
    c02 = scene["C02"].values
    assert np.nanmax(np.abs(c02)) < 0.1 and np.isfinite(c02).mean() > 0.5
    assert np.nanmin(scene["C13"].values) > 280


def test_abi_rejects_bad_arguments(fields: xr.Dataset, tmp_path: Path) -> None:
    for kwargs in ({"bands": ("C07",)}, {"platform": "G99"}, {"sector": "M3"}):
        with pytest.raises(ConfigError):
            write_abi_scene(fields, tmp_path, start_time=T_ABI, **kwargs)
    with pytest.raises(ConfigError):
        write_abi_scene(fields.drop_vars("reflectance_0p64"), tmp_path, start_time=T_ABI)
