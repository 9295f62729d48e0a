"""Metrics of many tiles at once: the per-tile loop shared by a campaign store's tiles and
a caller's own tile masks.

:class:`TileMetrics` holds the validated options of :func:`~cloudorg.metrics.compute_metrics`
and applies it to a stack of tile masks, giving one row of values per tile;
:meth:`TileMetrics.dataset` turns those rows into a dataset with one variable per metric
and CF attributes (``units``, ``long_name``, ``citation``). :func:`metrics_for_tiles` does
both for an ``xarray.DataArray`` of masks, lazily when it is dask-backed.

Examples
--------
>>> import numpy as np, xarray as xr
>>> tiles = np.zeros((2, 8, 8), np.float32); tiles[0, 2:4, 2:4] = 1; tiles[1, 0, 0] = np.nan
>>> ds = metrics_for_tiles(xr.DataArray(tiles, dims=("tile", "y", "x")),
...                        metrics=["cloud_fraction", "num_objects"])
>>> ds["cloud_fraction"].values.tolist(), ds["num_objects"].values.tolist()
([0.0625, 0.0], [1.0, nan])
"""

from __future__ import annotations

import warnings
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import numpy as np
import xarray as xr

from cloudorg.errors import ConfigError
from cloudorg.metrics.core import MissingPixelsWarning, compute_metrics
from cloudorg.metrics.inputs import too_many_missing
from cloudorg.metrics.registry import METRICS

__all__ = ["METRIC_DIM", "TileMetrics", "metrics_for_tiles"]

METRIC_DIM = "metric"
"""The trailing dimension of the per-tile value rows."""

_INHIBITION_SEED = 0
"""Seed of ``iorg_inhibition``'s reference placement (``compute_metrics``' default)."""


