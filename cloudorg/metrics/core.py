"""All cloud-mask metrics of one mask from one shared state: :func:`compute_metrics`."""

from __future__ import annotations

import warnings
from collections.abc import Iterable
from typing import Any

from cloudorg.errors import ConfigError
from cloudorg.metrics.registry import METRICS, metric_names
from cloudorg.metrics.state import MaskState


def _requested(metrics: Iterable[str] | str | None, periodic: bool) -> tuple[str, ...]:
    if metrics is None:
        return metric_names(periodic=periodic)
    names = (metrics,) if isinstance(metrics, str) else tuple(metrics)
    unknown = [name for name in names if name not in METRICS]
    if unknown:
        raise ConfigError(f"metrics: unknown {unknown}; choose from {list(METRICS)}")
    if periodic:
        refused = [name for name in names if not METRICS[name].periodic]
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
    warn_missing: bool = True,
) -> dict[str, float]:
    """Compute cloud-mask organisation metrics of one mask.

    The metrics share one :class:`~cloudorg.metrics.MaskState`: all object metrics one
    labelling pass (and COP/SCAI one pair loop, Iorg and the inhibition Iorg one
    nearest-neighbour search). Definitions, units and citations are in
    :data:`~cloudorg.metrics.METRICS` and ``docs/metrics.md``; each metric uses its default
    options here (exact Iorg, ``open_sky`` max, SCAI ``L_ref`` = 1000, no spectral
    window); the individual functions expose the others.

    Parameters
    ----------
    mask : array_like or xarray.DataArray
        2-D cloud mask: bool, or 0/1 with NaN for missing pixels.
    metrics : iterable of str, optional
        Names to compute (see :func:`metric_names`); default all those registered (the
        library's, then those of plug-ins), or on a periodic domain all those defined
        there (orientation and fractal dimension are not).
    connectivity : {4, 8}, default 4
        Pixel connectivity of objects.
    periodic : bool, default False
        Doubly periodic domain: objects join across edges, distances use the minimum
        image, normalisations the original domain size.
    min_area : float, default 0
        Objects with ``A_i <= min_area`` pixels are left out of the object metrics
        except ``num_objects`` (see ``METRICS[name].min_area``).
    dx : float, optional
        Pixel size; lengths are then in its unit instead of pixels.
    seed : int, default 0
        Seed of the inhibition reference placement of ``iorg_inhibition``.
    max_missing_fraction : float, default 0.0
        Largest tolerated fraction of missing (NaN) pixels, then treated as clear;
        beyond it every metric except ``cloud_fraction`` (always over the valid pixels)
        is NaN.
    warn_missing : bool, default True
        Warn (:class:`MissingPixelsWarning`) when that happens; callers measuring many
        masks say it once for all of them instead.

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
    chosen = {name: METRICS[name] for name in _requested(metrics, periodic)}
    state = MaskState.of(
        mask,
        connectivity=connectivity,
        periodic=periodic,
        min_area=min_area,
        dx=dx,
        seed=seed,
        max_missing_fraction=max_missing_fraction,
    )
    if not state.mask.usable:
        missing = state.mask.n_missing / (state.mask.n_missing + state.mask.n_valid)
        if warn_missing and set(chosen) - {"cloud_fraction"}:
            warnings.warn(
                f"{missing:.1%} of the mask's pixels are missing, more than "
                f"max_missing_fraction={max_missing_fraction:g}: every metric but "
                "cloud_fraction is NaN; pass a larger max_missing_fraction to compute them "
                "with the missing pixels counted as clear",
                MissingPixelsWarning,
                stacklevel=2,
            )
        return {
            name: entry.compute(state) if name == "cloud_fraction" else float("nan")
            for name, entry in chosen.items()
        }
    return {name: entry.compute(state) for name, entry in chosen.items()}
