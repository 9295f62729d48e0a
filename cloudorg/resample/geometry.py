"""Where source pixels lie on a domain: cache keys of source grids, source pixel centres in
the domain's plane, and the resolution ratio of a source grid to a domain.

Examples
--------
>>> from pyresample.geometry import AreaDefinition
>>> from cloudorg.domains import Domain
>>> dom = Domain.from_bounds("box", -55, -54, 14, 15, resolution_km=2)
>>> src = AreaDefinition("ll", "", "", "EPSG:4326", 100, 100, (-55.5, 13.5, -53.5, 15.5))
>>> x, y = domain_plane(src, dom, slice(0, 2), slice(0, 3))
>>> x.shape
(2, 3)
"""

from __future__ import annotations

import hashlib

import numpy as np
import pyproj
from pyresample.geometry import AreaDefinition, SwathDefinition

from ..domains import Domain
from ..errors import ConfigError

__all__ = ["Geometry", "domain_cells", "domain_lonlats", "domain_plane", "resolution_ratio",
           "source_key", "swath_lonlats"]  # fmt: skip

Geometry = AreaDefinition | SwathDefinition

_domain_lonlats: dict[str, tuple[np.ndarray, np.ndarray]] = {}


def source_key(geometry: Geometry) -> str:
    """A stable identifier of a source grid, used in the cache keys of resampling tables.

    Areas are identified by projection, extent and shape; swaths by a hash of their
    longitude and latitude arrays.

    Examples
    --------
    >>> from pyresample.geometry import AreaDefinition
    >>> a = AreaDefinition("a", "", "", "EPSG:4326", 10, 10, (0, 0, 1, 1))
    >>> source_key(a) == source_key(a.copy())
    True
    """
    digest = hashlib.blake2b(digest_size=16)
    if isinstance(geometry, AreaDefinition):
        digest.update(geometry.crs.to_wkt().encode())
        digest.update(np.asarray(geometry.area_extent, dtype=np.float64).tobytes())
        digest.update(np.asarray(geometry.shape, dtype=np.int64).tobytes())
    elif isinstance(geometry, SwathDefinition):
        lons, lats = swath_lonlats(geometry)
        digest.update(lons.tobytes())
        digest.update(lats.tobytes())
    else:
        raise ConfigError(
            f"source geometry of type {type(geometry).__name__}: expected a pyresample "
            "AreaDefinition or SwathDefinition"
        )
    return digest.hexdigest()


def swath_lonlats(geometry: SwathDefinition) -> tuple[np.ndarray, np.ndarray]:
    """Longitudes and latitudes of a swath as float64 numpy arrays.

    Examples
    --------
    >>> import numpy as np
    >>> from pyresample.geometry import SwathDefinition
    >>> lon, lat = swath_lonlats(SwathDefinition(np.zeros((2, 2)), np.ones((2, 2))))
    >>> lon.dtype, float(lat.sum())
    (dtype('float64'), 4.0)
    """
    lons = np.asarray(getattr(geometry.lons, "values", geometry.lons), dtype=np.float64)
    lats = np.asarray(getattr(geometry.lats, "values", geometry.lats), dtype=np.float64)
    return lons, lats


def domain_lonlats(domain: Domain) -> tuple[np.ndarray, np.ndarray]:
    """The domain's pixel-centre longitudes and latitudes, computed once per process.

    Examples
    --------
    >>> from cloudorg.domains import get_domain
    >>> domain_lonlats(get_domain("eurec4a"))[0] is domain_lonlats(get_domain("eurec4a"))[0]
    True
    """
    key = repr(domain)
    if key not in _domain_lonlats:
        _domain_lonlats[key] = domain.lonlats()
    return _domain_lonlats[key]


