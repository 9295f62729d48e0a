"""Resampling onto a domain, chosen per band by the ratio of resolutions.

- **Area mean** (:class:`AreaMean`) where the domain's pixel is coarser than the source's by
  :data:`AREA_MEAN_MIN_RATIO` or more along a side: each domain pixel is the mean of the
  source pixels whose centres fall in it (pyresample's bucket averaging), so a 0.5 km band
  on a 1 km domain keeps all four pixels of a cell instead of one; the variable records
  CF ``cell_methods: "area: mean"``, and :func:`contributing_pixels` counts the source
  pixels behind each domain pixel.
- **Nearest neighbour** (:class:`Lookup`) where the resolutions are comparable, and always
  for integer data (codes and flags are never averaged): each domain pixel takes the
  source pixel it lies on.

The ratio (:func:`~cloudorg.resample.geometry.resolution_ratio`) is measured, not taken
from a band's nominal resolution: the square root of a domain pixel's area over that of the
source pixel near the domain's centre, so an ABI pixel grown by the viewing angle counts
as the larger pixel it is. Tables depend only on the source grid and the domain; they are
cached in memory and, for fixed grids, on disk in the user's cache directory, so every
process reuses them (:mod:`cloudorg.resample.cache`); applying one is a ``numpy.take``
(nearest) or two ``numpy.bincount`` (area mean).

Examples
--------
>>> import numpy as np
>>> from pyresample.geometry import AreaDefinition
>>> from cloudorg.domains import Domain
>>> dom = Domain.from_bounds("box", -55, -54, 14, 15, resolution_km=2)
>>> src = AreaDefinition("ll", "", "", "EPSG:4326", 400, 400, (-55.5, 13.5, -53.5, 15.5))
>>> table = resampler_for(src, dom)  # 0.55 km source pixels, 2 km domain pixels
>>> table.method, table.attrs["cell_methods"], table.attrs["resolution_ratio"]
('area_mean', 'area: mean', 3.663)
>>> out = resample(np.ones(src.shape, dtype="float32"), table)
>>> out.shape == dom.shape, bool(np.isfinite(out).all())
(True, True)
"""

from __future__ import annotations

import hashlib
import os

import dask
import dask.array as da
import numpy as np
import numpy.typing as npt
import pyresample
import xarray as xr
from pyresample.geometry import AreaDefinition

from ..domains import Domain
from ..errors import ConfigError
from .area_mean import AreaMean, area_mean_table
from .cache import cached, clear_cache, default_cache_dir, table_dir
from .geometry import Geometry, resolution_ratio, source_key
from .nearest import Lookup, nearest_index

__all__ = [
    "AREA_MEAN_MIN_RATIO",
    "DEFAULT_SWATH_RADIUS_M",
    "METHODS",
    "AreaMean",
    "Lookup",
    "clear_cache",
    "contributing_pixels",
    "default_cache_dir",
    "lookup_for",
    "resample",
    "resampler_for",
    "source_key",
    "to_domain",
]

DEFAULT_SWATH_RADIUS_M = 5000.0
"""Radius of influence for swath sources: a domain pixel farther than this from every
swath pixel centre stays empty."""

AREA_MEAN_MIN_RATIO = 1.4
"""Source pixels per domain pixel along a side from which ``auto`` averages: about two
source pixels per domain pixel. Below it the resolutions are comparable and averaging
would mix one or two pixels unevenly; nearest neighbour keeps them whole."""

METHODS = ("auto", "nearest", "area_mean")
"""Resampling methods: ``auto`` chooses by the ratio of resolutions."""


def _key(source: Geometry, domain: Domain, radius_m: float, method: str) -> str:
    """The cache key of a table (pyresample's version included: it places the pixels)."""
    parts = (source_key(source), repr(domain), radius_m, method, pyresample.__version__)
    return hashlib.blake2b("|".join(map(str, parts)).encode(), digest_size=16).hexdigest()


def _disk(source: Geometry, cache_dir: str | os.PathLike[str] | None) -> os.PathLike[str] | None:
    return table_dir(cache_dir, fixed_grid=isinstance(source, AreaDefinition))


