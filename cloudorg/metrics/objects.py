"""Size and shape metrics of cloud objects: counts, length scales, perimeters,
eccentricity and the size-distribution exponent.

Each public function takes a mask and the common object arguments:

connectivity : {4, 8}, default 4
    Pixel connectivity of objects.
periodic : bool, default False
    Join objects across opposite domain edges.
min_area : float, default 0
    Objects with ``A_i <= min_area`` pixels are dropped (not by :func:`num_objects`).
dx : float, optional
    Pixel size; lengths are then in its unit instead of pixels.
max_missing_fraction : float, default 0.0
    Largest tolerated fraction of missing (NaN) pixels, then treated as clear; beyond
    it the metric is NaN.

The ``_name(objects, ...)`` functions compute the metric from a shared
:class:`~cloudorg.metrics.components.CloudObjects` table (used by ``compute_metrics``).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from cloudorg.metrics.components import CloudObjects, objects_for_metric
from cloudorg.metrics.inputs import pixel_size

# Length-scale bin edges (pixels) of the published cloud-size distribution fit.
SIZE_BIN_EDGES = np.array([0.0, 2, 6, 14, 30, 62, 126, 254, 510, 1022])
# Only objects larger than this many pixels enter the size-distribution fit.
SIZE_MIN_AREA = 4


def _max_length_scale(objects: CloudObjects, scale: float) -> float:
    if objects.num == 0:
        return float("nan")
    return float(np.sqrt(objects.area.max()) * scale)


def _mean_length_scale(objects: CloudObjects, scale: float) -> float:
    if objects.num == 0:
        return float("nan")
    return float(np.sqrt(objects.area.mean()) * scale)


def _mean_perimeter(objects: CloudObjects, scale: float) -> float:
    if objects.num == 0:
        return float("nan")
    return float(objects.perimeter.mean() * scale)


def _total_perimeter(objects: CloudObjects, scale: float) -> float:
    return float(objects.perimeter.sum() * scale)


def _mean_eccentricity(objects: CloudObjects) -> float:
    if objects.num == 0:
        return float("nan")
    return float(np.average(objects.eccentricity, weights=objects.area))


def _size_distribution_exponent(objects: CloudObjects) -> float:
    lengths = np.sqrt(objects.area[objects.area > SIZE_MIN_AREA])
    counts = np.histogram(lengths, SIZE_BIN_EDGES)[0]
    centres = 0.5 * (SIZE_BIN_EDGES[1:] + SIZE_BIN_EDGES[:-1])
    filled = counts > 0
    counts, centres = counts[filled][1:], centres[filled][1:]
    if counts.size < 2:
        return float("nan")
    return float(np.polyfit(np.log(centres), np.log(counts), 1)[0])


def num_objects(
    mask: Any,
    *,
    connectivity: int = 4,
    periodic: bool = False,
    max_missing_fraction: float = 0.0,
) -> float:
    """Number of cloud objects N (every object, any size).

    Parameters
    ----------
    mask : array_like or xarray.DataArray
        2-D cloud mask. See the module docstring for the other parameters.
    connectivity, periodic, max_missing_fraction
        As in the module docstring.

    Returns
    -------
    float
        N (0 for a clear mask), NaN when too many pixels are missing.

    Examples
    --------
    >>> import numpy as np
    >>> num_objects(np.eye(3, dtype=bool)), num_objects(np.eye(3, dtype=bool), connectivity=8)
    (3.0, 1.0)
    """
    objects = objects_for_metric(mask, connectivity, periodic, 0, max_missing_fraction)
    return float("nan") if objects is None else float(objects.num)


def max_length_scale(
    mask: Any,
    *,
    connectivity: int = 4,
    periodic: bool = False,
    min_area: float = 0,
    dx: float | None = None,
    max_missing_fraction: float = 0.0,
) -> float:
    """Length scale of the largest object, ``sqrt(max A_i)``.

    Parameters
    ----------
    mask : array_like or xarray.DataArray
        2-D cloud mask.
    connectivity, periodic, min_area, dx, max_missing_fraction
        As in the module docstring.

    Returns
    -------
    float
        In pixels (or the unit of ``dx``); NaN when there are no objects.

    Examples
    --------
    >>> import numpy as np
    >>> mask = np.zeros((8, 8), bool); mask[:3, :3] = True; mask[5:, 5:] = True
    >>> max_length_scale(mask), max_length_scale(mask, dx=2.0)
    (3.0, 6.0)
    """
    objects = objects_for_metric(mask, connectivity, periodic, min_area, max_missing_fraction)
    return float("nan") if objects is None else _max_length_scale(objects, pixel_size(dx))


def mean_length_scale(
    mask: Any,
    *,
    connectivity: int = 4,
    periodic: bool = False,
    min_area: float = 0,
    dx: float | None = None,
    max_missing_fraction: float = 0.0,
) -> float:
    """Mean object length scale, ``sqrt(mean A_i)``.

    Parameters
    ----------
    mask : array_like or xarray.DataArray
        2-D cloud mask.
    connectivity, periodic, min_area, dx, max_missing_fraction
        As in the module docstring.

    Returns
    -------
    float
        In pixels (or the unit of ``dx``); NaN when there are no objects.

    Examples
    --------
    >>> import numpy as np
    >>> mask = np.zeros((8, 8), bool); mask[:2, :2] = True; mask[5:7, 1:8] = True
    >>> mean_length_scale(mask)  # sqrt((4 + 14) / 2)
    3.0
    """
    objects = objects_for_metric(mask, connectivity, periodic, min_area, max_missing_fraction)
    return float("nan") if objects is None else _mean_length_scale(objects, pixel_size(dx))


def mean_perimeter(
    mask: Any,
    *,
    connectivity: int = 4,
    periodic: bool = False,
    min_area: float = 0,
    dx: float | None = None,
    max_missing_fraction: float = 0.0,
) -> float:
    """Mean 4-neighbourhood contour perimeter of the objects.

    The perimeter of each object (other objects count as background) is that of
    ``skimage.measure.perimeter(obj, neighborhood=4)``: a line through the centres of
    the border pixels, so 1 pixel -> 0, 2x2 -> 4, 3x3 -> 8.

    Parameters
    ----------
    mask : array_like or xarray.DataArray
        2-D cloud mask.
    connectivity, periodic, min_area, dx, max_missing_fraction
        As in the module docstring.

    Returns
    -------
    float
        In pixels (or the unit of ``dx``); NaN when there are no objects.

    Examples
    --------
    >>> import numpy as np
    >>> mask = np.zeros((9, 9), bool); mask[:2, :2] = True; mask[4:7, 4:7] = True
    >>> mean_perimeter(mask)
    6.0
    """
    objects = objects_for_metric(mask, connectivity, periodic, min_area, max_missing_fraction)
    return float("nan") if objects is None else _mean_perimeter(objects, pixel_size(dx))


def total_perimeter(
    mask: Any,
    *,
    connectivity: int = 4,
    periodic: bool = False,
    min_area: float = 0,
    dx: float | None = None,
    max_missing_fraction: float = 0.0,
) -> float:
    """Sum of the objects' 4-neighbourhood contour perimeters (see :func:`mean_perimeter`).

    Parameters
    ----------
    mask : array_like or xarray.DataArray
        2-D cloud mask.
    connectivity, periodic, min_area, dx, max_missing_fraction
        As in the module docstring.

    Returns
    -------
    float
        In pixels (or the unit of ``dx``); 0 when there are no objects.

    Examples
    --------
    >>> import numpy as np
    >>> mask = np.zeros((9, 9), bool); mask[:2, :2] = True; mask[4:7, 4:7] = True
    >>> total_perimeter(mask), total_perimeter(mask, min_area=4)
    (12.0, 8.0)
    """
    objects = objects_for_metric(mask, connectivity, periodic, min_area, max_missing_fraction)
    return float("nan") if objects is None else _total_perimeter(objects, pixel_size(dx))


def mean_eccentricity(
    mask: Any,
    *,
    connectivity: int = 4,
    periodic: bool = False,
    min_area: float = 0,
    max_missing_fraction: float = 0.0,
) -> float:
    """Area-weighted mean eccentricity of the objects' inertia ellipses.

    Eccentricity of one object is ``sqrt(1 - l2 / l1)`` with ``l1 >= l2`` the
    eigenvalues of its second-moment matrix (0 for a disc or a single pixel, 1 for a
    straight line).

    Parameters
    ----------
    mask : array_like or xarray.DataArray
        2-D cloud mask.
    connectivity, periodic, min_area, max_missing_fraction
        As in the module docstring.

    Returns
    -------
    float
        In [0, 1]; NaN when there are no objects.

    Examples
    --------
    >>> import numpy as np
    >>> mask = np.zeros((6, 6), bool); mask[1, :] = True; mask[3:5, 0:2] = True
    >>> round(mean_eccentricity(mask), 6)  # (6 * 1 + 4 * 0) / 10
    0.6
    """
    objects = objects_for_metric(mask, connectivity, periodic, min_area, max_missing_fraction)
    return float("nan") if objects is None else _mean_eccentricity(objects)


def size_distribution_exponent(
    mask: Any,
    *,
    connectivity: int = 4,
    periodic: bool = False,
    min_area: float = 0,
    max_missing_fraction: float = 0.0,
) -> float:
    """Power-law exponent of the cloud-size distribution (Janssens et al. 2021).

    Objects with ``A_i > 4`` (and ``> min_area``) give ``l_i = sqrt(A_i)``, counted in
    the bins with edges 0, 2, 6, 14, 30, 62, 126, 254, 510, 1022 pixels; empty bins
    are dropped, then the first remaining bin; the exponent is the slope of the
    least-squares line of log(count) on log(bin centre).

    Parameters
    ----------
    mask : array_like or xarray.DataArray
        2-D cloud mask.
    connectivity, periodic, min_area, max_missing_fraction
        As in the module docstring.

    Returns
    -------
    float
        The slope (usually negative); NaN when fewer than two bins remain.

    Examples
    --------
    >>> import numpy as np
    >>> mask = np.zeros((128, 128), bool)
    >>> for i, side in enumerate([3] * 8 + [7] * 4 + [15] * 2 + [31]):
    ...     r, c = divmod(32 * i, 128)
    ...     mask[r:r + side, c:c + side] = True
    >>> # counts 8, 4, 2, 1 in the bins 2-6, 6-14, 14-30, 30-62; the first is dropped
    >>> round(size_distribution_exponent(mask), 3)
    -0.94
    """
    objects = objects_for_metric(mask, connectivity, periodic, min_area, max_missing_fraction)
    return float("nan") if objects is None else _size_distribution_exponent(objects)
