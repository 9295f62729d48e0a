"""Argument checks shared by the analyses: seeds, integers, per-tile arrays, class codes."""

from __future__ import annotations

import numbers
from typing import Any

import numpy as np
import xarray as xr

from cloudorg.errors import ConfigError
from cloudorg.io.labels import CLASSES

TILE = "tile"
"""The dimension of one row per tile, shared by every input."""


def check_seed(seed: Any) -> int:
    """A non-negative integer seed, or ConfigError."""
    if isinstance(seed, bool) or not isinstance(seed, numbers.Integral) or seed < 0:
        raise ConfigError(f"seed: expected a non-negative integer, got {seed!r}")
    return int(seed)


def check_int(value: Any, name: str, minimum: int) -> int:
    """An integer ``>= minimum``, or ConfigError naming the argument."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < minimum:
        raise ConfigError(f"{name}: expected an integer >= {minimum}, got {value!r}")
    return int(value)


def check_tile_frame(data: Any, name: str) -> None:
    """Refuse anything but an xarray object with a ``tile`` dimension."""
    if not isinstance(data, xr.DataArray | xr.Dataset) or TILE not in data.dims:
        raise ConfigError(
            f"{name}: expected an xarray object with a {TILE!r} dimension, got "
            f"{type(data).__name__} with dims {getattr(data, 'dims', None)}"
        )


def tile_values(values: Any, like: xr.DataArray | xr.Dataset, name: str) -> np.ndarray:
    """The values of a 1-D per-tile DataArray that matches the tiles of ``like``.

    Tiles are matched by position; when both objects carry a ``tile`` coordinate it
    must be identical (no silent reordering or reindexing).
    """
    if not isinstance(values, xr.DataArray) or values.dims != (TILE,):
        raise ConfigError(
            f"{name}: expected a 1-D xarray.DataArray with dimension {TILE!r}, got "
            f"{type(values).__name__} with dims {getattr(values, 'dims', None)}"
        )
    if values.sizes[TILE] != like.sizes[TILE]:
        raise ConfigError(
            f"{name}: has {values.sizes[TILE]} tiles where {like.sizes[TILE]} are expected"
        )
    if TILE in values.coords and TILE in like.coords:
        if not np.array_equal(values[TILE].values, like[TILE].values):
            raise ConfigError(f"{name}: its 'tile' coordinate differs from that of the data")
    return np.asarray(values.values)


def integer_codes(values: np.ndarray, name: str) -> np.ndarray:
    """Integer codes as int64 with NaN and negative values turned into -1 (unknown)."""
    values = np.asarray(values)
    if values.dtype.kind == "f":
        missing = ~np.isfinite(values)
        if np.any(values[~missing] != np.round(values[~missing])):
            raise ConfigError(f"{name}: expected integer codes (or NaN for unknown)")
        values = np.where(missing, -1, values)
    elif values.dtype.kind not in "iub":
        raise ConfigError(f"{name}: expected integer codes, got dtype {values.dtype}")
    codes = values.astype(np.int64)
    return np.where(codes < 0, -1, codes)


def class_codes(labels: Any, like: xr.DataArray | xr.Dataset, name: str = "labels") -> np.ndarray:
    """Class codes of a label DataArray: 0 none, 1–4 the classes, -1 unknown (or NaN)."""
    codes = integer_codes(tile_values(labels, like, name), name)
    if np.any(codes > len(CLASSES)):
        raise ConfigError(
            f"{name}: expected class codes 0 (none), 1–{len(CLASSES)} ({', '.join(CLASSES)}) "
            f"or -1/NaN (unknown), got {sorted(set(codes[codes > len(CLASSES)].tolist()))}"
        )
    return codes
