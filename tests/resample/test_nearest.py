"""Nearest-neighbour lookups from fixed grids and swaths, applied to arrays and lazily to
bands."""

from __future__ import annotations

import numpy as np
import pytest
from pyresample.geometry import AreaDefinition, SwathDefinition

from cloudorg import resample as rs
from cloudorg.domains import Domain, get_domain
from cloudorg.errors import ConfigError


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