def lookup_for(
    source: Geometry,
    domain: Domain,
    *,
    radius_m: float = DEFAULT_SWATH_RADIUS_M,
    cache_dir: str | os.PathLike[str] | None = None,
) -> Lookup:
    """The nearest-neighbour lookup from a source grid onto a domain, cached.

    Parameters
    ----------
    source : AreaDefinition or SwathDefinition
        The grid of the source band (satpy puts it in ``data.attrs["area"]``).
    domain : Domain
        The target grid.
    radius_m : float
        Radius of influence for swath sources, in metres.
    cache_dir : path, optional
        Directory for tables on disk, shared between processes. By default, tables of fixed
        source grids (``AreaDefinition``) go to the user's cache directory
        (:func:`~cloudorg.resample.cache.default_cache_dir`, ``$CLOUDORG_CACHE``), so every
        process reuses them; tables of swaths stay in memory.

    Returns
    -------
    Lookup

    Examples
    --------
    >>> from pyresample.geometry import AreaDefinition
    >>> from cloudorg.domains import Domain
    >>> dom = Domain.from_bounds("box", -55, -54, 14, 15, resolution_km=2)
    >>> far = AreaDefinition("ll", "", "", "EPSG:4326", 10, 10, (0, 0, 1, 1))
    >>> lookup_for(far, dom).coverage
    0.0
    """
    if not radius_m > 0:
        raise ConfigError(f"radius_m must be > 0 metres, got {radius_m}")

    def build() -> Lookup:
        index = nearest_index(source, domain, radius_m)
        return Lookup(index, tuple(source.shape), resolution_ratio(source, domain, index))

    disk = _disk(source, cache_dir)
    return cached(_key(source, domain, radius_m, "nearest"), Lookup, build, disk)


def resampler_for(
    source: Geometry,
    domain: Domain,
    *,
    method: str = "auto",
    dtype: npt.DTypeLike = np.float32,
    radius_m: float = DEFAULT_SWATH_RADIUS_M,
    cache_dir: str | os.PathLike[str] | None = None,
) -> Lookup | AreaMean:
    """The resampling table of a band from a source grid onto a domain, cached.

    Parameters
    ----------
    source : AreaDefinition or SwathDefinition
        The grid of the source band.
    domain : Domain
        The target grid.
    method : {"auto", "nearest", "area_mean"}
        ``auto``: area mean when the source is finer than the domain by
        :data:`AREA_MEAN_MIN_RATIO` or more along a side, and the data are not integers;
        nearest neighbour otherwise.
    dtype : dtype
        Of the data to resample (integer data take their nearest pixel under ``auto``).
    radius_m, cache_dir
        As for :func:`lookup_for`.

    Returns
    -------
    Lookup or AreaMean
        Apply it with :func:`resample`; its ``attrs`` describe the method for the
        resampled variable.

    Examples
    --------
    >>> from pyresample.geometry import AreaDefinition
    >>> from cloudorg.domains import Domain
    >>> dom = Domain.from_bounds("box", -55, -54, 14, 15, resolution_km=2)
    >>> src = AreaDefinition("ll", "", "", "EPSG:4326", 100, 100, (-55.5, 13.5, -53.5, 15.5))
    >>> resampler_for(src, dom, dtype="uint8").method
    'nearest'
    >>> resampler_for(src, dom, method="bilinear")
    Traceback (most recent call last):
    ...
    cloudorg.errors.ConfigError: resampling method 'bilinear': expected one of ...
    """
    if method not in METHODS:
        raise ConfigError(f"resampling method {method!r}: expected one of {list(METHODS)}")
    nearest = lookup_for(source, domain, radius_m=radius_m, cache_dir=cache_dir)
    if method == "auto":
        averages = np.issubdtype(np.dtype(dtype), np.floating)
        method = "area_mean" if averages and nearest.ratio >= AREA_MEAN_MIN_RATIO else "nearest"
    if method == "nearest":
        return nearest
    key, disk = _key(source, domain, radius_m, "area_mean"), _disk(source, cache_dir)
    return cached(key, AreaMean, lambda: area_mean_table(source, domain, nearest), disk)


def _checked(data: npt.ArrayLike, table: Lookup | AreaMean) -> np.ndarray:
    data = np.asarray(data)
    if data.shape != table.source_shape:
        raise ConfigError(
            f"data of shape {data.shape} does not match the {table.method} table's source "
            f"grid {table.source_shape}"
        )
    return data


def resample(
    data: npt.ArrayLike, table: Lookup | AreaMean, *, fill_value: float = np.nan
) -> np.ndarray:
    """Apply a resampling table to one source array.

    Parameters
    ----------
    data : array_like
        2-D array on the source grid (``table.source_shape``).
    table : Lookup or AreaMean
        From :func:`resampler_for` or :func:`lookup_for`.
    fill_value : float
        Value of domain pixels with no source pixel. Integer data (nearest neighbour only)
        keep their dtype and need an integer ``fill_value``.

    Returns
    -------
    numpy.ndarray
        Array of the domain's shape (float32 for an area mean).

    Examples
    --------
    >>> import numpy as np
    >>> table = Lookup(index=np.array([[0, 3], [-1, 1]]), source_shape=(2, 2))
    >>> resample(np.array([[1.0, 2.0], [3.0, 4.0]]), table)
    array([[ 1.,  4.],
           [nan,  2.]])
    """
    data = _checked(data, table)
    if np.issubdtype(data.dtype, np.integer):
        if table.method != "nearest":
            raise ConfigError(f"integer data of dtype {data.dtype} (codes, flags) cannot be "
                              "averaged: resample them with the nearest method")  # fmt: skip
        if not float(fill_value).is_integer():
            raise ConfigError(
                f"fill_value={fill_value} for integer data of dtype {data.dtype}: expected an "
                "integer"
            )
    return table.apply(data, fill_value)


