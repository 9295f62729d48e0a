"""Tiles of an in-memory or Dask-backed field: the tiling of a store, for any array.

:func:`tiles_of` cuts any ``(..., y, x)`` DataArray (a scene's RGB, a cloud mask, a
brightness-temperature field; a leading ``scene`` dim is folded into the tiles) into the
square tiles a :class:`~cloudorg.tiles.TileSpec` describes, lazily for Dask arrays, so that
metrics and embeddings work on fields that never went through a campaign store.

Examples
--------
>>> import numpy as np, xarray as xr
>>> field = xr.DataArray(np.arange(200 * 150.0).reshape(200, 150), dims=("y", "x"))
>>> tiles = tiles_of(field, 64, stride=32)
>>> tiles.dims, tiles.sizes["tile"], tiles.row0.values[:4].tolist()
(('tile', 'y', 'x'), 15, [0, 0, 0, 32])
"""

from __future__ import annotations

import numpy as np
import xarray as xr

from ..errors import ConfigError
from .grid import TileSpec

__all__ = ["tiles_of"]


def _pad_to(data: xr.DataArray, ny: int, nx: int) -> xr.DataArray:
    """``data`` padded at the bottom/right to ``ny`` x ``nx`` (NaN, or 0 for integers)."""
    pad_y, pad_x = ny - data.sizes["y"], nx - data.sizes["x"]
    if pad_y <= 0 and pad_x <= 0:
        return data
    fill = 0 if data.dtype.kind in "uib" else np.nan
    return data.pad(y=(0, max(pad_y, 0)), x=(0, max(pad_x, 0)), constant_values=fill)


def tiles_of(
    data: xr.DataArray,
    size: int = 256,
    *,
    stride: int | None = None,
    edge: str = "drop",
) -> xr.DataArray:
    """Cut a field into square tiles.

    Parameters
    ----------
    data : xarray.DataArray
        Dims ``(..., y, x)``; other dims (e.g. ``band``) are kept, and a ``scene`` dim is
        folded into ``tile`` (scene-major). Dask-backed input gives a lazy result.
    size : int
        Tile edge in pixels (64–1024).
    stride : int, optional
        Pixels between tile starts (default ``size``).
    edge : {"drop", "pad", "shift"}
        Edge policy of :class:`~cloudorg.tiles.TileSpec`; ``pad`` fills with NaN (0 for
        integer fields).

    Returns
    -------
    xarray.DataArray
        Dims ``(tile, ..., y, x)`` with ``y``/``x`` of length ``size``; coordinates
        ``row0``/``col0`` (first pixel of each tile), ``y_centre``/``x_centre`` (the
        field's coordinate at the tile centre, when it has 1-D ``y``/``x`` coordinates) and,
        with a ``scene`` dim, ``scene``. Attributes of ``data`` plus the tiling.

    Raises
    ------
    cloudorg.errors.ConfigError
        For a field without ``y``/``x`` dims, or a tiling that leaves no tile.

    Examples
    --------
    >>> import numpy as np, xarray as xr
    >>> rgb = xr.DataArray(np.zeros((3, 100, 130), np.uint8), dims=("band", "y", "x"))
    >>> tiles_of(rgb, 64, edge="pad").sizes
    Frozen({'tile': 6, 'band': 3, 'y': 64, 'x': 64})
    >>> tiles_of(rgb, 128)
    Traceback (most recent call last):
    ...
    cloudorg.errors.ConfigError: data: no 128-px tile fits a field of 100 x 130 px ...
    """
    if not isinstance(data, xr.DataArray) or not {"y", "x"} <= set(data.dims):
        raise ConfigError(f"data: expected a DataArray with dims (..., y, x), got {data!r:.80}")
    spec = TileSpec(size, stride, edge)
    ny, nx = data.sizes["y"], data.sizes["x"]
    rows, _ = spec.offsets(ny)
    cols, _ = spec.offsets(nx)
    if not rows.size or not cols.size:
        raise ConfigError(
            f"data: no {spec.size}-px tile fits a field of {ny} x {nx} px with edge "
            f"{spec.edge!r}; use edge='pad' or a smaller size"
        )
    row0, col0 = (a.ravel() for a in np.meshgrid(rows, cols, indexing="ij"))
    centres = {}
    for dim, starts in (("y", row0), ("x", col0)):
        if dim in data.coords and data[dim].ndim == 1:
            values = data[dim].values
            centres[f"{dim}_centre"] = values[np.minimum(starts + spec.size // 2, len(values) - 1)]
    field = _pad_to(data.drop_vars(["y", "x"], errors="ignore"), int(row0.max()) + spec.size,
                    int(col0.max()) + spec.size)  # fmt: skip
    offsets = np.arange(spec.size)
    tiles = field.isel(
        y=xr.DataArray(row0[:, None] + offsets, dims=("tile", "ty")),
        x=xr.DataArray(col0[:, None] + offsets, dims=("tile", "tx")),
    ).rename(ty="y", tx="x")
    coords = {"row0": ("tile", row0), "col0": ("tile", col0)}
    coords.update({name: ("tile", values) for name, values in centres.items()})
    tiles = tiles.assign_coords(coords)
    if "scene" in tiles.dims:
        tiles = tiles.stack(tiles=("scene", "tile")).transpose("tiles", ...)
        tiles = tiles.reset_index("tiles").drop_vars("tile", errors="ignore")
        tiles = tiles.rename(tiles="tile")
    order = ["tile", *[d for d in tiles.dims if d not in ("tile", "y", "x")], "y", "x"]
    tiles = tiles.transpose(*order)
    tiles.attrs = {**data.attrs, **spec.to_attrs()}
    return tiles
