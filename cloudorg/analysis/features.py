"""Feature matrices ``(tile, feature)`` from embeddings or a metrics dataset.

Every analysis works on a 2-D float matrix with one row per tile. An embedding
DataArray ``(tile, embedding)`` is one already; a metrics Dataset (one variable per
metric along ``tile``) becomes one with :func:`metric_matrix`, which also applies the
rule for metrics that are constant or undefined (NaN) on some tiles: impute the median
(default), drop the metric, or drop the tile.

Examples
--------
>>> import numpy as np, xarray as xr
>>> metrics = xr.Dataset({"cloud_fraction": ("tile", [0.1, 0.5, 0.3]),
...                       "iorg": ("tile", [0.4, np.nan, 0.6]),
...                       "flat": ("tile", [1.0, 1.0, 1.0])})
>>> metric_matrix(metrics).metric.values.tolist()
['cloud_fraction', 'iorg']
"""

from __future__ import annotations

import numbers
from collections.abc import Iterable
from typing import Any

import numpy as np
import xarray as xr

from cloudorg.analysis.checks import TILE, check_tile_frame
from cloudorg.errors import ConfigError

__all__ = ["MISSING_POLICIES", "metric_matrix"]

METRIC = "metric"
"""The feature dimension of a matrix made from a metrics dataset."""
MISSING_POLICIES = ("impute", "drop_metric", "drop_tile")
"""Rules for metrics undefined on some tiles (see :func:`metric_matrix`)."""
DEFAULT_MAX_NAN_FRACTION = {"impute": 0.5, "drop_metric": 0.1, "drop_tile": 1.0}
"""Largest fraction of NaN of a kept metric under each rule, unless given."""


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


def _nan_limit(missing: str, max_nan_fraction: float | None) -> float:
    if missing not in MISSING_POLICIES:
        raise ConfigError(f"missing: expected one of {MISSING_POLICIES}, got {missing!r}")
    if max_nan_fraction is None:
        return DEFAULT_MAX_NAN_FRACTION[missing]
    if not isinstance(max_nan_fraction, numbers.Real) or not 0 <= max_nan_fraction <= 1:
        raise ConfigError(
            f"max_nan_fraction: expected a number in [0, 1], got {max_nan_fraction!r}"
        )
    return float(max_nan_fraction)


def fill_missing(values: np.ndarray, fill: np.ndarray) -> np.ndarray:
    """``values`` with the NaN of every tile that has some value replaced by ``fill``.

    Tiles without any value (left out by the quality filters) stay NaN.

    Examples
    --------
    >>> import numpy as np
    >>> fill_missing(np.array([[1.0, np.nan], [np.nan, np.nan]]), np.array([0.0, 9.0]))
    array([[ 1.,  9.],
           [nan, nan]])
    """
    present = np.isfinite(values).any(axis=1, keepdims=True)
    return np.where(np.isnan(values) & present, fill, values)


