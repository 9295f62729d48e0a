"""Domains and the cached nearest-neighbour lookups."""

from __future__ import annotations

import numpy as np
import pyproj
import pytest
from pyresample.geometry import AreaDefinition, SwathDefinition

from cloudorg import resample as rs
from cloudorg.domains import Domain, get_domain
from cloudorg.errors import ConfigError


def test_eurec4a_domain_is_1km_equal_area_over_the_box():
    dom = get_domain("eurec4a")
    lon, lat = dom.lonlats()
    assert lon.min() < -60 and lon.max() > -48 and lat.min() < 10 and lat.max() > 20
    assert dom.area.resolution == (1000.0, 1000.0)
    geod = pyproj.Geod(ellps="WGS84")
    # equal area: a pixel has the same area at the centre and in a corner
    for r, c in [(dom.shape[0] // 2, dom.shape[1] // 2), (5, 5)]:
        lons = [lon[r, c], lon[r, c + 1], lon[r + 1, c + 1], lon[r + 1, c]]
        lats = [lat[r, c], lat[r, c + 1], lat[r + 1, c + 1], lat[r + 1, c]]
        area, _ = geod.polygon_area_perimeter(lons, lats)
        assert abs(area) / 1e6 == pytest.approx(1.0, rel=5e-3)


@pytest.mark.parametrize(
    "bounds, msg",
    [((-50, -60, 10, 20), "lon_min < lon_max"), ((-60, -50, 20, 10), "lat_min < lat_max")],
)
def test_bad_bounds_are_refused_with_the_argument_named(bounds, msg):
    with pytest.raises(ConfigError, match=msg):
        Domain.from_bounds("bad", *bounds)
    with pytest.raises(ConfigError, match="resolution_km"):
        Domain.from_bounds("bad", -60, -50, 10, 20, resolution_km=0)
    with pytest.raises(ConfigError, match="not a named domain"):
        get_domain("atlantis")


def test_area_lookup_puts_each_pixel_at_its_lonlat():
    dom = Domain.from_bounds("box", -55, -54, 14, 15, resolution_km=1)
    src = AreaDefinition("ll", "", "", "EPSG:4326", 400, 300, (-56, 13.5, -53, 15.75))
    src_lon, src_lat = src.get_lonlats()
    out = rs.resample(src_lon.astype(np.float64), rs.lookup_for(src, dom))
    lon, _ = dom.lonlats()
    # nearest neighbour: within half a source pixel (0.0075 deg) of the true longitude
    assert np.abs(out - lon).max() <= 0.0075 + 1e-9
    out_lat = rs.resample(src_lat.astype(np.float64), rs.lookup_for(src, dom))
    assert np.abs(out_lat - dom.lonlats()[1]).max() <= 0.0075 + 1e-9


def test_swath_lookup_respects_the_radius_and_finds_the_nearest_pixel():
    dom = Domain.from_bounds("box", -55, -54, 14, 15, resolution_km=2)
    lon, lat = np.meshgrid(np.linspace(-55.5, -54.5, 120), np.linspace(15.5, 13.5, 240))
    swath = SwathDefinition(lons=lon, lats=lat)
    table = rs.lookup_for(swath, dom, radius_m=5000)
    # the swath covers the western half of the box only
    dom_lon, _ = dom.lonlats()
    assert (table.index[dom_lon < -54.55] >= 0).all()
    assert (table.index[dom_lon > -54.4] < 0).all()
    values = rs.resample(lon, table)
    inside = dom_lon < -54.5  # within the swath: nearest is within half a swath pixel
    assert np.abs(values[inside] - dom_lon[inside]).max() < 0.0045
    assert np.isnan(values[table.index < 0]).all()


@pytest.mark.parametrize("method, pixels", [("nearest", 50), ("area_mean", 400)])
def test_tables_are_cached_in_memory_and_on_disk(tmp_path, method, pixels):
    dom = Domain.from_bounds("box", -55, -54, 14, 15, resolution_km=2)
    src = AreaDefinition("ll", "", "", "EPSG:4326", pixels, pixels, (-56, 13.5, -53, 15.75))
    first = rs.resampler_for(src, dom, method=method, cache_dir=tmp_path)
    assert first.method == method
    assert rs.resampler_for(src.copy(), dom, method=method, cache_dir=tmp_path) is first
    files = sorted(p.name.split("-")[0] for p in tmp_path.glob("*.npz"))
    assert files == (["lookup"] if method == "nearest" else ["areamean", "lookup"])
    rs.clear_cache()
    again = rs.resampler_for(src, dom, method=method, cache_dir=tmp_path)
    assert again is not first
    for name, array in first.to_arrays().items():
        np.testing.assert_array_equal(again.to_arrays()[name], array)


def test_resample_checks_shapes_and_integer_fill():
    table = rs.Lookup(index=np.array([[0, -1]]), source_shape=(1, 2))
    with pytest.raises(ConfigError, match="does not match"):
        rs.resample(np.zeros((2, 2)), table)
    assert rs.resample(np.array([[7, 8]], dtype=np.uint8), table, fill_value=255).tolist() == [
        [7, 255]
    ]
    with pytest.raises(ConfigError, match="integer"):
        rs.resample(np.array([[7, 8]], dtype=np.uint8), table)


def test_to_domain_is_lazy_and_equals_the_eager_gather():
    import xarray as xr

    dom = get_domain("eurec4a")
    src = AreaDefinition("ll", "", "", "EPSG:4326", 700, 600, (-61, 9, -47, 21))
    values = np.random.default_rng(0).random(src.shape).astype(np.float32)
    band = xr.DataArray(values, dims=("y", "x"), attrs={"area": src, "units": "%"})
    out = rs.to_domain(band, dom)
    assert out.chunks is not None and len(out.chunks[0]) > 1  # several output chunks
    table = rs.lookup_for(src, dom)
    assert out.attrs == {"units": "%", "grid_mapping": "crs", "resampling": "nearest",
                         "resolution_ratio": round(table.ratio, 3)}  # fmt: skip
    np.testing.assert_array_equal(out.values, rs.resample(values, table))
    with pytest.raises(ConfigError, match="attrs\\['area'\\]"):
        rs.to_domain(xr.DataArray(values, dims=("y", "x")), dom)
