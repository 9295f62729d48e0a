"""Validation of cloud masks and the missing-pixel policy shared by every metric.

A mask is a 2-D array: boolean, or numeric with values 0 (clear) and 1 (cloud), where a
float mask may hold NaN for missing pixels (outside the swath, space). An xarray
``DataArray`` is accepted and read through ``.values``.

Missing pixels are never silently treated as clear. ``cloud_fraction`` is computed over
the valid pixels only; every other metric is NaN when the fraction of missing pixels
exceeds ``max_missing_fraction`` (default 0: any missing pixel gives NaN). A caller who
tolerates some missing pixels raises that threshold, and the missing pixels are then
treated as clear by the object and field metrics.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from cloudorg.errors import ConfigError

CONNECTIVITIES = (4, 8)


@dataclass(frozen=True)
class PreparedMask:
    """A validated mask in the one dtype every numba kernel takes.

    Attributes
    ----------
    cloud : numpy.ndarray
        ``uint8`` C-contiguous array, 1 for cloud and 0 for clear or missing.
    n_cloud : int
        Number of cloudy pixels.
    n_missing : int
        Number of missing (NaN) pixels.
    usable : bool
        Whether the fraction of missing pixels is within the caller's tolerance, so
        that metrics other than the cloud fraction may be computed.
    """

    cloud: np.ndarray
    n_cloud: int
    n_missing: int
    usable: bool

    @property
    def shape(self) -> tuple[int, int]:
        """Domain shape ``(ny, nx)``."""
        return self.cloud.shape  # type: ignore[return-value]

    @property
    def n_valid(self) -> int:
        """Number of pixels that are not missing."""
        return self.cloud.size - self.n_missing


def too_many_missing(n_missing: Any, n_pixels: int, max_missing_fraction: float) -> Any:
    """Whether masks of ``n_pixels`` with ``n_missing`` missing pixels (a count or an array
    of counts) have more missing than ``max_missing_fraction`` tolerates: their metrics
    but ``cloud_fraction`` are NaN.

    Examples
    --------
    >>> too_many_missing(np.array([0, 2, 3]), 64, 1 / 32).tolist()
    [False, False, True]
    """
    return n_missing > max_missing_fraction * n_pixels


def prepare_mask(mask: Any, max_missing_fraction: float = 0.0) -> PreparedMask:
    """Validate a cloud mask and convert it to ``uint8``.

    Parameters
    ----------
    mask : array_like or xarray.DataArray
        2-D mask: bool, or numbers 0/1 with NaN for missing pixels.
    max_missing_fraction : float, default 0.0
        Largest fraction of missing pixels for which metrics other than the cloud
        fraction are computed (missing pixels then count as clear).

    Returns
    -------
    PreparedMask
        The validated mask.

    Raises
    ------
    ConfigError
        When the mask is not 2-D, is empty, or holds values other than 0, 1 and NaN,
        or when ``max_missing_fraction`` is outside [0, 1].

    Examples
    --------
    >>> import numpy as np
    >>> p = prepare_mask(np.array([[0.0, 1.0], [np.nan, 1.0]]))
    >>> p.n_cloud, p.n_missing, p.usable
    (2, 1, False)
    """
    if not 0.0 <= max_missing_fraction <= 1.0:
        raise ConfigError(
            f"max_missing_fraction must be a fraction in [0, 1], got {max_missing_fraction!r}"
        )
    if not isinstance(mask, np.ndarray) and hasattr(mask, "values"):
        mask = mask.values
    arr = np.asarray(mask)
    if arr.ndim != 2 or arr.size == 0:
        raise ConfigError(f"mask must be a non-empty 2-D array (ny, nx), got shape {arr.shape}")
    if arr.dtype == np.bool_:
        cloud = np.ascontiguousarray(arr).view(np.uint8)
        n_missing = 0
    elif np.issubdtype(arr.dtype, np.number):
        missing = np.isnan(arr) if np.issubdtype(arr.dtype, np.floating) else None
        is_cloud = arr == 1
        valid_values = is_cloud | (arr == 0)
        if missing is not None:
            valid_values |= missing
        if not valid_values.all():
            bad = arr[~valid_values].flat[0].item()
            raise ConfigError(
                "mask must hold only 0 (clear), 1 (cloud) or NaN (missing), "
                f"found {bad!r}; threshold the field first"
            )
        cloud = is_cloud.view(np.uint8)
        n_missing = 0 if missing is None else int(np.count_nonzero(missing))
    else:
        raise ConfigError(f"mask must be a boolean or numeric array, got dtype {arr.dtype}")
    return PreparedMask(
        cloud=cloud,
        n_cloud=int(np.count_nonzero(cloud)),
        n_missing=n_missing,
        usable=not too_many_missing(n_missing, cloud.size, max_missing_fraction),
    )


def check_connectivity(connectivity: int) -> None:
    """Raise ``ConfigError`` unless ``connectivity`` is 4 or 8.

    Parameters
    ----------
    connectivity : int
        Pixel connectivity of objects.

    Examples
    --------
    >>> check_connectivity(8)
    """
    if connectivity not in CONNECTIVITIES:
        raise ConfigError(f"connectivity must be 4 or 8, got {connectivity!r}")


def check_min_area(min_area: float) -> None:
    """Raise ``ConfigError`` unless ``min_area`` is a finite number >= 0.

    Parameters
    ----------
    min_area : float
        Objects with at most this many pixels are dropped.

    Examples
    --------
    >>> check_min_area(4)
    """
    if not (np.isfinite(min_area) and min_area >= 0):
        raise ConfigError(f"min_area must be a finite number of pixels >= 0, got {min_area!r}")


def pixel_size(dx: float | None) -> float:
    """Return the pixel size to scale lengths by (1 when ``dx`` is None).

    Parameters
    ----------
    dx : float or None
        Pixel size in the caller's length unit, or None for lengths in pixels.

    Returns
    -------
    float
        The scale factor.

    Examples
    --------
    >>> pixel_size(None), pixel_size(2.0)
    (1.0, 2.0)
    """
    if dx is None:
        return 1.0
    if not (np.isfinite(dx) and dx > 0):
        raise ConfigError(f"dx must be a positive pixel size or None, got {dx!r}")
    return float(dx)


def check_seed(seed: int) -> None:
    """Raise ``ConfigError`` unless ``seed`` is a non-negative integer.

    Parameters
    ----------
    seed : int
        Seed of a random placement.

    Examples
    --------
    >>> check_seed(0)
    """
    if isinstance(seed, bool) or not (isinstance(seed, int | np.integer) and seed >= 0):
        raise ConfigError(f"seed must be a non-negative integer, got {seed!r}")
