"""Nearest-neighbour resampling onto a domain through a cached index lookup.

Resampling a band is a gather: for every domain pixel, the flat index of the source pixel
that lands on it (``-1`` where none does). The lookup depends only on the source grid and
the domain, so it is computed once per (source grid, domain) pair and reused for every band
and every scan on the same grid: a GOES ABI sector that does not move costs one lookup for
a whole campaign. Applying a lookup is one ``numpy.take``.

- Source grids that are pyresample ``AreaDefinition`` s (ABI fixed grid, regular lon/lat
  files) are inverted analytically: domain lon/lat → source row/column.
- Swaths (MODIS) use a k-d tree on the swath pixels projected into the domain's plane, with
  a radius of influence beyond which a domain pixel stays empty.

Lookups are kept in a per-process LRU cache and, when ``cache_dir`` is given, in ``.npy``
files (plain arrays, never pickles) shared by every process of a cluster.

Examples
--------
>>> import numpy as np
>>> from pyresample.geometry import AreaDefinition
>>> from cloudorg.domains import Domain
>>> dom = Domain.from_bounds("box", -55, -54, 14, 15, resolution_km=2)
>>> src = AreaDefinition("ll", "", "", "EPSG:4326", 100, 100, (-55.5, 13.5, -53.5, 15.5))
>>> table = lookup_for(src, dom)
>>> out = resample(np.ones(src.shape, dtype="float32"), table)
>>> out.shape == dom.shape, bool(np.isfinite(out).all())
(True, True)
"""

from __future__ import annotations

import hashlib
import os
import tempfile
import threading
from collections import OrderedDict
from dataclasses import dataclass
from pathlib import Path

import dask.array as da
import numpy as np
import pyproj
import xarray as xr
from pyresample.geometry import AreaDefinition, SwathDefinition
from scipy.spatial import cKDTree

from .domains import Domain
from .errors import ConfigError

__all__ = [
    "DEFAULT_SWATH_RADIUS_M",
    "Lookup",
    "lookup_for",
    "resample",
    "source_key",
    "to_domain",
]

DEFAULT_SWATH_RADIUS_M = 5000.0
"""Radius of influence for swath sources: a domain pixel farther than this from every
swath pixel centre stays empty."""

_CACHE_SIZE = 16
_cache: OrderedDict[str, Lookup] = OrderedDict()
_cache_lock = threading.Lock()


@dataclass(frozen=True)
class Lookup:
    """Flat source index for every domain pixel (``-1``: no source pixel).

    Attributes
    ----------
    index : numpy.ndarray
        int64 array of the domain's shape.
    source_shape : tuple of int
        Shape of the source arrays the lookup applies to.
    """

    index: np.ndarray
    source_shape: tuple[int, int]

    @property
    def coverage(self) -> float:
        """Fraction of domain pixels that receive a source pixel."""
        return float(np.count_nonzero(self.index >= 0)) / self.index.size


def _domain_key(domain: Domain) -> str:
    return repr(domain)


