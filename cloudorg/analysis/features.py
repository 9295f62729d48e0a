"""Feature matrices ``(tile, feature)`` from embeddings or a metrics dataset.

Every analysis works on a 2-D float matrix with one row per tile. An embedding
DataArray ``(tile, embedding)`` is one already; a metrics Dataset (one variable per
metric along ``tile``) becomes one with :func:`metric_matrix`, which also applies the
column policy for metrics that are constant or too often undefined (NaN).

Examples
--------
>>> import numpy as np, xarray as xr
>>> metrics = xr.Dataset({"cloud_fraction": ("tile", [0.1, 0.5, 0.3]),
...                       "iorg": ("tile", [0.4, np.nan, 0.6]),
...                       "flat": ("tile", [1.0, 1.0, 1.0])})
>>> metric_matrix(metrics, max_nan_fraction=0.5).metric.values.tolist()
['cloud_fraction', 'iorg']
"""

from __future__ import annotations

import numbers
from collections.abc import Iterable
from typing import Any

import numpy as np
import xarray as xr

from cloudorg.analysis._inputs import TILE, check_tile_frame
from cloudorg.errors import ConfigError

__all__ = ["metric_matrix"]

METRIC = "metric"
"""The feature dimension of a matrix made from a metrics dataset."""


def _is_metric(metrics: xr.Dataset, name: Any) -> bool:
    var = metrics.data_vars.get(name)
    return var is not None and var.dims == (TILE,) and var.dtype.kind in "iuf"


def _metric_variables(metrics: xr.Dataset, variables: Iterable[str] | None) -> list[str]:
    if variables is None:
        return [str(name) for name in metrics.data_vars if _is_metric(metrics, name)]
    names = [variables] if isinstance(variables, str) else list(variables)
    bad = [n for n in names if not _is_metric(metrics, n)]
    if bad:
        raise ConfigError(
            f"variables: {bad} are not numeric per-tile variables of the metrics dataset"
        )
    return names


def metric_matrix(
    metrics: xr.Dataset,
    *,
    variables: Iterable[str] | None = None,
    max_nan_fraction: float = 0.1,
) -> xr.DataArray:
    """Stack per-tile metrics into a ``(tile, metric)`` float64 matrix.

    Columns are dropped (and listed in the attrs) when they are constant or all-NaN,
    or when more than ``max_nan_fraction`` of the tiles have no value (among the tiles
    with a value of any metric: tiles the quality filters left out do not count).
    Remaining NaN stay in place; each analysis then leaves those tiles out and counts
    them.

    Parameters
    ----------
    metrics : xarray.Dataset
        One numeric variable per metric along ``tile`` (e.g. from
        :func:`cloudorg.metrics.compute_metrics` per tile), with ``units`` attrs.
    variables : iterable of str, optional
        Metrics to use; default every numeric per-tile variable.
    max_nan_fraction : float, default 0.1
        Largest fraction of NaN tolerated in a kept column.

    Returns
    -------
    xarray.DataArray
        Dims ``(tile, metric)``; coordinate ``metric`` (names) and ``metric_units``;
        attrs ``dropped_metrics`` (names) and ``max_nan_fraction``.

    Raises
    ------
    ConfigError
        When the input is not a per-tile dataset, a variable is unknown, or no column
        is left.

    Examples
    --------
    >>> import xarray as xr
    >>> ds = xr.Dataset({"num_objects": ("tile", [3.0, 8.0], {"units": "1"})})
    >>> m = metric_matrix(ds)
    >>> m.dims, m.metric_units.values.tolist()
    (('tile', 'metric'), ['1'])
    """
    if not isinstance(max_nan_fraction, numbers.Real) or not 0 <= max_nan_fraction <= 1:
        raise ConfigError(
            f"max_nan_fraction: expected a number in [0, 1], got {max_nan_fraction!r}"
        )
    stacked = stack_metrics(metrics, variables)
    values = stacked.values
    finite = np.isfinite(values)
    high = np.where(finite, values, -np.inf).max(axis=0)
    spread = high - np.where(finite, values, np.inf).min(axis=0)
    present = finite.any(axis=1)  # tiles without any value (filtered out) do not count
    nan_fraction = 1.0 - finite[present].mean(axis=0) if present.any() else np.ones(len(high))
    usable = (spread > 0) & (nan_fraction <= max_nan_fraction)
    names = stacked[METRIC].values.tolist()
    if not usable.any():
        raise ConfigError(
            f"metrics: no usable column among {names} (all constant, or more than "
            f"max_nan_fraction={max_nan_fraction} NaN)"
        )
    matrix = stacked.isel({METRIC: np.flatnonzero(usable)})
    matrix.attrs.update(
        dropped_metrics=[n for n, ok in zip(names, usable, strict=True) if not ok],
        max_nan_fraction=float(max_nan_fraction),
    )
    return matrix