def contributing_pixels(data: npt.ArrayLike, table: Lookup | AreaMean) -> np.ndarray:
    """The number of source pixels with a value behind each domain pixel (int32): those
    averaged for an area mean, 1 or 0 for nearest neighbour.

    Examples
    --------
    >>> import numpy as np
    >>> from pyresample.geometry import AreaDefinition
    >>> from cloudorg.domains import Domain
    >>> dom = Domain.from_bounds("box", -55, -54.9, 14, 14.1, resolution_km=2)
    >>> ny, nx = dom.shape
    >>> fine = AreaDefinition("f", "", "", dom.crs, 3 * nx, 3 * ny, dom.area.area_extent)
    >>> data = np.ones(fine.shape, np.float32); data[0, 0] = np.nan
    >>> counts = contributing_pixels(data, resampler_for(fine, dom))
    >>> int(counts[0, 0]), int(counts[1, 1])
    (8, 9)
    """
    return table.contributing(_checked(data, table))


def to_domain(
    data: xr.DataArray,
    domain: Domain,
    *,
    method: str = "auto",
    radius_m: float = DEFAULT_SWATH_RADIUS_M,
    cache_dir: str | os.PathLike[str] | None = None,
) -> xr.DataArray:
    """Put a satpy band on a domain, lazily.

    The table is computed now (it is cached); the resampling runs when the result is
    computed: one gather per output chunk for nearest neighbour, one task for an area
    mean.

    Parameters
    ----------
    data : xarray.DataArray
        2-D ``(y, x)`` array with its pyresample grid in ``attrs["area"]`` (as satpy gives).
    domain : Domain
        Target grid.
    method, radius_m, cache_dir
        As for :func:`resampler_for`.

    Returns
    -------
    xarray.DataArray
        float32 on the domain's ``(y, x)`` with CF coordinates, NaN where no source pixel
        lands; the input's attributes less ``area``, plus ``grid_mapping`` and the
        resampling's (``resampling``, ``cell_methods`` for an area mean).

    Examples
    --------
    >>> import numpy as np, xarray as xr
    >>> from pyresample.geometry import AreaDefinition
    >>> from cloudorg.domains import Domain
    >>> dom = Domain.from_bounds("box", -55, -54, 14, 15, resolution_km=2)
    >>> src = AreaDefinition("ll", "", "", "EPSG:4326", 400, 400, (-55.5, 13.5, -53.5, 15.5))
    >>> band = xr.DataArray(np.ones((400, 400)), dims=("y", "x"), attrs={"area": src})
    >>> out = to_domain(band, dom)
    >>> out.chunks is not None, float(out.mean()), out.attrs["cell_methods"]
    (True, 1.0, 'area: mean')
    """
    if data.ndim != 2:
        raise ConfigError(f"to_domain needs a 2-D band, got dims {data.dims}")
    if "area" not in data.attrs:
        raise ConfigError("to_domain needs the band's grid in data.attrs['area'] (as satpy sets)")
    table = resampler_for(data.attrs["area"], domain, method=method, dtype=data.dtype,
                          radius_m=radius_m, cache_dir=cache_dir)  # fmt: skip
    source = da.asarray(data.data).astype(np.float32).rechunk(-1)
    if isinstance(table, AreaMean):
        whole = dask.delayed(table.apply)(source)
        values = da.from_delayed(whole, domain.shape, dtype=np.float32).rechunk(1024)
    else:
        index = da.from_array(table.index, chunks=(1024, 1024))
        values = da.map_blocks(
            lambda idx, src: resample(src, Lookup(idx, src.shape)),
            index, source, dtype=np.float32, meta=np.array((), dtype=np.float32),
        )  # fmt: skip
    attrs = {k: v for k, v in data.attrs.items() if k != "area"}
    attrs.update(grid_mapping="crs", **table.attrs)
    return xr.DataArray(values, dims=("y", "x"), coords=domain.coords(), attrs=attrs)
