"""Whole-field metrics of a cloud mask: cloud fraction, orientation, fractal
dimension and open sky.

These need no object labelling. ``max_missing_fraction`` is the missing-pixel tolerance
of :mod:`cloudorg.metrics.inputs` (beyond it the metric is NaN).
"""

from __future__ import annotations

from typing import Any

import numba as nb
import numpy as np

from cloudorg.errors import ConfigError
from cloudorg.metrics.inputs import PreparedMask, prepare_mask

OPEN_SKY_SUMMARIES = ("max", "mean")
# Smallest box of the box counting, in pixels.
SMALLEST_BOX = 4


def _cloud_fraction(prep: PreparedMask) -> float:
    if prep.n_valid == 0:
        return float("nan")
    return prep.n_cloud / prep.n_valid


def cloud_fraction(mask: Any) -> float:
    """Fraction of the valid (non-missing) pixels that are cloudy.

    Parameters
    ----------
    mask : array_like or xarray.DataArray
        2-D cloud mask (bool, or 0/1 with NaN for missing pixels).

    Returns
    -------
    float
        In [0, 1]; NaN when every pixel is missing. Missing pixels are excluded, never
        counted as clear.

    Examples
    --------
    >>> import numpy as np
    >>> cloud_fraction(np.array([[1.0, 0.0], [0.0, np.nan]]))
    0.3333333333333333
    """
    return _cloud_fraction(prepare_mask(mask, 1.0))


@nb.njit(cache=True)
def _moment_sums(cloud):
    """Exact integer sums n, sum r, sum c, sum r^2, sum c^2, sum r c of cloudy pixels."""
    ny, nx = cloud.shape
    sums = np.zeros(6, np.int64)
    for r in range(ny):
        n_row = 0
        c_row = 0
        cc_row = 0
        for c in range(nx):
            if cloud[r, c]:
                n_row += 1
                c_row += c
                cc_row += c * c
        sums[0] += n_row
        sums[1] += r * n_row
        sums[2] += c_row
        sums[3] += r * r * n_row
        sums[4] += cc_row
        sums[5] += r * c_row
    return sums


def _orientation(prep: PreparedMask) -> float:
    n, sr, sc, srr, scc, src = (float(v) for v in _moment_sums(prep.cloud))
    if n == 0:
        return float("nan")
    mu20 = scc / n - (sc / n) ** 2  # x = column
    mu02 = srr / n - (sr / n) ** 2  # y = row
    mu11 = src / n - (sr / n) * (sc / n)
    half_sum = 0.5 * (mu20 + mu02)
    root = np.hypot(0.5 * (mu20 - mu02), mu11)
    lam_max = half_sum + root
    if lam_max <= 0:
        return 0.0
    lam_min = max(half_sum - root, 0.0)
    return float(np.sqrt(1.0 - lam_min / lam_max))


def orientation(mask: Any, *, max_missing_fraction: float = 0.0) -> float:
    """Directional alignment of the mask from its raw image moments.

    With ``mu20, mu02, mu11`` the central second moments of the cloudy pixels
    (``x`` = column, ``y`` = row, float64), the metric is ``sqrt(1 - l_min / l_max)``
    of their 2x2 covariance matrix: 0 for no preferred direction, 1 for a line.
    Not defined on periodic domains.

    Parameters
    ----------
    mask : array_like or xarray.DataArray
        2-D cloud mask.
    max_missing_fraction : float, default 0.0
        Missing-pixel tolerance.

    Returns
    -------
    float
        In [0, 1]; NaN for a clear mask; 0 for a single pixel.

    Examples
    --------
    >>> import numpy as np
    >>> line = np.zeros((32, 32), bool); line[5] = True
    >>> orientation(line), orientation(np.ones((8, 8), bool))
    (1.0, 0.0)
    """
    prep = prepare_mask(mask, max_missing_fraction)
    return _orientation(prep) if prep.usable else float("nan")