def metric_matrix(
    metrics: xr.Dataset,
    *,
    variables: Iterable[str] | None = None,
    missing: str = "impute",
    max_nan_fraction: float | None = None,
) -> xr.DataArray:
    """Stack per-tile metrics into a ``(tile, metric)`` float64 matrix, with a rule for NaN.

    A metric is undefined on some tiles (Iorg without enough clouds, a size exponent
    without enough objects). Fractions count among the tiles with a value of any metric
    (tiles the quality filters left out do not count, and stay NaN). Constant and
    all-NaN metrics are always dropped; then, by ``missing``:

    ``impute`` (default: keeps every tile and every metric defined on at least half of
    them)
        metrics NaN on more than ``max_nan_fraction`` (default 0.5) of the tiles are
        dropped; the other NaN take the metric's median (coordinate ``fill_value``).
    ``drop_metric``
        metrics NaN on more than ``max_nan_fraction`` (default 0.1) of the tiles are
        dropped; tiles with a NaN left are then left out by each analysis.
    ``drop_tile``
        no metric is dropped for its NaN (``max_nan_fraction`` default 1); every tile
        with a NaN is left out by each analysis.

    Parameters
    ----------
    metrics : xarray.Dataset
        One numeric variable per metric along ``tile`` (e.g. from
        :func:`cloudorg.metrics.compute_metrics` per tile), with ``units`` attrs.
    variables : iterable of str, optional
        Metrics to use; default every numeric per-tile variable.
    missing : {"impute", "drop_metric", "drop_tile"}, default "impute"
        The rule for NaN.
    max_nan_fraction : float, optional
        Largest fraction of NaN tolerated in a kept metric (default by rule, above).

    Returns
    -------
    xarray.DataArray
        Dims ``(tile, metric)``; coordinates ``metric`` (names), ``metric_units``,
        ``nan_fraction`` and, with ``impute``, ``fill_value``; attrs ``missing``,
        ``max_nan_fraction``, ``dropped_metrics`` (names), ``dropped_reasons`` (name:
        why), ``n_imputed`` (values filled) and ``n_tiles_incomplete`` (tiles with a value
        but a NaN left, which analyses leave out).

    Raises
    ------
    ConfigError
        When the input is not a per-tile dataset, a variable or rule is unknown, or no
        metric is left.

    Examples
    --------
    >>> import numpy as np, xarray as xr
    >>> ds = xr.Dataset({"num_objects": ("tile", [3.0, 8.0, 5.0], {"units": "1"}),
    ...                  "iorg": ("tile", [0.5, np.nan, 0.7], {"units": "1"})})
    >>> m = metric_matrix(ds)
    >>> m.sel(metric="iorg").values.tolist(), m.attrs["n_imputed"]
    ([0.5, 0.6, 0.7], 1)
    >>> metric_matrix(ds, missing="drop_metric").attrs["dropped_reasons"]
    {'iorg': 'NaN on 33 % of the tiles (more than 10 %)'}
    """
    limit = _nan_limit(missing, max_nan_fraction)
    stacked = stack_metrics(metrics, variables)
    values = stacked.values
    finite = np.isfinite(values)
    high = np.where(finite, values, -np.inf).max(axis=0)
    spread = high - np.where(finite, values, np.inf).min(axis=0)
    present = finite.any(axis=1)  # tiles without any value (filtered out) do not count
    nan_fraction = 1.0 - finite[present].mean(axis=0) if present.any() else np.ones(len(high))
    names = stacked[METRIC].values.tolist()
    reasons: dict[str, str] = {}
    for name, width, fraction in zip(names, spread, nan_fraction, strict=True):
        if fraction >= 1:
            reasons[name] = "no value"
        elif not width > 0:
            reasons[name] = "constant"
        elif fraction > limit:
            reasons[name] = (
                f"NaN on {100 * fraction:.0f} % of the tiles (more than {100 * limit:.0f} %)"
            )
    usable = np.array([n not in reasons for n in names])
    if not usable.any():
        raise ConfigError(
            f"metrics: no usable column among {names} (all constant, or more than "
            f"max_nan_fraction={limit} NaN)"
        )
    matrix = stacked.isel({METRIC: np.flatnonzero(usable)}).assign_coords(
        nan_fraction=(
            METRIC,
            nan_fraction[usable],
            {"long_name": "fraction of tiles without a value", "units": "1"},
        )
    )
    n_imputed = 0
    if missing == "impute":
        kept = matrix.values
        fill = np.nanmedian(np.where(present[:, None], kept, np.nan), axis=0)
        filled = fill_missing(kept, fill)
        n_imputed = int(np.isnan(kept).sum() - np.isnan(filled).sum())
        matrix = matrix.copy(data=filled).assign_coords(
            fill_value=(METRIC, fill, {"long_name": "median that replaces a missing value"})
        )
    incomplete = present & ~np.isfinite(matrix.values).all(axis=1)
    matrix.attrs.update(
        missing=missing,
        max_nan_fraction=limit,
        dropped_metrics=[n for n in names if n in reasons],
        dropped_reasons=reasons,
        n_imputed=n_imputed,
        n_tiles_incomplete=int(incomplete.sum()),
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