def stack_metrics(metrics: xr.Dataset, variables: Iterable[str] | None = None) -> xr.DataArray:
    """Every requested metric as a column of a ``(tile, metric)`` matrix, none dropped."""
    if not isinstance(metrics, xr.Dataset):
        raise ConfigError(f"metrics: expected an xarray.Dataset, got {type(metrics).__name__}")
    check_tile_frame(metrics, "metrics")
    names = _metric_variables(metrics, variables)
    if not names:
        raise ConfigError("metrics: the dataset has no numeric per-tile variable")
    return _stack(metrics, {name: metrics[name].values.astype(np.float64) for name in names})


def _stack(metrics: xr.Dataset, columns: dict[str, np.ndarray]) -> xr.DataArray:
    coords: dict[str, Any] = {
        METRIC: list(columns),
        "metric_units": (METRIC, [str(metrics[n].attrs.get("units", "")) for n in columns]),
    }
    if TILE in metrics.coords:
        coords[TILE] = metrics[TILE].values
    data = np.stack(list(columns.values()), axis=1)
    return xr.DataArray(
        data,
        dims=(TILE, METRIC),
        coords=coords,
        name="metrics",
        attrs={"long_name": "cloud-mask metrics"},
    )


def feature_matrix(
    data: Any, name: str = "data", features: xr.DataArray | None = None
) -> xr.DataArray:
    """A ``(tile, feature)`` float64 matrix with a coordinate on the feature dimension.

    Without ``features`` (fitting), a Dataset goes through :func:`metric_matrix` with its
    defaults and a 2-D DataArray (embeddings) is transposed to put ``tile`` first and
    given an integer feature coordinate when it has none. With ``features`` (the feature
    coordinate of a fitted model), exactly those features are taken, in that order.
    """
    if isinstance(data, xr.Dataset):
        check_tile_frame(data, name)
        if features is None:
            return metric_matrix(data)
        names = [str(v) for v in features.values]
        missing = [n for n in names if not _is_metric(data, n)]
        if features.name != METRIC or missing:
            raise ConfigError(
                f"{name}: lacks the per-tile features {missing or names} of the fitted model"
            )
        return stack_metrics(data, names)
    check_tile_frame(data, name)
    if data.ndim != 2:
        raise ConfigError(
            f"{name}: expected a 2-D (tile, feature) DataArray such as embeddings "
            f"(tile, embedding), got dims {data.dims}"
        )
    feature = next(str(d) for d in data.dims if d != TILE)
    matrix = data.transpose(TILE, feature).astype(np.float64)
    if feature not in matrix.coords:
        matrix = matrix.assign_coords({feature: np.arange(matrix.sizes[feature])})
    if features is not None and (
        feature != features.name
        or matrix.sizes[feature] != features.size
        or not np.array_equal(matrix[feature].values, features.values)
    ):
        raise ConfigError(
            f"{name}: its features ({feature}: {matrix.sizes[feature]}) differ from those "
            f"the model was fitted on ({features.name}: {features.size})"
        )
    return matrix