@nb.njit(cache=True)
def _box_counts(cloud, n_sizes):
    """Numbers of boxes of sizes 4, 8, ... (n_sizes of them) holding cloud and clear."""
    ny, nx = cloud.shape
    s = 4
    counts = np.zeros(((ny + s - 1) // s, (nx + s - 1) // s), np.int64)
    for r in range(ny):
        for c in range(nx):
            counts[r // s, c // s] += cloud[r, c]
    mixed = np.zeros(n_sizes, np.int64)
    for level in range(n_sizes):
        by, bx = counts.shape
        for i in range(by):
            height = min(s, ny - i * s)
            for j in range(bx):
                v = counts[i, j]
                if 0 < v < height * min(s, nx - j * s):
                    mixed[level] += 1
        coarse = np.zeros(((by + 1) // 2, (bx + 1) // 2), np.int64)
        for i in range(by):
            for j in range(bx):
                coarse[i // 2, j // 2] += counts[i, j]
        counts = coarse
        s *= 2
    return mixed


def _fractal_dimension(prep: PreparedMask) -> float:
    if prep.n_cloud in (0, prep.cloud.size):
        return float("nan")
    n_sizes = min(prep.shape).bit_length() - 1 - 1  # sizes 4 ... 2**floor(log2(min))
    if n_sizes < 2:
        return float("nan")
    sizes = SMALLEST_BOX * 2.0 ** np.arange(n_sizes)
    counts = _box_counts(prep.cloud, n_sizes)
    kept = counts > 0
    if np.count_nonzero(kept) < 2:
        return float("nan")
    return float(-np.polyfit(np.log(sizes[kept]), np.log(counts[kept]), 1)[0])


def fractal_dimension(mask: Any, *, max_missing_fraction: float = 0.0) -> float:
    """Minkowski-Bouligand (box-counting) dimension of the cloud edges.

    Boxes of sizes ``2**k`` from ``2**floor(log2(min(ny, nx)))`` down to 4 pixels,
    tiled from (0, 0) (boxes cut by the far edges are kept, with their actual
    pixels), are counted when they hold both cloudy and clear pixels; the dimension is
    minus the slope of log(count) on log(size). Sizes with no such box are left out of
    the fit. Not defined on periodic domains.

    Parameters
    ----------
    mask : array_like or xarray.DataArray
        2-D cloud mask.
    max_missing_fraction : float, default 0.0
        Missing-pixel tolerance.

    Returns
    -------
    float
        About 1 for a smooth edge, 2 for noise; NaN for an all-clear or all-cloudy
        mask, or when fewer than two box sizes count (domains under 8 pixels).

    Examples
    --------
    >>> import numpy as np
    >>> line = np.zeros((64, 64), bool); line[10] = True
    >>> round(fractal_dimension(line), 6)
    1.0
    """
    prep = prepare_mask(mask, max_missing_fraction)
    return _fractal_dimension(prep) if prep.usable else float("nan")


@nb.njit(cache=True)
def _open_sky(cloud, periodic):
    """Max and sum of the open-sky rectangle areas, and the number of clear pixels."""
    ny, nx = cloud.shape
    first_row = np.full(nx, -1, np.int64)
    last_row = np.full(nx, -1, np.int64)
    for r in range(ny):
        for c in range(nx):
            if cloud[r, c]:
                if first_row[c] < 0:
                    first_row[c] = r
                last_row[c] = r
    # south edge of each pixel's rectangle, from a bottom-up sweep
    south = np.empty((ny, nx), np.int64)
    below = np.full(nx, -1, np.int64)
    for r in range(ny - 1, -1, -1):
        for c in range(nx):
            if below[c] >= 0:
                south[r, c] = below[c] - 1
            elif periodic and first_row[c] >= 0:
                south[r, c] = first_row[c] + ny - 1
            else:
                south[r, c] = ny
            if cloud[r, c]:
                below[c] = r
    above = np.full(nx, -1, np.int64)
    west = np.empty(nx, np.int64)
    max_area = 0
    sum_area = 0
    n_clear = 0
    for r in range(ny):
        last = -1
        first = -1
        for c in range(nx):
            west[c] = last
            if cloud[r, c]:
                last = c
                if first < 0:
                    first = c
        after = -1
        for c in range(nx - 1, -1, -1):
            if cloud[r, c]:
                after = c
                continue
            if after >= 0:
                e = after - 1
            elif periodic and first >= 0:
                e = first + nx - 1
            else:
                e = nx
            if west[c] >= 0:
                w = west[c]
            elif periodic and last >= 0:
                w = last - nx
            else:
                w = 0
            if above[c] >= 0:
                n = above[c]
            elif periodic and last_row[c] >= 0:
                n = last_row[c] - ny
            else:
                n = 0
            area = (e - w) * (south[r, c] - n)
            max_area = max(max_area, area)
            sum_area += area
            n_clear += 1
        for c in range(nx):
            if cloud[r, c]:
                above[c] = r
    return max_area, sum_area, n_clear


def _open_sky_value(prep: PreparedMask, periodic: bool, summary: str) -> float:
    max_area, sum_area, n_clear = _open_sky(prep.cloud, periodic)
    if n_clear == 0:
        return 0.0
    size = prep.cloud.size
    return max_area / size if summary == "max" else sum_area / n_clear / size


def open_sky(
    mask: Any,
    *,
    summary: str = "max",
    periodic: bool = False,
    max_missing_fraction: float = 0.0,
) -> float:
    """Open-sky metric of Antonissen (2019), O(ny nx).

    For each clear pixel, the rectangle bounded by the nearest cloud pixels along its
    row and column (west = index of the last cloud column before it or 0; east = index
    of the first cloud column after it minus 1, or nx; north/south likewise on rows;
    with ``periodic`` the search wraps around the domain) has area
    ``(east - west) * (south - north)``. The metric is the ``max`` (default) or
    ``mean`` of these areas over the clear pixels, divided by the domain area. The
    edge convention reproduces cloudmetrics exactly (its rectangles are one pixel
    short at the west and north domain edges and one long at the east and south).

    Parameters
    ----------
    mask : array_like or xarray.DataArray
        2-D cloud mask.
    summary : {"max", "mean"}, default "max"
        How the rectangle areas are summarised.
    periodic : bool, default False
        Wrap the searches around the domain edges.
    max_missing_fraction : float, default 0.0
        Missing-pixel tolerance.

    Returns
    -------
    float
        Fraction of the domain area; 1 for a clear mask, 0 for a fully cloudy one.

    Examples
    --------
    >>> import numpy as np
    >>> mask = np.zeros((10, 10), bool); mask[:, 5] = True
    >>> open_sky(mask), open_sky(mask, summary="mean")
    (0.5, 0.4444444444444444)
    """
    if summary not in OPEN_SKY_SUMMARIES:
        raise ConfigError(f"summary must be one of {OPEN_SKY_SUMMARIES}, got {summary!r}")
    prep = prepare_mask(mask, max_missing_fraction)
    return _open_sky_value(prep, periodic, summary) if prep.usable else float("nan")
