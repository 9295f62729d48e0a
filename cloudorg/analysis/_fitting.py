"""What every fitted model shares: the NaN-row policy, the scaler and the model skeleton.

Rows (tiles) with any non-finite feature are left out of a fit and of an application
(metrics fitted with their NaN imputed fill them with the same medians when applied);
per-tile outputs keep every tile, with NaN or -1 in those rows, and the attrs count them
(``n_dropped_nan``). Features are centred on the training mean and, when standardised,
divided by the training standard deviation (1 for a constant feature); the model keeps
both as ``center`` and ``scale`` along the feature dimension.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import xarray as xr

from cloudorg.analysis.checks import TILE
from cloudorg.analysis.features import METRIC, feature_matrix, fill_missing
from cloudorg.errors import ConfigError


@dataclass(frozen=True)
class Rows:
    """A feature matrix, which of its tiles are finite and their scaled features."""

    matrix: xr.DataArray
    finite: np.ndarray
    x: np.ndarray

    @property
    def feature(self) -> str:
        """Name of the feature dimension."""
        return str(self.matrix.dims[1])

    def per_tile(self, values: np.ndarray, fill: Any) -> np.ndarray:
        """Spread values of the finite rows over every tile, ``fill`` elsewhere."""
        out = np.full((self.finite.size, *values.shape[1:]), fill, dtype=values.dtype)
        out[self.finite] = values
        return out


def _finite_rows(values: np.ndarray, min_rows: int) -> np.ndarray:
    """Which rows are finite, after checking there are at least ``min_rows``."""
    finite = np.isfinite(values).all(axis=1)
    if finite.sum() < min_rows:
        raise ConfigError(
            f"data: {int(finite.sum())} tiles have finite features, at least {min_rows} are needed"
        )
    return finite


def fit_rows(data: Any, standardise: bool | None, min_rows: int = 2) -> tuple[Rows, xr.Dataset]:
    """Scale the data for a fit and start the model dataset (coords, scaler, attrs).

    ``standardise=None`` standardises metrics (a Dataset, or a matrix with a ``metric``
    dimension: mixed units) and only centres anything else (embeddings).
    """
    matrix = feature_matrix(data)
    if standardise is None:
        standardise = matrix.dims[1] == METRIC
    values = matrix.values
    finite = _finite_rows(values, min_rows)
    center = values[finite].mean(axis=0)
    std = values[finite].std(axis=0)
    scale = np.where(std > 0, std, 1.0) if standardise else np.ones_like(center)
    rows = Rows(matrix, finite, (values[finite] - center) / scale)
    feature = rows.feature
    model = xr.Dataset(
        {
            "center": (feature, center, {"long_name": "training mean of each feature"}),
            "scale": (
                feature,
                scale,
                {"long_name": "divisor of each centred feature (standard deviation or 1)"},
            ),
        },
        coords={name: coord for name, coord in matrix.coords.items() if TILE not in coord.dims},
        attrs={"feature_dim": feature, "standardised": int(bool(standardise))},
    )
    return rows, model


def apply_rows(model: xr.Dataset, data: Any) -> Rows:
    """Scale new data with a fitted model's scaler, checking its features."""
    matrix = feature_matrix(data, features=model[str(model.attrs["feature_dim"])])
    values = matrix.values
    if "fill_value" in model.coords:  # metrics fitted with their NaN imputed
        values = fill_missing(values, model["fill_value"].values)
    finite = _finite_rows(values, 1)
    return Rows(matrix, finite, (values[finite] - model["center"].values) / model["scale"].values)


def tile_coords(rows: Rows) -> dict[str, Any]:
    """The ``tile`` coordinate of the input, when it has one."""
    return {TILE: rows.matrix[TILE].values} if TILE in rows.matrix.coords else {}


def count_attrs(rows: Rows) -> dict[str, int]:
    """Number of tiles used and left out (non-finite features)."""
    used = int(rows.finite.sum())
    return {"n_tiles_used": used, "n_dropped_nan": int(rows.finite.size - used)}
