"""Tests of cloudorg.synthetic: pattern fields and real-format ABI / MODIS files.

The satellite files are read back with satpy's own ``abi_l1b`` and ``modis_l1b`` readers.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import netCDF4
import numpy as np
import pytest
import xarray as xr
from pyorbital.astronomy import sun_zenith_angle
from satpy import Scene
from scipy import ndimage

from cloudorg.errors import ConfigError
from cloudorg.synthetic import (
    EUREC4A_BOUNDS,
    PATTERNS,
    sample_fields,
    synthesize_campaign,
    synthesize_fields,
    write_abi_scene,
    write_modis_granule,
    write_truth,
)
from cloudorg.synthetic.l1b import load_table, render

pytestmark = pytest.mark.filterwarnings("ignore::UserWarning")

BOUNDS = (-56.0, -54.0, 13.0, 15.0)
RES = 0.02
T_ABI = dt.datetime(2020, 1, 20, 15, 40)
T_MODIS = dt.datetime(2020, 1, 20, 17, 30)
ABI_QUANTITY = {
    "C01": "reflectance_0p47",
    "C02": "reflectance_0p64",
    "C03": "reflectance_0p86",
    "C05": "reflectance_1p6",
    "C13": "brightness_temperature_11",
}
MODIS_QUANTITY = {
    "3": "reflectance_0p47",
    "1": "reflectance_0p64",
    "2": "reflectance_0p86",
    "6": "reflectance_1p6",
    "31": "brightness_temperature_11",
}
# Stats are taken on a 6°x6° box at 0.02°: large enough for fish and flowers.
STATS_BOUNDS = (-58.0, -52.0, 12.0, 18.0)
PATTERNS_CODE = {name: code for code, name in PATTERNS.items()}


# --------------------------------------------------------------------------- helpers


def pattern_stats(fields: xr.Dataset, threshold: float = 10.0, min_area: int = 200) -> dict:
    """Cloud fraction, object sizes, clear gaps and anisotropy of a cloud mask."""
    mask = fields["reflectance_0p64"].values > threshold
    labels, _ = ndimage.label(mask)
    sizes = np.bincount(labels.ravel())[1:]
    elongation, angle, weight = [], [], []
    for k, box in enumerate(ndimage.find_objects(labels), start=1):
        if sizes[k - 1] < min_area:
            continue
        yy, xx = np.nonzero(labels[box] == k)
        eigval, eigvec = np.linalg.eigh(np.cov(np.vstack([yy, xx])))
        elongation.append(np.sqrt(eigval[1] / eigval[0]))
        angle.append(np.degrees(np.arctan2(abs(eigvec[0, 1]), abs(eigvec[1, 1]))))
        weight.append(sizes[k - 1])
    return {
        "cloud_fraction": float(mask.mean()),
        "mean_object_px": float(sizes.mean()),
        "clear_gap_px": float(np.percentile(ndimage.distance_transform_edt(~mask), 95)),
        "elongation": float(np.average(elongation, weights=weight)) if weight else 1.0,
        "major_axis_deg": float(np.average(angle, weights=weight)) if weight else 0.0,
        "cloud_reflectance": float(fields["reflectance_0p64"].values[mask].mean()),
    }


@pytest.fixture(scope="module")
def fields() -> xr.Dataset:
    return synthesize_fields(BOUNDS, resolution_deg=RES, seed=7, patterns=["gravel", "flower"])


@pytest.fixture(scope="module")
def stats() -> dict[str, dict]:
    return {
        name: pattern_stats(synthesize_fields(STATS_BOUNDS, resolution_deg=RES, patterns=name))
        for name in ("sugar", "gravel", "fish", "flower")
    }


@pytest.fixture(scope="module")
def abi_files(fields: xr.Dataset, tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    return write_abi_scene(fields, tmp_path_factory.mktemp("abi"), start_time=T_ABI)


@pytest.fixture(scope="module")
def abi_scene(abi_files: list[Path]) -> Scene:
    scene = Scene(reader="abi_l1b", filenames=[str(p) for p in abi_files])
    scene.load(list(ABI_QUANTITY))
    return scene


@pytest.fixture(scope="module")
def modis_files(fields: xr.Dataset, tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    return write_modis_granule(fields, tmp_path_factory.mktemp("modis"), start_time=T_MODIS)


@pytest.fixture(scope="module")
def modis_scene(modis_files: list[Path]) -> Scene:
    scene = Scene(reader="modis_l1b", filenames=[str(p) for p in modis_files])
    scene.load([*MODIS_QUANTITY, "4"])
    return scene


# --------------------------------------------------------------------------- fields


def test_fields_grid_and_variables(fields: xr.Dataset) -> None:
    assert fields.sizes == {"lat": 100, "lon": 100}
    assert np.all(np.diff(fields.lat) < 0) and np.all(np.diff(fields.lon) > 0)
    np.testing.assert_allclose(fields.lat[[0, -1]], [14.99, 13.01])
    np.testing.assert_allclose(fields.lon[[0, -1]], [-55.99, -54.01])
    assert fields.lat.attrs["units"] == "degrees_north" and fields.lon.attrs["axis"] == "X"
    for name in ("reflectance_0p47", "reflectance_0p64", "reflectance_0p86", "reflectance_1p6"):
        assert fields[name].attrs["units"] == "%" and fields[name].dtype == np.float32
    assert fields.brightness_temperature_11.attrs["units"] == "K"
    assert fields.pattern.dtype == np.int8
    assert list(fields.pattern.attrs["flag_values"]) == list(PATTERNS)
    assert fields.pattern.attrs["flag_meanings"].split() == list(PATTERNS.values())
    assert set(np.unique(fields.pattern).tolist()) == {2, 4}


def test_clear_ocean_values() -> None:
    clear = synthesize_fields(BOUNDS, resolution_deg=RES, patterns="clear", seed=1)
    expected = {
        "reflectance_0p47": 8.0,
        "reflectance_0p64": 5.0,
        "reflectance_0p86": 3.0,
        "reflectance_1p6": 2.0,
        "brightness_temperature_11": 297.0,
    }
    for name, value in expected.items():
        assert abs(float(clear[name].mean()) - value) < 1.0, name
    assert int(clear.cloud_mask.sum()) == 0 and np.all(clear.pattern == 0)
    assert float(clear.reflectance_0p64.max()) < 7.0


def test_clouds_brighter_and_colder_than_ocean(fields: xr.Dataset) -> None:
    cloudy = fields.cloud_mask.values == 1
    for name in ("reflectance_0p47", "reflectance_0p64", "reflectance_0p86", "reflectance_1p6"):
        assert fields[name].values[cloudy].mean() > fields[name].values[~cloudy].mean() + 10
    assert (
        fields.reflectance_1p6.values[cloudy].mean() < fields.reflectance_0p64.values[cloudy].mean()
    )
    bt = fields.brightness_temperature_11.values
    assert bt[cloudy].mean() < bt[~cloudy].mean() - 2
    assert bt.min() > 285.0


def test_patterns_have_distinct_statistics(stats: dict[str, dict]) -> None:
    sugar, gravel, fish, flower = (stats[k] for k in ("sugar", "gravel", "fish", "flower"))
    # object size: sugar smallest, gravel small cells, fish and flower mesoscale
    assert sugar["mean_object_px"] < 0.7 * gravel["mean_object_px"]
    assert 20 * gravel["mean_object_px"] < min(fish["mean_object_px"], flower["mean_object_px"])
    # flowers: isotropic 50–200 km clumps; equivalent diameter of the mean object
    diameter_km = 2 * np.sqrt(flower["mean_object_px"] / np.pi) * RES * 111.32
    assert 50 < diameter_km < 200 and flower["elongation"] < 1.6
    # fish: elongated, roughly east–west
    assert fish["elongation"] > 2.5 and fish["major_axis_deg"] < 35
    # sugar has no large clear pockets; fish and flowers have wide clear gaps
    assert sugar["clear_gap_px"] <= gravel["clear_gap_px"] < 5
    assert min(fish["clear_gap_px"], flower["clear_gap_px"]) > 5 * gravel["clear_gap_px"]
    # brightness: dim sugar, moderately bright gravel, bright flower cores
    assert 8 < sugar["cloud_reflectance"] < 20
    assert 25 < gravel["cloud_reflectance"] < 45
    assert 40 < flower["cloud_reflectance"] < 70
    assert sugar["cloud_fraction"] > 0.15 and flower["cloud_fraction"] < 0.5


def test_fields_reproducible_for_a_seed_and_different_across_seeds() -> None:
    a = synthesize_fields(BOUNDS, resolution_deg=RES, seed=3)
    b = synthesize_fields(BOUNDS, resolution_deg=RES, seed=3)
    c = synthesize_fields(BOUNDS, resolution_deg=RES, seed=4)
    xr.testing.assert_identical(a, b)
    assert not np.array_equal(a.reflectance_0p64.values, c.reflectance_0p64.values)


def test_default_patterns_are_two_to_four_organised_regions() -> None:
    for seed in range(6):
        ds = synthesize_fields(STATS_BOUNDS, resolution_deg=0.05, seed=seed)
        codes = set(np.unique(ds.pattern).tolist())
        names = ds.attrs["patterns"].split()
        assert 2 <= len(names) <= 4 and codes == {PATTERNS_CODE[n] for n in names}
        assert 0 not in codes


def test_sample_fields_nearest_and_bilinear(fields: xr.Dataset) -> None:
    lon, lat = fields.lon.values, fields.lat.values
    grid = fields.reflectance_0p64.values
    centres = sample_fields(fields, np.array([lon[3], lon[4]]), np.array([lat[5], lat[5]]))
    np.testing.assert_array_equal(centres["reflectance_0p64"], grid[5, 3:5])
    mid = sample_fields(
        fields,
        np.array([0.5 * (lon[3] + lon[4])]),
        np.array([lat[5]]),
        variables=["reflectance_0p64"],
        method="bilinear",
    )
    np.testing.assert_allclose(mid["reflectance_0p64"], grid[5, 3:5].mean(), rtol=1e-5)
    outside = sample_fields(fields, np.array([lon[0] - RES, np.inf]), np.array([lat[0], 0.0]))
    assert np.isnan(outside["brightness_temperature_11"]).all()
    with pytest.raises(ConfigError):
        sample_fields(fields, lon, lat, method="cubic")


def test_high_cloud_fails_the_warm_bt_filter() -> None:
    warm = synthesize_fields(BOUNDS, resolution_deg=RES, seed=2, patterns="flower")
    cold = synthesize_fields(BOUNDS, resolution_deg=RES, seed=2, patterns="flower", high_cloud=True)
    assert float(warm.brightness_temperature_11.quantile(0.25)) > 285
    assert float(cold.brightness_temperature_11.quantile(0.25)) < 285
    assert 215 < float(cold.brightness_temperature_11.min()) < 240


@pytest.mark.parametrize(
    "kwargs",
    [
        {"bounds": (-50.0, -60.0, 10.0, 20.0)},
        {"bounds": (0.0, 1.0)},
        {"resolution_deg": 0.0},
        {"patterns": "cumulonimbus"},
        {"patterns": []},
        {"seed": -1},
    ],
)
def test_synthesize_fields_rejects_bad_arguments(kwargs: dict) -> None:
    with pytest.raises(ConfigError):
        synthesize_fields(**{"bounds": BOUNDS, **kwargs})


def test_full_eurec4a_scene_shape() -> None:
    ds = synthesize_fields(EUREC4A_BOUNDS, patterns=["sugar", "fish"], seed=0)
    assert ds.sizes == {"lat": 1000, "lon": 1200}


# --------------------------------------------------------------------------- attribute tables


def test_attribute_tables_keep_numeric_dtypes() -> None:
    abi, modis = load_table("abi.yaml"), load_table("modis.yaml")
    dqf = abi["variables"]["DQF"]
    assert type(dqf["fill"]) is np.int8 and dqf["attrs"]["flag_values"].dtype == np.int8
    assert dqf["attrs"]["flag_values"].tolist() == [0, 1, 2, 3, 4]
    assert abi["variables"]["maximum_focal_plane_temperature"]["attrs"]["valid_range"].dtype == (
        np.float32
    )
    assert modis["sds"]["Range"]["valid_range"].dtype == np.uint16
    assert modis["band_numbers"]["Band_1KM_RefSB"].dtype == np.float32
    assert modis["core_metadata"]["GROUP INVENTORYMETADATA"]["GROUPTYPE"] == "MASTERGROUP"


def test_render_fills_placeholders() -> None:
    scale = np.float32(0.5)
    out = render({"a": "{scale}", "b": ["{n:03d} px"], "c": 1.0}, {"scale": scale, "n": 7})
    assert out["a"] is scale and out["b"] == ["007 px"] and out["c"] == 1.0
    with pytest.raises(KeyError):
        render("{missing}", {})


# --------------------------------------------------------------------------- ABI


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


# --------------------------------------------------------------------------- MODIS


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


# --------------------------------------------------------------------------- truth and campaign


def test_write_truth(fields: xr.Dataset, tmp_path: Path) -> None:
    path = write_truth(fields, tmp_path, platform="G16", sensor="abi", start_time=T_ABI)
    assert path.name == "cloudorg-truth_G16_20200120T154000.nc"
    with xr.open_dataset(path) as truth:
        assert truth.pattern.dtype == np.int8
        np.testing.assert_array_equal(truth.pattern.values, fields.pattern.values)
        np.testing.assert_allclose(truth.lat.values, fields.lat.values)
        assert truth.pattern.attrs["flag_meanings"] == "clear sugar gravel fish flower"
        assert list(truth.pattern.attrs["flag_values"]) == [0, 1, 2, 3, 4]
        assert truth.attrs["platform"] == "G16" and truth.attrs["sensor"] == "abi"
        assert truth.attrs["start_time"] == "2020-01-20T15:40:00"
        assert "reflectance_0p64" not in truth


def test_synthesize_campaign(tmp_path: Path) -> None:
    paths = synthesize_campaign(
        tmp_path,
        4,
        sensors=("abi", "modis"),
        bounds=BOUNDS,
        resolution_deg=0.05,
        start=dt.datetime(2020, 1, 20, 19, 0),
        interval=dt.timedelta(hours=1),
        seed=10,
        progress=True,
        high_cloud_scenes=(2,),
        sensor_kwargs={"abi": {"bands": ("C02", "C13")}, "modis": {"n_columns": 200}},
    )
    assert all(p.exists() and p.parent == tmp_path for p in paths)
    assert sorted(paths) == sorted(tmp_path.iterdir())
    truths = [p for p in paths if p.name.startswith("cloudorg-truth_")]
    assert len(paths) == 12 and len(truths) == 4
    assert len([p for p in paths if p.name.startswith("OR_ABI-L1b-RadM1")]) == 4
    assert len([p for p in paths if p.name.startswith(("MYD021KM", "MYD03"))]) == 4
    times, seeds = [], []
    for i, path in enumerate(truths):
        with xr.open_dataset(path) as truth:
            assert truth.attrs["sensor"] == ("abi", "modis")[i % 2]
            assert truth.attrs["high_cloud"] == int(i == 2)
            times.append(dt.datetime.fromisoformat(truth.attrs["start_time"]))
            seeds.append(truth.attrs["seed"])
    assert seeds == [10, 11, 12, 13]
    assert times == sorted(times) and len(set(times)) == 4
    # every scene is in daylight; 21:00 and later are moved to the next morning
    for time in times:
        assert np.all(sun_zenith_angle(time, np.array([-56.0, -54.0]), np.array([13.0, 15.0])) < 75)
    assert times[0] == dt.datetime(2020, 1, 20, 19, 0) and times[-1].day == 21
    # the MODIS granule starts on a whole 5 minutes and names its files after it
    assert times[1].minute % 5 == 0
    assert any(p.name == f"MYD03.A{times[1]:%Y%j.%H%M}.061.2020021000000.hdf" for p in paths)


def test_campaign_rejects_bad_arguments(tmp_path: Path) -> None:
    for kwargs in (
        {"sensors": ("viirs",)},
        {"sensors": ()},
        {"interval": dt.timedelta(0)},
        {"sensors": ("modis",), "interval": dt.timedelta(minutes=1)},
    ):
        with pytest.raises(ConfigError):
            synthesize_campaign(tmp_path, 1, bounds=BOUNDS, **kwargs)
    with pytest.raises(ConfigError):
        synthesize_campaign(tmp_path, -1, bounds=BOUNDS)
