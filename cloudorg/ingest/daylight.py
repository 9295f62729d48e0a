"""Where a scene's reflectances mean something: domain pixels lit by a sun higher than a
limit.

A reflectance needs sunlight: where the sun is low or below the horizon, calibrated
reflectances are noise around zero (±0.3 % on real ABI night scans) that a threshold reads
as clear sky. Ingest stores them as NaN there, so the RGB and greyscale made from them are
black (no data) and every cloud mask and tile filter sees missing pixels, not clear ones.

Examples
--------
>>> from datetime import datetime
>>> from cloudorg.domains import Domain
>>> dom = Domain.from_bounds("box", -56, -54, 13, 15, resolution_km=4)
>>> night_pixels(datetime(2020, 1, 20, 14), dom, 80.0) is None  # late morning: all lit
True
>>> bool(night_pixels(datetime(2020, 1, 20, 4), dom, 80.0).all())  # midnight: all dark
True
"""

from __future__ import annotations

from datetime import datetime

import numpy as np
from pyorbital.astronomy import sun_zenith_angle

from ..domains import Domain
from ..resample.geometry import domain_lonlats

__all__ = ["NIGHT_SOLAR_ZENITH", "night_pixels"]

NIGHT_SOLAR_ZENITH = 90.0
"""Solar zenith angle (degrees) beyond which no pixel has a reflectance when no other limit
is given: the sun is below the horizon."""

_EDGE_TOLERANCE = 0.1
"""Degrees: the solar zenith angle of a pixel centre inside the domain exceeds the largest
on its edge by less than this (half a pixel of a coarse domain)."""


def _edge(values: np.ndarray) -> np.ndarray:
    return np.concatenate([values[0], values[-1], values[:, 0], values[:, -1]])


def night_pixels(time: datetime, domain: Domain, max_solar_zenith: float) -> np.ndarray | None:
    """Domain pixels whose solar zenith angle exceeds ``max_solar_zenith`` at ``time``.

    The angle is the distance to the sub-solar point, which has no maximum inside a
    region: when every edge pixel is lit, so is the whole domain, and the field of angles
    is not computed (most daytime scenes).

    Parameters
    ----------
    time : datetime
        Scan start (UTC).
    domain : Domain
        The grid.
    max_solar_zenith : float
        Degrees.

    Returns
    -------
    numpy.ndarray of bool or None
        True at night, of the domain's shape; None when no pixel is.
    """
    lon, lat = domain_lonlats(domain)
    edge = sun_zenith_angle(time, _edge(lon), _edge(lat))
    if edge.max() <= max_solar_zenith - _EDGE_TOLERANCE:
        return None
    return np.asarray(sun_zenith_angle(time, lon, lat) > max_solar_zenith)
