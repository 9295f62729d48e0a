"""Area-mean resampling: every domain pixel (cell) is the mean of the source pixels whose
centres fall in it, as pyresample's bucket resamplers (``BucketAvg``) do.

The table holds, for a window of the source grid around the domain, the cell of every
source pixel; applying it is two ``numpy.bincount`` (sums and counts). A cell that no
source pixel centre falls in (at the edge of a swath, or where the ratio of resolutions
is close to 1) takes its nearest source pixel, so the field has no holes.

Examples
--------
>>> import numpy as np
>>> from cloudorg.domains import Domain
>>> from pyresample.geometry import AreaDefinition
>>> from cloudorg.resample.nearest import Lookup, nearest_index
>>> dom = Domain.from_bounds("box", -55, -54.9, 14, 14.1, resolution_km=2)
>>> ny, nx = dom.shape
>>> fine = AreaDefinition("f", "", "", dom.crs, 2 * nx, 2 * ny, dom.area.area_extent)
>>> table = area_mean_table(fine, dom, Lookup(nearest_index(fine, dom, 1.0), fine.shape, 2.0))
>>> data = np.arange(4 * nx * ny, dtype=np.float32).reshape(fine.shape)
>>> bool(table.apply(data)[0, 0] == data[:2, :2].mean())
True
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import cached_property

import numpy as np

from ..domains import Domain
from .geometry import Geometry, domain_cells, domain_plane
from .nearest import Lookup

__all__ = ["AreaMean", "area_mean_table"]


@dataclass(frozen=True)
class AreaMean:
    """The domain cell of every source pixel of a window of the source grid.

    Attributes
    ----------
    nearest : Lookup
        The nearest-neighbour lookup of the same pair of grids: coverage, and the value of
        cells that no source pixel centre falls in.
    window : tuple of int
        ``(row_start, row_stop, col_start, col_stop)`` of the source pixels that can fall
        in the domain.
    cell : numpy.ndarray
        int64 array of the window's shape: 1 + the flat index of the domain cell each
        source pixel's centre falls in; 0 outside the domain.
    pixels : numpy.ndarray
        int32 array of the domain's shape: source pixel centres in each cell.

    Examples
    --------
    >>> import numpy as np
    >>> table = AreaMean(Lookup(np.array([[0, 0]]), (1, 3)), (0, 1, 0, 3),
    ...                  np.array([[1, 1, 0]]), np.array([[2, 0]], np.int32))
    >>> table.apply(np.array([[1.0, 3.0, 9.0]]))
    array([[2., 1.]], dtype=float32)
    """

    nearest: Lookup
    window: tuple[int, int, int, int]
    cell: np.ndarray
    pixels: np.ndarray

    method = "area_mean"

    @property
    def source_shape(self) -> tuple[int, int]:
        """Shape of the source arrays the table applies to."""
        return self.nearest.source_shape

    @property
    def coverage(self) -> float:
        """Fraction of domain pixels that receive a value."""
        return self.nearest.coverage

    @property
    def attrs(self) -> dict[str, str | float]:
        """What a resampled variable records of its resampling: CF ``cell_methods`` and the
        mean number of source pixels per cell."""
        filled = self.pixels[self.pixels > 0]
        return {
            **self.nearest.attrs,
            "cell_methods": "area: mean",
            "resampling": "area_mean",
            "source_pixels_per_cell": round(float(filled.mean()), 3) if filled.size else 0.0,
        }

    def _sums(self, data: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Sums and counts of the valid source pixels of each cell."""
        r0, r1, c0, c1 = self.window
        values = np.asarray(data)[r0:r1, c0:c1]
        cell = self.cell.ravel()
        size = self.pixels.size + 1
        counts = self.pixels.ravel()
        missing = np.flatnonzero(~np.isfinite(values).ravel())
        if missing.size:  # few, usually: off the disc, at the edge of a swath
            values = np.where(np.isfinite(values), values, 0.0)
            counts = counts - np.bincount(cell[missing], minlength=size)[1:]
        sums = np.bincount(cell, weights=values.ravel(), minlength=size)[1:]
        return sums.reshape(self.pixels.shape), counts.reshape(self.pixels.shape)

    @cached_property
    def _holes(self) -> tuple[np.ndarray, np.ndarray]:
        """Flat indices of the cells no source pixel centre falls in but a source pixel
        covers, and of their nearest source pixels."""
        cells = np.flatnonzero((self.pixels == 0) & (self.nearest.index >= 0))
        return cells, self.nearest.index.ravel()[cells]

    def apply(self, data: np.ndarray, fill_value: float = np.nan) -> np.ndarray:
        """The float32 mean of the source pixels in each cell (NaN source pixels left out);
        ``fill_value`` where no valid source pixel is behind a cell."""
        sums, counts = self._sums(data)
        with np.errstate(invalid="ignore", divide="ignore"):
            out = np.where(counts > 0, sums / counts, fill_value).astype(np.float32)
        cells, sources = self._holes
        out.ravel()[cells] = np.asarray(data).ravel()[sources]
        return out

    def contributing(self, data: np.ndarray) -> np.ndarray:
        """Source pixels with a value averaged into each cell (int32; 1 or 0 in the cells
        that take their nearest source pixel).

        Examples
        --------
        >>> import numpy as np
        >>> table = AreaMean(Lookup(np.array([[0, 0]]), (1, 3)), (0, 1, 0, 3),
        ...                  np.array([[1, 1, 0]]), np.array([[2, 0]], np.int32))
        >>> table.contributing(np.array([[1.0, np.nan, 9.0]]))
        array([[1, 1]], dtype=int32)
        """
        _, counts = self._sums(data)
        out = counts.astype(np.int32)
        cells, sources = self._holes
        out.ravel()[cells] = np.isfinite(np.asarray(data).ravel()[sources])
        return out

    def to_arrays(self) -> dict[str, np.ndarray]:
        """The table as named arrays (for the disk cache)."""
        return {**self.nearest.to_arrays(), "window": np.asarray(self.window),
                "cell": self.cell, "pixels": self.pixels}  # fmt: skip

    @classmethod
    def from_arrays(cls, arrays: dict[str, np.ndarray]) -> AreaMean:
        """Inverse of :meth:`to_arrays`."""
        window = tuple(int(n) for n in arrays["window"])
        return cls(Lookup.from_arrays(arrays), window, arrays["cell"], arrays["pixels"])


