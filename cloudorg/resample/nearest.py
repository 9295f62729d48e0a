"""Nearest-neighbour resampling: for every domain pixel, the flat index of the source pixel
that lands on it (``-1`` where none does); applying it is one ``numpy.take``.

- Source grids that are pyresample ``AreaDefinition`` s (ABI fixed grid, regular lon/lat
  files) are inverted analytically: domain lon/lat → source row/column.
- Swaths (MODIS) use a k-d tree on the swath pixels projected into the domain's plane, with
  a radius of influence beyond which a domain pixel stays empty.

Examples
--------
>>> import numpy as np
>>> table = Lookup(index=np.array([[0, 3], [-1, 1]]), source_shape=(2, 2))
>>> table.apply(np.array([[1.0, 2.0], [3.0, 4.0]]))
array([[ 1.,  4.],
       [nan,  2.]])
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from pyresample.geometry import AreaDefinition, SwathDefinition
from scipy.spatial import cKDTree

from ..domains import Domain
from .geometry import domain_lonlats, domain_plane

__all__ = ["Lookup", "nearest_index"]


@dataclass(frozen=True)
class Lookup:
    """Flat source index for every domain pixel (``-1``: no source pixel).

    Attributes
    ----------
    index : numpy.ndarray
        int64 array of the domain's shape.
    source_shape : tuple of int
        Shape of the source arrays the lookup applies to.
    ratio : float
        Source pixels per domain pixel along a side, near the domain's centre
        (:func:`~cloudorg.resample.geometry.resolution_ratio`); NaN when unknown.

    Examples
    --------
    >>> import numpy as np
    >>> Lookup(np.array([[0, -1]]), (1, 2)).coverage
    0.5
    """

    index: np.ndarray
    source_shape: tuple[int, int]
    ratio: float = float("nan")

    method = "nearest"

    @property
    def coverage(self) -> float:
        """Fraction of domain pixels that receive a source pixel."""
        return float(np.count_nonzero(self.index >= 0)) / self.index.size

    @property
    def attrs(self) -> dict[str, str | float]:
        """What a resampled variable records of its resampling: the method and the ratio of
        resolutions."""
        return {"resampling": "nearest", "resolution_ratio": round(self.ratio, 3)}

    def apply(self, data: np.ndarray, fill_value: float = np.nan) -> np.ndarray:
        """The source array on the domain; ``fill_value`` where no source pixel lands."""
        out = np.take(np.asarray(data).ravel(), np.maximum(self.index, 0))
        out[self.index < 0] = fill_value
        return out

    def contributing(self, data: np.ndarray) -> np.ndarray:
        """Source pixels with a value behind each domain pixel: 1 or 0.

        Examples
        --------
        >>> import numpy as np
        >>> Lookup(np.array([[0, 1, -1]]), (1, 2)).contributing(np.array([[5.0, np.nan]]))
        array([[1, 0, 0]], dtype=int32)
        """
        return np.isfinite(self.apply(np.asarray(data, dtype=np.float32))).astype(np.int32)

    def to_arrays(self) -> dict[str, np.ndarray]:
        """The lookup as named arrays (for the disk cache)."""
        return {"index": self.index, "source_shape": np.asarray(self.source_shape),
                "ratio": np.asarray(self.ratio)}  # fmt: skip

    @classmethod
    def from_arrays(cls, arrays: dict[str, np.ndarray]) -> Lookup:
        """Inverse of :meth:`to_arrays`."""
        shape = tuple(int(n) for n in arrays["source_shape"])
        return cls(arrays["index"], shape, float(arrays["ratio"]))


def _area_index(source: AreaDefinition, domain: Domain) -> np.ndarray:
    lon, lat = domain_lonlats(domain)
    cols, rows = source.get_array_indices_from_lonlat(lon, lat)
    valid = ~(np.ma.getmaskarray(cols) | np.ma.getmaskarray(rows))
    cols = np.ma.getdata(cols).astype(np.int64)
    rows = np.ma.getdata(rows).astype(np.int64)
    valid &= (cols >= 0) & (cols < source.width) & (rows >= 0) & (rows < source.height)
    return np.where(valid, rows * source.width + cols, -1)


def _swath_index(source: SwathDefinition, domain: Domain, radius_m: float) -> np.ndarray:
    sx, sy = domain_plane(source, domain, slice(None), slice(None))
    finite = np.isfinite(sx) & np.isfinite(sy)
    source_index = np.flatnonzero(finite.ravel())
    if source_index.size == 0:
        return np.full(domain.shape, -1, dtype=np.int64)
    x, y = domain.area.get_proj_vectors()
    xx, yy = np.meshgrid(x, y)
    tree = cKDTree(np.column_stack([sx[finite], sy[finite]]))
    dist, nearest = tree.query(
        np.column_stack([xx.ravel(), yy.ravel()]), k=1, distance_upper_bound=radius_m
    )
    hit = np.isfinite(dist)
    flat = np.full(dist.shape, -1, dtype=np.int64)
    flat[hit] = source_index[nearest[hit]]
    return flat.reshape(domain.shape)


def nearest_index(
    source: AreaDefinition | SwathDefinition, domain: Domain, radius_m: float
) -> np.ndarray:
    """The nearest source pixel of every domain pixel, as flat indices (``-1``: none).

    Parameters
    ----------
    source : AreaDefinition or SwathDefinition
        The source grid.
    domain : Domain
        The target grid.
    radius_m : float
        Radius of influence for swath sources, in metres.

    Examples
    --------
    >>> from pyresample.geometry import AreaDefinition
    >>> from cloudorg.domains import Domain
    >>> dom = Domain.from_bounds("box", -55, -54, 14, 15, resolution_km=2)
    >>> far = AreaDefinition("ll", "", "", "EPSG:4326", 10, 10, (0, 0, 1, 1))
    >>> int(nearest_index(far, dom, 5000.0).max())
    -1
    """
    if isinstance(source, AreaDefinition):
        return _area_index(source, domain)
    return _swath_index(source, domain, radius_m)
