"""All cloud-mask metrics of one mask from one labelling pass: :func:`compute_metrics`."""

from __future__ import annotations

import warnings
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import cached_property
from typing import Any

import numpy as np

from cloudorg.errors import ConfigError
from cloudorg.metrics import field, objects, organisation, spectral
from cloudorg.metrics.inputs import (
    PreparedMask,
    check_connectivity,
    check_min_area,
    check_seed,
    pixel_size,
    prepare_mask,
)
from cloudorg.metrics.labelling import CloudObjects, label_prepared
from cloudorg.metrics.registry import METRIC_INFO, metric_names

# Default SCAI reference length L_ref (in the unit of dx, pixels without dx).
SCAI_REFERENCE_LENGTH = 1000.0


@dataclass
class _Scene:
    """What the metrics of one mask share, each part computed once on first use."""

    prep: PreparedMask
    connectivity: int
    periodic: bool
    min_area: float
    scale: float
    seed: int

    @cached_property
    def all_objects(self) -> CloudObjects:
        return label_prepared(self.prep, self.connectivity, self.periodic)[1]

    @cached_property
    def objects(self) -> CloudObjects:
        return self.all_objects.larger_than(self.min_area)

    @cached_property
    def pairs(self) -> organisation.PairSums:
        return organisation.pair_sums(self.objects)

    @cached_property
    def nearest(self) -> np.ndarray:
        return organisation.scene_nearest_neighbours(self.objects)


def _iorg_inhibition(scene: _Scene) -> float:
    try:
        return organisation._iorg_inhibition(scene.nearest, scene.objects, False, scene.seed)
    except organisation.PlacementError as err:
        warnings.warn(f"{err}; iorg_inhibition is NaN", RuntimeWarning, stacklevel=3)
        return float("nan")


_COMPUTE: dict[str, Callable[[_Scene], float]] = {
    "cloud_fraction": lambda s: field._cloud_fraction(s.prep),
    "num_objects": lambda s: float(s.all_objects.num),
    "max_length_scale": lambda s: objects._max_length_scale(s.objects, s.scale),
    "mean_length_scale": lambda s: objects._mean_length_scale(s.objects, s.scale),
    "mean_perimeter": lambda s: objects._mean_perimeter(s.objects, s.scale),
    "total_perimeter": lambda s: objects._total_perimeter(s.objects, s.scale),
    "size_distribution_exponent": lambda s: objects._size_distribution_exponent(s.objects),
    "spectral_length_scale": lambda s: spectral._spectral_length_scale(s.prep, s.scale),
    "cop": lambda s: organisation._cop(s.pairs),
    "scai": lambda s: organisation._scai(s.pairs, s.prep.shape, s.scale, SCAI_REFERENCE_LENGTH),
    "iorg": lambda s: organisation._iorg(s.nearest, s.prep.shape, False),
    "iorg_inhibition": _iorg_inhibition,
    "fractal_dimension": lambda s: field._fractal_dimension(s.prep),
    "orientation": lambda s: field._orientation(s.prep),
    "open_sky": lambda s: field._open_sky_value(s.prep, s.periodic, "max"),
    "mean_eccentricity": lambda s: objects._mean_eccentricity(s.objects),
}


def _requested(metrics: Iterable[str] | str | None, periodic: bool) -> tuple[str, ...]:
    if metrics is None:
        return metric_names(periodic=periodic)
    names = (metrics,) if isinstance(metrics, str) else tuple(metrics)
    unknown = [name for name in names if name not in METRIC_INFO]
    if unknown:
        raise ConfigError(f"metrics: unknown {unknown}; choose from {list(METRIC_INFO)}")
    if periodic:
        refused = [name for name in names if not METRIC_INFO[name].periodic]
        if refused:
            raise ConfigError(
                f"metrics: {refused} are not defined on periodic domains (periodic=True); "
                "leave them out or set periodic=False"
            )
    return names


class MissingPixelsWarning(UserWarning):
    """Metrics of a mask with more missing pixels than allowed are NaN."""