def area_mean_table(source: Geometry, domain: Domain, nearest: Lookup) -> AreaMean:
    """The area-mean table of a source grid and a domain.

    Parameters
    ----------
    source : AreaDefinition or SwathDefinition
        The source grid.
    domain : Domain
        The target grid.
    nearest : Lookup
        The nearest-neighbour lookup of the pair; its ``ratio`` sets the margin of the
        window of source pixels around those it hits.

    Returns
    -------
    AreaMean
    """
    height, width = nearest.source_shape
    rows, cols = np.divmod(nearest.index[nearest.index >= 0], width)
    window = (0, 0, 0, 0)
    if rows.size:
        margin = 2 * (math.ceil(nearest.ratio) if math.isfinite(nearest.ratio) else 1) + 2
        window = (
            max(int(rows.min()) - margin, 0), min(int(rows.max()) + 1 + margin, height),
            max(int(cols.min()) - margin, 0), min(int(cols.max()) + 1 + margin, width),
        )  # fmt: skip
    r0, r1, c0, c1 = window
    x, y = domain_plane(source, domain, slice(r0, r1), slice(c0, c1))
    cell = domain_cells(domain, x, y) + 1
    pixels = np.bincount(cell.ravel(), minlength=nearest.index.size + 1)[1:]
    return AreaMean(nearest, window, cell, pixels.reshape(domain.shape).astype(np.int32))