def domain_plane(
    source: Geometry, domain: Domain, rows: slice, cols: slice
) -> tuple[np.ndarray, np.ndarray]:
    """Coordinates (metres of the domain's projection) of the centres of a window of source
    pixels; ``inf`` or NaN where a pixel has no position (off the Earth disc).

    Parameters
    ----------
    source : AreaDefinition or SwathDefinition
        The source grid.
    domain : Domain
        Whose projection.
    rows, cols : slice
        The window of source pixels (steps of 1).

    Returns
    -------
    x, y : numpy.ndarray
        float64 arrays of the window's shape.

    Examples
    --------
    >>> from pyresample.geometry import AreaDefinition
    >>> from cloudorg.domains import Domain
    >>> dom = Domain.from_bounds("box", -55, -54, 14, 15, resolution_km=2)
    >>> x, y = domain_plane(dom.area, dom, slice(0, 1), slice(0, 2))
    >>> bool(np.allclose(x, dom.area.get_proj_vectors()[0][:2]))
    True
    """
    if isinstance(source, AreaDefinition):
        x, y = source.get_proj_coords(data_slice=(rows, cols), dtype=np.float64)
        crs = source.crs
    else:
        lons, lats = swath_lonlats(source)
        x, y, crs = lons[rows, cols], lats[rows, cols], pyproj.CRS("EPSG:4326")
    to_domain = pyproj.Transformer.from_crs(crs, domain.crs, always_xy=True)
    dx, dy = to_domain.transform(x, y)
    return np.asarray(dx, dtype=np.float64), np.asarray(dy, dtype=np.float64)


def domain_cells(domain: Domain, x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """The flat index of the domain pixel (cell) each point lies in; ``-1`` outside.

    Examples
    --------
    >>> from cloudorg.domains import Domain
    >>> dom = Domain.from_bounds("box", -55, -54, 14, 15, resolution_km=2)
    >>> xc, yc = dom.area.get_proj_vectors()
    >>> domain_cells(dom, np.array([xc[1], np.inf]), np.array([yc[0], yc[0]])).tolist()
    [1, -1]
    """
    x0, _, _, y1 = domain.area.area_extent
    ny, nx = domain.shape
    with np.errstate(invalid="ignore"):
        col = np.floor((x - x0) / domain.area.pixel_size_x)
        row = np.floor((y1 - y) / domain.area.pixel_size_y)
        inside = (col >= 0) & (col < nx) & (row >= 0) & (row < ny)
    return np.where(inside, row * nx + col, -1).astype(np.int64)


def resolution_ratio(source: Geometry, domain: Domain, index: np.ndarray) -> float:
    """How many source pixels span a domain pixel, along one side: the square root of the
    domain pixel's area over the area of the source pixel nearest the domain's centre.

    Parameters
    ----------
    source : AreaDefinition or SwathDefinition
        The source grid.
    domain : Domain
        The target grid.
    index : numpy.ndarray
        The nearest-neighbour lookup of the pair (flat source index per domain pixel,
        ``-1`` where none).

    Returns
    -------
    float
        2 for a 0.5 km band on a 1 km domain seen from above; NaN when the source covers no
        domain pixel or has no pixel area (a single row or column).

    Examples
    --------
    >>> from pyresample.geometry import AreaDefinition
    >>> from cloudorg.domains import Domain
    >>> dom = Domain.from_bounds("box", -55, -54, 14, 15, resolution_km=2)
    >>> from cloudorg.resample import lookup_for
    >>> ny, nx = dom.shape
    >>> fine = AreaDefinition("f", "", "", dom.crs, 4 * nx, 4 * ny, dom.area.area_extent)
    >>> round(resolution_ratio(fine, dom, lookup_for(fine, dom).index), 6)
    4.0
    """
    height, width = source.shape
    covered = np.argwhere(index >= 0)
    if covered.size == 0 or height < 2 or width < 2:
        return float("nan")
    centre = np.array(domain.shape) // 2
    row, col = covered[np.argmin(((covered - centre) ** 2).sum(axis=1))]
    r, c = divmod(int(index[row, col]), width)
    r0, c0 = min(r, height - 2), min(c, width - 2)
    x, y = domain_plane(source, domain, slice(r0, r0 + 2), slice(c0, c0 + 2))
    along_row = np.array([x[0, 1] - x[0, 0], y[0, 1] - y[0, 0]])
    along_col = np.array([x[1, 0] - x[0, 0], y[1, 0] - y[0, 0]])
    pixel_area = abs(along_row[0] * along_col[1] - along_row[1] * along_col[0])
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.sqrt(domain.area.pixel_size_x * domain.area.pixel_size_y / pixel_area)
    return float(ratio) if np.isfinite(ratio) else float("nan")
