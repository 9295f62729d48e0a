"""cloudorg.synthetic.modis: real-format MODIS L1b granules (MYD021KM with MYD03), read
back with satpy's own ``modis_l1b`` reader."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pytest
import xarray as xr
from satpy import Scene

from cloudorg.errors import ConfigError
from cloudorg.synthetic import sample_fields, write_modis_granule

from .conftest import BOUNDS, RES

pytestmark = pytest.mark.filterwarnings("ignore::UserWarning")

T_MODIS = dt.datetime(2020, 1, 20, 17, 30)
MODIS_QUANTITY = {
    "3": "reflectance_0p47",
    "1": "reflectance_0p64",
    "2": "reflectance_0p86",
    "6": "reflectance_1p6",
    "31": "brightness_temperature_11",
}


@pytest.fixture(scope="module")
def modis_files(fields: xr.Dataset, tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    return write_modis_granule(fields, tmp_path_factory.mktemp("modis"), start_time=T_MODIS)


@pytest.fixture(scope="module")
def modis_scene(modis_files: list[Path]) -> Scene:
    scene = Scene(reader="modis_l1b", filenames=[str(p) for p in modis_files])
    scene.load([*MODIS_QUANTITY, "4"])
    return scene


def test_modis_file_names(modis_files: list[Path]) -> None:
    assert [p.name for p in modis_files] == [
        "MYD021KM.A2020020.1730.061.2020021000000.hdf",
        "MYD03.A2020020.1730.061.2020021000000.hdf",
    ]


def test_modis_satpy_values_match_fields(modis_scene: Scene, fields: xr.Dataset) -> None:
    for band, quantity in MODIS_QUANTITY.items():
        data = modis_scene[band]
        assert data.attrs["resolution"] == 1000
        assert data.attrs["calibration"] == fields[quantity].attrs["units"].replace(
            "%", "reflectance"
        ).replace("K", "brightness_temperature")
        lon, lat = (np.asarray(a) for a in data.attrs["area"].get_lonlats())
        expected = sample_fields(fields, lon, lat, variables=[quantity])[quantity]
        values = data.values
        inside = np.isfinite(expected)
        np.testing.assert_array_equal(np.isfinite(values), inside)
        assert np.abs(values[inside] - expected[inside]).max() < 0.01, band
    # band 4 (0.555 µm) is indexed inside EV_500_Aggr1km_RefSB and lies between 0.47 and 0.64
    b3, b4, b1 = (modis_scene[b].values for b in ("3", "4", "1"))
    ok = np.isfinite(b4)
    assert np.all(np.minimum(b3, b1)[ok] - 0.01 <= b4[ok])
    assert np.all(b4[ok] <= np.maximum(b3, b1)[ok] + 0.01)


def test_modis_geolocation_covers_the_bounds(modis_scene: Scene) -> None:
    data = modis_scene["1"]
    lon, lat = (np.asarray(a) for a in data.attrs["area"].get_lonlats())
    valid = np.isfinite(data.values)
    lon_min, lon_max, lat_min, lat_max = BOUNDS
    assert lon_min - RES <= lon[valid].min() and lon[valid].max() <= lon_max + RES
    assert lat_min - RES <= lat[valid].min() and lat[valid].max() <= lat_max + RES
    # the swath spans the box; the fields fill about its area in 1 km pixels
    assert lon.min() < lon_min and lon.max() > lon_max
    assert lat.min() < lat_min and lat.max() > lat_max
    area_km2 = 2 * 111.32 * 2 * 111.32 * np.cos(np.radians(14))
    assert 0.7 < valid.sum() / area_km2 < 1.3
    # ascending daytime pass: latitude grows along track at nadir
    assert lat[-1, 677] > lat[0, 677]
    assert data.attrs["platform_name"] == "Aqua" and data.attrs["sensor"] == "modis"
    assert modis_scene.start_time == T_MODIS


def test_modis_5km_tie_points_interpolate_to_mod03(modis_files: list[Path]) -> None:
    both = Scene(reader="modis_l1b", filenames=[str(p) for p in modis_files])
    alone = Scene(reader="modis_l1b", filenames=[str(modis_files[0])])
    both.load(["31"])
    alone.load(["31"])
    lon_a, lat_a = (np.asarray(a) for a in both["31"].attrs["area"].get_lonlats())
    lon_b, lat_b = (np.asarray(a) for a in alone["31"].attrs["area"].get_lonlats())
    assert np.abs(lon_a - lon_b).max() < 0.01 and np.abs(lat_a - lat_b).max() < 0.01


def test_modis_night_granule_has_no_reflectance(fields: xr.Dataset, tmp_path: Path) -> None:
    paths = write_modis_granule(
        fields, tmp_path, start_time=dt.datetime(2020, 1, 21, 5, 50), night=True, n_columns=300
    )
    scene = Scene(reader="modis_l1b", filenames=[str(p) for p in paths])
    scene.load(["1", "31"])
    assert np.all(np.isnan(scene["1"].values))
    assert np.isfinite(scene["31"].values).sum() > 1000
    lat = np.asarray(scene["31"].attrs["area"].get_lonlats()[1])
    assert lat[-1, 150] < lat[0, 150]  # descending night pass
    assert scene["31"].shape[1] == 300


def test_modis_rejects_bad_arguments(fields: xr.Dataset, tmp_path: Path) -> None:
    for kwargs in ({"platform": "npp"}, {"n_columns": 2000}, {"n_scans": 0}):
        with pytest.raises(ConfigError):
            write_modis_granule(fields, tmp_path, start_time=T_MODIS, **kwargs)