@dataclass(frozen=True)
class TileMetrics:
    """Which metrics to compute on each tile, and how (validated; build with :meth:`of`).

    Attributes
    ----------
    names : tuple of str
        Metric names, in the order of ``compute_metrics``' output.
    connectivity : int
        Pixel connectivity of objects (4 or 8).
    min_area : float
        Objects of at most this many pixels are left out of the object metrics.
    max_missing_fraction : float
        Largest tolerated fraction of missing pixels per tile (see the NaN policy).
    dx : float or None
        Pixel size; lengths are in ``length_unit`` with it, in pixels without.
    length_unit : str or None
        Unit of ``dx`` (None when ``dx`` is None).
    """

    names: tuple[str, ...]
    connectivity: int = 4
    min_area: float = 0.0
    max_missing_fraction: float = 0.0
    dx: float | None = None
    length_unit: str | None = None

    @classmethod
    def of(
        cls,
        metrics: Iterable[str] | str | None = None,
        *,
        connectivity: int = 4,
        min_area: float = 0,
        max_missing_fraction: float = 0.0,
        dx: float | None = None,
        length_unit: str = "km",
    ) -> TileMetrics:
        """Validated options, with the metric names resolved.

        Parameters are those of :func:`~cloudorg.metrics.compute_metrics`;
        ``length_unit`` is the unit of ``dx`` (ignored without ``dx``).

        Raises
        ------
        ConfigError
            For an unknown metric or an invalid option.

        Examples
        --------
        >>> TileMetrics.of(["iorg", "cloud_fraction"], dx=2.0).names
        ('iorg', 'cloud_fraction')
        >>> TileMetrics.of(connectivity=6)
        Traceback (most recent call last):
        ...
        cloudorg.errors.ConfigError: connectivity must be 4 or 8, got 6
        """
        # compute_metrics validates every option and orders the names; one clear pixel is
        # the cheapest mask it accepts.
        names = compute_metrics(
            np.zeros((1, 1), bool),
            metrics=metrics,
            connectivity=connectivity,
            min_area=min_area,
            max_missing_fraction=max_missing_fraction,
            dx=dx,
        )
        return cls(
            names=tuple(names),
            connectivity=int(connectivity),
            min_area=float(min_area),
            max_missing_fraction=float(max_missing_fraction),
            dx=None if dx is None else float(dx),
            length_unit=None if dx is None else str(length_unit),
        )

    def compute(self, tiles: np.ndarray) -> np.ndarray:
        """The metrics of every tile of a stack.

        Parameters
        ----------
        tiles : numpy.ndarray, shape ``(..., ny, nx)``
            Tile masks: bool, or 0/1 with NaN for missing pixels.

        Returns
        -------
        numpy.ndarray, shape ``(..., len(names))``
            float64 values in the order of :attr:`names`.

        Examples
        --------
        >>> tiles = np.zeros((3, 8, 8), bool); tiles[1, :2] = True
        >>> TileMetrics.of(["cloud_fraction"]).compute(tiles)[:, 0].tolist()
        [0.0, 0.25, 0.0]
        """
        tiles = np.asarray(tiles)
        if tiles.ndim < 2:
            raise ConfigError(f"tiles must have shape (..., ny, nx), got {tiles.shape}")
        flat = tiles.reshape(-1, *tiles.shape[-2:])
        out = np.empty((flat.shape[0], len(self.names)), dtype=np.float64)
        kwargs = {
            "metrics": self.names,
            "connectivity": self.connectivity,
            "min_area": self.min_area,
            "dx": self.dx,
            "seed": _INHIBITION_SEED,
            "max_missing_fraction": self.max_missing_fraction,
            "warn_missing": False,
        }
        for i, tile in enumerate(flat):
            out[i] = list(compute_metrics(tile, **kwargs).values())
        self._warn_missing(flat)
        return out.reshape(*tiles.shape[:-2], len(self.names))

    def _warn_missing(self, flat: np.ndarray) -> None:
        """One warning for all the tiles with more missing pixels than allowed."""
        if set(self.names) == {"cloud_fraction"} or flat.dtype.kind != "f":
            return
        missing = np.isnan(flat).sum(axis=(1, 2))
        lost = int(too_many_missing(missing, flat.shape[1] * flat.shape[2],
                                    self.max_missing_fraction).sum())  # fmt: skip
        if lost:
            warnings.warn(
                f"{lost} of {len(flat)} tiles have more missing pixels than "
                f"max_missing_fraction={self.max_missing_fraction:g}: every metric but "
                "cloud_fraction is NaN there; pass a larger max_missing_fraction to compute "
                "them with the missing pixels counted as clear",
                MissingPixelsWarning,
                stacklevel=3,
            )

    def attrs(self) -> dict[str, Any]:
        """JSON-able attributes recording the options.

        Examples
        --------
        >>> attrs = TileMetrics.of(["iorg"]).attrs()
        >>> attrs["metrics"], attrs["length_unit"]
        (['iorg'], 'pixel')
        """
        return {
            "metrics": list(self.names),
            "connectivity": self.connectivity,
            "min_area": self.min_area,
            "max_missing_fraction": self.max_missing_fraction,
            "pixel_size": 1.0 if self.dx is None else self.dx,
            "length_unit": self.length_unit or "pixel",
            "inhibition_seed": _INHIBITION_SEED,
        }

    def dataset(self, values: xr.DataArray) -> xr.Dataset:
        """One variable per metric from rows of values, with CF attributes.

        Parameters
        ----------
        values : xarray.DataArray
            Values with a trailing ``metric`` dimension in the order of :attr:`names`
            (from :meth:`compute`); its other dims and coordinates are kept.

        Returns
        -------
        xarray.Dataset
            Variables named after the metrics with ``units``, ``long_name`` and
            ``citation``; attributes of :meth:`attrs`.

        Examples
        --------
        >>> m = TileMetrics.of(["max_length_scale"], dx=2.0)
        >>> ds = m.dataset(xr.DataArray([[3.0]], dims=("tile", METRIC_DIM)))
        >>> ds["max_length_scale"].attrs["units"], ds["max_length_scale"].values.tolist()
        ('km', [3.0])
        """
        if values.dims[-1:] != (METRIC_DIM,) or values.sizes[METRIC_DIM] != len(self.names):
            raise ConfigError(
                f"values need a trailing {METRIC_DIM!r} dim of {len(self.names)} entries, got "
                f"dims {values.dims} and shape {values.shape}"
            )
        variables = {}
        for i, name in enumerate(self.names):
            entry = METRICS[name]
            variables[name] = values.isel({METRIC_DIM: i}, drop=True).assign_attrs(
                units=entry.units_for(self.length_unit),
                long_name=entry.long_name,
                citation=entry.citation,
            )
        return xr.Dataset(variables, attrs=self.attrs())