def compute_metrics(
    mask: Any,
    *,
    metrics: Iterable[str] | str | None = None,
    connectivity: int = 4,
    periodic: bool = False,
    min_area: float = 0,
    dx: float | None = None,
    seed: int = 0,
    max_missing_fraction: float = 0.0,
) -> dict[str, float]:
    """Compute cloud-mask organisation metrics of one mask.

    All object metrics share one labelling pass (and COP/SCAI one pair loop, Iorg and
    the inhibition Iorg one nearest-neighbour search). Definitions, units and citations
    are in ``METRIC_INFO`` and ``docs/metrics.md``; each metric uses its default
    options here (exact Iorg, ``open_sky`` max, SCAI ``L_ref`` = 1000, no spectral
    window); the individual functions expose the others.

    Parameters
    ----------
    mask : array_like or xarray.DataArray
        2-D cloud mask: bool, or 0/1 with NaN for missing pixels.
    metrics : iterable of str, optional
        Names to compute (see :func:`metric_names`); default all, or on a periodic
        domain all those defined there (orientation and fractal dimension are not).
    connectivity : {4, 8}, default 4
        Pixel connectivity of objects.
    periodic : bool, default False
        Doubly periodic domain: objects join across edges, distances use the minimum
        image, normalisations the original domain size.
    min_area : float, default 0
        Objects with ``A_i <= min_area`` pixels are left out of the object metrics
        except ``num_objects`` (see ``METRIC_INFO[name].min_area``).
    dx : float, optional
        Pixel size; lengths are then in its unit instead of pixels.
    seed : int, default 0
        Seed of the inhibition reference placement of ``iorg_inhibition``.
    max_missing_fraction : float, default 0.0
        Largest tolerated fraction of missing (NaN) pixels, then treated as clear;
        beyond it every metric except ``cloud_fraction`` (always over the valid pixels)
        is NaN.

    Returns
    -------
    dict of str to float
        Metric name to value, in the order of the request.

    Raises
    ------
    ConfigError
        For an invalid mask, argument, metric name, or a metric not defined on periodic
        domains requested with ``periodic=True``.

    Warns
    -----
    RuntimeWarning
        When the inhibition reference cannot be placed; ``iorg_inhibition`` is then NaN.
    MissingPixelsWarning
        When more pixels than ``max_missing_fraction`` are missing (the metrics but
        ``cloud_fraction`` are NaN), saying how many.

    Examples
    --------
    >>> import numpy as np
    >>> mask = np.zeros((16, 16), bool); mask[2:5, 2:5] = True; mask[10:12, 9:15] = True
    >>> values = compute_metrics(mask)
    >>> values["num_objects"], values["cloud_fraction"], values["total_perimeter"]
    (2.0, 0.08203125, 20.0)
    >>> compute_metrics(mask, metrics=["max_length_scale"], dx=0.5)
    {'max_length_scale': 1.7320508075688772}
    """
    names = _requested(metrics, periodic)
    check_connectivity(connectivity)
    check_min_area(min_area)
    check_seed(seed)
    scene = _Scene(
        prepare_mask(mask, max_missing_fraction),
        connectivity,
        bool(periodic),
        min_area,
        pixel_size(dx),
        seed,
    )
    if not scene.prep.usable:
        missing = scene.prep.n_missing / (scene.prep.n_missing + scene.prep.n_valid)
        if set(names) - {"cloud_fraction"}:
            warnings.warn(
                f"{missing:.1%} of the mask's pixels are missing, more than "
                f"max_missing_fraction={max_missing_fraction:g}: every metric but "
                "cloud_fraction is NaN; pass a larger max_missing_fraction to compute them "
                "with the missing pixels counted as clear",
                MissingPixelsWarning,
                stacklevel=2,
            )
        return {
            name: _COMPUTE[name](scene) if name == "cloud_fraction" else float("nan")
            for name in names
        }
    return {name: _COMPUTE[name](scene) for name in names}
