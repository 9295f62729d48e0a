"""Domain grids: the regular projected grids that every scene of a campaign is resampled onto.

A domain is a pyresample ``AreaDefinition`` with a name and the lon/lat box it was built
from. Named domains live in :data:`DOMAINS`; custom ones come from :meth:`Domain.from_bounds`.
Grids are local Lambert azimuthal equal-area projections centred on the box, so that a
pixel has the same area everywhere in the domain (cloud fractions and object sizes stay
comparable across the domain).

Examples
--------
>>> dom = get_domain("eurec4a")
>>> dom.shape
(1116, 1318)
>>> round(dom.resolution_km, 3)
1.0
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cached_property
from typing import Any

import numpy as np
import pyproj
import xarray as xr
from pyresample.geometry import AreaDefinition

from .errors import ConfigError

__all__ = ["DOMAINS", "Domain", "get_domain"]


@dataclass(frozen=True)
class Domain:
    """A named regular grid in a local equal-area projection.

    Parameters
    ----------
    name : str
        Short identifier (letters, digits, ``-`` and ``_``).
    lon_min, lon_max, lat_min, lat_max : float
        The lon/lat box, in degrees east and north, the grid covers.
    resolution_km : float
        Pixel edge in kilometres.

    Examples
    --------
    >>> dom = Domain.from_bounds("barbados", -60, -58, 12, 14, resolution_km=2.0)
    >>> dom.area.shape
    (112, 110)
    """

    name: str
    lon_min: float
    lon_max: float
    lat_min: float
    lat_max: float
    resolution_km: float = 1.0

    def __post_init__(self) -> None:
        if not self.name or not all(c.isalnum() or c in "-_" for c in self.name):
            raise ConfigError(f"domain name {self.name!r}: expected letters, digits, '-' or '_'")
        if not (-180 <= self.lon_min < self.lon_max <= 180):
            raise ConfigError(
                f"domain {self.name!r}: expected -180 <= lon_min < lon_max <= 180, "
                f"got lon_min={self.lon_min}, lon_max={self.lon_max}"
            )
        if not (-90 <= self.lat_min < self.lat_max <= 90):
            raise ConfigError(
                f"domain {self.name!r}: expected -90 <= lat_min < lat_max <= 90, "
                f"got lat_min={self.lat_min}, lat_max={self.lat_max}"
            )
        if not self.resolution_km > 0:
            raise ConfigError(
                f"domain {self.name!r}: resolution_km must be > 0, got {self.resolution_km}"
            )

    @classmethod
    def from_bounds(
        cls,
        name: str,
        lon_min: float,
        lon_max: float,
        lat_min: float,
        lat_max: float,
        *,
        resolution_km: float = 1.0,
    ) -> Domain:
        """Make a custom domain from a lon/lat box and a resolution.

        Examples
        --------
        >>> Domain.from_bounds("box", -55, -54, 14, 15, resolution_km=1).shape
        (112, 110)
        """
        return cls(
            name, float(lon_min), float(lon_max), float(lat_min), float(lat_max), resolution_km
        )

    @classmethod
    def from_attrs(cls, attrs: dict[str, Any]) -> Domain:
        """Rebuild a domain from the attributes :meth:`to_attrs` wrote into a store.

        Examples
        --------
        >>> dom = get_domain("eurec4a")
        >>> Domain.from_attrs(dom.to_attrs()) == dom
        True
        """
        spec = attrs["domain"]
        if isinstance(spec, str):
            spec = json.loads(spec)
        return cls(
            spec["name"],
            spec["lon_min"],
            spec["lon_max"],
            spec["lat_min"],
            spec["lat_max"],
            spec["resolution_km"],
        )

    def to_attrs(self) -> dict[str, Any]:
        """The JSON-able description stored in a campaign store's attributes.

        Examples
        --------
        >>> get_domain("eurec4a").to_attrs()["domain"]["resolution_km"]
        1.0
        """
        return {
            "domain": {
                "name": self.name,
                "lon_min": self.lon_min,
                "lon_max": self.lon_max,
                "lat_min": self.lat_min,
                "lat_max": self.lat_max,
                "resolution_km": self.resolution_km,
                "crs_wkt": self.crs.to_wkt(),
                "area_extent": list(self.area.area_extent),
                "shape": list(self.shape),
            }
        }

    @cached_property
    def crs(self) -> pyproj.CRS:
        """The local Lambert azimuthal equal-area projection of the domain."""
        lon_0 = 0.5 * (self.lon_min + self.lon_max)
        lat_0 = 0.5 * (self.lat_min + self.lat_max)
        return pyproj.CRS.from_proj4(
            f"+proj=laea +lat_0={lat_0:g} +lon_0={lon_0:g} +ellps=WGS84 +units=m +no_defs"
        )

    @cached_property
    def area(self) -> AreaDefinition:
        """The pyresample area of the grid: the projected box of the lon/lat bounds."""
        edge = np.linspace(0.0, 1.0, 181)
        lons = np.concatenate(
            [
                self.lon_min + (self.lon_max - self.lon_min) * edge,
                np.full_like(edge, self.lon_max),
                self.lon_min + (self.lon_max - self.lon_min) * edge,
                np.full_like(edge, self.lon_min),
            ]
        )
        lats = np.concatenate(
            [
                np.full_like(edge, self.lat_min),
                self.lat_min + (self.lat_max - self.lat_min) * edge,
                np.full_like(edge, self.lat_max),
                self.lat_min + (self.lat_max - self.lat_min) * edge,
            ]
        )
        to_xy = pyproj.Transformer.from_crs("EPSG:4326", self.crs, always_xy=True)
        xs, ys = to_xy.transform(lons, lats)
        res = self.resolution_km * 1000.0
        x0 = np.floor(xs.min() / res) * res
        x1 = np.ceil(xs.max() / res) * res
        y0 = np.floor(ys.min() / res) * res
        y1 = np.ceil(ys.max() / res) * res
        width = round((x1 - x0) / res)
        height = round((y1 - y0) / res)
        return AreaDefinition(
            self.name, f"cloudorg domain {self.name}", self.name, self.crs, width, height,
            (x0, y0, x1, y1),
        )  # fmt: skip

    @property
    def shape(self) -> tuple[int, int]:
        """``(ny, nx)`` of the grid."""
        return self.area.shape

    @property
    def center_lonlat(self) -> tuple[float, float]:
        """Longitude and latitude of the centre of the lon/lat box."""
        return 0.5 * (self.lon_min + self.lon_max), 0.5 * (self.lat_min + self.lat_max)

    def coords(self) -> dict[str, xr.DataArray]:
        """CF coordinates ``x`` and ``y`` (pixel centres, metres of the projection).

        ``y`` decreases with the row index (north up).

        Examples
        --------
        >>> c = get_domain("eurec4a").coords()
        >>> c["x"].attrs["units"], bool(c["y"][0] > c["y"][-1])
        ('m', True)
        """
        x, y = self.area.get_proj_vectors()
        return {
            "x": xr.DataArray(
                x,
                dims="x",
                attrs={
                    "standard_name": "projection_x_coordinate",
                    "long_name": "x coordinate of projection",
                    "units": "m",
                    "axis": "X",
                },
            ),
            "y": xr.DataArray(
                y,
                dims="y",
                attrs={
                    "standard_name": "projection_y_coordinate",
                    "long_name": "y coordinate of projection",
                    "units": "m",
                    "axis": "Y",
                },
            ),
        }

    def grid_mapping(self) -> xr.DataArray:
        """The CF grid-mapping variable (``crs``) that data variables point to.

        Examples
        --------
        >>> get_domain("eurec4a").grid_mapping().attrs["grid_mapping_name"]
        'lambert_azimuthal_equal_area'
        """
        attrs = self.crs.to_cf()
        attrs["long_name"] = f"cloudorg domain {self.name}"
        return xr.DataArray(np.int32(0), attrs=attrs)

    def lonlats(self) -> tuple[np.ndarray, np.ndarray]:
        """Longitude and latitude of every pixel centre, each of shape :attr:`shape`.

        Examples
        --------
        >>> lon, lat = get_domain("eurec4a").lonlats()
        >>> bool(-61 < lon.min() and lon.max() < -47)
        True
        """
        lon, lat = self.area.get_lonlats()
        return lon.astype(np.float64), lat.astype(np.float64)


DOMAINS: dict[str, Domain] = {
    "eurec4a": Domain("eurec4a", -60.0, -48.0, 10.0, 20.0, 1.0),
}
"""Named domains. ``eurec4a``: 60°W–48°W, 10°N–20°N at 1 km (Stevens et al. 2019)."""


def get_domain(domain: str | Domain) -> Domain:
    """Return a named domain, or the given :class:`Domain` unchanged.

    Parameters
    ----------
    domain : str or Domain
        A key of :data:`DOMAINS` or a domain object.

    Raises
    ------
    ConfigError
        For an unknown name.

    Examples
    --------
    >>> get_domain("eurec4a").name
    'eurec4a'
    """
    if isinstance(domain, Domain):
        return domain
    try:
        return DOMAINS[domain]
    except KeyError:
        raise ConfigError(
            f"domain {domain!r} is not a named domain; expected one of {sorted(DOMAINS)} "
            "or a cloudorg.domains.Domain (Domain.from_bounds(...))"
        ) from None
