"""Domains: the named EUREC4A domain and domains from bounds."""

from __future__ import annotations

import pyproj
import pytest

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
