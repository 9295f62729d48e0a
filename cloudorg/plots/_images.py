"""Scene and tile images cut from a scenes dataset by a tile table."""

from __future__ import annotations

import numpy as np
import xarray as xr
from matplotlib.axes import Axes

from cloudorg.errors import ConfigError

TILE_COLUMNS = ("scene_index", "row0", "col0")


def check_tiles(tiles: xr.Dataset) -> int:
    """The tile size of a tile table, after checking its columns."""
    if not isinstance(tiles, xr.Dataset) or any(c not in tiles for c in TILE_COLUMNS):
        raise ConfigError(
            f"tiles: expected a tile table (xarray.Dataset with {TILE_COLUMNS} along 'tile' "
            "and attr 'tile_size')"
        )
    if "tile_size" not in tiles.attrs:
        raise ConfigError("tiles: the tile table lacks its 'tile_size' attribute")
    return int(tiles.attrs["tile_size"])


def _display(values: np.ndarray) -> np.ndarray:
    """Values scaled to [0, 1] for imshow: uint8 by 255, others by their 1–99 % range."""
    if values.dtype == np.uint8:
        return values / 255.0
    values = values.astype(np.float64)
    finite = values[np.isfinite(values)]
    if finite.size == 0:
        return np.zeros_like(values)
    low, high = np.percentile(finite, [1, 99])
    return np.clip((values - low) / (high - low if high > low else 1.0), 0, 1)


def scene_image(
    scenes: xr.Dataset,
    scene: int,
    image: str,
    rows: slice = slice(None),
    cols: slice = slice(None),
) -> np.ndarray:
    """An RGB ``(y, x, 3)`` or greyscale ``(y, x)`` image in [0, 1] of one scene (part).

    ``image`` names a variable of ``scenes``: ``(scene, band, y, x)`` for RGB (e.g.
    ``rgb``) or ``(scene, y, x)`` for greyscale (e.g. ``reflectance_0p64``).
    """
    if not isinstance(scenes, xr.Dataset) or image not in scenes:
        raise ConfigError(f"scenes: expected an xarray.Dataset with a variable {image!r}")
    var = scenes[image]
    if not 0 <= scene < var.sizes.get("scene", 0):
        raise ConfigError(f"scene: index {scene} outside the {var.sizes.get('scene', 0)} scenes")
    part = var.isel(scene=scene, y=rows, x=cols)
    if "band" in part.dims:
        return _display(part.transpose("y", "x", "band").values)
    if part.dims != ("y", "x"):
        raise ConfigError(f"scenes: {image!r} must have dims (scene, [band,] y, x)")
    return _display(part.values)


def tile_image(tiles: xr.Dataset, scenes: xr.Dataset, tile: int, image: str) -> np.ndarray:
    """The image of one tile (by position in the tile table)."""
    size = check_tiles(tiles)
    row = tiles.isel(tile=tile)
    r0, c0 = int(row["row0"]), int(row["col0"])
    return scene_image(
        scenes, int(row["scene_index"]), image, slice(r0, r0 + size), slice(c0, c0 + size)
    )


def show(ax: Axes, picture: np.ndarray) -> None:
    """Draw an image without ticks."""
    ax.imshow(picture, cmap="gray" if picture.ndim == 2 else None, vmin=0, vmax=1)
    hide_ticks(ax)


def hide_ticks(ax: Axes) -> None:
    """Remove both axes' ticks (image panels)."""
    ax.set_xticks([])
    ax.set_yticks([])
