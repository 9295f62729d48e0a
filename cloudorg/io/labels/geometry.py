"""Label geometry: boxes to pixel masks, boxes to any lon/lat grid, and labels per tile.

Conventions
-----------
* Pixel boxes are continuous coordinates ``[x0, x1) x [y0, y1)`` with ``x`` the column and
  ``y`` the row from the top; a pixel belongs to a box when its centre
  (``i + 0.5, j + 0.5``) lies inside. Integer edges cover columns ``x0 .. x1 - 1``.
* Lon/lat boxes are ``[box_lon_min, box_lon_max) x (box_lat_min, box_lat_max]`` (the same
  half-open sides as the pixel box: the image is north up, so ``y0`` is ``box_lat_max``).
  A grid pixel belongs to a box when its centre does. Longitudes are compared modulo 360,
  so grids in -180..180 and boxes in 159..180 (region 2) agree.
* Class maps are int8 with 0 none, 1 Sugar, 2 Gravel, 3 Fish, 4 Flower (CF
  ``flag_values`` / ``flag_meanings``).
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from typing import Any

import numpy as np
import pandas as pd
import xarray as xr

from ...errors import ConfigError
from .classes import (
    CLASSES,
    IMAGE_SHAPE,
    check_shape,
    class_map_attrs,
    label_codes,
    pixel_index_bounds,
    require_columns,
)

__all__ = ["boxes_to_mask", "labels_to_grid", "tile_labels", "votes_to_class_map"]

_LONLAT_BOX = ("box_lon_min", "box_lon_max", "box_lat_min", "box_lat_max")


def _one_image(boxes: pd.DataFrame) -> None:
    if "image" in boxes.columns and boxes["image"].nunique() > 1:
        raise ConfigError(
            f"boxes of {boxes['image'].nunique()} images given; pass the rows of one image "
            "(e.g. df[df.image == name] or a groupby('image') group)"
        )


def _select(boxes: pd.DataFrame, label: str | None) -> pd.DataFrame:
    """Rows with a box, of ``label`` when given."""
    has_box = boxes[["x0", "y0", "x1", "y1"]].notna().all(axis=1)
    if label is not None:
        if label not in CLASSES:
            raise ConfigError(f"label must be one of {list(CLASSES)} or None, got {label!r}")
        has_box &= boxes["label"].astype(object) == label
    return boxes[has_box]


def boxes_to_mask(
    boxes: pd.DataFrame,
    label: str | None = None,
    shape: tuple[int, int] = IMAGE_SHAPE,
) -> np.ndarray:
    """Rasterise the pixel boxes of one image into a boolean mask (union of the boxes).

    Parameters
    ----------
    boxes : pandas.DataFrame
        Rows of one image with ``x0, y0, x1, y1`` (pixel edges) and ``label``; rows without
        box (NaN) are ignored.
    label : str, optional
        Only boxes of this class (``"Sugar"``, ``"Gravel"``, ``"Fish"``, ``"Flower"``);
        default all boxes.
    shape : (int, int)
        Mask (rows, columns).

    Returns
    -------
    numpy.ndarray of bool, shape ``shape``
        True on pixels whose centre lies in a box.

    Examples
    --------
    >>> import pandas as pd
    >>> boxes = pd.DataFrame({"x0": [1.0], "y0": [0.0], "x1": [3.0], "y1": [2.0],
    ...                       "label": ["Fish"]})
    >>> boxes_to_mask(boxes, "Fish", shape=(3, 4)).astype(int)
    array([[0, 1, 1, 0],
           [0, 1, 1, 0],
           [0, 0, 0, 0]])
    >>> int(boxes_to_mask(boxes, "Sugar", shape=(3, 4)).sum())
    0
    """
    rows, cols = check_shape(shape)
    require_columns(boxes, ["x0", "y0", "x1", "y1", "label"])
    _one_image(boxes)
    sel = _select(boxes, label)
    mask = np.zeros((rows, cols), dtype=bool)
    c0, c1 = pixel_index_bounds(sel["x0"], sel["x1"], cols)
    r0, r1 = pixel_index_bounds(sel["y0"], sel["y1"], rows)
    for a, b, c, d in zip(r0.tolist(), r1.tolist(), c0.tolist(), c1.tolist(), strict=True):
        mask[a:b, c:d] = True
    return mask


def votes_to_class_map(votes: Any) -> np.ndarray:
    """Per-pixel class of per-class vote counts: the class with most votes, 0 without votes.

    Ties go to the lower class code (Sugar < Gravel < Fish < Flower).

    Parameters
    ----------
    votes : array-like, shape (4, ...)
        Votes of Sugar, Gravel, Fish, Flower (class codes 1..4) per pixel.

    Returns
    -------
    numpy.ndarray of int8, shape ``votes.shape[1:]``

    Examples
    --------
    >>> import numpy as np
    >>> votes_to_class_map(np.array([[0, 2, 1], [0, 1, 1], [0, 0, 0], [0, 0, 3]]))
    array([0, 1, 4], dtype=int8)
    """
    v = np.asarray(votes)
    if v.ndim < 1 or v.shape[0] != len(CLASSES):
        raise ConfigError(f"votes must have a leading class axis of 4, got shape {v.shape}")
    best = np.argmax(v, axis=0).astype(np.int8) + np.int8(1)
    return np.where(v.max(axis=0) > 0, best, np.int8(0)).astype(np.int8)


def _grid_arrays(lon: Any, lat: Any, dims: Sequence[Hashable] | None) -> tuple[Any, ...]:
    """2-D lon/lat arrays, the output dims and coordinates."""
    lon_a = np.asarray(lon, dtype=np.float64)
    lat_a = np.asarray(lat, dtype=np.float64)
    coords: dict[Hashable, Any] = {}
    if lon_a.ndim == 1 and lat_a.ndim == 1:
        out_dims = tuple(dims) if dims is not None else ("lat", "lon")
        if len(out_dims) != 2:
            raise ConfigError(f"dims must name two dimensions, got {dims!r}")
        coords = {
            "lat": (out_dims[0], lat_a, {"units": "degrees_north", "standard_name": "latitude"}),
            "lon": (out_dims[1], lon_a, {"units": "degrees_east", "standard_name": "longitude"}),
        }
        lon2, lat2 = np.meshgrid(lon_a, lat_a)
        return lon2, lat2, out_dims, coords
    if lon_a.ndim != 2 or lon_a.shape != lat_a.shape:
        raise ConfigError(
            "lon and lat must be two 2-D arrays of the same shape (or two 1-D axes), got "
            f"shapes {lon_a.shape} and {lat_a.shape}"
        )
    if dims is not None:
        out_dims = tuple(dims)
    elif isinstance(lon, xr.DataArray):
        out_dims = tuple(lon.dims)
    else:
        out_dims = ("y", "x")
    if len(out_dims) != 2:
        raise ConfigError(f"dims must name two dimensions, got {dims!r}")
    if isinstance(lon, xr.DataArray) and tuple(lon.dims) == out_dims:
        for name, c in lon.coords.items():
            if set(c.dims) <= set(out_dims) and name not in ("lon", "lat"):
                coords[name] = c
    coords["lon"] = (out_dims, lon_a, {"units": "degrees_east", "standard_name": "longitude"})
    coords["lat"] = (out_dims, lat_a, {"units": "degrees_north", "standard_name": "latitude"})
    return lon_a, lat_a, out_dims, coords


def labels_to_grid(
    boxes: pd.DataFrame,
    lon: Any,
    lat: Any,
    *,
    dims: Sequence[Hashable] | None = None,
) -> xr.Dataset:
    """Rasterise lon/lat label boxes onto a target grid: votes per class and a class map.

    Parameters
    ----------
    boxes : pandas.DataFrame
        Rows with ``box_lon_min, box_lon_max, box_lat_min, box_lat_max`` and ``label`` (as
        from :func:`read_zooniverse`); rows without box are ignored. Usually the boxes of
        one image or one date; boxes of several users (and images) add up as votes.
    lon, lat : array-like
        Pixel-centre longitudes and latitudes of the grid: two 2-D arrays of the same shape
        (e.g. ``AreaDefinition.get_lonlats()``; NaN for pixels off the earth) or two 1-D
        axes of a regular lon/lat grid.
    dims : sequence of two str, optional
        Output dimension names; default ``("y", "x")`` for 2-D input (or the dims of a
        ``lon`` DataArray), ``("lat", "lon")`` for 1-D axes.

    Returns
    -------
    xarray.Dataset
        ``label`` (int8, ``dims``): the class with most votes per pixel (0 none, 1 Sugar,
        2 Gravel, 3 Fish, 4 Flower; ties to the lower code), with CF ``flag_values`` and
        ``flag_meanings``; ``votes`` (int16, ``("class", *dims)``): the number of boxes of
        each class covering the pixel; coordinates ``class`` (names), ``class_code``,
        ``lon`` and ``lat``.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> boxes = pd.DataFrame({"box_lon_min": [-60.0, -59.0], "box_lon_max": [-58.0, -58.0],
    ...                       "box_lat_min": [12.0, 12.0], "box_lat_max": [14.0, 13.0],
    ...                       "label": ["Sugar", "Fish"]})
    >>> lon = np.arange(-60.5, -56, 1.0)          # pixel centres -60.5 .. -56.5
    >>> lat = np.arange(14.5, 11, -1.0)           # 14.5 .. 11.5, north first
    >>> ds = labels_to_grid(boxes, lon, lat)
    >>> ds["label"].values
    array([[0, 0, 0, 0, 0],
           [0, 1, 1, 0, 0],
           [0, 1, 1, 0, 0],
           [0, 0, 0, 0, 0]], dtype=int8)
    >>> int(ds["votes"].sel({"class": "Fish"}).sum())
    1
    """
    require_columns(boxes, [*_LONLAT_BOX, "label"])
    lon2, lat2, out_dims, coords = _grid_arrays(lon, lat, dims)
    sel = boxes[boxes[list(_LONLAT_BOX)].notna().all(axis=1) & boxes["label"].notna()]
    codes = label_codes(sel["label"])
    votes = np.zeros((len(CLASSES), *lon2.shape), dtype=np.int16)
    if len(sel):
        lon360 = np.mod(lon2, 360.0)
        blon0 = sel["box_lon_min"].to_numpy(np.float64)
        width = sel["box_lon_max"].to_numpy(np.float64) - blon0
        blat0 = sel["box_lat_min"].to_numpy(np.float64)
        blat1 = sel["box_lat_max"].to_numpy(np.float64)
        with np.errstate(invalid="ignore"):
            for k in range(len(sel)):
                if not (width[k] > 0 and blat1[k] > blat0[k]):
                    continue
                in_lat = (lat2 > blat0[k]) & (lat2 <= blat1[k])
                in_lon = np.mod(lon360 - blon0[k], 360.0) < width[k]
                if width[k] >= 360.0:
                    in_lon = np.isfinite(lon2)
                votes[codes[k] - 1] += in_lat & in_lon
    label_map = votes_to_class_map(votes)
    ds = xr.Dataset(
        {
            "label": (out_dims, label_map, class_map_attrs()),
            "votes": (
                ("class", *out_dims),
                votes,
                {"long_name": "number of labelled boxes of the class covering the pixel"},
            ),
        },
        coords={
            "class": ("class", list(CLASSES)),
            "class_code": ("class", np.arange(1, len(CLASSES) + 1, dtype=np.int8)),
            **coords,
        },
    )
    ds.attrs["n_boxes"] = len(sel)
    return ds


def _class_map_of(labels: Any) -> np.ndarray:
    """The 2-D int class map of a class map or votes (Dataset, DataArray or array)."""
    if isinstance(labels, xr.Dataset):
        if "votes" in labels:
            labels = labels["votes"]
        elif "label" in labels:
            labels = labels["label"]
        else:
            raise ConfigError("a Dataset of labels needs a 'votes' or 'label' variable")
    if isinstance(labels, xr.DataArray):
        if "class" in labels.dims:
            labels = labels.transpose("class", ...)
            dims = tuple(d for d in labels.dims if d != "class")
            if len(dims) != 2:
                raise ConfigError(f"votes must be (class, y, x), got dims {labels.dims}")
            return votes_to_class_map(labels.values)
        if labels.ndim != 2:
            raise ConfigError(f"a class map must be 2-D, got dims {labels.dims}")
        return np.asarray(labels.values)
    arr = np.asarray(labels)
    if arr.ndim == 3:
        return votes_to_class_map(arr)
    if arr.ndim != 2:
        raise ConfigError(
            f"labels must be a 2-D class map or (4, y, x) votes, got shape {arr.shape}"
        )
    return arr


def tile_labels(
    labels: Any,
    tile_size: int | tuple[int, int],
    *,
    min_coverage: float = 0.0,
) -> xr.Dataset:
    """Majority label and its coverage fraction per tile of a class map (vectorised).

    Parameters
    ----------
    labels : xarray.Dataset, xarray.DataArray or numpy.ndarray
        A 2-D class map (0 none, 1..4) or per-class votes ``(class, y, x)`` (then reduced to
        a class map with :func:`votes_to_class_map`), or the Dataset of
        :func:`labels_to_grid`.
    tile_size : int or (int, int)
        Tile (rows, columns). Trailing rows/columns that do not fill a tile are dropped.
    min_coverage : float
        Tiles whose majority class covers less than this fraction get label 0.

    Returns
    -------
    xarray.Dataset
        Dims ``tile_y``, ``tile_x`` (and ``class``): ``label`` (int8, the class covering the
        most pixels of the tile, ties to the lower code, 0 when no labelled pixel or below
        ``min_coverage``), ``coverage`` (its fraction of the tile), ``labelled_fraction``
        (fraction of the tile with any class), ``class_fraction`` (per class); coordinates
        ``row0`` and ``col0``, the first pixel row/column of each tile.

    Examples
    --------
    >>> import numpy as np
    >>> m = np.array([[1, 1, 0, 4],
    ...               [1, 2, 4, 4],
    ...               [0, 0, 3, 3],
    ...               [0, 0, 3, 0]], dtype=np.int8)
    >>> t = tile_labels(m, 2)
    >>> t["label"].values
    array([[1, 4],
           [0, 3]], dtype=int8)
    >>> t["coverage"].values
    array([[0.75, 0.75],
           [0.  , 0.75]])
    """
    class_map = _class_map_of(labels)
    if isinstance(tile_size, int | np.integer):
        ty = tx = int(tile_size)
    else:
        ty, tx = (int(v) for v in tile_size)
    if ty < 1 or tx < 1:
        raise ConfigError(f"tile_size must be positive, got {tile_size!r}")
    if not 0.0 <= min_coverage <= 1.0:
        raise ConfigError(f"min_coverage must be in [0, 1], got {min_coverage!r}")
    ny, nx = class_map.shape[0] // ty, class_map.shape[1] // tx
    if ny == 0 or nx == 0:
        raise ConfigError(f"tile_size {(ty, tx)} is larger than the map {class_map.shape}")
    cm = np.asarray(class_map[: ny * ty, : nx * tx])
    blocks = cm.reshape(ny, ty, nx, tx)
    counts = np.stack([(blocks == code).sum(axis=(1, 3)) for code in range(1, len(CLASSES) + 1)])
    fraction = counts / float(ty * tx)
    best = np.argmax(counts, axis=0)
    coverage = np.take_along_axis(fraction, best[None], axis=0)[0]
    label = np.where((coverage > 0) & (coverage >= min_coverage), best + 1, 0).astype(np.int8)
    tdims = ("tile_y", "tile_x")
    return xr.Dataset(
        {
            "label": (tdims, label, class_map_attrs()),
            "coverage": (
                tdims,
                coverage,
                {"long_name": "fraction of the tile covered by its majority class"},
            ),
            "labelled_fraction": (
                tdims,
                fraction.sum(axis=0),
                {"long_name": "fraction of the tile with any class"},
            ),
            "class_fraction": (
                ("class", *tdims),
                fraction,
                {"long_name": "fraction of the tile covered by each class"},
            ),
        },
        coords={
            "class": ("class", list(CLASSES)),
            "row0": (tdims[0], np.arange(ny) * ty),
            "col0": (tdims[1], np.arange(nx) * tx),
        },
        attrs={"tile_size": [ty, tx]},
    )