def metrics_for_tiles(
    tiles: xr.DataArray,
    *,
    metrics: Iterable[str] | str | None = None,
    connectivity: int = 4,
    min_area: float = 0,
    max_missing_fraction: float = 0.0,
    dx: float | None = None,
    length_unit: str = "km",
) -> xr.Dataset:
    """Cloud-mask metrics of every tile of a stack of masks (your own masks or tiles).

    The per-tile code of :func:`~cloudorg.metrics.metrics_for_store`, for masks you made
    yourself: e.g. ``cloud_mask(scenes)`` cut into tiles, or model output.

    Parameters
    ----------
    tiles : xarray.DataArray
        Dims ``(tile, y, x)`` (any names, in that order): 1 cloud, 0 clear, NaN missing
        (or bool). Dask-backed input gives a lazy result, computed chunk by chunk along
        the first dim (each chunk holds whole tiles).
    metrics, connectivity, min_area, max_missing_fraction, dx
        As for :func:`~cloudorg.metrics.compute_metrics`; tiles with more missing
        pixels than ``max_missing_fraction`` get NaN for every metric but
        ``cloud_fraction``.
    length_unit : str, default "km"
        Unit of ``dx`` (lengths are in pixels without ``dx``).

    Returns
    -------
    xarray.Dataset
        One float64 variable per metric along the tiles' first dim, with ``units``,
        ``long_name`` and ``citation``; the tiles' coordinates along that dim are kept.
        Attributes: the options (``metrics``, ``connectivity``, ``min_area``,
        ``max_missing_fraction``, ``pixel_size``, ``length_unit``, ``inhibition_seed``)
        and ``mask_recipe`` (from the tiles' attributes when :func:`cloudorg.masks.cloud_mask`
        made them).

    Raises
    ------
    ConfigError
        When ``tiles`` is not a 3-D DataArray, or for an invalid option.

    Examples
    --------
    >>> import numpy as np, xarray as xr
    >>> masks = xr.DataArray(np.eye(16, dtype=bool)[None].repeat(3, 0), dims=("tile", "y", "x"),
    ...                      coords={"tile": [10, 11, 12]})
    >>> ds = metrics_for_tiles(masks.chunk(tile=2), metrics="num_objects", dx=1.0)
    >>> ds["num_objects"].values.tolist(), ds["tile"].values.tolist()
    ([16.0, 16.0, 16.0], [10, 11, 12])
    """
    if not isinstance(tiles, xr.DataArray) or tiles.ndim != 3:
        raise ConfigError(
            "tiles must be an xarray.DataArray with dims (tile, y, x), got "
            f"{type(tiles).__name__} with dims {getattr(tiles, 'dims', None)}"
        )
    options = TileMetrics.of(
        metrics,
        connectivity=connectivity,
        min_area=min_area,
        max_missing_fraction=max_missing_fraction,
        dx=dx,
        length_unit=length_unit,
    )
    _, y, x = tiles.dims
    values = xr.apply_ufunc(
        options.compute,
        tiles,
        input_core_dims=[[y, x]],
        output_core_dims=[[METRIC_DIM]],
        dask="parallelized",
        output_dtypes=[np.float64],
        dask_gufunc_kwargs={
            "output_sizes": {METRIC_DIM: len(options.names)},
            "allow_rechunk": True,
        },
    )
    ds = options.dataset(values)
    return ds.assign_attrs(mask_recipe=tiles.attrs.get("mask_recipe", "given by the caller"))