def source_key(geometry: AreaDefinition | SwathDefinition) -> str:
    """A stable identifier of a source grid, used as the lookup's cache key.

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
        lons, lats = _swath_lonlats(geometry)
        digest.update(lons.tobytes())
        digest.update(lats.tobytes())
    else:
        raise ConfigError(
            f"source geometry of type {type(geometry).__name__}: expected a pyresample "
            "AreaDefinition or SwathDefinition"
        )
    return digest.hexdigest()


def _swath_lonlats(geometry: SwathDefinition) -> tuple[np.ndarray, np.ndarray]:
    lons = np.asarray(getattr(geometry.lons, "values", geometry.lons), dtype=np.float64)
    lats = np.asarray(getattr(geometry.lats, "values", geometry.lats), dtype=np.float64)
    return lons, lats


_domain_lonlats: dict[str, tuple[np.ndarray, np.ndarray]] = {}


def _lonlats_of(domain: Domain) -> tuple[np.ndarray, np.ndarray]:
    key = _domain_key(domain)
    if key not in _domain_lonlats:
        _domain_lonlats[key] = domain.lonlats()
    return _domain_lonlats[key]


def _area_lookup(source: AreaDefinition, domain: Domain) -> np.ndarray:
    lon, lat = _lonlats_of(domain)
    cols, rows = source.get_array_indices_from_lonlat(lon, lat)
    valid = ~(np.ma.getmaskarray(cols) | np.ma.getmaskarray(rows))
    cols = np.ma.getdata(cols).astype(np.int64)
    rows = np.ma.getdata(rows).astype(np.int64)
    valid &= (cols >= 0) & (cols < source.width) & (rows >= 0) & (rows < source.height)
    return np.where(valid, rows * source.width + cols, -1)


def _swath_lookup(source: SwathDefinition, domain: Domain, radius_m: float) -> np.ndarray:
    lons, lats = _swath_lonlats(source)
    finite = np.isfinite(lons) & np.isfinite(lats)
    to_xy = pyproj.Transformer.from_crs("EPSG:4326", domain.crs, always_xy=True)
    sx, sy = to_xy.transform(lons[finite], lats[finite])
    source_index = np.flatnonzero(finite.ravel())
    x, y = domain.area.get_proj_vectors()
    xx, yy = np.meshgrid(x, y)
    if source_index.size == 0:
        return np.full(domain.shape, -1, dtype=np.int64)
    tree = cKDTree(np.column_stack([sx, sy]))
    dist, nearest = tree.query(
        np.column_stack([xx.ravel(), yy.ravel()]), k=1, distance_upper_bound=radius_m
    )
    hit = np.isfinite(dist)
    flat = np.full(dist.shape, -1, dtype=np.int64)
    flat[hit] = source_index[nearest[hit]]
    return flat.reshape(domain.shape)


def _disk_path(cache_dir: str | os.PathLike[str], key: str) -> Path:
    return Path(cache_dir) / f"lookup-{key}.npy"


def _load_from_disk(path: Path, shape: tuple[int, int]) -> np.ndarray | None:
    try:
        index = np.load(path, allow_pickle=False)
    except (OSError, ValueError):
        return None
    return index if index.shape == shape and index.dtype == np.int64 else None


def _save_to_disk(path: Path, index: np.ndarray) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, suffix=".partial")
    with os.fdopen(fd, "wb") as fh:
        np.save(fh, index, allow_pickle=False)
    os.replace(tmp, path)


def lookup_for(
    source: AreaDefinition | SwathDefinition,
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
        Directory for lookups on disk, shared between processes.

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
    if radius_m <= 0:
        raise ConfigError(f"radius_m must be > 0 metres, got {radius_m}")
    key = hashlib.blake2b(
        f"{source_key(source)}|{_domain_key(domain)}|{radius_m}".encode(), digest_size=16
    ).hexdigest()
    with _cache_lock:
        if key in _cache:
            _cache.move_to_end(key)
            return _cache[key]
    index = None
    if cache_dir is not None:
        index = _load_from_disk(_disk_path(cache_dir, key), domain.shape)
    if index is None:
        if isinstance(source, AreaDefinition):
            index = _area_lookup(source, domain)
        else:
            index = _swath_lookup(source, domain, radius_m)
        if cache_dir is not None:
            _save_to_disk(_disk_path(cache_dir, key), index)
    table = Lookup(index=index, source_shape=tuple(source.shape))
    with _cache_lock:
        _cache[key] = table
        while len(_cache) > _CACHE_SIZE:
            _cache.popitem(last=False)
    return table


def resample(data: np.ndarray, lookup: Lookup, *, fill_value: float = np.nan) -> np.ndarray:
    """Apply a lookup to one source array.

    Parameters
    ----------
    data : numpy.ndarray
        2-D array on the source grid (``lookup.source_shape``).
    lookup : Lookup
        From :func:`lookup_for`.
    fill_value : float
        Value of domain pixels with no source pixel. Integer data keeps its dtype and
        needs an integer ``fill_value``.

    Returns
    -------
    numpy.ndarray
        Array of the domain's shape.

    Examples
    --------
    >>> import numpy as np
    >>> table = Lookup(index=np.array([[0, 3], [-1, 1]]), source_shape=(2, 2))
    >>> resample(np.array([[1.0, 2.0], [3.0, 4.0]]), table)
    array([[ 1.,  4.],
           [nan,  2.]])
    """
    data = np.asarray(data)
    if data.shape != lookup.source_shape:
        raise ConfigError(
            f"data of shape {data.shape} does not match the lookup's source grid "
            f"{lookup.source_shape}"
        )
    out = np.take(data.ravel(), np.maximum(lookup.index, 0))
    if np.issubdtype(out.dtype, np.integer) and not float(fill_value).is_integer():
        raise ConfigError(
            f"fill_value={fill_value} for integer data of dtype {out.dtype}: expected an integer"
        )
    out[lookup.index < 0] = fill_value
    return out


def to_domain(
    data: xr.DataArray,
    domain: Domain,
    *,
    radius_m: float = DEFAULT_SWATH_RADIUS_M,
    cache_dir: str | os.PathLike[str] | None = None,
) -> xr.DataArray:
    """Put a satpy band on a domain, lazily.

    The lookup is computed now (it is cheap and cached); the gather runs when the result is
    computed, one task per output chunk of the domain.

    Parameters
    ----------
    data : xarray.DataArray
        2-D ``(y, x)`` array with its pyresample grid in ``attrs["area"]`` (as satpy gives).
    domain : Domain
        Target grid.
    radius_m, cache_dir
        As for :func:`lookup_for`.

    Returns
    -------
    xarray.DataArray
        float32 on the domain's ``(y, x)`` with CF coordinates, NaN where no source pixel
        lands; the input's attributes less ``area``, plus ``grid_mapping``.

    Examples
    --------
    >>> import numpy as np, xarray as xr
    >>> from pyresample.geometry import AreaDefinition
    >>> from cloudorg.domains import Domain
    >>> dom = Domain.from_bounds("box", -55, -54, 14, 15, resolution_km=2)
    >>> src = AreaDefinition("ll", "", "", "EPSG:4326", 100, 100, (-55.5, 13.5, -53.5, 15.5))
    >>> band = xr.DataArray(np.ones((100, 100)), dims=("y", "x"), attrs={"area": src})
    >>> out = to_domain(band, dom)
    >>> out.chunks is not None, float(out.mean())
    (True, 1.0)
    """
    if data.ndim != 2:
        raise ConfigError(f"to_domain needs a 2-D band, got dims {data.dims}")
    if "area" not in data.attrs:
        raise ConfigError("to_domain needs the band's grid in data.attrs['area'] (as satpy sets)")
    table = lookup_for(data.attrs["area"], domain, radius_m=radius_m, cache_dir=cache_dir)
    source = da.asarray(data.data).astype(np.float32).rechunk(-1)
    index = da.from_array(table.index, chunks=(1024, 1024))
    gathered = da.map_blocks(
        lambda idx, src: resample(src, Lookup(idx, src.shape)),
        index, source, dtype=np.float32, meta=np.array((), dtype=np.float32),
    )  # fmt: skip
    attrs = {k: v for k, v in data.attrs.items() if k != "area"}
    attrs["grid_mapping"] = "crs"
    return xr.DataArray(gathered, dims=("y", "x"), coords=domain.coords(), attrs=attrs)
